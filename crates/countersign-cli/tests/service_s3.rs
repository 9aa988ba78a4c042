//! File bytes in an S3-compatible object store: the blob store against a real S3 server started
//! by the test (moto's, from PyPI: not our code), and two `countersign serve` replicas sharing
//! one PostgreSQL database and one bucket — upload on one, counter-sign (sync and async) and
//! download on the other; the results verify (pyHanko and the crate's verifier, against the test
//! root), and the objects are really in the bucket, as boto3 lists it.
//! Skipped (with `skipped: ...`) when moto is missing, except under CI=true.

#![cfg(all(feature = "postgres", feature = "s3"))]

#[path = "../../../tests/common/mod.rs"]
mod common;
#[path = "../../countersign-ess/tests/service/pg_support.rs"]
mod pg_support;
#[path = "../../countersign-ess/tests/service/support.rs"]
mod support;

use std::collections::BTreeSet;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use countersign_ess::__private::{random_id, result_file_id};
use countersign_ess::config::S3Config;
use countersign_ess::store::{BlobStore, S3BlobStore};
use serde_json::{Value, json};
use support::*;

const BUCKET: &str = "countersign-test";
const ACCESS_KEY: &str = "testing-access-key";
const SECRET_KEY: &str = "testing-secret-key";

/// moto's S3 server on a free loopback port; killed on drop.
struct S3Server {
    child: Child,
    endpoint: String,
    python: PathBuf,
}

