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
/// object where no later section puts it, when an object stream written after signing holds an
/// object the sections place elsewhere, or when the file does not end as readers look for its
/// end: a reader that misses it rebuilds the table by scanning and shows what it finds.
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
    check_object_streams(doc, later, listed)?;
    for section in &sections {
        check_declared_size(section)?;
    }
    check_file_end(doc.data())
}

/// Whitespace accepted after the last `%%EOF`, as after a signed revision (see `judge`).
const MAX_TRAILING_WHITESPACE: usize = super::MAX_TRAILING_WHITESPACE;

/// The file ends with `startxref`, white space, the offset, white space, `%%EOF` and at most an
/// end-of-line or two. A comment after `startxref`, or bytes after `%%EOF` that push it out of
/// the window readers search (MuPDF: the last 1024 bytes), make a reader rebuild the table by
/// scanning, and a scan reads objects (in object streams too) the sections never name.
fn check_file_end(data: &[u8]) -> Result<(), Disallowed> {
    let refuse = |what: &str| {
        Err(Disallowed::new(format!(
            "the file does not end as readers look for its end: {what} (a reader that misses it \
             rebuilds the cross-reference table by scanning)"
        )))
    };
    let Some(keyword) = crate::pdf::lexer::rfind(data, b"startxref") else {
        return refuse("no startxref");
    };
    let after = |at: usize| data.get(at..).unwrap_or_default();
    let spaces = |at: usize| after(at).iter().take_while(|&&b| is_whitespace(b)).count();
    let digits_at = keyword
        .saturating_add(9)
        .saturating_add(spaces(keyword.saturating_add(9)));
    let digits_stop = digits_end(data, digits_at);
    if digits_stop == digits_at {
        return refuse("startxref is not followed by white space and an offset");
    }
    let eof_at = digits_stop.saturating_add(spaces(digits_stop));
    if !after(eof_at).starts_with(b"%%EOF") {
        return refuse("the offset after startxref is not followed by %%EOF");
    }
    let tail = after(eof_at.saturating_add(5));
    if !tail.iter().all(|&b| is_whitespace(b)) || tail.len() > MAX_TRAILING_WHITESPACE {
        return refuse(&format!("{} bytes follow the last %%EOF", tail.len()));
    }
    Ok(())
}

/// A section's `/Size` is a non-negative integer: MuPDF rebuilds the table by scanning when it
/// is not (`/Size 2 0 R`, `/Size -1`).
fn check_declared_size(section: &XrefSection) -> Result<(), Disallowed> {
    match section.trailer.get(b"Size") {
        Some(crate::pdf::Object::Integer(size)) if *size >= 0 => Ok(()),
        _ => Err(Disallowed::new(format!(
            "the cross-reference section appended at offset {} has no non-negative integer \
             /Size (readers rebuild the table by scanning)",
            section.offset
        ))),
    }
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

/// Object streams written after signing, whether the later sections use them or not: each
/// number they hold listed once, and where the revision that wrote the stream places it (MuPDF
/// reads an object stream by number, this reader by index; a reader that rebuilds the table
/// reads every object stream it finds, so an unused one may not hold a copy of an object
/// either). A later revision may still replace what such a stream holds.
fn check_object_streams(
    doc: &Document<'_>,
    later: usize,
    listed: &BTreeSet<u32>,
) -> Result<(), Disallowed> {
    let mut used = BTreeSet::new();
    for &num in listed {
        // Only streams written after signing: an old one may hold objects since replaced.
        if let Ok(Some(XrefEntry::Compressed { stream, .. })) = doc.entry(num)
            && listed.contains(&stream)
        {
            used.insert(stream);
        }
    }
    for stream in used {
        check_object_stream(doc, stream)?;
    }
    for index in 0..later {
        let (Some(section), Some(revision)) = (doc.sections().get(index), doc.revision(index))
        else {
            break;
        };
        for num in section.listed_numbers(doc.data(), false) {
            if let Ok(Some(XrefEntry::InFile { generation, .. })) = revision.entry(num)
                && is_object_stream(&revision, num, generation)
            {
                check_object_stream(&revision, num)?;
            }
        }
    }
    Ok(())
}

/// Each object stream `stream` holds is where `doc`'s sections put it.
fn check_object_stream(doc: &Document<'_>, stream: u32) -> Result<(), Disallowed> {
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
    Ok(())
}

fn is_object_stream(doc: &Document<'_>, num: u32, generation: u16) -> bool {
    matches!(
        doc.get(ObjRef::new(num, generation)),
        Ok(crate::pdf::Object::Stream(stream)) if stream.dict.has_name(b"Type", b"ObjStm")
    )
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
