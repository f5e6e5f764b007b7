//! The journal: what a driver persists so that a rotation survives a crash.
//!
//! Before every step that changes Twilio, the machine asks the driver to
//! persist a [`Journal`]; [`Rotation::resume`](crate::Rotation::resume)
//! continues from it. The [`JournalPhase`] says which step may have reached
//! Twilio, and so what a resume must find out first.

use std::fmt;

use twilio_accounts_core::{AccountSid, AuthToken};
use zeroize::Zeroizing;

/// The journal's format version.
pub const JOURNAL_VERSION: u32 = 1;

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
