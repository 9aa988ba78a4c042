//! Verification must not say "valid" for what nobody trusts (issue 9): each attack is a signature
//! that is intact and mathematically correct, made with a certificate no verifier may accept.
//! Our verdict is checked against pyHanko's on the same file where pyHanko can judge it.
//! Certificates: `testdata/generate.sh trust` (testdata/pki/trust-*).

#[path = "../../../tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use countersign::crypto::LoadOptions;
use countersign::crypto::credential::{crls_from_pem_or_der, load_pem, trust_roots_from_pem};
use countersign::{
    CertifiedKey, Error, SignOptions, SubFilter, VerifyOptions, sign_pdf, verify_pdf,
};
use countersign::{ChainStatus, Problem, SignatureReport, VerifyReport};

/// 2026-01-01: inside the demo PKI's validity, after trust-expired's.
const IN_DEMO_VALIDITY: u64 = 1_767_225_600;
/// 2025-03-01: inside trust-expired's validity (first half of 2025), the backdated claim.
const BACKDATED: u64 = 1_740_787_200;

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

fn key(name: &str) -> CertifiedKey {
    let chain = std::fs::read(common::pki_path(&format!("{name}.chain.pem"))).unwrap();
    let key = std::fs::read(common::pki_path(&format!("{name}.key.pem"))).unwrap();
    load_pem(&chain, &key, &LoadOptions::default()).unwrap()
}

fn root_options() -> VerifyOptions {
    let root = std::fs::read(common::root_ca_pem()).unwrap();
    VerifyOptions::trusting(trust_roots_from_pem(&root).unwrap())
}

fn crl(name: &str) -> PathBuf {
    common::pki_path(name)
}

fn with_crl(name: &str) -> VerifyOptions {
    {
        let mut verify_options = root_options();
        verify_options.crls = crls_from_pem_or_der(&std::fs::read(crl(name)).unwrap()).unwrap();
        verify_options
    }
}

/// classic.pdf signed by `name`, whatever its certificate says.
fn signed_by(name: &str, options: SignOptions) -> Vec<u8> {
    let options = {
        let mut sign_options = options;
        sign_options.allow_invalid_certificate = true;
        sign_options
    };
    sign_pdf(&common::read_pdf("classic.pdf"), &key(name), &options).unwrap()
}

fn only(report: &VerifyReport) -> &SignatureReport {
    assert_eq!(report.signatures.len(), 1, "{report:#?}");
    &report.signatures[0]
}

/// Intact and mathematically valid, yet not trusted for the reason `why` accepts.
fn assert_untrusted_because(report: &VerifyReport, why: fn(&Problem) -> bool) {
    let signature = only(report);
    assert!(signature.is_intact(), "{signature:#?}");
    assert!(signature.is_signature_valid(), "{signature:#?}");
    match &signature.chain {
        ChainStatus::Untrusted(reason) => assert!(why(reason), "{reason:?}"),
        other => panic!("expected untrusted, got {other:?}"),
    }
    assert!(!signature.is_valid() && !report.all_valid(), "{report:#?}");
    assert!(report.all_valid_ignoring_trust(), "{report:#?}");
}

/// pyHanko, trusting only the demo root (and given `crls`), must not trust the file either.
fn assert_pyhanko_distrusts(pdf: &[u8], crls: &[&Path]) {
    let dir = common::TempDir::new("verify-trust");
    let path = dir.path().join("signed.pdf");
    std::fs::write(&path, pdf).unwrap();
    let report = common::pyhanko_validate_with_crls(&path, &common::root_ca_pem(), crls);
    if report.skipped {
        return;
    }
    assert_eq!(report.signatures.len(), 1, "{report:?}");
    let signature = &report.signatures[0];
    println!(
        "pyHanko: {:?} trusted={}",
        signature.summary, signature.trusted
    );
    assert!(signature.intact, "pyHanko: {signature:?}");
    assert!(
        !signature.trusted && !signature.bottom_line,
        "pyHanko trusts it: {signature:?}"
    );
}

