//! Outputs that appear under their final name only once they are on disk.
//!
//! Each output is written beside its final name and renamed into place after a flush, so a crash
//! never leaves half a PDF under the final name. One file ([`TempOutput::persist`]) pays a file
//! flush and a directory flush of its own; a batch ([`commit_group`]) flushes every file written
//! so far together (one `syncfs` per folder where that reports errors, see [`OutputFolders`]),
//! renames them all, then flushes each folder once: the same guarantee for a fraction of the
//! waits.
//!
//! A written output keeps its descriptor until its commit: a flush through it reports every
//! write-back error of the file since it was created, even one another program's flush has seen,
//! and an open file cannot be evicted from memory with its error record.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, mpsc};

use crate::error::{Error, Result};

/// A temporary file being written beside `target`; removed unless it is renamed into place.
pub(crate) struct TempOutput {
    file: File,
    names: Names,
}

/// Where a temporary file is and where it goes; the file is removed when this is dropped before
/// the rename, whatever stage the output had reached.
struct Names {
    /// The directory of both the temporary file and the target.
    dir: PathBuf,
    path: PathBuf,
    target: PathBuf,
    renamed: bool,
}

/// A written temporary file waiting for its flush and rename; removed if dropped before.
pub(crate) struct Pending {
    file: Arc<File>,
    /// The file system the file was created on (`st_dev`), if known.
    device: Option<u64>,
    names: Names,
}

/// Attempts at a free temporary name (another process may hold one by chance).
const NAME_ATTEMPTS: usize = 8;

impl TempOutput {
    pub(crate) fn create(target: &Path) -> Result<Self> {
        let dir = folder_of(target);
        if target.file_name().is_none() {
            return Err(Error::invalid_option(
                "output",
                format!("{}: not a file name", target.display()),
            ));
        }
        let mut attempt = 0;
        loop {
            let path = dir.join(temporary_name());
            match File::options().write(true).create_new(true).open(&path) {
                Ok(file) => {
                    let names = Names {
                        dir: dir.to_path_buf(),
                        path,
                        target: target.to_path_buf(),
                        renamed: false,
                    };
                    return Ok(Self { file, names });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < NAME_ATTEMPTS => {
                    attempt = attempt.saturating_add(1);
                }
                Err(e) => return Err(with_path(e, &path)),
            }
        }
    }

    pub(crate) fn file(&mut self) -> &mut File {
        &mut self.file
    }

    pub(crate) fn append(&mut self, bytes: &[u8]) -> Result<()> {
        self.file
            .write_all(bytes)
            .map_err(|e| with_path(e, &self.names.path))
    }

    /// Flushes the data to disk, then renames: without the flush a crash shortly after the
    /// rename can leave the final name pointing at an empty or partial file. Syncing the directory
    /// afterwards makes the rename itself survive a crash.
    pub(crate) fn persist(self) -> Result<()> {
        let Self { file, mut names } = self;
        flush_file(&file, &names.path)?;
        names.rename()?;
        sync_directory(&names.dir).map_err(|e| with_path(e, &names.dir))
    }

    /// The written file, not flushed: [`commit_group`] flushes many at once.
    pub(crate) fn written(self) -> Pending {
        Pending {
            device: device_of(&self.file),
            file: Arc::new(self.file),
            names: self.names,
        }
    }
}

/// Not derived from the target's name: any legal output name (up to 255 bytes) must leave room
/// for the temporary one. Not only the process ID and a counter either: in a container every run
/// has the same process ID, and a run that was killed leaves its temporary files behind.
fn temporary_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static RUN: OnceLock<(u32, u64)> = OnceLock::new();
    let (process, nonce) = RUN.get_or_init(|| {
        let mut random = [0u8; 8];
        // Without randomness the counter still separates this run's names; a clash is retried.
        let _ = getrandom::fill(&mut random);
        (std::process::id(), u64::from_le_bytes(random))
    });
    format!(
        ".countersign-{process}-{nonce:016x}-{}.tmp",
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(unix)]
fn device_of(file: &File) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    file.metadata().ok().map(|metadata| metadata.dev())
}

#[cfg(not(unix))]
fn device_of(_file: &File) -> Option<u64> {
    None
}

impl Names {
    fn rename(&mut self) -> Result<()> {
        std::fs::rename(&self.path, &self.target).map_err(|e| with_path(e, &self.target))?;
        self.renamed = true;
        Ok(())
    }
}

