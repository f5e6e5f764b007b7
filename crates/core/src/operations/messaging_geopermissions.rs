//! `/v1/Messaging/GeoPermissions`: to which countries the account may send
//! messages.
//!
//! | type | operationId | idempotent |
//! |---|---|---|
//! | [`FetchMessagingGeopermissions`] | `FetchMessagingGeopermissions` | yes (a read) |
//! | [`UpdateMessagingGeopermissions`] | `UpdateMessagingGeopermissions` | yes (sets fixed values) |
//!
//! The update is a `PATCH` whose form repeats `Permissions`, each value one
//! JSON object (`{"country_code":"US","type":"country","enabled":true}`), as
//! Twilio's official libraries send it. Its 200 answer carries one result
//! per entry: an entry Twilio refused (30649: a high-risk country that only
//! the Console may change, or an unsupported one) has an
//! [`ItemError`], see [`GeoPermissionResult::error`].
//!
//! ```
//! use twilio_accounts_core::{
//!     AuthToken, CountryCode, Credentials, Endpoint, FetchMessagingGeopermissions, GeoPermission,
//!     ItemError, RequestContext, RetryPolicy, TransportError, UpdateMessagingGeopermissions,
//!     send_blocking,
//! };
//!
//! let transport = |request: http::Request<Vec<u8>>| -> Result<_, TransportError> {
//!     let body: &[u8] = match request.method().as_str() {
//!         "GET" => br#"{"permissions":[{"country_code":"IN","type":"country","enabled":false,"prefix":"+91","message":""}]}"#,
//!         _ => br#"{"permissions":[{"country_code":"IN","type":"country","enabled":false,"error_code":0,"error_messages":[]},{"country_code":"PK","type":"country","enabled":true,"error_code":30649,"error_messages":["High risk country permission cannot be updated"]}]}"#,
//!     };
//!     Ok(http::Response::builder().status(200).body(body.to_vec()).unwrap())
//! };
//! let context = RequestContext::new(
//!     Credentials::auth_token(
//!         "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?,
//!         AuthToken::new("0123456789abcdef0123456789abcdef")?,
//!     ),
//!     Endpoint::default(),
//! );
//! let policy = RetryPolicy::default();
//!
//! let india = FetchMessagingGeopermissions::country(CountryCode::new("IN")?);
//! let shown = send_blocking(&context, &india, &policy, 0, &transport, |_| {})?;
//! assert_eq!(shown.value.permissions[0].enabled, Some(false));
//!
//! let set = UpdateMessagingGeopermissions::new(vec![
//!     GeoPermission::new(CountryCode::new("IN")?, false),
//!     GeoPermission::new(CountryCode::new("pk")?, true),
//! ])?;
//! let reply = send_blocking(&context, &set, &policy, 0, &transport, |_| {})?;
//! let refused: Vec<&str> = reply.value.failures().filter_map(|r| r.country_code.as_deref()).collect();
//! assert_eq!(refused, ["PK"]);
//! assert!(matches!(reply.value.permissions[1].error, Some(ItemError { code: 30649, .. })));
//! # Ok::<(), twilio_accounts_core::Error>(())
//! ```

use http::{Method, StatusCode};
use serde::{Deserialize, Serialize};

use serde_json::{Value, json};

use crate::error::{DecodeError, Error};
use crate::form::Form;
use crate::json_output::{Secrets, ToJson};
use crate::operation::{Operation, Parameter, ParameterLocation, decode_json};
use crate::operations::item_result::{ItemError, item_error, required_items};
use crate::parameter_values::{FromParameters, JsonObject, ParameterError, ParameterValues};
use crate::retry::Idempotency;

/// The one path of geo permissions.
pub const GEO_PERMISSIONS_PATH: &str = "/v1/Messaging/GeoPermissions";

/// An ISO 3166-1 alpha-2 country code (`US`, `GB`), kept in upper case.
///
/// Lower case is accepted and upper-cased (the form people type); anything
/// but two ASCII letters is refused before it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// `US`, for examples and tests.
    pub const EXAMPLE: Self = CountryCode(*b"US");

    /// Checks and upper-cases `code`.
    pub fn new(code: &str) -> Result<Self, Error> {
        match code.as_bytes() {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => Ok(CountryCode([
                a.to_ascii_uppercase(),
                b.to_ascii_uppercase(),
            ])),
            _ => Err(Error::InvalidParameter {
                name: "CountryCode",
                reason: "must be two ASCII letters (ISO 3166-1 alpha-2, e.g. US)",
            }),
        }
    }

    /// The code, e.g. `US`.
    pub fn as_str(&self) -> &str {
        // Two ASCII letters, checked on construction.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl std::str::FromStr for CountryCode {
    type Err = Error;
    fn from_str(code: &str) -> Result<Self, Error> {
        CountryCode::new(code)
    }
}

