//! `/v1/AuthTokens/…`: the Auth Token lifecycle: create a secondary token,
//! promote it, delete it.
//!
//! | type | operationId |
//! |---|---|
//! | [`PromoteAuthToken`] | `UpdateAuthTokenPromotion` |
//! | [`CreateSecondaryAuthToken`] | `CreateSecondaryAuthToken` |
//! | [`DeleteSecondaryAuthToken`] | `DeleteSecondaryAuthToken` |
//!
//! A token is replaced safely by creating a secondary token (both tokens now
//! authenticate), deploying it everywhere, then promoting it (the old primary
//! stops working at once). Deleting the secondary gives up before promotion.
//!
//! None of these calls has a request body in the spec. Newer official
//! libraries send an optional `SuppressEmailNotification` (a form field on
//! the POSTs, a query parameter on the DELETE) to stop Twilio e-mailing the
//! account's owners; it is absent by default so that a default request is
//! exactly what the spec describes.
//!
//! ```
//! use twilio_accounts_core::{
//!     AuthToken, Credentials, Endpoint, PromoteAuthToken, RequestContext,
//! };
//!
//! let credentials = Credentials::auth_token(
//!     "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?,
//!     AuthToken::new("0123456789abcdef0123456789abcdef")?,
//! );
//! let context = RequestContext::new(credentials, Endpoint::default());
//! let request = context.build_request(&PromoteAuthToken::new())?;
//! assert_eq!(request.method(), http::Method::POST);
//! assert_eq!(request.uri(), "https://accounts.twilio.com/v1/AuthTokens/Promote");
//! assert_eq!(request.headers()["content-length"], "0");
//! # Ok::<(), twilio_accounts_core::Error>(())
//! ```

use http::{Method, StatusCode};
use serde::Deserialize;

use serde_json::{Value, json};

use crate::error::{CODE_NOT_FOUND, DecodeError, Error};
use crate::form::Form;
use crate::json_output::{self, Secrets, ToJson};
use crate::operation::{
    Operation, Parameter, ParameterLocation, bool_field, decode_json, missing_field,
};
use crate::parameter_values::{FromParameters, ParameterError, ParameterValues, parse_bool};
use crate::retry::Idempotency;
use crate::secret::AuthToken;
use crate::sid::AccountSid;
use crate::timestamp::Timestamp;

/// The path of the promote operation.
pub const PROMOTE_PATH: &str = "/v1/AuthTokens/Promote";
/// The path of the secondary-token operations.
pub const SECONDARY_PATH: &str = "/v1/AuthTokens/Secondary";
/// The name of the optional parameter that stops Twilio's e-mail.
pub const SUPPRESS_EMAIL_PARAMETER: &str = "SuppressEmailNotification";

/// What a 404 means to every call on the secondary token.
const NO_SECONDARY: &str =
    "there is no secondary Auth Token: create one before promoting or deleting it";

