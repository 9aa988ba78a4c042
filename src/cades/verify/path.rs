//! Certification path validation (RFC 5280 §6, the parts a signature verifier needs): a path
//! signer -> embedded intermediates -> configured trust anchor, then validity at the validation
//! time, the signer's keyUsage, each issuer's basicConstraints/pathLen/keyUsage, critical
//! extensions ([`super::extensions`]), name constraints ([`super::names`]), the policy
//! constraints' effect, and revocation by the CRLs the caller gave.

use std::time::SystemTime;

use der::Encode;
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage};

use super::{PathCheck, extensions, names};
use crate::crypto::{CryptoProvider, SignatureAlgorithm};
use crate::problem::{ChainStatus, Problem};

/// `id-ce-cRLReasons`, the CRL entry's reasonCode.
const ID_CE_CRL_REASONS: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("2.5.29.21");

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
    let path = match build(signer, embedded, check.trust_roots, &check.provider) {
        Ok(path) => path,
        Err(why) => return ChainStatus::Untrusted(why),
    };
    if let Some(problem) = path_problem(&path, at) {
        return ChainStatus::Untrusted(problem);
    }
    revocation(&path, check, problems).unwrap_or(ChainStatus::Trusted)
}

/// signer, its issuers..., and last the trust anchor; each link's signature verified.
fn build<'a>(
    signer: &'a Certificate,
    embedded: &'a [Certificate],
    roots: &'a [Certificate],
    provider: &CryptoProvider,
) -> Result<Vec<&'a Certificate>, Problem> {
    let mut path = vec![signer];
    let mut current = signer;
    for _ in 0..MAX_PATH_LEN {
        if roots.iter().any(|root| same_certificate(root, current)) {
            return Ok(path);
        }
        let Some(issuer) = find_issuer(current, embedded, roots, provider) else {
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
    // The name is formatted only for a problem: signing checks this for every document.
    let subject = || signer.tbs_certificate().subject().to_string();
    match signer.tbs_certificate().get_extension::<KeyUsage>() {
        Ok(Some((_, usage))) if usage.digital_signature() || usage.non_repudiation() => None,
        Ok(usage) => Some(Problem::KeyUsage {
            subject: subject(),
            present: usage.is_some(),
        }),
        Err(e) => Some(unreadable(subject(), "keyUsage", e)),
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
            if let Some(limit) = constraints.path_len_constraint
                && below > usize::from(limit)
            {
                return Some(Problem::PathLen {
                    subject,
                    limit,
                    below,
                });
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

/// The status of the first certificate of the path (the anchor is trusted as configured) that
/// is not known good: revoked at `at` by its issuer's CRL or OCSP answer, or, when revocation
/// data is fetched, of unknown status. `None`: every certificate is good as far as the data
/// goes.
fn revocation(
    path: &[&Certificate],
    check: &PathCheck<'_>,
    problems: &mut Vec<Problem>,
) -> Option<ChainStatus> {
    path.windows(2).find_map(|pair| {
        let [certificate, issuer] = pair else {
            return None;
        };
        match certificate_status(certificate, issuer, check, problems) {
            Status::Good => None,
            Status::Revoked(problem) => Some(ChainStatus::Revoked(problem)),
            Status::Unknown(reason) => Some(ChainStatus::Untrusted(Problem::RevocationUnknown {
                subject: certificate.tbs_certificate().subject().to_string(),
                reason,
            })),
        }
    })
}

/// What the revocation data says about one certificate of the path.
enum Status {
    Good,
    Revoked(Problem),
    Unknown(String),
}

/// The given CRLs and OCSP responses first; when they do not cover the certificate and
/// revocation data is fetched, what the fetcher answers.
fn certificate_status(
    certificate: &Certificate,
    issuer: &Certificate,
    check: &PathCheck<'_>,
    problems: &mut Vec<Problem>,
) -> Status {
    let mut covered = false;
    let issuer_name = issuer.tbs_certificate().subject();
    for crl in check
        .crls
        .iter()
        .filter(|crl| &crl.tbs_cert_list.issuer == issuer_name)
    {
        if let Some(problem) = crl_problem(crl, None, issuer, &check.provider) {
            problems.push(problem);
            continue;
        }
        // A CRL of limited scope (issuingDistributionPoint, delta CRL) still proves a
        // revocation it lists, but not that an unlisted certificate is good; nor does one
        // outdated at the validation time (a newer one may list it), so the fetcher is asked.
        covered |= unprocessed_critical_extension(crl).is_none() && !outdated(crl, check.at);
        if let Some(revoked) = revoked_entry(crl, certificate, check.at) {
            return Status::Revoked(revoked);
        }
    }
    for der in check.ocsp_responses {
        match ocsp_status(der, certificate, issuer, check) {
            Ok(Some(Status::Revoked(revoked))) => return Status::Revoked(revoked),
            Ok(Some(_)) => covered = true,
            // Another certificate's answer, or one that proves nothing.
            Ok(None) | Err(_) => {}
        }
    }
    match check.fetch {
        Some(session) if !covered => fetched_status(session, certificate, issuer, check),
        _ => Status::Good,
    }
}

/// `Ok(None)`: the response does not speak about this certificate (or not for `check.at`).
fn ocsp_status(
    der: &[u8],
    certificate: &Certificate,
    issuer: &Certificate,
    check: &PathCheck<'_>,
) -> crate::Result<Option<Status>> {
    use crate::ltv::ocsp::{VerifiedStatus, verified_status};
    let status = verified_status(der, certificate, issuer, check.at, &check.provider)?;
    Ok(status.and_then(|status| match status {
        VerifiedStatus::Good => Some(Status::Good),
        VerifiedStatus::Revoked { at, reason } if at <= check.at => {
            Some(Status::Revoked(revoked_problem(certificate, at, reason)))
        }
        // Revoked after the validation time: good then.
        VerifiedStatus::Revoked { .. } => Some(Status::Good),
        VerifiedStatus::Unknown => None,
    }))
}

fn fetched_status(
    session: &crate::verify::revocation::FetchSession<'_>,
    certificate: &Certificate,
    issuer: &Certificate,
    check: &PathCheck<'_>,
) -> Status {
    use crate::verify::FetchedRevocation;
    match session.fetch(certificate, issuer) {
        Err(reason) => Status::Unknown(reason),
        Ok(FetchedRevocation::Ocsp(der)) => match ocsp_status(&der, certificate, issuer, check) {
            Ok(Some(status)) => status,
            Ok(None) => Status::Unknown(
                "the OCSP responder does not know the certificate, or its answer is outdated"
                    .into(),
            ),
            Err(e) => Status::Unknown(crate::error::with_causes(&e)),
        },
        Ok(FetchedRevocation::Crl(der)) => {
            let Some((crl, tbs)) = decode_crl(&der) else {
                return Status::Unknown("the CRL distribution point answered no CRL".into());
            };
            if &crl.tbs_cert_list.issuer != issuer.tbs_certificate().subject() {
                return Status::Unknown("the fetched CRL is not the issuer's".into());
            }
            if let Some(problem) = crl_problem(&crl, Some(&tbs), issuer, &check.provider) {
                return Status::Unknown(problem.to_string());
            }
            if let Some(oid) = unprocessed_critical_extension(&crl) {
                if let Some(revoked) = revoked_entry(&crl, certificate, check.at) {
                    return Status::Revoked(revoked);
                }
                return Status::Unknown(format!(
                    "the fetched CRL has a critical extension ({oid}) that limits its scope or \
                     makes it a delta CRL: it does not show the certificate is not revoked"
                ));
            }
            // An outdated CRL proves nothing about the validation time: one fetched over plain
            // HTTP may be an old answer replayed from before the certificate was revoked.
            if outdated(&crl, check.at) {
                return Status::Unknown(
                    "the fetched CRL is outdated (its nextUpdate, or its thisUpdate when it has \
                     none, is before the validation time)"
                        .into(),
                );
            }
            match revoked_entry(&crl, certificate, check.at) {
                Some(revoked) => Status::Revoked(revoked),
                None => Status::Good,
            }
        }
    }
}

/// Whether `crl` is not current at `at` (nextUpdate passed, or none and made well before `at`):
/// then it says nothing about `at`.
fn outdated(crl: &CertificateList, at: std::time::SystemTime) -> bool {
    let list = &crl.tbs_cert_list;
    !crate::ltv::ocsp::current_at(
        list.this_update.to_system_time(),
        list.next_update.map(|next| next.to_system_time()),
        at,
    )
}

/// A DER CRL and its signed tbsCertList bytes. A version 1 CRL (no version field, which the
/// decoder requires) is read as version 2; its signature is still checked over the bytes as
/// signed.
pub(crate) fn decode_crl(der: &[u8]) -> Option<(CertificateList, Vec<u8>)> {
    use der::asn1::AnyRef;
    use der::{Decode, Reader, SliceReader, Tagged};
    let outer = AnyRef::from_der(der).ok()?;
    let mut reader = SliceReader::new(outer.value()).ok()?;
    let tbs = AnyRef::decode(&mut reader).ok()?;
    let algorithm = AnyRef::decode(&mut reader).ok()?;
    let signature = AnyRef::decode(&mut reader).ok()?;
    if !reader.is_finished() {
        return None;
    }
    let tbs_der = tbs.to_der().ok()?;
    let tbs_cert_list = match x509_cert::crl::TbsCertList::from_der(&tbs_der) {
        Ok(tbs) => tbs,
        // A version field is an INTEGER (tag 0x02); a v1 CRL starts with the AlgorithmIdentifier.
        Err(_) if tbs.value().first() != Some(&0x02) => {
            let mut with_version = vec![0x02, 0x01, 0x01];
            with_version.extend_from_slice(tbs.value());
            let as_v2 = AnyRef::new(tbs.tag(), &with_version).ok()?.to_der().ok()?;
            x509_cert::crl::TbsCertList::from_der(&as_v2).ok()?
        }
        Err(_) => return None,
    };
    let crl = CertificateList {
        tbs_cert_list,
        signature_algorithm: spki::AlgorithmIdentifierOwned::from_der(&algorithm.to_der().ok()?)
            .ok()?,
        signature: der::asn1::BitString::from_der(&signature.to_der().ok()?).ok()?,
    };
    Some((crl, tbs_der))
}

fn revoked_problem(certificate: &Certificate, at: SystemTime, reason: Option<u8>) -> Problem {
    let tbs = certificate.tbs_certificate();
    Problem::Revoked {
        subject: tbs.subject().to_string(),
        serial_hex: super::serial_hex(tbs.serial_number().as_bytes()),
        revoked_at: at,
        reason,
    }
}

/// Why a CRL naming `issuer` cannot be used, if it cannot; `tbs`: the bytes it signed, when
/// known (else its tbsCertList re-encoded).
fn crl_problem(
    crl: &CertificateList,
    tbs: Option<&[u8]>,
    issuer: &Certificate,
    provider: &CryptoProvider,
) -> Option<Problem> {
    let subject = issuer.tbs_certificate().subject().to_string();
    if let Ok(Some((_, usage))) = issuer.tbs_certificate().get_extension::<KeyUsage>()
        && !usage.crl_sign()
    {
        return Some(Problem::CrlIssuerWithoutCrlSign { issuer: subject });
    }
    let tbs = match tbs {
        Some(tbs) => Some(tbs.to_vec()),
        None => crl.tbs_cert_list.to_der().ok(),
    };
    let verified = SignatureAlgorithm::from_identifier(&crl.signature_algorithm, None)
        .ok()
        .zip(tbs)
        .zip(crl.signature.as_bytes())
        .is_some_and(|((algorithm, tbs), signature)| {
            matches!(
                provider.verify_signature(
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

/// A critical CRL extension (issuingDistributionPoint, deltaCRLIndicator...) the validator does
/// not process (RFC 5280 §5.2: such a CRL must not be used to decide a status), by OID. A
/// network attacker could otherwise answer a certificate's distribution point with the same CA's
/// CRL for other certificates (its authority revocation list, say), validly signed and current.
fn unprocessed_critical_extension(crl: &CertificateList) -> Option<String> {
    crl.tbs_cert_list
        .crl_extensions
        .iter()
        .flatten()
        .find(|extension| extension.critical)
        .map(|extension| extension.extn_id.to_string())
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
        .map(|entry| {
            revoked_problem(
                certificate,
                entry.revocation_date.to_system_time(),
                entry_reason(entry),
            )
        })
}

/// The reasonCode entry extension (RFC 5280 §5.3.1), when the entry states one.
fn entry_reason(entry: &x509_cert::crl::RevokedCert) -> Option<u8> {
    use der::{Decode, Tagged};
    entry
        .crl_entry_extensions
        .iter()
        .flatten()
        .find(|extension| extension.extn_id == ID_CE_CRL_REASONS)
        .and_then(|extension| der::asn1::AnyRef::from_der(extension.extn_value.as_bytes()).ok())
        .filter(|reason| reason.tag() == der::Tag::Enumerated)
        .and_then(|reason| match reason.value() {
            [code] => Some(*code),
            _ => None,
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
    provider: &CryptoProvider,
) -> Option<&'a Certificate> {
    let tbs = certificate.tbs_certificate();
    roots
        .iter()
        .chain(embedded.iter())
        .filter(|candidate| {
            candidate.tbs_certificate().subject() == tbs.issuer() && *candidate != certificate
        })
        .find(|candidate| issued_by(certificate, candidate, provider))
}

pub(crate) fn issued_by(
    certificate: &Certificate,
    issuer: &Certificate,
    provider: &CryptoProvider,
) -> bool {
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
        provider.verify_signature(public_key, &algorithm, &tbs, signature),
        Ok(true)
    )
}
