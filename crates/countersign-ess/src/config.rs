//! The service configuration, read from TOML.
//!
//! ```toml
//! workers = 2                      # async signing threads (default: number of cores)
//! rate_limit = 20                  # requests per second, per action and organisation
//! public_url = "https://ess.example.com"   # base of DescribeFileUrls links (default: listen address)
//! hosts = ["ess.internal:8080"]    # further Host values clients may use (public_url's host is allowed)
//! [limits]                         # see `Limits` and docs/SECURITY.md for the defaults
//! max_body_bytes = 88080384
//! header_timeout_ms = 10000
//! max_document_memory_bytes = 1073741824  # documents being read at once (ResourceInsufficient)
//! store = "sqlite"                 # or "postgres://user:password@host:5432/db" (feature `postgres`)
//! blobs = "/srv/countersign/files" # file bytes folder, may be shared (default: DATA/files),
//!                                  # or "s3://bucket/prefix" (feature `s3`, see [s3] below)
//! task_lease_seconds = 60          # a run's claim on a task, renewed every lease/3 while it runs;
//!                                  # a dead runner's task is taken over when it runs out
//! task_max_attempts = 3            # runs started for one task before it is marked FAILED
//! [retention]                      # how long stored files live; see `Retention`
//! upload_seconds = 3600            # an upload without Deadline (Deadline may ask for more)
//! max_upload_seconds = 31622400    # the furthest Deadline UploadFiles accepts (366 days)
//! result_seconds = 2592000         # a counter-signed result, from its signing (30 days)
//! sweep_interval_seconds = 300     # how often expired files are deleted
//! trust_roots = ["partner-root.pem"]      # VerifyDigitFile also trusts these (PEM) besides the
//!                                          # organisations' own CA chains
//! verify_revocation = "offline"    # VerifyDigitFile's revocation checks: "offline" (default),
//!                                  # "fetch" (OCSP, else CRL, from the URLs of each trusted
//!                                  # signer's certificates; unknown status fails) or "none"
//! verify_crls = ["demo-ca.crl.pem"]       # read at start (DER or PEM), checked first; with
//!                                          # "offline" and none listed, nothing is checked
//! [s3]                             # only with blobs = "s3://..."; unset keys come from the
//! endpoint = "http://127.0.0.1:9000"      # AWS_* environment variables (AWS_ACCESS_KEY_ID,
//! region = "us-east-1"                    # AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT...)
//! access_key_id = "..."
//! secret_access_key = "..."
//! allow_http = true                # plain HTTP to the endpoint (default: HTTPS only)
//! [rate_limits]                    # per-action overrides, keyed by action name (others refused)
//! CreateFileCounterSign = 10
//!
//! [[organizations]]
//! id = "org-group"
//! name = "Example Group"
//! quota = 1000                     # signatures this organisation may still make
//! credential = { key = "signer.key.pem", certificates = "signer.chain.pem" }
//! secrets = [{ id = "AKID...", key = "..." }]   # the organisation's API keys
//! revocation = "fetch"             # B-LT/B-LTA revocation data; see `super::pades`
//! allow_broken_signatures = false  # true: counter-sign files whose earlier signatures are
//!                                  # broken or followed by disallowed changes (default: refuse)
//! verify_revocation = "fetch"      # this organisation's VerifyDigitFile calls; with verify_crls,
//! verify_crls = []                 # replaces the service-level pair (unset: inherits it)
//! [organizations.tsa]              # PAdES level and TSA (absent: B-B); see `super::pades`
//! url = "https://tsa.example.com/tsr"
//! level = "b-lt"
//!
//! [[organizations]]
//! id = "org-sub"
//! name = "Example Subsidiary"
//! parent = "org-group"             # the group main organisation that may act for it (Agent)
//! quota = 1000
//! credential = { pkcs12 = "sub.p12", password = "..." }
//! # or a key in an HSM (feature `pkcs11`); the chain from the token unless `certificates` is set:
//! # credential = { pkcs11 = { module = "/usr/lib/softhsm/libsofthsm2.so", token = "signing",
//! #                key_label = "org", pin_file = "hsm-pin" } }   # or token_serial, key_id, pin_env
//!
//! [[employees]]
//! user_id = "user-admin"
//! organization = "org-group"
//! permissions = ["upload", "counter_sign", "verify", "download"]
//! active = true                    # false: left the organisation, or not yet joined
//! ```
//! As in ESS, an API key belongs to an organisation and acts for whichever of its employees a
//! request names (`Operator.UserId`, `Caller.OperatorId`), within that employee's permissions.
//! `secrets` listed under an employee (the older form) are keys of the employee's organisation.
//! Relative credential paths are resolved against the configuration file's folder.
//!
//! # Examples
//!
//! ```
//! use std::path::Path;
//! use countersign_ess::config::{Permission, ServiceConfig};
//!
//! let config = ServiceConfig::from_toml(r#"
//!     rate_limit = 20
//!     [rate_limits]
//!     CreateFileCounterSign = 10
//!     [[organizations]]
//!     id = "org-group"
//!     quota = 1000
//!     credential = { key = "signer.key.pem", certificates = "signer.chain.pem" }
//!     secrets = [{ id = "AKIDgroup", key = "group-secret" }]
//!     [[organizations]]
//!     id = "org-sub"
//!     parent = "org-group"
//!     credential = { pkcs12 = "sub.p12", password = "sub-password" }
//!     [[employees]]
//!     user_id = "user-admin"
//!     organization = "org-group"
//!     permissions = ["upload", "counter_sign"]
//! "#, Path::new("/etc/countersign"))?;
//! assert_eq!(config.rate_limit_for("CreateFileCounterSign"), 10);
//! assert_eq!(config.organizations[1].parent.as_deref(), Some("org-group"));
//! assert_eq!(config.organizations[1].credential.pkcs12.as_deref(), Some(Path::new("/etc/countersign/sub.p12")));
//! assert_eq!(config.employees[0].permissions, [Permission::Upload, Permission::CounterSign]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::action::Action;
pub use super::action::Permission;
use super::error::ServiceError;
use super::pades::{LevelConfig, SigningProfile};
pub use super::pades::{PadesLevel, RevocationMode, TsaSettings};
pub use super::store::s3_config::S3Config;

/// Requests per second per action and organisation when the configuration names no other.
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// use countersign_ess::config::{ServiceConfig, DEFAULT_RATE_LIMIT};
///
/// let defaults = ServiceConfig::from_toml("", Path::new("."))?; // an empty file
/// assert_eq!(defaults.rate_limit_for("UploadFiles"), DEFAULT_RATE_LIMIT);
/// assert_eq!(DEFAULT_RATE_LIMIT, 20);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const DEFAULT_RATE_LIMIT: u32 = 20;

/// Where file bytes live, from `blobs`.
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// use countersign_ess::config::{BlobLocation, ServiceConfig};
///
/// let s3 = ServiceConfig::from_toml(r#"blobs = "s3://contracts/countersign/""#, Path::new("."))?;
/// assert_eq!(
///     s3.blob_location()?,
///     BlobLocation::S3 { bucket: "contracts".into(), prefix: "countersign".into() }
/// );
/// let default = ServiceConfig::from_toml("", Path::new("."))?;
/// assert_eq!(default.blob_location()?, BlobLocation::Folder(None)); // DATA/files
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlobLocation {
    /// A folder; `None`: the data folder's `files`.
    Folder(Option<PathBuf>),
    /// Objects `prefix/<id>` in an S3 bucket (`prefix` may be empty).
    S3 {
        /// The bucket's name.
        bucket: String,
        /// The key prefix, without leading or trailing `/`.
        prefix: String,
    },
}

