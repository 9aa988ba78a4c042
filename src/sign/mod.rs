//! The signing pipeline: plan the update, reserve /Contents, hash the byte ranges, embed the CMS.
//! One file per stage: `preflight` (refusals), `page_tree` and `field` (what changes),
//! `signature_dictionary` and `byterange` (placeholders), then CMS from [`crate::cades`].

pub mod batch;
pub mod byterange;
pub mod deferred;
pub mod doc_timestamp;
mod durable;
pub(crate) mod field;
pub(crate) mod locks;
mod mdp;
pub(crate) mod numbers;
pub(crate) mod page_tree;
pub mod preflight;
mod signature_dictionary;
pub mod stream;

use std::sync::Arc;
use std::time::SystemTime;

use crate::cades::timestamp::{self, TimeStamper};
use crate::cades::{self, CmsContentTypes, CmsParams};
use crate::crypto::{CertifiedKey, DigestAlgorithm};
use crate::error::{Error, Result, Unsupported};
use crate::pdf::{Dict, Document, ObjRef, Object, UpdateWriter};
use byterange::Placeholders;
pub use mdp::{DocMdpPermission, FieldLock};

/// The `/SubFilter` of the signature dictionary.
///
/// # Examples
///
/// ```
/// # let key = countersign::crypto::credential::load_pem(
/// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
/// #     &std::fs::read("testdata/pki/demo.key.pem")?,
/// #     &Default::default(),
/// # )?;
/// use countersign::{sign_pdf, verify_pdf, SignOptions, SubFilter, VerifyOptions};
///
/// let mut options = SignOptions::default();
/// assert_eq!(options.subfilter, SubFilter::CadesDetached);
/// options.subfilter = SubFilter::Pkcs7Detached; // for validators that predate PAdES
/// let signed = sign_pdf(&std::fs::read("testdata/pdf/classic.pdf")?, &key, &options)?;
/// let report = verify_pdf(&signed, &VerifyOptions::default())?;
/// assert_eq!(report.signatures[0].subfilter, "adbe.pkcs7.detached");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubFilter {
    /// `/ETSI.CAdES.detached`: PAdES baseline; no signing-time attribute.
    #[default]
    CadesDetached,
    /// `/adbe.pkcs7.detached`: the legacy form; signing-time allowed.
    Pkcs7Detached,
}

