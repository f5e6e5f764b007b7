//! Messaging geo permissions (`/v1/Messaging/GeoPermissions`): per country, whether the account may send
//! messages there. Kept per account; a PATCH changes a set of countries and answers per entry.
//!
//! The simulator knows a fixed table of countries (a sample of the world, enough to page through and to hit
//! each rule), each with its dialling prefix and a risk class: high-risk countries can be changed only in
//! the Console and unsupported ones (Iran, Syria, Cuba, North Korea) not at all; both answer error 30649 in
//! their entry, as the notes and the spec's example describe. US, CA and PK start enabled (PK as in the
//! spec's example), the rest disabled.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

/// The per-entry error code of a refused change ("Failed to Update Geo Permissions").
pub(crate) const GEO_ERROR: u32 = 30649;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Risk {
    Normal,
    High,
    Unsupported,
}

/// `(ISO 3166 alpha-2, dialling prefix, risk)`.
const COUNTRIES: [(&str, &str, Risk); 40] = [
    ("AE", "+971", Risk::Normal),
    ("AR", "+54", Risk::Normal),
    ("AT", "+43", Risk::Normal),
    ("AU", "+61", Risk::Normal),
    ("BD", "+880", Risk::High),
    ("BE", "+32", Risk::Normal),
    ("BR", "+55", Risk::Normal),
    ("CA", "+1", Risk::Normal),
    ("CH", "+41", Risk::Normal),
    ("CN", "+86", Risk::Normal),
    ("CO", "+57", Risk::Normal),
    ("CU", "+53", Risk::Unsupported),
    ("DE", "+49", Risk::Normal),
    ("DK", "+45", Risk::Normal),
    ("EG", "+20", Risk::Normal),
    ("ES", "+34", Risk::Normal),
    ("FR", "+33", Risk::Normal),
    ("GB", "+44", Risk::Normal),
    ("ID", "+62", Risk::Normal),
    ("IE", "+353", Risk::Normal),
    ("IN", "+91", Risk::Normal),
    ("IR", "+98", Risk::Unsupported),
    ("IT", "+39", Risk::Normal),
    ("JP", "+81", Risk::Normal),
    ("KP", "+850", Risk::Unsupported),
    ("KR", "+82", Risk::Normal),
    ("MX", "+52", Risk::Normal),
    ("NG", "+234", Risk::High),
    ("NL", "+31", Risk::Normal),
    ("NO", "+47", Risk::Normal),
    ("NZ", "+64", Risk::Normal),
    ("PH", "+63", Risk::Normal),
    ("PK", "+92", Risk::High),
    ("PL", "+48", Risk::Normal),
    ("PT", "+351", Risk::Normal),
    ("SE", "+46", Risk::Normal),
    ("SG", "+65", Risk::Normal),
    ("SY", "+963", Risk::Unsupported),
    ("US", "+1", Risk::Normal),
    ("ZA", "+27", Risk::Normal),
];

/// The countries enabled on a new account (PK as in the spec's fetch example, where it is enabled).
const ENABLED_AT_START: [&str; 3] = ["US", "CA", "PK"];

/// The only permission `type` Twilio documents.
const COUNTRY_TYPE: &str = "country";

