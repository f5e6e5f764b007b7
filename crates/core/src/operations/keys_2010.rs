//! `/2010-04-01/Accounts/{AccountSid}/Keys…` and `…/SigningKeys…` (the 2010
//! API, `api.twilio.com`): an account's API keys and signing keys.
//!
//! | type (alias of) | operationId (qualified) | idempotent |
//! |---|---|---|
//! | [`ListKey`] ([`ListAccountKeys<Keys>`]) | `ListKey` (`api.v2010.ListKey`) | yes (a read) |
//! | [`CreateNewKey`] ([`CreateAccountKey<Keys>`]) | `CreateNewKey` (`api.v2010.CreateNewKey`) | no (a create) |
//! | [`FetchKey`] ([`FetchAccountKey<Keys>`]) | `FetchKey` (`api.v2010.FetchKey`) | yes (a read) |
//! | [`UpdateKey`] ([`UpdateAccountKey<Keys>`]) | `UpdateKey` (`api.v2010.UpdateKey`) | yes (sets a fixed name) |
//! | [`DeleteKey`] ([`DeleteAccountKey<Keys>`]) | `DeleteKey` (`api.v2010.DeleteKey`) | yes |
//! | [`ListSigningKey`], [`CreateNewSigningKey`], [`FetchSigningKey`], [`UpdateSigningKey`], [`DeleteSigningKey`] (the same over [`SigningKeys`]) | the same ids with `SigningKey` | the same |
//!
//! Keys and signing keys have the same shape (an `SK…` SID, a name, RFC 2822
//! dates, a secret shown once), so their five operations are declared once,
//! generic over a [`KeyResource`] that says what differs (the paths, the
//! operationIds, the list's items key), and named by type aliases, as
//! [`credential`](super::credential) does for credentials.
//!
//! IAM v1 has operations with the same ids `CreateNewKey`, `FetchKey`,
//! `UpdateKey` and `DeleteKey` ([`iam_keys`](super::iam_keys)); anything that
//! names an operation by id alone must say which API it means (see
//! [`operations::lookup`](super::lookup)). The 2010 create makes a standard
//! key; restricted keys are made with IAM v1 (Twilio reportedly ignores a
//! `KeyType` or `Policy` sent here).
//!
//! Every path names the account (`AccountSid`): a parent's credentials may
//! manage a subaccount's keys with the subaccount's SID. Lists page with a
//! relative `next_page_uri`, resolved against the 2010 base URL and followed
//! only to the same list.
//!
//! Every operation, sent through a closure transport that answers as the
//! spec's examples do:
//!
//! ```
//! use twilio_accounts_core::{
//!     AuthToken, CreateNewKey, Credentials, DeleteKey, Endpoint, FetchKey, FriendlyName, ListKey,
//!     ListOperation, RequestContext, RetryPolicy, TransportError, UpdateKey, send_blocking,
//! };
//!
//! const KEY: &str = r#"{"sid":"SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","friendly_name":"foo","date_created":"Mon, 13 Jun 2016 22:50:08 +0000","date_updated":"Mon, 13 Jun 2016 22:50:08 +0000"}"#;
//! let transport = |request: http::Request<Vec<u8>>| -> Result<_, TransportError> {
//!     assert_eq!(request.uri().host(), Some("api.twilio.com"));
//!     let (status, body) = match (request.method().as_str(), request.uri().path()) {
//!         ("GET", "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Keys.json") => (200, format!(
//!             r#"{{"keys":[{KEY}],"next_page_uri":"/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Keys.json?PageSize=1&Page=1&PageToken=PAbb","page":0,"page_size":1}}"#
//!         )),
//!         ("POST", "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Keys.json") => (201, KEY.replace('}', r#","secret":"foobar"}"#)),
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
//! let page = send_blocking(&context, &ListKey::new(account).page_size(1)?, &retry, 0, &transport, |_| {})?.value;
//! assert_eq!(page.items[0].sid, Some(sid));
//! let next = ListKey::next_page(context.endpoint(), &page)?.expect("a second page");
//! assert_eq!(next.path_and_query(), "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Keys.json?PageSize=1&Page=1&PageToken=PAbb");
//! let created = send_blocking(&context, &CreateNewKey::new(account).friendly_name(FriendlyName::new("foo")?), &retry, 0, &transport, |_| {})?.value;
//! assert_eq!(created.secret.as_ref().map(|s| s.expose_secret()), Some("foobar"));
//! assert!(!format!("{created:?}").contains("foobar"));
//! let fetched = send_blocking(&context, &FetchKey::new(account, sid), &retry, 0, &transport, |_| {})?.value;
//! assert_eq!(fetched.date_created.map(|d| d.to_rfc2822()).as_deref(), Some("Mon, 13 Jun 2016 22:50:08 +0000"));
//! send_blocking(&context, &UpdateKey::new(account, sid, FriendlyName::new("foo")?), &retry, 0, &transport, |_| {})?;
//! assert_eq!(send_blocking(&context, &DeleteKey::new(account, sid), &retry, 0, &transport, |_| {})?.status, 204);
//! # Ok::<(), twilio_accounts_core::Error>(())
//! ```

