//! # twilio-accounts-ureq
//!
//! A blocking Twilio Accounts v1 client — above all for rotating Auth Tokens
//! (create a secondary, promote it, delete it) — on [ureq] 3 and rustls.
//!
//! Every request byte is built by [`twilio_accounts_core`] and every retry is
//! decided by its [`RetryPolicy`]; this crate only moves bytes, applies
//! timeouts, enforces the body cap and sleeps between attempts. Its async
//! twin, `twilio-accounts-hyper`, has the same methods under the same names.
//!
//! ## Guarantees
//! - **No duplicate rotations.** A promote or a create whose request may have
//!   reached Twilio is never resent; a lost answer is
//!   [`Error::OutcomeUnknown`]. Failures are classified exactly: a refused
//!   connection, a DNS failure or a failed TLS handshake is "not sent", and
//!   only those (and 429s) are retried for non-idempotent calls.
//! - **No secret in logs.** Events go through `tracing` (method, path,
//!   status, attempt, request id, duration), never a header value or a body.
//! - **Bounded.** Connect timeout (10 s), per-attempt timeout (30 s), body
//!   cap (1 MiB, never more than cap + 1 bytes buffered), bounded retries.
//! - **No surprises from ureq's defaults**: 4xx/5xx reach the core with their
//!   bodies, redirects are never followed, no proxy is taken from the
//!   environment unless [`ProxyMode::FromEnv`] is set, TLS uses the ring
//!   provider with Mozilla's roots (feature `webpki-roots`, default) and/or
//!   the platform's (feature `native-roots`), plus any PEM root you add.
//!
//! ## Example
//!
//! Building a client does no I/O:
//!
//! ```
//! use std::time::Duration;
//! use twilio_accounts_ureq::{AuthToken, Client, ClientOptions, Credentials};
//!
//! let credentials = Credentials::auth_token(
//!     "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?,
//!     AuthToken::new("0123456789abcdef0123456789abcdef")?,
//! );
//! let client = Client::new(
//!     credentials,
//!     ClientOptions::new()
//!         .with_base_url("http://127.0.0.1:8080") // a local simulator; the default is Twilio
//!         .with_request_timeout(Duration::from_secs(10)),
//! )?;
//! assert_eq!(client.endpoint().base_url(), "http://127.0.0.1:8080");
//! // `Debug` never shows the token.
//! assert!(!format!("{client:?}").contains("0123456789abcdef"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A rotation, with the credentials from `TWILIO_ACCOUNT_SID` and
//! `TWILIO_AUTH_TOKEN`:
//!
//! ```no_run
//! use twilio_accounts_ureq::{Client, CreateSecondaryAuthToken, PromoteAuthToken};
//!
//! let client = Client::from_env()?;
//! let secondary = client.create_secondary_auth_token(CreateSecondaryAuthToken::new())?;
//! // … deploy `secondary.value.secondary_auth_token` everywhere, then:
//! let promoted = client.promote_auth_token(PromoteAuthToken::new().suppress_email_notification(true))?;
//! println!("promoted (request {:?}, {} attempt(s))", promoted.request_id, promoted.attempts);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod connector;
mod tls;

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use zeroize::Zeroize as _;

use http::{Request, Response};
use twilio_accounts_core::client_options::{body_too_large, declared_length_exceeds};
use twilio_accounts_core::{AttemptNumber, OperationId, TransportError, send_blocking};
use ureq::config::AutoHeaderValue;

pub use twilio_accounts_core as core;
pub use twilio_accounts_core::{
    AccountSid, AuthToken, AuthTokenPromotion, CallOptions, ClientOptions, ConfigError,
    CreateSecondaryAuthToken, CredentialPublicKey, Credentials, DeleteSecondaryAuthToken, Endpoint,
    Error, ListCredentialPublicKeys, Operation, Page, PlainHttp, PromoteAuthToken, ProxyMode,
    Reply, RequestContext, RetryPolicy, SecondaryAuthToken,
};

/// The blocking client. Cheap to clone (clones share one connection pool);
/// `Send + Sync`, so one client can serve many threads.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    agent: ureq::Agent,
    context: RequestContext,
    options: ClientOptions,
    proxied: bool,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field(
                "account_sid",
                self.inner.context.credentials().account_sid(),
            )
            .field("endpoint", self.inner.context.endpoint())
            .field("options", &self.inner.options)
            .field("proxied", &self.inner.proxied)
            .finish_non_exhaustive()
    }
}

/// A seed for the retry jitter, from the standard library's per-process
/// random keys (no extra dependency).
fn jitter_seed() -> u64 {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(CALLS.fetch_add(1, Ordering::Relaxed));
    hasher.finish()
}

