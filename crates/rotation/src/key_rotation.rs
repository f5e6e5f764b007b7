//! The API key rotation: [`KeyRotation`] takes a [`KeyInput`], returns a
//! [`KeyAction`]. It replaces one API key (`SK…`) with a new one of the
//! same kind, on the same API, with no outage and never losing a secret.
//!
//! ## The state graph
//!
//! Boxes are [`KeyRotationStep`]s; `═ persist X ═` is a
//! [`KeyAction::Persist`] of a [`KeyJournal`] in [`KeyJournalPhase`] `X`,
//! made before the step below it reaches Twilio; `◀─ x` marks where
//! [`KeyRotation::resume`] enters from a journal in phase `x`. Any step can
//! also stop with a [`KeyAction::Failed`], whose [`NextStep`] says what the
//! state allows.
//!
//! ```text
//!     KeyRotation::new
//!            │
//!   ┌─────────────────┐
//!   │ 1 CheckCurrent  │  a read with the managing credentials
//!   └─────────────────┘
//!   ┌─────────────────┐
//!   │ 2 FetchOld      │  its name; on IAM v1 its policy (restricted)
//!   └─────────────────┘
//!            │            ┌──────────────────────────────┐
//!   ═ persist Creating ═◀─┤ list keys, delete each one   │◀─ creating
//!            ▼            │ carrying this rotation's id  │
//!   ┌─────────────────┐   └──────────────────────────────┘
//!   │ 3 Create        │──────────────┘ answer lost / 5xx (at most
//!   └─────────────────┘                retry_attempts, then stop)
//!            │ 70151 ──▶ list keys ──▶ stop (KeyLimit, with the keys)
//!   ═ persist Created ═  (holds the new secret)
//!            ▼
//!   ┌─────────────────┐
//!   │ 4 CheckNew      │◀─ created   (a read the new key may make; backoff)
//!   └─────────────────┘
//!   ┌─────────────────┐  sink failed: ═ persist Creating ═ ▶ delete new ▶ stop
//!   │ 5 Deliver       │
//!   └─────────────────┘
//!   ═ persist Delivered ═  (no secret)
//!            ▼
//!   ┌─────────────────┐  declined
//!   │ 6 GoAhead       │◀─ delivered ──▶ stop (both keys work)
//!   └─────────────────┘
//!     fetch the new key (still there?)
//!   ═ persist DeletingOld ═
//!            ▼
//!   ┌─────────────────┐
//!   │ 7 DeleteOld     │◀─ deleting_old   (a 404 counts as deleted)
//!   └─────────────────┘
//!   ═ persist OldDeleted ═
//!            ▼
//!   ┌─────────────────┐
//!   │ 8 CheckOld      │◀─ old_deleted (refused with its secret, when given;
//!   └─────────────────┘                else gone from a fetch; backoff)
//!            ▼
//!   ┌─────────────────┐
//!   │ 9 Done          │  the driver removes the journal
//!   └─────────────────┘
//! ```
//!
//! ## Guarantees
//! - The old key is deleted only after the new one is delivered, checked
//!   and still there (fetched right before the delete).
//! - A key's secret is shown once. The journal holds it from the create's
//!   answer until the sink has it, and no longer ([`KeyJournal`]).
//! - A create whose answer was lost leaves a key nobody can use: every key
//!   this rotation makes carries its [`RotationId`] in its friendly name,
//!   so before creating again (in the same run, or on resume) the machine
//!   lists the keys and deletes those that carry it.
//! - [`KeyRotation::abandon`] deletes the new key (and any key carrying
//!   the rotation's id) only while the old key is still listed.
//!
//! ## The check of the new key
//! [`VerifyRead::for_key`] picks a read the new key may make: for a
//! standard key `GET /v1/Credentials/PublicKeys?PageSize=1`; for a
//! restricted key, that read when its policy allows
//! `/twilio/accounts/credentials/public-keys/read`, else a fetch of the key
//! itself when it allows `/twilio/iam/api-keys/read`, else none:
//! [`KeyVerify::Path`] or [`KeyVerify::Skip`] must be chosen.
//!
//! ## Out of scope
//! Randomness (the [`RotationId`]), storing the journal, the sink, asking
//! for the go-ahead and sleeping are the driver's. The API cannot tell a
//! Main key from a Standard one; a key without a policy is replaced by a
//! Standard key (a Main key is made only in the Console).
//!
//! ```
//! use twilio_accounts_core::{AuthToken, Credentials};
//! use twilio_accounts_rotation::{
//!     KeyAction, KeyApi, KeyCallKind, KeyCallResult, KeyInput, KeyRotation, KeyRotationConfig,
//!     RotationId,
//! };
//!
//! let credentials = Credentials::auth_token(
//!     "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?,
//!     AuthToken::new("0ld70ken0ld70ken0ld70ken0ld70ken")?,
//! );
//! let old = "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?;
//! let id = RotationId::new("r-1a2b3c4d").unwrap();
//! let mut rotation = KeyRotation::new(credentials, old, id, KeyRotationConfig::new(KeyApi::Iam));
//! let KeyAction::Call(check) = rotation.next(KeyInput::Start) else { unreachable!() };
//! assert!(matches!(check.kind, KeyCallKind::Verify(_)));
//! let KeyAction::Call(fetch) = rotation.next(KeyInput::Called(Ok(KeyCallResult::Verified))) else { unreachable!() };
//! assert_eq!(fetch.kind, KeyCallKind::Fetch { api: KeyApi::Iam, sid: old });
//! let fetched = KeyCallResult::Fetched { friendly_name: Some("app".into()), policy: None };
//! // The create is journalled before it is sent.
//! let KeyAction::Persist(journal) = rotation.next(KeyInput::Called(Ok(fetched))) else { unreachable!() };
//! assert_eq!(journal.friendly_name, "app (rotation r-1a2b3c4d)");
//! # Ok::<(), twilio_accounts_core::Error>(())
//! ```

