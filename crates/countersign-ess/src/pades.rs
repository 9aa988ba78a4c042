//! The PAdES level an organisation signs at (B-B, B-T, B-LT, B-LTA): its configuration
//! (`[organizations.tsa]`, `revocation`) and the signing pipeline it selects.
//!
//! ```toml
//! [[organizations]]
//! id = "org-group"
//! # ...
//! revocation = "offline"             # b-lt/b-lta: "fetch" (default) or "offline"; "none" below
//! revocation_crls = ["ca.crl"]       # offline: CRL files (DER or PEM), read at every signature
//! revocation_ocsp = ["signer.ocsp"]  # offline: OCSP response files (DER)
//! [organizations.tsa]
//! url = "https://tsa.example.com/tsr"
//! level = "b-lta"                    # b-b | b-t (default with a url) | b-lt | b-lta
//! timeout_seconds = 10               # per TSA, OCSP or CRL exchange
//! username = "acme"                  # HTTP basic authentication (optional)
//! password = "..."
//! headers = { "X-Api-Key" = "..." }  # further request headers (optional)
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::error::ServiceError;
use countersign::crypto::CertifiedKey;
use countersign::error::{Error, ErrorReport, RevocationError};
use countersign::ltv::{Fetcher, OcspResponse, RevocationSource, ValidationData};
use countersign::timestamp::{HttpTsa, TimeStamper, TsaConfig};
use countersign::{SignOptions, sign_at_level};

/// Default of `timeout_seconds`.
pub const DEFAULT_TSA_TIMEOUT_SECONDS: u64 = 10;

/// The engine's PAdES level, as `tsa.level` names it (`b-b`, `b-t`, `b-lt`, `b-lta`, in any
/// case).
pub use countersign::PadesLevel;

/// Reads `tsa.level` through the engine's [`PadesLevel`] parser.
fn deserialize_level<'de, D>(deserializer: D) -> Result<Option<PadesLevel>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let Some(text) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    text.parse().map(Some).map_err(|_| {
        const EXPECTED: &[&str] = &["b-b", "b-t", "b-lt", "b-lta"];
        serde::de::Error::unknown_variant(&text, EXPECTED)
    })
}

/// `[organizations.tsa]`: the organisation's time-stamping authority and level.
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// use countersign_ess::config::{PadesLevel, ServiceConfig};
///
/// let config = ServiceConfig::from_toml(r#"
///     [[organizations]]
///     id = "stamped"
///     credential = { key = "signer.key.pem", certificates = "signer.chain.pem" }
///     [organizations.tsa]
///     url = "https://tsa.example.com/tsr"
///     username = "acme"
///     password = "tsa-secret"
/// "#, Path::new("."))?;
/// let tsa = config.organizations[0].tsa.as_ref().ok_or("no [organizations.tsa]")?;
/// assert_eq!(tsa.url.as_deref(), Some("https://tsa.example.com/tsr"));
/// assert_eq!(tsa.level, None); // b-t, as there is a url
/// assert_eq!(tsa.timeout_seconds, 10);
/// assert!(!format!("{tsa:?}").contains("tsa-secret"));
///
/// // A level above b-b without a TSA cannot work.
/// let error = ServiceConfig::from_toml(r#"
///     [[organizations]]
///     id = "stampless"
///     credential = { key = "signer.key.pem", certificates = "signer.chain.pem" }
///     tsa = { level = "b-t" }
/// "#, Path::new(".")).unwrap_err();
/// assert_eq!(error.to_string(), "configuration: organisation stampless: level b-t needs tsa.url");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TsaSettings {
    /// `http://` or `https://` URL of the RFC 3161 service.
    pub url: Option<String>,
    /// Default: b-t with a `url`, else b-b.
    #[serde(default, deserialize_with = "deserialize_level")]
    pub level: Option<PadesLevel>,
    /// For each TSA, OCSP and CRL exchange.
    #[serde(default = "default_timeout_seconds")]
    pub timeout_seconds: u64,
    /// HTTP basic authentication.
    pub username: Option<String>,
    /// Its password.
    pub password: Option<String>,
    /// Further request headers (an API key, say).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

fn default_timeout_seconds() -> u64 {
    DEFAULT_TSA_TIMEOUT_SECONDS
}

