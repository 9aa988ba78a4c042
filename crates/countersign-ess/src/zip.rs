//! The ZIP archives of DescribeFileUrls with `FileType` ZIP, made while they are downloaded: stored
//! entries (the PDFs are compressed already), front to back with data descriptors, each file
//! streamed from the blob store. Nothing is stored per request: the download link names the files
//! (see [`archive_subject`]), and the archive's length is known before its first byte from the
//! recorded file sizes. No ZIP64: an archive stops at 4 GiB.
//!
//! Entry names come from the uploaders' `FileName`s, so they are made safe to unpack
//! ([`safe_file_name`]): a bare name, never a path, and unique within the archive.

use std::collections::HashSet;
use std::io::{self, Read};
use std::sync::Arc;

use base64::Engine as _;
use flate2::Crc;

use super::error::StoreError;
use super::store::BlobStore;

/// Bit 3: sizes and CRC follow the data; bit 11: names are UTF-8.
const FLAGS: u16 = 0x0808;
/// 1980-01-01 00:00 in MS-DOS form: the archive's bytes do not depend on the clock.
const DOS_DATE: u16 = 0x0021;
const VERSION: u16 = 20;
const LOCAL_HEADER: u64 = 30;
const DESCRIPTOR: u64 = 16;
const DIRECTORY_HEADER: u64 = 46;
const END_RECORD: u64 = 22;
/// What a name that sanitising leaves empty becomes.
const FALLBACK_NAME: &str = "file.pdf";
/// The prefix of an archive's download-token subject (a file id is hex, so never starts so).
const ARCHIVE_PREFIX: &str = "zip~";

fn too_large() -> StoreError {
    StoreError::Rejected("the ZIP archive would exceed 4 GiB".into())
}

/// A name safe to unpack or save under on any system: the last component of `name` (whichever
/// separator, `/` or `\`), without control characters (a NUL would cut it short in C), a drive
/// prefix (`C:`), the characters Windows refuses (`<>:"|?*`, replaced by `_`), surrounding
/// blanks and trailing dots (which Windows drops, merging two names); a Windows device name
/// (`CON`, `NUL`, `COM1`...) gets a `_` in front; nothing left (``, `.`, `..`) is `file.pdf`.
pub(crate) fn safe_file_name(name: &str) -> String {
    let visible: String = name.chars().filter(|c| !c.is_control()).collect();
    let base = visible.rsplit(['/', '\\']).next().unwrap_or_default();
    let base = match base.as_bytes() {
        [drive, b':', ..] if drive.is_ascii_alphabetic() => base.get(2..).unwrap_or_default(),
        _ => base,
    };
    let replaced: String = base
        .chars()
        .map(|c| if "<>:\"|?*".contains(c) { '_' } else { c })
        .collect();
    let trimmed = replaced.trim().trim_end_matches(['.', ' ']);
    if trimmed.is_empty() {
        return FALLBACK_NAME.to_owned();
    }
    if is_windows_device(trimmed) {
        return format!("_{trimmed}");
    }
    trimmed.to_owned()
}

fn is_windows_device(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or_default().trim_end();
    let upper = stem.to_ascii_uppercase();
    matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((upper.starts_with("COM") || upper.starts_with("LPT"))
            && upper.len() == 4
            && upper.as_bytes().get(3).is_some_and(u8::is_ascii_digit))
}

/// `name` (already safe), or with ` (2)`, ` (3)`... before its extension when `taken` has it;
/// compared without case, because Windows and macOS unpack `A.pdf` over `a.pdf`.
fn unique_name(name: &str, taken: &HashSet<String>) -> String {
    if !taken.contains(&name.to_lowercase()) {
        return name.to_owned();
    }
    let (stem, extension) = match name.rfind('.') {
        Some(dot) if dot > 0 => name.split_at(dot),
        _ => (name, ""),
    };
    (2_usize..)
        .map(|n| format!("{stem} ({n}){extension}"))
        .find(|candidate| !taken.contains(&candidate.to_lowercase()))
        .unwrap_or_else(|| name.to_owned())
}

