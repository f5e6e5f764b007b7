//! `/v1/Keys…` (IAM v1, `iam.twilio.com`): the account's API keys, including
//! restricted keys and their [`Policy`].
//!
//! | type | operationId (qualified) | idempotent |
//! |---|---|---|
//! | [`ListIamKeys`] | `ListGetKeys` (`iam.v1.ListGetKeys`) | yes (a read) |
//! | [`CreateIamKey`] | `CreateNewKey` (`iam.v1.CreateNewKey`) | no (a create) |
//! | [`FetchIamKey`] | `FetchKey` (`iam.v1.FetchKey`) | yes (a read) |
//! | [`UpdateIamKey`] | `UpdateKey` (`iam.v1.UpdateKey`) | yes (sets fixed values) |
//! | [`DeleteIamKey`] | `DeleteKey` (`iam.v1.DeleteKey`) | yes |
//!
//! The 2010 API has operations with the same four ids
//! ([`keys_2010`](super::keys_2010)): anything that names an operation by its
//! id alone must say which API it means (see
//! [`operations::lookup`](super::lookup)).
//!
//! What a key can be ([`KeyType`]): a **main** key (full access, made only in
//! the Console, never by the API), a **standard** key (everything but the
//! Accounts and Keys resources; made when no `KeyType` is sent), or a
//! **restricted** key (only what its [`Policy`] allows, at most 100
//! permissions; IAM v1 only). Managing keys needs the Auth Token or a main
//! key. The key's secret is in the create's answer only
//! ([`NewIamKey::secret`], redacted in `Debug`, wiped on drop): a create
//! whose answer is lost leaves a key that can only be deleted, so the create
//! is never resent once it may have arrived.
//!
//! Lists page like Accounts v1 (an absolute `meta.next_page_url`, followed
//! only to the same IAM host and the same list); dates are RFC 2822, kept
//! with their offset.
//!
//! Every operation, sent through a closure transport that answers as the
//! spec's examples do:
//!
//! ```
//! use twilio_accounts_core::{
//!     AuthToken, CreateIamKey, Credentials, DeleteIamKey, Endpoint, FetchIamKey, ListIamKeys,
//!     Policy, RequestContext, RetryPolicy, TransportError, UpdateIamKey, send_blocking,
//! };
//!
//! const KEY: &str = r#"{"sid":"SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","friendly_name":"foo","date_created":"Mon, 13 Jun 2016 22:50:08 +0000","date_updated":"Mon, 13 Jun 2016 22:50:08 +0000","policy":{"allow":["/twilio/messaging/messages/read"]}}"#;
//! let transport = |request: http::Request<Vec<u8>>| -> Result<_, TransportError> {
//!     assert_eq!(request.uri().host(), Some("iam.twilio.com"));
//!     let (status, body) = match (request.method().as_str(), request.uri().path()) {
//!         ("GET", "/v1/Keys") => (200, format!(r#"{{"keys":[{KEY}],"meta":{{"next_page_url":null,"key":"keys"}}}}"#)),
//!         ("POST", "/v1/Keys") => (201, KEY.replace(r#""policy""#, r#""secret":"foobar","policy""#)),
//!         ("DELETE", _) => (204, String::new()),
//!         _ => (200, KEY.to_owned()),
//!     };
//!     Ok(http::Response::builder().status(status).body(body.into_bytes()).unwrap())
//! };
//! let context = RequestContext::new(
//!     Credentials::auth_token(
//!         "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?,
//!         AuthToken::new("0123456789abcdef0123456789abcdef")?,
//!     ),
//!     Endpoint::default(),
//! );
//! let retry = RetryPolicy::default();
//! let account = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?;
//! let sid = "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?;
//!
//! let page = send_blocking(&context, &ListIamKeys::new(account), &retry, 0, &transport, |_| {})?.value;
//! assert_eq!(page.items[0].sid, Some(sid));
//! let policy = Policy::allow(["/twilio/messaging/messages/read"])?;
//! let created = send_blocking(&context, &CreateIamKey::restricted(account, policy.clone())?, &retry, 0, &transport, |_| {})?.value;
//! assert_eq!(created.secret.as_ref().map(|s| s.expose_secret()), Some("foobar"));
//! assert_eq!(created.policy.as_ref(), Some(&policy));
//! let fetched = send_blocking(&context, &FetchIamKey::new(sid), &retry, 0, &transport, |_| {})?.value;
//! assert_eq!(fetched.policy, Some(policy.clone()));
//! send_blocking(&context, &UpdateIamKey::new(sid).policy(policy)?, &retry, 0, &transport, |_| {})?;
//! let deleted = send_blocking(&context, &DeleteIamKey::new(sid), &retry, 0, &transport, |_| {})?;
//! assert_eq!(deleted.status, 204);
//! # Ok::<(), twilio_accounts_core::Error>(())
//! ```

