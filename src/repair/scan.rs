//! Finding every object by scanning the bytes for `num gen obj`, without any xref data.

use std::collections::BTreeMap;

use crate::error::Result;
use crate::pdf::document::{parse_indirect_span, read_header};
use crate::pdf::lexer::{Cursor, is_regular, is_whitespace};
use crate::pdf::limits::{Inflation, Limits};
use crate::pdf::objstm::ObjectStream;
use crate::pdf::parser::ObjectParser;
use crate::pdf::{Dict, ObjRef, Object};

/// The objects of a file as the scan found them.
pub struct ScannedObjects {
    pub version: String,
    /// By object number: the generation and the object of the last definition in the file.
    pub objects: BTreeMap<u32, (u16, Object)>,
    /// The last trailer dictionary (or xref stream dictionary) found, if any.
    pub trailer: Dict,
}

impl ScannedObjects {
    pub fn get(&self, id: ObjRef) -> Option<&Object> {
        self.objects
            .get(&id.num)
            .filter(|(generation, _)| *generation == id.generation)
            .map(|(_, object)| object)
    }

    /// The trailer's `/Root` when it names a catalog, else the last `/Type /Catalog` object.
    pub fn catalog(&self) -> Option<ObjRef> {
        let is_catalog = |o: &Object| o.as_dict().is_some_and(|d| d.has_name(b"Type", b"Catalog"));
        if let Some(root) = self.trailer.get(b"Root").and_then(Object::as_ref)
            && self.get(root).is_some_and(is_catalog)
        {
            return Some(root);
        }
        self.objects
            .iter()
            .rev()
            .find(|(_, (_, o))| is_catalog(o))
            .map(|(&num, (generation, _))| ObjRef::new(num, *generation))
    }
}

/// Scans `data` front to back. Object streams are unpacked; xref streams and object streams
/// themselves are dropped (the rewrite has its own table and writes everything uncompressed).
/// Decoding draws on one budget for the file, as reading does (`limits`).
pub fn scan(data: &[u8], limits: &Limits) -> Result<ScannedObjects> {
    let inflation = Inflation::new(limits, data.len());
    let (header, version) = read_header(data)?;
    // The rewrite needs some version line; 1.7 reads everything we write.
    let version = if version.is_empty() {
        "1.7".to_string()
    } else {
        version
    };
    // (position, generation, object) per number; the highest position wins.
    let mut found: BTreeMap<u32, (usize, u16, Object)> = BTreeMap::new();
    let mut trailer = Dict::new();
    let mut xref_dicts = Vec::new();
    let mut pos = header;
    while let Some(start) = next_object_start(data, pos) {
        let parsed = parse_indirect_span(data, start, limits.nesting(), &|_| None);
        let Ok((id, object, end)) = parsed else {
            pos = start.saturating_add(1);
            continue;
        };
        pos = end.max(start.saturating_add(1));
        if let Object::Stream(stream) = &object {
            if stream.dict.has_name(b"Type", b"XRef") {
                trailer = stream.dict.clone();
                xref_dicts.push(stream.dict.clone());
                continue;
            }
            if stream.dict.has_name(b"Type", b"ObjStm") {
                unpack(id, &object, start, (&inflation, limits), &mut found)?;
                continue;
            }
        }
        insert(&mut found, id.num, (start, id.generation, object));
    }
    let trailers = all_trailers(data);
    if let Some(last) = trailers.last() {
        trailer = last.clone();
    }
    // Any revision's /Encrypt means the strings and streams are encrypted: keep it visible.
    if let Some(encrypt) = trailers
        .iter()
        .chain(&xref_dicts)
        .find_map(|t| t.get(b"Encrypt"))
    {
        trailer.set("Encrypt", encrypt.clone());
    }
    Ok(ScannedObjects {
        version,
        objects: found
            .into_iter()
            .map(|(num, (_, generation, object))| (num, (generation, object)))
            .collect(),
        trailer,
    })
}

fn insert(found: &mut BTreeMap<u32, (usize, u16, Object)>, num: u32, entry: (usize, u16, Object)) {
    if found.get(&num).is_none_or(|(pos, _, _)| *pos <= entry.0) {
        found.insert(num, entry);
    }
}

/// The compressed objects of an object stream, dated at the stream's position. An undecodable
/// stream is skipped (the rewrite keeps what it can); a limit stops the scan.
fn unpack(
    id: ObjRef,
    object: &Object,
    at: usize,
    (inflation, limits): (&Inflation, &Limits),
    found: &mut BTreeMap<u32, (usize, u16, Object)>,
) -> Result<()> {
    let Object::Stream(stream) = object else {
        return Ok(());
    };
    let decoded = match ObjectStream::decode(id, stream, inflation, limits) {
        Ok(decoded) => decoded,
        Err(error @ crate::error::Error::LimitExceeded { .. }) => return Err(error),
        Err(_) => return Ok(()),
    };
    let numbers: Vec<(u32, u32)> = decoded.numbers().collect();
    for (num, index) in numbers {
        if let Ok(inner) = decoded.object(num, index) {
            insert(found, num, (at, 0, inner));
        }
    }
    Ok(())
}

/// The next `num gen obj` header at or after `from`: found through the `obj` keyword.
fn next_object_start(data: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let hit = at.checked_add(find(data.get(at..)?, b"obj")?)?;
        at = hit.saturating_add(3);
        let after_ok = data
            .get(hit.saturating_add(3))
            .is_none_or(|&b| !is_regular(b));
        if !after_ok {
            continue;
        }
        if let Some(start) = header_start(data, hit).filter(|&s| s >= from) {
            return Some(start);
        }
    }
}

/// Walks back from the `obj` keyword over `gen` and `num`.
fn header_start(data: &[u8], keyword: usize) -> Option<usize> {
    let mut i = keyword;
    // Steps back over bytes matching `class`; returns whether it moved.
    let skip_back = |i: &mut usize, class: fn(&u8) -> bool| -> bool {
        let end = *i;
        while let Some(before) = i.checked_sub(1).filter(|&b| data.get(b).is_some_and(class)) {
            *i = before;
        }
        *i < end
    };
    let skip_ws_back = |i: &mut usize| {
        skip_back(i, |b| is_whitespace(*b));
    };
    let skip_digits_back = |i: &mut usize| skip_back(i, u8::is_ascii_digit);
    skip_ws_back(&mut i);
    if !skip_digits_back(&mut i) {
        return None;
    }
    skip_ws_back(&mut i);
    if !skip_digits_back(&mut i) {
        return None;
    }
    let starts_token = i
        .checked_sub(1)
        .is_none_or(|before| data.get(before).is_some_and(|&b| !is_regular(b)));
    starts_token.then_some(i)
}

/// Every dictionary that follows a `trailer` keyword, in file order.
fn all_trailers(data: &[u8]) -> Vec<Dict> {
    let mut trailers = Vec::new();
    let mut at = 0;
    while let Some(hit) = data.get(at..).and_then(|rest| find(rest, b"trailer")) {
        let keyword = at.saturating_add(hit);
        at = keyword.saturating_add(7);
        let mut cursor = Cursor::new(data, at);
        if let Ok(Object::Dict(dict)) =
            ObjectParser::new(&mut cursor, crate::error::Location::Trailer).parse()
        {
            trailers.push(dict);
        }
    }
    trailers
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    crate::pdf::lexer::find(haystack, needle)
}
