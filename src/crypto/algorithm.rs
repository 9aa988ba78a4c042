//! Object identifiers and AlgorithmIdentifiers for the digests and signature algorithms we produce
//! and accept, independent of the backend that computes them.

use der::asn1::{Any, ObjectIdentifier};
use der::{Decode, Encode};
use spki::AlgorithmIdentifierOwned;

use super::{DigestAlgorithm, SignatureScheme};
use crate::error::{CmsError, CredentialError, Error, Result, Unsupported};

pub const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
pub const ID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
pub const ID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

pub const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
pub const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
pub const SHA384_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
pub const SHA512_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
pub const ID_RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
pub const ID_MGF1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.8");

pub const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
pub const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
pub const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
pub const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
pub const ECDSA_WITH_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
pub const ECDSA_WITH_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
/// `id-Ed25519` (RFC 8410): key and signature algorithm alike, parameters absent.
pub const ID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

/// SM3 (GB/T 32905), as GM/T 0006 numbers it.
pub const ID_SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.401");
/// The SM2 curve: a key is `id-ecPublicKey` with this namedCurve (GB/T 35276).
pub const SM2_CURVE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301");
/// `SM2-with-SM3` (GM/T 0006): what certificates and our SignerInfos carry.
pub const SM2_WITH_SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.501");
/// `sm2sign` (SM2-1): GM/T 0010 writes it as a SignerInfo's signatureAlgorithm; read only.
pub const SM2_SIGN: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301.1");

impl DigestAlgorithm {
    pub(crate) fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Sha256 => ID_SHA256,
            Self::Sha384 => ID_SHA384,
            Self::Sha512 => ID_SHA512,
            Self::Sm3 => ID_SM3,
        }
    }

    pub(crate) fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        match *oid {
            ID_SHA256 => Some(Self::Sha256),
            ID_SHA384 => Some(Self::Sha384),
            ID_SHA512 => Some(Self::Sha512),
            ID_SM3 => Some(Self::Sm3),
            _ => None,
        }
    }

    /// The identifier with absent parameters, as RFC 5754 §2 asks for the SHA-2 family (and
    /// GM/T 0010 writes SM3).
    pub(crate) fn algorithm_identifier(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: self.oid(),
            parameters: None,
        }
    }

    /// `SHA256`, `SHA384`, `SHA512`, `SM3`: the prefix of the JCA-style algorithm names in
    /// reports.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "SHA256",
            Self::Sha384 => "SHA384",
            Self::Sha512 => "SHA512",
            Self::Sm3 => "SM3",
        }
    }
}

/// A signature algorithm as read from an AlgorithmIdentifier. The ECDSA curve is not part of it:
/// it comes from the public key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    RsaPkcs1v15(DigestAlgorithm),
    RsaPss {
        digest: DigestAlgorithm,
        salt_len: usize,
    },
    Ecdsa(DigestAlgorithm),
    /// SM2 over SM3(Z ‖ M), Z from the standard user ID (GB/T 32918.2, GB/T 35276).
    Sm2Sm3,
    /// PureEdDSA on edwards25519; the digest is the one RFC 8419 §3.1 mandates next to it in
    /// CMS (SHA-512), not one the signature uses.
    Ed25519,
}

impl SignatureAlgorithm {
    pub fn digest(&self) -> DigestAlgorithm {
        match *self {
            Self::RsaPkcs1v15(d) | Self::RsaPss { digest: d, .. } | Self::Ecdsa(d) => d,
            Self::Sm2Sm3 => DigestAlgorithm::Sm3,
            Self::Ed25519 => DigestAlgorithm::Sha512,
        }
    }

    /// JCA-style name: `SHA256withRSA`, `SHA256withRSA/PSS`, `SHA256withECDSA`, `SM3withSM2`.
    pub(crate) fn name(&self) -> String {
        match *self {
            Self::RsaPkcs1v15(d) => format!("{}withRSA", d.name()),
            Self::RsaPss { digest, .. } => format!("{}withRSA/PSS", digest.name()),
            Self::Ecdsa(d) => format!("{}withECDSA", d.name()),
            Self::Sm2Sm3 => "SM3withSM2".to_owned(),
            Self::Ed25519 => "Ed25519".to_owned(),
        }
    }

