//! Which signature scheme a certificate's key makes, and how long its signatures can be: what
//! deferred signing must know to size `/Contents` with no private key at hand.

use der::Decode;
use x509_cert::Certificate;

use crate::crypto::algorithm::{
    ID_EC_PUBLIC_KEY, ID_ED25519, P256_MAX_SIGNATURE_LEN, P384_MAX_SIGNATURE_LEN, RSA_ENCRYPTION,
    SECP256R1, SECP384R1, SM2_CURVE, SM2_MAX_SIGNATURE_LEN, check_rsa_signing_bits, named_curve,
};
use crate::crypto::{DigestAlgorithm, RsaPadding, SignatureScheme};
use crate::error::{CmsError, CredentialError, DeferredError, Error, Result};

/// The scheme the key of `certificate` signs with: RSA with `rsa_padding`, ECDSA on the
/// certificate's curve, both over `digest`; Ed25519 whatever `digest` (it mandates SHA-512,
/// see [`digest_required_by`]).
///
/// # Examples
///
/// ```
/// use countersign::crypto::credential::parse_certificates;
/// use countersign::crypto::RsaPadding;
/// use countersign::{scheme_for_certificate, DigestAlgorithm, SignatureScheme};
///
/// let rsa = &parse_certificates(&std::fs::read("testdata/pki/demo.chain.pem")?)?[0];
/// let scheme = scheme_for_certificate(rsa, DigestAlgorithm::Sha256, RsaPadding::Pkcs1v15)?;
/// assert_eq!(scheme, SignatureScheme::RsaPkcs1v15(DigestAlgorithm::Sha256));
///
/// let ec = &parse_certificates(&std::fs::read("testdata/pki/demo-p256.chain.pem")?)?[0];
/// let scheme = scheme_for_certificate(ec, DigestAlgorithm::Sha384, RsaPadding::Pkcs1v15)?;
/// assert_eq!(scheme, SignatureScheme::EcdsaP256(DigestAlgorithm::Sha384));
///
/// let ed = &parse_certificates(&std::fs::read("testdata/pki/demo-ed25519.chain.pem")?)?[0];
/// let scheme = scheme_for_certificate(ed, DigestAlgorithm::Sha512, RsaPadding::Pkcs1v15)?;
/// assert_eq!(scheme, SignatureScheme::Ed25519);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn scheme_for_certificate(
    certificate: &Certificate,
    digest: DigestAlgorithm,
    rsa_padding: RsaPadding,
) -> Result<SignatureScheme> {
    let spki = certificate.tbs_certificate().subject_public_key_info();
    match spki.algorithm.oid {
        RSA_ENCRYPTION => Ok(match rsa_padding {
            RsaPadding::Pss => SignatureScheme::RsaPss(digest),
            RsaPadding::Pkcs1v15 => SignatureScheme::RsaPkcs1v15(digest),
        }),
        ID_EC_PUBLIC_KEY => match named_curve(&spki.algorithm) {
            Some(SECP256R1) => Ok(SignatureScheme::EcdsaP256(digest)),
            Some(SECP384R1) => Ok(SignatureScheme::EcdsaP384(digest)),
            Some(SM2_CURVE) => Ok(SignatureScheme::Sm2Sm3),
            Some(oid) => Err(CredentialError::UnsupportedCurve { oid }.into()),
            None => Err(CredentialError::NoNamedCurve.into()),
        },
        ID_ED25519 => Ok(SignatureScheme::Ed25519),
        oid => Err(CredentialError::UnsupportedKeyAlgorithm { oid }.into()),
    }
}

