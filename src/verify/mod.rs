//! Verification of the signatures in a PDF, with a structured report.
//! `signature_fields` finds them, `byte_range` checks what they cover, [`crate::cades`] checks the
//! CMS container.

mod byte_range;
pub(crate) mod diff;
pub(crate) mod revocation;
pub(crate) mod signature_fields;
mod timestamp;

use std::collections::HashMap;
use std::time::SystemTime;

use x509_cert::Certificate;
use x509_cert::crl::CertificateList;

use crate::cades;
use crate::cades::ber;
use crate::error::Result;
use crate::pdf::{Document, ObjRef, Object};
pub use crate::problem::{ChainStatus, EssProblem, Problem, crl_reason_name};
use cades::verify::Content;
pub use diff::{ModificationLevel, Modifications};
use revocation::FetchSession;
pub use revocation::{FetchBudget, FetchedRevocation, RevocationFetcher};
use signature_fields::{FoundIn, SignatureField};

/// How signatures are judged. Build it with `..VerifyOptions::default()` so that new options
/// keep their defaults.
///
/// # Examples
///
/// ```
/// use countersign::crypto::credential::{crls_from_pem_or_der, trust_roots_from_pem};
/// use countersign::{verify_pdf, ChainStatus, VerifyOptions};
///
/// let mut options = VerifyOptions::trusting(trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?);
/// // demo-ca's CRL revokes another certificate, not the demo seal that signed signed.pdf.
/// options.crls = crls_from_pem_or_der(&std::fs::read("testdata/pki/trust-demo-ca.crl.pem")?)?;
/// let report = verify_pdf(&std::fs::read("testdata/pdf/signed.pdf")?, &options)?;
/// assert_eq!(report.signatures[0].chain, ChainStatus::Trusted);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct VerifyOptions {
    /// Trust anchors. Without any, no signature is trusted: [`VerifyReport::all_valid`] is false
    /// and only [`VerifyReport::all_valid_ignoring_trust`] can say anything.
    pub trust_roots: Vec<Certificate>,
    /// Bounds on decoded bytes and nesting while reading the file (decompression bombs).
    pub limits: crate::pdf::Limits,
    /// Certificate revocation lists; a certificate of the path listed by a CRL that its issuer
    /// signed is [`ChainStatus::Revoked`]. One not current at the validation time (its
    /// nextUpdate passed, or it has none and was made more than 5 minutes before) does not show a
    /// certificate unrevoked (with a fetcher, fresh data is fetched).
    pub crls: Vec<CertificateList>,
    /// DER OCSPResponses (RFC 6960); one counts for a certificate of the path when the
    /// certificate's issuer, or a responder the issuer delegated (id-kp-OCSPSigning), signed
    /// it. A revoked answer makes the chain [`ChainStatus::Revoked`]; a good one whose
    /// nextUpdate is before the validation time is ignored.
    pub ocsp_responses: Vec<Vec<u8>>,
    /// Fetches revocation data while verifying (with feature `tsa`,
    /// [`ltv::Fetcher`](crate::ltv::Fetcher) does it over HTTP). Called only for certificates of
    /// a path already built to a trust root, of a signature that verifies, and not covered by
    /// `crls` or `ocsp_responses`; bounded by `fetch_budget`. With a fetcher, revocation is
    /// required: a certificate whose status cannot be established makes the chain
    /// [`ChainStatus::Untrusted`] ([`Problem::RevocationUnknown`]). `None` (the default): nothing
    /// is fetched.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use countersign::crypto::credential::trust_roots_from_pem;
    /// use countersign::{verify_pdf, ChainStatus, FetchedRevocation, Problem, RevocationFetcher, VerifyOptions};
    ///
    /// #[derive(Debug)]
    /// struct Unreachable;
    /// impl RevocationFetcher for Unreachable {
    ///     fn fetch(&self, _: &x509_cert::Certificate, _: &x509_cert::Certificate, _: Duration) -> countersign::Result<FetchedRevocation> {
    ///         Err(countersign::Error::Io(std::io::ErrorKind::TimedOut.into()))
    ///     }
    /// }
    /// let mut options = VerifyOptions::trusting(trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?);
    /// // No answer: the seal's status cannot be established, so it is not trusted.
    /// options.revocation_fetcher = Some(Arc::new(Unreachable));
    /// let report = verify_pdf(&std::fs::read("testdata/pdf/signed.pdf")?, &options)?;
    /// assert!(matches!(report.signatures[0].chain, ChainStatus::Untrusted(Problem::RevocationUnknown { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub revocation_fetcher: Option<std::sync::Arc<dyn RevocationFetcher>>,
    /// What one verification may fetch (see [`FetchBudget`]).
    pub fetch_budget: FetchBudget,
    /// The current time; `None`: the system clock. Certificates are judged at this time unless a
    /// verified signature timestamp supplies its genTime ([`SignatureReport::validation_time`]).
    pub now: Option<SystemTime>,
    /// The crypto provider that verifies every signature: the document's, its timestamps' and
    /// their certification paths' ([`CryptoProvider::default`](crate::crypto::CryptoProvider):
    /// the process default, else RustCrypto).
    pub provider: crate::crypto::CryptoProvider,
    /// Opens an encrypted document: its password (documents whose user password is empty
    /// need none). The byte ranges and signatures are checked on the file's bytes; the
    /// modification analysis compares the revisions' decrypted objects.
    ///
    /// ```
    /// use countersign::{verify_pdf, DocumentAccess, Error, VerifyOptions};
    ///
    /// let pdf = std::fs::read("testdata/pdf/encrypted/r3-rc4-128-user.pdf")?;
    /// let mut options = VerifyOptions::default();
    /// assert!(matches!(verify_pdf(&pdf, &options), Err(Error::PasswordRequired { .. })));
    /// options.document_access = DocumentAccess::with_password("user");
    /// assert!(verify_pdf(&pdf, &options)?.signatures.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub document_access: crate::DocumentAccess,
}

