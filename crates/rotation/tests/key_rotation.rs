//! The key rotation's decisions that the fault schedules cannot see (what
//! it reports, what it refuses before anything changes), each pinned by
//! driving the machine with scripted answers.

use std::time::Duration;

use twilio_accounts_core::{
    AccountSid, ApiKeySecret, ApiKeySid, AuthToken, Credentials, Error, Policy,
};
use twilio_accounts_rotation::{
    KeyAction, KeyApi, KeyCall, KeyCallKind, KeyCallResult, KeyFailureKind, KeyInput, KeyJournal,
    KeyJournalPhase, KeyRotation, KeyRotationConfig, KeyVerify, ListedKey, NewKeyKind, NextStep,
    RotationId, VerifyRead,
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

/// Drives `rotation` to its end, answering every call with `answer`, every
/// persist, delivery, go-ahead and wait as done; returns the end, the calls
/// and the waits.
fn drive(
    rotation: &mut KeyRotation,
    mut input: KeyInput,
    mut answer: impl FnMut(&KeyCall) -> Result<KeyCallResult, Error>,
) -> (KeyAction, Vec<KeyCall>, Vec<Duration>) {
    let (mut calls, mut waits) = (Vec::new(), Vec::new());
    for _ in 0..200 {
        input = match rotation.next(input) {
            KeyAction::Persist(_) => KeyInput::Persisted,
            KeyAction::Call(call) => {
                let result = answer(&call);
                calls.push(call);
                KeyInput::Called(result)
            }
            KeyAction::Deliver(_) => KeyInput::Delivered,
            KeyAction::AwaitGoAhead => KeyInput::GoAhead,
            KeyAction::Wait(wait) => {
                waits.push(wait);
                KeyInput::Waited
            }
            end => return (end, calls, waits),
        };
    }
    panic!("the rotation did not end")
}

fn new_key() -> KeyCallResult {
    KeyCallResult::Created {
        sid: Some(sid(NEW)),
        secret: Some(ApiKeySecret::new("newsecret").unwrap()),
    }
}

fn lost() -> Error {
    Error::OutcomeUnknown {
        operation: "CreateNewKey",
        source: twilio_accounts_core::TransportError::new(
            twilio_accounts_core::TransportErrorKind::ConnectionClosed,
            twilio_accounts_core::Delivery::MaybeSent,
            "reset",
        ),
    }
}

/// Twilio as it should be: the old key (`policy`) until it is deleted, and
/// whatever is made.
fn fine(policy: Option<Policy>) -> impl FnMut(&KeyCall) -> Result<KeyCallResult, Error> {
    let mut old_deleted = false;
    move |call| match &call.kind {
        KeyCallKind::Verify(_) => Ok(KeyCallResult::Verified),
        KeyCallKind::Fetch { sid: s, .. } if *s == sid(NEW) => Ok(KeyCallResult::Fetched {
            friendly_name: None,
            policy: None,
        }),
        KeyCallKind::Fetch { .. } if old_deleted => Err(twilio_error(404, 20404)),
        KeyCallKind::Fetch { .. } => Ok(KeyCallResult::Fetched {
            friendly_name: Some("app".into()),
            policy: policy.clone(),
        }),
        KeyCallKind::List { .. } => Ok(KeyCallResult::Listed(vec![ListedKey {
            sid: sid(OLD),
            friendly_name: Some("app".into()),
        }])),
        KeyCallKind::Create { .. } => Ok(new_key()),
        KeyCallKind::Delete { sid: s, .. } => {
            old_deleted |= *s == sid(OLD);
            Ok(KeyCallResult::Deleted)
        }
    }
}

fn journal(phase: KeyJournalPhase, api: KeyApi) -> KeyJournal {
    KeyJournal {
        account_sid: ACCOUNT.parse().unwrap(),
        old_sid: sid(OLD),
        api,
        rotation_id: id(),
        kind: NewKeyKind::Standard,
        friendly_name: "app (rotation r-1a2b3c4d)".into(),
        phase,
        new_sid: (phase != KeyJournalPhase::Creating).then(|| sid(NEW)),
        new_secret: (phase == KeyJournalPhase::Created)
            .then(|| ApiKeySecret::new("newsecret").unwrap()),
    }
}

fn config() -> KeyRotationConfig {
    KeyRotationConfig {
        wait_for_go_ahead: false,
        ..KeyRotationConfig::new(KeyApi::Iam)
    }
}

#[test]
fn a_denied_read_is_not_taken_for_an_allowed_one() {
    let policy = Policy::new(
        [
            "/twilio/accounts/credentials/public-keys/read",
            "/twilio/iam/api-keys/read",
        ],
        ["/twilio/accounts/credentials/public-keys/read"],
    )
    .unwrap();
    let read = VerifyRead::for_key(
        &NewKeyKind::Restricted(policy),
        &KeyVerify::Default,
        KeyApi::Iam,
        sid(NEW),
    );
    assert_eq!(
        read,
        Ok(Some(VerifyRead::OwnKey {
            api: KeyApi::Iam,
            sid: sid(NEW)
        }))
    );
}

#[test]
fn a_whole_rotation_makes_its_calls_in_order_and_reports_the_old_key_gone() {
    let mut rotation = KeyRotation::new(token(), sid(OLD), id(), config());
    let (end, calls, waits) = drive(&mut rotation, KeyInput::Start, fine(None));
    let KeyAction::Finished(report) = end else {
        panic!("{end:?}")
    };
    assert_eq!(report.new_sid, Some(sid(NEW)));
    assert_eq!(report.old_key_refused, None);
    assert!(!report.abandoned && !report.resumed);
    let kinds: Vec<&str> = calls
        .iter()
        .map(|c| match &c.kind {
            KeyCallKind::Verify(_) => "verify",
            KeyCallKind::Fetch { .. } => "fetch",
            KeyCallKind::List { .. } => "list",
            KeyCallKind::Create { .. } => "create",
            KeyCallKind::Delete { .. } => "delete",
        })
        .collect();
    // Check, fetch old, create, check new, fetch new, delete old, fetch old.
    assert_eq!(
        kinds,
        [
            "verify", "fetch", "create", "verify", "fetch", "delete", "fetch"
        ]
    );
    assert!(waits.is_empty());
}

#[test]
fn lost_creates_are_retried_with_doubling_waits_and_told_once() {
    let mut rotation = KeyRotation::new(token(), sid(OLD), id(), config());
    let mut creates = 0;
    let mut twilio = fine(None);
    let orphan = ListedKey {
        sid: "SKcccccccccccccccccccccccccccccccc".parse().unwrap(),
        friendly_name: Some("app (rotation r-1a2b3c4d)".into()),
    };
    let (end, calls, waits) = drive(&mut rotation, KeyInput::Start, |call| match call.kind {
        KeyCallKind::Create { .. } if creates < 2 => {
            creates += 1;
            Err(lost())
        }
        KeyCallKind::List { .. } => Ok(KeyCallResult::Listed(vec![orphan.clone()])),
        _ => twilio(call),
    });
    assert!(calls.iter().any(|c| c.kind
        == KeyCallKind::Delete {
            api: KeyApi::Iam,
            sid: orphan.sid
        }));
    let KeyAction::Finished(report) = end else {
        panic!("{end:?}")
    };
    assert_eq!(waits, [Duration::from_secs(1), Duration::from_secs(2)]);
    let told = report
        .notes
        .iter()
        .filter(|n| n.contains("answer to a create was lost"))
        .count();
    assert_eq!(told, 1, "{:?}", report.notes);
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("whose secret nobody holds")),
        "{:?}",
        report.notes
    );
}

