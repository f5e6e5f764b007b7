//! `/2010-04-01/Accounts…`: the 2010 API's Accounts resource, how a main
//! account finds its subaccounts and reads their current Auth Tokens.
//!
//! | type | operationId | idempotent |
//! |---|---|---|
//! | [`ListAccount`] | `ListAccount` | yes (a read) |
//! | [`FetchAccount`] | `FetchAccount` | yes (a read) |
//!
//! These go to the 2010 API's host ([`Service::Api`]: `api.twilio.com`, or
//! `api.{edge}.{region}.twilio.com`), not to Accounts v1. A main account's
//! credentials list and fetch the main account itself and every subaccount;
//! a subaccount's reach only itself. Only this API lets a parent reach its
//! subaccounts: Accounts v1 calls (such as [`PromoteAuthToken`]) always act
//! on the account that authenticates, so a subaccount's Auth Tokens are
//! managed with the subaccount's own credentials, which these calls read.
//!
//! [`PromoteAuthToken`]: crate::operations::auth_tokens::PromoteAuthToken
//!
//! What differs from Accounts v1, and is handled here or in the shared
//! parts:
//! - paths end in `.json` (without it the API answers XML);
//! - the list pages with a `next_page_uri` relative to the API's root,
//!   resolved against the 2010 base URL by the one paging mechanism
//!   ([`ListOperation::next_page`]);
//! - dates are RFC 2822 (`Thu, 30 Jul 2015 20:00:00 +0000`), kept with their
//!   offset ([`Timestamp::parse_rfc2822`]);
//! - each [`Account`] carries the account's primary `auth_token`, read into
//!   an [`AuthToken`] (redacted `Debug`, wiped on drop);
//! - a stale or altered page token answers error 21481.
//!
//! Statuses and types Twilio may add later are kept as
//! [`AccountStatus::Other`] and [`AccountType::Other`] rather than refused:
//! one unknown value must not make a page of a thousand subaccounts
//! unreadable.
//!
//! Both operations, sent through a closure transport that answers as the
//! spec's examples do:
//!
//! ```
//! use twilio_accounts_core::{
//!     AccountStatus, AccountType, AuthToken, Credentials, Endpoint, FetchAccount, ListAccount,
//!     ListOperation, RequestContext, RetryPolicy, TransportError, send_blocking,
//! };
//!
//! const ONE: &str = r#"{"auth_token":"fedcba9876543210fedcba9876543210","date_created":"Thu, 30 Jul 2015 20:00:00 +0000","date_updated":"Thu, 30 Jul 2015 20:00:00 +0000","friendly_name":"Subaccount 1","owner_account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","sid":"ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","status":"active","type":"Full","uri":"/2010-04-01/Accounts/ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.json"}"#;
//! let transport = |request: http::Request<Vec<u8>>| -> Result<_, TransportError> {
//!     assert_eq!(request.uri().host(), Some("api.twilio.com"));
//!     let body = match request.uri().path() {
//!         "/2010-04-01/Accounts.json" => format!(
//!             r#"{{"accounts":[{ONE}],"next_page_uri":"/2010-04-01/Accounts.json?Status=active&PageSize=1&Page=1&PageToken=PAbb","page":0,"page_size":1}}"#
//!         ),
//!         _ => ONE.to_owned(),
//!     };
//!     Ok(http::Response::builder().status(200).body(body.into_bytes()).unwrap())
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
//! let list = ListAccount::new().status(AccountStatus::Active).page_size(1)?;
//! let page = send_blocking(&context, &list, &policy, 0, &transport, |_| {})?.value;
//! let sub = &page.items[0];
//! assert_eq!(sub.status, Some(AccountStatus::Active));
//! assert_eq!(sub.account_type, Some(AccountType::Full));
//! assert_eq!(sub.auth_token.as_ref().unwrap().expose_secret(), "fedcba9876543210fedcba9876543210");
//! assert!(!format!("{sub:?}").contains("fedcba98"));
//! let next = ListAccount::next_page(context.endpoint(), &page)?.expect("a second page");
//! assert_eq!(
//!     context.build_request(&next)?.uri(),
//!     "https://api.twilio.com/2010-04-01/Accounts.json?Status=active&PageSize=1&Page=1&PageToken=PAbb"
//! );
//!
//! let fetched = send_blocking(&context, &FetchAccount::new(sub.sid.unwrap()), &policy, 0, &transport, |_| {})?;
//! assert_eq!(fetched.value.date_created.unwrap().to_rfc2822(), "Thu, 30 Jul 2015 20:00:00 +0000");
//! # Ok::<(), twilio_accounts_core::Error>(())
//! ```

use std::fmt;

use http::{Method, StatusCode};
use serde::Deserialize;

