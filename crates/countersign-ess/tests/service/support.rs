//! Shared by the service integration tests (`#[path]`-included): a temporary folder, the test
//! configuration, a minimal API-3.0 HTTP client and the Python/SDK lookup.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use countersign_ess::__private::authorization_header;
use countersign_ess::__private::unix_now;
use countersign_ess::SignedRequest;
use serde_json::Value;

/// The workspace root (where `testdata/`, `.ci/` and `.venv/` live).
pub fn repo_root() -> PathBuf {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .find(|dir| dir.join(".ci").is_dir())
        .unwrap_or(manifest)
        .to_path_buf()
}

pub fn pki(name: &str) -> PathBuf {
    repo_root().join("testdata").join("pki").join(name)
}

pub fn test_pdf(name: &str) -> PathBuf {
    repo_root().join("testdata").join("pdf").join(name)
}

/// A folder removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "countersign-{label}-{}-{}",
            std::process::id(),
            countersign_ess::__private::random_id()
        ));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub const ADMIN: (&str, &str, &str) = ("AKIDgroupAdmin", "group-admin-secret", "group-admin");
pub const UPLOADER: (&str, &str, &str) = (
    "AKIDgroupUploader",
    "group-uploader-secret",
    "group-uploader",
);
pub const SUB_CLERK: (&str, &str, &str) = ("AKIDsubClerk", "sub-clerk-secret", "sub-clerk");
pub const OTHER: (&str, &str, &str) = ("AKIDotherAdmin", "other-admin-secret", "other-admin");
pub const POOR: (&str, &str, &str) = ("AKIDpoorAdmin", "poor-admin-secret", "poor-admin");
pub const HSM: (&str, &str, &str) = ("AKIDhsmAdmin", "hsm-admin-secret", "hsm-admin");
/// The group's own API key (listed under the organisation) and the operator it names in tests.
pub const GROUP_KEY: (&str, &str, &str) = ("AKIDgroupOrgKey", "group-org-secret", "group-admin");
/// A former employee of the group: named as operator, refused.
pub const LEAVER: &str = "group-leaver";

/// The test deployment: a group with a subsidiary, an unrelated organisation, one without quota
/// and one whose signer (an "HSM") the e2e test replaces with a failing one.
pub fn write_config(dir: &Path, rate_limit: u32, workers: usize) -> PathBuf {
    write_config_with(dir, rate_limit, workers, "")
}

/// [`write_config`] with extra top-level settings (`public_url = ...`).
pub fn write_config_with(dir: &Path, rate_limit: u32, workers: usize, top: &str) -> PathBuf {
    let pem = |name: &str| pki(name).display().to_string().replace('\\', "/");
    let all = r#"["upload", "counter_sign", "verify", "download"]"#;
    let employee = |who: (&str, &str, &str), org: &str, permissions: &str| {
        format!(
            "[[employees]]\nuser_id = \"{}\"\norganization = \"{org}\"\npermissions = {permissions}\nsecrets = [{{ id = \"{}\", key = \"{}\" }}]\n",
            who.2, who.0, who.1
        )
    };
    let organization = |id: &str, parent: Option<&str>, quota: u64, signer: &str| {
        format!(
            "[[organizations]]\nid = \"{id}\"\nname = \"{id} Ltd\"\n{}quota = {quota}\ncredential = {{ key = \"{}\", certificates = \"{}\" }}\n",
            parent
                .map(|p| format!("parent = \"{p}\"\n"))
                .unwrap_or_default(),
            pem(&format!("{signer}.key.pem")),
            pem(&format!("{signer}.chain.pem")),
        )
    };
    let text = [
        format!("{top}\nworkers = {workers}\nrate_limit = {rate_limit}\n"),
        organization("group", None, 100_000, "demo"),
        format!(
            "secrets = [{{ id = \"{}\", key = \"{}\" }}]\n",
            GROUP_KEY.0, GROUP_KEY.1
        ),
        organization("sub", Some("group"), 100_000, "deep-rsa4096"),
        organization("other", None, 100_000, "demo"),
        organization("poor", None, 0, "demo"),
        organization("hsm", None, 100_000, "demo"),
        employee(ADMIN, "group", all),
        employee(UPLOADER, "group", r#"["upload"]"#),
        format!(
            "[[employees]]\nuser_id = \"{LEAVER}\"\norganization = \"group\"\npermissions = {all}\nactive = false\n"
        ),
        employee(SUB_CLERK, "sub", all),
        employee(OTHER, "other", all),
        employee(POOR, "poor", all),
        employee(HSM, "hsm", all),
    ]
    .join("\n");
    let path = dir.join("service.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// One HTTP/1.1 exchange on a fresh connection: (status, body).
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).unwrap();
    let status: u16 = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let mut length = None;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = Some(value.trim().parse::<usize>().unwrap());
        }
    }
    let mut body = Vec::new();
    match length {
        Some(length) => {
            body.resize(length, 0);
            reader.read_exact(&mut body).unwrap();
        }
        None => {
            reader.read_to_end(&mut body).unwrap();
        }
    }
    (status, body)
}

/// A timestamp within the 5-minute window that no other call of this process used in the last
/// 200 s (while there is one): identical UploadFiles or CreateFileCounterSign requests signed in
/// the same second would carry the same signature, and the service refuses a signature seen
/// before for those (a replay).
pub fn distinct_timestamp() -> i64 {
    static USED: std::sync::Mutex<std::collections::BTreeSet<i64>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    let now = unix_now();
    let mut used = USED.lock().unwrap_or_else(|poison| poison.into_inner());
    used.retain(|&timestamp| timestamp >= now - 200);
    let timestamp = (now - 200..=now)
        .rev()
        .find(|timestamp| !used.contains(timestamp))
        .unwrap_or(now);
    used.insert(timestamp);
    timestamp
}

