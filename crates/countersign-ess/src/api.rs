//! The models several ESS actions share, with the field names of the ESS models (version
//! 2020-11-11); each action's own request and response are in its module under `actions`.
//! Optional inputs are `Option` so that a missing required field becomes `MissingParameter`
//! rather than a JSON error; unknown fields are ignored like the real API does.

use serde::{Deserialize, Serialize};

/// `UserInfo`: the employee performing the call.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UserInfo {
    pub user_id: Option<String>,
}

/// `Agent`: a group main organisation acting for one of its sub-organisations.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Agent {
    pub proxy_organization_id: Option<String>,
}
