//! The published attacks on PDF signatures (Mladenov et al., "1 Trillion Dollar Refund", CCS
//! 2019): every variant is generated from a file we signed and must be rejected by
//! `verify_pdf`. Where the attack keeps a valid CMS possible, the variant is re-signed over its
//! new ranges with the real key, so only the structural checks can catch it.

mod common;

use countersign::__private::cades::{CmsParams, build_detached};
use countersign::__private::pdf::{Document, Object, UpdateWriter};
use countersign::crypto::LoadOptions;
use countersign::crypto::credential::{load_pem, trust_roots_from_pem};
use countersign::{
    CertifiedKey, DigestAlgorithm, ModificationLevel, SignOptions, VerifyOptions, sign_pdf,
    verify_pdf,
};

fn demo_key() -> CertifiedKey {
    let chain = std::fs::read(common::pki_path("demo.chain.pem")).unwrap();
    let key = std::fs::read(common::pki_path("demo.key.pem")).unwrap();
    load_pem(&chain, &key, &LoadOptions::default()).unwrap()
}

fn options() -> VerifyOptions {
    VerifyOptions::trusting(
        trust_roots_from_pem(&std::fs::read(common::root_ca_pem()).unwrap()).unwrap(),
    )
}

fn signed() -> Vec<u8> {
    let input = common::read_pdf("classic.pdf");
    sign_pdf(&input, &demo_key(), &SignOptions::default()).unwrap()
}

fn find_last(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .rposition(|w| w == needle)
        .unwrap()
}

/// Position of the `[` of the last `/ByteRange`, and of its `]`.
fn byte_range_span(pdf: &[u8]) -> (usize, usize) {
    let start = find_last(pdf, b"/ByteRange") + b"/ByteRange".len();
    let open = start + pdf[start..].iter().position(|&b| b == b'[').unwrap();
    let close = open + pdf[open..].iter().position(|&b| b == b']').unwrap();
    (open, close)
}

fn byte_range(pdf: &[u8]) -> [usize; 4] {
    let (open, close) = byte_range_span(pdf);
    let text = std::str::from_utf8(&pdf[open + 1..close]).unwrap();
    let v: Vec<usize> = text
        .split_whitespace()
        .map(|t| t.parse().unwrap())
        .collect();
    [v[0], v[1], v[2], v[3]]
}

/// Rewrites the `/ByteRange` array text in place (same width, space padded).
fn set_byte_range_text(pdf: &mut [u8], text: &str) {
    let (open, mut close) = byte_range_span(pdf);
    // The placeholder is padded with spaces after `]`.
    while pdf.get(close + 1) == Some(&b' ') {
        close += 1;
    }
    let width = close - open + 1;
    assert!(text.len() <= width, "{text} does not fit");
    let mut padded = text.as_bytes().to_vec();
    padded.resize(width, b' ');
    pdf[open..=close].copy_from_slice(&padded);
}

/// Replaces `len` bytes at `at` with `text` padded with spaces.
fn overwrite(pdf: &mut [u8], at: usize, len: usize, text: &[u8]) {
    assert!(text.len() <= len);
    let mut padded = text.to_vec();
    padded.resize(len, b' ');
    pdf[at..at + len].copy_from_slice(&padded);
}

/// The P-256 signer of the same PKI: its CMS is much shorter than the RSA one the file was
/// signed with, which leaves room in the `/Contents` padding for the wrapping variants.
fn p256_key() -> CertifiedKey {
    let chain = std::fs::read(common::pki_path("demo-p256.chain.pem")).unwrap();
    let key = std::fs::read(common::pki_path("demo-p256.key.pem")).unwrap();
    load_pem(&chain, &key, &LoadOptions::default()).unwrap()
}

/// Signs the bytes `range` covers with a real key of the PKI and writes the CMS as hex at `hex_at`
/// (the position just after a `<`), over the zero padding there.
fn resign(pdf: &mut [u8], range: [usize; 4], hex_at: usize) {
    let [a, b, c, d] = range;
    let digest = DigestAlgorithm::Sha256.digest_chunks(&[&pdf[a..a + b], &pdf[c..c + d]]);
    let params = CmsParams {
        digest: DigestAlgorithm::Sha256,
        signing_time: None,
        ..CmsParams::default()
    };
    let der = build_detached(&p256_key(), &params, &digest).unwrap();
    let hex: String = der.iter().map(|b| format!("{b:02x}")).collect();
    let end = hex_at + pdf[hex_at..].iter().position(|&x| x == b'>').unwrap();
    for x in &mut pdf[hex_at..end] {
        *x = b'0';
    }
    pdf[hex_at..hex_at + hex.len()].copy_from_slice(hex.as_bytes());
}

