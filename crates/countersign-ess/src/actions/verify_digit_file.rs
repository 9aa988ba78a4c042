//! VerifyDigitFile: checks the signatures of a stored file; its answer is made from the engine's
//! [`VerifyReport`].

use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};

use super::{Caller, file_bytes};
use crate::Service;
use crate::action::Action;
use crate::api::{Agent, UserInfo};
use crate::clock::unix_millis;
use crate::error::ApiError;
use crate::ids::verify_serial_no;
use countersign::{ChainStatus, Problem, SignatureReport, VerifyReport};

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

pub(super) fn verify_digit_file(
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
    let (acting, file_id, file) = caller.own_file_record(
        service,
        request.file_id.as_ref(),
        Action::VerifyDigitFile.permission(),
    )?;
    let _room = core.memory.reserve(file.size)?;
    let pdf = file_bytes(service, file_id)?;
    match core.engine.verify_with_revocation(
        &pdf,
        &core.trust_roots,
        &acting.organization.verify_revocation,
    ) {
        Ok(report) => Ok(verify_response(&pdf, Some(&report))),
        Err(countersign::Error::NotPdf(reason)) => Err(ApiError::invalid(format!(
            "file {file_id} is not a PDF: {reason}"
        ))),
        Err(_) => Ok(verify_response(&pdf, None)),
    }
}

/// `VerifyResult` of a file whose every signature is valid.
pub const VERIFY_OK: i64 = 1;
/// `VerifyResult` otherwise (no signature, or any signature broken).
pub const VERIFY_FAILED: i64 = 2;
/// `SignType` of a signature shown on a page (a seal appearance): "带签章的数字签名".
pub const SIGN_TYPE_WITH_SEAL: i64 = 0;
/// `SignType` of an invisible signature, which is what the engine writes: "仅数字签名".
pub const SIGN_TYPE_DIGITAL_ONLY: i64 = 1;

/// Upper-case hex MD5, as `PdfResourceMd5`.
pub fn md5_upper_hex(bytes: &[u8]) -> String {
    hex::encode_upper(Md5::digest(bytes))
}

/// The response for a file whose verification report is `report` (`None`: the engine could not
/// read the signatures at all).
pub fn verify_response(pdf: &[u8], report: Option<&VerifyReport>) -> VerifyDigitFileResponse {
    let valid = report.is_some_and(VerifyReport::all_valid);
    VerifyDigitFileResponse {
        pdf_resource_md5: md5_upper_hex(pdf),
        verify_result: if valid { VERIFY_OK } else { VERIFY_FAILED },
        verify_serial_no: verify_serial_no(),
        verify_digit_file_results: report
            .map(|report| report.signatures.iter().map(signature_result).collect())
            .unwrap_or_default(),
        verify_fail_reasons: if valid {
            Vec::new()
        } else {
            fail_reasons(report)
        },
    }
}

/// Why a file is not valid: the file's own reason, or every failed check of each signature.
pub fn fail_reasons(report: Option<&VerifyReport>) -> Vec<VerifyFailReason> {
    let file_reason = |code: &str, message: &str| VerifyFailReason {
        signature_index: -1,
        code: code.into(),
        message: message.into(),
        ..VerifyFailReason::default()
    };
    let Some(report) = report else {
        return vec![file_reason(
            "Unreadable",
            "the file's signatures cannot be read",
        )];
    };
    if report.signatures.is_empty() {
        return vec![file_reason("NoSignature", "the file has no signature")];
    }
    let mut reasons = Vec::new();
    for (index, signature) in report.signatures.iter().enumerate() {
        let index = i64::try_from(index).unwrap_or(i64::MAX);
        for mut reason in signature_fail_reasons(signature) {
            reason.signature_index = index;
            reason.field_name.clone_from(&signature.field_name);
            reasons.push(reason);
        }
    }
    reasons
}