    /// Reads a signature AlgorithmIdentifier. `digest_hint` is the SignerInfo's digestAlgorithm,
    /// needed when the identifier is plain `rsaEncryption` (the form OpenSSL writes in CMS).
    pub fn from_identifier(
        algorithm: &AlgorithmIdentifierOwned,
        digest_hint: Option<DigestAlgorithm>,
    ) -> Result<Self> {
        let unsupported = || Unsupported::SignatureAlgorithm { oid: algorithm.oid };
        Ok(match algorithm.oid {
            RSA_ENCRYPTION => Self::RsaPkcs1v15(digest_hint.ok_or_else(unsupported)?),
            SHA256_WITH_RSA => Self::RsaPkcs1v15(DigestAlgorithm::Sha256),
            SHA384_WITH_RSA => Self::RsaPkcs1v15(DigestAlgorithm::Sha384),
            SHA512_WITH_RSA => Self::RsaPkcs1v15(DigestAlgorithm::Sha512),
            // Some signers put the key algorithm here; the digest then comes from the SignerInfo
            // (SM3 only goes with SM2).
            ID_EC_PUBLIC_KEY => match digest_hint.ok_or_else(unsupported)? {
                DigestAlgorithm::Sm3 => Self::Sm2Sm3,
                digest => Self::Ecdsa(digest),
            },
            SM2_WITH_SM3 | SM2_SIGN if matches!(digest_hint, None | Some(DigestAlgorithm::Sm3)) => {
                Self::Sm2Sm3
            }
            ECDSA_WITH_SHA256 => Self::Ecdsa(DigestAlgorithm::Sha256),
            ECDSA_WITH_SHA384 => Self::Ecdsa(DigestAlgorithm::Sha384),
            ECDSA_WITH_SHA512 => Self::Ecdsa(DigestAlgorithm::Sha512),
            ID_RSASSA_PSS => pss_from_parameters(algorithm.parameters.as_ref())?,
            // RFC 8410 §3: the parameters MUST be absent; RFC 8419 §3.1: in CMS the digest
            // MUST be SHA-512 (pyHanko refuses others alike).
            ID_ED25519
                if algorithm.parameters.is_none()
                    && matches!(digest_hint, None | Some(DigestAlgorithm::Sha512)) =>
            {
                Self::Ed25519
            }
            _ => return Err(unsupported().into()),
        })
    }
}

fn pss_from_parameters(parameters: Option<&Any>) -> Result<SignatureAlgorithm> {
    let parameters = parameters.ok_or(CmsError::MissingPssParameters)?;
    let der = parameters
        .to_der()
        .map_err(Error::der("RSASSA-PSS parameters"))?;
    let params =
        pkcs1::RsaPssParamsOwned::from_der(&der).map_err(Error::der("RSASSA-PSS parameters"))?;
    let digest = DigestAlgorithm::from_oid(&params.hash.oid).ok_or(Unsupported::PssHash {
        oid: params.hash.oid,
    })?;
    if params.mask_gen.oid != ID_MGF1 {
        return Err(Unsupported::PssMaskGeneration {
            oid: params.mask_gen.oid,
        }
        .into());
    }
    let mgf_hash = params.mask_gen.parameters.as_ref().map(|p| p.oid);
    if mgf_hash != Some(params.hash.oid) {
        return Err(Unsupported::PssMgf1Hash.into());
    }
    Ok(SignatureAlgorithm::RsaPss {
        digest,
        salt_len: usize::from(params.salt_len),
    })
}