impl VerifyOptions {
    /// Options that trust `trust_roots`.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::crypto::credential::trust_roots_from_pem;
    /// use countersign::{verify_pdf, VerifyOptions};
    ///
    /// let options = VerifyOptions::trusting(trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?);
    /// assert_eq!(options.trust_roots.len(), 1);
    /// assert!(verify_pdf(&std::fs::read("testdata/pdf/signed.pdf")?, &options)?.all_valid());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn trusting(trust_roots: Vec<Certificate>) -> Self {
        Self {
            trust_roots,
            ..Self::default()
        }
    }

    /// The path checks at now, or at the time a verified timestamp proves.
    fn path_check<'a>(
        &'a self,
        verified_timestamp: Option<SystemTime>,
        fetch: Option<&'a FetchSession<'a>>,
    ) -> cades::PathCheck<'a> {
        let now = self.now.unwrap_or_else(SystemTime::now);
        cades::PathCheck {
            trust_roots: &self.trust_roots,
            crls: &self.crls,
            ocsp_responses: &self.ocsp_responses,
            fetch,
            at: cades::validation_time(now, verified_timestamp),
            provider: self.provider,
        }
    }
}

/// One report per signature field that holds a signature value, in document order.
///
/// # Examples
///
/// ```
/// # let roots = countersign::crypto::credential::trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
/// use countersign::{verify_pdf, VerifyOptions};
///
/// let report = verify_pdf(&std::fs::read("testdata/pdf/signed.pdf")?, &VerifyOptions::trusting(roots))?;
/// assert_eq!(report.signatures.len(), 1);
/// assert_eq!(report.signatures[0].field_name, "Signature1");
/// assert!(report.all_valid());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct VerifyReport {
    /// The signatures, in document order.
    pub signatures: Vec<SignatureReport>,
}

impl VerifyReport {
    /// True when there is at least one signature and every one is intact, cryptographically
    /// valid, trusted (its certification path ends at a configured trust root and passes every
    /// check), and followed only by changes the document allows ([`Modifications::permitted`]):
    /// a revision appended after the newest signature is judged like any other.
    ///
    /// # Examples
    ///
    /// ```
    /// # let roots = countersign::crypto::credential::trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
    /// use countersign::{verify_pdf, VerifyOptions};
    ///
    /// let signed = std::fs::read("testdata/pdf/signed.pdf")?;
    /// assert!(verify_pdf(&signed, &VerifyOptions::trusting(roots))?.all_valid());
    /// assert!(!verify_pdf(&signed, &VerifyOptions::default())?.all_valid()); // no trust roots
    /// assert!(!verify_pdf(&std::fs::read("testdata/pdf/classic.pdf")?, &VerifyOptions::default())?.all_valid()); // unsigned
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn all_valid(&self) -> bool {
        self.all(SignatureReport::is_valid)
    }

