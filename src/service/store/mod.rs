//! Durable state behind traits: metadata (files, tasks, quota) and file bytes (blobs).
//!
//! The default implementation is [`SqliteStore`] plus [`DirBlobStore`]: SQLite (bundled, so there is
//! no server to install) is a transactional, crash-safe embedded database whose write-ahead log
//! survives `kill -9` and power loss with `synchronous=FULL`; it keeps the small, relational,
//! frequently updated records, where a task's state change and its quota charge must commit
//! together. File bytes, which can be megabytes and are written once, go to plain files written
//! atomically (temporary file, fsync, rename, fsync of the folder), which keeps the database small
//! and lets a restart see either the whole file or none of it.
//!
//! A deployment that outgrows one machine implements [`MetadataStore`] on a shared database
//! (PostgreSQL: the same tables, `UPDATE ... WHERE status = 'PROCESSING'` for the transitions) and
//! [`BlobStore`] on shared storage; the service only talks to the traits. With several nodes,
//! "re-queue every PROCESSING task at start" becomes a lease (a `claimed_until` column taken with
//! `SELECT ... FOR UPDATE SKIP LOCKED`), so a node only resumes tasks whose owner stopped renewing.

mod blob;
pub mod private;
mod sqlite;

pub use blob::DirBlobStore;
pub use sqlite::SqliteStore;

use std::io::{Read, Write};

use super::error::StoreError;

/// What a file is: an uploaded input, or a counter-signed result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Upload,
    Result,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upload => "UPLOAD",
            Self::Result => "RESULT",
        }
    }

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
    pub id: String,
    /// The organisation that owns the file (may read, sign, download it).
    pub organization: String,
    pub name: String,
    pub size: u64,
    pub kind: FileKind,
    pub created_at: i64,
    /// Unix seconds after which the file is gone; `None` keeps it.
    pub expires_at: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskStatus {
    Processing,
    Finished,
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
    pub id: String,
    /// The organisation whose certificate signs and whose quota pays.
    pub organization: String,
    pub file_id: String,
    /// Derived from the task id (see [`super::ids::result_file_id`]).
    pub result_file_id: String,
    pub status: TaskStatus,
    /// Why the task failed; empty otherwise.
    pub error_detail: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// File metadata.
pub trait FileStore: Send + Sync {
    fn insert_file(&self, record: &FileRecord) -> Result<(), StoreError>;
    /// The file, unless unknown or expired at `now`.
    fn file(&self, id: &str, now: i64) -> Result<Option<FileRecord>, StoreError>;
    /// Forgets files expired at `now` that no PROCESSING task still needs; returns their ids so the
    /// caller can delete the bytes.
    fn remove_expired_files(&self, now: i64) -> Result<Vec<String>, StoreError>;
}

/// Task state and the quota charge that goes with it.
pub trait TaskStore: Send + Sync {
    /// Records a new PROCESSING task and takes one signature from its organisation's balance, in one
    /// transaction. `Ok(false)`: the balance is zero and nothing was recorded.
    fn create_task(&self, task: &TaskRecord) -> Result<bool, StoreError>;
    fn task(&self, id: &str) -> Result<Option<TaskRecord>, StoreError>;
    /// Every task still PROCESSING (to re-queue after a restart), oldest first.
    fn processing_tasks(&self) -> Result<Vec<TaskRecord>, StoreError>;
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
}

/// Writes a blob's bytes into the sink it is given (see [`BlobStore::put_streamed`]).
pub type BlobWriter<'a> = dyn FnMut(&mut dyn Write) -> Result<(), StoreError> + 'a;

/// A stored blob opened for reading, with its length.
pub struct BlobReader {
    pub reader: Box<dyn Read + Send>,
    pub len: u64,
}

/// File bytes by id.
pub trait BlobStore: Send + Sync {
    /// Stores `bytes` under `id` atomically: readers see the old content or the whole new one.
    fn put(&self, id: &str, bytes: &[u8]) -> Result<(), StoreError>;
    fn get(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError>;
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
