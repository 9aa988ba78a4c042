//! `countersign serve` against hostile clients (issue 9): each test is one attack, run against a
//! real server over TCP. Limits are configured small so that the tests are quick; nothing here
//! measures speed — where a test waits, the bound is only there so a regression fails instead of
//! hanging.

#![cfg(feature = "server")]

#[path = "service/support.rs"]
mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use countersign_ess::__private::authorization_header;
use countersign_ess::__private::unix_now;
use countersign_ess::SignedRequest;
use countersign_ess::load_config_keys;
use countersign_ess::server::ServerHandle;
use countersign_ess::{PdfEngine, Service, ServiceConfig, ServiceError, StoreError};
use serde_json::{Value, json};
use support::*;

/// A server on loopback with the test deployment, `top` prepended to its configuration (top-level
/// keys) and `limits` as its `[limits]` table.
fn start(dir: &TempDir, top: &str, limits: &str) -> ServerHandle {
    let path = write_config(dir.path(), 1000, 1);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{top}\n{text}\n[limits]\n{limits}\n")).unwrap();
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

/// The headers of an UploadFiles/any action request signed by `who`, for `host`, with the
/// credential scope's `service`.
fn signed_headers(
    who: (&str, &str, &str),
    action: &str,
    body: &[u8],
    host: &str,
    service: &str,
) -> Vec<(String, String)> {
    let timestamp = unix_now();
    let mut headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("Host".to_owned(), host.to_owned()),
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
    let authorization = authorization_header(&request, who.0, who.1, service, timestamp);
    headers.push(("Authorization".to_owned(), authorization));
    headers
}

/// Sends `action` with `body` as `who` for `host`/`service`; returns the `Response` object.
fn call(addr: SocketAddr, host: &str, service: &str, action: &str, body: &Value) -> Value {
    let body = body.to_string();
    let headers = signed_headers(ADMIN, action, body.as_bytes(), host, service);
    let (status, response) = http(addr, "POST", "/", &headers, body.as_bytes());
    assert_eq!(status, 200);
    let mut response: Value = serde_json::from_slice(&response).unwrap();
    response["Response"].take()
}

/// Sends only the head of a request that announces `content_length` body bytes, never the body,
/// and returns the whole answer: the server must answer without waiting for the body.
fn head_only(addr: SocketAddr, headers: &[(String, String)], content_length: u64) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    // Only a bound for a regression (a server waiting for the body) to fail instead of hanging.
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut head = format!("POST / HTTP/1.1\r\nContent-Length: {content_length}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer) {
        Ok(_) => {}
        Err(error) if error.kind() == ErrorKind::ConnectionReset => {}
        Err(error) => panic!("no answer before the body was sent: {error}"),
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// The JSON body of a raw HTTP answer.
fn json_of(answer: &str) -> Value {
    let (_, body) = answer
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"));
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"))
}

#[test]
fn unauthenticated_big_body_is_refused_without_being_read() {
    let dir = TempDir::new("hostile-unauth");
    let server = start(&dir, "", "");
    let addr = server.addr();
    let claimed = 200 * 1024 * 1024;
    let mut headers = signed_headers(ADMIN, "UploadFiles", b"{}", &addr.to_string(), "ess");
    // Same request, unknown SecretId.
    for (name, value) in &mut headers {
        if name == "Authorization" {
            *value = value.replace(ADMIN.0, "AKIDnobody");
        }
    }
    let answer = head_only(addr, &headers, claimed);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    let response = json_of(&answer);
    assert_eq!(
        response["Response"]["Error"]["Code"],
        "AuthFailure.SecretIdNotFound"
    );
    assert!(response["Response"]["RequestId"].is_string());

    // No Authorization header: a v1 signature would be in the body, so the body is capped at
    // max_v1_body_bytes (1 MiB) and this one is refused unread. A stale timestamp: refused too.
    let no_auth: Vec<_> = headers
        .iter()
        .filter(|(name, _)| name != "Authorization")
        .cloned()
        .collect();
    let response = json_of(&head_only(addr, &no_auth, claimed));
    assert_eq!(
        response["Response"]["Error"]["Code"],
        "RequestSizeLimitExceeded"
    );
    let stale_time = unix_now() - 3600;
    let body = b"{}";
    let mut stale = signed_headers(ADMIN, "UploadFiles", body, &addr.to_string(), "ess");
    for (name, value) in &mut stale {
        if name == "X-TC-Timestamp" {
            *value = stale_time.to_string();
        }
    }
    let response = json_of(&head_only(addr, &stale, claimed));
    assert_eq!(
        response["Response"]["Error"]["Code"],
        "AuthFailure.SignatureExpire"
    );
}

#[test]
fn oversize_body_gets_the_json_error_envelope() {
    let dir = TempDir::new("hostile-oversize");
    let server = start(&dir, "", "max_body_bytes = 65536");
    let addr = server.addr();
    // Announced too large: answered at once, body never sent.
    let headers = signed_headers(ADMIN, "UploadFiles", b"{}", &addr.to_string(), "ess");
    let answer = head_only(addr, &headers, 65_537);
    let response = json_of(&answer);
    assert_eq!(
        response["Response"]["Error"]["Code"],
        "RequestSizeLimitExceeded"
    );
    assert!(response["Response"]["RequestId"].is_string());

    // Within the limit: served as usual.
    let pdf = std::fs::read(test_pdf("classic.pdf")).unwrap();
    assert!(pdf.len() < 40_000, "test PDF grew: {}", pdf.len());
    let upload = json!({
        "BusinessType": "DOCUMENT",
        "Caller": {"OperatorId": ADMIN.2},
        "FileInfos": [{"FileName": "a.pdf",
                       "FileBody": base64::engine::general_purpose::STANDARD.encode(&pdf)}],
    });
    let response = call(addr, &addr.to_string(), "ess", "UploadFiles", &upload);
    assert!(response["Error"].is_null(), "{response}");
}

/// Writes one byte every 100 ms (a slowloris trickling its headers) until the server closes the
/// connection; `false` if it is still open after `patience`.
fn closed_while_trickling(stream: &mut TcpStream, prefix: &[u8], patience: Duration) -> bool {
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    if stream.write_all(prefix).is_err() {
        return true;
    }
    let started = Instant::now();
    let mut scratch = [0u8; 1024];
    while started.elapsed() < patience {
        if stream.write_all(b"X").is_err() {
            return true;
        }
        match stream.read(&mut scratch) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return true,
        }
    }
    false
}

#[test]
fn slowloris_connections_are_closed_after_the_header_timeout() {
    let dir = TempDir::new("hostile-slowloris");
    let server = start(&dir, "", "header_timeout_ms = 500");
    let addr = server.addr();
    let patience = Duration::from_secs(30);
    let silent = std::thread::spawn(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        closed_while_trickling(&mut stream, b"", Duration::ZERO)
            || wait_closed(&mut stream, patience)
    });
    let trickling = (0..3)
        .map(|_| {
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(addr).unwrap();
                closed_while_trickling(
                    &mut stream,
                    b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ",
                    patience,
                )
            })
        })
        .collect::<Vec<_>>();
    assert!(silent.join().unwrap(), "a silent connection stayed open");
    for thread in trickling {
        assert!(thread.join().unwrap(), "a trickling connection stayed open");
    }
    // The server still serves.
    let response = call(
        addr,
        &addr.to_string(),
        "ess",
        "DescribeFileCounterSignResult",
        &json!({"TaskId": "0000000000000000", "Operator": {"UserId": ADMIN.2}}),
    );
    assert_eq!(error_code(&response), Some("ResourceNotFound"));
}

