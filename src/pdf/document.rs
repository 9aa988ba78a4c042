//! A lazily read PDF: the xref chain and trailer are read up front, objects only when asked for.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

use super::lexer::{Cursor, find, rfind};
use super::limits::{Inflation, Limits};
use super::object::{Dict, ObjRef, Object, Stream};
use super::objstm::ObjectStream;
use super::parser::{ObjectParser, parse_object_header};
use super::security::{DocumentAccess, Security, SecurityHandler};
use super::xref::{SectionKind, XrefEntry, XrefSection, parse_table, stream_section};
use crate::error::{Error, Location, Result};

/// A chain longer than this is a loop or an attack; real files with 25 signatures stay far below.
const MAX_SECTIONS: usize = 4096;
/// Indirect `/Length` values resolving through each other must not recurse without end.
const MAX_RESOLVE_DEPTH: usize = 16;
/// The header may be preceded by junk (§7.5.2 allows readers to look in the first 1024 bytes).
const HEADER_SEARCH: usize = 1024;

/// The form of the newest cross-reference section; the update is written in the same form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XrefForm {
    Table,
    Stream,
    /// A table with an `/XRefStm` (§7.5.8.4).
    Hybrid,
}

#[derive(Debug)]
pub struct Document<'a> {
    data: &'a [u8],
    header_pos: usize,
    /// Added to offsets written in the file: 0, or the header position when the producer counted
    /// offsets from `%PDF-` instead of from the first byte.
    shift: u64,
    version: String,
    startxref: u64,
    /// The file's whole chain, newest first; shared with the views of earlier revisions.
    sections: Rc<[Rc<XrefSection>]>,
    /// Every section read so far, shared by every view of the file: a section that several
    /// chains pass through (a revision the chain skips continues into the file's own) is read
    /// once.
    section_cache: Rc<SectionCache>,
    /// The first section this document reads: 0 for the file, more for an earlier revision.
    newest: usize,
    /// Where the chain `sections` holds starts (its `startxref` plus the base): what tells the
    /// file's chain from the chain of a revision it skips.
    chain: u64,
    trailer: Dict,
    cache: RefCell<HashMap<ObjRef, Rc<Object>>>,
    /// Shared with the views of earlier revisions: keyed by where the stream object lies, so a
    /// stream that several revisions use is decoded once.
    object_streams: Rc<RefCell<StreamCache>>,
    depth: Cell<usize>,
    limits: Limits,
    /// What every decoded stream (xref streams, object streams) draws on, the views of earlier
    /// revisions included.
    inflation: Rc<Inflation>,
    /// The security handler of an encrypted document (shared with the views of earlier
    /// revisions): objects are decrypted as they are loaded, or refused when it is locked.
    security: Option<Rc<Security>>,
}

impl<'a> Document<'a> {
    /// Reads the header, the last `startxref` and the whole xref chain. Objects are not parsed.
    /// Reading is bounded by the default [`Limits`].
    pub fn parse(data: &'a [u8]) -> Result<Self> {
        Self::parse_with_limits(data, &Limits::default())
    }

    /// [`parse`](Self::parse) within `limits`: a decompression or nesting bomb ends in
    /// [`Error::LimitExceeded`], here or when the object holding it is read.
    pub fn parse_with_limits(data: &'a [u8], limits: &Limits) -> Result<Self> {
        Self::open(data, limits, &DocumentAccess::default())
    }

    /// [`parse_with_limits`](Self::parse_with_limits) of a document that may be encrypted:
    /// its security handler is opened with `access` (or the empty user password). A handler
    /// that does not open leaves the xref chain readable; reading an object then fails with
    /// the reason ([`Error::PasswordRequired`], [`Error::WrongPassword`]...).
    pub fn open(data: &'a [u8], limits: &Limits, access: &DocumentAccess) -> Result<Self> {
        let mut doc = Self::parse_plain(data, limits)?;
        doc.security = doc.open_security(access)?.map(Rc::new);
        Ok(doc)
    }

    /// A document made of `data` (a prefix of this document's bytes: an earlier revision) that
    /// reads through this document's security handler.
    pub fn parse_prefix(&self, data: &'a [u8]) -> Result<Self> {
        let mut doc = Self::parse_plain(data, &self.limits)?;
        doc.security = self.security.clone();
        Ok(doc)
    }

    fn parse_plain(data: &'a [u8], limits: &Limits) -> Result<Self> {
        let inflation = Inflation::new(limits, data.len());
        let (header_pos, version) = read_header(data)?;
        // Kept as the file states it, even when the section is found a byte or two away: the
        // new section's /Prev must repeat it exactly (validators that tie a signature to its
        // revision through this value reject a "corrected" one).
        let startxref = find_startxref(data)?;
        let section_cache = Rc::new(SectionCache::default());
        let reader = ChainReader {
            data,
            shift: 0,
            inflation: &inflation,
            limits,
            cache: &section_cache,
        };
        let (shift, sections) = reader.read_any_base(header_pos, startxref)?;
        let trailer = merged_trailer(&sections);
        Ok(Self {
            data,
            header_pos,
            shift,
            version,
            startxref,
            sections: sections.into(),
            section_cache,
            newest: 0,
            chain: startxref.saturating_add(shift),
            trailer,
            cache: RefCell::default(),
            object_streams: Rc::new(RefCell::new(StreamCache::new(limits.max_held_decoded))),
            depth: Cell::new(0),
            limits: *limits,
            inflation: Rc::new(inflation),
            security: None,
        })
    }

    /// Opens the handler that the trailer's `/Encrypt` names; `None` for a document that is
    /// not encrypted.
    fn open_security(&self, access: &DocumentAccess) -> Result<Option<Security>> {
        let Some(encrypt) = self.trailer.get(b"Encrypt") else {
            return Ok(None);
        };
        let encrypt_ref = encrypt.as_ref();
        let dict = match self.resolve(encrypt)? {
            Object::Dict(dict) => dict,
            other => {
                return Err(Error::UnsupportedEncryption {
                    detail: format!("/Encrypt is a {}", other.type_name()),
                });
            }
        };
        let dict = self.direct_encryption_dictionary(dict)?;
        let id0 = self
            .trailer
            .get(b"ID")
            .and_then(Object::as_array)
            .and_then(|id| id.first())
            .and_then(Object::as_string_bytes)
            .unwrap_or_default();
        Ok(Some(Security::open(&dict, encrypt_ref, id0, access)))
    }

