//! The key rotation's decisions that the fault schedules cannot see (what
//! it reports, what it refuses before anything changes), each pinned by
//! driving the machine with scripted answers.

use twilio_accounts_core::{
    AccountSid, ApiKeySecret, ApiKeySid, AuthToken, Credentials, Error, Policy,
};
use twilio_accounts_rotation::{
    KeyAction, KeyApi, KeyCallKind, KeyCallResult, KeyFailureKind, KeyInput, KeyJournalPhase,
    KeyRotation, KeyRotationConfig, KeyVerify, ListedKey, NewKeyKind, NextStep, RotationId,
    VerifyRead,
};

const ACCOUNT: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const OLD: &str = "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const NEW: &str = "SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

fn sid(text: &str) -> ApiKeySid {
    text.parse().unwrap()
}

fn token() -> Credentials {
    Credentials::auth_token(
        ACCOUNT.parse().unwrap(),
        AuthToken::new("0ld70ken0ld70ken0ld70ken0ld70ken").unwrap(),
    )
}

fn key_credentials(key: &str) -> Credentials {
    Credentials::api_key(
        ACCOUNT.parse::<AccountSid>().unwrap(),
        sid(key),
        ApiKeySecret::new("keysecret").unwrap(),
    )
}

fn id() -> RotationId {
    RotationId::new("r-1a2b3c4d").unwrap()
}

fn rotation(credentials: Credentials, verify: KeyVerify) -> KeyRotation {
    let config = KeyRotationConfig {
        verify,
        wait_for_go_ahead: false,
        ..KeyRotationConfig::new(KeyApi::Iam)
    };
    KeyRotation::new(credentials, sid(OLD), id(), config)
}