impl Drop for Names {
    fn drop(&mut self) {
        if !self.renamed {
            // Best effort: the error that got us here matters more than a stray temp file.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The output folders of a batch, opened before anything is written in them.
///
/// On Linux (5.8 and later) a descriptor reports, through `syncfs`, every write-back error its
/// file system has had since the descriptor was opened, whoever else has seen it: each descriptor
/// keeps its own cursor. Opened before the first output, one `syncfs` per group flushes all of the
/// group's files and says whether any write-back failed. It cannot say which file failed: after
/// an error the group, and every later one in that folder, is flushed file by file, which can.
///
/// Trusted only for an output created on the folder's own file system (a folder path switched to
/// another one mid-batch is flushed file by file), and only on file systems whose data goes
/// through their own inodes (ext4, XFS, Btrfs, F2FS): on overlayfs, as in containers, the data is
/// written back by the upper file system and `syncfs` on the overlay misses its errors.
pub(crate) struct OutputFolders {
    folders: HashMap<PathBuf, OutputFolder>,
}

struct OutputFolder {
    /// `None` where a shared flush cannot be trusted: see [`OutputFolders`], or the folder's file
    /// system reported a write-back error during the batch.
    watch: Option<Watch>,
}

struct Watch {
    folder: File,
    device: u64,
}

/// Folders opened for shared flushes at most: one descriptor each, for the whole batch. Outputs
/// in further folders are flushed file by file.
const WATCHED_FOLDERS: usize = 64;

impl OutputFolders {
    /// Opens the folders of `targets` (call before writing any of them).
    pub(crate) fn open<'a>(targets: impl IntoIterator<Item = &'a Path>) -> Self {
        let mut folders: HashMap<PathBuf, OutputFolder> = HashMap::new();
        let mut watched = 0;
        for target in targets {
            let path = folder_of(target);
            if folders.contains_key(path) {
                continue;
            }
            let watch = if watched < WATCHED_FOLDERS {
                watch(path)
            } else {
                None
            };
            watched = watched.saturating_add(usize::from(watch.is_some()));
            folders.insert(path.to_path_buf(), OutputFolder { watch });
        }
        Self { folders }
    }
}

impl OutputFolder {
    /// Flushes the folder's whole file system and gives the device whose files that covers;
    /// `None` if that is not available or any write-back failed since the folder was opened
    /// (then this folder is flushed file by file from now on).
    fn flush_shared(&mut self) -> Option<u64> {
        let watch = self.watch.as_ref()?;
        if syncfs(&watch.folder).is_ok() {
            return Some(watch.device);
        }
        self.watch = None;
        None
    }
}

/// Makes every output in `group` durable and visible: the files' data flushed together, the
/// renames, then one flush of each folder. `results[i]` belongs to
/// `group[i]`; an output whose flush failed is removed, never renamed.
pub(crate) fn commit_group(
    group: Vec<Pending>,
    folders: &mut OutputFolders,
    pool: &FlushPool,
) -> Vec<Result<()>> {
    let flushed = flush_group(&group, folders, pool);
    let renamed: Vec<Result<PathBuf>> = group
        .into_iter()
        .zip(flushed)
        .map(|(mut pending, flushed)| {
            flushed?;
            pending.names.rename()?;
            Ok(pending.names.dir.clone())
        })
        .collect();
    let mut unsynced: HashMap<PathBuf, String> = HashMap::new();
    for folder in distinct(renamed.iter().filter_map(|r| r.as_ref().ok())) {
        // By path, as the renames went: the folder the names are now in.
        if let Err(e) = sync_directory(folder) {
            let message = format!(
                "{}: flushing the folder after the rename failed, so the output is in place but its \
                 name may not survive a crash: {e}",
                folder.display()
            );
            unsynced.insert(folder.clone(), message);
        }
    }
    renamed
        .into_iter()
        .map(|result| match unsynced.get(&result?) {
            Some(message) => Err(Error::Io(io::Error::other(message.clone()))),
            None => Ok(()),
        })
        .collect()
}

/// Flushes the data of every file in `group`: one `syncfs` per watched folder for the files on
/// its file system, each other file on its own.
fn flush_group(
    group: &[Pending],
    folders: &mut OutputFolders,
    pool: &FlushPool,
) -> Vec<Result<()>> {
    // Per folder of the group: the device its shared flush covered, if it succeeded.
    let mut shared: HashMap<&Path, Option<u64>> = HashMap::new();
    for pending in group {
        let dir = pending.names.dir.as_path();
        shared.entry(dir).or_insert_with(|| {
            folders
                .folders
                .get_mut(dir)
                .and_then(OutputFolder::flush_shared)
        });
    }
    let covered = |pending: &Pending| {
        pending.device.is_some()
            && shared.get(pending.names.dir.as_path()).copied().flatten() == pending.device
    };
    let alone: Vec<&Pending> = group.iter().filter(|pending| !covered(pending)).collect();
    let mut flushed_alone = pool.flush_all(&alone).into_iter();
    group
        .iter()
        .map(|pending| {
            if covered(pending) {
                Ok(())
            } else {
                flushed_alone
                    .next()
                    .unwrap_or_else(|| Err(Error::Panicked("a flush result is missing".into())))
            }
        })
        .collect()
}

/// Each distinct item once, in first-seen order.
fn distinct<'a>(items: impl Iterator<Item = &'a PathBuf>) -> Vec<&'a PathBuf> {
    let mut seen = std::collections::HashSet::new();
    items.filter(|item| seen.insert(*item)).collect()
}

