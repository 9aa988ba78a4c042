//! Service-level tests with a stand-in engine: permissions, quota, error mapping, durability.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

use super::config::ServiceConfig;
use super::testing::{FAKE_SIGNATURE, FakeEngine, TempDir};
use super::*;

const CONFIG: &str = r#"
workers = 1
[rate_limits]
VerifyDigitFile = 3

[[organizations]]
id = "group"
quota = 100
credential = { pkcs12 = "unused.p12" }
[[organizations]]
id = "sub"
parent = "group"
quota = 2
credential = { pkcs12 = "unused.p12" }
[[organizations]]
id = "stranger-org"
quota = 100
credential = { pkcs12 = "unused.p12" }

[[employees]]
user_id = "admin"
organization = "group"
permissions = ["upload", "counter_sign", "verify", "download"]
secrets = [{ id = "AKIDadmin", key = "admin-secret" }]
[[employees]]
user_id = "uploader"
organization = "group"
permissions = ["upload"]
secrets = [{ id = "AKIDuploader", key = "uploader-secret" }]
[[employees]]
user_id = "clerk"
organization = "sub"
permissions = ["upload", "counter_sign", "verify", "download"]
[[employees]]
user_id = "leaver"
organization = "group"
permissions = ["upload", "counter_sign", "verify", "download"]
active = false
[[employees]]
user_id = "stranger"
organization = "stranger-org"
permissions = ["upload", "counter_sign", "verify", "download"]
"#;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

fn open(dir: &TempDir, workers: usize, engine: Arc<FakeEngine>) -> Service {
    open_configured(dir, workers, engine, |_| {})
}

fn open_configured(
    dir: &TempDir,
    workers: usize,
    engine: Arc<FakeEngine>,
    configure: impl FnOnce(&mut ServiceConfig),
) -> Service {
    let mut config = ServiceConfig::from_toml(CONFIG, dir.path()).unwrap();
    config.workers = Some(workers);
    configure(&mut config);
    let key = demo::demo()
        .unwrap()
        .keys
        .remove(demo::GROUP_ORGANIZATION_ID)
        .unwrap();
    let keys = config
        .organizations
        .iter()
        .map(|o| (o.id.clone(), key.clone()))
        .collect();
    let service = Service::open(&config, keys, &dir.path().join("data"), engine).unwrap();
    service.set_default_public_url("http://localhost:1");
    service
}

fn call(service: &Service, user: &str, action: &str, body: Value) -> Result<Value, ApiError> {
    service.call(user, action, body.to_string().as_bytes())
}

fn code(result: Result<Value, ApiError>) -> ErrorCode {
    result.unwrap_err().code
}

fn upload(service: &Service, user: &str, agent: Option<&str>, bytes: &[u8]) -> String {
    let body = json!({
        "BusinessType": "DOCUMENT",
        "Caller": {"OperatorId": user},
        "Agent": {"ProxyOrganizationId": agent.unwrap_or("")},
        "FileInfos": [{"FileName": "a.pdf", "FileBody": base64::engine::general_purpose::STANDARD.encode(bytes)}],
    });
    let response = call(service, user, "UploadFiles", body).unwrap();
    assert_eq!(response["TotalCount"], 1);
    response["FileIds"][0].as_str().unwrap().to_owned()
}

fn sign(
    service: &Service,
    user: &str,
    agent: Option<&str>,
    file: &str,
    sync: bool,
) -> Result<Value, ApiError> {
    let body = json!({
        "FileId": file,
        "Operator": {"UserId": user},
        "Agent": {"ProxyOrganizationId": agent.unwrap_or("")},
        "SyncMode": sync,
    });
    call(service, user, "CreateFileCounterSign", body)
}

