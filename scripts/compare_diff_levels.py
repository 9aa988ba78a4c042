#!/usr/bin/env python3
"""Our modification level against pyHanko's, signature by signature (issue 19, "Proof").

For every corpus file that carries a signature (MANIFEST.tsv `pdfsig_signatures` > 0; encrypted
files are skipped and listed) and every signed file of testdata/pdf, each as it is, counter-signed
once by `countersign sign` and counter-signed once by pyHanko's signer, this compares for each
signature but the new one:

  - pyHanko's difference analysis (EmbeddedPdfSignature.compute_integrity_info with
    DEFAULT_DIFF_POLICY, the call validate_pdf_signature makes; no trust is involved):
    modification level and docmdp_ok;
  - `countersign verify FILE --json --integrity-only`: modifications.level and .permitted.

Writes:
  - a TSV of every compared signature (--tsv, default target/diff-levels/levels.tsv);
  - tests/corpus_diff_levels.tsv: our level per corpus signature, the expectation that
    tests/corpus_diff.rs asserts (--expectations);
  - the "Modification analysis vs pyHanko" section of docs/COMPATIBILITY.md, also kept in
    tests/corpus_modification_levels.md, which tests/corpus.rs appends when it rewrites that
    document.

Every disagreement needs an explanation in EXPLANATIONS below (the script says which lack one).

usage: .venv/bin/python scripts/compare_diff_levels.py [--bin target/release/countersign]
       [--corpus ../shared/corpus]
"""

import argparse
import collections
import importlib.metadata
import json
import logging
import re
import subprocess
import sys
import warnings
from pathlib import Path

# pyHanko logs a traceback for every suspicious update it finds; the verdict is all we need.
logging.disable(logging.CRITICAL)
warnings.filterwarnings("ignore")

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import SigSeedSubFilter, enumerate_sig_fields
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

PYHANKO_VERSION = importlib.metadata.version("pyhanko")
REPO = Path(__file__).resolve().parent.parent
PKI = REPO / "testdata" / "pki"
SECTION = "## Modification analysis vs pyHanko"

# Our words for pyHanko's levels (same order, same meaning).
OURS_FOR = {
    "NONE": "none",
    "LTA_UPDATES": "ltv-updates",
    "FORM_FILLING": "form-filling",
    "ANNOTATIONS": "annotations",
    "OTHER": "other",
}


class Explanation:
    """Why the tools disagree on the rows it matches, and who is right. `match` takes a row
    (see `row`); the first class that matches a disagreement or error explains it."""

    def __init__(self, key, title, right, text, match):
        self.key, self.title, self.right, self.text, self.match = key, title, right, text, match
        # X… classes explain rows where a tool could not read the signature; the others
        # explain disagreements.
        self.verdict = "error" if key.startswith("X") else "disagree"


def _has(column, text):
    return lambda r: text in r[column]


def _all(*tests):
    return lambda r: all(test(r) for test in tests)


