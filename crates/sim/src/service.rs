//! One HTTP request in, one response (or a dropped connection) out: routing, Basic auth, parameter checks,
//! the account operation, and the faults.

use std::fmt;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http::header::{
    ALLOW, AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue, LOCATION, RETRY_AFTER,
    WWW_AUTHENTICATE,
};
use http::request::Parts;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Limited};
use hyper::body::Incoming;
use time::OffsetDateTime;

use crate::account::{Account, AccountStatus, Stamp};
use crate::api_key::Principal;
use crate::body::SimBody;
use crate::canonical_request::ReceivedRequest;
use crate::client_validation::{self, Authenticated, Refusal, RegisteredKey};
use crate::credential::CredentialKind;
use crate::fault::{Fault, FaultQueue, MAX_FAULT_DURATION};
use crate::fleet::{Fleet, Member};
use crate::operation::{Call, Reply};
use crate::route::{RequestCounters, Route, Target};
use crate::wire::{self, TwilioError};
use crate::world::World;

/// Largest request body the simulator reads; larger ones get 413.
const MAX_REQUEST_BODY: usize = 64 * 1024;

static TWILIO_REQUEST_ID: HeaderName = HeaderName::from_static("twilio-request-id");

/// State shared by every connection of one simulator: what the operations see ([`World`]), and what only
/// the service around them uses.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The accounts, the base URL and the e-mail count: all an operation handler receives.
    pub(crate) world: World,
    /// Most requests of one account in flight at once.
    pub(crate) max_concurrent: Option<u32>,
    /// Whether the main account requires Public Key Client Validation.
    pub(crate) require_pkcv: bool,
    /// Whether the subaccounts require it too.
    pub(crate) pkcv_subaccounts: bool,
    pub(crate) faults: Mutex<FaultQueue>,
    pub(crate) requests: RequestCounters,
    pub(crate) connections: AtomicU64,
    pub(crate) auth_lag: Option<Duration>,
}

impl Shared {
    /// The main account.
    pub(crate) fn account(&self) -> MutexGuard<'_, Account> {
        self.world.fleet.main().account()
    }

    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultQueue> {
        self.faults
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn count(&self, route: Route) -> u64 {
        self.requests.get(route)
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

/// Handles one request. `Err` means: drop the connection without answering.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<SimBody>, DropConnection> {
    let request_id = wire::request_id();
    let (parts, body) = request.into_parts();
    let target = Target::resolve(&parts.method, parts.uri.path());
    let route = target.route();
    shared.requests.count(route);
    let caller = authenticate(&shared.world.fleet, parts.headers.get(AUTHORIZATION));
    // Twilio's concurrency limit refuses a request of an account with too many in flight before anything
    // else happens to it: it is not processed, and it uses no armed fault.
    let _in_flight = match &caller {
        Ok(caller) => match caller.member.enter(shared.max_concurrent) {
            Some(slot) => Some(slot),
            None => {
                let reply = Reply::error(
                    TwilioError::TOO_MANY_REQUESTS,
                    "Too many concurrent requests for this account",
                );
                return Ok(respond(reply, &request_id));
            }
        },
        Err(_) => None,
    };
    let fault = {
        let mut faults = shared.faults();
        if faults.is_empty() {
            None
        } else {
            faults.take(route)
        }
    };
    tracing::debug!(
        method = %parts.method,
        path = parts.uri.path(),
        operation = route.and_then(Route::operation_id),
        request_id,
        fault = ?fault,
        "request"
    );

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
    let reply = process(&shared, &parts, body, target, caller, auth_lag).await;

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
async fn process(
    shared: &Shared,
    parts: &Parts,
    body: Incoming,
    target: Target<'_>,
    caller: Result<Caller<'_>, TwilioError>,
    auth_lag: Option<Duration>,
) -> Reply {
    let caller = match caller {
        Ok(caller) => caller,
        Err(error) if error == TwilioError::ACCOUNT_NOT_ACTIVE => {
            return Reply::error(error, "Account not active");
        }
        Err(error) => return Reply::error(error, "Authenticate"),
    };

    // Public Key Client Validation comes right after authentication, before routing: it judges every
    // request of the account, unknown paths included, and needs the body to recompute `rqh`.
    let pkcv_required = shared.require_pkcv
        && (shared.pkcv_subaccounts || std::ptr::eq(caller.member, shared.world.fleet.main()));
    let body = if pkcv_required {
        let bytes = match read_body(body).await {
            Ok(bytes) => bytes,
            Err(reply) => return reply,
        };
        if let Err(refusal) = check_client_validation(parts, &bytes, &caller) {
            return Reply::error(refusal.error, &refusal.message);
        }
        RequestBody::Read(bytes)
    } else if parts.headers.contains_key(client_validation::HEADER) {
        let refusal = Refusal::not_enabled();
        return Reply::error(refusal.error, &refusal.message);
    } else {
        RequestBody::Unread(body)
    };

    let path = parts.uri.path();
    let (row, path_params) = match target {
        Target::Row(row, params) => (row, params),
        Target::Unknown => return Reply::not_found(path),
        Target::WrongMethod(allow) => {
            let mut reply = Reply::error(
                TwilioError::METHOD_NOT_ALLOWED,
                &format!("Method {} not allowed", parts.method),
            );
            reply.allow = Some(allow);
            return reply;
        }
    };
    if let Err((error, message)) = caller.principal.may_call(row.route) {
        return Reply::error(error, &message);
    }

    let query = parts.uri.query().unwrap_or("");
    let form_content = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    let body = match body {
        RequestBody::Read(bytes) => bytes,
        RequestBody::Unread(incoming) => match read_body(incoming).await {
            Ok(bytes) => bytes,
            Err(reply) => return reply,
        },
    };
    if !body.is_empty()
        && (parts.method == Method::POST || parts.method == Method::PATCH)
        && !form_content
    {
        return Reply::error(
            TwilioError::INVALID_PARAMETER,
            "Content-Type must be application/x-www-form-urlencoded",
        );
    }

    let now = Stamp {
        mono: Instant::now(),
        wall: wire::iso8601(OffsetDateTime::now_utc()),
    };
    let call = Call {
        path,
        path_params: &path_params,
        query,
        body: &body,
        now: &now,
        auth_lag,
        caller: caller.member,
        principal: &caller.principal,
    };
    (row.handler)(&shared.world, &call)
}

/// A request body, read already (when PKCV needed it) or not yet.
enum RequestBody {
    Unread(Incoming),
    Read(Bytes),
}

/// The whole body, at most [`MAX_REQUEST_BODY`] bytes (413 beyond).
async fn read_body(body: Incoming) -> Result<Bytes, Reply> {
    match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(Reply::error(
            TwilioError::TOO_LARGE,
            "Request body too large",
        )),
        Err(_) => Err(Reply::error(
            TwilioError::INVALID_PARAMETER,
            "Request body could not be read",
        )),
    }
}

/// The request's `Twilio-Client-Validation` JWT, checked against the caller's registered public keys and
/// the request as received, at the wall-clock time.
fn check_client_validation(parts: &Parts, body: &[u8], caller: &Caller<'_>) -> Result<(), Refusal> {
    let request = ReceivedRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: &parts.headers,
        body,
    };
    let who = Authenticated {
        basic_user: &caller.basic_user,
        account_sid: &caller.member.sid,
    };
    let registered = |kid: &str| {
        let account = caller.member.account();
        match account.credentials(CredentialKind::PublicKey).get(kid) {
            None => RegisteredKey::Unknown,
            Some(credential) => credential
                .public_key
                .clone()
                .map_or(RegisteredKey::Unusable, RegisteredKey::Key),
        }
    };
    client_validation::verify(
        parts.headers.get_all(client_validation::HEADER),
        &request,
        who,
        registered,
        OffsetDateTime::now_utc().unix_timestamp(),
    )
}

