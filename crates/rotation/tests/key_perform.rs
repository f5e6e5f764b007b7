//! `perform_key`: where each key rotation call goes, through the real
//! client over a closure transport at a base URL of its own (as the
//! simulator's), and how a listing follows its pages.

use std::cell::RefCell;

use twilio_accounts_client::{Client, ClientOptions, ClientSetup};
use twilio_accounts_core::{AuthToken, Credentials, RetryPolicy, TransportError};
use twilio_accounts_rotation::{
    KeyApi, KeyCall, KeyCallKind, KeyCallResult, VerifyRead, perform_key,
};

const ACCOUNT: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const BASE: &str = "http://127.0.0.1:9";

fn credentials() -> Credentials {
    Credentials::auth_token(
        ACCOUNT.parse().unwrap(),
        AuthToken::new("0ld70ken0ld70ken0ld70ken0ld70ken").unwrap(),
    )
}

fn call(kind: KeyCallKind) -> KeyCall {
    KeyCall {
        account_sid: ACCOUNT.parse().unwrap(),
        credentials: credentials(),
        kind,
    }
}

/// Sends `kind` (to Twilio's own hosts unless `base`); returns its result
/// and the host, path and query of every request.
fn send_to(
    base: Option<&str>,
    kind: KeyCallKind,
    answer: impl Fn(&str) -> (u16, String),
) -> (
    Result<KeyCallResult, twilio_accounts_core::Error>,
    Vec<String>,
) {
    let seen = RefCell::new(Vec::new());
    let transport =
        |request: http::Request<Vec<u8>>| -> Result<http::Response<Vec<u8>>, TransportError> {
            let target = request.uri().path_and_query().unwrap().to_string();
            let (status, body) = answer(&target);
            seen.borrow_mut().push(match base {
                Some(_) => target,
                None => format!("{}{target}", request.uri().host().unwrap_or("")),
            });
            Ok(http::Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(body.into_bytes())
                .unwrap())
        };
    let options = ClientOptions::new().with_retry_policy(RetryPolicy::never());
    let options = match base {
        Some(base) => options.with_base_url(base),
        None => options,
    };
    let setup = ClientSetup::new(credentials(), options, |_| None).unwrap();
    let client = Client::with_blocking_wait(setup, &transport, |_| {});
    let result = perform_key(&call(kind), &client);
    (result, seen.into_inner())
}

/// [`send_to`] a base URL of the test's own.
fn send(
    kind: KeyCallKind,
    answer: impl Fn(&str) -> (u16, String),
) -> (
    Result<KeyCallResult, twilio_accounts_core::Error>,
    Vec<String>,
) {
    send_to(Some(BASE), kind, answer)
}

#[test]
fn a_verify_path_goes_where_it_says_and_any_2xx_counts() {
    for (path, host) in [
        (
            "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages.json?PageSize=1",
            "api.twilio.com",
        ),
        (
            "/v1/SafeList/Numbers?PhoneNumber=%2B18005550100",
            "accounts.twilio.com",
        ),
    ] {
        let (result, seen) = send_to(
            None,
            KeyCallKind::Verify(VerifyRead::Path(path.into())),
            |_| (200, "not json".into()),
        );
        assert_eq!(result.unwrap(), KeyCallResult::Verified);
        assert_eq!(seen, [format!("{host}{path}")], "{path}");
    }
}

#[test]
fn a_listing_follows_its_next_page_at_the_clients_own_base_url() {
    let key = |n: u8| format!(r#"{{"sid":"SK{:032x}","friendly_name":"k{n}"}}"#, n);
    let (result, seen) = send(KeyCallKind::List { api: KeyApi::Iam }, |target| {
        if target.contains("PageToken") {
            (
                200,
                format!(
                    r#"{{"keys":[{}],"meta":{{"key":"keys","next_page_url":null}}}}"#,
                    key(2)
                ),
            )
        } else {
            (
                200,
                format!(
                    r#"{{"keys":[{}],"meta":{{"key":"keys","next_page_url":"{BASE}/v1/Keys?AccountSid={ACCOUNT}&PageSize=1000&Page=1&PageToken=PA1"}}}}"#,
                    key(1)
                ),
            )
        }
    });
    let KeyCallResult::Listed(keys) = result.unwrap() else {
        panic!()
    };
    assert_eq!(keys.len(), 2, "{seen:?}");
    assert_eq!(keys[1].friendly_name.as_deref(), Some("k2"));
    assert_eq!(seen.len(), 2);
}

#[test]
fn a_deletes_404_counts_as_deleted_and_a_fetchs_does_not() {
    let sid = "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap();
    let not_found = |_: &str| {
        (
            404,
            r#"{"code":20404,"message":"no","status":404}"#.to_owned(),
        )
    };
    for api in [KeyApi::Iam, KeyApi::V2010] {
        let (deleted, seen) = send(KeyCallKind::Delete { api, sid }, not_found);
        assert_eq!(deleted.unwrap(), KeyCallResult::Deleted);
        let expected = match api {
            KeyApi::Iam => format!("/v1/Keys/{}", sid.as_str()),
            KeyApi::V2010 => format!("/2010-04-01/Accounts/{ACCOUNT}/Keys/{}.json", sid.as_str()),
        };
        assert_eq!(seen, [expected]);
        let (fetched, _) = send(KeyCallKind::Fetch { api, sid }, not_found);
        assert!(fetched.unwrap_err().is_not_found());
    }
}
