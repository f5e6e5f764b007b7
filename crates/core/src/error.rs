//! Errors a caller can match on.
//!
//! Every error says what happened and what to do, and none contains a secret
//! or a response body that could contain one: success bodies of the Auth Token
//! operations carry tokens, so a decode error keeps the field path and
//! position, never the text. Error bodies from Twilio (`code`, `message`,
//! `more_info`) are kept, since Twilio's error messages do not echo
//! credentials; they are length-capped.
//!
//! Every error from an answer knows its operation (the spec's
//! `operationId`, [`Error::operation`]), and a 404 is explained by what it
//! means for that operation. Messages say what happened in the API's terms;
//! they never name a command of a program built on this library (that
//! program renders its own advice from these typed fields).
//!
//! The cases callers branch on have named checks:
//! [`Error::is_authentication_failed`], [`Error::is_not_found`],
//! [`Error::is_nothing_to_promote`], [`Error::is_rate_limited`],
//! [`Error::is_outcome_unknown`].
//!
//! ```
//! use twilio_accounts_core::Error;
//!
//! let response = http::Response::builder()
//!     .status(401)
//!     .body(br#"{"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}"#.to_vec())
//!     .unwrap();
//! let err = Error::from_error_response("UpdateAuthTokenPromotion", &response, false);
//! assert!(err.is_authentication_failed());
//! assert_eq!(err.operation(), Some("UpdateAuthTokenPromotion"));
//! assert!(matches!(err, Error::Api(ref api) if api.code == Some(20003)));
//! ```

use std::fmt;

use http::{HeaderMap, StatusCode};
use serde::Deserialize;

use crate::credentials::CredentialsError;
use crate::endpoint::{EndpointError, LinkError};
use crate::phone_number::PhoneNumberError;
use crate::secret::{ApiKeySecret, AuthToken, SecretError};
use crate::sid::SidError;
use crate::timestamp::TimestampError;
use crate::user_agent::UserAgentError;

/// The header Twilio uses to identify a request in its logs.
pub const REQUEST_ID_HEADER: &str = "twilio-request-id";

/// The most characters of a server-provided message that an error keeps.
const MAX_MESSAGE_CHARS: usize = 512;

/// Twilio error code: authentication failed.
pub const CODE_AUTHENTICATION_FAILED: u32 = 20003;
/// Twilio error code: resource not found.
pub const CODE_NOT_FOUND: u32 = 20404;
/// Twilio error code: too many concurrent requests.
pub const CODE_TOO_MANY_REQUESTS: u32 = 20429;
/// The 2010 API's code for a page token it does not accept (stale, altered,
/// or from another list).
pub const CODE_INVALID_PAGE_TOKEN: u32 = 21481;

