# Red-team probe (2026-12-07, round 3): hostile deferred-signing states. Prepares one real state
# (RSA demo key), then feeds `sign --complete` states whose fields are changed one at a time
# with the checksum recomputed (the checksum is no authentication), plus random byte flips.
# Flags: a panic (exit 101), a signal, a hang (> 20 s), or a --complete that succeeds on an
# altered state (then the output is verified). Usage:
#   python3 redteam_deferred_state_fuzz.py COUNTERSIGN REPO OUTDIR [ROUNDS]
import hashlib, random, struct, subprocess, sys

exe, repo, out = sys.argv[1:4]
rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 300
pki = f"{repo}/testdata/pki"
pdf = f"{repo}/testdata/pdf/classic.pdf"
subprocess.run([exe, "sign", pdf, "--cert", f"{pki}/demo.chain.pem", "--prepare", f"{out}/s.state",
                "--tbs-out", f"{out}/s.tbs"], check=True, capture_output=True)
subprocess.run(["openssl", "dgst", "-sha256", "-sign", f"{pki}/demo.key.pem", "-out", f"{out}/s.sig",
                f"{out}/s.tbs"], check=True)
state = open(f"{out}/s.state", "rb").read()
body = state[:-32]


def fields(b):
    """Offsets of the fixed fields and the length-prefixed ones."""
    at = 8 + 2 + 8 + 32 + 2
    f = {"byte_range_at": at, "contents_start": at + 8, "contents_end": at + 16}
    at += 24
    for name in ["name", "update", "attrs"]:
        f[name] = at
        (n,) = struct.unpack(">I", b[at:at + 4])
        at += 4 + n
    f["count"] = at
    return f


F = fields(body)


def seal(b):
    return bytes(b) + hashlib.sha256(bytes(b)).digest()


def run(b, tag):
    open(f"{out}/x.state", "wb").write(seal(b))
    try:
        r = subprocess.run([exe, "sign", pdf, "--complete", f"{out}/x.state", "--signature", f"{out}/s.sig",
                            "-o", f"{out}/x.pdf"], capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        print("HANG", tag)
        return
    if r.returncode == 101 or r.returncode < 0 or "panicked" in r.stderr:
        print("CRASH", tag, r.returncode, r.stderr[-400:])
    elif r.returncode == 0:
        v = subprocess.run([exe, "verify", f"{out}/x.pdf", "--trust", f"{pki}/root-ca.cert.pem"],
                           capture_output=True, text=True)
        print("COMPLETED", tag, "verify exit", v.returncode, v.stdout.strip().splitlines()[-1:] if v.stdout else "")


structured = []
for name in ["byte_range_at", "contents_start", "contents_end"]:
    for value in [0, 1, 2**32, 2**63, 2**64 - 1, 10**6]:
        structured.append((name, struct.pack(">Q", value)))
for name in ["name", "update", "attrs"]:
    for value in [0, 1, 2**31, 2**32 - 1]:
        structured.append((name, struct.pack(">I", value)))
for value in [0, 1, 64, 65, 65535]:
    structured.append(("count", struct.pack(">H", value)))
for name, raw in structured:
    b = bytearray(body)
    at = F[name]
    b[at:at + len(raw)] = raw
    run(b, f"{name}={raw.hex()}")
# the version, scheme and digest codes
for at, value in [(8, b"\x00\x02"), (50, b"\x02"), (50, b"\x05"), (50, b"\x06"), (51, b"\x04"), (51, b"\x03")]:
    b = bytearray(body)
    b[at:at + len(value)] = value
    run(b, f"byte{at}={value.hex()}")
rng = random.Random(7)
for i in range(rounds):
    b = bytearray(body)
    for _ in range(rng.choice([1, 1, 2, 4])):
        at = rng.randrange(len(b))
        b[at] = rng.randrange(256)
    run(b, f"flip{i}")
print("done")
