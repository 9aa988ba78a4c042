# Red-team probe (2026-12-07, round 3): SM2 algorithm-confusion variants of a real SM2 signature,
# re-signed with the real sm2-signer key (OpenSSL) where the variant keeps a valid signature.
#   sm2sign       signatureAlgorithm sm2sign (1.2.156.10197.1.301.1): documented as accepted
#   ecpub-sm3     signatureAlgorithm id-ecPublicKey, digest SM3: accepted as SM2 by design
#   sha256-sm2oid digestAlgorithm + messageDigest SHA-256, signatureAlgorithm SM2-with-SM3
#   sha256-ecpub  the same with signatureAlgorithm id-ecPublicKey (read as ECDSA on the SM2 curve)
#   ecdsa-sm2key  signatureAlgorithm ecdsa-with-SHA256, digest SHA-256 (ECDSA math, SM2 curve)
#   distid        signature over SM3(Z(ID "ALICE123@YAHOO.COM") || M): must be invalid
#   zero-r        r = 0 in the DER signature
#   big-s         s = n (the group order)
#   ed-sm3        (Ed25519 signer) digest SM3: see redteam_ed25519_variants.py, same cause
# Usage: python3 redteam_sm2_variants.py COUNTERSIGN REPO OUTDIR
import hashlib, json, subprocess, sys
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from redteam_cms_resign import resign, signed_content, signed_attrs_der, set_attr
from asn1crypto import cms, algos, core

exe, repo, out = sys.argv[1:4]
pki = f"{repo}/testdata/pki"
subprocess.run([exe, "sign", f"{repo}/testdata/pdf/classic.pdf", "-o", f"{out}/sm2.pdf",
                "--cert", f"{pki}/sm2-signer.chain.pem", "--key", f"{pki}/sm2-signer.key.pem"],
               check=True, capture_output=True)
pdf = open(f"{out}/sm2.pdf", "rb").read()
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123


def sm2_sign(data, distid="1234567812345678"):
    open(f"{out}/tbs", "wb").write(data)
    return subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-digest", "sm3", "-inkey",
                           f"{pki}/sm2-signer.key.pem", "-in", f"{out}/tbs", "-pkeyopt", f"distid:{distid}"],
                          check=True, capture_output=True).stdout


def ecdsa_sign(data):
    open(f"{out}/tbs", "wb").write(data)
    # OpenSSL signs plain ECDSA with an SM2 key once the key's type is changed to EC.
    return subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey", f"{pki}/sm2-signer.key.pem", "-in", "/dev/stdin"],
                          input=hashlib.sha256(data).digest(), capture_output=True).stdout


def sigalg(oid):
    return algos.SignedDigestAlgorithm({"algorithm": oid})


def case(alg=None, digest=None, signer=sm2_sign, post=None):
    def mutate(sd, si):
        if digest:
            name, fn = digest
            sd["digest_algorithms"] = cms.DigestAlgorithms([algos.DigestAlgorithm({"algorithm": name})])
            si["digest_algorithm"] = algos.DigestAlgorithm({"algorithm": name})
            set_attr(si, "message_digest", fn(signed_content(pdf)).digest())
        if alg:
            si["signature_algorithm"] = sigalg(alg)
        si["signature"] = signer(signed_attrs_der(si))
        if post:
            si["signature"] = post(si["signature"].native)
    return mutate


def der_sig(r, s):
    return algos.DSASignature({"r": r, "s": s}).dump()


def parse_sig(sig):
    d = algos.DSASignature.load(sig)
    return d["r"].native, d["s"].native


sha256 = ("sha256", hashlib.sha256)
cases = {
    "sm2sign": case(alg="1.2.156.10197.1.301.1"),
    "ecpub-sm3": case(alg="1.2.840.10045.2.1"),
    "sha256-sm2oid": case(alg="1.2.156.10197.1.501", digest=sha256),
    "sha256-ecpub": case(alg="1.2.840.10045.2.1", digest=sha256),
    "ecdsa-sm2key": case(alg="1.2.840.10045.4.3.2", digest=sha256, signer=ecdsa_sign),
    "distid": case(signer=lambda d: sm2_sign(d, "ALICE123@YAHOO.COM")),
    "zero-r": case(post=lambda s: der_sig(0, parse_sig(s)[1])),
    "big-s": case(post=lambda s: der_sig(parse_sig(s)[0], N)),
    "s-plus-n": case(post=lambda s: der_sig(parse_sig(s)[0], parse_sig(s)[1] + N)),
}
for name, mutate in cases.items():
    path = f"{out}/sm2-{name}.pdf"
    try:
        open(path, "wb").write(resign(pdf, mutate))
    except Exception as e:
        print(name, "not built:", repr(e)[:120])
        continue
    r = subprocess.run([exe, "verify", path, "--trust", f"{pki}/sm2-root.cert.pem", "--json"],
                       capture_output=True, text=True)
    try:
        s = json.loads(r.stdout)["signatures"][0]
        print(name, "exit", r.returncode, s.get("verdict"), s.get("algorithm"), "intact", s.get("intact"),
              "sig", s.get("signature_ok"), "trusted", s.get("trusted"), s.get("problems"))
    except Exception:
        print(name, "exit", r.returncode, r.stdout[:200], r.stderr[:200])