/// A service configuration, read from TOML ([`ServiceConfig::load`]).
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// use countersign_ess::config::{ServiceConfig, DEFAULT_TASK_MAX_ATTEMPTS};
///
/// let config = ServiceConfig::from_toml(r#"
///     workers = 2
///     public_url = "https://ess.example.com"
///     task_lease_seconds = 120
///     [[organizations]]
///     id = "demo"
///     credential = { key = "testdata/pki/demo.key.pem", certificates = "testdata/pki/demo.chain.pem" }
/// "#, Path::new("."))?;
/// assert_eq!(config.workers, Some(2));
/// assert_eq!(config.public_url.as_deref(), Some("https://ess.example.com"));
/// assert_eq!((config.task_lease_seconds, config.task_max_attempts), (120, DEFAULT_TASK_MAX_ATTEMPTS));
/// assert_eq!(config.organizations[0].id, "demo");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ServiceConfig {
    /// Threads that sign asynchronous tasks; `None`: one per core. With 0, asynchronous tasks are
    /// accepted and recorded but only run by a later start with workers (used by the tests).
    pub workers: Option<usize>,
    /// Requests per second per action and organisation.
    #[serde(default = "default_rate_limit")]
    pub rate_limit: u32,
    /// Per-action overrides of `rate_limit`, keyed by action name (`UploadFiles`, ...); a key that
    /// names no action is refused at load.
    #[serde(default)]
    pub rate_limits: BTreeMap<String, u32>,
    /// Base of the download links; `None`: the server's listening address.
    pub public_url: Option<String>,
    /// PEM files of further trust anchors for VerifyDigitFile. The top certificate of every
    /// organisation's chain is trusted anyway; nothing else is.
    #[serde(default)]
    pub trust_roots: Vec<PathBuf>,
    /// How VerifyDigitFile checks revocation (an organisation may override it, see
    /// [`OrganizationConfig::verify_revocation`]): `None` or `offline`, against the
    /// `verify_crls` files (so with none listed, not at all: the default); `fetch`, the
    /// `verify_crls` first, then OCSP (else the CRL distribution point) from the URLs in each
    /// certificate of a signer path already validated to the trust roots, a certificate whose
    /// status cannot be established failing the file (bounds in docs/SECURITY.md); `none`, never.
    pub verify_revocation: Option<RevocationMode>,
    /// CRL files (DER or PEM) VerifyDigitFile checks signers against; read once at start, so a
    /// renewed CRL takes a restart. With `verify_revocation` unset, `offline` or `fetch`.
    #[serde(default)]
    pub verify_crls: Vec<PathBuf>,
    /// Host values (`name` or `name:port`) under which clients reach the service, besides the
    /// listening address and `public_url`'s host; requests naming another Host are refused.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Sizes, timeouts and connection counts that bound what one client can make us spend.
    #[serde(default)]
    pub limits: Limits,
    /// How long uploads and results are kept, and how often expired ones are deleted.
    #[serde(default)]
    pub retention: Retention,
    /// Where metadata lives: `None` or `"sqlite"`, the embedded database in the data folder;
    /// `"postgres://..."`, a PostgreSQL database that several replicas share.
    pub store: Option<String>,
    /// Where file bytes live: a folder (`None`: `files` in the data folder), which replicas on
    /// one host may share, or `s3://bucket/prefix`, an S3-compatible object store (feature `s3`)
    /// that replicas on any host share; see [`ServiceConfig::blob_location`].
    pub blobs: Option<std::path::PathBuf>,
    /// How to reach the object store of `blobs = "s3://..."`.
    #[serde(default)]
    pub s3: S3Config,
    /// Seconds a claim on a task lasts. While its run is alive, a heartbeat renews the lease every
    /// third of this (see [`TaskStore::renew_lease`](super::store::TaskStore::renew_lease)), so a
    /// run may take longer than one lease without being taken over; a task whose runner died is
    /// taken over once its last renewal has run out, within this many seconds of the death. Each
    /// organisation's `tsa.timeout_seconds` must be less.
    #[serde(default = "default_task_lease_seconds")]
    pub task_lease_seconds: u32,
    /// Runs started for one task before it is given up as FAILED (a task that crashes its
    /// process every time must not be retried forever).
    #[serde(default = "default_task_max_attempts")]
    pub task_max_attempts: u32,
    /// The organisations that sign.
    #[serde(default)]
    pub organizations: Vec<OrganizationConfig>,
    /// The employees who act for them.
    #[serde(default)]
    pub employees: Vec<EmployeeConfig>,
}

/// ESS accepts PDFs of up to "60M" (UploadFiles reference); read generously as 60 MiB.
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// use countersign_ess::config::{ServiceConfig, DEFAULT_MAX_FILE_BYTES};
///
/// let defaults = ServiceConfig::from_toml("", Path::new("."))?; // an empty file
/// assert_eq!(defaults.limits.max_file_bytes, DEFAULT_MAX_FILE_BYTES);
/// assert_eq!(DEFAULT_MAX_FILE_BYTES, 62_914_560); // 60 MiB
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const DEFAULT_MAX_FILE_BYTES: u64 = 60 * 1024 * 1024;
/// One maximal file in base64 (4/3 of it) plus room for the JSON around it.
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// use countersign_ess::config::{ServiceConfig, DEFAULT_MAX_BODY_BYTES};
///
/// let defaults = ServiceConfig::from_toml("", Path::new("."))?; // an empty file
/// assert_eq!(defaults.limits.max_body_bytes, DEFAULT_MAX_BODY_BYTES);
/// // Room for a maximal file in base64 and the JSON around it.
/// assert!(DEFAULT_MAX_BODY_BYTES > countersign_ess::config::DEFAULT_MAX_FILE_BYTES / 3 * 4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const DEFAULT_MAX_BODY_BYTES: u64 = DEFAULT_MAX_FILE_BYTES / 3 * 4 + 4 * 1024 * 1024;
/// UploadFile.FileName: ESS documents at most 200 characters.
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// use countersign_ess::config::{ServiceConfig, DEFAULT_MAX_FILE_NAME_CHARS};
///
/// let defaults = ServiceConfig::from_toml("", Path::new("."))?; // an empty file
/// assert_eq!(defaults.limits.max_file_name_chars, DEFAULT_MAX_FILE_NAME_CHARS);
/// assert_eq!(DEFAULT_MAX_FILE_NAME_CHARS, 200);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const DEFAULT_MAX_FILE_NAME_CHARS: usize = 200;

