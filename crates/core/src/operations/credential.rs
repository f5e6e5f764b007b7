//! What the `/v1/Credentials/…` resources share: the [`Credential`] model,
//! the [`FriendlyName`] input, and the list, fetch, update and delete
//! operations, declared once for both resources.
//!
//! The spec's `accounts.v1.credential.credential_public_key` and
//! `accounts.v1.credential.credential_aws` schemas have the same fields, so
//! both resources read into one [`Credential`]; the resource names are
//! aliases of it. Public keys and AWS credentials also have the same list,
//! fetch, update (`FriendlyName` only) and delete, so those are written once
//! (`credential_operations!`) and only the creates, which take different
//! key material, are written by hand in each resource's file.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::Error;
use crate::form::Form;
use crate::json_output::{self, Secrets, ToJson};
use crate::page::PageRequest;
use crate::parameter_values::{ParameterError, ParameterValues};
use crate::sid::{AccountSid, CredentialSid};
use crate::timestamp::Timestamp;

/// A credential (a public key, or AWS credentials) as Twilio describes it:
/// never the key material itself.
///
/// `friendly_name` is personal data in the spec: it is shown by `Debug`
/// (which is for debugging) but no error of the core ever contains it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
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

/// Every field as Twilio named it; a credential holds no secret.
impl ToJson for Credential {
    fn to_json(&self, _: Secrets) -> Value {
        json!({
            "sid": json_output::text(self.sid.as_ref()),
            "account_sid": json_output::text(self.account_sid.as_ref()),
            "friendly_name": self.friendly_name,
            "date_created": json_output::timestamp(self.date_created.as_ref()),
            "date_updated": json_output::timestamp(self.date_updated.as_ref()),
            "url": self.url,
        })
    }
}

/// `Sid`, required, a credential SID (`CR…`).
pub(crate) fn sid_parameter(
    operation: &'static str,
    values: &ParameterValues,
) -> Result<CredentialSid, ParameterError> {
    values.parse_required(operation, "Sid", CredentialSid::parse)
}

/// `FriendlyName`, if given, checked for its length.
pub(crate) fn friendly_name_parameter(
    operation: &'static str,
    values: &ParameterValues,
) -> Result<Option<FriendlyName>, ParameterError> {
    values.parse_optional(operation, "FriendlyName", |v| FriendlyName::new(v))
}

/// `AccountSid`, if given (a subaccount to attach a credential to).
pub(crate) fn account_sid_parameter(
    operation: &'static str,
    values: &ParameterValues,
) -> Result<Option<AccountSid>, ParameterError> {
    values.parse_optional(operation, "AccountSid", AccountSid::parse)
}

