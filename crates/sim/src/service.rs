//! One HTTP request in, one response (or a dropped connection) out: routing, Basic auth, parameter checks,
//! the account operation, and the faults.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http::header::{
    ALLOW, AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue, LOCATION, RETRY_AFTER,
    WWW_AUTHENTICATE,
};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Limited};
use hyper::body::Incoming;
use time::OffsetDateTime;

use crate::account::{Account, CreateRefused, Stamp};
use crate::body::SimBody;
use crate::fault::{Fault, FaultQueue, MAX_FAULT_DURATION, Route};
use crate::wire::{self, TwilioError};

/// Largest request body the simulator reads; larger ones get 413.
const MAX_REQUEST_BODY: usize = 64 * 1024;

/// The only parameter the Auth Token calls accept.
const SUPPRESS: &str = "SuppressEmailNotification";

static TWILIO_REQUEST_ID: HeaderName = HeaderName::from_static("twilio-request-id");

/// State shared by every connection of one simulator.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) account: Mutex<Account>,
    pub(crate) faults: Mutex<FaultQueue>,
    pub(crate) requests: [AtomicU64; 5],
    pub(crate) connections: AtomicU64,
    pub(crate) notification_emails: AtomicU64,
    pub(crate) base_url: String,
    pub(crate) auth_lag: Option<Duration>,
}

impl Shared {
    pub(crate) fn account(&self) -> MutexGuard<'_, Account> {
        // A panic while holding the lock cannot leave the account half-updated (every operation is a
        // single assignment), so a poisoned lock is still safe to use.
        self.account
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultQueue> {
        self.faults
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn count(&self, route: Route) -> u64 {
        self.requests
            .get(route.index())
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }

    fn count_request(&self, route: Option<Route>) {
        for r in [Some(Route::Any), route].into_iter().flatten() {
            if let Some(counter) = self.requests.get(r.index()) {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// The service's error: hyper closes the connection without writing a response.
#[derive(Debug)]
pub(crate) struct DropConnection;

impl fmt::Display for DropConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DropConnection {}

/// What the operation produced, before faults shape it into a response.
struct Reply {
    status: StatusCode,
    json: Option<Bytes>,
    allow: Option<&'static str>,
}

impl Reply {
    fn json(status: StatusCode, body: Vec<u8>) -> Self {
        Reply {
            status,
            json: Some(Bytes::from(body)),
            allow: None,
        }
    }

    fn error(error: TwilioError, message: &str) -> Self {
        let status =
            StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Reply::json(status, wire::error_body(error, message))
    }

    fn no_content() -> Self {
        Reply {
            status: StatusCode::NO_CONTENT,
            json: None,
            allow: None,
        }
    }
}

/// The paths the simulator knows, whatever the method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resource {
    Promote,
    Secondary,
    PublicKeys,
}

impl Resource {
    fn of(path: &str) -> Option<Resource> {
        match path {
            "/v1/AuthTokens/Promote" => Some(Resource::Promote),
            "/v1/AuthTokens/Secondary" => Some(Resource::Secondary),
            "/v1/Credentials/PublicKeys" => Some(Resource::PublicKeys),
            _ => None,
        }
    }

    fn allow(self) -> &'static str {
        match self {
            Resource::Promote => "POST",
            Resource::Secondary => "POST, DELETE",
            Resource::PublicKeys => "GET, POST",
        }
    }
}

/// Handles one request. `Err` means: drop the connection without answering.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<SimBody>, DropConnection> {
    let request_id = wire::request_id();
    let route = Route::of(request.method(), request.uri().path());
    shared.count_request(route);
    let fault = {
        let mut faults = shared.faults();
        if faults.is_empty() {
            None
        } else {
            faults.take(route)
        }
    };
    tracing::debug!(method = %request.method(), path = request.uri().path(), request_id, fault = ?fault, "request");

    // Faults that answer in Twilio's place, without applying anything.
    match &fault {
        Some(Fault::CloseBeforeRequest) => return Err(DropConnection),
        Some(Fault::RateLimited { retry_after }) => {
            let reply = Reply::error(TwilioError::TOO_MANY_REQUESTS, "Too Many Requests");
            let mut response = respond(reply, &request_id);
            if let Some(secs) = retry_after {
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(*secs));
            }
            return Ok(response);
        }
        Some(Fault::ServerError { status }) => {
            let status = StatusCode::from_u16(*status)
                .ok()
                .filter(StatusCode::is_server_error)
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return Ok(html(
                status,
                status.canonical_reason().unwrap_or("Server Error"),
                &request_id,
            ));
        }
        Some(Fault::NonJson200) => return Ok(html(StatusCode::OK, "OK", &request_id)),
        Some(Fault::Redirect { location }) => {
            let mut response = html(StatusCode::FOUND, "Found", &request_id);
            let location = HeaderValue::from_str(location).unwrap_or(HeaderValue::from_static("/"));
            response.headers_mut().insert(LOCATION, location);
            return Ok(response);
        }
        _ => {}
    }

    let auth_lag = match &fault {
        Some(Fault::AuthLag(lag)) => Some(*lag),
        _ => shared.auth_lag,
    }
    .map(|lag| lag.min(MAX_FAULT_DURATION));
    let reply = process(&shared, request, auth_lag).await;

    // Faults that shape the answer of an applied operation.
    let request_id = request_id.as_str();
    match fault {
        Some(Fault::ApplyThenClose) => Err(DropConnection),
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay.min(MAX_FAULT_DURATION)).await;
            Ok(respond(reply, request_id))
        }
        Some(Fault::TruncatedBody) => Ok(reshape(reply, request_id, SimBody::truncated)),
        Some(Fault::OversizedBody { bytes }) => Ok(reshape(reply, request_id, |json| {
            SimBody::padded(json, bytes)
        })),
        Some(Fault::SlowDrip { chunk, interval }) => Ok(reshape(reply, request_id, |json| {
            SimBody::drip(json, chunk, interval)
        })),
        _ => Ok(respond(reply, request_id)),
    }
}

