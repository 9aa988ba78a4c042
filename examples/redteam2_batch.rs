//! Red team round 2: `sign_files` with outputs spread over many folders (driven by
//! `testdata/tools/redteam2_many_folders.sh`).
//!
//! ```text
//! redteam2_batch plan N OUT_DIR        N jobs, each output in its own folder OUT_DIR/dK, inputs
//!                                      missing (every job fails at once): the time is the
//!                                      batch's bookkeeping, no signing, no writing
//! redteam2_batch sign N PDF OUT_DIR    N jobs signing PDF, each output in its own folder OUT_DIR/dK
//! ```
//!
//! Prints one line of JSON: jobs, seconds, signed, refused, first error.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use countersign::crypto::credential::load_pem;
use countersign::{FileJob, SignOptions, sign_files};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<String, Box<dyn std::error::Error>> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let key = load_pem(
        &std::fs::read(repo.join("testdata/pki/demo.chain.pem"))?,
        &std::fs::read(repo.join("testdata/pki/demo.key.pem"))?,
        &Default::default(),
    )?;
    let (count, input, out) = match args {
        [mode, n, out] if mode == "plan" => (n.parse::<usize>()?, None, Path::new(out)),
        [mode, n, pdf, out] if mode == "sign" => (n.parse::<usize>()?, Some(pdf), Path::new(out)),
        _ => return Err("usage: redteam2_batch plan N OUT_DIR | sign N PDF OUT_DIR".into()),
    };
    let jobs: Vec<FileJob> = (0..count)
        .map(|k| {
            let folder = out.join(format!("d{k}"));
            let source = match input {
                Some(pdf) => Path::new(pdf).to_path_buf(),
                None => out.join("missing-input.pdf"),
            };
            FileJob::new(source, folder.join("signed.pdf"))
        })
        .collect();
    if input.is_some() {
        for job in &jobs {
            if let Some(folder) = job.output.parent() {
                std::fs::create_dir_all(folder)?;
            }
        }
    }
    let started = Instant::now();
    let results = sign_files(&jobs, &key, &SignOptions::default(), |_, _| {});
    let seconds = started.elapsed().as_secs_f64();
    let signed = results.iter().filter(|r| r.is_ok()).count();
    let first_error = results
        .iter()
        .find_map(|r| r.as_ref().err().map(ToString::to_string))
        .unwrap_or_default();
    Ok(format!(
        r#"{{"jobs": {count}, "seconds": {seconds:.3}, "signed": {signed}, "refused": {}, "first_error": {first_error:?}}}"#,
        count - signed
    ))
}
