//! What the journal keeps at rest: never the old token, the new token only
//! from delivery until the promote is decided, fingerprints otherwise; and how a resume takes
//! the token the user gives again for the old or the new one. Every phase
//! is resumed with each kind of token against an in-memory Twilio, through
//! the real client over a closure transport.

use std::cell::RefCell;
use std::time::Duration;

use base64::Engine as _;
use http::{Method, Request, Response};
use twilio_accounts_client::{BlockingTransport, Client, ClientOptions, ClientSetup};
use twilio_accounts_core::{AuthToken, Credentials, RetryPolicy, TransportError};
use twilio_accounts_rotation::{
    Action, FailureKind, Input, Journal, JournalError, JournalPhase, NextStep, Rotation,
    RotationConfig, TokenFingerprint, perform,
};

const SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const OLD: &str = "0000000000000000000000000000000a";
const NEW: &str = "0000000000000000000000000000000b";
const STRANGER: &str = "0000000000000000000000000000000c";
/// A Main API key of the account, and its secret.
const MAIN_KEY: &str = "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const MAIN_KEY_SECRET: &str = "0123456789abcdef0123456789abcdef";

/// One account's tokens, answering as Twilio does; every create makes
/// [`NEW`].
struct Twilio {
    primary: String,
    secondary: Option<String>,
    /// What the 2010 Account resource answers.
    account: AccountAnswer,
}

/// How `GET /2010-04-01/Accounts/{SID}.json` answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AccountAnswer {
    /// With the primary token.
    Primary,
    /// Without `auth_token`.
    NoToken,
    /// 404 / 20404.
    NotFound,
}

impl Twilio {
    fn authenticates(&self, token: &str) -> bool {
        token == self.primary || self.secondary.as_deref() == Some(token)
    }

