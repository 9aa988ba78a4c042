//! Running counter-signing tasks: the idempotent task step and the worker pool.
//!
//! Crash safety rests on three facts: a task is committed (with its quota charge) before its
//! TaskId is returned; every task still PROCESSING at start-up is queued again; and a task's result
//! goes to a file id derived from the task id, written atomically, so a re-run either finds the
//! complete result of an earlier run (and only records it) or writes the one and only result.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::clock::unix_now;
use super::error::ApiError;
use super::store::{FileKind, FileRecord, TaskRecord, TaskStatus};
use super::Core;

impl Core {
    /// Runs one task to FINISHED or FAILED. `Err` carries the failure (already recorded) so that
    /// synchronous callers can answer with its code.
    pub(crate) fn run_task(&self, task_id: &str) -> Result<TaskRecord, ApiError> {
        let task = self
            .metadata
            .task(task_id)?
            .ok_or_else(|| ApiError::not_found(format!("task {task_id} not found")))?;
        if task.status != TaskStatus::Processing {
            return Ok(task);
        }
        match self.produce_result(&task) {
            Ok(result) => {
                self.metadata.finish_task(&task.id, &result, unix_now())?;
            }
            Err(error) => {
                self.metadata
                    .fail_task(&task.id, &error.message, unix_now())?;
                return Err(error);
            }
        }
        self.metadata
            .task(task_id)?
            .ok_or_else(|| ApiError::internal(format!("task {task_id} vanished")))
    }

    fn produce_result(&self, task: &TaskRecord) -> Result<FileRecord, ApiError> {
        let source = self.metadata.file(&task.file_id, i64::MIN)?;
        let name = source
            .as_ref()
            .map(|file| signed_name(&file.name))
            .unwrap_or_else(|| "signed.pdf".to_owned());
        let record = |size: usize| FileRecord {
            id: task.result_file_id.clone(),
            organization: task.organization.clone(),
            name: name.clone(),
            size: u64::try_from(size).unwrap_or(u64::MAX),
            kind: FileKind::Result,
            created_at: unix_now(),
            expires_at: None,
        };
        // An earlier run may have written the result and died before recording it.
        if let Some(existing) = self.blobs.get(&task.result_file_id)? {
            if self
                .engine
                .verify(&existing, &self.trust_roots)
                .is_ok_and(|report| report.all_valid())
            {
                return Ok(record(existing.len()));
            }
        }
        let organization = self
            .directory
            .organization(&task.organization)
            .ok_or_else(|| {
                ApiError::internal(format!(
                    "organisation {} is not configured",
                    task.organization
                ))
            })?;
        let pdf = self.blobs.get(&task.file_id)?.ok_or_else(|| {
            ApiError::not_found(format!("file {} no longer exists", task.file_id))
        })?;
        let signed = self.engine.sign(&pdf, &organization.key)?;
        self.blobs.put(&task.result_file_id, &signed)?;
        Ok(record(signed.len()))
    }
}

fn signed_name(name: &str) -> String {
    let stem = name
        .strip_suffix(".pdf")
        .or_else(|| name.strip_suffix(".PDF"))
        .unwrap_or(name);
    format!("{stem}-countersigned.pdf")
}

/// Threads that take task ids from a queue and run them.
pub(crate) struct WorkerPool {
    sender: Option<Sender<String>>,
    stopping: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
}

impl WorkerPool {
    pub(crate) fn start(core: Arc<Core>, count: usize) -> std::io::Result<Self> {
        let (sender, receiver) = mpsc::channel::<String>();
        let receiver = Arc::new(Mutex::new(receiver));
        let stopping = Arc::new(AtomicBool::new(false));
        let mut pool = Self {
            sender: Some(sender),
            stopping,
            workers: Vec::with_capacity(count),
        };
        for index in 0..count {
            let (core, receiver, stopping) = (
                Arc::clone(&core),
                Arc::clone(&receiver),
                Arc::clone(&pool.stopping),
            );
            // On error `pool` is dropped, which stops the workers already started.
            let worker = std::thread::Builder::new()
                .name(format!("countersign-worker-{index}"))
                .spawn(move || work(&core, &receiver, &stopping))?;
            pool.workers.push(worker);
        }
        Ok(pool)
    }

    /// Queues a task. Tasks not run before shutdown stay PROCESSING in the store and are queued
    /// again at the next start.
    pub(crate) fn submit(&self, task_id: String) {
        if let Some(sender) = &self.sender {
            // Fails only when every worker has exited, i.e. during shutdown: see above.
            let _ = sender.send(task_id);
        }
    }
}

fn work(core: &Core, receiver: &Mutex<Receiver<String>>, stopping: &AtomicBool) {
    loop {
        let next = {
            let receiver = receiver.lock().unwrap_or_else(|poison| poison.into_inner());
            receiver.recv()
        };
        let Ok(task_id) = next else { return };
        if stopping.load(Ordering::SeqCst) {
            return;
        }
        // Failures are recorded on the task; nothing more to do with them here.
        let _ = core.run_task(&task_id);
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.sender = None;
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}
