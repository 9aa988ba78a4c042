//! TC3-HMAC-SHA256, the request signature of Tencent Cloud API 3.0.
//!
//! The client hashes a canonical form of the request (method, path, query, the signed headers and
//! the SHA-256 of the body), wraps it in a "string to sign" with the timestamp and the credential
//! scope `date/service/tc3_request`, and MACs it with a key derived from the SecretKey by chained
//! HMACs over the date, the service and `tc3_request`. We recompute the same MAC from the request as
//! received and compare in constant time.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use super::clock::utc_date;
use super::error::{ApiError, ErrorCode};

pub const ALGORITHM: &str = "TC3-HMAC-SHA256";
/// Requests whose `X-TC-Timestamp` is further than this from our clock are refused.
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 300;

/// The parts of an HTTP request the signature covers.
///
/// # Examples
///
/// What the server hands to [`Service::handle`](super::Service::handle) for each HTTP request:
///
/// ```
/// use countersign_ess::SignedRequest;
///
/// let headers = vec![
///     ("Host".to_owned(), "ess.example.com".to_owned()),
///     ("Content-Type".to_owned(), "application/json".to_owned()),
///     ("X-TC-Action".to_owned(), "DescribeFileUrls".to_owned()),
/// ];
/// let body = br#"{"BusinessType": "DIGITFILE", "BusinessIds": ["f-1"]}"#;
/// let request = SignedRequest { method: "POST", path: "/", query: "", headers: &headers, body };
/// assert_eq!(request.header("x-tc-action"), Some("DescribeFileUrls"));
/// ```
#[derive(Clone, Debug)]
pub struct SignedRequest<'a> {
    /// The HTTP method (`POST`, `GET`).
    pub method: &'a str,
    /// The request path (`/`).
    pub path: &'a str,
    /// The query string without `?` (empty for POST).
    pub query: &'a str,
    /// Header names in any case; looked up case-insensitively.
    pub headers: &'a [(String, String)],
    /// The request body.
    pub body: &'a [u8],
}

impl SignedRequest<'_> {
    /// The value of header `name` (case-insensitive).
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::SignedRequest;
    ///
    /// let headers = [("content-type".to_owned(), "application/json".to_owned())];
    /// let request = SignedRequest { method: "GET", path: "/", query: "", headers: &headers, body: &[] };
    /// assert_eq!(request.header("Content-Type"), Some("application/json"));
    /// assert_eq!(request.header("Authorization"), None);
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// The fields of an `Authorization: TC3-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    pub secret_id: String,
    pub date: String,
    pub service: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

impl Authorization {
    pub fn parse(header: &str) -> Result<Self, ApiError> {
        let rest = header
            .trim()
            .strip_prefix(ALGORITHM)
            .ok_or_else(|| invalid_authorization("Authorization does not use TC3-HMAC-SHA256"))?;
        let (mut credential, mut signed_headers, mut signature) = (None, None, None);
        for part in rest.split(',') {
            let (name, value) = part
                .trim()
                .split_once('=')
                .ok_or_else(|| invalid_authorization("malformed Authorization header"))?;
            match name {
                "Credential" => credential = Some(value),
                "SignedHeaders" => signed_headers = Some(value),
                "Signature" => signature = Some(value),
                _ => {}
            }
        }
        let credential =
            credential.ok_or_else(|| invalid_authorization("Authorization has no Credential"))?;
        let mut scope = credential.split('/');
        let (Some(secret_id), Some(date), Some(service), Some("tc3_request"), None) = (
            scope.next(),
            scope.next(),
            scope.next(),
            scope.next(),
            scope.next(),
        ) else {
            return Err(invalid_authorization(
                "Credential is not SecretId/date/service/tc3_request",
            ));
        };
        let signed_headers: Vec<String> = signed_headers
            .ok_or_else(|| invalid_authorization("Authorization has no SignedHeaders"))?
            .split(';')
            .map(|name| name.trim().to_ascii_lowercase())
            .collect();
        if !signed_headers.iter().any(|h| h == "host")
            || !signed_headers.iter().any(|h| h == "content-type")
        {
            return Err(invalid_authorization(
                "SignedHeaders must include content-type and host",
            ));
        }
        Ok(Self {
            secret_id: secret_id.to_owned(),
            date: date.to_owned(),
            service: service.to_owned(),
            signed_headers,
            signature: signature
                .ok_or_else(|| invalid_authorization("Authorization has no Signature"))?
                .to_ascii_lowercase(),
        })
    }
}

