//! The checks behind each fuzz target, shared with `tests/fuzz_regressions.rs` so that stable
//! `cargo test` replays every minimized input through exactly the assertions the fuzzer used.
//!
//! A check returns normally when the library behaved; it panics (a finding) when the library
//! panicked, returned an untyped error, or reported something false.

pub mod mutate;
// The service_request check (service.rs) is included on its own by its fuzz target and by
// crates/countersign-ess/tests/fuzz_regressions.rs: it needs the service crate, the rest does not.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use countersign::__private::pdf::{Document, ObjRef, Object, XrefEntry};
use countersign::VerifyReport;
use countersign::crypto::credential::{self, LoadOptions};
use countersign::{CertifiedKey, Error, SignOptions, VerifyOptions, sign_pdf, verify_pdf};

const CHAIN_PEM: &[u8] = include_bytes!("../../testdata/pki/demo-p256.chain.pem");
const KEY_PEM: &[u8] = include_bytes!("../../testdata/pki/demo-p256.key.pem");
const ROOT_PEM: &[u8] = include_bytes!("../../testdata/pki/root-ca.cert.pem");

/// How many objects the xref check loads; enough to reach deep into small files without making
/// a 100k-object input slow.
const OBJECTS_TO_WALK: u32 = 256;

/// The test credential: ECDSA P-256 (fast, so the fuzzer spends its time in the PDF code).
pub fn credential() -> &'static CertifiedKey {
    static KEY: OnceLock<CertifiedKey> = OnceLock::new();
    KEY.get_or_init(|| {
        credential::load_pem(CHAIN_PEM, KEY_PEM, &LoadOptions::default())
            .expect("the test credential in testdata/pki loads")
    })
}

/// A fixed signing time makes every run byte-identical.
pub fn sign_options() -> SignOptions {
    {
        let mut sign_options = SignOptions::default();
        sign_options.signing_time =
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600));
        sign_options
    }
}

/// Trusts the test root, "Demo Root CA".
pub fn trusting_root() -> &'static VerifyOptions {
    static OPTIONS: OnceLock<VerifyOptions> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        VerifyOptions::trusting(credential::trust_roots_from_pem(ROOT_PEM).expect("root-ca loads"))
    })
}

/// Every error the pipeline returns for bad input is one of the named variants; `Io` cannot
/// happen on an in-memory buffer, so seeing it means an error was laundered through the wrong path.
fn assert_typed(error: &Error, context: &str) {
    assert!(
        !matches!(error, Error::Io(_)),
        "{context}: in-memory input produced an I/O error: {error}"
    );
    assert!(
        !error.to_string().trim().is_empty(),
        "{context}: error without a message"
    );
}

/// `sign` target: arbitrary bytes are signed; a result must verify with the input as its prefix.
pub fn check_sign(data: &[u8]) {
    let signed = match sign_pdf(data, credential(), &sign_options()) {
        Ok(signed) => signed,
        Err(error) => return assert_typed(&error, "sign_pdf"),
    };
    assert!(
        signed.starts_with(data),
        "the signed file does not start with the input"
    );
    let report = verify_pdf(&signed, trusting_root())
        .unwrap_or_else(|e| panic!("our own signed output does not parse for verification: {e}"));
    let ours = report
        .signatures
        .iter()
        .find(|s| s.byte_range.first() == Some(&0) && s.covers_whole_file)
        .unwrap_or_else(|| panic!("the new signature is not found by verify_pdf: {report:?}"));
    assert!(
        ours.is_valid(),
        "our own signature does not verify: {:?}",
        ours.problems
    );
    let gap_end = ours.byte_range.get(2).copied().unwrap_or(0);
    assert!(
        gap_end > data.len() as u64,
        "the new signature's /Contents lies inside the original input"
    );
}

/// `xref` target: the reading layer alone, on arbitrary bytes.
pub fn check_xref(data: &[u8]) {
    let doc = match Document::parse(data) {
        Ok(doc) => doc,
        Err(error) => return assert_typed(&error, "Document::parse"),
    };
    let _ = (doc.version(), doc.xref_form(), doc.startxref(), doc.size());
    if let Err(error) = doc.catalog() {
        assert_typed(&error, "catalog");
    }
    for value in doc.trailer().iter().map(|(_, v)| v) {
        if let Err(error) = doc.resolve(value) {
            assert_typed(&error, "trailer value");
        }
    }
    for num in 0..doc.size().min(OBJECTS_TO_WALK) {
        let generation = match doc.entry(num) {
            Ok(Some(XrefEntry::InFile { generation, .. })) => generation,
            Ok(Some(XrefEntry::Compressed { .. })) => 0,
            Ok(_) => continue,
            Err(error) => {
                assert_typed(&error, "entry");
                continue;
            }
        };
        let id = ObjRef::new(num, generation);
        match doc.get(id) {
            Ok(Object::Stream(stream)) => {
                let _ = stream.dict.get(b"Filter");
            }
            Ok(_) => {}
            Err(error) => assert_typed(&error, "get"),
        }
        if let Some(span) = doc.object_span(id) {
            assert!(
                span.start < span.end && span.end <= data.len(),
                "object_span {span:?} of {id} is outside the {}-byte file",
                data.len()
            );
        }
    }
}

