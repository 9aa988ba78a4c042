#!/usr/bin/env bash
# Batch signing from files against the physical limit measured in the same run (issue: "batch
# signing at the physical limit"):
#   - COUNT (default 1000) different 50 KB documents, for each backend: the limit (SHA-256 of every
#     document + one signature each, on a pool of THREADS), `sign_files` (the library call) and
#     `countersign batch` (the CLI, reading and writing real files); medians of three runs;
#   - one 100 MB file: `countersign sign` against SHA-256 + copy of the same file, with peak RSS.
# Prints a Markdown table; "share" = limit / measured (1.00 = at the limit). "file work" is what a
# durable file batch does besides signing (read, write under a temporary name, flush, rename; see
# examples/batch_limit.rs), measured alone on the same pool; "floor" = (CPU time of the limit + CPU
# time of the file work) / threads, below which no durable file batch can go.
#
# usage: scripts/batch_limit.sh     (COUNT=1000 THREADS=$(nproc) WORK=target/batch-limit)
set -euo pipefail
cd "$(dirname "$0")/.."

count=${COUNT:-1000}
threads=${THREADS:-$(nproc)}
work=${WORK:-target/batch-limit}
target=${CARGO_TARGET_DIR:-target}

cargo build --quiet --release -p countersign-cli --features aws-lc --bin countersign
cargo build --quiet --release --features aws-lc --example batch_limit --example make_pdfs
bin=$target/release/countersign
limit=$target/release/examples/batch_limit
make=$target/release/examples/make_pdfs
mkdir -p "$work"
[ -d "$work/small" ] && [ "$(ls "$work/small" | wc -l)" -eq "$count" ] || {
    rm -rf "$work/small"
    "$make" small "$work/small" "$count" 50000
}
[ -f "$work/image-100MB.pdf" ] || "$make" image "$work/image-100MB.pdf" 100000000
credential=(--cert testdata/pki/demo.chain.pem --key testdata/pki/demo.key.pem)
# Every run writes into folders that never held files, and no file is deleted during the run:
# ext4 (without a journal, as here) passes over inodes freed in the last 60 s (300 s while their
# inode table block is unwritten) when it allocates new ones, which made creating a file cost
# 0.3-0.5 ms more right after deleting thousands (and file work alone 4-6 times slower). Outputs of
# the previous run are deleted at its end; this run waits until that is SETTLE_SECONDS old.
settle=${SETTLE_SECONDS:-65}
rm -rf "$work/out"
mkdir -p "$work/out"
sync
if [ -f "$work/deleted-at" ]; then
    wait=$((settle - ($(date +%s) - $(cat "$work/deleted-at"))))
    [ "$wait" -le 0 ] || sleep "$wait"
fi

field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }

# Wall seconds of one CLI batch (backend, run number) into a folder of its own.
cli_batch() {
    "$bin" batch "$work/small" -o "$work/out/cli-$1-$2" "${credential[@]}" --backend "$1" -j "$threads" --json |
        python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["refused"]==0, d; print(d["seconds"])'
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); cores: $(nproc); threads: $threads; $count × 50 KB"
echo
echo "| backend | limit (s) | file work alone: wall / CPU (s) | floor (s) | sign_files (s) | share | countersign batch (s) | share | share of floor | batch docs/s |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for backend in rustcrypto aws-lc; do
    json=$("$limit" files "$work/small" "$work/out/lib-$backend" "$backend" "$threads")
    lim=$(field "$json" limit_s)
    lib=$(field "$json" sign_files_s)
    files=$(field "$json" file_work_s)
    limit_cpu=$(field "$json" limit_cpu_s)
    files_cpu=$(field "$json" file_work_cpu_s)
    cli1=$(cli_batch "$backend" 1)
    cli2=$(cli_batch "$backend" 2)
    cli3=$(cli_batch "$backend" 3)
    cli=$(median3 "$cli1" "$cli2" "$cli3")
    python3 - "$backend" "$lim" "$files" "$lib" "$cli" "$limit_cpu" "$files_cpu" "$threads" "$count" <<'PY'
import sys
backend = sys.argv[1]
lim, files, lib, cli, lim_cpu, files_cpu = map(float, sys.argv[2:8])
threads, count = int(sys.argv[8]), int(sys.argv[9])
# No durable file batch beats the CPU time of signing plus that of its file work, spread over
# the pool (waiting for the device can overlap; the CPU cannot).
floor = max(lim, (lim_cpu + files_cpu) / threads)
print(f"| {backend} | {lim:.3f} | {files:.3f} / {files_cpu:.3f} | {floor:.3f} | {lib:.3f} | {lim/lib:.2f} "
      f"| {cli:.3f} | {lim/cli:.2f} | {floor/cli:.2f} | {count/cli:,.0f} |")
PY
done

echo
echo "| 100 MB file | SHA-256 (s) | SHA-256 + copy (s) | sign_file (s) | ratio | countersign sign (s) | ratio | CLI peak RSS |"
echo "|---|---|---|---|---|---|---|---|"
for backend in rustcrypto aws-lc; do
    json=$("$limit" file "$work/image-100MB.pdf" "$work/out/file-$backend" "$backend")
    walls=()
    rss=0
    for run in 1 2 3; do
        /usr/bin/time -f "%e %M" -o "$work/time.txt" \
            "$bin" sign "$work/image-100MB.pdf" -o "$work/out/signed-100MB-$backend-$run.pdf" "${credential[@]}" --backend "$backend" >/dev/null 2>&1
        read -r wall kb <"$work/time.txt"
        walls+=("$wall")
        rss=$((kb > rss ? kb : rss))
    done
    python3 - "$backend" "$(field "$json" sha256_s)" "$(field "$json" sha256_plus_copy_s)" "$(field "$json" sign_file_s)" "$(median3 "${walls[@]}")" "$rss" <<'PY'
import sys
backend, sha, both, lib, wall, kb = sys.argv[1], *map(float, sys.argv[2:7])
print(f"| {backend} | {sha:.3f} | {both:.3f} | {lib:.3f} | {lib/both:.2f} | {wall:.3f} | {wall/both:.2f} | {kb/1024:.1f} MB |")
PY
done
echo
echo "(countersign sign is a whole process: start-up and loading the key are in its time; sign_file is"
echo "the library call. This workspace builds AWS-LC without its CPU-jitter seeding, see .cargo/config.toml.)"

# Outputs deleted now, after the measurements (see the settling above).
rm -rf "$work/out"
date +%s >"$work/deleted-at"