/// `PageSize`, `Page` and `PageToken` of any list.
pub(crate) fn paging_parameters(
    operation: &'static str,
    values: &ParameterValues,
) -> Result<PageRequest, ParameterError> {
    let mut paging = PageRequest::new();
    if let Some(size) = values.parse_optional(operation, "PageSize", |v| {
        v.parse::<u32>()
            .map_err(|_| "must be a whole number between 1 and 1000")
    })? {
        paging = paging
            .page_size(size)
            .map_err(|e| ParameterError::invalid(operation, "PageSize", None, e))?;
    }
    let page = values.parse_optional(operation, "Page", |v| {
        v.parse::<u32>().map_err(|_| "must be a whole number")
    })?;
    let token = values.optional(operation, "PageToken")?;
    match (page, token) {
        (Some(page), Some(token)) => Ok(paging.page(page, token)),
        (None, None) => Ok(paging),
        (Some(_), None) => Err(ParameterError::Missing {
            operation,
            name: "PageToken",
        }),
        (None, Some(_)) => Err(ParameterError::Missing {
            operation,
            name: "Page",
        }),
    }
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
                name: "FriendlyName",
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

/// Appends the optional `FriendlyName` and `AccountSid` of both creates, in
/// the spec's order; the caller writes its key material into `form` first.
pub(crate) fn create_form(
    form: &mut Form,
    friendly_name: Option<&FriendlyName>,
    account_sid: Option<&AccountSid>,
) {
    if let Some(friendly_name) = friendly_name {
        form.text("FriendlyName", &friendly_name.0);
    }
    if let Some(sid) = account_sid {
        form.text("AccountSid", sid.as_str());
    }
}

/// The list, fetch, update and delete of one credential resource.
macro_rules! credential_operations {
    (
        what: $what:literal,
        path: $path:literal,
        item_path: $item_path:literal,
        example_sid: $sid:literal,
        example: $example:literal,
        list: $List:ident = $list_id:literal,
        fetch: $Fetch:ident = $fetch_id:literal,
        update: $Update:ident = $update_id:literal,
        delete: $Delete:ident = $delete_id:literal $(,)?
    ) => {
        #[doc = concat!("`GET ", $path, "` (`", $list_id, "`): one page of ", $what, " credentials.")]
        ///
        /// Idempotent: a read.
        ///
        /// The page size goes in the query; the answer is one [`Page`](crate::Page)
        /// whose `next_page_url` is `None` on the last page:
        ///
        /// ```
        /// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
        /// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
        /// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
        #[doc = concat!("use twilio_accounts_core::{", stringify!($List), ", RetryPolicy, send_blocking};")]
        ///
        /// let transport = |request: http::Request<Vec<u8>>| {
        #[doc = concat!("    assert_eq!((request.method().as_str(), request.uri().path()), (\"GET\", \"", $path, "\"));")]
        ///     assert_eq!(request.uri().query(), Some("PageSize=20"));
        #[doc = concat!("    respond(200, r#\"{\"credentials\":[", $example, "],\"meta\":{\"next_page_url\":null}}\"#)")]
        /// };
        #[doc = concat!("let list = ", stringify!($List), "::new().page_size(20)?;")]
        /// let page = send_blocking(&context, &list, &RetryPolicy::default(), 0, &transport, |_| {})?.value;
        #[doc = concat!("assert_eq!(page.items[0].sid, Some(\"", $sid, "\".parse()?));")]
        /// assert_eq!(page.next_page_url, None);
        /// # Ok::<(), twilio_accounts_core::Error>(())
        /// ```
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct $List {
            paging: $crate::page::PageRequest,
        }

        impl $List {
            /// The first page, with the server's default page size (50).
            pub fn new() -> Self {
                Self::default()
            }

            /// The first page with `size` items at most (1 to 1000).
            pub fn page_size(self, size: u32) -> Result<Self, $crate::error::Error> {
                Ok($List {
                    paging: self.paging.page_size(size)?,
                })
            }

            /// Any page: size, index and token.
            pub fn with_paging(paging: $crate::page::PageRequest) -> Self {
                $List { paging }
            }
        }

        impl $crate::operation::Operation for $List {
            type Output = $crate::page::Page<$crate::operations::credential::Credential>;

            const ID: &'static str = $list_id;
            const METHOD: http::Method = http::Method::GET;
            const IDEMPOTENCY: $crate::retry::Idempotency = $crate::retry::Idempotency::Idempotent;
            const PATH: &'static str = $path;
            const PARAMETERS: &'static [$crate::operation::Parameter] =
                &$crate::page::PAGE_PARAMETERS;

            fn query(&self) -> Vec<(&'static str, String)> {
                self.paging.query()
            }
            fn parse_success(
                &self,
                status: http::StatusCode,
                body: &[u8],
            ) -> Result<Self::Output, $crate::error::DecodeError> {
                <Self as $crate::page::ListOperation>::parse_page(status, body)
            }
        }

        impl $crate::parameter_values::FromParameters for $List {
            fn from_parameters(
                values: &$crate::parameter_values::ParameterValues,
            ) -> Result<Self, $crate::parameter_values::ParameterError> {
                Ok($List {
                    paging: $crate::operations::credential::paging_parameters($list_id, values)?,
                })
            }
        }

        impl $crate::page::ListOperation for $List {
            type Item = $crate::operations::credential::Credential;
            const ITEMS_KEY: &'static str = "credentials";
        }

        #[doc = concat!("`GET ", $item_path, "` (`", $fetch_id, "`): one ", $what, " credential.")]
        ///
        /// Idempotent: a read.
        ///
        /// The SID goes in the path; the answer holds no secret:
        ///
        /// ```
        /// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
        /// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
        /// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
        #[doc = concat!("use twilio_accounts_core::{", stringify!($Fetch), ", RetryPolicy, send_blocking};")]
        ///
        /// let transport = |request: http::Request<Vec<u8>>| {
        #[doc = concat!("    assert_eq!((request.method().as_str(), request.uri().path()), (\"GET\", \"", $path, "/", $sid, "\"));")]
        #[doc = concat!("    respond(200, r#\"", $example, "\"#)")]
        /// };
        #[doc = concat!("let fetch = ", stringify!($Fetch), "::new(\"", $sid, "\".parse()?);")]
        /// let credential = send_blocking(&context, &fetch, &RetryPolicy::default(), 0, &transport, |_| {})?.value;
        /// assert_eq!(credential.friendly_name.as_deref(), Some("friendly_name"));
        /// assert_eq!(credential.account_sid, Some("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?));
        /// # Ok::<(), twilio_accounts_core::Error>(())
        /// ```
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $Fetch {
            /// The credential to fetch.
            pub sid: $crate::sid::CredentialSid,
        }

        impl $Fetch {
            /// Fetches the credential `sid`.
            pub fn new(sid: $crate::sid::CredentialSid) -> Self {
                $Fetch { sid }
            }
        }

        impl $crate::operation::Operation for $Fetch {
            type Output = $crate::operations::credential::Credential;

            const ID: &'static str = $fetch_id;
            const METHOD: http::Method = http::Method::GET;
            const IDEMPOTENCY: $crate::retry::Idempotency = $crate::retry::Idempotency::Idempotent;
            const PATH: &'static str = $item_path;
            const PARAMETERS: &'static [$crate::operation::Parameter] =
                &[$crate::operation::Parameter::spec("Sid", $crate::operation::ParameterLocation::Path)];
            const NOT_FOUND_HINT: Option<&'static str> =
                Some(concat!("the account has no ", $what, " credential with this SID"));

            fn path_values(&self) -> Vec<$crate::operation::PathValue<'_>> {
                vec![$crate::operation::PathValue::new("Sid", &self.sid)]
            }
            fn parse_success(
                &self,
                status: http::StatusCode,
                body: &[u8],
            ) -> Result<Self::Output, $crate::error::DecodeError> {
                $crate::operation::decode_json(Self::ID, status, body, None)
            }
        }

        impl $crate::parameter_values::FromParameters for $Fetch {
            fn from_parameters(
                values: &$crate::parameter_values::ParameterValues,
            ) -> Result<Self, $crate::parameter_values::ParameterError> {
                Ok($Fetch::new($crate::operations::credential::sid_parameter($fetch_id, values)?))
            }
        }

        #[doc = concat!("`POST ", $item_path, "` (`", $update_id, "`): renames a ", $what, " credential.")]
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
        #[doc = concat!("use twilio_accounts_core::{", stringify!($Update), ", FriendlyName, RetryPolicy, send_blocking};")]
        ///
        /// let transport = |request: http::Request<Vec<u8>>| {
        #[doc = concat!("    assert_eq!((request.method().as_str(), request.uri().path()), (\"POST\", \"", $path, "/", $sid, "\"));")]
        ///     assert_eq!(request.body(), b"FriendlyName=friendly_name");
        #[doc = concat!("    respond(200, r#\"", $example, "\"#)")]
        /// };
        #[doc = concat!("let rename = ", stringify!($Update), "::new(\"", $sid, "\".parse()?, FriendlyName::new(\"friendly_name\")?);")]
        /// let renamed = send_blocking(&context, &rename, &RetryPolicy::default(), 0, &transport, |_| {})?.value;
        /// assert_eq!(renamed.friendly_name.as_deref(), Some("friendly_name"));
        /// # Ok::<(), twilio_accounts_core::Error>(())
        /// ```
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $Update {
            /// The credential to rename.
            pub sid: $crate::sid::CredentialSid,
            /// Its new name; `None` sends no field (Twilio then changes nothing).
            pub friendly_name: Option<$crate::operations::credential::FriendlyName>,
        }

        impl $Update {
            /// Renames the credential `sid` to `friendly_name`.
            pub fn new(
                sid: $crate::sid::CredentialSid,
                friendly_name: $crate::operations::credential::FriendlyName,
            ) -> Self {
                $Update {
                    sid,
                    friendly_name: Some(friendly_name),
                }
            }
        }

        impl $crate::operation::Operation for $Update {
            type Output = $crate::operations::credential::Credential;

            const ID: &'static str = $update_id;
            const METHOD: http::Method = http::Method::POST;
            const IDEMPOTENCY: $crate::retry::Idempotency = $crate::retry::Idempotency::Idempotent;
            const PATH: &'static str = $item_path;
            const PARAMETERS: &'static [$crate::operation::Parameter] = &[
                $crate::operation::Parameter::spec("Sid", $crate::operation::ParameterLocation::Path),
                $crate::operation::Parameter::spec(
                    "FriendlyName",
                    $crate::operation::ParameterLocation::Form,
                ),
            ];
            const NOT_FOUND_HINT: Option<&'static str> =
                Some(concat!("the account has no ", $what, " credential with this SID"));

            fn path_values(&self) -> Vec<$crate::operation::PathValue<'_>> {
                vec![$crate::operation::PathValue::new("Sid", &self.sid)]
            }
            fn form(&self, form: &mut $crate::form::Form) {
                if let Some(name) = &self.friendly_name {
                    form.text("FriendlyName", name.as_str());
                }
            }
            fn parse_success(
                &self,
                status: http::StatusCode,
                body: &[u8],
            ) -> Result<Self::Output, $crate::error::DecodeError> {
                $crate::operation::decode_json(Self::ID, status, body, None)
            }
        }

        impl $crate::parameter_values::FromParameters for $Update {
            fn from_parameters(
                values: &$crate::parameter_values::ParameterValues,
            ) -> Result<Self, $crate::parameter_values::ParameterError> {
                Ok($Update {
                    sid: $crate::operations::credential::sid_parameter($update_id, values)?,
                    friendly_name: $crate::operations::credential::friendly_name_parameter(
                        $update_id, values,
                    )?,
                })
            }
        }

        #[doc = concat!("`DELETE ", $item_path, "` (`", $delete_id, "`): deletes a ", $what, " credential.")]
        ///
        /// Idempotent: a second delete finds nothing to delete (and answers
        /// 404), the account is the same as after one.
        ///
        /// Twilio answers 204 with no body; a 404 (already deleted, or never
        /// there) is an error a caller may treat as done:
        ///
        /// ```
        /// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
        /// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
        /// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
        #[doc = concat!("use twilio_accounts_core::{", stringify!($Delete), ", RetryPolicy, send_blocking};")]
        ///
        /// let transport = |request: http::Request<Vec<u8>>| {
        #[doc = concat!("    assert_eq!((request.method().as_str(), request.uri().path()), (\"DELETE\", \"", $path, "/", $sid, "\"));")]
        ///     respond(204, "")
        /// };
        #[doc = concat!("let delete = ", stringify!($Delete), "::new(\"", $sid, "\".parse()?);")]
        /// let deleted = send_blocking(&context, &delete, &RetryPolicy::default(), 0, &transport, |_| {})?;
        /// assert_eq!(deleted.status, 204);
        ///
        /// let gone = |_: http::Request<Vec<u8>>| respond(404, r#"{"code":20404,"message":"The requested resource was not found","status":404}"#);
        /// let again = send_blocking(&context, &delete, &RetryPolicy::default(), 0, &gone, |_| {});
        /// assert!(again.is_err_and(|error| error.is_not_found()));
        /// # Ok::<(), twilio_accounts_core::Error>(())
        /// ```
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $Delete {
            /// The credential to delete.
            pub sid: $crate::sid::CredentialSid,
        }

        impl $Delete {
            /// Deletes the credential `sid`.
            pub fn new(sid: $crate::sid::CredentialSid) -> Self {
                $Delete { sid }
            }
        }

        impl $crate::operation::Operation for $Delete {
            type Output = ();

            const ID: &'static str = $delete_id;
            const METHOD: http::Method = http::Method::DELETE;
            const IDEMPOTENCY: $crate::retry::Idempotency = $crate::retry::Idempotency::Idempotent;
            const PATH: &'static str = $item_path;
            const PARAMETERS: &'static [$crate::operation::Parameter] =
                &[$crate::operation::Parameter::spec("Sid", $crate::operation::ParameterLocation::Path)];
            const NOT_FOUND_HINT: Option<&'static str> =
                Some(concat!("the account has no ", $what, " credential with this SID"));

            fn path_values(&self) -> Vec<$crate::operation::PathValue<'_>> {
                vec![$crate::operation::PathValue::new("Sid", &self.sid)]
            }
            /// A 204 has no body; any body is ignored.
            fn parse_success(
                &self,
                _status: http::StatusCode,
                _body: &[u8],
            ) -> Result<(), $crate::error::DecodeError> {
                Ok(())
            }
        }

        impl $crate::parameter_values::FromParameters for $Delete {
            fn from_parameters(
                values: &$crate::parameter_values::ParameterValues,
            ) -> Result<Self, $crate::parameter_values::ParameterError> {
                Ok($Delete::new($crate::operations::credential::sid_parameter($delete_id, values)?))
            }
        }
    };
}

pub(crate) use credential_operations;

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
