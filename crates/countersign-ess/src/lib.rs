//! A self-hosted service compatible with Tencent Cloud ESS's counter-signing APIs (version
//! 2020-11-11): UploadFiles, CreateFileCounterSign, DescribeFileCounterSignResult, DescribeFileUrls
//! and VerifyDigitFile, with API-3.0 request authentication (TC3-HMAC-SHA256), organisations and
//! their sub-organisations, employee permissions, quotas, rate limits and a durable store.
//!
//! There is no HTTP here: [`Service::handle`] takes a request's method, path, headers and body and
//! returns the API-3.0 JSON answer; the `server` feature puts it behind axum.
//!
//! # Examples
//!
//! An organisation with the demo credential and one employee: UploadFiles, a synchronous
//! CreateFileCounterSign, then VerifyDigitFile on the result.
//!
//! ```
//! use std::path::Path;
//! use std::sync::Arc;
//! use base64::Engine as _;
//! use countersign_ess::{load_config_keys, PdfEngine, Service, ServiceConfig};
//! use serde_json::json;
//!
//! let config = ServiceConfig::from_toml(r#"
//!     workers = 1
//!     [[organizations]]
//!     id = "demo"
//!     quota = 10
//!     credential = { key = "testdata/pki/demo.key.pem", certificates = "testdata/pki/demo.chain.pem" }
//!     secrets = [{ id = "AKIDdemo", key = "demo-secret-key" }]
//!     [[employees]]
//!     user_id = "clerk"
//!     organization = "demo"
//!     permissions = ["upload", "counter_sign", "verify", "download"]
//! "#, Path::new("."))?;
//! let data = std::env::temp_dir().join(format!("countersign-doc-{}", std::process::id()));
//! let service = Service::open(&config, load_config_keys(&config)?, &data, Arc::new(PdfEngine::default()))?;
//!
//! let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
//! let upload = json!({
//!     "BusinessType": "DOCUMENT",
//!     "Caller": {"OperatorId": "clerk"},
//!     "FileInfos": [{"FileName": "contract.pdf", "FileBody": base64::engine::general_purpose::STANDARD.encode(&pdf)}],
//! });
//! let uploaded = service.call("clerk", "UploadFiles", upload.to_string().as_bytes())?;
//! let file_id = uploaded["FileIds"][0].as_str().ok_or("no FileId")?;
//!
//! let sign = json!({"FileId": file_id, "Operator": {"UserId": "clerk"}, "SyncMode": true});
//! let task = service.call("clerk", "CreateFileCounterSign", sign.to_string().as_bytes())?;
//! assert_eq!(task["Status"], "FINISHED");
//!
//! let verify = json!({"FileId": task["ResultFileId"], "Operator": {"UserId": "clerk"}});
//! let verdict = service.call("clerk", "VerifyDigitFile", verify.to_string().as_bytes())?;
//! assert_eq!(verdict["VerifyResult"], 1); // signed, intact, chained to the demo CA
//! assert_eq!(service.balance("demo")?, Some(9));
//! drop(service); // stops the workers, closes the store
//! # std::fs::remove_dir_all(&data)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]
#![forbid(unsafe_code)]
// The service reads untrusted requests: no panicking shortcuts and no unchecked arithmetic
// (tests may use them).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

pub(crate) mod action;
mod actions;
pub(crate) mod api;
pub(crate) mod auth;
pub(crate) mod auth_v1;
pub(crate) mod clock;
pub mod config;
pub(crate) mod credentials;
pub(crate) mod demo;
pub(crate) mod directory;
pub(crate) mod engine;
pub(crate) mod error;
pub(crate) mod host;
pub(crate) mod ids;
pub(crate) mod memory;
pub(crate) mod pades;
pub(crate) mod pages;
pub(crate) mod params;
pub(crate) mod rate_limit;
pub(crate) mod request;
pub mod store;
mod sweep;
mod tasks;
#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;
pub(crate) mod token;
pub(crate) mod zip;

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use serde_json::{Value, json};

use self::action::Action;
pub use self::auth::HeaderCheck;
pub use self::auth::SignedRequest;
use self::config::{BlobLocation, StoreLocation};
pub use self::config::{Limits, Permission, ServiceConfig};
pub use self::demo::load_config_keys;
pub(crate) use self::directory::Directory;
pub use self::engine::{Engine, PdfEngine, RevocationCheck};
pub use self::error::{ApiError, ErrorCode, Language, ServiceError, StoreError};
use self::host::HostPolicy;
pub use self::pades::{PadesLevel, RevocationMode, SigningProfile, TsaSettings};
use self::rate_limit::RateLimiter;
use self::store::{BlobStore, ClaimPolicy, DirBlobStore, MetadataStore, SqliteStore, TaskStatus};
use self::tasks::WorkerPool;
use self::token::DownloadTokens;
use countersign::crypto::CertifiedKey;

/// The service name of the credential scope (`date/ess/tc3_request`).
///
/// # Examples
///
/// ```
/// use countersign_ess::SERVICE_NAME;
///
/// // A TC3 signature's credential scope names the day, the service and `tc3_request`.
/// let scope = format!("{}/{SERVICE_NAME}/tc3_request", "2026-12-02");
/// assert_eq!(scope, "2026-12-02/ess/tc3_request");
/// ```
pub const SERVICE_NAME: &str = "ess";
/// The API version the service speaks (`X-TC-Version`).
///
/// # Examples
///
/// A request for another version is refused with `NoSuchVersion`:
///
/// ```
/// # use std::sync::Arc;
/// # use countersign_ess::{load_config_keys, PdfEngine, Service, ServiceConfig};
/// # let config = ServiceConfig::from_toml(r#"
/// #     workers = 0
/// #     hosts = ["ess.example.com"]
/// #     [[organizations]]
/// #     id = "demo"
/// #     quota = 5
/// #     credential = { key = "testdata/pki/demo.key.pem", certificates = "testdata/pki/demo.chain.pem" }
/// #     secrets = [{ id = "AKIDdemo", key = "demo-secret-key" }]
/// #     [[employees]]
/// #     user_id = "clerk"
/// #     organization = "demo"
/// #     permissions = ["upload", "counter_sign", "verify", "download"]
/// # "#, std::path::Path::new("."))?;
/// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}", std::process::id()));
/// # let service = Service::open(&config, load_config_keys(&config)?, &dir, Arc::new(PdfEngine::default()))?;
/// # // What the official SDKs do: sign `content-type;host` and the body's SHA-256 with TC3-HMAC-SHA256.
/// # fn sign_tc3(headers: &mut Vec<(String, String)>, body: &[u8], secret_id: &str, secret_key: &str) -> Result<(), Box<dyn std::error::Error>> {
/// #     use hmac::{Hmac, KeyInit, Mac};
/// #     use sha2::{Digest, Sha256};
/// #     let mac = |key: &[u8], text: &str| -> Result<Vec<u8>, Box<dyn std::error::Error>> {
/// #         let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)?;
/// #         mac.update(text.as_bytes());
/// #         Ok(mac.finalize().into_bytes().to_vec())
/// #     };
/// #     let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
/// #     let day = der::DateTime::from_unix_duration(now)?;
/// #     let date = format!("{:04}-{:02}-{:02}", day.year(), day.month(), day.day());
/// #     let header = |name: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone()).unwrap_or_default();
/// #     let canonical = format!("POST\n/\n\ncontent-type:{}\nhost:{}\n\ncontent-type;host\n{}",
/// #         header("Content-Type"), header("Host"), hex::encode(Sha256::digest(body)));
/// #     let scope = format!("{date}/ess/tc3_request");
/// #     let to_sign = format!("TC3-HMAC-SHA256\n{}\n{scope}\n{}", now.as_secs(), hex::encode(Sha256::digest(canonical.as_bytes())));
/// #     let key = mac(&mac(&mac(format!("TC3{secret_key}").as_bytes(), &date)?, "ess")?, "tc3_request")?;
/// #     let signature = hex::encode(mac(&key, &to_sign)?);
/// #     headers.push(("X-TC-Timestamp".into(), now.as_secs().to_string()));
/// #     headers.push(("Authorization".into(), format!(
/// #         "TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}")));
/// #     Ok(())
/// # }
/// use countersign_ess::{SignedRequest, API_VERSION};
///
/// let body = br#"{"Operator": {"UserId": "clerk"}, "TaskId": "t-1"}"#;
/// let mut headers = vec![
///     ("Host".to_owned(), "ess.example.com".to_owned()),
///     ("Content-Type".to_owned(), "application/json".to_owned()),
///     ("X-TC-Action".to_owned(), "DescribeFileCounterSignResult".to_owned()),
///     ("X-TC-Version".to_owned(), "2019-06-01".to_owned()),
/// ];
/// sign_tc3(&mut headers, body, "AKIDdemo", "demo-secret-key")?;
/// let request = SignedRequest { method: "POST", path: "/", query: "", headers: &headers, body };
/// let answer = service.handle(&request);
/// assert_eq!(answer["Response"]["Error"]["Code"], "NoSuchVersion");
/// assert_eq!(answer["Response"]["Error"]["Message"], format!("version 2019-06-01 does not exist; use {API_VERSION}"));
/// # drop(service);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const API_VERSION: &str = "2020-11-11";