/// Reads until the server closes the connection; `false` if it is still open after `patience`.
fn wait_closed(stream: &mut TcpStream, patience: Duration) -> bool {
    stream.set_read_timeout(Some(patience)).unwrap();
    let mut scratch = [0u8; 1024];
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

#[test]
fn half_open_connections_do_not_lock_out_a_real_client() {
    let dir = TempDir::new("hostile-halfopen");
    // A header timeout far longer than the test: only the eviction can let the client in.
    let server = start(&dir, "", "max_connections = 8\nheader_timeout_ms = 600000");
    let addr = server.addr();
    let mut attackers: Vec<TcpStream> = (0..300)
        .map(|_| {
            let mut stream = TcpStream::connect(addr).unwrap();
            let _ = stream.write_all(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            stream
        })
        .collect();
    for _ in 0..3 {
        let response = call(
            addr,
            &addr.to_string(),
            "ess",
            "DescribeFileCounterSignResult",
            &json!({"TaskId": "0000000000000000", "Operator": {"UserId": ADMIN.2}}),
        );
        assert_eq!(
            error_code(&response),
            Some("ResourceNotFound"),
            "{response}"
        );
    }
    // The oldest half-open connections were the ones closed to make room.
    assert!(wait_closed(&mut attackers[0], Duration::from_secs(30)));
    // Stopping does not wait for the half-open connections still there.
    server.stop().unwrap();
    drop(attackers);
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn data_directory_is_private_and_a_shared_one_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("hostile-perms");
    let server = start(&dir, "", "");
    let addr = server.addr();
    let pdf = std::fs::read(test_pdf("classic.pdf")).unwrap();
    let upload = json!({
        "BusinessType": "DOCUMENT",
        "Caller": {"OperatorId": ADMIN.2},
        "FileInfos": [{"FileName": "a.pdf",
                       "FileBody": base64::engine::general_purpose::STANDARD.encode(&pdf)}],
    });
    let response = call(addr, &addr.to_string(), "ess", "UploadFiles", &upload);
    assert!(response["Error"].is_null(), "{response}");
    drop(server);

    let data = dir.path().join("data");
    let mut pending = vec![data.clone()];
    let (mut dirs, mut files) = (0, 0);
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            assert_eq!(mode(&path), 0o700, "{}", path.display());
            dirs += 1;
            for entry in std::fs::read_dir(&path).unwrap() {
                pending.push(entry.unwrap().path());
            }
        } else {
            assert_eq!(mode(&path), 0o600, "{}", path.display());
            files += 1;
        }
    }
    // data, files, files/blobs, files/tmp, the blob's shard; the database and the blob.
    assert!(dirs >= 5 && files >= 2, "{dirs} folders, {files} files");

    let shared = dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
    let config = ServiceConfig::load(&dir.path().join("service.toml")).unwrap();
    let keys = load_config_keys(&config).unwrap();
    let refused = Service::open(&config, keys, &shared, Arc::new(PdfEngine::default()));
    match refused {
        Err(ServiceError::Store(StoreError::SharedDirectory { path, mode })) => {
            assert_eq!((path, mode), (shared.clone(), 0o777));
        }
        other => panic!("a world-writable data folder was accepted: {other:?}"),
    }
    let message = Service::open(
        &config,
        load_config_keys(&config).unwrap(),
        &shared,
        Arc::new(PdfEngine::default()),
    )
    .unwrap_err()
    .to_string();
    assert!(message.contains(&shared.display().to_string()), "{message}");
}