/// Everything that can go wrong between building a request and reading its
/// answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Twilio answered with its JSON error body (`code`, `message`, …).
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The server answered with an RFC 9457 problem body.
    #[error(transparent)]
    Problem(Box<ProblemDetails>),
    /// An error status whose body is empty, HTML, not JSON, or a redirect.
    #[error(transparent)]
    UnexpectedResponse(Box<UnexpectedResponse>),
    /// A success status whose body does not have the documented shape.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// The request may have reached Twilio, but no answer came back, and the
    /// operation cannot be safely repeated (promote, create secondary).
    #[error(
        "{operation}: the request may have reached Twilio but no answer came back ({source}); the outcome is unknown and it was not retried, because repeating it could change the account twice"
    )]
    OutcomeUnknown {
        /// The operation that was sent.
        operation: &'static str,
        /// What the transport reported.
        source: TransportError,
    },
    /// The transport failed and retrying was not possible or did not help.
    #[error(transparent)]
    Transport(TransportError),
    /// A value the caller gave was malformed (a SID, a secret, credentials,
    /// a timestamp, a User-Agent extension): the `?` of the parsers.
    #[error(transparent)]
    InvalidInput(InvalidInput),
    /// The endpoint (region, edge or base URL) was refused.
    #[error(transparent)]
    InvalidEndpoint(#[from] EndpointError),
    /// A link from the server (such as `next_page_url`) was not followed.
    #[error(transparent)]
    InvalidLink(#[from] LinkError),
    /// The key given to `CreateCredentialPublicKey` is not an RSA 2048
    /// public key (a private key, above all, is never sent).
    #[error("PublicKey: {0}")]
    InvalidPublicKey(crate::rsa_public_key::RsaPublicKeyError),
    /// The `Policy` of a restricted API key cannot be sent as it is (too
    /// many permissions, or not the JSON document Twilio reads).
    #[error("Policy: {0}")]
    InvalidPolicy(#[from] crate::policy::PolicyError),
    /// The request could not be signed for Public Key Client Validation
    /// (Auth Token credentials, a request that cannot be canonicalised, a
    /// failed signature); nothing was sent.
    #[error(transparent)]
    Pkcv(#[from] crate::pkcv::PkcvError),
    /// An operation's parameter is out of range.
    #[error("{name} {reason}")]
    InvalidParameter {
        /// The parameter, as the API names it (e.g. `PageSize`).
        name: &'static str,
        /// What is allowed.
        reason: &'static str,
    },
}

/// A value the caller gave that did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidInput {
    /// A SID was malformed.
    #[error(transparent)]
    Sid(#[from] SidError),
    /// A secret was malformed.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// Credentials could not be assembled.
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    /// A timestamp was malformed.
    #[error(transparent)]
    Timestamp(#[from] TimestampError),
    /// A User-Agent extension was malformed.
    #[error(transparent)]
    UserAgent(#[from] UserAgentError),
    /// A phone number was not in E.164 form.
    #[error(transparent)]
    PhoneNumber(#[from] PhoneNumberError),
}

macro_rules! input_error_from {
    ($($source:ty),*) => {$(
        impl From<$source> for Error {
            fn from(err: $source) -> Self {
                Error::InvalidInput(InvalidInput::from(err))
            }
        }
    )*};
}

input_error_from!(
    PhoneNumberError,
    SidError,
    SecretError,
    CredentialsError,
    TimestampError,
    UserAgentError
);

/// A Twilio error body: `{"code": 20003, "message": "Authenticate",
/// "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The operation that was answered (its `operationId`).
    pub operation: &'static str,
    /// The HTTP status of the response.
    pub status: StatusCode,
    /// Twilio's error code, e.g. 20003.
    pub code: Option<u32>,
    /// Twilio's message (capped at 512 characters).
    pub message: String,
    /// A link to the error's documentation.
    pub more_info: Option<String>,
    /// Extra details some errors carry.
    pub details: Option<serde_json::Value>,
    /// The `Twilio-Request-Id` header, for support requests.
    pub request_id: Option<String>,
    /// Whether the request was made with an API key (explains a 20003).
    pub used_api_key: bool,
    /// What a 404 means for the operation (its
    /// [`NOT_FOUND_HINT`](crate::Operation::NOT_FOUND_HINT)), carried in when
    /// the response is read (see [`Error::with_not_found_hint`]).
    pub not_found_hint: Option<&'static str>,
}

/// An RFC 9457 problem-details body.
#[derive(Debug, Clone, PartialEq)]
pub struct ProblemDetails {
    /// The operation that was answered (its `operationId`).
    pub operation: &'static str,
    /// The HTTP status of the response.
    pub status: StatusCode,
    /// The problem type URI.
    pub problem_type: Option<String>,
    /// A short summary.
    pub title: Option<String>,
    /// An explanation of this occurrence (capped at 512 characters).
    pub detail: Option<String>,
    /// Twilio's error code, when present.
    pub code: Option<u32>,
    /// Field-level errors, when present.
    pub errors: Option<serde_json::Value>,
    /// The `Twilio-Request-Id` header.
    pub request_id: Option<String>,
}

/// What kind of body an unexpected response had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyKind {
    /// No body at all.
    Empty,
    /// An HTML page (a proxy, a load balancer, an outage page).
    Html,
    /// JSON, but not an error body.
    OtherJson,
    /// Anything else.
    NotJson,
}

/// An error status whose body Twilio's error format does not describe.
#[derive(Debug, Clone, PartialEq)]
pub struct UnexpectedResponse {
    /// The operation that was answered (its `operationId`).
    pub operation: &'static str,
    /// The HTTP status of the response.
    pub status: StatusCode,
    /// What the body looked like (its text is not kept).
    pub body: BodyKind,
    /// The `Location` header of a redirect, which is never followed.
    pub location: Option<String>,
    /// The `Twilio-Request-Id` header.
    pub request_id: Option<String>,
}

/// What was wrong with a success body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The body is not valid JSON (cut short, or garbage).
    Syntax,
    /// The body ended before the JSON did (truncated).
    Truncated,
    /// A field has the wrong type or an invalid value.
    InvalidField,
    /// A required field is absent or `null`.
    MissingField,
}

/// A success status whose body could not be decoded.
///
/// Success bodies of the Auth Token operations carry tokens, so this keeps
/// the field path and position, never the body. When the token itself could
/// be read, it is kept (redacted in `Debug`) so it is not lost: see
/// [`DecodeError::salvaged_token`].
#[derive(Debug, Clone)]
pub struct DecodeError {
    /// The operation whose answer this was (its `operationId`).
    pub operation: &'static str,
    /// The HTTP status of the response.
    pub status: StatusCode,
    /// What was wrong.
    pub kind: DecodeErrorKind,
    /// The JSON path of the offending field, e.g. `date_created` (`.` for the root).
    pub path: String,
    /// Line of the error in the body (1-based; 0 when not applicable).
    pub line: usize,
    /// Column of the error in the body (1-based; 0 when not applicable).
    pub column: usize,
    /// The `Twilio-Request-Id` header.
    pub request_id: Option<String>,
    pub(crate) salvaged: Option<SalvagedSecret>,
}

/// The secret a failed decode kept: one field, so the error stays small.
#[derive(Debug, Clone)]
pub(crate) enum SalvagedSecret {
    /// An Auth Token (promote, create secondary, a 2010 account).
    AuthToken(AuthToken),
    /// A new API key's secret.
    ApiKeySecret(ApiKeySecret),
}

impl DecodeError {
    /// A token the response carried although another field was malformed.
    ///
    /// A token that Twilio created must never be lost: when the token field
    /// itself was readable, it is here even though the response as a whole
    /// was rejected.
    pub fn salvaged_token(&self) -> Option<&AuthToken> {
        match &self.salvaged {
            Some(SalvagedSecret::AuthToken(token)) => Some(token),
            _ => None,
        }
    }

    /// The secret of a new API key that the create's answer carried
    /// although another field was malformed: Twilio shows a key's secret
    /// only once, so it is kept here rather than lost.
    pub fn salvaged_api_key_secret(&self) -> Option<&ApiKeySecret> {
        match &self.salvaged {
            Some(SalvagedSecret::ApiKeySecret(secret)) => Some(secret),
            _ => None,
        }
    }
}

/// Whether a request may have reached the server before the transport failed.
///
/// This is what decides whether a non-idempotent operation may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Certainly not sent: DNS, connect or TLS handshake failed, or the
    /// connection was refused.
    NotSent,
    /// Some or all of the request may have been written; the server may have
    /// acted on it.
    MaybeSent,
}

/// What kind of transport failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// Could not connect (refused, unreachable, DNS).
    Connect,
    /// The TLS handshake or certificate check failed.
    Tls,
    /// A timeout fired (connect or whole request).
    Timeout,
    /// The connection closed or reset mid-exchange.
    ConnectionClosed,
    /// The response body exceeded the configured cap.
    BodyTooLarge,
    /// The response was not valid HTTP.
    Protocol,
    /// Anything else.
    Other,
}

/// A transport failure, as reported by an adapter or a user transport.
///
/// The message must not contain secrets; adapters build it from the error
/// kind and the host, never from the request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TransportError {
    /// What kind of failure.
    pub kind: TransportErrorKind,
    /// Whether the request may have reached the server.
    pub delivery: Delivery,
    /// A short, secret-free description.
    pub message: String,
}

