//! What a signature says (reason, time, algorithms, page): shared by `sign` and `batch`.

use std::time::{Duration, SystemTime};

use clap::{Args, ValueEnum};
use countersign::{DigestAlgorithm, SignOptions, SubFilter};

#[derive(Args, Clone, Debug)]
pub struct SignatureArgs {
    #[arg(long)]
    pub reason: Option<String>,
    #[arg(long)]
    pub location: Option<String>,
    #[arg(long)]
    pub contact_info: Option<String>,
    /// Signer name written in the signature dictionary.
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long, value_enum, default_value_t = SubFilterArg::Cades)]
    pub subfilter: SubFilterArg,
    #[arg(long, value_enum, default_value_t = DigestArg::Sha256)]
    pub digest: DigestArg,
    /// 1-based page that carries the invisible signature widget.
    #[arg(long, default_value_t = 1)]
    pub page: usize,
    /// Fixed signing time (Unix seconds): the output is then byte-identical across runs.
    #[arg(long)]
    pub time: Option<u64>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SubFilterArg {
    /// ETSI.CAdES.detached (PAdES)
    Cades,
    /// adbe.pkcs7.detached
    Pkcs7,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DigestArg {
    Sha256,
    Sha384,
    Sha512,
}

impl SignatureArgs {
    /// The library options these flags describe (field choice and repair left at their defaults).
    pub fn options(&self) -> Result<SignOptions, String> {
        let page_index = self.page.checked_sub(1).ok_or("--page counts from 1")?;
        Ok(SignOptions {
            subfilter: match self.subfilter {
                SubFilterArg::Cades => SubFilter::CadesDetached,
                SubFilterArg::Pkcs7 => SubFilter::Pkcs7Detached,
            },
            digest: match self.digest {
                DigestArg::Sha256 => DigestAlgorithm::Sha256,
                DigestArg::Sha384 => DigestAlgorithm::Sha384,
                DigestArg::Sha512 => DigestAlgorithm::Sha512,
            },
            signing_time: self
                .time
                .map(|t| SystemTime::UNIX_EPOCH + Duration::from_secs(t)),
            reason: self.reason.clone(),
            location: self.location.clone(),
            contact_info: self.contact_info.clone(),
            name: self.name.clone(),
            page_index,
            ..SignOptions::default()
        })
    }
}
