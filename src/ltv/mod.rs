//! Long-term validation (PAdES B-LT and B-LTA, ETSI EN 319 142-1 §5.4): the certificates and
//! revocation data (OCSP responses, CRLs) every signature and timestamp in the file needs, in a
//! `/DSS` dictionary with a `/VRI` entry per signature, written in a further incremental update;
//! then, for B-LTA, a document timestamp over it all ([`extend`]).
//!
//! Revocation data is fetched from the certificates' OCSP and CRL URLs (feature `tsa`) or
//! supplied by the caller ([`RevocationSource::Offline`]).
//!
//! # Examples
//!
//! ```
//! # let roots = countersign::crypto::credential::trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
//! use countersign::ltv::{add_validation_data, RevocationSource, ValidationData};
//! use countersign::{verify_pdf, VerifyOptions};
//!
//! let signed = std::fs::read("testdata/pdf/signed.pdf")?;
//! let b_lt = add_validation_data(&signed, &RevocationSource::Offline(ValidationData::default()))?;
//! assert!(b_lt.starts_with(&signed));
//! let report = verify_pdf(&b_lt, &VerifyOptions::trusting(roots))?;
//! // The update adds a /DSS, nothing else: validation data, allowed after any signature.
//! assert_eq!(report.signatures[0].modifications.level, countersign::ModificationLevel::LtvUpdates);
//! assert!(report.all_valid());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod dss;
#[cfg(feature = "tsa")]
mod fetch;
pub(crate) mod ocsp;

use crate::DocumentAccess;
pub use crate::sign::doc_timestamp::{add_document_timestamp, add_document_timestamp_with_access};
#[cfg(feature = "tsa")]
pub use fetch::Fetcher;
pub use ocsp::{CertStatus, OcspResponse};

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::{Decode, Encode};
use x509_cert::Certificate;

use crate::cades::timestamp::{TimeStamper, signature_timestamp_token};
use crate::error::{CmsError, Error, Result};
use crate::pdf::{Document, Object};

/// Validation material, each item DER: certificates, OCSPResponses, CRLs.
///
/// # Examples
///
/// ```
/// use countersign::ltv::{add_validation_data, RevocationSource, ValidationData};
///
/// let mut data = ValidationData::default();
/// data.certs.push(std::fs::read("testdata/pki/demo.cert.der")?);
/// data.crls.push(std::fs::read("testdata/pki/tsa-ca.crl")?); // DER CertificateList
/// let b_lt = add_validation_data(&std::fs::read("testdata/pdf/signed.pdf")?, &RevocationSource::Offline(data))?;
/// assert!(b_lt.windows(6).any(|w| w == b"/CRLs ")); // the DSS lists the CRL
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ValidationData {
    /// DER certificates.
    pub certs: Vec<Vec<u8>>,
    /// DER OCSPResponses.
    pub ocsps: Vec<Vec<u8>>,
    /// DER CertificateLists (CRLs).
    pub crls: Vec<Vec<u8>>,
}

impl ValidationData {
    /// Adds what `other` has that `self` lacks.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::ltv::ValidationData;
    ///
    /// let mut mine = ValidationData::default();
    /// mine.crls.push(std::fs::read("testdata/pki/tsa-ca.crl")?);
    /// let mut theirs = ValidationData::default();
    /// theirs.crls.push(std::fs::read("testdata/pki/tsa-ca.crl")?);
    /// theirs.crls.push(std::fs::read("testdata/pki/tsa-root.crl")?);
    /// mine.merge(&theirs);
    /// assert_eq!(mine.crls.len(), 2); // the CRL both had is kept once
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn merge(&mut self, other: &ValidationData) {
        for (mine, theirs) in [
            (&mut self.certs, &other.certs),
            (&mut self.ocsps, &other.ocsps),
            (&mut self.crls, &other.crls),
        ] {
            for item in theirs {
                if !mine.contains(item) {
                    mine.push(item.clone());
                }
            }
        }
    }
}

