# Open finding (red team 2026-12-07): quadratic modification analysis. Usage:
#   python3 testdata/tools/redteam_many_signatures.py N out.pdf
# N=2000 (0.5 MB): 5.9 s; N=4000 (1 MB): 22.7 s for `countersign verify` (release, 2 cores).
# N signature fields, each with its own signature dictionary whose ByteRange delimits its own
# /Contents (an empty CMS-shaped element) and ends at the end of revision 1; revision 2 changes
# the /Info. Every signature passes the byte-range check, so each gets a modification analysis.
import sys
N = int(sys.argv[1]); out_path = sys.argv[2]
objs = {}
first = 10
fields = " ".join("%d 0 R" % (first + 2*i) for i in range(N))
objs[1] = b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [" + fields.encode() + b"] >> >>"
objs[2] = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
objs[3] = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"
objs[4] = b"<< /Title (x) >>"
PH = b"/ByteRange [0000000000 0000000000 0000000000 0000000000]"
for i in range(N):
    objs[first + 2*i] = b"<< /FT /Sig /T (S%d) /V %d 0 R >>" % (i, first + 2*i + 1)
    objs[first + 2*i + 1] = b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached " + PH + b" /Contents <3000> >>"
data = bytearray(b"%PDF-1.7\n")
off = {}
size = first + 2*N
for n in sorted(objs):
    off[n] = len(data); data += b"%d 0 obj\n" % n + objs[n] + b"\nendobj\n"
x = len(data)
data += b"xref\n0 %d\n" % size
for n in range(size):
    data += (b"%010d 00000 n \n" % off[n]) if n in off else b"0000000000 65535 f \n"
data += b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, x)
end = len(data)
for i in range(N):
    o = off[first + 2*i + 1]
    p = data.index(PH, o)
    g = data.index(b"<3000>", o)
    br = b"/ByteRange [%010d %010d %010d %010d]" % (0, g, g + 6, end - g - 6)
    data[p:p+len(PH)] = br
o4 = len(data)
data += b"4 0 obj\n<< /Title (y) >>\nendobj\n"
x2 = len(data)
data += b"xref\n4 1\n%010d 00000 n \ntrailer\n<< /Size %d /Root 1 0 R /Info 4 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (o4, size, x, x2)
open(out_path, "wb").write(data)
