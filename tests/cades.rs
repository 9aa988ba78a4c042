//! CMS SignedData built by countersign, checked by `openssl cms -verify` and by our own verifier,
//! over a throwaway PKI generated with the `openssl` CLI.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use countersign::__private::cades::{CmsParams, build_detached, reserved_len, verify_detached};
use countersign::__private::cades::{ID_AA_SIGNING_CERTIFICATE_V2, SigningCertificateV2};
use countersign::__private::cades::{ID_SIGNING_TIME, single_value};
use countersign::Error;
use countersign::crypto::CryptoProvider;
use countersign::crypto::credential::{self, LoadOptions};
use countersign::crypto::{CertifiedKey, DigestAlgorithm, RsaPadding, SignatureScheme};
use countersign::error::CredentialError;
use countersign::{ChainStatus, EssProblem, Problem};
use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_cert::time::Time;

const PASSWORD: &str = "correct-horse";
const DIGESTS: [DigestAlgorithm; 3] = [
    DigestAlgorithm::Sha256,
    DigestAlgorithm::Sha384,
    DigestAlgorithm::Sha512,
];

/// The generated PKI: root -> org CA -> leaf signers, plus a 5-certificate chain for RSA-4096.
struct Pki {
    dir: PathBuf,
}

impl Pki {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap_or_else(|e| panic!("reading {name}: {e}"))
    }

    fn roots(&self) -> Vec<Certificate> {
        credential::trust_roots_from_pem(&self.read("root.pem")).unwrap()
    }

    fn load_pem(&self, chain: &str, key: &str, options: &LoadOptions) -> CertifiedKey {
        credential::load_pem(&self.read(chain), &self.read(key), options).unwrap()
    }
}

fn openssl_available() -> bool {
    let found = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("openssl is required in CI");
    }
    if !found {
        println!("skipped: the openssl CLI is not installed");
    }
    found
}

fn run(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

const CA_EXT: &str = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n";
const LEAF_EXT: &str = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n";

/// Runs one openssl command line (arguments split on whitespace).
fn openssl(dir: &Path, line: &str) {
    run(dir, &line.split_whitespace().collect::<Vec<_>>());
}

fn genkey(dir: &Path, name: &str, algorithm: &str) {
    let options = match algorithm {
        "rsa1024" => "-algorithm RSA -pkeyopt rsa_keygen_bits:1024",
        "rsa2048" => "-algorithm RSA -pkeyopt rsa_keygen_bits:2048",
        "rsa4096" => "-algorithm RSA -pkeyopt rsa_keygen_bits:4096",
        "p256" => "-algorithm EC -pkeyopt ec_paramgen_curve:P-256",
        "p384" => "-algorithm EC -pkeyopt ec_paramgen_curve:P-384",
        other => panic!("unknown key type {other}"),
    };
    openssl(dir, &format!("genpkey -out {name} {options}"));
}

/// Issues `name.pem` for `name.key` from `issuer` (its `.pem` and `.key`).
fn issue(dir: &Path, name: &str, subject: &str, issuer: &str, ext: &str, serial: u32, days: u32) {
    let csr = format!("{name}.csr");
    run(
        dir,
        &[
            "req",
            "-new",
            "-key",
            &format!("{name}.key"),
            "-subj",
            subject,
            "-out",
            &csr,
        ],
    );
    std::fs::write(dir.join(format!("{name}.ext")), ext).unwrap();
    openssl(
        dir,
        &format!(
            "x509 -req -in {csr} -CA {issuer}.pem -CAkey {issuer}.key -set_serial {serial:#x} -days {days} \
             -sha256 -extfile {name}.ext -out {name}.pem"
        ),
    );
}

fn concat(dir: &Path, out: &str, parts: &[&str]) {
    let mut bytes = Vec::new();
    for part in parts {
        bytes.extend(std::fs::read(dir.join(part)).unwrap());
    }
    std::fs::write(dir.join(out), bytes).unwrap();
}

fn pki() -> Option<&'static Pki> {
    static PKI: OnceLock<Option<Pki>> = OnceLock::new();
    PKI.get_or_init(|| {
        if !openssl_available() {
            return None;
        }
        // Under target/tmp so that repeated runs reuse (and replace) one directory.
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cades-pki");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        build_pki(&dir);
        Some(Pki { dir })
    })
    .as_ref()
}