/// Where revocation data comes from.
///
/// # Examples
///
/// ```
/// # let roots = countersign::crypto::credential::trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
/// use countersign::ltv::{add_validation_data, RevocationSource, ValidationData};
/// use countersign::{verify_pdf, VerifyOptions};
///
/// let signed = std::fs::read("testdata/pdf/signed.pdf")?;
/// let mut data = ValidationData::default();
/// data.crls.push(std::fs::read("testdata/pki/tsa-ca.crl")?); // a DER CRL the caller obtained
/// let b_lt = add_validation_data(&signed, &RevocationSource::Offline(data))?;
/// assert!(verify_pdf(&b_lt, &VerifyOptions::trusting(roots))?.all_valid());
///
/// #[cfg(feature = "tsa")]
/// {
///     // Fetched: the demo seal names no OCSP responder and no CRL, so it cannot reach B-LT.
///     let fetch = RevocationSource::Fetch(countersign::ltv::Fetcher::default());
///     assert!(add_validation_data(&signed, &fetch).is_err());
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum RevocationSource {
    /// Only what the caller supplies (offline mode): it is added to every signature's VRI.
    Offline(ValidationData),
    /// OCSP (preferred) or CRL from the URLs in each certificate, over HTTP(S).
    #[cfg(feature = "tsa")]
    Fetch(fetch::Fetcher),
}

/// Adds a DSS with the validation data of every signature and timestamp in `pdf` (B-LT);
/// `pdf` is a prefix of the result.
///
/// ```
/// # let key = countersign::crypto::credential::load_pem(
/// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
/// #     &std::fs::read("testdata/pki/demo.key.pem")?,
/// #     &Default::default(),
/// # )?;
/// # let roots = countersign::crypto::credential::trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
/// use countersign::ltv::{add_validation_data, RevocationSource, ValidationData};
/// use countersign::{sign_pdf, verify_pdf, SignOptions, VerifyOptions};
///
/// let signed = sign_pdf(&std::fs::read("testdata/pdf/classic.pdf")?, &key, &SignOptions::default())?;
/// // Offline: the certificates of every signature, plus whatever OCSP responses and CRLs you have.
/// let mut revocation = ValidationData::default();
/// revocation.crls.push(std::fs::read("testdata/pki/tsa-root.crl")?);
/// let with_dss = add_validation_data(&signed, &RevocationSource::Offline(revocation))?;
/// assert!(with_dss.starts_with(&signed));
/// assert!(verify_pdf(&with_dss, &VerifyOptions::trusting(roots))?.all_valid()); // a DSS-only update
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn add_validation_data(pdf: &[u8], source: &RevocationSource) -> Result<Vec<u8>> {
    add_validation_data_with_access(pdf, source, &DocumentAccess::default())
}

/// [`add_validation_data`] for an encrypted document that needs a password: the DSS is written
/// encrypted with the document's key, as every object of the update. Needs the same permission
/// as signing ([`Error::PermissionDenied`] otherwise).
///
/// ```
/// # let key = countersign::crypto::credential::load_pem(
/// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
/// #     &std::fs::read("testdata/pki/demo.key.pem")?,
/// #     &Default::default(),
/// # )?;
/// use countersign::ltv::{add_validation_data_with_access, RevocationSource, ValidationData};
/// use countersign::{sign_pdf, verify_pdf, DocumentAccess, SignOptions, VerifyOptions};
///
/// let pdf = std::fs::read("testdata/pdf/encrypted/r3-rc4-128-user.pdf")?;
/// let mut options = SignOptions::default();
/// options.document_access = DocumentAccess::with_password("user");
/// let signed = sign_pdf(&pdf, &key, &options)?;
/// let source = RevocationSource::Offline(ValidationData::default());
/// let b_lt = add_validation_data_with_access(&signed, &source, &options.document_access)?;
/// let mut verify = VerifyOptions::default();
/// verify.document_access = options.document_access.clone();
/// assert!(verify_pdf(&b_lt, &verify)?.all_valid_ignoring_trust());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn add_validation_data_with_access(
    pdf: &[u8],
    source: &RevocationSource,
    access: &DocumentAccess,
) -> Result<Vec<u8>> {
    let doc = Document::open(pdf, &crate::pdf::Limits::default(), access)?;
    if let Some(handler) = doc.security_handler()? {
        handler.permissions().check_signing()?;
    }
    let signatures = signature_contents(&doc)?;
    if signatures.is_empty() {
        return Err(Error::invalid_option(
            "pdf",
            "the document has no signature to add validation data for",
        ));
    }
    let mut per_signature = Vec::with_capacity(signatures.len());
    for contents in signatures {
        let certificates = certificates_of(&contents)?;
        let data = match source {
            RevocationSource::Offline(data) => {
                let mut all = own_certs(&certificates)?;
                all.merge(data);
                all
            }
            #[cfg(feature = "tsa")]
            RevocationSource::Fetch(fetcher) => fetcher.collect(&certificates)?,
        };
        per_signature.push((contents, data));
    }
    dss::append(&doc, &per_signature)
}