impl Serialize for CountryCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The kind of a geo permission; Twilio documents only `country`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum GeoPermissionType {
    /// A whole country.
    #[default]
    Country,
}

/// One entry of an update: enable or disable messaging to a country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct GeoPermission {
    /// The country.
    pub country_code: CountryCode,
    /// Always `country` today.
    #[serde(rename = "type")]
    pub kind: GeoPermissionType,
    /// Whether messages may be sent there.
    pub enabled: bool,
}

impl GeoPermission {
    /// Enables (`true`) or disables messaging to `country_code`.
    pub fn new(country_code: CountryCode, enabled: bool) -> Self {
        GeoPermission {
            country_code,
            kind: GeoPermissionType::Country,
            enabled,
        }
    }
}

/// One entry of an answer: a country's permission, and for an update, how
/// it went.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "RawResult")]
#[non_exhaustive]
pub struct GeoPermissionResult {
    /// The country, as Twilio wrote it.
    pub country_code: Option<String>,
    /// The permission's kind (`country`).
    pub kind: Option<String>,
    /// Whether messages may be sent there.
    pub enabled: Option<bool>,
    /// The country's calling code (fetch only), e.g. `+91`.
    pub prefix: Option<String>,
    /// Twilio's note on the country (fetch only), e.g. `High Risk Country`.
    pub message: Option<String>,
    /// Why an update of this entry was refused; `None` when it was applied
    /// (or for a fetch).
    pub error: Option<ItemError>,
}

#[derive(Deserialize)]
struct RawResult {
    #[serde(default)]
    country_code: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    prefix: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    error_code: Option<u32>,
    #[serde(default)]
    error_messages: Option<Vec<String>>,
}

impl From<RawResult> for GeoPermissionResult {
    fn from(raw: RawResult) -> Self {
        GeoPermissionResult {
            country_code: raw.country_code,
            kind: raw.kind,
            enabled: raw.enabled,
            prefix: raw.prefix,
            message: raw.message,
            error: item_error(raw.error_code, raw.error_messages),
        }
    }
}

/// The answer of both operations (`accounts.v1.messaging_geopermissions`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct MessagingGeopermissions {
    /// One entry per country (a `null` list reads as empty).
    #[serde(
        default,
        deserialize_with = "crate::operations::item_result::null_as_empty"
    )]
    pub permissions: Vec<GeoPermissionResult>,
}

impl MessagingGeopermissions {
    /// The entries Twilio refused.
    pub fn failures(&self) -> impl Iterator<Item = &GeoPermissionResult> {
        self.permissions.iter().filter(|p| p.error.is_some())
    }
}

/// `GET /v1/Messaging/GeoPermissions` (`FetchMessagingGeopermissions`): the
/// permissions of every country, or of one.
///
/// Idempotent: a read.
///
/// Without a country, the answer lists every country, with its calling code
/// and Twilio's note:
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::{FetchMessagingGeopermissions, RetryPolicy, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!((request.method().as_str(), request.uri().path()), ("GET", "/v1/Messaging/GeoPermissions"));
///     assert_eq!(request.uri().query(), None);
///     respond(200, r#"{"permissions":[{"country_code":"IN","type":"country","enabled":false,"prefix":"+91","message":""},{"country_code":"PK","type":"country","enabled":true,"prefix":"+92","message":"High Risk Country"}]}"#)
/// };
/// let fetch = FetchMessagingGeopermissions::all();
/// let shown = send_blocking(&context, &fetch, &RetryPolicy::default(), 0, &transport, |_| {})?.value;
/// let pakistan = &shown.permissions[1];
/// assert_eq!(pakistan.country_code.as_deref(), Some("PK"));
/// assert_eq!((pakistan.enabled, pakistan.prefix.as_deref()), (Some(true), Some("+92")));
/// assert_eq!(pakistan.message.as_deref(), Some("High Risk Country"));
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchMessagingGeopermissions {
    /// Only this country; `None` for all.
    pub country_code: Option<CountryCode>,
}

impl FetchMessagingGeopermissions {
    /// Every country's permission.
    pub fn all() -> Self {
        Self::default()
    }

    /// One country's permission.
    pub fn country(country_code: CountryCode) -> Self {
        FetchMessagingGeopermissions {
            country_code: Some(country_code),
        }
    }
}

impl Operation for FetchMessagingGeopermissions {
    type Output = MessagingGeopermissions;

    const ID: &'static str = "FetchMessagingGeopermissions";
    const METHOD: Method = Method::GET;
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    const PATH: &'static str = GEO_PERMISSIONS_PATH;
    const PARAMETERS: &'static [Parameter] =
        &[Parameter::spec("CountryCode", ParameterLocation::Query)];

    fn query(&self) -> Vec<(&'static str, String)> {
        self.country_code
            .iter()
            .map(|c| ("CountryCode", c.as_str().to_owned()))
            .collect()
    }
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        decode_json(Self::ID, status, body, None)
    }
}

