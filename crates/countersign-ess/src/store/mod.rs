//! Durable state behind traits: metadata (files, tasks, quota, rate limits) and file bytes (blobs).
//!
//! The default implementation is [`SqliteStore`] plus [`DirBlobStore`]: SQLite (bundled, so there is
//! no server to install) is a transactional, crash-safe embedded database whose write-ahead log
//! survives `kill -9` and power loss with `synchronous=FULL`; it keeps the small, relational,
//! frequently updated records, where a task's state change and its quota charge must commit
//! together. File bytes, which can be megabytes and are written once, go to plain files written
//! atomically (unique temporary file, fsync, rename, fsync of the folder), which keeps the database
//! small and lets a restart, or another replica on the same folder, see either the whole file or none.
//!
//! Several replicas share one PostgreSQL database instead (feature `postgres`, `PostgresStore`):
//! the same tables, tasks claimed with `SELECT ... FOR UPDATE SKIP LOCKED` under a lease, and the
//! rate-limit buckets kept in the database so that the limit holds across replicas.
//!
//! Every task run is a *claim*: the attempt counter goes up and a lease (`lease_until`) is taken in
//! one statement. A task whose lease expired (its runner died) can be claimed again; one that has
//! used all its attempts is marked FAILED instead, so a task that crashes its process every time is
//! not retried forever.
//!
//! # Examples
//!
//! An upload, and the task that counter-signs it, from creation to result, on the embedded stores:
//!
//! ```
//! use countersign_ess::store::{
//!     BlobStore, ClaimPolicy, DirBlobStore, FileKind, FileRecord, FileStore, QuotaStore,
//!     SqliteStore, TaskRecord, TaskStatus, TaskStore,
//! };
//!
//! let dir = std::env::temp_dir().join(format!("store-example-{}", std::process::id()));
//! # std::fs::remove_dir_all(&dir).ok(); // a leftover of a crashed run
//! std::fs::create_dir_all(&dir)?;
//! let metadata = SqliteStore::open(&dir.join("metadata.db"))?;
//! let blobs = DirBlobStore::open(&dir.join("files"))?;
//! metadata.ensure_account("org", 10)?;
//!
//! // UploadFiles: the bytes, then the record.
//! let upload = FileRecord {
//!     id: "a1b2c3d4e5f60718".into(),
//!     organization: "org".into(),
//!     name: "contract.pdf".into(),
//!     size: 8,
//!     kind: FileKind::Upload,
//!     created_at: 100,
//!     expires_at: None,
//! };
//! blobs.put(&upload.id, b"%PDF-1.7")?;
//! metadata.insert_file(&upload)?;
//!
//! // CreateFileCounterSign: the task, charged one signature.
//! let task = TaskRecord {
//!     id: "task-1".into(),
//!     organization: "org".into(),
//!     file_id: upload.id.clone(),
//!     result_file_id: "f0e1d2c3b4a59687".into(),
//!     status: TaskStatus::Processing,
//!     error_detail: String::new(),
//!     created_at: 100,
//!     updated_at: 100,
//!     attempts: 0,
//!     lease_until: None,
//! };
//! assert!(metadata.create_task(&task)?);
//! assert_eq!(metadata.balance("org")?, Some(9));
//!
//! // A worker claims it, signs, stores the result, finishes it.
//! let policy = ClaimPolicy { lease_seconds: 60, max_attempts: 3 };
//! let run = metadata.claim_next(110, &policy)?.ok_or("nothing to run")?;
//! let signed = [blobs.get(&run.file_id)?.ok_or("upload gone")?, b"\n%signed".to_vec()].concat();
//! assert!(blobs.put_new(&run.result_file_id, &signed)?);
//! let result = FileRecord {
//!     id: run.result_file_id.clone(),
//!     name: "contract_signed.pdf".into(),
//!     size: u64::try_from(signed.len())?,
//!     kind: FileKind::Result,
//!     created_at: 120,
//!     ..upload
//! };
//! metadata.finish_task(&run.id, &result, 120)?;
//!
//! // DescribeFileCounterSignResult, then the download.
//! let done = metadata.task("task-1")?.ok_or("no task")?;
//! assert_eq!((done.status, done.attempts), (TaskStatus::Finished, 1));
//! let download = metadata.file(&done.result_file_id, 130)?.ok_or("no result")?;
//! assert_eq!(download.kind, FileKind::Result);
//! assert_eq!(blobs.get(&done.result_file_id)?, Some(signed));
//! std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod blob;
#[cfg(feature = "postgres")]
mod postgres;
pub(crate) mod private;
#[cfg(feature = "s3")]
mod s3;
pub(crate) mod s3_config;
mod sqlite;

#[cfg(feature = "postgres")]
pub use self::postgres::PostgresStore;
pub use blob::DirBlobStore;
#[cfg(feature = "s3")]
pub use s3::S3BlobStore;
pub use sqlite::SqliteStore;

use std::io::{Read, Write};

use super::error::StoreError;

/// What a file is: an uploaded input, or a counter-signed result.
///
/// # Examples
///
/// ```
/// use countersign_ess::store::{FileKind, FileStore, SqliteStore};
///
/// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
/// # std::fs::create_dir_all(&dir)?;
/// let store = SqliteStore::open(&dir.join("metadata.db"))?;
/// # let record = countersign_ess::store::FileRecord {
/// #     id: "a1b2c3d4e5f60718".into(), organization: "org".into(), name: "contract.pdf".into(),
/// #     size: 8, kind: FileKind::Upload, created_at: 100, expires_at: None,
/// # };
/// # store.insert_file(&record)?;
/// let upload = store.file("a1b2c3d4e5f60718", 100)?.ok_or("no such file")?;
/// // Only uploads may be signed; results are downloaded.
/// assert_eq!(upload.kind, FileKind::Upload);
/// assert_ne!(upload.kind, FileKind::Result);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileKind {
    /// A file uploaded with UploadFiles.
    Upload,
    /// A counter-signed result.
    Result,
}

