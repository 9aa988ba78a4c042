//! The HTTP face of [`crate::service`]: Tencent Cloud API 3.0 on `POST /` (JSON body, TC3 headers,
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

use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tokio::sync::oneshot;

use crate::service::config::ServiceConfig;
use crate::service::demo::{demo, load_config_keys};
use crate::service::{PdfEngine, Service, SignedRequest};

/// Largest request body: 20 base64 files of a few megabytes each.
pub const MAX_BODY_BYTES: usize = 256 * 1024 * 1024;

/// The routes, bound to `service`.
pub fn router(service: Arc<Service>) -> Router {
    Router::new()
        .route("/", post(api).get(api))
        .route("/download/{token}", get(download))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(service)
}

async fn api(
    State(service): State<Arc<Service>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let headers: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(name, value)| {
            Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
        })
        .collect();
    // Signing and the database block: keep them off the async workers.
    let answer = tokio::task::spawn_blocking(move || {
        let request = SignedRequest {
            method: method.as_str(),
            path: uri.path(),
            query: uri.query().unwrap_or_default(),
            headers: &headers,
            body: &body,
        };
        service.handle(&request)
    })
    .await;
    match answer {
        Ok(json) => Json(json).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "request handler failed").into_response(),
    }
}

async fn download(State(service): State<Arc<Service>>, Path(token): Path<String>) -> Response {
    match tokio::task::spawn_blocking(move || service.download(&token)).await {
        Ok(Ok(file)) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (header::CONTENT_DISPOSITION, content_disposition(&file.name)),
            ],
            file.bytes,
        )
            .into_response(),
        Ok(Err(error)) => (StatusCode::NOT_FOUND, error.message).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "download failed").into_response(),
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
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl ServerHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, finishes the requests in flight, and waits.
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

/// Serves `service` on `listener` from a new thread.
pub fn spawn(listener: StdTcpListener, service: Service) -> io::Result<ServerHandle> {
    let addr = listener.local_addr()?;
    service.set_default_public_url(&format!("http://{addr}"));
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
                axum::serve(listener, router(Arc::new(service)))
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
            })
        })?;
    Ok(ServerHandle {
        addr,
        shutdown: Some(shutdown),
        thread: Some(thread),
    })
}

/// What `countersign serve` needs.
#[derive(Clone, Debug)]
pub struct ServeSettings {
    /// `host:port`.
    pub listen: String,
    /// A TOML configuration; `None`: the bundled demo.
    pub config: Option<PathBuf>,
    /// Folder of the durable store.
    pub data: PathBuf,
}

/// Default listening address of `countersign serve`.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Default store folder of `countersign serve`.
pub const DEFAULT_DATA_DIR: &str = "countersign-data";

/// Binds, opens the service, writes `Name: value` lines (the address; for the demo also its
/// credentials) to `out`, then serves until Ctrl-C.
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
            let config = ServiceConfig::load(path)?;
            let keys = load_config_keys(&config)?;
            (
                Service::open(&config, keys, &settings.data, engine)?,
                Vec::new(),
            )
        }
        None => {
            let demo = demo()?;
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
