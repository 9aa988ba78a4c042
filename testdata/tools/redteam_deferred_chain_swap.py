# Red-team finding (2026-12-07, round 3), low: `sign --complete` accepts a state whose
# certificate chain was altered after --prepare. The state's checksum is no authentication
# (src/sign/deferred/state.rs says so), and DeferredSignature::complete
# (src/sign/deferred/mod.rs complete_stamped/check_signature) checks only the signer key against
# the signature and the update against messageDigest: the issuers in the chain, and the signer
# certificate beyond its key, are embedded as the state says. Here the CA certificate is swapped
# for the Ed25519 CA: --complete exits 0 ("signed"), and the file it wrote fails verification
# (no issuer). The docs promise an altered state is refused and nothing written.
# Usage: python3 redteam_deferred_chain_swap.py COUNTERSIGN REPO OUTDIR
import hashlib, struct, subprocess, sys
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

exe, repo, out = sys.argv[1:4]
pki = f"{repo}/testdata/pki"
pdf = f"{repo}/testdata/pdf/classic.pdf"
subprocess.run([exe, "sign", pdf, "--cert", f"{pki}/demo.chain.pem", "--prepare", f"{out}/c.state",
                "--tbs-out", f"{out}/c.tbs"], check=True, capture_output=True)
subprocess.run(["openssl", "dgst", "-sha256", "-sign", f"{pki}/demo.key.pem", "-out", f"{out}/c.sig",
                f"{out}/c.tbs"], check=True)
body = open(f"{out}/c.state", "rb").read()[:-32]
at = 8 + 2 + 8 + 32 + 2 + 24
for _ in range(3):  # field name, update, signed attributes
    (n,) = struct.unpack(">I", body[at:at + 4])
    at += 4 + n
(count,) = struct.unpack(">H", body[at:at + 2])
at += 2
certs = []
for _ in range(count):
    (n,) = struct.unpack(">I", body[at:at + 4])
    certs.append(body[at + 4:at + 4 + n])
    at += 4 + n
chain_start = at - sum(4 + len(c) for c in certs)
other = x509.load_pem_x509_certificate(open(f"{pki}/ed25519-ca.cert.pem", "rb").read()).public_bytes(Encoding.DER)
certs[1] = other
new = body[:chain_start] + b"".join(struct.pack(">I", len(c)) + c for c in certs)
open(f"{out}/c2.state", "wb").write(new + hashlib.sha256(new).digest())
r = subprocess.run([exe, "sign", pdf, "--complete", f"{out}/c2.state", "--signature", f"{out}/c.sig",
                    "-o", f"{out}/c2.pdf"], capture_output=True, text=True)
print("complete exit", r.returncode, r.stderr.strip().splitlines()[-1:])
v = subprocess.run([exe, "verify", f"{out}/c2.pdf", "--trust", f"{pki}/root-ca.cert.pem"], capture_output=True, text=True)
print("verify exit", v.returncode, [l.strip() for l in v.stdout.splitlines() if "problem" in l or ": " in l][:3])
