//! Which root certificates the client trusts.
//!
//! Mozilla's roots by default (feature `webpki-roots`), the platform's with
//! feature `native-roots` (both when both are on), plus every PEM
//! certificate given in the options. The crypto provider is always ring.

use std::sync::Arc;

use twilio_accounts_client::{ConfigError, pem_roots};
use ureq::tls::{Certificate, RootCerts, TlsConfig};

/// The platform's roots, when the feature is on. Unreadable entries are
/// skipped (the platform store often holds a few).
#[cfg(feature = "native-roots")]
fn native_roots() -> Vec<CertificateDer<'static>> {
    let loaded = rustls_native_certs::load_native_certs();
    if !loaded.errors.is_empty() {
        tracing::debug!(
            errors = loaded.errors.len(),
            "some platform root certificates could not be loaded"
        );
    }
    loaded.certs
}

/// The TLS configuration for the agent, and whether any root is trusted at
/// all (an `https` endpoint needs one).
pub(crate) fn tls_config(pems: &[Vec<u8>]) -> Result<(TlsConfig, bool), ConfigError> {
    let extra = pem_roots(pems)?;
    let webpki = cfg!(feature = "webpki-roots");
    let native = cfg!(feature = "native-roots");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = TlsConfig::builder().unversioned_rustls_crypto_provider(provider);

    if webpki && !native && extra.is_empty() {
        // The common case: ureq's own compiled-in Mozilla roots, no parsing.
        return Ok((builder.root_certs(RootCerts::WebPki).build(), true));
    }
    let mut roots: Vec<Certificate<'static>> = Vec::new();
    #[cfg(feature = "webpki-roots")]
    roots.extend(
        webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|der| Certificate::from_der(der.as_ref()).to_owned()),
    );
    #[cfg(feature = "native-roots")]
    roots.extend(
        native_roots()
            .iter()
            .map(|der| Certificate::from_der(der.as_ref()).to_owned()),
    );
    roots.extend(
        extra
            .iter()
            .map(|der| Certificate::from_der(der.as_ref()).to_owned()),
    );
    let any = !roots.is_empty();
    Ok((
        builder
            .root_certs(RootCerts::new_with_certs(&roots))
            .build(),
        any,
    ))
}
