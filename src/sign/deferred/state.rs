//! The serialised form of a [`DeferredSignature`]: a magic, a format version, then fixed-width
//! big-endian numbers and length-prefixed byte strings. A state is input: every length is
//! checked against what remains before anything is copied, and every field is validated, so a
//! truncated, garbled or foreign blob is a [`DeferredError`], never a panic.
//!
//! ```text
//! "CSDEFER\n" u16 version
//! u64 input length, [32] input SHA-256
//! u8 scheme, u8 digest
//! u64 /ByteRange start, u64 /Contents start, u64 /Contents end (in the update)
//! bytes field name (UTF-8), bytes update, bytes signed attributes (DER)
//! u16 certificates, then bytes per certificate (DER, signer first)
//! [32] SHA-256 of everything before it
//! ```
//! where `bytes` is a u32 length followed by that many bytes. The checksum catches a state
//! damaged in storage or transit; it is no protection against a deliberate change (nothing
//! secret goes into it), which [`DeferredSignature::complete`] catches by checking the signature
//! against the certificate and the update against the signed message digest.

use der::{Decode, Encode};
use x509_cert::Certificate;

use super::{DeferredSignature, InputFingerprint};
use crate::crypto::{DigestAlgorithm, SignatureScheme};
use crate::error::{DeferredError, Error, Result};
use crate::sign::byterange::Placeholders;
use cms::signed_data::SignedAttributes;

const MAGIC: &[u8; 8] = b"CSDEFER\n";
/// The format version this build writes and reads.
pub const VERSION: u16 = 1;
const CHECKSUM_LEN: usize = 32;
/// Certificates in the chain: far more than any real chain.
const MAX_CERTIFICATES: u16 = 64;

impl DeferredSignature {
    /// The largest state [`Self::from_bytes`] accepts: the update of one signature is small, and
    /// a caller reading a state from an untrusted file checks its size against this first.
    ///
    /// ```
    /// use countersign::DeferredSignature;
    ///
    /// assert!(DeferredSignature::from_bytes(&vec![0; DeferredSignature::MAX_LEN + 1]).is_err());
    /// ```
    pub const MAX_LEN: usize = 256 << 20;

