//! Public-key signature verification on AWS-LC, with the same contract as the RustCrypto
//! backend's `verify_signature`.

use aws_lc_rs::signature::{self as lc, UnparsedPublicKey, VerificationAlgorithm};
use spki::SubjectPublicKeyInfoOwned;

use crate::crypto::algorithm::{
    named_curve, SignatureAlgorithm, ID_EC_PUBLIC_KEY, RSA_ENCRYPTION, SECP256R1, SECP384R1,
};
use crate::crypto::DigestAlgorithm;
use crate::error::{CmsError, Result, Unsupported};

/// Checks `signature` over `message` with `public_key`. `Ok(false)` means the signature does not
/// verify; `Err` means the key or algorithm cannot be used at all.
pub fn verify_signature(
    public_key: &SubjectPublicKeyInfoOwned,
    algorithm: &SignatureAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<bool> {
    let verification = verification_algorithm(public_key, algorithm)?;
    let key_bytes = public_key
        .subject_public_key
        .as_bytes()
        .ok_or(CmsError::UnalignedPublicKey)?;
    Ok(UnparsedPublicKey::new(verification, key_bytes)
        .verify(message, signature)
        .is_ok())
}

fn verification_algorithm(
    public_key: &SubjectPublicKeyInfoOwned,
    algorithm: &SignatureAlgorithm,
) -> Result<&'static dyn VerificationAlgorithm> {
    use DigestAlgorithm::{Sha256, Sha384, Sha512};
    let key_type = public_key.algorithm.oid;
    let curve = named_curve(&public_key.algorithm);
    Ok(match (key_type, curve, *algorithm) {
        (RSA_ENCRYPTION, _, SignatureAlgorithm::RsaPkcs1v15(Sha256)) => {
            &lc::RSA_PKCS1_2048_8192_SHA256
        }
        (RSA_ENCRYPTION, _, SignatureAlgorithm::RsaPkcs1v15(Sha384)) => {
            &lc::RSA_PKCS1_2048_8192_SHA384
        }
        (RSA_ENCRYPTION, _, SignatureAlgorithm::RsaPkcs1v15(Sha512)) => {
            &lc::RSA_PKCS1_2048_8192_SHA512
        }
        // AWS-LC verifies PSS with a salt as long as the hash, the only length we produce.
        (RSA_ENCRYPTION, _, SignatureAlgorithm::RsaPss { digest, salt_len })
            if salt_len == digest.output_len() =>
        {
            match digest {
                Sha256 => &lc::RSA_PSS_2048_8192_SHA256,
                Sha384 => &lc::RSA_PSS_2048_8192_SHA384,
                Sha512 => &lc::RSA_PSS_2048_8192_SHA512,
            }
        }
        (ID_EC_PUBLIC_KEY, Some(SECP256R1), SignatureAlgorithm::Ecdsa(Sha256)) => {
            &lc::ECDSA_P256_SHA256_ASN1
        }
        (ID_EC_PUBLIC_KEY, Some(SECP256R1), SignatureAlgorithm::Ecdsa(Sha384)) => {
            &lc::ECDSA_P256_SHA384_ASN1
        }
        (ID_EC_PUBLIC_KEY, Some(SECP256R1), SignatureAlgorithm::Ecdsa(Sha512)) => {
            &lc::ECDSA_P256_SHA512_ASN1
        }
        (ID_EC_PUBLIC_KEY, Some(SECP384R1), SignatureAlgorithm::Ecdsa(Sha256)) => {
            &lc::ECDSA_P384_SHA256_ASN1
        }
        (ID_EC_PUBLIC_KEY, Some(SECP384R1), SignatureAlgorithm::Ecdsa(Sha384)) => {
            &lc::ECDSA_P384_SHA384_ASN1
        }
        (ID_EC_PUBLIC_KEY, Some(SECP384R1), SignatureAlgorithm::Ecdsa(Sha512)) => {
            &lc::ECDSA_P384_SHA512_ASN1
        }
        (key_type, _, algorithm) => {
            return Err(Unsupported::KeyForAlgorithm {
                algorithm: algorithm.name(),
                key: key_type,
            }
            .into())
        }
    })
}
