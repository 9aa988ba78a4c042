//! Forgeries found by red-teaming the modification analysis: each one appends an incremental
//! update to a file we signed so that PDF readers (MuPDF, poppler) show other content than what
//! was signed. Every one must be judged [`ModificationLevel::Other`]. The generators under
//! `redteam/` build the same files for manual inspection with `mutool draw -F txt`.

mod common;

use countersign::crypto::LoadOptions;
use countersign::crypto::credential::load_pem;
use countersign::{ModificationLevel, SignOptions, VerifyOptions, sign_pdf, verify_pdf};

const FORGED_CONTENT: &[u8] = b"BT /F1 24 Tf 72 720 Td (Forged) Tj ET";

fn sign(pdf: &[u8]) -> Vec<u8> {
    let chain = std::fs::read(common::pki_path("demo.chain.pem")).unwrap();
    let key = std::fs::read(common::pki_path("demo.key.pem")).unwrap();
    let key = load_pem(&chain, &key, &LoadOptions::default()).unwrap();
    sign_pdf(pdf, &key, &SignOptions::default()).unwrap()
}

fn startxref(pdf: &[u8]) -> usize {
    let at = pdf.windows(9).rposition(|w| w == b"startxref").unwrap();
    let text = String::from_utf8_lossy(&pdf[at + 9..]);
    text.split_whitespace().next().unwrap().parse().unwrap()
}

fn stream(content: &[u8]) -> Vec<u8> {
    let mut out = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
    out.extend_from_slice(content);
    out.extend_from_slice(b"\nendstream");
    out
}

/// Appends `objects` and a classic xref table whose subsections `table` writes from the
/// objects' offsets; returns the file.
fn append(pdf: &[u8], objects: &[(u32, Vec<u8>)], table: impl Fn(&[usize]) -> String) -> Vec<u8> {
    let mut out = pdf.to_vec();
    let mut offsets = Vec::new();
    for (num, body) in objects {
        offsets.push(out.len());
        out.extend_from_slice(format!("{num} 0 obj\n").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!(
            "xref\n{}trailer\n<< /Size 100 /Root 1 0 R /Info 8 0 R /Prev {} >>\nstartxref\n{xref}\n%%EOF\n",
            table(&offsets),
            startxref(pdf)
        )
        .as_bytes(),
    );
    out
}

/// One subsection per object, in order.
fn listing(objects: &[(u32, Vec<u8>)]) -> impl Fn(&[usize]) -> String + '_ {
    move |offsets| {
        objects
            .iter()
            .zip(offsets)
            .map(|((num, _), at)| format!("{num} 1\n{at:010} 00000 n \n"))
            .collect()
    }
}

/// The offset the signed revision's table gives object `num` (classic.pdf: `0 9` subsection).
fn signed_offset(pdf: &[u8], num: usize) -> usize {
    let at = pdf.windows(8).position(|w| w == b"xref\n0 9").unwrap() + 9;
    let line = &pdf[at + num * 20..at + num * 20 + 10];
    std::str::from_utf8(line).unwrap().parse().unwrap()
}

fn first_level(pdf: &[u8]) -> ModificationLevel {
    let report = verify_pdf(pdf, &VerifyOptions::default()).unwrap();
    let first = &report.signatures[0];
    assert!(first.is_intact());
    first.modifications.level
}

fn assert_other(name: &str, pdf: &[u8]) {
    let report = verify_pdf(pdf, &VerifyOptions::default()).unwrap();
    let first = &report.signatures[0];
    assert_eq!(
        first.modifications.level,
        ModificationLevel::Other,
        "{name}: {:?}",
        first.modifications
    );
    assert!(!first.is_valid_ignoring_trust(), "{name}");
}

/// Default options without `Limits::max_signatures`, for tests of the other bounds.
fn without_signature_bound() -> VerifyOptions {
    let mut options = VerifyOptions::default();
    options.limits.max_signatures = usize::MAX;
    options
}

