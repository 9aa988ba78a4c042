# Red-team probe (2026-12-07, round 3): Ed25519 (RFC 8419) variants of a real signature, each
# re-signed with the real demo-ed25519 key where the variant keeps a valid signature possible.
#   sha256   digestAlgorithm SHA-256 + messageDigest SHA-256 (RFC 8419 3.1: MUST be SHA-512)
#   sha384   the same with SHA-384
#   sm3      the same with SM3
#   params   signatureAlgorithm id-Ed25519 with NULL parameters (RFC 8410 3: MUST be absent)
#   bigS     S + L (non-canonical scalar, same point equation)
#   smallkey not here: see redteam_ed25519_small_order.py (held)
# Seen: sha256, sha384 and sm3 are VALID and trusted (exit 0); pyHanko refuses the sha256 file
# ("Digest algorithm sha256 does not match value implied by signature algorithm ed25519").
# Cause: src/crypto/algorithm.rs SignatureAlgorithm::from_identifier maps id-Ed25519 to Ed25519
# whatever the digest hint (SM2 checks its hint); src/cades/verify/mod.rs algorithms() relies on it.
# Usage: python3 redteam_ed25519_variants.py COUNTERSIGN REPO OUTDIR
#   prints countersign's verdict for each; a variant must not be valid.
import hashlib, json, subprocess, sys
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from redteam_cms_resign import resign, signed_content, signed_attrs_der, set_attr
from asn1crypto import cms, algos, core
from cryptography.hazmat.primitives.serialization import load_pem_private_key

exe, repo, out = sys.argv[1:4]
pki = f"{repo}/testdata/pki"
subprocess.run([exe, "sign", f"{repo}/testdata/pdf/classic.pdf", "-o", f"{out}/ed.pdf",
                "--cert", f"{pki}/demo-ed25519.chain.pem", "--key", f"{pki}/demo-ed25519.key.pem"],
               check=True, capture_output=True)
pdf = open(f"{out}/ed.pdf", "rb").read()
key = load_pem_private_key(open(f"{pki}/demo-ed25519.key.pem", "rb").read(), None)
L = 2**252 + 27742317777372353535851937790883648493


def with_digest(name, fn):
    def mutate(sd, si):
        sd["digest_algorithms"] = cms.DigestAlgorithms([algos.DigestAlgorithm({"algorithm": name})])
        si["digest_algorithm"] = algos.DigestAlgorithm({"algorithm": name})
        set_attr(si, "message_digest", fn(signed_content(pdf)).digest())
        si["signature"] = key.sign(signed_attrs_der(si))
    return mutate


def params(sd, si):
    # 2 bytes more than the reservation: drop the root certificate (the path ends at --trust).
    sd["certificates"] = cms.CertificateSet(list(sd["certificates"])[:-1])
    si["signature_algorithm"] = algos.SignedDigestAlgorithm({"algorithm": "ed25519", "parameters": core.Null()})


def big_s(sd, si):
    sig = si["signature"].native
    s = int.from_bytes(sig[32:], "little") + L
    si["signature"] = sig[:32] + s.to_bytes(32, "little")


cases = {"sha256": with_digest("sha256", hashlib.sha256),
         "sha384": with_digest("sha384", hashlib.sha384),
         "sm3": with_digest("1.2.156.10197.1.401", lambda b: hashlib.new("sm3", b)),
         "params": params, "bigS": big_s}
for name, mutate in cases.items():
    path = f"{out}/ed-{name}.pdf"
    open(path, "wb").write(resign(pdf, mutate))
    r = subprocess.run([exe, "verify", path, "--trust", f"{pki}/root-ca.cert.pem", "--json"],
                       capture_output=True, text=True)
    try:
        s = json.loads(r.stdout)["signatures"][0]
        print(name, "exit", r.returncode, "verdict", s.get("verdict"), "intact", s.get("intact"),
              "signature_ok", s.get("signature_ok"), "trusted", s.get("trusted"), "problems", s.get("problems"))
    except Exception:
        print(name, "exit", r.returncode, r.stdout[:300], r.stderr[:300])
