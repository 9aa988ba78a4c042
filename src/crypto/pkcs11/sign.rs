//! Signing inside the token: which mechanism each key type and digest uses, and the conversion
//! of what the token returns into what CMS carries.

use std::sync::Arc;

use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsPssParams};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::ObjectHandle;
use cryptoki::types::Ulong;

use super::session::{SessionPool, ck_error};
use crate::crypto::algorithm::{P256_MAX_SIGNATURE_LEN, P384_MAX_SIGNATURE_LEN};
use crate::crypto::{DigestAlgorithm, EcCurve, RsaPadding, SignatureScheme, Signer};
use crate::error::{Error, Pkcs11Error, Result};

/// The key's algorithm, as read from the token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum KeyKind {
    /// RSA with its modulus length in bytes.
    Rsa {
        modulus_len: usize,
    },
    Ec(EcCurve),
}

/// How the token is asked for one signature. The digest is computed here whenever the token
/// offers the raw mechanism: only a few dozen bytes then cross to the token, whatever the
/// digest, and tokens without the hashing variants (most smart cards) still sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Plan {
    /// CKM_RSA_PKCS over the DER DigestInfo of the digest.
    RsaPkcsOverDigestInfo,
    /// CKM_SHAxxx_RSA_PKCS over the message.
    RsaPkcsHashing,
    /// CKM_RSA_PKCS_PSS over the digest.
    PssOverDigest,
    /// CKM_SHAxxx_RSA_PKCS_PSS over the message.
    PssHashing,
    /// CKM_ECDSA over the digest; the token returns r || s.
    EcdsaOverDigest,
}

impl Plan {
    /// The plan for `kind` and `digest` among the token's `mechanisms`, preferring the raw ones.
    pub(super) fn choose(
        kind: KeyKind,
        padding: RsaPadding,
        digest: DigestAlgorithm,
        mechanisms: &[MechanismType],
    ) -> Option<Self> {
        let offers = |m: Option<MechanismType>| m.is_some_and(|m| mechanisms.contains(&m));
        // SM3 goes with SM2 keys only, which are never asked of a token here.
        if digest == DigestAlgorithm::Sm3 {
            return None;
        }
        match (kind, padding) {
            (KeyKind::Rsa { .. }, RsaPadding::Pkcs1v15) => {
                if offers(Some(MechanismType::RSA_PKCS)) {
                    Some(Self::RsaPkcsOverDigestInfo)
                } else {
                    offers(hashing_pkcs1(digest)).then_some(Self::RsaPkcsHashing)
                }
            }
            (KeyKind::Rsa { .. }, RsaPadding::Pss) => {
                if offers(Some(MechanismType::RSA_PKCS_PSS)) {
                    Some(Self::PssOverDigest)
                } else {
                    offers(hashing_pss(digest)).then_some(Self::PssHashing)
                }
            }
            (KeyKind::Ec(_), _) => {
                offers(Some(MechanismType::ECDSA)).then_some(Self::EcdsaOverDigest)
            }
        }
    }

    /// The mechanisms this plan could use, for the error naming what the token lacks.
    pub(super) fn wanted(kind: KeyKind, padding: RsaPadding, digest: DigestAlgorithm) -> String {
        match (kind, padding) {
            (KeyKind::Rsa { .. }, RsaPadding::Pkcs1v15) => {
                format!("CKM_RSA_PKCS or CKM_{}_RSA_PKCS", digest.name())
            }
            (KeyKind::Rsa { .. }, RsaPadding::Pss) => {
                format!("CKM_RSA_PKCS_PSS or CKM_{}_RSA_PKCS_PSS", digest.name())
            }
            (KeyKind::Ec(_), _) => "CKM_ECDSA".into(),
        }
    }
}

fn hashing_pkcs1(digest: DigestAlgorithm) -> Option<MechanismType> {
    match digest {
        DigestAlgorithm::Sha256 => Some(MechanismType::SHA256_RSA_PKCS),
        DigestAlgorithm::Sha384 => Some(MechanismType::SHA384_RSA_PKCS),
        DigestAlgorithm::Sha512 => Some(MechanismType::SHA512_RSA_PKCS),
        DigestAlgorithm::Sm3 => None,
    }
}

fn hashing_pss(digest: DigestAlgorithm) -> Option<MechanismType> {
    match digest {
        DigestAlgorithm::Sha256 => Some(MechanismType::SHA256_RSA_PKCS_PSS),
        DigestAlgorithm::Sha384 => Some(MechanismType::SHA384_RSA_PKCS_PSS),
        DigestAlgorithm::Sha512 => Some(MechanismType::SHA512_RSA_PKCS_PSS),
        DigestAlgorithm::Sm3 => None,
    }
}

