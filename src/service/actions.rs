//! The five actions: parse the request, authorise, act, build the response.

use base64::Engine as _;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use std::collections::{HashMap, HashSet};
use std::io::Write;

use super::api::*;
use super::clock::unix_now;
use super::config::{Limits, Permission, Retention};
use super::directory::Acting;
use super::error::{ApiError, ErrorCode, StoreError};
use super::ids::{random_id, result_file_id};
use super::pages;
use super::request::Params;
use super::store::{FileKind, FileRecord, TaskRecord, TaskStatus};
use super::verify_result::verify_response;
use super::zip::{archive_subject, safe_file_name, ZipLayout};
use super::Service;

const ACTIONS: [&str; 5] = [
    "UploadFiles",
    "CreateFileCounterSign",
    "DescribeFileCounterSignResult",
    "DescribeFileUrls",
    "VerifyDigitFile",
];
/// UploadFiles accepts at most this many files per call.
pub const MAX_UPLOAD_FILES: usize = 20;
pub const DEFAULT_URL_TTL_SECONDS: i64 = 300;
pub const MAX_URL_TTL_SECONDS: i64 = 86_400;
/// DescribeFileUrls pages: `Offset` is a page number up to this, `Limit` a page size.
pub const MAX_URL_PAGE: i64 = 1000;
pub const DEFAULT_URL_PAGE_SIZE: usize = 20;
pub const MAX_URL_PAGE_SIZE: i64 = 100;
/// DescribeFileUrls takes at most this many BusinessIds, as documented.
pub const MAX_BUSINESS_IDS: usize = 20;

pub(super) fn is_known(action: &str) -> bool {
    ACTIONS.contains(&action)
}

/// Whether running `action` twice does something twice (stores a file, charges a signature): its
/// signature is then refused when it comes again, even under the same action.
pub(super) fn changes_state(action: &str) -> bool {
    matches!(action, "UploadFiles" | "CreateFileCounterSign")
}

/// Runs `action` with `params` for a request signed with a key of `credential_org`.
pub(super) fn dispatch(
    service: &Service,
    credential_org: &str,
    action: &str,
    params: Params<'_>,
) -> Result<Value, ApiError> {
    match action {
        "UploadFiles" => respond(upload_files(service, credential_org, parse(params)?)),
        "CreateFileCounterSign" => respond(create_file_counter_sign(
            service,
            credential_org,
            parse(params)?,
        )),
        "DescribeFileCounterSignResult" => respond(describe_file_counter_sign_result(
            service,
            credential_org,
            parse(params)?,
        )),
        "DescribeFileUrls" => respond(describe_file_urls(service, credential_org, parse(params)?)),
        "VerifyDigitFile" => respond(verify_digit_file(service, credential_org, parse(params)?)),
        other => Err(ApiError::new(
            ErrorCode::InvalidAction,
            format!("unknown action {other}"),
        )),
    }
}

fn parse<'a, T: Deserialize<'a>>(params: Params<'a>) -> Result<T, ApiError> {
    let parsed = match params {
        // Straight from the body, so that UploadFiles borrows its file bodies.
        Params::Json(body) => serde_json::from_slice(body),
        Params::Object(object) => T::deserialize(object),
    };
    parsed.map_err(|e| ApiError::invalid(format!("request parameters: {e}")))
}

/// The parameters of a JSON body (an empty body is no parameters), once its syntax is checked;
/// the action parses them into its own model.
pub(super) fn json_params(body: &[u8]) -> Result<Params<'_>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Params::Object(Value::Object(serde_json::Map::new())));
    }
    // Checks without building anything (a maximal upload's text stays in the body alone).
    serde_json::from_slice::<IgnoredAny>(body)
        .map_err(|e| ApiError::invalid(format!("request body: {e}")))?;
    Ok(Params::Json(body))
}

fn respond<T: Serialize>(result: Result<T, ApiError>) -> Result<Value, ApiError> {
    serde_json::to_value(result?).map_err(|e| ApiError::internal(e.to_string()))
}

/// A present parameter that is not empty or blank.
fn required<'a>(value: Option<&'a String>, name: &str) -> Result<&'a str, ApiError> {
    value
        .map(String::as_str)
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| ApiError::missing(name))
}

