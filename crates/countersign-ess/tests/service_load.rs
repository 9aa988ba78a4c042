//! Load on loopback: several organisations each send ten times their rate limit at once. Excess
//! requests get RequestLimitExceeded, the others are accepted, and every accepted task finishes.

#![cfg(feature = "server")]

#[path = "service/support.rs"]
mod support;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use countersign_ess::load_config_keys;
use countersign_ess::{PdfEngine, Service, ServiceConfig};
use serde_json::json;
use support::*;

const RATE: u32 = 5;
const THREADS_PER_ORGANIZATION: usize = 5;
const REQUESTS_PER_THREAD: usize = 10; // 5 x 10 = 50 = ten times the rate limit

#[test]
fn ten_times_the_rate_limit_from_several_organisations() {
    let dir = TempDir::new("load");
    let config = ServiceConfig::load(&write_config(dir.path(), RATE, 2)).unwrap();
    let keys = load_config_keys(&config).unwrap();
    let service = Service::open(
        &config,
        keys,
        &dir.path().join("data"),
        Arc::new(PdfEngine::default()),
    )
    .unwrap();
    let server =
        countersign_ess::server::spawn(TcpListener::bind("127.0.0.1:0").unwrap(), service).unwrap();
    let addr = server.addr();
    let pdf = std::fs::read(test_pdf("classic.pdf")).unwrap();

    let callers = [ADMIN, OTHER, HSM];
    let files: Vec<String> = callers
        .iter()
        .map(|&who| {
            let upload = api(addr, who, "UploadFiles", &json!({
                "BusinessType": "DOCUMENT",
                "Caller": {"OperatorId": who.2},
                "FileInfos": [{"FileName": "a.pdf", "FileBody": base64::engine::general_purpose::STANDARD.encode(&pdf)}],
            }));
            upload["FileIds"][0].as_str().unwrap().to_owned()
        })
        .collect();

    let started = Instant::now();
    let workers: Vec<_> = callers
        .iter()
        .zip(&files)
        .flat_map(|(&who, file)| {
            (0..THREADS_PER_ORGANIZATION).map(move |_| {
                let file = file.clone();
                std::thread::spawn(move || {
                    (0..REQUESTS_PER_THREAD)
                        .map(|_| {
                            let body = json!({"FileId": file, "Operator": {"UserId": who.2}});
                            (who, api(addr, who, "CreateFileCounterSign", &body))
                        })
                        .collect::<Vec<_>>()
                })
            })
        })
        .collect();
    let responses: Vec<_> = workers
        .into_iter()
        .flat_map(|worker| worker.join().unwrap())
        .collect();
    let elapsed = started.elapsed().as_secs_f64();

    for &who in &callers {
        let mine: Vec<_> = responses
            .iter()
            .filter(|(w, _)| w.0 == who.0)
            .map(|(_, r)| r)
            .collect();
        let accepted: Vec<_> = mine
            .iter()
            .filter(|r| r["Status"] == "PROCESSING")
            .collect();
        let limited = mine
            .iter()
            .filter(|r| error_code(r) == Some("RequestLimitExceeded"))
            .count();
        assert_eq!(
            accepted.len() + limited,
            mine.len(),
            "unexpected answers for {}: {mine:?}",
            who.2
        );
        // A full bucket, plus what refilled while the burst lasted.
        let allowed = f64::from(RATE) * (1.0 + elapsed) + 1.0;
        assert!(
            accepted.len() >= RATE as usize,
            "{}: only {} accepted",
            who.2,
            accepted.len()
        );
        assert!(
            (accepted.len() as f64) <= allowed,
            "{}: {} accepted in {elapsed:.2}s",
            who.2,
            accepted.len()
        );
        assert!(
            limited >= mine.len() / 2,
            "{}: only {limited} limited in {elapsed:.2}s",
            who.2
        );
        // No accepted task is lost.
        for response in accepted {
            let task = response["TaskId"].as_str().unwrap();
            let mut status = wait_task(addr, who, task, Duration::from_secs(120));
            while error_code(&status) == Some("RequestLimitExceeded") {
                std::thread::sleep(Duration::from_millis(250));
                status = wait_task(addr, who, task, Duration::from_secs(120));
            }
            assert_eq!(
                status["Status"], "FINISHED",
                "{}: task {task}: {status}",
                who.2
            );
        }
    }
    server.stop().unwrap();
}
