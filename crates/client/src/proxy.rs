//! HTTP proxies: `HTTPS_PROXY`, `http_proxy`, `ALL_PROXY` and `NO_PROXY`,
//! parsed and matched without any I/O.
//!
//! Both adapters use a proxy only when the application asks for one
//! ([`ProxyMode`](crate::ProxyMode)); then this module decides which proxy,
//! if any, carries the requests to an [`Endpoint`]. The environment comes in
//! as a lookup function, as everywhere in the client crate: this module
//! reads no variable itself.
//!
//! The rules, close to curl's:
//! - `https_proxy` / `HTTPS_PROXY` for `https` endpoints, `http_proxy` for
//!   `http` ones, `all_proxy` / `ALL_PROXY` as the fallback for both; the
//!   lowercase name is read first. Empty values count as unset.
//! - `HTTP_PROXY` in upper case is ignored, as curl ignores it ("httpoxy"):
//!   a CGI server puts a request's `Proxy:` header in `HTTP_PROXY`, so a
//!   client that read it would send its credentials wherever a caller's
//!   header said.
//! - Only `http://` proxies are supported (the adapters tunnel with
//!   `CONNECT`); a URL without a scheme means `http://`; the default port
//!   is 80. Other schemes (`https://`, `socks5://`) are refused with an error
//!   rather than silently bypassed.
//! - `no_proxy` / `NO_PROXY` is a comma-separated list: `*` (everything), a
//!   domain (`example.com`, `.example.com` and `*.example.com` all match the
//!   domain and its subdomains), an IP address, or an IP network in CIDR
//!   notation (`10.0.0.0/8`), each optionally with `:port`. Matching is
//!   case-insensitive and never resolves names.
//! - Loopback endpoints (`127.0.0.0/8`, `::1`, `localhost`) never go through
//!   a proxy.
//! - A proxy's user name and password are sent as `Proxy-Authorization:
//!   Basic`; the password is wiped on drop and `Debug` prints `[redacted]`.
//!   Errors never repeat the URL (it may hold the password).
//!
//! ```
//! use std::collections::HashMap;
//! use twilio_accounts_client::{Endpoint, ProxyConfig};
//!
//! let env = HashMap::from([
//!     ("HTTPS_PROXY", "http://user:s3cret@proxy.internal:3128"),
//!     ("NO_PROXY", ".corp.example,10.0.0.0/8"),
//! ]);
//! let proxies = ProxyConfig::from_env(|name| env.get(name).map(|v| v.to_string()))?;
//!
//! let proxy = proxies.for_endpoint(&Endpoint::default()).expect("twilio.com is proxied");
//! assert_eq!(proxy.authority(), "proxy.internal:3128");
//! assert!(!format!("{proxy:?}").contains("s3cret"));
//!
//! let internal = Endpoint::custom("https://twilio.corp.example", Default::default())?;
//! assert!(proxies.for_endpoint(&internal).is_none());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::net::IpAddr;

use base64::Engine as _;
use http::HeaderValue;
use http::uri::Authority;
use percent_encoding::percent_decode_str;
use zeroize::Zeroizing;

use twilio_accounts_core::Endpoint;

/// The proxy for `https` endpoints (also read in lowercase, first).
pub const ENV_HTTPS_PROXY: &str = "HTTPS_PROXY";
/// The proxy for `http` endpoints, read in lowercase only: `HTTP_PROXY` is
/// what a CGI server makes of a request's `Proxy:` header (httpoxy).
pub const ENV_HTTP_PROXY: &str = "http_proxy";
/// The proxy for both when the specific one is unset (also read in lowercase, first).
pub const ENV_ALL_PROXY: &str = "ALL_PROXY";
/// Hosts that bypass the proxy (also read in lowercase, first).
pub const ENV_NO_PROXY: &str = "NO_PROXY";

