"""End-to-end check of the countersign service with the official Tencent Cloud ESS SDK.

Usage: e2e.py SETTINGS.json   (written by tests/service_e2e.rs)

Drives UploadFiles -> CreateFileCounterSign (sync and async) -> DescribeFileCounterSignResult
polling -> DescribeFileUrls -> download -> VerifyDigitFile, the group acting for its subsidiary,
then reaches every error code through the SDK. Writes the downloaded PDFs to the output folder and
exits non-zero on the first failed expectation.
"""

import base64
import concurrent.futures
import hashlib
import io
import json
import os
import sys
import time
import urllib.request
import warnings
import zipfile
from unittest import mock

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.ess.v20201111 import ess_client, models

settings = json.load(open(sys.argv[1]))
CHECKS = []


def check(condition, what):
    if not condition:
        print("FAILED: " + what, flush=True)
        sys.exit(1)
    CHECKS.append(what)


# Every request form the SDK offers: (reqMethod, signMethod).
FORMS = [
    ("POST", "TC3-HMAC-SHA256"),
    ("GET", "TC3-HMAC-SHA256"),
    ("POST", "HmacSHA256"),
    ("GET", "HmacSHA256"),
    ("POST", "HmacSHA1"),
    ("GET", "HmacSHA1"),
]


def client(who, form=("POST", "TC3-HMAC-SHA256"), language=None):
    http = HttpProfile()
    http.endpoint = settings["endpoint"]
    http.scheme = "http"
    http.reqMethod = form[0]
    http.reqTimeout = 120
    profile = ClientProfile()
    profile.httpProfile = http
    profile.signMethod = form[1]
    if language:
        profile.language = language
    return ess_client.EssClient(credential.Credential(who["secret_id"], who["secret_key"]), "ap-guangzhou", profile)


def call(who, action, params, form=("POST", "TC3-HMAC-SHA256"), language=None):
    request = getattr(models, action + "Request")()
    request.from_json_string(json.dumps(params))
    return getattr(client(who, form, language), action)(request)


def expect_error(code, who, action, params, form=("POST", "TC3-HMAC-SHA256"), language=None):
    try:
        call(who, action, params, form, language)
    except TencentCloudSDKException as error:
        check(error.get_code() == code, "%s: expected %s, got %s (%s)" % (action, code, error.get_code(), error.get_message()))
        check(bool(error.get_request_id()), "%s error carries a RequestId" % code)
        return error
    check(False, "%s: expected %s, but it succeeded" % (action, code))


def operator(who):
    return {"UserId": who["user_id"]}


def upload(who, path, agent=None, name=None):
    body = base64.b64encode(open(path, "rb").read()).decode()
    params = {
        "BusinessType": "DOCUMENT",
        "Caller": {"OperatorId": who["user_id"]},
        "FileInfos": [{"FileBody": body, "FileName": name or os.path.basename(path)}],
    }
    if agent:
        params["Agent"] = {"ProxyOrganizationId": agent}
    response = call(who, "UploadFiles", params)
    check(response.TotalCount == 1 and len(response.FileIds[0]) == 32, "UploadFiles returns one 32-character FileId")
    check(abs(response.Deadline - (time.time() + 3600)) < 30, "UploadFiles default Deadline is one hour")
    check(bool(response.RequestId), "UploadFiles has a RequestId")
    return response.FileIds[0]


def wait(who, task_id, agent=None):
    params = {"Operator": operator(who), "TaskId": task_id}
    if agent:
        params["Agent"] = {"ProxyOrganizationId": agent}
    deadline = time.time() + 120
    while True:
        response = call(who, "DescribeFileCounterSignResult", params)
        if response.Status != "PROCESSING" or time.time() > deadline:
            return response
        time.sleep(0.05)


