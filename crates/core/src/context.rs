//! What every request shares: who (credentials), where (endpoint), as what
//! (user agent). Turns an operation into an `http::Request` and an
//! `http::Response` into a typed [`Reply`] or an [`Error`].
//!
//! The path comes from the operation's template and typed path values; the
//! query pairs are encoded here and the body's fields by the operation into
//! a [`Form`], both as `application/x-www-form-urlencoded` with one table (so
//! an E.164 `+1800…` arrives as a `+`, not a space).
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
use crate::form::{Form, encode_at, encoded_len};
use crate::operation::{Operation, PathValue, Reply, render_path_into, rendered_path_len};
use crate::user_agent::UserAgent;

/// The `Content-Type` of every request body.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// The length of `pairs` once encoded (`k=v&k=v`).
fn form_len(pairs: &[(&'static str, String)]) -> usize {
    pairs
        .iter()
        .map(|(k, v)| encoded_len(k) + 1 + encoded_len(v))
        .sum::<usize>()
        + pairs.len().saturating_sub(1)
}

/// Appends the query `pairs` as `application/x-www-form-urlencoded`, in one
/// step to the exact length: `len`, their [`form_len`], which the caller has
/// already sized its buffer with (a target whose length is its capacity
/// becomes `Bytes` without another allocation). A body is written into a
/// [`Form`] instead, which has no exact size to keep.
fn form_encode_into(out: &mut Vec<u8>, pairs: &[(&'static str, String)], len: usize) {
    let mut at = out.len();
    out.resize(at + len, 0);
    for (n, (k, v)) in pairs.iter().enumerate() {
        if n > 0 {
            out[at] = b'&';
            at += 1;
        }
        at = encode_at(out, at, k);
        out[at] = b'=';
        at = encode_at(out, at + 1, v);
    }
}

/// The path and query of a request: `prefix`, `template` filled from
/// `values`, then `?` and the query pairs, in one buffer of the exact size.
fn target(
    prefix: &str,
    template: &str,
    values: &[PathValue<'_>],
    query: &[(&'static str, String)],
) -> Result<Vec<u8>, Error> {
    let query_len = form_len(query);
    let mut target = Vec::with_capacity(
        prefix.len()
            + rendered_path_len(template, values)
            + usize::from(!query.is_empty())
            + query_len,
    );
    target.extend_from_slice(prefix.as_bytes());
    render_path_into(&mut target, template, values)?;
    if !query.is_empty() {
        target.push(b'?');
        form_encode_into(&mut target, query, query_len);
    }
    Ok(target)
}

/// A `Content-Length` value, written without the formatting machinery.
fn content_length(len: usize) -> HeaderValue {
    // A body under 1000 bytes (every form but a large bulk request) takes
    // its digits from a static table, without an allocation.
    if len < 1000 {
        let leading_zeros = usize::from(len < 100) + usize::from(len < 10);
        if let Some(digits) = SMALL_LENGTHS.get(3 * len + leading_zeros..3 * len + 3)
            && let Ok(value) = HeaderValue::from_maybe_shared(bytes::Bytes::from_static(digits))
        {
            return value;
        }
    }
    // Digits are always a valid header value; the fallback is unreachable.
    HeaderValue::from_str(itoa::Buffer::new().format(len))
        .unwrap_or_else(|_| HeaderValue::from(len))
}

/// Whether `path` has a `{placeholder}`; evaluated when an operation's
/// request builder is compiled, not each time it runs.
const fn has_placeholder(path: &str) -> bool {
    let bytes = path.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'{' {
            return true;
        }
        at += 1;
    }
    false
}

/// 000 to 999, three digits each.
static SMALL_LENGTHS: [u8; 3000] = {
    let mut digits = [0; 3000];
    let mut n = 0;
    while n < 1000 {
        digits[3 * n] = b'0' + (n / 100) as u8;
        digits[3 * n + 1] = b'0' + (n / 10 % 10) as u8;
        digits[3 * n + 2] = b'0' + (n % 10) as u8;
        n += 1;
    }
    digits
};

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
    /// The path, the query and the body are each written once into a buffer
    /// of the exact size: a request costs a handful of allocations, whatever
    /// the operation.
    pub fn build_request<O: Operation + ?Sized>(
        &self,
        operation: &O,
    ) -> Result<Request<Vec<u8>>, Error> {
        let prefix = self.endpoint.path_prefix(O::SERVICE);
        let uri = match operation.followed_link() {
            Some(link) => self.endpoint.uri_for(O::SERVICE, link)?,
            None => {
                let values = operation.path_values();
                let values = values.as_slice();
                let query = operation.query();
                if prefix.is_empty()
                    && query.is_empty()
                    && values.is_empty()
                    && const { !has_placeholder(O::PATH) }
                {
                    // A fixed path under a base URL without a path of its
                    // own: the template itself, not copied.
                    self.endpoint.static_uri(O::SERVICE, O::PATH)?
                } else {
                    self.endpoint
                        .uri_under(O::SERVICE, target(prefix, O::PATH, values, &query)?)?
                }
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
            headers.insert(header::CONTENT_LENGTH, content_length(body.len()));
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
            let err = Error::from_error_response(O::ID, &response, self.credentials.is_api_key());
            body = response.into_body();
            Err(err)
        };
        crate::secret::wipe(&mut body);
        result
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_path_has_a_placeholder_where_it_has_a_brace() {
        let cases = [
            ("/v1/Consents/Bulk", false),
            ("/v1/Credentials/AWS/{Sid}", true),
            ("/2010-04-01/Accounts/{Sid}.json", true),
            ("{", true),
            ("", false),
        ];
        for (path, expected) in cases {
            assert_eq!(has_placeholder(path), expected, "{path}");
        }
    }

    fn encoded(pairs: &[(&'static str, String)]) -> String {
        let mut out = Vec::new();
        form_encode_into(&mut out, pairs, form_len(pairs));
        String::from_utf8(out).expect("the encoding is ASCII")
    }

    #[test]
    fn form_encoding_cases() {
        let cases: &[(&[(&'static str, &str)], &str)] = &[
            (&[], ""),
            (
                &[("PhoneNumber", "+18001234567")],
                "PhoneNumber=%2B18001234567",
            ),
            (&[("FriendlyName", "a b&c=d")], "FriendlyName=a+b%26c%3Dd"),
            (&[("A", ""), ("B", "*-._~")], "A=&B=*-._%7E"),
            (
                &[("Items", r#"{"k":"é"}"#)],
                "Items=%7B%22k%22%3A%22%C3%A9%22%7D",
            ),
        ];
        for (pairs, expected) in cases {
            let pairs: Vec<_> = pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
            assert_eq!(encoded(&pairs), *expected, "{pairs:?}");
            assert_eq!(form_len(&pairs), expected.len(), "{pairs:?}");
        }
    }

    #[test]
    fn content_lengths_are_decimal() {
        for len in (0..=1000).chain([12_345, usize::MAX]) {
            assert_eq!(content_length(len), len.to_string().as_str());
        }
    }

    proptest! {
        /// The encoder is the WHATWG `application/x-www-form-urlencoded`
        /// serializer, byte for byte, and `form_len` predicts its length.
        #[test]
        fn form_encoding_matches_the_reference(
            values in proptest::collection::vec(any::<String>(), 0..4),
        ) {
            let pairs: Vec<(&'static str, String)> =
                values.into_iter().map(|v| ("Name", v)).collect();
            let reference = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))
                .finish();
            let ours = encoded(&pairs);
            prop_assert_eq!(&ours, &reference);
            prop_assert_eq!(form_len(&pairs), ours.len());
        }
    }
}