/// The account a request authenticated as, and with what.
#[derive(Debug, Clone)]
pub(crate) struct Caller<'s> {
    pub(crate) member: &'s Member,
    pub(crate) principal: Principal,
    /// The Basic auth user name: the account SID (Auth Token) or the API key SID.
    pub(crate) basic_user: String,
}

/// The account whose SID and token (primary or secondary) are in Basic auth, or which owns the API key
/// whose SID and secret are (`SK…:secret`), if it may make requests: anything else is 401 / 20003, and an
/// account that is not active is refused as Twilio does (closed: 20003; suspended: 20005, which is
/// unconfirmed). A deleted key is unknown to its account's key store, so it is refused at once.
fn authenticate<'s>(
    fleet: &'s Fleet,
    header: Option<&HeaderValue>,
) -> Result<Caller<'s>, TwilioError> {
    let (sid, token) = basic_credentials(header).ok_or(TwilioError::AUTHENTICATE)?;
    let (member, principal) = if sid.starts_with("SK") {
        let member = fleet.key_owner(&sid).ok_or(TwilioError::AUTHENTICATE)?;
        let kind = member
            .account()
            .keys()
            .authenticate(&sid, &token)
            .ok_or(TwilioError::AUTHENTICATE)?;
        (member, Principal::Key(kind))
    } else {
        let (member, _) = fleet.find(&sid).ok_or(TwilioError::AUTHENTICATE)?;
        if !member.account().authenticates(&sid, &token, Instant::now()) {
            return Err(TwilioError::AUTHENTICATE);
        }
        (member, Principal::AuthToken)
    };
    let caller = Caller {
        member,
        principal,
        basic_user: sid,
    };
    match member.status {
        AccountStatus::Active => Ok(caller),
        AccountStatus::Suspended => Err(TwilioError::ACCOUNT_NOT_ACTIVE),
        AccountStatus::Closed => Err(TwilioError::AUTHENTICATE),
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
    if let Some(allow) = reply.allow.and_then(|a| HeaderValue::from_str(&a).ok()) {
        response.headers_mut().insert(ALLOW, allow);
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
}
