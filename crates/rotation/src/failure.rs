//! Why a rotation stopped, and what can be done from there.

use std::fmt;

use twilio_accounts_core::{AccountSid, AuthToken, Error};

use crate::step::RotationStep;

/// Why a rotation stopped, and what to do.
#[derive(Debug)]
#[non_exhaustive]
pub struct RotationFailure {
    /// The step that failed.
    pub step: RotationStep,
    /// What kind of stop.
    pub kind: FailureKind,
    /// The API error, when one caused it.
    pub error: Option<Error>,
    /// What happened, for people.
    pub message: String,
    /// What the caller can do next, as data: a driver turns it into advice
    /// that fits its own commands (this crate names none).
    pub next: NextStep,
    /// A token that exists nowhere else and must be kept, owner-only and
    /// never printed (with [`NextStep::KeepTheRescuedToken`]: the primary
    /// Auth Token a promote made of a secondary this rotation did not
    /// create). Redacted in `Debug`, like every token.
    pub rescued_token: Option<AuthToken>,
}

/// What can be done after a rotation stopped, from the state it stopped in.
///
/// The machine only knows what the state allows; a driver words it for its own
/// interface (a CLI names its commands, a service its endpoints).
///
/// ```
/// use twilio_accounts_rotation::NextStep;
///
/// // Nothing of the rotation is left at Twilio: its journal can be dropped.
/// assert!(NextStep::StartAgain.journal_is_obsolete());
/// assert!(!NextStep::Resume.journal_is_obsolete());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NextStep {
    /// Nothing of this rotation is left at Twilio: fix the cause, then start
    /// a new rotation.
    StartAgain,
    /// A secondary token this rotation did not create exists: start again
    /// replacing it, if nobody else is rotating the account.
    StartAgainReplacingSecondary,
    /// The journal holds what is needed: continue the rotation from it (once
    /// the cause, such as the network, is fixed).
    Resume,
    /// The new token is a secondary and the sink has it: continue the
    /// rotation to promote it, or abandon it (delete the secondary).
    ResumeOrAbandon,
    /// A secondary token of this rotation may exist that nobody has: abandon
    /// it (delete the secondary) before starting again.
    AbandonThenStartAgain,
    /// The new token is primary but was refused: wait a little (Twilio may
    /// lag after a promote), then continue the rotation.
    WaitThenResume,
    /// Whether the promote happened cannot be told: check the new token
    /// from the sink; if it authenticates, the rotation is complete.
    CheckNewToken,
    /// The rotation is complete except the check that the old token is
    /// refused: check the old token later.
    CheckOldTokenLater,
    /// Another rotation interfered: check which token the sink holds, and
    /// get the current one from the Twilio Console if it is refused.
    CheckTokensByHand,
    /// The credentials act on another account than the one the rotation
    /// was asked to rotate (an API key acts on the account that owns it,
    /// whatever SID comes with it). The secondary token they created there
    /// was deleted again and nothing else changed: rotate the account with
    /// its own credentials (its Auth Token, or an API key of that account).
    /// The account asked for is the driver's own (the credentials' SID), so
    /// only the other one is carried, which keeps `NextStep` small.
    UseTheAccountsOwnCredentials {
        /// The account the credentials act on.
        credentials_act_on: AccountSid,
    },
    /// A promote made a secondary this rotation did not create the
    /// primary: its token is in [`RotationFailure::rescued_token`], the only
    /// copy. Keep it where the Auth Token is kept and deploy it; nothing of
    /// this rotation is left to resume (its own token was replaced).
    KeepTheRescuedToken,
    /// The driver or the state machine misbehaved: a bug to report.
    ReportBug,
}

impl NextStep {
    /// Whether nothing of the rotation remains at Twilio, so that its journal
    /// no longer describes anything and can be removed.
    pub fn journal_is_obsolete(self) -> bool {
        matches!(
            self,
            NextStep::StartAgain
                | NextStep::StartAgainReplacingSecondary
                | NextStep::UseTheAccountsOwnCredentials { .. }
                | NextStep::KeepTheRescuedToken
        )
    }
}

/// Kinds of failure a driver maps to exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureKind {
    /// An API call failed (see `error`).
    Api,
    /// A secondary token already exists and replacing it was not asked for.
    SecondaryExists,
    /// The sink could not take the token; the secondary was deleted again.
    DeliveryFailed,
    /// The user declined to promote; the new token stays secondary.
    Declined,
    /// The state of the account is not what the journal says.
    Inconsistent,
    /// The credentials act on another account than the one asked for;
    /// nothing was delivered or promoted (see
    /// [`NextStep::UseTheAccountsOwnCredentials`]).
    WrongAccount,
    /// The driver could not do its part (write the journal, …).
    Driver,
    /// Twilio failed to answer a create or promote again and again (server
    /// errors, lost answers), with backoff between the attempts; what is
    /// at Twilio was found out and nothing was lost (see `next`).
    Unavailable,
    /// A promote made a token this rotation did not create the primary
    /// (see [`NextStep::KeepTheRescuedToken`]).
    ForeignToken,
}

impl RotationFailure {
    /// A failure of the driver's own part (the journal could not be written,
    /// …), reported like the machine's.
    pub fn driver(step: RotationStep, message: impl Into<String>, next: NextStep) -> Self {
        RotationFailure {
            step,
            kind: FailureKind::Driver,
            error: None,
            message: message.into(),
            next,
            rescued_token: None,
        }
    }
}

impl fmt::Display for RotationFailure {
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

impl std::error::Error for RotationFailure {}
