//! The state machine: [`Rotation`] takes an [`Input`], returns an [`Action`].

use std::time::Duration;

use twilio_accounts_core::{AccountSid, AuthToken, Credentials, Error};

use crate::config::RotationConfig;
use crate::failure::{FailureKind, NextStep, RotationFailure};
use crate::fingerprint::TokenFingerprint;
use crate::journal::{Journal, JournalError, JournalPhase};
use crate::report::RotationReport;
use crate::step::RotationStep;

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
    /// `GET /2010-04-01/Accounts/{Sid}.json`: which token is the primary,
    /// asked where no token can be tried (see [`Rotation`]'s probe).
    ReadPrimary,
}

/// What a successful call produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallResult {
    /// The credentials authenticated.
    Verified,
    /// A secondary was created.
    Created {
        /// The new secondary token.
        token: AuthToken,
        /// The account Twilio says the token belongs to, when the answer
        /// names one: the account the credentials act on.
        account_sid: Option<AccountSid>,
    },
    /// The secondary is gone (deleted now, or there was none).
    Deleted,
    /// The secondary is now primary.
    Promoted(AuthToken),
    /// The account's primary Auth Token, as `ReadPrimary` read it; `None`
    /// when the answer did not carry it.
    Primary(Option<AuthToken>),
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
    /// Check, right before the promote, that the sink still holds this
    /// token (a file's content may have been replaced since it was
    /// written), then [`Input::Delivered`] when it does or
    /// [`Input::DeliveryFailed`] when it does not. A sink that cannot be
    /// read back (a command) answers [`Input::Delivered`].
    ConfirmDelivery(AuthToken),
    /// Wait, then [`Input::Waited`]: a backoff while verifying, or between
    /// attempts of a create or promote that Twilio failed to answer. A
    /// driver should wait a random part of it, between half and all (the
    /// jitter that keeps many rotations from retrying in step); the machine
    /// draws no randomness.
    Wait(Duration),
    /// Wait out the settle period, showing progress, then [`Input::Waited`].
    Settle(Duration),
    /// Finished: the new token is primary and the sink has it.
    Finished(RotationReport),
    /// Stopped: what happened and what to do.
    Failed(RotationFailure),
}

/// Where the machine is; each state knows which input it expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    CheckingCurrent,
    DeletingBeforeCreate,
    PersistingCreating,
    Creating,
    WaitingToCreateAgain,
    PersistingCreated,
    PersistingWrongAccount,
    DeletingWrongAccount,
    Delivering,
    DeletingUndelivered,
    PersistingDelivered,
    CheckingNew,
    AwaitingGoAhead,
    ConfirmingDelivery,
    RecheckingNew,
    PersistingPromoting,
    Promoting,
    WaitingToProbe,
    ProbingOld,
    ProbingNew,
    ReadingPrimary,
    PersistingNotPromoted,
    PersistingPromoted,
    CheckingPromotedNew,
    WaitingPromotedNew,
    CheckingPromotedOld,
    WaitingPromotedOld,
    Settling,
    PersistingDone,
    CheckingFinished,
    Finished,
}

