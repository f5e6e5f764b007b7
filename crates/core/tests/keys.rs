//! API keys (2010 Keys and SigningKeys, IAM v1 Keys): every operation's
//! request against the spec's examples, one row each; the policy's round
//! trip and limit as properties; a new key's secret never in `Debug`,
//! `Display`, JSON output or an error.

use http::Method;
use proptest::prelude::*;
use twilio_accounts_core::operations::keys_2010::{Keys, SigningKeys};
use twilio_accounts_core::{
    AccountSid, ApiKeySid, AuthToken, CreateAccountKey, CreateIamKey, CreateNewKey,
    CreateNewSigningKey, Credentials, DeleteIamKey, DeleteKey, DeleteSigningKey, Endpoint, Error,
    FetchIamKey, FetchKey, FetchSigningKey, FriendlyName, ListIamKeys, ListKey, ListSigningKey,
    MAX_POLICY_PERMISSIONS, Operation, Policy, PolicyError, RequestContext, Secrets, ToJson,
    UpdateIamKey, UpdateKey, UpdateSigningKey,
};

const AC: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const SK: &str = "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const SECRET: &str = "s3cr3tK3yValue0123456789abcdefXYZ";

fn context(endpoint: Endpoint) -> RequestContext {
    RequestContext::new(
        Credentials::auth_token(
            AC.parse().unwrap(),
            AuthToken::new("0123456789abcdef0123456789abcdef").unwrap(),
        ),
        endpoint,
    )
}

fn account() -> AccountSid {
    AC.parse().unwrap()
}

fn key() -> ApiKeySid {
    SK.parse().unwrap()
}

/// A request as the table compares it: method, URI, body.
type Wire = (Method, String, String);

/// Method, URI and body of `operation`'s request on `endpoint`.
fn wire<O: Operation>(endpoint: &Endpoint, operation: &O) -> Wire {
    let request = context(endpoint.clone()).build_request(operation).unwrap();
    (
        request.method().clone(),
        request.uri().to_string(),
        String::from_utf8(request.body().clone()).unwrap(),
    )
}

#[test]
fn every_key_operation_sends_the_specs_example_request_to_its_host() {
    let name = || FriendlyName::new("foo").unwrap();
    let policy = Policy::allow(["/twilio/messaging/messages/read"]).unwrap();
    let api = "https://api.twilio.com/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let iam = "https://iam.twilio.com/v1/Keys";
    let e = Endpoint::default();
    #[rustfmt::skip]
    let rows: Vec<(Wire, (Method, String, &str))> = vec![
        (wire(&e, &ListKey::new(account()).page_size(20).unwrap()), (Method::GET, format!("{api}/Keys.json?PageSize=20"), "")),
        (wire(&e, &CreateNewKey::new(account()).friendly_name(name())), (Method::POST, format!("{api}/Keys.json"), "FriendlyName=foo")),
        (wire(&e, &FetchKey::new(account(), key())), (Method::GET, format!("{api}/Keys/{SK}.json"), "")),
        (wire(&e, &UpdateKey::new(account(), key(), name())), (Method::POST, format!("{api}/Keys/{SK}.json"), "FriendlyName=foo")),
        (wire(&e, &DeleteKey::new(account(), key())), (Method::DELETE, format!("{api}/Keys/{SK}.json"), "")),
        (wire(&e, &ListSigningKey::new(account())), (Method::GET, format!("{api}/SigningKeys.json"), "")),
        (wire(&e, &CreateNewSigningKey::new(account())), (Method::POST, format!("{api}/SigningKeys.json"), "")),
        (wire(&e, &FetchSigningKey::new(account(), key())), (Method::GET, format!("{api}/SigningKeys/{SK}.json"), "")),
        (wire(&e, &UpdateSigningKey::new(account(), key(), name())), (Method::POST, format!("{api}/SigningKeys/{SK}.json"), "FriendlyName=foo")),
        (wire(&e, &DeleteSigningKey::new(account(), key())), (Method::DELETE, format!("{api}/SigningKeys/{SK}.json"), "")),
        (wire(&e, &ListIamKeys::new(account())), (Method::GET, format!("{iam}?AccountSid={AC}"), "")),
        (wire(&e, &CreateIamKey::standard(account()).friendly_name(name())), (Method::POST, iam.to_owned(), "AccountSid=ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&FriendlyName=foo")),
        (wire(&e, &CreateIamKey::restricted(account(), policy.clone()).unwrap()), (Method::POST, iam.to_owned(), "AccountSid=ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&KeyType=restricted&Policy=%7B%22allow%22%3A%5B%22%2Ftwilio%2Fmessaging%2Fmessages%2Fread%22%5D%7D")),
        (wire(&e, &FetchIamKey::new(key())), (Method::GET, format!("{iam}/{SK}"), "")),
        (wire(&e, &UpdateIamKey::new(key()).friendly_name(name())), (Method::POST, format!("{iam}/{SK}"), "FriendlyName=foo")),
        (wire(&e, &DeleteIamKey::new(key())), (Method::DELETE, format!("{iam}/{SK}"), "")),
    ];
    for ((method, uri, body), (want_method, want_uri, want_body)) in rows {
        assert_eq!((&method, &uri), (&want_method, &want_uri));
        assert_eq!(body, want_body, "{uri}");
    }
}

