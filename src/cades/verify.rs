//! Verification of a detached CMS SignedData: digest, signature, ESS signing-certificate binding
//! and the certification path to a trust anchor.

use std::time::SystemTime;

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedAttributes, SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{AnyRef, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Reader, SliceReader, Tag, TagNumber, Tagged};
use sha1::Digest;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectKeyIdentifier;
use x509_cert::time::Time;
use x509_cert::Certificate;

use super::signed_attributes::{single_value, ID_CONTENT_TYPE, ID_MESSAGE_DIGEST, ID_SIGNING_TIME};
use super::signed_data::ID_SIGNED_DATA;
use super::signing_certificate::{SigningCertificate, ID_AA_SIGNING_CERTIFICATE};
use super::signing_certificate_v2::{
    IssuerSerial, SigningCertificateV2, ID_AA_SIGNING_CERTIFICATE_V2,
};
use crate::crypto::{Backend, DigestAlgorithm, SignatureAlgorithm};
use crate::error::{Error, Result};
use crate::problem::{ChainStatus, EssProblem, Problem};

/// What [`verify_detached`] found out about one signature.
#[derive(Clone, Debug, Default)]
pub struct CmsVerification {
    /// The message-digest attribute matches the content (without signed attributes: the
    /// signature over the content verifies).
    pub digest_ok: bool,
    /// The signature verifies with the signer certificate's key and, when present, the ESS
    /// signing-certificate attribute names that certificate.
    pub signature_ok: bool,
    pub chain: ChainStatus,
    /// `SHA256withRSA`, `SHA256withRSA/PSS`, `SHA256withECDSA`...; empty when unsupported.
    pub signature_algorithm: String,
    /// The SignerInfo digestAlgorithm, when it is one we support.
    pub digest_algorithm: Option<DigestAlgorithm>,
    /// RFC 4514 form of the signer certificate's subject.
    pub signer_subject: String,
    /// Upper-case hex of the signer certificate's serial number.
    pub signer_serial_hex: String,
    pub signer_not_before: Option<SystemTime>,
    pub signer_not_after: Option<SystemTime>,
    /// The signing-time attribute, when present.
    pub signing_time: Option<SystemTime>,
    pub signer_certificate: Option<Certificate>,
    /// The time the certificates were judged at ([`PathCheck::at`]); `None` when the chain was
    /// not evaluated.
    pub validation_time: Option<SystemTime>,
    /// Everything that went wrong.
    pub problems: Vec<Problem>,
}

impl CmsVerification {
    /// Digest and signature verify, and the chain ends at a configured trust root with every
    /// certificate check passed.
    pub fn is_valid(&self) -> bool {
        self.digest_ok && self.signature_ok && self.chain == ChainStatus::Trusted
    }

    /// The explicit integrity-only verdict: digest and signature verify, whoever the signer is
    /// (only a revocation the caller proved counts against it).
    pub fn is_valid_ignoring_trust(&self) -> bool {
        self.digest_ok && self.signature_ok && !matches!(self.chain, ChainStatus::Revoked(_))
    }
}

/// What the certification path is checked against.
#[derive(Clone, Copy, Debug)]
pub struct PathCheck<'a> {
    /// Trust anchors; when empty the chain is not evaluated ([`ChainStatus::NotChecked`]).
    pub trust_roots: &'a [Certificate],
    /// CRLs; a CRL counts only when its issuer's key verifies it.
    pub crls: &'a [CertificateList],
    /// The validation time (see `validation_time`).
    pub at: SystemTime,
    /// The crypto backend that checks every signature: the SignerInfo's and each link of the
    /// path's (and CRLs').
    pub backend: Backend,
}

/// The time certificates are judged at: the genTime of a verified RFC 3161 signature timestamp
/// when there is one, else the current time. Never `/M` or signingTime: the signer writes those,
/// so a backdated claim would revive an expired certificate.
pub fn validation_time(now: SystemTime, verified_timestamp: Option<SystemTime>) -> SystemTime {
    verified_timestamp.unwrap_or(now)
}

