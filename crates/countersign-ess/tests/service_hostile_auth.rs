//! `countersign serve` against clients that have not authenticated, or replay what others signed
//! (issue 20, items 1 and 6), over TCP on loopback. As in `service_hostile.rs`, limits are small
//! so that the tests are quick, nothing measures speed, and where a test waits the bound is only
//! there so that a regression fails instead of hanging.

#![cfg(feature = "server")]

#[path = "service/support.rs"]
mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use countersign_ess::__private::{authorization_header_signing, unix_now};
use countersign_ess::server::ServerHandle;
use countersign_ess::store::{QuotaStore, SqliteStore, TaskStore};
use countersign_ess::{PdfEngine, Service, ServiceConfig, SignedRequest, load_config_keys};
use serde_json::{Value, json};
use support::*;

/// A server on loopback with the test deployment and `limits` as its `[limits]` table.
fn start(dir: &TempDir, limits: &str) -> ServerHandle {
    let path = write_config(dir.path(), 1000, 1);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}\n[limits]\n{limits}\n")).unwrap();
    let config = ServiceConfig::load(&path).unwrap();
    let keys = load_config_keys(&config).unwrap();
    let service = Service::open(
        &config,
        keys,
        &dir.path().join("data"),
        Arc::new(PdfEngine::default()),
    )
    .unwrap();
    countersign_ess::server::spawn(TcpListener::bind("127.0.0.1:0").unwrap(), service).unwrap()
}

/// The headers of a POST of `body` for `action`, TC3-signed by `who` over `signed` headers.
fn signed(
    addr: SocketAddr,
    who: (&str, &str, &str),
    action: &str,
    body: &[u8],
    signed: &[&str],
) -> Vec<(String, String)> {
    let timestamp = unix_now();
    let mut headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("Host".to_owned(), addr.to_string()),
        ("X-TC-Action".to_owned(), action.to_owned()),
        ("X-TC-Version".to_owned(), "2020-11-11".to_owned()),
        ("X-TC-Timestamp".to_owned(), timestamp.to_string()),
    ];
    let request = SignedRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        body,
    };
    let authorization =
        authorization_header_signing(&request, (who.0, who.1), "ess", timestamp, signed);
    headers.push(("Authorization".to_owned(), authorization));
    headers
}

/// Sends `headers` and `body` as they are; returns the `Response` object.
fn send(addr: SocketAddr, headers: &[(String, String)], body: &[u8]) -> Value {
    let (status, response) = http(addr, "POST", "/", headers, body);
    assert_eq!(status, 200);
    let mut response: Value = serde_json::from_slice(&response).unwrap();
    response["Response"].take()
}

/// `headers` with `name` set to `value`.
fn with_header(headers: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(key, old)| {
            let value = if key.eq_ignore_ascii_case(name) {
                value
            } else {
                old
            };
            (key.clone(), value.to_owned())
        })
        .collect()
}

/// Opens a connection and sends a request head announcing `content_length` body bytes, then the
/// first `sent` of them; the rest never comes.
fn stalled(
    addr: SocketAddr,
    head: &[(String, String)],
    content_length: u64,
    sent: usize,
) -> TcpStream {
    let mut stream = TcpStream::connect(addr).unwrap();
    let mut text = format!("POST / HTTP/1.1\r\nContent-Length: {content_length}\r\n");
    for (name, value) in head {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    stream.write_all(text.as_bytes()).unwrap();
    stream.write_all(&vec![b'a'; sent]).unwrap();
    stream
}

/// The head of a request without `Authorization`: a v1 signature would be in its form body.
fn unsigned_head(addr: SocketAddr) -> Vec<(String, String)> {
    vec![
        ("Host".to_owned(), addr.to_string()),
        (
            "Content-Type".to_owned(),
            "application/x-www-form-urlencoded".to_owned(),
        ),
    ]
}

/// The server's answer on `stream`, once it comes (the bound only keeps a regression from hanging).
fn answer_of(stream: &mut TcpStream) -> String {
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer) {
        Ok(_) => {}
        Err(error) if error.kind() == ErrorKind::ConnectionReset => {}
        Err(error) => panic!("no answer: {error}"),
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// Whether the server closed `stream` (after answering or not) within `patience`.
fn closed(stream: &mut TcpStream, patience: Duration) -> bool {
    stream.set_read_timeout(Some(patience)).unwrap();
    let mut scratch = [0u8; 4096];
    loop {
        match stream.read(&mut scratch) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false;
            }
            Err(_) => return true,
        }
    }
}

fn describe_unknown_task(addr: SocketAddr, who: (&str, &str, &str)) -> Value {
    let body = json!({"TaskId": "0000000000000000", "Operator": {"UserId": who.2}});
    api(addr, who, "DescribeFileCounterSignResult", &body)
}

fn upload_body(who: (&str, &str, &str), name: &str) -> Value {
    let pdf = std::fs::read(test_pdf("classic.pdf")).unwrap();
    json!({
        "BusinessType": "DOCUMENT",
        "Caller": {"OperatorId": who.2},
        "FileInfos": [{"FileName": name,
                       "FileBody": base64::engine::general_purpose::STANDARD.encode(&pdf)}],
    })
}

