//! The checks the fuzz targets run: one function per target, each taking the
//! raw input bytes.
//!
//! This one file serves two builds. `cargo fuzz` compiles it as the library
//! of the `twilio-accounts-fuzz` crate, whose targets in `fuzz_targets/` are
//! one-line wrappers; `tests/fuzz_corpus.rs` includes it with `#[path]` and
//! feeds every committed corpus file through the same functions on stable.
//! A check fails by panicking; the core must never panic, whatever it is fed.
//!
//! Inputs are plain text so that seeds can be written by hand:
//! - `sid`, `timestamp`: the bytes are the string to parse.
//! - `response`, `error_body`: a status line (digits, mapped into 100..=599),
//!   header lines `name: value`, an empty line, then the body.
//! - `endpoint`: lines `base URL`, `region`, `edge`, `link`.
//! - `webhook`: lines `URL`, `signature`, `signature-settings header`,
//!   `tokens (space-separated)`, `params|form|body`, then the payload (for
//!   `params`, one `name=value` per line).
//! - `journal`: the bytes of a journal file.
//!
//! Beyond "does not panic", every check tests a property of what was parsed:
//! re-formatting and re-parsing gives the same value, and no error's
//! `Display` or `Debug` depends on a token the input carried.

#![forbid(unsafe_code)]

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt::{Debug, Display};
use std::ops::Range;
use std::sync::OnceLock;

use http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode};
use sha2::{Digest, Sha256};
use twilio_accounts_core::operations::{OPERATIONS, OperationVisitor, visit_operations};
use twilio_accounts_core::{
    Account, AccountSid, ApiKeySid, AuthToken, AuthTokenPromotion, CredentialSid, Credentials,
    Endpoint, EndpointError, Error, ListOperation, NewAccountKey, NewIamKey, Operation, Page,
    PlainHttp, Reply, RequestContext, SecondaryAuthToken, Service, SidError, Timestamp,
};
use twilio_accounts_rotation::{
    Input, Journal, JournalError, Rotation, RotationConfig, TokenFingerprint,
};
use twilio_accounts_webhook::{
    Payload, SignatureAlgorithm, WebhookError, WebhookRequest, WebhookValidator, sign_request,
};

/// A check: panics when the input breaks a property.
pub type Check = fn(&[u8]);

/// Every target: its name (its file in `fuzz_targets/`, its directory in
/// `corpus/`) and its check.
pub const TARGETS: &[(&str, Check)] = &[
    ("sid", check_sid),
    ("timestamp", check_timestamp),
    ("response", check_response),
    ("error_body", check_error_body),
    ("endpoint", check_endpoint),
    ("webhook", check_webhook),
    ("journal", check_journal),
];

/// The fields of a success body that carry a token: every registered
/// operation's secret field.
fn token_fields() -> &'static [&'static str] {
    static FIELDS: OnceLock<Vec<&'static str>> = OnceLock::new();
    FIELDS.get_or_init(|| OPERATIONS.iter().filter_map(|o| o.secret_field).collect())
}
/// The fields of a journal that carry a token.
const JOURNAL_TOKEN_FIELDS: &[&str] = &["old_token", "new_token"];
/// The shortest run of a token that counts as leaked.
const LEAK_WINDOW: usize = 8;
/// The most characters the core keeps of a server-provided text, plus the `…`.
const MAX_KEPT_CHARS: usize = 512 + 1;

const SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const CURRENT_TOKEN: &str = "f0221e57f0221e57f0221e57f0221e57";

// ---------------------------------------------------------------------------
// SIDs

/// Every SID type parses exactly `^XX[0-9a-fA-F]{32}$`, reports the first
/// problem a person would fix, and writes back exactly what it parsed.
pub fn check_sid(data: &[u8]) {
    let input = String::from_utf8_lossy(data);
    let input = input.as_ref();
    macro_rules! sid {
        ($ty:ty, $prefix:literal, $kind:literal, $name:literal) => {{
            let parsed = <$ty>::parse(input);
            assert_eq!(
                parsed.as_ref().err(),
                expected_sid_error(input, $prefix, $kind).as_ref(),
                "{} of {input:?}",
                $name
            );
            assert_eq!(input.parse::<$ty>(), parsed);
            assert_eq!(<$ty>::try_from(input), parsed);
            match parsed {
                Ok(sid) => {
                    assert_eq!(sid.as_str(), input);
                    assert_eq!(sid.as_ref(), input);
                    assert_eq!(sid.to_string(), input);
                    assert_eq!(format!("{sid:?}"), format!("{}({input})", $name));
                    assert_eq!(<$ty>::parse(&sid.to_string()), Ok(sid));
                    let json = serde_json::to_string(&sid).expect("a SID serializes");
                    assert_eq!(json, format!("\"{input}\""));
                    assert_eq!(serde_json::from_str::<$ty>(&json).ok(), Some(sid));
                }
                Err(err) => {
                    let _ = render(&err);
                    let json = serde_json::Value::String(input.to_owned());
                    assert!(serde_json::from_value::<$ty>(json).is_err());
                }
            }
        }};
    }
    sid!(AccountSid, "AC", "account SID", "AccountSid");
    sid!(CredentialSid, "CR", "credential SID", "CredentialSid");
    sid!(ApiKeySid, "SK", "API key SID", "ApiKeySid");
}

