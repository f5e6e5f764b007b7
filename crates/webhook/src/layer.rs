//! A tower [`Layer`] that lets through only webhooks Twilio signed.
//!
//! For each request, [`WebhookService`]:
//! 1. reads `X-Twilio-Signature` (missing: **400**; repeated or not text:
//!    **400**) and `X-Twilio-Webhooks-Signature-Settings` (HMAC-SHA256 when it
//!    names it, else HMAC-SHA1);
//! 2. rebuilds the public URL Twilio signed ([`PublicUrl`]; no usable host:
//!    **400**);
//! 3. buffers the body up to the limit (default 64 KiB; over it: **413**;
//!    a body that fails or ends early: **400**) within a deadline for the
//!    whole body (default 10 s; a body still incomplete then: **408**);
//! 4. picks the tokens ([`TokenSet::lookup`]) by the form's `AccountSid`,
//!    and checks the signature: a form body's fields are signed, or, when
//!    the URL carries `bodySHA256`, a (JSON) body must match it. A URL whose
//!    path had to be percent-encoded for the request line (a space,
//!    non-ASCII letters) is also tried as it was configured. No match:
//!    **403**;
//! 5. with [`deduplicate`](WebhookLayer::deduplicate) set (off by
//!    default), refuses a webhook whose `I-Twilio-Idempotency-Token` was
//!    seen within the window: **409** (see [`crate::replay`]);
//! 6. calls the inner service with the same body bytes, and a
//!    [`MatchedToken`] in the request's extensions.
//!
//! The body deadline runs on tokio's timer: the service must run inside a
//! tokio runtime with time enabled (axum's `serve` and `#[tokio::main]` are).
//!
//! Rejections carry a short `text/plain` body such as `invalid signature`,
//! never a token or anything from the request.
//!
//! ```
//! use bytes::Bytes;
//! use http::{Request, Response};
//! use http_body_util::{BodyExt, Full};
//! use tower::{Layer, ServiceExt, service_fn};
//! use twilio_accounts_core::AuthToken;
//! use twilio_accounts_webhook::{MatchedToken, SignatureAlgorithm, TokenSet, WebhookLayer, sign_request};
//!
//! let tokens = TokenSet::new([AuthToken::new("old")?, AuthToken::new("new")?])?;
//! let service = WebhookLayer::new(tokens).layer(service_fn(|request: Request<Full<Bytes>>| async move {
//!     let matched = request.extensions().get::<MatchedToken>().map(|m| m.index);
//!     Ok::<_, std::convert::Infallible>(Response::new(Full::<Bytes>::from(format!("{matched:?}"))))
//! }));
//!
//! let signature = sign_request(
//!     &AuthToken::new("new")?,
//!     SignatureAlgorithm::HmacSha1,
//!     "https://hooks.example.com/sms",
//!     &[("Body", "hi")],
//! )?;
//! let request = Request::post("https://hooks.example.com/sms")
//!     .header("X-Twilio-Signature", signature)
//!     .header("Content-Type", "application/x-www-form-urlencoded")
//!     .body(Full::from("Body=hi"))?;
//! // The layer needs tokio's timer (axum's `serve` runs in such a runtime).
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
//! let response = runtime.block_on(service.oneshot(request))?;
//! assert_eq!(response.status(), 200);
//! let seen = runtime.block_on(response.into_body().collect())?.to_bytes();
//! assert_eq!(seen, "Some(1)"); // signed with the second token
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tower_layer::Layer;
use tower_service::Service;
use twilio_accounts_core::AccountSid;

use crate::fingerprint::TokenFingerprint;
use crate::public_url::{PublicUrl, PublicUrlError};
use crate::replay::{IDEMPOTENCY_HEADER, SeenTokens};
use crate::signature::{
    Payload, SIGNATURE_HEADER, SIGNATURE_SETTINGS_HEADER, SignatureAlgorithm, WebhookRequest,
};
use crate::token_set::TokenSet;

