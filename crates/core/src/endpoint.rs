//! Where requests go: Twilio's hosts, their edge/region hosts, or a
//! caller-chosen base URL (the simulator, a proxy).
//!
//! An operation declares which Twilio API it belongs to once
//! ([`Operation::SERVICE`](crate::operation::Operation::SERVICE), a
//! [`Service`]); the endpoint maps each service to a base URL, so no
//! operation names a host.
//!
//! Rules, and why:
//! - The default is `https://accounts.twilio.com` for Accounts v1,
//!   `https://api.twilio.com` for the 2010-04-01 API and
//!   `https://iam.twilio.com` for IAM v1 (API keys).
//! - An edge and a region give `https://accounts.{edge}.{region}.twilio.com`,
//!   `https://api.{edge}.{region}.twilio.com` and
//!   `https://iam.{edge}.{region}.twilio.com`, as the official libraries
//!   build them; an edge alone implies region `us1`.
//! - A region without an edge is refused. The official libraries build
//!   `accounts.{region}.twilio.com` from it, a host that stopped working on
//!   2026-04-28; failing here with what to set beats failing later with a DNS
//!   or TLS error nobody can explain.
//! - A base URL override may use `https` anywhere but plain `http` only to a
//!   loopback address (`localhost`, `127.0.0.0/8`, `[::1]`), unless the caller
//!   passes [`PlainHttp::Allow`]: credentials are sent with every request, and
//!   plain HTTP beyond this machine would expose them.
//! - A base URL override serves every service (the simulator answers them
//!   on one address), unless a separate base URL for one service is set with
//!   [`Endpoint::with_api_base_url`] or [`Endpoint::with_base_url_for`]
//!   (same rules).
//!
//! ```
//! use twilio_accounts_core::{Endpoint, EndpointError, PlainHttp, Service};
//!
//! assert_eq!(Endpoint::default().base_url(), "https://accounts.twilio.com");
//! assert_eq!(Endpoint::default().base_url_for(Service::Api), "https://api.twilio.com");
//! let e = Endpoint::for_location(Some("au1"), Some("sydney"))?;
//! assert_eq!(e.base_url(), "https://accounts.sydney.au1.twilio.com");
//! assert_eq!(e.base_url_for(Service::Api), "https://api.sydney.au1.twilio.com");
//! assert!(matches!(
//!     Endpoint::for_location(Some("au1"), None),
//!     Err(EndpointError::RegionWithoutEdge { .. })
//! ));
//! let local = Endpoint::custom("http://127.0.0.1:8080", PlainHttp::LoopbackOnly)?;
//! assert_eq!(local.base_url(), "http://127.0.0.1:8080");
//! assert_eq!(local.base_url_for(Service::Api), "http://127.0.0.1:8080");
//! let split = local.with_api_base_url("http://127.0.0.1:8081", PlainHttp::LoopbackOnly)?;
//! assert_eq!(split.base_url_for(Service::Api), "http://127.0.0.1:8081");
//! assert_eq!(e.base_url_for(Service::Iam), "https://iam.sydney.au1.twilio.com");
//! assert!(Endpoint::custom("http://example.com", PlainHttp::LoopbackOnly).is_err());
//! # Ok::<(), EndpointError>(())
//! ```

use std::fmt;
use std::net::IpAddr;

use http::Uri;
use http::uri::{Authority, PathAndQuery, Scheme};

/// The default Accounts v1 host.
pub const DEFAULT_HOST: &str = "accounts.twilio.com";
/// The default host of the 2010-04-01 API.
pub const DEFAULT_API_HOST: &str = "api.twilio.com";
/// The default host of IAM v1 (API keys).
pub const DEFAULT_IAM_HOST: &str = "iam.twilio.com";

/// Which Twilio API an operation belongs to: it decides the host and the
/// shape of a list's paging links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Service {
    /// Accounts v1 (`accounts.twilio.com`): lists page with an absolute
    /// `next_page_url` inside `meta`.
    #[default]
    Accounts,
    /// The 2010-04-01 REST API (`api.twilio.com`): lists page with a
    /// `next_page_uri` at the top level, relative to the API's root.
    Api,
    /// IAM v1 (`iam.twilio.com`), where API keys are managed: lists page
    /// like Accounts v1, with an absolute `next_page_url` inside `meta`.
    Iam,
}

