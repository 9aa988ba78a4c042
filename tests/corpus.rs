//! Issue 3 acceptance: every file in `../shared/corpus` is signed and accepted by the validators,
//! or refused with a typed reason; damaged files are signed after an explicit repair; our verdict
//! on every existing signature agrees with pdfsig's (or the disagreement is explained).
//!
//! Writes `docs/COMPATIBILITY.md`. Locating the corpus: `$COUNTERSIGN_CORPUS`, else
//! `<crate>/../shared/corpus`, else `<crate>/../../shared/corpus`. Missing corpus: a failure under
//! `CI=true`, "skipped" otherwise. `COUNTERSIGN_CORPUS_FILTER=substring` runs a subset (and does
//! not rewrite the document).

mod common;

use std::collections::{BTreeMap, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use common::validators::{
    PdfsigReport, PyhankoReport, Verdict, mutool_pages, openssl_cms_verify, pdfsig_verify,
    pdfsig_verify_with, pyhanko_sign_with, pyhanko_validate, pyhanko_validate_with, qpdf_check,
    qpdf_check_with_password,
};
use countersign::crypto::LoadOptions;
use countersign::crypto::credential::{load_pem, trust_roots_from_pem};
use countersign::{
    CertifiedKey, DocumentAccess, Error, SignOptions, VerifyOptions, sign_pdf, verify_pdf,
};

/// Signing one file must never take this long (the slowest corpus file takes well under 1 s).
const SIGN_TIME_LIMIT: Duration = Duration::from_secs(30);
/// Validators run in this many threads (CI has two cores).
const WORKERS: usize = 2;

/// pdfsig 22.12 prints this for a second signature by a certificate it already verified in the
/// same run (see tests/common/acceptance.rs).
const PDFSIG_REPEATED_CERT_QUIRK: &str = "Unknown issue with Certificate or corrupted data.";

/// Where our verdict on an existing signature differs from pdfsig's, and why. Keyed by file and
/// field name. Every disagreement the test finds must be listed here.
const EXPLAINED_DISAGREEMENTS: &[(&str, &str, &str)] = &[
    (
        "encrypted-aes128--pdfjs--issue17069.pdf",
        "SBKrAnB9R3g9",
        "Encrypted document whose signature dictionary has no /Type /Sig: poppler decrypts its /Contents as if it were an ordinary string and cannot parse the CMS. ISO 32000-2 §7.6.2 exempts a signature dictionary's /Contents from encryption; pyHanko also finds the signature intact and valid.",
    ),
    (
        "signed-encrypted--dss--encrypted.pdf",
        "Signature1",
        "Encrypted document whose signature dictionary (merged with its field, no /Type /Sig) has a plain /Contents: poppler decrypts it and cannot parse the CMS; pyHanko, like us, finds it intact and valid (ISO 32000-2 §7.6.2).",
    ),
    (
        "fieldmdp--dss--Test.pdf",
        "Signature1",
        "SHA-1 message digest: refused by policy (SHA-1 collisions are practical; ETSI TS 119 312 retired it for signatures). pdfsig still accepts SHA-1.",
    ),
    (
        "signed-other--dss--pkcs7_sha1.pdf",
        "Signature1",
        "adbe.pkcs7.sha1 with a SHA-1 digest: refused by policy (see above).",
    ),
    (
        "signed-other--dss--pkcs7_sha1.pdf",
        "Signature2",
        "SHA-1 message digest: refused by policy (see above).",
    ),
    (
        "signed-invalid--pyhanko--weird-byterange.pdf",
        "Sig1",
        "The /ByteRange gap is not exactly the /Contents hex string of the signature dictionary. pdfsig only hashes the ranges; we fail closed, because a gap that holds anything else is the signature-wrapping pattern.",
    ),
    (
        "signed-pkcs7--pyhanko--sig-with-ski-sid.pdf",
        "Sig1",
        "The SignerInfo names its certificate by subjectKeyIdentifier, which RFC 5652 (5.3) allows; poppler 22.12 only matches issuerAndSerialNumber and reports a validation failure. pyHanko finds the certificate and reports the signature intact and valid, as we do.",
    ),
    (
        "signed-multi--dss--pades-5-signatures-and-1-document-timestamp.pdf",
        "Signature1",
        PADES5_EXPLANATION,
    ),
    (
        "signed-multi--dss--pades-5-signatures-and-1-document-timestamp.pdf",
        "Signature2",
        PADES5_EXPLANATION,
    ),
    (
        "signed-multi--dss--pades-5-signatures-and-1-document-timestamp.pdf",
        "Signature3",
        PADES5_EXPLANATION,
    ),
    (
        "signed-multi--dss--pades-5-signatures-and-1-document-timestamp.pdf",
        "Signature4",
        PADES5_EXPLANATION,
    ),
    (
        "signed-multi--dss--pades-5-signatures-and-1-document-timestamp.pdf",
        "Signature5",
        PADES5_EXPLANATION,
    ),
];

const PADES5_EXPLANATION: &str = "The newest xref section lists 6 objects and its /Prev is 0, so by the spec every older object (the page tree, the AcroForm) is unreachable; qpdf agrees (the page tree node 56 0 R reads as null). pdfsig falls back to reconstructing the xref from a scan. We do not guess: we find the five signatures through the revisions the chain no longer reaches and report them intact but hidden (not valid), and signing is refused.";

/// Files where pyHanko's difference analysis rejects *any* later update for a reason that lies
/// in the input itself (pdfsig still checks that the earlier signature stays valid).
const PYHANKO_DIFF_QUIRKS: &[(&str, &str)] = &[(
    "signed-pkcs7--pdfjs--bug854315.pdf",
    "the document's own XMP metadata is not well-formed XML (undefined namespace prefix `xmp`), and pyHanko's metadata rule validates the existing /Metadata on every reviewed update, changed or not",
)];

/// What pdfsig prints when it does not verify a signature (document timestamps, odd layouts).
const PDFSIG_NOT_VERIFIED: &str = "Signature has not yet been verified.";

fn corpus_dir() -> Option<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        std::env::var_os("COUNTERSIGN_CORPUS").map(PathBuf::from),
        Some(manifest.join("..").join("shared").join("corpus")),
        Some(manifest.join("..").join("..").join("shared").join("corpus")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|dir| dir.join("MANIFEST.tsv").is_file())
}

fn demo_key() -> CertifiedKey {
    let chain = std::fs::read(common::pki_path("demo.chain.pem")).unwrap();
    let key = std::fs::read(common::pki_path("demo.key.pem")).unwrap();
    load_pem(&chain, &key, &LoadOptions::default()).unwrap()
}