EXPLANATIONS = [
    Explanation(
        "G", "Catalog /Version raised by a later signer",
        "pyHanko. **Our analysis is too strict** (reported to the lead)",
        "pyHanko's signer adds `/Version /1.7` and `/Extensions << /ESIC ... >>` to the catalog of a "
        "file whose header is older than PDF 1.7 (for example 14 0 R of "
        "`signed-pkcs7--node-signpdf--signed-once.pdf`, header `%PDF-1.4`). ISO 32000-1 §7.5.2 "
        "lets an incremental update raise the version through the catalog's `/Version`; it "
        "does not change what a page shows. pyHanko exempts `/Version` (and `/MarkInfo`) from "
        "its catalog comparison; our catalog rule (`rules.rs`, `catalog`) has no case for "
        "`/Version`, so every earlier signature becomes other, i.e. invalid, once pyHanko (or "
        "any signer that raises the version for the PAdES extension) counter-signs a file older "
        "than PDF 1.7. Allowing `Version` beside `DSS`/`Extensions` fixes these rows (measured "
        "with a local patch).",
        _has("ours_detail", "catalog's /Version changed")),
    Explanation(
        "H", "A change after a field lock with /P 1",
        "pyHanko. **Our analysis lets the change through** (reported to the lead)",
        "`certified-p3--dss--annotation-and-visible-change.pdf`, counter-signed by pyHanko (which, "
        "unlike our signer, does not refuse): ES_LOCKING_SIGNATURE's field 431 0 R has `/Lock` "
        "434 0 R = `<< /Action /All /P 1 /Type /SigFieldLock >>`. ISO 32000-2 Table 236: `/P 1` "
        "means no change to the document is permitted after that signature. pyHanko: other. "
        "We report form-filling and **permitted**: `Permissions::bound` "
        "(`src/verify/diff/mod.rs`) looks only at the certification's DocMDP `/P`, never at "
        "`FieldLock::permission`, and the lock's `/All` is only checked against fields of the "
        "signed revision that change, not against new ones. Bounding by the smallest `/P` of "
        "the signature's locks as well makes it not permitted (measured with a local patch).",
        _all(_has("case", "pyHanko"), _has("file", "annotation-and-visible-change"),
             lambda r: r["field"] == "ES_LOCKING_SIGNATURE")),
    Explanation(
        "M", "Metadata stream also named by an orphaned old catalog",
        "pyHanko. **Our analysis is too strict** (reported to the lead)",
        "`signed-cades--dss--Signature-P-HU_MIC-1.pdf` counter-signed by pyHanko: pyHanko's "
        "signer updates the XMP stream 13 0 R, which the catalog 39 0 R names as `/Metadata`. "
        "The file still defines its first catalog 1 0 R (`<< /Metadata 13 0 R /Pages 3 0 R /Type "
        "/Catalog >>`), which nothing reaches since the root moved to 39 0 R. The referrer check "
        "(`rules.rs`, `changed`: metadata is allowed only when every referrer is the root's "
        "`/Metadata`) counts that orphan as a second role and calls the update other. Any "
        "dictionary or stream may name a metadata stream under `/Metadata` (ISO 32000-1 "
        "§14.3.2) and the value is metadata wherever it is named; accepting referrers whose key "
        "path is `/Metadata`, from any object, keeps the shadow-document defence (a `/Contents` "
        "or `/Resources` referrer still counts) and fixes this row.",
        _all(_has("file", "HU_MIC-1"), _has("ours_detail", "(/Metadata) changed"))),
    Explanation(
        "J", "Page resources moved to an identical dictionary",
        "Ours (pyHanko compares the reference, we compare what it points to)",
        "`signed-cades--dss--Signature-P-DE_SCI-4.pdf`: after Signatur_1459435797602, page 1 0 R "
        "points its `/Resources` at a new object 51 0 R instead of 35 0 R; both read `<< /Font "
        "16 0 R /ProcSet [/PDF /Text] >>`. pyHanko flags the changed reference (other); ours "
        "compares the resources a reader resolves, which gain nothing and lose nothing, so only "
        "the added signature field counts: form-filling. The page renders the same.",
        _all(_has("file", "DE_SCI-4"), _has("pyhanko_detail", "/Resources differ"))),
    Explanation(
        "K", "iText's /ITXT stamp on the page-tree root",
        "Ours (the signature itself is refused: SHA-1, encapsulated content)",
        "`signed-other--dss--pkcs7_sha1.pdf`: the update after Signature1 rewrites the page-tree "
        "root 55 0 R only to add iText's producer stamp `/ITXT (5.0.0)` (`/Count 28` and `/Kids` "
        "unchanged), next to the new field and widget. pyHanko cannot explain the rewritten "
        "object (\"unexplained xrefs … 55\"): other. `/ITXT` is a private key that no reader "
        "interprets; our analysis accepts exactly that stamp on a page-tree node, so the "
        "update is form-filling. Signature1 is invalid for us anyway (SHA-1, and its "
        "SignedData encapsulates content).",
        _all(_has("file", "pkcs7_sha1"), _has("pyhanko_detail", "idnum=55"))),
    Explanation(
        "L", "Appearance characteristics of a new zero-size signature field",
        "Both reject the certification; the level differs",
        "`certified-p3--dss--annotation-and-visible-change.pdf`: after ES_CERTIFYING_SIGNATURE "
        "(DocMDP P=3) the document gains the field ES_LOCKING_SIGNATURE 431 0 R (`/Rect [0 0 0 "
        "0]`) with `/MK` 432 0 R = `<< /R 0 >>`, and the certifying field 426 0 R gets `/Ff 1` "
        "(read-only) as signers lock what they sign. pyHanko's rule for new signature fields "
        "follows `/AP`, `/Lock` and `/SV` but not `/MK`, so 432 0 R stays unexplained: other. "
        "Ours counts both as form filling, allowed under P=3. We still reject the signature: "
        "\"Digital Signature 1\" signed an earlier revision, and a certification signature must "
        "be the document's first (ISO 32000-1 §12.8.2.2.1).",
        _all(_has("file", "annotation-and-visible-change"),
             lambda r: r["field"] == "ES_CERTIFYING_SIGNATURE")),
    Explanation(
        "A", "Validation data (VRI) rewritten by a later LTV update",
        "Ours (a policy difference: pyHanko is stricter than PAdES)",
        "The later revisions (esig/dss adding LT/LTA data) write a new `/DSS` dictionary. In "
        "`signed-multi--dss--25sigs.pdf` and `signed-ltv--dss--PAdES-LT.pdf` an existing `/VRI` "
        "entry gains certificates and OCSP responses (25sigs: DSS 158 0 R becomes 183 0 R, VRI "
        "entry `/038A5F1A…` of 159 0 R lists 6 certificates and 2 responses, in 184 0 R 9 and 5; "
        "PAdES-LT: VRI 51 0 R becomes 73 0 R, entry `/B01357EC…` grows from 5 to 8 "
        "certificates). In `signed-multi--dss--Signature-P-FR_CS-5.pdf` the DSS 30 0 R (VRI "
        "entries `/0699019A…`, `/9D87BB56…`) is replaced by 60 0 R whose VRI has one new entry. "
        "pyHanko's DSS rule treats VRI entries as append-only and calls any change other. Only "
        "certificates, CRLs and OCSP responses change: nothing a reader renders. ETSI EN 319 "
        "142-1 and ISO 32000-2 §12.8.4.3 let later incremental updates add to and update the "
        "DSS; it is long-term-validation data, and ours says ltv-updates (form-filling where a "
        "later signature was added too).",
        _has("pyhanko_detail", "VRI key")),
    Explanation(
        "B", "Document time-stamp field with an appearance stream",
        "Ours (both permit the change)",
        "`signed-multi--dss--Signature-P-FR_CS-5.pdf`: after PRF_1, two document time-stamps "
        "(`/Type /DocTimeStamp`, `ETSI.RFC3161`) arrive in new fields 55 0 R and 74 0 R whose "
        "widgets have `/Rect [0 0 0 0]` but carry an `/AP /N` stream, plus a DSS. pyHanko rates "
        "every appearance stream of a new signature field form filling, even on a zero-area "
        "widget; ours rates a document time-stamp as long-term-validation data (ISO 32000-2 "
        "§12.8.5) and looks at whether the widget can draw (in a certified document a new "
        "widget that draws is other). A zero-area widget draws nothing: ltv-updates.",
        _all(_has("file", "FR_CS-5"), lambda r: r["ours"] == "ltv-updates"
             and r["pyhanko"] == "FORM_FILLING")),
    Explanation(
        "C", "Signature that does not cover a whole revision",
        "Both reject the signature; pyHanko's level is the better label",
        "The `/ByteRange` fails our checks (its gap is not exactly the `/Contents` hex string, "
        "or it runs past the end of the file), so the signature is reported not intact and "
        "invalid. pyHanko reaches the same point (\"Nonstandard signature coverage level\") "
        "and calls the modification level other. Our analysis does not run for such a "
        "signature and its report keeps the default level none with `permitted: true` "
        "(`src/verify/mod.rs`, `verify_pdf`: `if report.byte_range_ok`); the verdict is right "
        "but that label misleads a reader of `--json` (suggested to the lead: other, not "
        "permitted, reason \"the signature does not cover a revision\").",
        _all(_has("pyhanko_detail", "Nonstandard signature coverage"),
             _has("ours_detail", "not intact"))),
    Explanation(
        "I", "pyHanko re-validates the document's own XMP",
        "Ours",
        "`signed-pkcs7--pdfjs--bug854315.pdf`: the document's XMP metadata is not well-formed "
        "(undefined namespace prefix `xmp`), and pyHanko's metadata rule validates the existing "
        "`/Metadata` on every update it reviews, changed or not. Our counter-signature does not "
        "touch `/Metadata` (tests/corpus.rs lists the same pyHanko quirk).",
        _has("pyhanko_detail", "/Metadata XML syntax")),
    Explanation(
        "X1", "Placeholder signatures (pyHanko cannot read them)",
        "Neither verifies them; ours is right about Signature1",
        "`acroform--dss--pdf-with-two-empty-sigs.pdf` holds two signature dictionaries whose "
        "`/Contents` are zero-filled placeholders: no CMS, so pyHanko cannot build the "
        "signature and both tools call them not intact. Ours still reads the revisions: after "
        "Signature1 the producer adds the field Signature2 (45 0 R, form-filling); Signature2 "
        "covers the file (none); a counter-signature by pyHanko raises the catalog `/Version` "
        "(class G).",
        _all(_has("file", "pdf-with-two-empty-sigs"), _has("pyhanko_detail", "ContentInfo"))),
    Explanation(
        "X2", "adbe.x509.rsa_sha1 (pyHanko does not read it)",
        "Ours (one revision: none)",
        "`certified-p1--endesive--pdf-adobe-webcapture-x509.rsa_sha1.pdf`: `/Contents` is a "
        "PKCS#1 signature in an OCTET STRING, not CMS; pyHanko supports no such SubFilter. We "
        "list it (not intact: we do not verify that format either) with level none: nothing "
        "follows its revision.",
        _has("file", "x509.rsa_sha1")),
    Explanation(
        "X3", "File neither tool reads",
        "Both refuse it",
        "`damaged-other--dss--pdf-signed-corrupted.pdf`: its `startxref` points into the "
        "middle of an object; both tools refuse the file (we: DamagedXref).",
        _has("file", "pdf-signed-corrupted")),
    Explanation(
        "X4", "Last cross-reference section without /Prev",
        "Ours (see the pdfsig table above)",
        "`signed-multi--dss--pades-5-signatures-and-1-document-timestamp.pdf`: the newest "
        "section lists 6 objects and has no `/Prev`; pyHanko fails with OSError (a seek before "
        "the start of the file). Signature6 covers the file: none. (The other five are found "
        "in the revisions the chain no longer reaches and reported hidden, see \"Existing "
        "signatures\" above.)",
        _has("file", "pades-5-signatures")),
    Explanation(
        "X5", "pyHanko cannot analyse a counter-signature that skips an undefined number",
        "Ours (ISO 32000-1 §7.3.10)",
        "`certified-p3--dss--certified-changes-permitted.pdf` and "
        "`signed-cades--dss--pades-bes.pdf` end with a trailer `/AdditionalStreams [... N 0 R]` "
        "where N is their `/Size`, an object nobody defines. Both signers (pyHanko's and ours) "
        "leave N undefined: a new object at N would give the earlier revision's reference a "
        "meaning it never had (the dangling-reference pattern). A reference to an undefined "
        "object is the null object (§7.3.10), but pyHanko's difference analysis looks N up and "
        "raises KeyError (56, 45) on any later revision. Ours reads the update; its level is "
        "that of class G (the catalog `/Version`) for pyHanko's update, form filling for ours.",
        _all(_has("case", "countersigned"), _has("pyhanko_detail", "KeyError")))
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=str(REPO / "target" / "release" / "countersign"))
    parser.add_argument("--corpus", default=str(REPO.parent / "shared" / "corpus"))
    parser.add_argument("--work", default=str(REPO / "target" / "diff-levels"))
    parser.add_argument("--tsv", default=None)
    parser.add_argument("--expectations", default=str(REPO / "tests" / "corpus_diff_levels.tsv"))
    parser.add_argument("--compatibility", default=str(REPO / "docs" / "COMPATIBILITY.md"))
    parser.add_argument("--section", default=str(REPO / "tests" / "corpus_modification_levels.md"))
    parser.add_argument("--filter", default="", help="only files whose name contains this")
    args = parser.parse_args()
    work = Path(args.work)
    (work / "countersigned").mkdir(parents=True, exist_ok=True)
    (work / "pyHanko-countersigned").mkdir(parents=True, exist_ok=True)
    corpus = Path(args.corpus)

    selected, skipped = select_corpus_files(corpus)
    rows, refusals = [], []
    for name in selected:
        if args.filter in name:
            three_versions("corpus", name, corpus / name, work, args.bin, rows, refusals)
    for path in sorted((REPO / "testdata" / "pdf").glob("*.pdf")):
        if args.filter in path.name and has_signature(path):
            three_versions("testdata", path.name, path, work, args.bin, rows, refusals)

    tsv = Path(args.tsv) if args.tsv else work / "levels.tsv"
    write_tsv(tsv, rows)
    if not args.filter:
        write_expectations(Path(args.expectations), rows)
        section = markdown(rows, skipped, refusals)
        Path(args.section).write_text(section)
        splice(Path(args.compatibility), section)
    tally = collections.Counter(row["verdict"] for row in rows)
    print(f"{len(rows)} signatures: {dict(tally)}; table in {tsv}", file=sys.stderr)
    for row in rows:
        if row["verdict"] != "agree" and not row["note"]:
            print(f"unexplained: {row['case']} {row['file']} {row['field']}: pyHanko "
                  f"{row['pyhanko']} ({row['pyhanko_detail']}), ours {row['ours']} "
                  f"({row['ours_detail']})", file=sys.stderr)


