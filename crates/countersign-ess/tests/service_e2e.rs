//! End to end through HTTP with the official Python SDK (tencentcloud-sdk-python-ess): the happy
//! path, the group acting for its subsidiary, and every error code; the downloaded PDFs must pass
//! pyHanko and pdfsig.

#![cfg(feature = "server")]

#[path = "../../../tests/common/mod.rs"]
mod common;
#[path = "service/support.rs"]
mod support;

use std::net::TcpListener;
use std::process::Command;
use std::sync::Arc;

use countersign::crypto::{CertifiedKey, DigestAlgorithm, SignatureScheme, Signer, SigningKey};
use countersign_ess::load_config_keys;
use countersign_ess::{PdfEngine, Service, ServiceConfig};
use serde_json::json;
use support::*;

/// A signing key whose device is down; it still knows its public key, as an HSM does.
#[derive(Debug)]
struct UnreachableHsm(spki::SubjectPublicKeyInfoOwned);

struct UnreachableSigner;

impl Signer for UnreachableSigner {
    fn sign(&self, _message: &[u8]) -> Result<Vec<u8>, countersign::Error> {
        Err(countersign::Error::signer(
            "HSM slot 0: device not reachable",
        ))
    }
    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::RsaPkcs1v15(DigestAlgorithm::Sha256)
    }
    fn max_signature_len(&self) -> usize {
        256
    }
}

impl SigningKey for UnreachableHsm {
    fn public_key(&self) -> Result<spki::SubjectPublicKeyInfoOwned, countersign::Error> {
        Ok(self.0.clone())
    }

    fn choose_scheme(&self, _digest: DigestAlgorithm) -> Option<Box<dyn Signer>> {
        Some(Box::new(UnreachableSigner))
    }
}

/// `signed.pdf` with an update after signing that replaces page 1's content stream (object 4).
fn page_swapped_after_signing() -> Vec<u8> {
    let mut pdf = std::fs::read(test_pdf("signed.pdf")).unwrap();
    let prev = countersign::__private::pdf::Document::parse(&pdf)
        .unwrap()
        .startxref();
    let object =
        "4 0 obj\n<< /Length 27 >>\nstream\nBT /F1 24 Tf (Forged) Tj ET\nendstream\nendobj\n";
    let xref = pdf.len() + object.len();
    let update = format!(
        "{object}xref\n4 1\n{:010} 00000 n \ntrailer\n<< /Size 13 /Root 1 0 R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n",
        pdf.len()
    );
    pdf.extend_from_slice(update.as_bytes());
    pdf
}

#[test]
fn official_sdk_drives_every_api_and_error_code() {
    let Some(python) = python_with_sdk() else {
        return;
    };
    let dir = TempDir::new("e2e");
    let config_path = write_config(dir.path(), 20, 2);
    let config = ServiceConfig::load(&config_path).unwrap();
    let mut keys = load_config_keys(&config).unwrap();
    let hsm_chain = keys["hsm"].cert_chain().to_vec();
    let hsm_public_key = keys["hsm"].key().public_key().unwrap();
    keys.insert(
        "hsm".into(),
        CertifiedKey::new(hsm_chain, Arc::new(UnreachableHsm(hsm_public_key))).unwrap(),
    );
    let data_dir = dir.path().join("data");
    let service = Service::open(&config, keys, &data_dir, Arc::new(PdfEngine::default())).unwrap();
    let server =
        countersign_ess::server::spawn(TcpListener::bind("127.0.0.1:0").unwrap(), service).unwrap();

    let out_dir = dir.path().join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a PDF at all\n").unwrap();
    let tampered = dir.path().join("tampered.pdf");
    std::fs::write(&tampered, page_swapped_after_signing()).unwrap();
    let who = |w: (&str, &str, &str)| json!({"secret_id": w.0, "secret_key": w.1, "user_id": w.2});
    let settings = json!({
        "endpoint": server.addr().to_string(),
        "data_dir": data_dir,
        "out_dir": out_dir,
        "group_organization": "group",
        "sub_organization": "sub",
        "admin": who(ADMIN), "uploader": who(UPLOADER), "sub_clerk": who(SUB_CLERK),
        "other": who(OTHER), "poor": who(POOR), "hsm": who(HSM),
        "group_key": who(GROUP_KEY), "leaver": LEAVER,
        "pdfs": {
            "classic": test_pdf("classic.pdf"),
            "certified_p1": test_pdf("certified-p1.pdf"),
            "tampered": tampered,
            "text": text,
        },
    });
    let stdout = run_sdk_script(&python, "e2e.py", &settings, dir.path());
    assert!(stdout.contains("checks passed"), "{stdout}");
    println!("{stdout}");

    let original = std::fs::read(test_pdf("classic.pdf")).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for expected in ["group-sync.pdf", "group-async.pdf", "sub-proxied.pdf"] {
        assert!(names.iter().any(|n| n == expected), "{expected} missing");
    }
    // The three flows above plus one per request form (GET, v1 signatures).
    assert!(names.len() >= 8, "{names:?}");
    for name in &names {
        let path = out_dir.join(name);
        let signed = std::fs::read(&path).unwrap();
        assert!(
            signed.starts_with(&original),
            "{name}: not an incremental update of the upload"
        );
        let pyhanko = common::pyhanko_validate(&path, &common::root_ca_pem());
        if !pyhanko.skipped {
            assert!(
                pyhanko.all_intact_valid_trusted(),
                "{name}: pyHanko: {pyhanko:?}"
            );
        }
        let pdfsig = common::pdfsig_verify(&path, &common::root_ca_pem());
        if !pdfsig.skipped {
            assert!(pdfsig.all_valid_and_trusted(), "{name}: pdfsig: {pdfsig:?}");
        }
    }
    server.stop().unwrap();
}

