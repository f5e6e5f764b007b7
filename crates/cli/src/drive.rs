//! Carrying out a rotation's actions: the one loop that both drivers share
//! (the single `rotate` and each worker of `rotate --subaccounts`).
//!
//! The state machine says what to do; [`drive`] does the parts that are the
//! same for every driver (store the journal owner-only and atomically, make
//! the call, hand the token to the sink, wait) and leaves what differs (what
//! people see, the go-ahead, the settle wait, a shared backoff) to a
//! [`Conversation`].
//!
//! **The commit of a staged store.** A secret store that stages versions
//! (AWS Secrets Manager: the new value is `AWSPENDING` from the delivery)
//! makes the new token the one applications read (`AWSCURRENT`) once it was
//! checked to work and before anything irreversible: [`Sink::commit`] runs
//! right before the go-ahead ([`Action::AwaitGoAhead`], so that `--yes`'s
//! `--deploy-wait` and a person's deployment come after it) and again, a
//! no-op then, before the journal of the promote is written (a rotation
//! without a go-ahead). The state machine is not told: the token is the
//! one its journal holds, and a commit that fails stops the rotation before
//! the promote, to be resumed (both tokens still work).

use std::path::PathBuf;
#[cfg(debug_assertions)]
use std::sync::OnceLock;
#[cfg(debug_assertions)]
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use twilio_accounts_core::AuthToken;
use twilio_accounts_rotation::{
    Action, Input, JournalPhase, NextStep, Rotation, RotationFailure, RotationReport, RotationStep,
    perform,
};

use crate::store::StoreError;
use twilio_accounts_ureq::Client;

use crate::sink::Sink;
use crate::state_file::{Overwrite, write_secret_file};

/// A test hook: pause before the N-th action (counted across the whole
/// process, every account of a fleet included) so a test can SIGKILL the
/// process at an exact point. Bounded to two minutes. Only in debug builds
/// (what `cargo test` runs): a release binary has no such hook.
#[cfg(debug_assertions)]
const PAUSE_VARIABLE: &str = "TWILIO_ACCOUNTS_TEST_PAUSE_BEFORE_ACTION";

/// Actions carried out so far by this process, for the pause hook.
#[cfg(debug_assertions)]
static ACTIONS: AtomicUsize = AtomicUsize::new(0);

/// What one rotation's actions are carried out with, and what they left.
pub struct Carrier<'a> {
    /// Any client of the right endpoint: each call carries its own credentials.
    pub client: &'a Client,
    pub sink: Sink,
    pub state_file: PathBuf,
    /// How long each step took.
    pub steps: Vec<(RotationStep, Duration)>,
    /// A token the sink refused, kept until the rotation says whether its
    /// secondary was deleted (else it goes to a rescue file).
    pub undelivered: Option<AuthToken>,
    /// The API calls made (a retry inside the client is not counted).
    pub calls: u32,
}

/// The parts of driving a rotation that differ between drivers.
pub trait Conversation {
    /// A new step began.
    fn step(&mut self, _step: RotationStep) {}
    /// The journal of `phase` is stored durably.
    fn kept(&mut self, _phase: JournalPhase) {}
    /// The sink has the token.
    fn delivered(&mut self, _sink: &Sink) {}
    /// Before each API call (the fleet waits out a shared backoff here).
    fn before_call(&mut self) {}
    /// Whether to promote now.
    fn go_ahead(&mut self) -> Input;
    /// Waits out the settle period.
    fn settle(&mut self, duration: Duration);
    /// The rotation finished; `steps` says how long each step took.
    fn finished(&mut self, _steps: &[(RotationStep, Duration)]) {}
}

impl<'a> Carrier<'a> {
    pub fn new(client: &'a Client, sink: Sink, state_file: PathBuf) -> Self {
        Carrier {
            client,
            sink,
            state_file,
            steps: Vec::new(),
            undelivered: None,
            calls: 0,
        }
    }
}

