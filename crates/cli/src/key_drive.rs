//! Carrying out an API key rotation's actions: the one loop that both key
//! drivers share (the single `keys rotate SK…` and each worker of
//! `keys rotate --subaccounts`), as [`crate::drive`] is for the Auth Token.
//!
//! The [`KeyRotation`] says what to do; [`drive_key`] does what is the same
//! for every driver (store the journal owner-only and atomically, make the
//! call, hand the key to the sink in `--secret-format`, wait) and leaves
//! what differs (what people see, the go-ahead, a shared backoff) to a
//! [`KeyConversation`].

use std::path::Path;
use std::time::Duration;

use twilio_accounts_core::{AccountSid, ApiKeySid};
use twilio_accounts_rotation::{
    KeyAction, KeyInput, KeyJournalPhase, KeyRotation, KeyRotationFailure, KeyRotationReport,
    KeyRotationStep, NextStep, RotationId, perform_key,
};
use twilio_accounts_ureq::Client;

use crate::args::SecretFormat;
use crate::drive::{StepClock, jittered, pause_before_action};
use crate::secret_payload::secret_payload;
use crate::sink::Sink;
use crate::state_file::{Overwrite, write_secret_file};

/// What one key rotation's actions are carried out with, and what they left.
pub struct KeyCarrier<'a> {
    /// Any client of the right endpoint: each call carries its credentials.
    pub client: &'a Client,
    pub sink: &'a Sink,
    pub secret_format: SecretFormat,
    pub journal_path: &'a Path,
    /// The account whose key this is (`TWILIO_ACCOUNT_SID` of the sink's command).
    pub account: AccountSid,
    /// The key being replaced (`TWILIO_OLD_API_KEY` of the sink's command).
    pub old_sid: ApiKeySid,
    /// The API calls made (a retry inside the client is not counted).
    pub calls: u32,
    /// How long each step took.
    pub steps: Vec<(KeyRotationStep, Duration)>,
}

impl<'a> KeyCarrier<'a> {
    pub fn new(
        client: &'a Client,
        sink: &'a Sink,
        secret_format: SecretFormat,
        journal_path: &'a Path,
        account: AccountSid,
        old_sid: ApiKeySid,
    ) -> Self {
        KeyCarrier {
            client,
            sink,
            secret_format,
            journal_path,
            account,
            old_sid,
            calls: 0,
            steps: Vec::new(),
        }
    }
}

/// The fields of an API key in a secret store (`--sink`): the secret first
/// (what `#FIELD` / `#JSON_KEY` holds alone), then the key's SID.
pub const STORE_FIELDS: &[&str] = &["api_key_secret", "api_key_sid"];

/// The store version of the new key `sid` (AWS's `ClientRequestToken`).
pub fn store_version(sid: &ApiKeySid) -> String {
    format!("twilio-accounts-key-{sid}")
}

/// The parts of driving a key rotation that differ between drivers.
pub trait KeyConversation {
    /// A new step began.
    fn step(&mut self, _step: KeyRotationStep) {}
    /// Before each API call (the fleet waits out a shared backoff here).
    fn before_call(&mut self) {}
    /// A journal was stored (Ctrl-C now leaves something to resume).
    fn persisted(&mut self) {}
    /// The sink has the new key `sid`.
    fn delivered(&mut self, _sid: &ApiKeySid, _sink: &Sink) {}
    /// Whether to delete the old key now.
    fn go_ahead(&mut self) -> KeyInput;
}

/// A fresh rotation id (`r-` and 8 hex digits) for a new key's name, drawn
/// from the standard library's per-process random keys.
pub fn rotation_id() -> RotationId {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    RotationId::from_number(hasher.finish() as u32)
}

