//! Who refers to an object in the signed revision. Two uses: an object defined only after
//! signing must have no referrer there (the dangling-reference forgery: the signed page names
//! `99 0 R`, which did not exist, and a later update defines it); and an object whose change is
//! allowed for its role (validation data, metadata, a form field) must have no other role (a
//! shadow document's author can make one object both a DSS array and a page's content list).
//!
//! Only the objects the revision currently defines count, and the revision's trailers. They are
//! found without parsing the whole file: a byte scan for `N G R` tokens of the numbers asked
//! about, then only the objects holding such a token are parsed.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::Disallowed;
use super::revision::MAX_LISTED;
use crate::pdf::lexer::{is_delimiter, is_whitespace};
use crate::pdf::{Dict, Document, ObjRef, Object, XrefEntry};

/// Where a reference was found: an object with the keys leading to it (none for an element of
/// an array object), or a trailer.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Referrer {
    Trailer,
    Object { id: ObjRef, path: KeyPath },
}

/// For each number asked about, its referrers in the signed revision.
#[derive(Debug, Default)]
pub(super) struct Referrers {
    by_number: HashMap<u32, BTreeSet<Referrer>>,
}

impl Referrers {
    pub fn of(&self, num: u32) -> impl Iterator<Item = &Referrer> {
        self.by_number.get(&num).into_iter().flatten()
    }

    /// Whether an object of the revision refers to `num`. Trailer keys other than `/Root`,
    /// `/Info` and `/Encrypt` (which the analysis checks on their own) do not reach what a reader
    /// shows, so a trailer reference alone does not count (LibreOffice's `/AdditionalStreams`
    /// names an object it never defines).
    pub fn referred_by_objects(&self, num: u32) -> bool {
        self.of(num).any(|r| matches!(r, Referrer::Object { .. }))
    }

    fn add(&mut self, num: u32, referrer: Referrer) {
        self.by_number.entry(num).or_default().insert(referrer);
    }
}

/// The referrers of `numbers` among the current objects and the trailers of `old`.
pub(super) fn find(old: &Document<'_>, numbers: &HashSet<u32>) -> Result<Referrers, Disallowed> {
    let mut found = Referrers::default();
    if numbers.is_empty() {
        return Ok(found);
    }
    let wanted = Wanted::new(numbers);
    for section in old.sections() {
        let hidden = section.hidden_stream.as_deref().map(|h| &h.trailer);
        for trailer in std::iter::once(&section.trailer).chain(hidden) {
            for (num, _) in references_in_dict(trailer, numbers) {
                found.add(num, Referrer::Trailer);
            }
        }
    }
    let listed = old.sections().iter().fold(0u64, |sum, section| {
        sum.saturating_add(section.listed_count())
    });
    if listed > MAX_LISTED {
        // Walking them would cost more than any real file: `/W [0 0 0]` lists numbers for free.
        return Err(Disallowed::new(format!(
            "the signed revision's cross-reference sections list more than {MAX_LISTED} objects"
        )));
    }
    let layout = Layout::read(old);
    // Objects in the file: parse each one a token falls into.
    let holders: BTreeSet<(usize, ObjRef)> = tokens(old.data(), &wanted)
        .filter_map(|at| layout.object_at(at))
        .collect();
    for (pos, id) in holders {
        // Parsed where it stands, not through the document's cache: a holder may be a large
        // stream that a stray `R` in its data made a candidate.
        let (_, object) = old
            .parse_indirect_at(pos)
            .map_err(|e| Disallowed::at(id, format!("unreadable in the signed revision: {e}")))?;
        add_references(id, &object, numbers, &mut found);
    }
    // Objects in object streams: parse the stream's objects when its bytes hold a token.
    for &stream in &layout.object_streams {
        let unreadable = |e: crate::error::Error| {
            Disallowed::new(format!(
                "object stream {stream} of the signed revision is unreadable: {e}"
            ))
        };
        let bytes = old.object_stream_bytes(stream).map_err(unreadable)?;
        if tokens(&bytes, &wanted).next().is_none() {
            continue;
        }
        for num in old.object_stream_numbers(stream).map_err(unreadable)? {
            let current = matches!(old.entry(num), Ok(Some(XrefEntry::Compressed { stream: s, .. })) if s == stream);
            if current {
                let id = ObjRef::new(num, 0);
                let object = old.get(id).map_err(|e| {
                    Disallowed::at(id, format!("unreadable in the signed revision: {e}"))
                })?;
                add_references(id, &object, numbers, &mut found);
            }
        }
    }
    Ok(found)
}

/// The numbers asked about, sorted: the scan tests every digit run against them.
struct Wanted(Vec<u32>);

impl Wanted {
    fn new(numbers: &HashSet<u32>) -> Self {
        let mut sorted: Vec<u32> = numbers.iter().copied().collect();
        sorted.sort_unstable();
        Self(sorted)
    }

    fn contains(&self, num: u32) -> bool {
        self.0.binary_search(&num).is_ok()
    }
}

