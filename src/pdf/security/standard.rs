//! The standard security handler's password algorithms (ISO 32000-2 §7.6.4): the file key from a
//! user or owner password, revisions 2 to 6 (Algorithms 2, 2.A, 2.B, 3 to 7 and 11, 12).

use md5::{Digest, Md5};
use sha2::{Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

use super::crypt_filter::{aes_cbc_no_padding, rc4};
use crate::error::{Error, Result};
use crate::pdf::{Dict, Object};

/// The padding string of Algorithm 2, step a.
const PAD: [u8; 32] = [
    0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
    0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
];
/// R5/R6 passwords are cut to this many bytes of UTF-8 (Algorithm 2.A, step a).
const MAX_UNICODE_PASSWORD: usize = 127;

/// The entries of a standard encryption dictionary that authentication reads (Table 21).
#[derive(Clone)]
pub struct StandardDict {
    /// `/R`: 2 to 6.
    pub revision: u8,
    /// File key length in bytes.
    pub key_len: usize,
    o: Vec<u8>,
    u: Vec<u8>,
    oe: Vec<u8>,
    ue: Vec<u8>,
    perms: Vec<u8>,
    /// `/P`, the permission flags.
    pub p: i32,
    /// `/EncryptMetadata` (default true).
    pub encrypt_metadata: bool,
}

impl std::fmt::Debug for StandardDict {
    // The hashes are no secret, but nobody needs them in a log either.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StandardDict")
            .field("revision", &self.revision)
            .field("key_len", &self.key_len)
            .field("p", &self.p)
            .field("encrypt_metadata", &self.encrypt_metadata)
            .finish_non_exhaustive()
    }
}

/// Who the password authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Authenticated {
    /// The user password: the document's permissions apply.
    User,
    /// The owner password: everything is permitted.
    Owner,
}

fn unsupported(detail: impl Into<String>) -> Error {
    Error::UnsupportedEncryption {
        detail: detail.into(),
    }
}

impl StandardDict {
    /// Reads `/V`, `/R`, `/Length`, `/O`, `/U`, `/OE`, `/UE`, `/P` and `/EncryptMetadata`.
    pub fn parse(encrypt: &Dict) -> Result<Self> {
        let int = |key: &[u8]| encrypt.get(key).and_then(Object::as_i64);
        let bytes = |key: &[u8]| {
            encrypt
                .get(key)
                .and_then(Object::as_string_bytes)
                .map(<[u8]>::to_vec)
                .unwrap_or_default()
        };
        let version = int(b"V").unwrap_or(0);
        let revision = int(b"R")
            .and_then(|r| u8::try_from(r).ok())
            .filter(|r| (2..=6).contains(r))
            .ok_or_else(|| unsupported(format!("standard handler revision {:?}", int(b"R"))))?;
        let key_len = match (version, revision) {
            (5, 5 | 6) => 32,
            (_, 5 | 6) => return Err(unsupported(format!("/V {version} with /R {revision}"))),
            (_, 2) => 5,
            (1..=4, _) => {
                let bits = int(b"Length").unwrap_or(if version == 4 { 128 } else { 40 });
                if !(40..=128).contains(&bits) || bits % 8 != 0 {
                    return Err(unsupported(format!("a key of {bits} bits")));
                }
                usize::try_from(bits / 8).unwrap_or(16)
            }
            _ => return Err(unsupported(format!("/V {version}"))),
        };
        let p = int(b"P")
            // Written signed or unsigned by different producers: the low 32 bits count.
            .map(|p| (p & 0xFFFF_FFFF) as u32 as i32)
            .ok_or_else(|| unsupported("no /P"))?;
        let dict = Self {
            revision,
            key_len,
            o: bytes(b"O"),
            u: bytes(b"U"),
            oe: bytes(b"OE"),
            ue: bytes(b"UE"),
            perms: bytes(b"Perms"),
            p,
            encrypt_metadata: !matches!(encrypt.get(b"EncryptMetadata"), Some(Object::Bool(false))),
        };
        let (o_len, u_len) = if revision >= 5 { (48, 48) } else { (32, 32) };
        if dict.o.len() < o_len || dict.u.len() < u_len.min(16) {
            return Err(unsupported("/O or /U shorter than the revision requires"));
        }
        if revision >= 5 && (dict.u.len() < 48 || dict.oe.len() < 32 || dict.ue.len() < 32) {
            return Err(unsupported(
                "/U, /OE or /UE shorter than revision 6 requires",
            ));
        }
        Ok(dict)
    }

