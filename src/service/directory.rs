//! Who is who: organisations with their signing credentials, employees with their permissions, and
//! the SecretId pairs that authenticate them. Also the two authorisation rules of the API.

use std::collections::{HashMap, HashSet};

use super::api::Agent;
use super::config::{Permission, ServiceConfig};
use super::error::{ApiError, ErrorCode, ServiceError};
use crate::crypto::CertifiedKey;

#[derive(Clone, Debug)]
pub struct Organization {
    pub id: String,
    pub name: String,
    /// The group main organisation that may act for this one.
    pub parent: Option<String>,
    pub key: CertifiedKey,
}

#[derive(Clone, Debug)]
pub struct Employee {
    pub user_id: String,
    pub organization: String,
    pub permissions: HashSet<Permission>,
}

/// The authorised context of one call: who calls, and for which organisation.
#[derive(Clone, Debug)]
pub struct Acting<'a> {
    pub employee: &'a Employee,
    /// The organisation whose files and certificate the call uses: the employee's own, or the
    /// sub-organisation named by `Agent.ProxyOrganizationId`.
    pub organization: &'a Organization,
}

#[derive(Debug, Default)]
pub struct Directory {
    organizations: HashMap<String, Organization>,
    employees: HashMap<String, Employee>,
    /// SecretId -> (SecretKey, UserId).
    secrets: HashMap<String, (String, String)>,
}

impl Directory {
    /// Builds the directory; every configured organisation needs a key in `keys`.
    pub fn new(
        config: &ServiceConfig,
        mut keys: HashMap<String, CertifiedKey>,
    ) -> Result<Self, ServiceError> {
        config.validate()?;
        let mut directory = Self::default();
        for organization in &config.organizations {
            let key = keys
                .remove(&organization.id)
                .ok_or_else(|| ServiceError::Credential {
                    organization: organization.id.clone(),
                    reason: "no signing credential was provided".into(),
                })?;
            directory.organizations.insert(
                organization.id.clone(),
                Organization {
                    id: organization.id.clone(),
                    name: organization.name.clone(),
                    parent: organization.parent.clone(),
                    key,
                },
            );
        }
        for employee in &config.employees {
            directory.employees.insert(
                employee.user_id.clone(),
                Employee {
                    user_id: employee.user_id.clone(),
                    organization: employee.organization.clone(),
                    permissions: employee.permissions.iter().copied().collect(),
                },
            );
            for secret in &employee.secrets {
                directory.secrets.insert(
                    secret.id.clone(),
                    (secret.key.clone(), employee.user_id.clone()),
                );
            }
        }
        Ok(directory)
    }

    pub fn secret_key(&self, secret_id: &str) -> Option<String> {
        self.secrets.get(secret_id).map(|(key, _)| key.clone())
    }

    /// The employee a SecretId belongs to.
    pub fn employee_of_secret(&self, secret_id: &str) -> Option<&Employee> {
        self.secrets
            .get(secret_id)
            .and_then(|(_, user)| self.employees.get(user))
    }

    pub fn organization(&self, id: &str) -> Option<&Organization> {
        self.organizations.get(id)
    }

    /// Checks that `operator` is the credential's employee, holds `permission`, and may act for
    /// the organisation `agent` names (its own when there is no agent).
    pub fn authorize<'a>(
        &'a self,
        credential_user: &str,
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
        if operator != credential_user {
            return Err(ApiError::new(
                ErrorCode::OperationDenied,
                format!("the credential does not belong to employee {operator}"),
            ));
        }
        let employee = self.employees.get(operator).ok_or_else(|| {
            ApiError::new(
                ErrorCode::OperationDenied,
                format!("unknown employee {operator}"),
            )
        })?;
        if !employee.permissions.contains(&permission) {
            return Err(ApiError::new(
                ErrorCode::OperationDenied,
                format!("employee {operator} lacks the {permission:?} permission"),
            ));
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
        Ok(Acting {
            employee,
            organization,
        })
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
