//! The signed attributes: content-type and message-digest (RFC 5652 §11), and the ESS
//! signing-certificate(-v2) binding of the signer certificate (RFC 2634 §5.4, RFC 5035).

use cms::signed_data::{SignedAttributes, SignedData};
use der::asn1::{ObjectIdentifier, OctetString};
use sha1::Digest;
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::time::Time;

use super::CmsVerification;
use crate::cades::signed_attributes::{
    ID_CONTENT_TYPE, ID_MESSAGE_DIGEST, ID_SIGNING_TIME, single_value,
};
use crate::cades::signing_certificate::{ID_AA_SIGNING_CERTIFICATE, SigningCertificate};
use crate::cades::signing_certificate_v2::{
    ID_AA_SIGNING_CERTIFICATE_V2, IssuerSerial, SigningCertificateV2,
};
use crate::crypto::DigestAlgorithm;
use crate::error::Result;
use crate::problem::{EssProblem, Problem};

pub(super) fn check_attributes(
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