impl FileKind {
    /// The stored form: `UPLOAD` or `RESULT`.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::FileKind;
    ///
    /// assert_eq!(FileKind::Upload.as_str(), "UPLOAD");
    /// assert_eq!(FileKind::Result.as_str(), "RESULT");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upload => "UPLOAD",
            Self::Result => "RESULT",
        }
    }

    /// Reads [`FileKind::as_str`]'s form back.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::FileKind;
    ///
    /// for kind in [FileKind::Upload, FileKind::Result] {
    ///     assert_eq!(FileKind::parse(kind.as_str())?, kind);
    /// }
    /// // Anything else is a damaged database, not a guess.
    /// assert!(FileKind::parse("upload").is_err());
    /// # Ok::<(), countersign_ess::StoreError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        match text {
            "UPLOAD" => Ok(Self::Upload),
            "RESULT" => Ok(Self::Result),
            other => Err(StoreError::Corrupt(format!("unknown file kind {other}"))),
        }
    }
}

/// Metadata of one stored file; its bytes live in the [`BlobStore`] under the same id.
///
/// # Examples
///
/// ```
/// use countersign_ess::store::{FileKind, FileRecord, FileStore, SqliteStore};
///
/// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
/// # std::fs::create_dir_all(&dir)?;
/// let store = SqliteStore::open(&dir.join("metadata.db"))?;
/// let upload = FileRecord {
///     id: "a1b2c3d4e5f60718".into(),
///     organization: "org".into(),
///     name: "contract.pdf".into(),
///     size: 8,
///     kind: FileKind::Upload,
///     created_at: 1_700_000_000,
///     expires_at: Some(1_700_003_600),
/// };
/// store.insert_file(&upload)?;
/// assert_eq!(store.file(&upload.id, 1_700_000_000)?, Some(upload.clone()));
/// // An hour later it is gone.
/// assert_eq!(store.file(&upload.id, 1_700_003_601)?, None);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRecord {
    /// The file id (`FileId` in the API).
    pub id: String,
    /// The organisation that owns the file (may read, sign, download it).
    pub organization: String,
    /// The name given at upload.
    pub name: String,
    /// Length in bytes.
    pub size: u64,
    /// Upload or result.
    pub kind: FileKind,
    /// Unix seconds of creation.
    pub created_at: i64,
    /// Unix seconds after which the file is gone; `None` keeps it.
    pub expires_at: Option<i64>,
}

/// The state of a task.
///
/// # Examples
///
/// ```
/// use countersign_ess::store::{
///     FileKind, FileRecord, QuotaStore, SqliteStore, TaskRecord, TaskStatus, TaskStore,
/// };
///
/// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
/// # std::fs::create_dir_all(&dir)?;
/// let store = SqliteStore::open(&dir.join("metadata.db"))?;
/// store.ensure_account("org", 2)?;
/// # let task = TaskRecord {
/// #     id: "task-1".into(), organization: "org".into(), file_id: "a1b2c3d4e5f60718".into(),
/// #     result_file_id: "f0e1d2c3b4a59687".into(), status: TaskStatus::Processing,
/// #     error_detail: String::new(), created_at: 100, updated_at: 100, attempts: 0, lease_until: None,
/// # };
/// # let other = TaskRecord { id: "task-2".into(), result_file_id: "0f1e2d3c4b5a6978".into(), ..task.clone() };
/// # assert!(store.create_task(&task)?);
/// # assert!(store.create_task(&other)?);
/// # let result = FileRecord {
/// #     id: "f0e1d2c3b4a59687".into(), organization: "org".into(), name: "signed.pdf".into(),
/// #     size: 8, kind: FileKind::Result, created_at: 100, expires_at: None,
/// # };
/// // A new task is PROCESSING until it is finished or failed for good.
/// assert_eq!(store.task("task-1")?.ok_or("no task")?.status, TaskStatus::Processing);
/// store.finish_task("task-1", &result, 200)?;
/// assert_eq!(store.task("task-1")?.ok_or("no task")?.status, TaskStatus::Finished);
/// store.fail_task("task-2", "not a PDF", 200)?;
/// assert_eq!(store.task("task-2")?.ok_or("no task")?.status, TaskStatus::Failed);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskStatus {
    /// Accepted, not finished yet.
    Processing,
    /// Signed: the result file exists.
    Finished,
    /// Failed for good (`error_detail` says why); the charge was refunded.
    Failed,
}

impl TaskStatus {
    /// As the API reports it.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::TaskStatus;
    ///
    /// assert_eq!(TaskStatus::Processing.as_str(), "PROCESSING");
    /// assert_eq!(TaskStatus::Finished.as_str(), "FINISHED");
    /// assert_eq!(TaskStatus::Failed.as_str(), "FAILED");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Processing => "PROCESSING",
            Self::Finished => "FINISHED",
            Self::Failed => "FAILED",
        }
    }

    /// Reads [`TaskStatus::as_str`]'s form back.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::TaskStatus;
    ///
    /// for status in [TaskStatus::Processing, TaskStatus::Finished, TaskStatus::Failed] {
    ///     assert_eq!(TaskStatus::parse(status.as_str())?, status);
    /// }
    /// assert!(TaskStatus::parse("DONE").is_err());
    /// # Ok::<(), countersign_ess::StoreError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        match text {
            "PROCESSING" => Ok(Self::Processing),
            "FINISHED" => Ok(Self::Finished),
            "FAILED" => Ok(Self::Failed),
            other => Err(StoreError::Corrupt(format!("unknown task status {other}"))),
        }
    }
}

/// One counter-signing task.
///
/// # Examples
///
/// ```
/// use countersign_ess::store::{QuotaStore, SqliteStore, TaskRecord, TaskStatus, TaskStore};
///
/// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
/// # std::fs::create_dir_all(&dir)?;
/// let store = SqliteStore::open(&dir.join("metadata.db"))?;
/// store.ensure_account("org", 5)?;
/// let task = TaskRecord {
///     id: "task-1".into(),
///     organization: "org".into(),
///     file_id: "a1b2c3d4e5f60718".into(),
///     result_file_id: "f0e1d2c3b4a59687".into(),
///     status: TaskStatus::Processing,
///     error_detail: String::new(),
///     created_at: 1_700_000_000,
///     updated_at: 1_700_000_000,
///     attempts: 0,     // nobody has run it yet
///     lease_until: None,
/// };
/// assert!(store.create_task(&task)?);
/// assert_eq!(store.task("task-1")?, Some(task));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskRecord {
    /// The task id (`SignTaskId` in the API).
    pub id: String,
    /// The organisation whose certificate signs and whose quota pays.
    pub organization: String,
    /// The file to sign.
    pub file_id: String,
    /// Derived from the task id (see [`super::ids::result_file_id`]).
    pub result_file_id: String,
    /// Where the task is.
    pub status: TaskStatus,
    /// Why the task failed; empty otherwise.
    pub error_detail: String,
    /// Unix seconds of creation.
    pub created_at: i64,
    /// Unix seconds of the last change.
    pub updated_at: i64,
    /// How many runs have been started (claims), counting the one in progress.
    pub attempts: u32,
    /// Unix seconds until which the current run owns the task; `None`: nobody runs it.
    pub lease_until: Option<i64>,
}

