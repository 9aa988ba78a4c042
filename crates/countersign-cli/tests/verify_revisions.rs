//! Revisions appended after a signature: the legitimate ones keep earlier signatures valid at
//! the level they reach, every attack class is flagged `other` (or beyond what the document
//! allows) — also once a later trusted signature covers the whole file. Every PDF is built
//! here: from `testdata/pdf`, signed with our signer (or by hand with our CMS builder where the
//! signer refuses or lacks an option), then changed by incremental updates written with
//! `UpdateWriter` or byte by byte. Where pyHanko is installed, its verdict on the same bytes is
//! asserted next to ours; the disagreements are deliberate and explained at each case.

#[path = "../../../tests/common/mod.rs"]
mod common;

use std::io::Write as _;
use std::time::SystemTime;

use common::{PyhankoSignature, TempDir};
use countersign::__private::cades::{CmsParams, build_detached};
use countersign::__private::pdf::writer::write_object;
use countersign::__private::pdf::{Dict, Document, ObjRef, Object, UpdateWriter};
use countersign::crypto::LoadOptions;
use countersign::crypto::credential::{load_pem, trust_roots_from_pem};
use countersign::ltv::{RevocationSource, ValidationData, add_validation_data, extend};
use countersign::timestamp::{Authority, ObjectIdentifier, TimeStamper, TimestampRequest};
use countersign::{
    CertifiedKey, DigestAlgorithm, DocMdpPermission, FieldLock, ModificationLevel, SignOptions,
    VerifyOptions, VerifyReport, sign_pdf, verify_pdf,
};

use ModificationLevel::{Annotations, FormFilling, LtvUpdates, Other};

// ---------------------------------------------------------------------------------------------
// Keys, trust, signing
// ---------------------------------------------------------------------------------------------

fn key(name: &str) -> CertifiedKey {
    let chain = std::fs::read(common::pki_path(&format!("{name}.chain.pem"))).unwrap();
    let key = std::fs::read(common::pki_path(&format!("{name}.key.pem"))).unwrap();
    load_pem(&chain, &key, &LoadOptions::default()).unwrap()
}

fn demo_key() -> CertifiedKey {
    key("demo")
}

fn verify_options() -> VerifyOptions {
    VerifyOptions::trusting(
        trust_roots_from_pem(&std::fs::read(common::root_ca_pem()).unwrap()).unwrap(),
    )
}

fn verify(pdf: &[u8]) -> VerifyReport {
    verify_pdf(pdf, &verify_options()).unwrap()
}

/// Our signer, as a user would call it: a new signature field over the whole file.
fn sign(pdf: &[u8]) -> Vec<u8> {
    sign_pdf(pdf, &demo_key(), &SignOptions::default()).unwrap()
}

fn signed(name: &str) -> Vec<u8> {
    sign(&common::read_pdf(name))
}

/// Tokens from an authority in this process over the test TSA key.
#[derive(Debug)]
struct InProcessTsa(Authority);

impl TimeStamper for InProcessTsa {
    fn timestamp(&self, digest: DigestAlgorithm, imprint: &[u8]) -> countersign::Result<Vec<u8>> {
        let request = TimestampRequest::new(digest, imprint, &[0x42; 8])?;
        let answer = self.0.respond(request.der(), SystemTime::now())?;
        request.check_response(&answer, &[])
    }

    fn token_len_hint(&self) -> countersign::Result<usize> {
        Ok(8192)
    }
}

fn tsa() -> InProcessTsa {
    let policy = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.55555.1.1");
    InProcessTsa(Authority::new(key("tsa-tsa"), policy))
}

/// Offline revocation data: the test PKI's CRLs.
fn offline_crls() -> RevocationSource {
    let mut data = ValidationData::default();
    for crl in ["tsa-ca.crl", "tsa-root.crl"] {
        data.crls
            .push(std::fs::read(common::pki_path(crl)).unwrap());
    }
    RevocationSource::Offline(data)
}

// ---------------------------------------------------------------------------------------------
// Reading the structure
// ---------------------------------------------------------------------------------------------

/// Page 1: its reference and dictionary.
fn first_page(doc: &Document<'_>) -> (ObjRef, Dict) {
    let (_, catalog) = doc.catalog().unwrap();
    let pages = doc.resolve_key(&catalog, b"Pages").unwrap().unwrap();
    let kids = doc
        .resolve_key(pages.as_dict().unwrap(), b"Kids")
        .unwrap()
        .unwrap();
    let first = kids.as_array().unwrap()[0].as_ref().unwrap();
    (first, doc.get(first).unwrap().as_dict().unwrap().clone())
}

/// The content stream of page 1 (a single stream in every sample).
fn page_content(pdf: &[u8]) -> ObjRef {
    let doc = Document::parse(pdf).unwrap();
    first_page(&doc)
        .1
        .get(b"Contents")
        .unwrap()
        .as_ref()
        .unwrap()
}

fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap_or_else(|| panic!("{} not found", String::from_utf8_lossy(needle)))
}

fn find_last(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .rposition(|w| w == needle)
        .unwrap_or_else(|| panic!("{} not found", String::from_utf8_lossy(needle)))
}

/// A stream object's body: `<< /Length n extra >> stream … endstream`.
fn stream(extra: &str, content: &str) -> String {
    format!(
        "<< /Length {} {extra} >>\nstream\n{content}\nendstream",
        content.len()
    )
}

const FORGED: &str = "BT /F1 24 Tf 72 720 Td (Pay 1,000,000 to Mallory) Tj ET";

/// An appearance-stream resource dictionary with Helvetica as /F1.
const HELVETICA: &str =
    "/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>";

// ---------------------------------------------------------------------------------------------
// Writing incremental updates
// ---------------------------------------------------------------------------------------------

/// One incremental update appended to `pdf`, written with the library's `UpdateWriter` (a table
/// after a table, a stream after a stream). The catalog and page 1 are written once, at the
/// end, whatever changed them.
struct Update<'a> {
    pdf: &'a [u8],
    doc: Document<'a>,
    writer: UpdateWriter,
    size: u32,
    catalog: Option<(ObjRef, Dict)>,
    page: Option<(ObjRef, Dict)>,
}

impl<'a> Update<'a> {
    fn new(pdf: &'a [u8]) -> Self {
        let doc = Document::parse(pdf).unwrap();
        let writer = UpdateWriter::new(&doc);
        let size = doc.size();
        Update {
            pdf,
            doc,
            writer,
            size,
            catalog: None,
            page: None,
        }
    }

    /// The next unused object number.
    fn fresh(&mut self) -> ObjRef {
        let id = ObjRef::new(self.size, 0);
        self.size += 1;
        id
    }

    /// Writes object `id` from PDF text.
    fn raw(&mut self, id: ObjRef, body: &str) {
        self.size = self.size.max(id.num + 1);
        self.writer.begin_object(id);
        self.writer.buffer_mut().extend_from_slice(body.as_bytes());
        self.writer.end_object();
    }

    fn object(&mut self, id: ObjRef, object: &Object) {
        self.size = self.size.max(id.num + 1);
        self.writer.add(id, object);
    }

    fn dict(&self, id: ObjRef) -> Dict {
        self.doc.get(id).unwrap().as_dict().unwrap().clone()
    }

    fn catalog(&mut self) -> &mut Dict {
        let doc = &self.doc;
        &mut self.catalog.get_or_insert_with(|| doc.catalog().unwrap()).1
    }

    fn page(&mut self) -> &mut Dict {
        let doc = &self.doc;
        &mut self.page.get_or_insert_with(|| first_page(doc)).1
    }

    /// Adds `annotation` to page 1's `/Annots` (direct or indirect).
    fn annotate(&mut self, annotation: ObjRef) {
        match self.page().get(b"Annots").cloned() {
            Some(Object::Ref(array)) => {
                let mut items = self.doc.get(array).unwrap().as_array().unwrap().to_vec();
                items.push(Object::Ref(annotation));
                self.object(array, &Object::Array(items));
            }
            Some(Object::Array(mut items)) => {
                items.push(Object::Ref(annotation));
                self.page().set("Annots", Object::Array(items));
            }
            _ => self
                .page()
                .set("Annots", Object::Array(vec![Object::Ref(annotation)])),
        }
    }

