//! Loopback servers the PAdES B-T/B-LT/B-LTA tests start themselves: an RFC 3161 TSA (our
//! `Authority` over the test PKI's `tsa-tsa` key), a static HTTP server for the CRLs, and
//! `openssl ocsp` as the OCSP responder. The OCSP and CRL ports are the ones the `tsa-`
//! certificates name (testdata/generate.sh), so tests that use them hold [`fixed_ports`].

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use countersign::crypto::LoadOptions;
use countersign::crypto::credential::load_pem;
use countersign::timestamp::Authority;

use super::pki_path;

/// The OCSP responder's port (named by the tsa- certificates' AIA).
pub const OCSP_PORT: u16 = 18961;
/// The CRL server's port (named by the tsa- certificates' CRL distribution points).
pub const CRL_PORT: u16 = 18962;

/// Serialises the tests of one binary that listen on the fixed ports.
pub fn fixed_ports() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

type Handler = dyn Fn(&str, &str, &[u8]) -> (u16, &'static str, Vec<u8>) + Send + Sync;

/// A minimal HTTP/1.1 server on a loopback port: one thread per connection, keep-alive,
/// stopped (listener closed) on drop.
pub struct HttpServer {
    pub port: u16,
    stop: Arc<AtomicBool>,
}

impl HttpServer {
    pub fn start(port: u16, handler: Arc<Handler>) -> HttpServer {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .unwrap_or_else(|e| panic!("binding 127.0.0.1:{port}: {e}"));
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let handler = handler.clone();
                std::thread::spawn(move || serve_connection(stream, handler.as_ref()));
            }
        });
        HttpServer { port, stop }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag and drops the listener.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve_connection(stream: TcpStream, handler: &Handler) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = request_line.split_whitespace();
        let method = parts.next().unwrap_or("").to_owned();
        let path = parts.next().unwrap_or("").to_owned();
        // HTTP/1.0 clients (NSS fetching a CRL) read until the server closes.
        let mut close = request_line.trim_end().ends_with("HTTP/1.0");
        let mut content_length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    content_length = value.trim().parse().unwrap_or(0);
                }
                if name.eq_ignore_ascii_case("connection")
                    && value.trim().eq_ignore_ascii_case("close")
                {
                    close = true;
                }
            }
        }
        let mut body = vec![0u8; content_length.min(1 << 20)];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let (status, content_type, answer) = handler(&method, &path, &body);
        let head = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{}\r\n",
            answer.len(),
            if close { "Connection: close\r\n" } else { "" }
        );
        if writer.write_all(head.as_bytes()).is_err() || writer.write_all(&answer).is_err() || close
        {
            let _ = writer.shutdown(Shutdown::Both);
            return;
        }
    }
}

/// The test TSA: `tsa-tsa` (EKU timeStamping, chain tsa-ca -> root-ca) answering on a free
/// loopback port, optionally after a delay (to test the client's timeout).
pub struct LocalTsa {
    pub server: HttpServer,
}

impl LocalTsa {
    pub fn start() -> LocalTsa {
        Self::start_with(Duration::ZERO)
    }

    pub fn start_with(delay: Duration) -> LocalTsa {
        Self::serve(0, delay)
    }

    /// On a fixed port (the benchmark's TSA process).
    pub fn start_on(port: u16) -> LocalTsa {
        Self::serve(port, Duration::ZERO)
    }

    fn serve(port: u16, delay: Duration) -> LocalTsa {
        let authority = Arc::new(test_authority());
        let handler: Arc<Handler> = Arc::new(move |method, _path, body| {
            if method != "POST" {
                return (405, "text/plain", b"POST only".to_vec());
            }
            std::thread::sleep(delay);
            match authority.respond(body, SystemTime::now()) {
                Ok(answer) => (200, "application/timestamp-reply", answer),
                Err(e) => (500, "text/plain", e.to_string().into_bytes()),
            }
        });
        LocalTsa {
            server: HttpServer::start(port, handler),
        }
    }

    pub fn url(&self) -> String {
        self.server.url("/tsa")
    }
}

/// The `tsa-tsa` key as an [`Authority`].
pub fn test_authority() -> Authority {
    let chain = std::fs::read(pki_path("tsa-tsa.chain.pem")).unwrap();
    let key = std::fs::read(pki_path("tsa-tsa.key.pem")).unwrap();
    let key = load_pem(&chain, &key, &LoadOptions::default()).unwrap();
    Authority::new(key, der_oid("1.3.6.1.4.1.55555.1.1"))
}

fn der_oid(text: &str) -> countersign::__private::cades::Oid {
    text.parse().unwrap()
}

/// `tsa-root.crl` and `tsa-ca.crl` served at the URLs the certificates name.
pub fn start_crl_server() -> HttpServer {
    let handler: Arc<Handler> = Arc::new(|_method, path, _body| {
        let name = path.trim_start_matches('/');
        if !matches!(name, "tsa-root.crl" | "tsa-ca.crl") {
            return (404, "text/plain", b"no such CRL".to_vec());
        }
        match std::fs::read(pki_path(name)) {
            Ok(crl) => (200, "application/pkix-crl", crl),
            Err(_) => (404, "text/plain", Vec::new()),
        }
    });
    HttpServer::start(CRL_PORT, handler)
}

/// `openssl ocsp` answering for the certificates tsa-ca issued, signed by `ocsp-responder`.
pub struct OcspResponder {
    child: Child,
}

impl OcspResponder {
    /// `None` (with a `skipped:` line) when `openssl` is not installed; a panic then under CI.
    pub fn start() -> Option<OcspResponder> {
        let path = |name: &str| -> PathBuf { pki_path(name) };
        let mut child = Command::new("openssl")
            .arg("ocsp")
            .arg("-index")
            .arg(path("ocsp-index.txt"))
            .arg("-port")
            .arg(OCSP_PORT.to_string())
            .arg("-rsigner")
            .arg(path("ocsp-responder.cert.pem"))
            .arg("-rkey")
            .arg(path("ocsp-responder.key.pem"))
            .arg("-CA")
            .arg(path("tsa-ca.cert.pem"))
            .args(["-nmin", "60", "-ignore_err"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                // The same rule as the validators' (this file is also included by an example).
                let ci = std::env::var("CI").is_ok_and(|value| value == "true");
                assert!(!ci, "openssl not installed ({e}), but CI=true requires it");
                eprintln!("skipped: openssl not installed");
            })
            .ok()?;
        let stderr = child.stderr.take()?;
        let responder = OcspResponder { child };
        wait_until_listening(stderr);
        Some(responder)
    }
}

impl Drop for OcspResponder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits for `openssl ocsp`'s "waiting for OCSP client connections" (printed once it listens),
/// then keeps draining its log. Probing the port instead would wedge it: OpenSSL 3.0's
/// single-threaded responder stops answering after a connection that sends no request.
fn wait_until_listening(stderr: std::process::ChildStderr) {
    let (ready, listening) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut ready = Some(ready);
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if line.contains("waiting for OCSP client connections")
                && let Some(ready) = ready.take()
            {
                let _ = ready.send(());
            }
        }
    });
    listening
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("openssl ocsp is not listening on {OCSP_PORT}: {e}"));
}
