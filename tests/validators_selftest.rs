//! Proves the validator harness in `tests/common/`: every oracle accepts the pyHanko-made
//! signature in testdata/pdf/signed.pdf, and rejects it once a signed byte changes or the trust
//! root is wrong.

mod common;

use common::{
    TempDir, Verdict, openssl_cms_verify, pdf_path, pdfsig_verify, pki_path, prefix_ok,
    pyhanko_validate, qpdf_check, read_pdf, root_ca_pem,
};

/// A root that did not issue the demo chain.
fn unrelated_root() -> std::path::PathBuf {
    pki_path("deep-int1.cert.pem")
}

/// signed.pdf with one byte of page 1's text changed (inside the first signed range).
fn tampered_signed_pdf() -> Vec<u8> {
    let mut bytes = read_pdf("signed.pdf");
    let at = bytes
        .windows(8)
        .position(|w| w == b"(Page 1)")
        .expect("page text in signed.pdf");
    bytes[at + 6] = b'X';
    bytes
}

#[test]
fn qpdf_accepts_every_testdata_pdf() {
    let pdfs = common::all_test_pdfs();
    assert!(
        pdfs.len() >= 13,
        "expected the 13 sample PDFs, got {pdfs:?}"
    );
    for pdf in pdfs {
        let verdict = qpdf_check(&pdf);
        if verdict.is_skipped() {
            return;
        }
        verdict.assert_ok(&format!("qpdf --check {}", pdf.display()));
    }
}

#[test]
fn qpdf_reports_damage() {
    let mut bytes = read_pdf("classic.pdf");
    let at = bytes.windows(9).rposition(|w| w == b"startxref").unwrap();
    // Point startxref at offset 1..1 (inside the header/objects): qpdf must complain.
    let digits = at + b"startxref\n".len();
    for byte in bytes[digits..]
        .iter_mut()
        .take_while(|b| b.is_ascii_digit())
    {
        *byte = b'1';
    }
    let temp = TempDir::new("qpdf-selftest");
    let verdict = qpdf_check(&temp.write("damaged.pdf", &bytes));
    if verdict.is_skipped() {
        return;
    }
    assert!(
        matches!(verdict, Verdict::Warnings(_) | Verdict::Errors(_)),
        "{verdict:?}"
    );
}

#[test]
fn pyhanko_accepts_signed_pdf() {
    let report = pyhanko_validate(&pdf_path("signed.pdf"), &root_ca_pem());
    if report.skipped {
        return;
    }
    assert!(report.all_intact_valid_trusted(), "{}", report.output);
    let [sig] = report.signatures.as_slice() else {
        panic!("expected one signature: {}", report.output);
    };
    assert_eq!(sig.field_name, "Signature1");
    assert_eq!(sig.sig_type, "/Sig");
    assert_eq!(sig.subfilter, "/ETSI.CAdES.detached");
    assert_eq!(sig.coverage.as_deref(), Some("ENTIRE_FILE"));
    assert_eq!(sig.docmdp_permissions, None);
    assert!(sig.bottom_line, "{}", report.output);
}

#[test]
fn pyhanko_reports_certification_levels() {
    for (name, level) in [
        ("certified-p1.pdf", "NO_CHANGES"),
        ("certified-p2.pdf", "FILL_FORMS"),
    ] {
        let report = pyhanko_validate(&pdf_path(name), &root_ca_pem());
        if report.skipped {
            return;
        }
        assert!(report.all_intact_valid_trusted(), "{}", report.output);
        assert_eq!(
            report.signatures[0].docmdp_permissions.as_deref(),
            Some(level),
            "{name}"
        );
    }
}