fn operator(user: Option<&UserInfo>) -> Option<&str> {
    user.and_then(|user| user.user_id.as_deref())
}

/// The file `file_id`, if it exists and `acting` may use it.
fn owned_file(
    service: &Service,
    acting: &Acting<'_>,
    file_id: &str,
) -> Result<FileRecord, ApiError> {
    let file = service
        .core
        .metadata
        .file(file_id, unix_now())?
        .ok_or_else(|| ApiError::not_found(format!("file {file_id} not found or expired")))?;
    acting.check_owner(&file.organization, &format!("file {file_id}"))?;
    Ok(file)
}

fn file_bytes(service: &Service, file_id: &str) -> Result<Vec<u8>, ApiError> {
    service
        .core
        .blobs
        .get(file_id)?
        .ok_or_else(|| ApiError::not_found(format!("file {file_id} not found")))
}

fn looks_like_pdf(bytes: &[u8]) -> bool {
    let head = bytes.get(..1024).unwrap_or(bytes);
    head.windows(5).any(|window| window == b"%PDF-")
}

fn upload_files(
    service: &Service,
    credential_org: &str,
    request: UploadFilesRequest<'_>,
) -> Result<UploadFilesResponse, ApiError> {
    let core = &service.core;
    let operator = request
        .caller
        .as_ref()
        .and_then(|caller| caller.operator_id.as_deref());
    let acting = core.directory.authorize(
        credential_org,
        operator,
        request.agent.as_ref(),
        Permission::Upload,
    )?;
    require_business_type(request.business_type.as_ref(), "DOCUMENT")?;
    let infos = bounded_list(request.file_infos.as_deref(), "FileInfos", MAX_UPLOAD_FILES)?;
    let now = unix_now();
    let deadline = upload_deadline(request.deadline, now, &core.retention)?;
    check_upload_file_type(request.file_type.as_deref())?;
    let mut files = Vec::with_capacity(infos.len());
    for (index, info) in infos.iter().enumerate() {
        files.push(checked_upload(info, index, &core.limits)?);
    }
    let mut stored: Vec<(String, &str, u64)> = Vec::with_capacity(files.len());
    for (index, (name, body)) in files.into_iter().enumerate() {
        let id = random_id();
        // Bytes first: a crash in between leaves an unreferenced blob, never a record without bytes.
        match core
            .blobs
            .put_streamed(&id, &mut |out| decode_base64_into(body, index, out))
        {
            Ok(size) => stored.push((id, name, size)),
            Err(error) => {
                for (id, _, _) in &stored {
                    let _ = core.blobs.delete(id);
                }
                return Err(error.into());
            }
        }
    }
    let mut file_ids = Vec::with_capacity(stored.len());
    for (id, name, size) in stored {
        core.metadata.insert_file(&FileRecord {
            id: id.clone(),
            organization: acting.organization.id.clone(),
            name: name.to_owned(),
            size,
            kind: FileKind::Upload,
            created_at: now,
            expires_at: Some(deadline),
        })?;
        file_ids.push(id);
    }
    Ok(UploadFilesResponse {
        total_count: i64::try_from(file_ids.len()).unwrap_or(i64::MAX),
        file_ids,
        deadline,
    })
}

/// `Deadline` of UploadFiles: absent or 0 is the configured upload lifetime; otherwise a time
/// in the future no further than the configured maximum.
fn upload_deadline(
    deadline: Option<i64>,
    now: i64,
    retention: &Retention,
) -> Result<i64, ApiError> {
    let furthest = now.saturating_add(i64::from(retention.max_upload_seconds));
    match deadline {
        None | Some(0) => Ok(now.saturating_add(i64::from(retention.upload_seconds))),
        Some(deadline) if deadline > now && deadline <= furthest => Ok(deadline),
        Some(deadline) => Err(ApiError::invalid_value(format!(
            "Deadline {deadline} must be in the future and at most {} seconds away",
            retention.max_upload_seconds
        ))),
    }
}

/// `FileType` of UploadFiles: absent (the contents decide) or `pdf`, the one type this service
/// signs; the other documented types need a conversion service this one does not have.
fn check_upload_file_type(file_type: Option<&str>) -> Result<(), ApiError> {
    match file_type.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(()),
        Some(t) if t.eq_ignore_ascii_case("pdf") => Ok(()),
        Some(other) => Err(ApiError::new(
            ErrorCode::InvalidFileType,
            format!("FileType {other:.16} is not supported: this service takes PDF files only"),
        )
        .zh(format!("不支持文件类型 {other:.16}，仅支持 PDF 文件"))),
    }
}

