//! The physical limit of batch signing, and what the library call reaches, in one run (for
//! `scripts/batch_limit.sh`, which puts the CLI beside them):
//!
//! ```text
//! batch_limit files DIR OUT_DIR BACKEND THREADS   limit and sign_files on DIR/*.pdf
//! batch_limit file PDF OUT_DIR BACKEND            SHA-256, SHA-256 + copy and sign_file of one file
//! ```
//!
//! The batch limit is the work nobody can avoid, run on a pool of THREADS: SHA-256 over every
//! document's bytes plus one signature per document by BACKEND (`rustcrypto` or `aws-lc`).
//! Beside it, the file work a durable file batch cannot skip either, with nothing signed: read
//! each input, write it and a 9 KB update under a temporary name, flush them (one `syncfs` on
//! Linux), rename each into place, flush the folder.
//! Each figure is the median of three runs, each writing into a folder of its own (the caller
//! empties OUT_DIR beforehand); the result is one line of JSON.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use countersign::crypto::LoadOptions;
use countersign::crypto::credential::load_pem;
use countersign::{CertifiedKey, DigestAlgorithm, FileJob, SignOptions, sign_file, sign_files};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

const RUNS: usize = 3;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("files") => files(&args[1..]),
        Some("file") => file(&args[1..]),
        _ => Err(
            "usage: batch_limit files DIR OUT_DIR BACKEND THREADS | file PDF OUT_DIR BACKEND"
                .into(),
        ),
    };
    match result {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("batch_limit: {e}");
            ExitCode::from(2)
        }
    }
}

type Outcome = Result<String, Box<dyn std::error::Error>>;

fn files(args: &[String]) -> Outcome {
    let [dir, out, backend, threads] = args else {
        return Err("files DIR OUT_DIR BACKEND THREADS".into());
    };
    let key = load_key(backend)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.parse()?)
        .build()?;
    let inputs = pdfs_in(Path::new(dir))?;
    let documents: Vec<Vec<u8>> = inputs.iter().map(std::fs::read).collect::<Result<_, _>>()?;
    let bytes: usize = documents.iter().map(Vec::len).sum();

    let signer = key
        .key()
        .choose_scheme(DigestAlgorithm::Sha256)
        .ok_or("no SHA-256 signer")?;
    let limit = median(|| {
        pool.install(|| {
            documents.par_iter().for_each(|document| {
                let digest = Sha256::digest(document);
                let _ = std::hint::black_box(signer.sign(&digest));
            })
        });
        Ok(())
    })?;

    let mut run = 0;
    let file_work = median(|| {
        run += 1;
        let out = fresh_dir(&Path::new(out).join(format!("files{run}")))?;
        Ok(pool.install(|| copy_durably(&inputs, &out))?)
    })?;

    let options = SignOptions::default();
    let library = median(|| {
        run += 1;
        let out = fresh_dir(&Path::new(out).join(format!("run{run}")))?;
        let jobs: Vec<FileJob> = inputs
            .iter()
            .map(|input| FileJob::new(input, out.join(input.file_name().unwrap_or_default())))
            .collect();
        let results = pool.install(|| sign_files(&jobs, &key, &options, |_, _| {}));
        if let Some(Err(error)) = results.into_iter().find(Result::is_err) {
            return Err(error.into());
        }
        Ok(())
    })?;
    Ok(format!(
        concat!(
            r#"{{"documents": {}, "bytes": {}, "limit_s": {:.6}, "limit_cpu_s": {:.6}, "#,
            r#""file_work_s": {:.6}, "file_work_cpu_s": {:.6}, "#,
            r#""sign_files_s": {:.6}, "sign_files_cpu_s": {:.6}}}"#
        ),
        documents.len(),
        bytes,
        limit.wall.as_secs_f64(),
        limit.cpu.as_secs_f64(),
        file_work.wall.as_secs_f64(),
        file_work.cpu.as_secs_f64(),
        library.wall.as_secs_f64(),
        library.cpu.as_secs_f64()
    ))
}

/// The bytes a signature adds to a 50 KB document here (signature dictionary with an RSA-2048
/// CMS, field, widget, updated page, AcroForm, catalog and xref).
const UPDATE_BYTES: usize = 9 * 1024;

/// Each input copied into `out` with an update-sized tail, as durably as `sign_files` writes.
fn copy_durably(inputs: &[PathBuf], out: &Path) -> std::io::Result<()> {
    let tail = vec![b'%'; UPDATE_BYTES];
    let temps: Vec<(PathBuf, PathBuf)> = inputs
        .par_iter()
        .map(|input| {
            let name = input.file_name().unwrap_or_default();
            let temp = out.join(format!(".{}.tmp", name.to_string_lossy()));
            let bytes = std::fs::read(input)?;
            let mut file = std::fs::File::create_new(&temp)?;
            file.write_all(&bytes)?;
            file.write_all(&tail)?;
            Ok((temp, out.join(name)))
        })
        .collect::<std::io::Result<_>>()?;
    flush_folder_data(out, &temps)?;
    for (temp, target) in &temps {
        std::fs::rename(temp, target)?;
    }
    std::fs::File::open(out)?.sync_all()?;
    Ok(())
}

