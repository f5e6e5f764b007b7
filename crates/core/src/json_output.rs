//! Typed answers as JSON documents, with secrets redacted unless the caller
//! asks for them: what a script or a command line prints.
//!
//! Secret types never implement `Serialize` (a derive could leak them), so
//! each answer writes its JSON by hand ([`ToJson`], next to the answer's
//! type) and decides for each secret field, from [`Secrets`], whether it is
//! written or replaced by [`REDACTED`].
//!
//! ```
//! use twilio_accounts_core::{ListCredentialPublicKeys, ListOperation, Secrets, ToJson};
//!
//! let body = br#"{"credentials":[{"sid":"CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","friendly_name":"deploy"}],"meta":{"page":0,"page_size":1,"next_page_url":null}}"#;
//! let page = ListCredentialPublicKeys::parse_page(http::StatusCode::OK, body)?;
//! assert_eq!(
//!     page.to_json(Secrets::Redact),
//!     serde_json::json!({
//!         "items": [{"sid": "CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "account_sid": null,
//!                    "friendly_name": "deploy", "date_created": null, "date_updated": null, "url": null}],
//!         "page": 0, "page_size": 1, "next_page_url": null,
//!     })
//! );
//! # Ok::<(), twilio_accounts_core::DecodeError>(())
//! ```

use serde_json::{Value, json};

use crate::page::Page;
use crate::secret::{ApiKeySecret, AuthToken, REDACTED};
use crate::timestamp::Timestamp;

/// Whether secret fields are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Secrets {
    /// Written as `[redacted]`.
    Redact,
    /// Written as they are (the caller asked to see them).
    Reveal,
}

impl Secrets {
    /// A token as JSON: itself or `[redacted]`.
    pub fn token(self, token: &AuthToken) -> Value {
        match self {
            Secrets::Redact => json!(REDACTED),
            Secrets::Reveal => json!(token.expose_secret()),
        }
    }

    /// An API key's secret as JSON: itself or `[redacted]`.
    pub fn api_key_secret(self, secret: &ApiKeySecret) -> Value {
        match self {
            Secrets::Redact => json!(REDACTED),
            Secrets::Reveal => json!(secret.expose_secret()),
        }
    }
}

/// An answer as a JSON value.
///
/// Implemented for every operation's output; the registry's visitor
/// ([`OperationVisitor`](crate::OperationVisitor)) requires it.
pub trait ToJson {
    /// The value, with secrets as `secrets` says.
    fn to_json(&self, secrets: Secrets) -> Value;
}

/// A delete's answer: nothing (`null`).
impl ToJson for () {
    fn to_json(&self, _: Secrets) -> Value {
        Value::Null
    }
}

/// A page: its items and its paging fields, the names of [`Page`]'s fields.
impl<T: ToJson> ToJson for Page<T> {
    fn to_json(&self, secrets: Secrets) -> Value {
        json!({
            "items": self.items.iter().map(|i| i.to_json(secrets)).collect::<Vec<_>>(),
            "page": self.page,
            "page_size": self.page_size,
            "next_page_url": self.next_page_url,
        })
    }
}

/// A model that holds no secret, as its `Serialize` writes it: the field
/// names are the ones it is read with, written once on the type.
pub(crate) fn serialized<T: serde::Serialize>(value: &T) -> Value {
    // Only a map with non-text keys fails, and no model has one.
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// An optional timestamp as RFC 3339 text or `null`.
pub(crate) fn timestamp(value: Option<&Timestamp>) -> Value {
    value.map_or(Value::Null, |t| json!(t.to_rfc3339()))
}

/// An optional SID (or anything with `as_str`) as text or `null`.
pub(crate) fn text<T: AsRef<str>>(value: Option<T>) -> Value {
    value.map_or(Value::Null, |t| json!(t.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_promotion_shows_its_token_only_when_revealed() {
        use crate::operation::Operation;
        let body = br#"{"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","auth_token":"fedcba9876543210fedcba9876543210","date_created":null,"date_updated":"2015-07-31T04:00:00Z","url":null}"#;
        let promotion = crate::PromoteAuthToken::new()
            .parse_success(http::StatusCode::OK, body)
            .unwrap();
        let redacted = promotion.to_json(Secrets::Redact);
        assert_eq!(redacted["auth_token"], "[redacted]");
        assert!(!redacted.to_string().contains("fedcba98"));
        assert_eq!(redacted["date_updated"], "2015-07-31T04:00:00Z");
        assert_eq!(
            promotion.to_json(Secrets::Reveal)["auth_token"],
            "fedcba9876543210fedcba9876543210"
        );
    }

    #[test]
    fn tokens_are_redacted_unless_revealed() {
        let token = AuthToken::new("0123456789abcdef0123456789abcdef").unwrap();
        assert_eq!(Secrets::Redact.token(&token), json!("[redacted]"));
        assert_eq!(
            Secrets::Reveal.token(&token),
            json!("0123456789abcdef0123456789abcdef")
        );
    }
}
