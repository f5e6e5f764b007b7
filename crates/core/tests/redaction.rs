//! Secrets never reach `Debug` or `Display`: every public type and every
//! error that ever held a token is formatted, and a distinctive token string
//! must not appear in the output (nor its Basic-auth encoding).

use base64::Engine as _;
use http::Response;
use twilio_accounts_core::{
    ApiKeySecret, AuthToken, CreateSecondaryAuthToken, Credentials, CredentialsInput, Endpoint,
    Error, Exchange, PromoteAuthToken, RequestContext, RetryPolicy, SecretError, TransportError,
    send_blocking,
};
use zeroize::Zeroizing;

/// Distinctive enough that no format string contains it by accident.
const TOKEN: &str = "deadbeefcafef00d5ec12e7deadbeef1";
const NEW_TOKEN: &str = "feedfacefeedface5ec12e7feedface2";
const SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

fn assert_hidden(text: &str) {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{TOKEN}"));
    for secret in [TOKEN, NEW_TOKEN, "5ec12e7", basic.as_str()] {
        assert!(!text.contains(secret), "leaked {secret:?} in: {text}");
    }
}

macro_rules! check_debug {
    ($($value:expr),+ $(,)?) => {$(
        assert_hidden(&format!("{:?}", $value));
        assert_hidden(&format!("{:#?}", $value));
    )+};
}

macro_rules! check_both {
    ($($value:expr),+ $(,)?) => {$(
        check_debug!($value);
        assert_hidden(&format!("{}", $value));
    )+};
}

fn context() -> RequestContext {
    RequestContext::new(
        Credentials::auth_token(SID.parse().unwrap(), AuthToken::new(TOKEN).unwrap()),
        Endpoint::default(),
    )
}

fn body(status: u16, text: &str) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .body(text.as_bytes().to_vec())
        .unwrap()
}

#[test]
fn secrets_credentials_and_contexts() {
    let token = AuthToken::new(TOKEN).unwrap();
    let secret = ApiKeySecret::new(TOKEN).unwrap();
    let credentials = Credentials::auth_token(SID.parse().unwrap(), token.clone());
    let key_credentials = Credentials::api_key(
        SID.parse().unwrap(),
        "SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb".parse().unwrap(),
        secret.clone(),
    );
    let input = CredentialsInput {
        account_sid: Some(SID.into()),
        auth_token: Some(Zeroizing::new(TOKEN.into())),
        api_key: None,
        api_secret: Some(Zeroizing::new(TOKEN.into())),
    };
    let ctx = context();
    let policy = RetryPolicy::default();
    let op = PromoteAuthToken::new();
    let exchange = Exchange::new(&ctx, &op, &policy, 1);
    check_debug!(
        token,
        secret,
        credentials,
        key_credentials,
        input,
        ctx,
        exchange,
        credentials.authorization()
    );
}

#[test]
fn requests() {
    let request = context().build_request(&PromoteAuthToken::new()).unwrap();
    check_debug!(request, request.headers());
}

