//! The journal: what a driver persists so that a rotation survives a crash.
//!
//! Before every step that changes Twilio, the machine asks the driver to
//! persist a [`Journal`]; [`Rotation::resume`](crate::Rotation::resume)
//! continues from it. The [`JournalPhase`] says which step may have reached
//! Twilio, and so what a resume must find out first.

use std::fmt;

use twilio_accounts_core::{AccountSid, AuthToken};
use zeroize::Zeroizing;

/// The newest journal format version this crate reads and writes.
///
/// A journal is written with the lowest version that can express it: 1 for
/// every phase version 1 had, 2 only for [`JournalPhase::WrongAccount`]. So
/// a journal of an ordinary rotation stays readable by a tool that knows
/// only version 1, and a tool that knows only version 1 refuses a
/// wrong-account journal as newer (asking for an upgrade) rather than as
/// damaged.
pub const JOURNAL_VERSION: u32 = 2;

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
    /// In [`JournalPhase::WrongAccount`]: the account the credentials act
    /// on, which is not `account_sid`.
    pub credentials_act_on: Option<AccountSid>,
}

/// Where a journalled rotation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JournalPhase {
    /// A create is about to be sent (or was sent; its answer may be lost).
    Creating,
    /// The create answered that the credentials act on another account
    /// ([`Journal::credentials_act_on`]); the secondary it made there is
    /// being deleted, and nothing of it is delivered or promoted.
    WrongAccount,
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
    /// use twilio_accounts_rotation::JournalPhase;
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
    #[serde(skip_serializing_if = "Option::is_none")]
    credentials_act_on: Option<AccountSid>,
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
    #[serde(default)]
    credentials_act_on: Option<AccountSid>,
}

impl Journal {
    /// The journal as JSON bytes, wiped when dropped. It contains tokens:
    /// store it owner-only.
    pub fn to_json(&self) -> Zeroizing<Vec<u8>> {
        let file = JournalOut {
            version: match self.phase {
                JournalPhase::WrongAccount => 2,
                _ => 1,
            },
            account_sid: self.account_sid,
            phase: match self.phase {
                JournalPhase::Creating => "creating",
                JournalPhase::WrongAccount => "wrong_account",
                JournalPhase::Delivered => "delivered",
                JournalPhase::Promoting => "promoting",
                JournalPhase::Promoted => "promoted",
                JournalPhase::Done => "done",
            },
            old_token: self.old_token.as_ref().map(AuthToken::expose_secret),
            new_token: self.new_token.as_ref().map(AuthToken::expose_secret),
            credentials_act_on: self.credentials_act_on,
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
            "wrong_account" => JournalPhase::WrongAccount,
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
        if phase == JournalPhase::WrongAccount && file.credentials_act_on.is_none() {
            return Err(JournalError::Malformed(
                "the account the credentials act on is missing".into(),
            ));
        }
        Ok(Journal {
            account_sid: file.account_sid,
            phase,
            old_token: file.old_token,
            new_token: file.new_token,
            credentials_act_on: file.credentials_act_on,
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
            .field("credentials_act_on", &self.credentials_act_on)
            .finish()
    }
}
