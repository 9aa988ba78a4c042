//! Subcommands: `sign`, `verify` (and `serve` with the `server` feature).

mod batch;
mod console;
mod credential_args;
mod deferred;
mod demo;
mod extend;
mod pdf_password;
#[cfg(feature = "pkcs11")]
mod pkcs11_args;
mod serve;
mod sign;
mod signature_args;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "countersign",
    version,
    about = "Counter-sign PDF files with an organisation's CA certificate (PAdES)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign a PDF (incremental update; the input stays an exact prefix of the output).
    Sign(Box<sign::SignArgs>),
    /// Sign many PDFs on all cores with one credential (outputs keep their file names).
    Batch(Box<batch::BatchArgs>),
    /// PAdES B-LTA archive renewal: add validation data (DSS) for every signature and
    /// timestamp, then a document timestamp.
    Extend(Box<extend::ExtendArgs>),
    /// Verify every signature in a PDF.
    Verify(verify::VerifyArgs),
    /// Run the ESS API-3.0 compatible counter-signing service.
    Serve(serve::ServeArgs),
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sign(args) => sign::run(*args),
        Command::Verify(args) => verify::run(args),
        Command::Extend(args) => extend::run(*args),
        Command::Batch(args) => batch::run(*args),
        Command::Serve(args) => serve::run(args).map(|()| ExitCode::SUCCESS),
    };
    let code = match result {
        Ok(code) => code,
        Err(e) => {
            console::errln!(
                "error: {}",
                countersign::error::ErrorReport::new(e.as_ref())
            );
            ExitCode::from(2)
        }
    };
    match console::take_failure() {
        Some(failure) => {
            console::errln!("error: writing the output: {failure}");
            ExitCode::from(2)
        }
        None => code,
    }
}

pub type CliResult = Result<ExitCode, Box<dyn std::error::Error>>;
