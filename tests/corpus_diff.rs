//! Issue 19, "Proof": our modification level for every signature of the signed corpus files, as
//! they are and after one counter-signature of ours, equals `tests/corpus_diff_levels.tsv`.
//!
//! That file is written by `scripts/compare_diff_levels.py`, which compares each level with
//! pyHanko's difference analysis; docs/COMPATIBILITY.md ("Modification analysis vs pyHanko")
//! explains every disagreement. A changed level here means the analysis changed: re-run the
//! script, check the new comparison and commit both.
//!
//! Locating the corpus: `$COUNTERSIGN_CORPUS`, else `<crate>/../shared/corpus`, else
//! `<crate>/../../shared/corpus`. No corpus: skipped (a failure under `CI=true`). A listed file
//! missing from a corpus that exists: skipped with a message, a failure under `CI=true`.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use countersign::crypto::LoadOptions;
use countersign::crypto::credential::load_pem;
use countersign::{CertifiedKey, ModificationLevel, SignOptions, sign_pdf, verify_pdf};

const EXPECTATIONS: &str = include_str!("corpus_diff_levels.tsv");

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

fn corpus_dir() -> Option<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    [
        std::env::var_os("COUNTERSIGN_CORPUS").map(PathBuf::from),
        Some(manifest.join("..").join("shared").join("corpus")),
        Some(manifest.join("..").join("..").join("shared").join("corpus")),
    ]
    .into_iter()
    .flatten()
    .find(|dir| dir.join("MANIFEST.tsv").is_file())
}

fn demo_key() -> CertifiedKey {
    let chain = std::fs::read(common::pki_path("demo.chain.pem")).unwrap();
    let key = std::fs::read(common::pki_path("demo.key.pem")).unwrap();
    load_pem(&chain, &key, &LoadOptions::default()).unwrap()
}

/// (case, file) -> [(field, our level)] in the report's order, from the committed TSV.
fn expectations() -> BTreeMap<(String, String), Vec<(String, String)>> {
    let mut cases: BTreeMap<(String, String), Vec<(String, String)>> = BTreeMap::new();
    for line in EXPECTATIONS.lines().filter(|l| !l.starts_with('#')) {
        let columns: Vec<&str> = line.split('\t').collect();
        let [case, file, field, ours, _pyhanko] = columns[..] else {
            panic!("malformed line in corpus_diff_levels.tsv: {line:?}");
        };
        cases
            .entry((case.to_string(), file.to_string()))
            .or_default()
            .push((field.to_string(), ours.to_string()));
    }
    cases
}

/// (field, level) for every signature the verifier lists.
fn our_levels(pdf: &[u8]) -> Result<Vec<(String, ModificationLevel)>, String> {
    let report = verify_pdf(pdf, &Default::default()).map_err(|e| e.to_string())?;
    Ok(report
        .signatures
        .iter()
        .map(|s| (s.field_name.clone(), s.modifications.level))
        .collect())
}

fn words(levels: &[(String, ModificationLevel)]) -> Vec<(String, String)> {
    levels
        .iter()
        .map(|(field, level)| (field.clone(), level.as_str().to_string()))
        .collect()
}

/// Our levels on `file` (counter-signed first for that case), or why they could not be read.
fn levels_for(case: &str, pdf: &[u8], key: &CertifiedKey) -> Result<Vec<(String, String)>, String> {
    match case {
        "corpus" => our_levels(pdf).map(|levels| words(&levels)),
        "countersigned" => {
            let signed = sign_pdf(pdf, key, &SignOptions::default())
                .map_err(|e| format!("counter-signing failed: {e}"))?;
            let mut levels = our_levels(&signed)?;
            // Our own signature is the newest: nothing follows it.
            match levels.pop() {
                Some((_, ModificationLevel::None)) => Ok(words(&levels)),
                newest => Err(format!("our new signature is not untouched: {newest:?}")),
            }
        }
        other => Err(format!("unknown case {other:?} in corpus_diff_levels.tsv")),
    }
}

#[test]
fn modification_levels_match_the_checked_expectations() {
    let Some(dir) = corpus_dir() else {
        assert!(
            !in_ci(),
            "corpus not found: set COUNTERSIGN_CORPUS or put shared/corpus beside the repo"
        );
        eprintln!("skipped: corpus not found (set COUNTERSIGN_CORPUS)");
        return;
    };
    let expectations = expectations();
    assert!(
        !expectations.is_empty(),
        "corpus_diff_levels.tsv lists no signature"
    );
    let key = demo_key();
    let mut failures = Vec::new();
    for ((case, file), expected) in expectations {
        let Ok(pdf) = std::fs::read(dir.join(&file)) else {
            if in_ci() {
                failures.push(format!("{file}: missing from {}", dir.display()));
            } else {
                eprintln!("skipped: {file} is not in {}", dir.display());
            }
            continue;
        };
        match levels_for(&case, &pdf, &key) {
            Ok(actual) if actual == expected => {}
            Ok(actual) => failures.push(format!(
                "{case} {file}:\n  expected {expected:?}\n  got      {actual:?}"
            )),
            Err(why) => failures.push(format!("{case} {file}: {why}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} corpus files fail (a changed level means the analysis changed: re-run \
         scripts/compare_diff_levels.py and check the comparison with pyHanko):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
