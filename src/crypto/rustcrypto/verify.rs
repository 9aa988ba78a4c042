//! RSA and ECDSA signature-verification primitives on the RustCrypto crates.

use pkcs1::DecodeRsaPublicKey;
use rsa::{Pkcs1v15Sign, Pss, PublicKey as RsaPublicKey};
use signature::hazmat::PrehashVerifier;

use crate::crypto::{DigestAlgorithm, EcCurve, RsaVerifyPadding, SignatureVerifier};
use crate::error::{Error, Result};

/// The RustCrypto [`SignatureVerifier`].
#[derive(Debug)]
pub(super) struct Verifier;

impl SignatureVerifier for Verifier {
    fn verify_rsa(
        &self,
        public_key: &[u8],
        padding: RsaVerifyPadding,
        digest: DigestAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool> {
        let key =
            RsaPublicKey::from_pkcs1_der(public_key).map_err(|e| Error::InvalidPublicKey {
                algorithm: "RSA",
                source: Box::new(e),
            })?;
        let hash = digest.digest_chunks(&[message]);
        let verified = match (padding, digest) {
            (RsaVerifyPadding::Pss { salt_len }, DigestAlgorithm::Sha256) => key.verify(
                Pss::<sha2::Sha256>::new_with_salt(salt_len),
                &hash,
                signature,
            ),
            (RsaVerifyPadding::Pss { salt_len }, DigestAlgorithm::Sha384) => key.verify(
                Pss::<sha2::Sha384>::new_with_salt(salt_len),
                &hash,
                signature,
            ),
            (RsaVerifyPadding::Pss { salt_len }, DigestAlgorithm::Sha512) => key.verify(
                Pss::<sha2::Sha512>::new_with_salt(salt_len),
                &hash,
                signature,
            ),
            (RsaVerifyPadding::Pkcs1v15, digest) => {
                key.verify(pkcs1v15_padding(digest), &hash, signature)
            }
            // No standard names RSA-PSS over SM3.
            (RsaVerifyPadding::Pss { .. }, DigestAlgorithm::Sm3) => return Ok(false),
        };
        Ok(verified.is_ok())
    }

    fn verify_ecdsa(
        &self,
        curve: EcCurve,
        public_point: &[u8],
        digest: DigestAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool> {
        let bad_key = |e: signature::Error| Error::InvalidPublicKey {
            algorithm: "EC",
            source: Box::new(e),
        };
        let hash = digest.digest_chunks(&[message]);
        Ok(match curve {
            EcCurve::P256 => {
                let key =
                    p256::ecdsa::VerifyingKey::from_sec1_bytes(public_point).map_err(bad_key)?;
                p256::ecdsa::Signature::from_der(signature)
                    .is_ok_and(|sig| key.verify_prehash(&hash, &sig).is_ok())
            }
            EcCurve::P384 => {
                let key =
                    p384::ecdsa::VerifyingKey::from_sec1_bytes(public_point).map_err(bad_key)?;
                p384::ecdsa::Signature::from_der(signature)
                    .is_ok_and(|sig| key.verify_prehash(&hash, &sig).is_ok())
            }
        })
    }
}

pub(super) fn pkcs1v15_padding(digest: DigestAlgorithm) -> Pkcs1v15Sign {
    match digest {
        DigestAlgorithm::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
        DigestAlgorithm::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
        DigestAlgorithm::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
        DigestAlgorithm::Sm3 => Pkcs1v15Sign::new::<sm3::Sm3>(),
    }
}

/// SM2 verification over SM3(Z ‖ message), the standard form only (GB/T 32918.2 §7).
pub(crate) fn verify_sm2(
    public_point: &[u8],
    user_id: &str,
    message: &[u8],
    signature: &[u8],
) -> Result<bool> {
    use signature::Verifier as _;
    let key = sm2::dsa::VerifyingKey::from_sec1_bytes(user_id, public_point).map_err(|e| {
        Error::InvalidPublicKey {
            algorithm: "SM2",
            source: Box::new(e),
        }
    })?;
    Ok(sm2::dsa::Signature::from_der(signature).is_ok_and(|sig| key.verify(message, &sig).is_ok()))
}