/// Why a proxy setting was refused. Never contains the URL (it may hold a
/// password); names the setting to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    /// The value is not `[http://][user[:password]@]host[:port][/]`.
    #[error("{setting} is not a proxy URL of the form http://[user:password@]host[:port]")]
    InvalidUrl {
        /// The variable or option that held it, e.g. `HTTPS_PROXY`.
        setting: &'static str,
    },
    /// The proxy's scheme is not `http`.
    #[error(
        "{setting} uses the {scheme:?} scheme; only http:// proxies are supported (requests to https endpoints are tunnelled through them with CONNECT)"
    )]
    UnsupportedScheme {
        /// The variable or option that held it.
        setting: &'static str,
        /// The scheme that was given, lowercased.
        scheme: String,
    },
}

/// An `http://` proxy: where to connect, and optional Basic credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    /// Host name, IPv4 address, or IPv6 address in brackets.
    host: String,
    port: u16,
    username: Option<String>,
    password: Option<Zeroizing<String>>,
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProxyUrl(http://")?;
        if let Some(user) = &self.username {
            write!(f, "{user}")?;
            if self.password.is_some() {
                write!(f, ":{}", twilio_accounts_core::REDACTED)?;
            }
            f.write_str("@")?;
        }
        write!(f, "{})", self.authority())
    }
}

/// Decodes `%XX` escapes (user names and passwords in URLs). `None` when a
/// `%` is not followed by two hex digits (the decoder would keep it as it is)
/// or the result is not UTF-8.
fn percent_decode(text: &str) -> Option<Zeroizing<String>> {
    let escapes_ok = text.split('%').skip(1).all(|after| {
        after
            .get(..2)
            .is_some_and(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
    });
    if !escapes_ok {
        return None;
    }
    let mut bytes = Zeroizing::new(Vec::with_capacity(text.len()));
    bytes.extend(percent_decode_str(text));
    let text = std::str::from_utf8(&bytes).ok()?;
    Some(Zeroizing::new(text.to_owned()))
}

fn valid_host_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
}

/// Splits `host[:port]` where host may be `[v6]` (kept in brackets), with
/// `http`'s authority parser; `None` for what is not an authority without
/// user info.
fn split_host_port(text: &str) -> Option<(&str, Option<&str>)> {
    let authority: Authority = text.parse().ok().filter(|_| !text.contains('@'))?;
    let (host, rest) = text.split_at(authority.host().len());
    match rest {
        "" => Some((host, None)),
        _ => Some((host, Some(rest.strip_prefix(':')?))),
    }
}

