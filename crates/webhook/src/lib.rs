//! # twilio-accounts-webhook
//!
//! Checks that a webhook really comes from Twilio (`X-Twilio-Signature`), with
//! **several Auth Tokens at once**, so that a service keeps accepting webhooks
//! while the account's token is rotated.
//!
//! Twilio signs every webhook with the account's primary Auth Token. The
//! moment a rotation promotes a new token the signing key changes; a service
//! that knows only one token rejects every webhook until it is redeployed. A
//! [`WebhookValidator`] holds the current and the next token and says which
//! one matched, so the old one can be retired once it stops matching.
//!
//! ```
//! use twilio_accounts_core::AuthToken;
//! use twilio_accounts_webhook::{Payload, SignatureAlgorithm, WebhookRequest, WebhookValidator};
//!
//! let validator = WebhookValidator::new([AuthToken::new("old-token")?, AuthToken::new("12345")?])?;
//! let params = [
//!     ("CallSid", "CA1234567890ABCDE"),
//!     ("Caller", "+14158675309"),
//!     ("Digits", "1234"),
//!     ("From", "+14158675309"),
//!     ("To", "+18005551212"),
//! ];
//! let request = WebhookRequest {
//!     url: "https://mycompany.com/myapp.php?foo=1&bar=2",
//!     payload: Payload::Params(&params),
//!     signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
//!     algorithm: SignatureAlgorithm::HmacSha1,
//! };
//! // Signed with the second token: time to retire the first.
//! assert_eq!(validator.validate(&request), Ok(1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## In a tower or axum service (features `tower`, `axum`)
//!
//! Off by default, so the plain validator stays small. With `tower`,
//! `WebhookLayer` validates every request before the inner service sees it:
//! it buffers the body up to a limit (413 over it) within a deadline (408
//! after it; the layer runs on tokio's timer), answers 400 when the
//! signature header is missing and 403 when it does not match (short bodies
//! that name no token), and hands the unchanged body on, with a
//! `MatchedToken` (the matching token's [`TokenFingerprint`]) in the
//! request's extensions. Its tokens come from a
//! [`TokenSet`], a cheap cloneable handle that the application updates while
//! it runs (after a rotation, from its secret store; one token added or
//! retired at a time, by fingerprint), with per-account tokens
//! for services that receive the webhooks of many subaccounts. With `axum`,
//! the `TwilioForm` and `TwilioJson` extractors give handlers the validated
//! fields, and `MatchedToken` is an extractor too.
//!
//! ## Which URL is checked
//!
//! Twilio signs the **public** URL it requested, which a service behind a
//! proxy or load balancer does not see. By default the layer uses the
//! request's own scheme and `Host` header and never trusts forwarded headers,
//! since any client can send them. `PublicUrl` (feature `tower`) chooses
//! otherwise: a fixed public base URL (recommended: it trusts nothing the
//! client sends), or the forwarded headers of **one** family, named
//! explicitly (`X-Forwarded-Proto` and `X-Forwarded-Host`, or RFC 7239
//! `Forwarded`), when a proxy you control overwrites them on every request;
//! the other family is ignored. Its documentation has a proxy example.
//!
//! ## What the layer protects against, and what it cannot
//!
//! - **Forged webhooks** are refused (403): only a token you hold makes a
//!   valid signature.
//! - **A forged URL**: the signature covers the URL, so which URL is
//!   checked matters (above). Forwarded headers are trusted only when named,
//!   one family at a time, and only safely behind a proxy that overwrites
//!   them; `PublicUrl::fixed` trusts nothing the client sends.
//! - **Slow and large bodies** from clients that have not proved anything
//!   yet: a deadline for the whole body (default 10 s, 408) and a limit
//!   (default 64 KiB, 413).
//! - **Replay is not stopped by the signature**: Twilio's scheme has no
//!   timestamp or nonce, so a captured webhook stays valid for ever. The
//!   layer's optional de-duplication on `I-Twilio-Idempotency-Token`
//!   (`WebhookLayer::deduplicate`, 409) refuses a second delivery within a
//!   window, with bounded memory; that header is not signed, so it stops
//!   re-deliveries and unchanged resends, not an attacker who edits headers
//!   (the `replay` module says more). Keep webhooks on HTTPS and handlers
//!   idempotent.
//!
//! ## Guarantees
//! - Signatures are compared in constant time; tokens are never printed
//!   (`Debug` says `[redacted]`) and no rejection names one.
//! - The algorithm is Twilio's, checked against the official Node helper's
//!   vectors: see [`signature`].
//! - Bad input is a typed error or a 4xx answer, never a panic.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod fingerprint;
pub mod signature;
pub mod token_set;

#[cfg(feature = "tower")]
pub mod layer;
#[cfg(feature = "tower")]
pub mod public_url;
#[cfg(feature = "tower")]
pub mod replay;

#[cfg(feature = "axum")]
pub mod extract;

pub use fingerprint::TokenFingerprint;
pub use signature::{
    Payload, SIGNATURE_HEADER, SIGNATURE_SETTINGS_HEADER, SignatureAlgorithm, WebhookError,
    WebhookRequest, WebhookValidator, sign_request,
};
pub use token_set::{TokenLookup, TokenSet};

#[cfg(feature = "tower")]
pub use layer::{MatchedToken, Rejection, WebhookLayer, WebhookService};
#[cfg(feature = "tower")]
pub use public_url::{ForwardedHeaders, PublicUrl, PublicUrlError};
#[cfg(feature = "tower")]
pub use replay::IDEMPOTENCY_HEADER;

// The README's examples are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;

#[cfg(feature = "axum")]
pub use extract::{ExtractRejection, TwilioForm, TwilioJson};