/// The position of `<` of the signature's `/Contents` and of its `>`.
fn contents_span(pdf: &[u8]) -> (usize, usize) {
    let [_, first_len, second_start, _] = byte_range(pdf);
    (first_len, second_start - 1)
}

fn assert_rejected(name: &str, pdf: &[u8]) {
    match verify_pdf(pdf, &options()) {
        Err(_) => {}
        Ok(report) => {
            assert!(!report.all_valid(), "{name}: accepted: {report:#?}");
            assert!(
                report.signatures.iter().all(|s| !s.is_valid()),
                "{name}: a signature still reads as valid: {report:#?}"
            );
        }
    }
}

#[test]
fn the_untouched_file_is_accepted() {
    let report = verify_pdf(&signed(), &options()).unwrap();
    assert!(report.all_valid(), "{report:#?}");
    assert!(report.unsigned_changes().is_empty());
}

#[test]
fn universal_signature_forgery_variants_are_rejected() {
    let original = signed();
    let (lt, gt) = contents_span(&original);
    let contents_key = find_last(&original, b"/Contents");
    let byte_range_key = find_last(&original, b"/ByteRange");
    let (br_open, br_close) = byte_range_span(&original);
    let contents_len = gt - lt + 1;
    let br_len = br_close - br_open + 1;

    let mut variants: Vec<(&str, Vec<u8>)> = Vec::new();
    let mut edit = |name, f: &dyn Fn(&mut Vec<u8>)| {
        let mut v = original.clone();
        f(&mut v);
        variants.push((name, v));
    };
    edit("contents missing", &|v| v[contents_key + 8] = b'X');
    edit("contents null", &|v| {
        overwrite(v, lt, contents_len, b"null")
    });
    edit("contents integer", &|v| {
        overwrite(v, lt, contents_len, b"42")
    });
    edit("contents empty string", &|v| {
        overwrite(v, lt, contents_len, b"<>")
    });
    edit("contents literal string", &|v| {
        v[lt] = b'(';
        v[gt] = b')';
    });
    edit("contents all zero", &|v| {
        for b in &mut v[lt + 1..gt] {
            *b = b'0';
        }
    });
    edit("contents truncated CMS", &|v| {
        for b in &mut v[lt + 200..gt] {
            *b = b'0';
        }
    });
    edit("byterange missing", &|v| v[byte_range_key + 9] = b'X');
    edit("byterange null", &|v| {
        overwrite(v, br_open, br_len, b"null")
    });
    edit("byterange string", &|v| {
        overwrite(v, br_open, br_len, b"(0 1 2 3)")
    });
    edit("byterange three numbers", &|v| {
        let [a, b, c, _] = byte_range(&original);
        set_byte_range_text(v, &format!("[{a} {b} {c}]"));
    });
    edit("byterange negative", &|v| {
        let [a, b, c, d] = byte_range(&original);
        set_byte_range_text(v, &format!("[{a} {b} {c} -{d}]"));
    });
    edit("byterange reals", &|v| {
        let [a, b, c, d] = byte_range(&original);
        set_byte_range_text(v, &format!("[{a} {b}.0 {c} {d}]"));
    });
    edit("byterange empty", &|v| overwrite(v, br_open, br_len, b"[]"));
    for (name, pdf) in &variants {
        assert_rejected(name, pdf);
    }
    assert_eq!(variants.len(), 14);
}

