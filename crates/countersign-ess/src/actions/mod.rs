//! The five actions, one module each with its request and response models and its handler; here
//! what they share: parse the parameters, find who acts and on which file, build the response.

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub(crate) mod create_file_counter_sign;
pub(crate) mod describe_file_counter_sign_result;
pub(crate) mod describe_file_urls;
pub(crate) mod upload_files;
pub(crate) mod verify_digit_file;

use super::Service;
use super::action::Action;
use super::api::{Agent, UserInfo};
use super::clock::unix_now;
use super::config::Permission;
use super::directory::Acting;
use super::error::{ApiError, ErrorCode};
use super::request::Params;
use super::store::FileRecord;
use create_file_counter_sign::create_file_counter_sign;
use describe_file_counter_sign_result::describe_file_counter_sign_result;
use describe_file_urls::describe_file_urls;
use upload_files::upload_files;
use verify_digit_file::verify_digit_file;

/// Runs `action` with `params` for a request signed with a key of `credential_org`: the
/// parameters parsed into the action's request model, the handler, its response as JSON.
pub(super) fn dispatch(
    service: &Service,
    credential_org: &str,
    action: Action,
    params: Params<'_>,
) -> Result<Value, ApiError> {
    let org = credential_org;
    match action {
        Action::UploadFiles => run(params, |request| upload_files(service, org, request)),
        Action::CreateFileCounterSign => run(params, |request| {
            create_file_counter_sign(service, org, request)
        }),
        Action::DescribeFileCounterSignResult => run(params, |request| {
            describe_file_counter_sign_result(service, org, request)
        }),
        Action::DescribeFileUrls => {
            run(params, |request| describe_file_urls(service, org, request))
        }
        Action::VerifyDigitFile => run(params, |request| verify_digit_file(service, org, request)),
    }
}

/// The preamble and the end of every action: parse, handle, answer.
fn run<'a, Q: Deserialize<'a>, R: Serialize>(
    params: Params<'a>,
    handle: impl FnOnce(Q) -> Result<R, ApiError>,
) -> Result<Value, ApiError> {
    respond(handle(parse(params)?))
}

fn parse<'a, T: Deserialize<'a>>(params: Params<'a>) -> Result<T, ApiError> {
    let parsed = match params {
        // Straight from the body, so that UploadFiles borrows its file bodies.
        Params::Json(body) => serde_json::from_slice(body),
        Params::Object(object) => T::deserialize(object),
    };
    parsed.map_err(|e| ApiError::invalid(format!("request parameters: {e}")))
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
