//! Telling "never sent" from "may have been sent".
//!
//! The core retries a promote only when the request certainly did not reach
//! the server, so every failure must say which. ureq reports an I/O error the
//! same way whether it happened while connecting or while reading the
//! answer; to know, the connector chain (DNS-resolved TCP connect, proxy
//! `CONNECT`, TLS handshake) is wrapped, and its failures are marked as such.
//! Anything not marked as a connect failure is treated as possibly sent.

use std::error::Error as StdError;
use std::fmt;
use std::io;

use twilio_accounts_client::{Delivery, TransportError, TransportErrorKind};
use ureq::Timeout;
use ureq::config::Config;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{
    ConnectionDetails, Connector, DefaultConnector, NextTimeout, Transport,
};

/// A failure while establishing the connection: nothing was written.
#[derive(Debug)]
struct ConnectFailed(ureq::Error);

impl fmt::Display for ConnectFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl StdError for ConnectFailed {}

/// ureq's default connector chain with its failures marked.
#[derive(Debug, Default)]
pub(crate) struct MarkingConnector(DefaultConnector);

impl Connector<()> for MarkingConnector {
    type Out = Box<dyn Transport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<()>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        self.0
            .connect(details, chained)
            .map_err(|err| ureq::Error::Other(Box::new(ConnectFailed(err))))
    }
}

/// ureq's default resolver with its failures marked: a name that does not
/// resolve was never sent anything.
#[derive(Debug, Default)]
pub(crate) struct MarkingResolver(DefaultResolver);

impl Resolver for MarkingResolver {
    fn resolve(
        &self,
        uri: &http::Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        // ureq's resolver spawns a thread for every request when a timeout is
        // set (to bound the lookup), even for an IP literal and even when a
        // pooled connection will be reused. An IP literal needs no lookup.
        if let Some(addr) = ip_literal(uri) {
            let mut resolved = self.0.empty();
            resolved.push(addr);
            return Ok(resolved);
        }
        self.0
            .resolve(uri, config, timeout)
            .map_err(|err| ureq::Error::Other(Box::new(ConnectFailed(err))))
    }

    fn empty(&self) -> ResolvedSocketAddrs {
        self.0.empty()
    }
}

/// The socket address of a URI whose host is an IP address (`127.0.0.1`,
/// `[::1]`), with the scheme's default port when none is written.
fn ip_literal(uri: &http::Uri) -> Option<std::net::SocketAddr> {
    let host = uri.host()?;
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let ip: std::net::IpAddr = bare.parse().ok()?;
    let port = uri.port_u16().or_else(|| match uri.scheme_str()? {
        "https" => Some(443),
        "http" => Some(80),
        _ => None,
    })?;
    Some(std::net::SocketAddr::new(ip, port))
}

/// The error inside any number of connect-failure marks (the proxy
/// connector resolves through the marking resolver, inside the marking
/// connector).
fn unmarked(mut err: &ureq::Error) -> &ureq::Error {
    // Bounded: at most two marks are ever nested.
    for _ in 0..4 {
        match err {
            ureq::Error::Other(boxed) => match boxed.downcast_ref::<ConnectFailed>() {
                Some(ConnectFailed(inner)) => err = inner,
                None => break,
            },
            _ => break,
        }
    }
    err
}

fn io_kind(err: &io::Error) -> TransportErrorKind {
    match err.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => TransportErrorKind::Timeout,
        io::ErrorKind::ConnectionRefused
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::NotConnected
        | io::ErrorKind::AddrNotAvailable => TransportErrorKind::Connect,
        io::ErrorKind::InvalidData => TransportErrorKind::Protocol,
        _ => TransportErrorKind::ConnectionClosed,
    }
}

/// What kind of failure a ureq error is (whatever the phase).
fn kind_of(err: &ureq::Error) -> TransportErrorKind {
    match err {
        ureq::Error::Timeout(_) => TransportErrorKind::Timeout,
        ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::ConnectProxyFailed(_) => TransportErrorKind::Connect,
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::TlsRequired => {
            TransportErrorKind::Tls
        }
        ureq::Error::Pem(_) => TransportErrorKind::Tls,
        ureq::Error::Io(io) => {
            // rustls reports handshake failures as I/O errors wrapping its own.
            if io
                .get_ref()
                .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
            {
                TransportErrorKind::Tls
            } else {
                io_kind(io)
            }
        }
        ureq::Error::Protocol(_) | ureq::Error::LargeResponseHeader(_, _) => {
            TransportErrorKind::Protocol
        }
        ureq::Error::BodyExceedsLimit(_) => TransportErrorKind::BodyTooLarge,
        _ => TransportErrorKind::Other,
    }
}