/// The failed checks of one signature, in the order a reader would look at them.
fn signature_fail_reasons(signature: &SignatureReport) -> Vec<VerifyFailReason> {
    let reason = |code: &str, message: String| VerifyFailReason {
        code: code.into(),
        message,
        ..VerifyFailReason::default()
    };
    let first_problem = |fallback: &str| {
        signature
            .problems
            .first()
            .map_or_else(|| fallback.to_owned(), ToString::to_string)
    };
    let mut reasons = Vec::new();
    if !signature.byte_range_ok {
        reasons.push(reason(
            "ByteRangeInvalid",
            first_problem("the byte range does not delimit the signed bytes"),
        ));
        return reasons;
    }
    if !signature.digest_ok {
        reasons.push(reason(
            "DigestMismatch",
            "the signed digest does not match the file's bytes".into(),
        ));
    } else if !signature.signature_ok {
        reasons.push(reason(
            "SignatureInvalid",
            first_problem("the signature does not verify with the signer's key"),
        ));
    }
    if !signature.changes_permitted() {
        let mut modified = reason(
            "ModifiedAfterSigning",
            signature
                .modifications
                .reason
                .clone()
                .unwrap_or_else(|| "the file was changed after signing".into()),
        );
        modified.modification_level = Some(signature.modifications.level.as_str().into());
        reasons.push(modified);
    }
    match &signature.chain {
        ChainStatus::Trusted => {}
        ChainStatus::Revoked(problem) => reasons.push(revoked_reason(problem)),
        ChainStatus::Untrusted(problem @ Problem::RevocationUnknown { .. }) => {
            reasons.push(reason("RevocationUnknown", problem.to_string()));
        }
        ChainStatus::Untrusted(problem) => reasons.push(reason("Untrusted", problem.to_string())),
        // NotChecked, and any status a later engine adds: not trusted.
        _ => reasons.push(reason(
            "Untrusted",
            "the signer's certificate path was not checked".into(),
        )),
    }
    reasons
}

fn revoked_reason(problem: &Problem) -> VerifyFailReason {
    let mut reason = VerifyFailReason {
        code: "Revoked".into(),
        message: problem.to_string(),
        ..VerifyFailReason::default()
    };
    if let Problem::Revoked {
        revoked_at,
        reason: code,
        ..
    } = problem
    {
        reason.revocation_time = Some(unix_millis(*revoked_at));
        reason.revocation_reason_code = *code;
        reason.revocation_reason = code.map(countersign::crl_reason_name);
    }
    reason
}

fn signature_result(signature: &SignatureReport) -> VerifyDigitFileResult {
    VerifyDigitFileResult {
        cert_not_before: signature
            .signer_not_before
            .map(unix_millis)
            .unwrap_or_default(),
        cert_not_after: signature
            .signer_not_after
            .map(unix_millis)
            .unwrap_or_default(),
        cert_sn: signature.signer_serial_hex.to_ascii_uppercase(),
        sign_algorithm: signature.signature_algorithm.clone(),
        // A verified RFC 3161 timestamp proves the time; /M is only the signer's claim.
        sign_time: signature
            .proven_time()
            .or(signature.signing_time)
            .map(unix_millis)
            .unwrap_or_default(),
        sign_type: if signature.visible {
            SIGN_TYPE_WITH_SEAL
        } else {
            SIGN_TYPE_DIGITAL_ONLY
        },
        signer_name: signer_name(&signature.signer_subject),
    }
}

/// `SignerName` as ESS documents it for an organisation: `ESS@<organisation>@<code>` when the
/// certificate carries the organisation's identifier (organizationIdentifier, 2.5.4.97, where
/// Chinese CAs put the unified social credit code), else the organisation name (O), else the
/// CN, else the whole subject.
pub fn signer_name(subject: &str) -> String {
    let organization = attribute(subject, &["O", "organizationName", "2.5.4.10"]);
    let code = attribute(subject, &["organizationIdentifier", "2.5.4.97"]);
    match (organization, code) {
        (Some(organization), Some(code)) => format!("ESS@{organization}@{code}"),
        (Some(organization), None) => organization,
        (None, _) => attribute(subject, &["CN", "commonName", "2.5.4.3"])
            .unwrap_or_else(|| subject.to_owned()),
    }
}

