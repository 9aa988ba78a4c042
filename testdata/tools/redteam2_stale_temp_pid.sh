#!/bin/bash
# FIXED (lead, 2026-12-07, release CLI rerun): temporary names carry a random per-run nonce (and a taken name is retried): the re-run signs 600 of 600. Stale files of the killed run stay behind.
# Red team round 2 (2026-12-07), LOW (availability): after a crashed batch, re-running it in a
# container refuses outputs with "File exists".
#
# What it shows. Temporary names are `.countersign-PID-N.tmp` with N a per-process counter from 0
# (TempOutput::create, src/sign/durable.rs), opened with create_new and never retried. A batch
# killed mid-way (OOM kill, power loss: the cases the durable commit is for) leaves its uncommitted
# temporary files behind, and nothing removes them. In a container the CLI runs with the same PID
# every time (here: PID 1 in a new PID namespace, as under Docker), so the re-run of the same batch
# draws the same names for the same jobs and each job whose name is taken fails with EEXIST.
#
# Run as root (unshare): bash testdata/tools/redteam2_stale_temp_pid.sh COUNTERSIGN
# Expected: the re-run signs every input (stale temporary files ignored, replaced or removed).
# Observed: run 1 killed with K stale .countersign-1-N.tmp left (K varies, seen 10-100);
#   run 2 "signed 600-K, refused K", each refusal "...countersign-1-N.tmp: File exists (os error 17)".
set -u
exe=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
lab=$(mktemp -d /tmp/redteam2-stale.XXXXXX)
trap 'rm -rf "$lab"' EXIT
mkdir -p "$lab/in" "$lab/out"
for i in $(seq -w 1 600); do cp "$repo/testdata/pdf/classic.pdf" "$lab/in/doc$i.pdf"; done
batch=("$exe" batch "$lab/in" -o "$lab/out" -j 2
    --cert "$repo/testdata/pki/demo.chain.pem" --key "$repo/testdata/pki/demo.key.pem")
for attempt in $(seq 20); do                  # kill run 1 while some outputs wait for their commit
    rm -rf "$lab/out"; mkdir "$lab/out"
    unshare --pid --fork "${batch[@]}" >/dev/null 2>&1 &
    pid=$!; child=""
    until [ -n "$child" ]; do child=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null); done
    for _ in $(seq 200); do
        [ -n "$(find "$lab/out" -name '*.tmp' -print -quit)" ] && [ "$(ls "$lab/out" | wc -l)" -gt 100 ] && break
        sleep 0.01
    done
    kill -9 $child 2>/dev/null; wait "$pid" 2>/dev/null   # countersign (PID 1 inside), then unshare
    stale=$(find "$lab/out" -name '.countersign-*.tmp' | wc -l)
    [ "$stale" -gt 0 ] && break
done
echo "run 1 killed; stale temporary files left: $stale ($(find "$lab/out" -name '.countersign-*.tmp' | head -2 | xargs -n1 basename | tr '\n' ' '))"
rm -f "$lab/out"/*.pdf                        # start the re-run from scratch
unshare --pid --fork "${batch[@]}" >"$lab/run2.log" 2>&1
grep -E "^signed|File exists" "$lab/run2.log" | sed -n "1,2p;\$p"
