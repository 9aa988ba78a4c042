//! Revocation data fetched while verifying: the hook a verifier calls for each certificate of a
//! trusted path ([`RevocationFetcher`]), and the per-verification bounds on it ([`FetchBudget`]).

use std::cell::RefCell;
use std::time::{Duration, Instant};

use der::Encode;
use x509_cert::Certificate;

/// Revocation data for one certificate, as a source answered it.
///
/// # Examples
///
/// ```
/// use countersign::FetchedRevocation;
///
/// let crl = FetchedRevocation::Crl(std::fs::read("testdata/pki/tsa-ca.crl")?);
/// assert!(matches!(crl, FetchedRevocation::Crl(ref der) if der.starts_with(&[0x30])));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FetchedRevocation {
    /// A DER OCSPResponse.
    Ocsp(Vec<u8>),
    /// A DER CertificateList.
    Crl(Vec<u8>),
}

/// Gets revocation data for a certificate while a signature is verified
/// ([`VerifyOptions::revocation_fetcher`](crate::VerifyOptions::revocation_fetcher)). The
/// verifier calls it only for certificates of a path it has already built to a configured trust
/// root, for a signature that verifies, and at most as often as the [`FetchBudget`] allows; it
/// checks every answer itself (an OCSP response must be signed by the issuer or its delegated
/// responder, a CRL by the issuer). With feature `tsa`, [`ltv::Fetcher`](crate::ltv::Fetcher)
/// implements it over HTTP (OCSP first, then the CRL distribution point). `RefUnwindSafe` keeps
/// [`VerifyOptions`](crate::VerifyOptions) usable under `catch_unwind`.
///
/// # Examples
///
/// A fetcher that serves the test PKI's CRLs from disk (a mirror, say):
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use countersign::crypto::credential::{load_pem, trust_roots_from_pem};
/// use countersign::{sign_pdf, verify_pdf, ChainStatus, FetchedRevocation, Problem, RevocationFetcher, SignOptions, VerifyOptions};
/// use x509_cert::Certificate;
///
/// #[derive(Debug)]
/// struct Mirror;
/// impl RevocationFetcher for Mirror {
///     fn fetch(&self, _: &Certificate, issuer: &Certificate, _: Duration) -> countersign::Result<FetchedRevocation> {
///         // root-ca issued "Demo LTV CA", which issued the seals.
///         let ltv_ca = issuer.tbs_certificate().subject().to_string().contains("Demo LTV CA");
///         let name = if ltv_ca { "tsa-ca.crl" } else { "tsa-root.crl" };
///         Ok(FetchedRevocation::Crl(std::fs::read(format!("testdata/pki/{name}"))?))
///     }
/// }
/// let key = load_pem(
///     &std::fs::read("testdata/pki/tsa-revoked.chain.pem")?,
///     &std::fs::read("testdata/pki/tsa-revoked.key.pem")?,
///     &Default::default(),
/// )?;
/// let mut sign = SignOptions::default();
/// sign.allow_invalid_certificate = true; // signing would refuse a certificate it knows revoked
/// let signed = sign_pdf(&std::fs::read("testdata/pdf/classic.pdf")?, &key, &sign)?;
/// let mut options = VerifyOptions::trusting(trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?);
/// options.revocation_fetcher = Some(Arc::new(Mirror));
/// let report = verify_pdf(&signed, &options)?;
/// // tsa-ca.crl lists the seal, reason keyCompromise (1).
/// assert!(matches!(report.signatures[0].chain, ChainStatus::Revoked(Problem::Revoked { reason: Some(1), .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait RevocationFetcher: Send + Sync + std::fmt::Debug + std::panic::RefUnwindSafe {
    /// An OCSP response or CRL for `certificate`, issued by `issuer`, within `timeout`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use countersign::crypto::credential::parse_certificates;
    /// use countersign::{FetchedRevocation, RevocationFetcher};
    /// use x509_cert::Certificate;
    ///
    /// #[derive(Debug)]
    /// struct Fixed(Vec<u8>);
    /// impl RevocationFetcher for Fixed {
    ///     fn fetch(&self, _: &Certificate, _: &Certificate, _: Duration) -> countersign::Result<FetchedRevocation> {
    ///         Ok(FetchedRevocation::Crl(self.0.clone()))
    ///     }
    /// }
    /// let chain = parse_certificates(&std::fs::read("testdata/pki/tsa-signer.chain.pem")?)?;
    /// let fetcher = Fixed(std::fs::read("testdata/pki/tsa-ca.crl")?);
    /// let answer = fetcher.fetch(&chain[0], &chain[1], Duration::from_secs(1))?;
    /// assert!(matches!(answer, FetchedRevocation::Crl(_)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn fetch(
        &self,
        certificate: &Certificate,
        issuer: &Certificate,
        timeout: Duration,
    ) -> crate::Result<FetchedRevocation>;
}

