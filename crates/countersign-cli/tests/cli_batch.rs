//! `countersign batch`: folders and files in, one output per input name, refusals reported with
//! their reason, JSON summary, exit code 1 when anything was refused.

#[path = "../../../tests/common/mod.rs"]
mod common;
#[path = "../../../benches/support/generate.rs"]
mod generate;

use std::process::Command;

#[test]
fn batch_signs_a_folder_and_reports_refusals_as_json() {
    let dir = common::TempDir::new("cli-batch");
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    for seed in 0..3 {
        std::fs::write(
            inbox.join(format!("doc{seed}.pdf")),
            generate::text_pdf(1, 4_000, seed),
        )
        .unwrap();
    }
    std::fs::write(inbox.join("broken.pdf"), b"%PDF-1.7\nno xref here").unwrap();
    std::fs::write(inbox.join("notes.txt"), b"not a PDF name: not picked up").unwrap();
    // Same file name as one in the folder: refused rather than overwriting.
    let twin = dir.write("doc1.pdf", &generate::text_pdf(1, 4_000, 9));
    let out = dir.path().join("out");

    let output = Command::new(env!("CARGO_BIN_EXE_countersign"))
        .arg("batch")
        .arg(&inbox)
        .arg(&twin)
        .arg("-o")
        .arg(&out)
        .args(["--json", "--jobs", "2", "--time", "1767225600"])
        .args([
            "--cert",
            "testdata/pki/demo.chain.pem",
            "--key",
            "testdata/pki/demo.key.pem",
        ])
        .current_dir(common::repo_root())
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["signed"], 3, "{report:#}");
    assert_eq!(report["refused"], 2, "{report:#}");
    let results = report["results"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = results
        .iter()
        .map(|r| {
            (
                r["status"].as_str().unwrap(),
                r["error_kind"].as_str().unwrap_or(""),
            )
        })
        .collect();
    // Folder entries in name order, then the explicit file. The broken file's kind is the
    // reader's business (damaged or truncated); it is a document error, not an input error.
    assert_eq!(kinds[0].0, "refused");
    assert!(
        !["", "Input", "Panicked"].contains(&kinds[0].1),
        "{kinds:?}"
    );
    assert_eq!(
        kinds[1..],
        [
            ("signed", ""),
            ("signed", ""),
            ("signed", ""),
            ("refused", "Input"),
        ]
    );
    let mut written: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, ["doc0.pdf", "doc1.pdf", "doc2.pdf"]);
    let original = std::fs::read(inbox.join("doc1.pdf")).unwrap();
    assert!(
        std::fs::read(out.join("doc1.pdf"))
            .unwrap()
            .starts_with(&original)
    );
}

/// The digest follows the key as it does for `sign`: an Ed25519 seal (RFC 8419: SHA-512 only)
/// signs a batch without `--digest`, and every output verifies.
#[test]
fn an_ed25519_batch_needs_no_digest_flag() {
    let dir = common::TempDir::new("cli-batch-ed25519");
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    for seed in 0..2 {
        std::fs::write(
            inbox.join(format!("doc{seed}.pdf")),
            generate::text_pdf(1, 4_000, seed),
        )
        .unwrap();
    }
    let out = dir.path().join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_countersign"))
        .arg("batch")
        .arg(&inbox)
        .arg("-o")
        .arg(&out)
        .arg("--json")
        .args([
            "--cert",
            "testdata/pki/demo-ed25519.chain.pem",
            "--key",
            "testdata/pki/demo-ed25519.key.pem",
        ])
        .current_dir(common::repo_root())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["signed"], 2, "{report:#}");
    for seed in 0..2 {
        let verified = Command::new(env!("CARGO_BIN_EXE_countersign"))
            .arg("verify")
            .arg(out.join(format!("doc{seed}.pdf")))
            .arg("--trust")
            .arg("testdata/pki/root-ca.cert.pem")
            .current_dir(common::repo_root())
            .output()
            .unwrap();
        assert!(verified.status.success(), "{verified:?}");
    }
}

/// A FIFO named on the command line is refused as an input rather than waited on (it used to
/// block the whole batch, red team).
#[cfg(unix)]
#[test]
fn a_fifo_input_is_refused_and_the_batch_ends() {
    let dir = common::TempDir::new("cli-batch-fifo");
    let fifo = dir.path().join("pipe.pdf");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let regular = dir.write("doc.pdf", &generate::text_pdf(1, 4_000, 1));
    let output = Command::new(env!("CARGO_BIN_EXE_countersign"))
        .arg("batch")
        .arg(&fifo)
        .arg(&regular)
        .arg("-o")
        .arg(dir.path().join("out"))
        .arg("--json")
        .current_dir(common::repo_root())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["signed"], 1, "{report:#}");
    assert_eq!(report["results"][0]["error_kind"], "Input", "{report:#}");
    assert!(
        report["results"][0]["error"]
            .as_str()
            .unwrap()
            .contains("not a regular file")
    );
}