/// What one client can make the server spend. Durations in milliseconds, so tests can make them
/// short.
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// use countersign_ess::config::{Limits, ServiceConfig};
///
/// let config = ServiceConfig::from_toml(r#"
///     [limits]
///     max_body_bytes = 1048576
///     max_file_bytes = 700000
///     header_timeout_ms = 5000
/// "#, Path::new("."))?;
/// assert_eq!(config.limits.max_body_bytes, 1_048_576);
/// assert_eq!(config.limits.header_timeout_ms, 5_000);
/// assert_eq!(config.limits.max_connections, Limits::default().max_connections); // unset: default
///
/// // Bodies held at once must leave room for at least one maximal body.
/// let error = ServiceConfig::from_toml(r#"
///     [limits]
///     max_body_bytes = 1048576
///     max_buffered_body_bytes = 1024
/// "#, Path::new(".")).unwrap_err();
/// assert!(error.to_string().contains("max_buffered_body_bytes"), "{error}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct Limits {
    /// Largest request body; a larger one is refused with `RequestSizeLimitExceeded` before it is
    /// read (by Content-Length) or as soon as it grows past the limit.
    pub max_body_bytes: u64,
    /// Largest body of a v1-signed (HmacSHA1/HmacSHA256) request: its signature travels in the
    /// form body, so it can only be authenticated after the body is read. Tencent Cloud documents
    /// the same 1 MB bound for v1 POST requests.
    pub max_v1_body_bytes: u64,
    /// Time to receive the body of a request with no `Authorization` header (v1-signed, or not
    /// signed at all): it is read before anything is known of its sender, so it gets little time.
    pub v1_body_timeout_ms: u64,
    /// Bodies of requests with no `Authorization` header held in memory at once, all together,
    /// counted as their bytes arrive; beyond it such a request is refused with
    /// `RequestLimitExceeded`. Never drawn from an organisation's budget.
    pub max_v1_buffered_body_bytes: u64,
    /// Largest decoded file in UploadFiles.
    pub max_file_bytes: u64,
    /// Longest UploadFiles FileName, in characters.
    pub max_file_name_chars: usize,
    /// Time to receive a request's headers, counted from the connection's opening or from the end
    /// of the previous response on a kept-alive connection (so it is also the idle timeout).
    pub header_timeout_ms: u64,
    /// Time to receive a whole TC3-signed request body once its headers were accepted.
    pub body_timeout_ms: u64,
    /// Longest a response write may make no progress (a client that stops reading).
    pub write_timeout_ms: u64,
    /// Open connections. At the limit the oldest connection whose request is not being served
    /// (idle, still sending its head, or still sending its body) is closed to make room, so
    /// slow or half-open connections cannot lock real clients out.
    pub max_connections: usize,
    /// Request bodies of one organisation held in memory at once (TC3 requests whose headers
    /// name a SecretId of that organisation), counted as their bytes arrive; beyond it the
    /// request is refused with `RequestLimitExceeded`.
    pub max_buffered_body_bytes: u64,
    /// Memory for documents being read (verified, signed, measured for their page sizes), over
    /// all requests and workers. Each document reserves what reading it may hold at once (three
    /// copies of the file, the decoded object streams it keeps and one stream's decoding
    /// budget) before it is loaded; a synchronous request waits `document_memory_wait_ms` for
    /// room, then is refused with `ResourceInsufficient`; an asynchronous task waits.
    pub max_document_memory_bytes: u64,
    /// How long a synchronous request waits for room among `max_document_memory_bytes`.
    pub document_memory_wait_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_v1_body_bytes: 1024 * 1024,
            v1_body_timeout_ms: 10_000,
            max_v1_buffered_body_bytes: 16 * 1024 * 1024,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            max_file_name_chars: DEFAULT_MAX_FILE_NAME_CHARS,
            header_timeout_ms: 10_000,
            body_timeout_ms: 300_000,
            write_timeout_ms: 60_000,
            max_connections: 512,
            max_buffered_body_bytes: 4 * DEFAULT_MAX_BODY_BYTES,
            max_document_memory_bytes: 1 << 30,
            document_memory_wait_ms: 5_000,
        }
    }
}

/// How long the service keeps what it stores, and how often it deletes what expired. Expired
/// files are invisible at once; a periodic sweep (on every replica) deletes their records and
/// bytes, except an upload that a task still PROCESSING needs. Seconds.
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// use countersign_ess::config::{Retention, ServiceConfig};
///
/// let config = ServiceConfig::from_toml(r#"
///     [retention]
///     result_seconds = 86400
///     sweep_interval_seconds = 60
/// "#, Path::new("."))?;
/// assert_eq!(config.retention.result_seconds, 86_400);
/// assert_eq!(config.retention.upload_seconds, Retention::default().upload_seconds); // one hour
/// assert_eq!(Retention::default().result_seconds, 30 * 86_400);
///
/// // A default longer than the maximum cannot work.
/// let error = ServiceConfig::from_toml(r#"
///     [retention]
///     upload_seconds = 7200
///     max_upload_seconds = 3600
/// "#, Path::new(".")).unwrap_err();
/// assert!(error.to_string().contains("retention"), "{error}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct Retention {
    /// Lifetime of an upload whose UploadFiles call gives no `Deadline` (ESS: one hour).
    pub upload_seconds: u32,
    /// The furthest `Deadline` UploadFiles accepts, from now.
    pub max_upload_seconds: u32,
    /// Lifetime of a counter-signed result, from the moment it was signed.
    pub result_seconds: u32,
    /// Interval of the sweep that deletes expired files (records and bytes).
    pub sweep_interval_seconds: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            upload_seconds: 3600,
            max_upload_seconds: 366 * 86_400,
            result_seconds: 30 * 86_400,
            sweep_interval_seconds: 300,
        }
    }
}

impl Default for ServiceConfig {
    /// What an empty configuration file gives.
    fn default() -> Self {
        Self {
            workers: None,
            rate_limit: DEFAULT_RATE_LIMIT,
            rate_limits: BTreeMap::new(),
            public_url: None,
            hosts: Vec::new(),
            limits: Limits::default(),
            retention: Retention::default(),
            store: None,
            blobs: None,
            s3: S3Config::default(),
            task_lease_seconds: DEFAULT_TASK_LEASE_SECONDS,
            task_max_attempts: DEFAULT_TASK_MAX_ATTEMPTS,
            trust_roots: Vec::new(),
            verify_revocation: None,
            verify_crls: Vec::new(),
            organizations: Vec::new(),
            employees: Vec::new(),
        }
    }
}

fn default_rate_limit() -> u32 {
    DEFAULT_RATE_LIMIT
}

/// Default of `task_lease_seconds`: far above the time one signature takes.
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// use countersign_ess::config::{ServiceConfig, DEFAULT_TASK_LEASE_SECONDS};
///
/// let defaults = ServiceConfig::from_toml("", Path::new("."))?; // an empty file
/// assert_eq!(defaults.task_lease_seconds, DEFAULT_TASK_LEASE_SECONDS);
/// assert_eq!(defaults.claim_policy().lease_seconds, 60);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const DEFAULT_TASK_LEASE_SECONDS: u32 = 60;
/// Default of `task_max_attempts`.
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// use countersign_ess::config::{ServiceConfig, DEFAULT_TASK_MAX_ATTEMPTS};
///
/// let defaults = ServiceConfig::from_toml("", Path::new("."))?; // an empty file
/// assert_eq!(defaults.task_max_attempts, DEFAULT_TASK_MAX_ATTEMPTS);
/// assert_eq!(defaults.claim_policy().max_attempts, 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const DEFAULT_TASK_MAX_ATTEMPTS: u32 = 3;