/// The longest signature `scheme` makes with the key of `certificate`; a scheme that does not
/// fit the key is [`DeferredError::SchemeNotForKey`].
pub(crate) fn max_signature_len(
    certificate: &Certificate,
    scheme: SignatureScheme,
) -> Result<usize> {
    let spki = certificate.tbs_certificate().subject_public_key_info();
    let key = spki.algorithm.oid;
    let mismatch = || -> Error {
        DeferredError::SchemeNotForKey {
            scheme,
            key,
            subject: certificate.tbs_certificate().subject().to_string(),
        }
        .into()
    };
    let curve = || named_curve(&spki.algorithm);
    match scheme {
        SignatureScheme::RsaPkcs1v15(_) | SignatureScheme::RsaPss(_) if key == RSA_ENCRYPTION => {
            let bits = rsa_modulus_bits(spki.subject_public_key.as_bytes())?;
            check_rsa_signing_bits(bits)?;
            Ok(bits.div_ceil(8))
        }
        SignatureScheme::EcdsaP256(_) if key == ID_EC_PUBLIC_KEY && curve() == Some(SECP256R1) => {
            Ok(P256_MAX_SIGNATURE_LEN)
        }
        SignatureScheme::EcdsaP384(_) if key == ID_EC_PUBLIC_KEY && curve() == Some(SECP384R1) => {
            Ok(P384_MAX_SIGNATURE_LEN)
        }
        SignatureScheme::Ed25519 if key == ID_ED25519 => Ok(crate::crypto::ED25519_SIGNATURE_LEN),
        SignatureScheme::Sm2Sm3 if key == ID_EC_PUBLIC_KEY && curve() == Some(SM2_CURVE) => {
            Ok(SM2_MAX_SIGNATURE_LEN)
        }
        _ => Err(mismatch()),
    }
}

/// The digest the key of `certificate` mandates in CMS, when it leaves no choice: SHA-512 for
/// Ed25519 (RFC 8419 §3.1), SM3 for SM2 (GB/T 35275). `None`: any digest goes (RSA, ECDSA).
///
/// # Examples
///
/// ```
/// use countersign::crypto::credential::parse_certificates;
/// use countersign::{digest_required_by, DigestAlgorithm};
///
/// let ed = &parse_certificates(&std::fs::read("testdata/pki/demo-ed25519.chain.pem")?)?[0];
/// assert_eq!(digest_required_by(ed), Some(DigestAlgorithm::Sha512));
/// let rsa = &parse_certificates(&std::fs::read("testdata/pki/demo.chain.pem")?)?[0];
/// assert_eq!(digest_required_by(rsa), None);
/// let sm2 = &parse_certificates(&std::fs::read("testdata/pki/sm2-signer.chain.pem")?)?[0];
/// assert_eq!(digest_required_by(sm2), Some(DigestAlgorithm::Sm3)); // GB/T 35275
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn digest_required_by(certificate: &Certificate) -> Option<DigestAlgorithm> {
    let key = certificate
        .tbs_certificate()
        .subject_public_key_info()
        .algorithm
        .oid;
    if crate::crypto::is_sm2_key(certificate.tbs_certificate().subject_public_key_info()) {
        return Some(DigestAlgorithm::Sm3);
    }
    (key == ID_ED25519).then_some(DigestAlgorithm::Sha512)
}

/// The bit length of the modulus of a DER `RSAPublicKey` (PKCS#1).
fn rsa_modulus_bits(public_key: Option<&[u8]>) -> Result<usize> {
    let der = public_key.ok_or(CmsError::UnalignedPublicKey)?;
    let key = pkcs1::RsaPublicKey::<der::asn1::UintRef<'_>>::from_der(der).map_err(|e| {
        Error::InvalidPublicKey {
            algorithm: "RSA",
            source: Box::new(e),
        }
    })?;
    let modulus = key.modulus.as_bytes();
    let Some(first) = modulus.iter().position(|&b| b != 0) else {
        return Ok(0);
    };
    let significant = modulus.len().saturating_sub(first);
    let top = modulus.get(first).copied().unwrap_or(0);
    Ok(significant
        .saturating_mul(8)
        .saturating_sub(top.leading_zeros() as usize))
}
