//! One error type for the whole pipeline. Each variant names the problem so that a caller can tell
//! a damaged file from an encrypted one, a certified one or something that is not a PDF at all.
//!
//! # Examples
//!
//! ```
//! use countersign::error::{Error, Result};
//! use countersign::{verify_pdf, VerifyOptions};
//!
//! fn signatures(pdf: &[u8]) -> Result<usize> {
//!     Ok(verify_pdf(pdf, &VerifyOptions::default())?.signatures.len())
//! }
//!
//! assert_eq!(signatures(&std::fs::read("testdata/pdf/signed.pdf")?)?, 1);
//! assert!(matches!(signatures(b"GIF89a"), Err(Error::NotPdf(_))));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

pub use crate::cades::timestamp::MalformedTimestamp;
/// How errors name an object of the file, re-exported from the PDF reader.
pub use crate::pdf::ObjRef;
use crate::problem::Problem;

/// Everything that can stop signing or verification.
///
/// # Examples
///
/// ```
/// use countersign::{repair, verify_pdf, Error, VerifyOptions};
///
/// let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
/// let error = verify_pdf(&pdf[..pdf.len() - 40], &VerifyOptions::default()).unwrap_err(); // cut short
/// assert!(repair::is_damage(&error)); // damage, as opposed to Error::Encrypted, Error::NotPdf...
/// match error {
///     Error::Truncated(what) => println!("truncated: {what}"),
///     Error::DamagedXref { offset, reason } => println!("bad xref at {offset}: {reason}"),
///     other => panic!("unexpected: {other}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
    DamagedXref {
        /// Byte offset in the file.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// An object could not be parsed, or is not what the spec requires there.
    #[error("malformed object {object} at offset {offset}: {reason}")]
    MalformedObject {
        /// Which object.
        object: Location,
        /// Byte offset in the file.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// A referenced object is missing: not in the cross-reference data or, when
    /// `object_stream` is given, not in the object stream the cross-reference data names.
    #[error("object {object} is referenced but not present in {}", match object_stream {
        Some(stream) => format!("object stream {stream}"),
        None => "the cross-reference table".into(),
    })]
    MissingObject {
        /// The object referenced.
        object: ObjRef,
        /// The object stream that should hold it, when the cross-reference data says so.
        object_stream: Option<ObjRef>,
    },
    /// `--repair` found no object with `/Type /Catalog` to rebuild the file around.
    #[error("repair found no /Type /Catalog object")]
    NoCatalog,
    /// Repair rewrites the whole file, which would invalidate the signatures it carries.
    #[error("repair would rewrite the file and destroy its {signatures} existing signature(s)")]
    RepairWouldDestroySignatures {
        /// How many signatures the file carries.
        signatures: usize,
    },
    /// The document is encrypted; signing encrypted files is not supported yet.
    #[error("document is encrypted with the {handler} security handler; signing encrypted documents is not supported")]
    Encrypted {
        /// The `/Filter` of the encryption dictionary.
        handler: String,
    },
    /// A certification signature with DocMDP P=1 forbids any change, including new signatures.
    #[error("document is certified with DocMDP P=1: no changes are permitted, adding a signature would break its certification")]
    CertifiedNoChanges,
    /// A FieldMDP lock forbids filling the signature field `field`.
    #[error("signature field {field} is locked by a FieldMDP transform")]
    FieldLocked {
        /// The field's fully qualified name.
        field: String,
    },
    /// The lock of the signature in `signed_field` sets P=1: no change at all is permitted
    /// after it was signed, not even a new signature.
    #[error("signature field {signed_field} has a lock with P=1: no change at all is permitted after it was signed")]
    LockedNoChanges {
        /// The field of the signature whose lock forbids changes.
        signed_field: String,
    },
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
        /// The decoder's error.
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
        /// The object.
        object: ObjRef,
        /// The offset it would be written at.
        offset: u64,
    },
    /// The signing key (software, HSM, KMS or remote) failed to sign.
    #[error("signer failed: {0}")]
    Signer(String),
    /// Building or parsing a CMS structure failed.
    #[error("CMS: {0}")]
    Cms(String),
    /// A CMS, X.509 or RFC 3161 structure could not be decoded or encoded; `source` is the DER
    /// codec's error.
    #[error("CMS: cannot decode or encode {what}")]
    Der {
        /// The structure: `SignedData`, `SignerInfo`, `TimeStampResp`...
        what: &'static str,
        /// The codec's error.
        #[source]
        source: der::Error,
    },
    /// A resource limit ([`crate::pdf::Limits`]) stopped reading: a decompression or parser
    /// bomb, or a file beyond the configured bounds. `what` names the limit, `location` where.
    #[error("limit exceeded: {what} over {limit} at {location}")]
    LimitExceeded {
        /// The limit (`Limits` field name or parser bound).
        what: &'static str,
        /// The configured bound.
        limit: u64,
        /// Where reading stopped (object or offset).
        location: String,
    },
    /// The signer certificate must not sign now: expired, not yet valid
    /// ([`Problem::CertificateExpired`] and the like, `at` the signing time), or without a
    /// signing keyUsage ([`Problem::KeyUsage`]).
    #[error("unusable signer certificate: {0}")]
    UnusableCertificate(Problem),
    /// Invalid caller-supplied option.
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// A bug: signing this document panicked. Batch signing turns the panic into this error so
    /// that the other documents are still signed.
    #[error("internal error (panic) while signing: {0}")]
    Panicked(String),
    /// Reading or writing a file failed.
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
    TimestampTooLarge {
        /// Bytes reserved in `/Contents`.
        reserved: usize,
        /// Bytes the signature with its token needs.
        needed: usize,
    },
    /// Revocation data (OCSP, CRL) could not be fetched or is not usable.
    #[error("revocation data: {0}")]
    Revocation(String),
}

