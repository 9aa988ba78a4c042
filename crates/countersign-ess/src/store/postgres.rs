//! [`MetadataStore`] on a PostgreSQL database that several service replicas share.
//!
//! The tables are those of the SQLite store, plus the rate-limit buckets and a quota ledger (one
//! `charge` row per task, one `refund` row per failed task: the primary key makes a second charge
//! of the same task impossible). Schema steps are versioned in `schema_migrations` and applied at
//! start under an advisory lock, so replicas starting together apply each step once.
//!
//! Workers claim tasks with `SELECT ... FOR UPDATE SKIP LOCKED`: two replicas never wait for, nor
//! take, the same row; the claim sets the lease and the attempt counter in the same transaction.
//! Lease times are the replicas' Unix clocks, which must agree to well within a lease (NTP).
//! Connections are plain TCP (`NoTls`): keep the database on a private network or loopback.

use std::sync::{Condvar, Mutex, MutexGuard};

use postgres::{Client, GenericClient, NoTls, Row, Transaction};

use super::{
    ClaimPolicy, FileKind, FileRecord, FileStore, MetadataStore, QuotaStore, TaskRecord,
    TaskStatus, TaskStore,
};
use crate::error::StoreError;
use crate::ids::secret_bytes;

/// Schema steps, applied in order; `schema_migrations` records the ones applied. Never edit a
/// released step: add one.
const MIGRATIONS: &[&str] = &[
    "
CREATE TABLE files (
    id TEXT PRIMARY KEY,
    organization TEXT NOT NULL,
    name TEXT NOT NULL,
    size BIGINT NOT NULL,
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT
);
CREATE INDEX files_by_expiry ON files(expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    organization TEXT NOT NULL,
    file_id TEXT NOT NULL,
    result_file_id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    error_detail TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_until BIGINT
);
CREATE INDEX tasks_processing ON tasks(created_at, id) WHERE status = 'PROCESSING';
CREATE TABLE quota (
    organization TEXT PRIMARY KEY,
    balance BIGINT NOT NULL CHECK (balance >= 0)
);
CREATE TABLE quota_ledger (
    task_id TEXT NOT NULL,
    organization TEXT NOT NULL,
    delta INTEGER NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (task_id, reason)
);
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);
CREATE TABLE rate_buckets (
    organization TEXT NOT NULL,
    action TEXT NOT NULL,
    tokens DOUBLE PRECISION NOT NULL,
    refilled_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization, action)
);
",
    "
CREATE TABLE request_signatures (
    secret_id TEXT NOT NULL,
    signature TEXT NOT NULL,
    action TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (secret_id, signature)
);
CREATE INDEX request_signatures_by_expiry ON request_signatures(expires_at);
",
];

/// Serialises schema changes between replicas (`pg_advisory_xact_lock`); any fixed number would do.
const MIGRATION_LOCK: i64 = 0x0063_7369_676e_0001;

/// Connections a replica keeps open at most; callers beyond it wait for one to come back.
const MAX_CONNECTIONS: usize = 16;

const TASK_COLUMNS: &str = "id, organization, file_id, result_file_id, status, error_detail, \
     created_at, updated_at, attempts, lease_until";

/// A small blocking connection pool over one database URL.
///
/// # Examples
///
/// ```no_run
/// use countersign_ess::store::{
///     ClaimPolicy, MetadataStore, PostgresStore, QuotaStore, TaskStore,
/// };
///
/// // Two replicas (normally two processes, on two hosts) on one database.
/// let first = PostgresStore::open("postgres://countersign:secret@db.internal:5432/countersign")?;
/// let second = PostgresStore::open("postgres://countersign:secret@db.internal:5432/countersign")?;
/// first.ensure_account("org", 100)?;
/// assert_eq!(second.balance("org")?, Some(100));
/// // One rate-limit bucket for all replicas (20 requests a second here).
/// assert_eq!(first.take_rate_token("org", "CreateFileCounterSign", 20)?, Some(true));
/// # let task = countersign_ess::store::TaskRecord {
/// #     id: "task-1".into(), organization: "org".into(), file_id: "a1b2c3d4e5f60718".into(),
/// #     result_file_id: "f0e1d2c3b4a59687".into(),
/// #     status: countersign_ess::store::TaskStatus::Processing, error_detail: String::new(),
/// #     created_at: 100, updated_at: 100, attempts: 0, lease_until: None,
/// # };
/// assert!(first.create_task(&task)?);
/// // A task is claimed by one replica only: the other skips the locked, leased row.
/// let policy = ClaimPolicy { lease_seconds: 60, max_attempts: 3 };
/// let run = first.claim_next(1_000, &policy)?.ok_or("nothing to run")?;
/// assert_eq!(run.id, "task-1");
/// assert!(second.claim_next(1_000, &policy)?.is_none());
/// assert!(second.claim_task("task-1", 1_030, &policy)?.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PostgresStore {
    url: String,
    pool: Mutex<Pool>,
    returned: Condvar,
}