/// `AuthFailure.InvalidAuthorization`: the header is not in TC3's format at all.
fn invalid_authorization(message: &str) -> ApiError {
    ApiError::new(ErrorCode::InvalidAuthorization, message)
}

fn signature_failure(message: &str) -> ApiError {
    ApiError::new(ErrorCode::SignatureFailure, message)
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// `Sign.sign_tc3` of the official SDKs: the derived-key MAC of `string_to_sign`, in lower-case hex.
pub fn tc3_signature(secret_key: &str, date: &str, service: &str, string_to_sign: &str) -> String {
    let secret_date = hmac_sha256(format!("TC3{secret_key}").as_bytes(), date.as_bytes());
    let secret_service = hmac_sha256(&secret_date, service.as_bytes());
    let secret_signing = hmac_sha256(&secret_service, b"tc3_request");
    hex::encode(hmac_sha256(&secret_signing, string_to_sign.as_bytes()))
}

/// How a client may have written the signed headers: values as received or lower-cased (the
/// documentation lower-cases them, the Python SDK does not), and `host` as sent or without its port
/// (the Node SDK signs the hostname but sends `Host: h:port`).
#[derive(Clone, Copy, Debug)]
struct HeaderForm<'a> {
    lowercase_values: bool,
    host: Option<&'a str>,
}

/// The forms of the request's `Host` a signature may cover: as received, and without the port.
pub fn host_forms(host: &str) -> Vec<&str> {
    let mut forms = vec![host];
    if let Some(bare) = host_without_port(host) {
        forms.push(bare);
    }
    forms
}

/// `h` of `h:port` (`[::1]` of `[::1]:port`); `None` when there is no port.
pub fn host_without_port(host: &str) -> Option<&str> {
    let (name, port) = host.rsplit_once(':')?;
    let is_port = !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
    // A bare IPv6 address has colons of its own: only `[..]:port` carries a port.
    let bracketed_or_plain = name.ends_with(']') || !name.contains(':');
    (is_port && bracketed_or_plain && !name.is_empty()).then_some(name)
}

/// The string to sign of `request`, with the signed headers written in `form`.
fn string_to_sign(
    request: &SignedRequest<'_>,
    signed_headers: &[String],
    timestamp: &str,
    scope: &str,
    form: HeaderForm<'_>,
) -> String {
    let lowercase_values = form.lowercase_values;
    let mut canonical_headers = String::new();
    for name in signed_headers {
        let value = match (name.as_str(), form.host) {
            ("host", Some(host)) => host,
            _ => request.header(name).unwrap_or_default().trim(),
        };
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        if lowercase_values {
            canonical_headers.push_str(&value.to_ascii_lowercase());
        } else {
            canonical_headers.push_str(value);
        }
        canonical_headers.push('\n');
    }
    let payload_hash = if request.header("X-TC-Content-SHA256") == Some("UNSIGNED-PAYLOAD") {
        hex::encode(Sha256::digest(b"UNSIGNED-PAYLOAD"))
    } else {
        hex::encode(Sha256::digest(request.body))
    };
    let query = if request.method.eq_ignore_ascii_case("GET") {
        request.query
    } else {
        ""
    };
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        request.method.to_ascii_uppercase(),
        request.path,
        query,
        canonical_headers,
        signed_headers.join(";"),
        payload_hash
    );
    let digest = hex::encode(Sha256::digest(canonical_request.as_bytes()));
    format!("{ALGORITHM}\n{timestamp}\n{scope}\n{digest}")
}

