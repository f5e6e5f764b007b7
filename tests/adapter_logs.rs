//! Secrets never reach the logs: everything both adapters (and the crates
//! under them: ureq, ureq-proto, rustls, hyper-util) emit at TRACE level is
//! captured — `tracing` events directly, `log` records through `LogTracer` —
//! while a full rotation runs, with retries and failures, over plain HTTP and
//! TLS, and an API key is made, used and deleted. No piece of a token or a
//! key's secret, nor of the `Authorization` header, may appear.
//!
//! One test in its own binary: the subscriber is global.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use tracing_subscriber::fmt::MakeWriter;
use twilio_accounts_core::{
    CreateIamKey, CreateSecondaryAuthToken, Credentials, DeleteIamKey, DeleteSecondaryAuthToken,
    ListCredentialPublicKeys, PromoteAuthToken,
};
use twilio_accounts_sim::{Fault, Route};
use twilio_accounts_tests::adapters::{
    Adapter, Hyper, Ureq, Wire, credentials_for, credentials_with, options_for, simulator,
};

/// Every byte the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The secrets a run handled: every token the account had, and the Basic
/// credentials made from them.
#[derive(Default)]
struct Secrets(Vec<String>);

impl Secrets {
    fn add_token(&mut self, sid: &str, token: &str) {
        self.0.push(token.to_owned());
        self.0
            .push(base64::engine::general_purpose::STANDARD.encode(format!("{sid}:{token}")));
    }

    /// Fails if any 12-character piece of any secret appears: logs that
    /// split data into rows (hex dumps) would still show pieces this long.
    fn assert_absent_from(&self, text: &str) {
        for secret in &self.0 {
            let bytes = secret.as_bytes();
            for window in bytes.windows(12) {
                let piece = std::str::from_utf8(window).unwrap();
                assert!(
                    !text.contains(piece),
                    "a piece of a secret ({piece:?}) reached the logs"
                );
            }
        }
    }
}

/// A rotation with a retry, an auth failure and a lost answer.
fn rotate<A: Adapter>(wire: Wire, secrets: &mut Secrets) {
    let sim = simulator(wire);
    let sid = sim.account_sid();
    secrets.add_token(&sid, &sim.primary_token());
    let client = A::for_sim(&sim);

    client.send(&ListCredentialPublicKeys::new()).unwrap();
    let created = client.send(&CreateSecondaryAuthToken::new()).unwrap();
    let new = created
        .value
        .secondary_auth_token
        .expose_secret()
        .to_owned();
    secrets.add_token(&sid, &new);
    sim.set_fault(Route::Promote, Fault::RateLimited { retry_after: None }, 1);
    let promoted = client.send(&PromoteAuthToken::new()).unwrap();
    assert_eq!(promoted.attempts, 2);

    // The old token now fails with 20003.
    let err = client.send(&ListCredentialPublicKeys::new()).unwrap_err();
    assert!(err.is_authentication_failed());

    let client = client.with_credentials(credentials_with(&sim, &new));
    let again = client.send(&CreateSecondaryAuthToken::new()).unwrap();
    secrets.add_token(&sid, again.value.secondary_auth_token.expose_secret());
    sim.set_fault(Route::Promote, Fault::ApplyThenClose, 1);
    let lost = client.send(&PromoteAuthToken::new()).unwrap_err();
    assert!(lost.is_outcome_unknown());
    secrets.add_token(&sid, &sim.primary_token());

    let client = A::build(credentials_for(&sim), options_for(&sim)).unwrap();
    client
        .send(&CreateSecondaryAuthToken::new())
        .map(|r| {
            secrets.add_token(&sid, r.value.secondary_auth_token.expose_secret());
        })
        .unwrap();
    client.send(&DeleteSecondaryAuthToken::new()).unwrap();

    // An API key: made (its secret is in this answer only), used as the
    // credentials, deleted, then refused.
    let account = sid.parse().unwrap();
    let key = client.send(&CreateIamKey::standard(account)).unwrap();
    let key_sid = key.value.sid.unwrap();
    let key_secret = key.value.secret.clone().unwrap();
    secrets.add_token(key_sid.as_str(), key_secret.expose_secret());
    let as_key = client.with_credentials(Credentials::api_key(account, key_sid, key_secret));
    as_key.send(&ListCredentialPublicKeys::new()).unwrap();
    client.send(&DeleteIamKey::new(key_sid)).unwrap();
    let refused = as_key.send(&ListCredentialPublicKeys::new()).unwrap_err();
    assert!(refused.is_authentication_failed());

    // Debug output of every value a caller might log.
    tracing::trace!(reply = ?promoted, client = ?client, key = ?key, "values a caller might log");
    tracing::trace!(error = ?lost, refused = ?refused, "error");
}

#[test]
fn trace_output_of_both_adapters_holds_no_secret() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    tracing_log::LogTracer::init().unwrap();

    let mut secrets = Secrets::default();
    for wire in [Wire::Plain, Wire::Tls] {
        rotate::<Ureq>(wire, &mut secrets);
        rotate::<Hyper>(wire, &mut secrets);
    }
    // Let background tasks (connection shutdowns) log what they will.
    std::thread::sleep(Duration::from_millis(100));

    let text = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    if let Ok(path) = std::env::var("ADAPTER_LOGS_DUMP") {
        std::fs::write(path, &text).unwrap();
    }
    // The capture worked, at trace level, with the fields the adapters log…
    for expected in [
        "attempt=1",
        "attempt=2",
        "status=201",
        "status=429",
        "status=401",
        "request_id=RQ",
        "duration_us=",
        "path=/v1/AuthTokens/Promote",
        "operation=\"UpdateAuthTokenPromotion\"",
        "operation=\"CreateSecondaryAuthToken\"",
        "operation=\"CreateNewKey\"",
        "kind=ConnectionClosed",
        "TRACE",
    ] {
        assert!(text.contains(expected), "the logs lack {expected:?}");
    }
    // …and no secret.
    assert!(secrets.0.len() >= 24);
    secrets.assert_absent_from(&text);
}
