"""Load across several countersign replicas with the official Tencent Cloud ESS SDK.

Usage: replicas.py SETTINGS.json   (written by tests/service_replicas.rs)

Uploads one PDF, then sends CreateFileCounterSign requests (a mix of SyncMode true and false)
round-robin to the replicas' endpoints at a fixed pace above the rate limit. Halfway it prints
"KILL <index>" and waits for a line on stdin (the test kills that replica with SIGKILL), then goes
on with the surviving replicas. Finally it polls every acknowledged asynchronous task until it
leaves PROCESSING and writes every request's outcome to the report file named in the settings.
"""

import base64
import concurrent.futures
import json
import sys
import threading
import time

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.ess.v20201111 import ess_client, models

settings = json.load(open(sys.argv[1]))
who = settings["who"]
endpoints = list(settings["endpoints"])
dead = set()
lock = threading.Lock()


def client(endpoint):
    http = HttpProfile()
    http.endpoint = endpoint
    http.scheme = "http"
    http.reqMethod = "POST"
    http.reqTimeout = 120
    profile = ClientProfile()
    profile.httpProfile = http
    return ess_client.EssClient(credential.Credential(who["secret_id"], who["secret_key"]), "ap-guangzhou", profile)


def call(endpoint, action, params):
    request = getattr(models, action + "Request")()
    request.from_json_string(json.dumps(params))
    return getattr(client(endpoint), action)(request)


def live_endpoint(index):
    with lock:
        alive = [e for i, e in enumerate(endpoints) if i not in dead]
    return alive[index % len(alive)]


def upload():
    body = base64.b64encode(open(settings["pdf"], "rb").read()).decode()
    params = {
        "BusinessType": "DOCUMENT",
        "Caller": {"OperatorId": who["user_id"]},
        "FileInfos": [{"FileBody": body, "FileName": "contract.pdf"}],
    }
    return call(endpoints[0], "UploadFiles", params).FileIds[0]


def sign(index, file_id, sync):
    with lock:
        endpoint_index = index % len(endpoints)
        if endpoint_index in dead:
            endpoint_index = None
    endpoint = endpoints[endpoint_index] if endpoint_index is not None else live_endpoint(index)
    record = {"index": index, "endpoint": endpoint, "sync": sync, "sent": time.time()}
    # Identical requests signed in the same second share their signature, and a signature seen
    # before is refused for CreateFileCounterSign (a replay): an (ignored) ClientIp tells them apart.
    params = {"FileId": file_id, "Operator": {"UserId": who["user_id"], "ClientIp": "10.0.%d.%d" % divmod(index, 256)},
              "SyncMode": sync}
    try:
        response = call(endpoint, "CreateFileCounterSign", params)
        record.update(outcome="ok", task_id=response.TaskId, status=response.Status, result_file_id=response.ResultFileId)
    except TencentCloudSDKException as error:
        code = error.get_code() or ""
        # The SDK reports transport failures (a killed replica) without an API error code.
        if code == "RequestLimitExceeded":
            record.update(outcome="limited")
        elif code in ("ClientNetworkError", "") or not error.get_request_id():
            record.update(outcome="connection", detail=str(error.get_message()))
        else:
            record.update(outcome="error", code=code, detail=error.get_message())
    except Exception as error:  # connection reset mid-request
        record.update(outcome="connection", detail=repr(error))
    record["done"] = time.time()
    return record


def wait_finished(task_id):
    deadline = time.time() + settings["wait_seconds"]
    attempt = 0
    while True:
        attempt += 1
        try:
            response = call(live_endpoint(attempt), "DescribeFileCounterSignResult",
                            {"TaskId": task_id, "Operator": {"UserId": who["user_id"]}})
            if response.Status != "PROCESSING" or time.time() > deadline:
                return {"status": response.Status, "result_file_id": response.ResultFileId,
                        "error_detail": response.ErrorDetail}
        except TencentCloudSDKException as error:
            if time.time() > deadline:
                return {"status": "UNKNOWN", "error_detail": str(error)}
        time.sleep(0.3)


def main():
    file_id = upload()
    total = settings["requests"]
    interval = 1.0 / settings["send_rate"]
    kill_at = total // 2
    records = []
    start = time.time()
    with concurrent.futures.ThreadPoolExecutor(max_workers=64) as pool:
        futures = []
        for index in range(total):
            if index == kill_at:
                print("KILL %d" % settings["kill"], flush=True)
                sys.stdin.readline()
                with lock:
                    dead.add(settings["kill"])
            # Fixed pace from the start, whatever the replies take.
            delay = start + index * interval - time.time()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(sign, index, file_id, index % 2 == 0))
        records = [future.result() for future in futures]
    sent_seconds = time.time() - start
    acknowledged = [r for r in records if r["outcome"] == "ok"]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        finals = pool.map(lambda r: wait_finished(r["task_id"]), acknowledged)
        for record, final in zip(acknowledged, finals):
            record["final"] = final
    report = {"file_id": file_id, "sent_seconds": sent_seconds, "records": records}
    json.dump(report, open(settings["report"], "w"), indent=1)
    counts = {}
    for record in records:
        counts[record["outcome"]] = counts.get(record["outcome"], 0) + 1
    print("DONE %s" % json.dumps(counts), flush=True)


main()
