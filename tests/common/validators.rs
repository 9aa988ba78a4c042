//! External validators as test oracles: qpdf, poppler's pdfsig (with an NSS trust store),
//! pyHanko, `openssl cms` and `openssl verify`.
//!
//! Every function finds its tool on `PATH` or in `<repo>/.venv/bin`. When a tool is missing it
//! panics if `CI=true` (CI must run every oracle) and otherwise prints `skipped: <tool> not
//! installed` and returns a verdict/report marked as skipped, so callers write
//! `if report.skipped { return; }` (or check [`Verdict::Skipped`]).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use super::{TempDir, repo_root};

/// The outcome of one check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    /// Passed with warnings (the tool's text).
    Warnings(String),
    /// Failed (the tool's text, or why the input could not be checked).
    Errors(String),
    /// The tool is not installed (never returned when `CI=true`).
    Skipped(String),
}

impl Verdict {
    pub fn is_ok(&self) -> bool {
        matches!(self, Verdict::Ok)
    }

    pub fn is_skipped(&self) -> bool {
        matches!(self, Verdict::Skipped(_))
    }

    /// Panics with `what` and the tool's text unless the verdict is `Ok` or `Skipped`.
    pub fn assert_ok(&self, what: &str) {
        match self {
            Verdict::Ok | Verdict::Skipped(_) => {}
            Verdict::Warnings(text) => panic!("{what}: warnings:\n{text}"),
            Verdict::Errors(text) => panic!("{what}: errors:\n{text}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Finding tools
// ---------------------------------------------------------------------------------------------

fn venv_bin() -> PathBuf {
    repo_root().join(".venv").join("bin")
}

/// `name` on PATH, else in `<repo>/.venv/bin`.
fn find_tool(name: &str) -> Option<PathBuf> {
    let path_dirs = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .unwrap_or_default();
    path_dirs
        .into_iter()
        .chain(std::iter::once(venv_bin()))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Reports a missing tool: a panic under CI, a "skipped" line otherwise.
fn tool_missing(tool: &str) -> String {
    let ci = std::env::var("CI").is_ok_and(|value| value == "true");
    if ci {
        panic!("{tool} not installed, but CI=true requires every validator (see .ci/run)");
    }
    eprintln!("skipped: {tool} not installed");
    format!("{tool} not installed")
}

pub fn require_tool(name: &str) -> Result<PathBuf, String> {
    find_tool(name).ok_or_else(|| tool_missing(name))
}

/// A Python interpreter that can import pyHanko: the repo's venv first, then `python3` on PATH.
pub fn pyhanko_python() -> Result<PathBuf, String> {
    // Probing costs a Python start-up; do it once per test binary.
    static PYTHON: OnceLock<Option<PathBuf>> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let candidates = [Some(venv_bin().join("python3")), find_tool("python3")];
            candidates
                .into_iter()
                .flatten()
                .filter(|python| python.is_file())
                .find(|python| {
                    Command::new(python)
                        .args(["-c", "import pyhanko, pyhanko_certvalidator"])
                        .output()
                        .is_ok_and(|out| out.status.success())
                })
        })
        .clone()
        .ok_or_else(|| tool_missing("pyhanko"))
}

fn run<I, S>(program: &Path, args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", program.display()))
}

fn combined_text(out: &Output) -> String {
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    text
}

// ---------------------------------------------------------------------------------------------
// qpdf
// ---------------------------------------------------------------------------------------------

/// `qpdf --check`: exit 0 without "WARNING" is `Ok`, exit 3 is `Warnings`, anything else
/// `Errors`.
pub fn qpdf_check(path: &Path) -> Verdict {
    qpdf_check_with_password(path, None)
}

/// [`qpdf_check`] of an encrypted file opened with `password` (`--password=`).
pub fn qpdf_check_with_password(path: &Path, password: Option<&str>) -> Verdict {
    let qpdf = match require_tool("qpdf") {
        Ok(qpdf) => qpdf,
        Err(why) => return Verdict::Skipped(why),
    };
    let password = password.map(|p| format!("--password={p}"));
    let args = [
        Some(OsStr::new("--check")),
        password.as_deref().map(OsStr::new),
    ]
    .into_iter()
    .flatten()
    .chain([path.as_os_str()]);
    let out = run(&qpdf, args);
    let text = combined_text(&out);
    match out.status.code() {
        Some(0) if !text.contains("WARNING") => Verdict::Ok,
        Some(0) | Some(3) => Verdict::Warnings(text),
        _ => Verdict::Errors(text),
    }
}

// ---------------------------------------------------------------------------------------------
// pdfsig
// ---------------------------------------------------------------------------------------------

/// What `pdfsig` printed for one signature (values verbatim, e.g. `"Signature is Valid."`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PdfsigSignature {
    pub field_name: String,
    pub signer_common_name: String,
    pub signer_dn: String,
    pub signing_time: String,
    pub hash_algorithm: String,
    /// `/SubFilter` as pdfsig names it: `ETSI.CAdES.detached`, `adbe.pkcs7.detached`, ...
    pub signature_type: String,
    pub signed_ranges: String,
    /// pdfsig printed "Total document signed" (not "Not total document signed").
    pub total_document_signed: bool,
    pub signature_validation: String,
    pub certificate_validation: String,
}

impl PdfsigSignature {
    pub fn signature_valid(&self) -> bool {
        self.signature_validation == "Signature is Valid."
    }

    pub fn certificate_trusted(&self) -> bool {
        self.certificate_validation == "Certificate is Trusted."
    }
}

#[derive(Clone, Debug, Default)]
pub struct PdfsigReport {
    /// pdfsig or certutil is not installed; nothing else is meaningful.
    pub skipped: bool,
    pub exit_code: Option<i32>,
    /// In document order.
    pub signatures: Vec<PdfsigSignature>,
    /// pdfsig's stdout + stderr, for failure messages.
    pub output: String,
}

impl PdfsigReport {
    /// At least one signature, and every one valid with a trusted certificate.
    pub fn all_valid_and_trusted(&self) -> bool {
        !self.signatures.is_empty()
            && self
                .signatures
                .iter()
                .all(|sig| sig.signature_valid() && sig.certificate_trusted())
    }
}

/// Runs `pdfsig -nssdir sql:<db> <path>` with a fresh NSS database that trusts only
/// `trust_root_pem` (added with trust flags `CT,C,C`).
pub fn pdfsig_verify(path: &Path, trust_root_pem: &Path) -> PdfsigReport {
    pdfsig_verify_with(path, trust_root_pem, &[])
}

/// [`pdfsig_verify`] with extra pdfsig options (e.g. `-no-ocsp`).
pub fn pdfsig_verify_with(path: &Path, trust_root_pem: &Path, options: &[&str]) -> PdfsigReport {
    let tools = require_tool("pdfsig").and_then(|pdfsig| Ok((pdfsig, require_tool("certutil")?)));
    let (pdfsig, certutil) = match tools {
        Ok(tools) => tools,
        Err(_) => {
            return PdfsigReport {
                skipped: true,
                ..PdfsigReport::default()
            };
        }
    };
    let temp = TempDir::new("nssdb");
    let db = format!("sql:{}", temp.path().display());
    let created = run(&certutil, ["-N", "-d", &db, "--empty-password"]);
    assert!(
        created.status.success(),
        "certutil -N: {}",
        combined_text(&created)
    );
    let added = run(
        &certutil,
        [
            OsStr::new("-A"),
            OsStr::new("-d"),
            OsStr::new(&db),
            OsStr::new("-n"),
            OsStr::new("trust-root"),
            OsStr::new("-t"),
            OsStr::new("CT,C,C"),
            OsStr::new("-i"),
            trust_root_pem.as_os_str(),
        ],
    );
    assert!(
        added.status.success(),
        "certutil -A: {}",
        combined_text(&added)
    );

    let mut args = vec![OsStr::new("-nssdir"), OsStr::new(&db)];
    args.extend(options.iter().map(OsStr::new));
    args.push(path.as_os_str());
    let out = run(&pdfsig, args);
    let output = combined_text(&out);
    PdfsigReport {
        skipped: false,
        exit_code: out.status.code(),
        signatures: parse_pdfsig(&output),
        output,
    }
}

fn parse_pdfsig(output: &str) -> Vec<PdfsigSignature> {
    let mut signatures: Vec<PdfsigSignature> = Vec::new();
    for line in output.lines() {
        if line.starts_with("Signature #") {
            signatures.push(PdfsigSignature::default());
            continue;
        }
        let Some(current) = signatures.last_mut() else {
            continue;
        };
        let Some(item) = line.trim_start().strip_prefix("- ") else {
            continue;
        };
        if item == "Total document signed" {
            current.total_document_signed = true;
            continue;
        }
        let Some((key, value)) = item.split_once(": ") else {
            continue;
        };
        let value = value.trim().to_string();
        match key {
            "Signature Field Name" => current.field_name = value,
            "Signer Certificate Common Name" => current.signer_common_name = value,
            "Signer full Distinguished Name" => current.signer_dn = value,
            "Signing Time" => current.signing_time = value,
            "Signing Hash Algorithm" => current.hash_algorithm = value,
            "Signature Type" => current.signature_type = value,
            "Signed Ranges" => current.signed_ranges = value,
            "Signature Validation" => current.signature_validation = value,
            "Certificate Validation" => current.certificate_validation = value,
            _ => {}
        }
    }
    signatures
}

// ---------------------------------------------------------------------------------------------
// pyHanko
// ---------------------------------------------------------------------------------------------

/// pyHanko's verdict on one embedded signature (see `tests/common/pyhanko_validate.py`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PyhankoSignature {
    pub field_name: String,
    /// `/Sig` or `/DocTimeStamp`.
    pub sig_type: String,
    /// e.g. `/ETSI.CAdES.detached`.
    pub subfilter: String,
    /// For a certification signature: `NO_CHANGES`, `FILL_FORMS` or `ANNOTATE`.
    pub docmdp_permissions: Option<String>,
    /// The catalog's `/Perms /DocMDP` names this signature.
    pub certification: bool,
    /// The FieldMDP lock pyHanko reads from the signature's `/Reference`: `ALL`, `INCLUDE` or
    /// `EXCLUDE`.
    pub field_mdp_action: Option<String>,
    /// The fields that lock names (none for `ALL`).
    pub field_mdp_fields: Vec<String>,
    /// The digest over the ByteRange matches.
    pub intact: bool,
    /// The cryptographic signature verifies.
    pub valid: bool,
    /// The signer's chain reaches the given trust root.
    pub trusted: bool,
    /// `ENTIRE_FILE`, `ENTIRE_REVISION` or `CONTIGUOUS_BLOCK_FROM_START`.
    pub coverage: Option<String>,
    /// Changes after the signature: `NONE`, `LTA_UPDATES`, `FORM_FILLING`, `ANNOTATIONS`,
    /// `OTHER`.
    pub modification_level: Option<String>,
    /// The later changes are allowed by the document's DocMDP/FieldMDP rules.
    pub docmdp_ok: Option<bool>,
    /// pyHanko's overall judgement.
    pub bottom_line: bool,
    pub signer: Option<String>,
    pub md_algorithm: Option<String>,
    pub mechanism: Option<String>,
    /// pyHanko's one-line summary, e.g. `INTACT:TRUSTED,UNTOUCHED`.
    pub summary: Option<String>,
    /// Set when validation raised (e.g. a malformed CMS blob).
    pub error: Option<String>,
}

impl PyhankoSignature {
    pub fn intact_valid_trusted(&self) -> bool {
        self.error.is_none() && self.intact && self.valid && self.trusted
    }
}

#[derive(Clone, Debug, Default)]
pub struct PyhankoReport {
    /// pyHanko is not installed; nothing else is meaningful.
    pub skipped: bool,
    /// In document order.
    pub signatures: Vec<PyhankoSignature>,
    /// Set when pyHanko could not read the file at all, or the script failed.
    pub error: Option<String>,
    /// The script's stdout + stderr, for failure messages.
    pub output: String,
}

impl PyhankoReport {
    /// Readable, at least one signature, and every one intact, valid and trusted.
    pub fn all_intact_valid_trusted(&self) -> bool {
        self.error.is_none()
            && !self.signatures.is_empty()
            && self
                .signatures
                .iter()
                .all(PyhankoSignature::intact_valid_trusted)
    }
}

/// Validates every embedded signature with pyHanko, trusting only `trust_root_pem`
/// (no fetching, no revocation requirement).
pub fn pyhanko_validate(path: &Path, trust_root_pem: &Path) -> PyhankoReport {
    pyhanko_validate_with_crls(path, trust_root_pem, &[])
}

/// [`pyhanko_validate`] with CRLs (PEM or DER files); the signer's certificate must then be
/// covered by one of them.
pub fn pyhanko_validate_with_crls(
    path: &Path,
    trust_root_pem: &Path,
    crls: &[&Path],
) -> PyhankoReport {
    pyhanko_validate_with(path, trust_root_pem, crls, None)
}

/// [`pyhanko_validate_with_crls`] of an encrypted file opened with `password`.
pub fn pyhanko_validate_with(
    path: &Path,
    trust_root_pem: &Path,
    crls: &[&Path],
    password: Option<&str>,
) -> PyhankoReport {
    let python = match pyhanko_python() {
        Ok(python) => python,
        Err(_) => {
            return PyhankoReport {
                skipped: true,
                ..PyhankoReport::default()
            };
        }
    };
    let script = repo_root()
        .join("tests")
        .join("common")
        .join("pyhanko_validate.py");
    let out = Command::new(&python)
        .args(
            [
                script.as_os_str(),
                path.as_os_str(),
                trust_root_pem.as_os_str(),
            ]
            .into_iter()
            .chain(crls.iter().map(|crl| crl.as_os_str())),
        )
        .env("PYHANKO_PDF_PASSWORD", password.unwrap_or_default())
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", python.display()));
    let output = combined_text(&out);
    if !out.status.success() {
        return PyhankoReport {
            error: Some(format!("pyhanko_validate.py failed:\n{output}")),
            output,
            ..PyhankoReport::default()
        };
    }
    match serde_json::from_slice::<serde_json::Value>(&out.stdout) {
        Ok(json) => PyhankoReport {
            skipped: false,
            signatures: json["signatures"]
                .as_array()
                .map(|sigs| sigs.iter().map(pyhanko_signature).collect())
                .unwrap_or_default(),
            error: opt_string(&json["error"]),
            output,
        },
        Err(e) => PyhankoReport {
            error: Some(format!("unparsable JSON from pyhanko_validate.py: {e}")),
            output,
            ..PyhankoReport::default()
        },
    }
}

fn opt_string(value: &serde_json::Value) -> Option<String> {
    value.as_str().map(str::to_string)
}

fn pyhanko_signature(json: &serde_json::Value) -> PyhankoSignature {
    let string = |key: &str| opt_string(&json[key]).unwrap_or_default();
    let flag = |key: &str| json[key].as_bool().unwrap_or(false);
    PyhankoSignature {
        field_name: string("field_name"),
        sig_type: string("sig_type"),
        subfilter: string("subfilter"),
        docmdp_permissions: opt_string(&json["docmdp_permissions"]),
        certification: flag("certification"),
        field_mdp_action: opt_string(&json["field_mdp_action"]),
        field_mdp_fields: json["field_mdp_fields"]
            .as_array()
            .map(|names| names.iter().filter_map(opt_string).collect())
            .unwrap_or_default(),
        intact: flag("intact"),
        valid: flag("valid"),
        trusted: flag("trusted"),
        coverage: opt_string(&json["coverage"]),
        modification_level: opt_string(&json["modification_level"]),
        docmdp_ok: json["docmdp_ok"].as_bool(),
        bottom_line: flag("bottom_line"),
        signer: opt_string(&json["signer"]),
        md_algorithm: opt_string(&json["md_algorithm"]),
        mechanism: opt_string(&json["mechanism"]),
        summary: opt_string(&json["summary"]),
        error: opt_string(&json["error"]),
    }
}

// ---------------------------------------------------------------------------------------------
// openssl verify
// ---------------------------------------------------------------------------------------------

/// `openssl verify -x509_strict -policy_check -CAfile <root> -untrusted <untrusted> <leaf>`
/// (RFC 5280 path validation: critical extensions, name constraints, basicConstraints, policy
/// processing...): `Ok` when it verifies, else `Errors` with openssl's text.
pub fn openssl_verify_chain(
    trust_root_pem: &Path,
    untrusted_pem: &Path,
    leaf_pem: &Path,
) -> Verdict {
    let openssl = match require_tool("openssl") {
        Ok(openssl) => openssl,
        Err(why) => return Verdict::Skipped(why),
    };
    let out = run(
        &openssl,
        [
            OsStr::new("verify"),
            OsStr::new("-x509_strict"),
            OsStr::new("-policy_check"),
            OsStr::new("-CAfile"),
            trust_root_pem.as_os_str(),
            OsStr::new("-untrusted"),
            untrusted_pem.as_os_str(),
            leaf_pem.as_os_str(),
        ],
    );
    if out.status.success() {
        Verdict::Ok
    } else {
        Verdict::Errors(combined_text(&out))
    }
}

// ---------------------------------------------------------------------------------------------
// openssl cms
// ---------------------------------------------------------------------------------------------

/// For each signature dictionary (each distinct `/ByteRange`, in file order): the bytes the
/// ByteRange covers and the DER in the `/Contents` gap (zero padding trimmed by the DER length)
/// are checked with `openssl cms -verify -binary -purpose any -CAfile <root>`.
///
/// A malformed ByteRange or Contents gives `Errors` for that signature; no signatures give an
/// empty vector; a missing openssl gives `[Skipped]`.
pub fn openssl_cms_verify(pdf_bytes: &[u8], trust_root_pem: &Path) -> Vec<Verdict> {
    let openssl = match require_tool("openssl") {
        Ok(openssl) => openssl,
        Err(why) => return vec![Verdict::Skipped(why)],
    };
    let mut ranges: Vec<[usize; 4]> = Vec::new();
    let mut verdicts = Vec::new();
    for at in find_all(pdf_bytes, b"/ByteRange") {
        match parse_byte_range(pdf_bytes, at + b"/ByteRange".len()) {
            Some(range) if ranges.contains(&range) => {}
            Some(range) => {
                ranges.push(range);
                verdicts.push(cms_verify_one(&openssl, pdf_bytes, range, trust_root_pem));
            }
            None => verdicts.push(Verdict::Errors(format!(
                "unparsable /ByteRange at offset {at}"
            ))),
        }
    }
    verdicts
}

fn cms_verify_one(
    openssl: &Path,
    pdf_bytes: &[u8],
    [start1, len1, start2, len2]: [usize; 4],
    trust_root_pem: &Path,
) -> Verdict {
    let describe = format!("ByteRange [{start1} {len1} {start2} {len2}]");
    let gap_start = start1.checked_add(len1);
    let end = start2.checked_add(len2);
    let (Some(gap_start), Some(end)) = (gap_start, end) else {
        return Verdict::Errors(format!("{describe}: overflows"));
    };
    if start1 != 0 || gap_start > start2 || end > pdf_bytes.len() {
        return Verdict::Errors(format!(
            "{describe}: not [0 a b c] inside a file of {} bytes",
            pdf_bytes.len()
        ));
    }
    let Some(der) = contents_der(&pdf_bytes[gap_start..start2]) else {
        return Verdict::Errors(format!(
            "{describe}: the gap is not a <hex> string holding DER"
        ));
    };
    let mut covered = pdf_bytes[..gap_start].to_vec();
    covered.extend_from_slice(&pdf_bytes[start2..end]);

    let temp = TempDir::new("cms");
    let data = temp.write("data.bin", &covered);
    let sig = temp.write("sig.der", &der);
    let out = run(
        openssl,
        [
            OsStr::new("cms"),
            OsStr::new("-verify"),
            OsStr::new("-binary"),
            OsStr::new("-inform"),
            OsStr::new("DER"),
            OsStr::new("-in"),
            sig.as_os_str(),
            OsStr::new("-content"),
            data.as_os_str(),
            OsStr::new("-CAfile"),
            trust_root_pem.as_os_str(),
            OsStr::new("-purpose"),
            OsStr::new("any"),
            OsStr::new("-out"),
            OsStr::new("/dev/null"),
        ],
    );
    if out.status.success() {
        Verdict::Ok
    } else {
        Verdict::Errors(format!("{describe}: {}", combined_text(&out)))
    }
}

/// For each signature dictionary (each distinct `/ByteRange`, in file order): the bytes its
/// ByteRange covers and the DER in its `/Contents` gap. Panics on a malformed one: the callers
/// check our own output.
pub fn signature_parts(pdf_bytes: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut ranges: Vec<[usize; 4]> = Vec::new();
    for at in find_all(pdf_bytes, b"/ByteRange") {
        let range = parse_byte_range(pdf_bytes, at + b"/ByteRange".len())
            .unwrap_or_else(|| panic!("unparsable /ByteRange at offset {at}"));
        if !ranges.contains(&range) {
            ranges.push(range);
        }
    }
    ranges
        .into_iter()
        .map(|[start1, len1, start2, len2]| {
            let gap_start = start1 + len1;
            let der = contents_der(&pdf_bytes[gap_start..start2]).expect("<hex> DER in the gap");
            let mut covered = pdf_bytes[start1..gap_start].to_vec();
            covered.extend_from_slice(&pdf_bytes[start2..start2 + len2]);
            (covered, der)
        })
        .collect()
}

fn find_all(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, window)| *window == needle)
        .map(|(at, _)| at)
        .collect()
}