/// The model: length, then prefix, then the first non-hex byte.
fn expected_sid_error(input: &str, prefix: &'static str, kind: &'static str) -> Option<SidError> {
    let bytes = input.as_bytes();
    if bytes.len() != 34 {
        return Some(SidError::WrongLength {
            kind,
            expected: prefix,
            found: bytes.len(),
        });
    }
    if &bytes[..2] != prefix.as_bytes() {
        return Some(SidError::WrongPrefix {
            kind,
            expected: prefix,
        });
    }
    (2..34)
        .find(|&i| !bytes[i].is_ascii_hexdigit())
        .map(|position| SidError::NotHex {
            kind,
            expected: prefix,
            position,
        })
}

// ---------------------------------------------------------------------------
// Timestamps

/// A parsed timestamp, written back in either format, parses to the same
/// instant with the same offset.
pub fn check_timestamp(data: &[u8]) {
    let input = String::from_utf8_lossy(data);
    let input = input.as_ref();

    let rfc3339 = Timestamp::parse_rfc3339(input);
    assert_eq!(input.parse::<Timestamp>(), rfc3339);
    match &rfc3339 {
        Ok(t) => {
            let text = t.to_rfc3339();
            assert_eq!(t.to_string(), text);
            assert_eq!(format!("{t:?}"), format!("Timestamp({text})"));
            let again = reparse_rfc3339(*t);
            assert_eq!(again.to_rfc3339(), text, "RFC 3339 output is stable");
            let json = serde_json::to_string(t).expect("a timestamp serializes");
            let back: Timestamp = serde_json::from_str(&json).expect("serde round trip");
            assert_same_timestamp(*t, back, "serde");
            // RFC 2822 has no fractional seconds and no years before 1900.
            let value = t.as_offset_date_time();
            if value.year() >= 1900 && value.nanosecond() == 0 {
                reparse_rfc2822(*t);
            }
        }
        Err(err) => {
            assert_eq!(err.format, "RFC 3339");
            let _ = render(err);
        }
    }

    match Timestamp::parse_rfc2822(input) {
        Ok(t) => {
            if let Some(minutes) = trailing_numeric_zone(input) {
                let offset = t.as_offset_date_time().offset().whole_seconds();
                assert_eq!(
                    offset,
                    minutes * 60,
                    "{input:?} read with offset {offset} s"
                );
            }
            let again = reparse_rfc2822(t);
            assert_eq!(
                again.to_rfc2822(),
                t.to_rfc2822(),
                "RFC 2822 output is stable"
            );
            reparse_rfc3339(t);
        }
        Err(err) => {
            assert_eq!(err.format, "RFC 2822");
            let _ = render(&err);
        }
    }
}

/// The model of an RFC 2822 numeric zone, for the simple cases: the input
/// ends with whitespace, `+HHMM` or `-HHMM`, and at most one comment, and
/// has no other comment (nor parenthesis or backslash) before it. Returns
/// the offset in minutes.
fn trailing_numeric_zone(input: &str) -> Option<i32> {
    const WSP: [char; 4] = [' ', '\t', '\r', '\n'];
    let mut rest = input.trim_end_matches(WSP);
    if let Some(inner) = rest.strip_suffix(')') {
        let open = inner.rfind('(')?;
        if inner[open + 1..].contains(['(', ')', '\\']) {
            return None;
        }
        rest = inner[..open].trim_end_matches(WSP);
    }
    if rest.contains(['(', ')', '\\']) {
        return None;
    }
    let split = rest.len().checked_sub(5)?;
    let (before, zone) = (rest.get(..split)?, rest.get(split..)?.as_bytes());
    if !before.ends_with(WSP) {
        return None;
    }
    let [sign @ (b'+' | b'-'), digits @ ..] = zone else {
        return None;
    };
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let digit = |i: usize| i32::from(digits[i] - b'0');
    let minutes = (digit(0) * 10 + digit(1)) * 60 + digit(2) * 10 + digit(3);
    Some(if *sign == b'-' { -minutes } else { minutes })
}

fn reparse_rfc3339(t: Timestamp) -> Timestamp {
    let text = t.to_rfc3339();
    let again = Timestamp::parse_rfc3339(&text)
        .unwrap_or_else(|err| panic!("{t:?} wrote {text:?}, which does not parse: {err}"));
    assert_same_timestamp(t, again, &text);
    again
}

fn reparse_rfc2822(t: Timestamp) -> Timestamp {
    let text = t.to_rfc2822();
    let again = Timestamp::parse_rfc2822(&text)
        .unwrap_or_else(|err| panic!("{t:?} wrote {text:?}, which does not parse: {err}"));
    assert_same_timestamp(t, again, &text);
    again
}

fn assert_same_timestamp(a: Timestamp, b: Timestamp, via: &str) {
    assert_eq!(a, b, "the instant changed via {via:?}");
    assert_eq!(
        a.as_offset_date_time().offset(),
        b.as_offset_date_time().offset(),
        "the offset changed via {via:?}"
    );
    assert_eq!(a.unix_timestamp(), b.unix_timestamp());
}

// ---------------------------------------------------------------------------
// Responses

