//! The one abstraction every Accounts v1 operation implements.
//!
//! An operation is plain data (its parameters) that declares, once, what the
//! spec says about it: its `operationId` ([`Operation::ID`], the key in logs,
//! errors and the simulator's routes), its method, its idempotency, its path
//! template and its parameters. At run time it hands over typed values only:
//! the values of its path placeholders ([`PathValue`], which only SIDs
//! make, so nothing can inject a `/` or a `?`), its query pairs and its form
//! pairs. Everything every request shares (the path, form encoding of both
//! query and body, authentication, `Accept`, `User-Agent`, error bodies, the
//! request id) is done once by [`RequestContext`](crate::context::RequestContext),
//! so a new operation is a declaration and a parser and cannot get the
//! common parts wrong.
//!
//! Paged list operations are operations too: their `Output` is a
//! [`Page`](crate::page::Page), and the next page is a
//! [`NextPage`](crate::page::NextPage) of the same list (see
//! [`ListOperation::next_page`](crate::page::ListOperation::next_page)).
//!
//! Every operation is listed once in the [registry](crate::operations::OPERATIONS).
//!
//! ```
//! use twilio_accounts_core::{Idempotency, Operation, PromoteAuthToken};
//!
//! assert_eq!(PromoteAuthToken::ID, "UpdateAuthTokenPromotion");
//! assert_eq!(PromoteAuthToken::METHOD, http::Method::POST);
//! assert_eq!(PromoteAuthToken::PATH, "/v1/AuthTokens/Promote");
//! assert_eq!(PromoteAuthToken::IDEMPOTENCY, Idempotency::NotIdempotent);
//! ```

use http::{HeaderMap, Method, StatusCode};

use crate::endpoint::Service;
use crate::error::{DecodeError, DecodeErrorKind, Error, SalvagedSecret};
use crate::retry::Idempotency;
use crate::sid::{AccountSid, ApiKeySid, CredentialSid};

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParameterLocation {
    /// A `{Name}` segment of the path template.
    Path,
    /// A query pair.
    Query,
    /// A pair of the form body.
    Form,
}

/// Who documents a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParameterSource {
    /// The OpenAPI description of Accounts v1.
    Spec,
    /// Twilio's official libraries only (e.g. `SuppressEmailNotification`):
    /// real, but absent from the spec.
    OfficialLibraries,
}

/// A parameter an operation can send, as the API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Parameter {
    /// The name on the wire, e.g. `PageSize`.
    pub name: &'static str,
    /// Path, query or form.
    pub location: ParameterLocation,
    /// Whether the spec documents it.
    pub source: ParameterSource,
}

impl Parameter {
    /// A parameter the spec documents.
    pub const fn spec(name: &'static str, location: ParameterLocation) -> Self {
        Parameter {
            name,
            location,
            source: ParameterSource::Spec,
        }
    }

    /// A parameter only the official libraries send.
    pub const fn official_libraries(name: &'static str, location: ParameterLocation) -> Self {
        Parameter {
            name,
            location,
            source: ParameterSource::OfficialLibraries,
        }
    }
}

/// The value of one `{Name}` segment of a path template.
///
/// Only the core's typed identifiers make one (`From<&CredentialSid>` and
/// the other SIDs), and a SID is two letters and 32 hex digits: a path value
/// can never carry a `/`, a `?`, a `#` or a `%`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathValue<'a> {
    name: &'static str,
    value: &'a str,
}

impl<'a> PathValue<'a> {
    /// The value of the `{name}` placeholder.
    pub fn new(name: &'static str, value: impl Into<PathSegment<'a>>) -> Self {
        PathValue {
            name,
            value: value.into().0,
        }
    }

    /// The placeholder's name, e.g. `Sid`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The segment's text.
    pub fn value(&self) -> &'a str {
        self.value
    }
}

/// Text that is safe as one path segment: made only from typed identifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathSegment<'a>(&'a str);

macro_rules! path_segment_from_sid {
    ($($sid:ty),*) => {$(
        impl<'a> From<&'a $sid> for PathSegment<'a> {
            fn from(sid: &'a $sid) -> Self {
                PathSegment(sid.as_str())
            }
        }
    )*};
}

path_segment_from_sid!(AccountSid, ApiKeySid, CredentialSid);

/// A request to a Twilio API (Accounts v1, or the 2010 API's Accounts
/// resource) and the shape of its answer.
///
/// The constants are what the spec says about the operation; the registry
/// ([`crate::operations::OPERATIONS`]) reads them, and a test checks them
/// against the spec.
pub trait Operation {
    /// What a success response is read into.
    type Output;

