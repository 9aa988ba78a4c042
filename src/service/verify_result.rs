//! VerifyDigitFile's answer from the engine's [`VerifyReport`].

use md5::{Digest, Md5};

use super::api::{VerifyDigitFileResponse, VerifyDigitFileResult};
use super::clock::unix_millis;
use super::ids::verify_serial_no;
use crate::verify::{SignatureReport, VerifyReport};

/// `VerifyResult` of a file whose every signature is valid.
pub const VERIFY_OK: i64 = 1;
/// `VerifyResult` otherwise (no signature, or any signature broken).
pub const VERIFY_FAILED: i64 = 2;
/// `SignType` of a digital signature without a seal image, which is all the engine writes.
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
    }
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
        sign_time: signature.signing_time.map(unix_millis).unwrap_or_default(),
        sign_type: SIGN_TYPE_DIGITAL_ONLY,
        signer_name: common_name(&signature.signer_subject),
    }
}

/// The CN of an RFC 4514 subject, or the whole subject when it has none.
fn common_name(subject: &str) -> String {
    subject
        .split(',')
        .find_map(|part| {
            let (name, value) = part.trim().split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("CN")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_else(|| subject.to_owned())
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::verify::ChainStatus;

    fn valid_signature() -> SignatureReport {
        SignatureReport {
            byte_range_ok: true,
            digest_ok: true,
            signature_ok: true,
            covers_whole_file: true,
            chain: ChainStatus::Trusted,
            signature_algorithm: "SHA256withRSA".into(),
            signer_subject: "CN=Demo Group Signer,O=Demo Group,C=CN".into(),
            signer_serial_hex: "0a1b".into(),
            signer_not_before: Some(UNIX_EPOCH + Duration::from_secs(1_700_000_000)),
            signer_not_after: Some(UNIX_EPOCH + Duration::from_millis(1_800_000_000_123)),
            signing_time: Some(UNIX_EPOCH + Duration::from_secs(1_750_000_000)),
            ..SignatureReport::default()
        }
    }

    #[test]
    fn maps_the_report_to_ess_fields() {
        let report = VerifyReport {
            signatures: vec![valid_signature()],
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
                signer_name: "Demo Group Signer".into(),
            }]
        );
    }

    #[test]
    fn untrusted_or_unchecked_signers_fail() {
        for chain in [
            ChainStatus::NotChecked,
            ChainStatus::Untrusted("CN=Self is self-signed".into()),
            ChainStatus::Revoked("serial 500A".into()),
        ] {
            let report = VerifyReport {
                signatures: vec![SignatureReport {
                    chain,
                    ..valid_signature()
                }],
            };
            assert_eq!(
                verify_response(b"", Some(&report)).verify_result,
                VERIFY_FAILED
            );
        }
    }

    #[test]
    fn broken_or_missing_signatures_fail() {
        let mut broken = valid_signature();
        broken.digest_ok = false;
        let report = VerifyReport {
            signatures: vec![valid_signature(), broken],
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
}