/// Parses `[a b c d]` (PDF whitespace allowed) starting at `from`.
fn parse_byte_range(bytes: &[u8], from: usize) -> Option<[usize; 4]> {
    let rest = bytes.get(from..)?;
    let open = rest.iter().position(|&b| !is_pdf_space(b))?;
    if rest.get(open) != Some(&b'[') {
        return None;
    }
    let close = open + rest.get(open..)?.iter().position(|&b| b == b']')?;
    let inner = std::str::from_utf8(rest.get(open + 1..close)?).ok()?;
    let numbers: Vec<usize> = inner
        .split(|c: char| c.is_ascii() && is_pdf_space(c as u8))
        .filter(|token| !token.is_empty())
        .map(|token| token.parse().ok())
        .collect::<Option<_>>()?;
    numbers.try_into().ok()
}

fn is_pdf_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

/// `<hex…>` → the DER object at its start (the zero padding after it dropped).
fn contents_der(gap: &[u8]) -> Option<Vec<u8>> {
    let hex = gap.strip_prefix(b"<")?.strip_suffix(b">")?;
    let digits: Vec<u8> = hex.iter().copied().filter(|b| !is_pdf_space(*b)).collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Vec<u8> = digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect::<Option<_>>()?;
    let length = der_total_length(&bytes)?;
    bytes.get(..length).map(<[u8]>::to_vec)
}