/// `PATCH /v1/Messaging/GeoPermissions` (`UpdateMessagingGeopermissions`):
/// enables or disables messaging to a set of countries.
///
/// Idempotent: it sets each country to a fixed value, so sending it twice
/// leaves the account as sending it once does. A 200 may still refuse some
/// entries: see [`MessagingGeopermissions::failures`].
///
/// Each entry is one `Permissions` form field holding a JSON object. A 200
/// can still refuse entries: each refused one carries an [`ItemError`]:
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::{CountryCode, GeoPermission, UpdateMessagingGeopermissions, RetryPolicy, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!((request.method().as_str(), request.uri().path()), ("PATCH", "/v1/Messaging/GeoPermissions"));
///     let fields: Vec<_> = form_urlencoded::parse(request.body()).map(|(name, value)| format!("{name}={value}")).collect();
///     assert_eq!(fields, [
///         r#"Permissions={"country_code":"IN","type":"country","enabled":false}"#,
///         r#"Permissions={"country_code":"PK","type":"country","enabled":true}"#,
///     ]);
///     respond(200, r#"{"permissions":[{"country_code":"IN","type":"country","enabled":false,"error_code":0,"error_messages":[]},{"country_code":"PK","type":"country","enabled":true,"error_code":30649,"error_messages":["High risk country permission cannot be updated"]}]}"#)
/// };
/// let update = UpdateMessagingGeopermissions::new(vec![
///     GeoPermission::new(CountryCode::new("IN")?, false),
///     GeoPermission::new(CountryCode::new("pk")?, true),
/// ])?;
/// let reply = send_blocking(&context, &update, &RetryPolicy::default(), 0, &transport, |_| {})?.value;
/// assert!(reply.permissions[0].error.is_none());
/// let refused: Vec<_> = reply.failures().map(|r| (r.country_code.as_deref(), r.error.as_ref().map(|e| e.code))).collect();
/// assert_eq!(refused, [(Some("PK"), Some(30649))]);
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateMessagingGeopermissions {
    permissions: Vec<GeoPermission>,
}

impl UpdateMessagingGeopermissions {
    /// Sets `permissions`; at least one is required (the spec's `required`).
    pub fn new(permissions: Vec<GeoPermission>) -> Result<Self, Error> {
        Ok(UpdateMessagingGeopermissions {
            permissions: required_items("Permissions", permissions)?,
        })
    }

    /// The spec's example: India off, Pakistan on.
    pub fn example() -> Self {
        UpdateMessagingGeopermissions {
            permissions: vec![
                GeoPermission::new(CountryCode(*b"IN"), false),
                GeoPermission::new(CountryCode(*b"PK"), true),
            ],
        }
    }

    /// The entries it sets.
    pub fn permissions(&self) -> &[GeoPermission] {
        &self.permissions
    }
}

impl Operation for UpdateMessagingGeopermissions {
    type Output = MessagingGeopermissions;

    const ID: &'static str = "UpdateMessagingGeopermissions";
    const METHOD: Method = Method::PATCH;
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    const PATH: &'static str = GEO_PERMISSIONS_PATH;
    const PARAMETERS: &'static [Parameter] =
        &[Parameter::spec("Permissions", ParameterLocation::Form)];

    fn form(&self, form: &mut Form) {
        for permission in &self.permissions {
            form.json("Permissions", permission);
        }
    }
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        decode_json(Self::ID, status, body, None)
    }
}

