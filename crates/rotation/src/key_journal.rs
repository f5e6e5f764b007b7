//! The journal of an API key rotation: what a driver persists so that a
//! [`KeyRotation`](crate::KeyRotation) survives a crash.
//!
//! ## What it keeps
//! - The account, the old key's SID, the API, the rotation's id, the kind
//!   (and a restricted key's policy) and friendly name the new key is made
//!   with: nothing secret, and everything a resume needs to make the same
//!   key again.
//! - **The new key's secret only from the create's answer until the sink
//!   has it** (phase [`KeyJournalPhase::Created`]): a key's secret is shown
//!   once, so a crash between the create and the delivery would otherwise
//!   leave a key nobody can use. The journal written once the sink confirmed
//!   ([`KeyJournalPhase::Delivered`]) drops it.
//! - Never the old key's secret, nor the credentials.
//!
//! `Debug` redacts the secret; [`KeyJournal::to_json`]'s bytes are wiped
//! when dropped. Drivers store the journal owner-only all the same.

use std::fmt;

use serde::{Deserialize, Serialize};
use twilio_accounts_core::{AccountSid, ApiKeySecret, ApiKeySid, Policy};
use zeroize::Zeroizing;

use crate::key_config::{KeyApi, RotationId};

/// The key journal format this crate writes and reads.
pub const KEY_JOURNAL_VERSION: u32 = 1;

/// What kind of key the new one is made as: the old key's kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewKeyKind {
    /// A standard key (the only kind the 2010 API makes).
    Standard,
    /// A restricted key with this policy (IAM v1).
    Restricted(Policy),
}

/// Where a journalled key rotation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyJournalPhase {
    /// A create is about to be sent (or was; its answer may be lost): a
    /// resume lists the keys, deletes those carrying this rotation's id
    /// (their secret is held nowhere), and creates again.
    Creating,
    /// The create answered: the new key's SID and secret are here until the
    /// sink has them.
    Created,
    /// The sink has the new key; the journal holds no secret.
    Delivered,
    /// The old key's delete is about to be sent (or was).
    DeletingOld,
    /// The old key is deleted; what is left is checking it is refused.
    OldDeleted,
}

impl KeyJournalPhase {
    fn as_str(self) -> &'static str {
        match self {
            KeyJournalPhase::Creating => "creating",
            KeyJournalPhase::Created => "created",
            KeyJournalPhase::Delivered => "delivered",
            KeyJournalPhase::DeletingOld => "deleting_old",
            KeyJournalPhase::OldDeleted => "old_deleted",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [
            KeyJournalPhase::Creating,
            KeyJournalPhase::Created,
            KeyJournalPhase::Delivered,
            KeyJournalPhase::DeletingOld,
            KeyJournalPhase::OldDeleted,
        ]
        .into_iter()
        .find(|p| p.as_str() == text)
    }
}

/// The durable state of a key rotation.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyJournal {
    /// The account whose key is rotated.
    pub account_sid: AccountSid,
    /// The key being replaced.
    pub old_sid: ApiKeySid,
    /// The API both keys are managed through.
    pub api: KeyApi,
    /// The rotation's id, in the new key's friendly name.
    pub rotation_id: RotationId,
    /// The new key's kind (the old one's).
    pub kind: NewKeyKind,
    /// The new key's friendly name (it ends with the id's marker).
    pub friendly_name: String,
    /// Where the rotation is.
    pub phase: KeyJournalPhase,
    /// The new key's SID, once the create answered.
    pub new_sid: Option<ApiKeySid>,
    /// The new key's secret, only in [`KeyJournalPhase::Created`].
    pub new_secret: Option<ApiKeySecret>,
}

/// Why a key journal could not be read, or not resumed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyJournalError {
    /// Not a key rotation journal, or damaged.
    #[error(
        "the state file is not a key rotation journal ({0}); it was not written by this tool or is damaged"
    )]
    Malformed(String),
    /// Written by a newer version.
    #[error(
        "the state file has format version {0}, newer than this tool understands; upgrade twilio-accounts"
    )]
    UnsupportedVersion(u32),
    /// For another account or key than the one asked for.
    #[error("the state file records the rotation of key {old_sid} of account {account_sid}")]
    OtherKey {
        /// The journal's account.
        account_sid: AccountSid,
        /// The journal's old key.
        old_sid: ApiKeySid,
    },
}

#[derive(Serialize, Deserialize)]
struct KeyJournalFile<'a> {
    version: u32,
    account_sid: AccountSid,
    old_sid: ApiKeySid,
    api: &'a str,
    rotation_id: &'a str,
    key_type: &'a str,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    policy: Option<Policy>,
    friendly_name: &'a str,
    phase: &'a str,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    new_sid: Option<ApiKeySid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    new_secret: Option<&'a str>,
}

impl KeyJournal {
    /// The journal as JSON bytes, wiped when dropped. It can hold the new
    /// key's secret (see [`KeyJournal::new_secret`]): store it owner-only.
    pub fn to_json(&self) -> Zeroizing<Vec<u8>> {
        let (key_type, policy) = match &self.kind {
            NewKeyKind::Standard => ("standard", None),
            NewKeyKind::Restricted(policy) => ("restricted", Some(policy.clone())),
        };
        let file = KeyJournalFile {
            version: KEY_JOURNAL_VERSION,
            account_sid: self.account_sid,
            old_sid: self.old_sid,
            api: self.api.as_str(),
            rotation_id: self.rotation_id.as_str(),
            key_type,
            policy,
            friendly_name: &self.friendly_name,
            phase: self.phase.as_str(),
            new_sid: self.new_sid,
            new_secret: self.new_secret.as_ref().map(ApiKeySecret::expose_secret),
        };
        Zeroizing::new(serde_json::to_vec_pretty(&file).unwrap_or_default())
    }