def download(who, result_id, name, agent=None):
    params = {"Operator": operator(who), "BusinessType": "DIGITFILE", "BusinessIds": [result_id], "UrlTtl": 60}
    if agent:
        params["Agent"] = {"ProxyOrganizationId": agent}
    response = call(who, "DescribeFileUrls", params)
    check(response.TotalCount == 1, "DescribeFileUrls returns one URL")
    url = response.FileUrls[0].Url
    check(url.startswith("http://" + settings["endpoint"] + "/download/"), "download URL points at the server")
    data = urllib.request.urlopen(url, timeout=60).read()
    check(data.startswith(b"%PDF-"), "downloaded file is a PDF")
    path = os.path.join(settings["out_dir"], name)
    open(path, "wb").write(data)
    # A tampered token is refused.
    try:
        urllib.request.urlopen(url[:-1] + ("0" if url[-1] != "0" else "1"), timeout=60)
        check(False, "tampered download token refused")
    except urllib.error.HTTPError as error:
        check(error.code == 404, "tampered download token gives 404")
    return data


def verify(who, file_id, data, serial, agent=None):
    params = {"Operator": operator(who), "FileId": file_id}
    if agent:
        params["Agent"] = {"ProxyOrganizationId": agent}
    response = call(who, "VerifyDigitFile", params)
    check(response.VerifyResult == 1, "VerifyDigitFile: VerifyResult 1")
    check(response.PdfResourceMd5 == hashlib.md5(data).hexdigest().upper(), "PdfResourceMd5 is the upper-case MD5 of the download")
    check(len(response.VerifySerialNo) == 11 and response.VerifySerialNo.isdigit(), "VerifySerialNo has 11 digits")
    results = response.VerifyDigitFileResults
    check(len(results) == 1, "one signature reported")
    result = results[0]
    check(result.CertSn == serial, "CertSn %s == %s" % (result.CertSn, serial))
    check(result.SignAlgorithm == "SHA256withRSA", "SignAlgorithm SHA256withRSA (got %s)" % result.SignAlgorithm)
    check(result.CertNotBefore == 1735689600000 and result.CertNotAfter == 2366841600000, "certificate validity in Unix ms")
    check(abs(result.SignTime - time.time() * 1000) < 600_000, "SignTime is now, in ms")
    check(result.SignType == 1, "SignType 1 (digital signature only)")
    check(result.SignerName == "Demo Organisation", "SignerName is the certificate's organisation (%s)" % result.SignerName)
    return response


admin, uploader, sub_clerk = settings["admin"], settings["uploader"], settings["sub_clerk"]
other, poor, hsm = settings["other"], settings["poor"], settings["hsm"]
pdfs = settings["pdfs"]
sub = settings["sub_organization"]

# --- The happy path ---------------------------------------------------------------------------
file_id = upload(admin, pdfs["classic"])
sync = call(admin, "CreateFileCounterSign", {"FileId": file_id, "Operator": operator(admin), "SyncMode": True})
check(sync.Status == "FINISHED" and len(sync.ResultFileId) == 32 and sync.TaskId, "sync CreateFileCounterSign is FINISHED with a ResultFileId")
pending = call(admin, "CreateFileCounterSign", {"FileId": file_id, "Operator": operator(admin)})
check(pending.Status == "PROCESSING" and pending.TaskId and not pending.ResultFileId, "async CreateFileCounterSign is PROCESSING with a TaskId")
done = wait(admin, pending.TaskId)
check(done.Status == "FINISHED" and done.ErrorDetail == "" and len(done.ResultFileId) == 32, "async task FINISHED")
check(done.ResultFileId != sync.ResultFileId, "each task has its own result")
again = wait(admin, sync.TaskId)
check(again.Status == "FINISHED" and again.ResultFileId == sync.ResultFileId, "the sync task is FINISHED too")

sync_pdf = download(admin, sync.ResultFileId, "group-sync.pdf")
async_pdf = download(admin, done.ResultFileId, "group-async.pdf")
verify(admin, sync.ResultFileId, sync_pdf, "3001")
verify(admin, done.ResultFileId, async_pdf, "3001")
short = call(admin, "DescribeFileUrls", {"Operator": operator(admin), "BusinessType": "DIGITFILE", "BusinessIds": [sync.ResultFileId], "UrlTtl": 1})
time.sleep(2.2)
try:
    urllib.request.urlopen(short.FileUrls[0].Url, timeout=60)
    check(False, "an expired download URL is refused")
