"""Makes the public-key security handler (Adobe.PubSec) fixtures of testdata/pubsec/.

Usage: python3 make_pubsec.py PKI_DIR CLASSIC_PDF OUT_DIR   (pyHanko must be importable)

Each PDF is classic.pdf encrypted by pyHanko for the `pubsec-recipient` certificate, and comes
with NAME.key.txt: the file encryption key pyHanko derives when it opens the file with the
recipient's key (hex), then the permissions P from the envelope (signed 32-bit decimal). Tests
compare our derived key with it.

`envelope-3des.der`, `envelope-rc2.der` and `envelope-aes128-ski.der` are single /Recipients
entries built here by hand, since pyHanko always encrypts the envelope with AES-256 and names
recipients by issuer and serial number: CMS EnvelopedData whose content is encrypted with
DES-EDE3-CBC or RC2-CBC (128-bit; recipient by issuerAndSerialNumber; pyHanko reads the same
seed from both, checked below) or AES-128-CBC (recipient by subjectKeyIdentifier). Their .key.txt hold the SHA-1 file key (16 bytes, metadata
encrypted) of an Encrypt dictionary with that one entry, and P.
"""

import hashlib
import io
import secrets
import struct
import sys
from pathlib import Path

from asn1crypto import algos, cms
from cryptography.hazmat.primitives import padding, serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from cryptography.hazmat.primitives.ciphers.algorithms import AES

try:  # cryptography >= 43 moved TripleDES to the decrepit module
    from cryptography.hazmat.decrepit.ciphers.algorithms import RC2, TripleDES
except ImportError:  # pragma: no cover
    from cryptography.hazmat.primitives.ciphers.algorithms import RC2, TripleDES

from pyhanko.pdf_utils.crypt import (
    SecurityHandlerVersion,
    SimpleEnvelopeKeyDecrypter,
)
from pyhanko.pdf_utils.crypt.permissions import PubKeyPermissions
from pyhanko.pdf_utils.crypt.pubkey import read_seed_from_recipient_cms
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import copy_into_new_writer

# Form filling and signing allowed, copying and printing not: P is not "everything".
RESTRICTED = (
    PubKeyPermissions.ALLOW_ANNOTS_FORM_FILLING
    | PubKeyPermissions.ALLOW_FORM_FILLING
    | PubKeyPermissions.ALLOW_ASSISTIVE_TECHNOLOGY
    # pyHanko writes an ISO 32004 MAC for AES-256 only; without this bit it refuses the others.
    | PubKeyPermissions.TOLERATE_MISSING_PDF_MAC
)

FIXTURES = {
    # PDF 2.0 default: adbe.pkcs7.s5, AESV3, SHA-256 key derivation, ISO 32004 MAC.
    "pubsec-aes256": dict(),
    # adbe.pkcs7.s5, AESV2, SHA-1 key derivation; metadata left unencrypted (the 0xFFFFFFFF
    # suffix) and restricted permissions.
    "pubsec-aes128": dict(
        version=SecurityHandlerVersion.RC4_OR_AES128,
        use_aes=True,
        encrypt_metadata=False,
        perms=RESTRICTED,
    ),
    # adbe.pkcs7.s4 (no crypt filters: /Recipients in the Encrypt dictionary), RC4 128-bit.
    "pubsec-rc4-128": dict(
        version=SecurityHandlerVersion.RC4_LONGER_KEYS,
        keylen_bytes=16,
        use_crypt_filters=False,
    ),
}


def signed32(value):
    return struct.unpack(">i", struct.pack(">I", value & 0xFFFFFFFF))[0]


def write_key(path, key, permissions):
    path.write_text(f"{key.hex()}\n{permissions}\n")


def first_page_content(reader):
    return reader.root["/Pages"]["/Kids"][0]["/Contents"].data


def encrypt_pdf(name, options, certificate, decrypter, classic, out):
    with open(classic, "rb") as source:
        writer = copy_into_new_writer(PdfFileReader(source))
        writer.encrypt_pubkey([certificate], **options)
        target = out / f"{name}.pdf"
        with open(target, "wb") as sink:
            writer.write(sink)
    with open(target, "rb") as written:
        reader = PdfFileReader(written)
        result = reader.decrypt_pubkey(decrypter)
        handler = reader.security_handler
        key = handler.get_stream_filter().shared_key
        permissions = signed32(result.permission_flags.as_uint32())
        # The page content decrypts to what classic.pdf holds: the key is the right one.
        original = PdfFileReader(io.BytesIO(classic.read_bytes()))
        assert first_page_content(reader) == first_page_content(original), name
    write_key(out / f"{name}.key.txt", key, permissions)
    print(f"    {name}.pdf: key {key.hex()} P {permissions}")


