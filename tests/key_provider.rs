//! The key provider: a `SigningKey` knows its public key, `CertifiedKey::new` refuses a key that
//! is not its certificate's, the RSA signer draws its own randomness, and every backend verifies.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use countersign::__private::crypto::verify_signature;
use countersign::crypto::credential::{load_pem, load_private_key, parse_certificates};
use countersign::crypto::{
    CryptoProvider, EcCurve, KeyProvider, RsaVerifyPadding, SignatureVerifier, rustcrypto,
};
use countersign::crypto::{LoadOptions, RsaPadding, SubjectPublicKeyInfoOwned};
use countersign::error::CredentialError;
use countersign::{CertifiedKey, DigestAlgorithm, Error, Signer, SigningKey};

fn read(name: &str) -> Vec<u8> {
    std::fs::read(common::pki_path(name)).unwrap()
}

fn backends() -> Vec<CryptoProvider> {
    #[allow(unused_mut)]
    let mut backends = vec![countersign::crypto::rustcrypto::default_provider()];
    #[cfg(feature = "aws-lc")]
    backends.push(countersign::crypto::aws_lc::default_provider());
    backends
}

fn options(backend: CryptoProvider, rsa_padding: RsaPadding) -> LoadOptions {
    {
        let mut load_options = LoadOptions::default();
        load_options.password = None;
        load_options.rsa_padding = rsa_padding;
        load_options.provider = backend;
        load_options
    }
}

/// An HSM stand-in: signs with a real key, reports whatever public key it was configured with.
#[derive(Debug)]
struct Hsm {
    inner: Arc<dyn SigningKey>,
    reported: SubjectPublicKeyInfoOwned,
}

impl SigningKey for Hsm {
    fn public_key(&self) -> Result<SubjectPublicKeyInfoOwned, Error> {
        Ok(self.reported.clone())
    }
    fn choose_scheme(&self, digest: DigestAlgorithm) -> Option<Box<dyn Signer>> {
        self.inner.choose_scheme(digest)
    }
}

#[test]
fn software_keys_report_the_public_key_of_their_certificate() {
    for backend in backends() {
        for (chain, key) in [
            ("demo.chain.pem", "demo.key.pem"),
            ("demo-p256.chain.pem", "demo-p256.key.pem"),
            ("deep-rsa4096.chain.pem", "deep-rsa4096.key.pem"),
        ] {
            let loaded = load_pem(
                &read(chain),
                &read(key),
                &options(backend, RsaPadding::Pkcs1v15),
            )
            .unwrap();
            let certified = loaded
                .end_entity()
                .tbs_certificate()
                .subject_public_key_info();
            assert_eq!(
                &loaded.key().public_key().unwrap(),
                certified,
                "{backend:?} {key}"
            );
        }
    }
}

#[test]
fn an_hsm_key_that_is_not_its_certificates_is_refused_at_load() {
    let chain = parse_certificates(&read("demo.chain.pem")).unwrap();
    let demo_key = load_private_key(&read("demo.key.pem"), &LoadOptions::default()).unwrap();
    // The slot holds the P-256 key but was configured with the RSA demo certificate.
    let other_key = load_private_key(&read("demo-p256.key.pem"), &LoadOptions::default()).unwrap();
    let wrong_slot = Hsm {
        reported: other_key.public_key().unwrap(),
        inner: other_key,
    };
    match CertifiedKey::new(chain.clone(), Arc::new(wrong_slot)) {
        Err(Error::KeyMismatch { subject }) => {
            assert!(subject.contains("CN="), "names the certificate: {subject}");
            let expected = chain[0].tbs_certificate().subject().to_string();
            assert_eq!(subject, expected);
        }
        other => panic!("expected KeyMismatch, got {other:?}"),
    }
    // The same HSM slot with its own certificate's key is accepted and signs.
    let right_slot = Hsm {
        reported: demo_key.public_key().unwrap(),
        inner: demo_key,
    };
    let key = CertifiedKey::new(chain, Arc::new(right_slot)).unwrap();
    let pdf = std::fs::read(common::pdf_path("classic.pdf")).unwrap();
    let signed = countersign::sign_pdf(&pdf, &key, &Default::default()).unwrap();
    let roots = parse_certificates(&std::fs::read(common::root_ca_pem()).unwrap()).unwrap();
    let report =
        countersign::verify_pdf(&signed, &countersign::VerifyOptions::trusting(roots)).unwrap();
    assert!(report.all_valid(), "{report:?}");
}

