//! The public-key security handler (`Adobe.PubSec`, ISO 32000-2 §7.6.5): the file key of a
//! document encrypted for certificate holders, opened with one holder's certificate and key.
//!
//! `/Recipients` (in the encryption dictionary for `adbe.pkcs7.s3`/`s4`, in the default crypt
//! filter for `adbe.pkcs7.s5`) is an array of DER CMS `ContentInfo`s holding an EnvelopedData
//! (RFC 5652 §6). The recipient's RecipientInfo gives the content-encryption key (RSA PKCS#1
//! v1.5), which opens the envelope: a 20-byte seed and the permissions P (4 bytes, big-endian).
//! The file key is SHA-1 (SHA-256 for AES-256) over the seed, every entry's bytes in order and,
//! when metadata stays unencrypted, `FF FF FF FF`.
//!
//! The entries are the file's bytes, so the attacker's: their count and sizes are bounded, and
//! every failure is a typed [`PubSecError`].

use std::fmt;

use cms::cert::x509::ext::pkix::SubjectKeyIdentifier;
use cms::content_info::ContentInfo;
use cms::enveloped_data::{
    EncryptedContentInfo, EnvelopedData, KeyTransRecipientInfo, RecipientIdentifier, RecipientInfo,
};
use der::asn1::OctetString;
use der::oid::ObjectIdentifier;
use der::zeroize::Zeroizing;
use der::{Decode, SliceReader};
use pkcs8::DecodePrivateKey;
use sha2::Digest;
use spki::{AlgorithmIdentifierOwned, EncodePublicKey, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;

use crate::crypto::algorithm::RSA_ENCRYPTION;
use crate::crypto::credential::{parse_certificates, private_key_pkcs8, public_keys_match};
use crate::error::{CredentialError, Error, PubSecError, Result};
use crate::pdf::{Dict, Object};

/// More `/Recipients` entries than any real document has (one entry per group of recipients
/// sharing permissions).
const MAX_RECIPIENT_ENTRIES: usize = 256;
/// One entry holds a RecipientInfo of a few hundred bytes per recipient: 1 MiB is thousands.
const MAX_ENTRY_BYTES: usize = 1 << 20;
const SEED_LEN: usize = 20;
/// What an envelope without permissions (a crypt filter that is not the default one) leaves:
/// nothing restricted.
const NO_RESTRICTIONS: i32 = -1;

const ID_ENVELOPED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.3");
const AES128_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.2");
const AES192_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.22");
const AES256_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.42");
const DES_EDE3_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.3.7");
const RC2_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.3.2");

/// A holder of a document encrypted for certificate holders (the public-key security handler,
/// `Adobe.PubSec`): the certificate the document names and its RSA private key.
///
/// The key stays in memory only as long as this value and is zeroized when it is dropped;
/// `Debug` shows the certificate's subject and serial number, never the key.
///
/// # Examples
///
/// ```
/// use countersign::PubSecRecipient;
///
/// let recipient = PubSecRecipient::from_pem(
///     &std::fs::read("testdata/pki/pubsec-recipient.cert.pem")?,
///     &std::fs::read("testdata/pki/pubsec-recipient.key.pem")?, // PKCS#8 or PKCS#1
/// )?;
/// let subject = recipient.certificate().tbs_certificate().subject().to_string();
/// assert!(subject.contains("CN=PubSec Recipient"));
/// assert!(!format!("{recipient:?}").contains("PRIVATE"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PubSecRecipient {
    certificate: Certificate,
    /// `rsa::PrivateKey` zeroizes itself on drop.
    key: rsa::PrivateKey,
}