/// The `Authorization` header a client sends for `request` (headers `content-type;host`, as
/// the official SDKs sign them).
pub fn authorization_header(
    request: &SignedRequest<'_>,
    secret_id: &str,
    secret_key: &str,
    service: &str,
    timestamp: i64,
) -> String {
    authorization_header_signing(
        request,
        (secret_id, secret_key),
        service,
        timestamp,
        &["content-type", "host"],
    )
}

/// [`authorization_header`] over the headers `signed` (lower-case names, e.g. `x-tc-action`
/// besides `content-type` and `host`, as Tencent's documentation shows).
pub fn authorization_header_signing(
    request: &SignedRequest<'_>,
    (secret_id, secret_key): (&str, &str),
    service: &str,
    timestamp: i64,
    signed: &[&str],
) -> String {
    let date = utc_date(timestamp);
    let scope = format!("{date}/{service}/tc3_request");
    let signed_headers: Vec<String> = signed.iter().map(|name| (*name).to_owned()).collect();
    let form = HeaderForm {
        lowercase_values: false,
        host: None,
    };
    let to_sign = string_to_sign(
        request,
        &signed_headers,
        &timestamp.to_string(),
        &scope,
        form,
    );
    let signature = tc3_signature(secret_key, &date, service, &to_sign);
    format!(
        "{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={}, Signature={signature}",
        signed_headers.join(";")
    )
}

/// What the headers alone establish, before any byte of the body is read: the Authorization is
/// well formed, its SecretId is known and its timestamp is fresh. The MAC itself covers the body's
/// hash, so it is checked by [`HeaderCheck::verify_body`] once the (bounded) body has arrived.
///
/// # Examples
///
/// ```
/// # use std::sync::Arc;
/// # use countersign_ess::{load_config_keys, PdfEngine, Service, ServiceConfig};
/// # let config = ServiceConfig::from_toml(r#"
/// #     workers = 0
/// #     hosts = ["ess.example.com"]
/// #     [[organizations]]
/// #     id = "demo"
/// #     quota = 5
/// #     credential = { key = "testdata/pki/demo.key.pem", certificates = "testdata/pki/demo.chain.pem" }
/// #     secrets = [{ id = "AKIDdemo", key = "demo-secret-key" }]
/// #     [[employees]]
/// #     user_id = "clerk"
/// #     organization = "demo"
/// #     permissions = ["upload", "counter_sign", "verify", "download"]
/// # "#, std::path::Path::new("."))?;
/// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}", std::process::id()));
/// # let service = Service::open(&config, load_config_keys(&config)?, &dir, Arc::new(PdfEngine::default()))?;
/// # // What the official SDKs do: sign `content-type;host` and the body's SHA-256 with TC3-HMAC-SHA256.
/// # fn sign_tc3(headers: &mut Vec<(String, String)>, body: &[u8], secret_id: &str, secret_key: &str) -> Result<(), Box<dyn std::error::Error>> {
/// #     use hmac::{Hmac, KeyInit, Mac};
/// #     use sha2::{Digest, Sha256};
/// #     let mac = |key: &[u8], text: &str| -> Result<Vec<u8>, Box<dyn std::error::Error>> {
/// #         let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)?;
/// #         mac.update(text.as_bytes());
/// #         Ok(mac.finalize().into_bytes().to_vec())
/// #     };
/// #     let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
/// #     let day = der::DateTime::from_unix_duration(now)?;
/// #     let date = format!("{:04}-{:02}-{:02}", day.year(), day.month(), day.day());
/// #     let header = |name: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone()).unwrap_or_default();
/// #     let canonical = format!("POST\n/\n\ncontent-type:{}\nhost:{}\n\ncontent-type;host\n{}",
/// #         header("Content-Type"), header("Host"), hex::encode(Sha256::digest(body)));
/// #     let scope = format!("{date}/ess/tc3_request");
/// #     let to_sign = format!("TC3-HMAC-SHA256\n{}\n{scope}\n{}", now.as_secs(), hex::encode(Sha256::digest(canonical.as_bytes())));
/// #     let key = mac(&mac(&mac(format!("TC3{secret_key}").as_bytes(), &date)?, "ess")?, "tc3_request")?;
/// #     let signature = hex::encode(mac(&key, &to_sign)?);
/// #     headers.push(("X-TC-Timestamp".into(), now.as_secs().to_string()));
/// #     headers.push(("Authorization".into(), format!(
/// #         "TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}")));
/// #     Ok(())
/// # }
/// use countersign_ess::{HeaderCheck, SignedRequest};
///
/// let body = br#"{"Operator": {"UserId": "clerk"}, "TaskId": "t-1"}"#;
/// let mut headers = vec![
///     ("Host".to_owned(), "ess.example.com".to_owned()),
///     ("Content-Type".to_owned(), "application/json".to_owned()),
///     ("X-TC-Action".to_owned(), "DescribeFileCounterSignResult".to_owned()),
///     ("X-TC-Version".to_owned(), "2020-11-11".to_owned()),
/// ];
/// sign_tc3(&mut headers, body, "AKIDdemo", "demo-secret-key")?;
/// let head = SignedRequest { method: "POST", path: "/", query: "", headers: &headers, body: &[] };
/// let check: HeaderCheck = service.admit(&head)?.ok_or("TC3 requests are checked from their headers")?;
/// // Once the body has arrived, within the limits:
/// assert_eq!(check.verify_body(&SignedRequest { body, ..head })?, "AKIDdemo");
/// # drop(service);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct HeaderCheck {
    pub(crate) authorization: Authorization,
    secret_key: String,
    timestamp_text: String,
    /// `X-TC-Timestamp`: the signature is accepted until 5 minutes after it.
    pub(crate) timestamp: i64,
}

