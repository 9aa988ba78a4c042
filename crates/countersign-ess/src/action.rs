//! The ESS actions this service answers and what each one needs: a permission, a rate-limit
//! bucket, and whether a replayed signature may run it again.

use std::fmt;

use serde::Deserialize;

/// What an employee may do.
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// use countersign_ess::config::{Permission, ServiceConfig};
///
/// let employees = r#"
///     [[organizations]]
///     id = "org"
///     credential = { key = "signer.key.pem", certificates = "signer.chain.pem" }
///     [[employees]]
///     user_id = "auditor"
///     organization = "org"
///     permissions = ["verify", "download"]
/// "#;
/// let config = ServiceConfig::from_toml(employees, Path::new("."))?;
/// assert_eq!(config.employees[0].permissions, [Permission::Verify, Permission::Download]);
/// let unknown = employees.replace(r#""verify""#, r#""everything""#);
/// assert!(ServiceConfig::from_toml(&unknown, Path::new(".")).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Permission {
    /// UploadFiles.
    Upload,
    /// CreateFileCounterSign and DescribeFileCounterSignResult.
    CounterSign,
    /// VerifyDigitFile.
    Verify,
    /// DescribeFileUrls.
    Download,
}

/// One ESS action, as `X-TC-Action` (or the v1 `Action` parameter) names it. Every action signs
/// under the one credential scope service `ess` ([`super::SERVICE_NAME`]); what tells them apart
/// is the employee's [`Permission`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Action {
    UploadFiles,
    CreateFileCounterSign,
    DescribeFileCounterSignResult,
    DescribeFileUrls,
    VerifyDigitFile,
}

impl Action {
    pub const ALL: [Self; 5] = [
        Self::UploadFiles,
        Self::CreateFileCounterSign,
        Self::DescribeFileCounterSignResult,
        Self::DescribeFileUrls,
        Self::VerifyDigitFile,
    ];

    /// The action named `name`, spelt exactly as ESS does (the real API is case-sensitive too).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::UploadFiles => "UploadFiles",
            Self::CreateFileCounterSign => "CreateFileCounterSign",
            Self::DescribeFileCounterSignResult => "DescribeFileCounterSignResult",
            Self::DescribeFileUrls => "DescribeFileUrls",
            Self::VerifyDigitFile => "VerifyDigitFile",
        }
    }

    /// What the acting employee must be granted.
    pub fn permission(self) -> Permission {
        match self {
            Self::UploadFiles => Permission::Upload,
            Self::CreateFileCounterSign | Self::DescribeFileCounterSignResult => {
                Permission::CounterSign
            }
            Self::DescribeFileUrls => Permission::Download,
            Self::VerifyDigitFile => Permission::Verify,
        }
    }

    /// Whether running it twice does something twice (stores a file, charges a signature): its
    /// signature is then refused when it comes again, even under the same action.
    pub fn changes_state(self) -> bool {
        matches!(self, Self::UploadFiles | Self::CreateFileCounterSign)
    }

    /// Its key in `[rate_limits]` and of its token buckets (also those kept in a shared store):
    /// its name, so that a configuration reads like the API.
    pub fn rate_limit_key(self) -> &'static str {
        self.as_str()
    }

    /// The action whose [`Action::rate_limit_key`] is `key`.
    pub fn from_rate_limit_key(key: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|action| action.rate_limit_key() == key)
    }

    /// Every valid `[rate_limits]` key, for messages.
    pub fn rate_limit_keys() -> Vec<&'static str> {
        Self::ALL.into_iter().map(Self::rate_limit_key).collect()
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_only_exact_names_parse() {
        for action in Action::ALL {
            assert_eq!(Action::from_name(action.as_str()), Some(action));
            assert_eq!(
                Action::from_rate_limit_key(action.rate_limit_key()),
                Some(action)
            );
        }
        assert_eq!(Action::from_name("verifydigitfile"), None);
        assert_eq!(Action::from_name("CreateFlowByFiles"), None);
        assert_eq!(Action::from_name(""), None);
    }

    #[test]
    fn only_uploads_and_signing_change_state() {
        let changing: Vec<Action> = Action::ALL
            .into_iter()
            .filter(|action| action.changes_state())
            .collect();
        assert_eq!(
            changing,
            [Action::UploadFiles, Action::CreateFileCounterSign]
        );
    }
}