#[test]
fn a_new_key_refused_for_a_while_or_rate_limited_is_checked_again() {
    for error in [twilio_error(401, 20003), twilio_error(429, 20429)] {
        let mut rotation = KeyRotation::new(token(), sid(OLD), id(), config());
        let mut twilio = fine(None);
        let mut error = Some(error);
        let (end, _, waits) = drive(&mut rotation, KeyInput::Start, |call| {
            match (&call.credentials, error.take()) {
                (Credentials::ApiKey { .. }, Some(e)) => Err(e),
                (_, e) => {
                    if !matches!(call.credentials, Credentials::ApiKey { .. }) {
                        error = e;
                    }
                    twilio(call)
                }
            }
        });
        assert!(matches!(end, KeyAction::Finished(_)), "{end:?}");
        assert_eq!(waits, [Duration::from_millis(500)]);
    }
}

#[test]
fn a_refused_create_stops_without_listing_and_the_attempts_are_bounded() {
    let mut rotation = KeyRotation::new(token(), sid(OLD), id(), config());
    let mut twilio = fine(None);
    let (end, calls, _) = drive(&mut rotation, KeyInput::Start, |call| match call.kind {
        KeyCallKind::Create { .. } => Err(twilio_error(400, 21201)),
        _ => twilio(call),
    });
    let (kind, next, _, _) = failure(end);
    assert_eq!((kind, next), (KeyFailureKind::Api, NextStep::StartAgain));
    assert!(
        !calls
            .iter()
            .any(|c| matches!(c.kind, KeyCallKind::List { .. }))
    );

    let mut rotation = KeyRotation::new(token(), sid(OLD), id(), config());
    let mut twilio = fine(None);
    let (end, calls, _) = drive(&mut rotation, KeyInput::Start, |call| match call.kind {
        KeyCallKind::Create { .. } => Err(lost()),
        _ => twilio(call),
    });
    let (kind, next, _, _) = failure(end);
    assert_eq!(
        (kind, next),
        (KeyFailureKind::Unavailable, NextStep::StartAgain)
    );
    let creates = calls
        .iter()
        .filter(|c| matches!(c.kind, KeyCallKind::Create { .. }))
        .count();
    assert_eq!(creates, 4);
}

