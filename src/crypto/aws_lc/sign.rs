//! RSA (PKCS#1 v1.5 or PSS) and ECDSA P-256/P-384 private-key primitives on AWS-LC.

use std::sync::Arc;

use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self as lc, EcdsaKeyPair, KeyPair, RsaKeyPair};
use spki::SubjectPublicKeyInfoOwned;

use crate::crypto::keys::{EcdsaPrimitive, PrivateKeyPrimitives, RsaPrimitive, spki_from_der};
use crate::crypto::{DigestAlgorithm, EcCurve, RsaPadding, rustcrypto};
use crate::error::{Error, Result};

/// The AWS-LC private-key primitives.
#[derive(Debug)]
pub(super) struct Keys;

impl PrivateKeyPrimitives for Keys {
    fn rsa(&self, pkcs8_der: &[u8]) -> Result<Arc<dyn RsaPrimitive>> {
        let key = RsaKeyPair::from_pkcs8(pkcs8_der).map_err(Error::invalid("RSA private key"))?;
        Ok(Arc::new(key))
    }

    fn ecdsa(&self, pkcs8_der: &[u8], curve: EcCurve) -> Result<Arc<dyn EcdsaPrimitive>> {
        let algorithm = match curve {
            EcCurve::P256 => &lc::ECDSA_P256_SHA256_ASN1_SIGNING,
            EcCurve::P384 => &lc::ECDSA_P384_SHA384_ASN1_SIGNING,
        };
        let native = EcdsaKeyPair::from_pkcs8(algorithm, pkcs8_der)
            .map_err(Error::invalid("EC private key"))?;
        let other_digests = rustcrypto::EcdsaKey::from_pkcs8_der(pkcs8_der, curve)?;
        Ok(Arc::new(EcdsaKey {
            native,
            native_digest: match curve {
                EcCurve::P256 => DigestAlgorithm::Sha256,
                EcCurve::P384 => DigestAlgorithm::Sha384,
            },
            other_digests,
        }))
    }
}

impl RsaPrimitive for RsaKeyPair {
    fn modulus_bits(&self) -> usize {
        self.public_modulus_len().saturating_mul(8)
    }

    fn public_key(&self) -> Result<SubjectPublicKeyInfoOwned> {
        spki_from(KeyPair::public_key(self).as_der())
    }

    fn sign(
        &self,
        padding: RsaPadding,
        digest: DigestAlgorithm,
        message: &[u8],
    ) -> Result<Vec<u8>> {
        let encoding: &'static dyn lc::RsaEncoding = match (padding, digest) {
            (RsaPadding::Pss, DigestAlgorithm::Sha256) => &lc::RSA_PSS_SHA256,
            (RsaPadding::Pss, DigestAlgorithm::Sha384) => &lc::RSA_PSS_SHA384,
            (RsaPadding::Pss, DigestAlgorithm::Sha512) => &lc::RSA_PSS_SHA512,
            (RsaPadding::Pkcs1v15, DigestAlgorithm::Sha256) => &lc::RSA_PKCS1_SHA256,
            (RsaPadding::Pkcs1v15, DigestAlgorithm::Sha384) => &lc::RSA_PKCS1_SHA384,
            (RsaPadding::Pkcs1v15, DigestAlgorithm::Sha512) => &lc::RSA_PKCS1_SHA512,
            // Unreachable through choose_scheme, which offers SM3 to SM2 keys only.
            (_, DigestAlgorithm::Sm3) => {
                return Err(Error::signer("RSA over SM3 is not supported"));
            }
        };
        let mut signature = vec![0u8; self.public_modulus_len()];
        RsaKeyPair::sign(
            self,
            encoding,
            &SystemRandom::new(),
            message,
            &mut signature,
        )
        .map_err(Error::signer)?;
        Ok(signature)
    }
}

/// AWS-LC signs with the curve's own digest (P-256 with SHA-256, P-384 with SHA-384); other
/// digests go to the RustCrypto implementation of the same key so that every digest stays
/// available.
struct EcdsaKey {
    native: EcdsaKeyPair,
    native_digest: DigestAlgorithm,
    other_digests: rustcrypto::EcdsaKey,
}

impl EcdsaPrimitive for EcdsaKey {
    fn public_key(&self) -> Result<SubjectPublicKeyInfoOwned> {
        spki_from(self.native.public_key().as_der())
    }

    fn sign(&self, digest: DigestAlgorithm, message: &[u8]) -> Result<Vec<u8>> {
        if digest != self.native_digest {
            return self.other_digests.sign(digest, message);
        }
        let signature = self
            .native
            .sign(&SystemRandom::new(), message)
            .map_err(Error::signer)?;
        Ok(signature.as_ref().to_vec())
    }
}

fn spki_from(
    der: std::result::Result<PublicKeyX509Der<'static>, aws_lc_rs::error::Unspecified>,
) -> Result<SubjectPublicKeyInfoOwned> {
    let der = der.map_err(Error::invalid("public key"))?;
    spki_from_der(der.as_ref())
}