fn default_task_lease_seconds() -> u32 {
    DEFAULT_TASK_LEASE_SECONDS
}

fn default_task_max_attempts() -> u32 {
    DEFAULT_TASK_MAX_ATTEMPTS
}

/// Where the metadata lives, from `store`.
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// use countersign_ess::config::{ServiceConfig, StoreLocation};
///
/// let shared = ServiceConfig::from_toml(r#"store = "postgres://countersign@db.internal/countersign""#, Path::new("."))?;
/// assert_eq!(
///     shared.store_location()?,
///     StoreLocation::Postgres("postgres://countersign@db.internal/countersign".into())
/// );
/// assert_eq!(ServiceConfig::from_toml("", Path::new("."))?.store_location()?, StoreLocation::Sqlite);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreLocation {
    /// The embedded SQLite database in the data folder.
    Sqlite,
    /// A PostgreSQL connection URL.
    Postgres(String),
}

/// An organisation: its signing credential, quota, API keys and PAdES level.
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// use countersign_ess::config::ServiceConfig;
///
/// let config = ServiceConfig::from_toml(r#"
///     [[organizations]]
///     id = "org-group"
///     name = "Example Group"
///     quota = 1000
///     credential = { key = "keys/group.key.pem", certificates = "keys/group.chain.pem" }
///     [[organizations]]
///     id = "org-sub"
///     parent = "org-group"
///     credential = { key = "keys/sub.key.pem", certificates = "keys/sub.chain.pem" }
/// "#, Path::new("/etc/countersign"))?;
/// let group = &config.organizations[0];
/// assert_eq!((group.name.as_str(), group.quota), ("Example Group", 1000));
/// assert_eq!(group.credential.key.as_deref(), Some(Path::new("/etc/countersign/keys/group.key.pem")));
/// assert_eq!(config.organizations[1].parent.as_deref(), Some("org-group"));
/// assert!(group.tsa.is_none()); // signs at PAdES B-B
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct OrganizationConfig {
    /// The organisation id requests name (`Agent.ProxyOrganizationId`, the employee's organisation).
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// The group main organisation allowed to act for this one through `Agent.ProxyOrganizationId`.
    pub parent: Option<String>,
    /// Initial signature balance, applied when the organisation is first seen by the store.
    #[serde(default)]
    pub quota: u64,
    /// The organisation's signing credential.
    pub credential: CredentialConfig,
    /// The organisation's API keys: requests signed with one act for any of its employees.
    #[serde(default)]
    pub secrets: Vec<SecretConfig>,
    /// Time-stamping authority and PAdES level (see [`super::TsaSettings`]); absent: B-B.
    pub tsa: Option<TsaSettings>,
    /// Where B-LT/B-LTA revocation data comes from; default `fetch` at those levels.
    pub revocation: Option<RevocationMode>,
    /// CRL files (DER or PEM) embedded with `revocation = "offline"`.
    #[serde(default)]
    pub revocation_crls: Vec<PathBuf>,
    /// OCSP response files (DER) embedded with `revocation = "offline"`.
    #[serde(default)]
    pub revocation_ocsp: Vec<PathBuf>,
    /// Counter-sign files whose existing signatures are broken (not intact, signature not
    /// valid) or followed by changes the document does not allow (modification level `other`,
    /// or beyond its DocMDP permission). Default `false`: such a file is refused
    /// (`FailedOperation`, or a `FAILED` task), so that this organisation's signature never
    /// vouches for a tampered document.
    ///
    /// ```
    /// use std::path::Path;
    /// use countersign_ess::config::ServiceConfig;
    ///
    /// let config = ServiceConfig::from_toml(r#"
    ///     [[organizations]]
    ///     id = "archive"
    ///     credential = { key = "signer.key.pem", certificates = "signer.chain.pem" }
    ///     allow_broken_signatures = true     # an archive seals whatever it receives
    ///     [[organizations]]
    ///     id = "sales"
    ///     credential = { key = "signer.key.pem", certificates = "signer.chain.pem" }
    /// "#, Path::new("."))?;
    /// assert!(config.organizations[0].allow_broken_signatures);
    /// assert!(!config.organizations[1].allow_broken_signatures); // the default: refuse
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[serde(default)]
    pub allow_broken_signatures: bool,
    /// How VerifyDigitFile checks revocation for this organisation's calls (see
    /// [`ServiceConfig::verify_revocation`]). When this or `verify_crls` is set, the pair
    /// replaces the service-level pair (`verify_crls` alone means `offline`); when neither is,
    /// the organisation inherits the service level.
    ///
    /// ```
    /// use std::path::Path;
    /// use countersign_ess::config::ServiceConfig;
    ///
    /// let config = ServiceConfig::from_toml(r#"
    ///     verify_revocation = "none"
    ///     [[organizations]]
    ///     id = "bank"
    ///     credential = { key = "signer.key.pem", certificates = "signer.chain.pem" }
    ///     verify_crls = ["testdata/pki/trust-demo-ca.crl.pem"]   # offline, with its own CRL
    ///     [[organizations]]
    ///     id = "shop"
    ///     credential = { key = "signer.key.pem", certificates = "signer.chain.pem" }
    /// "#, Path::new("."))?;
    /// assert_eq!(config.verify_revocation_of(Some("bank"))?.crls.len(), 1);
    /// assert!(config.verify_revocation_of(Some("shop"))?.crls.is_empty()); // "none", inherited
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub verify_revocation: Option<RevocationMode>,
    /// CRL files (DER or PEM) for this organisation's VerifyDigitFile calls (see
    /// `verify_revocation` above).
    #[serde(default)]
    pub verify_crls: Vec<PathBuf>,
}

impl OrganizationConfig {
    /// What [`super::pades`] reads of this organisation.
    pub(crate) fn level_config(&self) -> LevelConfig<'_> {
        LevelConfig {
            id: &self.id,
            tsa: &self.tsa,
            revocation: self.revocation,
            revocation_crls: &self.revocation_crls,
            revocation_ocsp: &self.revocation_ocsp,
        }
    }
}

// Here rather than with the rest of `SigningProfile` so that `pades` does not depend on this module.
impl SigningProfile {
    /// The profile a checked organisation configuration describes.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::path::Path;
    /// use countersign_ess::config::{PadesLevel, ServiceConfig};
    /// use countersign_ess::SigningProfile;
    ///
    /// let config = ServiceConfig::from_toml(r#"
    ///     [[organizations]]
    ///     id = "stamped"
    ///     credential = { key = "signer.key.pem", certificates = "signer.chain.pem" }
    ///     tsa = { url = "https://tsa.example.com/tsr", timeout_seconds = 5 }
    /// "#, Path::new("."))?;
    /// let profile = SigningProfile::from_config(&config.organizations[0]);
    /// assert_eq!(profile.level, PadesLevel::BT);
    /// let tsa = profile.tsa.as_ref().ok_or("b-t has a TSA")?;
    /// assert_eq!(tsa.config().url, "https://tsa.example.com/tsr");
    /// assert_eq!(tsa.config().timeout, std::time::Duration::from_secs(5));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_config(organization: &OrganizationConfig) -> Self {
        Self::from_level_config(&organization.level_config())
    }
}

