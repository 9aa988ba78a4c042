//! Issue 22: encrypted documents (the standard security handler, R2 to R6) are signed in an
//! encrypted incremental update that pyHanko, pdfsig, qpdf and MuPDF read with the document's
//! password; our verifier agrees; refusals are typed.

mod common;

use common::acceptance::check_signed_output_with;
use countersign::crypto::LoadOptions;
use countersign::crypto::credential::load_pem;
use countersign::ltv::{RevocationSource, ValidationData, add_validation_data};
use countersign::{
    CertifiedKey, DocumentAccess, Error, SignOptions, VerifyOptions, sign_pdf, verify_pdf,
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

fn fixture(name: &str) -> Vec<u8> {
    common::read_pdf(&format!("encrypted/{name}"))
}

/// The fixtures of testdata/tools/make_encrypted.sh and the password each is signed with
/// (`None`: the empty user password opens it).
const FIXTURES: [(&str, Option<&str>); 6] = [
    ("r2-rc4-40.pdf", None),
    ("r3-rc4-128-user.pdf", Some("user")),
    ("r4-aes128.pdf", None),
    ("r4-aes128-no-forms.pdf", Some("owner")),
    ("r5-aes256.pdf", None),
    ("r6-aes256-user-objstm.pdf", Some("user")),
];

fn access(password: Option<&str>) -> DocumentAccess {
    password.map_or_else(DocumentAccess::default, DocumentAccess::with_password)
}

/// Signs `input`, checks the output with every validator (with `password`), our verifier, and
/// MuPDF's rendering of every page before and after; returns the output.
fn sign_and_check(name: &str, input: &[u8], password: Option<&str>) -> Vec<u8> {
    let mut options = SignOptions::default();
    options.document_access = access(password);
    options.reason = Some("Encrypted-reason-text".into());
    let output = sign_pdf(input, &demo_rsa(), &options).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(
        output.starts_with(input),
        "{name}: not an incremental update"
    );
    let update = &output[input.len()..];
    // Strings of the new objects are encrypted: the reason never appears in clear.
    assert!(
        !update.windows(9).any(|w| w == b"Encrypted"),
        "{name}: a string of the update is written in clear"
    );
    let dir = common::TempDir::new("encrypted");
    let path = dir.write(name, &output);
    let acceptance =
        check_signed_output_with(input, &output, &path, &common::root_ca_pem(), &[], password);
    for skipped in &acceptance.skipped {
        eprintln!("skipped: {skipped} ({name})");
    }
    acceptance.assert_ok(name);

    let mut verify = VerifyOptions::trusting(roots());
    verify.document_access = access(password);
    let report = verify_pdf(&output, &verify).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(report.all_valid(), "{name}: {:#?}", report.signatures);
    let reasons = reasons(&output, password);
    assert!(!reasons.is_empty(), "{name}");
    assert!(
        reasons.iter().all(|r| r == "Encrypted-reason-text"),
        "{name}: {reasons:?}"
    );

    let before = dir.write(&format!("before-{name}"), input);
    match (
        common::mutool_pages(&before, password),
        common::mutool_pages(&path, password),
    ) {
        (Ok(a), Ok(b)) => assert!(a == b, "{name}: the pages render differently after signing"),
        (Err(common::Verdict::Skipped(_)), _) | (_, Err(common::Verdict::Skipped(_))) => {}
        (a, b) => panic!("{name}: mutool: {:?} / {:?}", a.err(), b.err()),
    }
    output
}

#[test]
fn every_revision_of_the_standard_handler_signs_and_validates() {
    for (name, password) in FIXTURES {
        let input = fixture(name);
        let once = sign_and_check(name, &input, password);
        // A second signature over the first, through the same handler.
        let twice = sign_and_check(&format!("twice-{name}"), &once, password);
        let mut verify = VerifyOptions::trusting(roots());
        verify.document_access = access(password);
        let report = verify_pdf(&twice, &verify).unwrap();
        assert_eq!(report.signatures.len(), 2, "{name}");
        assert!(report.all_valid(), "{name}: {:#?}", report.signatures);
    }
}

#[test]
fn the_id_is_kept_and_the_encryption_dictionary_repeated() {
    for (name, password) in FIXTURES {
        let input = fixture(name);
        let mut options = SignOptions::default();
        options.document_access = access(password);
        let output = sign_pdf(&input, &demo_rsa(), &options).unwrap();
        let read = |pdf: &[u8]| {
            let doc = countersign::__private::pdf::Document::parse(pdf).unwrap();
            (
                doc.trailer().get(b"ID").cloned(),
                doc.trailer().get(b"Encrypt").cloned(),
            )
        };
        assert_eq!(read(&input), read(&output), "{name}");
    }
}

#[test]
fn refusals_are_typed() {
    let key = demo_rsa();
    let user_file = fixture("r6-aes256-user-objstm.pdf");
    let refused = sign_pdf(&user_file, &key, &SignOptions::default());
    assert!(
        matches!(refused, Err(Error::PasswordRequired { .. })),
        "{refused:?}"
    );
    let mut options = SignOptions::default();
    options.document_access = DocumentAccess::with_password("not it");
    let refused = sign_pdf(&user_file, &key, &options);
    assert!(
        matches!(refused, Err(Error::WrongPassword { .. })),
        "{refused:?}"
    );

    // No form filling for users: only the owner may sign.
    let locked = fixture("r4-aes128-no-forms.pdf");
    match sign_pdf(&locked, &key, &SignOptions::default()) {
        Err(Error::PermissionDenied { bit, permission }) => {
            assert_eq!(bit, 9);
            assert!(permission.contains("fill in form"), "{permission}");
        }
        other => panic!("{other:?}"),
    }
    let mut verify = VerifyOptions::default();
    assert!(matches!(
        verify_pdf(&user_file, &verify),
        Err(Error::PasswordRequired { .. })
    ));
    verify.document_access = DocumentAccess::with_password("owner");
    assert!(
        verify_pdf(&user_file, &verify)
            .unwrap()
            .signatures
            .is_empty()
    );
}

#[test]
fn validation_data_and_document_timestamps_are_encrypted_too() {
    // A permission-only file: the LTV entry points need no password.
    let input = fixture("r4-aes128.pdf");
    let signed = sign_pdf(&input, &demo_rsa(), &SignOptions::default()).unwrap();
    let with_dss = add_validation_data(
        &signed,
        &RevocationSource::Offline(ValidationData::default()),
    )
    .unwrap();
    assert!(with_dss.starts_with(&signed));
    // The certificate streams are encrypted: the signer's DER does not appear in the update.
    let der = x509_der(&demo_rsa());
    let update = &with_dss[signed.len()..];
    assert!(!update.windows(der.len()).any(|w| w == der.as_slice()));
    let report = verify_pdf(&with_dss, &VerifyOptions::trusting(roots())).unwrap();
    assert!(report.all_valid(), "{:#?}", report.signatures);
    let stamped = countersign::ltv::add_document_timestamp(
        &with_dss,
        &LocalStamper(common::servers::test_authority()),
    )
    .unwrap();
    let stamp_update = &stamped[with_dss.len()..];
    // /Prop_Build /App /REx (the version) is a string: encrypted like the rest.
    let rex = format!("({})", env!("CARGO_PKG_VERSION"));
    assert!(
        !stamp_update.windows(rex.len()).any(|w| w == rex.as_bytes()),
        "/REx in clear"
    );
    let unencrypted = countersign::ltv::add_document_timestamp(
        &common::read_pdf("classic.pdf"),
        &LocalStamper(common::servers::test_authority()),
    )
    .unwrap();
    assert!(unencrypted.windows(rex.len()).any(|w| w == rex.as_bytes()));
    let report = verify_pdf(&stamped, &VerifyOptions::trusting(roots())).unwrap();
    assert_eq!(report.signatures.len(), 2);
    assert!(
        report.signatures.iter().all(|s| s.is_signature_valid()),
        "{:#?}",
        report.signatures
    );
    let dir = common::TempDir::new("encrypted-ltv");
    let path = dir.write("ltv.pdf", &stamped);
    common::qpdf_check(&path).assert_ok("qpdf on the DSS update");
    let pyhanko = common::pyhanko_validate(&path, &common::root_ca_pem());
    if !pyhanko.skipped {
        assert!(pyhanko.error.is_none(), "{:?}", pyhanko.error);
        assert!(
            pyhanko.signatures.iter().all(|s| s.intact && s.valid),
            "{:#?}",
            pyhanko.signatures
        );
    }
}

fn x509_der(key: &CertifiedKey) -> Vec<u8> {
    use der::Encode;
    key.end_entity().to_der().unwrap()
}

/// The `/Reason` of every signature dictionary in `pdf`, decrypted.
fn reasons(pdf: &[u8], password: Option<&str>) -> Vec<String> {
    use countersign::__private::pdf::{Document, ObjRef};
    let doc = Document::open(pdf, &countersign::Limits::default(), &access(password)).unwrap();
    (1..doc.size())
        .filter_map(|num| doc.get(ObjRef::new(num, 0)).ok())
        .filter_map(|object| {
            let dict = object.as_dict()?.clone();
            let reason = dict.get(b"Reason")?.as_string_bytes()?.to_vec();
            Some(String::from_utf8(reason).unwrap())
        })
        .collect()
}

/// An in-process TSA: the test authority answering each request at once.
#[derive(Debug)]
struct LocalStamper(countersign::timestamp::Authority);

impl countersign::timestamp::TimeStamper for LocalStamper {
    fn timestamp(
        &self,
        digest: countersign::DigestAlgorithm,
        imprint: &[u8],
    ) -> countersign::Result<Vec<u8>> {
        let request = countersign::timestamp::TimestampRequest::new(digest, imprint, &[7; 8])?;
        let answer = self
            .0
            .respond(request.der(), std::time::SystemTime::now())?;
        request.check_response(&answer, &[])
    }

    fn token_len_hint(&self) -> countersign::Result<usize> {
        Ok(8192)
    }
}

/// pdf.js's R6 file whose user password is "SaSLprep": given before SASLprep, as a user would
/// type it with a feminine ordinal and a soft hyphen, it opens too (RFC 4013 maps both).
#[test]
fn an_unprepared_password_opens_after_saslprep() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let Ok(pdf) = std::fs::read(corpus.join("encrypted-aes256--pdfjs--saslprep-r6.pdf")) else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("corpus not found beside the repository");
        }
        eprintln!("skipped: corpus not found");
        return;
    };
    use countersign::__private::pdf::Document;
    for password in ["SaSLprep", "S\u{AA}SL\u{AD}prep"] {
        let doc = Document::open(
            &pdf,
            &countersign::Limits::default(),
            &access(Some(password)),
        )
        .unwrap();
        assert!(doc.catalog().is_ok(), "{password:?}");
    }
    let doc = Document::open(
        &pdf,
        &countersign::Limits::default(),
        &access(Some("saslprep")),
    )
    .unwrap();
    assert!(matches!(doc.catalog(), Err(Error::WrongPassword { .. })));
}

