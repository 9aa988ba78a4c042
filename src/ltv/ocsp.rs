//! OCSP (RFC 6960): the request for one certificate and what a DSS and a verifier need from
//! the answer (status, the responder's certificates, the status of each certificate).
//!
//! ```text
//! OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest }   -- unsigned
//! TBSRequest  ::= SEQUENCE { requestList SEQUENCE OF Request }
//! Request     ::= SEQUENCE { reqCert CertID }
//! CertID      ::= SEQUENCE { hashAlgorithm, issuerNameHash OCTET STRING,
//!                            issuerKeyHash OCTET STRING, serialNumber }
//! OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, responseBytes [0] EXPLICIT
//!     SEQUENCE { responseType OID, response OCTET STRING (BasicOCSPResponse) } OPTIONAL }
//! ```

use der::asn1::{AnyRef, Null, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Reader, Sequence, SliceReader, Tag, TagNumber, Tagged};
use sha1::Digest;
use spki::AlgorithmIdentifierOwned;
use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;

use crate::error::{Error, Result, RevocationError};

const ID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const ID_PKIX_OCSP_BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");
/// `id-pkix-ocsp-nocheck`: a responder certificate whose status is not checked.
pub const ID_PKIX_OCSP_NOCHECK: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.5");

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct CertId {
    hash_algorithm: AlgorithmIdentifierOwned,
    issuer_name_hash: OctetString,
    issuer_key_hash: OctetString,
    serial_number: SerialNumber,
}

#[derive(Sequence)]
struct Request {
    req_cert: CertId,
}

#[derive(Sequence)]
struct TbsRequest {
    request_list: Vec<Request>,
}

#[derive(Sequence)]
struct OcspRequest {
    tbs_request: TbsRequest,
}

/// The DER OCSPRequest for `certificate`, issued by `issuer` (SHA-1 CertID, as responders
/// universally accept).
pub fn request(certificate: &Certificate, issuer: &Certificate) -> Result<Vec<u8>> {
    OcspRequest {
        tbs_request: TbsRequest {
            request_list: vec![Request {
                req_cert: cert_id(certificate, issuer)?,
            }],
        },
    }
    .to_der()
    .map_err(der_error)
}

fn cert_id(certificate: &Certificate, issuer: &Certificate) -> Result<CertId> {
    let issuer_tbs = issuer.tbs_certificate();
    let name = issuer_tbs.subject().to_der().map_err(der_error)?;
    let key = issuer_tbs
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes();
    Ok(CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: ID_SHA1,
            parameters: Some(Null.into()),
        },
        issuer_name_hash: OctetString::new(sha1::Sha1::digest(&name).to_vec())
            .map_err(der_error)?,
        issuer_key_hash: OctetString::new(sha1::Sha1::digest(key).to_vec()).map_err(der_error)?,
        serial_number: certificate.tbs_certificate().serial_number().clone(),
    })
}

/// What one SingleResponse says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertStatus {
    Good,
    Revoked,
    Unknown,
}

/// The parts of an OCSPResponse a DSS and a verifier use.
#[derive(Clone, Debug)]
pub struct OcspAnswer {
    /// Certificates the responder embedded (its own, for a delegated responder).
    pub certificates: Vec<Certificate>,
    /// (serial number, status) per SingleResponse.
    pub statuses: Vec<(SerialNumber, CertStatus)>,
}

impl OcspAnswer {
    pub fn status_of(&self, certificate: &Certificate) -> Option<CertStatus> {
        let serial = certificate.tbs_certificate().serial_number();
        self.statuses
            .iter()
            .find(|(s, _)| s == serial)
            .map(|(_, status)| *status)
    }
}

/// Reads an OCSPResponse; a status other than successful is an error.
pub fn parse_response(der: &[u8]) -> Result<OcspAnswer> {
    let outer = children_of(der, "OCSPResponse")?;
    let status = outer
        .first()
        .filter(|s| s.tag() == Tag::Enumerated)
        .ok_or_else(|| malformed("responseStatus"))?;
    if status.value() != [0] {
        return Err(RevocationError::ResponderStatus {
            status: status.value().first().copied().unwrap_or(u8::MAX),
        }
        .into());
    }
    let bytes = outer.get(1).ok_or_else(|| malformed("responseBytes"))?;
    let response_bytes = children(*bytes)?;
    let inner = response_bytes
        .first()
        .map(|any| children(*any))
        .transpose()?
        .ok_or_else(|| malformed("ResponseBytes"))?;
    let response_type = inner
        .first()
        .and_then(|any| ObjectIdentifier::try_from(*any).ok())
        .ok_or_else(|| malformed("responseType"))?;
    if response_type != ID_PKIX_OCSP_BASIC {
        return Err(RevocationError::ResponseType { oid: response_type }.into());
    }
    let basic = inner
        .get(1)
        .filter(|any| any.tag() == Tag::OctetString)
        .ok_or_else(|| malformed("BasicOCSPResponse"))?;
    parse_basic(basic.value())
}

fn parse_basic(der: &[u8]) -> Result<OcspAnswer> {
    let fields = children_of(der, "BasicOCSPResponse")?;
    let tbs = fields.first().ok_or_else(|| malformed("tbsResponseData"))?;
    let certificates_tag = Tag::ContextSpecific {
        constructed: true,
        number: TagNumber(0),
    };
    let mut certificates = Vec::new();
    if let Some(explicit) = fields.iter().find(|f| f.tag() == certificates_tag) {
        for sequence in children(*explicit)? {
            for certificate in children(sequence)? {
                let der = certificate.to_der().map_err(der_error)?;
                certificates.push(Certificate::from_der(&der).map_err(der_error)?);
            }
        }
    }
    let mut statuses = Vec::new();
    let responses = children(*tbs)?
        .into_iter()
        .find(|f| f.tag() == Tag::Sequence)
        .ok_or_else(|| malformed("responses"))?;
    for single in children(responses)? {
        let parts = children(single)?;
        let (Some(id), Some(status)) = (parts.first(), parts.get(1)) else {
            return Err(malformed("SingleResponse"));
        };
        let id = CertId::from_der(&id.to_der().map_err(der_error)?).map_err(der_error)?;
        let status = match status.tag() {
            Tag::ContextSpecific {
                number: TagNumber(0),
                ..
            } => CertStatus::Good,
            Tag::ContextSpecific {
                number: TagNumber(1),
                ..
            } => CertStatus::Revoked,
            _ => CertStatus::Unknown,
        };
        statuses.push((id.serial_number, status));
    }
    Ok(OcspAnswer {
        certificates,
        statuses,
    })
}

fn children_of<'a>(der: &'a [u8], what: &'static str) -> Result<Vec<AnyRef<'a>>> {
    let any = AnyRef::from_der(der).map_err(|e| RevocationError::MalformedOcsp {
        what,
        source: Some(e),
    })?;
    children(any)
}

fn children(parent: AnyRef<'_>) -> Result<Vec<AnyRef<'_>>> {
    let mut reader = SliceReader::new(parent.value()).map_err(der_error)?;
    let mut out = Vec::new();
    while !reader.is_finished() {
        out.push(AnyRef::decode(&mut reader).map_err(der_error)?);
    }
    Ok(out)
}

fn malformed(what: &'static str) -> Error {
    RevocationError::MalformedOcsp { what, source: None }.into()
}

fn der_error(error: der::Error) -> Error {
    RevocationError::MalformedOcsp {
        what: "element",
        source: Some(error),
    }
    .into()
}
