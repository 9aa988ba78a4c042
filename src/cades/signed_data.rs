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
    EncapsulatedContentInfo, SignedAttributes, SignedData, SignerIdentifier, SignerInfo,
    SignerInfos,
};
use der::asn1::{Any, ObjectIdentifier, OctetString, SetOfVec};
use der::{Decode, Encode};

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
        &CertificateSetDer::new(chain)?,
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
        key.certificate_set(),
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
        key.certificate_set(),
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
    certificates: &CertificateSetDer,
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
    let signer_infos = SignerInfos(SetOfVec::try_from(vec![signer_info]).map_err(cms_error)?);
    let signer_infos_len = usize::try_from(signer_infos.encoded_len().map_err(cms_error)?)
        .map_err(|_| cms_error(der::ErrorKind::Overflow.into()))?;
    let without_certificates = SignedData {
        version,
        digest_algorithms: SetOfVec::try_from(vec![digest_algorithm]).map_err(cms_error)?,
        encap_content_info,
        certificates: None,
        crls: None,
        signer_infos,
    };
    let signed_data = with_certificates(&without_certificates, signer_infos_len, certificates)?;
    let content_info = ContentInfo {
        content_type: outer_type,
        content: signed_data,
    };
    content_info.to_der().map_err(cms_error)
}

/// `signed_data` with the encoded certificate set inserted where DER puts it, just before the
/// final `signerInfos` (`signer_infos_len` bytes): the chain is encoded once per credential
/// ([`CertificateSetDer`]), not once per signature.
fn with_certificates(
    signed_data: &SignedData,
    signer_infos_len: usize,
    certificates: &CertificateSetDer,
) -> Result<Any> {
    let encoded = signed_data.to_der().map_err(cms_error)?;
    let sequence = Any::from_der(&encoded).map_err(cms_error)?;
    let body = sequence.value();
    let split = body
        .len()
        .checked_sub(signer_infos_len)
        .ok_or_else(|| cms_error(der::ErrorKind::Overflow.into()))?;
    let (head, signer_infos) = body.split_at(split);
    let mut value = Vec::with_capacity(body.len().saturating_add(certificates.0.len()));
    value.extend_from_slice(head);
    value.extend_from_slice(&certificates.0);
    value.extend_from_slice(signer_infos);
    Any::new(der::Tag::Sequence, value).map_err(cms_error)
}

/// The DER of a SignedData's `certificates [0] IMPLICIT CertificateSet`: the distinct
/// certificates of a chain, in DER SET OF order.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct CertificateSetDer(Vec<u8>);

impl CertificateSetDer {
    pub(crate) fn new(chain: &[Certificate]) -> Result<Self> {
        let mut certificates = Vec::with_capacity(chain.len());
        for certificate in chain {
            let choice = CertificateChoices::Certificate(certificate.clone());
            if !certificates.contains(&choice) {
                certificates.push(choice);
            }
        }
        let set = SetOfVec::try_from(certificates).map_err(cms_error)?;
        let mut der = set.to_der().map_err(cms_error)?;
        // IMPLICIT [0] replaces the SET tag (0x31) with the constructed context tag 0 (0xA0);
        // length and contents stay.
        if let Some(tag) = der.first_mut() {
            *tag = 0xA0;
        }
        Ok(Self(der))
    }
}

impl std::fmt::Debug for CertificateSetDer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CertificateSetDer({} bytes)", self.0.len())
    }
}

fn cms_error(source: der::Error) -> Error {
    Error::Der {
        what: "SignedData",
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(chain: &str, key: &str) -> CertifiedKey {
        let read = |name: &str| std::fs::read(format!("testdata/pki/{name}")).unwrap();
        crate::crypto::credential::load_pem(&read(chain), &read(key), &Default::default()).unwrap()
    }

    /// The certificate set spliced in from its cached encoding gives exactly the DER the `cms`
    /// crate writes for the same SignedData with the certificates in it.
    #[test]
    fn the_cached_certificate_set_encodes_as_the_structure_would() {
        for (chain, private) in [
            ("demo.chain.pem", "demo.key.pem"),
            ("demo-p256.chain.pem", "demo-p256.key.pem"),
            ("sm2-signer.chain.pem", "sm2-signer.key.pem"),
        ] {
            let key = key(chain, private);
            let params = CmsParams {
                digest: crate::crypto::digest_for_key(&key, DigestAlgorithm::Sha256),
                ..CmsParams::default()
            };
            let der = build_detached(&key, &params, &vec![7; params.digest.output_len()]).unwrap();
            let content_info = ContentInfo::from_der(&der).unwrap();
            let signed_data: SignedData = content_info.content.decode_as().unwrap();
            let embedded = embedded_certificates(&signed_data);
            assert_eq!(embedded.len(), key.cert_chain().len(), "{chain}");
            let reencoded = ContentInfo {
                content_type: content_info.content_type,
                content: Any::encode_from(&signed_data).unwrap(),
            }
            .to_der()
            .unwrap();
            assert_eq!(der, reencoded, "{chain}");
        }
    }
}
