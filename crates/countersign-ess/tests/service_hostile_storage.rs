//! `countersign serve` against hostile clients, round two (issue 20, items 4, 5, 7): what a client
//! with a valid key could do to the disk and to whoever unpacks its archives, and the modes of a
//! data folder left by an earlier run. Each test is one attack against a real server over TCP;
//! where a test waits, the bound only makes a regression fail instead of hanging.

#![cfg(feature = "server")]

#[path = "service/support.rs"]
mod support;

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use countersign_ess::server::ServerHandle;
use countersign_ess::{PdfEngine, Service, ServiceConfig, load_config_keys};
use serde_json::{Value, json};
use support::*;

/// The test deployment with `extra` appended (tables such as `[retention]`), on `data`.
fn start_on(dir: &TempDir, workers: usize, extra: &str, data: &Path) -> ServerHandle {
    let path = write_config(dir.path(), 1000, workers);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}\n{extra}\n")).unwrap();
    let config = ServiceConfig::load(&path).unwrap();
    let keys = load_config_keys(&config).unwrap();
    let service = Service::open(&config, keys, data, Arc::new(PdfEngine::default())).unwrap();
    countersign_ess::server::spawn(TcpListener::bind("127.0.0.1:0").unwrap(), service).unwrap()
}

fn start(dir: &TempDir, workers: usize, extra: &str) -> ServerHandle {
    start_on(dir, workers, extra, &dir.path().join("data"))
}

fn upload(addr: SocketAddr, name: &str, pdf: &[u8]) -> String {
    let request = json!({
        "BusinessType": "DOCUMENT",
        "Caller": {"OperatorId": ADMIN.2},
        "FileInfos": [{"FileName": name,
                       "FileBody": base64::engine::general_purpose::STANDARD.encode(pdf)}],
    });
    let response = api(addr, ADMIN, "UploadFiles", &request);
    response["FileIds"][0]
        .as_str()
        .unwrap_or_else(|| panic!("upload refused: {response}"))
        .to_owned()
}

fn counter_sign(addr: SocketAddr, file_id: &str, sync: bool) -> Value {
    let request = json!({"FileId": file_id, "SyncMode": sync, "Operator": {"UserId": ADMIN.2}});
    api(addr, ADMIN, "CreateFileCounterSign", &request)
}

fn signed_result(addr: SocketAddr, name: &str, pdf: &[u8]) -> String {
    let signed = counter_sign(addr, &upload(addr, name, pdf), true);
    assert_eq!(signed["Status"], "FINISHED", "{signed}");
    signed["ResultFileId"].as_str().unwrap().to_owned()
}

/// DescribeFileUrls as ZIP of `ids`; the one URL's path on this server.
fn zip_url(addr: SocketAddr, ids: &[&str]) -> String {
    let request = json!({"BusinessType": "DIGITFILE", "BusinessIds": ids, "FileType": "ZIP",
                         "FileName": "../../bundle", "Operator": {"UserId": ADMIN.2}});
    let response = api(addr, ADMIN, "DescribeFileUrls", &request);
    let url = response["FileUrls"][0]["Url"]
        .as_str()
        .unwrap_or_else(|| panic!("no URL: {response}"));
    url.strip_prefix(&format!("http://{addr}"))
        .unwrap()
        .to_owned()
}

fn download(addr: SocketAddr, path: &str) -> Vec<u8> {
    let host = [("Host".to_owned(), addr.to_string())];
    let (status, body) = http(addr, "GET", path, &host, b"");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    body
}

fn u16_at(bytes: &[u8], at: usize) -> usize {
    usize::from(u16::from_le_bytes([bytes[at], bytes[at + 1]]))
}

fn u32_at(bytes: &[u8], at: usize) -> usize {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize
}

