//! Batch signing: one result per input in input order, a bad or panicking document stays alone,
//! both backends produce valid (and, for RSA PKCS#1 v1.5, identical) signatures.

mod common;
#[path = "../benches/support/generate.rs"]
mod generate;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use countersign::crypto::credential::{load_pem, trust_roots_from_pem};
use countersign::crypto::{CryptoProvider, LoadOptions, SignatureScheme};
use countersign::{
    CertifiedKey, DigestAlgorithm, Error, SignOptions, Signer, SigningKey, VerifyOptions,
    sign_batch, sign_pdf, verify_pdf,
};
use countersign::{FileJob, sign_files};

fn demo_key(backend: CryptoProvider) -> CertifiedKey {
    let chain = std::fs::read(common::pki_path("demo.chain.pem")).unwrap();
    let key = std::fs::read(common::pki_path("demo.key.pem")).unwrap();
    let options = {
        let mut load_options = LoadOptions::default();
        load_options.provider = backend;
        load_options
    };
    load_pem(&chain, &key, &options).unwrap()
}

fn fixed_time() -> SignOptions {
    {
        let mut sign_options = SignOptions::default();
        sign_options.signing_time =
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600));
        sign_options
    }
}

/// The input is an exact prefix and our verifier finds a valid, trusted signature over it all.
fn assert_signed(input: &[u8], output: &[u8], what: &str) {
    assert!(output.starts_with(input), "{what}: input is not a prefix");
    let roots = trust_roots_from_pem(&std::fs::read(common::root_ca_pem()).unwrap()).unwrap();
    let report = verify_pdf(output, &VerifyOptions::trusting(roots)).unwrap();
    let ours = report.signatures.last().unwrap();
    assert!(
        ours.is_valid() && ours.covers_whole_file,
        "{what}: {ours:#?}"
    );
}

fn two_threads() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap()
}

#[test]
fn results_follow_input_order_and_bad_documents_stay_alone() {
    let key = demo_key(countersign::crypto::rustcrypto::default_provider());
    let options = fixed_time();
    let mut inputs: Vec<Vec<u8>> = (0..12)
        .map(|seed| generate::text_pdf(2, 8_000, seed))
        .collect();
    inputs[3] = b"this is not a PDF".to_vec();
    let whole = inputs[7].clone();
    inputs[7] = whole[..whole.len() / 2].to_vec();

    let results = two_threads().install(|| sign_batch(&inputs, &key, &options));

    assert_eq!(results.len(), inputs.len());
    for (i, (input, result)) in inputs.iter().zip(&results).enumerate() {
        match i {
            3 => assert!(matches!(result, Err(Error::NotPdf(_))), "{i}: {result:?}"),
            7 => assert!(
                matches!(result, Err(Error::Truncated(_) | Error::DamagedXref { .. })),
                "{i}: {result:?}"
            ),
            _ => {
                let output = result.as_ref().unwrap();
                // Deterministic options: equal bytes prove the result belongs to this input.
                assert_eq!(output, &sign_pdf(input, &key, &options).unwrap(), "{i}");
                assert_signed(input, output, &format!("document {i}"));
            }
        }
    }
}

/// Wraps a real key; the `fail_on`-th signature (counting from 1) panics.
#[derive(Debug)]
struct PanicsOnce {
    inner: Arc<dyn SigningKey>,
    calls: Arc<AtomicUsize>,
    fail_on: usize,
}

impl SigningKey for PanicsOnce {
    fn public_key(&self) -> Result<spki::SubjectPublicKeyInfoOwned, Error> {
        self.inner.public_key()
    }

    fn choose_scheme(&self, digest: DigestAlgorithm) -> Option<Box<dyn Signer>> {
        Some(Box::new(PanickingSigner {
            inner: self.inner.choose_scheme(digest)?,
            calls: Arc::clone(&self.calls),
            fail_on: self.fail_on,
        }))
    }
}

struct PanickingSigner {
    inner: Box<dyn Signer>,
    calls: Arc<AtomicUsize>,
    fail_on: usize,
}

impl Signer for PanickingSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        if self.calls.fetch_add(1, Ordering::SeqCst) + 1 == self.fail_on {
            panic!("simulated signer bug");
        }
        self.inner.sign(message)
    }
    fn scheme(&self) -> SignatureScheme {
        self.inner.scheme()
    }
    fn max_signature_len(&self) -> usize {
        self.inner.max_signature_len()
    }
}

#[test]
fn a_panic_while_signing_one_document_fails_only_that_document() {
    let real = demo_key(countersign::crypto::rustcrypto::default_provider());
    let calls = Arc::new(AtomicUsize::new(0));
    let key = CertifiedKey::new(
        real.cert_chain().to_vec(),
        Arc::new(PanicsOnce {
            inner: Arc::clone(real.key()),
            calls: Arc::clone(&calls),
            fail_on: 5,
        }),
    )
    .unwrap();
    let inputs: Vec<Vec<u8>> = (0..10)
        .map(|seed| generate::text_pdf(1, 4_000, seed))
        .collect();

    let results = two_threads().install(|| sign_batch(&inputs, &key, &fixed_time()));

    let panicked: Vec<usize> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| matches!(r, Err(Error::Panicked(m)) if m == "simulated signer bug"))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(panicked.len(), 1, "{results:?}");
    for (i, result) in results.iter().enumerate() {
        if !panicked.contains(&i) {
            assert_signed(
                &inputs[i],
                result.as_ref().unwrap(),
                &format!("document {i}"),
            );
        }
    }
    assert_eq!(calls.load(Ordering::SeqCst), inputs.len());
}