/// The name and the trimmed base64 body of `FileInfos.index`, once their sizes are within the
/// limits; a blank body counts as missing.
fn checked_upload<'r>(
    info: &'r UploadFile<'_>,
    index: usize,
    limits: &Limits,
) -> Result<(&'r str, &'r str), ApiError> {
    let body = info
        .file_body
        .as_deref()
        .map(str::trim)
        .filter(|body| !body.is_empty())
        .ok_or_else(|| ApiError::missing(&format!("FileInfos.{index}.FileBody")))?;
    let name = info
        .file_name
        .as_deref()
        .filter(|name| !name.trim().is_empty())
        .unwrap_or("file.pdf");
    let padding = body.bytes().rev().take_while(|&b| b == b'=').count();
    let decoded = (body.len() / 4).saturating_mul(3).saturating_sub(padding);
    if u64::try_from(decoded).unwrap_or(u64::MAX) > limits.max_file_bytes {
        return Err(ApiError::invalid_value(format!(
            "FileInfos.{index}.FileBody decodes to {decoded} bytes, more than the {} allowed",
            limits.max_file_bytes
        )));
    }
    if name.chars().count() > limits.max_file_name_chars {
        return Err(ApiError::invalid_value(format!(
            "FileInfos.{index}.FileName is longer than {} characters",
            limits.max_file_name_chars
        )));
    }
    if !looks_like_pdf(&decode_head(body, index)?) {
        return Err(ApiError::new(
            ErrorCode::InvalidFileType,
            format!("FileInfos.{index} ({name:.64}) is not a PDF file"),
        )
        .zh(format!("FileInfos.{index}（{name:.64}）不是 PDF 文件")));
    }
    Ok((name, body))
}

/// The first 1 KiB (at most) of the decoded body, where `%PDF-` must be.
fn decode_head(body: &str, index: usize) -> Result<Vec<u8>, ApiError> {
    // 1368 characters are 342 whole base64 groups, 1026 bytes.
    let head = if body.len() <= 1368 {
        body
    } else {
        body.get(..1368).unwrap_or_default()
    };
    base64::engine::general_purpose::STANDARD
        .decode(head)
        .map_err(|e| {
            ApiError::invalid_value(format!("FileInfos.{index}.FileBody is not base64: {e}"))
        })
}

/// Decodes standard padded base64 chunk by chunk into `out`, so the decoded file never sits in
/// memory whole.
fn decode_base64_into(text: &str, file: usize, out: &mut dyn Write) -> Result<(), StoreError> {
    // A multiple of 4 characters: every chunk but the last is whole base64 groups.
    const CHUNK: usize = 64 * 1024;
    let engine = &base64::engine::general_purpose::STANDARD;
    let mut decoded = vec![0u8; CHUNK / 4 * 3];
    for (index, chunk) in text.as_bytes().chunks(CHUNK).enumerate() {
        let length = engine.decode_slice(chunk, &mut decoded).map_err(|error| {
            StoreError::Rejected(format!(
                "FileInfos.{file}.FileBody is not base64 (in characters from {}): {error}",
                index.saturating_mul(CHUNK)
            ))
        })?;
        out.write_all(decoded.get(..length).unwrap_or_default())?;
    }
    Ok(())
}

