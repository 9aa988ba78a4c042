//! Replays every input under tests/fuzz_regressions/<target>/ through the fuzz target's own checks
//! (fuzz/harness), on stable: each file is a minimized input that once crashed, hung or fooled a
//! check, and must now be handled with a typed error or a correct verdict.
//!
//! The `sign` and `xref` inputs are also run through the other PDF checks: a file that once broke
//! the reader must not break signing or verification either.

#[path = "../fuzz/harness/mod.rs"]
#[allow(dead_code)]
mod harness;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The fuzzers run with -timeout=1; replaying on an unoptimised test build gets more room.
const PER_INPUT_BUDGET: Duration = Duration::from_secs(10);

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file() && path.extension().is_none_or(|e| e != "md"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect()
}

/// A named property every replayed input must satisfy.
type Check = (&'static str, fn(&[u8]));

fn replay(target: &str, checks: &[Check]) -> usize {
    let inputs = inputs(target);
    for (path, bytes) in &inputs {
        for (name, check) in checks {
            let started = Instant::now();
            let outcome = std::panic::catch_unwind(|| check(bytes));
            assert!(
                outcome.is_ok(),
                "{} failed the {name} check (see the panic above)",
                path.display()
            );
            assert!(
                started.elapsed() < PER_INPUT_BUDGET,
                "{} took {:?} in the {name} check",
                path.display(),
                started.elapsed()
            );
        }
    }
    inputs.len()
}

#[test]
fn xref_regressions_parse_with_typed_errors() {
    replay(
        "xref",
        &[("xref", harness::check_xref), ("sign", harness::check_sign)],
    );
}

#[test]
fn sign_regressions_sign_and_verify_or_fail_typed() {
    replay(
        "sign",
        &[("sign", harness::check_sign), ("xref", harness::check_xref)],
    );
}

#[test]
fn verify_regressions_return_truthful_verdicts() {
    replay("verify", &[("verify", harness::check_verify)]);
}

#[test]
fn the_signed_originals_verify_untouched() {
    // The verify harness only means something if its originals are valid to begin with.
    for (index, original) in harness::signed_originals().iter().enumerate() {
        let report = countersign::verify_pdf(original, harness::trusting_root()).unwrap();
        assert!(report.all_valid(), "original {index}: {report:?}");
    }
    harness::check_verify(&[0]);
}

#[test]
fn tst_info_regressions_round_trip() {
    assert!(replay("tst_info", &[("tst_info", harness::check_tst_info)]) > 0);
}

#[test]
fn security_regressions_round_trip_or_fail_typed() {
    assert!(replay("security", &[("security", harness::check_security)]) > 0);
    // The seeds with the right password must open their handler, not only fail typed.
    for (path, bytes) in inputs("security") {
        if !path.to_string_lossy().contains("right-password") {
            continue;
        }
        let mut parts = bytes.splitn(3, |&b| b == b'\n');
        let (password, id0, dict) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let mut cursor = countersign::__private::pdf::lexer::Cursor::new(dict, 0);
        let parsed = countersign::__private::pdf::parser::ObjectParser::new(
            &mut cursor,
            countersign::Location::Trailer,
        )
        .parse()
        .unwrap();
        let countersign::__private::pdf::Object::Dict(encrypt) = parsed else {
            panic!("{}: not a dictionary", path.display());
        };
        let opened = countersign::__private::pdf::security::round_trip(&encrypt, id0, password);
        assert!(matches!(opened, Ok(true)), "{}: {opened:?}", path.display());
    }
}
