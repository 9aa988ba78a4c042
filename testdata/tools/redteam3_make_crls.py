# Red team 3: regenerates testdata/pki/tsa-ca-nonext.crl (run from the repo root:
# .venv/bin/python testdata/tools/redteam3_make_crls.py testdata/pki): a CRL of "Demo LTV CA"
# (tsa-ca), validly signed, listing nothing, thisUpdate 2025-06-01 (before tsa-revoked was
# revoked), and NO nextUpdate (allowed by the ASN.1, RFC 5280 5.1.2.5 requires conforming CAs
# to include it). The library's `outdated()` treats a missing nextUpdate as "never outdated".
import datetime, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

def tlv(buf, i):
    """(tag, start of value, end of value) of the DER element at i."""
    tag, length = buf[i], buf[i + 1]
    i += 2
    if length & 0x80:
        n = length & 0x7F
        length = int.from_bytes(buf[i:i + n], "big")
        i += n
    return tag, i, i + length

def enc(tag, value):
    n = len(value)
    if n < 0x80:
        head = bytes([tag, n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        head = bytes([tag, 0x80 | len(b)]) + b
    return head + value

pki = sys.argv[1]
key = serialization.load_pem_private_key(open(f"{pki}/tsa-ca.key.pem", "rb").read(), None)
ca = x509.load_pem_x509_certificate(open(f"{pki}/tsa-ca.cert.pem", "rb").read())
crl = (x509.CertificateRevocationListBuilder().issuer_name(ca.subject)
       .last_update(datetime.datetime(2025, 6, 1)).next_update(datetime.datetime(2025, 7, 1))
       .add_extension(x509.CRLNumber(1), critical=False)
       .sign(key, hashes.SHA256()))
der = crl.public_bytes(serialization.Encoding.DER)
_, s, e = tlv(der, 0)            # CertificateList
_, ts, te = tlv(der, s)          # tbsCertList
tbs = der[ts:te]
alg_start = te
_, _, alg_end = tlv(der, alg_start)
alg = der[alg_start:alg_end]
# walk tbs fields; drop the second Time (nextUpdate)
fields, i, times = [], 0, 0
while i < len(tbs):
    tag, vs, ve = tlv(tbs, i)
    if tag in (0x17, 0x18):
        times += 1
        if times == 2:
            i = ve
            continue
    fields.append(tbs[i:ve])
    i = ve
new_tbs = enc(0x30, b"".join(fields))
sig = key.sign(new_tbs, padding.PKCS1v15(), hashes.SHA256())
out = enc(0x30, new_tbs + alg + enc(0x03, b"\x00" + sig))
open(f"{pki}/tsa-ca-nonext.crl", "wb").write(out)

# tsa-revoked-nonext.ocsp: an OCSP answer signed by the issuer (Demo LTV CA) itself, "good" for
# tsa-revoked at 2025-06-01 (before its revocation), with NO nextUpdate. RFC 6960 4.2.2.1: no
# nextUpdate means newer information is always available, so it says nothing past thisUpdate;
# `verified_status` only rejects a good answer whose nextUpdate passed.
from cryptography.x509 import ocsp
revoked = x509.load_pem_x509_certificate(open(f"{pki}/tsa-revoked.cert.pem", "rb").read())
resp = (ocsp.OCSPResponseBuilder()
        .add_response(cert=revoked, issuer=ca, algorithm=hashes.SHA1(),
                      cert_status=ocsp.OCSPCertStatus.GOOD,
                      this_update=datetime.datetime(2025, 6, 1), next_update=None,
                      revocation_time=None, revocation_reason=None)
        .responder_id(ocsp.OCSPResponderEncoding.HASH, ca)
        .sign(key, hashes.SHA256()))
open(f"{pki}/tsa-revoked-nonext.ocsp", "wb").write(resp.public_bytes(serialization.Encoding.DER))