#[test]
fn a_new_key_that_stays_refused_is_checked_verify_attempts_times_with_doubling_waits() {
    let mut rotation = KeyRotation::new(token(), sid(OLD), id(), config());
    let mut twilio = fine(None);
    let (end, calls, waits) = drive(&mut rotation, KeyInput::Start, |call| {
        match &call.credentials {
            Credentials::ApiKey { .. } => Err(twilio_error(401, 20003)),
            _ => twilio(call),
        }
    });
    let (kind, next, _, _) = failure(end);
    assert_eq!(
        (kind, next),
        (KeyFailureKind::NewKeyRefused, NextStep::ResumeOrAbandon)
    );
    let checks = calls
        .iter()
        .filter(|c| matches!(c.credentials, Credentials::ApiKey { .. }))
        .count();
    assert_eq!(checks, 6);
    assert_eq!(
        waits[..3],
        [
            Duration::from_millis(500),
            Duration::from_secs(1),
            Duration::from_secs(2)
        ]
    );
}

#[test]
fn the_old_key_is_checked_refused_with_its_secret_or_gone_without_it() {
    // With its secret: a refusal finishes, a server error stops.
    for (answer, refused) in [
        (twilio_error(401, 20003), true),
        (twilio_error(500, 0), false),
    ] {
        let mut rotation = KeyRotation::resume(
            journal(KeyJournalPhase::OldDeleted, KeyApi::Iam),
            token(),
            config(),
        )
        .unwrap()
        .with_old_secret(ApiKeySecret::new("oldsecret").unwrap());
        let mut answer = Some(answer);
        let (end, calls, _) = drive(&mut rotation, KeyInput::Start, |_| {
            Err(answer.take().unwrap())
        });
        assert!(
            matches!(calls[0].credentials, Credentials::ApiKey { key_sid, .. } if key_sid == sid(OLD))
        );
        match end {
            KeyAction::Finished(report) => {
                assert!(refused);
                assert_eq!(report.old_key_refused, Some(true));
                assert!(report.resumed);
            }
            other => {
                assert!(!refused);
                let (_, next, _, _) = failure(other);
                assert_eq!(next, NextStep::CheckOldTokenLater);
            }
        }
    }
    // Without it: still listed after every attempt, then a stop.
    let mut rotation = KeyRotation::resume(
        journal(KeyJournalPhase::OldDeleted, KeyApi::Iam),
        token(),
        config(),
    )
    .unwrap();
    let (end, calls, _) = drive(&mut rotation, KeyInput::Start, fine(None));
    let (kind, next, _, _) = failure(end);
    assert_eq!(
        (kind, next),
        (KeyFailureKind::Inconsistent, NextStep::CheckOldTokenLater)
    );
    assert_eq!(calls.len(), 6);
    // A 500 is not taken for "gone".
    let mut rotation = KeyRotation::resume(
        journal(KeyJournalPhase::OldDeleted, KeyApi::Iam),
        token(),
        config(),
    )
    .unwrap();
    let (end, _, _) = drive(&mut rotation, KeyInput::Start, |_| {
        Err(twilio_error(500, 0))
    });
    assert_eq!(failure(end).0, KeyFailureKind::Api);
}