impl ProxyUrl {
    /// Parses `[http://][user[:password]@]host[:port][/]`. `setting` names
    /// where the value came from, for the error.
    ///
    /// ```
    /// use twilio_accounts_client::ProxyUrl;
    ///
    /// let proxy = ProxyUrl::parse("proxy.example.com:3128", "HTTPS_PROXY")?;
    /// assert_eq!(proxy.uri(), "http://proxy.example.com:3128");
    /// assert!(ProxyUrl::parse("socks5://proxy:1080", "ALL_PROXY").is_err());
    /// # Ok::<(), twilio_accounts_client::ProxyError>(())
    /// ```
    pub fn parse(value: &str, setting: &'static str) -> Result<Self, ProxyError> {
        let invalid = || ProxyError::InvalidUrl { setting };
        let value = value.trim();
        let rest = match value.split_once("://") {
            Some((scheme, rest)) => {
                if !scheme.eq_ignore_ascii_case("http") {
                    return Err(ProxyError::UnsupportedScheme {
                        setting,
                        scheme: scheme.to_ascii_lowercase(),
                    });
                }
                rest
            }
            None => value,
        };
        let authority = match rest.split_once('/') {
            Some((authority, "")) => authority,
            Some(_) => return Err(invalid()),
            None => rest,
        };
        let (userinfo, host_port) = match authority.rsplit_once('@') {
            Some((userinfo, host_port)) => (Some(userinfo), host_port),
            None => (None, authority),
        };
        let (username, password) = match userinfo {
            None => (None, None),
            Some(info) => {
                let (user, password) = match info.split_once(':') {
                    Some((user, password)) => (user, Some(password)),
                    None => (info, None),
                };
                let user = percent_decode(user).ok_or_else(invalid)?;
                let password = password.map(|p| percent_decode(p).ok_or_else(invalid));
                (Some(user.as_str().to_owned()), password.transpose()?)
            }
        };
        let (host, port) = split_host_port(host_port).ok_or_else(invalid)?;
        let host_ok = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
            None => valid_host_name(host),
        };
        if !host_ok {
            return Err(invalid());
        }
        let port = match port {
            None => 80,
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(invalid)?,
        };
        Ok(ProxyUrl {
            host: host.to_ascii_lowercase(),
            port,
            username,
            password,
        })
    }

    /// The proxy's host (IPv6 addresses in brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `host:port`, what a client connects to.
    pub fn authority(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// `http://host:port`, without credentials.
    pub fn uri(&self) -> String {
        format!("http://{}", self.authority())
    }

    /// The user name, when the URL had one.
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    /// The password, when the URL had one. Every use is a deliberate act.
    pub fn expose_password(&self) -> Option<&str> {
        self.password.as_ref().map(|p| p.as_str())
    }

    /// The `Proxy-Authorization: Basic …` value (marked sensitive), when the
    /// URL carried a user name.
    pub fn basic_authorization(&self) -> Option<HeaderValue> {
        let user = self.username.as_deref()?;
        let mut plain = Zeroizing::new(String::new());
        plain.push_str(user);
        plain.push(':');
        plain.push_str(self.expose_password().unwrap_or(""));
        let mut header = Zeroizing::new(String::from("Basic "));
        base64::engine::general_purpose::STANDARD.encode_string(plain.as_bytes(), &mut header);
        let mut value = HeaderValue::from_str(&header).ok()?;
        value.set_sensitive(true);
        Some(value)
    }
}

/// One `NO_PROXY` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    /// A domain, lowercased, without leading `.` / `*.` and trailing `.`.
    Domain(String),
    /// An IP network (a single address has the full prefix length).
    Network(IpAddr, u8),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct NoProxyEntry {
    pattern: Pattern,
    port: Option<u16>,
}

/// A `NO_PROXY` list: the hosts that are reached directly.
///
/// ```
/// use twilio_accounts_client::NoProxy;
///
/// let list = NoProxy::parse("localhost, .example.com, 192.168.0.0/16, api.test:8443");
/// assert!(list.matches("www.example.com", 443));
/// assert!(list.matches("example.com", 443));
/// assert!(!list.matches("notexample.com", 443));
/// assert!(list.matches("192.168.4.2", 80));
/// assert!(list.matches("api.test", 8443));
/// assert!(!list.matches("api.test", 443));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoProxy {
    everything: bool,
    entries: Vec<NoProxyEntry>,
}

fn ip_of(host: &str) -> Option<IpAddr> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse().ok()
}