    /// The spec's `operationId`, e.g. `UpdateAuthTokenPromotion`: the key in
    /// logs, errors and the simulator's routes.
    const ID: &'static str;

    /// The HTTP method.
    const METHOD: Method;

    /// Which Twilio API it belongs to, and so which host it goes to (the
    /// [`Endpoint`](crate::endpoint::Endpoint) maps it): Accounts v1 unless
    /// it says otherwise.
    const SERVICE: Service = Service::Accounts;

    /// Whether sending it twice has the same effect as once. Decides retries:
    /// a non-idempotent operation is never resent once it may have arrived.
    const IDEMPOTENCY: Idempotency;

    /// The spec's path template, e.g. `/v1/Credentials/PublicKeys/{Sid}`.
    const PATH: &'static str;

    /// Every parameter it can send.
    const PARAMETERS: &'static [Parameter] = &[];

    /// The success field that carries a secret (an Auth Token), if any: a
    /// token there is salvaged from a body that fails to decode, and tests
    /// check it never leaks into an error.
    const SECRET_FIELD: Option<&'static str> = None;

    /// The parameters whose values are secrets (`Credentials` of AWS
    /// credentials): a caller that takes them as text warns when they come
    /// from a command line, and never shows them.
    const SECRET_PARAMETERS: &'static [&'static str] = &[];

    /// What a 404 means for this operation, said to the caller.
    const NOT_FOUND_HINT: Option<&'static str> = None;

    /// The values of the path template's placeholders.
    fn path_values(&self) -> Vec<PathValue<'_>> {
        Vec::new()
    }

    /// Query pairs, in order; the context encodes them.
    fn query(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// Writes the body's fields, in order, into `form`, which encodes them
    /// as they come (see [`Form`](crate::form::Form)). Writing nothing means
    /// no body (and, on POST, `Content-Length: 0`).
    fn form(&self, form: &mut crate::form::Form) {
        let _ = form;
    }

    /// A path and query the server sent, followed instead of the template
    /// (a list's next page). Only [`NextPage`](crate::page::NextPage) has one,
    /// after checking that it leads to the same list.
    fn followed_link(&self) -> Option<&str> {
        None
    }

    /// Reads a success (2xx) response.
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError>;
}

/// The operationId of a request, in its extensions (set by
/// [`Exchange::request`](crate::transport::Exchange::request), next to the
/// attempt number), so that a transport can log it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationId(pub &'static str);

