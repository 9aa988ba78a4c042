//! Cross-reference sections: classic tables (§7.5.4) and xref streams (§7.5.8), looked up lazily.
//!
//! A table's entries are fixed-width, so an entry is found by arithmetic instead of parsing the
//! whole table: reading a 100k-object file costs the same as reading a 10-object one.

use super::lexer::{Cursor, is_whitespace};
use super::object::{Dict, ObjRef, Object};
use crate::error::{Error, Result};

/// Where an object lives, according to one section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XrefEntry {
    Free,
    InFile { offset: u64, generation: u16 },
    Compressed { stream: u32, index: u32 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SectionKind {
    Table,
    Stream,
}

/// One cross-reference section with its trailer (for a stream section, the stream dictionary).
#[derive(Debug)]
pub struct XrefSection {
    /// Offset as written in `startxref` / `/Prev` (before any header shift).
    pub offset: u64,
    pub kind: SectionKind,
    pub trailer: Dict,
    /// The xref stream object itself, for stream sections.
    pub stream_object: Option<ObjRef>,
    /// The `/XRefStm` section of a hybrid file.
    pub hidden_stream: Option<Box<XrefSection>>,
    entries: Entries,
}

#[derive(Debug)]
enum Entries {
    Table(Vec<TableSubsection>),
    Stream(StreamEntries),
}

#[derive(Debug)]
struct TableSubsection {
    first: u32,
    count: u32,
    layout: TableLayout,
}

#[derive(Debug)]
enum TableLayout {
    /// Entries of `stride` bytes starting at `start`; parsed on lookup.
    Fixed { start: usize, stride: usize },
    /// Irregular line ends: parsed once.
    Parsed(Vec<XrefEntry>),
}

#[derive(Debug)]
struct StreamEntries {
    /// (first object number, count, index of its first row)
    subsections: Vec<(u32, u32, usize)>,
    widths: [usize; 3],
    rows: Vec<u8>,
}

impl XrefSection {
    /// Object numbers this section lists (used to compute `/Size` and by verification).
    pub fn max_object_number(&self) -> u32 {
        let last = |first: u32, count: u32| first.saturating_add(count).saturating_sub(1);
        let own = match &self.entries {
            Entries::Table(subs) => subs.iter().map(|s| last(s.first, s.count)).max(),
            Entries::Stream(st) => st.subsections.iter().map(|&(f, c, _)| last(f, c)).max(),
        };
        let hidden = self.hidden_stream.as_ref().map(|h| h.max_object_number());
        own.unwrap_or(0).max(hidden.unwrap_or(0))
    }

    /// How many entries this section and its hidden stream list (a number listed twice counts
    /// twice): what walking [`listed_numbers`](Self::listed_numbers) costs, known before walking.
    pub fn listed_count(&self) -> u64 {
        let own: u64 = match &self.entries {
            Entries::Table(subs) => subs.iter().map(|s| u64::from(s.count)).sum(),
            Entries::Stream(st) => st.subsections.iter().map(|&(_, c, _)| u64::from(c)).sum(),
        };
        let hidden = self.hidden_stream.as_ref().map_or(0, |h| h.listed_count());
        own.saturating_add(hidden)
    }

    /// A number two subsections of this section (or of its hidden stream) both list. Readers
    /// disagree on which one wins (MuPDF and poppler take the first, this reader the last).
    pub fn listed_twice(&self) -> Option<u32> {
        let mut ranges: Vec<(u32, u32)> = match &self.entries {
            Entries::Table(subs) => subs.iter().map(|s| (s.first, s.count)).collect(),
            Entries::Stream(st) => st.subsections.iter().map(|&(f, c, _)| (f, c)).collect(),
        };
        ranges.retain(|&(_, count)| count > 0);
        ranges.sort_unstable();
        let overlap = ranges.windows(2).find_map(|pair| match pair {
            [(first, count), (next, _)] if *next < first.saturating_add(*count) => Some(*next),
            _ => None,
        });
        overlap.or_else(|| self.hidden_stream.as_ref().and_then(|h| h.listed_twice()))
    }

    /// Every object number this section (and its hidden stream) gives a location for.
    pub fn object_numbers(&self, data: &[u8]) -> Vec<u32> {
        self.listed_numbers(data, false)
    }

    /// Every object number this section (and its hidden stream) has an entry for; with
    /// `include_free`, also the numbers it marks free (a revision that deletes an object).
    pub fn listed_numbers(&self, data: &[u8], include_free: bool) -> Vec<u32> {
        let mut numbers = Vec::new();
        let mut push_range = |first: u32, count: u32| {
            let end = first.saturating_add(count.min(1 << 20));
            for num in first..end {
                // An unreadable entry is still listed: callers asking "what does this section
                // redefine" must not miss it.
                let skip = match self.lookup(data, num) {
                    Ok(None) => true,
                    Ok(Some(XrefEntry::Free)) => !include_free,
                    _ => false,
                };
                if !skip {
                    numbers.push(num);
                }
            }
        };
        match &self.entries {
            Entries::Table(subs) => subs.iter().for_each(|s| push_range(s.first, s.count)),
            Entries::Stream(st) => st
                .subsections
                .iter()
                .for_each(|&(f, c, _)| push_range(f, c)),
        }
        if let Some(hidden) = &self.hidden_stream {
            numbers.extend(hidden.listed_numbers(data, include_free));
        }
        numbers.sort_unstable();
        numbers.dedup();
        numbers
    }

    /// The /Prev offset of this section.
    pub fn prev(&self) -> Option<u64> {
        self.trailer
            .get(b"Prev")
            .and_then(Object::as_i64)
            .and_then(|p| u64::try_from(p).ok())
    }
}

impl TableSubsection {
    /// The index of `num` in this subsection, when the subsection lists it.
    fn index_of(&self, num: u32) -> Option<u32> {
        num.checked_sub(self.first).filter(|&i| i < self.count)
    }

    /// `data` is the whole file: fixed-layout entries are parsed from it on demand. An entry this
    /// subsection lists but that cannot be read is damage, never "not listed": an older section
    /// must not answer in its place.
    fn lookup(&self, data: &[u8], num: u32, section: u64) -> Result<Option<XrefEntry>> {
        let Some(index) = self.index_of(num) else {
            return Ok(None);
        };
        let unreadable = |at: Option<usize>| {
            Error::damaged_xref(
                at.map_or(section, |at| at as u64),
                format!("the entry for object {num} in the section at {section} is unreadable"),
            )
        };
        let index = usize::try_from(index).map_err(|_| unreadable(None))?;
        match &self.layout {
            TableLayout::Parsed(entries) => entries
                .get(index)
                .copied()
                .ok_or(unreadable(None))
                .map(Some),
            TableLayout::Fixed { start, stride } => {
                let at = index
                    .checked_mul(*stride)
                    .and_then(|o| o.checked_add(*start))
                    .ok_or(unreadable(None))?;
                data.get(at..)
                    .and_then(parse_table_entry)
                    .map(|(entry, _)| Some(entry))
                    .ok_or_else(|| unreadable(Some(at)))
            }
        }
    }
}

impl XrefSection {
    /// The entry this section gives for `num`: `Ok(None)` when it does not mention `num`, an
    /// error when it lists `num` but the entry is unreadable (`data` is the file).
    pub fn lookup(&self, data: &[u8], num: u32) -> Result<Option<XrefEntry>> {
        match &self.entries {
            Entries::Table(subsections) => {
                // The last subsection listing `num` wins, as the stream form does.
                match subsections.iter().rev().find(|s| s.index_of(num).is_some()) {
                    Some(subsection) => subsection.lookup(data, num, self.offset),
                    None => Ok(None),
                }
            }
            Entries::Stream(stream) => stream.lookup(num, self.offset),
        }
    }
}

impl StreamEntries {
    fn lookup(&self, num: u32, section: u64) -> Result<Option<XrefEntry>> {
        let Some(&(first, _, row0)) = self
            .subsections
            .iter()
            .rev()
            .find(|&&(f, c, _)| num.checked_sub(f).is_some_and(|i| i < c))
        else {
            return Ok(None);
        };
        let unreadable = || {
            Error::damaged_xref(
                section,
                format!("xref stream row for object {num} is unreadable"),
            )
        };
        let row_len: usize = self.widths.iter().sum();
        let start = num
            .checked_sub(first)
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| row0.checked_add(i))
            .and_then(|row| row.checked_mul(row_len))
            .ok_or_else(unreadable)?;
        let bytes = start
            .checked_add(row_len)
            .and_then(|end| self.rows.get(start..end))
            .ok_or_else(unreadable)?;
        let (f0, rest) = bytes
            .split_at_checked(self.widths[0])
            .ok_or_else(unreadable)?;
        let (f1, f2) = rest
            .split_at_checked(self.widths[1])
            .ok_or_else(unreadable)?;
        // A missing type field means type 1 (§7.5.8.2, Table 17).
        let kind = if self.widths[0] == 0 {
            1
        } else {
            be_number(f0)
        };
        let (a, b) = (be_number(f1), be_number(f2));
        Ok(Some(match kind {
            0 => XrefEntry::Free,
            1 => XrefEntry::InFile {
                offset: a,
                generation: u16::try_from(b).unwrap_or(u16::MAX),
            },
            2 => XrefEntry::Compressed {
                stream: u32::try_from(a).map_err(|_| unreadable())?,
                index: u32::try_from(b).map_err(|_| unreadable())?,
            },
            // Unknown types are references to the null object.
            _ => XrefEntry::Free,
        }))
    }
}

