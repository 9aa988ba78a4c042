//! One error type for the whole pipeline. Each variant names the problem so that a caller can tell
//! a damaged file from an encrypted one, a certified one or something that is not a PDF at all.

use crate::problem::Problem;

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
    /// A certificate, private key, PKCS#12 file or CRL could not be decoded; `source` is the
    /// decoder's own error (walk [`std::error::Error::source`] for the details).
    #[error("credential: invalid {what}")]
    InvalidCredential {
        /// What was being decoded: `certificate`, `PKCS#8 private key`, `PEM block`...
        what: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// The private key does not belong to the certificate it was paired with (an HSM or KMS key
    /// configured with the wrong certificate): refused when the credential is built.
    #[error("the private key does not match the public key in the certificate of {subject}")]
    KeyMismatch {
        /// RFC 4514 form of the certificate's subject.
        subject: String,
    },
    /// The update would put an object beyond the 10 digits of a cross-reference table entry (a
    /// table-based file over 10 GB); writing the table anyway would corrupt it.
    #[error("object {object} would be at offset {offset}, beyond the 10 digits of a cross-reference table entry")]
    XrefOffsetTooLarge {
        /// `"12 0 R"` style.
        object: String,
        offset: u64,
    },
    /// The signing key (software, HSM, KMS or remote) failed to sign.
    #[error("signer failed: {0}")]
    Signer(String),
    /// Building or parsing a CMS structure failed.
    #[error("CMS: {0}")]
    Cms(String),
    /// A resource limit ([`crate::pdf::Limits`]) stopped reading: a decompression or parser
    /// bomb, or a file beyond the configured bounds. `what` names the limit, `location` where.
    #[error("limit exceeded: {what} over {limit} at {location}")]
    LimitExceeded {
        what: &'static str,
        limit: u64,
        location: String,
    },
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
    /// The time-stamping authority could not be reached, refused the connection, answered
    /// with an HTTP error or not within the configured timeout. Nothing was written.
    #[error("time-stamping authority unavailable: {0}")]
    TsaUnavailable(String),
    /// The TSA answered, but its answer is not a timestamp we can use. Nothing was written.
    #[error("timestamp refused: {0}")]
    Timestamp(TimestampProblem),
    /// The token is larger than the room reserved for it in `/Contents`; nothing was written
    /// (the next attempt reserves for the larger size).
    #[error(
        "the signature with its timestamp token needs {needed} bytes, {reserved} were reserved"
    )]
    TimestampTooLarge { reserved: usize, needed: usize },
    /// Revocation data (OCSP, CRL) could not be fetched or is not usable.
    #[error("revocation data: {0}")]
    Revocation(String),
}

/// Why a TSA's answer was refused (RFC 3161 §2.4.2 checks).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimestampProblem {
    /// PKIStatus other than granted / grantedWithMods.
    #[error("the TSA answered status {status}: {text}")]
    Rejected { status: u8, text: String },
    /// The answer is not a DER TimeStampResp with a token.
    #[error("malformed answer: {0}")]
    Malformed(String),
    #[error("the token's messageImprint is not the one requested")]
    ImprintMismatch,
    #[error("the token's nonce is not the one requested")]
    NonceMismatch,
    /// The TSA certificate lacks the id-kp-timeStamping extended key usage.
    #[error("the TSA certificate {0} lacks the timeStamping extended key usage")]
    NotTimestampingCertificate(String),
    /// The token's CMS signature or digest does not verify; what the CMS check found.
    #[error("the token's signature does not verify: {}", join(.0))]
    BadSignature(Vec<Problem>),
    /// The TSA certificate does not chain to the configured TSA trust roots.
    #[error("the TSA certificate is not trusted: {0}")]
    Untrusted(Problem),
}

fn join(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
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

    /// A `map_err` adapter for decoders: `.map_err(Error::invalid("certificate"))`.
    pub fn invalid<E>(what: &'static str) -> impl FnOnce(E) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        move |source| Error::InvalidCredential {
            what,
            source: Box::new(source),
        }
    }

    /// Shorthand for [`Error::LimitExceeded`].
    pub fn limit(what: &'static str, limit: u64, location: impl Into<String>) -> Self {
        Error::LimitExceeded {
            what,
            limit,
            location: location.into(),
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
