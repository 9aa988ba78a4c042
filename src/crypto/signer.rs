//! The signing-key abstraction. The engine never holds a private key: it asks a [`SigningKey`] for a
//! [`Signer`] and hands it the DER of the signed attributes. An HSM, a cloud KMS or a remote service
//! implements these two traits and plugs in unchanged.

use std::fmt::Debug;
use std::sync::Arc;

use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;

use super::DigestAlgorithm;
use crate::error::{CredentialError, Error, Result};

/// The signature algorithm a [`Signer`] produces; it decides the SignerInfo's signatureAlgorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureScheme {
    /// RSASSA-PKCS1-v1_5 over the given digest.
    RsaPkcs1v15(DigestAlgorithm),
    /// RSASSA-PSS, MGF1 with the same digest, salt length = digest length.
    RsaPss(DigestAlgorithm),
    /// ECDSA on P-256, DER-encoded (r, s).
    EcdsaP256(DigestAlgorithm),
    /// ECDSA on P-384, DER-encoded (r, s).
    EcdsaP384(DigestAlgorithm),
}

impl SignatureScheme {
    /// The digest the signature is computed over.
    pub fn digest(&self) -> DigestAlgorithm {
        match *self {
            Self::RsaPkcs1v15(d) | Self::RsaPss(d) | Self::EcdsaP256(d) | Self::EcdsaP384(d) => d,
        }
    }
}

/// A private key, wherever it lives.
pub trait SigningKey: Send + Sync + Debug {
    /// A signer that hashes with `digest`, or `None` when this key cannot use that digest.
    fn choose_scheme(&self, digest: DigestAlgorithm) -> Option<Box<dyn Signer>>;

    /// The public half of the key, as the SubjectPublicKeyInfo of its certificate.
    /// [`CertifiedKey::new`] compares the two, so that a key that does not belong to its
    /// certificate is refused when it is loaded rather than producing signatures nobody can verify.
    fn public_key(&self) -> Result<SubjectPublicKeyInfoOwned>;
}

/// One configured signing operation.
pub trait Signer: Send + Sync {
    /// Signs `message` (the DER of the signed attributes): the signer hashes it itself.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error>;
    /// The algorithm of the signatures this signer returns.
    fn scheme(&self) -> SignatureScheme;
    /// The longest signature [`Signer::sign`] can return, used to size `/Contents` exactly.
    fn max_signature_len(&self) -> usize;
}

/// A certificate chain (signer first, then its issuers) and the key of its first certificate.
/// The chain is never empty and its first certificate carries the key's public half: both are
/// checked by [`CertifiedKey::new`], the only way to build one.
#[derive(Clone, Debug)]
pub struct CertifiedKey {
    /// The first certificate of `cert_chain`, kept apart so that reading it cannot fail.
    end_entity: Certificate,
    cert_chain: Vec<Certificate>,
    key: Arc<dyn SigningKey>,
}

impl CertifiedKey {
    /// Pairs `key` with `cert_chain`, refusing an empty chain ([`CredentialError::EmptyChain`]) and a key
    /// whose public half is not the one in the first certificate ([`Error::KeyMismatch`]).
    pub fn new(cert_chain: Vec<Certificate>, key: Arc<dyn SigningKey>) -> Result<Self> {
        let end_entity = cert_chain.first().ok_or(CredentialError::EmptyChain)?;
        let certified = end_entity.tbs_certificate().subject_public_key_info();
        if !super::credential::public_keys_match(certified, &key.public_key()?) {
            return Err(Error::KeyMismatch {
                subject: end_entity.tbs_certificate().subject().to_string(),
            });
        }
        Ok(Self {
            end_entity: end_entity.clone(),
            cert_chain,
            key,
        })
    }

    /// The signer's own certificate.
    pub fn end_entity(&self) -> &Certificate {
        &self.end_entity
    }

    /// The signer's certificate followed by its issuers.
    pub fn cert_chain(&self) -> &[Certificate] {
        &self.cert_chain
    }

    /// The private key of [`Self::end_entity`].
    pub fn key(&self) -> &Arc<dyn SigningKey> {
        &self.key
    }
}