fn be_number(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0u64, |acc, &b| acc.wrapping_shl(8) | u64::from(b))
}

/// `nnnnnnnnnn ggggg n` followed by its line end; returns the entry and the entry's length.
fn parse_table_entry(bytes: &[u8]) -> Option<(XrefEntry, usize)> {
    let mut cursor = Cursor::new(bytes, 0);
    let offset = cursor.read_unsigned()?;
    if cursor.pos() != 10 || cursor.next_byte()? != b' ' {
        return None;
    }
    let generation = cursor.read_unsigned()?;
    if cursor.pos() != 16 || cursor.next_byte()? != b' ' {
        return None;
    }
    let kind = cursor.next_byte()?;
    let mut len = cursor.pos();
    while bytes
        .get(len)
        .is_some_and(|&b| b == b' ' || b == b'\r' || b == b'\n')
        && len < 20
    {
        len = len.saturating_add(1);
    }
    let generation = u16::try_from(generation).ok()?;
    let entry = match kind {
        b'n' => XrefEntry::InFile { offset, generation },
        b'f' => XrefEntry::Free,
        _ => return None,
    };
    Some((entry, len))
}

/// Parses the classic table whose `xref` keyword is at `pos` (the cursor's data is the whole file).
/// Returns the subsections and the trailer dictionary.
pub fn parse_table(
    data: &[u8],
    pos: usize,
    offset: u64,
    limits: &super::Limits,
) -> Result<XrefSection> {
    let damaged = |reason: &str| Error::damaged_xref(offset, reason.to_string());
    let mut cursor = Cursor::new(data, pos);
    cursor.skip_ws();
    if !cursor.eat_keyword(b"xref") {
        return Err(damaged("expected the keyword xref"));
    }
    let mut subsections = Vec::new();
    loop {
        cursor.skip_ws();
        if cursor.eat_keyword(b"trailer") {
            break;
        }
        let header = (
            cursor.read_unsigned(),
            skip_spaces(&mut cursor),
            cursor.read_unsigned(),
        );
        let (Some(first), _, Some(count)) = header else {
            return Err(damaged(
                "expected a subsection header or the keyword trailer",
            ));
        };
        let first = u32::try_from(first).map_err(|_| damaged("subsection start out of range"))?;
        let count = u32::try_from(count).map_err(|_| damaged("subsection count out of range"))?;
        cursor.skip_eol_and_spaces();
        let subsection = read_subsection(data, &mut cursor, first, count).ok_or_else(|| {
            Error::damaged_xref(offset, format!("bad entry in subsection {first} {count}"))
        })?;
        subsections.push(subsection);
    }
    let mut parser = super::parser::ObjectParser::new(&mut cursor, crate::error::Location::Trailer)
        .with_limits(limits);
    let trailer = match parser.parse()? {
        Object::Dict(d) => d,
        other => {
            return Err(damaged(&format!(
                "trailer is a {}, not a dictionary",
                other.type_name()
            )));
        }
    };
    Ok(XrefSection {
        offset,
        kind: SectionKind::Table,
        trailer,
        stream_object: None,
        hidden_stream: None,
        entries: Entries::Table(subsections),
    })
}

