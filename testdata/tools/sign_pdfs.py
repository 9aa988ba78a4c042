"""Signs testdata PDFs with pyHanko and the test PKI (demo RSA-2048 seal, PAdES B-B).

Usage: python3 sign_pdfs.py PKI_DIR PDF_DIR
  signed.pdf        <- classic.pdf, one approval signature (field Signature1)
  certified-p1.pdf  <- classic.pdf, certification signature, DocMDP P=1 (no changes)
  certified-p2.pdf  <- acroform.pdf, certification signature, DocMDP P=2 (form filling, signing)
"""

import sys
from pathlib import Path

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

JOBS = [
    ("classic.pdf", "signed.pdf", None),
    ("classic.pdf", "certified-p1.pdf", fields.MDPPerm.NO_CHANGES),
    ("acroform.pdf", "certified-p2.pdf", fields.MDPPerm.FILL_FORMS),
]


def main():
    pki, pdf_dir = Path(sys.argv[1]), Path(sys.argv[2])
    signer = signers.SimpleSigner.load(
        key_file=str(pki / "demo.key.pem"),
        cert_file=str(pki / "demo.cert.pem"),
        ca_chain_files=(str(pki / "demo-ca.cert.pem"), str(pki / "root-ca.cert.pem")),
    )
    for source, target, docmdp in JOBS:
        meta = signers.PdfSignatureMetadata(
            field_name="Signature1",
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason="countersign test data",
            location="Shenzhen",
            certify=docmdp is not None,
            docmdp_permissions=docmdp or fields.MDPPerm.FILL_FORMS,
        )
        with open(pdf_dir / source, "rb") as source_file:
            writer = IncrementalPdfFileWriter(source_file)
            with open(pdf_dir / target, "wb") as target_file:
                signers.sign_pdf(writer, meta, signer=signer, output=target_file)
        print(f"    signed {target} (from {source})")


if __name__ == "__main__":
    main()
