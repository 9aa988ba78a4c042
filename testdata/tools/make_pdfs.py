"""Writes the hand-made base PDFs of testdata/pdf/ with exact byte offsets.

Each file exercises one structure a reader/incremental writer must handle. The output is fully
deterministic (fixed /ID, no dates). Usage: python3 make_pdfs.py OUTPUT_DIR
"""

import hashlib
import sys
import zlib
from pathlib import Path

BINARY_COMMENT = b"%\xe2\xe3\xcf\xd3\n"


def file_id(name: str) -> bytes:
    digest = hashlib.md5(name.encode()).hexdigest().upper().encode()
    return b"[<" + digest + b"> <" + digest + b">]"


def stream(entries: bytes, data: bytes) -> bytes:
    head = b"<< /Length %d" % len(data)
    if entries:
        head += b" " + entries
    return head + b" >>\nstream\n" + data + b"\nendstream"


def text_page_content(label: str) -> bytes:
    return b"BT /F1 24 Tf 72 720 Td (" + label.encode() + b") Tj ET\n"


HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"


class Section:
    """The objects of one revision, written in ascending object-number order."""

    def __init__(self, objects: dict):
        self.objects = dict(sorted(objects.items()))

    def write(self, out: bytearray) -> dict:
        offsets = {}
        for num, body in self.objects.items():
            offsets[num] = len(out)
            out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
        return offsets


def xref_table(offsets: dict, with_free_head: bool) -> bytes:
    """A classic xref section; consecutive object numbers form one subsection each."""
    entries = dict(offsets)
    if with_free_head:
        entries[0] = None
    nums = sorted(entries)
    out = b"xref\n"
    start = 0
    while start < len(nums):
        end = start
        while end + 1 < len(nums) and nums[end + 1] == nums[end] + 1:
            end += 1
        out += b"%d %d\n" % (nums[start], end - start + 1)
        for num in nums[start : end + 1]:
            if entries[num] is None:
                out += b"0000000000 65535 f \n"
            else:
                out += b"%010d 00000 n \n" % entries[num]
        start = end + 1
    return out


def classic_file(version: str, objects: dict, trailer: bytes) -> bytes:
    """One revision with a classic xref table; `trailer` holds the entries besides /Size."""
    out = bytearray(b"%PDF-" + version.encode() + b"\n" + BINARY_COMMENT)
    offsets = Section(objects).write(out)
    xref_at = len(out)
    out += xref_table(offsets, with_free_head=True)
    size = max(offsets) + 1
    out += b"trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (size, trailer, xref_at)
    return bytes(out)


def append_revision(previous: bytes, objects: dict, trailer: bytes) -> bytes:
    """An incremental update: changed/new objects, their xref section, trailer with /Prev."""
    prev_xref = int(previous.rsplit(b"startxref", 1)[1].split()[0])
    prev_size = int(previous.rsplit(b"/Size", 1)[1].split()[0])
    out = bytearray(previous)
    offsets = Section(objects).write(out)
    xref_at = len(out)
    out += xref_table(offsets, with_free_head=False)
    size = max(prev_size, max(offsets) + 1)
    out += b"trailer\n<< /Size %d %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        size,
        trailer,
        prev_xref,
        xref_at,
    )
    return bytes(out)


MEDIABOX = b"[0 0 612 792]"


def page(parent: int, contents: int, extra: bytes = b"", resources: bytes | None = None) -> bytes:
    if resources is None:
        resources = b"<< /Font << /F1 5 0 R >> >>"
    body = b"<< /Type /Page /Parent %d 0 R /MediaBox %s /Resources %s /Contents %d 0 R" % (
        parent,
        MEDIABOX,
        resources,
        contents,
    )
    if extra:
        body += b" " + extra
    return body + b" >>"


def two_page_objects() -> dict:
    """Catalog 1, Pages 2, pages 3 and 6, contents 4 and 7, font 5, Info 8."""
    return {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 >>",
        3: page(2, 4),
        4: stream(b"", text_page_content("Page 1")),
        5: HELVETICA,
        6: page(2, 7),
        7: stream(b"", text_page_content("Page 2")),
        8: b"<< /Title (countersign test: classic xref) /Producer (testdata/tools/make_pdfs.py) >>",
    }


def classic() -> bytes:
    return classic_file(
        "1.7", two_page_objects(), b"/Root 1 0 R /Info 8 0 R /ID " + file_id("classic")
    )


def one_page_objects(page_extra: bytes = b"") -> dict:
    return {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: page(2, 4, page_extra),
        4: stream(b"", text_page_content("Page 1")),
        5: HELVETICA,
    }


def pdf20() -> bytes:
    return classic_file("2.0", one_page_objects(), b"/Root 1 0 R /ID " + file_id("pdf20"))