/// [`verify_detached_with`] without CRLs, judging certificates at `at` (default: now). When
/// `trust_roots` is empty the chain is not evaluated.
pub fn verify_detached(
    cms_der: &[u8],
    content: &[&[u8]],
    trust_roots: &[Certificate],
    at: Option<SystemTime>,
) -> Result<CmsVerification> {
    let check = PathCheck {
        trust_roots,
        crls: &[],
        at: at.unwrap_or_else(SystemTime::now),
        backend: Backend::default(),
    };
    verify_detached_with(cms_der, content, &check)
}

/// Verifies a detached SignedData over the concatenation of `content`. `cms_der` may be followed
/// by zero padding (a PDF `/Contents` string is). Malformed CMS is an error; a signature that
/// does not verify is a report saying so.
pub fn verify_detached_with(
    cms_der: &[u8],
    content: &[&[u8]],
    check: &PathCheck<'_>,
) -> Result<CmsVerification> {
    verify_signed_data(cms_der, content, check, Content::Detached)
}

/// Where the signed content is: given beside the SignedData (a PDF signature), or inside it as
/// eContent (a timestamp token, whose content is its TSTInfo).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Content {
    Detached,
    Encapsulated,
}

/// [`verify_detached_with`] for either form of content; `content` is the signed bytes (for an
/// encapsulated content, the eContent the caller has read).
pub(crate) fn verify_signed_data(
    cms_der: &[u8],
    content: &[&[u8]],
    check: &PathCheck<'_>,
    expected: Content,
) -> Result<CmsVerification> {
    let mut report = CmsVerification::default();
    let cms = first_element(cms_der, &mut report)?;
    let content_info = ContentInfo::from_der(cms).map_err(|e| cms_error("ContentInfo", e))?;
    if content_info.content_type != ID_SIGNED_DATA {
        return Err(Error::Cms(format!(
            "content type {} is not signedData",
            content_info.content_type
        )));
    }
    let signed_data: SignedData = content_info
        .content
        .decode_as()
        .map_err(|e| cms_error("SignedData", e))?;
    let raw = RawSignerInfo::first_in(cms)?;
    let signer_info = SignerInfo::from_der(&raw.der).map_err(|e| cms_error("SignerInfo", e))?;
    if signed_data.signer_infos.0.len() != 1 {
        report
            .problems
            .push(Problem::SignerInfoCount(signed_data.signer_infos.0.len()));
    }
    if expected == Content::Detached && signed_data.encap_content_info.econtent.is_some() {
        report.problems.push(Problem::EncapsulatedContent);
    }
    let embedded: Vec<Certificate> = signed_data
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|choice| match choice {
            CertificateChoices::Certificate(certificate) => Some(certificate.clone()),
            CertificateChoices::Other(_) => None,
        })
        .collect();

    let Some(signer) = find_signer(&signer_info.sid, &embedded) else {
        report.problems.push(Problem::SignerCertificateMissing);
        return Ok(report);
    };
    describe_signer(&mut report, signer);

    let Some(digest) = DigestAlgorithm::from_oid(&signer_info.digest_alg.oid) else {
        report
            .problems
            .push(Problem::UnsupportedDigest(signer_info.digest_alg.oid));
        return Ok(report);
    };
    report.digest_algorithm = Some(digest);
    let algorithm =
        match SignatureAlgorithm::from_identifier(&signer_info.signature_algorithm, Some(digest)) {
            Ok(algorithm) => algorithm,
            Err(_) => {
                report.problems.push(Problem::UnsupportedSignatureAlgorithm(
                    signer_info.signature_algorithm.oid,
                ));
                return Ok(report);
            }
        };
    report.signature_algorithm = algorithm.name();

    let content_digest = digest.digest_chunks(content);
    let public_key = signer.tbs_certificate().subject_public_key_info();
    let signature = signer_info.signature.as_bytes();
    match (&signer_info.signed_attrs, &raw.signed_attributes) {
        (Some(attributes), Some(signed_bytes)) => {
            let signer_der = original_der(cms, signer)?;
            check_attributes(
                &mut report,
                attributes,
                &signed_data,
                &content_digest,
                (signer, &signer_der),
            )?;
            report.signature_ok = verify(
                &mut report,
                check.backend,
                public_key,
                &algorithm,
                signed_bytes,
                signature,
            ) && report.signature_ok;
        }
        _ => {
            // Without signed attributes the signature covers the content itself (RFC 5652 §5.4).
            let message = content.concat();
            report.signature_ok = verify(
                &mut report,
                check.backend,
                public_key,
                &algorithm,
                &message,
                signature,
            );
            report.digest_ok = report.signature_ok;
        }
    }

    if !check.trust_roots.is_empty() {
        report.validation_time = Some(check.at);
        report.chain = super::path::evaluate(signer, &embedded, check, &mut report.problems);
        if let ChainStatus::Untrusted(why) | ChainStatus::Revoked(why) = &report.chain {
            report.problems.push(why.clone());
        }
    }
    Ok(report)
}

