//! The rotation state machine against an in-memory Twilio (a closure
//! transport with Twilio's token rules), through the real
//! client over a closure transport: the happy path, every failure branch, and a crash after
//! every single action followed by a resume.

use std::cell::RefCell;
use std::time::Duration;

use base64::Engine as _;
use http::{Method, Request, Response};
use twilio_accounts_client::{BlockingTransport, Client, ClientOptions, ClientSetup};
use twilio_accounts_core::{
    AuthToken, Credentials, Delivery, RetryPolicy, TransportError, TransportErrorKind,
};
use twilio_accounts_rotation::{
    Action, CallKind, FailureKind, Input, Journal, JournalPhase, Rotation, RotationConfig,
    TokenFingerprint, perform,
};

const SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const OLD: &str = "0000000000000000000000000000000a";
/// Another account: the one the credentials act on in the wrong-account tests.
const PARENT: &str = "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/// What the fake does to the next matching request.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fault {
    /// Apply the change, then lose the answer.
    ApplyThenDrop,
    /// Answer 500 without applying.
    ServerError,
}

struct FakeTwilio {
    primary: String,
    secondary: Option<String>,
    refuse_existing: bool,
    next_token: u32,
    fault: Option<(Method, &'static str, Fault)>,
    requests: Vec<(Method, String)>,
    /// The account a create's answer names: the rotated one, as Twilio
    /// answers for its own credentials, unless a test says otherwise (the
    /// credentials then act on another account, as an API key of that
    /// account would).
    acts_on: &'static str,
    /// Refuse every request made with an Auth Token (401 / 70052), as an
    /// account that enforces Public Key Client Validation does; the Main
    /// key `MAIN_KEY` still authenticates.
    refuses_auth_tokens: bool,
}

/// A Main API key of the account, and its secret.
const MAIN_KEY: (&str, &str) = ("SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "main-key-secret");

impl FakeTwilio {
    fn new() -> Self {
        FakeTwilio {
            primary: OLD.into(),
            secondary: None,
            refuse_existing: false,
            next_token: 1,
            fault: None,
            requests: Vec::new(),
            acts_on: SID,
            refuses_auth_tokens: false,
        }
    }

    fn authenticates(&self, token: &str) -> bool {
        token == self.primary || self.secondary.as_deref() == Some(token)
    }

    fn json(status: u16, body: String) -> Response<Vec<u8>> {
        Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(body.into_bytes())
            .unwrap()
    }

    fn error(status: u16, code: u32) -> Response<Vec<u8>> {
        Self::json(
            status,
            format!(r#"{{"code":{code},"message":"error","status":{status}}}"#),
        )
    }

    fn handle(&mut self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let path = request.uri().path().to_owned();
        self.requests.push((request.method().clone(), path.clone()));
        let header = request.headers()["authorization"].to_str().unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(header.trim_start_matches("Basic "))
            .unwrap();
        let decoded = String::from_utf8(decoded).unwrap();
        let (user, token) = decoded.split_once(':').unwrap();
        if (user, token) == MAIN_KEY {
            // A Main key may do everything.
        } else if user != SID || !self.authenticates(token) {
            return Ok(Self::error(401, 20003));
        } else if self.refuses_auth_tokens {
            return Ok(Self::error(401, 70052));
        }
        let fault = match self.fault {
            Some((ref m, p, f)) if *m == request.method() && p == path => {
                self.fault = None;
                Some(f)
            }
            _ => None,
        };
        if fault == Some(Fault::ServerError) {
            return Ok(Response::builder()
                .status(500)
                .body(b"<html>oops</html>".to_vec())
                .unwrap());
        }
        let response = match (request.method().clone(), path.as_str()) {
            (Method::GET, "/v1/Credentials/PublicKeys") => {
                Self::json(200, r#"{"credentials":[],"meta":{}}"#.into())
            }
            (Method::POST, "/v1/AuthTokens/Secondary") => {
                if self.refuse_existing && self.secondary.is_some() {
                    Self::error(409, 20409)
                } else {
                    let token = format!("{:032x}", 0xbeef_0000u64 + u64::from(self.next_token));
                    self.next_token += 1;
                    self.secondary = Some(token.clone());
                    Self::json(
                        201,
                        format!(
                            r#"{{"account_sid":"{}","secondary_auth_token":"{token}"}}"#,
                            self.acts_on
                        ),
                    )
                }
            }
            (Method::DELETE, "/v1/AuthTokens/Secondary") => match self.secondary.take() {
                Some(_) => Response::builder().status(204).body(Vec::new()).unwrap(),
                None => Self::error(404, 20404),
            },
            (Method::GET, p) if p == format!("/2010-04-01/Accounts/{SID}.json") => Self::json(
                200,
                format!(r#"{{"sid":"{SID}","auth_token":"{}"}}"#, self.primary),
            ),
            (Method::POST, "/v1/AuthTokens/Promote") => match self.secondary.take() {
                Some(token) => {
                    self.primary = token.clone();
                    Self::json(200, format!(r#"{{"auth_token":"{token}"}}"#))
                }
                None => Self::error(404, 20404),
            },
            _ => Self::error(404, 20404),
        };
        if fault == Some(Fault::ApplyThenDrop) {
            return Err(TransportError::new(
                TransportErrorKind::ConnectionClosed,
                Delivery::MaybeSent,
                "connection closed before the response",
            ));
        }
        Ok(response)
    }
}

/// What a driver run ended with.
#[derive(Debug)]
enum End {
    Finished,
    Failed(FailureKind),
    /// Stopped on purpose after this many actions (a simulated crash).
    Crashed,
}

struct World {
    twilio: RefCell<FakeTwilio>,
    /// Every token the sink received, in order.
    sink: Vec<String>,
    /// The last journal persisted, as bytes (what the state file holds).
    journal: Option<Vec<u8>>,
    sink_fails: bool,
    declines: bool,
    /// Actions handed out so far.
    actions: usize,
    /// The notes of the last finished rotation.
    notes: Vec<String>,
}

impl World {
    fn new() -> Self {
        World {
            twilio: RefCell::new(FakeTwilio::new()),
            sink: Vec::new(),
            journal: None,
            sink_fails: false,
            declines: false,
            actions: 0,
            notes: Vec::new(),
        }
    }

    /// Every request Twilio received, as `METHOD PATH`.
    fn calls(&self) -> Vec<String> {
        self.twilio
            .borrow()
            .requests
            .iter()
            .map(|(m, p)| format!("{m} {p}"))
            .collect()
    }

    /// Drives `rotation` until it ends, or until `crash_after` actions.
    fn drive(&mut self, rotation: &mut Rotation, crash_after: Option<usize>) -> End {
        self.drive_observed(rotation, crash_after, |_, _| {})
    }

    /// The same, showing `observe` every action (with the rotation's step
    /// after it) before it is carried out.
    fn drive_observed(
        &mut self,
        rotation: &mut Rotation,
        crash_after: Option<usize>,
        mut observe: impl FnMut(&Rotation, &Action),
    ) -> End {
        let mut input = Input::Start;
        // Bounded: a rotation takes a few dozen actions at most.
        for count in 0..200 {
            let action = rotation.next(input);
            self.actions += 1;
            observe(rotation, &action);
            if crash_after == Some(count) {
                return End::Crashed;
            }
            input = match action {
                Action::Persist(journal) => {
                    self.journal = Some(journal.to_json().to_vec());
                    Input::Persisted
                }
                Action::Call(call) => {
                    let transport = |request| self.twilio.borrow_mut().handle(request);
                    Input::Called(perform(&call, &client(&transport, RetryPolicy::default())))
                }
                Action::Deliver(token) => {
                    if self.sink_fails {
                        Input::DeliveryFailed("disk full".into())
                    } else {
                        self.sink.push(token.expose_secret().to_owned());
                        Input::Delivered
                    }
                }
                Action::ConfirmDelivery(token) => {
                    if self.sink.last().map(String::as_str) == Some(token.expose_secret()) {
                        Input::Delivered
                    } else {
                        Input::DeliveryFailed("the sink holds another token".into())
                    }
                }
                Action::AwaitGoAhead => {
                    if self.declines {
                        Input::Declined
                    } else {
                        Input::GoAhead
                    }
                }
                Action::Wait(_) | Action::Settle(_) => Input::Waited,
                Action::Finished(report) => {
                    self.notes = report.notes;
                    return End::Finished;
                }
                Action::Failed(failure) => return End::Failed(failure.kind),
                other => panic!("unexpected action {other:?}"),
            };
        }
        panic!("the rotation did not end within 200 actions");
    }

    /// The rotation is complete and safe: exactly one token works, it is the
    /// sink's latest, the old one is refused, and no secondary is left.
    fn assert_rotated(&self) {
        let twilio = self.twilio.borrow();
        let last = self.sink.last().expect("the sink received a token");
        assert_eq!(&twilio.primary, last, "the primary is the sink's token");
        assert_ne!(twilio.primary, OLD);
        assert!(!twilio.authenticates(OLD), "the old token is refused");
        assert_eq!(twilio.secondary, None, "no secondary is left behind");
    }

    fn assert_untouched(&self) {
        let twilio = self.twilio.borrow();
        assert_eq!(twilio.primary, OLD);
        assert_eq!(twilio.secondary, None);
    }
}

fn credentials(token: &str) -> Credentials {
    Credentials::auth_token(SID.parse().unwrap(), AuthToken::new(token).unwrap())
}

fn config() -> RotationConfig {
    RotationConfig {
        settle: Duration::from_secs(1),
        verify_delay: Duration::from_millis(1),
        ..RotationConfig::default()
    }
}

#[test]
fn a_rotation_replaces_the_primary_and_leaves_no_secondary() {
    let mut world = World::new();
    let mut rotation = Rotation::new(credentials(OLD), config());
    assert!(matches!(world.drive(&mut rotation, None), End::Finished));
    world.assert_rotated();
    assert_eq!(world.sink.len(), 1);
    let calls = world.calls();
    assert_eq!(
        calls,
        [
            "GET /v1/Credentials/PublicKeys",
            "POST /v1/AuthTokens/Secondary",
            "GET /v1/Credentials/PublicKeys",
            // Checked again after the go-ahead, right before the promote.
            "GET /v1/Credentials/PublicKeys",
            "POST /v1/AuthTokens/Promote",
            "GET /v1/Credentials/PublicKeys",
            "GET /v1/Credentials/PublicKeys",
        ]
    );
    // The finished journal keeps no token, only the fingerprints a resume
    // of it checks.
    let journal = Journal::from_json(world.journal.as_ref().unwrap()).unwrap();
    assert_eq!(journal.phase, JournalPhase::Done);
    assert_eq!(journal.new_token, None);
    assert_eq!(
        journal.old_fingerprint,
        Some(TokenFingerprint::of(&AuthToken::new(OLD).unwrap()))
    );
    assert_eq!(
        journal.new_fingerprint,
        Some(TokenFingerprint::of(
            &AuthToken::new(&world.sink[0]).unwrap()
        ))
    );
}

#[test]
fn the_steps_come_in_order_and_every_change_is_journalled_first() {
    let mut world = World::new();
    let mut rotation = Rotation::new(credentials(OLD), config());
    let mut steps = Vec::new();
    let mut last_persisted: Option<JournalPhase> = None;
    let end = world.drive_observed(&mut rotation, None, |rotation, action| {
        steps.push(rotation.step().number());
        match action {
            Action::Persist(journal) => last_persisted = Some(journal.phase),
            Action::Call(call) if call.kind == CallKind::CreateSecondary => {
                assert_eq!(last_persisted, Some(JournalPhase::Creating))
            }
            Action::Call(call) if call.kind == CallKind::Promote => {
                assert_eq!(last_persisted, Some(JournalPhase::Promoting))
            }
            _ => {}
        }
    });
    assert!(matches!(end, End::Finished));
    let mut sorted = steps.clone();
    sorted.sort();
    assert_eq!(steps, sorted, "steps never go backwards on the happy path");
    steps.dedup();
    assert_eq!(steps, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
}

#[test]
fn bad_credentials_stop_before_anything_changes() {
    let mut world = World::new();
    let mut rotation = Rotation::new(credentials("wrongwrongwrong"), config());
    assert!(matches!(
        world.drive(&mut rotation, None),
        End::Failed(FailureKind::Api)
    ));
    world.assert_untouched();
    assert!(world.sink.is_empty());
}

#[test]
fn an_existing_secondary_stops_the_rotation_unless_replacing_is_asked() {
    let mut world = World::new();
    {
        let mut t = world.twilio.borrow_mut();
        t.refuse_existing = true;
        t.secondary = Some("someone-elses-secondary".into());
    }
    let mut rotation = Rotation::new(credentials(OLD), config());
    assert!(matches!(
        world.drive(&mut rotation, None),
        End::Failed(FailureKind::SecondaryExists)
    ));
    assert_eq!(
        world.twilio.borrow().secondary.as_deref(),
        Some("someone-elses-secondary")
    );

    let replace = RotationConfig {
        replace_existing_secondary: true,
        ..config()
    };
    let mut rotation = Rotation::new(credentials(OLD), replace);
    assert!(matches!(world.drive(&mut rotation, None), End::Finished));
    world.assert_rotated();
}

#[test]
fn a_failing_sink_deletes_the_unused_secondary() {
    let mut world = World::new();
    world.sink_fails = true;
    let mut rotation = Rotation::new(credentials(OLD), config());
    assert!(matches!(
        world.drive(&mut rotation, None),
        End::Failed(FailureKind::DeliveryFailed)
    ));
    world.assert_untouched();
}

#[test]
fn declining_leaves_both_tokens_working_and_resume_promotes() {
    let mut world = World::new();
    world.declines = true;
    let mut rotation = Rotation::new(credentials(OLD), config());
    assert!(matches!(
        world.drive(&mut rotation, None),
        End::Failed(FailureKind::Declined)
    ));
    {
        let t = world.twilio.borrow();
        assert!(t.authenticates(OLD));
        assert!(t.authenticates(&world.sink[0]));
    }
    world.declines = false;
    let journal = Journal::from_json(world.journal.as_ref().unwrap()).unwrap();
    assert_eq!(journal.phase, JournalPhase::Delivered);
    let mut resumed = Rotation::resume(journal, credentials(OLD), config()).unwrap();
    assert!(matches!(world.drive(&mut resumed, None), End::Finished));
    world.assert_rotated();
}

#[test]
fn a_lost_create_answer_is_replaced_by_a_fresh_secondary() {
    let mut world = World::new();
    world.twilio.borrow_mut().fault = Some((
        Method::POST,
        "/v1/AuthTokens/Secondary",
        Fault::ApplyThenDrop,
    ));
    let mut rotation = Rotation::new(credentials(OLD), config());
    assert!(matches!(world.drive(&mut rotation, None), End::Finished));
    world.assert_rotated();
    // The lost token was never handed out; only the second one was.
    assert_eq!(world.sink.len(), 1);
}

#[test]
fn a_lost_promote_answer_is_probed_not_repeated() {
    for fault in [Fault::ApplyThenDrop, Fault::ServerError] {
        let mut world = World::new();
        world.twilio.borrow_mut().fault = Some((Method::POST, "/v1/AuthTokens/Promote", fault));
        let mut rotation = Rotation::new(credentials(OLD), config());
        assert!(
            matches!(world.drive(&mut rotation, None), End::Finished),
            "{fault:?}"
        );
        world.assert_rotated();
        let promotes = world
            .twilio
            .borrow()
            .requests
            .iter()
            .filter(|(m, p)| *m == Method::POST && p == "/v1/AuthTokens/Promote")
            .count();
        // Applied-then-dropped: probed, not resent. 500 (not applied): probed, then sent again.
        let expected = if fault == Fault::ApplyThenDrop { 1 } else { 2 };
        assert_eq!(promotes, expected, "{fault:?}");
    }
}

#[test]
fn a_crash_after_any_action_is_recovered_by_resume() {
    // Count the actions of a clean run first.
    let mut clean = World::new();
    assert!(matches!(
        clean.drive(&mut Rotation::new(credentials(OLD), config()), None),
        End::Finished
    ));
    let actions = clean.actions;
    assert!(actions > 10, "{actions}");

    for crash_after in 0..actions {
        let mut world = World::new();
        let mut first = Rotation::new(credentials(OLD), config());
        let end = world.drive(&mut first, Some(crash_after));
        assert!(
            matches!(end, End::Crashed | End::Finished),
            "{crash_after}: {end:?}"
        );
        // The process restarts with the same (old) credentials in its environment.
        let mut second = match &world.journal {
            Some(bytes) => {
                let journal = Journal::from_json(bytes).unwrap();
                Rotation::resume(journal, credentials(OLD), config()).unwrap()
            }
            None => Rotation::new(credentials(OLD), config()),
        };
        let end = world.drive(&mut second, None);
        assert!(
            matches!(end, End::Finished),
            "crash after {crash_after}: {end:?}"
        );
        world.assert_rotated();
    }
}

/// The account's Main key, the credentials where Auth Tokens are refused.
fn main_key() -> Credentials {
    Credentials::api_key(
        SID.parse().unwrap(),
        MAIN_KEY.0.parse().unwrap(),
        twilio_accounts_core::ApiKeySecret::new(MAIN_KEY.1).unwrap(),
    )
}

#[test]
fn where_auth_tokens_are_refused_a_main_key_rotates_without_the_token_checks() {
    let config = RotationConfig {
        token_checks: false,
        ..config()
    };
    let world = || {
        let world = World::new();
        world.twilio.borrow_mut().refuses_auth_tokens = true;
        world
    };
    let mut clean = world();
    let mut rotation = Rotation::new(main_key(), config.clone());
    assert!(matches!(clean.drive(&mut rotation, None), End::Finished));
    clean.assert_rotated();
    let calls = clean.calls();
    // The Main key's check, the create, the promote: no Auth Token request.
    assert_eq!(
        calls,
        [
            "GET /v1/Credentials/PublicKeys",
            "POST /v1/AuthTokens/Secondary",
            "POST /v1/AuthTokens/Promote",
        ]
    );
    let journal = Journal::from_json(clean.journal.as_ref().unwrap()).unwrap();
    assert_eq!(journal.phase, JournalPhase::Done);
    // It says which checks it skipped and why, and nothing about a token
    // missing from the journal (it is there; it cannot authenticate).
    assert!(
        clean
            .notes
            .iter()
            .any(|n| n.contains("Public Key Client Validation")),
        "{:?}",
        clean.notes
    );
    assert!(
        !clean.notes.iter().any(|n| n.contains("not in the journal")),
        "{:?}",
        clean.notes
    );

    // A promote applied whose answer was lost, in the same run: the new
    // token is in memory (no fingerprint from a journal yet), and the
    // primary read says the promote happened; it is not sent again.
    let mut lost = world();
    lost.twilio.borrow_mut().fault =
        Some((Method::POST, "/v1/AuthTokens/Promote", Fault::ApplyThenDrop));
    let end = lost.drive(&mut Rotation::new(main_key(), config.clone()), None);
    assert!(matches!(end, End::Finished), "{end:?}");
    lost.assert_rotated();
    let calls = lost.calls();
    let count = |call: &str| calls.iter().filter(|c| *c == call).count();
    assert_eq!(count("POST /v1/AuthTokens/Promote"), 1, "{calls:?}");
    assert_eq!(
        count(&format!("GET /2010-04-01/Accounts/{SID}.json")),
        1,
        "{calls:?}"
    );

    // A crash after any action, then a resume with the same Main key: the
    // rotation finishes. Where it was promoting, no token can tell whether
    // the promote happened; the account's 2010 resource, which the Main key
    // may read, shows the primary.
    let mut read_primary = 0;
    for crash_after in 0..clean.actions {
        let mut world = world();
        let end = world.drive(
            &mut Rotation::new(main_key(), config.clone()),
            Some(crash_after),
        );
        assert!(
            matches!(end, End::Crashed | End::Finished),
            "{crash_after}: {end:?}"
        );
        let mut second = match &world.journal {
            Some(bytes) => {
                let journal = Journal::from_json(bytes).unwrap();
                Rotation::resume(journal, main_key(), config.clone()).unwrap()
            }
            None => Rotation::new(main_key(), config.clone()),
        };
        let before = world.calls().len();
        let end = world.drive(&mut second, None);
        assert!(
            matches!(end, End::Finished),
            "crash after {crash_after}: {end:?}"
        );
        world.assert_rotated();
        let account = format!("GET /2010-04-01/Accounts/{SID}.json");
        if world.calls()[before..].contains(&account) {
            read_primary += 1;
        }
    }
    assert!(read_primary >= 1, "no resume had to read the primary");
}

#[test]
fn resume_refuses_a_journal_for_another_account() {
    let journal = Rotation::new(credentials(OLD), config()).journal(JournalPhase::Creating);
    let other = Credentials::auth_token(
        "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb".parse().unwrap(),
        AuthToken::new(OLD).unwrap(),
    );
    assert!(Rotation::resume(journal, other, config()).is_err());
}

#[test]
fn journals_round_trip_and_reject_damage() {
    let mut rotation = Rotation::new(credentials(OLD), config());
    let _ = rotation.next(Input::Start);
    let journal = rotation.journal(JournalPhase::Creating);
    let bytes = journal.to_json();
    assert_eq!(Journal::from_json(&bytes).unwrap(), journal);
    assert!(Journal::from_json(b"{").is_err());
    assert!(
        Journal::from_json(
            br#"{"version":99,"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","phase":"done"}"#
        )
        .is_err()
    );
    assert!(Journal::from_json(br#"{"version":1,"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","phase":"promoting"}"#).is_err());
    assert!(!format!("{journal:?}").contains(OLD));
}

#[test]
fn credentials_that_act_on_another_account_delete_what_they_made_and_stop() {
    let mut world = World::new();
    world.twilio.borrow_mut().acts_on = PARENT;
    let mut rotation = Rotation::new(credentials(OLD), config());
    assert!(matches!(
        world.drive(&mut rotation, None),
        End::Failed(FailureKind::WrongAccount)
    ));
    world.assert_untouched();
    assert!(world.sink.is_empty(), "nothing was delivered");
    let calls = world.calls();
    assert_eq!(
        calls,
        [
            "GET /v1/Credentials/PublicKeys",
            "POST /v1/AuthTokens/Secondary",
            "DELETE /v1/AuthTokens/Secondary",
        ]
    );
}

#[test]
fn a_crash_anywhere_in_the_wrong_account_guard_resumes_to_the_same_safe_stop() {
    let run = |crash_after: Option<usize>| {
        let mut world = World::new();
        world.twilio.borrow_mut().acts_on = PARENT;
        let end = world.drive(&mut Rotation::new(credentials(OLD), config()), crash_after);
        (world, end)
    };
    let (clean, _) = run(None);
    let actions = clean.actions;
    assert!(actions >= 5, "{actions}");
    for crash_after in 0..actions {
        let (mut world, end) = run(Some(crash_after));
        assert!(
            matches!(end, End::Crashed | End::Failed(FailureKind::WrongAccount)),
            "{crash_after}: {end:?}"
        );
        let mut second = match &world.journal {
            Some(bytes) => {
                let journal = Journal::from_json(bytes).unwrap();
                Rotation::resume(journal, credentials(OLD), config()).unwrap()
            }
            None => Rotation::new(credentials(OLD), config()),
        };
        let end = world.drive(&mut second, None);
        // A journal the guard made obsolete has nothing to resume; the CLI
        // removes it, and a resume of it stops the same way.
        assert!(
            matches!(end, End::Failed(FailureKind::WrongAccount)),
            "crash after {crash_after}: {end:?}"
        );
        world.assert_untouched();
        assert!(world.sink.is_empty(), "crash after {crash_after}");
        let promotes = world
            .twilio
            .borrow()
            .requests
            .iter()
            .filter(|(_, p)| p == "/v1/AuthTokens/Promote")
            .count();
        assert_eq!(promotes, 0, "crash after {crash_after}");
    }
}

/// The client over the in-memory Twilio: `transport` answers every request,
/// `policy` retries, and no wait between retries is slept.
fn client<T: BlockingTransport>(transport: T, policy: RetryPolicy) -> Client<T> {
    let options = ClientOptions::new().with_retry_policy(policy);
    let setup = ClientSetup::new(credentials(OLD), options, |_| None).expect("a valid set-up");
    Client::with_blocking_wait(setup, transport, |_| {})
}

/// Where tokens do authenticate, a Main key's rotation resumed after the
/// promote has no new token to check with when the journal no longer holds
/// it: it says that (and not that the account refuses Auth Tokens).
#[test]
fn a_resume_without_the_new_token_says_it_was_not_checked_and_why() {
    let mut clean = World::new();
    assert!(matches!(
        clean.drive(&mut Rotation::new(main_key(), config()), None),
        End::Finished
    ));
    let mut told = 0;
    for crash_after in 0..clean.actions {
        let mut world = World::new();
        let end = world.drive(&mut Rotation::new(main_key(), config()), Some(crash_after));
        let Some(bytes) = world.journal.clone() else {
            continue;
        };
        if !matches!(end, End::Crashed) {
            continue;
        }
        let journal = Journal::from_json(&bytes).unwrap();
        let Ok(mut resumed) = Rotation::resume(journal, main_key(), config()) else {
            continue;
        };
        if matches!(world.drive(&mut resumed, None), End::Finished) {
            assert!(
                !world
                    .notes
                    .iter()
                    .any(|n| n.contains("Public Key Client Validation")),
                "{crash_after}: {:?}",
                world.notes
            );
            told += usize::from(world.notes.iter().any(|n| n.contains("not in the journal")));
        }
    }
    assert!(told > 0, "some resume had no new token to check with");
}
