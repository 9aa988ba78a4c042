//! The signing-key abstraction. The engine never holds a private key: it asks a [`SigningKey`] for a
//! [`Signer`] and hands it the DER of the signed attributes. An HSM, a cloud KMS or a remote service
//! implements these two traits and plugs in unchanged.

use std::fmt::Debug;
use std::sync::Arc;

use x509_cert::Certificate;

use super::DigestAlgorithm;
use crate::error::Error;

/// The signature algorithm a [`Signer`] produces; it decides the SignerInfo's signatureAlgorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
#[derive(Clone, Debug)]
pub struct CertifiedKey {
    pub cert_chain: Vec<Certificate>,
    pub key: Arc<dyn SigningKey>,
}

impl CertifiedKey {
    pub fn new(cert_chain: Vec<Certificate>, key: Arc<dyn SigningKey>) -> Self {
        Self { cert_chain, key }
    }

    /// The signer's own certificate.
    pub fn end_entity(&self) -> Option<&Certificate> {
        self.cert_chain.first()
    }
}

/// A private key loaded by a software backend, with its public half: the credential loader uses
/// it to find the certificate that belongs to the key.
#[derive(Clone, Debug)]
pub struct LoadedKey {
    pub key: Arc<dyn SigningKey>,
    pub public_key: spki::SubjectPublicKeyInfoOwned,
}
