//! Who is who: organisations with their signing credentials and API keys, employees with their
//! permissions. Also the authorisation rules of the API: a key acts for an active employee of its
//! organisation, named in the request, within that employee's permissions; and a group acts for its
//! subsidiaries.

use std::collections::{HashMap, HashSet};

use super::api::Agent;
use super::config::{Permission, ServiceConfig};
use super::error::{ApiError, ErrorCode, ServiceError};
use super::pades::SigningProfile;
use countersign::crypto::CertifiedKey;

#[derive(Clone, Debug)]
pub struct Organization {
    pub id: String,
    /// The group main organisation that may act for this one.
    pub parent: Option<String>,
    pub key: CertifiedKey,
    /// The PAdES level its counter-signs are made at, with its TSA and revocation source.
    pub signing: SigningProfile,
    /// Counter-sign even when the file's existing signatures are broken or followed by
    /// disallowed changes (`allow_broken_signatures`).
    pub allow_broken_signatures: bool,
    /// How VerifyDigitFile checks revocation for it (its own settings or the service's).
    pub verify_revocation: super::RevocationCheck,
}

#[derive(Clone, Debug)]
pub struct Employee {
    pub organization: String,
    pub permissions: HashSet<Permission>,
    pub active: bool,
}

/// The authorised context of one call: who calls, and for which organisation.
#[derive(Clone, Debug)]
pub struct Acting<'a> {
    /// The organisation whose files and certificate the call uses: the employee's own, or the
    /// sub-organisation named by `Agent.ProxyOrganizationId`.
    pub organization: &'a Organization,
}

#[derive(Debug, Default)]
pub struct Directory {
    organizations: HashMap<String, Organization>,
    employees: HashMap<String, Employee>,
    /// SecretId -> (SecretKey, organisation id).
    secrets: HashMap<String, (String, String)>,
}

impl Directory {
    /// Makes every organisation's TSA client check that its tokens chain to `roots`.
    pub(crate) fn require_tsa_roots(&mut self, roots: &[x509_cert::Certificate]) {
        for organization in self.organizations.values_mut() {
            organization.signing.require_tsa_roots(roots);
        }
    }

    /// Builds the directory; every configured organisation needs a key in `keys`.
    pub fn new(
        config: &ServiceConfig,
        mut keys: HashMap<String, CertifiedKey>,
    ) -> Result<Self, ServiceError> {
        config.validate()?;
        let mut directory = Self::default();
        for organization in &config.organizations {
            let key =
                keys.remove(&organization.id)
                    .ok_or_else(|| ServiceError::MissingCredential {
                        organization: organization.id.clone(),
                    })?;
            directory.organizations.insert(
                organization.id.clone(),
                Organization {
                    id: organization.id.clone(),
                    parent: organization.parent.clone(),
                    key,
                    signing: SigningProfile::from_config(organization),
                    allow_broken_signatures: organization.allow_broken_signatures,
                    verify_revocation: config.verify_revocation_of(Some(&organization.id))?,
                },
            );
            for secret in &organization.secrets {
                directory.secrets.insert(
                    secret.id.clone(),
                    (secret.key.clone(), organization.id.clone()),
                );
            }
        }
        for employee in &config.employees {
            directory.employees.insert(
                employee.user_id.clone(),
                Employee {
                    organization: employee.organization.clone(),
                    permissions: employee.permissions.iter().copied().collect(),
                    active: employee.active,
                },
            );
            for secret in &employee.secrets {
                directory.secrets.insert(
                    secret.id.clone(),
                    (secret.key.clone(), employee.organization.clone()),
                );
            }
        }
        Ok(directory)
    }

    pub fn secret_key(&self, secret_id: &str) -> Option<String> {
        self.secrets.get(secret_id).map(|(key, _)| key.clone())
    }

    /// The organisation a SecretId belongs to.
    pub fn organization_of_secret(&self, secret_id: &str) -> Option<&Organization> {
        self.secrets
            .get(secret_id)
            .and_then(|(_, organization)| self.organizations.get(organization))
    }

    pub fn employee(&self, user_id: &str) -> Option<&Employee> {
        self.employees.get(user_id)
    }

    pub fn organization(&self, id: &str) -> Option<&Organization> {
        self.organizations.get(id)
    }

    /// Checks that `operator` is an active employee of `credential_organization` (whose key
    /// signed the request) holding `permission`, and that the organisation `agent` names (its own
    /// when there is no agent) may be acted for.
    pub fn authorize<'a>(
        &'a self,
        credential_organization: &str,
        operator: Option<&str>,
        agent: Option<&Agent>,
        permission: Permission,
    ) -> Result<Acting<'a>, ApiError> {
        let operator = operator.filter(|id| !id.is_empty()).ok_or_else(|| {
            ApiError::missing(if permission == Permission::Upload {
                "Caller.OperatorId"
            } else {
                "Operator.UserId"
            })
        })?;
        let employee = self.employees.get(operator).ok_or_else(|| {
            ApiError::new(
                ErrorCode::UserNotFound,
                format!("unknown employee {operator}"),
            )
            .zh(format!("员工 {operator} 不存在"))
        })?;
        if employee.organization != credential_organization || !employee.active {
            return Err(ApiError::new(
                ErrorCode::UserNotInOrganization,
                format!(
                    "{operator} is not an active employee of organisation {credential_organization}"
                ),
            )
            .zh(format!(
                "{operator} 不是企业 {credential_organization} 的在职员工"
            )));
        }
        if !employee.permissions.contains(&permission) {
            return Err(ApiError::new(
                ErrorCode::OperatorHasNoPermission,
                format!("employee {operator} lacks the {permission:?} permission"),
            )
            .zh(format!("员工 {operator} 没有 {permission:?} 权限")));
        }
        let own = self
            .organizations
            .get(&employee.organization)
            .ok_or_else(|| {
                ApiError::internal(format!(
                    "organisation {} is not configured",
                    employee.organization
                ))
            })?;
        let proxied = agent
            .and_then(|agent| agent.proxy_organization_id.as_deref())
            .filter(|id| !id.is_empty());
        let organization = match proxied {
            None => own,
            Some(target) => {
                let sub = self
                    .organizations
                    .get(target)
                    .filter(|sub| sub.parent.as_deref() == Some(own.id.as_str()));
                sub.ok_or_else(|| {
                    ApiError::no_access(format!(
                        "organisation {} has no proxy relation with organisation {target}",
                        own.id
                    ))
                })?
            }
        };
        Ok(Acting { organization })
    }
}

impl Acting<'_> {
    /// Data permission: a file or task is visible only to the organisation that owns it.
    pub fn check_owner(&self, owner: &str, what: &str) -> Result<(), ApiError> {
        if owner == self.organization.id {
            Ok(())
        } else {
            Err(ApiError::no_access(format!(
                "{what} belongs to another organisation than {}",
                self.organization.id
            )))
        }
    }
}
