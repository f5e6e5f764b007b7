//! The HTTP adapters against the simulator, over real sockets on 127.0.0.1.
//!
//! Every scenario is written once, generic over [`Adapter`], and run four
//! times: ureq and hyper, each over plain HTTP and over TLS with the
//! simulator's generated CA. Names read `<scenario>::<adapter>_<wire>`.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use twilio_accounts_client::{CallOptions, ClientOptions};
use twilio_accounts_core::operations::{OPERATIONS, OperationVisitor, visit_operations};
use twilio_accounts_core::{
    BodyKind, CreateSecondaryAuthToken, DeleteSecondaryAuthToken, Delivery, Error,
    FetchCredentialPublicKey, ListCredentialPublicKeys, Operation, PromoteAuthToken, RetryPolicy,
    TransportErrorKind,
};
use twilio_accounts_sim::{Fault, Route};
use twilio_accounts_tests::adapters::{
    Adapter, Hyper, Ureq, Wire, credentials_for, credentials_with, options_for, simulator,
};

/// A call that must not retry.
fn once() -> CallOptions {
    CallOptions::new().with_retry_policy(RetryPolicy::never())
}

fn transport_error(err: &Error) -> &twilio_accounts_core::TransportError {
    match err {
        Error::Transport(t) => t,
        Error::OutcomeUnknown { source, .. } => source,
        other => panic!("expected a transport failure, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------

fn every_operation_succeeds<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    let client = A::for_sim(&sim);

    let page = client.send(&ListCredentialPublicKeys::new()).unwrap();
    assert_eq!(page.status, 200);
    assert_eq!(page.attempts, 1);
    assert!(page.request_id().is_some_and(|id| id.starts_with("RQ")));

    let created = client.send(&CreateSecondaryAuthToken::new()).unwrap();
    assert_eq!(created.status, 201);
    let secondary = created
        .value
        .secondary_auth_token
        .expose_secret()
        .to_owned();
    assert_eq!(sim.secondary_token().as_deref(), Some(secondary.as_str()));

    let promoted = client
        .send(&PromoteAuthToken::new().suppress_email_notification(true))
        .unwrap();
    assert_eq!(promoted.status, 200);
    assert_eq!(promoted.value.auth_token.expose_secret(), secondary);
    assert_eq!(sim.primary_token(), secondary);
    assert_eq!(sim.secondary_token(), None);

    // The old primary is gone; the new one works on the same pool.
    let rotated = client.with_credentials(credentials_with(&sim, &secondary));
    rotated.send(&CreateSecondaryAuthToken::new()).unwrap();
    let deleted = rotated.send(&DeleteSecondaryAuthToken::new()).unwrap();
    assert_eq!(deleted.status, 204);
    assert_eq!(sim.secondary_token(), None);
}

fn a_wrong_token_is_20003_and_not_retried<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    let client = A::build(
        credentials_with(&sim, "0000000000000000000000000000000f"),
        options_for(&sim),
    )
    .unwrap();
    let err = client.send(&ListCredentialPublicKeys::new()).unwrap_err();
    assert!(err.is_authentication_failed(), "{err:?}");
    assert_eq!(err.code(), Some(20003));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert!(err.request_id().is_some());
    assert_eq!(sim.requests(Route::ListPublicKeys), 1);
}

fn promote_without_a_secondary_is_a_typed_20404<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    let client = A::for_sim(&sim);
    let err = client.send(&PromoteAuthToken::new()).unwrap_err();
    assert!(err.is_nothing_to_promote(), "{err:?}");
    assert_eq!(err.code(), Some(20404));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(sim.requests(Route::Promote), 1);
}

fn a_429_is_retried_after_retry_after<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    let client = A::for_sim(&sim);
    client.send(&CreateSecondaryAuthToken::new()).unwrap();
    sim.set_fault(
        Route::Promote,
        Fault::RateLimited {
            retry_after: Some(1),
        },
        1,
    );
    let started = Instant::now();
    let promoted = client.send(&PromoteAuthToken::new()).unwrap();
    let waited = started.elapsed();
    assert_eq!(promoted.attempts, 2);
    assert_eq!(sim.requests(Route::Promote), 2);
    assert!(waited >= Duration::from_secs(1), "waited only {waited:?}");
}