#[test]
fn signature_wrapping_variants_are_rejected_even_with_a_valid_cms() {
    let original = signed();
    let [a, b, c, d] = byte_range(&original);
    let (lt, _) = contents_span(&original);

    // Content in the gap: the hex string ends early and an object hides after it, inside the
    // unsigned gap.
    let mut resigned = original.clone();
    resign(&mut resigned, [a, b, c, d], lt + 1);
    let report = verify_pdf(&resigned, &options()).unwrap();
    assert!(
        report.all_valid(),
        "the re-signed control must verify: {report:#?}"
    );
    let padding_start = lt
        + 1
        + resigned[lt + 1..c - 1]
            .iter()
            .rposition(|&x| x != b'0')
            .unwrap()
        + 1;
    assert!(
        c - 1 - padding_start > 64,
        "not enough padding to test with"
    );
    let mut gap_content = resigned.clone();
    let hidden = b"> 99 0 obj (hidden) endobj <";
    let at = padding_start + 8;
    gap_content[at..at + hidden.len()].copy_from_slice(hidden);
    assert_rejected("content in the gap", &gap_content);

    // Content in the padding: non-zero bytes after the CMS element inside /Contents.
    let mut padding = resigned.clone();
    let tail = padding_start + 8;
    padding[tail..tail + 16].copy_from_slice(b"deadbeefdeadbeef");
    assert_rejected("content in the padding", &padding);

    // Moved second range: the ByteRange skips more than /Contents (it starts 20 bytes later),
    // re-signed so the digest matches the new ranges.
    let mut moved = original.clone();
    set_byte_range_text(&mut moved, &format!("[{a} {b} {} {}]", c + 20, d - 20));
    resign(&mut moved, [a, b, c + 20, d - 20], lt + 1);
    assert_rejected("moved second range", &moved);

    // Overlapping ranges.
    let mut overlap = original.clone();
    set_byte_range_text(&mut overlap, &format!("[{a} {b} {} {}]", b - 10, d + 10));
    assert_rejected("overlapping ranges", &overlap);

    // First range not starting at 0.
    let mut offset = original.clone();
    set_byte_range_text(&mut offset, &format!("[1 {} {c} {d}]", b - 1));
    resign(&mut offset, [1, b - 1, c, d], lt + 1);
    assert_rejected("first range not at 0", &offset);

    // Second range past the end of the file.
    let mut past = original.clone();
    set_byte_range_text(&mut past, &format!("[{a} {b} {c} {}]", d + 100));
    assert_rejected("second range past the end", &past);

    // The gap around a different hex string: the trailer's /ID.
    let mut elsewhere = original.clone();
    let id_at = find_last(&elsewhere, b"/ID") + 3;
    let id_open = id_at + elsewhere[id_at..].iter().position(|&x| x == b'<').unwrap();
    let id_close = id_open
        + elsewhere[id_open..]
            .iter()
            .position(|&x| x == b'>')
            .unwrap();
    let end = elsewhere.len();
    set_byte_range_text(
        &mut elsewhere,
        &format!("[0 {id_open} {} {}]", id_close + 1, end - id_close - 1),
    );
    assert_rejected("gap around another hex string", &elsewhere);
}

#[test]
fn incremental_saving_is_reported_with_what_changed() {
    let original = signed();
    let doc = Document::parse(&original).unwrap();
    let (catalog_ref, mut catalog) = doc.catalog().unwrap();
    catalog.set("OpenAction", Object::name("Evil"));
    let mut writer = UpdateWriter::new(&doc);
    writer.add(catalog_ref, &Object::Dict(catalog));
    let update = writer
        .finish(&doc, doc.size(), &[b"a".to_vec(), b"b".to_vec()])
        .unwrap();
    let mut attacked = original.clone();
    attacked.extend_from_slice(&update);

    let report = verify_pdf(&attacked, &options()).unwrap();
    assert!(!report.all_valid(), "an unsigned update must fail closed");
    let sig = report.signatures.last().unwrap();
    // The signature itself still verifies for the revision it covers...
    assert!(sig.is_signature_valid() && sig.is_trusted(), "{sig:#?}");
    assert!(!sig.covers_whole_file);
    assert_eq!(sig.signed_revision_len, original.len() as u64);
    assert_eq!(sig.modifications.later_revisions, 1);
    // ...and the report names what was changed after it, and that it is not allowed.
    assert_eq!(sig.modifications.level, ModificationLevel::Other);
    assert!(!sig.is_valid());
    assert_eq!(sig.modifications.objects, vec![catalog_ref]);
    assert_eq!(report.unsigned_changes(), [catalog_ref]);

    // Trailing bytes without a new revision are not covered either.
    let mut tail = original.clone();
    tail.extend_from_slice(b"\n% appended\n");
    let report = verify_pdf(&tail, &options()).unwrap();
    assert!(!report.all_valid());
    let sig = report.signatures.last().unwrap();
    assert_eq!(sig.modifications.later_revisions, 0);
    assert_eq!(sig.modifications.level, ModificationLevel::Other);
}
