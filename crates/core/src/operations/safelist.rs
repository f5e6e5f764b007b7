//! `/v1/SafeList/Numbers`: the account's SMS-pumping-protection safe list,
//! phone numbers (or ranges of 1,000) that Verify Fraud Guard never blocks.
//!
//! | type | operationId | idempotent |
//! |---|---|---|
//! | [`CreateSafelist`] | `CreateSafelist` | no (a create) |
//! | [`FetchSafelist`] | `FetchSafelist` | yes (a read) |
//! | [`DeleteSafelist`] | `DeleteSafelist` | yes |
//!
//! The three share one path and tell the entry by its number: a form field
//! for the create, a query parameter (where `+` travels as `%2B`) for the
//! others. Numbers are checked client-side ([`SafelistNumber`]); the errors
//! never repeat them (personal data in the spec).
//!
//! Every operation, sent through a closure transport that answers as the
//! spec's examples do:
//!
//! ```
//! use twilio_accounts_core::{
//!     AuthToken, CreateSafelist, Credentials, DeleteSafelist, Endpoint, FetchSafelist,
//!     RequestContext, RetryPolicy, TransportError, send_blocking,
//! };
//!
//! let transport = |request: http::Request<Vec<u8>>| -> Result<_, TransportError> {
//!     let (status, body): (u16, &[u8]) = match request.method().as_str() {
//!         "POST" => (201, br#"{"sid":"GNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","phone_number":"+18001234567"}"#),
//!         "GET" => {
//!             assert_eq!(request.uri().query(), Some("PhoneNumber=%2B18001234567"));
//!             (200, br#"{"sid":"GNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","phone_number":"+18001234567"}"#)
//!         }
//!         _ => (204, b""),
//!     };
//!     Ok(http::Response::builder().status(status).body(body.to_vec()).unwrap())
//! };
//! let context = RequestContext::new(
//!     Credentials::auth_token(
//!         "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?,
//!         AuthToken::new("0123456789abcdef0123456789abcdef")?,
//!     ),
//!     Endpoint::default(),
//! );
//! let policy = RetryPolicy::default();
//! let number = "+18001234567".parse()?;
//!
//! let added = send_blocking(&context, &CreateSafelist::new(number), &policy, 0, &transport, |_| {})?;
//! assert_eq!(added.value.sid.map(|s| s.to_string()).as_deref(), Some("GNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
//! let number = "+18001234567".parse()?;
//! let found = send_blocking(&context, &FetchSafelist::new(number), &policy, 0, &transport, |_| {})?;
//! assert_eq!(found.value.phone_number.as_deref(), Some("+18001234567"));
//! let number = "+18001234567".parse()?;
//! let removed = send_blocking(&context, &DeleteSafelist::new(number), &policy, 0, &transport, |_| {})?;
//! assert_eq!(removed.status, 204);
//! # Ok::<(), twilio_accounts_core::Error>(())
//! ```

use http::{Method, StatusCode};
use serde::{Deserialize, Serialize};

use serde_json::Value;

use crate::error::DecodeError;
use crate::form::Form;
use crate::json_output::{self, Secrets, ToJson};
use crate::operation::{Operation, Parameter, ParameterLocation, decode_json};
use crate::parameter_values::{FromParameters, ParameterError, ParameterValues};
use crate::phone_number::SafelistNumber;
use crate::retry::Idempotency;
use crate::sid::SafelistSid;

/// The one path of the safe list.
pub const SAFELIST_PATH: &str = "/v1/SafeList/Numbers";

/// The one parameter of every safe-list operation: the number (a form field
/// of the create, a query pair of the fetch and the delete).
const PHONE_NUMBER: &str = "PhoneNumber";

/// What a 404 from the safe list means.
const NOT_IN_THE_SAFE_LIST: Option<&str> = Some("the number is not in the account's safe list");

/// A safe-list entry (`accounts.v1.safelist`).
///
/// `phone_number` is personal data in the spec: `Debug` shows it (it is for
/// debugging), no error of the core contains it.
///
/// Read and written (as JSON output) by serde, with the same field names.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct SafelistEntry {
    /// The entry's SID.
    #[serde(default)]
    pub sid: Option<SafelistSid>,
    /// The number, or the range of 1,000 (`+18001234xxx`), as Twilio
    /// wrote it.
    #[serde(default)]
    pub phone_number: Option<String>,
}

/// `POST /v1/SafeList/Numbers` (`CreateSafelist`): adds a number or a range
/// to the safe list.
///
/// Not idempotent: a create, never resent once it may have arrived (a
/// second one would be answered as a duplicate, hiding that the first
/// worked).
///
/// The number is a form field (`+` encoded as `%2B`):
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::{CreateSafelist, RetryPolicy, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!((request.method().as_str(), request.uri().path()), ("POST", "/v1/SafeList/Numbers"));
///     assert_eq!(request.body(), b"PhoneNumber=%2B18001234567");
///     respond(201, r#"{"sid":"GNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","phone_number":"+18001234567"}"#)
/// };
/// let add = CreateSafelist::new("+18001234567".parse()?);
/// let added = send_blocking(&context, &add, &RetryPolicy::default(), 0, &transport, |_| {})?;
/// assert_eq!(added.status, 201);
/// assert_eq!(added.value.sid, Some("GNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?));
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateSafelist {
    /// The number or range to add.
    pub phone_number: SafelistNumber,
}

impl CreateSafelist {
    /// Adds `phone_number`.
    pub fn new(phone_number: SafelistNumber) -> Self {
        CreateSafelist { phone_number }
    }
}

impl Operation for CreateSafelist {
    type Output = SafelistEntry;

    const ID: &'static str = "CreateSafelist";
    const METHOD: Method = Method::POST;
    const IDEMPOTENCY: Idempotency = Idempotency::NotIdempotent;
    const PATH: &'static str = SAFELIST_PATH;
    const PARAMETERS: &'static [Parameter] =
        &[Parameter::spec(PHONE_NUMBER, ParameterLocation::Form)];

    fn form(&self, form: &mut Form) {
        form.text(PHONE_NUMBER, self.phone_number.as_str());
    }
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        decode_json(Self::ID, status, body, None)
    }
}

