//! `countersign verify FILE [--trust root.pem]`

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use countersign::crypto::credential::trust_roots_from_pem;
use countersign::verify::{ChainStatus, SignatureReport};
use countersign::{verify_pdf, VerifyOptions};

use super::CliResult;

#[derive(Args)]
pub struct VerifyArgs {
    /// The PDF to verify.
    pub input: PathBuf,
    /// PEM file with trust anchors; without it the chain is not evaluated.
    #[arg(long)]
    pub trust: Option<PathBuf>,
}

pub fn run(args: VerifyArgs) -> CliResult {
    let trust_roots = match &args.trust {
        Some(path) => trust_roots_from_pem(
            &std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?,
        )?,
        None => Vec::new(),
    };
    let pdf = std::fs::read(&args.input).map_err(|e| format!("{}: {e}", args.input.display()))?;
    let report = verify_pdf(
        &pdf,
        &VerifyOptions {
            trust_roots,
            ..VerifyOptions::default()
        },
    )?;
    if report.signatures.is_empty() {
        println!("{}: no signatures", args.input.display());
        return Ok(ExitCode::from(1));
    }
    for signature in &report.signatures {
        print_signature(signature);
    }
    Ok(if report.all_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_signature(s: &SignatureReport) {
    let verdict = if s.is_valid() { "VALID" } else { "INVALID" };
    println!("{}: {verdict}", s.field_name);
    println!("  subfilter: {}", s.subfilter);
    println!(
        "  signer: {} (serial {})",
        s.signer_subject, s.signer_serial_hex
    );
    println!("  algorithm: {}", s.signature_algorithm);
    println!(
        "  byte range: {:?} ok={} whole file={}",
        s.byte_range, s.byte_range_ok, s.covers_whole_file
    );
    println!(
        "  digest ok={} signature ok={}",
        s.digest_ok, s.signature_ok
    );
    let chain = match &s.chain {
        ChainStatus::NotChecked => "not checked".to_string(),
        ChainStatus::Trusted => "trusted".to_string(),
        ChainStatus::Untrusted(why) => format!("untrusted: {why}"),
    };
    println!("  chain: {chain}");
    for problem in &s.problems {
        println!("  problem: {problem}");
    }
}