fn a_5xx_with_html_on_promote_is_reported_not_retried<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    let client = A::for_sim(&sim);
    client.send(&CreateSecondaryAuthToken::new()).unwrap();
    sim.set_fault(Route::Promote, Fault::ServerError { status: 503 }, 1);
    let err = client.send(&PromoteAuthToken::new()).unwrap_err();
    match &err {
        Error::UnexpectedResponse(unexpected) => {
            assert_eq!(unexpected.status, 503);
            assert_eq!(unexpected.body, BodyKind::Html);
        }
        other => panic!("expected an unexpected response, got {other:?}"),
    }
    assert_eq!(sim.requests(Route::Promote), 1);
    assert!(sim.secondary_token().is_some(), "nothing was promoted");
}

fn an_idempotent_list_is_retried_after_a_5xx<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    let client = A::for_sim(&sim);
    sim.set_fault(Route::ListPublicKeys, Fault::ServerError { status: 502 }, 1);
    let page = client.send(&ListCredentialPublicKeys::new()).unwrap();
    assert_eq!(page.attempts, 2);
    assert_eq!(sim.requests(Route::ListPublicKeys), 2);
}

fn a_promote_dropped_after_it_was_applied_is_not_retried<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    let client = A::for_sim(&sim);
    client.send(&CreateSecondaryAuthToken::new()).unwrap();
    sim.set_fault(Route::Promote, Fault::ApplyThenClose, 1);
    let err = client.send(&PromoteAuthToken::new()).unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert!(err.to_string().contains("outcome is unknown"), "{err}");
    assert_eq!(transport_error(&err).delivery, Delivery::MaybeSent);
    assert_eq!(sim.requests(Route::Promote), 1, "sent exactly once");
    assert_eq!(sim.secondary_token(), None, "the simulator did apply it");
}

fn a_delete_closed_before_the_request_is_retried<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    let client = A::for_sim(&sim);
    client.send(&CreateSecondaryAuthToken::new()).unwrap();
    sim.set_fault(Route::DeleteSecondary, Fault::CloseBeforeRequest, 1);
    let deleted = client.send(&DeleteSecondaryAuthToken::new()).unwrap();
    assert_eq!(deleted.attempts, 2);
    assert_eq!(sim.requests(Route::DeleteSecondary), 2);
    assert_eq!(sim.secondary_token(), None);
}

fn a_delete_dropped_after_it_was_applied_is_retried<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    let client = A::for_sim(&sim);
    client.send(&CreateSecondaryAuthToken::new()).unwrap();
    sim.set_fault(Route::DeleteSecondary, Fault::ApplyThenClose, 1);
    let result = client.send(&DeleteSecondaryAuthToken::new());
    // The retry finds nothing left to delete: Twilio's 404 / 20404, which a
    // caller treats as done.
    let err = result.unwrap_err();
    assert_eq!(err.code(), Some(20404), "{err:?}");
    assert_eq!(sim.requests(Route::DeleteSecondary), 2);
    assert_eq!(sim.secondary_token(), None);
}

fn a_slow_answer_times_out<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    let client = A::for_sim(&sim);
    sim.set_fault(
        Route::ListPublicKeys,
        Fault::Delay(Duration::from_secs(3)),
        1,
    );
    let call = once().with_request_timeout(Duration::from_millis(300));
    let started = Instant::now();
    let err = client
        .send_with(&ListCredentialPublicKeys::new(), &call)
        .unwrap_err();
    let took = started.elapsed();
    let t = transport_error(&err);
    assert_eq!(t.kind, TransportErrorKind::Timeout, "{err:?}");
    assert_eq!(t.delivery, Delivery::MaybeSent);
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