/// The download-token subject of the archive `name` of the files `ids`: `zip~<name in
/// base64url>~<id>~<id>...`. The token's MAC covers it, so the link cannot be changed to name
/// other files; the ids were checked to belong to the caller when the link was made.
pub(crate) fn archive_subject(name: &str, ids: &[&str]) -> String {
    let mut subject = format!(
        "{ARCHIVE_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(name)
    );
    for id in ids {
        subject.push('~');
        subject.push_str(id);
    }
    subject
}

/// The archive name and file ids of an [`archive_subject`]; `None` for a single file's subject.
pub(crate) fn parse_archive_subject(subject: &str) -> Option<(String, Vec<String>)> {
    let mut parts = subject.strip_prefix(ARCHIVE_PREFIX)?.split('~');
    let name = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(parts.next()?)
        .ok()?;
    let name = String::from_utf8(name).ok()?;
    Some((name, parts.map(str::to_owned).collect()))
}

/// One file of an archive.
#[derive(Clone, Debug)]
struct Entry {
    /// Safe and unique within the archive.
    name: String,
    /// Its blob id.
    id: String,
    size: u32,
    /// Of its local header.
    offset: u32,
}

/// The archive of some files, laid out (names, offsets, length) before any byte is read.
#[derive(Clone, Debug)]
pub(crate) struct ZipLayout {
    entries: Vec<Entry>,
    directory_offset: u32,
    len: u64,
}

impl ZipLayout {
    /// `files`: (name as uploaded, blob id, length) in archive order.
    pub(crate) fn new(files: &[(&str, &str, u64)]) -> Result<Self, StoreError> {
        let mut taken = HashSet::with_capacity(files.len());
        let mut entries = Vec::with_capacity(files.len());
        let mut position: u64 = 0;
        let mut directory: u64 = END_RECORD;
        for (name, id, size) in files {
            let name = unique_name(&safe_file_name(name), &taken);
            taken.insert(name.to_lowercase());
            let name_length = u64::try_from(name.len()).map_err(|_| too_large())?;
            entries.push(Entry {
                offset: u32::try_from(position).map_err(|_| too_large())?,
                size: u32::try_from(*size).map_err(|_| too_large())?,
                id: (*id).to_owned(),
                name,
            });
            position = [LOCAL_HEADER, name_length, *size, DESCRIPTOR]
                .into_iter()
                .try_fold(position, u64::checked_add)
                .ok_or_else(too_large)?;
            directory = [DIRECTORY_HEADER, name_length]
                .into_iter()
                .try_fold(directory, u64::checked_add)
                .ok_or_else(too_large)?;
        }
        u16::try_from(entries.len()).map_err(|_| too_large())?;
        let len = position.checked_add(directory).ok_or_else(too_large)?;
        u32::try_from(len).map_err(|_| too_large())?;
        Ok(Self {
            entries,
            directory_offset: u32::try_from(position).map_err(|_| too_large())?,
            len,
        })
    }

    /// The archive's length in bytes.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// The entry names, in order.
    #[cfg(test)]
    fn names(&self) -> Vec<&str> {
        self.entries.iter().map(|e| e.name.as_str()).collect()
    }

    /// The archive's bytes, reading each file from `blobs` when its turn comes.
    pub(crate) fn stream(self, blobs: Arc<dyn BlobStore>) -> ZipStream {
        ZipStream {
            layout: self,
            blobs,
            stage: Stage::Header(0),
            pending: Vec::new(),
            pending_at: 0,
            crcs: Vec::new(),
        }
    }
}

fn local_header(entry: &Entry) -> Vec<u8> {
    let mut header = Vec::with_capacity(30_usize.saturating_add(entry.name.len()));
    header.extend(0x0403_4b50_u32.to_le_bytes());
    header.extend(VERSION.to_le_bytes());
    header.extend(FLAGS.to_le_bytes());
    header.extend(0_u16.to_le_bytes()); // stored
    header.extend(0_u16.to_le_bytes()); // time
    header.extend(DOS_DATE.to_le_bytes());
    header.extend([0_u8; 12]); // CRC and sizes: in the data descriptor
    header.extend(name_length(entry).to_le_bytes());
    header.extend(0_u16.to_le_bytes()); // extra
    header.extend(entry.name.as_bytes());
    header
}

