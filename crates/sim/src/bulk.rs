//! Bulk consents (`/v1/Consents/Bulk`) and bulk contacts (`/v1/Contacts/Bulk`): each `Items` value is one
//! JSON object, and the answer is a 201 with one result per item, an invalid item reported in its result
//! (`error_code`, `error_messages`) rather than failing the request.
//!
//! The checks and reasons follow the notes and the spec's examples: the spec's request examples give
//! exactly the spec's response examples (a test holds the simulator to that).

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::phone_number::is_e164;

/// The per-item error code of an invalid consent.
pub(crate) const CONSENT_ERROR: u32 = 30646;
/// The per-item error code of an invalid contact (the one in the spec's example).
pub(crate) const CONTACT_ERROR: u32 = 30647;

/// Which bulk resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BulkKind {
    Consents,
    Contacts,
}

impl BulkKind {
    fn error_code(self) -> u32 {
        match self {
            BulkKind::Consents => CONSENT_ERROR,
            BulkKind::Contacts => CONTACT_ERROR,
        }
    }

    /// The reasons an item of this kind is refused, in the order of its fields.
    fn problems(self, item: &Map<String, Value>) -> Vec<&'static str> {
        let text = |name: &str| item.get(name).and_then(Value::as_str);
        let mut problems = Vec::new();
        if !text("correlation_id").is_some_and(is_correlation_id) {
            problems.push("INVALID_CORRELATION_ID");
        }
        if !text("contact_id").is_some_and(is_e164) {
            problems.push("INVALID_CONTACT_ID");
        }
        match self {
            BulkKind::Consents => {
                if !text("sender_id").is_some_and(is_sender_id) {
                    problems.push("INVALID_SENDER_ID");
                }
                if !text("status").is_some_and(|s| matches!(s, "opt-in" | "opt-out")) {
                    problems.push("INVALID_STATUS");
                }
                if !text("source").is_some_and(|s| CONSENT_SOURCES.contains(&s)) {
                    problems.push("INVALID_SOURCE");
                }
                let date_ok = match item.get("date_of_consent") {
                    None | Some(Value::Null) => true,
                    Some(Value::String(date)) => OffsetDateTime::parse(date, &Rfc3339).is_ok(),
                    Some(_) => false,
                };
                if !date_ok {
                    problems.push("INVALID_DATE_OF_CONSENT");
                }
            }
            BulkKind::Contacts => {
                if !text("country_iso_code").is_some_and(is_country_code) {
                    problems.push("INVALID_COUNTRY_ISO_CODE");
                }
                if !text("zip_code").is_some_and(is_zip_code) {
                    problems.push("INVALID_ZIP_CODE");
                }
            }
        }
        problems
    }

    /// One result per item, in request order: `{correlation_id, error_code, error_messages}`, with
    /// `error_code` 0 and no messages for a valid item.
    pub(crate) fn results(self, items: &[Map<String, Value>]) -> Vec<Value> {
        items
            .iter()
            .map(|item| {
                let problems = self.problems(item);
                let code = if problems.is_empty() {
                    0
                } else {
                    self.error_code()
                };
                json!({
                    "correlation_id": item.get("correlation_id").filter(|v| v.is_string()),
                    "error_code": code,
                    "error_messages": problems,
                })
            })
            .collect()
    }
}

/// The consent `source` values the notes list.
const CONSENT_SOURCES: [&str; 5] = [
    "website",
    "offline",
    "opt-in-message",
    "opt-out-message",
    "others",
];

/// 32 ASCII letters or digits (the spec's examples use ids such as `ad388b5a46b33b874b0d41f7226db2eh`,
/// so not only hex).
fn is_correlation_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A messaging service SID (`MG` + 32 hex), an E.164 number, or a short code (3 to 8 digits: the spec's
/// example sends `123456` and reports no sender error for it).
fn is_sender_id(s: &str) -> bool {
    let service =
        s.len() == 34 && s.starts_with("MG") && s.bytes().skip(2).all(|b| b.is_ascii_hexdigit());
    let short_code = (3..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    service || short_code || is_e164(s)
}

/// ISO 3166 alpha-2: two uppercase letters.
pub(crate) fn is_country_code(s: &str) -> bool {
    s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase())
}

/// 1 to 10 letters, digits, spaces or hyphens (postal codes the world over fit).
fn is_zip_code(s: &str) -> bool {
    (1..=10).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b' ' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    const ID: &str = "ad388b5a46b33b874b0d41f7226db2ef";

    #[test]
    fn each_invalid_field_gives_its_reason_and_a_valid_item_none() {
        let consent = json!({"contact_id": "+19999999999", "correlation_id": ID,
            "sender_id": "MG00000000000000000000000000000001", "status": "opt-in", "source": "website"});
        let contact = json!({"contact_id": "+19999999999", "correlation_id": ID,
            "country_iso_code": "US", "zip_code": "12345"});
        let (consents, contacts) = (BulkKind::Consents, BulkKind::Contacts);
        let cases = [
            (
                consents,
                &consent,
                "correlation_id",
                json!("short"),
                "INVALID_CORRELATION_ID",
            ),
            (
                consents,
                &consent,
                "contact_id",
                json!("+19"),
                "INVALID_CONTACT_ID",
            ),
            (
                consents,
                &consent,
                "sender_id",
                json!("MGxyz"),
                "INVALID_SENDER_ID",
            ),
            (
                consents,
                &consent,
                "status",
                json!("maybe"),
                "INVALID_STATUS",
            ),
            (
                consents,
                &consent,
                "source",
                json!("radio"),
                "INVALID_SOURCE",
            ),
            (
                consents,
                &consent,
                "date_of_consent",
                json!("2025-03-25"),
                "INVALID_DATE_OF_CONSENT",
            ),
            (
                contacts,
                &contact,
                "contact_id",
                json!(19_999_999_999_u64),
                "INVALID_CONTACT_ID",
            ),
            (
                contacts,
                &contact,
                "country_iso_code",
                json!("usa"),
                "INVALID_COUNTRY_ISO_CODE",
            ),
            (
                contacts,
                &contact,
                "zip_code",
                json!(""),
                "INVALID_ZIP_CODE",
            ),
        ];
        for (kind, valid) in [(consents, &consent), (contacts, &contact)] {
            assert_eq!(
                kind.results(&[item(valid.clone())]),
                [json!({"correlation_id": ID, "error_code": 0, "error_messages": []})]
            );
        }
        for (kind, valid, field, bad, reason) in cases {
            let mut bad_item = item(valid.clone());
            bad_item.insert(field.to_owned(), bad);
            let code = if kind == consents { 30646 } else { 30647 };
            // the correlation id comes back as sent, so that the caller can match the result to its item
            let sent_id = bad_item.get("correlation_id").cloned();
            assert_eq!(
                kind.results(&[bad_item]),
                [
                    json!({"correlation_id": sent_id, "error_code": code, "error_messages": [reason]})
                ],
                "{kind:?} {field}"
            );
        }
    }
}