fn signed_classic() -> Vec<u8> {
    sign(&common::read_pdf("classic.pdf"))
}

#[test]
fn an_honest_update_is_still_accepted() {
    let twice = sign(&signed_classic());
    assert_eq!(first_level(&twice), ModificationLevel::FormFilling);
}

#[test]
fn an_xref_stream_numbered_as_the_page_content_is_other() {
    // MuPDF registers an xref stream under its own number, listed or not: object 4 (page 1's
    // content) becomes the xref stream, whose data is the forged content.
    let signed = signed_classic();
    let mut pdf = signed.clone();
    let at = pdf.len();
    pdf.extend_from_slice(
        format!(
            "4 0 obj\n<< /Type /XRef /W [1 2 1] /Index [] /Size 13 /Root 1 0 R /Prev {} /Length {} >>\nstream\n",
            startxref(&signed),
            FORGED_CONTENT.len()
        )
        .as_bytes(),
    );
    pdf.extend_from_slice(FORGED_CONTENT);
    pdf.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{at}\n%%EOF\n").as_bytes());
    assert_other("xref stream numbered 4", &pdf);
}

#[test]
fn an_object_listed_twice_in_one_section_is_other() {
    // MuPDF and poppler take the first subsection listing object 4 (the forged stream), this
    // reader took the last (the signed offset): nothing seemed to change.
    let signed = signed_classic();
    let original = signed_offset(&signed, 4);
    let objects = [(4, stream(FORGED_CONTENT))];
    let pdf = append(&signed, &objects, |offsets| {
        format!(
            "4 1\n{:010} 00000 n \n4 1\n{original:010} 00000 n \n",
            offsets[0]
        )
    });
    assert_other("object 4 listed twice", &pdf);
}

#[test]
fn a_section_listing_numbers_for_free_is_refused_before_walking_them() {
    // `/W [0 0 0]` needs no row bytes: 256 `/Index` pairs of 2^20 numbers in a 15 KB update
    // took 75 s and 4.4 GB before the count was checked ahead of the walk.
    let signed = signed_classic();
    let index: Vec<String> = (0..256u64)
        .map(|k| format!("{} 1048576", 13 + k * 1_048_576))
        .collect();
    let mut pdf = signed.clone();
    let at = pdf.len();
    pdf.extend_from_slice(
        format!(
            "50 0 obj\n<< /Type /XRef /W [0 0 0] /Index [{}] /Size 268435469 /Root 1 0 R /Prev {} /Length 0 >>\nstream\n\nendstream\nendobj\nstartxref\n{at}\n%%EOF\n",
            index.join(" "),
            startxref(&signed)
        )
        .as_bytes(),
    );
    let report = verify_pdf(&pdf, &VerifyOptions::default()).unwrap();
    let reason = report.signatures[0]
        .modifications
        .reason
        .clone()
        .unwrap_or_default();
    assert!(reason.contains("list more than"), "{reason}");
}

/// Page 2 (an object our signer does not rewrite) names object 99, spelled `spelled`, before it
/// exists; after signing, object 99 is defined as a content stream.
fn dangling_reference(spelled: &str) -> Vec<u8> {
    let page = format!(
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents [7 0 R {spelled}] >>"
    );
    let objects = [(6, page.into_bytes())];
    let original = append(
        &common::read_pdf("classic.pdf"),
        &objects,
        listing(&objects),
    );
    let signed = sign(&original);
    let objects = [(99, stream(FORGED_CONTENT))];
    append(&signed, &objects, listing(&objects))
}

#[test]
fn a_dangling_reference_spelled_unusually_is_found() {
    for spelled in [
        "99 0 R",
        "+99 0 R",
        "99 %c\n0 R",
        "99 0%c\rR",
        "000000000099 +0 R",
        "99 0R",
    ] {
        assert_other(spelled, &dangling_reference(spelled));
    }
}