/// Everything a caller can choose about one signature.
///
/// # Examples
///
/// ```
/// # let key = countersign::crypto::credential::load_pem(
/// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
/// #     &std::fs::read("testdata/pki/demo.key.pem")?,
/// #     &Default::default(),
/// # )?;
/// use countersign::{sign_pdf, verify_pdf, DigestAlgorithm, SignOptions, VerifyOptions};
///
/// let mut options = SignOptions::default(); // non-exhaustive: start from the defaults
/// options.field_name = Some("Approval".into());
/// options.reason = Some("Approved".into());
/// options.digest = DigestAlgorithm::Sha384;
/// options.page_index = 1; // the widget goes on page 2
/// let signed = sign_pdf(&std::fs::read("testdata/pdf/classic.pdf")?, &key, &options)?;
/// let report = verify_pdf(&signed, &VerifyOptions::default())?;
/// assert_eq!(report.signatures[0].field_name, "Approval");
/// assert_eq!(report.signatures[0].signature_algorithm, "SHA384withRSA");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct SignOptions {
    /// `/SubFilter`: CAdES (PAdES, the default) or PKCS#7.
    pub subfilter: SubFilter,
    /// The digest of the document and of the signed attributes. Where the key mandates one,
    /// [`sign_pdf`], [`crate::sign_file`] and the batches use it whatever this says: SHA-512 for
    /// Ed25519 (RFC 8419), SM3 for SM2 (GB/T 35275); [`crate::digest_required_by`] tells which.
    /// Deferred signing names its scheme, and refuses a digest that contradicts it.
    pub digest: DigestAlgorithm,
    /// The CMS content-type identifiers: PKCS#7's (the default) or GM/T 0010's, which some
    /// Chinese verifiers expect of SM2 signatures.
    pub cms_content_types: CmsContentTypes,
    /// `None` signs with the current time; a fixed time makes the output byte-identical across runs.
    pub signing_time: Option<SystemTime>,
    /// `/Reason` of the signature dictionary.
    pub reason: Option<String>,
    /// `/Location`.
    pub location: Option<String>,
    /// `/ContactInfo`.
    pub contact_info: Option<String>,
    /// `/Name` (the signer's name as shown by readers).
    pub name: Option<String>,
    /// 0-based index of the page that carries the invisible widget.
    pub page_index: usize,
    /// Name of the signature field; default: the first free `SignatureN`.
    pub field_name: Option<String>,
    /// Sign the first empty signature field instead of adding a new one (when there is one).
    pub fill_empty_field: bool,
    /// A damaged file that carries no signature is rewritten whole before signing (opt-in: the
    /// output is then not an incremental update of the input).
    pub repair: bool,
    /// Bounds on decoded bytes and nesting while reading the input (decompression bombs).
    pub limits: crate::pdf::Limits,
    /// Sign even with a certificate that is expired or not yet valid at the signing time, or has
    /// no signing keyUsage (for tests that need such signatures; never in production).
    pub allow_invalid_certificate: bool,
    /// PAdES B-T: the signature value is timestamped by this TSA (e.g.
    /// `cades::timestamp::http::HttpTsa`, feature `tsa`) and the token embedded as the
    /// signature-timestamp unsigned attribute. A TSA failure fails the signature: nothing is
    /// written.
    pub timestamp: Option<Arc<dyn TimeStamper>>,
    /// Makes this a certification signature (DocMDP) permitting these changes after it; only
    /// as the document's first signature ([`Error::CertificationNotFirst`] otherwise).
    pub certify: Option<DocMdpPermission>,
    /// Locks these form fields once signed (FieldMDP). An empty field filled with
    /// `fill_empty_field` that carries a `/Lock` of its own keeps that one.
    pub lock: Option<FieldLock>,
    /// Refuse to sign a document whose existing signatures are not intact, not cryptographically
    /// valid, or followed by changes the document does not allow (modification level
    /// [`other`](crate::ModificationLevel::Other), or beyond its DocMDP permission):
    /// [`Error::ExistingSignatureInvalid`] names the first such field and why. Who signed is not
    /// asked (no trust roots needed). Costs a full verification of the input, so it is off by
    /// default; the service makes the same check for every organisation that does not opt out.
    ///
    /// ```
    /// # let key = countersign::crypto::credential::load_pem(
    /// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
    /// #     &std::fs::read("testdata/pki/demo.key.pem")?,
    /// #     &Default::default(),
    /// # )?;
    /// use countersign::{sign_pdf, Error, Problem, SignOptions};
    ///
    /// // signed.pdf, then an update that replaces the content stream of page 1 (object 4).
    /// let mut pdf = std::fs::read("testdata/pdf/signed.pdf")?;
    /// # let tail = String::from_utf8_lossy(&pdf[pdf.len() - 32..]).into_owned();
    /// # let prev = tail.split_whitespace().rev().nth(1).ok_or("no startxref")?;
    /// let object = "4 0 obj\n<< /Length 27 >>\nstream\nBT /F1 24 Tf (Forged) Tj ET\nendstream\nendobj\n";
    /// let xref = pdf.len() + object.len();
    /// let update = format!(
    ///     "{object}xref\n4 1\n{:010} 00000 n \ntrailer\n<< /Size 13 /Root 1 0 R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n",
    ///     pdf.len()
    /// );
    /// pdf.extend_from_slice(update.as_bytes());
    ///
    /// let mut options = SignOptions::default();
    /// assert!(sign_pdf(&pdf, &key, &options).is_ok()); // by default the check is not made
    /// options.require_intact_signatures = true;
    /// match sign_pdf(&pdf, &key, &options) {
    ///     Err(Error::ExistingSignatureInvalid { field, problem }) => {
    ///         assert_eq!(field, "Signature1");
    ///         assert!(matches!(*problem, Problem::ModifiedAfterSigning { .. }), "{problem}");
    ///     }
    ///     other => panic!("signed over a forgery: {other:?}"),
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub require_intact_signatures: bool,
    /// Opens an encrypted document: its password. Documents whose user password is empty
    /// (permissions only) need none. Signing needs the permission to fill in forms (or the
    /// owner password): [`Error::PermissionDenied`] otherwise. The update is encrypted like
    /// the document (with random AES IVs, so a fixed `signing_time` no longer makes the
    /// output byte-identical); its `/ID` is kept.
    ///
    /// ```
    /// # let key = countersign::crypto::credential::load_pem(
    /// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
    /// #     &std::fs::read("testdata/pki/demo.key.pem")?,
    /// #     &Default::default(),
    /// # )?;
    /// use countersign::{sign_pdf, verify_pdf, DocumentAccess, Error, SignOptions, VerifyOptions};
    ///
    /// // AES-256 (R6), user password "user", owner password "owner".
    /// let pdf = std::fs::read("testdata/pdf/encrypted/r6-aes256-user-objstm.pdf")?;
    /// let mut options = SignOptions::default();
    /// assert!(matches!(sign_pdf(&pdf, &key, &options), Err(Error::PasswordRequired { .. })));
    /// options.document_access = DocumentAccess::with_password("user");
    /// let signed = sign_pdf(&pdf, &key, &options)?;
    /// assert!(signed.starts_with(&pdf));
    ///
    /// let mut verify = VerifyOptions::default();
    /// verify.document_access = DocumentAccess::with_password("user");
    /// assert!(verify_pdf(&signed, &verify)?.all_valid_ignoring_trust());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub document_access: crate::DocumentAccess,
}