/// The folder a file is written in.
fn folder_of(target: &Path) -> &Path {
    target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Flushes of single files issued at once: a device flush is mostly waiting, and flushes in
/// flight together share it (measured here: 1,000 files of 50 KB flushed one after the other in
/// 3.3-3.9 s, 32 at a time in 0.1 s, one `syncfs` 0.04 s).
const FLUSHES_IN_FLIGHT: usize = 32;

/// Threads that wait for single-file flushes, started on first use and kept for the whole batch:
/// up to [`FLUSHES_IN_FLIGHT`], no more than there are outputs. They block on a channel between
/// groups (a rayon pool would spin).
pub(crate) struct FlushPool {
    size: usize,
    started: OnceLock<Workers>,
}

struct Workers {
    tasks: Option<mpsc::Sender<FlushTask>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

/// The position of an output in its group, its file (and name, for the error), and where the
/// outcome goes.
type FlushTask = (usize, Arc<File>, PathBuf, mpsc::Sender<(usize, Result<()>)>);

impl FlushPool {
    pub(crate) fn new(outputs: usize) -> Self {
        Self {
            size: outputs.clamp(1, FLUSHES_IN_FLIGHT),
            started: OnceLock::new(),
        }
    }

    fn workers(&self) -> &Workers {
        self.started.get_or_init(|| {
            let (tasks, receiver) = mpsc::channel::<FlushTask>();
            let receiver = Arc::new(Mutex::new(receiver));
            let threads = (0..self.size)
                .filter_map(|i| {
                    let receiver = Arc::clone(&receiver);
                    std::thread::Builder::new()
                        .name(format!("countersign-flush-{i}"))
                        .spawn(move || flush_tasks(&receiver))
                        .ok()
                })
                .collect();
            Workers {
                tasks: Some(tasks),
                threads,
            }
        })
    }

    /// Flushes every file in `outputs`, all at once; `results[i]` belongs to `outputs[i]`.
    fn flush_all(&self, outputs: &[&Pending]) -> Vec<Result<()>> {
        if outputs.is_empty() {
            return Vec::new();
        }
        let workers = self.workers();
        let mut results: Vec<Option<Result<()>>> = outputs.iter().map(|_| None).collect();
        let (reply, replies) = mpsc::channel();
        for (index, pending) in outputs.iter().enumerate() {
            let task = (
                index,
                Arc::clone(&pending.file),
                pending.names.path.clone(),
                reply.clone(),
            );
            let queued = match &workers.tasks {
                Some(tasks) if !workers.threads.is_empty() => tasks.send(task).is_ok(),
                _ => false,
            };
            if !queued && let Some(slot) = results.get_mut(index) {
                *slot = Some(flush_file(&pending.file, &pending.names.path));
            }
        }
        drop(reply);
        for (index, result) in replies {
            if let Some(slot) = results.get_mut(index) {
                *slot = Some(result);
            }
        }
        results
            .into_iter()
            .map(|result| {
                result.unwrap_or_else(|| Err(Error::Panicked("a flushing thread stopped".into())))
            })
            .collect()
    }
}

fn flush_tasks(tasks: &Mutex<mpsc::Receiver<FlushTask>>) {
    loop {
        let task = match tasks.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok((index, file, path, reply)) = task else {
            return;
        };
        let _ = reply.send((index, flush_file(&file, &path)));
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        // Closing the channel ends every thread's loop.
        self.tasks = None;
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// Through the descriptor the output was written with: see the module's comment.
fn flush_file(file: &File, path: &Path) -> Result<()> {
    file.sync_all().map_err(|e| with_path(e, path))
}

/// How many written outputs a batch may hold open while they wait for their commit: a quarter of
/// the process's limit of open files (the rest is for the files being read and written, the
/// caller's own, and the flushes), at most 384.
pub(crate) fn waiting_outputs_budget() -> usize {
    open_files_limit().map_or(384, |limit| (limit / 4).min(384))
}

#[cfg(unix)]
fn open_files_limit() -> Option<usize> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit(2) fills the struct it is given, which lives for the call.
    #[allow(unsafe_code)]
    let status = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    (status == 0).then(|| usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX))
}

#[cfg(not(unix))]
fn open_files_limit() -> Option<usize> {
    None
}

/// A descriptor of `folder` whose `syncfs` can be trusted for its outputs, if it can be.
#[cfg(target_os = "linux")]
fn watch(folder: &Path) -> Option<Watch> {
    use std::os::unix::fs::MetadataExt;
    if !shared_flush_reports_errors() {
        return None;
    }
    let folder = File::open(folder).ok()?;
    if !writes_back_its_own_data(&folder) {
        return None;
    }
    let device = folder.metadata().ok()?.dev();
    Some(Watch { folder, device })
}

#[cfg(not(target_os = "linux"))]
fn watch(_folder: &Path) -> Option<Watch> {
    None
}

/// Whether `syncfs` reports write-back errors through the descriptor's own cursor (Linux 5.8,
/// commit 735e4ae5ba28). Before, it reported only errors of the device's own buffers, so a
/// failed write of an output's data could go unnoticed.
#[cfg(target_os = "linux")]
fn shared_flush_reports_errors() -> bool {
    static REPORTS: OnceLock<bool> = OnceLock::new();
    *REPORTS.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .ok()
            .and_then(|release| kernel_version(&release))
            .is_some_and(|version| version >= (5, 8))
    })
}

