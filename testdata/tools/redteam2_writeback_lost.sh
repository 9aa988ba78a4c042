#!/bin/bash
# FIXED (lead, 2026-12-07, release CLI rerun): outputs keep the descriptor they were written with until their commit; control, evict and seen all end 12 refused, no final name.
# Red team round 2 (2026-12-07), HIGH: `batch` reports "signed" for outputs whose data the disk
# never got; they are renamed to their final names and read back as zeros.
#
# What it shows. commit_group (src/sign/durable.rs) flushes a group with one syncfs; when syncfs
# reports a write-back error it retries each file through a NEW descriptor (flush_path: File::open
# by name + fsync) and renames every file whose retry succeeds. A new descriptor only reports an
# error still recorded, unseen, on the inode. Two ordinary events erase that record before the
# retry, so the retry succeeds on a file whose data was lost:
#   evict: write-back of the temp files fails (here: another program runs `sync`; in production the
#          kernel flusher does it) and the closed, now clean inodes are reclaimed (here: drop_caches;
#          in production: memory pressure, e.g. a container's memory limit) before the retry;
#   seen:  another program fsyncs the temporary files first (`sync FILE...`, a backup agent):
#          the error is then "seen" and a new descriptor never reports it.
# The same retry path is the ONLY flush for folders past the 64th, for folders that did not exist
# at batch start, and before Linux 5.8: there the lost error is not even noticed by a syncfs.
#   control: nobody touches the files: syncfs fails, the retry reports ENOSPC, nothing is renamed
#          (the guarantee holds when the error is still on the inode).
#
# The failing disk: ext4 (4 KiB blocks) on a loop device whose backing file lives on a tmpfs; the
# free blocks are trimmed into holes and the tmpfs is then filled, so every new data block write
# fails with ENOSPC/EIO while the journal and metadata (already backed) keep working (no journal
# abort, no read-only remount: exactly a failing data write-back). No device mapper needed.
# strace delays each syncfs of countersign by 3 s: it only widens the window between "temp file
# written" and "group committed" (the 20 ms gathering + the previous group's flush) so the run is
# deterministic; it changes no result of any system call.
#
# Run as root (needs loop devices, mount, /proc/sys/vm/drop_caches, strace >= 4.22):
#   bash testdata/tools/redteam2_writeback_lost.sh COUNTERSIGN [control|evict|seen|all]
# COUNTERSIGN: a release build (cargo build --release -p countersign-cli --features aws-lc).
# Expected (guarantee): every output refused (write-back failed), no final name present.
# Observed (Linux 6.18, ext4): control: 0 signed / 12 refused (ENOSPC), no output file.
#   evict and seen: 12 signed / 0 refused, exit 0, 12 final names present, each of the reported
#   size but all zero bytes (no "%PDF" header) once the page cache is dropped.
set -u
exe=$(realpath "$1"); modes=${2:-all}; [ "$modes" = all ] && modes="control evict seen"
repo=$(cd "$(dirname "$0")/../.." && pwd)
lab=$(mktemp -d /tmp/redteam2-wb.XXXXXX); loop=""
cleanup() {
    [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
    umount "$lab/mnt" 2>/dev/null; [ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
    umount "$lab/backing" 2>/dev/null; rm -rf "$lab"
}
trap cleanup EXIT

make_failing_disk() {
    umount "$lab/mnt" 2>/dev/null; [ -n "$loop" ] && losetup -d "$loop"; umount "$lab/backing" 2>/dev/null
    mkdir -p "$lab/backing" "$lab/mnt"
    mount -t tmpfs -o size=80m tmpfs "$lab/backing"
    truncate -s 64m "$lab/backing/img"
    mkfs.ext4 -q -F -b 4096 -E nodiscard,lazy_itable_init=0,lazy_journal_init=0 -J size=4 "$lab/backing/img"
    fallocate -l 64m "$lab/backing/img"          # mkfs zeroes by punching holes: back everything
    loop=$(losetup -f --show "$lab/backing/img")
    mount "$loop" "$lab/mnt"; mkdir "$lab/mnt/out"; sync
    fstrim "$lab/mnt"                             # free blocks become holes in the backing file
    dd if=/dev/zero of="$lab/backing/filler" bs=4k status=none 2>/dev/null  # no room for them
}

mkdir -p "$lab/in"
for i in $(seq -w 1 12); do cp "$repo/testdata/pdf/classic.pdf" "$lab/in/doc$i.pdf"; done
for mode in $modes; do
    make_failing_disk
    out="$lab/mnt/out"
    strace -f -qq -o /dev/null -e trace=syncfs -e inject=syncfs:delay_enter=3000000 \
        "$exe" batch "$lab/in" -o "$out" --cert "$repo/testdata/pki/demo.chain.pem" \
        --key "$repo/testdata/pki/demo.key.pem" --json >"$lab/report.json" 2>"$lab/stderr" &
    pid=$!
    # Wait until the 12 outputs are written (temporary names) and the committer is in syncfs.
    for _ in $(seq 100); do
        [ "$(find "$out" -name '.countersign-*.tmp' | wc -l)" -ge 12 ] && break; sleep 0.05
    done
    sleep 0.3
    case $mode in
        evict) sync; echo 3 >/proc/sys/vm/drop_caches ;;
        seen) sync "$out"/.countersign-*.tmp 2>/dev/null ;;
    esac
    wait "$pid"; rc=$?; pid=""
    echo 3 >/proc/sys/vm/drop_caches           # read what the disk holds, not the page cache
    python3 - "$mode" "$rc" "$lab/report.json" "$out" <<'EOF'
import json, os, sys
mode, rc, report, out = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3])), sys.argv[4]
signed = [r for r in report["results"] if r["status"] == "signed"]
zero = pdf = 0
for r in signed:
    data = open(r["output"], "rb").read()
    assert len(data) == r["bytes"], "size differs from the report"
    zero += data.count(0) == len(data)
    pdf += data.startswith(b"%PDF")
finals = [n for n in os.listdir(out) if n.endswith(".pdf")]
print(f"{mode}: exit {rc}; reported signed {report['signed']}, refused {report['refused']}; "
      f"final names present {len(finals)}; of the signed: {zero} all-zero, {pdf} start with %PDF")
if report["refused"]:
    print("   first refusal:", next(r["error"] for r in report["results"] if r["status"] != "signed"))
EOF
done