use std::time::Duration;

use twilio_accounts_core::{AccountSid, ApiKeySecret, ApiKeySid, Credentials, Error, Policy};

use crate::failure::NextStep;
use crate::key_config::{KeyApi, KeyRotationConfig, KeyVerify, RotationId};
use crate::key_failure::{KeyFailureKind, KeyRotationFailure, ListedKey};
use crate::key_journal::{KeyJournal, KeyJournalPhase, NewKeyKind};
use crate::key_step::KeyRotationStep;

/// Twilio's longest friendly name.
const MAX_FRIENDLY_NAME: usize = 64;
/// The permission of the standard check's read (the simulator's name).
const PUBLIC_KEYS_READ: &str = "/twilio/accounts/credentials/public-keys/read";
/// The permission of a key's fetch of itself (Twilio's name).
const API_KEYS_READ: &str = "/twilio/iam/api-keys/read";

/// The read-only call that shows a key authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyRead {
    /// `GET /v1/Credentials/PublicKeys?PageSize=1`.
    PublicKeys,
    /// The key fetches itself (`GET /v1/Keys/{Sid}` or the 2010 form).
    OwnKey {
        /// The API the key is on.
        api: KeyApi,
        /// The key.
        sid: ApiKeySid,
    },
    /// `GET` this path (see [`KeyVerify::Path`]).
    Path(String),
}

impl VerifyRead {
    /// The read that checks a new key of `kind` on `api`, as `verify` asks:
    /// `Ok(None)` to skip, `Err(())` when a restricted key's policy allows
    /// no read this crate knows and no path was given.
    ///
    /// ```
    /// use twilio_accounts_core::Policy;
    /// use twilio_accounts_rotation::{KeyApi, KeyVerify, NewKeyKind, VerifyRead};
    ///
    /// let sid = "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?;
    /// let standard = VerifyRead::for_key(&NewKeyKind::Standard, &KeyVerify::Default, KeyApi::Iam, sid);
    /// assert_eq!(standard, Ok(Some(VerifyRead::PublicKeys)));
    /// let messages = NewKeyKind::Restricted(Policy::allow(["/twilio/messaging/messages/read"])?);
    /// assert_eq!(VerifyRead::for_key(&messages, &KeyVerify::Default, KeyApi::Iam, sid), Err(()));
    /// assert_eq!(VerifyRead::for_key(&messages, &KeyVerify::Skip, KeyApi::Iam, sid), Ok(None));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(clippy::result_unit_err)]
    pub fn for_key(
        kind: &NewKeyKind,
        verify: &KeyVerify,
        api: KeyApi,
        sid: ApiKeySid,
    ) -> Result<Option<VerifyRead>, ()> {
        match (verify, kind) {
            (KeyVerify::Skip, _) => Ok(None),
            (KeyVerify::Path(path), _) => Ok(Some(VerifyRead::Path(path.clone()))),
            (KeyVerify::Default, NewKeyKind::Standard) => Ok(Some(VerifyRead::PublicKeys)),
            (KeyVerify::Default, NewKeyKind::Restricted(policy)) => {
                if permits(policy, PUBLIC_KEYS_READ) {
                    Ok(Some(VerifyRead::PublicKeys))
                } else if permits(policy, API_KEYS_READ) {
                    Ok(Some(VerifyRead::OwnKey { api, sid }))
                } else {
                    Err(())
                }
            }
        }
    }
}

fn permits(policy: &Policy, permission: &str) -> bool {
    policy.allow.iter().any(|p| p == permission) && !policy.deny.iter().any(|p| p == permission)
}

/// An API call the driver must make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyCall {
    /// The account whose keys it acts on (the 2010 paths name it).
    pub account_sid: AccountSid,
    /// The credentials to authenticate it with.
    pub credentials: Credentials,
    /// Which call.
    pub kind: KeyCallKind,
}

/// The calls a key rotation makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyCallKind {
    /// A read-only call; any success counts.
    Verify(VerifyRead),
    /// Fetch one key ([`KeyCallResult::Fetched`]; a 404 is an error).
    Fetch {
        /// On which API.
        api: KeyApi,
        /// The key.
        sid: ApiKeySid,
    },
    /// Every key of the account, all pages ([`KeyCallResult::Listed`]).
    List {
        /// On which API.
        api: KeyApi,
    },
    /// Create a key ([`KeyCallResult::Created`]). Never resent blind.
    Create {
        /// On which API.
        api: KeyApi,
        /// Standard, or restricted with a policy.
        kind: NewKeyKind,
        /// Its friendly name (carrying the rotation's id).
        friendly_name: String,
    },
    /// Delete a key ([`KeyCallResult::Deleted`]; a 404 counts as deleted).
    Delete {
        /// On which API.
        api: KeyApi,
        /// The key.
        sid: ApiKeySid,
    },
}

/// What a successful call produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyCallResult {
    /// The read succeeded.
    Verified,
    /// The key exists.
    Fetched {
        /// Its friendly name.
        friendly_name: Option<String>,
        /// Its policy (IAM v1, a restricted key).
        policy: Option<Policy>,
    },
    /// The account's keys.
    Listed(Vec<ListedKey>),
    /// A key was made; either field may be missing from a 2xx answer.
    Created {
        /// Its SID.
        sid: Option<ApiKeySid>,
        /// Its secret, shown this once.
        secret: Option<ApiKeySecret>,
    },
    /// The key is gone (deleted now, or there was none).
    Deleted,
}

