//! API keys end to end: the core's 2010 `Keys` / `SigningKeys` operations and IAM v1 `Keys` operations, sent
//! through each adapter's generic `send` (and paged by its iterator or stream), against the simulator's
//! independent implementation of the same routes, over real sockets on 127.0.0.1, plain and TLS.
//!
//! The simulator is the reference: what the core reads back must be what it created, the secret must come
//! back once and as a secret type, and a new key must authenticate through the same client.

use twilio_accounts_core::operations::keys_2010::{Keys, SigningKeys};
use twilio_accounts_core::{
    AccountSid, ApiKeySecret, ApiKeySid, CreateAccountKey, CreateIamKey, Credentials,
    DeleteAccountKey, DeleteIamKey, FetchAccountKey, FetchIamKey, FriendlyName, KeyResource,
    ListAccountKeys, ListCredentialPublicKeys, ListIamKeys, Policy, UpdateAccountKey, UpdateIamKey,
};
use twilio_accounts_sim::{SimConfig, Simulator, TlsConfig};
use twilio_accounts_tests::adapters::{Adapter, Wire, options_for};

/// Keys made for the paging part: more than one page of `PAGE_SIZE`.
const KEYS: usize = 5;
const PAGE_SIZE: u32 = 2;
/// More items than any list here holds: bounds every paging loop.
const LIMIT: usize = 100;

fn simulator(wire: Wire) -> Simulator {
    Simulator::spawn(SimConfig {
        tls: (wire == Wire::Tls).then(TlsConfig::default),
        seed: Some(42),
        ..SimConfig::default()
    })
    .expect("the simulator starts on 127.0.0.1")
}

fn account(sim: &Simulator) -> AccountSid {
    sim.account_sid().parse().expect("a valid account SID")
}

fn name(text: &str) -> FriendlyName {
    FriendlyName::new(text).expect("a valid name")
}

/// A client that authenticates with the key `sid:secret` of the simulator's main account.
fn as_key<A: Adapter>(sim: &Simulator, sid: ApiKeySid, secret: &ApiKeySecret) -> A {
    let credentials = Credentials::api_key(account(sim), sid, secret.clone());
    A::build(credentials, options_for(sim)).expect("the client builds")
}

/// `Debug` of a secret never shows it.
#[track_caller]
fn assert_redacted(secret: &ApiKeySecret) {
    let shown = format!("{secret:?}");
    assert!(!shown.contains(secret.expose_secret()), "{shown}");
    assert!(shown.contains("redacted"), "{shown}");
}

/// The five 2010 operations of one key resource, in order, then its list paged by the client.
fn lifecycle_2010<R: KeyResource, A: Adapter>(client: &A, sim: &Simulator) {
    let account = account(sim);
    let reply = client
        .send(&CreateAccountKey::<R>::new(account).friendly_name(name("first")))
        .expect("the create");
    assert_eq!(reply.status, 201, "{} {}", A::NAME, R::CREATE_ID);
    let created = reply.value;
    let sid = created.sid.expect("a key SID");
    let secret = created.secret.as_ref().expect("the secret, once");
    assert!(!secret.expose_secret().is_empty());
    assert_redacted(secret);
    assert!(!format!("{created:?}").contains(secret.expose_secret()));
    assert_eq!(created.friendly_name.as_deref(), Some("first"));

    let fetched = client
        .send(&FetchAccountKey::<R>::new(account, sid))
        .expect("the fetch")
        .value;
    assert_eq!(fetched.sid, Some(sid));
    assert_eq!(fetched.date_created, created.date_created);
    assert!(fetched.date_created.is_some());

    let renamed = client
        .send(&UpdateAccountKey::<R>::new(account, sid, name("second")))
        .expect("the update")
        .value;
    assert_eq!(renamed.friendly_name.as_deref(), Some("second"));

    for i in 0..KEYS - 1 {
        client
            .send(&CreateAccountKey::<R>::new(account).friendly_name(name(&format!("k{i}"))))
            .expect("another create");
    }
    let list = ListAccountKeys::<R>::new(account)
        .page_size(PAGE_SIZE)
        .expect("a page size");
    let items = client.items(list, LIMIT).expect("every page");
    assert_eq!(items.len(), KEYS, "{} {}", A::NAME, R::LIST_ID);
    assert_eq!(items[0].sid, Some(sid));
    assert_eq!(items[0].friendly_name.as_deref(), Some("second"));

    let deleted = client
        .send(&DeleteAccountKey::<R>::new(account, sid))
        .expect("the delete");
    assert_eq!(deleted.status, 204);
    let err = client
        .send(&FetchAccountKey::<R>::new(account, sid))
        .expect_err("gone");
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.code(), Some(20404));
}

