//! `countersign sign IN.pdf -o OUT.pdf`

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use clap::{Args, ValueEnum};
use countersign::{sign_pdf, DigestAlgorithm, SignOptions, SubFilter};

use super::credential_args::CredentialArgs;
use super::CliResult;

#[derive(Args)]
pub struct SignArgs {
    /// The PDF to sign.
    pub input: PathBuf,
    /// Where to write the signed PDF.
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub credential: CredentialArgs,
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
    /// Name of the new signature field (default: the first free SignatureN).
    #[arg(long)]
    pub field: Option<String>,
    /// Fixed signing time (Unix seconds): the output is then byte-identical across runs.
    #[arg(long)]
    pub time: Option<u64>,
    /// Sign the first empty signature field instead of adding a new one.
    #[arg(long)]
    pub fill_empty_field: bool,
    /// Rewrite a damaged file (one without signatures) whole before signing it.
    #[arg(long)]
    pub repair: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum SubFilterArg {
    /// ETSI.CAdES.detached (PAdES)
    Cades,
    /// adbe.pkcs7.detached
    Pkcs7,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum DigestArg {
    Sha256,
    Sha384,
    Sha512,
}

impl SignArgs {
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
            field_name: self.field.clone(),
            fill_empty_field: self.fill_empty_field,
            repair: self.repair,
        })
    }
}

pub fn run(args: SignArgs) -> CliResult {
    let key = args.credential.load()?;
    let options = args.options()?;
    let input = std::fs::read(&args.input).map_err(|e| format!("{}: {e}", args.input.display()))?;
    let signed =
        sign_pdf(&input, &key, &options).map_err(|e| format!("{}: {e}", args.input.display()))?;
    write_atomically(&args.output, &signed)?;
    eprintln!(
        "signed {} -> {} ({} bytes)",
        args.input.display(),
        args.output.display(),
        signed.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes to a temporary file beside `path`, then renames: a crash never leaves half a PDF.
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&temp, bytes)?;
    std::fs::rename(&temp, path)
}