use std::fmt::Debug;
use std::marker::PhantomData;

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
use crate::operations::iam_keys::{SECRET, key_sid_parameter};
use crate::page::{ListOperation, PAGE_PARAMETERS, Page, PageRequest};
use crate::parameter_values::{FromParameters, ParameterError, ParameterValues};
use crate::retry::Idempotency;
use crate::secret::ApiKeySecret;
use crate::sid::{AccountSid, ApiKeySid};
use crate::timestamp::{Timestamp, rfc2822};

/// A key as the 2010 API describes it (`api.v2010.account.key`,
/// `api.v2010.account.signing_key`): never its secret.
///
/// Every field is nullable in the spec. `friendly_name` is personal data in
/// the spec: `Debug` shows it, no error of the core contains it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AccountKey {
    /// The key's SID (`SK…`).
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
}

/// A key just made by the 2010 API (`api.v2010.account.new_key`,
/// `…new_signing_key`): the only answer that carries its secret.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct NewAccountKey {
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
}

/// The fields of [`AccountKey`] as Twilio names them; dates as RFC 2822.
impl ToJson for AccountKey {
    fn to_json(&self, _: Secrets) -> Value {
        serde_json::json!({
            "sid": json_output::text(self.sid.as_ref()),
            "friendly_name": self.friendly_name,
            "date_created": self.date_created.as_ref().map(Timestamp::to_rfc2822),
            "date_updated": self.date_updated.as_ref().map(Timestamp::to_rfc2822),
        })
    }
}

/// The fields of [`NewAccountKey`], its `secret` redacted unless revealed.
impl ToJson for NewAccountKey {
    fn to_json(&self, secrets: Secrets) -> Value {
        serde_json::json!({
            "sid": json_output::text(self.sid.as_ref()),
            "friendly_name": self.friendly_name,
            "date_created": self.date_created.as_ref().map(Timestamp::to_rfc2822),
            "date_updated": self.date_updated.as_ref().map(Timestamp::to_rfc2822),
            "secret": self.secret.as_ref().map(|s| secrets.api_key_secret(s)),
        })
    }
}

/// One kind of 2010 key resource (`Keys`, `SigningKeys`): what its five
/// operations do not share with the other's.
pub trait KeyResource:
    Debug + Clone + Copy + Default + PartialEq + Eq + Send + Sync + 'static
{
    /// The list's path (and the create's).
    const PATH: &'static str;
    /// One key's path template.
    const ITEM_PATH: &'static str;
    /// The list envelope's key for the items.
    const ITEMS_KEY: &'static str;
    /// The list's `operationId`.
    const LIST_ID: &'static str;
    /// The create's `operationId`.
    const CREATE_ID: &'static str;
    /// The fetch's `operationId`.
    const FETCH_ID: &'static str;
    /// The update's `operationId`.
    const UPDATE_ID: &'static str;
    /// The delete's `operationId`.
    const DELETE_ID: &'static str;
    /// What a 404 on one key means.
    const NOT_FOUND_HINT: &'static str;
}

