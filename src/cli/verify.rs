//! `countersign verify FILE [--trust root.pem]... [--crl FILE]... [--integrity-only]`

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use countersign::crypto::credential::{crls_from_pem_or_der, trust_roots_from_pem};
use countersign::{verify_pdf, VerifyOptions};
use countersign::{ChainStatus, SignatureReport, VerifyReport};

use super::console::{errln, outln};
use super::CliResult;

#[derive(Args)]
pub struct VerifyArgs {
    /// The PDF to verify.
    pub input: PathBuf,
    /// PEM file of trust anchors (repeatable). A signature is valid only when its signer's
    /// certification path ends at one of them.
    #[arg(long)]
    pub trust: Vec<PathBuf>,
    /// Certificate revocation list, PEM or DER (repeatable); checked when its issuer signed it.
    #[arg(long)]
    pub crl: Vec<PathBuf>,
    /// Check integrity only (digest and signature math) and say nothing about who signed: the
    /// explicit opt-in for verifying without trust anchors.
    #[arg(long)]
    pub integrity_only: bool,
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn run(args: VerifyArgs) -> CliResult {
    let mut options = VerifyOptions::default();
    for path in &args.trust {
        options
            .trust_roots
            .extend(trust_roots_from_pem(&read(path)?)?);
    }
    for path in &args.crl {
        options.crls.extend(crls_from_pem_or_der(&read(path)?)?);
    }
    let pdf = read(&args.input)?;
    let report = verify_pdf(&pdf, &options)?;
    if report.signatures.is_empty() {
        outln!("{}: no signatures", args.input.display());
        return Ok(ExitCode::from(1));
    }
    for signature in &report.signatures {
        print_signature(signature, args.integrity_only);
    }
    Ok(verdict(&report, &options, args.integrity_only))
}

/// Exit 0 only for what was asked: trusted validity, or integrity when explicitly chosen.
fn verdict(report: &VerifyReport, options: &VerifyOptions, integrity_only: bool) -> ExitCode {
    if integrity_only {
        outln!("integrity only: the signer's identity was not checked");
        return if report.all_valid_ignoring_trust() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        };
    }
    if options.trust_roots.is_empty() {
        errln!(
            "no trust anchors: nothing can be trusted; give --trust ROOT.pem, or \
             --integrity-only to check integrity alone"
        );
    }
    if report.all_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn print_signature(s: &SignatureReport, integrity_only: bool) {
    let verdict = match (s.is_valid(), integrity_only && s.is_valid_ignoring_trust()) {
        (true, _) => "VALID",
        (false, true) => "INTACT (signer not checked)",
        (false, false) => "INVALID",
    };
    outln!("{}: {verdict}", s.field_name);
    outln!("  subfilter: {}", s.subfilter);
    outln!(
        "  signer: {} (serial {})",
        s.signer_subject,
        s.signer_serial_hex
    );
    outln!("  algorithm: {}", s.signature_algorithm);
    outln!(
        "  byte range: {:?} ok={} whole file={}",
        s.byte_range,
        s.byte_range_ok,
        s.covers_whole_file
    );
    outln!(
        "  intact={} signature ok={} trusted={}",
        s.is_intact(),
        s.signature_ok,
        s.is_trusted()
    );
    let chain = match &s.chain {
        ChainStatus::NotChecked => "not checked (no trust anchors)".to_string(),
        ChainStatus::Trusted => "trusted".to_string(),
        ChainStatus::Untrusted(why) => format!("untrusted: {why}"),
        ChainStatus::Revoked(why) => format!("revoked: {why}"),
        other => format!("{other:?}"),
    };
    outln!("  chain: {chain}");
    for problem in &s.problems {
        outln!("  problem: {problem}");
    }
}
