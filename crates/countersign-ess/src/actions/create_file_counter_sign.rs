//! CreateFileCounterSign: a task that counter-signs an uploaded file, run now (`SyncMode`) or by a
//! worker.

use serde::{Deserialize, Serialize};

use super::{Caller, file_bytes, looks_like_pdf};
use crate::Service;
use crate::action::Action;
use crate::api::{Agent, UserInfo};
use crate::clock::unix_now;
use crate::error::{ApiError, ErrorCode};
use crate::ids::{random_id, result_file_id};
use crate::params::lenient_bool;
use crate::store::{TaskRecord, TaskStatus};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateFileCounterSignRequest {
    pub file_id: Option<String>,
    pub operator: Option<UserInfo>,
    pub agent: Option<Agent>,
    #[serde(deserialize_with = "lenient_bool")]
    pub sync_mode: Option<bool>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct CreateFileCounterSignResponse {
    pub status: String,
    pub result_file_id: String,
    pub task_id: String,
}

pub(super) fn create_file_counter_sign(
    service: &Service,
    credential_org: &str,
    request: CreateFileCounterSignRequest,
) -> Result<CreateFileCounterSignResponse, ApiError> {
    let core = &service.core;
    let caller = Caller::of(
        credential_org,
        request.operator.as_ref(),
        request.agent.as_ref(),
    );
    let sync = request.sync_mode.unwrap_or(false);
    let (acting, file_id, file) = caller.own_file_record(
        service,
        request.file_id.as_ref(),
        Action::CreateFileCounterSign.permission(),
    )?;
    // Before the task is charged: a refusal for want of memory must not cost a signature.
    let room = sync.then(|| core.memory.reserve(file.size)).transpose()?;
    let pdf = file_bytes(service, file_id)?;
    if !looks_like_pdf(&pdf) {
        return Err(ApiError::invalid(format!("file {file_id} is not a PDF")));
    }
    let now = unix_now();
    drop(pdf);
    let task_id = random_id();
    let task = TaskRecord {
        result_file_id: result_file_id(&task_id),
        id: task_id,
        organization: acting.organization.id.clone(),
        file_id: file_id.to_owned(),
        status: TaskStatus::Processing,
        error_detail: String::new(),
        created_at: now,
        updated_at: now,
        // A synchronous task is created claimed by this request (its first attempt); an
        // asynchronous one is free for the first worker, here or on another replica.
        attempts: u32::from(sync),
        lease_until: sync.then(|| core.clock.now().saturating_add(core.claims.lease_seconds)),
    };
    if !core.metadata.create_task(&task)? {
        return Err(ApiError::new(
            ErrorCode::BalanceNotEnough,
            format!("organisation {} has no signatures left", task.organization),
        ));
    }
    // The task now keeps its file from the sweep; a sweep that ran between the check above and
    // the task took it already: give the task up (refunded) rather than fail it later.
    if core.metadata.file(file_id, i64::MIN)?.is_none() {
        let detail = format!("file {file_id} expired");
        core.metadata.fail_task(&task.id, &detail, now)?;
        return Err(ApiError::not_found(detail));
    }
    if sync {
        let done = core.run_claimed(&task, room)?;
        return Ok(CreateFileCounterSignResponse {
            status: done.status.as_str().into(),
            result_file_id: done.result_file_id,
            task_id: done.id,
        });
    }
    service.submit(task.id.clone());
    Ok(CreateFileCounterSignResponse {
        status: TaskStatus::Processing.as_str().into(),
        result_file_id: String::new(),
        task_id: task.id,
    })
}
