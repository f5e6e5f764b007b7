//! The wrong-account guard, at the machine: what the create's answer says
//! about the account decides whether the token is delivered, or deleted
//! again before anything else happens. The machine is driven by hand, so
//! every answer is exactly the one named.

use std::time::Duration;

use twilio_accounts_core::{AccountSid, AuthToken, Credentials};
use twilio_accounts_rotation::{
    Action, CallKind, CallResult, FailureKind, Input, Journal, JournalError, JournalPhase,
    NextStep, Rotation, RotationConfig,
};

const ASKED: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const PARENT: &str = "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const OLD: &str = "0000000000000000000000000000000a";
const NEW: &str = "0000000000000000000000000000000b";

fn sid(s: &str) -> AccountSid {
    s.parse().unwrap()
}

fn credentials() -> Credentials {
    Credentials::auth_token(sid(ASKED), AuthToken::new(OLD).unwrap())
}

fn config() -> RotationConfig {
    RotationConfig {
        wait_for_go_ahead: false,
        settle: Duration::ZERO,
        ..RotationConfig::default()
    }
}

/// How a run ended, and what it did on the way.
#[derive(Debug, Default)]
struct Run {
    calls: Vec<CallKind>,
    /// The credentials of every delete, to check they are the caller's.
    delete_credentials: Vec<Credentials>,
    persisted: Vec<Journal>,
    delivered: usize,
    notes: Vec<String>,
    failure: Option<(FailureKind, NextStep, String)>,
    finished: bool,
}

/// Drives `rotation`, answering every call as a Twilio that acts on
/// `acts_on` would, and deletes with `delete` (the first delete's result).
fn drive(
    mut rotation: Rotation,
    acts_on: Option<&str>,
    mut delete: impl FnMut() -> Result<CallResult, twilio_accounts_core::Error>,
) -> Run {
    let mut run = Run::default();
    let mut input = Input::Start;
    // Bounded: a rotation without faults takes about twenty actions.
    for _ in 0..100 {
        input = match rotation.next(input) {
            Action::Persist(journal) => {
                run.persisted.push(journal);
                Input::Persisted
            }
            Action::Call(call) => {
                run.calls.push(call.kind);
                Input::Called(match call.kind {
                    CallKind::Verify => Ok(CallResult::Verified),
                    CallKind::CreateSecondary => Ok(CallResult::Created {
                        token: AuthToken::new(NEW).unwrap(),
                        account_sid: acts_on.map(sid),
                    }),
                    CallKind::DeleteSecondary => {
                        run.delete_credentials.push(call.credentials.clone());
                        delete()
                    }
                    CallKind::Promote => Ok(CallResult::Promoted(AuthToken::new(NEW).unwrap())),
                    CallKind::ReadPrimary => {
                        Ok(CallResult::Primary(Some(AuthToken::new(NEW).unwrap())))
                    }
                })
            }
            Action::Deliver(_) => {
                run.delivered += 1;
                Input::Delivered
            }
            Action::ConfirmDelivery(_) => Input::Delivered,
            Action::AwaitGoAhead => Input::GoAhead,
            Action::Wait(_) | Action::Settle(_) => Input::Waited,
            Action::Finished(report) => {
                run.notes = report.notes;
                run.finished = true;
                return run;
            }
            Action::Failed(failure) => {
                let message = failure.to_string();
                run.failure = Some((failure.kind, failure.next, message));
                return run;
            }
            other => panic!("unexpected action {other:?}"),
        };
    }
    panic!("the rotation did not end within 100 actions");
}

fn deleted() -> Result<CallResult, twilio_accounts_core::Error> {
    Ok(CallResult::Deleted)
}

#[test]
fn the_account_named_by_the_create_decides_between_delivering_and_stopping() {
    struct Case {
        name: &'static str,
        acts_on: Option<&'static str>,
        delivered: usize,
        note_about_the_account: bool,
    }
    let cases = [
        Case {
            name: "the asked account",
            acts_on: Some(ASKED),
            delivered: 1,
            note_about_the_account: false,
        },
        Case {
            name: "no account in the answer: proceed, and say it was not checked",
            acts_on: None,
            delivered: 1,
            note_about_the_account: true,
        },
        Case {
            name: "another account",
            acts_on: Some(PARENT),
            delivered: 0,
            note_about_the_account: false,
        },
    ];
    for case in cases {
        let run = drive(
            Rotation::new(credentials(), config()),
            case.acts_on,
            deleted,
        );
        assert_eq!(run.delivered, case.delivered, "{}", case.name);
        if case.delivered == 1 {
            assert!(run.finished, "{}: {:?}", case.name, run.failure);
            let noted = run.notes.iter().any(|n| n.contains("named no account"));
            assert_eq!(
                noted, case.note_about_the_account,
                "{}: {:?}",
                case.name, run.notes
            );
        } else {
            assert!(!run.finished, "{}", case.name);
            assert!(!run.calls.contains(&CallKind::Promote), "{}", case.name);
        }
    }
}