/// A response decoded from the text format described at the top.
#[derive(Debug)]
struct RawResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl RawResponse {
    fn decode(data: &[u8]) -> Self {
        let (first, rest) = split_line(data);
        let (head, body) = match find(rest, b"\n\n") {
            Some(end) => (&rest[..end], &rest[end + 2..]),
            None => (rest, &[][..]),
        };
        let mut headers = HeaderMap::new();
        for line in head.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let Some(colon) = line.iter().position(|&b| b == b':') else {
                continue;
            };
            let name = HeaderName::from_bytes(line[..colon].trim_ascii());
            let value = HeaderValue::from_bytes(line[colon + 1..].trim_ascii_start());
            if let (Ok(name), Ok(value)) = (name, value)
                && headers.try_append(name, value).is_err()
            {
                break;
            }
        }
        RawResponse {
            status: status_from(first),
            headers,
            body: body.to_vec(),
        }
    }

    fn response(&self) -> Response<Vec<u8>> {
        self.with_body(self.body.clone())
    }

    fn with_body(&self, body: Vec<u8>) -> Response<Vec<u8>> {
        let mut response = Response::new(body);
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers.clone();
        response
    }
}

/// Leading digits, mapped into 100..=599; no digits means 200.
fn status_from(line: &[u8]) -> StatusCode {
    let digits: Vec<u8> = line
        .trim_ascii_start()
        .iter()
        .copied()
        .take_while(u8::is_ascii_digit)
        .collect();
    let code = if digits.is_empty() {
        200
    } else {
        let value = digits.iter().fold(0u64, |n, d| {
            n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
        });
        if (100..=599).contains(&value) {
            value
        } else {
            100 + value % 500
        }
    };
    u16::try_from(code)
        .ok()
        .and_then(|code| StatusCode::from_u16(code).ok())
        .unwrap_or(StatusCode::OK)
}

fn context() -> &'static RequestContext {
    static CONTEXT: OnceLock<RequestContext> = OnceLock::new();
    CONTEXT.get_or_init(|| RequestContext::new(credentials(), Endpoint::default()))
}

fn credentials() -> Credentials {
    Credentials::auth_token(
        AccountSid::parse(SID).expect("a valid SID"),
        AuthToken::new(CURRENT_TOKEN).expect("a valid token"),
    )
}

/// The endpoints a paging link is checked against: the default (two
/// hosts), a base URL with a path prefix (both services), and that base URL
/// with a separate 2010 API base URL.
fn link_endpoints() -> &'static [Endpoint] {
    static ENDPOINTS: OnceLock<Vec<Endpoint>> = OnceLock::new();
    ENDPOINTS.get_or_init(|| {
        let prefixed =
            Endpoint::custom("https://proxy.example.com/twilio", PlainHttp::LoopbackOnly)
                .expect("a valid base URL");
        let split = prefixed
            .clone()
            .with_api_base_url("https://proxy.example.com/api", PlainHttp::LoopbackOnly)
            .expect("a valid base URL");
        vec![Endpoint::default(), prefixed, split]
    })
}

/// Every registered operation's response parser, on any status, headers
/// and body: it never panics; an error names the operation; a token it
/// returns is non-empty, trimmed and the one the body carried; a paging link
/// it accepts leads to the same list on the same endpoint; and no error's or
/// reply's text depends on a token in the body.
pub fn check_response(data: &[u8]) {
    let raw = RawResponse::decode(data);
    visit_operations(&mut ParseCheck {
        raw: &raw,
        context: context(),
    });
}

struct ParseCheck<'a> {
    raw: &'a RawResponse,
    context: &'a RequestContext,
}

impl OperationVisitor for ParseCheck<'_> {
    fn visit<O>(&mut self, example: O)
    where
        O: Operation + Clone + Debug + Send + Sync + 'static,
        O::Output: Clone + Debug + Send + 'static,
    {
        self.check(&example);
    }

    fn visit_list<L>(&mut self, example: L)
    where
        L: ListOperation + Clone + Debug + Send + Sync + 'static,
        L::Item: Clone + Debug + Send + 'static,
    {
        if let Some(reply) = self.check(&example) {
            for endpoint in link_endpoints() {
                check_next_page::<L, _>(endpoint, &reply.value);
            }
        }
    }
}

impl ParseCheck<'_> {
    fn check<O>(&self, operation: &O) -> Option<Reply<O::Output>>
    where
        O: Operation,
        O::Output: Debug + 'static,
    {
        let (raw, context) = (self.raw, self.context);
        let reparse = |masked: Vec<u8>| context.parse_response(operation, raw.with_body(masked));
        let parsed = context.parse_response(operation, raw.response());
        match parsed {
            Ok(reply) => {
                assert!(raw.status.is_success(), "{:?} accepted", raw.status);
                assert_eq!(reply.status, raw.status);
                if let (Some(field), Some(secret)) = (O::SECRET_FIELD, token_of(&reply.value)) {
                    assert!(!secret.is_empty(), "an empty token was accepted");
                    assert_eq!(secret.trim(), secret, "a token with whitespace around it");
                    if let Some(sent) = body_string_field(&raw.body, field) {
                        assert_eq!(secret, sent, "the token is not the one in `{field}`");
                    }
                }
                // `Debug` of the reply does not depend on a token.
                assert_error_hides_tokens(&raw.body, token_fields(), &DebugText::of(&reply), |m| {
                    reparse(m).ok().map(|again| DebugText::of(&again))
                });
                Some(reply)
            }
            Err(err) => {
                assert_eq!(err.operation(), Some(O::ID), "{err:?}");
                if raw.status.is_success() {
                    let Error::Decode(decode) = &err else {
                        panic!("a 2xx to {} became {err:?}", O::ID)
                    };
                    assert_eq!(decode.status, raw.status);
                    if let Some(field) = O::SECRET_FIELD {
                        check_salvaged_token(raw, decode, field);
                    }
                }
                check_parse_error(raw, O::SERVICE, O::ID, &err, |masked| reparse(masked).err());
                None
            }
        }
    }
}