/// Issue 20's first attack: request heads without `Authorization` were taken for v1 requests
/// whose body carries the signature, and their connections counted as busy, never closed to make
/// room. Here 40 of them trickle their bodies, with 8 more that name a real SecretId (but cannot
/// sign), against 16 connection slots and body timeouts far longer than the test.
#[test]
fn slow_unauthenticated_bodies_do_not_lock_out_a_signed_request() {
    let dir = TempDir::new("hostile-auth-slots");
    let server = start(
        &dir,
        "max_connections = 16\nheader_timeout_ms = 600000\nbody_timeout_ms = 600000\n\
         v1_body_timeout_ms = 600000",
    );
    let addr = server.addr();
    let mut attackers: Vec<TcpStream> = (0..40)
        .map(|_| stalled(addr, &unsigned_head(addr), 100, 1))
        .collect();
    let named = signed(addr, ADMIN, "UploadFiles", b"{}", &["content-type", "host"]);
    attackers.extend((0..8).map(|_| stalled(addr, &named, 1000, 1)));
    // Time for the server to read their heads: they are requests in progress from then on.
    std::thread::sleep(Duration::from_millis(500));
    for _ in 0..3 {
        let response = describe_unknown_task(addr, ADMIN);
        assert_eq!(
            error_code(&response),
            Some("ResourceNotFound"),
            "{response}"
        );
    }
    // The oldest of them was closed to make room.
    assert!(closed(&mut attackers[0], Duration::from_secs(30)));
    drop(attackers);
}

/// A request without `Authorization` gets `v1_body_timeout_ms` for its body and draws on a pool
/// of its own, by the bytes it has sent: it can neither wait long nor touch the organisations'.
#[test]
fn unauthenticated_bodies_get_little_time_and_a_pool_of_their_own() {
    let dir = TempDir::new("hostile-auth-v1");
    let server = start(
        &dir,
        "max_v1_body_bytes = 65536\nmax_v1_buffered_body_bytes = 65536\nv1_body_timeout_ms = 5000",
    );
    let addr = server.addr();
    // 40 000 of 65 536 bytes sent, then nothing.
    let mut holder = stalled(addr, &unsigned_head(addr), 65_536, 40_000);
    std::thread::sleep(Duration::from_millis(300));
    // A second body of 30 000 bytes does not fit beside it: refused at once, not kept waiting.
    let (status, refused) = http(addr, "POST", "/", &unsigned_head(addr), &[b'a'; 30_000]);
    assert_eq!(status, 200);
    let refused: Value = serde_json::from_slice(&refused).unwrap();
    assert_eq!(
        refused["Response"]["Error"]["Code"], "RequestLimitExceeded",
        "{refused}"
    );
    // Signed requests, of any size up to their own limit, are not affected.
    let uploaded = api(addr, ADMIN, "UploadFiles", &upload_body(ADMIN, "a.pdf"));
    assert!(uploaded["Error"].is_null(), "{uploaded}");
    // The stalled body is given up after v1_body_timeout_ms (not the 300 s of body_timeout_ms).
    let answer = answer_of(&mut holder);
    assert!(answer.contains("did not arrive within 5000 ms"), "{answer}");
    let (status, fits) = http(addr, "POST", "/", &unsigned_head(addr), &[b'a'; 60_000]);
    assert_eq!(status, 200);
    let fits: Value = serde_json::from_slice(&fits).unwrap();
    // Room again: the body is read, and refused only for what it says (no signature).
    assert_eq!(
        fits["Response"]["Error"]["Code"], "AuthFailure.SignatureFailure",
        "{fits}"
    );
}

/// Issue 20: four heads naming an organisation's SecretId (it is in every request) and
/// announcing 84 MiB each reserved the whole body budget and locked every organisation out.
/// Announcing now reserves nothing.
#[test]
fn announced_84_mib_bodies_naming_a_real_secret_id_lock_nobody_out() {
    let dir = TempDir::new("hostile-auth-announced");
    let server = start(&dir, "");
    let addr = server.addr();
    let announced = 84 * 1024 * 1024;
    let named = signed(addr, ADMIN, "UploadFiles", b"{}", &["content-type", "host"]);
    let attackers: Vec<TcpStream> = (0..4)
        .map(|_| stalled(addr, &named, announced, 0))
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    for who in [ADMIN, OTHER] {
        let uploaded = api(addr, who, "UploadFiles", &upload_body(who, "a.pdf"));
        assert!(uploaded["Error"].is_null(), "{}: {uploaded}", who.0);
    }
    drop(attackers);
}

