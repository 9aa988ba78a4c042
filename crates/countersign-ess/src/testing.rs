//! Test helpers: a temporary folder and a stand-in engine.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::engine::Engine;
use countersign::crypto::CertifiedKey;
use countersign::{SignatureReport, VerifyReport};

/// A folder under the system temp dir, removed on drop.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new(label: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("countersign-{label}-{}", super::ids::random_id()));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) const FAKE_SIGNATURE: &[u8] = b"\n%fake-countersignature\n";

/// Appends a marker instead of signing; "verifies" files that end with it. Counts sign calls.
#[derive(Default)]
pub(crate) struct FakeEngine {
    pub(crate) signatures: AtomicUsize,
}

impl Engine for FakeEngine {
    fn sign(&self, pdf: &[u8], _key: &CertifiedKey) -> Result<Vec<u8>, countersign::Error> {
        if pdf.windows(9).any(|w| w == b"/Encrypt ") {
            return Err(countersign::Error::Encrypted {
                handler: "Standard".into(),
            });
        }
        if pdf.windows(8).any(|w| w == b"HSM-DOWN") {
            return Err(countersign::Error::signer("HSM unreachable"));
        }
        self.signatures.fetch_add(1, Ordering::SeqCst);
        Ok([pdf, FAKE_SIGNATURE].concat())
    }

    fn verify(
        &self,
        pdf: &[u8],
        _trust_roots: &[x509_cert::Certificate],
    ) -> Result<VerifyReport, countersign::Error> {
        let signed = pdf.ends_with(FAKE_SIGNATURE);
        Ok({
            let mut value = VerifyReport::default();
            value.signatures = signed
                .then(|| {
                    let mut value = SignatureReport::default();
                    value.byte_range_ok = true;
                    value.digest_ok = true;
                    value.signature_ok = true;
                    value.chain = countersign::ChainStatus::Trusted;
                    value.covers_whole_file = true;
                    value.signed_revision_len = pdf.len() as u64;
                    value
                })
                .into_iter()
                .collect();
            value
        })
    }
}