/// Archive renewal (B-LTA): validation data for everything in the file, then a document
/// timestamp over it. Run again before the last timestamp's TSA certificate expires.
///
/// ```
/// # let key = countersign::crypto::credential::load_pem(
/// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
/// #     &std::fs::read("testdata/pki/demo.key.pem")?,
/// #     &Default::default(),
/// # )?;
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
/// use countersign::ltv::{extend, RevocationSource, ValidationData};
/// use countersign::{sign_pdf, verify_pdf, SignOptions, VerifyOptions};
///
/// let signed = sign_pdf(&std::fs::read("testdata/pdf/classic.pdf")?, &key, &SignOptions::default())?;
/// // `stamper`: any TimeStamper, e.g. countersign::timestamp::HttpTsa (feature `tsa`).
/// let archived = extend(&signed, &RevocationSource::Offline(ValidationData::default()), &stamper)?;
/// assert!(archived.starts_with(&signed));
/// let report = verify_pdf(&archived, &VerifyOptions::default())?;
/// assert_eq!(report.signatures.len(), 2); // the signature and the document timestamp
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn extend(pdf: &[u8], source: &RevocationSource, stamper: &dyn TimeStamper) -> Result<Vec<u8>> {
    extend_with_access(pdf, source, stamper, &DocumentAccess::default())
}

/// [`extend`] for an encrypted document that needs a password (see
/// [`add_validation_data_with_access`]).
///
/// ```
/// use countersign::ltv::{extend_with_access, RevocationSource, ValidationData};
/// # use countersign::timestamp::TimeStamper;
/// # #[derive(Debug)]
/// # struct Offline;
/// # impl TimeStamper for Offline {
/// #     fn timestamp(&self, _: countersign::DigestAlgorithm, _: &[u8]) -> countersign::Result<Vec<u8>> { unreachable!() }
/// # }
/// use countersign::{DocumentAccess, Error};
///
/// // Not signed yet: there is nothing to extend, whatever the password.
/// let pdf = std::fs::read("testdata/pdf/encrypted/r3-rc4-128-user.pdf")?;
/// let source = RevocationSource::Offline(ValidationData::default());
/// let access = DocumentAccess::with_password("user");
/// assert!(matches!(
///     extend_with_access(&pdf, &source, &Offline, &access),
///     Err(Error::InvalidOption { .. })
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn extend_with_access(
    pdf: &[u8],
    source: &RevocationSource,
    stamper: &dyn TimeStamper,
    access: &DocumentAccess,
) -> Result<Vec<u8>> {
    let with_dss = add_validation_data_with_access(pdf, source, access)?;
    crate::sign::doc_timestamp::add_document_timestamp_with_access(&with_dss, stamper, access)
}

/// The `/Contents` bytes (with their padding: the VRI key hashes them) of every signature and
/// document timestamp, in field order.
fn signature_contents(doc: &Document<'_>) -> Result<Vec<Vec<u8>>> {
    let fields = crate::verify::signature_fields::signature_fields(doc)?;
    Ok(fields
        .iter()
        .filter_map(|field| {
            field
                .value
                .get(b"Contents")
                .and_then(Object::as_string_bytes)
                .map(<[u8]>::to_vec)
        })
        .collect())
}

/// The certificates embedded in a signature's CMS and in its signature timestamp (or, for a
/// document timestamp, in the token).
fn certificates_of(contents: &[u8]) -> Result<Vec<Certificate>> {
    let cms = crate::cades::ber::first_der_element(contents).ok_or(CmsError::NotDer)?;
    let mut certificates = embedded_certificates(cms)?;
    if let Ok(Some(token)) = signature_timestamp_token(cms) {
        for certificate in embedded_certificates(&token)? {
            if !certificates.contains(&certificate) {
                certificates.push(certificate);
            }
        }
    }
    Ok(certificates)
}

pub(crate) fn embedded_certificates(cms: &[u8]) -> Result<Vec<Certificate>> {
    let content_info = ContentInfo::from_der(cms).map_err(Error::der("ContentInfo"))?;
    let signed: SignedData = content_info
        .content
        .decode_as()
        .map_err(Error::der("SignedData"))?;
    Ok(crate::cades::signed_data::embedded_certificates(&signed))
}

fn own_certs(certificates: &[Certificate]) -> Result<ValidationData> {
    let mut data = ValidationData::default();
    for certificate in certificates {
        data.certs
            .push(certificate.to_der().map_err(Error::der("certificate"))?);
    }
    Ok(data)
}
