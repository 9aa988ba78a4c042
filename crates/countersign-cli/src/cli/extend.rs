//! `countersign extend FILE -o OUT --tsa URL`: B-LT/B-LTA for an already signed file.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use countersign::ltv::Fetcher;
use countersign::ltv::{
    RevocationSource, ValidationData, add_validation_data_with_access, extend_with_access,
};

use super::CliResult;
use super::console::errln;
use super::sign::write_atomically;
use super::signature_args::SignatureArgs;

#[derive(Args)]
pub struct ExtendArgs {
    /// The signed PDF.
    pub input: PathBuf,
    /// Where to write the extended PDF (may be the input itself).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Offline mode: revocation data from these DER files (CRLs) instead of fetching.
    #[arg(long = "crl", value_name = "FILE")]
    pub crls: Vec<PathBuf>,
    /// Offline mode: DER OCSP responses to embed instead of fetching.
    #[arg(long = "ocsp", value_name = "FILE")]
    pub ocsps: Vec<PathBuf>,
    /// Only add the DSS (B-LT), no document timestamp.
    #[arg(long)]
    pub no_timestamp: bool,
    #[command(flatten)]
    pub signature: SignatureArgs,
}

pub fn run(args: ExtendArgs) -> CliResult {
    let input = std::fs::read(&args.input).map_err(|e| format!("{}: {e}", args.input.display()))?;
    let source = if args.crls.is_empty() && args.ocsps.is_empty() {
        RevocationSource::Fetch({
            let mut fetcher = Fetcher::default();
            fetcher.timeout = Duration::from_secs(args.signature.tsa_timeout);
            fetcher
        })
    } else {
        RevocationSource::Offline({
            let mut validation_data = ValidationData::default();
            validation_data.crls = read_all(&args.crls)?;
            validation_data.ocsps = read_all(&args.ocsps)?;
            validation_data
        })
    };
    let context = |e: countersign::Error| format!("{}: {e}", args.input.display());
    let access = args.signature.pdf_password.access()?;
    let out = if args.no_timestamp {
        add_validation_data_with_access(&input, &source, &access).map_err(context)?
    } else {
        let tsa = args
            .signature
            .tsa()?
            .ok_or("extend adds a document timestamp: give --tsa URL (or --no-timestamp)")?;
        extend_with_access(&input, &source, tsa.as_ref(), &access).map_err(context)?
    };
    write_atomically(&args.output, &out)?;
    errln!(
        "extended {} -> {} ({} bytes)",
        args.input.display(),
        args.output.display(),
        out.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn read_all(paths: &[PathBuf]) -> Result<Vec<Vec<u8>>, String> {
    paths
        .iter()
        .map(|path| std::fs::read(path).map_err(|e| format!("{}: {e}", path.display())))
        .collect()
}
