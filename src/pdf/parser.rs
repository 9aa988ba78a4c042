//! Parsing direct objects and indirect-object headers from bytes (ISO 32000-1 §7.3).

use super::lexer::{Cursor, is_delimiter, is_regular, is_whitespace};
use super::object::{Dict, ObjRef, Object, StringForm};
use crate::error::{Error, Location, Result};

/// Parses direct objects; `context` names the object being read, for error messages.
pub struct ObjectParser<'a, 'c> {
    pub cursor: &'c mut Cursor<'a>,
    /// Added to positions in messages (the cursor may run over a decoded object stream).
    pub base_offset: u64,
    pub context: Location,
    /// Arrays and dictionaries nested deeper are refused: hostile files nest them to blow the
    /// stack ([`super::Limits::max_nesting`]).
    pub max_depth: usize,
}

impl<'a, 'c> ObjectParser<'a, 'c> {
    pub fn new(cursor: &'c mut Cursor<'a>, context: impl Into<Location>) -> Self {
        Self {
            cursor,
            base_offset: 0,
            context: context.into(),
            max_depth: super::Limits::default().nesting(),
        }
    }

    /// The parser with the nesting limit of `limits`.
    pub fn with_limits(mut self, limits: &super::Limits) -> Self {
        self.max_depth = limits.nesting();
        self
    }

    fn error(&self, reason: impl Into<String>) -> Error {
        let offset = self.base_offset.saturating_add(self.cursor.pos() as u64);
        Error::malformed(self.context, offset, reason)
    }

    pub fn parse(&mut self) -> Result<Object> {
        self.parse_at_depth(0)
    }

    fn parse_at_depth(&mut self, depth: usize) -> Result<Object> {
        if depth > self.max_depth {
            let offset = self.base_offset.saturating_add(self.cursor.pos() as u64);
            return Err(Error::limit(
                "object nesting depth",
                self.max_depth as u64,
                format!("{} at offset {offset}", self.context),
            ));
        }
        self.cursor.skip_ws();
        let Some(b) = self.cursor.peek() else {
            return Err(self.error("unexpected end of data"));
        };
        match b {
            b'/' => {
                self.cursor.advance(1);
                Ok(Object::Name(self.name_body()?))
            }
            b'(' => {
                self.cursor.advance(1);
                Ok(Object::String(
                    self.literal_string_body()?,
                    StringForm::Literal,
                ))
            }
            b'<' if self.cursor.peek_at(1) == Some(b'<') => {
                self.cursor.advance(2);
                Ok(Object::Dict(self.dict_body(depth)?))
            }
            b'<' => {
                self.cursor.advance(1);
                Ok(Object::String(self.hex_string_body()?, StringForm::Hex))
            }
            b'[' => {
                self.cursor.advance(1);
                self.array_body(depth)
            }
            b'+' | b'-' | b'.' | b'0'..=b'9' => self.number_or_reference(),
            _ if self.cursor.eat_keyword(b"true") => Ok(Object::Bool(true)),
            _ if self.cursor.eat_keyword(b"false") => Ok(Object::Bool(false)),
            _ if self.cursor.eat_keyword(b"null") => Ok(Object::Null),
            _ => Err(self.error(format!(
                "unexpected byte 0x{b:02x} where an object should start"
            ))),
        }
    }

    /// A name after its `/`, with `#xx` escapes decoded.
    fn name_body(&mut self) -> Result<Vec<u8>> {
        let mut name = Vec::new();
        while let Some(b) = self.cursor.peek() {
            if !is_regular(b) {
                break;
            }
            self.cursor.advance(1);
            if b == b'#' {
                let hi = self.cursor.peek().and_then(hex_value);
                let lo = self.cursor.peek_at(1).and_then(hex_value);
                if let (Some(hi), Some(lo)) = (hi, lo) {
                    self.cursor.advance(2);
                    name.push(hi << 4 | lo);
                    continue;
                }
            }
            name.push(b);
        }
        Ok(name)
    }

    fn literal_string_body(&mut self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut depth: usize = 0;
        loop {
            let Some(b) = self.cursor.next_byte() else {
                return Err(self.error("unterminated literal string"));
            };
            match b {
                b'(' => {
                    depth = depth.saturating_add(1);
                    out.push(b);
                }
                b')' if depth == 0 => return Ok(out),
                b')' => {
                    depth = depth.saturating_sub(1);
                    out.push(b);
                }
                b'\\' => self.string_escape(&mut out)?,
                b'\r' => {
                    // An unescaped end-of-line in a literal string reads as a single LF.
                    if self.cursor.peek() == Some(b'\n') {
                        self.cursor.advance(1);
                    }
                    out.push(b'\n');
                }
                _ => out.push(b),
            }
        }
    }

