//! The CMS SignedData container (RFC 5652) in its CAdES/PAdES form (ETSI EN 319 122 / 319 142).
//! TEMPORARY stub until the cades branch lands.

use std::time::SystemTime;

use crate::crypto::{CertifiedKey, DigestAlgorithm};
use crate::error::{Error, Result};

pub struct CmsParams {
    pub digest: DigestAlgorithm,
    pub signing_time: Option<SystemTime>,
}

pub fn reserved_len(_key: &CertifiedKey, _params: &CmsParams) -> Result<usize> {
    Ok(8192)
}

pub fn build_detached(_key: &CertifiedKey, _params: &CmsParams, _digest: &[u8]) -> Result<Vec<u8>> {
    Err(Error::Cms("not yet".into()))
}
