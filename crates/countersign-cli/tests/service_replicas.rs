//! Scale-out: three `countersign serve` replicas on one PostgreSQL database and one shared blob
//! folder, driven by the official Python SDK with a mix of synchronous and asynchronous
//! counter-signs sent faster than the rate limit; one replica is killed with SIGKILL halfway.
//! Proves: every acknowledged task ends FINISHED, exactly once, with a result that verifies against
//! the test root; the quota is charged exactly once per task; and the three replicas together
//! granted no more than the limit.

#![cfg(feature = "postgres")]

#[path = "../../../tests/common/mod.rs"]
mod common;
#[path = "../../countersign-ess/tests/service/pg_support.rs"]
mod pg_support;
#[path = "../../countersign-ess/tests/service/support.rs"]
mod support;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use countersign::VerifyOptions;
use countersign::crypto::credential::trust_roots_from_pem;
use countersign_ess::__private::result_file_id;
use countersign_ess::store::{BlobStore, DirBlobStore};
use serde_json::{Value, json};
use support::*;

const REPLICAS: usize = 3;
const RATE_LIMIT: u32 = 20;
const REQUESTS: usize = 240;
const SEND_RATE: f64 = 30.0;
const INITIAL_QUOTA: i64 = 100_000;

fn sql_count(client: &mut postgres::Client, query: &str) -> i64 {
    client.query_one(query, &[]).unwrap().get(0)
}

