//! The older API-3.0 signature methods, HmacSHA1 and HmacSHA256 ("v1"), which the official SDKs
//! still offer (`signMethod`). The common parameters travel with the action's parameters, in the
//! query of a GET or the form body of a POST:
//! `Action, Version, Region, Timestamp, Nonce, SecretId, SignatureMethod, Language, Signature`.
//!
//! The signature is the Base64 HMAC, keyed with the SecretKey, of
//! `METHOD + host + path + "?" + name=value&...` over every parameter but `Signature`, sorted by name,
//! values not URL-encoded.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::Sha256;

use super::auth::{MAX_CLOCK_SKEW_SECONDS, host_forms};
use super::error::{ApiError, ErrorCode};

/// The v1 common parameters: not parameters of the action.
pub const COMMON_PARAMETERS: [&str; 11] = [
    "Action",
    "Version",
    "Region",
    "Timestamp",
    "Nonce",
    "SecretId",
    "SignatureMethod",
    "Signature",
    "Language",
    "Token",
    "RequestClient",
];

/// A v1 signature method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    HmacSha1,
    HmacSha256,
}

impl Method {
    /// `SignatureMethod` as sent; absent means HmacSHA1, as documented.
    pub fn parse(name: Option<&str>) -> Result<Self, ApiError> {
        match name {
            None | Some("HmacSHA1") => Ok(Self::HmacSha1),
            Some("HmacSHA256") => Ok(Self::HmacSha256),
            Some(other) => Err(ApiError::new(
                ErrorCode::InvalidParameterValue,
                format!("SignatureMethod {other:.40} is not HmacSHA1 or HmacSHA256"),
            )),
        }
    }

    /// The `SignatureMethod` value of this method.
    #[cfg(test)]
    fn as_str(self) -> &'static str {
        match self {
            Self::HmacSha1 => "HmacSHA1",
            Self::HmacSha256 => "HmacSHA256",
        }
    }
}

/// The value of the parameter `name`.
pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// The string the client signed, for the request line `method`, `host` and `path`.
pub fn string_to_sign(method: &str, host: &str, path: &str, params: &[(String, String)]) -> String {
    // The SDKs write `_` in names as `.` before signing.
    let mut pairs: Vec<(String, &str)> = params
        .iter()
        .filter(|(name, _)| name != "Signature")
        .map(|(name, value)| (name.replace('_', "."), value.as_str()))
        .collect();
    pairs.sort();
    let query: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    format!(
        "{}{host}{path}?{}",
        method.to_ascii_uppercase(),
        query.join("&")
    )
}

