//! # twilio-accounts-client
//!
//! What every ready-made Twilio Accounts client shares, written once and
//! with no I/O dependency: [`ClientOptions`] and the environment
//! ([`ClientSetup`]), proxies ([`proxy`]), Public Key Client Validation
//! ([`pkcv`]: every request signed), the credentials swap, the retry
//! loop with a fresh jitter seed per call, `tracing` events for every attempt,
//! and paging ([`paging`]: a blocking iterator and an async `Stream` over the
//! pages or items of any list operation).
//!
//! [`Client`] is generic over a transport: the core's
//! [`BlockingTransport`] (then it blocks) or [`AsyncTransport`] with an
//! [`AsyncSleep`] (then it returns futures). You
//! normally use it through a transport crate, which supplies the transport
//! and names the type (one for a blocking HTTP stack, one for an async one,
//! each with its own `Client` alias). To carry the
//! requests yourself, implement [`transport::FromSetup`] for your transport,
//! or build the client with [`Client::with_transport`].
//!
//! Everything a program needs from the core is re-exported here.
//!
//! ```
//! use twilio_accounts_client::{Client, ClientOptions, ClientSetup, Credentials, PromoteAuthToken, TransportError};
//!
//! // A transport is any function from request to response.
//! let transport = |request: http::Request<Vec<u8>>| -> Result<http::Response<Vec<u8>>, TransportError> {
//!     assert_eq!(request.uri(), "http://127.0.0.1:8080/v1/AuthTokens/Promote");
//!     Ok(http::Response::builder()
//!         .status(200)
//!         .body(br#"{"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","auth_token":"fedcba9876543210fedcba9876543210","date_created":null,"date_updated":null,"url":null}"#.to_vec())
//!         .unwrap())
//! };
//! let setup = ClientSetup::new(
//!     Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, "0123456789abcdef0123456789abcdef".parse()?),
//!     ClientOptions::new().with_base_url("http://127.0.0.1:8080"),
//!     |_| None,
//! )?;
//! let client = Client::with_transport(setup, transport, Default::default());
//! let promoted = client.promote_auth_token(PromoteAuthToken::new())?;
//! assert_eq!(promoted.value.auth_token.expose_secret(), "fedcba9876543210fedcba9876543210");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Modules
//! [`client`] (the client), [`options`] (what a client is built with),
//! [`proxy`] (HTTP proxies from options or the environment), [`paging`]
//! (iterators and streams over lists), [`pkcv`] (signing every request for
//! Public Key Client Validation), [`transport`] (what an adapter
//! implements).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod attempt_log;
pub mod client;
pub mod options;
pub mod paging;
pub mod pkcv;
pub mod proxy;
pub mod transport;

pub use twilio_accounts_core as core;
pub use twilio_accounts_core::*;

pub use client::Client;
pub use options::{
    CallOptions, ClientOptions, ClientSetup, ConfigError, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_REQUEST_TIMEOUT, ENV_BASE_URL, ProxyMode, pem_roots,
};
pub use paging::{ItemStream, Items, PageReply, PageStream, Pages};
pub use pkcv::PkcvSigner;
pub use proxy::{NoProxy, ProxyConfig, ProxyError, ProxyUrl};
pub use transport::{AsyncSleep, FromSetup, RequestTimeout, ThreadSleep};

/// The README's examples, compiled as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