/// `…/Keys`: API keys, which authenticate to the REST API.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Keys;

impl KeyResource for Keys {
    const PATH: &'static str = "/2010-04-01/Accounts/{AccountSid}/Keys.json";
    const ITEM_PATH: &'static str = "/2010-04-01/Accounts/{AccountSid}/Keys/{Sid}.json";
    const ITEMS_KEY: &'static str = "keys";
    const LIST_ID: &'static str = "ListKey";
    const CREATE_ID: &'static str = "CreateNewKey";
    const FETCH_ID: &'static str = "FetchKey";
    const UPDATE_ID: &'static str = "UpdateKey";
    const DELETE_ID: &'static str = "DeleteKey";
    const NOT_FOUND_HINT: &'static str = "the account has no API key with this SID (a deleted key is gone for good), or the credentials do not reach this account";
}

/// `…/SigningKeys`: signing keys, which sign Access Tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SigningKeys;

impl KeyResource for SigningKeys {
    const PATH: &'static str = "/2010-04-01/Accounts/{AccountSid}/SigningKeys.json";
    const ITEM_PATH: &'static str = "/2010-04-01/Accounts/{AccountSid}/SigningKeys/{Sid}.json";
    const ITEMS_KEY: &'static str = "signing_keys";
    const LIST_ID: &'static str = "ListSigningKey";
    const CREATE_ID: &'static str = "CreateNewSigningKey";
    const FETCH_ID: &'static str = "FetchSigningKey";
    const UPDATE_ID: &'static str = "UpdateSigningKey";
    const DELETE_ID: &'static str = "DeleteSigningKey";
    const NOT_FOUND_HINT: &'static str = "the account has no signing key with this SID (a deleted key is gone for good), or the credentials do not reach this account";
}

/// `GET …/Keys.json` (`ListKey`): one page of API keys; see [`ListAccountKeys`].
pub type ListKey = ListAccountKeys<Keys>;
/// `POST …/Keys.json` (`CreateNewKey` of the 2010 API): makes a standard API key; see [`CreateAccountKey`].
pub type CreateNewKey = CreateAccountKey<Keys>;
/// `GET …/Keys/{Sid}.json` (`FetchKey` of the 2010 API): one API key; see [`FetchAccountKey`].
pub type FetchKey = FetchAccountKey<Keys>;
/// `POST …/Keys/{Sid}.json` (`UpdateKey` of the 2010 API): renames an API key; see [`UpdateAccountKey`].
pub type UpdateKey = UpdateAccountKey<Keys>;
/// `DELETE …/Keys/{Sid}.json` (`DeleteKey` of the 2010 API): deletes an API key; see [`DeleteAccountKey`].
pub type DeleteKey = DeleteAccountKey<Keys>;
/// `GET …/SigningKeys.json` (`ListSigningKey`): one page of signing keys; see [`ListAccountKeys`].
pub type ListSigningKey = ListAccountKeys<SigningKeys>;
/// `POST …/SigningKeys.json` (`CreateNewSigningKey`): makes a signing key; see [`CreateAccountKey`].
pub type CreateNewSigningKey = CreateAccountKey<SigningKeys>;
/// `GET …/SigningKeys/{Sid}.json` (`FetchSigningKey`): one signing key; see [`FetchAccountKey`].
pub type FetchSigningKey = FetchAccountKey<SigningKeys>;
/// `POST …/SigningKeys/{Sid}.json` (`UpdateSigningKey`): renames a signing key; see [`UpdateAccountKey`].
pub type UpdateSigningKey = UpdateAccountKey<SigningKeys>;
/// `DELETE …/SigningKeys/{Sid}.json` (`DeleteSigningKey`): deletes a signing key; see [`DeleteAccountKey`].
pub type DeleteSigningKey = DeleteAccountKey<SigningKeys>;

