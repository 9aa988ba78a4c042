//! Crypt filters (ISO 32000-2 §7.6.3, §7.6.5): the key of one object (Algorithms 1 and 1.A) and
//! the ciphers RC4, AES-128-CBC and AES-256-CBC. AES strings and streams carry their IV in their
//! first 16 bytes; every one we write gets a fresh random IV.

use aes::cipher::block_padding::NoPadding;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use md5::{Digest, Md5};
use rc4::{KeyInit, Rc4, StreamCipher};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::pdf::ObjRef;

const AES_BLOCK: usize = 16;

/// How a crypt filter encrypts (`/CFM`, Table 25), with `Identity` for "not at all".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CryptMethod {
    /// `/Identity` or `/CFM /None`: the data is not encrypted.
    Identity,
    /// `/V2`, and every string and stream of V 1–3 handlers.
    Rc4,
    /// `/AESV2`: AES-128-CBC with an object key.
    AesV2,
    /// `/AESV3`: AES-256-CBC with the file key itself.
    AesV3,
}

impl CryptMethod {
    /// The method a `/CFM` name stands for; `None` for a name we do not know.
    pub fn from_cfm(name: &[u8]) -> Option<Self> {
        match name {
            b"None" => Some(Self::Identity),
            b"V2" => Some(Self::Rc4),
            b"AESV2" => Some(Self::AesV2),
            b"AESV3" => Some(Self::AesV3),
            _ => None,
        }
    }

    /// The `/CFM` name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Identity => "Identity",
            Self::Rc4 => "V2",
            Self::AesV2 => "AESV2",
            Self::AesV3 => "AESV3",
        }
    }
}

/// The key that encrypts the strings and streams of object `id` (Algorithm 1; for AESV3 the file
/// key itself, Algorithm 1.A).
pub fn object_key(file_key: &[u8], id: ObjRef, method: CryptMethod) -> Zeroizing<Vec<u8>> {
    match method {
        CryptMethod::Identity => Zeroizing::new(Vec::new()),
        CryptMethod::AesV3 => Zeroizing::new(file_key.to_vec()),
        CryptMethod::Rc4 | CryptMethod::AesV2 => {
            let mut md5 = Md5::new();
            md5.update(file_key);
            md5.update(id.num.to_le_bytes().get(..3).unwrap_or_default());
            md5.update(id.generation.to_le_bytes());
            if method == CryptMethod::AesV2 {
                md5.update(b"sAlT");
            }
            let digest = md5.finalize();
            let len = file_key.len().saturating_add(5).min(16);
            Zeroizing::new(digest.get(..len).unwrap_or_default().to_vec())
        }
    }
}

/// Decrypts one string or stream, as MuPDF reads it: an AES payload that is not an IV and
/// whole blocks (shorter than 32 bytes, or a partial last block) is left as written, and the
/// last byte alone says how much padding to drop. (Reading such bytes differently from the
/// viewers would let a later revision change what they show while the comparison sees nothing.)
pub fn decrypt(method: CryptMethod, key: &[u8], data: &[u8]) -> Vec<u8> {
    match method {
        CryptMethod::Identity => data.to_vec(),
        CryptMethod::Rc4 => rc4(key, data),
        CryptMethod::AesV2 | CryptMethod::AesV3 => {
            aes_cbc_decrypt(key, data).unwrap_or_else(|| data.to_vec())
        }
    }
}

/// Encrypts one string or stream; AES gets a fresh random IV in front.
pub fn encrypt(method: CryptMethod, key: &[u8], data: &[u8]) -> Result<Vec<u8>> {
    match method {
        CryptMethod::Identity => Ok(data.to_vec()),
        CryptMethod::Rc4 => Ok(rc4(key, data)),
        CryptMethod::AesV2 | CryptMethod::AesV3 => {
            let mut iv = [0u8; AES_BLOCK];
            getrandom::fill(&mut iv).map_err(|e| Error::Io(std::io::Error::other(e)))?;
            aes_cbc_encrypt(key, &iv, data)
        }
    }
}

/// RC4 with `key` (1 to 256 bytes; any other length yields the data unchanged, which a wrong
/// key makes unreadable anyway).
pub fn rc4(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    if let Ok(mut cipher) = Rc4::new_from_slice(key) {
        cipher.apply_keystream(&mut out);
    }
    out
}

/// `iv || AES-CBC(key, iv, data || PKCS#7 padding)`, with AES-128 or AES-256 by key length.
pub fn aes_cbc_encrypt(key: &[u8], iv: &[u8; AES_BLOCK], data: &[u8]) -> Result<Vec<u8>> {
    let pad = AES_BLOCK.saturating_sub(data.len() % AES_BLOCK);
    let mut padded = Zeroizing::new(Vec::with_capacity(data.len().saturating_add(pad)));
    padded.extend_from_slice(data);
    padded.resize(data.len().saturating_add(pad), pad as u8);
    let body = aes_cbc_no_padding(key, iv, &padded, true)?;
    let mut out = iv.to_vec();
    out.extend_from_slice(&body);
    Ok(out)
}

