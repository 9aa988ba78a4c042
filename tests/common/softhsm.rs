//! A throw-away SoftHSM2 installation for the PKCS#11 tests: its own configuration and token
//! folder in a temporary directory, tokens initialised with `softhsm2-util` and loaded with the
//! test PKI's keys and certificates (`softhsm2-util --import`, `pkcs11-tool --write-object`).
//! Nothing is written outside the temporary directory and no key material is committed.
//!
//! SoftHSM reads `SOFTHSM2_CONF` once per process, when the module is initialised: a test binary
//! that signs in-process sets it with [`SoftHsm::use_in_this_process`] before its first key is
//! opened, and child processes get it with [`SoftHsm::env`].

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{TempDir, pki_path};

/// The user PIN of every test token.
pub const PIN: &str = "4321";
const SO_PIN: &str = "87654321";

/// Where Debian's `softhsm2` package installs the module.
const MODULES: &[&str] = &[
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
];

/// A token to create: its label, and the key (PEM file under testdata/pki, or an absolute path)
/// and certificate to import with CKA_ID `id`, plus the CA certificates of the test PKI.
pub struct TokenSpec {
    pub label: &'static str,
    pub key: Option<(&'static str, &'static str, &'static str)>, // (key file, cert file, id hex)
}

pub struct SoftHsm {
    dir: TempDir,
    pub conf: PathBuf,
    pub module: PathBuf,
    pub pin_file: PathBuf,
}

/// The RSA demo organisation on token `rsa` (key label `demo`, id 01) and the P-256 one on
/// token `ec` (label `demo-p256`, id 02), each with the CA and root certificates; token `empty`
/// has no key (wrong-PIN tests log in there, so that no other test's login state hides it).
pub fn standard_tokens() -> Vec<TokenSpec> {
    vec![
        TokenSpec {
            label: "rsa",
            key: Some(("demo.key.pem", "demo.cert.pem", "01")),
        },
        TokenSpec {
            label: "ec",
            key: Some(("demo-p256.key.pem", "demo-p256.cert.pem", "02")),
        },
        TokenSpec {
            label: "empty",
            key: None,
        },
    ]
}

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true")
}

fn missing(what: &str) -> Option<SoftHsm> {
    if ci() {
        panic!("{what} not installed, but CI=true requires SoftHSM2 (see .ci/run)");
    }
    eprintln!("skipped: {what} not installed");
    None
}

fn on_path(tool: &str) -> bool {
    Command::new(tool).arg("--help").output().is_ok()
}

fn run(command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("running {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

impl SoftHsm {
    /// A fresh SoftHSM with `tokens`, or `None` (after printing `skipped: …`) when SoftHSM2 or
    /// OpenSC's `pkcs11-tool` is not installed; under `CI=true` that panics instead.
    pub fn new(label: &str, tokens: &[TokenSpec]) -> Option<SoftHsm> {
        let Some(module) = MODULES.iter().map(PathBuf::from).find(|m| m.is_file()) else {
            return missing("softhsm2 (libsofthsm2.so)");
        };
        if !on_path("softhsm2-util") {
            return missing("softhsm2-util");
        }
        if !on_path("pkcs11-tool") {
            return missing("pkcs11-tool (opensc)");
        }
        let dir = TempDir::new(label);
        let tokendir = dir.path().join("tokens");
        std::fs::create_dir_all(&tokendir).unwrap();
        let conf = dir.write(
            "softhsm2.conf",
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                tokendir.display()
            )
            .as_bytes(),
        );
        let pin_file = dir.write("pin.txt", format!("{PIN}\n").as_bytes());
        let hsm = SoftHsm {
            dir,
            conf,
            module,
            pin_file,
        };
        for token in tokens {
            hsm.create_token(token);
        }
        Some(hsm)
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The environment a child process needs to see these tokens.
    pub fn env(&self) -> (&'static str, &Path) {
        ("SOFTHSM2_CONF", &self.conf)
    }

    /// Points this process's SoftHSM at these tokens. Call before the first key is opened
    /// (SoftHSM reads the variable at C_Initialize), from a `OnceLock` so that it runs once.
    pub fn use_in_this_process(&self) {
        // SAFETY (of the test): called once, from the OnceLock that builds the fixture, before
        // any thread of this test binary reads the variable (only SoftHSM does, when the first
        // key is opened after the fixture exists).
        unsafe { std::env::set_var("SOFTHSM2_CONF", &self.conf) };
    }

    fn softhsm_util(&self) -> Command {
        let mut command = Command::new("softhsm2-util");
        command.env("SOFTHSM2_CONF", &self.conf);
        command
    }

    fn pkcs11_tool(&self, token: &str) -> Command {
        let mut command = Command::new("pkcs11-tool");
        command
            .env("SOFTHSM2_CONF", &self.conf)
            .arg("--module")
            .arg(&self.module)
            .args(["--token-label", token, "--login", "--pin", PIN]);
        command
    }

    fn create_token(&self, token: &TokenSpec) {
        run(self.softhsm_util().args([
            "--init-token",
            "--free",
            "--label",
            token.label,
            "--so-pin",
            SO_PIN,
            "--pin",
            PIN,
        ]));
        let Some((key, cert, id)) = token.key else {
            return;
        };
        // softhsm2-util imports unencrypted PKCS#8 only.
        let pkcs8 = self.path().join(format!("{}.pkcs8.pem", token.label));
        run(Command::new("openssl")
            .args(["pkcs8", "-topk8", "-nocrypt", "-in"])
            .arg(pki_path(key))
            .arg("-out")
            .arg(&pkcs8));
        // A key given by absolute path (generated by a test) is labelled by its file name.
        let label = Path::new(key)
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or(key)
            .trim_end_matches(".key.pem");
        run(self.softhsm_util().arg("--import").arg(&pkcs8).args([
            "--token",
            token.label,
            "--label",
            label,
            "--id",
            id,
            "--pin",
            PIN,
        ]));
        std::fs::remove_file(&pkcs8).unwrap();
        self.write_certificate(token.label, cert, id, label);
        self.write_certificate(
            token.label,
            "demo-ca.cert.pem",
            "c1",
            "Demo Organisation CA",
        );
        self.write_certificate(token.label, "root-ca.cert.pem", "c2", "Demo Root CA");
    }

    /// Stores testdata/pki/`cert` on `token` as a CKO_CERTIFICATE with CKA_ID `id`.
    pub fn write_certificate(&self, token: &str, cert: &str, id: &str, label: &str) {
        let der = self.path().join(format!("{token}-{id}.der"));
        run(Command::new("openssl")
            .args(["x509", "-outform", "der", "-in"])
            .arg(pki_path(cert))
            .arg("-out")
            .arg(&der));
        run(self
            .pkcs11_tool(token)
            .arg("--write-object")
            .arg(&der)
            .args(["--type", "cert", "--id", id, "--label", label]));
    }
}