/// `AccountSid`, in the path of every operation here.
const ACCOUNT_SID_IN_PATH: Parameter = Parameter::spec(ACCOUNT_SID, ParameterLocation::Path);
/// `Sid`, in the path of the operations on one key.
const SID_IN_PATH: Parameter = Parameter::spec(SID, ParameterLocation::Path);
/// `FriendlyName`, the create's and the update's one form field.
const FRIENDLY_NAME_IN_FORM: Parameter = Parameter::spec(FRIENDLY_NAME, ParameterLocation::Form);

/// `AccountSid`, required.
fn account_sid_parameter(
    operation: &'static str,
    values: &ParameterValues,
) -> Result<AccountSid, ParameterError> {
    values.parse_required(operation, ACCOUNT_SID, AccountSid::parse)
}

/// The optional `FriendlyName` form field.
fn name_form(form: &mut Form, name: Option<&FriendlyName>) {
    if let Some(name) = name {
        form.text(FRIENDLY_NAME, name.as_str());
    }
}

/// `GET /2010-04-01/Accounts/{AccountSid}/{Keys|SigningKeys}.json`
/// (`ListKey`, `ListSigningKey`): one page of an account's keys of a kind.
///
/// Idempotent: a read. Paging goes in the query; the answer pages with a
/// relative `next_page_uri`:
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::operations::keys_2010::SigningKeys;
/// use twilio_accounts_core::{ListAccountKeys, RetryPolicy, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!((request.method().as_str(), request.uri().path()), ("GET", "/2010-04-01/Accounts/ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/SigningKeys.json"));
///     respond(200, r#"{"signing_keys":[{"sid":"SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","friendly_name":"foo","date_created":"Mon, 13 Jun 2016 22:50:08 +0000","date_updated":"Mon, 13 Jun 2016 22:50:08 +0000"}],"next_page_uri":null,"page":0,"page_size":50}"#)
/// };
/// // `ListSigningKey` is this operation over signing keys.
/// let list = ListAccountKeys::<SigningKeys>::new("ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb".parse()?);
/// let page = send_blocking(&context, &list, &RetryPolicy::default(), 0, &transport, |_| {})?.value;
/// assert_eq!(page.items[0].friendly_name.as_deref(), Some("foo"));
/// assert_eq!(page.next_page_url, None);
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListAccountKeys<R> {
    /// The account whose keys are listed.
    pub account_sid: AccountSid,
    paging: PageRequest,
    resource: PhantomData<R>,
}

impl<R: KeyResource> ListAccountKeys<R> {
    /// The first page of the keys of `account_sid`, with the server's
    /// default page size (50).
    pub fn new(account_sid: AccountSid) -> Self {
        Self::with_paging(account_sid, PageRequest::new())
    }

    /// At most `size` keys a page (1 to 1000).
    pub fn page_size(self, size: u32) -> Result<Self, Error> {
        Ok(Self::with_paging(
            self.account_sid,
            self.paging.page_size(size)?,
        ))
    }

    /// Any page: size, index and token.
    pub fn with_paging(account_sid: AccountSid, paging: PageRequest) -> Self {
        ListAccountKeys {
            account_sid,
            paging,
            resource: PhantomData,
        }
    }
}

impl<R: KeyResource> Operation for ListAccountKeys<R> {
    type Output = Page<AccountKey>;

    const ID: &'static str = R::LIST_ID;
    const SERVICE: Service = Service::Api;
    const METHOD: Method = Method::GET;
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    const PATH: &'static str = R::PATH;
    const PARAMETERS: &'static [Parameter] = &[
        ACCOUNT_SID_IN_PATH,
        PAGE_PARAMETERS[0],
        PAGE_PARAMETERS[1],
        PAGE_PARAMETERS[2],
    ];

    fn path_values(&self) -> Vec<PathValue<'_>> {
        vec![PathValue::new(ACCOUNT_SID, &self.account_sid)]
    }
    fn query(&self) -> Vec<(&'static str, String)> {
        self.paging.query()
    }
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        <Self as ListOperation>::parse_page(status, body)
    }
}

impl<R: KeyResource> ListOperation for ListAccountKeys<R> {
    type Item = AccountKey;
    const ITEMS_KEY: &'static str = R::ITEMS_KEY;
}

