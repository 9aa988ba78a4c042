//! Replays every input under tests/fuzz_regressions/service_request/ (at the workspace root)
//! through the `service_request` fuzz target's own check (fuzz/harness/service.rs), on stable:
//! each file is a minimized request that once crashed or hung the service, and must now be
//! answered with an API error.

#[path = "../../../fuzz/harness/service.rs"]
mod service_harness;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The fuzzer runs with -timeout=1; replaying on an unoptimised test build gets more room.
const PER_INPUT_BUDGET: Duration = Duration::from_secs(10);

fn inputs() -> Vec<PathBuf> {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fuzz_regressions/service_request");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file() && path.extension().is_none_or(|e| e != "md"))
        .collect();
    files.sort();
    files
}

#[test]
fn service_request_regressions_answer_with_api_errors() {
    let inputs = inputs();
    for path in &inputs {
        let bytes = std::fs::read(path).unwrap();
        let started = Instant::now();
        let outcome = std::panic::catch_unwind(|| service_harness::check_service_request(&bytes));
        assert!(
            outcome.is_ok(),
            "{} failed the service_request check",
            path.display()
        );
        assert!(
            started.elapsed() < PER_INPUT_BUDGET,
            "{} took {:?}",
            path.display(),
            started.elapsed()
        );
    }
}
