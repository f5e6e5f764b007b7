//! # twilio-accounts-rotation
//!
//! A crash-safe Auth Token rotation, as a sans-IO state machine: it replaces
//! the primary Auth Token with no outage and never loses a token.
//!
//! [`Rotation`] does no I/O. Each call to [`Rotation::next`] takes the
//! outcome of the previous [`Action`] and returns the next one: persist the
//! journal, make an API call, deliver the token, wait. The driver (the CLI,
//! or any program) carries the actions out; [`perform()`] and [`perform_async`]
//! make the API calls through any client that implements [`CallSender`] or
//! [`AsyncCallSender`]: a client of an adapter crate, or the client crate's
//! `Client` over a transport of your own (a closure, in a test).
//!
//! ## The state graph
//!
//! Boxes are [`RotationStep`]s; `═ persist X ═` is an [`Action::Persist`] of
//! a [`Journal`] in [`JournalPhase`] `X`, made before the step below it
//! reaches Twilio; `◀─ x` marks where [`Rotation::resume`] enters from a
//! journal in phase `x`. Any step can also stop with an
//! [`Action::Failed`], whose [`NextStep`] says what the state allows.
//!
//! ```text
//!      Rotation::new
//!            │
//!            ▼
//!   ┌─────────────────┐
//!   │ 1 CheckCurrent  │── replace_existing_secondary ──┐
//!   └─────────────────┘                                ▼
//!            │                               ┌──────────────────┐
//!            │            ┌─────────────────▶│ delete secondary │◀─ creating
//!            │            │                  └──────────────────┘
//!            ▼            │                            │
//!   ═ persist Creating ═◀─┼────────────────────────────┘
//!            ▼            │ answer lost (at most 3 times)
//!   ┌─────────────────┐   │
//!   │ 2 CreateSecond. │───┘
//!   └─────────────────┘
//!            │ another account               ┌──────────────────┐
//!            ├──▶ ═ persist WrongAccount ═ ─▶│ delete secondary │──▶ stop
//!            │                               └──────────────────┘
//!            │                                         ▲
//!            │ token                     wrong_account ┘
//!            ▼
//!   ┌─────────────────┐  sink failed   ┌──────────────────┐
//!   │ 3 Deliver       │───────────────▶│ delete secondary │──▶ stop
//!   └─────────────────┘                └──────────────────┘
//!            │ the sink has it
//!   ═ persist Delivered ═
//!            ▼
//!   ┌─────────────────┐
//!   │ 4 CheckNew      │◀─ delivered
//!   └─────────────────┘
//!            ▼
//!   ┌─────────────────┐  declined
//!   │ 5 GoAhead       │──────────▶ stop (both tokens work)
//!   └─────────────────┘  (only with wait_for_go_ahead)
//!            │
//!   ═ persist Promoting ═◀───────────────────────────────────┐
//!            ▼                                               │ new works,
//!   ┌─────────────────┐  answer lost, or  ┌─────────────┐    │ old works
//!   │ 6 Promote       │──────────────────▶│ probe old   │◀─ promoting
//!   └─────────────────┘  nothing to       └─────────────┘    │
//!            │           promote (404)      │         │ works│
//!            │◀───── old refused ───────────┘         ▼      │
//!            │                                 ┌─────────────┐
//!            │◀──── new works, after a 404 ────│ probe new   │
//!            │                                 └─────────────┘
//!   ═ persist Promoted ═
//!            ▼
//!   ┌─────────────────┐
//!   │ 7 CheckPromoted │◀─ promoted   (new accepted, old refused; with backoff)
//!   └─────────────────┘
//!            ▼
//!   ┌─────────────────┐
//!   │ 8 Settle        │              (skipped when the settle time is zero)
//!   └─────────────────┘
//!            │
//!   ═ persist Done ═     (holds no token)
//!            ▼
//!   ┌─────────────────┐
//!   │ 9 Done          │◀─ done
//!   └─────────────────┘
//! ```
//!
//! ## Journal and resume
//! Before every step that changes Twilio the machine asks the driver to
//! persist a [`Journal`]; [`Rotation::resume`] continues from it after a
//! crash, a kill or a dropped connection:
//! - a create whose answer was lost cannot be recovered (there is no GET):
//!   the secondary is deleted (idempotent) and created again — nothing was
//!   deployed with it yet;
//! - a promote whose answer was lost is probed: if the old token is refused
//!   the promote happened, if it still authenticates it did not; where no
//!   token can be tried (API-key credentials, which never knew the old
//!   token, or an account that refuses Auth Token requests under Public Key
//!   Client Validation), the account's 2010 resource
//!   ([`CallKind::ReadPrimary`]) shows whether the primary is the new token
//!   (its fingerprint is in the journal); if that answer lacks the token,
//!   the machine stops and says to check by hand;
//! - whatever happens, the token that ends up primary is one the sink has.
//!
//! What the journal keeps: never the old token, and the new token only from
//! the sink's confirmation until the promote is decided; otherwise a
//! [`TokenFingerprint`] of each, so that a resume takes the token the user
//! gives again (the old one, or the new one from where it went) for the
//! right one. Drivers still store it owner-only.
//!
//! ## Wrong account
//! An API key acts on the account that owns it, whatever account SID comes
//! with it: a parent account's key used with a subaccount's SID would rotate
//! the parent. The create's answer names the account it acted on
//! ([`CallResult::Created`]); when that is not the account asked for, the
//! machine journals [`JournalPhase::WrongAccount`], deletes the secondary it
//! just made (with the same credentials, so in that same account) and stops
//! with [`FailureKind::WrongAccount`] and
//! [`NextStep::UseTheAccountsOwnCredentials`], before anything is delivered
//! or promoted. When the answer names no account (every field of it is
//! nullable in the spec), the rotation goes on and says so in a note:
//! refusing would make rotation impossible wherever Twilio leaves the field
//! out, and with Auth Token credentials the account SID is the one Twilio
//! authenticates, so only API-key credentials can act elsewhere.
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
//! ## Out of scope
//! Building, sending and parsing requests, the retry policy and the typed
//! errors are the core's (`twilio-accounts-core`); moving bytes is a
//! transport's. Storing the journal, delivering the token to its sink, asking
//! for the go-ahead and sleeping are the driver's, and so is wording a
//! [`NextStep`] for its own interface.
//!
//! ```
//! use twilio_accounts_core::{AuthToken, Credentials};
//! use twilio_accounts_rotation::{Action, CallKind, CallResult, Input, Rotation, RotationConfig};
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
//!
//! ## API key rotation
//! [`KeyRotation`] replaces one API key (`SK…`) the same way: a sans-IO
//! machine, journalled before every change, resumable after a crash, that
//! never deletes the old key before the new one is delivered and checked,
//! and never loses a secret shown once. Its graph, guarantees and the check
//! made per kind of key are in [`key_rotation`].
//!
//! ## Modules
//! One concept each: [`config`], [`step`], [`machine`] (the state machine and
//! its inputs, actions and calls), [`journal`], [`failure`], [`report`], and
//! [`perform`](mod@perform) (the send seam); for API keys [`key_config`],
//! [`key_step`], [`key_rotation`], [`key_journal`], [`key_failure`] and
//! [`key_perform`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod config;
pub mod failure;
pub mod fingerprint;
pub mod journal;
pub mod key_config;
pub mod key_failure;
pub mod key_journal;
pub mod key_perform;
pub mod key_rotation;
pub mod key_step;
pub mod machine;
pub mod perform;
pub mod report;
pub mod step;

pub use config::RotationConfig;
pub use failure::{FailureKind, NextStep, RotationFailure};
pub use fingerprint::{FingerprintError, TokenFingerprint};
pub use journal::{JOURNAL_VERSION, Journal, JournalError, JournalPhase};
pub use key_config::{KeyApi, KeyRotationConfig, KeyVerify, RotationId};
pub use key_failure::{KeyFailureKind, KeyRotationFailure, ListedKey};
pub use key_journal::{
    KEY_JOURNAL_VERSION, KeyJournal, KeyJournalError, KeyJournalPhase, NewKeyKind,
};
pub use key_perform::{KeySender, PathRead, perform_key};
pub use key_rotation::{
    KeyAction, KeyCall, KeyCallKind, KeyCallResult, KeyInput, KeyRotation, KeyRotationReport,
    NewKey, VerifyRead,
};
pub use key_step::KeyRotationStep;
pub use machine::{Action, Call, CallKind, CallResult, Input, Rotation};
pub use perform::{AsyncCallSender, CallSender, perform, perform_async, verify_operation};
pub use report::RotationReport;
pub use step::RotationStep;

/// The README's example, compiled and run as a doctest so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
