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
    /// The document is encrypted with a security handler we cannot open (one other than the
    /// standard password handler).
    #[error("document is encrypted with the {handler} security handler, which is not supported")]
    Encrypted {
        /// The `/Filter` of the encryption dictionary, with its version and method.
        handler: String,
    },
    /// The document is encrypted and its empty user password does not open it: a password is
    /// needed ([`DocumentAccess`](crate::DocumentAccess) in the options).
    #[error("document is encrypted with the {handler} security handler and needs a password")]
    PasswordRequired {
        /// The encryption dictionary's `/Filter`, version and method.
        handler: String,
    },
    /// The password given is neither the document's user nor its owner password.
    #[error(
        "the password does not open the document (encrypted with the {handler} security handler)"
    )]
    WrongPassword {
        /// The encryption dictionary's `/Filter`, version and method.
        handler: String,
    },
    /// The document's encryption uses something we do not implement (a revision, a crypt
    /// filter method, a key length), or its encryption dictionary is malformed.
    #[error("unsupported encryption: {detail}")]
    UnsupportedEncryption {
        /// What is not supported.
        detail: String,
    },
    /// The permissions of the encrypted document (`/P`, ISO 32000-2 Table 22) do not allow
    /// the change, and it was not opened with the owner password.
    #[error(
        "the document's permissions do not allow it: {permission} (P bit {bit}) is not granted"
    )]
    PermissionDenied {
        /// The permission that is missing, in words.
        permission: String,
        /// Its bit in `/P`, numbered from 1 as the standard numbers them.
        bit: u8,
    },
    /// A certification signature with DocMDP P=1 forbids any change, including new signatures.
    #[error(
        "document is certified with DocMDP P=1: no changes are permitted, adding a signature would break its certification"
    )]
    CertifiedNoChanges,
    /// A certification signature must be the document's first signature (ISO 32000-1
    /// §12.8.2.2.1), and this document already has one.
    #[error(
        "cannot certify: a certification signature must be the document's first, and signature field {existing_field} is already signed"
    )]
    CertificationNotFirst {
        /// The fully qualified name of a field that already holds a signature.
        existing_field: String,
    },
    /// A FieldMDP lock forbids filling the signature field `field`.
    #[error("signature field {field} is locked by a FieldMDP transform")]
    FieldLocked {
        /// The field's fully qualified name.
        field: String,
    },
    /// The lock of the signature in `signed_field` sets P=1: no change at all is permitted
    /// after it was signed, not even a new signature.
    #[error(
        "signature field {signed_field} has a lock with P=1: no change at all is permitted after it was signed"
    )]
    LockedNoChanges {
        /// The field of the signature whose lock forbids changes.
        signed_field: String,
    },
    /// A signature the document already carries is not intact, not cryptographically valid, or
    /// followed by changes the document does not allow (`problem` says which, e.g.
    /// [`Problem::ModifiedAfterSigning`]); refused when
    /// [`SignOptions::require_intact_signatures`](crate::SignOptions::require_intact_signatures)
    /// is set, so that a new signature does not vouch for a tampered document.
    #[error("existing signature {field} is not valid: {problem}")]
    ExistingSignatureInvalid {
        /// The first such signature's fully qualified field name.
        field: String,
        /// Why it is not valid (boxed: it would make every `Result` of the crate larger).
        problem: Box<Problem>,
    },
    /// A structure, algorithm or feature we do not support: [`Unsupported`] names it.
    #[error(transparent)]
    Unsupported(#[from] Unsupported),
    /// A key or certificate could not be loaded: [`CredentialError`] says what is missing or
    /// refused (a decoder's failure is [`Error::InvalidCredential`]).
    #[error(transparent)]
    Credential(#[from] CredentialError),
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
    #[error(
        "object {object} would be at offset {offset}, beyond the 10 digits of a cross-reference table entry"
    )]
    XrefOffsetTooLarge {
        /// The object.
        object: ObjRef,
        /// The offset it would be written at.
        offset: u64,
    },
    /// The signing key (software, HSM, KMS or remote) failed to sign, or signed other than
    /// asked: [`SignerError`] says which; a backend's own error is its
    /// [`source`](std::error::Error::source).
    #[error(transparent)]
    Signer(#[from] SignerError),
    /// A CMS structure is not what it must be: [`CmsError`] names the problem (a DER codec
    /// failure is [`Error::Der`]).
    #[error(transparent)]
    Cms(#[from] CmsError),
    /// A public key (a signer's certificate, an OCSP responder's) could not be read by the
    /// cryptographic library; `source` is the library's error.
    #[error("invalid {algorithm} public key")]
    InvalidPublicKey {
        /// The key's algorithm: `RSA`, `EC`...
        algorithm: &'static str,
        /// The library's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
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
    /// A caller-supplied option or argument is invalid: `option` names it (the field of
    /// [`crate::SignOptions`] or of the configuration, or the argument), `reason` says why.
    #[error("invalid option {option}: {reason}")]
    InvalidOption {
        /// The option, field or argument: `field_name`, `page`, `signing_time`...
        option: &'static str,
        /// What is wrong with its value.
        reason: String,
    },
    /// A bug: signing this document panicked. Batch signing turns the panic into this error so
    /// that the other documents are still signed.
    #[error("internal error (panic) while signing: {0}")]
    Panicked(String),
    /// Reading or writing a file failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The time-stamping authority could not be reached, refused the connection, answered
    /// with an HTTP error or not within the configured timeout ([`HttpError`] says which).
    /// Nothing was written.
    #[error("time-stamping authority unavailable")]
    TsaUnavailable(#[source] HttpError),
    /// The TSA answered, but its answer is not a timestamp we can use (the problem, the
    /// error's source, says why). Nothing was written.
    #[error("timestamp refused")]
    Timestamp(#[source] TimestampProblem),
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
    /// Revocation data (OCSP, CRL) could not be fetched or is not usable: [`RevocationError`]
    /// says why.
    #[error(transparent)]
    Revocation(#[from] RevocationError),
    /// A document encrypted with the public-key security handler (`Adobe.PubSec`) cannot be
    /// opened with the recipient given, or its `/Recipients` cannot be read: [`PubSecError`]
    /// says which.
    #[error(transparent)]
    PubSec(#[from] PubSecError),
    /// Deferred (two-phase) signing refused a state, a document or a signature:
    /// [`DeferredError`] says which; nothing was written.
    #[error(transparent)]
    Deferred(#[from] DeferredError),
    /// A PKCS#11 module, token or key could not be used (feature `pkcs11`): [`Pkcs11Error`]
    /// says which; nothing was written.
    #[cfg(feature = "pkcs11")]
    #[cfg_attr(docsrs, doc(cfg(feature = "pkcs11")))]
    #[error(transparent)]
    Pkcs11(#[from] Pkcs11Error),
}

/// Why deferred signing ([`crate::prepare_deferred`], [`crate::DeferredSignature::complete`])
/// refused its input. The state is input like any file: a damaged or foreign one is one of
/// these, never a panic.
///
/// # Examples
///
/// ```
/// use countersign::error::{DeferredError, Error};
/// use countersign::DeferredSignature;
///
/// match DeferredSignature::from_bytes(b"not a state") {
///     Err(Error::Deferred(DeferredError::MalformedState { offset, .. })) => assert_eq!(offset, 0),
///     other => panic!("accepted garbage: {other:?}"),
/// }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeferredError {
    /// The serialised state is truncated, garbled or not a state at all.
    #[error("deferred signing state: {reason} (at byte {offset})")]
    MalformedState {
        /// Where in the state the problem was found.
        offset: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// The state was written by a version of the format this build does not read.
    #[error("deferred signing state: format version {found}, this build reads version {supported}")]
    UnsupportedVersion {
        /// The state's version.
        found: u16,
        /// The version this build writes and reads.
        supported: u16,
    },
    /// `complete` was given another PDF than the one the state was prepared for.
    #[error(
        "the PDF ({found_len} bytes) is not the one the signature was prepared for ({expected_len} bytes, SHA-256 {expected_sha256})"
    )]
    DifferentDocument {
        /// Length of the prepared document.
        expected_len: u64,
        /// Hex SHA-256 of the prepared document.
        expected_sha256: String,
        /// Length of the document given to `complete`.
        found_len: u64,
    },
    /// The state's update does not hash to the message digest its signed attributes carry
    /// (the state was altered after it was prepared).
    #[error(
        "deferred signing state: the update does not match the digest in its signed attributes"
    )]
    UpdateMismatch,
    /// The signature does not verify over the prepared signed attributes with the signer
    /// certificate's key: a wrong or garbled signature, or one made by another key.
    #[error(
        "the signature does not verify with the key of {subject} over the prepared signed attributes"
    )]
    SignatureInvalid {
        /// The signer certificate's subject.
        subject: String,
    },
    /// The signature scheme asked for cannot be made with the certificate's key.
    #[error("signature scheme {scheme:?} does not fit the {key} key of {subject}")]
    SchemeNotForKey {
        /// The scheme asked for.
        scheme: crate::SignatureScheme,
        /// The certificate's key algorithm.
        key: der::asn1::ObjectIdentifier,
        /// The signer certificate's subject.
        subject: String,
    },
}

/// Why a key in an HSM or smart card (a PKCS#11 token) could not be opened or could not sign
/// (feature `pkcs11`, [`crate::crypto::pkcs11`]). No variant ever carries the PIN.
///
/// # Examples
///
/// ```
/// use countersign::error::{Error, Pkcs11Error};
///
/// let error = Error::from(Pkcs11Error::TokenNotFound {
///     wanted: "label signing".into(),
///     available: vec!["label test (serial 1a2b)".into()],
/// });
/// assert_eq!(
///     error.to_string(),
///     "PKCS#11: no token with label signing; tokens present: label test (serial 1a2b)"
/// );
/// ```
#[cfg(feature = "pkcs11")]
#[cfg_attr(docsrs, doc(cfg(feature = "pkcs11")))]
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Pkcs11Error {
    /// The module (the shared library) could not be loaded or initialised.
    #[error("PKCS#11: cannot load module {}", module.display())]
    ModuleNotLoadable {
        /// The module's path.
        module: std::path::PathBuf,
        /// The loader's or the module's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// No token matches the selector.
    #[error(
        "PKCS#11: no token with {wanted}; tokens present: {}",
        join_or_none(available)
    )]
    TokenNotFound {
        /// The selector: `label NAME` or `serial NUMBER`.
        wanted: String,
        /// The tokens the module shows, by label and serial.
        available: Vec<String>,
    },
    /// No private key on the token matches the selector, or more than one does.
    #[error("PKCS#11: {} private key with {wanted} on token {token}; keys present: {}",
        if *matching == 0 { "no" } else { "more than one" }, join_or_none(available))]
    KeyNotFound {
        /// The selector: `label NAME` or `id HEX`.
        wanted: String,
        /// How many keys match it (0, or more than one).
        matching: usize,
        /// The token's label.
        token: String,
        /// The private keys the token holds, by label and id.
        available: Vec<String>,
    },
    /// The token refused the PIN (CKR_PIN_INCORRECT).
    #[error("PKCS#11: wrong PIN for token {token}")]
    PinIncorrect {
        /// The token's label.
        token: String,
    },
    /// The token's user PIN is locked after too many wrong tries (CKR_PIN_LOCKED) or expired.
    #[error("PKCS#11: the PIN of token {token} is locked or expired")]
    PinLocked {
        /// The token's label.
        token: String,
    },
    /// The PIN could not be read from where it was configured (a missing file, an unset or
    /// empty environment variable).
    #[error("PKCS#11: cannot read the PIN from {from}: {reason}")]
    PinUnavailable {
        /// `file PATH` or `environment variable NAME`.
        from: String,
        /// What went wrong.
        reason: String,
    },
    /// The token offers no mechanism for this key and digest.
    #[error("PKCS#11: token {token} supports no {mechanism} mechanism")]
    MechanismUnsupported {
        /// The token's label.
        token: String,
        /// What was needed: `CKM_RSA_PKCS or CKM_SHA256_RSA_PKCS`...
        mechanism: String,
    },
    /// The key is not an RSA key or an EC key on P-256 or P-384, or lacks the attributes
    /// that give its public half.
    #[error("PKCS#11: unsupported key on token {token}: {reason}")]
    UnsupportedKey {
        /// The token's label.
        token: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The chain was asked of the token and it holds no certificate with the key's CKA_ID.
    #[error("PKCS#11: token {token} holds no certificate for key {key}")]
    NoCertificate {
        /// The token's label.
        token: String,
        /// The key, by label and id.
        key: String,
    },
    /// The token was removed, or its sessions closed, while in use (CKR_DEVICE_REMOVED,
    /// CKR_TOKEN_NOT_PRESENT, CKR_SESSION_CLOSED, CKR_SESSION_HANDLE_INVALID...). The
    /// signature in progress is abandoned: nothing is written.
    #[error("PKCS#11: token {token} is gone ({code} in {function})")]
    TokenGone {
        /// The token's label.
        token: String,
        /// The PKCS#11 function that failed.
        function: String,
        /// The return value, e.g. `CKR_DEVICE_REMOVED`.
        code: String,
    },
    /// Any other failure of a PKCS#11 function.
    #[error("PKCS#11: {function} failed on token {token}: {code}")]
    Module {
        /// The token's label (empty before a token is selected).
        token: String,
        /// The PKCS#11 function that failed.
        function: String,
        /// The return value or the wrapper's error.
        code: String,
    },
}

