//! The document timestamp of PAdES B-LTA (ISO 32000-2 §12.8.5, ETSI EN 319 142-1 §5.4): a
//! signature field whose `/Contents` is an RFC 3161 token over the ByteRange bytes, in an
//! incremental update like any signature.

use super::{SignOptions, SignatureKind, prepare_with};
use crate::cades::timestamp::TimeStamper;
use crate::error::{Error, Result};

/// Appends a document timestamp from `stamper` to `pdf`; `pdf` is a prefix of the result.
/// Nothing is returned when the TSA fails or its token does not fit (typed errors).
///
/// ```
/// # use countersign::timestamp::{Authority, ObjectIdentifier, TimeStamper, TimestampRequest};
/// # #[derive(Debug)]
/// # struct LocalTsa(Authority);
/// # impl TimeStamper for LocalTsa {
/// #     fn timestamp(&self, digest: countersign::DigestAlgorithm, imprint: &[u8]) -> countersign::Result<Vec<u8>> {
/// #         let request = TimestampRequest::new(digest, imprint, &[7; 8])?;
/// #         let answer = self.0.respond(request.der(), std::time::SystemTime::now())?;
/// #         request.check_response(&answer, &[])
/// #     }
/// #     fn token_len_hint(&self) -> countersign::Result<usize> { Ok(8192) }
/// # }
/// # let tsa_key = countersign::crypto::credential::load_pem(
/// #     &std::fs::read("testdata/pki/tsa-tsa.chain.pem")?,
/// #     &std::fs::read("testdata/pki/tsa-tsa.key.pem")?,
/// #     &Default::default(),
/// # )?;
/// # let stamper = LocalTsa(Authority::new(tsa_key, ObjectIdentifier::new_unwrap("1.3.6.1.4.1.55555.1.1")));
/// use countersign::ltv::add_document_timestamp;
///
/// let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
/// let stamped = add_document_timestamp(&pdf, &stamper)?;
/// assert!(stamped.starts_with(&pdf));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn add_document_timestamp(pdf: &[u8], stamper: &dyn TimeStamper) -> Result<Vec<u8>> {
    add_document_timestamp_with_access(pdf, stamper, &crate::DocumentAccess::default())
}

/// [`add_document_timestamp`] for an encrypted document that needs a password: the update is
/// encrypted with the document's key, the token in `/Contents` is not.
///
/// ```
/// # use countersign::timestamp::TimeStamper;
/// # #[derive(Debug)]
/// # struct Offline;
/// # impl TimeStamper for Offline {
/// #     fn timestamp(&self, _: countersign::DigestAlgorithm, _: &[u8]) -> countersign::Result<Vec<u8>> { unreachable!() }
/// #     fn token_len_hint(&self) -> countersign::Result<usize> { Ok(8192) }
/// # }
/// use countersign::ltv::add_document_timestamp_with_access;
/// use countersign::{DocumentAccess, Error};
///
/// let pdf = std::fs::read("testdata/pdf/encrypted/r3-rc4-128-user.pdf")?;
/// let wrong = DocumentAccess::with_password("guess");
/// assert!(matches!(
///     add_document_timestamp_with_access(&pdf, &Offline, &wrong),
///     Err(Error::WrongPassword { .. })
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn add_document_timestamp_with_access(
    pdf: &[u8],
    stamper: &dyn TimeStamper,
    access: &crate::DocumentAccess,
) -> Result<Vec<u8>> {
    let reservation = stamper.token_len_hint()?;
    let options = SignOptions {
        document_access: access.clone(),
        ..SignOptions::default()
    };
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
    Ok(prepared.after(pdf))
}