fn create_file_counter_sign(
    service: &Service,
    credential_org: &str,
    request: CreateFileCounterSignRequest,
) -> Result<CreateFileCounterSignResponse, ApiError> {
    let core = &service.core;
    let caller = Caller::of(
        credential_org,
        request.operator.as_ref(),
        request.agent.as_ref(),
    );
    let sync = request.sync_mode.unwrap_or(false);
    let (acting, file_id, file) =
        caller.own_file_record(service, request.file_id.as_ref(), Permission::CounterSign)?;
    // Before the task is charged: a refusal for want of memory must not cost a signature.
    let room = sync.then(|| core.memory.reserve(file.size)).transpose()?;
    let pdf = file_bytes(service, file_id)?;
    if !looks_like_pdf(&pdf) {
        return Err(ApiError::invalid(format!("file {file_id} is not a PDF")));
    }
    let now = unix_now();
    drop(pdf);
    let task_id = random_id();
    let task = TaskRecord {
        result_file_id: result_file_id(&task_id),
        id: task_id,
        organization: acting.organization.id.clone(),
        file_id: file_id.to_owned(),
        status: TaskStatus::Processing,
        error_detail: String::new(),
        created_at: now,
        updated_at: now,
        // A synchronous task is created claimed by this request (its first attempt); an
        // asynchronous one is free for the first worker, here or on another replica.
        attempts: u32::from(sync),
        lease_until: sync.then(|| core.clock.now().saturating_add(core.claims.lease_seconds)),
    };
    if !core.metadata.create_task(&task)? {
        return Err(ApiError::new(
            ErrorCode::BalanceNotEnough,
            format!("organisation {} has no signatures left", task.organization),
        ));
    }
    // The task now keeps its file from the sweep; a sweep that ran between the check above and
    // the task took it already: give the task up (refunded) rather than fail it later.
    if core.metadata.file(file_id, i64::MIN)?.is_none() {
        let detail = format!("file {file_id} expired");
        core.metadata.fail_task(&task.id, &detail, now)?;
        return Err(ApiError::not_found(detail));
    }
    if sync {
        let done = core.run_claimed(&task, room)?;
        return Ok(CreateFileCounterSignResponse {
            status: done.status.as_str().into(),
            result_file_id: done.result_file_id,
            task_id: done.id,
        });
    }
    service.submit(task.id.clone());
    Ok(CreateFileCounterSignResponse {
        status: TaskStatus::Processing.as_str().into(),
        result_file_id: String::new(),
        task_id: task.id,
    })
}

fn describe_file_counter_sign_result(
    service: &Service,
    credential_org: &str,
    request: DescribeFileCounterSignResultRequest,
) -> Result<DescribeFileCounterSignResultResponse, ApiError> {
    let core = &service.core;
    let acting = core.directory.authorize(
        credential_org,
        operator(request.operator.as_ref()),
        request.agent.as_ref(),
        Permission::CounterSign,
    )?;
    let task_id = required(request.task_id.as_ref(), "TaskId")?;
    let task = core
        .metadata
        .task(task_id)?
        .ok_or_else(|| ApiError::not_found(format!("task {task_id} not found")))?;
    acting.check_owner(&task.organization, &format!("task {task_id}"))?;
    let finished = task.status == TaskStatus::Finished;
    Ok(DescribeFileCounterSignResultResponse {
        status: task.status.as_str().into(),
        result_file_id: if finished {
            task.result_file_id
        } else {
            String::new()
        },
        error_detail: task.error_detail,
    })
}

fn describe_file_urls(
    service: &Service,
    credential_org: &str,
    request: DescribeFileUrlsRequest,
) -> Result<DescribeFileUrlsResponse, ApiError> {
    let core = &service.core;
    let acting = core.directory.authorize(
        credential_org,
        operator(request.operator.as_ref()),
        request.agent.as_ref(),
        Permission::Download,
    )?;
    require_business_type(request.business_type.as_ref(), "DIGITFILE")?;
    let ids = bounded_list(
        request.business_ids.as_deref(),
        "BusinessIds",
        MAX_BUSINESS_IDS,
    )?;
    let ttl = url_ttl(request.url_ttl)?;
    let (offset, limit) = url_page(request.offset, request.limit)?;
    let zip = download_as_zip(request.file_type.as_deref())?;
    // Every id is checked, not only the page's: an unknown or foreign id fails the call. An id
    // listed twice is one file (listing one file many times must not multiply the work).
    let mut seen = HashSet::with_capacity(ids.len());
    let files = ids
        .iter()
        .filter(|id| seen.insert(id.as_str()))
        .map(|id| result_file(service, &acting, id))
        .collect::<Result<Vec<_>, _>>()?;
    let total = files.len();
    let page: Vec<&FileRecord> = files
        .iter()
        .skip(offset.saturating_mul(limit))
        .take(limit)
        .collect();
    let expires_at = unix_now().saturating_add(ttl);
    let file_urls = if zip {
        let name = zip_name(request.file_name.as_deref(), service.limits())?;
        // Laid out now so that an archive that cannot be made fails here, not at the download.
        let listed: Vec<(&str, &str, u64)> = page
            .iter()
            .map(|file| (file.name.as_str(), file.id.as_str(), file.size))
            .collect();
        ZipLayout::new(&listed)?;
        let ids: Vec<&str> = page.iter().map(|file| file.id.as_str()).collect();
        vec![FileUrl {
            url: download_url(service, &archive_subject(&name, &ids), expires_at),
            option: String::new(),
        }]
    } else {
        // A file listed many times is read once.
        let mut options: HashMap<&str, String> = HashMap::new();
        let mut urls = Vec::with_capacity(page.len());
        for file in page {
            let option = match options.get(file.id.as_str()) {
                Some(option) => option.clone(),
                None => {
                    let option = page_sizes_of(service, file)?;
                    options.insert(&file.id, option.clone());
                    option
                }
            };
            urls.push(FileUrl {
                url: download_url(service, &file.id, expires_at),
                option,
            });
        }
        urls
    };
    let total_count = if zip { 1 } else { total };
    Ok(DescribeFileUrlsResponse {
        total_count: i64::try_from(total_count).unwrap_or(i64::MAX),
        file_urls,
    })
}

