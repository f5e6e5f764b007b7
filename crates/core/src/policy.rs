//! A restricted API key's policy: the permissions it allows and denies,
//! checked against Twilio's limit before it is sent. Used by IAM v1's key
//! operations ([`crate::operations::iam_keys`]).

use serde::{Deserialize, Serialize};

/// The most permissions a restricted key's policy may hold (Twilio's
/// limit, checked here before anything is sent).
pub const MAX_POLICY_PERMISSIONS: usize = 100;

/// Why a [`Policy`] cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// More permissions than Twilio accepts.
    #[error(
        "has {count} permissions, more than the {max} a restricted key may hold; split the access over several keys"
    )]
    TooManyPermissions {
        /// How many the policy has (`allow` and `deny` together).
        count: usize,
        /// The limit ([`MAX_POLICY_PERMISSIONS`]).
        max: usize,
    },
    /// The text is not a JSON object with `allow` and `deny` lists of
    /// strings.
    #[error(
        "is not a JSON object with `allow` and `deny` lists of permission strings (line {line}, column {column})"
    )]
    Malformed {
        /// Where the text went wrong (1-based).
        line: usize,
        /// Where the text went wrong (1-based).
        column: usize,
    },
}

/// A restricted key's policy: the permissions it allows and those it
/// denies, such as `/twilio/messaging/messages/read`.
///
/// Sent as the JSON string the spec wants
/// (`{"allow":["/twilio/messaging/messages/read"]}`; an empty list is left
/// out) and read back from the object Twilio answers with. A policy built
/// here holds at most [`MAX_POLICY_PERMISSIONS`] permissions; one read from
/// Twilio is taken as it is.
///
/// ```
/// use twilio_accounts_core::{Policy, PolicyError};
///
/// let policy = Policy::allow(["/twilio/messaging/messages/read"])?;
/// assert_eq!(policy.to_json_string(), r#"{"allow":["/twilio/messaging/messages/read"]}"#);
/// assert_eq!(Policy::from_json_str(&policy.to_json_string())?, policy);
/// let too_many = Policy::allow((0..101).map(|i| format!("/twilio/p/{i}")));
/// assert!(matches!(
///     too_many,
///     Err(PolicyError::TooManyPermissions { count: 101, max: 100 })
/// ));
/// # Ok::<(), PolicyError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Policy {
    /// What the key may do.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<String>,
    /// What it may not do, even where `allow` says so.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deny: Vec<String>,
}

impl Policy {
    /// A policy of these permissions, checked against Twilio's limit.
    pub fn new(
        allow: impl IntoIterator<Item = impl Into<String>>,
        deny: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<Self, PolicyError> {
        let policy = Policy {
            allow: allow.into_iter().map(Into::into).collect(),
            deny: deny.into_iter().map(Into::into).collect(),
        };
        policy.check()?;
        Ok(policy)
    }

    /// A policy that allows these permissions and denies nothing.
    pub fn allow(allow: impl IntoIterator<Item = impl Into<String>>) -> Result<Self, PolicyError> {
        Self::new(allow, std::iter::empty::<String>())
    }

    /// Reads the JSON text a caller gives (`{"allow":[…],"deny":[…]}`), as
    /// the `Policy` parameter is written; checked against Twilio's limit.
    /// Unknown fields are refused, so that a typo does not widen nothing.
    pub fn from_json_str(text: &str) -> Result<Self, PolicyError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Strict {
            #[serde(default)]
            allow: Vec<String>,
            #[serde(default)]
            deny: Vec<String>,
        }
        let strict: Strict = serde_json::from_str(text).map_err(|e| PolicyError::Malformed {
            line: e.line(),
            column: e.column(),
        })?;
        let policy = Policy {
            allow: strict.allow,
            deny: strict.deny,
        };
        policy.check()?;
        Ok(policy)
    }

    /// The JSON text sent as the `Policy` parameter.
    pub fn to_json_string(&self) -> String {
        // A struct of string lists always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// How many permissions it holds (`allow` and `deny` together).
    pub fn len(&self) -> usize {
        self.allow.len() + self.deny.len()
    }

    /// Whether it holds no permission at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether Twilio accepts its size.
    pub fn check(&self) -> Result<(), PolicyError> {
        if self.len() > MAX_POLICY_PERMISSIONS {
            return Err(PolicyError::TooManyPermissions {
                count: self.len(),
                max: MAX_POLICY_PERMISSIONS,
            });
        }
        Ok(())
    }
}
