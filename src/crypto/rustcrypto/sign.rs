//! Software signing keys on the RustCrypto crates: RSA (PKCS#1 v1.5 or PSS) and ECDSA P-256/P-384.

use std::fmt;
use std::sync::Arc;

use getrandom::SysRng;
use pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, PrivateKey as RsaPrivateKey, Pss};
use signature::hazmat::PrehashSigner;
use spki::{EncodePublicKey, SubjectPublicKeyInfoOwned};

use crate::crypto::algorithm::{
    check_rsa_signing_bits, ID_EC_PUBLIC_KEY, P256_MAX_SIGNATURE_LEN, P384_MAX_SIGNATURE_LEN,
    RSA_ENCRYPTION, SECP256R1, SECP384R1,
};
use crate::crypto::{DigestAlgorithm, SignatureScheme, Signer, SigningKey};
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

/// An RSA private key in memory.
pub struct RsaSigningKey {
    key: Arc<RsaPrivateKey>,
    padding: RsaPadding,
}

impl fmt::Debug for RsaSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaSigningKey")
            .field("bits", &self.key.size().saturating_mul(8))
            .field("padding", &self.padding)
            .finish_non_exhaustive()
    }
}

impl RsaSigningKey {
    /// Wraps `key`, refusing moduli outside 2048..=4096 bits.
    pub fn new(key: RsaPrivateKey, padding: RsaPadding) -> Result<Self> {
        let bits = key.n().bit_width() as usize;
        check_rsa_signing_bits(bits)?;
        Ok(Self {
            key: Arc::new(key),
            padding,
        })
    }

    /// Loads an unencrypted PKCS#8 `PrivateKeyInfo` holding an RSA key.
    pub fn from_pkcs8_der(der: &[u8], padding: RsaPadding) -> Result<Self> {
        let key = RsaPrivateKey::from_pkcs8_der(der).map_err(Error::invalid("RSA private key"))?;
        Self::new(key, padding)
    }

    /// The public half, as it appears in the matching certificate.
    pub fn public_key_info(&self) -> Result<SubjectPublicKeyInfoOwned> {
        spki_from_der(
            self.key
                .to_public_key()
                .to_public_key_der()
                .map(|d| d.into_vec()),
        )
    }
}

impl SigningKey for RsaSigningKey {
    fn public_key(&self) -> Result<SubjectPublicKeyInfoOwned> {
        self.public_key_info()
    }

    fn choose_scheme(&self, digest: DigestAlgorithm) -> Option<Box<dyn Signer>> {
        let scheme = match self.padding {
            RsaPadding::Pkcs1v15 => SignatureScheme::RsaPkcs1v15(digest),
            RsaPadding::Pss => SignatureScheme::RsaPss(digest),
        };
        Some(Box::new(RsaSigner {
            key: Arc::clone(&self.key),
            scheme,
        }))
    }
}

struct RsaSigner {
    key: Arc<RsaPrivateKey>,
    scheme: SignatureScheme,
}

impl Signer for RsaSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        let digest = self.scheme.digest();
        let hash = digest.digest_chunks(&[message]);
        // The RNG is passed explicitly: it blinds the private-key operation and draws the PSS salt.
        // `rsa::PrivateKey::sign` would use one only with `rsa`'s default `getrandom` feature and
        // silently sign unblinded without it.
        let signed = match (self.scheme, digest) {
            (SignatureScheme::RsaPss(_), DigestAlgorithm::Sha256) => {
                self.key
                    .sign_with_rng(&mut SysRng, Pss::<sha2::Sha256>::new(), &hash)
            }
            (SignatureScheme::RsaPss(_), DigestAlgorithm::Sha384) => {
                self.key
                    .sign_with_rng(&mut SysRng, Pss::<sha2::Sha384>::new(), &hash)
            }
            (SignatureScheme::RsaPss(_), DigestAlgorithm::Sha512) => {
                self.key
                    .sign_with_rng(&mut SysRng, Pss::<sha2::Sha512>::new(), &hash)
            }
            (_, DigestAlgorithm::Sha256) => {
                self.key
                    .sign_with_rng(&mut SysRng, Pkcs1v15Sign::new::<sha2::Sha256>(), &hash)
            }
            (_, DigestAlgorithm::Sha384) => {
                self.key
                    .sign_with_rng(&mut SysRng, Pkcs1v15Sign::new::<sha2::Sha384>(), &hash)
            }
            (_, DigestAlgorithm::Sha512) => {
                self.key
                    .sign_with_rng(&mut SysRng, Pkcs1v15Sign::new::<sha2::Sha512>(), &hash)
            }
        };
        signed.map_err(Error::signer)
    }

    fn scheme(&self) -> SignatureScheme {
        self.scheme
    }

    fn max_signature_len(&self) -> usize {
        self.key.size()
    }
}

