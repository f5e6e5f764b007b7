//! The URL Twilio signed, rebuilt from a request the service received.
//!
//! Twilio signs the public URL it requested: `https://hooks.example.com/sms`.
//! Behind a TLS-terminating proxy or load balancer the service sees another
//! one (`http://10.0.0.7:8080/sms`), and a signature checked against that
//! fails. Three ways to get the public URL back:
//!
//! - [`PublicUrl::from_request`] (the default): the request's own scheme
//!   (from an absolute request URI, else `http`, or the one set with
//!   [`scheme`](PublicUrl::scheme)) and its `Host` header. Right when
//!   Twilio reaches the service directly.
//! - [`PublicUrl::fixed`]: one public base URL, to which the request's path
//!   and query are appended. Right when the service has one public address;
//!   it trusts nothing the client sends.
//! - [`PublicUrl::trust_forwarded`]: the scheme and host a proxy reports in
//!   **one** header family you name: RFC 7239 `Forwarded` (`proto=`,
//!   `host=`; [`ForwardedHeaders::Rfc7239`]) or `X-Forwarded-Proto` and
//!   `X-Forwarded-Host` ([`ForwardedHeaders::XForwarded`]). The other family
//!   is ignored entirely, whatever a client puts in it. When the named
//!   headers are absent, the request's own scheme and `Host` count.
//!
//! **Prefer [`PublicUrl::fixed`]** whenever the service has one public
//! address: it trusts nothing the client sends. Forwarded headers are only
//! as good as the proxy in front: anyone can send them, so
//! [`trust_forwarded`](PublicUrl::trust_forwarded) is right only when every
//! request passes a proxy you control that **overwrites** the chosen
//! headers (sets them, replacing whatever the client sent; never appends to
//! them or passes them through). Otherwise a client chooses the URL that is
//! checked, and a webhook Twilio signed for another endpoint of the same
//! account (another path, another host) can be replayed here. That is also
//! why exactly one family is trusted: a proxy that sets `X-Forwarded-*`
//! usually passes a client's own `Forwarded` through untouched, and the
//! other way round. Of a list (`a, b`), the last entry counts: the one the
//! proxy nearest to the service wrote.
//!
//! For example, with nginx in front, which overwrites both headers
//! (`proxy_set_header X-Forwarded-Proto $scheme; proxy_set_header
//! X-Forwarded-Host $host;`) and passes `Forwarded` through:
//!
//! ```
//! use twilio_accounts_webhook::{ForwardedHeaders, PublicUrl};
//!
//! let request = http::Request::post("/sms?x=1")
//!     .header("Host", "127.0.0.1:8080")
//!     .header("X-Forwarded-Proto", "https")
//!     .header("X-Forwarded-Host", "hooks.example.com")
//!     // Sent by the client and passed through by nginx: ignored.
//!     .header("Forwarded", "host=other.example.com")
//!     .body(())?;
//! let (parts, ()) = request.into_parts();
//!
//! let behind_proxy = PublicUrl::trust_forwarded(ForwardedHeaders::XForwarded);
//! assert_eq!(behind_proxy.resolve(&parts)?, "https://hooks.example.com/sms?x=1");
//!
//! // The same request, when forwarded headers are not trusted (the default).
//! assert_eq!(PublicUrl::default().resolve(&parts)?, "http://127.0.0.1:8080/sms?x=1");
//!
//! // Or, with one public address, trusting no header at all (recommended).
//! let fixed = PublicUrl::fixed("https://hooks.example.com")?;
//! assert_eq!(fixed.resolve(&parts)?, "https://hooks.example.com/sms?x=1");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use http::header::{FORWARDED, HOST};
use http::request::Parts;
use http::uri::Scheme;
use http::{HeaderMap, HeaderName};

const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

/// How the layer rebuilds the public URL of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    source: Source,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Request {
        scheme: Scheme,
    },
    Forwarded {
        scheme: Scheme,
        headers: ForwardedHeaders,
    },
    Fixed {
        base: String,
    },
}

