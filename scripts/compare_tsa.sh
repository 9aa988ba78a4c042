#!/usr/bin/env bash
# PAdES B-T batch throughput with a local RFC 3161 TSA, countersign against pyHanko in the same
# run on the same COUNT (default 300) generated 50 KB documents:
#   - the TSA is the test suite's (examples/local_tsa.rs: tsa-tsa key, RSA-2048), on loopback;
#   - countersign batch at B-B and at B-T (tokens fetched concurrently: 32 documents in flight);
#   - pyHanko in one process with its HTTPTimeStamper (one token at a time: its API is
#     sequential per signature), same key, same TSA.
# The TSA runs on the same 2 cores, so every B-T number includes the TSA's own signing work.
#
# usage: scripts/compare_tsa.sh     (COUNT=300, PORT=18970)
set -euo pipefail
cd "$(dirname "$0")/.."

count=${COUNT:-300}
port=${PORT:-18970}
work=${WORK:-target/compare-tsa}
python=.venv/bin/python3
[ -x "$python" ] || python=python3

cargo build --quiet --release --bin countersign --example make_pdfs --example local_tsa
bin=target/release/countersign
mkdir -p "$work"
[ -d "$work/small" ] && [ "$(ls "$work/small" | wc -l)" -eq "$count" ] || {
    rm -rf "$work/small"
    target/release/examples/make_pdfs small "$work/small" "$count" 50000
}
target/release/examples/local_tsa "$port" >/dev/null &
tsa_pid=$!
trap 'kill $tsa_pid' EXIT
url="http://127.0.0.1:$port/tsa"
sleep 1
pki=testdata/pki
credential=(--cert "$pki/demo.chain.pem" --key "$pki/demo.key.pem")

ours() {
    rm -rf "$work/out"
    "$bin" batch "$work/small" "$@" -o "$work/out" "${credential[@]}" --json 2>/dev/null |
        "$python" -c 'import json,sys; d=json.load(sys.stdin); assert d["refused"]==0, d; print("%.1f %.3f" % (d["documents_per_second"], d["seconds"]))'
}

theirs() {
    "$python" scripts/pyhanko_bench.py --key "$pki/demo.key.pem" --cert "$pki/demo.cert.pem" \
        --chain "$pki/demo-ca.cert.pem" "$pki/root-ca.cert.pem" "$@" -- "$work"/small/*.pdf |
        "$python" -c 'import json,sys; d=json.load(sys.stdin); print("%.1f %.3f" % (d["documents_per_second"], d["seconds"]))'
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); cores: $(nproc)"
echo
echo "| $count × 50 KB | documents/s | seconds |"
echo "|---|---|---|"
read -r rate s < <(ours)
echo "| countersign batch, B-B | $rate | $s |"
read -r rate s < <(ours --tsa "$url")
echo "| countersign batch, B-T (local TSA) | $rate | $s |"
read -r rate s < <(theirs)
echo "| pyHanko, B-B | $rate | $s |"
# A timestamp token does not fit in pyHanko's default 16 KiB reservation.
read -r rate s < <(theirs --tsa "$url" --reserve 32768)
echo "| pyHanko, B-T (local TSA) | $rate | $s |"
