//! Certification signatures (DocMDP P1/P2/P3) and FieldMDP locks made by our signer, as pyHanko,
//! pdfsig, qpdf and openssl read them back; the refusals that keep them meaningful (a
//! certification only as the first signature, nothing after P1, no filling of a locked field).

#[path = "../../../tests/common/mod.rs"]
mod common;

use common::acceptance::check_signed_output;
use common::{PyhankoSignature, pyhanko_validate};
use countersign::crypto::LoadOptions;
use countersign::crypto::credential::{load_pem, trust_roots_from_pem};
use countersign::{
    CertifiedKey, DocMdpPermission, Error, FieldLock, ModificationLevel, SignOptions,
    VerifyOptions, sign_pdf, verify_pdf,
};

const LEVELS: [(DocMdpPermission, &str); 3] = [
    (DocMdpPermission::NoChanges, "NO_CHANGES"),
    (DocMdpPermission::FormFillingAndSigning, "FILL_FORMS"),
    (
        DocMdpPermission::FormFillingSigningAndAnnotations,
        "ANNOTATE",
    ),
];

fn key() -> CertifiedKey {
    load_pem(
        include_bytes!("../testdata/pki/demo.chain.pem"),
        include_bytes!("../testdata/pki/demo.key.pem"),
        &LoadOptions::default(),
    )
    .unwrap()
}

fn certify(permission: DocMdpPermission) -> SignOptions {
    let mut options = SignOptions::default();
    options.certify = Some(permission);
    options
}

fn locking(lock: FieldLock) -> SignOptions {
    let mut options = SignOptions::default();
    options.lock = Some(lock);
    options
}

/// Signs `input`, asserts that qpdf, pdfsig, pyHanko and openssl accept the output (every
/// earlier signature listed in `earlier_valid` staying valid) and that our verifier does too;
/// returns the output and pyHanko's reading of every signature (empty when pyHanko is absent).
fn sign_and_check(
    what: &str,
    input: &[u8],
    options: &SignOptions,
    earlier_valid: &[bool],
) -> (Vec<u8>, Vec<PyhankoSignature>) {
    let output = sign_pdf(input, &key(), options).unwrap_or_else(|e| panic!("{what}: {e}"));
    let dir = common::TempDir::new("certify");
    let path = dir.write("signed.pdf", &output);
    let root = common::root_ca_pem();
    let acceptance = check_signed_output(input, &output, &path, &root, earlier_valid);
    for skipped in &acceptance.skipped {
        eprintln!("skipped: {skipped} ({what})");
    }
    acceptance.assert_ok(what);
    let roots = trust_roots_from_pem(&std::fs::read(&root).unwrap()).unwrap();
    let report = verify_pdf(&output, &VerifyOptions::trusting(roots)).unwrap();
    assert!(report.all_valid(), "{what}: our verifier: {report:#?}");
    let pyhanko = pyhanko_validate(&path, &root);
    assert!(pyhanko.error.is_none(), "{what}: {pyhanko:#?}");
    (output, pyhanko.signatures)
}

/// pyHanko reads `signature` as a certification at `level`, untouched or changed only as its
/// DocMDP level allows.
fn assert_certified(what: &str, signature: &PyhankoSignature, level: &str) {
    assert!(signature.certification, "{what}: {signature:#?}");
    assert_eq!(
        signature.docmdp_permissions.as_deref(),
        Some(level),
        "{what}"
    );
    assert_eq!(signature.docmdp_ok, Some(true), "{what}: {signature:#?}");
    assert!(signature.intact_valid_trusted(), "{what}: {signature:#?}");
}

#[test]
fn classic_xref_stream_and_hybrid_files_are_certified_at_every_level() {
    for file in ["classic.pdf", "xref-stream.pdf", "hybrid.pdf"] {
        let input = common::read_pdf(file);
        for (permission, level) in LEVELS {
            let what = format!("{file} certified {level}");
            let (_, pyhanko) = sign_and_check(&what, &input, &certify(permission), &[]);
            let Some(ours) = pyhanko.last() else {
                continue; // pyHanko absent: skipped above
            };
            assert_certified(&what, ours, level);
            assert_eq!(ours.modification_level.as_deref(), Some("NONE"), "{what}");
        }
    }
}