    /// The state as bytes, to be stored or sent to the process that completes the signature.
    ///
    /// ```
    /// # use countersign::crypto::credential::parse_certificates;
    /// # use countersign::{prepare_deferred, DeferredSignature, DigestAlgorithm, SignOptions, SignatureScheme};
    /// # let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
    /// # let chain = parse_certificates(&std::fs::read("testdata/pki/demo.chain.pem")?)?;
    /// let prepared = prepare_deferred(&pdf, chain, SignatureScheme::RsaPkcs1v15(DigestAlgorithm::Sha256), &SignOptions::default())?;
    /// let bytes = prepared.to_bytes()?;
    /// assert!(bytes.len() < pdf.len() + 16_384); // the document itself is not in it
    /// assert_eq!(DeferredSignature::from_bytes(&bytes)?, prepared);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(self.update.len().saturating_add(8192));
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_be_bytes());
        out.extend_from_slice(&self.input.len.to_be_bytes());
        out.extend_from_slice(&self.input.sha256);
        out.extend_from_slice(&scheme_code(self.scheme));
        out.extend_from_slice(&(self.placeholders.byte_range_at as u64).to_be_bytes());
        out.extend_from_slice(&(self.placeholders.contents_start as u64).to_be_bytes());
        out.extend_from_slice(&(self.placeholders.contents_end as u64).to_be_bytes());
        put_bytes(&mut out, self.field_name.as_bytes())?;
        put_bytes(&mut out, &self.update)?;
        put_bytes(&mut out, &self.signed_attributes)?;
        let count = u16::try_from(self.chain.len()).map_err(|_| too_long("certificates"))?;
        out.extend_from_slice(&count.to_be_bytes());
        for certificate in &self.chain {
            let der = certificate
                .to_der()
                .map_err(Error::der("a chain certificate"))?;
            put_bytes(&mut out, &der)?;
        }
        let checksum = DigestAlgorithm::Sha256.digest_chunks(&[&out]);
        out.extend_from_slice(&checksum);
        Ok(out)
    }

    /// Reads a state written by [`Self::to_bytes`]. Anything else, including a state cut
    /// short or one with trailing bytes, is [`DeferredError::MalformedState`]; a state of
    /// another format version is [`DeferredError::UnsupportedVersion`].
    ///
    /// ```
    /// # use countersign::crypto::credential::parse_certificates;
    /// # use countersign::{prepare_deferred, DeferredSignature, DigestAlgorithm, Error, SignOptions, SignatureScheme};
    /// # let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
    /// # let chain = parse_certificates(&std::fs::read("testdata/pki/demo.chain.pem")?)?;
    /// let bytes = prepare_deferred(&pdf, chain, SignatureScheme::RsaPkcs1v15(DigestAlgorithm::Sha256), &SignOptions::default())?.to_bytes()?;
    /// assert!(DeferredSignature::from_bytes(&bytes).is_ok());
    /// assert!(matches!(DeferredSignature::from_bytes(&bytes[..bytes.len() - 1]), Err(Error::Deferred(_))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > Self::MAX_LEN {
            return Err(malformed(0, "larger than any state"));
        }
        let mut reader = Reader { bytes, at: 0 };
        if reader.take(MAGIC.len())? != MAGIC {
            return Err(malformed(0, "not a countersign deferred-signing state"));
        }
        let version = reader.u16()?;
        if version != VERSION {
            return Err(DeferredError::UnsupportedVersion {
                found: version,
                supported: VERSION,
            }
            .into());
        }
        let body_len = bytes
            .len()
            .checked_sub(CHECKSUM_LEN)
            .filter(|&len| len >= reader.at)
            .ok_or_else(|| malformed(reader.at, "truncated"))?;
        let (body, checksum) = bytes.split_at_checked(body_len).unwrap_or_default();
        if DigestAlgorithm::Sha256.digest_chunks(&[body]) != checksum {
            return Err(malformed(body_len, "checksum mismatch (damaged state)"));
        }
        let mut reader = Reader {
            bytes: body,
            at: reader.at,
        };
        let len = reader.u64()?;
        let sha256 = reader.array()?;
        let input = InputFingerprint { len, sha256 };
        let scheme_at = reader.at;
        let scheme = scheme_from_code(reader.u8()?, reader.u8()?)
            .ok_or_else(|| malformed(scheme_at, "unknown signature scheme"))?;
        let placeholders_at = reader.at;
        let byte_range_at = reader.usize()?;
        let contents_start = reader.usize()?;
        let contents_end = reader.usize()?;
        let name_at = reader.at;
        let field_name = String::from_utf8(reader.bytes()?.to_vec())
            .map_err(|_| malformed(name_at, "field name is not UTF-8"))?;
        let update = reader.bytes()?.to_vec();
        let placeholders = placeholders_in(&update, byte_range_at, contents_start, contents_end)
            .ok_or_else(|| malformed(placeholders_at, "/Contents is not where the state says"))?;
        let attributes_at = reader.at;
        let signed_attributes = reader.bytes()?.to_vec();
        SignedAttributes::from_der(&signed_attributes)
            .map_err(|_| malformed(attributes_at, "signed attributes are not DER"))?;
        let chain = read_chain(&mut reader)?;
        if reader.at != body.len() {
            return Err(malformed(reader.at, "trailing bytes"));
        }
        Ok(Self {
            update,
            placeholders,
            field_name,
            signed_attributes,
            scheme,
            chain,
            input,
        })
    }
}

fn read_chain(reader: &mut Reader<'_>) -> Result<Vec<Certificate>> {
    let count_at = reader.at;
    let count = reader.u16()?;
    if count == 0 || count > MAX_CERTIFICATES {
        return Err(malformed(count_at, "certificate count out of range"));
    }
    let mut chain = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let at = reader.at;
        let certificate = Certificate::from_der(reader.bytes()?)
            .map_err(|_| malformed(at, "a chain certificate is not DER"))?;
        chain.push(certificate);
    }
    Ok(chain)
}

