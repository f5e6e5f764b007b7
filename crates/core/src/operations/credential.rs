//! What the `/v1/Credentials/…` resources share: the [`Credential`] model,
//! the [`FriendlyName`] input, and the list, fetch, update and delete
//! operations, declared once for both resources.
//!
//! The spec's `accounts.v1.credential.credential_public_key` and
//! `accounts.v1.credential.credential_aws` schemas have the same fields, so
//! both resources read into one [`Credential`]; the resource names are
//! aliases of it. Public keys and AWS credentials also have the same list,
//! fetch, update (`FriendlyName` only) and delete, so those are four generic
//! operations ([`ListCredentials`], [`FetchCredential`], [`UpdateCredential`],
//! [`DeleteCredential`]) over a [`CredentialKind`], which says what differs
//! (the paths, the operationIds, what a 404 means). Each resource's file
//! declares its kind, names the four operations with type aliases
//! (`FetchCredentialAws` is `FetchCredential<Aws>`), and writes its create,
//! which takes different key material, by hand.

use std::fmt::Debug;
use std::marker::PhantomData;

use http::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{DecodeError, Error};
use crate::form::Form;
use crate::json_output::{self, Secrets, ToJson};
use crate::operation::{Operation, Parameter, ParameterLocation, PathValue, decode_json};
use crate::page::{ListOperation, PAGE_PARAMETERS, Page, PageRequest};
use crate::parameter_values::{FromParameters, ParameterError, ParameterValues};
use crate::retry::Idempotency;
use crate::sid::{AccountSid, CredentialSid};
use crate::timestamp::Timestamp;

/// `Sid`: the path parameter of every operation on one credential (and of
/// the 2010 fetch of one account).
pub(crate) const SID: &str = "Sid";
/// `FriendlyName`: a credential's name (a form field), or the 2010 list's
/// filter (a query pair).
pub(crate) const FRIENDLY_NAME: &str = "FriendlyName";
/// `AccountSid`: the subaccount a create attaches a credential to.
pub(crate) const ACCOUNT_SID: &str = "AccountSid";

/// A credential (a public key, or AWS credentials) as Twilio describes it:
/// never the key material itself.
///
/// `friendly_name` is personal data in the spec: it is shown by `Debug`
/// (which is for debugging) but no error of the core ever contains it.
///
/// Read and written (as JSON output) by serde, with the same field names.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Credential {
    /// The credential's SID.
    #[serde(default)]
    pub sid: Option<CredentialSid>,
    /// The account that owns it.
    #[serde(default)]
    pub account_sid: Option<AccountSid>,
    /// Its name.
    #[serde(default)]
    pub friendly_name: Option<String>,
    /// When it was created.
    #[serde(default)]
    pub date_created: Option<Timestamp>,
    /// When it was last updated.
    #[serde(default)]
    pub date_updated: Option<Timestamp>,
    /// Its absolute URL.
    #[serde(default)]
    pub url: Option<String>,
}

/// Every field as Twilio named it (its `Serialize`); a credential holds no
/// secret.
impl ToJson for Credential {
    fn to_json(&self, _: Secrets) -> Value {
        json_output::serialized(self)
    }
}

/// `Sid`, required, a credential SID (`CR…`).
pub(crate) fn sid_parameter(
    operation: &'static str,
    values: &ParameterValues,
) -> Result<CredentialSid, ParameterError> {
    values.parse_required(operation, SID, CredentialSid::parse)
}

/// `FriendlyName`, if given, checked for its length.
pub(crate) fn friendly_name_parameter(
    operation: &'static str,
    values: &ParameterValues,
) -> Result<Option<FriendlyName>, ParameterError> {
    values.parse_optional(operation, FRIENDLY_NAME, |v| FriendlyName::new(v))
}

/// `AccountSid`, if given (a subaccount to attach a credential to).
pub(crate) fn account_sid_parameter(
    operation: &'static str,
    values: &ParameterValues,
) -> Result<Option<AccountSid>, ParameterError> {
    values.parse_optional(operation, ACCOUNT_SID, AccountSid::parse)
}

/// A public-key credential (`accounts.v1.credential.credential_public_key`).
pub type CredentialPublicKey = Credential;

/// An AWS credential (`accounts.v1.credential.credential_aws`).
pub type CredentialAws = Credential;

