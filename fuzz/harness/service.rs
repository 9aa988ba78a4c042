//! `service_request` target: arbitrary JSON bodies and headers into [`Service::handle`], the
//! service's whole request handling (TC3 authentication, rate limit, action dispatch, store).
//!
//! Input: `mode` byte, then header lines (`Name: value\n`), an empty line, and the body.
//! - `mode & 0x80 == 0`: the harness signs the request correctly with the demo administrator's
//!   SecretKey (so the fuzzer reaches the actions); `mode % 8` picks the action, 7 = take
//!   `X-TC-Action` from the fuzzed headers. Fuzzed headers are added after signing.
//! - `mode & 0x80 != 0`: the fuzzed headers are the whole request (hostile authentication).
//!
//! In bodies, `$FILE` is replaced by the id of a PDF uploaded at start-up, and `$PDF` by that PDF
//! in base64, so the fuzzer can reach signing and verification without guessing random ids.
//!
//! Checks: no panic; the answer is `{"Response": {..., "RequestId": "..."}}`; an error has a
//! non-empty `Code` and a `Message`; an `InternalError` is a finding (bad input is not internal).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use countersign_ess::__private::authorization_header;
use countersign_ess::__private::{Demo, demo};
use countersign_ess::SignedRequest;
use countersign_ess::store::{BlobStore, SqliteStore};
use countersign_ess::{API_VERSION, PdfEngine, Service, StoreError};
use serde_json::Value;

const ACTIONS: [&str; 7] = [
    "UploadFiles",
    "CreateFileCounterSign",
    "DescribeFileCounterSignResult",
    "DescribeFileUrls",
    "VerifyDigitFile",
    "DescribeFlowInfo",
    "",
];

/// Uploaded bytes kept in memory; cleared when they pass this size so a long run stays bounded.
const MAX_BLOB_BYTES: usize = 64 << 20;

#[derive(Default)]
struct MemoryBlobs(Mutex<HashMap<String, Vec<u8>>>);

impl BlobStore for MemoryBlobs {
    fn put(&self, id: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let mut blobs = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if blobs.values().map(Vec::len).sum::<usize>() > MAX_BLOB_BYTES {
            blobs.clear();
        }
        blobs.insert(id.to_owned(), bytes.to_vec());
        Ok(())
    }

    fn get(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let blobs = self.0.lock().unwrap_or_else(|p| p.into_inner());
        Ok(blobs.get(id).cloned())
    }

    fn delete(&self, id: &str) -> Result<(), StoreError> {
        let mut blobs = self.0.lock().unwrap_or_else(|p| p.into_inner());
        blobs.remove(id);
        Ok(())
    }
}

struct Fixture {
    service: Service,
    demo: Demo,
    file_id: String,
    pdf_base64: String,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut demo = demo().expect("demo configuration");
        // No worker threads (asynchronous tasks are recorded, SyncMode signs inline) and no rate
        // limit in the way of the fuzzer.
        demo.config.workers = Some(0);
        demo.config.rate_limit = u32::MAX;
        let metadata = Arc::new(SqliteStore::open(":memory:".as_ref()).expect("in-memory SQLite"));
        let service = Service::with_stores(
            &demo.config,
            demo.keys.clone(),
            metadata,
            Arc::new(MemoryBlobs::default()),
            Arc::new(PdfEngine::default()),
        )
        .expect("service starts");
        let pdf = include_bytes!("../../testdata/pdf/classic.pdf");
        let pdf_base64 = base64_encode(pdf);
        let user = &demo.user_id;
        let body = format!(r#"{{"BusinessType":"DOCUMENT","Caller":{{"OperatorId":"{user}"}},"FileInfos":[{{"FileBody":"{pdf_base64}","FileName":"a.pdf"}}]}}"#);
        let answer = service
            .call(&demo.user_id, "UploadFiles", body.as_bytes())
            .expect("the seed upload succeeds");
        let file_id = answer["FileIds"][0]
            .as_str()
            .expect("UploadFiles answers a FileId")
            .to_owned();
        Fixture {
            service,
            demo,
            file_id,
            pdf_base64,
        }
    })
}

fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn split_request(rest: &[u8]) -> (Vec<(String, String)>, Vec<u8>) {
    let (head, body) = match rest.windows(2).position(|w| w == b"\n\n") {
        Some(at) => (&rest[..at], &rest[at + 2..]),
        None => (&[][..], rest),
    };
    let headers = String::from_utf8_lossy(head)
        .lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    (headers, body.to_vec())
}

pub fn check_service_request(input: &[u8]) {
    let Some((&mode, rest)) = input.split_first() else {
        return;
    };
    let fixture = fixture();
    let (fuzzed_headers, body) = split_request(rest);
    let body = substitute(&body, fixture);
    let headers = if mode & 0x80 != 0 {
        fuzzed_headers
    } else {
        signed_headers(mode, fuzzed_headers, &body, fixture)
    };
    let request = SignedRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        body: &body,
    };
    let answer = fixture.service.handle(&request);
    check_answer(&answer);
}

fn substitute(body: &[u8], fixture: &Fixture) -> Vec<u8> {
    let text = String::from_utf8_lossy(body);
    if !text.contains('$') {
        return body.to_vec();
    }
    text.replace("$FILE", &fixture.file_id)
        .replace("$PDF", &fixture.pdf_base64)
        .into_bytes()
}

fn signed_headers(
    mode: u8,
    fuzzed: Vec<(String, String)>,
    body: &[u8],
    fixture: &Fixture,
) -> Vec<(String, String)> {
    let fuzzed_action = fuzzed
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("X-TC-Action"))
        .map(|(_, value)| value.clone());
    let action = match ACTIONS.get(usize::from(mode % 8)) {
        Some(action) => (*action).to_owned(),
        None => fuzzed_action.unwrap_or_default(),
    };
    let now = countersign_ess::__private::unix_now();
    let mut headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("Host".to_owned(), "ess.tencentcloudapi.com".to_owned()),
        ("X-TC-Action".to_owned(), action),
        ("X-TC-Version".to_owned(), API_VERSION.to_owned()),
        ("X-TC-Timestamp".to_owned(), now.to_string()),
    ];
    let authorization = {
        let request = SignedRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            body,
        };
        authorization_header(
            &request,
            &fixture.demo.secret_id,
            &fixture.demo.secret_key,
            "ess",
            now,
        )
    };
    headers.push(("Authorization".to_owned(), authorization));
    // Fuzzed headers come after the genuine ones: the service must use the first of duplicates
    // consistently, or reject them, but never panic.
    headers.extend(
        fuzzed
            .into_iter()
            .filter(|(name, _)| !name.eq_ignore_ascii_case("X-TC-Action")),
    );
    headers
}

fn check_answer(answer: &Value) {
    let response = answer
        .get("Response")
        .and_then(Value::as_object)
        .unwrap_or_else(|| panic!("no Response object: {answer}"));
    assert!(
        response
            .get("RequestId")
            .and_then(Value::as_str)
            .is_some_and(|id| !id.is_empty()),
        "no RequestId: {answer}"
    );
    if let Some(error) = response.get("Error") {
        let code = error
            .get("Code")
            .and_then(Value::as_str)
            .unwrap_or_default();
        assert!(!code.is_empty(), "error without a Code: {answer}");
        assert!(
            error.get("Message").is_some_and(Value::is_string),
            "error without a Message: {answer}"
        );
        assert!(
            !code.starts_with("InternalError"),
            "bad input reported as an internal error: {answer}"
        );
    }
}
