//! Responses, from fixtures written to the spec: each status and body shape a
//! caller can meet, and what it turns into.

use http::{Response, StatusCode};
use twilio_accounts_core::{
    AuthToken, BodyKind, CreateSecondaryAuthToken, Credentials, DecodeErrorKind,
    DeleteSecondaryAuthToken, Endpoint, Error, LinkError, ListCredentialPublicKeys, ListOperation,
    PromoteAuthToken, RequestContext,
};

const SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const REQUEST_ID: &str = "RQ0123456789abcdef0123456789abcdef";

/// A fixture from tests/fixtures, compiled in (the core's lint bans file reads).
macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("fixtures/", $name)).to_vec()
    };
}

fn context() -> RequestContext {
    RequestContext::new(
        Credentials::auth_token(
            SID.parse().unwrap(),
            AuthToken::new("0123456789abcdef0123456789abcdef").unwrap(),
        ),
        Endpoint::default(),
    )
}

fn response(status: u16, body: Vec<u8>) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("twilio-request-id", REQUEST_ID)
        .body(body)
        .unwrap()
}

#[test]
fn promote_200_gives_the_new_primary() {
    let reply = context()
        .parse_response(
            &PromoteAuthToken::new(),
            response(200, fixture!("promote_200.json")),
        )
        .unwrap();
    let promotion = &reply.value;
    assert_eq!(
        promotion.auth_token.expose_secret(),
        "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
    );
    assert_eq!(promotion.account_sid.unwrap().as_str(), SID);
    assert_eq!(
        promotion.date_created.unwrap().unix_timestamp(),
        1_438_315_200
    );
    assert_eq!(
        promotion.date_updated.unwrap().unix_timestamp(),
        1_438_315_200
    );
    assert_eq!(
        promotion.url.as_deref(),
        Some("https://accounts.twilio.com/v1/AuthTokens/Promote")
    );
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.request_id(), Some(REQUEST_ID));
}

#[test]
fn create_201_gives_the_secondary() {
    let reply = context()
        .parse_response(
            &CreateSecondaryAuthToken::new(),
            response(201, fixture!("secondary_201.json")),
        )
        .unwrap();
    assert_eq!(
        reply.value.secondary_auth_token.expose_secret(),
        "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
    );
    assert_eq!(reply.status, StatusCode::CREATED);
}

#[test]
fn unknown_fields_are_ignored_and_null_dates_are_none() {
    let reply = context()
        .parse_response(
            &CreateSecondaryAuthToken::new(),
            response(201, fixture!("secondary_201_extra_fields.json")),
        )
        .unwrap();
    assert_eq!(
        reply.value.secondary_auth_token.expose_secret(),
        "c0ffeec0ffeec0ffeec0ffeec0ffee00"
    );
    assert_eq!(reply.value.date_updated, None);
}

#[test]
fn delete_204_is_unit_and_ignores_any_body() {
    let reply = context()
        .parse_response(&DeleteSecondaryAuthToken::new(), response(204, Vec::new()))
        .unwrap();
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert!(
        context()
            .parse_response(
                &DeleteSecondaryAuthToken::new(),
                response(200, b"not json".to_vec())
            )
            .is_ok()
    );
}

#[test]
fn a_success_without_its_token_is_an_error() {
    for (name, body) in [
        ("missing", fixture!("secondary_201_missing_token.json")),
        ("null", fixture!("secondary_201_null_token.json")),
    ] {
        let err = context()
            .parse_response(&CreateSecondaryAuthToken::new(), response(201, body))
            .unwrap_err();
        let Error::Decode(decode) = &err else {
            panic!("{name}: {err:?}")
        };
        assert_eq!(decode.kind, DecodeErrorKind::MissingField, "{name}");
        assert_eq!(decode.path, "secondary_auth_token");
        assert_eq!(decode.request_id.as_deref(), Some(REQUEST_ID));
        assert!(err.to_string().contains("secondary_auth_token"));
    }
    let err = context()
        .parse_response(&PromoteAuthToken::new(), response(200, b"{}".to_vec()))
        .unwrap_err();
    assert!(matches!(&err, Error::Decode(d) if d.path == "auth_token"));
}

#[test]
fn truncated_json_is_reported_without_its_text() {
    let body = fixture!("promote_200_truncated.json");
    let err = context()
        .parse_response(&PromoteAuthToken::new(), response(200, body))
        .unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.kind, DecodeErrorKind::Truncated);
    assert_eq!(decode.line, 1);
    let text = format!("{err} {err:?}");
    assert!(!text.contains("c0ffee"), "{text}");
    assert!(text.contains("cut short"));
}

#[test]
fn empty_success_body_is_a_decode_error() {
    let err = context()
        .parse_response(&PromoteAuthToken::new(), response(200, Vec::new()))
        .unwrap_err();
    assert!(matches!(&err, Error::Decode(d) if d.kind == DecodeErrorKind::Truncated));
}

