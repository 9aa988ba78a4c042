//! The optional AWS-LC backend (feature `aws-lc`): the same keys as [`super::rustcrypto`], about
//! ten times faster for RSA.

mod sign;
mod verify;

pub use sign::any_supported_key;
pub use verify::verify_signature;