impl Service {
    /// Every service, in the order of this enum.
    pub const ALL: [Service; 3] = [Service::Accounts, Service::Api, Service::Iam];

    /// The first label of its Twilio host (`accounts`, `api`, `iam`).
    pub const fn host_label(self) -> &'static str {
        match self {
            Service::Accounts => "accounts",
            Service::Api => "api",
            Service::Iam => "iam",
        }
    }

    /// The API's name and version as Twilio's specs prefix their schemas
    /// (`accounts.v1`, `api.v2010`, `iam.v1`): what qualifies an
    /// `operationId`, since the same id exists in several APIs
    /// (`iam.v1.FetchKey`, `api.v2010.FetchKey`).
    pub const fn qualifier(self) -> &'static str {
        match self {
            Service::Accounts => "accounts.v1",
            Service::Api => "api.v2010",
            Service::Iam => "iam.v1",
        }
    }

    /// Whether its paging links are relative to the API's root
    /// (`/2010-04-01/…`) rather than absolute URLs.
    pub const fn links_are_relative(self) -> bool {
        matches!(self, Service::Api)
    }
}

/// The environment variable for the region (e.g. `au1`).
pub const ENV_REGION: &str = "TWILIO_REGION";
/// The environment variable for the edge (e.g. `sydney`).
pub const ENV_EDGE: &str = "TWILIO_EDGE";

/// Whether a base URL may use plain `http` to a host that is not loopback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlainHttp {
    /// Plain HTTP only to loopback addresses (the safe default).
    #[default]
    LoopbackOnly,
    /// Plain HTTP to any host. Credentials then cross the network in clear.
    Allow,
}

/// Where each [`Service`] is: a validated base URL for Accounts v1, one for
/// the 2010 API and one for IAM v1 (the same one, for a custom base URL).
///
/// The methods without a service ([`base_url`](Self::base_url),
/// [`host`](Self::host), [`uri`](Self::uri),
/// [`relative_path`](Self::relative_path), …) are about Accounts v1.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    accounts: Origin,
    api: Origin,
    iam: Origin,
}

/// One validated base URL: scheme, authority and an optional path prefix.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Origin {
    scheme: Scheme,
    authority: Authority,
    /// Empty, or starts with `/` and has no trailing `/`.
    prefix: String,
}

/// Why an endpoint could not be built. Says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointError {
    /// A region was set without an edge.
    #[error(
        "region {region:?} was set without an edge: region-only hosts stopped working on 2026-04-28; set TWILIO_EDGE too, {suggestion}, or unset the region"
    )]
    RegionWithoutEdge {
        /// The region that was given.
        region: String,
        /// What to set, e.g. `for example TWILIO_EDGE=sydney`.
        suggestion: &'static str,
    },
    /// A region or edge is not a plain host label.
    #[error("{what} {value:?} is not valid: use lowercase letters, digits and '-' only")]
    InvalidLabel {
        /// "region" or "edge".
        what: &'static str,
        /// The value given (regions and edges are not secret).
        value: String,
    },
    /// The base URL did not parse as an absolute URL.
    #[error("the base URL is not an absolute http(s) URL such as https://accounts.twilio.com")]
    InvalidUrl,
    /// The scheme is neither `http` nor `https`.
    #[error("the base URL must use https (or http to a loopback address)")]
    UnsupportedScheme,
    /// Plain HTTP to a host that is not loopback, without [`PlainHttp::Allow`].
    #[error(
        "refusing plain http to {host}: credentials would cross the network unencrypted; use https, a loopback address, or allow plain http explicitly"
    )]
    PlainHttpNotAllowed {
        /// The host that was refused.
        host: String,
    },
    /// The base URL carries a user name or password.
    #[error("the base URL must not contain credentials; pass them as credentials instead")]
    CredentialsInUrl,
    /// The base URL has a query or fragment.
    #[error("the base URL must not have a query or fragment")]
    QueryNotAllowed,
}