fn in_network(ip: IpAddr, network: IpAddr, prefix: u8) -> bool {
    match (ip, network) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let prefix = u32::from(prefix.min(32));
            let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let prefix = u32::from(prefix.min(128));
            let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

impl NoProxy {
    /// Parses a comma-separated list. Lenient like curl: whitespace around
    /// entries is ignored, an entry that is not an address is a domain, and
    /// one that is no `host[:port]` at all is skipped.
    pub fn parse(list: &str) -> Self {
        let mut no_proxy = NoProxy::default();
        for raw in list.split(',') {
            let entry = raw.trim().to_ascii_lowercase();
            if entry.is_empty() {
                continue;
            }
            if entry == "*" {
                no_proxy.everything = true;
                continue;
            }
            if let Some(parsed) = Self::parse_entry(&entry) {
                no_proxy.entries.push(parsed);
            }
        }
        no_proxy
    }

    fn parse_entry(entry: &str) -> Option<NoProxyEntry> {
        let full = |ip: IpAddr| if ip.is_ipv4() { 32 } else { 128 };
        // CIDR: address/prefix (no port).
        if let Some((address, prefix)) = entry.split_once('/') {
            let ip = ip_of(address)?;
            let prefix: u8 = prefix.parse().ok().filter(|p| *p <= full(ip))?;
            let pattern = Pattern::Network(ip, prefix);
            return Some(NoProxyEntry {
                pattern,
                port: None,
            });
        }
        // A bare IPv6 address has colons but no port.
        let (host, port) = match entry.parse::<IpAddr>() {
            Ok(_) => (entry, None),
            Err(_) => split_host_port(entry)?,
        };
        let port = port.map(str::parse::<u16>).transpose().ok()?;
        if let Some(ip) = ip_of(host) {
            let pattern = Pattern::Network(ip, full(ip));
            return Some(NoProxyEntry { pattern, port });
        }
        let domain = host
            .trim_start_matches("*.")
            .trim_start_matches('.')
            .trim_end_matches('.');
        let pattern = Pattern::Domain(domain.to_owned());
        (!domain.is_empty()).then_some(NoProxyEntry { pattern, port })
    }

    /// Whether `host` (a name, an IPv4 address, or an IPv6 address with or
    /// without brackets) on `port` bypasses the proxy.
    pub fn matches(&self, host: &str, port: u16) -> bool {
        if self.everything {
            return true;
        }
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let ip = ip_of(&host);
        self.entries.iter().any(|entry| {
            if entry.port.is_some_and(|p| p != port) {
                return false;
            }
            match (&entry.pattern, ip) {
                (Pattern::Network(net, prefix), Some(ip)) => in_network(ip, *net, *prefix),
                (Pattern::Domain(domain), None) => {
                    host == *domain
                        || host
                            .strip_suffix(domain.as_str())
                            .is_some_and(|rest| rest.ends_with('.'))
                }
                _ => false,
            }
        })
    }

    /// Whether the list is empty (nothing bypasses the proxy).
    pub fn is_empty(&self) -> bool {
        !self.everything && self.entries.is_empty()
    }
}

/// Which proxy to use for which endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyConfig {
    /// The proxy for `https` endpoints.
    pub https: Option<ProxyUrl>,
    /// The proxy for `http` endpoints.
    pub http: Option<ProxyUrl>,
    /// The hosts reached directly.
    pub no_proxy: NoProxy,
}

impl ProxyConfig {
    /// One proxy for every endpoint (no exceptions but loopback).
    pub fn all(proxy: ProxyUrl) -> Self {
        ProxyConfig {
            https: Some(proxy.clone()),
            http: Some(proxy),
            no_proxy: NoProxy::default(),
        }
    }

    /// Replaces the bypass list.
    pub fn with_no_proxy(mut self, no_proxy: NoProxy) -> Self {
        self.no_proxy = no_proxy;
        self
    }

