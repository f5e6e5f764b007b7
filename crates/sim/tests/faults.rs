//! One test per fault: what the client sees, whether the operation was applied, and that the fault is bounded.

mod common;

use std::time::{Duration, Instant};

use common::*;
use twilio_accounts_sim::{Fault, FaultSpec, Route, SimConfig, Simulator};

/// A simulator with a secondary, ready to promote; returns the secondary token.
fn ready_to_promote() -> (Simulator, String) {
    let sim = sim(SimConfig::default());
    let secondary = create_secondary(&sim);
    (sim, secondary)
}

fn promote(sim: &Simulator) -> Result<Response, ClientError> {
    send(sim, as_primary(sim, "POST", PROMOTE))
}

#[test]
fn rate_limited_answers_429_with_retry_after_and_applies_nothing() {
    let (sim, secondary) = ready_to_promote();
    sim.set_fault(
        Route::Promote,
        Fault::RateLimited {
            retry_after: Some(3),
        },
        2,
    );
    for _ in 0..2 {
        let response = promote(&sim).expect("a response");
        let body = assert_twilio_error(&response, 429, 20429);
        assert_eq!(body["message"], "Too Many Requests");
        assert_eq!(response.header("retry-after"), Some("3"));
        assert_request_id(&response);
    }
    assert_eq!(sim.secondary_token(), Some(secondary.clone()));
    assert_eq!(sim.requests(Route::Promote), 2);
    // Bounded: the third promote goes through.
    assert_eq!(promote(&sim).expect("a response").status, 200);
    assert_eq!(sim.primary_token(), secondary);
    assert_eq!(sim.requests(Route::Promote), 3);
}

#[test]
fn rate_limited_without_retry_after_sends_no_header() {
    let (sim, _) = ready_to_promote();
    sim.set_fault(Route::Promote, Fault::RateLimited { retry_after: None }, 1);
    let response = promote(&sim).expect("a response");
    assert_twilio_error(&response, 429, 20429);
    assert_eq!(response.header("retry-after"), None);
}