/// The `Option` text of `file`, read within the service's document memory.
fn page_sizes_of(service: &Service, file: &FileRecord) -> Result<String, ApiError> {
    let _room = service.core.memory.reserve(file.size)?;
    Ok(pages::option_text(&file_bytes(service, &file.id)?))
}

/// `UrlTtl`: 0 or absent is five minutes; otherwise 1 s to one day.
fn url_ttl(ttl: Option<i64>) -> Result<i64, ApiError> {
    match ttl {
        None | Some(0) => Ok(DEFAULT_URL_TTL_SECONDS),
        Some(ttl) if (1..=MAX_URL_TTL_SECONDS).contains(&ttl) => Ok(ttl),
        Some(ttl) => Err(ApiError::invalid_value(format!(
            "UrlTtl {ttl} is outside 1..=86400 seconds"
        ))),
    }
}

/// `Offset` (page number from 0, at most 1000) and `Limit` (page size, default 20, at most 100).
fn url_page(offset: Option<i64>, limit: Option<i64>) -> Result<(usize, usize), ApiError> {
    let offset = match offset.unwrap_or(0) {
        offset @ 0..=MAX_URL_PAGE => usize::try_from(offset).unwrap_or(0),
        other => {
            return Err(ApiError::invalid_value(format!(
                "Offset {other} is outside 0..={MAX_URL_PAGE}"
            )))
        }
    };
    let limit = match limit.unwrap_or(0) {
        0 => DEFAULT_URL_PAGE_SIZE,
        limit @ 1..=MAX_URL_PAGE_SIZE => usize::try_from(limit).unwrap_or(DEFAULT_URL_PAGE_SIZE),
        other => {
            return Err(ApiError::invalid_value(format!(
                "Limit {other} is outside 1..={MAX_URL_PAGE_SIZE}"
            )))
        }
    };
    Ok((offset, limit))
}

/// `FileType`: PDF (the default: one URL per file) or ZIP (one archive of them all). JPG needs
/// a renderer this service does not have.
fn download_as_zip(file_type: Option<&str>) -> Result<bool, ApiError> {
    match file_type.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(false),
        Some(t) if t.eq_ignore_ascii_case("PDF") => Ok(false),
        Some(t) if t.eq_ignore_ascii_case("ZIP") => Ok(true),
        Some(other) => Err(ApiError::new(
            ErrorCode::InvalidFileType,
            format!("FileType {other:.16} is not supported; use PDF or ZIP"),
        )
        .zh(format!("不支持文件类型 {other:.16}，请使用 PDF 或 ZIP"))),
    }
}

/// The archive's name: `FileName` made a safe bare name (see [`safe_file_name`]) with `.zip`
/// added when missing, or `files.zip`.
fn zip_name(file_name: Option<&str>, limits: &Limits) -> Result<String, ApiError> {
    let Some(name) = file_name.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok("files.zip".into());
    };
    if name.chars().count() > limits.max_file_name_chars {
        return Err(ApiError::invalid_value(format!(
            "FileName is longer than {} characters",
            limits.max_file_name_chars
        )));
    }
    let name = safe_file_name(name);
    if name.to_ascii_lowercase().ends_with(".zip") {
        Ok(name)
    } else {
        Ok(format!("{name}.zip"))
    }
}

