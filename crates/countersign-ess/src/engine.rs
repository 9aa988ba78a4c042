//! The seam between the service and the signing engine, so the service can be exercised with a
//! stand-in engine and a deployment can wrap the engine (metrics, a different PDF profile).

use x509_cert::Certificate;
use x509_cert::crl::CertificateList;

use super::pades::{PadesLevel, SigningProfile};
use countersign::crypto::CertifiedKey;
use countersign::{RevocationFetcher, SignOptions, VerifyOptions, VerifyReport};

/// How VerifyDigitFile checks revocation for one organisation: CRLs read at start and, in
/// `fetch` mode, a fetcher for what they do not cover
/// ([`ServiceConfig::verify_revocation_of`](super::ServiceConfig::verify_revocation_of) builds
/// it from the configuration).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use countersign::crypto::credential::crls_from_pem_or_der;
/// use countersign_ess::RevocationCheck;
///
/// let mut check = RevocationCheck::default(); // checks nothing
/// check.crls = crls_from_pem_or_der(&std::fs::read("testdata/pki/trust-demo-ca.crl.pem")?)?;
/// check.fetcher = Some(Arc::new(countersign::ltv::Fetcher::default()));
/// assert_eq!(check.crls.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct RevocationCheck {
    /// CRLs checked first (`verify_crls`).
    pub crls: Vec<CertificateList>,
    /// Fetches what the CRLs do not cover (`verify_revocation = "fetch"`); with it, a signer
    /// path certificate of unknown status fails verification.
    pub fetcher: Option<std::sync::Arc<dyn RevocationFetcher>>,
}

