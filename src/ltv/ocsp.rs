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

// The request and the unverified reading serve the fetcher (feature `tsa`); the verifier uses
// the rest in every build.
#![cfg_attr(not(feature = "tsa"), allow(dead_code))]
use der::asn1::{AnyRef, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Reader, Sequence, SliceReader, Tag, TagNumber, Tagged};
use sha1::Digest;
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::serial_number::SerialNumber;

use crate::error::{Error, Result, RevocationError};

const ID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const ID_PKIX_OCSP_BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");
/// `id-pkix-ocsp-nocheck`: a responder certificate whose status is not checked.
#[cfg(feature = "tsa")]
pub const ID_PKIX_OCSP_NOCHECK: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.5");

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct CertId {
    hash_algorithm: AlgorithmIdentifierOwned,
    issuer_name_hash: OctetString,
    issuer_key_hash: OctetString,
    serial_number: SerialNumber,
}

// The request side serves only the fetcher (feature `tsa`).
#[cfg(feature = "tsa")]
#[derive(Sequence)]
struct Request {
    req_cert: CertId,
}

#[cfg(feature = "tsa")]
#[derive(Sequence)]
struct TbsRequest {
    request_list: Vec<Request>,
}

#[cfg(feature = "tsa")]
#[derive(Sequence)]
struct OcspRequest {
    tbs_request: TbsRequest,
}

/// The DER OCSPRequest for `certificate`, issued by `issuer` (SHA-1 CertID, as responders
/// universally accept).
#[cfg(feature = "tsa")]
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

#[cfg(feature = "tsa")]
fn cert_id(certificate: &Certificate, issuer: &Certificate) -> Result<CertId> {
    use der::asn1::Null;
    use sha1::Digest;
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

/// What an OCSP response says of one certificate (RFC 6960 §2.2).
///
/// # Examples
///
/// ```
/// use countersign::ltv::{CertStatus, OcspResponse};
///
/// let response = OcspResponse::from_der(&std::fs::read("testdata/pki/tsa-signer.ocsp")?)?;
/// assert_eq!(response.statuses().map(|(_, status)| status).collect::<Vec<_>>(),
///            [CertStatus::Good, CertStatus::Revoked]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CertStatus {
    /// Not revoked (at the time of the response).
    Good,
    /// Revoked.
    Revoked,
    /// The responder does not know the certificate.
    Unknown,
}

/// A successful OCSP response (RFC 6960), as read for offline revocation data: the status of
/// each certificate it answers for and the certificates the responder embedded. Reading checks
/// the structure, not the responder's signature: a verifier does that against its trust roots.
///
/// # Examples
///
/// ```
/// use countersign::ltv::{CertStatus, OcspResponse};
/// use countersign::crypto::credential::trust_roots_from_pem;
///
/// let der = std::fs::read("testdata/pki/tsa-signer.ocsp")?; // openssl ocsp -respout
/// let response = OcspResponse::from_der(&der)?;
/// let signer = trust_roots_from_pem(&std::fs::read("testdata/pki/tsa-signer.cert.pem")?)?;
/// let revoked = trust_roots_from_pem(&std::fs::read("testdata/pki/tsa-revoked.cert.pem")?)?;
/// assert_eq!(response.status_of(&signer[0]), Some(CertStatus::Good));
/// assert_eq!(response.status_of(&revoked[0]), Some(CertStatus::Revoked));
///
/// // Anything else is a typed error naming what is wrong.
/// let error = OcspResponse::from_der(b"not DER").unwrap_err();
/// assert!(matches!(
///     error,
///     countersign::Error::Revocation(countersign::error::RevocationError::MalformedOcsp { .. })
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct OcspResponse {
    /// Certificates the responder embedded (its own, for a delegated responder).
    certificates: Vec<Certificate>,
    /// (serial number, status) per SingleResponse.
    statuses: Vec<(SerialNumber, CertStatus)>,
}