impl Client {
    /// A client for `credentials`, configured by `options`. The endpoint is
    /// the one in the options, or Twilio's default host; the `TWILIO_*`
    /// variables are not read (see [`Client::from_env`]). Proxy variables are
    /// read only for [`ProxyMode::FromEnv`].
    pub fn new(credentials: Credentials, options: ClientOptions) -> Result<Self, ConfigError> {
        let setup = twilio_accounts_core::ClientSetup::new(credentials, options, |name| {
            std::env::var(name).ok()
        })?;
        Self::from_setup(setup)
    }

    /// A client from the environment: `TWILIO_ACCOUNT_SID` with
    /// `TWILIO_AUTH_TOKEN` (or `TWILIO_API_KEY` / `TWILIO_API_SECRET`), and
    /// `TWILIO_ACCOUNTS_BASE_URL` or `TWILIO_REGION` / `TWILIO_EDGE`, with
    /// the default options.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_env_with(ClientOptions::new())
    }

    /// Like [`Client::from_env`], with options (an endpoint set in the
    /// options beats the environment).
    pub fn from_env_with(options: ClientOptions) -> Result<Self, ConfigError> {
        let setup =
            twilio_accounts_core::ClientSetup::from_env(options, |name| std::env::var(name).ok())?;
        Self::from_setup(setup)
    }

    fn from_setup(setup: twilio_accounts_core::ClientSetup) -> Result<Self, ConfigError> {
        let options = setup.options;
        let (tls_config, has_roots) = tls::tls_config(options.root_certificates_pem())?;
        if setup.context.endpoint().is_https() && !has_roots {
            return Err(ConfigError::Tls(
                "no root certificates: enable the webpki-roots or native-roots feature, or add a PEM root".to_owned(),
            ));
        }
        let proxy = match &setup.proxy {
            None => None,
            Some(url) => {
                let mut builder = ureq::Proxy::builder(ureq::ProxyProtocol::Http)
                    .host(url.host())
                    .port(url.port());
                if let Some(user) = url.username() {
                    builder = builder.username(user);
                }
                if let Some(password) = url.expose_password() {
                    builder = builder.password(password);
                }
                Some(builder.build().map_err(|_| {
                    ConfigError::Proxy(twilio_accounts_core::ProxyError::InvalidUrl {
                        setting: "proxy",
                    })
                })?)
            }
        };
        let config = ureq::Agent::config_builder()
            // The core reads 4xx/5xx bodies (Twilio's error codes).
            .http_status_as_error(false)
            // Never follow: a redirect could carry the credentials elsewhere.
            .max_redirects(0)
            .max_redirects_will_error(false)
            .save_redirect_history(false)
            .timeout_connect(Some(options.connect_timeout()))
            .timeout_global(Some(options.request_timeout()))
            // Only the proxy the options chose; ureq would read the environment.
            .proxy(proxy)
            // Every header comes from the core.
            .user_agent(AutoHeaderValue::None)
            .accept(AutoHeaderValue::None)
            .accept_encoding(AutoHeaderValue::None)
            .tls_config(tls_config)
            .build();
        let agent = ureq::Agent::with_parts(
            config,
            connector::MarkingConnector::default(),
            connector::MarkingResolver::default(),
        );
        Ok(Client {
            inner: Arc::new(Inner {
                agent,
                context: setup.context,
                options,
                proxied: setup.proxy.is_some(),
            }),
        })
    }

    /// The same client (same connection pool, endpoint and options) with
    /// other credentials: how a rotation checks that a new token works.
    pub fn with_credentials(&self, credentials: Credentials) -> Self {
        Client {
            inner: Arc::new(Inner {
                agent: self.inner.agent.clone(),
                context: self.inner.context.with_credentials(credentials),
                options: self.inner.options.clone(),
                proxied: self.inner.proxied,
            }),
        }
    }

    /// Where requests go.
    pub fn endpoint(&self) -> &Endpoint {
        self.inner.context.endpoint()
    }

    /// Credentials, endpoint and user agent.
    pub fn context(&self) -> &RequestContext {
        &self.inner.context
    }

    /// The options the client was built with.
    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    /// `POST /v1/AuthTokens/Promote`: the secondary token becomes the
    /// primary. Never retried once it may have reached Twilio.
    pub fn promote_auth_token(
        &self,
        operation: PromoteAuthToken,
    ) -> Result<Reply<AuthTokenPromotion>, Error> {
        self.send(&operation)
    }

    /// `POST /v1/AuthTokens/Secondary`: creates a secondary token. Never
    /// retried once it may have reached Twilio.
    pub fn create_secondary_auth_token(
        &self,
        operation: CreateSecondaryAuthToken,
    ) -> Result<Reply<SecondaryAuthToken>, Error> {
        self.send(&operation)
    }

    /// `DELETE /v1/AuthTokens/Secondary`: deletes the secondary token.
    /// Idempotent, so retried after resets and 5xx too.
    pub fn delete_secondary_auth_token(
        &self,
        operation: DeleteSecondaryAuthToken,
    ) -> Result<Reply<()>, Error> {
        self.send(&operation)
    }

    /// `GET /v1/Credentials/PublicKeys`: one page of public-key credentials
    /// (also the cheapest way to check that credentials authenticate).
    pub fn list_credential_public_keys(
        &self,
        operation: ListCredentialPublicKeys,
    ) -> Result<Reply<Page<CredentialPublicKey>>, Error> {
        self.send(&operation)
    }

    /// Sends any operation, retrying as the client's policy says.
    pub fn send<O: Operation + ?Sized>(&self, operation: &O) -> Result<Reply<O::Output>, Error> {
        self.send_with(operation, &CallOptions::new())
    }

    /// Sends any operation with per-call overrides (timeout, retry policy).
    pub fn send_with<O: Operation + ?Sized>(
        &self,
        operation: &O,
        call: &CallOptions,
    ) -> Result<Reply<O::Output>, Error> {
        self.send_in(&self.inner.context, operation, call)
    }

    /// Sends with these credentials, endpoint and user agent.
    fn send_in<O: Operation + ?Sized>(
        &self,
        context: &RequestContext,
        operation: &O,
        call: &CallOptions,
    ) -> Result<Reply<O::Output>, Error> {
        let timeout = self.inner.options.request_timeout_for(call);
        let policy = self.inner.options.retry_policy_for(call);
        let transport = |request: Request<Vec<u8>>| self.attempt(request, timeout);
        send_blocking(
            context,
            operation,
            policy,
            jitter_seed(),
            &transport,
            |delay: Duration| {
                tracing::debug!(
                    operation = O::ID,
                    delay_ms = delay.as_millis() as u64,
                    "waiting before retrying"
                );
                std::thread::sleep(delay);
            },
        )
    }

    /// One attempt: send, read the head, read the body up to the cap.
    fn attempt(
        &self,
        request: Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let attempt = request
            .extensions()
            .get::<AttemptNumber>()
            .map_or(0, |a| a.0);
        let operation = request
            .extensions()
            .get::<OperationId>()
            .map_or("", |id| id.0);
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let host = request.uri().host().unwrap_or("").to_owned();
        let started = Instant::now();
        tracing::trace!(operation, %method, %path, attempt, "sending");

        let (parts, body) = request.into_parts();
        let sent = if body.is_empty() {
            // No body at all: ureq then adds no framing header of its own
            // (the core already set `Content-Length: 0` where it belongs).
            self.run(Request::from_parts(parts, ()), timeout)
        } else {
            self.run(Request::from_parts(parts, body), timeout)
        };
        let result = sent
            .map_err(|err| connector::classify(err, &host))
            .and_then(|response| self.read_capped(response, &host));
        let micros = started.elapsed().as_micros() as u64;
        match &result {
            Ok(response) => tracing::debug!(
                operation,
                %method,
                %path,
                attempt,
                status = response.status().as_u16(),
                request_id = %twilio_accounts_core::error::request_id(response.headers()).as_deref().unwrap_or(""),
                duration_us = micros,
                "response"
            ),
            Err(err) => tracing::debug!(
                operation,
                %method,
                %path,
                attempt,
                kind = ?err.kind,
                delivery = ?err.delivery,
                error = %err,
                duration_us = micros,
                "transport failure"
            ),
        }
        result
    }

    /// Runs one request; a request-level configuration only when the call
    /// overrides the timeout (the agent-level one keeps ureq's cached TLS
    /// configuration and costs no per-request copy).
    fn run(
        &self,
        request: Request<impl ureq::AsSendBody>,
        timeout: Duration,
    ) -> Result<Response<ureq::Body>, ureq::Error> {
        let agent = &self.inner.agent;
        if timeout == self.inner.options.request_timeout() {
            agent.run(request)
        } else {
            agent.run(
                agent
                    .configure_request(request)
                    .timeout_global(Some(timeout))
                    .build(),
            )
        }
    }

    /// Reads the body, buffering at most `max_response_bytes + 1` bytes.
    fn read_capped(
        &self,
        response: Response<ureq::Body>,
        host: &str,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let limit = self.inner.options.max_response_bytes();
        let (parts, mut body) = response.into_parts();
        if declared_length_exceeds(&parts.headers, limit) {
            return Err(body_too_large(limit));
        }
        let expected = body
            .content_length()
            .map_or(1024, |n| n.min(limit as u64 + 1) as usize);
        let mut bytes = Vec::with_capacity(expected);
        let read = body
            .as_reader()
            .take(limit as u64 + 1)
            .read_to_end(&mut bytes);
        if let Err(err) = read {
            bytes.zeroize(); // it may hold a token, and will not be parsed
            return Err(connector::classify_body(err, host));
        }
        if bytes.len() > limit {
            bytes.zeroize(); // it may hold a token, and will not be parsed
            return Err(body_too_large(limit));
        }
        Ok(Response::from_parts(parts, bytes))
    }
}