/// The token (or a new API key's secret) a success model carries, for the
/// models that carry one.
fn token_of(value: &dyn std::any::Any) -> Option<&str> {
    if let Some(promotion) = value.downcast_ref::<AuthTokenPromotion>() {
        return Some(promotion.auth_token.expose_secret());
    }
    if let Some(account) = value.downcast_ref::<Account>() {
        return account.auth_token.as_ref().map(AuthToken::expose_secret);
    }
    if let Some(key) = value.downcast_ref::<NewAccountKey>() {
        return key.secret.as_ref().map(|s| s.expose_secret());
    }
    if let Some(key) = value.downcast_ref::<NewIamKey>() {
        return key.secret.as_ref().map(|s| s.expose_secret());
    }
    value
        .downcast_ref::<SecondaryAuthToken>()
        .map(|secondary| secondary.secondary_auth_token.expose_secret())
}

/// A reply's `Debug` text, so that the token check of errors applies to
/// replies too.
struct DebugText(String);

impl DebugText {
    fn of(value: &impl Debug) -> Self {
        DebugText(render_debug(value))
    }
}

impl Display for DebugText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Debug for DebugText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A salvaged token is the body's, and a valid token is never lost to an
/// unrelated malformed field.
fn check_salvaged_token(
    raw: &RawResponse,
    decode: &twilio_accounts_core::DecodeError,
    field: &str,
) {
    let sent = body_string_field(&raw.body, field);
    let salvaged = decode
        .salvaged_token()
        .map(AuthToken::expose_secret)
        .or_else(|| decode.salvaged_api_key_secret().map(|s| s.expose_secret()));
    if let Some(secret) = salvaged {
        assert!(!secret.is_empty() && secret.trim() == secret);
        if let Some(sent) = &sent {
            assert_eq!(
                secret,
                sent.as_str(),
                "salvaged a token the body did not carry"
            );
        }
    }
    let lost = decode.kind == twilio_accounts_core::DecodeErrorKind::InvalidField
        && decode.path != field
        && sent.is_some_and(|sent| AuthToken::new(sent).is_ok())
        && salvaged.is_none();
    assert!(
        !lost,
        "a valid `{field}` was lost to an error at `{}`",
        decode.path
    );
}

/// The string value of a top-level field, when the body is a JSON object.
fn body_string_field(body: &[u8], field: &str) -> Option<String> {
    match serde_json::from_slice::<serde_json::Value>(body).ok()? {
        serde_json::Value::Object(mut map) => match map.remove(field)? {
            serde_json::Value::String(text) => Some(text),
            _ => None,
        },
        _ => None,
    }
}

/// What every error from `parse_response` must satisfy.
fn check_parse_error(
    raw: &RawResponse,
    service: Service,
    operation: &'static str,
    err: &Error,
    reparse: impl FnOnce(Vec<u8>) -> Option<Error>,
) {
    assert_eq!(err.status(), Some(raw.status), "{err:?}");
    if !raw.status.is_success() {
        // The context adds what the operation declares a 404 to mean.
        let hint = twilio_accounts_core::operations::find_in(service, operation)
            .and_then(|o| o.not_found_hint);
        let direct =
            Error::from_error_response(operation, &raw.response(), false).with_not_found_hint(hint);
        assert_eq!(
            render(err),
            render(&direct),
            "parse_response and from_error_response disagree"
        );
    }
    check_error_fields(raw, err);
    assert_error_hides_tokens(&raw.body, token_fields(), err, reparse);
}

/// A paging link that is accepted leads to a request for the same list on
/// the same endpoint (the list's service's base URL); a refused one is an
/// `InvalidLink`.
fn check_next_page<L: ListOperation, T>(endpoint: &Endpoint, page: &Page<T>) {
    match L::next_page(endpoint, page) {
        Ok(Some(next)) => {
            let context = RequestContext::new(credentials(), endpoint.clone());
            let request = context
                .build_request(&next)
                .unwrap_or_else(|err| panic!("an accepted link cannot be requested: {err}"));
            let base = endpoint.base_url_for(L::SERVICE);
            let uri = request.uri().to_string();
            let path = uri.split('?').next().unwrap_or("");
            // The list's path, each `{Placeholder}` segment one non-empty
            // segment (a 2010 key list names its account).
            let same_list = path.strip_prefix(base.as_str()).is_some_and(|rest| {
                let (want, have): (Vec<&str>, Vec<&str>) =
                    (L::PATH.split('/').collect(), rest.split('/').collect());
                want.len() == have.len()
                    && want.iter().zip(&have).all(|(w, h)| {
                        w == h || (w.starts_with('{') && w.ends_with('}') && !h.is_empty())
                    })
            });
            assert!(same_list, "{uri} is not the list {base}{}", L::PATH);
        }
        Ok(None) => assert!(page.next_page_url.is_none()),
        Err(err) => {
            assert!(page.next_page_url.is_some());
            assert!(matches!(err, Error::InvalidLink(_)), "{err:?}");
            let _ = render(&err);
        }
    }
}

// ---------------------------------------------------------------------------
// Error bodies

