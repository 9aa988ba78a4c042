//! Encrypted documents (ISO 32000-2 §7.6): the one place that knows about encryption. The reader
//! asks the [`SecurityHandler`] to decrypt each object it loads, the update writer asks it to
//! encrypt each object it writes; nothing else in the crate decrypts or encrypts.
//!
//! A handler is a file key, the crypt filters of strings and streams, and the permissions the
//! key was obtained with. Where the key comes from is the security handler's business: the
//! standard handler derives it from a password ([`standard`]); other handlers only need to
//! produce a key and permissions ([`SecurityHandler::from_file_key`]).

pub mod crypt_filter;
pub mod permissions;
pub mod pubsec;
pub mod saslprep;
pub mod standard;

use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::pdf::{Dict, ObjRef, Object};
use crypt_filter::CryptMethod;
pub use permissions::Permissions;
use pubsec::PubSecRecipient;
use standard::{Authenticated, StandardDict};

/// What opens an encrypted document: its password (user or owner) for the standard security
/// handler, the recipient's certificate and key for the public-key one (`Adobe.PubSec`). A
/// document whose user password is empty (a "permissions only" file) opens without either.
///
/// Never shown: `Debug` prints whether a password is set, not the password, and the bytes are
/// zeroed when dropped.
///
/// # Examples
///
/// ```
/// use countersign::DocumentAccess;
///
/// let access = DocumentAccess::with_password("s3cret");
/// assert!(access.has_password());
/// assert!(!format!("{access:?}").contains("s3cret"));
/// assert!(!DocumentAccess::default().has_password());
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct DocumentAccess {
    password: Option<Zeroizing<Vec<u8>>>,
    recipient: Option<std::sync::Arc<PubSecRecipient>>,
}

impl DocumentAccess {
    /// Access with `password`: UTF-8 text (SASLprep is applied for AES-256 documents) or the
    /// bytes of a PDFDocEncoding password.
    ///
    /// ```
    /// use countersign::DocumentAccess;
    ///
    /// let from_file = DocumentAccess::with_password(b"owner\xe9".to_vec());
    /// assert!(from_file.has_password());
    /// ```
    pub fn with_password(password: impl Into<Vec<u8>>) -> Self {
        Self {
            password: Some(Zeroizing::new(password.into())),
            recipient: None,
        }
    }

    /// Access as `recipient` of a document encrypted with the public-key security handler.
    ///
    /// ```
    /// use countersign::{DocumentAccess, PubSecRecipient};
    ///
    /// let recipient = PubSecRecipient::from_pem(
    ///     &std::fs::read("testdata/pki/pubsec-recipient.cert.pem")?,
    ///     &std::fs::read("testdata/pki/pubsec-recipient.key.pem")?,
    /// )?;
    /// let access = DocumentAccess::with_recipient(recipient);
    /// assert!(access.has_recipient() && !access.has_password());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_recipient(recipient: PubSecRecipient) -> Self {
        Self {
            password: None,
            recipient: Some(std::sync::Arc::new(recipient)),
        }
    }

    /// Whether a public-key recipient is given.
    ///
    /// ```
    /// assert!(!countersign::DocumentAccess::default().has_recipient());
    /// ```
    pub fn has_recipient(&self) -> bool {
        self.recipient.is_some()
    }

    /// Whether a password is given.
    ///
    /// ```
    /// assert!(!countersign::DocumentAccess::default().has_password());
    /// ```
    pub fn has_password(&self) -> bool {
        self.password.is_some()
    }

    pub(crate) fn password(&self) -> Option<&[u8]> {
        self.password.as_deref().map(Vec::as_slice)
    }
}

impl std::fmt::Debug for DocumentAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentAccess")
            .field(
                "password",
                &if self.password.is_some() {
                    "<redacted>"
                } else {
                    "none"
                },
            )
            .field("recipient", &self.recipient)
            .finish()
    }
}

/// An opened security handler: the file key, the crypt filters and the permissions.
pub struct SecurityHandler {
    file_key: Zeroizing<Vec<u8>>,
    strings: CryptMethod,
    streams: CryptMethod,
    /// The crypt filters of `/CF` by name, for streams with a `/Crypt` filter of their own.
    named: Vec<(Vec<u8>, CryptMethod)>,
    encrypt_metadata: bool,
    permissions: Permissions,
    /// The encryption dictionary's own object: never encrypted (§7.6.2).
    encrypt_ref: Option<ObjRef>,
}