/// The client as the rotation crate's send seam: a rotation's calls, each with the
/// credentials the rotation names, on this client's pool and options.
///
/// ```
/// use twilio_accounts_rotation::CallSender;
///
/// fn takes_a_sender(_: &mut impl CallSender) {}
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let credentials = twilio_accounts_ureq::Credentials::auth_token(
///     "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?,
///     "0123456789abcdef0123456789abcdef".parse()?,
/// );
/// let mut client = twilio_accounts_ureq::Client::new(
///     credentials,
///     twilio_accounts_ureq::ClientOptions::new().with_base_url("http://127.0.0.1:8080"),
/// )?;
/// takes_a_sender(&mut client);
/// # Ok(())
/// # }
/// ```
impl twilio_accounts_rotation::CallSender for Client {
    fn send_as<O: Operation>(
        &mut self,
        credentials: &Credentials,
        operation: &O,
    ) -> Result<O::Output, Error> {
        let context = self.inner.context.with_credentials(credentials.clone());
        self.send_in(&context, operation, &CallOptions::new())
            .map(Reply::into_value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const TOKEN: &str = "feedfacefeedface5ec12e7feedface2";

    fn credentials() -> Credentials {
        Credentials::auth_token(SID.parse().unwrap(), AuthToken::new(TOKEN).unwrap())
    }

    /// Options that build with any set of root features.
    fn loopback() -> ClientOptions {
        ClientOptions::new().with_base_url("http://127.0.0.1:9")
    }

    #[cfg(not(any(feature = "webpki-roots", feature = "native-roots")))]
    #[test]
    fn https_without_any_root_is_refused() {
        let err = Client::new(credentials(), ClientOptions::new()).unwrap_err();
        assert!(matches!(err, ConfigError::Tls(_)), "{err}");
    }

    #[test]
    fn the_client_is_clone_send_and_sync() {
        fn check<T: Clone + Send + Sync + 'static>() {}
        check::<Client>();
    }

    #[test]
    fn debug_shows_the_account_but_not_the_token() {
        let client = Client::new(credentials(), loopback()).unwrap();
        let text = format!("{client:?} {client:#?}");
        assert!(text.contains(SID), "{text}");
        assert!(!text.contains(TOKEN), "{text}");
    }

    #[test]
    fn plain_http_to_another_host_is_refused() {
        let err = Client::new(
            credentials(),
            ClientOptions::new().with_base_url("http://example.com"),
        )
        .unwrap_err();
        assert!(matches!(err, ConfigError::Endpoint { .. }), "{err}");
    }

    #[test]
    fn a_bad_pem_root_is_refused_when_building() {
        let err = Client::new(
            credentials(),
            ClientOptions::new().with_root_certificate_pem("not a certificate"),
        )
        .unwrap_err();
        assert!(
            matches!(err, ConfigError::RootCertificate { index: 0, .. }),
            "{err}"
        );
    }

    #[test]
    fn with_credentials_keeps_the_endpoint() {
        let client = Client::new(
            credentials(),
            ClientOptions::new().with_base_url("http://127.0.0.1:9"),
        )
        .unwrap();
        let other = client.with_credentials(Credentials::auth_token(
            SID.parse().unwrap(),
            AuthToken::new("0000000000000000000000000000000a").unwrap(),
        ));
        assert_eq!(other.endpoint(), client.endpoint());
    }

    #[cfg(feature = "suppress-wire-trace")]
    #[test]
    fn wire_trace_records_are_compiled_out() {
        // ureq_proto logs raw request bytes (the Authorization header) at TRACE.
        assert!(log::STATIC_MAX_LEVEL <= log::LevelFilter::Debug);
    }

    #[test]
    fn jitter_seeds_differ() {
        assert_ne!(jitter_seed(), jitter_seed());
    }
}