use std::fmt;

use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::Value;

use crate::endpoint::Service;
use crate::error::{DecodeError, Error};
use crate::form::Form;
use crate::json_output::{self, Secrets, ToJson};
use crate::operation::{
    Operation, Parameter, ParameterLocation, PathValue, decode_json, decode_json_keeping_key_secret,
};
use crate::operations::credential::{
    ACCOUNT_SID, FRIENDLY_NAME, FriendlyName, SID, friendly_name_parameter,
};
use crate::page::{ListOperation, PAGE_PARAMETERS, Page, PageRequest};
use crate::parameter_values::{FromParameters, ParameterError, ParameterValues};
use crate::policy::Policy;
use crate::retry::Idempotency;
use crate::secret::ApiKeySecret;
use crate::sid::{AccountSid, ApiKeySid};
use crate::timestamp::{Timestamp, rfc2822};

/// `KeyType`: what kind of key a create makes.
const KEY_TYPE: &str = "KeyType";
/// `Policy`: a restricted key's permissions, as a JSON string.
const POLICY: &str = "Policy";
/// The create answer's field that carries the new key's secret.
pub(crate) const SECRET: &str = "secret";

/// The list's path (and the create's).
pub const KEYS_PATH: &str = "/v1/Keys";
/// One key's path template.
pub const KEY_PATH: &str = "/v1/Keys/{Sid}";

/// What a 404 on one key means.
const KEY_NOT_FOUND: &str =
    "the account has no API key with this SID (a deleted key is gone for good)";

/// The kind of an API key.
///
/// Twilio may add kinds: a value this crate does not know is kept as
/// [`KeyType::Other`] rather than refused.
///
/// ```
/// use twilio_accounts_core::KeyType;
///
/// assert_eq!(KeyType::parse("restricted"), KeyType::Restricted);
/// assert_eq!(KeyType::parse("scoped"), KeyType::Other("scoped".to_owned()));
/// assert_eq!(KeyType::Standard.as_str(), "standard");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyType {
    /// `main`: full access, like the Auth Token. Made only in the Console;
    /// a create refuses it.
    Main,
    /// `standard`: everything but the Accounts and Keys resources (and the
    /// Auth Tokens). What a create makes when it sends no `KeyType`.
    Standard,
    /// `restricted`: only what its [`Policy`] allows (IAM v1 only).
    Restricted,
    /// A kind this crate does not know, kept as Twilio wrote it; a create
    /// sends it as written, and Twilio decides.
    Other(String),
}

impl KeyType {
    /// The kind named `text` (`main`, `standard`, `restricted`, or another).
    pub fn parse(text: &str) -> Self {
        match text {
            "main" => KeyType::Main,
            "standard" => KeyType::Standard,
            "restricted" => KeyType::Restricted,
            other => KeyType::Other(other.to_owned()),
        }
    }

    /// The value on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            KeyType::Main => "main",
            KeyType::Standard => "standard",
            KeyType::Restricted => "restricted",
            KeyType::Other(text) => text,
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for KeyType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(KeyType::parse(&text))
    }
}