/// Layouts only hold names that fit (checked by [`ZipLayout::new`] through the length).
fn name_length(entry: &Entry) -> u16 {
    u16::try_from(entry.name.len()).unwrap_or(u16::MAX)
}

fn descriptor(crc: u32, size: u32) -> Vec<u8> {
    let mut descriptor = Vec::with_capacity(16);
    descriptor.extend(0x0807_4b50_u32.to_le_bytes());
    descriptor.extend(crc.to_le_bytes());
    descriptor.extend(size.to_le_bytes());
    descriptor.extend(size.to_le_bytes());
    descriptor
}

/// The central directory and the end record, once every entry's CRC is known.
fn directory(layout: &ZipLayout, crcs: &[u32]) -> Vec<u8> {
    let mut directory = Vec::new();
    for (entry, crc) in layout.entries.iter().zip(crcs) {
        directory.extend(0x0201_4b50_u32.to_le_bytes());
        directory.extend(VERSION.to_le_bytes()); // made by
        directory.extend(VERSION.to_le_bytes()); // needed
        directory.extend(FLAGS.to_le_bytes());
        directory.extend(0_u16.to_le_bytes()); // stored
        directory.extend(0_u16.to_le_bytes()); // time
        directory.extend(DOS_DATE.to_le_bytes());
        directory.extend(crc.to_le_bytes());
        directory.extend(entry.size.to_le_bytes());
        directory.extend(entry.size.to_le_bytes());
        directory.extend(name_length(entry).to_le_bytes());
        directory.extend([0_u8; 8]); // extra, comment, disk, internal attributes
        directory.extend(0_u32.to_le_bytes()); // external attributes
        directory.extend(entry.offset.to_le_bytes());
        directory.extend(entry.name.as_bytes());
    }
    let count = u16::try_from(layout.entries.len()).unwrap_or(u16::MAX);
    let size = u32::try_from(directory.len()).unwrap_or(u32::MAX);
    directory.extend(0x0605_4b50_u32.to_le_bytes());
    directory.extend([0_u8; 4]); // this disk, directory disk
    directory.extend(count.to_le_bytes());
    directory.extend(count.to_le_bytes());
    directory.extend(size.to_le_bytes());
    directory.extend(layout.directory_offset.to_le_bytes());
    directory.extend(0_u16.to_le_bytes()); // comment
    directory
}

enum Stage {
    /// The local header of entry N is next.
    Header(usize),
    /// Entry N's bytes, from its blob: read so far, and their CRC.
    Data(usize, Box<dyn Read + Send>, u64, Crc),
    /// The central directory is next.
    Directory,
    Done,
}

/// An archive being read: headers made as they come, each file's bytes read from its blob.
pub(crate) struct ZipStream {
    layout: ZipLayout,
    blobs: Arc<dyn BlobStore>,
    stage: Stage,
    /// Header bytes still to hand out, from `pending_at`.
    pending: Vec<u8>,
    pending_at: usize,
    crcs: Vec<u32>,
}

fn io_error(error: StoreError) -> io::Error {
    match error {
        StoreError::Io(error) => error,
        other => io::Error::other(other.to_string()),
    }
}

impl ZipStream {
    /// Moves to the next stage, queueing its header bytes.
    fn advance(&mut self) -> io::Result<()> {
        self.pending.clear();
        self.pending_at = 0;
        let stage = std::mem::replace(&mut self.stage, Stage::Done);
        self.stage = match stage {
            Stage::Header(index) => match self.layout.entries.get(index) {
                Some(entry) => {
                    self.pending = local_header(entry);
                    let blob = self.blobs.open(&entry.id).map_err(io_error)?;
                    let blob = blob.ok_or_else(|| {
                        io::Error::new(
                            io::ErrorKind::NotFound,
                            format!("file {} no longer exists", entry.id),
                        )
                    })?;
                    Stage::Data(index, blob.reader, 0, Crc::new())
                }
                None => Stage::Directory,
            },
            Stage::Directory => {
                self.pending = directory(&self.layout, &self.crcs);
                Stage::Done
            }
            other => other,
        };
        Ok(())
    }
}