#[test]
fn non_json_success_body_is_a_syntax_error() {
    let err = context()
        .parse_response(
            &PromoteAuthToken::new(),
            response(200, b"<html>ok</html>".to_vec()),
        )
        .unwrap_err();
    assert!(matches!(&err, Error::Decode(d) if d.kind == DecodeErrorKind::Syntax));
}

#[test]
fn a_token_beside_a_malformed_field_is_salvaged_not_lost() {
    let err = context()
        .parse_response(
            &CreateSecondaryAuthToken::new(),
            response(201, fixture!("secondary_201_bad_date.json")),
        )
        .unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.kind, DecodeErrorKind::InvalidField);
    assert_eq!(decode.path, "date_created");
    assert_eq!(
        decode.salvaged_token().unwrap().expose_secret(),
        "c0ffeec0ffeec0ffeec0ffeec0ffee00"
    );
    let text = format!("{err} {err:?}");
    assert!(!text.contains("c0ffee"), "{text}");
    assert!(!text.contains("31/07/2015"), "{text}");
}

#[test]
fn error_401_is_authentication_failed() {
    let err = context()
        .parse_response(
            &PromoteAuthToken::new(),
            response(401, fixture!("error_401_20003.json")),
        )
        .unwrap_err();
    assert!(err.is_authentication_failed());
    assert_eq!(err.code(), Some(20003));
    assert_eq!(err.request_id(), Some(REQUEST_ID));
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.message, "Authenticate");
    assert_eq!(
        api.more_info.as_deref(),
        Some("https://www.twilio.com/docs/errors/20003")
    );
}

#[test]
fn error_401_with_an_api_key_hints_at_standard_keys() {
    let context = RequestContext::new(
        Credentials::api_key(
            SID.parse().unwrap(),
            "SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb".parse().unwrap(),
            twilio_accounts_core::ApiKeySecret::new("secret").unwrap(),
        ),
        Endpoint::default(),
    );
    let err = context
        .parse_response(
            &PromoteAuthToken::new(),
            response(401, fixture!("error_401_20003.json")),
        )
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("Standard API keys cannot manage Auth Tokens"),
        "{err}"
    );
}

#[test]
fn error_404_on_promote_is_nothing_to_promote() {
    let err = context()
        .parse_response(
            &PromoteAuthToken::new(),
            response(404, fixture!("error_404_20404.json")),
        )
        .unwrap_err();
    assert!(err.is_nothing_to_promote());
    assert_eq!(err.code(), Some(20404));
}

#[test]
fn error_429_is_rate_limited_with_or_without_retry_after() {
    let mut with = response(429, fixture!("error_429_20429.json"));
    with.headers_mut()
        .insert("retry-after", "3".parse().unwrap());
    for r in [with, response(429, fixture!("error_429_20429.json"))] {
        let err = context()
            .parse_response(&PromoteAuthToken::new(), r)
            .unwrap_err();
        assert!(err.is_rate_limited());
    }
    // A bare 429 without a Twilio body is still rate limiting.
    let err = context()
        .parse_response(&PromoteAuthToken::new(), response(429, Vec::new()))
        .unwrap_err();
    assert!(err.is_rate_limited());
}

#[test]
fn error_500_with_html_keeps_the_status_not_the_page() {
    let mut r = response(500, fixture!("error_500.html"));
    r.headers_mut()
        .insert("content-type", "text/html".parse().unwrap());
    let err = context()
        .parse_response(&PromoteAuthToken::new(), r)
        .unwrap_err();
    let Error::UnexpectedResponse(u) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(u.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(u.body, BodyKind::Html);
    assert!(!err.to_string().contains("Internal Server Error</h1>"));
}

#[test]
fn error_with_an_empty_body() {
    let err = context()
        .parse_response(&PromoteAuthToken::new(), response(503, Vec::new()))
        .unwrap_err();
    assert!(matches!(&err, Error::UnexpectedResponse(u) if u.body == BodyKind::Empty));
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
}

#[test]
fn error_details_are_kept() {
    let err = context()
        .parse_response(
            &CreateSecondaryAuthToken::new(),
            response(400, fixture!("error_400_details.json")),
        )
        .unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        api.details.as_ref().unwrap()["parameter"],
        serde_json::json!("Foo")
    );
}

#[test]
fn problem_details_are_recognised() {
    let err = context()
        .parse_response(
            &ListCredentialPublicKeys::new(),
            response(422, fixture!("problem_422.json")),
        )
        .unwrap_err();
    let Error::Problem(problem) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(problem.code, Some(20001));
    assert_eq!(
        problem.detail.as_deref(),
        Some("PageSize must be at most 1000")
    );
}