/// A key as IAM v1 describes it (`iam.v1.key`, and the list's
/// `iam.v1.get_keys`): never its secret.
///
/// Every field is nullable in the spec. `policy` is a restricted key's
/// ([`FetchIamKey`] answers it); `flags` come with the list (`rest_api`,
/// `signing`). `friendly_name` is personal data in the spec: `Debug` shows
/// it, no error of the core contains it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct IamKey {
    /// The key's SID (`SK…`), the user name it authenticates with.
    #[serde(default)]
    pub sid: Option<ApiKeySid>,
    /// Its name.
    #[serde(default)]
    pub friendly_name: Option<String>,
    /// When it was created (RFC 2822, offset kept).
    #[serde(default, with = "rfc2822::option")]
    pub date_created: Option<Timestamp>,
    /// When it was last updated (RFC 2822, offset kept).
    #[serde(default, with = "rfc2822::option")]
    pub date_updated: Option<Timestamp>,
    /// A restricted key's policy.
    #[serde(default)]
    pub policy: Option<Policy>,
    /// What the key may be used for (`rest_api`, `signing`), in a list.
    #[serde(default)]
    pub flags: Option<Vec<String>>,
}

/// A key just made (`iam.v1.new_key`): the only answer that carries its
/// secret.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NewIamKey {
    /// The key's SID (`SK…`): the user name it authenticates with.
    #[serde(default)]
    pub sid: Option<ApiKeySid>,
    /// Its name.
    #[serde(default)]
    pub friendly_name: Option<String>,
    /// When it was created (RFC 2822, offset kept).
    #[serde(default, with = "rfc2822::option")]
    pub date_created: Option<Timestamp>,
    /// When it was last updated (RFC 2822, offset kept).
    #[serde(default, with = "rfc2822::option")]
    pub date_updated: Option<Timestamp>,
    /// The secret, the password it authenticates with: shown this once,
    /// redacted in `Debug`, wiped on drop.
    #[serde(default)]
    pub secret: Option<ApiKeySecret>,
    /// A restricted key's policy (`null` for a standard key).
    #[serde(default)]
    pub policy: Option<Policy>,
}

/// The fields of [`IamKey`] as Twilio names them; dates as RFC 2822.
impl ToJson for IamKey {
    fn to_json(&self, _: Secrets) -> Value {
        serde_json::json!({
            "sid": json_output::text(self.sid.as_ref()),
            "friendly_name": self.friendly_name,
            "date_created": self.date_created.as_ref().map(Timestamp::to_rfc2822),
            "date_updated": self.date_updated.as_ref().map(Timestamp::to_rfc2822),
            "policy": self.policy.as_ref().map(json_output::serialized),
            "flags": self.flags,
        })
    }
}

/// The fields of [`NewIamKey`], its `secret` redacted unless revealed.
impl ToJson for NewIamKey {
    fn to_json(&self, secrets: Secrets) -> Value {
        serde_json::json!({
            "sid": json_output::text(self.sid.as_ref()),
            "friendly_name": self.friendly_name,
            "date_created": self.date_created.as_ref().map(Timestamp::to_rfc2822),
            "date_updated": self.date_updated.as_ref().map(Timestamp::to_rfc2822),
            "secret": self.secret.as_ref().map(|s| secrets.api_key_secret(s)),
            "policy": self.policy.as_ref().map(json_output::serialized),
        })
    }
}

/// `Sid`, in the path: the one parameter of a fetch and a delete.
const SID_IN_PATH: Parameter = Parameter::spec(SID, ParameterLocation::Path);

/// `Sid`, required, an API key SID (`SK…`).
pub(crate) fn key_sid_parameter(
    operation: &'static str,
    values: &ParameterValues,
) -> Result<ApiKeySid, ParameterError> {
    values.parse_required(operation, SID, ApiKeySid::parse)
}

/// `Policy`, if given, read from its JSON text.
fn policy_parameter(
    operation: &'static str,
    values: &ParameterValues,
) -> Result<Option<Policy>, ParameterError> {
    values.parse_optional(operation, POLICY, Policy::from_json_str)
}