def three_versions(origin, name, path, work, binary, rows, refusals):
    """Compares the file as it is, counter-signed by us and counter-signed by pyHanko."""
    prefix = "" if origin == "corpus" else origin + " "
    stored = name if origin == "corpus" else f"{origin}-{name}"
    rows.extend(compare(origin, name, path, binary))
    for signer, sign, case in (
        ("countersign", lambda out: countersign(binary, path, out), "countersigned"),
        ("pyHanko", lambda out: pyhanko_countersign(path, out), "pyHanko-countersigned"),
    ):
        signed = sign(work / case / stored)
        if isinstance(signed, str):
            refusals.append((f"{origin}, by {signer}", name, signed))
        else:
            rows.extend(compare(prefix + case, name, signed, binary, countersigned=True))


# ---------------------------------------------------------------------------------------------
# Which files
# ---------------------------------------------------------------------------------------------

def select_corpus_files(corpus):
    """(names to compare, [(name, why skipped)]) from MANIFEST.tsv."""
    lines = (corpus / "MANIFEST.tsv").read_text().splitlines()
    header = lines[0].split("\t")
    selected, skipped = [], []
    for line in lines[1:]:
        row = dict(zip(header, line.split("\t")))
        count = re.match(r"\d+", row["pdfsig_signatures"])
        if not count or int(count.group()) == 0:
            continue
        if row["encrypted"].startswith("yes"):
            skipped.append((row["file"], f"encrypted ({row['encrypted']})"))
            continue
        selected.append(row["file"])
    return selected, skipped


