//! `sign_file` makes its output durable: the temporary file is flushed to disk before it is
//! renamed over the output, and the directory is synced after the rename. Observed with strace on
//! the CLI, which signs through `sign_file`.
#![cfg(target_os = "linux")]

#[path = "../../../tests/common/mod.rs"]
mod common;

use std::process::Command;

/// strace, or `None` (outside CI) with a `skipped:` line.
fn strace() -> Option<&'static str> {
    if Command::new("strace").arg("-V").output().is_ok() {
        return Some("strace");
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "strace not installed, but CI=true requires it (see .ci/run)"
    );
    eprintln!("skipped: strace not installed");
    None
}

#[test]
fn the_output_is_flushed_before_the_rename_and_the_rename_after_it() {
    let Some(strace) = strace() else { return };
    let dir = common::TempDir::new("durability");
    let output = dir.path().join("signed.pdf");
    let log = dir.path().join("strace.log");
    let status = Command::new(strace)
        .args([
            "-f",
            "-y",
            "-e",
            "trace=fsync,fdatasync,rename,renameat,renameat2",
            "-o",
        ])
        .arg(&log)
        .arg(env!("CARGO_BIN_EXE_countersign"))
        .arg("sign")
        .arg(common::pdf_path("classic.pdf"))
        .arg("-o")
        .arg(&output)
        .status()
        .unwrap();
    assert!(status.success());
    let log = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    let rename = lines
        .iter()
        .position(|l| l.contains("rename") && l.contains("signed.pdf\""))
        .unwrap_or_else(|| panic!("no rename onto the output:\n{log}"));
    let synced_temp = lines[..rename]
        .iter()
        .any(|l| (l.contains("fsync(") || l.contains("fdatasync(")) && l.contains(".tmp>"));
    assert!(
        synced_temp,
        "temporary file not flushed before the rename:\n{log}"
    );
    let dir_name = dir.path().canonicalize().unwrap();
    let synced_dir = lines[rename..]
        .iter()
        .any(|l| l.contains("fsync(") && l.contains(&format!("<{}>", dir_name.display())));
    assert!(synced_dir, "directory not synced after the rename:\n{log}");
}
