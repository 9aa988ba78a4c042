//! Red team 3: file batches (`sign_files`). Each test FAILS while the bug it names exists;
//! the ones named `held_*` pin down behaviour that held.
//!
//! Fixed the same day (it passes since): `sign_files` refuses an output an earlier job writes.

mod common;

use countersign::crypto::LoadOptions;
use countersign::crypto::credential::load_pem;
use countersign::{CertifiedKey, FileJob, SignOptions, sign_files};

fn demo_key() -> CertifiedKey {
    let chain = std::fs::read(common::pki_path("demo.chain.pem")).unwrap();
    let key = std::fs::read(common::pki_path("demo.key.pem")).unwrap();
    load_pem(&chain, &key, &LoadOptions::default()).unwrap()
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("countersign-rt3-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Two jobs of one batch naming the same output (the library does not refuse it; only the CLI
/// dedups names): both are reported signed, "durable under its final name", but the file holds
/// only one of them; the other signed document is silently gone.
/// Expected: the second job naming an output already used is refused. Observed (release): both
/// Ok. Cause: `sign_files` (src/sign/batch.rs:140) does not refuse repeated outputs; only the
/// CLI dedups names (crates/countersign-cli/src/cli/batch.rs:138).
#[test]
fn two_jobs_with_one_output_are_not_both_reported_signed() {
    let out = scratch("same-output");
    let target = out.join("signed.pdf");
    let jobs = vec![
        FileJob::new(common::pdf_path("classic.pdf"), target.clone()),
        FileJob::new(common::pdf_path("incremental.pdf"), target.clone()),
    ];
    let results = sign_files(&jobs, &demo_key(), &SignOptions::default(), |_, _| {});
    let signed = results.iter().filter(|r| r.is_ok()).count();
    let _ = std::fs::remove_dir_all(&out);
    assert!(signed <= 1, "{signed} jobs reported signed into one file");
}

/// A panicking `on_done` (the committer thread dies): the panic reaches the caller, and no
/// temporary file stays behind for outputs queued or written afterwards.
#[test]
fn held_a_panicking_on_done_leaves_no_temporary_file() {
    let out = scratch("on-done-panic");
    let jobs: Vec<FileJob> = (0..300)
        .map(|i| {
            FileJob::new(
                common::pdf_path("classic.pdf"),
                out.join(format!("d{i}.pdf")),
            )
        })
        .collect();
    let key = demo_key();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        sign_files(&jobs, &key, &SignOptions::default(), |_, _| {
            panic!("progress bar gone")
        })
    }));
    let left: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.ends_with(".pdf"))
        .collect();
    let _ = std::fs::remove_dir_all(&out);
    assert!(outcome.is_err());
    assert!(left.is_empty(), "left behind: {left:?}");
}
