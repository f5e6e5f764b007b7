//! One list mechanism for every paged list, of Accounts v1 and of the 2010
//! API.
//!
//! Twilio wraps every list of a service in the same envelope: the items
//! under a key named for the resource (`credentials`, `accounts`, …) and the
//! paging fields. Accounts v1 puts those in a `meta` object (`page`,
//! `page_size`, an absolute `next_page_url`); the 2010 API puts them at the
//! top level (`page`, `page_size`, a `next_page_uri` relative to the API's
//! root). So there is one [`Page`] type, one decoder (which reads the
//! list's [`Service`] for the shape), one set of paging parameters
//! ([`PageRequest`]) and one [`ListOperation::next_page`]: a list operation
//! declares its item type and its items key, nothing else.
//!
//! A next-page link is only followed when it points at the same endpoint
//! (scheme, host and port; a relative 2010 link is resolved against the
//! 2010 base URL, see [`Endpoint::resolve_link`]) and at the same list:
//! following a link elsewhere would send the credentials there. Each refusal
//! has its own [`LinkError`].
//!
//! ```
//! use twilio_accounts_core::{
//!     AuthToken, Credentials, Endpoint, ListCredentialPublicKeys, ListOperation, RequestContext,
//! };
//!
//! let context = RequestContext::new(
//!     Credentials::auth_token(
//!         "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?,
//!         AuthToken::new("0123456789abcdef0123456789abcdef")?,
//!     ),
//!     Endpoint::default(),
//! );
//! let list = ListCredentialPublicKeys::new().page_size(1)?;
//! let response = http::Response::builder()
//!     .status(200)
//!     .body(br#"{"credentials":[],"meta":{"key":"credentials","page":0,"page_size":1,"next_page_url":"https://accounts.twilio.com/v1/Credentials/PublicKeys?PageSize=1&Page=1&PageToken=PAaaa"}}"#.to_vec())
//!     .unwrap();
//! let page = context.parse_response(&list, response)?.value;
//! let next = ListCredentialPublicKeys::next_page(context.endpoint(), &page)?.expect("a next page");
//! assert_eq!(
//!     context.build_request(&next)?.uri(),
//!     "https://accounts.twilio.com/v1/Credentials/PublicKeys?PageSize=1&Page=1&PageToken=PAaaa"
//! );
//! # Ok::<(), twilio_accounts_core::Error>(())
//! ```

use std::fmt;
use std::marker::PhantomData;

use http::{Method, StatusCode};
use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny, MapAccess, Visitor};

use crate::endpoint::{Endpoint, LinkError, Service};
use crate::error::{DecodeError, Error};
use crate::operation::{Operation, Parameter, ParameterLocation, decode_json};
use crate::parameter_values::{ParameterError, ParameterValues};
use crate::retry::Idempotency;

/// The largest page size the spec allows.
pub const MAX_PAGE_SIZE: u32 = 1000;

/// The paging parameters every list takes, as the spec names them.
pub const PAGE_PARAMETERS: [Parameter; 3] = [
    Parameter::spec("PageSize", ParameterLocation::Query),
    Parameter::spec("Page", ParameterLocation::Query),
    Parameter::spec("PageToken", ParameterLocation::Query),
];

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
    /// The link to the next page, as the server sent it: Accounts v1's
    /// absolute `next_page_url`, or the 2010 API's `next_page_uri`, relative
    /// to the API's root. `None` on the last page.
    pub next_page_url: Option<String>,
}

/// Which page to ask for: the paging query parameters every list shares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    page_size: Option<u32>,
    page: Option<u32>,
    page_token: Option<String>,
}

impl PageRequest {
    /// The server's defaults (the first page, 50 items).
    pub fn new() -> Self {
        Self::default()
    }

    /// At most `size` items (1 to 1000).
    pub fn page_size(mut self, size: u32) -> Result<Self, Error> {
        if !(1..=MAX_PAGE_SIZE).contains(&size) {
            return Err(Error::InvalidParameter {
                name: PAGE_PARAMETERS[0].name,
                reason: "must be between 1 and 1000",
            });
        }
        self.page_size = Some(size);
        Ok(self)
    }

    /// The page index (with the token of the page before it).
    pub fn page(mut self, page: u32, page_token: impl Into<String>) -> Self {
        self.page = Some(page);
        self.page_token = Some(page_token.into());
        self
    }

    /// The query pairs, in the spec's order.
    pub fn query(&self) -> Vec<(&'static str, String)> {
        let [size, page, token] = PAGE_PARAMETERS;
        let mut pairs = Vec::new();
        if let Some(n) = self.page_size {
            pairs.push((size.name, n.to_string()));
        }
        if let Some(n) = self.page {
            pairs.push((page.name, n.to_string()));
        }
        if let Some(t) = &self.page_token {
            pairs.push((token.name, t.clone()));
        }
        pairs
    }