/// Calls an action as `who` with a TC3-signed request; returns the `Response` object.
pub fn api(addr: SocketAddr, who: (&str, &str, &str), action: &str, body: &Value) -> Value {
    let body = body.to_string();
    let timestamp = if matches!(action, "UploadFiles" | "CreateFileCounterSign") {
        distinct_timestamp()
    } else {
        unix_now()
    };
    let mut headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("Host".to_owned(), addr.to_string()),
        ("X-TC-Action".to_owned(), action.to_owned()),
        ("X-TC-Version".to_owned(), "2020-11-11".to_owned()),
        ("X-TC-Timestamp".to_owned(), timestamp.to_string()),
        ("X-TC-Region".to_owned(), "ap-guangzhou".to_owned()),
    ];
    let request = SignedRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        body: body.as_bytes(),
    };
    let authorization = authorization_header(&request, who.0, who.1, "ess", timestamp);
    headers.push(("Authorization".to_owned(), authorization));
    let (status, response) = http(addr, "POST", "/", &headers, body.as_bytes());
    assert_eq!(status, 200);
    let mut response: Value = serde_json::from_slice(&response).unwrap();
    response["Response"].take()
}

pub fn error_code(response: &Value) -> Option<&str> {
    response["Error"]["Code"].as_str()
}

/// Polls DescribeFileCounterSignResult until the task leaves PROCESSING or `timeout` passes.
pub fn wait_task(
    addr: SocketAddr,
    who: (&str, &str, &str),
    task: &str,
    timeout: Duration,
) -> Value {
    let deadline = Instant::now() + timeout;
    loop {
        let body = serde_json::json!({"TaskId": task, "Operator": {"UserId": who.2}});
        let response = api(addr, who, "DescribeFileCounterSignResult", &body);
        if response["Status"] != "PROCESSING" || Instant::now() > deadline {
            return response;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true")
}

/// A Python that imports the official ESS SDK (and pyHanko): the repo's `.venv` first, then
/// `python3`. `None` after printing "skipped: ..." outside CI; panics under CI=true.
pub fn python_with_sdk() -> Option<PathBuf> {
    let candidates = [
        repo_root().join(".venv").join("bin").join("python3"),
        PathBuf::from("python3"),
    ];
    let found = candidates.into_iter().find(|python| {
        Command::new(python)
            .args(["-c", "import tencentcloud.ess.v20201111.ess_client"])
            .output()
            .is_ok_and(|out| out.status.success())
    });
    if found.is_none() {
        let why = "python with tencentcloud-sdk-python-ess not found (.venv or python3)";
        if ci() {
            panic!("{why}, but CI=true requires it (see .ci/run)");
        }
        eprintln!("skipped: {why}");
    }
    found
}

/// `node` and the official Node SDK installed in tests/service/node (`npm ci` there, as .ci/run
/// does): the folder to run `e2e.js` in. `None` after printing "skipped: ..." outside CI.
pub fn node_with_sdk() -> Option<PathBuf> {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../countersign-ess/tests/service")
        .join("node");
    let sdk = folder.join("node_modules").join("tencentcloud-sdk-nodejs");
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    if node && sdk.is_dir() {
        return Some(folder);
    }
    let why = "node or tencentcloud-sdk-nodejs not found (run `npm ci` in tests/service/node)";
    if ci() {
        panic!("{why}, but CI=true requires it (see .ci/run)");
    }
    eprintln!("skipped: {why}");
    None
}

/// A `countersign serve` process on a loopback port of its own choosing (the replica tests).
/// Killed when dropped.
pub struct ServeProcess {
    pub child: std::process::Child,
    pub addr: SocketAddr,
}

impl ServeProcess {
    /// Starts `countersign serve --config CONFIG --data DATA` and waits for its
    /// `Listening: http://ADDR` line; the rest of its output is drained in the background.
    pub fn start(config: &Path, data: &Path) -> Self {
        // Not env!: test crates built without the `cli` feature include this file too.
        let Some(binary) = option_env!("CARGO_BIN_EXE_countersign") else {
            panic!("the countersign binary is built only with the cli feature");
        };
        let mut child = Command::new(binary)
            .args(["serve", "--listen", "127.0.0.1:0", "--config"])
            .arg(config)
            .arg("--data")
            .arg(data)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let addr = loop {
            let line = lines
                .next()
                .expect("countersign serve exited before listening")
                .unwrap();
            if let Some(addr) = line.strip_prefix("Listening: http://") {
                break addr.parse().unwrap();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        Self { child, addr }
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the Python SDK script `tests/service/SCRIPT` with `settings` (written as JSON into
/// `dir`) as its argument; asserts it succeeded and returns what it printed.
pub fn run_sdk_script(python: &Path, script: &str, settings: &Value, dir: &Path) -> String {
    let settings_path = dir.join("settings.json");
    std::fs::write(&settings_path, settings.to_string()).unwrap();
    let output = Command::new(python)
        .arg(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../countersign-ess/tests/service")
                .join(script),
        )
        .arg(&settings_path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script} failed:\n{stdout}\n{stderr}"
    );
    stdout
}
