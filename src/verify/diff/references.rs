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

/// The first `num gen R` token in `bytes` whose number is in `numbers`. A match inside a string
/// or a binary stream counts too: a false alarm only makes the verdict stricter.
fn first_reference(bytes: &[u8], numbers: &HashSet<u32>) -> Option<u32> {
    bytes
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'R')
        .filter(|&(at, _)| {
            at.checked_add(1)
                .and_then(|next| bytes.get(next))
                .is_none_or(|&b| is_whitespace(b) || is_delimiter(b))
        })
        .find_map(|(at, _)| referenced_number(bytes.get(..at)?).filter(|num| numbers.contains(num)))
}

/// The object number of the reference that ends just before `R` at the end of `before`.
fn referenced_number(before: &[u8]) -> Option<u32> {
    let gen_end = trim_whitespace_end(before)?;
    let gen_start = digits_start(before, gen_end)?;
    let num_end = trim_whitespace_end(before.get(..gen_start)?)?;
    if num_end == gen_start {
        return None; // no whitespace between number and generation
    }
    let num_start = digits_start(before, num_end)?;
    let preceding = num_start.checked_sub(1).and_then(|at| before.get(at));
    if preceding.is_some_and(|&b| !is_whitespace(b) && !is_delimiter(b)) {
        return None;
    }
    std::str::from_utf8(before.get(num_start..num_end)?)
        .ok()?
        .parse()
        .ok()
}

/// The length of `bytes` without its trailing whitespace, if it ended in some.
fn trim_whitespace_end(bytes: &[u8]) -> Option<usize> {
    let kept = bytes
        .iter()
        .rposition(|&b| !is_whitespace(b))
        .map_or(0, |at| at.saturating_add(1));
    (kept < bytes.len()).then_some(kept)
}

/// Where the run of digits ending at `end` starts (at least one digit, at most ten).
fn digits_start(bytes: &[u8], end: usize) -> Option<usize> {
    let digits = bytes
        .get(..end)?
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_digit())
        .count();
    (1..=10)
        .contains(&digits)
        .then(|| end.saturating_sub(digits))
}
