//! Offsets the update writes: `/Prev` repeats the previous `startxref` exactly as the file states
//! it, and files with bytes before `%PDF-` get one convention that poppler and qpdf accept:
//! xref offsets counted as the file counts them (from `%PDF-` when its own offsets are, as qpdf,
//! poppler and Acrobat read them), `/ByteRange` counted from the file's first byte (what poppler
//! hashes).

mod common;

use common::validators::{mutool_verify, pyhanko_sign};
use common::{Verdict, pdfsig_verify, pyhanko_validate, qpdf_check};
use countersign::__private::pdf::{Document, Object};
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

fn classic() -> Vec<u8> {
    std::fs::read(common::pdf_path("classic.pdf")).unwrap()
}

/// classic.pdf's last `startxref` (753) replaced by `value`.
fn with_startxref(value: u64) -> Vec<u8> {
    let pdf = classic();
    let at = pdf.windows(9).rposition(|w| w == b"startxref").unwrap();
    let mut out = pdf[..at].to_vec();
    out.extend_from_slice(format!("startxref\n{value}\n%%EOF\n").as_bytes());
    out
}

fn newest_prev(pdf: &[u8]) -> Option<i64> {
    let doc = Document::parse(pdf).unwrap();
    doc.sections()[0]
        .trailer
        .get(b"Prev")
        .and_then(Object::as_i64)
}

#[test]
fn prev_repeats_an_off_by_one_startxref_as_stated() {
    // The table starts at 753; writers with an off-by-one bug state 754 (or 752).
    for stated in [752, 754] {
        let input = with_startxref(stated);
        let output = sign_pdf(&input, &key(), &SignOptions::default()).unwrap();
        // Before: the "corrected" 753 was written.
        assert_eq!(newest_prev(&output), Some(stated as i64));
        let temp = common::TempDir::new("offsets");
        let path = temp.write("signed.pdf", &output);
        let qpdf = qpdf_check(&path);
        assert!(
            !matches!(qpdf, Verdict::Errors(_)),
            "startxref {stated}: {qpdf:?}"
        );
    }
}

#[test]
fn node_signpdf_signature_with_an_off_startxref_stays_allowed_for_pyhanko() {
    // node-signpdf writes the startxref after its signature one byte before the table. pyHanko
    // ties that signature to its revision through the value: a corrected /Prev made it call our
    // update ILLEGAL_MODIFICATIONS.
    let Some(dir) = corpus_dir() else {
        return;
    };
    for name in [
        "signed-pkcs7--node-signpdf--signed-once.pdf",
        "signed-multi--node-signpdf--signed-twice.pdf",
    ] {
        let input = std::fs::read(dir.join(name)).unwrap();
        let output = sign_pdf(&input, &key(), &SignOptions::default()).unwrap();
        let temp = common::TempDir::new("offsets");
        let path = temp.write("signed.pdf", &output);
        let report = pyhanko_validate(&path, &common::root_ca_pem());
        if report.skipped {
            return;
        }
        assert!(report.error.is_none(), "{name}: {report:#?}");
        let (earlier, ours) = report.signatures.split_at(report.signatures.len() - 1);
        assert!(ours[0].intact_valid_trusted(), "{name}: {report:#?}");
        for old in earlier {
            assert!(old.intact && old.valid, "{name}: {old:#?}");
            assert_eq!(old.docmdp_ok, Some(true), "{name}: {old:#?}");
            assert_eq!(
                old.modification_level.as_deref(),
                Some("FORM_FILLING"),
                "{name}: {old:#?}"
            );
        }
    }
}

fn corpus_dir() -> Option<std::path::PathBuf> {
    let manifest = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        std::env::var_os("COUNTERSIGN_CORPUS").map(std::path::PathBuf::from),
        Some(manifest.join("..").join("shared").join("corpus")),
        Some(manifest.join("..").join("..").join("shared").join("corpus")),
    ];
    let found = candidates
        .into_iter()
        .flatten()
        .find(|dir| dir.join("MANIFEST.tsv").is_file());
    if found.is_none() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "corpus not found under CI=true"
        );
        eprintln!("skipped: corpus not found (set COUNTERSIGN_CORPUS)");
    }
    found
}

const BANNER: &[u8] = b"JUNK BEFORE THE HEADER: a mail gateway's banner\n";
/// 58 bytes: read from the first byte, startxref 753 lands just before the word "xref" inside
/// the title string of 8 0 R, which must not pass for the keyword.
const BANNER_58: &[u8] = b"JUNK-BEFORE-HEADER JUNK-BEFORE-HEADER JUNK-BEFORE-HEADER \n";

