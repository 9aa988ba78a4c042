//! `countersign sign --prepare` / `--complete` with an out-of-process signer (`openssl`, run
//! as its own process on the files the first phase wrote), as a KMS or a remote service would
//! sign in between.

#[path = "../../../tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::acceptance::check_signed_output;
use common::validators::require_tool;

fn countersign(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_countersign"))
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Runs `openssl` with `args`; `None` (skipped) when it is not installed outside CI.
fn openssl(args: &[&str]) -> Option<()> {
    let tool = require_tool("openssl").ok()?;
    let run = Command::new(tool).args(args).output().unwrap();
    assert!(
        run.status.success(),
        "openssl {args:?}: {}",
        text(&run.stderr)
    );
    Some(())
}

struct Prepared {
    state: PathBuf,
    tbs: PathBuf,
    digest: PathBuf,
    stdout: String,
}

fn prepare(dir: &common::TempDir, input: &Path, chain: &str, extra: &[&str]) -> Prepared {
    let state = dir.path().join(format!("{chain}.state"));
    let tbs = dir.path().join(format!("{chain}.tbs.der"));
    let digest = dir.path().join(format!("{chain}.digest"));
    let chain = common::pki_path(chain);
    let mut args = vec![
        "sign",
        s(input),
        "--cert",
        s(&chain),
        "--prepare",
        s(&state),
        "--tbs-out",
        s(&tbs),
        "--digest-out",
        s(&digest),
    ];
    args.extend(extra);
    let run = countersign(&args);
    assert!(run.status.success(), "{}", text(&run.stderr));
    Prepared {
        state,
        tbs,
        digest,
        stdout: text(&run.stdout),
    }
}

fn complete(input: &Path, state: &Path, signature: &Path, out: &Path) -> Output {
    countersign(&[
        "sign",
        s(input),
        "--complete",
        s(state),
        "--signature",
        s(signature),
        "-o",
        s(out),
    ])
}

#[test]
fn rsa_signed_by_openssl_in_between_matches_the_one_shot_output_and_validates() {
    let dir = common::TempDir::new("cli-deferred-rsa");
    let input = common::pdf_path("acroform.pdf");
    let time = ["--time", "1790000000", "--reason", "Approved on a phone"];
    let prepared = prepare(&dir, &input, "demo.chain.pem", &time);
    let digest = std::fs::read(&prepared.digest).unwrap();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        prepared.stdout.trim(),
        hex,
        "stdout carries the digest in hex"
    );

    let signature = dir.path().join("rsa.sig");
    let key = common::pki_path("demo.key.pem");
    let signed_by_openssl = openssl(&[
        "dgst",
        "-sha256",
        "-sign",
        s(&key),
        "-out",
        s(&signature),
        s(&prepared.tbs),
    ]);
    if signed_by_openssl.is_none() {
        return;
    }
    let out = dir.path().join("deferred.pdf");
    let run = complete(&input, &prepared.state, &signature, &out);
    assert!(run.status.success(), "{}", text(&run.stderr));

    let one_shot = dir.path().join("one-shot.pdf");
    let chain = common::pki_path("demo.chain.pem");
    let mut args = vec![
        "sign",
        s(&input),
        "-o",
        s(&one_shot),
        "--cert",
        s(&chain),
        "--key",
        s(&key),
    ];
    args.extend(time);
    let run = countersign(&args);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let signed = std::fs::read(&out).unwrap();
    assert!(
        signed == std::fs::read(&one_shot).unwrap(),
        "deferred and one-shot outputs differ"
    );

    let original = std::fs::read(&input).unwrap();
    check_signed_output(&original, &signed, &out, &common::root_ca_pem(), &[])
        .assert_ok("deferred RSA");
}

#[test]
fn ecdsa_signed_over_the_digest_by_openssl_validates() {
    let dir = common::TempDir::new("cli-deferred-p256");
    let input = common::pdf_path("classic.pdf");
    let prepared = prepare(&dir, &input, "demo-p256.chain.pem", &[]);
    let signature = dir.path().join("p256.sig");
    // A KMS-style signer: it gets the digest, not the message.
    let signed_by_openssl = openssl(&[
        "pkeyutl",
        "-sign",
        "-inkey",
        s(&common::pki_path("demo-p256.key.pem")),
        "-in",
        s(&prepared.digest),
        "-out",
        s(&signature),
    ]);
    if signed_by_openssl.is_none() {
        return;
    }
    let out = dir.path().join("deferred.pdf");
    let run = complete(&input, &prepared.state, &signature, &out);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let original = std::fs::read(&input).unwrap();
    check_signed_output(
        &original,
        &std::fs::read(&out).unwrap(),
        &out,
        &common::root_ca_pem(),
        &[],
    )
    .assert_ok("deferred P-256");
}

#[test]
fn ed25519_signed_by_openssl_over_the_attributes_themselves_validates() {
    let dir = common::TempDir::new("cli-deferred-ed25519");
    let input = common::pdf_path("classic.pdf");
    let prepared = prepare(&dir, &input, "demo-ed25519.chain.pem", &[]);
    let signature = dir.path().join("ed25519.sig");
    // PureEdDSA: the key signs the message, not a digest of ours.
    let signed_by_openssl = openssl(&[
        "pkeyutl",
        "-sign",
        "-rawin",
        "-inkey",
        s(&common::pki_path("demo-ed25519.key.pem")),
        "-in",
        s(&prepared.tbs),
        "-out",
        s(&signature),
    ]);
    if signed_by_openssl.is_none() {
        return;
    }
    let out = dir.path().join("deferred.pdf");
    let run = complete(&input, &prepared.state, &signature, &out);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let report = common::pyhanko_validate(&out, &common::root_ca_pem());
    if !report.skipped {
        assert!(report.all_intact_valid_trusted(), "{}", report.output);
    }
    common::qpdf_check(&out).assert_ok("qpdf");
    let root = common::root_ca_pem();
    let verified = countersign(&["verify", s(&out), "--trust", s(&root)]);
    assert!(verified.status.success(), "{}", text(&verified.stdout));
}

