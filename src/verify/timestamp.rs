//! Document timestamps (`/Type /DocTimeStamp`, `/SubFilter /ETSI.RFC3161`, ISO 32000-2 §12.8.5):
//! the CMS encapsulates an RFC 3161 TSTInfo whose messageImprint is the digest of the ByteRange
//! bytes. The CMS signature covers the TSTInfo (through its message-digest attribute), so both
//! links are checked: TSTInfo -> signature, ByteRange bytes -> messageImprint.

use cms::content_info::ContentInfo;
use der::asn1::ObjectIdentifier;
use der::Decode;

use crate::crypto::DigestAlgorithm;

/// The encapsulated TSTInfo of a timestamp token, as DER bytes.
pub fn tst_info(cms_der: &[u8]) -> Result<Vec<u8>, String> {
    let element = super::ber::to_definite_lengths(cms_der)
        .ok_or("the timestamp token is not a DER element")?;
    let info = ContentInfo::from_der(&element).map_err(|e| format!("timestamp token: {e}"))?;
    crate::cades::timestamp::asn1::encapsulated_tst_info(&info)
}

/// Checks TSTInfo.messageImprint against the bytes the ByteRange covers.
pub fn imprint_matches(tst_info: &[u8], covered: &[&[u8]]) -> Result<bool, String> {
    let (oid, hashed) =
        message_imprint(tst_info).ok_or("TSTInfo has no readable messageImprint")?;
    let digest = DigestAlgorithm::from_oid(&oid)
        .ok_or_else(|| format!("TSTInfo messageImprint uses unsupported digest {oid}"))?;
    Ok(digest.digest_chunks(covered) == hashed)
}

/// TSTInfo ::= SEQUENCE { version, policy, messageImprint SEQUENCE { AlgorithmIdentifier,
/// OCTET STRING }, ... } (RFC 3161 §2.4.2).
fn message_imprint(tst_info: &[u8]) -> Option<(ObjectIdentifier, Vec<u8>)> {
    let body = element(tst_info, 0x30)?.0;
    let (_, after_version) = element(body, 0x02)?;
    let (_, after_policy) = element(after_version, 0x06)?;
    let (imprint, _) = element(after_policy, 0x30)?;
    let (algorithm, after_algorithm) = element(imprint, 0x30)?;
    let (oid, _) = element(algorithm, 0x06)?;
    let (hashed, _) = element(after_algorithm, 0x04)?;
    Some((ObjectIdentifier::from_bytes(oid).ok()?, hashed.to_vec()))
}

/// The content of the DER element with tag `tag` at the start of `bytes`, and what follows it.
fn element(bytes: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    if *bytes.first()? != tag {
        return None;
    }
    let first = *bytes.get(1)?;
    let (len, start) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let len = bytes
            .get(2..2 + count)?
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, 2 + count)
    };
    let end = start.checked_add(len)?;
    Some((bytes.get(start..end)?, bytes.get(end..)?))
}