impl TransportError {
    /// A transport error with a description.
    pub fn new(kind: TransportErrorKind, delivery: Delivery, message: impl Into<String>) -> Self {
        TransportError {
            kind,
            delivery,
            message: message.into(),
        }
    }
}

fn cap(text: &str) -> String {
    // A text of no more bytes than the limit has no more characters.
    if text.len() <= MAX_MESSAGE_CHARS {
        return text.to_owned();
    }
    match text.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// The `Twilio-Request-Id` header of a response, if it is printable, as
/// an error keeps it (cut at 512 characters, with an ellipsis).
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    request_id_header(headers).map(cap)
}

/// The `Twilio-Request-Id` header of a response, if it is printable, cut at
/// 512 characters; borrowed from the headers.
pub fn request_id_text(headers: &HeaderMap) -> Option<&str> {
    // A printable header value is visible ASCII: any byte is a boundary.
    request_id_header(headers).map(|text| &text[..text.len().min(MAX_MESSAGE_CHARS)])
}

fn request_id_header(headers: &HeaderMap) -> Option<&str> {
    // A name made once, so that the lookup does not parse it again.
    const NAME: http::HeaderName = http::HeaderName::from_static(REQUEST_ID_HEADER);
    headers.get(&NAME).and_then(|v| v.to_str().ok())
}

