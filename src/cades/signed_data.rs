//! A detached CMS SignedData (RFC 5652 §5) as PAdES and `adbe.pkcs7.detached` embed it: no
//! encapsulated content, the full certificate chain and one SignerInfo whose signature covers the
//! signed attributes.
//!
//! The structures are built directly (not with the cms builder) so that nothing unasked-for, such
//! as a signing-time attribute, ends up in the signature.

use std::time::SystemTime;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedAttributes, SignedData, SignerIdentifier,
    SignerInfo, SignerInfos,
};
use der::Encode;
use der::asn1::{Any, ObjectIdentifier, OctetString, SetOfVec};

use super::signed_attributes::{self, ID_DATA};
use crate::crypto::{CertifiedKey, DigestAlgorithm, SignatureScheme, Signer};
use crate::error::{CredentialError, Error, Result, SignerError};
use x509_cert::Certificate;

pub const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
/// GM/T 0010 `signedData` (SM2 cryptographic message syntax).
pub const GM_SIGNED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.156.10197.6.1.4.2.2");
/// GM/T 0010 `data`.
pub const GM_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.6.1.4.2.1");

/// Which content-type identifiers the CMS container carries: PKCS#7's (RFC 5652, what every
/// PDF validator reads) or GM/T 0010's, which some Chinese verifiers expect of SM2 signatures.
/// Both name the same structures; the verifier here reads either.
///
/// # Examples
///
/// ```
/// use countersign::crypto::credential::load_pem;
/// use countersign::{sign_pdf, verify_pdf, CmsContentTypes, SignOptions, VerifyOptions};
///
/// let key = load_pem(
///     &std::fs::read("testdata/pki/sm2-signer.chain.pem")?,
///     &std::fs::read("testdata/pki/sm2-signer.key.pem")?,
///     &Default::default(),
/// )?;
/// let mut options = SignOptions::default();
/// options.cms_content_types = CmsContentTypes::GmT0010; // signedData 1.2.156.10197.6.1.4.2.2
/// let signed = sign_pdf(&std::fs::read("testdata/pdf/classic.pdf")?, &key, &options)?;
/// let report = verify_pdf(&signed, &VerifyOptions::trusting(key.cert_chain()[2..].to_vec()))?;
/// assert!(report.all_valid());
/// assert_eq!(report.signatures[0].signature_algorithm, "SM3withSM2");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CmsContentTypes {
    /// `signedData` 1.2.840.113549.1.7.2 and `data` 1.2.840.113549.1.7.1 (the default).
    #[default]
    Pkcs7,
    /// `signedData` 1.2.156.10197.6.1.4.2.2 and `data` 1.2.156.10197.6.1.4.2.1 (GM/T 0010).
    GmT0010,
}

impl CmsContentTypes {
    fn signed_data(self) -> ObjectIdentifier {
        match self {
            Self::Pkcs7 => ID_SIGNED_DATA,
            Self::GmT0010 => GM_SIGNED_DATA,
        }
    }

    pub(crate) fn data(self) -> ObjectIdentifier {
        match self {
            Self::Pkcs7 => ID_DATA,
            Self::GmT0010 => GM_DATA,
        }
    }

    /// The convention whose `data` identifier is `content_type` (PKCS#7's for any other).
    pub(crate) fn of_data_type(content_type: Option<ObjectIdentifier>) -> Self {
        if content_type == Some(GM_DATA) {
            Self::GmT0010
        } else {
            Self::Pkcs7
        }
    }
}

/// The X.509 certificates a SignedData carries (other certificate formats are skipped).
pub(crate) fn embedded_certificates(signed_data: &SignedData) -> Vec<x509_cert::Certificate> {
    signed_data
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|choice| match choice {
            CertificateChoices::Certificate(certificate) => Some(certificate.clone()),
            CertificateChoices::Other(_) => None,
        })
        .collect()
}