fn wait_for(service: &Service, user: &str, task: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let body = json!({"TaskId": task, "Operator": {"UserId": user}});
        let result = call(service, user, "DescribeFileCounterSignResult", body).unwrap();
        if result["Status"] != "PROCESSING" || Instant::now() > deadline {
            return result;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sync_and_async_signing_then_download_and_verify() {
    let dir = TempDir::new("svc-flow");
    let engine = Arc::new(FakeEngine::default());
    let service = open(&dir, 1, Arc::clone(&engine));
    let file = upload(&service, "admin", None, PDF);

    let sync = sign(&service, "admin", None, &file, true).unwrap();
    assert_eq!(sync["Status"], "FINISHED");
    let result_id = sync["ResultFileId"].as_str().unwrap().to_owned();
    assert_eq!(
        result_id,
        ids::result_file_id(sync["TaskId"].as_str().unwrap())
    );

    let pending = sign(&service, "admin", None, &file, false).unwrap();
    assert_eq!(pending["Status"], "PROCESSING");
    assert_eq!(pending["ResultFileId"], "");
    let done = wait_for(&service, "admin", pending["TaskId"].as_str().unwrap());
    assert_eq!(done["Status"], "FINISHED");
    assert_eq!(done["ErrorDetail"], "");

    let urls = call(&service, "admin", "DescribeFileUrls", json!({
        "Operator": {"UserId": "admin"}, "BusinessType": "DIGITFILE", "BusinessIds": [result_id], "UrlTtl": 60,
    }))
    .unwrap();
    assert_eq!(urls["TotalCount"], 1);
    let url = urls["FileUrls"][0]["Url"].as_str().unwrap();
    let token = url.strip_prefix("http://localhost:1/download/").unwrap();
    let download = service.download(token).unwrap();
    assert_eq!(download.bytes, [PDF, FAKE_SIGNATURE].concat());
    assert_eq!(
        service.download(&token.replace('.', "x")).unwrap_err().code,
        ErrorCode::ResourceNotFound
    );

    let verified = call(
        &service,
        "admin",
        "VerifyDigitFile",
        json!({
            "Operator": {"UserId": "admin"}, "FileId": result_id,
        }),
    )
    .unwrap();
    assert_eq!(verified["VerifyResult"], 1);
    assert_eq!(
        verified["PdfResourceMd5"],
        actions::verify_digit_file::md5_upper_hex(&download.bytes)
    );
    let unsigned = call(
        &service,
        "admin",
        "VerifyDigitFile",
        json!({
            "Operator": {"UserId": "admin"}, "FileId": file,
        }),
    )
    .unwrap();
    assert_eq!(unsigned["VerifyResult"], 2);
    assert_eq!(engine.signatures.load(Ordering::SeqCst), 2);
    assert_eq!(service.balance("group").unwrap(), Some(98));
}

#[test]
fn permissions_and_data_access() {
    let dir = TempDir::new("svc-perm");
    let service = open(&dir, 1, Arc::new(FakeEngine::default()));
    let file = upload(&service, "admin", None, PDF);

    // Missing operator, operator other than the credential's employee, permission not held.
    let no_operator = call(
        &service,
        "admin",
        "CreateFileCounterSign",
        json!({"FileId": file}),
    );
    assert_eq!(code(no_operator), ErrorCode::MissingParameter);
    assert_eq!(
        code(sign(&service, "admin", None, "", true)),
        ErrorCode::MissingParameter
    );
    // The organisation's key acts for any active employee it names, within their permissions.
    let as_admin = call(
        &service,
        "uploader",
        "CreateFileCounterSign",
        json!({"FileId": file, "Operator": {"UserId": "admin"}, "SyncMode": true}),
    );
    assert_eq!(as_admin.unwrap()["Status"], "FINISHED");
    let named = |credential: &str, operator: &str| {
        code(call(
            &service,
            credential,
            "CreateFileCounterSign",
            json!({"FileId": file, "Operator": {"UserId": operator}, "SyncMode": true}),
        ))
    };
    assert_eq!(named("admin", "ghost"), ErrorCode::UserNotFound);
    assert_eq!(named("stranger", "admin"), ErrorCode::UserNotInOrganization);
    assert_eq!(named("admin", "leaver"), ErrorCode::UserNotInOrganization);
    assert_eq!(
        named("admin", "uploader"),
        ErrorCode::OperatorHasNoPermission
    );
    assert_eq!(
        code(sign(&service, "uploader", None, &file, true)),
        ErrorCode::OperatorHasNoPermission
    );

    // Another organisation's file; a proxy without relation; unknown file and task.
    assert_eq!(
        code(sign(&service, "stranger", None, &file, true)),
        ErrorCode::NoResourceAccess
    );
    assert_eq!(
        code(sign(&service, "clerk", Some("group"), &file, true)),
        ErrorCode::NoResourceAccess
    );
    assert_eq!(
        code(sign(&service, "admin", Some("stranger-org"), &file, true)),
        ErrorCode::NoResourceAccess
    );
    assert_eq!(
        code(sign(
            &service,
            "admin",
            None,
            "0123456789abcdef0123456789abcdef",
            true
        )),
        ErrorCode::ResourceNotFound
    );
    let unknown_task = call(
        &service,
        "admin",
        "DescribeFileCounterSignResult",
        json!({"TaskId": "nope", "Operator": {"UserId": "admin"}}),
    );
    assert_eq!(code(unknown_task), ErrorCode::ResourceNotFound);

    // The group acts for its subsidiary: the file belongs to, and is signed by, the subsidiary.
    let sub_file = upload(&service, "admin", Some("sub"), PDF);
    assert_eq!(
        code(sign(&service, "admin", None, &sub_file, true)),
        ErrorCode::NoResourceAccess
    );
    let signed = sign(&service, "admin", Some("sub"), &sub_file, true).unwrap();
    assert_eq!(signed["Status"], "FINISHED");
    assert_eq!(service.balance("sub").unwrap(), Some(1));
    assert_eq!(service.balance("group").unwrap(), Some(99));
    // The subsidiary's own employee sees it; the group without Agent does not.
    let task = signed["TaskId"].as_str().unwrap();
    let seen = call(
        &service,
        "clerk",
        "DescribeFileCounterSignResult",
        json!({"TaskId": task, "Operator": {"UserId": "clerk"}}),
    );
    assert_eq!(seen.unwrap()["Status"], "FINISHED");
    let hidden = call(
        &service,
        "admin",
        "DescribeFileCounterSignResult",
        json!({"TaskId": task, "Operator": {"UserId": "admin"}}),
    );
    assert_eq!(code(hidden), ErrorCode::NoResourceAccess);
}

#[test]
fn documents_beyond_the_memory_budget_wait_or_are_refused_without_charge() {
    let dir = TempDir::new("svc-memory");
    let budget = memory::document_cost(PDF.len() as u64);
    let service = open_configured(&dir, 1, Arc::new(FakeEngine::default()), |config| {
        config.limits.max_document_memory_bytes = budget;
        config.limits.document_memory_wait_ms = 0;
    });
    let file = upload(&service, "admin", None, PDF);
    let signed = sign(&service, "admin", None, &file, true).unwrap();
    let result = signed["ResultFileId"].as_str().unwrap().to_owned();
    assert_eq!(service.balance("group").unwrap(), Some(99));

    // Another request is reading a document that takes the whole budget.
    let busy = service.core.memory.reserve(PDF.len() as u64).unwrap();
    let verify = json!({"Operator": {"UserId": "admin"}, "FileId": result});
    assert_eq!(
        code(call(&service, "admin", "VerifyDigitFile", verify.clone())),
        ErrorCode::ResourceInsufficient
    );
    assert_eq!(
        code(sign(&service, "admin", None, &file, true)),
        ErrorCode::ResourceInsufficient
    );
    assert_eq!(service.balance("group").unwrap(), Some(99));
    let urls = json!({
        "Operator": {"UserId": "admin"}, "BusinessType": "DIGITFILE", "BusinessIds": [result, result],
    });
    assert_eq!(
        code(call(&service, "admin", "DescribeFileUrls", urls.clone())),
        ErrorCode::ResourceInsufficient
    );
    // An accepted task waits for room instead of failing.
    let pending = sign(&service, "admin", None, &file, false).unwrap();
    let task = pending["TaskId"].as_str().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let body = json!({"TaskId": task, "Operator": {"UserId": "admin"}});
    let status = call(&service, "admin", "DescribeFileCounterSignResult", body).unwrap();
    assert_eq!(status["Status"], "PROCESSING");

    drop(busy);
    assert_eq!(wait_for(&service, "admin", task)["Status"], "FINISHED");
    assert_eq!(
        call(&service, "admin", "VerifyDigitFile", verify).unwrap()["VerifyResult"],
        1
    );
    // The repeated id is one file (issue 20 item 5), read once for its page sizes.
    let listed = call(&service, "admin", "DescribeFileUrls", urls).unwrap();
    assert_eq!(listed["FileUrls"].as_array().map(Vec::len), Some(1));
    assert!(listed["FileUrls"][0]["Option"].is_string());
    assert_eq!(service.core.memory.reserved(), 0);
}

#[test]
fn quota_and_engine_errors() {
    let dir = TempDir::new("svc-quota");
    let service = open(&dir, 1, Arc::new(FakeEngine::default()));
    let pdf = upload(&service, "clerk", None, PDF);
    let encrypted = upload(&service, "clerk", None, b"%PDF-1.7\n/Encrypt 5 0 R\n");
    let hsm_down = upload(&service, "clerk", None, b"%PDF-1.7\nHSM-DOWN\n");
    let text = json!({
        "BusinessType": "DOCUMENT", "Caller": {"OperatorId": "clerk"},
        "FileInfos": [{"FileName": "notes.txt", "FileBody": base64::engine::general_purpose::STANDARD.encode("hello, not a pdf")}],
    });
    assert_eq!(
        code(call(&service, "clerk", "UploadFiles", text)),
        ErrorCode::InvalidFileType
    );

    let refused = sign(&service, "clerk", None, &encrypted, true).unwrap_err();
    assert_eq!(refused.code, ErrorCode::FailedOperation);
    assert!(refused.message.contains("encrypted"), "{}", refused.message);
    assert_eq!(
        code(sign(&service, "clerk", None, &hsm_down, true)),
        ErrorCode::InternalErrorApi
    );
    // Failures gave their signature back: the balance of 2 is intact.
    assert_eq!(service.balance("sub").unwrap(), Some(2));

    let failed = sign(&service, "clerk", None, &encrypted, false).unwrap();
    let failed = wait_for(&service, "clerk", failed["TaskId"].as_str().unwrap());
    assert_eq!(failed["Status"], "FAILED");
    assert!(
        failed["ErrorDetail"]
            .as_str()
            .unwrap()
            .contains("encrypted")
    );

    assert!(sign(&service, "clerk", None, &pdf, true).is_ok());
    assert!(sign(&service, "clerk", None, &pdf, true).is_ok());
    assert_eq!(
        code(sign(&service, "clerk", None, &pdf, true)),
        ErrorCode::BalanceNotEnough
    );
    assert_eq!(
        code(sign(&service, "clerk", None, &pdf, false)),
        ErrorCode::BalanceNotEnough
    );
    assert_eq!(service.balance("sub").unwrap(), Some(0));
}

#[test]
fn upload_bodies_with_json_escapes_are_decoded() {
    let dir = TempDir::new("svc-escapes");
    let service = open(&dir, 1, Arc::new(FakeEngine::default()));
    // Bytes whose base64 has '/' and '+', which some JSON writers escape (`\/`, `\u002B`).
    let bytes = [PDF, &[0xff, 0xff, 0xff, 0xfb, 0xef, 0xbe][..]].concat();
    let text = base64::engine::general_purpose::STANDARD.encode(&bytes);
    assert!(text.contains('/') && text.contains('+'), "{text}");
    let escaped = text.replace('/', "\\/").replace('+', "\\u002B");
    let body = format!(
        r#"{{"BusinessType": "DOCUMENT", "Caller": {{"OperatorId": "admin"}},
            "FileInfos": [{{"FileName": "a.pdf", "FileBody": "{escaped}"}}]}}"#
    );
    let response = service
        .call("admin", "UploadFiles", body.as_bytes())
        .unwrap();
    let id = response["FileIds"][0].as_str().unwrap();
    assert_eq!(service.core.blobs.get(id).unwrap().unwrap(), bytes);
}

