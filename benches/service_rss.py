"""Peak RSS of `countersign serve` for one maximal UploadFiles, a sync counter-sign and the
download, with a hand-rolled TC3 client (stdlib only). Usage: service_rss.py BINARY FILE_MiB
Figures in docs/SECURITY.md (Linux: reads /proc, resets the peak through clear_refs)."""
import base64, hashlib, hmac, http.client, json, os, re, subprocess, sys, time, tempfile, datetime

binary, size_mib = sys.argv[1], float(sys.argv[2])

def make_pdf(path, payload):
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>"]
    stream = b"% " + b"x" * (payload - 3) + b"\n"
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out)); out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    offsets.append(len(out))
    out += b"4 0 obj\n<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream\nendobj\n"
    xref = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    open(path, "wb").write(out)

def status(pid, key):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key):
            return int(line.split()[1]) // 1024
def reset_peak(pid):
    with open(f"/proc/{pid}/clear_refs", "w") as f: f.write("5")

data = tempfile.mkdtemp(prefix="rss-")
proc = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0", "--data", data + "/d"],
                        stdout=subprocess.PIPE, text=True)
banner = {}
while "Data" not in banner:
    line = proc.stdout.readline()
    if not line: sys.exit("server died")
    k, _, v = line.strip().partition(": "); banner[k] = v
endpoint = banner["Listening"].removeprefix("http://")
sid, skey, user = banner["SecretId"], banner["SecretKey"], banner["UserId"]

def call(action, params):
    body = json.dumps(params).encode()
    ts = int(time.time()); date = datetime.datetime.utcfromtimestamp(ts).strftime("%Y-%m-%d")
    ct = "application/json"
    canon = f"POST\n/\n\ncontent-type:{ct}\nhost:{endpoint}\n\ncontent-type;host\n{hashlib.sha256(body).hexdigest()}"
    scope = f"{date}/ess/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{ts}\n{scope}\n{hashlib.sha256(canon.encode()).hexdigest()}"
    k = hmac.new(("TC3" + skey).encode(), date.encode(), hashlib.sha256).digest()
    for part in (b"ess", b"tc3_request"): k = hmac.new(k, part, hashlib.sha256).digest()
    sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    headers = {"Content-Type": ct, "Host": endpoint, "X-TC-Action": action, "X-TC-Version": "2020-11-11",
               "X-TC-Timestamp": str(ts), "Authorization":
               f"TC3-HMAC-SHA256 Credential={sid}/{scope}, SignedHeaders=content-type;host, Signature={sig}"}
    conn = http.client.HTTPConnection(endpoint, timeout=600)
    conn.request("POST", "/", body=body, headers=headers)
    return json.loads(conn.getresponse().read())["Response"]

pid = proc.pid
pdf_path = data + "/big.pdf"
make_pdf(pdf_path, int(size_mib * 1024 * 1024) - 1000)
pdf = open(pdf_path, "rb").read()
b64 = base64.b64encode(pdf).decode(); del pdf
print(f"file {os.path.getsize(pdf_path)/2**20:.1f} MiB, base64 body {len(b64)/2**20:.1f} MiB")
time.sleep(0.5)
print(f"idle: RSS {status(pid,'VmRSS')} MB, peak {status(pid,'VmHWM')} MB")
reset_peak(pid); print(f"before upload: RSS {status(pid,'VmRSS')} MB", flush=True)
r = call("UploadFiles", {"BusinessType": "DOCUMENT", "Caller": {"OperatorId": user},
         "FileInfos": [{"FileName": "big.pdf", "FileBody": b64}]})
del b64
print("upload:", r.get("Error") or r["FileIds"], f"peak {status(pid,'VmHWM')} MB, after {status(pid,'VmRSS')} MB")
fid = r["FileIds"][0]
reset_peak(pid); print(f"before sign: RSS {status(pid,'VmRSS')} MB", flush=True)
r = call("CreateFileCounterSign", {"FileId": fid, "SyncMode": True, "Operator": {"UserId": user}})
print("sign:", r.get("Error") or r["Status"], f"peak {status(pid,'VmHWM')} MB")
res = r.get("ResultFileId")
r = call("DescribeFileUrls", {"BusinessType": "DIGITFILE", "BusinessIds": [res], "Operator": {"UserId": user}})
url = r["FileUrls"][0]["Url"]
reset_peak(pid); print(f"before download: RSS {status(pid,'VmRSS')} MB", flush=True)
conn = http.client.HTTPConnection(endpoint, timeout=600)
conn.request("GET", url.removeprefix("http://" + endpoint))
resp = conn.getresponse(); n = 0
while True:
    chunk = resp.read(1 << 20)
    if not chunk: break
    n += len(chunk)
print(f"download: {n/2**20:.1f} MiB, status {resp.status}, peak {status(pid,'VmHWM')} MB")
proc.terminate(); proc.wait()