    /// Reads `PageSize`, `Page` and `PageToken` (the names of
    /// [`PAGE_PARAMETERS`]) for the list `operation`; a page index needs its
    /// token and back.
    pub(crate) fn from_parameters(
        operation: &'static str,
        values: &ParameterValues,
    ) -> Result<Self, ParameterError> {
        let [size, page, token] = PAGE_PARAMETERS.map(|p| p.name);
        let mut paging = PageRequest::new();
        if let Some(n) = values.parse_optional(operation, size, |v| {
            v.parse::<u32>()
                .map_err(|_| "must be a whole number between 1 and 1000")
        })? {
            paging = paging
                .page_size(n)
                .map_err(|e| ParameterError::invalid(operation, size, None, e))?;
        }
        let index = values.parse_optional(operation, page, |v| {
            v.parse::<u32>().map_err(|_| "must be a whole number")
        })?;
        match (index, values.optional(operation, token)?) {
            (Some(index), Some(t)) => Ok(paging.page(index, t)),
            (None, None) => Ok(paging),
            (Some(_), None) => Err(ParameterError::Missing {
                operation,
                name: token,
            }),
            (None, Some(_)) => Err(ParameterError::Missing {
                operation,
                name: page,
            }),
        }
    }
}

/// A paged list operation: its items and the key they come under.
pub trait ListOperation: Operation<Output = Page<Self::Item>> + Sized {
    /// One item of the list.
    type Item: DeserializeOwned;

    /// The envelope's key for the items, e.g. `credentials`.
    const ITEMS_KEY: &'static str;

    /// Reads a page of this list.
    fn parse_page(status: StatusCode, body: &[u8]) -> Result<Page<Self::Item>, DecodeError> {
        let envelope: Envelope<Self> = decode_json(Self::ID, status, body, None)?;
        let (page, page_size, next_page_url) = match envelope.meta {
            Some(meta) => (meta.page, meta.page_size, meta.next_page_url),
            None => (
                envelope.top.page,
                envelope.top.page_size,
                envelope.top.next_page_uri,
            ),
        };
        Ok(Page {
            items: envelope.items.unwrap_or_default(),
            page,
            page_size,
            next_page_url,
        })
    }

    /// This list's path with its parameters filled in
    /// (`/2010-04-01/Accounts/AC…/Keys.json`): where every page of it must
    /// stay. [`next_page`](Self::next_page) checks a link's shape only (it
    /// has no list to compare with); a walk that started from this list
    /// also compares the link's path with this one.
    ///
    /// ```
    /// use twilio_accounts_core::{ListKey, ListOperation};
    ///
    /// let list = ListKey::new("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?);
    /// assert_eq!(list.own_path()?, "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Keys.json");
    /// # Ok::<(), twilio_accounts_core::Error>(())
    /// ```
    fn own_path(&self) -> Result<String, Error> {
        crate::operation::render_path(Self::PATH, &self.path_values())
    }

    /// The operation that fetches the page after `page`, or `None` on the
    /// last page.
    ///
    /// Refuses a link to another scheme, host or port, outside the
    /// endpoint's base path for this list's service, or to another path than
    /// this list's.
    fn next_page<T>(endpoint: &Endpoint, page: &Page<T>) -> Result<Option<NextPage<Self>>, Error> {
        let Some(url) = &page.next_page_url else {
            return Ok(None);
        };
        let path_and_query = endpoint.resolve_link(Self::SERVICE, url)?;
        let path = path_and_query.split(['?', '#']).next().unwrap_or("");
        if !matches_template(Self::PATH, path) {
            return Err(Error::InvalidLink(LinkError::OtherPath {
                expected: Self::PATH,
                found: path.to_owned(),
            }));
        }
        Ok(Some(NextPage {
            path_and_query,
            list: PhantomData,
        }))
    }
}

/// Whether `path` is `template` with each `{Name}` replaced by one segment.
fn matches_template(template: &str, path: &str) -> bool {
    let mut want = template.split('/');
    let mut have = path.split('/');
    loop {
        match (want.next(), have.next()) {
            (None, None) => return true,
            (Some(w), Some(h)) if w.starts_with('{') && w.ends_with('}') && !h.is_empty() => {}
            (Some(w), Some(h)) if w == h => {}
            _ => return false,
        }
    }
}

/// The page behind a server's `next_page_url`: the same list, another page.
///
/// Only [`ListOperation::next_page`] makes one, after checking the link.
pub struct NextPage<L> {
    path_and_query: String,
    list: PhantomData<fn() -> L>,
}

impl<L> NextPage<L> {
    /// The path and query it requests, relative to the endpoint.
    pub fn path_and_query(&self) -> &str {
        &self.path_and_query
    }

