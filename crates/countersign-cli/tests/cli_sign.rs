//! `countersign sign` and `verify` as a user runs them: the README's main command, fixed-time
//! determinism, and refusals that name their reason.

#[path = "../../../tests/common/mod.rs"]
mod common;

use std::process::{Command, Output};

fn countersign(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_countersign"))
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn signs_with_the_demo_organisation_and_verifies_against_the_test_root() {
    let dir = common::TempDir::new("cli-sign");
    let out = dir.path().join("signed.pdf");
    let input = common::pdf_path("classic.pdf");
    let signed = countersign(&["sign", input.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(signed.status.success(), "{}", text(&signed.stderr));
    assert!(
        text(&signed.stderr).contains("demo organisation"),
        "{}",
        text(&signed.stderr)
    );
    let original = std::fs::read(&input).unwrap();
    assert!(common::prefix_ok(&original, &std::fs::read(&out).unwrap()));

    let root = common::root_ca_pem();
    let verified = countersign(&[
        "verify",
        out.to_str().unwrap(),
        "--trust",
        root.to_str().unwrap(),
    ]);
    assert!(verified.status.success(), "{}", text(&verified.stdout));
    assert!(text(&verified.stdout).contains("Signature1: VALID"));
    // Unsigned input: nothing to vouch for.
    let unsigned = countersign(&["verify", input.to_str().unwrap()]);
    assert_eq!(unsigned.status.code(), Some(1));
}

#[test]
fn a_fixed_time_gives_identical_bytes_with_every_credential_form() {
    let dir = common::TempDir::new("cli-time");
    let input = common::pdf_path("acroform.pdf");
    let (chain, key, p12) = (
        common::pki_path("demo.chain.pem"),
        common::pki_path("demo.key.pem"),
        common::pki_path("demo.p12"),
    );
    let runs: [Vec<&str>; 3] = [
        vec![
            "--cert",
            chain.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ],
        vec!["--p12", p12.to_str().unwrap(), "--password", "demo"],
        vec![],
    ];
    let mut outputs = Vec::new();
    for (i, credential) in runs.iter().enumerate() {
        let out = dir.path().join(format!("out{i}.pdf"));
        let mut args = vec!["sign", input.to_str().unwrap(), "-o", out.to_str().unwrap()];
        args.extend(["--time", "1790000000", "--reason", "Approved"]);
        args.extend(credential.iter().copied());
        let run = countersign(&args);
        assert!(run.status.success(), "{}", text(&run.stderr));
        outputs.push(std::fs::read(&out).unwrap());
    }
    assert!(outputs.windows(2).all(|pair| pair[0] == pair[1]));
}

#[test]
fn refusals_exit_2_and_say_why() {
    let dir = common::TempDir::new("cli-refuse");
    let out = dir.path().join("out.pdf");
    let p1 = common::pdf_path("certified-p1.pdf");
    let refused = countersign(&["sign", p1.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).contains("DocMDP P=1"),
        "{}",
        text(&refused.stderr)
    );
    assert!(!out.exists(), "nothing is written for a refused file");

    let damaged = dir.write("damaged.pdf", b"%PDF-1.4\n1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n2 0 obj\n<</Type/Pages/Kids[3 0 R]/Count 1>>\nendobj\n3 0 obj\n<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>\nendobj\nstartxref\n9999\n%%EOF\n");
    let refused = countersign(&[
        "sign",
        damaged.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).contains("damaged cross-reference at offset 9999"),
        "{}",
        text(&refused.stderr)
    );
    let repaired = countersign(&[
        "sign",
        damaged.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--repair",
    ]);
    assert!(repaired.status.success(), "{}", text(&repaired.stderr));
    let root = common::root_ca_pem();
    let verified = countersign(&[
        "verify",
        out.to_str().unwrap(),
        "--trust",
        root.to_str().unwrap(),
    ]);
    assert!(verified.status.success(), "{}", text(&verified.stdout));
}

/// The algorithm follows the key: an SM2 key signs SM2-with-SM3 with no other flag, and the
/// GM/T 0010 content types are one flag away. OpenSSL checks the signature independently.
#[test]
fn an_sm2_key_signs_sm2_with_sm3_with_no_other_flag() {
    let dir = common::TempDir::new("cli-sm2");
    let input = common::pdf_path("classic.pdf");
    let (chain, key, root) = (
        common::pki_path("sm2-signer.chain.pem"),
        common::pki_path("sm2-signer.key.pem"),
        common::pki_path("sm2-root.cert.pem"),
    );
    for oids in [None, Some("gmt0010")] {
        let out = dir
            .path()
            .join(format!("sm2-{}.pdf", oids.unwrap_or("pkcs7")));
        let mut args = vec!["sign", input.to_str().unwrap(), "-o", out.to_str().unwrap()];
        args.extend([
            "--cert",
            chain.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ]);
        if let Some(oids) = oids {
            args.extend(["--cms-oids", oids]);
        }
        let signed = countersign(&args);
        assert!(signed.status.success(), "{}", text(&signed.stderr));
        common::qpdf_check(&out).assert_ok("qpdf --check");

        let verified = countersign(&[
            "verify",
            out.to_str().unwrap(),
            "--trust",
            root.to_str().unwrap(),
            "--json",
        ]);
        assert!(verified.status.success(), "{}", text(&verified.stdout));
        assert!(
            text(&verified.stdout).contains("SM3withSM2"),
            "{}",
            text(&verified.stdout)
        );

        let pdf = std::fs::read(&out).unwrap();
        let (covered, der) = common::validators::signature_parts(&pdf).remove(0);
        let oid = |dotted: &str| {
            der::asn1::ObjectIdentifier::new_unwrap(dotted)
                .to_der()
                .unwrap()
        };
        use der::Encode;
        let gm_signed_data = oid("1.2.156.10197.6.1.4.2.2");
        assert_eq!(
            der.windows(gm_signed_data.len())
                .any(|w| w == gm_signed_data),
            oids.is_some()
        );
        if let Ok(sm3) = common::validators::openssl_sm3(&covered) {
            assert!(
                der.windows(sm3.len()).any(|w| w == sm3),
                "messageDigest is SM3 of ByteRange"
            );
        }
    }
}

#[test]
fn an_ed25519_key_signs_with_sha512_without_other_flags() {
    let dir = common::TempDir::new("cli-ed25519");
    let out = dir.path().join("signed.pdf");
    let input = common::pdf_path("classic.pdf");
    let (chain, key) = (
        common::pki_path("demo-ed25519.chain.pem"),
        common::pki_path("demo-ed25519.key.pem"),
    );
    let args = [
        "sign",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--cert",
        chain.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ];
    let signed = countersign(&args);
    assert!(signed.status.success(), "{}", text(&signed.stderr));
    let root = common::root_ca_pem();
    let verified = countersign(&[
        "verify",
        out.to_str().unwrap(),
        "--trust",
        root.to_str().unwrap(),
    ]);
    assert!(verified.status.success(), "{}", text(&verified.stdout));
    assert!(
        text(&verified.stdout).contains("Ed25519"),
        "{}",
        text(&verified.stdout)
    );

    // An explicit other digest is refused, naming the rule.
    let refused = countersign(&[&args[..], &["--digest", "sha256"]].concat());
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).contains("RFC 8419"),
        "{}",
        text(&refused.stderr)
    );
}
