//! When to try again, as a pure function.
//!
//! [`RetryPolicy::decide`] takes what happened on an attempt and a random
//! number from the caller, and answers "retry after this delay" or "stop".
//! It reads no clock and draws no randomness, so it can be tested
//! exhaustively and behaves identically in every adapter.
//!
//! The rules, and why:
//! - **429 is retried**, a promote or a create only when the body is
//!   Twilio's own error 20429: Twilio documents that such a request was never
//!   processed, so even a promote may be resent. A 429 without that code may
//!   come from a gateway in front of Twilio that had already forwarded the
//!   request, so a non-idempotent operation is not resent then. A `Retry-After` header (in
//!   seconds) is honoured up to [`RetryPolicy::max_retry_after`]; a longer
//!   one stops, rather than retrying earlier than the server asked. An
//!   HTTP-date `Retry-After` is ignored (the core has no clock), which falls
//!   back to backoff.
//! - **Failures before the request was sent are retried** (connect refused,
//!   DNS, TLS handshake): nothing reached Twilio.
//! - **Idempotent operations** (GET, DELETE) are also retried on 5xx, 408 and
//!   on failures after the request may have been sent.
//! - **Promote and create-secondary are never retried once the request may
//!   have reached Twilio**: a second create would replace the first token
//!   (whose answer was lost), a second promote would fail or rotate twice.
//! - Backoff is capped exponential with full jitter:
//!   `random × min(max_delay, base_delay × 2^(attempt − 1))`.
//! - Attempts and the total delay are bounded; a hook may observe or veto
//!   every retry.
//!
//! ```
//! use std::time::Duration;
//! use twilio_accounts_core::{
//!     Attempt, AttemptOutcome, Delivery, Idempotency, RetryDecision, RetryPolicy, StopReason,
//! };
//!
//! let policy = RetryPolicy::default();
//! let lost_promote = Attempt {
//!     operation: "UpdateAuthTokenPromotion",
//!     idempotency: Idempotency::NotIdempotent,
//!     number: 1,
//!     delayed_so_far: Duration::ZERO,
//!     outcome: AttemptOutcome::TransportFailure { delivery: Delivery::MaybeSent },
//! };
//! assert_eq!(policy.decide(&lost_promote, 0.5), RetryDecision::Stop(StopReason::NotSafeToRepeat));
//!
//! let rate_limited = Attempt {
//!     outcome: AttemptOutcome::Response {
//!         status: http::StatusCode::TOO_MANY_REQUESTS,
//!         retry_after: Some(Duration::from_secs(2)),
//!         code: Some(20429),
//!     },
//!     ..lost_promote
//! };
//! assert_eq!(policy.decide(&rate_limited, 0.5), RetryDecision::RetryAfter(Duration::from_secs(2)));
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, StatusCode};

use crate::error::Delivery;

/// Whether repeating an operation is harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Idempotency {
    /// Sending it twice has the same effect as once (GET, DELETE).
    Idempotent,
    /// Sending it twice may change the account twice (promote, create).
    NotIdempotent,
}

/// What happened on one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The server answered with a non-success status.
    Response {
        /// The status.
        status: StatusCode,
        /// The `Retry-After` delay, when the header held a number of seconds.
        retry_after: Option<Duration>,
        /// Twilio's error code from the body (`{"code": 20429, …}`), when it
        /// had one ([`twilio_code`]).
        code: Option<u32>,
    },
    /// No answer: the transport failed.
    TransportFailure {
        /// Whether the request may have reached the server.
        delivery: Delivery,
    },
}

/// Everything [`RetryPolicy::decide`] looks at about an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    /// The operationId, e.g. `UpdateAuthTokenPromotion` (for hooks and logs).
    pub operation: &'static str,
    /// Whether the operation may be repeated.
    pub idempotency: Idempotency,
    /// Attempts made so far, including this one (1 after the first).
    pub number: u32,
    /// The sum of the delays already waited before this attempt.
    pub delayed_so_far: Duration,
    /// What happened.
    pub outcome: AttemptOutcome,
}

/// The policy's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Wait this long, then send again.
    RetryAfter(Duration),
    /// Do not send again; report the last outcome.
    Stop(StopReason),
}

/// Why the policy said stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopReason {
    /// The status is not one that a retry can fix (4xx other than 408/429).
    NotRetryable,
    /// The operation is not idempotent and the request may have been applied.
    NotSafeToRepeat,
    /// [`RetryPolicy::max_attempts`] reached.
    AttemptsExhausted,
    /// The next delay would exceed [`RetryPolicy::max_total_delay`].
    DelayBudgetExhausted,
    /// The server asked to wait longer than [`RetryPolicy::max_retry_after`].
    RetryAfterTooLong,
    /// The hook vetoed the retry.
    Vetoed,
}

/// The hook's answer about a planned retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryVerdict {
    /// Go ahead.
    Allow,
    /// Do not retry; report the last outcome.
    Veto,
}