/// A 4xx answer Twilio would give, as the core reads it.
fn twilio_error(status: u16, code: u32) -> Error {
    let context = twilio_accounts_core::RequestContext::new(token(), Default::default());
    let response = http::Response::builder()
        .status(status)
        .body(format!(r#"{{"code":{code},"message":"no","status":{status}}}"#).into_bytes())
        .unwrap();
    context
        .parse_response(&twilio_accounts_core::FetchIamKey::new(sid(OLD)), response)
        .unwrap_err()
}

fn fetched(name: &str, policy: Option<Policy>) -> KeyInput {
    KeyInput::Called(Ok(KeyCallResult::Fetched {
        friendly_name: Some(name.to_owned()),
        policy,
    }))
}

/// Checks the credentials and fetches the old key with `fetch`'s answer.
fn to_after_fetch(rotation: &mut KeyRotation, fetch: KeyInput) -> KeyAction {
    assert!(matches!(rotation.next(KeyInput::Start), KeyAction::Call(_)));
    let fetch_call = rotation.next(KeyInput::Called(Ok(KeyCallResult::Verified)));
    assert!(matches!(
        fetch_call,
        KeyAction::Call(ref c) if c.kind == KeyCallKind::Fetch { api: KeyApi::Iam, sid: sid(OLD) }
    ));
    rotation.next(fetch)
}

fn failure(action: KeyAction) -> (KeyFailureKind, NextStep, Vec<ListedKey>, String) {
    match action {
        KeyAction::Failed(f) => (f.kind, f.next, f.keys, f.message),
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn refusals_before_anything_changes_name_their_cause_and_allow_starting_again() {
    let messages = Policy::allow(["/twilio/messaging/messages/read"]).unwrap();
    struct Case {
        name: &'static str,
        credentials: Credentials,
        fetch: KeyInput,
        kind: KeyFailureKind,
    }
    let cases = [
        Case {
            name: "standard-key credentials",
            credentials: key_credentials(NEW),
            fetch: KeyInput::Called(Err(twilio_error(401, 20003))),
            kind: KeyFailureKind::CannotManageKeys,
        },
        Case {
            name: "no such key",
            credentials: token(),
            fetch: KeyInput::Called(Err(twilio_error(404, 20404))),
            kind: KeyFailureKind::NoSuchKey,
        },
        Case {
            name: "a restricted key whose policy allows no known read",
            credentials: token(),
            fetch: fetched("app", Some(messages)),
            kind: KeyFailureKind::NoVerifyRead,
        },
        Case {
            name: "an auth token refused",
            credentials: token(),
            fetch: KeyInput::Called(Err(twilio_error(401, 20003))),
            kind: KeyFailureKind::Api,
        },
    ];
    for case in cases {
        let mut rotation = rotation(case.credentials, KeyVerify::Default);
        let (kind, next, _, _) = failure(to_after_fetch(&mut rotation, case.fetch));
        assert_eq!(kind, case.kind, "{}", case.name);
        assert_eq!(next, NextStep::StartAgain, "{}", case.name);
    }
}

#[test]
fn the_key_in_use_as_credentials_is_refused_before_any_call() {
    let mut rotation = rotation(key_credentials(OLD), KeyVerify::Default);
    let (kind, next, _, _) = failure(rotation.next(KeyInput::Start));
    assert_eq!(kind, KeyFailureKind::NotReplaceable);
    assert_eq!(next, NextStep::StartAgain);
}

#[test]
fn the_new_key_is_checked_with_the_read_its_kind_allows() {
    let read_keys = Policy::allow(["/twilio/iam/api-keys/read"]).unwrap();
    let public_keys = Policy::allow(["/twilio/accounts/credentials/public-keys/read"]).unwrap();
    let denied = Policy::new(
        ["/twilio/accounts/credentials/public-keys/read"],
        ["/twilio/accounts/credentials/public-keys/read"],
    )
    .unwrap();
    let cases: [(Option<Policy>, KeyVerify, Option<VerifyRead>); 6] = [
        (None, KeyVerify::Default, Some(VerifyRead::PublicKeys)),
        (
            Some(public_keys),
            KeyVerify::Default,
            Some(VerifyRead::PublicKeys),
        ),
        (
            Some(read_keys),
            KeyVerify::Default,
            Some(VerifyRead::OwnKey {
                api: KeyApi::Iam,
                sid: sid(NEW),
            }),
        ),
        (
            Some(denied.clone()),
            KeyVerify::Path("/v1/Safelist/Numbers".into()),
            Some(VerifyRead::Path("/v1/Safelist/Numbers".into())),
        ),
        (Some(denied), KeyVerify::Skip, None),
        (None, KeyVerify::Skip, None),
    ];
    for (policy, verify, read) in cases {
        let mut rotation = rotation(token(), verify.clone());
        let action = to_after_fetch(&mut rotation, fetched("app", policy.clone()));
        let KeyAction::Persist(journal) = action else {
            panic!("{policy:?} {verify:?}: {action:?}")
        };
        assert_eq!(journal.phase, KeyJournalPhase::Creating);
        let expected_kind = policy.map_or(NewKeyKind::Standard, NewKeyKind::Restricted);
        assert_eq!(journal.kind, expected_kind);
        let KeyAction::Call(create) = rotation.next(KeyInput::Persisted) else {
            panic!()
        };
        assert!(
            matches!(create.kind, KeyCallKind::Create { ref kind, .. } if *kind == expected_kind)
        );
        let created = KeyInput::Called(Ok(KeyCallResult::Created {
            sid: Some(sid(NEW)),
            secret: Some(ApiKeySecret::new("newsecret").unwrap()),
        }));
        let KeyAction::Persist(journal) = rotation.next(created) else {
            panic!()
        };
        assert_eq!(journal.phase, KeyJournalPhase::Created);
        assert!(journal.new_secret.is_some());
        let action = rotation.next(KeyInput::Persisted);
        match read {
            Some(read) => {
                let KeyAction::Call(check) = action else {
                    panic!("{action:?}")
                };
                assert_eq!(check.kind, KeyCallKind::Verify(read));
                assert!(
                    matches!(check.credentials, Credentials::ApiKey { key_sid, .. } if key_sid == sid(NEW))
                );
            }
            None => assert!(matches!(action, KeyAction::Deliver(_)), "{action:?}"),
        }
    }
}

#[test]
fn the_new_name_keeps_the_old_one_within_64_characters_and_drops_an_earlier_marker() {
    let long = "x".repeat(80);
    let cases = [
        ("billing", "billing (rotation r-1a2b3c4d)".to_owned()),
        (
            "billing (rotation r-0000ffff)",
            "billing (rotation r-1a2b3c4d)".to_owned(),
        ),
        ("", "API key (rotation r-1a2b3c4d)".to_owned()),
        (
            long.as_str(),
            format!("{} (rotation r-1a2b3c4d)", "x".repeat(42)),
        ),
    ];
    for (old, new) in cases {
        let mut rotation = rotation(token(), KeyVerify::Default);
        let KeyAction::Persist(journal) = to_after_fetch(&mut rotation, fetched(old, None)) else {
            panic!()
        };
        assert_eq!(journal.friendly_name, new);
        assert!(journal.friendly_name.chars().count() <= 64);
    }
}

#[test]
fn a_key_limit_stops_with_the_listed_keys_and_nothing_created() {
    let mut rotation = rotation(token(), KeyVerify::Default);
    assert!(matches!(
        to_after_fetch(&mut rotation, fetched("app", None)),
        KeyAction::Persist(_)
    ));
    assert!(matches!(
        rotation.next(KeyInput::Persisted),
        KeyAction::Call(_)
    ));
    let KeyAction::Call(list) = rotation.next(KeyInput::Called(Err(twilio_error(400, 70151))))
    else {
        panic!()
    };
    assert_eq!(list.kind, KeyCallKind::List { api: KeyApi::Iam });
    let keys = vec![
        ListedKey {
            sid: sid(OLD),
            friendly_name: Some("app".into()),
        },
        ListedKey {
            sid: sid(NEW),
            friendly_name: None,
        },
    ];
    let (kind, next, listed, message) =
        failure(rotation.next(KeyInput::Called(Ok(KeyCallResult::Listed(keys.clone())))));
    assert_eq!(kind, KeyFailureKind::KeyLimit);
    assert_eq!(next, NextStep::StartAgain);
    assert_eq!(listed, keys);
    assert!(message.contains("nothing was created"), "{message}");
}

#[test]
fn a_lost_create_answer_deletes_the_keys_carrying_the_rotation_id_before_creating_again() {
    let mut rotation = rotation(token(), KeyVerify::Default);
    to_after_fetch(&mut rotation, fetched("app", None));
    rotation.next(KeyInput::Persisted);
    let lost = twilio_accounts_core::Error::OutcomeUnknown {
        operation: "CreateNewKey",
        source: twilio_accounts_core::TransportError::new(
            twilio_accounts_core::TransportErrorKind::ConnectionClosed,
            twilio_accounts_core::Delivery::MaybeSent,
            "reset",
        ),
    };
    let KeyAction::Call(list) = rotation.next(KeyInput::Called(Err(lost))) else {
        panic!()
    };
    assert_eq!(list.kind, KeyCallKind::List { api: KeyApi::Iam });
    let orphan = "SKcccccccccccccccccccccccccccccccc";
    let keys = vec![
        ListedKey {
            sid: sid(OLD),
            friendly_name: Some("app".into()),
        },
        ListedKey {
            sid: sid(NEW),
            friendly_name: Some("app (rotation r-99999999)".into()),
        },
        ListedKey {
            sid: sid(orphan),
            friendly_name: Some("app (rotation r-1a2b3c4d)".into()),
        },
    ];
    let KeyAction::Call(delete) = rotation.next(KeyInput::Called(Ok(KeyCallResult::Listed(keys))))
    else {
        panic!()
    };
    assert_eq!(
        delete.kind,
        KeyCallKind::Delete {
            api: KeyApi::Iam,
            sid: sid(orphan)
        }
    );
    let action = rotation.next(KeyInput::Called(Ok(KeyCallResult::Deleted)));
    assert!(matches!(action, KeyAction::Wait(_)), "{action:?}");
    let KeyAction::Persist(journal) = rotation.next(KeyInput::Waited) else {
        panic!()
    };
    assert_eq!(journal.phase, KeyJournalPhase::Creating);
}