impl<R: KeyResource> FromParameters for ListAccountKeys<R> {
    fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError> {
        Ok(Self::with_paging(
            account_sid_parameter(R::LIST_ID, values)?,
            PageRequest::from_parameters(R::LIST_ID, values)?,
        ))
    }
}

/// `POST /2010-04-01/Accounts/{AccountSid}/{Keys|SigningKeys}.json`
/// (`CreateNewKey`, `CreateNewSigningKey`): makes a key of a kind and
/// answers with its secret, this once.
///
/// Not idempotent: each create makes a new key, so it is never resent once
/// it may have arrived. The name is the one form field:
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::operations::keys_2010::Keys;
/// use twilio_accounts_core::{CreateAccountKey, FriendlyName, RetryPolicy, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!((request.method().as_str(), request.uri().path()), ("POST", "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Keys.json"));
///     assert_eq!(request.body(), b"FriendlyName=foo");
///     respond(201, r#"{"sid":"SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","friendly_name":"foo","date_created":"Mon, 13 Jun 2016 22:50:08 +0000","date_updated":"Mon, 13 Jun 2016 22:50:08 +0000","secret":"foobar"}"#)
/// };
/// // `CreateNewKey` is this operation over API keys.
/// let create = CreateAccountKey::<Keys>::new("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?).friendly_name(FriendlyName::new("foo")?);
/// let key = send_blocking(&context, &create, &RetryPolicy::default(), 0, &transport, |_| {})?.value;
/// assert_eq!(format!("{:?}", key.secret), "Some(ApiKeySecret([redacted]))");
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateAccountKey<R> {
    /// The account the key belongs to.
    pub account_sid: AccountSid,
    /// Its name.
    pub friendly_name: Option<FriendlyName>,
    resource: PhantomData<R>,
}

impl<R: KeyResource> CreateAccountKey<R> {
    /// A key for `account_sid`, without a name.
    pub fn new(account_sid: AccountSid) -> Self {
        CreateAccountKey {
            account_sid,
            friendly_name: None,
            resource: PhantomData,
        }
    }

    /// Names it (at most 64 characters).
    pub fn friendly_name(self, name: FriendlyName) -> Self {
        CreateAccountKey {
            friendly_name: Some(name),
            ..self
        }
    }
}

impl<R: KeyResource> Operation for CreateAccountKey<R> {
    type Output = NewAccountKey;

    const ID: &'static str = R::CREATE_ID;
    const SERVICE: Service = Service::Api;
    const METHOD: Method = Method::POST;
    const IDEMPOTENCY: Idempotency = Idempotency::NotIdempotent;
    const PATH: &'static str = R::PATH;
    const PARAMETERS: &'static [Parameter] = &[ACCOUNT_SID_IN_PATH, FRIENDLY_NAME_IN_FORM];
    const SECRET_FIELD: Option<&'static str> = Some(SECRET);

    fn path_values(&self) -> Vec<PathValue<'_>> {
        vec![PathValue::new(ACCOUNT_SID, &self.account_sid)]
    }
    fn form(&self, form: &mut Form) {
        name_form(form, self.friendly_name.as_ref());
    }
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        decode_json_keeping_key_secret(Self::ID, status, body, SECRET)
    }
}

impl<R: KeyResource> FromParameters for CreateAccountKey<R> {
    fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError> {
        Ok(CreateAccountKey {
            friendly_name: friendly_name_parameter(R::CREATE_ID, values)?,
            ..Self::new(account_sid_parameter(R::CREATE_ID, values)?)
        })
    }
}

