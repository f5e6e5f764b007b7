//! The API key rotation's world: the in-memory keys ([`key_twilio`]), a
//! sink, a state file, and the driver that runs the real [`KeyRotation`]
//! through the real client, meeting a schedule of faults and crashes (the
//! same [`Point`]s and [`Fault`]s as the Auth Token world), resuming or
//! abandoning as the advice says until it finishes, and checking the
//! invariants on the way:
//!
//! - the old key is never deleted before the new one is delivered and has
//!   authenticated a read;
//! - no journal holds a secret the sink already has;
//! - after every run, every key carrying a rotation's id is in the sink or
//!   covered by the state file (which says a resume deletes it, or holds
//!   its secret);
//! - at the end exactly one key is left, the sink's last, working, of the
//!   old key's kind and policy; the old one is gone; no key of any of the
//!   rotation ids is left.

use std::cell::RefCell;
use std::time::Duration;

use twilio_accounts_core::{AccountSid, AuthToken, Credentials};
use twilio_accounts_rotation::{
    KeyAction, KeyApi, KeyInput, KeyJournal, KeyJournalPhase, KeyRotation, KeyRotationConfig,
    KeyVerify, NextStep, RotationId, perform_key,
};

use crate::client;
use crate::key_twilio::{KeyTwilio, OLD_KEY, OLD_SECRET};
use crate::twilio::{OLD, SID};
use crate::world::{
    Fault, MAX_ACTIONS, MAX_ACTIONS_PER_RUN, MAX_RUNS, Outcome, Point, Points, Policy, Schedule,
};

/// Which key is rotated, and how the calls are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyScenario {
    pub kind: KeyKind,
    pub policy: Policy,
    /// Whether the driver has the old key's secret (the last check then
    /// authenticates with it rather than fetching the key).
    pub old_secret: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A standard key on the 2010 API.
    Standard2010,
    /// A standard key on IAM v1.
    StandardIam,
    /// A restricted key on IAM v1 whose policy allows reading keys (so it
    /// is checked by fetching itself).
    RestrictedIam,
}

impl KeyScenario {
    pub fn all() -> Vec<KeyScenario> {
        let mut all = Vec::new();
        for (kind, old_secret) in [
            (KeyKind::Standard2010, true),
            (KeyKind::StandardIam, false),
            (KeyKind::RestrictedIam, true),
        ] {
            for policy in [Policy::Never, Policy::Default] {
                all.push(KeyScenario {
                    kind,
                    policy,
                    old_secret,
                });
            }
        }
        all
    }

    fn api(&self) -> KeyApi {
        match self.kind {
            KeyKind::Standard2010 => KeyApi::V2010,
            _ => KeyApi::Iam,
        }
    }

    fn old_policy(&self) -> Option<Vec<String>> {
        (self.kind == KeyKind::RestrictedIam).then(|| vec!["/twilio/iam/api-keys/read".to_owned()])
    }

    fn config(&self) -> KeyRotationConfig {
        KeyRotationConfig {
            api: self.api(),
            verify: KeyVerify::Default,
            wait_for_go_ahead: true,
            verify_attempts: 3,
            verify_delay: Duration::from_millis(500),
            retry_attempts: 3,
            retry_delay: Duration::from_secs(1),
        }
    }
}

#[derive(Debug)]
enum End {
    Finished { abandoned: bool },
    Failed(NextStep),
    Crashed,
}

struct KeyWorld<'s> {
    scenario: KeyScenario,
    points: Points<'s>,
    twilio: RefCell<KeyTwilio>,
    /// Every key the sink took (SID, secret), in order; the last is in use.
    sink: Vec<(String, String)>,
    journal: Option<Vec<u8>>,
    /// Every rotation id used (a new one per fresh start).
    ids: Vec<RotationId>,
    actions: usize,
}

/// Runs `schedule` in `scenario` until the rotation finishes.
pub fn run_keys(scenario: KeyScenario, schedule: &Schedule) -> Outcome {
    let mut world = KeyWorld {
        scenario,
        points: Points::new(schedule),
        twilio: RefCell::new(KeyTwilio::new(scenario.old_policy())),
        sink: Vec::new(),
        journal: None,
        ids: Vec::new(),
        actions: 0,
    };
    let (violation, runs) = match world.run_to_the_end() {
        Ok(runs) => (None, runs),
        Err((runs, violation)) => (Some(violation), runs),
    };
    world.points.outcome(violation, world.actions, runs)
}

