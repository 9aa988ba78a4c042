//! Serialising objects (§7.3). Every byte we append goes through here.

use super::lexer::is_regular;
use super::object::{Dict, Object, StringForm};

pub fn write_object(out: &mut Vec<u8>, object: &Object) {
    match object {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Bool(true) => out.extend_from_slice(b"true"),
        Object::Bool(false) => out.extend_from_slice(b"false"),
        Object::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Object::Real(text) => out.extend_from_slice(text.as_bytes()),
        Object::Name(name) => write_name(out, name),
        Object::String(bytes, StringForm::Literal) => write_literal_string(out, bytes),
        Object::String(bytes, StringForm::Hex) => write_hex_string(out, bytes),
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_object(out, item);
            }
            out.push(b']');
        }
        Object::Dict(dict) => write_dict(out, dict),
        Object::Stream(stream) => {
            let mut dict = stream.dict.clone();
            dict.set(
                b"Length".to_vec(),
                Object::Integer(i64::try_from(stream.raw.len()).unwrap_or(i64::MAX)),
            );
            write_dict(out, &dict);
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(&stream.raw);
            out.extend_from_slice(b"\nendstream");
        }
        Object::Ref(r) => out.extend_from_slice(format!("{} {} R", r.num, r.generation).as_bytes()),
    }
}

pub fn write_dict(out: &mut Vec<u8>, dict: &Dict) {
    out.extend_from_slice(b"<<");
    write_dict_entries(out, dict);
    out.extend_from_slice(b">>");
}

/// The `/Key value` pairs of `dict` without the delimiters, for callers that append more.
pub fn write_dict_entries(out: &mut Vec<u8>, dict: &Dict) {
    for (key, value) in dict.iter() {
        write_name(out, key);
        out.push(b' ');
        write_object(out, value);
    }
}

/// `/Name` with every byte outside the regular printable range written as `#xx` (§7.3.5).
pub fn write_name(out: &mut Vec<u8>, name: &[u8]) {
    out.push(b'/');
    for &b in name {
        if is_regular(b) && b != b'#' && (0x21..=0x7e).contains(&b) {
            out.push(b);
        } else {
            out.extend_from_slice(format!("#{b:02X}").as_bytes());
        }
    }
}

/// A literal string with parentheses, backslashes and line ends escaped so it reads back exactly.
pub fn write_literal_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'(');
    for &b in bytes {
        match b {
            b'(' | b')' | b'\\' => {
                out.push(b'\\');
                out.push(b);
            }
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\n' => out.extend_from_slice(b"\\n"),
            _ => out.push(b),
        }
    }
    out.push(b')');
}

pub fn write_hex_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'<');
    for b in bytes {
        out.extend_from_slice(format!("{b:02X}").as_bytes());
    }
    out.push(b'>');
}

/// Writes `num gen obj\n...\nendobj\n`.
pub fn write_indirect(out: &mut Vec<u8>, id: super::ObjRef, object: &Object) {
    out.extend_from_slice(format!("{} {} obj\n", id.num, id.generation).as_bytes());
    write_object(out, object);
    out.extend_from_slice(b"\nendobj\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::lexer::Cursor;
    use crate::pdf::parser::ObjectParser;

    fn round_trip(object: &Object) -> Object {
        let mut out = Vec::new();
        write_object(&mut out, object);
        let mut cursor = Cursor::new(&out, 0);
        ObjectParser::new(&mut cursor, crate::error::Location::Trailer)
            .parse()
            .unwrap()
    }

    #[test]
    fn names_and_strings_round_trip() {
        let name = Object::Name(b"A B#(x)\x00\xff/".to_vec());
        assert_eq!(round_trip(&name), name);
        let string = Object::literal(b"a(b\\c)\r\n\x00)((");
        assert_eq!(round_trip(&string), string);
        let hex = Object::String(vec![0, 1, 0xab], StringForm::Hex);
        assert_eq!(round_trip(&hex), hex);
    }
}
