"""Signs a PDF with pyHanko's own incremental signer: the reference output our update is compared
with (tests/common/validators.rs, pyhanko_sign).

Usage: python3 pyhanko_sign.py IN.pdf OUT.pdf FIELD_NAME PKI_DIR

PAdES (ETSI.CAdES.detached), the demo key and certificate from PKI_DIR, a new invisible field
named FIELD_NAME (or that field when it exists and is empty). Exit status 1 with pyHanko's
message when it refuses the input. An encrypted input is opened with the password in
$PYHANKO_PDF_PASSWORD (default: empty).
"""

import os
import sys

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter


def main():
    source, target, field, pki = sys.argv[1:5]
    signer = signers.SimpleSigner.load(
        os.path.join(pki, "demo.key.pem"),
        os.path.join(pki, "demo.cert.pem"),
        ca_chain_files=(os.path.join(pki, "demo-ca.cert.pem"),),
    )
    meta = signers.PdfSignatureMetadata(field_name=field, subfilter=SigSeedSubFilter.PADES)
    try:
        with open(source, "rb") as handle:
            writer = IncrementalPdfFileWriter(handle, strict=False)
            if writer.prev.encrypted:
                writer.encrypt(os.environ.get("PYHANKO_PDF_PASSWORD", ""))
            with open(target, "wb") as out:
                signers.sign_pdf(writer, meta, signer=signer, output=out, existing_fields_only=False)
    except Exception as error:  # pyHanko's refusal is the answer
        sys.stderr.write(f"{type(error).__name__}: {error}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
