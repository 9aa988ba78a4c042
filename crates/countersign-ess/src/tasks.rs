//! Running counter-signing tasks: the idempotent task step and the worker pool.
//!
//! Crash safety rests on four facts: a task is committed (with its quota charge) before its
//! TaskId is returned; every run of a task is a claim in the store (attempt counter + lease), so a
//! task whose runner died is claimed again once its lease expires, by this process or another
//! replica; a task that used all its attempts is marked FAILED rather than retried forever; and a
//! task's result goes to a file id derived from the task id, written atomically, so a re-run either
//! finds the complete result of an earlier run (and only records it) or writes the one and only
//! result, and only the first run to finish records it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::Core;
use super::clock::unix_now;
use super::error::ApiError;
use super::memory::Reservation;
use super::store::{FileKind, FileRecord, TaskRecord};

/// The shortest interval between two renewals of a lease (leases of a second or two, in tests).
const MIN_HEARTBEAT_MILLIS: u64 = 100;

impl Core {
    /// Claims task `task_id` and runs it, unless it is done or another run holds its lease.
    fn claim_and_run(&self, task_id: &str) -> Result<(), ApiError> {
        if let Some(task) = self
            .metadata
            .claim_task(task_id, self.clock.now(), &self.claims)?
        {
            self.run_claimed(&task, None)?;
        }
        Ok(())
    }