impl std::fmt::Debug for SecurityHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecurityHandler")
            .field("strings", &self.strings)
            .field("streams", &self.streams)
            .field("permissions", &self.permissions)
            .finish_non_exhaustive()
    }
}

/// Why a document's handler could not be opened; reading its objects fails with this.
#[derive(Clone, Debug)]
pub enum Locked {
    /// The empty user password does not open it and no password was given.
    PasswordRequired { handler: String },
    /// The given password is neither the user nor the owner password.
    WrongPassword { handler: String },
    /// A handler or method we do not implement.
    Unsupported { detail: String },
    /// A security handler other than the standard and the public-key ones.
    UnknownHandler { handler: String },
    /// The public-key handler: no recipient given, or not one of the document's.
    PubSec(crate::error::PubSecError),
}

impl Locked {
    pub fn to_error(&self) -> Error {
        match self {
            Self::PasswordRequired { handler } => Error::PasswordRequired {
                handler: handler.clone(),
            },
            Self::WrongPassword { handler } => Error::WrongPassword {
                handler: handler.clone(),
            },
            Self::Unsupported { detail } => Error::UnsupportedEncryption {
                detail: detail.clone(),
            },
            Self::UnknownHandler { handler } => Error::Encrypted {
                handler: handler.clone(),
            },
            Self::PubSec(error) => Error::PubSec(error.clone()),
        }
    }

    fn from_error(error: Error) -> Self {
        match error {
            Error::PasswordRequired { handler } => Self::PasswordRequired { handler },
            Error::WrongPassword { handler } => Self::WrongPassword { handler },
            Error::Encrypted { handler } => Self::UnknownHandler { handler },
            Error::PubSec(error) => Self::PubSec(error),
            other => Self::Unsupported {
                detail: other.to_string(),
            },
        }
    }
}

/// The state of a document's encryption as the reader holds it.
#[derive(Debug)]
pub enum Security {
    Open(SecurityHandler),
    Locked(Locked),
}

impl Security {
    /// Opens the handler `encrypt` names, or records why it cannot be opened.
    pub fn open(
        encrypt: &Dict,
        encrypt_ref: Option<ObjRef>,
        id0: &[u8],
        access: &DocumentAccess,
    ) -> Self {
        match SecurityHandler::open(encrypt, encrypt_ref, id0, access) {
            Ok(handler) => Self::Open(handler),
            Err(error) => Self::Locked(Locked::from_error(error)),
        }
    }

    pub fn handler(&self) -> Result<&SecurityHandler> {
        match self {
            Self::Open(handler) => Ok(handler),
            Self::Locked(locked) => Err(locked.to_error()),
        }
    }
}

/// "Standard (V=4, R=4, AESV2)", "Adobe.PubSec (V=5)"...
pub fn describe(dict: &Dict) -> String {
    let name = |o: Option<&Object>| {
        o.and_then(Object::as_name)
            .map(|n| String::from_utf8_lossy(n).into_owned())
    };
    let filter = name(dict.get(b"Filter")).unwrap_or_else(|| "unknown".into());
    let mut parts = Vec::new();
    for key in [&b"V"[..], b"R", b"Length"] {
        if let Some(v) = dict.get(key).and_then(Object::as_i64) {
            parts.push(format!("{}={v}", String::from_utf8_lossy(key)));
        }
    }
    let method = dict
        .get(b"CF")
        .and_then(Object::as_dict)
        .and_then(|cf| cf.iter().next().map(|(_, v)| v.clone()))
        .and_then(|filter| name(filter.as_dict().and_then(|d| d.get(b"CFM"))));
    if let Some(method) = method {
        parts.push(method);
    } else if dict.get(b"V").and_then(Object::as_i64).unwrap_or(0) < 4 {
        parts.push("RC4".into());
    }
    format!("{filter} ({})", parts.join(", "))
}