#[test]
fn before_the_old_key_is_deleted_the_new_one_must_still_exist() {
    for (answer, kind, next) in [
        (
            twilio_error(404, 20404),
            KeyFailureKind::Inconsistent,
            NextStep::AbandonThenStartAgain,
        ),
        (
            twilio_error(500, 0),
            KeyFailureKind::Api,
            NextStep::ResumeOrAbandon,
        ),
    ] {
        let mut rotation = KeyRotation::resume(
            journal(KeyJournalPhase::Delivered, KeyApi::Iam),
            token(),
            config(),
        )
        .unwrap();
        let mut answer = Some(answer);
        let (end, calls, _) = drive(&mut rotation, KeyInput::Start, |_| {
            Err(answer.take().unwrap())
        });
        assert_eq!(calls.len(), 1);
        assert_eq!(
            calls[0].kind,
            KeyCallKind::Fetch {
                api: KeyApi::Iam,
                sid: sid(NEW)
            }
        );
        assert_eq!(failure(end).0, kind);
        let _ = next;
    }
}

#[test]
fn a_resume_uses_the_journals_api_and_creates_at_once_after_its_cleanup() {
    let mut rotation = KeyRotation::resume(
        journal(KeyJournalPhase::Creating, KeyApi::V2010),
        token(),
        config(),
    )
    .unwrap();
    let KeyAction::Call(list) = rotation.next(KeyInput::Start) else {
        panic!()
    };
    assert_eq!(list.kind, KeyCallKind::List { api: KeyApi::V2010 });
    let action = rotation.next(KeyInput::Called(Ok(KeyCallResult::Listed(vec![]))));
    let KeyAction::Persist(persisted) = action else {
        panic!("{action:?}")
    };
    assert_eq!(persisted.phase, KeyJournalPhase::Creating);
    assert_eq!(persisted.api, KeyApi::V2010);
}

#[test]
fn a_2010_key_is_replaced_by_a_standard_key_whatever_its_fetch_says() {
    let config = KeyRotationConfig {
        wait_for_go_ahead: false,
        ..KeyRotationConfig::new(KeyApi::V2010)
    };
    let mut rotation = KeyRotation::new(token(), sid(OLD), id(), config);
    rotation.next(KeyInput::Start);
    rotation.next(KeyInput::Called(Ok(KeyCallResult::Verified)));
    let policy = Policy::allow(["/twilio/iam/api-keys/read"]).unwrap();
    let KeyAction::Persist(journal) = rotation.next(fetched("app", Some(policy))) else {
        panic!()
    };
    assert_eq!(journal.kind, NewKeyKind::Standard);
}

#[test]
fn an_abandon_deletes_the_new_key_and_the_rotations_keys_only_while_the_old_key_is_listed() {
    let marked = "SKcccccccccccccccccccccccccccccccc";
    let listing = |with_old: bool| {
        let mut keys = vec![
            // The new key, renamed since: deleted all the same.
            ListedKey {
                sid: sid(NEW),
                friendly_name: Some("renamed".into()),
            },
            ListedKey {
                sid: sid(marked),
                friendly_name: Some("app (rotation r-1a2b3c4d)".into()),
            },
            ListedKey {
                sid: "SKdddddddddddddddddddddddddddddddd".parse().unwrap(),
                friendly_name: Some("other".into()),
            },
        ];
        if with_old {
            keys.push(ListedKey {
                sid: sid(OLD),
                friendly_name: Some("app (rotation r-1a2b3c4d)".into()),
            });
        }
        KeyCallResult::Listed(keys)
    };
    let mut rotation = KeyRotation::abandon(
        journal(KeyJournalPhase::DeletingOld, KeyApi::Iam),
        token(),
        config(),
    )
    .unwrap();
    let (end, calls, _) = drive(&mut rotation, KeyInput::Start, |call| match call.kind {
        KeyCallKind::List { .. } => Ok(listing(true)),
        _ => Ok(KeyCallResult::Deleted),
    });
    let KeyAction::Finished(report) = end else {
        panic!("{end:?}")
    };
    assert!(report.abandoned);
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    let mut deleted: Vec<ApiKeySid> = calls
        .iter()
        .filter_map(|c| match c.kind {
            KeyCallKind::Delete { sid, .. } => Some(sid),
            _ => None,
        })
        .collect();
    deleted.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    assert_eq!(deleted, [sid(NEW), sid(marked)]);

    let mut rotation = KeyRotation::abandon(
        journal(KeyJournalPhase::DeletingOld, KeyApi::Iam),
        token(),
        config(),
    )
    .unwrap();
    let (end, calls, _) = drive(&mut rotation, KeyInput::Start, |_| Ok(listing(false)));
    let (kind, next, _, _) = failure(end);
    assert_eq!(
        (kind, next),
        (KeyFailureKind::Inconsistent, NextStep::Resume)
    );
    assert_eq!(calls.len(), 1, "nothing deleted");
}