#[test]
fn another_account_is_journalled_then_its_secondary_deleted_with_the_same_credentials() {
    let run = drive(
        Rotation::new(credentials(), config()),
        Some(PARENT),
        deleted,
    );
    assert_eq!(
        run.calls,
        [
            CallKind::Verify,
            CallKind::CreateSecondary,
            CallKind::DeleteSecondary
        ]
    );
    assert_eq!(run.delete_credentials, [credentials()]);
    let phases: Vec<JournalPhase> = run.persisted.iter().map(|j| j.phase).collect();
    assert_eq!(phases, [JournalPhase::Creating, JournalPhase::WrongAccount]);
    let guard = &run.persisted[1];
    assert_eq!(guard.credentials_act_on, Some(sid(PARENT)));
    assert_eq!(
        guard.new_token, None,
        "the wrong account's token is not kept"
    );
    let (kind, next, message) = run.failure.expect("the rotation stops");
    assert_eq!(kind, FailureKind::WrongAccount);
    assert_eq!(
        next,
        NextStep::UseTheAccountsOwnCredentials {
            credentials_act_on: sid(PARENT),
        }
    );
    assert!(
        next.journal_is_obsolete(),
        "nothing is left in either account"
    );
    assert!(
        message.contains(PARENT) && message.contains(ASKED),
        "{message}"
    );
}

#[test]
fn a_failed_delete_of_the_wrong_accounts_secondary_is_resumed_from_the_journal() {
    let refused = || {
        // A 503 from Twilio: the delete may not have happened.
        let response = http::Response::builder()
            .status(503)
            .body(Vec::new())
            .unwrap();
        let context = twilio_accounts_core::RequestContext::new(
            credentials(),
            twilio_accounts_core::Endpoint::default(),
        );
        context
            .parse_response(
                &twilio_accounts_core::DeleteSecondaryAuthToken::default(),
                response,
            )
            .map(|_| CallResult::Deleted)
    };
    let run = drive(
        Rotation::new(credentials(), config()),
        Some(PARENT),
        refused,
    );
    let (kind, next, message) = run.failure.expect("the rotation stops");
    assert_eq!(kind, FailureKind::WrongAccount);
    assert_eq!(
        next,
        NextStep::Resume,
        "the journal still has work: {message}"
    );
    assert!(!next.journal_is_obsolete());

    let journal = run.persisted.last().unwrap().clone();
    assert_eq!(journal.phase, JournalPhase::WrongAccount);
    let bytes = journal.to_json();
    let resumed =
        Rotation::resume(Journal::from_json(&bytes).unwrap(), credentials(), config()).unwrap();
    let run = drive(resumed, Some(PARENT), deleted);
    assert_eq!(
        run.calls,
        [CallKind::DeleteSecondary],
        "resume deletes first, creates nothing"
    );
    assert_eq!(run.delivered, 0);
    let (kind, next, _) = run.failure.expect("the resumed rotation stops");
    assert_eq!(kind, FailureKind::WrongAccount);
    assert!(matches!(
        next,
        NextStep::UseTheAccountsOwnCredentials { .. }
    ));
}

#[test]
fn a_wrong_account_journal_reads_back_with_the_other_account() {
    let run = drive(
        Rotation::new(credentials(), config()),
        Some(PARENT),
        deleted,
    );
    let guard = run.persisted.last().unwrap();
    let bytes = guard.to_json();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(text.contains(r#""phase": "wrong_account""#), "{text}");
    assert!(
        text.contains(&format!(r#""credentials_act_on": "{PARENT}""#)),
        "{text}"
    );
    assert_eq!(&Journal::from_json(&bytes).unwrap(), guard);
}

#[test]
fn a_wrong_account_journal_without_the_other_account_is_refused() {
    let bytes = format!(
        r#"{{"version":2,"account_sid":"{ASKED}","phase":"wrong_account","old_token":null,"new_token":null}}"#
    );
    assert!(matches!(
        Journal::from_json(bytes.as_bytes()),
        Err(JournalError::Malformed(_))
    ));
}
