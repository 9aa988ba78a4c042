//! Verification of the signatures in a PDF, with a structured report.
//! `signature_fields` finds them, `byte_range` checks what they cover, [`crate::cades`] checks the
//! CMS container.

mod byte_range;
mod signature_fields;

use std::time::SystemTime;

use x509_cert::Certificate;

use crate::cades;
use crate::error::Result;
use crate::pdf::{Document, Object};
use signature_fields::SignatureField;

#[derive(Clone, Debug, Default)]
pub struct VerifyOptions {
    /// Trust anchors; when empty the chain is not evaluated.
    pub trust_roots: Vec<Certificate>,
}

/// One report per signature field that holds a signature value, in document order.
#[derive(Clone, Debug, Default)]
pub struct VerifyReport {
    pub signatures: Vec<SignatureReport>,
}

impl VerifyReport {
    /// True when there is at least one signature and every one is intact and cryptographically valid
    /// (and trusted, when trust roots were given).
    pub fn all_valid(&self) -> bool {
        !self.signatures.is_empty() && self.signatures.iter().all(SignatureReport::is_valid)
    }
}

/// Whether the signer's chain reaches a trust anchor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ChainStatus {
    #[default]
    NotChecked,
    Trusted,
    Untrusted(String),
}

#[derive(Clone, Debug, Default)]
pub struct SignatureReport {
    /// Fully qualified field name.
    pub field_name: String,
    /// `/SubFilter` as written (`ETSI.CAdES.detached`, `adbe.pkcs7.detached`, ...).
    pub subfilter: String,
    pub byte_range: Vec<u64>,
    /// ByteRange is `[0 a b c]`, the gap is exactly the `/Contents` hex string, ranges in the file.
    pub byte_range_ok: bool,
    /// The signature covers the whole file (no later incremental updates).
    pub covers_whole_file: bool,
    /// The message-digest attribute (or the encapsulated digest) matches the ByteRange bytes.
    pub digest_ok: bool,
    /// The CMS signature verifies with the embedded signer certificate's public key.
    pub signature_ok: bool,
    pub chain: ChainStatus,
    /// e.g. `SHA256withRSA`, `SHA256withECDSA`, `SHA256withRSA/PSS`.
    pub signature_algorithm: String,
    pub signer_subject: String,
    /// Hex of the signer certificate's serial number (upper case).
    pub signer_serial_hex: String,
    pub signer_not_before: Option<SystemTime>,
    pub signer_not_after: Option<SystemTime>,
    /// `/M` of the signature dictionary, or the signing-time attribute.
    pub signing_time: Option<SystemTime>,
    /// Everything that went wrong, in words.
    pub problems: Vec<String>,
}

impl SignatureReport {
    pub fn is_valid(&self) -> bool {
        self.byte_range_ok
            && self.digest_ok
            && self.signature_ok
            && matches!(self.chain, ChainStatus::NotChecked | ChainStatus::Trusted)
    }
}

/// Verifies every signature in `pdf`. A damaged file is an error; a bad signature is a report.
pub fn verify_pdf(pdf: &[u8], options: &VerifyOptions) -> Result<VerifyReport> {
    let doc = Document::parse(pdf)?;
    let fields = signature_fields::signature_fields(&doc)?;
    let signatures = fields
        .iter()
        .map(|field| verify_field(&doc, field, options))
        .collect();
    Ok(VerifyReport { signatures })
}