    /// The explicit integrity-only opt-in: [`Self::all_valid`] without asking who signed. Says
    /// nothing about the signer's identity; never use it to accept a document.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::{verify_pdf, VerifyOptions};
    ///
    /// // Integrity only: who signed is not checked, so no trust roots are needed.
    /// let report = verify_pdf(&std::fs::read("testdata/pdf/signed.pdf")?, &VerifyOptions::default())?;
    /// assert!(report.all_valid_ignoring_trust());
    /// assert!(!report.all_valid());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn all_valid_ignoring_trust(&self) -> bool {
        self.all(SignatureReport::is_valid_ignoring_trust)
    }

    fn all(&self, verdict: impl Fn(&SignatureReport) -> bool) -> bool {
        !self.signatures.is_empty() && self.signatures.iter().all(verdict)
    }

    /// The newest signature (the one covering the longest revision).
    ///
    /// # Examples
    ///
    /// ```
    /// # let key = countersign::crypto::credential::load_pem(
    /// #     &std::fs::read("testdata/pki/demo-p256.chain.pem")?,
    /// #     &std::fs::read("testdata/pki/demo-p256.key.pem")?,
    /// #     &Default::default(),
    /// # )?;
    /// use countersign::{sign_pdf, verify_pdf, SignOptions, VerifyOptions};
    ///
    /// // signed.pdf carries `Signature1`; a second signature goes into a new field.
    /// let twice = sign_pdf(&std::fs::read("testdata/pdf/signed.pdf")?, &key, &SignOptions::default())?;
    /// let report = verify_pdf(&twice, &VerifyOptions::default())?;
    /// assert_eq!(report.signatures.len(), 2);
    /// let newest = report.newest().ok_or("no signature")?;
    /// assert_eq!(newest.field_name, "Signature2");
    /// assert!(newest.covers_whole_file);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn newest(&self) -> Option<&SignatureReport> {
        self.signatures.iter().max_by_key(|s| s.signed_revision_len)
    }

    /// Objects changed by updates that no signature covers (Incremental Saving Attack surface).
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::{verify_pdf, ModificationLevel, ObjRef, VerifyOptions};
    ///
    /// // After signing, an incremental update redefines the /Info dictionary (object 8).
    /// let mut pdf = std::fs::read("testdata/pdf/signed.pdf")?;
    /// # let tail = String::from_utf8_lossy(&pdf[pdf.len() - 32..]).into_owned();
    /// # let prev = tail.split_whitespace().rev().nth(1).ok_or("no startxref")?; // the signed file's xref
    /// let object = "8 0 obj\n<< /Title (Changed) >>\nendobj\n";
    /// let xref = pdf.len() + object.len();
    /// let update = format!(
    ///     "{object}xref\n8 1\n{:010} 00000 n \ntrailer\n<< /Size 13 /Root 1 0 R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n",
    ///     pdf.len()
    /// );
    /// pdf.extend_from_slice(update.as_bytes());
    /// let report = verify_pdf(&pdf, &VerifyOptions::default())?;
    /// assert_eq!(report.unsigned_changes(), [ObjRef::new(8, 0)]);
    /// // Metadata is not content: the signature stays valid, the change is reported.
    /// assert_eq!(report.signatures[0].modifications.level, ModificationLevel::FormFilling);
    /// assert!(report.all_valid_ignoring_trust());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn unsigned_changes(&self) -> &[ObjRef] {
        match self.newest() {
            Some(newest) if !newest.covers_whole_file => &newest.modifications.objects,
            _ => &[],
        }
    }
}

