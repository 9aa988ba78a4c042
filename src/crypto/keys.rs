//! The software keys of the built-in backends, written once: the RSA and ECDSA [`SigningKey`]
//! wrapper and the PKCS#8 dispatch by key algorithm ([`SoftwareKeys`]). A backend supplies only
//! the private-key primitives ([`RsaPrimitive`], [`EcdsaPrimitive`]) through
//! [`PrivateKeyPrimitives`].

use std::fmt;
use std::sync::Arc;

use spki::SubjectPublicKeyInfoOwned;

use super::algorithm::{
    ID_EC_PUBLIC_KEY, ID_ED25519, P256_MAX_SIGNATURE_LEN, P384_MAX_SIGNATURE_LEN, RSA_ENCRYPTION,
    SECP256R1, SECP384R1, SM2_CURVE, SM2_MAX_SIGNATURE_LEN, check_rsa_signing_bits,
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

/// The SM2 user ID (distinguishing identifier) GB/T 35276 §5.4 fixes when none was agreed:
/// it enters Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ G ‖ P), which every SM2 signature covers. Signing
/// uses [`LoadOptions::sm2_user_id`](super::LoadOptions::sm2_user_id) when set; verification
/// always uses this one.
///
/// # Examples
///
/// ```
/// use countersign::crypto::credential::load_private_key;
/// use countersign::crypto::{LoadOptions, SM2_DEFAULT_USER_ID};
///
/// assert_eq!(SM2_DEFAULT_USER_ID, "1234567812345678");
/// let key = load_private_key(&std::fs::read("testdata/pki/sm2-signer.key.pem")?, &LoadOptions::default())?;
/// assert!(format!("{key:?}").contains(SM2_DEFAULT_USER_ID));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const SM2_DEFAULT_USER_ID: &str = "1234567812345678";

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
            ID_EC_PUBLIC_KEY if info.algorithm.parameters_oid() == Ok(SM2_CURVE) => {
                return load_sm2(pkcs8_der, SM2_DEFAULT_USER_ID);
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

/// Whether an unencrypted PKCS#8 `PrivateKeyInfo` holds a key on the SM2 curve.
pub(crate) fn is_sm2_pkcs8(pkcs8_der: &[u8]) -> bool {
    pkcs8::PrivateKeyInfoRef::try_from(pkcs8_der).is_ok_and(|info| {
        info.algorithm.oid == ID_EC_PUBLIC_KEY && info.algorithm.parameters_oid() == Ok(SM2_CURVE)
    })
}

/// An SM2 key from unencrypted PKCS#8, signing with `user_id`. Pure Rust whatever the
/// provider: no backend here has SM2 (aws-lc does not).
pub(crate) fn load_sm2(pkcs8_der: &[u8], user_id: &str) -> Result<Arc<dyn SigningKey>> {
    use sm2::pkcs8::DecodePrivateKey;
    let secret =
        sm2::SecretKey::from_pkcs8_der(pkcs8_der).map_err(Error::invalid("SM2 private key"))?;
    // Refused only for an ID over 8191 bytes: its bit length must fit ENTL's two bytes.
    let key = sm2::dsa::SigningKey::new(user_id, &secret)
        .map_err(|_| Error::invalid_option("sm2_user_id", "longer than 8191 bytes"))?;
    Ok(Arc::new(SoftwareKey(PrivateKey::Sm2(Arc::new(key)))))
}

#[derive(Clone)]
enum PrivateKey {
    Rsa(Arc<dyn RsaPrimitive>, RsaPadding),
    Ecdsa(Arc<dyn EcdsaPrimitive>, EcCurve),
    Sm2(Arc<sm2::dsa::SigningKey>),
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
            PrivateKey::Sm2(key) => f
                .debug_struct("Sm2SigningKey")
                .field("user_id", &key.distid())
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
            PrivateKey::Sm2(key) => {
                use spki::EncodePublicKey;
                let der = key
                    .verifying_key()
                    .to_public_key_der()
                    .map_err(Error::invalid("public key"))?;
                spki_from_der(der.as_bytes())
            }
            PrivateKey::Ed25519(key) => key.public_key(),
        }
    }

    fn choose_scheme(&self, digest: DigestAlgorithm) -> Option<Box<dyn Signer>> {
        // SM2 signs over SM3 only (GB/T 35275), and SM3 goes with nothing else here.
        let sm2 = matches!(self.0, PrivateKey::Sm2(_));
        if sm2 != (digest == DigestAlgorithm::Sm3) {
            return None;
        }
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
            PrivateKey::Sm2(key) => {
                // RFC 6979-style deterministic k (HMAC-SM3), as our ECDSA: a fixed signing time
                // gives byte-identical output.
                let signature: sm2::dsa::Signature =
                    signature::Signer::try_sign(key.as_ref(), message).map_err(Error::signer)?;
                Ok(sm2::dsa::DerSignature::from(signature).to_vec())
            }
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
            PrivateKey::Sm2(_) => SignatureScheme::Sm2Sm3,
            PrivateKey::Ed25519(_) => SignatureScheme::Ed25519,
        }
    }

    fn max_signature_len(&self) -> usize {
        match &self.key {
            PrivateKey::Rsa(key, _) => key.modulus_bits().div_ceil(8),
            PrivateKey::Ecdsa(_, EcCurve::P256) => P256_MAX_SIGNATURE_LEN,
            PrivateKey::Ecdsa(_, EcCurve::P384) => P384_MAX_SIGNATURE_LEN,
            PrivateKey::Sm2(_) => SM2_MAX_SIGNATURE_LEN,
            PrivateKey::Ed25519(_) => ed25519::SIGNATURE_LEN,
        }
    }
}

/// A public key a backend wrote as DER SubjectPublicKeyInfo, read back.
pub(crate) fn spki_from_der(der: &[u8]) -> Result<SubjectPublicKeyInfoOwned> {
    use der::Decode;
    SubjectPublicKeyInfoOwned::from_der(der).map_err(Error::invalid("public key"))
}