impl std::fmt::Debug for TsaSettings {
    // The password and header values (API keys) stay out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TsaSettings")
            .field("url", &self.url)
            .field("level", &self.level)
            .field("timeout_seconds", &self.timeout_seconds)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// `revocation`: where B-LT/B-LTA revocation data comes from.
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// use countersign_ess::config::{RevocationMode, ServiceConfig};
///
/// let b_lt = r#"
///     [[organizations]]
///     id = "long-term"
///     credential = { key = "signer.key.pem", certificates = "signer.chain.pem" }
///     revocation = "fetch"
///     tsa = { url = "https://tsa.example.com/tsr", level = "b-lt" }
/// "#;
/// let config = ServiceConfig::from_toml(b_lt, Path::new("."))?;
/// assert_eq!(config.organizations[0].revocation, Some(RevocationMode::Fetch));
/// // B-LT embeds revocation data: "none" is refused.
/// let none = b_lt.replace(r#"revocation = "fetch""#, r#"revocation = "none""#);
/// assert!(ServiceConfig::from_toml(&none, Path::new(".")).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationMode {
    /// From the OCSP responders and CRL distribution points the certificates name.
    Fetch,
    /// From the `revocation_crls` and `revocation_ocsp` files.
    Offline,
    /// None: only levels below b-lt.
    None,
}

/// The parts of an organisation's configuration its level is made from, borrowed from the
/// configuration's `OrganizationConfig`: the configuration reads this module's types, so this
/// module does not read the configuration's.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LevelConfig<'a> {
    pub id: &'a str,
    pub tsa: &'a Option<TsaSettings>,
    pub revocation: Option<RevocationMode>,
    pub revocation_crls: &'a Vec<PathBuf>,
    pub revocation_ocsp: &'a Vec<PathBuf>,
}

/// The level an organisation's configuration asks for (checked by [`check`]).
pub fn level_of(organization: &LevelConfig<'_>) -> PadesLevel {
    match &organization.tsa {
        None => PadesLevel::BB,
        Some(tsa) => tsa.level.unwrap_or(if tsa.url.is_some() {
            PadesLevel::BT
        } else {
            PadesLevel::BB
        }),
    }
}

/// Refuses a level section that cannot work, naming the organisation and the key at fault.
/// `lease_seconds`: a TSA timeout must leave a task run time to finish within its lease.
pub fn check(organization: &LevelConfig<'_>, lease_seconds: u32) -> Result<(), ServiceError> {
    let id = &organization.id;
    let fail = |message: String| {
        Err(ServiceError::Config(format!(
            "organisation {id}: {message}"
        )))
    };
    let level = level_of(organization);
    if let Some(tsa) = &organization.tsa {
        if let Some(url) = &tsa.url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return fail(format!("tsa.url {url:?} is not an http:// or https:// URL"));
        }
        if tsa.timeout_seconds == 0 || tsa.timeout_seconds >= u64::from(lease_seconds) {
            return fail(format!(
                "tsa.timeout_seconds must be from 1 to less than task_lease_seconds ({lease_seconds})"
            ));
        }
        if tsa.password.is_some() && tsa.username.is_none() {
            return fail("tsa.password without tsa.username".into());
        }
        if let Some((name, _)) = tsa
            .headers
            .iter()
            .find(|(name, value)| !header_name_ok(name) || !header_value_ok(value))
        {
            return fail(format!("tsa.headers: {name:?} is not a valid HTTP header"));
        }
    }
    let has_url = organization
        .tsa
        .as_ref()
        .is_some_and(|tsa| tsa.url.is_some());
    if level > PadesLevel::BB && !has_url {
        return fail(format!("level {} needs tsa.url", level.as_str()));
    }
    check_revocation(organization, level).or_else(fail)
}

fn check_revocation(organization: &LevelConfig<'_>, level: PadesLevel) -> Result<(), String> {
    let has_files =
        !organization.revocation_crls.is_empty() || !organization.revocation_ocsp.is_empty();
    match (level >= PadesLevel::BLt, revocation_mode(organization)) {
        (true, RevocationMode::None) => Err(format!(
            "level {} embeds revocation data: revocation must be \"fetch\" or \"offline\"",
            level.as_str()
        )),
        (false, RevocationMode::Fetch | RevocationMode::Offline)
            if organization.revocation.is_some() =>
        {
            Err(format!(
                "revocation data is embedded only at levels b-lt and b-lta, not {}",
                level.as_str()
            ))
        }
        (_, RevocationMode::Offline) if !has_files => {
            Err("revocation = \"offline\" needs revocation_crls or revocation_ocsp files".into())
        }
        (_, RevocationMode::Offline) => {
            offline_data(organization).map_err(|e| ErrorReport::new(&e).to_string())?;
            Ok(())
        }
        _ if has_files => Err(
            "revocation_crls and revocation_ocsp are read only with revocation = \"offline\""
                .into(),
        ),
        _ => Ok(()),
    }
}