/// Authentication, routing, parameters, then the operation.
async fn process(shared: &Shared, request: Request<Incoming>, auth_lag: Option<Duration>) -> Reply {
    let authenticated = basic_credentials(request.headers().get(AUTHORIZATION))
        .is_some_and(|(sid, token)| shared.account().authenticates(&sid, &token, Instant::now()));
    if !authenticated {
        return Reply::error(TwilioError::AUTHENTICATE, "Authenticate");
    }

    let path = request.uri().path();
    let Some(resource) = Resource::of(path) else {
        let shown = path.strip_prefix("/v1").unwrap_or(path);
        return Reply::error(
            TwilioError::NOT_FOUND,
            &format!("The requested resource {shown} was not found"),
        );
    };
    let method = request.method().clone();
    let allowed = matches!(
        (resource, &method),
        (Resource::Promote, &Method::POST)
            | (Resource::Secondary, &Method::POST | &Method::DELETE)
            | (Resource::PublicKeys, &Method::GET | &Method::POST)
    );
    if !allowed {
        let mut reply = Reply::error(
            TwilioError::METHOD_NOT_ALLOWED,
            &format!("Method {method} not allowed"),
        );
        reply.allow = Some(resource.allow());
        return reply;
    }

    let query = request.uri().query().unwrap_or("").to_owned();
    let form_content = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    let body = match Limited::new(request.into_body(), MAX_REQUEST_BODY)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            return Reply::error(TwilioError::TOO_LARGE, "Request body too large");
        }
        Err(_) => {
            return Reply::error(
                TwilioError::INVALID_PARAMETER,
                "Request body could not be read",
            );
        }
    };
    if !body.is_empty() && method == Method::POST && !form_content {
        return Reply::error(
            TwilioError::INVALID_PARAMETER,
            "Content-Type must be application/x-www-form-urlencoded",
        );
    }

    let now = Stamp {
        mono: Instant::now(),
        wall: wire::iso8601(OffsetDateTime::now_utc()),
    };
    let base = shared.base_url.as_str();
    match (resource, method) {
        (Resource::Promote, _) => {
            let suppress = match token_call_params(&query, &body, Placement::Body) {
                Ok(s) => s,
                Err(reply) => return reply,
            };
            let result = shared.account().promote(&now, auth_lag);
            match result {
                Ok(v) => {
                    note_email(shared, suppress);
                    Reply::json(
                        StatusCode::OK,
                        wire::auth_token_promotion(
                            base,
                            &v.account_sid,
                            &v.token,
                            &v.date_created,
                            &v.date_updated,
                        ),
                    )
                }
                Err(_) => Reply::error(
                    TwilioError::NOT_FOUND,
                    "The requested resource /AuthTokens/Promote was not found",
                ),
            }
        }
        (Resource::Secondary, Method::POST) => {
            let suppress = match token_call_params(&query, &body, Placement::Body) {
                Ok(s) => s,
                Err(reply) => return reply,
            };
            let result = shared.account().create_secondary(&now);
            match result {
                Ok(v) => {
                    note_email(shared, suppress);
                    Reply::json(
                        StatusCode::CREATED,
                        wire::secondary_auth_token(
                            base,
                            &v.account_sid,
                            &v.token,
                            &v.date_created,
                            &v.date_updated,
                        ),
                    )
                }
                Err(CreateRefused::SecondaryExists) => Reply::error(
                    TwilioError::SECONDARY_EXISTS,
                    "A secondary Auth Token already exists; delete or promote it before creating another",
                ),
            }
        }
        (Resource::Secondary, _) => {
            let suppress = match token_call_params(&query, &body, Placement::Query) {
                Ok(s) => s,
                Err(reply) => return reply,
            };
            let result = shared.account().delete_secondary();
            match result {
                Ok(()) => {
                    note_email(shared, suppress);
                    Reply::no_content()
                }
                Err(_) => Reply::error(
                    TwilioError::NOT_FOUND,
                    "The requested resource /AuthTokens/Secondary was not found",
                ),
            }
        }
        (Resource::PublicKeys, Method::GET) => list_public_keys(shared, &query),
        (Resource::PublicKeys, _) => create_public_key(shared, &query, &body, &now),
    }
}