/// How tasks are claimed: a claim holds the task for `lease_seconds`; a task is claimed at most
/// `max_attempts` times, after which it is marked FAILED.
///
/// # Examples
///
/// ```
/// use countersign_ess::store::{
///     ClaimPolicy, QuotaStore, SqliteStore, TaskRecord, TaskStatus, TaskStore,
/// };
///
/// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
/// # std::fs::create_dir_all(&dir)?;
/// let store = SqliteStore::open(&dir.join("metadata.db"))?;
/// # store.ensure_account("org", 1)?;
/// # let task = TaskRecord {
/// #     id: "task-1".into(), organization: "org".into(), file_id: "a1b2c3d4e5f60718".into(),
/// #     result_file_id: "f0e1d2c3b4a59687".into(), status: TaskStatus::Processing,
/// #     error_detail: String::new(), created_at: 100, updated_at: 100, attempts: 0, lease_until: None,
/// # };
/// # assert!(store.create_task(&task)?);
/// let policy = ClaimPolicy { lease_seconds: 60, max_attempts: 3 };
/// let run = store.claim_task("task-1", 1_000, &policy)?.ok_or("not claimed")?;
/// assert_eq!((run.attempts, run.lease_until), (1, Some(1_060)));
/// // Held until the lease ends: nobody else claims it before.
/// assert!(store.claim_task("task-1", 1_060, &policy)?.is_none());
/// assert!(store.claim_task("task-1", 1_061, &policy)?.is_some());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClaimPolicy {
    /// Seconds a claim holds a task.
    pub lease_seconds: i64,
    /// Claims after which a task is marked FAILED.
    pub max_attempts: u32,
}

impl ClaimPolicy {
    /// What FAILED tasks that used up their attempts say.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::{
    ///     ClaimPolicy, QuotaStore, SqliteStore, TaskRecord, TaskStatus, TaskStore,
    /// };
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let store = SqliteStore::open(&dir.join("metadata.db"))?;
    /// # store.ensure_account("org", 1)?;
    /// # let task = TaskRecord {
    /// #     id: "task-1".into(), organization: "org".into(), file_id: "a1b2c3d4e5f60718".into(),
    /// #     result_file_id: "f0e1d2c3b4a59687".into(), status: TaskStatus::Processing,
    /// #     error_detail: String::new(), created_at: 100, updated_at: 100, attempts: 0, lease_until: None,
    /// # };
    /// # assert!(store.create_task(&task)?);
    /// let policy = ClaimPolicy { lease_seconds: 60, max_attempts: 1 };
    /// assert!(store.claim_task("task-1", 1_000, &policy)?.is_some());
    /// // Its runner died and the lease ran out: the one attempt is used, the task is given up.
    /// assert!(store.claim_task("task-1", 2_000, &policy)?.is_none());
    /// let given_up = store.task("task-1")?.ok_or("no task")?;
    /// assert_eq!(given_up.status, TaskStatus::Failed);
    /// assert_eq!(given_up.error_detail, policy.exhausted_detail());
    /// assert_eq!(
    ///     policy.exhausted_detail(),
    ///     "abandoned after 1 attempt: the process running it stopped each time"
    /// );
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn exhausted_detail(&self) -> String {
        let attempts = match self.max_attempts {
            1 => "1 attempt".to_string(),
            n => format!("{n} attempts"),
        };
        format!("abandoned after {attempts}: the process running it stopped each time")
    }
}

/// File metadata.
///
/// # Examples
///
/// ```
/// use countersign_ess::store::{FileKind, FileRecord, FileStore, SqliteStore};
///
/// /// Whether `organization` may read file `id` at `now`.
/// fn may_read(files: &dyn FileStore, organization: &str, id: &str, now: i64) -> bool {
///     matches!(files.file(id, now), Ok(Some(file)) if file.organization == organization)
/// }
///
/// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
/// # std::fs::create_dir_all(&dir)?;
/// let store = SqliteStore::open(&dir.join("metadata.db"))?;
/// # let upload = FileRecord {
/// #     id: "a1b2c3d4e5f60718".into(), organization: "org".into(), name: "contract.pdf".into(),
/// #     size: 8, kind: FileKind::Upload, created_at: 100, expires_at: Some(3_700),
/// # };
/// store.insert_file(&upload)?;
/// assert!(may_read(&store, "org", &upload.id, 100));
/// assert!(!may_read(&store, "other-org", &upload.id, 100));
/// assert!(!may_read(&store, "org", &upload.id, 3_701)); // expired
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait FileStore: Send + Sync {
    /// Records a new file.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::{FileKind, FileRecord, FileStore, SqliteStore};
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let store = SqliteStore::open(&dir.join("metadata.db"))?;
    /// let upload = FileRecord {
    ///     id: "a1b2c3d4e5f60718".into(),
    ///     organization: "org".into(),
    ///     name: "contract.pdf".into(),
    ///     size: 8,
    ///     kind: FileKind::Upload,
    ///     created_at: 100,
    ///     expires_at: None,
    /// };
    /// store.insert_file(&upload)?;
    /// let found = store.file(&upload.id, 100)?;
    /// assert_eq!(found.map(|file| file.name).as_deref(), Some("contract.pdf"));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn insert_file(&self, record: &FileRecord) -> Result<(), StoreError>;
    /// The file, unless unknown or expired at `now`.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::{FileKind, FileRecord, FileStore, SqliteStore};
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let store = SqliteStore::open(&dir.join("metadata.db"))?;
    /// # let upload = FileRecord {
    /// #     id: "a1b2c3d4e5f60718".into(), organization: "org".into(), name: "contract.pdf".into(),
    /// #     size: 8, kind: FileKind::Upload, created_at: 100, expires_at: Some(3_700),
    /// # };
    /// # store.insert_file(&upload)?;
    /// // `upload` expires at 3700.
    /// assert_eq!(store.file("a1b2c3d4e5f60718", 3_700)?.map(|file| file.size), Some(8));
    /// assert_eq!(store.file("a1b2c3d4e5f60718", 3_701)?, None);
    /// assert_eq!(store.file("0000000000000000", 100)?, None);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn file(&self, id: &str, now: i64) -> Result<Option<FileRecord>, StoreError>;
    /// Forgets files expired at `now` that no PROCESSING task still needs; returns their ids so the
    /// caller can delete the bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::{FileKind, FileRecord, FileStore, SqliteStore};
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let store = SqliteStore::open(&dir.join("metadata.db"))?;
    /// # let upload = FileRecord {
    /// #     id: "a1b2c3d4e5f60718".into(), organization: "org".into(), name: "contract.pdf".into(),
    /// #     size: 8, kind: FileKind::Upload, created_at: 100, expires_at: Some(3_700),
    /// # };
    /// store.insert_file(&upload)?; // expires at 3700
    /// assert!(store.remove_expired_files(3_700)?.is_empty());
    /// assert_eq!(store.remove_expired_files(3_701)?, vec![upload.id.clone()]);
    /// // Forgotten: the caller now deletes the bytes from its blob store.
    /// assert_eq!(store.file(&upload.id, i64::MIN)?, None);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn remove_expired_files(&self, now: i64) -> Result<Vec<String>, StoreError>;
}

