//! `/v1/Consents/Bulk`: records, in bulk, whether contacts opted in to or
//! out of messages.
//!
//! | type | operationId | idempotent |
//! |---|---|---|
//! | [`CreateBulkConsents`] | `CreateBulkConsents` | no (records events) |
//!
//! `Items` go as a repeated form field, one JSON object each. The 201 answer
//! has one [`BulkItemResult`](crate::BulkItemResult) per item; refused items
//! (30646, with reasons such as `INVALID_CONTACT_ID`) are in
//! [`BulkResults::failures`](crate::BulkResults::failures). Twilio documents
//! about 100 requests a minute for this endpoint (then 429); a cap on items
//! per request appears only in a translation of the docs, so none is
//! enforced here: the server says.
//!
//! ```
//! use twilio_accounts_core::{
//!     AuthToken, ConsentItem, ConsentSource, ConsentStatus, CorrelationId, CreateBulkConsents,
//!     Credentials, Endpoint, ItemErrorReason, RequestContext, RetryPolicy, SenderId,
//!     TransportError, send_blocking,
//! };
//!
//! let transport = |_request: http::Request<Vec<u8>>| -> Result<_, TransportError> {
//!     Ok(http::Response::builder().status(201).body(br#"{"items":[{"correlation_id":"ad388b5a46b33b874b0d41f7226db2ef","error_code":0,"error_messages":[]},{"correlation_id":"02520cfa6c432f0e3ec3a38c122d428d","error_code":30646,"error_messages":["INVALID_CONTACT_ID","INVALID_DATE_OF_CONSENT"]}]}"#.to_vec()).unwrap())
//! };
//! let context = RequestContext::new(
//!     Credentials::auth_token(
//!         "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?,
//!         AuthToken::new("0123456789abcdef0123456789abcdef")?,
//!     ),
//!     Endpoint::default(),
//! );
//! let first: CorrelationId = "ad388b5a46b33b874b0d41f7226db2ef".parse()?;
//! let second: CorrelationId = "02520cfa6c432f0e3ec3a38c122d428d".parse()?;
//! let sender: SenderId = "MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?;
//! let item = |id: &CorrelationId| ConsentItem::new(
//!     "+18005550100".parse().unwrap(), id.clone(), sender.clone(), ConsentStatus::OptIn, ConsentSource::Website,
//! );
//! let bulk = CreateBulkConsents::new(vec![item(&first), item(&second)])?;
//! let reply = send_blocking(&context, &bulk, &RetryPolicy::default(), 0, &transport, |_| {})?;
//! assert!(reply.value.get(&first).unwrap().error.is_none());
//! let refused = reply.value.get(&second).unwrap().error.as_ref().unwrap();
//! assert_eq!(refused.code, 30646);
//! assert!(refused.reasons().any(|r| r == ItemErrorReason::InvalidContactId));
//! # Ok::<(), twilio_accounts_core::Error>(())
//! ```

use http::{Method, StatusCode};
use serde::Serialize;

use crate::error::{DecodeError, Error};
use crate::form::Form;
use crate::operation::{Operation, Parameter, ParameterLocation, decode_json};
use crate::operations::item_result::{BulkResults, CorrelationId, required_items};
use crate::parameter_values::{FromParameters, JsonObject, ParameterError, ParameterValues};
use crate::phone_number::E164;
use crate::retry::Idempotency;
use crate::sid::MessagingServiceSid;
use crate::timestamp::Timestamp;

/// A consent's `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ConsentStatus {
    /// `opt-in`
    OptIn,
    /// `opt-out`
    OptOut,
}

/// How a consent was collected (`source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ConsentSource {
    /// `website`
    Website,
    /// `offline`
    Offline,
    /// `opt-in-message`
    OptInMessage,
    /// `opt-out-message`
    OptOutMessage,
    /// `others`
    Others,
}

/// Who the consent is for (`sender_id`): a Messaging Service or a sender
/// number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SenderId {
    /// A Messaging Service (`MG…`).
    MessagingService(MessagingServiceSid),
    /// A sender phone number.
    Number(E164),
}

impl std::str::FromStr for SenderId {
    type Err = Error;
    /// `MG…` is read as a Messaging Service SID, anything else as an E.164
    /// number; either way a malformed value is refused without being echoed.
    fn from_str(input: &str) -> Result<Self, Error> {
        if input.starts_with("MG") {
            Ok(SenderId::MessagingService(input.parse()?))
        } else {
            Ok(SenderId::Number(input.parse()?))
        }
    }
}

impl Serialize for SenderId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            SenderId::MessagingService(sid) => sid.serialize(serializer),
            SenderId::Number(number) => number.serialize(serializer),
        }
    }
}

/// One item of a bulk consent request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ConsentItem {
    /// The contact's number.
    pub contact_id: E164,
    /// Maps this item to its result.
    pub correlation_id: CorrelationId,
    /// Who the consent is for.
    pub sender_id: SenderId,
    /// Opted in or out.
    pub status: ConsentStatus,
    /// How the consent was collected.
    pub source: ConsentSource,
    /// When the contact gave or revoked consent (sent as RFC 3339); `None`
    /// sends no field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_of_consent: Option<Timestamp>,
}

impl ConsentItem {
    /// An item without a date of consent.
    pub fn new(
        contact_id: E164,
        correlation_id: CorrelationId,
        sender_id: SenderId,
        status: ConsentStatus,
        source: ConsentSource,
    ) -> Self {
        ConsentItem {
            contact_id,
            correlation_id,
            sender_id,
            status,
            source,
            date_of_consent: None,
        }
    }