/// The default body limit: 64 KiB, above the form webhooks Twilio sends (an
/// SMS body is at most 1,600 characters), small enough that unauthenticated
/// clients cannot make the service buffer much. Raise it with
/// [`WebhookLayer::body_limit`] for larger JSON event webhooks.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// The default deadline for reading a whole body: 10 s. Twilio sends a
/// webhook in one go; a client that trickles one byte at a time must not
/// hold a connection and a buffer for as long as it likes.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// Which token a request was signed with, in the request's extensions.
///
/// `fingerprint` names the token for good: when the old token's fingerprint
/// stops appearing, it can be [retired](TokenSet::retire). `index` is only
/// its position in the [`TokenSet`]'s current list (the account's own list
/// when `account` is set), which shifts whenever the list changes: the new
/// token is 1 during a rotation and 0 after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MatchedToken {
    /// The matching token's fingerprint: stable across changes of the set.
    pub fingerprint: TokenFingerprint,
    /// Position of the matching token in the list it was matched in, at
    /// the time: not stable across changes of the set.
    pub index: usize,
    /// The account whose own tokens matched; `None` for the fallback tokens.
    pub account: Option<AccountSid>,
}

/// Why the layer answered instead of the inner service.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// No `X-Twilio-Signature` header: 400.
    MissingSignature,
    /// More than one `X-Twilio-Signature`, or one that is not text: 400.
    MalformedSignature,
    /// No public URL could be rebuilt (see [`PublicUrlError`]): 400.
    Url(PublicUrlError),
    /// The body is over the limit: 413.
    BodyTooLarge,
    /// The whole body did not arrive within the deadline: 408.
    BodyTimeout,
    /// The body failed or ended before its announced length: 400.
    BodyUnreadable,
    /// No token matched, the body does not match `bodySHA256`, or there are
    /// no tokens for the request: 403.
    InvalidSignature,
    /// A validly signed webhook whose `I-Twilio-Idempotency-Token` was seen
    /// within the window ([`WebhookLayer::deduplicate`]): 409.
    Replayed,
}

impl Rejection {
    /// The status code the layer answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Rejection::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Rejection::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            Rejection::InvalidSignature => StatusCode::FORBIDDEN,
            Rejection::Replayed => StatusCode::CONFLICT,
            Rejection::MissingSignature
            | Rejection::MalformedSignature
            | Rejection::Url(_)
            | Rejection::BodyUnreadable => StatusCode::BAD_REQUEST,
        }
    }

    /// The short body the layer answers with.
    pub fn message(&self) -> &'static str {
        match self {
            Rejection::MissingSignature => "missing X-Twilio-Signature",
            Rejection::MalformedSignature => "malformed X-Twilio-Signature",
            Rejection::Url(PublicUrlError::MissingHost) => "missing Host",
            Rejection::Url(_) => "cannot rebuild the request URL",
            Rejection::BodyTooLarge => "body too large",
            Rejection::BodyTimeout => "body too slow",
            Rejection::BodyUnreadable => "body unreadable",
            Rejection::InvalidSignature => "invalid signature",
            Rejection::Replayed => "webhook already received",
        }
    }

    fn response<B: From<Bytes>>(self) -> Response<B> {
        let mut response = Response::new(B::from(Bytes::from_static(self.message().as_bytes())));
        *response.status_mut() = self.status();
        response.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        response
    }
}

type MatchHook = Arc<dyn Fn(&MatchedToken) + Send + Sync>;

#[derive(Clone)]
struct Config {
    tokens: TokenSet,
    url: PublicUrl,
    body_limit: usize,
    body_timeout: Duration,
    replays: Option<Arc<Mutex<SeenTokens>>>,
    on_match: Option<MatchHook>,
}

/// Wraps a service so that it sees only signed webhooks. Cheap to clone.
#[derive(Clone)]
pub struct WebhookLayer {
    config: Arc<Config>,
}

impl fmt::Debug for WebhookLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookLayer")
            .field("tokens", &self.config.tokens)
            .field("url", &self.config.url)
            .field("body_limit", &self.config.body_limit)
            .field("body_timeout", &self.config.body_timeout)
            .field("deduplicate", &self.config.replays.is_some())
            .field("on_match", &self.config.on_match.is_some())
            .finish()
    }
}

