//! Request and response bodies of the ESS actions, with the field names of the ESS models
//! (version 2020-11-11). Optional inputs are `Option` so that a missing required field becomes
//! `MissingParameter` rather than a JSON error; unknown fields are ignored like the real API does.

use serde::{Deserialize, Serialize};

use super::params::{lenient_bool, lenient_i64};

/// `UserInfo`: the employee performing the call.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UserInfo {
    pub user_id: Option<String>,
}

/// `Caller` of UploadFiles: `OperatorId` is the employee's UserId.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Caller {
    pub operator_id: Option<String>,
}

/// `Agent`: a group main organisation acting for one of its sub-organisations.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Agent {
    pub proxy_organization_id: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateFileCounterSignRequest {
    pub file_id: Option<String>,
    pub operator: Option<UserInfo>,
    pub agent: Option<Agent>,
    #[serde(deserialize_with = "lenient_bool")]
    pub sync_mode: Option<bool>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct CreateFileCounterSignResponse {
    pub status: String,
    pub result_file_id: String,
    pub task_id: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeFileCounterSignResultRequest {
    pub operator: Option<UserInfo>,
    pub agent: Option<Agent>,
    pub task_id: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeFileCounterSignResultResponse {
    pub status: String,
    pub result_file_id: String,
    pub error_detail: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct VerifyDigitFileRequest {
    pub operator: Option<UserInfo>,
    pub agent: Option<Agent>,
    pub file_id: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct VerifyDigitFileResponse {
    pub pdf_resource_md5: String,
    pub verify_result: i64,
    pub verify_serial_no: String,
    pub verify_digit_file_results: Vec<VerifyDigitFileResult>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct VerifyDigitFileResult {
    pub cert_not_before: i64,
    pub cert_not_after: i64,
    pub cert_sn: String,
    pub sign_algorithm: String,
    pub sign_time: i64,
    pub sign_type: i64,
    pub signer_name: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UploadFilesRequest {
    pub business_type: Option<String>,
    pub caller: Option<Caller>,
    pub file_infos: Option<Vec<UploadFile>>,
    /// `pdf` is the one type this service takes (it converts no other format).
    pub file_type: Option<String>,
    pub agent: Option<Agent>,
    #[serde(deserialize_with = "lenient_i64")]
    pub deadline: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UploadFile {
    pub file_body: Option<String>,
    pub file_name: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct UploadFilesResponse {
    pub file_ids: Vec<String>,
    pub total_count: i64,
    pub deadline: i64,
}

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
