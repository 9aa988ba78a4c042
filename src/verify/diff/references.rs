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
use crate::pdf::lexer::{is_delimiter, is_whitespace};
use crate::pdf::{Dict, Document, ObjRef, Object, XrefEntry};

/// Where a reference was found: an object with the top-level key (none for an array element),
/// or a trailer.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Referrer {
    Trailer,
    Object { id: ObjRef, key: Option<Vec<u8>> },
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

    pub fn has_any(&self, num: u32) -> bool {
        self.by_number.get(&num).is_some_and(|r| !r.is_empty())
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
        for num in old.object_stream_members(stream).map_err(unreadable)? {
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
    let references = match object {
        Object::Dict(d) | Object::Stream(crate::pdf::Stream { dict: d, .. }) => {
            references_in_dict(d, numbers)
        }
        other => {
            let mut refs = Vec::new();
            collect(other, numbers, &mut refs, 0);
            refs.into_iter().map(|num| (num, None)).collect()
        }
    };
    for (num, key) in references {
        found.add(num, Referrer::Object { id, key });
    }
}

/// References to `numbers` in `dict`, with the top-level key each was found under.
fn references_in_dict(dict: &Dict, numbers: &HashSet<u32>) -> Vec<(u32, Option<Vec<u8>>)> {
    let mut found = Vec::new();
    for (key, value) in dict.iter() {
        let mut refs = Vec::new();
        collect(value, numbers, &mut refs, 0);
        found.extend(refs.into_iter().map(|num| (num, Some(key.to_vec()))));
    }
    found
}

/// The parser bounds nesting already; this bound only keeps the walk's own stack in check.
const MAX_WALK_DEPTH: usize = 256;

fn collect(object: &Object, numbers: &HashSet<u32>, refs: &mut Vec<u32>, depth: usize) {
    if depth > MAX_WALK_DEPTH {
        return;
    }
    let deeper = depth.saturating_add(1);
    match object {
        Object::Ref(r) if numbers.contains(&r.num) => refs.push(r.num),
        Object::Array(items) => items.iter().for_each(|i| collect(i, numbers, refs, deeper)),
        Object::Dict(d) | Object::Stream(crate::pdf::Stream { dict: d, .. }) => d
            .iter()
            .for_each(|(_, v)| collect(v, numbers, refs, deeper)),
        _ => {}
    }
}

/// Where the revision's current objects are: file positions of the uncompressed ones, and the
/// object streams in use.
struct Layout {
    starts: BTreeMap<usize, ObjRef>,
    object_streams: BTreeSet<u32>,
}

impl Layout {
    fn read(doc: &Document<'_>) -> Self {
        let mut numbers = BTreeSet::new();
        for section in doc.sections() {
            numbers.extend(section.object_numbers(doc.data()));
        }
        let mut layout = Layout {
            starts: BTreeMap::new(),
            object_streams: BTreeSet::new(),
        };
        for num in numbers {
            match doc.entry(num) {
                Ok(Some(XrefEntry::InFile { offset, gen })) => {
                    if let Some(pos) = doc.position_of(offset) {
                        layout.starts.insert(pos, ObjRef::new(num, gen));
                    }
                }
                Ok(Some(XrefEntry::Compressed { stream, .. })) => {
                    layout.object_streams.insert(stream);
                }
                _ => {}
            }
        }
        layout
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
    let gen_end = match blank_before(bytes, r)? {
        Blank::Ends(at) => at,
        Blank::Unsure => return Some(Reference::Unsure),
    };
    let gen_start = digits_before(bytes, gen_end)?;
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

/// The start of the run of one to ten digits ending at `end`.
fn digits_before(bytes: &[u8], end: usize) -> Option<usize> {
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
