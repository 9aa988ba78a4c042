//! Opt-in repair of damaged files (`SignOptions::repair`, `countersign sign --repair`).
//!
//! A file whose cross-reference data cannot be trusted is rebuilt from a scan of its objects and
//! written whole, with a fresh table: the result reads the same in every reader. Rewriting
//! changes the bytes every earlier signature covers, so a file that carries signatures is refused.
//!
//! # Examples
//!
//! ```
//! use countersign::{repair, verify_pdf, Error, VerifyOptions};
//!
//! let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
//! let at = pdf.windows(9).rposition(|w| w == b"startxref").ok_or("no startxref")?;
//! let damaged = [&pdf[..at], b"startxref
//! 999999
//! %%EOF
//! "].concat(); // points nowhere
//! assert!(repair::is_damage(&verify_pdf(&damaged, &VerifyOptions::default()).unwrap_err()));
//! let rebuilt = repair::rewrite(&damaged)?;
//! assert!(verify_pdf(&rebuilt, &VerifyOptions::default())?.signatures.is_empty()); // reads again
//!
//! // A signed file is never rewritten: its signatures would break.
//! let signed = repair::rewrite(&std::fs::read("testdata/pdf/signed.pdf")?);
//! assert!(matches!(signed, Err(Error::RepairWouldDestroySignatures { signatures: 1 })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod scan;

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::pdf::writer::{write_dict, write_indirect};
use crate::pdf::{Dict, ObjRef, Object};
use scan::ScannedObjects;

/// Errors that describe a damaged file (as opposed to encryption, certification, bad options).
///
/// # Examples
///
/// ```
/// use countersign::{repair, verify_pdf, Error, VerifyOptions};
///
/// let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
/// let cut = verify_pdf(&pdf[..pdf.len() - 40], &VerifyOptions::default()).unwrap_err();
/// assert!(repair::is_damage(&cut)); // worth a `--repair`
/// let not_pdf = verify_pdf(b"GIF89a", &VerifyOptions::default()).unwrap_err();
/// assert!(!repair::is_damage(&not_pdf));
/// assert!(!repair::is_damage(&Error::Encrypted { handler: "Standard".into() }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn is_damage(error: &Error) -> bool {
    matches!(
        error,
        Error::DamagedXref { .. }
            | Error::Truncated(_)
            | Error::MalformedObject { .. }
            | Error::MissingObject { .. }
    )
}

/// Rebuilds `data` from its objects: every object found (the last definition of each number
/// wins, compressed objects are written uncompressed), then one classic xref table and trailer.
///
/// ```
/// # let key = countersign::crypto::credential::load_pem(
/// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
/// #     &std::fs::read("testdata/pki/demo.key.pem")?,
/// #     &Default::default(),
/// # )?;
/// use countersign::{repair, sign_pdf, SignOptions};
///
/// let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
/// let at = pdf.windows(9).rposition(|w| w == b"startxref").ok_or("no startxref")?;
/// let damaged = [&pdf[..at], b"startxref\n999999\n%%EOF\n"].concat(); // points nowhere
/// let refused = sign_pdf(&damaged, &key, &SignOptions::default()).unwrap_err();
/// assert!(repair::is_damage(&refused));
/// let rebuilt = repair::rewrite(&damaged)?; // the whole file is rewritten: not a prefix any more
/// sign_pdf(&rebuilt, &key, &SignOptions::default())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn rewrite(data: &[u8]) -> Result<Vec<u8>> {
    rewrite_with_limits(data, &crate::pdf::Limits::default())
}

/// [`rewrite`] within `limits` (decoded bytes and nesting, as for reading).
///
/// # Examples
///
/// ```
/// use countersign::{repair, Error, Limits};
///
/// // xref-stream.pdf keeps its objects in a compressed object stream, which the rewrite inflates.
/// let pdf = std::fs::read("testdata/pdf/xref-stream.pdf")?;
/// assert!(repair::rewrite_with_limits(&pdf, &Limits::default()).is_ok());
/// let mut tiny = Limits::default();
/// tiny.max_stream_inflated = 64;
/// let refused = repair::rewrite_with_limits(&pdf, &tiny);
/// assert!(matches!(refused, Err(Error::LimitExceeded { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn rewrite_with_limits(data: &[u8], limits: &crate::pdf::Limits) -> Result<Vec<u8>> {
    let scanned = scan::scan(data, limits)?;
    refuse_unrepairable(&scanned)?;
    let root = scanned.catalog().ok_or_else(|| Error::NoCatalog)?;
    Ok(write_file(&scanned, root))
}