impl WebhookLayer {
    /// A layer checking against `tokens` (keep a clone to update them), with
    /// the default URL ([`PublicUrl::from_request`]), body limit
    /// ([`DEFAULT_BODY_LIMIT`]) and body deadline ([`DEFAULT_BODY_TIMEOUT`]).
    pub fn new(tokens: TokenSet) -> Self {
        WebhookLayer {
            config: Arc::new(Config {
                tokens,
                url: PublicUrl::default(),
                body_limit: DEFAULT_BODY_LIMIT,
                body_timeout: DEFAULT_BODY_TIMEOUT,
                replays: None,
                on_match: None,
            }),
        }
    }

    fn with(mut self, change: impl FnOnce(&mut Config)) -> Self {
        change(Arc::make_mut(&mut self.config));
        self
    }

    /// How the URL Twilio signed is rebuilt.
    pub fn public_url(self, url: PublicUrl) -> Self {
        self.with(|c| c.url = url)
    }

    /// The largest body buffered, in bytes; a larger one gets 413.
    pub fn body_limit(self, bytes: usize) -> Self {
        self.with(|c| c.body_limit = bytes)
    }

    /// How long the whole body may take to arrive, counted from when the
    /// layer starts reading it; a body still incomplete then gets 408.
    pub fn body_timeout(self, deadline: Duration) -> Self {
        self.with(|c| c.body_timeout = deadline)
    }

    /// Refuses (409) a validly signed webhook whose
    /// `I-Twilio-Idempotency-Token` was already seen within `window`,
    /// remembering at most `max_entries` tokens (the oldest is forgotten
    /// first). Off by default. A request without the header passes; a token
    /// is remembered once its signature is valid, before the inner service
    /// runs (a delivery the service then failed is refused when Twilio
    /// retries it). The header is not signed: see [`crate::replay`] for what
    /// this stops and what it cannot. Services cloned from this layer share
    /// one memory.
    pub fn deduplicate(self, window: Duration, max_entries: usize) -> Self {
        let seen = SeenTokens::new(window, max_entries);
        self.with(|c| c.replays = Some(Arc::new(Mutex::new(seen))))
    }

    /// Called once for every accepted request, for example to count matches
    /// per token and see when an old token stops being used.
    pub fn on_match(self, hook: impl Fn(&MatchedToken) + Send + Sync + 'static) -> Self {
        self.with(|c| c.on_match = Some(Arc::new(hook)))
    }
}

impl<S> Layer<S> for WebhookLayer {
    type Service = WebhookService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        WebhookService {
            inner,
            config: Arc::clone(&self.config),
        }
    }
}

/// The service [`WebhookLayer`] makes: see the [module docs](self).
#[derive(Clone)]
pub struct WebhookService<S> {
    inner: S,
    config: Arc<Config>,
}

impl<S: fmt::Debug> fmt::Debug for WebhookService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookService")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<S, B, ResBody> Service<Request<B>> for WebhookService<S>
where
    S: Service<Request<B>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    B: Body + From<Bytes> + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    ResBody: From<Bytes>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The clone that was polled ready serves this request.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let config = Arc::clone(&self.config);
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            match check(&config, &parts, body).await {
                Ok((matched, bytes)) => {
                    if let Some(hook) = &config.on_match {
                        hook(&matched);
                    }
                    parts.extensions.insert(matched);
                    inner.call(Request::from_parts(parts, B::from(bytes))).await
                }
                Err(rejection) => Ok(rejection.response()),
            }
        })
    }
}

