//! `/v1/Credentials/PublicKeys…`: the account's public-key credentials.
//!
//! | type | operationId | idempotent |
//! |---|---|---|
//! | [`ListCredentialPublicKeys`] | `ListCredentialPublicKey` | yes (a read) |
//! | [`CreateCredentialPublicKey`] | `CreateCredentialPublicKey` | no (a create) |
//! | [`FetchCredentialPublicKey`] | `FetchCredentialPublicKey` | yes (a read) |
//! | [`UpdateCredentialPublicKey`] | `UpdateCredentialPublicKey` | yes (sets a fixed name) |
//! | [`DeleteCredentialPublicKey`] | `DeleteCredentialPublicKey` | yes |
//!
//! The list is the cheapest read-only call that proves a set of credentials
//! authenticates (it checks a token without changing anything), and the model for every paged list of Accounts v1 (see
//! [`crate::page`]).
//!
//! Every operation, sent through a closure transport that answers as the
//! spec's examples do:
//!
//! ```
//! use twilio_accounts_core::{
//!     AuthToken, CreateCredentialPublicKey, Credentials, DeleteCredentialPublicKey, Endpoint,
//!     FetchCredentialPublicKey, FriendlyName, ListCredentialPublicKeys, RequestContext,
//!     RetryPolicy, TransportError, UpdateCredentialPublicKey, send_blocking,
//! };
//!
//! const ONE: &str = r#"{"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","date_created":"2015-07-31T04:00:00Z","date_updated":"2015-07-31T04:00:00Z","friendly_name":"friendly_name","sid":"CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","url":"https://accounts.twilio.com/v1/Credentials/PublicKeys/CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#;
//! let transport = |request: http::Request<Vec<u8>>| -> Result<_, TransportError> {
//!     let (status, body) = match (request.method().as_str(), request.uri().path()) {
//!         ("GET", "/v1/Credentials/PublicKeys") => (200, format!(r#"{{"credentials":[{ONE}],"meta":{{"next_page_url":null}}}}"#)),
//!         ("POST", "/v1/Credentials/PublicKeys") => (201, ONE.to_owned()),
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
//! let page = send_blocking(&context, &ListCredentialPublicKeys::new(), &policy, 0, &transport, |_| {})?;
//! assert_eq!(page.value.items[0].sid, Some(sid));
//! let create = CreateCredentialPublicKey::new(include_str!("example_public_key_2048.pem"))?
//!     .friendly_name(FriendlyName::new("friendly_name")?);
//! let created = send_blocking(&context, &create, &policy, 0, &transport, |_| {})?;
//! assert_eq!(created.status, 201);
//! let fetched = send_blocking(&context, &FetchCredentialPublicKey::new(sid), &policy, 0, &transport, |_| {})?;
//! assert_eq!(fetched.value.friendly_name.as_deref(), Some("friendly_name"));
//! let rename = UpdateCredentialPublicKey::new(sid, FriendlyName::new("friendly_name")?);
//! send_blocking(&context, &rename, &policy, 0, &transport, |_| {})?;
//! let deleted = send_blocking(&context, &DeleteCredentialPublicKey::new(sid), &policy, 0, &transport, |_| {})?;
//! assert_eq!(deleted.status, 204);
//! # Ok::<(), twilio_accounts_core::Error>(())
//! ```

use http::{Method, StatusCode};

use crate::error::{DecodeError, Error};
use crate::form::Form;
use crate::operation::{Operation, Parameter, ParameterLocation, decode_json};
use crate::operations::credential::{
    CREATE_NAME_PARAMETERS, Credential, CredentialKind, DeleteCredential, FetchCredential,
    FriendlyName, ListCredentials, UpdateCredential, account_sid_parameter, create_form,
    friendly_name_parameter,
};
use crate::parameter_values::{FromParameters, ParameterError, ParameterValues};
use crate::retry::Idempotency;
use crate::sid::AccountSid;

/// The path of the list.
pub const PUBLIC_KEYS_PATH: &str = "/v1/Credentials/PublicKeys";

/// `PublicKey`: the create's key material (PEM text).
const PUBLIC_KEY: &str = "PublicKey";

/// The public-key kind of credential: what its list, fetch, update and delete
/// do not share with AWS credentials'.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublicKeys;

impl CredentialKind for PublicKeys {
    const PATH: &'static str = PUBLIC_KEYS_PATH;
    const ITEM_PATH: &'static str = "/v1/Credentials/PublicKeys/{Sid}";
    const LIST_ID: &'static str = "ListCredentialPublicKey";
    const FETCH_ID: &'static str = "FetchCredentialPublicKey";
    const UPDATE_ID: &'static str = "UpdateCredentialPublicKey";
    const DELETE_ID: &'static str = "DeleteCredentialPublicKey";
    const NOT_FOUND_HINT: &'static str = "the account has no public-key credential with this SID";
}

/// `GET /v1/Credentials/PublicKeys` (`ListCredentialPublicKey`): one page of public-key credentials; see
/// [`ListCredentials`].
pub type ListCredentialPublicKeys = ListCredentials<PublicKeys>;

/// `GET /v1/Credentials/PublicKeys/{Sid}` (`FetchCredentialPublicKey`): one public-key credential; see
/// [`FetchCredential`].
pub type FetchCredentialPublicKey = FetchCredential<PublicKeys>;