/// `Error::from_error_response` on any status, headers and body: the status
/// is kept, server texts are capped, a redirect keeps its `Location`, the API
/// key flag only changes the hint of an API error, and no error's text
/// depends on a token in the body.
pub fn check_error_body(data: &[u8]) {
    let raw = RawResponse::decode(data);
    let response = raw.response();
    for info in OPERATIONS {
        let plain = Error::from_error_response(info.id, &response, false);
        let with_key = Error::from_error_response(info.id, &response, true);
        for (used_api_key, err) in [(false, &plain), (true, &with_key)] {
            assert_eq!(err.status(), Some(raw.status), "{err:?}");
            assert_eq!(err.operation(), Some(info.id), "{err:?}");
            check_error_fields(&raw, err);
            assert_error_hides_tokens(&raw.body, token_fields(), err, |masked| {
                Some(Error::from_error_response(
                    info.id,
                    &raw.with_body(masked),
                    used_api_key,
                ))
            });
        }
        if !matches!(plain, Error::Api(_)) {
            assert_eq!(render(&plain), render(&with_key));
        }
    }
}

/// Field-level properties of an error built from a response.
fn check_error_fields(raw: &RawResponse, err: &Error) {
    let capped = |text: &str| assert!(text.chars().count() <= MAX_KEPT_CHARS, "not capped");
    // What the core keeps of a header: the first 512 characters, then `…`.
    let header = |name: HeaderName| {
        let value = raw.headers.get(name)?.to_str().ok()?;
        let mut kept: String = value.chars().take(MAX_KEPT_CHARS - 1).collect();
        if kept.len() < value.len() {
            kept.push('…');
        }
        Some(kept)
    };
    let request_id = header(HeaderName::from_static("twilio-request-id"));
    assert_eq!(err.request_id(), request_id.as_deref(), "the request id");
    match err {
        Error::Api(api) => {
            assert!(!raw.status.is_redirection());
            capped(&api.message);
            if let Some(more_info) = &api.more_info {
                capped(more_info);
            }
        }
        Error::Problem(problem) => {
            assert!(!raw.status.is_redirection());
            let texts = [&problem.problem_type, &problem.title, &problem.detail];
            for text in texts.into_iter().flatten() {
                capped(text);
            }
        }
        Error::UnexpectedResponse(unexpected) => {
            if raw.status.is_redirection() {
                let location = header(http::header::LOCATION);
                assert_eq!(unexpected.location, location, "the Location of a redirect");
            } else {
                assert!(unexpected.location.is_none());
            }
        }
        Error::Decode(decode) => assert!(raw.status.is_success(), "{decode:?}"),
        other => panic!("a response became {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Tokens in error texts

/// Fails if the text of `err` depends on a token that `body` carried.
///
/// Tokens are the string values of the top-level members named in `fields`.
/// Cheap: unless an 8-character run of a token's letters and digits appears
/// in the error's text, nothing more is done. Sound: a run may appear for an
/// innocent reason (a key or a message with the same text, a word of the
/// error's own wording), so a hit is confirmed by masking the tokens in the
/// body (each letter and digit replaced by another of its class, which keeps
/// every token exactly as valid as it was), parsing again with `reparse`, and
/// requiring the same text. Only a text that changes with the token fails.
pub fn assert_error_hides_tokens<E: Display + Debug>(
    body: &[u8],
    fields: &[&str],
    err: &E,
    reparse: impl FnOnce(Vec<u8>) -> Option<E>,
) {
    let spans = top_level_string_values(body, fields);
    if spans.is_empty() {
        return;
    }
    let text = render(err);
    let windows: HashSet<&[u8]> = text.as_bytes().windows(LEAK_WINDOW).collect();
    let suspicious = spans.iter().any(|span| {
        token_runs(&body[span.clone()])
            .iter()
            .any(|run| run.windows(LEAK_WINDOW).any(|w| windows.contains(w)))
    });
    if !suspicious {
        return;
    }
    let mut masked = body.to_vec();
    for span in &spans {
        mask(&mut masked[span.clone()]);
    }
    let again = reparse(masked).expect("masking the tokens changed whether the body parses");
    assert_eq!(
        text,
        render(&again),
        "the error's text depends on a token in the body"
    );
}

/// Byte ranges of the contents of string values of top-level object members
/// named in `fields`, found by a lexical scan that tolerates broken JSON.
fn top_level_string_values(body: &[u8], fields: &[&str]) -> Vec<Range<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Token {
        /// A string; whether it is one of `fields` at depth 1.
        Str(bool),
        Colon,
        Other,
    }
    let mut spans = Vec::new();
    let (mut depth, mut i) = (0usize, 0usize);
    let (mut before, mut last) = (Token::Other, Token::Other);
    while i < body.len() {
        let token = match body[i] {
            b'"' => {
                let start = i + 1;
                let mut end = start;
                while end < body.len() && body[end] != b'"' {
                    end += if body[end] == b'\\' { 2 } else { 1 };
                }
                let end = end.min(body.len());
                if depth == 1 && last == Token::Colon && before == Token::Str(true) {
                    spans.push(start..end);
                }
                i = end + 1;
                let name = &body[start..end];
                Token::Str(depth == 1 && fields.iter().any(|f| f.as_bytes() == name))
            }
            b':' => {
                i += 1;
                Token::Colon
            }
            b'{' | b'[' => {
                depth += 1;
                i += 1;
                Token::Other
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                i += 1;
                Token::Other
            }
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            _ => {
                i += 1;
                Token::Other
            }
        };
        before = last;
        last = token;
    }
    spans
}

/// Calls `f` with the position of every byte of a JSON string's raw contents
/// that is a character of its own (not part of an escape sequence), and with
/// `None` where an escape sequence interrupts.
fn for_each_plain_byte(raw: &[u8], mut f: impl FnMut(Option<usize>)) {
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' {
            i += if raw.get(i + 1) == Some(&b'u') { 6 } else { 2 };
            f(None);
        } else {
            f(Some(i));
            i += 1;
        }
    }
}

