//! The HTTP face of [`crate`]: Tencent Cloud API 3.0 on `POST /` (JSON body, TC3 headers,
//! answers always HTTP 200 with the API envelope) and `GET /download/{token}` for the links of
//! DescribeFileUrls. Plain HTTP: put a TLS-terminating proxy in front for anything but loopback.
//!
//! The official SDKs work unchanged once pointed at the server, e.g. in Python:
//!
//! ```text
//! http = HttpProfile(); http.endpoint = "127.0.0.1:8080"; http.scheme = "http"; http.reqMethod = "POST"
//! client = ess_client.EssClient(credential.Credential(SECRET_ID, SECRET_KEY), "ap-guangzhou",
//!                               ClientProfile(httpProfile=http))
//! ```
//!
//! Set `public_url` in the configuration when clients reach the server under another address than
//! the one it listens on (proxy, `0.0.0.0`): it is the base of the download links.
//!
//! # Examples
//!
//! A server on a free loopback port, asked for a download link that does not exist:
//!
//! ```
//! # use std::sync::Arc;
//! # use countersign_ess::{load_config_keys, PdfEngine, Service, ServiceConfig};
//! # let config = ServiceConfig::from_toml(r#"
//! #     workers = 0
//! #     hosts = ["ess.example.com"]
//! #     [[organizations]]
//! #     id = "demo"
//! #     quota = 5
//! #     credential = { key = "testdata/pki/demo.key.pem", certificates = "testdata/pki/demo.chain.pem" }
//! #     secrets = [{ id = "AKIDdemo", key = "demo-secret-key" }]
//! #     [[employees]]
//! #     user_id = "clerk"
//! #     organization = "demo"
//! #     permissions = ["upload", "counter_sign", "verify", "download"]
//! # "#, std::path::Path::new("."))?;
//! # let dir = std::env::temp_dir().join(format!("countersign-doc-{}", std::process::id()));
//! # let service = Service::open(&config, load_config_keys(&config)?, &dir, Arc::new(PdfEngine::default()))?;
//! use std::io::{Read, Write};
//!
//! let server = countersign_ess::server::spawn(std::net::TcpListener::bind("127.0.0.1:0")?, service)?;
//! let mut stream = std::net::TcpStream::connect(server.addr())?;
//! write!(stream, "GET /download/forged HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", server.addr())?;
//! let mut answer = String::new();
//! stream.read_to_string(&mut answer)?;
//! assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
//! assert!(answer.ends_with("the link is invalid or has expired"), "{answer}");
//! server.stop()?;
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod budget;
mod connections;

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;
use tokio::sync::{mpsc, oneshot};

use self::budget::{Budget, Budgets, Hold};
use self::connections::RequestPhase;

use crate::config::ServiceConfig;
use crate::demo::{demo, load_config_keys};
use crate::request;
use crate::{ApiError, ErrorCode, Language, PdfEngine, Service, SignedRequest};

/// What the handlers share: the service and the budgets of request-body bytes held in memory.
#[derive(Clone)]
struct AppState {
    service: Arc<Service>,
    /// See [`crate::Limits::max_buffered_body_bytes`] and
    /// [`crate::Limits::max_v1_buffered_body_bytes`].
    budgets: Arc<Budgets>,
}

/// The routes, bound to `service`.
///
/// # Examples
///
/// Serving the routes on a runtime of one's own, here without a socket:
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
/// use axum::body::Body;
/// use axum::http::{Request, StatusCode};
/// use tower_service::Service as _;
///
/// let mut app = countersign_ess::server::router(Arc::new(service));
/// let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// let (status, body) = runtime.block_on(async {
///     let request = Request::get("/download/forged").body(Body::empty())?;
///     let response = app.call(request).await?;
///     let status = response.status();
///     let body = axum::body::to_bytes(response.into_body(), 1024).await?;
///     Ok::<_, Box<dyn std::error::Error>>((status, body))
/// })?;
/// assert_eq!(status, StatusCode::NOT_FOUND);
/// assert_eq!(body, "the link is invalid or has expired");
/// # drop(app);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn router(service: Arc<Service>) -> Router {
    let limits = service.limits();
    let budgets = Budgets::new(
        limits.max_buffered_body_bytes,
        limits.max_v1_buffered_body_bytes,
    );
    let state = AppState {
        service,
        budgets: Arc::new(budgets),
    };
    Router::new()
        .route("/", post(api).get(api))
        .route("/download/{token}", get(download))
        .with_state(state)
}