/// Where an organisation's CA-issued signing credential lives: PEM files, or a PKCS#12 file.
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// use countersign_ess::config::ServiceConfig;
///
/// let config = ServiceConfig::from_toml(r#"
///     [[organizations]]
///     id = "org-sub"
///     credential = { pkcs12 = "sub.p12", password = "p12-password" }
/// "#, Path::new("/etc/countersign"))?;
/// let credential = &config.organizations[0].credential;
/// assert_eq!(credential.pkcs12.as_deref(), Some(Path::new("/etc/countersign/sub.p12")));
/// assert_eq!(credential.key, None);
/// assert!(!format!("{credential:?}").contains("p12-password"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct CredentialConfig {
    /// PEM certificates, the signer's and its issuers.
    pub certificates: Option<PathBuf>,
    /// PEM or DER private key (PKCS#8, encrypted PKCS#8 with `password`, PKCS#1, SEC1).
    pub key: Option<PathBuf>,
    /// A PKCS#12 (.p12/.pfx) file instead of `certificates` and `key`.
    pub pkcs12: Option<PathBuf>,
    /// Password of the PKCS#12 file or of the encrypted key.
    pub password: Option<String>,
    /// A key on a PKCS#11 token instead of `key` and `pkcs12` (the service must be built with
    /// feature `pkcs11`); `certificates`, when given, replaces the chain stored on the token.
    pub pkcs11: Option<Pkcs11CredentialConfig>,
}

/// An organisation's key on a PKCS#11 token (an HSM): which module, token and key, and where
/// the user PIN is read from when the service starts. The PIN itself is never in the
/// configuration.
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// use countersign_ess::config::ServiceConfig;
///
/// let config = ServiceConfig::from_toml(r#"
///     [[organizations]]
///     id = "org"
///     credential = { pkcs11 = { module = "/usr/lib/softhsm/libsofthsm2.so", token = "signing", key_label = "org", pin_file = "hsm-pin" } }
/// "#, Path::new("/etc/countersign"))?;
/// let pkcs11 = config.organizations[0].credential.pkcs11.as_ref().ok_or("no pkcs11")?;
/// assert_eq!(pkcs11.token.as_deref(), Some("signing"));
/// assert_eq!(pkcs11.pin_file.as_deref(), Some(Path::new("/etc/countersign/hsm-pin")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Pkcs11CredentialConfig {
    /// The PKCS#11 module (shared library).
    pub module: PathBuf,
    /// The token's label (or give `token_serial`).
    pub token: Option<String>,
    /// The token's serial number.
    pub token_serial: Option<String>,
    /// The private key's CKA_LABEL (or give `key_id`).
    pub key_label: Option<String>,
    /// The private key's CKA_ID, in hex.
    pub key_id: Option<String>,
    /// A file holding the user PIN (or give `pin_env`).
    pub pin_file: Option<PathBuf>,
    /// An environment variable holding the user PIN.
    pub pin_env: Option<String>,
    /// Sessions opened on the token: signatures computed at once (default: one per core).
    pub sessions: Option<usize>,
}

/// An employee of an organisation, named as `Operator.UserId`.
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// use countersign_ess::config::{Permission, ServiceConfig};
///
/// let config = ServiceConfig::from_toml(r#"
///     [[organizations]]
///     id = "org"
///     credential = { key = "signer.key.pem", certificates = "signer.chain.pem" }
///     [[employees]]
///     user_id = "clerk"
///     organization = "org"
///     permissions = ["upload"]
///     [[employees]]
///     user_id = "leaver"
///     organization = "org"
///     active = false
/// "#, Path::new("."))?;
/// let (clerk, leaver) = (&config.employees[0], &config.employees[1]);
/// assert!(clerk.active && clerk.permissions == [Permission::Upload]);
/// assert!(!leaver.active && leaver.permissions.is_empty());
///
/// let error = ServiceConfig::from_toml(r#"
///     [[employees]]
///     user_id = "stray"
///     organization = "nowhere"
/// "#, Path::new(".")).unwrap_err();
/// assert_eq!(error.to_string(), "configuration: employee stray belongs to unknown organisation nowhere");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct EmployeeConfig {
    /// The id requests name as `Operator.UserId`.
    pub user_id: String,
    /// The id of the employee's organisation.
    pub organization: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// The actions the employee may call.
    #[serde(default)]
    pub permissions: Vec<Permission>,
    /// An inactive employee (left, or not yet joined) cannot be named as operator.
    #[serde(default = "default_active")]
    pub active: bool,
    /// Keys of the employee's organisation (the older place to list them).
    #[serde(default)]
    pub secrets: Vec<SecretConfig>,
}

fn default_active() -> bool {
    true
}

/// A SecretId/SecretKey pair of an organisation.
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// use countersign_ess::config::ServiceConfig;
///
/// let config = ServiceConfig::from_toml(r#"
///     [[organizations]]
///     id = "org"
///     credential = { key = "signer.key.pem", certificates = "signer.chain.pem" }
///     secrets = [{ id = "AKIDorg", key = "org-secret-key" }]
/// "#, Path::new("."))?;
/// let secret = &config.organizations[0].secrets[0];
/// assert_eq!(secret.id, "AKIDorg");
/// assert!(!format!("{secret:?}").contains("org-secret-key")); // kept out of logs
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SecretConfig {
    /// The SecretId.
    pub id: String,
    /// The SecretKey.
    pub key: String,
}

// Passwords and secret keys stay out of logs (a configuration may be printed with `{:?}`).
impl std::fmt::Debug for SecretConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretConfig")
            .field("id", &self.id)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl std::fmt::Debug for CredentialConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialConfig")
            .field("certificates", &self.certificates)
            .field("key", &self.key)
            .field("pkcs12", &self.pkcs12)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("pkcs11", &self.pkcs11)
            .finish()
    }
}

