//! Many documents, one credential, every core (the current rayon pool: install your own pool to
//! choose the thread count).
//!
//! Each document gets its own result, in input order. A document that fails, or even panics,
//! yields its own error and never stops or affects the others.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::mpsc;

use rayon::prelude::*;

use super::durable::{self, Pending};
use super::stream::{SignedFile, write_signed};
use super::{SignOptions, contents_reservation, sign_pdf_reserving};
use crate::crypto::CertifiedKey;
use crate::error::{Error, Result};

/// Signs every document in memory; `results[i]` belongs to `pdfs[i]`.
///
/// ```
/// # let key = countersign::crypto::credential::load_pem(
/// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
/// #     &std::fs::read("testdata/pki/demo.key.pem")?,
/// #     &Default::default(),
/// # )?;
/// use countersign::{sign_batch, Error, SignOptions};
///
/// let documents = vec![std::fs::read("testdata/pdf/classic.pdf")?, b"not a PDF".to_vec()];
/// let results = sign_batch(&documents, &key, &SignOptions::default());
/// assert!(results[0].is_ok());
/// assert!(matches!(results[1], Err(Error::NotPdf(_)))); // one bad document stops nothing
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sign_batch<D>(pdfs: &[D], key: &CertifiedKey, options: &SignOptions) -> Vec<Result<Vec<u8>>>
where
    D: AsRef<[u8]> + Sync,
{
    // The /Contents reservation depends only on the key and options: computed once, it saves
    // a whole CMS encoding per document. If it fails, each document reports the error itself
    // (after its own document errors, as `sign_pdf` would).
    let reservation = contents_reservation(key, options).ok();
    on_pool(options, || {
        pdfs.par_iter()
            .map(|pdf| isolated(|| sign_pdf_reserving(pdf.as_ref(), key, options, reservation)))
            .collect()
    })
}

/// One file to sign and where its signed copy goes.
///
/// # Examples
///
/// ```
/// # let key = countersign::crypto::credential::load_pem(
/// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
/// #     &std::fs::read("testdata/pki/demo.key.pem")?,
/// #     &Default::default(),
/// # )?;
/// use countersign::{sign_files, FileJob, SignOptions};
///
/// let out = std::env::temp_dir().join(format!("countersign-doc-file-job-{}", std::process::id()));
/// std::fs::create_dir_all(&out)?;
/// let jobs: Vec<FileJob> = ["classic.pdf", "pdf20.pdf"]
///     .iter()
///     .map(|name| FileJob::new(format!("testdata/pdf/{name}"), out.join(name)))
///     .collect();
/// let results = sign_files(&jobs, &key, &SignOptions::default(), |_, _| {});
/// assert!(results.iter().all(|r| r.is_ok()));
/// assert!(jobs.iter().all(|job| job.output.exists()));
/// # std::fs::remove_dir_all(&out)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileJob {
    /// The PDF to sign.
    pub input: PathBuf,
    /// Where the signed file goes (written atomically).
    pub output: PathBuf,
}

impl FileJob {
    /// Signs `input` into `output`.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::FileJob;
    /// use std::path::Path;
    ///
    /// let job = FileJob::new("in/contract.pdf", Path::new("out").join("contract.pdf"));
    /// assert_eq!(job.input, Path::new("in/contract.pdf"));
    /// assert_eq!(job.output, Path::new("out/contract.pdf"));
    /// ```
    pub fn new(input: impl Into<PathBuf>, output: impl Into<PathBuf>) -> Self {
        Self {
            input: input.into(),
            output: output.into(),
        }
    }
}

