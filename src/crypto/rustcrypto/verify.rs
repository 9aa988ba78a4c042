//! Public-key signature verification on the RustCrypto crates, for CMS signer infos and
//! certificate chains.

use der::Encode;
use rsa::{Pkcs1v15Sign, Pss, PublicKey as RsaPublicKey};
use signature::hazmat::PrehashVerifier;
use spki::{DecodePublicKey, SubjectPublicKeyInfoOwned};

use crate::crypto::algorithm::{
    named_curve, SignatureAlgorithm, ID_EC_PUBLIC_KEY, RSA_ENCRYPTION, SECP256R1, SECP384R1,
};
use crate::crypto::DigestAlgorithm;
use crate::error::{CmsError, Error, Result, Unsupported};

/// Checks `signature` over `message` with `public_key`. `Ok(false)` means the signature does not
/// verify; `Err` means the key or algorithm cannot be used at all.
pub fn verify_signature(
    public_key: &SubjectPublicKeyInfoOwned,
    algorithm: &SignatureAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<bool> {
    let hash = algorithm.digest().digest_chunks(&[message]);
    match (public_key.algorithm.oid, algorithm) {
        (RSA_ENCRYPTION, SignatureAlgorithm::RsaPkcs1v15(digest)) => {
            let key = rsa_public_key(public_key)?;
            Ok(key
                .verify(pkcs1v15_padding(*digest), &hash, signature)
                .is_ok())
        }
        (RSA_ENCRYPTION, SignatureAlgorithm::RsaPss { digest, salt_len }) => {
            let key = rsa_public_key(public_key)?;
            let verified = match digest {
                DigestAlgorithm::Sha256 => key.verify(
                    Pss::<sha2::Sha256>::new_with_salt(*salt_len),
                    &hash,
                    signature,
                ),
                DigestAlgorithm::Sha384 => key.verify(
                    Pss::<sha2::Sha384>::new_with_salt(*salt_len),
                    &hash,
                    signature,
                ),
                DigestAlgorithm::Sha512 => key.verify(
                    Pss::<sha2::Sha512>::new_with_salt(*salt_len),
                    &hash,
                    signature,
                ),
            };
            Ok(verified.is_ok())
        }
        (ID_EC_PUBLIC_KEY, SignatureAlgorithm::Ecdsa(_)) => {
            verify_ecdsa(public_key, &hash, signature)
        }
        (key_oid, algorithm) => Err(Unsupported::KeyForAlgorithm {
            algorithm: algorithm.name(),
            key: key_oid,
        }
        .into()),
    }
}

fn pkcs1v15_padding(digest: DigestAlgorithm) -> Pkcs1v15Sign {
    match digest {
        DigestAlgorithm::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
        DigestAlgorithm::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
        DigestAlgorithm::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
    }
}

fn rsa_public_key(public_key: &SubjectPublicKeyInfoOwned) -> Result<RsaPublicKey> {
    let der = public_key.to_der().map_err(Error::der("RSA public key"))?;
    RsaPublicKey::from_public_key_der(&der).map_err(|e| Error::InvalidPublicKey {
        algorithm: "RSA",
        source: Box::new(e),
    })
}

fn verify_ecdsa(
    public_key: &SubjectPublicKeyInfoOwned,
    hash: &[u8],
    signature: &[u8],
) -> Result<bool> {
    let curve = named_curve(&public_key.algorithm).ok_or(Unsupported::UnnamedCurve)?;
    let point = public_key
        .subject_public_key
        .as_bytes()
        .ok_or(CmsError::UnalignedPublicKey)?;
    let bad_key = |e: signature::Error| Error::InvalidPublicKey {
        algorithm: "EC",
        source: Box::new(e),
    };
    Ok(match curve {
        SECP256R1 => {
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(bad_key)?;
            match p256::ecdsa::Signature::from_der(signature) {
                Ok(sig) => key.verify_prehash(hash, &sig).is_ok(),
                Err(_) => false,
            }
        }
        SECP384R1 => {
            let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(bad_key)?;
            match p384::ecdsa::Signature::from_der(signature) {
                Ok(sig) => key.verify_prehash(hash, &sig).is_ok(),
                Err(_) => false,
            }
        }
        other => return Err(Unsupported::Curve { oid: other }.into()),
    })
}
