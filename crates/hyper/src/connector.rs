//! Connecting directly or through an HTTP proxy (`CONNECT` tunnel), and
//! telling "never sent" from "may have been sent".

use std::error::Error as StdError;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Uri;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower_service::Service;
use twilio_accounts_client::{Delivery, TransportError, TransportErrorKind};

type BoxError = Box<dyn StdError + Send + Sync>;

/// TCP to the endpoint, or to a proxy that tunnels to it.
#[derive(Clone, Debug)]
pub(crate) enum Connector {
    Direct(HttpConnector),
    Tunnel(Tunnel<HttpConnector>),
}

impl Service<Uri> for Connector {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        match self {
            Connector::Direct(c) => c.poll_ready(cx).map_err(Into::into),
            Connector::Tunnel(c) => c.poll_ready(cx).map_err(Into::into),
        }
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        match self {
            Connector::Direct(c) => {
                let connecting = c.call(dst);
                Box::pin(async move { connecting.await.map_err(Into::into) })
            }
            Connector::Tunnel(c) => {
                // The tunnel assumes port 443 when the URI has none.
                let dst = with_explicit_port(dst);
                let connecting = c.call(dst);
                Box::pin(async move { connecting.await.map_err(Into::into) })
            }
        }
    }
}

/// `dst` with its scheme's default port written out.
fn with_explicit_port(dst: Uri) -> Uri {
    if dst.port().is_some() {
        return dst;
    }
    let port = if dst.scheme() == Some(&http::uri::Scheme::HTTP) {
        80
    } else {
        443
    };
    let Some(host) = dst.host() else {
        return dst;
    };
    let authority = format!("{host}:{port}");
    let mut parts = dst.clone().into_parts();
    match authority.parse() {
        Ok(authority) => {
            parts.authority = Some(authority);
            Uri::from_parts(parts).unwrap_or(dst)
        }
        Err(_) => dst,
    }
}

/// Every error in the chain, looking inside I/O errors too (their `source`
/// skips the error they wrap).
fn chain<'a>(err: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut found = Vec::new();
    let mut next = Some(err);
    // Bounded: error chains are short; 32 links is far beyond any real one.
    while let Some(current) = next {
        if found.len() >= 32 {
            break;
        }
        found.push(current);
        next = match current.downcast_ref::<io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
            None => current.source(),
        };
    }
    found
}

fn kind_from_chain(err: &(dyn StdError + 'static), connecting: bool) -> TransportErrorKind {
    let links = chain(err);
    if links
        .iter()
        .any(|e| e.downcast_ref::<rustls::Error>().is_some())
    {
        return TransportErrorKind::Tls;
    }
    for link in &links {
        if let Some(io) = link.downcast_ref::<io::Error>()
            && io.kind() == io::ErrorKind::TimedOut
        {
            return TransportErrorKind::Timeout;
        }
        if let Some(hyper) = link.downcast_ref::<hyper::Error>() {
            if hyper.is_parse() || hyper.is_parse_status() || hyper.is_parse_too_large() {
                return TransportErrorKind::Protocol;
            }
            if hyper.is_timeout() {
                return TransportErrorKind::Timeout;
            }
        }
    }
    if connecting {
        TransportErrorKind::Connect
    } else {
        TransportErrorKind::ConnectionClosed
    }
}

/// Turns a client error into the core's transport error. `connected` says
/// whether a connection had been assigned to the request (from
/// `capture_connection`): without one, nothing can have been sent.
pub(crate) fn classify(
    err: &hyper_util::client::legacy::Error,
    connected: bool,
    host: &str,
) -> TransportError {
    let connecting = err.is_connect() || !connected;
    let kind = kind_from_chain(err, connecting);
    let detail = chain(err).last().map(|e| e.to_string()).unwrap_or_default();
    if connecting {
        TransportError::new(
            kind,
            Delivery::NotSent,
            format!("could not connect to {host}: {detail}"),
        )
    } else {
        TransportError::new(
            kind,
            Delivery::MaybeSent,
            format!("no complete answer from {host}: {detail}"),
        )
    }
}

/// Turns an error while reading the body into the core's transport error.
pub(crate) fn classify_body(err: &hyper::Error, host: &str) -> TransportError {
    let kind = kind_from_chain(err, false);
    TransportError::new(
        kind,
        Delivery::MaybeSent,
        format!("the answer from {host} was cut short: {err}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_port_is_written_out_for_the_tunnel() {
        assert_eq!(
            with_explicit_port("http://example.com/x".parse().unwrap()).to_string(),
            "http://example.com:80/x"
        );
        assert_eq!(
            with_explicit_port("https://example.com".parse().unwrap()).to_string(),
            "https://example.com:443/"
        );
        assert_eq!(
            with_explicit_port("https://example.com:8443/".parse().unwrap()).to_string(),
            "https://example.com:8443/"
        );
    }

    #[test]
    fn the_chain_looks_inside_io_errors() {
        let inner = rustls::Error::General("bad".into());
        let io = io::Error::new(io::ErrorKind::InvalidData, inner);
        assert_eq!(kind_from_chain(&io, true), TransportErrorKind::Tls);
        let timeout = io::Error::from(io::ErrorKind::TimedOut);
        assert_eq!(kind_from_chain(&timeout, true), TransportErrorKind::Timeout);
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert_eq!(
            kind_from_chain(&reset, false),
            TransportErrorKind::ConnectionClosed
        );
        assert_eq!(kind_from_chain(&reset, true), TransportErrorKind::Connect);
    }
}