fn build_pki(d: &Path) {
    genkey(d, "root.key", "rsa2048");
    let subject = "/O=Countersign Test/CN=Test Root";
    run(
        d,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "root.key",
            "-subj",
            subject,
            "-days",
            "3650",
            "-extensions",
            "v3_ca",
            "-out",
            "root.pem",
        ],
    );
    genkey(d, "ca.key", "rsa2048");
    issue(
        d,
        "ca",
        "/O=Countersign Test/CN=Org CA",
        "root",
        CA_EXT,
        0x1001,
        3650,
    );
    for (name, serial) in [("rsa2048", 0x2001), ("p256", 0x2002), ("p384", 0x2003)] {
        genkey(d, &format!("{name}.key"), name);
        let subject = format!("/O=Countersign Test/CN=Signer {name}");
        issue(d, name, &subject, "ca", LEAF_EXT, serial, 365);
    }
    genkey(d, "rsa4096.key", "rsa4096");
    for (name, issuer, serial) in [("ca2", "ca", 0x3001), ("ca3", "ca2", 0x3002)] {
        genkey(d, &format!("{name}.key"), "p256");
        let subject = format!("/O=Countersign Test/CN=Sub CA {name}");
        issue(d, name, &subject, issuer, CA_EXT, serial, 3650);
    }
    // Serial with the high bit set: DER adds a sign byte the report must not show.
    let subject = "/O=Countersign Test/CN=Signer rsa4096";
    issue(d, "rsa4096", subject, "ca3", LEAF_EXT, 0x8000_0001, 365);

    // Chains in a deliberately scrambled order: the loader must sort them.
    for name in ["rsa2048", "p256", "p384"] {
        let leaf = format!("{name}.pem");
        concat(
            d,
            &format!("{name}.chain.pem"),
            &["root.pem", &leaf, "ca.pem"],
        );
    }
    let five = ["ca2.pem", "root.pem", "rsa4096.pem", "ca3.pem", "ca.pem"];
    concat(d, "rsa4096.chain.pem", &five);

    // The other key encodings.
    let pass = format!("pass:{PASSWORD}");
    for line in [
        "pkey -in rsa2048.key -traditional -out rsa2048.pkcs1.pem".to_string(),
        "pkey -in p256.key -traditional -out p256.sec1.pem".to_string(),
        "pkey -in p256.key -traditional -outform DER -out p256.sec1.der".to_string(),
        "pkey -in rsa2048.key -outform DER -out rsa2048.key.der".to_string(),
        format!("pkcs8 -topk8 -in p384.key -out p384.enc.pem -passout {pass}"),
        format!("pkcs8 -topk8 -in rsa2048.key -outform DER -out rsa2048.enc.der -passout {pass}"),
    ] {
        openssl(d, &line);
    }
    for name in ["rsa2048", "root", "ca"] {
        openssl(
            d,
            &format!("x509 -in {name}.pem -outform DER -out {name}.der"),
        );
    }
    for name in ["rsa2048", "p256", "rsa4096"] {
        openssl(
            d,
            &format!(
                "pkcs12 -export -inkey {name}.key -in {name}.pem -certfile {name}.chain.pem -out {name}.p12 -passout {pass}"
            ),
        );
    }
}

fn backends() -> Vec<CryptoProvider> {
    #[allow(unused_mut)]
    let mut backends = vec![countersign::crypto::rustcrypto::default_provider()];
    #[cfg(feature = "aws-lc")]
    backends.push(countersign::crypto::aws_lc::default_provider());
    backends
}

fn options(backend: CryptoProvider, padding: RsaPadding) -> LoadOptions {
    {
        let mut load_options = LoadOptions::default();
        load_options.password = None;
        load_options.rsa_padding = padding;
        load_options.provider = backend;
        load_options
    }
}

/// `openssl cms -verify` verdict for `cms` over `data`, trusting root.pem.
fn openssl_verifies(pki: &Pki, tag: &str, cms: &[u8], data: &[u8]) -> bool {
    let sig = pki.path(&format!("{tag}.sig.der"));
    let content = pki.path(&format!("{tag}.data.bin"));
    std::fs::write(&sig, cms).unwrap();
    std::fs::write(&content, data).unwrap();
    let output = Command::new("openssl")
        .args([
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-purpose",
            "any",
            "-out",
            "/dev/null",
            "-in",
        ])
        .arg(&sig)
        .arg("-content")
        .arg(&content)
        .arg("-CAfile")
        .arg(pki.path("root.pem"))
        .output()
        .unwrap();
    output.status.success()
}

fn signed_attributes(cms: &[u8]) -> cms::signed_data::SignedAttributes {
    let content_info = ContentInfo::from_der(cms).unwrap();
    let signed_data: SignedData = content_info.content.decode_as().unwrap();
    let signer_info = signed_data.signer_infos.0.iter().next().unwrap().clone();
    signer_info.signed_attrs.unwrap()
}

fn document_digest(digest: DigestAlgorithm, data: &[u8]) -> Vec<u8> {
    digest.digest_chunks(&[data])
}