#[test]
fn a_credential_scoped_to_another_service_is_refused() {
    let dir = TempDir::new("hostile-scope");
    let server = start(&dir, "", "");
    let addr = server.addr();
    let body = json!({"TaskId": "0000000000000000", "Operator": {"UserId": ADMIN.2}});
    for service in ["cvm", "essbasic", "ESS"] {
        let response = call(
            addr,
            &addr.to_string(),
            service,
            "DescribeFileCounterSignResult",
            &body,
        );
        assert_eq!(
            error_code(&response),
            Some("AuthFailure.SignatureFailure"),
            "{service}: {response}"
        );
    }
    let response = call(
        addr,
        &addr.to_string(),
        "ess",
        "DescribeFileCounterSignResult",
        &body,
    );
    assert_eq!(error_code(&response), Some("ResourceNotFound"));
}

#[test]
fn a_request_for_another_host_is_refused() {
    let dir = TempDir::new("hostile-host");
    let server = start(&dir, "hosts = [\"ess.internal.example\"]", "");
    let addr = server.addr();
    let port = addr.port();
    let body = json!({"TaskId": "0000000000000000", "Operator": {"UserId": ADMIN.2}});
    let action = "DescribeFileCounterSignResult";
    for host in [
        "ess.tencentcloudapi.com".to_owned(),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        format!("evil.example:{port}"),
    ] {
        let response = call(addr, &host, "ess", action, &body);
        assert_eq!(
            error_code(&response),
            Some("AuthFailure.SignatureFailure"),
            "{host}: {response}"
        );
    }
    // With and without the port (the Node SDK signs the host without it), and configured hosts.
    for host in [
        addr.to_string(),
        "127.0.0.1".to_owned(),
        format!("localhost:{port}"),
        "ess.internal.example".to_owned(),
        format!("ess.internal.example:{port}"),
    ] {
        let response = call(addr, &host, "ess", action, &body);
        assert_eq!(
            error_code(&response),
            Some("ResourceNotFound"),
            "{host}: {response}"
        );
    }
}

fn upload(addr: SocketAddr, name: &str, body: &str) -> Value {
    let request = json!({
        "BusinessType": "DOCUMENT",
        "Caller": {"OperatorId": ADMIN.2},
        "FileInfos": [{"FileName": name, "FileBody": body}],
    });
    call(addr, &addr.to_string(), "ess", "UploadFiles", &request)
}