/// What verification found about one signature.
///
/// # Examples
///
/// ```
/// # let roots = countersign::crypto::credential::trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
/// use countersign::{verify_pdf, VerifyOptions};
///
/// let report = verify_pdf(&std::fs::read("testdata/pdf/signed.pdf")?, &VerifyOptions::trusting(roots))?;
/// let signature = &report.signatures[0];
/// assert_eq!(signature.subfilter, "ETSI.CAdES.detached");
/// assert_eq!(signature.signature_algorithm, "SHA256withRSA");
/// assert!(signature.signer_subject.contains("CN=Demo Organisation"));
/// assert!(signature.covers_whole_file && signature.problems.is_empty());
/// assert!(signature.is_valid());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct SignatureReport {
    /// Fully qualified field name.
    pub field_name: String,
    /// `/SubFilter` as written (`ETSI.CAdES.detached`, `adbe.pkcs7.detached`, ...).
    pub subfilter: String,
    /// The `/ByteRange` as written.
    pub byte_range: Vec<u64>,
    /// ByteRange is `[0 a b c]`, the gap is exactly the `/Contents` hex string, ranges in the file.
    pub byte_range_ok: bool,
    /// The signature covers the whole file (no later incremental updates).
    pub covers_whole_file: bool,
    /// Length of the revision the signature covers (the end of its second byte range).
    pub signed_revision_len: u64,
    /// What the revisions appended after the signed one changed, and whether the document
    /// allows it (modification analysis; [`ModificationLevel::None`] when the signature covers
    /// the whole file).
    pub modifications: Modifications,
    /// For a certification signature (the one `/Perms /DocMDP` names), its DocMDP permission
    /// `/P`: 1 no changes, 2 form filling and signing, 3 also annotations.
    pub certification: Option<u8>,
    /// The message-digest attribute (or the encapsulated digest) matches the ByteRange bytes.
    pub digest_ok: bool,
    /// The CMS signature verifies with the embedded signer certificate's public key.
    pub signature_ok: bool,
    /// Whether the signer's certification path is trusted.
    pub chain: ChainStatus,
    /// e.g. `SHA256withRSA`, `SHA256withECDSA`, `SHA256withRSA/PSS`.
    pub signature_algorithm: String,
    /// The signer certificate's subject (RFC 4514).
    pub signer_subject: String,
    /// Hex of the signer certificate's serial number (upper case).
    pub signer_serial_hex: String,
    /// The signer certificate's notBefore.
    pub signer_not_before: Option<SystemTime>,
    /// The signer certificate's notAfter.
    pub signer_not_after: Option<SystemTime>,
    /// `/M` of the signature dictionary, or the signing-time attribute: what the signer
    /// claims, never used to judge certificates (see [`Self::timestamp`]).
    pub signing_time: Option<SystemTime>,
    /// The RFC 3161 signature timestamp (PAdES B-T), when the signature carries one; for a
    /// document timestamp, the token itself.
    pub timestamp: Option<TimestampReport>,
    /// The time the certificates were judged at: now, or a valid signature timestamp's genTime.
    pub validation_time: Option<SystemTime>,
    /// Everything that went wrong.
    pub problems: Vec<Problem>,
    /// The signature field has a widget with an area on a page (an appearance, a seal); an
    /// invisible signature is digital only.
    pub visible: bool,
}

/// What an RFC 3161 token attached to a signature proves.
///
/// # Examples
///
/// ```
/// # use countersign::timestamp::{Authority, ObjectIdentifier, TimeStamper, TimestampRequest};
/// # #[derive(Debug)]
/// # struct LocalTsa(Authority);
/// # impl TimeStamper for LocalTsa {
/// #     fn timestamp(&self, digest: countersign::DigestAlgorithm, imprint: &[u8]) -> countersign::Result<Vec<u8>> {
/// #         let request = TimestampRequest::new(digest, imprint, &[7; 8])?;
/// #         request.check_response(&self.0.respond(request.der(), std::time::SystemTime::now())?, &[])
/// #     }
/// #     fn token_len_hint(&self) -> countersign::Result<usize> { Ok(8192) }
/// # }
/// # let tsa_key = countersign::crypto::credential::load_pem(
/// #     &std::fs::read("testdata/pki/tsa-tsa.chain.pem")?,
/// #     &std::fs::read("testdata/pki/tsa-tsa.key.pem")?,
/// #     &Default::default(),
/// # )?;
/// # let stamper = LocalTsa(Authority::new(tsa_key, ObjectIdentifier::new_unwrap("1.3.6.1.4.1.55555.1.1")));
/// use countersign::crypto::credential::trust_roots_from_pem;
/// use countersign::{ltv, verify_pdf, ChainStatus, VerifyOptions};
///
/// // A document timestamp (`stamper`: the in-process TSA of the `timestamp` module's example).
/// let stamped = ltv::add_document_timestamp(&std::fs::read("testdata/pdf/signed.pdf")?, &stamper)?;
/// let roots = trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
/// let report = verify_pdf(&stamped, &VerifyOptions::trusting(roots))?;
/// let token = report.signatures[1].timestamp.as_ref().ok_or("no token")?;
/// assert!(token.valid && token.problems.is_empty());
/// assert!(token.tsa_subject.contains("CN=Demo TSA"));
/// assert_eq!(token.chain, ChainStatus::Trusted);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TimestampReport {
    /// genTime of the token.
    pub time: SystemTime,
    /// Imprint matches, signature verifies, the TSA certificate is for timestamping, and its
    /// chain reaches the trust roots. Without trust roots the chain is not checked
    /// ([`ChainStatus::NotChecked`]) and the token is not valid: a time is only proven by a TSA
    /// one trusts.
    pub valid: bool,
    /// The TSA certificate's subject (RFC 4514).
    pub tsa_subject: String,
    /// Whether the TSA's certification path is trusted.
    pub chain: ChainStatus,
    /// Everything wrong with the token.
    pub problems: Vec<Problem>,
}

