//! The one abstraction every Accounts v1 operation implements.
//!
//! An operation is plain data (its parameters) that knows four things: its
//! method, its path and query, its form fields, and how to read a success
//! body. Everything every request shares (authentication, `Accept`,
//! `User-Agent`, form encoding, error bodies, the request id) is done once by
//! [`RequestContext`](crate::RequestContext), so a new operation is a few
//! lines and cannot get the common parts wrong.
//!
//! Paged list operations are operations too: their `Output` is a
//! [`Page`](crate::Page), and the next page is another value of the same
//! operation built from the page's link (see
//! [`ListCredentialPublicKeys::next_page`](crate::ListCredentialPublicKeys::next_page)).

use http::{HeaderMap, Method, StatusCode};

use crate::error::{DecodeError, DecodeErrorKind, Error};
use crate::retry::Idempotency;
use crate::secret::AuthToken;

/// A request to Accounts v1 and the shape of its answer.
pub trait Operation {
    /// What a success response is read into.
    type Output;

    /// A stable snake_case name for logs and errors, e.g. `promote_auth_token`.
    fn name(&self) -> &'static str;

    /// The HTTP method.
    fn method(&self) -> Method;

    /// Whether sending it twice has the same effect as once. Decides retries:
    /// a non-idempotent operation is never resent once it may have arrived.
    fn idempotency(&self) -> Idempotency;

    /// The path and query, starting with `/v1/`.
    fn path_and_query(&self) -> String;

    /// Form fields for the body. Empty means no body (and, on POST,
    /// `Content-Length: 0`).
    fn form_fields(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// Reads a success (2xx) response.
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError>;
}

/// A typed result with what the response said about itself.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Reply<T> {
    /// The typed result.
    pub value: T,
    /// The response's status.
    pub status: StatusCode,
    /// The response's headers.
    pub headers: HeaderMap,
    /// The `Twilio-Request-Id` header.
    pub request_id: Option<String>,
    /// How many attempts it took (1 when the first one succeeded).
    pub attempts: u32,
}

impl<T> Reply<T> {
    /// Builds a reply (used by [`RequestContext::parse_response`](crate::RequestContext::parse_response)).
    pub fn new(value: T, status: StatusCode, headers: HeaderMap) -> Self {
        let request_id = crate::error::request_id(&headers);
        Reply {
            value,
            status,
            headers,
            request_id,
            attempts: 1,
        }
    }

    /// The typed result alone.
    pub fn into_value(self) -> T {
        self.value
    }
}

/// Decodes a JSON success body into `T`, reporting failures by path and
/// position without the body's text.
///
/// When decoding fails and the body carries a token in `token_field`, the
/// token is read on its own and kept in the error, so that a token Twilio
/// created is never lost to an unrelated malformed field.
pub(crate) fn decode_json<T: serde::de::DeserializeOwned>(
    operation: &'static str,
    status: StatusCode,
    body: &[u8],
    token_field: Option<&'static str>,
) -> Result<T, DecodeError> {
    // The fast path: a plain decode. Only when it fails is the body decoded
    // again with path tracking, to say where.
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let (path, inner) = match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Ok(value) => match deserializer.end() {
            Ok(()) => return Ok(value),
            // Trailing characters after a complete value.
            Err(inner) => (".".to_owned(), inner),
        },
        Err(err) => (err.path().to_string(), err.into_inner()),
    };
    let kind = match inner.classify() {
        serde_json::error::Category::Eof => DecodeErrorKind::Truncated,
        serde_json::error::Category::Syntax | serde_json::error::Category::Io => {
            DecodeErrorKind::Syntax
        }
        serde_json::error::Category::Data => DecodeErrorKind::InvalidField,
    };
    let salvaged_token = match (token_field, &kind) {
        (Some(field), DecodeErrorKind::InvalidField) if path != field => salvage(body, field),
        _ => None,
    };
    Err(DecodeError {
        operation,
        status,
        kind,
        path,
        line: inner.line(),
        column: inner.column(),
        request_id: None,
        salvaged_token,
    })
}

/// Reads only `field` of a JSON object as a token, ignoring everything else.
fn salvage(body: &[u8], field: &'static str) -> Option<AuthToken> {
    struct TokenOnly(&'static str);
    impl<'de> serde::de::DeserializeSeed<'de> for TokenOnly {
        type Value = Option<AuthToken>;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }
    }
    impl<'de> serde::de::Visitor<'de> for TokenOnly {
        type Value = Option<AuthToken>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut token = None;
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if key == self.0 {
                    token = map.next_value::<Option<AuthToken>>().ok().flatten();
                } else {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
            Ok(token)
        }
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde::de::DeserializeSeed::deserialize(TokenOnly(field), &mut deserializer)
        .ok()
        .flatten()
}

/// A decode error for a required field that is absent or `null`.
pub(crate) fn missing_field(
    operation: &'static str,
    status: StatusCode,
    field: &str,
) -> DecodeError {
    DecodeError {
        operation,
        status,
        kind: DecodeErrorKind::MissingField,
        path: field.to_owned(),
        line: 0,
        column: 0,
        request_id: None,
        salvaged_token: None,
    }
}

/// Turns an `Option<bool>` into a form value (`true` / `false`).
pub(crate) fn bool_field(value: bool) -> String {
    if value { "true" } else { "false" }.to_owned()
}

impl From<DecodeError> for Error {
    fn from(err: DecodeError) -> Self {
        Error::Decode(Box::new(err))
    }
}
