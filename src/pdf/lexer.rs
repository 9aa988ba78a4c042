//! Byte classes and a cursor over the file's bytes (ISO 32000-1 §7.2).

/// White-space characters (Table 1).
pub fn is_whitespace(b: u8) -> bool {
    matches!(b, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// Delimiter characters (Table 2).
pub fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

pub fn is_regular(b: u8) -> bool {
    !is_whitespace(b) && !is_delimiter(b)
}

/// A position in a byte slice with the primitive steps every parser here needs.
#[derive(Clone, Debug)]
pub struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(data: &'a [u8], pos: usize) -> Self {
        Self { data, pos }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn set_pos(&mut self, pos: usize) {
        self.pos = pos;
    }

    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    pub fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    pub fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.data.get(self.pos.checked_add(ahead)?).copied()
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.data.len()
    }

    pub fn advance(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n).min(self.data.len());
    }

    pub fn next_byte(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos = self.pos.saturating_add(1);
        Some(b)
    }

    /// The rest of the data from the cursor on.
    pub fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or_default()
    }

    pub fn starts_with(&self, token: &[u8]) -> bool {
        self.rest().starts_with(token)
    }

    /// Skips white space and comments.
    pub fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            if is_whitespace(b) {
                self.pos = self.pos.saturating_add(1);
            } else if b == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\r' || c == b'\n' {
                        break;
                    }
                    self.pos = self.pos.saturating_add(1);
                }
            } else {
                break;
            }
        }
    }

    /// Consumes `token` if the data continues with it and the token is not followed by a regular
    /// character (so `obj` does not match `object`).
    pub fn eat_keyword(&mut self, token: &[u8]) -> bool {
        if !self.starts_with(token) {
            return false;
        }
        let after = self.pos.saturating_add(token.len());
        if self.data.get(after).is_some_and(|&b| is_regular(b)) {
            return false;
        }
        self.pos = after;
        true
    }

    /// Reads an unsigned decimal integer (no sign), as used in xref data and object headers.
    pub fn read_unsigned(&mut self) -> Option<u64> {
        let start = self.pos;
        let mut value: u64 = 0;
        while let Some(b) = self.peek() {
            if !b.is_ascii_digit() {
                break;
            }
            value = value
                .checked_mul(10)?
                .checked_add(u64::from(b.wrapping_sub(b'0')))?;
            self.pos = self.pos.saturating_add(1);
        }
        if self.pos == start { None } else { Some(value) }
    }

    /// Skips one end-of-line marker (CR, LF or CR LF) if present.
    pub fn skip_eol(&mut self) {
        if self.peek() == Some(b'\r') {
            self.advance(1);
        }
        if self.peek() == Some(b'\n') {
            self.advance(1);
        }
    }
}

/// The last position of `needle` in `haystack`.
pub fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// The first position of `needle` in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}