impl SignatureReport {
    /// The time the signature provably existed: a valid timestamp's genTime.
    ///
    /// # Examples
    ///
    /// ```
    /// # use countersign::timestamp::{Authority, ObjectIdentifier, TimeStamper, TimestampRequest};
    /// # #[derive(Debug)]
    /// # struct LocalTsa(Authority);
    /// # impl TimeStamper for LocalTsa {
    /// #     fn timestamp(&self, digest: countersign::DigestAlgorithm, imprint: &[u8]) -> countersign::Result<Vec<u8>> {
    /// #         let request = TimestampRequest::new(digest, imprint, &[7; 8])?;
    /// #         request.check_response(&self.0.respond(request.der(), std::time::SystemTime::now())?, &[])
    /// #     }
    /// #     fn token_len_hint(&self) -> countersign::Result<usize> { Ok(8192) }
    /// # }
    /// # let tsa_key = countersign::crypto::credential::load_pem(
    /// #     &std::fs::read("testdata/pki/tsa-tsa.chain.pem")?,
    /// #     &std::fs::read("testdata/pki/tsa-tsa.key.pem")?,
    /// #     &Default::default(),
    /// # )?;
    /// # let stamper = LocalTsa(Authority::new(tsa_key, ObjectIdentifier::new_unwrap("1.3.6.1.4.1.55555.1.1")));
    /// # let roots = countersign::crypto::credential::trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
    /// use countersign::{ltv, verify_pdf, VerifyOptions};
    ///
    /// let signed = std::fs::read("testdata/pdf/signed.pdf")?;
    /// let options = VerifyOptions::trusting(roots);
    /// let report = verify_pdf(&signed, &options)?;
    /// assert_eq!(report.signatures[0].proven_time(), None); // only a claimed signing time
    ///
    /// // `stamper`: the in-process TSA of the `timestamp` module's example.
    /// let stamped = ltv::add_document_timestamp(&signed, &stamper)?;
    /// let report = verify_pdf(&stamped, &options)?;
    /// let token = report.signatures[1].timestamp.as_ref().ok_or("no token")?;
    /// assert_eq!(report.signatures[1].proven_time(), Some(token.time)); // the TSA's genTime
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn proven_time(&self) -> Option<SystemTime> {
        self.timestamp.as_ref().filter(|t| t.valid).map(|t| t.time)
    }

    /// Intact: the ByteRange is sound and the signed digest matches the bytes it covers.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::{verify_pdf, Problem, VerifyOptions};
    ///
    /// let mut pdf = std::fs::read("testdata/pdf/signed.pdf")?;
    /// assert!(verify_pdf(&pdf, &VerifyOptions::default())?.signatures[0].is_intact());
    ///
    /// // Change the text of page 1, inside the signed bytes.
    /// let at = pdf.windows(6).position(|w| w == b"Page 1").ok_or("no text")?;
    /// pdf[at + 5] = b'9';
    /// let signature = &verify_pdf(&pdf, &VerifyOptions::default())?.signatures[0];
    /// assert!(!signature.is_intact());
    /// assert!(signature.problems.contains(&Problem::DigestMismatch));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_intact(&self) -> bool {
        self.byte_range_ok && self.digest_ok
    }

    /// Intact, and the signature verifies with the signer certificate's key.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::{verify_pdf, VerifyOptions};
    ///
    /// let report = verify_pdf(&std::fs::read("testdata/pdf/signed.pdf")?, &VerifyOptions::default())?;
    /// let signature = &report.signatures[0];
    /// assert!(signature.is_signature_valid()); // the demo seal's key made this signature...
    /// assert!(!signature.is_valid()); // ...but without trust roots nobody vouches for that key
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_signature_valid(&self) -> bool {
        self.is_intact() && self.signature_ok
    }

    /// The certification path ends at a configured trust root and passes every check.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::crypto::credential::trust_roots_from_pem;
    /// use countersign::{verify_pdf, VerifyOptions};
    ///
    /// let signed = std::fs::read("testdata/pdf/signed.pdf")?;
    /// let demo_root = trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
    /// assert!(verify_pdf(&signed, &VerifyOptions::trusting(demo_root))?.signatures[0].is_trusted());
    /// // A root that did not issue the signer's path:
    /// let other_root = trust_roots_from_pem(&std::fs::read("testdata/pki/trust-selfsigned.cert.pem")?)?;
    /// assert!(!verify_pdf(&signed, &VerifyOptions::trusting(other_root))?.signatures[0].is_trusted());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_trusted(&self) -> bool {
        self.chain == ChainStatus::Trusted
    }

    /// The verdict to act on: intact, signature valid, only permitted changes after it, and
    /// trusted.
    ///
    /// # Examples
    ///
    /// ```
    /// # let roots = countersign::crypto::credential::trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
    /// use countersign::{verify_pdf, VerifyOptions};
    ///
    /// let report = verify_pdf(&std::fs::read("testdata/pdf/signed.pdf")?, &VerifyOptions::trusting(roots))?;
    /// let signature = &report.signatures[0];
    /// assert!(signature.is_valid());
    /// assert!(signature.is_intact() && signature.is_signature_valid() && signature.is_trusted());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_valid(&self) -> bool {
        self.is_signature_valid() && self.changes_permitted() && self.is_trusted()
    }

    /// What was changed after signing is allowed ([`Modifications::permitted`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::{verify_pdf, VerifyOptions};
    ///
    /// let report = verify_pdf(&std::fs::read("testdata/pdf/signed.pdf")?, &VerifyOptions::default())?;
    /// assert!(report.signatures[0].changes_permitted()); // nothing changed after it
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn changes_permitted(&self) -> bool {
        self.modifications.permitted
    }

    /// The explicit integrity-only verdict: intact, signature valid and only permitted changes
    /// after it, whoever signed (only a revocation the caller proved with a CRL counts against
    /// it).
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::{verify_pdf, ChainStatus, VerifyOptions};
    ///
    /// let report = verify_pdf(&std::fs::read("testdata/pdf/signed.pdf")?, &VerifyOptions::default())?;
    /// let signature = &report.signatures[0];
    /// assert_eq!(signature.chain, ChainStatus::NotChecked);
    /// assert!(signature.is_valid_ignoring_trust() && !signature.is_valid());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_valid_ignoring_trust(&self) -> bool {
        self.is_signature_valid()
            && self.changes_permitted()
            && !matches!(self.chain, ChainStatus::Revoked(_))
    }
}