impl PubSecRecipient {
    /// The recipient from a PEM certificate (or a PEM chain: the certificate of the key is
    /// chosen) and an unencrypted PEM private key (`PRIVATE KEY` or `RSA PRIVATE KEY`).
    ///
    /// Fails with [`CredentialError::UnsupportedKeyAlgorithm`] for a key other than RSA and
    /// [`Error::KeyMismatch`] when the key is not the certificate's.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::{Error, PubSecRecipient};
    ///
    /// let certificate = std::fs::read("testdata/pki/pubsec-recipient.cert.pem")?;
    /// let pkcs1 = std::fs::read("testdata/pki/pubsec-recipient.pkcs1.pem")?;
    /// assert!(PubSecRecipient::from_pem(&certificate, &pkcs1).is_ok());
    ///
    /// let other_key = std::fs::read("testdata/pki/demo.key.pem")?;
    /// let mismatch = PubSecRecipient::from_pem(&certificate, &other_key).unwrap_err();
    /// assert!(matches!(mismatch, Error::KeyMismatch { .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_pem(certificate_pem: &[u8], key_pem: &[u8]) -> Result<Self> {
        Self::new(certificate_pem, key_pem)
    }

    /// The recipient from a DER certificate and an unencrypted DER private key (PKCS#8 or
    /// PKCS#1). Fails as [`PubSecRecipient::from_pem`] does.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::PubSecRecipient;
    ///
    /// let recipient = PubSecRecipient::from_der(
    ///     &std::fs::read("testdata/pki/pubsec-recipient.cert.der")?,
    ///     &std::fs::read("testdata/pki/pubsec-recipient.key.der")?,
    /// )?;
    /// assert_eq!(recipient.certificate().tbs_certificate().serial_number().as_bytes(), [0x70, 0x01]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_der(certificate_der: &[u8], key_der: &[u8]) -> Result<Self> {
        Self::new(certificate_der, key_der)
    }

    /// The recipient's certificate: the one whose issuer and serial number (or subject key
    /// identifier) a document's RecipientInfo must name.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::PubSecRecipient;
    ///
    /// let recipient = PubSecRecipient::from_pem(
    ///     &std::fs::read("testdata/pki/pubsec-recipient.cert.pem")?,
    ///     &std::fs::read("testdata/pki/pubsec-recipient.key.pem")?,
    /// )?;
    /// assert!(recipient.certificate().tbs_certificate().issuer().to_string().contains("CN=Demo Organisation CA"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    fn new(certificates: &[u8], key: &[u8]) -> Result<Self> {
        let pkcs8 = private_key_pkcs8(key, None)?;
        let info = pkcs8::PrivateKeyInfoRef::try_from(pkcs8.as_slice())
            .map_err(Error::invalid("PKCS#8 private key"))?;
        if info.algorithm.oid != RSA_ENCRYPTION {
            return Err(CredentialError::UnsupportedKeyAlgorithm {
                oid: info.algorithm.oid,
            }
            .into());
        }
        let key =
            rsa::PrivateKey::from_pkcs8_der(&pkcs8).map_err(Error::invalid("RSA private key"))?;
        let public = key
            .to_public_key()
            .to_public_key_der()
            .map_err(Error::invalid("RSA public key"))?;
        let public = SubjectPublicKeyInfoOwned::from_der(public.as_bytes())
            .map_err(Error::invalid("RSA public key"))?;
        let certificates = parse_certificates(certificates)?;
        let certificate = certificates
            .iter()
            .find(|c| public_keys_match(c.tbs_certificate().subject_public_key_info(), &public))
            .cloned();
        match (certificate, certificates.as_slice()) {
            (Some(certificate), _) => Ok(Self { certificate, key }),
            (None, [only]) => Err(Error::KeyMismatch {
                subject: only.tbs_certificate().subject().to_string(),
            }),
            (None, _) => Err(CredentialError::NoMatchingCertificate.into()),
        }
    }

    /// Whether a RecipientInfo's identifier names this recipient's certificate.
    fn is_named_by(&self, rid: &RecipientIdentifier) -> bool {
        let tbs = self.certificate.tbs_certificate();
        match rid {
            RecipientIdentifier::IssuerAndSerialNumber(id) => {
                tbs.issuer() == &id.issuer && tbs.serial_number() == &id.serial_number
            }
            RecipientIdentifier::SubjectKeyIdentifier(ski) => matches!(
                tbs.get_extension::<SubjectKeyIdentifier>(),
                Ok(Some((_, own))) if &own == ski
            ),
        }
    }

    fn subject(&self) -> String {
        self.certificate.tbs_certificate().subject().to_string()
    }
}

impl fmt::Debug for PubSecRecipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tbs = self.certificate.tbs_certificate();
        f.debug_struct("PubSecRecipient")
            .field("subject", &tbs.subject().to_string())
            .field("serial_number", &tbs.serial_number().to_string())
            .field("key", &"<redacted>")
            .finish()
    }
}

/// The file encryption key (`key_len_bytes` long) and the permissions P of a document encrypted
/// with the public-key security handler, opened with `recipient`'s key.
///
/// `encrypt` is the encryption dictionary with `/CF`, its crypt filters and `/Recipients`
/// direct (the reader resolves them first): this function reads no file. `sha256` is set for
/// AES-256 (`/V 5`, `AESV3`), where the key is derived with SHA-256 instead of SHA-1.
pub(crate) fn file_key(
    encrypt: &Dict,
    recipient: &PubSecRecipient,
    key_len_bytes: usize,
    sha256: bool,
) -> Result<(Zeroizing<Vec<u8>>, i32)> {
    let available = if sha256 { 32 } else { 20 };
    if key_len_bytes == 0 || key_len_bytes > available {
        return Err(PubSecError::KeyLength {
            requested: key_len_bytes,
            available,
        }
        .into());
    }
    let (recipients, encrypt_metadata) = recipients_of(encrypt)?;
    let entries = recipient_entries(recipients)?;
    let (seed, permissions) = open_envelope(&entries, recipient)?;
    let key = if sha256 {
        derive_key::<sha2::Sha256>(&seed, &entries, encrypt_metadata, key_len_bytes)
    } else {
        derive_key::<sha1::Sha1>(&seed, &entries, encrypt_metadata, key_len_bytes)
    };
    Ok((key, permissions))
}