#[test]
fn long_file_names_blank_bodies_and_big_files_are_refused() {
    let dir = TempDir::new("hostile-upload");
    let server = start(&dir, "", "max_file_bytes = 100000");
    let addr = server.addr();
    let small = base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.7\n%%EOF\n");

    let at_limit = "合".repeat(196) + ".pdf";
    let response = upload(addr, &at_limit, &small);
    assert!(response["Error"].is_null(), "{response}");
    let too_long = "合".repeat(197) + ".pdf";
    assert_eq!(
        error_code(&upload(addr, &too_long, &small)),
        Some("InvalidParameterValue")
    );

    for blank in ["", "   ", " \n\t \r\n "] {
        assert_eq!(
            error_code(&upload(addr, "a.pdf", blank)),
            Some("MissingParameter"),
            "{blank:?}"
        );
    }

    let pdf_of = |len: usize| {
        let mut bytes = b"%PDF-1.7\n".to_vec();
        bytes.resize(len, b'%');
        base64::engine::general_purpose::STANDARD.encode(bytes)
    };
    let response = upload(addr, "big.pdf", &pdf_of(100_001));
    assert_eq!(
        error_code(&response),
        Some("InvalidParameterValue"),
        "{response}"
    );
    assert!(upload(addr, "fits.pdf", &pdf_of(100_000))["Error"].is_null());

    let response = upload(addr, "bad.pdf", "JVBERi0x@@@@");
    assert_eq!(
        error_code(&response),
        Some("InvalidParameterValue"),
        "{response}"
    );
    // Invalid only after the first 64 KiB of base64: found while streaming into the store.
    let late = format!("{}@@@@", pdf_of(60_000));
    let response = upload(addr, "late.pdf", &late);
    assert_eq!(
        error_code(&response),
        Some("InvalidParameterValue"),
        "{response}"
    );
}

/// A one-page PDF whose content stream is a comment of `len` bytes or so.
fn big_pdf(len: usize) -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
    ];
    let mut pdf = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (index, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", index + 1).as_bytes());
    }
    offsets.push(pdf.len());
    let mut stream = b"% ".to_vec();
    stream.resize(len, b'x');
    stream.push(b'\n');
    pdf.extend_from_slice(format!("4 0 obj\n<< /Length {} >>\nstream\n", stream.len()).as_bytes());
    pdf.extend_from_slice(&stream);
    pdf.extend_from_slice(b"endstream\nendobj\n");
    let xref = pdf.len();
    pdf.extend_from_slice(b"xref\n0 5\n0000000000 65535 f \n");
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    pdf
}

#[test]
fn a_client_that_stops_reading_its_download_is_cut_off() {
    let dir = TempDir::new("hostile-reader");
    let server = start(&dir, "", "write_timeout_ms = 300");
    let addr = server.addr();
    // Far more than the socket buffers of both ends can hold.
    let pdf = big_pdf(32 * 1024 * 1024);
    let upload = json!({
        "BusinessType": "DOCUMENT",
        "Caller": {"OperatorId": ADMIN.2},
        "FileInfos": [{"FileName": "big.pdf",
                       "FileBody": base64::engine::general_purpose::STANDARD.encode(&pdf)}],
    });
    let uploaded = call(addr, &addr.to_string(), "ess", "UploadFiles", &upload);
    let file_id = uploaded["FileIds"][0].as_str().unwrap().to_owned();
    let signed = call(
        addr,
        &addr.to_string(),
        "ess",
        "CreateFileCounterSign",
        &json!({"FileId": file_id, "SyncMode": true, "Operator": {"UserId": ADMIN.2}}),
    );
    assert_eq!(signed["Status"], "FINISHED", "{signed}");
    let urls = call(
        addr,
        &addr.to_string(),
        "ess",
        "DescribeFileUrls",
        &json!({"BusinessType": "DIGITFILE", "BusinessIds": [signed["ResultFileId"]],
                "Operator": {"UserId": ADMIN.2}}),
    );
    let url = urls["FileUrls"][0]["Url"].as_str().unwrap();
    let path = url.strip_prefix(&format!("http://{addr}")).unwrap();

    let mut stream = TcpStream::connect(addr).unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    // Stall well past the write timeout, then take whatever the server had sent.
    std::thread::sleep(Duration::from_secs(3));
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut received = Vec::new();
    let _ = stream.read_to_end(&mut received);
    assert!(
        received.len() < pdf.len(),
        "the whole {} bytes arrived after stalling: the server waited",
        received.len()
    );
    assert!(received.starts_with(b"HTTP/1.1 200"));
}
