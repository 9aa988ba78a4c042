//! The PDF object model. Reals keep their original text so that rewriting an existing object never
//! changes a number (lopdf stores them as f32, which would alter e.g. a MediaBox of a certified file).

use std::fmt;

/// An indirect reference `num gen R`: how errors name an object of the file (`Display` prints
/// `12 0 R`).
///
/// # Examples
///
/// ```
/// use countersign::{Error, ObjRef};
///
/// let page = ObjRef::new(3, 0);
/// assert_eq!(page.to_string(), "3 0 R");
/// let missing = Error::MissingObject { object: page, object_stream: Some(ObjRef::new(9, 0)) };
/// assert_eq!(missing.to_string(), "object 3 0 R is referenced but not present in object stream 9 0 R");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjRef {
    /// The object number.
    pub num: u32,
    /// The generation number.
    pub generation: u16,
}

impl ObjRef {
    /// `num gen R`.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::ObjRef;
    ///
    /// const CATALOG: ObjRef = ObjRef::new(1, 0); // usable in constants
    /// assert_eq!((CATALOG.num, CATALOG.generation), (1, 0));
    /// assert!(CATALOG < ObjRef::new(2, 0)); // ordered by number, then generation
    /// ```
    pub const fn new(num: u32, generation: u16) -> Self {
        Self { num, generation }
    }
}

impl fmt::Display for ObjRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} R", self.num, self.generation)
    }
}

/// How a string was written; kept so that rewritten objects look like the original.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StringForm {
    Literal,
    Hex,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Object {
    Null,
    Bool(bool),
    Integer(i64),
    /// The number exactly as written in the file (or produced by us).
    Real(String),
    Name(Vec<u8>),
    String(Vec<u8>, StringForm),
    Array(Vec<Object>),
    Dict(Dict),
    Stream(Stream),
    Ref(ObjRef),
}

impl Object {
    pub fn name(name: &str) -> Self {
        Object::Name(name.as_bytes().to_vec())
    }

    pub fn literal(text: &[u8]) -> Self {
        Object::String(text.to_vec(), StringForm::Literal)
    }

    pub fn as_dict(&self) -> Option<&Dict> {
        match self {
            Object::Dict(d) => Some(d),
            Object::Stream(s) => Some(&s.dict),
            _ => None,
        }
    }

    pub fn as_ref(&self) -> Option<ObjRef> {
        match self {
            Object::Ref(r) => Some(*r),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Object::Integer(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_name(&self) -> Option<&[u8]> {
        match self {
            Object::Name(n) => Some(n),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Object]> {
        match self {
            Object::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_string_bytes(&self) -> Option<&[u8]> {
        match self {
            Object::String(s, _) => Some(s),
            _ => None,
        }
    }

    /// A short word for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Object::Null => "null",
            Object::Bool(_) => "boolean",
            Object::Integer(_) => "integer",
            Object::Real(_) => "real",
            Object::Name(_) => "name",
            Object::String(..) => "string",
            Object::Array(_) => "array",
            Object::Dict(_) => "dictionary",
            Object::Stream(_) => "stream",
            Object::Ref(_) => "reference",
        }
    }
}

/// A dictionary that keeps its keys in file order, so a rewritten object reads like the original.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dict {
    entries: Vec<(Vec<u8>, Object)>,
}

impl Dict {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, key: &[u8]) -> Option<&Object> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut Object> {
        self.entries
            .iter_mut()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    pub fn contains(&self, key: &[u8]) -> bool {
        self.get(key).is_some()
    }

    /// Replaces the value of `key` in place, or appends the key.
    pub fn set(&mut self, key: impl Into<Vec<u8>>, value: Object) {
        let key = key.into();
        match self.get_mut(&key) {
            Some(slot) => *slot = value,
            None => self.entries.push((key, value)),
        }
    }

    pub fn remove(&mut self, key: &[u8]) -> Option<Object> {
        let at = self.entries.iter().position(|(k, _)| k == key)?;
        Some(self.entries.remove(at).1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &Object)> {
        self.entries.iter().map(|(k, v)| (k.as_slice(), v))
    }

    /// The entries with their values mutable, for rewriting in place (decryption, encryption).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&[u8], &mut Object)> {
        self.entries.iter_mut().map(|(k, v)| (k.as_slice(), v))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `/Type` (or another name-valued key) compared with `expected`.
    pub fn has_name(&self, key: &[u8], expected: &[u8]) -> bool {
        self.get(key).and_then(Object::as_name) == Some(expected)
    }
}

impl FromIterator<(Vec<u8>, Object)> for Dict {
    fn from_iter<I: IntoIterator<Item = (Vec<u8>, Object)>>(iter: I) -> Self {
        let mut dict = Dict::new();
        for (k, v) in iter {
            dict.set(k, v);
        }
        dict
    }
}

/// A stream: its dictionary and its raw (still encoded) bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct Stream {
    pub dict: Dict,
    pub raw: Vec<u8>,
}

/// A text string (§7.9.2.2): UTF-16BE after a byte-order mark, else PDFDocEncoding, read here as
/// Latin-1 (the two agree on every character field names and signature names use in practice).
pub fn text_string(bytes: &[u8]) -> String {
    if let Some(utf16) = bytes.strip_prefix(&[0xfe, 0xff]) {
        let units: Vec<u16> = utf16
            .chunks_exact(2)
            .map(|pair| match pair {
                [hi, lo] => u16::from_be_bytes([*hi, *lo]),
                _ => 0xfffd,
            })
            .collect();
        return String::from_utf16_lossy(&units);
    }
    bytes.iter().map(|&b| char::from(b)).collect()
}