/// Why a TSA's answer was refused (RFC 3161 §2.4.2 checks).
///
/// # Examples
///
/// ```
/// # let tsa_key = countersign::crypto::credential::load_pem(
/// #     &std::fs::read("testdata/pki/tsa-tsa.chain.pem")?,
/// #     &std::fs::read("testdata/pki/tsa-tsa.key.pem")?,
/// #     &Default::default(),
/// # )?;
/// use std::time::SystemTime;
/// use countersign::timestamp::{Authority, ObjectIdentifier, TimestampRequest};
/// use countersign::{DigestAlgorithm, Error, TimestampProblem};
///
/// let tsa = Authority::new(tsa_key, ObjectIdentifier::new_unwrap("1.3.6.1.4.1.55555.1.1"));
/// let request = TimestampRequest::new(DigestAlgorithm::Sha256, &[0x5a; 32], &[1; 8])?;
/// // An answer to another request (a replay, say) carries another nonce:
/// let other = TimestampRequest::new(DigestAlgorithm::Sha256, &[0x5a; 32], &[2; 8])?;
/// let answer = tsa.respond(other.der(), SystemTime::now())?;
/// let refused = request.check_response(&answer, &[]);
/// assert!(matches!(refused, Err(Error::Timestamp(TimestampProblem::NonceMismatch))));
/// // A request the TSA cannot read is rejected with PKIStatus 2:
/// let rejection = tsa.respond(b"not a request", SystemTime::now())?;
/// let refused = request.check_response(&rejection, &[]);
/// assert!(matches!(refused, Err(Error::Timestamp(TimestampProblem::Rejected { status: 2, .. }))));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimestampProblem {
    /// PKIStatus other than granted / grantedWithMods.
    #[error("the TSA answered status {status}: {text}")]
    Rejected {
        /// The PKIStatus.
        status: u8,
        /// The statusString texts, joined.
        text: String,
    },
    /// The answer is not a DER TimeStampResp with a token, or the token not a SignedData over
    /// a TSTInfo; the reason says which (and carries the DER decoder's error as its source).
    #[error(transparent)]
    Malformed(MalformedTimestamp),
    /// The token's messageImprint is not the one requested.
    #[error("the token's messageImprint is not the one requested")]
    ImprintMismatch,
    /// The token's nonce is not the one requested.
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
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::{Error, Location, ObjRef};
    ///
    /// let error = Error::malformed(ObjRef::new(12, 0), 345, "expected a dictionary");
    /// assert_eq!(error.to_string(), "malformed object 12 0 R at offset 345: expected a dictionary");
    /// let error = Error::malformed(Location::Trailer, 1024, "no /Root");
    /// assert!(matches!(error, Error::MalformedObject { object: Location::Trailer, offset: 1024, .. }));
    /// ```
    pub fn malformed(object: impl Into<Location>, offset: u64, reason: impl Into<String>) -> Self {
        Error::MalformedObject {
            object: object.into(),
            offset,
            reason: reason.into(),
        }
    }

    /// A `map_err` adapter for decoders: `.map_err(Error::invalid("certificate"))`.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::Error;
    ///
    /// let error = "0x3001".parse::<u32>().map_err(Error::invalid("serial number")).unwrap_err();
    /// assert!(matches!(error, Error::InvalidCredential { what: "serial number", .. }));
    /// assert_eq!(error.to_string(), "credential: invalid serial number");
    /// assert!(std::error::Error::source(&error).is_some()); // the ParseIntError
    /// ```
    pub fn invalid<E>(what: &'static str) -> impl FnOnce(E) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        move |source| Error::InvalidCredential {
            what,
            source: Box::new(source),
        }
    }

    /// A `map_err` adapter for the DER codec: `.map_err(Error::der("SignedData"))`.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::Error;
    /// use x509_cert::der::Decode;
    ///
    /// let error = x509_cert::Certificate::from_der(&[0x30, 0x03, 0x02, 0x01]).map_err(Error::der("certificate")).unwrap_err();
    /// assert!(matches!(error, Error::Der { what: "certificate", .. }));
    /// assert_eq!(error.to_string(), "CMS: cannot decode or encode certificate");
    /// ```
    pub fn der(what: &'static str) -> impl FnOnce(der::Error) -> Self {
        move |source| Error::Der { what, source }
    }

    /// Shorthand for [`Error::LimitExceeded`].
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::{verify_pdf, Error, VerifyOptions};
    ///
    /// let error = Error::limit("max_nesting", 2, "object 3 0 R");
    /// assert_eq!(error.to_string(), "limit exceeded: max_nesting over 2 at object 3 0 R");
    ///
    /// // What reading returns when a limit stops it:
    /// let mut options = VerifyOptions::default();
    /// options.limits.max_nesting = 1; // classic.pdf nests dictionaries three deep
    /// let refused = verify_pdf(&std::fs::read("testdata/pdf/classic.pdf")?, &options);
    /// assert!(matches!(refused, Err(Error::LimitExceeded { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn limit(what: &'static str, limit: u64, location: impl Into<String>) -> Self {
        Error::LimitExceeded {
            what,
            limit,
            location: location.into(),
        }
    }

    /// Shorthand used by the xref reader.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::Error;
    ///
    /// let error = Error::damaged_xref(753, "entry 4 is not 20 bytes");
    /// assert_eq!(error.to_string(), "damaged cross-reference at offset 753: entry 4 is not 20 bytes");
    /// assert!(countersign::repair::is_damage(&error));
    /// ```
    pub fn damaged_xref(offset: u64, reason: impl Into<String>) -> Self {
        Error::DamagedXref {
            offset,
            reason: reason.into(),
        }
    }
}