#[test]
fn server_error_answers_that_status_with_html_and_applies_nothing() {
    for status in [500, 502, 503] {
        let (sim, secondary) = ready_to_promote();
        sim.set_fault(Route::Promote, Fault::ServerError { status }, 1);
        let response = promote(&sim).expect("a response");
        assert_eq!(response.status, status);
        assert_eq!(
            response.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        assert!(String::from_utf8_lossy(&response.body).contains("<html>"));
        assert!(serde_json::from_slice::<serde_json::Value>(&response.body).is_err());
        assert_request_id(&response);
        assert_eq!(sim.secondary_token(), Some(secondary));
    }
}

#[test]
fn server_error_with_a_non_5xx_status_sends_500() {
    let (sim, _) = ready_to_promote();
    sim.set_fault(Route::Promote, Fault::ServerError { status: 200 }, 1);
    assert_eq!(promote(&sim).expect("a response").status, 500);
}

#[test]
fn delay_applies_then_answers_normally_after_the_delay() {
    let (sim, secondary) = ready_to_promote();
    sim.set_fault(Route::Promote, Fault::Delay(Duration::from_millis(300)), 1);
    let started = Instant::now();
    let response = promote(&sim).expect("a response");
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(response.status, 200);
    assert_eq!(sim.primary_token(), secondary);
}

#[test]
fn close_before_request_drops_the_connection_and_applies_nothing() {
    let (sim, secondary) = ready_to_promote();
    sim.set_fault(Route::Promote, Fault::CloseBeforeRequest, 1);
    assert!(matches!(
        promote(&sim),
        Err(ClientError::ClosedWithoutResponse)
    ));
    assert_eq!(sim.secondary_token(), Some(secondary));
    assert_eq!(sim.requests(Route::Promote), 1);
    assert_eq!(promote(&sim).expect("a response").status, 200);
}

#[test]
fn apply_then_close_changes_the_state_but_sends_no_response() {
    let (sim, secondary) = ready_to_promote();
    let old = sim.primary_token();
    sim.set_fault(Route::Promote, Fault::ApplyThenClose, 1);
    assert!(matches!(
        promote(&sim),
        Err(ClientError::ClosedWithoutResponse)
    ));
    // The promote happened: the old primary is refused, the former secondary is the primary.
    assert_eq!(sim.primary_token(), secondary);
    assert_eq!(sim.secondary_token(), None);
    assert_twilio_error(
        &call(
            &sim,
            Req::new("GET", PUBLIC_KEYS).auth(&sim.account_sid(), &old),
        ),
        401,
        20003,
    );
    // A retry by the confused client now finds nothing to promote.
    assert_twilio_error(
        &call(
            &sim,
            Req::new("POST", PROMOTE).auth(&sim.account_sid(), &secondary),
        ),
        404,
        20404,
    );
}

#[test]
fn truncated_body_announces_the_full_length_then_closes() {
    let (sim, secondary) = ready_to_promote();
    sim.set_fault(Route::Promote, Fault::TruncatedBody, 1);
    match promote(&sim) {
        Err(ClientError::Truncated { expected, got }) => {
            assert!(expected > 0 && got < expected, "{got} of {expected}");
            assert_eq!(got, expected / 2);
        }
        other => panic!("expected a truncated body, got {other:?}"),
    }
    assert_eq!(sim.primary_token(), secondary);
}

#[test]
fn oversized_body_pads_valid_json_to_the_requested_size_with_chunked_encoding() {
    let (sim, secondary) = ready_to_promote();
    let bytes = 3 * 1024 * 1024;
    sim.set_fault(Route::Promote, Fault::OversizedBody { bytes }, 1);
    let response = promote(&sim).expect("a response");
    assert_eq!(response.status, 200);
    assert!(response.chunked);
    assert_eq!(response.header("content-length"), None);
    assert_eq!(response.body.len(), bytes);
    assert_eq!(response.json()["auth_token"], secondary.as_str());
}

#[test]
fn non_json_200_answers_html_and_applies_nothing() {
    let (sim, secondary) = ready_to_promote();
    sim.set_fault(Route::Promote, Fault::NonJson200, 1);
    let response = promote(&sim).expect("a response");
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(serde_json::from_slice::<serde_json::Value>(&response.body).is_err());
    assert_eq!(sim.secondary_token(), Some(secondary));
}

#[test]
fn slow_drip_sends_the_whole_body_in_paced_chunks() {
    let (sim, secondary) = ready_to_promote();
    let interval = Duration::from_millis(10);
    sim.set_fault(
        Route::Promote,
        Fault::SlowDrip {
            chunk: 64,
            interval,
        },
        1,
    );
    let started = Instant::now();
    let response = promote(&sim).expect("a response");
    let elapsed = started.elapsed();
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["auth_token"], secondary.as_str());
    let pauses = response.body.len().div_ceil(64) - 1;
    assert!(pauses >= 2, "{pauses}");
    assert!(
        elapsed >= interval * pauses as u32,
        "{elapsed:?} for {pauses} pauses"
    );
}

#[test]
fn redirect_answers_302_with_the_location_and_applies_nothing() {
    let (sim, secondary) = ready_to_promote();
    sim.set_fault(
        Route::Promote,
        Fault::Redirect {
            location: "http://127.0.0.1:9/elsewhere".into(),
        },
        1,
    );
    let response = promote(&sim).expect("a response");
    assert_eq!(response.status, 302);
    assert_eq!(
        response.header("location"),
        Some("http://127.0.0.1:9/elsewhere")
    );
    assert_eq!(sim.secondary_token(), Some(secondary));
}

#[test]
fn auth_lag_refuses_the_newly_promoted_token_for_that_long_once() {
    let (sim, secondary) = ready_to_promote();
    sim.set_fault(Route::Any, Fault::AuthLag(Duration::from_millis(250)), 1);
    // A list request does not use up an auth lag armed on Any.
    assert_eq!(call(&sim, as_primary(&sim, "GET", PUBLIC_KEYS)).status, 200);
    let promoted_at = Instant::now();
    assert_eq!(promote(&sim).expect("a response").status, 200);
    let verify = |token: &str| {
        call(
            &sim,
            Req::new("GET", PUBLIC_KEYS).auth(&sim.account_sid(), token),
        )
        .status
    };
    assert_eq!(verify(&secondary), 401);
    let mut status = 401;
    for _ in 0..100 {
        std::thread::sleep(Duration::from_millis(20));
        status = verify(&secondary);
        if status == 200 {
            break;
        }
    }
    assert_eq!(status, 200);
    assert!(promoted_at.elapsed() >= Duration::from_millis(250));
    // Used up: the next promotion has no lag.
    let next = create_secondary(&sim);
    assert_eq!(promote(&sim).expect("a response").status, 200);
    assert_eq!(verify(&next), 200);
}

