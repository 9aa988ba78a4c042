//! The incremental update (§7.5.6): new and changed objects, then a cross-reference section in the
//! same form as the previous one, and a trailer chained to it with `/Prev`.

use std::rc::Rc;

use super::document::{Document, XrefForm};
use super::object::{Dict, ObjRef, Object, Stream};
use super::security::{Security, SecurityHandler};
use super::writer::{write_dict, write_indirect};
use super::xref::XrefEntry;
use crate::error::{Error, Result};

/// The largest offset a cross-reference table entry can hold: its field is exactly 10 decimal
/// digits (§7.5.4), so a longer number would shift every later entry and break the table.
const MAX_TABLE_OFFSET: u64 = 9_999_999_999;

/// Trailer keys that describe one section only and must not be copied into the next (§7.5.5,
/// §7.5.8.2).
const SECTION_KEYS: [&[u8]; 11] = [
    b"Prev",
    b"XRefStm",
    b"Size",
    b"Type",
    b"W",
    b"Index",
    b"Length",
    b"Filter",
    b"DecodeParms",
    b"DL",
    b"F",
];

/// Collects the appended bytes. Positions are relative to the start of the update.
pub struct UpdateWriter {
    /// Offset (as the file writes offsets) of the update's first byte.
    base: u64,
    buf: Vec<u8>,
    offsets: Vec<(ObjRef, u64)>,
    /// The document's security handler: every object written is encrypted with it.
    security: Option<Rc<Security>>,
    /// The first object that could not be encrypted; [`finish`](Self::finish) returns it.
    failed: Option<Error>,
}

impl UpdateWriter {
    /// An update appended to `doc`'s bytes.
    pub fn new(doc: &Document<'_>) -> Self {
        let data = doc.data();
        let mut buf = Vec::with_capacity(16 * 1024);
        // Keep the new section on its own line when the file lacks a final end-of-line.
        if !matches!(data.last(), Some(b'\n' | b'\r')) {
            buf.push(b'\n');
        }
        let base = (data.len() as u64).saturating_sub(doc.offset_base());
        Self {
            base,
            buf,
            offsets: Vec::new(),
            security: doc.security(),
            failed: None,
        }
    }

    /// The handler that encrypts what this update writes; `None` for a document that is not
    /// encrypted, the reason when it could not be opened.
    fn handler(&self) -> Result<Option<&SecurityHandler>> {
        match self.security.as_deref() {
            None => Ok(None),
            Some(security) => security.handler().map(Some),
        }
    }

    /// Encrypts the strings and streams of `object`, to be written as object `id` (a no-op for
    /// a document that is not encrypted). Callers that write an object's bytes themselves
    /// ([`begin_object`](Self::begin_object)) pass its values through here first.
    pub fn encrypt(&self, id: ObjRef, object: &mut Object) -> Result<()> {
        match self.handler()? {
            Some(handler) => handler.encrypt_object(id, object),
            None => Ok(()),
        }
    }

    pub fn buffer(&self) -> &[u8] {
        &self.buf
    }