/// Task state and the quota charge that goes with it.
///
/// # Examples
///
/// ```
/// use countersign_ess::store::{
///     ClaimPolicy, FileKind, FileRecord, QuotaStore, SqliteStore, TaskRecord, TaskStatus,
///     TaskStore,
/// };
///
/// /// One worker step: claims the oldest free task and finishes it with `result`.
/// fn run_next(
///     tasks: &dyn TaskStore,
///     now: i64,
///     result: &FileRecord,
/// ) -> Result<Option<String>, Box<dyn std::error::Error>> {
///     let policy = ClaimPolicy { lease_seconds: 60, max_attempts: 3 };
///     let Some(task) = tasks.claim_next(now, &policy)? else { return Ok(None) };
///     // ... sign task.file_id here ...
///     tasks.finish_task(&task.id, result, now)?;
///     Ok(Some(task.id))
/// }
///
/// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
/// # std::fs::create_dir_all(&dir)?;
/// let store = SqliteStore::open(&dir.join("metadata.db"))?;
/// # store.ensure_account("org", 5)?;
/// # let task = TaskRecord {
/// #     id: "task-1".into(), organization: "org".into(), file_id: "a1b2c3d4e5f60718".into(),
/// #     result_file_id: "f0e1d2c3b4a59687".into(), status: TaskStatus::Processing,
/// #     error_detail: String::new(), created_at: 100, updated_at: 100, attempts: 0, lease_until: None,
/// # };
/// # assert!(store.create_task(&task)?);
/// # let result = FileRecord {
/// #     id: "f0e1d2c3b4a59687".into(), organization: "org".into(), name: "signed.pdf".into(),
/// #     size: 8, kind: FileKind::Result, created_at: 100, expires_at: None,
/// # };
/// assert_eq!(run_next(&store, 1_000, &result)?.as_deref(), Some("task-1"));
/// assert_eq!(run_next(&store, 1_001, &result)?, None);
/// let done = store.task("task-1")?.ok_or("no task")?;
/// assert_eq!((done.status, done.attempts), (TaskStatus::Finished, 1));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait TaskStore: Send + Sync {
    /// Records a new PROCESSING task (with its `attempts` and `lease_until`, so that a synchronous
    /// caller creates it already claimed) and takes one signature from its organisation's balance,
    /// in one transaction. `Ok(false)`: the balance is zero and nothing was recorded.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::{
    ///     QuotaStore, SqliteStore, TaskRecord, TaskStatus, TaskStore,
    /// };
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let store = SqliteStore::open(&dir.join("metadata.db"))?;
    /// store.ensure_account("org", 1)?;
    /// let task = TaskRecord {
    ///     id: "task-1".into(),
    ///     organization: "org".into(),
    ///     file_id: "a1b2c3d4e5f60718".into(),
    ///     result_file_id: "f0e1d2c3b4a59687".into(),
    ///     status: TaskStatus::Processing,
    ///     error_detail: String::new(),
    ///     created_at: 100,
    ///     updated_at: 100,
    ///     attempts: 0,
    ///     lease_until: None,
    /// };
    /// assert!(store.create_task(&task)?);
    /// assert_eq!(store.balance("org")?, Some(0));
    /// // The balance is spent: the next task is refused and not recorded.
    /// let second = TaskRecord {
    ///     id: "task-2".into(),
    ///     result_file_id: "0f1e2d3c4b5a6978".into(),
    ///     ..task
    /// };
    /// assert!(!store.create_task(&second)?);
    /// assert_eq!(store.task("task-2")?, None);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn create_task(&self, task: &TaskRecord) -> Result<bool, StoreError>;
    /// The task `id`, if known.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::{
    ///     QuotaStore, SqliteStore, TaskRecord, TaskStatus, TaskStore,
    /// };
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let store = SqliteStore::open(&dir.join("metadata.db"))?;
    /// # store.ensure_account("org", 5)?;
    /// # let task = TaskRecord {
    /// #     id: "task-1".into(), organization: "org".into(), file_id: "a1b2c3d4e5f60718".into(),
    /// #     result_file_id: "f0e1d2c3b4a59687".into(), status: TaskStatus::Processing,
    /// #     error_detail: String::new(), created_at: 100, updated_at: 100, attempts: 0, lease_until: None,
    /// # };
    /// # assert!(store.create_task(&task)?);
    /// let found = store.task("task-1")?.ok_or("no task")?;
    /// assert_eq!(found.status, TaskStatus::Processing);
    /// assert_eq!(found.file_id, "a1b2c3d4e5f60718");
    /// assert_eq!(store.task("task-404")?, None);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn task(&self, id: &str) -> Result<Option<TaskRecord>, StoreError>;
    /// Every task still PROCESSING, oldest first.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::{
    ///     FileKind, FileRecord, QuotaStore, SqliteStore, TaskRecord, TaskStatus, TaskStore,
    /// };
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let store = SqliteStore::open(&dir.join("metadata.db"))?;
    /// # store.ensure_account("org", 5)?;
    /// # let task = TaskRecord {
    /// #     id: "task-1".into(), organization: "org".into(), file_id: "a1b2c3d4e5f60718".into(),
    /// #     result_file_id: "f0e1d2c3b4a59687".into(), status: TaskStatus::Processing,
    /// #     error_detail: String::new(), created_at: 100, updated_at: 100, attempts: 0, lease_until: None,
    /// # };
    /// # assert!(store.create_task(&task)?);
    /// # let older = TaskRecord { id: "task-0".into(), result_file_id: "0f1e2d3c4b5a6978".into(), created_at: 50, ..task.clone() };
    /// # assert!(store.create_task(&older)?);
    /// # let result = FileRecord {
    /// #     id: "f0e1d2c3b4a59687".into(), organization: "org".into(), name: "signed.pdf".into(),
    /// #     size: 8, kind: FileKind::Result, created_at: 100, expires_at: None,
    /// # };
    /// let ids = |tasks: Vec<TaskRecord>| tasks.into_iter().map(|t| t.id).collect::<Vec<_>>();
    /// assert_eq!(ids(store.processing_tasks()?), ["task-0", "task-1"]); // oldest first
    /// store.finish_task("task-0", &FileRecord { id: "0f1e2d3c4b5a6978".into(), ..result }, 200)?;
    /// assert_eq!(ids(store.processing_tasks()?), ["task-1"]);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn processing_tasks(&self) -> Result<Vec<TaskRecord>, StoreError>;
    /// Claims task `id` for one run if it is PROCESSING and nobody holds an unexpired lease at
    /// `now`: attempts + 1, lease until `now + lease_seconds`. A task that already used
    /// `max_attempts` is marked FAILED (and refunded) instead. `None`: not claimed.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::{
    ///     ClaimPolicy, QuotaStore, SqliteStore, TaskRecord, TaskStatus, TaskStore,
    /// };
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let store = SqliteStore::open(&dir.join("metadata.db"))?;
    /// # store.ensure_account("org", 5)?;
    /// # let task = TaskRecord {
    /// #     id: "task-1".into(), organization: "org".into(), file_id: "a1b2c3d4e5f60718".into(),
    /// #     result_file_id: "f0e1d2c3b4a59687".into(), status: TaskStatus::Processing,
    /// #     error_detail: String::new(), created_at: 100, updated_at: 100, attempts: 0, lease_until: None,
    /// # };
    /// # assert!(store.create_task(&task)?);
    /// let policy = ClaimPolicy { lease_seconds: 60, max_attempts: 3 };
    /// let run = store.claim_task("task-1", 1_000, &policy)?.ok_or("not claimed")?;
    /// assert_eq!((run.attempts, run.lease_until), (1, Some(1_060)));
    /// // Leased: a second worker does not get it until the lease has run out.
    /// assert!(store.claim_task("task-1", 1_030, &policy)?.is_none());
    /// let retry = store.claim_task("task-1", 1_061, &policy)?.ok_or("not claimed")?;
    /// assert_eq!(retry.attempts, 2);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn claim_task(
        &self,
        id: &str,
        now: i64,
        policy: &ClaimPolicy,
    ) -> Result<Option<TaskRecord>, StoreError>;
    /// Claims the oldest claimable task, as [`TaskStore::claim_task`] does; `None`: none is free.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::{
    ///     ClaimPolicy, QuotaStore, SqliteStore, TaskRecord, TaskStatus, TaskStore,
    /// };
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let store = SqliteStore::open(&dir.join("metadata.db"))?;
    /// # store.ensure_account("org", 5)?;
    /// # let task = TaskRecord {
    /// #     id: "task-1".into(), organization: "org".into(), file_id: "a1b2c3d4e5f60718".into(),
    /// #     result_file_id: "f0e1d2c3b4a59687".into(), status: TaskStatus::Processing,
    /// #     error_detail: String::new(), created_at: 100, updated_at: 100, attempts: 0, lease_until: None,
    /// # };
    /// # assert!(store.create_task(&task)?);
    /// # let newer = TaskRecord { id: "task-2".into(), result_file_id: "0f1e2d3c4b5a6978".into(), created_at: 200, ..task.clone() };
    /// # assert!(store.create_task(&newer)?);
    /// let policy = ClaimPolicy { lease_seconds: 60, max_attempts: 3 };
    /// // Oldest first; a leased task is skipped.
    /// let first = store.claim_next(1_000, &policy)?.ok_or("none free")?;
    /// let second = store.claim_next(1_000, &policy)?.ok_or("none free")?;
    /// assert_eq!((first.id.as_str(), second.id.as_str()), ("task-1", "task-2"));
    /// assert_eq!(store.claim_next(1_000, &policy)?, None);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn claim_next(&self, now: i64, policy: &ClaimPolicy) -> Result<Option<TaskRecord>, StoreError>;
    /// Extends the lease of the run that made claim number `attempt` of task `id` to `until`, if
    /// that run still holds it: the task is PROCESSING, leased, and claimed no further since.
    /// `Ok(false)`: the claim was lost (another run took the task over, or it ended), and the
    /// caller must stop renewing. A running task's heartbeat, so that a run longer than its lease
    /// is not taken over while its runner is alive.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::{
    ///     ClaimPolicy, QuotaStore, SqliteStore, TaskRecord, TaskStatus, TaskStore,
    /// };
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let store = SqliteStore::open(&dir.join("metadata.db"))?;
    /// # store.ensure_account("org", 5)?;
    /// # let task = TaskRecord {
    /// #     id: "task-1".into(), organization: "org".into(), file_id: "a1b2c3d4e5f60718".into(),
    /// #     result_file_id: "f0e1d2c3b4a59687".into(), status: TaskStatus::Processing,
    /// #     error_detail: String::new(), created_at: 100, updated_at: 100, attempts: 0, lease_until: None,
    /// # };
    /// # assert!(store.create_task(&task)?);
    /// let policy = ClaimPolicy { lease_seconds: 60, max_attempts: 3 };
    /// let run = store.claim_task("task-1", 1_000, &policy)?.ok_or("not claimed")?;
    /// // The run's heartbeat, before the lease (1060) ends:
    /// assert!(store.renew_lease("task-1", run.attempts, 1_080)?);
    /// assert_eq!(store.task("task-1")?.and_then(|task| task.lease_until), Some(1_080));
    /// assert!(store.claim_task("task-1", 1_070, &policy)?.is_none());
    /// // Had the run stalled, another one takes the task over, and the old claim cannot renew.
    /// let takeover = store.claim_task("task-1", 1_081, &policy)?.ok_or("not claimed")?;
    /// assert!(!store.renew_lease("task-1", run.attempts, 1_200)?);
    /// assert!(store.renew_lease("task-1", takeover.attempts, 1_200)?);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn renew_lease(&self, id: &str, attempt: u32, until: i64) -> Result<bool, StoreError>;
    /// Records the result file (if not yet recorded) and marks the task FINISHED, in one
    /// transaction; a task that is no longer PROCESSING is left as it is.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::{
    ///     FileKind, FileRecord, FileStore, QuotaStore, SqliteStore, TaskRecord, TaskStatus,
    ///     TaskStore,
    /// };
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let store = SqliteStore::open(&dir.join("metadata.db"))?;
    /// # store.ensure_account("org", 5)?;
    /// # let task = TaskRecord {
    /// #     id: "task-1".into(), organization: "org".into(), file_id: "a1b2c3d4e5f60718".into(),
    /// #     result_file_id: "f0e1d2c3b4a59687".into(), status: TaskStatus::Processing,
    /// #     error_detail: String::new(), created_at: 100, updated_at: 100, attempts: 0, lease_until: None,
    /// # };
    /// # assert!(store.create_task(&task)?);
    /// let result = FileRecord {
    ///     id: "f0e1d2c3b4a59687".into(),
    ///     organization: "org".into(),
    ///     name: "contract_signed.pdf".into(),
    ///     size: 9_000,
    ///     kind: FileKind::Result,
    ///     created_at: 200,
    ///     expires_at: None,
    /// };
    /// store.finish_task("task-1", &result, 200)?;
    /// let done = store.task("task-1")?.ok_or("no task")?;
    /// assert_eq!((done.status, done.updated_at), (TaskStatus::Finished, 200));
    /// assert_eq!(done.lease_until, None);
    /// assert_eq!(store.file(&result.id, 200)?, Some(result));
    /// // Finished is final: a late failure changes nothing.
    /// store.fail_task("task-1", "late", 300)?;
    /// assert_eq!(store.task("task-1")?.map(|task| task.status), Some(TaskStatus::Finished));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn finish_task(&self, task_id: &str, result: &FileRecord, now: i64) -> Result<(), StoreError>;
    /// Marks the task FAILED and gives the signature back to its organisation, in one transaction;
    /// a task that is no longer PROCESSING is left as it is.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::{
    ///     QuotaStore, SqliteStore, TaskRecord, TaskStatus, TaskStore,
    /// };
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let store = SqliteStore::open(&dir.join("metadata.db"))?;
    /// # store.ensure_account("org", 5)?;
    /// # let task = TaskRecord {
    /// #     id: "task-1".into(), organization: "org".into(), file_id: "a1b2c3d4e5f60718".into(),
    /// #     result_file_id: "f0e1d2c3b4a59687".into(), status: TaskStatus::Processing,
    /// #     error_detail: String::new(), created_at: 100, updated_at: 100, attempts: 0, lease_until: None,
    /// # };
    /// # assert!(store.create_task(&task)?);
    /// assert_eq!(store.balance("org")?, Some(4)); // charged when created
    /// store.fail_task("task-1", "the PDF is encrypted", 200)?;
    /// let failed = store.task("task-1")?.ok_or("no task")?;
    /// assert_eq!(failed.status, TaskStatus::Failed);
    /// assert_eq!(failed.error_detail, "the PDF is encrypted");
    /// assert_eq!(store.balance("org")?, Some(5)); // refunded
    /// store.fail_task("task-1", "again", 300)?; // ... only once
    /// assert_eq!(store.balance("org")?, Some(5));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn fail_task(&self, task_id: &str, detail: &str, now: i64) -> Result<(), StoreError>;
}