/// Why a link the server sent (such as a `next_page_url`) is not followed.
///
/// Following a link elsewhere would send the credentials there, so each
/// way of pointing elsewhere is refused, and named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// The link is not an absolute URL.
    #[error("the server sent a link that is not an absolute URL; refusing to follow it")]
    NotAbsolute,
    /// The link uses another scheme.
    #[error(
        "the server sent a link with scheme {found}, not {expected}; refusing to send credentials there"
    )]
    ForeignScheme {
        /// The endpoint's scheme.
        expected: String,
        /// The link's scheme.
        found: String,
    },
    /// The link names another host.
    #[error("the server sent a link to another host ({found}); refusing to send credentials there")]
    ForeignHost {
        /// The host the link pointed to.
        found: String,
    },
    /// The link names the same host on another port.
    #[error(
        "the server sent a link to port {found} of the same host, not {expected}; refusing to send credentials there",
        found = port_text(*found),
        expected = port_text(*expected)
    )]
    ForeignPort {
        /// The endpoint's port (`None`: the scheme's default).
        expected: Option<u16>,
        /// The link's port (`None`: the scheme's default).
        found: Option<u16>,
    },
    /// The link's path is not under the endpoint's base path.
    #[error("the server sent a link outside the base URL's path ({found}); refusing to follow it")]
    OutsideBase {
        /// The link's path.
        found: String,
    },
    /// A relative link that is not a path from the API's root (it does not
    /// start with exactly one `/`, e.g. `//host/…`, which names a host).
    #[error(
        "the server sent a relative link that is not a path from the API's root; refusing to follow it"
    )]
    NotRooted,
    /// The link leads to another resource than the one it should continue.
    #[error("the server sent a link to {found}, which is not {expected}; refusing to follow it")]
    OtherPath {
        /// The path template it should match.
        expected: &'static str,
        /// The link's path, relative to the base URL.
        found: String,
    },
    /// The link has the list's path shape but other path parameters: it
    /// would continue another list (another account's keys, say).
    #[error(
        "the server sent a link to {found}, another list than the one being read ({expected}); refusing to follow it"
    )]
    OtherList {
        /// The path of the list being read.
        expected: String,
        /// The link's path, relative to the base URL.
        found: String,
    },
    /// The link is the one that fetched the page it came in: following it
    /// again would never end.
    #[error(
        "the server sent, as the next page, the page it just answered ({found}); stopping instead of looping"
    )]
    Repeated {
        /// The link's path and query, relative to the base URL.
        found: String,
    },
}

fn port_text(port: Option<u16>) -> String {
    port.map_or_else(|| "(default)".to_owned(), |p| p.to_string())
}

impl Default for Endpoint {
    fn default() -> Self {
        Endpoint {
            accounts: Origin::https(Authority::from_static(DEFAULT_HOST)),
            api: Origin::https(Authority::from_static(DEFAULT_API_HOST)),
            iam: Origin::https(Authority::from_static(DEFAULT_IAM_HOST)),
        }
    }
}

fn check_label(what: &'static str, value: &str) -> Result<(), EndpointError> {
    let valid = !value.is_empty()
        && value.len() <= 63
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if valid {
        Ok(())
    } else {
        Err(EndpointError::InvalidLabel {
            what,
            value: value.to_owned(),
        })
    }
}

fn edge_suggestion(region: &str) -> &'static str {
    match region {
        "au1" => "for example TWILIO_EDGE=sydney",
        "ie1" => "for example TWILIO_EDGE=dublin",
        "jp1" => "for example TWILIO_EDGE=tokyo",
        "br1" => "for example TWILIO_EDGE=sao-paulo",
        "sg1" => "for example TWILIO_EDGE=singapore",
        "de1" => "for example TWILIO_EDGE=frankfurt",
        "us1" => {
            "for example TWILIO_EDGE=ashburn (us1 is the default region, so unsetting it also works)"
        }
        "us2" => "for example TWILIO_EDGE=umatilla",
        _ => "naming the edge that serves this region",
    }
}