impl GeoPermission {
    /// One `Permissions` element: `{"country_code": "US", "enabled": true}`,
    /// with an optional `"type": "country"`.
    pub fn from_json(item: &JsonObject<'_>) -> Result<Self, String> {
        item.only(&["country_code", "type", "enabled"])?;
        let country_code = item.parse("country_code", CountryCode::new)?;
        match item.optional_string("type")? {
            None | Some("country") => {}
            Some(_) => return Err("has a `type` other than `country`".to_owned()),
        }
        Ok(GeoPermission::new(country_code, item.boolean("enabled")?))
    }
}

/// Each entry's fields as Twilio named them; a refused entry has
/// `error_code` and `error_messages`, an applied one `null` and `[]`.
impl ToJson for GeoPermissionResult {
    fn to_json(&self, _: Secrets) -> Value {
        json!({
            "country_code": self.country_code,
            "type": self.kind,
            "enabled": self.enabled,
            "prefix": self.prefix,
            "message": self.message,
            "error_code": self.error.as_ref().map(|e| e.code),
            "error_messages": self.error.as_ref().map(|e| e.messages.clone()).unwrap_or_default(),
        })
    }
}

impl ToJson for MessagingGeopermissions {
    fn to_json(&self, secrets: Secrets) -> Value {
        json!({
            "permissions": self.permissions.iter().map(|p| p.to_json(secrets)).collect::<Vec<_>>(),
        })
    }
}

/// `CountryCode`, if given: one country instead of all.
impl FromParameters for FetchMessagingGeopermissions {
    fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError> {
        Ok(FetchMessagingGeopermissions {
            country_code: values.parse_optional(Self::ID, "CountryCode", CountryCode::new)?,
        })
    }
}

/// `Permissions`, once per entry, each a JSON object (see
/// [`GeoPermission::from_json`]).
impl FromParameters for UpdateMessagingGeopermissions {
    fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError> {
        Ok(UpdateMessagingGeopermissions {
            permissions: values.json_objects(Self::ID, "Permissions", GeoPermission::from_json)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the decode reads of a geo-permissions body; `None`: refused.
    fn read(body: &str) -> Option<Vec<GeoPermissionResult>> {
        let status = StatusCode::OK;
        decode_json::<MessagingGeopermissions>("test", status, body.as_bytes(), None)
            .ok()
            .map(|answer| answer.permissions)
    }

    #[test]
    fn geo_answers_are_read_with_each_entrys_error() {
        let india = GeoPermissionResult {
            country_code: Some("IN".to_owned()),
            kind: Some("country".to_owned()),
            enabled: Some(false),
            prefix: Some("+91".to_owned()),
            message: Some(String::new()),
            error: None,
        };
        let refused = GeoPermissionResult {
            country_code: Some("PK".to_owned()),
            kind: None,
            enabled: Some(true),
            prefix: None,
            message: None,
            error: Some(ItemError {
                code: 30649,
                messages: vec!["Not here".into()],
            }),
        };
        let cases: &[(&str, Option<Vec<GeoPermissionResult>>)] = &[
            (
                r#"{"permissions":[{"country_code":"IN","type":"country","enabled":false,"prefix":"+91","message":""},{"country_code":"PK","enabled":true,"error_code":30649,"error_messages":["Not here"]}]}"#,
                Some(vec![india.clone(), refused]),
            ),
            (
                " {\"permissions\" : [ {\"message\":\"\",\"prefix\":\"+91\",\"enabled\":false,\"type\":\"country\",\"country_code\":\"IN\",\"url\":{}} ] ,\"meta\":[1]}\n",
                Some(vec![india]),
            ),
            (r#"{"permissions":null}"#, Some(vec![])),
            (
                r#"{"permissions":[{"enabled":null,"prefix":null}]}"#,
                Some(vec![GeoPermissionResult {
                    country_code: None,
                    kind: None,
                    enabled: None,
                    prefix: None,
                    message: None,
                    error: None,
                }]),
            ),
            (
                r#"{"permissions":[{"message":"High \"Risk\""}]}"#,
                Some(vec![GeoPermissionResult {
                    country_code: None,
                    kind: None,
                    enabled: None,
                    prefix: None,
                    message: Some("High \"Risk\"".to_owned()),
                    error: None,
                }]),
            ),
            (r#"{"permissions":[{"enabled":"true"}]}"#, None),
            (r#"{"permissions":[{"enabled":true,"enabled":true}]}"#, None),
            (r#"{"permissions":[{"enabled":tru}]}"#, None),
            (r#"{"permissions":[],"permissions":[]}"#, None),
            (r#"{"permissions":[{"error_code":30649.5}]}"#, None),
        ];
        for (body, expected) in cases {
            assert_eq!(&read(body), expected, "{body:?}");
        }
    }
}