/// Signs `data`, then checks size, attributes, OpenSSL's verdict and ours, tampered data included.
fn check_round_trip(pki: &Pki, tag: &str, key: &CertifiedKey, digest: DigestAlgorithm) {
    let data = format!("document bytes for {tag}, {digest:?}").into_bytes();
    let params = CmsParams {
        digest,
        signing_time: None,
        ..CmsParams::default()
    };
    let cms = build_detached(key, &params, &document_digest(digest, &data)).unwrap();
    let reserved = reserved_len(key, &params).unwrap();
    assert!(
        cms.len() <= reserved,
        "{tag}: {} bytes > reserved {reserved}",
        cms.len()
    );

    let attributes = signed_attributes(&cms);
    assert!(
        attributes.iter().all(|a| a.oid != ID_SIGNING_TIME),
        "{tag}: unexpected signing-time"
    );
    let ess: SigningCertificateV2 = single_value(&attributes, ID_AA_SIGNING_CERTIFICATE_V2)
        .unwrap()
        .unwrap();
    let signer_der = key.cert_chain()[0].to_der().unwrap();
    assert_eq!(
        ess.certs[0].hash_algorithm, None,
        "{tag}: SHA-256 must be the omitted default"
    );
    assert_eq!(
        ess.certs[0].cert_hash.as_bytes(),
        DigestAlgorithm::Sha256.digest_chunks(&[&signer_der])
    );

    assert!(
        openssl_verifies(pki, tag, &cms, &data),
        "{tag} {digest:?}: openssl rejects the signature"
    );
    let mut tampered = data.clone();
    tampered[0] ^= 1;
    assert!(
        !openssl_verifies(pki, tag, &cms, &tampered),
        "{tag}: openssl accepts tampered data"
    );

    let report = verify_detached(&cms, &[&data[..3], &data[3..]], &pki.roots(), None).unwrap();
    assert!(
        report.digest_ok && report.signature_ok,
        "{tag}: {:?}",
        report.problems
    );
    assert_eq!(
        report.chain,
        ChainStatus::Trusted,
        "{tag}: {:?}",
        report.problems
    );
    assert!(report.problems.is_empty(), "{tag}: {:?}", report.problems);
    assert_eq!(report.digest_algorithm, Some(digest));
    assert_eq!(report.signing_time, None);
    let bad = verify_detached(&cms, &[&tampered], &pki.roots(), None).unwrap();
    assert!(
        !bad.digest_ok && bad.signature_ok,
        "{tag}: tampered data: {:?}",
        bad.problems
    );
    assert_eq!(bad.problems, [Problem::DigestMismatch], "{tag}");
}

#[test]
fn every_key_type_and_digest_verifies_with_openssl_and_ourselves() {
    let Some(pki) = pki() else { return };
    for backend in backends() {
        for (tag, chain, key, padding, algorithm) in [
            (
                "rsa2048",
                "rsa2048.chain.pem",
                "rsa2048.key",
                RsaPadding::Pkcs1v15,
                "RSA",
            ),
            (
                "rsa2048-pss",
                "rsa2048.chain.pem",
                "rsa2048.key",
                RsaPadding::Pss,
                "RSA/PSS",
            ),
            (
                "rsa4096",
                "rsa4096.chain.pem",
                "rsa4096.key",
                RsaPadding::Pkcs1v15,
                "RSA",
            ),
            (
                "p256",
                "p256.chain.pem",
                "p256.key",
                RsaPadding::Pkcs1v15,
                "ECDSA",
            ),
            (
                "p384",
                "p384.chain.pem",
                "p384.key",
                RsaPadding::Pkcs1v15,
                "ECDSA",
            ),
        ] {
            let key = pki.load_pem(chain, key, &options(backend, padding));
            for digest in DIGESTS {
                check_round_trip(pki, tag, &key, digest);
                let data = b"name check";
                let cms = build_detached(
                    &key,
                    &CmsParams {
                        digest,
                        signing_time: None,
                        ..CmsParams::default()
                    },
                    &document_digest(digest, data),
                )
                .unwrap();
                let report = verify_detached(&cms, &[data], &[], None).unwrap();
                let expected = match digest {
                    DigestAlgorithm::Sha256 => "SHA256",
                    DigestAlgorithm::Sha384 => "SHA384",
                    DigestAlgorithm::Sha512 => "SHA512",
                    other => panic!("no test for {other:?}"),
                };
                assert_eq!(
                    report.signature_algorithm,
                    format!("{expected}with{algorithm}")
                );
                assert_eq!(report.chain, ChainStatus::NotChecked);
            }
        }
    }
}

#[test]
fn rsa_4096_with_five_certificate_chain() {
    let Some(pki) = pki() else { return };
    let key = pki.load_pem("rsa4096.chain.pem", "rsa4096.key", &LoadOptions::default());
    let subjects: Vec<String> = key
        .cert_chain()
        .iter()
        .map(|c| c.tbs_certificate().subject().to_string())
        .collect();
    assert_eq!(
        subjects,
        [
            "CN=Signer rsa4096,O=Countersign Test",
            "CN=Sub CA ca3,O=Countersign Test",
            "CN=Sub CA ca2,O=Countersign Test",
            "CN=Org CA,O=Countersign Test",
            "CN=Test Root,O=Countersign Test",
        ]
    );
    let data = b"five certificates";
    let params = CmsParams::default();
    let cms = build_detached(&key, &params, &document_digest(params.digest, data)).unwrap();
    assert!(cms.len() <= reserved_len(&key, &params).unwrap());
    let report = verify_detached(&cms, &[data], &pki.roots(), None).unwrap();
    assert!(report.is_valid(), "{:?}", report.problems);
    assert_eq!(report.signer_serial_hex, "80000001");
    assert_eq!(
        report.signer_subject,
        "CN=Signer rsa4096,O=Countersign Test"
    );
}