fn the_2010_keys_live_through_every_operation<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    lifecycle_2010::<Keys, A>(&A::for_sim(&sim), &sim);
}

fn the_2010_signing_keys_live_through_every_operation<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    lifecycle_2010::<SigningKeys, A>(&A::for_sim(&sim), &sim);
}

fn a_2010_key_authenticates_until_it_is_deleted<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    let client = A::for_sim(&sim);
    let account = account(&sim);
    let created = client
        .send(&CreateAccountKey::<Keys>::new(account))
        .expect("the create")
        .value;
    let sid = created.sid.expect("a key SID");
    let secret = created.secret.expect("the secret");
    let with_key: A = as_key(&sim, sid, &secret);
    // The read-only call a Standard key may make.
    with_key
        .send(&ListCredentialPublicKeys::new())
        .expect("the new key works");
    // A Standard key may not manage keys.
    let err = with_key
        .send(&ListAccountKeys::<Keys>::new(account))
        .expect_err("refused");
    assert_eq!(err.code(), Some(20003), "{err:?}");
    client
        .send(&DeleteAccountKey::<Keys>::new(account, sid))
        .expect("the delete");
    let err = with_key
        .send(&ListCredentialPublicKeys::new())
        .expect_err("revoked");
    assert_eq!(err.code(), Some(20003), "{err:?}");
}

fn iam_keys_live_through_every_operation<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    let client = A::for_sim(&sim);
    let account = account(&sim);
    let read = "/twilio/accounts/credentials/public-keys/read";
    let policy = Policy::allow([read]).expect("a policy");
    let create = CreateIamKey::restricted(account, policy.clone())
        .expect("a restricted create")
        .friendly_name(name("restricted"));
    let reply = client.send(&create).expect("the create");
    assert_eq!(reply.status, 201);
    let created = reply.value;
    let sid = created.sid.expect("a key SID");
    let secret = created.secret.clone().expect("the secret, once");
    assert_redacted(&secret);
    assert!(!format!("{created:?}").contains(secret.expose_secret()));
    assert_eq!(created.policy.as_ref(), Some(&policy));

    let fetched = client
        .send(&FetchIamKey::new(sid))
        .expect("the fetch")
        .value;
    assert_eq!(fetched.policy.as_ref(), Some(&policy));
    assert_eq!(fetched.friendly_name.as_deref(), Some("restricted"));
    assert_eq!(fetched.date_created, created.date_created);

    // The restricted key does what its policy allows, and nothing else.
    let with_key: A = as_key(&sim, sid, &secret);
    with_key
        .send(&ListCredentialPublicKeys::new())
        .expect("allowed by the policy");
    let err = with_key
        .send(&ListIamKeys::new(account))
        .expect_err("not in the policy");
    assert_eq!(err.code(), Some(70051), "{err:?}");

    let wider = Policy::allow([read, "/twilio/iam/api-keys/read"]).expect("a policy");
    let updated = client
        .send(
            &UpdateIamKey::new(sid)
                .friendly_name(name("wider"))
                .policy(wider.clone())
                .expect("an update"),
        )
        .expect("the update")
        .value;
    assert_eq!(updated.policy.as_ref(), Some(&wider));
    assert_eq!(updated.friendly_name.as_deref(), Some("wider"));
    with_key
        .send(&ListIamKeys::new(account))
        .expect("allowed by the new policy");

    for i in 0..KEYS - 1 {
        let standard = CreateIamKey::standard(account).friendly_name(name(&format!("s{i}")));
        let made = client.send(&standard).expect("a standard create").value;
        assert_eq!(made.policy, None);
    }
    let list = ListIamKeys::new(account)
        .page_size(PAGE_SIZE)
        .expect("a page size");
    let items = client.items(list, LIMIT).expect("every page");
    assert_eq!(items.len(), KEYS, "{}", A::NAME);
    assert_eq!(items[0].sid, Some(sid));
    assert!(items.iter().all(|k| k.flags.is_some()));

    assert_eq!(
        client
            .send(&DeleteIamKey::new(sid))
            .expect("the delete")
            .status,
        204
    );
    let err = with_key
        .send(&ListCredentialPublicKeys::new())
        .expect_err("revoked");
    assert_eq!(err.code(), Some(20003), "{err:?}");
    let err = client.send(&FetchIamKey::new(sid)).expect_err("gone");
    assert!(err.is_not_found(), "{err:?}");
}

twilio_accounts_tests::scenarios!(
    the_2010_keys_live_through_every_operation,
    the_2010_signing_keys_live_through_every_operation,
    a_2010_key_authenticates_until_it_is_deleted,
    iam_keys_live_through_every_operation,
);