/// `GET /v1/SafeList/Numbers?PhoneNumber=…` (`FetchSafelist`): whether a
/// number is in the safe list (a 404 says it is not).
///
/// Idempotent: a read.
///
/// The number is a query parameter; a 404 is the answer "not in the safe
/// list", an error that says so:
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::{FetchSafelist, RetryPolicy, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!((request.method().as_str(), request.uri().path()), ("GET", "/v1/SafeList/Numbers"));
///     assert_eq!(request.uri().query(), Some("PhoneNumber=%2B18001234567"));
///     respond(200, r#"{"sid":"GNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","phone_number":"+18001234567"}"#)
/// };
/// let fetch = FetchSafelist::new("+18001234567".parse()?);
/// let found = send_blocking(&context, &fetch, &RetryPolicy::default(), 0, &transport, |_| {})?.value;
/// assert_eq!(found.phone_number.as_deref(), Some("+18001234567"));
///
/// let absent = |_: http::Request<Vec<u8>>| respond(404, r#"{"code":20404,"message":"The requested resource was not found","status":404}"#);
/// let error = send_blocking(&context, &fetch, &RetryPolicy::default(), 0, &absent, |_| {}).unwrap_err();
/// assert!(error.is_not_found());
/// assert!(error.to_string().contains("not in the account's safe list"));
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchSafelist {
    /// The number or range to look up.
    pub phone_number: SafelistNumber,
}

impl FetchSafelist {
    /// Looks up `phone_number`.
    pub fn new(phone_number: SafelistNumber) -> Self {
        FetchSafelist { phone_number }
    }
}

impl Operation for FetchSafelist {
    type Output = SafelistEntry;

    const ID: &'static str = "FetchSafelist";
    const METHOD: Method = Method::GET;
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    const PATH: &'static str = SAFELIST_PATH;
    const PARAMETERS: &'static [Parameter] =
        &[Parameter::spec(PHONE_NUMBER, ParameterLocation::Query)];
    const NOT_FOUND_HINT: Option<&'static str> = NOT_IN_THE_SAFE_LIST;

    fn query(&self) -> Vec<(&'static str, String)> {
        vec![(PHONE_NUMBER, self.phone_number.as_str().to_owned())]
    }
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        decode_json(Self::ID, status, body, None)
    }
}

/// `DELETE /v1/SafeList/Numbers?PhoneNumber=…` (`DeleteSafelist`): removes
/// a number or range from the safe list.
///
/// Idempotent: a second delete finds nothing (404), the list is the same.
///
/// A range of 1,000 numbers (`xxx` for the last three digits) is removed
/// like one number; Twilio answers 204:
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::{DeleteSafelist, RetryPolicy, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!((request.method().as_str(), request.uri().path()), ("DELETE", "/v1/SafeList/Numbers"));
///     assert_eq!(request.uri().query(), Some("PhoneNumber=%2B18001234xxx"));
///     respond(204, "")
/// };
/// let remove = DeleteSafelist::new("+18001234xxx".parse()?);
/// let removed = send_blocking(&context, &remove, &RetryPolicy::default(), 0, &transport, |_| {})?;
/// assert_eq!(removed.status, 204);
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteSafelist {
    /// The number or range to remove.
    pub phone_number: SafelistNumber,
}

impl DeleteSafelist {
    /// Removes `phone_number`.
    pub fn new(phone_number: SafelistNumber) -> Self {
        DeleteSafelist { phone_number }
    }
}

impl Operation for DeleteSafelist {
    type Output = ();

    const ID: &'static str = "DeleteSafelist";
    const METHOD: Method = Method::DELETE;
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    const PATH: &'static str = SAFELIST_PATH;
    const PARAMETERS: &'static [Parameter] =
        &[Parameter::spec(PHONE_NUMBER, ParameterLocation::Query)];
    const NOT_FOUND_HINT: Option<&'static str> = NOT_IN_THE_SAFE_LIST;

    fn query(&self) -> Vec<(&'static str, String)> {
        vec![(PHONE_NUMBER, self.phone_number.as_str().to_owned())]
    }
    /// A 204 has no body; any body is ignored.
    fn parse_success(&self, _status: StatusCode, _body: &[u8]) -> Result<(), DecodeError> {
        Ok(())
    }
}

/// Its SID and number (its `Serialize`); nothing secret.
impl ToJson for SafelistEntry {
    fn to_json(&self, _: Secrets) -> Value {
        json_output::serialized(self)
    }
}

/// `PhoneNumber`, required: E.164, or a range of 1,000 (`+18001234xxx`):
/// every safe-list operation is built from it alone.
macro_rules! from_phone_number {
    ($($operation:ident),*) => {$(
        impl FromParameters for $operation {
            fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError> {
                let number = values.parse_required(Self::ID, PHONE_NUMBER, SafelistNumber::parse)?;
                Ok($operation::new(number))
            }
        }
    )*};
}

from_phone_number!(CreateSafelist, FetchSafelist, DeleteSafelist);