#[test]
fn a_section_off_by_one_byte_with_an_unlisted_object_is_other() {
    // startxref points one byte into `xref`: this reader forgave it and read an empty section;
    // MuPDF and poppler rebuild the table by scanning and take the last `4 0 obj`, the forged one.
    let signed = signed_classic();
    let mut pdf = signed.clone();
    pdf.extend_from_slice(b"4 0 obj\n");
    pdf.extend_from_slice(&stream(FORGED_CONTENT));
    pdf.extend_from_slice(b"\nendobj\n");
    let at = pdf.len();
    pdf.extend_from_slice(
        format!(
            "xref\ntrailer\n<< /Size 13 /Root 1 0 R /Info 8 0 R /Prev {} >>\nstartxref\n{}\n%%EOF\n",
            startxref(&signed),
            at + 1
        )
        .as_bytes(),
    );
    assert_other("startxref off by one", &pdf);
    // Even at the right offset, an object the update does not list is what a rebuilt table reads.
    let mut exact = pdf[..at].to_vec();
    exact.extend_from_slice(
        format!(
            "xref\ntrailer\n<< /Size 13 /Root 1 0 R /Info 8 0 R /Prev {} >>\nstartxref\n{at}\n%%EOF\n",
            startxref(&signed)
        )
        .as_bytes(),
    );
    assert_other("unlisted object", &exact);
}

#[test]
fn an_object_stream_holding_a_number_twice_is_other() {
    // The xref points at the second copy of page 1 (as signed); MuPDF reads the first (forged:
    // its /Contents is object 52).
    let signed = signed_classic();
    let page = "<</Type /Page/Parent 2 0 R/MediaBox [0 0 612 792]/Resources <</Font <</F1 5 0 R>>>>/Contents 4 0 R/Annots [10 0 R]>>";
    let forged = page.replace("/Contents 4 0 R", "/Contents 52 0 R");
    let header = format!("3 0 3 {} ", forged.len() + 1);
    let body = format!("{header}{forged}\n{page}\n");
    let mut pdf = signed.clone();
    let content_at = pdf.len();
    pdf.extend_from_slice(b"52 0 obj\n");
    pdf.extend_from_slice(&stream(FORGED_CONTENT));
    pdf.extend_from_slice(b"\nendobj\n");
    let objstm_at = pdf.len();
    pdf.extend_from_slice(
        format!(
            "50 0 obj\n<< /Type /ObjStm /N 2 /First {} /Length {} >>\nstream\n{body}\nendstream\nendobj\n",
            header.len(),
            body.len()
        )
        .as_bytes(),
    );
    let xref_at = pdf.len();
    let row = |kind: u8, field: usize, third: u8| {
        let mut row = vec![kind];
        row.extend_from_slice(&(field as u32).to_be_bytes());
        row.push(third);
        row
    };
    let rows: Vec<u8> = [
        row(2, 50, 1),
        row(1, objstm_at, 0),
        row(1, xref_at, 0),
        row(1, content_at, 0),
    ]
    .concat();
    pdf.extend_from_slice(
        format!(
            "51 0 obj\n<< /Type /XRef /W [1 4 1] /Index [3 1 50 3] /Size 53 /Root 1 0 R /Prev {} /Length {} >>\nstream\n",
            startxref(&signed),
            rows.len()
        )
        .as_bytes(),
    );
    pdf.extend_from_slice(&rows);
    pdf.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());
    assert_other("object stream with object 3 twice", &pdf);
}

#[test]
fn a_font_is_not_judged_as_an_annotation() {
    // classic.pdf as it is: the font of both pages gains /Differences that make "Page 1" read
    // "Forged". Any changed dictionary with a /Subtype was judged as an annotation.
    let signed = signed_classic();
    let font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /BaseEncoding /WinAnsiEncoding /Differences [32 /e 49 /d 80 /F 97 /o 101 /g 103 /r] >> >>".to_vec();
    let objects = [(5, font)];
    assert_other(
        "font encoding",
        &append(&signed, &objects, listing(&objects)),
    );
    // An untyped page with a /Subtype is a page to readers, not an annotation.
    let page = b"<< /Subtype /Text /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 7 0 R >>";
    let objects = [(6, page.to_vec())];
    let original = append(
        &common::read_pdf("classic.pdf"),
        &objects,
        listing(&objects),
    );
    let signed = sign(&original);
    let forged = String::from_utf8(page.to_vec())
        .unwrap()
        .replace("/Contents 7 0 R", "/Contents 4 0 R");
    let objects = [(6, forged.into_bytes())];
    assert_other(
        "untyped page with /Subtype",
        &append(&signed, &objects, listing(&objects)),
    );
}