    /// Says when consent was given or revoked.
    pub fn date_of_consent(self, date: Timestamp) -> Self {
        ConsentItem {
            date_of_consent: Some(date),
            ..self
        }
    }
}

/// `POST /v1/Consents/Bulk` (`CreateBulkConsents`).
///
/// Not idempotent: a create that records consent events, never resent once
/// it may have arrived (a resend could record them twice).
///
/// Each item is one `Items` form field holding a JSON object. The 201 has a
/// result per item, found by its correlation id; a refused item carries an
/// [`ItemError`](crate::ItemError) with Twilio's reasons:
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::{
///     ConsentItem, ConsentSource, ConsentStatus, CorrelationId, CreateBulkConsents, ItemErrorReason,
///     RetryPolicy, send_blocking,
/// };
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!((request.method().as_str(), request.uri().path()), ("POST", "/v1/Consents/Bulk"));
///     assert_eq!(form_urlencoded::parse(request.body()).filter(|(name, _)| name == "Items").count(), 2);
///     respond(201, r#"{"items":[{"correlation_id":"ad388b5a46b33b874b0d41f7226db2ef","error_code":0,"error_messages":[]},{"correlation_id":"02520cfa6c432f0e3ec3a38c122d428d","error_code":30646,"error_messages":["INVALID_CONTACT_ID","INVALID_DATE_OF_CONSENT"]}]}"#)
/// };
/// let (first, second): (CorrelationId, CorrelationId) = ("ad388b5a46b33b874b0d41f7226db2ef".parse()?, "02520cfa6c432f0e3ec3a38c122d428d".parse()?);
/// let consent = |id: &CorrelationId| -> Result<_, twilio_accounts_core::Error> {
///     Ok(ConsentItem::new("+18005550100".parse()?, id.clone(), "MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, ConsentStatus::OptIn, ConsentSource::Website))
/// };
/// let bulk = CreateBulkConsents::new(vec![consent(&first)?, consent(&second)?])?;
/// let results = send_blocking(&context, &bulk, &RetryPolicy::default(), 0, &transport, |_| {})?.value;
/// assert!(results.get(&first).is_some_and(|r| r.error.is_none()));
/// let refused = results.get(&second).and_then(|r| r.error.as_ref()).expect("refused");
/// assert_eq!(refused.code, 30646);
/// assert!(refused.reasons().any(|reason| reason == ItemErrorReason::InvalidContactId));
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateBulkConsents {
    items: Vec<ConsentItem>,
}

impl CreateBulkConsents {
    /// Sends `items`; at least one is required (the spec's `required`).
    pub fn new(items: Vec<ConsentItem>) -> Result<Self, Error> {
        Ok(CreateBulkConsents {
            items: required_items("Items", items)?,
        })
    }

    /// One item built from the spec's example values, for examples and tests.
    pub fn example() -> Self {
        CreateBulkConsents {
            items: vec![ConsentItem::new(
                E164::spec_example(),
                CorrelationId::spec_example(),
                SenderId::MessagingService(MessagingServiceSid::EXAMPLE),
                ConsentStatus::OptIn,
                ConsentSource::Website,
            )],
        }
    }

    /// The items it sends.
    pub fn items(&self) -> &[ConsentItem] {
        &self.items
    }
}

impl Operation for CreateBulkConsents {
    type Output = BulkResults;

    const ID: &'static str = "CreateBulkConsents";
    const METHOD: Method = Method::POST;
    const IDEMPOTENCY: Idempotency = Idempotency::NotIdempotent;
    const PATH: &'static str = "/v1/Consents/Bulk";
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

impl std::str::FromStr for ConsentStatus {
    type Err = &'static str;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "opt-in" => Ok(ConsentStatus::OptIn),
            "opt-out" => Ok(ConsentStatus::OptOut),
            _ => Err("must be opt-in or opt-out"),
        }
    }
}

impl std::str::FromStr for ConsentSource {
    type Err = &'static str;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "website" => Ok(ConsentSource::Website),
            "offline" => Ok(ConsentSource::Offline),
            "opt-in-message" => Ok(ConsentSource::OptInMessage),
            "opt-out-message" => Ok(ConsentSource::OptOutMessage),
            "others" => Ok(ConsentSource::Others),
            _ => Err("must be website, offline, opt-in-message, opt-out-message or others"),
        }
    }
}

impl ConsentItem {
    /// One `Items` element: `contact_id`, `correlation_id`, `sender_id`,
    /// `status`, `source` and an optional `date_of_consent` (RFC 3339), the
    /// spec's field names. The error names the field and never repeats a
    /// value.
    pub fn from_json(item: &JsonObject<'_>) -> Result<Self, String> {
        item.only(&[
            "contact_id",
            "correlation_id",
            "sender_id",
            "status",
            "source",
            "date_of_consent",
        ])?;
        let consent = ConsentItem::new(
            item.parse("contact_id", E164::parse)?,
            item.parse("correlation_id", CorrelationId::new)?,
            item.parse("sender_id", str::parse::<SenderId>)?,
            item.parse("status", str::parse::<ConsentStatus>)?,
            item.parse("source", str::parse::<ConsentSource>)?,
        );
        Ok(match item.optional_string("date_of_consent")? {
            None => consent,
            Some(date) => consent.date_of_consent(
                Timestamp::parse_rfc3339(date)
                    .map_err(|e| format!("has a bad `date_of_consent`: {e}"))?,
            ),
        })
    }
}

/// `Items`, once per item, each a JSON object (see [`ConsentItem::from_json`]).
impl FromParameters for CreateBulkConsents {
    fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError> {
        Ok(CreateBulkConsents {
            items: values.json_objects(Self::ID, "Items", ConsentItem::from_json)?,
        })
    }
}
