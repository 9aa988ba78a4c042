//! Malformed inputs give typed errors, never a panic: empty, random, truncated, broken startxref.

use countersign::crypto::LoadOptions;
use countersign::crypto::credential::load_pem;
use countersign::{CertifiedKey, Error, SignOptions, sign_pdf};

/// The demo credential: a real key, so the refusals below come from reading the file, not from
/// a key that cannot sign.
fn key() -> CertifiedKey {
    load_pem(
        include_bytes!("../testdata/pki/demo.chain.pem"),
        include_bytes!("../testdata/pki/demo.key.pem"),
        &LoadOptions::default(),
    )
    .unwrap()
}

fn sign(bytes: &[u8]) -> Result<Vec<u8>, Error> {
    sign_pdf(bytes, &key(), &SignOptions::default())
}

#[test]
fn empty_input_is_not_a_pdf() {
    assert!(matches!(sign(b""), Err(Error::NotPdf(_))));
}

#[test]
fn random_bytes_are_not_a_pdf() {
    // A fixed xorshift stream: reproducible "random" bytes.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    assert!(matches!(sign(&bytes), Err(Error::NotPdf(_))));
}

#[test]
fn truncated_files_are_refused_with_typed_errors() {
    let pdf = std::fs::read("testdata/pdf/classic.pdf").unwrap();
    for i in 1..=20 {
        let cut = pdf.len() * i / 21;
        let result = sign(&pdf[..cut]);
        assert!(
            matches!(
                result,
                Err(Error::Truncated(_)
                    | Error::DamagedXref { .. }
                    | Error::NotPdf(_)
                    | Error::MalformedObject { .. })
            ),
            "cut at {cut}: {result:?}"
        );
    }
}

#[test]
fn broken_startxref_is_a_damaged_xref() {
    let pdf = std::fs::read("testdata/pdf/classic.pdf").unwrap();
    let text = String::from_utf8_lossy(&pdf).into_owned();
    let at = text.rfind("startxref").unwrap();
    let mut broken = pdf[..at].to_vec();
    broken.extend_from_slice(b"startxref\n99999999\n%%EOF\n");
    assert!(
        matches!(sign(&broken), Err(Error::DamagedXref { .. })),
        "{:?}",
        sign(&broken)
    );
    let mut broken = pdf[..at].to_vec();
    broken.extend_from_slice(b"startxref\n12\n%%EOF\n");
    assert!(matches!(sign(&broken), Err(Error::DamagedXref { .. })));
}

#[test]
fn a_malformed_encryption_dictionary_names_what_is_missing() {
    let pdf = std::fs::read("testdata/pdf/classic.pdf").unwrap();
    let text = String::from_utf8_lossy(&pdf).into_owned();
    let at = text.rfind("trailer").unwrap();
    // Append an update whose trailer declares encryption.
    let mut doc = pdf.clone();
    let enc_offset = doc.len();
    doc.extend_from_slice(
        b"99 0 obj\n<</Filter/Standard/V 4/R 4/Length 128/CF<</StdCF<</CFM/AESV2>>>>>>\nendobj\n",
    );
    let xref_offset = doc.len();
    let trailer_start = &text[at..];
    let root = trailer_start
        .split("/Root")
        .nth(1)
        .unwrap()
        .split('R')
        .next()
        .unwrap()
        .trim()
        .to_string();
    let prev = text[text.rfind("startxref").unwrap() + 9..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    doc.extend_from_slice(
        format!("xref\n99 1\n{enc_offset:010} 00000 n\r\ntrailer\n<</Size 100/Root {root} R/Encrypt 99 0 R/Prev {prev}>>\nstartxref\n{xref_offset}\n%%EOF\n").as_bytes(),
    );
    // The standard handler is supported; this dictionary lacks what authentication reads.
    match sign(&doc) {
        Err(Error::UnsupportedEncryption { detail }) => assert_eq!(detail, "no /P"),
        other => panic!("expected UnsupportedEncryption, got {other:?}"),
    }
}

#[test]
fn certified_p1_is_refused() {
    let pdf = std::fs::read("testdata/pdf/certified-p1.pdf").unwrap();
    assert!(matches!(sign(&pdf), Err(Error::CertifiedNoChanges)));
}

/// classic.pdf plus an update redefining objects 1..=3 whose middle entry is damaged (only the
/// first and last entries of a subsection are checked up front).
fn update_with_damaged_middle_entry() -> Vec<u8> {
    let mut pdf = std::fs::read("testdata/pdf/classic.pdf").unwrap();
    let mut offsets = Vec::new();
    for (num, body) in [
        (1, "<< /Type /Catalog /Pages 2 0 R /Lang (en) >>"),
        (2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        (3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"),
    ] {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{num} 0 obj\n{body}\nendobj\n").as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!(
            "xref\n1 3\n{:010} 00000 n\r\n00000x{:04} 00000 n\r\n{:010} 00000 n\r\ntrailer\n<< /Size 9 /Root 1 0 R /Prev 753 >>\nstartxref\n{xref}\n%%EOF\n",
            offsets[0], offsets[1] % 10_000, offsets[2]
        )
        .as_bytes(),
    );
    pdf
}

#[test]
fn unreadable_entry_in_the_newest_section_is_damage_not_the_older_revision() {
    let pdf = update_with_damaged_middle_entry();
    let doc = countersign::__private::pdf::Document::parse(&pdf).unwrap();
    let read = doc.get(countersign::__private::pdf::ObjRef::new(2, 0));
    // Before: the older revision's page tree (two pages) was read in its place.
    assert!(matches!(read, Err(Error::DamagedXref { .. })), "{read:?}");
    let signed = sign(&pdf);
    assert!(
        matches!(signed, Err(Error::DamagedXref { .. })),
        "{signed:?}"
    );
}