/// Signs files on disk with [`sign_file`](super::stream::sign_file) (memory independent of file
/// sizes); `results[i]` belongs to `jobs[i]`. `on_done(i, &result)` is called as each job
/// finishes — once its output is durable under its final name, or it failed — from the one thread
/// that commits outputs: progress reporting without a dependency here.
///
/// Outputs are as durable as [`sign_file`](super::stream::sign_file)'s (none is visible under
/// its final name before its data is on disk), but the flushes are shared: while the workers
/// sign, a committer thread gathers what they write for 20 ms, flushes it together, renames it
/// into place and flushes each output folder once. On Linux 5.8 and later, on ext4, XFS, Btrfs
/// and F2FS, one `syncfs` flushes a group (it reports any write-back error on the output's file
/// system since the batch began; after one, that folder's outputs are flushed file by file, which
/// says which file failed). So a batch also waits for other programs' unwritten data on the same
/// file system. Elsewhere (and
/// on overlayfs, network or FUSE file systems), up to 32 file flushes are in flight at once. Each
/// output keeps its descriptor until its commit, so up to 384 files of the batch are open at once
/// besides the inputs being read (fewer under a lower limit of open files). An input that is not
/// a regular file (a FIFO, a device, a folder) is that job's error, found without waiting on it;
/// so is an output an earlier job already writes.
///
/// ```
/// # let key = countersign::crypto::credential::load_pem(
/// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
/// #     &std::fs::read("testdata/pki/demo.key.pem")?,
/// #     &Default::default(),
/// # )?;
/// use countersign::{sign_files, FileJob, SignOptions};
///
/// let out = std::env::temp_dir().join(format!("countersign-doc-files-{}", std::process::id()));
/// std::fs::create_dir_all(&out)?;
/// let jobs = vec![FileJob::new("testdata/pdf/classic.pdf", out.join("classic.pdf"))];
/// let results = sign_files(&jobs, &key, &SignOptions::default(), |i, result| {
///     eprintln!("{}: {}", jobs[i].input.display(), if result.is_ok() { "signed" } else { "refused" });
/// });
/// let input_len = std::fs::metadata("testdata/pdf/classic.pdf")?.len();
/// assert_eq!(results[0].as_ref().ok().map(|signed| signed.input_len), Some(input_len));
/// # std::fs::remove_dir_all(&out)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sign_files<F>(
    jobs: &[FileJob],
    key: &CertifiedKey,
    options: &SignOptions,
    on_done: F,
) -> Vec<Result<SignedFile>>
where
    F: Fn(usize, &Result<SignedFile>) + Sync,
{
    let reservation = contents_reservation(key, options).ok();
    // Bounded: each output waiting for its commit holds a descriptor (see `durable`), so workers
    // that outrun the committer wait instead of opening files without end.
    let budget = durable::waiting_outputs_budget();
    let waiting = (budget / 3).max(1);
    let group_limit = budget.saturating_sub(waiting).max(1);
    let (written, arriving) = mpsc::sync_channel::<Written>(waiting);
    // Before any output is written: see `OutputFolders`.
    let folders = durable::OutputFolders::open(jobs.iter().map(|job| job.output.as_path()));
    std::thread::scope(|scope| {
        let on_done = &on_done;
        let committer = scope.spawn(move || {
            commit_as_they_come(&arriving, folders, group_limit, jobs.len(), on_done)
        });
        let repeated = repeated_outputs(jobs);
        on_pool(options, || {
            jobs.par_iter()
                .enumerate()
                .for_each_with(written, |written, (index, job)| {
                    let result = if repeated.contains(&index) {
                        Err(Error::invalid_option(
                            "output",
                            format!("{}: an earlier job writes it", job.output.display()),
                        ))
                    } else {
                        isolated(|| {
                            write_signed(&job.input, &job.output, key, options, reservation)
                        })
                    };
                    let output = result.map(|(signed, temp)| (signed, temp.written()));
                    // Fails only if the committer is gone (it panicked): the output is then
                    // dropped, which removes its temporary file.
                    let _ = written.send((index, output));
                });
        });
        committer
            .join()
            .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
    })
}

/// The jobs whose output an earlier job already writes (as spelled: both would be reported
/// signed while the file holds one of them).
fn repeated_outputs(jobs: &[FileJob]) -> std::collections::HashSet<usize> {
    let mut seen = std::collections::HashSet::new();
    jobs.iter()
        .enumerate()
        .filter(|(_, job)| !seen.insert(job.output.as_path()))
        .map(|(index, _)| index)
        .collect()
}

/// One job's signed output waiting for its commit, or the job's error.
type Written = (usize, Result<(SignedFile, Pending)>);

/// How long the committer gathers outputs before flushing them together. Each flush costs the
/// device a cache flush and the kernel a pass over the file system, whatever it covers: gathering
/// for a few milliseconds makes ~50 flushes of 1,000 small documents instead of ~500 (measured
/// here: groups formed of whatever had arrived held 2 outputs each), and delays each output by
/// less than that.
const GATHERING: std::time::Duration = std::time::Duration::from_millis(20);