/// The signed files the `verify` target mutates: our signatures over each structure in
/// testdata/pdf, a double-signed file, and a third-party (pyHanko) signature.
pub fn signed_originals() -> &'static [Vec<u8>] {
    static ORIGINALS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    ORIGINALS.get_or_init(|| {
        let sources: [&[u8]; 5] = [
            include_bytes!("../../testdata/pdf/classic.pdf"),
            include_bytes!("../../testdata/pdf/xref-stream.pdf"),
            include_bytes!("../../testdata/pdf/hybrid.pdf"),
            include_bytes!("../../testdata/pdf/incremental.pdf"),
            include_bytes!("../../testdata/pdf/acroform.pdf"),
        ];
        let sign = |pdf: &[u8]| {
            sign_pdf(pdf, credential(), &sign_options()).expect("testdata signs cleanly")
        };
        let mut originals: Vec<Vec<u8>> = sources.iter().map(|pdf| sign(pdf)).collect();
        let twice = sign(&originals[0]);
        originals.push(twice);
        originals.push(include_bytes!("../../testdata/pdf/signed.pdf").to_vec());
        originals
    })
}

/// `verify` target: `input` selects a signed original and a list of edits (see [`mutate`]).
pub fn check_verify(input: &[u8]) {
    let originals = signed_originals();
    let Some((&selector, edits)) = input.split_first() else {
        return;
    };
    let original = &originals[usize::from(selector) % originals.len()];
    let options = if selector & 0x80 != 0 {
        trusting_root()
    } else {
        &VerifyOptions::default()
    };
    let mutated = mutate::apply(original, edits);
    match verify_pdf(&mutated, options) {
        Ok(report) => assert_no_false_valid(original, &mutated, &report),
        Err(error) => assert_typed(&error, "verify_pdf"),
    }
}

/// A signature reported valid must cover bytes identical to the original's at the same
/// positions: a change inside a signed range that still verifies is a forgery.
fn assert_no_false_valid(original: &[u8], mutated: &[u8], report: &VerifyReport) {
    // Integrity is what a mutation attacks; trust is checked only with the root selected.
    for signature in report
        .signatures
        .iter()
        .filter(|s| s.is_valid_ignoring_trust())
    {
        let &[start, first_len, second_start, second_len] = signature.byte_range.as_slice() else {
            panic!("a valid signature without four ByteRange values: {signature:?}");
        };
        let ranges = [(start, first_len), (second_start, second_len)];
        for (from, len) in ranges {
            let from = usize::try_from(from).expect("range start fits");
            let to = from
                .checked_add(usize::try_from(len).expect("range length fits"))
                .expect("range end fits");
            let now = mutated.get(from..to);
            let before = original.get(from..to);
            assert!(
                now.is_some() && now == before,
                "signature {} is reported valid although bytes {from}..{to} differ from the signed original",
                signature.field_name
            );
        }
    }
}

/// `tst_info` target: a TSTInfo that decodes must encode again and decode to the same value
/// (the bytes may differ: a genTime fraction with trailing zeros is read, and written without).
pub fn check_tst_info(input: &[u8]) {
    assert_ne!(
        countersign::__private::cades::tst_info_round_trip(input),
        Some(false),
        "a TSTInfo did not survive encoding and decoding again"
    );
}

/// `security` target: `password \n id0 \n encryption dictionary`. The dictionary is parsed as
/// a PDF object; the standard handler authenticates (R2-R6, any /O /U /OE /UE /P) and a sample
/// object must read back unchanged after encryption and decryption, or a typed error.
pub fn check_security(input: &[u8]) {
    let mut parts = input.splitn(3, |&b| b == b'\n');
    let (Some(password), Some(id0), Some(dict)) = (parts.next(), parts.next(), parts.next()) else {
        return;
    };
    let mut cursor = countersign::__private::pdf::lexer::Cursor::new(dict, 0);
    let parsed = countersign::__private::pdf::parser::ObjectParser::new(
        &mut cursor,
        countersign::Location::Trailer,
    )
    .parse();
    let Ok(Object::Dict(encrypt)) = parsed else {
        return;
    };
    match countersign::__private::pdf::security::round_trip(&encrypt, id0, password) {
        Ok(same) => assert!(same, "an object did not survive encryption and decryption"),
        Err(error) => assert_typed(&error, "security handler"),
    }
}
