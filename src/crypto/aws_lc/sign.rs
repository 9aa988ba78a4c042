//! Software signing keys on AWS-LC: RSA (PKCS#1 v1.5 or PSS) and ECDSA P-256/P-384.

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self as lc, EcdsaKeyPair, KeyPair, RsaKeyPair};
use der::Decode;
use spki::SubjectPublicKeyInfoOwned;

use crate::crypto::algorithm::{
    check_rsa_signing_bits, ID_EC_PUBLIC_KEY, P256_MAX_SIGNATURE_LEN, P384_MAX_SIGNATURE_LEN,
    RSA_ENCRYPTION, SECP256R1, SECP384R1,
};
use crate::crypto::rustcrypto;
use crate::crypto::{DigestAlgorithm, RsaPadding, SignatureScheme, Signer, SigningKey};
use crate::error::{CredentialError, Error, Result};

/// An RSA private key held by AWS-LC.
pub struct RsaSigningKey {
    key: Arc<RsaKeyPair>,
    padding: RsaPadding,
}

impl fmt::Debug for RsaSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaSigningKey")
            .field("bits", &self.key.public_modulus_len().saturating_mul(8))
            .field("padding", &self.padding)
            .finish_non_exhaustive()
    }
}

impl RsaSigningKey {
    /// Loads an unencrypted PKCS#8 `PrivateKeyInfo` holding an RSA key of 2048..=4096 bits.
    pub fn from_pkcs8_der(der: &[u8], padding: RsaPadding) -> Result<Self> {
        let key = RsaKeyPair::from_pkcs8(der).map_err(Error::invalid("RSA private key"))?;
        let bits = key.public_modulus_len().saturating_mul(8);
        check_rsa_signing_bits(bits)?;
        Ok(Self {
            key: Arc::new(key),
            padding,
        })
    }

    /// The public half, as it appears in the matching certificate.
    pub fn public_key_info(&self) -> Result<SubjectPublicKeyInfoOwned> {
        spki_from(self.key.public_key().as_der())
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
    key: Arc<RsaKeyPair>,
    scheme: SignatureScheme,
}

impl Signer for RsaSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        let encoding: &'static dyn lc::RsaEncoding = match self.scheme {
            SignatureScheme::RsaPss(DigestAlgorithm::Sha256) => &lc::RSA_PSS_SHA256,
            SignatureScheme::RsaPss(DigestAlgorithm::Sha384) => &lc::RSA_PSS_SHA384,
            SignatureScheme::RsaPss(DigestAlgorithm::Sha512) => &lc::RSA_PSS_SHA512,
            SignatureScheme::RsaPkcs1v15(DigestAlgorithm::Sha384) => &lc::RSA_PKCS1_SHA384,
            SignatureScheme::RsaPkcs1v15(DigestAlgorithm::Sha512) => &lc::RSA_PKCS1_SHA512,
            _ => &lc::RSA_PKCS1_SHA256,
        };
        let mut signature = vec![0u8; self.key.public_modulus_len()];
        self.key
            .sign(encoding, &SystemRandom::new(), message, &mut signature)
            .map_err(Error::signer)?;
        Ok(signature)
    }

    fn scheme(&self) -> SignatureScheme {
        self.scheme
    }

    fn max_signature_len(&self) -> usize {
        self.key.public_modulus_len()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Curve {
    P256,
    P384,
}

/// An ECDSA private key on P-256 or P-384. AWS-LC signs the curve's own digest (P-256 with
/// SHA-256, P-384 with SHA-384); other digests are delegated to the RustCrypto implementation of
/// the same key so that every digest stays available.
pub struct EcdsaSigningKey {
    curve: Curve,
    native: Arc<EcdsaKeyPair>,
    other_digests: rustcrypto::EcdsaSigningKey,
}

impl fmt::Debug for EcdsaSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcdsaSigningKey")
            .field("curve", &self.curve)
            .finish_non_exhaustive()
    }
}

impl EcdsaSigningKey {
    /// Loads an unencrypted PKCS#8 `PrivateKeyInfo` holding a P-256 or P-384 key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self> {
        let info = pkcs8::PrivateKeyInfoRef::try_from(der)
            .map_err(Error::invalid("PKCS#8 private key"))?;
        let curve_oid = info
            .algorithm
            .parameters_oid()
            .map_err(|_| CredentialError::NoNamedCurve)?;
        let (curve, algorithm) = match curve_oid {
            SECP256R1 => (Curve::P256, &lc::ECDSA_P256_SHA256_ASN1_SIGNING),
            SECP384R1 => (Curve::P384, &lc::ECDSA_P384_SHA384_ASN1_SIGNING),
            other => return Err(CredentialError::UnsupportedCurve { oid: other }.into()),
        };
        let native =
            EcdsaKeyPair::from_pkcs8(algorithm, der).map_err(Error::invalid("EC private key"))?;
        let other_digests = rustcrypto::EcdsaSigningKey::from_pkcs8_der(der)?;
        Ok(Self {
            curve,
            native: Arc::new(native),
            other_digests,
        })
    }

    /// The public half, as it appears in the matching certificate.
    pub fn public_key_info(&self) -> Result<SubjectPublicKeyInfoOwned> {
        spki_from(self.native.public_key().as_der())
    }

    fn native_digest(&self) -> DigestAlgorithm {
        match self.curve {
            Curve::P256 => DigestAlgorithm::Sha256,
            Curve::P384 => DigestAlgorithm::Sha384,
        }
    }
}

impl SigningKey for EcdsaSigningKey {
    fn public_key(&self) -> Result<SubjectPublicKeyInfoOwned> {
        self.public_key_info()
    }

    fn choose_scheme(&self, digest: DigestAlgorithm) -> Option<Box<dyn Signer>> {
        if digest != self.native_digest() {
            return self.other_digests.choose_scheme(digest);
        }
        Some(Box::new(EcdsaSigner {
            key: Arc::clone(&self.native),
            curve: self.curve,
        }))
    }
}

struct EcdsaSigner {
    key: Arc<EcdsaKeyPair>,
    curve: Curve,
}

impl Signer for EcdsaSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        let signature = self
            .key
            .sign(&SystemRandom::new(), message)
            .map_err(Error::signer)?;
        Ok(signature.as_ref().to_vec())
    }

    fn scheme(&self) -> SignatureScheme {
        match self.curve {
            Curve::P256 => SignatureScheme::EcdsaP256(DigestAlgorithm::Sha256),
            Curve::P384 => SignatureScheme::EcdsaP384(DigestAlgorithm::Sha384),
        }
    }

    fn max_signature_len(&self) -> usize {
        match self.curve {
            Curve::P256 => P256_MAX_SIGNATURE_LEN,
            Curve::P384 => P384_MAX_SIGNATURE_LEN,
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

fn spki_from(
    der: std::result::Result<PublicKeyX509Der<'static>, aws_lc_rs::error::Unspecified>,
) -> Result<SubjectPublicKeyInfoOwned> {
    let der = der.map_err(Error::invalid("public key"))?;
    SubjectPublicKeyInfoOwned::from_der(der.as_ref()).map_err(Error::invalid("public key"))
}