/// The request's headers as (name, value) text pairs; values that are not text are dropped.
fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|(name, value)| {
            Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
        })
        .collect()
}

/// How a request's body is read: at most `max` bytes within `timeout`, drawn from `budget`.
struct BodyPlan {
    max: u64,
    timeout_ms: u64,
    budget: Arc<Budget>,
    /// Whose pool `budget` is, for the refusal's message.
    owner: String,
}

/// A TC3 request checked from its headers reads its body within the limits of an authenticated
/// one, drawing on the budget of the SecretId's organisation. A request without `Authorization`
/// carries its (v1) signature in its body: nothing is known of its sender until the body is read,
/// so it gets the small v1 limits and a pool of its own.
fn body_plan(state: &AppState, check: Option<&crate::HeaderCheck>) -> BodyPlan {
    let limits = state.service.limits();
    match check.and_then(|check| state.service.organization_of(check)) {
        Some(organization) => BodyPlan {
            max: limits.max_body_bytes,
            timeout_ms: limits.body_timeout_ms,
            budget: state.budgets.of_organization(&organization),
            owner: format!("organisation {organization}"),
        },
        None => BodyPlan {
            max: limits.max_body_bytes.min(limits.max_v1_body_bytes),
            timeout_ms: limits.v1_body_timeout_ms,
            budget: state.budgets.unauthenticated(),
            owner: "requests without Authorization".into(),
        },
    }
}

/// Authenticates from the headers, only then reads the body (bounded in size, time and memory
/// held), then verifies the body's MAC and runs the action on a blocking thread.
async fn api(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let headers = header_pairs(&parts.headers);
    let (method, path) = (parts.method.as_str(), parts.uri.path());
    let query = parts.uri.query().unwrap_or_default();
    let head = SignedRequest {
        method,
        path,
        query,
        headers: &headers,
        body: &[],
    };
    let language = request::language(&head);
    let check = match state.service.admit(&head) {
        Ok(check) => check,
        Err(error) => return refusal(&error, language),
    };
    let plan = body_plan(&state, check.as_ref());
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.trim().parse::<u64>().ok());
    let timeout = Duration::from_millis(plan.timeout_ms);
    let read = read_body(body, declared, &plan);
    let (body, hold) = match tokio::time::timeout(timeout, read).await {
        Ok(Ok(read)) => read,
        Ok(Err(error)) => return refusal(&error, language),
        Err(_) => {
            let error = ApiError::invalid(format!(
                "the request body did not arrive within {} ms",
                plan.timeout_ms
            ));
            return refusal(&error, language);
        }
    };
    // The client has sent all it had to: from here on the server is at work, and the
    // connection is no longer one to close when the connection table is full.
    if let Some(phase) = parts.extensions.get::<RequestPhase>() {
        phase.serving();
    }
    let (method, path, query) = (method.to_owned(), path.to_owned(), query.to_owned());
    let service = Arc::clone(&state.service);
    // Signing and the database block: keep them off the async workers.
    let answer = tokio::task::spawn_blocking(move || {
        let request = SignedRequest {
            method: &method,
            path: &path,
            query: &query,
            headers: &headers,
            body: &body,
        };
        let answer = service.handle_admitted(check.as_ref(), &request);
        drop(hold);
        answer
    })
    .await;
    match answer {
        Ok(json) => Json(json).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "request handler failed").into_response(),
    }
}