impl OcspResponse {
    /// Reads a DER OCSPResponse; a response status other than `successful` is
    /// [`RevocationError::ResponderStatus`], a response type other than basic
    /// [`RevocationError::ResponseType`], a malformed structure
    /// [`RevocationError::MalformedOcsp`].
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::ltv::OcspResponse;
    ///
    /// let response = OcspResponse::from_der(&std::fs::read("testdata/pki/tsa-signer.ocsp")?)?;
    /// assert_eq!(response.statuses().count(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_der(der: &[u8]) -> Result<Self> {
        parse_response(der)
    }

    /// What the response says of `certificate` (matched by serial number); `None` when it does
    /// not answer for it.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::ltv::OcspResponse;
    /// use countersign::crypto::credential::trust_roots_from_pem;
    ///
    /// let response = OcspResponse::from_der(&std::fs::read("testdata/pki/tsa-signer.ocsp")?)?;
    /// let other = trust_roots_from_pem(&std::fs::read("testdata/pki/demo.cert.pem")?)?;
    /// assert_eq!(response.status_of(&other[0]), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn status_of(&self, certificate: &Certificate) -> Option<CertStatus> {
        let serial = certificate.tbs_certificate().serial_number();
        self.statuses
            .iter()
            .find(|(s, _)| s == serial)
            .map(|(_, status)| *status)
    }

    /// Each SingleResponse: the serial number it is about and its status, in response order.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::ltv::OcspResponse;
    ///
    /// let response = OcspResponse::from_der(&std::fs::read("testdata/pki/tsa-signer.ocsp")?)?;
    /// let serials: Vec<String> = response.statuses().map(|(serial, _)| serial.to_string()).collect();
    /// assert_eq!(serials, ["50:01", "50:04"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn statuses(&self) -> impl Iterator<Item = (&SerialNumber, CertStatus)> + '_ {
        self.statuses
            .iter()
            .map(|(serial, status)| (serial, *status))
    }

    /// The certificates the responder embedded (its own, for a delegated responder).
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::ltv::OcspResponse;
    ///
    /// let response = OcspResponse::from_der(&std::fs::read("testdata/pki/tsa-signer.ocsp")?)?;
    /// let responder = &response.certificates()[0];
    /// assert!(responder.tbs_certificate().subject().to_string().contains("CN=Demo OCSP Responder"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn certificates(&self) -> &[Certificate] {
        &self.certificates
    }

    /// The embedded certificates, owned.
    #[cfg(feature = "tsa")]
    pub(crate) fn into_certificates(self) -> Vec<Certificate> {
        self.certificates
    }
}

/// Reads an OCSPResponse; a status other than successful is an error.
fn parse_response(der: &[u8]) -> Result<OcspResponse> {
    parse_basic(basic_response(der)?)
}