/// What the driver reports back.
#[derive(Debug)]
pub enum KeyInput {
    /// Begin (the first call to [`KeyRotation::next`]).
    Start,
    /// The journal was stored durably.
    Persisted,
    /// The call's result.
    Called(Result<KeyCallResult, Error>),
    /// The sink has the key durably.
    Delivered,
    /// The sink failed; the reason is shown to the user (no secret in it).
    DeliveryFailed(String),
    /// The user said go.
    GoAhead,
    /// The user declined to delete the old key now.
    Declined,
    /// The wait is over.
    Waited,
}

/// A new key and its secret, for the sink. `Debug` redacts the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKey {
    /// The key's SID (its user name).
    pub sid: ApiKeySid,
    /// Its secret.
    pub secret: ApiKeySecret,
}

/// What a finished key rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyRotationReport {
    /// The account.
    pub account_sid: AccountSid,
    /// The key replaced (or kept, when abandoned).
    pub old_sid: ApiKeySid,
    /// The new key (`None` when abandoned before one was known).
    pub new_sid: Option<ApiKeySid>,
    /// Whether the old key's secret was seen refused (`None`: its secret was
    /// not given, and it was seen gone from a fetch instead).
    pub old_key_refused: Option<bool>,
    /// Whether this was an abandon: the new key and every key of this
    /// rotation's id deleted, the old key kept.
    pub abandoned: bool,
    /// Whether this run resumed a journalled rotation.
    pub resumed: bool,
    /// Things worth telling the user (no secrets).
    pub notes: Vec<String>,
}

/// What the driver must do next.
#[derive(Debug)]
#[non_exhaustive]
pub enum KeyAction {
    /// Store the journal durably (owner-only, atomic), then [`KeyInput::Persisted`].
    Persist(KeyJournal),
    /// Make the call, then [`KeyInput::Called`].
    Call(KeyCall),
    /// Hand the key to the sink, then [`KeyInput::Delivered`] or [`KeyInput::DeliveryFailed`].
    Deliver(NewKey),
    /// Ask the user, then [`KeyInput::GoAhead`] or [`KeyInput::Declined`].
    AwaitGoAhead,
    /// Wait (between a random half and all of it), then [`KeyInput::Waited`].
    Wait(Duration),
    /// Finished: remove the journal.
    Finished(KeyRotationReport),
    /// Stopped: what happened and what to do.
    Failed(KeyRotationFailure),
}

/// What the cleanup of keys carrying the rotation's id leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AfterCleanup {
    /// Create (again): after a lost create answer, or on resume.
    Create,
    /// Stop: the creates are used up.
    GiveUp,
    /// Finish the abandon.
    Abandoned,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    CheckingCurrent,
    FetchingOld,
    Listing(AfterCleanup),
    DeletingMarked(AfterCleanup),
    WaitingToCreate,
    PersistingCreating,
    Creating,
    ListingForLimit,
    PersistingCreated,
    CheckingNew,
    WaitingNew,
    Delivering,
    PersistingUndelivered,
    DeletingUndelivered,
    PersistingDelivered,
    AwaitingGoAhead,
    ConfirmingNew,
    PersistingDeletingOld,
    DeletingOld,
    PersistingOldDeleted,
    CheckingOld,
    WaitingOld,
    Finished,
}

/// A key rotation in progress: the state graph, the journal and resume are
/// described in the [module docs](self).
#[derive(Debug)]
pub struct KeyRotation {
    config: KeyRotationConfig,
    credentials: Credentials,
    account_sid: AccountSid,
    old_sid: ApiKeySid,
    old_secret: Option<ApiKeySecret>,
    rotation_id: RotationId,
    kind: NewKeyKind,
    friendly_name: String,
    new_sid: Option<ApiKeySid>,
    new_secret: Option<ApiKeySecret>,
    /// Keys carrying the rotation's id, still to delete.
    marked: Vec<ApiKeySid>,
    state: State,
    resumed: bool,
    abandoning: bool,
    creates: u32,
    verify_tries: u32,
    old_refused: Option<bool>,
    notes: Vec<String>,
    pending_failure: Option<KeyRotationFailure>,
}

impl KeyRotation {
    /// A new rotation of key `old_sid`, managed with `credentials` (an Auth
    /// Token or a Main key of the account), its new key named with
    /// `rotation_id`.
    pub fn new(
        credentials: Credentials,
        old_sid: ApiKeySid,
        rotation_id: RotationId,
        config: KeyRotationConfig,
    ) -> Self {
        KeyRotation {
            config,
            account_sid: *credentials.account_sid(),
            credentials,
            old_sid,
            old_secret: None,
            rotation_id,
            kind: NewKeyKind::Standard,
            friendly_name: String::new(),
            new_sid: None,
            new_secret: None,
            marked: Vec::new(),
            state: State::Start,
            resumed: false,
            abandoning: false,
            creates: 0,
            verify_tries: 0,
            old_refused: None,
            notes: Vec::new(),
            pending_failure: None,
        }
    }

    /// The old key's secret, when the driver has it (never journalled): the
    /// last step then checks that it is refused, not only that the key is
    /// gone.
    #[must_use]
    pub fn with_old_secret(mut self, secret: ApiKeySecret) -> Self {
        self.old_secret = Some(secret);
        self
    }