/// Turns a ureq error into the core's transport error. `host` goes into the
/// message; nothing from the request does.
pub(crate) fn classify(err: ureq::Error, host: &str) -> TransportError {
    if let ureq::Error::Other(boxed) = &err
        && boxed.downcast_ref::<ConnectFailed>().is_some()
    {
        let inner = unmarked(&err);
        return TransportError::new(
            kind_of(inner),
            Delivery::NotSent,
            format!("could not connect to {host}: {inner}"),
        );
    }
    let delivery = match &err {
        // Before any connection: resolving, or a request ureq refused to send.
        ureq::Error::Timeout(Timeout::Resolve | Timeout::Connect)
        | ureq::Error::HostNotFound
        | ureq::Error::BadUri(_)
        | ureq::Error::Http(_)
        | ureq::Error::RequireHttpsOnly(_)
        | ureq::Error::InvalidProxyUrl => Delivery::NotSent,
        _ => Delivery::MaybeSent,
    };
    let what = match delivery {
        Delivery::NotSent => "could not send the request to",
        Delivery::MaybeSent => "no complete answer from",
    };
    TransportError::new(kind_of(&err), delivery, format!("{what} {host}: {err}"))
}

/// Turns an I/O error from reading the body into the core's error.
pub(crate) fn classify_body(err: io::Error, host: &str) -> TransportError {
    classify(ureq::Error::from(err), host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marked_connect_failures_are_not_sent() {
        let err = ureq::Error::Other(Box::new(ConnectFailed(ureq::Error::Io(io::Error::from(
            io::ErrorKind::ConnectionRefused,
        )))));
        let t = classify(err, "127.0.0.1");
        assert_eq!(t.delivery, Delivery::NotSent);
        assert_eq!(t.kind, TransportErrorKind::Connect);
    }

    #[test]
    fn nested_marks_are_unwrapped() {
        let io = ureq::Error::Io(io::Error::from(io::ErrorKind::ConnectionRefused));
        let twice = ureq::Error::Other(Box::new(ConnectFailed(ureq::Error::Other(Box::new(
            ConnectFailed(io),
        )))));
        let t = classify(twice, "h");
        assert_eq!(
            (t.kind, t.delivery),
            (TransportErrorKind::Connect, Delivery::NotSent)
        );
    }

    #[test]
    fn ip_literals_are_resolved_without_a_lookup() {
        let uri: http::Uri = "http://127.0.0.1:8080/v1".parse().unwrap();
        assert_eq!(ip_literal(&uri), Some("127.0.0.1:8080".parse().unwrap()));
        let uri: http::Uri = "https://[::1]/v1".parse().unwrap();
        assert_eq!(ip_literal(&uri), Some("[::1]:443".parse().unwrap()));
        let uri: http::Uri = "https://accounts.twilio.com/v1".parse().unwrap();
        assert_eq!(ip_literal(&uri), None);
    }

    #[test]
    fn resolver_failures_are_not_sent() {
        let resolver = MarkingResolver::default();
        // An unknown scheme fails before any lookup (no network needed).
        let bad: http::Uri = "foo://127.0.0.1/".parse().unwrap();
        let config = ureq::config::Config::default();
        let err = resolver
            .resolve(&bad, &config, NextTimeout::default())
            .unwrap_err();
        assert_eq!(classify(err, "h").delivery, Delivery::NotSent);
    }

    #[test]
    fn connect_timeouts_inside_the_chain_are_not_sent() {
        let err = ureq::Error::Other(Box::new(ConnectFailed(ureq::Error::Timeout(
            Timeout::Connect,
        ))));
        let t = classify(err, "h");
        assert_eq!(
            (t.kind, t.delivery),
            (TransportErrorKind::Timeout, Delivery::NotSent)
        );
    }

    #[test]
    fn resets_and_eof_after_connecting_may_have_been_sent() {
        for kind in [io::ErrorKind::ConnectionReset, io::ErrorKind::UnexpectedEof] {
            let t = classify(ureq::Error::Io(io::Error::from(kind)), "h");
            assert_eq!(t.delivery, Delivery::MaybeSent);
            assert_eq!(t.kind, TransportErrorKind::ConnectionClosed);
        }
    }

    #[test]
    fn timeouts_while_waiting_for_the_answer_may_have_been_sent() {
        for phase in [Timeout::Global, Timeout::RecvResponse, Timeout::RecvBody] {
            let t = classify(ureq::Error::Timeout(phase), "h");
            assert_eq!(
                (t.kind, t.delivery),
                (TransportErrorKind::Timeout, Delivery::MaybeSent)
            );
        }
        let t = classify(ureq::Error::Timeout(Timeout::Resolve), "h");
        assert_eq!(t.delivery, Delivery::NotSent);
    }

    #[test]
    fn unknown_errors_default_to_maybe_sent() {
        let t = classify(ureq::Error::Other("weird".into()), "h");
        assert_eq!(t.delivery, Delivery::MaybeSent);
        assert_eq!(t.kind, TransportErrorKind::Other);
    }

    #[test]
    fn body_errors_wrapping_ureq_errors_are_unwrapped() {
        let io = ureq::Error::Timeout(Timeout::RecvBody).into_io();
        let t = classify_body(io, "h");
        assert_eq!(
            (t.kind, t.delivery),
            (TransportErrorKind::Timeout, Delivery::MaybeSent)
        );
    }
}