#[test]
fn an_object_changed_by_two_later_revisions_is_judged_by_the_newest() {
    // Found while fixing the unlisted-object check: page 1 gains an annotation in one update,
    // then a counter-signature rewrites the page again. The first definition is superseded,
    // not unlisted.
    let signed = signed_classic();
    let page = "<</Type /Page/Parent 2 0 R/MediaBox [0 0 612 792]/Resources <</Font <</F1 5 0 R>>>>/Contents 4 0 R/Annots [10 0 R 60 0 R]>>";
    let note = "<< /Type /Annot /Subtype /Text /Rect [10 10 30 30] /Contents (ok) >>";
    let objects = [
        (3, page.as_bytes().to_vec()),
        (60, note.as_bytes().to_vec()),
    ];
    let annotated = append(&signed, &objects, listing(&objects));
    assert_eq!(first_level(&annotated), ModificationLevel::Annotations);
    assert_eq!(
        first_level(&sign(&annotated)),
        ModificationLevel::Annotations
    );
}

/// A one-page file whose form has one signature field named by a `name_len`-byte `/T`, with
/// `kids` direct kid fields that each hold a signature value.
fn long_named_kids(name_len: usize, kids: usize) -> Vec<u8> {
    let kid = "<</T(a)/V<<>>>> ".repeat(kids);
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [3 0 R] >> >>".to_string(),
        "<< /Type /Pages /Kids [4 0 R] /Count 1 >>".to_string(),
        format!("<< /FT /Sig /T ({}) /Kids [{kid}] >>", "A".repeat(name_len)),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>".to_string(),
    ];
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut table = String::from("xref\n0 5\n0000000000 65535 f \n");
    for (index, body) in objects.iter().enumerate() {
        table.push_str(&format!("{:010} 00000 n \n", out.len()));
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", index + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(table.as_bytes());
    out.extend_from_slice(
        format!("trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    out
}

/// Each kid's fully qualified name repeats its parent's: an 80 KB file named 1,000 signatures
/// of 64 KB each (64 MB of names, copied again into every report and service answer; 10 GB
/// from a 2.6 MB file). The names one verification builds are bounded.
#[test]
fn a_long_parent_name_over_many_kids_is_refused_not_copied_into_each() {
    let pdf = long_named_kids(64 << 10, 1000);
    assert!(pdf.len() < 100 << 10);
    match verify_pdf(&pdf, &VerifyOptions::default()) {
        Err(countersign::Error::LimitExceeded { what, .. }) => {
            assert_eq!(what, "bytes of form field names")
        }
        other => panic!(
            "expected the name bound, got {:?}",
            other.map(|r| r.signatures.len())
        ),
    }
    // A normal form with the same shape stays readable (past the signature-count bound, which
    // is not what this test is about).
    let small = verify_pdf(&long_named_kids(16, 1000), &without_signature_bound()).unwrap();
    assert_eq!(small.signatures.len(), 1000);
    assert_eq!(
        small.signatures[0].field_name,
        format!("{}.a", "A".repeat(16))
    );
}

/// A CA excluding `O=Blocked Organisation` (UTF8String) issued a seal whose O says the same in
/// a TeletexString (testdata/tools/make_teletex_pki.py): compared byte for byte the two differed
/// and the seal was Trusted; OpenSSL reads both as text and refuses the chain.
#[test]
fn an_excluded_directory_name_spelled_as_a_teletex_string_is_refused() {
    use countersign::crypto::credential::trust_roots_from_pem;
    use countersign::{ChainStatus, Problem};
    let name = "rfc5280-excluded-teletex";
    let chain = std::fs::read(common::pki_path(&format!("{name}.chain.pem"))).unwrap();
    let key = std::fs::read(common::pki_path(&format!("{name}.key.pem"))).unwrap();
    let key = load_pem(&chain, &key, &LoadOptions::default()).unwrap();
    let mut sign = SignOptions::default();
    sign.allow_invalid_certificate = true;
    let pdf = sign_pdf(&common::read_pdf("classic.pdf"), &key, &sign).unwrap();
    let root = std::fs::read(common::root_ca_pem()).unwrap();
    let report = verify_pdf(
        &pdf,
        &VerifyOptions::trusting(trust_roots_from_pem(&root).unwrap()),
    )
    .unwrap();
    let signature = &report.signatures[0];
    assert!(signature.is_signature_valid());
    assert!(
        matches!(
            &signature.chain,
            ChainStatus::Untrusted(Problem::NameConstraintViolated { excluded: true, .. })
        ),
        "{:?}",
        signature.chain
    );
    let openssl = common::openssl_verify_chain(
        &common::root_ca_pem(),
        &common::pki_path(&format!("{name}.chain.pem")),
        &common::pki_path(&format!("{name}.cert.pem")),
    );
    assert!(openssl.is_skipped() || !openssl.is_ok(), "{openssl:?}");
}

/// An update adds `copies` signature fields whose `/V` is the signed field's signature
/// dictionary (object 9 of a signed classic.pdf; its form is object 12).
fn fields_sharing_the_signature(copies: u32) -> Vec<u8> {
    let signed = signed_classic();
    let mut objects: Vec<(u32, Vec<u8>)> = (0..copies)
        .map(|n| {
            let field = format!("<< /FT /Sig /T (Copy{n}) /V 9 0 R >>");
            (100 + n, field.into_bytes())
        })
        .collect();
    let refs: String = (0..copies).map(|n| format!(" {} 0 R", 100 + n)).collect();
    objects.push((12, format!("<< /Fields [10 0 R{refs}] >>").into_bytes()));
    let table = listing(&objects);
    let mut pdf = append(&signed, &objects, table);
    // `append` writes /Size 100: the copies are numbered past it.
    let at = pdf.windows(9).rposition(|w| w == b"/Size 100").unwrap();
    pdf.splice(
        at..at + 9,
        format!("/Size {}", 100 + copies)
            .bytes()
            .collect::<Vec<_>>(),
    );
    pdf
}

/// Two fields cannot hold one signature: a copy under another name (an approval the signer
/// never gave) is not a second valid signature, and thousands of copies do not make the
/// verifier parse and check the one signature thousands of times.
#[test]
fn fields_sharing_one_signature_dictionary_are_not_signatures_of_their_own() {
    let pdf = fields_sharing_the_signature(2000);
    let report = verify_pdf(&pdf, &without_signature_bound()).unwrap();
    assert_eq!(report.signatures.len(), 2001);
    assert!(report.signatures[0].is_signature_valid());
    for copy in &report.signatures[1..] {
        assert!(!copy.is_signature_valid(), "{}", copy.field_name);
        assert!(copy.signer_subject.is_empty());
    }
    assert!(!report.all_valid_ignoring_trust());
}

/// The chain status of a seal of Demo LTV CA (tsa-signer) when `crl` answers for it.
fn seal_status_with_fetched(crl: &'static str) -> countersign::ChainStatus {
    seal_status(Vec::new(), crl)
}

/// The chain status of a seal of Demo LTV CA (tsa-signer) with `crls` given offline and `served`
/// answering fetches for it.
fn seal_status(
    crls: Vec<x509_cert::crl::CertificateList>,
    served: &'static str,
) -> countersign::ChainStatus {
    use countersign::crypto::credential::trust_roots_from_pem;
    let chain = std::fs::read(common::pki_path("tsa-signer.chain.pem")).unwrap();
    let key = std::fs::read(common::pki_path("tsa-signer.key.pem")).unwrap();
    let key = load_pem(&chain, &key, &LoadOptions::default()).unwrap();
    let pdf = sign_pdf(
        &common::read_pdf("classic.pdf"),
        &key,
        &SignOptions::default(),
    )
    .unwrap();
    let root = std::fs::read(common::root_ca_pem()).unwrap();
    let mut options = VerifyOptions::trusting(trust_roots_from_pem(&root).unwrap());
    options.crls = crls;
    options.revocation_fetcher = Some(common::revocation::ServingCrl::new(served));
    verify_pdf(&pdf, &options).unwrap().signatures[0]
        .chain
        .clone()
}

fn unknown_because(status: &countersign::ChainStatus, why: &str) -> bool {
    use countersign::{ChainStatus, Problem};
    matches!(status, ChainStatus::Untrusted(Problem::RevocationUnknown { reason, .. }) if reason.contains(why))
}

/// A fetched CRL whose nextUpdate passed (testdata/tools/make_stale_crl.py: the issuer's, valid
/// signature, listing nothing) was taken as "not revoked": a network attacker replays an old CRL
/// from before the revocation. It establishes nothing now.
#[test]
fn an_outdated_fetched_crl_does_not_make_a_certificate_good() {
    assert_eq!(
        seal_status_with_fetched("tsa-ca.crl"),
        countersign::ChainStatus::Trusted
    );
    let status = seal_status_with_fetched("tsa-ca-stale.crl");
    assert!(unknown_because(&status, "outdated"), "{status:?}");
}

/// An outdated CRL given offline (`VerifyOptions::crls`) counted as covering the certificate,
/// so the fetcher was never asked: an old CRL from before a revocation kept the seal good.
/// Now fresh data is fetched; when the fetched one is outdated too, the status is unknown.
#[test]
fn an_outdated_offline_crl_does_not_stop_fetching_fresh_revocation_data() {
    use der::Decode;
    let stale = std::fs::read(common::pki_path("tsa-ca-stale.crl")).unwrap();
    let status_with = |served: &'static str| {
        let offline = x509_cert::crl::CertificateList::from_der(&stale).unwrap();
        seal_status(vec![offline], served)
    };
    let status = status_with("tsa-ca-stale.crl");
    assert!(unknown_because(&status, "outdated"), "{status:?}");
    assert_eq!(status_with("tsa-ca.crl"), countersign::ChainStatus::Trusted);
}

/// The same CA's authority revocation list (critical issuingDistributionPoint: CA certificates
/// only), current and validly signed, served for the seal's distribution point: it was read as
/// a complete CRL without the seal, so "good".
#[test]
fn a_fetched_crl_of_another_scope_does_not_make_a_certificate_good() {
    let status = seal_status_with_fetched("tsa-ca-arl.crl");
    assert!(unknown_because(&status, "critical extension"), "{status:?}");
}

/// Red team (issue 20): each signature's modification analysis reads the file again, so 4,000
/// cheap invalid signatures in 1 MB took 23 s. Past `Limits::max_signatures` the document is
/// refused before any signature is checked.
#[test]
fn signatures_beyond_the_limit_are_refused_before_any_is_checked() {
    let twice = sign(&signed_classic());
    assert_eq!(
        verify_pdf(&twice, &VerifyOptions::default())
            .unwrap()
            .signatures
            .len(),
        2
    );
    let mut options = VerifyOptions::default();
    options.limits.max_signatures = 1;
    match verify_pdf(&twice, &options) {
        Err(countersign::Error::LimitExceeded { what, limit, .. }) => {
            assert_eq!((what, limit), ("max_signatures", 1));
        }
        other => panic!("expected LimitExceeded, got {other:?}"),
    }
    assert_eq!(countersign::Limits::default().max_signatures, 200);
}