use crate::endpoint::Service;
use crate::error::{DecodeError, Error};
use crate::json_output::{self, Secrets, ToJson};
use crate::operation::{Operation, Parameter, ParameterLocation, PathValue, decode_json};
use crate::operations::credential::{self, FriendlyName};
use crate::page::{ListOperation, PAGE_PARAMETERS, Page, PageRequest};
use crate::parameter_values::{FromParameters, ParameterError, ParameterValues};
use crate::retry::Idempotency;
use crate::secret::AuthToken;
use crate::sid::AccountSid;
use crate::timestamp::{Timestamp, rfc2822};

/// `Status`: the list's filter by account status.
const STATUS: &str = "Status";

/// The path of the list.
pub const LIST_PATH: &str = "/2010-04-01/Accounts.json";
/// The path of one account.
pub const ACCOUNT_PATH: &str = "/2010-04-01/Accounts/{Sid}.json";

/// An account's `status`: the `Status` filter of [`ListAccount`] and a field
/// of [`Account`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccountStatus {
    /// `active`: the account works.
    Active,
    /// `suspended`: its credentials are refused until Twilio lifts it.
    Suspended,
    /// `closed`: for good.
    Closed,
    /// A value the spec does not list, kept as Twilio wrote it. As a filter
    /// it is sent as written, and Twilio decides.
    Other(String),
}

impl AccountStatus {
    /// The value on the wire (`active`, `suspended`, `closed`, or the other
    /// text).
    pub fn as_str(&self) -> &str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Suspended => "suspended",
            AccountStatus::Closed => "closed",
            AccountStatus::Other(text) => text,
        }
    }

    fn of(text: &str) -> Self {
        match text {
            "active" => AccountStatus::Active,
            "suspended" => AccountStatus::Suspended,
            "closed" => AccountStatus::Closed,
            other => AccountStatus::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for AccountStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for AccountStatus {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(AccountStatus::of(&text))
    }
}

/// An account's `type`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccountType {
    /// `Trial`: not upgraded yet.
    Trial,
    /// `Full`: upgraded.
    Full,
    /// A value the spec does not list, kept as Twilio wrote it.
    Other(String),
}

impl AccountType {
    /// The value on the wire (`Trial`, `Full`, or the other text).
    pub fn as_str(&self) -> &str {
        match self {
            AccountType::Trial => "Trial",
            AccountType::Full => "Full",
            AccountType::Other(text) => text,
        }
    }
}

impl<'de> Deserialize<'de> for AccountType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(match text.as_ref() {
            "Trial" => AccountType::Trial,
            "Full" => AccountType::Full,
            other => AccountType::Other(other.to_owned()),
        })
    }
}

/// An account as the 2010 API describes it (`api.v2010.account`): the main
/// account or one of its subaccounts.
///
/// Every field is nullable in the spec, so every field is an `Option`.
/// `auth_token` is the account's current primary token, redacted in `Debug`
/// and wiped on drop; an empty `auth_token` reads as `None` (there is no
/// token to use). `friendly_name` is personal data in the spec: `Debug`
/// shows it (it is for debugging), no error of the core contains it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Account {
    /// The account's SID.
    #[serde(default)]
    pub sid: Option<AccountSid>,
    /// The parent's SID (a main account's own SID for itself).
    #[serde(default)]
    pub owner_account_sid: Option<AccountSid>,
    /// Its name (by default the owner's e-mail address, or `SubAccount
    /// Created at …`).
    #[serde(default)]
    pub friendly_name: Option<String>,
    /// `active`, `suspended` or `closed`.
    #[serde(default)]
    pub status: Option<AccountStatus>,
    /// `Trial` or `Full` (the field `type`).
    #[serde(default, rename = "type")]
    pub account_type: Option<AccountType>,
    /// The account's primary Auth Token.
    #[serde(default, deserialize_with = "token_or_none")]
    pub auth_token: Option<AuthToken>,
    /// When it was created (RFC 2822, offset kept).
    #[serde(default, with = "rfc2822::option")]
    pub date_created: Option<Timestamp>,
    /// When it was last updated (RFC 2822, offset kept).
    #[serde(default, with = "rfc2822::option")]
    pub date_updated: Option<Timestamp>,
    /// Its URI, relative to the 2010 API's root (`/2010-04-01/Accounts/AC….json`).
    #[serde(default)]
    pub uri: Option<String>,
}