/// File systems (`statfs` magic numbers) whose file data is written back through their own
/// inodes, so that a write-back error reaches their super block's error record, which `syncfs`
/// reports. Not overlayfs (the upper file system writes the data back), nor network or FUSE file
/// systems: their outputs are flushed file by file.
#[cfg(target_os = "linux")]
const WRITES_BACK_OWN_DATA: [u32; 4] = [
    0xEF53,      // ext2, ext3, ext4
    0x5846_5342, // XFS
    0x9123_683E, // Btrfs
    0xF2F5_2010, // F2FS
];

#[cfg(target_os = "linux")]
fn writes_back_its_own_data(folder: &File) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: a zeroed `statfs` is a valid value of a plain C struct, which fstatfs(2) fills;
    // `folder` keeps the descriptor open for the call.
    #[allow(unsafe_code)]
    let (status, stats) = unsafe {
        let mut stats: libc::statfs = std::mem::zeroed();
        let status = libc::fstatfs(folder.as_raw_fd(), &mut stats);
        (status, stats)
    };
    // Magic numbers are 32 bits; `f_type` is a signed or unsigned, 32- or 64-bit integer
    // depending on the C library and target (Btrfs's is negative as an i32).
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let kind = stats.f_type as u32;
    status == 0 && WRITES_BACK_OWN_DATA.contains(&kind)
}

/// `(major, minor)` of a kernel release such as `6.1.0-18-amd64`.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn kernel_version(release: &str) -> Option<(u32, u32)> {
    let mut numbers = release
        .trim()
        .split(|c: char| !c.is_ascii_digit())
        .map(str::parse::<u32>);
    Some((numbers.next()?.ok()?, numbers.next()?.ok()?))
}