/// Whether `host` (as written in a URL authority) is a loopback address.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl Origin {
    fn https(authority: Authority) -> Self {
        Origin {
            scheme: Scheme::HTTPS,
            authority,
            prefix: String::new(),
        }
    }

    /// A caller-chosen base URL, checked (see [`Endpoint::custom`]).
    fn parse(url: &str, plain_http: PlainHttp) -> Result<Self, EndpointError> {
        let uri: Uri = url.trim().parse().map_err(|_| EndpointError::InvalidUrl)?;
        // `http` lets raw non-ASCII bytes through, which no request line may
        // carry, and which `trim` could then eat from a re-parsed `base_url()`.
        if !uri.path().is_ascii() {
            return Err(EndpointError::InvalidUrl);
        }
        let scheme = uri.scheme().cloned().ok_or(EndpointError::InvalidUrl)?;
        let authority = uri.authority().cloned().ok_or(EndpointError::InvalidUrl)?;
        if authority.as_str().contains('@') {
            return Err(EndpointError::CredentialsInUrl);
        }
        if authority.host().is_empty() {
            return Err(EndpointError::InvalidUrl);
        }
        if uri.query().is_some() || url.contains('#') {
            return Err(EndpointError::QueryNotAllowed);
        }
        if scheme == Scheme::HTTP {
            if plain_http == PlainHttp::LoopbackOnly && !is_loopback_host(authority.host()) {
                return Err(EndpointError::PlainHttpNotAllowed {
                    host: authority.host().to_owned(),
                });
            }
        } else if scheme != Scheme::HTTPS {
            return Err(EndpointError::UnsupportedScheme);
        }
        let prefix = uri.path().trim_end_matches('/').to_owned();
        Ok(Origin {
            scheme,
            authority,
            prefix,
        })
    }

    fn base_url(&self) -> String {
        format!("{}://{}{}", self.scheme, self.authority, self.prefix)
    }

    fn uri(&self, path_and_query: &str) -> Result<Uri, EndpointError> {
        let mut path = String::with_capacity(self.prefix.len() + path_and_query.len());
        path.push_str(&self.prefix);
        path.push_str(path_and_query);
        let mut parts = http::uri::Parts::default();
        parts.scheme = Some(self.scheme.clone());
        parts.authority = Some(self.authority.clone());
        parts.path_and_query =
            Some(PathAndQuery::try_from(path).map_err(|_| EndpointError::InvalidUrl)?);
        Uri::from_parts(parts).map_err(|_| EndpointError::InvalidUrl)
    }

    fn relative_path(&self, url: &str) -> Result<String, LinkError> {
        let uri: Uri = url.parse().map_err(|_| LinkError::NotAbsolute)?;
        let (Some(scheme), Some(authority)) = (uri.scheme(), uri.authority()) else {
            return Err(LinkError::NotAbsolute);
        };
        if scheme != &self.scheme {
            return Err(LinkError::ForeignScheme {
                expected: self.scheme.to_string(),
                found: scheme.to_string(),
            });
        }
        if !authority.host().eq_ignore_ascii_case(self.authority.host()) {
            return Err(LinkError::ForeignHost {
                found: authority.host().to_owned(),
            });
        }
        if !authority
            .as_str()
            .eq_ignore_ascii_case(self.authority.as_str())
        {
            return Err(LinkError::ForeignPort {
                expected: self.authority.port_u16(),
                found: authority.port_u16(),
            });
        }
        let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str());
        let relative = path_and_query
            .strip_prefix(self.prefix.as_str())
            .filter(|rest| rest.starts_with('/'))
            .ok_or_else(|| LinkError::OutsideBase {
                found: uri.path().to_owned(),
            })?;
        Ok(relative.to_owned())
    }
}

impl Endpoint {
    /// The hosts for an optional region and edge (the `TWILIO_REGION` and
    /// `TWILIO_EDGE` settings), the same rule for every service. Empty
    /// strings count as unset.
    pub fn for_location(region: Option<&str>, edge: Option<&str>) -> Result<Self, EndpointError> {
        let region = region.filter(|r| !r.is_empty());
        let edge = edge.filter(|e| !e.is_empty());
        let (region, edge) = match (region, edge) {
            (None, None) => return Ok(Endpoint::default()),
            (Some(region), None) => {
                check_label("region", region)?;
                return Err(EndpointError::RegionWithoutEdge {
                    region: region.to_owned(),
                    suggestion: edge_suggestion(region),
                });
            }
            (region, Some(edge)) => (region.unwrap_or("us1"), edge),
        };
        check_label("region", region)?;
        check_label("edge", edge)?;
        let origin = |service: Service| {
            let host = format!("{}.{edge}.{region}.twilio.com", service.host_label());
            Authority::try_from(host)
                .map(Origin::https)
                .map_err(|_| EndpointError::InvalidUrl)
        };
        Ok(Endpoint {
            accounts: origin(Service::Accounts)?,
            api: origin(Service::Api)?,
            iam: origin(Service::Iam)?,
        })
    }

