//! Deterministic PDF generators shared by the benchmarks, the tests (`#[path]` include) and
//! `examples/make_pdfs.rs` (used by the scripts): every input is made on the spot, none is
//! committed.
//!
//! - [`text_pdf`]: pages of uncompressed text (the 50 KB and 1 MB documents);
//! - [`write_image_pdf`]: one page showing one incompressible RGB image (100 MB, 1 GB);
//! - [`write_many_pages_pdf`]: 100,000 pages, page dictionaries in object streams, an xref
//!   stream, a balanced page tree; optionally "poisoned" so that reading any object signing
//!   page 1 or the last page does not need fails;
//! - [`write_sparse_huge_pdf`]: a valid PDF larger than 4 GiB made of a hole in a sparse file.

// Each including crate uses a different subset.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::io::{self, Seek, SeekFrom, Write};

use flate2::Compression;
use flate2::write::ZlibEncoder;

/// Writes objects while counting bytes, and the cross-reference data at the end.
struct PdfOut<W: Write> {
    out: W,
    pos: u64,
    /// (object number, offset) of every object written in the file itself.
    offsets: Vec<(u32, u64)>,
}

impl<W: Write> PdfOut<W> {
    fn new(out: W, version: &str) -> io::Result<Self> {
        let mut pdf = Self {
            out,
            pos: 0,
            offsets: Vec::new(),
        };
        pdf.write(format!("%PDF-{version}\n%\u{e2}\u{e3}\u{cf}\u{d3}\n").as_bytes())?;
        Ok(pdf)
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    fn begin(&mut self, num: u32) -> io::Result<()> {
        self.offsets.push((num, self.pos));
        self.write(format!("{num} 0 obj\n").as_bytes())
    }

    fn object(&mut self, num: u32, body: &str) -> io::Result<()> {
        self.begin(num)?;
        self.write(body.as_bytes())?;
        self.write(b"\nendobj\n")
    }

    fn stream(&mut self, num: u32, extra_keys: &str, data: &[u8]) -> io::Result<()> {
        self.begin(num)?;
        self.write(format!("<< /Length {}{extra_keys} >>\nstream\n", data.len()).as_bytes())?;
        self.write(data)?;
        self.write(b"\nendstream\nendobj\n")
    }

    /// A classic xref table for objects `0..size` (all of them written) and the trailer.
    fn finish_table(mut self, size: u32, root: u32) -> io::Result<W> {
        self.offsets.sort_unstable();
        let xref_at = self.pos;
        let mut table = format!("xref\n0 {size}\n0000000000 65535 f\r\n");
        for (_, offset) in &self.offsets {
            let _ = write!(table, "{offset:010} 00000 n\r\n");
        }
        let _ = write!(
            table,
            "trailer\n<< /Size {size} /Root {root} 0 R >>\nstartxref\n{xref_at}\n%%EOF\n"
        );
        self.write(table.as_bytes())?;
        Ok(self.out)
    }
}

impl<W: Write + Seek> PdfOut<W> {
    /// Leaves `len` bytes unwritten: a hole that reads as zeros.
    fn skip(&mut self, len: u64) -> io::Result<()> {
        let len_i64 = i64::try_from(len).map_err(io::Error::other)?;
        self.out.seek(SeekFrom::Current(len_i64))?;
        self.pos += len;
        Ok(())
    }
}

/// A small fast PRNG: the bytes only need to be incompressible and reproducible.
struct XorShift(u64);

impl XorShift {
    fn fill(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(8) {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            let bytes = self.0.to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

const WORDS: [&str; 16] = [
    "signature",
    "document",
    "organisation",
    "certificate",
    "contract",
    "invoice",
    "amount",
    "between",
    "party",
    "agreed",
    "terms",
    "delivery",
    "payment",
    "seal",
    "authority",
    "date",
];

/// One page of text lines, about `target` bytes; `seed` makes each document different.
fn text_content(target: usize, seed: u64, page: usize) -> String {
    let mut content = String::from("BT /F1 9 Tf 40 800 Td 11 TL\n");
    let mut line = 0usize;
    while content.len() < target {
        let _ = write!(content, "({seed}.{page}.{line}");
        for k in 0..8 {
            let index = (seed as usize)
                .wrapping_mul(31)
                .wrapping_add(page * 7 + line * 3 + k)
                % WORDS.len();
            content.push(' ');
            content.push_str(WORDS[index]);
        }
        content.push_str(") '\n");
        line += 1;
    }
    content.push_str("ET");
    content
}

/// A text document of `pages` pages and about `target_len` bytes (classic xref table).
pub fn text_pdf(pages: usize, target_len: usize, seed: u64) -> Vec<u8> {
    let pages = pages.max(1);
    let per_page = target_len.saturating_sub(600) / pages;
    let per_page = per_page.saturating_sub(160).max(16);
    let build = || -> io::Result<Vec<u8>> {
        let mut pdf = PdfOut::new(Vec::with_capacity(target_len + 4096), "1.7")?;
        let page_num = |i: usize| 4 + 2 * i as u32;
        pdf.object(1, "<< /Type /Catalog /Pages 2 0 R >>")?;
        let kids: Vec<String> = (0..pages).map(|i| format!("{} 0 R", page_num(i))).collect();
        pdf.object(
            2,
            &format!(
                "<< /Type /Pages /Count {pages} /Kids [{}] >>",
                kids.join(" ")
            ),
        )?;
        pdf.object(3, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")?;
        for i in 0..pages {
            let num = page_num(i);
            pdf.object(
                num,
                &format!(
                    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] \
                     /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                    num + 1
                ),
            )?;
            pdf.stream(num + 1, "", text_content(per_page, seed, i).as_bytes())?;
        }
        pdf.finish_table(page_num(pages), 1)
    };
    build().unwrap_or_default()
}

/// One page showing an incompressible RGB image; the file is about `target_len` bytes.
pub fn write_image_pdf<W: Write>(out: W, target_len: u64) -> io::Result<W> {
    const WIDTH: u64 = 4096;
    let height = (target_len / (3 * WIDTH)).max(1);
    let image_len = 3 * WIDTH * height;
    let mut pdf = PdfOut::new(out, "1.7")?;
    pdf.object(1, "<< /Type /Catalog /Pages 2 0 R >>")?;
    pdf.object(2, "<< /Type /Pages /Count 1 /Kids [3 0 R] >>")?;
    pdf.object(
        3,
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] \
         /Resources << /XObject << /Im0 5 0 R >> >> /Contents 4 0 R >>",
    )?;
    pdf.stream(4, "", b"q 595 0 0 842 0 0 cm /Im0 Do Q")?;
    pdf.begin(5)?;
    pdf.write(
        format!(
            "<< /Type /XObject /Subtype /Image /Width {WIDTH} /Height {height} \
             /ColorSpace /DeviceRGB /BitsPerComponent 8 /Length {image_len} >>\nstream\n"
        )
        .as_bytes(),
    )?;
    let mut random = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut chunk = vec![0u8; 1 << 16];
    let mut remaining = image_len;
    while remaining > 0 {
        let n = remaining.min(chunk.len() as u64) as usize;
        random.fill(&mut chunk[..n]);
        pdf.write(&chunk[..n])?;
        remaining -= n as u64;
    }
    pdf.write(b"\nendstream\nendobj\n")?;
    pdf.finish_table(6, 1)
}

/// [`write_image_pdf`] into memory.
pub fn image_pdf(target_len: u64) -> Vec<u8> {
    write_image_pdf(Vec::new(), target_len).unwrap_or_default()
}

/// Page dictionaries per object stream in [`write_many_pages_pdf`].
pub const PAGES_PER_OBJECT_STREAM: usize = 100;
/// Kids per page tree node.
const FAN_OUT: usize = 64;

/// A document of `pages` pages: each page has its own text content stream (~250 bytes); the page
/// dictionaries and page tree nodes live in Flate-compressed object streams; the cross-reference
/// data is one Flate-compressed xref stream.
///
/// With `poison`, every page object stream except the first and the last, and every content
/// stream, is replaced by garbage: the file can be signed on page 1 or on the last page only by a
/// reader that never touches those objects.
pub fn write_many_pages_pdf<W: Write>(out: W, pages: usize, poison: bool) -> io::Result<W> {
    let pages = pages.max(1);
    // Numbering: 1 catalog, 2 font, then the page tree nodes (root first), the pages, their
    // contents, the object streams and finally the xref stream.
    let levels = tree_levels(pages);
    let node_count: usize = levels.iter().map(Vec::len).sum();
    let first_node = 3u32;
    let first_page = first_node + node_count as u32;
    let first_content = first_page + pages as u32;
    let skeleton_stream = first_content + pages as u32;
    let first_page_stream = skeleton_stream + 1;
    let page_streams = pages.div_ceil(PAGES_PER_OBJECT_STREAM);
    let xref_num = first_page_stream + page_streams as u32;
    let size = xref_num + 1;

    // Node numbers, level by level from the root; a node's kids are the next level's nodes, or
    // pages at the last level.
    let mut node_nums = Vec::new();
    let mut next = first_node;
    for level in &levels {
        node_nums.push((next..next + level.len() as u32).collect::<Vec<u32>>());
        next += level.len() as u32;
    }
    let mut skeleton: Vec<(u32, String)> = vec![
        (1, format!("<< /Type /Catalog /Pages {first_node} 0 R >>")),
        (
            2,
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
        ),
    ];
    let mut parent_of_page = vec![0u32; pages];
    for (depth, level) in levels.iter().enumerate() {
        for (i, node) in level.iter().enumerate() {
            let num = node_nums[depth][i];
            let parent = if depth == 0 {
                String::new()
            } else {
                format!(" /Parent {} 0 R", node_nums[depth - 1][node.parent])
            };
            let kids: Vec<String> = node
                .kids
                .clone()
                .map(|k| {
                    if depth + 1 < levels.len() {
                        format!("{} 0 R", node_nums[depth + 1][k])
                    } else {
                        parent_of_page[k] = num;
                        format!("{} 0 R", first_page + k as u32)
                    }
                })
                .collect();
            skeleton.push((
                num,
                format!(
                    "<< /Type /Pages{parent} /Count {} /Kids [{}] >>",
                    node.count,
                    kids.join(" ")
                ),
            ));
        }
    }

    let mut pdf = PdfOut::new(out, "1.7")?;
    let mut entries: Vec<(u32, XrefRow)> = Vec::with_capacity(size as usize);
    for i in 0..pages {
        let num = first_content + i as u32;
        if poison {
            pdf.offsets.push((num, pdf.pos));
            pdf.write(b"% poison: this object must not be read\n")?;
        } else {
            let text = text_content(250, 1, i);
            pdf.stream(num, "", text.as_bytes())?;
        }
    }
    write_object_stream(&mut pdf, skeleton_stream, &skeleton, false, &mut entries)?;
    for group in 0..page_streams {
        let start = group * PAGES_PER_OBJECT_STREAM;
        let end = (start + PAGES_PER_OBJECT_STREAM).min(pages);
        let objects: Vec<(u32, String)> = (start..end)
            .map(|i| {
                (
                    first_page + i as u32,
                    format!(
                        "<< /Type /Page /Parent {} 0 R /MediaBox [0 0 595 842] \
                         /Resources << /Font << /F1 2 0 R >> >> /Contents {} 0 R >>",
                        parent_of_page[i],
                        first_content + i as u32
                    ),
                )
            })
            .collect();
        let garbage = poison && group != 0 && group + 1 != page_streams;
        let num = first_page_stream + group as u32;
        write_object_stream(&mut pdf, num, &objects, garbage, &mut entries)?;
    }
    for &(num, offset) in &pdf.offsets {
        entries.push((num, XrefRow::InFile(offset)));
    }
    let xref_at = pdf.pos;
    entries.push((xref_num, XrefRow::InFile(xref_at)));
    entries.sort_unstable_by_key(|(num, _)| *num);
    let mut rows = vec![0u8, 0, 0, 0, 0, 0xFF, 0xFF];
    for (_, row) in &entries {
        match *row {
            XrefRow::InFile(offset) => {
                rows.push(1);
                rows.extend_from_slice(&(offset as u32).to_be_bytes());
                rows.extend_from_slice(&[0, 0]);
            }
            XrefRow::Compressed(stream, index) => {
                rows.push(2);
                rows.extend_from_slice(&stream.to_be_bytes());
                rows.extend_from_slice(&(index as u16).to_be_bytes());
            }
        }
    }
    let compressed = zlib(&rows)?;
    pdf.begin(xref_num)?;
    pdf.write(
        format!(
            "<< /Type /XRef /Size {size} /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length {} >>\nstream\n",
            compressed.len()
        )
        .as_bytes(),
    )?;
    pdf.write(&compressed)?;
    pdf.write(format!("\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF\n").as_bytes())?;
    Ok(pdf.out)
}

/// [`write_many_pages_pdf`] into memory.
pub fn many_pages_pdf(pages: usize, poison: bool) -> Vec<u8> {
    write_many_pages_pdf(Vec::new(), pages, poison).unwrap_or_default()
}

enum XrefRow {
    InFile(u64),
    Compressed(u32, usize),
}

struct TreeNode {
    parent: usize,
    kids: std::ops::Range<usize>,
    count: usize,
}

/// A balanced page tree: levels from the root down; each node lists a range of the next level
/// (or of the pages, at the last level).
fn tree_levels(pages: usize) -> Vec<Vec<TreeNode>> {
    // Bottom-up: group pages, then group the groups, until one node remains.
    let mut levels: Vec<Vec<TreeNode>> = Vec::new();
    let mut counts: Vec<usize> = vec![1; pages];
    loop {
        let level: Vec<TreeNode> = (0..counts.len().div_ceil(FAN_OUT))
            .map(|g| {
                let kids = g * FAN_OUT..((g + 1) * FAN_OUT).min(counts.len());
                TreeNode {
                    parent: 0,
                    count: counts[kids.clone()].iter().sum(),
                    kids,
                }
            })
            .collect();
        counts = level.iter().map(|n| n.count).collect();
        let done = level.len() == 1;
        levels.push(level);
        if done {
            break;
        }
    }
    levels.reverse();
    for depth in 1..levels.len() {
        let (upper, lower) = levels.split_at_mut(depth);
        for (index, node) in upper[depth - 1].iter().enumerate() {
            for kid in node.kids.clone() {
                lower[0][kid].parent = index;
            }
        }
    }
    levels
}

fn write_object_stream<W: Write>(
    pdf: &mut PdfOut<W>,
    num: u32,
    objects: &[(u32, String)],
    garbage: bool,
    entries: &mut Vec<(u32, XrefRow)>,
) -> io::Result<()> {
    let mut header = String::new();
    let mut body = String::new();
    for (index, (object, text)) in objects.iter().enumerate() {
        let _ = write!(header, "{object} {} ", body.len());
        body.push_str(text);
        body.push('\n');
        entries.push((*object, XrefRow::Compressed(num, index)));
    }
    let first = header.len();
    let mut data = zlib(format!("{header}{body}").as_bytes())?;
    if garbage {
        XorShift(u64::from(num) | 1).fill(&mut data);
    }
    pdf.stream(
        num,
        &format!(
            " /Type /ObjStm /N {} /First {first} /Filter /FlateDecode",
            objects.len()
        ),
        &data,
    )
}

fn zlib(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(data)?;
    encoder.finish()
}

/// A one-page PDF whose content stream is `hole_len` NUL bytes (white space, §7.2.3) left as a
/// hole in a sparse file: a valid document of any size that costs no disk space.
pub fn write_sparse_huge_pdf<W: Write + Seek>(out: W, hole_len: u64) -> io::Result<W> {
    let mut pdf = PdfOut::new(out, "1.7")?;
    pdf.object(1, "<< /Type /Catalog /Pages 2 0 R >>")?;
    pdf.object(2, "<< /Type /Pages /Count 1 /Kids [3 0 R] >>")?;
    pdf.object(
        3,
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
    )?;
    pdf.begin(4)?;
    pdf.write(format!("<< /Length {hole_len} >>\nstream\n").as_bytes())?;
    pdf.skip(hole_len)?;
    pdf.write(b"\nendstream\nendobj\n")?;
    pdf.finish_table(5, 1)
}