/// How much one verification ([`verify_pdf`](crate::verify_pdf) call) may fetch: a file can
/// carry many signatures, each with a path, and must not make the verifier fetch without end.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use countersign::{FetchBudget, VerifyOptions};
///
/// let budget = FetchBudget::default();
/// assert_eq!((budget.max_fetches, budget.total), (8, Duration::from_secs(20)));
/// let mut options = VerifyOptions::default();
/// options.fetch_budget.max_fetches = 4;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FetchBudget {
    /// Distinct certificates whose revocation data may be fetched; a certificate seen twice (two
    /// signatures by one signer) is fetched once.
    pub max_fetches: usize,
    /// Time for all the fetches together; each fetch gets what remains of it (at most).
    pub total: Duration,
}

impl Default for FetchBudget {
    fn default() -> Self {
        Self {
            max_fetches: 8,
            total: Duration::from_secs(20),
        }
    }
}

/// A certificate (DER) and what fetching for it gave: data, or why there is none.
type Answer = (Vec<u8>, Result<FetchedRevocation, String>);

/// The fetches of one verification: answers cached by certificate, within the budget.
pub(crate) struct FetchSession<'a> {
    fetcher: &'a dyn RevocationFetcher,
    budget: FetchBudget,
    started: Instant,
    answers: RefCell<Vec<Answer>>,
}

impl std::fmt::Debug for FetchSession<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchSession")
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

impl<'a> FetchSession<'a> {
    pub(crate) fn new(fetcher: &'a dyn RevocationFetcher, budget: FetchBudget) -> Self {
        Self {
            fetcher,
            budget,
            started: Instant::now(),
            answers: RefCell::new(Vec::new()),
        }
    }

    /// The fetcher's answer for `certificate` (cached), or why there is none.
    pub(crate) fn fetch(
        &self,
        certificate: &Certificate,
        issuer: &Certificate,
    ) -> Result<FetchedRevocation, String> {
        let key = certificate
            .to_der()
            .map_err(|e| format!("the certificate cannot be encoded: {e}"))?;
        if let Some((_, answer)) = self.answers.borrow().iter().find(|(k, _)| *k == key) {
            return answer.clone();
        }
        let answer = self.fetch_within_budget(certificate, issuer);
        self.answers.borrow_mut().push((key, answer.clone()));
        answer
    }

    fn fetch_within_budget(
        &self,
        certificate: &Certificate,
        issuer: &Certificate,
    ) -> Result<FetchedRevocation, String> {
        if self.answers.borrow().len() >= self.budget.max_fetches {
            return Err(format!(
                "more than {} certificates to fetch revocation data for",
                self.budget.max_fetches
            ));
        }
        let remaining = self.budget.total.saturating_sub(self.started.elapsed());
        if remaining.is_zero() {
            return Err(format!(
                "the {:?} for fetching revocation data are spent",
                self.budget.total
            ));
        }
        self.fetcher
            .fetch(certificate, issuer, remaining)
            .map_err(|e| crate::error::with_causes(&e))
    }
}
