//! The bytes the simulator puts on the wire: JSON resources, Twilio error bodies, timestamps and request ids.
//!
//! Written from the OpenAPI description in `spec/twilio_accounts_v1.json` and from what Twilio documents about
//! its errors, never from the client crates' models, so that a bug in a client's model is not mirrored here.

use serde_json::{Value, json};
use time::OffsetDateTime;

/// A Twilio error code and the HTTP status it travels with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TwilioError {
    pub(crate) status: u16,
    pub(crate) code: u32,
}

impl TwilioError {
    /// Wrong or missing credentials, or a token that no longer exists.
    pub(crate) const AUTHENTICATE: Self = Self {
        status: 401,
        code: 20003,
    };
    /// Unknown path, or nothing to promote / delete.
    pub(crate) const NOT_FOUND: Self = Self {
        status: 404,
        code: 20404,
    };
    /// A known path called with the wrong method.
    pub(crate) const METHOD_NOT_ALLOWED: Self = Self {
        status: 405,
        code: 20004,
    };
    /// An unexpected or invalid parameter.
    pub(crate) const INVALID_PARAMETER: Self = Self {
        status: 400,
        code: 20001,
    };
    /// A request body larger than the simulator reads.
    pub(crate) const TOO_LARGE: Self = Self {
        status: 413,
        code: 20001,
    };
    /// Creating a secondary token while one exists, when the simulator is told to refuse it.
    pub(crate) const SECONDARY_EXISTS: Self = Self {
        status: 409,
        code: 20409,
    };
    /// A suspended account's credentials (Twilio's "Account not active"; its use for suspension is
    /// unconfirmed).
    pub(crate) const ACCOUNT_NOT_ACTIVE: Self = Self {
        status: 401,
        code: 20005,
    };
    /// A 2010 list's `PageToken` that does not belong to the page asked for.
    pub(crate) const BAD_PAGE_TOKEN: Self = Self {
        status: 400,
        code: 21481,
    };
    /// A Restricted API key whose policy does not allow the operation.
    pub(crate) const MISSING_PERMISSION: Self = Self {
        status: 401,
        code: 70051,
    };
    /// An account already holds as many API keys (or signing keys) as it may (`--max-keys`).
    pub(crate) const TOO_MANY_KEYS: Self = Self {
        status: 400,
        code: 70151,
    };
    /// Account concurrency exceeded (a fault, or the per-account limit).
    pub(crate) const TOO_MANY_REQUESTS: Self = Self {
        status: 429,
        code: 20429,
    };

    // Public Key Client Validation (`client_validation.rs`). Twilio's notes give the codes but no status:
    // every one of them is an authentication failure here, 401.

    /// The account requires PKCV and the request has no `Twilio-Client-Validation` header.
    pub(crate) const PKCV_REQUIRED: Self = Self {
        status: 401,
        code: 70052,
    };
    /// A `Twilio-Client-Validation` header on a request of an account that does not require PKCV.
    pub(crate) const PKCV_NOT_ENABLED: Self = Self {
        status: 401,
        code: 70053,
    };
    /// `kid` names no public key of the account, or one the simulator cannot verify with.
    pub(crate) const PUBLIC_KEY_INVALID: Self = Self {
        status: 401,
        code: 70154,
    };
    /// A header named in `hrh` is not in the request.
    pub(crate) const SIGNED_HEADER_MISSING: Self = Self {
        status: 401,
        code: 70155,
    };
    /// `rqh` is not the hash of the request as received.
    pub(crate) const REQUEST_HASH_INVALID: Self = Self {
        status: 401,
        code: 70156,
    };
    /// The JWT is not three base64url parts, or its header is not PKCV's (`cty`, `typ`, `alg`, `kid`).
    pub(crate) const JWT_HEADER_INVALID: Self = Self {
        status: 401,
        code: 20152,
    };
    /// `iss` is not the API key the request authenticates with, or `sub` not its account.
    pub(crate) const JWT_ISSUER_OR_SUBJECT_INVALID: Self = Self {
        status: 401,
        code: 20153,
    };
    /// A claim is missing or is not of its type (`hrh` not a sorted list of lower-case names with
    /// `authorization` and `host`, included).
    pub(crate) const JWT_CLAIMS_INVALID: Self = Self {
        status: 401,
        code: 20154,
    };
    /// `exp` is past, too far ahead, or not a number (`nbf` likewise).
    pub(crate) const JWT_EXPIRATION_INVALID: Self = Self {
        status: 401,
        code: 20156,
    };
    /// The signature is not the `kid` key's (Twilio's "Invalid Signature"; not in the notes, see the README).
    pub(crate) const JWT_SIGNATURE_INVALID: Self = Self {
        status: 401,
        code: 20159,
    };
}

