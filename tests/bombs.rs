//! Decompression and parser bombs (issue 9): each ends in `Error::LimitExceeded` naming the limit
//! and the object, for signing and for verification, instead of gigabytes of memory or a blown
//! stack. The files are built here, in the shapes of the attack files (scripts/make_bombs.py
//! writes the full-size ones that scripts/bombs_rss.sh measures).

use std::io::Write;

use countersign::__private::pdf::Document;
use countersign::crypto::LoadOptions;
use countersign::crypto::credential::load_pem;
use countersign::{CertifiedKey, Error, Limits, SignOptions, VerifyOptions, sign_pdf, verify_pdf};

const MIB: usize = 1 << 20;
const HEADER: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";

fn key() -> CertifiedKey {
    load_pem(
        include_bytes!("../testdata/pki/demo.chain.pem"),
        include_bytes!("../testdata/pki/demo.key.pem"),
        &LoadOptions::default(),
    )
    .unwrap()
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// zlib(zlib(`head` + `zeros` zero bytes)): a stream under `/Filter [/FlateDecode /FlateDecode]`
/// a few KB long whatever `zeros` is.
fn double_deflate(head: &[u8], zeros: usize) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(head).unwrap();
    let chunk = vec![0u8; MIB];
    for _ in 0..zeros / MIB {
        encoder.write_all(&chunk).unwrap();
    }
    zlib(&encoder.finish().unwrap())
}

fn row(kind: u8, a: usize, b: u16) -> Vec<u8> {
    let mut row = vec![kind];
    row.extend_from_slice(&u32::try_from(a).unwrap().to_be_bytes());
    row.extend_from_slice(&b.to_be_bytes());
    row
}

/// Catalog 1, pages 2, page 3 (`catalog_extra` goes into the catalog); returns their offsets.
fn base_objects(out: &mut Vec<u8>, catalog_extra: &[u8]) -> Vec<usize> {
    let mut offsets = Vec::new();
    let catalog = [
        b"<< /Type /Catalog /Pages 2 0 R ".as_slice(),
        catalog_extra,
        b">>",
    ]
    .concat();
    for (num, body) in [
        (1, catalog),
        (2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec()),
        (
            3,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>".to_vec(),
        ),
    ] {
        offsets.push(out.len());
        out.extend_from_slice(format!("{num} 0 obj\n").as_bytes());
        out.extend_from_slice(&body);
        out.extend_from_slice(b"\nendobj\n");
    }
    offsets
}

/// `streams` chained xref streams (objects 4, 5, ...), each listing objects 0..=3 and then
/// inflating on to `zeros` more bytes through two FlateDecode filters.
fn chained_xref_streams(streams: usize, zeros: usize) -> Vec<u8> {
    let mut out = HEADER.to_vec();
    let offsets = base_objects(&mut out, b"");
    let mut rows = row(0, 0, 65535);
    for &offset in &offsets {
        rows.extend(row(1, offset, 0));
    }
    // Identical contents: one compression serves every stream.
    let data = double_deflate(&rows, zeros);
    let mut prev: Option<usize> = None;
    for k in 0..streams {
        let at = out.len();
        let prev_entry = prev.map(|p| format!(" /Prev {p}")).unwrap_or_default();
        out.extend_from_slice(
            format!(
                "{} 0 obj\n<< /Type /XRef /Size 4 /Index [0 4] /W [1 4 2] /Root 1 0 R{prev_entry} /Filter [/FlateDecode /FlateDecode] /Length {} >>\nstream\n",
                4 + k,
                data.len()
            )
            .as_bytes(),
        );
        out.extend_from_slice(&data);
        out.extend_from_slice(b"\nendstream\nendobj\n");
        prev = Some(at);
    }
    out.extend_from_slice(format!("startxref\n{}\n%%EOF\n", prev.unwrap()).as_bytes());
    out
}

