//! Fetching revocation data over HTTP(S): OCSP (RFC 6960 POST) from each certificate's AIA,
//! else its CRL distribution point; the OCSP responder's own certificates are collected too.

use std::time::Duration;

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode, Tagged};
use x509_cert::Certificate;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{AuthorityInfoAccessSyntax, CrlDistributionPoints};

use super::ValidationData;
use super::ocsp;
use crate::cades::timestamp::http::{http_agent, read_answer, unavailable};
use crate::error::{Error, Result, RevocationError};

/// `id-ad-ocsp` (RFC 5280 §4.2.2.1).
const ID_AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
/// Chains with more certificates than this (responders included) are refused.
const MAX_CERTIFICATES: usize = 64;

/// Fetches revocation data for certificate chains.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use countersign::ltv::{add_validation_data, Fetcher, RevocationSource};
///
/// let mut fetcher = Fetcher::default();
/// assert_eq!(fetcher.timeout, Duration::from_secs(10));
/// fetcher.timeout = Duration::from_secs(3);
/// // The demo seal names no OCSP responder and no CRL: no revocation data, no B-LT.
/// let signed = std::fs::read("testdata/pdf/signed.pdf")?;
/// assert!(add_validation_data(&signed, &RevocationSource::Fetch(fetcher)).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Fetcher {
    /// Per request; past it the fetch fails with [`RevocationError::Fetch`].
    pub timeout: Duration,
}

impl Default for Fetcher {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
        }
    }
}

impl Fetcher {
    /// Every certificate in `certificates` plus revocation data for each one that is not a
    /// self-issued root or an OCSP responder marked no-check. A certificate for which no
    /// source answers is an error: the document would not reach B-LT.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::crypto::credential::parse_certificates;
    /// use countersign::ltv::Fetcher;
    ///
    /// // A self-issued root needs no revocation data: nothing is fetched.
    /// let root = parse_certificates(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
    /// let data = Fetcher::default().collect(&root)?;
    /// assert_eq!((data.certs.len(), data.ocsps.len(), data.crls.len()), (1, 0, 0));
    /// // The demo seal names no source at all: an error rather than incomplete data.
    /// let chain = parse_certificates(&std::fs::read("testdata/pki/demo.chain.pem")?)?;
    /// assert!(Fetcher::default().collect(&chain).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn collect(&self, certificates: &[Certificate]) -> Result<ValidationData> {
        let agent = http_agent(self.timeout);
        let mut known = certificates.to_vec();
        let mut data = ValidationData::default();
        let mut index = 0;
        while let Some(certificate) = known.get(index).cloned() {
            index = index.saturating_add(1);
            if index > MAX_CERTIFICATES {
                return Err(RevocationError::TooManyCertificates {
                    max: MAX_CERTIFICATES,
                }
                .into());
            }
            let der = certificate.to_der().map_err(Error::der("Certificate"))?;
            if !data.certs.contains(&der) {
                data.certs.push(der);
            }
            if self_issued(&certificate) || no_check(&certificate) {
                continue;
            }
            let issuer = issuer_of(&certificate, &known)?;
            let responder_certs = self.revocation(&agent, &certificate, &issuer, &mut data)?;
            for extra in responder_certs {
                if !known.contains(&extra) {
                    known.push(extra);
                }
            }
        }
        Ok(data)
    }

    /// Adds an OCSP response or a CRL for `certificate` to `data`; returns the OCSP
    /// responder's certificates.
    fn revocation(
        &self,
        agent: &ureq::Agent,
        certificate: &Certificate,
        issuer: &Certificate,
        data: &mut ValidationData,
    ) -> Result<Vec<Certificate>> {
        let (ocsp_urls, crl_urls) = urls(certificate);
        let mut failures = Vec::new();
        for url in &ocsp_urls {
            match self.ocsp(agent, url, certificate, issuer) {
                Ok((response, answer)) => {
                    if !data.ocsps.contains(&response) {
                        data.ocsps.push(response);
                    }
                    return Ok(answer.into_certificates());
                }
                Err(e) => failures.push(e),
            }
        }
        for url in &crl_urls {
            match self.crl(agent, url) {
                Ok(crl) => {
                    if !data.crls.contains(&crl) {
                        data.crls.push(crl);
                    }
                    return Ok(Vec::new());
                }
                Err(e) => failures.push(e),
            }
        }
        let subject = certificate.tbs_certificate().subject().to_string();
        Err(if failures.is_empty() {
            RevocationError::NoSource { subject }
        } else {
            RevocationError::AllSourcesFailed { subject, failures }
        }
        .into())
    }

    fn ocsp(
        &self,
        agent: &ureq::Agent,
        url: &str,
        certificate: &Certificate,
        issuer: &Certificate,
    ) -> Result<(Vec<u8>, ocsp::OcspResponse)> {
        let request = ocsp::request(certificate, issuer)?;
        let response = agent
            .post(url)
            .header("Content-Type", "application/ocsp-request")
            .send(&request[..])
            .map_err(|e| as_revocation(unavailable(url, self.timeout, e)))?;
        let body = read_answer(url, self.timeout, response).map_err(as_revocation)?;
        let answer = ocsp::OcspResponse::from_der(&body)?;
        if answer.status_of(certificate).is_none() {
            return Err(RevocationError::WrongCertificate {
                url: url.to_owned(),
            }
            .into());
        }
        Ok((body, answer))
    }

    fn crl(&self, agent: &ureq::Agent, url: &str) -> Result<Vec<u8>> {
        let response = agent
            .get(url)
            .call()
            .map_err(|e| as_revocation(unavailable(url, self.timeout, e)))?;
        let body = read_answer(url, self.timeout, response).map_err(as_revocation)?;
        // CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signature }; the
        // validators parse the rest (x509-cert refuses v1 CRLs, which omit the version).
        let not_crl = |source| RevocationError::NotCrl {
            url: url.to_owned(),
            source,
        };
        let crl = der::asn1::AnyRef::from_der(&body).map_err(|e| not_crl(Some(e)))?;
        if crl.tag() != der::Tag::Sequence {
            return Err(not_crl(None).into());
        }
        Ok(body)
    }
}

