//! # twilio-accounts-hyper
//!
//! An async Twilio Accounts v1 client — above all for rotating Auth Tokens
//! (create a secondary, promote it, delete it) — on hyper 1, hyper-util's
//! pooled client, hyper-rustls and tokio.
//!
//! Every request byte is built by [`twilio_accounts_core`] and every retry is
//! decided by its [`RetryPolicy`]; this crate only moves bytes, applies
//! timeouts, enforces the body cap and sleeps between attempts. Its blocking
//! twin, `twilio-accounts-ureq`, has the same methods under the same names.
//!
//! ## Guarantees
//! - **No duplicate rotations.** A promote or a create whose request may have
//!   reached Twilio is never resent; a lost answer is
//!   [`Error::OutcomeUnknown`]. A failure is "not sent" only when no
//!   connection was ever assigned to the request (connect, DNS, proxy or TLS
//!   handshake failure, or a timeout before that); only those (and 429s) are
//!   retried for non-idempotent calls.
//! - **Cancel-safe.** Dropping a call's future (a `select!`, a timeout)
//!   drops its in-flight request; a connection in the middle of an answer is
//!   closed, never handed to the next call, so the pool stays healthy.
//! - **No secret in logs.** Events go through `tracing` (method, path,
//!   status, attempt, request id, duration), never a header value or a body.
//! - **Bounded.** Connect timeout (10 s), per-attempt timeout (30 s), body
//!   cap (1 MiB, checked before each chunk is kept), bounded retries.
//! - **No surprises**: redirects are never followed, no proxy is used unless
//!   [`ProxyMode`] asks for one, TLS uses the ring provider with Mozilla's
//!   roots (feature `webpki-roots`, default) and/or the platform's (feature
//!   `native-roots`), plus any PEM root you add.
//!
//! The client needs a tokio runtime (with the `time` and `net` drivers) when
//! a call runs, not when it is built.
//!
//! ## Example
//!
//! Building a client does no I/O:
//!
//! ```
//! use std::time::Duration;
//! use twilio_accounts_hyper::{AuthToken, Client, ClientOptions, Credentials};
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
//! use twilio_accounts_hyper::{Client, CreateSecondaryAuthToken, PromoteAuthToken};
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::from_env()?;
//! let secondary = client.create_secondary_auth_token(CreateSecondaryAuthToken::new()).await?;
//! // … deploy `secondary.value.secondary_auth_token` everywhere, then:
//! let promoted = client
//!     .promote_auth_token(PromoteAuthToken::new().suppress_email_notification(true))
//!     .await?;
//! println!("promoted (request {:?}, {} attempt(s))", promoted.request_id, promoted.attempts);
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod connector;
mod tls;

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use zeroize::Zeroize as _;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{HttpConnector, capture_connection};
use hyper_util::rt::{TokioExecutor, TokioTimer};
use twilio_accounts_core::client_options::{body_too_large, declared_length_exceeds, timed_out};
use twilio_accounts_core::{AttemptNumber, Delivery, OperationId, TransportError, send_async};

pub use twilio_accounts_core as core;
pub use twilio_accounts_core::{
    AccountSid, AuthToken, AuthTokenPromotion, CallOptions, ClientOptions, ConfigError,
    CreateSecondaryAuthToken, CredentialPublicKey, Credentials, DeleteSecondaryAuthToken, Endpoint,
    Error, ListCredentialPublicKeys, Operation, Page, PlainHttp, PromoteAuthToken, ProxyMode,
    Reply, RequestContext, RetryPolicy, SecondaryAuthToken,
};

type HyperClient =
    hyper_util::client::legacy::Client<HttpsConnector<connector::Connector>, Full<Bytes>>;

