//! `countersign verify FILE [--trust root.pem]... [--crl FILE]... [--integrity-only]`

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use countersign::crypto::credential::{crls_from_pem_or_der, trust_roots_from_pem};
use countersign::{ChainStatus, SignatureReport, VerifyReport};
use countersign::{VerifyOptions, verify_pdf};
use serde_json::json;

use super::CliResult;
use super::console::{errln, outln};

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
    /// Print the report as JSON (one object with a `signatures` array) instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub pdf_password: super::pdf_password::PdfPasswordArgs,
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn run(args: VerifyArgs) -> CliResult {
    let mut options = VerifyOptions::default();
    options.document_access = args.pdf_password.access()?;
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
    if args.json {
        outln!("{:#}", json_report(&report, args.integrity_only));
        return Ok(exit_code(&report, args.integrity_only));
    }
    if report.signatures.is_empty() {
        outln!("{}: no signatures", args.input.display());
        return Ok(ExitCode::from(1));
    }
    for signature in &report.signatures {
        print_signature(signature, args.integrity_only);
    }
    Ok(verdict(&report, &options, args.integrity_only))
}

fn exit_code(report: &VerifyReport, integrity_only: bool) -> ExitCode {
    let passed = if integrity_only {
        report.all_valid_ignoring_trust()
    } else {
        report.all_valid()
    };
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn json_report(report: &VerifyReport, integrity_only: bool) -> serde_json::Value {
    let signatures: Vec<serde_json::Value> = report
        .signatures
        .iter()
        .map(|s| {
            json!({
                "field": s.field_name,
                "verdict": verdict_word(s, integrity_only),
                "subfilter": s.subfilter,
                "signer": s.signer_subject,
                "serial": s.signer_serial_hex,
                "algorithm": s.signature_algorithm,
                "byte_range": s.byte_range,
                "covers_whole_file": s.covers_whole_file,
                "signed_revision_len": s.signed_revision_len,
                "intact": s.is_intact(),
                "signature_ok": s.signature_ok,
                "trusted": s.is_trusted(),
                "certification": s.certification,
                "modifications": {
                    "level": s.modifications.level.as_str(),
                    "permitted": s.modifications.permitted,
                    "reason": s.modifications.reason,
                    "later_revisions": s.modifications.later_revisions,
                    "objects": s.modifications.objects.iter().map(ToString::to_string).collect::<Vec<_>>(),
                },
                "problems": s.problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "all_valid": report.all_valid(),
        "all_valid_ignoring_trust": report.all_valid_ignoring_trust(),
        "signatures": signatures,
    })
}

fn verdict_word(s: &SignatureReport, integrity_only: bool) -> &'static str {
    match (s.is_valid(), integrity_only && s.is_valid_ignoring_trust()) {
        (true, _) => "VALID",
        (false, true) => "INTACT (signer not checked)",
        (false, false) => "INVALID",
    }
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
    outln!("{}: {}", s.field_name, verdict_word(s, integrity_only));
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
    if let Some(p) = s.certification {
        outln!("  certification: DocMDP P={p}");
    }
    let changes = &s.modifications;
    match changes.later_revisions {
        0 => outln!("  modifications: {}", changes.level),
        later => outln!(
            "  modifications: {} ({} object(s) in {later} later revision(s){})",
            changes.level,
            changes.objects.len(),
            if changes.permitted {
                ", permitted"
            } else {
                ", NOT permitted"
            }
        ),
    }
    for problem in &s.problems {
        outln!("  problem: {problem}");
    }
}
