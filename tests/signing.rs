//! Issue acceptance for the signing engine: every testdata PDF signed and accepted by pyHanko,
//! pdfsig, qpdf and openssl; re-signing; certification; credentials; external signers.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use common::acceptance::check_signed_output;
use countersign::crypto::LoadOptions;
use countersign::crypto::credential::{load_pem, load_pkcs12};
use countersign::{
    CertifiedKey, Error, SignOptions, SubFilter, VerifyOptions, sign_pdf, verify_pdf,
};

fn demo_rsa() -> CertifiedKey {
    let chain = std::fs::read(common::pki_path("demo.chain.pem")).unwrap();
    let key = std::fs::read(common::pki_path("demo.key.pem")).unwrap();
    load_pem(&chain, &key, &LoadOptions::default()).unwrap()
}

fn roots() -> Vec<x509_cert::Certificate> {
    countersign::crypto::credential::trust_roots_from_pem(
        &std::fs::read(common::root_ca_pem()).unwrap(),
    )
    .unwrap()
}

/// Signs `input`, writes it, and asserts every validator accepts it (and our own verifier).
fn sign_and_check(
    name: &str,
    input: &[u8],
    key: &CertifiedKey,
    options: &SignOptions,
    earlier_valid: &[bool],
) -> Vec<u8> {
    let output = sign_pdf(input, key, options).unwrap_or_else(|e| panic!("{name}: {e}"));
    let dir = common::TempDir::new("signing");
    let path = dir.path().join(name);
    std::fs::write(&path, &output).unwrap();
    let acceptance =
        check_signed_output(input, &output, &path, &common::root_ca_pem(), earlier_valid);
    for skipped in &acceptance.skipped {
        eprintln!("skipped: {skipped} ({name})");
    }
    acceptance.assert_ok(name);
    if let Some(subfilter) = &acceptance.pyhanko_subfilter {
        let expected = match options.subfilter {
            SubFilter::CadesDetached => "/ETSI.CAdES.detached",
            SubFilter::Pkcs7Detached => "/adbe.pkcs7.detached",
            other => panic!("no test for {other:?}"),
        };
        assert_eq!(
            subfilter, expected,
            "{name}: pyHanko read another /SubFilter"
        );
    }
    let report = verify_pdf(&output, &VerifyOptions::trusting(roots())).unwrap();
    let ours = report.signatures.last().unwrap();
    assert!(
        ours.is_valid() && ours.covers_whole_file,
        "{name}: our verifier: {ours:#?}"
    );
    output
}

#[test]
fn every_testdata_pdf_is_signed_and_accepted() {
    let key = demo_rsa();
    for path in common::all_test_pdfs() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let input = std::fs::read(&path).unwrap();
        if name == "certified-p1.pdf" {
            continue; // refused: see certified_p1_is_refused
        }
        let earlier = verify_pdf(&input, &VerifyOptions::trusting(roots())).unwrap();
        let earlier_valid: Vec<bool> = earlier.signatures.iter().map(|s| s.is_valid()).collect();
        sign_and_check(&name, &input, &key, &SignOptions::default(), &earlier_valid);
    }
}

#[test]
fn signing_twice_keeps_both_signatures_valid() {
    let key = demo_rsa();
    let once = sign_and_check(
        "once.pdf",
        &common::read_pdf("classic.pdf"),
        &key,
        &SignOptions::default(),
        &[],
    );
    let twice = sign_and_check("twice.pdf", &once, &key, &SignOptions::default(), &[true]);
    let report = verify_pdf(&twice, &VerifyOptions::trusting(roots())).unwrap();
    assert_eq!(report.signatures.len(), 2);
    assert!(report.signatures.iter().all(|s| s.is_valid()));
    assert!(!report.signatures[0].covers_whole_file && report.signatures[1].covers_whole_file);
    assert_eq!(report.signatures[1].field_name, "Signature2");
}

#[test]
fn certified_p2_stays_validly_certified() {
    let input = common::read_pdf("certified-p2.pdf");
    let output = sign_and_check(
        "certified-p2.pdf",
        &input,
        &demo_rsa(),
        &SignOptions::default(),
        &[true],
    );
    let dir = common::TempDir::new("cert-p2");
    let path = dir.path().join("out.pdf");
    std::fs::write(&path, &output).unwrap();
    let report = common::pyhanko_validate(&path, &common::root_ca_pem());
    if report.skipped {
        return;
    }
    let certification = &report.signatures[0];
    assert_eq!(
        certification.docmdp_permissions.as_deref(),
        Some("FILL_FORMS")
    );
    assert_eq!(certification.docmdp_ok, Some(true), "{certification:?}");
    assert!(certification.intact_valid_trusted(), "{certification:?}");
}

#[test]
fn certified_p1_is_refused() {
    let result = sign_pdf(
        &common::read_pdf("certified-p1.pdf"),
        &demo_rsa(),
        &SignOptions::default(),
    );
    assert!(
        matches!(result, Err(Error::CertifiedNoChanges)),
        "{result:?}"
    );
}