def has_signature(path):
    return b"/ByteRange" in path.read_bytes()


def countersign(binary, source, target):
    """Signs `source` once with the demo key; the output path, or the refusal's message."""
    result = subprocess.run(
        [binary, "sign", str(source), "-o", str(target),
         "--cert", str(PKI / "demo.chain.pem"), "--key", str(PKI / "demo.key.pem")],
        capture_output=True, text=True)
    if result.returncode != 0:
        message = " ".join(result.stderr.split()).replace(f"{source}: ", "")
        return "refused: " + message.removeprefix("error: ")
    return target


def pyhanko_countersign(source, target):
    """Signs `source` once with pyHanko's incremental signer (a new invisible PAdES field, the
    demo key): an update written by another tool. The output path, or pyHanko's refusal."""
    signer = signers.SimpleSigner.load(
        str(PKI / "demo.key.pem"), str(PKI / "demo.cert.pem"),
        ca_chain_files=(str(PKI / "demo-ca.cert.pem"),))
    meta = signers.PdfSignatureMetadata(field_name="PyHankoSignature",
                                        subfilter=SigSeedSubFilter.PADES)
    try:
        with open(source, "rb") as handle:
            writer = IncrementalPdfFileWriter(handle, strict=False)
            with open(target, "wb") as out:
                signers.sign_pdf(writer, meta, signer=signer, output=out)
    except Exception as error:  # pyHanko's refusal is the answer
        return "pyHanko refused: " + " ".join(f"{type(error).__name__}: {error}".split())
    return target


