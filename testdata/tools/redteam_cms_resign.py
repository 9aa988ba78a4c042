# Red-team helper (2026-12-07, round 3): rewrites the CMS SignerInfo of the last signature of a
# PDF signed by countersign and re-signs it with a real key, so that algorithm-confusion cases
# keep a cryptographically valid signature. Used by the redteam_ed25519_*.py reproducers.
#   resign(pdf_bytes, mutate) -> new pdf bytes; mutate(signed_data, signer_info) edits in place
#   and returns the bytes-to-signature function's output (the signature value).
import re
from asn1crypto import cms, algos, core


def contents_window(pdf):
    m = list(re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf))[-1]
    a, b, c, d = map(int, m.groups())
    return a, b, c, d


def signed_content(pdf):
    a, b, c, d = contents_window(pdf)
    return pdf[a:a + b] + pdf[c:c + d]


def read_cms(pdf):
    a, b, c, d = contents_window(pdf)
    hexstr = pdf[b + 1:c - 1]
    raw = bytes.fromhex(hexstr.decode())
    return cms.ContentInfo.load(raw.rstrip(b"\0") if False else raw, strict=False)


def write_cms(pdf, content_info):
    a, b, c, d = contents_window(pdf)
    room = c - 1 - (b + 1)
    der = content_info.dump(force=True)
    h = der.hex().upper().encode()
    assert len(h) <= room, (len(h), room)
    h = h + b"0" * (room - len(h))
    return pdf[:b + 1] + h + pdf[c - 1:]


def signed_attrs_der(signer_info):
    attrs = signer_info["signed_attrs"]
    # The signature covers the explicit SET OF tag (RFC 5652 5.4).
    return cms.CMSAttributes(list(attrs)).dump(force=True)


def set_attr(signer_info, name, value):
    attrs = signer_info["signed_attrs"]
    new = []
    for attr in attrs:
        if attr["type"].native == name:
            attr = cms.CMSAttribute({"type": name, "values": [value]})
        new.append(attr)
    signer_info["signed_attrs"] = cms.CMSAttributes(new)


def resign(pdf, mutate):
    ci = read_cms(pdf)
    sd = ci["content"]
    si = sd["signer_infos"][0]
    mutate(sd, si)
    try:
        return write_cms(pdf, ci)
    except AssertionError:
        # A few bytes over the reservation: drop the last (root) certificate; the path ends at
        # the --trust anchor anyway.
        sd["certificates"] = cms.CertificateSet(list(sd["certificates"])[:-1])
        return write_cms(pdf, ci)
