//! Signing cost against the physical limit, measured in the same run.
//!
//! The limit for one document is one SHA-256 over its bytes (sha2) plus one signature with the
//! same backend; for a file on disk also copying it (`std::fs::copy`); for a batch, the same work
//! spread over the same thread pool. Every input is generated here (see `support/generate.rs`).
//!
//! `cargo bench --bench signing` (add `--features aws-lc` for both backends); filter with
//! `-- batch`, `-- document`, `-- algorithm`, `-- file`. The table of results against their limits is printed at
//! the end.

#[path = "support/generate.rs"]
mod generate;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Read};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use countersign::crypto::LoadOptions;
use countersign::crypto::credential::load_pem;
use countersign::sign_batch;
use countersign::{CertifiedKey, DigestAlgorithm, SignOptions, sign_file, sign_pdf};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

const SMALL_LEN: usize = 50_000;
const MEDIUM_LEN: usize = 1_000_000;
const LARGE_LEN: u64 = 100_000_000;
const MANY_PAGES: usize = 100_000;
const BATCH_SIZE: usize = 1_000;

/// Per-iteration times of every measured function, by id; the last table is built from them.
static TIMES: Mutex<BTreeMap<String, Vec<Duration>>> = Mutex::new(BTreeMap::new());

fn record(id: &str, per_iteration: Duration) {
    if let Ok(mut times) = TIMES.lock() {
        times.entry(id.to_owned()).or_default().push(per_iteration);
    }
}

fn median(id: &str) -> Option<Duration> {
    let times = TIMES.lock().ok()?;
    let mut samples = times.get(id)?.clone();
    samples.sort();
    samples.get(samples.len() / 2).copied()
}

/// A criterion group that also records per-iteration times under `name/bench`.
struct Group<'c> {
    inner: BenchmarkGroup<'c, WallTime>,
    name: String,
}

impl<'c> Group<'c> {
    fn new(c: &'c mut Criterion, name: String, samples: usize, seconds: u64) -> Self {
        let mut inner = c.benchmark_group(&name);
        inner
            .sample_size(samples)
            .measurement_time(Duration::from_secs(seconds));
        Self { inner, name }
    }

    /// Benchmarks `run`; `prepare` runs untimed before each iteration.
    fn bench(&mut self, bench: &str, mut prepare: impl FnMut(), mut run: impl FnMut()) {
        let id = format!("{}/{bench}", self.name);
        self.inner.bench_function(bench, |b| {
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    prepare();
                    let start = Instant::now();
                    run();
                    total += start.elapsed();
                }
                record(&id, total / iterations.max(1) as u32);
                total
            })
        });
    }

    fn finish(self) {
        self.inner.finish();
    }
}

struct Credential {
    name: &'static str,
    key: CertifiedKey,
}

fn credentials() -> Vec<Credential> {
    let pki = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pki");
    let chain = std::fs::read(pki.join("demo.chain.pem")).expect("demo chain");
    let key = std::fs::read(pki.join("demo.key.pem")).expect("demo key");
    let load = |backend| {
        let options = {
            let mut load_options = LoadOptions::default();
            load_options.provider = backend;
            load_options
        };
        load_pem(&chain, &key, &options).expect("demo credential")
    };
    #[allow(unused_mut)]
    let mut all = vec![Credential {
        name: "rustcrypto",
        key: load(countersign::crypto::rustcrypto::default_provider()),
    }];
    #[cfg(feature = "aws-lc")]
    all.push(Credential {
        name: "aws-lc",
        key: load(countersign::crypto::aws_lc::default_provider()),
    });
    all
}

fn options() -> SignOptions {
    {
        let mut sign_options = SignOptions::default();
        sign_options.signing_time =
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600));
        sign_options
    }
}

/// The physical limit's two parts: one SHA-256 over `bytes`, one signature.
fn limit_once(key: &CertifiedKey, signer: &dyn countersign::Signer, bytes: &[u8]) {
    let digest = Sha256::digest(bytes);
    // The signature covers the signed attributes (~100 bytes in a real container).
    let mut message = [0u8; 104];
    message[..32].copy_from_slice(&digest);
    let signature = signer.sign(&message).expect("sign");
    std::hint::black_box((signature, key));
}

