//! `/v1/Credentials/PublicKeys…`: the account's public-key credentials.
//!
//! | type | operationId |
//! |---|---|
//! | [`ListCredentialPublicKeys`] | `ListCredentialPublicKey` |
//! | [`FetchCredentialPublicKey`] | `FetchCredentialPublicKey` |
//!
//! The list is here for two reasons: it is the cheapest read-only call that
//! proves a set of credentials authenticates (a rotation uses it to check a
//! token without changing anything), and it is the model for every paged
//! list operation of Accounts v1 (see [`crate::page`]).
//!
//! ```
//! use twilio_accounts_core::{
//!     AuthToken, Credentials, Endpoint, FetchCredentialPublicKey, ListCredentialPublicKeys,
//!     RequestContext,
//! };
//!
//! let context = RequestContext::new(
//!     Credentials::auth_token(
//!         "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?,
//!         AuthToken::new("0123456789abcdef0123456789abcdef")?,
//!     ),
//!     Endpoint::default(),
//! );
//! let first = context.build_request(&ListCredentialPublicKeys::new().page_size(1)?)?;
//! assert_eq!(first.uri(), "https://accounts.twilio.com/v1/Credentials/PublicKeys?PageSize=1");
//! let one = FetchCredentialPublicKey::new("CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?);
//! assert_eq!(
//!     context.build_request(&one)?.uri(),
//!     "https://accounts.twilio.com/v1/Credentials/PublicKeys/CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
//! );
//! # Ok::<(), twilio_accounts_core::Error>(())
//! ```

use http::{Method, StatusCode};

use crate::error::{DecodeError, Error};
use crate::operation::{Operation, Parameter, ParameterLocation, PathValue, decode_json};
use crate::operations::credential::Credential;
use crate::page::{ListOperation, PAGE_PARAMETERS, Page, PageRequest};
use crate::retry::Idempotency;
use crate::sid::CredentialSid;

/// The path of the list.
pub const PUBLIC_KEYS_PATH: &str = "/v1/Credentials/PublicKeys";

/// `GET /v1/Credentials/PublicKeys` (`ListCredentialPublicKey`): one page of
/// public-key credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListCredentialPublicKeys {
    paging: PageRequest,
}

impl ListCredentialPublicKeys {
    /// The first page, with the server's default page size (50).
    pub fn new() -> Self {
        Self::default()
    }

    /// The first page with `size` items at most (1 to 1000).
    pub fn page_size(self, size: u32) -> Result<Self, Error> {
        Ok(ListCredentialPublicKeys {
            paging: self.paging.page_size(size)?,
        })
    }

    /// Any page: size, index and token.
    pub fn with_paging(paging: PageRequest) -> Self {
        ListCredentialPublicKeys { paging }
    }
}

impl Operation for ListCredentialPublicKeys {
    type Output = Page<Credential>;

    const ID: &'static str = "ListCredentialPublicKey";
    const METHOD: Method = Method::GET;
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    const PATH: &'static str = PUBLIC_KEYS_PATH;
    const PARAMETERS: &'static [Parameter] = &PAGE_PARAMETERS;

    fn query(&self) -> Vec<(&'static str, String)> {
        self.paging.query()
    }
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        Self::parse_page(status, body)
    }
}

impl ListOperation for ListCredentialPublicKeys {
    type Item = Credential;
    const ITEMS_KEY: &'static str = "credentials";
}

/// `GET /v1/Credentials/PublicKeys/{Sid}` (`FetchCredentialPublicKey`): one
/// public-key credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchCredentialPublicKey {
    /// The credential to fetch.
    pub sid: CredentialSid,
}

impl FetchCredentialPublicKey {
    /// Fetches the credential `sid`.
    pub fn new(sid: CredentialSid) -> Self {
        FetchCredentialPublicKey { sid }
    }
}

impl Operation for FetchCredentialPublicKey {
    type Output = Credential;

    const ID: &'static str = "FetchCredentialPublicKey";
    const METHOD: Method = Method::GET;
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    const PATH: &'static str = "/v1/Credentials/PublicKeys/{Sid}";
    const PARAMETERS: &'static [Parameter] = &[Parameter::spec("Sid", ParameterLocation::Path)];
    const NOT_FOUND_HINT: Option<&'static str> =
        Some("the account has no public-key credential with this SID");

    fn path_values(&self) -> Vec<PathValue<'_>> {
        vec![PathValue::new("Sid", &self.sid)]
    }
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        decode_json(Self::ID, status, body, None)
    }
}