    fn string_escape(&mut self, out: &mut Vec<u8>) -> Result<()> {
        let Some(b) = self.cursor.next_byte() else {
            return Err(self.error("unterminated literal string"));
        };
        match b {
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'\r' => {
                if self.cursor.peek() == Some(b'\n') {
                    self.cursor.advance(1);
                }
            }
            b'\n' => {}
            b'0'..=b'7' => {
                let mut value = u32::from(b.wrapping_sub(b'0'));
                for _ in 0..2 {
                    match self.cursor.peek() {
                        Some(d @ b'0'..=b'7') => {
                            value = value
                                .saturating_mul(8)
                                .saturating_add(u32::from(d.wrapping_sub(b'0')));
                            self.cursor.advance(1);
                        }
                        _ => break,
                    }
                }
                // High-order overflow is ignored (§7.3.4.2).
                out.push((value & 0xff) as u8);
            }
            other => out.push(other),
        }
        Ok(())
    }

    fn hex_string_body(&mut self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut high: Option<u8> = None;
        loop {
            let Some(b) = self.cursor.next_byte() else {
                return Err(self.error("unterminated hex string"));
            };
            if b == b'>' {
                break;
            }
            if is_whitespace(b) {
                continue;
            }
            let Some(v) = hex_value(b) else {
                return Err(self.error(format!("byte 0x{b:02x} in a hex string")));
            };
            match high.take() {
                Some(h) => out.push(h << 4 | v),
                None => high = Some(v),
            }
        }
        // An odd final digit is followed by an implied 0.
        if let Some(h) = high {
            out.push(h << 4);
        }
        Ok(out)
    }

    fn dict_body(&mut self, depth: usize) -> Result<Dict> {
        let mut dict = Dict::new();
        loop {
            self.cursor.skip_ws();
            match self.cursor.peek() {
                None => return Err(self.error("unterminated dictionary")),
                Some(b'>') if self.cursor.peek_at(1) == Some(b'>') => {
                    self.cursor.advance(2);
                    return Ok(dict);
                }
                Some(b'/') => {
                    self.cursor.advance(1);
                    let key = self.name_body()?;
                    let value = self.parse_at_depth(depth.saturating_add(1))?;
                    // A null value is the same as an absent key (§7.3.7).
                    if value != Object::Null {
                        dict.set(key, value);
                    }
                }
                Some(b) => {
                    return Err(
                        self.error(format!("dictionary key expected, found byte 0x{b:02x}"))
                    );
                }
            }
        }
    }

    fn array_body(&mut self, depth: usize) -> Result<Object> {
        let mut items = Vec::new();
        loop {
            self.cursor.skip_ws();
            match self.cursor.peek() {
                None => return Err(self.error("unterminated array")),
                Some(b']') => {
                    self.cursor.advance(1);
                    return Ok(Object::Array(items));
                }
                Some(_) => items.push(self.parse_at_depth(depth.saturating_add(1))?),
            }
        }
    }

    fn number_or_reference(&mut self) -> Result<Object> {
        let start = self.cursor.pos();
        let token = self.number_token();
        let Some(first) = parse_integer(token) else {
            return self.real_from(token, start);
        };
        // `num gen R`: look ahead without consuming unless the whole pattern is there.
        let after_first = self.cursor.pos();
        if let Some(reference) = self.try_reference_tail(first) {
            return Ok(Object::Ref(reference));
        }
        self.cursor.set_pos(after_first);
        Ok(Object::Integer(first))
    }

    fn try_reference_tail(&mut self, num: i64) -> Option<ObjRef> {
        let num = u32::try_from(num).ok()?;
        if !self.cursor.peek().is_some_and(is_whitespace) {
            return None;
        }
        self.cursor.skip_ws();
        let generation = self.cursor.read_unsigned()?;
        let generation = u16::try_from(generation).ok()?;
        if !self.cursor.peek().is_some_and(is_whitespace) {
            return None;
        }
        self.cursor.skip_ws();
        if self.cursor.eat_keyword(b"R") {
            Some(ObjRef::new(num, generation))
        } else {
            None
        }
    }

