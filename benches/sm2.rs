//! SM2/SM3 beside RSA-2048 and P-256: `sign_pdf` and `verify_pdf` of a 50 KB document per key,
//! each against its limit measured in the same run. The signing limit is the document's digest
//! (SM3 for SM2, SHA-256 otherwise) plus one signature by the same key; the verification limit is
//! the same digest plus one signature check (for SM2: the raw `sm2` crate sign and verify time).
//!
//! `cargo bench --bench sm2` (`-- --quick` on a busy machine). The table is printed at the end.

#[path = "support/generate.rs"]
mod generate;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use countersign::crypto::credential::{load_pem, trust_roots_from_pem};
use countersign::crypto::{
    EcCurve, LoadOptions, RsaVerifyPadding, SM2_DEFAULT_USER_ID, rustcrypto,
};
use countersign::{
    CertifiedKey, DigestAlgorithm, SignOptions, VerifyOptions, sign_pdf, verify_pdf,
};
use criterion::Criterion;

static TIMES: Mutex<BTreeMap<String, Vec<Duration>>> = Mutex::new(BTreeMap::new());

/// Runs `work` under criterion and keeps its per-iteration times under `id`.
fn measure(c: &mut Criterion, id: &str, mut work: impl FnMut()) {
    c.bench_function(id, |b| {
        b.iter_custom(|iterations| {
            let start = Instant::now();
            for _ in 0..iterations {
                work();
            }
            let elapsed = start.elapsed();
            if let Some(per) = elapsed.checked_div(u32::try_from(iterations).unwrap_or(u32::MAX)) {
                TIMES
                    .lock()
                    .unwrap()
                    .entry(id.into())
                    .or_default()
                    .push(per);
            }
            elapsed
        })
    });
}

fn median(id: &str) -> Option<Duration> {
    let times = TIMES.lock().unwrap();
    let mut all = times.get(id)?.clone();
    all.sort();
    all.get(all.len() / 2).copied()
}

struct Case {
    name: &'static str,
    key: CertifiedKey,
    root: &'static str,
}

fn cases() -> Vec<Case> {
    let pki = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pki");
    let load = |name: &str| {
        let chain = std::fs::read(pki.join(format!("{name}.chain.pem"))).expect("chain");
        let key = std::fs::read(pki.join(format!("{name}.key.pem"))).expect("key");
        load_pem(&chain, &key, &LoadOptions::default()).expect("credential")
    };
    vec![
        Case {
            name: "rsa2048",
            key: load("demo"),
            root: "root-ca.cert.pem",
        },
        Case {
            name: "p256",
            key: load("demo-p256"),
            root: "root-ca.cert.pem",
        },
        Case {
            name: "sm2",
            key: load("sm2-signer"),
            root: "sm2-root.cert.pem",
        },
    ]
}

fn digest_of(case: &Case) -> DigestAlgorithm {
    if case.name == "sm2" {
        DigestAlgorithm::Sm3
    } else {
        DigestAlgorithm::Sha256
    }
}

/// One raw signature check with the key's public half, as the verifier's last step makes it.
fn raw_verify(case: &Case, message: &[u8], signature: &[u8]) -> bool {
    let spki = case
        .key
        .end_entity()
        .tbs_certificate()
        .subject_public_key_info();
    let key = spki.subject_public_key.raw_bytes();
    let verifier = rustcrypto::default_provider().verifier;
    let digest = DigestAlgorithm::Sha256;
    match case.name {
        "rsa2048" => {
            verifier.verify_rsa(key, RsaVerifyPadding::Pkcs1v15, digest, message, signature)
        }
        "p256" => verifier.verify_ecdsa(EcCurve::P256, key, digest, message, signature),
        _ => verifier.verify_sm2(key, SM2_DEFAULT_USER_ID, message, signature),
    }
    .expect("verifiable")
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let pdf = generate::text_pdf(10, 50_000, 1);
    let mut options = SignOptions::default();
    options.signing_time = Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600));
    let cases = cases();
    for case in &cases {
        let digest = digest_of(case);
        let signer = case.key.key().choose_scheme(digest).expect("signer");
        let message = [7u8; 104]; // about the size of the signed attributes
        let signature = signer.sign(&message).expect("sign");
        assert!(raw_verify(case, &message, &signature));
        let signed = sign_pdf(&pdf, &case.key, &options).expect("sign_pdf");
        let root = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("testdata/pki")
                .join(case.root),
        )
        .expect("root");
        let verify_options = VerifyOptions::trusting(trust_roots_from_pem(&root).expect("root"));
        assert!(
            verify_pdf(&signed, &verify_options)
                .expect("verify")
                .all_valid()
        );

        let name = case.name;
        measure(&mut c, &format!("{name}/sign"), || {
            std::hint::black_box(sign_pdf(&pdf, &case.key, &options).expect("sign"));
        });
        measure(&mut c, &format!("{name}/sign-limit"), || {
            std::hint::black_box(digest.digest_chunks(&[&pdf]));
            std::hint::black_box(signer.sign(&message).expect("sign"));
        });
        measure(&mut c, &format!("{name}/verify"), || {
            std::hint::black_box(verify_pdf(&signed, &verify_options).expect("verify"));
        });
        measure(&mut c, &format!("{name}/verify-limit"), || {
            std::hint::black_box(digest.digest_chunks(&[&pdf]));
            std::hint::black_box(raw_verify(case, &message, &signature));
        });
    }
    println!();
    println!("| key | sign | docs/s | limit | share | verify | docs/s | limit | share |");
    println!("|---|---|---:|---|---:|---|---:|---|---:|");
    for case in &cases {
        let get = |what: &str| median(&format!("{}/{what}", case.name));
        let (Some(sign), Some(sign_limit), Some(verify), Some(verify_limit)) = (
            get("sign"),
            get("sign-limit"),
            get("verify"),
            get("verify-limit"),
        ) else {
            continue;
        };
        let rate = |d: Duration| 1.0 / d.as_secs_f64();
        let share =
            |limit: Duration, measured: Duration| limit.as_secs_f64() / measured.as_secs_f64();
        println!(
            "| {} | {sign:.2?} | {:.0} | {sign_limit:.2?} | {:.2} | {verify:.2?} | {:.0} | {verify_limit:.2?} | {:.2} |",
            case.name,
            rate(sign),
            share(sign_limit, sign),
            rate(verify),
            share(verify_limit, verify),
        );
    }
    c.final_summary();
}