fn note_email(shared: &Shared, suppressed: bool) {
    if !suppressed {
        shared.notification_emails.fetch_add(1, Ordering::Relaxed);
    }
}

/// Where `SuppressEmailNotification` belongs: the form body of the POSTs, the query of the DELETE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    Body,
    Query,
}

/// Checks the parameters of the three Auth Token calls; returns whether e-mail notification is suppressed.
/// Only `SuppressEmailNotification=true|false` is accepted, and only in its place; anything else is a 400.
fn token_call_params(query: &str, body: &[u8], placement: Placement) -> Result<bool, Reply> {
    let (params, stray, stray_place): (&[u8], &[u8], &str) = match placement {
        Placement::Body => (body, query.as_bytes(), "query string"),
        Placement::Query => (query.as_bytes(), body, "request body"),
    };
    if !stray.is_empty() {
        return Err(Reply::error(
            TwilioError::INVALID_PARAMETER,
            &format!("Unexpected {stray_place} on this request"),
        ));
    }
    let mut suppress = false;
    for (name, value) in form_urlencoded::parse(params) {
        if name != SUPPRESS {
            return Err(Reply::error(
                TwilioError::INVALID_PARAMETER,
                &format!("Unknown parameter: {}", shorten(&name)),
            ));
        }
        suppress = parse_bool(&value).ok_or_else(|| {
            Reply::error(
                TwilioError::INVALID_PARAMETER,
                &format!("Invalid value for {SUPPRESS}: expected true or false"),
            )
        })?;
    }
    Ok(suppress)
}

fn parse_bool(value: &str) -> Option<bool> {
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// `GET /v1/Credentials/PublicKeys?PageSize=&Page=&PageToken=`.
fn list_public_keys(shared: &Shared, query: &str) -> Reply {
    let mut page_size: u64 = 50;
    let mut page: u64 = 0;
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "PageSize" => match value.parse::<u64>() {
                Ok(n) if (1..=1000).contains(&n) => page_size = n,
                _ => {
                    return Reply::error(
                        TwilioError::INVALID_PARAMETER,
                        "PageSize must be an integer from 1 to 1000",
                    );
                }
            },
            "Page" => match value.parse::<u64>() {
                Ok(n) => page = n,
                Err(_) => {
                    return Reply::error(
                        TwilioError::INVALID_PARAMETER,
                        "Page must be a non-negative integer",
                    );
                }
            },
            "PageToken" => {}
            other => {
                return Reply::error(
                    TwilioError::INVALID_PARAMETER,
                    &format!("Unknown parameter: {}", shorten(other)),
                );
            }
        }
    }
    let account = shared.account();
    let (keys, has_next) = account.public_keys_page(page, page_size);
    let body = wire::public_key_page(
        &shared.base_url,
        account.sid(),
        &keys,
        page,
        page_size,
        has_next,
    );
    Reply::json(StatusCode::OK, body)
}

