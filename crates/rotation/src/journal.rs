//! The journal: what a driver persists so that a rotation survives a crash.
//!
//! Before every step that changes Twilio, the machine asks the driver to
//! persist a [`Journal`]; [`Rotation::resume`](crate::Rotation::resume)
//! continues from it. The [`JournalPhase`] says which step may have reached
//! Twilio, and so what a resume must find out first.
//!
//! ## What the journal keeps
//! - **Never the old token.** A [`TokenFingerprint`] of it tells it apart;
//!   at resume the token comes again from the credentials the user gives
//!   (the old token, still in the environment, or the new one from where it
//!   was delivered: the fingerprints say which).
//! - **The new token only from the sink's confirmation until the promote is
//!   decided** (phases `delivered` and `promoting`). Before the promote, a
//!   resume must check that the secondary it is about to promote is the
//!   sink's token (a secondary created by someone else meanwhile would
//!   otherwise become the primary, and nobody would have it); a promote
//!   whose answer was lost is probed with it. The journal written as soon
//!   as the promote is decided (`promoted`) drops it, and a resume from
//!   there checks the new token only when the user gives it.
//! - **Only the fingerprints once finished** (`done`): a resume of a
//!   finished journal checks what it says (the new token authenticates, or
//!   the old one is refused) rather than reporting success unseen.
//!
//! A journal written by version 1 or 2 of the format, which kept both
//! tokens from delivery on, is still read (the old token only as its
//! fingerprint); the next journal the rotation writes keeps only what
//! version 3 keeps.

use std::fmt;

use twilio_accounts_core::{AccountSid, AuthToken};
use zeroize::Zeroizing;

use crate::fingerprint::TokenFingerprint;

/// The journal format version this crate writes; it reads every version up
/// to this one.
///
/// Version 3 keeps fingerprints instead of tokens (see the
/// [module docs](self)); version 2 added [`JournalPhase::WrongAccount`].
/// An older tool refuses a version-3 journal as newer, asking for an
/// upgrade, rather than misreading a journal without tokens as damaged.
pub const JOURNAL_VERSION: u32 = 3;

/// The durable state of a rotation.
#[derive(Clone, PartialEq, Eq)]
pub struct Journal {
    /// The account being rotated.
    pub account_sid: AccountSid,
    /// Where the rotation is.
    pub phase: JournalPhase,
    /// The fingerprint of the token being replaced, when it is known (not
    /// with API-key credentials).
    pub old_fingerprint: Option<TokenFingerprint>,
    /// The fingerprint of the new token, once the sink has it.
    pub new_fingerprint: Option<TokenFingerprint>,
    /// The new token, only in [`JournalPhase::Delivered`] and
    /// [`JournalPhase::Promoting`] (or when read from a version 1 or 2
    /// journal): until the promote is decided, nothing else can tell that
    /// the secondary being promoted is the sink's.
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

/// Why a journal could not be read, or not resumed.
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
    /// The credentials' Auth Token is neither the token the rotation
    /// replaces nor its new token, going by their fingerprints.
    #[error(
        "the Auth Token given is neither the one this rotation replaces nor its new token (the state file keeps a fingerprint of each): give one of those two"
    )]
    UnknownToken,
    /// The rotation stopped before its new token was recorded as delivered,
    /// and the credentials hold that new token: only the token it replaces
    /// can continue it (the new one is deleted and made again).
    #[error(
        "this rotation stopped before its new token was recorded as delivered, so it goes on by deleting that token and creating another: give the current primary token (the one being replaced), not the new one"
    )]
    ResumeWithOldToken,
}

/// The journal as written. The one token it may hold is written through
/// `expose_secret`, the one deliberate place where a token leaves memory;
/// `AuthToken` itself is not `Serialize`.
#[derive(serde::Serialize)]
struct JournalOut<'a> {
    version: u32,
    account_sid: AccountSid,
    phase: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    old_fingerprint: Option<TokenFingerprint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    new_fingerprint: Option<TokenFingerprint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    new_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    credentials_act_on: Option<AccountSid>,
}

/// Every version as read: version 1 and 2 have `old_token` and keep
/// `new_token` from delivery on; version 3 has the fingerprints.
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
    old_fingerprint: Option<TokenFingerprint>,
    #[serde(default)]
    new_fingerprint: Option<TokenFingerprint>,
    #[serde(default)]
    credentials_act_on: Option<AccountSid>,
}

