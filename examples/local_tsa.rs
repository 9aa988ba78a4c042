//! The test suite's RFC 3161 TSA (the `tsa-tsa` test key) as a process, for benchmarks:
//! `cargo run --release --example local_tsa -- PORT` serves on 127.0.0.1:PORT until killed.

use std::path::PathBuf;

// The same server the tests start (tests/common/servers.rs); the example uses only the TSA.
#[allow(dead_code)]
#[path = "../tests/common/servers.rs"]
mod servers;

/// `testdata/pki/<name>` (what `servers` expects from its parent module).
fn pki_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join("pki")
        .join(name)
}

fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(18970);
    let tsa = servers::LocalTsa::start_on(port);
    println!("{}", tsa.url());
    loop {
        std::thread::park();
    }
}