/// `POST /v1/Credentials/PublicKeys` with `PublicKey` (required), `FriendlyName`, `AccountSid`.
fn create_public_key(shared: &Shared, query: &str, body: &[u8], now: &Stamp) -> Reply {
    if !query.is_empty() {
        return Reply::error(
            TwilioError::INVALID_PARAMETER,
            "Unexpected query string on this request",
        );
    }
    let mut public_key = None;
    let mut friendly_name = None;
    let mut account_sid = None;
    for (name, value) in form_urlencoded::parse(body) {
        match name.as_ref() {
            "PublicKey" => public_key = Some(value.into_owned()),
            "FriendlyName" => friendly_name = Some(value.into_owned()),
            "AccountSid" => account_sid = Some(value.into_owned()),
            other => {
                return Reply::error(
                    TwilioError::INVALID_PARAMETER,
                    &format!("Unknown parameter: {}", shorten(other)),
                );
            }
        }
    }
    if public_key.is_none_or(|k| k.trim().is_empty()) {
        return Reply::error(
            TwilioError::INVALID_PARAMETER,
            "Required parameter PublicKey missing",
        );
    }
    if friendly_name
        .as_ref()
        .is_some_and(|n| n.chars().count() > 64)
    {
        return Reply::error(
            TwilioError::INVALID_PARAMETER,
            "FriendlyName must be at most 64 characters",
        );
    }
    let mut account = shared.account();
    if account_sid.is_some_and(|sid| !wire::is_account_sid(&sid) || sid != account.sid()) {
        return Reply::error(
            TwilioError::INVALID_PARAMETER,
            "AccountSid must be this account's SID",
        );
    }
    match account.create_public_key(friendly_name, now) {
        Some(key) => Reply::json(
            StatusCode::CREATED,
            wire::public_key(&shared.base_url, account.sid(), &key),
        ),
        None => Reply::error(
            TwilioError::INVALID_PARAMETER,
            "Too many public keys on this account",
        ),
    }
}

/// `Authorization: Basic base64(sid:token)` → `(sid, token)`.
fn basic_credentials(header: Option<&HeaderValue>) -> Option<(String, String)> {
    let value = header?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (sid, token) = text.split_once(':')?;
    Some((sid.to_owned(), token.to_owned()))
}

/// Caps a client-supplied name before echoing it in an error message.
fn shorten(s: &str) -> String {
    s.chars().take(64).collect()
}

fn with_request_id(response: &mut Response<SimBody>, request_id: &str) {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response
            .headers_mut()
            .insert(TWILIO_REQUEST_ID.clone(), value);
    }
}

/// The normal response for a reply.
fn respond(reply: Reply, request_id: &str) -> Response<SimBody> {
    reshape(reply, request_id, SimBody::full)
}

/// The response for a reply, its JSON body (if any) sent through `shape`.
fn reshape(
    reply: Reply,
    request_id: &str,
    shape: impl FnOnce(Bytes) -> SimBody,
) -> Response<SimBody> {
    let has_json = reply.json.is_some();
    let body = match reply.json {
        Some(json) => shape(json),
        None => SimBody::empty(),
    };
    let mut response = Response::new(body);
    *response.status_mut() = reply.status;
    with_request_id(&mut response, request_id);
    if has_json {
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    if reply.status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"Twilio API\""),
        );
    }
    if let Some(allow) = reply.allow {
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static(allow));
    }
    response
}

/// An HTML page with this status, as proxies and outages answer.
fn html(status: StatusCode, title: &str, request_id: &str) -> Response<SimBody> {
    let mut response = Response::new(SimBody::full(wire::html_page(status.as_u16(), title)));
    *response.status_mut() = status;
    with_request_id(&mut response, request_id);
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_split_at_the_first_colon() {
        let header = HeaderValue::from_static("Basic QUMxOnRvazplbg==");
        assert_eq!(
            basic_credentials(Some(&header)),
            Some(("AC1".to_owned(), "tok:en".to_owned()))
        );
    }

    #[test]
    fn malformed_authorization_headers_are_no_credentials() {
        for bad in [
            "",
            "Basic",
            "Basic !!!",
            "Bearer QUMxOnRvaw==",
            "Basic bm9jb2xvbg==",
        ] {
            let header = HeaderValue::from_str(bad).unwrap_or(HeaderValue::from_static(""));
            assert_eq!(basic_credentials(Some(&header)), None, "{bad}");
        }
        assert_eq!(basic_credentials(None), None);
    }

    #[test]
    fn only_suppress_email_notification_is_accepted_in_its_place() {
        assert!(matches!(
            token_call_params("", b"", Placement::Body),
            Ok(false)
        ));
        assert!(matches!(
            token_call_params("", b"SuppressEmailNotification=true", Placement::Body),
            Ok(true)
        ));
        assert!(matches!(
            token_call_params("SuppressEmailNotification=false", b"", Placement::Query),
            Ok(false)
        ));
        assert!(token_call_params("", b"SuppressEmailNotification=yes", Placement::Body).is_err());
        assert!(token_call_params("", b"Foo=bar", Placement::Body).is_err());
        assert!(token_call_params("SuppressEmailNotification=true", b"", Placement::Body).is_err());
        assert!(
            token_call_params("", b"SuppressEmailNotification=true", Placement::Query).is_err()
        );
    }
}