    /// Claims the oldest free task (new, or abandoned by a dead runner) and runs it; false when
    /// there was none.
    fn claim_next_and_run(&self) -> Result<bool, ApiError> {
        match self.metadata.claim_next(self.clock.now(), &self.claims)? {
            Some(task) => {
                // Its failure is recorded on the task; the worker just goes on.
                let _ = self.run_claimed(&task, None);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Runs a task this caller holds the claim of to FINISHED or FAILED (a task that is neither
    /// any more is left as it is). `Err` carries the failure (already recorded) so that
    /// synchronous callers can answer with its code; a store failure leaves the task PROCESSING
    /// for the next claim. `room`: the document memory a synchronous caller reserved; without
    /// it the run waits for room (after its lease heartbeat started).
    pub(crate) fn run_claimed(
        &self,
        task: &TaskRecord,
        room: Option<Reservation<'_>>,
    ) -> Result<TaskRecord, ApiError> {
        match self.produce_result_keeping_lease(task, room) {
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
            .task(&task.id)?
            .ok_or_else(|| ApiError::internal(format!("task {} vanished", task.id)))
    }

    /// [`Core::produce_result`] while a heartbeat thread renews the run's lease, so that a run
    /// longer than the lease (a slow signer, a large file) is not taken over by another worker
    /// while it is alive. The heartbeat stops when the run ends, even by a panic, or when the
    /// claim was lost; a run whose process dies stops renewing, and its task is taken over once
    /// the last renewal expires.
    fn produce_result_keeping_lease(
        &self,
        task: &TaskRecord,
        room: Option<Reservation<'_>>,
    ) -> Result<FileRecord, ApiError> {
        let (stop, stopped) = mpsc::channel::<()>();
        std::thread::scope(|scope| {
            let heartbeat = std::thread::Builder::new()
                .name("countersign-lease".into())
                .spawn_scoped(scope, move || self.renew_lease_until(task, &stopped));
            // Without a heartbeat (no thread to be had) the run goes on; a run taken over after
            // its lease still records one result (see put_new below).
            let _ = heartbeat;
            // Moved in, so that an unwinding run drops it too and the heartbeat ends.
            let stop = stop;
            let outcome = self.produce_result(task, room);
            drop(stop);
            outcome
        })
    }

    /// Renews `task`'s lease every third of the lease until `stopped` disconnects or the claim is
    /// lost. A store error is retried at the next beat: the lease has two more beats to go.
    fn renew_lease_until(&self, task: &TaskRecord, stopped: &Receiver<()>) {
        let lease_millis = u64::try_from(self.claims.lease_seconds)
            .unwrap_or(0)
            .saturating_mul(1000);
        let beat = Duration::from_millis((lease_millis / 3).max(MIN_HEARTBEAT_MILLIS));
        while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(beat) {
            let until = self.clock.now().saturating_add(self.claims.lease_seconds);
            if let Ok(false) = self.metadata.renew_lease(&task.id, task.attempts, until) {
                return;
            }
        }
    }

    fn produce_result(
        &self,
        task: &TaskRecord,
        room: Option<Reservation<'_>>,
    ) -> Result<FileRecord, ApiError> {
        let source = self.metadata.file(&task.file_id, i64::MIN)?;
        let _room = match room {
            Some(room) => room,
            None => self
                .memory
                .reserve_waiting(source.as_ref().map_or(0, |file| file.size)),
        };
        let name = source
            .as_ref()
            .map(|file| signed_name(&file.name))
            .unwrap_or_else(|| "signed.pdf".to_owned());
        let record = |size: usize| {
            let created_at = unix_now();
            FileRecord {
                id: task.result_file_id.clone(),
                organization: task.organization.clone(),
                name: name.clone(),
                size: u64::try_from(size).unwrap_or(u64::MAX),
                kind: FileKind::Result,
                created_at,
                expires_at: Some(
                    created_at.saturating_add(i64::from(self.retention.result_seconds)),
                ),
            }
        };
        // An earlier run may have written the result and died before recording it.
        if let Some(existing) = self.blobs.get(&task.result_file_id)?
            && self
                .engine
                .verify(&existing, &self.trust_roots)
                .is_ok_and(|report| report.all_valid())
        {
            return Ok(record(existing.len()));
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
        if !organization.allow_broken_signatures {
            self.refuse_invalid_signatures(&pdf)?;
        }
        let signed = self
            .engine
            .sign_at(&pdf, &organization.key, &organization.signing)?;
        // Two runs of one task (the first one's lease expired while it was still signing) both get
        // here: the first result stored is the one and only result, the other run records it.
        if !self.blobs.put_new(&task.result_file_id, &signed)? {
            let existing = self.blobs.get(&task.result_file_id)?.ok_or_else(|| {
                ApiError::internal(format!("result {} vanished", task.result_file_id))
            })?;
            return Ok(record(existing.len()));
        }
        Ok(record(signed.len()))
    }
}

impl Core {
    /// Refuses to counter-sign over a signature that is broken or followed by changes the
    /// document does not allow: the organisation's signature would vouch for the tampering.
    /// Integrity only (no trust roots: a signer this service does not know is no tampering),
    /// through the engine, so a stand-in engine decides what a signature is.
    fn refuse_invalid_signatures(&self, pdf: &[u8]) -> Result<(), ApiError> {
        let report = self.engine.verify(pdf, &[])?;
        report.require_intact_signatures().map_err(|error| {
            let zh = format!(
                "操作失败（文件已有的签名无效或签署后被篡改，拒绝加签：{}）",
                countersign::error::ErrorReport::new(&error)
            );
            ApiError::from(error).zh(zh)
        })
    }
}

fn signed_name(name: &str) -> String {
    let stem = name
        .strip_suffix(".pdf")
        .or_else(|| name.strip_suffix(".PDF"))
        .unwrap_or(name);
    format!("{stem}-countersigned.pdf")
}

/// Threads that run tasks: those this process accepted (sent through a queue, so they start at
/// once) and, whenever idle, any free task in the store (new ones accepted by other replicas, and
/// those whose runner died).
pub(crate) struct WorkerPool {
    sender: Option<Sender<String>>,
    stopping: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
}

impl WorkerPool {
    /// `poll`: how long an idle worker waits before looking for free tasks in the store.
    pub(crate) fn start(core: Arc<Core>, count: usize, poll: Duration) -> std::io::Result<Self> {
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
                .spawn(move || work(&core, &receiver, &stopping, poll))?;
            pool.workers.push(worker);
        }
        Ok(pool)
    }

    /// Queues a task. Tasks not run before shutdown stay PROCESSING in the store and are claimed
    /// by the next worker that looks for free tasks, here or on another replica.
    pub(crate) fn submit(&self, task_id: String) {
        if let Some(sender) = &self.sender {
            // Fails only when every worker has exited, i.e. during shutdown: see above.
            let _ = sender.send(task_id);
        }
    }
}

fn work(core: &Core, receiver: &Mutex<Receiver<String>>, stopping: &AtomicBool, poll: Duration) {
    loop {
        let next = {
            let receiver = receiver.lock().unwrap_or_else(|poison| poison.into_inner());
            receiver.recv_timeout(poll)
        };
        if stopping.load(Ordering::SeqCst) {
            return;
        }
        match next {
            // Failures are recorded on the task; nothing more to do with them here.
            Ok(task_id) => {
                let _ = core.claim_and_run(&task_id);
            }
            Err(RecvTimeoutError::Timeout) => {
                // Drain the free tasks, then wait again; a store error waits one poll period.
                while !stopping.load(Ordering::SeqCst) && core.claim_next_and_run().unwrap_or(false)
                {
                }
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
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