#[test]
fn an_unfinished_marker_in_the_old_name_is_kept() {
    let mut rotation = rotation(token(), KeyVerify::Default);
    let KeyAction::Persist(journal) =
        to_after_fetch(&mut rotation, fetched("app (rotation r-0000", None))
    else {
        panic!()
    };
    assert_eq!(
        journal.friendly_name,
        "app (rotation r-0000 (rotation r-1a2b3c4d)"
    );
}

#[test]
fn the_journal_shows_no_secret_in_debug() {
    let journal = journal(KeyJournalPhase::Created, KeyApi::Iam);
    let debug = format!("{journal:?}");
    assert!(debug.starts_with("KeyJournal {"), "{debug}");
    assert!(
        debug.contains("Created") && !debug.contains("newsecret"),
        "{debug}"
    );
}

#[test]
fn the_steps_are_numbered_one_to_nine_in_order_and_described() {
    use twilio_accounts_rotation::KeyRotationStep as S;
    let steps = [
        S::CheckCurrent,
        S::FetchOld,
        S::Create,
        S::CheckNew,
        S::Deliver,
        S::GoAhead,
        S::DeleteOld,
        S::CheckOld,
        S::Done,
    ];
    for (index, step) in steps.iter().enumerate() {
        assert_eq!(usize::from(step.number()), index + 1, "{step:?}");
    }
    assert_eq!(S::CheckNew.describe(), "check the new key authenticates");
}

#[test]
fn a_subaccount_key_is_managed_with_the_parent_credentials_and_checked_as_the_subaccount() {
    const SUB: &str = "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    let sub: AccountSid = SUB.parse().unwrap();
    let new_rotation = KeyRotation::new(token(), sid(OLD), id(), config()).of_subaccount(sub);
    let sub_journal = |phase| KeyJournal {
        account_sid: sub,
        api: KeyApi::V2010,
        ..journal(phase, KeyApi::V2010)
    };
    // (how it starts, what it starts with)
    let cases = [
        ("new", new_rotation, KeyInput::Start),
        (
            "resumed from created",
            KeyRotation::resume_subaccount(
                sub_journal(KeyJournalPhase::Created),
                token(),
                config(),
            )
            .unwrap(),
            KeyInput::Start,
        ),
    ];
    for (name, mut rotation, input) in cases {
        let (end, calls, _) = drive(&mut rotation, input, fine(None));
        assert!(matches!(end, KeyAction::Finished(_)), "{name}: {end:?}");
        for call in &calls {
            assert_eq!(call.account_sid, sub, "{name}: {call:?}");
            let is_new_key_check = matches!(
                (&call.kind, &call.credentials),
                (KeyCallKind::Verify(_), Credentials::ApiKey { key_sid, .. }) if *key_sid == sid(NEW)
            );
            let expected = if is_new_key_check {
                sub
            } else {
                ACCOUNT.parse().unwrap()
            };
            assert_eq!(
                *call.credentials.account_sid(),
                expected,
                "{name}: {call:?}"
            );
            if let KeyCallKind::Fetch { api, .. }
            | KeyCallKind::Create { api, .. }
            | KeyCallKind::Delete { api, .. } = &call.kind
            {
                assert_eq!(
                    *api,
                    KeyApi::V2010,
                    "{name}: the parent reaches only the 2010 API"
                );
            }
        }
        assert!(
            calls.iter().any(|c| matches!(
                (&c.kind, &c.credentials),
                (KeyCallKind::Verify(_), Credentials::ApiKey { key_sid, .. }) if *key_sid == sid(NEW)
            )),
            "{name}: the new key is checked"
        );
    }
    let iam_of_another = KeyJournal {
        account_sid: sub,
        ..journal(KeyJournalPhase::Created, KeyApi::Iam)
    };
    assert!(
        KeyRotation::resume_subaccount(iam_of_another, token(), config()).is_err(),
        "an IAM v1 journal of another account cannot be resumed with the parent's credentials"
    );
}