fn assert_pyhanko_trusts(pdf: &[u8], crls: &[&Path]) {
    let dir = common::TempDir::new("verify-trust");
    let path = dir.path().join("signed.pdf");
    std::fs::write(&path, pdf).unwrap();
    let report = common::pyhanko_validate_with_crls(&path, &common::root_ca_pem(), crls);
    if !report.skipped {
        assert!(report.all_intact_valid_trusted(), "pyHanko: {report:?}");
    }
}

#[test]
fn self_signed_signer_is_intact_but_untrusted() {
    let pdf = signed_by("trust-selfsigned", SignOptions::default());
    assert_untrusted_because(
        &verify_pdf(&pdf, &root_options()).unwrap(),
        |p| matches!(p, Problem::SelfSignedNotTrusted { subject } if subject.contains("CN=")),
    );
    assert_pyhanko_distrusts(&pdf, &[]);
}

#[test]
fn without_trust_roots_nothing_is_valid_only_intact() {
    for name in ["trust-selfsigned", "demo"] {
        let pdf = signed_by(name, SignOptions::default());
        let report = verify_pdf(&pdf, &VerifyOptions::default()).unwrap();
        let signature = only(&report);
        assert_eq!(signature.chain, ChainStatus::NotChecked, "{name}");
        assert!(!report.all_valid(), "{name}: valid without any trust root");
        assert!(report.all_valid_ignoring_trust(), "{name}: {report:#?}");
    }
    // The control: the demo seal chains to the configured root.
    let pdf = signed_by("demo", SignOptions::default());
    assert!(verify_pdf(&pdf, &root_options()).unwrap().all_valid());
}

#[test]
fn backdated_signing_time_does_not_revive_an_expired_certificate() {
    for subfilter in [SubFilter::CadesDetached, SubFilter::Pkcs7Detached] {
        let pdf = signed_by("trust-expired", {
            let mut sign_options = SignOptions::default();
            sign_options.subfilter = subfilter;
            sign_options.signing_time = Some(at(BACKDATED));
            sign_options
        });
        let report = verify_pdf(&pdf, &root_options()).unwrap();
        assert_eq!(only(&report).signing_time, Some(at(BACKDATED)));
        assert_untrusted_because(
            &report,
            |p| matches!(p, Problem::CertificateExpired { at, not_after, .. } if at > not_after),
        );
        let judged = only(&report).validation_time.unwrap();
        assert!(judged > at(IN_DEMO_VALIDITY), "judged at {judged:?}");
        assert_pyhanko_distrusts(&pdf, &[]);
    }
}

#[test]
fn validity_is_judged_at_the_injected_current_time() {
    let pdf = signed_by("demo", {
        let mut sign_options = SignOptions::default();
        sign_options.signing_time = Some(at(IN_DEMO_VALIDITY));
        sign_options
    });
    let now = |seconds| {
        let mut verify_options = root_options();
        verify_options.now = Some(at(seconds));
        verify_options
    };
    let report = verify_pdf(&pdf, &now(IN_DEMO_VALIDITY)).unwrap();
    assert!(report.all_valid(), "{report:#?}");
    assert_eq!(only(&report).validation_time, Some(at(IN_DEMO_VALIDITY)));
    // 2046: the demo seal (valid until 2045) has expired, whatever /M says.
    assert_untrusted_because(&verify_pdf(&pdf, &now(2_398_291_200)).unwrap(), |p| {
        matches!(p, Problem::CertificateExpired { .. })
    });
    // 2024: not yet valid.
    assert_untrusted_because(
        &verify_pdf(&pdf, &now(1_704_067_200)).unwrap(),
        |p| matches!(p, Problem::CertificateNotYetValid { at, not_before, .. } if at < not_before),
    );
}

#[test]
fn signer_without_a_signing_key_usage_is_untrusted() {
    for name in ["trust-no-ku", "trust-encipher-only"] {
        let pdf = signed_by(name, SignOptions::default());
        assert_untrusted_because(&verify_pdf(&pdf, &root_options()).unwrap(), |p| {
            matches!(p, Problem::KeyUsage { .. })
        });
        assert_pyhanko_distrusts(&pdf, &[]);
    }
}

