//! Loading an organisation's signing credential from PEM files.
//!
//! A small adapter so the service can run before the engine's own credential loader lands; it
//! handles RSA keys (PKCS#8 or PKCS#1 PEM) with a PEM certificate chain. Callers that hold keys
//! elsewhere (HSM, KMS, PKCS#12 through the engine's loader) build a [`CertifiedKey`] themselves and
//! hand it to [`super::Service::open`].

use std::path::Path;
use std::sync::Arc;

use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::PrivateKey as RsaPrivateKey;
use signature::{SignatureEncoding, Signer as _};
use x509_cert::Certificate;

use crate::crypto::{CertifiedKey, DigestAlgorithm, SignatureScheme, Signer, SigningKey};
use crate::Error;

/// An RSA private key held in memory, signing RSASSA-PKCS1-v1_5.
#[derive(Clone)]
pub struct RsaSoftwareKey {
    key: RsaPrivateKey,
}

impl std::fmt::Debug for RsaSoftwareKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RsaSoftwareKey({} bits)", self.key.size() * 8)
    }
}

impl RsaSoftwareKey {
    /// Parses a PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`) PEM key.
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        let key = RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
            .map_err(|e| Error::Credential(format!("not an unencrypted RSA private key: {e}")))?;
        Ok(Self { key })
    }
}

struct RsaSigner {
    key: RsaPrivateKey,
    digest: DigestAlgorithm,
}

impl Signer for RsaSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let key = self.key.clone();
        let signature = match self.digest {
            DigestAlgorithm::Sha256 => {
                rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(key).try_sign(message)
            }
            DigestAlgorithm::Sha384 => {
                rsa::pkcs1v15::SigningKey::<sha2::Sha384>::new(key).try_sign(message)
            }
            DigestAlgorithm::Sha512 => {
                rsa::pkcs1v15::SigningKey::<sha2::Sha512>::new(key).try_sign(message)
            }
        };
        signature
            .map(|s| s.to_vec())
            .map_err(|e| Error::Signer(e.to_string()))
    }

    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::RsaPkcs1v15(self.digest)
    }

    fn max_signature_len(&self) -> usize {
        self.key.size()
    }
}

impl SigningKey for RsaSoftwareKey {
    fn choose_scheme(&self, digest: DigestAlgorithm) -> Option<Box<dyn Signer>> {
        Some(Box::new(RsaSigner {
            key: self.key.clone(),
            digest,
        }))
    }
}

/// Builds a [`CertifiedKey`] from a PEM key and a PEM chain (signer first).
pub fn certified_key_from_pem(key_pem: &str, chain_pem: &[u8]) -> Result<CertifiedKey, Error> {
    let key = RsaSoftwareKey::from_pem(key_pem)?;
    let chain = Certificate::load_pem_chain(chain_pem)
        .map_err(|e| Error::Credential(format!("certificate chain: {e}")))?;
    if chain.is_empty() {
        return Err(Error::Credential(
            "the certificate file holds no certificate".into(),
        ));
    }
    Ok(CertifiedKey::new(chain, Arc::new(key)))
}

/// [`certified_key_from_pem`] on files.
pub fn load_pem_files(key: &Path, certificates: &Path) -> Result<CertifiedKey, Error> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| Error::Credential(format!("{}: {e}", path.display())))
    };
    let key_pem = String::from_utf8(read(key)?)
        .map_err(|_| Error::Credential(format!("{}: not PEM text", key.display())))?;
    certified_key_from_pem(&key_pem, &read(certificates)?)
}