/// Plan::choose offers no plan for SM3, so a signer never gets here with it.
fn no_sm3() -> Error {
    Error::signer("PKCS#11 tokens are not asked for SM3 signatures")
}

/// PSS as CMS expects it of us (RFC 4056 as the verifier reads it): MGF1 over the message
/// digest, salt as long as the digest.
fn pss_params(digest: DigestAlgorithm) -> Result<PkcsPssParams> {
    let (hash_alg, mgf) = match digest {
        DigestAlgorithm::Sha256 => (MechanismType::SHA256, PkcsMgfType::MGF1_SHA256),
        DigestAlgorithm::Sha384 => (MechanismType::SHA384, PkcsMgfType::MGF1_SHA384),
        DigestAlgorithm::Sha512 => (MechanismType::SHA512, PkcsMgfType::MGF1_SHA512),
        DigestAlgorithm::Sm3 => return Err(no_sm3()),
    };
    let salt_len = std::os::raw::c_ulong::try_from(digest.output_len()).unwrap_or(32);
    Ok(PkcsPssParams {
        hash_alg,
        mgf,
        s_len: Ulong::from(salt_len),
    })
}

/// The DER DigestInfo (RFC 8017 §9.2) that CKM_RSA_PKCS pads and signs: the fixed prefix for
/// the digest algorithm followed by the digest.
fn digest_info(digest: DigestAlgorithm, hash: &[u8]) -> Vec<u8> {
    let prefix: &[u8] = match digest {
        DigestAlgorithm::Sha256 => &[
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ],
        DigestAlgorithm::Sha384 => &[
            0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x02, 0x05, 0x00, 0x04, 0x30,
        ],
        DigestAlgorithm::Sha512 => &[
            0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x03, 0x05, 0x00, 0x04, 0x40,
        ],
        // 1.2.156.10197.1.401
        DigestAlgorithm::Sm3 => &[
            0x30, 0x30, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x83, 0x11,
            0x05, 0x00, 0x04, 0x20,
        ],
    };
    [prefix, hash].concat()
}

/// The DER `ECDSA-Sig-Value` (r, s) CMS carries, from the r || s a token returns.
pub(super) fn ecdsa_der(curve: EcCurve, raw: &[u8]) -> Result<Vec<u8>> {
    let malformed = |e: signature::Error| {
        Error::signer(format!(
            "the token returned {} bytes, not an ECDSA r || s: {e}",
            raw.len()
        ))
    };
    Ok(match curve {
        EcCurve::P256 => p256::ecdsa::Signature::from_slice(raw)
            .map_err(malformed)?
            .to_der()
            .to_bytes()
            .to_vec(),
        EcCurve::P384 => p384::ecdsa::Signature::from_slice(raw)
            .map_err(malformed)?
            .to_der()
            .to_bytes()
            .to_vec(),
    })
}

/// One configured signing operation on a token key.
pub(super) struct TokenSigner {
    pub(super) pool: Arc<SessionPool>,
    pub(super) key: ObjectHandle,
    pub(super) token: String,
    pub(super) kind: KeyKind,
    pub(super) padding: RsaPadding,
    pub(super) digest: DigestAlgorithm,
    pub(super) plan: Plan,
}

impl TokenSigner {
    fn mechanism_and_data(&self, message: &[u8]) -> Result<(Mechanism<'static>, Vec<u8>)> {
        let digest = self.digest;
        let hash = || digest.digest_chunks(&[message]);
        Ok(match self.plan {
            Plan::RsaPkcsOverDigestInfo => (Mechanism::RsaPkcs, digest_info(digest, &hash())),
            Plan::RsaPkcsHashing => (
                match digest {
                    DigestAlgorithm::Sha256 => Mechanism::Sha256RsaPkcs,
                    DigestAlgorithm::Sha384 => Mechanism::Sha384RsaPkcs,
                    DigestAlgorithm::Sha512 => Mechanism::Sha512RsaPkcs,
                    DigestAlgorithm::Sm3 => return Err(no_sm3()),
                },
                message.to_vec(),
            ),
            Plan::PssOverDigest => (Mechanism::RsaPkcsPss(pss_params(digest)?), hash()),
            Plan::PssHashing => (
                match digest {
                    DigestAlgorithm::Sha256 => Mechanism::Sha256RsaPkcsPss(pss_params(digest)?),
                    DigestAlgorithm::Sha384 => Mechanism::Sha384RsaPkcsPss(pss_params(digest)?),
                    DigestAlgorithm::Sha512 => Mechanism::Sha512RsaPkcsPss(pss_params(digest)?),
                    DigestAlgorithm::Sm3 => return Err(no_sm3()),
                },
                message.to_vec(),
            ),
            Plan::EcdsaOverDigest => (Mechanism::Ecdsa, hash()),
        })
    }
}

