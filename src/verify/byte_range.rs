//! Strict `/ByteRange` checks: the defence against Universal Signature Forgery and Signature
//! Wrapping (Mladenov et al., "1 Trillion Dollar Refund", 2019). Fails closed.

use std::ops::Range;

use crate::pdf::{Dict, Object};
use crate::problem::Problem;

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
pub fn read_byte_range(sig: &Dict) -> Result<[u64; 4], Problem> {
    let Some(Object::Array(items)) = sig.get(b"ByteRange") else {
        return Err(Problem::ByteRangeMissing);
    };
    let numbers: Vec<u64> = items
        .iter()
        .filter_map(Object::as_i64)
        .filter_map(|v| u64::try_from(v).ok())
        .collect();
    match numbers.as_slice() {
        &[a, b, c, d] if items.len() == 4 => Ok([a, b, c, d]),
        _ => Err(Problem::ByteRangeNotIntegers),
    }
}

/// Checks `[0 a b c]`: the gap `[a, b)` is exactly one hex string, it is the `/Contents` value of
/// the signature dictionary at `dict_span`, and the ranges lie inside the file.
pub fn check_byte_range(
    data: &[u8],
    range: [u64; 4],
    contents: &[u8],
    dict_span: Option<Range<usize>>,
) -> Result<SignedRanges, Problem> {
    let to_usize = |v: u64| usize::try_from(v).map_err(|_| Problem::ByteRangeOutOfFile);
    let [start, first_len, second_start, second_len] = range;
    if start != 0 {
        return Err(Problem::ByteRangeStart);
    }
    let gap_start = to_usize(first_len)?;
    let gap_end = to_usize(second_start)?;
    let end = gap_end
        .checked_add(to_usize(second_len)?)
        .ok_or(Problem::ByteRangeOutOfFile)?;
    if gap_end <= gap_start || end > data.len() {
        return Err(Problem::ByteRangeOutOfFile);
    }
    let gap = data
        .get(gap_start..gap_end)
        .ok_or(Problem::ByteRangeOutOfFile)?;
    let hex = gap
        .strip_prefix(b"<")
        .and_then(|g| g.strip_suffix(b">"))
        .ok_or(Problem::GapNotHexString)?;
    if !hex.iter().all(u8::is_ascii_hexdigit) || hex.len() % 2 != 0 {
        return Err(Problem::GapNotHexDigits);
    }
    if decode_hex(hex) != contents {
        return Err(Problem::GapNotContents);
    }
    let Some(span) = dict_span else {
        return Err(Problem::SignatureDictionaryNotTopLevel);
    };
    if !(span.start < gap_start && gap_end <= span.end) {
        return Err(Problem::GapOutsideSignatureDictionary);
    }
    // The gap must be the value of the dictionary's only /Contents key.
    let object = data.get(span.clone()).unwrap_or_default();
    let keys: Vec<usize> = find_all(object, b"/Contents").collect();
    let [key_at] = keys.as_slice() else {
        return Err(Problem::DuplicateContents);
    };
    let after_key = span
        .start
        .saturating_add(*key_at)
        .saturating_add(b"/Contents".len());
    let between = data.get(after_key..gap_start).unwrap_or(b"x");
    if !between.iter().all(|b| crate::pdf::lexer::is_whitespace(*b)) {
        return Err(Problem::GapNotContentsValue);
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
