# Regenerates testdata/pki/tsa-ca-stale.crl (run from the repo root:
# .venv/bin/python testdata/tools/make_stale_crl.py testdata/pki): a CRL of "Demo LTV CA"
# (tsa-ca) listing nothing, whose nextUpdate passed long ago: a replayed, outdated answer; and
# testdata/pki/tsa-ca-arl.crl (below).
import datetime, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
pki = sys.argv[1]
key = serialization.load_pem_private_key(open(f"{pki}/tsa-ca.key.pem", "rb").read(), None)
ca = x509.load_pem_x509_certificate(open(f"{pki}/tsa-ca.cert.pem", "rb").read())
crl = (x509.CertificateRevocationListBuilder().issuer_name(ca.subject)
       .last_update(datetime.datetime(2025, 6, 1)).next_update(datetime.datetime(2025, 7, 1))
       .add_extension(x509.CRLNumber(1), critical=False)
       .sign(key, hashes.SHA256()))
open(f"{pki}/tsa-ca-stale.crl", "wb").write(crl.public_bytes(serialization.Encoding.DER))

# tsa-ca-arl.crl: a current CRL of the same CA whose issuingDistributionPoint (critical) limits it
# to CA certificates (an authority revocation list): it says nothing about a seal.
now = datetime.datetime(2026, 12, 1)
arl = (x509.CertificateRevocationListBuilder().issuer_name(ca.subject)
       .last_update(now).next_update(datetime.datetime(2046, 12, 1))
       .add_extension(x509.CRLNumber(2), critical=False)
       .add_extension(x509.IssuingDistributionPoint(
           full_name=None, relative_name=None, only_contains_user_certs=False,
           only_contains_ca_certs=True, only_some_reasons=None, indirect_crl=False,
           only_contains_attribute_certs=False), critical=True)
       .sign(key, hashes.SHA256()))
open(f"{pki}/tsa-ca-arl.crl", "wb").write(arl.public_bytes(serialization.Encoding.DER))