    /// Adds `field` to the interactive form's `/Fields` (the form is made when missing).
    fn add_field(&mut self, field: ObjRef) {
        let push = |form: &mut Dict, doc: &Document<'_>| -> Option<(ObjRef, Object)> {
            form.set("SigFlags", Object::Integer(3));
            match form.get(b"Fields").cloned() {
                Some(Object::Ref(array)) => {
                    let mut items = doc.get(array).unwrap().as_array().unwrap().to_vec();
                    items.push(Object::Ref(field));
                    Some((array, Object::Array(items)))
                }
                Some(Object::Array(mut items)) => {
                    items.push(Object::Ref(field));
                    form.set("Fields", Object::Array(items));
                    None
                }
                _ => {
                    form.set("Fields", Object::Array(vec![Object::Ref(field)]));
                    None
                }
            }
        };
        let indirect_array = match self.catalog().get(b"AcroForm").cloned() {
            Some(Object::Ref(form_ref)) => {
                let mut form = self.dict(form_ref);
                let array = push(&mut form, &self.doc);
                self.object(form_ref, &Object::Dict(form));
                array
            }
            other => {
                let mut form = match other {
                    Some(Object::Dict(form)) => form,
                    _ => Dict::new(),
                };
                let array = push(&mut form, &self.doc);
                self.catalog().set("AcroForm", Object::Dict(form));
                array
            }
        };
        if let Some((array, items)) = indirect_array {
            self.object(array, &items);
        }
    }

    /// `pdf` with the update appended.
    fn finish(mut self) -> Vec<u8> {
        for (id, dict) in [self.catalog.take(), self.page.take()]
            .into_iter()
            .flatten()
        {
            self.object(id, &Object::Dict(dict));
        }
        let Update {
            pdf,
            doc,
            writer,
            size,
            ..
        } = self;
        let update = writer.finish(&doc, size, &file_id(&doc)).unwrap();
        [pdf, &update].concat()
    }
}

/// The file's `/ID` first part kept, a new second part.
fn file_id(doc: &Document<'_>) -> [Vec<u8>; 2] {
    let first = doc
        .trailer()
        .get(b"ID")
        .and_then(Object::as_array)
        .and_then(|id| id.first())
        .and_then(Object::as_string_bytes)
        .map(<[u8]>::to_vec)
        .unwrap_or_else(|| b"countersign-test".to_vec());
    [first, b"revision".to_vec()]
}

/// The trailer entries a new section repeats (`/Root`, `/Info`, `/ID`), as PDF text, with
/// `/Root` replaced when asked.
fn trailer_entries(doc: &Document<'_>, root: Option<ObjRef>) -> String {
    let mut out = Vec::new();
    for key in [&b"Root"[..], b"Info", b"ID"] {
        let value = match (key, root) {
            (b"Root", Some(root)) => Some(Object::Ref(root)),
            _ => doc.trailer().get(key).cloned(),
        };
        if let Some(value) = value {
            write!(out, " /{} ", String::from_utf8_lossy(key)).unwrap();
            write_object(&mut out, &value);
        }
    }
    String::from_utf8(out).unwrap()
}

/// An xref entry written by hand: in use at an offset, or free (with the generation a reuse
/// would take).
#[derive(Clone, Copy)]
enum Entry {
    At(usize),
    Free(u16),
}

/// Appends a forged content stream numbered `content` and an xref **stream** that takes the
/// same number `content` (the issue's xref-stream-number forgery). `self_listed`: the xref
/// stream's single entry points at itself instead of at the forged object.
fn xref_stream_numbered_as(pdf: &[u8], content: ObjRef, self_listed: bool) -> Vec<u8> {
    let doc = Document::parse(pdf).unwrap();
    let mut out = pdf.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let forged_at = out.len();
    write!(
        out,
        "{} 0 obj\n{}\nendobj\n",
        content.num,
        stream("", FORGED)
    )
    .unwrap();
    let xref_at = out.len();
    let target = if self_listed { xref_at } else { forged_at };
    let mut row = vec![1u8];
    row.extend_from_slice(&u32::try_from(target).unwrap().to_be_bytes());
    row.extend_from_slice(&[0, 0]);
    write!(
        out,
        "{} 0 obj\n<< /Type /XRef /Size {} /W [1 4 2] /Index [{} 1]{} /Prev {} /Length {} >>\nstream\n",
        content.num,
        doc.size().max(content.num + 1),
        content.num,
        trailer_entries(&doc, None),
        doc.startxref(),
        row.len()
    )
    .unwrap();
    out.extend_from_slice(&row);
    write!(out, "\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF\n").unwrap();
    out
}

// ---------------------------------------------------------------------------------------------
// Signing by hand (certification, FieldMDP references, a signature the signer refuses)
// ---------------------------------------------------------------------------------------------

const BYTE_RANGE_PLACEHOLDER: &str = "[0 0000000000 0000000000 0000000000]";
const CONTENTS_BYTES: usize = 8192;

/// A signature field signed with the demo key through our CMS builder, written by the test:
/// for what `sign_pdf` refuses (a signature after a P1 certification) or does not offer here
/// (certification, a FieldMDP `/Reference`).
#[derive(Default)]
struct HandSignature<'a> {
    field: &'a str,
    /// DocMDP `/P`: a certification signature (`/Reference` DocMDP and the catalog's `/Perms`).
    certify: Option<u8>,
    /// More entries of the signature dictionary, as PDF text.
    signature_entries: &'a str,
    /// A visible widget whose appearance draws this content.
    appearance: Option<&'a str>,
}

fn sign_by_hand(pdf: &[u8], hand: &HandSignature<'_>) -> Vec<u8> {
    let mut update = Update::new(pdf);
    let signature = update.fresh();
    let field = update.fresh();
    let (page_ref, _) = first_page(&update.doc);
    let reference = match hand.certify {
        Some(p) => format!(
            "/Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams \
             << /Type /TransformParams /P {p} /V /1.2 >> >>]"
        ),
        None => String::new(),
    };
    update.raw(
        signature,
        &format!(
            "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached \
             /M (D:20260101000000Z) {reference} {} /ByteRange {BYTE_RANGE_PLACEHOLDER} \
             /Contents <{}> >>",
            hand.signature_entries,
            "0".repeat(2 * CONTENTS_BYTES)
        ),
    );
    let (rect, appearance) = match hand.appearance {
        Some(content) => {
            let stream_ref = update.fresh();
            update.raw(
                stream_ref,
                &stream(
                    &format!("/Type /XObject /Subtype /Form /BBox [0 0 300 60] {HELVETICA}"),
                    content,
                ),
            );
            (
                "[72 500 372 560]",
                format!("/AP << /N {} 0 R >>", stream_ref.num),
            )
        }
        None => ("[0 0 0 0]", String::new()),
    };
    update.raw(
        field,
        &format!(
            "<< /Type /Annot /Subtype /Widget /FT /Sig /T ({}) /V {} 0 R /F 132 /P {} 0 R \
             /Rect {rect} {appearance} >>",
            hand.field, signature.num, page_ref.num
        ),
    );
    update.add_field(field);
    update.annotate(field);
    if hand.certify.is_some() {
        let perms = [(b"DocMDP".to_vec(), Object::Ref(signature))]
            .into_iter()
            .collect();
        update.catalog().set("Perms", Object::Dict(perms));
    }
    let mut out = update.finish();
    fill_signature(&mut out);
    out
}

/// Fills the last placeholder signature of `pdf`: its `/ByteRange` and a CMS over it.
fn fill_signature(pdf: &mut [u8]) {
    let range_at = find_last(pdf, BYTE_RANGE_PLACEHOLDER.as_bytes());
    let open = range_at + find(&pdf[range_at..], b"/Contents <") + b"/Contents ".len();
    let close = open + find(&pdf[open..], b">");
    let range = format!("[0 {open} {} {}]", close + 1, pdf.len() - close - 1);
    let mut padded = range.into_bytes();
    padded.resize(BYTE_RANGE_PLACEHOLDER.len(), b' ');
    pdf[range_at..range_at + padded.len()].copy_from_slice(&padded);
    let (first, second) = (&pdf[..open], &pdf[close + 1..]);
    let digest = DigestAlgorithm::Sha256.digest_chunks(&[first, second]);
    let params = CmsParams {
        digest: DigestAlgorithm::Sha256,
        signing_time: None,
        ..CmsParams::default()
    };
    let der = build_detached(&demo_key(), &params, &digest).unwrap();
    let hex: String = der.iter().map(|b| format!("{b:02x}")).collect();
    assert!(hex.len() < close - open - 1, "the CMS does not fit");
    pdf[open + 1..open + 1 + hex.len()].copy_from_slice(hex.as_bytes());
}

