#!/usr/bin/env bash
# Peak memory and wall time of streaming signing (`countersign batch FILE -o DIR`, which signs
# through `sign_file`) on generated files, measured with /usr/bin/time -v, beside:
#   - the process baseline: the same binary signing a 50 KB file;
#   - the physical reference for large files: `sha256sum FILE` and `cp FILE` (coreutils).
#
# usage: scripts/rss.sh            (FEATURES=aws-lc for the aws-lc backend; SIZES_MB="100 1000")
set -euo pipefail
cd "$(dirname "$0")/.."

features=${FEATURES:-}
sizes_mb=${SIZES_MB:-100 1000}
work=${WORK:-target/rss}
if [ ! -x /usr/bin/time ]; then
    echo "installing GNU time" >&2
    apt-get install -y time >/dev/null
fi
# The CLI is its own package (crates/countersign-cli); make_pdfs is an example of the engine.
cargo build --quiet --release -p countersign-cli --features "$features" --bin countersign
cargo build --quiet --release --example make_pdfs
target=${CARGO_TARGET_DIR:-target}
bin=$target/release/countersign
make=$target/release/examples/make_pdfs
mkdir -p "$work/out"

[ -f "$work/small.pdf" ] || "$make" text "$work/small.pdf" 50000
[ -f "$work/pages-100k.pdf" ] || "$make" pages "$work/pages-100k.pdf" 100000
for mb in $sizes_mb; do
    [ -f "$work/image-${mb}MB.pdf" ] || "$make" image "$work/image-${mb}MB.pdf" "$((mb * 1000000))"
done

# Prints "<max RSS in KB> <wall seconds> <CPU seconds (user + system)>" of a command.
measure() {
    /usr/bin/time -f "%M %e %U %S" -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || {
        cat "$work/stderr.txt" >&2
        return 1
    }
    read -r kb wall user system <"$work/time.txt"
    echo "$kb $wall $(echo "$user + $system" | bc)"
}

sign() {
    rm -f "$work/out/$(basename "$1")"
    sync
    measure "$bin" batch "$1" -o "$work/out" --json
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); features: $features"
read -r base_kb base_s base_cpu < <(sign "$work/small.pdf")
echo "| file | wall (s) | CPU (s) | peak RSS | above baseline | sha256sum wall / CPU (s) | cp wall / CPU (s) |"
echo "|---|---|---|---|---|---|---|"
echo "| small.pdf (baseline) | $base_s | $base_cpu | $base_kb KB | - | - | - |"
for file in "$work"/image-*MB.pdf "$work/pages-100k.pdf"; do
    read -r kb s cpu < <(sign "$file")
    read -r _ hash_s hash_cpu < <(measure sha256sum "$file")
    rm -f "$work/copy.pdf"
    read -r _ copy_s copy_cpu < <(measure cp "$file" "$work/copy.pdf")
    rm -f "$work/copy.pdf"
    echo "| $(basename "$file") | $s | $cpu | $kb KB | $((kb - base_kb)) KB | $hash_s / $hash_cpu | $copy_s / $copy_cpu |"
done
