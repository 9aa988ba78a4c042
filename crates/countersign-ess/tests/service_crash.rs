//! Durability: 50 asynchronous tasks, the server killed with SIGKILL mid-way and restarted on the
//! same data folder; every task must end FINISHED with one valid result, charged once.

#![cfg(feature = "server")]

#[path = "service/support.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use countersign_ess::__private::result_file_id;
use countersign_ess::server::ServeSettings;
use countersign_ess::store::{QuotaStore, SqliteStore};
use serde_json::json;
use support::*;

const CHILD_CONFIG: &str = "COUNTERSIGN_TEST_CHILD_CONFIG";
const CHILD_DATA: &str = "COUNTERSIGN_TEST_CHILD_DATA";
const TASKS: usize = 50;

/// Not a test of its own: the body of the server process the crash test starts (this same test
/// binary, run with the two variables set). Without them it returns at once.
#[test]
fn server_process_for_crash_test() {
    let (Some(config), Some(data)) = (std::env::var_os(CHILD_CONFIG), std::env::var_os(CHILD_DATA))
    else {
        return;
    };
    // An empty configuration path means the bundled demo.
    let config = (!config.is_empty()).then(|| config.into());
    let settings = {
        let mut serve_settings = ServeSettings::default();
        serve_settings.listen = "127.0.0.1:0".into();
        serve_settings.config = config;
        serve_settings.data = data.into();
        serve_settings
    };
    countersign_ess::server::run(&settings, &mut std::io::stdout()).unwrap();
}

struct ServerProcess {
    child: Child,
    addr: SocketAddr,
    /// The `Name: value` lines printed before serving.
    banner: Vec<(String, String)>,
}

impl ServerProcess {
    fn start(config: &Path, data: &Path) -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "server_process_for_crash_test",
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
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let mut banner = Vec::new();
        loop {
            let line = lines
                .next()
                .expect("server exited before printing Data:")
                .unwrap();
            // libtest prints "test NAME ... " before the first line.
            let line = line.rsplit(" ... ").next().unwrap_or_default();
            if let Some((name, value)) = line.split_once(": ") {
                banner.push((name.to_owned(), value.to_owned()));
                if name == "Data" {
                    break;
                }
            }
        }
        let value = |name: &str| {
            banner
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let addr = value("Listening")
            .unwrap()
            .strip_prefix("http://")
            .unwrap()
            .parse()
            .unwrap();
        // Keep draining the pipe so the child never blocks on a full stdout.
        std::thread::spawn(move || for _ in lines {});
        Self {
            child,
            addr,
            banner,
        }
    }