#[test]
fn upload_and_url_parameters_are_checked() {
    let dir = TempDir::new("svc-params");
    let service = open(&dir, 1, Arc::new(FakeEngine::default()));
    let user = json!({"OperatorId": "admin"});
    let file = json!({"FileName": "a.pdf", "FileBody": "JVBERi0="});
    let too_many =
        json!({"BusinessType": "DOCUMENT", "Caller": user, "FileInfos": vec![file.clone(); 21]});
    assert_eq!(
        code(call(&service, "admin", "UploadFiles", too_many)),
        ErrorCode::LimitExceeded
    );
    let bad_base64 =
        json!({"BusinessType": "DOCUMENT", "Caller": user, "FileInfos": [{"FileBody": "***"}]});
    assert_eq!(
        code(call(&service, "admin", "UploadFiles", bad_base64)),
        ErrorCode::InvalidParameterValue
    );
    let past =
        json!({"BusinessType": "DOCUMENT", "Caller": user, "FileInfos": [file], "Deadline": 5});
    assert_eq!(
        code(call(&service, "admin", "UploadFiles", past)),
        ErrorCode::InvalidParameterValue
    );
    let no_files = json!({"BusinessType": "DOCUMENT", "Caller": user});
    assert_eq!(
        code(call(&service, "admin", "UploadFiles", no_files)),
        ErrorCode::MissingParameter
    );
    let ok = json!({"BusinessType": "DOCUMENT", "Caller": user, "FileInfos": vec![file; 20]});
    let ok = call(&service, "admin", "UploadFiles", ok).unwrap();
    assert_eq!(ok["TotalCount"], 20);
    let deadline = ok["Deadline"].as_i64().unwrap();
    assert!((deadline - clock::unix_now() - 3600).abs() <= 2);
    assert_eq!(
        code(service.call("admin", "UploadFiles", b"{not json")),
        ErrorCode::InvalidParameter
    );

    let uploaded = ok["FileIds"][0].as_str().unwrap();
    let urls = |ttl: i64, id: &str| {
        call(
            &service,
            "admin",
            "DescribeFileUrls",
            json!({
                "Operator": {"UserId": "admin"}, "BusinessType": "DIGITFILE", "BusinessIds": [id], "UrlTtl": ttl,
            }),
        )
    };
    assert_eq!(
        code(urls(86_401, uploaded)),
        ErrorCode::InvalidParameterValue
    );
    assert_eq!(code(urls(-1, uploaded)), ErrorCode::InvalidParameterValue);
    // An upload is not a counter-signed file.
    assert_eq!(code(urls(10, uploaded)), ErrorCode::ResourceNotFound);
}

