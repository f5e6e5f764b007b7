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
use serde_json::{Value, json};

use crate::json_output::{Secrets, ToJson};

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

/// The item error that `error_code` and `error_messages`, as the server
/// sends them, describe: `None` for a success, a code of 0 (or none) and no
/// messages. Messages without a code still make an error (code 0), so they
/// are not lost.
pub(crate) fn item_error(
    error_code: Option<u32>,
    error_messages: Option<Vec<String>>,
) -> Option<ItemError> {
    let messages = error_messages.unwrap_or_default();
    match error_code.unwrap_or(0) {
        0 if messages.is_empty() => None,
        code => Some(ItemError { code, messages }),
    }
}

/// A unique 32-character id that maps an item of a bulk request to its
/// result (`correlation_id`).
///
/// The spec calls it a UUID but its own examples are not all hex, so any 32
/// ASCII letters and digits are accepted; anything else is refused before it
/// is sent, without repeating it. The id is held inline (it is `Copy`): a
/// bulk answer's results carry one each without an allocation.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CorrelationId([u8; CorrelationId::LEN]);

impl CorrelationId {
    /// How long every id is.
    pub const LEN: usize = 32;

    /// Checks that `id` is 32 ASCII letters or digits.
    pub fn new(id: &str) -> Result<Self, crate::error::Error> {
        match <[u8; CorrelationId::LEN]>::try_from(id.as_bytes()) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_alphanumeric) => Ok(CorrelationId(bytes)),
            _ => Err(crate::error::Error::InvalidParameter {
                name: "correlation_id",
                reason: "must be 32 ASCII letters or digits",
            }),
        }
    }

    /// The spec's example id, `ad388b5a46b33b874b0d41f7226db2ef`, for
    /// examples and tests.
    pub fn spec_example() -> Self {
        CorrelationId(*b"ad388b5a46b33b874b0d41f7226db2ef")
    }

    /// The id as it is sent.
    pub fn as_str(&self) -> &str {
        // Every byte was checked to be ASCII when the id was made, so this
        // conversion cannot fail; the fallback is unreachable.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl std::fmt::Debug for CorrelationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("CorrelationId")
            .field(&self.as_str())
            .finish()
    }
}

impl std::fmt::Display for CorrelationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for CorrelationId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::str::FromStr for CorrelationId {
    type Err = crate::error::Error;
    fn from_str(id: &str) -> Result<Self, Self::Err> {
        CorrelationId::new(id)
    }
}

/// A `correlation_id` as the server sent it: an id, or `None` for `null`,
/// a missing field, or a value that is not an id. This library sends only
/// ids, so a result whose id is not one answers none of the request's
/// items; its error is kept all the same.
fn echoed_id(id: Option<&str>) -> Option<CorrelationId> {
    id.and_then(|id| CorrelationId::new(id).ok())
}

/// The result of one item of a bulk request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "RawBulkItem")]
#[non_exhaustive]
pub struct BulkItemResult {
    /// The `correlation_id` of the request item it answers; `None` when
    /// the server sent none, or a value that is not an id (this library
    /// sends only ids, so such a result answers none of the items).
    pub correlation_id: Option<CorrelationId>,
    /// Why the item was refused; `None` when it was accepted.
    pub error: Option<ItemError>,
}

/// The wire shape of one result.
#[derive(Deserialize)]
struct RawBulkItem {
    #[serde(default)]
    correlation_id: Option<String>,
    #[serde(default)]
    error_code: Option<u32>,
    #[serde(default)]
    error_messages: Option<Vec<String>>,
}

impl From<RawBulkItem> for BulkItemResult {
    fn from(raw: RawBulkItem) -> Self {
        BulkItemResult {
            correlation_id: echoed_id(raw.correlation_id.as_deref()),
            error: item_error(raw.error_code, raw.error_messages),
        }
    }
}

/// The answer of a bulk request (`accounts.v1.bulk_consents`,
/// `accounts.v1.bulk_contacts`): one result per item. A 201 does not mean
/// every item was accepted: see [`failures`](Self::failures).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct BulkResults {
    /// One result per request item (a `null` list reads as empty).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub items: Vec<BulkItemResult>,
}

impl BulkResults {
    /// The items the server refused.
    pub fn failures(&self) -> impl Iterator<Item = &BulkItemResult> {
        self.items.iter().filter(|i| i.error.is_some())
    }

    /// The result of the item sent with `id`.
    pub fn get(&self, id: &CorrelationId) -> Option<&BulkItemResult> {
        self.items
            .iter()
            .find(|i| i.correlation_id.as_ref() == Some(id))
    }
}