/// At most this many requests (OCSP responders, then CRL distribution points) for one
/// certificate while verifying.
const MAX_SOURCES_PER_CERTIFICATE: usize = 4;

/// For verification: OCSP first, then the CRL distribution points, at most
/// `MAX_SOURCES_PER_CERTIFICATE` requests, all within `timeout` together and each within this
/// fetcher's own, each answer at most 1 MiB, no redirects followed (a redirect is a failed
/// source).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use countersign::crypto::credential::parse_certificates;
/// use countersign::ltv::Fetcher;
/// use countersign::RevocationFetcher;
///
/// // The demo seal names no OCSP responder and no CRL distribution point.
/// let chain = parse_certificates(&std::fs::read("testdata/pki/demo.chain.pem")?)?;
/// let fetched = Fetcher::default().fetch(&chain[0], &chain[1], Duration::from_secs(1));
/// assert!(fetched.unwrap_err().to_string().contains("names no OCSP responder and no CRL"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl crate::verify::RevocationFetcher for Fetcher {
    fn fetch(
        &self,
        certificate: &Certificate,
        issuer: &Certificate,
        timeout: Duration,
    ) -> Result<crate::verify::FetchedRevocation> {
        use crate::verify::FetchedRevocation;
        // `timeout` bounds all of this certificate's requests together.
        let started = std::time::Instant::now();
        let (ocsp_urls, crl_urls) = urls(certificate);
        let mut failures = Vec::new();
        let sources = ocsp_urls
            .iter()
            .map(|url| (true, url))
            .chain(crl_urls.iter().map(|url| (false, url)))
            .take(MAX_SOURCES_PER_CERTIFICATE);
        for (is_ocsp, url) in sources {
            let remaining = timeout.saturating_sub(started.elapsed());
            if remaining.is_zero() {
                break;
            }
            let bounded = Fetcher {
                timeout: self.timeout.min(remaining),
            };
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .timeout_global(Some(bounded.timeout))
                .http_status_as_error(false)
                .max_redirects(0)
                .build()
                .into();
            let answer = if is_ocsp {
                bounded
                    .ocsp(&agent, url, certificate, issuer)
                    .map(|(der, _)| FetchedRevocation::Ocsp(der))
            } else {
                bounded.crl(&agent, url).map(FetchedRevocation::Crl)
            };
            match answer {
                Ok(answer) => return Ok(answer),
                Err(e) => failures.push(e),
            }
        }
        let subject = certificate.tbs_certificate().subject().to_string();
        Err(if failures.is_empty() {
            RevocationError::NoSource { subject }
        } else {
            RevocationError::AllSourcesFailed { subject, failures }
        }
        .into())
    }
}

fn as_revocation(error: Error) -> Error {
    match error {
        Error::TsaUnavailable(failure) => RevocationError::Fetch(failure).into(),
        other => other,
    }
}

fn self_issued(certificate: &Certificate) -> bool {
    let tbs = certificate.tbs_certificate();
    tbs.subject() == tbs.issuer()
}

fn no_check(certificate: &Certificate) -> bool {
    certificate
        .tbs_certificate()
        .extensions()
        .is_some_and(|extensions| {
            extensions
                .iter()
                .any(|e| e.extn_id == ocsp::ID_PKIX_OCSP_NOCHECK)
        })
}

fn issuer_of(certificate: &Certificate, known: &[Certificate]) -> Result<Certificate> {
    let issuer_name = certificate.tbs_certificate().issuer();
    known
        .iter()
        .find(|c| c.tbs_certificate().subject() == issuer_name && *c != certificate)
        .cloned()
        .ok_or_else(|| {
            RevocationError::IssuerNotEmbedded {
                subject: certificate.tbs_certificate().subject().to_string(),
            }
            .into()
        })
}

/// The OCSP responder URLs (AIA) and CRL URLs (CRL distribution points), http(s) only.
fn urls(certificate: &Certificate) -> (Vec<String>, Vec<String>) {
    let tbs = certificate.tbs_certificate();
    let mut ocsp_urls = Vec::new();
    if let Ok(Some((_, aia))) = tbs.get_extension::<AuthorityInfoAccessSyntax>() {
        for access in aia.0 {
            if access.access_method == ID_AD_OCSP {
                ocsp_urls.extend(uri(&access.access_location));
            }
        }
    }
    let mut crl_urls = Vec::new();
    if let Ok(Some((_, points))) = tbs.get_extension::<CrlDistributionPoints>() {
        for point in points.0 {
            let DistributionPoint {
                distribution_point: Some(DistributionPointName::FullName(names)),
                ..
            } = point
            else {
                continue;
            };
            crl_urls.extend(names.iter().filter_map(uri));
        }
    }
    (ocsp_urls, crl_urls)
}

fn uri(name: &GeneralName) -> Option<String> {
    match name {
        GeneralName::UniformResourceIdentifier(uri) => {
            let text = uri.as_str();
            (text.starts_with("http://") || text.starts_with("https://")).then(|| text.to_owned())
        }
        _ => None,
    }
}