fn a_slowly_dripped_body_times_out<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    let client = A::for_sim(&sim);
    sim.set_fault(
        Route::ListPublicKeys,
        Fault::SlowDrip {
            chunk: 1,
            interval: Duration::from_millis(100),
        },
        1,
    );
    let call = once().with_request_timeout(Duration::from_millis(400));
    let started = Instant::now();
    let err = client
        .send_with(&ListCredentialPublicKeys::new(), &call)
        .unwrap_err();
    assert_eq!(
        transport_error(&err).kind,
        TransportErrorKind::Timeout,
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

fn a_timed_out_promote_is_an_unknown_outcome<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    let client = A::for_sim(&sim);
    client.send(&CreateSecondaryAuthToken::new()).unwrap();
    sim.set_fault(Route::Promote, Fault::Delay(Duration::from_secs(2)), 1);
    let call = CallOptions::new().with_request_timeout(Duration::from_millis(300));
    let err = client
        .send_with(&PromoteAuthToken::new(), &call)
        .unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert_eq!(transport_error(&err).kind, TransportErrorKind::Timeout);
    assert_eq!(sim.requests(Route::Promote), 1);
}

fn an_oversized_body_is_refused<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    let client = A::build(
        credentials_for(&sim),
        options_for(&sim).with_max_response_bytes(4096),
    )
    .unwrap();
    sim.set_fault(
        Route::ListPublicKeys,
        Fault::OversizedBody { bytes: 200_000 },
        1,
    );
    let err = client
        .send_with(&ListCredentialPublicKeys::new(), &once())
        .unwrap_err();
    let t = transport_error(&err);
    assert_eq!(t.kind, TransportErrorKind::BodyTooLarge, "{err:?}");
    assert!(t.message.contains("4096"), "{}", t.message);
    // The next call is fine (the connection was not reused half-read).
    client.send(&ListCredentialPublicKeys::new()).unwrap();
}

fn the_default_body_cap_is_one_mebibyte<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    let client = A::for_sim(&sim);
    sim.set_fault(
        Route::ListPublicKeys,
        Fault::OversizedBody {
            bytes: 1024 * 1024 + 1,
        },
        1,
    );
    let err = client
        .send_with(&ListCredentialPublicKeys::new(), &once())
        .unwrap_err();
    assert_eq!(transport_error(&err).kind, TransportErrorKind::BodyTooLarge);
    // Just under the cap is read and parsed.
    sim.set_fault(
        Route::ListPublicKeys,
        Fault::OversizedBody { bytes: 1024 * 1024 },
        1,
    );
    client
        .send_with(&ListCredentialPublicKeys::new(), &once())
        .unwrap();
}

fn a_truncated_promote_answer_is_an_unknown_outcome<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    let client = A::for_sim(&sim);
    client.send(&CreateSecondaryAuthToken::new()).unwrap();
    sim.set_fault(Route::Promote, Fault::TruncatedBody, 1);
    let err = client.send(&PromoteAuthToken::new()).unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert_eq!(sim.requests(Route::Promote), 1);
}

fn a_redirect_is_not_followed<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    let client = A::for_sim(&sim);
    let location = format!("{}/v1/Elsewhere", sim.base_url());
    sim.set_fault(
        Route::ListPublicKeys,
        Fault::Redirect {
            location: location.clone(),
        },
        1,
    );
    let err = client.send(&ListCredentialPublicKeys::new()).unwrap_err();
    match &err {
        Error::UnexpectedResponse(unexpected) => {
            assert_eq!(unexpected.status, 302);
            assert_eq!(unexpected.location.as_deref(), Some(location.as_str()));
        }
        other => panic!("expected the redirect itself, got {other:?}"),
    }
    assert_eq!(sim.requests(Route::Any), 1, "nothing followed it");
}

fn a_non_json_200_is_a_decode_error<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    let client = A::for_sim(&sim);
    sim.set_fault(Route::ListPublicKeys, Fault::NonJson200, 1);
    let err = client.send(&ListCredentialPublicKeys::new()).unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
}

fn sequential_calls_share_one_connection<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    let client = A::for_sim(&sim);
    for _ in 0..10 {
        client.send(&ListCredentialPublicKeys::new()).unwrap();
    }
    client.send(&CreateSecondaryAuthToken::new()).unwrap();
    client.send(&DeleteSecondaryAuthToken::new()).unwrap();
    assert_eq!(sim.requests(Route::Any), 12);
    assert_eq!(sim.connections(), 1);
}