/// The one family of forwarded headers [`PublicUrl::trust_forwarded`]
/// reads; the other is ignored. Name the family your proxy **overwrites**.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ForwardedHeaders {
    /// RFC 7239 `Forwarded`: `proto=` and `host=` of its last element.
    Rfc7239,
    /// `X-Forwarded-Proto` and `X-Forwarded-Host`: the last value of each.
    XForwarded,
}

/// Why no public URL could be rebuilt. Never contains a header's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PublicUrlError {
    /// The request has no `Host` header (nor an authority in its URI).
    #[error("the request has no Host header")]
    MissingHost,
    /// The host (from `Host` or a forwarded header) is repeated, empty, or
    /// not a plain `host[:port]`.
    #[error("the request's host is not a plain host[:port]")]
    InvalidHost,
    /// A forwarded scheme is neither `http` nor `https`.
    #[error("the forwarded scheme is neither http nor https")]
    InvalidScheme,
    /// A fixed base URL is not `http(s)://host[:port][/path]` without query.
    #[error("the public base URL must be http(s)://host[:port][/path], without query or fragment")]
    InvalidBase,
}

impl Default for PublicUrl {
    fn default() -> Self {
        PublicUrl::from_request()
    }
}

impl PublicUrl {
    /// The request's own scheme and `Host`, trusting no forwarded header.
    pub fn from_request() -> Self {
        PublicUrl {
            source: Source::Request {
                scheme: Scheme::HTTP,
            },
        }
    }

    /// The scheme and host from the forwarded headers of one family, then
    /// the request's own scheme and `Host`. Only behind a proxy you control
    /// that overwrites those headers on every request: see the
    /// [module docs](self), and prefer [`fixed`](Self::fixed).
    pub fn trust_forwarded(headers: ForwardedHeaders) -> Self {
        PublicUrl {
            source: Source::Forwarded {
                scheme: Scheme::HTTP,
                headers,
            },
        }
    }

    /// A fixed public base (`https://hooks.example.com`, or with a path
    /// prefix `https://example.com/twilio`), followed by the request's path
    /// and query.
    pub fn fixed(base: &str) -> Result<Self, PublicUrlError> {
        let base = base.trim_end_matches('/');
        let rest = base
            .strip_prefix("https://")
            .or_else(|| base.strip_prefix("http://"))
            .ok_or(PublicUrlError::InvalidBase)?;
        let host = rest.split('/').next().unwrap_or("");
        if !plain_host(host) || rest.contains(['?', '#']) || rest.contains(char::is_whitespace) {
            return Err(PublicUrlError::InvalidBase);
        }
        Ok(PublicUrl {
            source: Source::Fixed {
                base: base.to_owned(),
            },
        })
    }

    /// The scheme to assume when the request URI carries none (the usual
    /// origin-form `POST /path`): `https` for a service that terminates TLS
    /// itself. No effect on a [fixed](Self::fixed) base.
    pub fn scheme(mut self, assumed: Scheme) -> Self {
        match &mut self.source {
            Source::Request { scheme } | Source::Forwarded { scheme, .. } => *scheme = assumed,
            Source::Fixed { .. } => {}
        }
        self
    }

    /// The URL Twilio signed, as this configuration sees `request`.
    pub fn resolve(&self, request: &Parts) -> Result<String, PublicUrlError> {
        let path = request.uri.path_and_query().map_or("/", |p| p.as_str());
        let (scheme, host) = match &self.source {
            Source::Fixed { base } => return Ok(format!("{base}{path}")),
            Source::Request { scheme } => (own_scheme(request, scheme), own_host(request)?),
            Source::Forwarded { scheme, headers } => {
                let forwarded = match headers {
                    ForwardedHeaders::Rfc7239 => last_forwarded(&request.headers)?,
                    ForwardedHeaders::XForwarded => Forwarded {
                        proto: last_value(&request.headers, &X_FORWARDED_PROTO)?,
                        host: last_value(&request.headers, &X_FORWARDED_HOST)?,
                    },
                };
                let proto = match forwarded.proto {
                    Some(proto) if proto.eq_ignore_ascii_case("https") => "https",
                    Some(proto) if proto.eq_ignore_ascii_case("http") => "http",
                    Some(_) => return Err(PublicUrlError::InvalidScheme),
                    None => own_scheme(request, scheme),
                };
                let host = match forwarded.host {
                    Some(host) if plain_host(&host) => host,
                    Some(_) => return Err(PublicUrlError::InvalidHost),
                    None => own_host(request)?,
                };
                (proto, host)
            }
        };
        Ok(format!("{scheme}://{host}{path}"))
    }
}

