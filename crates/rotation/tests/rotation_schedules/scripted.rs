//! A rotation driven by a scripted Twilio: one closure answers every
//! request, so a test can pin a single decision (how many checks, which
//! errors are retried, what a refused create means) that the invariants of
//! the schedules cannot see.

use std::time::Duration;

use crate::client;
use http::{Method, Request, Response};
use twilio_accounts_core::{AuthToken, Credentials, RetryPolicy};
use twilio_accounts_core::{Delivery, TransportError, TransportErrorKind};
use twilio_accounts_rotation::{
    Action, Input, Journal, JournalPhase, Rotation, RotationConfig, RotationFailure,
    RotationReport, TokenFingerprint, perform,
};

use crate::twilio::{OLD, SID, basic_auth_token, error, json};

/// The token a scripted create hands out.
pub const NEW: &str = "beefbeefbeefbeefbeefbeefbeefbeef";

/// What a scripted request gets back.
pub type Answer = Result<Response<Vec<u8>>, TransportError>;

/// Everything a scripted run did.
#[derive(Debug)]
pub struct Trace {
    /// Each request as `(method, path, token)`.
    pub requests: Vec<(Method, String, String)>,
    /// The backoff waits, in order.
    pub waits: Vec<Duration>,
    /// The settle waits.
    pub settles: Vec<Duration>,
    /// How it ended.
    pub end: Result<RotationReport, RotationFailure>,
}

impl Trace {
    fn new(
        requests: std::cell::RefCell<Vec<(Method, String, String)>>,
        waits: Vec<Duration>,
        settles: Vec<Duration>,
        end: Result<RotationReport, RotationFailure>,
    ) -> Self {
        Trace {
            requests: requests.into_inner(),
            waits,
            settles,
            end,
        }
    }

    /// How many requests matched `method` and `path` with `token`.
    pub fn count(&self, method: Method, path: &str, token: &str) -> usize {
        self.requests
            .iter()
            .filter(|(m, p, t)| *m == method && p == path && t == token)
            .count()
    }
}

pub fn credentials() -> Credentials {
    Credentials::auth_token(SID.parse().unwrap(), AuthToken::new(OLD).unwrap())
}

/// The harness's rotation settings: three checks after promotion, 500 ms apart at first.
pub fn config() -> RotationConfig {
    RotationConfig {
        wait_for_go_ahead: false,
        settle: Duration::from_secs(60),
        verify_attempts: 3,
        verify_delay: Duration::from_millis(500),
        ..RotationConfig::default()
    }
}

/// A rotation resumed from a journal in `phase`, holding both tokens.
pub fn resumed(phase: JournalPhase) -> Rotation {
    let new = AuthToken::new(NEW).unwrap();
    let journal = Journal {
        account_sid: SID.parse().unwrap(),
        phase,
        old_fingerprint: Some(TokenFingerprint::of(&AuthToken::new(OLD).unwrap())),
        new_fingerprint: Some(TokenFingerprint::of(&new)),
        new_token: Some(new),
        credentials_act_on: None,
    };
    Rotation::resume(journal, credentials(), config()).unwrap()
}

/// Twilio's answer when all is well: a verify passes, a create hands out
/// [`NEW`], a delete and a promote succeed.
pub fn fine(method: &Method, path: &str) -> Answer {
    Ok(match (method.clone(), path) {
        (Method::POST, "/v1/AuthTokens/Secondary") => {
            json(201, format!(r#"{{"secondary_auth_token":"{NEW}"}}"#))
        }
        (Method::POST, "/v1/AuthTokens/Promote") => {
            json(200, format!(r#"{{"auth_token":"{NEW}"}}"#))
        }
        (Method::DELETE, _) => Response::builder().status(204).body(Vec::new()).unwrap(),
        _ => json(200, r#"{"credentials":[],"meta":{}}"#.into()),
    })
}

/// A 401 / 20003.
pub fn refused() -> Answer {
    Ok(error(401, 20003))
}

/// The connection reset after the request went out.
pub fn answer_lost() -> Answer {
    Err(TransportError::new(
        TransportErrorKind::ConnectionClosed,
        Delivery::MaybeSent,
        "connection reset",
    ))
}

/// Drives `rotation` to its end, each request answered by `answer(method,
/// path, token, how many requests came before)`, with no retries.
pub fn drive(
    mut rotation: Rotation,
    answer: impl Fn(&Method, &str, &str, usize) -> Answer,
) -> Trace {
    let requests = std::cell::RefCell::new(Vec::new());
    let mut waits = Vec::new();
    let mut settles = Vec::new();
    let mut input = Input::Start;
    // Bounded: a rotation takes a few dozen actions.
    for _ in 0..200 {
        input = match rotation.next(input) {
            Action::Persist(_) => Input::Persisted,
            Action::Call(call) => {
                let transport = |request: Request<Vec<u8>>| {
                    let path = request.uri().path().to_owned();
                    let token = basic_auth_token(&request);
                    let before = requests.borrow().len();
                    let reply = answer(request.method(), &path, &token, before);
                    requests
                        .borrow_mut()
                        .push((request.method().clone(), path, token));
                    reply
                };
                Input::Called(perform(&call, &client(&transport, RetryPolicy::never())))
            }
            Action::Deliver(_) | Action::ConfirmDelivery(_) => Input::Delivered,
            Action::AwaitGoAhead => Input::GoAhead,
            Action::Wait(delay) => {
                waits.push(delay);
                Input::Waited
            }
            Action::Settle(delay) => {
                settles.push(delay);
                Input::Waited
            }
            Action::Finished(report) => {
                return Trace::new(requests, waits, settles, Ok(report));
            }
            Action::Failed(failure) => {
                return Trace::new(requests, waits, settles, Err(failure));
            }
            other => panic!("an action the driver does not know: {other:?}"),
        };
    }
    panic!("the rotation did not end within 200 actions");
}