/// Checks what `request`'s headers say (its `body` is not looked at). `secret_key_of` maps a
/// SecretId to its SecretKey.
pub fn check_headers(
    request: &SignedRequest<'_>,
    secret_key_of: impl Fn(&str) -> Option<String>,
    now: i64,
) -> Result<HeaderCheck, ApiError> {
    let header = request
        .header("Authorization")
        .ok_or_else(|| signature_failure("missing Authorization header"))?;
    let authorization = Authorization::parse(header)?;
    let secret_key = secret_key_of(&authorization.secret_id).ok_or_else(|| {
        ApiError::new(
            ErrorCode::SecretIdNotFound,
            format!("SecretId {} not found", authorization.secret_id),
        )
    })?;
    let timestamp_text = request
        .header("X-TC-Timestamp")
        .ok_or_else(|| ApiError::missing("X-TC-Timestamp"))?
        .trim();
    let timestamp: i64 = timestamp_text
        .parse()
        .map_err(|_| ApiError::invalid("X-TC-Timestamp is not a Unix timestamp"))?;
    if now.abs_diff(timestamp) > MAX_CLOCK_SKEW_SECONDS.unsigned_abs() {
        return Err(ApiError::new(
            ErrorCode::SignatureExpire,
            format!("request timestamp {timestamp} is more than 5 minutes from server time {now}"),
        ));
    }
    if authorization.date != utc_date(timestamp) {
        return Err(signature_failure(
            "credential date does not match X-TC-Timestamp",
        ));
    }
    Ok(HeaderCheck {
        authorization,
        secret_key,
        timestamp_text: timestamp_text.to_owned(),
        timestamp,
    })
}

