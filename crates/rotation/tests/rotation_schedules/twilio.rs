//! An in-memory Twilio with the Auth Token rules of `twilio-notes.md`, and
//! the faults one request can meet on its way there and back.

use base64::Engine as _;
use http::{Method, Request, Response};
use twilio_accounts_core::{Delivery, TransportError, TransportErrorKind};

pub const SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
/// The primary before the rotation.
pub const OLD: &str = "0000000000000000000000000000000a";
/// The account a create says it acted on when the credentials act on
/// another account than [`SID`] (as a parent's API key would).
pub const OTHER_ACCOUNT: &str = "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
/// How many requests a fresh token (or key) is refused for once auth lag sets in.
pub const LAG_REQUESTS: u32 = 2;

/// What Twilio does with a create while a secondary exists; the notes leave
/// it unconfirmed, so both are explored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondCreate {
    /// The new secondary replaces the old one.
    Replaces,
    /// 409 / 20409, nothing changes.
    Refuses,
}

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestFault {
    /// The connection fails before the request leaves (connect refused).
    FailBeforeSend,
    /// Twilio applies the request, the answer is lost (connection reset).
    AnswerLost,
    /// 429 / 20429: Twilio did not process it.
    RateLimited,
    /// 503 without applying.
    ServerError,
    /// 500 after applying (the answer is an error page, the change stands).
    ServerErrorApplied,
    /// From this request on, tokens other than the old one are refused for
    /// [`LAG_REQUESTS`] requests (a new token propagating).
    AuthLag,
    /// Applied, and answered 2xx with a body that has a malformed field.
    MalformedApplied,
}

impl RequestFault {
    pub const ALL: [RequestFault; 7] = [
        RequestFault::FailBeforeSend,
        RequestFault::AnswerLost,
        RequestFault::RateLimited,
        RequestFault::ServerError,
        RequestFault::ServerErrorApplied,
        RequestFault::AuthLag,
        RequestFault::MalformedApplied,
    ];
}

/// The account's tokens, and a record of what was done to them.
#[derive(Debug)]
pub struct Twilio {
    pub primary: String,
    pub secondary: Option<String>,
    pub second_create: SecondCreate,
    /// Every token Twilio created, in order.
    pub created: Vec<String>,
    /// Promotes that changed the primary.
    pub promotes: u32,
    /// The account a create's answer names; `None` leaves the field out, as
    /// the spec allows (so the schedules also cover an unchecked answer).
    pub acts_on: Option<&'static str>,
    /// Secondaries created by someone else (the Console, a colleague).
    pub outside: Vec<String>,
    /// Requests left during which fresh tokens are refused.
    lag: u32,
}

impl Twilio {
    pub fn new(second_create: SecondCreate) -> Self {
        Twilio {
            primary: OLD.into(),
            secondary: None,
            second_create,
            created: Vec::new(),
            promotes: 0,
            acts_on: None,
            outside: Vec::new(),
            lag: 0,
        }
    }

    /// Someone else creates a secondary (from the Console, say): it
    /// replaces any secondary there was, whatever an API create would do.
    pub fn outside_create(&mut self) {
        let token = format!("{:032x}", 0xcafe_0000u64 + self.outside.len() as u64);
        self.outside.push(token.clone());
        self.secondary = Some(token);
    }

    pub fn authenticates(&self, token: &str) -> bool {
        token == self.primary || self.secondary.as_deref() == Some(token)
    }

    /// Answers `request`, meeting `fault` on the way.
    pub fn handle(
        &mut self,
        request: &Request<Vec<u8>>,
        fault: Option<RequestFault>,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        meet(
            fault,
            self,
            |twilio| twilio.lag = LAG_REQUESTS,
            |twilio| twilio.apply(request),
        )
    }

