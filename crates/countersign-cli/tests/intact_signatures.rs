//! Issue 19, signing side: `SignOptions::require_intact_signatures` and
//! `countersign sign|batch --require-intact-signatures` refuse to put a new signature over one
//! that is broken or followed by changes the document does not allow, naming the field and why.

#[path = "../../../tests/common/mod.rs"]
mod common;

use countersign::crypto::LoadOptions;
use countersign::crypto::credential::load_pem;
use countersign::{CertifiedKey, Error, ModificationLevel, Problem, SignOptions, sign_pdf};

fn demo_key() -> CertifiedKey {
    let chain = std::fs::read(common::pki_path("demo.chain.pem")).unwrap();
    let key = std::fs::read(common::pki_path("demo.key.pem")).unwrap();
    load_pem(&chain, &key, &LoadOptions::default()).unwrap()
}

fn signed_classic() -> Vec<u8> {
    sign_pdf(
        &common::read_pdf("classic.pdf"),
        &demo_key(),
        &SignOptions::default(),
    )
    .unwrap()
}

/// `pdf` with an appended update that redefines object `num` (classic.pdf's page content
/// stream is 4 0 R) to draw other text.
fn redefine_content(mut pdf: Vec<u8>, num: u32) -> Vec<u8> {
    let doc = countersign::__private::pdf::Document::parse(&pdf).unwrap();
    let (prev, size) = (doc.startxref(), doc.size());
    let object = format!(
        "{num} 0 obj\n<< /Length 27 >>\nstream\nBT /F1 24 Tf (Forged) Tj ET\nendstream\nendobj\n"
    );
    let xref = pdf.len() + object.len();
    let update = format!(
        "{object}xref\n{num} 1\n{:010} 00000 n \ntrailer\n<< /Size {size} /Root 1 0 R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n",
        pdf.len()
    );
    pdf.extend_from_slice(update.as_bytes());
    pdf
}

fn requiring() -> SignOptions {
    let mut options = SignOptions::default();
    options.require_intact_signatures = true;
    options
}

#[test]
fn a_page_content_swap_after_signing_is_refused_naming_the_field_and_the_change() {
    let tampered = redefine_content(signed_classic(), 4);
    match sign_pdf(&tampered, &demo_key(), &requiring()) {
        Err(Error::ExistingSignatureInvalid { field, problem }) => {
            assert_eq!(field, "Signature1");
            let Problem::ModifiedAfterSigning { level, reason } = *problem else {
                panic!("expected the modification, got {problem}");
            };
            assert_eq!(level, ModificationLevel::Other);
            assert!(reason.contains("4 0 R"), "{reason}");
        }
        other => panic!("expected a refusal, got {:?}", other.map(|o| o.len())),
    }
    // The default keeps the lean path: no verification, the file is signed.
    assert!(sign_pdf(&tampered, &demo_key(), &SignOptions::default()).is_ok());
}

#[test]
fn changed_signed_bytes_are_refused_with_the_digest_problem() {
    let mut broken = signed_classic();
    let at = broken.windows(6).position(|w| w == b"Page 1").unwrap();
    broken[at + 5] = b'9';
    match sign_pdf(&broken, &demo_key(), &requiring()) {
        Err(error @ Error::ExistingSignatureInvalid { .. }) => assert_eq!(
            error.to_string(),
            "existing signature Signature1 is not valid: message-digest attribute does not match the signed content"
        ),
        other => panic!("expected a refusal, got {:?}", other.map(|o| o.len())),
    }
}

#[test]
fn honest_documents_are_signed_with_the_check_on() {
    let key = demo_key();
    let unsigned = common::read_pdf("classic.pdf");
    let once = sign_pdf(&unsigned, &key, &requiring()).unwrap();
    let twice = sign_pdf(&once, &key, &requiring()).unwrap();
    let thrice = sign_pdf(&twice, &key, &requiring()).unwrap();
    let report = countersign::verify_pdf(&thrice, &Default::default()).unwrap();
    assert_eq!(report.signatures.len(), 3);
    assert!(report.all_valid_ignoring_trust(), "{report:#?}");
}

/// The catalog refers to object N = `/Size`, which nobody defines. Signing twice: neither update
/// may define N, or the catalog's reference would come to mean our object (the dangling-reference
/// pattern, level other for the first signature).
#[test]
fn new_objects_avoid_numbers_the_document_refers_to_but_leaves_undefined() {
    use countersign::__private::pdf::{Document, ObjRef, Object, UpdateWriter};
    let classic = common::read_pdf("classic.pdf");
    let doc = Document::parse(&classic).unwrap();
    let dangling = ObjRef::new(doc.size(), 0);
    let (catalog_ref, mut catalog) = doc.catalog().unwrap();
    catalog.set("PieceInfo", Object::Ref(dangling));
    let mut writer = UpdateWriter::new(&doc);
    writer.add(catalog_ref, &Object::Dict(catalog));
    let update = writer
        .finish(&doc, doc.size(), &[b"a".to_vec(), b"b".to_vec()])
        .unwrap();
    let base = [classic.as_slice(), &update].concat();

    let key = demo_key();
    let once = sign_pdf(&base, &key, &requiring()).unwrap();
    let twice = sign_pdf(&once, &key, &requiring()).unwrap();
    let signed = Document::parse(&twice).unwrap();
    assert_eq!(
        signed.entry(dangling.num).unwrap(),
        None,
        "an update took {dangling}"
    );
    for section in &signed.sections()[..2] {
        let written = section.object_numbers(&twice);
        assert!(!written.contains(&dangling.num), "{written:?}");
    }
    let report = countersign::verify_pdf(&twice, &Default::default()).unwrap();
    assert_eq!(
        report.signatures[0].modifications.level,
        ModificationLevel::FormFilling
    );
    assert!(report.all_valid_ignoring_trust(), "{report:#?}");
}

mod cli {
    use std::process::Command;

    use super::*;

    fn countersign(args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_countersign"))
            .args(args)
            .output()
            .unwrap()
    }

    #[test]
    fn sign_and_batch_refuse_a_tampered_file_with_the_flag_only() {
        let dir = common::TempDir::new("cli-intact");
        let tampered = dir.write("tampered.pdf", &redefine_content(signed_classic(), 4));
        let tampered = tampered.to_str().unwrap();
        let out = dir.path().join("out.pdf");
        let out = out.to_str().unwrap();

        let refused = countersign(&["sign", tampered, "-o", out, "--require-intact-signatures"]);
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert_eq!(refused.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(
                "existing signature Signature1 is not valid: modified after signing (other)"
            ),
            "{stderr}"
        );
        assert!(!std::path::Path::new(out).exists());

        let signed = countersign(&["sign", tampered, "-o", out]);
        assert_eq!(
            signed.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&signed.stderr)
        );

        let outdir = dir.path().join("batch");
        let batch = countersign(&[
            "batch",
            tampered,
            "-o",
            outdir.to_str().unwrap(),
            "--json",
            "--require-intact-signatures",
        ]);
        let stdout = String::from_utf8_lossy(&batch.stdout);
        assert_ne!(batch.status.code(), Some(0), "{stdout}");
        assert!(
            stdout.contains("existing signature Signature1 is not valid"),
            "{stdout}"
        );
    }
}
