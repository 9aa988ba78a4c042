//! DescribeFileUrls: download links of counter-signed files, one per file or one ZIP of them all.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::{bounded_list, file_bytes, operator, owned_file, require_business_type};
use crate::Service;
use crate::action::Action;
use crate::api::{Agent, UserInfo};
use crate::clock::unix_now;
use crate::config::Limits;
use crate::directory::Acting;
use crate::error::{ApiError, ErrorCode};
use crate::pages;
use crate::params::lenient_i64;
use crate::store::{FileKind, FileRecord};
use crate::zip::{ZipLayout, archive_subject, safe_file_name};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeFileUrlsRequest {
    pub operator: Option<UserInfo>,
    pub agent: Option<Agent>,
    pub business_type: Option<String>,
    pub business_ids: Option<Vec<String>>,
    /// Name of the ZIP download (only with `FileType` ZIP).
    pub file_name: Option<String>,
    /// `PDF` (default) or `ZIP` (one archive of all the files).
    pub file_type: Option<String>,
    /// Page number, from 0.
    #[serde(deserialize_with = "lenient_i64")]
    pub offset: Option<i64>,
    /// Page size (default 20, at most 100).
    #[serde(deserialize_with = "lenient_i64")]
    pub limit: Option<i64>,
    #[serde(deserialize_with = "lenient_i64")]
    pub url_ttl: Option<i64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeFileUrlsResponse {
    pub file_urls: Vec<FileUrl>,
    pub total_count: i64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct FileUrl {
    pub url: String,
    pub option: String,
}

pub const DEFAULT_URL_TTL_SECONDS: i64 = 300;

pub const MAX_URL_TTL_SECONDS: i64 = 86_400;

/// DescribeFileUrls pages: `Offset` is a page number up to this, `Limit` a page size.
pub const MAX_URL_PAGE: i64 = 1000;

pub const DEFAULT_URL_PAGE_SIZE: usize = 20;

pub const MAX_URL_PAGE_SIZE: i64 = 100;

/// DescribeFileUrls takes at most this many BusinessIds, as documented.
pub const MAX_BUSINESS_IDS: usize = 20;

pub(super) fn describe_file_urls(
    service: &Service,
    credential_org: &str,
    request: DescribeFileUrlsRequest,
) -> Result<DescribeFileUrlsResponse, ApiError> {
    let core = &service.core;
    let acting = core.directory.authorize(
        credential_org,
        operator(request.operator.as_ref()),
        request.agent.as_ref(),
        Action::DescribeFileUrls.permission(),
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
            )));
        }
    };
    let limit = match limit.unwrap_or(0) {
        0 => DEFAULT_URL_PAGE_SIZE,
        limit @ 1..=MAX_URL_PAGE_SIZE => usize::try_from(limit).unwrap_or(DEFAULT_URL_PAGE_SIZE),
        other => {
            return Err(ApiError::invalid_value(format!(
                "Limit {other} is outside 1..={MAX_URL_PAGE_SIZE}"
            )));
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
