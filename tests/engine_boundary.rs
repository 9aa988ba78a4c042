//! The service (crates/countersign-ess) and the CLI (crates/countersign-cli) are crates of their
//! own, so the compiler already keeps them to the engine's public API; what it cannot see is
//! `countersign::__private`, which exists for the engine's tests, benches and fuzz targets only.
//! This test keeps the two crates' sources (not their tests) off it.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

#[test]
fn service_and_cli_sources_do_not_reach_into_private_engine_items() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for krate in ["countersign-ess", "countersign-cli"] {
        rust_files(&root.join("crates").join(krate).join("src"), &mut files);
    }
    assert!(files.len() > 20, "found only {} source files", files.len());
    let offenders: Vec<String> = files
        .iter()
        .filter(|path| {
            std::fs::read_to_string(path)
                .unwrap()
                .contains("countersign::__private")
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "engine internals used by: {offenders:?}"
    );
}