#[cfg(target_os = "linux")]
fn flush_folder_data(out: &Path, _files: &[(PathBuf, PathBuf)]) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let folder = std::fs::File::open(out)?;
    // SAFETY: syncfs(2) takes a descriptor, which `folder` keeps open.
    match unsafe { libc::syncfs(folder.as_raw_fd()) } {
        0 => Ok(()),
        _ => Err(std::io::Error::last_os_error()),
    }
}

#[cfg(not(target_os = "linux"))]
fn flush_folder_data(_out: &Path, files: &[(PathBuf, PathBuf)]) -> std::io::Result<()> {
    files
        .par_iter()
        .try_for_each(|(temp, _)| std::fs::File::open(temp)?.sync_all())
}

fn file(args: &[String]) -> Outcome {
    let [pdf, out, backend] = args else {
        return Err("file PDF OUT_DIR BACKEND".into());
    };
    let key = load_key(backend)?;
    let sha256 = median(|| {
        // 1 MiB reads, as `sign_file` does.
        let mut reader = std::fs::File::open(pdf)?;
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; 1 << 20];
        loop {
            let read = std::io::Read::read(&mut reader, &mut buffer)?;
            if read == 0 {
                break;
            }
            hasher.update(&buffer[..read]);
        }
        std::hint::black_box(hasher.finalize());
        Ok(())
    })?;
    let mut run = 0;
    let copy = median(|| {
        run += 1;
        let out = fresh_dir(&Path::new(out).join(format!("copy{run}")))?;
        std::fs::copy(pdf, out.join("copy.pdf"))?;
        Ok(())
    })?;
    let signed = median(|| {
        run += 1;
        let out = fresh_dir(&Path::new(out).join(format!("sign{run}")))?;
        sign_file(
            Path::new(pdf),
            &out.join("signed.pdf"),
            &key,
            &SignOptions::default(),
        )?;
        Ok(())
    })?;
    Ok(format!(
        r#"{{"sha256_s": {:.6}, "copy_s": {:.6}, "sha256_plus_copy_s": {:.6}, "sign_file_s": {:.6}}}"#,
        sha256.wall.as_secs_f64(),
        copy.wall.as_secs_f64(),
        (sha256.wall + copy.wall).as_secs_f64(),
        signed.wall.as_secs_f64()
    ))
}

fn load_key(backend: &str) -> Result<CertifiedKey, Box<dyn std::error::Error>> {
    let mut options = LoadOptions::default();
    options.provider = match backend {
        "rustcrypto" => countersign::crypto::rustcrypto::default_provider(),
        #[cfg(feature = "aws-lc")]
        "aws-lc" => countersign::crypto::aws_lc::default_provider(),
        other => return Err(format!("backend {other} is not built in").into()),
    };
    Ok(load_pem(
        &std::fs::read("testdata/pki/demo.chain.pem")?,
        &std::fs::read("testdata/pki/demo.key.pem")?,
        &options,
    )?)
}

fn pdfs_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "pdf"))
        .collect();
    files.sort();
    Ok(files)
}

fn fresh_dir(dir: &Path) -> std::io::Result<PathBuf> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    Ok(dir.to_path_buf())
}

/// Wall time of the median of [`RUNS`] runs, and the CPU time (all threads, user + system) the
/// process spent in that run.
fn median(
    mut run: impl FnMut() -> Result<(), Box<dyn std::error::Error>>,
) -> Result<Timing, Box<dyn std::error::Error>> {
    let mut timings = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let cpu = process_cpu();
        let started = Instant::now();
        run()?;
        timings.push(Timing {
            wall: started.elapsed(),
            cpu: process_cpu().saturating_sub(cpu),
        });
    }
    timings.sort_by_key(|timing| timing.wall);
    Ok(timings[RUNS / 2])
}

#[derive(Clone, Copy)]
struct Timing {
    wall: Duration,
    cpu: Duration,
}

#[cfg(target_os = "linux")]
fn process_cpu() -> Duration {
    // SAFETY: getrusage(2) fills the zeroed struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return Duration::ZERO;
    }
    let time = |t: libc::timeval| {
        Duration::new(t.tv_sec.max(0) as u64, 0) + Duration::from_micros(t.tv_usec.max(0) as u64)
    };
    time(usage.ru_utime) + time(usage.ru_stime)
}

#[cfg(not(target_os = "linux"))]
fn process_cpu() -> Duration {
    Duration::ZERO
}