fn verify_options() -> VerifyOptions {
    VerifyOptions::trusting(
        trust_roots_from_pem(&std::fs::read(common::root_ca_pem()).unwrap()).unwrap(),
    )
}

/// One MANIFEST.tsv row, by column name.
#[derive(Clone, Debug)]
struct ManifestRow(HashMap<String, String>);

impl ManifestRow {
    fn get(&self, column: &str) -> &str {
        self.0.get(column).map(String::as_str).unwrap_or("")
    }
}

fn read_manifest(dir: &Path) -> Vec<ManifestRow> {
    let text = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    lines
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            ManifestRow(
                header
                    .iter()
                    .zip(line.split('\t'))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        })
        .collect()
}

/// What happened to one file.
#[derive(Debug, Default)]
struct FileResult {
    file: String,
    category: String,
    /// `signed`, `signed after repair`, `refused (Kind): reason`.
    outcome: String,
    refused_kind: Option<String>,
    /// Validator verdicts on the output, short words.
    verdicts: Vec<(String, String)>,
    /// Earlier signatures: how many were valid before and are still valid after.
    earlier: String,
    /// Per existing signature in the input: (field, pdfsig verdict, our verdict, note).
    verification: Vec<VerificationRow>,
    /// pyHanko's difference analysis of each earlier signature, ours beside its own signer's.
    pyhanko_diff: Vec<DiffRow>,
    /// Anything that makes the test fail.
    failures: Vec<String>,
    notes: Vec<String>,
    /// The document password from the manifest's notes, for encrypted files that need one (or
    /// whose owner password is known).
    password: Option<String>,
}

#[derive(Debug, Clone)]
struct DiffRow {
    field: String,
    /// Modification level and docmdp_ok after our update.
    ours: String,
    /// The same after pyHanko's own signature on the input (or why there is none).
    reference: String,
    no_worse: bool,
}

#[derive(Debug, Clone)]
struct VerificationRow {
    field: String,
    pdfsig: String,
    ours: String,
    agrees: bool,
    explanation: String,
}

/// The password the manifest's notes give (`user password: X`, else `owner password: Y`).
fn manifest_password(row: &ManifestRow) -> Option<String> {
    let notes = row.get("notes");
    let value = |label: &str| {
        notes.split([';', ',']).find_map(|part| {
            part.trim()
                .strip_prefix(label)
                .map(|rest| rest.trim().to_string())
        })
    };
    value("user password:").or_else(|| value("owner password:"))
}

fn access(password: Option<&str>) -> DocumentAccess {
    password.map_or_else(DocumentAccess::default, DocumentAccess::with_password)
}

/// pdfsig with the user password (`-upw`), else as owner (`-opw`).
fn pdfsig_with(path: &Path, root: &Path, password: Option<&str>) -> PdfsigReport {
    let Some(password) = password else {
        return pdfsig_verify(path, root);
    };
    let report = pdfsig_verify_with(path, root, &["-upw", password]);
    if report.output.contains("Incorrect password") {
        return pdfsig_verify_with(path, root, &["-opw", password]);
    }
    report
}

fn is_encrypted_category(category: &str) -> bool {
    category.starts_with("encrypted") || category == "signed-encrypted"
}

fn is_damaged_category(category: &str) -> bool {
    category.starts_with("damaged")
}

fn error_kind(error: &Error) -> &'static str {
    match error {
        Error::NotPdf(_) => "NotPdf",
        Error::Truncated(_) => "Truncated",
        Error::DamagedXref { .. } => "DamagedXref",
        Error::MalformedObject { .. } => "MalformedObject",
        Error::MissingObject { .. } => "MissingObject",
        Error::NoCatalog => "NoCatalog",
        Error::RepairWouldDestroySignatures { .. } => "RepairWouldDestroySignatures",
        Error::Encrypted { .. } => "Encrypted",
        Error::PasswordRequired { .. } => "PasswordRequired",
        Error::WrongPassword { .. } => "WrongPassword",
        Error::UnsupportedEncryption { .. } => "UnsupportedEncryption",
        Error::PermissionDenied { .. } => "PermissionDenied",
        Error::PubSec(_) => "PubSec",
        Error::CertifiedNoChanges => "CertifiedNoChanges",
        Error::FieldLocked { .. } => "FieldLocked",
        Error::LockedNoChanges { .. } => "LockedNoChanges",
        Error::Unsupported(_) => "Unsupported",
        Error::LimitExceeded { .. } => "LimitExceeded",
        Error::Io(_) => "Io",
        _ => "Other",
    }
}