/// `POST /v1/Credentials/PublicKeys/{Sid}` (`UpdateCredentialPublicKey`): renames a public-key credential; see
/// [`UpdateCredential`].
pub type UpdateCredentialPublicKey = UpdateCredential<PublicKeys>;

/// `DELETE /v1/Credentials/PublicKeys/{Sid}` (`DeleteCredentialPublicKey`): deletes a public-key credential; see
/// [`DeleteCredential`].
pub type DeleteCredentialPublicKey = DeleteCredential<PublicKeys>;

/// `POST /v1/Credentials/PublicKeys` (`CreateCredentialPublicKey`): stores a
/// public key (for Public Key Client Validation).
///
/// Not idempotent: each create makes a new credential, so it is never resent
/// once it may have arrived.
///
/// The key goes as PEM text in the form, followed by the subaccount it is
/// for, if any; anything but an RSA 2048 public key is refused before
/// anything is sent:
///
/// ```
/// # use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, TransportError};
/// # let context = RequestContext::new(Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, AuthToken::new("0123456789abcdef0123456789abcdef")?), Endpoint::default());
/// # let respond = |status: u16, body: &str| -> Result<_, TransportError> { Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).unwrap()) };
/// use twilio_accounts_core::{CreateCredentialPublicKey, RetryPolicy, send_blocking};
///
/// let transport = |request: http::Request<Vec<u8>>| {
///     assert_eq!((request.method().as_str(), request.uri().path()), ("POST", "/v1/Credentials/PublicKeys"));
///     assert!(request.body().starts_with(b"PublicKey=-----BEGIN+PUBLIC+KEY-----%0AMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A"));
///     assert!(request.body().ends_with(b"-----END+PUBLIC+KEY-----%0A&AccountSid=ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"));
///     respond(201, r#"{"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","date_created":"2015-07-31T04:00:00Z","date_updated":"2015-07-31T04:00:00Z","friendly_name":"friendly_name","sid":"CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","url":"https://accounts.twilio.com/v1/Credentials/PublicKeys/CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#)
/// };
/// let public_key = include_str!("example_public_key_2048.pem");
/// let create = CreateCredentialPublicKey::new(public_key)?
///     .account_sid("ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb".parse()?);
/// let created = send_blocking(&context, &create, &RetryPolicy::default(), 0, &transport, |_| {})?;
/// assert_eq!(created.status, 201);
/// assert_eq!(created.value.sid, Some("CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?));
/// assert!(CreateCredentialPublicKey::new("  ").is_err());
/// // The private key of the pair, uploaded by mistake: refused, never sent.
/// assert!(CreateCredentialPublicKey::new("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----").is_err());
/// # Ok::<(), twilio_accounts_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateCredentialPublicKey {
    /// The public key, PEM text (`-----BEGIN PUBLIC KEY-----…`).
    pub public_key: String,
    /// Its name.
    pub friendly_name: Option<FriendlyName>,
    /// A subaccount to attach it to ("must be a valid subaccount of the
    /// account issuing the request").
    pub account_sid: Option<AccountSid>,
}

impl CreateCredentialPublicKey {
    /// Stores `public_key`, which must be an RSA 2048 public key as a PEM
    /// `PUBLIC KEY` block: anything else — a private key above all — is
    /// refused before it is sent ([`check_rsa_public_key_pem`](crate::check_rsa_public_key_pem)).
    pub fn new(public_key: impl Into<String>) -> Result<Self, Error> {
        let public_key = public_key.into();
        crate::rsa_public_key::check_rsa_public_key_pem(&public_key)
            .map_err(Error::InvalidPublicKey)?;
        Ok(CreateCredentialPublicKey {
            public_key,
            friendly_name: None,
            account_sid: None,
        })
    }

    /// Names it.
    pub fn friendly_name(self, name: FriendlyName) -> Self {
        CreateCredentialPublicKey {
            friendly_name: Some(name),
            ..self
        }
    }

    /// Attaches it to the subaccount `sid`.
    pub fn account_sid(self, sid: AccountSid) -> Self {
        CreateCredentialPublicKey {
            account_sid: Some(sid),
            ..self
        }
    }
}

impl Operation for CreateCredentialPublicKey {
    type Output = Credential;

    const ID: &'static str = "CreateCredentialPublicKey";
    const METHOD: Method = Method::POST;
    const IDEMPOTENCY: Idempotency = Idempotency::NotIdempotent;
    const PATH: &'static str = PublicKeys::PATH;
    const PARAMETERS: &'static [Parameter] = &[
        Parameter::spec(PUBLIC_KEY, ParameterLocation::Form),
        CREATE_NAME_PARAMETERS[0],
        CREATE_NAME_PARAMETERS[1],
    ];

    fn form(&self, form: &mut Form) {
        form.text(PUBLIC_KEY, &self.public_key);
        create_form(form, self.friendly_name.as_ref(), self.account_sid.as_ref());
    }
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        decode_json(Self::ID, status, body, None)
    }
}

/// `PublicKey` (required, PEM text), `FriendlyName` and `AccountSid`.
impl FromParameters for CreateCredentialPublicKey {
    fn from_parameters(values: &ParameterValues) -> Result<Self, ParameterError> {
        Ok(CreateCredentialPublicKey {
            public_key: values.parse_required(Self::ID, PUBLIC_KEY, |key| {
                CreateCredentialPublicKey::new(key).map(|create| create.public_key)
            })?,
            friendly_name: friendly_name_parameter(Self::ID, values)?,
            account_sid: account_sid_parameter(Self::ID, values)?,
        })
    }
}
