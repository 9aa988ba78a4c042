//! RFC 3161 timestamps: the request a signer sends, the checks its answer must pass, the
//! signature-timestamp unsigned attribute of PAdES B-T, and the verification of a token.
//!
//! The transport is a trait, [`TimeStamper`]: [`http::HttpTsa`] (feature `tsa`) posts to a TSA
//! URL; [`authority`] is a minimal responder over a local key (tests, benchmarks, self-hosting).

pub mod asn1;
pub mod authority;
#[cfg(feature = "tsa")]
pub mod http;
mod malformed;

pub use self::malformed::MalformedTimestamp;

use std::time::SystemTime;

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::asn1::{Any, Int, OctetString, SetOfVec};
use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::ExtendedKeyUsage;

use self::asn1::{
    ID_AA_SIGNATURE_TIME_STAMP_TOKEN, ID_KP_TIME_STAMPING, MessageImprint, TimeStampReq,
    TimeStampResp, TstInfo,
};
use super::verify::{CmsVerification, Content, PathCheck, verify_signed_data};
use crate::crypto::{CryptoProvider, DigestAlgorithm};
use crate::error::{CmsError, Error, Result, TimestampProblem};
use crate::problem::ChainStatus;

/// Bytes an unsigned-attributes field with one token attribute adds around the token, plus the
/// growth of the enclosing length headers.
pub const ATTRIBUTE_OVERHEAD: usize = 64;

