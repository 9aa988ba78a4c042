//! The RFC 3161 HTTP transport (RFC 3161 §3.4): POST `application/timestamp-query`, answer
//! `application/timestamp-reply`. HTTPS through rustls with the Mozilla roots.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use base64::Engine as _;
use x509_cert::Certificate;

use super::{TimeStamper, TimestampRequest};
use crate::crypto::DigestAlgorithm;
use crate::error::{Error, HttpError, Result};

/// The largest answer read from a server: a token with a long chain is a few KiB.
pub const MAX_ANSWER: u64 = 1 << 20;
/// The default for [`TsaConfig::timeout`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// How to reach one TSA.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use countersign::crypto::credential::trust_roots_from_pem;
/// use countersign::timestamp::{HttpTsa, TimeStamper, TsaConfig};
/// use countersign::DigestAlgorithm;
///
/// let mut config = TsaConfig::new("https://tsa.example.com/rfc3161");
/// config.timeout = Duration::from_secs(5);
/// config.basic_auth = Some(("user".into(), "secret".into()));
/// config.headers.push(("X-Api-Key".into(), "k3y".into()));
/// config.trust_roots = trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
/// config.digest = DigestAlgorithm::Sha384;
/// assert!(!format!("{config:?}").contains("secret")); // credentials stay out of logs
/// let tsa = HttpTsa::new(config);
/// assert_eq!(tsa.digest(), DigestAlgorithm::Sha384); // imprints are SHA-384
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct TsaConfig {
    /// The TSA's URL (`http://` or `https://`).
    pub url: String,
    /// For the whole exchange (connect, send, answer); past it: [`Error::TsaUnavailable`].
    pub timeout: Duration,
    /// HTTP basic authentication.
    pub basic_auth: Option<(String, String)>,
    /// Extra request headers (an API key, say).
    pub headers: Vec<(String, String)>,
    /// Roots the TSA certificate must chain to; empty: the chain is not checked at signing
    /// (it still is when the signature is verified).
    pub trust_roots: Vec<Certificate>,
    /// The digest of the messageImprint.
    pub digest: DigestAlgorithm,
}

impl TsaConfig {
    /// A configuration for `url` with the defaults: a 10-second timeout, no authentication, no
    /// trust roots (the token is checked but its TSA chain is not), SHA-256.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use countersign::timestamp::TsaConfig;
    /// use countersign::DigestAlgorithm;
    ///
    /// let config = TsaConfig::new("http://tsa.example.com/");
    /// assert_eq!(config.timeout, Duration::from_secs(10));
    /// assert_eq!(config.digest, DigestAlgorithm::Sha256);
    /// assert!(config.basic_auth.is_none() && config.headers.is_empty() && config.trust_roots.is_empty());
    /// ```
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            timeout: DEFAULT_TIMEOUT,
            basic_auth: None,
            headers: Vec::new(),
            trust_roots: Vec::new(),
            digest: DigestAlgorithm::Sha256,
        }
    }
}

impl std::fmt::Debug for TsaConfig {
    // Credentials stay out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TsaConfig")
            .field("url", &self.url)
            .field("timeout", &self.timeout)
            .field(
                "basic_auth",
                &self.basic_auth.as_ref().map(|(user, _)| user),
            )
            .field("headers", &self.headers.len())
            .field("trust_roots", &self.trust_roots.len())
            .field("digest", &self.digest)
            .finish()
    }
}

/// A TSA reached over HTTP(S).
///
/// ```no_run
/// use std::sync::Arc;
/// use std::time::Duration;
/// use countersign::timestamp::{HttpTsa, TsaConfig};
/// use countersign::SignOptions;
///
/// let mut config = TsaConfig::new("http://timestamp.example.com/tsa");
/// config.timeout = Duration::from_secs(5);
/// config.basic_auth = Some(("user".into(), "password".into()));
/// let mut options = SignOptions::default();
/// options.timestamp = Some(Arc::new(HttpTsa::new(config))); // PAdES B-T
/// ```
#[derive(Debug)]
pub struct HttpTsa {
    config: TsaConfig,
    agent: ureq::Agent,
}

impl HttpTsa {
    /// A client for the TSA `config` describes.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use countersign::timestamp::{HttpTsa, TimeStamper, TsaConfig};
    /// use countersign::SignOptions;
    ///
    /// let tsa = Arc::new(HttpTsa::new(TsaConfig::new("http://tsa.example.com/")));
    /// // Nothing is sent yet: a token size the caller already knows spares the probe request.
    /// tsa.note_token_len(6000);
    /// assert!(tsa.token_len_hint()? >= 6000);
    /// let mut options = SignOptions::default();
    /// options.timestamp = Some(tsa); // sign_pdf now asks this TSA for every signature (PAdES B-T)
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(config: TsaConfig) -> Self {
        let agent = http_agent(config.timeout);
        Self { config, agent }
    }

