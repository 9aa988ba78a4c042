# Red-team finding (2026-12-07, round 2): a signature field reachable only through a page's
# /Annots (a /FT /Sig widget with /V, never listed in /AcroForm /Fields in any revision) is
# listed by pdfsig (poppler's getSignatureFields also walks page annotations) and never by
# countersign (src/verify/signature_fields.rs `signature_fields` / `hidden_signatures` walk
# only the AcroForm field tree). The file below holds a failing signature "Bob" next to the
# demo organisation's: pdfsig prints "Signature #2 ... Bob ... Unknown Validation Failure",
# countersign prints one signature and "all_valid": true, exit 0.
# Usage: python3 redteam_widget_only_signature.py COUNTERSIGN CLASSIC_PDF OUTDIR
#   then: countersign verify OUTDIR/signed.pdf --trust testdata/pki/root-ca.cert.pem --json
#         pdfsig OUTDIR/signed.pdf
import subprocess, sys
exe, classic, out = sys.argv[1], sys.argv[2], sys.argv[3]
f = bytearray(open(classic, "rb").read())
offs = {}
def add(n, body):
    offs[n] = len(f)
    f.extend(b"%d 0 obj\n" % n + body + b"\nendobj\n")
add(3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >>"
       b" /Contents 4 0 R /Annots [9 0 R] >>")
add(9, b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (Bob) /V 10 0 R /Rect [72 600 272 650] /P 3 0 R /F 4 >>")
add(10, b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 100 200 50]"
        b" /Contents <" + b"00" * 64 + b"> /M (D:20261207000000Z) >>")
x = len(f)
f += (b"xref\n3 1\n%010d 00000 n \n9 2\n%010d 00000 n \n%010d 00000 n \ntrailer\n"
      b"<< /Size 11 /Root 1 0 R /Info 8 0 R /Prev 753 >>\nstartxref\n%d\n%%%%EOF\n"
      % (offs[3], offs[9], offs[10], x))
open(f"{out}/widget.pdf", "wb").write(f)
subprocess.run([exe, "sign", f"{out}/widget.pdf", "-o", f"{out}/signed.pdf"], check=True)