/// Verifies every signature in `pdf`. A damaged file is an error; a bad signature is a report.
///
/// ```
/// # let key = countersign::crypto::credential::load_pem(
/// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
/// #     &std::fs::read("testdata/pki/demo.key.pem")?,
/// #     &Default::default(),
/// # )?;
/// use countersign::crypto::credential::trust_roots_from_pem;
/// use countersign::{sign_pdf, verify_pdf, ChainStatus, SignOptions, VerifyOptions};
///
/// let signed = sign_pdf(&std::fs::read("testdata/pdf/classic.pdf")?, &key, &SignOptions::default())?;
/// let roots = trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
/// let report = verify_pdf(&signed, &VerifyOptions::trusting(roots))?;
/// assert!(report.all_valid());
/// assert_eq!(report.signatures[0].chain, ChainStatus::Trusted);
///
/// // Without trust roots nothing is trusted; integrity alone is an explicit opt-in.
/// let untrusted = verify_pdf(&signed, &VerifyOptions::default())?;
/// assert!(!untrusted.all_valid() && untrusted.all_valid_ignoring_trust());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify_pdf(pdf: &[u8], options: &VerifyOptions) -> Result<VerifyReport> {
    let doc = Document::open(pdf, &options.limits, &options.document_access)?;
    let mut fields = signature_fields::signature_fields(&doc)?;
    // Signatures a later revision hid (a swapped /Root, a field dropped from the form) are
    // judged too: after the file's own, in the order of the revisions that held them.
    refuse_too_many_signatures(fields.len(), &options.limits)?;
    let hidden = signature_fields::hidden_signatures(&doc, &fields)?;
    fields.extend(hidden);
    refuse_too_many_signatures(fields.len(), &options.limits)?;
    // One session for the whole file: its budget bounds every signature's fetches together.
    let session = options
        .revocation_fetcher
        .as_deref()
        .map(|fetcher| FetchSession::new(fetcher, options.fetch_budget));
    // One view per revision that holds signatures, however many it holds.
    let mut views: HashMap<FoundIn, Option<Document<'_>>> = HashMap::new();
    for field in &fields {
        views
            .entry(field.found_in)
            .or_insert_with(|| field.found_in.view(&doc));
    }
    let held_in = |field: &SignatureField| {
        views
            .get(&field.found_in)
            .and_then(Option::as_ref)
            .unwrap_or(&doc)
    };
    let mut signatures: Vec<SignatureReport> = fields
        .iter()
        .map(|field| verify_field(held_in(field), field, options, session.as_ref()))
        .collect();
    let certification = certification(&doc, &fields, &mut signatures);
    for (field, report) in fields.iter().zip(signatures.iter_mut()) {
        if report.byte_range_ok {
            analyse_modifications(&doc, held_in(field), field, report, certification);
        } else {
            // Without a sound byte range there is no signed revision to compare with.
            report.modifications = Modifications {
                level: ModificationLevel::Other,
                permitted: false,
                reason: Some("the byte range does not delimit a signed revision".into()),
                ..Modifications::default()
            };
        }
        if field.found_in != FoundIn::File {
            mark_hidden(report);
        }
    }
    Ok(VerifyReport { signatures })
}

