//! PAdES B-T, B-LT and B-LTA per organisation in the service, through the official Python SDK:
//! three organisations sign at b-t, b-lt (offline CRLs) and b-lta (OCSP and CRLs fetched from the
//! loopback responders the `tsa-` certificates name), two have a TSA that is down or too slow.
//! pyHanko's AdES validation must report each downloaded file at its organisation's level,
//! trusting the test root only and fetching nothing; pdfsig must find the counter-signature
//! valid and trusted. A TSA the service does not trust fails the counter-sign too.

#![cfg(feature = "server")]

#[path = "../../../tests/common/mod.rs"]
mod common;
#[path = "service/support.rs"]
mod support;

use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use common::servers::{LocalTsa, OcspResponder, fixed_ports, start_crl_server};
use common::{pdfsig_verify, pyhanko_ades, qpdf_check, root_ca_pem};
use countersign::crypto::credential::trust_roots_from_pem;
use countersign::{VerifyOptions, verify_pdf};
use countersign_ess::{PdfEngine, Service, ServiceConfig, load_config_keys};
use serde_json::{Value, json};
use support::{TempDir, pki, python_with_sdk, run_sdk_script, test_pdf};

/// (organisation, signer credential, `[[organizations]]` lines after the credential, the level
/// pyHanko must report).
struct Org {
    id: &'static str,
    signer: &'static str,
    extra: String,
    level: &'static str,
}

fn organization(org: &Org) -> String {
    let pem = |suffix: &str| {
        pki(&format!("{}.{suffix}", org.signer))
            .display()
            .to_string()
    };
    format!(
        "[[organizations]]\nid = \"{id}\"\nname = \"{id} Ltd\"\nquota = 100\n\
         credential = {{ key = \"{}\", certificates = \"{}\" }}\n{}\n\
         [[employees]]\nuser_id = \"{id}-admin\"\norganization = \"{id}\"\n\
         permissions = [\"upload\", \"counter_sign\", \"verify\", \"download\"]\n\
         secrets = [{{ id = \"AKID{id}\", key = \"{id}-secret\" }}]\n",
        pem("key.pem"),
        pem("chain.pem"),
        org.extra,
        id = org.id,
    )
}

fn who(id: &str) -> Value {
    json!({"secret_id": format!("AKID{id}"), "secret_key": format!("{id}-secret"), "user_id": format!("{id}-admin")})
}

/// A loopback port nothing listens on.
fn dead_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn organisations_sign_at_their_configured_pades_level() {
    let Some(python) = python_with_sdk() else {
        return;
    };
    let _ports = fixed_ports();
    let Some(_ocsp) = OcspResponder::start() else {
        return;
    };
    let _crls = start_crl_server();
    let tsa = LocalTsa::start();
    let slow_tsa = LocalTsa::start_with(Duration::from_secs(5));
    let crl = |name: &str| pki(name).display().to_string();
    let signing = [
        Org {
            id: "stamped",
            signer: "demo",
            extra: format!(
                "[organizations.tsa]\nurl = \"{}\"\nlevel = \"b-t\"",
                tsa.url()
            ),
            level: "B-T",
        },
        Org {
            id: "offline",
            signer: "tsa-signer",
            extra: format!(
                "revocation = \"offline\"\nrevocation_crls = [\"{}\", \"{}\"]\n\
                 [organizations.tsa]\nurl = \"{}\"\nlevel = \"b-lt\"",
                crl("tsa-ca.crl"),
                crl("tsa-root.crl"),
                tsa.url()
            ),
            level: "B-LT",
        },
        Org {
            id: "archived",
            signer: "tsa-signer",
            extra: format!(
                "revocation = \"fetch\"\n[organizations.tsa]\nurl = \"{}\"\nlevel = \"b-lta\"\n\
                 timeout_seconds = 20\nusername = \"archiver\"\npassword = \"tsa-password\"\n\
                 headers = {{ \"X-Api-Key\" = \"k1\" }}",
                tsa.url()
            ),
            level: "B-LTA",
        },
    ];
    let failing = [
        Org {
            id: "down",
            signer: "demo",
            extra: format!(
                "[organizations.tsa]\nurl = \"http://127.0.0.1:{}/tsa\"\ntimeout_seconds = 2",
                dead_port()
            ),
            level: "",
        },
        Org {
            id: "slow",
            signer: "tsa-signer",
            extra: format!(
                "[organizations.tsa]\nurl = \"{}\"\nlevel = \"b-lta\"\ntimeout_seconds = 1",
                slow_tsa.url()
            ),
            level: "",
        },
    ];
    let dir = TempDir::new("long-term");
    let config_text = ["workers = 2\nrate_limit = 1000\n".to_owned()]
        .into_iter()
        .chain(signing.iter().chain(&failing).map(organization))
        .collect::<Vec<_>>()
        .join("\n");
    let config_path = dir.path().join("service.toml");
    std::fs::write(&config_path, &config_text).unwrap();
    let config = ServiceConfig::load(&config_path).unwrap();
    assert!(!format!("{config:?}").contains("tsa-password"));
    let keys = load_config_keys(&config).unwrap();
    let data_dir = dir.path().join("data");
    let service = Service::open(&config, keys, &data_dir, Arc::new(PdfEngine::default())).unwrap();
    let server =
        countersign_ess::server::spawn(TcpListener::bind("127.0.0.1:0").unwrap(), service).unwrap();

    let out_dir = dir.path().join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let settings = json!({
        "endpoint": server.addr().to_string(),
        "out_dir": out_dir,
        "pdf": test_pdf("classic.pdf"),
        "signing": signing.iter().map(|o| (o.id.to_owned(), who(o.id))).collect::<serde_json::Map<_, _>>(),
        "failing": failing.iter().map(|o| (o.id.to_owned(), who(o.id))).collect::<serde_json::Map<_, _>>(),
    });
    let stdout = run_sdk_script(&python, "long_term.py", &settings, dir.path());
    println!("{stdout}");
    server.stop().unwrap();

    let original = std::fs::read(test_pdf("classic.pdf")).unwrap();
    for org in &signing {
        for flow in ["sync", "async"] {
            let path = out_dir.join(format!("{}-{flow}.pdf", org.id));
            let signed = std::fs::read(&path).unwrap();
            assert!(signed.starts_with(&original), "{path:?}: not incremental");
            check_revocation_source(org.id, &signed);
            let ades = check_level(&path, &signed, org.level);
            if flow == "sync" {
                check_sign_time(&out_dir, org.id, ades.as_ref());
            }
        }
    }
    check_nothing_stored(&out_dir, &data_dir, signing.len());
}