#[test]
fn corpus_is_signed_or_refused_with_reason() {
    let Some(dir) = corpus_dir() else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("corpus not found: set COUNTERSIGN_CORPUS or put shared/corpus beside the repo");
        }
        eprintln!("skipped: corpus not found (set COUNTERSIGN_CORPUS)");
        return;
    };
    let filter = std::env::var("COUNTERSIGN_CORPUS_FILTER").ok();
    let rows: Vec<ManifestRow> = read_manifest(&dir)
        .into_iter()
        .filter(|row| {
            filter
                .as_deref()
                .is_none_or(|f| row.get("file").contains(f))
        })
        .collect();
    assert!(!rows.is_empty(), "no corpus file selected");
    let key = demo_key();
    let options = verify_options();
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(row) = rows.get(index) else {
                        break;
                    };
                    let result = process_file(&dir, row, &key, &options);
                    results.lock().unwrap().push(result);
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by(|a, b| a.file.cmp(&b.file));
    eprintln!("corpus: {} files in {:?}", results.len(), started.elapsed());
    if filter.is_none() {
        let doc = compatibility_markdown(&results);
        let path = common::repo_root().join("docs").join("COMPATIBILITY.md");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, doc).unwrap();
    }
    let failures: Vec<String> = results
        .iter()
        .flat_map(|r| r.failures.iter().map(move |f| format!("{}: {f}", r.file)))
        .collect();
    for r in &results {
        eprintln!("{}\t{}\t{:?}", r.file, r.outcome, r.verdicts);
    }
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn process_file(
    dir: &Path,
    row: &ManifestRow,
    key: &CertifiedKey,
    options: &VerifyOptions,
) -> FileResult {
    let file = row.get("file").to_string();
    let category = row.get("category").to_string();
    let mut result = FileResult {
        file: file.clone(),
        category: category.clone(),
        password: manifest_password(row),
        ..FileResult::default()
    };
    let password = result.password.clone();
    let password = password.as_deref();
    let options = &{
        let mut options = options.clone();
        options.document_access = access(password);
        options
    };
    let input = match std::fs::read(dir.join(&file)) {
        Ok(bytes) => bytes,
        Err(e) => {
            result.failures.push(format!("cannot read: {e}"));
            return result;
        }
    };
    let temp = common::TempDir::new("corpus");
    let input_path = temp.write("input.pdf", &input);
    let root = common::root_ca_pem();

    // Our verdicts on the signatures already there, compared with pdfsig's.
    let ours_before = catch_unwind(|| verify_pdf(&input, options));
    let has_signatures = row.get("pdfsig_signatures") != "0"
        && !row.get("pdfsig_signatures").is_empty()
        || matches!(&ours_before, Ok(Ok(r)) if !r.signatures.is_empty());
    let pdfsig_before = if has_signatures {
        Some(pdfsig_with(&input_path, &root, password))
    } else {
        None
    };
    let ours_before = match ours_before {
        Err(_) => {
            result
                .failures
                .push("verify_pdf panicked on the input".into());
            None
        }
        Ok(Err(e)) => {
            result
                .notes
                .push(format!("our verifier cannot read the input: {e}"));
            None
        }
        Ok(Ok(report)) => Some(report),
    };
    if let (Some(ours), Some(pdfsig)) = (&ours_before, &pdfsig_before) {
        compare_verification(&mut result, ours, pdfsig);
    }
    let pyhanko_before = if has_signatures {
        Some(pyhanko_validate_with(&input_path, &root, &[], password))
    } else {
        None
    };

    let sign_options = {
        let mut sign_options = SignOptions::default();
        sign_options.signing_time =
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000));
        sign_options.document_access = access(password);
        sign_options
    };
    let started = Instant::now();
    let signed = catch_unwind(AssertUnwindSafe(|| sign_pdf(&input, key, &sign_options)));
    if started.elapsed() > SIGN_TIME_LIMIT {
        result
            .failures
            .push(format!("signing took {:?}", started.elapsed()));
    }
    let output = match signed {
        Err(_) => {
            result.outcome = "PANIC".into();
            result.failures.push("sign_pdf panicked".into());
            return result;
        }
        Ok(Ok(output)) => {
            result.outcome = "signed".into();
            output
        }
        Ok(Err(error)) => {
            let kind = error_kind(&error);
            result.outcome = format!("refused ({kind}): {error}");
            result.refused_kind = Some(kind.to_string());
            let damage = countersign::repair::is_damage(&error);
            let locked = pyhanko_before.as_ref().is_some_and(|r| {
                r.signatures
                    .iter()
                    .any(|s| s.docmdp_permissions.as_deref() == Some("NO_CHANGES"))
            });
            let must_repair = judge_refusal(&mut result, &category, &error, locked);
            if damage {
                try_repair(
                    &mut result,
                    &input,
                    &input_path,
                    key,
                    &sign_options,
                    options,
                    must_repair,
                );
            }
            return result;
        }
    };
    if category == "certified-p1" {
        result
            .failures
            .push("a DocMDP P=1 certified file was signed".into());
    }
    let output_path = temp.write("signed.pdf", &output);
    check_output(
        &mut result,
        (&input, &input_path),
        (&output, &output_path),
        Baseline {
            pdfsig: pdfsig_before,
            pyhanko: pyhanko_before,
            ours: ours_before,
        },
        options,
        false,
    );
    result
}

/// Checks that the refusal is one the issue allows; returns true when only a successful
/// `--repair` can excuse it (a file outside the damaged categories whose xref data is unusable).
fn judge_refusal(result: &mut FileResult, category: &str, error: &Error, locked: bool) -> bool {
    let damage = countersign::repair::is_damage(error) || matches!(error, Error::NotPdf(_));
    let expected = if is_encrypted_category(category) {
        // Signed with the manifest's password, unless the permissions forbid form filling or
        // the handler is the public-key one (no recipient key in the corpus).
        matches!(error, Error::PermissionDenied { .. })
            || (category == "encrypted-pubkey" && matches!(error, Error::PubSec(_)))
    } else if category == "certified-p1" {
        matches!(error, Error::CertifiedNoChanges)
    } else if is_damaged_category(category) {
        damage
    } else if locked {
        // pyHanko confirms an existing signature forbids any change (DocMDP or a /Lock with P=1).
        matches!(
            error,
            Error::CertifiedNoChanges | Error::FieldLocked { .. } | Error::LockedNoChanges { .. }
        )
    } else if damage {
        result.notes.push(
            "outside the damaged categories, but its cross-reference data is unusable: refused by default".into(),
        );
        return true;
    } else {
        false
    };
    if !expected {
        result
            .failures
            .push(format!("refused but must be signed: {error}"));
    }
    false
}

/// The opt-in repair: a damaged file without signatures must then be signed and accepted.
fn try_repair(
    result: &mut FileResult,
    input: &[u8],
    input_path: &Path,
    key: &CertifiedKey,
    sign_options: &SignOptions,
    options: &VerifyOptions,
    must_succeed: bool,
) {
    let repair = {
        let mut sign_options = sign_options.clone();
        sign_options.repair = true;
        sign_options
    };
    match catch_unwind(AssertUnwindSafe(|| sign_pdf(input, key, &repair))) {
        Err(_) => result.failures.push("sign_pdf with repair panicked".into()),
        Ok(Ok(output)) => {
            result.outcome.push_str("; **signed after --repair**");
            let dir = common::TempDir::new("corpus-repair");
            let output_path = dir.write("repaired-signed.pdf", &output);
            check_output(
                result,
                (input, input_path),
                (&output, &output_path),
                Baseline::default(),
                options,
                true,
            );
        }
        Ok(Err(repair_error)) => {
            result.outcome.push_str(&format!(
                "; --repair refused ({}): {repair_error}",
                error_kind(&repair_error)
            ));
            // Repair must not destroy signatures; such a file is left alone when qpdf confirms
            // the damage independently.
            let keeps_signatures =
                matches!(repair_error, Error::RepairWouldDestroySignatures { .. });
            let qpdf_confirms =
                !matches!(qpdf_check(input_path), Verdict::Ok | Verdict::Skipped(_));
            if keeps_signatures && qpdf_confirms {
                result.notes.push(
                    "de facto damaged (qpdf --check on the input reports it too) and it carries signatures that a rewrite would destroy: left alone".into(),
                );
            } else if must_succeed {
                result
                    .failures
                    .push(format!("--repair could not sign it: {repair_error}"));
            }
        }
    }
}