fn parse_basic(der: &[u8]) -> Result<OcspResponse> {
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
    Ok(OcspResponse {
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

/// `id-kp-OCSPSigning` (RFC 6960 §4.2.2.2): a delegated responder's extended key usage.
const ID_KP_OCSP_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");

/// How long after its thisUpdate revocation evidence without a nextUpdate still speaks: such an
/// answer says newer information is available at any time (RFC 6960 §4.2.2.1; a CRL must have a
/// nextUpdate, RFC 5280 §5.1.2.5), so it shows a status when it was made, give or take the clock
/// difference between its issuer and the verifier. Not longer: an old answer replayed over plain
/// HTTP would otherwise prove "good" forever.
const WITHOUT_NEXT_UPDATE: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// Whether revocation evidence made at `this_update` and valid until `next_update` shows a
/// certificate's status at `at` (evidence made after `at` does: revocations are not undone).
pub(crate) fn current_at(
    this_update: std::time::SystemTime,
    next_update: Option<std::time::SystemTime>,
    at: std::time::SystemTime,
) -> bool {
    match next_update {
        Some(next) => next >= at,
        None => this_update
            .checked_add(WITHOUT_NEXT_UPDATE)
            .is_none_or(|until| until >= at),
    }
}

/// What a verified OCSP response says about one certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VerifiedStatus {
    /// Good, from a response still current at the validation time (see [`current_at`]).
    Good,
    /// Revoked at the time given, with the CRLReason code when the response states one.
    Revoked {
        at: std::time::SystemTime,
        reason: Option<u8>,
    },
    /// The responder does not know the certificate.
    Unknown,
}

/// The status `der` (an OCSPResponse) gives `certificate`, issued by `issuer`, once the response
/// is proven to come from the issuer: signed by the issuer's key, or by a responder certificate
/// the issuer issued for OCSP signing (id-kp-OCSPSigning) and valid when the response was made.
/// `Ok(None)`: the response says nothing usable about this certificate (another certificate, or a
/// good status not current at `at`).
pub(crate) fn verified_status(
    der: &[u8],
    certificate: &Certificate,
    issuer: &Certificate,
    at: std::time::SystemTime,
    provider: &crate::crypto::CryptoProvider,
) -> Result<Option<VerifiedStatus>> {
    let basic = basic_response(der)?;
    let fields = children_of(basic, "BasicOCSPResponse")?;
    let (Some(tbs), Some(algorithm), Some(signature)) =
        (fields.first(), fields.get(1), fields.get(2))
    else {
        return Err(malformed("BasicOCSPResponse"));
    };
    let tbs_der = tbs.to_der().map_err(der_error)?;
    let algorithm = AlgorithmIdentifierOwned::from_der(&algorithm.to_der().map_err(der_error)?)
        .map_err(der_error)?;
    let signature = der::asn1::BitStringRef::try_from(*signature).map_err(der_error)?;
    let signature = signature.as_bytes().ok_or_else(|| malformed("signature"))?;
    let Some(single) = single_response_for(*tbs, certificate, issuer)? else {
        return Ok(None);
    };
    let embedded = parse_basic(basic)?.certificates;
    let message = Signed {
        algorithm: &algorithm,
        tbs: &tbs_der,
        signature,
    };
    if !signed_by_issuer_or_delegate(&message, issuer, &embedded, single.this_update, provider) {
        return Err(RevocationError::OcspUnverified {
            issuer: issuer.tbs_certificate().subject().to_string(),
        }
        .into());
    }
    Ok(match single.status {
        VerifiedStatus::Good if !current_at(single.this_update, single.next_update, at) => None,
        status => Some(status),
    })
}

/// The BasicOCSPResponse DER inside a successful OCSPResponse.
fn basic_response(der: &[u8]) -> Result<&[u8]> {
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
    inner
        .get(1)
        .filter(|any| any.tag() == Tag::OctetString)
        .map(|any| any.value())
        .ok_or_else(|| malformed("BasicOCSPResponse"))
}

/// One SingleResponse, read.
struct Single {
    status: VerifiedStatus,
    this_update: std::time::SystemTime,
    next_update: Option<std::time::SystemTime>,
}

/// The SingleResponse whose CertID names `certificate` and `issuer` (hashes of the issuer's
/// name and key, and the serial number).
fn single_response_for(
    tbs: AnyRef<'_>,
    certificate: &Certificate,
    issuer: &Certificate,
) -> Result<Option<Single>> {
    let responses = children(tbs)?
        .into_iter()
        .find(|f| f.tag() == Tag::Sequence)
        .ok_or_else(|| malformed("responses"))?;
    for single in children(responses)? {
        let parts = children(single)?;
        let (Some(id), Some(status), Some(this_update)) =
            (parts.first(), parts.get(1), parts.get(2))
        else {
            return Err(malformed("SingleResponse"));
        };
        let id = CertId::from_der(&id.to_der().map_err(der_error)?).map_err(der_error)?;
        if !names(&id, certificate, issuer)? {
            continue;
        }
        let next_update = parts
            .get(3)
            .filter(|part| part.tag() == context(0, true))
            .map(|part| AnyRef::from_der(part.value()).and_then(generalized_time))
            .transpose()
            .map_err(der_error)?;
        return Ok(Some(Single {
            status: cert_status(*status)?,
            this_update: generalized_time(*this_update).map_err(der_error)?,
            next_update,
        }));
    }
    Ok(None)
}

fn context(number: u32, constructed: bool) -> Tag {
    Tag::ContextSpecific {
        constructed,
        number: TagNumber(number),
    }
}

fn generalized_time(any: AnyRef<'_>) -> der::Result<std::time::SystemTime> {
    der::asn1::GeneralizedTime::try_from(any).map(|time| time.to_system_time())
}

/// good [0] IMPLICIT NULL | revoked [1] IMPLICIT RevokedInfo { revocationTime, revocationReason
/// [0] EXPLICIT CRLReason OPTIONAL } | unknown [2].
fn cert_status(status: AnyRef<'_>) -> Result<VerifiedStatus> {
    if status.tag() == context(0, false) {
        return Ok(VerifiedStatus::Good);
    }
    if status.tag() != context(1, true) {
        return Ok(VerifiedStatus::Unknown);
    }
    let info = children(status)?;
    let at = info
        .first()
        .map(|time| generalized_time(*time))
        .transpose()
        .map_err(der_error)?
        .ok_or_else(|| malformed("revocationTime"))?;
    let reason = info
        .get(1)
        .filter(|part| part.tag() == context(0, true))
        .and_then(|part| AnyRef::from_der(part.value()).ok())
        .filter(|reason| reason.tag() == Tag::Enumerated)
        .and_then(|reason| match reason.value() {
            [code] => Some(*code),
            _ => None,
        });
    Ok(VerifiedStatus::Revoked { at, reason })
}

/// The CertID is `certificate`'s: its serial, and the issuer's name and key hashed with the
/// CertID's algorithm (SHA-1 or SHA-2).
fn names(id: &CertId, certificate: &Certificate, issuer: &Certificate) -> Result<bool> {
    if &id.serial_number != certificate.tbs_certificate().serial_number() {
        return Ok(false);
    }
    let issuer_tbs = issuer.tbs_certificate();
    let name = issuer_tbs.subject().to_der().map_err(der_error)?;
    let key = issuer_tbs
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes();
    let hash = |bytes: &[u8]| -> Option<Vec<u8>> {
        if id.hash_algorithm.oid == ID_SHA1 {
            return Some(sha1::Sha1::digest(bytes).to_vec());
        }
        crate::crypto::DigestAlgorithm::from_oid(&id.hash_algorithm.oid)
            .map(|digest| digest.digest_chunks(&[bytes]))
    };
    Ok(
        hash(&name).is_some_and(|h| h == id.issuer_name_hash.as_bytes())
            && hash(key).is_some_and(|h| h == id.issuer_key_hash.as_bytes()),
    )
}

/// A signed structure: its TBS bytes, the algorithm and the signature value.
struct Signed<'a> {
    algorithm: &'a AlgorithmIdentifierOwned,
    tbs: &'a [u8],
    signature: &'a [u8],
}

impl Signed<'_> {
    fn verifies_with(
        &self,
        signer: &Certificate,
        provider: &crate::crypto::CryptoProvider,
    ) -> bool {
        crate::crypto::SignatureAlgorithm::from_identifier(self.algorithm, None).is_ok_and(
            |algorithm| {
                matches!(
                    provider.verify_signature(
                        signer.tbs_certificate().subject_public_key_info(),
                        &algorithm,
                        self.tbs,
                        self.signature,
                    ),
                    Ok(true)
                )
            },
        )
    }
}

/// RFC 6960 §4.2.2.2: the issuer signed the response, or a certificate it issued with
/// id-kp-OCSPSigning, valid at `when`, did.
fn signed_by_issuer_or_delegate(
    response: &Signed<'_>,
    issuer: &Certificate,
    embedded: &[Certificate],
    when: std::time::SystemTime,
    provider: &crate::crypto::CryptoProvider,
) -> bool {
    if response.verifies_with(issuer, provider) {
        return true;
    }
    embedded.iter().any(|responder| {
        let tbs = responder.tbs_certificate();
        let validity = tbs.validity();
        tbs.issuer() == issuer.tbs_certificate().subject()
            && validity.not_before.to_system_time() <= when
            && when <= validity.not_after.to_system_time()
            && ocsp_signing(responder)
            && crate::cades::verify::path::issued_by(responder, issuer, provider)
            && response.verifies_with(responder, provider)
    })
}

fn ocsp_signing(certificate: &Certificate) -> bool {
    matches!(
        certificate
            .tbs_certificate()
            .get_extension::<x509_cert::ext::pkix::ExtendedKeyUsage>(),
        Ok(Some((_, usage))) if usage.0.contains(&ID_KP_OCSP_SIGNING)
    )
}
