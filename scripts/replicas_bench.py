"""Synchronous counter-sign latency and throughput against one or more countersign replicas, through
the official Tencent Cloud ESS SDK (what an integrator would measure).

Usage: replicas_bench.py SECONDS CLIENTS PDF ENDPOINT [ENDPOINT...]
Prints one Markdown table row: replicas, clients, requests, throughput, p50, p99 (milliseconds).
Credentials come from the environment: SECRET_ID, SECRET_KEY, USER_ID.
"""

import base64
import os
import sys
import threading
import time

from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.ess.v20201111 import ess_client, models

seconds, clients, pdf = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
endpoints = sys.argv[4:]
who = credential.Credential(os.environ["SECRET_ID"], os.environ["SECRET_KEY"])
user = os.environ["USER_ID"]


def client(endpoint):
    http = HttpProfile()
    http.endpoint = endpoint
    http.scheme = "http"
    http.reqMethod = "POST"
    http.reqTimeout = 120
    return ess_client.EssClient(who, "ap-guangzhou", ClientProfile(httpProfile=http))


def upload():
    request = models.UploadFilesRequest()
    request.BusinessType = "DOCUMENT"
    caller = models.Caller()
    caller.OperatorId = user
    request.Caller = caller
    info = models.UploadFile()
    info.FileBody = base64.b64encode(open(pdf, "rb").read()).decode()
    info.FileName = "bench.pdf"
    request.FileInfos = [info]
    return client(endpoints[0]).UploadFiles(request).FileIds[0]


file_id = upload()
latencies = []
errors = []
lock = threading.Lock()
stop_at = time.time() + seconds


def worker(index):
    ess = client(endpoints[index % len(endpoints)])
    while time.time() < stop_at:
        request = models.CreateFileCounterSignRequest()
        request.FileId = file_id
        operator = models.UserInfo()
        operator.UserId = user
        request.Operator = operator
        request.SyncMode = True
        started = time.perf_counter()
        try:
            response = ess.CreateFileCounterSign(request)
            ok = response.Status == "FINISHED"
        except Exception as error:  # noqa: BLE001 - counted, not raised
            ok = False
            with lock:
                errors.append(str(error))
        elapsed = time.perf_counter() - started
        with lock:
            if ok:
                latencies.append(elapsed)


started = time.time()
threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
wall = time.time() - started
latencies.sort()


def percentile(p):
    return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000


print("| %d | %d | %d | %.1f | %.0f | %.0f | %d |" % (
    len(endpoints), clients, len(latencies), len(latencies) / wall, percentile(0.50), percentile(0.99), len(errors)))
if errors:
    print("first error: " + errors[0], file=sys.stderr)