# ---------------------------------------------------------------------------------------------
# The two tools
# ---------------------------------------------------------------------------------------------

def pyhanko_levels(path):
    """[{field, level, docmdp_ok, coverage, reason, error}] in signing order, or an error string."""
    try:
        with open(path, "rb") as handle:
            reader = PdfFileReader(handle, strict=False)
            found = []
            for name, _, field in enumerate_sig_fields(reader, filled_status=True):
                found.append(pyhanko_one(reader, field, name))
    except Exception as error:  # an unreadable file is a verdict too
        return f"{type(error).__name__}: {error}"
    found.sort(key=lambda entry: entry.pop("revision"))
    return found


def pyhanko_one(reader, field, name):
    entry = {"field": name, "level": None, "docmdp_ok": None, "coverage": None,
             "reason": None, "error": None, "revision": -1}
    try:
        embedded = EmbeddedPdfSignature(reader, field, name)
        entry["revision"] = embedded.signed_revision
        embedded.compute_integrity_info()
        status = embedded.summarise_integrity_info()
    except Exception as error:
        entry["error"] = f"{type(error).__name__}: {error}"
        return entry
    diff = status["diff_result"]
    entry["coverage"] = status["coverage"].name
    entry["docmdp_ok"] = status["docmdp_ok"]
    if diff is None:
        return entry
    level = getattr(diff, "modification_level", None)
    if isinstance(level, ModificationLevel):
        entry["level"] = level.name
    else:  # SuspiciousModification: pyHanko's docmdp_ok treats it as OTHER
        entry["level"] = "OTHER"
        entry["reason"] = " ".join(str(diff).split())
    return entry