impl HeaderCheck {
    /// Recomputes the MAC over `request` (the same request, now with its body). Returns the
    /// SecretId that signed.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use countersign_ess::{load_config_keys, PdfEngine, Service, ServiceConfig};
    /// # let config = ServiceConfig::from_toml(r#"
    /// #     workers = 0
    /// #     hosts = ["ess.example.com"]
    /// #     [[organizations]]
    /// #     id = "demo"
    /// #     quota = 5
    /// #     credential = { key = "testdata/pki/demo.key.pem", certificates = "testdata/pki/demo.chain.pem" }
    /// #     secrets = [{ id = "AKIDdemo", key = "demo-secret-key" }]
    /// #     [[employees]]
    /// #     user_id = "clerk"
    /// #     organization = "demo"
    /// #     permissions = ["upload", "counter_sign", "verify", "download"]
    /// # "#, std::path::Path::new("."))?;
    /// # let dir = std::env::temp_dir().join(format!("countersign-doc-{}", std::process::id()));
    /// # let service = Service::open(&config, load_config_keys(&config)?, &dir, Arc::new(PdfEngine::default()))?;
    /// # // What the official SDKs do: sign `content-type;host` and the body's SHA-256 with TC3-HMAC-SHA256.
    /// # fn sign_tc3(headers: &mut Vec<(String, String)>, body: &[u8], secret_id: &str, secret_key: &str) -> Result<(), Box<dyn std::error::Error>> {
    /// #     use hmac::{Hmac, KeyInit, Mac};
    /// #     use sha2::{Digest, Sha256};
    /// #     let mac = |key: &[u8], text: &str| -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    /// #         let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)?;
    /// #         mac.update(text.as_bytes());
    /// #         Ok(mac.finalize().into_bytes().to_vec())
    /// #     };
    /// #     let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
    /// #     let day = der::DateTime::from_unix_duration(now)?;
    /// #     let date = format!("{:04}-{:02}-{:02}", day.year(), day.month(), day.day());
    /// #     let header = |name: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone()).unwrap_or_default();
    /// #     let canonical = format!("POST\n/\n\ncontent-type:{}\nhost:{}\n\ncontent-type;host\n{}",
    /// #         header("Content-Type"), header("Host"), hex::encode(Sha256::digest(body)));
    /// #     let scope = format!("{date}/ess/tc3_request");
    /// #     let to_sign = format!("TC3-HMAC-SHA256\n{}\n{scope}\n{}", now.as_secs(), hex::encode(Sha256::digest(canonical.as_bytes())));
    /// #     let key = mac(&mac(&mac(format!("TC3{secret_key}").as_bytes(), &date)?, "ess")?, "tc3_request")?;
    /// #     let signature = hex::encode(mac(&key, &to_sign)?);
    /// #     headers.push(("X-TC-Timestamp".into(), now.as_secs().to_string()));
    /// #     headers.push(("Authorization".into(), format!(
    /// #         "TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}")));
    /// #     Ok(())
    /// # }
    /// use countersign_ess::{ErrorCode, SignedRequest};
    ///
    /// let body = br#"{"Operator": {"UserId": "clerk"}, "TaskId": "t-1"}"#;
    /// let mut headers = vec![
    ///     ("Host".to_owned(), "ess.example.com".to_owned()),
    ///     ("Content-Type".to_owned(), "application/json".to_owned()),
    ///     ("X-TC-Action".to_owned(), "DescribeFileCounterSignResult".to_owned()),
    ///     ("X-TC-Version".to_owned(), "2020-11-11".to_owned()),
    /// ];
    /// sign_tc3(&mut headers, body, "AKIDdemo", "demo-secret-key")?;
    /// let head = SignedRequest { method: "POST", path: "/", query: "", headers: &headers, body: &[] };
    /// let check = service.admit(&head)?.ok_or("TC3 requests are checked from their headers")?;
    /// assert_eq!(check.verify_body(&SignedRequest { body, ..head.clone() })?, "AKIDdemo");
    /// let forged = check.verify_body(&SignedRequest { body: br#"{"TaskId": "t-2"}"#, ..head }).unwrap_err();
    /// assert_eq!(forged.code, ErrorCode::SignatureFailure);
    /// # drop(service);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_body(&self, request: &SignedRequest<'_>) -> Result<String, ApiError> {
        let authorization = &self.authorization;
        let scope = format!(
            "{}/{}/tc3_request",
            authorization.date, authorization.service
        );
        let host = request.header("Host").unwrap_or_default().trim();
        let forms = host_forms(host).into_iter().flat_map(|host| {
            [false, true].map(|lowercase_values| HeaderForm {
                lowercase_values,
                host: Some(host),
            })
        });
        for form in forms {
            let to_sign = string_to_sign(
                request,
                &authorization.signed_headers,
                &self.timestamp_text,
                &scope,
                form,
            );
            let expected = tc3_signature(
                &self.secret_key,
                &authorization.date,
                &authorization.service,
                &to_sign,
            );
            if constant_time_eq(expected.as_bytes(), authorization.signature.as_bytes()) {
                return Ok(authorization.secret_id.clone());
            }
        }
        Err(signature_failure("signature does not match the request"))
    }
}