/// The configured mode, or the default for the level: fetch at b-lt and b-lta, else none.
fn revocation_mode(organization: &LevelConfig<'_>) -> RevocationMode {
    organization
        .revocation
        .unwrap_or(if level_of(organization) >= PadesLevel::BLt {
            RevocationMode::Fetch
        } else {
            RevocationMode::None
        })
}

/// RFC 9110 token characters.
fn header_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn header_value_ok(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
}

/// How one organisation's counter-signs are made.
///
/// # Examples
///
/// ```
/// # use countersign::crypto::credential::load_pem;
/// # use countersign::crypto::LoadOptions;
/// # let key = load_pem(
/// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
/// #     &std::fs::read("testdata/pki/demo.key.pem")?,
/// #     &LoadOptions::default(),
/// # )?;
/// use std::path::Path;
/// use countersign_ess::config::{PadesLevel, ServiceConfig};
/// use countersign_ess::SigningProfile;
/// use countersign::SignOptions;
///
/// let config = ServiceConfig::from_toml(r#"
///     [[organizations]]
///     id = "demo"
///     credential = { key = "testdata/pki/demo.key.pem", certificates = "testdata/pki/demo.chain.pem" }
/// "#, Path::new("."))?;
/// let profile = SigningProfile::from_config(&config.organizations[0]);
/// assert_eq!(profile.level, PadesLevel::BB); // no [organizations.tsa]
/// let pdf = std::fs::read("testdata/pdf/classic.pdf")?;
/// assert!(profile.sign(&pdf, &key, &SignOptions::default())?.starts_with(&pdf));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct SigningProfile {
    /// The PAdES level.
    pub level: PadesLevel,
    /// Present from b-t up.
    pub tsa: Option<Arc<HttpTsa>>,
    revocation: Revocation,
}

#[derive(Clone, Debug, Default)]
enum Revocation {
    #[default]
    None,
    Fetch(Duration),
    /// Files read at each signature, so renewed CRLs are used without a restart.
    Offline {
        crls: Vec<PathBuf>,
        ocsps: Vec<PathBuf>,
    },
}

impl SigningProfile {
    /// The profile a checked organisation configuration describes (see
    /// [`SigningProfile::from_config`]).
    pub(crate) fn from_level_config(organization: &LevelConfig<'_>) -> Self {
        let level = level_of(organization);
        let settings = organization.tsa.clone().unwrap_or_default();
        let timeout = Duration::from_secs(settings.timeout_seconds);
        let tsa = match (&settings.url, level > PadesLevel::BB) {
            (Some(url), true) => {
                let mut config = TsaConfig::new(url.clone());
                config.timeout = timeout;
                config.basic_auth = settings
                    .username
                    .clone()
                    .map(|user| (user, settings.password.clone().unwrap_or_default()));
                config.headers = settings.headers.clone().into_iter().collect();
                Some(Arc::new(HttpTsa::new(config)))
            }
            _ => None,
        };
        let revocation = match (level >= PadesLevel::BLt, revocation_mode(organization)) {
            (true, RevocationMode::Fetch) => Revocation::Fetch(timeout),
            (true, RevocationMode::Offline) => Revocation::Offline {
                crls: organization.revocation_crls.clone(),
                ocsps: organization.revocation_ocsp.clone(),
            },
            _ => Revocation::None,
        };
        Self {
            level,
            tsa,
            revocation,
        }
    }