/// What the validators said about the input, to compare earlier signatures against.
#[derive(Default)]
struct Baseline {
    pdfsig: Option<PdfsigReport>,
    pyhanko: Option<PyhankoReport>,
    ours: Option<countersign::VerifyReport>,
}

fn verdict_word(verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Ok => "ok",
        Verdict::Warnings(_) => "warnings",
        Verdict::Errors(_) => "errors",
        Verdict::Skipped(_) => "skipped",
    }
}

fn verdict_rank(verdict: &Verdict) -> u8 {
    match verdict {
        Verdict::Ok | Verdict::Skipped(_) => 0,
        Verdict::Warnings(_) => 1,
        Verdict::Errors(_) => 2,
    }
}

/// qpdf's warning lines with the file name taken out, so two files' reports compare.
fn qpdf_lines(verdict: &Verdict, path: &Path) -> Vec<String> {
    let text = match verdict {
        Verdict::Warnings(t) | Verdict::Errors(t) => t.clone(),
        _ => String::new(),
    };
    let name = path.display().to_string();
    text.lines()
        .filter(|l| l.contains("WARNING") || l.contains("ERROR") || l.starts_with("qpdf:"))
        .filter(|l| !l.contains("operation succeeded"))
        .map(|l| l.replace(&name, "FILE"))
        .collect()
}

fn check_output(
    result: &mut FileResult,
    (input, input_path): (&[u8], &Path),
    (output, output_path): (&[u8], &Path),
    baseline: Baseline,
    options: &VerifyOptions,
    repaired: bool,
) {
    let root = common::root_ca_pem();
    let password = result.password.clone();
    let password = password.as_deref();
    if !repaired && !common::prefix_ok(input, output) {
        result
            .failures
            .push("the input is not an exact prefix of the output".into());
    }
    // qpdf: no new warnings or errors compared with the input.
    let qpdf_out = qpdf_check_with_password(output_path, password);
    let qpdf_in = if repaired {
        Verdict::Ok
    } else {
        qpdf_check_with_password(input_path, password)
    };
    let new_lines: Vec<String> = {
        let before = qpdf_lines(&qpdf_in, input_path);
        qpdf_lines(&qpdf_out, output_path)
            .into_iter()
            .filter(|l| !before.contains(l))
            .collect()
    };
    let qpdf_word = format!(
        "{}{}",
        verdict_word(&qpdf_out),
        if verdict_rank(&qpdf_in) > 0 && !repaired {
            format!(" (input: {})", verdict_word(&qpdf_in))
        } else {
            String::new()
        }
    );
    result.verdicts.push(("qpdf".into(), qpdf_word));
    // A rewrite keeps each stream's bytes: damage inside stream data (a truncated content
    // stream, a bad deflate block) is carried over from the input, not made by us.
    let (carried, new_lines): (Vec<String>, Vec<String>) = new_lines
        .into_iter()
        .partition(|l| repaired && (l.contains("stream") || l.contains("content")));
    if !carried.is_empty() {
        result.notes.push(format!(
            "qpdf: stream data damaged in the input too: {}",
            carried.join(" / ")
        ));
    }
    let worse = if repaired {
        matches!(qpdf_out, Verdict::Errors(_))
    } else {
        verdict_rank(&qpdf_out) > verdict_rank(&qpdf_in)
    };
    if worse || !new_lines.is_empty() {
        result
            .failures
            .push(format!("qpdf --check reports new problems: {new_lines:?}"));
    }

    // pdfsig: our signature valid, trusted, whole file; earlier valid ones still valid.
    let pdfsig = pdfsig_with(output_path, &root, password);
    if !pdfsig.skipped {
        let before_names: Vec<String> = baseline
            .pdfsig
            .as_ref()
            .map(|r| r.signatures.iter().map(|s| s.field_name.clone()).collect())
            .unwrap_or_default();
        // Our field: the one our verifier sees as newest, else the one pdfsig did not list before.
        let our_field = catch_unwind(|| verify_pdf(output, options))
            .ok()
            .and_then(Result::ok)
            .and_then(|r| r.newest().map(|s| s.field_name.clone()));
        let ours_index = match our_field {
            Some(name) => pdfsig.signatures.iter().rposition(|s| s.field_name == name),
            None => pdfsig
                .signatures
                .iter()
                .rposition(|s| !before_names.contains(&s.field_name)),
        };
        match ours_index.and_then(|i| pdfsig.signatures.get(i).map(|s| (i, s))) {
            None => result.failures.push(format!(
                "pdfsig does not list our signature:\n{}",
                pdfsig.output
            )),
            Some((index, sig)) => {
                let trusted = sig.certificate_trusted()
                    || (sig.certificate_validation == PDFSIG_REPEATED_CERT_QUIRK
                        && pdfsig.signatures[..index]
                            .iter()
                            .any(|s| s.signer_dn == sig.signer_dn && s.certificate_trusted()));
                let ok = sig.signature_valid() && sig.total_document_signed && trusted;
                result.verdicts.push((
                    "pdfsig".into(),
                    if ok { "valid" } else { "REJECTED" }.into(),
                ));
                if !ok {
                    result.failures.push(format!(
                        "pdfsig on our signature: {} / {} / total={}",
                        sig.signature_validation,
                        sig.certificate_validation,
                        sig.total_document_signed
                    ));
                }
            }
        }
        if let Some(before) = &baseline.pdfsig {
            let mut kept = 0;
            let mut was_valid = 0;
            for old in before.signatures.iter().filter(|s| s.signature_valid()) {
                was_valid += 1;
                let after = pdfsig
                    .signatures
                    .iter()
                    .find(|s| s.field_name == old.field_name);
                if after.is_some_and(|s| s.signature_valid()) {
                    kept += 1;
                } else {
                    result.failures.push(format!(
                        "pdfsig: earlier signature {} was valid and is now {:?}",
                        old.field_name,
                        after.map(|s| s.signature_validation.clone())
                    ));
                }
            }
            result.earlier = format!("pdfsig {kept}/{was_valid}");
        }
    }

    // pyHanko: our signature intact, valid, trusted, entire file; earlier ones not broken.
    let pyhanko = pyhanko_validate_with(output_path, &root, &[], password);
    if !pyhanko.skipped {
        match (&pyhanko.error, pyhanko.signatures.last()) {
            (Some(error), _) => {
                // A file pyHanko cannot read before signing is no verdict on our update.
                let before = if repaired {
                    None
                } else {
                    match &baseline.pyhanko {
                        Some(report) => report.error.clone(),
                        None => pyhanko_validate_with(input_path, &root, &[], password).error,
                    }
                };
                match before {
                    Some(before) => {
                        result
                            .verdicts
                            .push(("pyHanko".into(), "cannot read input".into()));
                        result
                            .notes
                            .push(format!("pyHanko cannot read the input either: {before}"));
                    }
                    None => {
                        result
                            .verdicts
                            .push(("pyHanko".into(), "UNREADABLE".into()));
                        result
                            .failures
                            .push(format!("pyHanko could not read the output: {error}"));
                    }
                }
            }
            (None, None) => result.failures.push("pyHanko found no signature".into()),
            (None, Some(ours)) => {
                let ok = ours.intact_valid_trusted()
                    && ours.coverage.as_deref() == Some("ENTIRE_FILE")
                    && ours.bottom_line;
                result.verdicts.push((
                    "pyHanko".into(),
                    if ok { "valid" } else { "REJECTED" }.into(),
                ));
                if !ok {
                    result
                        .failures
                        .push(format!("pyHanko on our signature: {ours:?}"));
                }
            }
        }
        if let Some(before) = &baseline.pyhanko {
            let reference = pyhanko_reference(before, input_path, output_path, password);
            check_earlier_pyhanko(result, before, &pyhanko, reference.as_ref());
        }
    }

    // MuPDF: an encrypted document's pages render the same before and after (the update is
    // encrypted with the document's key, so a wrong key would garble what it rewrites).
    if !repaired && input.windows(8).any(|w| w == b"/Encrypt") {
        match (
            mutool_pages(input_path, password),
            mutool_pages(output_path, password),
        ) {
            (Ok(before), Ok(after)) if before == after => {
                result.verdicts.push(("mutool".into(), "same pages".into()));
            }
            (Ok(_), Ok(_)) => {
                result.verdicts.push(("mutool".into(), "CHANGED".into()));
                result
                    .failures
                    .push("mutool draws other pages after signing".into());
            }
            (Err(Verdict::Skipped(_)), _) | (_, Err(Verdict::Skipped(_))) => {}
            (Err(before), Err(after)) => result.notes.push(format!(
                "mutool cannot draw the input nor the output: {before:?} / {after:?}"
            )),
            (Ok(_), Err(after)) => {
                result.verdicts.push(("mutool".into(), "UNREADABLE".into()));
                result
                    .failures
                    .push(format!("mutool cannot draw the output: {after:?}"));
            }
            (Err(before), Ok(_)) => result
                .notes
                .push(format!("mutool cannot draw the input: {before:?}")),
        }
    }

    // openssl cms -verify on our signature (the last /ByteRange in the file).
    match openssl_cms_verify(output, &root).last() {
        Some(Verdict::Skipped(_)) => {}
        Some(Verdict::Ok) => result.verdicts.push(("openssl".into(), "ok".into())),
        other => {
            result.verdicts.push(("openssl".into(), "REJECTED".into()));
            result
                .failures
                .push(format!("openssl cms -verify on our signature: {other:?}"));
        }
    }

    // Our own verifier: ours valid and covering the file; earlier verdicts unchanged.
    match catch_unwind(|| verify_pdf(output, options)) {
        Err(_) => result
            .failures
            .push("verify_pdf panicked on the output".into()),
        Ok(Err(e)) => result
            .failures
            .push(format!("our verifier cannot read the output: {e}")),
        Ok(Ok(report)) => {
            let ok = report
                .signatures
                .last()
                .is_some_and(|s| s.is_valid() && s.covers_whole_file);
            result.verdicts.push((
                "countersign".into(),
                if ok { "valid" } else { "REJECTED" }.into(),
            ));
            if !ok {
                result.failures.push(format!(
                    "our verifier on our signature: {:?}",
                    report.signatures.last()
                ));
            }
            if let Some(before) = &baseline.ours {
                for old in before.signatures.iter().filter(|s| intact(s)) {
                    let after = report
                        .signatures
                        .iter()
                        .find(|s| s.field_name == old.field_name);
                    if !after.is_some_and(intact) {
                        result.failures.push(format!(
                            "our verifier: earlier signature {} became invalid",
                            old.field_name
                        ));
                    }
                }
            }
        }
    }
}