fn malformed(index: Option<usize>, reason: impl Into<String>) -> Error {
    PubSecError::MalformedRecipients {
        index,
        reason: reason.into(),
    }
    .into()
}

/// `/Recipients` and whether metadata is encrypted: from the default crypt filter for
/// `adbe.pkcs7.s5` (crypt filters), from the encryption dictionary otherwise.
fn recipients_of(encrypt: &Dict) -> Result<(&Object, bool)> {
    let document_metadata = encrypt_metadata(encrypt, true);
    let uses_crypt_filters = encrypt.has_name(b"SubFilter", b"adbe.pkcs7.s5")
        || (!encrypt.contains(b"Recipients") && encrypt.contains(b"CF"));
    if !uses_crypt_filters {
        let recipients = encrypt
            .get(b"Recipients")
            .ok_or_else(|| malformed(None, "the encryption dictionary has no /Recipients"))?;
        return Ok((recipients, document_metadata));
    }
    let filter = default_crypt_filter(encrypt)?;
    let recipients = filter
        .get(b"Recipients")
        .ok_or_else(|| malformed(None, "the default crypt filter has no /Recipients"))?;
    Ok((recipients, encrypt_metadata(filter, document_metadata)))
}

fn encrypt_metadata(dict: &Dict, default: bool) -> bool {
    match dict.get(b"EncryptMetadata") {
        Some(Object::Bool(value)) => *value,
        _ => default,
    }
}

/// The crypt filter streams use (`/StmF`), or strings (`/StrF`) when streams are not encrypted.
fn default_crypt_filter(encrypt: &Dict) -> Result<&Dict> {
    let name = [b"StmF".as_slice(), b"StrF"]
        .iter()
        .filter_map(|key| encrypt.get(key).and_then(Object::as_name))
        .find(|name| *name != b"Identity")
        .ok_or_else(|| malformed(None, "neither /StmF nor /StrF names a crypt filter"))?;
    let filters = match encrypt.get(b"CF") {
        Some(Object::Dict(filters)) => filters,
        Some(other) => {
            return Err(malformed(
                None,
                format!("/CF is a {}, not a dictionary", other.type_name()),
            ));
        }
        None => return Err(malformed(None, "the encryption dictionary has no /CF")),
    };
    match filters.get(name) {
        Some(Object::Dict(filter)) => Ok(filter),
        Some(other) => Err(malformed(
            None,
            format!(
                "crypt filter /{} is a {}, not a dictionary",
                String::from_utf8_lossy(name),
                other.type_name()
            ),
        )),
        None => Err(malformed(
            None,
            format!("/CF has no crypt filter /{}", String::from_utf8_lossy(name)),
        )),
    }
}

/// The entries' bytes: an array of strings, or one string (a crypt filter that is not the
/// default one has a single entry).
fn recipient_entries(recipients: &Object) -> Result<Vec<&[u8]>> {
    let objects = match recipients {
        Object::String(..) => std::slice::from_ref(recipients),
        Object::Array(objects) => objects.as_slice(),
        other => {
            return Err(malformed(
                None,
                format!("a {}, not an array of strings", other.type_name()),
            ));
        }
    };
    if objects.is_empty() {
        return Err(malformed(None, "the array is empty"));
    }
    if objects.len() > MAX_RECIPIENT_ENTRIES {
        return Err(malformed(
            None,
            format!(
                "{} entries, more than the {MAX_RECIPIENT_ENTRIES} accepted",
                objects.len()
            ),
        ));
    }
    objects
        .iter()
        .enumerate()
        .map(|(index, object)| match object {
            Object::String(bytes, _) if bytes.len() > MAX_ENTRY_BYTES => Err(malformed(
                Some(index),
                format!(
                    "{} bytes, more than the {MAX_ENTRY_BYTES} accepted",
                    bytes.len()
                ),
            )),
            Object::String(bytes, _) => Ok(bytes.as_slice()),
            other => Err(malformed(
                Some(index),
                format!("a {}, not a string", other.type_name()),
            )),
        })
        .collect()
}