/// State shared by request handlers and workers.
pub(crate) struct Core {
    directory: Directory,
    metadata: Arc<dyn MetadataStore>,
    blobs: Arc<dyn BlobStore>,
    engine: Arc<dyn Engine>,
    /// What VerifyDigitFile trusts (see [`trust_roots`]).
    trust_roots: Vec<x509_cert::Certificate>,
    limiter: RateLimiter,
    claims: ClaimPolicy,
    /// What leases are measured on.
    clock: clock::LeaseClock,
    tokens: DownloadTokens,
    public_url: RwLock<String>,
    /// Host values requests may name (see [`host`]).
    hosts: RwLock<HostPolicy>,
    limits: Limits,
    /// Memory for documents being read, shared by requests and workers.
    memory: memory::DocumentMemory,
    /// Unix second from which the next sweep of expired request signatures is due.
    next_signature_sweep: AtomicI64,
    retention: config::Retention,
}

/// The service: one per process, shared by reference between request threads.
///
/// ```no_run
/// use std::path::Path;
/// use std::sync::Arc;
/// use countersign_ess::{load_config_keys, PdfEngine, Service, ServiceConfig};
///
/// let config = ServiceConfig::load(Path::new("/etc/countersign/service.toml"))?;
/// let keys = load_config_keys(&config)?; // each organisation's signing credential
/// let service = Service::open(&config, keys, Path::new("/var/lib/countersign"), Arc::new(PdfEngine::default()))?;
/// // Serve it with `countersign_ess::server::spawn` (feature `server`), or call it directly:
/// let answer = service.call("employee-1", "DescribeFileUrls", br#"{"BusinessType":"DOC","BusinessIds":["x"]}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Service {
    core: Arc<Core>,
    // Declared after `core` but dropped explicitly first in Drop, see below.
    pool: Option<WorkerPool>,
    sweeper: Option<sweep::Sweeper>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service").finish_non_exhaustive()
    }
}

/// A downloadable file, opened for reading.
///
/// # Examples
///
/// ```
/// # use std::sync::Arc;
/// # use countersign_ess::{load_config_keys, PdfEngine, Service, ServiceConfig};
/// # let config = ServiceConfig::from_toml(r#"
/// #     workers = 0
/// #     hosts = ["ess.example.com"]
/// #     [[organizations]]
/// #     id = "demo"
/// #     quota = 5
/// #     credential = { key = "testdata/pki/demo.key.pem", certificates = "testdata/pki/demo.chain.pem" }
/// #     secrets = [{ id = "AKIDdemo", key = "demo-secret-key" }]
/// #     [[employees]]
/// #     user_id = "clerk"
/// #     organization = "demo"
/// #     permissions = ["upload", "counter_sign", "verify", "download"]
/// # "#, std::path::Path::new("."))?;
/// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}", std::process::id()));
/// # let service = Service::open(&config, load_config_keys(&config)?, &dir, Arc::new(PdfEngine::default()))?;
/// # use base64::Engine as _;
/// # let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
/// # let upload = serde_json::json!({
/// #     "BusinessType": "DOCUMENT", "Caller": {"OperatorId": "clerk"},
/// #     "FileInfos": [{"FileName": "contract.pdf", "FileBody": base64::engine::general_purpose::STANDARD.encode(&pdf)}],
/// # });
/// # let uploaded = service.call("clerk", "UploadFiles", upload.to_string().as_bytes())?;
/// # let file_id = uploaded["FileIds"][0].as_str().ok_or("no FileId")?;
/// # let sign = serde_json::json!({"FileId": file_id, "Operator": {"UserId": "clerk"}, "SyncMode": true});
/// # let signed = service.call("clerk", "CreateFileCounterSign", sign.to_string().as_bytes())?;
/// # let result_id = signed["ResultFileId"].as_str().ok_or("no ResultFileId")?;
/// # let list = serde_json::json!({"Operator": {"UserId": "clerk"}, "BusinessType": "DIGITFILE", "BusinessIds": [result_id]});
/// # let urls = service.call("clerk", "DescribeFileUrls", list.to_string().as_bytes())?;
/// # let url = urls["FileUrls"][0]["Url"].as_str().ok_or("no Url")?;
/// # let token = url.split("/download/").nth(1).ok_or("no token")?;
/// use countersign_ess::DownloadStream;
///
/// let mut stream: DownloadStream = service.open_download(token)?;
/// let copied = std::io::copy(&mut stream.reader, &mut std::io::sink())?;
/// assert_eq!(copied, stream.len);
/// assert_eq!(stream.name, "contract-countersigned.pdf");
/// # drop(stream);
/// # drop(service);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
pub struct DownloadStream {
    /// The file's name.
    pub name: String,
    /// Its length in bytes.
    pub len: u64,
    /// Its bytes.
    pub reader: Box<dyn std::io::Read + Send>,
}

impl std::fmt::Debug for DownloadStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadStream")
            .field("name", &self.name)
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

/// A downloadable file.
///
/// # Examples
///
/// ```
/// # use std::sync::Arc;
/// # use countersign_ess::{load_config_keys, PdfEngine, Service, ServiceConfig};
/// # let config = ServiceConfig::from_toml(r#"
/// #     workers = 0
/// #     hosts = ["ess.example.com"]
/// #     [[organizations]]
/// #     id = "demo"
/// #     quota = 5
/// #     credential = { key = "testdata/pki/demo.key.pem", certificates = "testdata/pki/demo.chain.pem" }
/// #     secrets = [{ id = "AKIDdemo", key = "demo-secret-key" }]
/// #     [[employees]]
/// #     user_id = "clerk"
/// #     organization = "demo"
/// #     permissions = ["upload", "counter_sign", "verify", "download"]
/// # "#, std::path::Path::new("."))?;
/// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}", std::process::id()));
/// # let service = Service::open(&config, load_config_keys(&config)?, &dir, Arc::new(PdfEngine::default()))?;
/// # use base64::Engine as _;
/// # let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
/// # let upload = serde_json::json!({
/// #     "BusinessType": "DOCUMENT", "Caller": {"OperatorId": "clerk"},
/// #     "FileInfos": [{"FileName": "contract.pdf", "FileBody": base64::engine::general_purpose::STANDARD.encode(&pdf)}],
/// # });
/// # let uploaded = service.call("clerk", "UploadFiles", upload.to_string().as_bytes())?;
/// # let file_id = uploaded["FileIds"][0].as_str().ok_or("no FileId")?;
/// # let sign = serde_json::json!({"FileId": file_id, "Operator": {"UserId": "clerk"}, "SyncMode": true});
/// # let signed = service.call("clerk", "CreateFileCounterSign", sign.to_string().as_bytes())?;
/// # let result_id = signed["ResultFileId"].as_str().ok_or("no ResultFileId")?;
/// # let list = serde_json::json!({"Operator": {"UserId": "clerk"}, "BusinessType": "DIGITFILE", "BusinessIds": [result_id]});
/// # let urls = service.call("clerk", "DescribeFileUrls", list.to_string().as_bytes())?;
/// # let url = urls["FileUrls"][0]["Url"].as_str().ok_or("no Url")?;
/// # let token = url.split("/download/").nth(1).ok_or("no token")?;
/// use countersign::crypto::credential::trust_roots_from_pem;
/// use countersign_ess::Download;
/// use countersign::{verify_pdf, VerifyOptions};
///
/// let file: Download = service.download(token)?;
/// assert_eq!(file.name, "contract-countersigned.pdf");
/// let roots = trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
/// assert!(verify_pdf(&file.bytes, &VerifyOptions::trusting(roots))?.all_valid());
/// # drop(service);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Download {
    /// The file's name.
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// The trust anchors of VerifyDigitFile: the top certificate of each organisation's chain (its
/// root, or the highest CA the credential carries) and every certificate of the configured
/// `trust_roots` files. A signer outside these, a self-signed one say, is not trusted.
fn trust_roots(
    config: &ServiceConfig,
    keys: &HashMap<String, CertifiedKey>,
) -> Result<Vec<x509_cert::Certificate>, ServiceError> {
    let mut roots: Vec<x509_cert::Certificate> = keys
        .values()
        .filter_map(|key| key.cert_chain().last().cloned())
        .collect();
    for path in &config.trust_roots {
        let unusable = |e: Box<dyn std::error::Error + Send + Sync>| ServiceError::ConfigFile {
            path: path.clone(),
            source: e,
        };
        let pem = std::fs::read(path).map_err(|e| unusable(e.into()))?;
        let certificates = countersign::crypto::credential::trust_roots_from_pem(&pem)
            .map_err(|e| unusable(e.into()))?;
        roots.extend(certificates);
    }
    let mut unique = Vec::with_capacity(roots.len());
    for root in roots {
        if !unique.contains(&root) {
            unique.push(root);
        }
    }
    Ok(unique)
}