#[test]
fn pages_decode_and_follow_only_same_host_links() {
    let empty = context()
        .parse_response(
            &ListCredentialPublicKeys::new(),
            response(200, fixture!("public_keys_empty.json")),
        )
        .unwrap()
        .value;
    assert!(empty.items.is_empty());
    assert_eq!(
        ListCredentialPublicKeys::next_page(&Endpoint::default(), &empty).unwrap(),
        None
    );

    let full = context()
        .parse_response(
            &ListCredentialPublicKeys::new(),
            response(200, fixture!("public_keys_full.json")),
        )
        .unwrap()
        .value;
    assert_eq!(full.items.len(), 1);
    assert_eq!(
        full.items[0].sid.unwrap().as_str(),
        "CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    );
    let next = ListCredentialPublicKeys::next_page(&Endpoint::default(), &full)
        .unwrap()
        .unwrap();
    let request = context().build_request(&next).unwrap();
    assert_eq!(
        request.uri(),
        "https://accounts.twilio.com/v1/Credentials/PublicKeys?PageSize=50&Page=1&PageToken=PAaaa"
    );

    let mut foreign = full.clone();
    foreign.next_page_url = Some("https://evil.example/v1/Credentials/PublicKeys".into());
    assert!(ListCredentialPublicKeys::next_page(&Endpoint::default(), &foreign).is_err());
}

#[test]
fn a_next_page_link_elsewhere_is_refused_with_what_was_wrong() {
    let cases: [(&str, Error); 5] = [
        (
            "http://accounts.twilio.com/v1/Credentials/PublicKeys?Page=1",
            Error::InvalidLink(LinkError::ForeignScheme {
                expected: "https".into(),
                found: "http".into(),
            }),
        ),
        (
            "https://evil.example/v1/Credentials/PublicKeys?Page=1",
            Error::InvalidLink(LinkError::ForeignHost {
                found: "evil.example".into(),
            }),
        ),
        (
            "https://accounts.twilio.com:444/v1/Credentials/PublicKeys?Page=1",
            Error::InvalidLink(LinkError::ForeignPort {
                expected: None,
                found: Some(444),
            }),
        ),
        (
            "https://accounts.twilio.com/v1/AuthTokens/Promote?Page=1",
            Error::InvalidLink(LinkError::OtherPath {
                expected: "/v1/Credentials/PublicKeys",
                found: "/v1/AuthTokens/Promote".into(),
            }),
        ),
        (
            "https://accounts.twilio.com/v1/Credentials/PublicKeysX?Page=1",
            Error::InvalidLink(LinkError::OtherPath {
                expected: "/v1/Credentials/PublicKeys",
                found: "/v1/Credentials/PublicKeysX".into(),
            }),
        ),
    ];
    let mut page = context()
        .parse_response(
            &ListCredentialPublicKeys::new(),
            response(200, fixture!("public_keys_full.json")),
        )
        .unwrap()
        .value;
    for (link, expected) in cases {
        page.next_page_url = Some(link.to_owned());
        let err = ListCredentialPublicKeys::next_page(&Endpoint::default(), &page).unwrap_err();
        assert_eq!(format!("{err:?}"), format!("{expected:?}"), "{link}");
    }
}

#[test]
fn redirects_are_errors_that_name_the_target() {
    let r = Response::builder()
        .status(301)
        .header(
            "location",
            "https://elsewhere.example/v1/AuthTokens/Promote",
        )
        .body(Vec::new())
        .unwrap();
    let err = context()
        .parse_response(&PromoteAuthToken::new(), r)
        .unwrap_err();
    assert!(matches!(&err, Error::UnexpectedResponse(u) if u.location.is_some()));
    assert!(err.to_string().contains("never followed"));
}

#[test]
fn fetch_public_key_200_decodes_the_spec_example() {
    let op = twilio_accounts_core::FetchCredentialPublicKey::new(
        "CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap(),
    );
    let credential = context()
        .parse_response(&op, response(200, fixture!("public_key_200.json")))
        .unwrap()
        .value;
    assert_eq!(
        credential.sid.unwrap().as_str(),
        "CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    );
    assert_eq!(credential.account_sid.unwrap().as_str(), SID);
    assert_eq!(credential.friendly_name.as_deref(), Some("friendly_name"));
    assert_eq!(
        credential.date_updated.unwrap().unix_timestamp(),
        1_438_315_200
    );
    assert_eq!(
        credential.url.as_deref(),
        Some(
            "https://accounts.twilio.com/v1/Credentials/PublicKeys/CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        )
    );
}

#[test]
fn a_404_is_explained_by_what_the_operation_names() {
    let fetch = twilio_accounts_core::FetchCredentialPublicKey::new(
        "CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap(),
    );
    let cases: [(Error, &str, Option<&str>, bool); 3] = [
        (
            context()
                .parse_response(
                    &PromoteAuthToken::new(),
                    response(404, fixture!("error_404_20404.json")),
                )
                .unwrap_err(),
            "UpdateAuthTokenPromotion",
            Some("there is no secondary Auth Token: create one before promoting or deleting it"),
            true,
        ),
        (
            context()
                .parse_response(&fetch, response(404, fixture!("error_404_20404.json")))
                .unwrap_err(),
            "FetchCredentialPublicKey",
            Some("the account has no public-key credential with this SID"),
            false,
        ),
        (
            context()
                .parse_response(
                    &ListCredentialPublicKeys::new(),
                    response(404, fixture!("error_404_20404.json")),
                )
                .unwrap_err(),
            "ListCredentialPublicKey",
            None,
            false,
        ),
    ];
    for (err, operation, hint, nothing_to_promote) in cases {
        assert!(err.is_not_found(), "{err:?}");
        assert_eq!(err.operation(), Some(operation));
        assert_eq!(
            err.is_nothing_to_promote(),
            nothing_to_promote,
            "{operation}"
        );
        let Error::Api(api) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(api.hint(), hint, "{operation}");
        assert!(err.to_string().starts_with(operation), "{err}");
    }
}

#[test]
fn every_error_from_an_answer_names_its_operation() {
    let html = Response::builder()
        .status(502)
        .header("content-type", "text/html")
        .body(b"<html>bad gateway</html>".to_vec())
        .unwrap();
    let unexpected = context()
        .parse_response(&DeleteSecondaryAuthToken::new(), html)
        .unwrap_err();
    assert!(
        matches!(&unexpected, Error::UnexpectedResponse(u) if u.operation == "DeleteSecondaryAuthToken")
    );
    let problem = context()
        .parse_response(
            &ListCredentialPublicKeys::new(),
            response(422, fixture!("problem_422.json")),
        )
        .unwrap_err();
    assert!(matches!(&problem, Error::Problem(p) if p.operation == "ListCredentialPublicKey"));
    let decode = context()
        .parse_response(
            &CreateSecondaryAuthToken::new(),
            response(201, fixture!("secondary_201_missing_token.json")),
        )
        .unwrap_err();
    for (err, operation) in [
        (unexpected, "DeleteSecondaryAuthToken"),
        (problem, "ListCredentialPublicKey"),
        (decode, "CreateSecondaryAuthToken"),
    ] {
        assert_eq!(err.operation(), Some(operation));
        assert!(
            err.to_string().starts_with(&format!("{operation}: ")),
            "{err}"
        );
    }
}

/// Every example answer in its service's spec, as (status, body), for one
/// operation.
fn spec_examples(service: twilio_accounts_core::Service, id: &str) -> Vec<(u16, Vec<u8>)> {
    use twilio_accounts_core::Service;
    let texts: &[&str] = match service {
        Service::Api => &[
            include_str!("../spec/twilio_api_v2010_accounts.json"),
            include_str!("../spec/twilio_api_v2010_keys.json"),
        ],
        Service::Iam => &[include_str!("../spec/twilio_iam_v1_keys.json")],
        _ => &[include_str!("../spec/twilio_accounts_v1.json")],
    };
    let specs: Vec<serde_json::Value> = texts
        .iter()
        .map(|text| serde_json::from_str(text).unwrap())
        .collect();
    let mut found = Vec::new();
    for methods in specs
        .iter()
        .flat_map(|spec| spec["paths"].as_object().unwrap().values())
    {
        for operation in methods.as_object().unwrap().values() {
            if operation["operationId"] != id {
                continue;
            }
            for (status, answer) in operation["responses"].as_object().unwrap() {
                let examples = &answer["content"]["application/json"]["examples"];
                for example in examples.as_object().into_iter().flatten().map(|(_, e)| e) {
                    let body = serde_json::to_vec(&example["value"]).unwrap();
                    found.push((status.parse().unwrap(), body));
                }
                if examples.is_null() && status == "204" {
                    found.push((204, Vec::new()));
                }
            }
        }
    }
    found
}

/// For every registered operation: each spec example decodes on the success
/// path, and the same operation given a Twilio 404 takes the error path,
/// named for it. What the examples decode into is checked field by field in
/// the tests after this one.
#[test]
fn every_spec_example_decodes_and_every_operation_has_an_error_path() {
    struct Check(Vec<&'static str>);
    impl twilio_accounts_core::OperationVisitor for Check {
        fn visit<O>(&mut self, example: O)
        where
            O: twilio_accounts_core::Operation + Clone + std::fmt::Debug + Send + Sync + 'static,
            O::Output: Clone + std::fmt::Debug + Send + 'static,
        {
            let examples = spec_examples(O::SERVICE, O::ID);
            assert!(!examples.is_empty(), "{}: no example in the spec", O::ID);
            for (status, body) in examples {
                let reply = context()
                    .parse_response(&example, response(status, body))
                    .unwrap_or_else(|err| panic!("{}: {err:?}", O::ID));
                assert_eq!(reply.status.as_u16(), status, "{}", O::ID);
            }
            let err = context()
                .parse_response(&example, response(404, fixture!("error_404_20404.json")))
                .unwrap_err();
            assert!(
                matches!(&err, Error::Api(api) if api.code == Some(20404)),
                "{err:?}"
            );
            assert_eq!(err.operation(), Some(O::ID));
            self.0.push(O::ID);
        }
    }
    let mut check = Check(Vec::new());
    twilio_accounts_core::visit_operations(&mut check);
    assert_eq!(check.0.len(), twilio_accounts_core::OPERATIONS.len());
}

#[test]
fn aws_credentials_decode_the_spec_example() {
    let sid = "CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap();
    let body = br#"{"account_sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "date_created": "2015-07-31T04:00:00Z", "date_updated": "2015-07-31T04:00:00Z", "friendly_name": "friendly_name", "sid": "CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "url": "https://accounts.twilio.com/v1/Credentials/AWS/CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#;
    let fetched = context()
        .parse_response(
            &twilio_accounts_core::FetchCredentialAws::new(sid),
            response(200, body.to_vec()),
        )
        .unwrap()
        .value;
    assert_eq!(fetched.sid, Some(sid));
    assert_eq!(fetched.account_sid.unwrap().as_str(), SID);
    assert_eq!(fetched.friendly_name.as_deref(), Some("friendly_name"));
    assert_eq!(
        fetched.date_created.unwrap().unix_timestamp(),
        1_438_315_200
    );
    assert_eq!(
        fetched.url.as_deref(),
        Some("https://accounts.twilio.com/v1/Credentials/AWS/CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
    );
    let page = context()
        .parse_response(
            &twilio_accounts_core::ListCredentialAws::new(),
            response(
                200,
                br#"{"credentials": [], "meta": {"key": "credentials", "next_page_url": null, "page": 0, "page_size": 50}}"#.to_vec(),
            ),
        )
        .unwrap()
        .value;
    assert!(page.items.is_empty());
    assert_eq!(page.page_size, Some(50));
    let deleted = context()
        .parse_response(
            &twilio_accounts_core::DeleteCredentialAws::new(sid),
            response(204, Vec::new()),
        )
        .unwrap();
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
}

#[test]
fn a_404_on_a_credential_says_which_kind_was_missing() {
    let sid: twilio_accounts_core::CredentialSid =
        "CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap();
    let cases: [(Error, &str); 3] = [
        (
            context()
                .parse_response(
                    &twilio_accounts_core::DeleteCredentialAws::new(sid),
                    response(404, fixture!("error_404_20404.json")),
                )
                .unwrap_err(),
            "the account has no AWS credential with this SID",
        ),
        (
            context()
                .parse_response(
                    &twilio_accounts_core::UpdateCredentialPublicKey::new(
                        sid,
                        twilio_accounts_core::FriendlyName::new("x").unwrap(),
                    ),
                    response(404, fixture!("error_404_20404.json")),
                )
                .unwrap_err(),
            "the account has no public-key credential with this SID",
        ),
        (
            context()
                .parse_response(
                    &twilio_accounts_core::FetchCredentialAws::new(sid),
                    response(404, fixture!("error_404_20404.json")),
                )
                .unwrap_err(),
            "the account has no AWS credential with this SID",
        ),
    ];
    for (err, hint) in cases {
        let Error::Api(api) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(api.hint(), Some(hint), "{err:?}");
    }
}

#[test]
fn safe_list_entries_decode_the_spec_example_and_404_says_not_listed() {
    let number: twilio_accounts_core::SafelistNumber = "+18001234567".parse().unwrap();
    let body = br#"{"sid": "GNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "phone_number": "+18001234567"}"#;
    let created = context()
        .parse_response(
            &twilio_accounts_core::CreateSafelist::new(number.clone()),
            response(201, body.to_vec()),
        )
        .unwrap();
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(
        created.value.sid.unwrap().as_str(),
        "GNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    );
    assert_eq!(created.value.phone_number.as_deref(), Some("+18001234567"));
    let err = context()
        .parse_response(
            &twilio_accounts_core::FetchSafelist::new(number),
            response(404, fixture!("error_404_20404.json")),
        )
        .unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        api.hint(),
        Some("the number is not in the account's safe list")
    );
    // A SID of another kind in the answer is a decode error at that field.
    let wrong = br#"{"sid": "CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "phone_number": "+18001234567"}"#;
    let err = context()
        .parse_response(
            &twilio_accounts_core::FetchSafelist::new("+18001234567".parse().unwrap()),
            response(200, wrong.to_vec()),
        )
        .unwrap_err();
    assert!(
        matches!(&err, Error::Decode(d) if d.path == "sid"),
        "{err:?}"
    );
}

#[test]
fn geo_permission_updates_surface_each_refused_entry() {
    use twilio_accounts_core::{ItemError, UpdateMessagingGeopermissions};
    // The spec's example answer of the update.
    let body = br#"{"permissions": [{"country_code": "IN", "type": "country", "enabled": false, "error_code": 0, "error_messages": []}, {"country_code": "PK", "type": "country", "enabled": true, "error_code": 30649, "error_messages": ["High risk country permission cannot be updated"]}]}"#;
    let reply = context()
        .parse_response(
            &UpdateMessagingGeopermissions::example(),
            response(200, body.to_vec()),
        )
        .unwrap()
        .value;
    assert_eq!(reply.permissions.len(), 2);
    assert_eq!(reply.permissions[0].country_code.as_deref(), Some("IN"));
    assert_eq!(reply.permissions[0].enabled, Some(false));
    assert_eq!(reply.permissions[0].error, None);
    let refused: Vec<_> = reply.failures().collect();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].country_code.as_deref(), Some("PK"));
    let Some(ItemError { code, messages, .. }) = &refused[0].error else {
        panic!("{refused:?}")
    };
    assert_eq!(*code, 30649);
    assert_eq!(
        messages,
        &["High risk country permission cannot be updated"]
    );
}

#[test]
fn geo_permissions_fetch_decodes_prefix_and_message_and_a_null_list() {
    use twilio_accounts_core::FetchMessagingGeopermissions;
    let body = br#"{"permissions": [{"country_code": "IN", "type": "country", "enabled": false, "prefix": "+91", "message": ""}, {"country_code": "PK", "type": "country", "enabled": true, "prefix": "+92", "message": "High Risk Country"}]}"#;
    let shown = context()
        .parse_response(
            &FetchMessagingGeopermissions::all(),
            response(200, body.to_vec()),
        )
        .unwrap()
        .value;
    assert_eq!(shown.permissions[1].prefix.as_deref(), Some("+92"));
    assert_eq!(
        shown.permissions[1].message.as_deref(),
        Some("High Risk Country")
    );
    assert_eq!(shown.permissions[1].kind.as_deref(), Some("country"));
    assert_eq!(shown.failures().count(), 0);
    let empty = context()
        .parse_response(
            &FetchMessagingGeopermissions::all(),
            response(200, br#"{"permissions": null}"#.to_vec()),
        )
        .unwrap()
        .value;
    assert!(empty.permissions.is_empty());
}

#[test]
fn bulk_answers_surface_each_refused_item_by_correlation_id() {
    use twilio_accounts_core::{
        CorrelationId, CreateBulkConsents, CreateBulkContacts, ItemErrorReason,
    };
    // The spec's example answers.
    let consents = br#"{"items": [{"correlation_id": "ad388b5a46b33b874b0d41f7226db2ef", "error_code": 0, "error_messages": []}, {"correlation_id": "02520cfa6c432f0e3ec3a38c122d428d", "error_code": 30646, "error_messages": ["INVALID_CONTACT_ID", "INVALID_DATE_OF_CONSENT"]}]}"#;
    let reply = context()
        .parse_response(
            &CreateBulkConsents::example(),
            response(201, consents.to_vec()),
        )
        .unwrap();
    assert_eq!(reply.status, StatusCode::CREATED);
    let accepted: CorrelationId = "ad388b5a46b33b874b0d41f7226db2ef".parse().unwrap();
    assert_eq!(reply.value.get(&accepted).unwrap().error, None);
    let refused: Vec<_> = reply.value.failures().collect();
    assert_eq!(refused.len(), 1);
    assert_eq!(
        refused[0]
            .correlation_id
            .as_ref()
            .map(CorrelationId::as_str),
        Some("02520cfa6c432f0e3ec3a38c122d428d")
    );
    let error = refused[0].error.as_ref().unwrap();
    assert_eq!(error.code, 30646);
    assert_eq!(
        error.reasons().collect::<Vec<_>>(),
        [
            ItemErrorReason::InvalidContactId,
            ItemErrorReason::InvalidDateOfConsent
        ]
    );

    let contacts = br#"{"items": [{"correlation_id": "ad388b5a46b33b874b0d41f7226db2eh", "error_code": 0, "error_messages": []}, {"correlation_id": "02520cfa6c432f0e3ec3a38c122d428a", "error_code": 30647, "error_messages": ["INVALID_CONTACT_ID"]}]}"#;
    let reply = context()
        .parse_response(
            &CreateBulkContacts::example(),
            response(201, contacts.to_vec()),
        )
        .unwrap()
        .value;
    assert_eq!(reply.items.len(), 2);
    let codes: Vec<Option<u32>> = reply
        .items
        .iter()
        .map(|i| i.error.as_ref().map(|e| e.code))
        .collect();
    assert_eq!(codes, [None, Some(30647)]);
    let empty = context()
        .parse_response(
            &CreateBulkContacts::example(),
            response(201, br#"{"items": null}"#.to_vec()),
        )
        .unwrap()
        .value;
    assert!(empty.items.is_empty());
    // A negative code is not a valid answer: a decode error at that field.
    let err = context()
        .parse_response(
            &CreateBulkContacts::example(),
            response(
                201,
                br#"{"items": [{"correlation_id": "x", "error_code": -1}]}"#.to_vec(),
            ),
        )
        .unwrap_err();
    assert!(matches!(&err, Error::Decode(_)), "{err:?}");
}

// ---------------------------------------------------------------------------
// The 2010 API's Accounts resource

fn page0() -> twilio_accounts_core::Page<twilio_accounts_core::Account> {
    context()
        .parse_response(
            &twilio_accounts_core::ListAccount::new(),
            response(200, fixture!("accounts_2010_page0.json")),
        )
        .unwrap()
        .value
}

#[test]
fn a_2010_page_reads_every_account_field_and_keeps_date_offsets() {
    use twilio_accounts_core::{AccountStatus, AccountType};
    let page = page0();
    assert_eq!(page.page, Some(0));
    assert_eq!(page.page_size, Some(2));
    assert_eq!(page.items.len(), 2);
    let main = &page.items[0];
    assert_eq!(main.sid.unwrap().as_str(), SID);
    assert_eq!(main.owner_account_sid.unwrap().as_str(), SID);
    assert_eq!(main.friendly_name.as_deref(), Some("Main account"));
    assert_eq!(main.status, Some(AccountStatus::Active));
    assert_eq!(main.account_type, Some(AccountType::Full));
    assert_eq!(
        main.auth_token.as_ref().unwrap().expose_secret(),
        "feedfacefeedfacefeedfacefeedface"
    );
    // The spec's example date, Thu, 30 Jul 2015 20:00:00 +0000.
    assert_eq!(main.date_created.unwrap().unix_timestamp(), 1_438_286_400);
    assert_eq!(
        main.uri.as_deref(),
        Some("/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json")
    );

    let sub = &page.items[1];
    assert_eq!(
        sub.sid.unwrap().as_str(),
        "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
    );
    assert_eq!(sub.status, Some(AccountStatus::Suspended));
    assert_eq!(sub.account_type, Some(AccountType::Trial));
    // 06:00 at +02:00 and 13:00 at -07:00: instants as in UTC, offsets kept.
    let created = sub.date_created.unwrap();
    assert_eq!(created.unix_timestamp(), 1_438_315_200);
    assert_eq!(created.as_offset_date_time().offset().whole_seconds(), 7200);
    assert_eq!(created.to_rfc2822(), "Fri, 31 Jul 2015 06:00:00 +0200");
    let updated = sub.date_updated.unwrap();
    assert_eq!(updated.unix_timestamp(), 1_438_286_400);
    assert_eq!(updated.to_rfc2822(), "Thu, 30 Jul 2015 13:00:00 -0700");

    let debug = format!("{page:?}");
    assert!(!debug.contains("feedface"), "{debug}");
    assert!(!debug.contains("c0ffee"), "{debug}");
    assert!(debug.contains("AuthToken([redacted])"), "{debug}");
}

#[test]
fn a_relative_2010_next_page_uri_is_resolved_against_the_2010_base_url() {
    use twilio_accounts_core::{ListAccount, PlainHttp};
    let page = page0();
    let query = "?PageSize=2&Page=1&PageToken=PAACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    let cases = [
        (Endpoint::default(), "https://api.twilio.com"),
        (
            Endpoint::for_location(Some("au1"), Some("sydney")).unwrap(),
            "https://api.sydney.au1.twilio.com",
        ),
        (
            Endpoint::custom("http://127.0.0.1:4010", PlainHttp::LoopbackOnly).unwrap(),
            "http://127.0.0.1:4010",
        ),
        (
            Endpoint::custom("https://proxy.example.com/twilio", PlainHttp::LoopbackOnly)
                .unwrap()
                .with_api_base_url("https://proxy.example.com/api", PlainHttp::LoopbackOnly)
                .unwrap(),
            "https://proxy.example.com/api",
        ),
    ];
    for (endpoint, base) in cases {
        let next = ListAccount::next_page(&endpoint, &page).unwrap().unwrap();
        let request = RequestContext::new(context().credentials().clone(), endpoint)
            .build_request(&next)
            .unwrap();
        assert_eq!(
            request.uri().to_string(),
            format!("{base}/2010-04-01/Accounts.json{query}")
        );
        assert_eq!(request.method(), http::Method::GET);
    }
    let mut last = page.clone();
    last.next_page_url = None;
    assert_eq!(
        ListAccount::next_page(&Endpoint::default(), &last).unwrap(),
        None
    );
}

#[test]
fn a_2010_next_page_link_elsewhere_is_refused_with_what_was_wrong() {
    use twilio_accounts_core::ListAccount;
    let cases: [(&str, LinkError); 7] = [
        (
            "//evil.example/2010-04-01/Accounts.json?Page=1",
            LinkError::NotRooted,
        ),
        (
            "https://evil.example/2010-04-01/Accounts.json?Page=1",
            LinkError::ForeignHost {
                found: "evil.example".into(),
            },
        ),
        (
            "https://accounts.twilio.com/2010-04-01/Accounts.json?Page=1",
            LinkError::ForeignHost {
                found: "accounts.twilio.com".into(),
            },
        ),
        (
            "http://api.twilio.com/2010-04-01/Accounts.json?Page=1",
            LinkError::ForeignScheme {
                expected: "https".into(),
                found: "http".into(),
            },
        ),
        (
            "/2010-04-01/Accounts/ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.json",
            LinkError::OtherPath {
                expected: "/2010-04-01/Accounts.json",
                found: "/2010-04-01/Accounts/ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.json".into(),
            },
        ),
        (
            "/2010-04-01/../v1/AuthTokens/Promote?Page=1",
            LinkError::OtherPath {
                expected: "/2010-04-01/Accounts.json",
                found: "/2010-04-01/../v1/AuthTokens/Promote".into(),
            },
        ),
        ("Accounts.json?Page=1", LinkError::NotAbsolute),
    ];
    let mut page = page0();
    for (link, expected) in cases {
        page.next_page_url = Some(link.to_owned());
        let err = ListAccount::next_page(&Endpoint::default(), &page).unwrap_err();
        assert_eq!(
            format!("{err:?}"),
            format!("{:?}", Error::InvalidLink(expected)),
            "{link}"
        );
    }
    // Accounts v1 lists stay absolute-only.
    let mut v1 = context()
        .parse_response(
            &ListCredentialPublicKeys::new(),
            response(200, fixture!("public_keys_full.json")),
        )
        .unwrap()
        .value;
    v1.next_page_url = Some("/v1/Credentials/PublicKeys?Page=1".into());
    assert!(matches!(
        ListCredentialPublicKeys::next_page(&Endpoint::default(), &v1),
        Err(Error::InvalidLink(LinkError::NotAbsolute))
    ));
}

#[test]
fn a_bad_2010_page_token_is_error_21481_with_what_to_do() {
    let err = context()
        .parse_response(
            &twilio_accounts_core::ListAccount::new(),
            response(400, fixture!("error_400_21481.json")),
        )
        .unwrap_err();
    assert_eq!(err.code(), Some(21481));
    assert_eq!(err.operation(), Some("ListAccount"));
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        api.hint(),
        Some(
            "the page token was not accepted: start again from the first page and follow the links as sent"
        )
    );
    assert!(err.to_string().starts_with("ListAccount: "), "{err}");
}

#[test]
fn a_2010_fetch_reads_one_account_and_salvages_its_token_beside_a_bad_date() {
    use twilio_accounts_core::FetchAccount;
    let fetch = FetchAccount::new(SID.parse().unwrap());
    let err = context()
        .parse_response(&fetch, response(200, fixture!("account_200_bad_date.json")))
        .unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.kind, DecodeErrorKind::InvalidField);
    assert_eq!(decode.path, "date_created");
    assert_eq!(
        decode.salvaged_token().unwrap().expose_secret(),
        "feedfacefeedfacefeedfacefeedface"
    );
    let text = format!("{err} {err:?}");
    assert!(!text.contains("feedface"), "{text}");

    let err = context()
        .parse_response(&fetch, response(404, fixture!("error_404_20404.json")))
        .unwrap_err();
    assert!(err.is_not_found());
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        api.hint(),
        Some(
            "the credentials reach no account with this SID: a main account reaches itself and its subaccounts, a subaccount only itself"
        )
    );
}

#[test]
fn a_2010_account_with_a_status_or_type_the_spec_does_not_list_is_kept() {
    use twilio_accounts_core::{AccountStatus, AccountType, FetchAccount};
    let body = br#"{"sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "status": "pending", "type": "Enterprise", "auth_token": null, "date_created": null}"#;
    let account = context()
        .parse_response(
            &FetchAccount::new(SID.parse().unwrap()),
            response(200, body.to_vec()),
        )
        .unwrap()
        .value;
    assert_eq!(account.status, Some(AccountStatus::Other("pending".into())));
    assert_eq!(
        account.account_type,
        Some(AccountType::Other("Enterprise".into()))
    );
    assert_eq!(account.auth_token, None);
    assert_eq!(account.date_created, None);
}