#[test]
fn every_key_type_credential_form_and_subfilter() {
    let input = common::read_pdf("classic.pdf");
    let read = |name: &str| std::fs::read(common::pki_path(name)).unwrap();
    let options = LoadOptions::default();
    let credentials = [
        (
            "rsa2048-pem",
            load_pem(&read("demo.chain.pem"), &read("demo.key.pem"), &options).unwrap(),
        ),
        (
            "rsa2048-p12",
            load_pkcs12(&read("demo.p12"), "demo", &options).unwrap(),
        ),
        (
            "p256-pem",
            load_pem(
                &read("demo-p256.chain.pem"),
                &read("demo-p256.key.pem"),
                &options,
            )
            .unwrap(),
        ),
        (
            "p256-p12",
            load_pkcs12(&read("demo-p256.p12"), "demo", &options).unwrap(),
        ),
        (
            "rsa4096-5chain-p12",
            load_pkcs12(&read("deep-rsa4096.p12"), "demo", &options).unwrap(),
        ),
    ];
    assert_eq!(
        credentials[4].1.cert_chain().len(),
        5,
        "the RSA-4096 credential carries a 5-certificate chain"
    );
    let pss = {
        let mut load_options = LoadOptions::default();
        load_options.rsa_padding = countersign::crypto::RsaPadding::Pss;
        load_options
    };
    let pss_key = load_pem(&read("demo.chain.pem"), &read("demo.key.pem"), &pss).unwrap();
    sign_and_check(
        "rsa2048-pss.pdf",
        &input,
        &pss_key,
        &SignOptions::default(),
        &[],
    );
    for digest in [
        countersign::DigestAlgorithm::Sha384,
        countersign::DigestAlgorithm::Sha512,
    ] {
        let options = {
            let mut sign_options = SignOptions::default();
            sign_options.digest = digest;
            sign_options
        };
        sign_and_check(
            &format!("p256-{digest:?}.pdf"),
            &input,
            &credentials[2].1,
            &options,
            &[],
        );
        sign_and_check(
            &format!("rsa-{digest:?}.pdf"),
            &input,
            &credentials[0].1,
            &options,
            &[],
        );
    }
    for (label, key) in &credentials {
        for subfilter in [SubFilter::CadesDetached, SubFilter::Pkcs7Detached] {
            let options = {
                let mut sign_options = SignOptions::default();
                sign_options.subfilter = subfilter;
                sign_options
            };
            sign_and_check(
                &format!("{label}-{subfilter:?}.pdf"),
                &input,
                key,
                &options,
                &[],
            );
        }
    }
}

/// A signer that lives outside the crate: test code holding the key, as an HSM driver would.
mod external {
    use countersign::{DigestAlgorithm, Error, SignatureScheme, Signer, SigningKey};
    use rsa::pkcs1v15::SigningKey as RsaSigningKey;
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::signature::{SignatureEncoding, Signer as _};

    #[derive(Debug)]
    pub struct TestHsm {
        pub key: rsa::PrivateKey,
    }

    struct TestHsmSigner(rsa::PrivateKey);

    impl TestHsm {
        pub fn from_pem(pem: &str) -> Self {
            Self {
                key: rsa::PrivateKey::from_pkcs8_pem(pem).unwrap(),
            }
        }
    }

    impl SigningKey for TestHsm {
        fn public_key(&self) -> Result<spki::SubjectPublicKeyInfoOwned, Error> {
            use rsa::pkcs8::EncodePublicKey;
            let der = self.key.to_public_key().to_public_key_der().unwrap();
            Ok(der::Decode::from_der(der.as_bytes()).unwrap())
        }

        fn choose_scheme(&self, digest: DigestAlgorithm) -> Option<Box<dyn Signer>> {
            (digest == DigestAlgorithm::Sha256)
                .then(|| Box::new(TestHsmSigner(self.key.clone())) as Box<dyn Signer>)
        }
    }

    impl Signer for TestHsmSigner {
        fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
            let key = RsaSigningKey::<sha2::Sha256>::new(self.0.clone());
            Ok(key.sign(message).to_vec())
        }
        fn scheme(&self) -> SignatureScheme {
            SignatureScheme::RsaPkcs1v15(DigestAlgorithm::Sha256)
        }
        fn max_signature_len(&self) -> usize {
            rsa::traits::PublicKeyParts::size(&self.0)
        }
    }
}

#[test]
fn external_signer_is_byte_identical_to_builtin_in_deterministic_mode() {
    let input = common::read_pdf("acroform.pdf");
    let builtin = demo_rsa();
    let pem = std::fs::read_to_string(common::pki_path("demo.key.pem")).unwrap();
    let external = CertifiedKey::new(
        builtin.cert_chain().to_vec(),
        Arc::new(external::TestHsm::from_pem(&pem)),
    )
    .unwrap();
    let options = {
        let mut sign_options = SignOptions::default();
        sign_options.signing_time =
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000));
        sign_options.reason = Some("approved".into());
        sign_options
    };
    let a = sign_pdf(&input, &builtin, &options).unwrap();
    let b = sign_pdf(&input, &external, &options).unwrap();
    let c = sign_pdf(&input, &builtin, &options).unwrap();
    assert_eq!(
        a, c,
        "deterministic mode must be byte-identical across runs"
    );
    assert_eq!(
        a, b,
        "an external signer must give the same bytes as the built-in one"
    );
    sign_and_check("external.pdf", &input, &external, &options, &[]);
}