#[test]
fn a_fault_on_any_applies_to_every_route_including_unknown_paths() {
    let sim = sim(SimConfig::default());
    sim.set_fault(Route::Any, Fault::ServerError { status: 503 }, 3);
    assert_eq!(call(&sim, as_primary(&sim, "GET", "/v1/Nope")).status, 503);
    assert_eq!(call(&sim, as_primary(&sim, "GET", PUBLIC_KEYS)).status, 503);
    assert_eq!(call(&sim, Req::new("DELETE", SECONDARY)).status, 503);
    assert_eq!(call(&sim, as_primary(&sim, "GET", PUBLIC_KEYS)).status, 200);
}

#[test]
fn a_fault_on_one_route_leaves_the_others_alone() {
    let (sim, _) = ready_to_promote();
    sim.set_fault(
        Route::DeleteSecondary,
        Fault::ServerError { status: 502 },
        1,
    );
    assert_eq!(call(&sim, as_primary(&sim, "GET", PUBLIC_KEYS)).status, 200);
    assert_eq!(call(&sim, as_primary(&sim, "POST", SECONDARY)).status, 201);
    assert_eq!(
        call(&sim, as_primary(&sim, "DELETE", SECONDARY)).status,
        502
    );
    assert_eq!(
        call(&sim, as_primary(&sim, "DELETE", SECONDARY)).status,
        204
    );
}

#[test]
fn faults_apply_to_fetching_a_public_key_by_its_route_name() {
    let faults = [
        "fetch-credential-public-key:server-error:503:1",
        "fetch-credential-public-key:truncated-body:1",
    ]
    .map(|f| f.parse::<FaultSpec>().expect("a fault spec"))
    .to_vec();
    let sim = sim(SimConfig {
        faults,
        ..SimConfig::default()
    });
    let created = create_public_key(&sim, "PublicKey=k");
    let sid = created["sid"].as_str().expect("a sid");
    let fetch = as_primary(&sim, "GET", &format!("{PUBLIC_KEYS}/{sid}"));
    assert_eq!(call(&sim, as_primary(&sim, "GET", PUBLIC_KEYS)).status, 200);
    assert_eq!(call(&sim, fetch.clone()).status, 503);
    assert!(matches!(
        send(&sim, fetch.clone()),
        Err(ClientError::Truncated { .. })
    ));
    assert_eq!(call(&sim, fetch).json(), created);
    assert_eq!(sim.requests(Route::FetchPublicKey), 3);
}

#[test]
fn faults_are_used_in_the_order_they_were_set() {
    let (sim, _) = ready_to_promote();
    sim.set_fault(Route::Promote, Fault::RateLimited { retry_after: None }, 2);
    sim.set_fault(Route::Promote, Fault::ServerError { status: 503 }, 1);
    let statuses: Vec<u16> = (0..4)
        .map(|_| promote(&sim).expect("a response").status)
        .collect();
    assert_eq!(statuses, [429, 429, 503, 200]);
}

#[test]
fn clear_faults_disarms_everything() {
    let (sim, _) = ready_to_promote();
    sim.set_fault(
        Route::Promote,
        Fault::RateLimited { retry_after: None },
        100,
    );
    assert_eq!(promote(&sim).expect("a response").status, 429);
    sim.clear_faults();
    assert_eq!(promote(&sim).expect("a response").status, 200);
}

#[test]
fn faults_can_be_armed_from_the_config() {
    let faults = vec![
        "promote:rate-limited:1:1"
            .parse::<FaultSpec>()
            .expect("a fault spec"),
    ];
    let sim = sim(SimConfig {
        faults,
        ..SimConfig::default()
    });
    create_secondary(&sim);
    let response = promote(&sim).expect("a response");
    assert_eq!(response.status, 429);
    assert_eq!(response.header("retry-after"), Some("1"));
    assert_eq!(promote(&sim).expect("a response").status, 200);
}

#[test]
fn a_faulted_request_keeps_the_connection_usable_when_the_fault_answers() {
    let (sim, _) = ready_to_promote();
    sim.set_fault(
        Route::Promote,
        Fault::RateLimited {
            retry_after: Some(1),
        },
        1,
    );
    let before = sim.connections();
    let mut conn = connect(sim.local_addr());
    assert_eq!(
        conn.send(&as_primary(&sim, "POST", PROMOTE))
            .expect("a response")
            .status,
        429
    );
    assert_eq!(
        conn.send(&as_primary(&sim, "POST", PROMOTE))
            .expect("a response")
            .status,
        200
    );
    assert_eq!(sim.connections(), before + 1);
}
