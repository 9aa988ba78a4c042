//! RFC 5280 §6.1 in the path validator (issue 21): critical extensions it does not process
//! invalidate a path, and name constraints (directoryName, rfc822Name incl. emailAddress in
//! the subject, dNSName, iPAddress) bind every certificate below the CA that sets them.
//! Policy extensions are accepted unless they require an explicit policy. Each chain's
//! verdict is checked against `openssl verify -policy_check` and, on a signed PDF, pyHanko.
//! Certificates: `testdata/generate.sh rfc5280` (testdata/pki/rfc5280-*).

mod common;

use countersign::crypto::LoadOptions;
use countersign::crypto::credential::{load_pem, trust_roots_from_pem};
use countersign::{CertifiedKey, SignOptions, VerifyOptions, sign_pdf, verify_pdf};
use countersign::{ChainStatus, Problem, SignatureReport};

fn key(name: &str) -> CertifiedKey {
    let chain = std::fs::read(common::pki_path(&format!("{name}.chain.pem"))).unwrap();
    let key = std::fs::read(common::pki_path(&format!("{name}.key.pem"))).unwrap();
    load_pem(&chain, &key, &LoadOptions::default()).unwrap()
}

fn root_options() -> VerifyOptions {
    let root = std::fs::read(common::root_ca_pem()).unwrap();
    VerifyOptions::trusting(trust_roots_from_pem(&root).unwrap())
}

/// classic.pdf signed by `name`, whatever its certificate says.
fn signed_by(name: &str) -> Vec<u8> {
    let mut options = SignOptions::default();
    options.allow_invalid_certificate = true;
    sign_pdf(&common::read_pdf("classic.pdf"), &key(name), &options).unwrap()
}

/// Our verdict on `name`'s signature: intact and mathematically valid in every case here.
fn our_verdict(name: &str, pdf: &[u8]) -> SignatureReport {
    let report = verify_pdf(pdf, &root_options()).unwrap();
    assert_eq!(report.signatures.len(), 1, "{report:#?}");
    let signature = report.signatures[0].clone();
    assert!(signature.is_intact(), "{name}: {signature:#?}");
    assert!(signature.is_signature_valid(), "{name}: {signature:#?}");
    signature
}

/// `openssl verify` on the certificate chain alone; `None` when openssl is not installed
/// (outside CI).
fn openssl_trusts(name: &str) -> Option<bool> {
    let verdict = common::openssl_verify_chain(
        &common::root_ca_pem(),
        &common::pki_path(&format!("{name}.chain.pem")),
        &common::pki_path(&format!("{name}.cert.pem")),
    );
    println!("openssl verify {name}: {verdict:?}");
    (!verdict.is_skipped()).then(|| verdict.is_ok())
}

/// pyHanko on the signed PDF, trusting only the demo root; `None` when not installed.
fn pyhanko_trusts(pdf: &[u8]) -> Option<bool> {
    let dir = common::TempDir::new("verify-rfc5280");
    let path = dir.write("signed.pdf", pdf);
    let report = common::pyhanko_validate(&path, &common::root_ca_pem());
    if report.skipped {
        return None;
    }
    assert_eq!(report.signatures.len(), 1, "{report:?}");
    let signature = &report.signatures[0];
    assert!(signature.intact, "pyHanko: {signature:?}");
    Some(signature.intact_valid_trusted())
}