    /// The configuration it was built with.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::timestamp::{HttpTsa, TsaConfig};
    ///
    /// let tsa = HttpTsa::new(TsaConfig::new("http://tsa.example.com/"));
    /// assert_eq!(tsa.config().url, "http://tsa.example.com/");
    /// ```
    pub fn config(&self) -> &TsaConfig {
        &self.config
    }

    fn exchange(&self, request: &[u8]) -> Result<Vec<u8>> {
        let mut builder = self
            .agent
            .post(&self.config.url)
            .header("Content-Type", "application/timestamp-query");
        if let Some((user, password)) = &self.config.basic_auth {
            let token =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            builder = builder.header("Authorization", format!("Basic {token}"));
        }
        for (name, value) in &self.config.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let response = builder
            .send(request)
            .map_err(|e| unavailable(&self.config.url, self.config.timeout, e))?;
        read_answer(&self.config.url, self.config.timeout, response)
    }
}

impl TimeStamper for HttpTsa {
    fn timestamp(&self, digest: DigestAlgorithm, imprint: &[u8]) -> Result<Vec<u8>> {
        let request = TimestampRequest::new(digest, imprint, &nonce()?)?;
        let answer = self.exchange(request.der())?;
        let token = request.check_response(&answer, &self.config.trust_roots)?;
        remember_len(&self.config.url, token.len());
        Ok(token)
    }

    /// Measured once per URL (a probe request) and cached for the process.
    fn token_len_hint(&self) -> Result<usize> {
        if let Some(len) = cached_len(&self.config.url) {
            return Ok(with_slack(len));
        }
        let probe = self
            .config
            .digest
            .digest_chunks(&[b"countersign token size probe"]);
        let token = self.timestamp(self.config.digest, &probe)?;
        Ok(with_slack(token.len()))
    }

    fn note_token_len(&self, len: usize) {
        remember_len(&self.config.url, len);
    }

    fn digest(&self) -> DigestAlgorithm {
        self.config.digest
    }
}

/// Tokens of one TSA differ by a few bytes (serial, nonce, time fraction).
fn with_slack(len: usize) -> usize {
    len.saturating_add(len / 16).saturating_add(64)
}

fn sizes() -> &'static Mutex<HashMap<String, usize>> {
    static SIZES: OnceLock<Mutex<HashMap<String, usize>>> = OnceLock::new();
    SIZES.get_or_init(|| Mutex::new(HashMap::new()))
}

fn cached_len(url: &str) -> Option<usize> {
    sizes().lock().ok()?.get(url).copied()
}

fn remember_len(url: &str, len: usize) {
    if let Ok(mut sizes) = sizes().lock() {
        let entry = sizes.entry(url.to_owned()).or_insert(len);
        *entry = (*entry).max(len);
    }
}

fn nonce() -> Result<[u8; 8]> {
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(|e| Error::Io(std::io::Error::other(e)))?;
    // A positive INTEGER with no leading zero byte keeps the request length fixed.
    if let Some(first) = nonce.first_mut() {
        *first = (*first & 0x7f) | 0x40;
    }
    Ok(nonce)
}

/// The blocking HTTP client shared by the TSA, OCSP and CRL transports: one deadline for the
/// whole exchange, HTTP errors handled by the caller.
pub(crate) fn http_agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into()
}

/// The body of a 200 answer, at most [`MAX_ANSWER`] bytes.
pub(crate) fn read_answer(
    url: &str,
    timeout: Duration,
    mut response: ureq::http::Response<ureq::Body>,
) -> Result<Vec<u8>> {
    let status = response.status();
    if !status.is_success() {
        return Err(Error::TsaUnavailable(HttpError::Status {
            url: url.to_owned(),
            status: status.as_u16(),
        }));
    }
    response
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER)
        .read_to_vec()
        .map_err(|e| unavailable(url, timeout, e))
}

pub(crate) fn unavailable(url: &str, timeout: Duration, error: ureq::Error) -> Error {
    match error {
        ureq::Error::Timeout(_) => Error::TsaUnavailable(HttpError::Timeout {
            url: url.to_owned(),
            timeout,
        }),
        other => Error::TsaUnavailable(HttpError::Transport {
            url: url.to_owned(),
            source: Box::new(other),
        }),
    }
}
