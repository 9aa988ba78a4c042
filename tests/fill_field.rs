//! `fill_empty_field` (`--fill-empty-field`) on fields whose widgets are separate `/Kids`: the
//! value goes on the field, never on a widget, and a field that already holds a signature is
//! never filled again.

mod common;

use common::{Verdict, openssl_cms_verify, prefix_ok, pyhanko_validate, qpdf_check};
use countersign::__private::pdf::{Document, ObjRef, Object};
use countersign::crypto::LoadOptions;
use countersign::crypto::credential::load_pem;
use countersign::{CertifiedKey, SignOptions, sign_pdf};

fn key() -> CertifiedKey {
    load_pem(
        include_bytes!("../testdata/pki/demo.chain.pem"),
        include_bytes!("../testdata/pki/demo.key.pem"),
        &LoadOptions::default(),
    )
    .unwrap()
}

fn fill_options() -> SignOptions {
    {
        let mut sign_options = SignOptions::default();
        sign_options.fill_empty_field = true;
        sign_options
    }
}

/// A one-page file with signature field 4 0 R (`Sig1`) whose only widget is its kid 5 0 R.
/// `value` is the field's `/V` entry, if any, with the objects it needs.
fn field_with_widget_kid(value: Option<(&str, &str)>) -> Vec<u8> {
    let field = match value {
        Some((v, _)) => format!("<< /FT /Sig /T (Sig1) /Kids [5 0 R] /V {v} >>"),
        None => "<< /FT /Sig /T (Sig1) /Kids [5 0 R] >>".to_string(),
    };
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] /SigFlags 3 >> >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [5 0 R] >>".to_string(),
        field,
        "<< /Type /Annot /Subtype /Widget /Parent 4 0 R /Rect [0 0 0 0] /F 132 /P 3 0 R >>"
            .to_string(),
    ];
    if let Some((_, extra)) = value {
        objects.push(extra.to_string());
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

/// Object numbers the newest section of `pdf` lists (what the update wrote).
fn written_objects(pdf: &[u8]) -> Vec<u32> {
    let doc = Document::parse(pdf).unwrap();
    doc.sections()[0].object_numbers(pdf)
}

/// qpdf, pyHanko and openssl accept `output`, the signed form of `input`, with every signature
/// intact, valid and trusted. pdfsig (poppler 22.12) and `mutool sign -v` (MuPDF 1.21) are not
/// asked: neither reads a signature value held by a field whose widget is a separate kid, and
/// both say so for pyHanko's own output on the same input as well ("The signature form field is
/// not signed" / "Signature invalidated by change to document").
fn assert_accepted(input: &[u8], output: &[u8], what: &str) {
    assert!(
        prefix_ok(input, output),
        "{what}: not an incremental update"
    );
    let temp = common::TempDir::new("fill-field");
    let path = temp.write("output.pdf", output);
    let qpdf = qpdf_check(&path);
    assert!(qpdf.is_ok() || qpdf.is_skipped(), "{what}: {qpdf:?}");
    let pyhanko = pyhanko_validate(&path, &common::root_ca_pem());
    if !pyhanko.skipped {
        assert!(pyhanko.all_intact_valid_trusted(), "{what}: {pyhanko:#?}");
        let ours = pyhanko.signatures.last().unwrap();
        assert_eq!(ours.coverage.as_deref(), Some("ENTIRE_FILE"), "{what}");
        assert!(
            pyhanko
                .signatures
                .iter()
                .all(|s| s.docmdp_ok != Some(false)),
            "{what}: {pyhanko:#?}"
        );
    }
    let openssl = openssl_cms_verify(output, &common::root_ca_pem());
    assert!(
        matches!(openssl.last(), Some(Verdict::Ok | Verdict::Skipped(_))),
        "{what}: {openssl:?}"
    );
}

fn dict_of(pdf: &[u8], num: u32) -> countersign::__private::pdf::Dict {
    let doc = Document::parse(pdf).unwrap();
    match doc.get(ObjRef::new(num, 0)).unwrap() {
        Object::Dict(d) => d,
        other => panic!("{num} 0 R is {other:?}"),
    }
}

#[test]
fn an_empty_field_with_a_widget_kid_gets_the_value_on_the_field() {
    let input = field_with_widget_kid(None);
    let output = sign_pdf(&input, &key(), &fill_options()).unwrap();
    let written = written_objects(&output);
    // The field is rewritten, its widget is not (before: the widget was taken for a field and
    // got the /V).
    assert!(written.contains(&4), "written: {written:?}");
    assert!(!written.contains(&5), "written: {written:?}");
    assert!(dict_of(&output, 4).get(b"V").is_some());
    assert!(dict_of(&output, 5).get(b"V").is_none());

    assert_accepted(&input, &output, "field with a widget kid, filled");
    let report = countersign::verify_pdf(&output, &countersign::VerifyOptions::default()).unwrap();
    assert_eq!(report.signatures.len(), 1);
    assert_eq!(report.signatures[0].field_name, "Sig1");
}

#[test]
fn a_signed_field_with_a_widget_kid_is_never_filled_again() {
    // The field already holds a signature dictionary (6 0 R); its widget kid has no /V of its own.
    let signature = "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached \
                     /ByteRange [0 10 20 10] /Contents <3000> >>";
    let input = field_with_widget_kid(Some(("6 0 R", signature)));
    let output = sign_pdf(&input, &key(), &fill_options()).unwrap();
    let written = written_objects(&output);
    // Before: the widget 5 0 R was rewritten with /V, a second value on a signed field.
    assert!(!written.contains(&4), "written: {written:?}");
    assert!(!written.contains(&5), "written: {written:?}");
    assert!(dict_of(&output, 5).get(b"V").is_none());
    let doc = Document::parse(&output).unwrap();
    let (_, catalog) = doc.catalog().unwrap();
    let form = doc.resolve_key(&catalog, b"AcroForm").unwrap().unwrap();
    let fields = doc
        .resolve_key(form.as_dict().unwrap(), b"Fields")
        .unwrap()
        .unwrap();
    // A new field was added beside Sig1.
    assert_eq!(fields.as_array().unwrap().len(), 2, "{fields:?}");
    let temp = common::TempDir::new("fill-field");
    let path = temp.write("signed-again.pdf", &output);
    let qpdf = common::qpdf_check(&path);
    assert!(qpdf.is_ok() || qpdf.is_skipped(), "{qpdf:?}");
}

#[test]
fn the_unsigned_field_is_filled_after_a_signed_one_with_widget_kids() {
    // Sig1 signed (value on the field), then a fill puts the next signature in a new field;
    // filling the filled output again adds yet another field, never a widget value.
    let input = field_with_widget_kid(None);
    let once = sign_pdf(&input, &key(), &fill_options()).unwrap();
    let twice = sign_pdf(&once, &key(), &fill_options()).unwrap();
    let written = written_objects(&twice);
    assert!(
        !written.contains(&4) && !written.contains(&5),
        "{written:?}"
    );
    assert_accepted(
        &once,
        &twice,
        "second fill after a filled field with a widget kid",
    );
}