/// `prefix` + classic.pdf, unchanged: its offsets count from `%PDF-` (how such files arise).
fn junk_prefixed(prefix: &[u8]) -> Vec<u8> {
    let mut pdf = prefix.to_vec();
    pdf.extend_from_slice(&classic());
    pdf
}

#[test]
fn bytes_before_the_header_poppler_and_qpdf_accept_the_signature() {
    for prefix in [BANNER, BANNER_58] {
        junk_prefixed_file_is_accepted(prefix);
    }
}

fn junk_prefixed_file_is_accepted(prefix: &[u8]) {
    let input = junk_prefixed(prefix);
    let junk = prefix.len() as u64;
    let output = sign_pdf(&input, &key(), &SignOptions::default()).unwrap();
    assert!(output.starts_with(&input));
    let doc = Document::parse(&output).unwrap();
    assert_eq!(doc.offset_base(), junk, "offsets count from %PDF-");
    // The new section sits where its startxref says, counted from %PDF-.
    let newest = doc.sections()[0].offset;
    let at = usize::try_from(newest + junk).unwrap();
    assert!(output[at..].starts_with(b"xref"), "startxref {newest}");
    // The ByteRange counts from the first byte and covers everything but /Contents.
    let report = countersign::verify_pdf(&output, &countersign::VerifyOptions::default()).unwrap();
    let ours = report.signatures.last().unwrap();
    assert!(ours.covers_whole_file, "{ours:#?}");

    let temp = common::TempDir::new("offsets");
    let path = temp.write("junk-signed.pdf", &output);
    let qpdf = qpdf_check(&path);
    assert!(qpdf.is_ok() || qpdf.is_skipped(), "{qpdf:?}");
    let pdfsig = pdfsig_verify(&path, &common::root_ca_pem());
    if !pdfsig.skipped {
        let sig = pdfsig
            .signatures
            .last()
            .expect("pdfsig lists our signature");
        assert!(
            sig.signature_valid() && sig.total_document_signed && sig.certificate_trusted(),
            "{}",
            pdfsig.output
        );
    }
    // pyHanko refuses such files outright ("Illegal PDF header"), whoever signed them.
    let pyhanko = pyhanko_validate(&path, &common::root_ca_pem());
    if !pyhanko.skipped {
        let error = pyhanko.error.unwrap_or_default();
        assert!(error.contains("header"), "{error}");
    }
}

#[test]
fn bytes_before_the_header_mupdf_verifies_no_convention() {
    // MuPDF 1.21 (`mutool sign -v`) reports "signature byte range extends past end of file" for
    // any signature in a file with bytes before %PDF-: for ours (ByteRange from the first byte)
    // and for one made by pyHanko on the clean file and then prefixed (ByteRange from %PDF-).
    // Should a MuPDF accept ours, this test still passes; while it rejects ours, it must reject
    // the independently made one too, so the refusal is MuPDF's and not our convention's.
    let output = sign_pdf(&junk_prefixed(BANNER), &key(), &SignOptions::default()).unwrap();
    let temp = common::TempDir::new("offsets");
    let ours = temp.write("ours.pdf", &output);
    let verdict = mutool_verify(&ours);
    if verdict.is_ok() || verdict.is_skipped() {
        return;
    }
    let clean = temp.write("clean.pdf", &classic());
    let reference = temp.path().join("pyhanko.pdf");
    match pyhanko_sign(&clean, &reference, "Sig1") {
        Ok(true) => {}
        Ok(false) => return,
        Err(error) => panic!("pyHanko could not sign classic.pdf: {error}"),
    }
    assert!(
        mutool_verify(&reference).is_ok(),
        "MuPDF must accept pyHanko's signature on the clean file"
    );
    let mut prefixed = BANNER.to_vec();
    prefixed.extend_from_slice(&std::fs::read(&reference).unwrap());
    let theirs = temp.write("pyhanko-prefixed.pdf", &prefixed);
    let their_verdict = mutool_verify(&theirs);
    assert!(
        !their_verdict.is_ok(),
        "MuPDF accepts a prefixed file signed elsewhere but not ours: {verdict:?}"
    );
    for verdict in [verdict, their_verdict] {
        let Verdict::Errors(text) = verdict else {
            panic!("{verdict:?}");
        };
        assert!(
            text.contains("byte range extends past end of file"),
            "{text}"
        );
    }
}
