//! Verification of the signatures in a PDF, with a structured report.

use std::time::SystemTime;

use x509_cert::Certificate;

use crate::error::Result;

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

pub fn verify_pdf(pdf: &[u8], options: &VerifyOptions) -> Result<VerifyReport> {
    let _ = (pdf, options);
    Err(crate::error::Error::Unsupported(
        "verification is not implemented yet".into(),
    ))
}