/// Where timestamp tokens come from. Implementations check every token before returning it.
///
/// # Examples
///
/// ```
/// # let tsa_key = countersign::crypto::credential::load_pem(
/// #     &std::fs::read("testdata/pki/tsa-tsa.chain.pem")?,
/// #     &std::fs::read("testdata/pki/tsa-tsa.key.pem")?,
/// #     &Default::default(),
/// # )?;
/// # let roots = countersign::crypto::credential::trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
/// use std::time::SystemTime;
/// use countersign::timestamp::{Authority, ObjectIdentifier, TimeStamper, TimestampRequest};
/// use countersign::{ltv, verify_pdf, DigestAlgorithm, VerifyOptions};
///
/// /// Tokens from a TSA reached some other way than HTTP (here: in this process).
/// #[derive(Debug)]
/// struct MyTsa(Authority);
///
/// impl TimeStamper for MyTsa {
///     fn timestamp(&self, digest: DigestAlgorithm, imprint: &[u8]) -> countersign::Result<Vec<u8>> {
///         let request = TimestampRequest::new(digest, imprint, &[0x42; 8])?; // a random nonce in practice
///         let answer = self.0.respond(request.der(), SystemTime::now())?;
///         request.check_response(&answer, &[])
///     }
///     fn token_len_hint(&self) -> countersign::Result<usize> {
///         Ok(8192)
///     }
/// }
///
/// let stamper = MyTsa(Authority::new(tsa_key, ObjectIdentifier::new_unwrap("1.3.6.1.4.1.55555.1.1")));
/// let stamped = ltv::add_document_timestamp(&std::fs::read("testdata/pdf/signed.pdf")?, &stamper)?;
/// let report = verify_pdf(&stamped, &VerifyOptions::trusting(roots))?;
/// assert_eq!(report.signatures[1].subfilter, "ETSI.RFC3161");
/// assert!(report.signatures[1].timestamp.as_ref().is_some_and(|t| t.valid));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait TimeStamper: Send + Sync + std::fmt::Debug {
    /// A checked token (DER ContentInfo) whose messageImprint is `imprint`, the `digest` of the
    /// data to be timestamped.
    ///
    /// # Examples
    ///
    /// ```
    /// # let tsa_key = countersign::crypto::credential::load_pem(
    /// #     &std::fs::read("testdata/pki/tsa-tsa.chain.pem")?,
    /// #     &std::fs::read("testdata/pki/tsa-tsa.key.pem")?,
    /// #     &Default::default(),
    /// # )?;
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
    /// # let stamper = LocalTsa(Authority::new(tsa_key, ObjectIdentifier::new_unwrap("1.3.6.1.4.1.55555.1.1")));
    /// use countersign::DigestAlgorithm;
    ///
    /// // `stamper`: the in-process TSA of the `timestamp` module's example.
    /// let imprint = DigestAlgorithm::Sha256.digest_chunks(&[b"the data"]);
    /// let token = stamper.timestamp(DigestAlgorithm::Sha256, &imprint)?; // DER ContentInfo
    /// assert_eq!(token[0], 0x30);
    /// assert!(token.windows(32).any(|w| w == imprint)); // the TSTInfo's messageImprint
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn timestamp(&self, digest: DigestAlgorithm, imprint: &[u8]) -> Result<Vec<u8>>;

    /// Bytes to reserve for one token from this source (the signature's `/Contents` is sized
    /// before the token exists).
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
    /// use countersign::timestamp::{Authority, ObjectIdentifier, TimeStamper, TimestampRequest};
    /// use countersign::{ltv, DigestAlgorithm, Error};
    ///
    /// #[derive(Debug)]
    /// struct Stingy(Authority);
    ///
    /// impl TimeStamper for Stingy {
    ///     fn timestamp(&self, digest: DigestAlgorithm, imprint: &[u8]) -> countersign::Result<Vec<u8>> {
    ///         let request = TimestampRequest::new(digest, imprint, &[0x42; 8])?;
    ///         request.check_response(&self.0.respond(request.der(), SystemTime::now())?, &[])
    ///     }
    ///     fn token_len_hint(&self) -> countersign::Result<usize> {
    ///         Ok(100) // far less than a token with its certificate chain
    ///     }
    /// }
    ///
    /// let stamper = Stingy(Authority::new(tsa_key, ObjectIdentifier::new_unwrap("1.3.6.1.4.1.55555.1.1")));
    /// let refused = ltv::add_document_timestamp(&std::fs::read("testdata/pdf/classic.pdf")?, &stamper);
    /// assert!(matches!(refused, Err(Error::TimestampTooLarge { .. }))); // nothing was written
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn token_len_hint(&self) -> Result<usize>;

    /// A token of `len` bytes did not fit its reservation: reserve at least that next time.
    ///
    /// # Examples
    ///
    /// ```
    /// # let tsa_key = countersign::crypto::credential::load_pem(
    /// #     &std::fs::read("testdata/pki/tsa-tsa.chain.pem")?,
    /// #     &std::fs::read("testdata/pki/tsa-tsa.key.pem")?,
    /// #     &Default::default(),
    /// # )?;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::time::SystemTime;
    /// use countersign::timestamp::{Authority, ObjectIdentifier, TimeStamper, TimestampRequest};
    /// use countersign::{ltv, DigestAlgorithm};
    ///
    /// #[derive(Debug)]
    /// struct Learning(Authority, AtomicUsize);
    ///
    /// impl TimeStamper for Learning {
    ///     fn timestamp(&self, digest: DigestAlgorithm, imprint: &[u8]) -> countersign::Result<Vec<u8>> {
    ///         let request = TimestampRequest::new(digest, imprint, &[0x42; 8])?;
    ///         request.check_response(&self.0.respond(request.der(), SystemTime::now())?, &[])
    ///     }
    ///     fn token_len_hint(&self) -> countersign::Result<usize> {
    ///         Ok(self.1.load(Ordering::Relaxed))
    ///     }
    ///     fn note_token_len(&self, len: usize) {
    ///         // The next token can be a few bytes longer (its time's fraction, its serial).
    ///         self.1.fetch_max(len + 64, Ordering::Relaxed);
    ///     }
    /// }
    ///
    /// let stamper = Learning(Authority::new(tsa_key, ObjectIdentifier::new_unwrap("1.3.6.1.4.1.55555.1.1")), AtomicUsize::new(100));
    /// let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
    /// assert!(ltv::add_document_timestamp(&pdf, &stamper).is_err()); // 100 bytes were too few...
    /// assert!(stamper.1.load(Ordering::Relaxed) > 100); // ...and the stamper was told the size
    /// assert!(ltv::add_document_timestamp(&pdf, &stamper).is_ok()); // the retry fits
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn note_token_len(&self, _len: usize) {}

    /// The digest used for the messageImprint.
    ///
    /// # Examples
    ///
    /// ```
    /// # let tsa_key = countersign::crypto::credential::load_pem(
    /// #     &std::fs::read("testdata/pki/tsa-tsa.chain.pem")?,
    /// #     &std::fs::read("testdata/pki/tsa-tsa.key.pem")?,
    /// #     &Default::default(),
    /// # )?;
    /// # let roots = countersign::crypto::credential::trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
    /// use std::time::SystemTime;
    /// use countersign::timestamp::{Authority, ObjectIdentifier, TimeStamper, TimestampRequest};
    /// use countersign::{ltv, verify_pdf, DigestAlgorithm, VerifyOptions};
    ///
    /// #[derive(Debug)]
    /// struct Sha512Tsa(Authority);
    ///
    /// impl TimeStamper for Sha512Tsa {
    ///     fn timestamp(&self, digest: DigestAlgorithm, imprint: &[u8]) -> countersign::Result<Vec<u8>> {
    ///         assert_eq!((digest, imprint.len()), (DigestAlgorithm::Sha512, 64)); // what digest() asked for
    ///         let request = TimestampRequest::new(digest, imprint, &[0x42; 8])?;
    ///         request.check_response(&self.0.respond(request.der(), SystemTime::now())?, &[])
    ///     }
    ///     fn token_len_hint(&self) -> countersign::Result<usize> {
    ///         Ok(8192)
    ///     }
    ///     fn digest(&self) -> DigestAlgorithm {
    ///         DigestAlgorithm::Sha512
    ///     }
    /// }
    ///
    /// let stamper = Sha512Tsa(Authority::new(tsa_key, ObjectIdentifier::new_unwrap("1.3.6.1.4.1.55555.1.1")));
    /// let stamped = ltv::add_document_timestamp(&std::fs::read("testdata/pdf/classic.pdf")?, &stamper)?;
    /// let report = verify_pdf(&stamped, &VerifyOptions::trusting(roots))?;
    /// assert!(report.signatures[0].timestamp.as_ref().is_some_and(|t| t.valid));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn digest(&self) -> DigestAlgorithm {
        DigestAlgorithm::Sha256
    }
}