    /// `encrypt` with the entries the handlers read made direct: `/CF`, its filters, and the
    /// `/Recipients` arrays (and their strings) of the public-key handler. Read before the
    /// handler exists, so nothing is decrypted (none of them is encrypted, §7.6.5).
    fn direct_encryption_dictionary(&self, mut encrypt: Dict) -> Result<Dict> {
        let resolve_recipients = |dict: &mut Dict| -> Result<()> {
            if let Some(recipients) = self.resolve_key(dict, b"Recipients")? {
                let items = match recipients {
                    Object::Array(items) => items
                        .iter()
                        .map(|item| self.resolve(item))
                        .collect::<Result<Vec<_>>>()?,
                    other => vec![other],
                };
                dict.set(b"Recipients".to_vec(), Object::Array(items));
            }
            Ok(())
        };
        resolve_recipients(&mut encrypt)?;
        if let Some(Object::Dict(mut filters)) = self.resolve_key(&encrypt, b"CF")? {
            let names: Vec<Vec<u8>> = filters.iter().map(|(name, _)| name.to_vec()).collect();
            for name in names {
                if let Some(Object::Dict(mut filter)) = self.resolve_key(&filters, &name)? {
                    resolve_recipients(&mut filter)?;
                    filters.set(name, Object::Dict(filter));
                }
            }
            encrypt.set(b"CF".to_vec(), Object::Dict(filters));
        }
        Ok(encrypt)
    }

    /// The security handler of an encrypted document (`None`: not encrypted); the reason it
    /// could not be opened as an error.
    pub fn security_handler(&self) -> Result<Option<&SecurityHandler>> {
        match &self.security {
            None => Ok(None),
            Some(security) => security.handler().map(Some),
        }
    }

    /// The shared handler, for the update writer.
    pub(crate) fn security(&self) -> Option<Rc<Security>> {
        self.security.clone()
    }