/// The runs of ASCII letters and digits in a string's raw contents that are
/// long enough to count (an escape sequence ends a run).
fn token_runs(raw: &[u8]) -> Vec<&[u8]> {
    let mut positions = Vec::new();
    for_each_plain_byte(raw, |at| positions.push(at));
    let mut runs = Vec::new();
    let mut run: Option<Range<usize>> = None;
    for at in positions.into_iter().chain([None]) {
        match (at, &mut run) {
            (Some(i), Some(r)) if raw[i].is_ascii_alphanumeric() && r.end == i => r.end = i + 1,
            (Some(i), _) if raw[i].is_ascii_alphanumeric() => {
                if let Some(r) = run.replace(i..i + 1) {
                    runs.extend((r.len() >= LEAK_WINDOW).then(|| &raw[r]));
                }
            }
            _ => {
                if let Some(r) = run.take() {
                    runs.extend((r.len() >= LEAK_WINDOW).then(|| &raw[r]));
                }
            }
        }
    }
    runs
}

/// Replaces every letter and digit of a string's raw contents (outside
/// escape sequences) with another of the same class: digit for digit, hex
/// letter for hex letter, other letter for other letter, case kept.
fn mask(raw: &mut [u8]) {
    let mut positions = Vec::new();
    for_each_plain_byte(raw, |at| positions.extend(at));
    for i in positions {
        raw[i] = match raw[i] {
            b'9' => b'0',
            b'f' => b'a',
            b'F' => b'A',
            b'z' => b'g',
            b'Z' => b'G',
            b @ (b'0'..=b'8' | b'a'..=b'e' | b'A'..=b'E' | b'g'..=b'y' | b'G'..=b'Y') => b + 1,
            other => other,
        };
    }
}

// ---------------------------------------------------------------------------
// Endpoints

/// Base URLs, region/edge pairs and paging links: an accepted base URL
/// re-parses from `base_url()` to an equal endpoint, builds every request
/// under itself, and an accepted link re-resolves to the same path.
pub fn check_endpoint(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.splitn(4, '\n');
    let url = lines.next().unwrap_or("");
    let region = lines.next();
    let edge = lines.next();
    let link = lines.next().unwrap_or("");

    let loopback_only = Endpoint::custom(url, PlainHttp::LoopbackOnly);
    let allow = Endpoint::custom(url, PlainHttp::Allow);
    match (&loopback_only, &allow) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(EndpointError::PlainHttpNotAllowed { host }), Ok(b)) => {
            assert!(!b.is_https() && !b.is_loopback(), "{b:?} refused");
            assert_eq!(host, b.host());
        }
        (Err(a), Err(b)) => assert_eq!(a, b),
        (a, b) => panic!("{url:?}: loopback-only gives {a:?}, allow gives {b:?}"),
    }
    let mut endpoints = vec![Endpoint::default()];
    for (mode, result) in [
        (PlainHttp::LoopbackOnly, loopback_only),
        (PlainHttp::Allow, allow),
    ] {
        match result {
            Ok(endpoint) => {
                check_accepted_endpoint(&endpoint, mode);
                // The same URL as a separate 2010 API base URL only: the
                // same rules, and Accounts v1 stays where it was.
                let split = Endpoint::default()
                    .with_api_base_url(url, mode)
                    .expect("a URL accepted as a base URL is accepted for the 2010 API");
                assert_eq!(split.base_url(), "https://accounts.twilio.com");
                assert_eq!(split.base_url_for(Service::Api), endpoint.base_url());
                check_accepted_endpoint(&split, mode);
                endpoints.push(endpoint);
                endpoints.push(split);
            }
            Err(err) => {
                assert!(Endpoint::default().with_api_base_url(url, mode).is_err());
                let _ = render(&err);
            }
        }
    }

    match Endpoint::for_location(region, edge) {
        Ok(endpoint) => {
            let region = region.filter(|r| !r.is_empty());
            let edge = edge.filter(|e| !e.is_empty());
            let expected = |service: &str| match edge {
                None => format!("https://{service}.twilio.com"),
                Some(edge) => format!(
                    "https://{service}.{edge}.{}.twilio.com",
                    region.unwrap_or("us1")
                ),
            };
            assert_eq!(endpoint.base_url(), expected("accounts"));
            assert_eq!(
                endpoint.base_url_for(Service::Accounts),
                expected("accounts")
            );
            assert_eq!(endpoint.base_url_for(Service::Api), expected("api"));
            check_accepted_endpoint(&endpoint, PlainHttp::LoopbackOnly);
            endpoints.push(endpoint);
        }
        Err(EndpointError::RegionWithoutEdge { region: r, .. }) => {
            assert!(edge.is_none_or(str::is_empty));
            assert_eq!(Some(r.as_str()), region);
        }
        Err(EndpointError::InvalidLabel { what, value }) => {
            let given = if what == "region" { region } else { edge };
            assert_eq!(Some(value.as_str()), given, "{what}");
        }
        Err(other) => panic!("for_location({region:?}, {edge:?}) gave {other:?}"),
    }

    for endpoint in &endpoints {
        check_link(endpoint, link);
        check_link(endpoint, url);
    }
}

