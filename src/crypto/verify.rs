//! The verification preamble every backend shares: read the SubjectPublicKeyInfo, match its key
//! type (and curve) to the signature algorithm, then hand the raw key to the backend's
//! [`SignatureVerifier`] primitive.

use spki::SubjectPublicKeyInfoOwned;

use super::algorithm::{
    ID_EC_PUBLIC_KEY, ID_ED25519, RSA_ENCRYPTION, SECP256R1, SECP384R1, SM2_CURVE,
    SignatureAlgorithm, named_curve,
};
use super::{EcCurve, RsaVerifyPadding, SignatureVerifier};
use crate::error::{CmsError, Result, Unsupported};

/// Checks `signature` over `message` with `public_key` on `verifier`. `Ok(false)` means the
/// signature does not verify; `Err` means the key or algorithm cannot be used at all.
pub(crate) fn verify_signature(
    verifier: &dyn SignatureVerifier,
    public_key: &SubjectPublicKeyInfoOwned,
    algorithm: &SignatureAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<bool> {
    let key_type = public_key.algorithm.oid;
    let key_bytes = || {
        public_key
            .subject_public_key
            .as_bytes()
            .ok_or(CmsError::UnalignedPublicKey)
    };
    let digest = algorithm.digest();
    match (key_type, *algorithm) {
        (RSA_ENCRYPTION, SignatureAlgorithm::RsaPkcs1v15(_)) => verifier.verify_rsa(
            key_bytes()?,
            RsaVerifyPadding::Pkcs1v15,
            digest,
            message,
            signature,
        ),
        (RSA_ENCRYPTION, SignatureAlgorithm::RsaPss { salt_len, .. }) => verifier.verify_rsa(
            key_bytes()?,
            RsaVerifyPadding::Pss { salt_len },
            digest,
            message,
            signature,
        ),
        (ID_EC_PUBLIC_KEY, SignatureAlgorithm::Sm2Sm3) => {
            match named_curve(&public_key.algorithm) {
                Some(SM2_CURVE) => {}
                Some(other) => return Err(Unsupported::Curve { oid: other }.into()),
                None => return Err(Unsupported::UnnamedCurve.into()),
            }
            // The standard user ID: a signer who used another one did not say so anywhere a
            // verifier could read it.
            verifier.verify_sm2(key_bytes()?, super::SM2_DEFAULT_USER_ID, message, signature)
        }
        (ID_EC_PUBLIC_KEY, SignatureAlgorithm::Ecdsa(_)) => {
            let curve = match named_curve(&public_key.algorithm) {
                Some(SECP256R1) => EcCurve::P256,
                Some(SECP384R1) => EcCurve::P384,
                Some(other) => return Err(Unsupported::Curve { oid: other }.into()),
                None => return Err(Unsupported::UnnamedCurve.into()),
            };
            verifier.verify_ecdsa(curve, key_bytes()?, digest, message, signature)
        }
        (ID_ED25519, SignatureAlgorithm::Ed25519) => {
            verifier.verify_ed25519(key_bytes()?, message, signature)
        }
        (key, algorithm) => Err(Unsupported::KeyForAlgorithm {
            algorithm: algorithm.name(),
            key,
        }
        .into()),
    }
}
