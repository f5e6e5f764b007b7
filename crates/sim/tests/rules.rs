//! The Auth Token lifecycle, one rule per test, as a Twilio client sees it over HTTP.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;
use twilio_accounts_sim::{ExistingSecondary, Route, SimConfig, Simulator};

fn simulator() -> Simulator {
    sim(SimConfig::default())
}

fn is_token(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

#[test]
fn the_primary_token_authenticates() {
    let sim = simulator();
    let response = call(&sim, as_primary(&sim, "GET", PUBLIC_KEYS));
    assert_eq!(response.status, 200);
    assert_request_id(&response);
}

#[test]
fn the_secondary_token_authenticates_like_the_primary() {
    let sim = simulator();
    let secondary = create_secondary(&sim);
    let response = call(
        &sim,
        Req::new("GET", PUBLIC_KEYS).auth(&sim.account_sid(), &secondary),
    );
    assert_eq!(response.status, 200);
    let response = call(
        &sim,
        Req::new("POST", PROMOTE).auth(&sim.account_sid(), &secondary),
    );
    assert_eq!(response.status, 200);
}

#[test]
fn a_wrong_token_gets_401_with_code_20003() {
    let sim = simulator();
    let response = call(
        &sim,
        Req::new("GET", PUBLIC_KEYS).auth(&sim.account_sid(), "0123456789abcdef0123456789abcdef"),
    );
    let body = assert_twilio_error(&response, 401, 20003);
    assert_eq!(body["message"], "Authenticate");
    assert_eq!(
        response.header("www-authenticate"),
        Some("Basic realm=\"Twilio API\"")
    );
    assert_request_id(&response);
}

#[test]
fn a_wrong_account_sid_gets_401() {
    let sim = simulator();
    let response = call(
        &sim,
        Req::new("GET", PUBLIC_KEYS)
            .auth("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &sim.primary_token()),
    );
    assert_twilio_error(&response, 401, 20003);
}

#[test]
fn missing_or_malformed_credentials_get_401() {
    let sim = simulator();
    assert_twilio_error(&call(&sim, Req::new("GET", PUBLIC_KEYS)), 401, 20003);
    for header in ["Basic", "Basic %%%", "Bearer abc", "Basic QUM=", "basic"] {
        let mut req = Req::new("GET", PUBLIC_KEYS);
        req.authorization = Some(header.to_owned());
        assert_twilio_error(&call(&sim, req), 401, 20003);
    }
}

#[test]
fn authentication_is_checked_before_the_path() {
    let sim = simulator();
    assert_twilio_error(&call(&sim, Req::new("GET", "/v1/Nope")), 401, 20003);
}

#[test]
fn creating_a_secondary_returns_201_and_a_32_hex_token() {
    let sim = simulator();
    assert_eq!(sim.secondary_token(), None);
    let response = call(&sim, as_primary(&sim, "POST", SECONDARY));
    assert_eq!(response.status, 201);
    let token = response.json()["secondary_auth_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(is_token(&token), "{token}");
    assert_ne!(token, sim.primary_token());
    assert_eq!(sim.secondary_token(), Some(token));
}

#[test]
fn creating_a_secondary_when_one_exists_replaces_it_by_default() {
    let sim = simulator();
    let first = create_secondary(&sim);
    let second = create_secondary(&sim);
    assert_ne!(first, second);
    assert_eq!(sim.secondary_token(), Some(second.clone()));
    assert_twilio_error(
        &call(
            &sim,
            Req::new("GET", PUBLIC_KEYS).auth(&sim.account_sid(), &first),
        ),
        401,
        20003,
    );
    assert_eq!(
        call(
            &sim,
            Req::new("GET", PUBLIC_KEYS).auth(&sim.account_sid(), &second)
        )
        .status,
        200
    );
}

#[test]
fn creating_a_secondary_when_one_exists_is_refused_with_409_under_the_refuse_policy() {
    let sim = sim(SimConfig {
        existing_secondary: ExistingSecondary::Refuse,
        ..SimConfig::default()
    });
    let first = create_secondary(&sim);
    let response = call(&sim, as_primary(&sim, "POST", SECONDARY));
    assert_twilio_error(&response, 409, 20409);
    assert_eq!(sim.secondary_token(), Some(first.clone()));
    assert_eq!(
        call(
            &sim,
            Req::new("GET", PUBLIC_KEYS).auth(&sim.account_sid(), &first)
        )
        .status,
        200
    );
}

#[test]
fn deleting_the_secondary_returns_204_with_an_empty_body() {
    let sim = simulator();
    let secondary = create_secondary(&sim);
    let response = call(&sim, as_primary(&sim, "DELETE", SECONDARY));
    assert_eq!(response.status, 204);
    assert!(response.body.is_empty());
    assert_eq!(response.header("content-type"), None);
    assert_request_id(&response);
    assert_eq!(sim.secondary_token(), None);
    assert_twilio_error(
        &call(
            &sim,
            Req::new("GET", PUBLIC_KEYS).auth(&sim.account_sid(), &secondary),
        ),
        401,
        20003,
    );
}

#[test]
fn deleting_when_there_is_no_secondary_gets_404_with_code_20404() {
    let sim = simulator();
    let body = assert_twilio_error(
        &call(&sim, as_primary(&sim, "DELETE", SECONDARY)),
        404,
        20404,
    );
    assert_eq!(
        body["message"],
        "The requested resource /AuthTokens/Secondary was not found"
    );
}

#[test]
fn promoting_makes_the_secondary_the_primary_and_refuses_the_old_primary_at_once() {
    let sim = simulator();
    let old = sim.primary_token();
    let secondary = create_secondary(&sim);
    let response = call(&sim, as_primary(&sim, "POST", PROMOTE));
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["auth_token"], secondary.as_str());
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
    assert_eq!(
        call(
            &sim,
            Req::new("GET", PUBLIC_KEYS).auth(&sim.account_sid(), &secondary)
        )
        .status,
        200
    );
}

#[test]
fn promoting_without_a_secondary_gets_404_with_code_20404() {
    let sim = simulator();
    let before = sim.primary_token();
    let body = assert_twilio_error(&call(&sim, as_primary(&sim, "POST", PROMOTE)), 404, 20404);
    assert_eq!(
        body["message"],
        "The requested resource /AuthTokens/Promote was not found"
    );
    assert_eq!(sim.primary_token(), before);
}

#[test]
fn a_wrong_method_gets_405_with_an_allow_header() {
    let sim = simulator();
    let response = call(&sim, as_primary(&sim, "GET", PROMOTE));
    assert_twilio_error(&response, 405, 20004);
    assert_eq!(response.header("allow"), Some("POST"));
    let response = call(&sim, as_primary(&sim, "PUT", SECONDARY));
    assert_twilio_error(&response, 405, 20004);
    assert_eq!(response.header("allow"), Some("POST, DELETE"));
    let response = call(&sim, as_primary(&sim, "DELETE", PUBLIC_KEYS));
    assert_twilio_error(&response, 405, 20004);
    assert_eq!(response.header("allow"), Some("GET, POST"));
    let response = call(
        &sim,
        as_primary(
            &sim,
            "PUT",
            &format!("{PUBLIC_KEYS}/CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        ),
    );
    assert_twilio_error(&response, 405, 20004);
    assert_eq!(response.header("allow"), Some("GET, POST, DELETE"));
}

#[test]
fn fetching_an_unknown_or_malformed_public_key_sid_gets_404_with_code_20404() {
    let sim = simulator();
    let created = create_public_key(&sim, "PublicKey=k");
    let known = created["sid"].as_str().expect("a sid");
    let sids = [
        "CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".to_owned(), // well-formed, not this account's
        format!("{known}0"),                             // one character too many
        known.replacen("CR", "AC", 1),                   // the wrong prefix
        "x".to_owned(),
        "CR%2F..".to_owned(),
    ];
    for sid in sids {
        let path = format!("{PUBLIC_KEYS}/{sid}");
        let body = assert_twilio_error(&call(&sim, as_primary(&sim, "GET", &path)), 404, 20404);
        assert_eq!(
            body["message"],
            format!("The requested resource /Credentials/PublicKeys/{sid} was not found"),
            "{sid}"
        );
    }
    let with_query = format!("{PUBLIC_KEYS}/{known}?FriendlyName=x");
    assert_twilio_error(
        &call(&sim, as_primary(&sim, "GET", &with_query)),
        400,
        20001,
    );
    let path = format!("{PUBLIC_KEYS}/{known}");
    assert_eq!(call(&sim, as_primary(&sim, "GET", &path)).status, 200);
    assert_eq!(sim.requests(Route::FetchPublicKey), 7);
}

#[test]
fn an_unknown_path_gets_404_with_code_20404() {
    let sim = simulator();
    for path in [
        "/v1/Nope",
        "/v1/AuthTokens/Promote/",
        "/v1/AuthTokens",
        "/",
        "/2010-04-01/Accounts",
        "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.xml",
        "/v1/Credentials/AWS/CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/x",
    ] {
        assert_twilio_error(&call(&sim, as_primary(&sim, "GET", path)), 404, 20404);
    }
}

#[test]
fn an_unknown_form_field_gets_400_and_changes_nothing() {
    let sim = simulator();
    let body = assert_twilio_error(
        &call(
            &sim,
            as_primary(&sim, "POST", SECONDARY).form("FriendlyName=x"),
        ),
        400,
        20001,
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("FriendlyName"),
        "{body}"
    );
    assert_eq!(sim.secondary_token(), None);
    create_secondary(&sim);
    let before = sim.primary_token();
    assert_twilio_error(
        &call(
            &sim,
            as_primary(&sim, "POST", PROMOTE).form("SuppressEmailNotification=true&x=1"),
        ),
        400,
        20001,
    );
    assert_eq!(sim.primary_token(), before);
}

#[test]
fn an_invalid_suppress_email_notification_value_gets_400() {
    let sim = simulator();
    assert_twilio_error(
        &call(
            &sim,
            as_primary(&sim, "POST", SECONDARY).form("SuppressEmailNotification=yes"),
        ),
        400,
        20001,
    );
}

#[test]
fn parameters_in_the_wrong_place_get_400() {
    let sim = simulator();
    create_secondary(&sim);
    // Query string on a POST, body on the DELETE, unknown query parameter on the DELETE.
    assert_twilio_error(
        &call(
            &sim,
            as_primary(
                &sim,
                "POST",
                &format!("{PROMOTE}?SuppressEmailNotification=true"),
            ),
        ),
        400,
        20001,
    );
    assert_twilio_error(
        &call(
            &sim,
            as_primary(&sim, "DELETE", SECONDARY).form("SuppressEmailNotification=true"),
        ),
        400,
        20001,
    );
    assert_twilio_error(
        &call(
            &sim,
            as_primary(&sim, "DELETE", &format!("{SECONDARY}?Force=true")),
        ),
        400,
        20001,
    );
    assert!(sim.secondary_token().is_some());
}

#[test]
fn a_post_body_that_is_not_a_form_gets_400() {
    let sim = simulator();
    let req = as_primary(&sim, "POST", SECONDARY)
        .form("{\"SuppressEmailNotification\":true}")
        .content_type("application/json");
    assert_twilio_error(&call(&sim, req), 400, 20001);
}

#[test]
fn suppress_email_notification_is_accepted_on_all_three_calls() {
    let sim = simulator();
    let created = call(
        &sim,
        as_primary(&sim, "POST", SECONDARY).form("SuppressEmailNotification=true"),
    );
    assert_eq!(created.status, 201);
    let promoted = call(
        &sim,
        as_primary(&sim, "POST", PROMOTE).form("SuppressEmailNotification=true"),
    );
    assert_eq!(promoted.status, 200);
    create_secondary(&sim);
    let deleted = call(
        &sim,
        as_primary(
            &sim,
            "DELETE",
            &format!("{SECONDARY}?SuppressEmailNotification=true"),
        ),
    );
    assert_eq!(deleted.status, 204);
    // Only the one create without the flag would have e-mailed the owners.
    assert_eq!(sim.notification_emails(), 1);
    let not_suppressed = call(
        &sim,
        as_primary(&sim, "POST", SECONDARY).form("SuppressEmailNotification=false"),
    );
    assert_eq!(not_suppressed.status, 201);
    assert_eq!(sim.notification_emails(), 2);
}

#[test]
fn an_empty_form_body_with_content_length_zero_is_accepted() {
    let sim = simulator();
    let req = as_primary(&sim, "POST", SECONDARY).form("");
    assert!(String::from_utf8_lossy(&req.bytes("x")).contains("Content-Length: 0\r\n"));
    assert_eq!(call(&sim, req).status, 201);
}

#[test]
fn an_oversized_request_body_gets_413() {
    let sim = simulator();
    let big = format!("SuppressEmailNotification={}", "t".repeat(70 * 1024));
    assert_twilio_error(
        &call(&sim, as_primary(&sim, "POST", SECONDARY).form(&big)),
        413,
        20001,
    );
    assert_eq!(sim.secondary_token(), None);
}

#[test]
fn invalid_paging_parameters_get_400() {
    let sim = simulator();
    for query in [
        "PageSize=0",
        "PageSize=1001",
        "PageSize=x",
        "Page=-1",
        "Foo=1",
    ] {
        assert_twilio_error(
            &call(
                &sim,
                as_primary(&sim, "GET", &format!("{PUBLIC_KEYS}?{query}")),
            ),
            400,
            20001,
        );
    }
    assert_eq!(
        call(
            &sim,
            as_primary(
                &sim,
                "GET",
                &format!("{PUBLIC_KEYS}?PageSize=1000&Page=99&PageToken=PA1")
            )
        )
        .status,
        200
    );
}

#[test]
fn keep_alive_connections_are_reused() {
    let sim = simulator();
    let mut conn = connect(sim.local_addr());
    for _ in 0..5 {
        let response = conn
            .send(&as_primary(&sim, "POST", SECONDARY))
            .expect("a response");
        assert_eq!(response.status, 201);
        let response = conn
            .send(&Req::new("POST", PROMOTE).auth(&sim.account_sid(), &sim.primary_token()))
            .expect("a response");
        assert_eq!(response.status, 200);
    }
    assert_eq!(sim.connections(), 1);
    assert_eq!(sim.requests(Route::Any), 10);
}

#[test]
fn requests_are_counted_per_route() {
    let sim = simulator();
    create_secondary(&sim);
    call(&sim, as_primary(&sim, "POST", PROMOTE));
    call(&sim, as_primary(&sim, "POST", PROMOTE));
    call(&sim, as_primary(&sim, "DELETE", SECONDARY));
    call(&sim, Req::new("GET", PUBLIC_KEYS));
    call(&sim, as_primary(&sim, "GET", "/v1/Nope"));
    call(
        &sim,
        as_primary(&sim, "POST", PUBLIC_KEYS).form("PublicKey=k"),
    );
    call(&sim, as_primary(&sim, "GET", &format!("{PUBLIC_KEYS}/CR1")));
    assert_eq!(sim.requests(Route::CreateSecondary), 1);
    assert_eq!(sim.requests(Route::Promote), 2);
    assert_eq!(sim.requests(Route::DeleteSecondary), 1);
    assert_eq!(sim.requests(Route::ListPublicKeys), 1);
    assert_eq!(sim.requests(Route::CreatePublicKey), 1);
    assert_eq!(sim.requests(Route::FetchPublicKey), 1);
    assert_eq!(sim.requests(Route::Any), 8);
    assert_eq!(sim.connections(), 8);
}

#[test]
fn the_same_seed_gives_the_same_credentials_and_tokens() {
    let config = SimConfig {
        seed: Some(42),
        ..SimConfig::default()
    };
    let (a, b) = (sim(config.clone()), sim(config));
    assert_eq!(a.account_sid(), b.account_sid());
    assert_eq!(a.primary_token(), b.primary_token());
    assert_eq!(create_secondary(&a), create_secondary(&b));
    let c = sim(SimConfig {
        seed: Some(43),
        ..SimConfig::default()
    });
    assert_ne!(a.account_sid(), c.account_sid());
}

#[test]
fn configured_credentials_are_used() {
    let sid = "AC0123456789abcdef0123456789ABCDEF";
    let sim = sim(SimConfig {
        account_sid: Some(sid.into()),
        auth_token: Some("my-token".into()),
        ..SimConfig::default()
    });
    assert_eq!(sim.account_sid(), sid);
    assert_eq!(
        call(&sim, Req::new("GET", PUBLIC_KEYS).auth(sid, "my-token")).status,
        200
    );
}

#[test]
fn invalid_configured_credentials_are_refused_at_start() {
    let bad_sid = Simulator::spawn(SimConfig {
        account_sid: Some("AC123".into()),
        ..SimConfig::default()
    });
    assert_eq!(
        bad_sid.map(|_| ()).map_err(|e| e.kind()),
        Err(std::io::ErrorKind::InvalidInput)
    );
    let bad_token = Simulator::spawn(SimConfig {
        auth_token: Some("has space".into()),
        ..SimConfig::default()
    });
    assert_eq!(
        bad_token.map(|_| ()).map_err(|e| e.kind()),
        Err(std::io::ErrorKind::InvalidInput)
    );
}

#[test]
fn the_configured_auth_lag_refuses_a_newly_promoted_token_for_a_while() {
    let sim = sim(SimConfig {
        auth_lag: Some(Duration::from_millis(300)),
        ..SimConfig::default()
    });
    let secondary = create_secondary(&sim);
    let promoted_at = Instant::now();
    assert_eq!(call(&sim, as_primary(&sim, "POST", PROMOTE)).status, 200);
    let verify = || {
        call(
            &sim,
            Req::new("GET", PUBLIC_KEYS).auth(&sim.account_sid(), &secondary),
        )
    };
    assert_twilio_error(&verify(), 401, 20003);
    let mut status = 401;
    for _ in 0..100 {
        std::thread::sleep(Duration::from_millis(20));
        status = verify().status;
        if status == 200 {
            break;
        }
    }
    assert_eq!(status, 200);
    assert!(promoted_at.elapsed() >= Duration::from_millis(300));
}

#[test]
fn malformed_http_gets_an_error_and_the_server_keeps_serving() {
    let sim = simulator();
    for garbage in [
        &b"\x00\x01\x02 garbage\r\n\r\n"[..],
        b"GET / HTTP/9.9\r\n\r\n",
        b"POST /v1/AuthTokens/Promote HTTP/1.1\r\nContent-Length: x\r\n\r\n",
    ] {
        let mut stream = TcpStream::connect(sim.local_addr()).expect("connect");
        stream
            .set_read_timeout(Some(READ_TIMEOUT))
            .expect("timeout");
        stream.write_all(garbage).expect("write");
        let mut conn = Conn::new(stream, "x");
        // Either an HTTP error status or a closed connection; never a hang, never a dead server.
        let _ = conn.send(&Req::new("GET", "/"));
    }
    assert_eq!(call(&sim, as_primary(&sim, "GET", PUBLIC_KEYS)).status, 200);
}

#[test]
fn dropping_the_handle_stops_the_server() {
    let sim = simulator();
    let addr = sim.local_addr();
    assert_eq!(addr.ip(), std::net::Ipv4Addr::LOCALHOST);
    drop(sim);
    assert!(TcpStream::connect(addr).is_err());
}

#[test]
fn debug_output_redacts_tokens() {
    let sim = sim(SimConfig {
        auth_token: Some("supersecrettoken".into()),
        ..SimConfig::default()
    });
    create_secondary(&sim);
    let debug = format!("{sim:?}");
    assert!(!debug.contains("supersecrettoken"), "{debug}");
    assert!(
        !debug.contains(&sim.secondary_token().unwrap_or_default()),
        "{debug}"
    );
    assert!(debug.contains(&sim.account_sid()));
    let config = SimConfig {
        auth_token: Some("supersecrettoken".into()),
        ..SimConfig::default()
    };
    assert!(!format!("{config:?}").contains("supersecrettoken"));
}
