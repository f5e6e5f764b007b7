//! `/v1/Contacts/Bulk`: adds or updates contacts in bulk.
//!
//! | type | operationId | idempotent |
//! |---|---|---|
//! | [`CreateBulkContacts`] | `CreateBulkContacts` | no (a create) |
//!
//! Sent and answered like bulk consents (see
//! [`consents_bulk`](crate::operations::consents_bulk)): `Items` as a
//! repeated form field of JSON objects, one
//! [`BulkItemResult`](crate::BulkItemResult) per item in the 201 (refused
//! items carry an error, 30647 in the spec's example).
//!
//! ```
//! use twilio_accounts_core::{
//!     AuthToken, ContactItem, CountryCode, CreateBulkContacts, Credentials, Endpoint,
//!     RequestContext, RetryPolicy, TransportError, send_blocking,
//! };
//!
//! let transport = |_request: http::Request<Vec<u8>>| -> Result<_, TransportError> {
//!     Ok(http::Response::builder().status(201).body(br#"{"items":[{"correlation_id":"02520cfa6c432f0e3ec3a38c122d428a","error_code":30647,"error_messages":["INVALID_CONTACT_ID"]}]}"#.to_vec()).unwrap())
//! };
//! let context = RequestContext::new(
//!     Credentials::auth_token(
//!         "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?,
//!         AuthToken::new("0123456789abcdef0123456789abcdef")?,
//!     ),
//!     Endpoint::default(),
//! );
//! let item = ContactItem::new(
//!     "+18005550100".parse()?,
//!     "02520cfa6c432f0e3ec3a38c122d428a".parse()?,
//!     CountryCode::new("US")?,
//! )
//! .zip_code("94105");
//! let bulk = CreateBulkContacts::new(vec![item])?;
//! let reply = send_blocking(&context, &bulk, &RetryPolicy::default(), 0, &transport, |_| {})?;
//! assert_eq!(reply.status, 201);
//! assert_eq!(reply.value.failures().count(), 1);
//! # Ok::<(), twilio_accounts_core::Error>(())
//! ```

use http::{Method, StatusCode};
use serde::Serialize;

use crate::error::{DecodeError, Error};
use crate::form::Form;
use crate::operation::{Operation, Parameter, ParameterLocation, decode_json};
use crate::operations::item_result::{BulkResults, CorrelationId, required_items};
use crate::operations::messaging_geopermissions::CountryCode;
use crate::parameter_values::{FromParameters, JsonObject, ParameterError, ParameterValues};
use crate::phone_number::E164;
use crate::retry::Idempotency;

/// One item of a bulk contacts request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ContactItem {
    /// The contact's number.
    pub contact_id: E164,
    /// Maps this item to its result.
    pub correlation_id: CorrelationId,
    /// The contact's country.
    pub country_iso_code: CountryCode,
    /// The contact's postal code; `None` sends no field (not every country
    /// has them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip_code: Option<String>,
}

impl ContactItem {
    /// An item without a postal code.
    pub fn new(
        contact_id: E164,
        correlation_id: CorrelationId,
        country_iso_code: CountryCode,
    ) -> Self {
        ContactItem {
            contact_id,
            correlation_id,
            country_iso_code,
            zip_code: None,
        }
    }

    /// Adds the postal code.
    pub fn zip_code(self, zip_code: impl Into<String>) -> Self {
        ContactItem {
            zip_code: Some(zip_code.into()),
            ..self
        }
    }
}

