//! The document timestamp of PAdES B-LTA (ISO 32000-2 §12.8.5, ETSI EN 319 142-1 §5.4): a
//! signature field whose `/Contents` is an RFC 3161 token over the ByteRange bytes, in an
//! incremental update like any signature.

use super::{prepare_with, SignOptions, SignatureKind};
use crate::cades::timestamp::TimeStamper;
use crate::error::{Error, Result};

/// Appends a document timestamp from `stamper` to `pdf`; `pdf` is a prefix of the result.
/// Nothing is returned when the TSA fails or its token does not fit (typed errors).
pub fn add_document_timestamp(pdf: &[u8], stamper: &dyn TimeStamper) -> Result<Vec<u8>> {
    let reservation = stamper.token_len_hint()?;
    let options = SignOptions::default();
    let mut prepared = prepare_with(pdf, &options, reservation, SignatureKind::DocumentTimestamp)?;
    let (before, after) = prepared.signed_parts();
    let digest = stamper.digest();
    let imprint = digest.digest_chunks(&[pdf, before, after]);
    let token = stamper.timestamp(digest, &imprint)?;
    if token.len() > prepared.capacity() {
        stamper.note_token_len(token.len());
        return Err(Error::TimestampTooLarge {
            reserved: prepared.capacity(),
            needed: token.len(),
        });
    }
    prepared.embed(&token)?;
    let mut out = Vec::with_capacity(pdf.len().saturating_add(prepared.update.len()));
    out.extend_from_slice(pdf);
    out.extend_from_slice(&prepared.update);
    Ok(out)
}