/// The error body shapes Twilio uses, read leniently: every field optional.
#[derive(Deserialize)]
struct ErrorBody {
    code: Option<u32>,
    message: Option<String>,
    more_info: Option<String>,
    details: Option<serde_json::Value>,
    // RFC 9457
    #[serde(rename = "type")]
    problem_type: Option<String>,
    title: Option<String>,
    detail: Option<String>,
    errors: Option<serde_json::Value>,
}

fn body_kind(headers: &HeaderMap, body: &[u8]) -> BodyKind {
    let text = String::from_utf8_lossy(&body[..body.len().min(256)]);
    let start = text.trim_start().to_ascii_lowercase();
    let html_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("html"));
    if body.iter().all(u8::is_ascii_whitespace) {
        BodyKind::Empty
    } else if html_type || start.starts_with("<!doctype html") || start.starts_with("<html") {
        BodyKind::Html
    } else if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() {
        BodyKind::OtherJson
    } else {
        BodyKind::NotJson
    }
}

impl Error {
    /// Interprets a response to `operation` (an `operationId`) whose status
    /// is not a success.
    ///
    /// `used_api_key` says whether the request was authenticated with an API
    /// key, so that a 20003 can explain that Standard keys cannot manage Auth
    /// Tokens.
    pub fn from_error_response(
        operation: &'static str,
        response: &http::Response<Vec<u8>>,
        used_api_key: bool,
    ) -> Error {
        let status = response.status();
        let headers = response.headers();
        let request_id = request_id(headers);
        let body = response.body();
        if status.is_redirection() {
            return Error::UnexpectedResponse(Box::new(UnexpectedResponse {
                operation,
                status,
                body: body_kind(headers, body),
                location: headers
                    .get(http::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .map(cap),
                request_id,
            }));
        }
        if let Ok(parsed) = serde_json::from_slice::<ErrorBody>(body) {
            if parsed.problem_type.is_some() || parsed.title.is_some() || parsed.detail.is_some() {
                return Error::Problem(Box::new(ProblemDetails {
                    operation,
                    status,
                    problem_type: parsed.problem_type.map(|t| cap(&t)),
                    title: parsed.title.map(|t| cap(&t)),
                    detail: parsed.detail.map(|d| cap(&d)),
                    code: parsed.code,
                    errors: parsed.errors,
                    request_id,
                }));
            }
            if parsed.code.is_some() || parsed.message.is_some() {
                return Error::Api(Box::new(ApiError {
                    operation,
                    status,
                    code: parsed.code,
                    message: parsed.message.map(|m| cap(&m)).unwrap_or_default(),
                    more_info: parsed.more_info.map(|m| cap(&m)),
                    details: parsed.details,
                    request_id,
                    used_api_key,
                    not_found_hint: None,
                }));
            }
        }
        Error::UnexpectedResponse(Box::new(UnexpectedResponse {
            operation,
            status,
            body: body_kind(headers, body),
            location: None,
            request_id,
        }))
    }

    /// The operation (its `operationId`) the error is about, when it is
    /// about one: every answer from the server, and a lost answer.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Error::Api(e) => Some(e.operation),
            Error::Problem(e) => Some(e.operation),
            Error::UnexpectedResponse(e) => Some(e.operation),
            Error::Decode(e) => Some(e.operation),
            Error::OutcomeUnknown { operation, .. } => Some(operation),
            _ => None,
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Problem(e) => Some(e.status),
            Error::UnexpectedResponse(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            _ => None,
        }
    }

    /// Twilio's error code, when the body had one.
    pub fn code(&self) -> Option<u32> {
        match self {
            Error::Api(e) => e.code,
            Error::Problem(e) => e.code,
            _ => None,
        }
    }

