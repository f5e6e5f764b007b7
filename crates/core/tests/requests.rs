//! Exact requests: method, URI, every header and the body, for each
//! operation and option. The expected values are written out by hand from the
//! spec and Twilio's notes, not produced by the code under test.

use http::{Method, Request};
use twilio_accounts_core::{
    ApiKeySecret, AuthToken, CreateSecondaryAuthToken, Credentials, DeleteSecondaryAuthToken,
    Endpoint, ListCredentialPublicKeys, PlainHttp, PromoteAuthToken, RequestContext, UserAgent,
};

const SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const TOKEN: &str = "0123456789abcdef0123456789abcdef";
/// base64("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:0123456789abcdef0123456789abcdef"),
/// computed independently with `printf %s 'AC…:0123…' | base64 -w0`.
const BASIC: &str = "Basic QUNhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYTowMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZg==";

fn context() -> RequestContext {
    RequestContext::new(
        Credentials::auth_token(SID.parse().unwrap(), AuthToken::new(TOKEN).unwrap()),
        Endpoint::default(),
    )
}

/// Every header of the request, as (name, value) pairs sorted by name.
fn headers(request: &Request<Vec<u8>>) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    all.sort();
    all
}

fn expected_headers(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let ua = UserAgent::default();
    let mut all: Vec<(String, String)> = [
        ("accept", "application/json"),
        ("accept-charset", "utf-8"),
        ("authorization", BASIC),
        ("user-agent", ua.as_str()),
    ]
    .iter()
    .chain(extra)
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    all.sort();
    all
}

const POST_EMPTY: &[(&str, &str)] = &[
    ("content-length", "0"),
    ("content-type", "application/x-www-form-urlencoded"),
];

#[test]
fn promote_is_an_empty_form_post() {
    let request = context().build_request(&PromoteAuthToken::new()).unwrap();
    assert_eq!(request.method(), Method::POST);
    assert_eq!(
        request.uri(),
        "https://accounts.twilio.com/v1/AuthTokens/Promote"
    );
    assert_eq!(headers(&request), expected_headers(POST_EMPTY));
    assert!(request.body().is_empty());
}

#[test]
fn promote_with_suppressed_email_sends_the_form_field() {
    let op = PromoteAuthToken::new().suppress_email_notification(true);
    let request = context().build_request(&op).unwrap();
    assert_eq!(request.body(), b"SuppressEmailNotification=true");
    assert_eq!(
        headers(&request),
        expected_headers(&[
            ("content-length", "30"),
            ("content-type", "application/x-www-form-urlencoded"),
        ])
    );
}

#[test]
fn create_secondary_is_an_empty_form_post() {
    let request = context()
        .build_request(&CreateSecondaryAuthToken::new())
        .unwrap();
    assert_eq!(request.method(), Method::POST);
    assert_eq!(
        request.uri(),
        "https://accounts.twilio.com/v1/AuthTokens/Secondary"
    );
    assert_eq!(headers(&request), expected_headers(POST_EMPTY));
    assert!(request.body().is_empty());
}

#[test]
fn create_secondary_can_say_false_explicitly() {
    let op = CreateSecondaryAuthToken::new().suppress_email_notification(false);
    let request = context().build_request(&op).unwrap();
    assert_eq!(request.body(), b"SuppressEmailNotification=false");
    assert_eq!(request.headers()["content-length"], "31");
}

#[test]
fn delete_secondary_has_no_body_and_no_content_headers() {
    let request = context()
        .build_request(&DeleteSecondaryAuthToken::new())
        .unwrap();
    assert_eq!(request.method(), Method::DELETE);
    assert_eq!(
        request.uri(),
        "https://accounts.twilio.com/v1/AuthTokens/Secondary"
    );
    assert_eq!(headers(&request), expected_headers(&[]));
    assert!(request.body().is_empty());
}

#[test]
fn delete_secondary_puts_suppression_in_the_query() {
    let op = DeleteSecondaryAuthToken::new().suppress_email_notification(true);
    let request = context().build_request(&op).unwrap();
    assert_eq!(
        request.uri(),
        "https://accounts.twilio.com/v1/AuthTokens/Secondary?SuppressEmailNotification=true"
    );
    assert_eq!(headers(&request), expected_headers(&[]));
    assert!(request.body().is_empty());
}

#[test]
fn list_public_keys_is_a_get_with_page_size() {
    let op = ListCredentialPublicKeys::new().page_size(1).unwrap();
    let request = context().build_request(&op).unwrap();
    assert_eq!(request.method(), Method::GET);
    assert_eq!(
        request.uri(),
        "https://accounts.twilio.com/v1/Credentials/PublicKeys?PageSize=1"
    );
    assert_eq!(headers(&request), expected_headers(&[]));
    assert!(ListCredentialPublicKeys::new().page_size(0).is_err());
    assert!(ListCredentialPublicKeys::new().page_size(1001).is_err());
}

#[test]
fn the_authorization_header_is_hidden_from_debug() {
    let request = context().build_request(&PromoteAuthToken::new()).unwrap();
    let debug = format!("{request:?}");
    assert!(!debug.contains(&BASIC[6..]), "{debug}");
    assert!(!debug.contains(TOKEN));
    assert!(debug.contains("Sensitive"));
}

#[test]
fn api_key_credentials_authenticate_as_the_key() {
    let context = RequestContext::new(
        Credentials::api_key(
            SID.parse().unwrap(),
            "SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb".parse().unwrap(),
            ApiKeySecret::new("s3cr3t").unwrap(),
        ),
        Endpoint::default(),
    );
    let request = context.build_request(&PromoteAuthToken::new()).unwrap();
    // printf %s 'SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb:s3cr3t' | base64
    assert_eq!(
        request.headers()["authorization"],
        "Basic U0tiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYjpzM2NyM3Q="
    );
}

#[test]
fn user_agent_extensions_are_sent() {
    let ua = UserAgent::default().with_extension("rotator/9.9").unwrap();
    let request = context()
        .with_user_agent(ua)
        .build_request(&PromoteAuthToken::new())
        .unwrap();
    let sent = request.headers()["user-agent"].to_str().unwrap();
    assert!(sent.starts_with("twilio-accounts-rs/0.1.0 ("), "{sent}");
    assert!(sent.ends_with(" rotator/9.9"), "{sent}");
}

#[test]
fn custom_and_regional_endpoints_change_only_the_origin() {
    let local = Endpoint::custom("http://127.0.0.1:4010/", PlainHttp::LoopbackOnly).unwrap();
    let request = RequestContext::new(context().credentials().clone(), local)
        .build_request(&PromoteAuthToken::new())
        .unwrap();
    assert_eq!(request.uri(), "http://127.0.0.1:4010/v1/AuthTokens/Promote");

    let regional = Endpoint::for_location(Some("au1"), Some("sydney")).unwrap();
    let request = RequestContext::new(context().credentials().clone(), regional)
        .build_request(&PromoteAuthToken::new())
        .unwrap();
    assert_eq!(
        request.uri(),
        "https://accounts.sydney.au1.twilio.com/v1/AuthTokens/Promote"
    );
}
