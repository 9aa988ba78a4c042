//! RSA (PKCS#1 v1.5 or PSS) and ECDSA P-256/P-384 private-key primitives on the RustCrypto crates.

use std::sync::Arc;

use getrandom::SysRng;
use pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{PrivateKey as RsaPrivateKey, Pss};
use signature::hazmat::PrehashSigner;
use spki::{EncodePublicKey, SubjectPublicKeyInfoOwned};

use crate::crypto::keys::{EcdsaPrimitive, PrivateKeyPrimitives, RsaPrimitive, spki_from_der};
use crate::crypto::{DigestAlgorithm, EcCurve, RsaPadding};
use crate::error::{Error, Result};

/// The RustCrypto private-key primitives.
#[derive(Debug)]
pub(super) struct Keys;

impl PrivateKeyPrimitives for Keys {
    fn rsa(&self, pkcs8_der: &[u8]) -> Result<Arc<dyn RsaPrimitive>> {
        let key =
            RsaPrivateKey::from_pkcs8_der(pkcs8_der).map_err(Error::invalid("RSA private key"))?;
        Ok(Arc::new(key))
    }

    fn ecdsa(&self, pkcs8_der: &[u8], curve: EcCurve) -> Result<Arc<dyn EcdsaPrimitive>> {
        Ok(Arc::new(EcdsaKey::from_pkcs8_der(pkcs8_der, curve)?))
    }
}

impl RsaPrimitive for RsaPrivateKey {
    fn modulus_bits(&self) -> usize {
        self.n().bit_width() as usize
    }

    fn public_key(&self) -> Result<SubjectPublicKeyInfoOwned> {
        let der = self
            .to_public_key()
            .to_public_key_der()
            .map_err(Error::invalid("public key"))?;
        spki_from_der(der.as_bytes())
    }

    fn sign(
        &self,
        padding: RsaPadding,
        digest: DigestAlgorithm,
        message: &[u8],
    ) -> Result<Vec<u8>> {
        let hash = digest.digest_chunks(&[message]);
        // The RNG is passed explicitly: it blinds the private-key operation and draws the PSS salt.
        // `rsa::PrivateKey::sign` would use one only with `rsa`'s default `getrandom` feature and
        // silently sign unblinded without it.
        let rng = &mut SysRng;
        let signed = match (padding, digest) {
            (RsaPadding::Pss, DigestAlgorithm::Sha256) => {
                self.sign_with_rng(rng, Pss::<sha2::Sha256>::new(), &hash)
            }
            (RsaPadding::Pss, DigestAlgorithm::Sha384) => {
                self.sign_with_rng(rng, Pss::<sha2::Sha384>::new(), &hash)
            }
            (RsaPadding::Pss, DigestAlgorithm::Sha512) => {
                self.sign_with_rng(rng, Pss::<sha2::Sha512>::new(), &hash)
            }
            (RsaPadding::Pkcs1v15, digest) => {
                self.sign_with_rng(rng, super::verify::pkcs1v15_padding(digest), &hash)
            }
            // Unreachable through choose_scheme, which offers SM3 to SM2 keys only.
            (RsaPadding::Pss, DigestAlgorithm::Sm3) => {
                return Err(Error::signer("RSA-PSS over SM3 is not supported"));
            }
        };
        signed.map_err(Error::signer)
    }
}

/// An ECDSA private key on P-256 or P-384; signatures are deterministic (RFC 6979).
#[derive(Clone)]
pub(crate) enum EcdsaKey {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
}

impl EcdsaKey {
    /// Loads an unencrypted PKCS#8 `PrivateKeyInfo` holding a key on `curve`.
    pub(crate) fn from_pkcs8_der(der: &[u8], curve: EcCurve) -> Result<Self> {
        let invalid = Error::invalid::<pkcs8::Error>("EC private key");
        Ok(match curve {
            EcCurve::P256 => {
                Self::P256(p256::ecdsa::SigningKey::from_pkcs8_der(der).map_err(invalid)?)
            }
            EcCurve::P384 => {
                Self::P384(p384::ecdsa::SigningKey::from_pkcs8_der(der).map_err(invalid)?)
            }
        })
    }
}

impl EcdsaPrimitive for EcdsaKey {
    fn public_key(&self) -> Result<SubjectPublicKeyInfoOwned> {
        let der = match self {
            Self::P256(k) => k.verifying_key().to_public_key_der(),
            Self::P384(k) => k.verifying_key().to_public_key_der(),
        }
        .map_err(Error::invalid("public key"))?;
        spki_from_der(der.as_bytes())
    }

    fn sign(&self, digest: DigestAlgorithm, message: &[u8]) -> Result<Vec<u8>> {
        let hash = digest.digest_chunks(&[message]);
        let failed = |e: signature::Error| Error::signer(e);
        Ok(match self {
            Self::P256(k) => {
                let sig: p256::ecdsa::DerSignature = k.sign_prehash(&hash).map_err(failed)?;
                sig.to_bytes().to_vec()
            }
            Self::P384(k) => {
                let sig: p384::ecdsa::DerSignature = k.sign_prehash(&hash).map_err(failed)?;
                sig.to_bytes().to_vec()
            }
        })
    }
}