/// The field pyHanko's own signer adds in the reference output.
const REFERENCE_FIELD: &str = "PyHankoReference";

/// pyHanko's own incremental signature on the same input, validated: the yardstick for what an
/// update may do to earlier signatures. `None` when no earlier signature was valid, or pyHanko
/// refuses to sign the input.
fn pyhanko_reference(
    before: &PyhankoReport,
    input_path: &Path,
    output_path: &Path,
    password: Option<&str>,
) -> Option<Result<PyhankoReport, String>> {
    if !before.signatures.iter().any(was_ok_before) {
        return None;
    }
    let reference_path = output_path.with_file_name("pyhanko-reference.pdf");
    match pyhanko_sign_with(input_path, &reference_path, REFERENCE_FIELD, password) {
        Ok(true) => Some(Ok(pyhanko_validate_with(
            &reference_path,
            &common::root_ca_pem(),
            &[],
            password,
        ))),
        Ok(false) => None,
        Err(refusal) => Some(Err(refusal.lines().last().unwrap_or_default().to_string())),
    }
}

fn was_ok_before(s: &common::PyhankoSignature) -> bool {
    s.error.is_none() && s.intact && s.valid && s.docmdp_ok != Some(false)
}

/// pyHanko's modification levels, least change first; unknown last.
fn modification_rank(level: Option<&str>) -> u8 {
    match level {
        Some("NONE") => 0,
        Some("LTA_UPDATES") => 1,
        Some("FORM_FILLING") => 2,
        Some("ANNOTATIONS") => 3,
        Some("OTHER") => 4,
        _ => 5,
    }
}

fn level_word(sig: &common::PyhankoSignature) -> String {
    format!(
        "{} (docmdp_ok {})",
        sig.modification_level.as_deref().unwrap_or("?"),
        sig.docmdp_ok.map_or("?".to_string(), |ok| ok.to_string())
    )
}