    fn apply(&mut self, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
        let token = basic_auth_token(request);
        if token != OLD && self.lag > 0 {
            self.lag -= 1;
            return error(401, 20003);
        }
        if !self.authenticates(&token) {
            return error(401, 20003);
        }
        match (request.method().clone(), request.uri().path()) {
            (Method::GET, "/v1/Credentials/PublicKeys") => {
                json(200, r#"{"credentials":[],"meta":{}}"#.into())
            }
            (Method::POST, "/v1/AuthTokens/Secondary") => {
                if self.secondary.is_some() && self.second_create == SecondCreate::Refuses {
                    return error(409, 20409);
                }
                let token = format!("{:032x}", 0xbeef_0000u64 + self.created.len() as u64);
                self.created.push(token.clone());
                self.secondary = Some(token.clone());
                let account = self
                    .acts_on
                    .map(|sid| format!(r#""account_sid":"{sid}","#))
                    .unwrap_or_default();
                json(
                    201,
                    format!(r#"{{{account}"secondary_auth_token":"{token}"}}"#),
                )
            }
            (Method::GET, path) if path == format!("/2010-04-01/Accounts/{SID}.json") => json(
                200,
                format!(r#"{{"sid":"{SID}","auth_token":"{}"}}"#, self.primary),
            ),
            (Method::DELETE, "/v1/AuthTokens/Secondary") => match self.secondary.take() {
                Some(_) => Response::builder().status(204).body(Vec::new()).unwrap(),
                None => error(404, 20404),
            },
            (Method::POST, "/v1/AuthTokens/Promote") => match self.secondary.take() {
                Some(token) => {
                    self.primary = token.clone();
                    self.promotes += 1;
                    json(200, format!(r#"{{"auth_token":"{token}"}}"#))
                }
                None => error(404, 20404),
            },
            _ => error(404, 20404),
        }
    }
}

/// Answers a request to `model` through `apply`, meeting `fault` on the
/// way there and back: the one place the faults' effects are written, for
/// every in-memory Twilio. `lag` starts an [`RequestFault::AuthLag`].
pub fn meet<M>(
    fault: Option<RequestFault>,
    model: &mut M,
    lag: impl FnOnce(&mut M),
    apply: impl FnOnce(&mut M) -> Response<Vec<u8>>,
) -> Result<Response<Vec<u8>>, TransportError> {
    match fault {
        Some(RequestFault::FailBeforeSend) => {
            return Err(TransportError::new(
                TransportErrorKind::Connect,
                Delivery::NotSent,
                "connection refused",
            ));
        }
        Some(RequestFault::RateLimited) => {
            let mut response = error(429, 20429);
            response
                .headers_mut()
                .insert("retry-after", http::HeaderValue::from_static("1"));
            return Ok(response);
        }
        Some(RequestFault::ServerError) => return Ok(server_error(503)),
        Some(RequestFault::AuthLag) => lag(model),
        _ => {}
    }
    let response = apply(model);
    match fault {
        Some(RequestFault::AnswerLost) => Err(TransportError::new(
            TransportErrorKind::ConnectionClosed,
            Delivery::MaybeSent,
            "connection reset before the response",
        )),
        Some(RequestFault::ServerErrorApplied) => Ok(server_error(500)),
        Some(RequestFault::MalformedApplied) if response.status().is_success() => {
            let (parts, body) = response.into_parts();
            let text = String::from_utf8(body).unwrap_or_default();
            // A date the parser refuses, first in the object.
            let body = match text.strip_prefix('{') {
                Some(rest) => format!(r#"{{"date_created":7,"date_updated":7,{rest}"#),
                None => text,
            };
            Ok(Response::from_parts(parts, body.into_bytes()))
        }
        _ => Ok(response),
    }
}

/// The token of a request's HTTP Basic authorization (the account must be ours).
pub fn basic_auth_token(request: &Request<Vec<u8>>) -> String {
    let (user, token) = basic_auth(request);
    assert_eq!(user, SID, "every call authenticates as the rotated account");
    token
}

/// The user name and password of a request's HTTP Basic authorization.
pub fn basic_auth(request: &Request<Vec<u8>>) -> (String, String) {
    let header = request.headers()["authorization"].to_str().unwrap();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(header.trim_start_matches("Basic "))
        .unwrap();
    let decoded = String::from_utf8(decoded).unwrap();
    let (user, token) = decoded.split_once(':').unwrap();
    (user.to_owned(), token.to_owned())
}

pub fn json(status: u16, body: String) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.into_bytes())
        .unwrap()
}

pub fn error(status: u16, code: u32) -> Response<Vec<u8>> {
    json(
        status,
        format!(r#"{{"code":{code},"message":"error","status":{status}}}"#),
    )
}

fn server_error(status: u16) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header("content-type", "text/html")
        .body(b"<html>oops</html>".to_vec())
        .unwrap()
}