/// The entries of a ZIP archive as an unpacker sees them: (name in the central directory, data),
/// after checking that each local header names the same and each CRC matches.
fn unzip(archive: &[u8]) -> Vec<(String, Vec<u8>)> {
    let end = archive.len() - 22;
    assert_eq!(u32_at(archive, end), 0x0605_4b50, "no end record");
    let mut at = u32_at(archive, end + 16);
    let mut entries = Vec::new();
    for _ in 0..u16_at(archive, end + 10) {
        assert_eq!(u32_at(archive, at), 0x0201_4b50);
        let crc = u32_at(archive, at + 16);
        let size = u32_at(archive, at + 20);
        let name_len = u16_at(archive, at + 28);
        let offset = u32_at(archive, at + 42);
        let name = archive[at + 46..at + 46 + name_len].to_vec();
        let local_name_len = u16_at(archive, offset + 26);
        assert_eq!(archive[offset + 30..offset + 30 + local_name_len], name[..]);
        let data = archive[offset + 30 + local_name_len..][..size].to_vec();
        let mut check = flate2::Crc::new();
        check.update(&data);
        assert_eq!(crc, check.sum() as usize);
        entries.push((String::from_utf8(name).unwrap(), data));
        at += 46 + name_len;
    }
    entries
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
fn zip_entry_names_cannot_leave_the_folder_they_are_unpacked_in() {
    let dir = TempDir::new("hostile-zip-slip");
    let server = start(&dir, 1, "");
    let addr = server.addr();
    let pdf = std::fs::read(test_pdf("classic.pdf")).unwrap();
    let names = [
        "../../../../tmp/x.pdf",
        "/etc/cron.d/evil.pdf",
        "..\\..\\Windows\\System32\\evil.pdf",
        "C:evil.pdf",
        "cut\u{0}.pdf/../../x.pdf",
        "X.PDF",
        "..",
    ];
    let ids: Vec<String> = names
        .iter()
        .map(|name| signed_result(addr, name, &pdf))
        .collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let entries = unzip(&download(addr, &zip_url(addr, &ids)));
    let entry_names: Vec<&str> = entries.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        entry_names,
        [
            "x-countersigned.pdf",
            "evil-countersigned.pdf",
            "evil-countersigned (2).pdf",
            "evil-countersigned (3).pdf",
            "x-countersigned (2).pdf",
            "X-countersigned (3).pdf",
            "..-countersigned.pdf",
        ]
    );
    for (name, data) in &entries {
        assert!(
            !name.contains(['/', '\\', '\0', ':']) && name != "..",
            "{name:?}"
        );
        assert!(data.starts_with(&pdf), "{name}: not the signed upload");
    }
    // The same rule for a single download's name (Content-Disposition).
    let request = json!({"BusinessType": "DIGITFILE", "BusinessIds": [ids[0]],
                         "Operator": {"UserId": ADMIN.2}});
    let url = api(addr, ADMIN, "DescribeFileUrls", &request)["FileUrls"][0]["Url"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = url.rsplit('/').next().unwrap();
    let head = raw_head(addr, &format!("/download/{token}"));
    assert!(head.contains("filename=\"x-countersigned.pdf\""), "{head}");
    let head = raw_head(addr, &zip_url(addr, &ids[..1]));
    assert!(head.contains("filename=\"bundle.zip\""), "{head}");
}

/// The head of a GET answer.
fn raw_head(addr: SocketAddr, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    text.split("\r\n\r\n").next().unwrap_or_default().to_owned()
}

/// Bytes of every file under `dir`.
fn folder_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(path) = pending.pop() {
        let metadata = std::fs::symlink_metadata(&path).unwrap();
        if metadata.is_dir() {
            pending.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            total += metadata.len();
        }
    }
    total
}

const MIB: f64 = 1024.0 * 1024.0;

#[test]
fn listing_one_result_many_times_does_not_grow_the_data_folder() {
    let dir = TempDir::new("hostile-disk");
    let server = start(&dir, 1, "");
    let addr = server.addr();
    let data = dir.path().join("data");
    let result = signed_result(addr, "big.pdf", &big_pdf(10 * 1024 * 1024));
    let before = folder_bytes(&data);
    // The attack: 5 calls, each listing one 10 MiB result 20 times, as ZIP.
    let twenty = vec![result.as_str(); 20];
    let urls: Vec<String> = (0..5).map(|_| zip_url(addr, &twenty)).collect();
    let after = folder_bytes(&data);
    println!(
        "data folder: {:.1} MiB before the 5 calls, {:.1} MiB after ({} bytes more)",
        before as f64 / MIB,
        after as f64 / MIB,
        after.saturating_sub(before)
    );
    assert!(
        after < before + 1024 * 1024,
        "the data folder grew from {before} to {after} bytes"
    );
    // Each link still serves the archive, made while it is read: one entry, the id repeated.
    let archive = download(addr, &urls[4]);
    let entries = unzip(&archive);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].0, "big-countersigned.pdf");
    assert!(entries[0].1.len() > 10 * 1024 * 1024);
    assert!(folder_bytes(&data) < before + 1024 * 1024);
    // As PDF links too: a repeated id is one file.
    let request = json!({"BusinessType": "DIGITFILE", "BusinessIds": twenty,
                         "Operator": {"UserId": ADMIN.2}});
    let response = api(addr, ADMIN, "DescribeFileUrls", &request);
    assert_eq!(response["TotalCount"], 1, "{response}");
    assert_eq!(response["FileUrls"].as_array().unwrap().len(), 1);
}