trait SkipSpaces {
    fn skip_eol_and_spaces(&mut self);
}

impl SkipSpaces for Cursor<'_> {
    fn skip_eol_and_spaces(&mut self) {
        while self.peek().is_some_and(is_whitespace) {
            self.advance(1);
        }
    }
}

fn skip_spaces(cursor: &mut Cursor<'_>) {
    while cursor.peek() == Some(b' ') {
        cursor.advance(1);
    }
}

fn read_subsection(
    data: &[u8],
    cursor: &mut Cursor<'_>,
    first: u32,
    count: u32,
) -> Option<TableSubsection> {
    let start = cursor.pos();
    if count == 0 {
        return Some(TableSubsection {
            first,
            count,
            layout: TableLayout::Parsed(Vec::new()),
        });
    }
    let (first_entry, stride) = parse_table_entry(data.get(start..)?)?;
    // A well-known writer bug: the table says "1 n" but starts with object 0's free entry.
    let first = if first == 1
        && first_entry == XrefEntry::Free
        && data.get(start..start.saturating_add(10)) == Some(b"0000000000")
    {
        0
    } else {
        first
    };
    let total = stride.checked_mul(usize::try_from(count).ok()?)?;
    let last_start = start.checked_add(total)?.checked_sub(stride)?;
    let fixed_ok = data.get(last_start..).and_then(parse_table_entry).is_some()
        && data
            .get(start.checked_add(total)?..)
            .is_some_and(starts_next_part);
    if fixed_ok {
        cursor.set_pos(start.checked_add(total)?);
        return Some(TableSubsection {
            first,
            count,
            layout: TableLayout::Fixed { start, stride },
        });
    }
    // Mixed line ends: parse entry by entry.
    let mut entries = Vec::with_capacity(usize::try_from(count).ok()?.min(1 << 20));
    for _ in 0..count {
        cursor.skip_eol_and_spaces();
        let (entry, len) = parse_table_entry(cursor.rest())?;
        entries.push(entry);
        cursor.advance(len);
    }
    Some(TableSubsection {
        first,
        count,
        layout: TableLayout::Parsed(entries),
    })
}

