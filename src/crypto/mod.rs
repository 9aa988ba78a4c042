//! Keys and credentials. `signer` is the trait the engine uses; each backend is a folder with the
//! same file names.

mod digest;
pub mod signer;

pub use digest::DigestAlgorithm;
pub use signer::{CertifiedKey, SignatureScheme, Signer, SigningKey};