/// The bytes a TC3 body has actually sent are drawn from its SecretId's organisation's budget:
/// filling it keeps that organisation's further bodies out until it is released, no other's.
#[test]
fn an_organisations_body_budget_is_its_own_and_counts_bytes_received() {
    let dir = TempDir::new("hostile-auth-budget");
    let server = start(
        &dir,
        "max_body_bytes = 65536\nmax_buffered_body_bytes = 65536",
    );
    let addr = server.addr();
    let named = signed(addr, ADMIN, "UploadFiles", b"{}", &["content-type", "host"]);
    // 65 000 bytes held: the next upload (a 1 KB PDF, 1.6 KB of JSON) does not fit beside them.
    let holder = stalled(addr, &named, 65_536, 65_000);
    std::thread::sleep(Duration::from_millis(300));
    let group = api(addr, ADMIN, "UploadFiles", &upload_body(ADMIN, "a.pdf"));
    assert_eq!(error_code(&group), Some("RequestLimitExceeded"), "{group}");
    let other = api(addr, OTHER, "UploadFiles", &upload_body(OTHER, "a.pdf"));
    assert!(other["Error"].is_null(), "{other}");
    // Released when the holder goes away.
    drop(holder);
    let mut response = Value::Null;
    for _ in 0..100 {
        response = api(addr, ADMIN, "UploadFiles", &upload_body(ADMIN, "b.pdf"));
        if response["Error"].is_null() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(response["Error"].is_null(), "{response}");
}

/// Issue 20's sixth attack: the official SDKs sign `content-type;host` only, so a captured
/// VerifyDigitFile request sent again with `X-TC-Action: CreateFileCounterSign` created a charged
/// task. A signature is now remembered for its timestamp window.
#[test]
fn a_captured_request_is_not_accepted_as_another_action_or_twice() {
    let dir = TempDir::new("hostile-auth-replay");
    let server = start(&dir, "");
    let addr = server.addr();
    let store = SqliteStore::open(&dir.path().join("data").join("countersign.db")).unwrap();
    let sdk = ["content-type", "host"];
    let uploaded = api(addr, ADMIN, "UploadFiles", &upload_body(ADMIN, "a.pdf"));
    let file_id = uploaded["FileIds"][0].as_str().unwrap().to_owned();

    let verify = json!({"FileId": file_id, "Operator": {"UserId": ADMIN.2}}).to_string();
    let captured = signed(addr, ADMIN, "VerifyDigitFile", verify.as_bytes(), &sdk);
    let verified = send(addr, &captured, verify.as_bytes());
    assert!(verified["VerifyResult"].is_number(), "{verified}");
    // The same request again is a read: it still works.
    let again = send(addr, &captured, verify.as_bytes());
    assert_eq!(again["VerifyResult"], verified["VerifyResult"], "{again}");

    let balance = store.balance("group").unwrap();
    let as_sign = with_header(&captured, "X-TC-Action", "CreateFileCounterSign");
    let replayed = send(addr, &as_sign, verify.as_bytes());
    assert_eq!(
        error_code(&replayed),
        Some("AuthFailure.SignatureFailure"),
        "{replayed}"
    );
    let message = replayed["Error"]["Message"].as_str().unwrap();
    assert!(
        message.contains("already used for VerifyDigitFile"),
        "{message}"
    );
    assert_eq!(
        store.balance("group").unwrap(),
        balance,
        "the replay was charged"
    );
    assert!(store.processing_tasks().unwrap().is_empty());

    // A state-changing request is accepted once.
    let upload = upload_body(ADMIN, "b.pdf").to_string();
    let upload_headers = signed(addr, ADMIN, "UploadFiles", upload.as_bytes(), &sdk);
    let first = send(addr, &upload_headers, upload.as_bytes());
    assert_eq!(first["TotalCount"], 1, "{first}");
    let second = send(addr, &upload_headers, upload.as_bytes());
    assert_eq!(
        error_code(&second),
        Some("AuthFailure.SignatureFailure"),
        "{second}"
    );

    // An SDK polling a task within one second sends one signature again and again: answered.
    let poll = json!({"TaskId": "0000000000000000", "Operator": {"UserId": ADMIN.2}}).to_string();
    let poll_headers = signed(
        addr,
        ADMIN,
        "DescribeFileCounterSignResult",
        poll.as_bytes(),
        &sdk,
    );
    for _ in 0..3 {
        let response = send(addr, &poll_headers, poll.as_bytes());
        assert_eq!(
            error_code(&response),
            Some("ResourceNotFound"),
            "{response}"
        );
    }

    // A client that signs X-TC-Action binds it: another action no longer matches the MAC.
    let bound = signed(
        addr,
        ADMIN,
        "VerifyDigitFile",
        verify.as_bytes(),
        &["content-type", "host", "x-tc-action"],
    );
    let verified = send(addr, &bound, verify.as_bytes());
    assert!(verified["VerifyResult"].is_number(), "{verified}");
    let as_sign = with_header(&bound, "X-TC-Action", "CreateFileCounterSign");
    let refused = send(addr, &as_sign, verify.as_bytes());
    assert_eq!(
        error_code(&refused),
        Some("AuthFailure.SignatureFailure"),
        "{refused}"
    );
    assert_eq!(store.balance("group").unwrap(), balance);
}