#[test]
fn a_key_issuer_pair_is_refused_even_when_the_chain_holds_the_right_certificate_later() {
    // Only the first certificate counts: a chain listed issuer-first is a configuration error.
    let mut chain = parse_certificates(&read("demo.chain.pem")).unwrap();
    chain.reverse();
    let key = load_private_key(&read("demo.key.pem"), &LoadOptions::default()).unwrap();
    assert!(matches!(
        CertifiedKey::new(chain, key),
        Err(Error::KeyMismatch { .. })
    ));
}

#[test]
fn an_empty_chain_is_refused() {
    let key = load_private_key(&read("demo.key.pem"), &LoadOptions::default()).unwrap();
    assert!(matches!(
        CertifiedKey::new(Vec::new(), key),
        Err(Error::Credential(CredentialError::EmptyChain))
    ));
}

#[test]
fn load_options_debug_does_not_print_the_password() {
    let options = {
        let mut load_options = LoadOptions::default();
        load_options.password = Some("hunter2-secret".into());
        load_options
    };
    let printed = format!("{options:?} {options:#?}");
    assert!(!printed.contains("hunter2"), "{printed}");
    assert!(printed.contains("password"), "{printed}");
    assert!(format!("{:?}", LoadOptions::default()).contains("password: None"));
}

/// PSS needs fresh randomness for its salt: two signatures of one message differ, and both verify
/// on every backend. With `rsa`'s own RNG feature off, a signer that did not pass its RNG would
/// fail here instead.
#[test]
fn rsa_pss_signatures_are_salted_and_verify_on_every_backend() {
    let message = b"signed attributes stand-in";
    for signing_backend in backends() {
        let key = load_private_key(
            &read("demo.key.pem"),
            &options(signing_backend, RsaPadding::Pss),
        )
        .unwrap();
        let signer = key.choose_scheme(DigestAlgorithm::Sha256).unwrap();
        let a = signer.sign(message).unwrap();
        let b = signer.sign(message).unwrap();
        assert_ne!(a, b, "{signing_backend:?}: PSS salt is random");
        let public_key = key.public_key().unwrap();
        let scheme = signer.scheme();
        for verifying_backend in backends() {
            for signature in [&a, &b] {
                assert!(
                    verify_signature(&verifying_backend, &public_key, scheme, message, signature)
                        .unwrap()
                );
            }
            assert!(
                !verify_signature(
                    &verifying_backend,
                    &public_key,
                    scheme,
                    b"other message",
                    &a
                )
                .unwrap()
            );
        }
    }
}

/// A signed PDF verifies, chain included, with the backend the caller picked.
#[test]
fn every_backend_verifies_a_signed_pdf_and_its_chain() {
    let key = load_pem(
        &read("demo.chain.pem"),
        &read("demo.key.pem"),
        &LoadOptions::default(),
    )
    .unwrap();
    let pdf = std::fs::read(common::pdf_path("classic.pdf")).unwrap();
    let signed = countersign::sign_pdf(&pdf, &key, &Default::default()).unwrap();
    let roots = parse_certificates(&std::fs::read(common::root_ca_pem()).unwrap()).unwrap();
    for backend in backends() {
        let options = {
            let mut verify_options = countersign::VerifyOptions::trusting(roots.clone());
            verify_options.provider = backend;
            verify_options
        };
        let report = countersign::verify_pdf(&signed, &options).unwrap();
        assert!(report.all_valid(), "{backend:?}: {report:#?}");
    }
}