fn signer_of(key: &CertifiedKey) -> Box<dyn countersign::Signer> {
    key.key()
        .choose_scheme(DigestAlgorithm::Sha256)
        .expect("SHA-256 signer")
}

fn scratch_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("signing-bench");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Documents in memory: `sign_pdf` against SHA-256 + one signature.
fn documents(c: &mut Criterion, credentials: &[Credential]) {
    let inputs = [
        ("50KB-text", generate::text_pdf(10, SMALL_LEN, 1)),
        ("1MB-text", generate::text_pdf(100, MEDIUM_LEN, 2)),
    ];
    for credential in credentials {
        let signer = signer_of(&credential.key);
        for (label, pdf) in &inputs {
            let mut g = Group::new(c, format!("document/{}/{label}", credential.name), 20, 3);
            let options = options();
            g.bench(
                "sign",
                || {},
                || {
                    std::hint::black_box(sign_pdf(pdf, &credential.key, &options).expect("sign"));
                },
            );
            g.bench(
                "limit",
                || {},
                || limit_once(&credential.key, signer.as_ref(), pdf),
            );
            g.finish();
        }
    }
}

/// One 50 KB document signed with each key type of the test PKI (RustCrypto, the default
/// backend), each against its own limit: the document digest its scheme uses plus one
/// signature (Ed25519 mandates SHA-512).
fn algorithms(c: &mut Criterion) {
    let pki = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/pki");
    let pdf = generate::text_pdf(10, SMALL_LEN, 1);
    for (name, stem, digest) in [
        ("rsa2048", "demo", DigestAlgorithm::Sha256),
        ("p256", "demo-p256", DigestAlgorithm::Sha256),
        ("ed25519", "demo-ed25519", DigestAlgorithm::Sha512),
    ] {
        let read = |suffix: &str| std::fs::read(pki.join(format!("{stem}.{suffix}"))).expect(stem);
        let key = load_pem(
            &read("chain.pem"),
            &read("key.pem"),
            &LoadOptions::default(),
        )
        .expect("credential");
        let signer = key.key().choose_scheme(digest).expect("signer");
        let mut options = options();
        options.digest = digest;
        let mut g = Group::new(c, format!("algorithm/{name}/50KB-text"), 20, 3);
        g.bench(
            "sign",
            || {},
            || {
                std::hint::black_box(sign_pdf(&pdf, &key, &options).expect("sign"));
            },
        );
        g.bench(
            "limit",
            || {},
            || {
                let mut message = [0u8; 104];
                for (to, from) in message.iter_mut().zip(digest.digest_chunks(&[&pdf])) {
                    *to = from;
                }
                std::hint::black_box(signer.sign(&message).expect("sign"));
            },
        );
        g.finish();
    }
}

/// SHA-256 of a file read in 1 MiB chunks, as a streaming signer must read it.
fn sha256_file(path: &Path) -> [u8; 32] {
    let mut file = File::open(path).expect("open");
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer).expect("read");
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    hasher.finalize().into()
}

/// Files on disk: `sign_file` against SHA-256 + copy (+ one signature), and the 100,000-page
/// document against its SHA-256 alone.
fn files(c: &mut Criterion, credentials: &[Credential]) {
    let dir = scratch_dir();
    let large = dir.join("image-100MB.pdf");
    let many = dir.join("pages-100k.pdf");
    let write =
        |path: &Path, fill: &dyn Fn(BufWriter<File>) -> std::io::Result<BufWriter<File>>| {
            let out = BufWriter::with_capacity(1 << 20, File::create(path).expect("create"));
            fill(out).expect("generate").into_inner().expect("flush");
        };
    write(&large, &|out| generate::write_image_pdf(out, LARGE_LEN));
    write(&many, &|out| {
        generate::write_many_pages_pdf(out, MANY_PAGES, false)
    });
    let output = dir.join("signed.pdf");
    let copy = dir.join("copy.pdf");
    let remove = |path: &Path| {
        let _ = std::fs::remove_file(path);
    };
    let options = options();

    for credential in credentials {
        let signer = signer_of(&credential.key);
        for (label, input) in [("100MB-image", &large), ("100k-pages", &many)] {
            let mut g = Group::new(c, format!("file/{}/{label}", credential.name), 10, 5);
            g.bench(
                "sign_file",
                || remove(&output),
                || {
                    sign_file(input, &output, &credential.key, &options).expect("sign_file");
                },
            );
            g.bench(
                "sha256",
                || {},
                || {
                    std::hint::black_box(sha256_file(input));
                },
            );
            g.bench(
                "sha256+copy",
                || remove(&copy),
                || {
                    std::hint::black_box(sha256_file(input));
                    std::fs::copy(input, &copy).expect("copy");
                },
            );
            g.bench(
                "limit",
                || {},
                || {
                    std::hint::black_box(sha256_file(input));
                    let mut message = [0u8; 104];
                    message[0] = 1;
                    std::hint::black_box(signer.sign(&message).expect("sign"));
                },
            );
            if label == "100k-pages" {
                let pdf = std::fs::read(input).expect("read");
                g.bench(
                    "sign_pdf(in memory)",
                    || {},
                    || {
                        std::hint::black_box(
                            sign_pdf(&pdf, &credential.key, &options).expect("sign_pdf"),
                        );
                    },
                );
            }
            g.finish();
        }
    }
    remove(&output);
    remove(&copy);
}