/// The seed and permissions from the first entry with a RecipientInfo for `recipient`. Entries
/// after it are hashed but not parsed, as other readers do.
fn open_envelope(
    entries: &[&[u8]],
    recipient: &PubSecRecipient,
) -> Result<(Zeroizing<Vec<u8>>, i32)> {
    for (index, bytes) in entries.iter().enumerate() {
        let enveloped = enveloped_data(index, bytes)?;
        let ours = enveloped.recip_infos.0.iter().find_map(|info| match info {
            RecipientInfo::Ktri(ktri) if recipient.is_named_by(&ktri.rid) => Some(ktri),
            _ => None,
        });
        if let Some(ktri) = ours {
            let content_key = content_key(index, ktri, recipient)?;
            let content = decrypt_content(index, &enveloped.encrypted_content, &content_key)?;
            return seed_and_permissions(index, &content);
        }
    }
    Err(PubSecError::NotRecipient {
        subject: recipient.subject(),
        entries: entries.len(),
    }
    .into())
}

/// One entry as EnvelopedData. Bytes after the ContentInfo are ignored (and hashed), as other
/// readers do.
fn enveloped_data(index: usize, bytes: &[u8]) -> Result<EnvelopedData> {
    let der_error = |error: der::Error| malformed(Some(index), format!("not DER CMS: {error}"));
    let mut reader = SliceReader::new(bytes).map_err(der_error)?;
    let info = ContentInfo::decode(&mut reader).map_err(der_error)?;
    if info.content_type != ID_ENVELOPED_DATA {
        return Err(malformed(
            Some(index),
            format!(
                "content type {}, not EnvelopedData (1.2.840.113549.1.7.3)",
                info.content_type
            ),
        ));
    }
    info.content.decode_as::<EnvelopedData>().map_err(der_error)
}

/// The content-encryption key, decrypted with the recipient's RSA key (PKCS#1 v1.5).
fn content_key(
    index: usize,
    ktri: &KeyTransRecipientInfo,
    recipient: &PubSecRecipient,
) -> Result<Zeroizing<Vec<u8>>> {
    if ktri.key_enc_alg.oid != RSA_ENCRYPTION {
        return Err(PubSecError::UnsupportedKeyEncryption {
            index,
            oid: ktri.key_enc_alg.oid,
        }
        .into());
    }
    // Blinded; a wrong padding yields a synthetic key (implicit rejection), which then fails to
    // open the content: no padding oracle.
    recipient
        .key
        .decrypt_blinded(
            &mut getrandom::SysRng,
            rsa::Pkcs1v15Encrypt,
            ktri.enc_key.as_bytes(),
        )
        .map(Zeroizing::new)
        .map_err(|_| PubSecError::EnvelopeNotOpened { index }.into())
}

fn decrypt_content(
    index: usize,
    info: &EncryptedContentInfo,
    key: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let ciphertext = info
        .encrypted_content
        .as_ref()
        .ok_or_else(|| malformed(Some(index), "the EnvelopedData has no encrypted content"))?;
    let mut buffer = Zeroizing::new(ciphertext.as_bytes().to_vec());
    let algorithm = &info.content_enc_alg;
    let length = match algorithm.oid {
        AES128_CBC => {
            cbc_decrypt::<aes::Aes128>(index, key, &iv(index, algorithm, 16)?, &mut buffer)?
        }
        AES192_CBC => {
            cbc_decrypt::<aes::Aes192>(index, key, &iv(index, algorithm, 16)?, &mut buffer)?
        }
        AES256_CBC => {
            cbc_decrypt::<aes::Aes256>(index, key, &iv(index, algorithm, 16)?, &mut buffer)?
        }
        DES_EDE3_CBC => {
            cbc_decrypt::<des::TdesEde3>(index, key, &iv(index, algorithm, 8)?, &mut buffer)?
        }
        RC2_CBC => rc2_decrypt(index, algorithm, key, &mut buffer)?,
        oid => return Err(PubSecError::UnsupportedContentEncryption { index, oid }.into()),
    };
    buffer.truncate(length);
    Ok(buffer)
}

/// The IV of a CBC algorithm: its parameters, an OCTET STRING of one block.
fn iv(index: usize, algorithm: &AlgorithmIdentifierOwned, block: usize) -> Result<Vec<u8>> {
    let iv = algorithm
        .parameters
        .as_ref()
        .and_then(|parameters| parameters.decode_as::<OctetString>().ok())
        .ok_or_else(|| malformed(Some(index), format!("{} without an IV", algorithm.oid)))?;
    if iv.as_bytes().len() != block {
        return Err(malformed(
            Some(index),
            format!("IV of {} bytes, not {block}", iv.as_bytes().len()),
        ));
    }
    Ok(iv.as_bytes().to_vec())
}