def inherited() -> bytes:
    """Pages carry neither /MediaBox nor /Resources: both come from the Pages node."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 /MediaBox %s "
        b"/Resources << /Font << /F1 5 0 R >> >> >>" % MEDIABOX,
        3: b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
        4: stream(b"", text_page_content("Inherited 1")),
        5: HELVETICA,
        6: b"<< /Type /Page /Parent 2 0 R /Contents 7 0 R >>",
        7: stream(b"", text_page_content("Inherited 2")),
    }
    return classic_file("1.7", objects, b"/Root 1 0 R /ID " + file_id("inherited"))


LINK = (
    b"<< /Type /Annot /Subtype /Link /Rect [72 700 300 740] /Border [0 0 0] "
    b"/A << /S /URI /URI (https://example.com/) >> >>"
)


def annots_direct() -> bytes:
    objects = one_page_objects(b"/Annots [6 0 R]")
    objects[6] = LINK
    return classic_file("1.7", objects, b"/Root 1 0 R /ID " + file_id("annots-direct"))


def annots_indirect() -> bytes:
    objects = one_page_objects(b"/Annots 7 0 R")
    objects[6] = LINK
    objects[7] = b"[6 0 R]"
    return classic_file("1.7", objects, b"/Root 1 0 R /ID " + file_id("annots-indirect"))


def acroform() -> bytes:
    """A text field (merged field/widget) with an appearance, form-level /DR and /DA."""
    appearance = b"/Tx BMC q BT /Helv 12 Tf 0 g 2 6 Td (Alice) Tj ET Q EMC\n"
    objects = one_page_objects(b"/Annots [6 0 R]")
    objects[1] = (
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [6 0 R] "
        b"/DR << /Font << /Helv 7 0 R >> >> /DA (/Helv 0 Tf 0 g) >> >>"
    )
    objects[6] = (
        b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (Name) /V (Alice) /DA (/Helv 12 Tf 0 g) "
        b"/Rect [72 600 272 624] /F 4 /P 3 0 R /AP << /N 8 0 R >> >>"
    )
    objects[7] = (
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding "
        b"/Name /Helv >>"
    )
    objects[8] = stream(
        b"/Type /XObject /Subtype /Form /BBox [0 0 200 24] "
        b"/Resources << /Font << /Helv 7 0 R >> >>",
        appearance,
    )
    return classic_file("1.7", objects, b"/Root 1 0 R /ID " + file_id("acroform"))


def incremental() -> bytes:
    """Three revisions: the original, a content change plus /Info, then a second page."""
    ident = file_id("incremental")
    rev1 = classic_file("1.7", one_page_objects(), b"/Root 1 0 R /ID " + ident)
    rev2 = append_revision(
        rev1,
        {
            4: stream(b"", text_page_content("Page 1, revision 2")),
            6: b"<< /Title (countersign test: revision 2) >>",
        },
        b"/Root 1 0 R /Info 6 0 R /ID " + ident,
    )
    rev3 = append_revision(
        rev2,
        {
            2: b"<< /Type /Pages /Kids [3 0 R 7 0 R] /Count 2 >>",
            6: b"<< /Title (countersign test: revision 3) >>",
            7: page(2, 8),
            8: stream(b"", text_page_content("Page 2, revision 3")),
        },
        b"/Root 1 0 R /Info 6 0 R /ID " + ident,
    )
    return rev3


def hybrid() -> bytes:
    """A hybrid-reference file (ISO 32000-1 §7.5.8.4).

    The classic table lists the catalog, page tree, first page, content streams and the two
    streams; the font (5) and the second page (6) live in an object stream and are listed only
    in the cross-reference stream named by the trailer's /XRefStm.
    """
    out = bytearray(b"%PDF-1.5\n" + BINARY_COMMENT)
    direct = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 >>",
        3: page(2, 4),
        4: stream(b"", text_page_content("Hybrid page 1")),
        7: stream(b"", text_page_content("Hybrid page 2")),
    }
    offsets = Section(direct).write(out)

    compressed = {5: HELVETICA, 6: page(2, 7)}
    header = b""
    body = b""
    for num, obj in compressed.items():
        header += b"%d %d " % (num, len(body))
        body += obj + b"\n"
    objstm_data = zlib.compress(header + body, 9)
    offsets[8] = len(out)
    out += (
        b"8 0 obj\n"
        + stream(
            b"/Type /ObjStm /N %d /First %d /Filter /FlateDecode" % (len(compressed), len(header)),
            objstm_data,
        )
        + b"\nendobj\n"
    )

    # Entries for 5 and 6 only: type 2, object stream 8, index i. W [1 1 1].
    rows = b"".join(bytes([2, 8, index]) for index in range(len(compressed)))
    xrefstm_data = zlib.compress(rows, 9)
    offsets[9] = len(out)
    out += (
        b"9 0 obj\n"
        + stream(
            b"/Type /XRef /Size 10 /Index [5 2] /W [1 1 1] /Filter /FlateDecode", xrefstm_data
        )
        + b"\nendobj\n"
    )

    xref_at = len(out)
    out += xref_table(offsets, with_free_head=True)
    out += b"trailer\n<< /Size 10 /Root 1 0 R /XRefStm %d /ID %s >>\nstartxref\n%d\n%%%%EOF\n" % (
        offsets[9],
        file_id("hybrid"),
        xref_at,
    )
    return bytes(out)


FILES = {
    "classic.pdf": classic,
    "hybrid.pdf": hybrid,
    "incremental.pdf": incremental,
    "acroform.pdf": acroform,
    "annots-direct.pdf": annots_direct,
    "annots-indirect.pdf": annots_indirect,
    "inherited.pdf": inherited,
    "pdf20.pdf": pdf20,
}


def main() -> None:
    out_dir = Path(sys.argv[1])
    for name, build in FILES.items():
        (out_dir / name).write_bytes(build())
        print(f"    wrote {name}")


if __name__ == "__main__":
    main()
