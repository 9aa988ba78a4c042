//! `countersign sign` and `batch` with a key on a PKCS#11 token (SoftHSM2): the chain from the
//! token or from `--cert`, the PIN from a file or an environment variable, and refusals that
//! name what exists. Without SoftHSM2 the tests print `skipped: …` (they fail under `CI=true`).
#![cfg(feature = "pkcs11")]

#[path = "../../../tests/common/mod.rs"]
mod common;

use std::process::{Command, Output};

use common::softhsm::{PIN, SoftHsm, standard_tokens};

fn countersign(hsm: &SoftHsm, args: &[&str]) -> Output {
    let (name, value) = hsm.env();
    Command::new(env!("CARGO_BIN_EXE_countersign"))
        .env(name, value)
        .env("COUNTERSIGN_TEST_HSM_PIN", PIN)
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn path(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

/// pdfsig and pyHanko accept the signature and it ends at the test root.
fn assert_accepted(signed: &std::path::Path, input: &std::path::Path) {
    let original = std::fs::read(input).unwrap();
    let output = std::fs::read(signed).unwrap();
    let acceptance = common::acceptance::check_signed_output(
        &original,
        &output,
        signed,
        &common::root_ca_pem(),
        &[],
    );
    acceptance.assert_ok(&signed.display().to_string());
}

#[test]
fn sign_with_a_token_key_and_the_chain_from_the_token_or_from_cert() {
    let Some(hsm) = SoftHsm::new("cli-pkcs11", &standard_tokens()) else {
        return;
    };
    let module = path(&hsm.module);
    let input = common::pdf_path("classic.pdf");
    let from_token = hsm.path().join("from-token.pdf");
    let signed = countersign(
        &hsm,
        &[
            "sign",
            path(&input),
            "-o",
            path(&from_token),
            "--pkcs11-module",
            module,
            "--token",
            "rsa",
            "--key-label",
            "demo",
            "--pin-file",
            path(&hsm.pin_file),
        ],
    );
    assert!(signed.status.success(), "{}", text(&signed.stderr));
    assert!(!text(&signed.stderr).contains("demo organisation"));
    assert_accepted(&from_token, &input);

    let chain = common::pki_path("demo-p256.chain.pem");
    let from_files = hsm.path().join("from-files.pdf");
    let signed = countersign(
        &hsm,
        &[
            "sign",
            path(&input),
            "-o",
            path(&from_files),
            "--pkcs11-module",
            module,
            "--token",
            "ec",
            "--key-id",
            "02",
            "--pin-env",
            "COUNTERSIGN_TEST_HSM_PIN",
            "--cert",
            path(&chain),
        ],
    );
    assert!(signed.status.success(), "{}", text(&signed.stderr));
    assert_accepted(&from_files, &input);

    let root = common::root_ca_pem();
    let verified = countersign(&hsm, &["verify", path(&from_files), "--trust", path(&root)]);
    assert!(verified.status.success(), "{}", text(&verified.stdout));
}

#[test]
fn refusals_name_the_tokens_and_keys_that_exist_and_write_nothing() {
    let Some(hsm) = SoftHsm::new("cli-pkcs11-refusals", &standard_tokens()) else {
        return;
    };
    let input = common::pdf_path("classic.pdf");
    let out = hsm.path().join("never.pdf");
    let wrong_pin = hsm.path().join("wrong-pin");
    std::fs::write(&wrong_pin, "0000").unwrap();
    let attempt = |token: &str, key: &str, pin: &std::path::Path| {
        countersign(
            &hsm,
            &[
                "sign",
                path(&input),
                "-o",
                path(&out),
                "--pkcs11-module",
                path(&hsm.module),
                "--token",
                token,
                "--key-label",
                key,
                "--pin-file",
                path(pin),
            ],
        )
    };
    let cases = [
        (attempt("nope", "demo", &hsm.pin_file), "label rsa (serial "),
        (
            attempt("rsa", "nope", &hsm.pin_file),
            "keys present: label demo (id 01)",
        ),
        (
            attempt("empty", "demo", &wrong_pin),
            "wrong PIN for token empty",
        ),
    ];
    for (output, expected) in cases {
        assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
        assert!(
            text(&output.stderr).contains(expected),
            "{}",
            text(&output.stderr)
        );
        assert!(!text(&output.stderr).contains("0000"));
    }
    assert!(!out.exists());
}

#[test]
fn batch_signs_a_folder_through_two_sessions() {
    let Some(hsm) = SoftHsm::new("cli-pkcs11-batch", &standard_tokens()) else {
        return;
    };
    let inputs = hsm.path().join("in");
    std::fs::create_dir_all(&inputs).unwrap();
    for i in 0..6 {
        std::fs::copy(
            common::pdf_path(if i % 2 == 0 {
                "classic.pdf"
            } else {
                "pdf20.pdf"
            }),
            inputs.join(format!("doc{i}.pdf")),
        )
        .unwrap();
    }
    let outputs = hsm.path().join("out");
    let batch = countersign(
        &hsm,
        &[
            "batch",
            path(&inputs),
            "-o",
            path(&outputs),
            "--jobs",
            "2",
            "--json",
            "--pkcs11-module",
            path(&hsm.module),
            "--token",
            "rsa",
            "--key-label",
            "demo",
            "--pin-file",
            path(&hsm.pin_file),
            "--pkcs11-sessions",
            "2",
        ],
    );
    assert!(batch.status.success(), "{}", text(&batch.stderr));
    let root = common::root_ca_pem();
    for i in 0..6 {
        let signed = outputs.join(format!("doc{i}.pdf"));
        let verified = countersign(&hsm, &["verify", path(&signed), "--trust", path(&root)]);
        assert!(verified.status.success(), "{}", text(&verified.stdout));
    }
    let report = common::pdfsig_verify(&outputs.join("doc1.pdf"), &root);
    assert!(
        report.skipped || report.all_valid_and_trusted(),
        "{report:?}"
    );
}