/// The Twilio error body: `{"code", "message", "more_info", "status"}`.
pub(crate) fn error_body(error: TwilioError, message: &str) -> Vec<u8> {
    to_bytes(&json!({
        "code": error.code,
        "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{}", error.code),
        "status": error.status,
    }))
}

/// The 201 body of `POST /v1/AuthTokens/Secondary` (`accounts.v1.secondary_auth_token`).
pub(crate) fn secondary_auth_token(
    base_url: &str,
    account_sid: &str,
    token: &str,
    created: &str,
    updated: &str,
) -> Vec<u8> {
    to_bytes(&json!({
        "account_sid": account_sid,
        "date_created": created,
        "date_updated": updated,
        "secondary_auth_token": token,
        "url": format!("{base_url}/v1/AuthTokens/Secondary"),
    }))
}

/// The 200 body of `POST /v1/AuthTokens/Promote` (`accounts.v1.auth_token_promotion`).
pub(crate) fn auth_token_promotion(
    base_url: &str,
    account_sid: &str,
    token: &str,
    created: &str,
    updated: &str,
) -> Vec<u8> {
    to_bytes(&json!({
        "account_sid": account_sid,
        "auth_token": token,
        "date_created": created,
        "date_updated": updated,
        "url": format!("{base_url}/v1/AuthTokens/Promote"),
    }))
}

/// A small HTML page, the kind of body a proxy or an outage answers with.
pub(crate) fn html_page(status: u16, title: &str) -> Vec<u8> {
    format!("<html>\r\n<head><title>{status} {title}</title></head>\r\n<body>\r\n<center><h1>{status} {title}</h1></center>\r\n</body>\r\n</html>\r\n").into_bytes()
}

pub(crate) fn to_bytes(value: &Value) -> Vec<u8> {
    // Serializing a `Value` into a Vec cannot fail (no I/O, string keys only); an empty body is the
    // harmless fallback that keeps this path free of panics.
    serde_json::to_vec(value).unwrap_or_default()
}

/// An ISO 8601 UTC timestamp with second precision, as Accounts v1 sends them: `2015-07-31T04:00:00Z`.
/// RFC 2822, as the 2010 API and IAM v1 write dates: `Fri, 31 Jul 2015 04:00:00 +0000`.
pub(crate) fn rfc2822(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let weekday = at.weekday().to_string();
    let month = at.month().to_string();
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000",
        weekday.get(..3).unwrap_or(""),
        at.day(),
        month.get(..3).unwrap_or(""),
        at.year(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// A timestamp the simulator wrote with [`iso8601`], rewritten in RFC 2822 (unchanged if it is not one).
pub(crate) fn rfc2822_of_iso8601(text: &str) -> String {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_or_else(|_| text.to_owned(), rfc2822)
}

pub(crate) fn iso8601(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// A fresh `Twilio-Request-Id`: `RQ` followed by 32 lowercase hex digits.
pub(crate) fn request_id() -> String {
    format!("RQ{:032x}", rand::random::<u128>())
}

/// True for `AC` followed by 32 hex digits (either case), the spec's `^AC[0-9a-fA-F]{32}$`.
pub(crate) fn is_account_sid(s: &str) -> bool {
    s.len() == 34 && s.starts_with("AC") && s.bytes().skip(2).all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc2822_matches_twilio_example() {
        let at = OffsetDateTime::from_unix_timestamp(1_438_315_200)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(rfc2822(at), "Fri, 31 Jul 2015 04:00:00 +0000");
        assert_eq!(
            rfc2822_of_iso8601("2015-07-31T04:00:00Z"),
            "Fri, 31 Jul 2015 04:00:00 +0000"
        );
    }

    #[test]
    fn iso8601_matches_the_spec_example_format() {
        let at = OffsetDateTime::from_unix_timestamp(1_438_315_200)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(iso8601(at), "2015-07-31T04:00:00Z");
    }

    #[test]
    fn request_ids_are_rq_and_32_hex_digits() {
        let id = request_id();
        assert_eq!(id.len(), 34);
        assert!(id.starts_with("RQ"));
        assert!(id[2..].bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn account_sid_pattern_is_the_spec_one() {
        assert!(is_account_sid("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
        assert!(is_account_sid("AC0123456789ABCDEF0123456789abcdef"));
        assert!(!is_account_sid("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
        assert!(!is_account_sid("CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
        assert!(!is_account_sid("ACgaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    }

    #[test]
    fn error_body_has_the_twilio_shape() {
        let body: Value =
            serde_json::from_slice(&error_body(TwilioError::AUTHENTICATE, "Authenticate"))
                .unwrap_or(Value::Null);
        assert_eq!(
            body,
            json!({"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401})
        );
    }
}