/// Signs and verifies PDF files.
///
/// # Examples
///
/// A wrapper that counts what the engine signs, for metrics; [`Service::open`](super::Service::open)
/// takes it as `Arc<dyn Engine>`.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use countersign::crypto::CertifiedKey;
/// use countersign_ess::{Engine, PdfEngine};
/// use countersign::VerifyReport;
///
/// #[derive(Default)]
/// struct Counting {
///     inner: PdfEngine,
///     signed: AtomicUsize,
/// }
///
/// impl Engine for Counting {
///     fn sign(&self, pdf: &[u8], key: &CertifiedKey) -> Result<Vec<u8>, countersign::Error> {
///         self.signed.fetch_add(1, Ordering::Relaxed);
///         self.inner.sign(pdf, key)
///     }
///     fn verify(&self, pdf: &[u8], roots: &[x509_cert::Certificate]) -> Result<VerifyReport, countersign::Error> {
///         self.inner.verify(pdf, roots)
///     }
/// }
///
/// # use countersign::crypto::credential::load_pem;
/// # use countersign::crypto::LoadOptions;
/// # let key = load_pem(
/// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
/// #     &std::fs::read("testdata/pki/demo.key.pem")?,
/// #     &LoadOptions::default(),
/// # )?;
/// let engine = Counting::default();
/// let signed = engine.sign(&std::fs::read("testdata/pdf/classic.pdf")?, &key)?;
/// assert_eq!(engine.signed.load(Ordering::Relaxed), 1);
/// // The demo chain's top certificate is what the service trusts for this organisation.
/// let roots = [key.cert_chain().last().ok_or("empty chain")?.clone()];
/// assert!(engine.verify(&signed, &roots)?.all_valid());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Engine: Send + Sync {
    /// Signs at PAdES B-B.
    ///
    /// # Examples
    ///
    /// ```
    /// # use countersign::crypto::credential::load_pem;
    /// # use countersign::crypto::LoadOptions;
    /// # let key = load_pem(
    /// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
    /// #     &std::fs::read("testdata/pki/demo.key.pem")?,
    /// #     &LoadOptions::default(),
    /// # )?;
    /// use countersign_ess::{Engine, PdfEngine};
    ///
    /// let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
    /// let signed = PdfEngine::default().sign(&pdf, &key)?;
    /// assert!(signed.starts_with(&pdf)); // an incremental update
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn sign(&self, pdf: &[u8], key: &CertifiedKey) -> Result<Vec<u8>, countersign::Error>;
    /// Signs at the organisation's configured level (the service calls this). The default serves
    /// engines that make B-B only: it refuses a higher level rather than sign below the one
    /// configured.
    ///
    /// # Examples
    ///
    /// ```
    /// # use countersign::crypto::credential::load_pem;
    /// # use countersign::crypto::LoadOptions;
    /// # let key = load_pem(
    /// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
    /// #     &std::fs::read("testdata/pki/demo.key.pem")?,
    /// #     &LoadOptions::default(),
    /// # )?;
    /// use countersign::crypto::CertifiedKey;
    /// use countersign_ess::config::PadesLevel;
    /// use countersign_ess::{Engine, PdfEngine, SigningProfile};
    /// use countersign::VerifyReport;
    ///
    /// let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
    /// let b_b = SigningProfile::default(); // level b-b, no TSA
    /// assert!(PdfEngine::default().sign_at(&pdf, &key, &b_b)?.starts_with(&pdf));
    ///
    /// // An engine that only implements `sign` refuses to sign below the configured level.
    /// struct Basic;
    /// impl Engine for Basic {
    ///     fn sign(&self, pdf: &[u8], key: &CertifiedKey) -> Result<Vec<u8>, countersign::Error> {
    ///         PdfEngine::default().sign(pdf, key)
    ///     }
    ///     fn verify(&self, pdf: &[u8], roots: &[x509_cert::Certificate]) -> Result<VerifyReport, countersign::Error> {
    ///         PdfEngine::default().verify(pdf, roots)
    ///     }
    /// }
    /// let mut b_t = SigningProfile::default();
    /// b_t.level = PadesLevel::BT;
    /// let refused = Basic.sign_at(&pdf, &key, &b_t).unwrap_err();
    /// assert!(refused.to_string().contains("b-b only"), "{refused}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn sign_at(
        &self,
        pdf: &[u8],
        key: &CertifiedKey,
        profile: &SigningProfile,
    ) -> Result<Vec<u8>, countersign::Error> {
        if profile.level > PadesLevel::BB {
            return Err(countersign::error::Unsupported::PadesLevel {
                level: profile.level.as_str(),
                supported: PadesLevel::BB.as_str(),
            }
            .into());
        }
        self.sign(pdf, key)
    }
    /// Verifies trusting `trust_roots` (the service's: its organisations' CA chains and the
    /// configured roots).
    ///
    /// # Examples
    ///
    /// ```
    /// # use countersign::crypto::credential::load_pem;
    /// # use countersign::crypto::LoadOptions;
    /// # let key = load_pem(
    /// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
    /// #     &std::fs::read("testdata/pki/demo.key.pem")?,
    /// #     &LoadOptions::default(),
    /// # )?;
    /// use countersign::crypto::credential::trust_roots_from_pem;
    /// use countersign_ess::{Engine, PdfEngine};
    ///
    /// let engine = PdfEngine::default();
    /// let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
    /// let signed = engine.sign(&pdf, &key)?;
    /// let roots = trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
    /// let report = engine.verify(&signed, &roots)?;
    /// assert!(report.all_valid());
    /// assert!(engine.verify(&pdf, &roots)?.signatures.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn verify(
        &self,
        pdf: &[u8],
        trust_roots: &[Certificate],
    ) -> Result<VerifyReport, countersign::Error>;
    /// Verifies trusting `trust_roots` and checking the signers' paths against `crls` (the
    /// service's `verify_crls`; the service calls this). The default serves engines that only
    /// implement [`Engine::verify`]: with CRLs to check it fails rather than skip them, so a
    /// revoked signer is never reported valid.
    ///
    /// # Examples
    ///
    /// ```
    /// # use countersign::crypto::credential::load_pem;
    /// # use countersign::crypto::LoadOptions;
    /// # let load = |name: &str| load_pem(
    /// #     &std::fs::read(format!("testdata/pki/{name}.chain.pem")).unwrap(),
    /// #     &std::fs::read(format!("testdata/pki/{name}.key.pem")).unwrap(),
    /// #     &LoadOptions::default(),
    /// # );
    /// use countersign::crypto::credential::{crls_from_pem_or_der, trust_roots_from_pem};
    /// use countersign_ess::{Engine, PdfEngine};
    /// use countersign::ChainStatus;
    ///
    /// let engine = PdfEngine::default();
    /// let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
    /// let roots = trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
    /// // demo-ca's CRL lists trust-revoked's certificate, not the demo seal's.
    /// let crls = crls_from_pem_or_der(&std::fs::read("testdata/pki/trust-demo-ca.crl.pem")?)?;
    /// let mut options = countersign::SignOptions::default();
    /// options.allow_invalid_certificate = true; // signing would refuse a certificate it knows revoked
    /// let revoked = countersign::sign_pdf(&pdf, &load("trust-revoked")?, &options)?;
    /// let report = engine.verify_with_crls(&revoked, &roots, &crls)?;
    /// assert!(matches!(report.signatures[0].chain, ChainStatus::Revoked(_)));
    /// let good = engine.sign(&pdf, &load("demo")?)?;
    /// assert!(engine.verify_with_crls(&good, &roots, &crls)?.all_valid());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn verify_with_crls(
        &self,
        pdf: &[u8],
        trust_roots: &[Certificate],
        crls: &[CertificateList],
    ) -> Result<VerifyReport, countersign::Error> {
        if crls.is_empty() {
            return self.verify(pdf, trust_roots);
        }
        Err(countersign::Error::invalid_option(
            "crls",
            "this engine does not check revocation; implement Engine::verify_with_crls",
        ))
    }
    /// Verifies trusting `trust_roots` with the acting organisation's revocation checks (the
    /// service calls this). The default serves engines that implement only
    /// [`Engine::verify_with_crls`]: with a fetcher it fails rather than skip the fetch.
    ///
    /// # Examples
    ///
    /// ```
    /// # use countersign::crypto::credential::load_pem;
    /// # use countersign::crypto::LoadOptions;
    /// # let key = load_pem(
    /// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
    /// #     &std::fs::read("testdata/pki/demo.key.pem")?,
    /// #     &LoadOptions::default(),
    /// # )?;
    /// use std::sync::Arc;
    /// use countersign::crypto::credential::trust_roots_from_pem;
    /// use countersign_ess::{Engine, PdfEngine, RevocationCheck};
    /// use countersign::{ChainStatus, Problem};
    ///
    /// let engine = PdfEngine::default();
    /// let signed = engine.sign(&std::fs::read("testdata/pdf/classic.pdf")?, &key)?;
    /// let roots = trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
    /// assert!(engine.verify_with_revocation(&signed, &roots, &RevocationCheck::default())?.all_valid());
    /// // Fetching: the demo seal names no OCSP responder and no CRL, so its status is unknown.
    /// let mut fetch = RevocationCheck::default();
    /// fetch.fetcher = Some(Arc::new(countersign::ltv::Fetcher::default()));
    /// let report = engine.verify_with_revocation(&signed, &roots, &fetch)?;
    /// assert!(matches!(report.signatures[0].chain, ChainStatus::Untrusted(Problem::RevocationUnknown { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn verify_with_revocation(
        &self,
        pdf: &[u8],
        trust_roots: &[Certificate],
        revocation: &RevocationCheck,
    ) -> Result<VerifyReport, countersign::Error> {
        if revocation.fetcher.is_some() {
            return Err(countersign::Error::invalid_option(
                "fetcher",
                "this engine does not fetch revocation data; implement \
                 Engine::verify_with_revocation",
            ));
        }
        self.verify_with_crls(pdf, trust_roots, &revocation.crls)
    }
}