/// Every earlier signature pyHanko found intact and valid before our update must stay intact and
/// valid, and pyHanko's difference analysis must judge our update no worse than pyHanko's own
/// signer on the same input: docmdp_ok, and a modification level no higher.
fn check_earlier_pyhanko(
    result: &mut FileResult,
    before: &PyhankoReport,
    after: &PyhankoReport,
    reference: Option<&Result<PyhankoReport, String>>,
) {
    let mut kept = 0;
    let mut was_valid = 0;
    for old in before.signatures.iter().filter(|s| was_ok_before(s)) {
        was_valid += 1;
        let field = &old.field_name;
        let Some(ours) = after.signatures.iter().find(|s| &s.field_name == field) else {
            result.failures.push(format!(
                "pyHanko: earlier signature {field} was intact and valid, now not listed"
            ));
            continue;
        };
        // pyHanko failing the same way on its own signer's update is pyHanko's limit, not ours
        // (the two /AdditionalStreams files, docs/COMPATIBILITY.md X5).
        let fails_like_theirs = ours.error.is_some()
            && matches!(reference, Some(Ok(report)) if report
                .signatures
                .iter()
                .any(|s| &s.field_name == field && s.error == ours.error));
        if fails_like_theirs {
            let error = ours.error.clone().unwrap_or_default();
            result.pyhanko_diff.push(DiffRow {
                field: field.clone(),
                ours: format!("error ({error})"),
                reference: "the same error".to_string(),
                no_worse: true,
            });
            result.notes.push(format!(
                "pyHanko cannot analyse the update to {field}, nor its own signer's: {}",
                ours.error.as_deref().unwrap_or_default()
            ));
            kept += 1;
            continue;
        }
        let theirs = match reference {
            Some(Ok(report)) => report
                .signatures
                .iter()
                .find(|s| &s.field_name == field)
                .filter(|s| s.error.is_none()),
            _ => None,
        };
        let quirk = PYHANKO_DIFF_QUIRKS
            .iter()
            .find(|(file, _)| *file == result.file)
            .map(|(_, why)| *why);
        let no_worse = match theirs {
            Some(theirs) => {
                (ours.docmdp_ok == Some(true) || theirs.docmdp_ok != Some(true))
                    && modification_rank(ours.modification_level.as_deref())
                        <= modification_rank(theirs.modification_level.as_deref())
            }
            // No reference: the update must be allowed outright, or the input is a known quirk.
            None => ours.docmdp_ok == Some(true) || quirk.is_some(),
        };
        let reference_word = match (theirs, reference) {
            (Some(theirs), _) => level_word(theirs),
            (None, Some(Err(refusal))) => format!("pyHanko refuses to sign: {refusal}"),
            _ => "no reference".to_string(),
        };
        result.pyhanko_diff.push(DiffRow {
            field: field.clone(),
            ours: level_word(ours),
            reference: reference_word.clone(),
            no_worse,
        });
        if let (Some(why), Some(false)) = (quirk, ours.docmdp_ok) {
            result
                .notes
                .push(format!("pyHanko flags the update to {field}: {why}"));
        }
        if ours.intact && ours.valid && no_worse {
            kept += 1;
        } else {
            result.failures.push(format!(
                "pyHanko: earlier signature {field} after our update: intact={} valid={} {}; pyHanko's own signer: {reference_word}",
                ours.intact,
                ours.valid,
                level_word(ours)
            ));
        }
    }
    if !result.earlier.is_empty() {
        result.earlier.push_str(", ");
    }
    result
        .earlier
        .push_str(&format!("pyHanko {kept}/{was_valid}"));
}

/// Intact and cryptographically valid, trust aside (corpus signers are not in our trust store).
fn intact(sig: &countersign::SignatureReport) -> bool {
    sig.byte_range_ok && sig.digest_ok && sig.signature_ok
}

fn compare_verification(
    result: &mut FileResult,
    ours: &countersign::VerifyReport,
    pdfsig: &PdfsigReport,
) {
    for sig in &pdfsig.signatures {
        if sig.signature_validation.is_empty() {
            continue; // an empty signature field
        }
        let mine = ours
            .signatures
            .iter()
            .find(|s| s.field_name == sig.field_name);
        let pdfsig_valid = sig.signature_valid();
        let hidden = |s: &countersign::SignatureReport| {
            s.problems.contains(&countersign::Problem::SignatureHidden)
        };
        let (ours_word, ours_valid) = match mine {
            None => ("not listed".to_string(), false),
            Some(s) if intact(s) && hidden(s) => {
                ("valid, but hidden by a later revision".to_string(), true)
            }
            Some(s) if intact(s) => ("valid".to_string(), true),
            Some(s) => {
                let problems: Vec<String> = s.problems.iter().map(ToString::to_string).collect();
                (format!("invalid: {}", problems.join("; ")), false)
            }
        };
        let explanation = EXPLAINED_DISAGREEMENTS
            .iter()
            .find(|(file, field, _)| *file == result.file && *field == sig.field_name)
            .map(|(_, _, why)| why.to_string());
        // pdfsig leaves document timestamps and some layouts unverified: no verdict to contradict.
        let pdfsig_abstains = sig.signature_validation == PDFSIG_NOT_VERIFIED;
        let agrees = pdfsig_abstains || pdfsig_valid == ours_valid;
        if !agrees && explanation.is_none() {
            result.failures.push(format!(
                "verdict on existing signature {} differs from pdfsig ({}) without explanation: ours {ours_word}",
                sig.field_name, sig.signature_validation
            ));
        }
        result.verification.push(VerificationRow {
            field: sig.field_name.clone(),
            pdfsig: sig.signature_validation.clone(),
            ours: ours_word,
            agrees,
            explanation: explanation.unwrap_or_default(),
        });
    }
}

// ---------------------------------------------------------------------------------------------
// docs/COMPATIBILITY.md
// ---------------------------------------------------------------------------------------------

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Each earlier signature pyHanko found intact and valid, as pyHanko's difference analysis
/// judges it after our update and after pyHanko's own signer's update of the same input.
fn pyhanko_diff_markdown(results: &[FileResult]) -> String {
    let rows: Vec<(&str, &DiffRow)> = results
        .iter()
        .flat_map(|r| r.pyhanko_diff.iter().map(move |d| (r.file.as_str(), d)))
        .collect();
    let no_worse = rows.iter().filter(|(_, d)| d.no_worse).count();
    let same = rows.iter().filter(|(_, d)| d.ours == d.reference).count();
    let mut out = String::from("\n## Earlier signatures under pyHanko's difference analysis\n\n");
    out.push_str(&format!(
        "{} earlier signatures were intact and valid for pyHanko before our update. After it, {no_worse} are judged no worse than after pyHanko's own signer on the same input (docmdp_ok, and a modification level no higher); {same} get exactly the same verdict.\n\n",
        rows.len()
    ));
    out.push_str(
        "| file | field | after our update | after pyHanko's own signature | no worse |\n",
    );
    out.push_str("| --- | --- | --- | --- | --- |\n");
    for (file, row) in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            cell(file),
            cell(&row.field),
            cell(&row.ours),
            cell(&row.reference),
            if row.no_worse { "yes" } else { "**NO**" }
        ));
    }
    out
}

