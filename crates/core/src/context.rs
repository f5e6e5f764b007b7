//! What every request shares: who (credentials), where (endpoint), as what
//! (user agent). Turns an operation into an `http::Request` and an
//! `http::Response` into a typed [`Reply`] or an [`Error`].
//!
//! The path comes from the operation's template and typed path values; the
//! query pairs are encoded here and the body's fields by the operation into
//! a [`Form`], both as `application/x-www-form-urlencoded` by
//! `form_urlencoded` (so an E.164 `+1800…` arrives as a `+`, not a space).
//!
//! The whole exchange without any I/O, with a closure standing in for the
//! network:
//!
//! ```
//! use twilio_accounts_core::{
//!     AuthToken, CreateSecondaryAuthToken, Credentials, Endpoint, RequestContext,
//! };
//!
//! let context = RequestContext::new(
//!     Credentials::auth_token(
//!         "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?,
//!         AuthToken::new("0123456789abcdef0123456789abcdef")?,
//!     ),
//!     Endpoint::default(),
//! );
//! let operation = CreateSecondaryAuthToken::new();
//! let request = context.build_request(&operation)?;
//!
//! // Send `request` with any HTTP client; here, a canned answer.
//! let response = http::Response::builder()
//!     .status(201)
//!     .body(br#"{"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","secondary_auth_token":"fedcba9876543210fedcba9876543210","date_created":"2015-07-31T04:00:00Z","date_updated":"2015-07-31T04:00:00Z","url":"https://accounts.twilio.com/v1/AuthTokens/Secondary"}"#.to_vec())
//!     .unwrap();
//!
//! let reply = context.parse_response(&operation, response)?;
//! assert_eq!(reply.value.secondary_auth_token.expose_secret(), "fedcba9876543210fedcba9876543210");
//! # Ok::<(), twilio_accounts_core::Error>(())
//! ```

use std::fmt;

use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, Request, Response};

use crate::credentials::Credentials;
use crate::endpoint::Endpoint;
use crate::error::{Error, request_id};
use crate::form::Form;
use crate::operation::{Operation, Reply, render_path};
use crate::user_agent::UserAgent;

/// The `Content-Type` of every request body.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// Credentials, endpoint and user agent: everything a request needs besides
/// the operation.
///
/// The headers every request carries are built once, when the context is
/// made (the `Authorization` value is a base64 encoding of the secret), and
/// cloned into each request.
#[derive(Clone)]
pub struct RequestContext {
    credentials: Credentials,
    endpoint: Endpoint,
    user_agent: UserAgent,
    /// `Authorization` (sensitive), `Accept`, `Accept-Charset`,
    /// `User-Agent`: the headers of a request without a body.
    headers: HeaderMap,
    /// The same, then `Content-Type` and `Content-Length: 0`: the headers of
    /// a `POST` (a body replaces the length).
    form_headers: HeaderMap,
}

/// Credentials (redacted), endpoint and user agent; the headers follow from
/// them.
impl fmt::Debug for RequestContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestContext")
            .field("credentials", &self.credentials)
            .field("endpoint", &self.endpoint)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

/// The two header templates of [`RequestContext`].
fn header_templates(credentials: &Credentials, user_agent: &UserAgent) -> (HeaderMap, HeaderMap) {
    // Extensions are checked to be visible ASCII, so this cannot fail.
    let user_agent = HeaderValue::from_str(user_agent.as_str())
        .unwrap_or_else(|_| HeaderValue::from_static("twilio-accounts-rs"));
    // Room for eight: `HeaderMap` grows before it looks for the key it
    // inserts, so the `Content-Length` a body replaces must find room.
    let mut headers = HeaderMap::with_capacity(8);
    headers.insert(header::AUTHORIZATION, credentials.authorization());
    headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    headers.insert(header::ACCEPT_CHARSET, HeaderValue::from_static("utf-8"));
    headers.insert(header::USER_AGENT, user_agent);
    let mut form_headers = headers.clone();
    form_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(FORM_CONTENT_TYPE),
    );
    form_headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
    (headers, form_headers)
}