/// An RFC 3161 TimeStampReq and what its answer is checked against (imprint, nonce): what a
/// [`TimeStamper`] over another transport than HTTP sends and checks.
///
/// ```
/// use countersign::timestamp::TimestampRequest;
/// use countersign::DigestAlgorithm;
///
/// let imprint = [0x5a; 32]; // the SHA-256 of the data to timestamp
/// let request = TimestampRequest::new(DigestAlgorithm::Sha256, &imprint, &[1, 2, 3, 4])?;
/// assert_eq!(request.der()[0], 0x30); // a DER SEQUENCE, to send to the TSA
/// // ... send `request.der()`, then `request.check_response(&answer, &tsa_roots)?` gives the token
/// # Ok::<(), countersign::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct TimestampRequest {
    der: Vec<u8>,
    imprint: MessageImprint,
    nonce: Int,
}

impl TimestampRequest {
    /// A request for `imprint` (the `digest` of the data) with `nonce` (big-endian bytes; a
    /// random 8 bytes in practice) and the TSA certificate asked for (certReq).
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::timestamp::TimestampRequest;
    /// use countersign::DigestAlgorithm;
    ///
    /// let imprint = DigestAlgorithm::Sha384.digest_chunks(&[b"the data"]);
    /// let request = TimestampRequest::new(DigestAlgorithm::Sha384, &imprint, &[0x0a, 0x1b, 0x2c, 0x3d])?;
    /// assert!(request.der().windows(48).any(|w| w == imprint));
    /// assert!(request.der().windows(4).any(|w| w == [0x0a, 0x1b, 0x2c, 0x3d])); // the nonce
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(digest: DigestAlgorithm, imprint: &[u8], nonce: &[u8]) -> Result<Self> {
        let imprint = MessageImprint {
            hash_algorithm: digest.algorithm_identifier(),
            hashed_message: OctetString::new(imprint).map_err(der_error)?,
        };
        let nonce = Int::new(nonce).map_err(der_error)?;
        let request = TimeStampReq {
            version: 1,
            message_imprint: imprint.clone(),
            req_policy: None,
            nonce: Some(nonce.clone()),
            cert_req: true,
            extensions: None,
        };
        Ok(Self {
            der: request.to_der().map_err(der_error)?,
            imprint,
            nonce,
        })
    }