#[test]
fn ecdsa_signatures_always_fit_the_reservation() {
    let Some(pki) = pki() else { return };
    for backend in backends() {
        for name in ["p256", "p384"] {
            let key = pki.load_pem(
                &format!("{name}.chain.pem"),
                &format!("{name}.key"),
                &options(backend, RsaPadding::Pkcs1v15),
            );
            for digest in DIGESTS {
                let params = CmsParams {
                    digest,
                    signing_time: None,
                    ..CmsParams::default()
                };
                let reserved = reserved_len(&key, &params).unwrap();
                let mut shortest = usize::MAX;
                for round in 0..50u32 {
                    let cms = build_detached(
                        &key,
                        &params,
                        &document_digest(digest, &round.to_be_bytes()),
                    )
                    .unwrap();
                    assert!(cms.len() <= reserved, "{name} {digest:?} round {round}");
                    shortest = shortest.min(cms.len());
                    if backend.name == "rustcrypto" && round == 0 {
                        // RFC 6979: the same input gives the same signature.
                        let again = build_detached(
                            &key,
                            &params,
                            &document_digest(digest, &round.to_be_bytes()),
                        );
                        assert_eq!(again.unwrap(), cms, "{name} {digest:?}: not deterministic");
                    }
                }
                // The signature length varies with r and s; the reservation must cover the longest.
                assert!(
                    shortest < reserved,
                    "{name} {digest:?}: reservation not above the shortest encoding"
                );
            }
        }
    }
}

#[test]
fn every_credential_format_loads_the_same_signer() {
    let Some(pki) = pki() else { return };
    let with_password = {
        let mut load_options = LoadOptions::default();
        load_options.password = Some(PASSWORD.into());
        load_options
    };
    let loaded = [
        (
            "PKCS#8 PEM",
            pki.load_pem("rsa2048.chain.pem", "rsa2048.key", &LoadOptions::default()),
        ),
        (
            "PKCS#1 PEM",
            pki.load_pem(
                "rsa2048.chain.pem",
                "rsa2048.pkcs1.pem",
                &LoadOptions::default(),
            ),
        ),
        (
            "SEC1 PEM",
            pki.load_pem("p256.chain.pem", "p256.sec1.pem", &LoadOptions::default()),
        ),
        (
            "encrypted PKCS#8 PEM",
            pki.load_pem("p384.chain.pem", "p384.enc.pem", &with_password),
        ),
        (
            "DER",
            credential::load_der(
                &[
                    &pki.read("ca.der"),
                    &pki.read("rsa2048.der"),
                    &pki.read("root.der"),
                ],
                &pki.read("rsa2048.key.der"),
                &LoadOptions::default(),
            )
            .unwrap(),
        ),
        (
            "encrypted PKCS#8 DER",
            credential::load_der(
                &[&pki.read("rsa2048.der"), &pki.read("ca.der")],
                &pki.read("rsa2048.enc.der"),
                &with_password,
            )
            .unwrap(),
        ),
        (
            "SEC1 DER",
            credential::certified_key(
                credential::parse_certificates(&pki.read("p256.chain.pem")).unwrap(),
                credential::load_private_key(&pki.read("p256.sec1.der"), &LoadOptions::default())
                    .unwrap(),
            )
            .unwrap(),
        ),
        (
            "PKCS#12 RSA",
            credential::load_pkcs12(&pki.read("rsa2048.p12"), PASSWORD, &LoadOptions::default())
                .unwrap(),
        ),
        (
            "PKCS#12 P-256",
            credential::load_pkcs12(&pki.read("p256.p12"), PASSWORD, &LoadOptions::default())
                .unwrap(),
        ),
        (
            "PKCS#12 RSA-4096",
            credential::load_pkcs12(&pki.read("rsa4096.p12"), PASSWORD, &LoadOptions::default())
                .unwrap(),
        ),
    ];
    for (format, key) in loaded {
        let leaf = key.cert_chain()[0].tbs_certificate();
        assert!(
            leaf.subject().to_string().starts_with("CN=Signer"),
            "{format}: leaf is {}",
            leaf.subject()
        );
        for pair in key.cert_chain().windows(2) {
            assert_eq!(
                pair[0].tbs_certificate().issuer(),
                pair[1].tbs_certificate().subject(),
                "{format}: chain order"
            );
        }
        let data = format.as_bytes();
        let params = CmsParams::default();
        let cms = build_detached(&key, &params, &document_digest(params.digest, data)).unwrap();
        assert!(
            openssl_verifies(pki, "formats", &cms, data),
            "{format}: openssl rejects"
        );
        let report = verify_detached(&cms, &[data], &pki.roots(), None).unwrap();
        assert!(report.is_valid(), "{format}: {:?}", report.problems);
    }
}

fn credential_error(result: Result<CertifiedKey, Error>) -> CredentialError {
    match result {
        Err(Error::Credential(reason)) => reason,
        Err(other) => panic!("expected a credential error, got {other:?}"),
        Ok(_) => panic!("expected a credential error, the credential loaded"),
    }
}