    /// The `Twilio-Request-Id` of the response, when there was one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.request_id.as_deref(),
            Error::Problem(e) => e.request_id.as_deref(),
            Error::UnexpectedResponse(e) => e.request_id.as_deref(),
            Error::Decode(e) => e.request_id.as_deref(),
            _ => None,
        }
    }

    /// The credentials were refused (HTTP 401 or code 20003): a wrong or old
    /// token, stray whitespace, credentials of another region, or a Standard
    /// API key.
    pub fn is_authentication_failed(&self) -> bool {
        self.code() == Some(CODE_AUTHENTICATION_FAILED)
            || self.status() == Some(StatusCode::UNAUTHORIZED)
    }

    /// The server answered 404: what the operation names does not exist
    /// (see [`ApiError::hint`] for what that means for each operation).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// What the 404 means for the operation that was answered, when the
    /// error is Twilio's "not found" (404 with code 20404 or none) and the
    /// operation says (its `NOT_FOUND_HINT`, carried in by the
    /// [`RequestContext`](crate::RequestContext) that read the response).
    pub fn not_found_hint(&self) -> Option<&'static str> {
        match self {
            Error::Api(e) if e.is_twilio_not_found() => e.not_found_hint,
            _ => None,
        }
    }

    /// The same error, explained by `hint` if it is Twilio's "not found":
    /// what the operation declares a 404 to mean. The context calls it with
    /// the operation's `NOT_FOUND_HINT` for every answer it reads.
    #[must_use]
    pub fn with_not_found_hint(mut self, hint: Option<&'static str>) -> Error {
        if let Error::Api(e) = &mut self {
            e.not_found_hint = hint;
        }
        self
    }

    /// Twilio refused for concurrency (429 / 20429); safe to retry later.
    pub fn is_rate_limited(&self) -> bool {
        self.code() == Some(CODE_TOO_MANY_REQUESTS)
            || self.status() == Some(StatusCode::TOO_MANY_REQUESTS)
    }

    /// A non-idempotent request may or may not have been applied.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Error::OutcomeUnknown { .. })
    }

    /// The request failed in transport (network, TLS, timeout, body cap).
    pub fn is_transport(&self) -> bool {
        matches!(self, Error::Transport(_) | Error::OutcomeUnknown { .. })
    }

    /// The caller's input was refused before anything was sent.
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            Error::InvalidInput(_)
                | Error::InvalidEndpoint(_)
                | Error::InvalidParameter { .. }
                | Error::InvalidPublicKey(_)
                | Error::InvalidPolicy(_)
                | Error::Pkcv(_)
        )
    }
}

impl ApiError {
    /// Twilio's "not found": 404 with code 20404, or with no code.
    pub fn is_twilio_not_found(&self) -> bool {
        self.status == StatusCode::NOT_FOUND && matches!(self.code, Some(CODE_NOT_FOUND) | None)
    }

    /// What to do about this error, when there is something specific to say.
    ///
    /// A 404 is explained by the operation's own hint (a promote's 404 means
    /// there is no secondary token; a fetch's, that there is no such
    /// resource).
    pub fn hint(&self) -> Option<&'static str> {
        match (self.code, self.status.as_u16()) {
            (Some(CODE_AUTHENTICATION_FAILED), _) | (None, 401) if self.used_api_key => Some(
                "Standard API keys cannot manage Auth Tokens; use the account SID and Auth Token or a Main key",
            ),
            (Some(CODE_AUTHENTICATION_FAILED), _) | (None, 401) => Some(
                "check the account SID and Auth Token: a wrong or already replaced token, stray whitespace, or credentials from another region",
            ),
            (Some(CODE_NOT_FOUND) | None, 404) => self.not_found_hint,
            (Some(CODE_TOO_MANY_REQUESTS), _) | (_, 429) => {
                Some("too many concurrent requests: Twilio did not process this one; retry later")
            }
            (Some(CODE_INVALID_PAGE_TOKEN), _) => Some(
                "the page token was not accepted: start again from the first page and follow the links as sent",
            ),
            (Some(code), _) => crate::pkcv::advice(code),
            _ => None,
        }
    }
}