    /// The path it requests, without the query.
    pub fn path(&self) -> &str {
        self.path_and_query
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
    }
}

impl<L> fmt::Debug for NextPage<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("NextPage")
            .field(&self.path_and_query)
            .finish()
    }
}

impl<L> Clone for NextPage<L> {
    fn clone(&self) -> Self {
        NextPage {
            path_and_query: self.path_and_query.clone(),
            list: PhantomData,
        }
    }
}

impl<L> PartialEq for NextPage<L> {
    fn eq(&self, other: &Self) -> bool {
        self.path_and_query == other.path_and_query
    }
}

impl<L> Eq for NextPage<L> {}

impl<L: ListOperation> Operation for NextPage<L> {
    type Output = Page<L::Item>;

    const ID: &'static str = L::ID;
    const SERVICE: Service = L::SERVICE;
    const METHOD: Method = L::METHOD;
    const IDEMPOTENCY: Idempotency = L::IDEMPOTENCY;
    const PATH: &'static str = L::PATH;
    const PARAMETERS: &'static [Parameter] = L::PARAMETERS;
    const NOT_FOUND_HINT: Option<&'static str> = L::NOT_FOUND_HINT;

    fn followed_link(&self) -> Option<&str> {
        Some(&self.path_and_query)
    }

    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, DecodeError> {
        L::parse_page(status, body)
    }
}

#[derive(Deserialize, Default)]
struct Meta {
    #[serde(default)]
    page: Option<u64>,
    #[serde(default)]
    page_size: Option<u64>,
    #[serde(default)]
    next_page_url: Option<String>,
}

/// The 2010 API's paging fields, at the top level of the envelope.
#[derive(Default)]
struct TopLevel {
    page: Option<u64>,
    page_size: Option<u64>,
    next_page_uri: Option<String>,
}

/// The list envelope: `L::ITEMS_KEY` and the paging fields of `L::SERVICE`
/// (`meta` for Accounts v1 and IAM v1, top-level fields for the 2010 API), anything
/// else ignored.
struct Envelope<L: ListOperation> {
    items: Option<Vec<L::Item>>,
    meta: Option<Meta>,
    top: TopLevel,
}

impl<'de, L: ListOperation> Deserialize<'de> for Envelope<L> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EnvelopeVisitor<L>(PhantomData<fn() -> L>);
        impl<'de, L: ListOperation> Visitor<'de> for EnvelopeVisitor<L> {
            type Value = Envelope<L>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a list envelope with `{}` and `meta`", L::ITEMS_KEY)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut envelope = Envelope {
                    items: None,
                    meta: None,
                    top: TopLevel::default(),
                };
                // The 2010 API's paging fields are at the top level, next to
                // its relative links; the newer APIs' are in `meta`.
                let top_level = L::SERVICE.links_are_relative();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match (top_level, key.as_ref()) {
                        (_, key) if key == L::ITEMS_KEY => envelope.items = map.next_value()?,
                        (false, "meta") => envelope.meta = map.next_value()?,
                        (true, "page") => envelope.top.page = map.next_value()?,
                        (true, "page_size") => envelope.top.page_size = map.next_value()?,
                        (true, "next_page_uri") => {
                            envelope.top.next_page_uri = map.next_value()?;
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(envelope)
            }
        }
        deserializer.deserialize_map(EnvelopeVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_one_segment_per_placeholder() {
        let cases = [
            (
                "/v1/Credentials/PublicKeys",
                "/v1/Credentials/PublicKeys",
                true,
            ),
            (
                "/v1/Credentials/PublicKeys",
                "/v1/Credentials/PublicKeysX",
                false,
            ),
            (
                "/v1/Credentials/PublicKeys",
                "/v1/Credentials/PublicKeys/",
                false,
            ),
            ("/v1/Credentials/PublicKeys", "/v1/Credentials/AWS", false),
            ("/v1/Credentials/PublicKeys", "/v1/Credentials", false),
            ("/v1/A/{Sid}", "/v1/A/CRaaaa", true),
            ("/v1/A/{Sid}", "/v1/A/", false),
            ("/v1/A/{Sid}", "/v1/A/x/y", false),
        ];
        for (template, path, expected) in cases {
            assert_eq!(
                matches_template(template, path),
                expected,
                "{template} {path}"
            );
        }
    }

    #[test]
    fn paging_parameters_go_in_the_spec_order() {
        let request = PageRequest::new().page_size(20).unwrap().page(3, "PT a&b");
        assert_eq!(
            request.query(),
            vec![
                ("PageSize", "20".to_owned()),
                ("Page", "3".to_owned()),
                ("PageToken", "PT a&b".to_owned())
            ]
        );
        assert!(PageRequest::new().page_size(0).is_err());
        assert!(PageRequest::new().page_size(1001).is_err());
    }
}
