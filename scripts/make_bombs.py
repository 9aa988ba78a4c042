#!/usr/bin/env python3
"""Writes the decompression and parser bombs of issue 9 (the same shapes tests/bombs.rs builds):

  xref-chain.pdf   eight chained xref streams, each /FlateDecode twice and inflating to 400 MiB
  deep-nesting.pdf a catalog entry nested 100 000 arrays deep
  objstm.pdf       an object stream holding the catalog, inflating to 400 MiB
  objstm-held.pdf  17 MB: 63 form fields, each alone in an object stream inflating to 16 MiB
                   (1008 MiB in all, within the 1 GiB document budget the file's size earns);
                   the page tree shares the first stream
  objstm-held-large.pdf  17 MB: the same with 4 object streams of 250 MiB each (issue 20)
  objstm-pages.pdf       17 MB: the same with 1 object stream of 250 MiB (signs: listed 20 times
                         by DescribeFileUrls, its page sizes decode that stream each time)

usage: scripts/make_bombs.py OUTDIR
"""

import os
import sys
import zlib

MIB = 1 << 20
HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


def double_deflate(inner: bytes, padding: int) -> bytes:
    """zlib(zlib(inner + padding zero bytes)), compressed chunk by chunk to keep this script's
    own memory small."""
    first = zlib.compressobj(9)
    parts = [first.compress(inner)]
    zeros = bytes(MIB)
    for _ in range(padding // MIB):
        parts.append(first.compress(zeros))
    parts.append(first.flush())
    return zlib.compress(b"".join(parts), 9)


def xref_row(kind: int, a: int, b: int) -> bytes:
    return bytes([kind]) + a.to_bytes(4, "big") + b.to_bytes(2, "big")


def base_objects(out: bytearray, catalog_extra: bytes = b"") -> dict:
    offsets = {}
    for num, body in (
        (1, b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>"),
        (2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        (3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"),
    ):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    return offsets


def xref_chain(streams: int = 8, inflated: int = 400 * MIB) -> bytes:
    out = bytearray(HEADER)
    offsets = base_objects(out)
    prev = None
    for k in range(streams):
        num = 4 + k
        offsets[num] = len(out)
        rows = xref_row(0, 0, 65535) + b"".join(
            xref_row(1, offsets[n], 0) if n in offsets else xref_row(0, 0, 0)
            for n in range(1, num + 1)
        )
        data = double_deflate(rows, inflated)
        prev_entry = b"" if prev is None else b" /Prev %d" % prev
        out += (
            b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R%s "
            b"/Filter [/FlateDecode /FlateDecode] /Length %d >>\nstream\n"
            % (num, num + 1, prev_entry, len(data))
        )
        out += data + b"\nendstream\nendobj\n"
        prev = offsets[num]
    out += b"startxref\n%d\n%%%%EOF\n" % prev
    return bytes(out)


def classic_tail(out: bytearray, offsets: dict) -> bytes:
    size = max(offsets) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f\r\n" % size
    for num in range(1, size):
        out += b"%010d 00000 n\r\n" % offsets[num]
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)


def deep_nesting(depth: int = 100_000) -> bytes:
    out = bytearray(HEADER)
    offsets = base_objects(out, b"/Deep " + b"[" * depth + b"]" * depth + b" ")
    return classic_tail(out, offsets)


def objstm(inflated: int = 400 * MIB) -> bytes:
    out = bytearray(HEADER)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    ]
    body, header = b"", b""
    for index, obj in enumerate(objects):
        header += b"%d %d " % (index + 1, len(body))
        body += obj + b" "
    data = double_deflate(header + body, inflated)
    offsets = {4: len(out)}
    out += (
        b"4 0 obj\n<< /Type /ObjStm /N 3 /First %d /Filter [/FlateDecode /FlateDecode] "
        b"/Length %d >>\nstream\n" % (len(header), len(data))
    )
    out += data + b"\nendstream\nendobj\n"
    xref_num = 5
    offsets[xref_num] = len(out)
    rows = (
        xref_row(0, 0, 65535)
        + b"".join(xref_row(2, 4, i) for i in range(3))
        + xref_row(1, offsets[4], 0)
        + xref_row(1, offsets[5], 0)
    )
    out += (
        b"5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n"
        % len(rows)
    )
    out += rows + b"\nendstream\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[xref_num]
    return bytes(out)


def deflate_padded(inner: bytes, padding: int) -> bytes:
    """zlib(inner + padding zero bytes), compressed chunk by chunk."""
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(inner)]
    zeros = bytes(MIB)
    for _ in range(padding // MIB):
        parts.append(compressor.compress(zeros))
    parts.append(compressor.flush())
    return b"".join(parts)


def objstm_held(streams: int = 63, inflated: int = 16 * MIB, size: int = 17 * MIB) -> bytes:
    """Form fields that signing and verification both read, each in an object stream of its own
    that inflates to `inflated` bytes; an unreferenced stream of random bytes brings the file to
    `size`, which earns it the largest document budget (64 x 17 MB > 1 GiB)."""
    out = bytearray(HEADER)
    first_field = 5
    fields = b" ".join(b"%d 0 R" % (first_field + 2 * k) for k in range(streams))
    offsets = {}
    for num, body in (
        (1, b"<< /Type /Catalog /Pages 2 0 R /AcroForm 4 0 R >>"),
        (4, b"<< /Fields [" + fields + b"] >>"),
    ):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    # The page tree shares the first stream, so that DescribeFileUrls' page sizes decode it too
    # (signing rewrites the page, not its parent).
    pages = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"
    rows = {}
    for k in range(streams):
        field, holder = first_field + 2 * k, first_field + 2 * k + 1
        members = [(field, b"<< /FT /Tx /T (field%d) /V (x) >> " % k)]
        if k == 0:
            members += [(2, pages + b" "), (3, page + b" ")]
        header, body = b"", b""
        for index, (num, text) in enumerate(members):
            header += b"%d %d " % (num, len(body))
            body += text
            rows[num] = (holder, index)
        data = deflate_padded(header + body, inflated)
        offsets[holder] = len(out)
        out += (
            b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\n"
            b"stream\n" % (holder, len(members), len(header), len(data))
        )
        out += data + b"\nendstream\nendobj\n"
    padding = first_field + 2 * streams
    junk = os.urandom(max(0, size - len(out) - 4096))
    offsets[padding] = len(out)
    out += b"%d 0 obj\n<< /Length %d >>\nstream\n" % (padding, len(junk))
    out += junk + b"\nendstream\nendobj\n"
    xref_num = padding + 1
    offsets[xref_num] = len(out)
    table = xref_row(0, 0, 65535)
    for num in range(1, xref_num + 1):
        if num in rows:
            table += xref_row(2, rows[num][0], rows[num][1])
        else:
            table += xref_row(1, offsets[num], 0)
    out += (
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n"
        % (xref_num, xref_num + 1, len(table))
    )
    out += table + b"\nendstream\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[xref_num]
    return bytes(out)


def main():
    target = sys.argv[1]
    os.makedirs(target, exist_ok=True)
    for name, make in (
        ("xref-chain.pdf", xref_chain),
        ("deep-nesting.pdf", deep_nesting),
        ("objstm.pdf", objstm),
        ("objstm-held.pdf", objstm_held),
        ("objstm-held-large.pdf", lambda: objstm_held(4, 250 * MIB)),
        ("objstm-pages.pdf", lambda: objstm_held(1, 250 * MIB)),
    ):
        data = make()
        with open(os.path.join(target, name), "wb") as handle:
            handle.write(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