    /// The document as an earlier revision left it: read through the chain from its section
    /// `index` on (0 is the file itself, 1 the revision before the newest update...), without
    /// parsing anything again. The view shares the decoded cross-reference sections, the
    /// decoded object streams and the inflation budget; `None` past the oldest section.
    pub fn revision(&self, index: usize) -> Option<Document<'a>> {
        let newest = self.newest.checked_add(index)?;
        let chain = self.sections.get(newest..).filter(|c| !c.is_empty())?;
        Some(Self {
            data: self.data,
            header_pos: self.header_pos,
            shift: self.shift,
            version: self.version.clone(),
            startxref: chain.first()?.offset,
            trailer: merged_trailer(chain),
            sections: Rc::clone(&self.sections),
            section_cache: Rc::clone(&self.section_cache),
            newest,
            chain: self.chain,
            cache: RefCell::default(),
            object_streams: Rc::clone(&self.object_streams),
            depth: Cell::new(0),
            limits: self.limits,
            inflation: Rc::clone(&self.inflation),
            security: self.security.clone(),
        })
    }

    /// The revisions the file states that its chain never reaches, in file order and without
    /// repeats: each `startxref` value where a section starts that the chain does not read, with
    /// the base its offsets count from (offsets may count from the first byte or from `%PDF-`;
    /// a revision may use the other base than the file's chain). A later section cuts such a
    /// revision out by pointing its `/Prev` past it, and a reader that follows the chain never
    /// sees what it holds (a signature, say). Not listed: the `startxref 0` of a linearized
    /// file's first page, or the word in a content stream, where no section starts.
    pub fn unreached_revisions(&self) -> Vec<UnreachedRevision> {
        let start =
            |offset: u64, shift: u64| section_start(self.data, offset.saturating_add(shift));
        let reached: HashSet<usize> = self
            .sections
            .iter()
            .filter_map(|s| start(s.offset, self.shift))
            .collect();
        let mut bases = vec![0u64];
        if self.header_pos > 0 {
            bases.push(self.header_pos as u64);
        }
        let mut listed = HashSet::new();
        let mut unreached = Vec::new();
        for at in memchr::memmem::find_iter(self.data, b"startxref") {
            let mut cursor = Cursor::new(self.data, at.saturating_add(9));
            cursor.skip_ws();
            let Some(startxref) = cursor.read_unsigned() else {
                continue;
            };
            for &shift in &bases {
                if let Some(pos) = start(startxref, shift)
                    && !reached.contains(&pos)
                    && listed.insert(pos)
                {
                    unreached.push(UnreachedRevision { startxref, shift });
                }
            }
        }
        unreached
    }

    /// The document as the revision ending with `revision.startxref` left it, whether or not
    /// the file's chain reaches that revision: its own chain is read from there, with its own
    /// base. It shares the sections already read, the decoded object streams and the inflation
    /// budget with `self`, so reading many revisions cannot decode more than the file may.
    pub fn revision_at(&self, revision: UnreachedRevision) -> Result<Document<'a>> {
        let reader = ChainReader {
            data: self.data,
            shift: revision.shift,
            inflation: &self.inflation,
            limits: &self.limits,
            cache: &self.section_cache,
        };
        let sections = reader.read_chain(revision.startxref)?;
        Ok(Self {
            data: self.data,
            header_pos: self.header_pos,
            shift: revision.shift,
            version: self.version.clone(),
            startxref: revision.startxref,
            trailer: merged_trailer(&sections),
            sections: sections.into(),
            section_cache: Rc::clone(&self.section_cache),
            newest: 0,
            chain: revision.startxref.saturating_add(revision.shift),
            cache: RefCell::default(),
            object_streams: Rc::clone(&self.object_streams),
            depth: Cell::new(0),
            limits: self.limits,
            inflation: Rc::clone(&self.inflation),
            // An unreached revision of an encrypted file is read with the file's key.
            security: self.security.clone(),
        })
    }

    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// `1.7`, `2.0`...
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Position of `%PDF-` in the file.
    pub fn header_pos(&self) -> usize {
        self.header_pos
    }

    /// What to add to a file position to get an offset as this file writes them.
    pub fn offset_base(&self) -> u64 {
        self.shift
    }

    /// The last `startxref` value exactly as the file states it: the new section's `/Prev`.
    pub fn startxref(&self) -> u64 {
        self.startxref
    }

    /// The sections this document reads, newest first.
    pub fn sections(&self) -> &[Rc<XrefSection>] {
        self.sections.get(self.newest..).unwrap_or_default()
    }

    pub fn xref_form(&self) -> XrefForm {
        match self.sections().first() {
            Some(s) if s.kind == SectionKind::Stream => XrefForm::Stream,
            Some(s) if s.hidden_stream.is_some() => XrefForm::Hybrid,
            _ => XrefForm::Table,
        }
    }

    /// The newest trailer, completed with `/Root`, `/Info`, `/ID` and `/Encrypt` from older
    /// trailers when the newest one leaves them out.
    pub fn trailer(&self) -> &Dict {
        &self.trailer
    }

    /// One past the highest object number in use.
    pub fn size(&self) -> u32 {
        let declared = self
            .trailer
            .get(b"Size")
            .and_then(Object::as_i64)
            .and_then(|s| u32::try_from(s).ok())
            .unwrap_or(0);
        let listed = self
            .sections()
            .iter()
            .map(|s| s.max_object_number().saturating_add(1))
            .max()
            .unwrap_or(0);
        declared.max(listed)
    }

    /// Where the newest section puts object `num` (`None`: no section lists it). An entry that a
    /// section lists but that cannot be read is [`Error::DamagedXref`]: falling back to an older
    /// revision would read an object the file has replaced.
    pub fn entry(&self, num: u32) -> Result<Option<XrefEntry>> {
        for section in self.sections() {
            let entry = section.lookup(self.data, num)?;
            // In a hybrid section the table wins, then its hidden stream (§7.5.8.4).
            let hidden = || match &section.hidden_stream {
                Some(h) => h.lookup(self.data, num),
                None => Ok(None),
            };
            match entry {
                Some(e @ XrefEntry::InFile { .. }) | Some(e @ XrefEntry::Compressed { .. }) => {
                    return Ok(Some(e));
                }
                Some(XrefEntry::Free) => return Ok(hidden()?.or(Some(XrefEntry::Free))),
                None => {
                    if let Some(e) = hidden()? {
                        return Ok(Some(e));
                    }
                }
            }
        }
        Ok(None)
    }

    /// The object `id`; a reference to a free or absent object is the null object (§7.3.10).
    pub fn get(&self, id: ObjRef) -> Result<Object> {
        if let Some(hit) = self.cache.borrow().get(&id) {
            return Ok(Object::clone(hit));
        }
        let object = self.load(id)?;
        self.cache.borrow_mut().insert(id, Rc::new(object.clone()));
        Ok(object)
    }

    /// Follows a reference (one level; references to references are not allowed by the spec).
    pub fn resolve(&self, object: &Object) -> Result<Object> {
        match object {
            Object::Ref(r) => self.get(*r),
            other => Ok(other.clone()),
        }
    }

    /// The value of `key` in `dict`, with a reference followed.
    pub fn resolve_key(&self, dict: &Dict, key: &[u8]) -> Result<Option<Object>> {
        match dict.get(key) {
            None => Ok(None),
            Some(value) => self
                .resolve(value)
                .map(|o| if o == Object::Null { None } else { Some(o) }),
        }
    }

    /// The file position where `entry`'s object starts.
    pub fn position_of(&self, written_offset: u64) -> Option<usize> {
        written_offset
            .checked_add(self.shift)
            .and_then(|p| usize::try_from(p).ok())
            .filter(|&p| p < self.data.len())
    }

    fn load(&self, id: ObjRef) -> Result<Object> {
        match self.entry(id.num)? {
            None | Some(XrefEntry::Free) => Ok(Object::Null),
            Some(XrefEntry::InFile { generation, .. }) if generation != id.generation => {
                Ok(Object::Null)
            }
            Some(XrefEntry::InFile { offset, .. }) => {
                let pos = self.position_of(offset).ok_or_else(|| {
                    Error::malformed(id, offset, "xref offset is past the end of the file")
                })?;
                let (found, mut object) = self.parse_indirect_at(pos)?;
                if found.num != id.num {
                    return Err(Error::malformed(
                        id,
                        offset,
                        format!("xref entry points to object {found}"),
                    ));
                }
                self.decrypt(found, &mut object)?;
                Ok(object)
            }
            Some(XrefEntry::Compressed { stream, index }) => {
                if id.generation != 0 {
                    return Ok(Object::Null);
                }
                self.object_stream(stream)?.object(id.num, index)
            }
        }
    }

    /// Decrypts a top-level object of an encrypted document (objects inside object streams
    /// are decrypted with their stream). The encryption dictionary is read as it is, since it
    /// is never encrypted; any other object of a locked document is refused.
    fn decrypt(&self, id: ObjRef, object: &mut Object) -> Result<()> {
        let Some(security) = &self.security else {
            return Ok(());
        };
        match security.handler() {
            Ok(handler) => handler.decrypt_object(id, object),
            Err(_) if self.is_encryption_dictionary(id) => Ok(()),
            Err(error) => Err(error),
        }
    }

    fn is_encryption_dictionary(&self, id: ObjRef) -> bool {
        self.trailer.get(b"Encrypt").and_then(Object::as_ref) == Some(id)
    }

    /// Object stream `num`, decoded, from the cache or decoded (again) within the inflation
    /// budget: an evicted stream costs its decoded size a second time, so thrashing between
    /// streams ends in [`Error::LimitExceeded`] like any other inflation bomb.
    fn object_stream(&self, num: u32) -> Result<Rc<ObjectStream>> {
        let (id, offset) = self.object_stream_place(num)?;
        // Cached by place, not number: an earlier revision may hold another stream `num`. A
        // stream with an indirect /Length is read differently by revisions that define that
        // length differently: it is shared only by views that read through the same sections.
        let shared = (num, offset, None);
        let own = (num, offset, Some((self.chain, self.newest)));
        for key in [shared, own] {
            if let Some(hit) = self.object_streams.borrow_mut().get(key) {
                return Ok(hit);
            }
        }
        let stream = self.object_stream_at(id)?;
        let key = if matches!(stream.dict.get(b"Length"), Some(Object::Ref(_))) {
            own
        } else {
            shared
        };
        self.object_streams.borrow_mut().make_room();
        let decoded = Rc::new(ObjectStream::decode(
            id,
            &stream,
            &self.inflation,
            &self.limits,
        )?);
        self.object_streams
            .borrow_mut()
            .insert(key, Rc::clone(&decoded));
        Ok(decoded)
    }

    /// The reference and written offset of object stream `num` (an object stream is never
    /// itself compressed, §7.5.7).
    fn object_stream_place(&self, num: u32) -> Result<(ObjRef, u64)> {
        match self.entry(num)? {
            Some(XrefEntry::InFile { generation, offset }) => {
                Ok((ObjRef::new(num, generation), offset))
            }
            _ => Err(Error::MissingObject {
                object: ObjRef::new(num, 0),
                object_stream: None,
            }),
        }
    }

    /// The stream object `id` of an object stream, read past the object cache (its raw bytes
    /// are needed only while decoding).
    fn object_stream_at(&self, id: ObjRef) -> Result<Stream> {
        match self.load(id)? {
            Object::Stream(stream) => Ok(stream),
            _ => Err(Error::malformed(id, 0, "object stream is not a stream")),
        }
    }

    /// The stream object that holds the compressed objects of object stream `num`.
    fn object_stream_source(&self, num: u32) -> Result<(ObjRef, Stream)> {
        let (id, _) = self.object_stream_place(num)?;
        Ok((id, self.object_stream_at(id)?))
    }

    /// Decoded object-stream bytes the document holds for reuse now.
    #[cfg(test)]
    pub(crate) fn held_decoded_bytes(&self) -> u64 {
        self.object_streams.borrow().held
    }

    /// Inflated bytes drawn on the document budget so far.
    #[cfg(test)]
    pub(crate) fn inflated_bytes(&self) -> u64 {
        self.inflation.used()
    }

    /// The object numbers the header of object stream `num` lists, in order.
    pub fn object_stream_numbers(&self, num: u32) -> Result<Vec<u32>> {
        Ok(self.object_stream(num)?.numbers().map(|(n, _)| n).collect())
    }

    /// The decoded bytes of object stream `num`, decoded afresh (not cached: a caller that reads
    /// every object stream once must not keep them all) within the document's inflation budget.
    pub fn object_stream_bytes(&self, num: u32) -> Result<Vec<u8>> {
        let (id, stream) = self.object_stream_source(num)?;
        let location = || format!("object stream {id}");
        self.inflation
            .decode_or(&stream.dict, &stream.raw, &location, |reason| {
                Error::malformed(id, 0, reason)
            })
    }

    /// Parses `num gen obj ... endobj` at `pos`, including a stream's data.
    pub fn parse_indirect_at(&self, pos: usize) -> Result<(ObjRef, Object)> {
        let depth = self.depth.get();
        if depth >= MAX_RESOLVE_DEPTH {
            return Err(Error::malformed(
                Location::Stream,
                pos as u64,
                "indirect /Length values nest too deeply",
            ));
        }
        self.depth.set(depth.saturating_add(1));
        let nesting = self.limits.nesting();
        let result = parse_indirect(self.data, pos, nesting, &|r| self.length_value(r));
        self.depth.set(depth);
        result
    }

    /// The bytes `[start, end)` of the uncompressed object `id` in the file, header to value end.
    pub fn object_span(&self, id: ObjRef) -> Option<std::ops::Range<usize>> {
        let Ok(Some(XrefEntry::InFile { offset, generation })) = self.entry(id.num) else {
            return None;
        };
        if generation != id.generation {
            return None;
        }
        let pos = self.position_of(offset)?;
        let (found, _, end) = parse_indirect_span(self.data, pos, self.limits.nesting(), &|r| {
            self.length_value(r)
        })
        .ok()?;
        (found == id).then_some(pos..end)
    }

    fn length_value(&self, id: ObjRef) -> Option<usize> {
        self.get(id)
            .ok()?
            .as_i64()
            .and_then(|v| usize::try_from(v).ok())
    }

    /// The catalog and its reference.
    pub fn catalog(&self) -> Result<(ObjRef, Dict)> {
        let root = self
            .trailer
            .get(b"Root")
            .and_then(Object::as_ref)
            .ok_or_else(|| {
                Error::malformed(Location::Trailer, self.startxref, "no /Root reference")
            })?;
        match self.get(root)? {
            Object::Dict(d) => Ok((root, d)),
            Object::Null => Err(Error::MissingObject {
                object: root,
                object_stream: None,
            }),
            other => Err(Error::malformed(
                root,
                0,
                format!("catalog is a {}", other.type_name()),
            )),
        }
    }
}