impl RequestContext {
    /// A context with the default user agent.
    pub fn new(credentials: Credentials, endpoint: Endpoint) -> Self {
        let user_agent = UserAgent::default();
        let (headers, form_headers) = header_templates(&credentials, &user_agent);
        RequestContext {
            credentials,
            endpoint,
            user_agent,
            headers,
            form_headers,
        }
    }

    /// Replaces the user agent (e.g. with extensions added).
    pub fn with_user_agent(mut self, user_agent: UserAgent) -> Self {
        (self.headers, self.form_headers) = header_templates(&self.credentials, &user_agent);
        self.user_agent = user_agent;
        self
    }

    /// The same endpoint and user agent with other credentials: how a caller
    /// checks that a new token authenticates.
    pub fn with_credentials(&self, credentials: Credentials) -> Self {
        RequestContext::new(credentials, self.endpoint.clone())
            .with_user_agent(self.user_agent.clone())
    }

    /// The credentials.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The user agent.
    pub fn user_agent(&self) -> &UserAgent {
        &self.user_agent
    }

    /// Builds the request for `operation`.
    ///
    /// Headers: `Authorization` (marked sensitive), `Accept:
    /// application/json`, `Accept-Charset: utf-8`, `User-Agent`; on POST
    /// also `Content-Type: application/x-www-form-urlencoded` and
    /// `Content-Length` (0 when there are no form fields).
    ///
    pub fn build_request<O: Operation + ?Sized>(
        &self,
        operation: &O,
    ) -> Result<Request<Vec<u8>>, Error> {
        let uri = match operation.followed_link() {
            Some(link) => self.endpoint.uri_for(O::SERVICE, link)?,
            None => {
                let mut target = render_path(O::PATH, &operation.path_values())?;
                let query = operation.query();
                if !query.is_empty() {
                    target.push('?');
                    let start = target.len();
                    form_urlencoded::Serializer::for_suffix(&mut target, start).extend_pairs(query);
                }
                self.endpoint.uri_for(O::SERVICE, &target)?
            }
        };
        let mut form = Form::new();
        operation.form(&mut form);
        let body = form.into_body();
        let method = O::METHOD;
        let mut headers = if method == Method::POST || method == Method::PUT || !body.is_empty() {
            self.form_headers.clone()
        } else {
            self.headers.clone()
        };
        if !body.is_empty() {
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
        }
        let mut request = Request::new(body);
        *request.method_mut() = method;
        *request.uri_mut() = uri;
        *request.headers_mut() = headers;
        Ok(request)
    }

    /// Reads the answer to `operation`.
    ///
    /// A 2xx is parsed by the operation; anything else becomes an [`Error`]
    /// (Twilio's error body, a problem body, or an unexpected response). The
    /// body is wiped from memory afterwards: success bodies carry tokens.
    pub fn parse_response<O: Operation + ?Sized>(
        &self,
        operation: &O,
        response: Response<Vec<u8>>,
    ) -> Result<Reply<O::Output>, Error> {
        let (parts, mut body) = response.into_parts();
        let result = if parts.status.is_success() {
            match operation.parse_success(parts.status, &body) {
                Ok(value) => Ok(Reply::new(value, parts.status, parts.headers)),
                Err(mut err) => {
                    err.request_id = request_id(&parts.headers);
                    Err(Error::Decode(Box::new(err)))
                }
            }
        } else {
            let response = Response::from_parts(parts, std::mem::take(&mut body));
            let err = Error::from_error_response(O::ID, &response, self.credentials.is_api_key())
                .with_not_found_hint(O::NOT_FOUND_HINT);
            body = response.into_body();
            Err(err)
        };
        crate::secret::wipe(&mut body);
        result
    }
}
