//! The periodic deletion of expired files: their records, then their bytes.
//!
//! Expiry itself needs no sweep (an expired file is invisible at once); the sweep only frees the
//! space, on a timer, so that the disk does not wait for the next upload to be cleaned. Every
//! replica sweeps; the store hands each expired record to one of them.

use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use super::Core;
use super::clock::unix_now;
use super::error::StoreError;

impl Core {
    /// Deletes the files expired at `now` that no PROCESSING task needs (the store keeps those,
    /// see [`FileStore::remove_expired_files`](super::store::FileStore::remove_expired_files));
    /// returns how many. Every blob is tried; the first failure is returned after the rest.
    pub(crate) fn sweep_expired(&self, now: i64) -> Result<usize, StoreError> {
        let expired = self.metadata.remove_expired_files(now)?;
        let mut first_error = None;
        for id in &expired {
            if let Err(error) = self.blobs.delete(id) {
                first_error.get_or_insert(error);
            }
        }
        first_error.map_or(Ok(expired.len()), Err)
    }
}

/// The thread that sweeps every `retention.sweep_interval_seconds`, from the start on; stops
/// (and is joined) when dropped.
pub(crate) struct Sweeper {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Sweeper {
    pub(crate) fn start(core: Arc<Core>, every: Duration) -> std::io::Result<Self> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("countersign-sweep".into())
            .spawn(move || {
                loop {
                    // A store that fails now is tried again at the next interval.
                    let _ = core.sweep_expired(unix_now());
                    match stopped.recv_timeout(every) {
                        Err(RecvTimeoutError::Timeout) => {}
                        Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
            })?;
        Ok(Self {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Sweeper {
    fn drop(&mut self) {
        self.stop = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