/// Decrypts `buffer` in place and returns the unpadded length. A key of the wrong length or a
/// bad padding means the key is not the one the envelope was made with.
fn cbc_decrypt<C>(index: usize, key: &[u8], iv: &[u8], buffer: &mut [u8]) -> Result<usize>
where
    cbc::Decryptor<C>: cbc::cipher::KeyIvInit + cbc::cipher::BlockModeDecrypt,
    C: cbc::cipher::BlockCipherDecrypt,
{
    use cbc::cipher::KeyIvInit;
    let decryptor = cbc::Decryptor::<C>::new_from_slices(key, iv)
        .map_err(|_| Error::from(PubSecError::EnvelopeNotOpened { index }))?;
    unpad(index, decryptor, buffer)
}

fn unpad<M: cbc::cipher::BlockModeDecrypt>(
    index: usize,
    mode: M,
    buffer: &mut [u8],
) -> Result<usize> {
    mode.decrypt_padded::<cbc::cipher::block_padding::Pkcs7>(buffer)
        .map(<[u8]>::len)
        .map_err(|_| PubSecError::EnvelopeNotOpened { index }.into())
}

/// RC2-CBC (RFC 3370 §5.2): parameters are `RC2CBCParameter` (an optional version giving the
/// effective key bits, and the IV), or the IV alone.
fn rc2_decrypt(
    index: usize,
    algorithm: &AlgorithmIdentifierOwned,
    key: &[u8],
    buffer: &mut [u8],
) -> Result<usize> {
    use cbc::cipher::InnerIvInit;
    let parameters = algorithm.parameters.as_ref();
    let (version, iv) = match parameters.map(|p| p.decode_as::<Rc2CbcParameter>()) {
        Some(Ok(parameter)) => (parameter.version, parameter.iv),
        _ => (
            None,
            parameters
                .and_then(|p| p.decode_as::<OctetString>().ok())
                .ok_or_else(|| malformed(Some(index), "RC2-CBC without parameters"))?,
        ),
    };
    let effective_bits = match version {
        None => 32,
        Some(160) => 40,
        Some(120) => 64,
        Some(58) => 128,
        Some(bits @ 256..=1024) => bits as usize,
        Some(other) => {
            return Err(malformed(
                Some(index),
                format!("RC2 parameter version {other} is not one of 160, 120, 58 or 256 to 1024"),
            ));
        }
    };
    if iv.as_bytes().len() != 8 {
        return Err(malformed(
            Some(index),
            format!("IV of {} bytes, not 8", iv.as_bytes().len()),
        ));
    }
    // The key schedule takes 1 to 128 key bytes.
    if key.is_empty() || key.len() > 128 {
        return Err(PubSecError::EnvelopeNotOpened { index }.into());
    }
    let cipher = rc2::Rc2::new_with_eff_key_len(key, effective_bits);
    let decryptor = cbc::Decryptor::inner_iv_slice_init(cipher, iv.as_bytes())
        .map_err(|_| Error::from(PubSecError::EnvelopeNotOpened { index }))?;
    unpad(index, decryptor, buffer)
}

#[derive(der::Sequence)]
struct Rc2CbcParameter {
    version: Option<u32>,
    iv: OctetString,
}

/// The seed (20 bytes) and, in the default crypt filter's envelope, P (4 bytes, big-endian).
fn seed_and_permissions(index: usize, content: &[u8]) -> Result<(Zeroizing<Vec<u8>>, i32)> {
    let seed = content.get(..SEED_LEN).ok_or_else(|| {
        malformed(
            Some(index),
            format!(
                "the envelope holds {} bytes, not a {SEED_LEN}-byte seed",
                content.len()
            ),
        )
    })?;
    let permissions = content
        .get(SEED_LEN..SEED_LEN.saturating_add(4))
        .and_then(|bytes| <[u8; 4]>::try_from(bytes).ok())
        .map_or(NO_RESTRICTIONS, i32::from_be_bytes);
    Ok((Zeroizing::new(seed.to_vec()), permissions))
}