#[cfg(feature = "pkcs11")]
fn join_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

/// Why the file key of a document encrypted for certificate holders (the public-key security
/// handler `Adobe.PubSec`, ISO 32000-2 §7.6.5) could not be obtained with a
/// [`PubSecRecipient`](crate::PubSecRecipient).
///
/// # Examples
///
/// ```
/// use countersign::error::{Error, PubSecError};
///
/// // What opening a document encrypted for someone else fails with.
/// let error = Error::from(PubSecError::NotRecipient { subject: "CN=Demo".into(), entries: 1 });
/// assert_eq!(
///     error.to_string(),
///     "public-key encryption: none of the 1 /Recipients entries is encrypted for CN=Demo"
/// );
/// assert!(matches!(error, Error::PubSec(PubSecError::NotRecipient { entries: 1, .. })));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PubSecError {
    /// The document is encrypted for certificate holders and no recipient (certificate and
    /// private key) was given.
    #[error(
        "public-key encryption: the document is encrypted for certificate holders; give the recipient's certificate and private key"
    )]
    RecipientRequired,
    /// No RecipientInfo of any `/Recipients` entry names the recipient's certificate (by issuer
    /// and serial number or by subject key identifier): the document is not encrypted for it.
    #[error(
        "public-key encryption: none of the {entries} /Recipients entries is encrypted for {subject}"
    )]
    NotRecipient {
        /// RFC 4514 form of the recipient certificate's subject.
        subject: String,
        /// How many `/Recipients` entries were searched.
        entries: usize,
    },
    /// `/Recipients` is missing, not an array of strings, too large, or entry `index` is not a
    /// DER CMS EnvelopedData (or its decrypted content is not a seed and permissions).
    #[error("public-key encryption: malformed /Recipients{}: {reason}", match index {
        Some(index) => format!(" entry {index}"),
        None => String::new(),
    })]
    MalformedRecipients {
        /// The entry (from 0), when one entry is at fault.
        index: Option<usize>,
        /// What is wrong.
        reason: String,
    },
    /// The recipient's entry encrypts its content-encryption key with an algorithm we do not
    /// support (RSA PKCS#1 v1.5 is).
    #[error(
        "public-key encryption: /Recipients entry {index} uses key encryption algorithm {oid}, which is not supported"
    )]
    UnsupportedKeyEncryption {
        /// The entry (from 0).
        index: usize,
        /// The keyEncryptionAlgorithm OID.
        oid: der::oid::ObjectIdentifier,
    },
    /// The recipient's entry encrypts its content with an algorithm we do not support
    /// (AES-128/192/256-CBC, DES-EDE3-CBC and RC2-CBC are).
    #[error(
        "public-key encryption: /Recipients entry {index} uses content encryption algorithm {oid}, which is not supported"
    )]
    UnsupportedContentEncryption {
        /// The entry (from 0).
        index: usize,
        /// The contentEncryptionAlgorithm OID.
        oid: der::oid::ObjectIdentifier,
    },
    /// Entry `index` names the recipient's certificate but its key does not open it: the
    /// envelope was encrypted for another key with the same issuer and serial number, or is
    /// damaged.
    #[error(
        "public-key encryption: the recipient's private key does not open /Recipients entry {index}"
    )]
    EnvelopeNotOpened {
        /// The entry (from 0).
        index: usize,
    },
    /// The file key length the encryption dictionary asks for is not one the key derivation
    /// gives (1 to 20 bytes with SHA-1, 1 to 32 with SHA-256).
    #[error(
        "public-key encryption: a file key of {requested} bytes cannot be derived (at most {available})"
    )]
    KeyLength {
        /// Bytes asked for.
        requested: usize,
        /// Bytes the digest gives.
        available: usize,
    },
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

    /// A signing backend's failure (HSM, KMS, remote service or library) as
    /// [`SignerError::Failed`], keeping `source` as the error's
    /// [`source`](std::error::Error::source). A message converts too.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::error::Error as _;
    /// use countersign::error::{Error, SignerError};
    ///
    /// let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "HSM slot 0 not reachable");
    /// let error = Error::signer(io);
    /// assert!(matches!(error, Error::Signer(SignerError::Failed(_))));
    /// assert_eq!(error.to_string(), "signer: the signing key failed to sign");
    /// assert_eq!(error.source().unwrap().to_string(), "HSM slot 0 not reachable");
    /// assert!(matches!(Error::signer("no session"), Error::Signer(SignerError::Failed(_))));
    /// ```
    pub fn signer(source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        Error::Signer(SignerError::Failed(source.into()))
    }

    /// Shorthand for [`Error::InvalidOption`]: `option` names the setting, `reason` what is
    /// wrong with it.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::Error;
    ///
    /// let error = Error::invalid_option("tsa", "level b-t needs a TSA");
    /// assert!(matches!(error, Error::InvalidOption { option: "tsa", .. }));
    /// ```
    pub fn invalid_option(option: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidOption {
            option,
            reason: reason.into(),
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

/// An error and each [`std::error::Error::source`] below it, displayed as
/// `error: cause: cause...`: the message the CLI prints and the service returns. A cause whose
/// text the message already ends with (`Error::Io` shows its `io::Error`, for callers that print
/// only `Display`) is not repeated.
///
/// # Examples
///
/// ```
/// use countersign::error::{CredentialError, Error, ErrorReport};
///
/// let error = Error::from(CredentialError::Unreadable {
///     path: "key.pem".into(),
///     source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
/// });
/// // `Display` of the error alone stops at its own message; the report adds the causes.
/// assert_eq!(
///     ErrorReport::new(&error).to_string(),
///     "credential: cannot read key.pem: no such file"
/// );
/// ```
#[derive(Clone, Copy)]
pub struct ErrorReport<'a> {
    error: &'a dyn std::error::Error,
}

impl<'a> ErrorReport<'a> {
    /// The report of `error` and its causes.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::error::ErrorReport;
    ///
    /// let error: Box<dyn std::error::Error> = "no signature".into();
    /// assert_eq!(ErrorReport::new(error.as_ref()).to_string(), "no signature");
    /// ```
    pub fn new(error: &'a dyn std::error::Error) -> Self {
        Self { error }
    }
}

impl fmt::Display for ErrorReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = self.error.to_string();
        let mut cause = self.error.source();
        while let Some(next) = cause {
            let next_text = next.to_string();
            if !text.ends_with(&next_text) {
                text.push_str(": ");
                text.push_str(&next_text);
            }
            cause = next.source();
        }
        f.write_str(&text)
    }
}