impl Read for ZipStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if let Some(pending) = self
                .pending
                .get(self.pending_at..)
                .filter(|p| !p.is_empty())
            {
                let count = pending.len().min(buf.len());
                buf.get_mut(..count)
                    .unwrap_or_default()
                    .copy_from_slice(pending.get(..count).unwrap_or_default());
                self.pending_at = self.pending_at.saturating_add(count);
                return Ok(count);
            }
            match &mut self.stage {
                Stage::Data(index, reader, read, crc) => {
                    let count = reader.read(buf)?;
                    let expected = self.layout.entries.get(*index).map_or(0, |e| e.size);
                    if count > 0 {
                        crc.update(buf.get(..count).unwrap_or_default());
                        *read = read.saturating_add(u64::try_from(count).unwrap_or(u64::MAX));
                        if *read > u64::from(expected) {
                            return Err(changed_size());
                        }
                        return Ok(count);
                    }
                    if *read != u64::from(expected) {
                        return Err(changed_size());
                    }
                    let (sum, next) = (crc.sum(), index.saturating_add(1));
                    self.crcs.push(sum);
                    self.pending = descriptor(sum, expected);
                    self.pending_at = 0;
                    self.stage = Stage::Header(next);
                }
                Stage::Done => return Ok(0),
                Stage::Header(_) | Stage::Directory => self.advance()?,
            }
        }
    }
}

