//! Keys on a PKCS#11 token (SoftHSM2): signatures made inside the token verify with our verifier,
//! pdfsig and pyHanko; every way of getting the token, key or PIN wrong is a typed error naming
//! what exists; a batch signs through a pool of two sessions; the chain comes from the token or
//! from files. Without SoftHSM2 the tests print `skipped: …` (they fail under `CI=true`).
#![cfg(feature = "pkcs11")]

mod common;

use std::sync::OnceLock;

use common::softhsm::{PIN, SoftHsm, TokenSpec, standard_tokens};
use countersign::crypto::RsaPadding;
use countersign::crypto::credential::{parse_certificates, trust_roots_from_pem};
use countersign::crypto::pkcs11::{
    KeySelector, PinSource, Pkcs11Config, Pkcs11Key, TokenSelector, load_certified_key,
};
use countersign::error::Pkcs11Error;
use countersign::{
    CertifiedKey, Error, SignOptions, SignatureScheme, VerifyOptions, sign_batch, sign_pdf,
    verify_pdf,
};

/// One SoftHSM for the whole binary: SoftHSM reads its configuration once per process.
fn hsm() -> Option<&'static SoftHsm> {
    static HSM: OnceLock<Option<SoftHsm>> = OnceLock::new();
    HSM.get_or_init(|| {
        let mut tokens = standard_tokens();
        tokens.push(TokenSpec {
            label: "rsa4096",
            key: Some(("deep-rsa4096.key.pem", "deep-rsa4096.cert.pem", "03")),
        });
        let (key, cert) = p384_key_and_certificate();
        tokens.push(TokenSpec {
            label: "p384",
            key: Some((key, cert, "04")),
        });
        let hsm = SoftHsm::new("pkcs11-lib", &tokens)?;
        hsm.use_in_this_process();
        Some(hsm)
    })
    .as_ref()
}