#[test]
fn credential_errors_name_the_problem() {
    let Some(pki) = pki() else { return };
    genkey(&pki.dir, "rsa1024.key", "rsa1024");
    let reason =
        match credential::load_private_key(&pki.read("rsa1024.key"), &LoadOptions::default()) {
            Err(Error::Credential(reason)) => reason,
            other => panic!("a 1024-bit key must be refused, got {other:?}"),
        };
    assert!(
        matches!(
            reason,
            CredentialError::RsaKeySize {
                bits: 1024,
                min: 2048,
                max: 4096
            }
        ),
        "{reason:?}"
    );
    assert!(reason.to_string().contains("1024 bits"), "{reason}");
    let wrong = {
        let mut load_options = LoadOptions::default();
        load_options.password = Some("wrong".into());
        load_options
    };
    let reason = credential_error(credential::load_pem(
        &pki.read("p384.chain.pem"),
        &pki.read("p384.enc.pem"),
        &wrong,
    ));
    assert!(
        matches!(reason, CredentialError::WrongPassword),
        "{reason:?}"
    );
    let reason = credential_error(credential::load_pem(
        &pki.read("p384.chain.pem"),
        &pki.read("p384.enc.pem"),
        &LoadOptions::default(),
    ));
    assert!(
        matches!(reason, CredentialError::PasswordRequired),
        "{reason:?}"
    );
    let reason = credential_error(credential::load_pkcs12(
        &pki.read("rsa2048.p12"),
        "wrong",
        &LoadOptions::default(),
    ));
    assert!(
        matches!(reason, CredentialError::WrongPassword),
        "{reason:?}"
    );
    let reason = credential_error(credential::load_pem(
        &pki.read("p256.chain.pem"),
        &pki.read("rsa2048.key"),
        &LoadOptions::default(),
    ));
    assert!(
        matches!(reason, CredentialError::NoMatchingCertificate),
        "{reason:?}"
    );
    let reason = credential_error(credential::load_pem(
        &pki.read("p256.chain.pem"),
        &pki.read("p256.chain.pem"),
        &LoadOptions::default(),
    ));
    assert!(
        matches!(reason, CredentialError::NoPrivateKey),
        "{reason:?}"
    );
    match credential::load_pem(
        b"not a certificate",
        &pki.read("p256.key"),
        &LoadOptions::default(),
    ) {
        Err(
            error @ Error::InvalidCredential {
                what: "certificate",
                ..
            },
        ) => {
            assert!(error.to_string().contains("invalid certificate"), "{error}");
        }
        other => panic!("expected InvalidCredential, got {other:?}"),
    }
}

#[test]
fn signing_time_is_written_only_when_asked() {
    let Some(pki) = pki() else { return };
    let key = pki.load_pem("p256.chain.pem", "p256.key", &LoadOptions::default());
    let when = UNIX_EPOCH + Duration::from_secs(1_780_000_000);
    let params = CmsParams {
        digest: DigestAlgorithm::Sha256,
        signing_time: Some(when + Duration::from_millis(400)),
        ..CmsParams::default()
    };
    let data = b"adbe.pkcs7.detached";
    let cms = build_detached(&key, &params, &document_digest(params.digest, data)).unwrap();
    assert!(cms.len() <= reserved_len(&key, &params).unwrap());
    let time: Time = single_value(&signed_attributes(&cms), ID_SIGNING_TIME)
        .unwrap()
        .unwrap();
    assert!(
        matches!(time, Time::UtcTime(_)),
        "before 2050 signing-time is UTCTime"
    );
    assert_eq!(time.to_system_time(), when);
    assert!(openssl_verifies(pki, "signing-time", &cms, data));
    let report = verify_detached(&cms, &[data], &pki.roots(), None).unwrap();
    assert!(report.is_valid(), "{:?}", report.problems);
    assert_eq!(report.signing_time, Some(when));
}

#[test]
fn chain_evaluation_reports_untrusted_paths() {
    let Some(pki) = pki() else { return };
    let key = pki.load_pem("rsa2048.chain.pem", "rsa2048.key", &LoadOptions::default());
    let data = b"chains";
    let params = CmsParams::default();
    let cms = build_detached(&key, &params, &document_digest(params.digest, data)).unwrap();

    // The org CA as the anchor: the path stops there.
    let ca = credential::parse_certificates(&pki.read("ca.pem")).unwrap();
    assert_eq!(
        verify_detached(&cms, &[data], &ca, None).unwrap().chain,
        ChainStatus::Trusted
    );

    // A root that issued nothing here.
    let other = credential::parse_certificates(&pki.read("ca3.pem")).unwrap();
    let report = verify_detached(&cms, &[data], &other, None).unwrap();
    assert!(
        matches!(report.chain, ChainStatus::Untrusted(_)),
        "{:?}",
        report.chain
    );
    assert!(report.digest_ok && report.signature_ok && !report.is_valid());

    // After the signer certificate (365 days) has expired.
    let later = SystemTime::now() + Duration::from_secs(400 * 86_400);
    let report = verify_detached(&cms, &[data], &pki.roots(), Some(later)).unwrap();
    match &report.chain {
        ChainStatus::Untrusted(Problem::CertificateExpired { at, not_after, .. }) => {
            assert_eq!((*at, Some(*not_after)), (later, report.signer_not_after))
        }
        other => panic!("expected expiry, got {other:?}"),
    }
    assert!(report.signer_not_after.unwrap() < later);
}