#[test]
fn issuer_without_basic_constraints_is_not_a_ca() {
    let pdf = signed_by("trust-under-undeclared", SignOptions::default());
    assert_untrusted_because(&verify_pdf(&pdf, &root_options()).unwrap(), |p| {
        matches!(p, Problem::NoBasicConstraints { .. })
    });
    assert_pyhanko_distrusts(&pdf, &[]);
}

#[test]
fn path_length_constraint_is_enforced() {
    let pdf = signed_by("trust-pathlen-signer", SignOptions::default());
    assert_untrusted_because(&verify_pdf(&pdf, &root_options()).unwrap(), |p| {
        matches!(
            p,
            Problem::PathLen {
                limit: 0,
                below: 1,
                ..
            }
        )
    });
    assert_pyhanko_distrusts(&pdf, &[]);
}

#[test]
fn revoked_signer_is_reported_revoked() {
    let pdf = signed_by("trust-revoked", SignOptions::default());
    // Without the CRL nothing says it is revoked (and pyHanko agrees).
    assert!(verify_pdf(&pdf, &root_options()).unwrap().all_valid());
    assert_pyhanko_trusts(&pdf, &[]);

    let report = verify_pdf(&pdf, &with_crl("trust-demo-ca.crl.pem")).unwrap();
    let signature = only(&report);
    match &signature.chain {
        ChainStatus::Revoked(Problem::Revoked { serial_hex, .. }) => {
            assert_eq!(serial_hex, "500A")
        }
        other => panic!("expected revoked, got {other:?}"),
    }
    assert!(signature.is_signature_valid(), "{signature:#?}");
    assert!(!report.all_valid() && !report.all_valid_ignoring_trust());
    assert_pyhanko_distrusts(&pdf, &[&crl("trust-demo-ca.crl.pem")]);

    // Before the revocation date (injected clock) the CRL does not apply.
    let before = {
        let mut verify_options = with_crl("trust-demo-ca.crl.pem");
        verify_options.now = Some(at(IN_DEMO_VALIDITY));
        verify_options
    };
    assert!(verify_pdf(&pdf, &before).unwrap().all_valid());
}

#[test]
fn crl_checks_leave_good_signers_alone_and_ignore_forged_crls() {
    let pdf = signed_by("demo", SignOptions::default());
    let report = verify_pdf(&pdf, &with_crl("trust-demo-ca.crl.pem")).unwrap();
    assert!(report.all_valid(), "{report:#?}");
    assert_pyhanko_trusts(&pdf, &[&crl("trust-demo-ca.crl.pem")]);

    // Same issuer name, another key, "revoking" the demo seal: not the issuer's word.
    let report = verify_pdf(&pdf, &with_crl("trust-forged.crl.pem")).unwrap();
    assert!(report.all_valid(), "{report:#?}");
    assert!(
        only(&report)
            .problems
            .iter()
            .any(|p| matches!(p, Problem::CrlUnverified { .. })),
        "{report:#?}"
    );
}

#[test]
fn signing_refuses_unusable_certificates() {
    let pdf = common::read_pdf("classic.pdf");
    let refused = |name: &str, time: u64| {
        let options = {
            let mut sign_options = SignOptions::default();
            sign_options.signing_time = Some(at(time));
            sign_options
        };
        match sign_pdf(&pdf, &key(name), &options) {
            Err(Error::UnusableCertificate(why)) => why,
            other => panic!("{name}: expected UnusableCertificate, got {other:?}"),
        }
    };
    let why = refused("trust-expired", IN_DEMO_VALIDITY);
    assert!(
        matches!(why, Problem::CertificateExpired { at: t, .. } if t == at(IN_DEMO_VALIDITY)),
        "{why}"
    );
    // Backdating the signing time into its validity is no way around it for the demo seal.
    let why = refused("demo", 1_704_067_200);
    assert!(
        matches!(why, Problem::CertificateNotYetValid { .. }),
        "{why}"
    );
    for name in ["trust-no-ku", "trust-encipher-only"] {
        let why = refused(name, IN_DEMO_VALIDITY);
        assert!(matches!(why, Problem::KeyUsage { .. }), "{name}: {why}");
    }
    // The explicit opt-in, and the usable certificate, sign.
    let allowed = {
        let mut sign_options = SignOptions::default();
        sign_options.signing_time = Some(at(IN_DEMO_VALIDITY));
        sign_options.allow_invalid_certificate = true;
        sign_options
    };
    assert!(sign_pdf(&pdf, &key("trust-expired"), &allowed).is_ok());
    let usable = {
        let mut sign_options = SignOptions::default();
        sign_options.signing_time = Some(at(IN_DEMO_VALIDITY));
        sign_options
    };
    assert!(sign_pdf(&pdf, &key("demo"), &usable).is_ok());
}

