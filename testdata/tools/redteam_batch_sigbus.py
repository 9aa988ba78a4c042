# Red-team probe (2026-12-07, round 3): one input of a `batch` that shrinks while it is signed.
# Inputs over 1 MiB are parsed from a memory map (src/sign/stream.rs `prepare_mapped`); a file
# truncated meanwhile raises SIGBUS, which no catch_unwind isolates (src/sign/batch.rs
# `isolated`): the whole batch dies, every other job's output is lost and the temporary files
# already written stay in the output folder (no Drop runs).
# The inputs are hard links to one file so that every job races (one racing input suffices,
# with luck). Seen here: exit -7 (SIGBUS), 0-4 of 40 outputs, 1-2 .tmp files left.
# Usage: python3 redteam_batch_sigbus.py COUNTERSIGN OUTDIR [COPIES]
import os, subprocess, sys, threading, time

exe, out = sys.argv[1], sys.argv[2]
copies = int(sys.argv[3]) if len(sys.argv) > 3 else 24
ind, outd = f"{out}/in", f"{out}/out"
os.makedirs(ind, exist_ok=True)
os.makedirs(outd, exist_ok=True)


def big_pdf(objects=60000):
    """A valid PDF of many small objects (~2.5 MB): the parser touches the whole map."""
    f = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offs = {}
    def add(n, body):
        offs[n] = len(f)
        f.extend(b"%d 0 obj\n%s\nendobj\n" % (n, body))
    add(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    add(2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    add(3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << >> >>")
    add(4, b"<< /Length 0 >>\nstream\n\nendstream")
    for n in range(5, objects):
        add(n, b"<< /Filler %d /Pad (xxxxxxxxxxxxxxxxxxxx) >>" % n)
    x = len(f)
    f.extend(b"xref\n0 %d\n0000000000 65535 f \n" % objects)
    for n in range(1, objects):
        f.extend(b"%010d 00000 n \n" % offs[n])
    f.extend(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (objects, x))
    return bytes(f)


data = big_pdf()
# Every input is a hard link to one file that its owner keeps rewriting: each job races.
victim = f"{out}/shared.pdf"
open(victim, "wb").write(data)
for i in range(copies):
    os.link(victim, f"{ind}/doc{i:03d}.pdf")
stop = False


def shrink():
    # The owner of one input rewrites it in place (truncate, write), again and again.
    while not stop:
        with open(victim, "r+b") as fh:
            fh.write(data)
            fh.flush()
            time.sleep(0.0005)
            fh.truncate(len(data) // 2)


t = threading.Thread(target=shrink)
t.start()
r = subprocess.run([exe, "batch", ind, "-o", outd, "--json", "--jobs", "2"], capture_output=True, text=True)
stop = True
t.join()
print("batch exit", r.returncode, "(negative: killed by that signal; -7 is SIGBUS)")
print("stderr:", r.stderr[-300:])
names = sorted(os.listdir(outd))
print("outputs:", len([n for n in names if n.endswith(".pdf")]), "of", copies,
      "; temporary files left:", len([n for n in names if n.endswith(".tmp")]))