    /// A caller-chosen base URL such as `http://127.0.0.1:8080` or
    /// `https://proxy.example.com/twilio`, for every service (the simulator
    /// serves every API on one address). A trailing `/` is ignored; the path
    /// must be ASCII (percent-encode anything else).
    pub fn custom(url: &str, plain_http: PlainHttp) -> Result<Self, EndpointError> {
        let origin = Origin::parse(url, plain_http)?;
        Ok(Endpoint {
            api: origin.clone(),
            iam: origin.clone(),
            accounts: origin,
        })
    }

    /// The same endpoint with another base URL for the 2010 API only, under
    /// the rules of [`custom`](Self::custom): for a gateway or a test server
    /// that serves the two APIs at different addresses.
    ///
    /// The transport's TLS and proxy settings follow the Accounts v1 base
    /// URL ([`is_https`](Self::is_https), [`host`](Self::host)); give both
    /// base URLs the same scheme.
    pub fn with_api_base_url(
        self,
        url: &str,
        plain_http: PlainHttp,
    ) -> Result<Self, EndpointError> {
        self.with_base_url_for(Service::Api, url, plain_http)
    }

    /// The same endpoint with another base URL for `service` only, under the
    /// rules of [`custom`](Self::custom) (the same caveat about TLS as
    /// [`with_api_base_url`](Self::with_api_base_url)).
    pub fn with_base_url_for(
        mut self,
        service: Service,
        url: &str,
        plain_http: PlainHttp,
    ) -> Result<Self, EndpointError> {
        let origin = Origin::parse(url, plain_http)?;
        match service {
            Service::Accounts => self.accounts = origin,
            Service::Api => self.api = origin,
            Service::Iam => self.iam = origin,
        }
        Ok(self)
    }

    fn origin(&self, service: Service) -> &Origin {
        match service {
            Service::Accounts => &self.accounts,
            Service::Api => &self.api,
            Service::Iam => &self.iam,
        }
    }

    /// The Accounts v1 base URL, without a trailing `/`.
    pub fn base_url(&self) -> String {
        self.accounts.base_url()
    }

    /// The base URL of `service`, without a trailing `/`.
    pub fn base_url_for(&self, service: Service) -> String {
        self.origin(service).base_url()
    }

    /// The Accounts v1 host name or address.
    pub fn host(&self) -> &str {
        self.accounts.authority.host()
    }

    /// Whether Accounts v1 requests use TLS.
    pub fn is_https(&self) -> bool {
        self.accounts.scheme == Scheme::HTTPS
    }

    /// Whether the Accounts v1 host is a loopback address.
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(self.accounts.authority.host())
    }

    /// The absolute URI of `path_and_query` (which starts with `/`) under
    /// the Accounts v1 base URL.
    pub fn uri(&self, path_and_query: &str) -> Result<Uri, EndpointError> {
        self.accounts.uri(path_and_query)
    }

    /// The absolute URI of `path_and_query` (which starts with `/`) under
    /// the base URL of `service`.
    pub fn uri_for(&self, service: Service, path_and_query: &str) -> Result<Uri, EndpointError> {
        self.origin(service).uri(path_and_query)
    }

    /// Checks that a URL the server sent (such as a paging link) points to
    /// the Accounts v1 base URL, and returns its path and query relative to
    /// it.
    ///
    /// Following a link to another host would send the credentials there, so
    /// any other scheme, host or port is refused, and so is a path outside
    /// the base URL's path.
    pub fn relative_path(&self, url: &str) -> Result<String, LinkError> {
        self.accounts.relative_path(url)
    }

    /// Checks a paging link the server sent for `service` and returns its
    /// path and query relative to that service's base URL.
    ///
    /// An absolute link must point to the service's base URL, as in
    /// [`relative_path`](Self::relative_path). A relative one is accepted
    /// only from a service whose links are relative
    /// ([`Service::links_are_relative`]) and only as a path from the API's
    /// root (`/2010-04-01/…`, not `//host/…`); it then lies under the base
    /// URL by construction.
    pub fn resolve_link(&self, service: Service, link: &str) -> Result<String, LinkError> {
        if !(service.links_are_relative() && link.starts_with('/')) {
            return self.origin(service).relative_path(link);
        }
        if link.starts_with("//") || link.contains('\\') || !link.is_ascii() {
            return Err(LinkError::NotRooted);
        }
        let path_and_query = PathAndQuery::try_from(link).map_err(|_| LinkError::NotRooted)?;
        Ok(path_and_query.as_str().to_owned())
    }
}