/// The API envelope of `error`, on a connection that is then closed (its body may be unread).
fn refusal(error: &ApiError, language: Language) -> Response {
    let mut response = Json(Service::error_response(error, language)).into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        ErrorCode::RequestSizeLimitExceeded,
        format!("the request body is larger than {limit} bytes"),
    )
}

/// Reads the body into one buffer of at most `plan.max` bytes, taking each arriving byte from
/// the plan's budget (a declared length reserves nothing: announcing costs a client nothing).
async fn read_body(
    mut body: Body,
    declared: Option<u64>,
    plan: &BodyPlan,
) -> Result<(Vec<u8>, Hold), ApiError> {
    let max = plan.max;
    if declared.is_some_and(|length| length > max) {
        return Err(too_large(max));
    }
    let mut hold = plan.budget.hold();
    let mut buffer = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame =
            frame.map_err(|e| ApiError::invalid(format!("reading the request body: {e}")))?;
        if let Ok(data) = frame.into_data() {
            let length = u64::try_from(buffer.len().saturating_add(data.len())).unwrap_or(u64::MAX);
            if length > max {
                return Err(too_large(max));
            }
            if !hold.grow_to(length) {
                return Err(ApiError::new(
                    ErrorCode::RequestLimitExceeded,
                    format!(
                        "request bodies of {} in memory reached {} bytes; retry later",
                        plan.owner,
                        plan.budget.max()
                    ),
                ));
            }
            if buffer.is_empty() {
                // Sized once bytes arrive (one allocation for the whole body), not on the word
                // of a client that may never send them.
                buffer.reserve(usize::try_from(declared.unwrap_or(0)).unwrap_or(0));
            }
            buffer.extend_from_slice(&data);
        }
    }
    Ok((buffer, hold))
}

async fn download(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let service = Arc::clone(&state.service);
    match tokio::task::spawn_blocking(move || service.open_download(&token)).await {
        Ok(Ok(file)) => (
            [
                (header::CONTENT_TYPE, content_type(&file.name).to_owned()),
                (header::CONTENT_DISPOSITION, content_disposition(&file.name)),
            ],
            Body::new(ReaderBody::spawn(file.reader, file.len)),
        )
            .into_response(),
        Ok(Err(error)) => (StatusCode::NOT_FOUND, error.message).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "download failed").into_response(),
    }
}

/// The archives of DescribeFileUrls (FileType ZIP) are ZIP; every other download is a PDF.
fn content_type(name: &str) -> &'static str {
    if name.to_ascii_lowercase().ends_with(".zip") {
        "application/zip"
    } else {
        "application/pdf"
    }
}

/// A response body fed by a blocking thread that reads a file in chunks, so a download holds a
/// few chunks in memory whatever the file's size. A client that stops reading is cut off by the
/// connection's write timeout, which drops this body and ends the thread.
struct ReaderBody {
    chunks: mpsc::Receiver<io::Result<Bytes>>,
    len: u64,
}

impl ReaderBody {
    const CHUNK: usize = 64 * 1024;

    fn spawn(mut reader: Box<dyn Read + Send>, len: u64) -> Self {
        let (sender, chunks) = mpsc::channel(4);
        tokio::task::spawn_blocking(move || {
            let mut buffer = vec![0u8; Self::CHUNK];
            loop {
                let chunk = match reader.read(&mut buffer) {
                    Ok(0) => return,
                    Ok(n) => Ok(Bytes::copy_from_slice(buffer.get(..n).unwrap_or_default())),
                    Err(error) => Err(error),
                };
                let failed = chunk.is_err();
                if sender.blocking_send(chunk).is_err() || failed {
                    return;
                }
            }
        });
        Self { chunks, len }
    }
}

impl http_body::Body for ReaderBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        self.chunks
            .poll_recv(cx)
            .map(|chunk| chunk.map(|chunk| chunk.map(Frame::data)))
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.len)
    }
}