#[test]
fn a_p2_certified_document_takes_a_counter_signature_as_form_filling() {
    let input = common::read_pdf("classic.pdf");
    let (certified, _) = sign_and_check(
        "certified P2",
        &input,
        &certify(DocMdpPermission::FormFillingAndSigning),
        &[],
    );
    let (counter_signed, pyhanko) = sign_and_check(
        "counter-signed after P2",
        &certified,
        &SignOptions::default(),
        &[true],
    );
    let report = verify_pdf(&counter_signed, &VerifyOptions::default()).unwrap();
    assert_eq!(
        report.signatures[0].modifications.level,
        ModificationLevel::FormFilling,
        "our verifier agrees with pyHanko"
    );
    if let [certification, counter] = pyhanko.as_slice() {
        assert_certified("P2 after a counter-signature", certification, "FILL_FORMS");
        assert_eq!(
            certification.modification_level.as_deref(),
            Some("FORM_FILLING")
        );
        assert!(!counter.certification);
        assert_eq!(counter.docmdp_permissions, None);
    } else {
        assert!(pyhanko.is_empty(), "{pyhanko:#?}");
    }
}

#[test]
fn a_p1_certified_document_refuses_a_second_signature() {
    let input = common::read_pdf("classic.pdf");
    let certified = sign_pdf(&input, &key(), &certify(DocMdpPermission::NoChanges)).unwrap();
    let error = sign_pdf(&certified, &key(), &SignOptions::default()).unwrap_err();
    assert!(matches!(error, Error::CertifiedNoChanges), "{error}");
}

#[test]
fn certifying_a_signed_document_is_refused_with_the_signed_field_named() {
    let input = common::read_pdf("classic.pdf");
    let signed = sign_pdf(&input, &key(), &SignOptions::default()).unwrap();
    for (what, pdf) in [
        ("ours", signed),
        ("signed.pdf", common::read_pdf("signed.pdf")),
    ] {
        for (permission, _) in LEVELS {
            let error = sign_pdf(&pdf, &key(), &certify(permission)).unwrap_err();
            let Error::CertificationNotFirst { existing_field } = &error else {
                panic!("{what}: {error}");
            };
            assert!(!existing_field.is_empty(), "{what}");
            assert!(
                error.to_string().contains(existing_field.as_str()),
                "{error}"
            );
        }
    }
    let error = sign_pdf(
        &sign_pdf(&input, &key(), &SignOptions::default()).unwrap(),
        &key(),
        &certify(DocMdpPermission::FormFillingAndSigning),
    )
    .unwrap_err();
    assert!(
        matches!(&error, Error::CertificationNotFirst { existing_field } if existing_field == "Signature1"),
        "{error}"
    );
}

#[test]
fn field_locks_are_read_back_by_pyhanko() {
    let input = common::read_pdf("acroform.pdf");
    let cases = [
        (FieldLock::All, "ALL", vec![]),
        (
            FieldLock::Include(vec!["Name".into()]),
            "INCLUDE",
            vec!["Name"],
        ),
        (
            FieldLock::Exclude(vec!["Name".into()]),
            "EXCLUDE",
            vec!["Name"],
        ),
    ];
    for (lock, action, fields) in cases {
        let what = format!("acroform.pdf locked {action}");
        let (output, pyhanko) = sign_and_check(&what, &input, &locking(lock), &[]);
        assert!(contains(&output, b"/SigFieldLock"), "{what}");
        let Some(ours) = pyhanko.last() else {
            continue;
        };
        assert_eq!(ours.field_mdp_action.as_deref(), Some(action), "{what}");
        assert_eq!(ours.field_mdp_fields, fields, "{what}");
        assert!(!ours.certification, "{what}");
    }
}

/// No counter-signature here: pyHanko 0.38 flags any revision after a FieldMDP lock on a field
/// that has an appearance stream (`Name` here) as ILLEGAL_MODIFICATIONS, its own signatures
/// included (`_allow_in_place_appearance_update` reports the field's unchanged `/AP /N` stream
/// as updated). Counter-signatures after a lock are checked on signature fields below.
#[test]
fn a_certification_can_lock_fields_too() {
    let input = common::read_pdf("acroform.pdf");
    let mut options = certify(DocMdpPermission::FormFillingSigningAndAnnotations);
    options.lock = Some(FieldLock::Include(vec!["Name".into()]));
    let (_, pyhanko) = sign_and_check("certified P3 and locked", &input, &options, &[]);
    if let Some(ours) = pyhanko.last() {
        assert_certified("certified P3 and locked", ours, "ANNOTATE");
        assert_eq!(ours.field_mdp_action.as_deref(), Some("INCLUDE"));
        assert_eq!(ours.field_mdp_fields, ["Name"]);
    }
}