fn own_scheme<'a>(request: &'a Parts, assumed: &'a Scheme) -> &'a str {
    request.uri.scheme_str().unwrap_or(assumed.as_str())
}

/// The `Host` header, else the URI's authority (HTTP/2's `:authority`).
fn own_host(request: &Parts) -> Result<String, PublicUrlError> {
    let mut values = request.headers.get_all(HOST).iter();
    let host = match (values.next(), values.next()) {
        (Some(value), None) => value.to_str().map_err(|_| PublicUrlError::InvalidHost)?,
        (Some(_), Some(_)) => return Err(PublicUrlError::InvalidHost),
        (None, _) => request
            .uri
            .authority()
            .map(|a| a.as_str())
            .ok_or(PublicUrlError::MissingHost)?,
    };
    if plain_host(host) {
        Ok(host.to_owned())
    } else {
        Err(PublicUrlError::InvalidHost)
    }
}

/// `host[:port]`, `[v6]:port`: nothing that would change the URL's shape.
fn plain_host(host: &str) -> bool {
    !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~:[]%".contains(&b))
}

/// The last comma-separated value of a header over all its lines.
fn last_value(headers: &HeaderMap, name: &HeaderName) -> Result<Option<String>, PublicUrlError> {
    let Some(line) = headers.get_all(name).iter().next_back() else {
        return Ok(None);
    };
    let line = line.to_str().map_err(|_| PublicUrlError::InvalidHost)?;
    Ok(line
        .rsplit(',')
        .next()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned))
}

#[derive(Default)]
struct Forwarded {
    proto: Option<String>,
    host: Option<String>,
}