mod cli {
    use super::*;
    use std::process::Command;

    fn verify(pdf: &Path, args: &[&Path], flags: &[&str]) -> (Option<i32>, String) {
        let mut command = Command::new(env!("CARGO_BIN_EXE_countersign"));
        command.arg("verify").arg(pdf).args(flags);
        for pair in args.chunks(2) {
            command.arg(pair[0]).arg(pair[1]);
        }
        let output = command.output().unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        (output.status.code(), text)
    }

    #[test]
    fn cli_verify_needs_a_trust_root_or_an_explicit_integrity_only() {
        let dir = common::TempDir::new("verify-trust-cli");
        let good = dir.path().join("demo.pdf");
        std::fs::write(&good, signed_by("demo", SignOptions::default())).unwrap();
        let revoked = dir.path().join("revoked.pdf");
        std::fs::write(&revoked, signed_by("trust-revoked", SignOptions::default())).unwrap();
        let (trust, root) = (Path::new("--trust"), common::root_ca_pem());
        let (crl_flag, crl_file) = (Path::new("--crl"), crl("trust-demo-ca.crl.pem"));

        let (code, text) = verify(&good, &[], &[]);
        assert_eq!(code, Some(1), "no roots must not pass: {text}");
        assert!(text.contains("--integrity-only"), "{text}");
        let (code, text) = verify(&good, &[], &["--integrity-only"]);
        assert_eq!(code, Some(0), "{text}");
        assert!(text.contains("not checked"), "{text}");
        let (code, text) = verify(&good, &[trust, &root], &[]);
        assert_eq!(code, Some(0), "{text}");

        let (code, text) = verify(&revoked, &[trust, &root, crl_flag, &crl_file], &[]);
        assert_eq!(code, Some(1), "{text}");
        assert!(text.contains("revoked"), "{text}");
        let (code, text) = verify(&revoked, &[crl_flag, &crl_file], &["--integrity-only"]);
        assert_eq!(
            code,
            Some(0),
            "no roots, so no path and no revocation: {text}"
        );
    }
}

/// Revocation data fetched while verifying (feature `tsa`): `openssl ocsp` and the CRL server on
/// loopback answer for the LTV test PKI (tsa-signer good, tsa-revoked revoked, keyCompromise).
mod fetching {
    use super::*;
    use common::servers::{OcspResponder, fixed_ports, start_crl_server};
    use countersign::{FetchedRevocation, RevocationFetcher};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use x509_cert::Certificate;

    /// ltv::Fetcher, counting the certificates it is asked about and keeping its answers.
    #[derive(Debug, Default)]
    struct Counting {
        inner: countersign::ltv::Fetcher,
        calls: AtomicUsize,
        answers: std::sync::Mutex<Vec<FetchedRevocation>>,
    }

