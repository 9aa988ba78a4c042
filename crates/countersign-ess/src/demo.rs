//! The bundled demo configuration of `countersign serve` without `--config`: a group main
//! organisation, two sub-organisations it may act for (one RSA-4096, one SM2, whose
//! counter-signatures are SM2-with-SM3), an API key and an employee in each, and the test PKI's
//! demo credentials compiled in (never use them outside a demo).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use super::config::{
    CredentialConfig, DEFAULT_RATE_LIMIT, DEFAULT_TASK_LEASE_SECONDS, DEFAULT_TASK_MAX_ATTEMPTS,
    EmployeeConfig, OrganizationConfig, Permission, SecretConfig, ServiceConfig,
};
use super::credentials::certified_key_from_pem;
use super::error::ServiceError;
use super::ids::secret_bytes;
use countersign::crypto::CertifiedKey;

pub const GROUP_ORGANIZATION_ID: &str = "demo-group";
pub const SUB_ORGANIZATION_ID: &str = "demo-subsidiary";
pub const GROUP_USER_ID: &str = "demo-group-admin";
pub const SUB_USER_ID: &str = "demo-subsidiary-clerk";
pub const GROUP_SECRET_ID: &str = "AKIDcountersignDemoGroupAdmin";
pub const SUB_SECRET_ID: &str = "AKIDcountersignDemoSubsidiaryClerk";
/// The sub-organisation whose credential is SM2 (SM2 root -> SM2 CA -> SM2 seal).
pub const SM2_ORGANIZATION_ID: &str = "demo-sm2";
pub const SM2_USER_ID: &str = "demo-sm2-clerk";
pub const SM2_SECRET_ID: &str = "AKIDcountersignDemoSm2Clerk";
const DEMO_QUOTA: u64 = 100_000;

const GROUP_KEY: &str = include_str!("../testdata/pki/demo.key.pem");
const GROUP_CHAIN: &str = include_str!("../testdata/pki/demo.chain.pem");
const SUB_KEY: &str = include_str!("../testdata/pki/deep-rsa4096.key.pem");
const SUB_CHAIN: &str = include_str!("../testdata/pki/deep-rsa4096.chain.pem");
const SM2_KEY: &str = include_str!("../testdata/pki/sm2-signer.key.pem");
const SM2_CHAIN: &str = include_str!("../testdata/pki/sm2-signer.chain.pem");

/// The demo configuration and what a user needs to call it.
#[derive(Debug)]
pub struct Demo {
    /// The configuration.
    pub config: ServiceConfig,
    /// The organisations' keys.
    pub keys: HashMap<String, CertifiedKey>,
    /// The group administrator's credential (fresh SecretKey each start).
    pub secret_id: String,
    /// The SecretKey of the printed SecretId.
    pub secret_key: String,
    /// The employee to name as `Operator.UserId`.
    pub user_id: String,
    /// The sub-organisation the group administrator may act for.
    pub proxy_organization_id: String,
}

fn all_permissions() -> Vec<Permission> {
    vec![
        Permission::Upload,
        Permission::CounterSign,
        Permission::Verify,
        Permission::Download,
    ]
}

fn credential_key(
    organization: &str,
    key: &str,
    chain: &str,
) -> Result<CertifiedKey, ServiceError> {
    certified_key_from_pem(key, chain.as_bytes()).map_err(|source| ServiceError::Credential {
        organization: organization.into(),
        source,
    })
}

