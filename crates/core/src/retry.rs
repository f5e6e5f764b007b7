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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn attempt(idempotency: Idempotency, number: u32, outcome: AttemptOutcome) -> Attempt {
        Attempt {
            operation: "test",
            idempotency,
            number,
            delayed_so_far: Duration::ZERO,
            outcome,
        }
    }

    fn status(code: u16) -> AttemptOutcome {
        AttemptOutcome::Response {
            status: StatusCode::from_u16(code).unwrap(),
            retry_after: None,
            code: (code == 429).then_some(20429),
        }
    }

    const MAYBE_SENT: AttemptOutcome = AttemptOutcome::TransportFailure {
        delivery: Delivery::MaybeSent,
    };
    const NOT_SENT: AttemptOutcome = AttemptOutcome::TransportFailure {
        delivery: Delivery::NotSent,
    };

    #[test]
    fn rate_limits_are_retried_even_for_promote() {
        let p = RetryPolicy::default();
        let d = p.decide(&attempt(Idempotency::NotIdempotent, 1, status(429)), 0.5);
        assert!(matches!(d, RetryDecision::RetryAfter(_)), "{d:?}");
    }

    #[test]
    fn a_429_that_is_not_twilios_20429_is_not_resent_for_promote() {
        let p = RetryPolicy::default();
        // (Twilio's code in the body, idempotent, retried)
        let cases = [
            (Some(20429), false, true),
            (None, false, false),
            (Some(20003), false, false),
            (None, true, true),
            (Some(20429), true, true),
        ];
        for (code, idempotent, retried) in cases {
            let outcome = AttemptOutcome::Response {
                status: StatusCode::TOO_MANY_REQUESTS,
                retry_after: None,
                code,
            };
            let idempotency = if idempotent {
                Idempotency::Idempotent
            } else {
                Idempotency::NotIdempotent
            };
            let d = p.decide(&attempt(idempotency, 1, outcome), 0.5);
            assert_eq!(
                matches!(d, RetryDecision::RetryAfter(_)),
                retried,
                "{code:?} {idempotent}: {d:?}"
            );
        }
    }

    #[test]
    fn twilios_code_is_read_from_a_json_error_body_only() {
        let cases: [(&[u8], Option<u32>); 5] = [
            (
                br#"{"code": 20429, "message": "Too Many Requests", "status": 429}"#,
                Some(20429),
            ),
            (br#"{"message": "no code"}"#, None),
            (b"<html>429 Too Many Requests</html>", None),
            (br#"{"code": "20429"}"#, None),
            (b"", None),
        ];
        for (body, expected) in cases {
            assert_eq!(
                twilio_code(body),
                expected,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let p = RetryPolicy::default();
        let with = |secs| AttemptOutcome::Response {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after: Some(Duration::from_secs(secs)),
            code: Some(20429),
        };
        assert_eq!(
            p.decide(&attempt(Idempotency::NotIdempotent, 1, with(3)), 0.9),
            RetryDecision::RetryAfter(Duration::from_secs(3))
        );
        // The cap itself is still honoured.
        assert_eq!(
            p.decide(&attempt(Idempotency::NotIdempotent, 1, with(30)), 0.9),
            RetryDecision::RetryAfter(Duration::from_secs(30))
        );
        assert_eq!(
            p.decide(&attempt(Idempotency::NotIdempotent, 1, with(31)), 0.9),
            RetryDecision::Stop(StopReason::RetryAfterTooLong)
        );
    }

    #[test]
    fn non_idempotent_operations_are_not_repeated_after_they_may_have_arrived() {
        let p = RetryPolicy::default();
        for outcome in [
            MAYBE_SENT,
            status(500),
            status(502),
            status(503),
            status(504),
        ] {
            assert_eq!(
                p.decide(&attempt(Idempotency::NotIdempotent, 1, outcome), 0.5),
                RetryDecision::Stop(StopReason::NotSafeToRepeat),
                "{outcome:?}"
            );
        }
    }

    #[test]
    fn failures_before_sending_are_retried_for_every_operation() {
        let p = RetryPolicy::default();
        for idempotency in [Idempotency::Idempotent, Idempotency::NotIdempotent] {
            assert!(matches!(
                p.decide(&attempt(idempotency, 1, NOT_SENT), 0.5),
                RetryDecision::RetryAfter(_)
            ));
        }
    }

    #[test]
    fn idempotent_operations_are_retried_on_5xx_408_and_resets() {
        let p = RetryPolicy::default();
        for outcome in [MAYBE_SENT, status(500), status(503), status(408)] {
            assert!(matches!(
                p.decide(&attempt(Idempotency::Idempotent, 1, outcome), 0.5),
                RetryDecision::RetryAfter(_)
            ));
        }
    }

    #[test]
    fn client_errors_are_not_retried() {
        let p = RetryPolicy::default();
        for code in [400, 401, 403, 404, 405, 409] {
            assert_eq!(
                p.decide(&attempt(Idempotency::Idempotent, 1, status(code)), 0.5),
                RetryDecision::Stop(StopReason::NotRetryable)
            );
        }
    }

    #[test]
    fn attempts_are_bounded() {
        let p = RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        };
        assert!(matches!(
            p.decide(&attempt(Idempotency::Idempotent, 2, status(429)), 0.5),
            RetryDecision::RetryAfter(_)
        ));
        assert_eq!(
            p.decide(&attempt(Idempotency::Idempotent, 3, status(429)), 0.5),
            RetryDecision::Stop(StopReason::AttemptsExhausted)
        );
        assert_eq!(
            RetryPolicy::never().decide(&attempt(Idempotency::Idempotent, 1, NOT_SENT), 0.5),
            RetryDecision::Stop(StopReason::AttemptsExhausted)
        );
    }

    #[test]
    fn the_total_delay_is_bounded() {
        let p = RetryPolicy::default();
        let mut a = attempt(
            Idempotency::Idempotent,
            1,
            AttemptOutcome::Response {
                status: StatusCode::TOO_MANY_REQUESTS,
                retry_after: Some(Duration::from_secs(10)),
                code: Some(20429),
            },
        );
        a.delayed_so_far = Duration::from_secs(25);
        assert_eq!(
            p.decide(&a, 0.5),
            RetryDecision::Stop(StopReason::DelayBudgetExhausted)
        );
        // Using up the budget exactly is allowed.
        a.delayed_so_far = Duration::from_secs(20);
        assert_eq!(
            p.decide(&a, 0.5),
            RetryDecision::RetryAfter(Duration::from_secs(10))
        );
    }

    #[test]
    fn backoff_is_full_jitter_under_an_exponential_cap() {
        let p = RetryPolicy::default();
        let delay = |n, r| match p.decide(&attempt(Idempotency::Idempotent, n, NOT_SENT), r) {
            RetryDecision::RetryAfter(d) => d,
            other => panic!("{other:?}"),
        };
        assert_eq!(delay(1, 0.0), Duration::ZERO);
        assert_eq!(delay(1, 1.0), Duration::from_millis(250));
        assert_eq!(delay(2, 1.0), Duration::from_millis(500));
        assert_eq!(delay(3, 0.5), Duration::from_millis(500));
        assert_eq!(delay(1, f64::NAN), Duration::ZERO);
        assert_eq!(delay(1, 7.0), Duration::from_millis(250));
        let many = RetryPolicy {
            max_attempts: 100,
            max_total_delay: Duration::from_secs(3600),
            ..RetryPolicy::default()
        };
        let RetryDecision::RetryAfter(d) =
            many.decide(&attempt(Idempotency::Idempotent, 60, NOT_SENT), 1.0)
        else {
            panic!()
        };
        assert_eq!(d, many.max_delay);
    }

    #[test]
    fn the_hook_sees_and_can_veto_retries() {
        let seen = Arc::new(AtomicU32::new(0));
        let counter = seen.clone();
        let p = RetryPolicy::default().with_hook(move |planned| {
            counter.fetch_add(1, Ordering::SeqCst);
            if planned.attempt.number >= 2 {
                RetryVerdict::Veto
            } else {
                RetryVerdict::Allow
            }
        });
        assert!(matches!(
            p.decide(&attempt(Idempotency::Idempotent, 1, NOT_SENT), 0.5),
            RetryDecision::RetryAfter(_)
        ));
        assert_eq!(
            p.decide(&attempt(Idempotency::Idempotent, 2, NOT_SENT), 0.5),
            RetryDecision::Stop(StopReason::Vetoed)
        );
        // Not consulted when the policy already stops.
        p.decide(&attempt(Idempotency::NotIdempotent, 1, MAYBE_SENT), 0.5);
        assert_eq!(seen.load(Ordering::SeqCst), 2);
        assert!(format!("{p:?}").contains("hook: Some"));
    }

    #[test]
    fn retry_after_header_reads_seconds_only() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert("retry-after", " 2 ".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        for bad in [
            "-1",
            "+5",
            "1.5",
            "Wed, 21 Oct 2015 07:28:00 GMT",
            "",
            "99999999999999999999999",
        ] {
            h.insert("retry-after", bad.parse().unwrap());
            assert_eq!(retry_after(&h), None, "{bad}");
        }
    }

    #[test]
    fn jitter_is_deterministic_and_in_range() {
        let mut a = Jitter::new(42);
        let mut b = Jitter::new(42);
        for _ in 0..1000 {
            let x = a.next_unit();
            assert_eq!(x, b.next_unit());
            assert!((0.0..1.0).contains(&x));
        }
        assert_ne!(Jitter::new(1).next_unit(), Jitter::new(2).next_unit());
    }
}
