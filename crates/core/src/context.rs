//! What every request shares: who (credentials), where (endpoint), as what
//! (user agent). Turns an operation into an `http::Request` and an
//! `http::Response` into a typed [`Reply`] or an [`Error`].
//!
//! The path comes from the operation's template and typed path values; the
//! query pairs and the form pairs are both encoded here, as
//! `application/x-www-form-urlencoded` (so an E.164 `+1800…` arrives as a
//! `+`, not a space).
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

use http::header::{self, HeaderValue};
use http::{Method, Request, Response};
use zeroize::Zeroize;

use crate::credentials::Credentials;
use crate::endpoint::Endpoint;
use crate::endpoint::EndpointError;
use crate::error::{Error, request_id};
use crate::operation::{Operation, Reply, render_path};
use crate::user_agent::UserAgent;

/// The `Content-Type` of every request body.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// `application/x-www-form-urlencoded` pairs: the query and the body alike.
fn form_encode(pairs: &[(&'static str, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))
        .finish()
}

/// Credentials, endpoint and user agent: everything a request needs besides
/// the operation.
#[derive(Clone, Debug)]
pub struct RequestContext {
    credentials: Credentials,
    endpoint: Endpoint,
    user_agent: UserAgent,
    /// Precomputed `Authorization` value (sensitive); rebuilt only when the
    /// credentials change.
    authorization: HeaderValue,
    /// Precomputed `User-Agent` value.
    user_agent_header: HeaderValue,
}

fn user_agent_header(user_agent: &UserAgent) -> HeaderValue {
    // Extensions are checked to be visible ASCII, so this cannot fail.
    HeaderValue::from_str(user_agent.as_str())
        .unwrap_or_else(|_| HeaderValue::from_static("twilio-accounts-rs"))
}

impl RequestContext {
    /// A context with the default user agent.
    pub fn new(credentials: Credentials, endpoint: Endpoint) -> Self {
        let authorization = credentials.authorization();
        let user_agent = UserAgent::default();
        RequestContext {
            credentials,
            endpoint,
            user_agent_header: user_agent_header(&user_agent),
            user_agent,
            authorization,
        }
    }

    /// Replaces the user agent (e.g. with extensions added).
    pub fn with_user_agent(mut self, user_agent: UserAgent) -> Self {
        self.user_agent_header = user_agent_header(&user_agent);
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
    pub fn build_request<O: Operation + ?Sized>(
        &self,
        operation: &O,
    ) -> Result<Request<Vec<u8>>, Error> {
        let method = O::METHOD;
        let path_and_query = match operation.followed_link() {
            Some(link) => link.to_owned(),
            None => {
                let mut path = render_path(O::PATH, &operation.path_values())?;
                let query = operation.query();
                if !query.is_empty() {
                    path.push('?');
                    path.push_str(&form_encode(&query));
                }
                path
            }
        };
        let uri = self.endpoint.uri_for(O::SERVICE, &path_and_query)?;
        let form = operation.form();
        let body = if form.is_empty() {
            Vec::new()
        } else {
            form_encode(&form).into_bytes()
        };
        let mut request = Request::builder()
            .method(method.clone())
            .uri(uri)
            .body(body)
            .map_err(|_| Error::InvalidEndpoint(EndpointError::InvalidUrl))?;
        let headers = request.headers_mut();
        headers.insert(header::AUTHORIZATION, self.authorization.clone());
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(header::ACCEPT_CHARSET, HeaderValue::from_static("utf-8"));
        headers.insert(header::USER_AGENT, self.user_agent_header.clone());
        let has_body = !request.body().is_empty();
        if method == Method::POST || method == Method::PUT || has_body {
            let length = HeaderValue::from(request.body().len());
            let headers = request.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(FORM_CONTENT_TYPE),
            );
            headers.insert(header::CONTENT_LENGTH, length);
        }
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
            let err = Error::from_error_response(O::ID, &response, self.credentials.is_api_key());
            body = response.into_body();
            Err(err)
        };
        body.zeroize();
        result
    }
}
