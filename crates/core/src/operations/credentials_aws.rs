//! `/v1/Credentials/AWS…`: AWS credentials stored in the account (for
//! services that write to the account's S3 buckets).
//!
//! | type | operationId | idempotent |
//! |---|---|---|
//! | [`ListCredentialAws`] | `ListCredentialAws` | yes (a read) |
//! | [`CreateCredentialAws`] | `CreateCredentialAws` | no (a create) |
//! | [`FetchCredentialAws`] | `FetchCredentialAws` | yes (a read) |
//! | [`UpdateCredentialAws`] | `UpdateCredentialAws` | yes (sets a fixed name) |
//! | [`DeleteCredentialAws`] | `DeleteCredentialAws` | yes |
//!
//! The AWS secret goes in as an [`AwsCredentials`] (redacted, wiped on
//! drop) and never comes back: the answers are the same [`Credential`]
//! model as public keys'.
//!
//! Every operation, sent through a closure transport that answers as the
//! spec's examples do:
//!
//! ```
//! use twilio_accounts_core::{
//!     AuthToken, AwsCredentials, CreateCredentialAws, Credentials, DeleteCredentialAws,
//!     Endpoint, FetchCredentialAws, FriendlyName, ListCredentialAws, RequestContext, RetryPolicy,
//!     TransportError, UpdateCredentialAws, send_blocking,
//! };
//!
//! const ONE: &str = r#"{"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","date_created":"2015-07-31T04:00:00Z","date_updated":"2015-07-31T04:00:00Z","friendly_name":"friendly_name","sid":"CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","url":"https://accounts.twilio.com/v1/Credentials/AWS/CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#;
//! let transport = |request: http::Request<Vec<u8>>| -> Result<_, TransportError> {
//!     let (status, body) = match (request.method().as_str(), request.uri().path()) {
//!         ("GET", "/v1/Credentials/AWS") => (200, format!(r#"{{"credentials":[{ONE}],"meta":{{"next_page_url":null}}}}"#)),
//!         ("POST", "/v1/Credentials/AWS") => (201, ONE.to_owned()),
//!         ("DELETE", _) => (204, String::new()),
//!         _ => (200, ONE.to_owned()),
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
//! let policy = RetryPolicy::default();
//! let sid = "CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?;
//!
//! let page = send_blocking(&context, &ListCredentialAws::new(), &policy, 0, &transport, |_| {})?;
//! assert_eq!(page.value.items.len(), 1);
//! let aws = AwsCredentials::new("AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")?;
//! let create = CreateCredentialAws::new(aws).friendly_name(FriendlyName::new("friendly_name")?);
//! assert!(!format!("{create:?}").contains("wJalr"));
//! let created = send_blocking(&context, &create, &policy, 0, &transport, |_| {})?;
//! assert_eq!(created.value.sid, Some(sid));
//! send_blocking(&context, &FetchCredentialAws::new(sid), &policy, 0, &transport, |_| {})?;
//! let rename = UpdateCredentialAws::new(sid, FriendlyName::new("friendly_name")?);
//! send_blocking(&context, &rename, &policy, 0, &transport, |_| {})?;
//! let deleted = send_blocking(&context, &DeleteCredentialAws::new(sid), &policy, 0, &transport, |_| {})?;
//! assert_eq!(deleted.status, 204);
//! # Ok::<(), twilio_accounts_core::Error>(())
//! ```

use http::{Method, StatusCode};

use crate::error::DecodeError;
use crate::form::Form;
use crate::operation::{Operation, Parameter, ParameterLocation, decode_json};
use crate::operations::credential::{
    CREATE_NAME_PARAMETERS, Credential, CredentialKind, DeleteCredential, FetchCredential,
    FriendlyName, ListCredentials, UpdateCredential, account_sid_parameter, create_form,
    friendly_name_parameter,
};
use crate::parameter_values::{FromParameters, ParameterError, ParameterValues};
use crate::retry::Idempotency;
use crate::secret::AwsCredentials;
use crate::sid::AccountSid;

/// `Credentials`: the AWS key pair, the create's one secret parameter.
const CREDENTIALS: &str = "Credentials";

/// The AWS kind of credential: what its list, fetch, update and delete
/// do not share with public keys'.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Aws;

impl CredentialKind for Aws {
    const PATH: &'static str = "/v1/Credentials/AWS";
    const ITEM_PATH: &'static str = "/v1/Credentials/AWS/{Sid}";
    const LIST_ID: &'static str = "ListCredentialAws";
    const FETCH_ID: &'static str = "FetchCredentialAws";
    const UPDATE_ID: &'static str = "UpdateCredentialAws";
    const DELETE_ID: &'static str = "DeleteCredentialAws";
    const NOT_FOUND_HINT: &'static str = "the account has no AWS credential with this SID";
}

