//! Request and response bodies of the ESS actions, with the field names of the ESS models
//! (version 2020-11-11). Optional inputs are `Option` so that a missing required field becomes
//! `MissingParameter` rather than a JSON error; unknown fields are ignored like the real API does.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserializer, Visitor};
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
    /// Not in ESS: why `VerifyResult` is not 1 (absent when it is). At the top level because the
    /// official Python SDK ignores unknown response fields there silently but warns about
    /// unknown fields inside `VerifyDigitFileResults` items (see docs/API.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verify_fail_reasons: Vec<VerifyFailReason>,
}

/// One reason a file failed verification (a countersign extension of VerifyDigitFile).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct VerifyFailReason {
    /// Index into `VerifyDigitFileResults` of the signature at fault; -1 for the file itself
    /// (no signature, unreadable).
    pub signature_index: i64,
    /// The signature field's name (empty for the file).
    pub field_name: String,
    /// `Unreadable`, `NoSignature`, `ByteRangeInvalid`, `DigestMismatch`, `SignatureInvalid`,
    /// `ModifiedAfterSigning`, `Revoked`, `RevocationUnknown`, `Untrusted`.
    pub code: String,
    /// In words.
    pub message: String,
    /// `ModifiedAfterSigning`: the modification level (`other`, `annotations`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modification_level: Option<String>,
    /// `Revoked`: the revocation time, Unix milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_time: Option<i64>,
    /// `Revoked`: the RFC 5280 CRLReason code, when the CRL or OCSP answer states one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_reason_code: Option<u8>,
    /// `Revoked`: the CRLReason's RFC 5280 name (`keyCompromise`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_reason: Option<String>,
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
