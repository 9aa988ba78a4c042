//! The public API, item by item, against the committed snapshots `tests/public-api.txt` (default
//! features) and `tests/public-api-all-features.txt`: adding, changing or removing anything a
//! downstream crate can name shows up here as a diff, and is committed on purpose.
//!
//! The listing comes from rustdoc's JSON output (`public-api` reads it), produced by the
//! toolchain that runs the tests with `RUSTC_BOOTSTRAP=1` (the JSON output is unstable; format
//! version 57 is what rustc 1.95 and the nightlies of 2026 write). After an intended change:
//!
//! ```text
//! UPDATE_PUBLIC_API=1 cargo test --test public_api
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;

const UPDATE_VAR: &str = "UPDATE_PUBLIC_API";

/// One test for both listings: they are built one after the other in one target folder (the
/// dependencies are checked once), and the JSON file of one run is overwritten by the next.
#[test]
fn public_api_matches_the_snapshots() {
    let mut failures = Vec::new();
    for (cargo_args, snapshot) in [
        (&[][..], "public-api.txt"),
        (&["--all-features"][..], "public-api-all-features.txt"),
    ] {
        if let Some(failure) = check(cargo_args, snapshot) {
            failures.push(failure);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `None` when the listing matches (or was written, or could not be built outside CI).
fn check(cargo_args: &[&str], snapshot: &str) -> Option<String> {
    let json = rustdoc_json(cargo_args)?;
    // Blanket impls (`impl<T> From<T> for T`, and those of every dependency) would make the
    // listing change with dependency updates that change nothing here.
    let api = public_api::Builder::from_rustdoc_json(&json)
        .omit_blanket_impls(true)
        .build()
        .unwrap_or_else(|e| panic!("reading {}: {e}", json.display()));
    let actual = format!("{api}");
    let path = manifest_dir().join("tests").join(snapshot);
    if std::env::var_os(UPDATE_VAR).is_some() {
        std::fs::write(&path, &actual).unwrap();
        eprintln!("updated {}", path.display());
        return None;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    (expected != actual).then(|| {
        format!(
            "the public API ({}) differs from {}:\n{}\nIf the change is intended, regenerate the \
             snapshots and commit them:\n    {UPDATE_VAR}=1 cargo test --test public_api\n",
            if cargo_args.is_empty() {
                "default features"
            } else {
                "all features"
            },
            path.display(),
            diff(&expected, &actual)
        )
    })
}

/// Builds the crate's rustdoc JSON with `cargo_args`; `None` (skipped) when the toolchain
/// cannot, except under CI=true where that fails the test.
fn rustdoc_json(cargo_args: &[&str]) -> Option<PathBuf> {
    // A target folder of its own: the outer `cargo test` holds the lock on the usual one.
    let target = manifest_dir().join("target").join("public-api");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(manifest_dir())
        .args(["rustdoc", "--lib", "--quiet", "--target-dir"])
        .arg(&target)
        .args(cargo_args)
        .args(["--", "-Z", "unstable-options", "--output-format", "json"])
        // The JSON output is unstable: allowed on a stable toolchain with this variable.
        .env("RUSTC_BOOTSTRAP", "1")
        .env_remove("RUSTDOCFLAGS")
        .output();
    let failure = match output {
        Ok(output) if output.status.success() => None,
        Ok(output) => Some(String::from_utf8_lossy(&output.stderr).into_owned()),
        Err(e) => Some(e.to_string()),
    };
    if let Some(failure) = failure {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "rustdoc JSON could not be built in CI: {failure}"
        );
        eprintln!("skipped: rustdoc JSON could not be built: {failure}");
        return None;
    }
    Some(target.join("doc").join("countersign.json"))
}

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The lines only in `expected` (`-`) and only in `actual` (`+`): the listing is sorted, one
/// item per line, so a set difference reads like a diff.
fn diff(expected: &str, actual: &str) -> String {
    let old: std::collections::BTreeSet<&str> = expected.lines().collect();
    let new: std::collections::BTreeSet<&str> = actual.lines().collect();
    let mut out = String::new();
    for line in old.difference(&new) {
        out.push_str(&format!("- {line}\n"));
    }
    for line in new.difference(&old) {
        out.push_str(&format!("+ {line}\n"));
    }
    if out.is_empty() {
        out.push_str("(same items, different order or duplicates)\n");
    }
    out
}
