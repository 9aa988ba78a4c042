//! UploadFiles: stores PDF files (base64 in the request) for the other actions to use.

use std::borrow::Cow;
use std::fmt;
use std::io::Write;

use base64::Engine as _;
use serde::de::{Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use super::{bounded_list, looks_like_pdf, require_business_type};
use crate::Service;
use crate::action::Action;
use crate::api::Agent;
use crate::clock::unix_now;
use crate::config::{Limits, Retention};
use crate::error::{ApiError, ErrorCode, StoreError};
use crate::ids::random_id;
use crate::params::lenient_i64;
use crate::store::{FileKind, FileRecord};

/// `Caller` of UploadFiles: `OperatorId` is the employee's UserId.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Caller {
    pub operator_id: Option<String>,
}

/// Borrows the file bodies from the request body it is parsed from (see [`FileBody`]).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UploadFilesRequest<'a> {
    pub business_type: Option<String>,
    pub caller: Option<Caller>,
    #[serde(borrow)]
    pub file_infos: Option<Vec<UploadFile<'a>>>,
    /// `pdf` is the one type this service takes (it converts no other format).
    pub file_type: Option<String>,
    pub agent: Option<Agent>,
    #[serde(deserialize_with = "lenient_i64")]
    pub deadline: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UploadFile<'a> {
    #[serde(borrow)]
    pub file_body: Option<FileBody<'a>>,
    pub file_name: Option<String>,
}

/// The base64 text of an uploaded file. Parsed from a JSON body it borrows from that body (base64
/// needs no JSON escapes), so a maximal upload does not hold its text twice; a string with
/// escapes, or one from rebuilt form parameters, is owned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileBody<'a>(pub Cow<'a, str>);

impl std::ops::Deref for FileBody<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for FileBody<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // serde's own `Cow<str>` always copies; this visitor keeps what the parser can lend.
        struct Text;
        impl<'de> Visitor<'de> for Text {
            type Value = Cow<'de, str>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a base64 string")
            }

            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Self::Value, E> {
                Ok(Cow::Borrowed(text))
            }

            fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
                Ok(Cow::Owned(text.to_owned()))
            }

            fn visit_string<E>(self, text: String) -> Result<Self::Value, E> {
                Ok(Cow::Owned(text))
            }
        }
        deserializer.deserialize_str(Text).map(FileBody)
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct UploadFilesResponse {
    pub file_ids: Vec<String>,
    pub total_count: i64,
    pub deadline: i64,
}

/// UploadFiles accepts at most this many files per call.
pub const MAX_UPLOAD_FILES: usize = 20;

pub(super) fn upload_files(
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
        Action::UploadFiles.permission(),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn bodies(request: UploadFilesRequest<'_>) -> Vec<Cow<'_, str>> {
        let infos = request.file_infos.unwrap_or_default();
        infos
            .into_iter()
            .filter_map(|i| i.file_body)
            .map(|b| b.0)
            .collect()
    }

    #[test]
    fn file_bodies_borrow_from_the_json_body_unless_escaped() {
        let body = br#"{"FileInfos": [{"FileBody": "JVBE+/0="}, {"FileBody": "JVBE\/+\u0030="}]}"#;
        let request: UploadFilesRequest<'_> = serde_json::from_slice(body).unwrap();
        let bodies = bodies(request);
        // The plain string is the body's own bytes: no copy of a large upload's text.
        assert!(matches!(bodies[0], Cow::Borrowed("JVBE+/0=")), "{bodies:?}");
        // Escapes cannot be lent as they are: decoded into an owned string.
        assert!(
            matches!(&bodies[1], Cow::Owned(text) if text == "JVBE/+0="),
            "{bodies:?}"
        );
    }

    #[test]
    fn file_bodies_of_rebuilt_parameters_are_moved() {
        let value =
            serde_json::json!({"FileInfos": [{"FileBody": "JVBE"}, {"FileBody": null}, {}]});
        let request = UploadFilesRequest::deserialize(value).unwrap();
        assert_eq!(bodies(request), [Cow::<str>::Owned("JVBE".into())]);
        let number = serde_json::json!({"FileInfos": [{"FileBody": 5}]});
        assert!(UploadFilesRequest::deserialize(number).is_err());
    }
}
