#!/bin/sh
# Red-team findings (2026-12-07, round 3), low: inputs and names `batch` does not plan for.
#   1. an input given by name that is a FIFO: write_signed's File::open (src/sign/stream.rs)
#      blocks forever; the other jobs commit but the batch never ends and prints no report
#      (folder expansion skips FIFOs via is_file, explicit arguments are not checked).
#   2. an output name of 238..255 bytes is a legal file name, but the temporary name
#      `.NAME.PID.N.tmp` (src/sign/durable.rs TempOutput::create) exceeds NAME_MAX: the
#      job is refused with ENAMETOOLONG (sign and --complete alike).
# Usage: sh redteam_batch_inputs.sh COUNTERSIGN REPO OUTDIR
exe=$1; repo=$2; out=$3
rm -rf "$out/fifo" "$out/long"; mkdir -p "$out/fifo/in" "$out/fifo/out" "$out/long/in" "$out/long/out"
mkfifo "$out/fifo/in/a.pdf"; cp "$repo/testdata/pdf/classic.pdf" "$out/fifo/in/b.pdf"
echo "== 1. FIFO input (10 s timeout)"
timeout 10 "$exe" batch "$out/fifo/in/a.pdf" "$out/fifo/in/b.pdf" -o "$out/fifo/out" --json 2>/dev/null
echo "exit $? (124: killed by timeout)"; ls "$out/fifo/out"
echo "== 2. 249-byte output name"
name=$(printf 'A%.0s' $(seq 245)).pdf
cp "$repo/testdata/pdf/classic.pdf" "$out/long/in/$name"
"$exe" batch "$out/long/in" -o "$out/long/out" 2>&1 | grep -o 'File name too long.*\|signed [0-9]*, refused [0-9]*'