fn add_references(id: ObjRef, object: &Object, numbers: &HashSet<u32>, found: &mut Referrers) {
    // An xref stream's dictionary is its section's trailer.
    if let Object::Stream(stream) = object
        && stream.dict.has_name(b"Type", b"XRef")
    {
        for (num, _) in references_in_dict(&stream.dict, numbers) {
            found.add(num, Referrer::Trailer);
        }
        return;
    }
    let mut references = Vec::new();
    collect(object, numbers, &mut Vec::new(), &mut references);
    for (num, path) in references {
        found.add(num, Referrer::Object { id, path });
    }
}

/// References to `numbers` in `dict`.
fn references_in_dict(dict: &Dict, numbers: &HashSet<u32>) -> Vec<(u32, KeyPath)> {
    let mut found = Vec::new();
    for (key, value) in dict.iter() {
        collect(value, numbers, &mut vec![key.to_vec()], &mut found);
    }
    found
}

/// The dictionary keys leading to a reference inside its object (arrays add none).
pub(super) type KeyPath = Vec<Vec<u8>>;

/// The parser bounds nesting already; this bound only keeps the walk's own stack in check.
const MAX_WALK_DEPTH: usize = 256;

fn collect(
    object: &Object,
    numbers: &HashSet<u32>,
    path: &mut KeyPath,
    found: &mut Vec<(u32, KeyPath)>,
) {
    if path.len() > MAX_WALK_DEPTH {
        return;
    }
    match object {
        Object::Ref(r) if numbers.contains(&r.num) => found.push((r.num, path.clone())),
        Object::Array(items) => items.iter().for_each(|i| collect(i, numbers, path, found)),
        Object::Dict(d) | Object::Stream(crate::pdf::Stream { dict: d, .. }) => {
            for (key, value) in d.iter() {
                path.push(key.to_vec());
                collect(value, numbers, path, found);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Where the revision's current objects are: file positions of the uncompressed ones, and the
/// object streams in use.
struct Layout {
    starts: BTreeMap<usize, ObjRef>,
    object_streams: Vec<u32>,
}

impl Layout {
    fn read(doc: &Document<'_>) -> Self {
        let mut numbers: Vec<u32> = doc
            .sections()
            .iter()
            .flat_map(|section| section.object_numbers(doc.data()))
            .collect();
        numbers.sort_unstable();
        numbers.dedup();
        let mut starts = Vec::new();
        let mut object_streams = Vec::new();
        for num in numbers {
            match doc.entry(num) {
                Ok(Some(XrefEntry::InFile { offset, generation })) => {
                    if let Some(pos) = doc.position_of(offset) {
                        starts.push((pos, ObjRef::new(num, generation)));
                    }
                }
                // Neighbouring numbers share a stream: keep the list short as it grows.
                Ok(Some(XrefEntry::Compressed { stream, .. }))
                    if object_streams.last() != Some(&stream) =>
                {
                    object_streams.push(stream);
                }
                _ => {}
            }
        }
        object_streams.sort_unstable();
        object_streams.dedup();
        Layout {
            starts: starts.into_iter().collect(),
            object_streams,
        }
    }

    /// The current object starting last before `at` (whether `at` lies inside it is settled by
    /// parsing it: a token in a superseded object between two current ones is not a reference).
    fn object_at(&self, at: usize) -> Option<(usize, ObjRef)> {
        self.starts
            .range(..at)
            .next_back()
            .map(|(&pos, &id)| (pos, id))
    }
}

/// Positions of `R` tokens in `bytes` that may end a `num gen R` reference whose number is in
/// `numbers`. Over-approximate on purpose: a match inside a string or a binary stream, or
/// whitespace and comments too long or too ambiguous to read backwards, only costs parsing the
/// object around it.
fn tokens<'b>(bytes: &'b [u8], numbers: &'b Wanted) -> impl Iterator<Item = usize> + 'b {
    memchr::memchr_iter(b'R', bytes).filter(move |&r| {
        let ends_token = r
            .checked_add(1)
            .and_then(|next| bytes.get(next))
            .is_none_or(|&b| is_whitespace(b) || is_delimiter(b));
        ends_token
            && match reference_before(bytes, r) {
                Some(Reference::Number(num)) => numbers.contains(num),
                Some(Reference::Unsure) => true,
                None => false,
            }
    })
}

/// What precedes an `R`.
enum Reference {
    Number(u32),
    /// Comments or a long gap between the tokens: parse the object to know.
    Unsure,
}

/// The `num gen` before the `R` at `r`, read backwards.
fn reference_before(bytes: &[u8], r: usize) -> Option<Reference> {
    // `99 0R` is a reference to poppler: the blank before `R` may be empty.
    let gen_end = match blank_before(bytes, r) {
        Some(Blank::Ends(at)) => at,
        Some(Blank::Unsure) => return Some(Reference::Unsure),
        None => r,
    };
    let gen_digits = digits_before(bytes, gen_end)?;
    // A signed generation (`99 +0 R`) reads as 0 to MuPDF and poppler.
    let gen_start = match gen_digits.checked_sub(1).and_then(|at| bytes.get(at)) {
        Some(b'+' | b'-') => gen_digits.saturating_sub(1),
        _ => gen_digits,
    };
    let num_end = match blank_before(bytes, gen_start)? {
        Blank::Ends(at) => at,
        Blank::Unsure => return Some(Reference::Unsure),
    };
    let num_start = digits_before(bytes, num_end)?;
    let preceding = num_start.checked_sub(1).and_then(|at| bytes.get(at));
    if preceding.is_some_and(|&b| b.is_ascii_alphabetic() || b == b'.') {
        return None;
    }
    let mut value: u64 = 0;
    // Saturating: leading zeros of any length keep the value, a real overflow leaves u32.
    for &digit in bytes.get(num_start..num_end)? {
        value = value
            .saturating_mul(10)
            .saturating_add(u64::from(digit.wrapping_sub(b'0')));
    }
    u32::try_from(value).ok().map(Reference::Number)
}

/// Where the whitespace run ending at `end` starts.
enum Blank {
    Ends(usize),
    /// The run crosses a line that holds a `%` (maybe a comment, which is whitespace to a
    /// lexer) or is too long to follow.
    Unsure,
}

/// Blank runs and lines longer than this are not read backwards: the match is kept.
const MAX_BLANK: usize = 256;

/// The start of the whitespace before `end` (at least one byte of it, else `None`).
fn blank_before(bytes: &[u8], end: usize) -> Option<Blank> {
    let before = bytes.get(..end)?;
    let start = before
        .iter()
        .rposition(|&b| !is_whitespace(b))
        .map_or(0, |at| at.saturating_add(1));
    if start == end {
        return None;
    }
    if end.saturating_sub(start) > MAX_BLANK {
        return Some(Blank::Unsure);
    }
    let crosses_line = before
        .get(start..)
        .is_some_and(|run| run.iter().any(|&b| b == b'\n' || b == b'\r'));
    if crosses_line {
        // The tokens before may end in a comment: look at the line they stand on.
        let window = start.saturating_sub(MAX_BLANK);
        let line_start = match before
            .get(window..start)?
            .iter()
            .rposition(|&b| b == b'\n' || b == b'\r')
        {
            Some(at) => window.saturating_add(at).saturating_add(1),
            None if window == 0 => 0,
            None => return Some(Blank::Unsure),
        };
        if before.get(line_start..start)?.contains(&b'%') {
            return Some(Blank::Unsure);
        }
    }
    Some(Blank::Ends(start))
}

/// The start of the run of digits ending at `end` (at least one; leading zeros may make it
/// longer than ten: `000000000099 0 R` is object 99 to MuPDF and poppler).
fn digits_before(bytes: &[u8], end: usize) -> Option<usize> {
    let digits = bytes
        .get(..end)?
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_digit())
        .count();
    (digits >= 1).then(|| end.saturating_sub(digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(bytes: &[u8], numbers: &[u32]) -> Vec<usize> {
        let wanted = Wanted::new(&numbers.iter().copied().collect());
        tokens(bytes, &wanted).collect()
    }

    #[test]
    fn references_are_found_through_whitespace_comments_and_leading_zeros() {
        assert_eq!(found(b"/Contents 99 0 R>>", &[99]), [15]);
        assert_eq!(found(b"[099 00 R]", &[99]), [8]);
        assert_eq!(found(b"/X 99\n\n  0\r\nR ", &[99]), [12]);
        assert!(found(b"/Contents 98 0 R", &[99]).is_empty());
        assert!(found(b"/Contents 199 0 R", &[99]).is_empty());
        assert!(found(b"(a99 0 R)", &[99]).is_empty());
        assert!(found(b"99 0 RG", &[99]).is_empty());
        // A comment between the tokens is whitespace to a lexer: the match is kept (unsure).
        assert_eq!(found(b"99 % hidden\n0 R", &[99]).len(), 1);
        assert_eq!(found(b"99 0 % hidden\nR", &[99]).len(), 1);
        // Spellings MuPDF or poppler read as references (redteam/a07b_spellings_mupdf.py).
        assert_eq!(found(b"[000000000099 0 R]", &[99]), [16]);
        assert_eq!(found(b"[99 +0 R]", &[99]), [7]);
        assert_eq!(found(b"[99 0R]", &[99]), [5]);
    }

    #[test]
    fn long_blank_runs_are_kept_as_unsure_without_quadratic_work() {
        let mut bytes = b"99".to_vec();
        bytes.extend(std::iter::repeat_n(b' ', 10_000));
        bytes.extend_from_slice(b"0 R");
        assert_eq!(found(&bytes, &[99]).len(), 1);
        let line: Vec<u8> = b"%99 0 R ".repeat(100_000);
        assert_eq!(found(&line, &[99]).len(), 100_000);
    }
}
