//! What a transport adapter implements to sit under the [`Client`](crate::Client),
//! and the small pieces every transport needs.
//!
//! An adapter crate provides one type that implements the core's
//! [`BlockingTransport`](twilio_accounts_core::BlockingTransport) or
//! [`AsyncTransport`](twilio_accounts_core::AsyncTransport) (move the bytes of
//! one attempt, classify a failure as sent or not) and [`FromSetup`] (build
//! itself from the checked options: TLS roots, proxy, connect timeout, body
//! cap). An async adapter also says how to wait ([`AsyncSleep`]). Everything
//! else (endpoint, credentials, retries, jitter, logging, paging) is the
//! client's, written once.
//!
//! Each request a transport receives carries, in its extensions, the core's [`AttemptNumber`](twilio_accounts_core::AttemptNumber)
//! and [`OperationId`](twilio_accounts_core::OperationId), and a
//! [`RequestTimeout`] when the call overrides the options' timeout.
//!
//! ```
//! use std::time::Duration;
//! use twilio_accounts_client::transport::{FromSetup, RequestTimeout};
//! use twilio_accounts_client::{
//!     BlockingTransport, Client, ClientOptions, ClientSetup, ConfigError, Credentials,
//!     DeleteSecondaryAuthToken, TransportError,
//! };
//!
//! /// A transport that answers every request with 204 (a real one would
//! /// send it over the network).
//! struct NoContent {
//!     max_response_bytes: usize,
//! }
//!
//! impl FromSetup for NoContent {
//!     fn from_setup(setup: &ClientSetup) -> Result<Self, ConfigError> {
//!         Ok(NoContent { max_response_bytes: setup.options.max_response_bytes() })
//!     }
//! }
//!
//! impl BlockingTransport for NoContent {
//!     fn send(
//!         &self,
//!         request: http::Request<Vec<u8>>,
//!     ) -> Result<http::Response<Vec<u8>>, TransportError> {
//!         // No override: the options' timeout applies.
//!         assert_eq!(request.extensions().get::<RequestTimeout>(), None);
//!         Ok(http::Response::builder().status(204).body(Vec::new()).unwrap())
//!     }
//! }
//!
//! let client: Client<NoContent> = Client::new(
//!     Credentials::auth_token(
//!         "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?,
//!         "0123456789abcdef0123456789abcdef".parse()?,
//!     ),
//!     ClientOptions::new().with_base_url("http://127.0.0.1:8080"),
//! )?;
//! let reply = client.delete_secondary_auth_token(DeleteSecondaryAuthToken::new())?;
//! assert_eq!(reply.attempts, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::future::Future;
use std::time::Duration;

use twilio_accounts_core::{Delivery, TransportError, TransportErrorKind};

use crate::options::{ClientSetup, ConfigError};

/// A transport that can build itself from a client's checked options.
///
/// Implemented by the adapters' transports; [`Client::new`](crate::Client::new)
/// and [`Client::from_env`](crate::Client::from_env) call it.
pub trait FromSetup: Sized {
    /// Builds the transport (connection pool, TLS, proxy, timeouts, body
    /// cap) for `setup`. Does no I/O beyond loading root certificates.
    fn from_setup(setup: &ClientSetup) -> Result<Self, ConfigError>;
}

/// How an async client waits between retries (a runtime's timer).
pub trait AsyncSleep {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send;
}

/// The mode of a blocking client: it waits between retries with
/// [`std::thread::sleep`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ThreadSleep;

/// How long one attempt may take when a call overrides the options' timeout
/// ([`CallOptions::with_request_timeout`](crate::CallOptions::with_request_timeout)),
/// in the request's extensions; absent otherwise, and the transport applies
/// the options' timeout (kept in its [`AttemptLimits`]). Either way the
/// timeout covers the whole attempt, from connecting to the last byte of the
/// body. (Absent by default so that the common call inserts nothing.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestTimeout(pub Duration);

impl RequestTimeout {
    /// The timeout in `request`'s extensions, or `default` when the request
    /// did not come from a client.
    pub fn of<B>(request: &http::Request<B>, default: Duration) -> Duration {
        request
            .extensions()
            .get::<RequestTimeout>()
            .map_or(default, |timeout| timeout.0)
    }
}

