//! The core alone, with a transport of your own: here a bare ureq agent
//! (no adapter), driven by the core's retry loop. The same shape fits any
//! HTTP client: a function from `http::Request<Vec<u8>>` to
//! `http::Response<Vec<u8>>` that says whether a failed request may have
//! been sent.
//!
//! ```text
//! TWILIO_ACCOUNT_SID=AC… TWILIO_AUTH_TOKEN=… TWILIO_ACCOUNTS_BASE_URL=http://127.0.0.1:8080 \
//!     cargo run -p twilio-accounts-ureq --example ureq_custom_transport
//! ```

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Read;
use std::process::ExitCode;

use twilio_accounts_ureq::core::{
    Credentials, CredentialsInput, Delivery, Endpoint, ListCredentialPublicKeys, PlainHttp,
    RequestContext, RetryPolicy, TransportError, TransportErrorKind, http, send_blocking,
};

fn main() -> ExitCode {
    let env = |name: &str| std::env::var(name).ok();
    let credentials = match Credentials::from_env(CredentialsInput::default(), env) {
        Ok(credentials) => credentials,
        Err(err) => {
            eprintln!("configuration: {err}");
            return ExitCode::from(2);
        }
    };
    let endpoint = match env("TWILIO_ACCOUNTS_BASE_URL") {
        Some(url) => match Endpoint::custom(&url, PlainHttp::LoopbackOnly) {
            Ok(endpoint) => endpoint,
            Err(err) => {
                eprintln!("TWILIO_ACCOUNTS_BASE_URL: {err}");
                return ExitCode::from(2);
            }
        },
        None => Endpoint::default(),
    };
    let context = RequestContext::new(credentials, endpoint);

    // Status codes are the core's to read; redirects are never followed.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let transport = |request: http::Request<Vec<u8>>| {
        let response = agent.run(request).map_err(|err| {
            // A careful transport tells "never sent" (connect failures) from
            // "may have been sent"; when unsure, say MaybeSent: the core then
            // never resends a create or a promote.
            TransportError::new(
                TransportErrorKind::Other,
                Delivery::MaybeSent,
                err.to_string(),
            )
        })?;
        let (parts, body) = response.into_parts();
        let mut bytes = Vec::new();
        body.into_reader()
            .take(1024 * 1024)
            .read_to_end(&mut bytes)
            .map_err(|err| {
                TransportError::new(
                    TransportErrorKind::ConnectionClosed,
                    Delivery::MaybeSent,
                    err.to_string(),
                )
            })?;
        Ok(http::Response::from_parts(parts, bytes))
    };

    let list = ListCredentialPublicKeys::new();
    match send_blocking(
        &context,
        &list,
        &RetryPolicy::default(),
        7,
        &transport,
        std::thread::sleep,
    ) {
        Ok(reply) => {
            println!(
                "{} public key(s) on the first page, HTTP {}",
                reply.value.items.len(),
                reply.status
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("failed: {err}");
            ExitCode::FAILURE
        }
    }
}