#[test]
fn empty_lock_lists_are_refused() {
    let input = common::read_pdf("acroform.pdf");
    for lock in [
        FieldLock::Include(vec![]),
        FieldLock::Exclude(vec![]),
        FieldLock::Include(vec![String::new()]),
    ] {
        let error = sign_pdf(&input, &key(), &locking(lock.clone())).unwrap_err();
        assert!(
            matches!(&error, Error::InvalidOption { option: "lock", .. }),
            "{lock:?}: {error}"
        );
    }
}

/// A one-page file with the empty signature fields `names` (each merged with its widget), listed
/// in an AcroForm held directly in the catalog; `extra` goes into every field's dictionary.
fn empty_signature_fields(names: &[&str], extra: &str) -> Vec<u8> {
    let first_field = 4;
    let refs: Vec<String> = (0..names.len())
        .map(|i| format!("{} 0 R", first_field + i))
        .collect();
    let mut objects = vec![
        format!(
            "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [{}] /SigFlags 3 >> >>",
            refs.join(" ")
        ),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [{}] >>",
            refs.join(" ")
        ),
    ];
    for name in names {
        objects.push(format!(
            "<< /Type /Annot /Subtype /Widget /FT /Sig /T ({name}) /Rect [0 0 0 0] /F 132 /P 3 0 R {extra} >>"
        ));
    }
    build_pdf(&objects)
}

/// A classic-xref file with objects numbered from 1 in order; 1 0 R is the catalog.
fn build_pdf(objects: &[String]) -> Vec<u8> {
    let mut pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (index, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", index + 1).as_bytes());
    }
    let xref = pdf.len();
    let size = objects.len() + 1;
    pdf.extend_from_slice(format!("xref\n0 {size}\n0000000000 65535 f\r\n").as_bytes());
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n\r\n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    pdf
}

fn fill_empty() -> SignOptions {
    let mut options = SignOptions::default();
    options.fill_empty_field = true;
    options
}

/// The first signature fills `Approval` (the first empty field) and locks `locked`; returns the
/// signed file.
fn approval_locking(locked: &str, certify: Option<DocMdpPermission>) -> Vec<u8> {
    let form = empty_signature_fields(&["Approval", "Sig1", "Sig2"], "");
    let mut options = fill_empty();
    options.lock = Some(FieldLock::Include(vec![locked.into()]));
    options.certify = certify;
    let what = format!("Approval locking {locked}");
    let (signed, pyhanko) = sign_and_check(&what, &form, &options, &[]);
    if let Some(approval) = pyhanko.last() {
        assert_eq!(approval.field_name, "Approval");
        assert_eq!(approval.field_mdp_fields, [locked], "{what}");
    }
    signed
}

#[test]
fn a_locked_empty_field_is_not_filled() {
    // fill_empty_field takes the first empty field, Sig1: locked.
    let locked = approval_locking("Sig1", None);
    let error = sign_pdf(&locked, &key(), &fill_empty()).unwrap_err();
    assert!(
        matches!(&error, Error::FieldLocked { field } if field == "Sig1"),
        "{error}"
    );
}

#[test]
fn fields_a_lock_leaves_out_take_counter_signatures() {
    for certify in [None, Some(DocMdpPermission::FormFillingAndSigning)] {
        let locked = approval_locking("Sig2", certify);
        let what = format!("Sig1 filled after Sig2 locked, certified {certify:?}");
        let (filled, pyhanko) = sign_and_check(&what, &locked, &fill_empty(), &[true]);
        if let [approval, sig1] = pyhanko.as_slice() {
            assert_eq!(approval.field_mdp_action.as_deref(), Some("INCLUDE"));
            assert_eq!(approval.docmdp_ok, Some(true), "{what}: {approval:#?}");
            assert_eq!(approval.certification, certify.is_some(), "{what}");
            assert_eq!(sig1.field_name, "Sig1");
        }
        // A new field is no locked field either.
        let what = format!("new field after Sig2 locked, certified {certify:?}");
        sign_and_check(&what, &filled, &SignOptions::default(), &[true, true]);
    }
}