/// A rotation in progress: the state graph, the journal and resume are
/// described in the [crate docs](crate).
#[derive(Debug)]
pub struct Rotation {
    config: RotationConfig,
    credentials: Credentials,
    account_sid: AccountSid,
    old_token: Option<AuthToken>,
    new_token: Option<AuthToken>,
    /// The tokens' fingerprints from a resumed journal, for the tokens the
    /// resume does not have (the journal keeps no old token, and the new
    /// one only while promoting).
    old_fingerprint: Option<TokenFingerprint>,
    new_fingerprint: Option<TokenFingerprint>,
    state: State,
    resumed: bool,
    creates: u32,
    promotes: u32,
    verify_tries: u32,
    old_refused: Option<bool>,
    /// A promote found no secondary (404): if the new token authenticates,
    /// it is the primary, whatever the old one still does.
    nothing_to_promote: bool,
    /// The account the credentials turned out to act on, when it is not
    /// `account_sid` (the wrong-account guard).
    credentials_act_on: Option<AccountSid>,
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
            old_fingerprint: None,
            new_fingerprint: None,
            state: State::Start,
            resumed: false,
            creates: 0,
            promotes: 0,
            verify_tries: 0,
            old_refused: None,
            nothing_to_promote: false,
            credentials_act_on: None,
            notes: Vec::new(),
            pending_failure: None,
        }
    }

    /// Continues a journalled rotation. `credentials` must be for the same
    /// account. The journal keeps no old token and the new one only while
    /// promoting, so the tokens come from `credentials`: their Auth Token is
    /// taken for the old or the new token by the journal's fingerprints,
    /// and refused ([`JournalError::UnknownToken`]) when it is neither. A
    /// token the resume does not have is checked where it can be (the new
    /// one once a promote answers with it) and reported as unchecked where
    /// it cannot.
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
        rotation.old_fingerprint = journal.old_fingerprint;
        rotation.new_fingerprint = journal.new_fingerprint;
        rotation.new_token = journal.new_token;
        // `new` took the credentials' token for the old one; find out.
        if let Some(given) = rotation.old_token.take() {
            let is = |fingerprint: Option<TokenFingerprint>| {
                fingerprint.is_some_and(|f| f.matches(&given))
            };
            if is(journal.new_fingerprint) {
                rotation.new_token = Some(given);
            } else if is(journal.old_fingerprint) {
                rotation.old_token = Some(given);
            } else if journal.old_fingerprint.is_some() || journal.new_fingerprint.is_some() {
                return Err(JournalError::UnknownToken);
            }
            // Else the journal knows no token (API-key credentials at the
            // start, or finished): the given one only authenticates calls.
        }
        // Its fingerprint only says which token the sink may hold: a resume
        // before delivery was recorded deletes that secondary (an earlier
        // resume may have done so already) and makes another, which needs
        // the token it replaces.
        if journal.phase == JournalPhase::Creating && rotation.new_token.is_some() {
            return Err(JournalError::ResumeWithOldToken);
        }
        rotation.credentials_act_on = journal.credentials_act_on;
        rotation.state = match journal.phase {
            // The create's answer may be lost: start over from a clean slate.
            JournalPhase::Creating => State::DeletingBeforeCreate,
            // The guard stopped the rotation; its delete may not have run.
            JournalPhase::WrongAccount => State::DeletingWrongAccount,
            JournalPhase::Delivered => State::CheckingNew,
            JournalPhase::Promoting => State::ProbingOld,
            JournalPhase::Promoted => State::CheckingPromotedNew,
            // Normally removed once finished; one that is still there
            // (or was edited to say so) is not taken on trust: the token
            // given is checked before anything is reported.
            JournalPhase::Done => State::CheckingFinished,
        };
        rotation.notes.push(format!(
            "resumed a rotation that stopped while {}",
            match journal.phase {
                JournalPhase::Creating =>
                    "creating the secondary token; it is replaced by a new one",
                JournalPhase::WrongAccount =>
                    "deleting a secondary token its credentials made on another account",
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
            State::DeletingBeforeCreate
            | State::PersistingCreating
            | State::Creating
            | State::WaitingToCreateAgain
            | State::PersistingCreated
            | State::PersistingWrongAccount
            | State::DeletingWrongAccount => RotationStep::CreateSecondary,
            State::Delivering | State::DeletingUndelivered | State::PersistingDelivered => {
                RotationStep::Deliver
            }
            State::CheckingNew => RotationStep::CheckNew,
            State::AwaitingGoAhead => RotationStep::GoAhead,
            State::ConfirmingDelivery
            | State::RecheckingNew
            | State::PersistingPromoting
            | State::Promoting
            | State::WaitingToProbe
            | State::ProbingOld
            | State::ProbingNew
            | State::ReadingPrimary
            | State::PersistingNotPromoted => RotationStep::Promote,
            State::PersistingPromoted
            | State::CheckingPromotedNew
            | State::WaitingPromotedNew
            | State::CheckingPromotedOld
            | State::WaitingPromotedOld => RotationStep::CheckPromoted,
            State::Settling => RotationStep::Settle,
            State::PersistingDone | State::CheckingFinished | State::Finished => RotationStep::Done,
        }
    }

    /// The journal for the current state (what a driver would persist now).
    ///
    /// It keeps fingerprints, never the old token, and the new token only
    /// from delivery until the promote is decided (see
    /// [`journal`](crate::journal)).
    pub fn journal(&self, phase: JournalPhase) -> Journal {
        Journal {
            account_sid: self.account_sid,
            phase,
            old_fingerprint: self
                .old_token
                .as_ref()
                .map(TokenFingerprint::of)
                .or(self.old_fingerprint),
            new_fingerprint: self
                .new_token
                .as_ref()
                .map(TokenFingerprint::of)
                .or(self.new_fingerprint),
            new_token: match phase {
                JournalPhase::Delivered | JournalPhase::Promoting => self.new_token.clone(),
                _ => None,
            },
            credentials_act_on: self.credentials_act_on,
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

    /// The new token as credentials, when a request may authenticate with
    /// it (see [`RotationConfig::token_checks`]).
    fn with_new(&self) -> Option<Credentials> {
        self.new_token
            .as_ref()
            .filter(|_| self.config.token_checks)
            .map(|t| Credentials::auth_token(self.account_sid, t.clone()))
    }

    fn with_old(&self) -> Option<Credentials> {
        self.old_token
            .as_ref()
            .filter(|_| self.config.token_checks)
            .map(|t| Credentials::auth_token(self.account_sid, t.clone()))
    }

    /// Step 4's check of the new token (in state `state`), or, where tokens
    /// cannot authenticate, on as if it had passed, with a note.
    fn check_new(&mut self, state: State, input: &Input) -> Action {
        self.state = state;
        match self.with_new() {
            Some(creds) => self.call(CallKind::Verify, creds),
            None if !self.config.token_checks => {
                self.note(NO_TOKEN_CHECKS);
                self.new_checked()
            }
            None => self.unexpected(input),
        }
    }

    /// After step 4's check (or its recheck after the go-ahead) passed.
    fn new_checked(&mut self) -> Action {
        if self.state == State::CheckingNew && self.config.wait_for_go_ahead {
            self.state = State::AwaitingGoAhead;
            Action::AwaitGoAhead
        } else {
            self.state = State::PersistingPromoting;
            Action::Persist(self.journal(JournalPhase::Promoting))
        }
    }

    /// Adds a note once: a retried event is told once, not per attempt.
    fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }

    /// The wait before attempt `attempts + 1` of a create or promote that
    /// Twilio failed to answer: `retry_delay`, doubling, at most 30 s.
    fn retry_backoff(&self, attempts: u32) -> Duration {
        let exponent = attempts.saturating_sub(1).min(16);
        self.config
            .retry_delay
            .saturating_mul(1 << exponent)
            .min(Duration::from_secs(30))
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
            rescued_token: None,
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
        if self.creates >= self.config.retry_attempts.max(1) {
            // Reached only after the delete that follows the last failed
            // create: nothing of this rotation is left at Twilio.
            let message = format!(
                "Twilio failed to answer {} attempts to create the secondary token (server errors or lost answers, with a growing wait between them); each secondary it may have made was deleted again, so nothing was changed and nothing was lost",
                self.creates
            );
            return self.fail(
                FailureKind::Unavailable,
                None,
                message,
                NextStep::StartAgain,
            );
        }
        self.state = State::PersistingCreating;
        Action::Persist(self.journal(JournalPhase::Creating))
    }

    /// The create acted on `acts_on`, not on the account asked for: an API
    /// key acts on the account that owns it, whatever SID comes with it (a
    /// parent's key with a subaccount's SID would rotate the parent). Nothing
    /// of this token may be delivered or promoted; the journal records the
    /// guard before its delete, so a crash in between deletes on resume
    /// rather than creating again.
    fn start_wrong_account(&mut self, acts_on: AccountSid) -> Action {
        self.credentials_act_on = Some(acts_on);
        self.state = State::PersistingWrongAccount;
        Action::Persist(self.journal(JournalPhase::WrongAccount))
    }

    fn wrong_account_deleted(&mut self, result: Result<CallResult, Error>) -> Action {
        let Some(acts_on) = self.credentials_act_on else {
            return self.fail(
                FailureKind::Inconsistent,
                None,
                "the account the credentials act on is unknown",
                NextStep::ReportBug,
            );
        };
        let asked = self.account_sid;
        let what = format!(
            "the credentials act on account {acts_on}, not on {asked}: Twilio created the secondary token in {acts_on}"
        );
        match result {
            Ok(_) => self.fail(
                FailureKind::WrongAccount,
                None,
                format!("{what}; it was deleted again, and nothing was delivered or promoted"),
                NextStep::UseTheAccountsOwnCredentials {
                    credentials_act_on: acts_on,
                },
            ),
            Err(e) => {
                let message = format!(
                    "{what}; nothing was delivered or promoted, but deleting that token failed ({e})"
                );
                self.fail(
                    FailureKind::WrongAccount,
                    Some(e),
                    message,
                    NextStep::Resume,
                )
            }
        }
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
            None if !self.config.token_checks => {
                self.note(NO_TOKEN_CHECKS);
                self.verify_tries = 0;
                self.check_promoted_old()
            }
            None => {
                self.notes.push(
                    "the new token is not in the journal and was not given, so that it authenticates was not checked; the promote had succeeded".into(),
                );
                self.verify_tries = 0;
                self.check_promoted_old()
            }
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
                    "the old token is unknown (API-key credentials, or a resume with the new token), so its refusal was not checked"
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
        // A finished journal keeps the fingerprints (no token), so that a
        // resume of it can check what it says with the token it is given.
        Action::Persist(self.journal(JournalPhase::Done))
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
            (S::Creating, Input::Called(Ok(R::Created { token, account_sid }))) => {
                match account_sid {
                    Some(acts_on) if acts_on != self.account_sid => {
                        return self.start_wrong_account(acts_on);
                    }
                    Some(_) => {}
                    None => self.notes.push(format!(
                        "Twilio's answer to the create named no account, so that the credentials act on {} was not checked",
                        self.account_sid
                    )),
                }
                // The journal records the new token's fingerprint before the
                // sink is written: a resume after a crash in between may then
                // replace a file holding this token, and no other.
                self.new_token = Some(token);
                self.state = S::PersistingCreated;
                Action::Persist(self.journal(JournalPhase::Creating))
            }
            (S::PersistingCreated, Input::Persisted) => match self.new_token.clone() {
                Some(token) => {
                    self.state = S::Delivering;
                    Action::Deliver(token)
                }
                None => self.unexpected(&Input::Persisted),
            },
            // The wrong-account guard (also where a resume from
            // "wrong_account" starts).
            (S::PersistingWrongAccount, Input::Persisted) | (S::DeletingWrongAccount, Input::Start) => {
                self.state = S::DeletingWrongAccount;
                self.call(CallKind::DeleteSecondary, self.current())
            }
            (S::DeletingWrongAccount, Input::Called(result)) => self.wrong_account_deleted(result),
            (S::Creating, Input::Called(Err(e))) => {
                let unreadable_success = e.status().is_some_and(|s| s.is_success());
                if e.is_outcome_unknown()
                    || unreadable_success
                    || e.status().is_some_and(|s| s.is_server_error())
                {
                    // Created or not, its token is not ours to deliver (a 2xx
                    // whose body could not be read did create one): delete
                    // whatever was made, wait, and create again.
                    self.note(if unreadable_success {
                        "a create answered with a body that could not be read; the secondary it made was deleted and another created"
                    } else {
                        "the answer to a create was lost or a server error; that secondary was deleted and another created"
                    });
                    if self.creates >= self.config.retry_attempts.max(1) {
                        self.state = S::DeletingBeforeCreate;
                        self.call(CallKind::DeleteSecondary, self.current())
                    } else {
                        self.state = S::WaitingToCreateAgain;
                        Action::Wait(self.retry_backoff(self.creates))
                    }
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
            (S::WaitingToCreateAgain, Input::Waited) => {
                self.state = S::DeletingBeforeCreate;
                self.call(CallKind::DeleteSecondary, self.current())
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
                    rescued_token: None,
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
                    rescued_token: None,
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
                self.check_new(S::CheckingNew, &Input::Persisted)
            }
            // Step 4 (also where a resume from "delivered" starts).
            (S::CheckingNew, Input::Start) => self.check_new(S::CheckingNew, &Input::Start),
            (S::CheckingNew, Input::Called(Ok(R::Verified))) => self.new_checked(),
            (S::CheckingNew, Input::Called(Err(e))) => self.api_failure(
                e,
                NextStep::ResumeOrAbandon,
            ),
            // Step 5. The go-ahead may come long after the checks of steps 3
            // and 4 (the whole deployment): check again, right before the
            // promote, that the sink still holds the token and that it is
            // still the secondary (one created meanwhile, from the Console
            // or by a colleague, replaces it, and promoting would make a
            // token nobody has the primary).
            (S::AwaitingGoAhead, Input::GoAhead) => match self.new_token.clone() {
                Some(token) => {
                    self.state = S::ConfirmingDelivery;
                    Action::ConfirmDelivery(token)
                }
                None => self.unexpected(&Input::GoAhead),
            },
            (S::ConfirmingDelivery, Input::Delivered) => {
                self.check_new(S::RecheckingNew, &Input::Delivered)
            }
            (S::ConfirmingDelivery, Input::DeliveryFailed(reason)) => self.fail(
                FailureKind::DeliveryFailed,
                None,
                format!(
                    "not promoted: the sink no longer holds the new token ({reason}); the current token still works"
                ),
                NextStep::AbandonThenStartAgain,
            ),
            (S::RecheckingNew, Input::Called(Ok(R::Verified))) => self.new_checked(),
            (S::RecheckingNew, Input::Called(Err(e))) if e.is_authentication_failed() => self.fail(
                FailureKind::Inconsistent,
                Some(e),
                "not promoted: the new token is refused now, although it authenticated after it was delivered, so its secondary was deleted or replaced since (from the Console, by a colleague or another rotation?); the current token still works",
                NextStep::ResumeOrAbandon,
            ),
            (S::RecheckingNew, Input::Called(Err(e))) => {
                self.api_failure(e, NextStep::ResumeOrAbandon)
            }
            (S::AwaitingGoAhead, Input::Declined) => self.fail(
                FailureKind::Declined,
                None,
                "not promoted: both tokens authenticate until you promote",
                NextStep::ResumeOrAbandon,
            ),
            // Step 6.
            (S::PersistingPromoting, Input::Persisted) => {
                self.promotes += 1;
                self.state = S::Promoting;
                self.call(CallKind::Promote, self.current())
            }
            (S::Promoting, Input::Called(Ok(R::Promoted(token)))) => {
                if self.new_token.as_ref() != Some(&token) {
                    // A secondary made between the last check and the promote
                    // is the primary now, and this answer is the only place
                    // its token exists: hand it to the driver to keep.
                    let action = self.fail(
                        FailureKind::ForeignToken,
                        None,
                        "Twilio promoted a secondary token that this rotation did not create (one was made after the last check, from the Console, by a colleague or another rotation); it is the primary Auth Token now, and both the old token and the one handed to the sink are refused",
                        NextStep::KeepTheRescuedToken,
                    );
                    return match action {
                        Action::Failed(mut failure) => {
                            failure.rescued_token = Some(token);
                            Action::Failed(failure)
                        }
                        other => other,
                    };
                }
                self.start_promoted_checks()
            }
            (S::Promoting, Input::Called(Err(e))) => {
                // A 2xx whose body could not be read did promote, but its
                // token cannot be compared with ours: probe, as for a lost one.
                if e.is_outcome_unknown()
                    || e.status()
                        .is_some_and(|s| s.is_server_error() || s.is_success())
                {
                    self.note(
                        "a promote went unanswered (a lost answer or a server error); whether it happened was probed before anything else",
                    );
                    if self.promotes < self.config.retry_attempts.max(1) {
                        self.state = S::WaitingToProbe;
                        Action::Wait(self.retry_backoff(self.promotes))
                    } else {
                        self.probe_old()
                    }
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
            (S::WaitingToProbe, Input::Waited) => self.probe_old(),
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
                    self.not_promoted()
                }
            }
            // The old token still works, so no promote happened (Twilio
            // refuses the old token at once after one), and the new one is
            // refused: deleted or replaced, or not accepted yet.
            (S::ProbingNew, Input::Called(Err(e))) if e.is_authentication_failed() => {
                self.secondary_gone(Some(e))
            }
            (S::ReadingPrimary, Input::Called(Ok(R::Primary(Some(primary))))) => {
                let is_new = self.new_token.as_ref() == Some(&primary)
                    || self.new_fingerprint.is_some_and(|f| f.matches(&primary));
                if is_new {
                    self.start_promoted_checks()
                } else if self.nothing_to_promote {
                    // No secondary to promote, and ours is not the primary.
                    self.secondary_gone(None)
                } else {
                    self.not_promoted()
                }
            }
            (S::ReadingPrimary, Input::Called(Ok(R::Primary(None)))) => self.fail(
                FailureKind::Inconsistent,
                None,
                "the old token is unknown (API-key credentials), and the account's answer did not show its primary Auth Token, so whether the promote happened cannot be probed",
                NextStep::CheckNewToken,
            ),
            // Resumed with the new token, which is refused: the secondary is
            // gone or it was never promoted; the old token can tell.
            (S::ReadingPrimary, Input::Called(Err(e)))
                if e.is_authentication_failed()
                    && self.old_token.is_none()
                    && self.old_fingerprint.is_some() =>
            {
                self.fail(
                    FailureKind::Inconsistent,
                    Some(e),
                    "whether the promote happened is probed with the old token, and the credentials given hold the new one, which is refused: resume with the old token (the state file tells them apart)",
                    NextStep::Resume,
                )
            }
            (S::ReadingPrimary, Input::Called(Err(e))) => self.api_failure(e, NextStep::Resume),
            (S::PersistingNotPromoted, Input::Persisted) => {
                self.state = S::Finished;
                match self.pending_failure.take() {
                    Some(failure) => Action::Failed(failure),
                    None => self.unexpected(&Input::Persisted),
                }
            }
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
            // A finished journal (normally removed) is checked, not taken on
            // trust: the new token must authenticate, the old one must be
            // refused, whichever of them the resume is given.
            (S::CheckingFinished, Input::Start) => {
                let creds = self
                    .with_new()
                    .or_else(|| self.with_old())
                    .unwrap_or_else(|| self.current());
                self.call(CallKind::Verify, creds)
            }
            (S::CheckingFinished, Input::Called(result)) => {
                // A resume takes the token given for the old one or the new
                // one, never both (a finished journal holds no token).
                let given_old = self.old_token.is_some();
                match (given_old, result) {
                    (false, Ok(_)) => {
                        self.note("the state file recorded a finished rotation, and the token given authenticates");
                        self.state = S::Finished;
                        Action::Finished(self.report())
                    }
                    (true, Err(e)) if e.is_authentication_failed() => {
                        self.old_refused = Some(true);
                        self.note("the state file recorded a finished rotation, and the token given (the one it replaced) is refused");
                        self.state = S::Finished;
                        Action::Finished(self.report())
                    }
                    (true, Ok(_)) => self.fail(
                        FailureKind::Inconsistent,
                        None,
                        "the state file says the rotation finished, but the token it replaced still authenticates: it was not promoted (or the state file was changed)",
                        NextStep::CheckTokensByHand,
                    ),
                    (_, Err(e)) if e.is_authentication_failed() => {
                        self.api_failure(e, NextStep::CheckTokensByHand)
                    }
                    (_, Err(e)) => self.api_failure(e, NextStep::Resume),
                }
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
            // No token to try (API-key credentials, a resume given the new
            // token, or an account that refuses tokens): the account's
            // 2010 resource shows which token is the primary.
            None => {
                self.state = State::ReadingPrimary;
                self.call(CallKind::ReadPrimary, self.current())
            }
        }
    }

    /// The probes show no promote happened and the new token is still the
    /// secondary: promote again, unless Twilio has failed too often.
    fn not_promoted(&mut self) -> Action {
        if self.promotes >= self.config.retry_attempts.max(1) {
            let message = format!(
                "Twilio failed to answer {} attempts to promote (server errors or lost answers, with a growing wait between them); the probes show that none took effect: the old token is still the primary, and the new one is still the secondary and is where it was delivered, so nothing was lost",
                self.promotes
            );
            self.fail(FailureKind::Unavailable, None, message, NextStep::Resume)
        } else {
            self.state = State::PersistingPromoting;
            Action::Persist(self.journal(JournalPhase::Promoting))
        }
    }

    /// No promote happened and the new token is not the secondary any
    /// more: deleted or replaced, or not accepted yet. The journal goes
    /// back to `delivered` first, so that the advice can be either: resume
    /// (it checks the new token again) or abandon (which a `promoting`
    /// journal would forbid).
    fn secondary_gone(&mut self, error: Option<Error>) -> Action {
        self.pending_failure = Some(RotationFailure {
            step: RotationStep::Promote,
            kind: FailureKind::Inconsistent,
            error,
            message: "not promoted: the old token is still the primary and the new one is not the secondary, so its secondary was deleted or replaced (or Twilio does not accept it yet)".into(),
            next: NextStep::ResumeOrAbandon,
            rescued_token: None,
        });
        self.state = State::PersistingNotPromoted;
        Action::Persist(self.journal(JournalPhase::Delivered))
    }
}

/// The note of a rotation whose tokens cannot authenticate a request.
const NO_TOKEN_CHECKS: &str = "the account refuses requests made with an Auth Token (Public Key Client Validation), so the new token was not checked by authenticating with it, nor the old one's refusal";

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
