//! PAdES B-LT and B-LTA with real servers on loopback: the test TSA, `openssl ocsp` on port
//! 18961 and a CRL server on 18962 (the URLs the `tsa-` certificates name). Outputs are
//! checked by pyHanko's AdES validation with revocation data required and nothing fetched,
//! by pdfsig (which checks the signatures but not document timestamps) and by our verifier.

#[path = "../../../tests/common/mod.rs"]
mod common;

use std::sync::Arc;

use common::servers::{LocalTsa, OcspResponder, fixed_ports, start_crl_server};
use common::{
    TempDir, pdfsig_verify_with, pki_path, pyhanko_ades, qpdf_check, read_pdf, root_ca_pem,
};
use countersign::crypto::credential::{load_pkcs12, trust_roots_from_pem};
use countersign::crypto::{CertifiedKey, LoadOptions};
use countersign::error::RevocationError;
use countersign::ltv::Fetcher;
use countersign::ltv::{RevocationSource, ValidationData, add_validation_data, extend};
use countersign::timestamp::{HttpTsa, TsaConfig};
use countersign::{Error, SignOptions, VerifyOptions, sign_pdf, verify_pdf};

fn key(name: &str) -> CertifiedKey {
    load_pkcs12(
        &std::fs::read(pki_path(name)).unwrap(),
        "demo",
        &LoadOptions::default(),
    )
    .unwrap()
}

fn roots() -> Vec<x509_cert::Certificate> {
    trust_roots_from_pem(&std::fs::read(root_ca_pem()).unwrap()).unwrap()
}

fn tsa(url: String) -> Arc<HttpTsa> {
    Arc::new(HttpTsa::new({
        let mut tsa_config = TsaConfig::new(url);
        tsa_config.trust_roots = roots();
        tsa_config
    }))
}

fn b_t(tsa_url: String) -> Vec<u8> {
    let options = {
        let mut sign_options = SignOptions::default();
        sign_options.timestamp = Some(tsa(tsa_url));
        sign_options
    };
    sign_pdf(&read_pdf("classic.pdf"), &key("tsa-signer.p12"), &options).unwrap()
}

fn fetch() -> RevocationSource {
    RevocationSource::Fetch(Fetcher::default())
}

// VerifyOptions gains fields (trust policy, revocation data): the update keeps this literal valid.
#[allow(clippy::needless_update)]
fn verify_options() -> VerifyOptions {
    VerifyOptions::trusting(roots())
}