    impl RevocationFetcher for Counting {
        fn fetch(
            &self,
            certificate: &Certificate,
            issuer: &Certificate,
            timeout: Duration,
        ) -> countersign::Result<FetchedRevocation> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let answer = self.inner.fetch(certificate, issuer, timeout)?;
            self.answers.lock().unwrap().push(answer.clone());
            Ok(answer)
        }
    }

    fn fetching(roots: VerifyOptions) -> (VerifyOptions, Arc<Counting>) {
        let counting = Arc::new(Counting::default());
        let mut options = roots;
        options.revocation_fetcher = Some(counting.clone());
        (options, counting)
    }

    fn revoked_reason(report: &VerifyReport) -> Option<u8> {
        match &only(report).chain {
            ChainStatus::Revoked(Problem::Revoked { reason, .. }) => *reason,
            other => panic!("expected revoked, got {other:?}"),
        }
    }

    #[test]
    fn ocsp_first_then_crl_and_only_for_trusted_signatures_that_verify() {
        let _ports = fixed_ports();
        let Some(ocsp) = OcspResponder::start() else {
            return;
        };
        let _crls = start_crl_server();
        let revoked = signed_by("tsa-revoked", SignOptions::default());
        let good = signed_by("tsa-signer", SignOptions::default());

        let (options, counting) = fetching(root_options());
        let report = verify_pdf(&revoked, &options).unwrap();
        assert_eq!(revoked_reason(&report), Some(1), "keyCompromise");
        let report = verify_pdf(&good, &options).unwrap();
        assert!(report.all_valid(), "{report:#?}");
        // The signer's status from OCSP, the LTV CA's from root-ca's (version 1) CRL.
        let answers = counting.answers.lock().unwrap().clone();
        assert!(
            answers
                .iter()
                .any(|a| matches!(a, FetchedRevocation::Ocsp(_)))
        );
        assert!(
            answers
                .iter()
                .any(|a| matches!(a, FetchedRevocation::Crl(_)))
        );
        let ocsp_answer = answers
            .iter()
            .find_map(|a| match a {
                FetchedRevocation::Ocsp(der) => Some(der.clone()),
                _ => None,
            })
            .unwrap();

        // A path to no configured root: nothing is fetched for it.
        let other_root = std::fs::read(common::pki_path("trust-selfsigned.cert.pem")).unwrap();
        let (untrusted, counting) = fetching(VerifyOptions::trusting(
            trust_roots_from_pem(&other_root).unwrap(),
        ));
        assert!(!verify_pdf(&good, &untrusted).unwrap().all_valid());
        assert_eq!(counting.calls.load(Ordering::SeqCst), 0);
        // A signature that does not verify (a signed byte changed): nothing is fetched either.
        let mut forged = good.clone();
        let at = forged.windows(4).position(|w| w == b"/Pag").unwrap();
        forged[at + 1] = b'Q';
        let (options, counting) = fetching(root_options());
        assert!(!verify_pdf(&forged, &options).unwrap().all_valid());
        assert_eq!(counting.calls.load(Ordering::SeqCst), 0);
        // Two signatures by one signer: its chain is fetched for once.
        let twice = sign_pdf(&good, &key("tsa-signer"), &SignOptions::default()).unwrap();
        let (options, counting) = fetching(root_options());
        assert!(verify_pdf(&twice, &options).unwrap().all_valid());
        assert_eq!(
            counting.calls.load(Ordering::SeqCst),
            2,
            "signer and LTV CA"
        );
        // The budget: one fetch allowed, the LTV CA's status stays unknown.
        let (mut options, _) = fetching(root_options());
        options.fetch_budget.max_fetches = 1;
        let report = verify_pdf(&good, &options).unwrap();
        assert!(
            matches!(&only(&report).chain, ChainStatus::Untrusted(Problem::RevocationUnknown { reason, .. }) if reason.contains("more than 1")),
            "{report:#?}"
        );

        // The OCSP answer, given offline: checked without fetching.
        let mut offline = root_options();
        offline.ocsp_responses = vec![ocsp_answer.clone()];
        assert_eq!(
            revoked_reason(&verify_pdf(&revoked, &offline).unwrap()),
            Some(1)
        );
        // A response whose signature is broken proves nothing.
        let mut broken = ocsp_answer.clone();
        let last = broken.len() - 1;
        broken[last] ^= 1;
        offline.ocsp_responses = vec![broken];
        assert!(verify_pdf(&revoked, &offline).unwrap().all_valid());

        // Without the OCSP responder, the signer's CRL distribution point answers.
        drop(ocsp);
        let (options, counting) = fetching(root_options());
        assert_eq!(
            revoked_reason(&verify_pdf(&revoked, &options).unwrap()),
            Some(1)
        );
        assert!(verify_pdf(&good, &options).unwrap().all_valid());
        assert!(
            counting
                .answers
                .lock()
                .unwrap()
                .iter()
                .all(|a| matches!(a, FetchedRevocation::Crl(_)))
        );
    }

    #[test]
    fn a_signer_naming_no_source_has_an_unknown_status_when_fetching() {
        let (options, _) = fetching(root_options());
        let report = verify_pdf(&signed_by("demo", SignOptions::default()), &options).unwrap();
        assert!(
            matches!(
                &only(&report).chain,
                ChainStatus::Untrusted(Problem::RevocationUnknown { reason, .. }) if reason.contains("names no OCSP responder and no CRL")
            ),
            "{report:#?}"
        );
        assert!(!report.all_valid());
    }
}

