//! The optional AWS-LC backend (feature `aws-lc`): the same keys and algorithms as
//! [`super::rustcrypto`], about ten times faster for RSA. Its verifier refuses RSA keys under
//! 2048 bits.
//!
//! ```
//! use countersign::crypto::credential::load_private_key;
//! use countersign::crypto::{aws_lc, LoadOptions};
//!
//! let mut options = LoadOptions::default();
//! options.provider = aws_lc::default_provider();
//! let key = load_private_key(&std::fs::read("testdata/pki/demo.key.pem")?, &options)?;
//! assert!(format!("{key:?}").contains("bits: 2048"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod sign;
mod verify;

use super::CryptoProvider;
use super::keys::SoftwareKeys;

/// The AWS-LC provider.
///
/// # Examples
///
/// ```
/// use countersign::crypto::{aws_lc, CryptoProvider};
///
/// let provider = aws_lc::default_provider();
/// assert_eq!(provider.name, "aws-lc");
/// provider.install_default().map_err(|_| "installed twice")?; // every default is AWS-LC now
/// assert_eq!(CryptoProvider::default().name, "aws-lc");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn default_provider() -> CryptoProvider {
    CryptoProvider::new("aws-lc", &SoftwareKeys(sign::Keys), &verify::Verifier)
}
