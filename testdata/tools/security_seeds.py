#!/usr/bin/env python3
"""Writes the `security` fuzz target's seeds (tests/fuzz_regressions/security/ and, when given,
another folder): for each file of testdata/pdf/encrypted, `password \\n id0 \\n` followed by the
bytes of its encryption dictionary as written in the file, once with the right password and
once with a wrong one.

Usage: testdata/tools/security_seeds.py [OUT_DIR]
"""

import pathlib
import re
import sys

here = pathlib.Path(__file__).resolve().parent
repo = here.parent.parent
out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else repo / "tests/fuzz_regressions/security"
out.mkdir(parents=True, exist_ok=True)
PASSWORDS = {"r3-rc4-128-user.pdf": b"user", "r6-aes256-user-objstm.pdf": b"user"}

for path in sorted((repo / "testdata/pdf/encrypted").glob("*.pdf")):
    data = path.read_bytes()
    number = re.findall(rb"/Encrypt\s+(\d+)\s+0\s+R", data)[-1]
    start = re.search(rb"(?<![0-9])" + number + rb"\s+0\s+obj", data)
    body = data[start.end() : data.index(b"endobj", start.end())].strip()
    ids = re.findall(rb"/ID\s*\[\s*<([0-9a-fA-F]*)>", data)
    id0 = bytes.fromhex(ids[-1].decode()) if ids else b""
    stem = path.stem
    for label, password in (("right", PASSWORDS.get(path.name, b"owner")), ("wrong", b"guess")):
        # The id may hold a newline byte: the target splits at the first two, so drop them.
        seed = password + b"\n" + id0.replace(b"\n", b"") + b"\n" + body
        (out / f"{stem}-{label}-password").write_bytes(seed)
print(f"seeded {out}")