/// Verification really goes through the chosen backend: AWS-LC refuses RSA keys under 2048 bits
/// (its verification algorithms are RSA_*_2048_8192), which RustCrypto verifies. The CMS and its
/// 1024-bit self-signed signer are made by `openssl`.
#[cfg(feature = "aws-lc")]
#[test]
fn the_aws_lc_backend_is_the_one_that_verifies() {
    use countersign::__private::cades::{PathCheck, verify_detached_with};
    use std::process::Command;
    if Command::new("openssl").arg("version").output().is_err() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "openssl is required in CI"
        );
        eprintln!("skipped: the openssl CLI is not installed");
        return;
    }
    let dir = common::TempDir::new("key-provider-weak");
    let data = dir.write("data.bin", b"content signed with a 1024-bit key");
    let openssl = |args: &str| {
        let output = Command::new("openssl")
            .current_dir(dir.path())
            .args(args.split_whitespace())
            .output()
            .unwrap();
        assert!(output.status.success(), "openssl {args}: {output:?}");
    };
    openssl(
        "req -x509 -newkey rsa:1024 -nodes -keyout weak.key -out weak.pem -subj /CN=weak -days 3650 -sha256",
    );
    openssl(
        "cms -sign -binary -nosmimecap -md sha256 -in data.bin -signer weak.pem -inkey weak.key -outform DER -out weak.p7s",
    );
    let cms = std::fs::read(dir.path().join("weak.p7s")).unwrap();
    let content = std::fs::read(&data).unwrap();
    let roots = parse_certificates(&std::fs::read(dir.path().join("weak.pem")).unwrap()).unwrap();
    let check = |provider| PathCheck::new(&roots, std::time::SystemTime::now(), provider);
    let rustcrypto = verify_detached_with(
        &cms,
        &[&content],
        &check(countersign::crypto::rustcrypto::default_provider()),
    )
    .unwrap();
    assert!(rustcrypto.signature_ok, "{rustcrypto:#?}");
    let aws_lc = verify_detached_with(
        &cms,
        &[&content],
        &check(countersign::crypto::aws_lc::default_provider()),
    )
    .unwrap();
    assert!(!aws_lc.signature_ok, "{aws_lc:#?}");
}

/// A decoding failure is typed and keeps the decoder's own error as its source.
#[test]
fn decoding_failures_keep_the_decoders_error_as_source() {
    use std::error::Error as _;
    let mut certificate = read("demo.cert.der");
    certificate.truncate(certificate.len() / 2);
    let error = parse_certificates(&certificate).unwrap_err();
    assert!(
        matches!(
            error,
            Error::InvalidCredential {
                what: "certificate",
                ..
            }
        ),
        "{error:?}"
    );
    let source = error.source().expect("a source");
    assert!(source.downcast_ref::<der::Error>().is_some(), "{source:?}");

    // A PRIVATE KEY block holding SEQUENCE { INTEGER 0 }: PEM is fine, PKCS#8 is not.
    let key = b"-----BEGIN PRIVATE KEY-----\nMAMCAQA=\n-----END PRIVATE KEY-----\n";
    let error = load_private_key(key, &LoadOptions::default()).unwrap_err();
    assert!(
        matches!(
            error,
            Error::InvalidCredential {
                what: "PKCS#8 private key",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.source().is_some(), "{error:?}");
}

/// Every provider verifies what every provider signs: RSA PKCS#1 v1.5 and PSS (2048 and 4096
/// bits) and ECDSA P-256, each digest. P-384 is covered with OpenSSL-made keys in tests/cades.rs.
#[test]
fn signatures_of_each_backend_verify_with_every_other() {
    let message = b"signed attributes stand-in";
    for signing in backends() {
        for (key, padding) in [
            ("demo.key.pem", RsaPadding::Pkcs1v15),
            ("demo.key.pem", RsaPadding::Pss),
            ("deep-rsa4096.key.pem", RsaPadding::Pss),
            ("demo-p256.key.pem", RsaPadding::Pkcs1v15),
        ] {
            let key = load_private_key(&read(key), &options(signing, padding)).unwrap();
            let public_key = key.public_key().unwrap();
            for digest in [
                DigestAlgorithm::Sha256,
                DigestAlgorithm::Sha384,
                DigestAlgorithm::Sha512,
            ] {
                let signer = key.choose_scheme(digest).unwrap();
                let signature = signer.sign(message).unwrap();
                for verifying in backends() {
                    let context = format!("{signing:?} {:?} by {verifying:?}", signer.scheme());
                    let verify = |message: &[u8]| {
                        verify_signature(
                            &verifying,
                            &public_key,
                            signer.scheme(),
                            message,
                            &signature,
                        )
                    };
                    assert!(verify(message).unwrap(), "{context}");
                    assert!(!verify(b"another message").unwrap(), "{context}");
                }
            }
        }
    }
}

/// A verifier that answers "does not verify" to everything, counting its calls.
#[derive(Debug)]
struct Refusing(AtomicUsize);

impl SignatureVerifier for Refusing {
    fn verify_rsa(
        &self,
        _: &[u8],
        _: RsaVerifyPadding,
        _: DigestAlgorithm,
        _: &[u8],
        _: &[u8],
    ) -> Result<bool, Error> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(false)
    }
    fn verify_ecdsa(
        &self,
        _: EcCurve,
        _: &[u8],
        _: DigestAlgorithm,
        _: &[u8],
        _: &[u8],
    ) -> Result<bool, Error> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(false)
    }
}