/// Checks the request's TC3 signature: [`check_headers`] then [`HeaderCheck::verify_body`].
/// Returns the SecretId that signed.
#[cfg(test)]
pub fn verify_request(
    request: &SignedRequest<'_>,
    secret_key_of: impl Fn(&str) -> Option<String>,
    now: i64,
) -> Result<String, ApiError> {
    check_headers(request, secret_key_of, now)?.verify_body(request)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET_ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
    const SECRET_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
    const PAYLOAD: &str =
        r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;
    /// Computed with `tencentcloud.common.sign.Sign.sign_tc3` of tencentcloud-sdk-python-common
    /// 3.1.195 over the same canonical request (and equal to Tencent's documented example).
    const SDK_SIGNATURE: &str = "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168";

    fn headers(authorization: Option<String>, timestamp: i64) -> Vec<(String, String)> {
        let mut headers = vec![
            (
                "Content-Type".to_owned(),
                "application/json; charset=utf-8".to_owned(),
            ),
            ("Host".to_owned(), "cvm.tencentcloudapi.com".to_owned()),
            ("X-TC-Timestamp".to_owned(), timestamp.to_string()),
        ];
        if let Some(value) = authorization {
            headers.push(("Authorization".to_owned(), value));
        }
        headers
    }

    fn request(headers: &[(String, String)]) -> SignedRequest<'_> {
        SignedRequest {
            method: "POST",
            path: "/",
            query: "",
            headers,
            body: PAYLOAD.as_bytes(),
        }
    }

    #[test]
    fn matches_the_official_sdk_vector() {
        let timestamp = 1_551_113_065;
        let plain = headers(None, timestamp);
        let header =
            authorization_header(&request(&plain), SECRET_ID, SECRET_KEY, "cvm", timestamp);
        assert_eq!(
            header,
            format!(
                "TC3-HMAC-SHA256 Credential={SECRET_ID}/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature={SDK_SIGNATURE}"
            )
        );
        let signed = headers(Some(header), timestamp);
        let key_of = |id: &str| (id == SECRET_ID).then(|| SECRET_KEY.to_owned());
        assert_eq!(
            verify_request(&request(&signed), key_of, timestamp + 10).unwrap(),
            SECRET_ID
        );
    }

    #[test]
    fn rejects_tampering_unknown_ids_and_skew() {
        let timestamp = 1_551_113_065;
        let plain = headers(None, timestamp);
        let header =
            authorization_header(&request(&plain), SECRET_ID, SECRET_KEY, "cvm", timestamp);
        let signed = headers(Some(header.clone()), timestamp);
        let key_of = |id: &str| (id == SECRET_ID).then(|| SECRET_KEY.to_owned());

        let mut tampered = request(&signed);
        tampered.body = b"{}";
        assert_eq!(
            verify_request(&tampered, key_of, timestamp)
                .unwrap_err()
                .code,
            ErrorCode::SignatureFailure
        );
        let wrong_key = |_: &str| Some("another key".to_owned());
        assert_eq!(
            verify_request(&request(&signed), wrong_key, timestamp)
                .unwrap_err()
                .code,
            ErrorCode::SignatureFailure
        );
        let unknown = |_: &str| None;
        assert_eq!(
            verify_request(&request(&signed), unknown, timestamp)
                .unwrap_err()
                .code,
            ErrorCode::SecretIdNotFound
        );
        assert_eq!(
            verify_request(&request(&signed), key_of, timestamp + 301)
                .unwrap_err()
                .code,
            ErrorCode::SignatureExpire
        );
        assert!(verify_request(&request(&signed), key_of, timestamp - 300).is_ok());
        let unsigned = headers(None, timestamp);
        assert_eq!(
            verify_request(&request(&unsigned), key_of, timestamp)
                .unwrap_err()
                .code,
            ErrorCode::SignatureFailure
        );
    }

    /// A client may sign `X-TC-Action` (the official SDKs do not): the action is then bound to
    /// the signature, in either value form (as sent, or lower-cased as the documentation shows).
    #[test]
    fn a_signed_action_cannot_be_changed() {
        let timestamp = 1_551_113_065;
        let key_of = |id: &str| (id == SECRET_ID).then(|| SECRET_KEY.to_owned());
        let with_action = |action: &str| {
            let mut headers = headers(None, timestamp);
            headers.push(("X-TC-Action".to_owned(), action.to_owned()));
            headers
        };
        for signed_value in ["DescribeInstances", "describeinstances"] {
            let plain = with_action(signed_value);
            let header = authorization_header_signing(
                &request(&plain),
                (SECRET_ID, SECRET_KEY),
                "cvm",
                timestamp,
                &["content-type", "host", "x-tc-action"],
            );
            assert!(header.contains("SignedHeaders=content-type;host;x-tc-action"));
            let sent = |action: &str| {
                let mut headers = with_action(action);
                headers.push(("Authorization".to_owned(), header.clone()));
                headers
            };
            let original = sent("DescribeInstances");
            assert!(verify_request(&request(&original), key_of, timestamp).is_ok());
            let replayed = sent("TerminateInstances");
            assert_eq!(
                verify_request(&request(&replayed), key_of, timestamp)
                    .unwrap_err()
                    .code,
                ErrorCode::SignatureFailure
            );
        }
    }

    #[test]
    fn host_forms_drop_only_a_port() {
        assert_eq!(
            host_without_port("ess.example.com:8080"),
            Some("ess.example.com")
        );
        assert_eq!(host_without_port("127.0.0.1:1"), Some("127.0.0.1"));
        assert_eq!(host_without_port("[::1]:443"), Some("[::1]"));
        assert_eq!(host_without_port("ess.example.com"), None);
        assert_eq!(host_without_port("::1"), None);
        assert_eq!(host_without_port("h:"), None);
        assert_eq!(host_without_port(":80"), None);
    }

    /// The Node SDK signs `host:127.0.0.1` but sends `Host: 127.0.0.1:port`; the port is the only
    /// difference accepted, another host is still refused.
    #[test]
    fn a_signature_over_the_host_without_its_port_verifies() {
        let timestamp = 1_551_113_065;
        let bare = vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("Host".to_owned(), "127.0.0.1".to_owned()),
        ];
        let header = authorization_header(&request(&bare), SECRET_ID, SECRET_KEY, "ess", timestamp);
        let sent = |host: &str| {
            vec![
                ("Content-Type".to_owned(), "application/json".to_owned()),
                ("Host".to_owned(), host.to_owned()),
                ("X-TC-Timestamp".to_owned(), timestamp.to_string()),
                ("Authorization".to_owned(), header.clone()),
            ]
        };
        let key_of = |id: &str| (id == SECRET_ID).then(|| SECRET_KEY.to_owned());
        let with_port = sent("127.0.0.1:8080");
        assert!(verify_request(&request(&with_port), key_of, timestamp).is_ok());
        let other_host = sent("127.0.0.2:8080");
        assert_eq!(
            verify_request(&request(&other_host), key_of, timestamp)
                .unwrap_err()
                .code,
            ErrorCode::SignatureFailure
        );
    }
}