#[test]
fn bad_signatures_are_reported_and_garbage_is_an_error() {
    let Some(pki) = pki() else { return };
    let key = pki.load_pem("p384.chain.pem", "p384.key", &LoadOptions::default());
    let data = b"bad signatures";
    let params = CmsParams::default();
    let cms = build_detached(&key, &params, &document_digest(params.digest, data)).unwrap();

    // /Contents padding after the DER is accepted.
    let mut padded = cms.clone();
    padded.resize(cms.len() + 5000, 0);
    assert!(
        verify_detached(&padded, &[data], &pki.roots(), None)
            .unwrap()
            .is_valid()
    );

    // Flip a byte of the signature value (the last bytes of the encoding).
    let mut forged = cms.clone();
    let last = forged.len() - 3;
    forged[last] ^= 0x55;
    let report = verify_detached(&forged, &[data], &pki.roots(), None).unwrap();
    assert!(
        report.digest_ok && !report.signature_ok,
        "{:?}",
        report.problems
    );
    assert!(report.problems.contains(&Problem::SignatureInvalid));

    for garbage in [
        &b""[..],
        b"\x30\x82\xff\xff",
        b"%PDF-1.7",
        &cms[..cms.len() / 2],
        &[0u8; 64],
    ] {
        assert!(
            matches!(
                verify_detached(garbage, &[data], &[], None),
                Err(Error::Cms(_) | Error::Der { .. })
            ),
            "{garbage:?} should be a CMS error"
        );
    }
    // A well-formed element that is not a ContentInfo.
    let certificate = pki.read("root.der");
    assert!(matches!(
        verify_detached(&certificate, &[data], &[], None),
        Err(Error::Cms(_) | Error::Der { .. })
    ));
}

/// Signs with every backend and checks the signature with every backend's verifier.
#[test]
fn backends_sign_and_verify_interchangeably() {
    let Some(pki) = pki() else { return };
    let verifiers = verifiers();
    for backend in backends() {
        for (chain, key, padding) in [
            ("rsa2048.chain.pem", "rsa2048.key", RsaPadding::Pkcs1v15),
            ("rsa2048.chain.pem", "rsa2048.key", RsaPadding::Pss),
            ("p256.chain.pem", "p256.key", RsaPadding::Pkcs1v15),
            ("p384.chain.pem", "p384.key", RsaPadding::Pkcs1v15),
        ] {
            let key = pki.load_pem(chain, key, &options(backend, padding));
            let public_key = key.cert_chain()[0]
                .tbs_certificate()
                .subject_public_key_info();
            for digest in DIGESTS {
                let signer = key.key().choose_scheme(digest).unwrap();
                assert_eq!(signer.scheme().digest(), digest);
                let message = b"signed attributes stand-in";
                let signature = signer.sign(message).unwrap();
                assert!(signature.len() <= signer.max_signature_len());
                if matches!(
                    signer.scheme(),
                    SignatureScheme::RsaPkcs1v15(_) | SignatureScheme::RsaPss(_)
                ) {
                    assert_eq!(
                        signature.len(),
                        signer.max_signature_len(),
                        "RSA signatures are modulus-sized"
                    );
                }
                let algorithm =
                    countersign::__private::crypto::signature_algorithm(signer.scheme());
                for (name, provider) in &verifiers {
                    let verify = |key, algorithm, message: &[u8], signature: &[u8]| {
                        countersign::__private::crypto::verify_algorithm(
                            provider, key, algorithm, message, signature,
                        )
                    };
                    let context = format!("{backend:?} {:?} verified by {name}", signer.scheme());
                    assert!(
                        verify(public_key, &algorithm, message, &signature).unwrap(),
                        "{context}"
                    );
                    assert!(
                        !verify(public_key, &algorithm, b"other message", &signature).unwrap(),
                        "{context}"
                    );
                }
            }
        }
    }
}

fn verifiers() -> Vec<(&'static str, CryptoProvider)> {
    backends().into_iter().map(|p| (p.name, p)).collect()
}

