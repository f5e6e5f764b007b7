//! Which root certificates the client trusts, and the rustls configuration.
//!
//! Mozilla's roots by default (feature `webpki-roots`), the platform's with
//! feature `native-roots` (both when both are on), plus every PEM
//! certificate given in the options. The crypto provider is always ring.

use std::sync::Arc;

use rustls::{ClientConfig, RootCertStore};
use twilio_accounts_client::{ConfigError, pem_roots};

/// The rustls configuration, and whether any root is trusted at all (an
/// `https` endpoint needs one).
pub(crate) fn client_config(pems: &[Vec<u8>]) -> Result<(ClientConfig, bool), ConfigError> {
    let extra = pem_roots(pems)?;
    let mut store = RootCertStore::empty();
    #[cfg(feature = "webpki-roots")]
    store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    #[cfg(feature = "native-roots")]
    {
        let loaded = rustls_native_certs::load_native_certs();
        if !loaded.errors.is_empty() {
            tracing::debug!(
                errors = loaded.errors.len(),
                "some platform root certificates could not be loaded"
            );
        }
        let (_added, ignored) = store.add_parsable_certificates(loaded.certs);
        if ignored > 0 {
            tracing::debug!(ignored, "some platform root certificates were not usable");
        }
    }
    for (index, cert) in extra.into_iter().enumerate() {
        store
            .add(cert)
            .map_err(|err| ConfigError::RootCertificate {
                index,
                reason: err.to_string(),
            })?;
    }
    let any = !store.is_empty();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| ConfigError::Tls(err.to_string()))?
        .with_root_certificates(store)
        .with_no_client_auth();
    Ok((config, any))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "webpki-roots")]
    #[test]
    fn the_default_trusts_mozillas_roots() {
        let (_config, any) = client_config(&[]).unwrap();
        assert!(any);
    }
}
