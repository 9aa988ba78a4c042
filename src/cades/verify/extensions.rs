//! RFC 5280 §4.2 and §6.1: critical extensions the validator does not process invalidate the
//! path, and the policy extensions' effect on validity.
//!
//! Extensions treated as processed (a critical one is accepted):
//! - basicConstraints, keyUsage: checked by [`super::path`] (cA, pathLenConstraint,
//!   keyCertSign for issuers; digitalSignature or nonRepudiation for the signer).
//! - nameConstraints, subjectAltName: checked by [`super::names`] (the SAN is the set of names
//!   the constraints apply to).
//! - extKeyUsage: the TSA certificate's is checked for timeStamping by the timestamp verifier.
//!   A document signer's purposes are not restricted: PDF signing has no RFC 5280 purpose, and
//!   pyHanko's default does not restrict them either.
//! - certificatePolicies, policyMappings, policyConstraints, inhibitAnyPolicy: the validator
//!   runs §6.1 with initial-policy-set = {anyPolicy} and initial-explicit-policy,
//!   initial-policy-mapping-inhibit and initial-any-policy-inhibit all false. Then the policy
//!   tree decides nothing unless explicit_policy reaches 0, which only a requireExplicitPolicy
//!   can cause: such a path is refused ([`Problem::ExplicitPolicyRequired`]) since the tree is
//!   not built. Mapping anyPolicy is refused as §6.1.4 (a) says. So certificate policies are
//!   accepted whatever they are, which is what initial-any-policy asks for.
//! - authorityKeyIdentifier, subjectKeyIdentifier: never critical in conforming certificates;
//!   path building matches by name and signature, which is what they would help with.
//!
//! Anything else critical (CRL distribution points, authority information access, private
//! extensions...) makes the certificate unusable. The trust anchor is exempt: RFC 5280 treats
//! it as input to the algorithm, not as a certificate of the path.

use const_oid::db::rfc5280::{
    ANY_POLICY, ID_CE_AUTHORITY_KEY_IDENTIFIER, ID_CE_BASIC_CONSTRAINTS,
    ID_CE_CERTIFICATE_POLICIES, ID_CE_EXT_KEY_USAGE, ID_CE_INHIBIT_ANY_POLICY, ID_CE_KEY_USAGE,
    ID_CE_NAME_CONSTRAINTS, ID_CE_POLICY_CONSTRAINTS, ID_CE_POLICY_MAPPINGS,
    ID_CE_SUBJECT_ALT_NAME, ID_CE_SUBJECT_KEY_IDENTIFIER,
};
use der::asn1::ObjectIdentifier;
use x509_cert::Certificate;
use x509_cert::ext::pkix::{PolicyConstraints, PolicyMappings};

use super::path::{is_self_issued, unreadable};
use crate::problem::Problem;

/// The extensions whose criticality the validator honours (see the module documentation).
const PROCESSED: [ObjectIdentifier; 11] = [
    ID_CE_BASIC_CONSTRAINTS,
    ID_CE_KEY_USAGE,
    ID_CE_EXT_KEY_USAGE,
    ID_CE_NAME_CONSTRAINTS,
    ID_CE_SUBJECT_ALT_NAME,
    ID_CE_CERTIFICATE_POLICIES,
    ID_CE_POLICY_MAPPINGS,
    ID_CE_POLICY_CONSTRAINTS,
    ID_CE_INHIBIT_ANY_POLICY,
    ID_CE_AUTHORITY_KEY_IDENTIFIER,
    ID_CE_SUBJECT_KEY_IDENTIFIER,
];

/// The first critical extension of a certificate of `path` (signer first, anchor last; the
/// anchor is not checked) that the validator does not process.
pub(super) fn unprocessed_critical(path: &[&Certificate]) -> Option<Problem> {
    let below_anchor = path.get(..path.len().saturating_sub(1)).unwrap_or_default();
    below_anchor.iter().find_map(|certificate| {
        let tbs = certificate.tbs_certificate();
        tbs.extensions()
            .into_iter()
            .flatten()
            .find(|extension| extension.critical && !PROCESSED.contains(&extension.extn_id))
            .map(|extension| Problem::UnsupportedCriticalExtension {
                subject: tbs.subject().to_string(),
                oid: extension.extn_id,
            })
    })
}