/// The first DER element of `bytes`; anything after it must be zero padding.
fn first_element<'a>(bytes: &'a [u8], report: &mut CmsVerification) -> Result<&'a [u8]> {
    let mut reader = SliceReader::new(bytes).map_err(|e| cms_error("CMS", e))?;
    AnyRef::decode(&mut reader).map_err(|e| cms_error("CMS", e))?;
    let len = usize::try_from(reader.position()).map_err(|e| cms_error("CMS", e))?;
    let (element, rest) = bytes
        .split_at_checked(len)
        .ok_or_else(|| Error::Cms("CMS length beyond the input".into()))?;
    if rest.iter().any(|&b| b != 0) {
        report.problems.push(Problem::TrailingBytes);
    }
    Ok(element)
}

/// The first SignerInfo exactly as encoded, and its signed attributes as the bytes that were
/// signed. Decoding sorts SET OF elements, so the signed bytes must come from the input itself.
struct RawSignerInfo {
    der: Vec<u8>,
    /// The `[0] IMPLICIT` attributes re-tagged as `SET OF` (RFC 5652 §5.4).
    signed_attributes: Option<Vec<u8>>,
}

impl RawSignerInfo {
    fn first_in(cms: &[u8]) -> Result<Self> {
        let content_info = AnyRef::from_der(cms).map_err(|e| cms_error("ContentInfo", e))?;
        let explicit_content = children(content_info)?
            .get(1)
            .copied()
            .ok_or_else(|| Error::Cms("ContentInfo without content".into()))?;
        let signed_data = children(explicit_content)?
            .first()
            .copied()
            .ok_or_else(|| Error::Cms("empty ContentInfo content".into()))?;
        // signerInfos is the last field of SignedData.
        let signer_infos = children(signed_data)?
            .last()
            .copied()
            .ok_or_else(|| Error::Cms("empty SignedData".into()))?;
        let signer_info = children(signer_infos)?
            .first()
            .copied()
            .ok_or_else(|| Error::Cms("SignedData without SignerInfo".into()))?;
        let der = signer_info
            .to_der()
            .map_err(|e| cms_error("SignerInfo", e))?;
        let signed_tag = Tag::ContextSpecific {
            constructed: true,
            number: TagNumber(0),
        };
        let signed_attributes = match children(signer_info)?.get(3) {
            Some(field) if field.tag() == signed_tag => Some(
                AnyRef::new(Tag::Set, field.value())
                    .and_then(|set| set.to_der())
                    .map_err(|e| cms_error("signed attributes", e))?,
            ),
            _ => None,
        };
        Ok(Self {
            der,
            signed_attributes,
        })
    }
}

/// The signer certificate's bytes as embedded: the ESS hash is over the certificate as issued,
/// and decoding then re-encoding need not give those bytes back.
fn original_der(cms: &[u8], signer: &Certificate) -> Result<Vec<u8>> {
    let content_info = AnyRef::from_der(cms).map_err(|e| cms_error("ContentInfo", e))?;
    let explicit_content = children(content_info)?.get(1).copied();
    let signed_data = match explicit_content {
        Some(content) => children(content)?.first().copied(),
        None => None,
    };
    let certificates_tag = Tag::ContextSpecific {
        constructed: true,
        number: TagNumber(0),
    };
    if let Some(signed_data) = signed_data {
        for field in children(signed_data)? {
            if field.tag() != certificates_tag {
                continue;
            }
            let set =
                AnyRef::new(Tag::Set, field.value()).map_err(|e| cms_error("certificates", e))?;
            for element in children(set)? {
                let der = element.to_der().map_err(|e| cms_error("certificate", e))?;
                if Certificate::from_der(&der).ok().as_ref() == Some(signer) {
                    return Ok(der);
                }
            }
        }
    }
    signer
        .to_der()
        .map_err(|e| cms_error("signer certificate", e))
}