/// Carries out the rotation's actions until it ends.
pub fn drive_key(
    carrier: &mut KeyCarrier<'_>,
    mut rotation: KeyRotation,
    talk: &mut impl KeyConversation,
) -> Result<KeyRotationReport, Box<KeyRotationFailure>> {
    let mut input = KeyInput::Start;
    let mut clock = StepClock::new();
    // Bounded: a rotation takes a few dozen actions; its retries are
    // bounded inside the state machine.
    for _ in 0..1000 {
        let action = rotation.next(input);
        if clock.at(rotation.step(), &mut carrier.steps) {
            talk.step(rotation.step());
        }
        pause_before_action(|| match &action {
            KeyAction::Persist(j) => format!("persist {:?}", j.phase),
            KeyAction::Call(c) => format!("call {:?}", c.kind),
            KeyAction::Deliver(_) => "deliver".into(),
            KeyAction::AwaitGoAhead => "go-ahead".into(),
            KeyAction::Wait(_) => "wait".into(),
            KeyAction::Finished(_) => "finished".into(),
            KeyAction::Failed(_) => "failed".into(),
            _ => "other".into(),
        });
        input = match action {
            KeyAction::Persist(journal) => {
                if let Err(e) =
                    write_secret_file(carrier.journal_path, &journal.to_json(), Overwrite::Allow)
                {
                    let message = format!(
                        "cannot write the state file {}: {e}; nothing further was changed",
                        carrier.journal_path.display()
                    );
                    // Before the first create nothing changed at Twilio.
                    let next = if journal.phase == KeyJournalPhase::Creating
                        && !carrier.journal_path.exists()
                    {
                        NextStep::StartAgain
                    } else {
                        NextStep::Resume
                    };
                    return Err(Box::new(KeyRotationFailure::driver(
                        rotation.step(),
                        message,
                        next,
                    )));
                }
                talk.persisted();
                KeyInput::Persisted
            }
            KeyAction::Call(call) => {
                talk.before_call();
                carrier.calls += 1;
                KeyInput::Called(perform_key(&call, carrier.client))
            }
            KeyAction::Deliver(key) => {
                match secret_payload(carrier.secret_format, &key.sid, &key.secret) {
                    Err(reason) => KeyInput::DeliveryFailed(reason),
                    Ok(payload) => {
                        let sid = key.sid.to_string();
                        let env = [
                            ("TWILIO_ACCOUNT_SID", carrier.account.as_str()),
                            ("TWILIO_API_KEY", sid.as_str()),
                            ("TWILIO_OLD_API_KEY", carrier.old_sid.as_str()),
                        ];
                        let delivered =
                            carrier.sink.deliver_secret(&payload, &env).and_then(|()| {
                                carrier.sink.deliver_to_stores(
                                    &[
                                        (STORE_FIELDS[0], key.secret.expose_secret()),
                                        (STORE_FIELDS[1], sid.as_str()),
                                    ],
                                    &store_version(&key.sid),
                                )
                            });
                        match delivered {
                            Err(reason) => KeyInput::DeliveryFailed(reason),
                            Ok(())
                                if carrier.sink.reveals() && !crate::output::out_raw(&payload) =>
                            {
                                KeyInput::DeliveryFailed("stdout could not be written".into())
                            }
                            Ok(()) => {
                                talk.delivered(&key.sid, carrier.sink);
                                KeyInput::Delivered
                            }
                        }
                    }
                }
            }
            KeyAction::AwaitGoAhead => {
                // The new key was delivered and checked: the version the
                // applications read moves to it now, while the old key
                // still works, and before anything is deleted.
                if let Some(new) = rotation.journal(KeyJournalPhase::Delivered).new_sid
                    && let Err(e) = carrier.sink.commit_version(&store_version(&new))
                {
                    return Err(Box::new(KeyRotationFailure::driver(
                        rotation.step(),
                        format!(
                            "the old key was not deleted: the new key could not be made the current version in its store ({e}); both keys work"
                        ),
                        NextStep::ResumeOrAbandon,
                    )));
                }
                talk.go_ahead()
            }
            KeyAction::Wait(delay) => {
                std::thread::sleep(jittered(delay));
                KeyInput::Waited
            }
            KeyAction::Finished(done) => {
                clock.end(&mut carrier.steps);
                return Ok(done);
            }
            KeyAction::Failed(failure) => return Err(Box::new(failure)),
            _ => {
                return Err(Box::new(KeyRotationFailure::driver(
                    rotation.step(),
                    "the rotation asked for something this version cannot do",
                    NextStep::ReportBug,
                )));
            }
        };
    }
    Err(Box::new(KeyRotationFailure::driver(
        rotation.step(),
        "the rotation did not finish within 1000 actions",
        NextStep::ReportBug,
    )))
}