/// An object stream's number, the offset its stream object is written at and, when its /Length
/// is indirect, the first section of the view that read it.
/// The object stream's number and written offset, and for one whose `/Length` is indirect the
/// view that read it (its chain and first section).
type StreamKey = (u32, u64, Option<(u64, usize)>);

/// Sections read, by their written offset and the base it counts from.
type SectionCache = RefCell<HashMap<(u64, u64), Rc<XrefSection>>>;

/// A revision the file's chain does not reach: the `startxref` that ends it, and the base its
/// offsets count from ([`Document::offset_base`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UnreachedRevision {
    pub startxref: u64,
    pub shift: u64,
}

/// Decoded object streams kept for reuse, at most `cap` bytes of them: the least recently used
/// are dropped first. One stream larger than `cap` is kept alone (its objects are usually read
/// together) until another stream is needed.
#[derive(Debug)]
struct StreamCache {
    cap: u64,
    held: u64,
    /// Tick of the last use, for finding the least recently used.
    tick: u64,
    streams: HashMap<StreamKey, (Rc<ObjectStream>, u64)>,
    by_use: BTreeMap<u64, StreamKey>,
}

impl StreamCache {
    fn new(cap: u64) -> Self {
        Self {
            cap,
            held: 0,
            tick: 0,
            streams: HashMap::new(),
            by_use: BTreeMap::new(),
        }
    }

