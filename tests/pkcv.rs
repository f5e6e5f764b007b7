//! Public Key Client Validation end to end: each adapter, signing with the
//! client's `PkcvSigner`, against the simulator under `--require-pkcv`, whose
//! canonicaliser and verifier are its own (written from the notes, not from
//! the core). Two independent implementations must agree on every request:
//! reads, paging, a retried 429, the Auth Token calls, RS256 and PS256, plain
//! HTTP and TLS. And the simulator must refuse what is not signed right.
//!
//! The key pair is Twilio's published example (`pkcv-vectors.json`), not a
//! secret.

use serde_json::Value;
use twilio_accounts_core::pkcv::Algorithm;
use twilio_accounts_core::{
    AccountSid, ApiKeySecret, CreateCredentialPublicKey, CreateSecondaryAuthToken, Credentials,
    DeleteCredentialPublicKey, ListCredentialPublicKeys, PromoteAuthToken,
};
use twilio_accounts_sim::{Fault, Route, SimConfig, Simulator, TlsConfig};
use twilio_accounts_tests::adapters::{Adapter, Hyper, Ureq, Wire, options_for};
use twilio_accounts_ureq::PkcvSigner;

const VECTORS: &str = include_str!("../crates/core/tests/data/pkcv-vectors.json");

/// The docs example's PEM of `field` (`public_key_pem`, `private_key_pem_pkcs1`).
fn example(field: &str) -> String {
    let vectors: Value = serde_json::from_str(VECTORS).unwrap();
    vectors["docs_example"][field].as_str().unwrap().to_owned()
}

fn simulator(wire: Wire) -> Simulator {
    Simulator::spawn(SimConfig {
        tls: (wire == Wire::Tls).then(TlsConfig::default),
        seed: Some(33),
        main_api_key: true,
        public_keys: vec![example("public_key_pem")],
        require_pkcv: true,
        ..SimConfig::default()
    })
    .expect("the simulator starts on 127.0.0.1")
}

/// A client of the main account's Main key, signing with the example key
/// registered as `credential` (none: not signing).
fn client<A: Adapter>(sim: &Simulator, credential: Option<&str>, algorithm: Algorithm) -> A {
    let (sid, secret) = sim.main_api_key().expect("a Main key");
    let account: AccountSid = sim.account_sid().parse().unwrap();
    let credentials = Credentials::api_key(
        account,
        sid.parse().unwrap(),
        ApiKeySecret::new(secret).unwrap(),
    );
    let options = options_for(sim);
    let options = match credential {
        Some(credential) => options.with_pkcv(
            PkcvSigner::from_pem(
                example("private_key_pem_pkcs1").as_bytes(),
                credential.parse().unwrap(),
            )
            .expect("the example key signs")
            .with_algorithm(algorithm),
        ),
        None => options,
    };
    A::build(credentials, options).expect("the client builds")
}

fn every_call_class_is_accepted<A: Adapter>(wire: Wire, algorithm: Algorithm) {
    let sim = simulator(wire);
    let registered = sim.public_key_sids();
    let signed: A = client(&sim, Some(&registered[0]), algorithm);
    let context = format!("{} {wire:?} {algorithm:?}", A::NAME);

    // A write, then a list of two pages followed by the client.
    let pem = example("public_key_pem");
    let second = signed
        .send(&CreateCredentialPublicKey::new(pem).unwrap())
        .unwrap_or_else(|e| panic!("{context}: {e}"));
    let second_sid = second.value.sid.unwrap();
    let before = sim.requests(Route::ListPublicKeys);
    let items = signed
        .items(ListCredentialPublicKeys::new().page_size(1).unwrap(), 10)
        .unwrap_or_else(|e| panic!("{context}: {e}"));
    assert_eq!(items.len(), 2, "{context}");
    assert_eq!(
        sim.requests(Route::ListPublicKeys) - before,
        2,
        "{context}: one key a page"
    );
    // A 429 and its retry: the retry carries a token of its own.
    sim.set_fault(
        Route::ListPublicKeys,
        Fault::RateLimited { retry_after: None },
        1,
    );
    let retried = signed
        .send(&ListCredentialPublicKeys::new())
        .unwrap_or_else(|e| panic!("{context}: {e}"));
    assert_eq!(retried.attempts, 2, "{context}");
    // The Auth Token calls, which a Main key may make.
    signed
        .send(&CreateSecondaryAuthToken::new())
        .unwrap_or_else(|e| panic!("{context}: {e}"));
    signed
        .send(&PromoteAuthToken::new())
        .unwrap_or_else(|e| panic!("{context}: {e}"));

    // Refused: no signature (70052); signed by a key no longer registered (70154).
    let unsigned: A = client(&sim, None, algorithm);
    let err = unsigned.send(&ListCredentialPublicKeys::new()).unwrap_err();
    assert_eq!(err.code(), Some(70052), "{context}: {err}");
    signed
        .send(&DeleteCredentialPublicKey::new(second_sid))
        .unwrap_or_else(|e| panic!("{context}: {e}"));
    let revoked: A = client(&sim, Some(second_sid.as_str()), algorithm);
    let err = revoked.send(&ListCredentialPublicKeys::new()).unwrap_err();
    assert_eq!(err.code(), Some(70154), "{context}: {err}");
    // The remaining registered key still signs.
    signed
        .send(&ListCredentialPublicKeys::new())
        .unwrap_or_else(|e| panic!("{context}: {e}"));
}

#[test]
fn both_adapters_sign_what_the_simulator_verifies() {
    for wire in [Wire::Plain, Wire::Tls] {
        for algorithm in [Algorithm::Rs256, Algorithm::Ps256] {
            every_call_class_is_accepted::<Ureq>(wire, algorithm);
            every_call_class_is_accepted::<Hyper>(wire, algorithm);
        }
    }
}