fn children(parent: AnyRef<'_>) -> Result<Vec<AnyRef<'_>>> {
    let mut reader = SliceReader::new(parent.value()).map_err(|e| cms_error("CMS", e))?;
    let mut elements = Vec::new();
    while !reader.is_finished() {
        elements.push(AnyRef::decode(&mut reader).map_err(|e| cms_error("CMS", e))?);
    }
    Ok(elements)
}

fn find_signer<'a>(
    sid: &SignerIdentifier,
    certificates: &'a [Certificate],
) -> Option<&'a Certificate> {
    certificates.iter().find(|certificate| {
        let tbs = certificate.tbs_certificate();
        match sid {
            SignerIdentifier::IssuerAndSerialNumber(id) => {
                tbs.issuer() == &id.issuer && tbs.serial_number() == &id.serial_number
            }
            SignerIdentifier::SubjectKeyIdentifier(ski) => matches!(
                tbs.get_extension::<SubjectKeyIdentifier>(),
                Ok(Some((_, own))) if &own == ski
            ),
        }
    })
}

fn describe_signer(report: &mut CmsVerification, signer: &Certificate) {
    let tbs = signer.tbs_certificate();
    report.signer_subject = tbs.subject().to_string();
    report.signer_serial_hex = serial_hex(tbs.serial_number().as_bytes());
    report.signer_not_before = Some(tbs.validity().not_before.to_system_time());
    report.signer_not_after = Some(tbs.validity().not_after.to_system_time());
    report.signer_certificate = Some(signer.clone());
}

/// Upper-case hex without the sign byte DER adds in front of a high bit.
pub(super) fn serial_hex(bytes: &[u8]) -> String {
    let significant = match bytes {
        [0, rest @ ..] if !rest.is_empty() => rest,
        _ => bytes,
    };
    significant.iter().map(|b| format!("{b:02X}")).collect()
}

fn check_attributes(
    report: &mut CmsVerification,
    attributes: &SignedAttributes,
    signed_data: &SignedData,
    content_digest: &[u8],
    signer: (&Certificate, &[u8]),
) -> Result<()> {
    // The signed content type and the ESS certificate binding count as part of the signature:
    // the eContentType and the certificate set are unsigned and could otherwise be swapped.
    let mut bindings_ok = true;
    match single_value::<ObjectIdentifier>(attributes, ID_CONTENT_TYPE)? {
        Some(content_type) if content_type == signed_data.encap_content_info.econtent_type => {}
        Some(content_type) => {
            bindings_ok = false;
            report.problems.push(Problem::ContentTypeMismatch {
                attribute: content_type,
                econtent_type: signed_data.encap_content_info.econtent_type,
            });
        }
        None => report.problems.push(Problem::ContentTypeMissing),
    }
    match single_value::<OctetString>(attributes, ID_MESSAGE_DIGEST)? {
        Some(digest) if digest.as_bytes() == content_digest => report.digest_ok = true,
        Some(_) => report.problems.push(Problem::DigestMismatch),
        None => report.problems.push(Problem::DigestMissing),
    }
    report.signing_time =
        single_value::<Time>(attributes, ID_SIGNING_TIME)?.map(|t| t.to_system_time());
    if let Some(problem) = check_signing_certificate(attributes, signer)? {
        bindings_ok = false;
        report.problems.push(Problem::SigningCertificate(problem));
    }
    report.signature_ok = bindings_ok;
    Ok(())
}

