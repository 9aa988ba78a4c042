#!/usr/bin/env bash
# countersign against pyHanko in the same run, on the same generated files:
#   - COUNT (default 1000) different 50 KB documents: countersign batch on 1 and 2 threads with
#     each backend built in, pyHanko in one process (scripts/pyhanko_bench.py: its best case);
#   - a 100 MB image PDF and a 100,000-page PDF.
# countersign reads and writes files; pyHanko reads files and keeps its output in memory.
#
# usage: scripts/compare_pyhanko.sh     (FEATURES=aws-lc adds the aws-lc backend; COUNT=1000)
# pyHanko comes from .venv (created by .ci/run) or the python3 on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

features=${FEATURES:-aws-lc}
count=${COUNT:-1000}
work=${WORK:-target/compare}
python=.venv/bin/python3
[ -x "$python" ] || python=python3
"$python" -c "import pyhanko" 2>/dev/null || {
    echo "pyHanko is not installed (run .ci/run or: python3 -m venv .venv && .venv/bin/pip install pyhanko)" >&2
    exit 1
}

# The CLI is its own package (crates/countersign-cli); make_pdfs is an example of the engine.
cargo build --quiet --release -p countersign-cli --features "$features" --bin countersign
cargo build --quiet --release --example make_pdfs
target=${CARGO_TARGET_DIR:-target}
bin=$target/release/countersign
make=$target/release/examples/make_pdfs
mkdir -p "$work"
[ -d "$work/small" ] && [ "$(ls "$work/small" | wc -l)" -eq "$count" ] || {
    rm -rf "$work/small"
    "$make" small "$work/small" "$count" 50000
}
[ -f "$work/image-100MB.pdf" ] || "$make" image "$work/image-100MB.pdf" 100000000
[ -f "$work/pages-100k.pdf" ] || "$make" pages "$work/pages-100k.pdf" 100000
pki=testdata/pki
credential=(--cert "$pki/demo.chain.pem" --key "$pki/demo.key.pem")

# countersign batch ... --json, printing "<documents/s> <seconds>".
ours() {
    rm -rf "$work/out"
    "$bin" batch "$@" -o "$work/out" "${credential[@]}" --json 2>/dev/null |
        "$python" -c 'import json,sys; d=json.load(sys.stdin); assert d["refused"]==0, d; print("%.1f %.3f" % (d["documents_per_second"], d["seconds"]))'
}

theirs() {
    "$python" scripts/pyhanko_bench.py --key "$pki/demo.key.pem" --cert "$pki/demo.cert.pem" \
        --chain "$pki/demo-ca.cert.pem" "$pki/root-ca.cert.pem" -- "$@" |
        "$python" -c 'import json,sys; d=json.load(sys.stdin); print("%.1f %.3f" % (d["documents_per_second"], d["seconds"]))'
}

backends=(rustcrypto)
case ",$features," in *,aws-lc,*) backends+=(aws-lc) ;; esac
pyhanko_version=$("$python" -c 'import importlib.metadata as m; print(m.version("pyhanko"))')
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); cores: $(nproc); pyHanko $pyhanko_version"
echo
echo "| case | tool | documents/s | seconds |"
echo "|---|---|---|---|"
for backend in "${backends[@]}"; do
    for threads in 1 2; do
        read -r rate s < <(ours "$work/small" --backend "$backend" -j "$threads")
        echo "| $count × 50 KB | countersign $backend, $threads thread(s) | $rate | $s |"
    done
done
read -r rate s < <(theirs "$work"/small/*.pdf)
echo "| $count × 50 KB | pyHanko, 1 process | $rate | $s |"
for file in image-100MB.pdf pages-100k.pdf; do
    for backend in "${backends[@]}"; do
        read -r rate s < <(ours "$work/$file" --backend "$backend" -j 1)
        echo "| $file | countersign $backend | $rate | $s |"
    done
    read -r rate s < <(theirs "$work/$file")
    echo "| $file | pyHanko | $rate | $s |"
done