def our_levels(binary, path):
    """[{field, level, permitted, reason, intact}] in our report's order, or an error string."""
    result = subprocess.run([binary, "verify", str(path), "--json", "--integrity-only"],
                            capture_output=True, text=True)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        return "error: " + " ".join((result.stderr or result.stdout).split())
    return [
        {
            "field": s["field"],
            "level": s["modifications"]["level"],
            "permitted": s["modifications"]["permitted"],
            "reason": s["modifications"]["reason"],
            "intact": s["intact"],
        }
        for s in report["signatures"]
    ]


# ---------------------------------------------------------------------------------------------
# Comparing
# ---------------------------------------------------------------------------------------------

def compare(case, name, path, binary, countersigned=False):
    """One row per signature either tool lists (matched by field name and occurrence)."""
    theirs = pyhanko_levels(path)
    ours = our_levels(binary, path)
    if isinstance(theirs, str) and isinstance(ours, str):
        return [row(case, name, "(file)", None, None, theirs, ours)]
    # A tool that cannot read the file is an error on each signature the other one lists.
    their_error = theirs if isinstance(theirs, str) else None
    our_error = ours if isinstance(ours, str) else None
    keys_theirs = {} if their_error else keyed(theirs)
    keys_ours = {} if our_error else keyed(ours)
    order = list(keys_ours) + [k for k in keys_theirs if k not in keys_ours]
    if countersigned and keys_ours:
        # The new signature: nothing follows it, both tools say so (checked apart).
        check_newest(case, name, keys_theirs, keys_ours)
        newest = list(keys_ours)[-1]
        order = [key for key in order if key != newest]
    return [
        row(case, name, key[0], keys_theirs.get(key), keys_ours.get(key), their_error, our_error)
        for key in order
    ]