fn a_refused_connection_is_not_sent_and_retried<A: Adapter>(wire: Wire) {
    // A port that was free a moment ago: connecting is refused.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let scheme = match wire {
        Wire::Plain => "http",
        Wire::Tls => "https",
    };
    let policy = RetryPolicy {
        max_attempts: 2,
        base_delay: Duration::from_millis(5),
        ..RetryPolicy::default()
    };
    let sim = simulator(wire);
    let client = A::build(
        credentials_for(&sim),
        options_for(&sim)
            .with_base_url(format!("{scheme}://127.0.0.1:{port}"))
            .with_retry_policy(policy),
    )
    .unwrap();
    let err = client.send(&PromoteAuthToken::new()).unwrap_err();
    // Not `OutcomeUnknown`: nothing reached any server, so even a promote
    // was retried, and the error says so.
    let Error::Transport(t) = &err else {
        panic!("expected a transport error, got {err:?}");
    };
    assert_eq!(t.delivery, Delivery::NotSent);
    assert_eq!(t.kind, TransportErrorKind::Connect, "{t:?}");
}

fn an_untrusted_certificate_fails_before_sending<A: Adapter>(wire: Wire) {
    if wire == Wire::Plain {
        return;
    }
    let sim = simulator(wire);
    // Same base URL, but without the simulator's CA.
    let client = A::build(
        credentials_for(&sim),
        ClientOptions::new()
            .with_base_url(sim.base_url())
            .with_retry_policy(RetryPolicy::never()),
    )
    .unwrap();
    let err = client.send(&PromoteAuthToken::new()).unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("expected a transport error, got {err:?}");
    };
    assert_eq!(t.kind, TransportErrorKind::Tls, "{t:?}");
    assert_eq!(t.delivery, Delivery::NotSent);
    assert_eq!(sim.requests(Route::Any), 0);
}

fn a_whole_rotation_runs_through_the_rotation_seam<A: Adapter>(wire: Wire) {
    use twilio_accounts_rotation::{Action, Input, Rotation, RotationConfig};

    let sim = simulator(wire);
    let old = sim.primary_token();
    let mut client = A::for_sim(&sim);
    let config = RotationConfig {
        wait_for_go_ahead: false,
        settle: Duration::ZERO,
        verify_delay: Duration::from_millis(10),
        ..RotationConfig::default()
    };
    let mut rotation = Rotation::new(credentials_for(&sim), config);
    let mut delivered = None;
    let mut input = Input::Start;
    // Bounded: a rotation takes a dozen steps; 64 is far beyond any.
    for _ in 0..64 {
        input = match rotation.next(input) {
            Action::Persist(_) => Input::Persisted,
            Action::Call(call) => Input::Called(client.perform(&call)),
            Action::Deliver(token) => {
                delivered = Some(token.expose_secret().to_owned());
                Input::Delivered
            }
            Action::AwaitGoAhead => Input::GoAhead,
            Action::Wait(_) | Action::Settle(_) => Input::Waited,
            Action::Finished(_) => {
                let new = delivered.expect("the sink got the new token");
                assert_eq!(sim.primary_token(), new);
                assert_ne!(new, old);
                // The old token is refused now; the new one works.
                let stale = client.send(&ListCredentialPublicKeys::new()).unwrap_err();
                assert!(stale.is_authentication_failed());
                client
                    .with_credentials(credentials_with(&sim, &new))
                    .send(&ListCredentialPublicKeys::new())
                    .unwrap();
                return;
            }
            Action::Failed(failure) => panic!("the rotation failed: {failure:?}"),
            other => panic!("unexpected action {other:?}"),
        };
    }
    panic!("the rotation did not finish within 64 steps");
}

/// Every registered operation, sent in registry order through `A` to a fresh
/// simulator: what came back, keyed by operationId. No operation is named
/// here: a new one is covered as soon as it is registered.
fn registered_outcomes<A: Adapter>(wire: Wire) -> Vec<(&'static str, Option<u16>, String)> {
    struct Sender<'a, A> {
        client: &'a A,
        outcomes: Vec<(&'static str, Option<u16>, String)>,
    }
    impl<A: Adapter> OperationVisitor for Sender<'_, A> {
        fn visit<O>(&mut self, example: O)
        where
            O: Operation + Clone + std::fmt::Debug + Send + Sync + 'static,
            O::Output: Clone + std::fmt::Debug + Send + 'static,
        {
            let outcome = match self.client.send(&example) {
                Ok(reply) => (O::ID, Some(reply.status.as_u16()), "ok".to_owned()),
                Err(err) => {
                    assert_eq!(err.operation(), Some(O::ID), "{err:?}");
                    (
                        O::ID,
                        err.status().map(|s| s.as_u16()),
                        format!("code {:?}", err.code()),
                    )
                }
            };
            self.outcomes.push(outcome);
        }
    }
    let sim = simulator(wire);
    let client = A::for_sim(&sim);
    let mut sender = Sender {
        client: &client,
        outcomes: Vec::new(),
    };
    visit_operations(&mut sender);
    sender.outcomes
}

