//! Keys and credentials, as a provider in the style of rustls: the engine never holds a private
//! key. It asks a [`SigningKey`] for a [`Signer`] for the digest it uses and hands it the DER of
//! the CMS signed attributes. Software keys come from [`credential`] (PEM, DER, PKCS#12) on a
//! [`CryptoProvider`] ([`rustcrypto`], or `aws_lc` with feature `aws-lc`), which also verifies
//! signatures. Keys on a PKCS#11 token (an HSM, a smart card) come from `pkcs11` (feature `pkcs11`); a cloud KMS or a remote signing service implements the two traits itself. [`CertifiedKey::new`] pairs a key with its
//! certificate chain and refuses a key that is not the certificate's.
//!
//! ```
//! use std::sync::Arc;
//! use countersign::crypto::credential::parse_certificates;
//! use countersign::crypto::SubjectPublicKeyInfoOwned;
//! use countersign::{CertifiedKey, DigestAlgorithm, Error, SignatureScheme, Signer, SigningKey};
//!
//! #[derive(Debug)]
//! struct HsmKey {
//!     public_key: SubjectPublicKeyInfoOwned, // read from the HSM when the session opens
//! }
//!
//! struct HsmSigner;
//!
//! impl SigningKey for HsmKey {
//!     fn public_key(&self) -> Result<SubjectPublicKeyInfoOwned, Error> {
//!         Ok(self.public_key.clone())
//!     }
//!     fn choose_scheme(&self, digest: DigestAlgorithm) -> Option<Box<dyn Signer>> {
//!         (digest == DigestAlgorithm::Sha256).then(|| Box::new(HsmSigner) as Box<dyn Signer>)
//!     }
//! }
//!
//! impl Signer for HsmSigner {
//!     fn sign(&self, signed_attributes_der: &[u8]) -> Result<Vec<u8>, Error> {
//!         // hash and sign inside the HSM; its failures become Error::Signer
//!         Err(Error::signer(format!("not connected ({} bytes)", signed_attributes_der.len())))
//!     }
//!     fn scheme(&self) -> SignatureScheme {
//!         SignatureScheme::RsaPkcs1v15(DigestAlgorithm::Sha256)
//!     }
//!     fn max_signature_len(&self) -> usize {
//!         256 // RSA-2048: sizes /Contents before anything is hashed
//!     }
//! }
//!
//! let chain = parse_certificates(&std::fs::read("testdata/pki/demo.chain.pem")?)?;
//! let hsm = HsmKey { public_key: chain[0].tbs_certificate().subject_public_key_info().clone() };
//! let key = CertifiedKey::new(chain.clone(), Arc::new(hsm))?;
//! assert_eq!(key.end_entity(), &chain[0]);
//!
//! // A slot holding another key is refused when it is configured, not after signing.
//! let wrong = HsmKey { public_key: chain[1].tbs_certificate().subject_public_key_info().clone() };
//! assert!(matches!(CertifiedKey::new(chain, Arc::new(wrong)), Err(Error::KeyMismatch { .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[allow(missing_docs)] // reachable from outside only through `__private`
pub(crate) mod algorithm;
#[cfg(feature = "aws-lc")]
#[cfg_attr(docsrs, doc(cfg(feature = "aws-lc")))]
pub mod aws_lc;
pub mod credential;
mod digest;
mod ed25519;
mod keys;
#[cfg(feature = "pkcs11")]
#[cfg_attr(docsrs, doc(cfg(feature = "pkcs11")))]
pub mod pkcs11;
mod provider;
pub mod rustcrypto;
mod signer;
mod verify;

pub(crate) use algorithm::{SignatureAlgorithm, digest_for_key, is_sm2_key};
pub use credential::LoadOptions;
pub use digest::DigestAlgorithm;
pub(crate) use digest::DigestState;
pub(crate) use ed25519::SIGNATURE_LEN as ED25519_SIGNATURE_LEN;
pub use keys::{RsaPadding, SM2_DEFAULT_USER_ID};
pub use provider::{CryptoProvider, EcCurve, KeyProvider, RsaVerifyPadding, SignatureVerifier};
pub use signer::{CertifiedKey, SignatureScheme, Signer, SigningKey};
/// The public-key type of [`SigningKey::public_key`], re-exported so that implementors need not
/// depend on `spki` themselves.
pub use spki::SubjectPublicKeyInfoOwned;