/// The first value of any of `names` in an RFC 4514 subject (`\,` escapes a comma).
fn attribute(subject: &str, names: &[&str]) -> Option<String> {
    split_unescaped(subject).into_iter().find_map(|part| {
        let (name, value) = part.trim().split_once('=')?;
        let wanted = names.iter().any(|n| name.trim().eq_ignore_ascii_case(n));
        let value = value.trim().replace("\\,", ",");
        (wanted && !value.is_empty()).then_some(value)
    })
}

fn split_unescaped(subject: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (index, byte) in subject.bytes().enumerate() {
        match byte {
            b'\\' if !escaped => escaped = true,
            b',' | b'+' if !escaped => {
                parts.push(subject.get(start..index).unwrap_or_default());
                start = index.saturating_add(1);
            }
            _ => escaped = false,
        }
    }
    parts.push(subject.get(start..).unwrap_or_default());
    parts
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use countersign::{ChainStatus, Problem};

    fn valid_signature() -> SignatureReport {
        {
            let mut value = SignatureReport::default();
            value.byte_range_ok = true;
            value.digest_ok = true;
            value.signature_ok = true;
            value.covers_whole_file = true;
            value.chain = ChainStatus::Trusted;
            value.signature_algorithm = "SHA256withRSA".into();
            value.signer_subject = "CN=Demo Group Signer,O=Demo Group,C=CN".into();
            value.signer_serial_hex = "0a1b".into();
            value.signer_not_before = Some(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
            value.signer_not_after = Some(UNIX_EPOCH + Duration::from_millis(1_800_000_000_123));
            value.signing_time = Some(UNIX_EPOCH + Duration::from_secs(1_750_000_000));
            value
        }
    }

    #[test]
    fn maps_the_report_to_ess_fields() {
        let report = {
            let mut value = VerifyReport::default();
            value.signatures = vec![valid_signature()];
            value
        };
        let response = verify_response(b"abc", Some(&report));
        assert_eq!(
            response.pdf_resource_md5,
            "900150983CD24FB0D6963F7D28E17F72"
        );
        assert_eq!(response.verify_result, VERIFY_OK);
        assert_eq!(response.verify_serial_no.len(), 11);
        assert_eq!(
            response.verify_digit_file_results,
            vec![VerifyDigitFileResult {
                cert_not_before: 1_700_000_000_000,
                cert_not_after: 1_800_000_000_123,
                cert_sn: "0A1B".into(),
                sign_algorithm: "SHA256withRSA".into(),
                sign_time: 1_750_000_000_000,
                sign_type: 1,
                signer_name: "Demo Group".into(),
            }]
        );
    }

    #[test]
    fn untrusted_or_unchecked_signers_fail() {
        for chain in [
            ChainStatus::NotChecked,
            ChainStatus::Untrusted(Problem::SelfSignedNotTrusted {
                subject: "CN=Self".into(),
            }),
            ChainStatus::Revoked(Problem::Revoked {
                subject: "CN=Signer".into(),
                serial_hex: "500A".into(),
                revoked_at: UNIX_EPOCH,
                reason: Some(1),
            }),
        ] {
            let report = {
                let mut value = VerifyReport::default();
                value.signatures = vec![{
                    let mut value = valid_signature();
                    value.chain = chain;
                    value
                }];
                value
            };
            assert_eq!(
                verify_response(b"", Some(&report)).verify_result,
                VERIFY_FAILED
            );
        }
    }

    #[test]
    fn failures_carry_their_reasons() {
        let mut revoked = valid_signature();
        revoked.field_name = "Seal".into();
        revoked.chain = ChainStatus::Revoked(Problem::Revoked {
            subject: "CN=Signer".into(),
            serial_hex: "5004".into(),
            revoked_at: UNIX_EPOCH + Duration::from_secs(1_800_000_000),
            reason: Some(1),
        });
        revoked.modifications.permitted = false;
        revoked.modifications.level = countersign::ModificationLevel::Other;
        let report = {
            let mut value = VerifyReport::default();
            value.signatures = vec![valid_signature(), revoked];
            value
        };
        let response = verify_response(b"", Some(&report));
        let reasons = &response.verify_fail_reasons;
        let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["ModifiedAfterSigning", "Revoked"]);
        assert!(
            reasons
                .iter()
                .all(|r| r.signature_index == 1 && r.field_name == "Seal")
        );
        assert_eq!(reasons[0].modification_level.as_deref(), Some("other"));
        assert_eq!(reasons[1].revocation_time, Some(1_800_000_000_000));
        assert_eq!(reasons[1].revocation_reason_code, Some(1));
        assert_eq!(
            reasons[1].revocation_reason.as_deref(),
            Some("keyCompromise")
        );
        let json = serde_json::to_value(&response).unwrap();
        assert_eq!(
            json["VerifyFailReasons"][1]["RevocationReason"],
            "keyCompromise"
        );
        // A valid file carries no such field: the ESS response, unchanged.
        let ok = {
            let mut value = VerifyReport::default();
            value.signatures = vec![valid_signature()];
            value
        };
        let json = serde_json::to_value(verify_response(b"", Some(&ok))).unwrap();
        assert!(json.get("VerifyFailReasons").is_none(), "{json}");
        assert_eq!(
            verify_response(b"", None).verify_fail_reasons[0].code,
            "Unreadable"
        );
        let digest = {
            let mut value = valid_signature();
            value.digest_ok = false;
            value
        };
        let report = {
            let mut value = VerifyReport::default();
            value.signatures = vec![digest];
            value
        };
        assert_eq!(
            verify_response(b"", Some(&report)).verify_fail_reasons[0].code,
            "DigestMismatch"
        );
    }

    #[test]
    fn broken_or_missing_signatures_fail() {
        let mut broken = valid_signature();
        broken.digest_ok = false;
        let report = {
            let mut value = VerifyReport::default();
            value.signatures = vec![valid_signature(), broken];
            value
        };
        assert_eq!(
            verify_response(b"", Some(&report)).verify_result,
            VERIFY_FAILED
        );
        let empty = VerifyReport::default();
        assert_eq!(
            verify_response(b"", Some(&empty)).verify_result,
            VERIFY_FAILED
        );
        let unreadable = verify_response(b"", None);
        assert_eq!(unreadable.verify_result, VERIFY_FAILED);
        assert!(unreadable.verify_digit_file_results.is_empty());
    }

    #[test]
    fn signer_name_in_the_ess_form_and_sign_type_from_visibility() {
        assert_eq!(
            signer_name("CN=Seal,O=Example Co\\, Ltd,2.5.4.97=91440300MA5EXAMPLE,C=CN"),
            "ESS@Example Co, Ltd@91440300MA5EXAMPLE"
        );
        assert_eq!(
            signer_name("CN=Seal+organizationIdentifier=9144,O=Org"),
            "ESS@Org@9144"
        );
        assert_eq!(
            signer_name("CN=Demo Organisation,OU=Seal,O=Demo Organisation"),
            "Demo Organisation"
        );
        assert_eq!(signer_name("CN=Only A Name,C=CN"), "Only A Name");
        assert_eq!(signer_name("C=CN"), "C=CN");
        let mut visible = valid_signature();
        visible.visible = true;
        let report = {
            let mut value = VerifyReport::default();
            value.signatures = vec![visible, valid_signature()];
            value
        };
        let types: Vec<i64> = verify_response(b"", Some(&report))
            .verify_digit_file_results
            .iter()
            .map(|r| r.sign_type)
            .collect();
        assert_eq!(types, [SIGN_TYPE_WITH_SEAL, SIGN_TYPE_DIGITAL_ONLY]);
    }
}