fn write_request_id(f: &mut fmt::Formatter<'_>, request_id: &Option<String>) -> fmt::Result {
    match request_id {
        Some(id) => write!(f, " (request id {id})"),
        None => Ok(()),
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: Twilio answered HTTP {}",
            self.operation,
            self.status.as_u16()
        )?;
        if let Some(code) = self.code {
            write!(f, " with error {code}")?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(hint) = self.hint() {
            write!(f, "; {hint}")?;
        }
        if let Some(more) = &self.more_info {
            write!(f, " (see {more})")?;
        }
        write_request_id(f, &self.request_id)
    }
}

impl std::error::Error for ApiError {}

impl fmt::Display for ProblemDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: HTTP {}", self.operation, self.status.as_u16())?;
        if let Some(code) = self.code {
            write!(f, " error {code}")?;
        }
        if let Some(title) = &self.title {
            write!(f, ": {title}")?;
        }
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        write_request_id(f, &self.request_id)
    }
}

impl std::error::Error for ProblemDetails {}

impl fmt::Display for UnexpectedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.status.as_u16();
        write!(f, "{}: ", self.operation)?;
        if self.status.is_redirection() {
            write!(
                f,
                "HTTP {status} redirect{}; redirects are never followed (credentials would go along): check the base URL",
                self.location
                    .as_deref()
                    .map(|l| format!(" to {l}"))
                    .unwrap_or_default()
            )?;
        } else {
            let what = match self.body {
                BodyKind::Empty => "an empty body",
                BodyKind::Html => "an HTML page (a proxy or an outage, not Twilio's API)",
                BodyKind::OtherJson => "JSON that is not a Twilio error",
                BodyKind::NotJson => "a body that is not JSON",
            };
            write!(f, "HTTP {status} with {what}")?;
            if self.status.is_server_error() {
                f.write_str("; try again later")?;
            }
        }
        write_request_id(f, &self.request_id)
    }
}

impl std::error::Error for UnexpectedResponse {}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            DecodeErrorKind::Syntax => "is not valid JSON",
            DecodeErrorKind::Truncated => "was cut short",
            DecodeErrorKind::InvalidField => "has a field with a wrong type or value",
            DecodeErrorKind::MissingField => "lacks a required field",
        };
        write!(
            f,
            "{}: the HTTP {} response {what}",
            self.operation,
            self.status.as_u16()
        )?;
        if self.path != "." {
            write!(f, " at `{}`", self.path)?;
        }
        if self.line > 0 {
            write!(f, " (line {}, column {})", self.line, self.column)?;
        }
        match self.salvaged {
            Some(SalvagedSecret::AuthToken(_)) => {
                f.write_str("; the token it carried was kept and can be recovered from the error")?
            }
            Some(SalvagedSecret::ApiKeySecret(_)) => f.write_str(
                "; the API key secret it carried was kept and can be recovered from the error",
            )?,
            None => {}
        }
        write_request_id(f, &self.request_id)
    }
}

impl std::error::Error for DecodeError {}

#[cfg(test)]
mod tests {
    use super::*;

    const PROMOTE: &str = "UpdateAuthTokenPromotion";