    /// The DER TimeStampReq to send.
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
    /// use countersign::DigestAlgorithm;
    ///
    /// let request = TimestampRequest::new(DigestAlgorithm::Sha256, &[0x5a; 32], &[9; 8])?;
    /// assert_eq!(request.der()[0], 0x30); // DER SEQUENCE, the body of an application/timestamp-query POST
    /// let tsa = Authority::new(tsa_key, ObjectIdentifier::new_unwrap("1.3.6.1.4.1.55555.1.1"));
    /// assert!(request.check_response(&tsa.respond(request.der(), SystemTime::now())?, &[]).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Checks a TimeStampResp against this request (RFC 3161 §2.4.2): status, imprint, nonce,
    /// the TSA certificate's EKU, the token's signature and, when `trust_roots` is not empty,
    /// the TSA's chain. Returns the token.
    ///
    /// # Examples
    ///
    /// ```
    /// # let tsa_key = countersign::crypto::credential::load_pem(
    /// #     &std::fs::read("testdata/pki/tsa-tsa.chain.pem")?,
    /// #     &std::fs::read("testdata/pki/tsa-tsa.key.pem")?,
    /// #     &Default::default(),
    /// # )?;
    /// # let roots = countersign::crypto::credential::trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
    /// use std::time::SystemTime;
    /// use countersign::crypto::credential::trust_roots_from_pem;
    /// use countersign::timestamp::{Authority, ObjectIdentifier, TimestampRequest};
    /// use countersign::{DigestAlgorithm, Error, TimestampProblem};
    ///
    /// let tsa = Authority::new(tsa_key, ObjectIdentifier::new_unwrap("1.3.6.1.4.1.55555.1.1"));
    /// let request = TimestampRequest::new(DigestAlgorithm::Sha256, &[0x5a; 32], &[9; 8])?;
    /// let answer = tsa.respond(request.der(), SystemTime::now())?;
    /// assert!(request.check_response(&answer, &roots).is_ok()); // the TSA chains to the demo root
    ///
    /// let other_roots = trust_roots_from_pem(&std::fs::read("testdata/pki/trust-selfsigned.cert.pem")?)?;
    /// let refused = request.check_response(&answer, &other_roots);
    /// assert!(matches!(refused, Err(Error::Timestamp(TimestampProblem::Untrusted(_)))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_response(&self, response: &[u8], trust_roots: &[Certificate]) -> Result<Vec<u8>> {
        let response = TimeStampResp::from_der(response)
            .map_err(MalformedTimestamp::der("TimeStampResp"))
            .map_err(malformed)?;
        let status = response.status.status;
        if status > 1 {
            let text = response.status.status_string.unwrap_or_default().join("; ");
            return Err(problem(TimestampProblem::Rejected { status, text }));
        }
        let token = response
            .time_stamp_token
            .ok_or_else(|| malformed(MalformedTimestamp::NoToken))?;
        let token = token.to_der().map_err(der_error)?;
        let verified = verify_token(&token, None, trust_roots, &CryptoProvider::default())?;
        if verified.tst_info.message_imprint != self.imprint {
            return Err(problem(TimestampProblem::ImprintMismatch));
        }
        if verified.tst_info.nonce.as_ref() != Some(&self.nonce) {
            return Err(problem(TimestampProblem::NonceMismatch));
        }
        verified.into_result()?;
        Ok(token)
    }
}

/// What checking one token found.
#[derive(Clone, Debug)]
pub struct TokenVerification {
    pub tst_info: TstInfo,
    /// The token's CMS checks (digest of the TSTInfo, signature, TSA chain).
    pub cms: CmsVerification,
    /// The token's messageImprint matches the data it was checked against (`true` when no
    /// data was given).
    pub imprint_ok: bool,
    /// The TSA certificate carries id-kp-timeStamping.
    pub eku_ok: bool,
}

impl TokenVerification {
    pub fn gen_time(&self) -> SystemTime {
        self.tst_info.gen_time.to_system_time()
    }

    /// Intact, signed by a timestamping certificate, and trusted: with no trust roots the chain
    /// is not checked, and an unchecked token is not valid.
    pub fn is_valid(&self) -> bool {
        self.imprint_ok && self.eku_ok && self.cms.is_valid()
    }

    /// The first failed check as a typed error.
    fn into_result(self) -> Result<Self> {
        if !self.imprint_ok {
            return Err(problem(TimestampProblem::ImprintMismatch));
        }
        if !self.eku_ok {
            return Err(problem(TimestampProblem::NotTimestampingCertificate(
                self.cms.signer_subject.clone(),
            )));
        }
        if !(self.cms.digest_ok && self.cms.signature_ok) {
            return Err(problem(TimestampProblem::BadSignature(self.cms.problems)));
        }
        if let ChainStatus::Untrusted(why) | ChainStatus::Revoked(why) = &self.cms.chain {
            return Err(problem(TimestampProblem::Untrusted(why.clone())));
        }
        Ok(self)
    }
}