except urllib.error.HTTPError as error:
    check(error.code == 404, "an expired download URL gives 404")
# --- UploadFiles Deadline; a TC3 request with an unsigned payload (profile.unsignedPayload) -----
later = int(time.time()) + 7200
kept = call(admin, "UploadFiles", {"BusinessType": "DOCUMENT", "Caller": {"OperatorId": admin["user_id"]}, "FileInfos": [{"FileBody": base64.b64encode(open(pdfs["classic"], "rb").read()).decode()}], "Deadline": later})
check(kept.Deadline == later, "UploadFiles keeps the Deadline asked for")
unsigned_client = client(admin)
unsigned_client.profile.unsignedPayload = True
unsigned_request = models.DescribeFileCounterSignResultRequest()
unsigned_request.from_json_string(json.dumps({"Operator": operator(admin), "TaskId": sync.TaskId}))
check(unsigned_client.DescribeFileCounterSignResult(unsigned_request).Status == "FINISHED", "X-TC-Content-SHA256: UNSIGNED-PAYLOAD is accepted")

# --- DescribeFileUrls: Option (page sizes), Offset/Limit pages, FileType ZIP with FileName ------
both = [sync.ResultFileId, done.ResultFileId]
listed = call(admin, "DescribeFileUrls", {"Operator": operator(admin), "BusinessType": "DIGITFILE", "BusinessIds": both, "FileType": "PDF"})
check(listed.TotalCount == 2 and len(listed.FileUrls) == 2, "DescribeFileUrls returns a URL per id")
letter = {"Width": 612.0, "Height": 792.0}
for url in listed.FileUrls:
    check(json.loads(url.Option) == [letter, letter], "Option lists each page's width and height (%s)" % url.Option)
second = call(admin, "DescribeFileUrls", {"Operator": operator(admin), "BusinessType": "DIGITFILE", "BusinessIds": both, "Offset": 1, "Limit": 1})
check(second.TotalCount == 2 and len(second.FileUrls) == 1, "Limit 1 Offset 1 is the second page of one URL")
check(urllib.request.urlopen(second.FileUrls[0].Url, timeout=60).read() == async_pdf, "page 2 is the second id's file")
beyond = call(admin, "DescribeFileUrls", {"Operator": operator(admin), "BusinessType": "DIGITFILE", "BusinessIds": both, "Offset": 2, "Limit": 1})
check(beyond.TotalCount == 2 and not beyond.FileUrls, "a page past the end is empty")
zipped = call(admin, "DescribeFileUrls", {"Operator": operator(admin), "BusinessType": "DIGITFILE", "BusinessIds": both, "FileType": "ZIP", "FileName": "合同包"})
check(zipped.TotalCount == 1 and len(zipped.FileUrls) == 1, "FileType ZIP gives one URL")
answer = urllib.request.urlopen(zipped.FileUrls[0].Url, timeout=60)
check(answer.headers.get("Content-Type") == "application/zip", "the ZIP is served as application/zip")
check("%E5%90%88%E5%90%8C%E5%8C%85.zip" in answer.headers.get("Content-Disposition", ""), "the ZIP is named FileName.zip")
archive = zipfile.ZipFile(io.BytesIO(answer.read()))
check(archive.testzip() is None, "the ZIP's CRCs check (Python zipfile)")
contents = sorted(archive.read(name) for name in archive.namelist())
check(len(archive.namelist()) == 2 and contents == sorted([sync_pdf, async_pdf]), "the ZIP holds both counter-signed PDFs")
expect_error("InvalidParameter.FileType", admin, "DescribeFileUrls", {"Operator": operator(admin), "BusinessType": "DIGITFILE", "BusinessIds": both, "FileType": "JPG"})
expect_error("InvalidParameterValue", admin, "DescribeFileUrls", {"Operator": operator(admin), "BusinessType": "DIGITFILE", "BusinessIds": both, "Offset": 1001})
expect_error("InvalidParameterValue", admin, "DescribeFileUrls", {"Operator": operator(admin), "BusinessType": "DIGITFILE", "BusinessIds": both, "Limit": 101})
unsigned = call(admin, "VerifyDigitFile", {"Operator": operator(admin), "FileId": file_id})
check(unsigned.VerifyResult == 2 and not unsigned.VerifyDigitFileResults, "an unsigned upload does not verify")

