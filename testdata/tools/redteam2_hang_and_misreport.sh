#!/bin/bash
# FIXED (lead, 2026-12-07, release CLI rerun): 1. inputs are opened with O_NONBLOCK and refused unless regular files: the batch ends with its report; 2. the refusal now says the output is in place but its name may not survive a crash.
# Red team round 2 (2026-12-07), LOW: two smaller ways `batch` ends wrongly.
#
# 1. Hang (availability). plan_jobs (crates/countersign-cli/src/cli/batch.rs:152) refuses FIFOs by
#    a metadata check at planning time; write_signed (src/sign/stream.rs:133) later opens the
#    input by name with a blocking open. An input replaced by a FIFO between the two (here: the
#    last of 3,000 inputs, as soon as the batch has opened its output folder) blocks one worker in
#    open(2) forever: the committer commits everything else, but sign_files never returns, so no
#    report and no exit. sign_files (library) has no check at all. The committer/gathering itself
#    cannot be made to wait forever: it only waits for jobs (tried: panicking job = unit test,
#    fd exhaustion, 100k files - all ended).
# 2. Misreport. commit_group (src/sign/durable.rs:200-214) renames first, then fsyncs the folder;
#    if that folder fsync fails, every output of the folder in the group is reported refused
#    although it is already visible under its final name with complete, flushed data. strace
#    injects EIO into the first fsync of the process, which in a watched folder is that folder
#    fsync (the data went through syncfs). A caller that re-queues or deletes "refused" outputs
#    acts on files that are in fact signed and durable.
#
# Run as root (needs strace): bash testdata/tools/redteam2_hang_and_misreport.sh COUNTERSIGN
# Expected: 1. the job whose input became a FIFO is refused, the batch ends with a report;
#   2. outputs reported refused are absent (or reported signed with a warning).
# Observed: 1. killed by the 20 s timeout (exit 124), no report, 2,999 outputs committed;
#   2. "signed 0, refused 3" (fsync: Input/output error) while the 3 final names exist, valid PDFs.
set -u
exe=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
lab=$(mktemp -d /tmp/redteam2-hang.XXXXXX)
trap 'rm -rf "$lab"' EXIT
cred=(--cert "$repo/testdata/pki/demo.chain.pem" --key "$repo/testdata/pki/demo.key.pem")

mkdir -p "$lab/in" "$lab/out"
for i in $(seq -w 1 3000); do cp "$repo/testdata/pdf/classic.pdf" "$lab/in/doc$i.pdf"; done
timeout 20 "$exe" batch "$lab/in" -o "$lab/out" --json "${cred[@]}" >"$lab/report.json" 2>/dev/null &
pid=$!
python3 - "$pid" "$lab" <<'PY'
import os, sys
pid, lab = sys.argv[1], sys.argv[2]
while True:                  # countersign (child of timeout) has opened its output folder: switch
    try:
        for child in open(f"/proc/{pid}/task/{pid}/children").read().split():
            fd_dir = f"/proc/{child}/fd"
            if any(os.readlink(f"{fd_dir}/{fd}") == f"{lab}/out" for fd in os.listdir(fd_dir)):
                os.remove(f"{lab}/in/doc3000.pdf")
                os.mkfifo(f"{lab}/in/doc3000.pdf")
                sys.exit(0)
    except OSError:
        if not os.path.exists(f"/proc/{pid}"):
            sys.exit("the batch ended before the switch")
PY
wait "$pid"; rc=$?
echo "1. FIFO swapped in after planning: exit $rc (124 = timeout), report bytes $(wc -c <"$lab/report.json"), outputs committed $(ls "$lab/out" | grep -c 'pdf$')"

mkdir -p "$lab/in2" "$lab/out2"
for i in 1 2 3; do cp "$repo/testdata/pdf/classic.pdf" "$lab/in2/doc$i.pdf"; done
strace -f -qq -o /dev/null -e trace=fsync -e inject=fsync:error=EIO:when=1 \
    "$exe" batch "$lab/in2" -o "$lab/out2" "${cred[@]}" 2>&1 | grep -E '^signed|refused .*doc1'
for f in "$lab"/out2/*.pdf; do
    printf '   present: %s, qpdf --check: ' "$(basename "$f")"
    qpdf --check "$f" >/dev/null 2>&1 && echo ok || echo FAILED
done
