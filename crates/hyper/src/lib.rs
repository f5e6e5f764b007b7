//! # twilio-accounts-hyper
//!
//! An async Twilio Accounts client — above all for rotating Auth Tokens
//! (create a secondary, promote it, delete it) — on hyper 1, hyper-util's
//! pooled client, hyper-rustls and tokio.
//!
//! [`Client`] is [`twilio_accounts_client::Client`] over this crate's
//! [`HyperTransport`], waiting with [`TokioSleep`]: every request byte is
//! built by the core, every retry is decided by its [`RetryPolicy`], and
//! options, environment, attempt logs and paging are the client crate's. This
//! crate only moves the bytes of one attempt: connector, TLS, timeouts, the
//! body cap, and whether a failed request may have been sent. Everything a
//! program needs is re-exported here.
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
//!   A request body (some hold the AWS secret) is wiped when hyper drops it.
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
//! A rotation's calls, with the credentials from `TWILIO_ACCOUNT_SID` and
//! `TWILIO_AUTH_TOKEN`, and a paged list as a stream:
//!
//! ```no_run
//! use twilio_accounts_hyper::{Client, CreateSecondaryAuthToken, ListCredentialAws, PromoteAuthToken};
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::from_env()?;
//! let secondary = client.create_secondary_auth_token(CreateSecondaryAuthToken::new()).await?;
//! // … deploy `secondary.value.secondary_auth_token` everywhere, then:
//! let promoted = client
//!     .promote_auth_token(PromoteAuthToken::new().suppress_email_notification(true))
//!     .await?;
//! println!("promoted (request {:?}, {} attempt(s))", promoted.request_id(), promoted.attempts);
//!
//! let mut credentials = client.items(ListCredentialAws::new().page_size(100)?).limit(500);
//! while let Some(credential) = credentials.next().await {
//!     println!("{:?}", credential?.sid);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! The examples (`cargo run -p twilio-accounts-hyper --example …`):
//! `hyper_call` (one call), `hyper_list` (a paged list), `hyper_rotate` (a
//! full rotation driven by `twilio-accounts-rotation`),
//! `hyper_custom_transport` (the core alone, with your own transport).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod connector;
mod tls;

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::uri::Authority;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{HttpConnector, capture_connection};
use hyper_util::rt::{TokioExecutor, TokioTimer};
use twilio_accounts_client::transport::{AttemptLimits, CappedBody, require_roots, timed_out};
use zeroize::Zeroizing;

pub use twilio_accounts_client::*;

/// The async client: [`twilio_accounts_client::Client`] over hyper, waiting
/// on tokio's timer. Cheap to clone (clones share one connection pool);
/// `Send + Sync`, and every call's future is `Send`.
pub type Client = twilio_accounts_client::Client<HyperTransport, TokioSleep>;

type HyperClient =
    hyper_util::client::legacy::Client<HttpsConnector<connector::Connector>, Full<Bytes>>;

/// One attempt over hyper-util's pooled client: its connection pool, TLS
/// configuration, timeouts and body cap. Built by [`Client::new`] /
/// [`Client::from_env`].
#[derive(Clone)]
pub struct HyperTransport {
    http: HyperClient,
    limits: AttemptLimits,
}

/// Waits between retries on tokio's timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleep;

impl AsyncSleep for TokioSleep {
    fn sleep(&self, duration: Duration) -> impl std::future::Future<Output = ()> + Send {
        tokio::time::sleep(duration)
    }
}

impl FromSetup for HyperTransport {
    fn from_setup(setup: &ClientSetup) -> Result<Self, ConfigError> {
        let options = &setup.options;
        let (tls_config, has_roots) = tls::client_config(options.root_certificates_pem())?;
        require_roots(setup, has_roots)?;
        let mut tcp = HttpConnector::new();
        // The TLS layer above hands https URIs down to this connector.
        tcp.enforce_http(false);
        tcp.set_connect_timeout(Some(options.connect_timeout()));
        tcp.set_nodelay(true);
        let tcp = match &setup.proxy {
            None => connector::Connector::Direct(tcp),
            Some(proxy) => {
                let uri = proxy
                    .uri()
                    .parse()
                    .map_err(|_| ConfigError::Proxy(ProxyError::InvalidUrl { setting: "proxy" }))?;
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
        Ok(HyperTransport {
            http,
            limits: AttemptLimits::of(options),
        })
    }
}

impl AsyncTransport for HyperTransport {
    /// Sends, reads the head, reads the body up to the cap, all within the
    /// attempt's [`RequestTimeout`].
    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl std::future::Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send {
        self.attempt(request)
    }
}

/// The limits only: the connector can hold a proxy's credentials.
impl fmt::Debug for HyperTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HyperTransport({:?})", self.limits)
    }
}

impl HyperTransport {
    async fn attempt(
        &self,
        request: Request<Vec<u8>>,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let timeout = self.limits.timeout_for(&request);
        // For error messages only: the authority shares the endpoint's bytes,
        // where copying the host out cost an allocation on every attempt.
        let authority = request.uri().authority().cloned();
        let host = || authority.as_ref().map_or("", Authority::host);
        // A body can hold a secret (the AWS `Credentials`): hyper reads it
        // from this buffer, which is wiped when hyper lets go of it.
        let mut request = request.map(|body| {
            Full::new(if body.is_empty() {
                Bytes::new()
            } else {
                Bytes::from_owner(Zeroizing::new(body))
            })
        });
        let capture = capture_connection(&mut request);
        let exchange = async {
            let response = self.http.request(request).await.map_err(|err| {
                let connected = capture.connection_metadata().is_some();
                connector::classify(&err, connected, host())
            })?;
            self.read_capped(response, host).await
        };
        match tokio::time::timeout(timeout, exchange).await {
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
        }
    }

    /// Reads the body, keeping at most the cap: a chunk that would go over
    /// it fails the attempt before it is kept.
    async fn read_capped<'h>(
        &self,
        response: Response<hyper::body::Incoming>,
        host: impl Fn() -> &'h str,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let (parts, mut body) = response.into_parts();
        let mut capped = CappedBody::start(&self.limits, &parts.headers)?;
        // Bounded: every frame either ends the loop or adds data, and the
        // data is capped; the attempt's timeout bounds the time.
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|err| connector::classify_body(&err, host()))?;
            if let Ok(data) = frame.into_data() {
                capped.push(&data)?;
            }
        }
        Ok(Response::from_parts(parts, capped.finish()))
    }
}

/// The README's examples, compiled as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
