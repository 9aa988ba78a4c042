//! DescribeFileCounterSignResult: the state of a counter-signing task.

use serde::{Deserialize, Serialize};

use super::{operator, required};
use crate::Service;
use crate::action::Action;
use crate::api::{Agent, UserInfo};
use crate::error::ApiError;
use crate::store::TaskStatus;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeFileCounterSignResultRequest {
    pub operator: Option<UserInfo>,
    pub agent: Option<Agent>,
    pub task_id: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeFileCounterSignResultResponse {
    pub status: String,
    pub result_file_id: String,
    pub error_detail: String,
}

pub(super) fn describe_file_counter_sign_result(
    service: &Service,
    credential_org: &str,
    request: DescribeFileCounterSignResultRequest,
) -> Result<DescribeFileCounterSignResultResponse, ApiError> {
    let core = &service.core;
    let acting = core.directory.authorize(
        credential_org,
        operator(request.operator.as_ref()),
        request.agent.as_ref(),
        Action::DescribeFileCounterSignResult.permission(),
    )?;
    let task_id = required(request.task_id.as_ref(), "TaskId")?;
    let task = core
        .metadata
        .task(task_id)?
        .ok_or_else(|| ApiError::not_found(format!("task {task_id} not found")))?;
    acting.check_owner(&task.organization, &format!("task {task_id}"))?;
    let finished = task.status == TaskStatus::Finished;
    Ok(DescribeFileCounterSignResultResponse {
        status: task.status.as_str().into(),
        result_file_id: if finished {
            task.result_file_id
        } else {
            String::new()
        },
        error_detail: task.error_detail,
    })
}
