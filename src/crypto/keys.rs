//! The software keys of the built-in backends, written once: the RSA and ECDSA [`SigningKey`]
//! wrapper and the PKCS#8 dispatch by key algorithm ([`SoftwareKeys`]). A backend supplies only
//! the private-key primitives ([`RsaPrimitive`], [`EcdsaPrimitive`]) through
//! [`PrivateKeyPrimitives`].

use std::fmt;
use std::sync::Arc;

use spki::SubjectPublicKeyInfoOwned;

use super::algorithm::{
    ID_EC_PUBLIC_KEY, ID_ED25519, P256_MAX_SIGNATURE_LEN, P384_MAX_SIGNATURE_LEN, RSA_ENCRYPTION,
    SECP256R1, SECP384R1, check_rsa_signing_bits,
};
use super::ed25519::{self, Ed25519Key};
use super::{DigestAlgorithm, EcCurve, KeyProvider, SignatureScheme, Signer, SigningKey};
use crate::error::{CredentialError, Error, Result};

/// Which RSA signature scheme an RSA key produces.
///
/// # Examples
///
/// ```
/// use countersign::crypto::credential::load_pem;
/// use countersign::crypto::{LoadOptions, RsaPadding};
/// use countersign::{sign_pdf, verify_pdf, SignOptions, VerifyOptions};
///
/// let mut options = LoadOptions::default();
/// assert_eq!(options.rsa_padding, RsaPadding::Pkcs1v15);
/// options.rsa_padding = RsaPadding::Pss;
/// let key = load_pem(
///     &std::fs::read("testdata/pki/demo.chain.pem")?,
///     &std::fs::read("testdata/pki/demo.key.pem")?,
///     &options,
/// )?;
/// let signed = sign_pdf(&std::fs::read("testdata/pdf/classic.pdf")?, &key, &SignOptions::default())?;
/// let report = verify_pdf(&signed, &VerifyOptions::default())?;
/// assert_eq!(report.signatures[0].signature_algorithm, "SHA256withRSA/PSS");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RsaPadding {
    /// RSASSA-PKCS1-v1_5: accepted by every PDF validator.
    #[default]
    Pkcs1v15,
    /// RSASSA-PSS with MGF1 over the same hash and a salt as long as the hash.
    Pss,
}

/// An RSA private key held by a backend.
pub(crate) trait RsaPrimitive: Send + Sync {
    /// The modulus length in bits.
    fn modulus_bits(&self) -> usize;
    fn public_key(&self) -> Result<SubjectPublicKeyInfoOwned>;
    /// Hashes `message` with `digest` and signs it; the result is modulus-sized.
    fn sign(&self, padding: RsaPadding, digest: DigestAlgorithm, message: &[u8])
    -> Result<Vec<u8>>;
}

/// An ECDSA private key held by a backend, able to sign with every [`DigestAlgorithm`].
pub(crate) trait EcdsaPrimitive: Send + Sync {
    fn public_key(&self) -> Result<SubjectPublicKeyInfoOwned>;
    /// Hashes `message` with `digest` and signs it; the result is DER (r, s).
    fn sign(&self, digest: DigestAlgorithm, message: &[u8]) -> Result<Vec<u8>>;
}

/// How a built-in backend loads each key type from unencrypted PKCS#8.
pub(crate) trait PrivateKeyPrimitives:
    Send + Sync + std::panic::RefUnwindSafe + fmt::Debug
{
    fn rsa(&self, pkcs8_der: &[u8]) -> Result<Arc<dyn RsaPrimitive>>;
    fn ecdsa(&self, pkcs8_der: &[u8], curve: EcCurve) -> Result<Arc<dyn EcdsaPrimitive>>;
}

/// The [`KeyProvider`] of a built-in backend: the PKCS#8 dispatch by key algorithm over the
/// backend's primitives.
#[derive(Debug)]
pub(crate) struct SoftwareKeys<B>(pub(crate) B);