#[test]
fn both_adapters_answer_every_registered_operation_alike() {
    for wire in [Wire::Plain, Wire::Tls] {
        let ureq = registered_outcomes::<Ureq>(wire);
        let hyper = registered_outcomes::<Hyper>(wire);
        assert_eq!(ureq, hyper, "{wire:?}");
        let ids: Vec<&str> = ureq.iter().map(|(id, _, _)| *id).collect();
        let registered: Vec<&str> = OPERATIONS.iter().map(|o| o.id).collect();
        assert_eq!(ids, registered);
        // Every operation reached the simulator and got an HTTP answer.
        assert!(
            ureq.iter().all(|(_, status, _)| status.is_some()),
            "{ureq:?}"
        );
    }
}

fn fetching_an_unknown_public_key_is_a_not_found_with_its_hint<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    let client = A::for_sim(&sim);
    let sid = "CRbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb".parse().unwrap();
    let err = client
        .send(&FetchCredentialPublicKey::new(sid))
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(!err.is_nothing_to_promote(), "{err:?}");
    assert_eq!(err.operation(), Some("FetchCredentialPublicKey"));
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        api.hint(),
        Some("the account has no public-key credential with this SID")
    );
}

// ---------------------------------------------------------------------------
// Every scenario × both adapters × both wires
// ---------------------------------------------------------------------------

twilio_accounts_tests::scenarios!(
    every_operation_succeeds,
    a_wrong_token_is_20003_and_not_retried,
    promote_without_a_secondary_is_a_typed_20404,
    a_429_is_retried_after_retry_after,
    a_5xx_with_html_on_promote_is_reported_not_retried,
    an_idempotent_list_is_retried_after_a_5xx,
    a_promote_dropped_after_it_was_applied_is_not_retried,
    a_delete_closed_before_the_request_is_retried,
    a_delete_dropped_after_it_was_applied_is_retried,
    a_slow_answer_times_out,
    a_slowly_dripped_body_times_out,
    a_timed_out_promote_is_an_unknown_outcome,
    an_oversized_body_is_refused,
    the_default_body_cap_is_one_mebibyte,
    a_truncated_promote_answer_is_an_unknown_outcome,
    a_redirect_is_not_followed,
    a_non_json_200_is_a_decode_error,
    sequential_calls_share_one_connection,
    a_refused_connection_is_not_sent_and_retried,
    a_whole_rotation_runs_through_the_rotation_seam,
    fetching_an_unknown_public_key_is_a_not_found_with_its_hint,
);

mod an_untrusted_certificate_fails_before_sending {
    use super::*;
    #[test]
    fn ureq_tls() {
        super::an_untrusted_certificate_fails_before_sending::<Ureq>(Wire::Tls)
    }
    #[test]
    fn hyper_tls() {
        super::an_untrusted_certificate_fails_before_sending::<Hyper>(Wire::Tls)
    }
}

// ---------------------------------------------------------------------------
// Hyper only: cancel safety
// ---------------------------------------------------------------------------

#[test]
fn hyper_dropping_a_call_leaves_the_pool_healthy() {
    let sim = simulator(Wire::Plain);
    let hyper = Hyper::for_sim(&sim);
    sim.set_fault(
        Route::ListPublicKeys,
        Fault::Delay(Duration::from_secs(2)),
        1,
    );
    hyper.runtime.block_on(async {
        let dropped = tokio::time::timeout(
            Duration::from_millis(200),
            hyper.client.send(&ListCredentialPublicKeys::new()),
        )
        .await;
        assert!(dropped.is_err(), "the call was cancelled");
        // The next calls succeed at once, on a healthy pool.
        let started = Instant::now();
        for _ in 0..3 {
            hyper
                .client
                .send(&ListCredentialPublicKeys::new())
                .await
                .unwrap();
        }
        assert!(started.elapsed() < Duration::from_secs(1));
    });
    // The cancelled request's connection was not reused mid-answer: one for
    // it, one for the calls after it.
    assert_eq!(sim.connections(), 2);
}

