//! A minimal ZIP writer for DescribeFileUrls with `FileType` ZIP: stored entries (the PDFs are
//! compressed already), written front to back with data descriptors so each file streams from the
//! blob store into the archive without being held in memory. No ZIP64: an archive stops at 4 GiB.

use std::io::{Read, Write};

use flate2::Crc;

use super::error::StoreError;

/// Bit 3: sizes and CRC follow the data; bit 11: names are UTF-8.
const FLAGS: u16 = 0x0808;
/// 1980-01-01 00:00 in MS-DOS form: the archive's bytes do not depend on the clock.
const DOS_DATE: u16 = 0x0021;
const VERSION: u16 = 20;

struct Written {
    name: String,
    crc: u32,
    size: u32,
    offset: u32,
}

/// Writes `entries` (name, contents) as one ZIP archive into `out`.
pub struct ZipWriter<'w> {
    out: &'w mut dyn Write,
    position: u64,
    written: Vec<Written>,
}

fn too_large() -> StoreError {
    StoreError::Rejected("the ZIP archive would exceed 4 GiB".into())
}

impl<'w> ZipWriter<'w> {
    pub fn new(out: &'w mut dyn Write) -> Self {
        Self {
            out,
            position: 0,
            written: Vec::new(),
        }
    }

    fn emit(&mut self, bytes: &[u8]) -> Result<(), StoreError> {
        self.out.write_all(bytes)?;
        let length = u64::try_from(bytes.len()).map_err(|_| too_large())?;
        self.position = self.position.checked_add(length).ok_or_else(too_large)?;
        Ok(())
    }

    fn offset(&self) -> Result<u32, StoreError> {
        u32::try_from(self.position).map_err(|_| too_large())
    }

    /// Adds one file, read to its end from `contents`. A name already used gets ` (2)`, ` (3)`…
    /// before its extension, so that unpacking never overwrites one file with another.
    pub fn add(&mut self, name: &str, contents: &mut dyn Read) -> Result<(), StoreError> {
        let name = self.unique_name(name);
        let offset = self.offset()?;
        let name_length = u16::try_from(name.len()).map_err(|_| too_large())?;
        let mut header = Vec::with_capacity(30_usize.saturating_add(name.len()));
        header.extend(0x0403_4b50_u32.to_le_bytes());
        header.extend(VERSION.to_le_bytes());
        header.extend(FLAGS.to_le_bytes());
        header.extend(0_u16.to_le_bytes()); // stored
        header.extend(0_u16.to_le_bytes()); // time
        header.extend(DOS_DATE.to_le_bytes());
        header.extend([0_u8; 12]); // CRC and sizes: in the data descriptor
        header.extend(name_length.to_le_bytes());
        header.extend(0_u16.to_le_bytes()); // extra
        header.extend(name.as_bytes());
        self.emit(&header)?;
        let mut crc = Crc::new();
        let mut size: u64 = 0;
        let mut buffer = vec![0_u8; 64 * 1024];
        loop {
            let read = contents.read(&mut buffer)?;
            let Some(chunk) = buffer.get(..read).filter(|chunk| !chunk.is_empty()) else {
                break;
            };
            crc.update(chunk);
            size = size.saturating_add(u64::try_from(read).unwrap_or(u64::MAX));
            self.emit(chunk)?;
        }
        let size = u32::try_from(size).map_err(|_| too_large())?;
        let mut descriptor = Vec::with_capacity(16);
        descriptor.extend(0x0807_4b50_u32.to_le_bytes());
        descriptor.extend(crc.sum().to_le_bytes());
        descriptor.extend(size.to_le_bytes());
        descriptor.extend(size.to_le_bytes());
        self.emit(&descriptor)?;
        self.written.push(Written {
            name,
            crc: crc.sum(),
            size,
            offset,
        });
        Ok(())
    }

    fn unique_name(&self, name: &str) -> String {
        let taken = |candidate: &str| self.written.iter().any(|w| w.name == candidate);
        if !taken(name) {
            return name.to_owned();
        }
        let (stem, extension) = match name.rfind('.') {
            Some(dot) if dot > 0 => name.split_at(dot),
            _ => (name, ""),
        };
        (2_usize..)
            .map(|n| format!("{stem} ({n}){extension}"))
            .find(|candidate| !taken(candidate))
            .unwrap_or_else(|| name.to_owned())
    }

    /// Writes the central directory and the end record.
    pub fn finish(mut self) -> Result<(), StoreError> {
        let directory_offset = self.offset()?;
        let mut directory = Vec::new();
        for entry in &self.written {
            let name_length = u16::try_from(entry.name.len()).map_err(|_| too_large())?;
            directory.extend(0x0201_4b50_u32.to_le_bytes());
            directory.extend(VERSION.to_le_bytes()); // made by
            directory.extend(VERSION.to_le_bytes()); // needed
            directory.extend(FLAGS.to_le_bytes());
            directory.extend(0_u16.to_le_bytes()); // stored
            directory.extend(0_u16.to_le_bytes()); // time
            directory.extend(DOS_DATE.to_le_bytes());
            directory.extend(entry.crc.to_le_bytes());
            directory.extend(entry.size.to_le_bytes());
            directory.extend(entry.size.to_le_bytes());
            directory.extend(name_length.to_le_bytes());
            directory.extend([0_u8; 8]); // extra, comment, disk, internal attributes
            directory.extend(0_u32.to_le_bytes()); // external attributes
            directory.extend(entry.offset.to_le_bytes());
            directory.extend(entry.name.as_bytes());
        }
        let count = u16::try_from(self.written.len()).map_err(|_| too_large())?;
        let directory_size = u32::try_from(directory.len()).map_err(|_| too_large())?;
        self.emit(&directory)?;
        let mut end = Vec::with_capacity(22);
        end.extend(0x0605_4b50_u32.to_le_bytes());
        end.extend([0_u8; 4]); // this disk, directory disk
        end.extend(count.to_le_bytes());
        end.extend(count.to_le_bytes());
        end.extend(directory_size.to_le_bytes());
        end.extend(directory_offset.to_le_bytes());
        end.extend(0_u16.to_le_bytes()); // comment
        self.emit(&end)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut zip = ZipWriter::new(&mut out);
        for (name, mut bytes) in entries.iter().copied() {
            zip.add(name, &mut bytes).unwrap();
        }
        zip.finish().unwrap();
        out
    }

    #[test]
    fn stored_archive_layout() {
        let out = archive(&[("a.pdf", b"%PDF-1"), ("合同.pdf", b""), ("a.pdf", b"xyz")]);
        assert!(out.starts_with(&0x0403_4b50_u32.to_le_bytes()));
        // CRC-32 of "%PDF-1" in the first data descriptor, right after the 6 data bytes.
        let descriptor = 30 + 5 + 6;
        assert_eq!(
            &out[descriptor..descriptor + 4],
            &0x0807_4b50_u32.to_le_bytes()
        );
        let end = &out[out.len() - 22..];
        assert_eq!(&end[..4], &0x0605_4b50_u32.to_le_bytes());
        assert_eq!(u16::from_le_bytes([end[10], end[11]]), 3);
        let text = String::from_utf8_lossy(&out);
        assert!(text.contains("a (2).pdf"), "a duplicate name is renamed");
        assert!(text.contains("合同.pdf"));
    }
}