    fn handle(&mut self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let header = request.headers()["authorization"].to_str().unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(header.trim_start_matches("Basic "))
            .unwrap();
        let decoded = String::from_utf8(decoded).unwrap();
        let (user, token) = decoded.split_once(':').unwrap();
        let json = |status: u16, body: String| {
            Ok(Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(body.into_bytes())
                .unwrap())
        };
        let error = |status: u16, code: u32| {
            json(
                status,
                format!(r#"{{"code":{code},"message":"error","status":{status}}}"#),
            )
        };
        let main_key = user == MAIN_KEY && token == MAIN_KEY_SECRET;
        if !main_key && !self.authenticates(token) {
            return error(401, 20003);
        }
        match (request.method().clone(), request.uri().path()) {
            (Method::GET, "/v1/Credentials/PublicKeys") => {
                json(200, r#"{"credentials":[],"meta":{}}"#.into())
            }
            (Method::POST, "/v1/AuthTokens/Secondary") => {
                self.secondary = Some(NEW.into());
                json(
                    201,
                    format!(r#"{{"account_sid":"{SID}","secondary_auth_token":"{NEW}"}}"#),
                )
            }
            (Method::GET, path) if path == format!("/2010-04-01/Accounts/{SID}.json") => {
                let primary = match self.account {
                    AccountAnswer::Primary => format!(r#","auth_token":"{}""#, self.primary),
                    AccountAnswer::NoToken => String::new(),
                    AccountAnswer::NotFound => return error(404, 20404),
                };
                json(200, format!(r#"{{"sid":"{SID}"{primary}}}"#))
            }
            (Method::DELETE, "/v1/AuthTokens/Secondary") => match self.secondary.take() {
                Some(_) => Ok(Response::builder().status(204).body(Vec::new()).unwrap()),
                None => error(404, 20404),
            },
            (Method::POST, "/v1/AuthTokens/Promote") => match self.secondary.take() {
                Some(token) => {
                    self.primary = token.clone();
                    json(200, format!(r#"{{"auth_token":"{token}"}}"#))
                }
                None => error(404, 20404),
            },
            _ => error(404, 20404),
        }
    }
}

fn token(t: &str) -> AuthToken {
    AuthToken::new(t).unwrap()
}

fn credentials(t: &str) -> Credentials {
    Credentials::auth_token(SID.parse().unwrap(), token(t))
}

fn config() -> RotationConfig {
    RotationConfig {
        wait_for_go_ahead: false,
        settle: Duration::ZERO,
        verify_attempts: 2,
        verify_delay: Duration::from_millis(1),
        ..RotationConfig::default()
    }
}

#[derive(Debug, PartialEq, Eq)]
enum End {
    Finished,
    Failed(FailureKind, NextStep),
}

/// Drives `rotation` to its end; returns how it ended, every journal as
/// written, and the tokens the sink took.
fn drive(twilio: &RefCell<Twilio>, mut rotation: Rotation) -> (End, Vec<Vec<u8>>, Vec<String>) {
    let transport = |request| twilio.borrow_mut().handle(request);
    let (mut journals, mut sink) = (Vec::new(), Vec::new());
    let mut input = Input::Start;
    // Bounded: a rotation without faults takes about twenty actions.
    for _ in 0..100 {
        input = match rotation.next(input) {
            Action::Persist(journal) => {
                journals.push(journal.to_json().to_vec());
                Input::Persisted
            }
            Action::Call(call) => {
                Input::Called(perform(&call, &client(&transport, RetryPolicy::never())))
            }
            Action::Deliver(t) => {
                sink.push(t.expose_secret().to_owned());
                Input::Delivered
            }
            Action::ConfirmDelivery(t) => {
                assert_eq!(sink.last().map(String::as_str), Some(t.expose_secret()));
                Input::Delivered
            }
            Action::AwaitGoAhead => Input::GoAhead,
            Action::Wait(_) | Action::Settle(_) => Input::Waited,
            Action::Finished(_) => return (End::Finished, journals, sink),
            Action::Failed(failure) => {
                return (End::Failed(failure.kind, failure.next), journals, sink);
            }
            other => panic!("unexpected action {other:?}"),
        };
    }
    panic!("the rotation did not end within 100 actions");
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn no_journal_holds_the_old_token_and_the_new_one_only_until_the_promote_is_decided() {
    let twilio = RefCell::new(Twilio {
        primary: OLD.into(),
        secondary: None,
        account: AccountAnswer::Primary,
    });
    let (end, journals, _) = drive(&twilio, Rotation::new(credentials(OLD), config()));
    assert_eq!(end, End::Finished);
    let old_fingerprint = TokenFingerprint::of(&token(OLD)).to_string();
    let new_fingerprint = TokenFingerprint::of(&token(NEW)).to_string();
    let mut phases = Vec::new();
    for (index, bytes) in journals.iter().enumerate() {
        let journal = Journal::from_json(bytes).unwrap();
        phases.push(journal.phase);
        assert!(
            !contains(bytes, OLD),
            "{:?} holds the old token",
            journal.phase
        );
        assert_eq!(
            contains(bytes, NEW),
            matches!(
                journal.phase,
                JournalPhase::Delivered | JournalPhase::Promoting
            ),
            "{:?}: the new token is kept from delivery until the promote is decided",
            journal.phase
        );
        // Every journal tells the old token apart, the finished one too (a
        // resume of it checks what it says).
        assert!(contains(bytes, &old_fingerprint), "{:?}", journal.phase);
        // The new token's fingerprint from the create's answer on: recorded
        // before the sink is written, so that a resume may replace a token
        // file holding it, and no other.
        let new_known = index > 0;
        assert_eq!(
            contains(bytes, &new_fingerprint),
            new_known,
            "{:?}",
            journal.phase
        );
        assert!(contains(bytes, r#""version": 3"#), "{:?}", journal.phase);
    }
    assert_eq!(
        phases,
        [
            JournalPhase::Creating,
            JournalPhase::Creating,
            JournalPhase::Delivered,
            JournalPhase::Promoting,
            JournalPhase::Promoted,
            JournalPhase::Done,
        ]
    );
}

/// The state of Twilio each journal phase describes, as a clean run leaves
/// it right after persisting that phase.
fn twilio_at(phase: JournalPhase) -> Twilio {
    let (primary, secondary) = match phase {
        JournalPhase::Creating | JournalPhase::WrongAccount => (OLD, None),
        JournalPhase::Delivered | JournalPhase::Promoting => (OLD, Some(NEW)),
        JournalPhase::Promoted | JournalPhase::Done => (NEW, None),
    };
    Twilio {
        primary: primary.into(),
        secondary: secondary.map(str::to_owned),
        account: AccountAnswer::Primary,
    }
}

/// The journal a clean run persisted in `phase`.
fn journal_of(phase: JournalPhase) -> Vec<u8> {
    let twilio = RefCell::new(Twilio {
        primary: OLD.into(),
        secondary: None,
        account: AccountAnswer::Primary,
    });
    let (_, journals, _) = drive(&twilio, Rotation::new(credentials(OLD), config()));
    journals
        .into_iter()
        .find(|bytes| Journal::from_json(bytes).unwrap().phase == phase)
        .unwrap()
}

#[test]
fn every_phase_resumes_with_the_old_or_the_new_token_and_refuses_any_other() {
    use JournalPhase::*;
    // (phase, the token given at resume, how the resume ends)
    let cases: [(JournalPhase, &str, Result<End, JournalError>); 15] = [
        (Creating, OLD, Ok(End::Finished)),
        (Creating, NEW, Err(JournalError::UnknownToken)),
        (Creating, STRANGER, Err(JournalError::UnknownToken)),
        (Delivered, OLD, Ok(End::Finished)),
        (Delivered, NEW, Ok(End::Finished)),
        (Delivered, STRANGER, Err(JournalError::UnknownToken)),
        // With the new token the old one is unknown: the account's 2010
        // resource, read with the new token, says which is the primary.
        (Promoting, OLD, Ok(End::Finished)),
        (Promoting, NEW, Ok(End::Finished)),
        (Promoting, STRANGER, Err(JournalError::UnknownToken)),
        (Promoted, OLD, Ok(End::Finished)),
        (Promoted, NEW, Ok(End::Finished)),
        (Promoted, STRANGER, Err(JournalError::UnknownToken)),
        (Done, OLD, Ok(End::Finished)),
        (Done, NEW, Ok(End::Finished)),
        (Done, STRANGER, Err(JournalError::UnknownToken)),
    ];
    for (phase, given, expected) in cases {
        let journal = Journal::from_json(&journal_of(phase)).unwrap();
        let twilio = RefCell::new(twilio_at(phase));
        let result = Rotation::resume(journal, credentials(given), config())
            .map(|rotation| drive(&twilio, rotation));
        let label = format!("{phase:?} resumed with {given}");
        match (result, expected) {
            (Ok((end, journals, _)), Ok(expected)) => {
                assert_eq!(end, expected, "{label}");
                if end == End::Finished {
                    let twilio = twilio.borrow();
                    assert_eq!(twilio.primary, NEW, "{label}");
                    assert!(!twilio.authenticates(OLD), "{label}");
                }
                for bytes in &journals {
                    assert!(
                        !contains(bytes, OLD),
                        "{label}: a journal holds the old token"
                    );
                }
            }
            (Err(e), Err(expected)) => assert_eq!(e, expected, "{label}"),
            (result, expected) => panic!(
                "{label}: {:?}, expected {expected:?}",
                result.map(|(end, _, _)| end)
            ),
        }
    }
}

#[test]
fn a_resume_after_the_create_answered_takes_only_the_old_token() {
    let twilio = RefCell::new(Twilio {
        primary: OLD.into(),
        secondary: None,
        account: AccountAnswer::Primary,
    });
    let (_, journals, _) = drive(&twilio, Rotation::new(credentials(OLD), config()));
    // The second `creating` journal: the create answered, the sink may or
    // may not have the token.
    let created = Journal::from_json(&journals[1]).unwrap();
    assert_eq!(created.phase, JournalPhase::Creating);
    assert!(created.new_fingerprint.is_some());
    // The new token may be in the sink, but an earlier resume may have
    // deleted its secondary already: only the old token goes on.
    let refused = Rotation::resume(created.clone(), credentials(NEW), config()).unwrap_err();
    assert_eq!(refused, JournalError::ResumeWithOldToken);
    // Given the old one, the secondary is deleted and another made.
    let twilio = RefCell::new(twilio_at(JournalPhase::Delivered));
    let (end, _, sink) = drive(
        &twilio,
        Rotation::resume(created, credentials(OLD), config()).unwrap(),
    );
    assert_eq!(end, End::Finished);
    // That secondary was deleted and another one made, delivered and promoted.
    let primary = twilio.borrow().primary.clone();
    assert_eq!(sink.last(), Some(&primary));
    assert!(!twilio.borrow().authenticates(OLD));
}

#[test]
fn a_resume_before_the_promote_checks_that_the_secondary_is_the_sinks_token() {
    // After delivery, someone replaced the secondary, or deleted it.
    for secondary in [Some(STRANGER), None] {
        let journal = Journal::from_json(&journal_of(JournalPhase::Delivered)).unwrap();
        let twilio = RefCell::new(Twilio {
            primary: OLD.into(),
            secondary: secondary.map(str::to_owned),
            account: AccountAnswer::Primary,
        });
        let rotation = Rotation::resume(journal, credentials(OLD), config()).unwrap();
        let (end, _, _) = drive(&twilio, rotation);
        assert_eq!(
            end,
            End::Failed(FailureKind::Api, NextStep::ResumeOrAbandon),
            "{secondary:?}"
        );
        assert_eq!(
            twilio.borrow().primary,
            OLD,
            "{secondary:?}: nothing promoted"
        );
    }
}

#[test]
fn a_version_1_journal_with_both_tokens_still_resumes_and_is_rewritten_without_them() {
    let v1 = format!(
        r#"{{"version":1,"account_sid":"{SID}","phase":"delivered","old_token":"{OLD}","new_token":"{NEW}"}}"#
    );
    let journal = Journal::from_json(v1.as_bytes()).unwrap();
    assert_eq!(
        journal.old_fingerprint,
        Some(TokenFingerprint::of(&token(OLD)))
    );
    assert_eq!(
        journal.new_fingerprint,
        Some(TokenFingerprint::of(&token(NEW)))
    );
    let twilio = RefCell::new(twilio_at(JournalPhase::Delivered));
    let rotation = Rotation::resume(journal, credentials(OLD), config()).unwrap();
    let (end, journals, _) = drive(&twilio, rotation);
    assert_eq!(end, End::Finished);
    for bytes in &journals {
        assert!(
            !contains(bytes, OLD),
            "the rewritten journal holds the old token"
        );
    }
}

#[test]
fn a_version_3_journal_with_an_old_token_or_a_mismatched_new_one_is_refused() {
    let old_fp = TokenFingerprint::of(&token(OLD));
    let new_fp = TokenFingerprint::of(&token(NEW));
    for bytes in [
        format!(r#"{{"version":3,"account_sid":"{SID}","phase":"creating","old_token":"{OLD}"}}"#),
        format!(
            r#"{{"version":3,"account_sid":"{SID}","phase":"promoting","old_fingerprint":"{old_fp}","new_fingerprint":"{new_fp}","new_token":"{STRANGER}"}}"#
        ),
        format!(
            r#"{{"version":3,"account_sid":"{SID}","phase":"delivered","old_fingerprint":"{old_fp}"}}"#
        ),
        format!(
            r#"{{"version":3,"account_sid":"{SID}","phase":"delivered","old_fingerprint":"{old_fp}","new_fingerprint":"{new_fp}"}}"#
        ),
        format!(
            r#"{{"version":3,"account_sid":"{SID}","phase":"delivered","old_fingerprint":"not hex","new_fingerprint":"{new_fp}"}}"#
        ),
    ] {
        assert!(
            matches!(
                Journal::from_json(bytes.as_bytes()),
                Err(JournalError::Malformed(_))
            ),
            "{bytes}"
        );
    }
    assert_eq!(
        Journal::from_json(
            format!(r#"{{"version":4,"account_sid":"{SID}","phase":"done"}}"#).as_bytes()
        ),
        Err(JournalError::UnsupportedVersion(4))
    );
}

#[test]
fn a_journal_of_api_key_credentials_knows_no_old_token_and_reads_the_primary_instead() {
    let new = token(NEW);
    let journal = |phase| Journal {
        account_sid: SID.parse().unwrap(),
        phase,
        old_fingerprint: None,
        new_fingerprint: (phase != JournalPhase::Creating).then(|| TokenFingerprint::of(&new)),
        new_token: (phase == JournalPhase::Promoting).then(|| new.clone()),
        credentials_act_on: None,
    };
    let api_key = || {
        Credentials::api_key(
            SID.parse().unwrap(),
            MAIN_KEY.parse().unwrap(),
            MAIN_KEY_SECRET.parse().unwrap(),
        )
    };
    // A promote that may or may not have happened: the account's 2010
    // resource, which a Main key may read, shows which token is the
    // primary; where it does not, the new token is checked by hand.
    // (Twilio's state: promoted or not; what the account resource answers;
    // the credentials of the resume; how it ends.)
    let wrong_key = || {
        Credentials::api_key(
            SID.parse().unwrap(),
            MAIN_KEY.parse().unwrap(),
            STRANGER.parse().unwrap(),
        )
    };
    let finished = End::Finished;
    let by_hand = End::Failed(FailureKind::Inconsistent, NextStep::CheckNewToken);
    let resume = End::Failed(FailureKind::Api, NextStep::Resume);
    let with_old = End::Failed(FailureKind::Inconsistent, NextStep::Resume);
    let primary = AccountAnswer::Primary;
    let cases = [
        (false, primary, api_key(), &finished),
        (true, primary, api_key(), &finished),
        (false, AccountAnswer::NoToken, api_key(), &by_hand),
        // Credentials refused, knowing no token: an API error to resume
        // from, not a request for the old token.
        (false, primary, wrong_key(), &resume),
        // Resumed with the new token, whose secondary is gone: only the old
        // token can tell, and the resume asks for it.
        (false, primary, credentials(NEW), &with_old),
        // Resumed with the new token, and the read fails otherwise.
        (false, AccountAnswer::NotFound, credentials(NEW), &resume),
    ];
    for (index, (promoted, answer, creds, expected)) in cases.into_iter().enumerate() {
        let mut at = twilio_at(match promoted {
            true => JournalPhase::Promoted,
            false => JournalPhase::Promoting,
        });
        at.account = answer;
        if matches!(creds, Credentials::AuthToken { .. }) && answer == primary {
            // The new token's secondary was deleted since.
            at.secondary = None;
        }
        let twilio = RefCell::new(at);
        let mut journal = journal(JournalPhase::Promoting);
        if matches!(creds, Credentials::AuthToken { .. }) {
            journal.old_fingerprint = Some(TokenFingerprint::of(&token(OLD)));
        }
        let rotation = Rotation::resume(journal, creds, config()).unwrap();
        let (end, _, _) = drive(&twilio, rotation);
        let label = format!("case {index}: promoted {promoted}, {answer:?}");
        assert_eq!(&end, expected, "{label}");
        if end == End::Finished {
            assert_eq!(twilio.borrow().primary, NEW, "{label}");
            assert_eq!(twilio.borrow().secondary, None, "{label}");
        }
    }
    // A journal that knows no token takes an Auth Token given later as the
    // credentials for its calls, not as a token it can vouch for.
    let twilio = RefCell::new(twilio_at(JournalPhase::Creating));
    let rotation =
        Rotation::resume(journal(JournalPhase::Creating), credentials(OLD), config()).unwrap();
    let (end, _, _) = drive(&twilio, rotation);
    assert_eq!(end, End::Finished);
    assert_eq!(twilio.borrow().primary, NEW);
}

/// The client over the in-memory Twilio: `transport` answers every request,
/// `policy` retries, and no wait between retries is slept.
fn client<T: BlockingTransport>(transport: T, policy: RetryPolicy) -> Client<T> {
    let options = ClientOptions::new().with_retry_policy(policy);
    let setup = ClientSetup::new(credentials(OLD), options, |_| None).expect("a valid set-up");
    Client::with_blocking_wait(setup, transport, |_| {})
}
