//! The CLI writing into a pipe whose reader went away (`countersign verify f.pdf | head -1`,
//! issue 20): no panic and no backtrace, the rest of the output is dropped, and the exit status
//! is the command's own. The pipes here are closed before the command starts, so that every
//! write fails, not only those after a reader happened to leave.

#[path = "../../../tests/common/mod.rs"]
mod common;

use std::process::{Command, ExitStatus, Stdio};

/// A pipe whose reading end is already closed.
fn closed_pipe() -> std::io::PipeWriter {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer
}

/// Runs `countersign args` with stdout (or stderr) into a closed pipe; returns the status and
/// whatever went to the other stream.
fn run_into_closed(args: &[&str], close_stderr: bool) -> (ExitStatus, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_countersign"));
    command.args(args).stdin(Stdio::null());
    if close_stderr {
        command
            .stderr(Stdio::from(closed_pipe()))
            .stdout(Stdio::piped());
    } else {
        command
            .stdout(Stdio::from(closed_pipe()))
            .stderr(Stdio::piped());
    }
    let output = command.output().unwrap();
    let other = if close_stderr {
        output.stdout
    } else {
        output.stderr
    };
    (output.status, String::from_utf8_lossy(&other).into_owned())
}

#[test]
fn verify_into_a_closed_pipe_exits_quietly_with_its_verdict() {
    let dir = common::TempDir::new("cli-pipe-verify");
    let signed = dir.path().join("signed.pdf");
    let input = common::pdf_path("classic.pdf");
    let (status, stderr) = run_into_closed(
        &[
            "sign",
            input.to_str().unwrap(),
            "-o",
            signed.to_str().unwrap(),
        ],
        false,
    );
    assert!(status.success(), "{stderr}");
    let root = common::root_ca_pem();
    let args = [
        "verify",
        signed.to_str().unwrap(),
        "--trust",
        root.to_str().unwrap(),
    ];
    let (status, stderr) = run_into_closed(&args, false);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(status.code(), Some(0), "{stderr}");
    let json = [&args[..], &["--json"]].concat();
    let (status, stderr) = run_into_closed(&json, false);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(status.code(), Some(0), "{stderr}");
    // Unsigned: exit 1 ("no signatures" went nowhere), still without a panic.
    let (status, stderr) = run_into_closed(&["verify", input.to_str().unwrap()], false);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(status.code(), Some(1), "{stderr}");
    // Without --trust, the advice goes to stderr: closed too.
    let (status, stdout) = run_into_closed(&["verify", signed.to_str().unwrap()], true);
    assert_eq!(status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("VALID") || stdout.contains("INVALID"),
        "{stdout}"
    );
}

#[test]
fn sign_batch_and_errors_into_a_closed_stderr_or_stdout_exit_quietly() {
    let dir = common::TempDir::new("cli-pipe-sign");
    let input = common::pdf_path("classic.pdf");
    let out = dir.path().join("out.pdf");
    // Demo-organisation note and "signed ..." both go to the closed stderr.
    let sign = ["sign", input.to_str().unwrap(), "-o", out.to_str().unwrap()];
    let (status, _) = run_into_closed(&sign, true);
    assert_eq!(status.code(), Some(0));
    assert!(out.is_file());
    let batch_dir = dir.path().join("batch");
    let batch = [
        "batch",
        input.to_str().unwrap(),
        "-o",
        batch_dir.to_str().unwrap(),
        "--json",
    ];
    let (status, stderr) = run_into_closed(&batch, false);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(status.code(), Some(0), "{stderr}");
    // An error message into a closed stderr: exit 2, as with an open one.
    let missing = dir.path().join("missing.pdf");
    let (status, _) = run_into_closed(&["verify", missing.to_str().unwrap()], true);
    assert_eq!(status.code(), Some(2));
}
