//! From an HTTP request to an authenticated call, in every form API 3.0 takes:
//!
//! | method | signature | common parameters | action parameters |
//! |---|---|---|---|
//! | POST | TC3-HMAC-SHA256 | `X-TC-*` headers | JSON body |
//! | GET  | TC3-HMAC-SHA256 | `X-TC-*` headers | flat query (`Operator.UserId=...`) |
//! | POST | HmacSHA1/HmacSHA256 | form body | form body, flat |
//! | GET  | HmacSHA1/HmacSHA256 | query | query, flat |

use serde::de::IgnoredAny;
use serde_json::Value;

use super::auth::{self, HeaderCheck, SignedRequest};
use super::auth_v1;
use super::error::{ApiError, ErrorCode, Language};
use super::params::{parse_form, unflatten};

/// An authenticated request: who signed, what to do, with which parameters.
#[derive(Clone, Debug)]
pub struct Incoming<'a> {
    pub secret_id: String,
    /// The request's signature as sent and its timestamp: what replay protection remembers.
    pub signature: String,
    pub timestamp: i64,
    pub action: Option<String>,
    pub version: Option<String>,
    pub params: Params<'a>,
}

/// An action's parameters.
#[derive(Clone, Debug)]
pub enum Params<'a> {
    /// A JSON body of valid syntax, parsed by the action into its model: strings the model
    /// borrows (UploadFiles' file bodies) are not copied.
    Json(&'a [u8]),
    /// The JSON object rebuilt from flat parameters (or an empty body).
    Object(Value),
}

/// The parameters of a JSON body (an empty body is no parameters), once its syntax is checked;
/// the action parses them into its own model.
pub fn json_params(body: &[u8]) -> Result<Params<'_>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Params::Object(Value::Object(serde_json::Map::new())));
    }
    // Checks without building anything (a maximal upload's text stays in the body alone).
    serde_json::from_slice::<IgnoredAny>(body)
        .map_err(|e| ApiError::invalid(format!("request body: {e}")))?;
    Ok(Params::Json(body))
}

fn is_form(request: &SignedRequest<'_>) -> bool {
    request.header("Content-Type").is_some_and(|value| {
        value
            .trim()
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    })
}

/// The flat parameters of a GET query or a form-encoded POST body; `None` for a JSON body.
fn flat_params(request: &SignedRequest<'_>) -> Result<Option<Vec<(String, String)>>, ApiError> {
    if request.method.eq_ignore_ascii_case("GET") {
        return parse_form(request.query).map(Some);
    }
    if !request.method.eq_ignore_ascii_case("POST") {
        return Err(ApiError::new(
            ErrorCode::UnsupportedOperation,
            format!(
                "HTTP method {:.16} is not supported; use POST or GET",
                request.method
            ),
        ));
    }
    if !is_form(request) {
        return Ok(None);
    }
    let text = std::str::from_utf8(request.body)
        .map_err(|_| ApiError::invalid("the form body is not UTF-8"))?;
    parse_form(text).map(Some)
}

/// The language the caller asked for: `X-TC-Language`, or the v1 `Language` parameter.
pub fn language(request: &SignedRequest<'_>) -> Language {
    if let Some(tag) = request.header("X-TC-Language") {
        return Language::from_tag(Some(tag));
    }
    let flat = flat_params(request).ok().flatten().unwrap_or_default();
    Language::from_tag(auth_v1::param(&flat, "Language"))
}

/// Checks the request's signature (TC3 when it has an `Authorization` header, v1 when its
/// parameters carry `Signature`) and gathers the call. `secret_key_of` maps a SecretId to its key.
/// `checked`: the TC3 header check already done before the body was read (then only the MAC
/// over the body remains to verify).
pub fn authenticate<'a>(
    request: &SignedRequest<'a>,
    checked: Option<&HeaderCheck>,
    secret_key_of: impl Fn(&str) -> Option<String>,
    now: i64,
) -> Result<Incoming<'a>, ApiError> {
    let flat = flat_params(request)?;
    if request.header("Authorization").is_some() {
        let checked_now;
        let check = match checked {
            Some(check) => check,
            None => {
                checked_now = auth::check_headers(request, secret_key_of, now)?;
                &checked_now
            }
        };
        let secret_id = check.verify_body(request)?;
        let params = match flat {
            Some(pairs) => Params::Object(unflatten(pairs)?),
            None => json_params(request.body)?,
        };
        return Ok(Incoming {
            secret_id,
            signature: check.authorization.signature.clone(),
            timestamp: check.timestamp,
            action: request.header("X-TC-Action").map(str::to_owned),
            version: request.header("X-TC-Version").map(str::to_owned),
            params,
        });
    }
    let Some(pairs) = flat.filter(|pairs| auth_v1::param(pairs, "Signature").is_some()) else {
        return Err(ApiError::new(
            ErrorCode::SignatureFailure,
            "missing Authorization header (or Signature parameter)",
        ));
    };
    let host = request.header("Host").unwrap_or_default().trim();
    let secret_id = auth_v1::verify(
        request.method,
        host,
        request.path,
        &pairs,
        secret_key_of,
        now,
    )?;
    let signature = auth_v1::param(&pairs, "Signature")
        .unwrap_or_default()
        .trim()
        .to_owned();
    // Checked by `verify` above: present and a number.
    let timestamp = auth_v1::param(&pairs, "Timestamp")
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(now);
    let action = auth_v1::param(&pairs, "Action").map(str::to_owned);
    let version = auth_v1::param(&pairs, "Version").map(str::to_owned);
    let action_params: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(name, _)| !auth_v1::COMMON_PARAMETERS.contains(&name.as_str()))
        .collect();
    Ok(Incoming {
        secret_id,
        signature,
        timestamp,
        action,
        version,
        params: Params::Object(unflatten(action_params)?),
    })
}