    fn value(&self, name: &str) -> String {
        self.banner
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    fn kill(mut self) {
        self.child.kill().unwrap(); // SIGKILL on Unix
        self.child.wait().unwrap();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn statuses(addr: SocketAddr, tasks: &[String]) -> Vec<serde_json::Value> {
    tasks
        .iter()
        .map(|task| {
            api(
                addr,
                SUB_CLERK,
                "DescribeFileCounterSignResult",
                &json!({"TaskId": task, "Operator": {"UserId": SUB_CLERK.2}}),
            )
        })
        .collect()
}

#[test]
fn tasks_survive_sigkill_and_restart() {
    let dir = TempDir::new("crash");
    // One worker and the subsidiary's RSA-4096 key: slow enough to be killed mid-way.
    let config = write_config(dir.path(), 10_000, 1);
    let data = dir.path().join("data");
    let original = std::fs::read(test_pdf("classic.pdf")).unwrap();

    let server = ServerProcess::start(&config, &data);
    let upload = api(
        server.addr,
        SUB_CLERK,
        "UploadFiles",
        &json!({
            "BusinessType": "DOCUMENT",
            "Caller": {"OperatorId": SUB_CLERK.2},
            "FileInfos": [{"FileName": "classic.pdf", "FileBody": base64::engine::general_purpose::STANDARD.encode(&original)}],
        }),
    );
    let file_id = upload["FileIds"][0].as_str().unwrap().to_owned();
    let tasks: Vec<String> = (0..TASKS)
        .map(|_| {
            let accepted = api(
                server.addr,
                SUB_CLERK,
                "CreateFileCounterSign",
                &json!({"FileId": file_id, "Operator": {"UserId": SUB_CLERK.2}}),
            );
            assert_eq!(accepted["Status"], "PROCESSING", "{accepted}");
            accepted["TaskId"].as_str().unwrap().to_owned()
        })
        .collect();
    let first = wait_task(server.addr, SUB_CLERK, &tasks[0], Duration::from_secs(120));
    assert_eq!(first["Status"], "FINISHED", "{first}");
    let finished_before = statuses(server.addr, &tasks)
        .iter()
        .filter(|s| s["Status"] == "FINISHED")
        .count();
    server.kill();
    assert!(
        finished_before < TASKS,
        "all tasks finished before the kill; the test proves nothing"
    );

    let server = ServerProcess::start(&config, &data);
    let deadline = Instant::now() + Duration::from_secs(300);
    let finals = loop {
        let now = statuses(server.addr, &tasks);
        if now.iter().all(|s| s["Status"] != "PROCESSING") || Instant::now() > deadline {
            break now;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    for (task, status) in tasks.iter().zip(&finals) {
        assert_eq!(status["Status"], "FINISHED", "task {task}: {status}");
        assert_eq!(status["ResultFileId"], result_file_id(task).as_str());
    }
    let result_ids: Vec<String> = tasks.iter().map(|task| result_file_id(task)).collect();
    // DescribeFileUrls takes at most 20 ids per call, as documented.
    let mut file_urls = Vec::new();
    for ids in result_ids.chunks(20) {
        let urls = api(
            server.addr,
            SUB_CLERK,
            "DescribeFileUrls",
            &json!({
                "Operator": {"UserId": SUB_CLERK.2}, "BusinessType": "DIGITFILE", "BusinessIds": ids,
            }),
        );
        assert_eq!(urls["TotalCount"], ids.len(), "{urls}");
        file_urls.extend(urls["FileUrls"].as_array().unwrap().iter().cloned());
    }
    assert_eq!(file_urls.len(), TASKS);
    for url in &file_urls {
        let path = url["Url"]
            .as_str()
            .unwrap()
            .strip_prefix(&format!("http://{}", server.addr))
            .unwrap()
            .to_owned();
        let (status, signed) = http(server.addr, "GET", &path, &[], b"");
        assert_eq!(status, 200);
        assert!(signed.starts_with(&original));
        let root = std::fs::read(pki("root-ca.cert.pem")).unwrap();
        let options = countersign::VerifyOptions::trusting(
            countersign::crypto::credential::trust_roots_from_pem(&root).unwrap(),
        );
        let report = countersign::verify_pdf(&signed, &options).unwrap();
        assert!(report.all_valid(), "{report:?}");
        assert_eq!(report.signatures.len(), 1);
        assert_eq!(report.signatures[0].signer_serial_hex, "4100");
    }
    server.kill();
    // Each task was charged exactly once, crash or not.
    let store = SqliteStore::open(&data.join("countersign.db")).unwrap();
    assert_eq!(store.balance("sub").unwrap(), Some(100_000 - TASKS as u64));
}

#[test]
fn demo_server_prints_credentials_that_work() {
    let dir = TempDir::new("demo");
    let server = ServerProcess::start(Path::new(""), &dir.path().join("data"));
    let names: Vec<&str> = server
        .banner
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "Listening",
            "SecretId",
            "SecretKey",
            "UserId",
            "ProxyOrganizationId",
            "Data"
        ]
    );
    let (secret_id, secret_key, user_id) = (
        server.value("SecretId"),
        server.value("SecretKey"),
        server.value("UserId"),
    );
    let who = (secret_id.as_str(), secret_key.as_str(), user_id.as_str());
    let agent = json!({"ProxyOrganizationId": server.value("ProxyOrganizationId")});
    let pdf = std::fs::read(test_pdf("classic.pdf")).unwrap();
    let upload = api(
        server.addr,
        who,
        "UploadFiles",
        &json!({
            "BusinessType": "DOCUMENT",
            "Caller": {"OperatorId": user_id},
            "Agent": agent,
            "FileInfos": [{"FileName": "classic.pdf", "FileBody": base64::engine::general_purpose::STANDARD.encode(&pdf)}],
        }),
    );
    let file_id = upload["FileIds"][0].as_str().unwrap();
    let signed = api(
        server.addr,
        who,
        "CreateFileCounterSign",
        &json!({
            "FileId": file_id, "Operator": {"UserId": user_id}, "Agent": agent, "SyncMode": true,
        }),
    );
    assert_eq!(signed["Status"], "FINISHED", "{signed}");
    let verified = api(
        server.addr,
        who,
        "VerifyDigitFile",
        &json!({
            "FileId": signed["ResultFileId"], "Operator": {"UserId": user_id}, "Agent": agent,
        }),
    );
    assert_eq!(verified["VerifyResult"], 1, "{verified}");
    // The subsidiary's certificate signed (RSA-4096 signer, serial 0x4100).
    assert_eq!(verified["VerifyDigitFileResults"][0]["CertSn"], "4100");
    server.kill();
}