#[test]
fn accepted_tasks_survive_a_restart() {
    let dir = TempDir::new("svc-crash");
    let (task, result_id) = {
        // No workers: the task is accepted and recorded, then the process "dies".
        let service = open(&dir, 0, Arc::new(FakeEngine::default()));
        let file = upload(&service, "admin", None, PDF);
        let pending = sign(&service, "admin", None, &file, false).unwrap();
        let task = pending["TaskId"].as_str().unwrap().to_owned();
        assert_eq!(
            service.task_status(&task).unwrap(),
            Some(store::TaskStatus::Processing)
        );
        (task.clone(), ids::result_file_id(&task))
    };
    let engine = Arc::new(FakeEngine::default());
    let service = open(&dir, 1, Arc::clone(&engine));
    let done = wait_for(&service, "admin", &task);
    assert_eq!(done["Status"], "FINISHED");
    assert_eq!(done["ResultFileId"], result_id.as_str());
    assert_eq!(engine.signatures.load(Ordering::SeqCst), 1);
    assert_eq!(service.balance("group").unwrap(), Some(99));
}

#[test]
fn a_task_that_keeps_killing_its_process_is_given_up_after_max_attempts() {
    let dir = TempDir::new("svc-crashloop");
    let task = {
        let service = open(&dir, 0, Arc::new(FakeEngine::default()));
        let file = upload(&service, "admin", None, PDF);

        sign(&service, "admin", None, &file, false).unwrap()["TaskId"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // Three starts, each claiming the task (as a worker does) and dying before it ends.
    for attempt in 1..=3 {
        let service = open(&dir, 0, Arc::new(FakeEngine::default()));
        let claimed = service
            .core
            .metadata
            .claim_task(&task, clock::unix_now(), &service.core.claims)
            .unwrap()
            .expect("the dead run's lease is released at start");
        assert_eq!(claimed.attempts, attempt);
        // While the lease holds, nobody else may run it.
        assert!(
            service
                .core
                .metadata
                .claim_task(&task, clock::unix_now(), &service.core.claims)
                .unwrap()
                .is_none()
        );
    }
    let engine = Arc::new(FakeEngine::default());
    let service = open(&dir, 1, Arc::clone(&engine));
    let failed = wait_for(&service, "admin", &task);
    assert_eq!(failed["Status"], "FAILED");
    assert_eq!(
        failed["ErrorDetail"],
        "abandoned after 3 attempts: the process running it stopped each time"
    );
    assert_eq!(engine.signatures.load(Ordering::SeqCst), 0);
    // Given up means not charged.
    assert_eq!(service.balance("group").unwrap(), Some(100));
}

#[test]
fn a_result_written_before_the_crash_is_recorded_not_signed_again() {
    let dir = TempDir::new("svc-idem");
    let task = {
        let service = open(&dir, 0, Arc::new(FakeEngine::default()));
        let file = upload(&service, "admin", None, PDF);
        let task = sign(&service, "admin", None, &file, false).unwrap()["TaskId"]
            .as_str()
            .unwrap()
            .to_owned();
        // The crash came after the result's rename but before the database commit.
        let result = [PDF, FAKE_SIGNATURE].concat();
        service
            .core
            .blobs
            .put(&ids::result_file_id(&task), &result)
            .unwrap();
        task
    };
    let engine = Arc::new(FakeEngine::default());
    let service = open(&dir, 1, Arc::clone(&engine));
    assert_eq!(wait_for(&service, "admin", &task)["Status"], "FINISHED");
    assert_eq!(engine.signatures.load(Ordering::SeqCst), 0);
}

fn signed_request<'a>(
    headers: &'a mut Vec<(String, String)>,
    body: &'a [u8],
    action: &str,
    secret: (&str, &str),
    timestamp: i64,
) -> SignedRequest<'a> {
    headers.clear();
    headers.extend([
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("Host".to_owned(), "127.0.0.1:1".to_owned()),
        ("X-TC-Action".to_owned(), action.to_owned()),
        ("X-TC-Version".to_owned(), API_VERSION.to_owned()),
        ("X-TC-Timestamp".to_owned(), timestamp.to_string()),
    ]);
    let unsigned = SignedRequest {
        method: "POST",
        path: "/",
        query: "",
        headers,
        body,
    };
    let authorization = auth::authorization_header(&unsigned, secret.0, secret.1, "ess", timestamp);
    headers.push(("Authorization".to_owned(), authorization));
    SignedRequest {
        method: "POST",
        path: "/",
        query: "",
        headers,
        body,
    }
}