fn check_accepted_endpoint(endpoint: &Endpoint, mode: PlainHttp) {
    let base = endpoint.base_url();
    let api = endpoint.base_url_for(Service::Api);
    let iam = endpoint.base_url_for(Service::Iam);
    assert_eq!(endpoint.base_url_for(Service::Accounts), base);
    assert!(!base.ends_with('/'), "{base}");
    assert!(!api.ends_with('/'), "{api}");
    assert!(!iam.ends_with('/'), "{iam}");
    assert_eq!(endpoint.to_string(), base);
    let mut debug = format!("Endpoint({base}");
    for (name, url) in [("2010 API", &api), ("IAM v1", &iam)] {
        if *url != base {
            debug.push_str(&format!(", {name} {url}"));
        }
    }
    debug.push(')');
    assert_eq!(format!("{endpoint:?}"), debug);
    let reparsed = Endpoint::custom(&base, mode)
        .and_then(|e| e.with_api_base_url(&api, mode))
        .and_then(|e| e.with_base_url_for(Service::Iam, &iam, mode));
    assert_eq!(
        reparsed.as_ref(),
        Ok(endpoint),
        "base_url_for(each service) does not re-parse to the same endpoint"
    );
    assert!(endpoint.is_https() || endpoint.is_loopback() || mode == PlainHttp::Allow);

    visit_operations(&mut BuildUnder {
        context: RequestContext::new(credentials(), endpoint.clone()),
        endpoint: endpoint.clone(),
    });
}

/// Every registered operation builds under an accepted endpoint, under its
/// own service's base URL.
struct BuildUnder {
    context: RequestContext,
    endpoint: Endpoint,
}

impl OperationVisitor for BuildUnder {
    fn visit<O>(&mut self, example: O)
    where
        O: Operation + Clone + Debug + Send + Sync + 'static,
        O::Output: Clone + Debug + Send + 'static,
    {
        let base = self.endpoint.base_url_for(O::SERVICE);
        let request = self.context.build_request(&example).unwrap_or_else(|err| {
            panic!("{base} was accepted but cannot request {}: {err}", O::ID)
        });
        let uri = request.uri().to_string();
        // The template up to its first placeholder: `/v1/…`, `/2010-04-01/…`.
        let fixed = O::PATH.split('{').next().unwrap_or("");
        assert!(
            uri.starts_with(&format!("{base}{fixed}")),
            "{uri} is not under {base}"
        );
    }
}

fn check_link(endpoint: &Endpoint, link: &str) {
    check_service_link(endpoint, link);
    match endpoint.relative_path(link) {
        Ok(relative) => {
            assert!(relative.starts_with('/'), "{relative}");
            let uri = endpoint.uri(&relative).unwrap_or_else(|err| {
                panic!("{endpoint:?} accepted {link:?} as {relative:?} but cannot build it: {err}")
            });
            let uri = uri.to_string();
            assert!(uri.starts_with(&endpoint.base_url()), "{uri}");
            assert_eq!(
                endpoint.relative_path(&uri),
                Ok(relative),
                "{endpoint:?}: {link:?} resolves to {uri}, which resolves elsewhere"
            );
        }
        Err(err) => {
            let _ = render(&err);
        }
    }
}

/// A paging link of the 2010 API (absolute, or relative to its root) that
/// is accepted builds under the 2010 base URL and, written out absolute,
/// resolves to the same path; Accounts v1 accepts exactly what
/// `relative_path` does.
fn check_service_link(endpoint: &Endpoint, link: &str) {
    assert_eq!(
        endpoint.resolve_link(Service::Accounts, link),
        endpoint.relative_path(link),
        "Accounts v1 links are checked as before"
    );
    let base = endpoint.base_url_for(Service::Api);
    match endpoint.resolve_link(Service::Api, link) {
        Ok(relative) => {
            assert!(relative.starts_with('/'), "{relative}");
            // Only an absolute link to the 2010 host itself may give `//…`.
            assert!(
                !relative.starts_with("//") || !link.starts_with('/'),
                "{link}"
            );
            let uri = endpoint
                .uri_for(Service::Api, &relative)
                .unwrap_or_else(|err| {
                    panic!(
                        "{endpoint:?} accepted {link:?} as {relative:?} but cannot build it: {err}"
                    )
                })
                .to_string();
            assert!(uri.starts_with(&base), "{uri} is not under {base}");
            assert_eq!(
                endpoint.resolve_link(Service::Api, &uri),
                Ok(relative),
                "{endpoint:?}: {link:?} resolves to {uri}, which resolves elsewhere"
            );
        }
        Err(err) => {
            let _ = render(&err);
        }
    }
}

// ---------------------------------------------------------------------------
// Webhooks