impl fmt::Debug for ErrorReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// [`ErrorReport`] as a `String`.
pub(crate) fn with_causes(error: &dyn std::error::Error) -> String {
    ErrorReport::new(error).to_string()
}

/// Why a key or certificate could not be loaded or paired, when no decoder error is behind it
/// (decoder failures are [`Error::InvalidCredential`], a key paired with the wrong certificate
/// [`Error::KeyMismatch`]).
///
/// # Examples
///
/// ```
/// use countersign::crypto::credential::{load_private_key, LoadOptions};
/// use countersign::error::{CredentialError, Error};
///
/// // An encrypted key, and no password given.
/// let encrypted = std::fs::read("testdata/pki/demo.key.enc.pem")?;
/// match load_private_key(&encrypted, &LoadOptions::default()) {
///     Err(Error::Credential(CredentialError::PasswordRequired)) => {}
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// No private key: a PEM file without a private key block, a PKCS#12 file without a key bag.
    #[error("credential: no private key found")]
    NoPrivateKey,
    /// No certificate: a PEM file without a `CERTIFICATE` block, or none given for the key.
    #[error("credential: no certificate found")]
    NoCertificate,
    /// A PEM file without an `X509 CRL` block.
    #[error("credential: no CRL found")]
    NoCrl,
    /// The certificate chain given for a key is empty.
    #[error("credential: the certificate chain is empty")]
    EmptyChain,
    /// The private key matches none of the certificates given with it.
    #[error("credential: the private key matches none of the certificates")]
    NoMatchingCertificate,
    /// The private key is encrypted and no password was given.
    #[error("credential: the private key is encrypted and no password was given")]
    PasswordRequired,
    /// The password does not open the key or PKCS#12 file (or the file is damaged).
    #[error("credential: wrong password (or damaged file)")]
    WrongPassword,
    /// A legacy OpenSSL-encrypted PEM key (`Proc-Type` header); `openssl pkcs8 -topk8` converts
    /// it to encrypted PKCS#8.
    #[error(
        "credential: legacy OpenSSL-encrypted PEM key (Proc-Type header) is not supported; convert it with `openssl pkcs8 -topk8`"
    )]
    LegacyEncryptedPem,
    /// A PEM block with no `-----END` line.
    #[error("credential: PEM block without an END line")]
    UnterminatedPem,
    /// DER key bytes that are neither PKCS#8, encrypted PKCS#8, PKCS#1 nor SEC1.
    #[error("credential: the key is neither PKCS#8, encrypted PKCS#8, PKCS#1 nor SEC1 DER")]
    UnknownKeyFormat,
    /// A private key of an algorithm we do not sign with.
    #[error("credential: unsupported private key algorithm {oid}")]
    UnsupportedKeyAlgorithm {
        /// The key's algorithm OID.
        oid: der::oid::ObjectIdentifier,
    },
    /// An EC private key on a curve we do not sign with (P-256 and P-384 are supported).
    #[error("credential: unsupported elliptic curve {oid}")]
    UnsupportedCurve {
        /// The curve's OID.
        oid: der::oid::ObjectIdentifier,
    },
    /// An EC private key that does not name its curve.
    #[error("credential: EC private key without a named curve")]
    NoNamedCurve,
    /// An RSA key whose size is outside the supported range.
    #[error("credential: RSA key has {bits} bits; {min} to {max} are supported")]
    RsaKeySize {
        /// The key's modulus size.
        bits: usize,
        /// The smallest size supported.
        min: usize,
        /// The largest size supported.
        max: usize,
    },
    /// The configuration names neither a PKCS#12 file nor both a certificate and a key file.
    #[error("credential: give either `pkcs12` (with `password`) or both `certificates` and `key`")]
    Incomplete,
    /// A credential file could not be read; `source` is the I/O error.
    #[error("credential: cannot read {}", path.display())]
    Unreadable {
        /// The file.
        path: std::path::PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// What we do not support, named: an algorithm or curve (with its OID), a PAdES level, or a
/// PDF beyond what the writer can express.
///
/// # Examples
///
/// ```
/// use countersign::error::{Error, Unsupported};
/// use der::oid::ObjectIdentifier;
///
/// // What verifying a sha1WithRSAEncryption signature fails with.
/// let sha1_with_rsa = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5");
/// let error = Error::from(Unsupported::SignatureAlgorithm { oid: sha1_with_rsa });
/// assert_eq!(error.to_string(), "unsupported: signature algorithm 1.2.840.113549.1.1.5");
/// match error {
///     Error::Unsupported(Unsupported::SignatureAlgorithm { oid }) => assert_eq!(oid, sha1_with_rsa),
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Unsupported {
    /// A signature algorithm we do not verify or sign with.
    #[error("unsupported: signature algorithm {oid}")]
    SignatureAlgorithm {
        /// The algorithm's OID.
        oid: der::oid::ObjectIdentifier,
    },
    /// An RSASSA-PSS hash we do not support.
    #[error("unsupported: RSASSA-PSS hash {oid}")]
    PssHash {
        /// The hash's OID.
        oid: der::oid::ObjectIdentifier,
    },
    /// An RSASSA-PSS mask generation function other than MGF1.
    #[error("unsupported: RSASSA-PSS mask generation {oid}")]
    PssMaskGeneration {
        /// The function's OID.
        oid: der::oid::ObjectIdentifier,
    },
    /// RSASSA-PSS with an MGF1 hash other than the message hash.
    #[error("unsupported: RSASSA-PSS with an MGF1 hash other than the message hash")]
    PssMgf1Hash,
    /// A signature algorithm with a public key of another type (RSA signature, EC key...).
    #[error("unsupported: {algorithm} signature with a public key of type {key}")]
    KeyForAlgorithm {
        /// The signature algorithm, like `SHA256withRSA`.
        algorithm: String,
        /// The public key's algorithm OID.
        key: der::oid::ObjectIdentifier,
    },
    /// An elliptic curve we do not verify (P-256 and P-384 are supported).
    #[error("unsupported: elliptic curve {oid}")]
    Curve {
        /// The curve's OID.
        oid: der::oid::ObjectIdentifier,
    },
    /// An EC public key that does not name its curve.
    #[error("unsupported: EC public key without a named curve")]
    UnnamedCurve,
    /// A PAdES level the signing engine does not produce.
    #[error("unsupported: this engine signs at PAdES {supported} only, not {level}")]
    PadesLevel {
        /// The level asked for: `b-t`, `b-lt`...
        level: &'static str,
        /// The level the engine produces.
        supported: &'static str,
    },
    /// The file has no object number left for a new object.
    #[error("unsupported: object numbers exhausted")]
    ObjectNumbersExhausted,
    /// No free signature field name (`Signature1`, `Signature2`... are all taken).
    #[error("unsupported: no free field name")]
    FieldNamesExhausted,
    /// The file is too large for the offsets of a `/ByteRange`.
    #[error("unsupported: file too large for a ByteRange")]
    ByteRangeOverflow,
    /// A placeholder the writer reserved (`/ByteRange`, `/Contents`) is not where, or not as
    /// large as, it should be.
    #[error("unsupported: {placeholder} placeholder out of place or too small")]
    Placeholder {
        /// The placeholder: `ByteRange` or `Contents`.
        placeholder: &'static str,
    },
    /// The update would write the same object twice.
    #[error("unsupported: object {object} would be written twice")]
    ObjectWrittenTwice {
        /// The object.
        object: ObjRef,
    },
}

/// What is wrong with a CMS structure, when the DER codec has nothing to say (its failures are
/// [`Error::Der`]).
///
/// # Examples
///
/// ```
/// use countersign::error::{CmsError, Error};
///
/// // What a signature container larger than its `/Contents` room fails with.
/// let error = Error::from(CmsError::ContainerTooLarge { size: 9000, reserved: 8192 });
/// assert_eq!(error.to_string(), "CMS: signature container is 9000 bytes but 8192 were reserved");
/// assert!(matches!(error, Error::Cms(CmsError::ContainerTooLarge { reserved: 8192, .. })));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CmsError {
    /// The bytes are not one DER element.
    #[error("CMS: not a DER element")]
    NotDer,
    /// The ContentInfo is not of type signedData.
    #[error("CMS: content type {content_type} is not signedData")]
    NotSignedData {
        /// The ContentInfo's content type.
        content_type: der::oid::ObjectIdentifier,
    },
    /// The CMS length announces more bytes than the input holds.
    #[error("CMS: length beyond the input")]
    LengthBeyondInput,
    /// The ContentInfo has no content.
    #[error("CMS: ContentInfo without content")]
    NoContent,
    /// The SignedData is empty.
    #[error("CMS: empty SignedData")]
    EmptySignedData,
    /// The SignedData has no SignerInfo.
    #[error("CMS: SignedData without SignerInfo")]
    NoSignerInfo,
    /// A signed attribute appears more than once.
    #[error("CMS: attribute {oid} appears more than once")]
    DuplicateAttribute {
        /// The attribute's type.
        oid: der::oid::ObjectIdentifier,
    },
    /// A signed attribute with other than exactly one value.
    #[error("CMS: attribute {oid} must have exactly one value")]
    AttributeValues {
        /// The attribute's type.
        oid: der::oid::ObjectIdentifier,
    },
    /// The signature container is larger than the room reserved for it in `/Contents`.
    #[error("CMS: signature container is {size} bytes but {reserved} were reserved")]
    ContainerTooLarge {
        /// The container's size in bytes.
        size: usize,
        /// The bytes reserved.
        reserved: usize,
    },
    /// An RSASSA-PSS AlgorithmIdentifier without its parameters.
    #[error("CMS: RSASSA-PSS parameters missing")]
    MissingPssParameters,
    /// A public key whose bit string is not a whole number of bytes.
    #[error("CMS: public key is not a whole number of bytes")]
    UnalignedPublicKey,
}

