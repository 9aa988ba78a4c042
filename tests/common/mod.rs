//! Helpers shared by the integration tests: include with `mod common;`.
//!
//! - [`validators`]: run qpdf, pdfsig (poppler + NSS), pyHanko and `openssl cms` on a PDF and
//!   return structured verdicts;
//! - paths into `testdata/` and a self-deleting temporary directory.

// Each test binary compiles this module and uses a different subset of it.
#![allow(dead_code, unused_imports)]

pub mod acceptance;
pub mod revocation;
pub mod servers;
pub mod softhsm;
pub mod validators;

pub use validators::{
    PdfsigReport, PdfsigSignature, PyhankoReport, PyhankoSignature, Verdict, mutool_pages,
    openssl_cms_verify, openssl_verify_chain, pdfsig_verify, pdfsig_verify_with, prefix_ok,
    pyhanko_ades, pyhanko_validate, pyhanko_validate_with, pyhanko_validate_with_crls, qpdf_check,
    qpdf_check_with_password,
};

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The workspace root (where `testdata/`, `.ci/` and `.venv/` live): the test's own crate or the
/// nearest folder above it that holds `.ci/`, so the crates under `crates/` find it too.
pub fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .find(|dir| dir.join(".ci").is_dir())
        .unwrap_or(manifest)
        .to_path_buf()
}

/// `testdata/pdf/<name>`.
pub fn pdf_path(name: &str) -> PathBuf {
    repo_root().join("testdata").join("pdf").join(name)
}

/// `testdata/pki/<name>`.
pub fn pki_path(name: &str) -> PathBuf {
    repo_root().join("testdata").join("pki").join(name)
}

/// The test PKI's only trust anchor, "Demo Root CA".
pub fn root_ca_pem() -> PathBuf {
    pki_path("root-ca.cert.pem")
}

/// Reads `testdata/pdf/<name>`.
pub fn read_pdf(name: &str) -> Vec<u8> {
    let path = pdf_path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Every committed sample PDF, sorted by name.
pub fn all_test_pdfs() -> Vec<PathBuf> {
    let dir = repo_root().join("testdata").join("pdf");
    let mut pdfs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("listing {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "pdf"))
        .collect();
    pdfs.sort();
    pdfs
}

/// A fresh directory under the system temp dir, removed (with its content) on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "countersign-{label}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("creating {}: {e}", path.display()));
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `bytes` to `<dir>/<name>` and returns the file's path.
    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path.join(name);
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