/// The countersign engine: [`countersign::sign_pdf`] and [`countersign::verify_pdf`].
///
/// # Examples
///
/// ```
/// # use countersign::crypto::credential::load_pem;
/// # use countersign::crypto::LoadOptions;
/// # let key = load_pem(
/// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
/// #     &std::fs::read("testdata/pki/demo.key.pem")?,
/// #     &LoadOptions::default(),
/// # )?;
/// use countersign::crypto::credential::trust_roots_from_pem;
/// use countersign_ess::{Engine, PdfEngine};
///
/// let mut engine = PdfEngine::default();
/// engine.sign_options.field_name = Some("CounterSignature".into());
/// let signed = engine.sign(&std::fs::read("testdata/pdf/classic.pdf")?, &key)?;
/// let roots = trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
/// let report = engine.verify(&signed, &roots)?;
/// assert_eq!(report.signatures[0].field_name, "CounterSignature");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct PdfEngine {
    /// How every document is signed.
    pub sign_options: SignOptions,
    /// Base verification options; the service's trust roots are added to `trust_roots`.
    pub verify_options: VerifyOptions,
}

impl Engine for PdfEngine {
    fn sign(&self, pdf: &[u8], key: &CertifiedKey) -> Result<Vec<u8>, countersign::Error> {
        countersign::sign_pdf(pdf, key, &self.sign_options)
    }

    fn sign_at(
        &self,
        pdf: &[u8],
        key: &CertifiedKey,
        profile: &SigningProfile,
    ) -> Result<Vec<u8>, countersign::Error> {
        profile.sign(pdf, key, &self.sign_options)
    }

    fn verify(
        &self,
        pdf: &[u8],
        trust_roots: &[Certificate],
    ) -> Result<VerifyReport, countersign::Error> {
        self.verify_with_crls(pdf, trust_roots, &[])
    }

    fn verify_with_crls(
        &self,
        pdf: &[u8],
        trust_roots: &[Certificate],
        crls: &[CertificateList],
    ) -> Result<VerifyReport, countersign::Error> {
        let mut options = self.verify_options.clone();
        options.trust_roots.extend_from_slice(trust_roots);
        options.crls.extend_from_slice(crls);
        countersign::verify_pdf(pdf, &options)
    }

    fn verify_with_revocation(
        &self,
        pdf: &[u8],
        trust_roots: &[Certificate],
        revocation: &RevocationCheck,
    ) -> Result<VerifyReport, countersign::Error> {
        let mut options = self.verify_options.clone();
        options.trust_roots.extend_from_slice(trust_roots);
        options.crls.extend_from_slice(&revocation.crls);
        if revocation.fetcher.is_some() {
            options.revocation_fetcher.clone_from(&revocation.fetcher);
        }
        countersign::verify_pdf(pdf, &options)
    }
}