    fn get(&mut self, key: StreamKey) -> Option<Rc<ObjectStream>> {
        self.tick = self.tick.saturating_add(1);
        let (stream, used) = self.streams.get_mut(&key)?;
        self.by_use.remove(used);
        *used = self.tick;
        self.by_use.insert(self.tick, key);
        Some(Rc::clone(stream))
    }

    /// Called before decoding another stream: a stream kept alone over the cap goes first, so
    /// that it and the new one are never both held.
    fn make_room(&mut self) {
        while self.held > self.cap && self.evict_oldest() {}
    }

    fn insert(&mut self, key: StreamKey, stream: Rc<ObjectStream>) {
        let size = stream.held_bytes();
        while self.held.saturating_add(size) > self.cap && self.evict_oldest() {}
        self.tick = self.tick.saturating_add(1);
        self.held = self.held.saturating_add(size);
        self.by_use.insert(self.tick, key);
        if let Some((old, used)) = self.streams.insert(key, (stream, self.tick)) {
            self.by_use.remove(&used);
            self.held = self.held.saturating_sub(old.held_bytes());
        }
    }

    fn evict_oldest(&mut self) -> bool {
        let Some((_, key)) = self.by_use.pop_first() else {
            return false;
        };
        if let Some((stream, _)) = self.streams.remove(&key) {
            self.held = self.held.saturating_sub(stream.held_bytes());
        }
        true
    }
}

/// Parses an indirect object at `pos`, arrays and dictionaries nested at most `max_depth` deep;
/// `length_of` resolves an indirect `/Length`.
pub fn parse_indirect(
    data: &[u8],
    pos: usize,
    max_depth: usize,
    length_of: &dyn Fn(ObjRef) -> Option<usize>,
) -> Result<(ObjRef, Object)> {
    parse_indirect_span(data, pos, max_depth, length_of).map(|(id, object, _)| (id, object))
}

/// Like [`parse_indirect`], also returning the position after the object's value (or stream data).
pub fn parse_indirect_span(
    data: &[u8],
    pos: usize,
    max_depth: usize,
    length_of: &dyn Fn(ObjRef) -> Option<usize>,
) -> Result<(ObjRef, Object, usize)> {
    let mut cursor = Cursor::new(data, pos);
    let id = parse_object_header(&mut cursor).ok_or_else(|| {
        Error::malformed(
            Location::ObjectHeader,
            pos as u64,
            "no `num gen obj` header at this offset",
        )
    })?;
    let mut parser = ObjectParser::new(&mut cursor, id);
    parser.max_depth = max_depth;
    let object = parser.parse()?;
    let value_end = cursor.pos();
    cursor.skip_ws();
    if !cursor.eat_keyword(b"stream") {
        return Ok((id, object, value_end));
    }
    let Object::Dict(dict) = object else {
        return Err(Error::malformed(
            id,
            pos as u64,
            "stream keyword after a non-dictionary",
        ));
    };
    // The keyword is followed by CR LF or LF (a lone CR is tolerated).
    cursor.skip_eol();
    let start = cursor.pos();
    let declared = match dict.get(b"Length") {
        Some(Object::Integer(n)) => usize::try_from(*n).ok(),
        Some(Object::Ref(r)) => length_of(*r),
        _ => None,
    };
    let raw = stream_data(data, start, declared)
        .ok_or_else(|| Error::malformed(id, start as u64, "stream data has no endstream"))?;
    let end = start.saturating_add(raw.len());
    let stream = Stream {
        dict,
        raw: raw.to_vec(),
    };
    Ok((id, Object::Stream(stream), end))
}

/// The stream's bytes: `/Length` when it ends at `endstream`, else up to the next `endstream`.
fn stream_data(data: &[u8], start: usize, declared: Option<usize>) -> Option<&[u8]> {
    if let Some(len) = declared
        && let Some(end) = start.checked_add(len)
    {
        let mut after = Cursor::new(data, end);
        after.skip_ws();
        if after.starts_with(b"endstream") {
            return data.get(start..end);
        }
    }
    let rest = data.get(start..)?;
    let mut end = find(rest, b"endstream")?;
    // Drop the end-of-line that precedes the keyword.
    for eol in [b'\n', b'\r'] {
        if let Some(shorter) = end.checked_sub(1).filter(|&e| rest.get(e) == Some(&eol)) {
            end = shorter;
        }
    }
    rest.get(..end)
}

/// The position of `%PDF-` and the version after it.
pub fn read_header(data: &[u8]) -> Result<(usize, String)> {
    let header_pos = find(
        data.get(..HEADER_SEARCH.min(data.len()))
            .unwrap_or_default(),
        b"%PDF-",
    )
    .ok_or_else(|| {
        Error::NotPdf(format!(
            "no %PDF- header in the first {HEADER_SEARCH} bytes"
        ))
    })?;
    Ok((header_pos, read_version(data, header_pos)))
}

fn read_version(data: &[u8], header_pos: usize) -> String {
    let start = header_pos.saturating_add(5);
    let bytes = data
        .get(start..start.saturating_add(8).min(data.len()))
        .unwrap_or_default();
    let len = bytes
        .iter()
        .take_while(|b| b.is_ascii_digit() || **b == b'.')
        .count();
    String::from_utf8_lossy(bytes.get(..len).unwrap_or_default()).into_owned()
}

/// The value after the last `startxref` keyword.
fn find_startxref(data: &[u8]) -> Result<u64> {
    let Some(at) = rfind(data, b"startxref") else {
        return Err(if find(data, b"%%EOF").is_none() {
            Error::Truncated(format!(
                "the file ends at byte {} without startxref or %%EOF",
                data.len()
            ))
        } else {
            Error::damaged_xref(data.len() as u64, "no startxref keyword")
        });
    };
    let mut cursor = Cursor::new(data, at.saturating_add(9));
    cursor.skip_ws();
    cursor
        .read_unsigned()
        .ok_or_else(|| Error::damaged_xref(at as u64, "startxref is not followed by an offset"))
}

/// Reads the xref chain of `data` with offsets shifted by `shift`, within the document's limits.
struct ChainReader<'r> {
    data: &'r [u8],
    shift: u64,
    inflation: &'r Inflation,
    limits: &'r Limits,
    cache: &'r SectionCache,
}