    /// The file key when `password` is the owner or the user password (tried in that order);
    /// `None` when it is neither. `id0` is the first element of the trailer's `/ID`.
    pub fn authenticate(
        &self,
        password: &[u8],
        id0: &[u8],
    ) -> Option<(Zeroizing<Vec<u8>>, Authenticated)> {
        if self.revision >= 5 {
            let password = unicode_password(password);
            if let Some(key) = self.owner_key_r6(&password) {
                return Some((key, Authenticated::Owner));
            }
            return self
                .user_key_r6(&password)
                .map(|key| (key, Authenticated::User));
        }
        let password = legacy_password(password);
        let user_password = self.user_password_from_owner(&password);
        if let Some(key) = self.user_key(&user_password, id0) {
            return Some((key, Authenticated::Owner));
        }
        self.user_key(&password, id0)
            .map(|key| (key, Authenticated::User))
    }

    /// Algorithm 13 (R5/R6): `/Perms`, decrypted with the file key, repeats `/P` and
    /// `/EncryptMetadata`. `/P` does not enter the key of these revisions, so without this check
    /// anyone could grant themselves permissions by editing `/P`.
    pub fn check_perms(&self, file_key: &[u8]) -> Result<()> {
        if self.revision < 5 {
            return Ok(());
        }
        let tampered = |why: &str| {
            Err(unsupported(format!(
                "/Perms does not vouch for /P and /EncryptMetadata ({why}): the permissions were \
                 changed without the owner password"
            )))
        };
        let Some(block) = self.perms.get(..16) else {
            return tampered("no 16-byte /Perms");
        };
        let Ok(plain) = aes_cbc_no_padding(file_key, &[0; 16], block, false) else {
            return tampered("undecryptable");
        };
        let (Some(p), Some(metadata), Some(marker)) =
            (plain.get(..4), plain.get(8), plain.get(9..12))
        else {
            return tampered("too short");
        };
        let expected_metadata = if self.encrypt_metadata { b'T' } else { b'F' };
        if marker != b"adb" {
            return tampered("no adb marker");
        }
        if p != self.p.to_le_bytes() || *metadata != expected_metadata {
            return tampered("different values");
        }
        Ok(())
    }

    /// Algorithm 2: the file key a (user) password gives, R2 to R4.
    fn file_key(&self, password: &[u8], id0: &[u8]) -> Zeroizing<Vec<u8>> {
        let mut md5 = Md5::new();
        md5.update(padded(password).as_slice());
        md5.update(self.o.get(..32).unwrap_or(&self.o));
        md5.update(self.p.to_le_bytes());
        md5.update(id0);
        if self.revision >= 4 && !self.encrypt_metadata {
            md5.update([0xFF; 4]);
        }
        let mut digest = Zeroizing::new(md5.finalize().to_vec());
        let n = self.key_len.min(16);
        if self.revision >= 3 {
            for _ in 0..50 {
                let next = Md5::digest(digest.get(..n).unwrap_or_default()).to_vec();
                *digest = next;
            }
        }
        digest.truncate(n);
        digest
    }

    /// Algorithms 6 (with 4 and 5): the file key when `password` is the user password.
    fn user_key(&self, password: &[u8], id0: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let key = self.file_key(password, id0);
        let matches = if self.revision == 2 {
            rc4(&key, &PAD).as_slice() == self.u.get(..32)?
        } else {
            let mut md5 = Md5::new();
            md5.update(PAD);
            md5.update(id0);
            let mut value = md5.finalize().to_vec();
            for round in 0u8..20 {
                value = rc4(&xor_key(&key, round), &value);
            }
            value.get(..16) == self.u.get(..16)
        };
        matches.then_some(key)
    }

    /// Algorithm 7 (with the first steps of Algorithm 3): the user password that `/O` encrypts
    /// under `owner_password`. Authenticating with it as user password proves the owner.
    fn user_password_from_owner(&self, owner_password: &[u8]) -> Zeroizing<Vec<u8>> {
        let mut digest = Zeroizing::new(Md5::digest(padded(owner_password).as_slice()).to_vec());
        if self.revision >= 3 {
            for _ in 0..50 {
                let next = Md5::digest(digest.as_slice()).to_vec();
                *digest = next;
            }
        }
        let key = digest.get(..self.key_len.min(16)).unwrap_or_default();
        let mut value = self.o.get(..32).unwrap_or(&self.o).to_vec();
        if self.revision == 2 {
            value = rc4(key, &value);
        } else {
            for round in (0u8..20).rev() {
                value = rc4(&xor_key(key, round), &value);
            }
        }
        Zeroizing::new(value)
    }

    /// Algorithm 12 then 2.A step b–e: the file key when `password` is the owner password (R5/R6).
    fn owner_key_r6(&self, password: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let u = self.u.get(..48)?;
        let hash = self.hash(password, self.o.get(32..40)?, u)?;
        if hash.as_slice() != self.o.get(..32)? {
            return None;
        }
        let intermediate = self.hash(password, self.o.get(40..48)?, u)?;
        unwrap_file_key(&intermediate, self.oe.get(..32)?)
    }