/// `GET /v1/Keys?AccountSid=AC…` (`ListGetKeys`): one page of an account's
/// API keys.
///
/// Idempotent: a read. `AccountSid` is required; paging follows it in the
/// query. The answer pages with `meta.next_page_url`:
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::{ListIamKeys, ListOperation, RetryPolicy, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!((request.method().as_str(), request.uri().path()), ("GET", "/v1/Keys"));
///     assert_eq!(request.uri().query(), Some("AccountSid=ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&PageSize=50"));
///     respond(200, r#"{"keys":[{"sid":"SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","friendly_name":"foo","date_created":"Mon, 13 Jun 2016 22:50:08 +0000","flags":["rest_api","signing"]}],"meta":{"page":0,"page_size":50,"next_page_url":"https://iam.twilio.com/v1/Keys?AccountSid=ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&PageSize=50&Page=1&PageToken=PAbb","key":"keys"}}"#)
/// };
/// let list = ListIamKeys::new("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?).page_size(50)?;
/// let page = send_blocking(&context, &list, &RetryPolicy::default(), 0, &transport, |_| {})?.value;
/// assert_eq!(page.items[0].flags.as_deref(), Some(&["rest_api".to_owned(), "signing".to_owned()][..]));
/// let next = ListIamKeys::next_page(context.endpoint(), &page)?.expect("a next page");
/// assert_eq!(next.path_and_query(), "/v1/Keys?AccountSid=ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&PageSize=50&Page=1&PageToken=PAbb");
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListIamKeys {
    /// The account whose keys are listed.
    pub account_sid: AccountSid,
    paging: PageRequest,
}

impl ListIamKeys {
    /// The first page of the keys of `account_sid`, with the server's
    /// default page size (50).
    pub fn new(account_sid: AccountSid) -> Self {
        ListIamKeys {
            account_sid,
            paging: PageRequest::new(),
        }
    }

    /// At most `size` keys a page (1 to 1000).
    pub fn page_size(self, size: u32) -> Result<Self, Error> {
        Ok(ListIamKeys {
            paging: self.paging.page_size(size)?,
            ..self
        })
    }

    /// Any page: size, index and token.
    pub fn with_paging(account_sid: AccountSid, paging: PageRequest) -> Self {
        ListIamKeys {
            account_sid,
            paging,
        }
    }
}

impl Operation for ListIamKeys {
    type Output = Page<IamKey>;

    const ID: &'static str = "ListGetKeys";
    const SERVICE: Service = Service::Iam;
    const METHOD: Method = Method::GET;
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    const PATH: &'static str = KEYS_PATH;
    const PARAMETERS: &'static [Parameter] = &[
        Parameter::spec(ACCOUNT_SID, ParameterLocation::Query),
        PAGE_PARAMETERS[0],
        PAGE_PARAMETERS[1],
        PAGE_PARAMETERS[2],
    ];

    fn query(&self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![(ACCOUNT_SID, self.account_sid.as_str().to_owned())];
        pairs.extend(self.paging.query());
        pairs
    }
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        <Self as ListOperation>::parse_page(status, body)
    }
}

impl ListOperation for ListIamKeys {
    type Item = IamKey;
    const ITEMS_KEY: &'static str = "keys";
}

/// `AccountSid` (required) and the paging parameters.
impl FromParameters for ListIamKeys {
    fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError> {
        let id = <Self as Operation>::ID;
        Ok(ListIamKeys::with_paging(
            values.parse_required(id, ACCOUNT_SID, AccountSid::parse)?,
            PageRequest::from_parameters(id, values)?,
        ))
    }
}

