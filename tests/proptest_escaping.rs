//! Property: names, literal strings and hex strings written by our writer read back as the same
//! bytes, through our parser and inside a container (array, dictionary) where a bad escape would
//! swallow the next token.

use countersign::__private::pdf::lexer::Cursor;
use countersign::__private::pdf::parser::ObjectParser;
use countersign::__private::pdf::writer::{
    write_hex_string, write_literal_string, write_name, write_object,
};
use countersign::__private::pdf::{Object, StringForm};
use proptest::prelude::*;

fn parse_all(bytes: &[u8]) -> Object {
    let mut cursor = Cursor::new(bytes, 0);
    let object = ObjectParser::new(&mut cursor, countersign::error::Location::Trailer)
        .parse()
        .unwrap();
    cursor.skip_ws();
    assert!(
        cursor.at_end(),
        "trailing bytes after the object in {bytes:?}"
    );
    object
}

/// Wrapped between two sentinels so that an escape eating its delimiter shows up.
fn in_array(written: &[u8]) -> Vec<u8> {
    let mut out = b"[/Before ".to_vec();
    out.extend_from_slice(written);
    out.extend_from_slice(b" /After]");
    out
}

fn check(written: &[u8], expected: Object) -> Result<(), TestCaseError> {
    prop_assert_eq!(parse_all(written), expected.clone());
    let wrapped = parse_all(&in_array(written));
    prop_assert_eq!(
        wrapped,
        Object::Array(vec![
            Object::name("Before"),
            expected,
            Object::name("After")
        ])
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn names_round_trip(name in proptest::collection::vec(any::<u8>(), 0..64)) {
        let mut out = Vec::new();
        write_name(&mut out, &name);
        // Every byte written is regular printable ASCII (§7.3.5 recommends #xx for the rest).
        prop_assert!(out[1..].iter().all(|b| (0x21..=0x7e).contains(b)));
        check(&out, Object::Name(name))?;
    }

    #[test]
    fn literal_strings_round_trip(text in proptest::collection::vec(any::<u8>(), 0..128)) {
        let mut out = Vec::new();
        write_literal_string(&mut out, &text);
        check(&out, Object::String(text, StringForm::Literal))?;
    }

    #[test]
    fn hex_strings_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
        let mut out = Vec::new();
        write_hex_string(&mut out, &bytes);
        check(&out, Object::String(bytes, StringForm::Hex))?;
    }

    /// The unbalanced-parenthesis and backslash-at-end cases, concentrated.
    #[test]
    fn escape_heavy_strings_round_trip(
        text in proptest::collection::vec(
            prop_oneof![Just(b'('), Just(b')'), Just(b'\\'), Just(b'\r'), Just(b'\n'), any::<u8>()],
            0..64,
        )
    ) {
        let mut out = Vec::new();
        write_object(&mut out, &Object::String(text.clone(), StringForm::Literal));
        check(&out, Object::String(text, StringForm::Literal))?;
    }

    /// What the writer produces lopdf reads the same way (names and both string forms).
    #[test]
    fn lopdf_reads_our_escapes(
        name in proptest::collection::vec(any::<u8>(), 1..32),
        text in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut body = b"<<".to_vec();
        write_name(&mut body, &name);
        body.push(b' ');
        write_literal_string(&mut body, &text);
        body.extend_from_slice(b" /H ");
        write_hex_string(&mut body, &text);
        body.extend_from_slice(b">>");
        let pdf = minimal_pdf_with(&body);
        let doc = lopdf::Document::load_mem(&pdf).unwrap();
        let dict = doc.get_object((4, 0)).unwrap().as_dict().unwrap();
        prop_assert_eq!(dict.get(&name).unwrap().as_str().unwrap(), &text[..]);
        prop_assert_eq!(dict.get(b"H").unwrap().as_str().unwrap(), &text[..]);
    }
}

/// A one-page PDF whose object 4 is `body`, with a correct xref table.
fn minimal_pdf_with(body: &[u8]) -> Vec<u8> {
    let objects: [&[u8]; 4] = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 10 10]>>",
        body,
    ];
    let mut pdf = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(object);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(b"xref\n0 5\n0000000000 65535 f \n");
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<</Size 5/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    pdf
}
