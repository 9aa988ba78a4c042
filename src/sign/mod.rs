//! The signing pipeline: plan the update, reserve /Contents, hash the byte ranges, embed the CMS.

use std::time::SystemTime;

use crate::crypto::{CertifiedKey, DigestAlgorithm};
use crate::error::Result;

/// The `/SubFilter` of the signature dictionary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SubFilter {
    /// `/ETSI.CAdES.detached`: PAdES baseline; no signing-time attribute.
    #[default]
    CadesDetached,
    /// `/adbe.pkcs7.detached`: the legacy form; signing-time allowed.
    Pkcs7Detached,
}

/// Everything a caller can choose about one signature.
#[derive(Clone, Debug, Default)]
pub struct SignOptions {
    pub subfilter: SubFilter,
    pub digest: DigestAlgorithm,
    /// `None` signs with the current time; a fixed time makes the output byte-identical across runs.
    pub signing_time: Option<SystemTime>,
    pub reason: Option<String>,
    pub location: Option<String>,
    pub contact_info: Option<String>,
    pub name: Option<String>,
    /// 0-based index of the page that carries the invisible widget.
    pub page_index: usize,
    /// Name of the signature field; default: the first free `SignatureN`.
    pub field_name: Option<String>,
}

/// Signs `pdf` and returns the signed file; `pdf` is an exact prefix of the result.
pub fn sign_pdf(pdf: &[u8], key: &CertifiedKey, options: &SignOptions) -> Result<Vec<u8>> {
    let _ = (pdf, key, options);
    Err(crate::error::Error::Unsupported(
        "signing is not implemented yet".into(),
    ))
}
