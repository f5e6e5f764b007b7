//! The state machine: [`Rotation`] takes an [`Input`], returns an [`Action`].

use std::time::Duration;

use twilio_accounts_core::{AccountSid, AuthToken, Credentials, Error};

use crate::config::RotationConfig;
use crate::failure::{FailureKind, NextStep, RotationFailure};
use crate::fingerprint::TokenFingerprint;
use crate::journal::{Journal, JournalError, JournalPhase};
use crate::report::RotationReport;
use crate::step::RotationStep;

/// How many times a lost create is retried (delete, then create again).
const MAX_CREATE_RETRIES: u32 = 3;

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

/// Where the machine is; each state knows which input it expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    CheckingCurrent,
    DeletingBeforeCreate,
    PersistingCreating,
    Creating,
    PersistingWrongAccount,
    DeletingWrongAccount,
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
        rotation.credentials_act_on = journal.credentials_act_on;
        rotation.state = match journal.phase {
            // The create's answer may be lost: start over from a clean slate.
            JournalPhase::Creating => State::DeletingBeforeCreate,
            // The guard stopped the rotation; its delete may not have run.
            JournalPhase::WrongAccount => State::DeletingWrongAccount,
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
            | State::PersistingWrongAccount
            | State::DeletingWrongAccount => RotationStep::CreateSecondary,
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

    fn with_new(&self) -> Option<Credentials> {
        self.new_token
            .as_ref()
            .map(|t| Credentials::auth_token(self.account_sid, t.clone()))
    }

    fn with_old(&self) -> Option<Credentials> {
        self.old_token
            .as_ref()
            .map(|t| Credentials::auth_token(self.account_sid, t.clone()))
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
        let mut journal = self.journal(JournalPhase::Done);
        // A finished journal keeps nothing about the tokens.
        journal.old_fingerprint = None;
        journal.new_fingerprint = None;
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
                self.new_token = Some(token.clone());
                self.state = S::Delivering;
                Action::Deliver(token)
            }
            // The wrong-account guard (also where a resume from
            // "wrong_account" starts).
            (S::PersistingWrongAccount, Input::Persisted) | (S::DeletingWrongAccount, Input::Start) => {
                self.state = S::DeletingWrongAccount;
                self.call(CallKind::DeleteSecondary, self.current())
            }
            (S::DeletingWrongAccount, Input::Called(result)) => self.wrong_account_deleted(result),
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
            // Resumed with the new token: the journal has the old one's
            // fingerprint only, and a resume given the old one can probe.
            None if self.old_fingerprint.is_some() => self.fail(
                FailureKind::Inconsistent,
                None,
                "whether the promote happened is probed with the old token, and the credentials given hold the new one: resume with the old token (the state file tells them apart)",
                NextStep::Resume,
            ),
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
