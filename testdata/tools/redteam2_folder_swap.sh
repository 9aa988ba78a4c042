#!/bin/bash
# FIXED (lead, 2026-12-07, release CLI rerun): syncfs covers only outputs created on the watched descriptor's device (st_dev), others are flushed alone, folders flushed by path: 0 signed, 200 refused, none left behind.
# Red team round 2 (2026-12-07), MEDIUM-LOW: an output folder path that changes file system during
# the batch (a symlink switched, a volume mounted on it) gets outputs reported "signed" that were
# never flushed; a write-back failure afterwards loses them under their final names.
#
# What it shows. OutputFolders::open (src/sign/durable.rs:144) opens each folder's descriptor once,
# by path, before the batch; everything after works by path again (TempOutput::create,
# Pending::rename, flush_path). commit_group trusts syncfs on the OLD descriptor
# (flush_shared, durable.rs:168) for outputs that now live on ANOTHER file system, and fsyncs the
# old directory (OutputFolder::sync, durable.rs:177) instead of the one holding the renames.
# So the outputs are renamed and reported signed while their data and names are still only in
# the page cache. The script switches `out` (a symlink) from a healthy folder to one on a failing
# disk (ext4 on a loop device over a full tmpfs, see redteam2_writeback_lost.sh) as soon as the
# batch has opened its folder descriptor, then, after the batch, lets the kernel write back.
#
# Run as root: bash testdata/tools/redteam2_folder_swap.sh COUNTERSIGN
# Expected: outputs written to the new folder are flushed before being reported (so they are
#   refused here: their write-back fails), or the batch refuses a folder that changed.
# Observed (Linux 6.18, 4 runs): "signed 173-199, refused 1-27"; every signed output is in the new
#   folder on the failing disk and, after `sync` and dropping caches, reads back as all zero bytes.
#   (The refused ones had their temporary file created before the switch: rename by path -> ENOENT,
#   and their temporary files stay behind in the old folder, the removal by path missing them.)
set -u
exe=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
lab=$(mktemp -d /tmp/redteam2-swap.XXXXXX); loop=""
cleanup() {
    umount "$lab/mnt" 2>/dev/null; [ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
    umount "$lab/backing" 2>/dev/null; rm -rf "$lab"
}
trap cleanup EXIT
mkdir -p "$lab/backing" "$lab/mnt" "$lab/in" "$lab/healthy"
mount -t tmpfs -o size=80m tmpfs "$lab/backing"
truncate -s 64m "$lab/backing/img"
mkfs.ext4 -q -F -b 4096 -E nodiscard,lazy_itable_init=0,lazy_journal_init=0 -J size=4 "$lab/backing/img"
fallocate -l 64m "$lab/backing/img"
loop=$(losetup -f --show "$lab/backing/img")
mount "$loop" "$lab/mnt"; mkdir "$lab/mnt/failing"; sync
fstrim "$lab/mnt"
dd if=/dev/zero of="$lab/backing/filler" bs=4k status=none 2>/dev/null
for i in $(seq -w 1 200); do cp "$repo/testdata/pdf/classic.pdf" "$lab/in/doc$i.pdf"; done
ln -s "$lab/healthy" "$lab/out"

python3 - "$exe" "$repo" "$lab" <<'EOF'
import json, os, subprocess, sys
exe, repo, lab = sys.argv[1:]
proc = subprocess.Popen([exe, "batch", f"{lab}/in", "-o", f"{lab}/out", "--json",
                         "--cert", f"{repo}/testdata/pki/demo.chain.pem",
                         "--key", f"{repo}/testdata/pki/demo.key.pem"],
                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
healthy = f"{lab}/healthy"
while proc.poll() is None:              # wait for the folder descriptor, then switch the symlink
    try:
        fds = os.listdir(f"/proc/{proc.pid}/fd")
        if any(os.readlink(f"/proc/{proc.pid}/fd/{fd}") == healthy for fd in fds):
            os.symlink(f"{lab}/mnt/failing", f"{lab}/out.new")
            os.replace(f"{lab}/out.new", f"{lab}/out")
            break
    except OSError:
        pass
report = json.loads(proc.communicate()[0])
moved = [r for r in report["results"] if r["status"] == "signed"
         and os.path.exists(f"{lab}/mnt/failing/" + os.path.basename(r["output"]))]
print(f"exit {proc.returncode}; reported signed {report['signed']}, refused {report['refused']}; "
      f"signed outputs in the new folder: {len(moved)}")
print("   first refusal:", next((r["error"] for r in report["results"] if r["status"] != "signed"), None))
subprocess.run(["sync"])                  # the write-back the batch did not wait for
open("/proc/sys/vm/drop_caches", "w").write("3\n")
zero = sum(open(f"{lab}/mnt/failing/" + os.path.basename(r["output"]), "rb").read().count(0)
           == r["bytes"] for r in moved)
print(f"after sync: of those, {zero} read back as all zero bytes")
print("left in the old folder:", sorted(os.listdir(f"{lab}/healthy"))[:3], len(os.listdir(f"{lab}/healthy")))
EOF
