//! RSA and ECDSA signature-verification primitives on AWS-LC.

use aws_lc_rs::signature::{self as lc, UnparsedPublicKey, VerificationAlgorithm};

use crate::crypto::algorithm::RSA_ENCRYPTION;
use crate::crypto::{DigestAlgorithm, EcCurve, RsaVerifyPadding, SignatureVerifier, rustcrypto};
use crate::error::{Result, Unsupported};

/// The AWS-LC [`SignatureVerifier`].
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
        use DigestAlgorithm::{Sha256, Sha384, Sha512, Sm3};
        let algorithm: &'static dyn VerificationAlgorithm = match (padding, digest) {
            // AWS-LC has no SM3: RustCrypto checks these.
            (_, Sm3) => {
                return rustcrypto::default_provider()
                    .verifier
                    .verify_rsa(public_key, padding, digest, message, signature);
            }
            (RsaVerifyPadding::Pkcs1v15, Sha256) => &lc::RSA_PKCS1_2048_8192_SHA256,
            (RsaVerifyPadding::Pkcs1v15, Sha384) => &lc::RSA_PKCS1_2048_8192_SHA384,
            (RsaVerifyPadding::Pkcs1v15, Sha512) => &lc::RSA_PKCS1_2048_8192_SHA512,
            // AWS-LC verifies PSS with a salt as long as the hash, the only length we produce.
            (RsaVerifyPadding::Pss { salt_len }, _) if salt_len != digest.output_len() => {
                return Err(Unsupported::KeyForAlgorithm {
                    algorithm: format!("{}withRSA/PSS (salt {salt_len})", digest.name()),
                    key: RSA_ENCRYPTION,
                }
                .into());
            }
            (RsaVerifyPadding::Pss { .. }, Sha256) => &lc::RSA_PSS_2048_8192_SHA256,
            (RsaVerifyPadding::Pss { .. }, Sha384) => &lc::RSA_PSS_2048_8192_SHA384,
            (RsaVerifyPadding::Pss { .. }, Sha512) => &lc::RSA_PSS_2048_8192_SHA512,
        };
        Ok(verify(algorithm, public_key, message, signature))
    }

    fn verify_ecdsa(
        &self,
        curve: EcCurve,
        public_point: &[u8],
        digest: DigestAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool> {
        use DigestAlgorithm::{Sha256, Sha384, Sha512, Sm3};
        let algorithm: &'static dyn VerificationAlgorithm = match (curve, digest) {
            (_, Sm3) => {
                return rustcrypto::default_provider().verifier.verify_ecdsa(
                    curve,
                    public_point,
                    digest,
                    message,
                    signature,
                );
            }
            (EcCurve::P256, Sha256) => &lc::ECDSA_P256_SHA256_ASN1,
            (EcCurve::P256, Sha384) => &lc::ECDSA_P256_SHA384_ASN1,
            (EcCurve::P256, Sha512) => &lc::ECDSA_P256_SHA512_ASN1,
            (EcCurve::P384, Sha256) => &lc::ECDSA_P384_SHA256_ASN1,
            (EcCurve::P384, Sha384) => &lc::ECDSA_P384_SHA384_ASN1,
            (EcCurve::P384, Sha512) => &lc::ECDSA_P384_SHA512_ASN1,
        };
        Ok(verify(algorithm, public_point, message, signature))
    }

    // Ed25519 is left to the trait's RustCrypto check (`verify_strict`): AWS-LC accepts
    // small-order public keys, with which one signature verifies for many messages.
}

fn verify(
    algorithm: &'static dyn VerificationAlgorithm,
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> bool {
    UnparsedPublicKey::new(algorithm, public_key)
        .verify(message, signature)
        .is_ok()
}
