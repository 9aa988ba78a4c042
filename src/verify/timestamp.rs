//! Document timestamps (`/Type /DocTimeStamp`, `/SubFilter /ETSI.RFC3161`, ISO 32000-2 §12.8.5):
//! the CMS encapsulates an RFC 3161 TSTInfo whose messageImprint is the digest of the ByteRange
//! bytes. The CMS signature covers the TSTInfo (through its message-digest attribute), so both
//! links are checked: TSTInfo -> signature, ByteRange bytes -> messageImprint.

use cms::content_info::ContentInfo;
use der::Decode;

use crate::cades::timestamp::asn1::{TstInfo, encapsulated_tst_info};
use crate::crypto::DigestAlgorithm;
use crate::problem::Problem;

/// The encapsulated TSTInfo of a timestamp token, as DER bytes.
pub fn tst_info(cms_der: &[u8]) -> Result<Vec<u8>, Problem> {
    let element = crate::cades::ber::to_definite_lengths(cms_der)
        .ok_or_else(|| Problem::Unparseable("the timestamp token is not a DER element".into()))?;
    let info = ContentInfo::from_der(&element)
        .map_err(|e| Problem::Unparseable(format!("timestamp token: {e}")))?;
    encapsulated_tst_info(&info).map_err(|e| Problem::unparseable(&e))
}

/// Checks TSTInfo.messageImprint against the bytes the ByteRange covers.
pub fn imprint_matches(tst_info: &[u8], covered: &[&[u8]]) -> Result<bool, Problem> {
    let imprint = TstInfo::read(tst_info)
        .map_err(|e| Problem::unparseable(&e))?
        .message_imprint;
    let oid = imprint.hash_algorithm.oid;
    let digest = DigestAlgorithm::from_oid(&oid).ok_or(Problem::UnsupportedDigest(oid))?;
    Ok(digest.digest_chunks(covered) == imprint.hashed_message.as_bytes())
}
