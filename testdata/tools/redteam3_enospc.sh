#!/bin/bash
# Red team round 3 (2026-12-07): ENOSPC while writing outputs (a 2 MiB tmpfs as the output
# folder, 300 documents of ~100 KiB signed output). Needs root (mount).
# Usage: bash testdata/tools/redteam3_enospc.sh COUNTERSIGN
# Expected: the documents that did not fit are refused with "No space left", no temporary file
#   is left behind, every output reported signed reads back whole (qpdf --check) and every
#   refused one is absent.
# Observed (HELD, release CLI): 170 signed, 130 refused "No space left on device" (named after the
#   temporary file), 0 temporary files left, 170 outputs in place, all pass qpdf --check.
set -u
exe=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
lab=$(mktemp -d /tmp/redteam3-enospc.XXXXXX)
cleanup() { umount "$lab/out" 2>/dev/null; rm -rf "$lab"; }
trap cleanup EXIT
mkdir -p "$lab/in" "$lab/out"
mount -t tmpfs -o size=2m tmpfs "$lab/out" || { echo "skipped: cannot mount tmpfs"; exit 0; }
for i in $(seq 1 300); do cp "$repo/testdata/pdf/classic.pdf" "$lab/in/doc$i.pdf"; done
cred=(--cert "$repo/testdata/pki/demo.chain.pem" --key "$repo/testdata/pki/demo.key.pem")
timeout 120 "$exe" batch "$lab/in" -o "$lab/out" -j 8 --json "${cred[@]}" >"$lab/report.json" 2>"$lab/err.txt"
echo "exit $?"
python3 - "$lab" <<'PY'
import json, os, subprocess, sys, collections
lab = sys.argv[1]
report = json.load(open(f"{lab}/report.json"))
results = report["results"]
print("summary:", {k: v for k, v in report.items() if k != "results"})
print("result keys:", sorted(results[0].keys()))
bad = collections.Counter(str(r.get("error") or r.get("message") or r.get("kind"))[:100] for r in results if r.get("status") != "signed")
print("non-signed:", bad.most_common(3))
names = os.listdir(f"{lab}/out")
print("temporary files left:", [n for n in names if not n.endswith(".pdf")][:5], len([n for n in names if not n.endswith(".pdf")]))
broken = [n for n in names if n.endswith(".pdf") and subprocess.run(["qpdf", "--check", f"{lab}/out/{n}"], capture_output=True).returncode not in (0, 3)]
print("outputs in place:", len([n for n in names if n.endswith('.pdf')]), "broken:", len(broken))
PY