/// How a signing key failed: its backend's own error, or an answer other than the one asked
/// for. Implementers of [`crate::Signer`] and [`crate::SigningKey`] return
/// [`Error::signer`]`(their_error)`.
///
/// # Examples
///
/// ```
/// use countersign::error::{Error, SignerError};
///
/// fn hsm_sign() -> countersign::Result<Vec<u8>> {
///     Err(Error::signer("HSM slot 0: device not reachable"))
/// }
/// let error = hsm_sign().unwrap_err();
/// let Error::Signer(SignerError::Failed(cause)) = &error else { panic!("{error:?}") };
/// assert_eq!(cause.to_string(), "HSM slot 0: device not reachable");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignerError {
    /// The backend (library, HSM, KMS, remote service) failed; `0` is its error.
    #[error("signer: the signing key failed to sign")]
    Failed(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// The signature is longer than the signer's declared maximum.
    #[error("signer: returned {len} bytes, more than its declared maximum of {max}")]
    SignatureTooLong {
        /// The signature's length.
        len: usize,
        /// The declared maximum.
        max: usize,
    },
    /// The key cannot sign with the digest algorithm asked for.
    #[error("signer: the key cannot sign with {digest:?}")]
    DigestUnavailable {
        /// The digest algorithm asked for.
        digest: crate::DigestAlgorithm,
    },
    /// The key's algorithm allows one digest only in CMS: Ed25519 goes with SHA-512
    /// (RFC 8419 §3.1), SM2 with SM3 (GB/T 35275). Set [`SignOptions::digest`](crate::SignOptions::digest) to `required`
    /// (the CLI does when `--digest` is not given).
    #[error(
        "signer: {key} signatures in CMS use {required:?} only (RFC 8419 §3.1 for Ed25519, GB/T 35275 for SM2), not {requested:?}"
    )]
    DigestMandated {
        /// The key's algorithm, e.g. `Ed25519`.
        key: &'static str,
        /// The digest the algorithm mandates.
        required: crate::DigestAlgorithm,
        /// The digest asked for.
        requested: crate::DigestAlgorithm,
    },
    /// The key chose a signature scheme with another digest than the one asked for.
    #[error("signer: asked for {requested:?}, the key chose {chosen:?}")]
    SchemeMismatch {
        /// The digest algorithm asked for.
        requested: crate::DigestAlgorithm,
        /// The scheme the key chose.
        chosen: crate::SignatureScheme,
    },
}

