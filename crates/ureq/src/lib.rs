//! # twilio-accounts-ureq
//!
//! A blocking Twilio Accounts client — above all for rotating Auth Tokens
//! (create a secondary, promote it, delete it) — on [ureq] 3 and rustls.
//!
//! [`Client`] is [`twilio_accounts_client::Client`] over this crate's
//! [`UreqTransport`]: every request byte is built by the core, every retry is
//! decided by its [`RetryPolicy`], and options, environment, attempt logs and
//! paging are the client crate's. This crate only moves the bytes of one
//! attempt: connector, TLS, timeouts, the body cap, and whether a failed
//! request may have been sent. Everything a program needs is re-exported here.
//!
//! ## Guarantees
//! - **No duplicate rotations.** A promote or a create whose request may have
//!   reached Twilio is never resent; a lost answer is
//!   [`Error::OutcomeUnknown`]. Failures are classified exactly: a refused
//!   connection, a DNS failure or a failed TLS handshake is "not sent", and
//!   only those (and 429s) are retried for non-idempotent calls.
//! - **No secret in logs.** Events go through `tracing` (method, path,
//!   status, attempt, request id, duration), never a header value or a body;
//!   ureq's own wire trace (raw request and response bytes, at TRACE) is
//!   compiled out in every build: this crate caps the `log` crate's static
//!   level at DEBUG for the whole binary, with or without default features.
//!   A request body (some hold the AWS secret) is wiped after each attempt.
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
//! A rotation's calls, with the credentials from `TWILIO_ACCOUNT_SID` and
//! `TWILIO_AUTH_TOKEN`, and a paged list:
//!
//! ```no_run
//! use twilio_accounts_ureq::{Client, CreateSecondaryAuthToken, ListCredentialAws, PromoteAuthToken};
//!
//! let client = Client::from_env()?;
//! let secondary = client.create_secondary_auth_token(CreateSecondaryAuthToken::new())?;
//! // … deploy `secondary.value.secondary_auth_token` everywhere, then:
//! let promoted = client.promote_auth_token(PromoteAuthToken::new().suppress_email_notification(true))?;
//! println!("promoted (request {:?}, {} attempt(s))", promoted.request_id(), promoted.attempts);
//!
//! for credential in client.items(ListCredentialAws::new().page_size(100)?).limit(500) {
//!     println!("{:?}", credential?.sid);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The examples (`cargo run -p twilio-accounts-ureq --example …`): `ureq_call`
//! (one call), `ureq_list` (a paged list), `ureq_rotate` (a full rotation driven
//! by `twilio-accounts-rotation`), `ureq_custom_transport` (the core alone, with
//! your own transport).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod connector;
mod tls;

use std::fmt;
use std::io::Read;
use std::time::Duration;

use http::uri::Authority;
use http::{Request, Response};
use twilio_accounts_client::transport::{AttemptLimits, CappedBody, require_roots};
use ureq::config::AutoHeaderValue;
use zeroize::Zeroizing;

pub use twilio_accounts_client::*;

/// The blocking client: [`twilio_accounts_client::Client`] over ureq.
/// Cheap to clone (clones share one connection pool); `Send + Sync`.
pub type Client = twilio_accounts_client::Client<UreqTransport>;

/// One attempt over a ureq agent: its connection pool, TLS configuration,
/// timeouts and body cap. Built by [`Client::new`] / [`Client::from_env`].
pub struct UreqTransport {
    agent: ureq::Agent,
    limits: AttemptLimits,
}

/// The limits only: the agent's configuration can name a proxy's user.
impl fmt::Debug for UreqTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UreqTransport({:?})", self.limits)
    }
}

impl FromSetup for UreqTransport {
    fn from_setup(setup: &ClientSetup) -> Result<Self, ConfigError> {
        let options = &setup.options;
        let proxy =
            match &setup.proxy {
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
                        ConfigError::Proxy(ProxyError::InvalidUrl { setting: "proxy" })
                    })?)
                }
            };
        let (tls_config, has_roots) = tls::tls_config(options.root_certificates_pem())?;
        require_roots(setup, has_roots)?;
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
        Ok(UreqTransport {
            agent: ureq::Agent::with_parts(
                config,
                connector::MarkingConnector::default(),
                connector::MarkingResolver::default(),
            ),
            limits: AttemptLimits::of(options),
        })
    }
}

impl BlockingTransport for UreqTransport {
    /// Sends, reads the head, reads the body up to the cap, all within the
    /// attempt's [`RequestTimeout`].
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let timeout = self.limits.timeout_for(&request);
        // For error messages only: the authority shares the endpoint's bytes,
        // where copying the host out cost an allocation on every attempt.
        let authority = request.uri().authority().cloned();
        let host = || authority.as_ref().map_or("", Authority::host);
        let (parts, body) = request.into_parts();
        // A body can hold a secret (the AWS `Credentials`): ureq writes it
        // from this buffer, which is wiped when the attempt is over.
        let body = Zeroizing::new(body);
        let sent = if body.is_empty() {
            // No body at all: ureq then adds no framing header of its own
            // (the core already set `Content-Length: 0` where it belongs).
            self.run(Request::from_parts(parts, ()), timeout)
        } else {
            self.run(Request::from_parts(parts, &*body), timeout)
        };
        sent.map_err(|err| connector::classify(err, host()))
            .and_then(|response| self.read_capped(response, host))
    }
}

impl UreqTransport {
    /// Runs one request; a request-level configuration only when the call
    /// overrides the timeout (the agent-level one keeps ureq's cached TLS
    /// configuration and costs no per-request copy).
    fn run(
        &self,
        request: Request<impl ureq::AsSendBody>,
        timeout: Duration,
    ) -> Result<Response<ureq::Body>, ureq::Error> {
        let agent = &self.agent;
        if timeout == self.limits.request_timeout {
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

    /// Reads the body, buffering at most the cap plus one byte.
    fn read_capped<'h>(
        &self,
        response: Response<ureq::Body>,
        host: impl Fn() -> &'h str,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let (parts, mut body) = response.into_parts();
        let mut capped = CappedBody::start(&self.limits, &parts.headers)?;
        body.as_reader()
            .take(capped.read_allowance())
            .read_to_end(capped.buffer())
            .map_err(|err| connector::classify_body(err, host()))?;
        capped.check()?;
        Ok(Response::from_parts(parts, capped.finish()))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn wire_trace_records_are_compiled_out_in_every_configuration() {
        // ureq_proto logs raw request bytes (the Authorization header) at
        // TRACE; tests/wire_trace.rs checks the records themselves.
        assert!(log::STATIC_MAX_LEVEL <= log::LevelFilter::Debug);
    }
}

/// The README's examples, compiled as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