#[test]
fn successful_replies() {
    let promotion = context()
        .parse_response(
            &PromoteAuthToken::new(),
            body(200, &format!(r#"{{"auth_token":"{NEW_TOKEN}"}}"#)),
        )
        .unwrap();
    let secondary = context()
        .parse_response(
            &CreateSecondaryAuthToken::new(),
            body(201, &format!(r#"{{"secondary_auth_token":"{NEW_TOKEN}"}}"#)),
        )
        .unwrap();
    check_debug!(promotion, promotion.value, secondary, secondary.value);
}

#[test]
fn accounts_of_the_2010_api_and_their_pages() {
    use twilio_accounts_core::{FetchAccount, ListAccount, ListOperation};
    let account = format!(
        r#"{{"sid":"{SID}","auth_token":"{NEW_TOKEN}","date_created":"Fri, 31 Jul 2015 06:00:00 +0200"}}"#
    );
    let fetched = context()
        .parse_response(
            &FetchAccount::new(SID.parse().unwrap()),
            body(200, &account),
        )
        .unwrap();
    let page = context()
        .parse_response(
            &ListAccount::new(),
            body(
                200,
                &format!(
                    r#"{{"accounts":[{account}],"next_page_uri":"/2010-04-01/Accounts.json?Page=1&PageToken=PA1"}}"#
                ),
            ),
        )
        .unwrap();
    let next = ListAccount::next_page(&Endpoint::default(), &page.value)
        .unwrap()
        .unwrap();
    let next_request = context().build_request(&next).unwrap();
    check_debug!(fetched, fetched.value, page, page.value, next, next_request);

    // A token beside a malformed field, in a fetch and in a page.
    let bad = format!(r#"{{"auth_token":"{NEW_TOKEN}","status":7}}"#);
    let err = context()
        .parse_response(&FetchAccount::new(SID.parse().unwrap()), body(200, &bad))
        .unwrap_err();
    assert!(
        matches!(&err, Error::Decode(d) if d.salvaged_token().is_some()),
        "{err:?}"
    );
    check_both!(err);
    let err = context()
        .parse_response(
            &ListAccount::new(),
            body(200, &format!(r#"{{"accounts":[{bad}]}}"#)),
        )
        .unwrap_err();
    check_both!(err);
}

#[test]
fn decode_errors_from_bodies_that_carry_tokens() {
    let bodies = [
        format!(r#"{{"auth_token":"{NEW_TOKEN}","date_created":"not a date"}}"#),
        format!(r#"{{"auth_token":"{NEW_TOKEN}","account_sid":"nope"}}"#),
        format!(r#"{{"auth_token":"{NEW_TOKEN}","#),
        format!(r#"{{"auth_token":"{NEW_TOKEN}"}} trailing"#),
        format!(r#"{{"auth_token":["{NEW_TOKEN}"]}}"#),
        format!(r#"{{"auth_token":" {NEW_TOKEN}"}}"#),
        format!(r#"{{"auth_token":"{NEW_TOKEN}","url":{{"x":"{NEW_TOKEN}"}}}}"#),
        format!(r#"["{NEW_TOKEN}"]"#),
    ];
    for text in &bodies {
        let err = context()
            .parse_response(&PromoteAuthToken::new(), body(200, text))
            .unwrap_err();
        assert!(matches!(err, Error::Decode(_)), "{text}: {err:?}");
        check_both!(err);
    }
}

#[test]
fn error_responses_and_transport_errors() {
    let err = context()
        .parse_response(
            &PromoteAuthToken::new(),
            body(
                401,
                r#"{"code":20003,"message":"Authenticate","status":401}"#,
            ),
        )
        .unwrap_err();
    check_both!(err);

    let transport =
        |_request: http::Request<Vec<u8>>| -> Result<Response<Vec<u8>>, TransportError> {
            Err(TransportError::new(
                twilio_accounts_core::TransportErrorKind::ConnectionClosed,
                twilio_accounts_core::Delivery::MaybeSent,
                "connection closed before the response",
            ))
        };
    let err = send_blocking(
        &context(),
        &PromoteAuthToken::new(),
        &RetryPolicy::default(),
        0,
        &transport,
        |_| {},
    )
    .unwrap_err();
    assert!(err.is_outcome_unknown());
    check_both!(err);
}

#[test]
fn input_errors() {
    let padded = format!("{TOKEN}\n");
    let err: SecretError = AuthToken::new(padded.as_str()).unwrap_err();
    check_both!(err);
    let err = Credentials::from_env(CredentialsInput::default(), |name| match name {
        "TWILIO_ACCOUNT_SID" => Some(SID.to_owned()),
        "TWILIO_AUTH_TOKEN" => Some(padded.clone()),
        _ => None,
    })
    .unwrap_err();
    check_both!(err);
    // A token pasted where a SID belongs is not echoed either.
    let err = Credentials::from_env(CredentialsInput::default(), |name| match name {
        "TWILIO_ACCOUNT_SID" => Some(TOKEN.to_owned()),
        _ => None,
    })
    .unwrap_err();
    check_both!(err);
    let err = Error::from(
        TOKEN
            .parse::<twilio_accounts_core::AccountSid>()
            .unwrap_err(),
    );
    check_both!(err);
}