impl S3Server {
    /// `None` after printing `skipped: ...` when moto is not installed (panics under CI=true).
    fn start() -> Option<Self> {
        let bin = repo_root().join(".venv").join("bin");
        let (server, python) = (bin.join("moto_server"), bin.join("python3"));
        if !server.is_file() {
            let why = "moto_server not found in .venv (pip install 'moto[server]')";
            assert!(!ci(), "{why}, but CI=true requires it (see .ci/run)");
            eprintln!("skipped: {why}");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            python,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto_server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        server.boto3(&format!("s3.create_bucket(Bucket='{BUCKET}')"));
        Some(server)
    }

    /// Runs Python `code` with `s3`, a boto3 client of this server; returns its standard output.
    fn boto3(&self, code: &str) -> String {
        let script = format!(
            "import boto3\ns3 = boto3.client('s3', endpoint_url='{}', region_name='us-east-1', \
             aws_access_key_id='{ACCESS_KEY}', aws_secret_access_key='{SECRET_KEY}')\n{code}\n",
            self.endpoint
        );
        let out = Command::new(&self.python)
            .args(["-c", &script])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "boto3: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// The keys in the bucket under `prefix`, as boto3 lists them.
    fn keys(&self, prefix: &str) -> BTreeSet<String> {
        self.boto3(&format!(
            "for page in s3.get_paginator('list_objects_v2').paginate(Bucket='{BUCKET}', Prefix='{prefix}'):\n    \
             for item in page.get('Contents', []): print(item['Key'], item['Size'])"
        ))
        .lines()
        .map(str::to_owned)
        .collect()
    }

    fn config(&self) -> S3Config {
        let mut config = S3Config::default();
        config.endpoint = Some(self.endpoint.clone());
        config.region = Some("us-east-1".into());
        config.access_key_id = Some(ACCESS_KEY.into());
        config.secret_access_key = Some(SECRET_KEY.into());
        config.allow_http = Some(true);
        config
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn blob_store_on_s3_streams_writes_and_reads_and_keeps_the_first_result() {
    let Some(server) = S3Server::start() else {
        return;
    };
    let store = S3BlobStore::open(BUCKET, "unit/", &server.config()).unwrap();
    assert!(format!("{store:?}").contains("s3://countersign-test/unit"));
    let id = random_id();
    assert_eq!(store.get(&id).unwrap(), None);
    assert!(store.open(&id).unwrap().is_none());
    store.put(&id, b"first").unwrap();
    store.put(&id, b"second").unwrap();
    assert_eq!(store.get(&id).unwrap().as_deref(), Some(&b"second"[..]));

    // 20 MiB + 3 bytes written in small pieces: a multipart upload of three parts, read back as
    // a stream in small reads.
    let big: Vec<u8> = (0..20 * 1024 * 1024 + 3)
        .map(|i: usize| (i % 251) as u8)
        .collect();
    let big_id = random_id();
    let written = store
        .put_streamed(&big_id, &mut |out| {
            for piece in big.chunks(100_000) {
                out.write_all(piece)?;
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(written, big.len() as u64);
    let mut blob = store.open(&big_id).unwrap().unwrap();
    assert_eq!(blob.len, big.len() as u64);
    let mut read = Vec::new();
    let mut buffer = [0u8; 7000];
    loop {
        let count = blob.reader.read(&mut buffer).unwrap();
        if count == 0 {
            break;
        }
        read.extend_from_slice(&buffer[..count]);
    }
    assert!(
        read == big,
        "the streamed read differs from what was written"
    );
    // A write whose producer fails leaves nothing behind, not even a part.
    let failed_id = random_id();
    let failed = store.put_streamed(&failed_id, &mut |out| {
        out.write_all(&big)?;
        Err(countersign_ess::StoreError::Rejected("bad input".into()))
    });
    assert!(failed.is_err());
    assert_eq!(store.get(&failed_id).unwrap(), None);
    let pending = server.boto3(&format!(
        "print(len(s3.list_multipart_uploads(Bucket='{BUCKET}').get('Uploads', [])))"
    ));
    assert_eq!(pending.trim(), "0");

    // Two replicas finishing the same task: the first result stays.
    let result = random_id();
    assert!(store.put_new(&result, b"first result").unwrap());
    let other = S3BlobStore::open(BUCKET, "unit", &server.config()).unwrap();
    assert!(!other.put_new(&result, b"second result").unwrap());
    assert_eq!(
        other.get(&result).unwrap().as_deref(),
        Some(&b"first result"[..])
    );

    let keys = server.keys("unit/");
    for (key, size) in [(&id, 6), (&big_id, big.len()), (&result, 12)] {
        assert!(keys.contains(&format!("unit/{key} {size}")), "{keys:?}");
    }
    store.delete(&id).unwrap();
    store.delete(&id).unwrap();
    assert_eq!(store.get(&id).unwrap(), None);
    assert!(store.put("../../etc/passwd", b"x").is_err());
}

/// Downloads the result of `task` through `replica` (DescribeFileUrls, then GET).
fn download(replica: &ServeProcess, result_id: &str) -> Vec<u8> {
    let urls = api(
        replica.addr,
        ADMIN,
        "DescribeFileUrls",
        &json!({
            "Operator": {"UserId": ADMIN.2}, "BusinessType": "DIGITFILE", "BusinessIds": [result_id],
        }),
    );
    assert_eq!(urls["TotalCount"], 1, "{urls}");
    let url = urls["FileUrls"][0]["Url"].as_str().unwrap();
    let path = url
        .strip_prefix(&format!("http://{}", replica.addr))
        .unwrap();
    let (status, bytes) = http(replica.addr, "GET", path, &[], b"");
    assert_eq!(status, 200);
    bytes
}

#[test]
fn two_replicas_share_one_database_and_one_bucket() {
    let Some(s3) = S3Server::start() else {
        return;
    };
    let Some(pg) = pg_support::PgServer::start("s3") else {
        return;
    };
    let dir = TempDir::new("s3-replicas");
    let url = pg.create_database("s3_replicas");
    let top = format!(
        "store = \"{url}\"\nblobs = \"s3://{BUCKET}/replicas\"\n[s3]\nendpoint = \"{}\"\n\
         region = \"us-east-1\"\naccess_key_id = \"{ACCESS_KEY}\"\n\
         secret_access_key = \"{SECRET_KEY}\"\nallow_http = true\n",
        s3.endpoint
    );
    // `[s3]` opens a table: the generated settings must come before it, so they go last here.
    let config_path = write_config(dir.path(), 100, 2);
    let generated = std::fs::read_to_string(&config_path).unwrap();
    let (head, rest) = generated.split_once("[[organizations]]").unwrap();
    std::fs::write(
        &config_path,
        format!("{head}\n{top}\n[[organizations]]{rest}"),
    )
    .unwrap();
    let (first, second) = (
        ServeProcess::start(&config_path, &dir.path().join("data-a")),
        ServeProcess::start(&config_path, &dir.path().join("data-b")),
    );

    let original = std::fs::read(test_pdf("classic.pdf")).unwrap();
    let uploaded = api(
        first.addr,
        ADMIN,
        "UploadFiles",
        &json!({
            "BusinessType": "DOCUMENT", "Caller": {"OperatorId": ADMIN.2},
            "FileInfos": [{"FileName": "classic.pdf",
                           "FileBody": base64::engine::general_purpose::STANDARD.encode(&original)}],
        }),
    );
    let file_id = uploaded["FileIds"][0].as_str().unwrap().to_owned();
    let sign = |sync: bool| -> Value {
        api(
            second.addr,
            ADMIN,
            "CreateFileCounterSign",
            &json!({"FileId": file_id, "Operator": {"UserId": ADMIN.2}, "SyncMode": sync}),
        )
    };
    let sync = sign(true);
    assert_eq!(sync["Status"], "FINISHED", "{sync}");
    let sync_result = sync["ResultFileId"].as_str().unwrap().to_owned();
    let task = sign(false)["TaskId"].as_str().unwrap().to_owned();
    let done = wait_task(first.addr, ADMIN, &task, Duration::from_secs(120));
    assert_eq!(done["Status"], "FINISHED", "{done}");
    let async_result = result_file_id(&task);
    assert_eq!(done["ResultFileId"], async_result.as_str());

    let root = std::fs::read(pki("root-ca.cert.pem")).unwrap();
    let options = countersign::VerifyOptions::trusting(
        countersign::crypto::credential::trust_roots_from_pem(&root).unwrap(),
    );
    for (result, via) in [(&sync_result, &second), (&async_result, &first)] {
        let signed = download(via, result);
        assert!(signed.starts_with(&original), "not an incremental update");
        let report = countersign::verify_pdf(&signed, &options).unwrap();
        assert!(report.all_valid(), "{report:?}");
        let path = dir.path().join(format!("{result}.pdf"));
        std::fs::write(&path, &signed).unwrap();
        let pyhanko = common::pyhanko_validate(&path, &common::root_ca_pem());
        if !pyhanko.skipped {
            assert!(pyhanko.all_intact_valid_trusted(), "pyHanko: {pyhanko:?}");
        }
        println!(
            "{result}: {} bytes, verified (crate verifier{})",
            signed.len(),
            if pyhanko.skipped { "" } else { ", pyHanko" }
        );
    }

    // The bytes are in the bucket, not in either replica's data folder.
    let keys = s3.keys("replicas/");
    println!("bucket: {keys:?}");
    for id in [&file_id, &sync_result, &async_result] {
        assert!(
            keys.iter()
                .any(|key| key.starts_with(&format!("replicas/{id} "))),
            "{id} not in {keys:?}"
        );
    }
    for data in ["data-a", "data-b"] {
        assert!(!dir.path().join(data).join("files").exists());
    }
    drop((first, second));
}