#[derive(Clone)]
enum EcdsaKey {
    P256(Arc<p256::ecdsa::SigningKey>),
    P384(Arc<p384::ecdsa::SigningKey>),
}

/// An ECDSA private key on P-256 or P-384; signatures are deterministic (RFC 6979).
#[derive(Clone)]
pub struct EcdsaSigningKey {
    key: EcdsaKey,
}

impl fmt::Debug for EcdsaSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let curve = match self.key {
            EcdsaKey::P256(_) => "P-256",
            EcdsaKey::P384(_) => "P-384",
        };
        f.debug_struct("EcdsaSigningKey")
            .field("curve", &curve)
            .finish_non_exhaustive()
    }
}

impl EcdsaSigningKey {
    /// Loads an unencrypted PKCS#8 `PrivateKeyInfo` holding a P-256 or P-384 key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self> {
        let info = pkcs8::PrivateKeyInfoRef::try_from(der)
            .map_err(Error::invalid("PKCS#8 private key"))?;
        let curve = info
            .algorithm
            .parameters_oid()
            .map_err(|_| CredentialError::NoNamedCurve)?;
        let invalid = Error::invalid::<pkcs8::Error>("EC private key");
        let key = match curve {
            SECP256R1 => EcdsaKey::P256(Arc::new(
                p256::ecdsa::SigningKey::from_pkcs8_der(der).map_err(invalid)?,
            )),
            SECP384R1 => EcdsaKey::P384(Arc::new(
                p384::ecdsa::SigningKey::from_pkcs8_der(der).map_err(invalid)?,
            )),
            other => return Err(CredentialError::UnsupportedCurve { oid: other }.into()),
        };
        Ok(Self { key })
    }

    /// The public half, as it appears in the matching certificate.
    pub fn public_key_info(&self) -> Result<SubjectPublicKeyInfoOwned> {
        spki_from_der(match &self.key {
            EcdsaKey::P256(k) => k.verifying_key().to_public_key_der().map(|d| d.into_vec()),
            EcdsaKey::P384(k) => k.verifying_key().to_public_key_der().map(|d| d.into_vec()),
        })
    }
}

impl SigningKey for EcdsaSigningKey {
    fn public_key(&self) -> Result<SubjectPublicKeyInfoOwned> {
        self.public_key_info()
    }

    fn choose_scheme(&self, digest: DigestAlgorithm) -> Option<Box<dyn Signer>> {
        Some(Box::new(EcdsaSigner {
            key: self.key.clone(),
            digest,
        }))
    }
}

struct EcdsaSigner {
    key: EcdsaKey,
    digest: DigestAlgorithm,
}

impl Signer for EcdsaSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        let hash = self.digest.digest_chunks(&[message]);
        let failed = |e: signature::Error| Error::signer(e);
        Ok(match &self.key {
            EcdsaKey::P256(k) => {
                let sig: p256::ecdsa::DerSignature = k.sign_prehash(&hash).map_err(failed)?;
                sig.to_bytes().to_vec()
            }
            EcdsaKey::P384(k) => {
                let sig: p384::ecdsa::DerSignature = k.sign_prehash(&hash).map_err(failed)?;
                sig.to_bytes().to_vec()
            }
        })
    }

    fn scheme(&self) -> SignatureScheme {
        match self.key {
            EcdsaKey::P256(_) => SignatureScheme::EcdsaP256(self.digest),
            EcdsaKey::P384(_) => SignatureScheme::EcdsaP384(self.digest),
        }
    }

    fn max_signature_len(&self) -> usize {
        match self.key {
            EcdsaKey::P256(_) => P256_MAX_SIGNATURE_LEN,
            EcdsaKey::P384(_) => P384_MAX_SIGNATURE_LEN,
        }
    }
}

/// Loads any supported key from an unencrypted PKCS#8 `PrivateKeyInfo`.
pub fn any_supported_key(pkcs8_der: &[u8], rsa_padding: RsaPadding) -> Result<Arc<dyn SigningKey>> {
    let info = pkcs8::PrivateKeyInfoRef::try_from(pkcs8_der)
        .map_err(Error::invalid("PKCS#8 private key"))?;
    match info.algorithm.oid {
        RSA_ENCRYPTION => Ok(Arc::new(RsaSigningKey::from_pkcs8_der(
            pkcs8_der,
            rsa_padding,
        )?)),
        ID_EC_PUBLIC_KEY => Ok(Arc::new(EcdsaSigningKey::from_pkcs8_der(pkcs8_der)?)),
        other => Err(CredentialError::UnsupportedKeyAlgorithm { oid: other }.into()),
    }
}

fn spki_from_der(der: spki::Result<Vec<u8>>) -> Result<SubjectPublicKeyInfoOwned> {
    use der::Decode;
    let der = der.map_err(Error::invalid("public key"))?;
    SubjectPublicKeyInfoOwned::from_der(&der).map_err(Error::invalid("public key"))
}