/// `attachment` with an ASCII `filename` fallback and the exact (often Chinese) name as RFC 6266
/// `filename*`, so that the header value stays visible ASCII whatever the uploader called the file.
fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c == ' ' || (c.is_ascii_graphic() && c != '"' && c != '\\') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// A server running on its own thread and runtime; stops when dropped.
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
/// let server = countersign_ess::server::spawn(std::net::TcpListener::bind("127.0.0.1:0")?, service)?;
/// assert!(server.addr().ip().is_loopback());
/// assert_eq!(server.url(), format!("http://{}", server.addr()));
/// server.stop()?; // or drop it
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl ServerHandle {
    /// The address the server listens on.
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
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let bound = listener.local_addr()?;
    /// let server = countersign_ess::server::spawn(listener, service)?;
    /// assert_eq!(server.addr(), bound); // port 0 became a free port
    /// assert_ne!(server.addr().port(), 0);
    /// # server.stop()?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
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
    /// let server = countersign_ess::server::spawn(std::net::TcpListener::bind("127.0.0.1:0")?, service)?;
    /// let url = server.url();
    /// assert_eq!(url, format!("http://127.0.0.1:{}", server.addr().port()));
    /// # server.stop()?;
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, finishes the requests in flight, and waits.
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
    /// let server = countersign_ess::server::spawn(std::net::TcpListener::bind("127.0.0.1:0")?, service)?;
    /// let addr = server.addr();
    /// server.stop()?;
    /// assert!(std::net::TcpStream::connect(addr).is_err()); // no longer listening
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stop(mut self) -> io::Result<()> {
        self.stop_inner()
    }

    fn stop_inner(&mut self) -> io::Result<()> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("server thread panicked")),
            None => Ok(()),
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        let _ = self.stop_inner();
    }
}

/// Serves `service` on `listener` from a new thread, with the limits of the service's
/// configuration (timeouts, connection limit).
///
/// ```no_run
/// use std::path::Path;
/// use std::sync::Arc;
/// use countersign_ess::{load_config_keys, PdfEngine, Service, ServiceConfig};
///
/// let config = ServiceConfig::load(Path::new("/etc/countersign/service.toml"))?;
/// let keys = load_config_keys(&config)?;
/// let service = Service::open(&config, keys, Path::new("/var/lib/countersign"), Arc::new(PdfEngine::default()))?;
/// let server = countersign_ess::server::spawn(std::net::TcpListener::bind("127.0.0.1:8080")?, service)?;
/// println!("serving on {}", server.url());
/// server.stop()?; // finishes the requests in flight
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn spawn(listener: StdTcpListener, service: Service) -> io::Result<ServerHandle> {
    let addr = listener.local_addr()?;
    service.set_default_public_url(&format!("http://{addr}"));
    service.allow_listen_addr(addr);
    listener.set_nonblocking(true)?;
    let (shutdown, stopped) = oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("countersign-http".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener)?;
                let limits = service.limits().clone();
                let app = router(Arc::new(service));
                connections::serve(listener, app, &limits, async {
                    let _ = stopped.await;
                })
                .await;
                Ok(())
            })
        })?;
    Ok(ServerHandle {
        addr,
        shutdown: Some(shutdown),
        thread: Some(thread),
    })
}

/// What `countersign serve` needs.
///
/// # Examples
///
/// ```
/// use std::path::PathBuf;
/// use countersign_ess::server::{ServeSettings, DEFAULT_DATA_DIR, DEFAULT_LISTEN};
///
/// let mut settings = ServeSettings::default(); // the bundled demo on 127.0.0.1:8080
/// assert_eq!((settings.listen.as_str(), settings.config.as_ref()), (DEFAULT_LISTEN, None));
/// settings.config = Some(PathBuf::from("/etc/countersign/service.toml"));
/// settings.data = PathBuf::from("/var/lib/countersign");
/// settings.public_url = Some("https://ess.example.com".into());
/// assert_ne!(settings.data, PathBuf::from(DEFAULT_DATA_DIR));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ServeSettings {
    /// `host:port`.
    pub listen: String,
    /// A TOML configuration; `None`: the bundled demo.
    pub config: Option<PathBuf>,
    /// Folder of the durable store.
    pub data: PathBuf,
    /// Overrides the configuration's `public_url` (the address clients use; its host is
    /// accepted as the request Host).
    pub public_url: Option<String>,
}

