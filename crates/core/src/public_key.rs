//! `GET /v1/Credentials/PublicKeys`: the account's public-key credentials,
//! one page at a time.
//!
//! It is here for two reasons: it is the cheapest read-only call that proves
//! a set of credentials authenticates (a rotation uses it to check a token
//! without changing anything), and it is the model for every paged list
//! operation of Accounts v1. A page's `next_page_url` is only followed when
//! it points at the same endpoint: following a link elsewhere would send the
//! credentials there.
//!
//! ```
//! use twilio_accounts_core::{ListCredentialPublicKeys, Operation};
//!
//! let first = ListCredentialPublicKeys::new().page_size(1)?;
//! assert_eq!(first.path_and_query(), "/v1/Credentials/PublicKeys?PageSize=1");
//! # Ok::<(), twilio_accounts_core::Error>(())
//! ```

use http::{Method, StatusCode};
use serde::Deserialize;

use crate::endpoint::Endpoint;
use crate::error::{DecodeError, Error};
use crate::operation::{Operation, decode_json};
use crate::retry::Idempotency;
use crate::sid::{AccountSid, CredentialSid};
use crate::timestamp::Timestamp;

/// The path of the list.
pub const PUBLIC_KEYS_PATH: &str = "/v1/Credentials/PublicKeys";

/// The largest page size the spec allows.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// A public-key credential.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CredentialPublicKey {
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

/// One page of a list, with the link to the next.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// The page index.
    pub page: Option<u64>,
    /// The page size the server used.
    pub page_size: Option<u64>,
    /// The absolute URL of the next page, as the server sent it.
    pub next_page_url: Option<String>,
}

#[derive(Deserialize)]
struct Meta {
    #[serde(default)]
    page: Option<u64>,
    #[serde(default)]
    page_size: Option<u64>,
    #[serde(default)]
    next_page_url: Option<String>,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    credentials: Option<Vec<CredentialPublicKey>>,
    #[serde(default)]
    meta: Option<Meta>,
}

/// Lists public-key credentials: the first page, or the page behind a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListCredentialPublicKeys {
    path_and_query: String,
}

impl Default for ListCredentialPublicKeys {
    fn default() -> Self {
        Self::new()
    }
}

impl ListCredentialPublicKeys {
    /// The first page, with the server's default page size (50).
    pub fn new() -> Self {
        ListCredentialPublicKeys {
            path_and_query: PUBLIC_KEYS_PATH.to_owned(),
        }
    }

    /// The first page with `size` items at most (1 to 1000).
    pub fn page_size(self, size: u32) -> Result<Self, Error> {
        if !(1..=MAX_PAGE_SIZE).contains(&size) {
            return Err(Error::InvalidParameter {
                name: "PageSize",
                reason: "must be between 1 and 1000",
            });
        }
        Ok(ListCredentialPublicKeys {
            path_and_query: format!("{PUBLIC_KEYS_PATH}?PageSize={size}"),
        })
    }

    /// The operation that fetches the page after `page`, or `None` on the
    /// last page. Refuses a link to another scheme, host or port.
    pub fn next_page<T>(endpoint: &Endpoint, page: &Page<T>) -> Result<Option<Self>, Error> {
        let Some(url) = &page.next_page_url else {
            return Ok(None);
        };
        let path_and_query = endpoint.relative_path(url)?;
        if !path_and_query.starts_with(PUBLIC_KEYS_PATH) {
            return Err(Error::InvalidEndpoint(crate::EndpointError::ForeignHost {
                host: endpoint.host().to_owned(),
            }));
        }
        Ok(Some(ListCredentialPublicKeys { path_and_query }))
    }
}

impl Operation for ListCredentialPublicKeys {
    type Output = Page<CredentialPublicKey>;

    fn name(&self) -> &'static str {
        "list_credential_public_keys"
    }
    fn method(&self) -> Method {
        Method::GET
    }
    fn idempotency(&self) -> Idempotency {
        Idempotency::Idempotent
    }
    fn path_and_query(&self) -> String {
        self.path_and_query.clone()
    }
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        let envelope: Envelope = decode_json(self.name(), status, body, None)?;
        let meta = envelope.meta;
        Ok(Page {
            items: envelope.credentials.unwrap_or_default(),
            page: meta.as_ref().and_then(|m| m.page),
            page_size: meta.as_ref().and_then(|m| m.page_size),
            next_page_url: meta.and_then(|m| m.next_page_url),
        })
    }
}