/// Signature validation on any URL, signature and payload never panics, and
/// agrees with a model built from `sign_request`: the first token whose
/// signature equals the header matches, a JSON body must match the URL's
/// `bodySHA256`, and a changed signature never matches.
pub fn check_webhook(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.splitn(6, '\n');
    let url = lines.next().unwrap_or("");
    let signature = lines.next().unwrap_or("");
    let settings = lines.next().unwrap_or("");
    let token_line = lines.next().unwrap_or("");
    let kind = lines.next().unwrap_or("").trim();
    let payload_text = lines.next().unwrap_or("");

    let mut tokens: Vec<AuthToken> = token_line
        .split(' ')
        .filter_map(|t| AuthToken::new(t).ok())
        .take(4)
        .collect();
    if tokens.is_empty() {
        tokens.push(AuthToken::new("12345").expect("a valid token"));
    }
    let validator = WebhookValidator::new(tokens.clone()).expect("at least one token");
    let others = WebhookValidator::new(tokens.iter().map(|_| AuthToken::new("x").expect("valid")))
        .expect("at least one token");
    assert_eq!(
        format!("{validator:?}"),
        format!("{others:?}"),
        "tokens in Debug"
    );

    let algorithm = SignatureAlgorithm::from_settings_header(Some(settings));
    let param_pairs: Vec<(&str, &str)>;
    let form_pairs: Vec<(Cow<'_, str>, Cow<'_, str>)>;
    let (payload, signed_params): (Payload<'_>, Vec<(&str, &str)>) = match kind {
        "form" => {
            form_pairs = url::form_urlencoded::parse(payload_text.as_bytes()).collect();
            let pairs = form_pairs
                .iter()
                .map(|(k, v)| (k.as_ref(), v.as_ref()))
                .collect();
            (Payload::FormBody(payload_text.as_bytes()), pairs)
        }
        "body" => (Payload::Body(payload_text.as_bytes()), Vec::new()),
        _ => {
            param_pairs = payload_text
                .split('\n')
                .filter(|line| !line.is_empty())
                .map(|line| line.split_once('=').unwrap_or((line, "")))
                .collect();
            (Payload::Params(&param_pairs), param_pairs.clone())
        }
    };
    let request = WebhookRequest {
        url,
        payload,
        signature,
        algorithm,
    };
    let result = validator.validate(&request);
    if let Ok(index) = result {
        assert!(index < validator.len());
    }

    let signatures: Vec<Result<String, WebhookError>> = tokens
        .iter()
        .map(|t| sign_request(t, algorithm, url, &signed_params))
        .collect();
    let Some(Ok(signed)) = signatures.last() else {
        assert_eq!(signatures.last(), Some(&Err(WebhookError::InvalidUrl)));
        assert_eq!(result, Err(WebhookError::InvalidUrl), "{url:?}");
        return;
    };
    let first = signatures
        .iter()
        .position(|s| s.as_ref() == Ok(signed))
        .expect("the last signature is in the list");
    let expected = match payload {
        Payload::Body(body) => {
            let claimed = url::Url::parse(url)
                .expect("sign_request parsed it")
                .query_pairs()
                .find(|(k, _)| k == "bodySHA256")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            if claimed == hex_sha256(body) {
                Ok(first)
            } else {
                Err(WebhookError::BodyHashMismatch)
            }
        }
        _ => Ok(first),
    };
    let valid = WebhookRequest {
        signature: signed,
        ..request
    };
    assert_eq!(validator.validate(&valid), expected, "{url:?}");

    let mut changed = signed.clone().into_bytes();
    changed[0] = if changed[0] == b'A' { b'B' } else { b'A' };
    let changed = String::from_utf8(changed).expect("base64 is ASCII");
    let forged = WebhookRequest {
        signature: &changed,
        ..request
    };
    assert_eq!(
        validator.validate(&forged),
        Err(WebhookError::SignatureMismatch(validator.len()))
    );
}

fn hex_sha256(body: &[u8]) -> String {
    Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

// ---------------------------------------------------------------------------
// Rotation journals

/// A journal that reads back writes back to an equal journal, hides its
/// tokens in `Debug`, and resumes; one that does not read says why without
/// its tokens.
pub fn check_journal(data: &[u8]) {
    match Journal::from_json(data) {
        Ok(journal) => {
            let json = journal.to_json();
            let again = Journal::from_json(&json).expect("a written journal reads back");
            assert_eq!(again, journal, "the journal changed through to_json");
            let blank = Journal {
                new_token: journal.new_token.as_ref().map(|_| token_x()),
                ..journal.clone()
            };
            assert_eq!(
                render_debug(&journal),
                render_debug(&blank),
                "tokens in Debug"
            );

            let current = AuthToken::new(CURRENT_TOKEN).expect("a valid token");
            let knows = |f: Option<TokenFingerprint>| f.is_some();
            let matches = |f: Option<TokenFingerprint>| f.is_some_and(|f| f.matches(&current));
            let unknown = (knows(journal.old_fingerprint) || knows(journal.new_fingerprint))
                && !matches(journal.old_fingerprint)
                && !matches(journal.new_fingerprint);
            let credentials = Credentials::auth_token(journal.account_sid, current.clone());
            match Rotation::resume(journal, credentials, RotationConfig::default()) {
                Ok(mut rotation) => {
                    assert!(!unknown, "resumed with a token the journal does not know");
                    let _ = render_debug(&rotation.next(Input::Start));
                }
                // A journal that knows its tokens (by fingerprint) takes no other.
                Err(JournalError::UnknownToken) => {
                    assert!(unknown, "refused a token the journal knows")
                }
                Err(e) => panic!("the journal is for the credentials' account: {e}"),
            }
        }
        Err(err) => assert_error_hides_tokens(data, JOURNAL_TOKEN_FIELDS, &err, |masked| {
            Journal::from_json(&masked).err()
        }),
    }
}

fn token_x() -> AuthToken {
    AuthToken::new("x").expect("a valid token")
}

// ---------------------------------------------------------------------------
// Helpers

/// `Display`, `Debug` and pretty `Debug`, which every error must produce
/// without panicking.
fn render<T: Display + Debug + ?Sized>(value: &T) -> String {
    format!("{value}\n{value:?}\n{value:#?}")
}

fn render_debug<T: Debug + ?Sized>(value: &T) -> String {
    format!("{value:?}\n{value:#?}")
}

fn split_line(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