/// OpenSSL's own CMS variants: signed attributes in OpenSSL's order with signing-time and
/// S/MIME capabilities, no signed attributes, a subjectKeyIdentifier sid, RSA-PSS.
#[test]
fn verifies_cms_made_by_openssl() {
    let Some(pki) = pki() else { return };
    let data = b"made by openssl cms -sign";
    std::fs::write(pki.path("openssl-data.bin"), data).unwrap();
    for (tag, signer, extra) in [
        ("default", "rsa2048", ""),
        ("noattr", "rsa2048", "-noattr"),
        ("keyid", "p256", "-keyid"),
        ("sha384", "p384", "-md sha384"),
        ("pss", "rsa2048", "-keyopt rsa_padding_mode:pss"),
    ] {
        let out = format!("openssl-{tag}.der");
        openssl(
            &pki.dir,
            &format!(
                "cms -sign -binary -in openssl-data.bin -outform DER -out {out} -certfile ca.pem \
                 -signer {signer}.pem -inkey {signer}.key {extra}"
            ),
        );
        let cms = pki.read(&out);
        let report = verify_detached(&cms, &[data], &pki.roots(), None).unwrap();
        assert!(report.is_valid(), "{tag}: {:?}", report.problems);
        assert_eq!(
            report.signer_subject,
            format!("CN=Signer {signer},O=Countersign Test"),
            "{tag}"
        );
        assert_eq!(
            report.signing_time.is_some(),
            tag != "noattr",
            "{tag}: OpenSSL adds signing-time"
        );
        let tampered = verify_detached(&cms, &[b"other data"], &pki.roots(), None).unwrap();
        assert!(!tampered.is_valid(), "{tag}: tampered data accepted");
    }
}

/// `openssl pkcs12 -nodes` output: "Bag Attributes" text, the key and the certificates in one file.
#[test]
fn combined_pem_with_bag_attributes_loads() {
    let Some(pki) = pki() else { return };
    openssl(
        &pki.dir,
        &format!("pkcs12 -in p256.p12 -nodes -passin pass:{PASSWORD} -out p256.combined.pem"),
    );
    let combined = pki.read("p256.combined.pem");
    assert!(String::from_utf8_lossy(&combined).contains("Bag Attributes"));
    let key = credential::load_pem(&combined, &combined, &LoadOptions::default()).unwrap();
    assert_eq!(key.cert_chain().len(), 3);
    assert_eq!(
        key.cert_chain()[0].tbs_certificate().subject().to_string(),
        "CN=Signer p256,O=Countersign Test"
    );
}

/// Swapping the signer certificate for another one with the same key keeps the signature valid
/// mathematically; only the ESS signing-certificate-v2 attribute reveals the substitution.
#[test]
fn ess_binding_detects_a_substituted_certificate() {
    use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
    use cms::signed_data::{CertificateSet, SignerIdentifier, SignerInfos};
    use der::asn1::SetOfVec;

    let Some(pki) = pki() else { return };
    // A second certificate for the same key, under another file name (tests run in parallel).
    std::fs::copy(pki.path("rsa2048.key"), pki.path("twin.key")).unwrap();
    let subject = "/O=Countersign Test/CN=Signer rsa2048 twin";
    issue(&pki.dir, "twin", subject, "ca", LEAF_EXT, 0x2101, 365);
    let twin = credential::parse_certificates(&pki.read("twin.pem"))
        .unwrap()
        .remove(0);

    let key = pki.load_pem("rsa2048.chain.pem", "rsa2048.key", &LoadOptions::default());
    let data = b"ESS";
    let params = CmsParams::default();
    let cms = build_detached(&key, &params, &document_digest(params.digest, data)).unwrap();
    assert!(
        verify_detached(&cms, &[data], &pki.roots(), None)
            .unwrap()
            .is_valid()
    );

    let content_info = ContentInfo::from_der(&cms).unwrap();
    let mut signed_data: SignedData = content_info.content.decode_as().unwrap();
    let mut signer_info = signed_data.signer_infos.0.iter().next().unwrap().clone();
    signer_info.sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: twin.tbs_certificate().issuer().clone(),
        serial_number: twin.tbs_certificate().serial_number().clone(),
    });
    signed_data.signer_infos = SignerInfos(SetOfVec::try_from(vec![signer_info]).unwrap());
    let mut certificates: Vec<CertificateChoices> = key.cert_chain()[1..]
        .iter()
        .cloned()
        .map(CertificateChoices::Certificate)
        .collect();
    certificates.push(CertificateChoices::Certificate(twin));
    signed_data.certificates = Some(CertificateSet(SetOfVec::try_from(certificates).unwrap()));
    let swapped = ContentInfo {
        content_type: content_info.content_type,
        content: der::Any::encode_from(&signed_data).unwrap(),
    }
    .to_der()
    .unwrap();

    let report = verify_detached(&swapped, &[data], &pki.roots(), None).unwrap();
    assert_eq!(
        report.signer_subject,
        "CN=Signer rsa2048 twin,O=Countersign Test"
    );
    assert!(
        report.digest_ok && !report.signature_ok,
        "{:?}",
        report.problems
    );
    assert!(
        report
            .problems
            .contains(&Problem::SigningCertificate(EssProblem::HashMismatch {
                v2: true
            })),
        "{:?}",
        report.problems
    );
}

