//! Strict `/ByteRange` checks: the defence against Universal Signature Forgery and Signature
//! Wrapping (Mladenov et al., "1 Trillion Dollar Refund", 2019). Fails closed.

use std::ops::Range;

use crate::pdf::{Dict, Object};

/// The two signed ranges of a well-formed signature.
#[derive(Clone, Debug)]
pub struct SignedRanges {
    pub first: Range<usize>,
    pub second: Range<usize>,
}

impl SignedRanges {
    /// Length of the revision the signature covers.
    pub fn signed_len(&self) -> usize {
        self.second.end
    }
}

/// Reads `/ByteRange` as four non-negative integers.
pub fn read_byte_range(sig: &Dict) -> Result<[u64; 4], String> {
    let Some(Object::Array(items)) = sig.get(b"ByteRange") else {
        return Err("/ByteRange is missing or not an array".into());
    };
    let numbers: Vec<u64> = items
        .iter()
        .filter_map(Object::as_i64)
        .filter_map(|v| u64::try_from(v).ok())
        .collect();
    match numbers.as_slice() {
        &[a, b, c, d] if items.len() == 4 => Ok([a, b, c, d]),
        _ => Err("/ByteRange is not four non-negative integers".into()),
    }
}

/// Checks `[0 a b c]`: the gap `[a, b)` is exactly one hex string, it is the `/Contents` value of
/// the signature dictionary at `dict_span`, and the ranges lie inside the file.
pub fn check_byte_range(
    data: &[u8],
    range: [u64; 4],
    contents: &[u8],
    dict_span: Option<Range<usize>>,
) -> Result<SignedRanges, String> {
    let to_usize = |v: u64| usize::try_from(v).map_err(|_| "ByteRange value too large".to_string());
    let [start, first_len, second_start, second_len] = range;
    if start != 0 {
        return Err("ByteRange does not start at 0".into());
    }
    let gap_start = to_usize(first_len)?;
    let gap_end = to_usize(second_start)?;
    let end = gap_end
        .checked_add(to_usize(second_len)?)
        .ok_or("ByteRange overflows")?;
    if gap_end <= gap_start || end > data.len() {
        return Err("ByteRange ranges overlap or run past the end of the file".into());
    }
    let gap = data
        .get(gap_start..gap_end)
        .ok_or("ByteRange gap outside the file")?;
    let hex = gap
        .strip_prefix(b"<")
        .and_then(|g| g.strip_suffix(b">"))
        .ok_or("the ByteRange gap is not exactly a hex string")?;
    if !hex.iter().all(u8::is_ascii_hexdigit) || hex.len() % 2 != 0 {
        return Err("the ByteRange gap holds more than hex digits".into());
    }
    if decode_hex(hex) != contents {
        return Err("the ByteRange gap is not the signature's /Contents".into());
    }
    let Some(span) = dict_span else {
        return Err("the signature dictionary is not a top-level object in the file".into());
    };
    if !(span.start < gap_start && gap_end <= span.end) {
        return Err("the ByteRange gap lies outside the signature dictionary".into());
    }
    // The gap must be the value of the dictionary's only /Contents key.
    let object = data.get(span.clone()).unwrap_or_default();
    let keys: Vec<usize> = find_all(object, b"/Contents").collect();
    let [key_at] = keys.as_slice() else {
        return Err("the signature dictionary has more than one /Contents".into());
    };
    let after_key = span
        .start
        .saturating_add(*key_at)
        .saturating_add(b"/Contents".len());
    let between = data.get(after_key..gap_start).unwrap_or(b"x");
    if !between.iter().all(|b| crate::pdf::lexer::is_whitespace(*b)) {
        return Err("the ByteRange gap is not the value of /Contents".into());
    }
    Ok(SignedRanges {
        first: 0..gap_start,
        second: gap_end..end,
    })
}

fn find_all<'a>(haystack: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(move |(_, w)| *w == needle)
        .map(|(i, _)| i)
}

fn decode_hex(hex: &[u8]) -> Vec<u8> {
    let value = |b: &u8| {
        char::from(*b)
            .to_digit(16)
            .and_then(|v| u8::try_from(v).ok())
            .unwrap_or(0)
    };
    hex.chunks_exact(2)
        .map(|pair| match pair {
            [hi, lo] => value(hi) << 4 | value(lo),
            _ => 0,
        })
        .collect()
}