/// 1,000 small documents on 1 and 2 threads against the same pool doing only hash + sign.
fn batches(c: &mut Criterion, credentials: &[Credential]) {
    let pdfs: Vec<Vec<u8>> = (0..BATCH_SIZE as u64)
        .map(|seed| generate::text_pdf(10, SMALL_LEN, seed))
        .collect();
    let options = options();
    for credential in credentials {
        let signer = signer_of(&credential.key);
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            let name = format!(
                "batch/{}/{BATCH_SIZE}x50KB/{threads}-thread",
                credential.name
            );
            let mut g = Group::new(c, name, 10, 5);
            g.bench(
                "sign_batch",
                || {},
                || {
                    let results = pool.install(|| sign_batch(&pdfs, &credential.key, &options));
                    assert!(results.iter().all(Result::is_ok));
                    std::hint::black_box(results);
                },
            );
            g.bench(
                "limit",
                || {},
                || {
                    pool.install(|| {
                        pdfs.par_iter()
                            .for_each(|pdf| limit_once(&credential.key, signer.as_ref(), pdf))
                    });
                },
            );
            g.finish();
        }
    }
}

fn print_table() {
    let Ok(times) = TIMES.lock() else { return };
    let groups: std::collections::BTreeSet<String> = times
        .keys()
        .filter_map(|id| id.rsplit_once('/').map(|(g, _)| g.to_owned()))
        .collect();
    drop(times);
    println!("\n## Results against the limit (medians of this run)\n");
    println!("| benchmark | measured | limit | share of the limit reached | other references |");
    println!("|---|---|---|---|---|");
    for group in groups {
        let get = |name: &str| median(&format!("{group}/{name}"));
        let measured = ["sign", "sign_file", "sign_batch"]
            .iter()
            .find_map(|n| get(n).map(|d| (*n, d)));
        let (Some((name, measured)), Some(limit)) = (measured, get("limit")) else {
            continue;
        };
        let mut references = Vec::new();
        for other in ["sha256", "sha256+copy", "sign_pdf(in memory)"] {
            if let Some(d) = get(other) {
                references.push(format!(
                    "{other} {}: measured = {:.2}× it",
                    show(d),
                    measured.as_secs_f64() / d.as_secs_f64()
                ));
            }
        }
        let rate = if group.starts_with("batch/") {
            format!(
                " ({:.0} docs/s of {:.0})",
                BATCH_SIZE as f64 / measured.as_secs_f64(),
                BATCH_SIZE as f64 / limit.as_secs_f64()
            )
        } else {
            String::new()
        };
        println!(
            "| {group} {name} | {} | {} | {:.2}{rate} | {} |",
            show(measured),
            show(limit),
            limit.as_secs_f64() / measured.as_secs_f64(),
            references.join("; ")
        );
    }
}

fn show(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.3} s")
    } else if s >= 1e-3 {
        format!("{:.3} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

fn main() {
    let credentials = credentials();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .configure_from_args();
    documents(&mut c, &credentials);
    algorithms(&mut c);
    files(&mut c, &credentials);
    batches(&mut c, &credentials);
    c.final_summary();
    print_table();
}