/// How often the committer looks for new outputs while gathering (and so the longest a batch
/// waits after its last document before committing it).
const GATHERING_POLL: std::time::Duration = std::time::Duration::from_millis(2);

/// Commits outputs in groups: whatever arrives within [`GATHERING`] of a group's first output
/// (or until every job has finished) is flushed and renamed together.
fn commit_as_they_come<F>(
    arriving: &mpsc::Receiver<Written>,
    mut folders: durable::OutputFolders,
    group_limit: usize,
    count: usize,
    on_done: &F,
) -> Vec<Result<SignedFile>>
where
    F: Fn(usize, &Result<SignedFile>),
{
    let mut results: Vec<Option<Result<SignedFile>>> = (0..count).map(|_| None).collect();
    let flush_pool = durable::FlushPool::new(count);
    while let Ok(first) = arriving.recv() {
        let mut done: Vec<(usize, SignedFile)> = Vec::new();
        let mut pending: Vec<Pending> = Vec::new();
        for (index, written) in gather(first, arriving, group_limit) {
            match written {
                Ok((signed, output)) => {
                    done.push((index, signed));
                    pending.push(output);
                }
                Err(error) => finish(&mut results, on_done, index, Err(error)),
            }
        }
        let committed = durable::commit_group(pending, &mut folders, &flush_pool);
        for ((index, signed), committed) in done.into_iter().zip(committed) {
            finish(&mut results, on_done, index, committed.map(|()| signed));
        }
    }
    results
        .into_iter()
        .map(|result| {
            result.unwrap_or_else(|| Err(Error::Panicked("the job ended without a result".into())))
        })
        .collect()
}

/// `first` and what arrives after it within [`GATHERING`], up to `limit` outputs (each holds a
/// descriptor until its commit: the batch's budget, see `durable::waiting_outputs_budget`, is
/// shared between the queue and the group).
///
/// The committer looks every [`GATHERING_POLL`] instead of waiting on the channel: a waiting
/// receiver is woken by every output sent, two context switches per document for nothing.
fn gather(first: Written, arriving: &mpsc::Receiver<Written>, limit: usize) -> Vec<Written> {
    let started = std::time::Instant::now();
    let mut group = vec![first];
    loop {
        match arriving.try_recv() {
            Ok(written) => {
                group.push(written);
                if group.len() >= limit {
                    break;
                }
            }
            // Every job has finished: nothing more to wait for.
            Err(mpsc::TryRecvError::Disconnected) => break,
            Err(mpsc::TryRecvError::Empty) => {
                if started.elapsed() >= GATHERING {
                    break;
                }
                std::thread::sleep(GATHERING_POLL);
            }
        }
    }
    group
}

fn finish<F>(
    results: &mut [Option<Result<SignedFile>>],
    on_done: &F,
    index: usize,
    result: Result<SignedFile>,
) where
    F: Fn(usize, &Result<SignedFile>),
{
    on_done(index, &result);
    if let Some(slot) = results.get_mut(index) {
        *slot = Some(result);
    }
}

/// Documents in flight while timestamping: a TSA round trip is mostly waiting, so many
/// tokens are fetched at once instead of one per core.
pub const TIMESTAMP_PARALLELISM: usize = 32;

/// Runs `work` on the current pool, or, when timestamping, on a pool wide enough to keep
/// [`TIMESTAMP_PARALLELISM`] requests to the TSA in flight.
fn on_pool<T: Send>(options: &SignOptions, work: impl FnOnce() -> T + Send) -> T {
    if options.timestamp.is_none() {
        return work();
    }
    let threads = rayon::current_num_threads().max(TIMESTAMP_PARALLELISM);
    match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    }
}

/// The last line of defence between documents: a panic in one becomes its error.
///
/// Unwind safety holds because nothing mutable is shared between documents: each owns its
/// parse state and output, and the key is only read. (With `panic = "abort"` there is nothing
/// to catch.)
fn isolated<T>(work: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic payload".to_owned());
        Err(Error::Panicked(message))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_that_documents_error() {
        let result: Result<()> = isolated(|| panic!("boom"));
        assert!(matches!(result, Err(Error::Panicked(m)) if m == "boom"));
        let formatted: Result<()> = isolated(|| panic!("code {}", 7));
        assert!(matches!(formatted, Err(Error::Panicked(m)) if m == "code 7"));
    }
}
