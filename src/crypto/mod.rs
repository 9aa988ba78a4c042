//! Keys and credentials. `signer` is the trait the engine uses; each backend is a folder with the
//! same file names.

pub(crate) mod algorithm;
#[cfg(feature = "aws-lc")]
pub(crate) mod aws_lc;
pub mod credential;
mod digest;
pub(crate) mod rustcrypto;
mod signer;

pub(crate) use algorithm::SignatureAlgorithm;
pub use credential::{Backend, LoadOptions};
pub use digest::DigestAlgorithm;
pub(crate) use digest::DigestState;
pub use rustcrypto::RsaPadding;
pub use signer::{CertifiedKey, SignatureScheme, Signer, SigningKey};
/// The public-key type of [`SigningKey::public_key`], re-exported so that implementors need not
/// depend on `spki` themselves.
pub use spki::SubjectPublicKeyInfoOwned;
