//! A revocation fetcher over files of `testdata/pki/`, for tests of fetched revocation data.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Serves `testdata/pki/<crl>` for certificates issued by Demo LTV CA and the current root CRL
/// (`tsa-root.crl`) for the others; counts its fetches.
#[derive(Debug)]
pub struct ServingCrl {
    crl: &'static str,
    fetches: AtomicUsize,
}

impl ServingCrl {
    pub fn new(crl: &'static str) -> Arc<Self> {
        Arc::new(Self {
            crl,
            fetches: AtomicUsize::new(0),
        })
    }

    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

impl countersign::RevocationFetcher for ServingCrl {
    fn fetch(
        &self,
        _: &x509_cert::Certificate,
        issuer: &x509_cert::Certificate,
        _: std::time::Duration,
    ) -> countersign::Result<countersign::FetchedRevocation> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        let ltv_ca = issuer
            .tbs_certificate()
            .subject()
            .to_string()
            .contains("Demo LTV CA");
        let name = if ltv_ca { self.crl } else { "tsa-root.crl" };
        Ok(countersign::FetchedRevocation::Crl(std::fs::read(
            super::pki_path(name),
        )?))
    }
}
