//! Certification path validation (RFC 5280 §6, the parts a signature verifier needs): a path
//! signer -> embedded intermediates -> configured trust anchor, then validity at the validation
//! time, the signer's keyUsage, each issuer's basicConstraints/pathLen/keyUsage, critical
//! extensions ([`super::extensions`]), name constraints ([`super::names`]), the policy
//! constraints' effect, and revocation by the CRLs the caller gave.

use std::time::SystemTime;

use der::Encode;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage};
use x509_cert::Certificate;

use super::{extensions, names, PathCheck};
use crate::crypto::{Backend, SignatureAlgorithm};
use crate::problem::{ChainStatus, Problem};

/// Certification paths longer than this are refused (and cycles cannot loop forever).
const MAX_PATH_LEN: usize = 16;

/// The chain status of `signer` at `check.at`. Problems that do not decide the status (a CRL that does
/// not verify, say) are added to `problems`.
pub(super) fn evaluate(
    signer: &Certificate,
    embedded: &[Certificate],
    check: &PathCheck<'_>,
    problems: &mut Vec<Problem>,
) -> ChainStatus {
    let at = check.at;
    let path = match build(signer, embedded, check.trust_roots, check.backend) {
        Ok(path) => path,
        Err(why) => return ChainStatus::Untrusted(why),
    };
    if let Some(problem) = path_problem(&path, at) {
        return ChainStatus::Untrusted(problem);
    }
    match revocation(&path, check, problems) {
        Some(revoked) => ChainStatus::Revoked(revoked),
        None => ChainStatus::Trusted,
    }
}

/// signer, its issuers..., and last the trust anchor; each link's signature verified.
fn build<'a>(
    signer: &'a Certificate,
    embedded: &'a [Certificate],
    roots: &'a [Certificate],
    backend: Backend,
) -> Result<Vec<&'a Certificate>, Problem> {
    let mut path = vec![signer];
    let mut current = signer;
    for _ in 0..MAX_PATH_LEN {
        if roots.iter().any(|root| same_certificate(root, current)) {
            return Ok(path);
        }
        let Some(issuer) = find_issuer(current, embedded, roots, backend) else {
            let tbs = current.tbs_certificate();
            let subject = tbs.subject().to_string();
            return Err(if tbs.subject() == tbs.issuer() {
                Problem::SelfSignedNotTrusted { subject }
            } else {
                Problem::NoIssuer { subject }
            });
        };
        if path.contains(&issuer) {
            return Err(Problem::PathLoop {
                subject: issuer.tbs_certificate().subject().to_string(),
            });
        }
        path.push(issuer);
        current = issuer;
    }
    Err(Problem::PathTooLong { max: MAX_PATH_LEN })
}

/// The first certificate check the path fails.
fn path_problem(path: &[&Certificate], at: SystemTime) -> Option<Problem> {
    if let Some(problem) = path.iter().find_map(|c| validity_problem(c, at)) {
        return Some(problem);
    }
    let signer = path.first()?;
    if let Some(problem) = signer_key_usage_problem(signer) {
        return Some(problem);
    }
    if let Some(problem) = issuers_problem(path) {
        return Some(problem);
    }
    extensions::unprocessed_critical(path)
        .or_else(|| names::name_constraint_problem(path))
        .or_else(|| extensions::policy_problem(path))
}

/// basicConstraints, pathLenConstraint and keyCertSign of every issuer in the path.
fn issuers_problem(path: &[&Certificate]) -> Option<Problem> {
    let anchor_index = path.len().saturating_sub(1);
    path.iter().enumerate().skip(1).find_map(|(index, issuer)| {
        // CA certificates between this issuer and the signer; self-issued ones do not count
        // (RFC 5280 6.1.4 (l)).
        let below = path
            .get(1..index)
            .unwrap_or_default()
            .iter()
            .filter(|c| !is_self_issued(c))
            .count();
        issuer_problem(issuer, index == anchor_index, below)
    })
}

fn validity_problem(certificate: &Certificate, at: SystemTime) -> Option<Problem> {
    let tbs = certificate.tbs_certificate();
    let validity = tbs.validity();
    let not_before = validity.not_before.to_system_time();
    let not_after = validity.not_after.to_system_time();
    let subject = || tbs.subject().to_string();
    if at < not_before {
        Some(Problem::CertificateNotYetValid {
            subject: subject(),
            at,
            not_before,
        })
    } else if at > not_after {
        Some(Problem::CertificateExpired {
            subject: subject(),
            at,
            not_after,
        })
    } else {
        None
    }
}

/// The signer must be allowed to sign: keyUsage digitalSignature or nonRepudiation (an absent
/// extension allows neither, as pyHanko also judges).
pub(crate) fn signer_key_usage_problem(signer: &Certificate) -> Option<Problem> {
    let subject = signer.tbs_certificate().subject().to_string();
    match signer.tbs_certificate().get_extension::<KeyUsage>() {
        Ok(Some((_, usage))) if usage.digital_signature() || usage.non_repudiation() => None,
        Ok(usage) => Some(Problem::KeyUsage {
            subject,
            present: usage.is_some(),
        }),
        Err(e) => Some(unreadable(subject, "keyUsage", e)),
    }
}

pub(super) fn unreadable(subject: String, extension: &'static str, error: der::Error) -> Problem {
    Problem::UnreadableExtension {
        subject,
        extension,
        error: error.to_string(),
    }
}