impl ChainReader<'_> {
    /// Offsets are normally counted from the first byte, by some producers from the `%PDF-`
    /// header: the chain is read with the first base under which `startxref` names a section and
    /// the whole chain reads. Returns the base (the shift added to written offsets) and the
    /// sections. A limit stops at once: a bomb must not be inflated twice.
    fn read_any_base(
        mut self,
        header_pos: usize,
        startxref: u64,
    ) -> Result<(u64, Vec<Rc<XrefSection>>)> {
        let mut shifts = vec![0u64];
        if header_pos > 0 {
            shifts.push(header_pos as u64);
        }
        let mut first_error = None;
        for shift in shifts {
            if section_start(self.data, startxref.saturating_add(shift)).is_none() {
                continue;
            }
            self.shift = shift;
            match self.read_chain(startxref) {
                Ok(sections) => return Ok((shift, sections)),
                Err(error @ Error::LimitExceeded { .. }) => return Err(error),
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        Err(first_error.unwrap_or_else(|| {
            Error::damaged_xref(
                startxref,
                "startxref does not point to an xref table or xref stream",
            )
        }))
    }

    fn read_chain(&self, startxref: u64) -> Result<Vec<Rc<XrefSection>>> {
        let data = self.data;
        let mut sections: Vec<Rc<XrefSection>> = Vec::new();
        let mut seen = HashSet::new();
        let mut next = Some(startxref);
        while let Some(offset) = next {
            if !seen.insert(offset) {
                return Err(Error::damaged_xref(offset, "the /Prev chain loops"));
            }
            if sections.len() >= MAX_SECTIONS {
                return Err(Error::damaged_xref(offset, "too many xref sections"));
            }
            let section = self.cached_section(offset)?;
            // Some writers put `/Prev 0` in a complete table to mean "no previous section".
            next = section
                .prev()
                .filter(|&p| p != 0 || section_start(data, self.shift).is_some());
            sections.push(section);
        }
        Ok(sections)
    }

    /// The section at `offset`, read once whatever number of chains pass through it.
    fn cached_section(&self, offset: u64) -> Result<Rc<XrefSection>> {
        let key = (offset, self.shift);
        if let Some(section) = self.cache.borrow().get(&key) {
            return Ok(Rc::clone(section));
        }
        let section = Rc::new(self.read_section(offset)?);
        self.cache.borrow_mut().insert(key, Rc::clone(&section));
        Ok(section)
    }

    fn read_section(&self, offset: u64) -> Result<XrefSection> {
        let data = self.data;
        let pos = section_start(data, offset.saturating_add(self.shift)).ok_or_else(|| {
            Error::damaged_xref(offset, "no xref table or xref stream at this offset")
        })?;
        let mut cursor = Cursor::new(data, pos);
        if cursor.starts_with(b"xref") {
            let mut section = parse_table(data, pos, offset, self.limits)?;
            if let Some(stm) = section.trailer.get(b"XRefStm").and_then(Object::as_i64) {
                let stm = u64::try_from(stm)
                    .map_err(|_| Error::damaged_xref(offset, "negative /XRefStm"))?;
                section.hidden_stream = Some(Box::new(self.read_stream_section(stm)?));
            }
            return Ok(section);
        }
        cursor.skip_ws();
        self.read_stream_section(offset)
    }

    fn read_stream_section(&self, offset: u64) -> Result<XrefSection> {
        let data = self.data;
        let pos = section_start(data, offset.saturating_add(self.shift))
            .ok_or_else(|| Error::damaged_xref(offset, "no xref stream at this offset"))?;
        // An xref stream's /Length must be direct (§7.5.8.2).
        let (id, object) =
            parse_indirect(data, pos, self.limits.nesting(), &|_| None).map_err(|e| match e {
                Error::LimitExceeded { .. } => e,
                other => Error::damaged_xref(offset, other.to_string()),
            })?;
        let Object::Stream(stream) = object else {
            return Err(Error::damaged_xref(
                offset,
                format!("object {id} at this offset is not an xref stream"),
            ));
        };
        if !stream.dict.has_name(b"Type", b"XRef") {
            return Err(Error::damaged_xref(
                offset,
                format!("object {id} at this offset is not /Type /XRef"),
            ));
        }
        let location = || format!("xref stream {id} at offset {offset}");
        let decoded = self
            .inflation
            .decode_or(&stream.dict, &stream.raw, &location, |e| {
                Error::damaged_xref(offset, format!("xref stream {id}: {e}"))
            })?;
        stream_section(offset, id, stream.dict, decoded)
    }
}

/// The position of a section at `offset`, allowing white space and off-by-a-few offsets.
fn section_start(data: &[u8], offset: u64) -> Option<usize> {
    let offset = usize::try_from(offset).ok()?;
    let candidates = [0isize, -1, 1, -2, 2, -3, 3, -4, 4];
    candidates.iter().find_map(|&delta| {
        let pos = offset.checked_add_signed(delta)?;
        let mut cursor = Cursor::new(data, pos);
        // An exact hit may have leading white space; an adjusted one must start at a token.
        if delta == 0 {
            while cursor.peek().is_some_and(super::lexer::is_whitespace) {
                cursor.advance(1);
            }
        } else if pos
            .checked_sub(1)
            .and_then(|before| data.get(before))
            .is_some_and(|b| super::lexer::is_regular(*b))
        {
            return None;
        }
        let start = cursor.pos();
        let digit = cursor.peek().is_some_and(|b| b.is_ascii_digit());
        // `xref` must be the keyword, not the start of a word inside a string (`(... xref)`).
        let keyword = cursor.starts_with(b"xref")
            && data
                .get(start.saturating_add(4))
                .is_some_and(|&b| super::lexer::is_whitespace(b));
        if keyword || (digit && parse_object_header(&mut cursor).is_some()) {
            Some(start)
        } else {
            None
        }
    })
}

/// Trailer keys that older sections still supply when the newest one omits them.
const INHERITED_TRAILER_KEYS: [&[u8]; 4] = [b"Root", b"Info", b"ID", b"Encrypt"];

fn merged_trailer(sections: &[Rc<XrefSection>]) -> Dict {
    let mut trailer = sections
        .first()
        .map(|s| s.trailer.clone())
        .unwrap_or_default();
    for key in INHERITED_TRAILER_KEYS {
        if trailer.contains(key) {
            continue;
        }
        if let Some(value) = sections.iter().find_map(|s| s.trailer.get(key)) {
            trailer.set(key.to_vec(), value.clone());
        }
    }
    trailer
}

#[cfg(test)]
mod held_tests {
    use std::io::Write;

    use super::*;

    const MIB: usize = 1 << 20;
    const STREAMS: u32 = 8;

    /// Objects 1..=16, two per object stream (streams 17..=24, each decoding to `each` bytes):
    /// object `2k+1` first in stream `17+k`, object `2k+2` second.
    fn two_objects_per_stream(each: usize) -> Vec<u8> {
        let first_stream = 2 * STREAMS + 1;
        let mut out = b"%PDF-1.7\n".to_vec();
        let mut positions = Vec::new();
        for k in 0..STREAMS {
            let (a, b) = (2 * k + 1, 2 * k + 2);
            let first_body = format!("<< /Member {a} >> ");
            let header = format!("{a} 0 {b} {} ", first_body.len());
            let mut body = format!("{header}{first_body}<< /Member {b} >> ").into_bytes();
            body.resize(each, b' ');
            let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            zlib.write_all(&body).unwrap();
            let data = zlib.finish().unwrap();
            positions.push(out.len());
            let holder = first_stream + k;
            out.extend(format!(
                "{holder} 0 obj\n<< /Type /ObjStm /N 2 /First {} /Filter /FlateDecode /Length {} >>\nstream\n",
                header.len(),
                data.len()
            ).as_bytes());
            out.extend(&data);
            out.extend(b"\nendstream\nendobj\n");
        }
        let xref_num = first_stream + STREAMS;
        let xref_pos = out.len();
        let row = |kind: u8, field: u32, index: u16| {
            let mut row = vec![kind];
            row.extend(field.to_be_bytes());
            row.extend(index.to_be_bytes());
            row
        };
        let mut table = row(0, 0, 65535);
        for member in 0..2 * STREAMS {
            table.extend(row(2, first_stream + member / 2, (member % 2) as u16));
        }
        for position in positions.iter().chain([&xref_pos]) {
            table.extend(row(1, *position as u32, 0));
        }
        out.extend(format!(
            "{xref_num} 0 obj\n<< /Type /XRef /Size {} /W [1 4 2] /Root 1 0 R /Length {} >>\nstream\n",
            xref_num + 1,
            table.len()
        ).as_bytes());
        out.extend(&table);
        out.extend(format!("\nendstream\nendobj\nstartxref\n{xref_pos}\n%%EOF\n").as_bytes());
        out
    }

    fn member(doc: &Document<'_>, num: u32) -> i64 {
        let object = doc.get(ObjRef::new(num, 0)).unwrap();
        object
            .as_dict()
            .unwrap()
            .get(b"Member")
            .unwrap()
            .as_i64()
            .unwrap()
    }

    fn limits(held: usize, document: usize) -> Limits {
        Limits {
            max_held_decoded: held as u64,
            max_document_inflated: document as u64,
            min_document_inflated: document as u64,
            ..Limits::default()
        }
    }

    #[test]
    fn decoded_object_streams_held_stay_within_the_cap() {
        let pdf = two_objects_per_stream(MIB);
        let doc = Document::parse_with_limits(&pdf, &limits(2 * MIB + MIB / 2, 64 * MIB)).unwrap();
        for num in 1..=2 * STREAMS {
            assert_eq!(member(&doc, num), i64::from(num));
            assert!(doc.held_decoded_bytes() <= (2 * MIB + MIB / 2) as u64);
        }
        assert!(doc.held_decoded_bytes() >= 2 * MIB as u64);
        // Each stream was decoded once: its two members are read one after the other.
        assert!(doc.inflated_bytes() < (STREAMS as usize * MIB + MIB) as u64);
        // The helpers of the modification analysis read through the same cache.
        assert_eq!(doc.object_stream_numbers(2 * STREAMS + 1).unwrap(), [1, 2]);
        assert_eq!(doc.object_stream_bytes(2 * STREAMS + 2).unwrap().len(), MIB);
    }

    #[test]
    fn one_stream_over_the_cap_is_held_alone() {
        let pdf = two_objects_per_stream(MIB);
        let doc = Document::parse_with_limits(&pdf, &limits(MIB / 2, 64 * MIB)).unwrap();
        for num in 1..=2 * STREAMS {
            assert_eq!(member(&doc, num), i64::from(num));
            assert!(doc.held_decoded_bytes() <= (MIB + MIB / 2) as u64);
        }
    }

    #[test]
    fn evicted_streams_decode_again_against_the_document_budget() {
        let pdf = two_objects_per_stream(MIB);
        let doc = Document::parse_with_limits(&pdf, &limits(2 * MIB, 12 * MIB)).unwrap();
        // First members of every stream, then second members: each stream is decoded twice.
        let firsts = (0..STREAMS).map(|k| 2 * k + 1);
        let seconds = (0..STREAMS).map(|k| 2 * k + 2);
        let mut outcome = Ok(());
        for num in firsts.chain(seconds) {
            if let Err(error) = doc.get(ObjRef::new(num, 0)) {
                outcome = Err(error);
                break;
            }
        }
        match outcome {
            Err(Error::LimitExceeded { what, .. }) => {
                assert_eq!(what, "inflated bytes of the document")
            }
            other => panic!("expected the document budget, got {other:?}"),
        }
        // Held bytes never included the whole 8 MiB the file decodes to.
        assert!(doc.held_decoded_bytes() <= 2 * MIB as u64);
        // With room for all, the same reads decode each stream once.
        let doc = Document::parse_with_limits(&pdf, &limits(32 * MIB, 12 * MIB)).unwrap();
        for num in (0..STREAMS)
            .map(|k| 2 * k + 1)
            .chain((0..STREAMS).map(|k| 2 * k + 2))
        {
            assert_eq!(member(&doc, num), i64::from(num));
        }
        assert!(doc.held_decoded_bytes() >= (STREAMS as usize * MIB) as u64);
    }
}

#[cfg(test)]
mod revision_tests {
    use super::*;

    fn content(doc: &Document<'_>) -> Vec<u8> {
        match doc.get(ObjRef::new(4, 0)).unwrap() {
            Object::Stream(stream) => stream.raw,
            other => panic!("object 4 is {other:?}"),
        }
    }

    #[test]
    fn an_earlier_revision_reads_the_definitions_it_had() {
        let pdf = include_bytes!("../../testdata/pdf/incremental.pdf");
        let doc = Document::parse(pdf).unwrap();
        let count = doc.sections().len();
        assert_eq!(count, 3);
        assert!(String::from_utf8_lossy(&content(&doc)).contains("revision"));
        let first = doc.revision(count - 1).unwrap();
        assert_eq!(first.sections().len(), 1);
        assert_eq!(
            content(&first).trim_ascii_end(),
            b"BT /F1 24 Tf 72 720 Td (Page 1) Tj ET"
        );
        assert!(first.trailer().get(b"Root").is_some());
        assert_eq!(
            Some(first.startxref()),
            doc.sections().last().map(|s| s.offset)
        );
        // The newest revision is the file; nothing lies before the first section.
        assert_eq!(content(&doc.revision(0).unwrap()), content(&doc));
        assert!(doc.revision(count).is_none());
        assert!(first.revision(1).is_none());
    }

    /// Two empty updates after incremental.pdf, each with `/Prev` naming the file's last
    /// section: the first is cut out of the chain by the second.
    #[test]
    fn a_skipped_revision_is_listed_and_shares_the_sections_it_continues_into() {
        let pdf = include_bytes!("../../testdata/pdf/incremental.pdf");
        let prev = Document::parse(pdf).unwrap().startxref();
        let mut file = pdf.to_vec();
        let update = |file: &mut Vec<u8>| {
            let at = file.len();
            file.extend_from_slice(
                format!(
                    "xref\n0 0\ntrailer\n<< /Size 9 /Root 1 0 R /Prev {prev} >>\nstartxref\n{at}\n%%EOF\n"
                )
                .as_bytes(),
            );
            at as u64
        };
        let skipped = update(&mut file);
        update(&mut file);
        let doc = Document::parse(&file).unwrap();
        assert_eq!(doc.sections().len(), 4);
        let unreached = doc.unreached_revisions();
        let expected = UnreachedRevision {
            startxref: skipped,
            shift: 0,
        };
        assert_eq!(unreached, vec![expected]);
        let view = doc.revision_at(expected).unwrap();
        assert_eq!(view.startxref(), skipped);
        assert_eq!(view.sections().len(), 4);
        // Below the skipped section the view reads the file's own sections, not copies.
        for (own, shared) in view
            .sections()
            .iter()
            .skip(1)
            .zip(doc.sections().iter().skip(1))
        {
            assert!(Rc::ptr_eq(own, shared));
        }
        assert!(!Rc::ptr_eq(&view.sections()[0], &doc.sections()[0]));
        assert_eq!(content(&view), content(&doc));
    }

    /// Revision 1: objects 2 and 1 (the catalog) in object stream 5, whose /Length is object 6,
    /// and an xref stream. Revision 2 redefines object 6 so that the same stream ends before the
    /// catalog: the stream bytes hold `endstream` between the two, so both lengths read.
    fn stream_with_two_lengths() -> Vec<u8> {
        // Bytes between the members are no object's: `endstream` can sit there.
        let second = b"42\nendstream\n";
        let members = format!("2 0 1 {} ", second.len());
        let body = [
            members.as_bytes(),
            second.as_slice(),
            b"<< /Type /Catalog /Pages 3 0 R >>",
        ]
        .concat();
        let short = members.len() + 2;
        let mut out = b"%PDF-1.7\n".to_vec();
        let mut at = [0usize; 8];
        at[5] = out.len();
        out.extend_from_slice(
            format!(
                "5 0 obj\n<< /Type /ObjStm /N 2 /First {} /Length 6 0 R >>\nstream\n",
                members.len()
            )
            .as_bytes(),
        );
        out.extend_from_slice(&body);
        out.extend_from_slice(b"\nendstream\nendobj\n");
        at[6] = out.len();
        out.extend_from_slice(format!("6 0 obj\n{}\nendobj\n", body.len()).as_bytes());
        at[3] = out.len();
        out.extend_from_slice(b"3 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n");
        at[7] = out.len();
        let mut rows = Vec::new();
        for num in 0..8u32 {
            let (kind, field2, field3) = match num {
                1 => (2u8, 5u32, 1u16),
                2 => (2, 5, 0),
                3 | 5 | 6 | 7 => (1, at[num as usize] as u32, 0),
                _ => (0, 0, 0xffff),
            };
            rows.push(kind);
            rows.extend_from_slice(&field2.to_be_bytes());
            rows.extend_from_slice(&field3.to_be_bytes());
        }
        out.extend_from_slice(
            format!(
                "7 0 obj\n<< /Type /XRef /Size 8 /W [1 4 2] /Root 1 0 R /Length {} >>\nstream\n",
                rows.len()
            )
            .as_bytes(),
        );
        out.extend_from_slice(&rows);
        out.extend_from_slice(
            format!("\nendstream\nendobj\nstartxref\n{}\n%%EOF\n", at[7]).as_bytes(),
        );
        let six = out.len();
        out.extend_from_slice(format!("6 0 obj\n{short}\nendobj\n").as_bytes());
        let xref = out.len();
        out.extend_from_slice(
            format!(
                "xref\n6 1\n{six:010} 00000 n \ntrailer\n<< /Size 8 /Root 1 0 R /Prev {} >>\nstartxref\n{xref}\n%%EOF\n",
                at[7]
            )
            .as_bytes(),
        );
        out
    }

    #[test]
    fn a_stream_a_later_revision_reads_differently_is_not_shared_with_the_earlier() {
        let pdf = stream_with_two_lengths();
        let doc = Document::parse(&pdf).unwrap();
        // The file reads the stream cut short: object 2 only.
        assert!(doc.get(ObjRef::new(2, 0)).is_ok());
        assert!(doc.catalog().is_err());
        // The first revision defines the whole stream, whatever the file decoded before.
        let first = doc.revision(1).unwrap();
        let (_, catalog) = first.catalog().unwrap();
        assert!(catalog.has_name(b"Type", b"Catalog"));
    }
}
