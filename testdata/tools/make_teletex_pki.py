# Regenerates testdata/pki/rfc5280-excluding-ca and rfc5280-excluded-teletex (run from the repo root:
# .venv/bin/python testdata/tools/make_teletex_pki.py testdata/pki); openssl is not able to write
# a TeletexString attribute from the command line.
# A CA that excludes the directory name O=Blocked Organisation; a seal under it whose O says the
# same in a TeletexString (OpenSSL compares the canonical text: excluded).
import datetime, sys
from cryptography import x509
from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID
from cryptography.x509.name import _ASN1Type
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
pki = sys.argv[1]
root_key = serialization.load_pem_private_key(open(f"{pki}/root-ca.key.pem","rb").read(), None)
root = x509.load_pem_x509_certificate(open(f"{pki}/root-ca.cert.pem","rb").read())
def name(org, cn, t=_ASN1Type.UTF8String):
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, org, _type=t),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])
start = datetime.datetime(2025,1,1); end = datetime.datetime(2045,1,1)
ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ca_name = name("Demo Organisation", "RFC5280 Excluding CA")
excluded = x509.NameConstraints(permitted_subtrees=None, excluded_subtrees=[
    x509.DirectoryName(x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                                  x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Blocked Organisation")]))])
ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(root.subject)
      .public_key(ca_key.public_key()).serial_number(0x6101).not_valid_before(start).not_valid_after(end)
      .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
      .add_extension(x509.KeyUsage(False,False,False,False,False,True,True,False,False), critical=True)
      .add_extension(excluded, critical=True)
      .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
      .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root.public_key()), critical=False)
      .sign(root_key, hashes.SHA256()))
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
leaf = (x509.CertificateBuilder().subject_name(name("Blocked Organisation", "RFC5280 Teletex Signer", _ASN1Type.T61String))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(0x6102)
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True,True,False,False,False,False,False,False,False), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256()))
pem = lambda c: c.public_bytes(serialization.Encoding.PEM)
open(f"{pki}/rfc5280-excluding-ca.cert.pem","wb").write(pem(ca))
open(f"{pki}/rfc5280-excluded-teletex.cert.pem","wb").write(pem(leaf))
open(f"{pki}/rfc5280-excluded-teletex.chain.pem","wb").write(pem(leaf)+pem(ca)+pem(root))
open(f"{pki}/rfc5280-excluded-teletex.key.pem","wb").write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