impl SecurityHandler {
    /// Opens the handler of `encrypt` (the object `encrypt_ref`, when indirect) for a document
    /// whose `/ID` starts with `id0`: with the password of `access`, else the empty user
    /// password. A given password that opens nothing falls back to the empty one, so a caller
    /// may pass one password for a batch of documents of which some need none.
    pub fn open(
        encrypt: &Dict,
        encrypt_ref: Option<ObjRef>,
        id0: &[u8],
        access: &DocumentAccess,
    ) -> Result<Self> {
        match encrypt.get(b"Filter").and_then(Object::as_name) {
            Some(b"Standard") => {}
            Some(b"Adobe.PubSec") => return Self::open_public_key(encrypt, encrypt_ref, access),
            _ => {
                return Err(Error::Encrypted {
                    handler: describe(encrypt),
                });
            }
        }
        let standard = StandardDict::parse(encrypt)?;
        let given = access
            .password()
            .and_then(|password| standard.authenticate(password, id0));
        let opened = given.or_else(|| standard.authenticate(b"", id0));
        let Some((key, who)) = opened else {
            let handler = describe(encrypt);
            return Err(if access.has_password() {
                Error::WrongPassword { handler }
            } else {
                Error::PasswordRequired { handler }
            });
        };
        // R5/R6: /P does not enter the key, /Perms (encrypted with it) vouches for it.
        standard.check_perms(&key)?;
        let permissions =
            Permissions::new(standard.p, standard.revision, who == Authenticated::Owner);
        Self::from_file_key(encrypt, encrypt_ref, key, permissions)
    }

    /// The public-key handler (ISO 32000-2 §7.6.5): the file key from the recipient's envelope
    /// ([`pubsec::file_key`]). P bit 2 of the envelope grants every permission, like an owner.
    fn open_public_key(
        encrypt: &Dict,
        encrypt_ref: Option<ObjRef>,
        access: &DocumentAccess,
    ) -> Result<Self> {
        let recipient = access
            .recipient
            .as_deref()
            .ok_or(crate::error::PubSecError::RecipientRequired)?;
        let (key_len, sha256) = public_key_length(encrypt)?;
        let (file_key, p) = pubsec::file_key(encrypt, recipient, key_len, sha256)?;
        let permissions = Permissions::new(p, 4, p & 0b10 != 0);
        Self::from_file_key(encrypt, encrypt_ref, file_key, permissions)
    }

    /// A handler for a file key obtained elsewhere (a public-key recipient's, say): the crypt
    /// filters are read from `encrypt`.
    pub fn from_file_key(
        encrypt: &Dict,
        encrypt_ref: Option<ObjRef>,
        file_key: Zeroizing<Vec<u8>>,
        permissions: Permissions,
    ) -> Result<Self> {
        let version = encrypt.get(b"V").and_then(Object::as_i64).unwrap_or(0);
        let mut handler = Self {
            file_key,
            strings: CryptMethod::Rc4,
            streams: CryptMethod::Rc4,
            named: Vec::new(),
            encrypt_metadata: !matches!(encrypt.get(b"EncryptMetadata"), Some(Object::Bool(false))),
            permissions,
            encrypt_ref,
        };
        if version >= 4 {
            handler.named = crypt_filters(encrypt)?;
            handler.strings = handler.method_named(encrypt.get(b"StrF"))?;
            handler.streams = handler.method_named(encrypt.get(b"StmF"))?;
        }
        for method in [handler.strings, handler.streams] {
            let expected = match method {
                CryptMethod::AesV2 => Some(16),
                CryptMethod::AesV3 => Some(32),
                _ => None,
            };
            if expected.is_some_and(|len| len != handler.file_key.len()) {
                return Err(Error::UnsupportedEncryption {
                    detail: format!(
                        "/{} with a file key of {} bytes",
                        method.name(),
                        handler.file_key.len()
                    ),
                });
            }
        }
        Ok(handler)
    }

    /// What the document permits to whoever opened it.
    pub fn permissions(&self) -> Permissions {
        self.permissions
    }