/// Why a server (TSA, OCSP responder, CRL distribution point) gave no usable answer.
///
/// # Examples
///
/// ```
/// use std::error::Error as _;
/// use countersign::error::{Error, HttpError};
///
/// let error = Error::TsaUnavailable(HttpError::Status {
///     url: "http://tsa.example/".into(),
///     status: 503,
/// });
/// assert_eq!(error.to_string(), "time-stamping authority unavailable");
/// let cause = error.source().unwrap();
/// assert_eq!(cause.to_string(), "http://tsa.example/ answered HTTP 503");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// The server answered with an HTTP status other than success.
    #[error("{url} answered HTTP {status}")]
    Status {
        /// The URL asked.
        url: String,
        /// The HTTP status code.
        status: u16,
    },
    /// No answer within the configured timeout.
    #[error("{url} gave no answer within {timeout:?}")]
    Timeout {
        /// The URL asked.
        url: String,
        /// The timeout.
        timeout: std::time::Duration,
    },
    /// The exchange failed (connection refused, TLS, answer too large...); `source` is the HTTP
    /// client's error.
    #[error("request to {url} failed")]
    Transport {
        /// The URL asked.
        url: String,
        /// The HTTP client's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
}

/// Why revocation data (OCSP responses, CRLs) could not be fetched or used.
///
/// # Examples
///
/// ```
/// use countersign::error::{Error, RevocationError};
///
/// let error = Error::from(RevocationError::ResponderStatus { status: 6 });
/// assert!(matches!(error, Error::Revocation(RevocationError::ResponderStatus { status: 6 })));
/// assert_eq!(
///     error.to_string(),
///     "revocation data: the OCSP responder answered status 6 (not successful)"
/// );
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RevocationError {
    /// A certificate names neither an OCSP responder nor a CRL distribution point.
    #[error("revocation data: {subject} names no OCSP responder and no CRL")]
    NoSource {
        /// RFC 4514 form of the certificate's subject.
        subject: String,
    },
    /// Every OCSP responder and CRL a certificate names failed; `failures` says how, one
    /// error per source.
    #[error(
        "revocation data: no source answered for {subject}: {}",
        join_errors(failures)
    )]
    AllSourcesFailed {
        /// RFC 4514 form of the certificate's subject.
        subject: String,
        /// What each source did.
        failures: Vec<Error>,
    },
    /// A server could not be asked; `0` says how.
    #[error("revocation data: fetch failed")]
    Fetch(#[source] HttpError),
    /// More certificates to check than the bound.
    #[error("revocation data: more than {max} certificates to check")]
    TooManyCertificates {
        /// The bound.
        max: usize,
    },
    /// A certificate's issuer is not among the embedded certificates.
    #[error("revocation data: the issuer of {subject} is not among the embedded certificates")]
    IssuerNotEmbedded {
        /// RFC 4514 form of the certificate's subject.
        subject: String,
    },
    /// The OCSP responseStatus is not successful (0).
    #[error("revocation data: the OCSP responder answered status {status} (not successful)")]
    ResponderStatus {
        /// The OCSPResponseStatus: 1 malformedRequest, 2 internalError, 3 tryLater,
        /// 5 sigRequired, 6 unauthorized.
        status: u8,
    },
    /// The OCSP response is not of type id-pkix-ocsp-basic.
    #[error("revocation data: OCSP response type {oid} is not id-pkix-ocsp-basic")]
    ResponseType {
        /// The responseType.
        oid: der::oid::ObjectIdentifier,
    },
    /// A part of the OCSP response is missing or cannot be read; `source` is the DER codec's
    /// error when it has one.
    #[error("revocation data: malformed OCSP response: no readable {what}")]
    MalformedOcsp {
        /// The part: `responseStatus`, `BasicOCSPResponse`...
        what: &'static str,
        /// The codec's error.
        #[source]
        source: Option<der::Error>,
    },
    /// The OCSP answer does not cover the certificate asked about.
    #[error(
        "revocation data: the OCSP answer from {url} does not cover the certificate asked about"
    )]
    WrongCertificate {
        /// The responder's URL.
        url: String,
    },
    /// An OCSP response is signed neither by the certificate's issuer nor by a responder
    /// certificate the issuer issued for OCSP signing: it proves nothing.
    #[error(
        "revocation data: the OCSP response is not signed by {issuer} or its delegated responder"
    )]
    OcspUnverified {
        /// RFC 4514 form of the issuer's subject.
        issuer: String,
    },
    /// A CRL distribution point answered something other than a DER CRL.
    #[error("revocation data: {url} did not answer a DER CRL")]
    NotCrl {
        /// The distribution point's URL.
        url: String,
        /// The codec's error, when it has one.
        #[source]
        source: Option<der::Error>,
    },
    /// A revocation data file could not be read or decoded; `source` says why.
    #[error("revocation data: cannot read {}", path.display())]
    File {
        /// The file.
        path: std::path::PathBuf,
        /// The I/O or decoding error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// A revocation data file is larger than the bound.
    #[error("revocation data: {} is larger than {max} bytes", path.display())]
    FileTooLarge {
        /// The file.
        path: std::path::PathBuf,
        /// The bound in bytes.
        max: u64,
    },
}

fn join_errors(errors: &[Error]) -> String {
    errors
        .iter()
        .map(|e| with_causes(e))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_the_message_already_shows_is_not_repeated() {
        let io = || std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        assert_eq!(with_causes(&Error::Io(io())), "I/O: gone");
    }

    #[test]
    fn causes_follow_the_message_and_transparent_reasons_keep_theirs() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let error = Error::from(CredentialError::Unreadable {
            path: "key.pem".into(),
            source: io,
        });
        assert_eq!(
            with_causes(&error),
            "credential: cannot read key.pem: no such file"
        );
        let failures = vec![
            RevocationError::Fetch(HttpError::Status {
                url: "http://ocsp.test/".into(),
                status: 503,
            })
            .into(),
            RevocationError::NotCrl {
                url: "http://crl.test/".into(),
                source: None,
            }
            .into(),
        ];
        let error = Error::from(RevocationError::AllSourcesFailed {
            subject: "CN=demo".into(),
            failures,
        });
        assert_eq!(
            error.to_string(),
            "revocation data: no source answered for CN=demo: revocation data: fetch failed: \
             http://ocsp.test/ answered HTTP 503; revocation data: http://crl.test/ did not \
             answer a DER CRL"
        );
    }
}