/// How long each step of a rotation took, as a driver goes through them: a
/// step's time is recorded when the next one begins, and the last one's at
/// the end. Shared by the Auth Token and the API key drivers.
pub struct StepClock<S> {
    current: Option<S>,
    started: Instant,
}

impl<S: Copy + PartialEq> StepClock<S> {
    pub fn new() -> Self {
        StepClock {
            current: None,
            started: Instant::now(),
        }
    }

    /// The rotation is at `step`: when that is a new step, records the time
    /// of the one before in `times` and says so.
    pub fn at(&mut self, step: S, times: &mut Vec<(S, Duration)>) -> bool {
        if self.current == Some(step) {
            return false;
        }
        self.end(times);
        self.current = Some(step);
        self.started = Instant::now();
        true
    }

    /// The rotation ended: records the time of its last step.
    pub fn end(&mut self, times: &mut Vec<(S, Duration)>) {
        if let Some(previous) = self.current.take() {
            times.push((previous, self.started.elapsed()));
        }
    }
}

/// Carries out the rotation's actions until it ends. The failure is boxed:
/// it carries an API error and the next step, too large to move around in a
/// `Result` unboxed.
pub fn drive(
    carrier: &mut Carrier<'_>,
    mut rotation: Rotation,
    talk: &mut impl Conversation,
) -> Result<RotationReport, Box<RotationFailure>> {
    let mut input = Input::Start;
    let mut clock = StepClock::new();
    // Bounded: a rotation takes a few dozen actions; verification and create
    // retries are bounded inside the state machine.
    for _ in 0..1000 {
        let action = rotation.next(input);
        if clock.at(rotation.step(), &mut carrier.steps) {
            talk.step(rotation.step());
        }
        pause_if_asked(&action);
        input = match action {
            Action::Persist(journal) => {
                if journal.phase == JournalPhase::Promoting
                    && let Some(token) = &journal.new_token
                {
                    commit(&carrier.sink, token, rotation.step())?;
                }
                match write_secret_file(&carrier.state_file, &journal.to_json(), Overwrite::Allow) {
                    Ok(()) => {
                        talk.kept(journal.phase);
                        Input::Persisted
                    }
                    Err(e) => {
                        // Before a create nothing changed at Twilio (a resumed one
                        // deleted its secondary first); once a create answered, its
                        // journal carries the new fingerprint and the previous
                        // journal on disk still describes the rotation.
                        let next = if journal.phase == JournalPhase::Creating
                            && journal.new_fingerprint.is_none()
                        {
                            NextStep::StartAgain
                        } else {
                            NextStep::Resume
                        };
                        return Err(Box::new(RotationFailure::driver(
                            rotation.step(),
                            format!(
                                "cannot write the state file {}: {e}; nothing further was changed",
                                carrier.state_file.display()
                            ),
                            next,
                        )));
                    }
                }
            }
            Action::Call(call) => {
                talk.before_call();
                carrier.calls += 1;
                // The client implements the rotation's call seam; a clone shares its pool.
                Input::Called(perform(&call, carrier.client))
            }
            Action::Deliver(token) => match carrier.sink.deliver(&token) {
                Ok(()) => {
                    talk.delivered(&carrier.sink);
                    Input::Delivered
                }
                Err(reason) => {
                    carrier.undelivered = Some(token);
                    Input::DeliveryFailed(reason)
                }
            },
            Action::ConfirmDelivery(token) => {
                match carrier
                    .sink
                    .confirm(&token)
                    .map_err(StoreError::Refused)
                    .and_then(|()| carrier.sink.confirm_stores(&token))
                {
                    Ok(()) => Input::Delivered,
                    Err(StoreError::Unavailable(reason)) => {
                        return Err(Box::new(RotationFailure::driver(
                            rotation.step(),
                            format!(
                                "not promoted: whether the sink still holds the new token cannot be told ({reason}); both tokens still work"
                            ),
                            NextStep::ResumeOrAbandon,
                        )));
                    }
                    Err(reason) => Input::DeliveryFailed(reason.to_string()),
                }
            }
            Action::AwaitGoAhead => {
                // The token the journal of a delivered rotation holds.
                if let Some(token) = rotation.journal(JournalPhase::Delivered).new_token {
                    commit(&carrier.sink, &token, rotation.step())?;
                }
                talk.go_ahead()
            }
            Action::Wait(delay) => {
                std::thread::sleep(jittered(delay));
                Input::Waited
            }
            Action::Settle(duration) => {
                talk.settle(duration);
                Input::Waited
            }
            Action::Finished(report) => {
                clock.end(&mut carrier.steps);
                talk.finished(&carrier.steps);
                return Ok(report);
            }
            Action::Failed(failure) => return Err(Box::new(failure)),
            _ => {
                return Err(Box::new(RotationFailure::driver(
                    rotation.step(),
                    "the rotation asked for something this version cannot do",
                    NextStep::ReportBug,
                )));
            }
        };
    }
    Err(Box::new(RotationFailure::driver(
        rotation.step(),
        "the rotation did not finish within 1000 actions",
        NextStep::ReportBug,
    )))
}