/// `POST /v1/Keys` (`CreateNewKey` of IAM v1): makes a standard or a
/// restricted key and answers with its secret, this once.
///
/// Not idempotent: each create makes a new key (and Twilio caps how many an
/// account may have, error 70151), so it is never resent once it may have
/// arrived. The form carries `AccountSid`, `FriendlyName`, and for a
/// restricted key `KeyType=restricted` and the `Policy` as JSON text. A main
/// key (Console only), a restricted key without a policy, a policy on a
/// standard key and a policy of more than 100 permissions are refused
/// before anything is sent:
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::{CreateIamKey, FriendlyName, KeyType, Policy, RetryPolicy, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!((request.method().as_str(), request.uri().path()), ("POST", "/v1/Keys"));
///     assert_eq!(
///         request.body(),
///         b"AccountSid=ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&FriendlyName=foo&KeyType=restricted&Policy=%7B%22allow%22%3A%5B%22%2Ftwilio%2Fmessaging%2Fmessages%2Fread%22%5D%7D"
///     );
///     respond(201, r#"{"sid":"SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","friendly_name":"foo","date_created":"Mon, 13 Jun 2016 22:50:08 +0000","date_updated":"Mon, 13 Jun 2016 22:50:08 +0000","secret":"foobar","policy":{"allow":["/twilio/messaging/messages/read"]}}"#)
/// };
/// let account = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?;
/// let create = CreateIamKey::restricted(account, Policy::allow(["/twilio/messaging/messages/read"])?)?
///     .friendly_name(FriendlyName::new("foo")?);
/// let key = send_blocking(&context, &create, &RetryPolicy::default(), 0, &transport, |_| {})?.value;
/// assert_eq!(format!("{:?}", key.secret), "Some(ApiKeySecret([redacted]))");
/// assert!(CreateIamKey::new(account, KeyType::Main, None).is_err());
/// assert!(CreateIamKey::new(account, KeyType::Restricted, None).is_err());
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateIamKey {
    /// The account the key belongs to.
    pub account_sid: AccountSid,
    /// Its name.
    pub friendly_name: Option<FriendlyName>,
    key_type: KeyType,
    policy: Option<Policy>,
}

impl CreateIamKey {
    /// A key of `key_type` for `account_sid`, with `policy` for a
    /// restricted key. Refused: a main key (made only in the Console), a
    /// restricted key without a policy, a policy on a standard key, and a
    /// policy over Twilio's size. Another kind is sent as written, with or
    /// without a policy.
    pub fn new(
        account_sid: AccountSid,
        key_type: KeyType,
        policy: Option<Policy>,
    ) -> Result<Self, Error> {
        let refused = |reason| Error::InvalidParameter {
            name: KEY_TYPE,
            reason,
        };
        match (&key_type, &policy) {
            (KeyType::Main, _) => {
                return Err(refused(
                    "main cannot be created by the API, only in the Console",
                ));
            }
            (KeyType::Restricted, None) => {
                return Err(refused("restricted needs a Policy"));
            }
            (KeyType::Standard, Some(_)) => {
                return Err(refused(
                    "standard takes no Policy; a key with a policy is restricted",
                ));
            }
            _ => {}
        }
        if let Some(policy) = &policy {
            policy.check().map_err(Error::InvalidPolicy)?;
        }
        Ok(CreateIamKey {
            account_sid,
            friendly_name: None,
            key_type,
            policy,
        })
    }

    /// A standard key for `account_sid`.
    pub fn standard(account_sid: AccountSid) -> Self {
        CreateIamKey {
            account_sid,
            friendly_name: None,
            key_type: KeyType::Standard,
            policy: None,
        }
    }

    /// A restricted key for `account_sid`, allowed what `policy` says.
    pub fn restricted(account_sid: AccountSid, policy: Policy) -> Result<Self, Error> {
        Self::new(account_sid, KeyType::Restricted, Some(policy))
    }

    /// Names it (at most 64 characters).
    pub fn friendly_name(self, name: FriendlyName) -> Self {
        CreateIamKey {
            friendly_name: Some(name),
            ..self
        }
    }

    /// The kind of key it makes.
    pub fn key_type(&self) -> &KeyType {
        &self.key_type
    }

    /// The policy it sends.
    pub fn policy(&self) -> Option<&Policy> {
        self.policy.as_ref()
    }
}

impl Operation for CreateIamKey {
    type Output = NewIamKey;

    const ID: &'static str = "CreateNewKey";
    const SERVICE: Service = Service::Iam;
    const METHOD: Method = Method::POST;
    const IDEMPOTENCY: Idempotency = Idempotency::NotIdempotent;
    const PATH: &'static str = KEYS_PATH;
    const PARAMETERS: &'static [Parameter] = &[
        Parameter::spec(ACCOUNT_SID, ParameterLocation::Form),
        Parameter::spec(FRIENDLY_NAME, ParameterLocation::Form),
        Parameter::spec(KEY_TYPE, ParameterLocation::Form),
        Parameter::spec(POLICY, ParameterLocation::Form),
    ];
    const SECRET_FIELD: Option<&'static str> = Some(SECRET);

    fn form(&self, form: &mut Form) {
        form.text(ACCOUNT_SID, self.account_sid.as_str());
        if let Some(name) = &self.friendly_name {
            form.text(FRIENDLY_NAME, name.as_str());
        }
        // No `KeyType` makes a standard key; the spec lists no other value
        // for it than `restricted`.
        if self.key_type != KeyType::Standard {
            form.text(KEY_TYPE, self.key_type.as_str());
        }
        if let Some(policy) = &self.policy {
            form.text(POLICY, &policy.to_json_string());
        }
    }
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        decode_json_keeping_key_secret(Self::ID, status, body, SECRET)
    }
}

