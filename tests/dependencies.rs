//! The dependency graph promises of Cargo.toml, checked with `cargo tree` (no build involved):
//! without default features no PKCS#12 stack is compiled, and no configuration turns on `rsa`'s
//! own RNG, so the RSA signer's explicit RNG is the only one in play; and the engine, in any
//! configuration, pulls in none of the service's or the CLI's stacks.

use std::process::Command;

/// `name version [features]` of every normal dependency for the given feature flags.
fn packages(feature_flags: &[&str]) -> Vec<String> {
    let output = Command::new(env!("CARGO"))
        // Not --offline: a fresh clone may lack a crate the build did not need (cargo fetches it).
        .args([
            "tree",
            "-p",
            "countersign",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .args(["--format", "{p} [{f}]", "--manifest-path"])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .args(feature_flags)
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn without_default_features_no_pkcs12_stack_is_compiled() {
    let lean = packages(&["--no-default-features"]);
    for absent in ["p12-keystore ", "der v0.7", "cms v0.2", "x509-cert v0.2"] {
        assert!(
            !lean.iter().any(|p| p.starts_with(absent)),
            "{absent} is compiled without the pkcs12 feature"
        );
    }
    let default = packages(&[]);
    assert!(
        default.iter().any(|p| p.starts_with("p12-keystore ")),
        "PKCS#12 loading is on by default"
    );
}

#[test]
fn rsa_never_brings_its_own_rng_and_builders_stay_off() {
    for flags in [&["--no-default-features"][..], &[], &["--all-features"]] {
        let graph = packages(flags);
        let rsa = graph
            .iter()
            .find(|p| p.starts_with("rsa v"))
            .expect("rsa in the graph");
        assert!(!rsa.contains("getrandom"), "{flags:?}: {rsa}");
        for crate_name in ["cms v0.3", "x509-cert v0.3"] {
            let line = graph.iter().find(|p| p.starts_with(crate_name)).unwrap();
            assert!(!line.contains("builder"), "{flags:?}: {line}");
        }
    }
}

/// Issue 21: a server that links the engine gets no async runtime, HTTP server, JSON, database
/// or argument parser with it; those belong to countersign-ess and countersign-cli.
#[test]
fn the_engine_brings_no_service_or_cli_stack() {
    let graph = packages(&["--all-features"]);
    assert!(graph.iter().any(|p| p.starts_with("countersign v")));
    for absent in [
        "tokio ",
        "axum ",
        "hyper ",
        "serde_json ",
        "rusqlite ",
        "postgres ",
        "clap ",
        "toml ",
        "object_store ",
        "countersign-ess ",
    ] {
        assert!(
            !graph.iter().any(|p| p.starts_with(absent)),
            "the engine depends on {absent}"
        );
    }
}