impl ServiceConfig {
    /// Parses TOML; relative credential paths are resolved against `base_dir`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::path::Path;
    /// use countersign_ess::{ServiceConfig, ServiceError};
    ///
    /// let config = ServiceConfig::from_toml(r#"
    ///     trust_roots = ["partner-root.pem"]
    ///     [[organizations]]
    ///     id = "org"
    ///     credential = { key = "signer.key.pem", certificates = "/keys/signer.chain.pem" }
    /// "#, Path::new("/etc/countersign"))?;
    /// assert_eq!(config.trust_roots, [Path::new("/etc/countersign/partner-root.pem")]);
    /// let credential = &config.organizations[0].credential;
    /// assert_eq!(credential.key.as_deref(), Some(Path::new("/etc/countersign/signer.key.pem")));
    /// assert_eq!(credential.certificates.as_deref(), Some(Path::new("/keys/signer.chain.pem")));
    ///
    /// // Unknown keys are refused rather than ignored.
    /// let typo = ServiceConfig::from_toml("rate_limt = 5", Path::new(".")).unwrap_err();
    /// assert!(matches!(typo, ServiceError::ConfigSyntax { .. }));
    /// assert!(typo.to_string().contains("rate_limt"), "{typo}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_toml(text: &str, base_dir: &Path) -> Result<Self, ServiceError> {
        let mut config: Self =
            toml::from_str(text).map_err(|e| ServiceError::ConfigSyntax { source: e.into() })?;
        for path in config.trust_roots.iter_mut().chain(&mut config.verify_crls) {
            *path = base_dir.join(&*path);
        }
        for organization in &mut config.organizations {
            let credential = &mut organization.credential;
            for path in [
                &mut credential.key,
                &mut credential.certificates,
                &mut credential.pkcs12,
            ] {
                if let Some(path) = path.as_mut() {
                    *path = base_dir.join(&*path);
                }
            }
            if let Some(pkcs11) = credential.pkcs11.as_mut() {
                pkcs11.module = base_dir.join(&pkcs11.module);
                if let Some(pin_file) = pkcs11.pin_file.as_mut() {
                    *pin_file = base_dir.join(&*pin_file);
                }
            }
            for path in organization
                .revocation_crls
                .iter_mut()
                .chain(&mut organization.revocation_ocsp)
                .chain(&mut organization.verify_crls)
            {
                *path = base_dir.join(&*path);
            }
        }
        config.validate()?;
        Ok(config)
    }

    /// Reads and parses a TOML file.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::ServiceConfig;
    ///
    /// let folder = std::env::temp_dir().join(format!("countersign-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&folder)?;
    /// let file = folder.join("service.toml");
    /// std::fs::write(&file, r#"
    ///     [[organizations]]
    ///     id = "org"
    ///     credential = { key = "keys/signer.key.pem", certificates = "keys/signer.chain.pem" }
    /// "#)?;
    /// let config = ServiceConfig::load(&file)?;
    /// // Relative paths are the configuration file's folder's.
    /// assert_eq!(config.organizations[0].credential.key, Some(folder.join("keys/signer.key.pem")));
    /// assert!(ServiceConfig::load(&folder.join("missing.toml")).is_err());
    /// # std::fs::remove_dir_all(&folder)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load(path: &Path) -> Result<Self, ServiceError> {
        let text = std::fs::read_to_string(path).map_err(|e| ServiceError::ConfigFile {
            path: path.to_path_buf(),
            source: e.into(),
        })?;
        let base_dir = path.parent().unwrap_or_else(|| Path::new("."));
        Self::from_toml(&text, base_dir)
    }

    /// The store selected by `store`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::path::Path;
    /// use countersign_ess::config::{ServiceConfig, StoreLocation};
    ///
    /// let mut config = ServiceConfig::from_toml(r#"store = "sqlite""#, Path::new("."))?;
    /// assert_eq!(config.store_location()?, StoreLocation::Sqlite);
    /// config.store = Some("postgresql://db/countersign".into());
    /// assert_eq!(config.store_location()?, StoreLocation::Postgres("postgresql://db/countersign".into()));
    /// config.store = Some("mysql://db/countersign".into());
    /// assert!(config.store_location().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn store_location(&self) -> Result<StoreLocation, ServiceError> {
        match self.store.as_deref() {
            None | Some("sqlite") => Ok(StoreLocation::Sqlite),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(StoreLocation::Postgres(url.to_owned()))
            }
            Some(_) => Err(config_error(
                "store must be \"sqlite\" or a postgres://... URL".into(),
            )),
        }
    }

    /// The blob store selected by `blobs`: `s3://bucket[/prefix]`, or else a folder.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::path::{Path, PathBuf};
    /// use countersign_ess::config::{BlobLocation, ServiceConfig};
    ///
    /// let shared = ServiceConfig::from_toml(r#"blobs = "/srv/countersign/files""#, Path::new("."))?;
    /// assert_eq!(shared.blob_location()?, BlobLocation::Folder(Some(PathBuf::from("/srv/countersign/files"))));
    /// let bucket = ServiceConfig::from_toml(r#"blobs = "s3://contracts""#, Path::new("."))?;
    /// assert_eq!(bucket.blob_location()?, BlobLocation::S3 { bucket: "contracts".into(), prefix: String::new() });
    /// let nameless = ServiceConfig::from_toml(r#"blobs = "s3:///files""#, Path::new("."))?;
    /// assert!(nameless.blob_location().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn blob_location(&self) -> Result<BlobLocation, ServiceError> {
        let Some(blobs) = &self.blobs else {
            return Ok(BlobLocation::Folder(None));
        };
        let Some(rest) = blobs.to_str().and_then(|text| text.strip_prefix("s3://")) else {
            return Ok(BlobLocation::Folder(Some(blobs.clone())));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(config_error(
                "blobs = \"s3://...\" names no bucket (s3://bucket/prefix)".into(),
            ));
        }
        Ok(BlobLocation::S3 {
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
        })
    }

    /// The task claim settings.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::path::Path;
    /// use countersign_ess::config::ServiceConfig;
    /// use countersign_ess::store::ClaimPolicy;
    ///
    /// let config = ServiceConfig::from_toml("task_lease_seconds = 120\ntask_max_attempts = 5", Path::new("."))?;
    /// assert_eq!(config.claim_policy(), ClaimPolicy { lease_seconds: 120, max_attempts: 5 });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn claim_policy(&self) -> super::store::ClaimPolicy {
        super::store::ClaimPolicy {
            lease_seconds: i64::from(self.task_lease_seconds),
            max_attempts: self.task_max_attempts,
        }
    }

    /// The rate limit of one action.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::path::Path;
    /// use countersign_ess::config::ServiceConfig;
    ///
    /// let config = ServiceConfig::from_toml("rate_limit = 50\n[rate_limits]\nCreateFileCounterSign = 5", Path::new("."))?;
    /// assert_eq!(config.rate_limit_for("CreateFileCounterSign"), 5);
    /// assert_eq!(config.rate_limit_for("UploadFiles"), 50);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rate_limit_for(&self, action: &str) -> u32 {
        self.rate_limits
            .get(action)
            .copied()
            .unwrap_or(self.rate_limit)
    }

    /// Rejects dangling references and duplicates, which would otherwise surface as confusing
    /// authorisation failures at request time.
    ///
    /// # Examples
    ///
    /// [`ServiceConfig::from_toml`] validates; a configuration changed in code is checked again:
    ///
    /// ```
    /// use std::path::Path;
    /// use countersign_ess::ServiceConfig;
    ///
    /// let mut config = ServiceConfig::from_toml(r#"
    ///     [[organizations]]
    ///     id = "org"
    ///     credential = { key = "signer.key.pem", certificates = "signer.chain.pem" }
    ///     [[employees]]
    ///     user_id = "clerk"
    ///     organization = "org"
    /// "#, Path::new("."))?;
    /// assert!(config.validate().is_ok());
    /// config.employees[0].organization = "org-typo".into();
    /// let error = config.validate().unwrap_err();
    /// assert_eq!(error.to_string(), "configuration: employee clerk belongs to unknown organisation org-typo");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validate(&self) -> Result<(), ServiceError> {
        let mut organizations = HashSet::new();
        for organization in &self.organizations {
            if !organizations.insert(organization.id.as_str()) {
                return Err(config_error(format!(
                    "organisation {} defined twice",
                    organization.id
                )));
            }
        }
        for organization in &self.organizations {
            if let Some(parent) = &organization.parent
                && (!organizations.contains(parent.as_str()) || parent == &organization.id)
            {
                return Err(config_error(format!(
                    "organisation {} names unknown parent {parent}",
                    organization.id
                )));
            }
        }
        let mut users = HashSet::new();
        let mut secrets = HashSet::new();
        for secret in self.organizations.iter().flat_map(|o| &o.secrets) {
            if !secrets.insert(secret.id.as_str()) || secret.key.is_empty() {
                return Err(config_error(format!(
                    "secret {} duplicated or empty",
                    secret.id
                )));
            }
        }
        for employee in &self.employees {
            if !users.insert(employee.user_id.as_str()) {
                return Err(config_error(format!(
                    "employee {} defined twice",
                    employee.user_id
                )));
            }
            if !organizations.contains(employee.organization.as_str()) {
                return Err(config_error(format!(
                    "employee {} belongs to unknown organisation {}",
                    employee.user_id, employee.organization
                )));
            }
            for secret in &employee.secrets {
                if !secrets.insert(secret.id.as_str()) || secret.key.is_empty() {
                    return Err(config_error(format!(
                        "secret {} duplicated or empty",
                        secret.id
                    )));
                }
            }
        }
        let limits = &self.limits;
        if limits.max_connections == 0
            || limits.max_body_bytes == 0
            || limits.max_buffered_body_bytes < limits.max_body_bytes
            || limits.max_document_memory_bytes == 0
            || limits.max_v1_buffered_body_bytes
                < limits.max_v1_body_bytes.min(limits.max_body_bytes)
            || [
                limits.header_timeout_ms,
                limits.body_timeout_ms,
                limits.v1_body_timeout_ms,
                limits.write_timeout_ms,
            ]
            .contains(&0)
        {
            return Err(config_error(
                "limits must be positive, max_buffered_body_bytes at least max_body_bytes and \
                 max_v1_buffered_body_bytes at least max_v1_body_bytes"
                    .into(),
            ));
        }
        let retention = &self.retention;
        if [
            retention.upload_seconds,
            retention.result_seconds,
            retention.sweep_interval_seconds,
        ]
        .contains(&0)
            || retention.max_upload_seconds < retention.upload_seconds
        {
            return Err(config_error(
                "retention periods must be positive and upload_seconds at most max_upload_seconds"
                    .into(),
            ));
        }
        self.store_location()?;
        if self.task_lease_seconds == 0 || self.task_max_attempts == 0 {
            return Err(config_error(
                "task_lease_seconds and task_max_attempts must be at least 1".into(),
            ));
        }
        if self.rate_limit == 0 || self.rate_limits.values().any(|&limit| limit == 0) {
            return Err(config_error(
                "rate limits must be at least 1 request per second".into(),
            ));
        }
        if let Some(key) = self
            .rate_limits
            .keys()
            .find(|key| Action::from_rate_limit_key(key).is_none())
        {
            return Err(config_error(format!(
                "[rate_limits]: {key:.64} is not an action; the actions are {}",
                Action::rate_limit_keys().join(", ")
            )));
        }
        for organization in &self.organizations {
            super::pades::check(&organization.level_config(), self.task_lease_seconds)?;
        }
        self.verify_revocation_of(None)?;
        for organization in &self.organizations {
            self.verify_revocation_of(Some(&organization.id))?;
        }
        Ok(())
    }

    /// The service-level CRLs VerifyDigitFile checks signers against (`verify_crls`), read and
    /// decoded; an unreadable file, or files with `verify_revocation = "none"`, are refused.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::path::Path;
    /// use countersign_ess::ServiceConfig;
    ///
    /// let config = ServiceConfig::from_toml(r#"
    ///     verify_revocation = "offline"
    ///     verify_crls = ["testdata/pki/trust-demo-ca.crl.pem"]
    /// "#, Path::new("."))?;
    /// assert_eq!(config.verify_crls()?.len(), 1);
    /// // The default checks no CRL.
    /// assert!(ServiceConfig::from_toml("", Path::new("."))?.verify_crls()?.is_empty());
    /// // Files the mode would not read, and files that are not CRLs, are refused at load.
    /// let unused = r#"verify_revocation = "none"
    ///     verify_crls = ["testdata/pki/trust-demo-ca.crl.pem"]"#;
    /// assert!(ServiceConfig::from_toml(unused, Path::new(".")).is_err());
    /// let not_a_crl = r#"verify_crls = ["testdata/pki/demo.cert.pem"]"#;
    /// assert!(ServiceConfig::from_toml(not_a_crl, Path::new(".")).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_crls(&self) -> Result<Vec<x509_cert::crl::CertificateList>, ServiceError> {
        read_verify_crls(self.verify_revocation, &self.verify_crls, "verify_crls")
    }

    /// How VerifyDigitFile checks revocation for `organization`'s calls (its own
    /// `verify_revocation`/`verify_crls` when it sets either, else the service level), or with
    /// `None` at the service level; CRL files read and decoded.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::path::Path;
    /// use countersign_ess::ServiceConfig;
    ///
    /// let config = ServiceConfig::from_toml(r#"
    ///     verify_revocation = "fetch"
    ///     [[organizations]]
    ///     id = "offline-org"
    ///     credential = { key = "signer.key.pem", certificates = "signer.chain.pem" }
    ///     verify_revocation = "offline"
    /// "#, Path::new("."))?;
    /// assert!(config.verify_revocation_of(None)?.fetcher.is_some());
    /// assert!(config.verify_revocation_of(Some("offline-org"))?.fetcher.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_revocation_of(
        &self,
        organization: Option<&str>,
    ) -> Result<super::RevocationCheck, ServiceError> {
        let own = organization
            .and_then(|id| self.organizations.iter().find(|o| o.id == id))
            .filter(|o| o.verify_revocation.is_some() || !o.verify_crls.is_empty());
        let (mode, files, key) = match own {
            Some(organization) => (
                organization.verify_revocation,
                &organization.verify_crls,
                format!("organizations.{}.verify_crls", organization.id),
            ),
            None => (
                self.verify_revocation,
                &self.verify_crls,
                "verify_crls".to_owned(),
            ),
        };
        let fetcher: Option<std::sync::Arc<dyn countersign::RevocationFetcher>> =
            (mode == Some(RevocationMode::Fetch)).then(|| {
                let mut fetcher = countersign::ltv::Fetcher::default();
                fetcher.timeout = VERIFY_FETCH_TIMEOUT;
                std::sync::Arc::new(fetcher) as _
            });
        Ok(super::RevocationCheck {
            crls: read_verify_crls(mode, files, &key)?,
            fetcher,
        })
    }
}