fn pubsec_recipient() -> countersign::PubSecRecipient {
    countersign::PubSecRecipient::from_pem(
        &std::fs::read(common::pki_path("pubsec-recipient.cert.pem")).unwrap(),
        &std::fs::read(common::pki_path("pubsec-recipient.key.pem")).unwrap(),
    )
    .unwrap()
}

/// The public-key handler (pyHanko's fixtures of testdata/pubsec): signed and verified with the
/// recipient's certificate and key; refused with a typed error without them.
#[test]
fn public_key_encrypted_files_sign_with_the_recipient() {
    let key = demo_rsa();
    for name in [
        "pubsec-aes256.pdf",
        "pubsec-aes128.pdf",
        "pubsec-rc4-128.pdf",
    ] {
        let path = common::repo_root().join("testdata/pubsec").join(name);
        let input = std::fs::read(&path).unwrap();
        let refused = sign_pdf(&input, &key, &SignOptions::default());
        assert!(
            matches!(
                refused,
                Err(Error::PubSec(
                    countersign::error::PubSecError::RecipientRequired
                ))
            ),
            "{name}: {refused:?}"
        );
        let mut options = SignOptions::default();
        options.document_access = DocumentAccess::with_recipient(pubsec_recipient());
        options.reason = Some("Encrypted-reason-text".into());
        let signed = sign_pdf(&input, &key, &options).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(signed.starts_with(&input));
        let update = &signed[input.len()..];
        assert!(
            !update.windows(9).any(|w| w == b"Encrypted"),
            "{name}: clear text"
        );
        let mut verify = VerifyOptions::trusting(roots());
        verify.document_access = DocumentAccess::with_recipient(pubsec_recipient());
        let report = verify_pdf(&signed, &verify).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(report.all_valid(), "{name}: {:#?}", report.signatures);
        // qpdf, poppler and MuPDF do not implement the public-key handler: pyHanko is the
        // independent oracle, opened with the recipient's key.
        let dir = common::TempDir::new("pubsec");
        let out = dir.write(name, &signed);
        if let Some(report) = pyhanko_as_recipient(&out) {
            assert!(report["error"].is_null(), "{name}: {report}");
            let signatures = report["signatures"].as_array().unwrap();
            let ours = signatures.last().unwrap();
            assert_eq!(ours["intact"], true, "{name}: {ours}");
            assert_eq!(ours["valid"], true, "{name}: {ours}");
            assert_eq!(ours["trusted"], true, "{name}: {ours}");
            assert_eq!(ours["coverage"], "ENTIRE_FILE", "{name}: {ours}");
        }
    }
}

/// pyhanko_validate.py on `path` opened as the public-key recipient; `None` (printed as skipped)
/// without pyHanko outside CI.
fn pyhanko_as_recipient(path: &std::path::Path) -> Option<serde_json::Value> {
    let python = common::repo_root().join(".venv/bin/python3");
    if !python.is_file() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "pyHanko not installed, but CI=true requires every validator"
        );
        eprintln!("skipped: pyhanko not installed");
        return None;
    }
    let recipient = format!(
        "{}:{}",
        common::pki_path("pubsec-recipient.key.pem").display(),
        common::pki_path("pubsec-recipient.cert.pem").display()
    );
    let out = std::process::Command::new(python)
        .arg(common::repo_root().join("tests/common/pyhanko_validate.py"))
        .arg(path)
        .arg(common::root_ca_pem())
        .env("PYHANKO_PUBSEC_RECIPIENT", recipient)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}