/// Each item's fields as Twilio named them: `error_code` and
/// `error_messages` are `null` and `[]` for an accepted item.
impl ToJson for BulkItemResult {
    fn to_json(&self, _: Secrets) -> Value {
        json!({
            "correlation_id": self.correlation_id,
            "error_code": self.error.as_ref().map(|e| e.code),
            "error_messages": self.error.as_ref().map(|e| e.messages.clone()).unwrap_or_default(),
        })
    }
}

impl ToJson for BulkResults {
    fn to_json(&self, secrets: Secrets) -> Value {
        json!({
            "items": self.items.iter().map(|i| i.to_json(secrets)).collect::<Vec<_>>(),
        })
    }
}

/// The items of a required array parameter (`Items`, `Permissions`): at
/// least one.
pub(crate) fn required_items<T>(
    name: &'static str,
    items: Vec<T>,
) -> Result<Vec<T>, crate::error::Error> {
    if items.is_empty() {
        return Err(crate::error::Error::InvalidParameter {
            name,
            reason: "needs at least one entry",
        });
    }
    Ok(items)
}

/// A list field that may be `null`, read as empty.
pub(crate) fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the decode reads of a bulk body; `None`: refused.
    fn read(body: impl AsRef<[u8]>) -> Option<BulkResults> {
        let status = http::StatusCode::OK;
        crate::operation::decode_json("test", status, body.as_ref(), None).ok()
    }

    /// Two ids as Twilio's examples write them.
    const A: &str = "ad388b5a46b33b874b0d41f7226db2ef";
    const B: &str = "02520cfa6c432f0e3ec3a38c122d428d";

    fn item(id: Option<&str>, code: u32, messages: &[&str]) -> BulkItemResult {
        BulkItemResult {
            correlation_id: id.map(|id| CorrelationId::new(id).expect("a valid id")),
            error: item_error(
                Some(code),
                Some(messages.iter().map(|m| m.to_string()).collect()),
            ),
        }
    }

    #[test]
    fn bulk_answers_are_read_item_by_item_and_malformed_ones_refused() {
        let two = Some(BulkResults {
            items: vec![
                item(Some(A), 0, &[]),
                item(Some(B), 30646, &["INVALID_STATUS", "INVALID_SOURCE"]),
            ],
        });
        let empty = Some(BulkResults { items: vec![] });
        // (body, what is read; `None`: refused)
        let cases: &[(&str, Option<BulkResults>)] = &[
            (
                r#"{"items":[{"correlation_id":"ad388b5a46b33b874b0d41f7226db2ef","error_code":0,"error_messages":[]},{"correlation_id":"02520cfa6c432f0e3ec3a38c122d428d","error_code":30646,"error_messages":["INVALID_STATUS","INVALID_SOURCE"]}]}"#,
                two.clone(),
            ),
            (
                "\n { \"items\" : [ { \"error_messages\" : [ ] , \"error_code\" : 0 , \"correlation_id\" : \"ad388b5a46b33b874b0d41f7226db2ef\" } ,\n\t{\"error_messages\":[\"INVALID_STATUS\",\"INVALID_SOURCE\"],\"correlation_id\":\"02520cfa6c432f0e3ec3a38c122d428d\",\"error_code\":30646} ] } \r\n",
                two.clone(),
            ),
            (
                r#"{"next":{"a":[1,2.5e3,null,true]},"items":[{"correlation_id":"ad388b5a46b33b874b0d41f7226db2ef","error_code":0,"error_messages":[],"extra":"x"},{"correlation_id":"02520cfa6c432f0e3ec3a38c122d428d","error_code":30646,"error_messages":["INVALID_STATUS","INVALID_SOURCE"]}],"url":null}"#,
                two,
            ),
            (r#"{}"#, empty.clone()),
            (r#"{"items":null}"#, empty.clone()),
            (r#"{"items":[]}"#, empty),
            (
                r#"{"items":[{}]}"#,
                Some(BulkResults {
                    items: vec![BulkItemResult {
                        correlation_id: None,
                        error: None,
                    }],
                }),
            ),
            (
                r#"{"items":[{"correlation_id":null,"error_code":null,"error_messages":null}]}"#,
                Some(BulkResults {
                    items: vec![BulkItemResult {
                        correlation_id: None,
                        error: None,
                    }],
                }),
            ),
            // An id that is not one (none this library sends) answers no
            // item: `None`, with the error kept.
            (
                r#"{"items":[{"correlation_id":"ü","error_code":4294967295,"error_messages":["é"]}]}"#,
                Some(BulkResults {
                    items: vec![item(None, u32::MAX, &["é"])],
                }),
            ),
            (
                r#"{"items":[{"correlation_id":"ad388b5a46b33b874b0d41f7226db2e","error_code":30646,"error_messages":["INVALID_CORRELATION_ID"]},{"correlation_id":"ad388b5a46b33b874b0d41f7226db2eff","error_code":0},{"correlation_id":"ad388b5a-46b3-3b87-4b0d-41f7226db2ef"},{"correlation_id":""}]}"#,
                Some(BulkResults {
                    items: vec![
                        item(None, 30646, &["INVALID_CORRELATION_ID"]),
                        item(None, 0, &[]),
                        item(None, 0, &[]),
                        item(None, 0, &[]),
                    ],
                }),
            ),
            // Escapes are read.
            (
                r#"{"it\u0065ms":[{"correlation_id":"ad388b5a46b33b874b0d41f7226db2e\u0066","error_code":1,"error_messages":["A\"B"]}]}"#,
                Some(BulkResults {
                    items: vec![item(Some(A), 1, &["A\"B"])],
                }),
            ),
            // Not JSON, or not the answer's shape.
            (r#"{"items":[{"error_code":4294967296}]}"#, None),
            (r#"{"items":[{"error_code":-1}]}"#, None),
            (r#"{"items":[{"error_code":1.0}]}"#, None),
            (r#"{"items":[{"error_code":01}]}"#, None),
            (r#"{"items":[{"error_code":"7"}]}"#, None),
            (r#"{"items":[{"correlation_id":7}]}"#, None),
            (r#"{"items":[{"error_messages":[1]}]}"#, None),
            (r#"{"items":[{"error_code":0,"error_code":0}]}"#, None),
            (r#"{"items":[],"items":[]}"#, None),
            (r#"{"items":[{"correlation_id":"a"},]}"#, None),
            (r#"{"items":[{"correlation_id":"a"}]}x"#, None),
            (r#"{"items":[{"correlation_id":"a"}]"#, None),
            ("{\"items\":[{\"correlation_id\":\"\u{1}\"}]}", None),
            ("", None),
        ];
        for (body, expected) in cases {
            assert_eq!(&read(body), expected, "{body:?}");
        }
        // Not UTF-8.
        assert_eq!(read(b"{\"items\":[{\"correlation_id\":\"\xff\"}]}"), None);
    }

    #[test]
    fn a_correlation_id_is_32_ascii_letters_or_digits() {
        // Every byte at every position.
        for at in 0..CorrelationId::LEN {
            for byte in 0..=255u8 {
                let mut id = *b"ad388b5a46b33b874b0d41f7226db2ef";
                id[at] = byte;
                let id = String::from_utf8_lossy(&id).into_owned();
                let expected = id.len() == 32 && id.bytes().all(|b| b.is_ascii_alphanumeric());
                assert_eq!(
                    CorrelationId::new(&id).is_ok(),
                    expected,
                    "{byte:#x} at {at}"
                );
            }
        }
        // 32 bytes, not all ASCII: a character of two, three or four bytes
        // at every position.
        for wide in ["é", "€", "𝄞", "\u{80}", "\u{7ff}"] {
            for at in 0..=(32 - wide.len()) {
                let id = format!(
                    "{}{wide}{}",
                    "a".repeat(at),
                    "b".repeat(32 - wide.len() - at)
                );
                assert_eq!(id.len(), 32);
                assert!(CorrelationId::new(&id).is_err(), "{id:?}");
            }
        }
        for id in [
            "",
            "ad388b5a46b33b874b0d41f7226db2e",
            "ad388b5a46b33b874b0d41f7226db2eff",
        ] {
            assert!(CorrelationId::new(id).is_err(), "{id:?}");
        }
        let id = CorrelationId::new("AD388B5A46B33B874B0D41F7226DB2zZ").expect("a valid id");
        assert_eq!(id.as_str(), "AD388B5A46B33B874B0D41F7226DB2zZ");
        assert_eq!(
            format!("{id:?}"),
            r#"CorrelationId("AD388B5A46B33B874B0D41F7226DB2zZ")"#
        );
    }

    #[test]
    fn code_zero_without_messages_is_a_success_and_anything_else_an_error() {
        let raw = |code, messages: &[&str]| {
            item_error(code, Some(messages.iter().map(|m| m.to_string()).collect()))
        };
        assert_eq!(raw(Some(0), &[]), None);
        assert_eq!(raw(None, &[]), None);
        assert_eq!(item_error(None, None), None);
        assert_eq!(
            raw(Some(30646), &["INVALID_STATUS"]),
            Some(ItemError {
                code: 30646,
                messages: vec!["INVALID_STATUS".to_owned()]
            })
        );
        assert_eq!(raw(Some(0), &["odd"]).unwrap().code, 0);
        let err = raw(Some(30646), &["INVALID_SOURCE", "NEW_ONE"]).unwrap();
        assert_eq!(
            err.reasons().collect::<Vec<_>>(),
            vec![
                ItemErrorReason::InvalidSource,
                ItemErrorReason::Other("NEW_ONE".to_owned())
            ]
        );
    }
}