/// Signature balances.
///
/// # Examples
///
/// ```
/// use countersign_ess::store::{QuotaStore, SqliteStore};
/// use countersign_ess::StoreError;
///
/// /// Signatures left, 0 for an organisation that never had an account.
/// fn remaining(quota: &dyn QuotaStore, organization: &str) -> Result<u64, StoreError> {
///     Ok(quota.balance(organization)?.unwrap_or(0))
/// }
///
/// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
/// # std::fs::create_dir_all(&dir)?;
/// let store = SqliteStore::open(&dir.join("metadata.db"))?;
/// store.ensure_account("org", 100)?;
/// assert_eq!(store.add_signatures("org", 50)?, Some(150));
/// assert_eq!(remaining(&store, "org")?, 150);
/// assert_eq!(remaining(&store, "unknown-org")?, 0);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait QuotaStore: Send + Sync {
    /// Opens an account with `initial` signatures unless the organisation already has one.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::{QuotaStore, SqliteStore};
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let store = SqliteStore::open(&dir.join("metadata.db"))?;
    /// store.ensure_account("org", 100)?;
    /// // At every start the configured initial quota is ensured again: an existing balance stays.
    /// store.ensure_account("org", 500)?;
    /// assert_eq!(store.balance("org")?, Some(100));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn ensure_account(&self, organization: &str, initial: u64) -> Result<(), StoreError>;
    /// The remaining signatures, `None` for an organisation without an account.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::{QuotaStore, SqliteStore};
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let store = SqliteStore::open(&dir.join("metadata.db"))?;
    /// assert_eq!(store.balance("org")?, None);
    /// store.ensure_account("org", 3)?;
    /// assert_eq!(store.balance("org")?, Some(3));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn balance(&self, organization: &str) -> Result<Option<u64>, StoreError>;
    /// Adds `count` signatures to an existing account; returns the new balance, `None` when the
    /// organisation has no account.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::{QuotaStore, SqliteStore};
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let store = SqliteStore::open(&dir.join("metadata.db"))?;
    /// store.ensure_account("org", 3)?;
    /// assert_eq!(store.add_signatures("org", 10)?, Some(13));
    /// // No account, nothing added: accounts are opened with ensure_account.
    /// assert_eq!(store.add_signatures("unknown-org", 10)?, None);
    /// assert_eq!(store.balance("unknown-org")?, None);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn add_signatures(&self, organization: &str, count: u64) -> Result<Option<u64>, StoreError>;
}