# --- Why VerifyResult is 2: the VerifyFailReasons extension, which the unchanged SDK ignores ----
modified_path = os.path.join(settings["out_dir"], "modified.pdf")
open(modified_path, "wb").write(sync_pdf + b"\n% appended after signing\n")
modified_id = upload(admin, modified_path)
verify_params = {"Operator": operator(admin), "FileId": modified_id}
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    modified = call(admin, "VerifyDigitFile", verify_params)
check(modified.VerifyResult == 2 and len(modified.VerifyDigitFileResults) == 1, "a file changed after signing does not verify")
check(not caught, "the SDK stays silent about VerifyFailReasons: %s" % [str(w.message) for w in caught])
raw = client(admin).call_json("VerifyDigitFile", verify_params)["Response"]
reasons = raw.get("VerifyFailReasons") or []
check([r["Code"] for r in reasons] == ["ModifiedAfterSigning"] and reasons[0]["ModificationLevel"] == "other",
      "the raw response says why: %s" % reasons)

# --- The group acts for its subsidiary: signed with the subsidiary's certificate --------------
sub_file = upload(admin, pdfs["classic"], agent=sub)
proxied = call(admin, "CreateFileCounterSign", {"FileId": sub_file, "Operator": operator(admin), "Agent": {"ProxyOrganizationId": sub}, "SyncMode": False})
proxied_done = wait(admin, proxied.TaskId, agent=sub)
check(proxied_done.Status == "FINISHED", "proxied task FINISHED")
sub_pdf = download(admin, proxied_done.ResultFileId, "sub-proxied.pdf", agent=sub)
verify(admin, proxied_done.ResultFileId, sub_pdf, "4100", agent=sub)
# The subsidiary's own employee sees its file.
verify(sub_clerk, proxied_done.ResultFileId, sub_pdf, "4100")

