//! One verdict for a signed output from every independent validator, used by the signing and
//! corpus tests.

use std::path::Path;

use super::validators::{
    PdfsigReport, Verdict, openssl_cms_verify, pdfsig_verify_with, pyhanko_validate_with,
    qpdf_check_with_password,
};

/// What a validator said about our signature (the last one) and the earlier ones.
#[derive(Debug, Default)]
pub struct Acceptance {
    pub problems: Vec<String>,
    pub skipped: Vec<String>,
    /// Short verdict words per validator, for reports.
    pub summary: Vec<(String, String)>,
    /// The `/SubFilter` pyHanko read for our signature.
    pub pyhanko_subfilter: Option<String>,
}

impl Acceptance {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    pub fn assert_ok(&self, what: &str) {
        assert!(self.ok(), "{what}: {:#?}", self.problems);
    }
}

/// Checks `output` (the signed form of `input`, written at `output_path`): exact prefix, qpdf
/// without errors, pdfsig, pyHanko and openssl accepting every signature the input had valid
/// plus ours (the last, covering the whole file). `earlier_valid` lists, by index, which earlier
/// signatures were valid before signing (they must stay valid).
pub fn check_signed_output(
    input: &[u8],
    output: &[u8],
    output_path: &Path,
    root: &Path,
    earlier_valid: &[bool],
) -> Acceptance {
    check_signed_output_with(input, output, output_path, root, earlier_valid, None)
}

/// [`check_signed_output`] of an encrypted document opened with `password` (`None`: the empty
/// user password): qpdf `--password=`, pdfsig `-opw`/`-upw`, pyHanko `decrypt`.
pub fn check_signed_output_with(
    input: &[u8],
    output: &[u8],
    output_path: &Path,
    root: &Path,
    earlier_valid: &[bool],
    password: Option<&str>,
) -> Acceptance {
    let mut acc = Acceptance::default();
    if !super::prefix_ok(input, output) {
        acc.problems
            .push("the input is not an exact prefix of the output".into());
    }
    match qpdf_check_with_password(output_path, password) {
        Verdict::Ok => acc.summary.push(("qpdf".into(), "ok".into())),
        Verdict::Skipped(why) => acc.skipped.push(why),
        Verdict::Warnings(text) => {
            acc.summary.push(("qpdf".into(), "warnings".into()));
            acc.problems.push(format!("qpdf warnings: {text}"));
        }
        Verdict::Errors(text) => {
            acc.summary.push(("qpdf".into(), "errors".into()));
            acc.problems.push(format!("qpdf errors: {text}"));
        }
    }
    // pdfsig takes the user password as -upw and the owner password as -opw.
    let mut pdfsig = pdfsig_verify_with(output_path, root, &[]);
    if let Some(password) = password {
        pdfsig = pdfsig_verify_with(output_path, root, &["-upw", password]);
        if pdfsig.output.contains("Incorrect password") {
            pdfsig = pdfsig_verify_with(output_path, root, &["-opw", password]);
        }
    }
    check_pdfsig(&mut acc, &pdfsig, earlier_valid);
    check_pyhanko(&mut acc, output_path, root, earlier_valid, password);
    let openssl = openssl_cms_verify(output, root);
    match openssl.last() {
        Some(Verdict::Ok) => acc.summary.push(("openssl".into(), "ok".into())),
        Some(Verdict::Skipped(why)) => acc.skipped.push(why.clone()),
        other => acc
            .problems
            .push(format!("openssl cms -verify on our signature: {other:?}")),
    }
    acc
}

/// pdfsig in Debian 12 (poppler 22.12 + NSS) reports "Unknown issue with Certificate" for the
/// second signature made with a certificate it has already verified in the same run, whoever
/// made the signature (pyHanko-made pairs show it too). Such a repeat counts as trusted when the
/// signature itself is valid and the same certificate was trusted earlier in the file.
const PDFSIG_REPEATED_CERT_QUIRK: &str = "Unknown issue with Certificate or corrupted data.";

fn check_pdfsig(acc: &mut Acceptance, report: &PdfsigReport, earlier_valid: &[bool]) {
    if report.skipped {
        acc.skipped.push("pdfsig".into());
        return;
    }
    // pdfsig lists empty signature fields too, in field order; only filled ones are signatures.
    let signatures: Vec<_> = report
        .signatures
        .iter()
        .filter(|sig| !sig.signature_validation.is_empty())
        .collect();
    let Some(ours) = signatures.last() else {
        acc.problems
            .push(format!("pdfsig found no signature:\n{}", report.output));
        return;
    };
    let trusted = |index: usize| -> bool {
        let Some(sig) = signatures.get(index) else {
            return false;
        };
        sig.certificate_trusted()
            || (sig.certificate_validation == PDFSIG_REPEATED_CERT_QUIRK
                && signatures[..index]
                    .iter()
                    .any(|s| s.signer_dn == sig.signer_dn && s.certificate_trusted()))
    };
    let last = signatures.len() - 1;
    if !(ours.signature_valid() && ours.total_document_signed && trusted(last)) {
        acc.problems.push(format!(
            "pdfsig on our signature: {} / {} / total={}",
            ours.signature_validation, ours.certificate_validation, ours.total_document_signed
        ));
    }
    for (index, was_valid) in earlier_valid.iter().enumerate() {
        let Some(sig) = signatures.get(index) else {
            continue;
        };
        if *was_valid && !sig.signature_valid() {
            acc.problems.push(format!(
                "pdfsig: earlier signature {} became {}",
                sig.field_name, sig.signature_validation
            ));
        }
    }
    acc.summary.push((
        "pdfsig".into(),
        if acc.problems.is_empty() {
            "valid".into()
        } else {
            "rejected".into()
        },
    ));
}

fn check_pyhanko(
    acc: &mut Acceptance,
    path: &Path,
    root: &Path,
    earlier_valid: &[bool],
    password: Option<&str>,
) {
    let report = pyhanko_validate_with(path, root, &[], password);
    if report.skipped {
        acc.skipped.push("pyhanko".into());
        return;
    }
    if let Some(error) = &report.error {
        if error.starts_with("NotImplementedError") {
            // A handler pyHanko does not implement at all (R5): no verdict either way.
            acc.skipped.push(format!("pyhanko: {error}"));
            acc.summary.push(("pyhanko".into(), "n/a".into()));
            return;
        }
        acc.problems
            .push(format!("pyHanko could not read the output: {error}"));
        return;
    }
    let Some(ours) = report.signatures.last() else {
        acc.problems.push("pyHanko found no signature".into());
        return;
    };
    acc.pyhanko_subfilter = Some(ours.subfilter.clone());
    let whole_file = ours.coverage.as_deref() == Some("ENTIRE_FILE");
    if !(ours.intact_valid_trusted() && whole_file && ours.bottom_line) {
        acc.problems
            .push(format!("pyHanko on our signature: {ours:?}"));
    }
    for (index, was_valid) in earlier_valid.iter().enumerate() {
        let Some(sig) = report.signatures.get(index) else {
            continue;
        };
        let still_ok = sig.intact && sig.valid && sig.docmdp_ok != Some(false);
        if *was_valid && !still_ok {
            acc.problems.push(format!(
                "pyHanko: earlier signature {} no longer valid: {sig:?}",
                sig.field_name
            ));
        }
    }
    acc.summary.push((
        "pyhanko".into(),
        if ours.intact_valid_trusted() {
            "valid".into()
        } else {
            "rejected".into()
        },
    ));
}
