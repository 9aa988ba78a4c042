//! Memory of a large upload (issue 9): the server's peak resident memory while it takes one
//! UploadFiles must grow by about one request body (the bounded read buffer), not by the body
//! plus a parsed copy of its base64 text plus the decoded file. Read from the server process's
//! `/proc/PID/status` (VmHWM, reset through `clear_refs`), so Linux only; nothing is timed.

#![cfg(all(feature = "server", target_os = "linux"))]

#[path = "service/support.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use base64::Engine as _;
use countersign_ess::server::ServeSettings;
use serde_json::{Value, json};
use support::*;

const CHILD_CONFIG: &str = "COUNTERSIGN_TEST_MEMORY_CHILD_CONFIG";
const CHILD_DATA: &str = "COUNTERSIGN_TEST_MEMORY_CHILD_DATA";

/// Not a test of its own: the body of the server process the memory test starts (this same
/// test binary, run with the two variables set). Without them it returns at once.
#[test]
fn server_process_for_memory_test() {
    let (Some(config), Some(data)) = (std::env::var_os(CHILD_CONFIG), std::env::var_os(CHILD_DATA))
    else {
        return;
    };
    let settings = {
        let mut serve_settings = ServeSettings::default();
        serve_settings.listen = "127.0.0.1:0".into();
        serve_settings.config = Some(config.into());
        serve_settings.data = data.into();
        serve_settings
    };
    countersign_ess::server::run(&settings, &mut std::io::stdout()).unwrap();
}

/// The server in a process of its own, so that its memory is only its own.
struct ServerProcess {
    child: Child,
    addr: SocketAddr,
}

impl ServerProcess {
    fn start(config: &Path, data: &Path) -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "server_process_for_memory_test",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_CONFIG, config)
            .env(CHILD_DATA, data)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let addr = loop {
            let line = lines
                .next()
                .expect("server exited before printing Listening:")
                .unwrap();
            // libtest prints "test NAME ... " before the first line.
            let line = line.rsplit(" ... ").next().unwrap_or_default();
            if let Some(addr) = line.strip_prefix("Listening: http://") {
                break addr.parse().unwrap();
            }
        };
        // Keep draining the pipe so the child never blocks on a full stdout.
        std::thread::spawn(move || for _ in lines {});
        Self { child, addr }
    }

    /// A `/proc/PID/status` figure in bytes (`VmRSS`, `VmHWM`).
    fn status(&self, key: &str) -> u64 {
        let text = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = text
            .lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))
            .unwrap_or_else(|| panic!("no {key} in /proc/PID/status"));
        let kib: u64 = line.trim().trim_end_matches("kB").trim().parse().unwrap();
        kib * 1024
    }

    /// Lowers the peak (VmHWM) to the current resident size.
    fn reset_peak(&self) {
        std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5").unwrap();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn upload_body(pdf_len: usize) -> Value {
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.resize(pdf_len, b'%');
    json!({
        "BusinessType": "DOCUMENT",
        "Caller": {"OperatorId": ADMIN.2},
        "FileInfos": [{"FileName": "big.pdf",
                       "FileBody": base64::engine::general_purpose::STANDARD.encode(&pdf)}],
    })
}

#[test]
fn a_large_upload_costs_about_one_body_of_server_memory() {
    let dir = TempDir::new("memory-upload");
    let config = write_config(dir.path(), 1000, 1);
    let server = ServerProcess::start(&config, &dir.path().join("data"));
    // A small upload first: what any request sets up once (threads, database pages) is not
    // counted against the large one.
    let warm = api(server.addr, ADMIN, "UploadFiles", &upload_body(4096));
    assert!(warm["Error"].is_null(), "{warm}");

    let request = upload_body(16 * 1024 * 1024);
    let body_len = request.to_string().len() as u64;
    let before = server.status("VmRSS");
    server.reset_peak();
    let response = api(server.addr, ADMIN, "UploadFiles", &request);
    assert!(response["Error"].is_null(), "{response}");
    let growth = server.status("VmHWM").saturating_sub(before);
    eprintln!(
        "UploadFiles of a {} MiB body: server peak grew by {} MiB ({:.2} x the body)",
        body_len >> 20,
        growth >> 20,
        growth as f64 / body_len as f64
    );
    // One body is the read buffer; a second one would be a copy of the base64 text (or of
    // the decoded file) held beside it.
    assert!(
        growth < body_len * 3 / 2,
        "peak grew by {growth} bytes for a body of {body_len}"
    );
}