/// Everything the service keeps besides file bytes.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
///
/// use countersign_ess::store::{MetadataStore, QuotaStore, SqliteStore};
///
/// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
/// # std::fs::create_dir_all(&dir)?;
/// // What `Service::with_stores` takes: any implementation behind one trait object.
/// let metadata: Arc<dyn MetadataStore> = Arc::new(SqliteStore::open(&dir.join("metadata.db"))?);
/// metadata.ensure_account("org", 10)?;
/// assert_eq!(metadata.balance("org")?, Some(10));
/// assert_eq!(metadata.installation_key()?.len(), 32);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait MetadataStore: FileStore + TaskStore + QuotaStore {
    /// A random secret created on first use and kept forever (keys the download tokens).
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::{MetadataStore, SqliteStore};
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("metadata.db");
    /// let key = SqliteStore::open(&path)?.installation_key()?;
    /// assert_eq!(key.len(), 32);
    /// // The same after a restart: download links handed out before it still work.
    /// assert_eq!(SqliteStore::open(&path)?.installation_key()?, key);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn installation_key(&self) -> Result<Vec<u8>, StoreError>;

    /// Takes one request token from the shared bucket of (`organization`, `action`) holding at most
    /// `rate` tokens and refilled at `rate` per second. `None`: this store keeps no shared buckets
    /// (one process: the service counts in memory).
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::{MetadataStore, SqliteStore};
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let store = SqliteStore::open(&dir.join("metadata.db"))?;
    /// // One SQLite process counts its rate limits in memory: no shared bucket here.
    /// assert_eq!(store.take_rate_token("org", "CreateFileCounterSign", 20)?, None);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn take_rate_token(
        &self,
        _organization: &str,
        _action: &str,
        _rate: u32,
    ) -> Result<Option<bool>, StoreError> {
        Ok(None)
    }

    /// Remembers that `secret_id` signed a request with `signature` for `action`, until
    /// `expires_at` (the end of the request's timestamp window). Returns the action the same
    /// signature was first used for when it was seen before and is still remembered at `now`;
    /// `None`: this is its first use (or the earlier one has expired). One statement decides, so
    /// of two replicas receiving the same signature at once only one sees it as new.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::{MetadataStore, SqliteStore};
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let store = SqliteStore::open(&dir.join("metadata.db"))?;
    /// // A request signed at 1000 is accepted until 1300: its signature is kept that long.
    /// assert_eq!(store.remember_signature("AKIDdemo", "3f2a", "VerifyDigitFile", 1_300, 1_000)?, None);
    /// // The same signature again, under another action: the first use is reported.
    /// let first = store.remember_signature("AKIDdemo", "3f2a", "CreateFileCounterSign", 1_300, 1_001)?;
    /// assert_eq!(first.as_deref(), Some("VerifyDigitFile"));
    /// // Signatures are per credential: another SecretId's equal text is another signature.
    /// assert_eq!(store.remember_signature("AKIDother", "3f2a", "UploadFiles", 1_300, 1_001)?, None);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn remember_signature(
        &self,
        secret_id: &str,
        signature: &str,
        action: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<Option<String>, StoreError>;

    /// Forgets the signatures whose window ended before `now`; returns how many.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::{MetadataStore, SqliteStore};
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let store = SqliteStore::open(&dir.join("metadata.db"))?;
    /// store.remember_signature("AKIDdemo", "3f2a", "UploadFiles", 1_300, 1_000)?;
    /// store.remember_signature("AKIDdemo", "9c4b", "UploadFiles", 1_400, 1_100)?;
    /// assert_eq!(store.forget_expired_signatures(1_300)?, 0); // 1300 is still inside the window
    /// assert_eq!(store.forget_expired_signatures(1_301)?, 1);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn forget_expired_signatures(&self, now: i64) -> Result<u64, StoreError>;
}