impl Service {
    /// Opens the default store in `data_dir` (SQLite `countersign.db` and a `files` folder) and
    /// starts the workers, which first finish every task left PROCESSING by a previous run.
    /// `keys` holds each configured organisation's signing credential, by organisation id.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::path::Path;
    /// use std::sync::Arc;
    /// use countersign_ess::{load_config_keys, PdfEngine, Service, ServiceConfig};
    ///
    /// let config = ServiceConfig::from_toml(r#"
    ///     [[organizations]]
    ///     id = "demo"
    ///     quota = 100
    ///     credential = { key = "testdata/pki/demo.key.pem", certificates = "testdata/pki/demo.chain.pem" }
    ///     [[employees]]
    ///     user_id = "clerk"
    ///     organization = "demo"
    ///     permissions = ["upload", "counter_sign"]
    /// "#, Path::new("."))?;
    /// let data = std::env::temp_dir().join(format!("countersign-doc-{}", std::process::id()));
    /// let service = Service::open(&config, load_config_keys(&config)?, &data, Arc::new(PdfEngine::default()))?;
    /// assert!(data.join("countersign.db").is_file());
    /// assert_eq!(service.balance("demo")?, Some(100)); // the quota, on first sight of the organisation
    /// drop(service); // lets running tasks finish, then closes the store
    /// # std::fs::remove_dir_all(&data)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open(
        config: &ServiceConfig,
        keys: HashMap<String, CertifiedKey>,
        data_dir: &Path,
        engine: Arc<dyn Engine>,
    ) -> Result<Self, ServiceError> {
        let (metadata, blobs) = open_stores(config, data_dir)?;
        Self::with_stores(config, keys, metadata, blobs, engine)
    }

    /// [`Service::open`] on stores of the caller's choice.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use countersign_ess::{load_config_keys, PdfEngine, Service, ServiceConfig};
    /// # let config = ServiceConfig::from_toml(r#"
    /// #     workers = 0
    /// #     hosts = ["ess.example.com"]
    /// #     [[organizations]]
    /// #     id = "demo"
    /// #     quota = 5
    /// #     credential = { key = "testdata/pki/demo.key.pem", certificates = "testdata/pki/demo.chain.pem" }
    /// #     secrets = [{ id = "AKIDdemo", key = "demo-secret-key" }]
    /// #     [[employees]]
    /// #     user_id = "clerk"
    /// #     organization = "demo"
    /// #     permissions = ["upload", "counter_sign", "verify", "download"]
    /// # "#, std::path::Path::new("."))?;
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}", std::process::id()));
    /// use countersign_ess::store::{DirBlobStore, SqliteStore};
    ///
    /// std::fs::create_dir_all(&dir)?;
    /// let metadata = Arc::new(SqliteStore::open(&dir.join("metadata.db"))?);
    /// let blobs = Arc::new(DirBlobStore::open(&dir.join("blobs"))?);
    /// let keys = load_config_keys(&config)?;
    /// let service = Service::with_stores(&config, keys, metadata, blobs, Arc::new(PdfEngine::default()))?;
    /// assert_eq!(service.balance("demo")?, Some(5));
    /// # drop(service);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_stores(
        config: &ServiceConfig,
        keys: HashMap<String, CertifiedKey>,
        metadata: Arc<dyn MetadataStore>,
        blobs: Arc<dyn BlobStore>,
        engine: Arc<dyn Engine>,
    ) -> Result<Self, ServiceError> {
        let stores = (metadata, blobs);
        Self::start(config, keys, stores, engine, clock::LeaseClock::System)
    }

    /// [`Service::with_stores`] with leases measured on `clock`.
    pub(crate) fn start(
        config: &ServiceConfig,
        keys: HashMap<String, CertifiedKey>,
        (metadata, blobs): Stores,
        engine: Arc<dyn Engine>,
        clock: clock::LeaseClock,
    ) -> Result<Self, ServiceError> {
        let trust_roots = trust_roots(config, &keys)?;
        let mut directory = Directory::new(config, keys)?;
        // A token VerifyDigitFile would not trust is refused at signing, not stored.
        directory.require_tsa_roots(&trust_roots);
        for organization in &config.organizations {
            metadata.ensure_account(&organization.id, organization.quota)?;
        }
        let tokens = DownloadTokens::new(metadata.installation_key()?);
        let rate_limits = config.clone();
        let limiter = RateLimiter::with_store(
            move |action: Action| rate_limits.rate_limit_for(action.rate_limit_key()),
            Arc::clone(&metadata),
        );
        let mut hosts = HostPolicy::default();
        for host in &config.hosts {
            hosts.allow_host(host);
        }
        if let Some(url) = &config.public_url {
            hosts.allow_url(url);
        }
        let core = Arc::new(Core {
            directory,
            metadata,
            blobs,
            engine,
            trust_roots,
            limiter,
            claims: config.claim_policy(),
            clock,
            tokens,
            public_url: RwLock::new(config.public_url.clone().unwrap_or_default()),
            hosts: RwLock::new(hosts),
            limits: config.limits.clone(),
            memory: memory::DocumentMemory::new(
                config.limits.max_document_memory_bytes,
                std::time::Duration::from_millis(config.limits.document_memory_wait_ms),
            ),
            next_signature_sweep: AtomicI64::new(0),
            retention: config.retention.clone(),
        });
        let workers = config.workers.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(usize::from)
                .unwrap_or(2)
        });
        // Idle workers look for free tasks (left by a previous run or another replica) this often.
        let poll = std::time::Duration::from_millis(500);
        let pool =
            WorkerPool::start(Arc::clone(&core), workers, poll).map_err(ServiceError::Workers)?;
        let every =
            std::time::Duration::from_secs(u64::from(config.retention.sweep_interval_seconds));
        let sweeper =
            sweep::Sweeper::start(Arc::clone(&core), every).map_err(ServiceError::Workers)?;
        Ok(Self {
            core,
            pool: Some(pool),
            sweeper: Some(sweeper),
        })
    }

    /// Sets the base of DescribeFileUrls links (`http://host:port`) unless configured.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use countersign_ess::{load_config_keys, PdfEngine, Service, ServiceConfig};
    /// # let config = ServiceConfig::from_toml(r#"
    /// #     workers = 0
    /// #     hosts = ["ess.example.com"]
    /// #     [[organizations]]
    /// #     id = "demo"
    /// #     quota = 5
    /// #     credential = { key = "testdata/pki/demo.key.pem", certificates = "testdata/pki/demo.chain.pem" }
    /// #     secrets = [{ id = "AKIDdemo", key = "demo-secret-key" }]
    /// #     [[employees]]
    /// #     user_id = "clerk"
    /// #     organization = "demo"
    /// #     permissions = ["upload", "counter_sign", "verify", "download"]
    /// # "#, std::path::Path::new("."))?;
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}", std::process::id()));
    /// # let service = Service::open(&config, load_config_keys(&config)?, &dir, Arc::new(PdfEngine::default()))?;
    /// # use base64::Engine as _;
    /// # let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
    /// # let upload = serde_json::json!({
    /// #     "BusinessType": "DOCUMENT", "Caller": {"OperatorId": "clerk"},
    /// #     "FileInfos": [{"FileName": "contract.pdf", "FileBody": base64::engine::general_purpose::STANDARD.encode(&pdf)}],
    /// # });
    /// # let uploaded = service.call("clerk", "UploadFiles", upload.to_string().as_bytes())?;
    /// # let file_id = uploaded["FileIds"][0].as_str().ok_or("no FileId")?;
    /// # let sign = serde_json::json!({"FileId": file_id, "Operator": {"UserId": "clerk"}, "SyncMode": true});
    /// # let signed = service.call("clerk", "CreateFileCounterSign", sign.to_string().as_bytes())?;
    /// # let result_id = signed["ResultFileId"].as_str().ok_or("no ResultFileId")?;
    /// service.set_default_public_url("http://127.0.0.1:8080/");
    /// service.set_default_public_url("http://127.0.0.1:9999"); // ignored: the first one stays
    /// let list = serde_json::json!({"Operator": {"UserId": "clerk"}, "BusinessType": "DIGITFILE", "BusinessIds": [result_id]});
    /// let urls = service.call("clerk", "DescribeFileUrls", list.to_string().as_bytes())?;
    /// let url = urls["FileUrls"][0]["Url"].as_str().ok_or("no Url")?;
    /// assert!(url.starts_with("http://127.0.0.1:8080/download/"), "{url}");
    /// # drop(service);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_default_public_url(&self, url: &str) {
        let mut public_url = self
            .core
            .public_url
            .write()
            .unwrap_or_else(|poison| poison.into_inner());
        if public_url.is_empty() {
            *public_url = url.trim_end_matches('/').to_owned();
        }
    }

    /// The server's limits (from the configuration).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use countersign_ess::{load_config_keys, PdfEngine, Service, ServiceConfig};
    /// # let config = ServiceConfig::from_toml(r#"
    /// #     workers = 0
    /// #     hosts = ["ess.example.com"]
    /// #     [[organizations]]
    /// #     id = "demo"
    /// #     quota = 5
    /// #     credential = { key = "testdata/pki/demo.key.pem", certificates = "testdata/pki/demo.chain.pem" }
    /// #     secrets = [{ id = "AKIDdemo", key = "demo-secret-key" }]
    /// #     [[employees]]
    /// #     user_id = "clerk"
    /// #     organization = "demo"
    /// #     permissions = ["upload", "counter_sign", "verify", "download"]
    /// # "#, std::path::Path::new("."))?;
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}", std::process::id()));
    /// # let service = Service::open(&config, load_config_keys(&config)?, &dir, Arc::new(PdfEngine::default()))?;
    /// use countersign_ess::config::{DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_FILE_BYTES};
    ///
    /// // The configuration has no [limits] table: the defaults apply.
    /// assert_eq!(service.limits().max_file_bytes, DEFAULT_MAX_FILE_BYTES);
    /// assert_eq!(service.limits().max_body_bytes, DEFAULT_MAX_BODY_BYTES);
    /// assert_eq!(service.limits().header_timeout_ms, 10_000);
    /// # drop(service);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn limits(&self) -> &Limits {
        &self.core.limits
    }

    /// Allows the server's listening address as a request Host (besides the configured ones).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use countersign_ess::{load_config_keys, PdfEngine, Service, ServiceConfig};
    /// # let config = ServiceConfig::from_toml(r#"
    /// #     workers = 0
    /// #     hosts = ["ess.example.com"]
    /// #     [[organizations]]
    /// #     id = "demo"
    /// #     quota = 5
    /// #     credential = { key = "testdata/pki/demo.key.pem", certificates = "testdata/pki/demo.chain.pem" }
    /// #     secrets = [{ id = "AKIDdemo", key = "demo-secret-key" }]
    /// #     [[employees]]
    /// #     user_id = "clerk"
    /// #     organization = "demo"
    /// #     permissions = ["upload", "counter_sign", "verify", "download"]
    /// # "#, std::path::Path::new("."))?;
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}", std::process::id()));
    /// # let service = Service::open(&config, load_config_keys(&config)?, &dir, Arc::new(PdfEngine::default()))?;
    /// use countersign_ess::{ErrorCode, SignedRequest};
    ///
    /// let headers = vec![("Host".to_owned(), "127.0.0.1:8080".to_owned())];
    /// let head = SignedRequest { method: "POST", path: "/", query: "", headers: &headers, body: &[] };
    /// // Only `hosts = ["ess.example.com"]` is configured.
    /// assert_eq!(service.admit(&head).unwrap_err().code, ErrorCode::SignatureFailure);
    /// service.allow_listen_addr("127.0.0.1:8080".parse()?);
    /// assert!(service.admit(&head).is_ok());
    /// # drop(service);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn allow_listen_addr(&self, addr: std::net::SocketAddr) {
        self.core
            .hosts
            .write()
            .unwrap_or_else(|poison| poison.into_inner())
            .allow_listen_addr(addr);
    }

    /// Answers one API-3.0 request: authentication, rate limit, action. Always returns the JSON
    /// body to send with HTTP 200 (`{"Response": {..., "RequestId"}}`); error messages are in
    /// the language the request asks for (`X-TC-Language: zh-CN` for Chinese).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use countersign_ess::{load_config_keys, PdfEngine, Service, ServiceConfig};
    /// # let config = ServiceConfig::from_toml(r#"
    /// #     workers = 0
    /// #     hosts = ["ess.example.com"]
    /// #     [[organizations]]
    /// #     id = "demo"
    /// #     quota = 5
    /// #     credential = { key = "testdata/pki/demo.key.pem", certificates = "testdata/pki/demo.chain.pem" }
    /// #     secrets = [{ id = "AKIDdemo", key = "demo-secret-key" }]
    /// #     [[employees]]
    /// #     user_id = "clerk"
    /// #     organization = "demo"
    /// #     permissions = ["upload", "counter_sign", "verify", "download"]
    /// # "#, std::path::Path::new("."))?;
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}", std::process::id()));
    /// # let service = Service::open(&config, load_config_keys(&config)?, &dir, Arc::new(PdfEngine::default()))?;
    /// # // What the official SDKs do: sign `content-type;host` and the body's SHA-256 with TC3-HMAC-SHA256.
    /// # fn sign_tc3(headers: &mut Vec<(String, String)>, body: &[u8], secret_id: &str, secret_key: &str) -> Result<(), Box<dyn std::error::Error>> {
    /// #     use hmac::{Hmac, KeyInit, Mac};
    /// #     use sha2::{Digest, Sha256};
    /// #     let mac = |key: &[u8], text: &str| -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    /// #         let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)?;
    /// #         mac.update(text.as_bytes());
    /// #         Ok(mac.finalize().into_bytes().to_vec())
    /// #     };
    /// #     let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
    /// #     let day = der::DateTime::from_unix_duration(now)?;
    /// #     let date = format!("{:04}-{:02}-{:02}", day.year(), day.month(), day.day());
    /// #     let header = |name: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone()).unwrap_or_default();
    /// #     let canonical = format!("POST\n/\n\ncontent-type:{}\nhost:{}\n\ncontent-type;host\n{}",
    /// #         header("Content-Type"), header("Host"), hex::encode(Sha256::digest(body)));
    /// #     let scope = format!("{date}/ess/tc3_request");
    /// #     let to_sign = format!("TC3-HMAC-SHA256\n{}\n{scope}\n{}", now.as_secs(), hex::encode(Sha256::digest(canonical.as_bytes())));
    /// #     let key = mac(&mac(&mac(format!("TC3{secret_key}").as_bytes(), &date)?, "ess")?, "tc3_request")?;
    /// #     let signature = hex::encode(mac(&key, &to_sign)?);
    /// #     headers.push(("X-TC-Timestamp".into(), now.as_secs().to_string()));
    /// #     headers.push(("Authorization".into(), format!(
    /// #         "TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}")));
    /// #     Ok(())
    /// # }
    /// use base64::Engine as _;
    /// use countersign_ess::SignedRequest;
    ///
    /// let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
    /// let body = serde_json::json!({
    ///     "BusinessType": "DOCUMENT",
    ///     "Caller": {"OperatorId": "clerk"},
    ///     "FileInfos": [{"FileName": "contract.pdf", "FileBody": base64::engine::general_purpose::STANDARD.encode(&pdf)}],
    /// })
    /// .to_string();
    /// let mut headers = vec![
    ///     ("Host".to_owned(), "ess.example.com".to_owned()),
    ///     ("Content-Type".to_owned(), "application/json".to_owned()),
    ///     ("X-TC-Action".to_owned(), "UploadFiles".to_owned()),
    ///     ("X-TC-Version".to_owned(), "2020-11-11".to_owned()),
    /// ];
    /// sign_tc3(&mut headers, body.as_bytes(), "AKIDdemo", "demo-secret-key")?; // as the SDKs do
    /// let request = SignedRequest { method: "POST", path: "/", query: "", headers: &headers, body: body.as_bytes() };
    /// let answer = service.handle(&request);
    /// assert_eq!(answer["Response"]["TotalCount"], 1);
    /// assert!(answer["Response"]["RequestId"].is_string());
    ///
    /// // A body changed after signing is refused, in the language the client asks for.
    /// headers.push(("X-TC-Language".to_owned(), "zh-CN".to_owned()));
    /// let tampered = SignedRequest { method: "POST", path: "/", query: "", headers: &headers, body: b"{}" };
    /// let answer = service.handle(&tampered);
    /// assert_eq!(answer["Response"]["Error"]["Code"], "AuthFailure.SignatureFailure");
    /// assert!(answer["Response"]["Error"]["Message"].as_str().unwrap_or_default().starts_with("签名错误"));
    /// # drop(service);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn handle(&self, request: &SignedRequest<'_>) -> Value {
        match self.admit(request) {
            Ok(check) => self.handle_admitted(check.as_ref(), request),
            Err(error) => Self::error_response(&error, request::language(request)),
        }
    }

    /// The part of authentication that needs no body, done before the body is read: a Host of
    /// this service and, for a TC3 request, a known SecretId, a fresh timestamp and the `ess`
    /// credential scope (`Some`). `None`: a v1-signed request, authenticated only once its
    /// parameters (possibly its body) are read. The request's `body` is ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use countersign_ess::{load_config_keys, PdfEngine, Service, ServiceConfig};
    /// # let config = ServiceConfig::from_toml(r#"
    /// #     workers = 0
    /// #     hosts = ["ess.example.com"]
    /// #     [[organizations]]
    /// #     id = "demo"
    /// #     quota = 5
    /// #     credential = { key = "testdata/pki/demo.key.pem", certificates = "testdata/pki/demo.chain.pem" }
    /// #     secrets = [{ id = "AKIDdemo", key = "demo-secret-key" }]
    /// #     [[employees]]
    /// #     user_id = "clerk"
    /// #     organization = "demo"
    /// #     permissions = ["upload", "counter_sign", "verify", "download"]
    /// # "#, std::path::Path::new("."))?;
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}", std::process::id()));
    /// # let service = Service::open(&config, load_config_keys(&config)?, &dir, Arc::new(PdfEngine::default()))?;
    /// # // What the official SDKs do: sign `content-type;host` and the body's SHA-256 with TC3-HMAC-SHA256.
    /// # fn sign_tc3(headers: &mut Vec<(String, String)>, body: &[u8], secret_id: &str, secret_key: &str) -> Result<(), Box<dyn std::error::Error>> {
    /// #     use hmac::{Hmac, KeyInit, Mac};
    /// #     use sha2::{Digest, Sha256};
    /// #     let mac = |key: &[u8], text: &str| -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    /// #         let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)?;
    /// #         mac.update(text.as_bytes());
    /// #         Ok(mac.finalize().into_bytes().to_vec())
    /// #     };
    /// #     let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
    /// #     let day = der::DateTime::from_unix_duration(now)?;
    /// #     let date = format!("{:04}-{:02}-{:02}", day.year(), day.month(), day.day());
    /// #     let header = |name: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone()).unwrap_or_default();
    /// #     let canonical = format!("POST\n/\n\ncontent-type:{}\nhost:{}\n\ncontent-type;host\n{}",
    /// #         header("Content-Type"), header("Host"), hex::encode(Sha256::digest(body)));
    /// #     let scope = format!("{date}/ess/tc3_request");
    /// #     let to_sign = format!("TC3-HMAC-SHA256\n{}\n{scope}\n{}", now.as_secs(), hex::encode(Sha256::digest(canonical.as_bytes())));
    /// #     let key = mac(&mac(&mac(format!("TC3{secret_key}").as_bytes(), &date)?, "ess")?, "tc3_request")?;
    /// #     let signature = hex::encode(mac(&key, &to_sign)?);
    /// #     headers.push(("X-TC-Timestamp".into(), now.as_secs().to_string()));
    /// #     headers.push(("Authorization".into(), format!(
    /// #         "TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}")));
    /// #     Ok(())
    /// # }
    /// use countersign_ess::{ErrorCode, SignedRequest};
    ///
    /// let body = br#"{"Operator": {"UserId": "clerk"}, "TaskId": "t-1"}"#;
    /// let mut headers = vec![
    ///     ("Host".to_owned(), "ess.example.com".to_owned()),
    ///     ("Content-Type".to_owned(), "application/json".to_owned()),
    ///     ("X-TC-Action".to_owned(), "DescribeFileCounterSignResult".to_owned()),
    ///     ("X-TC-Version".to_owned(), "2020-11-11".to_owned()),
    /// ];
    /// sign_tc3(&mut headers, body, "AKIDdemo", "demo-secret-key")?;
    /// // Headers only: the body is not read yet.
    /// let head = SignedRequest { method: "POST", path: "/", query: "", headers: &headers, body: &[] };
    /// let check = service.admit(&head)?.ok_or("a TC3 request is checked at once")?;
    /// assert_eq!(check.verify_body(&SignedRequest { body, ..head.clone() })?, "AKIDdemo");
    ///
    /// let elsewhere = [("Host".to_owned(), "ess.example.net".to_owned())];
    /// let refused = service.admit(&SignedRequest { headers: &elsewhere, ..head.clone() }).unwrap_err();
    /// assert_eq!(refused.code, ErrorCode::SignatureFailure);
    /// // No Authorization header: a v1 signature, found among the parameters later.
    /// let v1 = [("Host".to_owned(), "ess.example.com".to_owned())];
    /// assert!(service.admit(&SignedRequest { headers: &v1, ..head })?.is_none());
    /// # drop(service);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn admit(&self, head: &SignedRequest<'_>) -> Result<Option<HeaderCheck>, ApiError> {
        let directory = &self.core.directory;
        self.core
            .hosts
            .read()
            .unwrap_or_else(|poison| poison.into_inner())
            .check(head.header("Host"))?;
        if head.header("Authorization").is_none() {
            // A v1 signature travels in the parameters (the body of a form POST).
            return Ok(None);
        }
        let check = auth::check_headers(head, |id| directory.secret_key(id), clock::unix_now())?;
        if !scope_service_matches(&check.authorization.service, head.header("Host")) {
            return Err(ApiError::new(
                ErrorCode::SignatureFailure,
                format!(
                    "credential scope names service {:.32}, this is {SERVICE_NAME}",
                    check.authorization.service
                ),
            ));
        }
        Ok(Some(check))
    }

    /// The organisation whose budget the body of an admitted TC3 request draws on: the owner of
    /// the SecretId its headers name (the MAC, over the body, is not checked yet).
    #[cfg(feature = "server")]
    pub(crate) fn organization_of(&self, check: &HeaderCheck) -> Option<String> {
        self.core
            .directory
            .organization_of_secret(&check.authorization.secret_id)
            .map(|organization| organization.id.clone())
    }

    /// Answers a request that passed [`Service::admit`], now with its whole body.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use countersign_ess::{load_config_keys, PdfEngine, Service, ServiceConfig};
    /// # let config = ServiceConfig::from_toml(r#"
    /// #     workers = 0
    /// #     hosts = ["ess.example.com"]
    /// #     [[organizations]]
    /// #     id = "demo"
    /// #     quota = 5
    /// #     credential = { key = "testdata/pki/demo.key.pem", certificates = "testdata/pki/demo.chain.pem" }
    /// #     secrets = [{ id = "AKIDdemo", key = "demo-secret-key" }]
    /// #     [[employees]]
    /// #     user_id = "clerk"
    /// #     organization = "demo"
    /// #     permissions = ["upload", "counter_sign", "verify", "download"]
    /// # "#, std::path::Path::new("."))?;
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}", std::process::id()));
    /// # let service = Service::open(&config, load_config_keys(&config)?, &dir, Arc::new(PdfEngine::default()))?;
    /// # // What the official SDKs do: sign `content-type;host` and the body's SHA-256 with TC3-HMAC-SHA256.
    /// # fn sign_tc3(headers: &mut Vec<(String, String)>, body: &[u8], secret_id: &str, secret_key: &str) -> Result<(), Box<dyn std::error::Error>> {
    /// #     use hmac::{Hmac, KeyInit, Mac};
    /// #     use sha2::{Digest, Sha256};
    /// #     let mac = |key: &[u8], text: &str| -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    /// #         let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)?;
    /// #         mac.update(text.as_bytes());
    /// #         Ok(mac.finalize().into_bytes().to_vec())
    /// #     };
    /// #     let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
    /// #     let day = der::DateTime::from_unix_duration(now)?;
    /// #     let date = format!("{:04}-{:02}-{:02}", day.year(), day.month(), day.day());
    /// #     let header = |name: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone()).unwrap_or_default();
    /// #     let canonical = format!("POST\n/\n\ncontent-type:{}\nhost:{}\n\ncontent-type;host\n{}",
    /// #         header("Content-Type"), header("Host"), hex::encode(Sha256::digest(body)));
    /// #     let scope = format!("{date}/ess/tc3_request");
    /// #     let to_sign = format!("TC3-HMAC-SHA256\n{}\n{scope}\n{}", now.as_secs(), hex::encode(Sha256::digest(canonical.as_bytes())));
    /// #     let key = mac(&mac(&mac(format!("TC3{secret_key}").as_bytes(), &date)?, "ess")?, "tc3_request")?;
    /// #     let signature = hex::encode(mac(&key, &to_sign)?);
    /// #     headers.push(("X-TC-Timestamp".into(), now.as_secs().to_string()));
    /// #     headers.push(("Authorization".into(), format!(
    /// #         "TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}")));
    /// #     Ok(())
    /// # }
    /// use countersign_ess::SignedRequest;
    ///
    /// let body = br#"{"Operator": {"UserId": "clerk"}, "TaskId": "t-1"}"#;
    /// let mut headers = vec![
    ///     ("Host".to_owned(), "ess.example.com".to_owned()),
    ///     ("Content-Type".to_owned(), "application/json".to_owned()),
    ///     ("X-TC-Action".to_owned(), "DescribeFileCounterSignResult".to_owned()),
    ///     ("X-TC-Version".to_owned(), "2020-11-11".to_owned()),
    /// ];
    /// sign_tc3(&mut headers, body, "AKIDdemo", "demo-secret-key")?;
    /// let head = SignedRequest { method: "POST", path: "/", query: "", headers: &headers, body: &[] };
    /// let check = service.admit(&head)?;
    /// // ... the server reads the body within its limits, then:
    /// let answer = service.handle_admitted(check.as_ref(), &SignedRequest { body, ..head });
    /// // Authenticated; the task just does not exist.
    /// assert_eq!(answer["Response"]["Error"]["Code"], "ResourceNotFound");
    /// assert_eq!(answer["Response"]["Error"]["Message"], "task t-1 not found");
    /// # drop(service);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn handle_admitted(
        &self,
        check: Option<&HeaderCheck>,
        request: &SignedRequest<'_>,
    ) -> Value {
        match self.handle_inner(check, request) {
            Ok(Value::Object(mut fields)) => {
                fields.insert("RequestId".into(), Value::String(ids::request_id()));
                json!({ "Response": fields })
            }
            Ok(_) => json!({ "Response": { "RequestId": ids::request_id() } }),
            Err(error) => Self::error_response(&error, request::language(request)),
        }
    }

    /// The API envelope of an error: `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::{ApiError, Language, Service};
    ///
    /// let error = ApiError::missing("FileId");
    /// let envelope = Service::error_response(&error, Language::English);
    /// assert_eq!(envelope["Response"]["Error"]["Code"], "MissingParameter");
    /// assert_eq!(envelope["Response"]["Error"]["Message"], "missing required parameter FileId");
    /// assert!(envelope["Response"]["RequestId"].is_string());
    /// let chinese = Service::error_response(&error, Language::Chinese);
    /// assert_eq!(chinese["Response"]["Error"]["Message"], "缺少必填参数 FileId");
    /// ```
    pub fn error_response(error: &ApiError, language: Language) -> Value {
        json!({ "Response": {
            "Error": {"Code": error.code.as_str(), "Message": error.message_in(language)},
            "RequestId": ids::request_id(),
        }})
    }

    fn handle_inner(
        &self,
        check: Option<&HeaderCheck>,
        request: &SignedRequest<'_>,
    ) -> Result<Value, ApiError> {
        let directory = &self.core.directory;
        let incoming = request::authenticate(
            request,
            check,
            |id| directory.secret_key(id),
            clock::unix_now(),
        )?;
        let organization = directory
            .organization_of_secret(&incoming.secret_id)
            .ok_or_else(|| ApiError::internal("credential without organisation"))?;
        let action_name = incoming
            .action
            .as_deref()
            .filter(|action| !action.is_empty())
            .ok_or_else(|| ApiError::missing("Action (X-TC-Action)"))?;
        match incoming.version.as_deref() {
            Some(API_VERSION) => {}
            None => return Err(ApiError::missing("Version (X-TC-Version)")),
            Some(other) => {
                return Err(ApiError::new(
                    ErrorCode::NoSuchVersion,
                    format!("version {other:.32} does not exist; use {API_VERSION}"),
                )
                .zh(format!("接口版本 {other:.32} 不存在，请使用 {API_VERSION}")));
            }
        }
        let action = Action::from_name(action_name).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidAction,
                format!("action {action_name:.64} is not supported"),
            )
        })?;
        if !self.core.limiter.try_acquire(&organization.id, action) {
            return Err(ApiError::new(
                ErrorCode::RequestLimitExceeded,
                format!(
                    "organisation {} exceeded the rate limit of {action}",
                    organization.id
                ),
            ));
        }
        self.refuse_replay(&incoming, action)?;
        actions::dispatch(self, &organization.id, action, incoming.params)
    }

    /// Refuses a signature already used within its timestamp window for another action, or for
    /// an action that changes state (a replay must not store or charge twice). TC3 signatures
    /// made by the official SDKs do not cover `X-TC-Action`, so this is what keeps a captured
    /// request from being sent again as another action. An identical read-only request (an SDK
    /// polling DescribeFileCounterSignResult within one second signs it identically) passes.
    fn refuse_replay(
        &self,
        incoming: &request::Incoming<'_>,
        action: Action,
    ) -> Result<(), ApiError> {
        let now = clock::unix_now();
        self.sweep_signatures(now);
        let expires_at = incoming
            .timestamp
            .saturating_add(auth::MAX_CLOCK_SKEW_SECONDS);
        let first = self.core.metadata.remember_signature(
            &incoming.secret_id,
            &incoming.signature,
            action.as_str(),
            expires_at,
            now,
        )?;
        match first {
            None => Ok(()),
            Some(first) if first == action.as_str() && !action.changes_state() => Ok(()),
            Some(first) => Err(ApiError::new(
                ErrorCode::SignatureFailure,
                format!(
                    "this signature was already used for {first:.64}: a signed request is not \
                     accepted again for {action}; sign each request anew"
                ),
            )
            .zh(format!(
                "签名已用于 {first:.64}，同一签名不能再次用于 {action}，请重新签名"
            ))),
        }
    }

    /// Forgets expired request signatures, at most once a minute per process.
    fn sweep_signatures(&self, now: i64) {
        let due = self.core.next_signature_sweep.load(Ordering::Relaxed);
        if now < due
            || self
                .core
                .next_signature_sweep
                .compare_exchange(
                    due,
                    now.saturating_add(60),
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                )
                .is_err()
        {
            return;
        }
        // A failed sweep is retried a minute later; the signatures it left stay harmless.
        let _ = self.core.metadata.forget_expired_signatures(now);
    }

    /// Runs `action` with the JSON `body` as if signed with a key of `user_id`'s organisation
    /// (authentication already done; the body still names the operator).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use countersign_ess::{load_config_keys, PdfEngine, Service, ServiceConfig};
    /// # let config = ServiceConfig::from_toml(r#"
    /// #     workers = 0
    /// #     hosts = ["ess.example.com"]
    /// #     [[organizations]]
    /// #     id = "demo"
    /// #     quota = 5
    /// #     credential = { key = "testdata/pki/demo.key.pem", certificates = "testdata/pki/demo.chain.pem" }
    /// #     secrets = [{ id = "AKIDdemo", key = "demo-secret-key" }]
    /// #     [[employees]]
    /// #     user_id = "clerk"
    /// #     organization = "demo"
    /// #     permissions = ["upload", "counter_sign", "verify", "download"]
    /// # "#, std::path::Path::new("."))?;
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}", std::process::id()));
    /// # let service = Service::open(&config, load_config_keys(&config)?, &dir, Arc::new(PdfEngine::default()))?;
    /// use base64::Engine as _;
    ///
    /// let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
    /// let upload = serde_json::json!({
    ///     "BusinessType": "DOCUMENT",
    ///     "Caller": {"OperatorId": "clerk"},
    ///     "FileInfos": [{"FileName": "contract.pdf", "FileBody": base64::engine::general_purpose::STANDARD.encode(&pdf)}],
    /// });
    /// let uploaded = service.call("clerk", "UploadFiles", upload.to_string().as_bytes())?;
    /// assert_eq!(uploaded["TotalCount"], 1);
    ///
    /// let file_id = uploaded["FileIds"][0].as_str().ok_or("no FileId")?;
    /// let sign = serde_json::json!({"FileId": file_id, "Operator": {"UserId": "clerk"}, "SyncMode": true});
    /// let signed = service.call("clerk", "CreateFileCounterSign", sign.to_string().as_bytes())?;
    /// assert_eq!(signed["Status"], "FINISHED");
    /// assert_eq!(service.balance("demo")?, Some(4)); // one of 5 signatures used
    ///
    /// let stranger = service.call("mallory", "UploadFiles", b"{}").unwrap_err();
    /// assert_eq!(stranger.code.as_str(), "ResourceNotFound.User");
    /// # drop(service);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn call(&self, user_id: &str, action: &str, body: &[u8]) -> Result<Value, ApiError> {
        let employee = self.core.directory.employee(user_id).ok_or_else(|| {
            ApiError::new(
                ErrorCode::UserNotFound,
                format!("unknown employee {user_id}"),
            )
        })?;
        let organization = employee.organization.clone();
        let action = Action::from_name(action).ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidAction, format!("unknown action {action}"))
        })?;
        actions::dispatch(self, &organization, action, request::json_params(body)?)
    }

    /// The file behind a DescribeFileUrls token, if the token is genuine and unexpired.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use countersign_ess::{load_config_keys, PdfEngine, Service, ServiceConfig};
    /// # let config = ServiceConfig::from_toml(r#"
    /// #     workers = 0
    /// #     hosts = ["ess.example.com"]
    /// #     [[organizations]]
    /// #     id = "demo"
    /// #     quota = 5
    /// #     credential = { key = "testdata/pki/demo.key.pem", certificates = "testdata/pki/demo.chain.pem" }
    /// #     secrets = [{ id = "AKIDdemo", key = "demo-secret-key" }]
    /// #     [[employees]]
    /// #     user_id = "clerk"
    /// #     organization = "demo"
    /// #     permissions = ["upload", "counter_sign", "verify", "download"]
    /// # "#, std::path::Path::new("."))?;
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}", std::process::id()));
    /// # let service = Service::open(&config, load_config_keys(&config)?, &dir, Arc::new(PdfEngine::default()))?;
    /// # use base64::Engine as _;
    /// # let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
    /// # let upload = serde_json::json!({
    /// #     "BusinessType": "DOCUMENT", "Caller": {"OperatorId": "clerk"},
    /// #     "FileInfos": [{"FileName": "contract.pdf", "FileBody": base64::engine::general_purpose::STANDARD.encode(&pdf)}],
    /// # });
    /// # let uploaded = service.call("clerk", "UploadFiles", upload.to_string().as_bytes())?;
    /// # let file_id = uploaded["FileIds"][0].as_str().ok_or("no FileId")?;
    /// # let sign = serde_json::json!({"FileId": file_id, "Operator": {"UserId": "clerk"}, "SyncMode": true});
    /// # let signed = service.call("clerk", "CreateFileCounterSign", sign.to_string().as_bytes())?;
    /// # let result_id = signed["ResultFileId"].as_str().ok_or("no ResultFileId")?;
    /// let list = serde_json::json!({"Operator": {"UserId": "clerk"}, "BusinessType": "DIGITFILE", "BusinessIds": [result_id]});
    /// let urls = service.call("clerk", "DescribeFileUrls", list.to_string().as_bytes())?;
    /// let url = urls["FileUrls"][0]["Url"].as_str().ok_or("no Url")?;
    /// let token = url.split("/download/").nth(1).ok_or("no token")?;
    ///
    /// let file = service.download(token)?;
    /// assert_eq!(file.name, "contract-countersigned.pdf");
    /// assert!(file.bytes.starts_with(&pdf)); // the upload, then the counter-signature
    /// assert_eq!(service.download("forged").unwrap_err().code.as_str(), "ResourceNotFound");
    /// # drop(service);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn download(&self, token: &str) -> Result<Download, ApiError> {
        let mut stream = self.open_download(token)?;
        let mut bytes = Vec::new();
        stream
            .reader
            .read_to_end(&mut bytes)
            .map_err(|e| ApiError::internal(format!("reading the file: {e}")))?;
        Ok(Download {
            name: stream.name,
            bytes,
        })
    }

    /// [`Service::download`] as a reader, so that the server streams the file instead of
    /// loading it.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use countersign_ess::{load_config_keys, PdfEngine, Service, ServiceConfig};
    /// # let config = ServiceConfig::from_toml(r#"
    /// #     workers = 0
    /// #     hosts = ["ess.example.com"]
    /// #     [[organizations]]
    /// #     id = "demo"
    /// #     quota = 5
    /// #     credential = { key = "testdata/pki/demo.key.pem", certificates = "testdata/pki/demo.chain.pem" }
    /// #     secrets = [{ id = "AKIDdemo", key = "demo-secret-key" }]
    /// #     [[employees]]
    /// #     user_id = "clerk"
    /// #     organization = "demo"
    /// #     permissions = ["upload", "counter_sign", "verify", "download"]
    /// # "#, std::path::Path::new("."))?;
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}", std::process::id()));
    /// # let service = Service::open(&config, load_config_keys(&config)?, &dir, Arc::new(PdfEngine::default()))?;
    /// # use base64::Engine as _;
    /// # let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
    /// # let upload = serde_json::json!({
    /// #     "BusinessType": "DOCUMENT", "Caller": {"OperatorId": "clerk"},
    /// #     "FileInfos": [{"FileName": "contract.pdf", "FileBody": base64::engine::general_purpose::STANDARD.encode(&pdf)}],
    /// # });
    /// # let uploaded = service.call("clerk", "UploadFiles", upload.to_string().as_bytes())?;
    /// # let file_id = uploaded["FileIds"][0].as_str().ok_or("no FileId")?;
    /// # let sign = serde_json::json!({"FileId": file_id, "Operator": {"UserId": "clerk"}, "SyncMode": true});
    /// # let signed = service.call("clerk", "CreateFileCounterSign", sign.to_string().as_bytes())?;
    /// # let result_id = signed["ResultFileId"].as_str().ok_or("no ResultFileId")?;
    /// # let list = serde_json::json!({"Operator": {"UserId": "clerk"}, "BusinessType": "DIGITFILE", "BusinessIds": [result_id]});
    /// # let urls = service.call("clerk", "DescribeFileUrls", list.to_string().as_bytes())?;
    /// # let url = urls["FileUrls"][0]["Url"].as_str().ok_or("no Url")?;
    /// # let token = url.split("/download/").nth(1).ok_or("no token")?;
    /// use std::io::Read;
    ///
    /// let mut stream = service.open_download(token)?;
    /// let mut bytes = Vec::new();
    /// stream.reader.read_to_end(&mut bytes)?;
    /// assert_eq!(u64::try_from(bytes.len())?, stream.len);
    /// assert!(bytes.starts_with(&pdf));
    /// # drop(stream);
    /// # drop(service);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open_download(&self, token: &str) -> Result<DownloadStream, ApiError> {
        let subject = self
            .core
            .tokens
            .check(token, clock::unix_now())
            .ok_or_else(|| ApiError::not_found("the link is invalid or has expired"))?;
        if let Some((name, ids)) = zip::parse_archive_subject(&subject) {
            return self.open_archive(name, &ids);
        }
        let record = self.live_file(&subject)?;
        let blob = self
            .core
            .blobs
            .open(&subject)?
            .ok_or_else(|| ApiError::not_found("the file no longer exists"))?;
        Ok(DownloadStream {
            name: zip::safe_file_name(&record.name),
            len: blob.len,
            reader: blob.reader,
        })
    }

    /// The record of a file that has not expired.
    fn live_file(&self, id: &str) -> Result<store::FileRecord, ApiError> {
        self.core
            .metadata
            .file(id, clock::unix_now())?
            .ok_or_else(|| ApiError::not_found("the file no longer exists"))
    }

    /// The ZIP archive `name` of the files `ids`, made while it is read: nothing is stored for it.
    fn open_archive(&self, name: String, ids: &[String]) -> Result<DownloadStream, ApiError> {
        let records = ids
            .iter()
            .map(|id| self.live_file(id))
            .collect::<Result<Vec<_>, _>>()?;
        let listed: Vec<(&str, &str, u64)> = records
            .iter()
            .map(|file| (file.name.as_str(), file.id.as_str(), file.size))
            .collect();
        let layout = zip::ZipLayout::new(&listed)?;
        Ok(DownloadStream {
            name,
            len: layout.len(),
            reader: Box::new(layout.stream(Arc::clone(&self.core.blobs))),
        })
    }

    /// The state of a task (for tests and operators).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use countersign_ess::{load_config_keys, PdfEngine, Service, ServiceConfig};
    /// # let config = ServiceConfig::from_toml(r#"
    /// #     workers = 0
    /// #     hosts = ["ess.example.com"]
    /// #     [[organizations]]
    /// #     id = "demo"
    /// #     quota = 5
    /// #     credential = { key = "testdata/pki/demo.key.pem", certificates = "testdata/pki/demo.chain.pem" }
    /// #     secrets = [{ id = "AKIDdemo", key = "demo-secret-key" }]
    /// #     [[employees]]
    /// #     user_id = "clerk"
    /// #     organization = "demo"
    /// #     permissions = ["upload", "counter_sign", "verify", "download"]
    /// # "#, std::path::Path::new("."))?;
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}", std::process::id()));
    /// # let service = Service::open(&config, load_config_keys(&config)?, &dir, Arc::new(PdfEngine::default()))?;
    /// # use base64::Engine as _;
    /// # let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
    /// # let upload = serde_json::json!({
    /// #     "BusinessType": "DOCUMENT", "Caller": {"OperatorId": "clerk"},
    /// #     "FileInfos": [{"FileName": "contract.pdf", "FileBody": base64::engine::general_purpose::STANDARD.encode(&pdf)}],
    /// # });
    /// # let uploaded = service.call("clerk", "UploadFiles", upload.to_string().as_bytes())?;
    /// # let file_id = uploaded["FileIds"][0].as_str().ok_or("no FileId")?;
    /// use countersign_ess::store::TaskStatus;
    ///
    /// // This service has no workers (`workers = 0`): an asynchronous task waits.
    /// let sign = serde_json::json!({"FileId": file_id, "Operator": {"UserId": "clerk"}});
    /// let task = service.call("clerk", "CreateFileCounterSign", sign.to_string().as_bytes())?;
    /// let task_id = task["TaskId"].as_str().ok_or("no TaskId")?;
    /// assert_eq!(service.task_status(task_id)?, Some(TaskStatus::Processing));
    /// assert_eq!(service.task_status("no-such-task")?, None);
    /// # drop(service);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn task_status(&self, task_id: &str) -> Result<Option<TaskStatus>, ApiError> {
        Ok(self.core.metadata.task(task_id)?.map(|task| task.status))
    }

    /// An organisation's remaining signatures.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use countersign_ess::{load_config_keys, PdfEngine, Service, ServiceConfig};
    /// # let config = ServiceConfig::from_toml(r#"
    /// #     workers = 0
    /// #     hosts = ["ess.example.com"]
    /// #     [[organizations]]
    /// #     id = "demo"
    /// #     quota = 5
    /// #     credential = { key = "testdata/pki/demo.key.pem", certificates = "testdata/pki/demo.chain.pem" }
    /// #     secrets = [{ id = "AKIDdemo", key = "demo-secret-key" }]
    /// #     [[employees]]
    /// #     user_id = "clerk"
    /// #     organization = "demo"
    /// #     permissions = ["upload", "counter_sign", "verify", "download"]
    /// # "#, std::path::Path::new("."))?;
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}", std::process::id()));
    /// # let service = Service::open(&config, load_config_keys(&config)?, &dir, Arc::new(PdfEngine::default()))?;
    /// assert_eq!(service.balance("demo")?, Some(5)); // `quota = 5`
    /// assert_eq!(service.balance("nobody")?, None);
    /// # drop(service);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn balance(&self, organization: &str) -> Result<Option<u64>, ApiError> {
        Ok(self.core.metadata.balance(organization)?)
    }

    /// Tops up an organisation's balance; returns the new one (`None`: unknown organisation).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use countersign_ess::{load_config_keys, PdfEngine, Service, ServiceConfig};
    /// # let config = ServiceConfig::from_toml(r#"
    /// #     workers = 0
    /// #     hosts = ["ess.example.com"]
    /// #     [[organizations]]
    /// #     id = "demo"
    /// #     quota = 5
    /// #     credential = { key = "testdata/pki/demo.key.pem", certificates = "testdata/pki/demo.chain.pem" }
    /// #     secrets = [{ id = "AKIDdemo", key = "demo-secret-key" }]
    /// #     [[employees]]
    /// #     user_id = "clerk"
    /// #     organization = "demo"
    /// #     permissions = ["upload", "counter_sign", "verify", "download"]
    /// # "#, std::path::Path::new("."))?;
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}", std::process::id()));
    /// # let service = Service::open(&config, load_config_keys(&config)?, &dir, Arc::new(PdfEngine::default()))?;
    /// assert_eq!(service.add_signatures("demo", 10)?, Some(15));
    /// assert_eq!(service.balance("demo")?, Some(15));
    /// assert_eq!(service.add_signatures("nobody", 10)?, None);
    /// # drop(service);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_signatures(&self, organization: &str, count: u64) -> Result<Option<u64>, ApiError> {
        Ok(self.core.metadata.add_signatures(organization, count)?)
    }

    fn submit(&self, task_id: String) {
        if let Some(pool) = &self.pool {
            pool.submit(task_id);
        }
    }
}