/// After a subsection comes another header (digits) or `trailer`, maybe after white space.
fn starts_next_part(rest: &[u8]) -> bool {
    let trimmed = rest
        .iter()
        .position(|&b| !is_whitespace(b))
        .and_then(|i| rest.get(i..))
        .unwrap_or_default();
    trimmed.starts_with(b"trailer") || trimmed.first().is_some_and(u8::is_ascii_digit)
}

/// Builds a stream section from an already parsed xref stream object.
pub fn stream_section(
    offset: u64,
    id: ObjRef,
    dict: Dict,
    mut decoded: Vec<u8>,
) -> Result<XrefSection> {
    let damaged = |reason: String| Error::damaged_xref(offset, reason);
    let widths = dict
        .get(b"W")
        .and_then(Object::as_array)
        .filter(|w| w.len() == 3)
        .ok_or_else(|| damaged(format!("xref stream {id} has no valid /W")))?;
    let mut w = [0usize; 3];
    for (slot, value) in w.iter_mut().zip(widths) {
        *slot = value
            .as_i64()
            .and_then(|v| usize::try_from(v).ok())
            .filter(|&v| v <= 8)
            .ok_or_else(|| damaged(format!("xref stream {id} has a bad /W width")))?;
    }
    let size = dict.get(b"Size").and_then(Object::as_i64).unwrap_or(0);
    let index: Vec<i64> = match dict.get(b"Index").and_then(Object::as_array) {
        Some(list) => list.iter().map(|o| o.as_i64().unwrap_or(-1)).collect(),
        None => vec![0, size],
    };
    if !index.len().is_multiple_of(2) {
        return Err(damaged(format!("xref stream {id} has an odd /Index")));
    }
    let mut subsections = Vec::new();
    let mut row: usize = 0;
    for pair in index.chunks(2) {
        let (Some(&first), Some(&count)) = (pair.first(), pair.get(1)) else {
            continue;
        };
        let first =
            u32::try_from(first).map_err(|_| damaged(format!("xref stream {id}: bad /Index")))?;
        let count =
            u32::try_from(count).map_err(|_| damaged(format!("xref stream {id}: bad /Index")))?;
        subsections.push((first, count, row));
        row = row
            .checked_add(count as usize)
            .ok_or_else(|| damaged("xref stream /Index overflows".into()))?;
    }
    let row_len: usize = w.iter().sum();
    let needed = row
        .checked_mul(row_len)
        .ok_or_else(|| damaged("xref stream too large".into()))?;
    if decoded.len() < needed {
        return Err(damaged(format!(
            "xref stream {id} holds {} bytes, its /Index and /W need {needed}",
            decoded.len()
        )));
    }
    // Only the rows /Index names are kept: whatever else the stream inflated to is dropped.
    decoded.truncate(needed);
    decoded.shrink_to_fit();
    Ok(XrefSection {
        offset,
        kind: SectionKind::Stream,
        trailer: dict,
        stream_object: Some(id),
        hidden_stream: None,
        entries: Entries::Stream(StreamEntries {
            subsections,
            widths: w,
            rows: decoded,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_width_table_is_looked_up_without_parsing_everything() {
        let data = b"xref\n0 3\n0000000000 65535 f\r\n0000000017 00000 n\r\n0000000081 00002 n\r\ntrailer\n<</Size 3>>";
        let section = parse_table(data, 0, 0, &Default::default()).unwrap();
        assert_eq!(
            section.lookup(data, 1).unwrap(),
            Some(XrefEntry::InFile {
                offset: 17,
                generation: 0
            })
        );
        assert_eq!(
            section.lookup(data, 2).unwrap(),
            Some(XrefEntry::InFile {
                offset: 81,
                generation: 2
            })
        );
        assert_eq!(section.lookup(data, 0).unwrap(), Some(XrefEntry::Free));
        assert_eq!(section.lookup(data, 3).unwrap(), None);
        assert_eq!(section.trailer.get(b"Size"), Some(&Object::Integer(3)));
    }

    #[test]
    fn nineteen_byte_and_mixed_entries_are_read() {
        let data = b"xref\n0 2\n0000000000 65535 f\n0000000017 00000 n\n3 2\n0000000090 00000 n \n0000000099 00000 n\r\ntrailer<<>>";
        let section = parse_table(data, 0, 0, &Default::default()).unwrap();
        assert_eq!(
            section.lookup(data, 1).unwrap(),
            Some(XrefEntry::InFile {
                offset: 17,
                generation: 0
            })
        );
        assert_eq!(
            section.lookup(data, 4).unwrap(),
            Some(XrefEntry::InFile {
                offset: 99,
                generation: 0
            })
        );
    }

    #[test]
    fn subsection_starting_at_one_with_free_head_is_shifted() {
        let data = b"xref\n1 2\n0000000000 65535 f \n0000000017 00000 n \ntrailer<<>>";
        let section = parse_table(data, 0, 0, &Default::default()).unwrap();
        assert_eq!(
            section.lookup(data, 1).unwrap(),
            Some(XrefEntry::InFile {
                offset: 17,
                generation: 0
            })
        );
    }

    #[test]
    fn unreadable_entry_inside_a_listed_subsection_is_damage_not_absence() {
        // Only the first and last entries are checked when the table is read; the middle one is
        // found broken on lookup.
        let data = b"xref\n0 3\n0000000000 65535 f\r\n00000x0017 00000 n\r\n0000000081 00000 n\r\ntrailer\n<</Size 3>>";
        let section = parse_table(data, 0, 7, &Default::default()).unwrap();
        let error = section.lookup(data, 1).unwrap_err();
        assert!(
            matches!(error, Error::DamagedXref { offset: 29, .. }),
            "{error:?}"
        );
        assert_eq!(section.lookup(data, 3).unwrap(), None);
        assert_eq!(section.object_numbers(data), vec![1, 2]);
    }

    #[test]
    fn damaged_tables_are_errors() {
        assert!(
            parse_table(
                b"xref\n0 2\n0000000000 65535 f \n",
                0,
                0,
                &Default::default()
            )
            .is_err()
        );
        assert!(parse_table(b"xref\nfoo", 0, 0, &Default::default()).is_err());
        assert!(
            parse_table(
                b"xref\n0 1\n0000000000 65535 f \ntrailer 5",
                0,
                0,
                &Default::default()
            )
            .is_err()
        );
    }
}