#[test]
fn api_requests_are_authenticated_and_rate_limited() {
    let dir = TempDir::new("svc-api");
    let service = open(&dir, 1, Arc::new(FakeEngine::default()));
    let body =
        json!({"Operator": {"UserId": "admin"}, "FileId": "0123456789abcdef0123456789abcdef"})
            .to_string();
    let mut headers = Vec::new();
    let now = clock::unix_now();
    let error_code = |response: &Value| {
        response["Response"]["Error"]["Code"]
            .as_str()
            .map(str::to_owned)
    };

    let request = signed_request(
        &mut headers,
        body.as_bytes(),
        "VerifyDigitFile",
        ("AKIDadmin", "admin-secret"),
        now,
    );
    let response = service.handle(&request);
    assert_eq!(error_code(&response).as_deref(), Some("ResourceNotFound"));
    assert_eq!(
        response["Response"]["RequestId"].as_str().unwrap().len(),
        36
    );

    let wrong = signed_request(
        &mut headers,
        body.as_bytes(),
        "VerifyDigitFile",
        ("AKIDadmin", "guess"),
        now,
    );
    assert_eq!(
        error_code(&service.handle(&wrong)).as_deref(),
        Some("AuthFailure.SignatureFailure")
    );
    let unknown = signed_request(
        &mut headers,
        body.as_bytes(),
        "VerifyDigitFile",
        ("AKIDnobody", "x"),
        now,
    );
    assert_eq!(
        error_code(&service.handle(&unknown)).as_deref(),
        Some("AuthFailure.SecretIdNotFound")
    );
    let stale = signed_request(
        &mut headers,
        body.as_bytes(),
        "VerifyDigitFile",
        ("AKIDadmin", "admin-secret"),
        now - 600,
    );
    assert_eq!(
        error_code(&service.handle(&stale)).as_deref(),
        Some("AuthFailure.SignatureExpire")
    );
    let bogus = signed_request(
        &mut headers,
        body.as_bytes(),
        "DeleteEverything",
        ("AKIDadmin", "admin-secret"),
        now,
    );
    assert_eq!(
        error_code(&service.handle(&bogus)).as_deref(),
        Some("InvalidAction")
    );

    // VerifyDigitFile is limited to 3 per second: the first request above used one token.
    let codes: Vec<Option<String>> = (0..4)
        .map(|_| {
            let request = signed_request(
                &mut headers,
                body.as_bytes(),
                "VerifyDigitFile",
                ("AKIDadmin", "admin-secret"),
                now,
            );
            error_code(&service.handle(&request))
        })
        .collect();
    let limited = codes
        .iter()
        .filter(|c| c.as_deref() == Some("RequestLimitExceeded"))
        .count();
    assert!((2..=3).contains(&limited), "{codes:?}");
    // Another action of the same organisation has its own bucket. (Signed anew: the signature
    // above, sent again under another action, would be refused as a replay.)
    let request = signed_request(
        &mut headers,
        body.as_bytes(),
        "CreateFileCounterSign",
        ("AKIDadmin", "admin-secret"),
        now - 1,
    );
    assert_eq!(
        error_code(&service.handle(&request)).as_deref(),
        Some("ResourceNotFound")
    );
}

/// v1 signatures cover the action and a nonce, but not against a second use: a v1
/// CreateFileCounterSign sent twice is refused the second time, a read repeated is answered.
#[test]
fn a_v1_signature_is_not_accepted_twice_for_a_state_changing_action() {
    let dir = TempDir::new("svc-v1-replay");
    let service = open(&dir, 0, Arc::new(FakeEngine::default()));
    let now = clock::unix_now();
    let v1 = |action: &str, nonce: &str| {
        let mut params: Vec<(String, String)> = [
            ("Action", action),
            ("Version", API_VERSION),
            ("Nonce", nonce),
            ("SecretId", "AKIDadmin"),
            ("SignatureMethod", "HmacSHA256"),
            ("Timestamp", &now.to_string()),
            ("Operator.UserId", "admin"),
            ("FileId", "0123456789abcdef0123456789abcdef"),
            ("TaskId", "0123456789abcdef0123456789abcdef"),
        ]
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
        let text = auth_v1::string_to_sign("POST", "127.0.0.1:1", "/", &params);
        let signature = auth_v1::signature("admin-secret", &text, auth_v1::Method::HmacSha256);
        params.push(("Signature".to_owned(), signature));
        params
            .iter()
            .map(|(name, value)| {
                format!(
                    "{name}={}",
                    value
                        .replace('+', "%2B")
                        .replace('/', "%2F")
                        .replace('=', "%3D")
                )
            })
            .collect::<Vec<_>>()
            .join("&")
    };
    let headers = vec![
        ("Host".to_owned(), "127.0.0.1:1".to_owned()),
        (
            "Content-Type".to_owned(),
            "application/x-www-form-urlencoded".to_owned(),
        ),
    ];
    let code = |body: &str| {
        let request = SignedRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            body: body.as_bytes(),
        };
        service.handle(&request)["Response"]["Error"]["Code"]
            .as_str()
            .map(str::to_owned)
    };
    let sign = v1("CreateFileCounterSign", "1");
    assert_eq!(code(&sign).as_deref(), Some("ResourceNotFound"));
    assert_eq!(code(&sign).as_deref(), Some("AuthFailure.SignatureFailure"));
    // Another nonce is another request.
    assert_eq!(
        code(&v1("CreateFileCounterSign", "2")).as_deref(),
        Some("ResourceNotFound")
    );
    let read = v1("DescribeFileCounterSignResult", "3");
    for _ in 0..3 {
        assert_eq!(code(&read).as_deref(), Some("ResourceNotFound"));
    }
}