/// Per OCSP or CRL request while VerifyDigitFile fetches (the verifier's
/// [`FetchBudget`](countersign::FetchBudget) bounds them all together).
///
/// # Examples
///
/// ```
/// use countersign_ess::config::VERIFY_FETCH_TIMEOUT;
///
/// // A file's fetches share the budget's 20 s; one request gets at most this much of it.
/// assert_eq!(VERIFY_FETCH_TIMEOUT.as_secs(), 5);
/// assert!(VERIFY_FETCH_TIMEOUT < countersign::FetchBudget::default().total);
/// ```
pub const VERIFY_FETCH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The CRLs of a `verify_crls` list (`key` names it in errors), refused with mode `none`.
fn read_verify_crls(
    mode: Option<RevocationMode>,
    files: &[PathBuf],
    key: &str,
) -> Result<Vec<x509_cert::crl::CertificateList>, ServiceError> {
    if mode == Some(RevocationMode::None) && !files.is_empty() {
        return Err(config_error(format!(
            "{key} are not read with verify_revocation = \"none\""
        )));
    }
    let mut crls = Vec::new();
    for path in files {
        let unreadable =
            |reason: String| config_error(format!("{key}: {}: {reason}", path.display()));
        let bytes = std::fs::read(path).map_err(|e| unreadable(e.to_string()))?;
        let decoded = countersign::crypto::credential::crls_from_pem_or_der(&bytes)
            .map_err(|e| unreadable(countersign::error::ErrorReport::new(&e).to_string()))?;
        if decoded.is_empty() {
            return Err(unreadable("no CRL in the file".into()));
        }
        crls.extend(decoded);
    }
    Ok(crls)
}

