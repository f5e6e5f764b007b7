//! The core alone, with an async transport of your own: here a bare
//! hyper-util client (no adapter), driven by the core's async retry loop and
//! tokio's timer. Any async HTTP client fits the same shape: a function from
//! `http::Request<Vec<u8>>` to a future of `http::Response<Vec<u8>>` that says
//! whether a failed request may have been sent.
//!
//! ```text
//! TWILIO_ACCOUNT_SID=AC… TWILIO_AUTH_TOKEN=… TWILIO_ACCOUNTS_BASE_URL=http://127.0.0.1:8080 \
//!     cargo run -p twilio-accounts-hyper --example hyper_custom_transport
//! ```
//!
//! (Plain HTTP only, to keep the example short: a real transport adds TLS.)
//! The blocking form, a bare ureq agent under `send_blocking`, is
//! `twilio-accounts-ureq`'s `ureq_custom_transport` example.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use twilio_accounts_hyper::core::{
    Credentials, CredentialsInput, Delivery, Endpoint, ListCredentialPublicKeys, PlainHttp,
    RequestContext, RetryPolicy, TransportError, TransportErrorKind, http, send_async,
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str| std::env::var(name).ok();
    let credentials = Credentials::from_env(CredentialsInput::default(), env)?;
    let url = env("TWILIO_ACCOUNTS_BASE_URL").unwrap_or_else(|| "http://127.0.0.1:8080".to_owned());
    let context = RequestContext::new(
        credentials,
        Endpoint::custom(&url, PlainHttp::LoopbackOnly)?,
    );
    let http_client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .build::<_, Full<Bytes>>(HttpConnector::new());

    // When unsure whether a failed request left the machine, say MaybeSent:
    // the core then never resends a create or a promote.
    let failed = |kind, err: &dyn std::fmt::Display| {
        TransportError::new(kind, Delivery::MaybeSent, err.to_string())
    };
    // Called once per attempt; the future it returns must own what it uses
    // (here a clone of the pooled client).
    let transport = |request: http::Request<Vec<u8>>| {
        let http_client = http_client.clone();
        async move {
            let request = request.map(|body| Full::new(Bytes::from(body)));
            let response = http_client
                .request(request)
                .await
                .map_err(|err| failed(TransportErrorKind::Other, &err))?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, 1024 * 1024)
                .collect()
                .await
                .map_err(|err| failed(TransportErrorKind::ConnectionClosed, &err))?;
            Ok(http::Response::from_parts(parts, body.to_bytes().to_vec()))
        }
    };

    // The retry loop sleeps on tokio's timer between attempts.
    let policy = RetryPolicy::default();
    let list = ListCredentialPublicKeys::new();
    let page = send_async(&context, &list, &policy, 7, &transport, tokio::time::sleep).await?;
    println!(
        "{} public key(s), HTTP {}",
        page.value.items.len(),
        page.status
    );
    Ok(())
}
