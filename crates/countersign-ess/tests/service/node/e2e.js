// End-to-end check of the countersign service with the official Tencent Cloud Node SDK
// (tencentcloud-sdk-nodejs, pinned in package.json).
//
// Usage: node e2e.js SETTINGS.json   (written by tests/service_e2e.rs)
//
// The server listens on a port other than 80 and is reached as `ess.localhost:PORT`: the Node SDK
// derives the credential scope's service from the first label of the endpoint and signs the host
// without its port while sending `Host: ess.localhost:PORT`. A custom DNS lookup maps the name to
// the loopback address, so nothing leaves the machine. Every action runs with each request form
// the SDK offers: POST/TC3-HMAC-SHA256 (the default), GET/TC3, POST and GET with the v1 HmacSHA256
// and HmacSHA1 signatures, and TC3 against `127.0.0.1:PORT`. Exits non-zero on the first failed
// expectation.
"use strict";

const fs = require("fs");
const http = require("http");
const path = require("path");
const crypto = require("crypto");
const EssClient = require("tencentcloud-sdk-nodejs/tencentcloud/services/ess/v20201111/ess_client").Client;

const settings = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
let checks = 0;

function check(condition, what) {
  if (!condition) {
    console.log("FAILED: " + what);
    process.exit(1);
  }
  checks += 1;
}

// Every name resolves to the loopback address (Node 20 asks for all addresses by default).
function loopbackLookup(hostname, options, callback) {
  if (options && options.all) {
    callback(null, [{ address: "127.0.0.1", family: 4 }]);
  } else {
    callback(null, "127.0.0.1", 4);
  }
}
const agent = new http.Agent({ lookup: loopbackLookup });

function client(who, form = {}) {
  return new EssClient({
    credential: { secretId: who.secret_id, secretKey: who.secret_key },
    region: "ap-guangzhou",
    profile: {
      signMethod: form.signMethod || "TC3-HMAC-SHA256",
      language: form.language,
      httpProfile: {
        endpoint: form.endpoint || settings.endpoint,
        protocol: "http://",
        reqMethod: form.reqMethod || "POST",
        reqTimeout: 120,
        agent,
      },
    },
  });
}

async function expectError(code, promise, what) {
  try {
    await promise;
  } catch (error) {
    check(error.code === code, `${what}: expected ${code}, got ${error.code} (${error.message})`);
    check(Boolean(error.requestId), `${what}: the error carries a RequestId`);
    return error;
  }
  check(false, `${what}: expected ${code}, but it succeeded`);
  return null;
}

function download(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode, body: Buffer.concat(chunks) }));
      })
      .on("error", reject);
  });
}