/// The length announced (Content-Length) was computed from the recorded size: a blob of another
/// size must fail the download rather than send a broken archive.
fn changed_size() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "a file's bytes differ in length from its record",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::DirBlobStore;

    #[test]
    fn names_are_bare_visible_and_safe() {
        for (given, safe) in [
            ("../../../../tmp/x.pdf", "x.pdf"),
            ("/etc/cron.d/evil.pdf", "evil.pdf"),
            ("..\\..\\Windows\\evil.pdf", "evil.pdf"),
            ("C:evil.pdf", "evil.pdf"),
            ("C:\\evil.pdf", "evil.pdf"),
            ("ok\0.pdf/../x", "x"),
            ("a\0b.pdf", "ab.pdf"),
            ("line\nbreak\u{7f}\u{85}.pdf", "linebreak.pdf"),
            ("..", FALLBACK_NAME),
            ("", FALLBACK_NAME),
            ("dir/", FALLBACK_NAME),
            ("  spaced.pdf. . ", "spaced.pdf"),
            ("a:b|c?.pdf", "b_c_.pdf"),
            ("report: v2?.pdf", "report_ v2_.pdf"),
            ("CON.pdf", "_CON.pdf"),
            ("com1", "_com1"),
            ("合同.pdf", "合同.pdf"),
            ("report 2024.pdf", "report 2024.pdf"),
        ] {
            assert_eq!(safe_file_name(given), safe, "{given:?}");
        }
    }

    #[test]
    fn duplicate_names_get_numbers_without_regard_to_case() {
        let layout = ZipLayout::new(&[
            ("a.pdf", "01", 1),
            ("A.PDF", "02", 1),
            ("dir/a.pdf", "03", 1),
            ("a (2).pdf", "04", 1),
            ("noext", "05", 1),
            ("noext", "06", 1),
        ])
        .unwrap();
        assert_eq!(
            layout.names(),
            [
                "a.pdf",
                "A (2).PDF",
                "a (3).pdf",
                "a (2) (2).pdf",
                "noext",
                "noext (2)"
            ]
        );
    }

    #[test]
    fn archive_subjects_round_trip() {
        let subject = archive_subject("合同包.zip", &["00aa", "11bb"]);
        assert!(!subject.contains('.'), "a token splits at dots: {subject}");
        assert_eq!(
            parse_archive_subject(&subject),
            Some(("合同包.zip".to_owned(), vec!["00aa".into(), "11bb".into()]))
        );
        assert_eq!(parse_archive_subject("00aa11bb"), None);
        assert_eq!(parse_archive_subject("zip~%%%~00aa"), None);
    }

    fn read_u16(bytes: &[u8], at: usize) -> usize {
        usize::from(u16::from_le_bytes([bytes[at], bytes[at + 1]]))
    }

    fn read_u32(bytes: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
    }

    #[test]
    fn streamed_archive_has_the_announced_length_and_checks() {
        let dir = crate::testing::TempDir::new("zip-stream");
        let blobs: Arc<dyn BlobStore> = Arc::new(DirBlobStore::open(dir.path()).unwrap());
        let files: [(&str, &str, &[u8]); 3] = [
            ("../a.pdf", "0a0a0a0a", b"%PDF-1"),
            ("合同.pdf", "0b0b0b0b", b""),
            ("a.pdf", "0c0c0c0c", &[7; 200_000]),
        ];
        for (_, id, bytes) in files {
            blobs.put(id, bytes).unwrap();
        }
        let listed: Vec<(&str, &str, u64)> = files
            .iter()
            .map(|(name, id, bytes)| (*name, *id, bytes.len() as u64))
            .collect();
        let layout = ZipLayout::new(&listed).unwrap();
        let len = layout.len();
        let mut out = Vec::new();
        // Small reads cross every boundary between headers and data.
        let mut stream = layout.stream(Arc::clone(&blobs));
        let mut buffer = [0_u8; 7];
        loop {
            let count = stream.read(&mut buffer).unwrap();
            if count == 0 {
                break;
            }
            out.extend_from_slice(&buffer[..count]);
        }
        assert_eq!(out.len() as u64, len);
        // The end record points to the directory, whose entries point to headers and data.
        let end = out.len() - 22;
        assert_eq!(read_u32(&out, end), 0x0605_4b50);
        assert_eq!(read_u16(&out, end + 10), 3);
        let mut at = read_u32(&out, end + 16) as usize;
        for (expected_name, bytes) in [
            ("a.pdf", files[0].2),
            ("合同.pdf", files[1].2),
            ("a (2).pdf", files[2].2),
        ] {
            assert_eq!(read_u32(&out, at), 0x0201_4b50);
            let crc = read_u32(&out, at + 16);
            let size = read_u32(&out, at + 20) as usize;
            let name_len = read_u16(&out, at + 28);
            let offset = read_u32(&out, at + 42) as usize;
            let name = std::str::from_utf8(&out[at + 46..at + 46 + name_len]).unwrap();
            assert_eq!(name, expected_name);
            let local_name_len = read_u16(&out, offset + 26);
            let data = offset + 30 + local_name_len;
            assert_eq!(&out[data..data + size], bytes);
            let mut check = Crc::new();
            check.update(bytes);
            assert_eq!(crc, check.sum());
            assert_eq!(read_u32(&out, data + size), 0x0807_4b50);
            at += 46 + name_len;
        }
    }

    #[test]
    fn a_blob_of_another_length_fails_the_stream() {
        let dir = crate::testing::TempDir::new("zip-changed");
        let blobs: Arc<dyn BlobStore> = Arc::new(DirBlobStore::open(dir.path()).unwrap());
        blobs.put("0a0a0a0a", b"longer than recorded").unwrap();
        let layout = ZipLayout::new(&[("a.pdf", "0a0a0a0a", 4)]).unwrap();
        let error = std::io::copy(&mut layout.stream(blobs), &mut std::io::sink()).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        let missing = ZipLayout::new(&[("a.pdf", "0b0b0b0b", 4)]).unwrap();
        let dir = crate::testing::TempDir::new("zip-missing");
        let empty: Arc<dyn BlobStore> = Arc::new(DirBlobStore::open(dir.path()).unwrap());
        let error = std::io::copy(&mut missing.stream(empty), &mut std::io::sink()).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn an_archive_over_4_gib_is_refused() {
        let huge = [("a.pdf", "0a", u64::from(u32::MAX))];
        assert!(matches!(
            ZipLayout::new(&huge),
            Err(StoreError::Rejected(_))
        ));
    }
}
