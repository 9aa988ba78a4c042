"""Checks every PDF in testdata/pdf/: `qpdf --check` is clean and each file really has the
structure its name promises. Exits non-zero on the first failure.

Usage: python3 check_pdfs.py PDF_DIR  (pyHanko must be importable; qpdf on PATH)
"""

import json
import re
import subprocess
import sys
from pathlib import Path

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

HERE = Path(__file__).resolve().parent
VALIDATE = HERE.parent.parent / "tests" / "common" / "pyhanko_validate.py"
ROOT_CA = HERE.parent / "pki" / "root-ca.cert.pem"


def fail(name, why):
    sys.exit(f"FAIL {name}: {why}")


def qpdf(*args):
    return subprocess.run(["qpdf", *args], capture_output=True, text=True)


def qpdf_check(path):
    result = qpdf("--check", str(path))
    text = result.stdout + result.stderr
    if result.returncode != 0 or "WARNING" in text or "No syntax or stream encoding errors" not in text:
        fail(path.name, f"qpdf --check (exit {result.returncode}):\n{text}")


def xref_kinds(path):
    """Object number -> 'compressed' / 'uncompressed', from `qpdf --show-xref`."""
    kinds = {}
    for line in qpdf("--show-xref", str(path)).stdout.splitlines():
        match = re.match(r"(\d+)/\d+: (compressed|uncompressed)", line)
        if match:
            kinds[int(match.group(1))] = match.group(2)
    return kinds


def reader(path):
    return PdfFileReader(open(path, "rb"), strict=True)


def first_page(pdf):
    return pdf.root["/Pages"]["/Kids"][0].get_object()


def page_count(path):
    return int(qpdf("--show-npages", str(path)).stdout.strip())


def signatures(path):
    out = subprocess.run(
        [sys.executable, str(VALIDATE), str(path), str(ROOT_CA)],
        capture_output=True, text=True, check=True,
    ).stdout
    return json.loads(out)["signatures"]


def check_classic(path, data):
    if b"\nxref\n" not in data or b"/XRefStm" in data or b"/Type /XRef" in data:
        fail(path.name, "expected a classic xref table only")
    if page_count(path) != 2:
        fail(path.name, "expected 2 pages")


def check_xref_stream(path, data):
    if b"\nxref\n" in data:
        fail(path.name, "has a classic xref table")
    pdf = reader(path)
    root_ref = pdf.trailer.raw_get("/Root")
    if xref_kinds(path).get(root_ref.idnum) != "compressed":
        fail(path.name, "catalog is not inside an object stream")


def check_hybrid(path, data):
    pdf = reader(path)
    if "/XRefStm" not in pdf.trailer or not pdf.xrefs.hybrid_xrefs_present:
        fail(path.name, "trailer has no /XRefStm (or pyHanko does not see a hybrid file)")
    compressed = {n for n, kind in xref_kinds(path).items() if kind == "compressed"}
    table = data[data.rindex(b"\nxref\n") : data.rindex(b"trailer")]
    listed = set()
    for start, count in re.findall(rb"(?m)^(\d+) (\d+)$", table):
        listed.update(range(int(start), int(start) + int(count)))
    if not compressed or compressed & listed:
        fail(path.name, f"want objects only in the stream, got compressed={compressed}")
    if page_count(path) != 2:
        fail(path.name, "expected 2 pages")


def check_linearized(path, data):
    if b"/Linearized 1" not in data[:1024]:
        fail(path.name, "no linearization dictionary at the start")
    result = qpdf("--check-linearization", str(path))
    if result.returncode != 0 or "no linearization errors" not in result.stdout:
        fail(path.name, result.stdout + result.stderr)


def check_incremental(path, data):
    if data.count(b"%%EOF") != 3 or data.count(b"startxref") != 3:
        fail(path.name, "expected 3 revisions")
    if reader(path).xrefs.total_revisions != 3:
        fail(path.name, "pyHanko does not see 3 xref sections")


def check_acroform(path, data):
    form = reader(path).root["/AcroForm"]
    field = form["/Fields"][0].get_object()
    if "/DR" not in form or "/DA" not in form or field["/FT"] != "/Tx":
        fail(path.name, "expected /AcroForm with /DR, /DA and a text field")


def check_annots(path, want_indirect):
    annots = first_page(reader(path)).raw_get("/Annots")
    is_indirect = isinstance(annots, generic.IndirectObject)
    if is_indirect != want_indirect:
        fail(path.name, f"/Annots indirect={is_indirect}")
    first = annots.get_object()[0].get_object()
    if first["/Subtype"] != "/Link":
        fail(path.name, "expected a link annotation")


def check_inherited(path, data):
    pdf = reader(path)
    page, pages = first_page(pdf), pdf.root["/Pages"]
    if "/MediaBox" in page or "/Resources" in page:
        fail(path.name, "page has its own /MediaBox or /Resources")
    if "/MediaBox" not in pages or "/Resources" not in pages:
        fail(path.name, "Pages node lacks /MediaBox or /Resources")


def check_pdf20(path, data):
    if not data.startswith(b"%PDF-2.0"):
        fail(path.name, "header is not %PDF-2.0")


def check_signed(path, docmdp):
    sigs = signatures(path)
    if len(sigs) != 1:
        fail(path.name, f"expected one signature, got {len(sigs)}")
    sig = sigs[0]
    good = sig["intact"] and sig["valid"] and sig["trusted"] and sig["bottom_line"]
    if not good or sig["coverage"] != "ENTIRE_FILE" or sig["docmdp_permissions"] != docmdp:
        fail(path.name, json.dumps(sig, indent=1))


CHECKS = {
    "classic.pdf": check_classic,
    "xref-stream.pdf": check_xref_stream,
    "hybrid.pdf": check_hybrid,
    "linearized.pdf": check_linearized,
    "incremental.pdf": check_incremental,
    "acroform.pdf": check_acroform,
    "signed.pdf": lambda path, data: check_signed(path, None),
    "annots-direct.pdf": lambda path, data: check_annots(path, False),
    "annots-indirect.pdf": lambda path, data: check_annots(path, True),
    "certified-p1.pdf": lambda path, data: check_signed(path, "NO_CHANGES"),
    "certified-p2.pdf": lambda path, data: check_signed(path, "FILL_FORMS"),
    "inherited.pdf": check_inherited,
    "pdf20.pdf": check_pdf20,
}


def main():
    pdf_dir = Path(sys.argv[1])
    present = {path.name for path in pdf_dir.glob("*.pdf")}
    if present != set(CHECKS):
        fail(str(pdf_dir), f"unexpected file set: {sorted(present ^ set(CHECKS))}")
    for name, check in CHECKS.items():
        path = pdf_dir / name
        qpdf_check(path)
        check(path, path.read_bytes())
        print(f"    ok {name}")


if __name__ == "__main__":
    main()