/// `POST /v1/Contacts/Bulk` (`CreateBulkContacts`).
///
/// Not idempotent: a create, never resent once it may have arrived.
///
/// Sent like bulk consents: one `Items` form field per contact. Refused
/// contacts are the answer's [`failures`](crate::BulkResults::failures):
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::{ContactItem, CorrelationId, CountryCode, CreateBulkContacts, RetryPolicy, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!((request.method().as_str(), request.uri().path()), ("POST", "/v1/Contacts/Bulk"));
///     let items: Vec<_> = form_urlencoded::parse(request.body()).map(|(name, value)| format!("{name}={value}")).collect();
///     assert_eq!(items[1], r#"Items={"contact_id":"+18005550101","correlation_id":"02520cfa6c432f0e3ec3a38c122d428a","country_iso_code":"US","zip_code":"94105"}"#);
///     respond(201, r#"{"items":[{"correlation_id":"ad388b5a46b33b874b0d41f7226db2eh","error_code":0,"error_messages":[]},{"correlation_id":"02520cfa6c432f0e3ec3a38c122d428a","error_code":30647,"error_messages":["INVALID_CONTACT_ID"]}]}"#)
/// };
/// let us = CountryCode::new("US")?;
/// let (first, second): (CorrelationId, CorrelationId) = ("ad388b5a46b33b874b0d41f7226db2eh".parse()?, "02520cfa6c432f0e3ec3a38c122d428a".parse()?);
/// let bulk = CreateBulkContacts::new(vec![
///     ContactItem::new("+18005550100".parse()?, first, us),
///     ContactItem::new("+18005550101".parse()?, second, us).zip_code("94105"),
/// ])?;
/// let results = send_blocking(&context, &bulk, &RetryPolicy::default(), 0, &transport, |_| {})?.value;
/// let refused: Vec<_> = results.failures().map(|r| (r.correlation_id, r.error.as_ref().map(|e| e.code))).collect();
/// assert_eq!(refused, [(Some(second), Some(30647))]);
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateBulkContacts {
    items: Vec<ContactItem>,
}

impl CreateBulkContacts {
    /// Sends `items`; at least one is required (the spec's `required`).
    pub fn new(items: Vec<ContactItem>) -> Result<Self, Error> {
        Ok(CreateBulkContacts {
            items: required_items("Items", items)?,
        })
    }

    /// One item built from the spec's example values, for examples and tests.
    pub fn example() -> Self {
        CreateBulkContacts {
            items: vec![ContactItem::new(
                E164::spec_example(),
                CorrelationId::spec_example(),
                CountryCode::EXAMPLE,
            )],
        }
    }

    /// The items it sends.
    pub fn items(&self) -> &[ContactItem] {
        &self.items
    }
}

impl Operation for CreateBulkContacts {
    type Output = BulkResults;

    const ID: &'static str = "CreateBulkContacts";
    const METHOD: Method = Method::POST;
    const IDEMPOTENCY: Idempotency = Idempotency::NotIdempotent;
    const PATH: &'static str = "/v1/Contacts/Bulk";
    const PARAMETERS: &'static [Parameter] = &[Parameter::spec("Items", ParameterLocation::Form)];

    fn form(&self, form: &mut Form) {
        for item in &self.items {
            form.json("Items", item);
        }
    }
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        decode_json(Self::ID, status, body, None)
    }
}

impl ContactItem {
    /// One `Items` element: `contact_id`, `correlation_id`,
    /// `country_iso_code` and an optional `zip_code`, the spec's field names.
    /// The error names the field and never repeats a value.
    pub fn from_json(item: &JsonObject<'_>) -> Result<Self, String> {
        item.only(&[
            "contact_id",
            "correlation_id",
            "country_iso_code",
            "zip_code",
        ])?;
        let contact = ContactItem::new(
            item.parse("contact_id", E164::parse)?,
            item.parse("correlation_id", CorrelationId::new)?,
            item.parse("country_iso_code", CountryCode::new)?,
        );
        Ok(match item.optional_string("zip_code")? {
            None => contact,
            Some(zip) => contact.zip_code(zip),
        })
    }
}

/// `Items`, once per item, each a JSON object (see [`ContactItem::from_json`]).
impl FromParameters for CreateBulkContacts {
    fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError> {
        Ok(CreateBulkContacts {
            items: values.json_objects(Self::ID, "Items", ContactItem::from_json)?,
        })
    }
}