#[path = "../../countersign-ess/tests/service/support.rs"]
mod support;

mod service {
    use super::*;
    use base64::Engine as _;
    use countersign_ess::load_config_keys;
    use countersign_ess::{PdfEngine, Service, ServiceConfig};
    use serde_json::json;
    use std::net::TcpListener;
    use std::sync::Arc;
    use support::{ADMIN, TempDir, api, write_config};

    /// Uploads `pdf` as the group administrator and returns VerifyDigitFile's VerifyResult.
    fn verify_result(addr: std::net::SocketAddr, pdf: &[u8]) -> serde_json::Value {
        verify_as(addr, ADMIN, pdf)["VerifyResult"].clone()
    }

    /// Uploads `pdf` as `who` and returns VerifyDigitFile's response.
    fn verify_as(
        addr: std::net::SocketAddr,
        who: (&str, &str, &str),
        pdf: &[u8],
    ) -> serde_json::Value {
        let upload = api(
            addr,
            who,
            "UploadFiles",
            &json!({
                "BusinessType": "DOCUMENT",
                "Caller": {"OperatorId": who.2},
                "FileInfos": [{"FileName": "a.pdf", "FileBody": base64::engine::general_purpose::STANDARD.encode(pdf)}],
            }),
        );
        let file_id = upload["FileIds"][0].as_str().unwrap().to_owned();
        api(
            addr,
            who,
            "VerifyDigitFile",
            &json!({"FileId": file_id, "Operator": {"UserId": who.2}}),
        )
    }