// ---------------------------------------------------------------------------
// Both adapters put the same request on the wire
// ---------------------------------------------------------------------------

/// Accepts one connection on 127.0.0.1, reads one request head, answers
/// `answer`, and returns the head's lines.
fn capture_one_request(
    listener: TcpListener,
    answer: &'static str,
) -> std::thread::JoinHandle<Vec<String>> {
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        // Bounded: stops at the blank line or after 16 KiB.
        while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
            if stream.read(&mut byte).unwrap() == 0 {
                break;
            }
            head.push(byte[0]);
        }
        stream.write_all(answer.as_bytes()).unwrap();
        let text = String::from_utf8(head).unwrap();
        let mut lines: Vec<String> = text
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .map(|l| match l.split_once(':') {
                Some((name, value)) => {
                    let name = name.to_ascii_lowercase();
                    let value = match name.as_str() {
                        // The listeners differ by port only.
                        "host" => "127.0.0.1:PORT".to_owned(),
                        // Checked here, so that a failing comparison does not print it.
                        "authorization" if value.trim() == EXPECTED_AUTHORIZATION => {
                            "Basic [as expected]".to_owned()
                        }
                        "authorization" => "[unexpected]".to_owned(),
                        _ => value.trim().to_owned(),
                    };
                    format!("{name}:{value}")
                }
                None => l.to_owned(),
            })
            .collect();
        lines[1..].sort();
        lines
    })
}

/// `Basic base64(ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:0123456789abcdef0123456789abcdef)`.
const EXPECTED_AUTHORIZATION: &str = "Basic QUNhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYTowMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZg==";

fn request_head<A: Adapter>(call: impl FnOnce(&A)) -> Vec<String> {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = capture_one_request(
        listener,
        "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    let sim_like = twilio_accounts_core::Credentials::auth_token(
        "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap(),
        "0123456789abcdef0123456789abcdef".parse().unwrap(),
    );
    let client = A::build(
        sim_like,
        ClientOptions::new()
            .with_base_url(base)
            .with_retry_policy(RetryPolicy::never()),
    )
    .unwrap();
    call(&client);
    server.join().unwrap()
}

#[test]
fn both_adapters_send_the_same_request_heads() {
    let ureq_delete = request_head::<Ureq>(|c| {
        let _ = c.send(&DeleteSecondaryAuthToken::new());
    });
    let hyper_delete = request_head::<Hyper>(|c| {
        let _ = c.send(&DeleteSecondaryAuthToken::new());
    });
    assert_eq!(ureq_delete, hyper_delete);
    assert!(ureq_delete[0].starts_with("DELETE /v1/AuthTokens/Secondary HTTP/1.1"));

    let ureq_promote = request_head::<Ureq>(|c| {
        let _ = c.send(&PromoteAuthToken::new());
    });
    let hyper_promote = request_head::<Hyper>(|c| {
        let _ = c.send(&PromoteAuthToken::new());
    });
    assert_eq!(ureq_promote, hyper_promote);
    assert!(
        ureq_promote.contains(&"content-length:0".to_owned()),
        "{ureq_promote:?}"
    );

    let ureq_list = request_head::<Ureq>(|c| {
        let _ = c.send(&ListCredentialPublicKeys::new().page_size(5).unwrap());
    });
    let hyper_list = request_head::<Hyper>(|c| {
        let _ = c.send(&ListCredentialPublicKeys::new().page_size(5).unwrap());
    });
    assert_eq!(ureq_list, hyper_list);
    assert!(ureq_list[0].starts_with("GET /v1/Credentials/PublicKeys?PageSize=5 "));
    for head in [&ureq_delete, &ureq_promote, &ureq_list] {
        assert!(head.contains(&"authorization:Basic [as expected]".to_owned()));
        assert!(
            head.iter()
                .any(|l| l.starts_with("user-agent:twilio-accounts-rs/"))
        );
        assert!(head.contains(&"accept:application/json".to_owned()));
    }
}