/// Signs with `name`, checks our chain status with `expected` (`None`: trusted) and that
/// openssl and pyHanko agree on trusted or not.
fn check(name: &str, expected: Option<fn(&Problem) -> bool>) {
    let pdf = signed_by(name);
    let signature = our_verdict(name, &pdf);
    let trusted = match (&signature.chain, expected) {
        (ChainStatus::Trusted, None) => true,
        (ChainStatus::Untrusted(problem), Some(why)) => {
            assert!(why(problem), "{name}: unexpected reason {problem:?}");
            println!("{name}: {problem}");
            false
        }
        (other, _) => panic!("{name}: unexpected chain status {other:?}"),
    };
    if let Some(openssl) = openssl_trusts(name) {
        assert_eq!(openssl, trusted, "{name}: openssl verify disagrees with us");
    }
    // pyHanko's certvalidator raises NotImplementedError on iPAddress name constraints.
    if name.starts_with("rfc5280-ip-") {
        println!("{name}: pyHanko cannot judge iPAddress constraints, not asked");
        return;
    }
    if let Some(pyhanko) = pyhanko_trusts(&pdf) {
        assert_eq!(pyhanko, trusted, "{name}: pyHanko disagrees with us");
    }
}

const UNKNOWN_OID: &str = "1.3.6.1.4.1.55555.5280";

fn unknown_critical_in(cn: &'static str) -> impl Fn(&Problem) -> bool {
    move |p| {
        matches!(p, Problem::UnsupportedCriticalExtension { subject, oid }
            if subject.contains(cn) && oid.to_string() == UNKNOWN_OID)
    }
}

#[test]
fn an_unknown_critical_extension_on_the_signer_invalidates_the_path() {
    let pdf = signed_by("rfc5280-unknown-critical");
    let signature = our_verdict("rfc5280-unknown-critical", &pdf);
    let why = unknown_critical_in("CN=RFC5280 Unknown Critical Signer");
    assert!(
        matches!(&signature.chain, ChainStatus::Untrusted(p) if why(p)),
        "{:?}",
        signature.chain
    );
    assert!(signature.problems.iter().any(why));
    check(
        "rfc5280-unknown-critical",
        Some(|p| matches!(p, Problem::UnsupportedCriticalExtension { .. })),
    );
}

#[test]
fn the_same_extension_not_critical_is_accepted() {
    check("rfc5280-unknown-plain", None);
}

#[test]
fn an_unknown_critical_extension_on_an_intermediate_invalidates_the_path() {
    let pdf = signed_by("rfc5280-under-unknown-ca");
    let signature = our_verdict("rfc5280-under-unknown-ca", &pdf);
    let why = unknown_critical_in("CN=RFC5280 Unknown Critical CA");
    assert!(matches!(&signature.chain, ChainStatus::Untrusted(p) if why(p)));
    check(
        "rfc5280-under-unknown-ca",
        Some(|p| matches!(p, Problem::UnsupportedCriticalExtension { .. })),
    );
}

#[test]
fn a_signer_inside_every_permitted_subtree_is_trusted() {
    // DN under C=CN/ST/L/O=Demo Organisation, emailAddress and rfc822Name at example.com,
    // dNSName under example.com.
    check("rfc5280-nc-ok", None);
}

/// A name of `form` (whose text contains `value`) violates the name-constrained CA's
/// constraints; `excluded` tells an excluded subtree from leaving the permitted ones.
fn violates(form: &'static str, value: &'static str, excluded: bool) -> impl Fn(&Problem) -> bool {
    move |p| {
        matches!(p, Problem::NameConstraintViolated { name, constrained_by, excluded: e, .. }
            if name.starts_with(form) && name.contains(value) && *e == excluded
                && constrained_by.contains("CN=RFC5280 Name Constrained CA"))
    }
}

fn check_violation(leaf: &str, why: impl Fn(&Problem) -> bool) {
    let pdf = signed_by(leaf);
    let signature = our_verdict(leaf, &pdf);
    match &signature.chain {
        ChainStatus::Untrusted(problem) => assert!(why(problem), "{leaf}: {problem:?}"),
        other => panic!("{leaf}: expected a name constraint violation, got {other:?}"),
    }
    check(
        leaf,
        Some(|p| matches!(p, Problem::NameConstraintViolated { .. })),
    );
}