/// Tag + length + content size of the DER object at the start of `bytes` (definite lengths
/// only, as DER requires).
fn der_total_length(bytes: &[u8]) -> Option<usize> {
    let first_len_byte = *bytes.get(1)?;
    if first_len_byte < 0x80 {
        return 2usize.checked_add(usize::from(first_len_byte));
    }
    let count = usize::from(first_len_byte & 0x7f);
    if count == 0 || count > std::mem::size_of::<usize>() {
        return None;
    }
    let length = bytes
        .get(2..2 + count)?
        .iter()
        .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    length.checked_add(2 + count)
}

// ---------------------------------------------------------------------------------------------
// Incremental-update check
// ---------------------------------------------------------------------------------------------

/// The output is an incremental update of the input: it starts with every input byte unchanged
/// and appends something.
pub fn prefix_ok(input: &[u8], output: &[u8]) -> bool {
    output.len() > input.len() && output.starts_with(input)
}

// ---------------------------------------------------------------------------------------------
// MuPDF (`mutool sign -v`)
// ---------------------------------------------------------------------------------------------

/// `mutool sign -v`: `Ok` when every signature reads "The document is unchanged since signing."
/// (certificate trust is not MuPDF's to judge here: it has no trust store option), `Errors` with
/// its output otherwise.
pub fn mutool_verify(path: &Path) -> Verdict {
    let mutool = match require_tool("mutool") {
        Ok(tool) => tool,
        Err(why) => return Verdict::Skipped(why),
    };
    let out = run(
        &mutool,
        [OsStr::new("sign"), OsStr::new("-v"), path.as_os_str()],
    );
    let text = combined_text(&out);
    let verified = text.matches("Verifying signature").count();
    let unchanged = text
        .matches("The document is unchanged since signing.")
        .count();
    if out.status.success() && verified > 0 && unchanged == verified {
        Verdict::Ok
    } else {
        Verdict::Errors(text)
    }
}

