//! axum extractors for requests that passed the [`WebhookLayer`](crate::WebhookLayer).
//!
//! The layer has already checked the signature and left the body as it was;
//! these extractors decode it for the handler, and refuse (500) a request the
//! layer did not pass, so a route that forgot the layer fails loudly instead
//! of accepting unsigned webhooks.
//!
//! ```
//! use axum::{Router, routing::post};
//! use serde::Deserialize;
//! use twilio_accounts_core::AuthToken;
//! use twilio_accounts_webhook::{MatchedToken, TokenSet, TwilioForm, WebhookLayer};
//!
//! #[derive(Deserialize)]
//! struct Sms {
//!     #[serde(rename = "From")]
//!     from: String,
//!     #[serde(rename = "Body")]
//!     body: String,
//! }
//!
//! async fn sms(matched: MatchedToken, TwilioForm(sms): TwilioForm<Sms>) -> String {
//!     format!("{} said {:?} (token {})", sms.from, sms.body, matched.index)
//! }
//!
//! let tokens = TokenSet::new([AuthToken::new("old")?, AuthToken::new("new")?])?;
//! let app: Router = Router::new()
//!     .route("/sms", post(sms))
//!     .layer(WebhookLayer::new(tokens));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use axum_core::extract::{FromRequest, FromRequestParts, Request};
use axum_core::response::{IntoResponse, Response};
use bytes::Bytes;
use http::StatusCode;
use http::request::Parts;
use serde::de::DeserializeOwned;

use crate::layer::MatchedToken;

/// The validated form fields of a webhook, decoded into `T`.
#[derive(Debug, Clone)]
pub struct TwilioForm<T>(pub T);

/// The validated JSON body of a webhook (one signed with `bodySHA256`),
/// decoded into `T`.
#[derive(Debug, Clone)]
pub struct TwilioJson<T>(pub T);

/// Why an extractor refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExtractRejection {
    /// The request did not pass a [`WebhookLayer`](crate::WebhookLayer): 500.
    #[error("the webhook was not validated: the route lacks WebhookLayer")]
    NotValidated,
    /// The body could not be read: 400.
    #[error("the webhook body could not be read")]
    BodyUnreadable,
    /// The body does not decode into the handler's type: 400.
    #[error("the webhook body does not have the expected fields")]
    Undecodable,
}

impl IntoResponse for ExtractRejection {
    fn into_response(self) -> Response {
        let status = match self {
            ExtractRejection::NotValidated => StatusCode::INTERNAL_SERVER_ERROR,
            ExtractRejection::BodyUnreadable | ExtractRejection::Undecodable => {
                StatusCode::BAD_REQUEST
            }
        };
        (status, self.to_string()).into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for MatchedToken {
    type Rejection = ExtractRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<MatchedToken>()
            .copied()
            .ok_or(ExtractRejection::NotValidated)
    }
}

/// The body of a request the layer passed.
async fn validated_body<S: Send + Sync>(
    request: Request,
    state: &S,
) -> Result<Bytes, ExtractRejection> {
    if request.extensions().get::<MatchedToken>().is_none() {
        return Err(ExtractRejection::NotValidated);
    }
    Bytes::from_request(request, state)
        .await
        .map_err(|_| ExtractRejection::BodyUnreadable)
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for TwilioForm<T> {
    type Rejection = ExtractRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = validated_body(request, state).await?;
        serde_urlencoded::from_bytes(&body)
            .map(TwilioForm)
            .map_err(|_| ExtractRejection::Undecodable)
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for TwilioJson<T> {
    type Rejection = ExtractRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = validated_body(request, state).await?;
        serde_json::from_slice(&body)
            .map(TwilioJson)
            .map_err(|_| ExtractRejection::Undecodable)
    }
}