/// The update with its placeholders, ready to be hashed and filled.
pub struct PreparedUpdate {
    /// The bytes appended to the original file.
    pub update: Vec<u8>,
    placeholders: Placeholders,
    pub field_name: String,
}

impl PreparedUpdate {
    /// The update bytes before and after the `/Contents` hex string: with the original file
    /// in front, these are exactly what the signature covers.
    pub fn signed_parts(&self) -> (&[u8], &[u8]) {
        self.placeholders.signed_parts(&self.update)
    }

    /// Bytes `/Contents` can hold.
    pub fn capacity(&self) -> usize {
        self.placeholders
            .contents_end
            .saturating_sub(self.placeholders.contents_start)
            .saturating_sub(2)
            / 2
    }

    /// The signed file: `pdf` with the update after it, in one allocation.
    pub(crate) fn after(&self, pdf: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(pdf.len().saturating_add(self.update.len()));
        out.extend_from_slice(pdf);
        out.extend_from_slice(&self.update);
        out
    }

    /// Writes the signature container into `/Contents`.
    pub fn embed(&mut self, der: &[u8]) -> Result<()> {
        byterange::fill_contents(&mut self.update, &self.placeholders, der)
    }
}

/// Signs `pdf` and returns the signed file; `pdf` is an exact prefix of the result (unless
/// `options.repair` had to rebuild a damaged file first, see [`crate::repair`]).
///
/// ```
/// # let key = countersign::crypto::credential::load_pem(
/// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
/// #     &std::fs::read("testdata/pki/demo.key.pem")?,
/// #     &Default::default(),
/// # )?;
/// use countersign::{sign_pdf, SignOptions};
/// use std::time::{Duration, UNIX_EPOCH};
///
/// let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
/// let mut options = SignOptions::default();
/// options.reason = Some("Approved".into());
/// options.signing_time = Some(UNIX_EPOCH + Duration::from_secs(1_767_225_600));
/// let signed = sign_pdf(&pdf, &key, &options)?;
/// assert!(signed.starts_with(&pdf));
/// assert_eq!(signed, sign_pdf(&pdf, &key, &options)?); // fixed time: byte-identical output
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sign_pdf(pdf: &[u8], key: &CertifiedKey, options: &SignOptions) -> Result<Vec<u8>> {
    sign_pdf_reserving(pdf, key, options, None)
}

/// [`sign_pdf`], optionally with the `/Contents` reservation ([`cades::reserved_len`]) computed
/// once by the caller: batch signing reuses it for every document.
pub(crate) fn sign_pdf_reserving(
    pdf: &[u8],
    key: &CertifiedKey,
    options: &SignOptions,
    contents_len: Option<usize>,
) -> Result<Vec<u8>> {
    match sign_as_is(pdf, key, options, contents_len) {
        // Opt-in: rebuild a damaged file whole, then sign the rebuilt file.
        Err(error) if options.repair && crate::repair::is_damage(&error) => {
            let rewritten = crate::repair::rewrite_with_limits(pdf, &options.limits)?;
            sign_as_is(&rewritten, key, options, contents_len)
        }
        other => other,
    }
}

fn sign_as_is(
    pdf: &[u8],
    key: &CertifiedKey,
    options: &SignOptions,
    contents_len: Option<usize>,
) -> Result<Vec<u8>> {
    let params = cms_params_for(key, options);
    let mut prepared = prepare_update_reserving(pdf, key, options, contents_len)?;
    let (before, after) = prepared.signed_parts();
    let digest = params.digest.digest_chunks(&[pdf, before, after]);
    let der = seal(key, options, &params, &digest, prepared.capacity())?;
    prepared.embed(&der)?;
    Ok(prepared.after(pdf))
}

