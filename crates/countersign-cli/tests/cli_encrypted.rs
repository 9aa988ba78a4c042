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

/// A PDF encrypted for a certificate (Adobe.PubSec) opens with the recipient's certificate and
/// key, PEM or DER; without them the refusal names what is missing.
#[test]
fn a_pubsec_pdf_is_signed_and_verified_with_the_recipient_files() {
    let dir = common::TempDir::new("cli-pubsec");
    let input = common::repo_root().join("testdata/pubsec/pubsec-aes256.pdf");
    let input = input.to_str().unwrap();
    let pki = common::repo_root().join("testdata/pki");
    let file = |name: &str| pki.join(name).to_str().unwrap().to_string();
    let out = dir.path().join("signed.pdf");
    let out = out.to_str().unwrap();

    let refused = countersign(&["sign", input, "-o", out], &[]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = text(&refused.stderr);
    assert!(stderr.to_lowercase().contains("recipient"), "{stderr}");

    for (cert, key) in [
        ("pubsec-recipient.cert.pem", "pubsec-recipient.key.pem"),
        ("pubsec-recipient.cert.der", "pubsec-recipient.key.der"),
    ] {
        let (cert, key) = (file(cert), file(key));
        let recipient = ["--pdf-recipient-cert", &cert, "--pdf-recipient-key", &key];
        let signed = countersign(&[&["sign", input, "-o", out][..], &recipient].concat(), &[]);
        assert!(signed.status.success(), "{}", text(&signed.stderr));
        let original = std::fs::read(input).unwrap();
        let output = std::fs::read(out).unwrap();
        assert!(
            output.starts_with(&original),
            "the original bytes stay a prefix"
        );
        let root = common::root_ca_pem();
        let verify = [
            &["verify", out, "--trust", root.to_str().unwrap()][..],
            &recipient,
        ]
        .concat();
        let verified = countersign(&verify, &[]);
        assert!(verified.status.success(), "{}", text(&verified.stdout));
    }

    // The demo organisation's certificate is not a recipient of the document.
    let wrong = countersign(
        &[
            "verify",
            input,
            "--pdf-recipient-cert",
            &file("demo.chain.pem"),
            "--pdf-recipient-key",
            &file("demo.key.pem"),
        ],
        &[],
    );
    assert_eq!(wrong.status.code(), Some(2), "{}", text(&wrong.stdout));
    assert!(
        text(&wrong.stderr).to_lowercase().contains("recipient"),
        "{}",
        text(&wrong.stderr)
    );
}

/// Runs a red-team reproducer (testdata/tools) against this build; `None` when its tools
/// (python3, qpdf, mutool; pyHanko for `venv`) are missing outside CI.
fn red_team(script: &str, venv: bool, out: &std::path::Path, extra: &[&str]) -> Option<Output> {
    for tool in ["qpdf", "mutool"] {
        common::validators::require_tool(tool).ok()?;
    }
    let python = if venv {
        // pyHanko's environment has the AES the script needs.
        common::validators::require_tool("pyhanko")
            .ok()?
            .with_file_name("python")
    } else {
        std::path::PathBuf::from("python3")
    };
    let root = common::repo_root();
    let output = Command::new(python)
        .current_dir(&root)
        .arg(root.join("testdata/tools").join(script))
        .arg(env!("CARGO_BIN_EXE_countersign"))
        .arg(root.join("testdata/pdf/classic.pdf"))
        .arg(root.join("testdata/pki"))
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{script}: {}",
        text(&output.stderr)
    );
    Some(output)
}

fn verify_json(file: &std::path::Path) -> serde_json::Value {
    let root = common::root_ca_pem();
    let out = countersign(
        &[
            "verify",
            file.to_str().unwrap(),
            "--trust",
            root.to_str().unwrap(),
            "--json",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Red team (issue 22): AES strings of 16–31 bytes, or a partial last block, were read as empty
/// while MuPDF shows them as written, so a plain `/V (PAY …)` after a P1 certification was no
/// change. They are now read as MuPDF reads them, and the change is seen.
#[test]
fn a_short_aes_string_written_after_signing_is_seen() {
    let dir = common::TempDir::new("redteam-enc-short");
    if red_team("redteam_enc_short_aes_string.py", false, dir.path(), &[]).is_none() {
        return;
    }
    let report = verify_json(&dir.path().join("forged.pdf"));
    let first = &report["signatures"][0]["modifications"];
    assert_ne!(first["level"], "none", "{report:#}");
    assert_eq!(first["permitted"], false, "{report:#}");
}

/// Red team (issue 22): a `/Crypt` filter that is not first, or whose parameters a `/Filter`
/// array leaves to a lone dictionary, was decrypted where MuPDF does not; such streams are now
/// refused, so the forged revision does not verify.
#[test]
fn a_crypt_filter_readers_disagree_on_is_refused() {
    for variant in [&[][..], &["index1"][..]] {
        let dir = common::TempDir::new("redteam-enc-crypt");
        if red_team(
            "redteam_enc_crypt_decodeparms_dict.py",
            true,
            dir.path(),
            variant,
        )
        .is_none()
        {
            return;
        }
        let report = verify_json(&dir.path().join("forged.pdf"));
        assert_eq!(report["all_valid"], false, "{variant:?}: {report:#}");
    }
}

/// Red team (issue 22): R6's `/P` is not part of the key; `/Perms` vouches for it (Algorithm
/// 13). A file whose `/P` was rewritten to grant form filling is refused.
#[test]
fn permissions_rewritten_without_the_owner_password_are_refused() {
    let dir = common::TempDir::new("redteam-enc-perms");
    let Some(output) = red_team("redteam_enc_r6_perms_unchecked.py", false, dir.path(), &[]) else {
        return;
    };
    let printed = text(&output.stdout);
    assert!(printed.contains("/P rewritten: sign exit 2"), "{printed}");
    assert!(
        printed.contains("/Perms does not vouch for /P"),
        "{printed}"
    );
}