/// `AccountSid` (required), `FriendlyName`, `KeyType` (absent: standard)
/// and `Policy` (JSON text), under the rules of [`CreateIamKey::new`].
impl FromParameters for CreateIamKey {
    fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError> {
        let id = <Self as Operation>::ID;
        let account_sid = values.parse_required(id, ACCOUNT_SID, AccountSid::parse)?;
        let key_type = values
            .optional(id, KEY_TYPE)?
            .map_or(KeyType::Standard, KeyType::parse);
        let policy = policy_parameter(id, values)?;
        let create = CreateIamKey::new(account_sid, key_type, policy)
            .map_err(|e| ParameterError::invalid(id, KEY_TYPE, None, e))?;
        Ok(CreateIamKey {
            friendly_name: friendly_name_parameter(id, values)?,
            ..create
        })
    }
}

/// `GET /v1/Keys/{Sid}` (`FetchKey` of IAM v1): one key, with a restricted
/// key's policy; never its secret.
///
/// Idempotent: a read.
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::{FetchIamKey, RetryPolicy, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!(request.uri().host(), Some("iam.twilio.com"));
///     assert_eq!((request.method().as_str(), request.uri().path()), ("GET", "/v1/Keys/SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
///     respond(200, r#"{"sid":"SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","friendly_name":"foo","date_created":"Mon, 13 Jun 2016 22:50:08 +0000","date_updated":"Mon, 13 Jun 2016 22:50:08 +0000","policy":null}"#)
/// };
/// let key = send_blocking(&context, &FetchIamKey::new("SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?), &RetryPolicy::default(), 0, &transport, |_| {})?.value;
/// assert_eq!(key.policy, None);
/// assert_eq!(key.date_created.map(|d| d.to_rfc2822()).as_deref(), Some("Mon, 13 Jun 2016 22:50:08 +0000"));
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchIamKey {
    /// The key to fetch.
    pub sid: ApiKeySid,
}

impl FetchIamKey {
    /// Fetches the key `sid`.
    pub fn new(sid: ApiKeySid) -> Self {
        FetchIamKey { sid }
    }
}

impl Operation for FetchIamKey {
    type Output = IamKey;

    const ID: &'static str = "FetchKey";
    const SERVICE: Service = Service::Iam;
    const METHOD: Method = Method::GET;
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    const PATH: &'static str = KEY_PATH;
    const PARAMETERS: &'static [Parameter] = &[SID_IN_PATH];
    const NOT_FOUND_HINT: Option<&'static str> = Some(KEY_NOT_FOUND);

    fn path_values(&self) -> Vec<PathValue<'_>> {
        vec![PathValue::new(SID, &self.sid)]
    }
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        decode_json(Self::ID, status, body, None)
    }
}