/// Metadata and file bytes.
pub(crate) type Stores = (Arc<dyn MetadataStore>, Arc<dyn BlobStore>);

/// The stores `config` names: metadata in SQLite (`countersign.db` in `data_dir`) or PostgreSQL;
/// file bytes in a folder (`files` in `data_dir` unless `blobs` names another).
pub(crate) fn open_stores(config: &ServiceConfig, data_dir: &Path) -> Result<Stores, ServiceError> {
    store::private::create_private_dir(data_dir)?;
    // The default blob folder is checked by its store when it opens, below.
    let blob_folder = match config.blob_location()? {
        BlobLocation::Folder(None) => Some(data_dir.join("files")),
        _ => None,
    };
    store::private::make_tree_private(data_dir, blob_folder.as_deref())?;
    let metadata: Arc<dyn MetadataStore> = match config.store_location()? {
        StoreLocation::Sqlite => {
            let store = SqliteStore::open(&data_dir.join("countersign.db"))?;
            // One process per SQLite store: the runs that held leases died with it.
            store.release_leases()?;
            Arc::new(store)
        }
        #[cfg(feature = "postgres")]
        StoreLocation::Postgres(url) => Arc::new(store::PostgresStore::open(&url)?),
        #[cfg(not(feature = "postgres"))]
        StoreLocation::Postgres(_) => {
            return Err(ServiceError::Config(
                "store = postgres://... needs a build with the `postgres` feature".into(),
            ));
        }
    };
    let blobs: Arc<dyn BlobStore> = match config.blob_location()? {
        BlobLocation::Folder(folder) => {
            let folder = folder.unwrap_or_else(|| data_dir.join("files"));
            Arc::new(DirBlobStore::open(&folder)?)
        }
        #[cfg(feature = "s3")]
        BlobLocation::S3 { bucket, prefix } => {
            Arc::new(store::S3BlobStore::open(&bucket, &prefix, &config.s3)?)
        }
        #[cfg(not(feature = "s3"))]
        BlobLocation::S3 { .. } => {
            return Err(ServiceError::Config(
                "blobs = s3://... needs a build with the `s3` feature".into(),
            ));
        }
    };
    Ok((metadata, blobs))
}

/// The credential scope's service is `ess`, or what the official Node SDK derives from the endpoint
/// it was given: the text before the first dot (`127` for `127.0.0.1:8080`, `localhost:8080` for
/// `localhost:8080`). The Host itself is checked against this service's addresses separately, so
/// the second form binds the signature to this service just as well.
fn scope_service_matches(service: &str, host: Option<&str>) -> bool {
    let node_form = host
        .map(str::trim)
        .and_then(|host| host.split('.').next())
        .is_some_and(|label| !label.is_empty() && label == service);
    service == SERVICE_NAME || node_form
}

impl Drop for Service {
    fn drop(&mut self) {
        // Stop the workers (letting the running tasks finish) and the sweep before the stores go
        // away.
        self.pool = None;
        self.sweeper = None;
    }
}

#[cfg(feature = "server")]
pub mod server;

/// Helpers the crate's own tests use as a client would (request signing, ids, the demo).
///
/// **Not part of the public API**: not covered by semver, may change or disappear in any
/// release.
#[doc(hidden)]
pub mod __private {
    pub use crate::auth::{authorization_header, authorization_header_signing};
    pub use crate::clock::unix_now;
    pub use crate::demo::{Demo, demo};
    pub use crate::ids::{random_id, result_file_id};
}