# --- Every error code -------------------------------------------------------------------------
expect_error("MissingParameter", admin, "CreateFileCounterSign", {"Operator": operator(admin)})
text_body = base64.b64encode(open(pdfs["text"], "rb").read()).decode()
pdf_body = base64.b64encode(open(pdfs["classic"], "rb").read()).decode()
expect_error("InvalidParameter.FileType", admin, "UploadFiles", {"BusinessType": "DOCUMENT", "Caller": {"OperatorId": admin["user_id"]}, "FileInfos": [{"FileBody": text_body, "FileName": "notes.txt"}]})
expect_error("InvalidParameter.FileType", admin, "UploadFiles", {"BusinessType": "DOCUMENT", "Caller": {"OperatorId": admin["user_id"]}, "FileType": "docx", "FileInfos": [{"FileBody": pdf_body, "FileName": "a.docx"}]})
typed = call(admin, "UploadFiles", {"BusinessType": "DOCUMENT", "Caller": {"OperatorId": admin["user_id"]}, "FileType": "pdf", "FileInfos": [{"FileBody": pdf_body, "FileName": "typed.pdf"}]})
check(typed.TotalCount == 1, "UploadFiles takes FileType pdf")
expect_error("InvalidParameter.BusinessType", admin, "UploadFiles", {"BusinessType": "TEMPLATE", "Caller": {"OperatorId": admin["user_id"]}, "FileInfos": [{"FileBody": pdf_body}]})
expect_error("InvalidParameter.BusinessType", admin, "DescribeFileUrls", {"Operator": operator(admin), "BusinessType": "FLOW", "BusinessIds": [sync.ResultFileId]})
expect_error("LimitExceeded", admin, "UploadFiles", {"BusinessType": "DOCUMENT", "Caller": {"OperatorId": admin["user_id"]}, "FileInfos": [{"FileBody": pdf_body}] * 21})
expect_error("LimitExceeded", admin, "DescribeFileUrls", {"Operator": operator(admin), "BusinessType": "DIGITFILE", "BusinessIds": [sync.ResultFileId] * 21})
expect_error("InvalidParameterValue", admin, "UploadFiles", {"BusinessType": "DOCUMENT", "Caller": {"OperatorId": admin["user_id"]}, "FileInfos": [{"FileBody": "***"}]})
expect_error("InvalidParameterValue", admin, "UploadFiles", {"BusinessType": "DOCUMENT", "Caller": {"OperatorId": admin["user_id"]}, "FileInfos": [{"FileBody": pdf_body}], "Deadline": 5})
expect_error("InvalidParameterValue", admin, "UploadFiles", {"BusinessType": "DOCUMENT", "Caller": {"OperatorId": admin["user_id"]}, "FileInfos": [{"FileBody": pdf_body, "FileName": "x" * 197 + ".pdf"}]})
expect_error("MissingParameter", admin, "UploadFiles", {"BusinessType": "DOCUMENT", "Caller": {"OperatorId": admin["user_id"]}, "FileInfos": [{"FileBody": "   "}]})
expect_error("InvalidParameterValue", admin, "DescribeFileUrls", {"Operator": operator(admin), "BusinessType": "DIGITFILE", "BusinessIds": [sync.ResultFileId], "UrlTtl": 86401})
expect_error("ResourceNotFound", admin, "DescribeFileCounterSignResult", {"Operator": operator(admin), "TaskId": "0" * 32})
expect_error("ResourceNotFound", admin, "CreateFileCounterSign", {"FileId": "f" * 32, "Operator": operator(admin)})
expect_error("OperationDenied.OperatorHasNoPermission", uploader, "CreateFileCounterSign", {"FileId": file_id, "Operator": operator(uploader)})
expect_error("OperationDenied.ErrNoResourceAccess", other, "CreateFileCounterSign", {"FileId": file_id, "Operator": operator(other)})
expect_error("OperationDenied.ErrNoResourceAccess", other, "DescribeFileUrls", {"Operator": operator(other), "BusinessType": "DIGITFILE", "BusinessIds": [sync.ResultFileId]})
expect_error("OperationDenied.ErrNoResourceAccess", sub_clerk, "CreateFileCounterSign", {"FileId": file_id, "Operator": operator(sub_clerk), "Agent": {"ProxyOrganizationId": settings["group_organization"]}})
poor_file = upload(poor, pdfs["classic"])
expect_error("FailedOperation.BalanceNotEnough", poor, "CreateFileCounterSign", {"FileId": poor_file, "Operator": operator(poor), "SyncMode": True})
certified = upload(admin, pdfs["certified_p1"])
refused = expect_error("FailedOperation", admin, "CreateFileCounterSign", {"FileId": certified, "Operator": operator(admin), "SyncMode": True})
check("P=1" in refused.get_message(), "FailedOperation carries the engine's reason (%s)" % refused.get_message())
refused_async = call(admin, "CreateFileCounterSign", {"FileId": certified, "Operator": operator(admin)})
failed = wait(admin, refused_async.TaskId)
check(failed.Status == "FAILED" and "P=1" in failed.ErrorDetail and not failed.ResultFileId, "async refusal ends FAILED with the reason")
# A file whose signature was followed by a page swap: counter-signing it would launder the forgery.
tampered = upload(admin, pdfs["tampered"])
refused = expect_error("FailedOperation", admin, "CreateFileCounterSign", {"FileId": tampered, "Operator": operator(admin), "SyncMode": True})
check("existing signature Signature1 is not valid: modified after signing (other)" in refused.get_message(), "a tampered earlier signature is refused by name (%s)" % refused.get_message())
hsm_file = upload(hsm, pdfs["classic"])
expect_error("InternalError.Api", hsm, "CreateFileCounterSign", {"FileId": hsm_file, "Operator": operator(hsm), "SyncMode": True})
# A stored file that can no longer be read is the service's own fault: InternalError.
broken = upload(admin, pdfs["classic"])
blob = os.path.join(settings["data_dir"], "files", "blobs", broken[:2], broken)
os.remove(blob)
os.mkdir(blob)
expect_error("InternalError", admin, "CreateFileCounterSign", {"FileId": broken, "Operator": operator(admin), "SyncMode": True})