#[test]
fn a_tsa_timestamps_the_signature_when_it_is_completed() {
    let dir = common::TempDir::new("cli-deferred-b-t");
    let tsa = common::servers::LocalTsa::start();
    let url = tsa.url();
    let input = common::pdf_path("classic.pdf");
    // --tsa at --prepare reserves room for the token; at --complete it stamps the signature.
    let prepared = prepare(&dir, &input, "demo-p256.chain.pem", &["--tsa", &url]);
    let signature = dir.path().join("p256.sig");
    let signed_by_openssl = openssl(&[
        "dgst",
        "-sha256",
        "-sign",
        s(&common::pki_path("demo-p256.key.pem")),
        "-out",
        s(&signature),
        s(&prepared.tbs),
    ]);
    if signed_by_openssl.is_none() {
        return;
    }
    let out = dir.path().join("b-t.pdf");
    let run = countersign(&[
        "sign",
        s(&input),
        "--complete",
        s(&prepared.state),
        "--signature",
        s(&signature),
        "--tsa",
        &url,
        "-o",
        s(&out),
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let root = countersign::crypto::credential::trust_roots_from_pem(
        &std::fs::read(common::root_ca_pem()).unwrap(),
    )
    .unwrap();
    let report = countersign::verify_pdf(
        &std::fs::read(&out).unwrap(),
        &countersign::VerifyOptions::trusting(root),
    )
    .unwrap();
    assert!(report.all_valid(), "{report:?}");
    let timestamp = report.signatures[0]
        .timestamp
        .as_ref()
        .expect("a signature timestamp");
    assert!(timestamp.valid, "{timestamp:?}");
}

#[test]
fn refusals_write_nothing_and_say_why() {
    let dir = common::TempDir::new("cli-deferred-refuse");
    let input = common::pdf_path("classic.pdf");
    let prepared = prepare(&dir, &input, "demo.chain.pem", &[]);
    let out = dir.path().join("out.pdf");

    let garbled = dir.write("garbled.sig", &[0x42; 256]);
    let run = complete(&input, &prepared.state, &garbled, &out);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stderr).contains("does not verify"),
        "{}",
        text(&run.stderr)
    );
    assert!(!out.exists());

    let oversized = dir.write("oversized.sig", &[0x42; 4096]);
    let run = complete(&input, &prepared.state, &oversized, &out);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stderr).contains("more than its declared maximum"),
        "{}",
        text(&run.stderr)
    );
    assert!(!out.exists());

    let other = common::pdf_path("acroform.pdf");
    let run = complete(&other, &prepared.state, &garbled, &out);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stderr).contains("not the one the signature was prepared for"),
        "{}",
        text(&run.stderr)
    );
    assert!(!out.exists());

    let state = std::fs::read(&prepared.state).unwrap();
    let truncated = dir.write("truncated.state", &state[..state.len() / 2]);
    let run = complete(&input, &truncated, &garbled, &out);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stderr).contains("deferred signing state"),
        "{}",
        text(&run.stderr)
    );
    assert!(!out.exists());

    // --prepare takes no private key: the point is that the key is elsewhere.
    let key = common::pki_path("demo.key.pem");
    let chain = common::pki_path("demo.chain.pem");
    let state = dir.path().join("never.state");
    let run = countersign(&[
        "sign",
        s(&input),
        "--cert",
        s(&chain),
        "--key",
        s(&key),
        "--prepare",
        s(&state),
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(!state.exists());
}

/// Red-team findings on the files the two phases read and write: the state never replaces the
/// document being prepared, a signature file is bounded before it is read, a FIFO is refused
/// instead of waited on, and a refused `--complete` leaves no temporary file behind.
#[test]
fn the_phases_read_bounded_regular_files_and_never_overwrite_the_input() {
    let dir = common::TempDir::new("cli-deferred-files");
    let input = dir.write("in.pdf", &common::read_pdf("classic.pdf"));
    let chain = common::pki_path("demo.chain.pem");
    let onto_input = countersign(&[
        "sign",
        s(&input),
        "--cert",
        s(&chain),
        "--prepare",
        s(&input),
    ]);
    assert!(!onto_input.status.success(), "{onto_input:?}");
    assert!(
        text(&onto_input.stderr).contains("would overwrite"),
        "{onto_input:?}"
    );
    assert_eq!(
        std::fs::read(&input).unwrap(),
        common::read_pdf("classic.pdf")
    );

    let prepared = prepare(&dir, &input, "demo.chain.pem", &[]);
    let out = dir.path().join("out.pdf");
    let huge = dir.write("huge.sig", &vec![0u8; 100_000]);
    let refused = complete(&input, &prepared.state, &huge, &out);
    assert!(!refused.status.success());
    assert!(text(&refused.stderr).contains("more than"), "{refused:?}");

    #[cfg(unix)]
    {
        let fifo = dir.path().join("state.fifo");
        let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        let refused = complete(&input, &fifo, &huge, &out);
        assert!(
            text(&refused.stderr).contains("not a regular file"),
            "{refused:?}"
        );
    }
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp") || name == "out.pdf")
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
