//! Per-organisation, per-action request rate limits: one token bucket per (organisation, action).
//!
//! A bucket holds at most `rate` tokens (one second of burst) and refills continuously at `rate`
//! tokens per second; a request takes one token or is refused with `RequestLimitExceeded`.
//!
//! With a store that keeps shared buckets (PostgreSQL), the buckets live there, so that the limit
//! holds for all replicas together; otherwise they live in this process's memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::action::Action;
use super::store::MetadataStore;

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last_refill: Instant,
}

/// Token buckets keyed by organisation and action; `limit_of` gives an action's rate.
pub struct RateLimiter {
    limit_of: Box<dyn Fn(Action) -> u32 + Send + Sync>,
    buckets: Mutex<HashMap<(String, Action), Bucket>>,
    shared: Option<Arc<dyn MetadataStore>>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter").finish_non_exhaustive()
    }
}

impl RateLimiter {
    pub fn new(limit_of: impl Fn(Action) -> u32 + Send + Sync + 'static) -> Self {
        Self {
            limit_of: Box::new(limit_of),
            buckets: Mutex::new(HashMap::new()),
            shared: None,
        }
    }

    /// A limiter that keeps its buckets in `store` when the store can share them.
    pub fn with_store(
        limit_of: impl Fn(Action) -> u32 + Send + Sync + 'static,
        store: Arc<dyn MetadataStore>,
    ) -> Self {
        Self {
            shared: Some(store),
            ..Self::new(limit_of)
        }
    }

    /// Takes a token for `action` by `organization` now; false when the bucket is empty.
    pub fn try_acquire(&self, organization: &str, action: Action) -> bool {
        if let Some(store) = &self.shared {
            let rate = (self.limit_of)(action).max(1);
            match store.take_rate_token(organization, action.rate_limit_key(), rate) {
                Ok(Some(granted)) => return granted,
                Ok(None) => {}
                // Unreachable shared store: refuse rather than let every replica grant the rate.
                Err(_) => return false,
            }
        }
        self.try_acquire_at(organization, action, Instant::now())
    }

    /// [`RateLimiter::try_acquire`] at a given instant (for tests).
    pub fn try_acquire_at(&self, organization: &str, action: Action, now: Instant) -> bool {
        let rate = f64::from((self.limit_of)(action).max(1));
        // A poisoned lock only means another request panicked mid-update; the counts stay usable.
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let bucket = buckets
            .entry((organization.to_owned(), action))
            .or_insert(Bucket {
                tokens: rate,
                last_refill: now,
            });
        let elapsed = now
            .saturating_duration_since(bucket.last_refill)
            .as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(rate);
        bucket.last_refill = bucket.last_refill.max(now);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn allows_the_rate_then_refuses_then_refills() {
        let limiter = RateLimiter::new(|action| match action {
            Action::VerifyDigitFile => 2,
            _ => 20,
        });
        let start = Instant::now();
        let granted = (0..30)
            .filter(|_| limiter.try_acquire_at("org", Action::UploadFiles, start))
            .count();
        assert_eq!(granted, 20);
        // Half a second refills half the bucket.
        let later = start + Duration::from_millis(500);
        let granted = (0..30)
            .filter(|_| limiter.try_acquire_at("org", Action::UploadFiles, later))
            .count();
        assert_eq!(granted, 10);
        // Buckets are separate per organisation and per action, with per-action rates.
        assert!(limiter.try_acquire_at("other", Action::UploadFiles, later));
        assert!(limiter.try_acquire_at("org", Action::VerifyDigitFile, later));
        assert!(limiter.try_acquire_at("org", Action::VerifyDigitFile, later));
        assert!(!limiter.try_acquire_at("org", Action::VerifyDigitFile, later));
        // A long pause does not bank more than one second of burst.
        let much_later = later + Duration::from_secs(60);
        let granted = (0..30)
            .filter(|_| limiter.try_acquire_at("org", Action::UploadFiles, much_later))
            .count();
        assert_eq!(granted, 20);
    }
}