impl SignatureScheme {
    /// The SignerInfo signatureAlgorithm for this scheme. RSA PKCS#1 v1.5 is written as
    /// `rsaEncryption` (NULL parameters): that is what OpenSSL emits and what every CMS verifier
    /// (OpenSSL, NSS, pyHanko, Acrobat) accepts; the digest is in the SignerInfo digestAlgorithm.
    pub(crate) fn signature_algorithm_identifier(&self) -> Result<AlgorithmIdentifierOwned> {
        Ok(match *self {
            Self::RsaPkcs1v15(_) => AlgorithmIdentifierOwned {
                oid: RSA_ENCRYPTION,
                parameters: Some(Any::null()),
            },
            Self::RsaPss(digest) => AlgorithmIdentifierOwned {
                oid: ID_RSASSA_PSS,
                parameters: Some(pss_parameters(digest)?),
            },
            Self::EcdsaP256(digest) | Self::EcdsaP384(digest) => AlgorithmIdentifierOwned {
                oid: match digest {
                    DigestAlgorithm::Sha256 => ECDSA_WITH_SHA256,
                    DigestAlgorithm::Sha384 => ECDSA_WITH_SHA384,
                    DigestAlgorithm::Sha512 => ECDSA_WITH_SHA512,
                    DigestAlgorithm::Sm3 => return Err(unsupported_scheme(self)),
                },
                parameters: None,
            },
            Self::Sm2Sm3 => AlgorithmIdentifierOwned {
                oid: SM2_WITH_SM3,
                parameters: None,
            },
            Self::Ed25519 => AlgorithmIdentifierOwned {
                oid: ID_ED25519,
                parameters: None,
            },
        })
    }

    /// The algorithm a verifier reads back from [`Self::signature_algorithm_identifier`].
    pub(crate) fn signature_algorithm(&self) -> SignatureAlgorithm {
        match *self {
            Self::RsaPkcs1v15(d) => SignatureAlgorithm::RsaPkcs1v15(d),
            Self::RsaPss(d) => SignatureAlgorithm::RsaPss {
                digest: d,
                salt_len: d.output_len(),
            },
            Self::EcdsaP256(d) | Self::EcdsaP384(d) => SignatureAlgorithm::Ecdsa(d),
            Self::Sm2Sm3 => SignatureAlgorithm::Sm2Sm3,
            Self::Ed25519 => SignatureAlgorithm::Ed25519,
        }
    }
}

/// A scheme no standard identifier names (ECDSA with SM3, say): refused before anything is signed.
fn unsupported_scheme(scheme: &SignatureScheme) -> Error {
    Error::invalid_option("signature scheme", format!("{scheme:?} has no identifier"))
}

/// Full RSASSA-PSS-params (RFC 4055 §3.1): hash, MGF1 with the same hash, salt = hash length,
/// trailer field default.
fn pss_parameters(digest: DigestAlgorithm) -> Result<Any> {
    let hash = spki::AlgorithmIdentifier {
        oid: digest.oid(),
        parameters: Some(der::asn1::AnyRef::NULL),
    };
    let salt_len = u8::try_from(digest.output_len())
        .map_err(|_| Unsupported::PssHash { oid: digest.oid() })?;
    let params = pkcs1::RsaPssParamsRef {
        hash,
        mask_gen: spki::AlgorithmIdentifier {
            oid: ID_MGF1,
            parameters: Some(hash),
        },
        salt_len,
        trailer_field: pkcs1::TrailerField::BC,
    };
    let der = params
        .to_der()
        .map_err(Error::der("RSASSA-PSS parameters"))?;
    Any::from_der(&der).map_err(Error::der("RSASSA-PSS parameters"))
}

/// The curve OID in an `id-ecPublicKey` AlgorithmIdentifier (RFC 5480 namedCurve).
pub fn named_curve(algorithm: &AlgorithmIdentifierOwned) -> Option<ObjectIdentifier> {
    algorithm
        .parameters
        .as_ref()?
        .decode_as::<ObjectIdentifier>()
        .ok()
}

/// Whether a SubjectPublicKeyInfo holds a key on the SM2 curve (id-ecPublicKey, SM2 namedCurve).
pub fn is_sm2_key(public_key: &spki::SubjectPublicKeyInfoOwned) -> bool {
    public_key.algorithm.oid == ID_EC_PUBLIC_KEY
        && named_curve(&public_key.algorithm) == Some(SM2_CURVE)
}