/// What a caller chooses about the CMS container.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CmsParams {
    /// Digest of the document and of the signed attributes.
    pub digest: DigestAlgorithm,
    /// Adds a signing-time attribute; `Some` only for `adbe.pkcs7.detached` (PAdES forbids it).
    pub signing_time: Option<SystemTime>,
    /// The content-type identifiers of the container and of the signed content.
    pub content_types: CmsContentTypes,
}

/// An upper bound of the DER length [`build_detached`] returns for `key` and `params`: the same
/// container encoded with a dummy signature of the signer's maximum length.
pub fn reserved_len(key: &CertifiedKey, params: &CmsParams) -> Result<usize> {
    let signer = choose_signer(key, params)?;
    reserved_len_for(
        key.cert_chain(),
        signer.scheme(),
        signer.max_signature_len(),
        params,
    )
}

/// [`reserved_len`] without a key: the chain (signer first), the scheme and the longest
/// signature it can produce, as deferred signing knows them from the certificate alone.
pub(crate) fn reserved_len_for(
    chain: &[Certificate],
    scheme: SignatureScheme,
    max_signature_len: usize,
    params: &CmsParams,
) -> Result<usize> {
    let signer_certificate = chain.first().ok_or(CredentialError::EmptyChain)?;
    let placeholder_digest = vec![0u8; params.digest.output_len()];
    let attributes = signed_attributes::build_for(
        params.content_types.data(),
        &placeholder_digest,
        signer_certificate,
        params.signing_time,
    )?;
    let placeholder_signature = vec![0xFFu8; max_signature_len];
    Ok(encode(
        chain,
        scheme,
        attributes,
        placeholder_signature,
        Content::Detached(params.content_types),
    )?
    .len())
}

/// Signs `document_digest` (the digest of the signed byte ranges, computed with `params.digest`)
/// and returns the DER ContentInfo.
pub fn build_detached(
    key: &CertifiedKey,
    params: &CmsParams,
    document_digest: &[u8],
) -> Result<Vec<u8>> {
    if document_digest.len() != params.digest.output_len() {
        return Err(Error::invalid_option(
            "document_digest",
            format!(
                "{} bytes, {:?} produces {}",
                document_digest.len(),
                params.digest,
                params.digest.output_len()
            ),
        ));
    }
    let signer = choose_signer(key, params)?;
    let signer_certificate = key.end_entity();
    let attributes = signed_attributes::build_for(
        params.content_types.data(),
        document_digest,
        signer_certificate,
        params.signing_time,
    )?;
    let signature = signer.sign(&signed_attributes::signed_bytes(&attributes)?)?;
    if signature.len() > signer.max_signature_len() {
        return Err(SignerError::SignatureTooLong {
            len: signature.len(),
            max: signer.max_signature_len(),
        }
        .into());
    }
    encode(
        key.cert_chain(),
        signer.scheme(),
        attributes,
        signature,
        Content::Detached(params.content_types),
    )
}

/// A SignedData that encapsulates `content` of type `content_type` (a timestamp token's
/// TSTInfo): the signed attributes carry that type and the content's digest.
pub fn build_encapsulated(
    key: &CertifiedKey,
    digest: DigestAlgorithm,
    content_type: ObjectIdentifier,
    content: &[u8],
) -> Result<Vec<u8>> {
    let params = CmsParams {
        digest,
        ..CmsParams::default()
    };
    let signer = choose_signer(key, &params)?;
    let attributes = signed_attributes::build_for(
        content_type,
        &digest.digest_chunks(&[content]),
        key.end_entity(),
        None,
    )?;
    let signature = signer.sign(&signed_attributes::signed_bytes(&attributes)?)?;
    encode(
        key.cert_chain(),
        signer.scheme(),
        attributes,
        signature,
        Content::Encapsulated(content_type, content),
    )
}

/// What the SignedData carries besides the signature.
pub(crate) enum Content<'a> {
    /// Nothing: the signed data is elsewhere (the PDF's byte ranges).
    Detached(CmsContentTypes),
    /// This content, of this type (a timestamp token's TSTInfo).
    Encapsulated(ObjectIdentifier, &'a [u8]),
}

