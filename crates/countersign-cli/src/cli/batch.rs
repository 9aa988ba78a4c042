//! `countersign batch INPUTS... -o OUTDIR`: every PDF signed on all cores with one credential.

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;
use countersign::Error;
use countersign::SignedFile;
use countersign::{FileJob, sign_files};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use super::CliResult;
use super::console::{errln, outln};
use super::credential_args::CredentialArgs;
use super::signature_args::{MdpArgs, SignatureArgs};

#[derive(Args)]
pub struct BatchArgs {
    /// PDF files, or folders whose *.pdf files are all signed (not recursive).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Folder for the signed files; each keeps its input's file name.
    #[arg(short, long)]
    pub output_dir: PathBuf,
    #[command(flatten)]
    pub credential: CredentialArgs,
    #[command(flatten)]
    pub signature: SignatureArgs,
    #[command(flatten)]
    pub mdp: MdpArgs,
    /// Worker threads (default: one per core).
    #[arg(short, long)]
    pub jobs: Option<usize>,
    /// Print the summary and every result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// One input's fate before signing: a job to run, or a refusal found while planning.
enum Planned {
    Job(usize),
    Refused(String),
}

/// One line of the report.
struct Row {
    input: PathBuf,
    output: Option<PathBuf>,
    result: Result<SignedFile, Refusal>,
}

struct Refusal {
    /// The error variant (`NotPdf`, `Encrypted`, ...) or `Input` for problems found before signing.
    kind: String,
    message: String,
}

pub fn run(args: BatchArgs) -> CliResult {
    let key = args.credential.load()?;
    let mut options = args.signature.options()?;
    args.signature.follow_key(
        countersign::digest_required_by(key.end_entity()),
        &mut options,
    )?;
    args.mdp.apply(&mut options);
    if args.signature.level()? > countersign::PadesLevel::BT {
        return Err("batch signs at b-b or b-t; run `extend` on the outputs for b-lt/b-lta".into());
    }
    std::fs::create_dir_all(&args.output_dir)
        .map_err(|e| format!("{}: {e}", args.output_dir.display()))?;
    let inputs = expand_inputs(&args.inputs)?;
    let (jobs, planned) = plan_jobs(&inputs, &args.output_dir);

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()?;
    let progress = if args.json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(jobs.len() as u64)
    };
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let results = pool.install(|| sign_files(&jobs, &key, &options, |_, _| progress.inc(1)));
    let elapsed = started.elapsed();
    progress.finish_and_clear();

    let rows = collect_rows(&inputs, &jobs, planned, results);
    let refused = rows.iter().filter(|r| r.result.is_err()).count();
    if args.json {
        outln!("{}", json_report(&rows, elapsed));
    } else {
        print_summary(&rows, elapsed);
    }
    Ok(if refused == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Files as given; folders replaced by their `*.pdf` files in name order.
fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let entries =
                std::fs::read_dir(input).map_err(|e| format!("{}: {e}", input.display()))?;
            let mut pdfs: Vec<PathBuf> = entries
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|path| path.is_file() && is_pdf_name(path))
                .collect();
            pdfs.sort();
            files.extend(pdfs);
        } else {
            files.push(input.clone());
        }
    }
    Ok(files)
}

fn is_pdf_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("pdf"))
}

/// Output names must be unique, and an input is never overwritten by its own signed copy.
fn plan_jobs(inputs: &[PathBuf], output_dir: &Path) -> (Vec<FileJob>, Vec<Planned>) {
    let mut jobs = Vec::new();
    let mut planned = Vec::with_capacity(inputs.len());
    let mut names: HashSet<OsString> = HashSet::new();
    for input in inputs {
        let Some(name) = input.file_name() else {
            planned.push(Planned::Refused("not a file name".into()));
            continue;
        };
        if !names.insert(name.to_os_string()) {
            planned.push(Planned::Refused(format!(
                "another input already writes {}",
                name.to_string_lossy()
            )));
            continue;
        }
        // A FIFO or device would block or never end; a missing file is the job's own error.
        if input.metadata().is_ok_and(|m| !m.is_file()) {
            planned.push(Planned::Refused("not a regular file".into()));
            continue;
        }
        let output = output_dir.join(name);
        if same_file(input, &output) {
            planned.push(Planned::Refused(
                "the output would overwrite the input; choose another output folder".into(),
            ));
            continue;
        }
        planned.push(Planned::Job(jobs.len()));
        jobs.push(FileJob::new(input.clone(), output));
    }
    (jobs, planned)
}

fn same_file(a: &Path, b: &Path) -> bool {
    if !b.exists() {
        return false;
    }
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn collect_rows(
    inputs: &[PathBuf],
    jobs: &[FileJob],
    planned: Vec<Planned>,
    results: Vec<countersign::Result<SignedFile>>,
) -> Vec<Row> {
    let mut results: Vec<Option<countersign::Result<SignedFile>>> =
        results.into_iter().map(Some).collect();
    inputs
        .iter()
        .zip(planned)
        .map(|(input, plan)| match plan {
            Planned::Refused(message) => Row {
                input: input.clone(),
                output: None,
                result: Err(Refusal {
                    kind: "Input".into(),
                    message,
                }),
            },
            Planned::Job(index) => Row {
                input: input.clone(),
                output: jobs.get(index).map(|job| job.output.clone()),
                result: match results.get_mut(index).and_then(Option::take) {
                    Some(Ok(signed)) => Ok(signed),
                    Some(Err(error)) => Err(refusal(&error)),
                    None => Err(Refusal {
                        kind: "Internal".into(),
                        message: "no result".into(),
                    }),
                },
            },
        })
        .collect()
}

fn refusal(error: &Error) -> Refusal {
    // The variant name, for machines: `NotPdf(..)` -> `NotPdf`.
    let debug = format!("{error:?}");
    let kind = debug
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default()
        .to_owned();
    Refusal {
        kind,
        message: countersign::error::ErrorReport::new(error).to_string(),
    }
}

fn rate(count: usize, elapsed: Duration) -> f64 {
    let seconds = elapsed.as_secs_f64();
    if seconds > 0.0 {
        count as f64 / seconds
    } else {
        0.0
    }
}

fn print_summary(rows: &[Row], elapsed: Duration) {
    let signed = rows.iter().filter(|r| r.result.is_ok()).count();
    let refused: Vec<&Row> = rows.iter().filter(|r| r.result.is_err()).collect();
    for row in &refused {
        if let Err(refusal) = &row.result {
            errln!("refused {}: {}", row.input.display(), refusal.message);
        }
    }
    errln!(
        "signed {signed}, refused {} in {:.3} s ({:.1} documents/s)",
        refused.len(),
        elapsed.as_secs_f64(),
        rate(signed, elapsed)
    );
}

fn json_report(rows: &[Row], elapsed: Duration) -> serde_json::Value {
    let signed = rows.iter().filter(|r| r.result.is_ok()).count();
    let results: Vec<serde_json::Value> = rows
        .iter()
        .map(|row| match &row.result {
            Ok(signed) => json!({
                "input": row.input.display().to_string(),
                "output": row.output.as_ref().map(|p| p.display().to_string()),
                "status": "signed",
                "bytes": signed.output_len,
                "field": signed.field_name,
            }),
            Err(refusal) => json!({
                "input": row.input.display().to_string(),
                "status": "refused",
                "error_kind": refusal.kind,
                "error": refusal.message,
            }),
        })
        .collect();
    json!({
        "signed": signed,
        "refused": rows.len() - signed,
        "seconds": elapsed.as_secs_f64(),
        "documents_per_second": rate(signed, elapsed),
        "results": results,
    })
}