    /// Reads the proxy variables through `lookup` (see the module docs for
    /// which and in what order).
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ProxyError> {
        let set = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let read = |upper: &'static str| -> Option<(String, &'static str)> {
            set(&upper.to_ascii_lowercase())
                .or_else(|| set(upper))
                .map(|v| (v, upper))
        };
        let parse =
            |found: Option<(String, &'static str)>| -> Result<Option<ProxyUrl>, ProxyError> {
                match found {
                    Some((value, setting)) => ProxyUrl::parse(&value, setting).map(Some),
                    None => Ok(None),
                }
            };
        let all = read(ENV_ALL_PROXY);
        let https = parse(read(ENV_HTTPS_PROXY).or_else(|| all.clone()))?;
        let http = parse(set(ENV_HTTP_PROXY).map(|v| (v, ENV_HTTP_PROXY)).or(all))?;
        let no_proxy = read(ENV_NO_PROXY)
            .map(|(list, _)| NoProxy::parse(&list))
            .unwrap_or_default();
        Ok(ProxyConfig {
            https,
            http,
            no_proxy,
        })
    }

    /// The proxy for requests to `endpoint`, or `None` to connect directly
    /// (no proxy for its scheme, a loopback host, or a `NO_PROXY` match).
    pub fn for_endpoint(&self, endpoint: &Endpoint) -> Option<&ProxyUrl> {
        if endpoint.is_loopback() {
            return None;
        }
        let proxy = if endpoint.is_https() {
            self.https.as_ref()
        } else {
            self.http.as_ref()
        }?;
        let port = endpoint_port(endpoint);
        if self.no_proxy.matches(endpoint.host(), port) {
            return None;
        }
        Some(proxy)
    }
}

