//! Which objects differ between the signed revision and the whole file, read from the
//! cross-reference sections appended after signing.

use std::collections::BTreeSet;

use super::Disallowed;
use crate::pdf::xref::XrefSection;
use crate::pdf::{Document, ObjRef, Object, XrefEntry};

/// A revision listing more numbers than this is not an update anyone signs after.
pub(super) const MAX_LISTED: u64 = 1 << 20;

/// The objects that differ, by kind of change.
#[derive(Debug, Default)]
pub(super) struct Diff {
    /// Defined in both, with other contents.
    pub changed: Vec<ObjRef>,
    /// Not defined in the signed revision.
    pub added: BTreeSet<ObjRef>,
    /// Every number the later sections give an entry for.
    pub listed: BTreeSet<u32>,
}

impl Diff {
    pub fn objects(&self) -> Vec<ObjRef> {
        let mut objects: Vec<ObjRef> = self.changed.iter().chain(&self.added).copied().collect();
        objects.sort_unstable();
        objects
    }
}

/// How many of the file's newest sections lie after `signed_len`.
pub(super) fn later_sections(doc: &Document<'_>, signed_len: usize) -> usize {
    doc.sections()
        .iter()
        .take_while(|section| {
            doc.position_of(section.offset)
                .is_some_and(|pos| pos >= signed_len)
        })
        .count()
}

/// Compares `old` (the signed revision) with `new` (the file), whose first `later` sections
/// were appended after signing.
pub(super) fn compare(
    old: &Document<'_>,
    new: &Document<'_>,
    later: usize,
) -> Result<Diff, Disallowed> {
    check_chain(old, new, later)?;
    check_trailer(old, new)?;
    let mut diff = Diff::default();
    let listed = listed_numbers(new, later)?;
    for &num in &listed {
        compare_object(old, new, num, &mut diff)?;
    }
    diff.listed = listed;
    for section in new.sections().iter().take(later) {
        let hidden = section.hidden_stream.as_deref();
        for stream in std::iter::once(&**section).chain(hidden) {
            check_xref_stream_number(old, new, stream, &mut diff)?;
        }
    }
    Ok(diff)
}

/// An appended xref stream is an object too: readers (MuPDF) register it under its own number
/// whether or not its `/Index` lists it. That number must be new, and the file must not place
/// another object under it; it joins the added objects, which the signed revision must not name.
fn check_xref_stream_number(
    old: &Document<'_>,
    new: &Document<'_>,
    section: &XrefSection,
    diff: &mut Diff,
) -> Result<(), Disallowed> {
    let Some(id) = section.stream_object else {
        return Ok(());
    };
    let unreadable = |e: crate::Error| {
        Disallowed::at(id, format!("the cross-reference entry is unreadable: {e}"))
    };
    if old.entry(id.num).map_err(unreadable)?.is_some() {
        return Err(Disallowed::at(
            id,
            "an xref stream appended after signing takes the number of an object of the signed revision",
        ));
    }
    match new.entry(id.num).map_err(unreadable)? {
        None => {}
        Some(XrefEntry::InFile { offset, generation })
            if offset == section.offset && generation == id.generation => {}
        Some(_) => {
            return Err(Disallowed::at(
                id,
                "an xref stream appended after signing shares its number with another object",
            ));
        }
    }
    diff.added.insert(id);
    Ok(())
}

/// The appended sections must continue the signed revision's chain: a `/Prev` that skips the
/// signed section, or reaches a section the signed revision did not use, changes which
/// definitions count without listing them.
fn check_chain(old: &Document<'_>, new: &Document<'_>, later: usize) -> Result<(), Disallowed> {
    let earlier: Vec<u64> = new
        .sections()
        .iter()
        .skip(later)
        .map(|s| s.offset)
        .collect();
    let signed: Vec<u64> = old.sections().iter().map(|s| s.offset).collect();
    if earlier == signed {
        Ok(())
    } else {
        Err(Disallowed::new(
            "the cross-reference sections after signing do not continue the signed revision's chain",
        ))
    }
}

