//! Object streams (§7.5.7): compressed objects are read by decoding only the stream that holds them.

use super::lexer::Cursor;
use super::limits::{Inflation, Limits};
use super::object::{ObjRef, Object, Stream};
use super::parser::ObjectParser;
use crate::error::{Error, Result};

/// A decoded object stream: its bytes and the (object number, offset) table from its header.
#[derive(Debug)]
pub struct ObjectStream {
    id: ObjRef,
    data: Vec<u8>,
    first: usize,
    offsets: Vec<(u32, usize)>,
    max_depth: usize,
}

impl ObjectStream {
    /// Decodes the stream within the document's inflation budget.
    pub(crate) fn decode(
        id: ObjRef,
        stream: &Stream,
        inflation: &Inflation,
        limits: &Limits,
    ) -> Result<Self> {
        let malformed = |reason: String| Error::malformed(id, 0, reason);
        if !stream.dict.has_name(b"Type", b"ObjStm") {
            return Err(malformed(
                "is used as an object stream but is not /Type /ObjStm".into(),
            ));
        }
        let count = positive(stream.dict.get(b"N"))
            .ok_or_else(|| malformed("object stream without a valid /N".into()))?;
        let first = positive(stream.dict.get(b"First"))
            .ok_or_else(|| malformed("object stream without a valid /First".into()))?;
        let location = || format!("object stream {id}");
        let mut data = inflation.decode_or(&stream.dict, &stream.raw, &location, malformed)?;
        // Held for reuse: the decoder's spare capacity would be held with it.
        data.shrink_to_fit();
        let header = data
            .get(..first)
            .ok_or_else(|| malformed(format!("/First {first} is past the stream's end")))?;
        let offsets = read_header(header, count)
            .ok_or_else(|| malformed("object stream header is malformed".into()))?;
        Ok(Self {
            id,
            data,
            first,
            offsets,
            max_depth: limits.nesting(),
        })
    }

    /// The bytes this decoded stream occupies: its data and its header table.
    pub fn held_bytes(&self) -> u64 {
        let table = self
            .offsets
            .capacity()
            .saturating_mul(std::mem::size_of::<(u32, usize)>());
        (self.data.capacity().saturating_add(table)) as u64
    }

    /// Every object number the stream's header lists, with its index.
    pub fn numbers(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.offsets
            .iter()
            .zip(0u32..)
            .map(|(&(num, _), index)| (num, index))
    }

    /// The object numbered `num`, expected at `index`.
    pub fn object(&self, num: u32, index: u32) -> Result<Object> {
        let by_index = usize::try_from(index)
            .ok()
            .and_then(|i| self.offsets.get(i))
            .filter(|(n, _)| *n == num);
        let found = by_index.or_else(|| self.offsets.iter().find(|(n, _)| *n == num));
        let Some(&(_, offset)) = found else {
            return Err(Error::MissingObject {
                object: ObjRef::new(num, 0),
                object_stream: Some(self.id),
            });
        };
        let start = self
            .first
            .checked_add(offset)
            .filter(|&s| s < self.data.len());
        let Some(start) = start else {
            return Err(Error::malformed(
                ObjRef::new(num, 0),
                0,
                format!("offset past the end of object stream {}", self.id),
            ));
        };
        let mut cursor = Cursor::new(&self.data, start);
        let mut parser = ObjectParser::new(
            &mut cursor,
            crate::error::Location::InObjectStream {
                object: ObjRef::new(num, 0),
                stream: self.id,
            },
        );
        parser.max_depth = self.max_depth;
        parser.parse()
    }
}

fn positive(value: Option<&Object>) -> Option<usize> {
    value
        .and_then(Object::as_i64)
        .and_then(|v| usize::try_from(v).ok())
}

fn read_header(header: &[u8], count: usize) -> Option<Vec<(u32, usize)>> {
    let mut cursor = Cursor::new(header, 0);
    let mut offsets = Vec::with_capacity(count.min((header.len() / 2).saturating_add(1)));
    for _ in 0..count {
        cursor.skip_ws();
        let num = u32::try_from(cursor.read_unsigned()?).ok()?;
        cursor.skip_ws();
        let offset = usize::try_from(cursor.read_unsigned()?).ok()?;
        offsets.push((num, offset));
    }
    Some(offsets)
}
