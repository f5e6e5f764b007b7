//! A crash-safe Auth Token rotation, as a state machine.
//!
//! A rotation replaces the primary Auth Token with no outage and never loses
//! a token:
//!
//! 1. check that the current credentials authenticate;
//! 2. create a secondary token;
//! 3. hand it to the caller's sink, and go on only once the sink has it;
//! 4. check that the new token authenticates;
//! 5. wait for the go-ahead (the new token is deployed everywhere);
//! 6. promote;
//! 7. check that the new token authenticates (with backoff: a new primary can
//!    be refused for a moment) and the old one is refused (20003);
//! 8. settle: Twilio documents that Services and Functions holding the token
//!    need about a minute to catch up;
//! 9. report.
//!
//! [`Rotation`] does no I/O. Each call to [`Rotation::next`] takes the
//! outcome of the previous [`Action`] and returns the next one: persist the
//! journal, make an API call, deliver the token, wait. The driver (the CLI,
//! or any program) carries the actions out; [`perform`] and [`perform_async`]
//! make the API calls through any client that implements [`CallSender`]
//! ([`perform_blocking`] through a bare transport).
//!
//! ## Journal and resume
//! Before every step that changes Twilio, the machine asks the driver to
//! persist a [`Journal`]; [`Rotation::resume`] continues from it after a
//! crash, a kill or a dropped connection:
//! - a create whose answer was lost cannot be recovered (there is no GET):
//!   the secondary is deleted (idempotent) and created again — nothing was
//!   deployed with it yet;
//! - a promote whose answer was lost is probed: if the old token is refused
//!   the promote happened, if it still authenticates it did not;
//! - whatever happens, the token that ends up primary is one the sink has.
//!
//! The journal holds the old and the new token once the sink has the new
//! one (resuming needs them to probe): drivers must store it owner-only.
//!
//! ## Existing secondary
//! Twilio has no way to ask whether a secondary token exists, and whether
//! creating one replaces or refuses an existing one is unconfirmed. So:
//! with `replace_existing_secondary` the machine deletes any secondary first;
//! without it, a refused create (a 4xx other than 401/429) stops the
//! rotation, saying that a secondary probably exists. If Twilio replaces
//! silently, nothing can detect it; the rotation then simply uses the new
//! token.
//!
//! ```
//! use twilio_accounts_core::rotation::{Action, CallKind, CallResult, Input, Rotation, RotationConfig};
//! use twilio_accounts_core::{AuthToken, Credentials};
//!
//! let credentials = Credentials::auth_token(
//!     "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?,
//!     AuthToken::new("0ld70ken0ld70ken0ld70ken0ld70ken")?,
//! );
//! let config = RotationConfig { wait_for_go_ahead: false, ..RotationConfig::default() };
//! let mut rotation = Rotation::new(credentials, config);
//! // Step 1: a read-only call proves the current credentials work.
//! let Action::Call(call) = rotation.next(Input::Start) else { unreachable!() };
//! assert_eq!(call.kind, CallKind::Verify);
//! let action = rotation.next(Input::Called(Ok(CallResult::Verified)));
//! // Step 2 is journalled before it is made.
//! assert!(matches!(action, Action::Persist(_)));
//! # Ok::<(), twilio_accounts_core::Error>(())
//! ```

use std::fmt;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::context::RequestContext;
use crate::credentials::Credentials;
use crate::error::Error;
use crate::operation::{Operation, Reply};
use crate::operations::auth_tokens::{
    CreateSecondaryAuthToken, DeleteSecondaryAuthToken, PromoteAuthToken,
};
use crate::operations::credentials_public_keys::ListCredentialPublicKeys;
use crate::retry::RetryPolicy;
use crate::secret::AuthToken;
use crate::sid::AccountSid;
use crate::transport::{BlockingTransport, send_blocking};

/// The journal's format version.
pub const JOURNAL_VERSION: u32 = 1;

/// How many times a lost create is retried (delete, then create again).
const MAX_CREATE_RETRIES: u32 = 3;

/// Choices the caller makes about a rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationConfig {
    /// Delete any existing secondary before creating ours.
    pub replace_existing_secondary: bool,
    /// Stop after step 4 until the caller says go ([`Input::GoAhead`]).
    pub wait_for_go_ahead: bool,
    /// How long to wait after promotion (step 8). Zero skips it.
    pub settle: Duration,
    /// Sent as `SuppressEmailNotification` on every call that changes tokens.
    pub suppress_email_notification: Option<bool>,
    /// Attempts to see the new token accepted and the old one refused after
    /// promotion.
    pub verify_attempts: u32,
    /// The first wait between those attempts; it doubles each time.
    pub verify_delay: Duration,
}

impl Default for RotationConfig {
    /// Waits for the go-ahead, settles 60 s, 6 verification attempts from 500 ms.
    fn default() -> Self {
        RotationConfig {
            replace_existing_secondary: false,
            wait_for_go_ahead: true,
            settle: Duration::from_secs(60),
            suppress_email_notification: None,
            verify_attempts: 6,
            verify_delay: Duration::from_millis(500),
        }
    }
}