#[test]
fn pyhanko_rejects_tampering_and_wrong_root() {
    let temp = TempDir::new("pyhanko-selftest");
    let tampered = temp.write("tampered.pdf", &tampered_signed_pdf());
    let report = pyhanko_validate(&tampered, &root_ca_pem());
    if report.skipped {
        return;
    }
    assert_eq!(report.signatures.len(), 1, "{}", report.output);
    assert!(!report.signatures[0].intact, "{}", report.output);
    assert!(!report.all_intact_valid_trusted());

    let report = pyhanko_validate(&pdf_path("signed.pdf"), &unrelated_root());
    let sig = &report.signatures[0];
    assert!(sig.intact && sig.valid && !sig.trusted, "{}", report.output);
}

#[test]
fn pyhanko_sees_no_signature_in_unsigned_pdf() {
    let report = pyhanko_validate(&pdf_path("classic.pdf"), &root_ca_pem());
    if report.skipped {
        return;
    }
    assert!(report.error.is_none(), "{}", report.output);
    assert!(report.signatures.is_empty());
    assert!(!report.all_intact_valid_trusted());
}

#[test]
fn pdfsig_accepts_signed_pdf() {
    let report = pdfsig_verify(&pdf_path("signed.pdf"), &root_ca_pem());
    if report.skipped {
        return;
    }
    assert!(report.all_valid_and_trusted(), "{}", report.output);
    let [sig] = report.signatures.as_slice() else {
        panic!("expected one signature: {}", report.output);
    };
    assert_eq!(sig.field_name, "Signature1");
    assert_eq!(sig.signer_common_name, "Demo Organisation");
    assert_eq!(sig.signature_type, "ETSI.CAdES.detached");
    assert_eq!(sig.hash_algorithm, "SHA-256");
    assert!(sig.total_document_signed, "{}", report.output);
}

#[test]
fn pdfsig_rejects_tampering_and_wrong_root() {
    let temp = TempDir::new("pdfsig-selftest");
    let tampered = temp.write("tampered.pdf", &tampered_signed_pdf());
    let report = pdfsig_verify(&tampered, &root_ca_pem());
    if report.skipped {
        return;
    }
    assert_eq!(report.signatures.len(), 1, "{}", report.output);
    assert!(!report.signatures[0].signature_valid(), "{}", report.output);

    let report = pdfsig_verify(&pdf_path("signed.pdf"), &unrelated_root());
    let sig = &report.signatures[0];
    assert!(sig.signature_valid(), "{}", report.output);
    assert!(!sig.certificate_trusted(), "{}", report.output);
}

#[test]
fn openssl_accepts_signed_pdf() {
    let verdicts = openssl_cms_verify(&read_pdf("signed.pdf"), &root_ca_pem());
    if verdicts.iter().any(Verdict::is_skipped) {
        return;
    }
    assert_eq!(verdicts, vec![Verdict::Ok]);
}

#[test]
fn openssl_rejects_tampering_and_wrong_root() {
    let verdicts = openssl_cms_verify(&tampered_signed_pdf(), &root_ca_pem());
    if verdicts.iter().any(Verdict::is_skipped) {
        return;
    }
    assert!(
        matches!(verdicts.as_slice(), [Verdict::Errors(_)]),
        "{verdicts:?}"
    );

    let verdicts = openssl_cms_verify(&read_pdf("signed.pdf"), &unrelated_root());
    assert!(
        matches!(verdicts.as_slice(), [Verdict::Errors(_)]),
        "{verdicts:?}"
    );
}

#[test]
fn openssl_finds_no_signature_in_unsigned_pdf() {
    let verdicts = openssl_cms_verify(&read_pdf("classic.pdf"), &root_ca_pem());
    if verdicts.iter().any(Verdict::is_skipped) {
        return;
    }
    assert!(verdicts.is_empty(), "{verdicts:?}");
}

#[test]
fn prefix_ok_holds_for_pyhanko_incremental_update() {
    let original = read_pdf("classic.pdf");
    let signed = read_pdf("signed.pdf");
    assert!(prefix_ok(&original, &signed));
    assert!(!prefix_ok(&signed, &original));
    assert!(!prefix_ok(&original, &original));
    assert!(!prefix_ok(&original, &tampered_signed_pdf()));
}
