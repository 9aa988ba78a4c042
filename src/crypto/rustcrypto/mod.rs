//! The default backend: pure-Rust RSA and ECDSA from the RustCrypto project.

mod sign;
mod verify;

pub use sign::{any_supported_key, EcdsaSigningKey, RsaPadding, RsaSigningKey};
pub use verify::verify_signature;