// ---------------------------------------------------------------------------------------------
// pyHanko as a signer (a reference output for the same input)
// ---------------------------------------------------------------------------------------------

/// Signs `input` into `output` with pyHanko's own incremental signer (PAdES, the demo key, a new
/// or existing field `field`): the reference that our update is compared with. `Err` carries
/// pyHanko's message (it refuses some inputs), `Ok(false)` means pyHanko is not installed.
pub fn pyhanko_sign(input: &Path, output: &Path, field: &str) -> Result<bool, String> {
    pyhanko_sign_with(input, output, field, None)
}

/// [`pyhanko_sign`] of an encrypted input opened with `password`.
pub fn pyhanko_sign_with(
    input: &Path,
    output: &Path,
    field: &str,
    password: Option<&str>,
) -> Result<bool, String> {
    let Ok(python) = pyhanko_python() else {
        return Ok(false);
    };
    let script = repo_root()
        .join("tests")
        .join("common")
        .join("pyhanko_sign.py");
    let pki = repo_root().join("testdata").join("pki");
    let out = Command::new(&python)
        .args([
            script.as_os_str(),
            input.as_os_str(),
            output.as_os_str(),
            OsStr::new(field),
            pki.as_os_str(),
        ])
        .env("PYHANKO_PDF_PASSWORD", password.unwrap_or_default())
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", python.display()));
    if out.status.success() {
        Ok(true)
    } else {
        Err(combined_text(&out))
    }
}

