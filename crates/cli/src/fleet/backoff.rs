//! One backoff for the whole fleet: when Twilio answers 429 (too many
//! requests in flight), every worker waits, not only the one that was told.
//!
//! Twilio's concurrency limit counts the requests of an account in flight;
//! a fleet rotation authenticates as many accounts, but the limit can also be
//! the parent's (the 2010 reads) or a gateway's. The client's retry policy
//! already waits before retrying the refused request; its [`RetryHook`]
//! (see the core's `retry` module) reports that wait here, and each worker
//! waits out the latest such deadline before its next call.
//!
//! [`RetryHook`]: twilio_accounts_core::RetryHook

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use twilio_accounts_core::{AttemptOutcome, RetryPolicy, RetryVerdict};

/// The longest one shared wait lasts, whatever a `Retry-After` said (the
/// client's policy refuses longer ones anyway).
const MAX_SHARED_WAIT: Duration = Duration::from_secs(30);

/// The deadline before which no worker sends, and how many 429s set it.
#[derive(Debug, Default)]
pub struct SharedBackoff {
    until: Mutex<Option<Instant>>,
    rate_limited: AtomicU64,
}

impl SharedBackoff {
    pub fn new() -> Arc<Self> {
        Arc::new(SharedBackoff::default())
    }

    /// `base` with a hook that reports every retry after a 429 here.
    pub fn policy(self: &Arc<Self>, base: RetryPolicy) -> RetryPolicy {
        let shared = Arc::clone(self);
        base.with_hook(move |planned| {
            if let AttemptOutcome::Response { status, .. } = planned.attempt.outcome
                && status.as_u16() == 429
            {
                shared.rate_limited_for(planned.delay);
            }
            RetryVerdict::Allow
        })
    }

    /// A 429 asked to wait `delay`: nobody sends before it has passed.
    pub fn rate_limited_for(&self, delay: Duration) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
        let deadline = Instant::now() + delay.min(MAX_SHARED_WAIT);
        if let Ok(mut until) = self.until.lock() {
            *until = Some(until.map_or(deadline, |u| u.max(deadline)));
        }
    }

    /// Waits until the shared deadline has passed (at once when there is none).
    pub fn wait(&self) {
        let until = self.until.lock().ok().and_then(|u| *u);
        if let Some(until) = until {
            let left = until.saturating_duration_since(Instant::now());
            if !left.is_zero() {
                std::thread::sleep(left.min(MAX_SHARED_WAIT));
            }
        }
    }

    /// How many 429s were answered so far.
    pub fn rate_limited(&self) -> u64 {
        self.rate_limited.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_429_makes_every_caller_wait_until_the_latest_deadline() {
        let backoff = SharedBackoff::new();
        let start = Instant::now();
        backoff.wait();
        assert!(
            start.elapsed() < Duration::from_millis(50),
            "no deadline, no wait"
        );
        backoff.rate_limited_for(Duration::from_millis(150));
        backoff.rate_limited_for(Duration::from_millis(10));
        let start = Instant::now();
        backoff.wait();
        assert!(start.elapsed() >= Duration::from_millis(100));
        assert_eq!(backoff.rate_limited(), 2);
    }
}
