//! What the modification analysis costs: verifying the 100,000-page file signed once (the
//! signature covers the whole file, nothing to compare) against the same file counter-signed
//! (the first signature is compared with one later revision). The bound: the second
//! stays within 3× the first. SHA-256 over the file is printed beside them as the floor.
//!
//! `cargo bench --bench verify`

#[path = "support/generate.rs"]
mod generate;

use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use countersign::crypto::credential::{load_pem, trust_roots_from_pem};
use countersign::{ModificationLevel, SignOptions, VerifyOptions, sign_pdf, verify_pdf};
use criterion::Criterion;
use sha2::{Digest, Sha256};

const MANY_PAGES: usize = 100_000;

fn main() {
    let pki = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pki");
    let read = |name: &str| std::fs::read(pki.join(name)).expect("test PKI");
    let key = load_pem(
        &read("demo.chain.pem"),
        &read("demo.key.pem"),
        &Default::default(),
    )
    .expect("demo credential");
    let verify_options =
        VerifyOptions::trusting(trust_roots_from_pem(&read("root-ca.cert.pem")).expect("root"));
    let mut sign_options = SignOptions::default();
    sign_options.signing_time = Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600));

    let pdf = generate::many_pages_pdf(MANY_PAGES, false);
    let once = sign_pdf(&pdf, &key, &sign_options).expect("sign");
    let twice = sign_pdf(&once, &key, &sign_options).expect("counter-sign");
    let report = verify_pdf(&twice, &verify_options).expect("verify");
    assert!(report.all_valid());
    assert_eq!(
        report.signatures[0].modifications.level,
        ModificationLevel::FormFilling
    );

    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .sample_size(20)
        .configure_from_args();
    let mut g = c.benchmark_group("verify/100k-pages");
    g.bench_function("sha256", |b| b.iter(|| Sha256::digest(&twice)));
    g.bench_function("signed-once", |b| {
        b.iter(|| verify_pdf(&once, &verify_options).expect("verify"))
    });
    g.bench_function("one-later-revision", |b| {
        b.iter(|| verify_pdf(&twice, &verify_options).expect("verify"))
    });
    g.finish();
    c.final_summary();

    // A direct ratio, medians of a few runs, for BENCHMARKS.md.
    let median = |pdf: &[u8]| {
        let mut times: Vec<Duration> = (0..9)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(verify_pdf(pdf, &verify_options).expect("verify"));
                start.elapsed()
            })
            .collect();
        times.sort();
        times[times.len() / 2]
    };
    let (base, analysed) = (median(&once), median(&twice));
    println!(
        "verify 100k pages: signed once {base:?}, one later revision {analysed:?}, ratio {:.2} (bound 3.00)",
        analysed.as_secs_f64() / base.as_secs_f64()
    );
}
