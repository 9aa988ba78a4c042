"""Validates every embedded signature of a PDF with pyHanko and prints one JSON document.

Usage: python3 pyhanko_validate.py FILE.pdf TRUST_ROOT.pem [CRL ...]

Output: {"signatures": [{...}, ...], "error": null} in document order ("error" is set when
pyHanko could not read the file at all). Each entry has field_name, sig_type
(/Sig or /DocTimeStamp), subfilter, docmdp_permissions (NO_CHANGES, FILL_FORMS,
ANNOTATE for a certification signature, else null), certification (the catalog's
/Perms /DocMDP names this signature), field_mdp_action (ALL, INCLUDE, EXCLUDE or null) and
field_mdp_fields (the locked or exempted names, or null) as pyHanko reads the FieldMDP
reference, intact, valid, trusted, coverage (ENTIRE_FILE,
ENTIRE_REVISION, CONTIGUOUS_BLOCK_FROM_START), modification_level (NONE, LTA_UPDATES,
FORM_FILLING, ANNOTATIONS, OTHER or null), docmdp_ok, bottom_line, signer, md_algorithm,
mechanism, summary and error (a message when validation raised, else null).
An encrypted file is opened with the password in $PYHANKO_PDF_PASSWORD (default: empty), or, for
the public-key handler, with the recipient in $PYHANKO_PUBSEC_RECIPIENT (KEY.pem:CERT.pem).
Trust comes only from the given root: no fetching, no revocation requirement, except that
with CRLs given the signer's certificate must be covered by one of them (pyHanko's CRL_REQUIRED).
"""

import json
import os
import sys

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.pdf_utils import generic
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

SUBFILTERS = {subfilter.value for subfilter in SigSeedSubFilter}
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)


def validation_context(root_path, crl_paths):
    roots = [load_cert_from_pemder(root_path)]
    if not crl_paths:
        return ValidationContext(trust_roots=roots, allow_fetching=False)
    crls = []
    for path in crl_paths:
        with open(path, "rb") as handle:
            data = handle.read()
        if data.startswith(b"-----"):
            from asn1crypto import pem

            crls.extend(der for _, _, der in pem.unarmor(data, multiple=True))
        else:
            crls.append(data)
    policy = CertRevTrustPolicy(
        RevocationCheckingPolicy(
            ee_certificate_rule=RevocationCheckingRule.CRL_REQUIRED,
            intermediate_ca_cert_rule=RevocationCheckingRule.NO_CHECK,
        )
    )
    return ValidationContext(
        trust_roots=roots, crls=crls, allow_fetching=False, revinfo_policy=policy
    )


def enum_name(value):
    return None if value is None else getattr(value, "name", str(value))


def is_certification(embedded):
    """The catalog's /Perms /DocMDP refers to this signature dictionary (as pyHanko checks it)."""
    try:
        perms = embedded.reader.root["/Perms"]
        return perms.get_value_as_reference("/DocMDP") == embedded.sig_object.container_ref
    except (KeyError, generic.IndirectObjectExpected, AttributeError):
        return False


def describe(embedded, context):
    sig_type = embedded.sig_object_type
    field_mdp = embedded.fieldmdp
    entry = {
        "field_name": embedded.field_name,
        "sig_type": str(sig_type),
        "subfilter": str(embedded.sig_object.get("/SubFilter")),
        "docmdp_permissions": enum_name(embedded.docmdp_level),
        "certification": is_certification(embedded),
        "field_mdp_action": None if field_mdp is None else enum_name(field_mdp.action),
        "field_mdp_fields": None if field_mdp is None else list(field_mdp.fields or []),
        "intact": False,
        "valid": False,
        "trusted": False,
        "coverage": None,
        "modification_level": None,
        "docmdp_ok": None,
        "bottom_line": False,
        "signer": None,
        "md_algorithm": None,
        "mechanism": None,
        "summary": None,
        "error": None,
    }
    try:
        if sig_type == "/DocTimeStamp":
            status = validate_pdf_timestamp(embedded, validation_context=context)
        else:
            status = validate_pdf_signature(embedded, signer_validation_context=context)
    except Exception as error:  # the verdict is the point; report it instead of crashing
        entry["error"] = f"{type(error).__name__}: {error}"
        return entry
    entry.update(
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        coverage=enum_name(status.coverage),
        modification_level=enum_name(getattr(status, "modification_level", None)),
        docmdp_ok=getattr(status, "docmdp_ok", None),
        # Document timestamps have no bottom line of their own: intact and valid is theirs.
        bottom_line=bool(
            getattr(status, "bottom_line", bool(status.intact) and bool(status.valid))
        ),
        signer=status.signing_cert.subject.human_friendly if status.signing_cert else None,
        md_algorithm=status.md_algorithm,
        mechanism=enum_name(getattr(status, "pkcs7_signature_mechanism", None)),
        summary=status.summary(),
    )
    return entry


def embedded_signatures(reader):
    """Like reader.embedded_signatures, but each signature is read on its own: one unreadable
    signature (an all-zero placeholder /Contents, say) is reported instead of hiding the others.
    Returns (unreadable entries, readable EmbeddedPdfSignature objects in signing order)."""
    unreadable, readable = [], []
    for name, sig_obj, sig_field in enumerate_sig_fields(reader, filled_status=True):
        if str(sig_obj.get_object().get("/SubFilter")) not in SUBFILTERS:
            continue  # pyHanko ignores unknown SubFilters too
        try:
            readable.append(EmbeddedPdfSignature(reader, sig_field, name))
        except Exception as error:
            unreadable.append(
                {
                    "field_name": name,
                    "sig_type": None,
                    "error": f"{type(error).__name__}: {error}",
                    "intact": False,
                    "valid": False,
                    "trusted": False,
                    "bottom_line": False,
                }
            )
    readable.sort(key=lambda embedded: embedded.signed_revision)
    return unreadable, readable


def main():
    pdf_path, root_path = sys.argv[1], sys.argv[2]
    context = validation_context(root_path, sys.argv[3:])
    report = {"signatures": [], "error": None}
    try:
        with open(pdf_path, "rb") as handle:
            reader = PdfFileReader(handle, strict=False)
            recipient = os.environ.get("PYHANKO_PUBSEC_RECIPIENT")
            if reader.encrypted and recipient:
                from pyhanko.pdf_utils.crypt import SimpleEnvelopeKeyDecrypter

                key_path, cert_path = recipient.split(":")
                reader.decrypt_pubkey(SimpleEnvelopeKeyDecrypter.load(key_path, cert_path, None))
            elif reader.encrypted:
                result = reader.decrypt(os.environ.get("PYHANKO_PDF_PASSWORD", ""))
                if result.status.name == "FAILED":
                    revision = reader.encrypt_dict.get("/R")
                    if revision == 5:
                        # pyHanko implements AES-256 as ISO 32000-2 has it (R6) only.
                        raise NotImplementedError("pyHanko does not open R5 (deprecated AES-256)")
                    raise ValueError("the password does not open the document")
            unreadable, readable = embedded_signatures(reader)
            report["signatures"] = unreadable + [describe(sig, context) for sig in readable]
    except Exception as error:  # an unreadable file is a verdict too
        report["error"] = f"{type(error).__name__}: {error}"
    json.dump(report, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