/// A counter-signed file `acting` may download.
fn result_file(service: &Service, acting: &Acting<'_>, id: &str) -> Result<FileRecord, ApiError> {
    let file = owned_file(service, acting, id)?;
    if file.kind != FileKind::Result {
        return Err(ApiError::not_found(format!(
            "{id} is not a counter-signed file"
        )));
    }
    Ok(file)
}

fn download_url(service: &Service, file_id: &str, expires_at: i64) -> String {
    let base = service
        .core
        .public_url
        .read()
        .unwrap_or_else(|poison| poison.into_inner())
        .clone();
    let token = service.core.tokens.issue(file_id, expires_at);
    format!("{base}/download/{token}")
}

fn verify_digit_file(
    service: &Service,
    credential_org: &str,
    request: VerifyDigitFileRequest,
) -> Result<VerifyDigitFileResponse, ApiError> {
    let core = &service.core;
    let caller = Caller::of(
        credential_org,
        request.operator.as_ref(),
        request.agent.as_ref(),
    );
    let (acting, file_id, file) =
        caller.own_file_record(service, request.file_id.as_ref(), Permission::Verify)?;
    let _room = core.memory.reserve(file.size)?;
    let pdf = file_bytes(service, file_id)?;
    match core.engine.verify_with_revocation(
        &pdf,
        &core.trust_roots,
        &acting.organization.verify_revocation,
    ) {
        Ok(report) => Ok(verify_response(&pdf, Some(&report))),
        Err(crate::Error::NotPdf(reason)) => Err(ApiError::invalid(format!(
            "file {file_id} is not a PDF: {reason}"
        ))),
        Err(_) => Ok(verify_response(&pdf, None)),
    }
}

/// `BusinessType` must be present and be the one value this action accepts.
fn require_business_type(value: Option<&String>, expected: &str) -> Result<(), ApiError> {
    let business_type = required(value, "BusinessType")?;
    if business_type != expected {
        return Err(ApiError::new(
            ErrorCode::InvalidBusinessType,
            format!("BusinessType {business_type:.32} is not supported; use {expected}"),
        )
        .zh(format!(
            "不合法的业务类型 {business_type:.32}，请使用 {expected}"
        )));
    }
    Ok(())
}

/// A required list of 1 to `max` entries.
fn bounded_list<'a, T>(list: Option<&'a [T]>, name: &str, max: usize) -> Result<&'a [T], ApiError> {
    let list = list.unwrap_or_default();
    if list.is_empty() {
        return Err(ApiError::missing(name));
    }
    if list.len() > max {
        return Err(ApiError::new(
            ErrorCode::LimitExceeded,
            format!("at most {max} {name} per call"),
        )
        .zh(format!("{name} 每次最多 {max} 个")));
    }
    Ok(list)
}

/// Who is calling: the credential's employee, the request's operator and agent.
struct Caller<'r> {
    credential_org: &'r str,
    operator: Option<&'r UserInfo>,
    agent: Option<&'r Agent>,
}

impl<'r> Caller<'r> {
    fn of(
        credential_org: &'r str,
        operator: Option<&'r UserInfo>,
        agent: Option<&'r Agent>,
    ) -> Self {
        Self {
            credential_org,
            operator,
            agent,
        }
    }

    /// Checks `permission`, then that `FileId` names a file of the acting organisation, and
    /// returns the acting organisation, the id and the file's record (its bytes not yet read).
    fn own_file_record<'s>(
        &self,
        service: &'s Service,
        file_id: Option<&'r String>,
        permission: Permission,
    ) -> Result<(Acting<'s>, &'r str, FileRecord), ApiError> {
        let operator = operator(self.operator);
        let acting = service.core.directory.authorize(
            self.credential_org,
            operator,
            self.agent,
            permission,
        )?;
        let file_id = required(file_id, "FileId")?;
        let file = owned_file(service, &acting, file_id)?;
        Ok((acting, file_id, file))
    }
}