// ---------------------------------------------------------------------------------------------
// pyHanko AdES levels
// ---------------------------------------------------------------------------------------------

/// pyHanko's AdES validation of each regular signature (see `tests/common/pyhanko_ades.py`):
/// `level` is `B-B`, `B-T`, `B-LT` or `B-LTA`. `None` when pyHanko is missing (outside CI).
pub fn pyhanko_ades(path: &Path, trust_root_pem: &Path) -> Option<serde_json::Value> {
    let python = pyhanko_python().ok()?;
    let script = repo_root()
        .join("tests")
        .join("common")
        .join("pyhanko_ades.py");
    let out = run(
        &python,
        [
            script.as_os_str(),
            path.as_os_str(),
            trust_root_pem.as_os_str(),
        ],
    );
    let output = combined_text(&out);
    assert!(out.status.success(), "pyhanko_ades.py failed:\n{output}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("unparsable JSON from pyhanko_ades.py: {e}\n{output}"));
    assert!(
        json["error"].is_null(),
        "pyHanko could not read the file:\n{output}"
    );
    Some(json)
}

// ---------------------------------------------------------------------------------------------
// mutool
// ---------------------------------------------------------------------------------------------

/// Every page of `path` rendered by MuPDF's `mutool draw` (PNG at 36 dpi), the file opened with
/// `password` when given: `Err` with the verdict when the tool is missing or fails.
pub fn mutool_pages(path: &Path, password: Option<&str>) -> Result<Vec<Vec<u8>>, Verdict> {
    let mutool = require_tool("mutool").map_err(Verdict::Skipped)?;
    let dir = TempDir::new("mutool");
    let pattern = dir.path().join("page-%d.png");
    let mut args = vec![
        OsStr::new("draw").to_os_string(),
        "-q".into(),
        "-r".into(),
        "36".into(),
        "-o".into(),
        pattern.into_os_string(),
    ];
    if let Some(password) = password {
        args.push("-p".into());
        args.push(password.into());
    }
    args.push(path.as_os_str().to_os_string());
    let out = run(&mutool, args);
    let text = combined_text(&out);
    // MuPDF repairs what it can (a header after junk, say) and says so on stderr: only a
    // failed run or no page drawn is a failure; the images are what the callers compare.
    if !out.status.success() {
        return Err(Verdict::Errors(text));
    }
    let mut pages = Vec::new();
    for page in 1.. {
        match std::fs::read(dir.path().join(format!("page-{page}.png"))) {
            Ok(bytes) => pages.push(bytes),
            Err(_) => break,
        }
    }
    if pages.is_empty() {
        return Err(Verdict::Errors(format!("mutool drew no page: {text}")));
    }
    Ok(pages)
}

// ---------------------------------------------------------------------------------------------
// SM2/SM3 oracles: OpenSSL (dgst, pkeyutl) and the pure-Python gmssl package
// ---------------------------------------------------------------------------------------------

/// The SM2 user ID every oracle below assumes (GB/T 35276).
pub const SM2_STANDARD_ID: &str = "1234567812345678";

/// `openssl dgst -sm3 -binary` of `data`: `Err(Skipped)` without openssl.
pub fn openssl_sm3(data: &[u8]) -> Result<Vec<u8>, Verdict> {
    let openssl = require_tool("openssl").map_err(Verdict::Skipped)?;
    let temp = TempDir::new("sm3");
    let input = temp.write("data.bin", data);
    let out = run(
        &openssl,
        [
            OsStr::new("dgst"),
            OsStr::new("-sm3"),
            OsStr::new("-binary"),
            input.as_os_str(),
        ],
    );
    if !out.status.success() {
        return Err(Verdict::Errors(combined_text(&out)));
    }
    Ok(out.stdout)
}

/// `openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:ID`: the DER SM2 `signature`
/// over SM3(Z ‖ `message`) with the public key in `public_key_pem`.
pub fn openssl_sm2_verify(
    public_key_pem: &Path,
    user_id: &str,
    message: &[u8],
    signature: &[u8],
) -> Verdict {
    let openssl = match require_tool("openssl") {
        Ok(openssl) => openssl,
        Err(why) => return Verdict::Skipped(why),
    };
    let temp = TempDir::new("sm2");
    let input = temp.write("message.bin", message);
    let sig = temp.write("signature.der", signature);
    let distid = format!("distid:{user_id}");
    let out = run(
        &openssl,
        [
            OsStr::new("pkeyutl"),
            OsStr::new("-verify"),
            OsStr::new("-pubin"),
            OsStr::new("-inkey"),
            public_key_pem.as_os_str(),
            OsStr::new("-rawin"),
            OsStr::new("-digest"),
            OsStr::new("sm3"),
            OsStr::new("-pkeyopt"),
            OsStr::new(&distid),
            OsStr::new("-in"),
            input.as_os_str(),
            OsStr::new("-sigfile"),
            sig.as_os_str(),
        ],
    );
    let text = combined_text(&out);
    if out.status.success() && text.contains("Signature Verified Successfully") {
        Verdict::Ok
    } else {
        Verdict::Errors(text)
    }
}

/// What gmssl says of an SM2 signature (standard user ID) and the SM3 it computes itself.
#[derive(Debug)]
pub struct GmsslReport {
    pub verdict: Verdict,
    /// gmssl's SM3 of the message (empty when skipped).
    pub sm3: Vec<u8>,
}

/// The pure-Python `gmssl` package (in `.venv`) checks the DER SM2 `signature` over
/// SM3(Z ‖ `message`) with the SEC1 `public_point` (tests/common/gmssl_sm2_verify.py).
pub fn gmssl_sm2_verify(public_point: &[u8], message: &[u8], signature: &[u8]) -> GmsslReport {
    let python = match gmssl_python() {
        Ok(python) => python,
        Err(why) => {
            return GmsslReport {
                verdict: Verdict::Skipped(why),
                sm3: Vec::new(),
            };
        }
    };
    let temp = TempDir::new("gmssl");
    let input = temp.write("message.bin", message);
    let sig = temp.write("signature.der", signature);
    let script = repo_root()
        .join("tests")
        .join("common")
        .join("gmssl_sm2_verify.py");
    let point_hex: String = public_point.iter().map(|b| format!("{b:02x}")).collect();
    let out = run(
        &python,
        [
            script.as_os_str(),
            OsStr::new(&point_hex),
            input.as_os_str(),
            sig.as_os_str(),
        ],
    );
    let text = combined_text(&out);
    let sm3 = text
        .lines()
        .find_map(|line| line.strip_prefix("sm3 "))
        .map(|hex| {
            (0..hex.len() / 2)
                .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
                .collect()
        })
        .unwrap_or_default();
    let verdict = if out.status.success() && text.lines().any(|line| line == "valid") {
        Verdict::Ok
    } else {
        Verdict::Errors(text)
    };
    GmsslReport { verdict, sm3 }
}

/// A Python that imports gmssl: the repo's venv first, then `python3` on PATH.
fn gmssl_python() -> Result<PathBuf, String> {
    static PYTHON: OnceLock<Option<PathBuf>> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            [Some(venv_bin().join("python3")), find_tool("python3")]
                .into_iter()
                .flatten()
                .filter(|python| python.is_file())
                .find(|python| {
                    Command::new(python)
                        .args(["-c", "import gmssl.sm2, gmssl.sm3"])
                        .output()
                        .is_ok_and(|out| out.status.success())
                })
        })
        .clone()
        .ok_or_else(|| tool_missing("gmssl (pip install gmssl)"))
}

