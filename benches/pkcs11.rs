//! Documents per second with the key on a PKCS#11 token (SoftHSM2) beside the same key in a
//! file, with one and with two token sessions, on a pool of two threads.
//!
//! `cargo bench --features pkcs11 --bench pkcs11` (needs `softhsm2` and `opensc`; the tokens
//! are created in a temporary directory, as the tests do). The docs/s table is printed at the
//! end.

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::softhsm::{SoftHsm, standard_tokens};
use countersign::crypto::credential::load_pem;
use countersign::crypto::pkcs11::{KeySelector, PinSource, Pkcs11Config, Pkcs11Key, TokenSelector};
use countersign::{CertifiedKey, SignOptions, sign_batch};
use criterion::Criterion;

const DOCUMENTS: usize = 64;
const THREADS: usize = 2;

fn token_key(hsm: &SoftHsm, token: &str, label: &str, sessions: usize) -> CertifiedKey {
    let mut config = Pkcs11Config::new(
        &hsm.module,
        TokenSelector::Label(token.into()),
        KeySelector::Label(label.into()),
        PinSource::File(hsm.pin_file.clone()),
    );
    config.sessions = sessions;
    let key = Pkcs11Key::open(&config).expect("token key");
    let chain = key.certificate_chain().expect("chain on the token");
    CertifiedKey::new(chain, Arc::new(key)).expect("key matches its certificate")
}

fn file_key(name: &str) -> CertifiedKey {
    let read = |file: String| std::fs::read(common::pki_path(&file)).expect("test PKI");
    load_pem(
        &read(format!("{name}.chain.pem")),
        &read(format!("{name}.key.pem")),
        &Default::default(),
    )
    .expect("file key")
}

fn main() {
    let Some(hsm) = SoftHsm::new("bench-pkcs11", &standard_tokens()) else {
        return;
    };
    hsm.use_in_this_process();
    let documents: Vec<Vec<u8>> = (0..DOCUMENTS)
        .map(|_| common::read_pdf("classic.pdf"))
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(THREADS)
        .build()
        .expect("thread pool");
    let options = SignOptions::default();
    let keys = [
        ("RSA-2048 file key", file_key("demo")),
        (
            "RSA-2048 SoftHSM, 1 session",
            token_key(&hsm, "rsa", "demo", 1),
        ),
        (
            "RSA-2048 SoftHSM, 2 sessions",
            token_key(&hsm, "rsa", "demo", 2),
        ),
        ("P-256 file key", file_key("demo-p256")),
        (
            "P-256 SoftHSM, 1 session",
            token_key(&hsm, "ec", "demo-p256", 1),
        ),
        (
            "P-256 SoftHSM, 2 sessions",
            token_key(&hsm, "ec", "demo-p256", 2),
        ),
    ];
    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group(format!("pkcs11/{DOCUMENTS} documents"));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    let mut table = Vec::new();
    for (name, key) in &keys {
        let mut best = Duration::MAX;
        group.bench_function(*name, |b| {
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let start = Instant::now();
                    let results = pool.install(|| sign_batch(&documents, key, &options));
                    let elapsed = start.elapsed();
                    assert!(results.iter().all(Result::is_ok));
                    black_box(results);
                    best = best.min(elapsed);
                    total += elapsed;
                }
                total
            })
        });
        table.push((name, DOCUMENTS as f64 / best.as_secs_f64()));
    }
    group.finish();
    println!("\n{DOCUMENTS} small documents (classic.pdf) on {THREADS} threads, best run:");
    for (name, docs_per_second) in table {
        println!("  {name:32} {docs_per_second:8.0} docs/s");
    }
}