/// The port an endpoint's requests go to (explicit, or the scheme's default).
pub fn endpoint_port(endpoint: &Endpoint) -> u16 {
    let default = if endpoint.is_https() { 443 } else { 80 };
    endpoint
        .uri("/")
        .ok()
        .and_then(|uri| uri.port_u16())
        .unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use twilio_accounts_core::PlainHttp;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        move |name| map.get(name).map(|value| value.to_string())
    }

    fn endpoint(url: &str) -> Endpoint {
        Endpoint::custom(url, PlainHttp::Allow).unwrap()
    }

    /// httpoxy: CGI puts a request's `Proxy:` header in `HTTP_PROXY`, so
    /// only `http_proxy` chooses the proxy of `http` endpoints (as in curl).
    #[test]
    fn upper_case_http_proxy_is_ignored_and_lower_case_read() {
        let plain = endpoint("http://api.example:8080");
        let upper = ProxyConfig::from_env(env(&[("HTTP_PROXY", "http://attacker:3128")])).unwrap();
        assert_eq!(upper.for_endpoint(&plain), None);
        let lower = ProxyConfig::from_env(env(&[
            ("HTTP_PROXY", "http://attacker:3128"),
            ("http_proxy", "http://proxy.internal:3128"),
        ]))
        .unwrap();
        let chosen = lower.for_endpoint(&plain).expect("http_proxy is read");
        assert_eq!(chosen.authority(), "proxy.internal:3128");
    }

    #[test]
    fn parses_scheme_credentials_host_and_port() {
        let p = ProxyUrl::parse("HTTP://us%40er:p%3Ass@Proxy.Example:3128/", "X").unwrap();
        assert_eq!(p.host(), "proxy.example");
        assert_eq!(p.port(), 3128);
        assert_eq!(p.username(), Some("us@er"));
        assert_eq!(p.expose_password(), Some("p:ss"));
        assert_eq!(p.uri(), "http://proxy.example:3128");
    }

    #[test]
    fn a_missing_scheme_means_http_and_a_missing_port_means_80() {
        let p = ProxyUrl::parse("proxy.example", "X").unwrap();
        assert_eq!(p.authority(), "proxy.example:80");
        let v6 = ProxyUrl::parse("http://[::1]:8080", "X").unwrap();
        assert_eq!(v6.authority(), "[::1]:8080");
    }

    #[test]
    fn other_schemes_are_refused_by_name() {
        for (value, scheme) in [
            ("https://proxy:443", "https"),
            ("socks5://proxy:1080", "socks5"),
        ] {
            assert_eq!(
                ProxyUrl::parse(value, "ALL_PROXY"),
                Err(ProxyError::UnsupportedScheme {
                    setting: "ALL_PROXY",
                    scheme: scheme.to_owned()
                })
            );
        }
    }

    #[test]
    fn malformed_urls_are_refused_without_repeating_them() {
        for bad in [
            "http://",
            "http://user:pw@",
            "http://host:99999",
            "http://host:0",
            "http://host:port",
            "http://ho st",
            "http://host/path",
            "http://[zz]:1",
            "http://a%zzb@host",
        ] {
            let err = ProxyUrl::parse(bad, "HTTPS_PROXY").unwrap_err();
            assert_eq!(
                err,
                ProxyError::InvalidUrl {
                    setting: "HTTPS_PROXY"
                },
                "{bad}"
            );
            assert!(!err.to_string().contains("pw"));
        }
    }

    #[test]
    fn a_percent_sign_in_user_info_needs_two_hex_digits() {
        for bad in ["a%", "a%4", "a%+1", "a%-1", "a%4g", "a%%41", "a%\u{e9}9"] {
            let user = format!("http://{bad}:pw@host");
            assert!(ProxyUrl::parse(&user, "X").is_err(), "{bad}");
            let password = format!("http://u:{bad}@host");
            assert!(ProxyUrl::parse(&password, "X").is_err(), "{bad}");
        }
        let p = ProxyUrl::parse("http://%41%c3%A9:%2f%25@host", "X").unwrap();
        assert_eq!(p.username(), Some("A\u{e9}"));
        assert_eq!(p.expose_password(), Some("/%"));
        // Escapes must decode to UTF-8.
        assert!(ProxyUrl::parse("http://%ff@host", "X").is_err());
    }

    #[test]
    fn the_password_is_redacted_in_debug_and_sent_as_basic_auth() {
        let p = ProxyUrl::parse("http://alice:hunter2@proxy:3128", "X").unwrap();
        let debug = format!("{p:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("alice:[redacted]@proxy:3128"), "{debug}");
        let header = p.basic_authorization().unwrap();
        assert!(header.is_sensitive());
        assert_eq!(header, "Basic YWxpY2U6aHVudGVyMg==");
        assert!(
            ProxyUrl::parse("proxy", "X")
                .unwrap()
                .basic_authorization()
                .is_none()
        );
    }

    #[test]
    fn no_proxy_domains_match_the_domain_and_its_subdomains() {
        for pattern in [
            "example.com",
            ".example.com",
            "*.example.com",
            "EXAMPLE.com.",
        ] {
            let list = NoProxy::parse(pattern);
            assert!(list.matches("example.com", 443), "{pattern}");
            assert!(list.matches("a.b.Example.com.", 443), "{pattern}");
            assert!(!list.matches("badexample.com", 443), "{pattern}");
            assert!(!list.matches("example.com.evil", 443), "{pattern}");
        }
    }

    #[test]
    fn no_proxy_addresses_networks_and_ports() {
        let list =
            NoProxy::parse("10.0.0.0/8, 192.168.1.1, ::1, [fe80::1]:8443, fd00::/8, host:81");
        assert!(list.matches("10.255.0.1", 443));
        assert!(!list.matches("11.0.0.1", 443));
        assert!(list.matches("192.168.1.1", 1));
        assert!(!list.matches("192.168.1.2", 1));
        assert!(list.matches("[::1]", 443));
        assert!(list.matches("fe80::1", 8443));
        assert!(!list.matches("fe80::1", 443));
        assert!(list.matches("[fd12::3]", 443));
        assert!(list.matches("host", 81));
        assert!(!list.matches("host", 80));
        // An address entry never matches a name, nor a name entry an address.
        assert!(!NoProxy::parse("10.0.0.1").matches("ten.example", 443));
        assert!(NoProxy::parse("0.0.0.0/0").matches("8.8.8.8", 443));
    }

    #[test]
    fn no_proxy_entries_that_are_no_host_and_port_are_ignored() {
        let junk = NoProxy::parse("user@host, a b, host#x, a:b:80, [::1, host:");
        assert!(junk.is_empty(), "{junk:?}");
    }

    #[test]
    fn no_proxy_star_matches_everything_and_junk_is_ignored() {
        assert!(NoProxy::parse(" * ").matches("anything", 1));
        let junk = NoProxy::parse(",, 10.0.0.0/99 ,host:notaport, .");
        assert!(junk.is_empty());
        assert!(!junk.matches("host", 80));
    }

    #[test]
    fn reads_the_environment_lowercase_first_and_falls_back_to_all_proxy() {
        let config = ProxyConfig::from_env(env(&[
            ("https_proxy", "http://lower:1"),
            ("HTTPS_PROXY", "http://upper:2"),
            ("ALL_PROXY", "http://all:3"),
            ("no_proxy", "internal"),
        ]))
        .unwrap();
        assert_eq!(config.https.as_ref().unwrap().authority(), "lower:1");
        assert_eq!(config.http.as_ref().unwrap().authority(), "all:3");
        assert!(config.no_proxy.matches("internal", 443));
        assert_eq!(
            ProxyConfig::from_env(env(&[("HTTPS_PROXY", "")])).unwrap(),
            ProxyConfig::default()
        );
    }

    #[test]
    fn an_unsupported_proxy_in_the_environment_is_an_error() {
        assert!(matches!(
            ProxyConfig::from_env(env(&[("ALL_PROXY", "socks5://s:1")])),
            Err(ProxyError::UnsupportedScheme {
                setting: "ALL_PROXY",
                ..
            })
        ));
    }

    #[test]
    fn endpoints_pick_the_proxy_for_their_scheme_unless_bypassed() {
        let config = ProxyConfig {
            https: Some(ProxyUrl::parse("secure-proxy:1", "X").unwrap()),
            http: Some(ProxyUrl::parse("plain-proxy:2", "X").unwrap()),
            no_proxy: NoProxy::parse("bypass.example:8443"),
        };
        let https = endpoint("https://accounts.twilio.com");
        assert_eq!(config.for_endpoint(&https).unwrap().host(), "secure-proxy");
        let http = endpoint("http://plain.example");
        assert_eq!(config.for_endpoint(&http).unwrap().host(), "plain-proxy");
        assert!(
            config
                .for_endpoint(&endpoint("https://bypass.example:8443"))
                .is_none()
        );
        assert!(
            config
                .for_endpoint(&endpoint("https://bypass.example"))
                .is_some()
        );
    }

    #[test]
    fn loopback_endpoints_are_never_proxied() {
        let config = ProxyConfig::all(ProxyUrl::parse("proxy:1", "X").unwrap());
        for url in [
            "http://127.0.0.1:8080",
            "https://localhost",
            "http://[::1]:9",
        ] {
            assert!(config.for_endpoint(&endpoint(url)).is_none(), "{url}");
        }
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_settings_never_panic(value in "\\PC{0,64}", host in "\\PC{0,32}", port: u16) {
            if let Ok(proxy) = ProxyUrl::parse(&value, "X") {
                // Whatever parsed prints without its password and re-parses.
                let expected = match (proxy.username(), proxy.expose_password()) {
                    (Some(user), Some(_)) => format!("ProxyUrl(http://{user}:[redacted]@{})", proxy.authority()),
                    (Some(user), None) => format!("ProxyUrl(http://{user}@{})", proxy.authority()),
                    _ => format!("ProxyUrl(http://{})", proxy.authority()),
                };
                proptest::prop_assert_eq!(format!("{proxy:?}"), expected);
                proptest::prop_assert!(ProxyUrl::parse(&proxy.uri(), "X").is_ok());
            }
            let list = NoProxy::parse(&value);
            let _ = list.matches(&host, port);
        }
    }

    #[test]
    fn endpoint_ports_default_by_scheme() {
        assert_eq!(endpoint_port(&endpoint("https://a.example")), 443);
        assert_eq!(endpoint_port(&endpoint("http://a.example")), 80);
        assert_eq!(endpoint_port(&endpoint("https://a.example:8443/x")), 8443);
    }
}