def encrypt_cbc(algorithm, block_bits, key, iv, content):
    padder = padding.PKCS7(block_bits).padder()
    padded = padder.update(content) + padder.finalize()
    encryptor = Cipher(algorithm(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def hand_made_envelope(name, certificate, public_key, out, cipher, by_key_identifier):
    """One /Recipients entry for `certificate`; writes NAME.der and NAME.key.txt."""
    seed = secrets.token_bytes(20)
    permissions = RESTRICTED.as_uint32()
    content = seed + struct.pack(">I", permissions)
    parameters = None
    if cipher == "tripledes_3key":
        content_key, iv = secrets.token_bytes(24), secrets.token_bytes(8)
        encrypted_content = encrypt_cbc(TripleDES, 64, content_key, iv, content)
    elif cipher == "rc2":  # 128-bit key, all 128 bits effective (version 58, RFC 3370 §5.2)
        content_key, iv = secrets.token_bytes(16), secrets.token_bytes(8)
        encrypted_content = encrypt_cbc(RC2, 64, content_key, iv, content)
        parameters = algos.Rc2Params({"rc2_parameter_version": 58, "iv": iv})
    else:  # aes128_cbc
        content_key, iv = secrets.token_bytes(16), secrets.token_bytes(16)
        encrypted_content = encrypt_cbc(AES, 128, content_key, iv, content)
    if by_key_identifier:  # version 2 (RFC 5652 §6.2.1)
        version = 2
        rid = cms.RecipientIdentifier(
            name="subject_key_identifier", value=certificate.key_identifier
        )
    else:
        version = 0
        rid = cms.RecipientIdentifier(
            name="issuer_and_serial_number",
            value=cms.IssuerAndSerialNumber(
                {"issuer": certificate.issuer, "serial_number": certificate.serial_number}
            ),
        )
    recipient = cms.RecipientInfo(
        name="ktri",
        value=cms.KeyTransRecipientInfo(
            {
                "version": version,
                "rid": rid,
                "key_encryption_algorithm": cms.KeyEncryptionAlgorithm(
                    {"algorithm": "rsaes_pkcs1v15"}
                ),
                "encrypted_key": public_key.encrypt(content_key, PKCS1v15()),
            }
        ),
    )
    enveloped = cms.EnvelopedData(
        {
            "version": version,
            "recipient_infos": [recipient],
            "encrypted_content_info": cms.EncryptedContentInfo(
                {
                    "content_type": "data",
                    "content_encryption_algorithm": algos.EncryptionAlgorithm(
                        {"algorithm": cipher, "parameters": parameters or iv}
                    ),
                    "encrypted_content": encrypted_content,
                }
            ),
        }
    )
    der = cms.ContentInfo({"content_type": "enveloped_data", "content": enveloped}).dump()
    (out / f"{name}.der").write_bytes(der)
    key = hashlib.sha1(seed + der).digest()[:16]
    write_key(out / f"{name}.key.txt", key, signed32(permissions))
    print(f"    {name}.der: key {key.hex()} P {signed32(permissions)}")
    return der, seed


def main():
    pki, classic, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*"):
        stale.unlink()
    cert_path = pki / "pubsec-recipient.cert.pem"
    key_path = pki / "pubsec-recipient.key.pem"
    decrypter = SimpleEnvelopeKeyDecrypter.load(str(key_path), str(cert_path))
    certificate = decrypter.cert
    for name, options in FIXTURES.items():
        encrypt_pdf(name, options, certificate, decrypter, classic, out)

    public_key = serialization.load_der_public_key(certificate.public_key.dump())
    for name, cipher in [("envelope-3des", "tripledes_3key"), ("envelope-rc2", "rc2")]:
        der, seed = hand_made_envelope(name, certificate, public_key, out, cipher, False)
        read_seed, _ = read_seed_from_recipient_cms(cms.ContentInfo.load(der), decrypter)
        assert read_seed == seed, f"pyHanko reads another seed from {name}"
        print(f"    {name}.der: pyHanko reads the same seed")
    # pyHanko reads issuerAndSerialNumber only, so this one is checked by its hash alone.
    hand_made_envelope("envelope-aes128-ski", certificate, public_key, out, "aes128_cbc", True)


if __name__ == "__main__":
    main()