/// One account's geo permissions.
#[derive(Debug)]
pub(crate) struct GeoPermissions(BTreeMap<&'static str, bool>);

impl Default for GeoPermissions {
    fn default() -> Self {
        GeoPermissions(
            COUNTRIES
                .iter()
                .map(|(code, _, _)| (*code, ENABLED_AT_START.contains(code)))
                .collect(),
        )
    }
}

/// A `CountryCode` the simulator does not know (its text, cut to 8 characters).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct UnknownCountry(pub(crate) String);

impl GeoPermissions {
    /// The permissions of `filter`'s comma-separated countries in that order, or of every country.
    pub(crate) fn fetch(&self, filter: Option<&str>) -> Result<Vec<Value>, UnknownCountry> {
        let codes: Vec<&str> = match filter {
            Some(list) => list.split(',').map(str::trim).collect(),
            None => COUNTRIES.iter().map(|(code, _, _)| *code).collect(),
        };
        codes
            .into_iter()
            .map(|code| {
                let (known, prefix, risk) = COUNTRIES
                    .iter()
                    .find(|(c, _, _)| *c == code)
                    .ok_or_else(|| UnknownCountry(code.chars().take(8).collect()))?;
                let message = match risk {
                    Risk::Normal => "",
                    Risk::High => "High Risk Country",
                    Risk::Unsupported => "Unsupported Country",
                };
                Ok(json!({
                    "country_code": known,
                    "enabled": self.0.get(known).copied().unwrap_or(false),
                    "message": message,
                    "prefix": prefix,
                    "type": COUNTRY_TYPE,
                }))
            })
            .collect()
    }

    /// Applies each entry that may be applied and answers one result per entry, in request order:
    /// the entry's `country_code`, `type` and `enabled` as sent, `error_code` (0 or 30649) and
    /// `error_messages`.
    pub(crate) fn update(&mut self, entries: &[Map<String, Value>]) -> Vec<Value> {
        entries
            .iter()
            .map(|entry| {
                let problem = self.apply(entry);
                json!({
                    "country_code": entry.get("country_code").filter(|v| v.is_string()),
                    "enabled": entry.get("enabled").filter(|v| v.is_boolean()),
                    "error_code": if problem.is_some() { GEO_ERROR } else { 0 },
                    "error_messages": problem.into_iter().collect::<Vec<_>>(),
                    "type": entry.get("type").filter(|v| v.is_string()),
                })
            })
            .collect()
    }

    /// Applies one entry, or says why not.
    fn apply(&mut self, entry: &Map<String, Value>) -> Option<&'static str> {
        let code = entry.get("country_code").and_then(Value::as_str);
        let Some((known, _, risk)) = COUNTRIES.iter().find(|(c, _, _)| Some(*c) == code) else {
            return Some("Invalid country code");
        };
        if entry.get("type").and_then(Value::as_str) != Some(COUNTRY_TYPE) {
            return Some("Invalid permission type");
        }
        let Some(enabled) = entry.get("enabled").and_then(Value::as_bool) else {
            return Some("Invalid value for enabled: expected true or false");
        };
        match risk {
            Risk::High => Some("High risk country permission cannot be updated"),
            Risk::Unsupported => Some("Country is not supported"),
            Risk::Normal => {
                self.0.insert(known, enabled);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn the_country_table_is_sorted_and_unique() {
        let codes: Vec<&str> = COUNTRIES.iter().map(|(c, _, _)| *c).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(codes, sorted);
    }

    #[test]
    fn an_update_applies_normal_countries_and_refuses_the_others_in_their_entry() {
        let mut geo = GeoPermissions::default();
        let cases = [
            (
                json!({"country_code": "GB", "type": "country", "enabled": true}),
                None,
            ),
            (
                json!({"country_code": "US", "type": "country", "enabled": false}),
                None,
            ),
            (
                json!({"country_code": "PK", "type": "country", "enabled": false}),
                Some("High risk country permission cannot be updated"),
            ),
            (
                json!({"country_code": "IR", "type": "country", "enabled": true}),
                Some("Country is not supported"),
            ),
            (
                json!({"country_code": "ZZ", "type": "country", "enabled": true}),
                Some("Invalid country code"),
            ),
            (
                json!({"country_code": "DE", "type": "region", "enabled": true}),
                Some("Invalid permission type"),
            ),
            (
                json!({"country_code": "DE", "type": "country", "enabled": "yes"}),
                Some("Invalid value for enabled: expected true or false"),
            ),
        ];
        for (sent, problem) in cases {
            let result = &geo.update(&[entry(sent.clone())])[0];
            let code = if problem.is_some() { 30649 } else { 0 };
            assert_eq!(result["error_code"], json!(code), "{sent}");
            assert_eq!(
                result["error_messages"],
                json!(problem.into_iter().collect::<Vec<_>>()),
                "{sent}"
            );
        }
        let now = geo.fetch(Some("GB,US,PK,DE")).unwrap_or_default();
        let enabled: Vec<&Value> = now.iter().map(|p| &p["enabled"]).collect();
        assert_eq!(
            enabled,
            [&json!(true), &json!(false), &json!(true), &json!(false)]
        );
        assert_eq!(
            geo.fetch(Some("US,XX")),
            Err(UnknownCountry("XX".to_owned()))
        );
    }
}