/// What a transport enforces on every attempt, taken from the options once:
/// the default timeout (a call's override arrives as the request's
/// [`RequestTimeout`]) and the body cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptLimits {
    /// The options' per-attempt timeout.
    pub request_timeout: Duration,
    /// The largest response body to read.
    pub max_response_bytes: usize,
}

impl AttemptLimits {
    /// The limits the options set.
    pub fn of(options: &crate::options::ClientOptions) -> Self {
        AttemptLimits {
            request_timeout: options.request_timeout(),
            max_response_bytes: options.max_response_bytes(),
        }
    }

    /// The timeout for `request`: its [`RequestTimeout`], else the default.
    pub fn timeout_for<B>(&self, request: &http::Request<B>) -> Duration {
        RequestTimeout::of(request, self.request_timeout)
    }
}

/// A response body being read under the cap: the bytes so far, wiped on drop
/// unless [`CappedBody::finish`] hands them on. An answer may carry a token,
/// so a body given up half-way (too large, a connection reset, a timeout)
/// never lingers in memory.
pub struct CappedBody {
    bytes: Vec<u8>,
    limit: usize,
}

impl fmt::Debug for CappedBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CappedBody({} of at most {} bytes)",
            self.bytes.len(),
            self.limit
        )
    }
}

impl CappedBody {
    /// Starts reading a body with these headers: a declared `Content-Length`
    /// over the cap is refused before a byte is read; a declared one within
    /// it is reserved at once.
    pub fn start(
        limits: &AttemptLimits,
        headers: &http::HeaderMap,
    ) -> Result<Self, TransportError> {
        let limit = limits.max_response_bytes;
        let declared = content_length(headers);
        if declared.is_some_and(|length| length > limit as u64) {
            return Err(body_too_large(limit));
        }
        Ok(CappedBody {
            bytes: Vec::with_capacity(declared.map_or(1024, |n| n.min(limit as u64) as usize)),
            limit,
        })
    }

    /// How many more bytes a reader should be allowed, plus one: reading one
    /// byte past the cap is how a reader without chunks notices an oversized
    /// body ([`CappedBody::check`] then refuses it).
    pub fn read_allowance(&self) -> u64 {
        (self.limit - self.bytes.len().min(self.limit)) as u64 + 1
    }

    /// Adds a chunk; a chunk that would go over the cap fails the attempt
    /// before it is kept.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), TransportError> {
        if self.bytes.len() + chunk.len() > self.limit {
            return Err(body_too_large(self.limit));
        }
        self.bytes.extend_from_slice(chunk);
        Ok(())
    }

    /// The buffer, for readers that append to a `Vec` themselves (bounded by
    /// [`CappedBody::read_allowance`]); call [`CappedBody::check`] after.
    pub fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }

    /// Refuses a body that went over the cap.
    pub fn check(&self) -> Result<(), TransportError> {
        if self.bytes.len() > self.limit {
            return Err(body_too_large(self.limit));
        }
        Ok(())
    }

    /// The whole body, handed on (no longer wiped here).
    pub fn finish(mut self) -> Vec<u8> {
        std::mem::take(&mut self.bytes)
    }
}

impl Drop for CappedBody {
    fn drop(&mut self) {
        twilio_accounts_core::secret::wipe(&mut self.bytes);
    }
}

/// Refuses an `https` endpoint when the transport trusts no root
/// certificate at all (no root feature enabled and none added): every
/// connection would fail, so building fails instead, saying what to do.
pub fn require_roots(setup: &ClientSetup, any_root: bool) -> Result<(), ConfigError> {
    if setup.context.endpoint().is_https() && !any_root {
        return Err(ConfigError::Tls(
            "no root certificates: enable the webpki-roots or native-roots feature, or add a PEM root"
                .to_owned(),
        ));
    }
    Ok(())
}

/// The error for a response body over the cap (`limit` bytes). The request
/// reached the server, which answered: [`Delivery::MaybeSent`].
pub fn body_too_large(limit: usize) -> TransportError {
    TransportError::new(
        TransportErrorKind::BodyTooLarge,
        Delivery::MaybeSent,
        format!("the response body is larger than the {limit}-byte limit; it was not read further"),
    )
}

