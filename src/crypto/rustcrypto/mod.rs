//! The default backend: pure-Rust RSA and ECDSA from the RustCrypto project.

mod sign;
mod verify;

#[cfg(feature = "aws-lc")]
pub(crate) use sign::EcdsaSigningKey;
pub use sign::{any_supported_key, RsaPadding};
pub use verify::verify_signature;