// ---------------------------------------------------------------------------
// Proxies: only when asked, tunnelled with CONNECT, with Basic credentials
// ---------------------------------------------------------------------------

fn a_configured_proxy_tunnels_the_requests<A: Adapter>(wire: Wire) {
    use twilio_accounts_client::{ProxyConfig, ProxyMode, ProxyUrl};
    use twilio_accounts_core::PlainHttp;
    use twilio_accounts_tests::connect_proxy::ConnectProxy;

    if wire == Wire::Tls {
        // The simulator's certificate names 127.0.0.1 and localhost only,
        // and loopback endpoints are never proxied.
        return;
    }
    let sim = simulator(wire);
    let proxy = ConnectProxy::start(sim.local_addr(), 4);
    let port = sim.local_addr().port();
    let proxy_url =
        ProxyUrl::parse(&format!("http://alice:s3cret@{}", proxy.addr), "test proxy").unwrap();
    let client = A::build(
        credentials_for(&sim),
        options_for(&sim)
            // A name no resolver knows: only the proxy can reach it.
            .with_base_url(format!("http://twilio-sim.test:{port}"))
            .with_plain_http(PlainHttp::Allow)
            .with_proxy(ProxyMode::Fixed(ProxyConfig::all(proxy_url))),
    )
    .unwrap();
    client.send(&ListCredentialPublicKeys::new()).unwrap();
    client.send(&ListCredentialPublicKeys::new()).unwrap();
    let heads = proxy.heads();
    assert_eq!(heads.len(), 1, "one tunnel, reused: {heads:?}");
    assert!(
        heads[0].starts_with(&format!("CONNECT twilio-sim.test:{port} HTTP/1.1\r\n")),
        "{:?}",
        heads[0].lines().next()
    );
    // Basic alice:s3cret
    assert!(
        heads[0]
            .to_ascii_lowercase()
            .contains("proxy-authorization: basic ywxpy2u6cznjcmv0"),
        "no proxy credentials"
    );
    assert_eq!(sim.requests(Route::ListPublicKeys), 2);
}

mod a_configured_proxy_tunnels_the_requests {
    use super::*;
    #[test]
    fn ureq_plain() {
        super::a_configured_proxy_tunnels_the_requests::<Ureq>(Wire::Plain)
    }
    #[test]
    fn hyper_plain() {
        super::a_configured_proxy_tunnels_the_requests::<Hyper>(Wire::Plain)
    }
}

// ---------------------------------------------------------------------------
// Building: both transports refuse bad settings alike
// ---------------------------------------------------------------------------

fn a_bad_pem_root_is_refused_when_building<A: Adapter>() {
    let sim = simulator(Wire::Plain);
    let options = options_for(&sim).with_root_certificate_pem("not a certificate");
    let err = A::build(credentials_for(&sim), options).unwrap_err();
    assert!(
        matches!(
            err,
            twilio_accounts_client::ConfigError::RootCertificate { index: 0, .. }
        ),
        "{}: {err}",
        A::NAME
    );
}

#[test]
fn both_adapters_refuse_a_bad_pem_root() {
    a_bad_pem_root_is_refused_when_building::<Ureq>();
    a_bad_pem_root_is_refused_when_building::<Hyper>();
}

/// Both clients can be shared across threads, and every future of the async
/// one (a call, a page of a stream) can move to another task.
#[test]
fn both_clients_are_clone_send_and_sync_and_async_futures_are_send() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    shareable::<twilio_accounts_ureq::Client>();
    shareable::<twilio_accounts_hyper::Client>();
    fn send_future<F: std::future::Future + Send>(_: F) {}
    let sim = simulator(Wire::Plain);
    let client = twilio_accounts_hyper::Client::new(credentials_for(&sim), options_for(&sim))
        .expect("the client builds");
    send_future(client.promote_auth_token(PromoteAuthToken::new()));
    send_future(client.send(&ListCredentialPublicKeys::new()));
    let mut pages = client.pages(ListCredentialPublicKeys::new());
    send_future(async move { pages.next().await.is_some() });
}