/// `proto` and `host` of the last element of RFC 7239 `Forwarded`.
fn last_forwarded(headers: &HeaderMap) -> Result<Forwarded, PublicUrlError> {
    let Some(element) = last_value(headers, &FORWARDED)? else {
        return Ok(Forwarded::default());
    };
    let mut forwarded = Forwarded::default();
    for pair in element.split(';') {
        let Some((name, value)) = pair.split_once('=') else {
            continue;
        };
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value)
            .to_owned();
        match name.trim().to_ascii_lowercase().as_str() {
            "proto" => forwarded.proto = Some(value),
            "host" => forwarded.host = Some(value),
            _ => {}
        }
    }
    Ok(forwarded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(headers: &[(&str, &str)], uri: &str) -> Parts {
        let mut request = http::Request::post(uri);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(()).unwrap().into_parts().0
    }

    #[test]
    fn each_source_resolves_as_documented() {
        use PublicUrlError::*;
        let own = PublicUrl::from_request();
        let https = PublicUrl::from_request().scheme(Scheme::HTTPS);
        let forwarded = PublicUrl::trust_forwarded(ForwardedHeaders::XForwarded);
        let rfc7239 = PublicUrl::trust_forwarded(ForwardedHeaders::Rfc7239);
        let fixed = PublicUrl::fixed("https://public.example/app/").unwrap();
        let host = ("Host", "internal:8080");
        // (source, headers, request URI, expected)
        type Case<'a> = (
            &'a PublicUrl,
            &'a [(&'a str, &'a str)],
            &'a str,
            Result<&'a str, PublicUrlError>,
        );
        let cases: &[Case<'_>] = &[
            (&own, &[host], "/a?b=1", Ok("http://internal:8080/a?b=1")),
            (&https, &[host], "/a", Ok("https://internal:8080/a")),
            (
                &own,
                &[],
                "https://abs.example:444/a",
                Ok("https://abs.example:444/a"),
            ),
            (&own, &[], "/a", Err(MissingHost)),
            (&own, &[host, host], "/a", Err(InvalidHost)),
            (&own, &[("Host", "a/b")], "/a", Err(InvalidHost)),
            (
                &own,
                &[host, ("X-Forwarded-Host", "evil.example")],
                "/a",
                Ok("http://internal:8080/a"),
            ),
            (
                &own,
                &[host, ("Forwarded", "host=evil.example")],
                "/a",
                Ok("http://internal:8080/a"),
            ),
            (&forwarded, &[host], "/a", Ok("http://internal:8080/a")),
            (
                &forwarded,
                &[
                    host,
                    ("X-Forwarded-Proto", "HTTPS"),
                    ("X-Forwarded-Host", "pub.example"),
                ],
                "/a",
                Ok("https://pub.example/a"),
            ),
            (
                &forwarded,
                &[
                    host,
                    ("X-Forwarded-Host", "client-sent.example, proxy.example"),
                ],
                "/a",
                Ok("http://proxy.example/a"),
            ),
            (
                &rfc7239,
                &[
                    host,
                    (
                        "Forwarded",
                        "for=1.2.3.4;host=first.example, for=5.6.7.8;proto=https;host=\"[::1]:443\"",
                    ),
                    ("X-Forwarded-Host", "ignored.example"),
                ],
                "/a",
                Ok("https://[::1]:443/a"),
            ),
            (
                &rfc7239,
                &[host, ("Forwarded", "proto=https")],
                "/a",
                Ok("https://internal:8080/a"),
            ),
            // Each family ignores the other entirely.
            (
                &rfc7239,
                &[
                    host,
                    ("X-Forwarded-Proto", "https"),
                    ("X-Forwarded-Host", "client-sent.example"),
                ],
                "/a",
                Ok("http://internal:8080/a"),
            ),
            (
                &rfc7239,
                &[host, ("X-Forwarded-Proto", "ftp")],
                "/a",
                Ok("http://internal:8080/a"),
            ),
            (
                &forwarded,
                &[
                    host,
                    ("X-Forwarded-Host", "pub.example"),
                    ("Forwarded", "proto=https;host=client-sent.example"),
                ],
                "/a",
                Ok("http://pub.example/a"),
            ),
            (
                &forwarded,
                &[host, ("Forwarded", "host=\"a b\"")],
                "/a",
                Ok("http://internal:8080/a"),
            ),
            (
                &forwarded,
                &[host, ("X-Forwarded-Proto", "ftp")],
                "/a",
                Err(InvalidScheme),
            ),
            (
                &forwarded,
                &[host, ("X-Forwarded-Host", "a b")],
                "/a",
                Err(InvalidHost),
            ),
            (
                &fixed,
                &[],
                "/a?b=1",
                Ok("https://public.example/app/a?b=1"),
            ),
            (
                &fixed,
                &[("X-Forwarded-Host", "evil.example")],
                "/a",
                Ok("https://public.example/app/a"),
            ),
        ];
        for (i, (source, headers, uri, expected)) in cases.iter().enumerate() {
            let got = source.resolve(&parts(headers, uri));
            assert_eq!(got.as_deref().map_err(Clone::clone), *expected, "case {i}");
        }
    }

    #[test]
    fn a_fixed_base_must_be_a_plain_http_url() {
        for bad in [
            "hooks.example.com",
            "ftp://h",
            "https://",
            "https://h?x=1",
            "https://h/#f",
            "https://a b",
        ] {
            assert_eq!(
                PublicUrl::fixed(bad),
                Err(PublicUrlError::InvalidBase),
                "{bad}"
            );
        }
        assert!(PublicUrl::fixed("http://h:8080").is_ok());
    }
}