fn refuse_unrepairable(scanned: &ScannedObjects) -> Result<()> {
    if let Some(encrypt) = scanned.trailer.get(b"Encrypt") {
        let handler = match encrypt {
            Object::Ref(r) => scanned.get(*r),
            other => Some(other),
        }
        .and_then(Object::as_dict)
        .and_then(|d| d.get(b"Filter"))
        .and_then(Object::as_name)
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .unwrap_or_else(|| "unknown".into());
        return Err(Error::Encrypted { handler });
    }
    let signatures = scanned
        .objects
        .values()
        .filter_map(|(_, object)| object.as_dict())
        .filter(|d| d.contains(b"ByteRange") && d.contains(b"Contents"))
        .count();
    if signatures > 0 {
        return Err(Error::RepairWouldDestroySignatures { signatures });
    }
    Ok(())
}

fn write_file(scanned: &ScannedObjects, root: ObjRef) -> Vec<u8> {
    let mut out = format!("%PDF-{}\n", scanned.version).into_bytes();
    // A comment of high bytes marks the file as binary (§7.5.2).
    out.extend_from_slice(b"%\xe2\xe3\xcf\xd3\n");
    let mut offsets: BTreeMap<u32, (u64, u16)> = BTreeMap::new();
    for (&num, (generation, object)) in &scanned.objects {
        offsets.insert(num, (out.len() as u64, *generation));
        write_indirect(&mut out, ObjRef::new(num, *generation), object);
    }
    let size = offsets
        .keys()
        .next_back()
        .map_or(1, |n| n.saturating_add(1));
    let xref_at = out.len();
    out.extend_from_slice(format!("xref\n0 {size}\n").as_bytes());
    for num in 0..size {
        let row = match offsets.get(&num) {
            Some((offset, generation)) => format!("{offset:010} {generation:05} n\r\n"),
            None if num == 0 => "0000000000 65535 f\r\n".to_string(),
            None => "0000000000 00000 f\r\n".to_string(),
        };
        out.extend_from_slice(row.as_bytes());
    }
    let mut trailer = Dict::new();
    trailer.set("Size", Object::Integer(i64::from(size)));
    trailer.set("Root", Object::Ref(root));
    for key in [&b"Info"[..], b"ID"] {
        let keep = match scanned.trailer.get(key) {
            Some(Object::Ref(r)) => scanned.get(*r).is_some(),
            Some(_) => true,
            None => false,
        };
        if let (true, Some(value)) = (keep, scanned.trailer.get(key)) {
            trailer.set(key.to_vec(), value.clone());
        }
    }
    out.extend_from_slice(b"trailer\n");
    write_dict(&mut out, &trailer);
    out.extend_from_slice(format!("\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::Document;

    const CLASSIC: &[u8] = include_bytes!("../../testdata/pdf/classic.pdf");

    /// `classic.pdf` with its `startxref` value replaced by one that points nowhere.
    fn broken_startxref() -> Vec<u8> {
        let at = CLASSIC.windows(9).rposition(|w| w == b"startxref").unwrap();
        let mut out = CLASSIC[..at].to_vec();
        out.extend_from_slice(b"startxref\n7\n%%EOF\n");
        out
    }

    #[test]
    fn a_file_with_a_useless_startxref_is_rebuilt() {
        let damaged = broken_startxref();
        let error = Document::parse(&damaged).unwrap_err();
        assert!(is_damage(&error), "{error}");
        let rebuilt = rewrite(&damaged).unwrap();
        let doc = Document::parse(&rebuilt).unwrap();
        let (_, catalog) = doc.catalog().unwrap();
        assert!(catalog.has_name(b"Type", b"Catalog"));
        let original = Document::parse(CLASSIC).unwrap();
        assert_eq!(doc.size(), original.size());
    }

    #[test]
    fn signatures_and_encryption_stop_the_rewrite() {
        let mut signed = broken_startxref();
        signed.extend_from_slice(
            b"99 0 obj\n<</Type/Sig/ByteRange[0 1 2 3]/Contents<00>>>\nendobj\n",
        );
        assert!(matches!(
            rewrite(&signed),
            Err(Error::RepairWouldDestroySignatures { signatures: 1 })
        ));
        let mut encrypted = broken_startxref();
        encrypted.extend_from_slice(b"trailer\n<</Encrypt 98 0 R>>\n");
        assert!(matches!(rewrite(&encrypted), Err(Error::Encrypted { .. })));
    }

    #[test]
    fn garbage_is_not_a_pdf() {
        assert!(matches!(rewrite(b"hello"), Err(Error::NotPdf(_))));
        assert!(rewrite(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n").is_err());
    }
}
