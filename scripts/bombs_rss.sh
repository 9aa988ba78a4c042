#!/usr/bin/env bash
# Peak memory (max RSS, /usr/bin/time -v) and wall time of `countersign verify` and
# `countersign sign` on the decompression and parser bombs of issue 9, written by
# scripts/make_bombs.py:
#   xref-chain.pdf   8 KB: eight chained xref streams, each inflating to 400 MiB (FlateDecode twice)
#   deep-nesting.pdf 200 KB: a catalog entry nested 100 000 arrays deep
#   objstm.pdf       1 KB: the catalog in an object stream that inflates to 400 MiB
# Prints one Markdown table row per file and command (docs/SECURITY.md).
#
# usage: scripts/bombs_rss.sh                 (the binary built from this checkout)
#        BEFORE=path/to/old/countersign scripts/bombs_rss.sh   (adds that binary's rows)
#        PROFILE=dev scripts/bombs_rss.sh     (debug build instead of release)
set -euo pipefail
cd "$(dirname "$0")/.."

work=${WORK:-target/bombs}
profile=${PROFILE:-release}
if [ ! -x /usr/bin/time ]; then
    echo "installing GNU time" >&2
    apt-get install -y time >/dev/null
fi
if [ "$profile" = release ]; then
    cargo build --quiet --release --bin countersign
    bin=target/release/countersign
else
    cargo build --quiet --bin countersign
    bin=target/debug/countersign
fi
mkdir -p "$work"
[ -f "$work/xref-chain.pdf" ] || python3 scripts/make_bombs.py "$work" >&2

# Prints "| file (size) | command | binary | max RSS | wall | outcome |" for one run.
measure() {
    local label=$1 command=$2 file=$3
    shift 3
    local status=0
    /usr/bin/time -v -o "$work/time.txt" "$@" >"$work/out.txt" 2>&1 || status=$?
    local kb wall outcome
    kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.txt")
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time.txt")
    outcome=$(grep -v '^note:' "$work/out.txt" | tail -n 1 | cut -c1-110)
    printf '| %s (%s bytes) | %s | %s | %s MB | %s | exit %s: %s |\n' \
        "$file" "$(stat -c %s "$work/$file")" "$command" "$label" \
        "$(( (kb + 512) / 1024 ))" "$wall" "$status" "$outcome"
}

echo "| file | command | binary | max RSS | wall | outcome |"
echo "|---|---|---|---|---|---|"
for file in xref-chain.pdf deep-nesting.pdf objstm.pdf; do
    for label in ${BEFORE:+before} after; do
        exe=$bin
        [ "$label" = before ] && exe=$BEFORE
        measure "$label" verify "$file" "$exe" verify "$work/$file"
        measure "$label" sign "$file" "$exe" sign "$work/$file" -o "$work/signed.pdf"
    done
done