/// `Result` with [`Error`] as the default error type.
///
/// # Examples
///
/// ```
/// use countersign::{verify_pdf, Result, VerifyOptions};
///
/// /// Subjects of the signers of `pdf`.
/// fn signers(pdf: &[u8]) -> Result<Vec<String>> {
///     let report = verify_pdf(pdf, &VerifyOptions::default())?;
///     Ok(report.signatures.into_iter().map(|s| s.signer_subject).collect())
/// }
///
/// let signers = signers(&std::fs::read("testdata/pdf/signed.pdf")?)?;
/// assert!(signers[0].contains("CN=Demo Organisation"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Which object of the file a [`Error::MalformedObject`] is about.
///
/// # Examples
///
/// ```
/// use countersign::{Location, ObjRef};
///
/// assert_eq!(Location::from(ObjRef::new(4, 0)), Location::Object(ObjRef::new(4, 0)));
/// let compressed = Location::InObjectStream { object: ObjRef::new(12, 0), stream: ObjRef::new(5, 0) };
/// assert_eq!(compressed.to_string(), "12 0 R (in object stream 5 0 R)");
/// assert_eq!(Location::Trailer.to_string(), "trailer");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Location {
    /// An indirect object.
    Object(ObjRef),
    /// An object stored in an object stream.
    InObjectStream {
        /// The object.
        object: ObjRef,
        /// The object stream holding it.
        stream: ObjRef,
    },
    /// A trailer dictionary.
    Trailer,
    /// The document catalog.
    Catalog,
    /// A stream whose object is not known yet (its `/Length`, say).
    Stream,
    /// Whatever starts at the offset: no `num gen obj` header there.
    ObjectHeader,
}

impl From<ObjRef> for Location {
    fn from(object: ObjRef) -> Self {
        Location::Object(object)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Object(object) => write!(f, "{object}"),
            Location::InObjectStream { object, stream } => {
                write!(f, "{object} (in object stream {stream})")
            }
            Location::Trailer => f.write_str("trailer"),
            Location::Catalog => f.write_str("catalog"),
            Location::Stream => f.write_str("stream"),
            Location::ObjectHeader => f.write_str("object"),
        }
    }
}