#[test]
fn an_empty_field_keeps_the_lock_its_author_gave_it() {
    let form = empty_signature_fields(
        &["Sig1"],
        "/Lock << /Type /SigFieldLock /Action /Exclude /Fields [(Comments)] >>",
    );
    let (signed, pyhanko) = sign_and_check("author's lock", &form, &fill_empty(), &[]);
    assert!(contains(&signed, b"/FieldMDP"));
    if let Some(ours) = pyhanko.last() {
        assert_eq!(ours.field_name, "Sig1");
        assert_eq!(ours.field_mdp_action.as_deref(), Some("EXCLUDE"));
        assert_eq!(ours.field_mdp_fields, ["Comments"]);
    }
    // Another lock on top of the author's would be ambiguous: refused.
    let mut options = fill_empty();
    options.lock = Some(FieldLock::All);
    let error = sign_pdf(&form, &key(), &options).unwrap_err();
    assert!(
        matches!(&error, Error::InvalidOption { option: "lock", .. }),
        "{error}"
    );
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

mod cli {
    use std::process::{Command, Output};

    fn countersign(args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_countersign"))
            .args(args)
            .output()
            .unwrap()
    }

    fn stderr(out: &Output) -> String {
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    #[test]
    fn sign_certifies_and_locks() {
        let dir = super::common::TempDir::new("cli-certify");
        let out = dir.path().join("certified.pdf");
        let input = super::common::pdf_path("acroform.pdf");
        let signed = countersign(&[
            "sign",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--certify",
            "p2",
            "--lock",
            "fields:Name",
        ]);
        assert!(signed.status.success(), "{}", stderr(&signed));
        let pyhanko = super::pyhanko_validate(&out, &super::common::root_ca_pem());
        if let Some(ours) = pyhanko.signatures.last() {
            super::assert_certified("CLI --certify p2", ours, "FILL_FORMS");
            assert_eq!(ours.field_mdp_fields, ["Name"]);
        }

        // A second certification is refused, naming the signed field.
        let again = countersign(&[
            "sign",
            out.to_str().unwrap(),
            "-o",
            dir.path().join("twice.pdf").to_str().unwrap(),
            "--certify",
            "p3",
        ]);
        assert!(!again.status.success());
        assert!(stderr(&again).contains("Signature1"), "{}", stderr(&again));
    }

    #[test]
    fn batch_certifies_and_refuses_a_signed_input() {
        let dir = super::common::TempDir::new("cli-batch-certify");
        let out_dir = dir.path().join("out");
        let classic = super::common::pdf_path("classic.pdf");
        let signed = super::common::pdf_path("signed.pdf");
        let output = countersign(&[
            "batch",
            classic.to_str().unwrap(),
            signed.to_str().unwrap(),
            "-o",
            out_dir.to_str().unwrap(),
            "--certify",
            "p3",
            "--json",
        ]);
        let report: serde_json::Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", stderr(&output)));
        let results = report["results"].as_array().unwrap();
        let status = |name: &str| {
            results
                .iter()
                .find(|r| r["input"].as_str().unwrap().ends_with(name))
                .map(|r| (r["status"].clone(), r["error_kind"].clone()))
                .unwrap()
        };
        assert_eq!(status("classic.pdf").0, "signed", "{report:#}");
        let (refused, kind) = status("signed.pdf");
        assert_eq!(refused, "refused", "{report:#}");
        assert!(kind == "CertificationNotFirst", "{report:#}");
        let certified = out_dir.join("classic.pdf");
        let pyhanko = super::pyhanko_validate(&certified, &super::common::root_ca_pem());
        if let Some(ours) = pyhanko.signatures.last() {
            super::assert_certified("batch --certify p3", ours, "ANNOTATE");
        }
    }

    #[test]
    fn malformed_lock_arguments_are_refused() {
        let dir = super::common::TempDir::new("cli-lock");
        let input = super::common::pdf_path("acroform.pdf");
        let out = dir.path().join("out.pdf");
        for lock in ["some", "fields:", "except:a,,b", "fields"] {
            let refused = countersign(&[
                "sign",
                input.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "--lock",
                lock,
            ]);
            assert_eq!(
                refused.status.code(),
                Some(2),
                "{lock}: {}",
                stderr(&refused)
            );
            assert!(
                stderr(&refused).contains("--lock"),
                "{lock}: {}",
                stderr(&refused)
            );
        }
        assert!(!out.exists());
    }
}
