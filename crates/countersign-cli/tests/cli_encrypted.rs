//! Encrypted inputs on the command line (issue 22): the document password comes from a file or
//! an environment variable, never from an argument; without it the refusal says so.

#[path = "../../../tests/common/mod.rs"]
mod common;

use std::process::{Command, Output};

fn countersign(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_countersign"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn sign_batch_verify_and_extend_take_the_pdf_password_from_a_file_or_the_environment() {
    let dir = common::TempDir::new("cli-encrypted");
    let input = common::pdf_path("encrypted/r3-rc4-128-user.pdf");
    let input = input.to_str().unwrap();
    let out = dir.path().join("signed.pdf");
    let out = out.to_str().unwrap();
    let password_file = dir.write("password.txt", b"user\n");
    let password_file = password_file.to_str().unwrap();

    let refused = countersign(&["sign", input, "-o", out], &[]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).contains("needs a password"),
        "{}",
        text(&refused.stderr)
    );

    let signed = countersign(
        &[
            "sign",
            input,
            "-o",
            out,
            "--pdf-password-file",
            password_file,
        ],
        &[],
    );
    assert!(signed.status.success(), "{}", text(&signed.stderr));

    let root = common::root_ca_pem();
    let root = root.to_str().unwrap();
    let verified = countersign(
        &[
            "verify",
            out,
            "--trust",
            root,
            "--pdf-password-env",
            "PDF_PW",
        ],
        &[("PDF_PW", "owner")],
    );
    assert!(verified.status.success(), "{}", text(&verified.stdout));
    assert!(text(&verified.stdout).contains("Signature1: VALID"));
    let wrong = countersign(
        &["verify", out, "--pdf-password-env", "PDF_PW"],
        &[("PDF_PW", "nope")],
    );
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        text(&wrong.stderr).contains("password does not open"),
        "{}",
        text(&wrong.stderr)
    );

    let extended = dir.path().join("extended.pdf");
    let extend = countersign(
        &[
            "extend",
            out,
            "-o",
            extended.to_str().unwrap(),
            "--no-timestamp",
            "--crl",
            common::pki_path("tsa-root.crl").to_str().unwrap(),
            "--pdf-password-file",
            password_file,
        ],
        &[],
    );
    assert!(extend.status.success(), "{}", text(&extend.stderr));

    let batch_dir = dir.path().join("batch");
    let batch = countersign(
        &[
            "batch",
            input,
            common::pdf_path("encrypted/r4-aes128.pdf")
                .to_str()
                .unwrap(),
            "-o",
            batch_dir.to_str().unwrap(),
            "--json",
            "--pdf-password-file",
            password_file,
        ],
        &[],
    );
    assert!(
        batch.status.success(),
        "{}{}",
        text(&batch.stdout),
        text(&batch.stderr)
    );
    assert!(batch_dir.join("r4-aes128.pdf").is_file());
}

#[test]
fn the_two_password_sources_exclude_each_other() {
    let input = common::pdf_path("encrypted/r3-rc4-128-user.pdf");
    let both = countersign(
        &[
            "verify",
            input.to_str().unwrap(),
            "--pdf-password-file",
            "x",
            "--pdf-password-env",
            "Y",
        ],
        &[],
    );
    assert_eq!(both.status.code(), Some(2));
    assert!(
        text(&both.stderr).contains("cannot be used with"),
        "{}",
        text(&both.stderr)
    );
}