async fn check<B>(
    config: &Config,
    parts: &http::request::Parts,
    body: B,
) -> Result<(MatchedToken, Bytes), Rejection>
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut signatures = parts.headers.get_all(SIGNATURE_HEADER).iter();
    let signature = match (signatures.next(), signatures.next()) {
        (None, _) => return Err(Rejection::MissingSignature),
        (Some(one), None) => one.to_str().map_err(|_| Rejection::MalformedSignature)?,
        (Some(_), Some(_)) => return Err(Rejection::MalformedSignature),
    };
    let algorithm = SignatureAlgorithm::from_settings_header(
        parts
            .headers
            .get(SIGNATURE_SETTINGS_HEADER)
            .and_then(|v| v.to_str().ok()),
    );
    let url = config.url.resolve(parts).map_err(Rejection::Url)?;

    let announced = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > config.body_limit as u64) {
        return Err(Rejection::BodyTooLarge);
    }
    let collected = tokio::time::timeout(
        config.body_timeout,
        Limited::new(body, config.body_limit).collect(),
    );
    let bytes = collected
        .await
        .map_err(|_| Rejection::BodyTimeout)?
        .map_err(|error| {
            if error.downcast_ref::<LengthLimitError>().is_some() {
                Rejection::BodyTooLarge
            } else {
                Rejection::BodyUnreadable
            }
        })?
        .to_bytes();

    // Twilio's rule (as in its own helpers): a URL with `bodySHA256` signs a
    // raw body; any other request signs its form fields.
    let signs_body = url.contains("bodySHA256=");
    let payload = if signs_body {
        Payload::Body(&bytes)
    } else {
        Payload::FormBody(&bytes)
    };
    let account = if signs_body {
        None
    } else {
        form_urlencoded::parse(&bytes)
            .find(|(name, _)| name == "AccountSid")
            .and_then(|(_, sid)| sid.parse::<AccountSid>().ok())
    };
    let lookup = config
        .tokens
        .lookup(account.as_ref())
        .ok_or(Rejection::InvalidSignature)?;
    let request = WebhookRequest {
        url: &url,
        payload,
        signature,
        algorithm,
    };
    // Twilio signs the URL as it was configured, which may hold a space or
    // non-ASCII letters that the request line had to percent-encode.
    let index = match lookup.validator.validate(&request) {
        Ok(index) => Ok(index),
        Err(error) => match as_configured(&url) {
            Some(configured) => lookup.validator.validate(&WebhookRequest {
                url: &configured,
                ..request
            }),
            None => Err(error),
        },
    }
    .map_err(|_| Rejection::InvalidSignature)?;
    let fingerprint = lookup
        .validator
        .fingerprint(index)
        .ok_or(Rejection::InvalidSignature)?;
    if let (Some(replays), Some(token)) = (&config.replays, parts.headers.get(IDEMPOTENCY_HEADER)) {
        let now = tokio::time::Instant::now().into_std();
        let mut seen = replays.lock().unwrap_or_else(PoisonError::into_inner);
        if !seen.first_sighting(token.as_bytes(), now) {
            return Err(Rejection::Replayed);
        }
    }
    Ok((
        MatchedToken {
            fingerprint,
            index,
            account: lookup.account,
        },
        bytes,
    ))
}

/// `url` with the escapes an HTTP client must make (`%20`, and the bytes of
/// non-ASCII letters) undone; `None` when there are none. Reserved
/// characters (`%26`, `%2F`, ...) stay escaped: decoding them would change
/// the URL's structure.
fn as_configured(url: &str) -> Option<String> {
    let bytes = url.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut changed = false;
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok())
            .filter(|b| *b == b' ' || !b.is_ascii());
        match escaped {
            Some(b) => {
                out.push(b);
                changed = true;
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    changed.then(|| String::from_utf8(out).ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::as_configured;

    #[test]
    fn only_spaces_and_non_ascii_letters_are_unescaped() {
        let cases = [
            (
                "https://h/a%20b/%C3%BCn?x=%C3%A9",
                Some("https://h/a b/ün?x=é"),
            ),
            ("https://h/a?x=1%262&y=%2F", None),
            ("https://h/a%20b?x=1%262", Some("https://h/a b?x=1%262")),
            ("https://h/%C3", None), // not UTF-8 once decoded
            ("https://h/%2", None),
            ("https://h/plain", None),
        ];
        for (url, expected) in cases {
            assert_eq!(as_configured(url).as_deref(), expected, "{url}");
        }
    }
}