/// Base64 of the HMAC of `message` keyed with `secret_key`.
pub fn signature(secret_key: &str, message: &str, method: Method) -> String {
    use base64::Engine as _;
    let tag = match method {
        Method::HmacSha1 => {
            let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(secret_key.as_bytes())
                .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
            mac.update(message.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Method::HmacSha256 => {
            let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret_key.as_bytes())
                .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
            mac.update(message.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
    };
    base64::engine::general_purpose::STANDARD.encode(tag)
}

/// Checks a v1 signature. `host` is the request's `Host` (the SDKs sign it with its port; without
/// the port is accepted too, like TC3). Returns the SecretId that signed.
pub fn verify(
    method: &str,
    host: &str,
    path: &str,
    params: &[(String, String)],
    secret_key_of: impl Fn(&str) -> Option<String>,
    now: i64,
) -> Result<String, ApiError> {
    let given = param(params, "Signature").ok_or_else(|| ApiError::missing("Signature"))?;
    let signature_method = Method::parse(param(params, "SignatureMethod"))?;
    let secret_id = param(params, "SecretId").ok_or_else(|| ApiError::missing("SecretId"))?;
    let secret_key = secret_key_of(secret_id).ok_or_else(|| {
        ApiError::new(
            ErrorCode::SecretIdNotFound,
            format!("SecretId {secret_id:.64} not found"),
        )
    })?;
    param(params, "Nonce").ok_or_else(|| ApiError::missing("Nonce"))?;
    let timestamp: i64 = param(params, "Timestamp")
        .ok_or_else(|| ApiError::missing("Timestamp"))?
        .trim()
        .parse()
        .map_err(|_| ApiError::invalid("Timestamp is not a Unix timestamp"))?;
    if now.abs_diff(timestamp) > MAX_CLOCK_SKEW_SECONDS.unsigned_abs() {
        return Err(ApiError::new(
            ErrorCode::SignatureExpire,
            format!("request timestamp {timestamp} is more than 5 minutes from server time {now}"),
        ));
    }
    for host in host_forms(host) {
        let expected = signature(
            &secret_key,
            &string_to_sign(method, host, path, params),
            signature_method,
        );
        if constant_time_eq(expected.as_bytes(), given.trim().as_bytes()) {
            return Ok(secret_id.to_owned());
        }
    }
    Err(ApiError::new(
        ErrorCode::SignatureFailure,
        "signature does not match the request",
    ))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// The string to sign of Tencent's documented v1 example (CVM DescribeInstances), and its
    /// HmacSHA1 signature as `tencentcloud.common.sign.Sign.sign` of the Python SDK computes it.
    #[test]
    fn matches_the_documented_example() {
        let params = pairs(&[
            ("Action", "DescribeInstances"),
            ("InstanceIds.0", "ins-09dx96dg"),
            ("Limit", "20"),
            ("Nonce", "11886"),
            ("Offset", "0"),
            ("Region", "ap-guangzhou"),
            ("SecretId", "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"),
            ("Timestamp", "1465185768"),
            ("Version", "2017-03-12"),
        ]);
        let text = string_to_sign("GET", "cvm.tencentcloudapi.com", "/", &params);
        assert_eq!(
            text,
            "GETcvm.tencentcloudapi.com/?Action=DescribeInstances&InstanceIds.0=ins-09dx96dg&Limit=20&Nonce=11886&Offset=0&Region=ap-guangzhou&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE&Timestamp=1465185768&Version=2017-03-12"
        );
        assert_eq!(
            signature("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", &text, Method::HmacSha1),
            "EliP9YW3pW28FpsEdkXt/+WcGeI="
        );
    }

    #[test]
    fn verifies_both_methods_and_host_forms_and_refuses_tampering() {
        let key_of = |id: &str| (id == "AKIDx").then(|| "secret".to_owned());
        for method in [Method::HmacSha1, Method::HmacSha256] {
            for signed_host in ["h.example:8080", "h.example"] {
                let mut params = pairs(&[
                    ("Action", "VerifyDigitFile"),
                    ("Nonce", "1"),
                    ("SecretId", "AKIDx"),
                    ("SignatureMethod", method.as_str()),
                    ("Timestamp", "1000"),
                    ("Operator.UserId", "u1"),
                ]);
                let text = string_to_sign("POST", signed_host, "/", &params);
                params.push(("Signature".into(), signature("secret", &text, method)));
                assert_eq!(
                    verify("POST", "h.example:8080", "/", &params, key_of, 1000).unwrap(),
                    "AKIDx"
                );
                let code = |params: &[(String, String)], now| {
                    verify("POST", "h.example:8080", "/", params, key_of, now)
                        .unwrap_err()
                        .code
                };
                assert_eq!(code(&params, 1301), ErrorCode::SignatureExpire);
                let mut tampered = params.clone();
                tampered[5].1 = "u2".into();
                assert_eq!(code(&tampered, 1000), ErrorCode::SignatureFailure);
                assert_eq!(
                    verify("GET", "h.example:8080", "/", &params, key_of, 1000)
                        .unwrap_err()
                        .code,
                    ErrorCode::SignatureFailure
                );
            }
        }
        let unknown = pairs(&[("SecretId", "AKIDy"), ("Signature", "x"), ("Nonce", "1")]);
        assert_eq!(
            verify("GET", "h", "/", &unknown, key_of, 0)
                .unwrap_err()
                .code,
            ErrorCode::SecretIdNotFound
        );
        let md5 = pairs(&[
            ("SecretId", "AKIDx"),
            ("Signature", "x"),
            ("SignatureMethod", "HmacMD5"),
        ]);
        assert_eq!(
            verify("GET", "h", "/", &md5, key_of, 0).unwrap_err().code,
            ErrorCode::InvalidParameterValue
        );
    }
}