    pub fn buffer_mut(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    fn record_offset(&mut self, id: ObjRef) {
        self.offsets
            .push((id, self.base.saturating_add(self.buf.len() as u64)));
    }

    /// Writes object `id`, encrypted when the document is. An encryption failure (no random
    /// bytes for an IV) is returned by [`finish`](Self::finish).
    pub fn add(&mut self, id: ObjRef, object: &Object) {
        let mut sealed = object.clone();
        if let Err(error) = self.encrypt(id, &mut sealed) {
            self.failed.get_or_insert(error);
            return;
        }
        self.record_offset(id);
        write_indirect(&mut self.buf, id, &sealed);
    }

    /// Starts object `id`: the caller writes its body into [`buffer_mut`](Self::buffer_mut) and
    /// then calls [`end_object`](Self::end_object). Used where the caller needs byte positions.
    pub fn begin_object(&mut self, id: ObjRef) {
        self.record_offset(id);
        self.buf
            .extend_from_slice(format!("{} {} obj\n", id.num, id.generation).as_bytes());
    }

    pub fn end_object(&mut self) {
        self.buf.extend_from_slice(b"\nendobj\n");
    }

    /// Writes the xref section and trailer and returns the update's bytes.
    /// `size` is one past the highest object number the update uses.
    /// Refused with [`Error::XrefOffsetTooLarge`] when the previous section is a table and an
    /// object lands beyond what a table entry can address (a file over 10 GB).
    /// The `/ID` of an encrypted document is kept as it is: its first element is part of the
    /// key derivation, and readers expect the array unchanged.
    pub fn finish(mut self, doc: &Document<'_>, size: u32, id: &[Vec<u8>; 2]) -> Result<Vec<u8>> {
        if let Some(error) = self.failed.take() {
            return Err(error);
        }
        let mut trailer = base_trailer(doc);
        trailer.set(b"Prev".to_vec(), Object::Integer(to_i64(doc.startxref())));
        // Also when the file has none: R2-R4 keys derive from the first element, so a new one
        // would make the whole file unreadable.
        let keep_id = self.security.is_some();
        if !keep_id {
            trailer.set(
                b"ID".to_vec(),
                Object::Array(
                    id.iter()
                        .map(|part| Object::String(part.clone(), super::StringForm::Hex))
                        .collect(),
                ),
            );
        }
        match doc.xref_form() {
            // For a hybrid file a plain table is what 1.4 and 1.5 readers resolve the same way:
            // every object we write is uncompressed and listed in it.
            XrefForm::Table | XrefForm::Hybrid => self.finish_table(trailer, size),
            XrefForm::Stream => Ok(self.finish_stream(trailer, size)),
        }
    }

    fn finish_table(mut self, mut trailer: Dict, size: u32) -> Result<Vec<u8>> {
        if let Some(&(object, offset)) = self.offsets.iter().find(|(_, o)| *o > MAX_TABLE_OFFSET) {
            return Err(Error::XrefOffsetTooLarge { object, offset });
        }
        self.offsets.sort();
        let xref_offset = self.base.saturating_add(self.buf.len() as u64);
        self.buf.extend_from_slice(b"xref\n");
        for run in contiguous_runs(&self.offsets) {
            let Some(&(first, _)) = run.first() else {
                continue;
            };
            self.buf
                .extend_from_slice(format!("{} {}\n", first.num, run.len()).as_bytes());
            for (id, offset) in run {
                self.buf.extend_from_slice(
                    format!("{offset:010} {:05} n\r\n", id.generation).as_bytes(),
                );
            }
        }
        trailer.set(b"Size".to_vec(), Object::Integer(i64::from(size)));
        self.buf.extend_from_slice(b"trailer\n");
        write_dict(&mut self.buf, &trailer);
        self.buf
            .extend_from_slice(format!("\nstartxref\n{xref_offset}\n%%EOF\n").as_bytes());
        Ok(self.buf)
    }

    fn finish_stream(mut self, mut trailer: Dict, size: u32) -> Vec<u8> {
        // The xref stream is itself a new object, listed in its own section.
        let stream_id = ObjRef::new(size, 0);
        let xref_offset = self.base.saturating_add(self.buf.len() as u64);
        self.offsets.push((stream_id, xref_offset));
        self.offsets.sort();
        let offset_width = byte_width(xref_offset);
        let mut rows = Vec::new();
        let mut index = Vec::new();
        for run in contiguous_runs(&self.offsets) {
            let Some(&(first, _)) = run.first() else {
                continue;
            };
            index.push(Object::Integer(i64::from(first.num)));
            index.push(Object::Integer(to_i64(run.len() as u64)));
            for (id, offset) in run {
                rows.push(1u8);
                rows.extend_from_slice(
                    offset
                        .to_be_bytes()
                        .get(8usize.saturating_sub(offset_width)..)
                        .unwrap_or_default(),
                );
                rows.extend_from_slice(&id.generation.to_be_bytes());
            }
        }
        trailer.set(b"Type".to_vec(), Object::name("XRef"));
        trailer.set(
            b"Size".to_vec(),
            Object::Integer(i64::from(size).saturating_add(1)),
        );
        trailer.set(b"Index".to_vec(), Object::Array(index));
        trailer.set(
            b"W".to_vec(),
            Object::Array(vec![
                Object::Integer(1),
                Object::Integer(to_i64(offset_width as u64)),
                Object::Integer(2),
            ]),
        );
        let stream = Object::Stream(Stream {
            dict: trailer,
            raw: rows,
        });
        write_indirect(&mut self.buf, stream_id, &stream);
        self.buf
            .extend_from_slice(format!("startxref\n{xref_offset}\n%%EOF\n").as_bytes());
        self.buf
    }
}

/// The previous trailer without the keys that belong to one section, and without keys of no
/// standard meaning that point at objects the file never defines (LibreOffice's
/// `/AdditionalStreams [... N 0 R]`): the signer skips such numbers (`sign::numbers`), and
/// repeating the key would hand the same trap to whoever writes the next revision.
fn base_trailer(doc: &Document<'_>) -> Dict {
    doc.trailer()
        .iter()
        .filter(|(key, _)| !SECTION_KEYS.contains(key))
        .filter(|(key, value)| STANDARD_KEYS.contains(key) || !refers_to_undefined(doc, value))
        .map(|(key, value)| (key.to_vec(), value.clone()))
        .collect()
}

/// Trailer keys of the standard that every update repeats (§7.5.5).
const STANDARD_KEYS: [&[u8]; 4] = [b"Root", b"Info", b"ID", b"Encrypt"];

/// `value` holds a reference (directly or in a direct array or dictionary) to an object number
/// that no section defines.
fn refers_to_undefined(doc: &Document<'_>, value: &Object) -> bool {
    let mut pending = vec![value];
    while let Some(object) = pending.pop() {
        match object {
            Object::Ref(id)
                if !matches!(
                    doc.entry(id.num),
                    Ok(Some(
                        XrefEntry::InFile { .. } | XrefEntry::Compressed { .. }
                    ))
                ) =>
            {
                return true;
            }
            Object::Array(items) => pending.extend(items),
            Object::Dict(dict) => pending.extend(dict.iter().map(|(_, value)| value)),
            _ => {}
        }
    }
    false
}

/// Splits sorted offsets into runs of consecutive object numbers (one xref subsection each).
fn contiguous_runs(offsets: &[(ObjRef, u64)]) -> Vec<&[(ObjRef, u64)]> {
    let mut runs = Vec::new();
    let mut start = 0;
    for i in 1..=offsets.len() {
        let breaks = match (offsets.get(i.wrapping_sub(1)), offsets.get(i)) {
            (Some((a, _)), Some((b, _))) => a.num.checked_add(1) != Some(b.num),
            _ => true,
        };
        if breaks {
            if let Some(run) = offsets.get(start..i) {
                runs.push(run);
            }
            start = i;
        }
    }
    runs
}

/// Bytes needed to write `value` big-endian (at least 1).
fn byte_width(value: u64) -> usize {
    let bits = 64usize.saturating_sub(value.leading_zeros() as usize);
    bits.div_ceil(8).max(1)
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn testdata(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/testdata/pdf/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    /// An update of `doc` whose one object, 100 0 R, starts at `offset` in the file.
    fn update_with_object_at(doc: &Document<'_>, offset: u64) -> Result<Vec<u8>> {
        let mut writer = UpdateWriter::new(doc);
        writer.base = offset - writer.buf.len() as u64;
        writer.add(ObjRef::new(100, 0), &Object::Integer(1));
        writer.finish(doc, 101, &[b"a".to_vec(), b"b".to_vec()])
    }

    #[test]
    fn a_table_entry_beyond_ten_digits_is_refused_not_written() {
        for name in ["classic.pdf", "hybrid.pdf"] {
            let pdf = testdata(name);
            let doc = Document::parse(&pdf).unwrap();
            let widest = update_with_object_at(&doc, MAX_TABLE_OFFSET).unwrap();
            let entry = b"\n100 1\n9999999999 00000 n\r\n";
            assert!(widest.windows(entry.len()).any(|w| w == entry), "{name}");
            match update_with_object_at(&doc, MAX_TABLE_OFFSET + 1) {
                Err(Error::XrefOffsetTooLarge { object, offset }) => {
                    assert_eq!(object, ObjRef::new(100, 0));
                    assert_eq!(offset, 10_000_000_000);
                }
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    #[test]
    fn an_xref_stream_widens_its_offset_field_instead() {
        let pdf = testdata("xref-stream.pdf");
        let doc = Document::parse(&pdf).unwrap();
        assert_eq!(doc.xref_form(), XrefForm::Stream);
        let update = update_with_object_at(&doc, 1 << 40).unwrap();
        let text = String::from_utf8_lossy(&update);
        assert!(text.contains("/W [1 6 2]"), "{text}");
    }
}
