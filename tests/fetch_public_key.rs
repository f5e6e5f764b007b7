//! `FetchCredentialPublicKey` end to end, through both adapters, against the
//! simulator's `GET /v1/Credentials/PublicKeys/{Sid}` route.
//!
//! Not registered in `tests/Cargo.toml` on the branch that added the
//! operation to the core: the simulator gained the route on another branch.
//! Once both are merged, register it (`[[test]] name = "fetch_public_key"`).

use twilio_accounts_core::{
    Credential, DecodeError, FetchCredentialPublicKey, Idempotency, ListCredentialPublicKeys,
    Operation, Parameter, ParameterLocation,
};
use twilio_accounts_tests::adapters::{Adapter, Hyper, Ureq, Wire, simulator};

/// `CreateCredentialPublicKey`, declared here for the test only: the core
/// does not implement it yet, and the scenario needs a key to fetch.
#[derive(Debug, Clone)]
struct CreatePublicKey;

impl Operation for CreatePublicKey {
    type Output = Credential;
    const ID: &'static str = "CreateCredentialPublicKey";
    const METHOD: http::Method = http::Method::POST;
    const IDEMPOTENCY: Idempotency = Idempotency::NotIdempotent;
    const PATH: &'static str = "/v1/Credentials/PublicKeys";
    const PARAMETERS: &'static [Parameter] = &[
        Parameter::spec("PublicKey", ParameterLocation::Form),
        Parameter::spec("FriendlyName", ParameterLocation::Form),
    ];
    fn form(&self, form: &mut twilio_accounts_core::form::Form) {
        form.text(
            "PublicKey",
            "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----",
        );
        form.text("FriendlyName", "fetch me + find me");
    }
    fn parse_success(
        &self,
        status: http::StatusCode,
        body: &[u8],
    ) -> Result<Credential, DecodeError> {
        serde_json::from_slice(body).map_err(|_| {
            panic!("the simulator answered {status} with a body that is not a credential")
        })
    }
}

fn fetch_returns_the_created_and_listed_key<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    let client = A::for_sim(&sim);
    let created = client.send(&CreatePublicKey).unwrap().value;
    let sid = created.sid.expect("a created key has a SID");

    let fetched = client.send(&FetchCredentialPublicKey::new(sid)).unwrap();
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.value, created);
    assert_eq!(
        fetched.value.friendly_name.as_deref(),
        Some("fetch me + find me")
    );

    let page = client.send(&ListCredentialPublicKeys::new()).unwrap().value;
    assert_eq!(page.items, vec![created]);
}

#[test]
fn fetch_returns_the_created_and_listed_key_ureq() {
    for wire in [Wire::Plain, Wire::Tls] {
        fetch_returns_the_created_and_listed_key::<Ureq>(wire);
    }
}

#[test]
fn fetch_returns_the_created_and_listed_key_hyper() {
    for wire in [Wire::Plain, Wire::Tls] {
        fetch_returns_the_created_and_listed_key::<Hyper>(wire);
    }
}