fn compatibility_markdown(results: &[FileResult]) -> String {
    let mut out = String::new();
    out.push_str(include_str!("corpus_compatibility_intro.md"));
    out.push_str("\n## Tally per category\n\n");
    out.push_str("| category | files | signed | signed after --repair | refused | failures |\n");
    out.push_str("| --- | ---: | ---: | ---: | ---: | ---: |\n");
    let mut tally: BTreeMap<&str, [usize; 5]> = BTreeMap::new();
    for r in results {
        let t = tally.entry(r.category.as_str()).or_default();
        t[0] += 1;
        if r.outcome == "signed" {
            t[1] += 1;
        } else if r.outcome.contains("signed after --repair") {
            t[2] += 1;
        } else if r.refused_kind.is_some() {
            t[3] += 1;
        }
        if !r.failures.is_empty() {
            t[4] += 1;
        }
    }
    let mut total = [0usize; 5];
    for (category, t) in &tally {
        out.push_str(&format!(
            "| {category} | {} | {} | {} | {} | {} |\n",
            t[0], t[1], t[2], t[3], t[4]
        ));
        for (sum, v) in total.iter_mut().zip(t) {
            *sum += v;
        }
    }
    out.push_str(&format!(
        "| **all** | {} | {} | {} | {} | {} |\n",
        total[0], total[1], total[2], total[3], total[4]
    ));
    let panics = results.iter().filter(|r| r.outcome == "PANIC").count();
    let broken_earlier = results
        .iter()
        .filter(|r| r.failures.iter().any(|f| f.contains("earlier signature")))
        .count();
    let corrupt = results
        .iter()
        .filter(|r| {
            r.failures
                .iter()
                .any(|f| f.contains("qpdf") || f.contains("our signature") || f.contains("prefix"))
        })
        .count();
    out.push_str(&format!(
        "\nPanics: {panics}. Corrupt or rejected outputs: {corrupt}. Files with a broken earlier signature: {broken_earlier}.\n"
    ));

    out.push_str(&pyhanko_diff_markdown(results));
    out.push_str("\n## Files\n\n");
    out.push_str("Validator columns judge our signature on the output (for a refused file: on the `--repair` output, if any). \"earlier\" counts the earlier signatures pdfsig / pyHanko found valid before signing that are still valid after.\n\n");
    out.push_str("| file | category | outcome | qpdf | pdfsig | pyHanko | openssl | countersign | earlier | notes |\n");
    out.push_str("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for r in results {
        let verdict = |name: &str| {
            r.verdicts
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| "–".into())
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            cell(&r.file),
            cell(&r.category),
            cell(&r.outcome),
            cell(&verdict("qpdf")),
            cell(&verdict("pdfsig")),
            cell(&verdict("pyHanko")),
            cell(&verdict("openssl")),
            cell(&verdict("countersign")),
            cell(&r.earlier),
            cell(
                &r.failures
                    .iter()
                    .map(|f| format!("**FAIL** {f}"))
                    .chain(r.notes.iter().cloned())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        ));
    }

    out.push_str("\n## Existing signatures: our verdict against pdfsig's\n\n");
    out.push_str("Intact and cryptographically valid, trust aside (the corpus signers are not in any trust store here).\n\n");
    out.push_str("| file | field | pdfsig | countersign | agree | explanation |\n");
    out.push_str("| --- | --- | --- | --- | --- | --- |\n");
    let mut agree = 0;
    let mut all = 0;
    for r in results {
        for v in &r.verification {
            all += 1;
            if v.agrees {
                agree += 1;
            }
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                cell(&r.file),
                cell(&v.field),
                cell(&v.pdfsig),
                cell(&v.ours),
                if v.agrees { "yes" } else { "**no**" },
                cell(&v.explanation)
            ));
        }
    }
    out.push_str(&format!(
        "\n{agree} of {all} verdicts agree; every disagreement is explained above.\n"
    ));
    // Written by scripts/compare_diff_levels.py (it runs pyHanko's difference analysis).
    out.push('\n');
    out.push_str(include_str!("corpus_modification_levels.md"));
    out
}

// ---------------------------------------------------------------------------------------------
// Options exercised on corpus files
// ---------------------------------------------------------------------------------------------

fn corpus_file(name: &str) -> Option<Vec<u8>> {
    let Some(dir) = corpus_dir() else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("corpus not found: set COUNTERSIGN_CORPUS or put shared/corpus beside the repo");
        }
        eprintln!("skipped: corpus not found (set COUNTERSIGN_CORPUS)");
        return None;
    };
    Some(std::fs::read(dir.join(name)).unwrap())
}

/// Signs with `options` and checks the output like the corpus test does; returns it.
fn sign_and_accept(name: &str, input: &[u8], options: &SignOptions) -> Vec<u8> {
    let output = sign_pdf(input, &demo_key(), options).unwrap_or_else(|e| panic!("{name}: {e}"));
    let temp = common::TempDir::new("corpus-option");
    let input_path = temp.write("input.pdf", input);
    let output_path = temp.write("output.pdf", &output);
    let mut result = FileResult {
        file: name.into(),
        ..FileResult::default()
    };
    check_output(
        &mut result,
        (input, &input_path),
        (&output, &output_path),
        Baseline::default(),
        &verify_options(),
        false,
    );
    assert!(result.failures.is_empty(), "{name}: {:#?}", result.failures);
    output
}

#[test]
fn the_first_empty_signature_field_is_filled_when_asked() {
    let name = "acroform--pyhanko--minimal-two-fields.pdf";
    let Some(input) = corpus_file(name) else {
        return;
    };
    let options = {
        let mut sign_options = SignOptions::default();
        sign_options.fill_empty_field = true;
        sign_options
    };
    let output = sign_and_accept(name, &input, &options);
    let report = verify_pdf(&output, &verify_options()).unwrap();
    assert_eq!(report.signatures.len(), 1);
    assert_eq!(report.signatures[0].field_name, "Sig1");
    assert!(report.all_valid(), "{report:#?}");
    // Only the field object (and the signature dictionary) are written: no new widget.
    let doc = countersign::__private::pdf::Document::parse(&output).unwrap();
    let newest = &doc.sections()[0];
    let written = newest.object_numbers(&output);
    assert_eq!(written.len(), 2, "written objects: {written:?}");

    // The second empty field is next.
    let again = sign_and_accept(name, &output, &options);
    let report = verify_pdf(&again, &verify_options()).unwrap();
    let names: Vec<&str> = report
        .signatures
        .iter()
        .map(|s| s.field_name.as_str())
        .collect();
    assert_eq!(names, ["Sig1", "Sig2"]);
    assert!(report.all_valid(), "{report:#?}");
}

