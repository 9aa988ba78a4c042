//! The public API of the crate that includes this file (the engine, and the service through
//! crates/countersign-ess/tests/public_api.rs), item by item, against its committed snapshots
//! `tests/public-api.txt` (default features) and `tests/public-api-all-features.txt`: adding, changing or removing anything a
//! downstream crate can name shows up here as a diff, and is committed on purpose.
//!
//! The listing comes from rustdoc's JSON output (`public-api` reads it), produced by the
//! toolchain that runs the tests with `RUSTC_BOOTSTRAP=1` (the JSON output is unstable; format
//! version 57 is what rustc 1.95 and the nightlies of 2026 write). After an intended change:
//!
//! ```text
//! UPDATE_PUBLIC_API=1 cargo test --test public_api
//! ```
//!
//! The same JSON shows every public item's documentation: each module, type, trait, function,
//! method and constant must carry an example that compiles (a Rust code block, run as a doctest).

use std::path::{Path, PathBuf};
use std::process::Command;

const UPDATE_VAR: &str = "UPDATE_PUBLIC_API";

/// One test for both listings: they are built one after the other in one target folder (the
/// dependencies are checked once), and the JSON file of one run is overwritten by the next. The
/// examples are checked on the all-features JSON, which holds every item.
#[test]
fn public_api_matches_the_snapshots_and_every_item_has_an_example() {
    let mut failures = Vec::new();
    for (cargo_args, snapshot) in [
        (&[][..], "public-api.txt"),
        (&["--all-features"][..], "public-api-all-features.txt"),
    ] {
        let Some(json) = rustdoc_json(cargo_args) else {
            continue;
        };
        failures.extend(check(&json, cargo_args, snapshot));
        if !cargo_args.is_empty() {
            failures.extend(check_examples(&json));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `None` when the listing matches (or was written).
fn check(json: &Path, cargo_args: &[&str], snapshot: &str) -> Option<String> {
    // Blanket impls (`impl<T> From<T> for T`, and those of every dependency) would make the
    // listing change with dependency updates that change nothing here.
    let api = public_api::Builder::from_rustdoc_json(json)
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
    Some(
        target
            .join("doc")
            .join(format!("{}.json", env!("CARGO_PKG_NAME").replace('-', "_"))),
    )
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

/// `None` when every public item has an example.
fn check_examples(json: &Path) -> Option<String> {
    let text = std::fs::read_to_string(json).unwrap_or_else(|e| panic!("{}: {e}", json.display()));
    let krate: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut walk = ItemWalk {
        index: &krate["index"],
        seen: Default::default(),
        missing: Default::default(),
        checked: 0,
    };
    walk.visit(&krate["root"], "");
    // A walk that finds (almost) nothing means rustdoc's JSON layout changed, not that all is well.
    if walk.checked < 100 {
        return Some(format!(
            "the rustdoc JSON walk reached only {} items: has its layout changed?",
            walk.checked
        ));
    }
    (!walk.missing.is_empty()).then(|| {
        format!(
            "public items without an example (a `# Examples` section with a Rust code block \
             that compiles; `no_run` is fine, `ignore` and `text` are not):\n  {}\n",
            walk.missing.join("\n  ")
        )
    })
}

/// Walks the public items from the crate root as a user reaches them: modules, re-exports,
/// types and their inherent methods, traits and their items. Trait-impl items inherit the
/// trait's documentation; fields and variants are documented but need no example.
struct ItemWalk<'a> {
    index: &'a serde_json::Value,
    seen: std::collections::BTreeSet<String>,
    missing: Vec<String>,
    checked: usize,
}

impl ItemWalk<'_> {
    fn visit(&mut self, id: &serde_json::Value, parent: &str) {
        let key = id.to_string();
        let item = &self.index[key.as_str()];
        if item.is_null() || !self.seen.insert(key) {
            return;
        }
        let Some((kind, inner)) = item["inner"].as_object().and_then(|o| o.iter().next()) else {
            return;
        };
        if kind == "use" {
            // A re-export: the item itself, under the path it is first reached by.
            self.visit(&inner["id"], parent);
            return;
        }
        let path = match item["name"].as_str() {
            Some(name) if parent.is_empty() => name.to_string(),
            Some(name) => format!("{parent}::{name}"),
            None => parent.to_string(),
        };
        const NEEDS_EXAMPLE: [&str; 9] = [
            "module",
            "struct",
            "enum",
            "union",
            "trait",
            "function",
            "type_alias",
            "constant",
            "static",
        ];
        if NEEDS_EXAMPLE.contains(&kind.as_str()) {
            self.checked += 1;
            if !has_rust_example(item["docs"].as_str().unwrap_or("")) {
                self.missing.push(path.clone());
            }
        }
        let children: Vec<serde_json::Value> = match kind.as_str() {
            "module" | "trait" => inner["items"].as_array().cloned().unwrap_or_default(),
            "struct" | "enum" | "union" => self.inherent_items(inner),
            _ => Vec::new(),
        };
        for child in &children {
            self.visit(child, &path);
        }
    }

    fn inherent_items(&self, inner: &serde_json::Value) -> Vec<serde_json::Value> {
        let mut items = Vec::new();
        for impl_id in inner["impls"].as_array().into_iter().flatten() {
            let block = &self.index[impl_id.to_string().as_str()]["inner"]["impl"];
            if block["trait"].is_null() && block["blanket_impl"].is_null() {
                items.extend(block["items"].as_array().cloned().unwrap_or_default());
            }
        }
        items
    }
}

/// Whether `docs` hold a code block rustdoc compiles as a doctest.
fn has_rust_example(docs: &str) -> bool {
    let mut in_block = false;
    for line in docs.lines() {
        let Some(info) = line.trim_start().strip_prefix("```") else {
            continue;
        };
        if in_block {
            in_block = false;
            continue;
        }
        in_block = true;
        let compiled = info
            .split(',')
            .map(str::trim)
            .all(|tag| matches!(tag, "" | "rust" | "no_run" | "should_panic"));
        if compiled {
            return true;
        }
    }
    false
}

#[test]
fn code_blocks_that_count_as_examples() {
    assert!(has_rust_example("Text.\n\n```\nlet x = 1;\n```\n"));
    assert!(has_rust_example("```no_run\nconnect();\n```"));
    assert!(has_rust_example(
        "```text\nnot code\n```\n\n```rust\nlet y = 2;\n```"
    ));
    assert!(!has_rust_example("```text\nUPDATE=1 cargo test\n```"));
    assert!(!has_rust_example("```ignore\nnot compiled\n```"));
    assert!(!has_rust_example("No code at all."));
}
