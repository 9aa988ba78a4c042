#!/bin/bash
# FIXED (lead, 2026-12-07, release CLI rerun): folders are looked up by hash: 5,000 jobs 0.095 s, 40,000 0.748 s.
# Red team round 2 (2026-12-07), MEDIUM (denial of service): sign_files spends time quadratic in the
# number of distinct output folders before signing anything.
#
# What it shows. OutputFolders::open (src/sign/durable.rs:140) looks each job's folder up with a
# linear scan of the folders seen so far (`folders.iter().any`), and commit_group finds each
# group's folders the same way (OutputFolders::get_mut, durable.rs:157): with one folder per
# document (out/<id>/signed.pdf, a common layout) the bookkeeping is O(N^2) path comparisons.
# The example examples/redteam2_batch.rs gives every job its own folder and a missing input, so
# every job fails at once: the measured time is the batch's bookkeeping alone.
# Also checked (guarantee held): 100 jobs in 100 distinct existing folders (past the 64 watched
# ones) all signed, nothing left under a temporary name.
#
# Run: bash testdata/tools/redteam2_many_folders.sh   (from the repository; builds the example)
# Expected: time roughly linear in N (hash lookups), well under a second for 40,000 jobs.
# Observed (release, 2 cores): 5,000 jobs 0.61 s, 10,000 2.48 s, 20,000 9.35 s, 40,000 38.4 s
#   (x4 per doubling; 100,000 would take ~4 min, 1,000,000 ~7 h) before a single document is read.
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
cargo build -q --release --example redteam2_batch --features aws-lc,tsa
exe="${CARGO_TARGET_DIR:-$repo/target}/release/examples/redteam2_batch"
lab=$(mktemp -d /tmp/redteam2-folders.XXXXXX)
trap 'rm -rf "$lab"' EXIT
for n in 5000 10000 20000 40000; do "$exe" plan "$n" "$lab/plan"; done
"$exe" sign 100 "$repo/testdata/pdf/classic.pdf" "$lab/sign"
echo "temporary files left: $(find "$lab/sign" -name '*.tmp' | wc -l)"