fn config_error(message: String) -> ServiceError {
    ServiceError::Config(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = r#"
        rate_limit = 7
        [rate_limits]
        CreateFileCounterSign = 3
        [[organizations]]
        id = "group"
        credential = { key = "keys/group.key.pem", certificates = "keys/group.chain.pem" }
        [[organizations]]
        id = "sub"
        parent = "group"
        quota = 10
        credential = { pkcs12 = "/abs/sub.p12", password = "demo" }
        [[employees]]
        user_id = "alice"
        organization = "sub"
        permissions = ["counter_sign"]
        secrets = [{ id = "AKIDalice", key = "s" }]
    "#;

    #[test]
    fn parses_and_resolves_relative_paths() {
        let config = ServiceConfig::from_toml(VALID, Path::new("/etc/countersign")).unwrap();
        assert_eq!(config.rate_limit_for("CreateFileCounterSign"), 3);
        assert_eq!(config.rate_limit_for("UploadFiles"), 7);
        let group = &config.organizations[0].credential;
        assert_eq!(
            group.key.as_deref(),
            Some(Path::new("/etc/countersign/keys/group.key.pem"))
        );
        let sub = &config.organizations[1];
        assert_eq!(
            sub.credential.pkcs12.as_deref(),
            Some(Path::new("/abs/sub.p12"))
        );
        assert_eq!((sub.parent.as_deref(), sub.quota), (Some("group"), 10));
        assert_eq!(config.employees[0].permissions, [Permission::CounterSign]);
        let defaults = ServiceConfig::from_toml("", Path::new(".")).unwrap();
        assert_eq!(defaults.rate_limit, DEFAULT_RATE_LIMIT);
        assert_eq!(defaults.store_location().unwrap(), StoreLocation::Sqlite);
        assert_eq!(
            (defaults.task_lease_seconds, defaults.task_max_attempts),
            (DEFAULT_TASK_LEASE_SECONDS, DEFAULT_TASK_MAX_ATTEMPTS)
        );
        let shared =
            ServiceConfig::from_toml("store = \"postgres://u@db/cs\"", Path::new(".")).unwrap();
        assert_eq!(
            shared.store_location().unwrap(),
            StoreLocation::Postgres("postgres://u@db/cs".into())
        );
    }

    #[test]
    fn blobs_name_a_folder_or_an_s3_bucket_whose_secret_stays_out_of_debug() {
        let folder = ServiceConfig::from_toml("blobs = \"/srv/files\"", Path::new(".")).unwrap();
        assert_eq!(
            folder.blob_location().unwrap(),
            BlobLocation::Folder(Some("/srv/files".into()))
        );
        let text = "blobs = \"s3://bucket/a/b/\"\n[s3]\nendpoint = \"http://127.0.0.1:9000\"\n\
                    access_key_id = \"AKID\"\nsecret_access_key = \"very-secret\"\nallow_http = true";
        let s3 = ServiceConfig::from_toml(text, Path::new(".")).unwrap();
        assert_eq!(
            s3.blob_location().unwrap(),
            BlobLocation::S3 {
                bucket: "bucket".into(),
                prefix: "a/b".into()
            }
        );
        assert_eq!(s3.s3.allow_http, Some(true));
        let debug = format!("{s3:?}");
        assert!(
            debug.contains("AKID") && !debug.contains("very-secret"),
            "{debug}"
        );
        let bare = ServiceConfig::from_toml("blobs = \"s3://b\"", Path::new(".")).unwrap();
        assert_eq!(
            bare.blob_location().unwrap(),
            BlobLocation::S3 {
                bucket: "b".into(),
                prefix: String::new()
            }
        );
        let nameless = ServiceConfig::from_toml("blobs = \"s3:///x\"", Path::new(".")).unwrap();
        assert!(nameless.blob_location().is_err());
    }

    #[test]
    fn an_unknown_rate_limits_key_is_named_with_the_valid_ones() {
        // A misspelt action would otherwise leave that action at the default rate, silently.
        let misspelt = VALID.replace("CreateFileCounterSign = 3", "CreateFileCountersign = 3");
        let error = ServiceConfig::from_toml(&misspelt, Path::new(".")).unwrap_err();
        assert!(matches!(error, ServiceError::Config(_)), "{error:?}");
        assert_eq!(
            error.to_string(),
            "configuration: [rate_limits]: CreateFileCountersign is not an action; the actions \
             are UploadFiles, CreateFileCounterSign, DescribeFileCounterSignResult, \
             DescribeFileUrls, VerifyDigitFile"
        );
        let every = Action::ALL
            .iter()
            .map(|action| format!("{action} = 2\n"))
            .collect::<String>();
        let all = ServiceConfig::from_toml(&format!("[rate_limits]\n{every}"), Path::new("."));
        assert_eq!(all.unwrap().rate_limit_for("VerifyDigitFile"), 2);
    }

    #[test]
    fn rejects_inconsistent_configurations() {
        let broken = [
            VALID.replace("parent = \"group\"", "parent = \"nobody\""),
            VALID.replace("organization = \"sub\"", "organization = \"nobody\""),
            VALID.replace("rate_limit = 7", "rate_limit = 0"),
            VALID.replace("id = \"sub\"", "id = \"group\""),
            VALID.replace("key = \"s\"", "key = \"\""),
            VALID.replace(
                "permissions = [\"counter_sign\"]",
                "permissions = [\"everything\"]",
            ),
            VALID.replace("quota = 10", "quota = 10\ncolour = \"blue\""),
            VALID.replace("quota = 10", "quota = 10\nallow_broken_signature = true"),
            VALID.replace(
                "quota = 10",
                "quota = 10\nallow_broken_signatures = \"yes\"",
            ),
            VALID.replace("rate_limit = 7", "rate_limit = 7\nstore = \"mysql://x\""),
            VALID.replace("rate_limit = 7", "rate_limit = 7\ntask_max_attempts = 0"),
            VALID.replace(
                "rate_limit = 7",
                "rate_limit = 7\n[retention]\nresult_seconds = 0",
            ),
            VALID.replace("rate_limit = 7", "rate_limit = 7\n[retention]\nkeep = 1"),
        ];
        for text in broken {
            assert!(
                matches!(
                    ServiceConfig::from_toml(&text, Path::new(".")),
                    Err(ServiceError::Config(_) | ServiceError::ConfigSyntax { .. })
                ),
                "accepted:\n{text}"
            );
        }
    }
}