/// `GET /v1/Credentials/AWS` (`ListCredentialAws`): one page of AWS credentials; see
/// [`ListCredentials`].
pub type ListCredentialAws = ListCredentials<Aws>;

/// `GET /v1/Credentials/AWS/{Sid}` (`FetchCredentialAws`): one AWS credential; see
/// [`FetchCredential`].
pub type FetchCredentialAws = FetchCredential<Aws>;

/// `POST /v1/Credentials/AWS/{Sid}` (`UpdateCredentialAws`): renames a AWS credential; see
/// [`UpdateCredential`].
pub type UpdateCredentialAws = UpdateCredential<Aws>;

/// `DELETE /v1/Credentials/AWS/{Sid}` (`DeleteCredentialAws`): deletes a AWS credential; see
/// [`DeleteCredential`].
pub type DeleteCredentialAws = DeleteCredential<Aws>;

/// `POST /v1/Credentials/AWS` (`CreateCredentialAws`): stores AWS
/// credentials.
///
/// Not idempotent: each create makes a new credential, so it is never resent
/// once it may have arrived.
///
/// The secret travels only in the form the transport sends; `Debug` of the
/// operation and the answer never show it:
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::{AwsCredentials, CreateCredentialAws, RetryPolicy, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!((request.method().as_str(), request.uri().path()), ("POST", "/v1/Credentials/AWS"));
///     assert_eq!(request.body(), b"Credentials=AKIAIOSFODNN7EXAMPLE%3AwJalrXUtnFEMI%2FK7MDENG%2FbPxRfiCYEXAMPLEKEY");
///     respond(201, r#"{"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","date_created":"2015-07-31T04:00:00Z","date_updated":"2015-07-31T04:00:00Z","friendly_name":"friendly_name","sid":"CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","url":"https://accounts.twilio.com/v1/Credentials/AWS/CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#)
/// };
/// let aws = AwsCredentials::new("AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")?;
/// let create = CreateCredentialAws::new(aws);
/// assert!(!format!("{create:?}").contains("wJalr"));
/// let created = send_blocking(&context, &create, &RetryPolicy::default(), 0, &transport, |_| {})?;
/// assert_eq!(created.status, 201);
/// assert_eq!(created.value.sid, Some("CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?));
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateCredentialAws {
    /// `ACCESS_KEY_ID:SECRET_ACCESS_KEY`, a secret.
    pub credentials: AwsCredentials,
    /// Its name.
    pub friendly_name: Option<FriendlyName>,
    /// A subaccount to attach it to ("must be a valid subaccount of the
    /// account issuing the request").
    pub account_sid: Option<AccountSid>,
}

impl CreateCredentialAws {
    /// Stores `credentials` (already checked for their shape).
    pub fn new(credentials: AwsCredentials) -> Self {
        CreateCredentialAws {
            credentials,
            friendly_name: None,
            account_sid: None,
        }
    }

    /// Names it.
    pub fn friendly_name(self, name: FriendlyName) -> Self {
        CreateCredentialAws {
            friendly_name: Some(name),
            ..self
        }
    }

    /// Attaches it to the subaccount `sid`.
    pub fn account_sid(self, sid: AccountSid) -> Self {
        CreateCredentialAws {
            account_sid: Some(sid),
            ..self
        }
    }
}

impl Operation for CreateCredentialAws {
    type Output = Credential;

    const ID: &'static str = "CreateCredentialAws";
    const METHOD: Method = Method::POST;
    const IDEMPOTENCY: Idempotency = Idempotency::NotIdempotent;
    const PATH: &'static str = Aws::PATH;
    const PARAMETERS: &'static [Parameter] = &[
        Parameter::spec(CREDENTIALS, ParameterLocation::Form),
        CREATE_NAME_PARAMETERS[0],
        CREATE_NAME_PARAMETERS[1],
    ];
    const SECRET_PARAMETERS: &'static [&'static str] = &[CREDENTIALS];

    /// The secret is encoded into the body here, which leaves no copy of
    /// it behind (see [`Form`]), as a token is into the `Authorization`
    /// header: the request body is the transport's to send.
    fn form(&self, form: &mut Form) {
        form.text(CREDENTIALS, self.credentials.expose_secret());
        create_form(form, self.friendly_name.as_ref(), self.account_sid.as_ref());
    }
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        decode_json(Self::ID, status, body, None)
    }
}

/// `Credentials` (required, `ACCESS_KEY_ID:SECRET_ACCESS_KEY`), `FriendlyName`
/// and `AccountSid`. An error about `Credentials` never repeats them.
impl FromParameters for CreateCredentialAws {
    fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError> {
        Ok(CreateCredentialAws {
            credentials: values
                .parse_required(Self::ID, CREDENTIALS, |v| AwsCredentials::new(v))?,
            friendly_name: friendly_name_parameter(Self::ID, values)?,
            account_sid: account_sid_parameter(Self::ID, values)?,
        })
    }
}