    /// The crypt filter a `/StmF`, `/StrF` or `/Crypt` `/Name` value names (absent: Identity).
    fn method_named(&self, name: Option<&Object>) -> Result<CryptMethod> {
        let Some(name) = name.and_then(Object::as_name) else {
            return Ok(CryptMethod::Identity);
        };
        if name == b"Identity" {
            return Ok(CryptMethod::Identity);
        }
        self.named
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, method)| *method)
            .ok_or_else(|| Error::UnsupportedEncryption {
                detail: format!(
                    "crypt filter /{} is not defined in /CF",
                    String::from_utf8_lossy(name)
                ),
            })
    }

    /// The method that applies to a stream with dictionary `dict`, or `None` when the stream is
    /// never encrypted (cross-reference streams; metadata with `/EncryptMetadata false`). A
    /// `/Crypt` filter anywhere but first, or one whose parameters a `/Filter` array leaves to a
    /// lone dictionary, is refused: readers disagree on such streams (MuPDF reads no parameters
    /// then, or decodes before decrypting), so what they show is not what was compared.
    fn stream_method(&self, id: ObjRef, dict: &Dict) -> Result<Option<CryptMethod>> {
        if dict.has_name(b"Type", b"XRef") {
            return Ok(None);
        }
        if !self.encrypt_metadata && dict.has_name(b"Type", b"Metadata") {
            return Ok(None);
        }
        let refuse = |why: &str| {
            Err(Error::UnsupportedEncryption {
                detail: format!("stream {id}: {why} (ISO 32000-2 §7.4.10)"),
            })
        };
        let Some(index) = crypt_filter_index(dict) else {
            return Ok(Some(self.streams));
        };
        if index != 0 {
            return refuse("the /Crypt filter is not the first filter");
        }
        let parms = match (
            dict.get(b"Filter"),
            dict.get(b"DecodeParms").or_else(|| dict.get(b"DP")),
        ) {
            (_, None) => None,
            (Some(Object::Array(_)), Some(Object::Array(list))) => {
                list.first().and_then(Object::as_dict)
            }
            (Some(Object::Array(_)), Some(_)) => {
                return refuse("a /Filter array with /Crypt has a lone /DecodeParms dictionary");
            }
            (_, Some(other)) => other.as_dict(),
        };
        let name = parms.and_then(|p| p.get(b"Name"));
        Ok(Some(
            self.method_named(name).unwrap_or(CryptMethod::Identity),
        ))
    }

    /// Decrypts the strings and stream data of object `id` as read from the file. The
    /// encryption dictionary, cross-reference streams and signature `/Contents` stay as
    /// they are.
    pub fn decrypt_object(&self, id: ObjRef, object: &mut Object) -> Result<()> {
        if Some(id) == self.encrypt_ref {
            return Ok(());
        }
        let strings = self.strings;
        let key = self.object_key(id, strings);
        if let Object::Stream(stream) = object {
            if stream.dict.has_name(b"Type", b"XRef") {
                return Ok(());
            }
            if let Some(method) = self.stream_method(id, &stream.dict)? {
                let stream_key = self.object_key(id, method);
                stream.raw = crypt_filter::decrypt(method, &stream_key, &stream.raw);
            }
        }
        for_each_string(object, &mut |bytes, _| {
            *bytes = crypt_filter::decrypt(strings, &key, bytes);
            Ok(())
        })
    }

    /// Encrypts the strings and stream data of object `id` before it is written: the inverse of
    /// [`decrypt_object`](Self::decrypt_object), with a fresh IV for each AES string and stream.
    pub fn encrypt_object(&self, id: ObjRef, object: &mut Object) -> Result<()> {
        if Some(id) == self.encrypt_ref {
            return Ok(());
        }
        if let Object::Stream(stream) = object {
            if stream.dict.has_name(b"Type", b"XRef") {
                return Ok(());
            }
            if let Some(method) = self.stream_method(id, &stream.dict)? {
                let stream_key = self.object_key(id, method);
                stream.raw = crypt_filter::encrypt(method, &stream_key, &stream.raw)?;
            }
        }
        let strings = self.strings;
        let key = self.object_key(id, strings);
        for_each_string(object, &mut |bytes, form| {
            if strings != CryptMethod::Identity {
                *bytes = crypt_filter::encrypt(strings, &key, bytes)?;
                // Cipher text is binary: hex keeps the written object plain ASCII.
                *form = crate::pdf::StringForm::Hex;
            }
            Ok(())
        })
    }

    fn object_key(&self, id: ObjRef, method: CryptMethod) -> Zeroizing<Vec<u8>> {
        crypt_filter::object_key(&self.file_key, id, method)
    }
}