/// `Endpoint(https://accounts.twilio.com)`, and the 2010 API's and IAM
/// v1's base URLs after it when they are not the Accounts one.
impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let accounts = self.accounts.base_url();
        write!(f, "Endpoint({accounts}")?;
        for (name, origin) in [("2010 API", &self.api), ("IAM v1", &self.iam)] {
            let url = origin.base_url();
            if url != accounts {
                write!(f, ", {name} {url}")?;
            }
        }
        f.write_str(")")
    }
}

/// The Accounts v1 base URL (the one a user sets).
impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base_url())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_accounts_twilio_com_over_https() {
        let e = Endpoint::default();
        assert_eq!(e.base_url(), "https://accounts.twilio.com");
        assert!(e.is_https());
        assert_eq!(
            e.uri("/v1/AuthTokens/Promote").unwrap().to_string(),
            "https://accounts.twilio.com/v1/AuthTokens/Promote"
        );
    }

    #[test]
    fn no_region_and_no_edge_is_the_default() {
        assert_eq!(
            Endpoint::for_location(None, None).unwrap(),
            Endpoint::default()
        );
        assert_eq!(
            Endpoint::for_location(Some(""), Some("")).unwrap(),
            Endpoint::default()
        );
    }

    #[test]
    fn edge_and_region_build_the_regional_host() {
        let e = Endpoint::for_location(Some("ie1"), Some("dublin")).unwrap();
        assert_eq!(e.base_url(), "https://accounts.dublin.ie1.twilio.com");
    }

    #[test]
    fn an_edge_without_a_region_means_us1() {
        let e = Endpoint::for_location(None, Some("ashburn")).unwrap();
        assert_eq!(e.base_url(), "https://accounts.ashburn.us1.twilio.com");
    }

    #[test]
    fn a_region_without_an_edge_is_refused_with_what_to_set() {
        let err = Endpoint::for_location(Some("au1"), None).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("TWILIO_EDGE"), "{text}");
        assert!(text.contains("sydney"), "{text}");
        assert!(text.contains("2026-04-28"), "{text}");
        assert!(matches!(
            Endpoint::for_location(Some("us1"), None),
            Err(EndpointError::RegionWithoutEdge { .. })
        ));
    }

    #[test]
    fn labels_cannot_inject_into_the_host() {
        for bad in ["evil.com/", "Sydney", "a b", "-x", "x-", "a.b"] {
            assert!(matches!(
                Endpoint::for_location(Some("au1"), Some(bad)),
                Err(EndpointError::InvalidLabel { what: "edge", .. })
            ));
        }
    }

    #[test]
    fn plain_http_is_allowed_to_loopback_only_by_default() {
        for ok in [
            "http://127.0.0.1:1234",
            "http://127.1.2.3",
            "http://localhost:80/",
            "http://[::1]:8080",
        ] {
            assert!(
                Endpoint::custom(ok, PlainHttp::LoopbackOnly).is_ok(),
                "{ok}"
            );
        }
        for refused in ["http://10.0.0.1", "http://example.com", "http://[::2]:80"] {
            assert!(matches!(
                Endpoint::custom(refused, PlainHttp::LoopbackOnly),
                Err(EndpointError::PlainHttpNotAllowed { .. })
            ));
            assert!(Endpoint::custom(refused, PlainHttp::Allow).is_ok());
        }
        assert!(Endpoint::custom("https://example.com", PlainHttp::LoopbackOnly).is_ok());
    }

    #[test]
    fn rejects_malformed_base_urls() {
        assert_eq!(
            Endpoint::custom("accounts.twilio.com", PlainHttp::Allow),
            Err(EndpointError::InvalidUrl)
        );
        assert_eq!(
            Endpoint::custom("ftp://example.com", PlainHttp::Allow),
            Err(EndpointError::UnsupportedScheme)
        );
        assert_eq!(
            Endpoint::custom("https://user:pw@example.com", PlainHttp::Allow),
            Err(EndpointError::CredentialsInUrl)
        );
        assert_eq!(
            Endpoint::custom("https://example.com/?a=b", PlainHttp::Allow),
            Err(EndpointError::QueryNotAllowed)
        );
        assert_eq!(
            Endpoint::custom("", PlainHttp::Allow),
            Err(EndpointError::InvalidUrl)
        );
    }

    #[test]
    fn a_base_url_path_must_be_ascii() {
        // Found by fuzzing: `http` accepted raw non-breaking spaces in the
        // path, and `base_url()` then re-parsed (trimmed) to another endpoint.
        assert_eq!(
            Endpoint::custom("http://127.0.0.1//!\u{a0}\u{a0}/", PlainHttp::LoopbackOnly),
            Err(EndpointError::InvalidUrl)
        );
        assert_eq!(
            Endpoint::custom("https://example.com/caf\u{e9}", PlainHttp::LoopbackOnly),
            Err(EndpointError::InvalidUrl)
        );
        let encoded = Endpoint::custom("https://example.com/caf%C3%A9", PlainHttp::LoopbackOnly);
        assert_eq!(encoded.unwrap().base_url(), "https://example.com/caf%C3%A9");
        // Whitespace pasted around a URL is still ignored.
        let pasted = Endpoint::custom(
            "\u{a0} https://example.com/twilio\u{a0}\n",
            PlainHttp::Allow,
        );
        assert_eq!(pasted.unwrap().base_url(), "https://example.com/twilio");
    }

    #[test]
    fn keeps_a_path_prefix_and_drops_a_trailing_slash() {
        let e =
            Endpoint::custom("https://proxy.example.com/twilio/", PlainHttp::LoopbackOnly).unwrap();
        assert_eq!(e.base_url(), "https://proxy.example.com/twilio");
        assert_eq!(
            e.uri("/v1/AuthTokens/Promote").unwrap().to_string(),
            "https://proxy.example.com/twilio/v1/AuthTokens/Promote"
        );
    }

    #[test]
    fn each_service_has_its_host_under_the_same_edge_and_region_rule() {
        let cases = [
            (
                Endpoint::default(),
                "https://accounts.twilio.com",
                "https://api.twilio.com",
            ),
            (
                Endpoint::for_location(Some("ie1"), Some("dublin")).unwrap(),
                "https://accounts.dublin.ie1.twilio.com",
                "https://api.dublin.ie1.twilio.com",
            ),
            (
                Endpoint::for_location(None, Some("ashburn")).unwrap(),
                "https://accounts.ashburn.us1.twilio.com",
                "https://api.ashburn.us1.twilio.com",
            ),
            (
                Endpoint::custom("http://127.0.0.1:4010/", PlainHttp::LoopbackOnly).unwrap(),
                "http://127.0.0.1:4010",
                "http://127.0.0.1:4010",
            ),
            (
                Endpoint::custom("https://proxy.example.com/twilio", PlainHttp::LoopbackOnly)
                    .unwrap()
                    .with_api_base_url("https://proxy.example.com/api/", PlainHttp::LoopbackOnly)
                    .unwrap(),
                "https://proxy.example.com/twilio",
                "https://proxy.example.com/api",
            ),
        ];
        for (endpoint, accounts, api) in cases {
            // IAM v1 follows the same rules as the 2010 API: its own label on
            // Twilio's hosts, the same base URL as Accounts v1 on a custom one.
            let iam = endpoint.base_url_for(Service::Iam);
            if accounts.contains("twilio.com") {
                assert_eq!(iam, api.replacen("://api.", "://iam.", 1));
            } else {
                assert_eq!(iam, accounts);
            }
            assert_eq!(endpoint.base_url_for(Service::Accounts), accounts);
            assert_eq!(endpoint.base_url(), accounts);
            assert_eq!(endpoint.base_url_for(Service::Api), api);
            assert_eq!(
                endpoint
                    .uri_for(Service::Api, "/2010-04-01/Accounts.json")
                    .unwrap()
                    .to_string(),
                format!("{api}/2010-04-01/Accounts.json")
            );
        }
        // A region without an edge is refused for every service at once.
        assert!(Endpoint::for_location(Some("au1"), None).is_err());
    }

    #[test]
    fn a_separate_api_base_url_follows_the_custom_rules() {
        let local = Endpoint::custom("http://127.0.0.1:1", PlainHttp::LoopbackOnly).unwrap();
        assert!(matches!(
            local
                .clone()
                .with_api_base_url("http://example.com", PlainHttp::LoopbackOnly),
            Err(EndpointError::PlainHttpNotAllowed { .. })
        ));
        assert_eq!(
            local
                .clone()
                .with_api_base_url("https://u:p@example.com", PlainHttp::Allow),
            Err(EndpointError::CredentialsInUrl)
        );
        let split = local
            .with_api_base_url("http://127.0.0.1:2", PlainHttp::LoopbackOnly)
            .unwrap();
        assert_eq!(
            format!("{split:?}"),
            "Endpoint(http://127.0.0.1:1, 2010 API http://127.0.0.1:2)"
        );
        assert_eq!(split.to_string(), "http://127.0.0.1:1");
    }

    #[test]
    fn relative_links_are_accepted_only_where_the_service_writes_them() {
        let e = Endpoint::default();
        let link = "/2010-04-01/Accounts.json?PageSize=2&Page=1&PageToken=PAab";
        assert_eq!(e.resolve_link(Service::Api, link).unwrap(), link);
        // Accounts v1 sends absolute links only: a relative one is refused.
        assert_eq!(
            e.resolve_link(Service::Accounts, link),
            Err(LinkError::NotAbsolute)
        );
        let cases = [
            (
                "//evil.example/2010-04-01/Accounts.json",
                LinkError::NotRooted,
            ),
            ("/2010-04-01/Accounts.json?\\x", LinkError::NotRooted),
            ("/2010-04-01/Accounts.json?caf\u{e9}", LinkError::NotRooted),
            ("/2010-04-01/Accounts.json?a b", LinkError::NotRooted),
            ("2010-04-01/Accounts.json", LinkError::NotAbsolute),
            (
                "https://evil.example/2010-04-01/Accounts.json",
                LinkError::ForeignHost {
                    found: "evil.example".into(),
                },
            ),
            (
                // An absolute link to the Accounts host is not the 2010 API's.
                "https://accounts.twilio.com/2010-04-01/Accounts.json",
                LinkError::ForeignHost {
                    found: "accounts.twilio.com".into(),
                },
            ),
        ];
        for (link, expected) in cases {
            assert_eq!(e.resolve_link(Service::Api, link), Err(expected), "{link}");
        }
        // An absolute link to the 2010 host is checked like a v1 link.
        assert_eq!(
            e.resolve_link(
                Service::Api,
                "https://api.twilio.com/2010-04-01/Accounts.json?Page=1"
            )
            .unwrap(),
            "/2010-04-01/Accounts.json?Page=1"
        );
    }

    #[test]
    fn relative_path_accepts_links_to_this_endpoint_only() {
        let e = Endpoint::default();
        assert_eq!(
            e.relative_path(
                "https://accounts.twilio.com/v1/Credentials/PublicKeys?PageSize=50&Page=1"
            )
            .unwrap(),
            "/v1/Credentials/PublicKeys?PageSize=50&Page=1"
        );
        let cases = [
            (
                "https://evil.example.com/v1/Credentials/PublicKeys",
                LinkError::ForeignHost {
                    found: "evil.example.com".into(),
                },
            ),
            (
                "http://accounts.twilio.com/v1/Credentials/PublicKeys",
                LinkError::ForeignScheme {
                    expected: "https".into(),
                    found: "http".into(),
                },
            ),
            (
                "https://accounts.twilio.com:8443/v1/Credentials/PublicKeys",
                LinkError::ForeignPort {
                    expected: None,
                    found: Some(8443),
                },
            ),
            ("/v1/Credentials/PublicKeys", LinkError::NotAbsolute),
        ];
        for (link, expected) in cases {
            assert_eq!(e.relative_path(link), Err(expected), "{link}");
        }
        let prefixed =
            Endpoint::custom("https://proxy.example.com/twilio", PlainHttp::LoopbackOnly).unwrap();
        assert_eq!(
            prefixed.relative_path("https://proxy.example.com/other/v1/Credentials/PublicKeys"),
            Err(LinkError::OutsideBase {
                found: "/other/v1/Credentials/PublicKeys".into()
            })
        );
    }
}