/// `null` and `""` are no token; anything else must be a valid [`AuthToken`]
/// (the error never repeats it).
fn token_or_none<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<AuthToken>, D::Error> {
    let mut text: Option<String> = Deserialize::deserialize(deserializer)?;
    match text.take() {
        None => Ok(None),
        Some(empty) if empty.is_empty() => Ok(None),
        Some(token) => AuthToken::new(token)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

/// `GET /2010-04-01/Accounts.json` (`ListAccount`): one page of the accounts
/// the credentials reach (a main account: itself and its subaccounts).
///
/// Idempotent: a read. Filters and paging go in the query, in the spec's
/// order: `FriendlyName`, `Status`, `PageSize`, `Page`, `PageToken`.
///
/// It goes to the 2010 API's host, filters in the query; the answer is the
/// spec's example (without its `subresource_uris`), the last page:
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::{AccountStatus, FriendlyName, ListAccount, RetryPolicy, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!(request.uri().host(), Some("api.twilio.com"));
///     assert_eq!((request.method().as_str(), request.uri().path()), ("GET", "/2010-04-01/Accounts.json"));
///     assert_eq!(request.uri().query(), Some("FriendlyName=friendly_name&Status=active"));
///     respond(200, r#"{"first_page_uri":"/2010-04-01/Accounts.json?FriendlyName=friendly_name&Status=active&PageSize=50&Page=0","end":0,"previous_page_uri":null,"accounts":[{"auth_token":"auth_token","date_created":"Thu, 30 Jul 2015 20:00:00 +0000","date_updated":"Thu, 30 Jul 2015 20:00:00 +0000","friendly_name":"friendly_name","owner_account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","status":"active","type":"Full","uri":"/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json"}],"uri":"/2010-04-01/Accounts.json?FriendlyName=friendly_name&Status=active&PageSize=50&Page=0","page_size":50,"start":0,"next_page_uri":null,"page":0}"#)
/// };
/// let list = ListAccount::new().friendly_name(FriendlyName::new("friendly_name")?).status(AccountStatus::Active);
/// let page = send_blocking(&context, &list, &RetryPolicy::default(), 0, &transport, |_| {})?.value;
/// assert_eq!(page.items[0].owner_account_sid, Some("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?));
/// assert_eq!(page.next_page_url, None);
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListAccount {
    friendly_name: Option<FriendlyName>,
    status: Option<AccountStatus>,
    paging: PageRequest,
}

impl ListAccount {
    /// The first page of every account, with the server's default page size
    /// (50).
    pub fn new() -> Self {
        Self::default()
    }

    /// Only the accounts whose name is exactly `name`.
    pub fn friendly_name(self, name: FriendlyName) -> Self {
        ListAccount {
            friendly_name: Some(name),
            ..self
        }
    }

    /// Only the accounts with this status.
    pub fn status(self, status: AccountStatus) -> Self {
        ListAccount {
            status: Some(status),
            ..self
        }
    }

    /// At most `size` accounts a page (1 to 1000).
    pub fn page_size(self, size: u32) -> Result<Self, Error> {
        Ok(ListAccount {
            paging: self.paging.page_size(size)?,
            ..self
        })
    }

    /// Any page: size, index and token (add filters after).
    pub fn with_paging(paging: PageRequest) -> Self {
        ListAccount {
            paging,
            ..Self::default()
        }
    }
}

impl Operation for ListAccount {
    type Output = Page<Account>;

    const ID: &'static str = "ListAccount";
    const SERVICE: Service = Service::Api;
    const METHOD: Method = Method::GET;
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    const PATH: &'static str = LIST_PATH;
    const PARAMETERS: &'static [Parameter] = &[
        Parameter::spec(credential::FRIENDLY_NAME, ParameterLocation::Query),
        Parameter::spec(STATUS, ParameterLocation::Query),
        PAGE_PARAMETERS[0],
        PAGE_PARAMETERS[1],
        PAGE_PARAMETERS[2],
    ];

    fn query(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(name) = &self.friendly_name {
            pairs.push((credential::FRIENDLY_NAME, name.as_str().to_owned()));
        }
        if let Some(status) = &self.status {
            pairs.push((STATUS, status.as_str().to_owned()));
        }
        pairs.extend(self.paging.query());
        pairs
    }
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        <Self as ListOperation>::parse_page(status, body)
    }
}

impl ListOperation for ListAccount {
    type Item = Account;
    const ITEMS_KEY: &'static str = "accounts";
}

/// `GET /2010-04-01/Accounts/{Sid}.json` (`FetchAccount`): one account, with
/// its current primary Auth Token.
///
/// Idempotent: a read.
///
/// The path ends in `.json`; the answer carries the account's primary Auth
/// Token, redacted in `Debug`, and RFC 2822 dates:
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::{AccountStatus, FetchAccount, RetryPolicy, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!(request.uri().host(), Some("api.twilio.com"));
///     assert_eq!((request.method().as_str(), request.uri().path()), ("GET", "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json"));
///     respond(200, r#"{"auth_token":"auth_token","date_created":"Thu, 30 Jul 2015 20:00:00 +0000","date_updated":"Thu, 30 Jul 2015 20:00:00 +0000","friendly_name":"friendly_name","owner_account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","status":"active","type":"Full","uri":"/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json"}"#)
/// };
/// let fetch = FetchAccount::new("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?);
/// let account = send_blocking(&context, &fetch, &RetryPolicy::default(), 0, &transport, |_| {})?.value;
/// assert_eq!(account.status, Some(AccountStatus::Active));
/// assert_eq!(account.auth_token.as_ref().map(|token| token.expose_secret()), Some("auth_token"));
/// assert_eq!(format!("{:?}", account.auth_token), "Some(AuthToken([redacted]))");
/// assert_eq!(account.date_created.map(|date| date.to_rfc2822()).as_deref(), Some("Thu, 30 Jul 2015 20:00:00 +0000"));
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchAccount {
    /// The account to fetch.
    pub sid: AccountSid,
}

impl FetchAccount {
    /// Fetches the account `sid`.
    pub fn new(sid: AccountSid) -> Self {
        FetchAccount { sid }
    }
}

impl Operation for FetchAccount {
    type Output = Account;

    const ID: &'static str = "FetchAccount";
    const SERVICE: Service = Service::Api;
    const METHOD: Method = Method::GET;
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    const PATH: &'static str = ACCOUNT_PATH;
    const PARAMETERS: &'static [Parameter] =
        &[Parameter::spec(credential::SID, ParameterLocation::Path)];
    const SECRET_FIELD: Option<&'static str> = Some("auth_token");
    const NOT_FOUND_HINT: Option<&'static str> = Some(
        "the credentials reach no account with this SID: a main account reaches itself and its subaccounts, a subaccount only itself",
    );

    fn path_values(&self) -> Vec<PathValue<'_>> {
        vec![PathValue::new(credential::SID, &self.sid)]
    }
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        decode_json(Self::ID, status, body, Self::SECRET_FIELD)
    }
}

