//! One simulated world (an in-memory Twilio, a sink, a state file) and the
//! driver that runs the real rotation through it, meeting a schedule of
//! faults and crashes, resuming until it finishes, and checking the
//! invariants on the way.
//!
//! Fault points are numbered in the order a run reaches them: every action
//! with an effect outside the machine (persist, call, deliver) is one point,
//! where the process may crash after carrying the action out and before
//! reporting it (and the sink may fail); every HTTP request is one point,
//! where the request may meet a [`RequestFault`]. A crash before an action is the same as a crash after
//! the previous effectful one (the actions in between change nothing outside
//! the machine), so "after" covers both.

use std::cell::RefCell;
use std::time::Duration;

use crate::client;
use twilio_accounts_core::{AuthToken, Credentials, RetryPolicy};
use twilio_accounts_rotation::{
    Action, FailureKind, Input, Journal, JournalPhase, NextStep, Rotation, RotationConfig, perform,
};

use crate::twilio::{OLD, OTHER_ACCOUNT, RequestFault, SID, SecondCreate, Twilio};

/// A token someone else puts in the sink.
const SOMEONE_ELSES: &str = "0123456789abcdef0123456789abcdef";

/// Runs (the first and the resumes) before a schedule must have finished.
pub const MAX_RUNS: usize = 12;
/// Actions one run may take before it counts as looping.
pub const MAX_ACTIONS_PER_RUN: usize = 120;
/// Actions all runs of one schedule may take together.
pub const MAX_ACTIONS: usize = 600;

/// The retry policy the calls go through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// No retries: every fault reaches the machine.
    Never,
    /// The default policy: the faults it absorbs never reach the machine.
    Default,
}

impl Policy {
    pub fn retry(self) -> RetryPolicy {
        match self {
            Policy::Never => RetryPolicy::never(),
            Policy::Default => RetryPolicy::default(),
        }
    }
}

/// Everything about a world that is not a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scenario {
    pub second_create: SecondCreate,
    pub replace_existing_secondary: bool,
    pub policy: Policy,
    /// The credentials act on another account than the one rotated: the
    /// rotation must end withdrawn (nothing delivered, promoted or left),
    /// not finished.
    pub wrong_account: bool,
}

impl Scenario {
    pub fn all() -> Vec<Scenario> {
        let mut all = Vec::new();
        for second_create in [SecondCreate::Replaces, SecondCreate::Refuses] {
            for replace_existing_secondary in [false, true] {
                for policy in [Policy::Never, Policy::Default] {
                    all.push(Scenario {
                        second_create,
                        replace_existing_secondary,
                        policy,
                        wrong_account: false,
                    });
                }
            }
        }
        // The wrong-account guard acts right after the first create, so
        // what a second create does does not matter to it.
        for replace_existing_secondary in [false, true] {
            for policy in [Policy::Never, Policy::Default] {
                all.push(Scenario {
                    second_create: SecondCreate::Replaces,
                    replace_existing_secondary,
                    policy,
                    wrong_account: true,
                });
            }
        }
        all
    }

    fn config(&self) -> RotationConfig {
        RotationConfig {
            replace_existing_secondary: self.replace_existing_secondary,
            wait_for_go_ahead: true,
            settle: Duration::from_secs(60),
            suppress_email_notification: None,
            verify_attempts: 3,
            verify_delay: Duration::from_millis(500),
            retry_attempts: 3,
            retry_delay: Duration::from_secs(1),
            token_checks: true,
        }
    }

    fn policy(&self) -> RetryPolicy {
        self.policy.retry()
    }
}

/// A place where a fault can happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Point {
    /// A journal to persist.
    Persist,
    /// A call to make (all its attempts).
    Call,
    /// A token to hand to the sink.
    Deliver,
    /// A GET: it changes nothing, so a lost answer reads like a failed send
    /// and a 500 after applying like a 503; only the distinct faults apply.
    Read,
    /// A POST or DELETE.
    Write,
    /// The go-ahead: meanwhile, someone else may create a secondary.
    GoAhead,
    /// The sink read back before the promote: meanwhile, someone may have
    /// put another token there.
    Confirm,
}

/// What can go wrong at a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The process dies: the machine is dropped, only the state file stays.
    Crash,
    /// The sink cannot take the token.
    SinkFails,
    /// The request meets this fault.
    Request(RequestFault),
    /// Someone else creates a secondary (from the Console, a colleague).
    OutsideSecondary,
    /// Someone replaces the token in the sink.
    SinkReplaced,
}