/// Level pyHanko gives each regular signature, after checking the file with qpdf, pdfsig and
/// our verifier. `None` when pyHanko is missing (outside CI).
fn check(bytes: &[u8], name: &str) -> Option<Vec<String>> {
    let dir = TempDir::new("ltv");
    let path = dir.write(name, bytes);
    qpdf_check(&path).assert_ok(name);
    let report = verify_pdf(bytes, &verify_options()).unwrap();
    assert!(report.all_valid(), "{name}: {report:#?}");
    // pdfsig ignores the DSS and checks the chain through NSS (with the test root); the
    // long-term verdicts are pyHanko's. pdfsig cannot check document timestamps ("Unable to
    // validate this type of signature"): only /Sig entries are asserted.
    let pdfsig = pdfsig_verify_with(&path, &root_ca_pem(), &[]);
    if !pdfsig.skipped {
        let signatures: Vec<_> = pdfsig
            .signatures
            .iter()
            .filter(|s| s.signer_common_name != "Demo TSA")
            .collect();
        assert!(!signatures.is_empty(), "{}", pdfsig.output);
        for signature in signatures {
            assert!(signature.signature_valid(), "{name}: {}", pdfsig.output);
            assert!(signature.certificate_trusted(), "{name}: {}", pdfsig.output);
        }
    }
    let ades = pyhanko_ades(&path, &root_ca_pem())?;
    eprintln!("{name}: pyHanko AdES {ades:#}");
    Some(
        ades["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["level"].as_str().unwrap_or("none").to_owned())
            .collect(),
    )
}

#[test]
fn b_lt_from_fetched_ocsp_and_crls() {
    let _ports = fixed_ports();
    let Some(_ocsp) = OcspResponder::start() else {
        return;
    };
    let _crls = start_crl_server();
    let tsa = LocalTsa::start();
    let signed = b_t(tsa.url());
    let lt = add_validation_data(&signed, &fetch()).unwrap();
    assert!(lt.starts_with(&signed));
    if let Some(levels) = check(&lt, "b-lt.pdf") {
        assert_eq!(levels, ["B-LT"]);
    }
    // Without the DSS the same signature is B-T: the DSS is what makes it B-LT.
    if let Some(levels) = check(&signed, "b-t.pdf") {
        assert_eq!(levels, ["B-T"]);
    }
}

#[test]
fn b_lta_and_archive_renewal() {
    let _ports = fixed_ports();
    let Some(_ocsp) = OcspResponder::start() else {
        return;
    };
    let _crls = start_crl_server();
    let tsa_server = LocalTsa::start();
    let signed = b_t(tsa_server.url());
    let stamper = tsa(tsa_server.url());
    let lta = extend(&signed, &fetch(), stamper.as_ref()).unwrap();
    assert!(lta.starts_with(&signed));
    if let Some(levels) = check(&lta, "b-lta.pdf") {
        assert_eq!(levels, ["B-LTA"]);
    }
    let report = verify_pdf(&lta, &verify_options()).unwrap();
    assert_eq!(report.signatures.len(), 2);
    let doc_ts = &report.signatures[1];
    assert_eq!(doc_ts.subfilter, "ETSI.RFC3161");
    assert!(
        doc_ts.timestamp.as_ref().is_some_and(|t| t.valid),
        "{doc_ts:#?}"
    );

    // Renewal: validation data for the first document timestamp, then a second one.
    let renewed = extend(&lta, &fetch(), stamper.as_ref()).unwrap();
    assert!(renewed.starts_with(&lta));
    if let Some(levels) = check(&renewed, "b-lta-renewed.pdf") {
        assert_eq!(levels, ["B-LTA"]);
    }
    assert_eq!(
        verify_pdf(&renewed, &verify_options())
            .unwrap()
            .signatures
            .len(),
        3
    );
}

#[test]
fn b_lt_offline_from_caller_supplied_crls() {
    // No OCSP or CRL server: the caller hands over the CRLs (offline mode).
    let tsa = LocalTsa::start();
    let signed = b_t(tsa.url());
    let data = {
        let mut validation_data = ValidationData::default();
        validation_data.crls = vec![
            std::fs::read(pki_path("tsa-ca.crl")).unwrap(),
            std::fs::read(pki_path("tsa-root.crl")).unwrap(),
        ];
        validation_data
    };
    let lt = add_validation_data(&signed, &RevocationSource::Offline(data)).unwrap();
    if let Some(levels) = check(&lt, "b-lt-offline.pdf") {
        assert_eq!(levels, ["B-LT"]);
    }
}

#[test]
fn a_certificate_without_revocation_sources_cannot_reach_b_lt() {
    // The demo seal names no OCSP responder and no CRL: fetching fails with a typed error.
    let tsa = LocalTsa::start();
    let options = {
        let mut sign_options = SignOptions::default();
        sign_options.timestamp = Some(tsa_for(&tsa));
        sign_options
    };
    let signed = sign_pdf(&read_pdf("classic.pdf"), &key("demo.p12"), &options).unwrap();
    let error = add_validation_data(&signed, &fetch()).unwrap_err();
    match error {
        Error::Revocation(RevocationError::NoSource { subject }) => {
            assert!(subject.contains("CN="), "{subject}")
        }
        other => panic!("{other:?}"),
    }
}

fn tsa_for(server: &LocalTsa) -> Arc<HttpTsa> {
    tsa(server.url())
}

#[test]
fn cli_sign_at_b_lta_and_extend() {
    let _ports = fixed_ports();
    let Some(_ocsp) = OcspResponder::start() else {
        return;
    };
    let _crls = start_crl_server();
    let tsa = LocalTsa::start();
    let dir = TempDir::new("ltv-cli");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_countersign"))
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let p12 = pki_path("tsa-signer.p12");
    let input = common::pdf_path("classic.pdf");
    let lta = dir.path().join("lta.pdf");
    let url = tsa.url();
    let common_args = |output: &std::path::Path| {
        vec![
            "sign".to_owned(),
            input.display().to_string(),
            "-o".into(),
            output.display().to_string(),
            "--p12".into(),
            p12.display().to_string(),
            "--password".into(),
            "demo".into(),
            "--tsa".into(),
            url.clone(),
        ]
    };
    let mut args = common_args(&lta);
    args.extend(["--level".into(), "b-lta".into()]);
    run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    if let Some(levels) = check(&std::fs::read(&lta).unwrap(), "cli-b-lta.pdf") {
        assert_eq!(levels, ["B-LTA"]);
    }

    let bt = dir.path().join("bt.pdf");
    run(&common_args(&bt)
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>());
    let extended = dir.path().join("extended.pdf");
    run(&[
        "extend",
        &bt.display().to_string(),
        "-o",
        &extended.display().to_string(),
        "--tsa",
        &url,
    ]);
    if let Some(levels) = check(&std::fs::read(&extended).unwrap(), "cli-extended.pdf") {
        assert_eq!(levels, ["B-LTA"]);
    }
}
