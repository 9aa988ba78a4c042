//! The seam between the service and the signing engine, so the service can be exercised with a
//! stand-in engine and a deployment can wrap the engine (metrics, a different PDF profile).

use x509_cert::Certificate;

use super::pades::{PadesLevel, SigningProfile};
use crate::crypto::CertifiedKey;
use crate::sign::SignOptions;
use crate::verify::{VerifyOptions, VerifyReport};

/// Signs and verifies PDF files.
pub trait Engine: Send + Sync {
    /// Signs at PAdES B-B.
    fn sign(&self, pdf: &[u8], key: &CertifiedKey) -> Result<Vec<u8>, crate::Error>;
    /// Signs at the organisation's configured level (the service calls this). The default serves
    /// engines that make B-B only: it refuses a higher level rather than sign below the one
    /// configured.
    fn sign_at(
        &self,
        pdf: &[u8],
        key: &CertifiedKey,
        profile: &SigningProfile,
    ) -> Result<Vec<u8>, crate::Error> {
        if profile.level > PadesLevel::BB {
            return Err(crate::error::Unsupported::PadesLevel {
                level: profile.level.as_str(),
                supported: PadesLevel::BB.as_str(),
            }
            .into());
        }
        self.sign(pdf, key)
    }
    /// Verifies trusting `trust_roots` (the service's: its organisations' CA chains and the
    /// configured roots).
    fn verify(&self, pdf: &[u8], trust_roots: &[Certificate])
        -> Result<VerifyReport, crate::Error>;
}

/// The countersign engine: [`crate::sign_pdf`] and [`crate::verify_pdf`].
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct PdfEngine {
    /// How every document is signed.
    pub sign_options: SignOptions,
    /// Base verification options; the service's trust roots are added to `trust_roots`.
    pub verify_options: VerifyOptions,
}

impl Engine for PdfEngine {
    fn sign(&self, pdf: &[u8], key: &CertifiedKey) -> Result<Vec<u8>, crate::Error> {
        crate::sign_pdf(pdf, key, &self.sign_options)
    }

    fn sign_at(
        &self,
        pdf: &[u8],
        key: &CertifiedKey,
        profile: &SigningProfile,
    ) -> Result<Vec<u8>, crate::Error> {
        profile.sign(pdf, key, &self.sign_options)
    }

    fn verify(
        &self,
        pdf: &[u8],
        trust_roots: &[Certificate],
    ) -> Result<VerifyReport, crate::Error> {
        let mut options = self.verify_options.clone();
        options.trust_roots.extend_from_slice(trust_roots);
        crate::verify_pdf(pdf, &options)
    }
}