fn blob_path(data: &Path, id: &str) -> PathBuf {
    data.join("files").join("blobs").join(&id[..2]).join(id)
}

/// Waits until `done` holds or `patience` passes; whether it held.
fn wait_for(patience: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + patience;
    while !done() {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    true
}

#[test]
fn expired_files_are_swept_on_a_timer_but_not_while_a_task_needs_them() {
    let dir = TempDir::new("hostile-retention");
    let retention =
        "[retention]\nupload_seconds = 1\nresult_seconds = 1\nsweep_interval_seconds = 1";
    let data = dir.path().join("data");
    // No workers: an asynchronous task stays PROCESSING for as long as the test needs.
    let server = start(&dir, 0, retention);
    let addr = server.addr();
    let pdf = std::fs::read(test_pdf("classic.pdf")).unwrap();
    let pending_upload = upload(addr, "pending.pdf", &pdf);
    let task = counter_sign(addr, &pending_upload, false);
    assert_eq!(task["Status"], "PROCESSING", "{task}");
    let signed_upload = upload(addr, "signed.pdf", &pdf);
    let signed = counter_sign(addr, &signed_upload, true);
    let result = signed["ResultFileId"].as_str().unwrap().to_owned();
    for id in [&pending_upload, &signed_upload, &result] {
        assert!(blob_path(&data, id).is_file());
    }
    // No further upload: the sweep alone deletes the expired upload and result.
    let swept = wait_for(Duration::from_secs(60), || {
        !blob_path(&data, &signed_upload).exists() && !blob_path(&data, &result).exists()
    });
    assert!(swept, "expired files were not deleted");
    // Expired too, but its task still needs it.
    assert!(blob_path(&data, &pending_upload).is_file());
    drop(server);

    // A start with a worker signs it.
    let server = start_on(&dir, 1, retention, &data);
    let addr = server.addr();
    let task_id = task["TaskId"].as_str().unwrap();
    let done = wait_task(addr, ADMIN, task_id, Duration::from_secs(60));
    assert_eq!(done["Status"], "FINISHED", "{done}");
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

#[cfg(unix)]
#[test]
fn a_data_folder_others_can_read_is_made_private_throughout() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("hostile-modes");
    let data = dir.path().join("data");
    let server = start(&dir, 1, "");
    let pdf = std::fs::read(test_pdf("classic.pdf")).unwrap();
    upload(server.addr(), "a.pdf", &pdf);
    drop(server);
    // What an operator's `chmod -R a+rX` (or an old umask 022 copy) leaves behind.
    let mut entries = Vec::new();
    let mut pending = vec![data.clone()];
    while let Some(path) = pending.pop() {
        let readable = if path.is_dir() {
            pending.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            0o755
        } else {
            0o644
        };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(readable)).unwrap();
        entries.push(path);
    }
    assert!(entries.len() >= 7, "{entries:?}");

    drop(start(&dir, 1, ""));
    for path in &entries {
        let private = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(path), private, "{}", path.display());
    }

    // Writable by the group, deep inside: refused, naming it.
    let shard = entries
        .iter()
        .find(|path| path.parent().is_some_and(|p| p.ends_with("blobs")))
        .unwrap();
    std::fs::set_permissions(shard, std::fs::Permissions::from_mode(0o770)).unwrap();
    let config = ServiceConfig::load(&dir.path().join("service.toml")).unwrap();
    let refused = Service::open(
        &config,
        load_config_keys(&config).unwrap(),
        &data,
        Arc::new(PdfEngine::default()),
    )
    .unwrap_err()
    .to_string();
    assert!(
        refused.contains(&shard.display().to_string()) && refused.contains("770"),
        "{refused}"
    );
}