/// Refused before any signature is checked: each one's analysis reads the file again.
fn refuse_too_many_signatures(count: usize, limits: &crate::pdf::Limits) -> Result<()> {
    if count > limits.max_signatures {
        return Err(crate::Error::limit(
            "max_signatures",
            limits.max_signatures as u64,
            format!("the document's {count} signatures"),
        ));
    }
    Ok(())
}

/// A signature the document's form no longer reaches: whatever the changes after it look
/// like one by one, the document a reader shows has lost it.
fn mark_hidden(report: &mut SignatureReport) {
    let reason = Problem::SignatureHidden.to_string();
    report.problems.insert(0, Problem::SignatureHidden);
    let modifications = &mut report.modifications;
    modifications.level = ModificationLevel::Other;
    if modifications.permitted {
        modifications.permitted = false;
        modifications.reason = Some(reason);
    }
}

/// The certification signature: marks its report with its DocMDP `/P` and returns (the length
/// of the revision it signed, `/P`). Only the document's first signature may certify.
fn certification(
    doc: &Document<'_>,
    fields: &[SignatureField],
    reports: &mut [SignatureReport],
) -> Option<(u64, i64)> {
    let (_, catalog) = doc.catalog().ok()?;
    let perms = doc.resolve_key(&catalog, b"Perms").ok()??;
    let certifying = perms.as_dict()?.get(b"DocMDP")?.as_ref()?;
    let at = fields
        .iter()
        .position(|field| field.value_ref == Some(certifying))?;
    let field = fields.get(at)?;
    let p = crate::sign::locks::certification_permission(doc, &field.value).unwrap_or(2);
    let first = reports
        .iter()
        .filter(|r| r.byte_range_ok)
        .map(|r| r.signed_revision_len)
        .min();
    let report = reports.get_mut(at)?;
    report.certification = u8::try_from(p).ok();
    if first.is_some_and(|first| first < report.signed_revision_len) {
        report.modifications.permitted = false;
        report.modifications.reason =
            Some("a certification signature must be the document's first signature".into());
        report.problems.push(Problem::ModifiedAfterSigning {
            level: ModificationLevel::Other,
            reason: "a certification signature must be the document's first signature".into(),
        });
    }
    Some((report.signed_revision_len, p))
}

/// Judges what the revisions after the signed one changed, under the certification's DocMDP
/// (for signatures made on or after it) and the signature's own FieldMDP locks.
fn analyse_modifications(
    doc: &Document<'_>,
    held_in: &Document<'_>,
    field: &SignatureField,
    report: &mut SignatureReport,
    certification: Option<(u64, i64)>,
) {
    let Ok(signed_len) = usize::try_from(report.signed_revision_len) else {
        return;
    };
    let locks =
        crate::sign::locks::signature_locks(held_in, &field.name, &field.field, &field.value);
    let permissions = diff::Permissions {
        docmdp: certification
            .filter(|&(certified_len, _)| certified_len <= report.signed_revision_len)
            .map(|(_, p)| p),
        locks: locks.unwrap_or_default(),
    };
    let earlier = std::mem::take(&mut report.modifications);
    report.modifications = diff::analyse(doc, signed_len, &permissions);
    if !report.modifications.permitted {
        report.problems.push(Problem::ModifiedAfterSigning {
            level: report.modifications.level,
            reason: report.modifications.reason.clone().unwrap_or_default(),
        });
    }
    if !earlier.permitted {
        report.modifications.permitted = false;
        report.modifications.reason = report.modifications.reason.take().or(earlier.reason);
    }
}