/// The most characters a `FriendlyName` may have (the spec: "up to 64
/// characters long").
pub const FRIENDLY_NAME_MAX_CHARS: usize = 64;

/// A credential's `FriendlyName`, checked for the spec's length limit
/// before it is sent. The error does not repeat the name (personal data in
/// the spec).
///
/// ```
/// use twilio_accounts_core::FriendlyName;
///
/// assert!(FriendlyName::new("deploy key").is_ok());
/// assert!(FriendlyName::new("x".repeat(65)).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FriendlyName(String);

impl FriendlyName {
    /// Checks that `name` has at most 64 characters.
    pub fn new(name: impl Into<String>) -> Result<Self, Error> {
        let name = name.into();
        if name.chars().count() > FRIENDLY_NAME_MAX_CHARS {
            return Err(Error::InvalidParameter {
                name: FRIENDLY_NAME,
                reason: "has more than 64 characters",
            });
        }
        Ok(FriendlyName(name))
    }

    /// The name as it is sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The form parameters both creates end with, after their key material.
pub(crate) const CREATE_NAME_PARAMETERS: [Parameter; 2] = [
    Parameter::spec(FRIENDLY_NAME, ParameterLocation::Form),
    Parameter::spec(ACCOUNT_SID, ParameterLocation::Form),
];

/// Appends the optional `FriendlyName` and `AccountSid` of both creates, in
/// the spec's order; the caller writes its key material into `form` first.
pub(crate) fn create_form(
    form: &mut Form,
    friendly_name: Option<&FriendlyName>,
    account_sid: Option<&AccountSid>,
) {
    if let Some(friendly_name) = friendly_name {
        form.text(FRIENDLY_NAME, &friendly_name.0);
    }
    if let Some(sid) = account_sid {
        form.text(ACCOUNT_SID, sid.as_str());
    }
}

/// One kind of credential resource: what its list, fetch, update and delete
/// do not share with the other kind's.
///
/// Implemented by [`Aws`](super::credentials_aws::Aws) and
/// [`PublicKeys`](super::credentials_public_keys::PublicKeys); the
/// operations are [`ListCredentials<K>`] and the others of this module.
pub trait CredentialKind:
    Debug + Clone + Copy + Default + PartialEq + Eq + Send + Sync + 'static
{
    /// The list's path (and the create's), e.g. `/v1/Credentials/AWS`.
    const PATH: &'static str;
    /// One credential's path template, e.g. `/v1/Credentials/AWS/{Sid}`.
    const ITEM_PATH: &'static str;
    /// The list's `operationId`.
    const LIST_ID: &'static str;
    /// The fetch's `operationId`.
    const FETCH_ID: &'static str;
    /// The update's `operationId`.
    const UPDATE_ID: &'static str;
    /// The delete's `operationId`.
    const DELETE_ID: &'static str;
    /// What a 404 from a fetch, update or delete means.
    const NOT_FOUND_HINT: &'static str;
}

/// `Sid`, in the path: the one parameter of a fetch and a delete.
const SID_IN_PATH: Parameter = Parameter::spec(SID, ParameterLocation::Path);

/// `GET /v1/Credentials/{PublicKeys|AWS}` (`ListCredentialPublicKey`,
/// `ListCredentialAws`): one page of a kind's credentials.
///
/// Idempotent: a read.
///
/// The page size goes in the query; the answer is one [`Page`] whose
/// `next_page_url` is `None` on the last page:
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::operations::credentials_aws::Aws;
/// use twilio_accounts_core::{ListCredentialPublicKeys, ListCredentials, RetryPolicy, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!((request.method().as_str(), request.uri().path()), ("GET", "/v1/Credentials/PublicKeys"));
///     assert_eq!(request.uri().query(), Some("PageSize=20"));
///     respond(200, r#"{"credentials":[{"sid":"CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","friendly_name":"friendly_name"}],"meta":{"next_page_url":null}}"#)
/// };
/// let list = ListCredentialPublicKeys::new().page_size(20)?;
/// let page = send_blocking(&context, &list, &RetryPolicy::default(), 0, &transport, |_| {})?.value;
/// assert_eq!(page.items[0].sid, Some("CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?));
/// assert_eq!(page.next_page_url, None);
///
/// // The AWS list is the same operation of another kind (`ListCredentialAws`): another path.
/// let aws = |request: http::Request<Vec<u8>>| {
///     assert_eq!(request.uri().path(), "/v1/Credentials/AWS");
///     respond(200, r#"{"credentials":[],"meta":{"next_page_url":null}}"#)
/// };
/// let page = send_blocking(&context, &ListCredentials::<Aws>::new(), &RetryPolicy::default(), 0, &aws, |_| {})?.value;
/// assert!(page.items.is_empty());
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListCredentials<K> {
    paging: PageRequest,
    kind: PhantomData<K>,
}

impl<K: CredentialKind> ListCredentials<K> {
    /// The first page, with the server's default page size (50).
    pub fn new() -> Self {
        Self::with_paging(PageRequest::new())
    }