impl FromParameters for FetchIamKey {
    fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError> {
        Ok(FetchIamKey::new(key_sid_parameter(
            <Self as Operation>::ID,
            values,
        )?))
    }
}

/// `POST /v1/Keys/{Sid}` (`UpdateKey` of IAM v1): renames a key, or
/// replaces a restricted key's policy.
///
/// Idempotent: it sets fixed values. A field left out is not sent (and
/// Twilio leaves it as it was); a policy over Twilio's size is refused
/// before anything is sent:
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::{FriendlyName, Policy, RetryPolicy, UpdateIamKey, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!((request.method().as_str(), request.uri().path()), ("POST", "/v1/Keys/SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
///     assert_eq!(request.body(), b"FriendlyName=foo&Policy=%7B%22deny%22%3A%5B%22%2Ftwilio%2Fvoice%2Fcalls%2Fcreate%22%5D%7D");
///     respond(200, r#"{"sid":"SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","friendly_name":"foo","policy":{"deny":["/twilio/voice/calls/create"]}}"#)
/// };
/// let policy = Policy::new(Vec::<String>::new(), ["/twilio/voice/calls/create"])?;
/// let update = UpdateIamKey::new("SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?)
///     .friendly_name(FriendlyName::new("foo")?)
///     .policy(policy.clone())?;
/// let key = send_blocking(&context, &update, &RetryPolicy::default(), 0, &transport, |_| {})?.value;
/// assert_eq!(key.policy, Some(policy));
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateIamKey {
    /// The key to update.
    pub sid: ApiKeySid,
    /// Its new name, if it changes.
    pub friendly_name: Option<FriendlyName>,
    policy: Option<Policy>,
}

impl UpdateIamKey {
    /// An update of `sid` that changes nothing yet.
    pub fn new(sid: ApiKeySid) -> Self {
        UpdateIamKey {
            sid,
            friendly_name: None,
            policy: None,
        }
    }

    /// Renames it.
    pub fn friendly_name(self, name: FriendlyName) -> Self {
        UpdateIamKey {
            friendly_name: Some(name),
            ..self
        }
    }

    /// Replaces its policy (a restricted key's), checked against Twilio's
    /// size.
    pub fn policy(self, policy: Policy) -> Result<Self, Error> {
        policy.check().map_err(Error::InvalidPolicy)?;
        Ok(UpdateIamKey {
            policy: Some(policy),
            ..self
        })
    }

    /// The policy it sends.
    pub fn new_policy(&self) -> Option<&Policy> {
        self.policy.as_ref()
    }
}

impl Operation for UpdateIamKey {
    type Output = IamKey;

    const ID: &'static str = "UpdateKey";
    const SERVICE: Service = Service::Iam;
    const METHOD: Method = Method::POST;
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    const PATH: &'static str = KEY_PATH;
    const PARAMETERS: &'static [Parameter] = &[
        SID_IN_PATH,
        Parameter::spec(FRIENDLY_NAME, ParameterLocation::Form),
        Parameter::spec(POLICY, ParameterLocation::Form),
    ];
    const NOT_FOUND_HINT: Option<&'static str> = Some(KEY_NOT_FOUND);

    fn path_values(&self) -> Vec<PathValue<'_>> {
        vec![PathValue::new(SID, &self.sid)]
    }
    fn form(&self, form: &mut Form) {
        if let Some(name) = &self.friendly_name {
            form.text(FRIENDLY_NAME, name.as_str());
        }
        if let Some(policy) = &self.policy {
            form.text(POLICY, &policy.to_json_string());
        }
    }
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        decode_json(Self::ID, status, body, None)
    }
}

/// `Sid` (required), `FriendlyName` and `Policy` (JSON text).
impl FromParameters for UpdateIamKey {
    fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError> {
        let id = <Self as Operation>::ID;
        Ok(UpdateIamKey {
            sid: key_sid_parameter(id, values)?,
            friendly_name: friendly_name_parameter(id, values)?,
            policy: policy_parameter(id, values)?,
        })
    }
}