#[cfg(target_os = "linux")]
fn syncfs(folder: &File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: syncfs(2) takes a descriptor and no memory; `folder` keeps it open for the call.
    #[allow(unsafe_code)]
    let status = unsafe { libc::syncfs(folder.as_raw_fd()) };
    if status == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn syncfs(_folder: &File) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Makes the directory's entries (a rename into it) durable. Only Unix lets a directory be opened
/// and synced; elsewhere the file's own flush is all that can be done.
#[cfg(unix)]
fn sync_directory(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_directory(_dir: &Path) -> io::Result<()> {
    Ok(())
}

pub(crate) fn with_path(error: io::Error, path: &Path) -> Error {
    Error::Io(io::Error::new(
        error.kind(),
        format!("{}: {error}", path.display()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("countersign-durable-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_group_appears_under_its_final_names_only_when_committed() {
        let dir = scratch("group");
        let mut pending = Vec::new();
        for i in 0..3 {
            let mut output = TempOutput::create(&dir.join(format!("{i}.pdf"))).unwrap();
            output.append(format!("document {i}").as_bytes()).unwrap();
            pending.push(output.written());
        }
        let names = || {
            let mut names: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        assert!(
            names()
                .iter()
                .all(|n| n.starts_with('.') && n.ends_with(".tmp"))
        );
        let mut folders = OutputFolders::open([dir.join("0.pdf").as_path()]);
        let results = commit_group(pending, &mut folders, &FlushPool::new(3));
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        assert_eq!(names(), ["0.pdf", "1.pdf", "2.pdf"]);
        assert_eq!(std::fs::read(dir.join("2.pdf")).unwrap(), b"document 2");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The red team's 238-255-byte output names failed with "File name too long" when the
    /// temporary name was built from them.
    #[test]
    fn the_longest_legal_output_name_is_written() {
        let dir = scratch("long-name");
        let name = format!("{}.pdf", "n".repeat(251));
        let mut output = TempOutput::create(&dir.join(&name)).unwrap();
        output.append(b"document").unwrap();
        output.persist().unwrap();
        assert_eq!(std::fs::read(dir.join(&name)).unwrap(), b"document");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn temp_files_in(dir: &Path) -> usize {
        std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".tmp")
            })
            .count()
    }

    fn watch_of<'a>(folders: &'a mut OutputFolders, dir: &Path) -> &'a mut Watch {
        folders
            .folders
            .get_mut(dir)
            .unwrap()
            .watch
            .as_mut()
            .unwrap()
    }

    fn written(dir: &Path, names: &[&str]) -> Vec<Pending> {
        names
            .iter()
            .map(|name| {
                let mut output = TempOutput::create(&dir.join(name)).unwrap();
                output.append(name.as_bytes()).unwrap();
                output.written()
            })
            .collect()
    }

    /// A folder watched from before its outputs were written gets one `syncfs` per group and no
    /// flush per file.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_watched_folder_is_flushed_once_per_group() {
        let dir = scratch("watched");
        let mut folders = OutputFolders::open([dir.join("a.pdf").as_path()]);
        let watched = |folders: &OutputFolders| folders.folders[&dir].watch.is_some();
        assert!(
            watched(&folders),
            "Linux 5.8+ on this file system is watched"
        );
        let pool = FlushPool::new(2);
        let results = commit_group(written(&dir, &["a.pdf", "b.pdf"]), &mut folders, &pool);
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        assert!(pool.started.get().is_none(), "no file was flushed alone");
        assert!(watched(&folders));
        assert_eq!(std::fs::read(dir.join("b.pdf")).unwrap(), b"b.pdf");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// When `syncfs` reports an error (here: the watch is an `O_PATH` descriptor, on which it
    /// fails with EBADF), which output it belongs to is unknown: the group is flushed file by
    /// file, and so is every later group in that folder.
    #[cfg(target_os = "linux")]
    #[test]
    fn after_a_failed_shared_flush_the_folder_is_flushed_file_by_file() {
        use std::os::unix::fs::OpenOptionsExt;
        let dir = scratch("shared-fails");
        let mut folders = OutputFolders::open([dir.join("a.pdf").as_path()]);
        let watch = watch_of(&mut folders, &dir);
        watch.folder = File::options()
            .read(true)
            .custom_flags(libc::O_PATH)
            .open(&dir)
            .unwrap();
        let pool = FlushPool::new(2);
        let results = commit_group(written(&dir, &["a.pdf", "b.pdf"]), &mut folders, &pool);
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        assert!(pool.started.get().is_some(), "each file was flushed alone");
        assert!(
            folders.folders[&dir].watch.is_none(),
            "no shared flush any more"
        );
        let results = commit_group(written(&dir, &["c.pdf"]), &mut folders, &pool);
        assert!(results[0].is_ok());
        assert_eq!(std::fs::read(dir.join("c.pdf")).unwrap(), b"c.pdf");
        assert_eq!(temp_files_in(&dir), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// An output whose temporary file was removed behind the committer's back (its flush still
    /// succeeds through the descriptor it keeps; the rename fails) is that output's error only,
    /// and nothing appears under its final name.
    #[test]
    fn an_output_whose_temporary_file_vanished_is_its_own_error() {
        let dir = scratch("flush-fails");
        let mut folders = OutputFolders::open([]);
        let group = written(&dir, &["gone.pdf", "kept.pdf"]);
        std::fs::remove_file(&group[0].names.path).unwrap();
        let results = commit_group(group, &mut folders, &FlushPool::new(2));
        assert!(matches!(&results[0], Err(Error::Io(e)) if e.kind() == io::ErrorKind::NotFound));
        assert!(results[1].is_ok());
        assert!(!dir.join("gone.pdf").exists());
        assert!(dir.join("kept.pdf").is_file());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// An output that ended up on another file system than its folder's watched descriptor (the
    /// folder's path was switched mid-batch; here: a watch claiming another device) is not covered
    /// by that descriptor's `syncfs`: it is flushed alone.
    #[cfg(target_os = "linux")]
    #[test]
    fn an_output_on_another_file_system_than_its_watch_is_flushed_alone() {
        let dir = scratch("other-device");
        let mut folders = OutputFolders::open([dir.join("a.pdf").as_path()]);
        let watch = watch_of(&mut folders, &dir);
        watch.device = watch.device.wrapping_add(1);
        let pool = FlushPool::new(1);
        let results = commit_group(written(&dir, &["a.pdf"]), &mut folders, &pool);
        assert!(results[0].is_ok());
        assert!(pool.started.get().is_some(), "flushed alone");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// overlayfs (containers), network and FUSE file systems, tmpfs: `syncfs` is not trusted there.
    #[cfg(target_os = "linux")]
    #[test]
    fn only_file_systems_that_write_back_their_own_data_are_watched() {
        let shm = Path::new("/dev/shm");
        let is_tmpfs = std::fs::read_to_string("/proc/mounts")
            .unwrap()
            .lines()
            .any(|line| line.split(' ').nth(1) == Some("/dev/shm") && line.contains(" tmpfs "));
        if !is_tmpfs {
            eprintln!("skipped: /dev/shm is not a tmpfs here");
            return;
        }
        let folders = OutputFolders::open([shm.join("a.pdf").as_path()]);
        assert!(folders.folders[shm].watch.is_none());
    }

    #[test]
    fn temporary_names_differ_between_runs_of_the_same_process_id() {
        let name = temporary_name();
        let parts: Vec<&str> = name.split('-').collect();
        assert_eq!(parts[0], ".countersign");
        assert_eq!(parts[1], std::process::id().to_string());
        assert_eq!(parts[2].len(), 16, "a random run nonce: {name}");
        assert!(parts[2].chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(temporary_name(), name);
    }

    #[test]
    fn kernel_releases_are_read_as_major_and_minor() {
        assert_eq!(kernel_version("6.18.44-fc-v1300\n"), Some((6, 18)));
        assert_eq!(kernel_version("5.8.0-generic"), Some((5, 8)));
        assert_eq!(kernel_version("4.19"), Some((4, 19)));
        assert_eq!(kernel_version("5"), None);
        assert_eq!(kernel_version("linux"), None);
        assert!((5, 7) < (5, 8) && (4, 20) < (5, 8) && (6, 0) >= (5, 8));
    }

    #[test]
    fn an_output_dropped_before_its_commit_leaves_nothing() {
        let dir = scratch("dropped");
        // Dropped while being written (the signing failed after the output was created).
        let mut output = TempOutput::create(&dir.join("failed.pdf")).unwrap();
        output.append(b"partial").unwrap();
        drop(output);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        let mut output = TempOutput::create(&dir.join("a.pdf")).unwrap();
        output.append(b"partial").unwrap();
        drop(output.written());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_failed_rename_is_that_outputs_error_only() {
        let dir = scratch("rename");
        let good = TempOutput::create(&dir.join("good.pdf")).unwrap().written();
        // The target is a non-empty folder: rename(2) over it fails.
        std::fs::create_dir_all(dir.join("bad.pdf").join("inside")).unwrap();
        let bad = TempOutput::create(&dir.join("bad.pdf")).unwrap().written();
        let mut folders = OutputFolders::open([]);
        let results = commit_group(vec![good, bad], &mut folders, &FlushPool::new(2));
        assert!(results[0].is_ok());
        assert!(matches!(results[1], Err(Error::Io(_))));
        assert!(dir.join("good.pdf").is_file());
        assert_eq!(
            temp_files_in(&dir),
            0,
            "the failed output's temporary file is removed"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