/// `POST /v1/AuthTokens/Promote`: the secondary token becomes the primary,
/// and the old primary stops working at once.
///
/// Not idempotent: a second promote fails (no secondary) or, if a new
/// secondary was created meanwhile, rotates twice. It is never resent once it
/// may have reached Twilio.
///
/// The default request is the spec's: no form fields. The answer's
/// `auth_token` (the new primary) is an [`AuthToken`], redacted in `Debug`:
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::{PromoteAuthToken, RetryPolicy, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!((request.method().as_str(), request.uri().path()), ("POST", "/v1/AuthTokens/Promote"));
///     assert!(request.body().is_empty());
///     respond(200, r#"{"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","auth_token":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","date_created":"2015-07-31T04:00:00Z","date_updated":"2015-07-31T04:00:00Z","url":"https://accounts.twilio.com/v1/AuthTokens/Promote"}"#)
/// };
/// let promoted = send_blocking(&context, &PromoteAuthToken::new(), &RetryPolicy::default(), 0, &transport, |_| {})?;
/// assert_eq!(promoted.attempts, 1);
/// assert_eq!(promoted.value.auth_token.expose_secret(), "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
/// assert!(!format!("{:?}", promoted.value).contains("bbbb"));
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PromoteAuthToken {
    /// `Some(true)` asks Twilio not to e-mail the account's owners.
    pub suppress_email_notification: Option<bool>,
}

/// `POST /v1/AuthTokens/Secondary`: creates a secondary token.
///
/// Not idempotent: a second create would replace (or be refused because of)
/// the first token, and the answer carrying the first token would be lost.
///
/// Asking Twilio not to e-mail the owners adds one form field. The answer's
/// `secondary_auth_token` is an [`AuthToken`], redacted in `Debug`:
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::{CreateSecondaryAuthToken, RetryPolicy, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!((request.method().as_str(), request.uri().path()), ("POST", "/v1/AuthTokens/Secondary"));
///     assert_eq!(request.body(), b"SuppressEmailNotification=true");
///     respond(201, r#"{"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","date_created":"2015-07-31T04:00:00Z","date_updated":"2015-07-31T04:00:00Z","secondary_auth_token":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","url":"https://accounts.twilio.com/v1/AuthTokens/Secondary"}"#)
/// };
/// let create = CreateSecondaryAuthToken::new().suppress_email_notification(true);
/// let created = send_blocking(&context, &create, &RetryPolicy::default(), 0, &transport, |_| {})?.value;
/// assert_eq!(created.secondary_auth_token.expose_secret(), "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
/// assert!(!format!("{created:?}").contains("bbbb"));
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateSecondaryAuthToken {
    /// `Some(true)` asks Twilio not to e-mail the account's owners.
    pub suppress_email_notification: Option<bool>,
}

/// `DELETE /v1/AuthTokens/Secondary`: deletes the secondary token.
///
/// Idempotent: deleting twice leaves the account in the same state (the
/// second call answers 404, which a caller may treat as done).
///
/// On a `DELETE`, `SuppressEmailNotification` goes in the query. Twilio
/// answers 204; a 404 means there was no secondary token:
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::{DeleteSecondaryAuthToken, RetryPolicy, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!((request.method().as_str(), request.uri().path()), ("DELETE", "/v1/AuthTokens/Secondary"));
///     assert_eq!(request.uri().query(), Some("SuppressEmailNotification=true"));
///     respond(204, "")
/// };
/// let delete = DeleteSecondaryAuthToken::new().suppress_email_notification(true);
/// let deleted = send_blocking(&context, &delete, &RetryPolicy::default(), 0, &transport, |_| {})?;
/// assert_eq!(deleted.status, 204);
///
/// let none = |_: http::Request<Vec<u8>>| respond(404, r#"{"code":20404,"message":"The requested resource was not found","status":404}"#);
/// let again = send_blocking(&context, &delete, &RetryPolicy::default(), 0, &none, |_| {});
/// assert!(again.is_err_and(|error| error.is_nothing_to_promote()));
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteSecondaryAuthToken {
    /// `Some(true)` asks Twilio not to e-mail the account's owners.
    pub suppress_email_notification: Option<bool>,
}

macro_rules! suppress_email_builder {
    ($name:ident) => {
        impl $name {
            /// The operation with no optional parameters: exactly the spec's request.
            pub fn new() -> Self {
                Self::default()
            }

            /// Sets `SuppressEmailNotification`.
            pub fn suppress_email_notification(mut self, suppress: bool) -> Self {
                self.suppress_email_notification = Some(suppress);
                self
            }
        }
    };
}

suppress_email_builder!(PromoteAuthToken);
suppress_email_builder!(CreateSecondaryAuthToken);
suppress_email_builder!(DeleteSecondaryAuthToken);

/// `SuppressEmailNotification` as a pair of the query (DELETE).
fn suppress_email_pair(value: Option<bool>) -> Vec<(&'static str, String)> {
    value
        .map(|v| (SUPPRESS_EMAIL_PARAMETER, bool_field(v).to_owned()))
        .into_iter()
        .collect()
}

/// `SuppressEmailNotification` as a field of the form (POSTs).
fn suppress_email_field(form: &mut Form, value: Option<bool>) {
    if let Some(value) = value {
        form.text(SUPPRESS_EMAIL_PARAMETER, bool_field(value));
    }
}

/// The answer to a promote: the token that is now primary.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthTokenPromotion {
    /// The account.
    pub account_sid: Option<AccountSid>,
    /// The token that is now the primary (the former secondary).
    pub auth_token: AuthToken,
    /// When the token was created.
    pub date_created: Option<Timestamp>,
    /// When the token was last updated.
    pub date_updated: Option<Timestamp>,
    /// The resource's absolute URL.
    pub url: Option<String>,
}

/// The answer to a create: the new secondary token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SecondaryAuthToken {
    /// The account.
    pub account_sid: Option<AccountSid>,
    /// The new secondary token; it authenticates like the primary from now on.
    pub secondary_auth_token: AuthToken,
    /// When the token was created.
    pub date_created: Option<Timestamp>,
    /// When the token was last updated.
    pub date_updated: Option<Timestamp>,
    /// The resource's absolute URL.
    pub url: Option<String>,
}

/// The wire shape of both answers: every field nullable, as in the spec.
#[derive(Deserialize)]
struct TokenBody {
    #[serde(default)]
    account_sid: Option<AccountSid>,
    #[serde(default)]
    auth_token: Option<AuthToken>,
    #[serde(default)]
    secondary_auth_token: Option<AuthToken>,
    #[serde(default)]
    date_created: Option<Timestamp>,
    #[serde(default)]
    date_updated: Option<Timestamp>,
    #[serde(default)]
    url: Option<String>,
}

impl Operation for PromoteAuthToken {
    type Output = AuthTokenPromotion;

    const ID: &'static str = "UpdateAuthTokenPromotion";
    const METHOD: Method = Method::POST;
    const IDEMPOTENCY: Idempotency = Idempotency::NotIdempotent;
    const PATH: &'static str = PROMOTE_PATH;
    const PARAMETERS: &'static [Parameter] = &[Parameter::official_libraries(
        SUPPRESS_EMAIL_PARAMETER,
        ParameterLocation::Form,
    )];
    const SECRET_FIELD: Option<&'static str> = Some("auth_token");
    const NOT_FOUND_HINT: Option<&'static str> = Some(NO_SECONDARY);

    fn form(&self, form: &mut Form) {
        suppress_email_field(form, self.suppress_email_notification);
    }
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        let raw: TokenBody = decode_json(Self::ID, status, body, Self::SECRET_FIELD)?;
        let auth_token = raw
            .auth_token
            .ok_or_else(|| missing_field(Self::ID, status, "auth_token"))?;
        Ok(AuthTokenPromotion {
            account_sid: raw.account_sid,
            auth_token,
            date_created: raw.date_created,
            date_updated: raw.date_updated,
            url: raw.url,
        })
    }
}