impl Default for ServeSettings {
    fn default() -> Self {
        Self {
            listen: DEFAULT_LISTEN.into(),
            config: None,
            data: PathBuf::from(DEFAULT_DATA_DIR),
            public_url: None,
        }
    }
}

/// Default listening address of `countersign serve`.
///
/// # Examples
///
/// ```
/// use countersign_ess::server::{ServeSettings, DEFAULT_LISTEN};
///
/// assert_eq!(ServeSettings::default().listen, DEFAULT_LISTEN);
/// assert_eq!(DEFAULT_LISTEN.parse::<std::net::SocketAddr>()?.port(), 8080); // loopback only
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Default store folder of `countersign serve`.
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// use countersign_ess::server::{ServeSettings, DEFAULT_DATA_DIR};
///
/// // Relative: `countersign serve` keeps its store in the working directory.
/// assert_eq!(ServeSettings::default().data, Path::new(DEFAULT_DATA_DIR));
/// assert!(Path::new(DEFAULT_DATA_DIR).is_relative());
/// ```
pub const DEFAULT_DATA_DIR: &str = "countersign-data";

/// Binds, opens the service, writes `Name: value` lines (the address; for the demo also its
/// credentials) to `out`, then serves until Ctrl-C.
///
/// # Examples
///
/// Serving until Ctrl-C, so not run here:
///
/// ```no_run
/// use std::path::PathBuf;
/// use countersign_ess::server::{run, ServeSettings};
///
/// let mut settings = ServeSettings::default();
/// settings.listen = "0.0.0.0:8080".into();
/// settings.config = Some(PathBuf::from("/etc/countersign/service.toml"));
/// settings.data = PathBuf::from("/var/lib/countersign");
/// settings.public_url = Some("https://ess.example.com".into());
/// run(&settings, &mut std::io::stdout())?; // prints "Listening: http://0.0.0.0:8080", ...
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run(
    settings: &ServeSettings,
    out: &mut dyn Write,
) -> Result<(), Box<dyn std::error::Error>> {
    let listener = StdTcpListener::bind(&settings.listen)
        .map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?;
    let addr = listener.local_addr()?;
    let engine = Arc::new(PdfEngine::default());
    let (service, banner) = match &settings.config {
        Some(path) => {
            let mut config = ServiceConfig::load(path)?;
            if let Some(url) = &settings.public_url {
                config.public_url = Some(url.clone());
            }
            let keys = load_config_keys(&config)?;
            (
                Service::open(&config, keys, &settings.data, engine)?,
                Vec::new(),
            )
        }
        None => {
            let mut demo = demo()?;
            demo.config.public_url.clone_from(&settings.public_url);
            let banner = vec![
                ("SecretId", demo.secret_id.clone()),
                ("SecretKey", demo.secret_key.clone()),
                ("UserId", demo.user_id.clone()),
                ("ProxyOrganizationId", demo.proxy_organization_id.clone()),
            ];
            (
                Service::open(&demo.config, demo.keys, &settings.data, engine)?,
                banner,
            )
        }
    };
    let server = spawn(listener, service)?;
    writeln!(out, "Listening: http://{addr}")?;
    for (name, value) in banner {
        writeln!(out, "{name}: {value}")?;
    }
    writeln!(out, "Data: {}", settings.data.display())?;
    out.flush()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(tokio::signal::ctrl_c())?;
    server.stop()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_disposition_is_ascii_for_any_name() {
        assert_eq!(
            content_disposition("合同 \"v2\".pdf"),
            "attachment; filename=\"__ _v2_.pdf\"; filename*=UTF-8''%E5%90%88%E5%90%8C%20%22v2%22.pdf"
        );
        assert!(axum::http::HeaderValue::try_from(content_disposition("a\r\nb.pdf")).is_ok());
    }
}