#[test]
fn key_hosts_follow_the_edge_and_region_rules_and_a_custom_base_url() {
    let dublin = Endpoint::for_location(Some("ie1"), Some("dublin")).unwrap();
    assert_eq!(
        wire(&dublin, &FetchIamKey::new(key())).1,
        format!("https://iam.dublin.ie1.twilio.com/v1/Keys/{SK}")
    );
    assert_eq!(
        wire(&dublin, &FetchKey::new(account(), key())).1,
        format!("https://api.dublin.ie1.twilio.com/2010-04-01/Accounts/{AC}/Keys/{SK}.json")
    );
    let local = Endpoint::custom("http://127.0.0.1:4010", Default::default()).unwrap();
    assert_eq!(
        wire(&local, &ListIamKeys::new(account())).1,
        format!("http://127.0.0.1:4010/v1/Keys?AccountSid={AC}")
    );
}

#[test]
fn the_generic_operations_and_their_aliases_are_the_same_declarations() {
    assert_eq!(<CreateAccountKey<Keys>>::ID, CreateNewKey::ID);
    assert_eq!(<CreateAccountKey<SigningKeys>>::ID, "CreateNewSigningKey");
    // The same id in two APIs, told apart by their service.
    assert_eq!(CreateNewKey::ID, CreateIamKey::ID);
    assert_ne!(CreateNewKey::SERVICE, CreateIamKey::SERVICE);
}