/// A classic table after `out`'s objects 1..
fn classic_tail(mut out: Vec<u8>, offsets: &[usize], trailer_extra: &str) -> Vec<u8> {
    let size = offsets.len() + 1;
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {size}\n0000000000 65535 f\r\n").as_bytes());
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n\r\n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {size} /Root 1 0 R {trailer_extra}>>\nstartxref\n{xref}\n%%EOF\n"
        )
        .as_bytes(),
    );
    out
}

fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

/// The catalog carries `/Deep [[[…]]]`, `depth` arrays deep.
fn deep_catalog(depth: usize) -> Vec<u8> {
    let mut out = HEADER.to_vec();
    let extra = format!("/Deep {} ", nested(depth));
    let offsets = base_objects(&mut out, extra.as_bytes());
    classic_tail(out, &offsets, "")
}

/// Catalog, pages and page compressed in object stream 4, which inflates on to `zeros` bytes.
fn huge_object_stream(zeros: usize) -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    ];
    let (mut header, mut body) = (String::new(), String::new());
    for (index, object) in objects.iter().enumerate() {
        header.push_str(&format!("{} {} ", index + 1, body.len()));
        body.push_str(object);
        body.push(' ');
    }
    let data = double_deflate(format!("{header}{body}").as_bytes(), zeros);
    let mut out = HEADER.to_vec();
    let stream_at = out.len();
    out.extend_from_slice(
        format!(
            "4 0 obj\n<< /Type /ObjStm /N 3 /First {} /Filter [/FlateDecode /FlateDecode] /Length {} >>\nstream\n",
            header.len(),
            data.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&data);
    out.extend_from_slice(b"\nendstream\nendobj\n");
    let xref_at = out.len();
    let mut rows = row(0, 0, 65535);
    for index in 0..3u16 {
        rows.extend(row(2, 4, index));
    }
    rows.extend(row(1, stream_at, 0));
    rows.extend(row(1, xref_at, 0));
    out.extend_from_slice(
        format!(
            "5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Length {} >>\nstream\n",
            rows.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&rows);
    out.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());
    out
}

/// Signing and verifying `pdf` both stop with `LimitExceeded` on `what`, naming `location`.
fn assert_limit(pdf: &[u8], what: &str, location: &str) {
    let signed = sign_pdf(pdf, &key(), &SignOptions::default());
    let verified = verify_pdf(pdf, &VerifyOptions::default());
    for (step, error) in [("sign", signed.err()), ("verify", verified.err())] {
        match error {
            Some(Error::LimitExceeded {
                what: found,
                location: at,
                ..
            }) => {
                assert_eq!(found, what, "{step}");
                assert!(at.contains(location), "{step}: {at}");
            }
            other => panic!("{step}: expected LimitExceeded on {what}, got {other:?}"),
        }
    }
}

#[test]
fn chained_xref_stream_bomb_stops_at_the_stream_budget() {
    // 8 streams of 64 MiB each (the attack file had 400 MiB each: 3.7 GB RSS before the fix).
    let pdf = chained_xref_streams(8, 64 * MIB);
    assert!(pdf.len() < 16 * 1024, "{} bytes", pdf.len());
    // The newest stream (11 0 R) is the first read, and the first to hit the 16 MiB floor.
    assert_limit(&pdf, "inflated bytes of one stream", "xref stream 11 0 R");
    let error = Document::parse(&pdf).unwrap_err();
    let message = error.to_string();
    assert!(message.contains(&(16 * MIB).to_string()), "{message}");
}

