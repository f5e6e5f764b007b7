//! The retry policy's promises, over arbitrary attempts.

use std::time::Duration;

use http::StatusCode;
use proptest::prelude::*;
use twilio_accounts_core::{
    Attempt, AttemptOutcome, Delivery, Idempotency, RetryDecision, RetryPolicy,
};

fn outcome() -> impl Strategy<Value = AttemptOutcome> {
    prop_oneof![
        (
            100u16..=599,
            proptest::option::of(0u64..120),
            proptest::option::of(prop_oneof![Just(20429u32), 20000u32..30000]),
        )
            .prop_map(|(status, after, code)| AttemptOutcome::Response {
                status: StatusCode::from_u16(status).unwrap(),
                retry_after: after.map(Duration::from_secs),
                code,
            }),
        prop_oneof![Just(Delivery::NotSent), Just(Delivery::MaybeSent)]
            .prop_map(|delivery| AttemptOutcome::TransportFailure { delivery }),
    ]
}

fn policy() -> impl Strategy<Value = RetryPolicy> {
    (1u32..10, 0u64..2000, 0u64..20_000, 0u64..60, 0u64..120).prop_map(
        |(attempts, base, max, after, total)| RetryPolicy {
            max_attempts: attempts,
            base_delay: Duration::from_millis(base),
            max_delay: Duration::from_millis(max),
            max_retry_after: Duration::from_secs(after),
            max_total_delay: Duration::from_secs(total),
            ..RetryPolicy::default()
        },
    )
}

proptest! {
    #[test]
    fn never_repeats_a_non_idempotent_request_that_may_have_arrived(
        policy in policy(),
        number in 1u32..12,
        delayed in 0u64..100,
        outcome in outcome(),
        random in any::<f64>(),
    ) {
        let attempt = Attempt {
            operation: "UpdateAuthTokenPromotion",
            idempotency: Idempotency::NotIdempotent,
            number,
            delayed_so_far: Duration::from_secs(delayed),
            outcome,
        };
        if let RetryDecision::RetryAfter(_) = policy.decide(&attempt, random) {
            // Only two things allow resending a promote or a create: the
            // request certainly never left, or Twilio itself said 429 with
            // its code 20429 (not processed).
            let allowed = match outcome {
                AttemptOutcome::TransportFailure { delivery } => delivery == Delivery::NotSent,
                AttemptOutcome::Response { status, code, .. } => {
                    status == StatusCode::TOO_MANY_REQUESTS && code == Some(20429)
                }
            };
            prop_assert!(allowed, "{:?}", outcome);
        }
    }

    #[test]
    fn never_exceeds_the_caps(
        policy in policy(),
        idempotent in any::<bool>(),
        number in 1u32..12,
        delayed in 0u64..100,
        outcome in outcome(),
        random in any::<f64>(),
    ) {
        let attempt = Attempt {
            operation: "test",
            idempotency: if idempotent { Idempotency::Idempotent } else { Idempotency::NotIdempotent },
            number,
            delayed_so_far: Duration::from_secs(delayed),
            outcome,
        };
        if let RetryDecision::RetryAfter(delay) = policy.decide(&attempt, random) {
            prop_assert!(number < policy.max_attempts);
            prop_assert!(attempt.delayed_so_far + delay <= policy.max_total_delay);
            let from_server = matches!(outcome, AttemptOutcome::Response { retry_after: Some(_), .. });
            if from_server {
                prop_assert!(delay <= policy.max_retry_after);
            } else {
                prop_assert!(delay <= policy.max_delay);
            }
        }
    }

    #[test]
    fn a_whole_call_is_bounded(policy in policy(), seed in any::<u64>()) {
        // Drive the real loop with a transport that always fails before
        // sending: the number of attempts and the total sleep stay bounded.
        use twilio_accounts_core::*;
        let context = RequestContext::new(
            Credentials::auth_token(
                "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap(),
                AuthToken::new("x").unwrap(),
            ),
            Endpoint::default(),
        );
        let calls = std::cell::Cell::new(0u32);
        let transport = |_r: http::Request<Vec<u8>>| {
            calls.set(calls.get() + 1);
            Err(TransportError::new(TransportErrorKind::Connect, Delivery::NotSent, "refused"))
        };
        let mut slept = Duration::ZERO;
        let err = send_blocking(&context, &PromoteAuthToken::new(), &policy, seed, &transport, |d| slept += d)
            .unwrap_err();
        prop_assert!(matches!(err, Error::Transport(_)));
        prop_assert!(calls.get() >= 1 && calls.get() <= policy.max_attempts);
        prop_assert!(slept <= policy.max_total_delay);
    }
}
