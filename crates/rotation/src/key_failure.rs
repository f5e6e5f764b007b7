//! Why an API key rotation stopped, and what can be done from there.

use std::fmt;

use twilio_accounts_core::{ApiKeySid, Error};

use crate::failure::NextStep;
use crate::key_step::KeyRotationStep;

/// A key as a listing shows it: what a person needs to choose one to delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedKey {
    /// Its SID.
    pub sid: ApiKeySid,
    /// Its friendly name, as Twilio has it.
    pub friendly_name: Option<String>,
}

/// Why a key rotation stopped, and what to do.
#[derive(Debug)]
#[non_exhaustive]
pub struct KeyRotationFailure {
    /// The step that failed.
    pub step: KeyRotationStep,
    /// What kind of stop.
    pub kind: KeyFailureKind,
    /// The API error, when one caused it.
    pub error: Option<Error>,
    /// What happened, for people (no secret).
    pub message: String,
    /// What the state allows next (the driver words it).
    pub next: NextStep,
    /// With [`KeyFailureKind::KeyLimit`]: every key of the account, as
    /// listed after the refusal (empty when the listing failed too).
    pub keys: Vec<ListedKey>,
}

/// Kinds of failure a driver maps to exit codes and advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyFailureKind {
    /// An API call failed (see `error`).
    Api,
    /// The credentials authenticate but may not manage keys: a Standard
    /// API key (an Auth Token or a Main key is needed).
    CannotManageKeys,
    /// The key named does not exist (on the API asked).
    NoSuchKey,
    /// The key cannot be replaced this way: the credentials are that key
    /// (deleting it would lock the rotation out), or it is a Main key,
    /// which the API cannot make.
    NotReplaceable,
    /// The account holds as many keys as Twilio allows (70151); nothing
    /// was created. [`KeyRotationFailure::keys`] lists what exists.
    KeyLimit,
    /// The key's policy allows no read this crate knows how to check it
    /// with: name one ([`KeyVerify::Path`](crate::KeyVerify::Path)) or skip
    /// the check.
    NoVerifyRead,
    /// The new key did not authenticate.
    NewKeyRefused,
    /// The sink could not take the key; the new key was deleted again.
    DeliveryFailed,
    /// The user declined to delete the old key; both keys work.
    Declined,
    /// Twilio failed to answer a create again and again; each key it may
    /// have made was deleted.
    Unavailable,
    /// The state of the account is not what the journal says, or the
    /// driver answered out of turn.
    Inconsistent,
    /// The driver could not do its part (write the journal, …).
    Driver,
}

impl KeyRotationFailure {
    /// A failure of the driver's own part, reported like the machine's.
    pub fn driver(step: KeyRotationStep, message: impl Into<String>, next: NextStep) -> Self {
        KeyRotationFailure {
            step,
            kind: KeyFailureKind::Driver,
            error: None,
            message: message.into(),
            next,
            keys: Vec::new(),
        }
    }
}

impl fmt::Display for KeyRotationFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "step {} ({}) failed: {}",
            self.step.number(),
            self.step.describe(),
            self.message
        )
    }
}

impl std::error::Error for KeyRotationFailure {}
