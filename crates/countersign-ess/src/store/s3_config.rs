//! The `[s3]` table of the configuration, here with the store that reads it so that the store
//! does not depend on the configuration module (which depends on the store).

use serde::Deserialize;

/// The `[s3]` table: the object store of `blobs = "s3://..."`. Unset keys fall back to the
/// `AWS_*` environment variables; the secret is kept out of `Debug` output.
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// use countersign_ess::config::ServiceConfig;
///
/// let config = ServiceConfig::from_toml(r#"
///     blobs = "s3://contracts"
///     [s3]
///     endpoint = "http://127.0.0.1:9000"
///     access_key_id = "AKIDminio"
///     secret_access_key = "minio-secret"
///     allow_http = true
/// "#, Path::new("."))?;
/// assert_eq!(config.s3.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
/// assert_eq!(config.s3.region, None); // from AWS_REGION, or the store's default
/// let printed = format!("{:?}", config.s3);
/// assert!(printed.contains("AKIDminio") && !printed.contains("minio-secret"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct S3Config {
    /// The service's URL, for stores other than AWS (MinIO, Ceph, ...); `None`: AWS S3 of
    /// `region`.
    pub endpoint: Option<String>,
    /// The bucket's region (`us-east-1` for most S3-compatible servers).
    pub region: Option<String>,
    /// The access key's id.
    pub access_key_id: Option<String>,
    /// The access key's secret.
    pub secret_access_key: Option<String>,
    /// Allows a plain-HTTP `endpoint` (default: refused).
    pub allow_http: Option<bool>,
    /// `bucket.host` URLs instead of `host/bucket` (default: path style).
    pub virtual_hosted_style: Option<bool>,
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "<redacted>"),
            )
            .field("allow_http", &self.allow_http)
            .field("virtual_hosted_style", &self.virtual_hosted_style)
            .finish()
    }
}