fn derive_key<D: Digest>(
    seed: &[u8],
    entries: &[&[u8]],
    encrypt_metadata: bool,
    key_len_bytes: usize,
) -> Zeroizing<Vec<u8>> {
    let mut digest = D::new();
    digest.update(seed);
    for entry in entries {
        digest.update(entry);
    }
    if !encrypt_metadata {
        digest.update([0xFF; 4]);
    }
    let hash = digest.finalize();
    Zeroizing::new(hash.get(..key_len_bytes).unwrap_or_default().to_vec())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::pdf::{Document, StringForm};

    fn testdata(path: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .join(path)
    }

    fn read(path: &str) -> Vec<u8> {
        std::fs::read(testdata(path)).unwrap()
    }

    fn recipient() -> PubSecRecipient {
        PubSecRecipient::from_pem(
            &read("pki/pubsec-recipient.cert.pem"),
            &read("pki/pubsec-recipient.key.pem"),
        )
        .unwrap()
    }

    /// The file key (hex) and P pyHanko derived for a fixture (testdata/tools/make_pubsec.py).
    fn expected(name: &str) -> (String, i32) {
        let text = String::from_utf8(read(&format!("pubsec/{name}.key.txt"))).unwrap();
        let mut lines = text.lines();
        let key = lines.next().unwrap().to_owned();
        let permissions = lines.next().unwrap().parse().unwrap();
        (key, permissions)
    }

    fn encrypt_dict(name: &str) -> Dict {
        let data = read(&format!("pubsec/{name}.pdf"));
        let document = Document::parse(&data).unwrap();
        let encrypt = document
            .resolve_key(document.trailer(), b"Encrypt")
            .unwrap()
            .unwrap();
        encrypt.as_dict().unwrap().clone()
    }

    /// An `adbe.pkcs7.s4` dictionary with the given entries, metadata encrypted.
    fn s4_dict(entries: Vec<Object>) -> Dict {
        let mut dict = Dict::new();
        dict.set("Filter", Object::name("Adobe.PubSec"));
        dict.set("SubFilter", Object::name("adbe.pkcs7.s4"));
        dict.set("V", Object::Integer(2));
        dict.set("Length", Object::Integer(128));
        dict.set("Recipients", Object::Array(entries));
        dict
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|byte| format!("{byte:02x}")).collect()
    }

    fn string(bytes: &[u8]) -> Object {
        Object::String(bytes.to_vec(), StringForm::Hex)
    }

    fn pubsec_error(result: Result<(Zeroizing<Vec<u8>>, i32)>) -> PubSecError {
        match result {
            Err(Error::PubSec(error)) => error,
            Err(other) => panic!("not a PubSecError: {other}"),
            Ok((key, _)) => panic!("opened, key {}", hex(key.as_slice())),
        }
    }

    /// Replaces the only occurrence of `from` in `bytes` with `to` (same length).
    fn replaced(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
        let at: Vec<usize> = bytes
            .windows(from.len())
            .enumerate()
            .filter(|(_, window)| *window == from)
            .map(|(at, _)| at)
            .collect();
        assert_eq!(at.len(), 1, "{} occurrences", at.len());
        let mut out = bytes.to_vec();
        out[at[0]..at[0] + to.len()].copy_from_slice(to);
        out
    }

    #[test]
    fn the_file_keys_are_the_ones_pyhanko_derives() {
        // (fixture, key bytes, SHA-256): what the reader takes from /V and /Length.
        for (name, key_len, sha256) in [
            ("pubsec-aes256", 32, true),   // s5, AESV3
            ("pubsec-aes128", 16, false),  // s5, AESV2, EncryptMetadata false
            ("pubsec-rc4-128", 16, false), // s4, RC4 128-bit, /Recipients in the dictionary
        ] {
            let (key, permissions) =
                file_key(&encrypt_dict(name), &recipient(), key_len, sha256).unwrap();
            assert_eq!((hex(key.as_slice()), permissions), expected(name), "{name}");
        }
    }

    #[test]
    fn unencrypted_metadata_changes_the_key() {
        let mut dict = encrypt_dict("pubsec-aes128");
        let Some(Object::Dict(filters)) = dict.get_mut(b"CF") else {
            panic!("no /CF")
        };
        let Some(Object::Dict(filter)) = filters.get_mut(b"DefaultCryptFilter") else {
            panic!("no default crypt filter")
        };
        filter.set("EncryptMetadata", Object::Bool(true));
        let (key, _) = file_key(&dict, &recipient(), 16, false).unwrap();
        assert_ne!(hex(key.as_slice()), expected("pubsec-aes128").0);
    }

    #[test]
    fn hand_made_envelopes_3des_rc2_and_aes128_by_subject_key_identifier() {
        for name in ["envelope-3des", "envelope-rc2", "envelope-aes128-ski"] {
            let dict = s4_dict(vec![string(&read(&format!("pubsec/{name}.der")))]);
            let (key, permissions) = file_key(&dict, &recipient(), 16, false).unwrap();
            assert_eq!((hex(key.as_slice()), permissions), expected(name), "{name}");
        }
    }

    #[test]
    fn der_and_pkcs1_keys_give_the_same_recipient() {
        let from_der = PubSecRecipient::from_der(
            &read("pki/pubsec-recipient.cert.der"),
            &read("pki/pubsec-recipient.key.der"),
        )
        .unwrap();
        let from_pkcs1 = PubSecRecipient::from_pem(
            &read("pki/pubsec-recipient.cert.pem"),
            &read("pki/pubsec-recipient.pkcs1.pem"),
        )
        .unwrap();
        let dict = encrypt_dict("pubsec-rc4-128");
        for recipient in [from_der, from_pkcs1] {
            let (key, _) = file_key(&dict, &recipient, 16, false).unwrap();
            assert_eq!(hex(key.as_slice()), expected("pubsec-rc4-128").0);
        }
    }

    #[test]
    fn a_chain_file_picks_the_certificate_of_the_key() {
        let mut chain = read("pki/demo.chain.pem");
        chain.extend(read("pki/pubsec-recipient.cert.pem"));
        let recipient =
            PubSecRecipient::from_pem(&chain, &read("pki/pubsec-recipient.key.pem")).unwrap();
        assert_eq!(
            recipient.certificate(),
            &parse_certificates(&read("pki/pubsec-recipient.cert.pem")).unwrap()[0]
        );
    }

    #[test]
    fn keys_that_are_not_the_certificates_or_not_rsa_are_refused() {
        let certificate = read("pki/pubsec-recipient.cert.pem");
        assert!(matches!(
            PubSecRecipient::from_pem(&certificate, &read("pki/demo.key.pem")),
            Err(Error::KeyMismatch { subject }) if subject.contains("CN=PubSec Recipient")
        ));
        assert!(matches!(
            PubSecRecipient::from_pem(&certificate, &read("pki/demo-p256.key.pem")),
            Err(Error::Credential(
                CredentialError::UnsupportedKeyAlgorithm { .. }
            ))
        ));
    }

    #[test]
    fn debug_names_the_certificate_and_never_the_key() {
        let debug = format!("{:?}", recipient());
        assert!(debug.contains("CN=PubSec Recipient"), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
        assert!(!debug.to_lowercase().contains("modulus"), "{debug}");
        assert!(!debug.contains("PrivateKey {"), "{debug}");
    }

    #[test]
    fn another_certificate_holder_is_not_a_recipient() {
        let demo = PubSecRecipient::from_pem(&read("pki/demo.cert.pem"), &read("pki/demo.key.pem"))
            .unwrap();
        for name in ["pubsec-aes256", "pubsec-aes128", "pubsec-rc4-128"] {
            assert_eq!(
                pubsec_error(file_key(&encrypt_dict(name), &demo, 16, false)),
                PubSecError::NotRecipient {
                    subject: demo.subject(),
                    entries: 1
                },
                "{name}"
            );
        }
    }

    #[test]
    fn a_key_that_does_not_open_the_envelope_is_named() {
        // The recipient's certificate with another key: the RecipientInfo matches, the key
        // decrypts to a synthetic value (implicit rejection) that opens nothing.
        let impostor = PubSecRecipient {
            certificate: recipient().certificate,
            key: PubSecRecipient::from_pem(&read("pki/demo.cert.pem"), &read("pki/demo.key.pem"))
                .unwrap()
                .key,
        };
        let dict = encrypt_dict("pubsec-aes256");
        assert_eq!(
            pubsec_error(file_key(&dict, &impostor, 32, true)),
            PubSecError::EnvelopeNotOpened { index: 0 }
        );
    }

    fn malformed_index(error: PubSecError) -> Option<usize> {
        match error {
            PubSecError::MalformedRecipients { index, .. } => index,
            other => panic!("not MalformedRecipients: {other}"),
        }
    }

    #[test]
    fn corrupt_recipients_are_malformed_and_name_the_entry() {
        let envelope = read("pubsec/envelope-3des.der");
        let recipient = recipient();
        let open = |entries: Vec<Object>| file_key(&s4_dict(entries), &recipient, 16, false);

        let truncated = string(&envelope[..envelope.len() / 2]);
        assert_eq!(
            malformed_index(pubsec_error(open(vec![truncated]))),
            Some(0)
        );
        let not_der = string(b"not a CMS envelope");
        let second = open(vec![string(&envelope), not_der.clone()]);
        // The recipient's entry comes first: later entries are hashed, not parsed.
        assert!(second.is_ok());
        let first = open(vec![not_der, string(&envelope)]);
        assert_eq!(malformed_index(pubsec_error(first)), Some(0));
        let not_a_string = open(vec![string(&envelope), Object::Integer(7)]);
        assert_eq!(malformed_index(pubsec_error(not_a_string)), Some(1));
        assert_eq!(malformed_index(pubsec_error(open(Vec::new()))), None);
        let too_many = vec![string(&envelope); MAX_RECIPIENT_ENTRIES + 1];
        assert_eq!(malformed_index(pubsec_error(open(too_many))), None);
        let too_large = vec![string(&vec![0x30; MAX_ENTRY_BYTES + 1])];
        assert_eq!(malformed_index(pubsec_error(open(too_large))), Some(0));
        // SignedData where EnvelopedData belongs: 1.2.840.113549.1.7.3 -> .2
        let signed = replaced(
            &envelope,
            &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x03],
            &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02],
        );
        assert_eq!(
            malformed_index(pubsec_error(open(vec![string(&signed)]))),
            Some(0)
        );

        let mut no_recipients = s4_dict(Vec::new());
        no_recipients.remove(b"Recipients");
        let error = pubsec_error(file_key(&no_recipients, &recipient, 16, false));
        assert_eq!(malformed_index(error), None);
        no_recipients.set("Recipients", Object::Integer(1));
        let error = pubsec_error(file_key(&no_recipients, &recipient, 16, false));
        assert_eq!(malformed_index(error), None);
    }

    #[test]
    fn unsupported_algorithms_are_named_by_oid() {
        let envelope = read("pubsec/envelope-3des.der");
        let recipient = recipient();
        // DES-EDE3-CBC -> RC4 (1.2.840.113549.3.4).
        let rc4 = replaced(
            &envelope,
            &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x03, 0x07],
            &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x03, 0x04],
        );
        assert_eq!(
            pubsec_error(file_key(
                &s4_dict(vec![string(&rc4)]),
                &recipient,
                16,
                false
            )),
            PubSecError::UnsupportedContentEncryption {
                index: 0,
                oid: ObjectIdentifier::new_unwrap("1.2.840.113549.3.4")
            }
        );
        // rsaEncryption -> RSAES-OAEP (1.2.840.113549.1.1.7).
        let oaep = replaced(
            &envelope,
            &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01],
            &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x07],
        );
        assert_eq!(
            pubsec_error(file_key(
                &s4_dict(vec![string(&oaep)]),
                &recipient,
                16,
                false
            )),
            PubSecError::UnsupportedKeyEncryption {
                index: 0,
                oid: ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.7")
            }
        );
    }

    #[test]
    fn key_lengths_beyond_the_digest_are_refused() {
        let dict = encrypt_dict("pubsec-aes256");
        for (key_len, sha256, available) in [(33, true, 32), (21, false, 20), (0, true, 32)] {
            assert_eq!(
                pubsec_error(file_key(&dict, &recipient(), key_len, sha256)),
                PubSecError::KeyLength {
                    requested: key_len,
                    available
                }
            );
        }
    }

    #[test]
    fn the_crypt_filter_must_be_there() {
        let mut dict = encrypt_dict("pubsec-aes256");
        dict.set("StmF", Object::name("Missing"));
        let error = pubsec_error(file_key(&dict, &recipient(), 32, true));
        assert_eq!(malformed_index(error), None);
        dict.set("StmF", Object::name("Identity"));
        dict.set("StrF", Object::name("Identity"));
        let error = pubsec_error(file_key(&dict, &recipient(), 32, true));
        assert_eq!(malformed_index(error), None);
    }

    /// The corpus's pyHanko file is encrypted for pyHanko's own test certificate: it parses
    /// (s5 crypt filter, AES-256 envelope) up to "not a recipient" for ours. Located as
    /// tests/corpus.rs does; missing: a failure under `CI=true`, skipped otherwise.
    #[test]
    fn the_corpus_pubkey_file_is_read_up_to_its_recipients() {
        let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let name = "encrypted-pubkey--pyhanko--minimal-pubkey-aes256.pdf";
        let found = [
            std::env::var_os("COUNTERSIGN_CORPUS").map(PathBuf::from),
            Some(manifest.join("../shared/corpus")),
            Some(manifest.join("../../shared/corpus")),
        ]
        .into_iter()
        .flatten()
        .map(|dir| dir.join(name))
        .find(|path| path.is_file());
        let Some(path) = found else {
            assert!(
                !std::env::var("CI").is_ok_and(|v| v == "true"),
                "corpus not found: set COUNTERSIGN_CORPUS"
            );
            eprintln!("skipped: corpus not found (set COUNTERSIGN_CORPUS)");
            return;
        };
        let data = std::fs::read(path).unwrap();
        let document = Document::parse(&data).unwrap();
        let encrypt = document
            .resolve_key(document.trailer(), b"Encrypt")
            .unwrap()
            .unwrap();
        let error = pubsec_error(file_key(encrypt.as_dict().unwrap(), &recipient(), 32, true));
        assert!(
            matches!(error, PubSecError::NotRecipient { entries: 1, .. }),
            "{error}"
        );
    }

    #[test]
    fn no_truncation_or_flipped_byte_of_an_envelope_panics() {
        // RC2 has the most parameters to get wrong; each attempt that parses costs an RSA
        // decryption, so one envelope is enough.
        let recipient = recipient();
        let envelope = read("pubsec/envelope-rc2.der");
        for cut in 0..envelope.len() {
            let _ = file_key(
                &s4_dict(vec![string(&envelope[..cut])]),
                &recipient,
                16,
                false,
            );
        }
        for at in 0..envelope.len() {
            let mut flipped = envelope.clone();
            flipped[at] ^= 0xFF;
            let _ = file_key(&s4_dict(vec![string(&flipped)]), &recipient, 16, false);
        }
    }
}