/// The CMS for `digest`, with its signature timestamp when asked for; a container that would
/// not fit `capacity` bytes is a typed error before anything is written.
pub(crate) fn seal(
    key: &CertifiedKey,
    options: &SignOptions,
    params: &CmsParams,
    digest: &[u8],
    capacity: usize,
) -> Result<Vec<u8>> {
    let der = cades::build_detached(key, params, digest)?;
    match &options.timestamp {
        Some(stamper) => stamp(der, stamper.as_ref(), capacity),
        None => Ok(der),
    }
}

/// Adds the signature timestamp to the CMS `der` (PAdES B-T); a container that would not fit
/// `capacity` bytes is a typed error, and the stamper learns the token's size for next time.
pub(crate) fn stamp(der: Vec<u8>, stamper: &dyn TimeStamper, capacity: usize) -> Result<Vec<u8>> {
    let stamped = timestamp::add_signature_timestamp(&der, stamper)?;
    if stamped.len() > capacity {
        stamper.note_token_len(stamped.len().saturating_sub(der.len()));
        return Err(Error::TimestampTooLarge {
            reserved: capacity,
            needed: stamped.len(),
        });
    }
    Ok(stamped)
}

/// Bytes to reserve in `/Contents`: the CMS at its largest, plus a token when timestamping.
pub(crate) fn contents_reservation(key: &CertifiedKey, options: &SignOptions) -> Result<usize> {
    let cms = cades::reserved_len(key, &cms_params_for(key, options))?;
    with_token_reservation(cms, options)
}

/// `cms` bytes plus room for the signature timestamp's token when `options` asks for one.
pub(crate) fn with_token_reservation(cms: usize, options: &SignOptions) -> Result<usize> {
    let token = match &options.timestamp {
        Some(stamper) => stamper
            .token_len_hint()?
            .saturating_add(timestamp::ATTRIBUTE_OVERHEAD),
        None => 0,
    };
    Ok(cms.saturating_add(token))
}

fn signing_time(options: &SignOptions) -> SystemTime {
    options.signing_time.unwrap_or_else(SystemTime::now)
}

/// The container's choices for signing with `key`: the digest follows the key where the key
/// dictates it (SM2: SM3).
pub(crate) fn cms_params_for(key: &CertifiedKey, options: &SignOptions) -> CmsParams {
    CmsParams {
        digest: crate::crypto::digest_for_key(key, options.digest),
        ..cms_params(options)
    }
}

/// The container's choices as `options` state them.
pub(crate) fn cms_params(options: &SignOptions) -> CmsParams {
    CmsParams {
        digest: options.digest,
        content_types: options.cms_content_types,
        signing_time: match options.subfilter {
            // PAdES forbids the signing-time attribute (ETSI EN 319 142-1, 6.3); /M carries it.
            SubFilter::CadesDetached => None,
            SubFilter::Pkcs7Detached => Some(signing_time(options)),
        },
    }
}

/// Reads what signing needs from `pdf` and writes the update with placeholders, optionally
/// with a `/Contents` reservation computed by the caller.
pub(crate) fn prepare_update_reserving(
    pdf: &[u8],
    key: &CertifiedKey,
    options: &SignOptions,
    contents_len: Option<usize>,
) -> Result<PreparedUpdate> {
    check_signer_certificate(key.end_entity(), options)?;
    let contents_len = match contents_len {
        Some(len) => len,
        None => contents_reservation(key, options)?,
    };
    prepare_with(pdf, options, contents_len, SignatureKind::Signature)
}

/// Refuses a signer certificate unusable at the signing time, unless the options allow it:
/// the first check of both the one-shot and the deferred path.
pub(crate) fn check_signer_certificate(
    signer: &x509_cert::Certificate,
    options: &SignOptions,
) -> Result<()> {
    if options.allow_invalid_certificate {
        return Ok(());
    }
    preflight::check_certificate(signer, signing_time(options))
}

/// What the new signature dictionary holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SignatureKind {
    /// `/Type /Sig`: a CMS signature.
    Signature,
    /// `/Type /DocTimeStamp`, `/SubFilter /ETSI.RFC3161`: an RFC 3161 token over the file.
    DocumentTimestamp,
}