#[derive(Default)]
struct Pool {
    idle: Vec<Client>,
    open: usize,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not the URL: it may hold a password.
        f.debug_struct("PostgresStore").finish_non_exhaustive()
    }
}

/// A connection borrowed from the pool; goes back (or is forgotten if broken) on drop.
struct Pooled<'a> {
    store: &'a PostgresStore,
    client: Option<Client>,
}

impl std::ops::Deref for Pooled<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.client.as_ref().unwrap_or_else(|| unreachable!())
    }
}

impl std::ops::DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.client.as_mut().unwrap_or_else(|| unreachable!())
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        let mut pool = self.store.lock();
        match self.client.take() {
            Some(client) if !client.is_closed() => pool.idle.push(client),
            _ => pool.open = pool.open.saturating_sub(1),
        }
        self.store.returned.notify_one();
    }
}

fn db(error: postgres::Error) -> StoreError {
    StoreError::database(error)
}

fn to_i64(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{value} does not fit in BIGINT")))
}

fn to_i32(value: u32) -> Result<i32, StoreError> {
    i32::try_from(value)
        .map_err(|_| StoreError::Corrupt(format!("{value} does not fit in INTEGER")))
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`) and brings the schema to
    /// this program's version.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use std::sync::Arc;
    ///
    /// use countersign_ess::store::{MetadataStore, PostgresStore};
    ///
    /// // postgres://user:password@host:5432/database
    /// let url = std::env::var("COUNTERSIGN_DATABASE_URL")?;
    /// let metadata: Arc<dyn MetadataStore> = Arc::new(PostgresStore::open(&url)?);
    /// // Every replica derives its download links from the same key.
    /// assert_eq!(metadata.installation_key()?, PostgresStore::open(&url)?.installation_key()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let store = Self {
            url: url.to_owned(),
            pool: Mutex::new(Pool::default()),
            returned: Condvar::new(),
        };
        migrate(&mut *store.client()?)?;
        Ok(store)
    }

    fn lock(&self) -> MutexGuard<'_, Pool> {
        self.pool
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    fn client(&self) -> Result<Pooled<'_>, StoreError> {
        let mut pool = self.lock();
        loop {
            if let Some(client) = pool.idle.pop() {
                return Ok(Pooled {
                    store: self,
                    client: Some(client),
                });
            }
            if pool.open < MAX_CONNECTIONS {
                pool.open = pool.open.saturating_add(1);
                drop(pool);
                return match Client::connect(&self.url, NoTls) {
                    Ok(client) => Ok(Pooled {
                        store: self,
                        client: Some(client),
                    }),
                    Err(error) => {
                        let mut pool = self.lock();
                        pool.open = pool.open.saturating_sub(1);
                        drop(pool);
                        self.returned.notify_one();
                        Err(db(error))
                    }
                };
            }
            pool = self
                .returned
                .wait(pool)
                .unwrap_or_else(|poison| poison.into_inner());
        }
    }

    /// Schema steps applied so far (for tests and operators).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use countersign_ess::store::PostgresStore;
    ///
    /// let url = "postgres://countersign:secret@db.internal:5432/countersign";
    /// let store = PostgresStore::open(url)?;
    /// // Opening applied every step this program knows; a replica opening later applies none.
    /// let version = store.schema_version()?;
    /// assert!(version >= 1);
    /// assert_eq!(PostgresStore::open(url)?.schema_version()?, version);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn schema_version(&self) -> Result<usize, StoreError> {
        let row = self
            .client()?
            .query_one("SELECT count(*) FROM schema_migrations", &[])
            .map_err(db)?;
        let count: i64 = row.try_get(0).map_err(db)?;
        Ok(usize::try_from(count).unwrap_or_default())
    }

    /// Signatures charged and refunded for one task, from the ledger: `(charges, refunds)`.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use countersign_ess::store::{
    ///     PostgresStore, QuotaStore, TaskRecord, TaskStatus, TaskStore,
    /// };
    ///
    /// let store = PostgresStore::open("postgres://countersign:secret@db.internal/countersign")?;
    /// store.ensure_account("org", 10)?;
    /// # let task = TaskRecord {
    /// #     id: "task-1".into(), organization: "org".into(), file_id: "a1b2c3d4e5f60718".into(),
    /// #     result_file_id: "f0e1d2c3b4a59687".into(), status: TaskStatus::Processing,
    /// #     error_detail: String::new(), created_at: 100, updated_at: 100, attempts: 0, lease_until: None,
    /// # };
    /// assert!(store.create_task(&task)?);
    /// assert_eq!(store.ledger_of("task-1")?, (1, 0)); // charged
    /// store.fail_task("task-1", "the PDF is encrypted", 200)?;
    /// store.fail_task("task-1", "again", 300)?;
    /// assert_eq!(store.ledger_of("task-1")?, (1, 1)); // refunded once
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ledger_of(&self, task_id: &str) -> Result<(u32, u32), StoreError> {
        let row = self
            .client()?
            .query_one(
                "SELECT count(*) FILTER (WHERE reason = 'charge'),
                        count(*) FILTER (WHERE reason = 'refund')
                 FROM quota_ledger WHERE task_id = $1",
                &[&task_id],
            )
            .map_err(db)?;
        let count = |index: usize| -> Result<u32, StoreError> {
            let value: i64 = row.try_get(index).map_err(db)?;
            Ok(u32::try_from(value).unwrap_or(u32::MAX))
        };
        Ok((count(0)?, count(1)?))
    }
}

/// Applies the missing schema steps in one transaction, under the migration lock.
fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let mut transaction = client.transaction().map_err(db)?;
    transaction
        .execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(db)?;
    transaction
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version INTEGER PRIMARY KEY,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
             )",
        )
        .map_err(db)?;
    let applied: i64 = transaction
        .query_one("SELECT count(*) FROM schema_migrations", &[])
        .map_err(db)?
        .try_get(0)
        .map_err(db)?;
    let applied = usize::try_from(applied).unwrap_or_default();
    if applied > MIGRATIONS.len() {
        return Err(StoreError::Corrupt(format!(
            "database schema version {applied} is newer than this program ({})",
            MIGRATIONS.len()
        )));
    }
    for (index, step) in MIGRATIONS.iter().enumerate().skip(applied) {
        transaction.batch_execute(step).map_err(db)?;
        let version = i32::try_from(index.saturating_add(1)).unwrap_or(i32::MAX);
        transaction
            .execute(
                "INSERT INTO schema_migrations (version) VALUES ($1)",
                &[&version],
            )
            .map_err(db)?;
    }
    transaction.commit().map_err(db)
}

fn file_from_row(row: &Row) -> Result<FileRecord, StoreError> {
    let size: i64 = row.try_get(3).map_err(db)?;
    let kind: String = row.try_get(4).map_err(db)?;
    Ok(FileRecord {
        id: row.try_get(0).map_err(db)?,
        organization: row.try_get(1).map_err(db)?,
        name: row.try_get(2).map_err(db)?,
        size: u64::try_from(size).unwrap_or_default(),
        kind: FileKind::parse(&kind)?,
        created_at: row.try_get(5).map_err(db)?,
        expires_at: row.try_get(6).map_err(db)?,
    })
}

fn task_from_row(row: &Row) -> Result<TaskRecord, StoreError> {
    let status: String = row.try_get(4).map_err(db)?;
    let attempts: i32 = row.try_get(8).map_err(db)?;
    Ok(TaskRecord {
        id: row.try_get(0).map_err(db)?,
        organization: row.try_get(1).map_err(db)?,
        file_id: row.try_get(2).map_err(db)?,
        result_file_id: row.try_get(3).map_err(db)?,
        status: TaskStatus::parse(&status)?,
        error_detail: row.try_get(5).map_err(db)?,
        created_at: row.try_get(6).map_err(db)?,
        updated_at: row.try_get(7).map_err(db)?,
        attempts: u32::try_from(attempts).unwrap_or_default(),
        lease_until: row.try_get(9).map_err(db)?,
    })
}

fn insert_file(client: &mut impl GenericClient, record: &FileRecord) -> Result<u64, StoreError> {
    client
        .execute(
            "INSERT INTO files (id, organization, name, size, kind, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
            &[
                &record.id,
                &record.organization,
                &record.name,
                &to_i64(record.size)?,
                &record.kind.as_str(),
                &record.created_at,
                &record.expires_at,
            ],
        )
        .map_err(db)
}

impl FileStore for PostgresStore {
    fn insert_file(&self, record: &FileRecord) -> Result<(), StoreError> {
        match insert_file(&mut *self.client()?, record)? {
            1 => Ok(()),
            _ => Err(StoreError::Corrupt(format!("file {} exists", record.id))),
        }
    }

    fn file(&self, id: &str, now: i64) -> Result<Option<FileRecord>, StoreError> {
        self.client()?
            .query_opt(
                "SELECT id, organization, name, size, kind, created_at, expires_at FROM files
                 WHERE id = $1 AND (expires_at IS NULL OR expires_at >= $2)",
                &[&id, &now],
            )
            .map_err(db)?
            .as_ref()
            .map(file_from_row)
            .transpose()
    }

    fn remove_expired_files(&self, now: i64) -> Result<Vec<String>, StoreError> {
        let rows = self
            .client()?
            .query(
                "DELETE FROM files WHERE expires_at < $1 AND NOT EXISTS
                 (SELECT 1 FROM tasks WHERE tasks.file_id = files.id AND status = 'PROCESSING')
                 RETURNING id",
                &[&now],
            )
            .map_err(db)?;
        rows.iter().map(|row| row.try_get(0).map_err(db)).collect()
    }
}

impl TaskStore for PostgresStore {
    fn create_task(&self, task: &TaskRecord) -> Result<bool, StoreError> {
        let mut client = self.client()?;
        let mut transaction = client.transaction().map_err(db)?;
        let charged = transaction
            .execute(
                "UPDATE quota SET balance = balance - 1 WHERE organization = $1 AND balance > 0",
                &[&task.organization],
            )
            .map_err(db)?;
        if charged == 0 {
            return Ok(false);
        }
        transaction
            .execute(
                &format!(
                    "INSERT INTO tasks ({TASK_COLUMNS})
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
                ),
                &[
                    &task.id,
                    &task.organization,
                    &task.file_id,
                    &task.result_file_id,
                    &task.status.as_str(),
                    &task.error_detail,
                    &task.created_at,
                    &task.updated_at,
                    &to_i32(task.attempts)?,
                    &task.lease_until,
                ],
            )
            .map_err(db)?;
        transaction
            .execute(
                "INSERT INTO quota_ledger (task_id, organization, delta, reason)
                 VALUES ($1, $2, -1, 'charge')",
                &[&task.id, &task.organization],
            )
            .map_err(db)?;
        transaction.commit().map_err(db)?;
        Ok(true)
    }

    fn task(&self, id: &str) -> Result<Option<TaskRecord>, StoreError> {
        self.client()?
            .query_opt(
                &format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1"),
                &[&id],
            )
            .map_err(db)?
            .as_ref()
            .map(task_from_row)
            .transpose()
    }

    fn processing_tasks(&self) -> Result<Vec<TaskRecord>, StoreError> {
        let rows = self
            .client()?
            .query(
                &format!(
                    "SELECT {TASK_COLUMNS} FROM tasks WHERE status = 'PROCESSING'
                     ORDER BY created_at, id"
                ),
                &[],
            )
            .map_err(db)?;
        rows.iter().map(task_from_row).collect()
    }

    fn finish_task(&self, task_id: &str, result: &FileRecord, now: i64) -> Result<(), StoreError> {
        let mut client = self.client()?;
        let mut transaction = client.transaction().map_err(db)?;
        let updated = transaction
            .execute(
                "UPDATE tasks SET status = 'FINISHED', error_detail = '', updated_at = $2,
                 lease_until = NULL WHERE id = $1 AND status = 'PROCESSING'",
                &[&task_id, &now],
            )
            .map_err(db)?;
        if updated == 1 {
            insert_file(&mut transaction, result)?;
        }
        transaction.commit().map_err(db)
    }

    fn fail_task(&self, task_id: &str, detail: &str, now: i64) -> Result<(), StoreError> {
        let mut client = self.client()?;
        let mut transaction = client.transaction().map_err(db)?;
        fail_in(&mut transaction, task_id, detail, now)?;
        transaction.commit().map_err(db)
    }

    fn claim_task(
        &self,
        id: &str,
        now: i64,
        policy: &ClaimPolicy,
    ) -> Result<Option<TaskRecord>, StoreError> {
        let mut client = self.client()?;
        let mut transaction = client.transaction().map_err(db)?;
        let row = transaction
            .query_opt(
                &format!(
                    "SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1 AND status = 'PROCESSING'
                     AND (lease_until IS NULL OR lease_until < $2) FOR UPDATE SKIP LOCKED"
                ),
                &[&id, &now],
            )
            .map_err(db)?;
        let claimed = match row {
            Some(row) => claim_in(&mut transaction, task_from_row(&row)?, now, policy)?,
            None => None,
        };
        transaction.commit().map_err(db)?;
        Ok(claimed)
    }

    fn renew_lease(&self, id: &str, attempt: u32, until: i64) -> Result<bool, StoreError> {
        let renewed = self
            .client()?
            .execute(
                "UPDATE tasks SET lease_until = $3 WHERE id = $1 AND attempts = $2
                 AND status = 'PROCESSING' AND lease_until IS NOT NULL",
                &[&id, &to_i32(attempt)?, &until],
            )
            .map_err(db)?;
        Ok(renewed == 1)
    }

    fn claim_next(&self, now: i64, policy: &ClaimPolicy) -> Result<Option<TaskRecord>, StoreError> {
        let mut client = self.client()?;
        let mut transaction = client.transaction().map_err(db)?;
        let claimed = loop {
            let row = transaction
                .query_opt(
                    &format!(
                        "SELECT {TASK_COLUMNS} FROM tasks WHERE status = 'PROCESSING'
                         AND (lease_until IS NULL OR lease_until < $1)
                         ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED"
                    ),
                    &[&now],
                )
                .map_err(db)?;
            let Some(row) = row else { break None };
            // An exhausted task is failed by claim_in and no longer matches: look again.
            if let Some(task) = claim_in(&mut transaction, task_from_row(&row)?, now, policy)? {
                break Some(task);
            }
        };
        transaction.commit().map_err(db)?;
        Ok(claimed)
    }
}

/// Claims a task whose row the transaction has locked (see [`TaskStore::claim_task`]).
fn claim_in(
    transaction: &mut Transaction<'_>,
    mut task: TaskRecord,
    now: i64,
    policy: &ClaimPolicy,
) -> Result<Option<TaskRecord>, StoreError> {
    if task.attempts >= policy.max_attempts {
        fail_in(transaction, &task.id, &policy.exhausted_detail(), now)?;
        return Ok(None);
    }
    let lease_until = now.saturating_add(policy.lease_seconds);
    transaction
        .execute(
            "UPDATE tasks SET attempts = attempts + 1, lease_until = $2 WHERE id = $1",
            &[&task.id, &lease_until],
        )
        .map_err(db)?;
    task.attempts = task.attempts.saturating_add(1);
    task.lease_until = Some(lease_until);
    Ok(Some(task))
}

/// Marks a PROCESSING task FAILED and refunds its signature (once: the ledger's key).
fn fail_in(
    transaction: &mut Transaction<'_>,
    task_id: &str,
    detail: &str,
    now: i64,
) -> Result<(), StoreError> {
    let failed = transaction
        .query_opt(
            "UPDATE tasks SET status = 'FAILED', error_detail = $2, updated_at = $3,
             lease_until = NULL WHERE id = $1 AND status = 'PROCESSING' RETURNING organization",
            &[&task_id, &detail, &now],
        )
        .map_err(db)?;
    if let Some(row) = failed {
        let organization: String = row.try_get(0).map_err(db)?;
        transaction
            .execute(
                "UPDATE quota SET balance = balance + 1 WHERE organization = $1",
                &[&organization],
            )
            .map_err(db)?;
        transaction
            .execute(
                "INSERT INTO quota_ledger (task_id, organization, delta, reason)
                 VALUES ($1, $2, 1, 'refund')",
                &[&task_id, &organization],
            )
            .map_err(db)?;
    }
    Ok(())
}

impl QuotaStore for PostgresStore {
    fn ensure_account(&self, organization: &str, initial: u64) -> Result<(), StoreError> {
        self.client()?
            .execute(
                "INSERT INTO quota (organization, balance) VALUES ($1, $2)
                 ON CONFLICT (organization) DO NOTHING",
                &[&organization, &to_i64(initial)?],
            )
            .map_err(db)?;
        Ok(())
    }

    fn balance(&self, organization: &str) -> Result<Option<u64>, StoreError> {
        let row = self
            .client()?
            .query_opt(
                "SELECT balance FROM quota WHERE organization = $1",
                &[&organization],
            )
            .map_err(db)?;
        balance_of(row)
    }

    fn add_signatures(&self, organization: &str, count: u64) -> Result<Option<u64>, StoreError> {
        let row = self
            .client()?
            .query_opt(
                "UPDATE quota SET balance = balance + $2 WHERE organization = $1
                 RETURNING balance",
                &[&organization, &to_i64(count)?],
            )
            .map_err(db)?;
        balance_of(row)
    }
}

fn balance_of(row: Option<Row>) -> Result<Option<u64>, StoreError> {
    row.map(|row| {
        let balance: i64 = row.try_get(0).map_err(db)?;
        Ok(u64::try_from(balance).unwrap_or_default())
    })
    .transpose()
}

impl MetadataStore for PostgresStore {
    fn installation_key(&self) -> Result<Vec<u8>, StoreError> {
        let fresh = secret_bytes::<32>().map_err(|e| {
            StoreError::Corrupt(format!("no randomness for the installation key: {e}"))
        })?;
        let mut client = self.client()?;
        client
            .execute(
                "INSERT INTO settings (name, value) VALUES ('installation_key', $1)
                 ON CONFLICT (name) DO NOTHING",
                &[&fresh.as_slice()],
            )
            .map_err(db)?;
        client
            .query_one(
                "SELECT value FROM settings WHERE name = 'installation_key'",
                &[],
            )
            .map_err(db)?
            .try_get(0)
            .map_err(db)
    }

    /// One statement, so concurrent requests on any replica serialise on the bucket's row: the
    /// bucket refills by the time elapsed on the database's clock since its last refill.
    fn take_rate_token(
        &self,
        organization: &str,
        action: &str,
        rate: u32,
    ) -> Result<Option<bool>, StoreError> {
        let rate = f64::from(rate);
        let granted = self
            .client()?
            .query_opt(
                "INSERT INTO rate_buckets AS b (organization, action, tokens, refilled_at)
                 VALUES ($1, $2, $3::float8 - 1, clock_timestamp())
                 ON CONFLICT (organization, action) DO UPDATE SET
                     tokens = LEAST($3::float8, b.tokens + $3::float8 * GREATEST(0,
                         EXTRACT(EPOCH FROM clock_timestamp() - b.refilled_at)::float8)) - 1,
                     refilled_at = GREATEST(b.refilled_at, clock_timestamp())
                 WHERE LEAST($3::float8, b.tokens + $3::float8 * GREATEST(0,
                     EXTRACT(EPOCH FROM clock_timestamp() - b.refilled_at)::float8)) >= 1
                 RETURNING tokens",
                &[&organization, &action, &rate],
            )
            .map_err(db)?;
        Ok(Some(granted.is_some()))
    }

    /// The upsert takes the row's lock: a replica inserting the same signature at the same time
    /// waits for the first to commit, then finds the row live and reports it.
    fn remember_signature(
        &self,
        secret_id: &str,
        signature: &str,
        action: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<Option<String>, StoreError> {
        let mut client = self.client()?;
        // A row swept between the two statements is gone, hence new again: try once more.
        for _ in 0..3 {
            let first_use = client
                .query_opt(
                    "INSERT INTO request_signatures AS s (secret_id, signature, action, expires_at)
                     VALUES ($1, $2, $3, $4)
                     ON CONFLICT (secret_id, signature) DO UPDATE
                     SET action = EXCLUDED.action, expires_at = EXCLUDED.expires_at
                     WHERE s.expires_at < $5
                     RETURNING 1",
                    &[&secret_id, &signature, &action, &expires_at, &now],
                )
                .map_err(db)?;
            if first_use.is_some() {
                return Ok(None);
            }
            let seen = client
                .query_opt(
                    "SELECT action FROM request_signatures WHERE secret_id = $1 AND signature = $2",
                    &[&secret_id, &signature],
                )
                .map_err(db)?;
            if let Some(row) = seen {
                return Ok(Some(row.try_get(0).map_err(db)?));
            }
        }
        Err(StoreError::Corrupt(format!(
            "signature of {secret_id} neither recorded nor found"
        )))
    }

    fn forget_expired_signatures(&self, now: i64) -> Result<u64, StoreError> {
        self.client()?
            .execute(
                "DELETE FROM request_signatures WHERE expires_at < $1",
                &[&now],
            )
            .map_err(db)
    }
}
