"""pyHanko's best case, for the side-by-side in BENCHMARKS.md: one process, the key parsed once,
a fixed /Contents reservation (16384 hex digits; no dry run to size it), the output kept in memory.

usage: pyhanko_bench.py --key K --cert C [--chain CA...] FILE...
prints one JSON object: documents, seconds, documents_per_second
"""

import argparse
import io
import json
import time

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--key", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--chain", nargs="*", default=[])
    parser.add_argument("--reserve", type=int, default=16384)
    parser.add_argument("--tsa", help="RFC 3161 TSA URL: PAdES B-T (pyHanko's HTTPTimeStamper)")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()

    signer = signers.SimpleSigner.load(args.key, args.cert, ca_chain_files=args.chain)
    meta = signers.PdfSignatureMetadata(
        field_name="Signature1",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    timestamper = None
    if args.tsa:
        from pyhanko.sign.timestamps import HTTPTimeStamper

        timestamper = HTTPTimeStamper(args.tsa)
    pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=timestamper)

    start = time.perf_counter()
    for path in args.files:
        with open(path, "rb") as f:
            writer = IncrementalPdfFileWriter(f)
            out = io.BytesIO()
            pdf_signer.sign_pdf(writer, output=out, bytes_reserved=args.reserve)
    elapsed = time.perf_counter() - start
    print(
        json.dumps(
            {
                "documents": len(args.files),
                "seconds": elapsed,
                "documents_per_second": len(args.files) / elapsed,
            }
        )
    )


if __name__ == "__main__":
    main()
