//! Bytes of request bodies held in memory, counted as they arrive (never by the length a client
//! announces, which costs it nothing), in separate pools: one per organisation for TC3 requests
//! whose headers name one of its SecretIds, and one for requests with no `Authorization` header,
//! which are read before anything is known of their sender. Taking never waits: a request whose
//! next bytes do not fit is refused, so requests holding part of a pool cannot wait on each other.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// One pool of bytes.
#[derive(Debug)]
pub(super) struct Budget {
    max: u64,
    used: AtomicU64,
}

impl Budget {
    pub(super) fn new(max: u64) -> Arc<Self> {
        Arc::new(Self {
            max,
            used: AtomicU64::new(0),
        })
    }

    pub(super) fn max(&self) -> u64 {
        self.max
    }

    /// An empty hold on this pool, grown as the body arrives.
    pub(super) fn hold(self: &Arc<Self>) -> Hold {
        Hold {
            budget: Arc::clone(self),
            bytes: 0,
        }
    }

    fn try_take(&self, bytes: u64) -> bool {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(bytes).filter(|total| *total <= self.max)
            })
            .is_ok()
    }
}

/// Bytes taken from a [`Budget`], given back when dropped.
#[derive(Debug)]
pub(super) struct Hold {
    budget: Arc<Budget>,
    bytes: u64,
}

impl Hold {
    /// Grows the hold to `total` bytes; `false` (and unchanged) when the pool has no room.
    pub(super) fn grow_to(&mut self, total: u64) -> bool {
        let more = total.saturating_sub(self.bytes);
        if more == 0 {
            return true;
        }
        if !self.budget.try_take(more) {
            return false;
        }
        self.bytes = total;
        true
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        self.budget.used.fetch_sub(self.bytes, Ordering::AcqRel);
    }
}

/// The pools of one server.
#[derive(Debug)]
pub(super) struct Budgets {
    per_organization: u64,
    organizations: Mutex<HashMap<String, Arc<Budget>>>,
    unauthenticated: Arc<Budget>,
}

impl Budgets {
    pub(super) fn new(per_organization: u64, unauthenticated: u64) -> Self {
        Self {
            per_organization,
            organizations: Mutex::new(HashMap::new()),
            unauthenticated: Budget::new(unauthenticated),
        }
    }

    /// The pool of `organization` (a configured one: ids come from known SecretIds only).
    pub(super) fn of_organization(&self, organization: &str) -> Arc<Budget> {
        let mut pools = self
            .organizations
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        Arc::clone(
            pools
                .entry(organization.to_owned())
                .or_insert_with(|| Budget::new(self.per_organization)),
        )
    }

    /// The pool of requests with no `Authorization` header.
    pub(super) fn unauthenticated(&self) -> Arc<Budget> {
        Arc::clone(&self.unauthenticated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_grow_within_their_pool_and_give_back_on_drop() {
        let budgets = Budgets::new(100, 10);
        let mut first = budgets.of_organization("a").hold();
        assert!(first.grow_to(60));
        let mut second = budgets.of_organization("a").hold();
        assert!(!second.grow_to(41)); // 60 + 41 > 100: refused, nothing taken
        assert!(second.grow_to(40));
        // Another organisation's pool and the unauthenticated one are untouched.
        assert!(budgets.of_organization("b").hold().grow_to(100));
        let mut anonymous = budgets.unauthenticated().hold();
        assert!(anonymous.grow_to(10));
        assert!(!budgets.unauthenticated().hold().grow_to(1));
        drop(first);
        assert!(second.grow_to(100));
        assert!(second.grow_to(50)); // never shrinks while held
        drop(second);
        assert!(budgets.of_organization("a").hold().grow_to(100));
        drop(anonymous);
        assert!(budgets.unauthenticated().hold().grow_to(10));
    }
}