/// Every truncation is a CMS error and no single-byte corruption panics.
#[test]
fn corrupted_cms_never_panics() {
    let Some(pki) = pki() else { return };
    let key = pki.load_pem("p256.chain.pem", "p256.key", &LoadOptions::default());
    let data = b"robustness";
    let params = CmsParams::default();
    let cms = build_detached(&key, &params, &document_digest(params.digest, data)).unwrap();
    for len in 0..cms.len() {
        assert!(
            matches!(
                verify_detached(&cms[..len], &[data], &[], None),
                Err(Error::Cms(_) | Error::Der { .. })
            ),
            "prefix of {len} bytes"
        );
    }
    // Without trust roots the issuer certificates are not checked: they are unsigned data of the
    // SignedData. Everything else (signer certificate included, via ESS) must be protected.
    // The SignedData digestAlgorithms list is a hint for one-pass processing, also unsigned.
    let signed_data: SignedData = ContentInfo::from_der(&cms)
        .unwrap()
        .content
        .decode_as()
        .unwrap();
    let mut unsigned_parts: Vec<Vec<u8>> = key.cert_chain()[1..]
        .iter()
        .map(|c| c.to_der().unwrap())
        .collect();
    unsigned_parts.push(signed_data.digest_algorithms.to_der().unwrap());
    let unprotected: Vec<std::ops::Range<usize>> = unsigned_parts
        .iter()
        .map(|der| {
            let start = cms
                .windows(der.len())
                .position(|w| w == der.as_slice())
                .unwrap();
            start..start + der.len()
        })
        .collect();
    // Every third byte keeps the debug-build run short while touching every structure.
    for index in (0..cms.len()).step_by(3) {
        let mut corrupted = cms.clone();
        corrupted[index] ^= 0x80;
        let valid = verify_detached(&corrupted, &[data], &[], None)
            .is_ok_and(|r| r.is_valid_ignoring_trust());
        if valid {
            assert!(
                unprotected.iter().any(|r| r.contains(&index)),
                "corrupting byte {index} went unnoticed"
            );
        }
    }
}

/// pyHanko's generic CMS validation, which (unlike OpenSSL) checks the ESS
/// signing-certificate-v2 attribute.
const PYHANKO_CHECK: &str = r#"
import asyncio, sys
from asn1crypto import cms, pem, x509
from pyhanko.sign.validation import async_validate_detached_cms
from pyhanko_certvalidator import ValidationContext
signature, data, root = (open(p, 'rb').read() for p in sys.argv[1:4])
root = x509.Certificate.load(pem.unarmor(root)[2])
status = asyncio.run(async_validate_detached_cms(
    data, cms.ContentInfo.load(signature)['content'],
    signer_validation_context=ValidationContext(trust_roots=[root])))
print(status.intact, status.valid, status.trusted)
sys.exit(0 if status.intact and status.valid and status.trusted else 1)
"#;

fn pyhanko_python() -> Option<String> {
    // The CI script installs pyHanko into <repo>/.venv.
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python3");
    let candidates = [
        std::env::var("PYHANKO_PYTHON").ok(),
        Some(venv.to_string_lossy().into_owned()),
        Some("python3".to_string()),
    ];
    for python in candidates.into_iter().flatten() {
        let found = Command::new(&python)
            .args(["-c", "import pyhanko.sign.validation"])
            .output()
            .is_ok_and(|o| o.status.success());
        if found {
            return Some(python);
        }
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("pyHanko is required in CI (set PYHANKO_PYTHON or install it into .venv)");
    }
    println!("skipped: no Python interpreter with pyHanko (PYHANKO_PYTHON, .venv, python3)");
    None
}

#[test]
fn pyhanko_accepts_every_key_type() {
    let Some(pki) = pki() else { return };
    let Some(python) = pyhanko_python() else {
        return;
    };
    for (tag, chain, key, padding) in [
        (
            "rsa2048",
            "rsa2048.chain.pem",
            "rsa2048.key",
            RsaPadding::Pkcs1v15,
        ),
        (
            "rsa2048-pss",
            "rsa2048.chain.pem",
            "rsa2048.key",
            RsaPadding::Pss,
        ),
        (
            "rsa4096",
            "rsa4096.chain.pem",
            "rsa4096.key",
            RsaPadding::Pkcs1v15,
        ),
        ("p256", "p256.chain.pem", "p256.key", RsaPadding::Pkcs1v15),
        ("p384", "p384.chain.pem", "p384.key", RsaPadding::Pkcs1v15),
    ] {
        let key = pki.load_pem(
            chain,
            key,
            &options(countersign::crypto::rustcrypto::default_provider(), padding),
        );
        for digest in DIGESTS {
            let data = format!("pyHanko {tag} {digest:?}").into_bytes();
            let params = CmsParams {
                digest,
                signing_time: None,
                ..CmsParams::default()
            };
            let cms = build_detached(&key, &params, &document_digest(digest, &data)).unwrap();
            let (sig, content) = (
                pki.path(&format!("pyhanko-{tag}.der")),
                pki.path(&format!("pyhanko-{tag}.bin")),
            );
            std::fs::write(&sig, &cms).unwrap();
            std::fs::write(&content, &data).unwrap();
            let output = Command::new(&python)
                .args(["-c", PYHANKO_CHECK])
                .arg(&sig)
                .arg(&content)
                .arg(pki.path("root.pem"))
                .output()
                .unwrap();
            assert!(
                output.status.success(),
                "{tag} {digest:?}: pyHanko says {} {}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
}
