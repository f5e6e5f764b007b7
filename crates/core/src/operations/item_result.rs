//! Per-item results of the calls that take a list of items (bulk consents,
//! bulk contacts, geo permissions).
//!
//! Those calls answer 201 or 200 even when some items were refused: each
//! item of the answer carries `error_code` (0 for success) and
//! `error_messages`. The core turns the pair into one
//! `error: Option<ItemError>` per item, so a refused item cannot be mistaken
//! for a success and is matched on like any error:
//!
//! ```
//! use twilio_accounts_core::ItemError;
//!
//! # fn handle(error: &Option<ItemError>) -> &'static str {
//! match error {
//!     None => "applied",
//!     Some(ItemError { code: 30649, .. }) => "change it in the Console",
//!     Some(_) => "refused",
//! }
//! # }
//! ```

use serde::Deserialize;

/// Why the server refused one item of a list call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ItemError {
    /// Twilio's error code, e.g. 30646 (a consent item), 30647 (a contact
    /// item), 30649 (a geo permission that cannot be changed here).
    pub code: u32,
    /// What was wrong, as Twilio wrote it: reason codes for bulk items
    /// (`INVALID_CONTACT_ID`, see [`ItemError::reasons`]), sentences for geo
    /// permissions.
    pub messages: Vec<String>,
}

/// A reason code of a refused bulk item (Twilio's documented ones; any other
/// is kept as written).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ItemErrorReason {
    /// `INVALID_CORRELATION_ID`
    InvalidCorrelationId,
    /// `INVALID_SENDER_ID`
    InvalidSenderId,
    /// `INVALID_CONTACT_ID`
    InvalidContactId,
    /// `INVALID_STATUS`
    InvalidStatus,
    /// `INVALID_SOURCE`
    InvalidSource,
    /// `INVALID_DATE_OF_CONSENT`
    InvalidDateOfConsent,
    /// Any other message.
    Other(String),
}

impl ItemErrorReason {
    fn of(message: &str) -> Self {
        match message {
            "INVALID_CORRELATION_ID" => ItemErrorReason::InvalidCorrelationId,
            "INVALID_SENDER_ID" => ItemErrorReason::InvalidSenderId,
            "INVALID_CONTACT_ID" => ItemErrorReason::InvalidContactId,
            "INVALID_STATUS" => ItemErrorReason::InvalidStatus,
            "INVALID_SOURCE" => ItemErrorReason::InvalidSource,
            "INVALID_DATE_OF_CONSENT" => ItemErrorReason::InvalidDateOfConsent,
            other => ItemErrorReason::Other(other.to_owned()),
        }
    }
}

impl ItemError {
    /// The messages as reason codes.
    pub fn reasons(&self) -> impl Iterator<Item = ItemErrorReason> + '_ {
        self.messages.iter().map(|m| ItemErrorReason::of(m))
    }
}

/// `error_code` and `error_messages` as the server sends them.
#[derive(Deserialize, Default)]
pub(crate) struct RawItemError {
    #[serde(default)]
    error_code: Option<u32>,
    #[serde(default)]
    error_messages: Option<Vec<String>>,
}

impl RawItemError {
    /// `None` for a success: a code of 0 (or none) and no messages. Messages
    /// without a code still make an error (code 0), so they are not lost.
    pub(crate) fn into_error(self) -> Option<ItemError> {
        let messages = self.error_messages.unwrap_or_default();
        match self.error_code.unwrap_or(0) {
            0 if messages.is_empty() => None,
            code => Some(ItemError { code, messages }),
        }
    }
}

/// A list field that may be `null`, read as empty.
pub(crate) fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

/// The form pairs of an array parameter: the field `name` once per item,
/// each value the item as one JSON object (how Twilio's official libraries
/// send `Items` and `Permissions`).
pub(crate) fn json_items<T: serde::Serialize>(
    name: &'static str,
    items: &[T],
) -> Vec<(&'static str, String)> {
    items
        .iter()
        // The items are plain structs of strings, enums and booleans:
        // serialising them cannot fail, and an item that somehow did would
        // be sent as `null` for the server to refuse, not dropped.
        .map(|item| {
            (
                name,
                serde_json::to_string(item).unwrap_or_else(|_| "null".to_owned()),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_zero_without_messages_is_a_success_and_anything_else_an_error() {
        let raw = |code, messages: &[&str]| RawItemError {
            error_code: code,
            error_messages: Some(messages.iter().map(|m| m.to_string()).collect()),
        };
        assert_eq!(raw(Some(0), &[]).into_error(), None);
        assert_eq!(raw(None, &[]).into_error(), None);
        assert_eq!(
            raw(Some(30646), &["INVALID_STATUS"]).into_error(),
            Some(ItemError {
                code: 30646,
                messages: vec!["INVALID_STATUS".to_owned()]
            })
        );
        assert_eq!(raw(Some(0), &["odd"]).into_error().unwrap().code, 0);
        let err = raw(Some(30646), &["INVALID_SOURCE", "NEW_ONE"])
            .into_error()
            .unwrap();
        assert_eq!(
            err.reasons().collect::<Vec<_>>(),
            vec![
                ItemErrorReason::InvalidSource,
                ItemErrorReason::Other("NEW_ONE".to_owned())
            ]
        );
    }
}