    fn response(status: u16, content_type: &str, body: &str) -> http::Response<Vec<u8>> {
        http::Response::builder()
            .status(status)
            .header("content-type", content_type)
            .header("Twilio-Request-Id", "RQ0123456789abcdef0123456789abcdef")
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn twilio_error_bodies_become_api_errors() {
        let err = Error::from_error_response(
            PROMOTE,
            &response(
                401,
                "application/json",
                r#"{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}"#,
            ),
            false,
        );
        let Error::Api(api) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(api.code, Some(20003));
        assert_eq!(api.message, "Authenticate");
        assert_eq!(
            api.request_id.as_deref(),
            Some("RQ0123456789abcdef0123456789abcdef")
        );
        assert!(err.is_authentication_failed());
        let text = err.to_string();
        assert!(
            text.contains("20003") && text.contains("RQ0123456789abcdef"),
            "{text}"
        );
    }

    #[test]
    fn details_are_kept() {
        let err = Error::from_error_response(
            PROMOTE,
            &response(
                400,
                "application/json",
                r#"{"code":20001,"message":"Bad","details":{"field":"x"}}"#,
            ),
            false,
        );
        let Error::Api(api) = err else { panic!() };
        assert_eq!(api.details, Some(serde_json::json!({"field": "x"})));
    }

    #[test]
    fn a_20003_with_an_api_key_explains_standard_keys() {
        let body = r#"{"code":20003,"message":"Authenticate","status":401}"#;
        let err =
            Error::from_error_response(PROMOTE, &response(401, "application/json", body), true);
        assert!(
            err.to_string()
                .contains("Standard API keys cannot manage Auth Tokens")
        );
        let err =
            Error::from_error_response(PROMOTE, &response(401, "application/json", body), false);
        assert!(!err.to_string().contains("Standard API keys"));
    }

    #[test]
    fn problem_bodies_are_recognised() {
        let err = Error::from_error_response(
            PROMOTE,
            &response(
                422,
                "application/problem+json",
                r#"{"type":"https://www.twilio.com/docs/errors/21211","title":"Invalid","status":422,"code":21211,"detail":"bad number","errors":[{"field":"To"}]}"#,
            ),
            false,
        );
        let Error::Problem(p) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(p.code, Some(21211));
        assert_eq!(p.title.as_deref(), Some("Invalid"));
        assert_eq!(p.detail.as_deref(), Some("bad number"));
        assert!(p.errors.is_some());
    }

    #[test]
    fn html_empty_and_foreign_bodies_keep_the_status_but_not_the_text() {
        let html = "<html><body>502 Bad Gateway secret-ish</body></html>";
        let err = Error::from_error_response(PROMOTE, &response(502, "text/html", html), false);
        assert!(matches!(
            &err,
            Error::UnexpectedResponse(u) if u.body == BodyKind::Html
        ));
        assert_eq!(err.status(), Some(StatusCode::BAD_GATEWAY));
        assert!(!err.to_string().contains("secret-ish"));
        assert!(!format!("{err:?}").contains("secret-ish"));

        let err = Error::from_error_response(PROMOTE, &response(500, "text/plain", ""), false);
        assert!(matches!(
            err,
            Error::UnexpectedResponse(ref u) if u.body == BodyKind::Empty
        ));
        let err =
            Error::from_error_response(PROMOTE, &response(500, "application/json", "[1,2]"), false);
        assert!(matches!(
            err,
            Error::UnexpectedResponse(ref u) if u.body == BodyKind::OtherJson
        ));
        let err = Error::from_error_response(
            PROMOTE,
            &response(500, "application/json", "{\"code\":"),
            false,
        );
        assert!(matches!(
            err,
            Error::UnexpectedResponse(ref u) if u.body == BodyKind::NotJson
        ));
    }

    #[test]
    fn redirects_say_they_were_not_followed() {
        let mut r = response(302, "text/plain", "");
        r.headers_mut()
            .insert("location", "https://elsewhere.example/".parse().unwrap());
        let err = Error::from_error_response(PROMOTE, &r, false);
        let text = err.to_string();
        assert!(
            text.contains("never followed") && text.contains("elsewhere.example"),
            "{text}"
        );
    }

    #[test]
    fn named_checks() {
        let not_found = Error::from_error_response(
            PROMOTE,
            &response(
                404,
                "application/json",
                r#"{"code":20404,"message":"The requested resource /AuthTokens/Promote was not found","status":404}"#,
            ),
            false,
        );
        assert!(not_found.is_nothing_to_promote());
        assert!(!not_found.is_authentication_failed());
        let limited = Error::from_error_response(
            PROMOTE,
            &response(
                429,
                "application/json",
                r#"{"code":20429,"message":"Too Many Requests","status":429}"#,
            ),
            false,
        );
        assert!(limited.is_rate_limited());
        assert!(!limited.is_nothing_to_promote());
        let unknown = Error::OutcomeUnknown {
            operation: PROMOTE,
            source: TransportError::new(
                TransportErrorKind::ConnectionClosed,
                Delivery::MaybeSent,
                "connection closed",
            ),
        };
        assert!(unknown.is_outcome_unknown() && unknown.is_transport());
        assert!(unknown.to_string().contains("outcome is unknown"));
    }

    #[test]
    fn long_messages_are_capped() {
        let long = "x".repeat(5000);
        let body = format!(r#"{{"code":1,"message":"{long}"}}"#);
        let Error::Api(api) =
            Error::from_error_response(PROMOTE, &response(400, "application/json", &body), false)
        else {
            panic!()
        };
        assert_eq!(api.message.chars().count(), MAX_MESSAGE_CHARS + 1);
    }
}