/// Writes a blob's bytes into the sink it is given (see [`BlobStore::put_streamed`]).
///
/// # Examples
///
/// ```
/// use std::io::Write;
///
/// use countersign_ess::store::{BlobStore, BlobWriter, DirBlobStore};
///
/// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
/// # std::fs::create_dir_all(&dir)?;
/// let blobs = DirBlobStore::open(&dir.join("files"))?;
/// let pages: [&[u8]; 2] = [b"%PDF-1.7\n", b"%%EOF\n"];
/// // Produces the bytes piece by piece, as a signer writing its output does.
/// let write: &mut BlobWriter<'_> = &mut |out: &mut dyn Write| {
///     for page in pages {
///         out.write_all(page)?;
///     }
///     Ok(())
/// };
/// assert_eq!(blobs.put_streamed("a1b2c3d4e5f60718", write)?, 15);
/// assert_eq!(blobs.get("a1b2c3d4e5f60718")?.as_deref(), Some(&b"%PDF-1.7\n%%EOF\n"[..]));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type BlobWriter<'a> = dyn FnMut(&mut dyn Write) -> Result<(), StoreError> + 'a;

/// A stored blob opened for reading, with its length.
///
/// # Examples
///
/// ```
/// use std::io::Read;
///
/// use countersign_ess::store::{BlobStore, DirBlobStore};
///
/// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
/// # std::fs::create_dir_all(&dir)?;
/// let blobs = DirBlobStore::open(&dir.join("files"))?;
/// blobs.put("a1b2c3d4e5f60718", b"%PDF-1.7")?;
/// let mut blob = blobs.open("a1b2c3d4e5f60718")?.ok_or("no blob")?;
/// assert_eq!(blob.len, 8); // e.g. for Content-Length, before reading
/// let mut bytes = Vec::new();
/// blob.reader.read_to_end(&mut bytes)?;
/// assert_eq!(bytes, b"%PDF-1.7");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct BlobReader {
    /// The bytes.
    pub reader: Box<dyn Read + Send>,
    /// Their length.
    pub len: u64,
}