fn manager() -> Credentials {
    let account: AccountSid = SID.parse().unwrap();
    Credentials::auth_token(account, AuthToken::new(OLD).unwrap())
}

impl KeyWorld<'_> {
    fn fresh(&mut self) -> KeyRotation {
        let id = RotationId::new(&format!("r-{:08x}", self.ids.len())).unwrap();
        self.ids.push(id.clone());
        let rotation = KeyRotation::new(
            manager(),
            OLD_KEY.parse().unwrap(),
            id,
            self.scenario.config(),
        );
        self.with_old_secret(rotation)
    }

    fn with_old_secret(&self, rotation: KeyRotation) -> KeyRotation {
        if self.scenario.old_secret {
            rotation.with_old_secret(OLD_SECRET.parse().unwrap())
        } else {
            rotation
        }
    }

    fn read_journal(&self) -> Result<Option<KeyJournal>, String> {
        self.journal
            .as_deref()
            .map(KeyJournal::from_json)
            .transpose()
            .map_err(|e| format!("the state file does not read back: {e}"))
    }

    fn run_to_the_end(&mut self) -> Result<usize, (usize, String)> {
        let mut rotation = self.fresh();
        let mut previous = None;
        for runs in 1..=MAX_RUNS {
            let end = self.drive(&mut rotation).map_err(|v| (runs, v))?;
            self.check_nothing_lost(&end).map_err(|v| (runs, v))?;
            let next = match &end {
                End::Failed(next) => Some(*next),
                _ => None,
            };
            if let Some(next) = next
                && next.journal_is_obsolete()
            {
                self.journal = None;
            }
            let abandon = match next {
                Some(NextStep::AbandonThenStartAgain) => true,
                Some(NextStep::ResumeOrAbandon) => previous == Some(NextStep::ResumeOrAbandon),
                Some(NextStep::ReportBug) => {
                    return Err((runs, "the rotation reported a bug".into()));
                }
                _ => false,
            };
            previous = next;
            match end {
                End::Finished { abandoned: false } => {
                    self.check_rotated().map_err(|v| (runs, v))?;
                    return Ok(runs);
                }
                End::Finished { abandoned: true } => {
                    self.check_abandoned().map_err(|v| (runs, v))?;
                    self.journal = None;
                    previous = None;
                    rotation = self.fresh();
                    continue;
                }
                _ => {}
            }
            let journal = self.read_journal().map_err(|v| (runs, v))?;
            rotation = match (journal, abandon) {
                (Some(journal), true) => {
                    if journal.phase == KeyJournalPhase::OldDeleted {
                        return Err((
                            runs,
                            "advised to abandon after the old key was deleted".into(),
                        ));
                    }
                    KeyRotation::abandon(journal, manager(), self.scenario.config())
                        .map_err(|e| (runs, format!("the state file does not abandon: {e}")))?
                }
                (Some(journal), false) => self.with_old_secret(
                    KeyRotation::resume(journal, manager(), self.scenario.config())
                        .map_err(|e| (runs, format!("the state file does not resume: {e}")))?,
                ),
                (None, _) => {
                    previous = None;
                    self.fresh()
                }
            };
        }
        Err((MAX_RUNS, format!("not finished after {MAX_RUNS} runs")))
    }

    fn drive(&mut self, rotation: &mut KeyRotation) -> Result<End, String> {
        let policy = self.scenario.policy.retry();
        let mut input = KeyInput::Start;
        for _ in 0..MAX_ACTIONS_PER_RUN {
            self.actions += 1;
            if self.actions > MAX_ACTIONS {
                return Err(format!("more than {MAX_ACTIONS} actions in all"));
            }
            let (next, fault) = match rotation.next(input) {
                KeyAction::Persist(journal) => {
                    let fault = self.points.point(Point::Persist);
                    if let (Some(sid), Some(_)) = (journal.new_sid, &journal.new_secret)
                        && self.sink.iter().any(|(s, _)| *s == sid.as_str())
                    {
                        return Err("a journal holds the secret of a key the sink has".into());
                    }
                    self.journal = Some(journal.to_json().to_vec());
                    (KeyInput::Persisted, fault)
                }
                KeyAction::Call(call) => {
                    let fault = self.points.point(Point::Call);
                    let transport = |request: http::Request<Vec<u8>>| {
                        let point = if request.method() == http::Method::GET {
                            Point::Read
                        } else {
                            Point::Write
                        };
                        let fault = match self.points.point(point) {
                            Some(Fault::Request(fault)) => Some(fault),
                            _ => None,
                        };
                        self.twilio.borrow_mut().handle(&request, fault)
                    };
                    let result = perform_key(&call, &client(&transport, policy.clone()));
                    self.check_during()?;
                    (KeyInput::Called(result), fault)
                }
                KeyAction::Deliver(key) => match self.points.point(Point::Deliver) {
                    Some(Fault::SinkFails) => (KeyInput::DeliveryFailed("disk full".into()), None),
                    fault => {
                        self.sink.push((
                            key.sid.as_str().to_owned(),
                            key.secret.expose_secret().to_owned(),
                        ));
                        (KeyInput::Delivered, fault)
                    }
                },
                KeyAction::AwaitGoAhead => (KeyInput::GoAhead, None),
                KeyAction::Wait(_) => (KeyInput::Waited, None),
                KeyAction::Finished(report) => {
                    return Ok(End::Finished {
                        abandoned: report.abandoned,
                    });
                }
                KeyAction::Failed(failure) => return Ok(End::Failed(failure.next)),
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

    /// After every call: once the old key is gone, the sink's key exists
    /// and has authenticated a read.
    fn check_during(&self) -> Result<(), String> {
        let twilio = self.twilio.borrow();
        if twilio.key(OLD_KEY).is_some() {
            return Ok(());
        }
        let Some((sid, secret)) = self.sink.last() else {
            return Err("the old key was deleted before any key was delivered".into());
        };
        match twilio.key(sid) {
            Some(key) if key.secret == *secret => {}
            _ => return Err("the old key is deleted and the sink's key does not exist".into()),
        }
        if !twilio.authenticated.contains(sid) {
            return Err("the old key was deleted before the new key was checked".into());
        }
        Ok(())
    }

    /// After every run: each key carrying a rotation id is the sink's, or
    /// the state file covers it.
    fn check_nothing_lost(&self, end: &End) -> Result<(), String> {
        self.check_during()?;
        let journal = self.read_journal()?;
        let twilio = self.twilio.borrow();
        for key in &twilio.keys {
            if key.sid == OLD_KEY || self.sink.iter().any(|(s, _)| *s == key.sid) {
                continue;
            }
            let covered = journal.as_ref().is_some_and(|j| {
                j.rotation_id.made(Some(&key.friendly_name))
                    && (j.phase == KeyJournalPhase::Creating
                        || j.new_secret.as_ref().map(|s| s.expose_secret())
                            == Some(key.secret.as_str()))
            });
            if !covered {
                return Err(format!(
                    "after {end:?}, key {} ({}) is live and neither the sink nor the state file holds it",
                    key.sid, key.friendly_name
                ));
            }
        }
        Ok(())
    }

    fn check_rotated(&self) -> Result<(), String> {
        let twilio = self.twilio.borrow();
        let Some((sid, secret)) = self.sink.last() else {
            return Err("success reported, and nothing was delivered".into());
        };
        if twilio.keys.len() != 1 {
            return Err(format!(
                "success reported with {} keys left: {:?}",
                twilio.keys.len(),
                twilio
                    .keys
                    .iter()
                    .map(|k| &k.friendly_name)
                    .collect::<Vec<_>>()
            ));
        }
        let key = &twilio.keys[0];
        if key.sid != *sid || key.secret != *secret {
            return Err("success reported, but the key left is not the sink's".into());
        }
        if key.policy != self.scenario.old_policy() {
            return Err("the new key's policy is not the old one's".into());
        }
        if !self.ids.iter().any(|id| id.made(Some(&key.friendly_name))) {
            return Err("the new key's name carries no rotation id".into());
        }
        if key.friendly_name.chars().count() > 64 {
            return Err("the new key's name is longer than Twilio allows".into());
        }
        if !twilio.authenticated.contains(sid) {
            return Err("the new key never authenticated".into());
        }
        Ok(())
    }

    /// After an abandon: the old key is there, no key of a rotation id is.
    fn check_abandoned(&self) -> Result<(), String> {
        let twilio = self.twilio.borrow();
        if twilio.key(OLD_KEY).is_none() {
            return Err("abandoned after the old key was deleted".into());
        }
        if twilio.keys.len() != 1 {
            return Err("an abandon left a key of the rotation behind".into());
        }
        Ok(())
    }
}