/// The async client. Cheap to clone (clones share one connection pool);
/// `Send + Sync`, and every call's future is `Send`.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: HyperClient,
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
        let (tls_config, has_roots) = tls::client_config(options.root_certificates_pem())?;
        if setup.context.endpoint().is_https() && !has_roots {
            return Err(ConfigError::Tls(
                "no root certificates: enable the webpki-roots or native-roots feature, or add a PEM root".to_owned(),
            ));
        }
        let mut tcp = HttpConnector::new();
        // The TLS layer above hands https URIs down to this connector.
        tcp.enforce_http(false);
        tcp.set_connect_timeout(Some(options.connect_timeout()));
        tcp.set_nodelay(true);
        let tcp = match &setup.proxy {
            None => connector::Connector::Direct(tcp),
            Some(proxy) => {
                let uri = proxy.uri().parse().map_err(|_| {
                    ConfigError::Proxy(twilio_accounts_core::ProxyError::InvalidUrl {
                        setting: "proxy",
                    })
                })?;
                let mut tunnel = Tunnel::new(uri, tcp);
                if let Some(auth) = proxy.basic_authorization() {
                    tunnel = tunnel.with_auth(auth);
                }
                connector::Connector::Tunnel(tunnel)
            }
        };
        let https = HttpsConnectorBuilder::new()
            .with_tls_config(tls_config)
            .https_or_http()
            .enable_http1()
            .wrap_connector(tcp);
        let http = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .build(https);
        Ok(Client {
            inner: Arc::new(Inner {
                http,
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
                http: self.inner.http.clone(),
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
    pub async fn promote_auth_token(
        &self,
        operation: PromoteAuthToken,
    ) -> Result<Reply<AuthTokenPromotion>, Error> {
        self.send(&operation).await
    }

    /// `POST /v1/AuthTokens/Secondary`: creates a secondary token. Never
    /// retried once it may have reached Twilio.
    pub async fn create_secondary_auth_token(
        &self,
        operation: CreateSecondaryAuthToken,
    ) -> Result<Reply<SecondaryAuthToken>, Error> {
        self.send(&operation).await
    }

    /// `DELETE /v1/AuthTokens/Secondary`: deletes the secondary token.
    /// Idempotent, so retried after resets and 5xx too.
    pub async fn delete_secondary_auth_token(
        &self,
        operation: DeleteSecondaryAuthToken,
    ) -> Result<Reply<()>, Error> {
        self.send(&operation).await
    }

    /// `GET /v1/Credentials/PublicKeys`: one page of public-key credentials
    /// (also the cheapest way to check that credentials authenticate).
    pub async fn list_credential_public_keys(
        &self,
        operation: ListCredentialPublicKeys,
    ) -> Result<Reply<Page<CredentialPublicKey>>, Error> {
        self.send(&operation).await
    }

    /// Sends any operation, retrying as the client's policy says.
    pub async fn send<O: Operation + ?Sized>(
        &self,
        operation: &O,
    ) -> Result<Reply<O::Output>, Error> {
        self.send_with(operation, &CallOptions::new()).await
    }

    /// Sends any operation with per-call overrides (timeout, retry policy).
    pub async fn send_with<O: Operation + ?Sized>(
        &self,
        operation: &O,
        call: &CallOptions,
    ) -> Result<Reply<O::Output>, Error> {
        self.send_in(&self.inner.context, operation, call).await
    }

    /// Sends with these credentials, endpoint and user agent.
    async fn send_in<O: Operation + ?Sized>(
        &self,
        context: &RequestContext,
        operation: &O,
        call: &CallOptions,
    ) -> Result<Reply<O::Output>, Error> {
        let timeout = self.inner.options.request_timeout_for(call);
        let policy = self.inner.options.retry_policy_for(call);
        let transport = |request: Request<Vec<u8>>| self.attempt(request, timeout);
        send_async(
            context,
            operation,
            policy,
            jitter_seed(),
            &transport,
            move |delay: Duration| {
                tracing::debug!(
                    operation = O::ID,
                    delay_ms = delay.as_millis() as u64,
                    "waiting before retrying"
                );
                tokio::time::sleep(delay)
            },
        )
        .await
    }

    /// One attempt within the timeout: send, read the head, read the body
    /// up to the cap.
    async fn attempt(
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

        let mut request = request.map(|body| Full::new(Bytes::from(body)));
        let capture = capture_connection(&mut request);
        let exchange = async {
            let response = self.inner.http.request(request).await.map_err(|err| {
                let connected = capture.connection_metadata().is_some();
                connector::classify(&err, connected, &host)
            })?;
            self.read_capped(response, &host).await
        };
        let result = match tokio::time::timeout(timeout, exchange).await {
            Ok(result) => result,
            Err(_elapsed) => {
                // Without an assigned connection, not a byte was written.
                let delivery = if capture.connection_metadata().is_some() {
                    Delivery::MaybeSent
                } else {
                    Delivery::NotSent
                };
                Err(timed_out(timeout, delivery))
            }
        };
        let micros = started.elapsed().as_micros() as u64;
        match &result {
            Ok(response) => tracing::debug!(
                operation,
                %method,
                %path,
                attempt,
                status = response.status().as_u16(),
                request_id = %twilio_accounts_core::error::request_id(response.headers())
                    .as_deref()
                    .unwrap_or(""),
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

    /// Reads the body, keeping at most `max_response_bytes` bytes: a chunk
    /// that would go over the cap fails the attempt before it is kept.
    async fn read_capped(
        &self,
        response: Response<hyper::body::Incoming>,
        host: &str,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let limit = self.inner.options.max_response_bytes();
        let (parts, mut body) = response.into_parts();
        if declared_length_exceeds(&parts.headers, limit) {
            return Err(body_too_large(limit));
        }
        let mut bytes = Vec::new();
        // Bounded: every frame either ends the loop or adds data, and the
        // data is capped; the attempt's timeout bounds the time.
        while let Some(frame) = body.frame().await {
            let frame = match frame {
                Ok(frame) => frame,
                Err(err) => {
                    bytes.zeroize(); // it may hold a token, and will not be parsed
                    return Err(connector::classify_body(&err, host));
                }
            };
            if let Ok(data) = frame.into_data() {
                if bytes.len() + data.len() > limit {
                    bytes.zeroize(); // it may hold a token, and will not be parsed
                    return Err(body_too_large(limit));
                }
                bytes.extend_from_slice(&data);
            }
        }
        Ok(Response::from_parts(parts, bytes))
    }
}

/// The client as the rotation crate's send seam: a rotation's calls, each with the
/// credentials the rotation names, on this client's pool and options.
///
/// ```
/// use twilio_accounts_rotation::AsyncCallSender;
///
/// fn takes_a_sender(_: &mut impl AsyncCallSender) {}
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let credentials = twilio_accounts_hyper::Credentials::auth_token(
///     "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?,
///     "0123456789abcdef0123456789abcdef".parse()?,
/// );
/// let mut client = twilio_accounts_hyper::Client::new(
///     credentials,
///     twilio_accounts_hyper::ClientOptions::new().with_base_url("http://127.0.0.1:8080"),
/// )?;
/// takes_a_sender(&mut client);
/// # Ok(())
/// # }
/// ```
impl twilio_accounts_rotation::AsyncCallSender for Client {
    async fn send_as<O: Operation + Sync>(
        &mut self,
        credentials: &Credentials,
        operation: &O,
    ) -> Result<O::Output, Error> {
        let context = self.inner.context.with_credentials(credentials.clone());
        self.send_in(&context, operation, &CallOptions::new())
            .await
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
    fn the_client_and_its_futures_are_send_and_sync() {
        fn check<T: Clone + Send + Sync + 'static>() {}
        check::<Client>();
        fn send_future<F: std::future::Future + Send>(_: F) {}
        let client = Client::new(credentials(), loopback()).unwrap();
        send_future(client.promote_auth_token(PromoteAuthToken::new()));
        send_future(client.send(&ListCredentialPublicKeys::new()));
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
    fn jitter_seeds_differ() {
        assert_ne!(jitter_seed(), jitter_seed());
    }
}
