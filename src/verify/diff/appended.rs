//! The bytes appended after signing must hold exactly what the later cross-reference sections
//! say. A reader that finds a section a few bytes off, or an object its xref does not name,
//! rebuilds the table by scanning the file (MuPDF, poppler: the last `N G obj` wins), and then
//! shows objects this analysis never compared.

use std::collections::{BTreeMap, BTreeSet};

use super::Disallowed;
use crate::pdf::lexer::{is_regular, is_whitespace};
use crate::pdf::xref::{SectionKind, XrefSection};
use crate::pdf::{Document, ObjRef, XrefEntry};

/// Fails when a later section is not at its written offset, when the appended bytes define an
/// object where no later section puts it, or when an object stream the later sections use lists
/// a number twice or holds one the sections place elsewhere.
pub(super) fn check(
    doc: &Document<'_>,
    signed_len: usize,
    later: usize,
    listed: &BTreeSet<u32>,
) -> Result<(), Disallowed> {
    let sections: Vec<&XrefSection> = doc
        .sections()
        .iter()
        .take(later)
        .flat_map(|s| std::iter::once(&**s).chain(s.hidden_stream.as_deref()))
        .collect();
    for section in &sections {
        check_section_position(doc, section)?;
    }
    check_object_headers(doc, signed_len, &sections)?;
    check_object_streams(doc, listed)
}

/// Where a written offset lands, past white space (as readers seek there).
fn landing(doc: &Document<'_>, offset: u64) -> Option<usize> {
    let data = doc.data();
    let pos = doc.position_of(offset)?;
    let skipped = data
        .get(pos..)?
        .iter()
        .take_while(|&&b| crate::pdf::lexer::is_whitespace(b))
        .count();
    pos.checked_add(skipped)
}

fn check_section_position(doc: &Document<'_>, section: &XrefSection) -> Result<(), Disallowed> {
    let data = doc.data();
    let exact = landing(doc, section.offset).is_some_and(|pos| match section.kind {
        SectionKind::Table => data
            .get(pos..)
            .is_some_and(|rest| rest.starts_with(b"xref")),
        SectionKind::Stream => {
            object_header(data, pos).is_some_and(|(id, _)| Some(id) == section.stream_object)
        }
    });
    if exact {
        Ok(())
    } else {
        Err(Disallowed::new(format!(
            "the cross-reference section appended at offset {} does not start there \
             (readers rebuild the table and may read other objects)",
            section.offset
        )))
    }
}

/// The last `N G obj` of each number in the appended bytes must be the object the file's xref
/// puts there, or one of the appended xref streams. (Earlier definitions are superseded both
/// for this reader and for one that rebuilds the table: an object changed by two revisions.)
fn check_object_headers(
    doc: &Document<'_>,
    signed_len: usize,
    sections: &[&XrefSection],
) -> Result<(), Disallowed> {
    let data = doc.data();
    let mut last: BTreeMap<u32, (ObjRef, usize)> = BTreeMap::new();
    let mut at = signed_len;
    while let Some(&byte) = data.get(at) {
        let starts_number = byte.is_ascii_digit()
            && at
                .checked_sub(1)
                .and_then(|before| data.get(before))
                .is_none_or(|b| !b.is_ascii_digit());
        if !starts_number {
            at = at.saturating_add(1);
            continue;
        }
        if let Some((id, _)) = object_header(data, at) {
            last.insert(id.num, (id, at));
        }
        at = digits_end(data, at);
    }
    match last
        .into_values()
        .find(|&(id, at)| !defined_at(doc, id, at, sections))
    {
        Some((id, at)) => Err(Disallowed::at(
            id,
            format!(
                "defined at byte {at} after signing, where no cross-reference section puts it \
                 (readers that rebuild the table take the last definition)"
            ),
        )),
        None => Ok(()),
    }
}

fn defined_at(doc: &Document<'_>, id: ObjRef, at: usize, sections: &[&XrefSection]) -> bool {
    let in_xref = match doc.entry(id.num) {
        Ok(Some(XrefEntry::InFile { offset, generation })) => {
            generation == id.generation && landing(doc, offset) == Some(at)
        }
        _ => false,
    };
    in_xref
        || sections.iter().any(|s| {
            s.stream_object == Some(id)
                && s.kind == SectionKind::Stream
                && landing(doc, s.offset) == Some(at)
        })
}

/// `num gen obj` starting at `at`, spelled as a lexer reads it (comments between the tokens).
fn object_header(data: &[u8], at: usize) -> Option<(ObjRef, usize)> {
    let num_end = digits_end(data, at);
    let num = number_value(data.get(at..num_end)?)?;
    let gen_start = skip_gap(data, num_end);
    if gen_start == num_end {
        return None;
    }
    let gen_end = digits_end(data, gen_start);
    let generation = u16::try_from(number_value(data.get(gen_start..gen_end)?)?).ok()?;
    if gen_end == gen_start {
        return None;
    }
    let keyword = skip_gap(data, gen_end);
    let after = keyword.checked_add(3)?;
    let is_obj = data.get(keyword..after) == Some(&b"obj"[..])
        && data.get(after).is_none_or(|&b| !is_regular(b));
    is_obj.then_some((ObjRef::new(num, generation), after))
}

/// Object streams the later sections use: each number they list once, and each where the
/// sections place it (MuPDF reads an object stream by number, this reader by index).
fn check_object_streams(doc: &Document<'_>, listed: &BTreeSet<u32>) -> Result<(), Disallowed> {
    let mut streams = BTreeSet::new();
    for &num in listed {
        // Only streams written after signing: an old one may hold objects since replaced.
        if let Ok(Some(XrefEntry::Compressed { stream, .. })) = doc.entry(num)
            && listed.contains(&stream)
        {
            streams.insert(stream);
        }
    }
    for stream in streams {
        let id = ObjRef::new(stream, 0);
        let numbers = doc
            .object_stream_numbers(stream)
            .map_err(|e| Disallowed::at(id, format!("unreadable object stream: {e}")))?;
        for (index, &num) in (0u32..).zip(&numbers) {
            let placed = matches!(
                doc.entry(num),
                Ok(Some(XrefEntry::Compressed { stream: s, index: i })) if s == stream && i == index
            );
            if !placed {
                return Err(Disallowed::at(
                    id,
                    format!(
                        "the object stream holds object {num} at index {index}, where the \
                         cross-reference sections do not put it"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Where the run of ASCII digits starting at `at` ends.
fn digits_end(bytes: &[u8], at: usize) -> usize {
    let run = bytes
        .get(at..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    at.saturating_add(run)
}

/// The value of a run of digits, leading zeros allowed; `None` past `u32`.
fn number_value(digits: &[u8]) -> Option<u32> {
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
fn skip_gap(bytes: &[u8], mut at: usize) -> usize {
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