/// Plans the update for a signature dictionary of `kind` with `contents_len` bytes reserved.
pub(crate) fn prepare_with(
    pdf: &[u8],
    options: &SignOptions,
    contents_len: usize,
    kind: SignatureKind,
) -> Result<PreparedUpdate> {
    let doc = Document::open(pdf, &options.limits, &options.document_access)?;
    let (catalog_ref, catalog) = doc.catalog()?;
    preflight::check_signable(&doc, &catalog)?;
    if options.require_intact_signatures {
        preflight::check_existing_signatures(pdf, &options.limits, &options.document_access)?;
    }
    let page = page_tree::find_page(&doc, &catalog, options.page_index)?;
    let time = signing_time(options);

    let mut mdp = match kind {
        SignatureKind::Signature => {
            mdp::MdpPlan::new(&doc, &catalog, options.certify, options.lock.as_ref())?
        }
        SignatureKind::DocumentTimestamp => mdp::MdpPlan::new(&doc, &catalog, None, None)?,
    };

    let (sig_ref, mut plan, numbers) =
        plan_avoiding_undefined_numbers(&doc, (catalog_ref, &catalog), (page.0, &page.1), options)?;
    if kind == SignatureKind::Signature {
        mdp.adopt_field_lock(&doc, &plan)?;
    }
    mdp.apply(&doc, (catalog_ref, &catalog), sig_ref, &mut plan)?;

    let mut writer = UpdateWriter::new(&doc);
    let placeholders = signature_dictionary::write_signature_dictionary(
        &mut writer,
        sig_ref,
        options,
        (time, kind),
        mdp.references(catalog_ref),
        contents_len,
    )?;
    let mut written = vec![sig_ref];
    for (id, object) in &plan.objects {
        if written.contains(id) {
            return Err(Unsupported::ObjectWrittenTwice { object: *id }.into());
        }
        written.push(*id);
        writer.add(*id, object);
    }
    let id = file_id(&doc, time);
    let mut update = writer.finish(&doc, numbers.size(), &id)?;
    let update_start = pdf.len() as u64;
    let total = update_start.saturating_add(update.len() as u64);
    let range = byterange::byte_range(update_start, &placeholders, total)?;
    byterange::fill_byte_range(&mut update, &placeholders, range)?;
    Ok(PreparedUpdate {
        update,
        placeholders,
        field_name: plan.field_name,
    })
}

/// Plans the signature's objects with numbers the document does not already refer to (see
/// [`numbers`]). The objects the plan rewrites are only known once planned: when their old
/// versions refer to an undefined number the plan took, it is planned again avoiding it too
/// (the set only grows, so this ends).
fn plan_avoiding_undefined_numbers(
    doc: &Document<'_>,
    catalog: (ObjRef, &Dict),
    page: (ObjRef, &Dict),
    options: &SignOptions,
) -> Result<(ObjRef, field::FieldPlan, numbers::ObjectNumbers)> {
    let known = [
        Object::Dict(catalog.1.clone()),
        Object::Dict(page.1.clone()),
        Object::Dict(doc.trailer().clone()),
    ];
    let mut avoided = numbers::undefined_references(doc, &known)?;
    loop {
        let mut numbers = numbers::ObjectNumbers::avoiding(doc.size(), avoided.clone());
        let sig_ref = numbers.allocate()?;
        let plan = field::plan_field_or_fill(
            doc,
            catalog,
            page,
            sig_ref,
            (options.field_name.as_deref(), options.fill_empty_field),
            &mut numbers,
        )?;
        let rewritten = plan
            .objects
            .iter()
            .filter(|(id, _)| id.num < doc.size())
            .map(|(id, _)| doc.get(*id))
            .collect::<Result<Vec<_>>>()?;
        let found = numbers::undefined_references(doc, &rewritten)?;
        if found.is_subset(&avoided) {
            return Ok((sig_ref, plan, numbers));
        }
        avoided.extend(found);
    }
}

/// `/ID`: the first part is kept (or made once, if the file has none); the second changes with
/// every update (§14.4). Derived from the file's identity and the signing time, so a fixed time
/// gives a reproducible output.
pub(crate) fn file_id(doc: &Document<'_>, time: SystemTime) -> [Vec<u8>; 2] {
    let seconds = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let seed = format!("{}:{}:{seconds}", doc.data().len(), doc.startxref());
    let fresh = DigestAlgorithm::Sha256.digest_chunks(&[
        seed.as_bytes(),
        doc.data()
            .get(..1024.min(doc.data().len()))
            .unwrap_or_default(),
    ]);
    let fresh: Vec<u8> = fresh.into_iter().take(16).collect();
    let first = doc
        .trailer()
        .get(b"ID")
        .and_then(crate::pdf::Object::as_array)
        .and_then(|a| a.first())
        .and_then(crate::pdf::Object::as_string_bytes)
        .map(<[u8]>::to_vec);
    [first.unwrap_or_else(|| fresh.clone()), fresh]
}