/// The file key length of a public-key handler and whether it is derived with SHA-256 (AES-256):
/// `/V 5` is 32 bytes; `/V 4` the default crypt filter's `/Length` (bytes, or bits when over
/// 32), else 16; earlier versions `/Length` bits (default 40).
fn public_key_length(encrypt: &Dict) -> Result<(usize, bool)> {
    let version = encrypt.get(b"V").and_then(Object::as_i64).unwrap_or(0);
    let bits_or_bytes = |value: i64| if value > 32 { value / 8 } else { value };
    let len = match version {
        5 => return Ok((32, true)),
        4 => {
            let filter_len = encrypt
                .get(b"CF")
                .and_then(Object::as_dict)
                .and_then(|cf| {
                    cf.get(b"DefaultCryptFilter")
                        .or_else(|| cf.iter().next().map(|(_, v)| v))
                })
                .and_then(Object::as_dict)
                .and_then(|f| f.get(b"Length"))
                .and_then(Object::as_i64);
            filter_len.map_or(16, bits_or_bytes)
        }
        1..=3 => {
            encrypt
                .get(b"Length")
                .and_then(Object::as_i64)
                .unwrap_or(40)
                / 8
        }
        other => {
            return Err(Error::UnsupportedEncryption {
                detail: format!("public-key handler /V {other}"),
            });
        }
    };
    usize::try_from(len)
        .ok()
        .filter(|len| (5..=16).contains(len))
        .map(|len| (len, false))
        .ok_or_else(|| Error::UnsupportedEncryption {
            detail: format!("a public-key file key of {len} bytes"),
        })
}

/// The crypt filters `/CF` defines, by name.
fn crypt_filters(encrypt: &Dict) -> Result<Vec<(Vec<u8>, CryptMethod)>> {
    let Some(cf) = encrypt.get(b"CF").and_then(Object::as_dict) else {
        return Ok(Vec::new());
    };
    cf.iter()
        .map(|(name, filter)| {
            let cfm = filter
                .as_dict()
                .and_then(|f| f.get(b"CFM"))
                .and_then(Object::as_name)
                .unwrap_or(b"None");
            let method =
                CryptMethod::from_cfm(cfm).ok_or_else(|| Error::UnsupportedEncryption {
                    detail: format!("crypt filter method /{}", String::from_utf8_lossy(cfm)),
                })?;
            Ok((name.to_vec(), method))
        })
        .collect()
}

/// The position of `/Crypt` in the stream's `/Filter` chain.
fn crypt_filter_index(dict: &Dict) -> Option<usize> {
    match dict.get(b"Filter")? {
        Object::Name(name) => (name == b"Crypt").then_some(0),
        Object::Array(list) => list.iter().position(|f| f.as_name() == Some(b"Crypt")),
        _ => None,
    }
}

/// A signature dictionary, whose `/Contents` is never encrypted (§7.6.2): `/Type /Sig` or
/// `/DocTimeStamp`, or (without `/Type`, which is optional) a `/ByteRange` with `/Contents`.
pub fn is_signature_dictionary(dict: &Dict) -> bool {
    dict.has_name(b"Type", b"Sig")
        || dict.has_name(b"Type", b"DocTimeStamp")
        || (dict.contains(b"ByteRange") && dict.contains(b"Contents"))
}

/// Calls `f` on every string in `object`, nested ones included, except the `/Contents` of
/// signature dictionaries.
fn for_each_string(
    object: &mut Object,
    f: &mut dyn FnMut(&mut Vec<u8>, &mut crate::pdf::StringForm) -> Result<()>,
) -> Result<()> {
    match object {
        Object::String(bytes, form) => f(bytes, form),
        Object::Array(items) => items
            .iter_mut()
            .try_for_each(|item| for_each_string(item, f)),
        Object::Dict(dict) => for_each_string_in_dict(dict, f),
        Object::Stream(stream) => for_each_string_in_dict(&mut stream.dict, f),
        _ => Ok(()),
    }
}

fn for_each_string_in_dict(
    dict: &mut Dict,
    f: &mut dyn FnMut(&mut Vec<u8>, &mut crate::pdf::StringForm) -> Result<()>,
) -> Result<()> {
    let signature = is_signature_dictionary(dict);
    dict.iter_mut()
        .filter(|(key, _)| !(signature && *key == b"Contents"))
        .try_for_each(|(_, value)| for_each_string(value, f))
}

#[cfg(test)]
mod tests;