/// The `/Contents` placeholder at `start..end` of `update`, if it is a hex string there.
fn placeholders_in(
    update: &[u8],
    byte_range_at: usize,
    start: usize,
    end: usize,
) -> Option<Placeholders> {
    let inner = end.checked_sub(start)?;
    let is_string = update.get(start) == Some(&b'<')
        && update.get(end.checked_sub(1)?) == Some(&b'>')
        && inner >= 2
        && update.get(byte_range_at) == Some(&b'[');
    is_string.then_some(Placeholders {
        byte_range_at,
        contents_start: start,
        contents_end: end,
    })
}

/// Stable codes: a state must read back in any later build.
fn scheme_code(scheme: SignatureScheme) -> [u8; 2] {
    match scheme {
        SignatureScheme::RsaPkcs1v15(d) => [1, digest_code(d)],
        SignatureScheme::RsaPss(d) => [2, digest_code(d)],
        SignatureScheme::EcdsaP256(d) => [3, digest_code(d)],
        SignatureScheme::EcdsaP384(d) => [4, digest_code(d)],
        SignatureScheme::Ed25519 => [5, digest_code(DigestAlgorithm::Sha512)],
        SignatureScheme::Sm2Sm3 => [6, digest_code(DigestAlgorithm::Sm3)],
    }
}

fn scheme_from_code(kind: u8, digest: u8) -> Option<SignatureScheme> {
    let digest = digest_from_code(digest)?;
    Some(match kind {
        1 => SignatureScheme::RsaPkcs1v15(digest),
        2 => SignatureScheme::RsaPss(digest),
        3 => SignatureScheme::EcdsaP256(digest),
        4 => SignatureScheme::EcdsaP384(digest),
        5 if digest == DigestAlgorithm::Sha512 => SignatureScheme::Ed25519,
        6 if digest == DigestAlgorithm::Sm3 => SignatureScheme::Sm2Sm3,
        _ => return None,
    })
}

fn digest_code(digest: DigestAlgorithm) -> u8 {
    match digest {
        DigestAlgorithm::Sha256 => 1,
        DigestAlgorithm::Sha384 => 2,
        DigestAlgorithm::Sha512 => 3,
        DigestAlgorithm::Sm3 => 4,
    }
}

fn digest_from_code(code: u8) -> Option<DigestAlgorithm> {
    match code {
        1 => Some(DigestAlgorithm::Sha256),
        2 => Some(DigestAlgorithm::Sha384),
        3 => Some(DigestAlgorithm::Sha512),
        4 => Some(DigestAlgorithm::Sm3),
        _ => None,
    }
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) -> Result<()> {
    let len = u32::try_from(bytes.len()).map_err(|_| too_long("a field"))?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
    Ok(())
}

fn malformed(offset: usize, reason: &'static str) -> Error {
    DeferredError::MalformedState { offset, reason }.into()
}

fn too_long(what: &'static str) -> Error {
    Error::invalid_option("deferred state", format!("{what} too long to serialise"))
}

/// Reads fields front to back; every read checks what remains first.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8]> {
        let end = self
            .at
            .checked_add(len)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| malformed(self.at, "truncated"))?;
        let taken = self.bytes.get(self.at..end).unwrap_or_default();
        self.at = end;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut array = [0u8; N];
        array.copy_from_slice(self.take(N)?);
        Ok(array)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(u8::from_be_bytes(self.array()?))
    }

    fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    fn usize(&mut self) -> Result<usize> {
        let at = self.at;
        usize::try_from(self.u64()?).map_err(|_| malformed(at, "offset out of range"))
    }

    /// A u32 length, then that many bytes (checked against what remains: nothing is
    /// allocated for a length the state does not hold).
    fn bytes(&mut self) -> Result<&'a [u8]> {
        let at = self.at;
        let len = usize::try_from(u32::from_be_bytes(self.array()?))
            .map_err(|_| malformed(at, "length out of range"))?;
        self.take(len)
    }
}