/// Makes `token` current in the sink's staging stores; a failure stops the
/// rotation before the promote, to be resumed once the store is back.
fn commit(sink: &Sink, token: &AuthToken, step: RotationStep) -> Result<(), Box<RotationFailure>> {
    sink.commit(token).map_err(|e| {
        Box::new(RotationFailure::driver(
            step,
            format!(
                "not promoted: the new token could not be made the current version in its store ({e}); both tokens still work"
            ),
            NextStep::ResumeOrAbandon,
        ))
    })
}

/// A random part of `delay`, between half and all of it, so that rotations
/// that failed together do not retry together.
pub fn jittered(delay: Duration) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    // The core's jitter generator, seeded from the standard library's
    // per-process random keys, as the client seeds its retries.
    let seed = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let unit = twilio_accounts_core::Jitter::new(seed).next_unit();
    delay.mul_f64(0.5 + unit / 2.0)
}

/// The pause hook in a release build: none.
#[cfg(not(debug_assertions))]
fn pause_if_asked(_: &Action) {}

/// The pause hook in a release build: none.
#[cfg(not(debug_assertions))]
pub fn pause_before_action(_: impl FnOnce() -> String) {}

/// The pause hook: before the N-th action of the process (any machine's:
/// the Auth Token rotation's or a key rotation's) when the test variable
/// asks for it; `describe` names the action in the hook's message.
#[cfg(debug_assertions)]
pub fn pause_before_action(describe: impl FnOnce() -> String) {
    static PAUSE_BEFORE: OnceLock<Option<usize>> = OnceLock::new();
    let pause_before = *PAUSE_BEFORE.get_or_init(|| {
        std::env::var(PAUSE_VARIABLE)
            .ok()
            .and_then(|v| v.parse().ok())
    });
    let index = ACTIONS.fetch_add(1, Ordering::SeqCst);
    if pause_before != Some(index) {
        return;
    }
    let kind = describe();
    crate::output::err(&format!("test hook: paused before action {index} ({kind})"));
    std::thread::sleep(Duration::from_secs(120));
}

/// The pause hook, for the Auth Token rotation's actions.
#[cfg(debug_assertions)]
fn pause_if_asked(action: &Action) {
    pause_before_action(|| match action {
        Action::Persist(j) => format!("persist {:?}", j.phase),
        Action::Call(c) => format!("call {:?}", c.kind),
        Action::Deliver(_) => "deliver".into(),
        Action::AwaitGoAhead => "go-ahead".into(),
        Action::ConfirmDelivery(_) => "confirm delivery".into(),
        Action::Wait(_) => "wait".into(),
        Action::Settle(_) => "settle".into(),
        Action::Finished(_) => "finished".into(),
        Action::Failed(_) => "failed".into(),
        _ => "other".into(),
    });
}