/// The nine steps, for progress output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum RotationStep {
    /// 1. Check the current credentials.
    CheckCurrent = 1,
    /// 2. Create the secondary token.
    CreateSecondary = 2,
    /// 3. Hand the token to the sink.
    Deliver = 3,
    /// 4. Check the new token.
    CheckNew = 4,
    /// 5. Wait for the go-ahead.
    GoAhead = 5,
    /// 6. Promote.
    Promote = 6,
    /// 7. Check the new token and that the old one is refused.
    CheckPromoted = 7,
    /// 8. Let Twilio's services catch up.
    Settle = 8,
    /// 9. Done.
    Done = 9,
}

impl RotationStep {
    /// The step's number, 1 to 9.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// What the step does, for people.
    pub fn describe(self) -> &'static str {
        match self {
            RotationStep::CheckCurrent => "check the current credentials",
            RotationStep::CreateSecondary => "create a secondary Auth Token",
            RotationStep::Deliver => "hand the new token to its destination",
            RotationStep::CheckNew => "check the new token authenticates",
            RotationStep::GoAhead => "wait for the go-ahead to promote",
            RotationStep::Promote => "promote the new token to primary",
            RotationStep::CheckPromoted => "check the new token works and the old one is refused",
            RotationStep::Settle => "let Twilio's services catch up",
            RotationStep::Done => "done",
        }
    }
}

/// An API call the driver must make, and with which credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// Which call.
    pub kind: CallKind,
    /// The credentials to authenticate it with.
    pub credentials: Credentials,
    /// `SuppressEmailNotification` for calls that change tokens.
    pub suppress_email_notification: Option<bool>,
}

/// The calls a rotation makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// A read-only call (`GET /v1/Credentials/PublicKeys?PageSize=1`).
    Verify,
    /// `POST /v1/AuthTokens/Secondary`.
    CreateSecondary,
    /// `DELETE /v1/AuthTokens/Secondary`; a 404 counts as deleted.
    DeleteSecondary,
    /// `POST /v1/AuthTokens/Promote`.
    Promote,
}

/// What a successful call produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallResult {
    /// The credentials authenticated.
    Verified,
    /// A secondary was created.
    Created(AuthToken),
    /// The secondary is gone (deleted now, or there was none).
    Deleted,
    /// The secondary is now primary.
    Promoted(AuthToken),
}

/// What the driver reports back.
#[derive(Debug)]
pub enum Input {
    /// Begin (the first call to [`Rotation::next`]).
    Start,
    /// The journal was stored durably.
    Persisted,
    /// The call's result.
    Called(Result<CallResult, Error>),
    /// The sink has the token durably.
    Delivered,
    /// The sink failed; the reason is shown to the user (no secret in it).
    DeliveryFailed(String),
    /// The user said go.
    GoAhead,
    /// The user declined to promote now.
    Declined,
    /// The wait is over.
    Waited,
}

/// What the driver must do next.
#[derive(Debug)]
#[non_exhaustive]
pub enum Action {
    /// Store the journal durably (owner-only, atomic), then [`Input::Persisted`].
    Persist(Journal),
    /// Make the call, then [`Input::Called`].
    Call(Call),
    /// Hand the token to the sink, then [`Input::Delivered`] or [`Input::DeliveryFailed`].
    Deliver(AuthToken),
    /// Ask the user, then [`Input::GoAhead`] or [`Input::Declined`].
    AwaitGoAhead,
    /// Wait (backoff while verifying), then [`Input::Waited`].
    Wait(Duration),
    /// Wait out the settle period, showing progress, then [`Input::Waited`].
    Settle(Duration),
    /// Finished: the new token is primary and the sink has it.
    Finished(RotationReport),
    /// Stopped: what happened and what to do.
    Failed(RotationFailure),
}

/// The durable state of a rotation.
#[derive(Clone, PartialEq, Eq)]
pub struct Journal {
    /// The account being rotated.
    pub account_sid: AccountSid,
    /// Where the rotation is.
    pub phase: JournalPhase,
    /// The token being replaced, when known (not with API-key credentials).
    pub old_token: Option<AuthToken>,
    /// The new token, once the sink has it.
    pub new_token: Option<AuthToken>,
}

/// Where a journalled rotation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JournalPhase {
    /// A create is about to be sent (or was sent; its answer may be lost).
    Creating,
    /// The sink has the new token; it is a secondary.
    Delivered,
    /// A promote is about to be sent (or was sent; its answer may be lost).
    Promoting,
    /// The promote succeeded.
    Promoted,
    /// The rotation finished.
    Done,
}

impl JournalPhase {
    /// Whether a promote may have been sent. Before that, the rotation can be
    /// abandoned by deleting the secondary token (nothing depends on it yet);
    /// after, the new token may be the primary and deleting is no way back.
    ///
    /// ```
    /// use twilio_accounts_core::rotation::JournalPhase;
    ///
    /// assert!(!JournalPhase::Delivered.promote_may_have_happened());
    /// assert!(JournalPhase::Promoting.promote_may_have_happened());
    /// ```
    pub fn promote_may_have_happened(self) -> bool {
        matches!(
            self,
            JournalPhase::Promoting | JournalPhase::Promoted | JournalPhase::Done
        )
    }
}