#[test]
fn a_subject_dn_outside_the_permitted_subtree_is_refused() {
    check_violation(
        "rfc5280-nc-foreign-dn",
        violates("directoryName", "O=Other Organisation", false),
    );
}

#[test]
fn an_email_address_in_the_subject_dn_is_constrained_like_an_rfc822_name() {
    check_violation(
        "rfc5280-nc-email-in-dn",
        violates("rfc822Name", "seal@other.test", false),
    );
}

#[test]
fn email_names_outside_or_excluded_are_refused() {
    check_violation(
        "rfc5280-nc-foreign-email",
        violates("rfc822Name", "seal@other.test", false),
    );
    check_violation(
        "rfc5280-nc-excluded-email",
        violates("rfc822Name", "blocked@example.com", true),
    );
}

#[test]
fn dns_names_outside_or_excluded_are_refused() {
    check_violation(
        "rfc5280-nc-foreign-dns",
        violates("dNSName", "seal.other.test", false),
    );
    check_violation(
        "rfc5280-nc-excluded-dns",
        violates("dNSName", "bad.example.com", true),
    );
}

#[test]
fn ip_addresses_are_constrained_by_range() {
    check("rfc5280-ip-ok", None);
    check_violation("rfc5280-ip-foreign", |p| {
        matches!(p, Problem::NameConstraintViolated { name, constrained_by, excluded: false, .. }
            if name == "iPAddress 192.168.1.1" && constrained_by.contains("CN=RFC5280 IP Constrained CA"))
    });
}

#[test]
fn name_constraints_bind_intermediates_too() {
    check_violation("rfc5280-nc-under-foreign-sub", |p| {
        violates("directoryName", "CN=RFC5280 Foreign Sub CA", false)(p)
            && matches!(p, Problem::NameConstraintViolated { subject, .. }
                    if subject.contains("CN=RFC5280 Foreign Sub CA"))
    });
}

#[test]
fn a_constraint_on_an_unsupported_name_form_refuses_names_of_that_form() {
    // permitted URI .example.com; the signer has URI http://other.test/. openssl refuses it as
    // a violation, we because URI constraints are not implemented: the verdict is the same.
    let leaf = "rfc5280-uri-foreign";
    let signature = our_verdict(leaf, &signed_by(leaf));
    assert!(
        matches!(&signature.chain, ChainStatus::Untrusted(Problem::UnsupportedNameConstraint { form, constrained_by, .. })
            if form == "uniformResourceIdentifier" && constrained_by.contains("CN=RFC5280 URI Constrained CA")),
        "{:?}",
        signature.chain
    );
    check(
        leaf,
        Some(|p| matches!(p, Problem::UnsupportedNameConstraint { .. })),
    );
}

#[test]
fn a_constraint_on_an_unsupported_name_form_leaves_other_names_alone() {
    check("rfc5280-uri-none", None);
}

#[test]
fn critical_policy_extensions_that_require_no_policy_are_accepted() {
    // certificatePolicies, inhibitAnyPolicy and policyConstraints (inhibitPolicyMapping), all
    // critical: with initial-any-policy they cannot make the path invalid.
    check("rfc5280-under-policy-ca", None);
}

#[test]
fn a_required_explicit_policy_is_refused() {
    // requireExplicitPolicy 0 and no policy anywhere: RFC 5280 §6.1 fails the path (openssl
    // with -policy_check agrees); the validator refuses every path that needs the policy tree.
    let leaf = "rfc5280-under-explicit-policy-ca";
    let signature = our_verdict(leaf, &signed_by(leaf));
    assert!(
        matches!(&signature.chain, ChainStatus::Untrusted(Problem::ExplicitPolicyRequired { subject })
            if subject.contains("CN=RFC5280 Explicit Policy CA")),
        "{:?}",
        signature.chain
    );
    check(
        leaf,
        Some(|p| matches!(p, Problem::ExplicitPolicyRequired { .. })),
    );
}