wrong_key = dict(admin, secret_key="not-the-secret")
expect_error("AuthFailure.SignatureFailure", wrong_key, "DescribeFileCounterSignResult", {"Operator": operator(admin), "TaskId": pending.TaskId})
unknown = dict(admin, secret_id="AKIDnobodyHasThisOne")
expect_error("AuthFailure.SecretIdNotFound", unknown, "DescribeFileCounterSignResult", {"Operator": operator(admin), "TaskId": pending.TaskId})
real_time = time.time
with mock.patch("time.time", lambda: real_time() - 600):
    expect_error("AuthFailure.SignatureExpire", admin, "DescribeFileCounterSignResult", {"Operator": operator(admin), "TaskId": pending.TaskId})

# 20 requests per second per action and organisation: a concurrent burst of 60 must hit the limit.
def probe(_):
    try:
        call(other, "DescribeFileCounterSignResult", {"Operator": operator(other), "TaskId": "1" * 32})
        return "ok"
    except TencentCloudSDKException as error:
        return error.get_code()


with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
    codes = list(pool.map(probe, range(60)))
check(set(codes) == {"ResourceNotFound", "RequestLimitExceeded"}, "a burst only passes or is limited (%s)" % codes)
check(codes.count("ResourceNotFound") >= 20, "a full bucket lets 20 requests through (%s)" % codes)
check(codes.count("RequestLimitExceeded") >= 10, "a burst of 60 hits RequestLimitExceeded (%s)" % codes)

# --- The organisation's API key acts for the employee each request names -------------------------
group_key, leaver = settings["group_key"], settings["leaver"]
as_admin = call(group_key, "CreateFileCounterSign", {"FileId": file_id, "Operator": operator(admin), "SyncMode": True})
check(as_admin.Status == "FINISHED", "the organisation's key signs as the employee it names")
as_uploader = call(group_key, "UploadFiles", {"BusinessType": "DOCUMENT", "Caller": {"OperatorId": uploader["user_id"]}, "FileInfos": [{"FileBody": pdf_body}]})
check(as_uploader.TotalCount == 1, "the same key uploads as another employee")
expect_error("OperationDenied.OperatorHasNoPermission", group_key, "CreateFileCounterSign", {"FileId": file_id, "Operator": operator(uploader)})
expect_error("ResourceNotFound.User", group_key, "CreateFileCounterSign", {"FileId": file_id, "Operator": {"UserId": "nobody-here"}})
expect_error("OperationDenied.UserNotInOrganization", group_key, "VerifyDigitFile", {"FileId": file_id, "Operator": {"UserId": leaver}})
expect_error("OperationDenied.UserNotInOrganization", other, "VerifyDigitFile", {"FileId": file_id, "Operator": operator(admin)})

# --- API-3.0 common errors ------------------------------------------------------------------------
versioned = client(admin)
versioned._apiVersion = "2019-01-01"
try:
    versioned.call_json("DescribeFileCounterSignResult", {"Operator": operator(admin), "TaskId": pending.TaskId})
    check(False, "a wrong version is refused")
except TencentCloudSDKException as error:
    check(error.get_code() == "NoSuchVersion", "a wrong version gives NoSuchVersion (%s)" % error.get_code())
raw = urllib.request.Request("http://" + settings["endpoint"] + "/", data=b"{}", method="POST", headers={
    "Content-Type": "application/json", "Authorization": "Bearer something", "X-TC-Action": "DescribeFileCounterSignResult",
    "X-TC-Version": "2020-11-11", "X-TC-Timestamp": str(int(time.time()))})
