//! Property: `/ByteRange [0 a b c]` covers exactly the file minus the `/Contents` hex string
//! (delimiters included), for any file size up to 2^40, and its text always fits the reserved
//! placeholder so filling it never moves a byte.

use countersign::__private::byterange::{
    BYTE_RANGE_WIDTH, byte_range, fill_byte_range, fill_contents, write_placeholders,
};
use proptest::prelude::*;

const MAX_FILE: u64 = 1 << 40;

/// Builds an update the way the signer does: some dictionary text, the placeholders, then the
/// rest of the update (xref and trailer).
fn update_with_placeholders(
    before: usize,
    contents_len: usize,
    after: usize,
) -> (Vec<u8>, countersign::__private::byterange::Placeholders) {
    let mut update = vec![b'd'; before];
    let placeholders = write_placeholders(&mut update, contents_len);
    update.resize(update.len() + after, b't');
    (update, placeholders)
}

fn parse_numbers(text: &[u8]) -> Vec<u64> {
    std::str::from_utf8(text)
        .unwrap()
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    /// The arithmetic alone, for original files of any size up to 2^40.
    #[test]
    fn coverage_is_file_minus_hex_string(
        original_len in 0u64..MAX_FILE,
        before in 0usize..4_096,
        contents_len in 0usize..40_000,
        after in 0usize..4_096,
    ) {
        let (mut update, placeholders) = update_with_placeholders(before, contents_len, after);
        let total = original_len + update.len() as u64;
        let [start, a, b, c] = byte_range(original_len, &placeholders, total).unwrap();
        let hex_len = (2 * contents_len + 2) as u64;

        prop_assert_eq!(start, 0);
        prop_assert_eq!(a, original_len + placeholders.contents_start as u64);
        prop_assert_eq!(b - a, hex_len);
        prop_assert_eq!(b + c, total);
        prop_assert_eq!(a + c, total - hex_len);

        // Filling the placeholder writes the same four numbers and moves nothing.
        let len_before = update.len();
        fill_byte_range(&mut update, &placeholders, [start, a, b, c]).unwrap();
        prop_assert_eq!(update.len(), len_before);
        let slot = &update[placeholders.byte_range_at..placeholders.byte_range_at + BYTE_RANGE_WIDTH];
        prop_assert_eq!(parse_numbers(slot), vec![start, a, b, c]);
        prop_assert_eq!(update[placeholders.contents_start], b'<');
        prop_assert_eq!(update[placeholders.contents_end - 1], b'>');
    }

    /// On real bytes: the two ranges are exactly everything but `<hex>`, and filling /Contents
    /// never touches a covered byte.
    #[test]
    fn ranges_cover_every_byte_but_the_hex_string(
        original in proptest::collection::vec(any::<u8>(), 0..2_000),
        before in 0usize..300,
        contents_len in 0usize..300,
        after in 0usize..300,
        der in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let (mut update, placeholders) = update_with_placeholders(before, contents_len, after);
        let mut file = original.clone();
        let total = (original.len() + update.len()) as u64;
        let range = byte_range(original.len() as u64, &placeholders, total).unwrap();
        fill_byte_range(&mut update, &placeholders, range).unwrap();
        file.extend_from_slice(&update);
        let covered_before: Vec<u8> = covered(&file, range);

        let filled = fill_contents(&mut update, &placeholders, &der);
        prop_assert_eq!(filled.is_ok(), der.len() <= contents_len);
        let mut signed = original.clone();
        signed.extend_from_slice(&update);
        prop_assert_eq!(covered(&signed, range), covered_before);

        let [_, a, b, _] = range.map(|v| usize::try_from(v).unwrap());
        let gap = &signed[a..b];
        prop_assert_eq!(gap.first(), Some(&b'<'));
        prop_assert_eq!(gap.last(), Some(&b'>'));
        prop_assert!(gap[1..gap.len() - 1].iter().all(u8::is_ascii_hexdigit));
        let mut without_gap = signed[..a].to_vec();
        without_gap.extend_from_slice(&signed[b..]);
        prop_assert_eq!(covered(&signed, range), without_gap);
    }
}

fn covered(file: &[u8], [start, first_len, second_start, second_len]: [u64; 4]) -> Vec<u8> {
    let slice = |from: u64, len: u64| {
        let from = usize::try_from(from).unwrap();
        file[from..from + usize::try_from(len).unwrap()].to_vec()
    };
    let mut out = slice(start, first_len);
    out.extend(slice(second_start, second_len));
    out
}

#[test]
fn the_largest_u64_file_still_fits_the_placeholder() {
    let (mut update, placeholders) = update_with_placeholders(10, 8, 10);
    let huge = u64::MAX - update.len() as u64;
    let range = byte_range(huge, &placeholders, u64::MAX);
    // Either the numbers fit (they must: 20 digits each) or the overflow is a typed error.
    match range {
        Ok(range) => fill_byte_range(&mut update, &placeholders, range).unwrap(),
        Err(e) => panic!("u64 file size refused: {e}"),
    }
    assert!(byte_range(u64::MAX, &placeholders, u64::MAX).is_err());
}