#[test]
fn many_streams_stop_at_the_document_budget() {
    // Each stream fits the per-stream budget; together they exceed the document's.
    let limits = {
        let mut limits = Limits::default();
        limits.inflate_ratio = 1;
        limits.min_stream_inflated = 4 * MIB as u64;
        limits.min_document_inflated = 10 * MIB as u64;
        limits
    };
    let pdf = chained_xref_streams(8, 3 * MIB);
    match Document::parse_with_limits(&pdf, &limits) {
        Err(Error::LimitExceeded {
            what,
            limit,
            location,
        }) => {
            assert_eq!(what, "inflated bytes of the document");
            assert_eq!(limit, 10 * MIB as u64);
            // Streams 11, 10 and 9 fit (3 × 3 MiB); the fourth does not.
            assert!(location.contains("xref stream 8 0 R"), "{location}");
        }
        other => panic!("expected the document budget, got {:?}", other.err()),
    }
    // Within a larger budget the same file reads, keeping only the rows each section names.
    let doc = Document::parse(&pdf).unwrap();
    assert_eq!(doc.sections().len(), 8);
    assert!(doc.catalog().is_ok());
}

#[test]
fn deep_nesting_is_a_limit_not_a_stack_overflow() {
    let pdf = deep_catalog(100_000);
    assert_limit(&pdf, "object nesting depth", "1 0 R");
    // Nesting inside the trailer stops the reading of the xref chain itself.
    let mut out = HEADER.to_vec();
    let offsets = base_objects(&mut out, b"");
    let pdf = classic_tail(out, &offsets, &format!("/Deep {} ", nested(10_000)));
    match Document::parse(&pdf) {
        Err(Error::LimitExceeded { what, location, .. }) => {
            assert_eq!(what, "object nesting depth");
            assert!(location.contains("trailer"), "{location}");
        }
        other => panic!("expected LimitExceeded, got {:?}", other.err()),
    }
}

#[test]
fn huge_object_stream_stops_at_the_stream_budget() {
    let pdf = huge_object_stream(64 * MIB);
    assert!(pdf.len() < 16 * 1024, "{} bytes", pdf.len());
    assert_limit(&pdf, "inflated bytes of one stream", "object stream 4 0 R");
    // The same file with a small tail reads and signs: the limit is on the bomb, not the form.
    let benign = huge_object_stream(0);
    assert!(sign_pdf(&benign, &key(), &SignOptions::default()).is_ok());
}

#[test]
fn limits_are_configurable_from_sign_and_verify_options() {
    let pdf = std::fs::read("testdata/pdf/classic.pdf").unwrap();
    // classic.pdf nests dictionaries three deep (page, /Resources, /Font).
    let limits = {
        let mut limits = Limits::default();
        limits.max_nesting = 1;
        limits
    };
    let signed = sign_pdf(&pdf, &key(), &{
        let mut sign_options = SignOptions::default();
        sign_options.limits = limits;
        sign_options
    });
    assert!(
        matches!(
            signed,
            Err(Error::LimitExceeded {
                what: "object nesting depth",
                limit: 1,
                ..
            })
        ),
        "{:?}",
        signed.err()
    );
    let output = sign_pdf(&pdf, &key(), &SignOptions::default()).unwrap();
    let verified = verify_pdf(&output, &{
        let mut verify_options = VerifyOptions::default();
        verify_options.limits = {
            let mut limits = Limits::default();
            limits.max_nesting = 0;
            limits
        };
        verify_options
    });
    assert!(
        matches!(verified, Err(Error::LimitExceeded { .. })),
        "{:?}",
        verified.err()
    );
    // The repair path (a damaged file: its startxref points nowhere) draws on the same limits
    // when it unpacks object streams.
    let mut damaged = huge_object_stream(64 * MIB);
    let at = damaged.windows(9).rposition(|w| w == b"startxref").unwrap();
    damaged.truncate(at);
    damaged.extend_from_slice(b"startxref\n99999999\n%%EOF\n");
    let repaired = sign_pdf(&damaged, &key(), &{
        let mut sign_options = SignOptions::default();
        sign_options.repair = true;
        sign_options
    });
    assert!(
        matches!(repaired, Err(Error::LimitExceeded { .. })),
        "{:?}",
        repaired.err()
    );
}