impl<B: PrivateKeyPrimitives> KeyProvider for SoftwareKeys<B> {
    fn load_private_key(
        &self,
        pkcs8_der: &[u8],
        rsa_padding: RsaPadding,
    ) -> Result<Arc<dyn SigningKey>> {
        let info = pkcs8::PrivateKeyInfoRef::try_from(pkcs8_der)
            .map_err(Error::invalid("PKCS#8 private key"))?;
        let key = match info.algorithm.oid {
            RSA_ENCRYPTION => {
                let key = self.0.rsa(pkcs8_der)?;
                check_rsa_signing_bits(key.modulus_bits())?;
                PrivateKey::Rsa(key, rsa_padding)
            }
            ID_EC_PUBLIC_KEY => {
                let curve = match info.algorithm.parameters_oid() {
                    Ok(SECP256R1) => EcCurve::P256,
                    Ok(SECP384R1) => EcCurve::P384,
                    Ok(oid) => return Err(CredentialError::UnsupportedCurve { oid }.into()),
                    Err(_) => return Err(CredentialError::NoNamedCurve.into()),
                };
                PrivateKey::Ecdsa(self.0.ecdsa(pkcs8_der, curve)?, curve)
            }
            // Every backend signs Ed25519 with ed25519-dalek.
            ID_ED25519 => PrivateKey::Ed25519(Ed25519Key::from_pkcs8_der(pkcs8_der)?),
            oid => return Err(CredentialError::UnsupportedKeyAlgorithm { oid }.into()),
        };
        Ok(Arc::new(SoftwareKey(key)))
    }
}

#[derive(Clone)]
enum PrivateKey {
    Rsa(Arc<dyn RsaPrimitive>, RsaPadding),
    Ecdsa(Arc<dyn EcdsaPrimitive>, EcCurve),
    Ed25519(Arc<Ed25519Key>),
}

/// A software key of a built-in backend.
struct SoftwareKey(PrivateKey);

impl fmt::Debug for SoftwareKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            PrivateKey::Rsa(key, padding) => f
                .debug_struct("RsaSigningKey")
                .field("bits", &key.modulus_bits())
                .field("padding", padding)
                .finish_non_exhaustive(),
            PrivateKey::Ecdsa(_, curve) => f
                .debug_struct("EcdsaSigningKey")
                .field("curve", curve)
                .finish_non_exhaustive(),
            PrivateKey::Ed25519(_) => f.debug_struct("Ed25519SigningKey").finish_non_exhaustive(),
        }
    }
}

impl SigningKey for SoftwareKey {
    fn public_key(&self) -> Result<SubjectPublicKeyInfoOwned> {
        match &self.0 {
            PrivateKey::Rsa(key, _) => key.public_key(),
            PrivateKey::Ecdsa(key, _) => key.public_key(),
            PrivateKey::Ed25519(key) => key.public_key(),
        }
    }

    fn choose_scheme(&self, digest: DigestAlgorithm) -> Option<Box<dyn Signer>> {
        // RFC 8419 §3.1: with signed attributes, Ed25519 goes with SHA-512 only.
        if matches!(self.0, PrivateKey::Ed25519(_)) && digest != DigestAlgorithm::Sha512 {
            return None;
        }
        Some(Box::new(SoftwareSigner {
            key: self.0.clone(),
            digest,
        }))
    }
}

struct SoftwareSigner {
    key: PrivateKey,
    digest: DigestAlgorithm,
}

impl Signer for SoftwareSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        match &self.key {
            PrivateKey::Rsa(key, padding) => key.sign(*padding, self.digest, message),
            PrivateKey::Ecdsa(key, _) => key.sign(self.digest, message),
            PrivateKey::Ed25519(key) => Ok(key.sign(message)),
        }
    }

    fn scheme(&self) -> SignatureScheme {
        let digest = self.digest;
        match self.key {
            PrivateKey::Rsa(_, RsaPadding::Pkcs1v15) => SignatureScheme::RsaPkcs1v15(digest),
            PrivateKey::Rsa(_, RsaPadding::Pss) => SignatureScheme::RsaPss(digest),
            PrivateKey::Ecdsa(_, EcCurve::P256) => SignatureScheme::EcdsaP256(digest),
            PrivateKey::Ecdsa(_, EcCurve::P384) => SignatureScheme::EcdsaP384(digest),
            PrivateKey::Ed25519(_) => SignatureScheme::Ed25519,
        }
    }

    fn max_signature_len(&self) -> usize {
        match &self.key {
            PrivateKey::Rsa(key, _) => key.modulus_bits().div_ceil(8),
            PrivateKey::Ecdsa(_, EcCurve::P256) => P256_MAX_SIGNATURE_LEN,
            PrivateKey::Ecdsa(_, EcCurve::P384) => P384_MAX_SIGNATURE_LEN,
            PrivateKey::Ed25519(_) => ed25519::SIGNATURE_LEN,
        }
    }
}

/// A public key a backend wrote as DER SubjectPublicKeyInfo, read back.
pub(crate) fn spki_from_der(der: &[u8]) -> Result<SubjectPublicKeyInfoOwned> {
    use der::Decode;
    SubjectPublicKeyInfoOwned::from_der(der).map_err(Error::invalid("public key"))
}