impl Operation for CreateSecondaryAuthToken {
    type Output = SecondaryAuthToken;

    const ID: &'static str = "CreateSecondaryAuthToken";
    const METHOD: Method = Method::POST;
    const IDEMPOTENCY: Idempotency = Idempotency::NotIdempotent;
    const PATH: &'static str = SECONDARY_PATH;
    const PARAMETERS: &'static [Parameter] = &[Parameter::official_libraries(
        SUPPRESS_EMAIL_PARAMETER,
        ParameterLocation::Form,
    )];
    const SECRET_FIELD: Option<&'static str> = Some("secondary_auth_token");

    fn form(&self, form: &mut Form) {
        suppress_email_field(form, self.suppress_email_notification);
    }
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        let raw: TokenBody = decode_json(Self::ID, status, body, Self::SECRET_FIELD)?;
        let secondary_auth_token = raw
            .secondary_auth_token
            .ok_or_else(|| missing_field(Self::ID, status, "secondary_auth_token"))?;
        Ok(SecondaryAuthToken {
            account_sid: raw.account_sid,
            secondary_auth_token,
            date_created: raw.date_created,
            date_updated: raw.date_updated,
            url: raw.url,
        })
    }
}

impl Operation for DeleteSecondaryAuthToken {
    type Output = ();

