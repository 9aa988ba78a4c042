//! Verification of a CMS SignedData, in stages: [`parse`] reads the structure (keeping the bytes
//! that were signed), [`ess`] checks the signed attributes and the ESS signing-certificate
//! binding, this module verifies the signature, and [`path`] builds and checks the
//! certification path to a trust anchor.

mod ess;
mod extensions;
mod names;
mod parse;
pub(crate) mod path;

use std::time::SystemTime;

use cms::signed_data::SignerInfo;
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;

use crate::crypto::{CryptoProvider, DigestAlgorithm, SignatureAlgorithm};
use crate::error::Result;
use crate::problem::{ChainStatus, Problem};

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
    /// DER OCSPResponses; one counts only when the issuer or its delegated responder signed it.
    pub ocsp_responses: &'a [Vec<u8>],
    /// Fetches revocation data for the certificates of a built path that `crls` and
    /// `ocsp_responses` do not cover; with it, a certificate of unknown status is untrusted.
    pub(crate) fetch: Option<&'a crate::verify::revocation::FetchSession<'a>>,
    /// The validation time (see `validation_time`).
    pub at: SystemTime,
    /// The crypto provider that checks every signature: the SignerInfo's and each link of the
    /// path's (and CRLs').
    pub provider: CryptoProvider,
}

impl<'a> PathCheck<'a> {
    /// Trust `trust_roots` at `at` with `provider`; no revocation data.
    pub fn new(trust_roots: &'a [Certificate], at: SystemTime, provider: CryptoProvider) -> Self {
        Self {
            trust_roots,
            crls: &[],
            ocsp_responses: &[],
            fetch: None,
            at,
            provider,
        }
    }
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
    let check = PathCheck::new(
        trust_roots,
        at.unwrap_or_else(SystemTime::now),
        CryptoProvider::default(),
    );
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
    let parsed = parse::Parsed::read(cms_der, expected, &mut report.problems)?;
    let Some(signer) = parse::find_signer(&parsed.signer_info.sid, &parsed.embedded) else {
        report.problems.push(Problem::SignerCertificateMissing);
        return Ok(report);
    };
    describe_signer(&mut report, signer);
    let Some(algorithm) = algorithms(&mut report, &parsed.signer_info) else {
        return Ok(report);
    };
    check_signature(
        &mut report,
        &parsed,
        signer,
        content,
        (&check.provider, &algorithm),
    )?;
    if !check.trust_roots.is_empty() {
        report.validation_time = Some(check.at);
        // Fetching is for signatures that verify: a forged one must not make us fetch.
        let check = if report.digest_ok && report.signature_ok {
            *check
        } else {
            PathCheck {
                fetch: None,
                ..*check
            }
        };
        report.chain = path::evaluate(signer, &parsed.embedded, &check, &mut report.problems);
        if let ChainStatus::Untrusted(why) | ChainStatus::Revoked(why) = &report.chain {
            report.problems.push(why.clone());
        }
    }
    Ok(report)
}

/// The SignerInfo's digest and signature algorithms, when supported.
fn algorithms(
    report: &mut CmsVerification,
    signer_info: &SignerInfo,
) -> Option<SignatureAlgorithm> {
    let Some(digest) = DigestAlgorithm::from_oid(&signer_info.digest_alg.oid) else {
        report
            .problems
            .push(Problem::UnsupportedDigest(signer_info.digest_alg.oid));
        return None;
    };
    report.digest_algorithm = Some(digest);
    let Ok(algorithm) =
        SignatureAlgorithm::from_identifier(&signer_info.signature_algorithm, Some(digest))
    else {
        report.problems.push(Problem::UnsupportedSignatureAlgorithm(
            signer_info.signature_algorithm.oid,
        ));
        return None;
    };
    report.signature_algorithm = algorithm.name();
    Some(algorithm)
}

/// Digest and signature: over the signed attributes (which bind the content digest, the
/// content type and the signer certificate), or without them over the content itself.
fn check_signature(
    report: &mut CmsVerification,
    parsed: &parse::Parsed<'_>,
    signer: &Certificate,
    content: &[&[u8]],
    (provider, algorithm): (&CryptoProvider, &SignatureAlgorithm),
) -> Result<()> {
    let public_key = signer.tbs_certificate().subject_public_key_info();
    let signer_info = &parsed.signer_info;
    let signature = signer_info.signature.as_bytes();
    match (&signer_info.signed_attrs, &parsed.signed_attributes) {
        (Some(attributes), Some(signed_bytes)) => {
            let content_digest = report
                .digest_algorithm
                .map(|digest| digest.digest_chunks(content))
                .unwrap_or_default();
            let signer_der = parse::original_der(parsed.cms, signer)?;
            ess::check_attributes(
                report,
                attributes,
                &parsed.signed_data,
                &content_digest,
                (signer, &signer_der),
            )?;
            report.signature_ok = verify(
                report,
                provider,
                public_key,
                algorithm,
                signed_bytes,
                signature,
            ) && report.signature_ok;
        }
        _ => {
            // Without signed attributes the signature covers the content itself (RFC 5652 §5.4).
            let message = content.concat();
            report.signature_ok =
                verify(report, provider, public_key, algorithm, &message, signature);
            report.digest_ok = report.signature_ok;
        }
    }
    Ok(())
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

fn verify(
    report: &mut CmsVerification,
    provider: &CryptoProvider,
    public_key: &spki::SubjectPublicKeyInfoOwned,
    algorithm: &SignatureAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> bool {
    match provider.verify_signature(public_key, algorithm, message, signature) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn serial_hex_drops_only_the_der_sign_byte() {
        assert_eq!(serial_hex(&[0x00, 0x80, 0x00, 0x00, 0x01]), "80000001");
        assert_eq!(serial_hex(&[0x20, 0x01]), "2001");
        assert_eq!(serial_hex(&[0x00]), "00");
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