    /// Reads a journal written by [`KeyJournal::to_json`], checking that
    /// each phase holds what it needs and nothing more.
    pub fn from_json(bytes: &[u8]) -> Result<Self, KeyJournalError> {
        let malformed = |what: &str| KeyJournalError::Malformed(what.to_owned());
        let file: KeyJournalFile<'_> = serde_json::from_slice(bytes).map_err(|e| {
            KeyJournalError::Malformed(format!("line {}, column {}", e.line(), e.column()))
        })?;
        if file.version > KEY_JOURNAL_VERSION {
            return Err(KeyJournalError::UnsupportedVersion(file.version));
        }
        let phase = KeyJournalPhase::parse(file.phase).ok_or_else(|| malformed("unknown phase"))?;
        let api = KeyApi::parse(file.api).ok_or_else(|| malformed("unknown api"))?;
        let rotation_id =
            RotationId::new(file.rotation_id).ok_or_else(|| malformed("bad rotation id"))?;
        let kind = match (file.key_type, file.policy) {
            ("standard", None) => NewKeyKind::Standard,
            ("restricted", Some(policy)) => NewKeyKind::Restricted(policy),
            _ => {
                return Err(malformed(
                    "unknown key type, or a policy that does not fit it",
                ));
            }
        };
        if !rotation_id.made(Some(file.friendly_name)) {
            return Err(malformed(
                "the friendly name does not carry the rotation id",
            ));
        }
        let new_secret = file
            .new_secret
            .map(ApiKeySecret::new)
            .transpose()
            .map_err(|_| malformed("the new secret is empty or malformed"))?;
        let needs_sid = phase != KeyJournalPhase::Creating;
        if needs_sid != file.new_sid.is_some() {
            return Err(malformed("the new key's SID does not fit the phase"));
        }
        if (phase == KeyJournalPhase::Created) != new_secret.is_some() {
            return Err(malformed(
                "the new secret is kept exactly from the create's answer until delivery",
            ));
        }
        Ok(KeyJournal {
            account_sid: file.account_sid,
            old_sid: file.old_sid,
            api,
            rotation_id,
            kind,
            friendly_name: file.friendly_name.to_owned(),
            phase,
            new_sid: file.new_sid,
            new_secret,
        })
    }
}

impl fmt::Debug for KeyJournal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyJournal")
            .field("account_sid", &self.account_sid)
            .field("old_sid", &self.old_sid)
            .field("api", &self.api)
            .field("rotation_id", &self.rotation_id)
            .field("kind", &self.kind)
            .field("friendly_name", &self.friendly_name)
            .field("phase", &self.phase)
            .field("new_sid", &self.new_sid)
            .field("new_secret", &self.new_secret)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn created() -> KeyJournal {
        KeyJournal {
            account_sid: "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap(),
            old_sid: "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap(),
            api: KeyApi::Iam,
            rotation_id: RotationId::new("r-abcd1234").unwrap(),
            kind: NewKeyKind::Restricted(Policy::allow(["/twilio/iam/api-keys/read"]).unwrap()),
            friendly_name: "app (rotation r-abcd1234)".into(),
            phase: KeyJournalPhase::Created,
            new_sid: Some("SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb".parse().unwrap()),
            new_secret: Some(ApiKeySecret::new("s3cr3tvalue").unwrap()),
        }
    }

    #[test]
    fn a_journal_reads_back_as_written_and_debug_hides_the_secret() {
        let standard_2010 = KeyJournal {
            api: KeyApi::V2010,
            kind: NewKeyKind::Standard,
            phase: KeyJournalPhase::Delivered,
            new_secret: None,
            ..created()
        };
        for journal in [created(), standard_2010] {
            let json = journal.to_json();
            assert_eq!(KeyJournal::from_json(&json).unwrap(), journal);
            assert!(!format!("{journal:?}").contains("s3cr3tvalue"));
            let text = String::from_utf8(json.to_vec()).unwrap();
            assert!(
                text.contains(&format!("\"api\": \"{}\"", journal.api.as_str())),
                "{text}"
            );
        }
    }

    #[test]
    fn a_secret_outside_the_created_phase_is_refused() {
        let journal = KeyJournal {
            phase: KeyJournalPhase::Delivered,
            ..created()
        };
        assert!(matches!(
            KeyJournal::from_json(&journal.to_json()),
            Err(KeyJournalError::Malformed(_))
        ));
        let journal = KeyJournal {
            new_secret: None,
            ..created()
        };
        assert!(KeyJournal::from_json(&journal.to_json()).is_err());
    }

    #[test]
    fn a_newer_version_and_a_foreign_name_are_refused() {
        let text = String::from_utf8(created().to_json().to_vec()).unwrap();
        let newer = text.replace("\"version\": 1", "\"version\": 2");
        assert_eq!(
            KeyJournal::from_json(newer.as_bytes()),
            Err(KeyJournalError::UnsupportedVersion(2))
        );
        let renamed = text.replace("(rotation r-abcd1234)", "(rotation r-zzzz9999)");
        assert!(KeyJournal::from_json(renamed.as_bytes()).is_err());
        let creating = KeyJournal {
            phase: KeyJournalPhase::Creating,
            ..created()
        };
        assert!(KeyJournal::from_json(&creating.to_json()).is_err());
    }
}