static REFUSING: Refusing = Refusing(AtomicUsize::new(0));

/// The provider in `VerifyOptions` is the one that checks the signature and the chain: with a
/// verifier that refuses everything, a good signature is reported invalid and untrusted.
#[test]
fn the_verify_options_provider_checks_every_signature() {
    let key = load_pem(
        &read("demo.chain.pem"),
        &read("demo.key.pem"),
        &LoadOptions::default(),
    )
    .unwrap();
    let pdf = std::fs::read(common::pdf_path("classic.pdf")).unwrap();
    let signed = countersign::sign_pdf(&pdf, &key, &Default::default()).unwrap();
    let roots = parse_certificates(&std::fs::read(common::root_ca_pem()).unwrap()).unwrap();
    let mut options = countersign::VerifyOptions::trusting(roots);
    assert!(
        countersign::verify_pdf(&signed, &options)
            .unwrap()
            .all_valid()
    );
    options.provider.verifier = &REFUSING;
    let report = countersign::verify_pdf(&signed, &options).unwrap();
    let signature = &report.signatures[0];
    assert!(!signature.signature_ok, "{report:#?}");
    assert!(
        signature
            .problems
            .contains(&countersign::Problem::SignatureInvalid)
    );
    assert_ne!(signature.chain, countersign::ChainStatus::Trusted);
    // The SignerInfo, then each candidate issuer of the path.
    assert!(REFUSING.0.load(Ordering::SeqCst) >= 2);
}

/// A key provider that counts the keys it loads, then lets RustCrypto load them.
#[derive(Debug)]
struct CountingKeys(AtomicUsize);

impl KeyProvider for CountingKeys {
    fn load_private_key(
        &self,
        pkcs8_der: &[u8],
        rsa_padding: RsaPadding,
    ) -> Result<Arc<dyn SigningKey>, Error> {
        self.0.fetch_add(1, Ordering::SeqCst);
        rustcrypto::default_provider()
            .key_provider
            .load_private_key(pkcs8_der, rsa_padding)
    }
}

static COUNTING_KEYS: CountingKeys = CountingKeys(AtomicUsize::new(0));

/// PEM, DER (PKCS#1 and encrypted PKCS#8 included) and PKCS#12 keys all reach the provider of
/// `LoadOptions`.
#[test]
fn the_load_options_provider_loads_every_key_format() {
    let mut options = LoadOptions::default();
    options.provider = CryptoProvider::new(
        "counting",
        &COUNTING_KEYS,
        rustcrypto::default_provider().verifier,
    );
    load_pem(&read("demo.chain.pem"), &read("demo.key.pem"), &options).unwrap();
    load_private_key(&read("demo.pkcs1.pem"), &options).unwrap();
    load_private_key(&read("demo-p256.sec1.pem"), &options).unwrap();
    options.password = Some("demo".into());
    load_private_key(&read("demo.key.enc.pem"), &options).unwrap();
    #[cfg(feature = "pkcs12")]
    countersign::crypto::credential::load_pkcs12(&read("demo.p12"), "demo", &options).unwrap();
    let expected = if cfg!(feature = "pkcs12") { 5 } else { 4 };
    assert_eq!(COUNTING_KEYS.0.load(Ordering::SeqCst), expected);
}
