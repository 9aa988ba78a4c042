//! [`MetadataStore`] on an embedded SQLite database (one file, WAL journal).

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::{
    ClaimPolicy, FileKind, FileRecord, FileStore, MetadataStore, QuotaStore, TaskRecord,
    TaskStatus, TaskStore,
};
use crate::error::StoreError;
use crate::ids::secret_bytes;

/// Schema versions, applied in order; the database's `user_version` is the number applied. Never
/// edit a released step: add one. Step 1 is the schema from before versioning (hence `IF NOT
/// EXISTS`: such databases already have it at version 0).
const MIGRATIONS: &[&str] = &[
    "
CREATE TABLE IF NOT EXISTS files (
    id TEXT PRIMARY KEY,
    organization TEXT NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    kind TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER
);
CREATE INDEX IF NOT EXISTS files_by_expiry ON files(expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY,
    organization TEXT NOT NULL,
    file_id TEXT NOT NULL,
    result_file_id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    error_detail TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tasks_processing ON tasks(created_at) WHERE status = 'PROCESSING';
CREATE TABLE IF NOT EXISTS quota (
    organization TEXT PRIMARY KEY,
    balance INTEGER NOT NULL CHECK (balance >= 0)
);
CREATE TABLE IF NOT EXISTS settings (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
",
    "
ALTER TABLE tasks ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN lease_until INTEGER;
",
    "
CREATE TABLE request_signatures (
    secret_id TEXT NOT NULL,
    signature TEXT NOT NULL,
    action TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (secret_id, signature)
) WITHOUT ROWID;
CREATE INDEX request_signatures_by_expiry ON request_signatures(expires_at);
",
];

/// Brings the database to the last schema version, one transaction per step.
fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
    loop {
        // IMMEDIATE: a second process opening the same file waits instead of racing the step.
        let transaction = connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .db()?;
        let version: i64 = transaction
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .db()?;
        let Some(step) = usize::try_from(version)
            .ok()
            .and_then(|index| MIGRATIONS.get(index))
        else {
            if usize::try_from(version).is_ok_and(|v| v == MIGRATIONS.len()) {
                return Ok(());
            }
            return Err(StoreError::Corrupt(format!(
                "database schema version {version} is newer than this program ({})",
                MIGRATIONS.len()
            )));
        };
        transaction.execute_batch(step).db()?;
        transaction
            .pragma_update(None, "user_version", version.saturating_add(1))
            .db()?;
        transaction.commit().db()?;
    }
}

/// One connection behind a mutex: SQLite serialises writers anyway, and the statements are short.
///
/// # Examples
///
/// ```
/// use countersign_ess::store::{MetadataStore, QuotaStore, SqliteStore};
///
/// let dir = std::env::temp_dir().join(format!("sqlite-example-{}", std::process::id()));
/// # std::fs::remove_dir_all(&dir).ok(); // a leftover of a crashed run
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("metadata.db");
/// {
///     let store = SqliteStore::open(&path)?;
///     store.ensure_account("org", 10)?;
///     assert_eq!(store.add_signatures("org", 5)?, Some(15));
/// }
/// // Committed state survives the process: a restart finds it.
/// let store = SqliteStore::open(&path)?;
/// assert_eq!(store.balance("org")?, Some(15));
/// assert_eq!(store.installation_key()?.len(), 32);
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct SqliteStore {
    connection: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path`, owner-only. `:memory:` (or an
    /// SQLite URI, `file:...`, which names its file itself) is left to SQLite as it is: an
    /// in-memory store never touches the disk.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::path::Path;
    /// use countersign_ess::store::{QuotaStore, SqliteStore};
    ///
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}-{}", std::process::id(), std::time::UNIX_EPOCH.elapsed()?.as_nanos()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("metadata.db");
    /// let store = SqliteStore::open(&path)?;
    /// store.ensure_account("org", 10)?;
    /// # #[cfg(unix)]
    /// # {
    /// use std::os::unix::fs::PermissionsExt;
    /// // It keeps the download tokens' key: no other local user may read it.
    /// assert_eq!(std::fs::metadata(&path)?.permissions().mode() & 0o777, 0o600);
    /// # }
    /// // A folder that does not exist is an error, not created.
    /// assert!(SqliteStore::open(&dir.join("missing").join("metadata.db")).is_err());
    /// // In memory: nothing on disk, not even an empty file named `:memory:`.
    /// let scratch = SqliteStore::open(Path::new(":memory:"))?;
    /// scratch.ensure_account("org", 1)?;
    /// assert!(!Path::new(":memory:").exists());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if !names_no_plain_file(path) {
            super::private::private_file(path)?;
        }
        let connection = Connection::open(path).db()?;
        // WAL + FULL: a committed transaction survives a crash of the process or the machine.
        connection.pragma_update(None, "journal_mode", "WAL").db()?;
        connection.pragma_update(None, "synchronous", "FULL").db()?;
        connection
            .busy_timeout(std::time::Duration::from_secs(5))
            .db()?;
        let mut connection = connection;
        migrate(&mut connection)?;
        Ok(Self {
            connection: Mutex::new(connection),
        })
    }

    /// Frees every lease: only one process uses a SQLite store, so at its start the runs that held
    /// them are dead. Their attempts stay counted.
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
    /// # let path = dir.join("metadata.db");
    /// let policy = ClaimPolicy { lease_seconds: 60, max_attempts: 3 };
    /// {
    ///     let store = SqliteStore::open(&path)?;
    /// #   store.ensure_account("org", 1)?;
    /// #   let task = TaskRecord {
    /// #       id: "task-1".into(), organization: "org".into(), file_id: "a1b2c3d4e5f60718".into(),
    /// #       result_file_id: "f0e1d2c3b4a59687".into(), status: TaskStatus::Processing,
    /// #       error_detail: String::new(), created_at: 100, updated_at: 100, attempts: 0, lease_until: None,
    /// #   };
    /// #   assert!(store.create_task(&task)?);
    ///     assert!(store.claim_task("task-1", 1_000, &policy)?.is_some());
    /// } // the process dies mid-run, its lease (until 1060) still held
    /// let store = SqliteStore::open(&path)?;
    /// assert!(store.claim_task("task-1", 1_001, &policy)?.is_none());
    /// // At start, before the workers: the dead run's lease is freed, its attempt still counted.
    /// store.release_leases()?;
    /// let rerun = store.claim_task("task-1", 1_001, &policy)?.ok_or("not claimed")?;
    /// assert_eq!(rerun.attempts, 2);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn release_leases(&self) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "UPDATE tasks SET lease_until = NULL WHERE status = 'PROCESSING'",
                [],
            )
            .db()?;
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-done transaction: rusqlite rolls back
        // an unfinished transaction when it is dropped.
        self.connection
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }
}

/// `:memory:` and `file:` URIs are not file paths: pre-creating them (for the owner-only mode)
/// would leave a stray file of that name in the working folder.
fn names_no_plain_file(path: &Path) -> bool {
    path.to_str()
        .is_some_and(|text| text == ":memory:" || text.starts_with("file:"))
}

/// SQLite's errors become [`StoreError::Database`] here rather than through a `From` impl, which
/// would make rusqlite's error type (and its frequent major versions) part of the public API.
trait SqliteResult<T> {
    fn db(self) -> Result<T, StoreError>;
}

impl<T> SqliteResult<T> for rusqlite::Result<T> {
    fn db(self) -> Result<T, StoreError> {
        self.map_err(StoreError::database)
    }
}

fn to_i64(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{value} does not fit in SQLite")))
}

fn file_from_row(row: &Row<'_>) -> rusqlite::Result<(FileRecord, String)> {
    let size: i64 = row.get(3)?;
    Ok((
        FileRecord {
            id: row.get(0)?,
            organization: row.get(1)?,
            name: row.get(2)?,
            size: u64::try_from(size).unwrap_or_default(),
            kind: FileKind::Upload,
            created_at: row.get(5)?,
            expires_at: row.get(6)?,
        },
        row.get(4)?,
    ))
}

fn task_from_row(row: &Row<'_>) -> rusqlite::Result<(TaskRecord, String)> {
    Ok((
        TaskRecord {
            id: row.get(0)?,
            organization: row.get(1)?,
            file_id: row.get(2)?,
            result_file_id: row.get(3)?,
            status: TaskStatus::Processing,
            error_detail: row.get(5)?,
            created_at: row.get(6)?,
            updated_at: row.get(7)?,
            attempts: u32::try_from(row.get::<_, i64>(8)?).unwrap_or(u32::MAX),
            lease_until: row.get(9)?,
        },
        row.get(4)?,
    ))
}

fn with_status((mut task, status): (TaskRecord, String)) -> Result<TaskRecord, StoreError> {
    task.status = TaskStatus::parse(&status)?;
    Ok(task)
}

const TASK_COLUMNS: &str = "id, organization, file_id, result_file_id, status, error_detail, \
     created_at, updated_at, attempts, lease_until";

impl FileStore for SqliteStore {
    fn insert_file(&self, record: &FileRecord) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "INSERT INTO files (id, organization, name, size, kind, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    record.id,
                    record.organization,
                    record.name,
                    to_i64(record.size)?,
                    record.kind.as_str(),
                    record.created_at,
                    record.expires_at
                ],
            )
            .db()?;
        Ok(())
    }

    fn file(&self, id: &str, now: i64) -> Result<Option<FileRecord>, StoreError> {
        let found = self
            .lock()
            .query_row(
                "SELECT id, organization, name, size, kind, created_at, expires_at FROM files
                 WHERE id = ?1 AND (expires_at IS NULL OR expires_at >= ?2)",
                params![id, now],
                file_from_row,
            )
            .optional()
            .db()?;
        found
            .map(|(mut record, kind)| {
                record.kind = FileKind::parse(&kind)?;
                Ok(record)
            })
            .transpose()
    }

    fn remove_expired_files(&self, now: i64) -> Result<Vec<String>, StoreError> {
        let mut connection = self.lock();
        let transaction = connection.transaction().db()?;
        let ids = {
            let mut statement = transaction
                .prepare(
                    "SELECT id FROM files WHERE expires_at < ?1 AND NOT EXISTS
                 (SELECT 1 FROM tasks WHERE tasks.file_id = files.id AND status = 'PROCESSING')",
                )
                .db()?;
            let rows = statement
                .query_map(params![now], |row| row.get::<_, String>(0))
                .db()?;
            rows.collect::<rusqlite::Result<Vec<String>>>().db()?
        };
        for id in &ids {
            transaction
                .execute("DELETE FROM files WHERE id = ?1", params![id])
                .db()?;
        }
        transaction.commit().db()?;
        Ok(ids)
    }
}

impl TaskStore for SqliteStore {
    fn create_task(&self, task: &TaskRecord) -> Result<bool, StoreError> {
        let mut connection = self.lock();
        let transaction = connection.transaction().db()?;
        let charged = transaction
            .execute(
                "UPDATE quota SET balance = balance - 1 WHERE organization = ?1 AND balance > 0",
                params![task.organization],
            )
            .db()?;
        if charged == 0 {
            return Ok(false);
        }
        transaction.execute(
            &format!(
                "INSERT INTO tasks ({TASK_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
            ),
            params![
                task.id,
                task.organization,
                task.file_id,
                task.result_file_id,
                task.status.as_str(),
                task.error_detail,
                task.created_at,
                task.updated_at,
                task.attempts,
                task.lease_until
            ],
        ).db()?;
        transaction.commit().db()?;
        Ok(true)
    }

    fn task(&self, id: &str) -> Result<Option<TaskRecord>, StoreError> {
        let found = self
            .lock()
            .query_row(
                &format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = ?1"),
                params![id],
                task_from_row,
            )
            .optional()
            .db()?;
        found.map(with_status).transpose()
    }

    fn processing_tasks(&self) -> Result<Vec<TaskRecord>, StoreError> {
        let connection = self.lock();
        let mut statement = connection
            .prepare(&format!(
            "SELECT {TASK_COLUMNS} FROM tasks WHERE status = 'PROCESSING' ORDER BY created_at, id"
        ))
            .db()?;
        let rows = statement.query_map([], task_from_row).db()?;
        let mut tasks = Vec::new();
        for row in rows {
            tasks.push(with_status(row.db()?)?);
        }
        Ok(tasks)
    }

    fn finish_task(&self, task_id: &str, result: &FileRecord, now: i64) -> Result<(), StoreError> {
        let mut connection = self.lock();
        let transaction = connection.transaction().db()?;
        let updated = transaction.execute(
            "UPDATE tasks SET status = 'FINISHED', error_detail = '', updated_at = ?2, lease_until = NULL
             WHERE id = ?1 AND status = 'PROCESSING'",
            params![task_id, now],
        ).db()?;
        if updated == 1 {
            transaction.execute(
                "INSERT OR IGNORE INTO files (id, organization, name, size, kind, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    result.id,
                    result.organization,
                    result.name,
                    to_i64(result.size)?,
                    result.kind.as_str(),
                    result.created_at,
                    result.expires_at
                ],
            ).db()?;
        }
        transaction.commit().db()?;
        Ok(())
    }

    fn fail_task(&self, task_id: &str, detail: &str, now: i64) -> Result<(), StoreError> {
        let mut connection = self.lock();
        let transaction = connection.transaction().db()?;
        fail_in(&transaction, task_id, detail, now)?;
        transaction.commit().db()?;
        Ok(())
    }

    fn claim_task(
        &self,
        id: &str,
        now: i64,
        policy: &ClaimPolicy,
    ) -> Result<Option<TaskRecord>, StoreError> {
        let mut connection = self.lock();
        let transaction = connection.transaction().db()?;
        let claimed = claim_in(&transaction, id, now, policy)?;
        transaction.commit().db()?;
        Ok(claimed)
    }

    fn renew_lease(&self, id: &str, attempt: u32, until: i64) -> Result<bool, StoreError> {
        let renewed = self
            .lock()
            .execute(
                "UPDATE tasks SET lease_until = ?3 WHERE id = ?1 AND attempts = ?2
             AND status = 'PROCESSING' AND lease_until IS NOT NULL",
                params![id, attempt, until],
            )
            .db()?;
        Ok(renewed == 1)
    }

    fn claim_next(&self, now: i64, policy: &ClaimPolicy) -> Result<Option<TaskRecord>, StoreError> {
        let mut connection = self.lock();
        let transaction = connection.transaction().db()?;
        let claimed = loop {
            let next: Option<String> = transaction
                .query_row(
                    "SELECT id FROM tasks WHERE status = 'PROCESSING'
                     AND (lease_until IS NULL OR lease_until < ?1)
                     ORDER BY created_at, id LIMIT 1",
                    params![now],
                    |row| row.get(0),
                )
                .optional()
                .db()?;
            let Some(id) = next else { break None };
            // An exhausted task is failed by claim_in and no longer matches: look again.
            if let Some(task) = claim_in(&transaction, &id, now, policy)? {
                break Some(task);
            }
        };
        transaction.commit().db()?;
        Ok(claimed)
    }
}

/// The claim step of [`TaskStore::claim_task`] inside the caller's transaction.
fn claim_in(
    transaction: &Transaction<'_>,
    id: &str,
    now: i64,
    policy: &ClaimPolicy,
) -> Result<Option<TaskRecord>, StoreError> {
    let found = transaction
        .query_row(
            &format!(
                "SELECT {TASK_COLUMNS} FROM tasks WHERE id = ?1 AND status = 'PROCESSING'
                 AND (lease_until IS NULL OR lease_until < ?2)"
            ),
            params![id, now],
            task_from_row,
        )
        .optional()
        .db()?;
    let Some(mut task) = found.map(with_status).transpose()? else {
        return Ok(None);
    };
    if task.attempts >= policy.max_attempts {
        fail_in(transaction, id, &policy.exhausted_detail(), now)?;
        return Ok(None);
    }
    let lease_until = now.saturating_add(policy.lease_seconds);
    transaction
        .execute(
            "UPDATE tasks SET attempts = attempts + 1, lease_until = ?2 WHERE id = ?1",
            params![id, lease_until],
        )
        .db()?;
    task.attempts = task.attempts.saturating_add(1);
    task.lease_until = Some(lease_until);
    Ok(Some(task))
}

/// Marks a PROCESSING task FAILED and refunds its signature; anything else stays as it is.
fn fail_in(
    transaction: &Transaction<'_>,
    task_id: &str,
    detail: &str,
    now: i64,
) -> Result<(), StoreError> {
    let organization: Option<String> = transaction
        .query_row(
            "UPDATE tasks SET status = 'FAILED', error_detail = ?2, updated_at = ?3,
             lease_until = NULL WHERE id = ?1 AND status = 'PROCESSING' RETURNING organization",
            params![task_id, detail, now],
            |row| row.get(0),
        )
        .optional()
        .db()?;
    if let Some(organization) = organization {
        transaction
            .execute(
                "UPDATE quota SET balance = balance + 1 WHERE organization = ?1",
                params![organization],
            )
            .db()?;
    }
    Ok(())
}

impl QuotaStore for SqliteStore {
    fn ensure_account(&self, organization: &str, initial: u64) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "INSERT OR IGNORE INTO quota (organization, balance) VALUES (?1, ?2)",
                params![organization, to_i64(initial)?],
            )
            .db()?;
        Ok(())
    }

    fn balance(&self, organization: &str) -> Result<Option<u64>, StoreError> {
        let balance: Option<i64> = self
            .lock()
            .query_row(
                "SELECT balance FROM quota WHERE organization = ?1",
                params![organization],
                |row| row.get(0),
            )
            .optional()
            .db()?;
        Ok(balance.map(|b| u64::try_from(b).unwrap_or_default()))
    }

    fn add_signatures(&self, organization: &str, count: u64) -> Result<Option<u64>, StoreError> {
        let balance: Option<i64> = self
            .lock()
            .query_row(
                "UPDATE quota SET balance = balance + ?2 WHERE organization = ?1 RETURNING balance",
                params![organization, to_i64(count)?],
                |row| row.get(0),
            )
            .optional()
            .db()?;
        Ok(balance.map(|b| u64::try_from(b).unwrap_or_default()))
    }
}

impl MetadataStore for SqliteStore {
    fn installation_key(&self) -> Result<Vec<u8>, StoreError> {
        let fresh = secret_bytes::<32>().map_err(|e| {
            StoreError::Corrupt(format!("no randomness for the installation key: {e}"))
        })?;
        let connection = self.lock();
        connection
            .execute(
                "INSERT OR IGNORE INTO settings (name, value) VALUES ('installation_key', ?1)",
                params![fresh.to_vec()],
            )
            .db()?;
        connection
            .query_row(
                "SELECT value FROM settings WHERE name = 'installation_key'",
                [],
                |row| row.get(0),
            )
            .db()
    }

    fn remember_signature(
        &self,
        secret_id: &str,
        signature: &str,
        action: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<Option<String>, StoreError> {
        // An expired row is replaced as if absent; a live one is left and reported. One lock
        // for both statements: no sweep runs between them.
        let connection = self.lock();
        let first_use: Option<i64> = connection
            .query_row(
                "INSERT INTO request_signatures (secret_id, signature, action, expires_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (secret_id, signature) DO UPDATE
                 SET action = excluded.action, expires_at = excluded.expires_at
                 WHERE request_signatures.expires_at < ?5
                 RETURNING 1",
                params![secret_id, signature, action, expires_at, now],
                |row| row.get(0),
            )
            .optional()
            .db()?;
        if first_use.is_some() {
            return Ok(None);
        }
        connection
            .query_row(
                "SELECT action FROM request_signatures WHERE secret_id = ?1 AND signature = ?2",
                params![secret_id, signature],
                |row| row.get(0),
            )
            .optional()
            .db()
    }

    fn forget_expired_signatures(&self, now: i64) -> Result<u64, StoreError> {
        let removed = self
            .lock()
            .execute(
                "DELETE FROM request_signatures WHERE expires_at < ?1",
                params![now],
            )
            .db()?;
        Ok(u64::try_from(removed).unwrap_or(u64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: &str, organization: &str) -> TaskRecord {
        TaskRecord {
            id: id.into(),
            organization: organization.into(),
            file_id: "f".into(),
            result_file_id: format!("r{id}"),
            status: TaskStatus::Processing,
            error_detail: String::new(),
            created_at: 1,
            updated_at: 1,
            attempts: 0,
            lease_until: None,
        }
    }

    fn result(id: &str) -> FileRecord {
        FileRecord {
            id: id.into(),
            organization: "org".into(),
            name: "x.pdf".into(),
            size: 3,
            kind: FileKind::Result,
            created_at: 1,
            expires_at: None,
        }
    }

    #[test]
    fn quota_is_charged_with_the_task_and_refunded_on_failure() {
        let dir = crate::testing::TempDir::new("sqlite-quota");
        let store = SqliteStore::open(&dir.path().join("db")).unwrap();
        store.ensure_account("org", 2).unwrap();
        store.ensure_account("org", 100).unwrap(); // an existing account keeps its balance
        assert!(store.create_task(&task("a", "org")).unwrap());
        assert!(store.create_task(&task("b", "org")).unwrap());
        assert!(!store.create_task(&task("c", "org")).unwrap());
        assert!(store.task("c").unwrap().is_none());
        assert_eq!(store.balance("org").unwrap(), Some(0));
        assert!(!store.create_task(&task("d", "no-account")).unwrap());

        store.fail_task("a", "refused", 2).unwrap();
        store.fail_task("a", "refused twice", 3).unwrap(); // no double refund
        assert_eq!(store.balance("org").unwrap(), Some(1));
        let failed = store.task("a").unwrap().unwrap();
        assert_eq!(
            (failed.status, failed.error_detail.as_str()),
            (TaskStatus::Failed, "refused")
        );

        store.finish_task("b", &result("rb"), 4).unwrap();
        store.fail_task("b", "late", 5).unwrap(); // a finished task stays finished
        assert_eq!(
            store.task("b").unwrap().unwrap().status,
            TaskStatus::Finished
        );
        assert_eq!(store.file("rb", 4).unwrap().unwrap().kind, FileKind::Result);
        assert_eq!(store.balance("org").unwrap(), Some(1));
        assert!(store.processing_tasks().unwrap().is_empty());
        assert_eq!(store.add_signatures("org", 10).unwrap(), Some(11));
        assert_eq!(store.add_signatures("no-account", 10).unwrap(), None);
    }

    #[test]
    fn files_expire_and_state_survives_reopening() {
        let dir = crate::testing::TempDir::new("sqlite-reopen");
        let path = dir.path().join("db");
        let key = {
            let store = SqliteStore::open(&path).unwrap();
            let mut upload = result("up");
            upload.kind = FileKind::Upload;
            upload.expires_at = Some(100);
            store.insert_file(&upload).unwrap();
            store.ensure_account("org", 5).unwrap();
            assert!(store.create_task(&task("t", "org")).unwrap());
            assert!(store.file("up", 100).unwrap().is_some());
            assert!(store.file("up", 101).unwrap().is_none());
            store.installation_key().unwrap()
        };
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.installation_key().unwrap(), key);
        assert_eq!(store.processing_tasks().unwrap().len(), 1);
        assert_eq!(store.balance("org").unwrap(), Some(4));
        assert_eq!(
            store.remove_expired_files(200).unwrap(),
            vec!["up".to_owned()]
        );
        assert!(store.remove_expired_files(200).unwrap().is_empty());
    }

    #[test]
    fn claims_lease_tasks_and_give_up_after_max_attempts() {
        let dir = crate::testing::TempDir::new("sqlite-claims");
        let store = SqliteStore::open(&dir.path().join("db")).unwrap();
        let policy = ClaimPolicy {
            lease_seconds: 10,
            max_attempts: 2,
        };
        store.ensure_account("org", 5).unwrap();
        assert!(store.create_task(&task("a", "org")).unwrap());
        let mut b = task("b", "org");
        b.created_at = 2;
        assert!(store.create_task(&b).unwrap());

        let first = store.claim_next(100, &policy).unwrap().unwrap();
        assert_eq!((first.id.as_str(), first.attempts), ("a", 1));
        assert_eq!(first.lease_until, Some(110));
        // "a" is leased: the next free one is "b", then none.
        assert_eq!(store.claim_next(100, &policy).unwrap().unwrap().id, "b");
        assert!(store.claim_next(110, &policy).unwrap().is_none());
        assert!(store.claim_task("a", 110, &policy).unwrap().is_none());
        // Expired leases are taken over.
        assert_eq!(
            store
                .claim_task("a", 111, &policy)
                .unwrap()
                .unwrap()
                .attempts,
            2
        );
        store.finish_task("b", &result("rb"), 111).unwrap();
        assert!(store.claim_task("b", 999, &policy).unwrap().is_none());
        // "a" used its two attempts: the next claim gives it up and refunds it.
        assert_eq!(store.balance("org").unwrap(), Some(3));
        assert!(store.claim_next(200, &policy).unwrap().is_none());
        let given_up = store.task("a").unwrap().unwrap();
        assert_eq!(given_up.status, TaskStatus::Failed);
        assert_eq!(given_up.error_detail, policy.exhausted_detail());
        assert_eq!(store.balance("org").unwrap(), Some(4));
    }

    #[test]
    fn only_the_run_holding_a_claim_renews_its_lease() {
        let dir = crate::testing::TempDir::new("sqlite-renew");
        let store = SqliteStore::open(&dir.path().join("db")).unwrap();
        let policy = ClaimPolicy {
            lease_seconds: 10,
            max_attempts: 3,
        };
        store.ensure_account("org", 5).unwrap();
        assert!(store.create_task(&task("a", "org")).unwrap());
        // Not claimed yet: nothing to renew.
        assert!(!store.renew_lease("a", 0, 150).unwrap());
        let first = store.claim_task("a", 100, &policy).unwrap().unwrap();
        assert!(store.renew_lease("a", first.attempts, 125).unwrap());
        // Renewed past the first lease (110): not claimable at 120.
        assert!(store.claim_task("a", 120, &policy).unwrap().is_none());
        assert_eq!(store.task("a").unwrap().unwrap().lease_until, Some(125));
        // Its runner died: at 126 another run takes it over; the first run's renewal fails.
        let second = store.claim_task("a", 126, &policy).unwrap().unwrap();
        assert_eq!(second.attempts, 2);
        assert!(!store.renew_lease("a", first.attempts, 200).unwrap());
        assert_eq!(store.task("a").unwrap().unwrap().lease_until, Some(136));
        assert!(store.renew_lease("a", second.attempts, 140).unwrap());
        // A finished task is nobody's to renew.
        store.finish_task("a", &result("ra"), 130).unwrap();
        assert!(!store.renew_lease("a", second.attempts, 150).unwrap());
        assert_eq!(store.task("a").unwrap().unwrap().lease_until, None);
    }

    #[test]
    fn signatures_are_remembered_per_credential_until_their_window_ends() {
        let dir = crate::testing::TempDir::new("sqlite-signatures");
        let path = dir.path().join("db");
        {
            let store = SqliteStore::open(&path).unwrap();
            let remember = |id: &str, action: &str, expires_at: i64, now: i64| {
                store
                    .remember_signature(id, "sig", action, expires_at, now)
                    .unwrap()
            };
            assert_eq!(remember("a", "VerifyDigitFile", 1_300, 1_000), None);
            assert_eq!(
                remember("a", "CreateFileCounterSign", 1_300, 1_001).as_deref(),
                Some("VerifyDigitFile")
            );
            assert_eq!(remember("b", "UploadFiles", 1_300, 1_001), None);
            // Seen again after its window: replaced, new again.
            assert_eq!(remember("b", "UploadFiles", 1_700, 1_301), None);
            assert_eq!(store.forget_expired_signatures(1_300).unwrap(), 0);
            assert_eq!(store.forget_expired_signatures(1_301).unwrap(), 1);
            assert_eq!(store.forget_expired_signatures(1_301).unwrap(), 0);
        }
        // Remembered across a restart (another process may have seen it first).
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(
            store
                .remember_signature("b", "sig", "VerifyDigitFile", 1_700, 1_302)
                .unwrap()
                .as_deref(),
            Some("UploadFiles")
        );
    }

    #[test]
    fn an_in_memory_store_leaves_nothing_on_disk() {
        // The fuzz harness's store: the owner-only pre-create once made an empty file of this
        // name in the working folder.
        let store = SqliteStore::open(Path::new(":memory:")).unwrap();
        store.ensure_account("org", 1).unwrap();
        assert_eq!(store.balance("org").unwrap(), Some(1));
        assert!(!Path::new(":memory:").exists());
    }

    #[test]
    fn migrates_a_database_from_before_versioning() {
        let dir = crate::testing::TempDir::new("sqlite-migrate");
        let path = dir.path().join("db");
        {
            // The unversioned schema as released, with one task in it.
            let old = Connection::open(&path).unwrap();
            old.execute_batch(MIGRATIONS[0]).unwrap();
            old.execute(
                "INSERT INTO tasks VALUES ('t', 'org', 'f', 'rt', 'PROCESSING', '', 1, 1)",
                [],
            )
            .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        let version: i64 = store
            .lock()
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(usize::try_from(version).unwrap(), MIGRATIONS.len());
        let old_task = store.task("t").unwrap().unwrap();
        assert_eq!((old_task.attempts, old_task.lease_until), (0, None));
        drop(store);
        // Reopening applies nothing twice; a newer database is refused.
        SqliteStore::open(&path).unwrap();
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        assert!(matches!(
            SqliteStore::open(&path),
            Err(StoreError::Corrupt(_))
        ));
    }
}
