//! The default backend: pure-Rust RSA and ECDSA from the RustCrypto project.
//!
//! ```
//! use countersign::crypto::credential::load_private_key;
//! use countersign::crypto::{rustcrypto, LoadOptions};
//!
//! let mut options = LoadOptions::default();
//! options.provider = rustcrypto::default_provider();
//! let key = load_private_key(&std::fs::read("testdata/pki/demo-p256.key.pem")?, &options)?;
//! assert!(format!("{key:?}").contains("P256"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod sign;
mod verify;

use super::CryptoProvider;
use super::keys::SoftwareKeys;

/// The RustCrypto provider: always available, and the default unless another one is installed
/// ([`CryptoProvider::install_default`]).
///
/// # Examples
///
/// ```
/// use countersign::crypto::{rustcrypto, CryptoProvider};
///
/// assert_eq!(rustcrypto::default_provider().name, "rustcrypto");
/// assert_eq!(CryptoProvider::default().name, "rustcrypto"); // nothing installed in this process
/// ```
pub fn default_provider() -> CryptoProvider {
    CryptoProvider::new("rustcrypto", &SoftwareKeys(sign::Keys), &verify::Verifier)
}

#[cfg(feature = "aws-lc")]
pub(crate) use sign::EcdsaKey;
pub(crate) use verify::verify_sm2;