/// RFC 5280 §6.1 explicit_policy through `path` (signer first, anchor last): a path that ends
/// with explicit_policy 0 needs the policy tree, which is not built, so it is refused. Also
/// §6.1.4 (a): no CA may map anyPolicy.
pub(super) fn policy_problem(path: &[&Certificate]) -> Option<Problem> {
    let below_anchor = path.get(..path.len().saturating_sub(1)).unwrap_or_default();
    let length = below_anchor.len();
    // Initial value n + 1 (initial-explicit-policy false); certificate 1 is next to the anchor.
    let mut explicit_policy = length.saturating_add(1);
    let mut required_by = None;
    for (position, certificate) in below_anchor.iter().rev().enumerate() {
        let is_last = position.saturating_add(1) == length;
        let subject = || certificate.tbs_certificate().subject().to_string();
        if !is_last && let Some(problem) = maps_any_policy(certificate) {
            return Some(problem);
        }
        // §6.1.4 (h) for CAs, §6.1.5 (a) for the last certificate.
        if is_last || !is_self_issued(certificate) {
            explicit_policy = explicit_policy.saturating_sub(1);
        }
        let constraints = match certificate
            .tbs_certificate()
            .get_extension::<PolicyConstraints>()
        {
            Ok(found) => found.map(|(_, constraints)| constraints),
            Err(e) => return Some(unreadable(subject(), "policyConstraints", e)),
        };
        let Some(skip) = constraints.and_then(|c| c.require_explicit_policy) else {
            continue;
        };
        let skip = usize::try_from(skip).unwrap_or(usize::MAX);
        // §6.1.4 (i) for CAs; §6.1.5 (b) only honours requireExplicitPolicy 0.
        if (!is_last && skip < explicit_policy) || (is_last && skip == 0) {
            explicit_policy = skip;
            required_by = Some(subject());
        }
    }
    if explicit_policy == 0 {
        return required_by.map(|subject| Problem::ExplicitPolicyRequired { subject });
    }
    None
}

fn maps_any_policy(certificate: &Certificate) -> Option<Problem> {
    let tbs = certificate.tbs_certificate();
    let subject = || tbs.subject().to_string();
    match tbs.get_extension::<PolicyMappings>() {
        Ok(Some((_, mappings))) => mappings
            .0
            .iter()
            .any(|m| m.issuer_domain_policy == ANY_POLICY || m.subject_domain_policy == ANY_POLICY)
            .then(|| Problem::AnyPolicyMapped { subject: subject() }),
        Ok(None) => None,
        Err(e) => Some(unreadable(subject(), "policyMappings", e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::DecodePem;

    fn certificate(name: &str) -> Certificate {
        let pem = std::fs::read(format!("testdata/pki/{name}.cert.pem")).unwrap();
        Certificate::from_pem(pem).unwrap()
    }

    #[test]
    fn the_anchor_is_exempt_from_the_critical_extension_check() {
        let unknown = certificate("rfc5280-unknown-critical");
        let root = certificate("root-ca");
        let demo = certificate("demo");
        assert!(matches!(
            unprocessed_critical(&[&unknown, &root]),
            Some(Problem::UnsupportedCriticalExtension { .. })
        ));
        assert_eq!(unprocessed_critical(&[&demo, &unknown]), None);
    }

    #[test]
    fn explicit_policy_counts_from_the_constraining_ca() {
        let explicit_ca = certificate("rfc5280-explicit-policy-ca");
        let leaf = certificate("rfc5280-under-explicit-policy-ca");
        let root = certificate("root-ca");
        assert!(matches!(
            policy_problem(&[&leaf, &explicit_ca, &root]),
            Some(Problem::ExplicitPolicyRequired { .. })
        ));
        // As the anchor its policyConstraints are not processed.
        assert_eq!(policy_problem(&[&leaf, &explicit_ca]), None);
    }
}