/// A planned retry, shown to the hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedRetry {
    /// The attempt that just failed.
    pub attempt: Attempt,
    /// How long the caller will wait before the next attempt.
    pub delay: Duration,
}

/// A function that sees every planned retry and may veto it.
#[derive(Clone)]
pub struct RetryHook(Arc<dyn Fn(&PlannedRetry) -> RetryVerdict + Send + Sync>);

impl RetryHook {
    /// Wraps a function.
    pub fn new(hook: impl Fn(&PlannedRetry) -> RetryVerdict + Send + Sync + 'static) -> Self {
        RetryHook(Arc::new(hook))
    }
}

impl fmt::Debug for RetryHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RetryHook(Fn)")
    }
}

/// Bounds and backoff for retries. Cheap to clone.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Most attempts in all, the first included (1 disables retries).
    pub max_attempts: u32,
    /// The first backoff step.
    pub base_delay: Duration,
    /// The largest single backoff delay.
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured; a longer one stops.
    pub max_retry_after: Duration,
    /// The most time spent waiting across all retries of one call.
    pub max_total_delay: Duration,
    /// Sees every planned retry and may veto it (see [`RetryPolicy::with_hook`]).
    pub hook: Option<RetryHook>,
}

impl Default for RetryPolicy {
    /// 4 attempts, 250 ms base, 8 s cap per delay, `Retry-After` up to 30 s,
    /// 30 s of waiting in all.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(30),
            max_total_delay: Duration::from_secs(30),
            hook: None,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Adds a hook that sees every planned retry and may veto it (log it,
    /// count it, stop retrying on shutdown…).
    pub fn with_hook(
        mut self,
        hook: impl Fn(&PlannedRetry) -> RetryVerdict + Send + Sync + 'static,
    ) -> Self {
        self.hook = Some(RetryHook::new(hook));
        self
    }

    /// Decides what to do after a failed attempt. `random` is a number in
    /// `[0, 1)` from the caller, used for jitter (values outside are clamped).
    pub fn decide(&self, attempt: &Attempt, random: f64) -> RetryDecision {
        let idempotent = attempt.idempotency == Idempotency::Idempotent;
        let server_delay = match attempt.outcome {
            AttemptOutcome::Response {
                status,
                retry_after,
                code,
            } => {
                let not_processed = code == Some(crate::error::CODE_TOO_MANY_REQUESTS);
                let retryable = (status == StatusCode::TOO_MANY_REQUESTS
                    && (idempotent || not_processed))
                    || (idempotent
                        && (status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT));
                if !retryable {
                    return RetryDecision::Stop(if status.is_server_error() {
                        StopReason::NotSafeToRepeat
                    } else {
                        StopReason::NotRetryable
                    });
                }
                retry_after
            }
            AttemptOutcome::TransportFailure { delivery } => {
                if delivery == Delivery::MaybeSent && !idempotent {
                    return RetryDecision::Stop(StopReason::NotSafeToRepeat);
                }
                None
            }
        };
        if attempt.number >= self.max_attempts {
            return RetryDecision::Stop(StopReason::AttemptsExhausted);
        }
        let delay = match server_delay {
            Some(asked) if asked > self.max_retry_after => {
                return RetryDecision::Stop(StopReason::RetryAfterTooLong);
            }
            Some(asked) => asked,
            None => self.backoff(attempt.number, random),
        };
        if attempt.delayed_so_far.saturating_add(delay) > self.max_total_delay {
            return RetryDecision::Stop(StopReason::DelayBudgetExhausted);
        }
        if let Some(hook) = &self.hook {
            let planned = PlannedRetry {
                attempt: *attempt,
                delay,
            };
            if (hook.0)(&planned) == RetryVerdict::Veto {
                return RetryDecision::Stop(StopReason::Vetoed);
            }
        }
        RetryDecision::RetryAfter(delay)
    }

    /// Full-jitter backoff for the retry after attempt `number`.
    fn backoff(&self, number: u32, random: f64) -> Duration {
        let exponent = number.saturating_sub(1).min(31);
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        let random = if random.is_finite() {
            random.clamp(0.0, 1.0)
        } else {
            0.0
        };
        ceiling.mul_f64(random)
    }
}

/// Twilio's error code in an error body (`{"code": 20429, …}`), when the body
/// is a JSON object with a whole-number `code`. Anything else (an HTML page
/// from a gateway, no code) reads as `None`.
pub fn twilio_code(body: &[u8]) -> Option<u32> {
    #[derive(serde::Deserialize)]
    struct Code {
        code: Option<u32>,
    }
    serde_json::from_slice::<Code>(body).ok()?.code
}

/// The `Retry-After` header as a delay, when it holds a number of seconds.
///
/// The HTTP-date form needs a clock to interpret, and the core has none: it
/// reads as absent, and the policy falls back to backoff.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse::<u64>().ok().map(Duration::from_secs)
}

/// A small deterministic generator for jitter: the caller provides the seed
/// (from its own randomness), the core derives one number per retry.
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Jitter(seed)
    }

    /// The next number in `[0, 1)` (SplitMix64).
    pub fn next_unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}