#[test]
fn every_backend_signs_a_batch_that_verifies() {
    let inputs: Vec<Vec<u8>> = (0..6)
        .map(|seed| generate::text_pdf(1, 4_000, seed))
        .collect();
    let options = fixed_time();
    let reference = sign_batch(
        &inputs,
        &demo_key(countersign::crypto::rustcrypto::default_provider()),
        &options,
    );
    for (input, output) in inputs.iter().zip(&reference) {
        assert_signed(input, output.as_ref().unwrap(), "rustcrypto");
    }
    #[cfg(feature = "aws-lc")]
    {
        let fast = sign_batch(
            &inputs,
            &demo_key(countersign::crypto::aws_lc::default_provider()),
            &options,
        );
        for ((input, output), expected) in inputs.iter().zip(&fast).zip(&reference) {
            let output = output.as_ref().unwrap();
            assert_signed(input, output, "aws-lc");
            // RSA PKCS#1 v1.5 is deterministic: both backends must write the same file.
            assert_eq!(output, expected.as_ref().unwrap());
        }
    }
    #[cfg(not(feature = "aws-lc"))]
    eprintln!("skipped: aws-lc half (build with --features aws-lc)");
}

#[test]
fn file_batch_writes_each_output_and_reports_each_job_once() {
    let dir = common::TempDir::new("batch-files");
    let key = demo_key(countersign::crypto::rustcrypto::default_provider());
    let options = fixed_time();
    let inputs: Vec<Vec<u8>> = (0..5)
        .map(|seed| generate::text_pdf(1, 4_000, seed))
        .collect();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let mut jobs: Vec<FileJob> = inputs
        .iter()
        .enumerate()
        .map(|(i, pdf)| {
            FileJob::new(
                dir.write(&format!("in{i}.pdf"), pdf),
                out.join(format!("in{i}.pdf")),
            )
        })
        .collect();
    jobs.insert(
        2,
        FileJob::new(dir.path().join("missing.pdf"), out.join("missing.pdf")),
    );
    let reported = AtomicUsize::new(0);

    let results = sign_files(&jobs, &key, &options, |_, _| {
        reported.fetch_add(1, Ordering::SeqCst);
    });

    assert_eq!(reported.load(Ordering::SeqCst), jobs.len());
    assert!(matches!(&results[2], Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound));
    assert!(!out.join("missing.pdf").exists());
    for (job, result) in jobs.iter().zip(&results) {
        if job.input.ends_with("missing.pdf") {
            continue;
        }
        let input = std::fs::read(&job.input).unwrap();
        let written = std::fs::read(&job.output).unwrap();
        assert_eq!(written, sign_pdf(&input, &key, &options).unwrap());
        assert_eq!(result.as_ref().unwrap().output_len, written.len() as u64);
    }
}

/// More outputs than may wait for the committer at once (each holds a descriptor until its
/// commit), in several folders: every job ends with its output, nothing is left under a temporary
/// name, and inputs that are not regular files are refused at once instead of blocking a worker
/// (a FIFO opened for reading waits for a writer).
#[test]
fn a_file_batch_of_many_outputs_in_several_folders_ends_with_each_one() {
    const DOCUMENTS: usize = 300;
    let dir = common::TempDir::new("batch-many");
    let chain = std::fs::read(common::pki_path("demo-p256.chain.pem")).unwrap();
    let key = std::fs::read(common::pki_path("demo-p256.key.pem")).unwrap();
    let key = load_pem(&chain, &key, &LoadOptions::default()).unwrap();
    let input = dir.write("in.pdf", &generate::text_pdf(1, 2_000, 7));
    let folders: Vec<std::path::PathBuf> = (0..3)
        .map(|i| {
            let folder = dir.path().join(format!("out{i}"));
            std::fs::create_dir(&folder).unwrap();
            folder
        })
        .collect();
    let mut jobs: Vec<FileJob> = (0..DOCUMENTS)
        .map(|i| FileJob::new(&input, folders[i % 3].join(format!("{i}.pdf"))))
        .collect();
    jobs.push(FileJob::new(dir.path(), folders[0].join("a-folder.pdf")));
    #[cfg(unix)]
    {
        let fifo = dir.path().join("fifo.pdf");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        jobs.push(FileJob::new(&fifo, folders[1].join("fifo.pdf")));
    }

    let results = two_threads().install(|| sign_files(&jobs, &key, &fixed_time(), |_, _| {}));

    let original = std::fs::read(&input).unwrap();
    for (job, result) in jobs.iter().zip(&results).take(DOCUMENTS) {
        let signed = result.as_ref().unwrap();
        let written = std::fs::read(&job.output).unwrap();
        assert!(written.starts_with(&original));
        assert_eq!(signed.output_len, written.len() as u64);
    }
    for (job, result) in jobs.iter().zip(&results).skip(DOCUMENTS) {
        assert!(
            matches!(result, Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::InvalidInput
                && e.to_string().contains("not a regular file")),
            "{}: {result:?}",
            job.input.display()
        );
        assert!(!job.output.exists());
    }
    for folder in &folders {
        let names: Vec<String> = std::fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), DOCUMENTS / 3, "{names:?}");
        assert!(
            names
                .iter()
                .all(|n| n.ends_with(".pdf") && !n.starts_with('.'))
        );
    }
}