    fn number_token(&mut self) -> &'a [u8] {
        let data = self.cursor.data();
        let start = self.cursor.pos();
        while let Some(b) = self.cursor.peek() {
            if is_whitespace(b) || is_delimiter(b) {
                break;
            }
            self.cursor.advance(1);
        }
        data.get(start..self.cursor.pos()).unwrap_or_default()
    }

    fn real_from(&self, token: &[u8], start: usize) -> Result<Object> {
        if is_real(token) {
            // Checked to be ASCII digits, sign and one dot, so valid UTF-8.
            return Ok(Object::Real(String::from_utf8_lossy(token).into_owned()));
        }
        let offset = self.base_offset.saturating_add(start as u64);
        Err(Error::malformed(
            self.context,
            offset,
            format!("bad number {:?}", String::from_utf8_lossy(token)),
        ))
    }
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|v| u8::try_from(v).ok())
}

/// `[+-]?digits`, fitting in i64.
pub fn parse_integer(token: &[u8]) -> Option<i64> {
    let (negative, digits) = match token.split_first()? {
        (b'-', rest) => (true, rest),
        (b'+', rest) => (false, rest),
        _ => (false, token),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut value: i64 = 0;
    for &d in digits {
        value = value
            .checked_mul(10)?
            .checked_add(i64::from(d.wrapping_sub(b'0')))?;
    }
    if negative {
        value.checked_neg()
    } else {
        Some(value)
    }
}

/// `[+-]?digits.digits` with at least one digit (`.5`, `5.`, `-.002`).
fn is_real(token: &[u8]) -> bool {
    let body = match token.first() {
        Some(b'+' | b'-') => token.get(1..).unwrap_or_default(),
        _ => token,
    };
    let dots = body.iter().filter(|&&b| b == b'.').count();
    let digits = body.iter().filter(|b| b.is_ascii_digit()).count();
    dots == 1 && digits >= 1 && digits.saturating_add(dots) == body.len()
}

/// Reads `num gen obj` at the cursor.
pub fn parse_object_header(cursor: &mut Cursor<'_>) -> Option<ObjRef> {
    cursor.skip_ws();
    let num = u32::try_from(cursor.read_unsigned()?).ok()?;
    if !cursor.peek().is_some_and(is_whitespace) {
        return None;
    }
    cursor.skip_ws();
    let generation = u16::try_from(cursor.read_unsigned()?).ok()?;
    cursor.skip_ws();
    if cursor.eat_keyword(b"obj") {
        Some(ObjRef::new(num, generation))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &[u8]) -> Result<Object> {
        let mut cursor = Cursor::new(text, 0);
        ObjectParser::new(&mut cursor, Location::Trailer).parse()
    }

    #[test]
    fn parses_each_kind() {
        assert_eq!(parse(b"  42 ").unwrap(), Object::Integer(42));
        assert_eq!(parse(b"-3.50").unwrap(), Object::Real("-3.50".into()));
        assert_eq!(parse(b"12 0 R").unwrap(), Object::Ref(ObjRef::new(12, 0)));
        assert_eq!(parse(b"/A#20B").unwrap(), Object::Name(b"A B".to_vec()));
        assert_eq!(
            parse(b"(a\\(b\\)\\101\r\n)").unwrap(),
            Object::literal(b"a(b)A\n")
        );
        assert_eq!(
            parse(b"<41 4>").unwrap(),
            Object::String(b"A@".to_vec(), StringForm::Hex)
        );
        let dict = parse(b"<</K [1 2 0 R /N] /Z null>>").unwrap();
        let dict = dict.as_dict().unwrap();
        assert_eq!(dict.len(), 1);
        assert_eq!(
            dict.get(b"K").unwrap(),
            &Object::Array(vec![
                Object::Integer(1),
                Object::Ref(ObjRef::new(2, 0)),
                Object::name("N")
            ])
        );
    }

    #[test]
    fn integers_not_followed_by_r_stay_integers() {
        let mut cursor = Cursor::new(b"[1 2 3]", 0);
        let obj = ObjectParser::new(&mut cursor, Location::Trailer)
            .parse()
            .unwrap();
        assert_eq!(
            obj,
            Object::Array(vec![
                Object::Integer(1),
                Object::Integer(2),
                Object::Integer(3)
            ])
        );
    }

    #[test]
    fn hostile_inputs_are_errors() {
        assert!(parse(&[b'['; 10_000]).is_err());
        assert!(parse(b"<< /A").is_err());
        assert!(parse(b"(abc").is_err());
        assert!(parse(b"99999999999999999999999").is_err());
        assert!(parse(b"<<1 2>>").is_err());
    }
}