impl Point {
    /// The faults possible here, in a fixed order (schedules index it).
    pub fn faults(self) -> Vec<Fault> {
        match self {
            Point::Persist | Point::Call => vec![Fault::Crash],
            Point::Deliver => vec![Fault::Crash, Fault::SinkFails],
            Point::Read => [
                RequestFault::FailBeforeSend,
                RequestFault::RateLimited,
                RequestFault::ServerError,
                RequestFault::AuthLag,
            ]
            .map(Fault::Request)
            .to_vec(),
            Point::Write => RequestFault::ALL.map(Fault::Request).to_vec(),
            Point::GoAhead => vec![Fault::OutsideSecondary],
            Point::Confirm => vec![Fault::SinkReplaced],
        }
    }
}

/// A schedule: `(point, index into that point's faults)`, points ascending.
pub type Schedule = [(usize, usize)];

/// What a run of one schedule did.
#[derive(Debug)]
pub struct Outcome {
    /// Every point reached, in order.
    pub points: Vec<Point>,
    /// The faults that happened, with their point.
    pub faults: Vec<(usize, Fault)>,
    /// The first invariant broken, if any.
    pub violation: Option<String>,
    /// Actions over all runs.
    pub actions: usize,
    /// Runs (1 + resumes).
    pub runs: usize,
}

/// How one run of the machine ended.
#[derive(Debug)]
enum End {
    Finished,
    Failed(FailureKind, NextStep),
    Crashed,
}

/// The points a run reaches and the faults its schedule puts there: shared
/// by every world.
pub struct Points<'s> {
    schedule: &'s Schedule,
    reached: RefCell<Vec<Point>>,
    faults: RefCell<Vec<(usize, Fault)>>,
}

impl<'s> Points<'s> {
    pub fn new(schedule: &'s Schedule) -> Self {
        Points {
            schedule,
            reached: RefCell::new(Vec::new()),
            faults: RefCell::new(Vec::new()),
        }
    }

    /// Reaches the next point: records it and answers the fault scheduled there.
    pub fn point(&self, point: Point) -> Option<Fault> {
        let mut points = self.reached.borrow_mut();
        let index = points.len();
        points.push(point);
        let (_, choice) = self.schedule.iter().find(|(p, _)| *p == index)?;
        let faults = point.faults();
        let fault = faults[choice % faults.len()];
        self.faults.borrow_mut().push((index, fault));
        Some(fault)
    }

    /// The outcome of a run that reached these points.
    pub fn outcome(self, violation: Option<String>, actions: usize, runs: usize) -> Outcome {
        Outcome {
            points: self.reached.into_inner(),
            faults: self.faults.into_inner(),
            violation,
            actions,
            runs,
        }
    }
}

struct World<'s> {
    scenario: Scenario,
    points: Points<'s>,
    twilio: RefCell<Twilio>,
    /// Every token the sink took, in order; the last is the one in use.
    sink: Vec<String>,
    /// The state file: the last journal persisted.
    journal: Option<Vec<u8>>,
    actions: usize,
}

/// Runs `schedule` in `scenario` until the rotation finishes (resuming
/// after every crash and failure), checking the invariants throughout.
pub fn run(scenario: Scenario, schedule: &Schedule) -> Outcome {
    let mut twilio = Twilio::new(scenario.second_create);
    twilio.acts_on = scenario.wrong_account.then_some(OTHER_ACCOUNT);
    let mut world = World {
        scenario,
        points: Points::new(schedule),
        twilio: RefCell::new(twilio),
        sink: Vec::new(),
        journal: None,
        actions: 0,
    };
    let (violation, runs) = match world.run_to_the_end() {
        Ok(runs) => (None, runs),
        Err((runs, violation)) => (Some(violation), runs),
    };
    world.points.outcome(violation, world.actions, runs)
}

fn credentials(token: &str) -> Credentials {
    Credentials::auth_token(SID.parse().unwrap(), AuthToken::new(token).unwrap())
}

