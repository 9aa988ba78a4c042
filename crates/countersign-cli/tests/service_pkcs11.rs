//! `countersign serve` with an organisation whose key is on a PKCS#11 token (SoftHSM2,
//! `credential = { pkcs11 = { module, token, key_label, pin_file } }`): synchronous and
//! asynchronous CreateFileCounterSign sign inside the token, and the results verify with our
//! verifier, pdfsig and pyHanko. Without SoftHSM2 the test prints `skipped: …` (it fails under
//! `CI=true`).

#![cfg(feature = "pkcs11")]

#[path = "../../../tests/common/mod.rs"]
mod common;
#[path = "../../countersign-ess/tests/service/support.rs"]
mod support;

use std::time::Duration;

use base64::Engine;
use common::softhsm::{SoftHsm, standard_tokens};
use countersign_ess::__private::result_file_id;
use serde_json::json;
use support::*;

/// The test deployment with organisation `hsm` signing with the P-256 key of token `ec`.
fn write_config_with_token(dir: &std::path::Path, hsm: &SoftHsm) -> std::path::PathBuf {
    let path = write_config(dir, 100, 2);
    let text = std::fs::read_to_string(&path).unwrap();
    let (head, tail) = text.split_once("id = \"hsm\"").unwrap();
    let (before, after) = tail.split_once("credential = ").unwrap();
    let (_, rest) = after.split_once('\n').unwrap();
    let credential = format!(
        "credential = {{ pkcs11 = {{ module = \"{}\", token = \"ec\", key_label = \"demo-p256\", pin_file = \"{}\", sessions = 2 }} }}",
        hsm.module.display(),
        hsm.pin_file.display()
    );
    std::fs::write(
        &path,
        format!("{head}id = \"hsm\"{before}{credential}\n{rest}"),
    )
    .unwrap();
    path
}

fn download(replica: &ServeProcess, result_id: &str) -> Vec<u8> {
    let urls = api(
        replica.addr,
        HSM,
        "DescribeFileUrls",
        &json!({
            "Operator": {"UserId": HSM.2}, "BusinessType": "DIGITFILE", "BusinessIds": [result_id],
        }),
    );
    let url = urls["FileUrls"][0]["Url"].as_str().unwrap();
    let path = url
        .strip_prefix(&format!("http://{}", replica.addr))
        .unwrap();
    let (status, bytes) = http(replica.addr, "GET", path, &[], b"");
    assert_eq!(status, 200);
    bytes
}

#[test]
fn an_organisation_key_on_a_token_signs_through_the_service() {
    let Some(hsm) = SoftHsm::new("service-pkcs11", &standard_tokens()) else {
        return;
    };
    // The serve child inherits it; this binary signs nothing itself.
    hsm.use_in_this_process();
    let dir = TempDir::new("service-pkcs11");
    let config = write_config_with_token(dir.path(), &hsm);
    let service = ServeProcess::start(&config, &dir.path().join("data"));

    let original = std::fs::read(test_pdf("classic.pdf")).unwrap();
    let uploaded = api(
        service.addr,
        HSM,
        "UploadFiles",
        &json!({
            "BusinessType": "DOCUMENT", "Caller": {"OperatorId": HSM.2},
            "FileInfos": [{"FileName": "classic.pdf",
                           "FileBody": base64::engine::general_purpose::STANDARD.encode(&original)}],
        }),
    );
    let file_id = uploaded["FileIds"][0].as_str().unwrap().to_owned();
    let sign = |sync: bool| {
        api(
            service.addr,
            HSM,
            "CreateFileCounterSign",
            &json!({"FileId": file_id, "Operator": {"UserId": HSM.2}, "SyncMode": sync}),
        )
    };
    let sync = sign(true);
    assert_eq!(sync["Status"], "FINISHED", "{sync}");
    let sync_result = sync["ResultFileId"].as_str().unwrap().to_owned();
    let task = sign(false)["TaskId"].as_str().unwrap().to_owned();
    let done = wait_task(service.addr, HSM, &task, Duration::from_secs(60));
    assert_eq!(done["Status"], "FINISHED", "{done}");

    let root = std::fs::read(pki("root-ca.cert.pem")).unwrap();
    let options = countersign::VerifyOptions::trusting(
        countersign::crypto::credential::trust_roots_from_pem(&root).unwrap(),
    );
    for result in [sync_result, result_file_id(&task)] {
        let signed = download(&service, &result);
        assert!(signed.starts_with(&original), "not an incremental update");
        let report = countersign::verify_pdf(&signed, &options).unwrap();
        assert!(report.all_valid(), "{report:?}");
        assert!(
            report.signatures[0].signer_subject.contains("P-256"),
            "signed with the token's key: {}",
            report.signatures[0].signer_subject
        );
        let path = dir.path().join(format!("{result}.pdf"));
        std::fs::write(&path, &signed).unwrap();
        let acceptance = common::acceptance::check_signed_output(
            &original,
            &signed,
            &path,
            &common::root_ca_pem(),
            &[],
        );
        acceptance.assert_ok(&result);
        println!("{result}: {:?}", acceptance.summary);
    }
}