fn verify_field(
    doc: &Document<'_>,
    field: &SignatureField,
    options: &VerifyOptions,
) -> SignatureReport {
    let sig = &field.value;
    let mut report = SignatureReport {
        field_name: field.name.clone(),
        subfilter: sig
            .get(b"SubFilter")
            .and_then(Object::as_name)
            .map(signature_fields::text)
            .unwrap_or_default(),
        signing_time: sig
            .get(b"M")
            .and_then(Object::as_string_bytes)
            .and_then(parse_pdf_date),
        ..SignatureReport::default()
    };
    if let Some(problem) = &field.problem {
        report.problems.push(problem.clone());
        return report;
    }
    let data = doc.data();
    let range = match byte_range::read_byte_range(sig) {
        Ok(range) => range,
        Err(problem) => {
            report.problems.push(problem);
            return report;
        }
    };
    report.byte_range = range.to_vec();
    let Some(contents) = sig.get(b"Contents").and_then(Object::as_string_bytes) else {
        report
            .problems
            .push("/Contents is missing or not a string".into());
        return report;
    };
    let span = field.value_ref.and_then(|r| doc.object_span(r));
    let ranges = match byte_range::check_byte_range(data, range, contents, span) {
        Ok(ranges) => ranges,
        Err(problem) => {
            report.problems.push(problem);
            return report;
        }
    };
    report.byte_range_ok = true;
    report.covers_whole_file = ranges.signed_len() == data.len();
    if !report.covers_whole_file {
        report.problems.push(format!(
            "the signature covers the first {} bytes; {} bytes were appended after signing",
            ranges.signed_len(),
            data.len().saturating_sub(ranges.signed_len())
        ));
    }
    let covered = [
        data.get(ranges.first.clone()).unwrap_or_default(),
        data.get(ranges.second.clone()).unwrap_or_default(),
    ];
    let at = report.signing_time;
    match cades::verify_detached(contents, &covered, &options.trust_roots, at) {
        Ok(cms) => apply_cms(&mut report, cms),
        Err(e) => report.problems.push(e.to_string()),
    }
    report
}

fn apply_cms(report: &mut SignatureReport, cms: cades::CmsVerification) {
    report.digest_ok = cms.digest_ok;
    report.signature_ok = cms.signature_ok;
    report.chain = cms.chain;
    report.signature_algorithm = cms.signature_algorithm;
    report.signer_subject = cms.signer_subject;
    report.signer_serial_hex = cms.signer_serial_hex;
    report.signer_not_before = cms.signer_not_before;
    report.signer_not_after = cms.signer_not_after;
    if report.signing_time.is_none() {
        report.signing_time = cms.signing_time;
    }
    report.problems.extend(cms.problems);
}

/// `D:YYYYMMDDHHmmSS` with an optional `Z` or `+HH'mm'` offset (§7.9.4); missing fields default.
fn parse_pdf_date(bytes: &[u8]) -> Option<SystemTime> {
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.strip_prefix("D:").unwrap_or(text);
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    let field = |from: usize, len: usize, default: u64| -> Option<u64> {
        match digits.get(from..from + len) {
            Some(s) => s.parse().ok(),
            None => Some(default),
        }
    };
    let year = field(0, 4, 0)?;
    let (month, day) = (field(4, 2, 1)?, field(6, 2, 1)?);
    let (hour, minute, second) = (field(8, 2, 0)?, field(10, 2, 0)?, field(12, 2, 0)?);
    if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let rest = text.get(digits.len()..).unwrap_or("");
    let offset_secs: i64 = match rest.chars().next() {
        Some(sign @ ('+' | '-')) => {
            let nums: Vec<i64> = rest
                .get(1..)
                .unwrap_or_default()
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|p| p.parse().ok())
                .collect();
            let (hours, minutes) = (
                nums.first().copied().unwrap_or(0),
                nums.get(1).copied().unwrap_or(0),
            );
            // An offset is HH'mm' (§7.9.4); anything larger is not a date (and would overflow).
            if !(0..=23).contains(&hours) || !(0..=59).contains(&minutes) {
                return None;
            }
            let seconds = (hours * 60 + minutes) * 60;
            if sign == '+' {
                seconds
            } else {
                -seconds
            }
        }
        _ => 0,
    };
    let days = days_from_civil(year, month, day);
    let local = days
        .checked_mul(86_400)?
        .checked_add(hour * 3600 + minute * 60 + second)?;
    let utc = i64::try_from(local).ok()?.checked_sub(offset_secs)?;
    Some(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(u64::try_from(utc).ok()?))
}

/// Days from 1970-01-01 to the given Gregorian date (inverse of civil-from-days).
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let m = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe).saturating_sub(719_468)
}