    /// Signs `pdf` at this level: the signature (with its timestamp from b-t), then the DSS
    /// (b-lt), then the document timestamp (b-lta). Any step failing (a TSA or responder that
    /// is down) fails the whole: no lower-level file is returned in its place.
    ///
    /// # Examples
    ///
    /// ```
    /// # use countersign::crypto::credential::load_pem;
    /// # use countersign::crypto::LoadOptions;
    /// # let key = load_pem(
    /// #     &std::fs::read("testdata/pki/demo.chain.pem")?,
    /// #     &std::fs::read("testdata/pki/demo.key.pem")?,
    /// #     &LoadOptions::default(),
    /// # )?;
    /// use countersign::crypto::credential::trust_roots_from_pem;
    /// use countersign_ess::SigningProfile;
    /// use countersign::{verify_pdf, SignOptions, VerifyOptions};
    ///
    /// let profile = SigningProfile::default(); // b-b: the CMS signature alone, no TSA needed
    /// let mut options = SignOptions::default();
    /// options.reason = Some("Counter-signed".into());
    /// let signed = profile.sign(&std::fs::read("testdata/pdf/classic.pdf")?, &key, &options)?;
    /// let roots = trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
    /// assert!(verify_pdf(&signed, &VerifyOptions::trusting(roots))?.all_valid());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign(
        &self,
        pdf: &[u8],
        key: &CertifiedKey,
        base: &SignOptions,
    ) -> Result<Vec<u8>, Error> {
        let mut options = base.clone();
        if self.level.has_signature_timestamp() {
            options.timestamp = Some(self.stamper()? as Arc<dyn TimeStamper>);
        }
        let revocation = if self.level.has_validation_data() {
            Some(self.revocation_source()?)
        } else {
            None
        };
        sign_at_level(pdf, key, &options, self.level, revocation.as_ref())
    }

    /// Requires the TSA's tokens to chain to one of `roots` (checked at signing, so that a
    /// token the service's own verification would not trust fails the task instead of being
    /// stored).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::path::Path;
    /// use countersign::crypto::credential::trust_roots_from_pem;
    /// use countersign_ess::config::ServiceConfig;
    /// use countersign_ess::SigningProfile;
    ///
    /// let config = ServiceConfig::from_toml(r#"
    ///     [[organizations]]
    ///     id = "stamped"
    ///     credential = { key = "signer.key.pem", certificates = "signer.chain.pem" }
    ///     tsa = { url = "https://tsa.example.com/tsr" }
    /// "#, Path::new("."))?;
    /// let mut profile = SigningProfile::from_config(&config.organizations[0]);
    /// let roots = trust_roots_from_pem(&std::fs::read("testdata/pki/root-ca.cert.pem")?)?;
    /// profile.require_tsa_roots(&roots);
    /// let tsa = profile.tsa.as_ref().ok_or("b-t has a TSA")?;
    /// assert_eq!(tsa.config().trust_roots, roots);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn require_tsa_roots(&mut self, roots: &[x509_cert::Certificate]) {
        if let Some(tsa) = &self.tsa {
            let mut config = tsa.config().clone();
            config.trust_roots = roots.to_vec();
            self.tsa = Some(Arc::new(HttpTsa::new(config)));
        }
    }

    fn stamper(&self) -> Result<Arc<HttpTsa>, Error> {
        self.tsa.clone().ok_or_else(|| {
            Error::invalid_option("tsa", format!("level {} needs a TSA", self.level.as_str()))
        })
    }

    fn revocation_source(&self) -> Result<RevocationSource, Error> {
        match &self.revocation {
            Revocation::None => Err(Error::invalid_option(
                "revocation",
                format!("level {} needs a revocation source", self.level.as_str()),
            )),
            Revocation::Fetch(timeout) => {
                let mut fetcher = Fetcher::default();
                fetcher.timeout = *timeout;
                Ok(RevocationSource::Fetch(fetcher))
            }
            Revocation::Offline { crls, ocsps } => {
                Ok(RevocationSource::Offline(read_offline(crls, ocsps)?))
            }
        }
    }
}

/// Reads and checks the offline revocation files of a configuration.
fn offline_data(organization: &LevelConfig<'_>) -> Result<ValidationData, Error> {
    read_offline(organization.revocation_crls, organization.revocation_ocsp)
}

fn read_offline(crls: &[PathBuf], ocsps: &[PathBuf]) -> Result<ValidationData, Error> {
    let mut data = ValidationData::default();
    for path in crls {
        data.crls.push(read_crl(path)?);
    }
    for path in ocsps {
        let der = read_file(path)?;
        OcspResponse::from_der(&der).map_err(file_error(path))?;
        data.ocsps.push(der);
    }
    Ok(data)
}

/// A `map_err` adapter naming the revocation file that could not be read or decoded.
fn file_error<E>(path: &Path) -> impl FnOnce(E) -> Error + '_
where
    E: Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
{
    move |source| {
        RevocationError::File {
            path: path.to_owned(),
            source: source.into(),
        }
        .into()
    }
}