/// Why a journal could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// Not the JSON a journal is written as.
    #[error(
        "the state file is not a rotation journal ({0}); it was not written by this tool or is damaged"
    )]
    Malformed(String),
    /// Written by a newer version.
    #[error(
        "the state file has format version {0}, newer than this tool understands; upgrade twilio-accounts"
    )]
    UnsupportedVersion(u32),
    /// For another account than the credentials.
    #[error("the state file is for account {journal}, but the credentials are for {credentials}")]
    OtherAccount {
        /// The journal's account.
        journal: AccountSid,
        /// The credentials' account.
        credentials: AccountSid,
    },
}

/// The journal as written. Tokens are written through `expose_secret`, the
/// one deliberate place where a token leaves memory; `AuthToken` itself is
/// not `Serialize`.
#[derive(serde::Serialize)]
struct JournalOut<'a> {
    version: u32,
    account_sid: AccountSid,
    phase: &'static str,
    old_token: Option<&'a str>,
    new_token: Option<&'a str>,
}

#[derive(serde::Deserialize)]
struct JournalIn {
    version: u32,
    account_sid: AccountSid,
    phase: String,
    #[serde(default)]
    old_token: Option<AuthToken>,
    #[serde(default)]
    new_token: Option<AuthToken>,
}

impl Journal {
    /// The journal as JSON bytes, wiped when dropped. It contains tokens:
    /// store it owner-only.
    pub fn to_json(&self) -> Zeroizing<Vec<u8>> {
        let file = JournalOut {
            version: JOURNAL_VERSION,
            account_sid: self.account_sid,
            phase: match self.phase {
                JournalPhase::Creating => "creating",
                JournalPhase::Delivered => "delivered",
                JournalPhase::Promoting => "promoting",
                JournalPhase::Promoted => "promoted",
                JournalPhase::Done => "done",
            },
            old_token: self.old_token.as_ref().map(AuthToken::expose_secret),
            new_token: self.new_token.as_ref().map(AuthToken::expose_secret),
        };
        Zeroizing::new(serde_json::to_vec_pretty(&file).unwrap_or_default())
    }

    /// Reads a journal written by [`Journal::to_json`].
    pub fn from_json(bytes: &[u8]) -> Result<Self, JournalError> {
        let file: JournalIn = serde_json::from_slice(bytes).map_err(|e| {
            JournalError::Malformed(format!("line {}, column {}", e.line(), e.column()))
        })?;
        if file.version > JOURNAL_VERSION {
            return Err(JournalError::UnsupportedVersion(file.version));
        }
        let phase = match file.phase.as_str() {
            "creating" => JournalPhase::Creating,
            "delivered" => JournalPhase::Delivered,
            "promoting" => JournalPhase::Promoting,
            "promoted" => JournalPhase::Promoted,
            "done" => JournalPhase::Done,
            _ => return Err(JournalError::Malformed("unknown phase".into())),
        };
        let needs_new = matches!(
            phase,
            JournalPhase::Delivered | JournalPhase::Promoting | JournalPhase::Promoted
        );
        if needs_new && file.new_token.is_none() {
            return Err(JournalError::Malformed("the new token is missing".into()));
        }
        Ok(Journal {
            account_sid: file.account_sid,
            phase,
            old_token: file.old_token,
            new_token: file.new_token,
        })
    }
}

impl fmt::Debug for Journal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Journal")
            .field("account_sid", &self.account_sid)
            .field("phase", &self.phase)
            .field("old_token", &self.old_token)
            .field("new_token", &self.new_token)
            .finish()
    }
}

/// What a finished rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RotationReport {
    /// The account.
    pub account_sid: AccountSid,
    /// Whether the old token was seen refused after promotion (`None` when it
    /// was unknown, with API-key credentials).
    pub old_token_refused: Option<bool>,
    /// How long the rotation settled.
    pub settled: Duration,
    /// Whether this run resumed a journalled rotation.
    pub resumed: bool,
    /// Things worth telling the user (no secrets).
    pub notes: Vec<String>,
}

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
    /// that fits its own commands (the core names none).
    pub next: NextStep,
}

/// What can be done after a rotation stopped, from the state it stopped in.
///
/// The core only knows what the state allows; a driver words it for its own
/// interface (a CLI names its commands, a service its endpoints).
///
/// ```
/// use twilio_accounts_core::rotation::NextStep;
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
    /// The driver or the state machine misbehaved: a bug to report.
    ReportBug,
}

