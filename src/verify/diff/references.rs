//! Whether the signed revision already referred to an object defined only after signing (the
//! dangling-reference forgery: the signed page names `99 0 R`, which did not exist, and a later
//! update defines it). References are found in the revision's bytes and in its object streams.

use std::collections::{BTreeSet, HashSet};

use super::revision::MAX_LISTED;
use super::Disallowed;
use crate::pdf::lexer::{is_delimiter, is_whitespace};
use crate::pdf::{Document, ObjRef, XrefEntry};

/// Fails when `old` refers to any object of `added` (by number: a reference with another
/// generation is as dangling).
pub(super) fn check_not_referenced(
    old: &Document<'_>,
    added: &BTreeSet<ObjRef>,
) -> Result<(), Disallowed> {
    let numbers: HashSet<u32> = added.iter().map(|id| id.num).collect();
    if numbers.is_empty() {
        return Ok(());
    }
    let dangling = |num: u32| {
        Disallowed::new(format!(
            "object {num} is defined after signing, but the signed revision already referred to it"
        ))
    };
    if let Some(num) = first_reference(old.data(), &numbers) {
        return Err(dangling(num));
    }
    for stream in object_streams(old)? {
        let bytes = old.object_stream_bytes(stream).map_err(|e| {
            Disallowed::new(format!(
                "object stream {stream} of the signed revision is unreadable: {e}"
            ))
        })?;
        if let Some(num) = first_reference(&bytes, &numbers) {
            return Err(dangling(num));
        }
    }
    Ok(())
}

/// The object streams the revision's cross-reference sections use.
fn object_streams(doc: &Document<'_>) -> Result<BTreeSet<u32>, Disallowed> {
    let listed = doc.sections().iter().fold(0u64, |sum, section| {
        sum.saturating_add(section.listed_count())
    });
    if listed > MAX_LISTED {
        // Walking them would cost more than any real file: `/W [0 0 0]` lists numbers for free.
        return Err(Disallowed::new(format!(
            "the signed revision's cross-reference sections list more than {MAX_LISTED} objects"
        )));
    }
    let mut numbers = BTreeSet::new();
    for section in doc.sections() {
        numbers.extend(section.object_numbers(doc.data()));
    }
    Ok(numbers
        .into_iter()
        .filter_map(|num| match doc.entry(num) {
            Ok(Some(XrefEntry::Compressed { stream, .. })) => Some(stream),
            _ => None,
        })
        .collect())
}

/// The first `num gen R` in `bytes` whose number is in `numbers`, spelled any way a reader's
/// lexer accepts: comments between the tokens, a sign, leading zeros. The scan reads forward so
/// that a comment is skipped from its `%`. Whatever precedes the number is ignored, and a match
/// inside a string or a binary stream counts too: a false alarm only makes the verdict stricter.
fn first_reference(bytes: &[u8], numbers: &HashSet<u32>) -> Option<u32> {
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        if !byte.is_ascii_digit() {
            at = at.saturating_add(1);
            continue;
        }
        let end = digits_end(bytes, at);
        let referenced = number_value(bytes.get(at..end)?)
            .filter(|num| numbers.contains(num))
            .filter(|_| is_reference_tail(bytes, end));
        if referenced.is_some() {
            return referenced;
        }
        at = end;
    }
    None
}

/// After an object number at `end`: separation, a generation (maybe signed), `R`.
pub(super) fn is_reference_tail(bytes: &[u8], end: usize) -> bool {
    let gen_start = skip_gap(bytes, end);
    if gen_start == end {
        return false; // no separation: the digits went on as another token
    }
    let digits = match bytes.get(gen_start) {
        Some(b'+' | b'-') => gen_start.saturating_add(1),
        _ => gen_start,
    };
    let gen_end = digits_end(bytes, digits);
    if gen_end == digits {
        return false;
    }
    let r = skip_gap(bytes, gen_end);
    bytes.get(r) == Some(&b'R')
        && bytes
            .get(r.saturating_add(1))
            .is_none_or(|&b| is_whitespace(b) || is_delimiter(b))
}

/// Where the run of ASCII digits starting at `at` ends.
pub(super) fn digits_end(bytes: &[u8], at: usize) -> usize {
    let run = bytes
        .get(at..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    at.saturating_add(run)
}

/// The value of a run of digits, leading zeros allowed; `None` past `u32`.
pub(super) fn number_value(digits: &[u8]) -> Option<u32> {
    let significant = digits
        .iter()
        .position(|&b| b != b'0')
        .map_or(&[][..], |first| digits.get(first..).unwrap_or_default());
    if significant.len() > 10 {
        return None;
    }
    std::str::from_utf8(significant).ok().map(|text| {
        if text.is_empty() {
            Some(0)
        } else {
            text.parse().ok()
        }
    })?
}

/// The position after white space and comments from `at`.
pub(super) fn skip_gap(bytes: &[u8], mut at: usize) -> usize {
    loop {
        match bytes.get(at) {
            Some(&b) if is_whitespace(b) => at = at.saturating_add(1),
            Some(b'%') => {
                let line = bytes
                    .get(at..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|&&b| b != b'\r' && b != b'\n')
                    .count();
                at = at.saturating_add(line);
            }
            _ => return at,
        }
    }
}
