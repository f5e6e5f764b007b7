//! What a finished rotation did.

use std::time::Duration;

use twilio_accounts_core::AccountSid;

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
