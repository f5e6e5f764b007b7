//! The retry policy's rules, case by case (`retry_properties.rs` holds its
//! promises over arbitrary attempts). See `crates/core/src/retry.rs`.
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, StatusCode};
use std::sync::atomic::{AtomicU32, Ordering};
use twilio_accounts_core::retry::retry_after;
use twilio_accounts_core::{
    Attempt, AttemptOutcome, Delivery, Idempotency, Jitter, RetryDecision, RetryPolicy,
    RetryVerdict, StopReason, twilio_code,
};

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