/// `DELETE /v1/Keys/{Sid}` (`DeleteKey` of IAM v1): deletes, and so revokes,
/// a key.
///
/// Idempotent: a second delete finds nothing (404), the account is the
/// same as after one. Twilio answers 204 with no body:
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::{DeleteIamKey, RetryPolicy, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!((request.method().as_str(), request.uri().path()), ("DELETE", "/v1/Keys/SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
///     respond(204, "")
/// };
/// let delete = DeleteIamKey::new("SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?);
/// assert_eq!(send_blocking(&context, &delete, &RetryPolicy::default(), 0, &transport, |_| {})?.status, 204);
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteIamKey {
    /// The key to delete.
    pub sid: ApiKeySid,
}

impl DeleteIamKey {
    /// Deletes the key `sid`.
    pub fn new(sid: ApiKeySid) -> Self {
        DeleteIamKey { sid }
    }
}

impl Operation for DeleteIamKey {
    type Output = ();

    const ID: &'static str = "DeleteKey";
    const SERVICE: Service = Service::Iam;
    const METHOD: Method = Method::DELETE;
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    const PATH: &'static str = KEY_PATH;
    const PARAMETERS: &'static [Parameter] = &[SID_IN_PATH];
    const NOT_FOUND_HINT: Option<&'static str> = Some(KEY_NOT_FOUND);

    fn path_values(&self) -> Vec<PathValue<'_>> {
        vec![PathValue::new(SID, &self.sid)]
    }
    /// A 204 has no body; any body is ignored.
    fn parse_success(&self, _status: StatusCode, _body: &[u8]) -> Result<(), DecodeError> {
        Ok(())
    }
}

impl FromParameters for DeleteIamKey {
    fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError> {
        Ok(DeleteIamKey::new(key_sid_parameter(
            <Self as Operation>::ID,
            values,
        )?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_types_keep_unknown_values() {
        for (text, kind) in [
            ("main", KeyType::Main),
            ("standard", KeyType::Standard),
            ("restricted", KeyType::Restricted),
            ("Restricted", KeyType::Other("Restricted".to_owned())),
        ] {
            assert_eq!(KeyType::parse(text), kind);
            assert_eq!(kind.as_str(), text);
            let read: KeyType = serde_json::from_str(&format!("\"{text}\"")).unwrap();
            assert_eq!(read, kind);
        }
    }

    #[test]
    fn creates_refuse_what_twilio_would_refuse_or_ignore() {
        let account = AccountSid::EXAMPLE;
        let policy = Policy::allow(["/twilio/messaging/messages/read"]).unwrap();
        let cases = [
            (KeyType::Main, None, false),
            (KeyType::Main, Some(policy.clone()), false),
            (KeyType::Restricted, None, false),
            (KeyType::Standard, Some(policy.clone()), false),
            (KeyType::Standard, None, true),
            (KeyType::Restricted, Some(policy.clone()), true),
            (KeyType::Other("scoped".to_owned()), None, true),
            (KeyType::Other("scoped".to_owned()), Some(policy), true),
        ];
        for (kind, policy, accepted) in cases {
            let result = CreateIamKey::new(account, kind.clone(), policy.clone());
            assert_eq!(result.is_ok(), accepted, "{kind:?} {policy:?}");
        }
    }

    #[test]
    fn a_policy_from_twilio_is_read_whatever_its_size() {
        let allow: Vec<String> = (0..150).map(|i| format!("\"/twilio/p/{i}\"")).collect();
        let body = format!(r#"{{"policy":{{"allow":[{}]}}}}"#, allow.join(","));
        let key: IamKey = serde_json::from_str(&body).unwrap();
        let policy = key.policy.unwrap();
        assert_eq!(policy.len(), 150);
        // It cannot be sent back as it is.
        assert!(
            UpdateIamKey::new(ApiKeySid::EXAMPLE)
                .policy(policy)
                .is_err()
        );
    }
}