fn choose_signer(key: &CertifiedKey, params: &CmsParams) -> Result<Box<dyn Signer>> {
    let signer = key.key().choose_scheme(params.digest).ok_or_else(|| {
        mandated_digest_error(key.end_entity(), params.digest).unwrap_or(
            SignerError::DigestUnavailable {
                digest: params.digest,
            },
        )
    })?;
    if signer.scheme().digest() != params.digest {
        return Err(SignerError::SchemeMismatch {
            requested: params.digest,
            chosen: signer.scheme(),
        }
        .into());
    }
    Ok(signer)
}

/// The error naming the rule when `certificate`'s key mandates a digest other than `requested`.
pub(crate) fn mandated_digest_error(
    certificate: &Certificate,
    requested: DigestAlgorithm,
) -> Option<SignerError> {
    let required = crate::sign::deferred::digest_required_by(certificate)?;
    (required != requested).then_some(SignerError::DigestMandated {
        key: if required == DigestAlgorithm::Sm3 {
            "SM2"
        } else {
            "Ed25519"
        },
        required,
        requested,
    })
}

/// The DER ContentInfo around one SignerInfo: `chain` is the signer's certificate followed by
/// its issuers (all embedded), `signature` the signature over `attributes`. Shared by the
/// one-shot path and deferred signing, so both write the same bytes.
pub(crate) fn encode(
    chain: &[Certificate],
    scheme: SignatureScheme,
    attributes: SignedAttributes,
    signature: Vec<u8>,
    content: Content<'_>,
) -> Result<Vec<u8>> {
    let signer_certificate = chain.first().ok_or(CredentialError::EmptyChain)?;
    let tbs = signer_certificate.tbs_certificate();
    let digest_algorithm = scheme.digest().algorithm_identifier();
    let signer_info = SignerInfo {
        // Version 1 goes with an issuerAndSerialNumber sid (RFC 5652 §5.3).
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: digest_algorithm.clone(),
        signed_attrs: Some(attributes),
        signature_algorithm: scheme.signature_algorithm_identifier()?,
        signature: OctetString::new(signature).map_err(cms_error)?,
        unsigned_attrs: None,
    };
    let mut certificates = Vec::with_capacity(chain.len());
    for certificate in chain {
        let choice = CertificateChoices::Certificate(certificate.clone());
        if !certificates.contains(&choice) {
            certificates.push(choice);
        }
    }
    let (version, encap_content_info, outer_type) = match content {
        // Version 1: id-data content, only X.509 v3 certificates, v1 SignerInfo (RFC 5652 §5.1).
        Content::Detached(types) => (
            CmsVersion::V1,
            EncapsulatedContentInfo {
                econtent_type: types.data(),
                econtent: None,
            },
            types.signed_data(),
        ),
        // Version 3: an eContentType other than id-data (RFC 5652 §5.1).
        Content::Encapsulated(content_type, content) => (
            CmsVersion::V3,
            EncapsulatedContentInfo {
                econtent_type: content_type,
                econtent: Some(
                    Any::encode_from(&OctetString::new(content).map_err(cms_error)?)
                        .map_err(cms_error)?,
                ),
            },
            ID_SIGNED_DATA,
        ),
    };
    let signed_data = SignedData {
        version,
        digest_algorithms: SetOfVec::try_from(vec![digest_algorithm]).map_err(cms_error)?,
        encap_content_info,
        certificates: Some(CertificateSet(
            SetOfVec::try_from(certificates).map_err(cms_error)?,
        )),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info]).map_err(cms_error)?),
    };
    let content_info = ContentInfo {
        content_type: outer_type,
        content: Any::encode_from(&signed_data).map_err(cms_error)?,
    };
    content_info.to_der().map_err(cms_error)
}

fn cms_error(source: der::Error) -> Error {
    Error::Der {
        what: "SignedData",
        source,
    }
}
