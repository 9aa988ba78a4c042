//! Red team 3: revocation evidence that says nothing about the validation time still counts as
//! "covering" a certificate (so the fetcher is never asked) or as "good" when fetched. Each test
//! signs with tsa-revoked (serial 5004, revoked 2026-12-01 by Demo LTV CA, listed in
//! testdata/pki/tsa-ca.crl) and must end not Trusted. The evidence files come from
//! testdata/tools/redteam3_make_crls.py. These tests FAIL while the bug exists.
//!
//! Fixed the same day (they pass since): evidence without a nextUpdate speaks only for its
//! thisUpdate, give or take 5 minutes (`ltv::ocsp::current_at`).

mod common;

use countersign::crypto::LoadOptions;
use countersign::crypto::credential::{load_pem, trust_roots_from_pem};
use countersign::{ChainStatus, SignOptions, VerifyOptions, sign_pdf, verify_pdf};
use der::Decode;

fn revoked_seal() -> Vec<u8> {
    let chain = std::fs::read(common::pki_path("tsa-revoked.chain.pem")).unwrap();
    let key = std::fs::read(common::pki_path("tsa-revoked.key.pem")).unwrap();
    let key = load_pem(&chain, &key, &LoadOptions::default()).unwrap();
    let mut sign = SignOptions::default();
    sign.allow_invalid_certificate = true;
    sign_pdf(&common::read_pdf("classic.pdf"), &key, &sign).unwrap()
}

/// (chain status, fetches made) of the revoked seal with the given offline evidence and served CRL.
fn status(crls: &[&str], ocsp: &[&str], served: &'static str) -> (ChainStatus, usize) {
    let root = std::fs::read(common::root_ca_pem()).unwrap();
    let mut options = VerifyOptions::trusting(trust_roots_from_pem(&root).unwrap());
    options.crls = crls
        .iter()
        .map(|name| {
            let der = std::fs::read(common::pki_path(name)).unwrap();
            x509_cert::crl::CertificateList::from_der(&der).unwrap()
        })
        .collect();
    options.ocsp_responses = ocsp
        .iter()
        .map(|name| std::fs::read(common::pki_path(name)).unwrap())
        .collect();
    let fetcher = common::revocation::ServingCrl::new(served);
    options.revocation_fetcher = Some(fetcher.clone());
    let chain = verify_pdf(&revoked_seal(), &options).unwrap().signatures[0]
        .chain
        .clone();
    (chain, fetcher.fetches())
}

/// Control: the current CRL, fetched, shows the seal revoked.
#[test]
fn control_current_crl_fetched_shows_revoked() {
    let (chain, _) = status(&[], &[], "tsa-ca.crl");
    assert!(matches!(chain, ChainStatus::Revoked(_)), "{chain:?}");
}

/// An offline CRL without nextUpdate, issued 2025-06-01 (before the revocation), counts as
/// covering the seal forever: the fetcher (which would serve the CRL listing it) is not asked
/// and the revoked seal is reported Trusted. Cause: `outdated()` (src/cades/verify/path.rs)
/// is `false` when nextUpdate is absent.
#[test]
fn an_offline_crl_without_next_update_does_not_cover_a_certificate() {
    let (chain, fetches) = status(&["tsa-ca-nonext.crl"], &[], "tsa-ca.crl");
    assert!(
        matches!(chain, ChainStatus::Revoked(_)),
        "{chain:?} after {fetches} fetches"
    );
}

/// A fetched CRL without nextUpdate from before the revocation (an old answer replayed over
/// plain HTTP, as in verify_redteam's outdated case) makes the revoked seal good.
#[test]
fn a_fetched_crl_without_next_update_does_not_make_a_certificate_good() {
    let (chain, _) = status(&[], &[], "tsa-ca-nonext.crl");
    assert_ne!(chain, ChainStatus::Trusted);
}

/// An offline OCSP "good" answer of 2025-06-01 without nextUpdate (RFC 6960: newer data is
/// always available, so it says nothing after thisUpdate), next to an outdated offline CRL:
/// the OCSP answer covers the seal, nothing is fetched, the revoked seal is Trusted. Cause:
/// `verified_status` (src/ltv/ocsp.rs) only drops a good answer whose nextUpdate passed.
#[test]
fn an_old_ocsp_answer_without_next_update_does_not_cover_a_certificate() {
    let (chain, fetches) = status(
        &["tsa-ca-stale.crl"],
        &["tsa-revoked-nonext.ocsp"],
        "tsa-ca.crl",
    );
    assert!(
        matches!(chain, ChainStatus::Revoked(_)),
        "{chain:?} after {fetches} fetches"
    );
}