fn verify_field(
    doc: &Document<'_>,
    field: &SignatureField,
    options: &VerifyOptions,
    fetch: Option<&FetchSession<'_>>,
) -> SignatureReport {
    let sig = &field.value;
    let mut report = SignatureReport {
        field_name: field.name.clone(),
        visible: field.visible,
        subfilter: sig
            .get(b"SubFilter")
            .and_then(Object::as_name)
            .map(crate::pdf::object::text_string)
            .unwrap_or_default(),
        signing_time: sig
            .get(b"M")
            .and_then(Object::as_string_bytes)
            .and_then(crate::pdf::date::parse),
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
        report.problems.push(Problem::ContentsMissing);
        return report;
    };
    // Signature wrapping through the padding: only zeros may follow the CMS element.
    match ber::element_len(contents) {
        None => {
            report.problems.push(Problem::ContentsNotCms);
            return report;
        }
        Some(len)
            if contents
                .get(len..)
                .is_some_and(|pad| pad.iter().any(|&b| b != 0)) =>
        {
            report.problems.push(Problem::ContentsPadding);
            return report;
        }
        Some(_) => {}
    }
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
    report.signed_revision_len = ranges.signed_len() as u64;
    let covered = [
        data.get(ranges.first.clone()).unwrap_or_default(),
        data.get(ranges.second.clone()).unwrap_or_default(),
    ];
    if is_document_timestamp(sig) {
        verify_timestamp(&mut report, contents, &covered, (options, fetch));
        return report;
    }
    report.timestamp = signature_timestamp(contents, options);
    // A verified timestamp proves when the signature existed: certificates are judged then.
    let check = options.path_check(report.proven_time(), fetch);
    let mut verified = cades::verify_detached_with(contents, &covered, &check);
    if verified.is_err() {
        // BER with indefinite lengths (accepted by Acrobat and pdfsig): retry in definite form.
        if let Some(der) = ber::to_definite_lengths(contents).filter(|d| !contents.starts_with(d)) {
            verified = cades::verify_detached_with(&der, &covered, &check);
        }
    }
    match verified {
        Ok(cms) => apply_cms(&mut report, cms),
        Err(e) => report.problems.push(Problem::unparseable(&e)),
    }
    report
}

/// The signature-timestamp unsigned attribute, checked against the signature value.
fn signature_timestamp(contents: &[u8], options: &VerifyOptions) -> Option<TimestampReport> {
    let token = cades::timestamp::signature_timestamp_token(contents).ok()??;
    let value = cades::timestamp::signature_value(contents).ok()?;
    Some(timestamp_report(&token, &[&value], options))
}

fn timestamp_report(token: &[u8], data: &[&[u8]], options: &VerifyOptions) -> TimestampReport {
    match cades::timestamp::verify_token(token, Some(data), &options.trust_roots, &options.provider)
    {
        Ok(verified) => {
            let mut problems = verified.cms.problems.clone();
            if !verified.imprint_ok {
                problems.push(Problem::TimestampImprintMismatch);
            }
            if !verified.eku_ok {
                problems.push(Problem::TimestampEku);
            }
            TimestampReport {
                time: verified.gen_time(),
                valid: verified.is_valid(),
                tsa_subject: verified.cms.signer_subject.clone(),
                chain: verified.cms.chain.clone(),
                problems,
            }
        }
        Err(e) => TimestampReport {
            time: SystemTime::UNIX_EPOCH,
            valid: false,
            tsa_subject: String::new(),
            chain: ChainStatus::NotChecked,
            problems: vec![Problem::unparseable(&e)],
        },
    }
}

fn is_document_timestamp(sig: &crate::pdf::Dict) -> bool {
    sig.has_name(b"Type", b"DocTimeStamp") || sig.has_name(b"SubFilter", b"ETSI.RFC3161")
}

/// A document timestamp: the token's signature covers its TSTInfo, whose messageImprint must be
/// the digest of the ByteRange bytes.
fn verify_timestamp(
    report: &mut SignatureReport,
    contents: &[u8],
    covered: &[&[u8]],
    (options, fetch): (&VerifyOptions, Option<&FetchSession<'_>>),
) {
    let tst_info = match timestamp::tst_info(contents) {
        Ok(tst_info) => tst_info,
        Err(problem) => {
            report.problems.push(problem);
            return;
        }
    };
    let imprint_ok = match timestamp::imprint_matches(&tst_info, covered) {
        Ok(ok) => ok,
        Err(problem) => {
            report.problems.push(problem);
            false
        }
    };
    if !imprint_ok {
        report.problems.push(Problem::DocumentImprintMismatch);
    }
    let der = ber::to_definite_lengths(contents).unwrap_or_else(|| contents.to_vec());
    let stamp = timestamp_report(&der, covered, options);
    if !stamp.valid {
        report.problems.extend(stamp.problems.iter().cloned());
    }
    let at = Some(stamp.time).filter(|_| stamp.valid);
    report.timestamp = Some(stamp);
    let check = options.path_check(at, fetch);
    match cades::verify::verify_signed_data(&der, &[&tst_info], &check, Content::Encapsulated) {
        Ok(cms) => {
            apply_cms(report, cms);
            report.digest_ok = report.digest_ok && imprint_ok;
        }
        Err(e) => report.problems.push(Problem::unparseable(&e)),
    }
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
    report.validation_time = cms.validation_time;
    if report.signing_time.is_none() {
        report.signing_time = cms.signing_time;
    }
    report.problems.extend(cms.problems);
}