#[test]
fn without_the_option_a_new_field_is_added() {
    let name = "acroform--pyhanko--minimal-two-fields.pdf";
    let Some(input) = corpus_file(name) else {
        return;
    };
    let output = sign_and_accept(name, &input, &SignOptions::default());
    let report = verify_pdf(&output, &verify_options()).unwrap();
    assert_eq!(report.signatures.len(), 1);
    assert_eq!(report.signatures[0].field_name, "Signature1");
}

#[test]
fn a_field_locked_by_an_earlier_signature_is_not_filled() {
    // Signature1's FieldMDP transform locks only Signature1 (/Action /Include): Signature2 is free.
    let name = "fieldmdp--dss--Test.pdf";
    let Some(input) = corpus_file(name) else {
        return;
    };
    let options = {
        let mut sign_options = SignOptions::default();
        sign_options.fill_empty_field = true;
        sign_options
    };
    let output = sign_and_accept(name, &input, &options);
    let report = verify_pdf(&output, &verify_options()).unwrap();
    assert_eq!(report.signatures.last().unwrap().field_name, "Signature2");

    // A lock over every field (/Action /All) refuses filling, naming the field.
    let locked = lock_everything(&input);
    match sign_pdf(&locked, &demo_key(), &options) {
        Err(Error::FieldLocked { field }) => assert_eq!(field, "Signature2"),
        other => panic!("expected FieldLocked, got {:?}", other.map(|o| o.len())),
    }
}

#[test]
fn a_lock_with_p1_refuses_any_new_signature() {
    let name = "certified-p3--dss--annotation-and-visible-change.pdf";
    let Some(input) = corpus_file(name) else {
        return;
    };
    match sign_pdf(&input, &demo_key(), &SignOptions::default()) {
        Err(Error::LockedNoChanges { signed_field }) => {
            assert!(
                signed_field.contains("ES_LOCKING_SIGNATURE"),
                "{signed_field}"
            )
        }
        other => panic!("expected LockedNoChanges, got {:?}", other.map(|o| o.len())),
    }
}

/// `fieldmdp--dss--Test.pdf` with its FieldMDP /Include turned into /All, by an appended update
/// (the earlier signature breaks, which does not matter for the refusal).
fn lock_everything(input: &[u8]) -> Vec<u8> {
    use countersign::__private::pdf::{Document, ObjRef, Object, UpdateWriter};
    let doc = Document::parse(input).unwrap();
    let params_ref = ObjRef::new(51, 0);
    let Object::Dict(mut params) = doc.get(params_ref).unwrap() else {
        panic!("51 0 R is the FieldMDP TransformParams");
    };
    params.set("Action", Object::name("All"));
    let mut writer = UpdateWriter::new(&doc);
    writer.add(params_ref, &Object::Dict(params));
    let update = writer
        .finish(&doc, doc.size(), &[b"a".to_vec(), b"b".to_vec()])
        .unwrap();
    let mut out = input.to_vec();
    out.extend_from_slice(&update);
    out
}

/// Issue 19: these two files carry a trailer `/AdditionalStreams [... N 0 R]` with N their
/// `/Size`, an object only the trailer refers to and nobody defines. Our update skips N and does
/// not repeat the key, so no object of ours gives that reference a meaning (`sign::numbers`); the
/// earlier signature stays form filling for our verifier. pyHanko then raises `KeyError` on N,
/// exactly as it does after its own signer's counter-signature (docs/COMPATIBILITY.md, X5):
/// ISO 32000-1 §7.3.10 makes the reference null, pyHanko looks it up and fails.
#[test]
fn trailer_only_references_are_skipped_and_not_repeated() {
    use countersign::__private::pdf::{Document, Object};
    use countersign::ModificationLevel;
    for name in [
        "certified-p3--dss--certified-changes-permitted.pdf",
        "signed-cades--dss--pades-bes.pdf",
    ] {
        let Some(input) = corpus_file(name) else {
            return;
        };
        let doc = Document::parse(&input).unwrap();
        let trailer_only = doc
            .trailer()
            .get(b"AdditionalStreams")
            .and_then(Object::as_array)
            .and_then(|items| items.iter().find_map(Object::as_ref))
            .unwrap();
        assert_eq!(trailer_only.num, doc.size(), "{name}");
        assert_eq!(doc.entry(trailer_only.num).unwrap(), None, "{name}");

        let output = sign_pdf(&input, &demo_key(), &SignOptions::default()).unwrap();
        let signed = Document::parse(&output).unwrap();
        assert_eq!(signed.entry(trailer_only.num).unwrap(), None, "{name}");
        assert_eq!(signed.trailer().get(b"AdditionalStreams"), None, "{name}");
        let report = verify_pdf(&output, &VerifyOptions::default()).unwrap();
        let (earlier, newest) = report.signatures.split_at(report.signatures.len() - 1);
        assert!(!earlier.is_empty(), "{name}");
        for signature in earlier {
            let modifications = &signature.modifications;
            assert_eq!(
                modifications.level,
                ModificationLevel::FormFilling,
                "{name} {}: {modifications:?}",
                signature.field_name
            );
            assert!(modifications.permitted, "{name}: {modifications:?}");
        }
        assert!(newest[0].is_valid_ignoring_trust(), "{name}: {newest:?}");

        let temp = common::TempDir::new("corpus-trailer-only");
        let pyhanko = pyhanko_validate(&temp.write("out.pdf", &output), &common::root_ca_pem());
        if pyhanko.skipped {
            eprintln!("skipped: pyHanko not installed");
            continue;
        }
        let first = &pyhanko.signatures[0];
        let expected = format!(
            "KeyError: Reference(idnum={}, generation=0)",
            trailer_only.num
        );
        assert_eq!(
            first.error.as_deref(),
            Some(expected.as_str()),
            "{name}: {}",
            pyhanko.output
        );
        assert!(pyhanko.signatures[1].valid, "{name}: {}", pyhanko.output);
    }
}