/// The official Node SDK against a server on a port other than 80, reached by name: it signs the
/// host without the port and sends `Host: name:port`. Every request form it offers must work; the
/// downloaded PDFs must pass pyHanko and pdfsig.
#[test]
fn official_node_sdk_drives_every_api() {
    let Some(node_dir) = node_with_sdk() else {
        return;
    };
    let dir = TempDir::new("e2e-node");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let endpoint = format!("ess.localhost:{port}");
    let top = format!("public_url = \"http://{endpoint}\"");
    let config = ServiceConfig::load(&write_config_with(dir.path(), 1000, 2, &top)).unwrap();
    let keys = load_config_keys(&config).unwrap();
    let data_dir = dir.path().join("data");
    let service = Service::open(&config, keys, &data_dir, Arc::new(PdfEngine::default())).unwrap();
    let server = countersign_ess::server::spawn(listener, service).unwrap();

    let out_dir = dir.path().join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let who = |w: (&str, &str, &str)| json!({"secret_id": w.0, "secret_key": w.1, "user_id": w.2});
    let settings = json!({
        "endpoint": endpoint,
        "ip_endpoint": format!("127.0.0.1:{port}"),
        "out_dir": out_dir,
        "admin": who(ADMIN), "uploader": who(UPLOADER), "sub_clerk": who(SUB_CLERK),
        "pdfs": { "classic": test_pdf("classic.pdf") },
    });
    let settings_path = dir.path().join("settings.json");
    std::fs::write(&settings_path, settings.to_string()).unwrap();
    let output = Command::new("node")
        .arg(node_dir.join("e2e.js"))
        .arg(&settings_path)
        .current_dir(&node_dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "e2e.js failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("checks passed"), "{stdout}");
    println!("{stdout}");

    let mut validated = 0;
    for entry in std::fs::read_dir(&out_dir).unwrap() {
        let path = entry.unwrap().path();
        let pyhanko = common::pyhanko_validate(&path, &common::root_ca_pem());
        if !pyhanko.skipped {
            assert!(
                pyhanko.all_intact_valid_trusted(),
                "{path:?}: pyHanko: {pyhanko:?}"
            );
        }
        let pdfsig = common::pdfsig_verify(&path, &common::root_ca_pem());
        if !pdfsig.skipped {
            assert!(
                pdfsig.all_valid_and_trusted(),
                "{path:?}: pdfsig: {pdfsig:?}"
            );
        }
        validated += 1;
    }
    assert!(validated >= 1, "the Node SDK downloaded no PDF");
    server.stop().unwrap();
}