impl Journal {
    /// The journal brought up to date with the account's current primary
    /// token, read from somewhere the machine cannot see (for a subaccount,
    /// the 2010 API with the parent's credentials): when a `promoting`
    /// journal's new token (by its fingerprint) is already the primary, the
    /// promote happened, and the rotation goes on from `promoted` (which
    /// keeps no token). Anything else is returned as it is, and a resume
    /// probes as for any lost promote answer.
    pub fn with_current_primary(self, current: &AuthToken) -> Journal {
        let is_new = self.new_fingerprint.is_some_and(|f| f.matches(current));
        if self.phase == JournalPhase::Promoting && is_new {
            Journal {
                phase: JournalPhase::Promoted,
                new_token: None,
                ..self
            }
        } else {
            self
        }
    }

    /// The journal as JSON bytes, wiped when dropped. It can hold the new
    /// token (see [`Journal::new_token`]): store it owner-only.
    pub fn to_json(&self) -> Zeroizing<Vec<u8>> {
        let file = JournalOut {
            version: JOURNAL_VERSION,
            account_sid: self.account_sid,
            phase: match self.phase {
                JournalPhase::Creating => "creating",
                JournalPhase::WrongAccount => "wrong_account",
                JournalPhase::Delivered => "delivered",
                JournalPhase::Promoting => "promoting",
                JournalPhase::Promoted => "promoted",
                JournalPhase::Done => "done",
            },
            old_fingerprint: self.old_fingerprint,
            new_fingerprint: self.new_fingerprint,
            new_token: self.new_token.as_ref().map(AuthToken::expose_secret),
            credentials_act_on: self.credentials_act_on,
        };
        Zeroizing::new(serde_json::to_vec_pretty(&file).unwrap_or_default())
    }

    /// Reads a journal written by [`Journal::to_json`], of any version up to
    /// [`JOURNAL_VERSION`]. The old token of a version 1 or 2 journal is
    /// kept only as its fingerprint.
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
        let (old_fingerprint, new_fingerprint) = if file.version < 3 {
            (
                file.old_token.as_ref().map(TokenFingerprint::of),
                file.new_token.as_ref().map(TokenFingerprint::of),
            )
        } else {
            if file.old_token.is_some() {
                return Err(JournalError::Malformed(
                    "a version 3 journal never holds the old token".into(),
                ));
            }
            (file.old_fingerprint, file.new_fingerprint)
        };
        let needs_new = matches!(
            phase,
            JournalPhase::Delivered | JournalPhase::Promoting | JournalPhase::Promoted
        );
        if needs_new && new_fingerprint.is_none() {
            return Err(JournalError::Malformed("the new token is missing".into()));
        }
        let before_promote = matches!(phase, JournalPhase::Delivered | JournalPhase::Promoting);
        if before_promote && file.new_token.is_none() {
            return Err(JournalError::Malformed(
                "the new token is missing (it is kept until the promote is decided)".into(),
            ));
        }
        if let (Some(token), Some(fingerprint)) = (&file.new_token, new_fingerprint)
            && !fingerprint.matches(token)
        {
            return Err(JournalError::Malformed(
                "the new token does not match its fingerprint".into(),
            ));
        }
        if phase == JournalPhase::WrongAccount && file.credentials_act_on.is_none() {
            return Err(JournalError::Malformed(
                "the account the credentials act on is missing".into(),
            ));
        }
        Ok(Journal {
            account_sid: file.account_sid,
            phase,
            old_fingerprint,
            new_fingerprint,
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
            .field("old_fingerprint", &self.old_fingerprint)
            .field("new_fingerprint", &self.new_fingerprint)
            .field("new_token", &self.new_token)
            .field("credentials_act_on", &self.credentials_act_on)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(text: &str) -> AuthToken {
        AuthToken::new(text).unwrap()
    }

    fn promoting(new: &AuthToken) -> Journal {
        Journal {
            account_sid: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap(),
            phase: JournalPhase::Promoting,
            old_fingerprint: Some(TokenFingerprint::of(&token(
                "0ld70ken0ld70ken0ld70ken0ld70ken",
            ))),
            new_fingerprint: Some(TokenFingerprint::of(new)),
            new_token: Some(new.clone()),
            credentials_act_on: None,
        }
    }

    #[test]
    fn a_promoting_journal_whose_new_token_is_primary_is_promoted_and_keeps_no_token() {
        let new = token("new70kennew70kennew70kennew70ken");
        let seen = promoting(&new).with_current_primary(&new);
        assert_eq!(seen.phase, JournalPhase::Promoted);
        assert!(seen.new_token.is_none());
        let old = token("0ld70ken0ld70ken0ld70ken0ld70ken");
        let unseen = promoting(&new).with_current_primary(&old);
        assert_eq!(unseen.phase, JournalPhase::Promoting);
        assert!(unseen.new_token.is_some());
    }
}
