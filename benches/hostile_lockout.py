"""Latency of one official-SDK call to `countersign serve` while attackers hold connections open
(issue 20, item 1). Usage: hostile_lockout.py BINARY SCENARIO, run with the Python that has the
tencentcloud SDK (.venv/bin/python). Figures in docs/SECURITY.md.

Scenarios (the demo configuration, default limits):
  trickle   360 connections, no Authorization, Content-Length 1 MiB, one body byte every 5 s
  bodies    530 connections, no Authorization, Content-Length 100, one body byte every 5 s
  secretid  4 connections signed with the demo SecretId (any MAC), Content-Length 84 MiB, no body
The SDK call (DescribeFileCounterSignResult of an unknown task: ResourceNotFound) starts once
every attacker has sent its head; its timeout is the SDK's default, 60 s. Then the attackers'
connections the server still holds are counted, at least 12 s into the attack."""
import socket, subprocess, sys, tempfile, threading, time, datetime

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.ess.v20201111 import ess_client, models

binary, scenario = sys.argv[1], sys.argv[2]
count, length, signed = {"trickle": (360, 1 << 20, False), "bodies": (530, 100, False),
                         "secretid": (4, 84 << 20, True), "none": (0, 0, False)}[scenario]

data = tempfile.mkdtemp(prefix="lockout-")
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
host, port = endpoint.rsplit(":", 1)

head = f"POST / HTTP/1.1\r\nHost: {endpoint}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
if signed:
    ts = int(time.time())
    date = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%d")
    head = (f"POST / HTTP/1.1\r\nHost: {endpoint}\r\nContent-Type: application/json\r\n"
            f"X-TC-Action: UploadFiles\r\nX-TC-Version: 2020-11-11\r\nX-TC-Timestamp: {ts}\r\n"
            f"Authorization: TC3-HMAC-SHA256 Credential={banner['SecretId']}/{date}/ess/tc3_request,"
            f" SignedHeaders=content-type;host, Signature={'0' * 64}\r\n")
head += f"Content-Length: {length}\r\n\r\n"

attackers, stop = [], threading.Event()
attack_started = time.monotonic()
for _ in range(count):
    s = socket.create_connection((host, int(port)))
    s.sendall(head.encode())
    attackers.append(s)

def trickle():
    while not stop.wait(5):
        for s in attackers:
            try:
                s.sendall(b"a")
            except OSError:
                pass
if not signed:
    threading.Thread(target=trickle, daemon=True).start()
time.sleep(1)

http = HttpProfile()
http.endpoint, http.scheme = endpoint, "http"
profile = ClientProfile()
profile.httpProfile = http
client = ess_client.EssClient(credential.Credential(banner["SecretId"], banner["SecretKey"]),
                              "ap-guangzhou", profile)
request = models.DescribeFileCounterSignResultRequest()
request.from_json_string('{"TaskId": "0000000000000000", "Operator": {"UserId": "%s"}}'
                         % banner["UserId"])
started = time.monotonic()
try:
    client.DescribeFileCounterSignResult(request)
    outcome = "answered"
except TencentCloudSDKException as e:
    outcome = e.code if e.code != "ClientNetworkError" else "ClientNetworkError: " + str(e.message)[:80]
elapsed = time.monotonic() - started
# Counted once the v1 body timeout (10 s) has passed since the attack began.
time.sleep(max(0.0, attack_started + 12 - time.monotonic()))
alive = 0
for s in attackers:
    s.setblocking(False)
    try:
        s.recv(1)  # an answer or the end: the server let go of this connection
    except BlockingIOError:
        alive += 1
    except OSError:
        pass
print(f"{scenario}: {count} attackers, SDK call {outcome} after {elapsed:.2f} s; "
      f"{alive} attacker connections still open {time.monotonic() - attack_started:.0f} s "
      f"into the attack")
stop.set()
proc.terminate()
proc.wait()
