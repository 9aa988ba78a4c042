//! Refusals decided before anything is written: an unusable signer certificate, encryption,
//! and the lock rules of [`super::locks`].

use std::time::SystemTime;

use crate::error::{Error, Result};
use crate::pdf::{Dict, Document};
use crate::problem::Problem;

/// Refuses a signer certificate that is not valid at `time` or may not sign
/// ([`Error::UnusableCertificate`]): a verifier would reject the signature anyway.
/// Takes the certificate alone, as deferred signing has no key at hand.
pub fn check_certificate(certificate: &x509_cert::Certificate, time: SystemTime) -> Result<()> {
    let tbs = certificate.tbs_certificate();
    let validity = tbs.validity();
    let not_before = validity.not_before.to_system_time();
    let not_after = validity.not_after.to_system_time();
    let subject = || tbs.subject().to_string();
    if time < not_before {
        return Err(Error::UnusableCertificate(
            Problem::CertificateNotYetValid {
                subject: subject(),
                at: time,
                not_before,
            },
        ));
    }
    if time > not_after {
        return Err(Error::UnusableCertificate(Problem::CertificateExpired {
            subject: subject(),
            at: time,
            not_after,
        }));
    }
    match crate::cades::signer_key_usage_problem(certificate) {
        Some(problem) => Err(Error::UnusableCertificate(problem)),
        None => Ok(()),
    }
}

/// Refuses a document whose existing signatures are broken or followed by changes it does not
/// allow ([`super::SignOptions::require_intact_signatures`]): integrity only, whoever signed.
pub(crate) fn check_existing_signatures(
    pdf: &[u8],
    limits: &crate::pdf::Limits,
    access: &crate::DocumentAccess,
) -> Result<()> {
    let options = crate::VerifyOptions {
        limits: *limits,
        document_access: access.clone(),
        ..crate::VerifyOptions::default()
    };
    refuse_invalid_signatures(&crate::verify_pdf(pdf, &options)?)
}

/// [`Error::ExistingSignatureInvalid`] for the first signature of `report` that is not intact,
/// not cryptographically valid, or followed by changes the document does not allow. Trust and
/// revocation are not asked: a signer nobody here trusts is not tampering.
pub(crate) fn refuse_invalid_signatures(report: &crate::VerifyReport) -> Result<()> {
    let Some(signature) = report
        .signatures
        .iter()
        .find(|signature| !signature.is_signature_valid() || !signature.changes_permitted())
    else {
        return Ok(());
    };
    Err(Error::ExistingSignatureInvalid {
        field: signature.field_name.clone(),
        problem: Box::new(why_invalid(signature)),
    })
}

impl crate::VerifyReport {
    /// [`Error::ExistingSignatureInvalid`] for the first signature that is not intact, not
    /// cryptographically valid, or followed by changes the document does not allow: the check
    /// [`crate::SignOptions::require_intact_signatures`] makes before signing, for a report
    /// made elsewhere (by another verifier setup, say). Integrity only: trust and revocation
    /// are not asked, as a signer nobody here trusts is not tampering.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::{verify_pdf, Error, VerifyOptions};
    ///
    /// let signed = std::fs::read("testdata/pdf/signed.pdf")?;
    /// verify_pdf(&signed, &VerifyOptions::default())?.require_intact_signatures()?;
    ///
    /// // One byte changed under the signature.
    /// let mut tampered = signed.clone();
    /// let end = tampered.windows(5).position(|w| w == b"%%EOF").ok_or("no %%EOF")?;
    /// tampered[end - 1] = b' ';
    /// let report = verify_pdf(&tampered, &VerifyOptions::default())?;
    /// assert!(matches!(
    ///     report.require_intact_signatures(),
    ///     Err(Error::ExistingSignatureInvalid { .. })
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn require_intact_signatures(&self) -> Result<()> {
        refuse_invalid_signatures(self)
    }
}

/// The problem that makes `signature` invalid: what broke it, else the disallowed change.
fn why_invalid(signature: &crate::SignatureReport) -> Problem {
    let modified = |problem: &&Problem| {
        matches!(
            problem,
            Problem::ModifiedAfterSigning { .. } | Problem::SignatureHidden
        )
    };
    let broken = signature.problems.iter().find(|p| !modified(p));
    let changed = signature.problems.iter().find(modified);
    let chosen = if signature.is_signature_valid() {
        changed
    } else {
        broken.or(changed)
    };
    chosen
        .cloned()
        .unwrap_or_else(|| match &signature.modifications.reason {
            Some(reason) if !signature.changes_permitted() => Problem::ModifiedAfterSigning {
                level: signature.modifications.level,
                reason: reason.clone(),
            },
            _ if !signature.digest_ok => Problem::DigestMismatch,
            _ => Problem::SignatureInvalid,
        })
}

/// Refuses documents we must not or cannot sign.
pub fn check_signable(doc: &Document<'_>, catalog: &Dict) -> Result<()> {
    check_permissions(doc)?;
    super::locks::check_changes_permitted(doc, catalog)
}

/// An encrypted document must permit filling in (signature) form fields to whoever opened it:
/// [`Error::PermissionDenied`] otherwise. A handler that could not be opened is its error.
fn check_permissions(doc: &Document<'_>) -> Result<()> {
    match doc.security_handler()? {
        Some(handler) => handler.permissions().check_signing(),
        None => Ok(()),
    }
}
