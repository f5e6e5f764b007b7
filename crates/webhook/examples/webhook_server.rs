//! A webhook receiver that keeps working through a token rotation.
//!
//! ```text
//! cargo run -p twilio-accounts-webhook --example webhook_server -- \
//!     --port 0 --token-env OLD_TOKEN --token-env NEW_TOKEN \\
//!     [--trust-forwarded x-forwarded|forwarded]
//! ```
//!
//! It binds 127.0.0.1, prints `listening on http://127.0.0.1:PORT` as its
//! first line, and answers every POST with 200 and `{"matched": INDEX}` when
//! the signature is valid (INDEX: the position of the matching token in the
//! order the `--token-env` options were given), 403 when it is not, and 400
//! when the `X-Twilio-Signature` header is missing. With `--trust-forwarded
//! x-forwarded` the public URL comes from `X-Forwarded-Proto` and
//! `X-Forwarded-Host`, with `--trust-forwarded forwarded` from RFC 7239
//! `Forwarded` (only behind a proxy that overwrites that header); without
//! it, from the request's `Host`.

use std::io::Write as _;
use std::process::ExitCode;

use axum::Router;
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use twilio_accounts_core::AuthToken;
use twilio_accounts_webhook::{ForwardedHeaders, MatchedToken, PublicUrl, TokenSet, WebhookLayer};

struct Options {
    port: u16,
    token_env: Vec<String>,
    trust_forwarded: Option<ForwardedHeaders>,
}

const USAGE: &str = "usage: webhook_server --port PORT --token-env NAME [--token-env NAME ...] [--trust-forwarded x-forwarded|forwarded]";

fn options(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        port: 0,
        token_env: Vec::new(),
        trust_forwarded: None,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let value = args.next().ok_or("--port needs a value")?;
                options.port = value
                    .parse()
                    .map_err(|_| format!("--port {value:?} is not a port number"))?;
            }
            "--token-env" => options
                .token_env
                .push(args.next().ok_or("--token-env needs a variable name")?),
            "--trust-forwarded" => {
                options.trust_forwarded = match args.next().as_deref() {
                    Some("x-forwarded") => Some(ForwardedHeaders::XForwarded),
                    Some("forwarded") => Some(ForwardedHeaders::Rfc7239),
                    _ => return Err("--trust-forwarded needs x-forwarded or forwarded".into()),
                }
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if options.token_env.is_empty() {
        return Err("give at least one --token-env".into());
    }
    Ok(options)
}

/// The tokens, in the order the variables were named.
fn tokens(names: &[String]) -> Result<TokenSet, String> {
    let mut tokens = Vec::new();
    for name in names {
        let value = std::env::var(name).map_err(|_| format!("{name} is not set"))?;
        tokens.push(AuthToken::new(value).map_err(|e| format!("{name}: {e}"))?);
    }
    TokenSet::new(tokens).map_err(|e| e.to_string())
}

/// Reached only by requests the layer accepted.
async fn answer(method: Method, matched: MatchedToken) -> impl IntoResponse {
    if method != Method::POST {
        return (StatusCode::METHOD_NOT_ALLOWED, String::from("POST only"));
    }
    (
        StatusCode::OK,
        format!("{{\"matched\": {}}}", matched.index),
    )
}

async fn run(options: Options) -> Result<(), String> {
    let url = options
        .trust_forwarded
        .map_or_else(PublicUrl::from_request, PublicUrl::trust_forwarded);
    let layer = WebhookLayer::new(tokens(&options.token_env)?).public_url(url);
    let app = Router::new().fallback(answer).layer(layer);

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port))
        .await
        .map_err(|e| format!("cannot bind 127.0.0.1:{}: {e}", options.port))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on http://127.0.0.1:{port}")
        .and_then(|()| stdout.flush())
        .map_err(|e| e.to_string())?;
    drop(stdout);
    axum::serve(listener, app).await.map_err(|e| e.to_string())
}

#[tokio::main]
async fn main() -> ExitCode {
    let result = match options(std::env::args().skip(1)) {
        Ok(options) => run(options).await,
        Err(usage) => Err(format!("{usage}\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "webhook_server: {message}");
            ExitCode::from(2)
        }
    }
}