impl NextStep {
    /// Whether nothing of the rotation remains at Twilio, so that its journal
    /// no longer describes anything and can be removed.
    pub fn journal_is_obsolete(self) -> bool {
        matches!(
            self,
            NextStep::StartAgain | NextStep::StartAgainReplacingSecondary
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
    /// The driver could not do its part (write the journal, …).
    Driver,
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

/// Where the machine is; each state knows which input it expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    CheckingCurrent,
    DeletingBeforeCreate,
    PersistingCreating,
    Creating,
    Delivering,
    DeletingUndelivered,
    PersistingDelivered,
    CheckingNew,
    AwaitingGoAhead,
    PersistingPromoting,
    Promoting,
    ProbingOld,
    ProbingNew,
    PersistingPromoted,
    CheckingPromotedNew,
    WaitingPromotedNew,
    CheckingPromotedOld,
    WaitingPromotedOld,
    Settling,
    PersistingDone,
    Finished,
}

/// A rotation in progress. See the [module docs](self).
#[derive(Debug)]
pub struct Rotation {
    config: RotationConfig,
    credentials: Credentials,
    account_sid: AccountSid,
    old_token: Option<AuthToken>,
    new_token: Option<AuthToken>,
    state: State,
    resumed: bool,
    creates: u32,
    verify_tries: u32,
    old_refused: Option<bool>,
    /// A promote found no secondary (404): if the new token authenticates,
    /// it is the primary, whatever the old one still does.
    nothing_to_promote: bool,
    notes: Vec<String>,
    pending_failure: Option<RotationFailure>,
}

impl Rotation {
    /// A new rotation with the current credentials.
    pub fn new(credentials: Credentials, config: RotationConfig) -> Self {
        let old_token = match &credentials {
            Credentials::AuthToken { auth_token, .. } => Some(auth_token.clone()),
            _ => None,
        };
        Rotation {
            config,
            account_sid: *credentials.account_sid(),
            credentials,
            old_token,
            new_token: None,
            state: State::Start,
            resumed: false,
            creates: 0,
            verify_tries: 0,
            old_refused: None,
            nothing_to_promote: false,
            notes: Vec::new(),
            pending_failure: None,
        }
    }

    /// Continues a journalled rotation. `credentials` must be for the same
    /// account; API calls use the journal's tokens where it has them.
    pub fn resume(
        journal: Journal,
        credentials: Credentials,
        config: RotationConfig,
    ) -> Result<Self, JournalError> {
        if journal.account_sid != *credentials.account_sid() {
            return Err(JournalError::OtherAccount {
                journal: journal.account_sid,
                credentials: *credentials.account_sid(),
            });
        }
        let mut rotation = Rotation::new(credentials, config);
        rotation.resumed = true;
        if journal.old_token.is_some() {
            rotation.old_token = journal.old_token;
        }
        rotation.new_token = journal.new_token;
        rotation.state = match journal.phase {
            // The create's answer may be lost: start over from a clean slate.
            JournalPhase::Creating => State::DeletingBeforeCreate,
            JournalPhase::Delivered => State::CheckingNew,
            JournalPhase::Promoting => State::ProbingOld,
            JournalPhase::Promoted => State::CheckingPromotedNew,
            JournalPhase::Done => State::Finished,
        };
        rotation.notes.push(format!(
            "resumed a rotation that stopped while {}",
            match journal.phase {
                JournalPhase::Creating =>
                    "creating the secondary token; it is replaced by a new one",
                JournalPhase::Delivered => "waiting to promote",
                JournalPhase::Promoting => "promoting; whether it happened is probed",
                JournalPhase::Promoted => "checking the promoted token",
                JournalPhase::Done => "finishing",
            }
        ));
        Ok(rotation)
    }

    /// The step the rotation is at, for progress output.
    pub fn step(&self) -> RotationStep {
        match self.state {
            State::Start | State::CheckingCurrent => RotationStep::CheckCurrent,
            State::DeletingBeforeCreate | State::PersistingCreating | State::Creating => {
                RotationStep::CreateSecondary
            }
            State::Delivering | State::DeletingUndelivered | State::PersistingDelivered => {
                RotationStep::Deliver
            }
            State::CheckingNew => RotationStep::CheckNew,
            State::AwaitingGoAhead => RotationStep::GoAhead,
            State::PersistingPromoting
            | State::Promoting
            | State::ProbingOld
            | State::ProbingNew => RotationStep::Promote,
            State::PersistingPromoted
            | State::CheckingPromotedNew
            | State::WaitingPromotedNew
            | State::CheckingPromotedOld
            | State::WaitingPromotedOld => RotationStep::CheckPromoted,
            State::Settling => RotationStep::Settle,
            State::PersistingDone | State::Finished => RotationStep::Done,
        }
    }

    /// The journal for the current state (what a driver would persist now).
    pub fn journal(&self, phase: JournalPhase) -> Journal {
        Journal {
            account_sid: self.account_sid,
            phase,
            old_token: self.old_token.clone(),
            new_token: self.new_token.clone(),
        }
    }

    fn call(&self, kind: CallKind, credentials: Credentials) -> Action {
        Action::Call(Call {
            kind,
            credentials,
            suppress_email_notification: match kind {
                CallKind::Verify => None,
                _ => self.config.suppress_email_notification,
            },
        })
    }

    /// The credentials that work before promotion: the caller's.
    fn current(&self) -> Credentials {
        self.credentials.clone()
    }

    fn with_new(&self) -> Option<Credentials> {
        self.new_token
            .as_ref()
            .map(|t| self.credentials.with_auth_token(t.clone()))
    }

    fn with_old(&self) -> Option<Credentials> {
        self.old_token
            .as_ref()
            .map(|t| self.credentials.with_auth_token(t.clone()))
    }

    fn fail(
        &mut self,
        kind: FailureKind,
        error: Option<Error>,
        message: impl Into<String>,
        next: NextStep,
    ) -> Action {
        let failure = RotationFailure {
            step: self.step(),
            kind,
            error,
            message: message.into(),
            next,
        };
        self.state = State::Finished;
        Action::Failed(failure)
    }

    fn api_failure(&mut self, error: Error, next: NextStep) -> Action {
        let message = error.to_string();
        self.fail(FailureKind::Api, Some(error), message, next)
    }

    fn unexpected(&mut self, input: &Input) -> Action {
        self.fail(
            FailureKind::Inconsistent,
            None,
            format!(
                "the driver answered {} where the rotation expected something else",
                input_name(input)
            ),
            NextStep::ReportBug,
        )
    }

    fn start_create(&mut self) -> Action {
        if self.creates > MAX_CREATE_RETRIES {
            return self.fail(
                FailureKind::Api,
                None,
                "creating the secondary token kept failing without an answer",
                NextStep::Resume,
            );
        }
        self.state = State::PersistingCreating;
        Action::Persist(self.journal(JournalPhase::Creating))
    }

    fn start_promoted_checks(&mut self) -> Action {
        self.verify_tries = 0;
        self.state = State::PersistingPromoted;
        Action::Persist(self.journal(JournalPhase::Promoted))
    }

    fn check_promoted_new(&mut self) -> Action {
        self.verify_tries += 1;
        self.state = State::CheckingPromotedNew;
        match self.with_new() {
            Some(creds) => self.call(CallKind::Verify, creds),
            None => self.fail(
                FailureKind::Inconsistent,
                None,
                "the new token is unknown",
                NextStep::ReportBug,
            ),
        }
    }

    fn check_promoted_old(&mut self) -> Action {
        match self.with_old() {
            Some(creds) => {
                self.verify_tries += 1;
                self.state = State::CheckingPromotedOld;
                self.call(CallKind::Verify, creds)
            }
            None => {
                self.notes.push(
                    "the old token is unknown (API-key credentials), so its refusal was not checked"
                        .into(),
                );
                self.settle()
            }
        }
    }

    fn backoff(&self) -> Duration {
        let exponent = self.verify_tries.saturating_sub(1).min(16);
        self.config.verify_delay.saturating_mul(1 << exponent)
    }

    fn settle(&mut self) -> Action {
        if self.config.settle.is_zero() {
            return self.finish();
        }
        self.state = State::Settling;
        Action::Settle(self.config.settle)
    }

    fn finish(&mut self) -> Action {
        self.state = State::PersistingDone;
        let mut journal = self.journal(JournalPhase::Done);
        // A finished journal keeps no secrets.
        journal.old_token = None;
        journal.new_token = None;
        Action::Persist(journal)
    }

    fn report(&self) -> RotationReport {
        RotationReport {
            account_sid: self.account_sid,
            old_token_refused: self.old_refused,
            settled: self.config.settle,
            resumed: self.resumed,
            notes: self.notes.clone(),
        }
    }

    /// Takes the outcome of the previous action and returns the next one.
    /// Start with [`Input::Start`]. After `Finished` or `Failed`, every call
    /// returns the same kind of terminal action again.
    pub fn next(&mut self, input: Input) -> Action {
        use CallResult as R;
        use State as S;
        match (self.state, input) {
            // Step 1.
            (S::Start, Input::Start) => {
                self.state = S::CheckingCurrent;
                self.call(CallKind::Verify, self.current())
            }
            (S::CheckingCurrent, Input::Called(Ok(R::Verified))) => {
                if self.config.replace_existing_secondary {
                    self.state = S::DeletingBeforeCreate;
                    self.call(CallKind::DeleteSecondary, self.current())
                } else {
                    self.start_create()
                }
            }
            (S::CheckingCurrent, Input::Called(Err(e))) => self.api_failure(
                e,
                NextStep::StartAgain,
            ),
            // Resume from "creating", or replace an existing secondary.
            (S::DeletingBeforeCreate, Input::Start) => {
                self.call(CallKind::DeleteSecondary, self.current())
            }
            (S::DeletingBeforeCreate, Input::Called(Ok(R::Deleted))) => self.start_create(),
            (S::DeletingBeforeCreate, Input::Called(Err(e))) => self.api_failure(
                e,
                NextStep::Resume,
            ),
            // Step 2.
            (S::PersistingCreating, Input::Persisted) => {
                self.creates += 1;
                self.state = S::Creating;
                self.call(CallKind::CreateSecondary, self.current())
            }
            (S::Creating, Input::Called(Ok(R::Created(token)))) => {
                self.new_token = Some(token.clone());
                self.state = S::Delivering;
                Action::Deliver(token)
            }
            (S::Creating, Input::Called(Err(e))) => {
                if e.is_outcome_unknown() || e.status().is_some_and(|s| s.is_server_error()) {
                    // Created or not, its token is lost: start over.
                    self.notes.push(
                        "the answer to a create was lost; that secondary was deleted and another created"
                            .into(),
                    );
                    self.state = S::DeletingBeforeCreate;
                    self.call(CallKind::DeleteSecondary, self.current())
                } else if e.status().is_some_and(|s| {
                    s.is_client_error() && s.as_u16() != 401 && s.as_u16() != 429
                }) {
                    let message = format!(
                        "Twilio refused to create a secondary token; one probably exists already ({e})"
                    );
                    self.fail(
                        FailureKind::SecondaryExists,
                        Some(e),
                        message,
                        NextStep::StartAgainReplacingSecondary,
                    )
                } else {
                    self.api_failure(
                        e,
                        NextStep::StartAgain,
                    )
                }
            }
            // Step 3.
            (S::Delivering, Input::Delivered) => {
                self.state = S::PersistingDelivered;
                Action::Persist(self.journal(JournalPhase::Delivered))
            }
            (S::Delivering, Input::DeliveryFailed(reason)) => {
                self.pending_failure = Some(RotationFailure {
                    step: RotationStep::Deliver,
                    kind: FailureKind::DeliveryFailed,
                    error: None,
                    message: format!("the new token could not be handed over: {reason}"),
                    next: NextStep::StartAgain,
                });
                self.new_token = None;
                self.state = S::DeletingUndelivered;
                self.call(CallKind::DeleteSecondary, self.current())
            }
            (S::DeletingUndelivered, Input::Called(result)) => {
                let mut failure = self.pending_failure.take().unwrap_or(RotationFailure {
                    step: RotationStep::Deliver,
                    kind: FailureKind::DeliveryFailed,
                    error: None,
                    message: "the new token could not be handed over".into(),
                    next: NextStep::StartAgain,
                });
                if let Err(e) = result {
                    failure.message.push_str(&format!(
                        "; deleting the unused secondary token also failed ({e})"
                    ));
                    failure.next = NextStep::AbandonThenStartAgain;
                    failure.error = Some(e);
                } else {
                    failure
                        .message
                        .push_str("; the unused secondary token was deleted");
                }
                self.state = S::Finished;
                Action::Failed(failure)
            }
            (S::PersistingDelivered, Input::Persisted) => {
                self.state = S::CheckingNew;
                match self.with_new() {
                    Some(creds) => self.call(CallKind::Verify, creds),
                    None => self.unexpected(&Input::Persisted),
                }
            }
            // Step 4 (also where a resume from "delivered" starts).
            (S::CheckingNew, Input::Start) => match self.with_new() {
                Some(creds) => self.call(CallKind::Verify, creds),
                None => self.unexpected(&Input::Start),
            },
            (S::CheckingNew, Input::Called(Ok(R::Verified))) => {
                if self.config.wait_for_go_ahead {
                    self.state = S::AwaitingGoAhead;
                    Action::AwaitGoAhead
                } else {
                    self.state = S::PersistingPromoting;
                    Action::Persist(self.journal(JournalPhase::Promoting))
                }
            }
            (S::CheckingNew, Input::Called(Err(e))) => self.api_failure(
                e,
                NextStep::ResumeOrAbandon,
            ),
            // Step 5.
            (S::AwaitingGoAhead, Input::GoAhead) => {
                self.state = S::PersistingPromoting;
                Action::Persist(self.journal(JournalPhase::Promoting))
            }
            (S::AwaitingGoAhead, Input::Declined) => self.fail(
                FailureKind::Declined,
                None,
                "not promoted: both tokens authenticate until you promote",
                NextStep::ResumeOrAbandon,
            ),
            // Step 6.
            (S::PersistingPromoting, Input::Persisted) => {
                self.state = S::Promoting;
                self.call(CallKind::Promote, self.current())
            }
            (S::Promoting, Input::Called(Ok(R::Promoted(token)))) => {
                if self.new_token.as_ref() != Some(&token) {
                    self.notes.push(
                        "Twilio promoted a token other than the one created by this rotation".into(),
                    );
                    return self.fail(
                        FailureKind::Inconsistent,
                        None,
                        "the promoted token is not the one handed to the sink (another rotation ran at the same time?)",
                        NextStep::CheckTokensByHand,
                    );
                }
                self.start_promoted_checks()
            }
            (S::Promoting, Input::Called(Err(e))) => {
                if e.is_outcome_unknown() || e.status().is_some_and(|s| s.is_server_error()) {
                    self.notes.push(
                        "the answer to the promote was lost; whether it happened was probed".into(),
                    );
                    self.probe_old()
                } else if e.is_nothing_to_promote() {
                    // Our secondary is gone: either promoted already (an
                    // earlier attempt) or deleted by someone else. Probe.
                    self.nothing_to_promote = true;
                    self.probe_old()
                } else {
                    self.api_failure(
                        e,
                        NextStep::Resume,
                    )
                }
            }
            // Probing whether a promote happened (also where a resume from
            // "promoting" starts).
            (S::ProbingOld, Input::Start) => self.probe_old(),
            (S::ProbingOld, Input::Called(Ok(R::Verified))) => {
                // The old token still works: not promoted. Is ours still there?
                self.state = S::ProbingNew;
                match self.with_new() {
                    Some(creds) => self.call(CallKind::Verify, creds),
                    None => self.unexpected(&Input::Start),
                }
            }
            (S::ProbingOld, Input::Called(Err(e))) if e.is_authentication_failed() => {
                // The old token is refused: the promote happened.
                self.old_refused = Some(true);
                self.start_promoted_checks()
            }
            (S::ProbingOld, Input::Called(Err(e))) => self.api_failure(
                e,
                NextStep::Resume,
            ),
            (S::ProbingNew, Input::Called(Ok(R::Verified))) => {
                if self.nothing_to_promote {
                    // No secondary, yet the new token works: it is the
                    // primary, and the old one is still being accepted for
                    // a while. Promoting again would find nothing forever.
                    self.start_promoted_checks()
                } else {
                    self.state = S::PersistingPromoting;
                    Action::Persist(self.journal(JournalPhase::Promoting))
                }
            }
            (S::ProbingNew, Input::Called(Err(e))) if e.is_authentication_failed() => self.fail(
                FailureKind::Inconsistent,
                Some(e),
                "the old token still works and the new one is refused: the secondary was deleted before it was promoted (or Twilio does not accept it yet)",
                // Abandon, not a plain start again: if Twilio only lagged,
                // the secondary still exists, and abandoning deletes it (a
                // 404 when it is really gone is fine) before a new rotation.
                NextStep::AbandonThenStartAgain,
            ),
            (S::ProbingNew, Input::Called(Err(e))) => self.api_failure(
                e,
                NextStep::Resume,
            ),
            // Step 7.
            (S::PersistingPromoted, Input::Persisted) => self.check_promoted_new(),
            (S::CheckingPromotedNew, Input::Start) => self.check_promoted_new(),
            (S::CheckingPromotedNew, Input::Called(Ok(R::Verified))) => {
                self.verify_tries = 0;
                if self.old_refused == Some(true) {
                    self.settle()
                } else {
                    self.check_promoted_old()
                }
            }
            (S::CheckingPromotedNew, Input::Called(Err(e))) => {
                if self.verify_tries < self.config.verify_attempts
                    && (e.is_authentication_failed() || e.is_rate_limited() || e.is_transport())
                {
                    self.state = S::WaitingPromotedNew;
                    Action::Wait(self.backoff())
                } else {
                    self.api_failure(
                        e,
                        NextStep::WaitThenResume,
                    )
                }
            }
            (S::WaitingPromotedNew, Input::Waited) => self.check_promoted_new(),
            (S::CheckingPromotedOld, Input::Called(Err(e))) if e.is_authentication_failed() => {
                self.old_refused = Some(true);
                self.settle()
            }
            (S::CheckingPromotedOld, Input::Called(Ok(R::Verified))) => {
                if self.verify_tries < self.config.verify_attempts {
                    self.state = S::WaitingPromotedOld;
                    Action::Wait(self.backoff())
                } else {
                    self.old_refused = Some(false);
                    self.notes.push(
                        "the old token still authenticated after promotion; check the account in the Twilio Console".into(),
                    );
                    self.settle()
                }
            }
            (S::CheckingPromotedOld, Input::Called(Err(e))) => self.api_failure(
                e,
                NextStep::CheckOldTokenLater,
            ),
            (S::WaitingPromotedOld, Input::Waited) => {
                self.state = S::CheckingPromotedOld;
                self.check_promoted_old()
            }
            // Step 8.
            (S::Settling, Input::Waited) => self.finish(),
            // Step 9.
            (S::PersistingDone, Input::Persisted) => {
                self.state = S::Finished;
                Action::Finished(self.report())
            }
            (S::Finished, Input::Start) => {
                // Resumed a finished journal.
                Action::Finished(self.report())
            }
            (S::Finished, _) => self.fail(
                FailureKind::Inconsistent,
                None,
                "the rotation has already ended",
                NextStep::ReportBug,
            ),
            (_, input) => self.unexpected(&input),
        }
    }

    fn probe_old(&mut self) -> Action {
        self.state = State::ProbingOld;
        match self.with_old() {
            Some(creds) => self.call(CallKind::Verify, creds),
            None => self.fail(
                FailureKind::Inconsistent,
                None,
                "the old token is unknown (API-key credentials), so whether the promote happened cannot be probed",
                NextStep::CheckNewToken,
            ),
        }
    }
}

fn input_name(input: &Input) -> &'static str {
    match input {
        Input::Start => "Start",
        Input::Persisted => "Persisted",
        Input::Called(_) => "Called",
        Input::Delivered => "Delivered",
        Input::DeliveryFailed(_) => "DeliveryFailed",
        Input::GoAhead => "GoAhead",
        Input::Declined => "Declined",
        Input::Waited => "Waited",
    }
}

/// Anything that can send an operation with given credentials: a client of
/// an adapter crate, or a transport with the core's retry loop
/// ([`perform_blocking`]). [`perform`] maps a rotation's [`Call`] onto it, so
/// the mapping exists once.
pub trait CallSender {
    /// Sends `operation` authenticated with `credentials`.
    fn send_as<O: Operation>(
        &mut self,
        credentials: &Credentials,
        operation: &O,
    ) -> Result<O::Output, Error>;
}

/// The async form of [`CallSender`].
pub trait AsyncCallSender {
    /// Sends `operation` authenticated with `credentials`.
    fn send_as<O: Operation + Sync>(
        &mut self,
        credentials: &Credentials,
        operation: &O,
    ) -> impl std::future::Future<Output = Result<O::Output, Error>>;
}

/// A 404 on delete means there is no secondary: the goal of the delete.
fn deleted(result: Result<(), Error>) -> Result<CallResult, Error> {
    match result {
        Ok(()) => Ok(CallResult::Deleted),
        Err(e) if e.is_nothing_to_promote() => Ok(CallResult::Deleted),
        Err(e) => Err(e),
    }
}

/// The read-only call that proves credentials authenticate.
pub fn verify_operation() -> ListCredentialPublicKeys {
    ListCredentialPublicKeys::new()
        .page_size(1)
        .unwrap_or_default()
}

/// Makes a rotation's call through any [`CallSender`].
pub fn perform(call: &Call, sender: &mut impl CallSender) -> Result<CallResult, Error> {
    let creds = &call.credentials;
    let suppress_email_notification = call.suppress_email_notification;
    match call.kind {
        CallKind::Verify => sender
            .send_as(creds, &verify_operation())
            .map(|_| CallResult::Verified),
        CallKind::CreateSecondary => sender
            .send_as(
                creds,
                &CreateSecondaryAuthToken {
                    suppress_email_notification,
                },
            )
            .map(|r| CallResult::Created(r.secondary_auth_token)),
        CallKind::DeleteSecondary => deleted(sender.send_as(
            creds,
            &DeleteSecondaryAuthToken {
                suppress_email_notification,
            },
        )),
        CallKind::Promote => sender
            .send_as(
                creds,
                &PromoteAuthToken {
                    suppress_email_notification,
                },
            )
            .map(|r| CallResult::Promoted(r.auth_token)),
    }
}

/// Makes a rotation's call through any [`AsyncCallSender`].
pub async fn perform_async(
    call: &Call,
    sender: &mut impl AsyncCallSender,
) -> Result<CallResult, Error> {
    let creds = &call.credentials;
    let suppress_email_notification = call.suppress_email_notification;
    match call.kind {
        CallKind::Verify => sender
            .send_as(creds, &verify_operation())
            .await
            .map(|_| CallResult::Verified),
        CallKind::CreateSecondary => sender
            .send_as(
                creds,
                &CreateSecondaryAuthToken {
                    suppress_email_notification,
                },
            )
            .await
            .map(|r| CallResult::Created(r.secondary_auth_token)),
        CallKind::DeleteSecondary => deleted(
            sender
                .send_as(
                    creds,
                    &DeleteSecondaryAuthToken {
                        suppress_email_notification,
                    },
                )
                .await,
        ),
        CallKind::Promote => sender
            .send_as(
                creds,
                &PromoteAuthToken {
                    suppress_email_notification,
                },
            )
            .await
            .map(|r| CallResult::Promoted(r.auth_token)),
    }
}

/// A transport with the core's retry loop, as a [`CallSender`].
struct TransportSender<'a, T, S> {
    context: &'a RequestContext,
    policy: &'a RetryPolicy,
    jitter_seed: u64,
    transport: &'a T,
    sleep: S,
}

impl<T: BlockingTransport, S: FnMut(Duration)> CallSender for TransportSender<'_, T, S> {
    fn send_as<O: Operation>(
        &mut self,
        credentials: &Credentials,
        operation: &O,
    ) -> Result<O::Output, Error> {
        let context = self.context.with_credentials(credentials.clone());
        send_blocking(
            &context,
            operation,
            self.policy,
            self.jitter_seed,
            self.transport,
            &mut self.sleep,
        )
        .map(Reply::into_value)
    }
}

/// Makes a rotation's call through a blocking transport and the core's
/// retry loop (endpoint and user agent from `context`, credentials from the
/// call).
pub fn perform_blocking(
    context: &RequestContext,
    call: &Call,
    policy: &RetryPolicy,
    jitter_seed: u64,
    transport: &impl BlockingTransport,
    sleep: impl FnMut(Duration),
) -> Result<CallResult, Error> {
    let mut sender = TransportSender {
        context,
        policy,
        jitter_seed,
        transport,
        sleep,
    };
    perform(call, &mut sender)
}