/// An account as JSON, its `auth_token` redacted unless revealed.
impl ToJson for Account {
    fn to_json(&self, secrets: Secrets) -> serde_json::Value {
        serde_json::json!({
            "sid": json_output::text(self.sid.as_ref()),
            "owner_account_sid": json_output::text(self.owner_account_sid.as_ref()),
            "friendly_name": self.friendly_name,
            "status": self.status.as_ref().map(AccountStatus::as_str),
            "type": self.account_type.as_ref().map(AccountType::as_str),
            "auth_token": self.auth_token.as_ref().map(|token| secrets.token(token)),
            "date_created": self.date_created.as_ref().map(Timestamp::to_rfc2822),
            "date_updated": self.date_updated.as_ref().map(Timestamp::to_rfc2822),
            "uri": self.uri,
        })
    }
}

impl FromParameters for ListAccount {
    fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError> {
        let id = <Self as Operation>::ID;
        Ok(ListAccount {
            friendly_name: credential::friendly_name_parameter(id, values)?,
            status: values.parse_optional(id, STATUS, |v| Ok::<_, &str>(AccountStatus::of(v)))?,
            paging: PageRequest::from_parameters(id, values)?,
        })
    }
}

impl FromParameters for FetchAccount {
    fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError> {
        let sid =
            values.parse_required(<Self as Operation>::ID, credential::SID, AccountSid::parse)?;
        Ok(FetchAccount::new(sid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_types_keep_unknown_values() {
        let cases = [
            ("\"active\"", AccountStatus::Active),
            ("\"suspended\"", AccountStatus::Suspended),
            ("\"closed\"", AccountStatus::Closed),
            ("\"Active\"", AccountStatus::Other("Active".to_owned())),
            ("\"pending\"", AccountStatus::Other("pending".to_owned())),
        ];
        for (json, expected) in cases {
            let status: AccountStatus = serde_json::from_str(json).unwrap();
            assert_eq!(status, expected, "{json}");
            assert_eq!(format!("\"{}\"", status.as_str()), json);
        }
        let types = [
            ("\"Trial\"", AccountType::Trial),
            ("\"Full\"", AccountType::Full),
            ("\"full\"", AccountType::Other("full".to_owned())),
        ];
        for (json, expected) in types {
            let kind: AccountType = serde_json::from_str(json).unwrap();
            assert_eq!(kind, expected, "{json}");
            assert_eq!(format!("\"{}\"", kind.as_str()), json);
        }
    }

    #[test]
    fn an_empty_or_null_token_is_none_and_a_padded_one_is_refused() {
        for body in [r#"{"auth_token": null}"#, r#"{"auth_token": ""}"#, r#"{}"#] {
            let account: Account = serde_json::from_str(body).unwrap();
            assert_eq!(account.auth_token, None, "{body}");
        }
        let err = serde_json::from_str::<Account>(r#"{"auth_token": " padded1234 "}"#)
            .unwrap_err()
            .to_string();
        assert!(!err.contains("padded1234"), "{err}");
    }
}
