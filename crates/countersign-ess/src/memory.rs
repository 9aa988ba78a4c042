//! The service's budget of memory for documents being read. Every action that parses a PDF
//! (VerifyDigitFile, CreateFileCounterSign, the page sizes of DescribeFileUrls) reserves what
//! reading that file may hold at once before it loads it, so that concurrent requests on files
//! built to decode to a gigabyte wait, then are refused with `ResourceInsufficient`, instead of
//! driving the host into swap. Asynchronous tasks wait for room without a deadline.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use super::error::{ApiError, ErrorCode};

/// Bytes of documents being read, over all requests and workers.
#[derive(Debug)]
pub(crate) struct DocumentMemory {
    total: u64,
    wait: Duration,
    reserved: Mutex<u64>,
    freed: Condvar,
}

/// Room held for one document until dropped.
#[derive(Debug)]
pub(crate) struct Reservation<'m> {
    memory: &'m DocumentMemory,
    bytes: u64,
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        let mut reserved = self.memory.lock();
        *reserved = reserved.saturating_sub(self.bytes);
        drop(reserved);
        self.memory.freed.notify_all();
    }
}

/// What reading, and signing, a `file_len`-byte PDF may hold at once: the file, its signed
/// copy and the copy its streams are read into, the decoded object streams a document keeps
/// ([`countersign::Limits::max_held_decoded`]) and one more stream being decoded (its stream budget).
pub(crate) fn document_cost(file_len: u64) -> u64 {
    let limits = countersign::Limits::default();
    file_len
        .saturating_mul(3)
        .saturating_add(limits.max_held_decoded)
        .saturating_add(limits.stream_budget(file_len))
}

impl DocumentMemory {
    /// `total` bytes shared by all documents; a request waits at most `wait` for room.
    pub(crate) fn new(total: u64, wait: Duration) -> Self {
        Self {
            total,
            wait,
            reserved: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, u64> {
        self.reserved
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// What one `file_len`-byte document reserves: its cost, or the whole budget when that is
    /// less (such a document then runs alone).
    fn share(&self, file_len: u64) -> u64 {
        document_cost(file_len).min(self.total)
    }

    /// Room for a `file_len`-byte document, waiting at most the configured time for it, else
    /// `ResourceInsufficient`.
    pub(crate) fn reserve(&self, file_len: u64) -> Result<Reservation<'_>, ApiError> {
        let bytes = self.share(file_len);
        let deadline = Instant::now().checked_add(self.wait);
        let mut reserved = self.lock();
        loop {
            if reserved.saturating_add(bytes) <= self.total {
                *reserved = reserved.saturating_add(bytes);
                return Ok(Reservation {
                    memory: self,
                    bytes,
                });
            }
            let left = deadline
                .map(|d| d.saturating_duration_since(Instant::now()))
                .unwrap_or_default();
            if left.is_zero() {
                return Err(ApiError::new(
                    ErrorCode::ResourceInsufficient,
                    format!(
                        "the server is reading other documents: {} MiB of its {} MiB for documents \
                         are in use and this file needs {} MiB; try again later",
                        *reserved >> 20,
                        self.total >> 20,
                        bytes >> 20
                    ),
                ));
            }
            reserved = self
                .freed
                .wait_timeout(reserved, left)
                .unwrap_or_else(|poison| poison.into_inner())
                .0;
        }
    }

    /// Room for a `file_len`-byte document, waiting as long as it takes (asynchronous tasks:
    /// every holder finishes and frees its room).
    pub(crate) fn reserve_waiting(&self, file_len: u64) -> Reservation<'_> {
        let bytes = self.share(file_len);
        let mut reserved = self.lock();
        while reserved.saturating_add(bytes) > self.total {
            reserved = self
                .freed
                .wait(reserved)
                .unwrap_or_else(|poison| poison.into_inner());
        }
        *reserved = reserved.saturating_add(bytes);
        Reservation {
            memory: self,
            bytes,
        }
    }

    /// Bytes reserved now.
    #[cfg(test)]
    pub(crate) fn reserved(&self) -> u64 {
        *self.lock()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    #[test]
    fn a_document_costs_its_copies_and_what_its_streams_may_hold() {
        // 17 MB: 3 copies, 32 MiB held, one stream of 256 MiB being decoded.
        assert_eq!(document_cost(17 * MIB), 51 * MIB + 32 * MIB + 256 * MIB);
        assert_eq!(document_cost(100 * 1024), 300 * 1024 + 32 * MIB + 16 * MIB);
    }

    #[test]
    fn reservations_beyond_the_budget_are_refused_until_room_is_freed() {
        let memory = DocumentMemory::new(2 * document_cost(MIB), Duration::ZERO);
        let first = memory.reserve(MIB).unwrap();
        let second = memory.reserve(MIB).unwrap();
        let refused = memory.reserve(MIB).unwrap_err();
        assert_eq!(refused.code, ErrorCode::ResourceInsufficient);
        drop(first);
        let third = memory.reserve(MIB).unwrap();
        assert_eq!(memory.reserved(), 2 * document_cost(MIB));
        drop((second, third));
        assert_eq!(memory.reserved(), 0);
    }

    #[test]
    fn a_document_larger_than_the_budget_runs_alone() {
        let memory = DocumentMemory::new(64 * MIB, Duration::ZERO);
        let alone = memory.reserve(17 * MIB).unwrap();
        assert_eq!(memory.reserved(), 64 * MIB);
        assert!(memory.reserve(1).is_err());
        drop(alone);
        drop(memory.reserve_waiting(17 * MIB));
        assert_eq!(memory.reserved(), 0);
    }

    #[test]
    fn a_waiting_task_gets_room_when_a_holder_finishes() {
        let memory = DocumentMemory::new(document_cost(MIB), Duration::ZERO);
        let held = memory.reserve(MIB).unwrap();
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| drop(memory.reserve_waiting(MIB)));
            drop(held);
            waiter.join().unwrap();
        });
        assert_eq!(memory.reserved(), 0);
    }
}
