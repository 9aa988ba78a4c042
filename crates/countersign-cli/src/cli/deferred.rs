//! `countersign sign IN --cert chain.pem --prepare STATE` and `countersign sign IN --complete
//! STATE --signature SIG -o OUT`: deferred signing, the key signing elsewhere in between.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use countersign::crypto::RsaPadding;
use countersign::crypto::credential::parse_certificates;
use countersign::timestamp::TimeStamper;
use countersign::{DeferredSignature, SignOptions, prepare_deferred, scheme_for_certificate};

use super::CliResult;
use super::console::{errln, outln};
use super::sign::write_atomically;
use super::signature_args::SignatureArgs;

/// The two halves of deferred signing. Between them the key signs the to-be-signed bytes
/// wherever it lives (a KMS, an HSM behind a service, `openssl`).
#[derive(Args, Clone, Debug)]
pub struct DeferredArgs {
    /// Deferred signing, phase 1: prepare the signature with `--cert` only (no key), write the
    /// state to STATE and print the hex digest of the bytes to sign on stdout. Sign those bytes
    /// (`--tbs-out`; e.g. `openssl dgst -sha256 -sign key.pem`) or their digest (`--digest-out`;
    /// e.g. `openssl pkeyutl -sign -pkeyopt digest:sha256`), then run `--complete`.
    #[arg(long, value_name = "STATE", requires = "cert", conflicts_with_all = ["key", "p12", "complete"])]
    pub prepare: Option<PathBuf>,
    /// With `--prepare`: write the bytes the key signs (DER of the CMS signed attributes) here.
    #[arg(long, value_name = "FILE", requires = "prepare")]
    pub tbs_out: Option<PathBuf>,
    /// With `--prepare`: write the digest of those bytes (raw, under `--digest`) here; not for
    /// Ed25519, which signs the bytes themselves (`openssl pkeyutl -sign -rawin`).
    #[arg(long, value_name = "FILE", requires = "prepare")]
    pub digest_out: Option<PathBuf>,
    /// Deferred signing, phase 2: embed the signature in `--signature` into the signature
    /// prepared in STATE for the same input, and write `-o`. The signature is checked against
    /// the certificate first; a wrong one writes nothing. With `--tsa` (given to `--prepare`
    /// too) the signature is timestamped (PAdES B-T).
    #[arg(long, value_name = "STATE", requires_all = ["signature", "output"])]
    pub complete: Option<PathBuf>,
    /// With `--complete`: the raw signature value (RSA: modulus-sized; ECDSA: DER (r, s)).
    #[arg(long, value_name = "FILE", requires = "complete")]
    pub signature: Option<PathBuf>,
}

/// Phase 1: the state and the bytes to sign.
pub fn prepare(
    input: &Path,
    chain_pem: &Path,
    state_path: &Path,
    args: &DeferredArgs,
    signature_args: &SignatureArgs,
    mut options: SignOptions,
    rsa_padding: RsaPadding,
) -> CliResult {
    for written in [
        Some(state_path),
        args.tbs_out.as_deref(),
        args.digest_out.as_deref(),
    ]
    .into_iter()
    .flatten()
    {
        if same_file(input, written) {
            return Err(format!(
                "{}: would overwrite the document being prepared",
                written.display()
            )
            .into());
        }
    }
    let pdf = read(input, u64::MAX)?;
    let chain = parse_certificates(&read(chain_pem, MAX_CHAIN_LEN)?)?;
    let signer = chain.first().ok_or("--cert holds no certificate")?;
    signature_args.follow_key(countersign::digest_required_by(signer), &mut options)?;
    let scheme = scheme_for_certificate(signer, options.digest, rsa_padding)?;
    let prepared = prepare_deferred(&pdf, chain, scheme, &options)
        .map_err(|e| format!("{}: {e}", input.display()))?;
    write_atomically(state_path, &prepared.to_bytes()?)?;
    if let Some(path) = &args.tbs_out {
        write_atomically(path, prepared.to_be_signed())?;
    }
    let digest = prepared.to_be_signed_digest();
    if let Some(path) = &args.digest_out {
        write_atomically(path, &digest)?;
    }
    outln!("{}", hex(&digest));
    errln!(
        "prepared {} ({:?}, field {}) -> {}",
        input.display(),
        prepared.scheme(),
        prepared.field_name(),
        state_path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Phase 2: check the signature, timestamp it when `tsa` is given (PAdES B-T; the state should
/// have been prepared with `--tsa` too, which reserves room for the token), write the signed
/// file.
pub fn complete(
    input: &Path,
    state_path: &Path,
    signature: &Path,
    output: &Path,
    tsa: Option<&dyn TimeStamper>,
) -> CliResult {
    let state = read(state_path, DeferredSignature::MAX_LEN as u64)?;
    let state = DeferredSignature::from_bytes(&state)
        .map_err(|e| format!("{}: {e}", state_path.display()))?;
    let pdf = read(input, u64::MAX)?;
    let signature = read(signature, MAX_SIGNATURE_FILE_LEN)?;
    let signed = match tsa {
        Some(tsa) => state.complete_with_timestamp(&pdf, &signature, tsa),
        None => state.complete(&pdf, &signature),
    }
    .map_err(|e| format!("{}: {e}", input.display()))?;
    write_atomically(output, &signed)?;
    errln!(
        "signed {} -> {} ({} bytes)",
        input.display(),
        output.display(),
        signed.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// A signature file larger than this is refused unread (RSA-4096 signatures are 512 bytes).
const MAX_SIGNATURE_FILE_LEN: u64 = 64 << 10;
/// A certificate chain file larger than this is refused unread.
const MAX_CHAIN_LEN: u64 = 16 << 20;

/// Reads a regular file of at most `max` bytes: a FIFO, a device (`/dev/zero`) or a file over
/// the bound is refused before anything is read.
fn read(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let fail = |e: std::io::Error| format!("{}: {e}", path.display());
    // Looked at before it is opened: opening a FIFO waits for a writer.
    if !std::fs::metadata(path).map_err(fail)?.is_file() {
        return Err(format!("{}: not a regular file", path.display()));
    }
    let file = std::fs::File::open(path).map_err(fail)?;
    let metadata = file.metadata().map_err(fail)?;
    if !metadata.is_file() {
        return Err(format!("{}: not a regular file", path.display()));
    }
    if metadata.len() > max {
        return Err(format!(
            "{}: {} bytes, more than the {max} this file may have",
            path.display(),
            metadata.len()
        ));
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(file, max), &mut bytes).map_err(fail)?;
    Ok(bytes)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