/// Whether a declared `Content-Length` already exceeds the cap, so the body
/// need not be read at all.
pub fn declared_length_exceeds(headers: &http::HeaderMap, limit: usize) -> bool {
    content_length(headers).is_some_and(|length| length > limit as u64)
}

/// The declared `Content-Length`, when there is a readable one.
fn content_length(headers: &http::HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
}

/// The error for an attempt that did not finish within `timeout`.
pub fn timed_out(timeout: Duration, delivery: Delivery) -> TransportError {
    TransportError::new(
        TransportErrorKind::Timeout,
        delivery,
        format!(
            "the request did not complete within {} ms",
            timeout.as_millis()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_limits_and_timeouts_have_clear_errors() {
        let err = body_too_large(1024);
        assert_eq!(err.kind, TransportErrorKind::BodyTooLarge);
        assert_eq!(err.delivery, Delivery::MaybeSent);
        assert!(err.message.contains("1024-byte"));
        let mut headers = http::HeaderMap::new();
        assert!(!declared_length_exceeds(&headers, 10));
        headers.insert(http::header::CONTENT_LENGTH, "11".parse().unwrap());
        assert!(declared_length_exceeds(&headers, 10));
        assert!(!declared_length_exceeds(&headers, 11));
        let t = timed_out(Duration::from_millis(250), Delivery::NotSent);
        assert_eq!(t.kind, TransportErrorKind::Timeout);
        assert!(t.message.contains("250 ms"));
    }

    #[test]
    fn an_https_endpoint_needs_a_root_and_plain_http_does_not() {
        let credentials = || {
            twilio_accounts_core::Credentials::auth_token(
                "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap(),
                "0123456789abcdef0123456789abcdef".parse().unwrap(),
            )
        };
        let https = ClientSetup::new(credentials(), Default::default(), |_| None).unwrap();
        let err = require_roots(&https, false).unwrap_err();
        assert!(matches!(err, ConfigError::Tls(_)), "{err}");
        assert!(err.to_string().contains("webpki-roots"), "{err}");
        assert!(require_roots(&https, true).is_ok());
        let plain = ClientSetup::new(
            credentials(),
            crate::ClientOptions::new().with_base_url("http://127.0.0.1:9"),
            |_| None,
        )
        .unwrap();
        assert!(require_roots(&plain, false).is_ok());
    }

    #[test]
    fn a_capped_body_refuses_what_goes_over_the_cap() {
        let limits = AttemptLimits {
            request_timeout: Duration::from_secs(1),
            max_response_bytes: 4,
        };
        let mut headers = http::HeaderMap::new();
        let mut body = CappedBody::start(&limits, &headers).unwrap();
        assert_eq!(body.read_allowance(), 5);
        body.push(b"ab").unwrap();
        assert_eq!(body.read_allowance(), 3);
        let err = body.push(b"cde").unwrap_err();
        assert_eq!(err.kind, TransportErrorKind::BodyTooLarge);
        body.push(b"cd").unwrap();
        assert_eq!(body.read_allowance(), 1);
        body.buffer().push(b'e');
        assert!(body.check().is_err());
        let mut exact = CappedBody::start(&limits, &headers).unwrap();
        exact.push(b"abcd").unwrap();
        assert!(exact.check().is_ok());
        assert_eq!(exact.finish(), b"abcd");
        headers.insert(http::header::CONTENT_LENGTH, "5".parse().unwrap());
        assert!(CappedBody::start(&limits, &headers).is_err());
    }

    #[test]
    fn the_timeout_comes_from_the_extensions_or_the_default() {
        let mut request = http::Request::new(());
        assert_eq!(
            RequestTimeout::of(&request, Duration::from_secs(3)),
            Duration::from_secs(3)
        );
        request
            .extensions_mut()
            .insert(RequestTimeout(Duration::from_millis(5)));
        assert_eq!(
            RequestTimeout::of(&request, Duration::from_secs(3)),
            Duration::from_millis(5)
        );
    }
}