/// `pdf` certified by hand with DocMDP `/P p`.
fn certified(name: &str, p: u8) -> Vec<u8> {
    sign_by_hand(
        &common::read_pdf(name),
        &HandSignature {
            field: "Certification",
            certify: Some(p),
            ..HandSignature::default()
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Verdicts
// ---------------------------------------------------------------------------------------------

/// What a case must show for the signature at `index`.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Still valid, the later revisions at this level.
    Kept(ModificationLevel),
    /// Not valid: the later revisions reach this level, which is not permitted.
    Refused(ModificationLevel),
}

/// Asserts our verdict on the signature at `index` and returns the report.
fn assert_verdict(name: &str, pdf: &[u8], index: usize, expect: Expect) -> VerifyReport {
    let report = verify(pdf);
    let signature = report
        .signatures
        .get(index)
        .unwrap_or_else(|| panic!("{name}: no signature {index}: {report:#?}"));
    let found = &signature.modifications;
    eprintln!(
        "{name}: ours: signature {index} {} permitted={} valid={} all_valid={} ({})",
        found.level,
        found.permitted,
        signature.is_valid(),
        report.all_valid(),
        found.reason.as_deref().unwrap_or("-")
    );
    assert!(
        signature.is_signature_valid() && signature.is_trusted(),
        "{name}: the signature itself must verify: {signature:#?}"
    );
    match expect {
        Expect::Kept(level) => {
            assert_eq!(found.level, level, "{name}: {found:#?}");
            assert!(
                found.permitted && signature.is_valid(),
                "{name}: {signature:#?}"
            );
            assert!(report.all_valid(), "{name}: {report:#?}");
        }
        Expect::Refused(level) => {
            assert_eq!(found.level, level, "{name}: {found:#?}");
            assert!(!found.permitted, "{name}: {found:#?}");
            assert!(found.reason.is_some(), "{name}: no reason: {found:#?}");
            assert!(!signature.is_valid(), "{name}: {signature:#?}");
            assert!(!report.all_valid(), "{name}: {report:#?}");
        }
    }
    report
}

/// The attack, then the attack counter-signed by our signer over the whole file: the earlier
/// signature stays refused, the new one is valid, the document is not.
fn assert_attack(name: &str, pdf: &[u8], index: usize, level: ModificationLevel) -> Vec<u8> {
    assert_verdict(name, pdf, index, Expect::Refused(level));
    let covered = sign(pdf);
    let covered_name = format!("{name} + counter-signature");
    let report = assert_verdict(&covered_name, &covered, index, Expect::Refused(level));
    let newest = report.signatures.last().unwrap();
    assert!(
        newest.covers_whole_file && newest.is_valid(),
        "{covered_name}: {newest:#?}"
    );
    covered
}

/// pyHanko's verdicts on `pdf`, in signing order; `None` when pyHanko is not installed
/// (outside CI). A file pyHanko cannot read at all is an empty list with the error printed.
fn pyhanko(name: &str, pdf: &[u8]) -> Option<Vec<PyhankoSignature>> {
    let dir = TempDir::new("revisions");
    let path = dir.write("case.pdf", pdf);
    // To look at a case with other tools: REVISIONS_DUMP=/some/dir cargo test ...
    if let Some(dump) = std::env::var_os("REVISIONS_DUMP") {
        let file: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        std::fs::write(std::path::Path::new(&dump).join(format!("{file}.pdf")), pdf).unwrap();
    }
    let report = common::pyhanko_validate(&path, &common::root_ca_pem());
    if report.skipped {
        return None;
    }
    if let Some(error) = &report.error {
        eprintln!("{name}: pyHanko: cannot read the file: {error}");
        return Some(Vec::new());
    }
    for (i, s) in report.signatures.iter().enumerate() {
        eprintln!(
            "{name}: pyHanko: signature {i} {}: level {:?} docmdp_ok {:?} bottom_line {} {}",
            s.field_name,
            s.modification_level,
            s.docmdp_ok,
            s.bottom_line,
            s.error.as_deref().unwrap_or("")
        );
    }
    Some(report.signatures)
}

/// pyHanko's verdict on signature `index` (`None` without pyHanko).
fn pyhanko_verdict(name: &str, pdf: &[u8], index: usize) -> Option<PyhankoSignature> {
    let signatures = pyhanko(name, pdf)?;
    Some(
        signatures
            .get(index)
            .unwrap_or_else(|| panic!("{name}: pyHanko found no signature {index}"))
            .clone(),
    )
}

/// pyHanko agrees the changes after signature `index` are fine, at `level`.
fn pyhanko_accepts(name: &str, pdf: &[u8], index: usize, level: &str) {
    let Some(signatures) = pyhanko(name, pdf) else {
        return;
    };
    let signature = signatures
        .get(index)
        .unwrap_or_else(|| panic!("{name}: pyHanko found no signature {index}"));
    assert_eq!(
        signature.modification_level.as_deref(),
        Some(level),
        "{name}: {signature:#?}"
    );
    assert_eq!(signature.docmdp_ok, Some(true), "{name}: {signature:#?}");
    assert!(signature.bottom_line, "{name}: {signature:#?}");
}

/// pyHanko rejects the changes after signature `index`: level `OTHER` (or not permitted by
/// DocMDP at `level`), or it cannot validate the file at all.
fn pyhanko_rejects(name: &str, pdf: &[u8], index: usize, level: &str) {
    let Some(signatures) = pyhanko(name, pdf) else {
        return;
    };
    let Some(signature) = signatures.get(index) else {
        return; // unreadable for pyHanko: rejected too
    };
    assert!(!signature.bottom_line, "{name}: {signature:#?}");
    if signature.error.is_none() {
        assert_eq!(
            signature.modification_level.as_deref(),
            Some(level),
            "{name}: {signature:#?}"
        );
        assert_eq!(signature.docmdp_ok, Some(false), "{name}: {signature:#?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Building blocks of the cases
// ---------------------------------------------------------------------------------------------

/// An update writing `objects` (number, body text) and `entries` by hand, in a cross-reference
/// table; `/Root` optionally swapped.
fn table_update(
    pdf: &[u8],
    objects: &[(u32, String)],
    entries: &[(u32, Entry)],
    root: Option<ObjRef>,
) -> Vec<u8> {
    let prev = Document::parse(pdf).unwrap().startxref();
    table_update_after(pdf, objects, entries, root, prev)
}

/// [`table_update`] with `/Prev` set to `prev` (an honest update names the last section).
fn table_update_after(
    pdf: &[u8],
    objects: &[(u32, String)],
    entries: &[(u32, Entry)],
    root: Option<ObjRef>,
    prev: u64,
) -> Vec<u8> {
    let doc = Document::parse(pdf).unwrap();
    let mut out = pdf.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut rows: Vec<(u32, Entry)> = entries.to_vec();
    for (num, body) in objects {
        rows.push((*num, Entry::At(out.len())));
        write!(out, "{num} 0 obj\n{body}\nendobj\n").unwrap();
    }
    rows.sort_by_key(|&(num, _)| num);
    let size = rows
        .iter()
        .map(|&(num, _)| num + 1)
        .fold(doc.size(), u32::max);
    let xref_at = out.len();
    out.extend_from_slice(b"xref\n");
    if rows.is_empty() {
        out.extend_from_slice(b"0 0\n");
    }
    for (num, entry) in rows {
        let row = match entry {
            Entry::At(offset) => format!("{offset:010} 00000 n\r\n"),
            Entry::Free(generation) => format!("0000000000 {generation:05} f\r\n"),
        };
        write!(out, "{num} 1\n{row}").unwrap();
    }
    write!(
        out,
        "trailer\n<< /Size {size}{} /Prev {} >>\nstartxref\n{xref_at}\n%%EOF\n",
        trailer_entries(&doc, root),
        prev
    )
    .unwrap();
    out
}

/// acroform.pdf's text field "Name" (object 6, a field merged with its widget) set to `value`,
/// with a new appearance.
const NAME_FIELD: ObjRef = ObjRef::new(6, 0);

fn fill_name(pdf: &[u8], value: &str) -> Vec<u8> {
    let mut update = Update::new(pdf);
    let appearance = update.fresh();
    update.raw(
        appearance,
        &stream(
            &format!("/Type /XObject /Subtype /Form /BBox [0 0 200 24] {HELVETICA}"),
            &format!("/Tx BMC q BT /F1 12 Tf 0 g 2 6 Td ({value}) Tj ET Q EMC"),
        ),
    );
    let mut field = update.dict(NAME_FIELD);
    assert_eq!(field.get(b"T"), Some(&Object::literal(b"Name")));
    field.set("V", Object::literal(value.as_bytes()));
    let normal = [(b"N".to_vec(), Object::Ref(appearance))]
        .into_iter()
        .collect();
    field.set("AP", Object::Dict(normal));
    update.object(NAME_FIELD, &Object::Dict(field));
    update.finish()
}

/// Page 1 gains an annotation of `subtype`; `cover`: with an appearance that paints a white box
/// with other text over the page (what the Evil Annotation Attack adds).
fn with_annotation(pdf: &[u8], subtype: &str, cover: bool) -> Vec<u8> {
    let mut update = Update::new(pdf);
    let (page, _) = first_page(&update.doc);
    let annotation = update.fresh();
    let (rect, appearance) = if cover {
        let stream_ref = update.fresh();
        update.raw(
            stream_ref,
            &stream(
                &format!("/Type /XObject /Subtype /Form /BBox [0 0 400 60] {HELVETICA}"),
                "1 1 1 rg 0 0 400 60 re f 0 g BT /F1 24 Tf 4 20 Td (Pay to Mallory) Tj ET",
            ),
        );
        (
            "[60 700 460 760]",
            format!("/AP << /N {} 0 R >>", stream_ref.num),
        )
    } else {
        ("[500 700 520 720]", String::new())
    };
    update.raw(
        annotation,
        &format!(
            "<< /Type /Annot /Subtype /{subtype} /Rect {rect} /Contents (Reviewed) /F 4 \
             /P {} 0 R {appearance} >>",
            page.num
        ),
    );
    update.annotate(annotation);
    update.finish()
}

/// A new, unsigned signature field on page 1; `appearance`: visible, drawing this content.
fn with_signature_field(pdf: &[u8], name: &str, appearance: Option<&str>, lock: &str) -> Vec<u8> {
    let mut update = Update::new(pdf);
    let (page, _) = first_page(&update.doc);
    let field = update.fresh();
    let (rect, ap) = match appearance {
        Some(content) => {
            let stream_ref = update.fresh();
            update.raw(
                stream_ref,
                &stream(
                    &format!("/Type /XObject /Subtype /Form /BBox [0 0 400 60] {HELVETICA}"),
                    content,
                ),
            );
            (
                "[60 700 460 760]",
                format!("/AP << /N {} 0 R >>", stream_ref.num),
            )
        }
        None => ("[0 0 0 0]", String::new()),
    };
    update.raw(
        field,
        &format!(
            "<< /Type /Annot /Subtype /Widget /FT /Sig /T ({name}) /F 4 /P {} 0 R /Rect {rect} \
             {ap} {lock} >>",
            page.num
        ),
    );
    update.add_field(field);
    update.annotate(field);
    update.finish()
}

/// The white box and forged text a shadow "replace" or an SSA appearance draws.
const COVER: &str =
    "1 1 1 rg 0 0 612 792 re f 0 g BT /F1 24 Tf 72 720 Td (Pay 1,000,000 to Mallory) Tj ET";

// ---------------------------------------------------------------------------------------------
// Legitimate later revisions
// ---------------------------------------------------------------------------------------------

#[test]
fn a_counter_signature_is_form_filling() {
    let twice = sign(&signed("classic.pdf"));
    assert_verdict("counter-signature", &twice, 0, Expect::Kept(FormFilling));
    assert_verdict(
        "counter-signature",
        &twice,
        1,
        Expect::Kept(ModificationLevel::None),
    );
    pyhanko_accepts("counter-signature", &twice, 0, "FORM_FILLING");
}

#[test]
fn validation_data_and_two_document_timestamps_are_ltv_updates() {
    let signed = signed("classic.pdf");
    let lt = add_validation_data(&signed, &offline_crls()).unwrap();
    assert_verdict("B-LT", &lt, 0, Expect::Kept(LtvUpdates));
    pyhanko_accepts("B-LT", &lt, 0, "LTA_UPDATES");

    let lta = extend(&signed, &offline_crls(), &tsa()).unwrap();
    let renewed = extend(&lta, &offline_crls(), &tsa()).unwrap();
    assert!(renewed.starts_with(&lta) && lta.starts_with(&signed));
    let report = assert_verdict("B-LTA twice", &renewed, 0, Expect::Kept(LtvUpdates));
    assert_eq!(report.signatures.len(), 3, "{report:#?}");
    // The first document time-stamp: a DSS update and the second time-stamp after it.
    assert_verdict("B-LTA twice", &renewed, 1, Expect::Kept(LtvUpdates));
    assert_verdict(
        "B-LTA twice",
        &renewed,
        2,
        Expect::Kept(ModificationLevel::None),
    );
    // pyHanko counts the appearance stream our (invisible) document-timestamp widgets carry as
    // form filling; both call the signature valid.
    pyhanko_accepts("B-LTA twice", &renewed, 0, "FORM_FILLING");
}

#[test]
fn filling_an_unlocked_text_field_is_form_filling() {
    let filled = fill_name(&signed("acroform.pdf"), "Bob");
    assert_verdict("form filling", &filled, 0, Expect::Kept(FormFilling));
    pyhanko_accepts("form filling", &filled, 0, "FORM_FILLING");

    // A lock on another field leaves "Name" free.
    let locked_elsewhere = with_signature_field(
        &common::read_pdf("acroform.pdf"),
        "Approval",
        None,
        "/Lock << /Type /SigFieldLock /Action /Include /Fields [(Other)] >>",
    );
    let signed = sign_pdf(&locked_elsewhere, &demo_key(), &fill_options()).unwrap();
    let filled = fill_name(&signed, "Bob");
    assert_verdict("lock elsewhere", &filled, 0, Expect::Kept(FormFilling));
    pyhanko_accepts("lock elsewhere", &filled, 0, "FORM_FILLING");

    // The form written directly in the catalog (acroform.pdf's own layout, kept by a signature
    // that adds no field to an indirect form).
    let hand = sign_by_hand(
        &common::read_pdf("acroform.pdf"),
        &HandSignature {
            field: "Approval",
            ..HandSignature::default()
        },
    );
    let catalog = Document::parse(&hand).unwrap().catalog().unwrap().1;
    assert!(matches!(catalog.get(b"AcroForm"), Some(Object::Dict(_))));
    let filled = fill_name(&hand, "Bob");
    assert_verdict("direct form", &filled, 0, Expect::Kept(FormFilling));
    pyhanko_accepts("direct form", &filled, 0, "FORM_FILLING");
}

#[test]
fn a_text_annotation_is_an_annotation_change_without_and_under_p3() {
    let noted = with_annotation(&signed("classic.pdf"), "Text", false);
    assert_verdict("text annotation", &noted, 0, Expect::Kept(Annotations));
    pyhanko_other_for_annotations("text annotation", &noted);

    let p3 = certified("classic.pdf", 3);
    let report = assert_verdict(
        "certified P3",
        &p3,
        0,
        Expect::Kept(ModificationLevel::None),
    );
    assert_eq!(report.signatures[0].certification, Some(3));
    if let Some(signatures) = pyhanko("certified P3", &p3) {
        assert_eq!(
            signatures[0].docmdp_permissions.as_deref(),
            Some("ANNOTATE")
        );
        assert!(signatures[0].bottom_line, "{signatures:#?}");
    }
    let noted = with_annotation(&p3, "Text", false);
    assert_verdict("P3 + text annotation", &noted, 0, Expect::Kept(Annotations));
    pyhanko_other_for_annotations("P3 + text annotation", &noted);
}

/// pyHanko (0.38) has no rule for annotations other than widgets (a TODO in its
/// `form_field_rules.py`): any added annotation is OTHER there, although ISO 32000-1 §12.8.2.2
/// lets P3 (and uncertified documents) gain annotations. We follow the standard.
fn pyhanko_other_for_annotations(name: &str, pdf: &[u8]) {
    if let Some(verdict) = pyhanko_verdict(name, pdf, 0) {
        assert_eq!(
            verdict.modification_level.as_deref(),
            Some("OTHER"),
            "{name}"
        );
    }
}

#[test]
fn a_metadata_only_info_change_is_form_filling() {
    let signed = signed("classic.pdf");
    let mut update = Update::new(&signed);
    let info = update.doc.trailer().get(b"Info").unwrap().as_ref().unwrap();
    let mut dict = update.dict(info);
    dict.set("Title", Object::literal(b"Renamed after signing"));
    dict.set("ModDate", Object::literal(b"D:20260102000000Z"));
    update.object(info, &Object::Dict(dict));
    let renamed = update.finish();
    assert_verdict("metadata", &renamed, 0, Expect::Kept(FormFilling));
    // pyHanko's DocInfoRule counts /Info updates as LTA_UPDATES; both keep the signature.
    pyhanko_accepts("metadata", &renamed, 0, "LTA_UPDATES");
}

/// Our signer filling the document's empty signature field.
fn fill_options() -> SignOptions {
    let mut options = SignOptions::default();
    options.fill_empty_field = true;
    options
}

// ---------------------------------------------------------------------------------------------
// Attacks: each is refused, also once our signer counter-signs the whole file
// ---------------------------------------------------------------------------------------------

#[test]
fn an_incremental_page_content_swap_is_other() {
    let signed = signed("classic.pdf");
    let mut update = Update::new(&signed);
    update.raw(page_content(&signed), &stream("", FORGED));
    let swapped = update.finish();
    let covered = assert_attack("content swap", &swapped, 0, Other);
    pyhanko_rejects("content swap", &swapped, 0, "OTHER");
    pyhanko_rejects("content swap + counter-signature", &covered, 0, "OTHER");
}

#[test]
fn redefined_fonts_resources_and_media_boxes_are_other() {
    let signed = signed("classic.pdf");
    let font = ObjRef::new(5, 0); // classic.pdf's Helvetica, used by both pages
    assert_eq!(
        Document::parse(&signed)
            .unwrap()
            .get(font)
            .unwrap()
            .as_dict()
            .unwrap()
            .get(b"Type"),
        Some(&Object::name("Font"))
    );
    let mut update = Update::new(&signed);
    update.raw(
        font,
        "<< /Type /Font /Subtype /Type1 /BaseFont /Courier \
         /Encoding << /Differences [80 /M /a /y] >> >>",
    );
    let font_swapped = update.finish();

    let mut update = Update::new(&signed);
    let other_font = update.fresh();
    update.raw(
        other_font,
        "<< /Type /Font /Subtype /Type1 /BaseFont /Symbol >>",
    );
    let fonts: Dict = [(b"F1".to_vec(), Object::Ref(other_font))]
        .into_iter()
        .collect();
    let resources: Dict = [(b"Font".to_vec(), Object::Dict(fonts))]
        .into_iter()
        .collect();
    update.page().set("Resources", Object::Dict(resources));
    let resources_swapped = update.finish();

    let mut update = Update::new(&signed);
    let small = [0, 0, 300, 200].map(Object::Integer);
    update.page().set("MediaBox", Object::Array(small.to_vec()));
    let cropped = update.finish();

    for (name, pdf) in [
        ("font redefined", &font_swapped),
        ("resources redefined", &resources_swapped),
        ("media box redefined", &cropped),
    ] {
        let covered = assert_attack(name, pdf, 0, Other);
        pyhanko_rejects(name, pdf, 0, "OTHER");
        pyhanko_rejects(&format!("{name} + counter-signature"), &covered, 0, "OTHER");
    }
}

/// Shadow attack "hide": the signed revision draws forged text and covers it with a white
/// page-sized box (a second content stream); after signing, an update that is only an xref
/// frees the cover, and the forged text shows.
#[test]
fn shadow_hide_is_other() {
    let classic = common::read_pdf("classic.pdf");
    let mut update = Update::new(&classic);
    let forged = update.fresh();
    let cover = update.fresh();
    update.raw(forged, &stream("", FORGED));
    update.raw(
        cover,
        &stream(
            "",
            "1 1 1 rg 0 0 612 792 re f 0 g BT /F1 24 Tf 72 720 Td (Page 1) Tj ET",
        ),
    );
    update.page().set(
        "Contents",
        Object::Array(vec![Object::Ref(forged), Object::Ref(cover)]),
    );
    let shadow = sign(&update.finish());
    assert_verdict(
        "hide: signed",
        &shadow,
        0,
        Expect::Kept(ModificationLevel::None),
    );
    let revealed = table_update(&shadow, &[], &[(cover.num, Entry::Free(1))], None);
    let covered = assert_attack("hide", &revealed, 0, Other);
    pyhanko_rejects("hide", &revealed, 0, "OTHER");
    pyhanko_rejects("hide + counter-signature", &covered, 0, "OTHER");
}

/// Shadow attack "replace": after signing, new content is laid over the page.
#[test]
fn shadow_replace_is_other() {
    let signed = signed("classic.pdf");
    let mut update = Update::new(&signed);
    let overlay = update.fresh();
    update.raw(overlay, &stream("", COVER));
    let content = page_content(&signed);
    update.page().set(
        "Contents",
        Object::Array(vec![Object::Ref(content), Object::Ref(overlay)]),
    );
    let replaced = update.finish();
    let covered = assert_attack("replace", &replaced, 0, Other);
    pyhanko_rejects("replace", &replaced, 0, "OTHER");
    pyhanko_rejects("replace + counter-signature", &covered, 0, "OTHER");
}

/// Shadow attack "hide-and-replace": the document handed to the signer carries an empty
/// signature field and a whole second document nothing refers to (catalog, page tree, page,
/// content) whose form lists the same field; after signing, an update that is only an xref and
/// a trailer makes the second catalog the `/Root`. The signature still shows, over other pages.
#[test]
fn shadow_hide_and_replace_is_other() {
    let classic = common::read_pdf("classic.pdf");
    let mut update = Update::new(&classic);
    let (page_ref, _) = first_page(&update.doc);
    let field = update.fresh();
    update.raw(
        field,
        &format!(
            "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /F 132 /Rect [0 0 0 0] \
             /P {} 0 R >>",
            page_ref.num
        ),
    );
    update.add_field(field);
    update.annotate(field);
    let [catalog, pages, page, content] = [(); 4].map(|_| update.fresh());
    update.raw(
        catalog,
        &format!(
            "<< /Type /Catalog /Pages {} 0 R /AcroForm << /Fields [{} 0 R] /SigFlags 3 >> >>",
            pages.num, field.num
        ),
    );
    update.raw(
        pages,
        &format!("<< /Type /Pages /Kids [{} 0 R] /Count 1 >>", page.num),
    );
    update.raw(
        page,
        &format!(
            "<< /Type /Page /Parent {} 0 R /MediaBox [0 0 612 792] \
             /Resources << /Font << /F1 5 0 R >> >> /Contents {} 0 R /Annots [{} 0 R] >>",
            pages.num, content.num, field.num
        ),
    );
    update.raw(content, &stream("", FORGED));
    let shadow = sign_pdf(&update.finish(), &demo_key(), &fill_options()).unwrap();
    assert_verdict(
        "hide-and-replace: signed",
        &shadow,
        0,
        Expect::Kept(ModificationLevel::None),
    );
    let swapped = table_update(&shadow, &[], &[], Some(catalog));
    let covered = assert_attack("hide-and-replace", &swapped, 0, Other);
    pyhanko_rejects("hide-and-replace", &swapped, 0, "OTHER");
    pyhanko_rejects("hide-and-replace + counter-signature", &covered, 0, "OTHER");
}

/// An update that is only an xref section, re-pointing page 1's content at the definition an
/// earlier revision had replaced (incremental.pdf: "Page 1" under "Page 1, revision 2"): nothing
/// new is written, yet the page shows other text.
#[test]
fn an_xref_only_update_reviving_a_replaced_object_is_other() {
    let signed = signed("incremental.pdf");
    let content = page_content(&signed);
    let first_definition = find(&signed, format!("\n{} 0 obj", content.num).as_bytes()) + 1;
    assert!(
        find_last(&signed, format!("\n{} 0 obj", content.num).as_bytes()) + 1 > first_definition
    );
    let revived = table_update(
        &signed,
        &[],
        &[(content.num, Entry::At(first_definition))],
        None,
    );
    let covered = assert_attack("xref only", &revived, 0, Other);
    pyhanko_rejects("xref only", &revived, 0, "OTHER");
    pyhanko_rejects("xref only + counter-signature", &covered, 0, "OTHER");
}

/// The issue's forgery: an xref stream that takes the number of page 1's content stream, its
/// entry pointing at a forged definition of that number (or at itself), on every xref form.
#[test]
fn an_xref_stream_numbered_as_the_page_content_is_other() {
    for file in [
        "classic.pdf",
        "xref-stream.pdf",
        "hybrid.pdf",
        "linearized.pdf",
        "certified-p2.pdf",
    ] {
        let base = if file.starts_with("certified") {
            common::read_pdf(file) // already signed (certified by pyHanko)
        } else {
            signed(file)
        };
        let content = page_content(&base);
        for self_listed in [false, true] {
            let name = format!("xref stream as {content} in {file} (self listed: {self_listed})");
            let forged = xref_stream_numbered_as(&base, content, self_listed);
            let covered = assert_attack(&name, &forged, 0, Other);
            pyhanko_rejects(&name, &forged, 0, "OTHER");
            pyhanko_rejects(&format!("{name} + counter-signature"), &covered, 0, "OTHER");
        }
    }
}

/// The issue's second forgery: the signed page refers to `99 0 R`, which does not exist (a
/// null content stream); after signing an update defines object 99.
#[test]
fn a_dangling_reference_defined_after_signing_is_other() {
    let classic = common::read_pdf("classic.pdf");
    let mut update = Update::new(&classic);
    let content = update.page().get(b"Contents").cloned().unwrap();
    update.page().set(
        "Contents",
        Object::Array(vec![content, Object::Ref(ObjRef::new(99, 0))]),
    );
    let dangling = sign(&update.finish());
    assert_verdict(
        "dangling: signed",
        &dangling,
        0,
        Expect::Kept(ModificationLevel::None),
    );
    let defined = table_update(&dangling, &[(99, stream("", COVER))], &[], None);
    let covered = assert_attack("dangling reference", &defined, 0, Other);
    // pyHanko (0.38) misses this one: it judges an object that is new in the xref as unused
    // by the signed revision without looking for references to its number there, and calls
    // the update LTA_UPDATES with docmdp_ok, while MuPDF draws the forged text.
    pyhanko_accepts("dangling reference", &defined, 0, "LTA_UPDATES");
    pyhanko_accepts(
        "dangling reference + counter-signature",
        &covered,
        0,
        "FORM_FILLING",
    );
}

/// The signed revision lists object 9 as free (and page 1 refers to it, so it reads as null);
/// after signing an update reuses number 9 for forged content.
#[test]
fn a_reused_free_object_number_is_other() {
    let classic = common::read_pdf("classic.pdf");
    let doc = Document::parse(&classic).unwrap();
    let (page_ref, mut page) = first_page(&doc);
    let content = page.get(b"Contents").cloned().unwrap();
    page.set(
        "Contents",
        Object::Array(vec![content, Object::Ref(ObjRef::new(9, 0))]),
    );
    let mut body = Vec::new();
    write_object(&mut body, &Object::Dict(page));
    let freed = table_update(
        &classic,
        &[(page_ref.num, String::from_utf8(body).unwrap())],
        &[(9, Entry::Free(0))],
        None,
    );
    assert_eq!(Document::parse(&freed).unwrap().size(), 10);
    let signed = sign(&freed);
    assert_verdict(
        "free: signed",
        &signed,
        0,
        Expect::Kept(ModificationLevel::None),
    );
    let reused = table_update(&signed, &[(9, stream("", COVER))], &[], None);
    let covered = assert_attack("reused free number", &reused, 0, Other);
    pyhanko_rejects("reused free number", &reused, 0, "OTHER");
    pyhanko_rejects(
        "reused free number + counter-signature",
        &covered,
        0,
        "OTHER",
    );
}

/// Evil Annotation Attack: a FreeText or Stamp annotation whose appearance covers content, on
/// a document certified P3 (annotations allowed) and P2 (form filling only).
#[test]
fn evil_annotations_under_p3_and_p2_are_other() {
    let p3 = certified("classic.pdf", 3);
    let p2 = common::read_pdf("certified-p2.pdf");
    for (certification, pdf) in [("P3", &p3), ("P2", &p2)] {
        for subtype in ["FreeText", "Stamp"] {
            let name = format!("EAA {subtype} under {certification}");
            let attacked = with_annotation(pdf, subtype, true);
            let covered = assert_attack(&name, &attacked, 0, Other);
            // pyHanko agrees, though for any annotation (see pyhanko_other_for_annotations).
            pyhanko_rejects(&name, &attacked, 0, "OTHER");
            pyhanko_rejects(&format!("{name} + counter-signature"), &covered, 0, "OTHER");
        }
    }
    // A harmless kind is still more than P2 allows.
    let noted = with_annotation(&p2, "Text", false);
    assert_verdict(
        "text annotation under P2",
        &noted,
        0,
        Expect::Refused(Annotations),
    );
    pyhanko_rejects("text annotation under P2", &noted, 0, "OTHER");
}

/// Sneaky Signature Attack: under P2 a new signature field whose widget draws over the page,
/// left empty or signed.
#[test]
fn a_sneaky_signature_under_p2_is_other() {
    let p2 = common::read_pdf("certified-p2.pdf");
    let empty = with_signature_field(&p2, "Sneaky", Some(COVER), "");
    let covered = assert_attack("SSA empty field", &empty, 0, Other);
    pyhanko_rejects("SSA empty field", &empty, 0, "OTHER");
    pyhanko_rejects("SSA empty field + counter-signature", &covered, 0, "OTHER");

    let signed = sign_by_hand(
        &p2,
        &HandSignature {
            field: "Sneaky",
            appearance: Some(COVER),
            ..HandSignature::default()
        },
    );
    assert_verdict("SSA signed", &signed, 0, Expect::Refused(Other));
    pyhanko_rejects("SSA signed", &signed, 0, "OTHER");

    // The same field without an appearance is an ordinary counter-signature.
    let invisible = with_signature_field(&p2, "Plain", None, "");
    assert_verdict(
        "invisible field under P2",
        &invisible,
        0,
        Expect::Kept(FormFilling),
    );
    // pyHanko: an invisible new signature field alone is LTA_UPDATES.
    pyhanko_accepts("invisible field under P2", &invisible, 0, "LTA_UPDATES");
}

/// FieldMDP: a signature locks the text field "Name" (by the field's `/Lock`, or by a FieldMDP
/// transform in the signature's `/Reference`); then "Name" is filled.
#[test]
fn a_locked_field_changed_is_other() {
    let acroform = common::read_pdf("acroform.pdf");
    let with_lock = with_signature_field(
        &acroform,
        "Approval",
        None,
        "/Lock << /Type /SigFieldLock /Action /Include /Fields [(Name)] >>",
    );
    let locked = sign_pdf(&with_lock, &demo_key(), &fill_options()).unwrap();
    assert_verdict(
        "lock: signed",
        &locked,
        0,
        Expect::Kept(ModificationLevel::None),
    );
    let changed = fill_name(&locked, "Mallory");
    let covered = assert_attack("locked field (/Lock)", &changed, 0, Other);
    // Our signer copies the field's /Lock into a FieldMDP reference: pyHanko sees the lock.
    pyhanko_rejects("locked field (/Lock)", &changed, 0, "OTHER");
    pyhanko_rejects(
        "locked field (/Lock) + counter-signature",
        &covered,
        0,
        "OTHER",
    );

    let locked = sign_by_hand(
        &acroform,
        &HandSignature {
            field: "Approval",
            signature_entries: "/Reference [<< /Type /SigRef /TransformMethod /FieldMDP \
                /TransformParams << /Type /TransformParams /Action /Include /Fields [(Name)] \
                /V /1.2 >> >>]",
            ..HandSignature::default()
        },
    );
    assert_verdict(
        "FieldMDP: signed",
        &locked,
        0,
        Expect::Kept(ModificationLevel::None),
    );
    let changed = fill_name(&locked, "Mallory");
    let covered = assert_attack("locked field (FieldMDP)", &changed, 0, Other);
    pyhanko_rejects("locked field (FieldMDP)", &changed, 0, "OTHER");
    pyhanko_rejects(
        "locked field (FieldMDP) + counter-signature",
        &covered,
        0,
        "OTHER",
    );
}

/// A second signature on a document certified P1: our signer refuses, a hand-made one is
/// appended anyway; the certification no longer holds.
#[test]
fn a_signature_after_a_p1_certification_invalidates_it() {
    let p1 = common::read_pdf("certified-p1.pdf");
    assert!(matches!(
        sign_pdf(&p1, &demo_key(), &SignOptions::default()),
        Err(countersign::Error::CertifiedNoChanges)
    ));
    let report = assert_verdict("P1", &p1, 0, Expect::Kept(ModificationLevel::None));
    assert_eq!(report.signatures[0].certification, Some(1));
    let second = sign_by_hand(
        &p1,
        &HandSignature {
            field: "Second",
            ..HandSignature::default()
        },
    );
    let report = assert_verdict(
        "signature after P1",
        &second,
        0,
        Expect::Refused(FormFilling),
    );
    assert!(report.signatures[1].is_valid(), "{report:#?}");
    pyhanko_rejects("signature after P1", &second, 0, "FORM_FILLING");
}

/// Our signer's own certification (`SignOptions::certify`) and lock (`SignOptions::lock`):
/// the same verdicts as the hand-made ones.
#[test]
fn our_certification_and_lock_options_bound_later_revisions() {
    let mut options = SignOptions::default();
    options.certify = Some(DocMdpPermission::FormFillingSigningAndAnnotations);
    let p3 = sign_pdf(&common::read_pdf("classic.pdf"), &demo_key(), &options).unwrap();
    let report = assert_verdict("our P3", &p3, 0, Expect::Kept(ModificationLevel::None));
    assert_eq!(report.signatures[0].certification, Some(3));
    if let Some(verdict) = pyhanko_verdict("our P3", &p3, 0) {
        assert_eq!(verdict.docmdp_permissions.as_deref(), Some("ANNOTATE"));
        assert!(verdict.bottom_line, "{verdict:#?}");
    }
    let noted = with_annotation(&p3, "Text", false);
    assert_verdict(
        "our P3 + text annotation",
        &noted,
        0,
        Expect::Kept(Annotations),
    );
    pyhanko_other_for_annotations("our P3 + text annotation", &noted);
    let countersigned = sign(&p3);
    assert_verdict(
        "our P3 + counter-signature",
        &countersigned,
        0,
        Expect::Kept(FormFilling),
    );
    pyhanko_accepts(
        "our P3 + counter-signature",
        &countersigned,
        0,
        "FORM_FILLING",
    );
    // A harmless kind drawn over the page is an evil annotation too.
    let drawn = with_annotation(&p3, "Text", true);
    assert_attack("our P3 + Text drawn over the page", &drawn, 0, Other);
    let evil = with_annotation(&p3, "FreeText", true);
    let covered = assert_attack("our P3 + EAA FreeText", &evil, 0, Other);
    pyhanko_rejects("our P3 + EAA FreeText", &evil, 0, "OTHER");
    pyhanko_rejects(
        "our P3 + EAA FreeText + counter-signature",
        &covered,
        0,
        "OTHER",
    );

    let mut options = SignOptions::default();
    options.lock = Some(FieldLock::Include(vec!["Name".into()]));
    let locked = sign_pdf(&common::read_pdf("acroform.pdf"), &demo_key(), &options).unwrap();
    assert_verdict(
        "our lock",
        &locked,
        0,
        Expect::Kept(ModificationLevel::None),
    );
    let changed = fill_name(&locked, "Mallory");
    let covered = assert_attack("our lock", &changed, 0, Other);
    pyhanko_rejects("our lock", &changed, 0, "OTHER");
    pyhanko_rejects("our lock + counter-signature", &covered, 0, "OTHER");
}

// ---------------------------------------------------------------------------------------------
// The CLI
// ---------------------------------------------------------------------------------------------

#[test]
fn the_cli_reports_a_counter_signed_content_swap_as_other() {
    let signed = signed("classic.pdf");
    let mut update = Update::new(&signed);
    update.raw(page_content(&signed), &stream("", FORGED));
    let covered = sign(&update.finish());
    let dir = TempDir::new("revisions-cli");
    let path = dir.write("swapped.pdf", &covered);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_countersign"))
        .arg("verify")
        .arg(&path)
        .arg("--trust")
        .arg(common::root_ca_pem())
        .arg("--json")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains(r#""level": "other""#), "{stdout}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["all_valid"], false, "{json:#}");
    let signatures = json["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 2, "{json:#}");
    let first = &signatures[0]["modifications"];
    assert_eq!(first["level"], "other", "{json:#}");
    assert_eq!(first["permitted"], false, "{json:#}");
    assert_eq!(signatures[1]["modifications"]["level"], "none", "{json:#}");
}

// ---------------------------------------------------------------------------------------------
// Signatures a later revision hides (issue 19: a changed /Root, an xref-only update)
// ---------------------------------------------------------------------------------------------

/// How a later revision takes the signature out of the document's form.
#[derive(Clone, Copy, Debug)]
enum Hiding {
    /// A shadow catalog without the form is appended, then an update that is only an xref and
    /// a trailer makes it the `/Root`.
    RootSwap,
    /// The catalog keeps its number and is redefined without `/AcroForm`.
    CatalogWithoutForm,
    /// The form's `/Fields` loses the signature field.
    FieldRemoved,
    /// An update whose `/Prev` skips the signed section, back to the unsigned original, with
    /// page 1's content forged: the chain never reaches the signed revision.
    PrevSkipsSigned,
}

fn hide_signature(signed: &[u8], hiding: Hiding) -> Vec<u8> {
    let mut update = Update::new(signed);
    match hiding {
        Hiding::RootSwap => {
            let shadow = update.fresh();
            let mut catalog = update.doc.catalog().unwrap().1;
            catalog.remove(b"AcroForm");
            update.object(shadow, &Object::Dict(catalog));
            let with_shadow = update.finish();
            // The shadow alone changes nothing a reader shows: nothing refers to it.
            assert_verdict(
                "root swap: shadow catalog appended",
                &with_shadow,
                0,
                Expect::Kept(ModificationLevel::None),
            );
            table_update(&with_shadow, &[], &[], Some(shadow))
        }
        Hiding::CatalogWithoutForm => {
            update.catalog().remove(b"AcroForm");
            update.finish()
        }
        Hiding::FieldRemoved => {
            let form = update.catalog().get(b"AcroForm").cloned().unwrap();
            let mut form = update
                .doc
                .resolve(&form)
                .unwrap()
                .as_dict()
                .unwrap()
                .clone();
            form.set("Fields", Object::Array(Vec::new()));
            update.catalog().set("AcroForm", Object::Dict(form));
            update.finish()
        }
        Hiding::PrevSkipsSigned => {
            let unsigned = update.doc.revision(1).unwrap().startxref();
            let content = page_content(signed);
            let forged = vec![(content.num, stream("", FORGED))];
            table_update_after(signed, &forged, &[], None, unsigned)
        }
    }
}

/// The signature a later revision hid is still reported: intact and cryptographically valid,
/// but not valid, at level `other`, saying it is no longer reachable.
fn assert_hidden_reported(name: &str, report: &VerifyReport) {
    let hidden: Vec<_> = report
        .signatures
        .iter()
        .filter(|s| s.problems.contains(&countersign::Problem::SignatureHidden))
        .collect();
    assert_eq!(hidden.len(), 1, "{name}: {report:#?}");
    let signature = hidden[0];
    eprintln!(
        "{name}: ours: hidden {} {} ({})",
        signature.field_name,
        signature.modifications.level,
        signature.modifications.reason.as_deref().unwrap_or("-")
    );
    assert_eq!(signature.field_name, "Signature1", "{name}");
    assert!(
        signature.is_signature_valid() && signature.is_trusted(),
        "{name}: {signature:#?}"
    );
    assert_eq!(signature.modifications.level, Other, "{name}");
    assert!(!signature.modifications.permitted, "{name}");
    assert!(signature.modifications.reason.is_some(), "{name}");
    assert!(
        !signature.covers_whole_file && !signature.is_valid(),
        "{name}"
    );
    assert!(
        signature
            .problems
            .iter()
            .any(|p| p.to_string().contains("no longer reachable")),
        "{name}: {:?}",
        signature.problems
    );
    assert!(!report.all_valid(), "{name}");
    assert!(!report.all_valid_ignoring_trust(), "{name}");
}

#[test]
fn a_signature_hidden_by_a_later_revision_is_reported_and_not_valid() {
    for file in ["classic.pdf", "xref-stream.pdf"] {
        for hiding in [
            Hiding::RootSwap,
            Hiding::CatalogWithoutForm,
            Hiding::FieldRemoved,
            Hiding::PrevSkipsSigned,
        ] {
            let name = format!("{file} {hiding:?}");
            let hidden = hide_signature(&signed(file), hiding);
            assert_hidden_reported(&name, &verify(&hidden));
            // The attack as measured: counter-signed over the whole file, the new signature
            // valid and the only one the new form shows.
            let covered = sign(&hidden);
            let report = verify(&covered);
            assert_eq!(report.signatures.len(), 2, "{name}: {report:#?}");
            let newest = report.newest().unwrap();
            assert!(
                newest.covers_whole_file && newest.is_valid(),
                "{name}: {newest:#?}"
            );
            assert_hidden_reported(&format!("{name} + counter-signature"), &report);
            if matches!(hiding, Hiding::RootSwap) {
                let reason = report.signatures[1].modifications.reason.clone().unwrap();
                assert!(reason.contains("/Root changed"), "{name}: {reason}");
            }
            // Counter-signing with the tamper check refuses, naming the hidden signature.
            let mut options = SignOptions::default();
            options.require_intact_signatures = true;
            match sign_pdf(&hidden, &demo_key(), &options) {
                Err(countersign::Error::ExistingSignatureInvalid { field, problem }) => {
                    assert_eq!(field, "Signature1", "{name}");
                    assert_eq!(*problem, countersign::Problem::SignatureHidden, "{name}");
                }
                other => panic!(
                    "{name}: expected a refusal, got {:?}",
                    other.map(|v| v.len())
                ),
            }
        }
    }
}

/// A file whose sections are cut out of the chain by updates that each point `/Prev` back
/// at the signed revision: `unreached` of them stay outside the chain.
fn with_unreached_sections(signed: &[u8], unreached: usize) -> Vec<u8> {
    let doc = Document::parse(signed).unwrap();
    let mut out = signed.to_vec();
    for _ in 0..=unreached {
        let at = out.len();
        write!(
            out,
            "xref\n0 0\ntrailer\n<< /Size {}{} /Prev {} >>\nstartxref\n{at}\n%%EOF\n",
            doc.size(),
            trailer_entries(&doc, None),
            doc.startxref()
        )
        .unwrap();
    }
    out
}

/// Each revision the chain skips is read for signatures; a file with more than the bound (16)
/// is refused, not read partly, so no signature hides behind the bound.
#[test]
fn revisions_outside_the_chain_are_bounded() {
    let signed = signed("classic.pdf");
    let within = verify(&with_unreached_sections(&signed, 16));
    assert_eq!(within.signatures.len(), 1, "{within:#?}");
    assert!(within.all_valid(), "{within:#?}");
    match verify_pdf(&with_unreached_sections(&signed, 17), &verify_options()) {
        Err(countersign::Error::LimitExceeded {
            limit, location, ..
        }) => {
            assert_eq!(limit, 16);
            assert!(location.contains("17 unreached revisions"), "{location}");
        }
        other => panic!(
            "expected LimitExceeded, got {:?}",
            other.map(|r| r.signatures.len())
        ),
    }
}

/// Every object of `pdf`'s `revision` (0: the newest, 1: the one before...), page 1's content
/// replaced by `content`, appended with one complete table whose offsets count from byte
/// `base` and no `/Prev`: a revision that stands alone, so the chain ends there.
fn complete_rewrite(pdf: &[u8], revision: usize, base: usize, content: Option<&str>) -> Vec<u8> {
    let doc = Document::parse(pdf).unwrap().revision(revision).unwrap();
    let page_content = first_page(&doc).1.get(b"Contents").and_then(Object::as_ref);
    let mut out = pdf.to_vec();
    let mut rows = String::new();
    for num in 1..doc.size() {
        let id = ObjRef::new(num, 0);
        let object = doc.get(id).unwrap();
        if object == Object::Null {
            rows.push_str("0000000000 65535 f\r\n");
            continue;
        }
        rows.push_str(&format!("{:010} 00000 n\r\n", out.len() - base));
        writeln!(out, "{num} 0 obj").unwrap();
        match (Some(id) == page_content, content) {
            (true, Some(content)) => out.extend_from_slice(stream("", content).as_bytes()),
            _ => write_object(&mut out, &object),
        }
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref_at = out.len() - base;
    write!(
        out,
        "xref\n0 {}\n0000000000 65535 f\r\n{rows}trailer\n<< /Size {}{} >>\nstartxref\n{xref_at}\n%%EOF\n",
        doc.size(),
        doc.size(),
        trailer_entries(&doc, None),
    )
    .unwrap();
    out
}

/// A signed revision whose offsets count from another base than the file's chain (bytes before
/// `%PDF-`; one revision counting from byte 0, the other from the header) is still found when
/// the chain skips it (red team: the scan tried only the chain's own base).
#[test]
fn a_skipped_revision_written_under_the_other_header_base_is_found() {
    const JUNK: usize = 40;
    let prefix = format!("{}\n", "X".repeat(JUNK - 1));
    let classic = common::read_pdf("classic.pdf");
    // Offsets counted from the header: the file's own offsets, 40 bytes of junk in front.
    let from_header = [prefix.as_bytes(), &classic].concat();
    // Offsets counted from byte 0: the same objects rewritten after the junk.
    let from_zero = complete_rewrite(&from_header, 0, 0, None);
    for (name, original, forger_base) in [
        (
            "Alice counts from the header, Mallory from byte 0",
            from_header,
            0,
        ),
        (
            "Alice counts from byte 0, Mallory from the header",
            from_zero,
            JUNK,
        ),
    ] {
        let alice = sign(&original);
        assert!(verify(&alice).all_valid(), "{name}: Alice's file");
        // Mallory rewrites the unsigned original: his chain never reaches Alice's revision.
        let forged = complete_rewrite(&alice, 1, forger_base, Some(FORGED));
        let mallory = sign(&forged);
        let report = verify(&mallory);
        assert_eq!(report.signatures.len(), 2, "{name}: {report:#?}");
        assert_hidden_reported(name, &report);
    }
}

/// An end-of-line after the signed revision is no change; more whitespace is `other`: it can
/// push the signed `startxref` out of the window MuPDF searches, and MuPDF then repairs the
/// file and may show an unused object the signed revision holds (red team).
#[test]
fn whitespace_after_the_signed_revision_is_bounded() {
    let signed = signed("classic.pdf");
    let report = verify(&[&signed[..], b"\r\n"].concat());
    assert!(report.all_valid(), "{report:#?}");
    assert_eq!(
        report.signatures[0].modifications.level,
        ModificationLevel::None
    );
    let padded = [&signed[..], &[b'\n'; 2000][..]].concat();
    let report = verify(&padded);
    let signature = &report.signatures[0];
    assert_eq!(signature.modifications.level, Other, "{signature:#?}");
    assert!(!signature.modifications.permitted && !report.all_valid());
    let reason = signature
        .modifications
        .reason
        .as_deref()
        .unwrap_or_default();
    assert!(reason.contains("2000 bytes of whitespace"), "{reason}");
}

/// How an update after signing makes MuPDF rebuild the cross-reference table by scanning.
#[derive(Clone, Copy, Debug)]
enum ForcedRepair {
    /// None: the unused object stream alone.
    NoRepair,
    /// The appended trailer's `/Size` is a reference.
    SizeReference,
    /// A comment between `startxref` and its offset.
    StartxrefComment,
    /// 2000 newlines after the last `%%EOF`.
    Padding,
}

/// An update after signing that adds only objects nothing refers to: an object stream holding
/// a copy of page 1 whose content says FORGED, and that content. A reader that follows the
/// table sees no change; MuPDF, made to rebuild the table by scanning, reads every object
/// stream it finds and shows the copy (red team, round 2).
fn unused_object_stream_update(signed: &[u8], repair: ForcedRepair) -> Vec<u8> {
    let doc = Document::parse(signed).unwrap();
    let (page_ref, mut page) = first_page(&doc);
    let content = doc.size();
    let objstm = content + 1;
    page.set("Contents", Object::Ref(ObjRef::new(content, 0)));
    let mut page_text = Vec::new();
    write_object(&mut page_text, &Object::Dict(page));
    let header = format!("{} 0 ", page_ref.num);
    let body = [header.as_bytes(), &page_text].concat();
    let objstm_body = format!(
        "<< /Type /ObjStm /N 1 /First {} /Length {} >>\nstream\n{}\nendstream",
        header.len(),
        body.len(),
        String::from_utf8(body).unwrap()
    );
    let objects = [(content, stream("", FORGED)), (objstm, objstm_body)];
    force_repair(table_update(signed, &objects, &[], None), repair)
}

/// `file`, whose last revision was written by [`table_update`], made to end as `repair` says.
fn force_repair(mut out: Vec<u8>, repair: ForcedRepair) -> Vec<u8> {
    let text_at = |out: &[u8], needle: &[u8]| find_last(out, needle);
    match repair {
        ForcedRepair::NoRepair => {}
        ForcedRepair::SizeReference => {
            let at = text_at(&out, b"/Size ");
            let end = at
                + 6
                + out[at + 6..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
            out.splice(at..end, b"/Size 2 0 R".iter().copied());
        }
        ForcedRepair::StartxrefComment => {
            let at = text_at(&out, b"startxref\n");
            out.splice(at..at + 10, b"startxref %c\n".iter().copied());
        }
        ForcedRepair::Padding => out.extend_from_slice(&[b'\n'; 2000]),
    }
    out
}

#[test]
fn an_unused_object_stream_after_signing_is_other_however_the_file_ends() {
    let signed = signed("classic.pdf");
    for repair in [
        ForcedRepair::NoRepair,
        ForcedRepair::SizeReference,
        ForcedRepair::StartxrefComment,
        ForcedRepair::Padding,
    ] {
        let name = format!("{repair:?}");
        let forged = unused_object_stream_update(&signed, repair);
        let report = verify(&forged);
        let signature = &report.signatures[0];
        assert_eq!(
            signature.modifications.level, Other,
            "{name}: {signature:#?}"
        );
        assert!(!report.all_valid(), "{name}");
        eprintln!(
            "{name}: {}",
            signature.modifications.reason.as_deref().unwrap_or("-")
        );
    }
}

/// An update after signing that MuPDF cannot read as written (it rebuilds the table by
/// scanning) is `other` even when it changes nothing: the reader's view is not the one compared.
#[test]
fn an_update_readers_must_repair_is_other() {
    let signed = signed("classic.pdf");
    let empty_update = table_update(&signed, &[], &[], None);
    let report = verify(&force_repair(empty_update.clone(), ForcedRepair::NoRepair));
    assert_eq!(
        report.signatures[0].modifications.level,
        ModificationLevel::None
    );
    for (repair, expected) in [
        (ForcedRepair::SizeReference, "no non-negative integer /Size"),
        (
            ForcedRepair::StartxrefComment,
            "startxref is not followed by white space and an offset",
        ),
        (ForcedRepair::Padding, "2001 bytes follow the last %%EOF"),
    ] {
        let report = verify(&force_repair(empty_update.clone(), repair));
        let modifications = &report.signatures[0].modifications;
        assert_eq!(modifications.level, Other, "{repair:?}: {modifications:#?}");
        let reason = modifications.reason.as_deref().unwrap_or_default();
        assert!(reason.contains(expected), "{repair:?}: {reason}");
    }
}

/// pyHanko (and pdfsig) find signatures through the newest catalog only: on the counter-signed
/// root swap they see one valid signature. Ours reports both; this pins their verdict so that
/// the note in the docs stays true.
#[test]
fn pyhanko_sees_only_the_counter_signature_after_a_root_swap() {
    let covered = sign(&hide_signature(&signed("classic.pdf"), Hiding::RootSwap));
    let Some(signatures) = pyhanko("root swap + counter-signature", &covered) else {
        return;
    };
    assert_eq!(signatures.len(), 1, "{signatures:#?}");
    assert!(signatures[0].bottom_line, "{signatures:#?}");
}

#[test]
fn a_chain_of_three_counter_signatures_stays_valid() {
    for file in ["classic.pdf", "xref-stream.pdf"] {
        let thrice = sign(&sign(&signed(file)));
        let report = verify(&thrice);
        assert_eq!(report.signatures.len(), 3, "{file}: {report:#?}");
        assert!(report.all_valid(), "{file}: {report:#?}");
        for signature in &report.signatures[..2] {
            assert_eq!(signature.modifications.level, FormFilling, "{file}");
            assert!(signature.problems.is_empty(), "{file}: {signature:#?}");
        }
    }
}

#[test]
fn the_cli_refuses_a_counter_signed_root_swap() {
    let covered = sign(&hide_signature(&signed("classic.pdf"), Hiding::RootSwap));
    let dir = TempDir::new("revisions-cli");
    let path = dir.write("root-swap.pdf", &covered);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_countersign"))
        .arg("verify")
        .arg(&path)
        .arg("--trust")
        .arg(common::root_ca_pem())
        .arg("--json")
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{json:#}");
    assert_eq!(json["all_valid"], false, "{json:#}");
    let signatures = json["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 2, "{json:#}");
    assert_eq!(signatures[1]["modifications"]["level"], "other", "{json:#}");
    assert!(
        signatures[1].to_string().contains("no longer reachable"),
        "{json:#}"
    );
}