/// `template` with its `{Name}` placeholders filled from `values`.
///
/// A placeholder without a value is an error, not an empty segment. The
/// values are SIDs (see [`PathValue`]), which need no percent-encoding.
pub(crate) fn render_path(template: &str, values: &[PathValue<'_>]) -> Result<String, Error> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let (before, placeholder) = rest.split_at(open);
        let close = placeholder.find('}').ok_or(Error::InvalidParameter {
            name: "path",
            reason: "has an unclosed placeholder",
        })?;
        let name = &placeholder[1..close];
        let value = values
            .iter()
            .find(|v| v.name == name)
            .ok_or(Error::InvalidParameter {
                name: "path",
                reason: "has a placeholder without a value",
            })?;
        out.push_str(before);
        out.push_str(value.value);
        rest = &placeholder[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
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
    /// How many attempts it took (1 when the first one succeeded).
    pub attempts: u32,
}

impl<T> Reply<T> {
    /// Builds a reply (used by [`RequestContext::parse_response`](crate::context::RequestContext::parse_response)).
    pub fn new(value: T, status: StatusCode, headers: HeaderMap) -> Self {
        Reply {
            value,
            status,
            headers,
            attempts: 1,
        }
    }

    /// The `Twilio-Request-Id` header, if it is printable, cut at 512
    /// characters (Twilio's are 34).
    ///
    /// Read from [`headers`](Reply::headers) when asked rather than copied
    /// into every reply: most callers never look at it.
    pub fn request_id(&self) -> Option<&str> {
        crate::error::request_id_text(&self.headers)
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
    decode_json_salvaging(operation, status, body, token_field.map(Salvage::AuthToken))
}

/// [`decode_json`] for the answer of an API key's create: when decoding
/// fails, the key's secret in `secret_field` is read on its own and kept in
/// the error ([`DecodeError::salvaged_api_key_secret`]). Twilio shows a
/// key's secret only once, so losing it to an unrelated malformed field
/// would leave a key nobody can use.
pub(crate) fn decode_json_keeping_key_secret<T: serde::de::DeserializeOwned>(
    operation: &'static str,
    status: StatusCode,
    body: &[u8],
    secret_field: &'static str,
) -> Result<T, DecodeError> {
    decode_json_salvaging(
        operation,
        status,
        body,
        Some(Salvage::ApiKeySecret(secret_field)),
    )
}

/// Which secret a failed decode keeps, and from which field.
#[derive(Clone, Copy)]
enum Salvage {
    AuthToken(&'static str),
    ApiKeySecret(&'static str),
}

fn decode_json_salvaging<T: serde::de::DeserializeOwned>(
    operation: &'static str,
    status: StatusCode,
    body: &[u8],
    salvage_from: Option<Salvage>,
) -> Result<T, DecodeError> {
    // A well-formed answer (nearly every one) is decoded without tracking
    // the path: `serde_path_to_error` copies every key it passes, which
    // doubled the cost of a decode. Only a body that fails is decoded again,
    // tracked, to say where it failed; serde_json fails the same way both
    // times.
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
    let salvaged = match (salvage_from, &kind) {
        (Some(Salvage::AuthToken(field)), DecodeErrorKind::InvalidField) if path != field => {
            salvage(body, field).map(SalvagedSecret::AuthToken)
        }
        (Some(Salvage::ApiKeySecret(field)), DecodeErrorKind::InvalidField) if path != field => {
            salvage(body, field).map(SalvagedSecret::ApiKeySecret)
        }
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
        salvaged,
    })
}

/// Reads only `field` of a JSON object as a secret (a token, a key's
/// secret), ignoring everything else.
fn salvage<S: serde::de::DeserializeOwned>(body: &[u8], field: &'static str) -> Option<S> {
    struct TokenOnly<S>(&'static str, std::marker::PhantomData<S>);
    impl<'de, S: serde::de::DeserializeOwned> serde::de::DeserializeSeed<'de> for TokenOnly<S> {
        type Value = Option<S>;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }
    }
    impl<'de, S: serde::de::DeserializeOwned> serde::de::Visitor<'de> for TokenOnly<S> {
        type Value = Option<S>;
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
                    token = map.next_value::<Option<S>>().ok().flatten();
                } else {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
            Ok(token)
        }
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde::de::DeserializeSeed::deserialize(
        TokenOnly(field, std::marker::PhantomData),
        &mut deserializer,
    )
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
        salvaged: None,
    }
}

/// A boolean as a form or query value (`true` / `false`).
pub(crate) fn bool_field(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

impl From<DecodeError> for Error {
    fn from(err: DecodeError) -> Self {
        Error::Decode(Box::new(err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_reads_its_request_id_from_its_headers() {
        let long = "RQ".to_owned() + &"a".repeat(600);
        let cases: &[(&[u8], Option<&str>)] = &[
            (
                b"RQaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                Some("RQaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            ),
            (b"", Some("")),
            // Not visible ASCII: not shown at all.
            ("RQ\u{e9}".as_bytes(), None),
            (long.as_bytes(), Some(&long[..512])),
        ];
        for (value, expected) in cases {
            let mut headers = HeaderMap::new();
            headers.insert(
                crate::error::REQUEST_ID_HEADER,
                http::HeaderValue::from_bytes(value).unwrap(),
            );
            let reply = Reply::new((), StatusCode::OK, headers);
            assert_eq!(reply.request_id(), *expected, "{value:?}");
        }
        let bare = Reply::new((), StatusCode::OK, HeaderMap::new());
        assert_eq!(bare.request_id(), None);
    }

    #[test]
    fn path_templates_are_filled_from_typed_values_only() {
        let sid = CredentialSid::EXAMPLE;
        let values = [PathValue::new("Sid", &sid)];
        assert_eq!(
            render_path("/v1/Credentials/PublicKeys/{Sid}", &values).unwrap(),
            "/v1/Credentials/PublicKeys/CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        );
        assert_eq!(
            render_path("/v1/AuthTokens/Promote", &[]).unwrap(),
            "/v1/AuthTokens/Promote"
        );
        for broken in [
            "/v1/Credentials/PublicKeys/{Sid}",
            "/v1/A/{Other}",
            "/v1/A/{Sid",
        ] {
            let values = if broken.contains("Other") {
                &values[..]
            } else {
                &[][..]
            };
            assert!(
                matches!(
                    render_path(broken, values),
                    Err(Error::InvalidParameter { name: "path", .. })
                ),
                "{broken}"
            );
        }
    }
}
