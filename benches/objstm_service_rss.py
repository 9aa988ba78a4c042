"""Peak RSS and CPU of `countersign serve` (demo configuration, loopback) on a file whose object
streams decode to about 1 GB (scripts/make_bombs.py objstm-held-large.pdf, issue 20): one sync
CreateFileCounterSign, 8 concurrent VerifyDigitFile calls, one DescribeFileUrls listing the
result 20 times. Usage: objstm_service_rss.py BINARY FILE.pdf
Figures in docs/SECURITY.md (Linux: reads /proc, resets the peak through clear_refs)."""
import base64, datetime, hashlib, hmac, http.client, json, os, subprocess, sys, tempfile, threading, time

binary, pdf_path = sys.argv[1], sys.argv[2]
CONCURRENT, LISTED = 8, 20


def status(pid, key):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key):
            return int(line.split()[1]) // 1024


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset_peak(pid):
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


data = tempfile.mkdtemp(prefix="objstm-rss-")
proc = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0", "--data", data + "/d"],
                        stdout=subprocess.PIPE, text=True)
banner = {}
while "Data" not in banner:
    line = proc.stdout.readline()
    if not line:
        sys.exit("server died")
    k, _, v = line.strip().partition(": ")
    banner[k] = v
endpoint = banner["Listening"].removeprefix("http://")
sid, skey, user = banner["SecretId"], banner["SecretKey"], banner["UserId"]


def call(action, params):
    body = json.dumps(params).encode()
    ts = int(time.time())
    date = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%d")
    ct = "application/json"
    canon = (f"POST\n/\n\ncontent-type:{ct}\nhost:{endpoint}\n\ncontent-type;host\n"
             f"{hashlib.sha256(body).hexdigest()}")
    scope = f"{date}/ess/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{ts}\n{scope}\n{hashlib.sha256(canon.encode()).hexdigest()}"
    k = hmac.new(("TC3" + skey).encode(), date.encode(), hashlib.sha256).digest()
    for part in (b"ess", b"tc3_request"):
        k = hmac.new(k, part, hashlib.sha256).digest()
    sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    headers = {"Content-Type": ct, "Host": endpoint, "X-TC-Action": action,
               "X-TC-Version": "2020-11-11", "X-TC-Timestamp": str(ts), "Authorization":
               f"TC3-HMAC-SHA256 Credential={sid}/{scope}, SignedHeaders=content-type;host, "
               f"Signature={sig}"}
    conn = http.client.HTTPConnection(endpoint, timeout=600)
    conn.request("POST", "/", body=body, headers=headers)
    return json.loads(conn.getresponse().read())["Response"]


def outcome(response, key):
    error = response.get("Error")
    return error["Code"] if error else f"{key} {response[key]}"


pid = proc.pid
pdf = open(pdf_path, "rb").read()
print(f"file {len(pdf) / 2**20:.1f} MiB; idle: RSS {status(pid, 'VmRSS')} MB")
r = call("UploadFiles", {"BusinessType": "DOCUMENT", "Caller": {"OperatorId": user},
                         "FileInfos": [{"FileName": "bomb.pdf",
                                        "FileBody": base64.b64encode(pdf).decode()}]})
fid = r["FileIds"][0]
del pdf

reset_peak(pid)
base = status(pid, "VmRSS")
r = call("CreateFileCounterSign", {"FileId": fid, "SyncMode": True, "Operator": {"UserId": user}})
print(f"sync CreateFileCounterSign: {outcome(r, 'Status')}, RSS before {base} MB, "
      f"peak {status(pid, 'VmHWM')} MB")
result = r.get("ResultFileId") or None

reset_peak(pid)
base = status(pid, "VmRSS")
outcomes = []
def verify():
    outcomes.append(outcome(call("VerifyDigitFile", {"FileId": result or fid,
                                                     "Operator": {"UserId": user}}),
                            "VerifyResult"))
threads = [threading.Thread(target=verify) for _ in range(CONCURRENT)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(f"{CONCURRENT} concurrent VerifyDigitFile: {sorted(outcomes)}, RSS before {base} MB, "
      f"peak {status(pid, 'VmHWM')} MB")

if result:
    reset_peak(pid)
    base = status(pid, "VmRSS")
    cpu, wall = cpu_seconds(pid), time.time()
    r = call("DescribeFileUrls", {"BusinessType": "DIGITFILE", "BusinessIds": [result] * LISTED,
                                  "Operator": {"UserId": user}})
    print(f"DescribeFileUrls x{LISTED}: {outcome(r, 'TotalCount')}, "
          f"CPU {cpu_seconds(pid) - cpu:.1f} s, wall {time.time() - wall:.1f} s, "
          f"RSS before {base} MB, peak {status(pid, 'VmHWM')} MB")
proc.terminate()
proc.wait()