/// Largest revocation file read: a CRL of a big CA is a few MiB.
const MAX_REVOCATION_FILE: u64 = 64 << 20;

fn read_file(path: &Path) -> Result<Vec<u8>, Error> {
    let len = std::fs::metadata(path).map_err(file_error(path))?.len();
    if len > MAX_REVOCATION_FILE {
        return Err(RevocationError::FileTooLarge {
            path: path.to_owned(),
            max: MAX_REVOCATION_FILE,
        }
        .into());
    }
    std::fs::read(path).map_err(file_error(path))
}

/// A DER or PEM (`X509 CRL`) CRL, as DER.
fn read_crl(path: &Path) -> Result<Vec<u8>, Error> {
    use der::{Decode, Tagged};
    let error = file_error(path);
    let bytes = read_file(path)?;
    let der = if bytes.starts_with(b"-----BEGIN") {
        let (_label, der) = der::pem::decode_vec(&bytes).map_err(file_error(path))?;
        der
    } else {
        bytes
    };
    // A SEQUENCE is all that is checked, as for fetched CRLs: x509-cert refuses v1 CRLs (no
    // version field), which validators accept.
    let crl = der::asn1::AnyRef::from_der(&der).map_err(file_error(path))?;
    if crl.tag() != der::Tag::Sequence {
        return Err(error("not a DER or PEM CRL"));
    }
    Ok(der)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ServiceConfig;

    fn pki(name: &str) -> String {
        format!("{}/testdata/pki/{name}", env!("CARGO_MANIFEST_DIR"))
    }

    /// One organisation with `extra` lines after its credential.
    fn config(extra: &str) -> Result<ServiceConfig, ServiceError> {
        let text = format!(
            "[[organizations]]\nid = \"acme\"\ncredential = {{ pkcs12 = \"x.p12\" }}\n{extra}\n"
        );
        ServiceConfig::from_toml(&text, Path::new("/etc/countersign"))
    }

    fn profile(extra: &str) -> SigningProfile {
        SigningProfile::from_config(&config(extra).unwrap().organizations[0])
    }

    #[test]
    fn levels_and_their_defaults() {
        assert_eq!(profile("").level, PadesLevel::BB);
        let b_t = profile("[organizations.tsa]\nurl = \"http://tsa.test/\"");
        assert_eq!(b_t.level, PadesLevel::BT);
        assert!(b_t.tsa.is_some());
        let b_lt = profile("[organizations.tsa]\nurl = \"https://tsa.test/\"\nlevel = \"b-lt\"");
        assert!(matches!(b_lt.revocation, Revocation::Fetch(t) if t.as_secs() == 10));
        let offline = profile(&format!(
            "revocation = \"offline\"\nrevocation_crls = [\"{}\", \"{}\"]\n\
             [organizations.tsa]\nurl = \"http://tsa.test/\"\nlevel = \"B-LTA\"\ntimeout_seconds = 3",
            pki("tsa-ca.crl"),
            pki("tsa-root.crl")
        ));
        assert_eq!(offline.level, PadesLevel::BLta);
        let data = match &offline.revocation_source().unwrap() {
            RevocationSource::Offline(data) => data.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(data.crls.len(), 2);
        let mut checked = b_t.clone();
        let roots = countersign::crypto::credential::trust_roots_from_pem(
            &std::fs::read(pki("root-ca.cert.pem")).unwrap(),
        )
        .unwrap();
        checked.require_tsa_roots(&roots);
        let tsa = checked.tsa.as_ref().unwrap().config();
        assert_eq!(
            (tsa.trust_roots.len(), tsa.url.as_str()),
            (1, "http://tsa.test/")
        );
        // b-b with a TSA section: no client is built.
        let b_b = profile("[organizations.tsa]\nurl = \"http://tsa.test/\"\nlevel = \"b-b\"");
        assert!(b_b.tsa.is_none());
    }

    #[test]
    fn refuses_sections_that_cannot_work() {
        let crl = pki("tsa-ca.crl");
        let cases = [
            (
                "[organizations.tsa]\nlevel = \"b-t\"",
                "level b-t needs tsa.url",
            ),
            (
                "[organizations.tsa]\nlevel = \"b-lta\"",
                "level b-lta needs tsa.url",
            ),
            ("[organizations.tsa]\nurl = \"ftp://x\"", "not an http"),
            (
                "[organizations.tsa]\nurl = \"http://x\"\nlevel = \"b-x\"",
                "unknown variant",
            ),
            (
                "[organizations.tsa]\nurl = \"http://x\"\ncolour = 1",
                "unknown field",
            ),
            (
                "[organizations.tsa]\nurl = \"http://x\"\ntimeout_seconds = 0",
                "timeout_seconds",
            ),
            (
                "[organizations.tsa]\nurl = \"http://x\"\ntimeout_seconds = 60",
                "timeout_seconds",
            ),
            (
                "[organizations.tsa]\nurl = \"http://x\"\npassword = \"p\"",
                "without tsa.username",
            ),
            (
                "[organizations.tsa]\nurl = \"http://x\"\nheaders = { \"a b\" = \"v\" }",
                "not a valid HTTP header",
            ),
            (
                "revocation = \"none\"\n[organizations.tsa]\nurl = \"http://x\"\nlevel = \"b-lt\"",
                "revocation must be",
            ),
            ("revocation = \"fetch\"", "only at levels b-lt and b-lta"),
            (
                "revocation = \"offline\"\n[organizations.tsa]\nurl = \"http://x\"\nlevel = \"b-lt\"",
                "needs revocation_crls",
            ),
            (
                "revocation = \"offline\"\nrevocation_crls = [\"/nonexistent.crl\"]\n\
                 [organizations.tsa]\nurl = \"http://x\"\nlevel = \"b-lt\"",
                "/nonexistent.crl",
            ),
            (
                &format!(
                    "revocation = \"offline\"\nrevocation_ocsp = [\"{crl}\"]\n\
                     [organizations.tsa]\nurl = \"http://x\"\nlevel = \"b-lt\""
                ),
                "tsa-ca.crl",
            ),
            (
                &format!(
                    "revocation_crls = [\"{crl}\"]\n[organizations.tsa]\nurl = \"http://x\"\nlevel = \"b-lt\""
                ),
                "only with revocation = \"offline\"",
            ),
            ("revocation = \"sometimes\"", "unknown variant"),
        ];
        for (extra, expected) in cases {
            // A value TOML's types refuse is a syntax error; one the checks refuse, a
            // configuration error naming the organisation.
            match config(extra) {
                Err(error @ ServiceError::ConfigSyntax { .. }) => {
                    assert!(error.to_string().contains(expected), "{extra}: {error}")
                }
                Err(ServiceError::Config(message)) => {
                    assert!(message.contains(expected), "{extra}: {message}")
                }
                other => panic!("{extra}: accepted: {other:?}"),
            }
        }
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let config = config(
            "secrets = [{ id = \"AKID\", key = \"secret-key-1\" }]\n\
             [organizations.tsa]\nurl = \"http://tsa.test/\"\nusername = \"acme\"\n\
             password = \"tsa-password-2\"\nheaders = { \"X-Api-Key\" = \"api-key-3\" }",
        )
        .unwrap();
        let mut with_password = config.organizations[0].clone();
        with_password.credential.password = Some("p12-password-4".into());
        let text = format!("{config:?} {with_password:?} {:?}", profile("").tsa);
        for secret in [
            "secret-key-1",
            "tsa-password-2",
            "api-key-3",
            "p12-password-4",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(
            text.contains("acme") && text.contains("X-Api-Key"),
            "{text}"
        );
        let tsa = SigningProfile::from_config(&config.organizations[0]).tsa;
        let text = format!("{tsa:?}");
        assert!(
            !text.contains("tsa-password-2") && !text.contains("api-key-3"),
            "{text}"
        );
    }

    #[test]
    fn an_engine_that_makes_b_b_only_refuses_higher_levels() {
        use crate::engine::Engine;
        use crate::testing::FakeEngine;
        let demo = crate::demo::demo().unwrap();
        let key = demo.keys.values().next().unwrap().clone();
        let engine = FakeEngine::default();
        let b_t = profile("[organizations.tsa]\nurl = \"http://tsa.test/\"");
        match engine.sign_at(b"%PDF-1.7\n", &key, &b_t) {
            Err(Error::Unsupported(countersign::error::Unsupported::PadesLevel {
                level,
                supported,
            })) => {
                assert_eq!((level, supported), ("b-t", "b-b"))
            }
            other => panic!("{other:?}"),
        }
        assert!(engine.sign_at(b"%PDF-1.7\n", &key, &profile("")).is_ok());
    }
}