impl Signer for TokenSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        let (mechanism, data) = self.mechanism_and_data(message)?;
        let raw = self.pool.with_session(|session| {
            session
                .sign(&mechanism, self.key, &data)
                .map_err(|e| ck_error(&self.token, e))
        })?;
        match self.kind {
            KeyKind::Rsa { .. } => Ok(raw),
            KeyKind::Ec(curve) => ecdsa_der(curve, &raw),
        }
    }

    fn scheme(&self) -> SignatureScheme {
        match (self.kind, self.padding) {
            (KeyKind::Rsa { .. }, RsaPadding::Pkcs1v15) => {
                SignatureScheme::RsaPkcs1v15(self.digest)
            }
            (KeyKind::Rsa { .. }, RsaPadding::Pss) => SignatureScheme::RsaPss(self.digest),
            (KeyKind::Ec(EcCurve::P256), _) => SignatureScheme::EcdsaP256(self.digest),
            (KeyKind::Ec(EcCurve::P384), _) => SignatureScheme::EcdsaP384(self.digest),
        }
    }

    fn max_signature_len(&self) -> usize {
        match self.kind {
            KeyKind::Rsa { modulus_len } => modulus_len,
            KeyKind::Ec(EcCurve::P256) => P256_MAX_SIGNATURE_LEN,
            KeyKind::Ec(EcCurve::P384) => P384_MAX_SIGNATURE_LEN,
        }
    }
}

/// The error for a key whose digest has no mechanism on the token.
pub(super) fn mechanism_unsupported(
    token: &str,
    kind: KeyKind,
    padding: RsaPadding,
    digest: DigestAlgorithm,
) -> Error {
    Pkcs11Error::MechanismUnsupported {
        token: token.to_owned(),
        mechanism: Plan::wanted(kind, padding, digest),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_info_is_the_der_rsa_pkcs1_signs() {
        use der::{Decode, Tagged};
        for digest in [
            DigestAlgorithm::Sha256,
            DigestAlgorithm::Sha384,
            DigestAlgorithm::Sha512,
        ] {
            let hash = digest.digest_chunks(&[b"message"]);
            let info = digest_info(digest, &hash);
            // SEQUENCE { AlgorithmIdentifier { oid, NULL }, OCTET STRING hash }
            let any = der::asn1::AnyRef::from_der(&info).expect("DER");
            assert_eq!(any.value().len() + 2, info.len());
            assert_eq!(any.tag(), der::Tag::Sequence);
            assert!(info.ends_with(&hash));
            let oid = digest.oid().as_bytes().to_vec();
            assert!(info.windows(oid.len()).any(|w| w == oid));
        }
    }

    #[test]
    fn raw_ecdsa_becomes_der_and_garbage_a_signer_error() {
        let mut raw = vec![0x11; 64];
        raw[32] = 0x80; // s with its top bit set takes a leading zero in DER
        let der = ecdsa_der(EcCurve::P256, &raw).expect("valid r || s");
        assert_eq!(der[0], 0x30);
        assert!(der.len() <= P256_MAX_SIGNATURE_LEN);
        assert!(matches!(
            ecdsa_der(EcCurve::P384, &raw),
            Err(Error::Signer(_))
        ));
    }

    #[test]
    fn raw_mechanisms_are_preferred_and_hashing_ones_the_fallback() {
        let rsa = KeyKind::Rsa { modulus_len: 256 };
        let sha256 = DigestAlgorithm::Sha256;
        let both = [MechanismType::RSA_PKCS, MechanismType::SHA256_RSA_PKCS];
        assert_eq!(
            Plan::choose(rsa, RsaPadding::Pkcs1v15, sha256, &both),
            Some(Plan::RsaPkcsOverDigestInfo)
        );
        assert_eq!(
            Plan::choose(rsa, RsaPadding::Pkcs1v15, sha256, &both[1..]),
            Some(Plan::RsaPkcsHashing)
        );
        assert_eq!(Plan::choose(rsa, RsaPadding::Pss, sha256, &both), None);
        assert_eq!(
            Plan::choose(
                KeyKind::Ec(EcCurve::P256),
                RsaPadding::Pkcs1v15,
                sha256,
                &both
            ),
            None
        );
    }
}
