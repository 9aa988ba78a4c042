//! An organisation whose credential is SM2 counter-signs with SM2 (the demo's `demo-sm2`), and
//! VerifyDigitFile reports it as ESS reports algorithms (JCA style: `SM3withSM2`). The stored
//! result is checked by OpenSSL and gmssl, not only by our verifier.

#[path = "../../../tests/common/mod.rs"]
mod common;

use std::sync::Arc;

use base64::Engine as _;
use common::validators::{
    SM2_STANDARD_ID, cms_signed_attributes_and_signature, gmssl_sm2_verify, openssl_sm2_verify,
    openssl_sm3, signature_parts,
};
use countersign_ess::__private::demo;
use countersign_ess::{PdfEngine, Service};
use serde_json::{Value, json};

fn call(service: &Service, user: &str, action: &str, body: Value) -> Value {
    service
        .call(user, action, body.to_string().as_bytes())
        .unwrap_or_else(|e| panic!("{action}: {e:?}"))
}

#[test]
fn the_demo_sm2_organisation_counter_signs_with_sm2_and_verify_reports_it() {
    let demo = demo().unwrap();
    let dir = common::TempDir::new("service-sm2");
    let service = Service::open(
        &demo.config,
        demo.keys,
        &dir.path().join("data"),
        Arc::new(PdfEngine::default()),
    )
    .unwrap();
    let user = "demo-sm2-clerk";
    let pdf = common::read_pdf("classic.pdf");
    let uploaded = call(
        &service,
        user,
        "UploadFiles",
        json!({
            "BusinessType": "DOCUMENT", "Caller": {"OperatorId": user},
            "FileInfos": [{"FileName": "contract.pdf",
                           "FileBody": base64::engine::general_purpose::STANDARD.encode(&pdf)}],
        }),
    );
    let file_id = uploaded["FileIds"][0].as_str().unwrap();
    let signed = call(
        &service,
        user,
        "CreateFileCounterSign",
        json!({"FileId": file_id, "Operator": {"UserId": user}, "SyncMode": true}),
    );
    let result_id = signed["ResultFileId"].as_str().unwrap();

    let verified = call(
        &service,
        user,
        "VerifyDigitFile",
        json!({"FileId": result_id, "Operator": {"UserId": user}}),
    );
    assert_eq!(verified["VerifyResult"], 1, "{verified}");
    let results = verified["VerifyDigitFileResults"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["SignAlgorithm"], "SM3withSM2", "{verified}");

    let urls = call(
        &service,
        user,
        "DescribeFileUrls",
        json!({"Operator": {"UserId": user}, "BusinessType": "DIGITFILE", "BusinessIds": [result_id]}),
    );
    let url = urls["FileUrls"][0]["Url"].as_str().unwrap();
    let token = url.split("/download/").nth(1).unwrap();
    let bytes = service.download(token).unwrap().bytes;
    assert!(bytes.starts_with(&pdf));
    let out = common::TempDir::new("service-sm2-out");
    common::qpdf_check(&out.write("signed.pdf", &bytes)).assert_ok("qpdf --check");
    let (covered, cms) = signature_parts(&bytes).remove(0);
    let (attributes, signature) = cms_signed_attributes_and_signature(&cms);
    if let Ok(sm3) = openssl_sm3(&covered) {
        assert!(
            attributes.windows(sm3.len()).any(|w| w == sm3),
            "messageDigest is the SM3 of the ByteRange"
        );
    }
    openssl_sm2_verify(
        &common::pki_path("sm2-signer.pub.pem"),
        SM2_STANDARD_ID,
        &attributes,
        &signature,
    )
    .assert_ok("openssl pkeyutl over the signed attributes");
    let certificate = std::fs::read(common::pki_path("sm2-signer.cert.pem")).unwrap();
    let point = sm2_point(&certificate);
    gmssl_sm2_verify(&point, &attributes, &signature)
        .verdict
        .assert_ok("gmssl over the signed attributes");
}

fn sm2_point(certificate_pem: &[u8]) -> Vec<u8> {
    use der::DecodePem;
    let certificate = x509_cert::Certificate::from_pem(certificate_pem).unwrap();
    certificate
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes()
        .to_vec()
}
