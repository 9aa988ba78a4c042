//! BER to DER for CMS blobs: some signers (Java, older Windows) write SignedData with
//! indefinite lengths. Only the length form changes; tags and contents stay as written, so the
//! signature over the signed attributes (always DER-encoded for signing, RFC 5652 §5.4) verifies
//! the same.

/// Nesting deeper than this is not a real SignedData.
const MAX_DEPTH: usize = 64;

/// The first BER element of `input` re-written with definite lengths, or `None` when `input`
/// does not start with a well-formed element.
pub fn to_definite_lengths(input: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len());
    convert(input, 0, &mut out, 0)?;
    Some(out)
}

/// Total length (header and content) of the element at the start of `input`, in whatever
/// length form it is written.
pub fn element_len(input: &[u8]) -> Option<usize> {
    convert(input, 0, &mut Vec::new(), 0)
}

/// Converts the element at `pos`, appends it to `out`, returns the position after it.
fn convert(input: &[u8], pos: usize, out: &mut Vec<u8>, depth: usize) -> Option<usize> {
    if depth > MAX_DEPTH {
        return None;
    }
    let tag_end = tag_end(input, pos)?;
    let tag = input.get(pos..tag_end)?;
    let constructed = tag.first()? & 0x20 != 0;
    let (length, content_start) = read_length(input, tag_end)?;
    let mut content = Vec::new();
    let end = match length {
        Some(len) => {
            let end = content_start.checked_add(len)?;
            if constructed {
                let mut at = content_start;
                while at < end {
                    at = convert(input.get(..end)?, at, &mut content, depth.saturating_add(1))?;
                }
            } else {
                content.extend_from_slice(input.get(content_start..end)?);
            }
            end
        }
        None => {
            if !constructed {
                return None;
            }
            let mut at = content_start;
            loop {
                if input.get(at..at.checked_add(2)?)? == [0, 0] {
                    break at.checked_add(2)?;
                }
                at = convert(input, at, &mut content, depth.saturating_add(1))?;
            }
        }
    };
    out.extend_from_slice(tag);
    write_length(out, content.len());
    out.extend_from_slice(&content);
    Some(end)
}

fn tag_end(input: &[u8], pos: usize) -> Option<usize> {
    let first = *input.get(pos)?;
    let mut at = pos.checked_add(1)?;
    if first & 0x1f == 0x1f {
        // High tag number: base-128 bytes, the last without the top bit.
        while input.get(at)? & 0x80 != 0 {
            at = at.checked_add(1)?;
        }
        at = at.checked_add(1)?;
    }
    Some(at)
}

/// `(Some(length) | None for indefinite, content start)`.
fn read_length(input: &[u8], pos: usize) -> Option<(Option<usize>, usize)> {
    let first = *input.get(pos)?;
    let next = pos.checked_add(1)?;
    if first < 0x80 {
        return Some((Some(usize::from(first)), next));
    }
    if first == 0x80 {
        return Some((None, next));
    }
    let count = usize::from(first & 0x7f);
    if count > std::mem::size_of::<usize>() {
        return None;
    }
    let bytes = input.get(next..next.checked_add(count)?)?;
    let len = bytes.iter().try_fold(0usize, |acc, &b| {
        acc.checked_mul(256)?.checked_add(usize::from(b))
    })?;
    Some((Some(len), next.checked_add(count)?))
}

fn write_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    let significant = bytes.get(skip..).unwrap_or_default();
    out.push(0x80 | significant.len() as u8);
    out.extend_from_slice(significant);
}

/// The first DER element of `bytes` (a `/Contents` value is followed by zero padding).
pub(crate) fn first_der_element(bytes: &[u8]) -> Option<&[u8]> {
    bytes.get(..element_len(bytes)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indefinite_lengths_become_definite() {
        // SEQUENCE (indefinite) { INTEGER 5, SEQUENCE (indefinite) { NULL } } then padding.
        let ber = [
            0x30, 0x80, 0x02, 0x01, 0x05, 0x30, 0x80, 0x05, 0x00, 0, 0, 0, 0, 0, 0,
        ];
        let der = to_definite_lengths(&ber).unwrap();
        assert_eq!(der, [0x30, 0x07, 0x02, 0x01, 0x05, 0x30, 0x02, 0x05, 0x00]);
    }

    #[test]
    fn der_is_unchanged_and_garbage_is_refused() {
        let der = [0x30, 0x03, 0x02, 0x01, 0x07];
        assert_eq!(to_definite_lengths(&der).unwrap(), der);
        assert!(to_definite_lengths(&[0x30, 0x80, 0x02]).is_none());
        assert!(to_definite_lengths(&[0x04, 0x80, 0, 0]).is_none());
        assert!(to_definite_lengths(&[]).is_none());
    }
}