/// `Some(problem)` when an ESS signing-certificate(-v2) attribute does not name `signer`.
fn check_signing_certificate(
    attributes: &SignedAttributes,
    (signer, signer_der): (&Certificate, &[u8]),
) -> Result<Option<EssProblem>> {
    if let Some(v2) =
        single_value::<SigningCertificateV2>(attributes, ID_AA_SIGNING_CERTIFICATE_V2)?
    {
        let Some(id) = v2.certs.first() else {
            return Ok(Some(EssProblem::Empty { v2: true }));
        };
        let hash_oid = id
            .hash_algorithm
            .as_ref()
            .map_or(crate::crypto::algorithm::ID_SHA256, |a| a.oid);
        let Some(hash) = DigestAlgorithm::from_oid(&hash_oid) else {
            return Ok(Some(EssProblem::UnsupportedHash(hash_oid)));
        };
        if id.cert_hash.as_bytes() != hash.digest_chunks(&[signer_der]) {
            return Ok(Some(EssProblem::HashMismatch { v2: true }));
        }
        return Ok(issuer_serial_problem(id.issuer_serial.as_ref(), signer));
    }
    if let Some(v1) = single_value::<SigningCertificate>(attributes, ID_AA_SIGNING_CERTIFICATE)? {
        let Some(id) = v1.certs.first() else {
            return Ok(Some(EssProblem::Empty { v2: false }));
        };
        if id.cert_hash.as_bytes() != sha1::Sha1::digest(signer_der).as_slice() {
            return Ok(Some(EssProblem::HashMismatch { v2: false }));
        }
        return Ok(issuer_serial_problem(id.issuer_serial.as_ref(), signer));
    }
    Ok(None)
}

fn issuer_serial_problem(
    issuer_serial: Option<&IssuerSerial>,
    signer: &Certificate,
) -> Option<EssProblem> {
    let issuer_serial = issuer_serial?;
    let tbs = signer.tbs_certificate();
    let issuer_matches = issuer_serial
        .issuer
        .iter()
        .any(|name| matches!(name, GeneralName::DirectoryName(n) if n == tbs.issuer()));
    if issuer_matches && &issuer_serial.serial_number == tbs.serial_number() {
        None
    } else {
        Some(EssProblem::IssuerSerialMismatch)
    }
}

fn verify(
    report: &mut CmsVerification,
    backend: Backend,
    public_key: &spki::SubjectPublicKeyInfoOwned,
    algorithm: &SignatureAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> bool {
    match backend.verify_signature(public_key, algorithm, message, signature) {
        Ok(true) => true,
        Ok(false) => {
            report.problems.push(Problem::SignatureInvalid);
            false
        }
        Err(e) => {
            report
                .problems
                .push(Problem::SignatureUnverifiable(e.to_string()));
            false
        }
    }
}

fn cms_error(what: &'static str, source: der::Error) -> Error {
    Error::Der { what, source }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_hex_drops_only_the_der_sign_byte() {
        assert_eq!(serial_hex(&[0x00, 0x80, 0x00, 0x00, 0x01]), "80000001");
        assert_eq!(serial_hex(&[0x20, 0x01]), "2001");
        assert_eq!(serial_hex(&[0x00]), "00");
    }

    #[test]
    fn zero_padding_is_accepted_and_other_trailing_bytes_reported() {
        let element = [0x30, 0x03, 0x02, 0x01, 0x05];
        let mut report = CmsVerification::default();
        let mut padded = element.to_vec();
        padded.extend([0u8; 16]);
        assert_eq!(first_element(&padded, &mut report).unwrap(), element);
        assert!(report.problems.is_empty());
        let mut trailing = element.to_vec();
        trailing.push(1);
        assert_eq!(first_element(&trailing, &mut report).unwrap(), element);
        assert_eq!(report.problems, [Problem::TrailingBytes]);
        assert!(matches!(
            first_element(&[0x30, 0x05, 0x02], &mut report),
            Err(Error::Cms(_) | Error::Der { .. })
        ));
    }

    #[test]
    fn garbage_is_a_cms_error() {
        for input in [
            &b""[..],
            b"\x00\x00",
            b"\x30\x80\x00\x00",
            b"\x06\x03\x2a\x03\x04",
        ] {
            assert!(
                matches!(
                    verify_detached(input, &[], &[], None),
                    Err(Error::Cms(_) | Error::Der { .. })
                ),
                "{input:?}"
            );
        }
    }
}
