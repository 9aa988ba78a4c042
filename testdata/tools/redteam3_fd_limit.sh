#!/bin/bash
# FIXED (lead, 2026-12-07, release CLI rerun): the outputs waiting for their commit are bounded by a quarter of RLIMIT_NOFILE: -n 256 -j 64 and -n 128 -j 64 sign 2000 of 2000, no temporary file left.
# Red team round 3 (2026-12-07): a batch under a low descriptor limit (ulimit -n), with many
# workers. The batch holds up to 384 output descriptors (128 queued + 256 per group) besides
# inputs and outputs being written; it does not size either bound from RLIMIT_NOFILE.
# Usage: bash testdata/tools/redteam3_fd_limit.sh COUNTERSIGN [LIMIT] [JOBS] [FILES]
# Expected: every document signed (the batch waits for descriptors) or refused with an
#   error that says why; no temporary files left; no output in place that is reported refused.
# Observed (release CLI, 2 cores, 2000-3000 copies of classic.pdf): ulimit -n 256 -j 64: 808 of
#   2000 refused "Too many open files" (inputs and temporary outputs); -n 128: 1367; -n 64: 1711.
#   -n 256 -j 2, -n 512 -j 64, -n 1024 -j 64: all signed. No temporary file left, no refused
#   output in place (errors are accurate). Cause: OUTPUTS_WAITING/GROUP_LIMIT (src/sign/batch.rs:194)
#   are fixed, not derived from RLIMIT_NOFILE; EMFILE is a job error, not a reason to wait.
# Prints: the summary line, refusal kinds, temp files left, outputs in place vs. reported signed.
set -u
exe=$(realpath "$1"); limit=${2:-256}; jobs=${3:-64}; files=${4:-2000}
repo=$(cd "$(dirname "$0")/../.." && pwd)
lab=$(mktemp -d /tmp/redteam3-fd.XXXXXX)
trap 'rm -rf "$lab"' EXIT
mkdir -p "$lab/in" "$lab/out"
for i in $(seq 1 "$files"); do cp "$repo/testdata/pdf/classic.pdf" "$lab/in/doc$i.pdf"; done
cred=(--cert "$repo/testdata/pki/demo.chain.pem" --key "$repo/testdata/pki/demo.key.pem")
( ulimit -n "$limit"; timeout 300 "$exe" batch "$lab/in" -o "$lab/out" -j "$jobs" --json "${cred[@]}" \
    >"$lab/report.json" 2>"$lab/err.txt"; echo "exit $?" )
python3 - "$lab" <<'PY'
import json, os, sys, collections
lab = sys.argv[1]
try:
    report = json.load(open(f"{lab}/report.json"))
except Exception as e:
    print("no JSON report:", e, open(f"{lab}/err.txt").read()[-500:]); sys.exit()
results = report.get("results", [])
ok = [r for r in results if r.get("status") == "signed"]
print("summary:", {k: v for k, v in report.items() if k != "results"})
kinds = collections.Counter((r.get("kind") or "", str(r.get("error") or r.get("message") or "")[:110]) for r in results if r not in ok)
for (k, m), n in kinds.most_common(5): print(f"  refused x{n}: {k}: {m}")
names = os.listdir(f"{lab}/out")
temps = [n for n in names if not n.endswith(".pdf")]
print("entries in out:", len(names), "temporary files left:", len(temps), temps[:3])
refused_in_place = [r for r in results if r not in ok and r.get("output") and os.path.exists(r["output"])]
print("reported refused but output in place:", len(refused_in_place))
PY