answer = json.loads(urllib.request.urlopen(raw, timeout=60).read())["Response"]
check(answer["Error"]["Code"] == "AuthFailure.InvalidAuthorization", "a malformed Authorization gives AuthFailure.InvalidAuthorization (%s)" % answer)
chinese = expect_error("ResourceNotFound", admin, "DescribeFileCounterSignResult", {"Operator": operator(admin), "TaskId": "0" * 32}, language="zh-CN")
check(any("\u4e00" <= c <= "\u9fff" for c in chinese.get_message()), "X-TC-Language zh-CN gives a Chinese message (%s)" % chinese.get_message())
english = expect_error("ResourceNotFound", admin, "DescribeFileCounterSignResult", {"Operator": operator(admin), "TaskId": "0" * 32}, language="en-US")
check(all(ord(c) < 128 for c in english.get_message()), "en-US gives an English message (%s)" % english.get_message())
for form in FORMS[1:]:
    zh = expect_error("ResourceNotFound.User", admin, "VerifyDigitFile", {"Operator": {"UserId": "nobody-here"}, "FileId": file_id}, form=form, language="zh-CN")
    check(any("\u4e00" <= c <= "\u9fff" for c in zh.get_message()), "%s %s: Chinese message through Language" % form)

# --- Every request form of the SDK: GET and the v1 HmacSHA1/HmacSHA256 signatures -------------
for form in FORMS[1:]:
    label = "%s %s" % form
    form_file = call(admin, "UploadFiles", {"BusinessType": "DOCUMENT", "Caller": {"OperatorId": admin["user_id"]}, "FileInfos": [{"FileBody": pdf_body, "FileName": "合同 %s.pdf" % form[0]}]}, form=form)
    check(form_file.TotalCount == 1 and len(form_file.FileIds[0]) == 32, label + ": UploadFiles")
    form_sync = call(admin, "CreateFileCounterSign", {"FileId": form_file.FileIds[0], "Operator": operator(admin), "SyncMode": True}, form=form)
    check(form_sync.Status == "FINISHED", label + ": sync CreateFileCounterSign (SyncMode as a string)")
    form_async = call(admin, "CreateFileCounterSign", {"FileId": form_file.FileIds[0], "Operator": operator(admin), "SyncMode": False}, form=form)
    check(form_async.Status == "PROCESSING", label + ": SyncMode false stays asynchronous")
    form_done = call(admin, "DescribeFileCounterSignResult", {"Operator": operator(admin), "TaskId": form_sync.TaskId}, form=form)
    check(form_done.Status == "FINISHED" and form_done.ResultFileId == form_sync.ResultFileId, label + ": DescribeFileCounterSignResult")
    form_urls = call(admin, "DescribeFileUrls", {"Operator": operator(admin), "BusinessType": "DIGITFILE", "BusinessIds": [form_sync.ResultFileId], "UrlTtl": 60}, form=form)
    check(form_urls.TotalCount == 1, label + ": DescribeFileUrls")
    form_pdf = urllib.request.urlopen(form_urls.FileUrls[0].Url, timeout=60).read()
    name = "form-%s-%s.pdf" % (form[0].lower(), form[1].lower())
    open(os.path.join(settings["out_dir"], name), "wb").write(form_pdf)
    form_verified = call(admin, "VerifyDigitFile", {"Operator": operator(admin), "FileId": form_sync.ResultFileId}, form=form)
    check(form_verified.VerifyResult == 1 and form_verified.PdfResourceMd5 == hashlib.md5(form_pdf).hexdigest().upper(), label + ": VerifyDigitFile")
    expect_error("AuthFailure.SignatureFailure", wrong_key, "DescribeFileCounterSignResult", {"Operator": operator(admin), "TaskId": pending.TaskId}, form=form)
    expect_error("AuthFailure.SecretIdNotFound", unknown, "DescribeFileCounterSignResult", {"Operator": operator(admin), "TaskId": pending.TaskId}, form=form)
    with mock.patch("time.time", lambda: real_time() - 600):
        expect_error("AuthFailure.SignatureExpire", admin, "DescribeFileCounterSignResult", {"Operator": operator(admin), "TaskId": pending.TaskId}, form=form)

print("e2e: %d checks passed" % len(CHECKS), flush=True)