/// The plain text of `iv || ciphertext`; `None` when `data` is not an IV and one or more whole
/// blocks, or for a key of the wrong length.
fn aes_cbc_decrypt(key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    if data.len() < 2 * AES_BLOCK || !data.len().is_multiple_of(AES_BLOCK) {
        return None;
    }
    let (iv, body) = data.split_at_checked(AES_BLOCK)?;
    let iv: [u8; AES_BLOCK] = iv.try_into().ok()?;
    let mut plain = aes_cbc_no_padding(key, &iv, body, false).ok()?;
    let pad = usize::from(*plain.last().unwrap_or(&0));
    if (1..=AES_BLOCK).contains(&pad) {
        plain.truncate(plain.len().saturating_sub(pad));
    }
    Some(plain)
}

/// AES-CBC over whole blocks (AES-128 for a 16-byte key, AES-256 for 32 bytes), no padding:
/// Algorithm 2.B and the file-key unwrapping of R6 use it as it is.
pub fn aes_cbc_no_padding(
    key: &[u8],
    iv: &[u8; AES_BLOCK],
    data: &[u8],
    encrypting: bool,
) -> Result<Vec<u8>> {
    let bad_key = || Error::UnsupportedEncryption {
        detail: format!("an AES key of {} bytes", key.len()),
    };
    let mut buf = data.to_vec();
    let len = buf.len();
    let done = match (key.len(), encrypting) {
        (16, true) => cbc::Encryptor::<aes::Aes128>::new_from_slices(key, iv)
            .map_err(|_| bad_key())?
            .encrypt_padded::<NoPadding>(&mut buf, len)
            .map(<[u8]>::len)
            .ok(),
        (16, false) => cbc::Decryptor::<aes::Aes128>::new_from_slices(key, iv)
            .map_err(|_| bad_key())?
            .decrypt_padded::<NoPadding>(&mut buf)
            .map(<[u8]>::len)
            .ok(),
        (32, true) => cbc::Encryptor::<aes::Aes256>::new_from_slices(key, iv)
            .map_err(|_| bad_key())?
            .encrypt_padded::<NoPadding>(&mut buf, len)
            .map(<[u8]>::len)
            .ok(),
        (32, false) => cbc::Decryptor::<aes::Aes256>::new_from_slices(key, iv)
            .map_err(|_| bad_key())?
            .decrypt_padded::<NoPadding>(&mut buf)
            .map(<[u8]>::len)
            .ok(),
        _ => return Err(bad_key()),
    };
    match done {
        Some(n) if n == len => Ok(buf),
        _ => Err(Error::UnsupportedEncryption {
            detail: "AES data that is not a whole number of blocks".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rc4_known_answer() {
        // The classic "Key"/"Plaintext" vector.
        assert_eq!(
            rc4(b"Key", b"Plaintext"),
            [0xBB, 0xF3, 0x16, 0xE8, 0xD9, 0x40, 0xAF, 0x0A, 0xD3]
        );
    }

    #[test]
    fn aes_round_trips_with_a_random_iv() {
        for key in [[7u8; 16].as_slice(), [9u8; 32].as_slice()] {
            for len in [0, 1, 15, 16, 17, 100] {
                let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
                let method = if key.len() == 16 {
                    CryptMethod::AesV2
                } else {
                    CryptMethod::AesV3
                };
                let a = encrypt(method, key, &data).unwrap();
                let b = encrypt(method, key, &data).unwrap();
                assert_ne!(a, b, "the IV must differ");
                assert_eq!(a.len() % 16, 0);
                assert_eq!(decrypt(method, key, &a), data);
            }
        }
    }

    #[test]
    fn object_keys_follow_algorithm_1() {
        let key = object_key(
            &[1, 2, 3, 4, 5],
            ObjRef::new(0x0A0B0C, 0x0102),
            CryptMethod::Rc4,
        );
        assert_eq!(key.len(), 10);
        let mut md5 = Md5::new();
        md5.update([1, 2, 3, 4, 5, 0x0C, 0x0B, 0x0A, 0x02, 0x01]);
        assert_eq!(key.as_slice(), &md5.finalize()[..10]);
        let aes = object_key(&[0; 16], ObjRef::new(1, 0), CryptMethod::AesV2);
        assert_eq!(aes.len(), 16);
        assert_ne!(
            aes.as_slice(),
            object_key(&[0; 16], ObjRef::new(1, 0), CryptMethod::Rc4).as_slice()
        );
    }

    #[test]
    fn short_or_ragged_aes_data_does_not_panic() {
        assert!(decrypt(CryptMethod::AesV2, &[0; 16], b"short").is_empty());
        let odd = decrypt(CryptMethod::AesV2, &[0; 16], &[1u8; 40]);
        assert_eq!(odd.len() % 16, 0);
        assert!(decrypt(CryptMethod::AesV2, &[0; 5], &[1u8; 32]).is_empty());
    }
}