/// `GET /2010-04-01/Accounts/{AccountSid}/{Keys|SigningKeys}/{Sid}.json`
/// (`FetchKey`, `FetchSigningKey`): one key of a kind, never its secret.
///
/// Idempotent: a read.
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::operations::keys_2010::Keys;
/// use twilio_accounts_core::{FetchAccountKey, RetryPolicy, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!((request.method().as_str(), request.uri().path()), ("GET", "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Keys/SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json"));
///     respond(200, r#"{"sid":"SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","friendly_name":"foo","date_created":"Mon, 13 Jun 2016 22:50:08 +0000","date_updated":"Mon, 13 Jun 2016 22:50:08 +0000"}"#)
/// };
/// // `FetchKey` is this operation over API keys.
/// let fetch = FetchAccountKey::<Keys>::new("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?);
/// let key = send_blocking(&context, &fetch, &RetryPolicy::default(), 0, &transport, |_| {})?.value;
/// assert_eq!(key.friendly_name.as_deref(), Some("foo"));
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchAccountKey<R> {
    /// The account the key belongs to.
    pub account_sid: AccountSid,
    /// The key to fetch.
    pub sid: ApiKeySid,
    resource: PhantomData<R>,
}

impl<R: KeyResource> FetchAccountKey<R> {
    /// Fetches the key `sid` of `account_sid`.
    pub fn new(account_sid: AccountSid, sid: ApiKeySid) -> Self {
        FetchAccountKey {
            account_sid,
            sid,
            resource: PhantomData,
        }
    }
}

impl<R: KeyResource> Operation for FetchAccountKey<R> {
    type Output = AccountKey;

    const ID: &'static str = R::FETCH_ID;
    const SERVICE: Service = Service::Api;
    const METHOD: Method = Method::GET;
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    const PATH: &'static str = R::ITEM_PATH;
    const PARAMETERS: &'static [Parameter] = &[ACCOUNT_SID_IN_PATH, SID_IN_PATH];
    const NOT_FOUND_HINT: Option<&'static str> = Some(R::NOT_FOUND_HINT);

    fn path_values(&self) -> Vec<PathValue<'_>> {
        vec![
            PathValue::new(ACCOUNT_SID, &self.account_sid),
            PathValue::new(SID, &self.sid),
        ]
    }
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        decode_json(Self::ID, status, body, None)
    }
}

impl<R: KeyResource> FromParameters for FetchAccountKey<R> {
    fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError> {
        Ok(Self::new(
            account_sid_parameter(R::FETCH_ID, values)?,
            key_sid_parameter(R::FETCH_ID, values)?,
        ))
    }
}

/// `POST /2010-04-01/Accounts/{AccountSid}/{Keys|SigningKeys}/{Sid}.json`
/// (`UpdateKey`, `UpdateSigningKey`): renames a key of a kind.
///
/// Idempotent: it sets the name to a fixed value.
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::operations::keys_2010::SigningKeys;
/// use twilio_accounts_core::{FriendlyName, RetryPolicy, UpdateAccountKey, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!((request.method().as_str(), request.uri().path()), ("POST", "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/SigningKeys/SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json"));
///     assert_eq!(request.body(), b"FriendlyName=foo");
///     respond(200, r#"{"sid":"SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","friendly_name":"foo"}"#)
/// };
/// // `UpdateSigningKey` is this operation over signing keys.
/// let rename = UpdateAccountKey::<SigningKeys>::new("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, FriendlyName::new("foo")?);
/// let key = send_blocking(&context, &rename, &RetryPolicy::default(), 0, &transport, |_| {})?.value;
/// assert_eq!(key.friendly_name.as_deref(), Some("foo"));
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateAccountKey<R> {
    /// The account the key belongs to.
    pub account_sid: AccountSid,
    /// The key to rename.
    pub sid: ApiKeySid,
    /// Its new name; `None` sends no field (Twilio then changes nothing).
    pub friendly_name: Option<FriendlyName>,
    resource: PhantomData<R>,
}

impl<R: KeyResource> UpdateAccountKey<R> {
    /// Renames the key `sid` of `account_sid` to `friendly_name`.
    pub fn new(account_sid: AccountSid, sid: ApiKeySid, friendly_name: FriendlyName) -> Self {
        Self::with_name(account_sid, sid, Some(friendly_name))
    }

    /// Sets the name, or sends none (`None`: Twilio then changes nothing).
    pub fn with_name(
        account_sid: AccountSid,
        sid: ApiKeySid,
        friendly_name: Option<FriendlyName>,
    ) -> Self {
        UpdateAccountKey {
            account_sid,
            sid,
            friendly_name,
            resource: PhantomData,
        }
    }
}