/// Builds the demo with new random SecretKeys.
pub fn demo() -> Result<Demo, ServiceError> {
    let new_secret = || {
        secret_bytes::<16>()
            .map(hex::encode)
            .map_err(|e| ServiceError::Randomness { source: e.into() })
    };
    let secret_key = new_secret()?;
    // The embedded credentials have no files; the paths only document where they come from.
    let embedded = |name: &str| CredentialConfig {
        key: Some(PathBuf::from(format!("testdata/pki/{name}.key.pem"))),
        certificates: Some(PathBuf::from(format!("testdata/pki/{name}.chain.pem"))),
        ..CredentialConfig::default()
    };
    let config = ServiceConfig {
        workers: None,
        rate_limit: DEFAULT_RATE_LIMIT,
        rate_limits: BTreeMap::new(),
        public_url: None,
        trust_roots: Vec::new(),
        verify_revocation: None,
        verify_crls: Vec::new(),
        hosts: Vec::new(),
        limits: Default::default(),
        retention: Default::default(),
        store: None,
        blobs: None,
        s3: Default::default(),
        task_lease_seconds: DEFAULT_TASK_LEASE_SECONDS,
        task_max_attempts: DEFAULT_TASK_MAX_ATTEMPTS,
        organizations: vec![
            OrganizationConfig {
                id: GROUP_ORGANIZATION_ID.into(),
                name: "Demo Group".into(),
                parent: None,
                quota: DEMO_QUOTA,
                credential: embedded("demo"),
                secrets: vec![SecretConfig {
                    id: GROUP_SECRET_ID.into(),
                    key: secret_key.clone(),
                }],
                ..OrganizationConfig::default()
            },
            OrganizationConfig {
                id: SUB_ORGANIZATION_ID.into(),
                name: "Demo Subsidiary".into(),
                parent: Some(GROUP_ORGANIZATION_ID.into()),
                quota: DEMO_QUOTA,
                credential: embedded("deep-rsa4096"),
                secrets: vec![SecretConfig {
                    id: SUB_SECRET_ID.into(),
                    key: new_secret()?,
                }],
                ..OrganizationConfig::default()
            },
            OrganizationConfig {
                id: SM2_ORGANIZATION_ID.into(),
                name: "Demo SM2 Subsidiary".into(),
                parent: Some(GROUP_ORGANIZATION_ID.into()),
                quota: DEMO_QUOTA,
                credential: embedded("sm2-signer"),
                secrets: vec![SecretConfig {
                    id: SM2_SECRET_ID.into(),
                    key: new_secret()?,
                }],
                ..OrganizationConfig::default()
            },
        ],
        employees: vec![
            EmployeeConfig {
                user_id: GROUP_USER_ID.into(),
                organization: GROUP_ORGANIZATION_ID.into(),
                name: "Group administrator".into(),
                permissions: all_permissions(),
                active: true,
                secrets: Vec::new(),
            },
            EmployeeConfig {
                user_id: SUB_USER_ID.into(),
                organization: SUB_ORGANIZATION_ID.into(),
                name: "Subsidiary clerk".into(),
                permissions: all_permissions(),
                active: true,
                secrets: Vec::new(),
            },
            EmployeeConfig {
                user_id: SM2_USER_ID.into(),
                organization: SM2_ORGANIZATION_ID.into(),
                name: "SM2 subsidiary clerk".into(),
                permissions: all_permissions(),
                active: true,
                secrets: Vec::new(),
            },
        ],
    };
    config.validate()?;
    let keys = HashMap::from([
        (
            GROUP_ORGANIZATION_ID.to_owned(),
            credential_key(GROUP_ORGANIZATION_ID, GROUP_KEY, GROUP_CHAIN)?,
        ),
        (
            SUB_ORGANIZATION_ID.to_owned(),
            credential_key(SUB_ORGANIZATION_ID, SUB_KEY, SUB_CHAIN)?,
        ),
        (
            SM2_ORGANIZATION_ID.to_owned(),
            credential_key(SM2_ORGANIZATION_ID, SM2_KEY, SM2_CHAIN)?,
        ),
    ]);
    Ok(Demo {
        config,
        keys,
        secret_id: GROUP_SECRET_ID.into(),
        secret_key,
        user_id: GROUP_USER_ID.into(),
        proxy_organization_id: SUB_ORGANIZATION_ID.into(),
    })
}

/// Loads every organisation's credential named in `config` from its PEM files.
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// use countersign_ess::{load_config_keys, ServiceConfig, ServiceError};
///
/// let config = ServiceConfig::from_toml(r#"
///     [[organizations]]
///     id = "demo"
///     credential = { key = "testdata/pki/demo.key.pem", certificates = "testdata/pki/demo.chain.pem" }
/// "#, Path::new("."))?;
/// let keys = load_config_keys(&config)?;
/// assert_eq!(keys["demo"].cert_chain().len(), 3); // signer, its CA, the root
///
/// let lost = ServiceConfig::from_toml(r#"
///     [[organizations]]
///     id = "lost"
///     credential = { key = "testdata/pki/no-such.key.pem", certificates = "testdata/pki/demo.chain.pem" }
/// "#, Path::new("."))?;
/// let error = load_config_keys(&lost).unwrap_err();
/// assert!(matches!(&error, ServiceError::Credential { organization, .. } if organization == "lost"), "{error}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_config_keys(
    config: &ServiceConfig,
) -> Result<HashMap<String, CertifiedKey>, ServiceError> {
    config
        .organizations
        .iter()
        .map(|organization| {
            super::credentials::load(&organization.credential)
                .map(|key| (organization.id.clone(), key))
                .map_err(|source| ServiceError::Credential {
                    organization: organization.id.clone(),
                    source,
                })
        })
        .collect()
}