    /// The rotation of a key of the subaccount `account`, managed with its
    /// parent's credentials (`credentials` are the parent's Auth Token or
    /// Main key): every call goes through the 2010 API's paths, which name
    /// the subaccount, and the new key is checked as the subaccount's. The
    /// API becomes [`KeyApi::V2010`] whatever the config says: IAM v1
    /// reaches only the credentials' own account.
    ///
    /// ```
    /// use twilio_accounts_core::{AuthToken, Credentials};
    /// use twilio_accounts_rotation::{KeyApi, KeyJournalPhase, KeyRotation, KeyRotationConfig, RotationId};
    ///
    /// let parent = Credentials::auth_token(
    ///     "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?,
    ///     AuthToken::new("0ld70ken0ld70ken0ld70ken0ld70ken")?,
    /// );
    /// let sub = "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb".parse()?;
    /// let old = "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?;
    /// let id = RotationId::new("r-1a2b3c4d").unwrap();
    /// let rotation = KeyRotation::new(parent, old, id, KeyRotationConfig::new(KeyApi::Iam))
    ///     .of_subaccount(sub);
    /// let journal = rotation.journal(KeyJournalPhase::Creating);
    /// assert_eq!((journal.account_sid, journal.api), (sub, KeyApi::V2010));
    /// # Ok::<(), twilio_accounts_core::Error>(())
    /// ```
    #[must_use]
    pub fn of_subaccount(mut self, account: AccountSid) -> Self {
        self.account_sid = account;
        self.config.api = KeyApi::V2010;
        self
    }

    /// Continues a journalled rotation with `credentials` for the same
    /// account (the journal keeps none).
    pub fn resume(
        journal: KeyJournal,
        credentials: Credentials,
        config: KeyRotationConfig,
    ) -> Result<Self, crate::key_journal::KeyJournalError> {
        if journal.account_sid != *credentials.account_sid() {
            return Err(crate::key_journal::KeyJournalError::OtherKey {
                account_sid: journal.account_sid,
                old_sid: journal.old_sid,
            });
        }
        Ok(KeyRotation::resumed(journal, credentials, config))
    }

    /// Continues a journalled rotation of a subaccount's key (see
    /// [`KeyRotation::of_subaccount`]) with its parent's `credentials`;
    /// refused for a journal of IAM v1, which the parent cannot reach.
    pub fn resume_subaccount(
        journal: KeyJournal,
        credentials: Credentials,
        config: KeyRotationConfig,
    ) -> Result<Self, crate::key_journal::KeyJournalError> {
        if journal.api != KeyApi::V2010 && journal.account_sid != *credentials.account_sid() {
            return Err(crate::key_journal::KeyJournalError::OtherKey {
                account_sid: journal.account_sid,
                old_sid: journal.old_sid,
            });
        }
        let account = journal.account_sid;
        let mut rotation = KeyRotation::resumed(journal, credentials, config);
        rotation.account_sid = account;
        Ok(rotation)
    }

    fn resumed(journal: KeyJournal, credentials: Credentials, config: KeyRotationConfig) -> Self {
        let config = KeyRotationConfig {
            api: journal.api,
            ..config
        };
        let mut rotation =
            KeyRotation::new(credentials, journal.old_sid, journal.rotation_id, config);
        rotation.resumed = true;
        rotation.kind = journal.kind;
        rotation.friendly_name = journal.friendly_name;
        rotation.new_sid = journal.new_sid;
        rotation.new_secret = journal.new_secret;
        rotation.state = match journal.phase {
            KeyJournalPhase::Creating => State::Listing(AfterCleanup::Create),
            KeyJournalPhase::Created => State::CheckingNew,
            KeyJournalPhase::Delivered => State::AwaitingGoAhead,
            KeyJournalPhase::DeletingOld => State::DeletingOld,
            KeyJournalPhase::OldDeleted => State::CheckingOld,
        };
        rotation.notes.push(format!(
            "resumed a key rotation that stopped while {}",
            match journal.phase {
                KeyJournalPhase::Creating =>
                    "creating the new key; keys of this rotation whose secret is not held were deleted and another made",
                KeyJournalPhase::Created => "handing over the new key",
                KeyJournalPhase::Delivered => "waiting to delete the old key",
                KeyJournalPhase::DeletingOld => "deleting the old key",
                KeyJournalPhase::OldDeleted => "checking the old key is refused",
            }
        ));
        rotation
    }

    /// Abandons a journalled rotation: if the old key is still listed,
    /// deletes the new key and every key carrying the rotation's id, and
    /// finishes with [`KeyRotationReport::abandoned`]; refused otherwise
    /// (the new key may be the only one left).
    pub fn abandon(
        journal: KeyJournal,
        credentials: Credentials,
        config: KeyRotationConfig,
    ) -> Result<Self, crate::key_journal::KeyJournalError> {
        let mut rotation = KeyRotation::resume(journal, credentials, config)?;
        rotation.notes.clear();
        rotation.new_secret = None;
        rotation.abandoning = true;
        rotation.state = State::Listing(AfterCleanup::Abandoned);
        Ok(rotation)
    }

    /// The step the rotation is at, for progress output.
    pub fn step(&self) -> KeyRotationStep {
        use KeyRotationStep as K;
        match self.state {
            State::Start | State::CheckingCurrent => K::CheckCurrent,
            State::FetchingOld => K::FetchOld,
            State::Listing(_)
            | State::DeletingMarked(_)
            | State::WaitingToCreate
            | State::PersistingCreating
            | State::Creating
            | State::ListingForLimit
            | State::PersistingCreated => K::Create,
            State::CheckingNew | State::WaitingNew => K::CheckNew,
            State::Delivering
            | State::PersistingUndelivered
            | State::DeletingUndelivered
            | State::PersistingDelivered => K::Deliver,
            State::AwaitingGoAhead | State::ConfirmingNew => K::GoAhead,
            State::PersistingDeletingOld | State::DeletingOld | State::PersistingOldDeleted => {
                K::DeleteOld
            }
            State::CheckingOld | State::WaitingOld => K::CheckOld,
            State::Finished => K::Done,
        }
    }

