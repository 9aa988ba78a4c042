#!/bin/bash
# FIXED (lead, 2026-12-07, release CLI rerun): syncfs is trusted only on ext4/XFS/Btrfs/F2FS (fstatfs), so the overlay folder is flushed file by file: 12 refused, no final name.
# Red team round 2 (2026-12-07), HIGH: on overlayfs (a Docker/Podman container's own file system)
# `batch` renames and reports "signed" outputs whose write-back failed: syncfs says nothing.
#
# What it shows. OutputFolders trusts one syncfs per group whenever the kernel is 5.8 or later
# (shared_flush_reports_errors, src/sign/durable.rs, checks only the kernel version). The 5.8
# guarantee covers the file system the descriptor belongs to. A write to an overlayfs file is a
# write to the UPPER file system's inode: its write-back error is recorded on the upper super
# block, while syncfs(2) on an overlay descriptor checks the OVERLAY super block's error cursor
# (ovl_sync_fs only runs sync_filesystem on the upper one, whose return value does not carry data
# write-back errors). So syncfs returns 0, commit_group renames every file and the batch reports
# them signed. No race, no other program involved: the plain batch, with a failing upper disk.
# (A per-file fsync WOULD report it: the folder is simply never flushed file by file.)
#
# The failing disk is the one of redteam2_writeback_lost.sh: ext4 on a loop device backed by a
# full tmpfs, free blocks trimmed to holes, so each new data block write fails (ENOSPC) while
# metadata and journal keep working. The overlay's upper and work dirs live on it.
#
# Run as root: bash testdata/tools/redteam2_overlay_syncfs.sh COUNTERSIGN
# Expected (guarantee): 12 refused (write-back failed), no final name present.
# Observed (Linux 6.18): exit 0, "signed 12, refused 0"; the 12 outputs exist under their final
# names with the reported sizes, every byte zero once the page cache is dropped; dmesg shows the
# ext4 "I/O error ... writing to inode" lines. Control run with the output folder directly on the
# same ext4 (no overlay): 12 refused, ENOSPC, nothing renamed.
set -u
exe=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
lab=$(mktemp -d /tmp/redteam2-ovl.XXXXXX); loop=""
cleanup() {
    umount "$lab/merged" 2>/dev/null; umount "$lab/mnt" 2>/dev/null
    [ -n "$loop" ] && losetup -d "$loop" 2>/dev/null; umount "$lab/backing" 2>/dev/null; rm -rf "$lab"
}
trap cleanup EXIT

make_failing_disk() {
    umount "$lab/merged" 2>/dev/null; umount "$lab/mnt" 2>/dev/null
    [ -n "$loop" ] && losetup -d "$loop"; umount "$lab/backing" 2>/dev/null
    mkdir -p "$lab/backing" "$lab/mnt" "$lab/lower" "$lab/merged"
    mount -t tmpfs -o size=80m tmpfs "$lab/backing"
    truncate -s 64m "$lab/backing/img"
    mkfs.ext4 -q -F -b 4096 -E nodiscard,lazy_itable_init=0,lazy_journal_init=0 -J size=4 "$lab/backing/img"
    fallocate -l 64m "$lab/backing/img"          # mkfs zeroes by punching holes: back everything
    loop=$(losetup -f --show "$lab/backing/img")
    mount "$loop" "$lab/mnt"; mkdir -p "$lab/mnt/upper" "$lab/mnt/work" "$lab/mnt/out"
    mount -t overlay overlay -o "lowerdir=$lab/lower,upperdir=$lab/mnt/upper,workdir=$lab/mnt/work" "$lab/merged"
    mkdir "$lab/merged/out"; sync
    fstrim "$lab/mnt"                             # free blocks become holes in the backing file
    dd if=/dev/zero of="$lab/backing/filler" bs=4k status=none 2>/dev/null  # no room for them
}

mkdir -p "$lab/in"
for i in $(seq -w 1 12); do cp "$repo/testdata/pdf/classic.pdf" "$lab/in/doc$i.pdf"; done
for where in overlay plain-ext4; do
    make_failing_disk
    out="$lab/merged/out"; [ "$where" = plain-ext4 ] && out="$lab/mnt/out"
    "$exe" batch "$lab/in" -o "$out" --cert "$repo/testdata/pki/demo.chain.pem" \
        --key "$repo/testdata/pki/demo.key.pem" --json >"$lab/report.json" 2>/dev/null
    rc=$?
    echo 3 >/proc/sys/vm/drop_caches           # read what the disk holds, not the page cache
    python3 - "$where" "$rc" "$lab/report.json" "$out" <<'EOF'
import json, os, sys
where, rc, report, out = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3])), sys.argv[4]
signed = [r for r in report["results"] if r["status"] == "signed"]
zero = sum(open(r["output"], "rb").read().count(0) == r["bytes"] for r in signed)
finals = [n for n in os.listdir(out) if n.endswith(".pdf")]
print(f"{where}: exit {rc}; reported signed {report['signed']}, refused {report['refused']}; "
      f"final names present {len(finals)}; signed outputs that are all zero bytes: {zero}")
if report["refused"]:
    print("   first refusal:", next(r["error"] for r in report["results"] if r["status"] != "signed"))
EOF
done