    /// The `VerifyFailReasons` codes of a response.
    fn codes(response: &serde_json::Value) -> Vec<String> {
        response["VerifyFailReasons"]
            .as_array()
            .map(|reasons| {
                reasons
                    .iter()
                    .map(|r| r["Code"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn serve(dir: &Path, extra_config: &str) -> countersign_ess::server::ServerHandle {
        let path = write_config(dir, 100, 1);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("{extra_config}{text}")).unwrap();
        let config = ServiceConfig::load(&path).unwrap();
        let keys = load_config_keys(&config).unwrap();
        let service = Service::open(
            &config,
            keys,
            &dir.join("data"),
            Arc::new(PdfEngine::default()),
        )
        .unwrap();
        countersign_ess::server::spawn(TcpListener::bind("127.0.0.1:0").unwrap(), service).unwrap()
    }

    #[test]
    fn verify_digit_file_answers_2_for_a_self_signed_signer() {
        let dir = TempDir::new("verify-trust-service");
        let server = serve(dir.path(), "");
        let impostor = signed_by("trust-selfsigned", SignOptions::default());
        assert_eq!(verify_result(server.addr(), &impostor), 2);
        // The organisations' own CA chain is trusted.
        let demo = signed_by("demo", SignOptions::default());
        assert_eq!(verify_result(server.addr(), &demo), 1);
        server.stop().unwrap();

        // A root the deployment lists in `trust_roots` is trusted too.
        let dir = TempDir::new("verify-trust-service-roots");
        let root = common::pki_path("trust-selfsigned.cert.pem");
        let extra = format!("trust_roots = [{:?}]\n", root.display().to_string());
        let server = serve(dir.path(), &extra);
        assert_eq!(verify_result(server.addr(), &impostor), 1);
        server.stop().unwrap();
    }

    #[test]
    fn verify_digit_file_answers_2_for_a_signer_a_configured_crl_revokes() {
        let revoked = signed_by("trust-revoked", SignOptions::default());
        let demo = signed_by("demo", SignOptions::default());
        // The default checks no CRL: the revoked signer passes, as documented.
        let dir = TempDir::new("verify-revocation-default");
        let server = serve(dir.path(), "");
        assert_eq!(verify_result(server.addr(), &revoked), 1);
        server.stop().unwrap();

        let dir = TempDir::new("verify-revocation-offline");
        let crl = crl("trust-demo-ca.crl.pem").display().to_string();
        let extra = format!("verify_revocation = \"offline\"\nverify_crls = [{crl:?}]\n");
        let server = serve(dir.path(), &extra);
        assert_eq!(verify_result(server.addr(), &revoked), 2);
        assert_eq!(verify_result(server.addr(), &demo), 1);
        server.stop().unwrap();
    }

    #[test]
    fn verify_revocation_settings_that_cannot_work_are_refused_at_load() {
        let crl = crl("trust-demo-ca.crl.pem").display().to_string();
        let not_a_crl = common::pki_path("demo.cert.pem").display().to_string();
        for (extra, named) in [
            (
                format!("verify_revocation = \"none\"\nverify_crls = [{crl:?}]\n"),
                "verify_crls",
            ),
            (format!("verify_crls = [{not_a_crl:?}]\n"), "demo.cert.pem"),
            (
                "verify_crls = [\"/nonexistent.crl\"]\n".to_owned(),
                "nonexistent.crl",
            ),
        ] {
            let dir = TempDir::new("verify-revocation-refused");
            let path = write_config(dir.path(), 100, 1);
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, format!("{extra}{text}")).unwrap();
            let error = ServiceConfig::load(&path).unwrap_err().to_string();
            assert!(error.contains(named), "{extra}: {error}");
        }
        // An organisation's own settings are checked the same way, and named.
        let dir = TempDir::new("verify-revocation-refused-org");
        let path = write_config(dir.path(), 100, 1);
        let text = std::fs::read_to_string(&path).unwrap().replacen(
            "id = \"other\"\n",
            &format!("id = \"other\"\nverify_revocation = \"none\"\nverify_crls = [{crl:?}]\n"),
            1,
        );
        std::fs::write(&path, text).unwrap();
        let error = ServiceConfig::load(&path).unwrap_err().to_string();
        assert!(error.contains("organizations.other.verify_crls"), "{error}");
    }

    #[test]
    fn verify_digit_file_says_why_a_revoked_signer_fails() {
        let dir = TempDir::new("verify-revocation-reason");
        let crl = crl("trust-demo-ca.crl.pem").display().to_string();
        let server = serve(dir.path(), &format!("verify_crls = [{crl:?}]\n"));
        let response = verify_as(
            server.addr(),
            ADMIN,
            &signed_by("trust-revoked", SignOptions::default()),
        );
        assert_eq!(response["VerifyResult"], 2);
        assert_eq!(codes(&response), ["Revoked"]);
        let reason = &response["VerifyFailReasons"][0];
        assert_eq!(reason["SignatureIndex"], 0);
        assert_eq!(reason["RevocationReason"], "keyCompromise");
        assert_eq!(reason["RevocationReasonCode"], 1);
        assert!(
            reason["RevocationTime"].as_i64().unwrap() > 1_700_000_000_000,
            "{reason}"
        );
        assert!(
            reason["Message"].as_str().unwrap().contains("500A"),
            "{reason}"
        );
        // A valid file's response is the ESS one, without the extension.
        let good = verify_as(
            server.addr(),
            ADMIN,
            &signed_by("demo", SignOptions::default()),
        );
        assert_eq!(good["VerifyResult"], 1);
        assert!(good.get("VerifyFailReasons").is_none(), "{good}");
        server.stop().unwrap();
    }

    #[test]
    fn verify_digit_file_says_a_file_changed_after_signing_is_modified() {
        let dir = TempDir::new("verify-modified-reason");
        let server = serve(dir.path(), "");
        let mut pdf = signed_by("demo", SignOptions::default());
        pdf.extend_from_slice(b"\n% appended after signing\n");
        let response = verify_as(server.addr(), ADMIN, &pdf);
        assert_eq!(response["VerifyResult"], 2);
        assert_eq!(codes(&response), ["ModifiedAfterSigning"]);
        assert_eq!(
            response["VerifyFailReasons"][0]["ModificationLevel"],
            "other"
        );
        server.stop().unwrap();
    }

    #[test]
    fn an_organisation_s_verify_revocation_overrides_the_service_level() {
        let dir = TempDir::new("verify-revocation-per-org");
        let crl = crl("trust-demo-ca.crl.pem").display().to_string();
        // Service level: offline with demo-ca's CRL; "other" turns checks off.
        let path = write_config(dir.path(), 100, 1);
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text.replacen(
            "id = \"other\"\n",
            "id = \"other\"\nverify_revocation = \"none\"\n",
            1,
        );
        std::fs::write(&path, format!("verify_crls = [{crl:?}]\n{text}")).unwrap();
        let config = ServiceConfig::load(&path).unwrap();
        let keys = load_config_keys(&config).unwrap();
        let service = Service::open(
            &config,
            keys,
            &dir.path().join("data"),
            Arc::new(PdfEngine::default()),
        )
        .unwrap();
        let server =
            countersign_ess::server::spawn(TcpListener::bind("127.0.0.1:0").unwrap(), service)
                .unwrap();
        let revoked = signed_by("trust-revoked", SignOptions::default());
        assert_eq!(verify_as(server.addr(), ADMIN, &revoked)["VerifyResult"], 2);
        assert_eq!(
            verify_as(server.addr(), support::OTHER, &revoked)["VerifyResult"],
            1
        );
        server.stop().unwrap();
    }

    #[test]
    fn fetch_mode_asks_the_signer_s_ocsp_responder_then_its_crl() {
        use common::servers::{OcspResponder, fixed_ports, start_crl_server};
        let _ports = fixed_ports();
        let Some(ocsp) = OcspResponder::start() else {
            return;
        };
        let _crls = start_crl_server();
        let dir = TempDir::new("verify-revocation-fetch");
        let server = serve(dir.path(), "verify_revocation = \"fetch\"\n");
        let revoked = signed_by("tsa-revoked", SignOptions::default());
        let good = signed_by("tsa-signer", SignOptions::default());
        let response = verify_as(server.addr(), ADMIN, &revoked);
        assert_eq!(response["VerifyResult"], 2, "{response}");
        assert_eq!(codes(&response), ["Revoked"]);
        assert_eq!(
            response["VerifyFailReasons"][0]["RevocationReason"],
            "keyCompromise"
        );
        assert_eq!(verify_as(server.addr(), ADMIN, &good)["VerifyResult"], 1);
        // The demo seal names no OCSP responder and no CRL: its status is unknown.
        let demo = verify_as(
            server.addr(),
            ADMIN,
            &signed_by("demo", SignOptions::default()),
        );
        assert_eq!(demo["VerifyResult"], 2);
        assert_eq!(codes(&demo), ["RevocationUnknown"]);
        // The responder gone, the CRL distribution point answers.
        drop(ocsp);
        let response = verify_as(server.addr(), ADMIN, &revoked);
        assert_eq!(codes(&response), ["Revoked"], "{response}");
        assert_eq!(verify_as(server.addr(), ADMIN, &good)["VerifyResult"], 1);
        server.stop().unwrap();
    }
}