/// The DSS holds what the organisation's revocation mode gives: OCSP responses fetched from the
/// responder the certificates name (the CRL only for the CA), or the configured CRL files.
fn check_revocation_source(org: &str, signed: &[u8]) {
    let has = |key: &[u8]| signed.windows(key.len()).any(|w| w == key);
    let (dss, ocsps, crls) = (has(b"/DSS"), has(b"/OCSPs"), has(b"/CRLs"));
    match org {
        "stamped" => assert!(!dss, "{org}: a DSS at b-t"),
        "offline" => assert!(dss && crls && !ocsps, "{org}: {dss} {ocsps} {crls}"),
        _ => assert!(dss && ocsps && crls, "{org}: {dss} {ocsps} {crls}"),
    }
}

/// qpdf, our verifier, pdfsig on the counter-signature, and pyHanko's AdES level; returns pyHanko's
/// report (`None` when pyHanko is missing outside CI).
fn check_level(path: &Path, signed: &[u8], level: &str) -> Option<Value> {
    qpdf_check(path).assert_ok(&path.display().to_string());
    let report = verify_pdf(signed, &verify_options()).unwrap();
    assert!(report.all_valid(), "{path:?}: {report:#?}");
    // pdfsig (NSS) checks the chain and fetches revocation itself from the loopback responders;
    // it cannot check document timestamps, so only the counter-signature is asserted.
    let pdfsig = pdfsig_verify(path, &root_ca_pem());
    if !pdfsig.skipped {
        let signatures: Vec<_> = pdfsig
            .signatures
            .iter()
            .filter(|s| s.signer_common_name != "Demo TSA")
            .collect();
        assert_eq!(signatures.len(), 1, "{}", pdfsig.output);
        assert!(
            signatures[0].signature_valid() && signatures[0].certificate_trusted(),
            "{}",
            pdfsig.output
        );
    }
    let ades = pyhanko_ades(path, &root_ca_pem())?;
    eprintln!("{}: pyHanko AdES {ades:#}", path.display());
    let levels: Vec<&str> = ades["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["level"].as_str().unwrap_or("none"))
        .collect();
    assert_eq!(levels, [level], "{path:?}");
    let doc_timestamps = ades["doc_timestamps"].as_u64().unwrap_or(0);
    assert_eq!(doc_timestamps, u64::from(level == "B-LTA"), "{path:?}");
    Some(ades)
}

fn verify_options() -> VerifyOptions {
    VerifyOptions::trusting(trust_roots_from_pem(&std::fs::read(root_ca_pem()).unwrap()).unwrap())
}

/// VerifyDigitFile's SignTime of the counter-signature is the signature timestamp's time.
fn check_sign_time(out_dir: &Path, org: &str, ades: Option<&Value>) {
    let answer: Value =
        serde_json::from_slice(&std::fs::read(out_dir.join(format!("{org}-verify.json"))).unwrap())
            .unwrap();
    let signed = std::fs::read(out_dir.join(format!("{org}-sync.pdf"))).unwrap();
    let report = verify_pdf(&signed, &verify_options()).unwrap();
    let proven = report.signatures[0]
        .proven_time()
        .unwrap_or_else(|| panic!("{org}: no verified signature timestamp"));
    let millis = proven.duration_since(UNIX_EPOCH).unwrap().as_millis() as i64;
    assert_eq!(
        answer["Results"][0]["SignTime"].as_i64(),
        Some(millis),
        "{org}: {answer}"
    );
    // The document timestamp of B-LTA is reported as a further entry.
    let expected = 1 + usize::from(org == "archived");
    assert_eq!(
        answer["Results"].as_array().unwrap().len(),
        expected,
        "{answer}"
    );
    // pyHanko reads the same timestamp time (to the second: its ISO text).
    if let Some(ades) = ades {
        let text = ades["signatures"][0]["signature_ts_time"].as_str().unwrap();
        assert_eq!(unix_seconds(text), millis.div_euclid(1000), "{text}");
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.frac]+00:00` as Unix seconds.
fn unix_seconds(iso: &str) -> i64 {
    assert!(iso.ends_with("+00:00"), "{iso}");
    let number = |range: std::ops::Range<usize>| iso[range].parse::<i64>().unwrap();
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let (hour, minute, second) = (number(11..13), number(14..16), number(17..19));
    // Days from civil (proleptic Gregorian), March-based years.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + hour * 3600 + minute * 60 + second
}

/// The failed tasks stored no result: the blob folder holds the uploads (one per organisation)
/// and the two results of each signing organisation, nothing more.
fn check_nothing_stored(out_dir: &Path, data_dir: &Path, signing: usize) {
    let failed: Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("failed.json")).unwrap()).unwrap();
    for (org, outcome) in failed.as_object().unwrap() {
        eprintln!("{org}: {outcome}");
    }
    let mut files = Vec::new();
    collect_files(&data_dir.join("files"), &mut files);
    let uploads = signing + failed.as_object().unwrap().len();
    assert_eq!(
        files.iter().filter(|name| !name.ends_with(".tmp")).count(),
        uploads + 2 * signing,
        "{files:?}"
    );
}

fn collect_files(dir: &Path, names: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, names);
        } else {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
}

/// A TSA whose certificate does not chain to a root the service trusts (here only the
/// self-signed organisation's own certificate) fails the counter-sign: its token would make a
/// file VerifyDigitFile rejects. Nothing is stored and the signature is not charged.
#[test]
fn a_tsa_the_service_does_not_trust_fails_the_counter_sign() {
    use base64::Engine as _;
    let tsa = LocalTsa::start();
    let dir = TempDir::new("untrusted-tsa");
    let org = Org {
        id: "selfsigned",
        signer: "trust-selfsigned",
        extra: format!("[organizations.tsa]\nurl = \"{}\"", tsa.url()),
        level: "B-T",
    };
    let config_path = dir.path().join("service.toml");
    std::fs::write(&config_path, format!("workers = 1\n{}", organization(&org))).unwrap();
    let config = ServiceConfig::load(&config_path).unwrap();
    let keys = load_config_keys(&config).unwrap();
    let data_dir = dir.path().join("data");
    let service = Service::open(&config, keys, &data_dir, Arc::new(PdfEngine::default())).unwrap();
    let user = "selfsigned-admin";
    let pdf = std::fs::read(test_pdf("classic.pdf")).unwrap();
    let upload = json!({
        "BusinessType": "DOCUMENT",
        "Caller": {"OperatorId": user},
        "FileInfos": [{"FileBody": base64::engine::general_purpose::STANDARD.encode(&pdf)}],
    });
    let uploaded = service
        .call(user, "UploadFiles", upload.to_string().as_bytes())
        .unwrap();
    let file_id = uploaded["FileIds"][0].as_str().unwrap();
    let request = json!({"FileId": file_id, "Operator": {"UserId": user}, "SyncMode": true});
    let error = service
        .call(
            user,
            "CreateFileCounterSign",
            request.to_string().as_bytes(),
        )
        .unwrap_err();
    assert_eq!(error.code.as_str(), "InternalError.Api", "{error}");
    assert!(
        error.message.contains("TSA certificate is not trusted"),
        "{error}"
    );
    assert_eq!(service.balance("selfsigned").unwrap(), Some(100));
    drop(service);
    let mut files = Vec::new();
    collect_files(&data_dir.join("files"), &mut files);
    assert_eq!(files.len(), 1, "only the upload is stored: {files:?}");
}
