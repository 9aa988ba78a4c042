//! `countersign sign IN.pdf -o OUT.pdf`

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use countersign::{SignOptions, sign_at_level, sign_file, sign_pdf};

use super::CliResult;
use super::console::errln;
use super::credential_args::CredentialArgs;
use super::deferred::{self, DeferredArgs};
use super::signature_args::{MdpArgs, SignatureArgs};
use countersign::crypto::RsaPadding;
use countersign::ltv::{Fetcher, RevocationSource};
use std::time::Duration;

#[derive(Args)]
pub struct SignArgs {
    /// The PDF to sign.
    pub input: PathBuf,
    /// Where to write the signed PDF (may be the input itself); not with `--prepare`.
    #[arg(
        short,
        long,
        required_unless_present = "prepare",
        conflicts_with = "prepare"
    )]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub credential: CredentialArgs,
    #[command(flatten)]
    pub signature: SignatureArgs,
    #[command(flatten)]
    pub mdp: MdpArgs,
    /// Name of the new signature field (default: the first free SignatureN).
    #[arg(long)]
    pub field: Option<String>,
    /// Sign the first empty signature field instead of adding a new one.
    #[arg(long)]
    pub fill_empty_field: bool,
    /// Rewrite a damaged file (one without signatures) whole before signing it.
    #[arg(long)]
    pub repair: bool,
    #[command(flatten)]
    pub deferred: DeferredArgs,
}

impl SignArgs {
    pub fn options(&self) -> Result<SignOptions, String> {
        Ok({
            let mut sign_options = self.signature.options()?;
            sign_options.field_name = self.field.clone();
            sign_options.fill_empty_field = self.fill_empty_field;
            sign_options.repair = self.repair;
            self.mdp.apply(&mut sign_options);
            sign_options
        })
    }
}

pub fn run(args: SignArgs) -> CliResult {
    if let (Some(state), Some(cert)) = (&args.deferred.prepare, &args.credential.cert) {
        let padding = if args.credential.pss {
            RsaPadding::Pss
        } else {
            RsaPadding::Pkcs1v15
        };
        return deferred::prepare(
            &args.input,
            cert,
            state,
            &args.deferred,
            &args.signature,
            args.options()?,
            padding,
        );
    }
    let output = args.output.as_deref().ok_or("-o OUT is required")?;
    if let (Some(state), Some(signature)) = (&args.deferred.complete, &args.deferred.signature) {
        let tsa = args.signature.tsa()?;
        let tsa = tsa
            .as_deref()
            .map(|tsa| tsa as &dyn countersign::timestamp::TimeStamper);
        return deferred::complete(&args.input, state, signature, output, tsa);
    }
    let key = args.credential.load()?;
    let mut options = args.options()?;
    args.signature.follow_key(
        countersign::digest_required_by(key.end_entity()),
        &mut options,
    )?;
    let level = args.signature.level()?;
    let context = |e: countersign::Error| format!("{}: {e}", args.input.display());
    let output_len = if level.has_validation_data() {
        // The DSS and document timestamp are further updates of the signed bytes: in memory.
        let input =
            std::fs::read(&args.input).map_err(|e| format!("{}: {e}", args.input.display()))?;
        let source = RevocationSource::Fetch({
            let mut fetcher = Fetcher::default();
            fetcher.timeout = Duration::from_secs(args.signature.tsa_timeout);
            fetcher
        });
        let out = sign_at_level(&input, &key, &options, level, Some(&source)).map_err(context)?;
        write_atomically(output, &out)?;
        out.len() as u64
    } else if options.repair {
        // A repair rewrites the whole file, so it works in memory.
        let input =
            std::fs::read(&args.input).map_err(|e| format!("{}: {e}", args.input.display()))?;
        let signed = sign_pdf(&input, &key, &options).map_err(context)?;
        write_atomically(output, &signed)?;
        signed.len() as u64
    } else {
        // Streams from a memory map: memory does not grow with the file.
        sign_file(&args.input, output, &key, &options)
            .map_err(context)?
            .output_len
    };
    errln!(
        "signed {} -> {} ({output_len} bytes)",
        args.input.display(),
        output.display(),
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes through the library's durable writer (exclusive temporary file, flush, rename, folder
/// flush; nothing left behind on error), with the path in the error.
pub(crate) fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> Result<(), String> {
    // The library's errors already name the file.
    countersign::write_durably(path, bytes).map_err(|e| e.to_string())
}