/// The digest a signature by `key` uses when `requested` was asked for: the one the key mandates
/// if any (the algorithm follows the key: SM3 for SM2, GB/T 35275; SHA-512 for Ed25519, RFC
/// 8419), else `requested`.
pub fn digest_for_key(key: &super::CertifiedKey, requested: DigestAlgorithm) -> DigestAlgorithm {
    crate::sign::deferred::digest_required_by(key.end_entity()).unwrap_or(requested)
}

/// The RSA moduli we sign with; smaller keys are no longer acceptable for PAdES (ETSI TS 119 312).
pub const RSA_MIN_BITS: usize = 2048;
pub const RSA_MAX_BITS: usize = 4096;

/// A DER ECDSA signature is a SEQUENCE of two INTEGERs, each at most one byte longer than the
/// field (a leading zero keeps it positive): 2 + 2 * (2 + field + 1).
pub const P256_MAX_SIGNATURE_LEN: usize = 72;
pub const P384_MAX_SIGNATURE_LEN: usize = 104;
/// SM2 signatures are DER (r, s) over a 256-bit order, as P-256's.
pub const SM2_MAX_SIGNATURE_LEN: usize = 72;

/// Refuses RSA signing keys outside [`RSA_MIN_BITS`]..=[`RSA_MAX_BITS`] (every backend).
pub fn check_rsa_signing_bits(bits: usize) -> crate::error::Result<()> {
    if (RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) {
        return Ok(());
    }
    Err(CredentialError::RsaKeySize {
        bits,
        min: RSA_MIN_BITS,
        max: RSA_MAX_BITS,
    }
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGESTS: [DigestAlgorithm; 3] = [
        DigestAlgorithm::Sha256,
        DigestAlgorithm::Sha384,
        DigestAlgorithm::Sha512,
    ];

    #[test]
    fn written_identifiers_read_back_as_the_same_algorithm() {
        for digest in DIGESTS {
            for scheme in [
                SignatureScheme::RsaPkcs1v15(digest),
                SignatureScheme::RsaPss(digest),
                SignatureScheme::EcdsaP256(digest),
                SignatureScheme::EcdsaP384(digest),
            ] {
                let identifier = scheme.signature_algorithm_identifier().unwrap();
                let read = SignatureAlgorithm::from_identifier(&identifier, Some(digest)).unwrap();
                assert_eq!(read, scheme.signature_algorithm(), "{scheme:?}");
            }
        }
        let ed25519 = SignatureScheme::Ed25519
            .signature_algorithm_identifier()
            .unwrap();
        assert_eq!(
            (ed25519.oid, ed25519.parameters.is_none()),
            (ID_ED25519, true)
        );
        assert_eq!(
            SignatureAlgorithm::from_identifier(&ed25519, None).unwrap(),
            SignatureAlgorithm::Ed25519
        );
    }

    #[test]
    fn ed25519_with_parameters_is_not_ed25519() {
        let with_null = AlgorithmIdentifierOwned {
            oid: ID_ED25519,
            parameters: Some(Any::null()),
        };
        assert!(SignatureAlgorithm::from_identifier(&with_null, None).is_err());
    }

    /// RFC 8419 §3.1: an Ed25519 SignerInfo whose digest is not SHA-512 does not verify (the
    /// red team's SHA-256, SHA-384 and SM3 variants were reported valid before).
    #[test]
    fn ed25519_in_cms_goes_with_sha512_only() {
        let ed25519 = AlgorithmIdentifierOwned {
            oid: ID_ED25519,
            parameters: None,
        };
        for digest in [
            DigestAlgorithm::Sha256,
            DigestAlgorithm::Sha384,
            DigestAlgorithm::Sm3,
        ] {
            assert!(SignatureAlgorithm::from_identifier(&ed25519, Some(digest)).is_err());
        }
        for hint in [None, Some(DigestAlgorithm::Sha512)] {
            assert_eq!(
                SignatureAlgorithm::from_identifier(&ed25519, hint).unwrap(),
                SignatureAlgorithm::Ed25519
            );
        }
    }

    #[test]
    fn sm2_identifiers_read_back_and_refuse_other_digests() {
        let identifier = SignatureScheme::Sm2Sm3
            .signature_algorithm_identifier()
            .unwrap();
        assert_eq!(
            (identifier.oid, identifier.parameters.is_none()),
            (SM2_WITH_SM3, true)
        );
        for oid in [SM2_WITH_SM3, SM2_SIGN] {
            let read = |hint| {
                SignatureAlgorithm::from_identifier(
                    &AlgorithmIdentifierOwned {
                        oid,
                        parameters: None,
                    },
                    hint,
                )
            };
            assert_eq!(
                read(Some(DigestAlgorithm::Sm3)).unwrap(),
                SignatureAlgorithm::Sm2Sm3
            );
            assert_eq!(read(None).unwrap(), SignatureAlgorithm::Sm2Sm3);
            // SM2 over SHA-256 is no standard form: refused with the identifier named.
            assert!(matches!(
                read(Some(DigestAlgorithm::Sha256)),
                Err(Error::Unsupported(Unsupported::SignatureAlgorithm { oid: o })) if o == oid
            ));
        }
        let ec_key = AlgorithmIdentifierOwned {
            oid: ID_EC_PUBLIC_KEY,
            parameters: None,
        };
        assert_eq!(
            SignatureAlgorithm::from_identifier(&ec_key, Some(DigestAlgorithm::Sm3)).unwrap(),
            SignatureAlgorithm::Sm2Sm3
        );
        assert_eq!(SignatureAlgorithm::Sm2Sm3.name(), "SM3withSM2");
        assert_eq!(
            DigestAlgorithm::from_oid(&ID_SM3),
            Some(DigestAlgorithm::Sm3)
        );
        // ECDSA over SM3 has no identifier: refused before signing.
        assert!(
            SignatureScheme::EcdsaP256(DigestAlgorithm::Sm3)
                .signature_algorithm_identifier()
                .is_err()
        );
    }

    #[test]
    fn pss_parameters_carry_hash_mgf1_and_salt() {
        let identifier = SignatureScheme::RsaPss(DigestAlgorithm::Sha384)
            .signature_algorithm_identifier()
            .unwrap();
        let der = identifier.parameters.unwrap().to_der().unwrap();
        let params = pkcs1::RsaPssParamsOwned::from_der(&der).unwrap();
        assert_eq!(params.hash.oid, ID_SHA384);
        assert_eq!(params.mask_gen.oid, ID_MGF1);
        assert_eq!(params.mask_gen.parameters.unwrap().oid, ID_SHA384);
        assert_eq!(params.salt_len, 48);
    }

    #[test]
    fn rsa_encryption_needs_the_signer_info_digest() {
        let identifier = SignatureScheme::RsaPkcs1v15(DigestAlgorithm::Sha512)
            .signature_algorithm_identifier()
            .unwrap();
        assert_eq!(identifier.oid, RSA_ENCRYPTION);
        assert!(matches!(
            SignatureAlgorithm::from_identifier(&identifier, None),
            Err(Error::Unsupported(Unsupported::SignatureAlgorithm { oid })) if oid == RSA_ENCRYPTION
        ));
        let sha1_with_rsa = AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5"),
            parameters: None,
        };
        assert!(matches!(
            SignatureAlgorithm::from_identifier(&sha1_with_rsa, Some(DigestAlgorithm::Sha256)),
            Err(Error::Unsupported(Unsupported::SignatureAlgorithm { oid })) if oid == sha1_with_rsa.oid
        ));
    }

    #[test]
    fn names_follow_the_jca_convention() {
        assert_eq!(
            SignatureAlgorithm::RsaPkcs1v15(DigestAlgorithm::Sha256).name(),
            "SHA256withRSA"
        );
        assert_eq!(
            SignatureAlgorithm::RsaPss {
                digest: DigestAlgorithm::Sha512,
                salt_len: 64
            }
            .name(),
            "SHA512withRSA/PSS"
        );
        assert_eq!(
            SignatureAlgorithm::Ecdsa(DigestAlgorithm::Sha384).name(),
            "SHA384withECDSA"
        );
    }
}
