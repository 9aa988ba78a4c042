//! Decoding the stream filters signing needs: FlateDecode with PNG/TIFF predictors, as used by
//! xref streams and object streams.

use std::io::Read;

use super::object::{Dict, Object};

/// Why a stream could not be decoded (the caller adds which object it was).
#[derive(Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// Decoding would exceed the bytes the caller allowed.
    Limit,
    /// The data is not what its filters say.
    Invalid(String),
}

impl From<&str> for DecodeError {
    fn from(reason: &str) -> Self {
        DecodeError::Invalid(reason.to_string())
    }
}

/// Applies the stream's `/Filter` chain to `raw`. Every filter's output is taken from `budget`
/// (bytes): a tiny deflate bomb stops at the budget instead of exhausting memory.
pub fn decode_stream(dict: &Dict, raw: &[u8], budget: &mut u64) -> Result<Vec<u8>, DecodeError> {
    let filters = filter_names(dict.get(b"Filter"));
    let params = dict.get(b"DecodeParms").or_else(|| dict.get(b"DP"));
    let mut data = raw.to_vec();
    for (index, filter) in filters.iter().enumerate() {
        let parms = match params {
            Some(Object::Array(list)) => list.get(index).and_then(Object::as_dict),
            Some(other) => other.as_dict(),
            None => None,
        };
        data = match filter.as_slice() {
            b"FlateDecode" | b"Fl" => unpredict(inflate(&data, budget)?, parms)?,
            // The security handler decrypted the stream when the object was read (§7.4.10).
            b"Crypt" => data,
            other => {
                return Err(DecodeError::Invalid(format!(
                    "unsupported filter /{}",
                    String::from_utf8_lossy(other)
                )));
            }
        };
    }
    Ok(data)
}

fn filter_names(filter: Option<&Object>) -> Vec<Vec<u8>> {
    match filter {
        Some(Object::Name(n)) => vec![n.clone()],
        Some(Object::Array(list)) => list
            .iter()
            .filter_map(|o| o.as_name().map(<[u8]>::to_vec))
            .collect(),
        _ => Vec::new(),
    }
}

fn inflate(data: &[u8], budget: &mut u64) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    let decoder = flate2::read::ZlibDecoder::new(data);
    let result = decoder.take(budget.saturating_add(1)).read_to_end(&mut out);
    let len = out.len() as u64;
    if len > *budget {
        *budget = 0;
        return Err(DecodeError::Limit);
    }
    *budget = budget.saturating_sub(len);
    match result {
        Ok(_) => Ok(out),
        // Many writers end the zlib stream without its checksum; keep what was inflated.
        Err(_) if !out.is_empty() => Ok(out),
        Err(e) => Err(DecodeError::Invalid(format!("FlateDecode failed: {e}"))),
    }
}

fn param(parms: Option<&Dict>, key: &[u8], default: i64) -> i64 {
    parms
        .and_then(|p| p.get(key))
        .and_then(Object::as_i64)
        .unwrap_or(default)
}

/// Undoes a PNG (10..15) or TIFF (2) predictor.
fn unpredict(data: Vec<u8>, parms: Option<&Dict>) -> Result<Vec<u8>, DecodeError> {
    let predictor = param(parms, b"Predictor", 1);
    if predictor <= 1 {
        return Ok(data);
    }
    let colors = param(parms, b"Colors", 1);
    let bits = param(parms, b"BitsPerComponent", 8);
    let columns = param(parms, b"Columns", 1);
    let bits_per_pixel = colors
        .checked_mul(bits)
        .filter(|&b| (1..=64).contains(&b))
        .ok_or("bad predictor Colors/BitsPerComponent")?;
    let row_bits = columns
        .checked_mul(bits_per_pixel)
        .filter(|&b| b > 0 && b <= 1 << 30)
        .ok_or("bad predictor Columns")?;
    let row_len = bytes_for_bits(row_bits).ok_or("bad predictor row")?;
    let pixel_len = bytes_for_bits(bits_per_pixel).ok_or("bad predictor pixel")?;
    if predictor == 2 {
        return Ok(tiff_unpredict(data, row_len, pixel_len, bits));
    }
    png_unpredict(&data, row_len, pixel_len)
}

fn tiff_unpredict(mut data: Vec<u8>, row_len: usize, pixel_len: usize, bits: i64) -> Vec<u8> {
    if bits != 8 {
        return data;
    }
    for row in data.chunks_mut(row_len) {
        for i in pixel_len..row.len() {
            let left = byte_before(row, i, pixel_len);
            if let Some(b) = row.get_mut(i) {
                *b = b.wrapping_add(left);
            }
        }
    }
    data
}

fn png_unpredict(data: &[u8], row_len: usize, pixel_len: usize) -> Result<Vec<u8>, DecodeError> {
    let stride = row_len.checked_add(1).ok_or("bad predictor row")?;
    let mut out = Vec::with_capacity(data.len());
    // Rows are decoded as long as the data gives them, never padded to `/Columns`: a tiny stream
    // claiming a huge row width must not turn into a huge allocation (the missing bytes of a short
    // last row are simply absent, and the reader reports the stream as too short).
    let mut previous: Vec<u8> = Vec::new();
    for chunk in data.chunks(stride) {
        let Some((&kind, encoded)) = chunk.split_first() else {
            continue;
        };
        let mut row = encoded.to_vec();
        for i in 0..row.len() {
            let left = byte_before(&row, i, pixel_len);
            let up = previous.get(i).copied().unwrap_or(0);
            let up_left = byte_before(&previous, i, pixel_len);
            let add = match kind {
                0 => 0,
                1 => left,
                2 => up,
                3 => average(left, up),
                4 => paeth(left, up, up_left),
                other => {
                    return Err(DecodeError::Invalid(format!(
                        "unknown PNG predictor type {other}"
                    )));
                }
            };
            if let Some(b) = row.get_mut(i) {
                *b = b.wrapping_add(add);
            }
        }
        out.extend_from_slice(&row);
        previous = row;
    }
    Ok(out)
}

/// The byte `distance` before `i` in `row`, or 0 before the row's start (PNG's convention).
fn byte_before(row: &[u8], i: usize, distance: usize) -> u8 {
    i.checked_sub(distance)
        .and_then(|j| row.get(j))
        .copied()
        .unwrap_or(0)
}

/// Whole bytes holding `bits` bits.
fn bytes_for_bits(bits: i64) -> Option<usize> {
    usize::try_from(bits).ok().map(|b| b.div_ceil(8))
}

fn average(a: u8, b: u8) -> u8 {
    // Both fit in u8, so their mean does too.
    u8::try_from(u16::from(a).saturating_add(u16::from(b)) / 2).unwrap_or(u8::MAX)
}

/// The Paeth predictor (PNG spec §9.4); u8 inputs keep every i16 step far from overflow.
fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let (a16, b16, c16) = (i16::from(a), i16::from(b), i16::from(c));
    let p = a16.saturating_add(b16).saturating_sub(c16);
    let pa = p.saturating_sub(a16).saturating_abs();
    let pb = p.saturating_sub(b16).saturating_abs();
    let pc = p.saturating_sub(c16).saturating_abs();
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}
