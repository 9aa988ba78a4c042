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

mod blob;
#[cfg(feature = "postgres")]
mod postgres;
pub(crate) mod private;
#[cfg(feature = "s3")]
mod s3;
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
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upload => "UPLOAD",
            Self::Result => "RESULT",
        }
    }

    /// Reads [`FileKind::as_str`]'s form back.
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        match text {
            "UPLOAD" => Ok(Self::Upload),
            "RESULT" => Ok(Self::Result),
            other => Err(StoreError::Corrupt(format!("unknown file kind {other}"))),
        }
    }
}

/// Metadata of one stored file; its bytes live in the [`BlobStore`] under the same id.
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
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Processing => "PROCESSING",
            Self::Finished => "FINISHED",
            Self::Failed => "FAILED",
        }
    }

    /// Reads [`TaskStatus::as_str`]'s form back.
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClaimPolicy {
    /// Seconds a claim holds a task.
    pub lease_seconds: i64,
    /// Claims after which a task is marked FAILED.
    pub max_attempts: u32,
}

impl ClaimPolicy {
    /// What FAILED tasks that used up their attempts say.
    pub fn exhausted_detail(&self) -> String {
        format!(
            "abandoned after {} attempts: the process running it stopped each time",
            self.max_attempts
        )
    }
}

/// File metadata.
pub trait FileStore: Send + Sync {
    /// Records a new file.
    fn insert_file(&self, record: &FileRecord) -> Result<(), StoreError>;
    /// The file, unless unknown or expired at `now`.
    fn file(&self, id: &str, now: i64) -> Result<Option<FileRecord>, StoreError>;
    /// Forgets files expired at `now` that no PROCESSING task still needs; returns their ids so the
    /// caller can delete the bytes.
    fn remove_expired_files(&self, now: i64) -> Result<Vec<String>, StoreError>;
}

/// Task state and the quota charge that goes with it.
pub trait TaskStore: Send + Sync {
    /// Records a new PROCESSING task (with its `attempts` and `lease_until`, so that a synchronous
    /// caller creates it already claimed) and takes one signature from its organisation's balance,
    /// in one transaction. `Ok(false)`: the balance is zero and nothing was recorded.
    fn create_task(&self, task: &TaskRecord) -> Result<bool, StoreError>;
    /// The task `id`, if known.
    fn task(&self, id: &str) -> Result<Option<TaskRecord>, StoreError>;
    /// Every task still PROCESSING, oldest first.
    fn processing_tasks(&self) -> Result<Vec<TaskRecord>, StoreError>;
    /// Claims task `id` for one run if it is PROCESSING and nobody holds an unexpired lease at
    /// `now`: attempts + 1, lease until `now + lease_seconds`. A task that already used
    /// `max_attempts` is marked FAILED (and refunded) instead. `None`: not claimed.
    fn claim_task(
        &self,
        id: &str,
        now: i64,
        policy: &ClaimPolicy,
    ) -> Result<Option<TaskRecord>, StoreError>;
    /// Claims the oldest claimable task, as [`TaskStore::claim_task`] does; `None`: none is free.
    fn claim_next(&self, now: i64, policy: &ClaimPolicy) -> Result<Option<TaskRecord>, StoreError>;
    /// Extends the lease of the run that made claim number `attempt` of task `id` to `until`, if
    /// that run still holds it: the task is PROCESSING, leased, and claimed no further since.
    /// `Ok(false)`: the claim was lost (another run took the task over, or it ended), and the
    /// caller must stop renewing. A running task's heartbeat, so that a run longer than its lease
    /// is not taken over while its runner is alive.
    fn renew_lease(&self, id: &str, attempt: u32, until: i64) -> Result<bool, StoreError>;
    /// Records the result file (if not yet recorded) and marks the task FINISHED, in one
    /// transaction; a task that is no longer PROCESSING is left as it is.
    fn finish_task(&self, task_id: &str, result: &FileRecord, now: i64) -> Result<(), StoreError>;
    /// Marks the task FAILED and gives the signature back to its organisation, in one transaction;
    /// a task that is no longer PROCESSING is left as it is.
    fn fail_task(&self, task_id: &str, detail: &str, now: i64) -> Result<(), StoreError>;
}

/// Signature balances.
pub trait QuotaStore: Send + Sync {
    /// Opens an account with `initial` signatures unless the organisation already has one.
    fn ensure_account(&self, organization: &str, initial: u64) -> Result<(), StoreError>;
    /// The remaining signatures, `None` for an organisation without an account.
    fn balance(&self, organization: &str) -> Result<Option<u64>, StoreError>;
    /// Adds `count` signatures to an existing account; returns the new balance, `None` when the
    /// organisation has no account.
    fn add_signatures(&self, organization: &str, count: u64) -> Result<Option<u64>, StoreError>;
}

/// Everything the service keeps besides file bytes.
pub trait MetadataStore: FileStore + TaskStore + QuotaStore {
    /// A random secret created on first use and kept forever (keys the download tokens).
    fn installation_key(&self) -> Result<Vec<u8>, StoreError>;

    /// Takes one request token from the shared bucket of (`organization`, `action`) holding at most
    /// `rate` tokens and refilled at `rate` per second. `None`: this store keeps no shared buckets
    /// (one process: the service counts in memory).
    fn take_rate_token(
        &self,
        _organization: &str,
        _action: &str,
        _rate: u32,
    ) -> Result<Option<bool>, StoreError> {
        Ok(None)
    }
}

/// Writes a blob's bytes into the sink it is given (see [`BlobStore::put_streamed`]).
pub type BlobWriter<'a> = dyn FnMut(&mut dyn Write) -> Result<(), StoreError> + 'a;

/// A stored blob opened for reading, with its length.
pub struct BlobReader {
    /// The bytes.
    pub reader: Box<dyn Read + Send>,
    /// Their length.
    pub len: u64,
}

/// File bytes by id.
pub trait BlobStore: Send + Sync {
    /// Stores `bytes` under `id` atomically: readers see the old content or the whole new one.
    fn put(&self, id: &str, bytes: &[u8]) -> Result<(), StoreError>;
    /// Stores `bytes` under `id` only if nothing is stored there yet; `Ok(false)`: something was,
    /// and it is left as it is. (This default checks, then writes: an implementation shared by
    /// several processes overrides it with an atomic create.)
    fn put_new(&self, id: &str, bytes: &[u8]) -> Result<bool, StoreError> {
        if self.get(id)?.is_some() {
            return Ok(false);
        }
        self.put(id, bytes)?;
        Ok(true)
    }
    /// The bytes stored under `id`, if any.
    fn get(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Forgets `id` (nothing stored is not an error).
    fn delete(&self, id: &str) -> Result<(), StoreError>;

    /// Stores what `write` produces under `id`, atomically like [`BlobStore::put`]; returns the
    /// length. Stores that can should not hold the whole blob in memory (the default does).
    fn put_streamed(&self, id: &str, write: &mut BlobWriter<'_>) -> Result<u64, StoreError> {
        let mut bytes = Vec::new();
        write(&mut bytes)?;
        self.put(id, &bytes)?;
        Ok(u64::try_from(bytes.len()).unwrap_or(u64::MAX))
    }

    /// The blob as a reader, for serving it without loading it whole (the default loads it).
    fn open(&self, id: &str) -> Result<Option<BlobReader>, StoreError> {
        Ok(self.get(id)?.map(|bytes| BlobReader {
            len: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
            reader: Box::new(std::io::Cursor::new(bytes)),
        }))
    }
}