/// Checks a token: its TSTInfo is what its signature covers, the TSA certificate is for
/// timestamping, its chain reaches `trust_roots` at genTime (empty roots: the chain is not
/// checked and the token is not valid, though still read), and, when `data` is
/// given, the messageImprint is the digest of `data`. `provider` checks every signature.
/// Unreadable tokens are errors.
pub fn verify_token(
    token: &[u8],
    data: Option<&[&[u8]]>,
    trust_roots: &[Certificate],
    provider: &CryptoProvider,
) -> Result<TokenVerification> {
    let content_info = ContentInfo::from_der(token)
        .map_err(MalformedTimestamp::der("timestamp token"))
        .map_err(malformed)?;
    let tst_der = asn1::encapsulated_tst_info(&content_info).map_err(malformed)?;
    let tst_info = TstInfo::read(&tst_der).map_err(malformed)?;
    let check = PathCheck {
        trust_roots,
        crls: &[],
        ocsp_responses: &[],
        fetch: None,
        at: tst_info.gen_time.to_system_time(),
        provider: *provider,
    };
    let cms = verify_signed_data(token, &[&tst_der], &check, Content::Encapsulated)?;
    let eku_ok = cms.signer_certificate.as_ref().is_some_and(is_timestamping);
    let imprint_ok = match data {
        None => true,
        Some(chunks) => imprint_matches(&tst_info.message_imprint, chunks),
    };
    Ok(TokenVerification {
        tst_info,
        cms,
        imprint_ok,
        eku_ok,
    })
}

fn imprint_matches(imprint: &MessageImprint, data: &[&[u8]]) -> bool {
    DigestAlgorithm::from_oid(&imprint.hash_algorithm.oid)
        .is_some_and(|digest| digest.digest_chunks(data) == imprint.hashed_message.as_bytes())
}

fn is_timestamping(certificate: &Certificate) -> bool {
    matches!(
        certificate.tbs_certificate().get_extension::<ExtendedKeyUsage>(),
        Ok(Some((_, eku))) if eku.0.contains(&ID_KP_TIME_STAMPING)
    )
}

/// The signature value of the (first) SignerInfo: what a signature timestamp covers.
pub fn signature_value(cms_der: &[u8]) -> Result<Vec<u8>> {
    let signed = signed_data(cms_der)?;
    let info = signed.signer_infos.0.get(0).ok_or(CmsError::NoSignerInfo)?;
    Ok(info.signature.as_bytes().to_vec())
}

/// The signature-timestamp token of the (first) SignerInfo, when it has one.
pub fn signature_timestamp_token(cms_der: &[u8]) -> Result<Option<Vec<u8>>> {
    let signed = signed_data(cms_der)?;
    let Some(info) = signed.signer_infos.0.get(0) else {
        return Ok(None);
    };
    let Some(attributes) = &info.unsigned_attrs else {
        return Ok(None);
    };
    let token = attributes
        .iter()
        .find(|a| a.oid == ID_AA_SIGNATURE_TIME_STAMP_TOKEN)
        .and_then(|a| a.values.get(0))
        .map(|value| value.to_der().map_err(der_error))
        .transpose()?;
    Ok(token)
}

/// Adds the signature-timestamp unsigned attribute (PAdES B-T) to a SignedData made by
/// [`super::build_detached`]: the token is over the SignerInfo's signature value.
pub fn add_signature_timestamp(cms_der: &[u8], stamper: &dyn TimeStamper) -> Result<Vec<u8>> {
    let content_info = ContentInfo::from_der(cms_der).map_err(der_error)?;
    let signed: SignedData = content_info.content.decode_as().map_err(der_error)?;
    let mut infos = signed.signer_infos.0.clone().into_vec();
    let info = infos.first_mut().ok_or(CmsError::NoSignerInfo)?;
    let digest = stamper.digest();
    let imprint = digest.digest_chunks(&[info.signature.as_bytes()]);
    let token = stamper.timestamp(digest, &imprint)?;
    let value = Any::from_der(&token).map_err(der_error)?;
    let attribute = Attribute {
        oid: ID_AA_SIGNATURE_TIME_STAMP_TOKEN,
        values: SetOfVec::try_from(vec![value]).map_err(der_error)?,
    };
    info.unsigned_attrs = Some(SetOfVec::try_from(vec![attribute]).map_err(der_error)?);
    let signed = SignedData {
        signer_infos: cms::signed_data::SignerInfos(SetOfVec::try_from(infos).map_err(der_error)?),
        ..signed
    };
    ContentInfo {
        content_type: content_info.content_type,
        content: Any::encode_from(&signed).map_err(der_error)?,
    }
    .to_der()
    .map_err(der_error)
}

fn signed_data(cms_der: &[u8]) -> Result<SignedData> {
    let element = super::ber::first_der_element(cms_der).ok_or(CmsError::NotDer)?;
    let content_info = ContentInfo::from_der(element).map_err(der_error)?;
    content_info.content.decode_as().map_err(der_error)
}

fn problem(kind: TimestampProblem) -> Error {
    Error::Timestamp(kind)
}

fn malformed(reason: MalformedTimestamp) -> Error {
    problem(TimestampProblem::Malformed(reason))
}

fn der_error(source: der::Error) -> Error {
    Error::Der {
        what: "timestamp token or request",
        source,
    }
}