#[test]
fn the_node_sdk_scope_service_is_accepted_only_for_the_host_it_names() {
    assert!(super::scope_service_matches("ess", Some("127.0.0.1:8080")));
    assert!(super::scope_service_matches("127", Some("127.0.0.1:8080")));
    assert!(super::scope_service_matches(
        "localhost:8080",
        Some("localhost:8080")
    ));
    assert!(!super::scope_service_matches("cvm", Some("127.0.0.1:8080")));
    assert!(!super::scope_service_matches("", Some("")));
    assert!(!super::scope_service_matches("127", None));
}

/// Signs as [`FakeEngine`] does, except its first call: that one blocks until released and then,
/// if `first_call_dies`, dies (panics), as a runner whose process is killed in the middle of a
/// signature.
struct DyingEngine {
    first_call_dies: bool,
    inner: FakeEngine,
    calls: std::sync::atomic::AtomicUsize,
    entered: std::sync::Mutex<std::sync::mpsc::Sender<usize>>,
    release: std::sync::Mutex<std::sync::mpsc::Receiver<()>>,
}

impl Engine for DyingEngine {
    fn sign(&self, pdf: &[u8], key: &CertifiedKey) -> Result<Vec<u8>, countersign::Error> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let _ = self.entered.lock().unwrap().send(call);
        if call == 1 {
            let _ = self.release.lock().unwrap().recv();
            assert!(
                !self.first_call_dies,
                "simulated death of the runner in the middle of a signature (expected)"
            );
        }
        self.inner.sign(pdf, key)
    }

    fn verify(
        &self,
        pdf: &[u8],
        trust_roots: &[x509_cert::Certificate],
    ) -> Result<countersign::VerifyReport, countersign::Error> {
        self.inner.verify(pdf, trust_roots)
    }
}

/// Polls `condition` for up to 20 s (real time: it waits for threads, never for a lease).
fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A service with two workers, leases of 1 s on a clock the test moves (returned), and an engine
/// whose first signature waits for `release`; `entered` hears of each signature started.
fn service_with_a_lease_clock(
    dir: &TempDir,
    first_call_dies: bool,
) -> (
    Service,
    Arc<std::sync::atomic::AtomicI64>,
    std::sync::mpsc::Receiver<usize>,
    std::sync::mpsc::Sender<()>,
) {
    let (entered_sender, entered) = std::sync::mpsc::channel();
    let (release, release_receiver) = std::sync::mpsc::channel();
    let engine = Arc::new(DyingEngine {
        first_call_dies,
        inner: FakeEngine::default(),
        calls: Default::default(),
        entered: std::sync::Mutex::new(entered_sender),
        release: std::sync::Mutex::new(release_receiver),
    });
    let mut config = ServiceConfig::from_toml(CONFIG, dir.path()).unwrap();
    // Two workers: while one runs the task, the other looks for free tasks every poll.
    config.workers = Some(2);
    config.task_lease_seconds = 1;
    let key = demo::demo()
        .unwrap()
        .keys
        .remove(demo::GROUP_ORGANIZATION_ID)
        .unwrap();
    let keys = config
        .organizations
        .iter()
        .map(|o| (o.id.clone(), key.clone()))
        .collect();
    let now = Arc::new(std::sync::atomic::AtomicI64::new(clock::unix_now()));
    let stores = open_stores(&config, &dir.path().join("data")).unwrap();
    let clock = clock::LeaseClock::Manual(Arc::clone(&now));
    let service = Service::start(&config, keys, stores, engine, clock).unwrap();
    (service, now, entered, release)
}

#[test]
fn a_run_longer_than_its_lease_keeps_its_task_until_its_runner_dies() {
    let dir = TempDir::new("svc-heartbeat");
    let (service, now, entered, release) = service_with_a_lease_clock(&dir, true);
    // Declared after the service, so dropped before it if the test fails: the blocked run then
    // ends and the service's drop does not wait for it forever.
    let release = release;
    let file = upload(&service, "admin", None, PDF);
    let task = sign(&service, "admin", None, &file, false).unwrap()["TaskId"]
        .as_str()
        .unwrap()
        .to_owned();
    let timeout = Duration::from_secs(20);
    assert_eq!(entered.recv_timeout(timeout).unwrap(), 1);
    let metadata = &service.core.metadata;
    let record = || metadata.task(&task).unwrap().unwrap();
    let first_lease = record().lease_until.unwrap();

    // Six seconds, six leases, pass on the lease clock one at a time while the run signs: each
    // time its heartbeat renews the lease (every third of a second), and nobody else can claim
    // the task.
    for _ in 0..6 {
        let at = now.fetch_add(1, Ordering::SeqCst) + 1;
        wait_until("a renewal", || record().lease_until == Some(at + 1));
        let policy = &service.core.claims;
        assert!(metadata.claim_task(&task, at, policy).unwrap().is_none());
    }
    assert!(now.load(Ordering::SeqCst) > first_lease + 3);
    assert_eq!(record().attempts, 1);

    // The runner dies mid-signature: its heartbeat stops, and once its last lease ran out the
    // other worker takes the task over (a jump of more than a lease, until it does, since a
    // renewal may still land while the dying run unwinds).
    release.send(()).unwrap();
    let mut taken_over = None;
    for _ in 0..20 {
        now.fetch_add(2, Ordering::SeqCst);
        taken_over = entered.recv_timeout(Duration::from_secs(1)).ok();
        if taken_over.is_some() {
            break;
        }
    }
    assert_eq!(taken_over, Some(2));
    assert_eq!(wait_for(&service, "admin", &task)["Status"], "FINISHED");
    assert_eq!(record().attempts, 2);
    // One task, one charge.
    assert_eq!(service.balance("group").unwrap(), Some(99));
}