/// One DER element at the start of `bytes`: (tag, the whole element, its content).
fn der_element(bytes: &[u8]) -> (u8, &[u8], &[u8]) {
    let total = der_total_length(bytes).expect("a DER element");
    let header = if bytes[1] < 0x80 {
        2
    } else {
        2 + usize::from(bytes[1] & 0x7f)
    };
    (bytes[0], &bytes[..total], &bytes[header..total])
}

/// The first SignerInfo of a DER CMS ContentInfo, read with nothing but TLV walking (so the
/// check does not rest on our CMS code or its crates): the signed attributes re-tagged as the
/// SET OF that the signature covers (RFC 5652 §5.4), and the signature value.
pub fn cms_signed_attributes_and_signature(cms: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (_, _, content_info) = der_element(cms);
    let (tag, content_type, _) = der_element(content_info);
    assert_eq!(tag, 0x06, "contentType");
    let (_, _, explicit) = der_element(&content_info[content_type.len()..]); // [0] EXPLICIT
    let (_, _, mut signed_data) = der_element(explicit); // SignedData SEQUENCE
    let mut signer_infos = None;
    while !signed_data.is_empty() {
        let (tag, element, content) = der_element(signed_data);
        signed_data = &signed_data[element.len()..];
        if tag == 0x31 && signed_data.is_empty() {
            signer_infos = Some(content);
        }
    }
    let (_, _, mut signer_info) = der_element(signer_infos.expect("signerInfos"));
    let (mut attributes, mut signature) = (None, None);
    while !signer_info.is_empty() {
        let (tag, element, content) = der_element(signer_info);
        signer_info = &signer_info[element.len()..];
        match tag {
            0xa0 => {
                let mut set = element.to_vec();
                set[0] = 0x31;
                attributes = Some(set);
            }
            0x04 => signature = Some(content.to_vec()),
            _ => {}
        }
    }
    (
        attributes.expect("signed attributes"),
        signature.expect("signature"),
    )
}
