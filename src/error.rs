//! One error type for the whole pipeline. Each variant names the problem so that a caller can tell
//! a damaged file from an encrypted one, a certified one or something that is not a PDF at all.

/// Everything that can stop signing or verification.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input does not start like a PDF (no `%PDF-` header in the first 1024 bytes).
    #[error("not a PDF: {0}")]
    NotPdf(String),
    /// The file ends before something it announces (no `startxref`, cut inside an object...).
    #[error("truncated PDF: {0}")]
    Truncated(String),
    /// The cross-reference data is wrong; we refuse rather than repair silently.
    #[error("damaged cross-reference at offset {offset}: {reason}")]
    DamagedXref { offset: u64, reason: String },
    /// An object could not be parsed, or is not what the spec requires there.
    #[error("malformed object {object} at offset {offset}: {reason}")]
    MalformedObject {
        /// `"12 0 R"` style, or `"trailer"`.
        object: String,
        offset: u64,
        reason: String,
    },
    /// A referenced object is missing from the cross-reference data.
    #[error("object {0} is referenced but not present in the cross-reference table")]
    MissingObject(String),
    /// The document is encrypted; signing encrypted files is not supported yet.
    #[error("document is encrypted with the {handler} security handler; signing encrypted documents is not supported")]
    Encrypted { handler: String },
    /// A certification signature with DocMDP P=1 forbids any change, including new signatures.
    #[error("document is certified with DocMDP P=1: no changes are permitted, adding a signature would break its certification")]
    CertifiedNoChanges,
    /// A FieldMDP lock forbids filling the requested signature field.
    #[error("signature field {0} is locked by a FieldMDP transform")]
    FieldLocked(String),
    /// A structure we do not support, named.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A key or certificate file could not be loaded.
    #[error("credential: {0}")]
    Credential(String),
    /// The signing key (software, HSM, KMS or remote) failed to sign.
    #[error("signer failed: {0}")]
    Signer(String),
    /// Building or parsing a CMS structure failed.
    #[error("CMS: {0}")]
    Cms(String),
    /// The signer certificate must not sign now: expired, not yet valid, or without a signing
    /// keyUsage (digitalSignature or nonRepudiation). Names the problem.
    #[error("unusable signer certificate: {0}")]
    UnusableCertificate(String),
    /// Invalid caller-supplied option.
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// A bug: signing this document panicked. Batch signing turns the panic into this error so
    /// that the other documents are still signed.
    #[error("internal error (panic) while signing: {0}")]
    Panicked(String),
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// Shorthand used by the parsers.
    pub fn malformed(object: impl Into<String>, offset: u64, reason: impl Into<String>) -> Self {
        Error::MalformedObject {
            object: object.into(),
            offset,
            reason: reason.into(),
        }
    }

    /// Shorthand used by the xref reader.
    pub fn damaged_xref(offset: u64, reason: impl Into<String>) -> Self {
        Error::DamagedXref {
            offset,
            reason: reason.into(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
