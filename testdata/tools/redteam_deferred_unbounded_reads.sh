#!/bin/sh
# Red-team finding (2026-12-07, round 3), low: `sign --complete` reads --signature whole with
# no bound before SignatureTooLong is checked (crates/countersign-cli/src/cli/deferred.rs
# `complete`: read(signature); the limit is applied in DeferredSignature::check_signature),
# and the state's MAX_LEN check uses metadata().len(), which is 0 for /dev/zero, a FIFO or a
# /proc file: a 2 GiB sparse "signature" costs 2 GiB of memory for a value of at most 512
# bytes, /dev/zero as either file grows memory until the allocator fails (or the OOM killer
# acts), and a FIFO state blocks forever.
# Usage: sh redteam_deferred_unbounded_reads.sh COUNTERSIGN REPO OUTDIR
exe=$1; repo=$2; out=$3; pki=$repo/testdata/pki; pdf=$repo/testdata/pdf/classic.pdf
mkdir -p "$out"
"$exe" sign "$pdf" --cert "$pki/demo.chain.pem" --prepare "$out/u.state" >/dev/null 2>&1 || exit 2
truncate -s 2G "$out/huge.sig"
echo "== 2 GiB sparse signature file"
/usr/bin/time -f "max RSS %M KiB, %e s" "$exe" sign "$pdf" --complete "$out/u.state" --signature "$out/huge.sig" -o "$out/u.pdf"
rm -f "$out/huge.sig"
echo "== /dev/zero as the state (memory capped at 1.5 GB by ulimit)"
(ulimit -v 1500000; timeout 60 "$exe" sign "$pdf" --complete /dev/zero --signature "$out/u.state" -o "$out/u.pdf"; echo "exit $?")
echo "== FIFO as the state (5 s timeout)"
rm -f "$out/fifo"; mkfifo "$out/fifo"
timeout 5 "$exe" sign "$pdf" --complete "$out/fifo" --signature "$out/u.state" -o "$out/u.pdf"; echo "exit $? (124: timeout)"