/// File bytes by id.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
///
/// use countersign_ess::store::{BlobStore, DirBlobStore};
///
/// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
/// # std::fs::create_dir_all(&dir)?;
/// // What `Service::with_stores` takes: a folder here, S3 (`S3BlobStore`) for many hosts.
/// let blobs: Arc<dyn BlobStore> = Arc::new(DirBlobStore::open(&dir.join("files"))?);
/// blobs.put("a1b2c3d4e5f60718", b"%PDF-1.7")?;
/// assert_eq!(blobs.get("a1b2c3d4e5f60718")?.as_deref(), Some(&b"%PDF-1.7"[..]));
/// blobs.delete("a1b2c3d4e5f60718")?;
/// assert_eq!(blobs.get("a1b2c3d4e5f60718")?, None);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait BlobStore: Send + Sync {
    /// Stores `bytes` under `id` atomically: readers see the old content or the whole new one.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::{BlobStore, DirBlobStore};
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let blobs = DirBlobStore::open(&dir.join("files"))?;
    /// blobs.put("a1b2c3d4e5f60718", b"first")?;
    /// blobs.put("a1b2c3d4e5f60718", b"second")?; // replaces
    /// assert_eq!(blobs.get("a1b2c3d4e5f60718")?.as_deref(), Some(&b"second"[..]));
    /// // Ids are hexadecimal: one that could name another path is refused.
    /// assert!(blobs.put("../../etc/passwd", b"x").is_err());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn put(&self, id: &str, bytes: &[u8]) -> Result<(), StoreError>;
    /// Stores `bytes` under `id` only if nothing is stored there yet; `Ok(false)`: something was,
    /// and it is left as it is. (This default checks, then writes: an implementation shared by
    /// several processes overrides it with an atomic create.)
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::{BlobStore, DirBlobStore};
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let blobs = DirBlobStore::open(&dir.join("files"))?;
    /// // Two runs of one task finish: the first result stays, the second learns it lost.
    /// assert!(blobs.put_new("f0e1d2c3b4a59687", b"first result")?);
    /// assert!(!blobs.put_new("f0e1d2c3b4a59687", b"second result")?);
    /// assert_eq!(blobs.get("f0e1d2c3b4a59687")?.as_deref(), Some(&b"first result"[..]));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn put_new(&self, id: &str, bytes: &[u8]) -> Result<bool, StoreError> {
        if self.get(id)?.is_some() {
            return Ok(false);
        }
        self.put(id, bytes)?;
        Ok(true)
    }
    /// The bytes stored under `id`, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::{BlobStore, DirBlobStore};
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let blobs = DirBlobStore::open(&dir.join("files"))?;
    /// assert_eq!(blobs.get("a1b2c3d4e5f60718")?, None);
    /// blobs.put("a1b2c3d4e5f60718", b"%PDF-1.7")?;
    /// assert_eq!(blobs.get("a1b2c3d4e5f60718")?, Some(b"%PDF-1.7".to_vec()));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn get(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Forgets `id` (nothing stored is not an error).
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::store::{BlobStore, DirBlobStore};
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let blobs = DirBlobStore::open(&dir.join("files"))?;
    /// blobs.put("a1b2c3d4e5f60718", b"%PDF-1.7")?;
    /// blobs.delete("a1b2c3d4e5f60718")?;
    /// assert_eq!(blobs.get("a1b2c3d4e5f60718")?, None);
    /// blobs.delete("a1b2c3d4e5f60718")?; // already gone: still fine
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn delete(&self, id: &str) -> Result<(), StoreError>;

    /// Stores what `write` produces under `id`, atomically like [`BlobStore::put`]; returns the
    /// length. Stores that can should not hold the whole blob in memory (the default does).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    ///
    /// use countersign_ess::store::{BlobStore, DirBlobStore};
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let blobs = DirBlobStore::open(&dir.join("files"))?;
    /// let len = blobs.put_streamed("a1b2c3d4e5f60718", &mut |out: &mut dyn Write| {
    ///     out.write_all(b"%PDF-1.7\n")?;
    ///     out.write_all(b"%%EOF\n")?;
    ///     Ok(())
    /// })?;
    /// assert_eq!(len, 15);
    /// assert_eq!(blobs.get("a1b2c3d4e5f60718")?.map(|bytes| bytes.len()), Some(15));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn put_streamed(&self, id: &str, write: &mut BlobWriter<'_>) -> Result<u64, StoreError> {
        let mut bytes = Vec::new();
        write(&mut bytes)?;
        self.put(id, &bytes)?;
        Ok(u64::try_from(bytes.len()).unwrap_or(u64::MAX))
    }

    /// The blob as a reader, for serving it without loading it whole (the default loads it).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Read;
    ///
    /// use countersign_ess::store::{BlobStore, DirBlobStore};
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let blobs = DirBlobStore::open(&dir.join("files"))?;
    /// blobs.put("a1b2c3d4e5f60718", b"%PDF-1.7")?;
    /// let blob = blobs.open("a1b2c3d4e5f60718")?.ok_or("no blob")?;
    /// assert_eq!(blob.len, 8);
    /// // Served in pieces, never held whole: here, the first four bytes.
    /// let mut head = [0; 4];
    /// blob.reader.take(4).read_exact(&mut head)?;
    /// assert_eq!(&head, b"%PDF");
    /// assert!(blobs.open("0000000000000000")?.is_none());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn open(&self, id: &str) -> Result<Option<BlobReader>, StoreError> {
        Ok(self.get(id)?.map(|bytes| BlobReader {
            len: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
            reader: Box::new(std::io::Cursor::new(bytes)),
        }))
    }
}