impl<R: KeyResource> Operation for UpdateAccountKey<R> {
    type Output = AccountKey;

    const ID: &'static str = R::UPDATE_ID;
    const SERVICE: Service = Service::Api;
    const METHOD: Method = Method::POST;
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    const PATH: &'static str = R::ITEM_PATH;
    const PARAMETERS: &'static [Parameter] =
        &[ACCOUNT_SID_IN_PATH, SID_IN_PATH, FRIENDLY_NAME_IN_FORM];
    const NOT_FOUND_HINT: Option<&'static str> = Some(R::NOT_FOUND_HINT);

    fn path_values(&self) -> Vec<PathValue<'_>> {
        vec![
            PathValue::new(ACCOUNT_SID, &self.account_sid),
            PathValue::new(SID, &self.sid),
        ]
    }
    fn form(&self, form: &mut Form) {
        name_form(form, self.friendly_name.as_ref());
    }
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        decode_json(Self::ID, status, body, None)
    }
}

impl<R: KeyResource> FromParameters for UpdateAccountKey<R> {
    fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError> {
        Ok(Self::with_name(
            account_sid_parameter(R::UPDATE_ID, values)?,
            key_sid_parameter(R::UPDATE_ID, values)?,
            friendly_name_parameter(R::UPDATE_ID, values)?,
        ))
    }
}

/// `DELETE /2010-04-01/Accounts/{AccountSid}/{Keys|SigningKeys}/{Sid}.json`
/// (`DeleteKey`, `DeleteSigningKey`): deletes, and so revokes, a key of a
/// kind.
///
/// Idempotent: a second delete finds nothing (404), the account is the
/// same as after one. Twilio answers 204 with no body:
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::operations::keys_2010::Keys;
/// use twilio_accounts_core::{DeleteAccountKey, RetryPolicy, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!((request.method().as_str(), request.uri().path()), ("DELETE", "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Keys/SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json"));
///     respond(204, "")
/// };
/// // `DeleteKey` is this operation over API keys.
/// let delete = DeleteAccountKey::<Keys>::new("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?);
/// assert_eq!(send_blocking(&context, &delete, &RetryPolicy::default(), 0, &transport, |_| {})?.status, 204);
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteAccountKey<R> {
    /// The account the key belongs to.
    pub account_sid: AccountSid,
    /// The key to delete.
    pub sid: ApiKeySid,
    resource: PhantomData<R>,
}

impl<R: KeyResource> DeleteAccountKey<R> {
    /// Deletes the key `sid` of `account_sid`.
    pub fn new(account_sid: AccountSid, sid: ApiKeySid) -> Self {
        DeleteAccountKey {
            account_sid,
            sid,
            resource: PhantomData,
        }
    }
}

impl<R: KeyResource> Operation for DeleteAccountKey<R> {
    type Output = ();

    const ID: &'static str = R::DELETE_ID;
    const SERVICE: Service = Service::Api;
    const METHOD: Method = Method::DELETE;
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    const PATH: &'static str = R::ITEM_PATH;
    const PARAMETERS: &'static [Parameter] = &[ACCOUNT_SID_IN_PATH, SID_IN_PATH];
    const NOT_FOUND_HINT: Option<&'static str> = Some(R::NOT_FOUND_HINT);

    fn path_values(&self) -> Vec<PathValue<'_>> {
        vec![
            PathValue::new(ACCOUNT_SID, &self.account_sid),
            PathValue::new(SID, &self.sid),
        ]
    }
    /// A 204 has no body; any body is ignored.
    fn parse_success(&self, _status: StatusCode, _body: &[u8]) -> Result<(), DecodeError> {
        Ok(())
    }
}

impl<R: KeyResource> FromParameters for DeleteAccountKey<R> {
    fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError> {
        Ok(Self::new(
            account_sid_parameter(R::DELETE_ID, values)?,
            key_sid_parameter(R::DELETE_ID, values)?,
        ))
    }
}