def check_newest(case, name, theirs, ours):
    newest = list(ours)[-1] if ours else None
    if newest is None or (ours[newest]["level"] != "none"
                          or (theirs.get(newest) or {}).get("level") != "NONE"):
        print(f"warning: {case} {name}: our new signature is not untouched "
              f"(ours {ours.get(newest)}, pyHanko {theirs.get(newest)})", file=sys.stderr)


def keyed(entries):
    seen = collections.Counter()
    out = {}
    for entry in entries:
        seen[entry["field"]] += 1
        out[(entry["field"], seen[entry["field"]])] = entry
    return out


def row(case, name, field, theirs, ours, their_error, our_error):
    pyhanko, pyhanko_detail = describe_theirs(theirs, their_error)
    level, ours_detail = describe_ours(ours, our_error)
    if pyhanko.startswith("error") or level.startswith("error") or "not listed" in (pyhanko, level):
        verdict = "error"
    elif OURS_FOR.get(pyhanko) == level:
        verdict = "agree"
    else:
        verdict = "disagree"
    result = {"case": case, "file": name, "field": field, "pyhanko": pyhanko,
              "pyhanko_detail": pyhanko_detail, "ours": level, "ours_detail": ours_detail,
              "verdict": verdict, "note": ""}
    if verdict != "agree":
        found = next((e for e in EXPLANATIONS if e.verdict == verdict and e.match(result)),
                     None)
        result["note"] = found.key if found else ""
    return result


def describe_theirs(entry, error):
    if error is not None:
        return "error", error
    if entry is None:
        return "not listed", ""
    if entry["error"]:
        return "error", entry["error"]
    if entry["level"] is None:
        return "error", f"no difference analysis (coverage {entry['coverage']})"
    detail = f"docmdp_ok {entry['docmdp_ok']}"
    if entry["reason"]:
        detail += f"; {entry['reason']}"
    return entry["level"], detail


def describe_ours(entry, error):
    if error is not None:
        return "error", error
    if entry is None:
        return "not listed", ""
    detail = "permitted" if entry["permitted"] else "not permitted"
    if not entry["intact"]:
        detail += ", not intact"
    if entry["reason"]:
        detail += f"; {entry['reason']}"
    return entry["level"], detail


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------

COLUMNS = ["case", "file", "field", "pyhanko", "pyhanko_detail", "ours", "ours_detail",
           "verdict", "note"]


def clean(text):
    return str(text).replace("\t", " ").replace("\n", " ")