    /// Algorithm 11 then 2.A: the file key when `password` is the user password (R5/R6).
    fn user_key_r6(&self, password: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let hash = self.hash(password, self.u.get(32..40)?, &[])?;
        if hash.as_slice() != self.u.get(..32)? {
            return None;
        }
        let intermediate = self.hash(password, self.u.get(40..48)?, &[])?;
        unwrap_file_key(&intermediate, self.ue.get(..32)?)
    }

    /// SHA-256 for R5, Algorithm 2.B for R6.
    fn hash(&self, password: &[u8], salt: &[u8], udata: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        if self.revision == 5 {
            let mut sha = Sha256::new();
            sha.update(password);
            sha.update(salt);
            sha.update(udata);
            return Some(Zeroizing::new(sha.finalize().to_vec()));
        }
        hash_r6(password, salt, udata)
    }
}

/// Algorithm 2.B: the hash of revision 6.
pub fn hash_r6(password: &[u8], salt: &[u8], udata: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let mut sha = Sha256::new();
    sha.update(password);
    sha.update(salt);
    sha.update(udata);
    let mut k = Zeroizing::new(sha.finalize().to_vec());
    let mut round: u32 = 0;
    loop {
        let mut k1 = Zeroizing::new(Vec::with_capacity(
            64usize.saturating_mul(
                password
                    .len()
                    .saturating_add(k.len())
                    .saturating_add(udata.len()),
            ),
        ));
        for _ in 0..64 {
            k1.extend_from_slice(password);
            k1.extend_from_slice(&k);
            k1.extend_from_slice(udata);
        }
        let iv: [u8; 16] = k.get(16..32)?.try_into().ok()?;
        let e = Zeroizing::new(aes_cbc_no_padding(k.get(..16)?, &iv, &k1, true).ok()?);
        // The first 16 bytes as a big-endian number mod 3: 256 ≡ 1 (mod 3), so the byte sum.
        let selector = e.get(..16)?.iter().map(|&b| u32::from(b)).sum::<u32>() % 3;
        *k = match selector {
            0 => Sha256::digest(e.as_slice()).to_vec(),
            1 => Sha384::digest(e.as_slice()).to_vec(),
            _ => Sha512::digest(e.as_slice()).to_vec(),
        };
        round = round.saturating_add(1);
        let last = u32::from(*e.last()?);
        if round >= 64 && last.saturating_add(32) <= round {
            break;
        }
    }
    k.truncate(32);
    Some(k)
}

/// `/OE` or `/UE` decrypted with the intermediate key: AES-256, no padding, a zero IV.
fn unwrap_file_key(intermediate: &[u8], wrapped: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    aes_cbc_no_padding(intermediate, &[0; 16], wrapped, false)
        .ok()
        .map(Zeroizing::new)
}

/// The password padded or cut to 32 bytes with [`PAD`] (Algorithm 2, step a).
fn padded(password: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(password.get(..32).unwrap_or(password).to_vec());
    let missing = 32usize.saturating_sub(out.len());
    out.extend_from_slice(PAD.get(..missing).unwrap_or_default());
    out
}

/// The key with each byte XORed with `round` (Algorithms 3 and 5).
fn xor_key(key: &[u8], round: u8) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(key.iter().map(|b| b ^ round).collect())
}

/// An R5/R6 password: SASLprep (RFC 4013) of its UTF-8 text, cut to 127 bytes. Bytes that are
/// not UTF-8, or text SASLprep refuses, are used as they are.
pub fn unicode_password(password: &[u8]) -> Zeroizing<Vec<u8>> {
    let prepared = std::str::from_utf8(password)
        .ok()
        .and_then(|text| super::saslprep::saslprep(text).ok())
        .map(|text| text.into_bytes())
        .unwrap_or_else(|| password.to_vec());
    let mut out = Zeroizing::new(prepared);
    out.truncate(MAX_UNICODE_PASSWORD);
    out
}

/// A password given as text, in the encoding R2–R4 hash: PDFDocEncoding, which agrees with
/// Latin-1 for the characters people type; other text is left as UTF-8.
pub fn legacy_password(password: &[u8]) -> Zeroizing<Vec<u8>> {
    let latin1 = std::str::from_utf8(password).ok().and_then(|text| {
        text.chars()
            .map(|c| u8::try_from(u32::from(c)).ok())
            .collect::<Option<Vec<u8>>>()
    });
    Zeroizing::new(latin1.unwrap_or_else(|| password.to_vec()))
}