#[test]
fn a_synchronous_run_longer_than_its_lease_keeps_its_task() {
    let dir = TempDir::new("svc-heartbeat-sync");
    let (service, now, entered, release) = service_with_a_lease_clock(&dir, false);
    let file = upload(&service, "admin", None, PDF);
    std::thread::scope(|scope| {
        // Moved in: a failing assertion drops it, which ends the blocked signature.
        let release = release;
        let answer = scope.spawn(|| sign(&service, "admin", None, &file, true));
        assert_eq!(entered.recv_timeout(Duration::from_secs(20)).unwrap(), 1);
        let metadata = &service.core.metadata;
        let task = metadata.processing_tasks().unwrap().remove(0).id;
        let record = || metadata.task(&task).unwrap().unwrap();
        // Four leases pass while the request signs; the heartbeat keeps the other worker off.
        for _ in 0..4 {
            let at = now.fetch_add(1, Ordering::SeqCst) + 1;
            wait_until("a renewal", || record().lease_until == Some(at + 1));
            let policy = &service.core.claims;
            assert!(metadata.claim_task(&task, at, policy).unwrap().is_none());
        }
        release.send(()).unwrap();
        let answer = answer.join().unwrap().unwrap();
        assert_eq!(answer["Status"], "FINISHED");
        assert_eq!(record().attempts, 1);
        assert_eq!(record().lease_until, None);
    });
    assert!(entered.try_recv().is_err(), "signed twice");
    assert_eq!(service.balance("group").unwrap(), Some(99));
}

// --- Counter-signing over tampering (issue 19), with the real engine.

/// `classic.pdf` signed with the demo key, then an update after signing that replaces the
/// content stream of page 1 (object 4): the signature's bytes stay intact, the page does not.
fn tampered_pdf(key: &countersign::crypto::CertifiedKey) -> Vec<u8> {
    let classic = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/pdf/classic.pdf"
    ))
    .unwrap();
    let mut pdf =
        countersign::sign_pdf(&classic, key, &countersign::SignOptions::default()).unwrap();
    let (prev, size) = (
        last_number_after(&pdf, "startxref"),
        last_number_after(&pdf, "/Size"),
    );
    let object =
        "4 0 obj\n<< /Length 27 >>\nstream\nBT /F1 24 Tf (Forged) Tj ET\nendstream\nendobj\n";
    let xref = pdf.len() + object.len();
    let update = format!(
        "{object}xref\n4 1\n{:010} 00000 n \ntrailer\n<< /Size {size} /Root 1 0 R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n",
        pdf.len()
    );
    pdf.extend_from_slice(update.as_bytes());
    pdf
}

/// The number after the last `key` in `pdf` (the signed file's startxref and trailer /Size: its
/// last update has a classic xref table).
fn last_number_after(pdf: &[u8], key: &str) -> u64 {
    let text = String::from_utf8_lossy(pdf);
    let after = &text[text.rfind(key).unwrap() + key.len()..];
    let digits: String = after
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

fn open_real(dir: &TempDir, config: &str) -> (Service, countersign::crypto::CertifiedKey) {
    let mut config = ServiceConfig::from_toml(config, dir.path()).unwrap();
    config.workers = Some(1);
    let key = demo::demo()
        .unwrap()
        .keys
        .remove(demo::GROUP_ORGANIZATION_ID)
        .unwrap();
    let keys = config
        .organizations
        .iter()
        .map(|o| (o.id.clone(), key.clone()))
        .collect();
    let engine: Arc<dyn Engine> = Arc::new(PdfEngine::default());
    let service = Service::open(&config, keys, &dir.path().join("data"), engine).unwrap();
    service.set_default_public_url("http://localhost:1");
    (service, key)
}

fn verify_result(service: &Service, user: &str, file: &str) -> Value {
    let body = json!({"FileId": file, "Operator": {"UserId": user}});
    call(service, user, "VerifyDigitFile", body).unwrap()
}

#[test]
fn a_file_with_a_tampered_signature_is_refused_and_not_charged() {
    let dir = TempDir::new("svc-tampered");
    let (service, key) = open_real(&dir, CONFIG);
    let tampered = upload(&service, "clerk", None, &tampered_pdf(&key));

    let refused = sign(&service, "clerk", None, &tampered, true).unwrap_err();
    assert_eq!(refused.code, ErrorCode::FailedOperation);
    assert!(
        refused.message.starts_with(
            "existing signature Signature1 is not valid: modified after signing (other)"
        ),
        "{}",
        refused.message
    );
    assert!(refused.message.contains("4 0 R"), "{}", refused.message);
    assert!(refused.message_in(Language::Chinese).contains("拒绝加签"));

    let task = sign(&service, "clerk", None, &tampered, false).unwrap();
    let failed = wait_for(&service, "clerk", task["TaskId"].as_str().unwrap());
    assert_eq!(failed["Status"], "FAILED");
    assert_eq!(failed["ResultFileId"], "");
    let detail = failed["ErrorDetail"].as_str().unwrap();
    assert!(
        detail.contains("Signature1") && detail.contains("(other)"),
        "{detail}"
    );
    // Neither refusal used one of the subsidiary's 2 signatures.
    assert_eq!(service.balance("sub").unwrap(), Some(2));

    // An honest signed file is counter-signed, and the result verifies.
    let classic = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/pdf/classic.pdf"
    ))
    .unwrap();
    let signed =
        countersign::sign_pdf(&classic, &key, &countersign::SignOptions::default()).unwrap();
    let honest = upload(&service, "clerk", None, &signed);
    let done = sign(&service, "clerk", None, &honest, true).unwrap();
    assert_eq!(done["Status"], "FINISHED");
    let result = done["ResultFileId"].as_str().unwrap();
    assert_eq!(verify_result(&service, "clerk", result)["VerifyResult"], 1);
    assert_eq!(service.balance("sub").unwrap(), Some(1));
}