    /// The first page with `size` items at most (1 to 1000).
    pub fn page_size(self, size: u32) -> Result<Self, Error> {
        Ok(Self::with_paging(self.paging.page_size(size)?))
    }

    /// Any page: size, index and token.
    pub fn with_paging(paging: PageRequest) -> Self {
        ListCredentials {
            paging,
            kind: PhantomData,
        }
    }
}

impl<K: CredentialKind> Operation for ListCredentials<K> {
    type Output = Page<Credential>;

    const ID: &'static str = K::LIST_ID;
    const METHOD: Method = Method::GET;
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    const PATH: &'static str = K::PATH;
    const PARAMETERS: &'static [Parameter] = &PAGE_PARAMETERS;

    fn query(&self) -> Vec<(&'static str, String)> {
        self.paging.query()
    }
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        <Self as ListOperation>::parse_page(status, body)
    }
}

impl<K: CredentialKind> FromParameters for ListCredentials<K> {
    fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError> {
        Ok(Self::with_paging(PageRequest::from_parameters(
            K::LIST_ID,
            values,
        )?))
    }
}

impl<K: CredentialKind> ListOperation for ListCredentials<K> {
    type Item = Credential;
    const ITEMS_KEY: &'static str = "credentials";
}

/// `GET /v1/Credentials/{PublicKeys|AWS}/{Sid}` (`FetchCredentialPublicKey`,
/// `FetchCredentialAws`): one credential of a kind.
///
/// Idempotent: a read.
///
/// The SID goes in the path; the answer holds no secret:
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::{FetchCredentialAws, RetryPolicy, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!((request.method().as_str(), request.uri().path()), ("GET", "/v1/Credentials/AWS/CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
///     respond(200, r#"{"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","friendly_name":"friendly_name","sid":"CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#)
/// };
/// let fetch = FetchCredentialAws::new("CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?);
/// let credential = send_blocking(&context, &fetch, &RetryPolicy::default(), 0, &transport, |_| {})?.value;
/// assert_eq!(credential.friendly_name.as_deref(), Some("friendly_name"));
/// assert_eq!(credential.account_sid, Some("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?));
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchCredential<K> {
    /// The credential to fetch.
    pub sid: CredentialSid,
    kind: PhantomData<K>,
}

impl<K: CredentialKind> FetchCredential<K> {
    /// Fetches the credential `sid`.
    pub fn new(sid: CredentialSid) -> Self {
        FetchCredential {
            sid,
            kind: PhantomData,
        }
    }
}

impl<K: CredentialKind> Operation for FetchCredential<K> {
    type Output = Credential;

    const ID: &'static str = K::FETCH_ID;
    const METHOD: Method = Method::GET;
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    const PATH: &'static str = K::ITEM_PATH;
    const PARAMETERS: &'static [Parameter] = &[SID_IN_PATH];
    const NOT_FOUND_HINT: Option<&'static str> = Some(K::NOT_FOUND_HINT);

    fn path_values(&self) -> Vec<PathValue<'_>> {
        vec![PathValue::new(SID, &self.sid)]
    }
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        decode_json(Self::ID, status, body, None)
    }
}

impl<K: CredentialKind> FromParameters for FetchCredential<K> {
    fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError> {
        Ok(Self::new(sid_parameter(K::FETCH_ID, values)?))
    }
}

/// `POST /v1/Credentials/{PublicKeys|AWS}/{Sid}` (`UpdateCredentialPublicKey`,
/// `UpdateCredentialAws`): renames a credential of a kind.
///
/// Idempotent: it sets the name to a fixed value, so sending it twice
/// leaves the credential as sending it once does.
///
/// The new name is the only form field, checked for its length before
/// it is sent:
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::{FriendlyName, RetryPolicy, UpdateCredentialPublicKey, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!((request.method().as_str(), request.uri().path()), ("POST", "/v1/Credentials/PublicKeys/CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
///     assert_eq!(request.body(), b"FriendlyName=friendly_name");
///     respond(200, r#"{"friendly_name":"friendly_name","sid":"CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#)
/// };
/// let rename = UpdateCredentialPublicKey::new("CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, FriendlyName::new("friendly_name")?);
/// let renamed = send_blocking(&context, &rename, &RetryPolicy::default(), 0, &transport, |_| {})?.value;
/// assert_eq!(renamed.friendly_name.as_deref(), Some("friendly_name"));
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateCredential<K> {
    /// The credential to rename.
    pub sid: CredentialSid,
    /// Its new name; `None` sends no field (Twilio then changes nothing).
    pub friendly_name: Option<FriendlyName>,
    kind: PhantomData<K>,
}

impl<K: CredentialKind> UpdateCredential<K> {
    /// Renames the credential `sid` to `friendly_name`.
    pub fn new(sid: CredentialSid, friendly_name: FriendlyName) -> Self {
        Self::with_name(sid, Some(friendly_name))
    }

    /// Sets the name of `sid` to `friendly_name`, or sends no name at all
    /// (`None`: Twilio then changes nothing).
    pub fn with_name(sid: CredentialSid, friendly_name: Option<FriendlyName>) -> Self {
        UpdateCredential {
            sid,
            friendly_name,
            kind: PhantomData,
        }
    }
}

impl<K: CredentialKind> Operation for UpdateCredential<K> {
    type Output = Credential;

    const ID: &'static str = K::UPDATE_ID;
    const METHOD: Method = Method::POST;
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    const PATH: &'static str = K::ITEM_PATH;
    const PARAMETERS: &'static [Parameter] = &[SID_IN_PATH, CREATE_NAME_PARAMETERS[0]];
    const NOT_FOUND_HINT: Option<&'static str> = Some(K::NOT_FOUND_HINT);

    fn path_values(&self) -> Vec<PathValue<'_>> {
        vec![PathValue::new(SID, &self.sid)]
    }
    fn form(&self, form: &mut Form) {
        create_form(form, self.friendly_name.as_ref(), None);
    }
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        decode_json(Self::ID, status, body, None)
    }
}

impl<K: CredentialKind> FromParameters for UpdateCredential<K> {
    fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError> {
        Ok(Self::with_name(
            sid_parameter(K::UPDATE_ID, values)?,
            friendly_name_parameter(K::UPDATE_ID, values)?,
        ))
    }
}

/// `DELETE /v1/Credentials/{PublicKeys|AWS}/{Sid}` (`DeleteCredentialPublicKey`,
/// `DeleteCredentialAws`): deletes a credential of a kind.
///
/// Idempotent: a second delete finds nothing to delete (and answers
/// 404), the account is the same as after one.
///
/// Twilio answers 204 with no body; a 404 (already deleted, or never
/// there) is an error a caller may treat as done, and it says what it
/// means for this kind:
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::{DeleteCredentialAws, RetryPolicy, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!((request.method().as_str(), request.uri().path()), ("DELETE", "/v1/Credentials/AWS/CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
///     respond(204, "")
/// };
/// let delete = DeleteCredentialAws::new("CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?);
/// let deleted = send_blocking(&context, &delete, &RetryPolicy::default(), 0, &transport, |_| {})?;
/// assert_eq!(deleted.status, 204);
///
/// let gone = |_: http::Request<Vec<u8>>| respond(404, r#"{"code":20404,"message":"The requested resource was not found","status":404}"#);
/// let again = send_blocking(&context, &delete, &RetryPolicy::default(), 0, &gone, |_| {});
/// assert!(again.is_err_and(|error| error.is_not_found()));
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteCredential<K> {
    /// The credential to delete.
    pub sid: CredentialSid,
    kind: PhantomData<K>,
}

impl<K: CredentialKind> DeleteCredential<K> {
    /// Deletes the credential `sid`.
    pub fn new(sid: CredentialSid) -> Self {
        DeleteCredential {
            sid,
            kind: PhantomData,
        }
    }
}

impl<K: CredentialKind> Operation for DeleteCredential<K> {
    type Output = ();

    const ID: &'static str = K::DELETE_ID;
    const METHOD: Method = Method::DELETE;
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    const PATH: &'static str = K::ITEM_PATH;
    const PARAMETERS: &'static [Parameter] = &[SID_IN_PATH];
    const NOT_FOUND_HINT: Option<&'static str> = Some(K::NOT_FOUND_HINT);

    fn path_values(&self) -> Vec<PathValue<'_>> {
        vec![PathValue::new(SID, &self.sid)]
    }
    /// A 204 has no body; any body is ignored.
    fn parse_success(&self, _status: StatusCode, _body: &[u8]) -> Result<(), DecodeError> {
        Ok(())
    }
}

impl<K: CredentialKind> FromParameters for DeleteCredential<K> {
    fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError> {
        Ok(Self::new(sid_parameter(K::DELETE_ID, values)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CR: &str = "CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const AC: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    /// What the decode reads of a credential body; `None`: refused.
    fn read(body: &str) -> Option<Credential> {
        let status = http::StatusCode::OK;
        crate::operation::decode_json("test", status, body.as_bytes(), None).ok()
    }

    #[test]
    fn credentials_are_read_field_by_field_and_malformed_ones_refused() {
        let full = Credential {
            sid: Some(CR.parse().unwrap()),
            account_sid: Some(AC.parse().unwrap()),
            friendly_name: Some("deploy key".to_owned()),
            date_created: Some(Timestamp::parse_rfc3339("2015-07-31T04:00:00Z").unwrap()),
            date_updated: Some(Timestamp::parse_rfc3339("2015-07-31T06:00:00.5+02:00").unwrap()),
            url: Some(format!(
                "https://accounts.twilio.com/v1/Credentials/AWS/{CR}"
            )),
        };
        let none = Credential {
            sid: None,
            account_sid: None,
            friendly_name: None,
            date_created: None,
            date_updated: None,
            url: None,
        };
        let cases: &[(String, Option<Credential>)] = &[
            (
                format!(
                    r#"{{"sid":"{CR}","account_sid":"{AC}","friendly_name":"deploy key","date_created":"2015-07-31T04:00:00Z","date_updated":"2015-07-31T06:00:00.5+02:00","url":"https://accounts.twilio.com/v1/Credentials/AWS/{CR}"}}"#
                ),
                Some(full.clone()),
            ),
            (
                format!(
                    " {{ \"url\" : \"https://accounts.twilio.com/v1/Credentials/AWS/{CR}\", \"new\": [{{}}],\n\"date_updated\":\"2015-07-31T06:00:00.5+02:00\",\"date_created\":\"2015-07-31T04:00:00Z\",\"friendly_name\":\"deploy key\",\"account_sid\":\"{AC}\",\"sid\":\"{CR}\"}}\n"
                ),
                Some(full),
            ),
            ("{}".to_owned(), Some(none.clone())),
            (
                r#"{"sid":null,"account_sid":null,"friendly_name":null,"date_created":null,"date_updated":null,"url":null}"#.to_owned(),
                Some(none.clone()),
            ),
            // Malformed values: serde_json says which field.
            (r#"{"sid":"CRnothex"}"#.to_owned(), None),
            (format!(r#"{{"sid":"{AC}"}}"#), None),
            (r#"{"date_created":"Fri, 31 Jul 2015 04:00:00 +0000"}"#.to_owned(), None),
            (r#"{"date_created":"2015-02-30T04:00:00Z"}"#.to_owned(), None),
            (r#"{"friendly_name":7}"#.to_owned(), None),
            (format!(r#"{{"sid":"{CR}","sid":"{CR}"}}"#), None),
            // Escapes are read.
            (
                r#"{"friendly_name":"deploy \"key\"","url":"https:\/\/accounts.twilio.com"}"#.to_owned(),
                Some(Credential {
                    friendly_name: Some("deploy \"key\"".to_owned()),
                    url: Some("https://accounts.twilio.com".to_owned()),
                    ..none.clone()
                }),
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(&read(body), expected, "{body:?}");
        }
    }
}