async function waitTask(ess, operator, taskId) {
  const deadline = Date.now() + 120000;
  for (;;) {
    const result = await ess.DescribeFileCounterSignResult({ Operator: operator, TaskId: taskId });
    if (result.Status !== "PROCESSING" || Date.now() > deadline) {
      return result;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// The whole flow with one request form; returns the downloaded counter-signed PDF.
async function flow(form, label) {
  const admin = settings.admin;
  const ess = client(admin, form);
  const operator = { UserId: admin.user_id };
  const original = fs.readFileSync(settings.pdfs.classic);
  const uploaded = await ess.UploadFiles({
    BusinessType: "DOCUMENT",
    Caller: { OperatorId: admin.user_id },
    FileInfos: [{ FileBody: original.toString("base64"), FileName: "classic.pdf" }],
  });
  check(uploaded.TotalCount === 1 && uploaded.FileIds[0].length === 32, `${label}: UploadFiles returns one FileId`);
  check(Math.abs(uploaded.Deadline - (Date.now() / 1000 + 3600)) < 30, `${label}: UploadFiles default Deadline is one hour`);
  const fileId = uploaded.FileIds[0];

  const sync = await ess.CreateFileCounterSign({ FileId: fileId, Operator: operator, SyncMode: true });
  check(sync.Status === "FINISHED" && sync.ResultFileId.length === 32, `${label}: sync CreateFileCounterSign FINISHED`);
  const pending = await ess.CreateFileCounterSign({ FileId: fileId, Operator: operator, SyncMode: false });
  check(pending.Status === "PROCESSING" && pending.TaskId && !pending.ResultFileId, `${label}: async CreateFileCounterSign PROCESSING`);
  const done = await waitTask(ess, operator, pending.TaskId);
  check(done.Status === "FINISHED" && done.ErrorDetail === "" && done.ResultFileId.length === 32, `${label}: async task FINISHED`);

  const urls = await ess.DescribeFileUrls({
    Operator: operator,
    BusinessType: "DIGITFILE",
    BusinessIds: [sync.ResultFileId],
    UrlTtl: 60,
  });
  check(urls.TotalCount === 1 && urls.FileUrls.length === 1, `${label}: DescribeFileUrls returns one URL`);
  const letter = { Width: 612, Height: 792 };
  check(
    JSON.stringify(JSON.parse(urls.FileUrls[0].Option)) === JSON.stringify([letter, letter]),
    `${label}: Option lists each page's size (${urls.FileUrls[0].Option})`,
  );
  const fetched = await download(urls.FileUrls[0].Url);
  check(fetched.status === 200, `${label}: the download URL answers 200`);
  const signed = fetched.body;
  check(signed.subarray(0, original.length).equals(original), `${label}: the download is an incremental update of the upload`);

  const verified = await ess.VerifyDigitFile({ Operator: operator, FileId: sync.ResultFileId });
  check(verified.VerifyResult === 1, `${label}: VerifyDigitFile VerifyResult 1`);
  check(verified.VerifyFailReasons === undefined, `${label}: no VerifyFailReasons when the file verifies`);
  const md5 = crypto.createHash("md5").update(signed).digest("hex").toUpperCase();
  check(verified.PdfResourceMd5 === md5, `${label}: PdfResourceMd5 is the MD5 of the download`);
  check(verified.VerifyDigitFileResults.length === 1, `${label}: one signature reported`);
  check(verified.VerifyDigitFileResults[0].CertSn === "3001", `${label}: CertSn 3001`);
  const result = verified.VerifyDigitFileResults[0];
  check(result.SignerName === "Demo Organisation" && result.SignType === 1, `${label}: SignerName and SignType`);
  return signed;
}

async function main() {
  const admin = settings.admin;
  const operator = { UserId: admin.user_id };
  const forms = [
    [{}, "POST TC3-HMAC-SHA256"],
    [{ reqMethod: "GET" }, "GET TC3-HMAC-SHA256"],
    [{ signMethod: "HmacSHA256" }, "POST HmacSHA256"],
    [{ reqMethod: "GET", signMethod: "HmacSHA256" }, "GET HmacSHA256"],
    [{ signMethod: "HmacSHA1" }, "POST HmacSHA1"],
    [{ reqMethod: "GET", signMethod: "HmacSHA1" }, "GET HmacSHA1"],
    // By address: the SDK then puts `127` in the credential scope where a name gives `ess`.
    [{ endpoint: settings.ip_endpoint }, "POST TC3-HMAC-SHA256 by IP address"],
    [{ endpoint: settings.ip_endpoint, reqMethod: "GET" }, "GET TC3-HMAC-SHA256 by IP address"],
  ];
  for (const [form, label] of forms) {
    const signed = await flow(form, label);
    const name = label.replace(/[^A-Za-z0-9]+/g, "-").toLowerCase() + ".pdf";
    fs.writeFileSync(path.join(settings.out_dir, name), signed);
  }

  // Authentication failures keep their API codes through the Node SDK.
  const lookup = { Operator: operator, TaskId: "0".repeat(32) };
  await expectError("ResourceNotFound", client(admin).DescribeFileCounterSignResult(lookup), "unknown task");
  await expectError(
    "AuthFailure.SignatureFailure",
    client({ ...admin, secret_key: "not-the-secret" }).DescribeFileCounterSignResult(lookup),
    "wrong SecretKey",
  );
  await expectError(
    "AuthFailure.SecretIdNotFound",
    client({ ...admin, secret_id: "AKIDnobodyHasThisOne" }).DescribeFileCounterSignResult(lookup),
    "unknown SecretId",
  );
  await expectError("MissingParameter", client(admin).CreateFileCounterSign({ Operator: operator }), "no FileId");

  // The organisation's key acts for the employee the request names, within their permissions.
  const uploader = settings.uploader;
  const ghost = { Operator: { UserId: "nobody-here" }, TaskId: "0".repeat(32) };
  for (const [form, label] of forms) {
    await expectError(
      "OperationDenied.OperatorHasNoPermission",
      client(admin, form).DescribeFileCounterSignResult({ Operator: { UserId: uploader.user_id }, TaskId: "0".repeat(32) }),
      `${label}: an operator without the permission`,
    );
    const zh = await expectError(
      "ResourceNotFound.User",
      client(admin, { ...form, language: "zh-CN" }).DescribeFileCounterSignResult(ghost),
      `${label}: an unknown operator`,
    );
    check(/[\u4e00-\u9fff]/.test(zh.message), `${label}: language zh-CN gives a Chinese message (${zh.message})`);
    await expectError(
      "AuthFailure.SignatureFailure",
      client({ ...admin, secret_key: "not-the-secret" }, form).DescribeFileCounterSignResult(lookup),
      `${label}: wrong SecretKey`,
    );
  }

  console.log(`node e2e: ${checks} checks passed`);
}

main().catch((error) => {
  console.log("FAILED: " + (error && error.stack ? error.stack : error));
  process.exit(1);
});