    /// The journal of the rotation in `phase`: the new secret only in
    /// [`KeyJournalPhase::Created`], the new SID once known.
    pub fn journal(&self, phase: KeyJournalPhase) -> KeyJournal {
        KeyJournal {
            account_sid: self.account_sid,
            old_sid: self.old_sid,
            api: self.config.api,
            rotation_id: self.rotation_id.clone(),
            kind: self.kind.clone(),
            friendly_name: self.friendly_name.clone(),
            phase,
            new_sid: self.new_sid.filter(|_| phase != KeyJournalPhase::Creating),
            new_secret: self
                .new_secret
                .clone()
                .filter(|_| phase == KeyJournalPhase::Created),
        }
    }

    fn call(&self, kind: KeyCallKind) -> KeyAction {
        self.call_as(self.credentials.clone(), kind)
    }

    fn call_as(&self, credentials: Credentials, kind: KeyCallKind) -> KeyAction {
        KeyAction::Call(KeyCall {
            account_sid: self.account_sid,
            credentials,
            kind,
        })
    }

    fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        if !self.notes.contains(&note) {
            self.notes.push(note);
        }
    }

    fn fail(
        &mut self,
        kind: KeyFailureKind,
        error: Option<Error>,
        message: impl Into<String>,
        next: NextStep,
    ) -> KeyAction {
        let failure = KeyRotationFailure {
            step: self.step(),
            kind,
            error,
            message: message.into(),
            next,
            keys: Vec::new(),
        };
        self.state = State::Finished;
        KeyAction::Failed(failure)
    }

    fn api_failure(&mut self, error: Error, next: NextStep) -> KeyAction {
        let message = error.to_string();
        self.fail(KeyFailureKind::Api, Some(error), message, next)
    }

    fn unexpected(&mut self, input: &KeyInput) -> KeyAction {
        let name = match input {
            KeyInput::Start => "Start",
            KeyInput::Persisted => "Persisted",
            KeyInput::Called(_) => "Called",
            KeyInput::Delivered => "Delivered",
            KeyInput::DeliveryFailed(_) => "DeliveryFailed",
            KeyInput::GoAhead => "GoAhead",
            KeyInput::Declined => "Declined",
            KeyInput::Waited => "Waited",
        };
        self.fail(
            KeyFailureKind::Inconsistent,
            None,
            format!("the driver answered {name} where the rotation expected something else"),
            NextStep::ReportBug,
        )
    }

    /// The wait after `tries` attempts: `first`, doubling, at most 30 s.
    fn backoff(first: Duration, tries: u32) -> Duration {
        let exponent = tries.saturating_sub(1).min(16);
        first
            .saturating_mul(1 << exponent)
            .min(Duration::from_secs(30))
    }

    /// The new key's friendly name: the old one's (without an earlier
    /// rotation's marker), cut to fit, then this rotation's marker.
    fn new_friendly_name(&self, old: Option<&str>) -> String {
        let old = old.unwrap_or("").trim();
        let base = match old.rfind(" (rotation r-") {
            Some(at) if old.ends_with(')') => &old[..at],
            _ => old,
        };
        let base = if base.is_empty() { "API key" } else { base };
        let marker = self.rotation_id.marker();
        let room = MAX_FRIENDLY_NAME.saturating_sub(marker.chars().count() + 1);
        let cut: String = base.chars().take(room).collect();
        format!("{} {marker}", cut.trim_end())
    }

    fn verify_read(&self) -> Result<Option<VerifyRead>, ()> {
        let sid = self.new_sid.unwrap_or(self.old_sid);
        VerifyRead::for_key(&self.kind, &self.config.verify, self.config.api, sid)
    }

    fn start_create(&mut self) -> KeyAction {
        if self.creates >= self.config.retry_attempts.max(1) {
            let message = format!(
                "Twilio failed to answer {} attempts to create the new key (lost answers or server errors, with a growing wait between them); each key they may have made was deleted again, so nothing changed",
                self.creates
            );
            return self.fail(
                KeyFailureKind::Unavailable,
                None,
                message,
                NextStep::StartAgain,
            );
        }
        self.state = State::PersistingCreating;
        KeyAction::Persist(self.journal(KeyJournalPhase::Creating))
    }

    fn list(&mut self, after: AfterCleanup) -> KeyAction {
        self.state = State::Listing(after);
        self.call(KeyCallKind::List {
            api: self.config.api,
        })
    }

    /// Deletes the next key carrying the rotation's id, or goes on.
    fn delete_marked(&mut self, after: AfterCleanup) -> KeyAction {
        if let Some(sid) = self.marked.pop() {
            self.state = State::DeletingMarked(after);
            return self.call(KeyCallKind::Delete {
                api: self.config.api,
                sid,
            });
        }
        match after {
            AfterCleanup::Create if self.creates > 0 => {
                self.state = State::WaitingToCreate;
                KeyAction::Wait(Self::backoff(self.config.retry_delay, self.creates))
            }
            AfterCleanup::Create => self.start_create(),
            AfterCleanup::GiveUp => self.start_create(),
            AfterCleanup::Abandoned => {
                self.state = State::Finished;
                KeyAction::Finished(self.report(true))
            }
        }
    }

    fn listed(&mut self, after: AfterCleanup, keys: Vec<ListedKey>) -> KeyAction {
        let old_listed = keys.iter().any(|k| k.sid == self.old_sid);
        if after == AfterCleanup::Abandoned && !old_listed {
            return self.fail(
                KeyFailureKind::Inconsistent,
                None,
                format!(
                    "not abandoned: the old key {} is no longer listed, so the new key may be the only one left",
                    self.old_sid
                ),
                NextStep::Resume,
            );
        }
        self.marked = keys
            .into_iter()
            .filter(|k| self.rotation_id.made(k.friendly_name.as_deref()))
            .filter(|k| k.sid != self.old_sid)
            .map(|k| k.sid)
            .collect();
        if after == AfterCleanup::Abandoned
            && let Some(new) = self.new_sid
            && !self.marked.contains(&new)
        {
            self.marked.push(new);
        }
        if after != AfterCleanup::Abandoned && !self.marked.is_empty() {
            self.note(
                "a key of this rotation whose secret nobody holds (its create's answer was lost) was deleted",
            );
        }
        self.delete_marked(after)
    }

    fn check_new(&mut self) -> KeyAction {
        let (Some(sid), Some(secret)) = (self.new_sid, self.new_secret.clone()) else {
            return self.unexpected(&KeyInput::Persisted);
        };
        match self.verify_read() {
            Ok(Some(read)) => {
                self.verify_tries += 1;
                self.state = State::CheckingNew;
                let credentials = Credentials::api_key(self.account_sid, sid, secret);
                self.call_as(credentials, KeyCallKind::Verify(read))
            }
            Ok(None) => {
                self.note("the new key was not checked (asked to skip the check)");
                self.deliver()
            }
            Err(()) => self.fail(
                KeyFailureKind::NoVerifyRead,
                None,
                "the new key's policy allows no read this tool knows how to check it with",
                NextStep::ResumeOrAbandon,
            ),
        }
    }

    fn deliver(&mut self) -> KeyAction {
        match (self.new_sid, self.new_secret.clone()) {
            (Some(sid), Some(secret)) => {
                self.state = State::Delivering;
                KeyAction::Deliver(NewKey { sid, secret })
            }
            _ => self.unexpected(&KeyInput::Called(Ok(KeyCallResult::Verified))),
        }
    }

    fn go_ahead_or_confirm(&mut self) -> KeyAction {
        if self.config.wait_for_go_ahead {
            self.state = State::AwaitingGoAhead;
            KeyAction::AwaitGoAhead
        } else {
            self.confirm_new()
        }
    }

    fn confirm_new(&mut self) -> KeyAction {
        match self.new_sid {
            Some(sid) => {
                self.state = State::ConfirmingNew;
                self.call(KeyCallKind::Fetch {
                    api: self.config.api,
                    sid,
                })
            }
            None => self.unexpected(&KeyInput::GoAhead),
        }
    }

    fn delete_old(&mut self) -> KeyAction {
        self.state = State::DeletingOld;
        self.call(KeyCallKind::Delete {
            api: self.config.api,
            sid: self.old_sid,
        })
    }

    fn check_old(&mut self) -> KeyAction {
        self.verify_tries += 1;
        self.state = State::CheckingOld;
        match self.old_secret.clone() {
            Some(secret) => {
                let credentials = Credentials::api_key(self.account_sid, self.old_sid, secret);
                self.call_as(credentials, KeyCallKind::Verify(VerifyRead::PublicKeys))
            }
            None => self.call(KeyCallKind::Fetch {
                api: self.config.api,
                sid: self.old_sid,
            }),
        }
    }

    fn report(&self, abandoned: bool) -> KeyRotationReport {
        KeyRotationReport {
            account_sid: self.account_sid,
            old_sid: self.old_sid,
            new_sid: self.new_sid,
            old_key_refused: self.old_refused,
            abandoned,
            resumed: self.resumed,
            notes: self.notes.clone(),
        }
    }

    fn finish(&mut self) -> KeyAction {
        self.state = State::Finished;
        KeyAction::Finished(self.report(false))
    }

    /// Whether a create's error leaves it unclear that a key was made: a
    /// 4xx says it was not; anything else (a lost answer, a server error,
    /// a 2xx that could not be read) may have made one.
    fn create_unclear(error: &Error) -> bool {
        !error.status().is_some_and(|s| s.is_client_error())
    }

    /// Takes the outcome of the previous action and returns the next one.
    /// Start with [`KeyInput::Start`]. After `Finished` or `Failed`, every
    /// call fails again.
    pub fn next(&mut self, input: KeyInput) -> KeyAction {
        use KeyCallResult as R;
        use KeyInput as I;
        use State as S;
        match (self.state, input) {
            // Step 1.
            (S::Start, I::Start) => {
                if let Credentials::ApiKey { key_sid, .. } = &self.credentials
                    && *key_sid == self.old_sid
                {
                    return self.fail(
                        KeyFailureKind::NotReplaceable,
                        None,
                        format!(
                            "the credentials are the key {} itself: deleting it would leave the rotation without credentials; use the Auth Token or another Main key",
                            self.old_sid
                        ),
                        NextStep::StartAgain,
                    );
                }
                self.state = S::CheckingCurrent;
                self.call(KeyCallKind::Verify(VerifyRead::PublicKeys))
            }
            (S::CheckingCurrent, I::Called(Ok(_))) => {
                self.state = S::FetchingOld;
                self.call(KeyCallKind::Fetch {
                    api: self.config.api,
                    sid: self.old_sid,
                })
            }
            (S::CheckingCurrent, I::Called(Err(e))) => self.api_failure(e, NextStep::StartAgain),
            // Step 2.
            (
                S::FetchingOld,
                I::Called(Ok(R::Fetched {
                    friendly_name,
                    policy,
                })),
            ) => {
                self.kind = match policy {
                    Some(policy) if self.config.api == KeyApi::Iam => NewKeyKind::Restricted(policy),
                    _ => NewKeyKind::Standard,
                };
                if self.verify_read().is_err() {
                    return self.fail(
                        KeyFailureKind::NoVerifyRead,
                        None,
                        format!(
                            "the key {} is restricted, and its policy allows neither {PUBLIC_KEYS_READ} nor {API_KEYS_READ}, so nothing this tool knows can check the new key: name a read its policy allows, or skip the check; nothing was changed",
                            self.old_sid
                        ),
                        NextStep::StartAgain,
                    );
                }
                self.friendly_name = self.new_friendly_name(friendly_name.as_deref());
                self.start_create()
            }
            (S::FetchingOld, I::Called(Err(e))) if e.is_not_found() => {
                let message = format!(
                    "the account has no API key {} on the {} API; nothing was changed",
                    self.old_sid,
                    self.config.api.as_str()
                );
                self.fail(KeyFailureKind::NoSuchKey, Some(e), message, NextStep::StartAgain)
            }
            (S::FetchingOld, I::Called(Err(e)))
                if e.is_authentication_failed()
                    && matches!(self.credentials, Credentials::ApiKey { .. }) =>
            {
                self.fail(
                    KeyFailureKind::CannotManageKeys,
                    Some(e),
                    "the API key given as credentials authenticates but may not read keys: it is a Standard (or restricted) key, and managing keys needs the Auth Token or a Main key; nothing was changed",
                    NextStep::StartAgain,
                )
            }
            (S::FetchingOld, I::Called(Err(e))) => self.api_failure(e, NextStep::StartAgain),
            // Cleanup of keys carrying the rotation's id (resume from
            // "creating", a lost create answer, an abandon).
            (S::Listing(after), I::Start) => self.list(after),
            (S::Listing(after), I::Called(Ok(R::Listed(keys)))) => self.listed(after, keys),
            (S::Listing(AfterCleanup::Abandoned), I::Called(Err(e)))
            | (S::DeletingMarked(AfterCleanup::Abandoned), I::Called(Err(e))) => {
                self.api_failure(e, NextStep::AbandonThenStartAgain)
            }
            (S::Listing(_), I::Called(Err(e))) | (S::DeletingMarked(_), I::Called(Err(e))) => {
                self.api_failure(e, NextStep::Resume)
            }
            (S::DeletingMarked(after), I::Called(Ok(R::Deleted))) => self.delete_marked(after),
            (S::WaitingToCreate, I::Waited) => self.start_create(),
            // Step 3.
            (S::PersistingCreating, I::Persisted) => {
                self.creates += 1;
                self.state = S::Creating;
                self.call(KeyCallKind::Create {
                    api: self.config.api,
                    kind: self.kind.clone(),
                    friendly_name: self.friendly_name.clone(),
                })
            }
            (
                S::Creating,
                I::Called(Ok(R::Created {
                    sid: Some(sid),
                    secret: Some(secret),
                })),
            ) => {
                self.new_sid = Some(sid);
                self.new_secret = Some(secret);
                self.state = S::PersistingCreated;
                KeyAction::Persist(self.journal(KeyJournalPhase::Created))
            }
            (S::Creating, I::Called(Ok(R::Created { .. }))) => {
                self.note("a create answered without the key's SID or secret; the key it made was deleted and another made");
                let after = self.after_unclear_create();
                self.list(after)
            }
            (S::Creating, I::Called(Err(e))) if e.code() == Some(70151) => {
                self.pending_failure = Some(KeyRotationFailure {
                    step: KeyRotationStep::Create,
                    kind: KeyFailureKind::KeyLimit,
                    message: format!(
                        "the account has as many API keys as Twilio allows ({e}); nothing was created"
                    ),
                    error: Some(e),
                    next: NextStep::StartAgain,
                    keys: Vec::new(),
                });
                self.state = S::ListingForLimit;
                self.call(KeyCallKind::List {
                    api: self.config.api,
                })
            }
            (S::Creating, I::Called(Err(e))) if Self::create_unclear(&e) => {
                self.note("the answer to a create was lost or a server error; the key it may have made was found by its name and deleted, and another made");
                let after = self.after_unclear_create();
                self.list(after)
            }
            (S::Creating, I::Called(Err(e))) => self.api_failure(e, NextStep::StartAgain),
            (S::ListingForLimit, I::Called(result)) => {
                let Some(mut failure) = self.pending_failure.take() else {
                    return self.unexpected(&I::Called(result));
                };
                match result {
                    Ok(R::Listed(keys)) => failure.keys = keys,
                    _ => failure
                        .message
                        .push_str("; listing the keys failed too"),
                }
                self.state = S::Finished;
                KeyAction::Failed(failure)
            }
            // Step 4 (also where a resume from "created" starts).
            (S::PersistingCreated, I::Persisted) | (S::CheckingNew, I::Start) => {
                self.verify_tries = 0;
                self.check_new()
            }
            (S::CheckingNew, I::Called(Ok(_))) => self.deliver(),
            (S::CheckingNew, I::Called(Err(e))) => {
                if self.verify_tries < self.config.verify_attempts
                    && (e.is_authentication_failed() || e.is_rate_limited() || e.is_transport())
                {
                    self.state = S::WaitingNew;
                    KeyAction::Wait(Self::backoff(self.config.verify_delay, self.verify_tries))
                } else {
                    let message = format!(
                        "the new key {} did not authenticate ({e}); the old key was not touched",
                        self.new_sid.map(|s| s.to_string()).unwrap_or_default()
                    );
                    self.fail(
                        KeyFailureKind::NewKeyRefused,
                        Some(e),
                        message,
                        NextStep::ResumeOrAbandon,
                    )
                }
            }
            (S::WaitingNew, I::Waited) => self.check_new(),
            // Step 5.
            (S::Delivering, I::Delivered) => {
                self.state = S::PersistingDelivered;
                let journal = self.journal(KeyJournalPhase::Delivered);
                self.new_secret = None;
                KeyAction::Persist(journal)
            }
            (S::Delivering, I::DeliveryFailed(reason)) => {
                // Journalled as a create whose key nobody holds: a crash
                // before the delete is cleaned up by a resume's listing.
                self.pending_failure = Some(KeyRotationFailure {
                    step: KeyRotationStep::Deliver,
                    kind: KeyFailureKind::DeliveryFailed,
                    error: None,
                    message: format!("the new key could not be handed over: {reason}"),
                    next: NextStep::StartAgain,
                    keys: Vec::new(),
                });
                self.new_secret = None;
                self.state = S::PersistingUndelivered;
                KeyAction::Persist(self.journal(KeyJournalPhase::Creating))
            }
            (S::PersistingUndelivered, I::Persisted) => match self.new_sid {
                Some(sid) => {
                    self.state = S::DeletingUndelivered;
                    self.call(KeyCallKind::Delete {
                        api: self.config.api,
                        sid,
                    })
                }
                None => self.unexpected(&I::Persisted),
            },
            (S::DeletingUndelivered, I::Called(result)) => {
                let Some(mut failure) = self.pending_failure.take() else {
                    return self.unexpected(&I::Called(result));
                };
                match result {
                    Ok(_) => failure
                        .message
                        .push_str("; the new key was deleted again, so nothing changed"),
                    Err(e) => {
                        failure.message.push_str(&format!(
                            "; deleting the new key failed too ({e}), and its secret is held nowhere"
                        ));
                        failure.next = NextStep::AbandonThenStartAgain;
                        failure.error = Some(e);
                    }
                }
                self.state = S::Finished;
                KeyAction::Failed(failure)
            }
            (S::PersistingDelivered, I::Persisted) => self.go_ahead_or_confirm(),
            // Step 6 (also where a resume from "delivered" starts).
            (S::AwaitingGoAhead, I::Start) => self.go_ahead_or_confirm(),
            (S::AwaitingGoAhead, I::GoAhead) => self.confirm_new(),
            (S::AwaitingGoAhead, I::Declined) => self.fail(
                KeyFailureKind::Declined,
                None,
                "the old key was not deleted: both keys work until it is",
                NextStep::ResumeOrAbandon,
            ),
            (S::ConfirmingNew, I::Called(Ok(_))) => {
                self.state = S::PersistingDeletingOld;
                KeyAction::Persist(self.journal(KeyJournalPhase::DeletingOld))
            }
            (S::ConfirmingNew, I::Called(Err(e))) if e.is_not_found() => {
                let message = format!(
                    "the old key was not deleted: the new key {} no longer exists (deleted from the Console, by a colleague or another rotation?)",
                    self.new_sid.map(|s| s.to_string()).unwrap_or_default()
                );
                self.fail(
                    KeyFailureKind::Inconsistent,
                    Some(e),
                    message,
                    NextStep::AbandonThenStartAgain,
                )
            }
            (S::ConfirmingNew, I::Called(Err(e))) => self.api_failure(e, NextStep::ResumeOrAbandon),
            // Step 7 (also where a resume from "deleting_old" starts).
            (S::PersistingDeletingOld, I::Persisted) | (S::DeletingOld, I::Start) => {
                self.delete_old()
            }
            (S::DeletingOld, I::Called(Ok(_))) => {
                self.state = S::PersistingOldDeleted;
                KeyAction::Persist(self.journal(KeyJournalPhase::OldDeleted))
            }
            (S::DeletingOld, I::Called(Err(e))) => self.api_failure(e, NextStep::Resume),
            // Step 8 (also where a resume from "old_deleted" starts).
            (S::PersistingOldDeleted, I::Persisted) | (S::CheckingOld, I::Start) => {
                self.verify_tries = 0;
                self.check_old()
            }
            (S::CheckingOld, I::Called(Err(e)))
                if (self.old_secret.is_some() && e.is_authentication_failed())
                    || (self.old_secret.is_none() && e.is_not_found()) =>
            {
                self.old_refused = self.old_secret.as_ref().map(|_| true);
                self.finish()
            }
            (S::CheckingOld, I::Called(Ok(_))) => {
                if self.verify_tries < self.config.verify_attempts {
                    self.state = S::WaitingOld;
                    KeyAction::Wait(Self::backoff(self.config.verify_delay, self.verify_tries))
                } else if self.old_secret.is_some() {
                    self.old_refused = Some(false);
                    self.note("the old key still authenticated after its delete; check the account in the Twilio Console");
                    self.finish()
                } else {
                    let message = format!(
                        "the old key {} is still listed after its delete",
                        self.old_sid
                    );
                    self.fail(
                        KeyFailureKind::Inconsistent,
                        None,
                        message,
                        NextStep::CheckOldTokenLater,
                    )
                }
            }
            (S::CheckingOld, I::Called(Err(e))) => {
                self.api_failure(e, NextStep::CheckOldTokenLater)
            }
            (S::WaitingOld, I::Waited) => self.check_old(),
            (S::Finished, _) => self.fail(
                KeyFailureKind::Inconsistent,
                None,
                "the rotation has already ended",
                NextStep::ReportBug,
            ),
            (_, input) => self.unexpected(&input),
        }
    }

    /// After a create that may have made a key nobody holds: clean up, then
    /// create again, or stop when the attempts are used up.
    fn after_unclear_create(&self) -> AfterCleanup {
        if self.creates >= self.config.retry_attempts.max(1) {
            AfterCleanup::GiveUp
        } else {
            AfterCleanup::Create
        }
    }
}
