//! Which root certificates the client trusts.
//!
//! Mozilla's roots by default (feature `webpki-roots`), the platform's with
//! feature `native-roots` (both when both are on), plus every PEM
//! certificate given in the options. The crypto provider is always ring.

use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use twilio_accounts_client::ConfigError;
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

/// Every certificate of every PEM root given in the options, read by
/// `rustls-pki-types` (blocks other than `CERTIFICATE` are skipped). A root
/// with a malformed block, or with no certificate at all, is refused by its
/// position; the error never repeats the file's content.
fn pem_roots(pems: &[Vec<u8>]) -> Result<Vec<CertificateDer<'static>>, ConfigError> {
    let mut roots = Vec::new();
    for (index, pem) in pems.iter().enumerate() {
        let refuse = |reason: String| ConfigError::RootCertificate { index, reason };
        let before = roots.len();
        for certificate in CertificateDer::pem_slice_iter(pem) {
            roots.push(certificate.map_err(|e| refuse(format!("not valid PEM: {e}")))?);
        }
        if roots.len() == before {
            return Err(refuse("no CERTIFICATE block found".to_owned()));
        }
    }
    Ok(roots)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The same inputs are accepted and refused by the async adapter, which
    /// reads them with the same `CertificateDer::pem_slice_iter`.
    #[test]
    fn pem_roots_are_read_in_order_and_refused_by_position() {
        let one = b"-----BEGIN CERTIFICATE-----\nAQ\nID\n-----END CERTIFICATE-----\n".to_vec();
        let two = b"junk\n-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nBAU=\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nBg==\n-----END CERTIFICATE-----".to_vec();
        let read: Vec<Vec<u8>> = pem_roots(&[one.clone(), two])
            .unwrap()
            .iter()
            .map(|der| der.to_vec())
            .collect();
        assert_eq!(read, vec![vec![1, 2, 3], vec![4, 5], vec![6]]);
        assert!(pem_roots(&[]).unwrap().is_empty());
        for bad in [
            b"hello".to_vec(),
            b"-----BEGIN CERTIFICATE-----\nMIIB\n".to_vec(),
            b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----".to_vec(),
            vec![0xff, 0xfe],
        ] {
            let err = pem_roots(&[one.clone(), bad]).unwrap_err();
            assert!(
                matches!(err, ConfigError::RootCertificate { index: 1, .. }),
                "{err}"
            );
        }
    }
}
