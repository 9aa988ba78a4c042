//! The `/ByteRange` and `/Contents` placeholders and their arithmetic (§12.8.1).
//!
//! `/ByteRange [0 a b c]` covers the whole file except the `/Contents` hex string, delimiters
//! included: `a` is the position of `<`, `b` the position after `>`, `a + (b - a) + c` the file length.

use crate::error::{CmsError, Result, Unsupported};

/// Room for `[0 a b c]` with three 20-digit numbers: fits any u64 file size.
pub const BYTE_RANGE_WIDTH: usize = 3 + 3 * 20 + 3;

/// Where the placeholders sit, as positions in the update buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placeholders {
    /// Start of the reserved `[0 ...]` text.
    pub byte_range_at: usize,
    /// Position of `<` of `/Contents`.
    pub contents_start: usize,
    /// Position after `>` of `/Contents`.
    pub contents_end: usize,
}

impl Placeholders {
    /// The bytes of `update` before and after the `/Contents` hex string: with the original
    /// file in front, exactly what the signature covers.
    pub(crate) fn signed_parts<'a>(&self, update: &'a [u8]) -> (&'a [u8], &'a [u8]) {
        let before = update.get(..self.contents_start).unwrap_or_default();
        let after = update.get(self.contents_end..).unwrap_or_default();
        (before, after)
    }
}

/// Writes the two placeholders as the last entries of a dictionary body.
pub fn write_placeholders(buf: &mut Vec<u8>, contents_len: usize) -> Placeholders {
    buf.extend_from_slice(b"/ByteRange ");
    let byte_range_at = buf.len();
    buf.push(b'[');
    buf.resize(byte_range_at.saturating_add(BYTE_RANGE_WIDTH - 1), b' ');
    buf.push(b']');
    buf.extend_from_slice(b"\n/Contents ");
    let contents_start = buf.len();
    buf.push(b'<');
    buf.resize(
        contents_start
            .saturating_add(1)
            .saturating_add(contents_len.saturating_mul(2)),
        b'0',
    );
    buf.push(b'>');
    Placeholders {
        byte_range_at,
        contents_start,
        contents_end: buf.len(),
    }
}

/// The four numbers for a file of `file_len` bytes whose update starts at `update_start`.
pub fn byte_range(
    update_start: u64,
    placeholders: &Placeholders,
    file_len: u64,
) -> Result<[u64; 4]> {
    let overflow = || Unsupported::ByteRangeOverflow;
    let a = update_start
        .checked_add(placeholders.contents_start as u64)
        .ok_or_else(overflow)?;
    let b = update_start
        .checked_add(placeholders.contents_end as u64)
        .ok_or_else(overflow)?;
    let c = file_len.checked_sub(b).ok_or_else(overflow)?;
    Ok([0, a, b, c])
}

/// Writes the final ByteRange over its placeholder (same width; padded with spaces).
pub fn fill_byte_range(
    update: &mut [u8],
    placeholders: &Placeholders,
    range: [u64; 4],
) -> Result<()> {
    let [start, first_len, second_start, second_len] = range;
    let text = format!("[{start} {first_len} {second_start} {second_len}]");
    let end = placeholders.byte_range_at.saturating_add(BYTE_RANGE_WIDTH);
    let slot = update
        .get_mut(placeholders.byte_range_at..end)
        .ok_or(Unsupported::Placeholder {
            placeholder: "ByteRange",
        })?;
    if text.len() > slot.len() {
        return Err(Unsupported::Placeholder {
            placeholder: "ByteRange",
        }
        .into());
    }
    slot.fill(b' ');
    if let Some(head) = slot.get_mut(..text.len()) {
        head.copy_from_slice(text.as_bytes());
    }
    Ok(())
}

/// Writes `der` as hex into the `/Contents` placeholder; the rest stays `0` padding.
pub fn fill_contents(update: &mut [u8], placeholders: &Placeholders, der: &[u8]) -> Result<()> {
    let inner = update
        .get_mut(
            placeholders.contents_start.saturating_add(1)
                ..placeholders.contents_end.saturating_sub(1),
        )
        .ok_or(Unsupported::Placeholder {
            placeholder: "Contents",
        })?;
    if der.len().saturating_mul(2) > inner.len() {
        return Err(CmsError::ContainerTooLarge {
            size: der.len(),
            reserved: inner.len() / 2,
        }
        .into());
    }
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for (pair, byte) in inner.chunks_exact_mut(2).zip(der) {
        let digit = |nibble: u8| HEX.get(usize::from(nibble)).copied().unwrap_or(b'0');
        if let [hi, lo] = pair {
            *hi = digit(byte >> 4);
            *lo = digit(byte & 0x0f);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_excludes_exactly_the_hex_string() {
        let mut buf = b"<</Type/Sig".to_vec();
        let p = write_placeholders(&mut buf, 4);
        buf.extend_from_slice(b">>");
        let update_start = 1000;
        let file_len = update_start + buf.len() as u64;
        let range = byte_range(update_start, &p, file_len).unwrap();
        fill_byte_range(&mut buf, &p, range).unwrap();
        fill_contents(&mut buf, &p, &[0xde, 0xad]).unwrap();
        assert_eq!(buf[p.contents_start], b'<');
        assert_eq!(buf[p.contents_end - 1], b'>');
        assert_eq!(&buf[p.contents_start..p.contents_end], b"<DEAD0000>");
        assert_eq!(range[1] + (range[2] - range[1]) + range[3], file_len);
        assert!(fill_contents(&mut buf, &p, &[0; 5]).is_err());
    }
}