impl World<'_> {
    fn point(&self, point: Point) -> Option<Fault> {
        self.points.point(point)
    }

    fn run_to_the_end(&mut self) -> Result<usize, (usize, String)> {
        let config = self.scenario.config();
        let mut rotation = Rotation::new(credentials(OLD), config.clone());
        let mut previous = None;
        for runs in 1..=MAX_RUNS {
            let end = self.drive(&mut rotation).map_err(|v| (runs, v))?;
            self.check_nothing_lost(&end).map_err(|v| (runs, v))?;
            // The operator follows the advice: abandon when told to, or when
            // resuming was advised twice in a row (its new token is refused:
            // the CLI then advises `--abandon` too), and start again.
            let next = match &end {
                End::Failed(_, next) => Some(*next),
                _ => None,
            };
            let abandon = match next {
                Some(NextStep::AbandonThenStartAgain) => true,
                Some(NextStep::ResumeOrAbandon) => previous == Some(NextStep::ResumeOrAbandon),
                _ => false,
            };
            previous = next;
            if abandon {
                self.abandon().map_err(|v| (runs, v))?;
                rotation = Rotation::new(credentials(OLD), config.clone());
                previous = None;
                continue;
            }
            match (&end, self.scenario.wrong_account) {
                (End::Finished, false) => {
                    self.check_rotated().map_err(|v| (runs, v))?;
                    return Ok(runs);
                }
                (End::Finished, true) => {
                    return Err((runs, "finished with credentials of another account".into()));
                }
                (End::Failed(FailureKind::WrongAccount, next), true)
                    if next.journal_is_obsolete() =>
                {
                    self.check_withdrawn().map_err(|v| (runs, v))?;
                    return Ok(runs);
                }
                (End::Failed(FailureKind::WrongAccount, _), false) => {
                    return Err((runs, "a wrong-account stop for the right account".into()));
                }
                _ => {}
            }
            // The process starts again and resumes from the state file when
            // there is one, with the old token in its environment; or, every
            // other time, with the new token from the sink once the journal
            // knows it (the journal keeps fingerprints, not tokens, and takes
            // the token given for the right one). While promoting, a resume
            // given the new token reads which token is the primary.
            rotation = match &self.journal {
                Some(bytes) => {
                    let journal = Journal::from_json(bytes)
                        .map_err(|e| (runs, format!("the state file does not read back: {e}")))?;
                    let given = match (self.sink.last(), journal.new_fingerprint) {
                        (Some(new), Some(fingerprint))
                            if runs % 2 == 1
                                && journal.phase != JournalPhase::Creating
                                && fingerprint.matches(&AuthToken::new(new.as_str()).unwrap()) =>
                        {
                            new.clone()
                        }
                        _ => OLD.to_owned(),
                    };
                    Rotation::resume(journal, credentials(&given), config.clone())
                        .map_err(|e| (runs, format!("the state file does not resume: {e}")))?
                }
                None => Rotation::new(credentials(OLD), config.clone()),
            };
        }
        Err((MAX_RUNS, format!("not finished after {MAX_RUNS} runs")))
    }

    /// Drives one run of the machine until it ends or the process crashes.
    fn drive(&mut self, rotation: &mut Rotation) -> Result<End, String> {
        let policy = self.scenario.policy();
        let mut input = Input::Start;
        for _ in 0..MAX_ACTIONS_PER_RUN {
            self.actions += 1;
            if self.actions > MAX_ACTIONS {
                return Err(format!("more than {MAX_ACTIONS} actions in all"));
            }
            let action = rotation.next(input);
            let (next, fault) = match action {
                Action::Persist(journal) => {
                    let fault = self.point(Point::Persist);
                    self.journal = Some(journal.to_json().to_vec());
                    (Input::Persisted, fault)
                }
                Action::Call(call) => {
                    let fault = self.point(Point::Call);
                    let transport = |request: http::Request<Vec<u8>>| {
                        let point = if request.method() == http::Method::GET {
                            Point::Read
                        } else {
                            Point::Write
                        };
                        let fault = match self.point(point) {
                            Some(Fault::Request(fault)) => Some(fault),
                            _ => None,
                        };
                        self.twilio.borrow_mut().handle(&request, fault)
                    };
                    let result = perform(&call, &client(&transport, policy.clone()));
                    self.check_during()?;
                    (Input::Called(result), fault)
                }
                Action::Deliver(token) => match self.point(Point::Deliver) {
                    Some(Fault::SinkFails) => (Input::DeliveryFailed("disk full".into()), None),
                    fault => {
                        self.sink.push(token.expose_secret().to_owned());
                        (Input::Delivered, fault)
                    }
                },
                // The sink is read back: does it still hold this token?
                Action::ConfirmDelivery(token) => {
                    if self.point(Point::Confirm) == Some(Fault::SinkReplaced) {
                        self.sink.push(SOMEONE_ELSES.to_owned());
                    }
                    if self.sink.last().map(String::as_str) == Some(token.expose_secret()) {
                        (Input::Delivered, None)
                    } else {
                        (
                            Input::DeliveryFailed("the sink holds another token".into()),
                            None,
                        )
                    }
                }
                Action::AwaitGoAhead => {
                    if self.point(Point::GoAhead) == Some(Fault::OutsideSecondary) {
                        self.twilio.borrow_mut().outside_create();
                    }
                    (Input::GoAhead, None)
                }
                Action::Wait(_) | Action::Settle(_) => (Input::Waited, None),
                Action::Finished(_) => return Ok(End::Finished),
                Action::Failed(failure) => return Ok(End::Failed(failure.kind, failure.next)),
                other => return Err(format!("an action the driver does not know: {other:?}")),
            };
            if fault == Some(Fault::Crash) {
                return Ok(End::Crashed);
            }
            input = next;
        }
        Err(format!(
            "a run took more than {MAX_ACTIONS_PER_RUN} actions"
        ))
    }

    /// What `rotate --abandon` does: refused once a promote may have
    /// happened; otherwise it deletes the secondary (whoever made it) with
    /// the old token and removes the journal.
    fn abandon(&mut self) -> Result<(), String> {
        if let Some(bytes) = &self.journal {
            let journal = Journal::from_json(bytes)
                .map_err(|e| format!("the state file does not read back: {e}"))?;
            if journal.phase.promote_may_have_happened() {
                return Err(format!(
                    "advised to abandon a rotation in phase {:?}",
                    journal.phase
                ));
            }
        }
        let mut twilio = self.twilio.borrow_mut();
        if twilio.primary != OLD {
            return Err("advised to abandon after the primary changed".into());
        }
        twilio.secondary = None;
        self.journal = None;
        Ok(())
    }

    /// After every call: at most one promote, and the primary is a token
    /// someone holds.
    fn check_during(&self) -> Result<(), String> {
        let twilio = self.twilio.borrow();
        if twilio.promotes > 1 {
            return Err(format!("{} promotes", twilio.promotes));
        }
        if twilio.primary != OLD && !self.sink.contains(&twilio.primary) {
            return Err("the primary is a token the sink never received".into());
        }
        if self.scenario.wrong_account && !self.sink.is_empty() {
            return Err("a token of another account was delivered".into());
        }
        Ok(())
    }

    /// After every run: each live token is the old one, in the sink, in the
    /// state file, or the state file says a create may have happened (a
    /// resume deletes that secondary).
    fn check_nothing_lost(&self, end: &End) -> Result<(), String> {
        self.check_during()?;
        let twilio = self.twilio.borrow();
        let Some(secondary) = &twilio.secondary else {
            return Ok(());
        };
        // Someone else's secondary is theirs to keep.
        if self.sink.contains(secondary) || twilio.outside.contains(secondary) {
            return Ok(());
        }
        let journal = self.journal.as_deref().map(Journal::from_json);
        let covered = match journal {
            Some(Ok(journal)) => {
                matches!(
                    journal.phase,
                    JournalPhase::Creating | JournalPhase::WrongAccount
                ) || journal.new_token.as_ref().map(AuthToken::expose_secret)
                    == Some(secondary.as_str())
            }
            _ => false,
        };
        if covered {
            Ok(())
        } else {
            Err(format!(
                "after {end:?}, a secondary is live that neither the sink nor the state file knows"
            ))
        }
    }

    /// After success: the sink's token is the primary, the old one is
    /// refused, no secondary is left.
    fn check_rotated(&self) -> Result<(), String> {
        let twilio = self.twilio.borrow();
        if twilio.primary == OLD {
            return Err("success reported while the old token is still the primary".into());
        }
        if self.sink.last() != Some(&twilio.primary) {
            return Err("success reported, but the sink's token is not the primary".into());
        }
        if twilio.authenticates(OLD) {
            return Err("success reported, but the old token still authenticates".into());
        }
        if twilio.secondary.is_some() {
            return Err("success reported with a secondary left behind".into());
        }
        Ok(())
    }

    /// After a wrong-account stop: the account is as it was, and nothing of
    /// the other account's token was delivered, promoted or left behind.
    fn check_withdrawn(&self) -> Result<(), String> {
        let twilio = self.twilio.borrow();
        if twilio.primary != OLD || twilio.promotes != 0 {
            return Err("a token of another account was promoted".into());
        }
        if twilio.secondary.is_some() {
            return Err("the wrong-account stop left a secondary behind".into());
        }
        if !self.sink.is_empty() {
            return Err("a token of another account was delivered".into());
        }
        Ok(())
    }
}