#[test]
fn three_replicas_one_killed_every_acknowledged_task_finishes_once() {
    let Some(python) = python_with_sdk() else {
        return;
    };
    let Some(server) = pg_support::PgServer::start("replicas") else {
        return;
    };
    let url = server.create_database("replicas");
    let dir = TempDir::new("replicas");
    let blobs = dir.path().join("shared-files");
    let config_path = write_config(dir.path(), RATE_LIMIT, 2);
    // Top-level keys go before the first [[table]].
    let config = std::fs::read_to_string(&config_path).unwrap();
    let shared = format!(
        "store = \"{url}\"\nblobs = \"{}\"\ntask_lease_seconds = 3\n",
        blobs.display()
    );
    std::fs::write(&config_path, shared + &config).unwrap();

    let mut replicas: Vec<Option<ServeProcess>> = (0..REPLICAS)
        .map(|index| {
            let data = dir.path().join(format!("replica-{index}"));
            Some(ServeProcess::start(&config_path, &data))
        })
        .collect();
    let endpoints: Vec<String> = replicas
        .iter()
        .flatten()
        .map(|r| r.addr.to_string())
        .collect();

    let report_path = dir.path().join("report.json");
    let settings = json!({
        "endpoints": endpoints,
        "who": {"secret_id": ADMIN.0, "secret_key": ADMIN.1, "user_id": ADMIN.2},
        "pdf": test_pdf("classic.pdf"),
        "requests": REQUESTS,
        "send_rate": SEND_RATE,
        "kill": 1,
        "wait_seconds": 120,
        "report": report_path,
    });
    let settings_path = dir.path().join("settings.json");
    std::fs::write(&settings_path, settings.to_string()).unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../countersign-ess/tests/service")
        .join("replicas.py");
    let mut driver = Command::new(&python)
        .arg(&script)
        .arg(&settings_path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut to_driver = driver.stdin.take().unwrap();
    let from_driver = BufReader::new(driver.stdout.take().unwrap()).lines();
    let mut summary = String::new();
    for line in from_driver {
        let line = line.unwrap();
        println!("driver: {line}");
        if let Some(index) = line.strip_prefix("KILL ") {
            let index: usize = index.parse().unwrap();
            // SIGKILL: no shutdown, requests and task runs in flight are cut off.
            let mut victim = replicas[index].take().unwrap();
            victim.child.kill().unwrap();
            victim.child.wait().unwrap();
            writeln!(to_driver, "killed").unwrap();
            to_driver.flush().unwrap();
        } else if line.starts_with("DONE ") {
            summary = line;
        }
    }
    assert!(driver.wait().unwrap().success(), "replicas.py failed");
    assert!(!summary.is_empty());
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
    let records = report["records"].as_array().unwrap();

    // Acknowledged = the API answered with a TaskId.
    let acknowledged: Vec<&Value> = records.iter().filter(|r| r["outcome"] == "ok").collect();
    let limited = records.iter().filter(|r| r["outcome"] == "limited").count();
    let unexpected: Vec<&Value> = records.iter().filter(|r| r["outcome"] == "error").collect();
    assert!(unexpected.is_empty(), "API errors: {unexpected:?}");
    for record in &acknowledged {
        let task = record["task_id"].as_str().unwrap();
        assert_eq!(record["final"]["status"], "FINISHED", "{record}");
        assert_eq!(
            record["final"]["result_file_id"],
            result_file_id(task).as_str()
        );
        if record["sync"] == true {
            assert_eq!(record["status"], "FINISHED", "{record}");
        }
    }

    // The combined rate: one bucket of 20 plus 20 per second over the sending period, for the
    // three replicas together (three private buckets would have let all 30 per second through).
    let sent = |r: &Value| r["sent"].as_f64().unwrap();
    let done = |r: &Value| r["done"].as_f64().unwrap();
    let first = records.iter().map(sent).fold(f64::MAX, f64::min);
    let last = records.iter().map(done).fold(f64::MIN, f64::max);
    let window = last - first;
    let allowed = f64::from(RATE_LIMIT) * (1.0 + window);
    let granted = acknowledged.len() as f64;
    println!(
        "rate: {granted} acknowledged, {limited} limited in {window:.1} s: {:.1}/s granted (limit {RATE_LIMIT}/s, sent {SEND_RATE}/s)",
        granted / window
    );
    assert!(
        granted <= allowed,
        "{granted} granted, at most {allowed} allowed"
    );
    assert!(limited > 0, "the send rate never reached the limit");

    // Wait until the replicas left no task PROCESSING (the killed one's are reclaimed after the
    // lease), then check the database.
    let mut db = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while sql_count(
        &mut db,
        "SELECT count(*) FROM tasks WHERE status = 'PROCESSING'",
    ) > 0
    {
        assert!(Instant::now() < deadline, "tasks left PROCESSING");
        std::thread::sleep(Duration::from_millis(200));
    }
    let all_tasks = sql_count(&mut db, "SELECT count(*) FROM tasks");
    let finished = sql_count(
        &mut db,
        "SELECT count(*) FROM tasks WHERE status = 'FINISHED'",
    );
    assert_eq!(
        finished, all_tasks,
        "every task, acknowledged or not, finished"
    );
    let acknowledged_ids: HashSet<&str> = acknowledged
        .iter()
        .map(|r| r["task_id"].as_str().unwrap())
        .collect();
    assert!(all_tasks >= acknowledged_ids.len() as i64);
    // Quota: one charge row per task (the ledger's key forbids a second), no refunds, and the
    // balance moved by exactly the number of tasks.
    let charges = sql_count(
        &mut db,
        "SELECT count(*) FROM quota_ledger WHERE reason = 'charge'",
    );
    let refunds = sql_count(
        &mut db,
        "SELECT count(*) FROM quota_ledger WHERE reason = 'refund'",
    );
    let balance: i64 = db
        .query_one(
            "SELECT balance FROM quota WHERE organization = 'group'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!((charges, refunds), (all_tasks, 0));
    assert_eq!(INITIAL_QUOTA - balance, all_tasks);
    // Finished once: one result file row per task, and a task run more than once (its first
    // runner killed) still has one.
    let results = sql_count(&mut db, "SELECT count(*) FROM files WHERE kind = 'RESULT'");
    assert_eq!(results, all_tasks);
    let rerun = sql_count(&mut db, "SELECT count(*) FROM tasks WHERE attempts > 1");
    println!(
        "tasks: {all_tasks} in the database, {} acknowledged, {rerun} run again after the kill",
        acknowledged_ids.len()
    );

    // Every result verifies against the test root and keeps the upload as its prefix.
    let original = std::fs::read(test_pdf("classic.pdf")).unwrap();
    let store = DirBlobStore::open(&blobs).unwrap();
    let trust_roots = trust_roots_from_pem(&std::fs::read(common::root_ca_pem()).unwrap()).unwrap();
    let options = VerifyOptions::trusting(trust_roots);
    let rows = db.query("SELECT id FROM tasks", &[]).unwrap();
    let mut checked = HashMap::new();
    for row in rows {
        let task: String = row.get(0);
        let signed = store.get(&result_file_id(&task)).unwrap().unwrap();
        assert!(
            signed.starts_with(&original),
            "{task}: not an incremental update"
        );
        let report = countersign::verify_pdf(&signed, &options).unwrap();
        assert!(report.all_valid(), "{task}: {report:?}");
        checked.insert(task, signed.len());
    }
    assert_eq!(checked.len() as i64, all_tasks);
    // One result through independent validators as well.
    let sample = dir.path().join("sample.pdf");
    let first_task = acknowledged[0]["task_id"].as_str().unwrap();
    std::fs::write(
        &sample,
        store.get(&result_file_id(first_task)).unwrap().unwrap(),
    )
    .unwrap();
    let pyhanko = common::pyhanko_validate(&sample, &common::root_ca_pem());
    if !pyhanko.skipped {
        assert!(pyhanko.all_intact_valid_trusted(), "pyHanko: {pyhanko:?}");
    }
    drop(replicas);
}