    const ID: &'static str = "DeleteSecondaryAuthToken";
    const METHOD: Method = Method::DELETE;
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    const PATH: &'static str = SECONDARY_PATH;
    const PARAMETERS: &'static [Parameter] = &[Parameter::official_libraries(
        SUPPRESS_EMAIL_PARAMETER,
        ParameterLocation::Query,
    )];
    const NOT_FOUND_HINT: Option<&'static str> = Some(NO_SECONDARY);

    fn query(&self) -> Vec<(&'static str, String)> {
        suppress_email_pair(self.suppress_email_notification)
    }
    /// A 204 has no body, and whatever a 2xx carries is ignored: the spec
    /// defines no content for a delete.
    fn parse_success(&self, _status: StatusCode, _body: &[u8]) -> Result<(), DecodeError> {
        Ok(())
    }
}

impl FromParameters for PromoteAuthToken {
    fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError> {
        Ok(PromoteAuthToken {
            suppress_email_notification: suppress_email(Self::ID, values)?,
        })
    }
}

impl FromParameters for CreateSecondaryAuthToken {
    fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError> {
        Ok(CreateSecondaryAuthToken {
            suppress_email_notification: suppress_email(Self::ID, values)?,
        })
    }
}

impl FromParameters for DeleteSecondaryAuthToken {
    fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError> {
        Ok(DeleteSecondaryAuthToken {
            suppress_email_notification: suppress_email(Self::ID, values)?,
        })
    }
}

impl Error {
    /// A promote (or delete) of the secondary token found none: 404 / 20404
    /// to `UpdateAuthTokenPromotion` or `DeleteSecondaryAuthToken`, the two
    /// operations whose 404 means there is no secondary token.
    pub fn is_nothing_to_promote(&self) -> bool {
        const SECONDARY_OPERATIONS: [&str; 2] =
            [PromoteAuthToken::ID, DeleteSecondaryAuthToken::ID];
        self.is_not_found()
            && matches!(self.code(), Some(CODE_NOT_FOUND) | None)
            && self
                .operation()
                .is_some_and(|id| SECONDARY_OPERATIONS.contains(&id))
    }
}

/// `SuppressEmailNotification=true|false`, if given.
fn suppress_email(
    operation: &'static str,
    values: &ParameterValues,
) -> Result<Option<bool>, ParameterError> {
    values.parse_optional(operation, SUPPRESS_EMAIL_PARAMETER, parse_bool)
}

/// The new primary token is a secret: redacted unless revealed.
impl ToJson for AuthTokenPromotion {
    fn to_json(&self, secrets: Secrets) -> Value {
        json!({
            "account_sid": json_output::text(self.account_sid.as_ref()),
            "auth_token": secrets.token(&self.auth_token),
            "date_created": json_output::timestamp(self.date_created.as_ref()),
            "date_updated": json_output::timestamp(self.date_updated.as_ref()),
            "url": self.url,
        })
    }
}

/// The new secondary token is a secret: redacted unless revealed.
impl ToJson for SecondaryAuthToken {
    fn to_json(&self, secrets: Secrets) -> Value {
        json!({
            "account_sid": json_output::text(self.account_sid.as_ref()),
            "secondary_auth_token": secrets.token(&self.secondary_auth_token),
            "date_created": json_output::timestamp(self.date_created.as_ref()),
            "date_updated": json_output::timestamp(self.date_updated.as_ref()),
            "url": self.url,
        })
    }
}