/// The catalog and the encryption must stay the objects that were signed.
fn check_trailer(old: &Document<'_>, new: &Document<'_>) -> Result<(), Disallowed> {
    for key in [&b"Root"[..], b"Encrypt"] {
        let (before, after) = (old.trailer().get(key), new.trailer().get(key));
        if before != after {
            return Err(Disallowed::new(format!(
                "the trailer's /{} changed after signing",
                String::from_utf8_lossy(key)
            )));
        }
    }
    Ok(())
}

/// Every number the appended sections give an entry for, free entries included.
fn listed_numbers(new: &Document<'_>, later: usize) -> Result<BTreeSet<u32>, Disallowed> {
    let mut numbers = BTreeSet::new();
    let mut listed: u64 = 0;
    for section in new.sections().iter().take(later) {
        // Checked before walking: an xref stream with `/W [0 0 0]` lists 2^20 numbers per
        // `/Index` pair at no cost in bytes.
        listed = listed.saturating_add(section.listed_count());
        if listed > MAX_LISTED {
            return Err(Disallowed::new(format!(
                "the revisions after signing list more than {MAX_LISTED} objects"
            )));
        }
        if let Some(num) = section.listed_twice() {
            return Err(Disallowed::new(format!(
                "a cross-reference section after signing lists object {num} twice"
            )));
        }
        numbers.extend(section.listed_numbers(new.data(), true));
    }
    // Object 0 heads the free list: it is never an object.
    numbers.remove(&0);
    Ok(numbers)
}

fn compare_object(
    old: &Document<'_>,
    new: &Document<'_>,
    num: u32,
    diff: &mut Diff,
) -> Result<(), Disallowed> {
    let entry = |doc: &Document<'_>| {
        doc.entry(num).map_err(|e| {
            Disallowed::new(format!(
                "the cross-reference entry of object {num} is unreadable: {e}"
            ))
        })
    };
    let (before, after) = (entry(old)?, entry(new)?);
    if before == after {
        return Ok(());
    }
    match (defined(num, before), defined(num, after)) {
        (Some(id), Some(now)) if id != now => Err(Disallowed::at(
            id,
            format!("redefined with generation {} after signing", now.generation),
        )),
        (Some(id), Some(_)) => {
            if !same(&load(old, id)?, &load(new, id)?) {
                diff.changed.push(id);
            }
            Ok(())
        }
        (Some(id), None) => Err(Disallowed::at(id, "deleted after signing")),
        (None, Some(id)) if before == Some(XrefEntry::Free) => Err(Disallowed::at(
            id,
            "reuses an object number the signed revision had freed",
        )),
        (None, Some(id)) => {
            diff.added.insert(id);
            Ok(())
        }
        (None, None) => Ok(()),
    }
}

/// The reference an entry defines (compressed objects have generation 0).
fn defined(num: u32, entry: Option<XrefEntry>) -> Option<ObjRef> {
    match entry? {
        XrefEntry::InFile { generation, .. } => Some(ObjRef::new(num, generation)),
        XrefEntry::Compressed { .. } => Some(ObjRef::new(num, 0)),
        XrefEntry::Free => None,
    }
}

fn load(doc: &Document<'_>, id: ObjRef) -> Result<Object, Disallowed> {
    doc.get(id)
        .map_err(|e| Disallowed::at(id, format!("unreadable: {e}")))
}

/// Equal as a reader sees them: dictionary keys in any order, strings in either form, numbers by
/// value. A writer that re-serialises an object it did not change must not count as changing it.
pub(super) fn same(a: &Object, b: &Object) -> bool {
    match (a, b) {
        (Object::String(x, _), Object::String(y, _)) => x == y,
        (Object::Real(_) | Object::Integer(_), Object::Real(_) | Object::Integer(_)) => {
            number(a) == number(b)
        }
        (Object::Array(x), Object::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(v, w))
        }
        (Object::Dict(x), Object::Dict(y)) => same_dict(x, y),
        (Object::Stream(x), Object::Stream(y)) => same_dict(&x.dict, &y.dict) && x.raw == y.raw,
        _ => a == b,
    }
}

pub(super) fn same_dict(x: &crate::pdf::Dict, y: &crate::pdf::Dict) -> bool {
    x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
}

fn number(object: &Object) -> Option<f64> {
    match object {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(text) => text.parse().ok(),
        _ => None,
    }
}