/// An issuer must be a CA (basicConstraints cA, not needed for a configured anchor: X.509 v1
/// roots have none), allow `below` CAs under it (pathLenConstraint) and, when it states a
/// keyUsage, keyCertSign.
fn issuer_problem(issuer: &Certificate, is_anchor: bool, below: usize) -> Option<Problem> {
    let tbs = issuer.tbs_certificate();
    let subject = tbs.subject().to_string();
    match tbs.get_extension::<BasicConstraints>() {
        Ok(Some((_, constraints))) if !constraints.ca => {
            return Some(Problem::NotCa { subject });
        }
        Ok(Some((_, constraints))) => {
            if let Some(limit) = constraints.path_len_constraint {
                if below > usize::from(limit) {
                    return Some(Problem::PathLen {
                        subject,
                        limit,
                        below,
                    });
                }
            }
        }
        Ok(None) if is_anchor => {}
        Ok(None) => return Some(Problem::NoBasicConstraints { subject }),
        Err(e) => return Some(unreadable(subject, "basicConstraints", e)),
    }
    match tbs.get_extension::<KeyUsage>() {
        Ok(Some((_, usage))) if !usage.key_cert_sign() => Some(Problem::NoKeyCertSign { subject }),
        Ok(_) => None,
        Err(e) => Some(unreadable(subject, "keyUsage", e)),
    }
}

pub(super) fn is_self_issued(certificate: &Certificate) -> bool {
    let tbs = certificate.tbs_certificate();
    tbs.subject() == tbs.issuer()
}

/// `Some(Problem::Revoked)` when a CRL from the certificate's issuer, verified with the issuer's key, lists a
/// certificate of the path as revoked at `at`. The anchor is trusted as configured.
fn revocation(
    path: &[&Certificate],
    check: &PathCheck<'_>,
    problems: &mut Vec<Problem>,
) -> Option<Problem> {
    path.windows(2).find_map(|pair| {
        let [certificate, issuer] = pair else {
            return None;
        };
        let issuer_name = issuer.tbs_certificate().subject();
        check
            .crls
            .iter()
            .filter(|crl| &crl.tbs_cert_list.issuer == issuer_name)
            .filter(|crl| match crl_problem(crl, issuer, check.backend) {
                Some(problem) => {
                    problems.push(problem);
                    false
                }
                None => true,
            })
            .find_map(|crl| revoked_entry(crl, certificate, check.at))
    })
}

/// Why a CRL naming `issuer` cannot be used, if it cannot.
fn crl_problem(crl: &CertificateList, issuer: &Certificate, backend: Backend) -> Option<Problem> {
    let subject = issuer.tbs_certificate().subject().to_string();
    if let Ok(Some((_, usage))) = issuer.tbs_certificate().get_extension::<KeyUsage>() {
        if !usage.crl_sign() {
            return Some(Problem::CrlIssuerWithoutCrlSign { issuer: subject });
        }
    }
    let verified = SignatureAlgorithm::from_identifier(&crl.signature_algorithm, None)
        .ok()
        .zip(crl.tbs_cert_list.to_der().ok())
        .zip(crl.signature.as_bytes())
        .is_some_and(|((algorithm, tbs), signature)| {
            matches!(
                backend.verify_signature(
                    issuer.tbs_certificate().subject_public_key_info(),
                    &algorithm,
                    &tbs,
                    signature
                ),
                Ok(true)
            )
        });
    (!verified).then_some(Problem::CrlUnverified { issuer: subject })
}

fn revoked_entry(
    crl: &CertificateList,
    certificate: &Certificate,
    at: SystemTime,
) -> Option<Problem> {
    let tbs = certificate.tbs_certificate();
    crl.tbs_cert_list
        .revoked_certificates
        .iter()
        .flatten()
        .find(|entry| {
            &entry.serial_number == tbs.serial_number()
                && entry.revocation_date.to_system_time() <= at
        })
        .map(|entry| Problem::Revoked {
            subject: tbs.subject().to_string(),
            serial_hex: super::serial_hex(tbs.serial_number().as_bytes()),
            revoked_at: entry.revocation_date.to_system_time(),
        })
}

/// Same DER, or the same subject and key (a re-issued anchor).
fn same_certificate(a: &Certificate, b: &Certificate) -> bool {
    a == b
        || (a.tbs_certificate().subject() == b.tbs_certificate().subject()
            && a.tbs_certificate().subject_public_key_info()
                == b.tbs_certificate().subject_public_key_info())
}

/// The certificate whose key verifies `certificate`'s signature, trust anchors first.
fn find_issuer<'a>(
    certificate: &Certificate,
    embedded: &'a [Certificate],
    roots: &'a [Certificate],
    backend: Backend,
) -> Option<&'a Certificate> {
    let tbs = certificate.tbs_certificate();
    roots
        .iter()
        .chain(embedded.iter())
        .filter(|candidate| {
            candidate.tbs_certificate().subject() == tbs.issuer() && *candidate != certificate
        })
        .find(|candidate| issued_by(certificate, candidate, backend))
}

fn issued_by(certificate: &Certificate, issuer: &Certificate, backend: Backend) -> bool {
    let Ok(algorithm) =
        SignatureAlgorithm::from_identifier(certificate.signature_algorithm(), None)
    else {
        return false;
    };
    let (Ok(tbs), Some(signature)) = (
        certificate.tbs_certificate().to_der(),
        certificate.signature().as_bytes(),
    ) else {
        return false;
    };
    let public_key = issuer.tbs_certificate().subject_public_key_info();
    matches!(
        backend.verify_signature(public_key, &algorithm, &tbs, signature),
        Ok(true)
    )
}
