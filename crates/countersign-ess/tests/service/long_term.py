"""PAdES levels per organisation through the official Tencent Cloud ESS SDK.

Usage: long_term.py SETTINGS.json   (written by tests/service_long_term.rs)

For each organisation in settings["signing"]: UploadFiles, CreateFileCounterSign sync and async,
DescribeFileCounterSignResult polling, DescribeFileUrls, download (written as ORG-sync.pdf and
ORG-async.pdf to the output folder) and VerifyDigitFile (its answer written as ORG-verify.json).
For each organisation in settings["failing"] (its TSA down or too slow): the sync call must fail
with InternalError.Api naming the TSA, the async task must end FAILED with an ErrorDetail; the
TaskIds are written to failed.json. The PAdES levels are judged by pyHanko on the Rust side.
"""

import base64
import json
import os
import sys
import time
import urllib.request

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.ess.v20201111 import ess_client, models

settings = json.load(open(sys.argv[1]))
out_dir = settings["out_dir"]
CHECKS = []


def check(condition, what):
    if not condition:
        print("FAILED: " + what, flush=True)
        sys.exit(1)
    CHECKS.append(what)


def call(who, action, params):
    http = HttpProfile()
    http.endpoint = settings["endpoint"]
    http.scheme = "http"
    http.reqTimeout = 120
    profile = ClientProfile()
    profile.httpProfile = http
    client = ess_client.EssClient(credential.Credential(who["secret_id"], who["secret_key"]), "ap-guangzhou", profile)
    request = getattr(models, action + "Request")()
    request.from_json_string(json.dumps(params))
    return getattr(client, action)(request)


def operator(who):
    return {"UserId": who["user_id"]}


def upload(who):
    body = base64.b64encode(open(settings["pdf"], "rb").read()).decode()
    response = call(who, "UploadFiles", {
        "BusinessType": "DOCUMENT",
        "Caller": {"OperatorId": who["user_id"]},
        "FileInfos": [{"FileBody": body, "FileName": "contract.pdf"}],
    })
    return response.FileIds[0]


def wait(who, task_id):
    deadline = time.time() + 120
    while True:
        response = call(who, "DescribeFileCounterSignResult", {"Operator": operator(who), "TaskId": task_id})
        if response.Status != "PROCESSING" or time.time() > deadline:
            return response
        time.sleep(0.05)


def download(who, result_id, name):
    response = call(who, "DescribeFileUrls", {
        "Operator": operator(who), "BusinessType": "DIGITFILE", "BusinessIds": [result_id], "UrlTtl": 60,
    })
    check(response.TotalCount == 1, "%s: DescribeFileUrls returns one URL" % name)
    data = urllib.request.urlopen(response.FileUrls[0].Url, timeout=60).read()
    check(data.startswith(b"%PDF-"), "%s: downloaded file is a PDF" % name)
    open(os.path.join(out_dir, name), "wb").write(data)


def counter_sign(org, who):
    file_id = upload(who)
    sync = call(who, "CreateFileCounterSign", {"FileId": file_id, "Operator": operator(who), "SyncMode": True})
    check(sync.Status == "FINISHED" and len(sync.ResultFileId) == 32, "%s: sync CreateFileCounterSign FINISHED" % org)
    pending = call(who, "CreateFileCounterSign", {"FileId": file_id, "Operator": operator(who)})
    check(pending.Status == "PROCESSING", "%s: async CreateFileCounterSign PROCESSING" % org)
    done = wait(who, pending.TaskId)
    check(done.Status == "FINISHED" and done.ErrorDetail == "", "%s: async task FINISHED (%s %s)" % (org, done.Status, done.ErrorDetail))
    download(who, sync.ResultFileId, org + "-sync.pdf")
    download(who, done.ResultFileId, org + "-async.pdf")
    verified = call(who, "VerifyDigitFile", {"Operator": operator(who), "FileId": sync.ResultFileId})
    check(verified.VerifyResult == 1, "%s: VerifyDigitFile VerifyResult 1" % org)
    results = [{"SignTime": r.SignTime, "SignerName": r.SignerName, "CertSn": r.CertSn} for r in verified.VerifyDigitFileResults]
    json.dump({"VerifyResult": verified.VerifyResult, "Results": results}, open(os.path.join(out_dir, org + "-verify.json"), "w"))


def fails(org, who):
    file_id = upload(who)
    try:
        call(who, "CreateFileCounterSign", {"FileId": file_id, "Operator": operator(who), "SyncMode": True})
        check(False, "%s: sync CreateFileCounterSign with the TSA down fails" % org)
    except TencentCloudSDKException as error:
        check(error.get_code() == "InternalError.Api", "%s: sync error code %s is InternalError.Api" % (org, error.get_code()))
        check("time-stamping authority unavailable" in error.get_message(), "%s: the message names the TSA: %s" % (org, error.get_message()))
        check(bool(error.get_request_id()), "%s: the error carries a RequestId" % org)
        sync_message = error.get_message()
    pending = call(who, "CreateFileCounterSign", {"FileId": file_id, "Operator": operator(who)})
    check(pending.Status == "PROCESSING", "%s: async CreateFileCounterSign accepted" % org)
    done = wait(who, pending.TaskId)
    check(done.Status == "FAILED", "%s: async task FAILED (%s)" % (org, done.Status))
    check("time-stamping authority unavailable" in done.ErrorDetail, "%s: ErrorDetail names the TSA: %s" % (org, done.ErrorDetail))
    check(done.ResultFileId == "", "%s: a FAILED task has no ResultFileId" % org)
    # Asked again later, the task is still FAILED: it is not retried.
    time.sleep(1.5)
    check(wait(who, pending.TaskId).Status == "FAILED", "%s: the FAILED task stays FAILED" % org)
    return {"async_task": pending.TaskId, "sync_message": sync_message, "error_detail": done.ErrorDetail}


for org, who in settings["signing"].items():
    counter_sign(org, who)
failed = {org: fails(org, who) for org, who in settings["failing"].items()}
json.dump(failed, open(os.path.join(out_dir, "failed.json"), "w"))
print("%d checks passed" % len(CHECKS))