/// A P-384 key and a self-signed certificate for it, generated for this run (the test PKI has
/// no P-384 key). Leaked: the fixture lives as long as the process.
fn p384_key_and_certificate() -> (&'static str, &'static str) {
    let dir = Box::leak(Box::new(common::TempDir::new("pkcs11-p384")));
    let key = dir.path().join("p384.key.pem");
    let cert = dir.path().join("p384.cert.pem");
    let status = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-384",
        ])
        .args(["-nodes", "-subj", "/CN=PKCS11 P-384 test", "-days", "2"])
        .args(["-addext", "keyUsage=critical,digitalSignature"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let leak = |path: std::path::PathBuf| &*Box::leak(path.display().to_string().into_boxed_str());
    (leak(key), leak(cert))
}

fn config(hsm: &SoftHsm, token: &str, key: &str) -> Pkcs11Config {
    Pkcs11Config::new(
        &hsm.module,
        TokenSelector::Label(token.into()),
        KeySelector::Label(key.into()),
        PinSource::File(hsm.pin_file.clone()),
    )
}

fn verify_trusted(signed: &[u8]) -> bool {
    let roots = trust_roots_from_pem(&std::fs::read(common::root_ca_pem()).unwrap()).unwrap();
    verify_pdf(signed, &VerifyOptions::trusting(roots))
        .unwrap()
        .all_valid()
}

/// Signs classic.pdf with `key` and checks it with our verifier, qpdf, pdfsig, pyHanko and
/// openssl.
fn sign_and_check_everywhere(key: &CertifiedKey, what: &str) {
    let input = common::read_pdf("classic.pdf");
    let signed = sign_pdf(&input, key, &SignOptions::default()).unwrap();
    assert!(verify_trusted(&signed), "{what}: our verifier");
    let dir = common::TempDir::new("pkcs11-sign");
    let path = dir.write("signed.pdf", &signed);
    let acceptance = common::acceptance::check_signed_output(
        &input,
        &signed,
        &path,
        &common::root_ca_pem(),
        &[],
    );
    acceptance.assert_ok(what);
    eprintln!(
        "{what}: {:?} skipped {:?}",
        acceptance.summary, acceptance.skipped
    );
}

#[test]
fn rsa_and_ecdsa_keys_sign_inside_the_token_and_every_validator_accepts() {
    let Some(hsm) = hsm() else { return };
    let rsa = load_certified_key(&config(hsm, "rsa", "demo"), None).unwrap();
    assert_eq!(
        rsa.cert_chain().len(),
        3,
        "signer, CA and root from the token"
    );
    sign_and_check_everywhere(&rsa, "RSA PKCS#1 v1.5 on SoftHSM");

    let ec = load_certified_key(&config(hsm, "ec", "demo-p256"), None).unwrap();
    let signer = ec
        .key()
        .choose_scheme(countersign::DigestAlgorithm::Sha256)
        .unwrap();
    assert!(matches!(signer.scheme(), SignatureScheme::EcdsaP256(_)));
    sign_and_check_everywhere(&ec, "ECDSA P-256 on SoftHSM");
}

#[test]
fn rsa_pss_and_sha384_sign_inside_the_token() {
    let Some(hsm) = hsm() else { return };
    let mut pss = config(hsm, "rsa", "demo");
    pss.rsa_padding = RsaPadding::Pss;
    let key = load_certified_key(&pss, None).unwrap();
    let mut options = SignOptions::default();
    options.digest = countersign::DigestAlgorithm::Sha384;
    let signed = sign_pdf(&common::read_pdf("classic.pdf"), &key, &options).unwrap();
    let report = verify_pdf(&signed, &VerifyOptions::default()).unwrap();
    assert_eq!(
        report.signatures[0].signature_algorithm,
        "SHA384withRSA/PSS"
    );
    assert!(verify_trusted(&signed));
    let dir = common::TempDir::new("pkcs11-pss");
    let path = dir.write("signed.pdf", &signed);
    let pyhanko = common::pyhanko_validate(&path, &common::root_ca_pem());
    assert!(
        pyhanko.skipped || pyhanko.all_intact_valid_trusted(),
        "{}",
        pyhanko.output
    );
}

#[test]
fn a_wrong_pin_is_a_typed_error_and_the_pin_never_shows() {
    let Some(hsm) = hsm() else { return };
    let dir = common::TempDir::new("pkcs11-pin");
    let mut wrong = config(hsm, "empty", "none");
    wrong.pin = PinSource::File(dir.write("pin", b"0000\n"));
    let error = Pkcs11Key::open(&wrong).unwrap_err();
    assert!(
        matches!(&error, Error::Pkcs11(Pkcs11Error::PinIncorrect { token }) if token == "empty"),
        "{error:?}"
    );
    assert!(!format!("{error:?} {error}").contains("0000"));

    let mut unset = config(hsm, "rsa", "demo");
    unset.pin = PinSource::Env("COUNTERSIGN_TEST_PIN_NOT_SET".into());
    let error = Pkcs11Key::open(&unset).unwrap_err();
    assert!(
        matches!(&error, Error::Pkcs11(Pkcs11Error::PinUnavailable { from, .. })
            if from == "environment variable COUNTERSIGN_TEST_PIN_NOT_SET"),
        "{error:?}"
    );

    let key = Pkcs11Key::open(&config(hsm, "rsa", "demo")).unwrap();
    assert!(!format!("{key:?} {:?}", config(hsm, "rsa", "demo")).contains(PIN));
}

#[test]
fn an_unknown_token_or_key_names_those_that_exist() {
    let Some(hsm) = hsm() else { return };
    let error = Pkcs11Key::open(&config(hsm, "nope", "demo")).unwrap_err();
    let Error::Pkcs11(Pkcs11Error::TokenNotFound { wanted, available }) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(wanted, "label nope");
    for label in ["rsa", "ec", "empty"] {
        assert!(
            available
                .iter()
                .any(|t| t.starts_with(&format!("label {label} "))),
            "{available:?}"
        );
    }
    // ...and the serial it lists selects the token too.
    let rsa = available
        .iter()
        .find(|t| t.starts_with("label rsa "))
        .unwrap();
    let serial = rsa.trim_end_matches(')').rsplit("serial ").next().unwrap();
    let mut by_serial = config(hsm, "rsa", "demo");
    by_serial.token = TokenSelector::Serial(serial.into());
    Pkcs11Key::open(&by_serial).unwrap();

    let error = Pkcs11Key::open(&config(hsm, "rsa", "other")).unwrap_err();
    let Error::Pkcs11(Pkcs11Error::KeyNotFound {
        wanted,
        matching,
        available,
        ..
    }) = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!((wanted.as_str(), *matching), ("label other", 0));
    assert_eq!(available, &["label demo (id 01)".to_string()]);
    assert!(
        error
            .to_string()
            .contains("keys present: label demo (id 01)")
    );

    let mut by_id = config(hsm, "rsa", "demo");
    by_id.key = KeySelector::id_hex("01").unwrap();
    let key = load_certified_key(&by_id, None).unwrap();
    assert!(verify_trusted(
        &sign_pdf(
            &common::read_pdf("classic.pdf"),
            &key,
            &SignOptions::default()
        )
        .unwrap()
    ));
}

#[test]
fn a_batch_signs_through_a_pool_of_two_sessions() {
    let Some(hsm) = hsm() else { return };
    let mut two = config(hsm, "ec", "demo-p256");
    two.sessions = 2;
    let key = Pkcs11Key::open(&two).unwrap();
    assert_eq!(key.sessions(), 2);
    let chain = key.certificate_chain().unwrap();
    let key = CertifiedKey::new(chain, std::sync::Arc::new(key)).unwrap();
    let documents: Vec<Vec<u8>> = ["classic.pdf", "pdf20.pdf", "classic.pdf", "pdf20.pdf"]
        .iter()
        .cycle()
        .take(12)
        .map(|name| common::read_pdf(name))
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(4) // more threads than sessions: they wait their turn
        .build()
        .unwrap();
    let results = pool.install(|| sign_batch(&documents, &key, &SignOptions::default()));
    assert_eq!(results.len(), documents.len());
    for (input, result) in documents.iter().zip(&results) {
        let signed = result.as_ref().unwrap();
        assert!(signed.starts_with(input));
        assert!(verify_trusted(signed));
    }
}

#[test]
fn the_chain_from_the_token_equals_the_chain_from_files_and_another_chain_is_refused() {
    let Some(hsm) = hsm() else { return };
    let files =
        parse_certificates(&std::fs::read(common::pki_path("demo.chain.pem")).unwrap()).unwrap();
    let from_token = load_certified_key(&config(hsm, "rsa", "demo"), None).unwrap();
    let from_files = load_certified_key(&config(hsm, "rsa", "demo"), Some(files)).unwrap();
    assert_eq!(from_token.cert_chain(), from_files.cert_chain());

    let other =
        parse_certificates(&std::fs::read(common::pki_path("demo-p256.chain.pem")).unwrap())
            .unwrap();
    let error = load_certified_key(&config(hsm, "rsa", "demo"), Some(other)).unwrap_err();
    assert!(matches!(error, Error::KeyMismatch { .. }), "{error:?}");
}

#[test]
fn rsa_4096_and_ecdsa_p384_sign_inside_the_token() {
    let Some(hsm) = hsm() else { return };
    let rsa = load_certified_key(&config(hsm, "rsa4096", "deep-rsa4096"), None).unwrap();
    let ec = load_certified_key(&config(hsm, "p384", "p384"), None).unwrap();
    for (key, algorithm) in [(&rsa, "SHA256withRSA"), (&ec, "SHA256withECDSA")] {
        let signed = sign_pdf(
            &common::read_pdf("classic.pdf"),
            key,
            &SignOptions::default(),
        )
        .unwrap();
        let report = verify_pdf(&signed, &VerifyOptions::default()).unwrap();
        let ours = &report.signatures[0];
        assert_eq!(ours.signature_algorithm, algorithm);
        assert!(ours.digest_ok && ours.signature_ok, "{ours:#?}");
    }
    let signer = ec
        .key()
        .choose_scheme(countersign::DigestAlgorithm::Sha384)
        .unwrap();
    assert!(matches!(signer.scheme(), SignatureScheme::EcdsaP384(_)));
    assert_eq!(signer.max_signature_len(), 104);
}