def write_tsv(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as out:
        out.write("\t".join(COLUMNS) + "\n")
        for r in rows:
            out.write("\t".join(clean(r[c]) for c in COLUMNS) + "\n")


def write_expectations(path, rows):
    """Our level per signature of the corpus files, as they are and counter-signed by us."""
    with open(path, "w") as out:
        out.write("# Generated by scripts/compare_diff_levels.py; checked by tests/corpus_diff.rs.\n")
        out.write("# case\tfile\tfield\tour level\tpyHanko's level\n")
        for r in rows:
            if r["case"] in ("corpus", "countersigned") and r["field"] != "(file)" \
                    and r["ours"] not in ("error", "not listed"):
                out.write(f"{r['case']}\t{r['file']}\t{clean(r['field'])}\t{r['ours']}\t{r['pyhanko']}\n")


def cell(text):
    return clean(text).replace("|", "\\|")


def markdown(rows, skipped, refusals):
    tally = collections.Counter(r["verdict"] for r in rows)
    per_case = collections.defaultdict(collections.Counter)
    for r in rows:
        per_case[r["case"]][r["verdict"]] += 1
    out = [SECTION, ""]
    out.append(
        "Generated by `scripts/compare_diff_levels.py` (edit its explanations there and re-run it; "
        "`tests/corpus.rs` copies this section from `tests/corpus_modification_levels.md`). For "
        f"every signature of every signed corpus file, pyHanko {PYHANKO_VERSION}'s difference analysis "
        "(`EmbeddedPdfSignature.compute_integrity_info` with `DEFAULT_DIFF_POLICY`, what "
        "`validate_pdf_signature` runs; integrity and differences only, no trust) against "
        "`countersign verify --json --integrity-only`, on three versions of each file: as it is; "
        "counter-signed once by `countersign sign` (every earlier signature should then read "
        "form-filling for both); counter-signed once by pyHanko's own signer (an update written "
        "by another tool); and the same for the signed files of `testdata/pdf`. The newest "
        "signature of a counter-signed file is the new one and is left out (both tools find it "
        "untouched). `tests/corpus_diff.rs` asserts our levels on the corpus files as they are "
        "and counter-signed by us against `tests/corpus_diff_levels.tsv`.")
    out.append("")
    out.append(f"**{len(rows)} signatures: {tally['agree']} agree, {tally['disagree']} disagree, "
               f"{tally['error']} errors** (one tool could not read the signature or the file).")
    out.append("")
    out.append("| case | signatures | agree | disagree | errors |")
    out.append("| --- | ---: | ---: | ---: | ---: |")
    for case, counts in per_case.items():
        out.append(f"| {case} | {sum(counts.values())} | {counts['agree']} | "
                   f"{counts['disagree']} | {counts['error']} |")
    out.append("")
    if skipped:
        out.append("Skipped: " + ", ".join(f"`{name}`" for name, _ in skipped) + ": encrypted "
                   "(our verifier does not decrypt, so field names and levels cannot be matched).")
        out.append("")
    if refusals:
        out.append("Not counter-signed: " + "; ".join(
            f"`{name}` ({who}: {cell(why)})" for who, name, why in refusals) + ".")
        out.append("")
    out.append("### Disagreements and errors explained")
    out.append("")
    out.append("Each row of the table that is not an agreement names one of these classes.")
    out.append("")
    used = collections.Counter(r["note"] for r in rows if r["verdict"] != "agree")
    for explanation in EXPLANATIONS:
        count = used.get(explanation.key, 0)
        if count:
            rows_word = "row" if count == 1 else "rows"
            out.append(f"- **{explanation.key}. {explanation.title}** ({count} {rows_word}). Right: "
                       f"{explanation.right}. {explanation.text}")
    if used.get(""):
        out.append(f"- **unexplained** ({used['']} rows): the script has no explanation for these.")
    out.append("")
    out.append("### Every signature")
    out.append("")
    out.append("| case | file | field | pyHanko | ours | agree | class |")
    out.append("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        theirs = r["pyhanko"] + (f" ({r['pyhanko_detail']})" if r["pyhanko_detail"] else "")
        ours = r["ours"] + (f" ({r['ours_detail']})" if r["ours_detail"] else "")
        agree = {"agree": "yes", "disagree": "**no**", "error": "error"}[r["verdict"]]
        note = r["note"] or ("" if r["verdict"] == "agree" else "**unexplained**")
        out.append(f"| {cell(r['case'])} | {cell(r['file'])} | {cell(r['field'])} | "
                   f"{cell(shorten(theirs))} | {cell(shorten(ours))} | {agree} | {note} |")
    out.append("")
    return "\n".join(out)


def shorten(text, limit=160):
    return text if len(text) <= limit else text[:limit - 1] + "…"


def splice(path, section):
    """Replaces (or appends) the section in docs/COMPATIBILITY.md."""
    text = path.read_text()
    start = text.find(SECTION)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + section + (text[end + 1:] if end >= 0 else "")
    path.write_text(text)


if __name__ == "__main__":
    main()
