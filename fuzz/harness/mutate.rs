//! A structure-aware edit language for the `verify` target. The fuzzer mutates a short program
//! of edits instead of a whole PDF, so every input stays close to a real signed file and the
//! edits land where verification decides things: ByteRange numbers, the /Contents hex string,
//! xref offsets, `/Prev`, `startxref`, object headers.
//!
//! Each edit is `op anchor offset len payload...`:
//! - `op % 8` picks the edit (overwrite, insert, delete, copy a span, swap a token, append,
//!   truncate, rewrite a number);
//! - `anchor` picks a landmark ([`ANCHORS`], nth occurrence) or, for values past the list,
//!   a position scaled over the whole file;
//! - `offset` is added to the landmark; `len` bounds the payload or the span.

/// Landmarks the edits are anchored to.
pub const ANCHORS: &[&[u8]] = &[
    b"/ByteRange",
    b"/Contents",
    b"<30",
    b"startxref",
    b"xref",
    b"trailer",
    b"/Prev",
    b"/Size",
    b" obj",
    b"endobj",
    b"/Type",
    b"/Sig",
    b"/V ",
    b"/Fields",
    b"/AcroForm",
    b"/Root",
    b"/Annots",
    b"stream",
    b"/Length",
    b"%%EOF",
    b"/SubFilter",
    b"/W ",
    b"/Index",
    b"/XRefStm",
];

/// Tokens an edit can put in place of a token.
pub const TOKENS: &[&[u8]] = &[
    b"0",
    b"-1",
    b"4294967296",
    b"99999999999999999999",
    b"0 0 R",
    b"1 0 R",
    b"null",
    b"<>",
    b"<00>",
    b"()",
    b"[]",
    b"<<>>",
    b"[0 0 0 0]",
    b"/ByteRange",
    b"/Contents",
    b"/V",
    b"/Kids",
    b"/Parent",
    b"/Prev",
    b"/XRefStm",
    b"xref\n0 1\n0000000000 65535 f \ntrailer\n<<>>\n",
    b"startxref\n0\n%%EOF\n",
    b"endstream",
    b"endobj",
    b"stream\n",
    b"%%EOF",
    b"/Type/Sig",
    b"/Filter/FlateDecode",
    b"/DecodeParms<</Predictor 12/Columns 5>>",
    b"/Length 0",
    b"(\\",
    b"<<",
];

const MAX_EDITS: usize = 8;
/// A mutated file stays small: the target is verification logic, not memory.
const MAX_GROWTH: usize = 1 << 16;

/// Applies the edits in `program` to a copy of `original`.
pub fn apply(original: &[u8], program: &[u8]) -> Vec<u8> {
    let mut file = original.to_vec();
    let mut rest = program;
    for _ in 0..MAX_EDITS {
        let Some((header, tail)) = rest.split_first_chunk::<4>() else {
            break;
        };
        let [op, anchor, offset, len] = *header;
        let (payload, tail) = tail.split_at(usize::from(len).min(tail.len()));
        rest = tail;
        let at = position(&file, anchor, offset);
        edit(&mut file, op, at, len, payload);
        if file.len() > original.len() + MAX_GROWTH {
            file.truncate(original.len() + MAX_GROWTH);
        }
    }
    file
}

fn position(file: &[u8], anchor: u8, offset: u8) -> usize {
    let index = usize::from(anchor);
    let pos = if let Some(token) = ANCHORS.get(index % 32) {
        // The high bits choose which occurrence (there are several per revision).
        let nth = index / 32;
        occurrences(file, token)
            .nth(nth)
            .or_else(|| occurrences(file, token).last())
            .unwrap_or(0)
    } else {
        file.len() * usize::from(anchor) / 256
    };
    (pos + usize::from(offset)).min(file.len())
}

fn occurrences<'a>(file: &'a [u8], token: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    file.windows(token.len())
        .enumerate()
        .filter(move |(_, w)| *w == token)
        .map(|(i, _)| i)
}

fn edit(file: &mut Vec<u8>, op: u8, at: usize, len: u8, payload: &[u8]) {
    let span_end = (at + usize::from(len)).min(file.len());
    match op % 8 {
        0 => {
            for (slot, &b) in file.iter_mut().skip(at).zip(payload) {
                *slot = b;
            }
        }
        1 => {
            file.splice(at..at, payload.iter().copied());
        }
        2 => {
            file.drain(at..span_end);
        }
        3 => {
            // Copies a span of the file to another landmark: duplicated objects, a second
            // /Contents, a ByteRange from another revision.
            let source = payload
                .first()
                .map_or(0, |&p| file.len() * usize::from(p) / 256);
            let source_end = (source + usize::from(len)).min(file.len());
            let copied: Vec<u8> = file[source..source_end].to_vec();
            file.splice(at..at, copied);
        }
        4 => {
            let token = TOKENS[usize::from(payload.first().copied().unwrap_or(0)) % TOKENS.len()];
            let end = token_end(file, at);
            file.splice(at..end, token.iter().copied());
        }
        5 => file.extend_from_slice(payload),
        6 => file.truncate(at),
        _ => {
            // Rewrites the number at `at` by a small delta, the edit that breaks offsets and
            // ByteRange values by exactly one byte.
            let end = at + file[at..].iter().take_while(|b| b.is_ascii_digit()).count();
            if end > at {
                let value: u64 = std::str::from_utf8(&file[at..end])
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                let delta = i64::from(payload.first().copied().unwrap_or(1) as i8);
                let new = value.saturating_add_signed(delta).to_string();
                file.splice(at..end, new.bytes());
            }
        }
    }
}

/// The end of the token starting at `at` (a run of regular characters, or one delimiter).
fn token_end(file: &[u8], at: usize) -> usize {
    let is_delimiter = |b: u8| b"()<>[]{}/% \t\r\n\x0c\0".contains(&b);
    let run = file[at..].iter().take_while(|&&b| !is_delimiter(b)).count();
    (at + run.max(1)).min(file.len())
}