#[test]
fn iam_pages_follow_only_links_to_the_same_iam_list() {
    let body = |next: &str| {
        format!(r#"{{"keys":[],"meta":{{"page":0,"page_size":1,"next_page_url":"{next}"}}}}"#)
    };
    let context = context(Endpoint::default());
    let list = ListIamKeys::new(account());
    let page = |next: &str| {
        let response = http::Response::builder()
            .status(200)
            .body(body(next).into_bytes())
            .unwrap();
        context.parse_response(&list, response).unwrap().value
    };
    use twilio_accounts_core::ListOperation;
    let ok = page(&format!(
        "https://iam.twilio.com/v1/Keys?AccountSid={AC}&Page=1&PageToken=PA1"
    ));
    assert!(
        ListIamKeys::next_page(context.endpoint(), &ok)
            .unwrap()
            .is_some()
    );
    for elsewhere in [
        "https://accounts.twilio.com/v1/Keys?Page=1",
        "https://evil.example/v1/Keys?Page=1",
        "https://iam.twilio.com/v1/Keys/SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "/v1/Keys?Page=1",
    ] {
        let refused = ListIamKeys::next_page(context.endpoint(), &page(elsewhere));
        assert!(matches!(refused, Err(Error::InvalidLink(_))), "{elsewhere}");
    }
}

#[test]
fn a_new_keys_secret_is_in_no_debug_display_json_or_error() {
    let context = context(Endpoint::default());
    let answer = |body: String| {
        http::Response::builder()
            .status(201)
            .body(body.into_bytes())
            .unwrap()
    };
    let good = format!(
        r#"{{"sid":"{SK}","secret":"{SECRET}","date_created":"Mon, 13 Jun 2016 22:50:08 +0000"}}"#
    );
    let iam = context
        .parse_response(&CreateIamKey::standard(account()), answer(good.clone()))
        .unwrap();
    let api = context
        .parse_response(&CreateNewKey::new(account()), answer(good))
        .unwrap();
    assert_eq!(iam.value.secret.as_ref().unwrap().expose_secret(), SECRET);
    for text in [
        format!("{iam:?}"),
        format!("{api:?}"),
        iam.value.to_json(Secrets::Redact).to_string(),
        api.value.to_json(Secrets::Redact).to_string(),
    ] {
        assert!(!text.contains(&SECRET[..8]), "{text}");
    }
    assert_eq!(api.value.to_json(Secrets::Reveal)["secret"], SECRET);

    // Beside a malformed field, the secret is kept in the error, not shown.
    let bad = format!(r#"{{"sid":"{SK}","secret":"{SECRET}","date_created":"yesterday"}}"#);
    for err in [
        context
            .parse_response(&CreateIamKey::standard(account()), answer(bad.clone()))
            .unwrap_err(),
        context
            .parse_response(&CreateNewSigningKey::new(account()), answer(bad.clone()))
            .unwrap_err(),
    ] {
        let Error::Decode(decode) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(
            decode.salvaged_api_key_secret().map(|s| s.expose_secret()),
            Some(SECRET)
        );
        assert!(decode.salvaged_token().is_none());
        for text in [format!("{err:?}"), err.to_string()] {
            assert!(!text.contains(&SECRET[..8]), "{text}");
        }
        assert!(
            err.to_string()
                .contains("API key secret it carried was kept")
        );
    }
}

#[test]
fn a_policy_over_the_limit_is_refused_before_sending() {
    let permissions = |n: usize| (0..n).map(|i| format!("/twilio/p/{i}")).collect::<Vec<_>>();
    let full = Policy::allow(permissions(MAX_POLICY_PERMISSIONS)).unwrap();
    assert!(CreateIamKey::restricted(account(), full).is_ok());
    let over = Policy::new(permissions(60), permissions(41));
    assert_eq!(
        over,
        Err(PolicyError::TooManyPermissions {
            count: 101,
            max: 100
        })
    );
    let text = format!(r#"{{"allow":{}}}"#, serde_json::json!(permissions(101)));
    let err = Policy::from_json_str(&text).unwrap_err();
    assert!(err.to_string().contains("101 permissions"), "{err}");
    assert!(matches!(
        Policy::from_json_str(r#"{"allow":["/a"],"alow":[]}"#),
        Err(PolicyError::Malformed { .. })
    ));
}

fn permission() -> impl Strategy<Value = String> {
    "/twilio/[a-z]{1,8}/[a-z\"\\\\ ]{0,8}/(read|create|update|delete)"
}

proptest! {
    /// A policy within the limit survives the trip through the JSON text it
    /// is sent as, and through the object Twilio answers with.
    #[test]
    fn policies_round_trip_through_their_json(
        allow in prop::collection::vec(permission(), 0..50),
        deny in prop::collection::vec(permission(), 0..50),
    ) {
        let policy = Policy::new(allow, deny).unwrap();
        let text = policy.to_json_string();
        prop_assert_eq!(&Policy::from_json_str(&text).unwrap(), &policy);
        let answer: twilio_accounts_core::IamKey =
            serde_json::from_str(&format!(r#"{{"policy":{text}}}"#)).unwrap();
        prop_assert_eq!(answer.policy.as_ref(), Some(&policy));
    }

    /// Over the limit, every way of making a policy to send refuses it.
    #[test]
    fn policies_over_the_limit_are_refused(
        allow in 0usize..150,
        deny in 0usize..150,
    ) {
        let list = |n: usize| (0..n).map(|i| format!("/twilio/p/{i}")).collect::<Vec<_>>();
        let made = Policy::new(list(allow), list(deny));
        let text = serde_json::json!({"allow": list(allow), "deny": list(deny)}).to_string();
        let read = Policy::from_json_str(&text);
        if allow + deny > MAX_POLICY_PERMISSIONS {
            prop_assert!(made.is_err());
            prop_assert!(read.is_err());
        } else {
            prop_assert_eq!(made.unwrap(), read.unwrap());
        }
    }
}