#[test]
fn a_file_whose_signature_bytes_were_changed_is_refused() {
    let dir = TempDir::new("svc-broken");
    let (service, key) = open_real(&dir, CONFIG);
    let classic = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/pdf/classic.pdf"
    ))
    .unwrap();
    let mut signed =
        countersign::sign_pdf(&classic, &key, &countersign::SignOptions::default()).unwrap();
    let at = signed.windows(6).position(|w| w == b"Page 1").unwrap();
    signed[at + 5] = b'9';
    let broken = upload(&service, "admin", None, &signed);
    let refused = sign(&service, "admin", None, &broken, true).unwrap_err();
    assert_eq!(refused.code, ErrorCode::FailedOperation);
    assert!(
        refused.message.contains("Signature1")
            && refused
                .message
                .contains("message-digest attribute does not match"),
        "{}",
        refused.message
    );
    assert_eq!(service.balance("group").unwrap(), Some(100));
}

#[test]
fn an_organisation_may_allow_counter_signing_broken_files() {
    let dir = TempDir::new("svc-allow-broken");
    let config = CONFIG.replace(
        "id = \"sub\"\nparent = \"group\"",
        "id = \"sub\"\nparent = \"group\"\nallow_broken_signatures = true",
    );
    assert_ne!(config, CONFIG);
    let (service, key) = open_real(&dir, &config);
    let pdf = tampered_pdf(&key);
    let allowed = upload(&service, "clerk", None, &pdf);
    let done = sign(&service, "clerk", None, &allowed, true).unwrap();
    assert_eq!(done["Status"], "FINISHED");
    assert_eq!(service.balance("sub").unwrap(), Some(1));
    // The group did not opt out: the same file is refused to it.
    let refused = upload(&service, "admin", None, &pdf);
    assert_eq!(
        code(sign(&service, "admin", None, &refused, true)),
        ErrorCode::FailedOperation
    );

    // VerifyDigitFile judges the result: the first signature was followed by other changes.
    let result = done["ResultFileId"].as_str().unwrap();
    let verified = verify_result(&service, "clerk", result);
    assert_eq!(verified["VerifyResult"], 2, "{verified}");
    assert_eq!(
        verified["VerifyDigitFileResults"].as_array().unwrap().len(),
        2
    );
}

#[test]
fn verify_digit_file_fails_a_file_modified_after_signing() {
    let dir = TempDir::new("svc-verify-other");
    let (service, key) = open_real(&dir, CONFIG);
    let pdf = tampered_pdf(&key);
    let report = service
        .core
        .engine
        .verify(&pdf, &service.core.trust_roots)
        .unwrap();
    let problem = report.signatures[0]
        .problems
        .iter()
        .find(|p| matches!(p, countersign::Problem::ModifiedAfterSigning { .. }))
        .expect("the verifier names the modification");
    assert!(
        problem
            .to_string()
            .starts_with("modified after signing (other)"),
        "{problem}"
    );
    let file = upload(&service, "admin", None, &pdf);
    let verified = verify_result(&service, "admin", &file);
    assert_eq!(verified["VerifyResult"], 2, "{verified}");
    // The response has ESS's fields only; the reason is what the refusal to counter-sign says.
    let refused = sign(&service, "admin", None, &file, true).unwrap_err();
    assert!(
        refused.message.contains(&problem.to_string()),
        "{}",
        refused.message
    );
}

/// Issue 22: a permissions-only encrypted PDF (empty user password) is signed and verified with
/// no new parameter; one that needs a password is refused with the reason and what to do.
#[test]
fn encrypted_files_sign_when_they_open_without_a_password() {
    let dir = TempDir::new("svc-encrypted");
    let mut config = ServiceConfig::from_toml(CONFIG, dir.path()).unwrap();
    config.workers = Some(1);
    let key = demo::demo()
        .unwrap()
        .keys
        .remove(demo::GROUP_ORGANIZATION_ID)
        .unwrap();
    let keys = config
        .organizations
        .iter()
        .map(|o| (o.id.clone(), key.clone()))
        .collect();
    let engine = Arc::new(engine::PdfEngine::default());
    let service = Service::open(&config, keys, &dir.path().join("data"), engine).unwrap();
    let testdata = |name: &str| {
        std::fs::read(format!(
            "{}/../../testdata/pdf/encrypted/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };

    let permissions_only = upload(&service, "admin", None, &testdata("r4-aes128.pdf"));
    let signed = sign(&service, "admin", None, &permissions_only, true).unwrap();
    assert_eq!(signed["Status"], "FINISHED", "{signed}");
    let verified = call(
        &service,
        "admin",
        "VerifyDigitFile",
        json!({"Operator": {"UserId": "admin"}, "FileId": signed["ResultFileId"]}),
    )
    .unwrap();
    let results = verified["VerifyDigitFileResults"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{verified}");

    let needs_password = upload(&service, "admin", None, &testdata("r3-rc4-128-user.pdf"));
    let refused = sign(&service, "admin", None, &needs_password, true).unwrap_err();
    assert_eq!(refused.code, ErrorCode::FailedOperation);
    assert!(
        refused.message.contains("needs a password"),
        "{}",
        refused.message
    );
    assert!(
        refused.message.contains("takes no document password"),
        "{}",
        refused.message
    );

    let no_forms = upload(&service, "admin", None, &testdata("r4-aes128-no-forms.pdf"));
    let refused = sign(&service, "admin", None, &no_forms, true).unwrap_err();
    assert_eq!(refused.code, ErrorCode::FailedOperation);
    assert!(refused.message.contains("P bit 9"), "{}", refused.message);
    // Refusals are not charged.
    assert_eq!(service.balance("group").unwrap(), Some(99));
}
