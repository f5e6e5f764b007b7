//! A full lifecycle of every Accounts v1 resource against the simulator,
//! through both clients over plain HTTP and TLS: create → fetch → update →
//! list across several pages (the client's iterator or stream, no paging code
//! here) → delete → fetch is a 404.

use twilio_accounts_core::{
    AwsCredentials, CountryCode, CreateBulkConsents, CreateBulkContacts, CreateCredentialAws,
    CreateCredentialPublicKey, CreateSafelist, Credential, CredentialSid, DeleteCredentialAws,
    DeleteCredentialPublicKey, DeleteSafelist, Error, FetchCredentialAws, FetchCredentialPublicKey,
    FetchMessagingGeopermissions, FetchSafelist, FriendlyName, GeoPermission, ListCredentialAws,
    ListCredentialPublicKeys, ListOperation, Operation, SafelistNumber, UpdateCredentialAws,
    UpdateCredentialPublicKey, UpdateMessagingGeopermissions,
};
use twilio_accounts_sim::Route;
use twilio_accounts_tests::adapters::{Adapter, Wire, simulator};

/// The two credential resources share one shape; each says how to build its
/// five operations.
trait CredentialResource {
    type Create: Operation<Output = Credential> + Sync;
    type List: ListOperation<Item = Credential> + Send + Sync + 'static;
    type Fetch: Operation<Output = Credential> + Sync;
    type Update: Operation<Output = Credential> + Sync;
    type Delete: Operation<Output = ()> + Sync;
    fn create(name: FriendlyName) -> Self::Create;
    fn list(page_size: u32) -> Self::List;
    fn fetch(sid: CredentialSid) -> Self::Fetch;
    fn update(sid: CredentialSid, name: FriendlyName) -> Self::Update;
    fn delete(sid: CredentialSid) -> Self::Delete;
}

struct Aws;

impl CredentialResource for Aws {
    type Create = CreateCredentialAws;
    type List = ListCredentialAws;
    type Fetch = FetchCredentialAws;
    type Update = UpdateCredentialAws;
    type Delete = DeleteCredentialAws;
    fn create(name: FriendlyName) -> Self::Create {
        CreateCredentialAws::new(AwsCredentials::spec_example()).friendly_name(name)
    }
    fn list(page_size: u32) -> Self::List {
        ListCredentialAws::new().page_size(page_size).unwrap()
    }
    fn fetch(sid: CredentialSid) -> Self::Fetch {
        FetchCredentialAws::new(sid)
    }
    fn update(sid: CredentialSid, name: FriendlyName) -> Self::Update {
        UpdateCredentialAws::new(sid, name)
    }
    fn delete(sid: CredentialSid) -> Self::Delete {
        DeleteCredentialAws::new(sid)
    }
}

struct PublicKeys;

impl CredentialResource for PublicKeys {
    type Create = CreateCredentialPublicKey;
    type List = ListCredentialPublicKeys;
    type Fetch = FetchCredentialPublicKey;
    type Update = UpdateCredentialPublicKey;
    type Delete = DeleteCredentialPublicKey;
    fn create(name: FriendlyName) -> Self::Create {
        CreateCredentialPublicKey::new(include_str!(
            "../crates/core/src/operations/example_public_key_2048.pem"
        ))
        .unwrap()
        .friendly_name(name)
    }
    fn list(page_size: u32) -> Self::List {
        ListCredentialPublicKeys::new()
            .page_size(page_size)
            .unwrap()
    }
    fn fetch(sid: CredentialSid) -> Self::Fetch {
        FetchCredentialPublicKey::new(sid)
    }
    fn update(sid: CredentialSid, name: FriendlyName) -> Self::Update {
        UpdateCredentialPublicKey::new(sid, name)
    }
    fn delete(sid: CredentialSid) -> Self::Delete {
        DeleteCredentialPublicKey::new(sid)
    }
}

fn name(text: &str) -> FriendlyName {
    FriendlyName::new(text).unwrap()
}

fn is_not_found(result: Result<impl std::fmt::Debug, Error>) -> bool {
    matches!(result, Err(ref err) if err.is_not_found())
}

fn credential_lifecycle<A: Adapter, R: CredentialResource>(wire: Wire) {
    let sim = simulator(wire);
    let client = A::for_sim(&sim);

    // Five credentials, so that a page size of two makes three pages.
    let mut sids = Vec::new();
    for n in 0..5 {
        let created = client.send(&R::create(name(&format!("key {n}")))).unwrap();
        assert_eq!(created.status, 201);
        assert_eq!(
            created.value.friendly_name.as_deref(),
            Some(format!("key {n}").as_str())
        );
        sids.push(created.value.sid.expect("a created credential has a SID"));
    }
    let first = sids[0];

    let fetched = client.send(&R::fetch(first)).unwrap();
    assert_eq!(fetched.value.sid.as_ref(), Some(&first));

    let renamed = client.send(&R::update(first, name("renamed"))).unwrap();
    assert_eq!(renamed.value.friendly_name.as_deref(), Some("renamed"));

    // Every item across three pages, in order, with the rename seen.
    let listed = client.items(R::list(2), usize::MAX).unwrap();
    let listed_sids: Vec<CredentialSid> = listed.iter().filter_map(|c| c.sid).collect();
    assert_eq!(listed_sids, sids);
    assert_eq!(listed[0].friendly_name.as_deref(), Some("renamed"));
    // A limit stops inside a page, and the walk does not fetch beyond it.
    let requests_before = sim.requests(Route::Any);
    let limited = client.items(R::list(2), 3).unwrap();
    assert_eq!(limited.len(), 3);
    assert_eq!(
        sim.requests(Route::Any) - requests_before,
        2,
        "two pages hold three items"
    );

    let deleted = client.send(&R::delete(first)).unwrap();
    assert_eq!(deleted.status, 204);
    assert!(is_not_found(client.send(&R::fetch(first))));
    assert_eq!(client.items(R::list(50), usize::MAX).unwrap().len(), 4);
}

fn aws_credential_lifecycle<A: Adapter>(wire: Wire) {
    credential_lifecycle::<A, Aws>(wire);
}

fn public_key_lifecycle<A: Adapter>(wire: Wire) {
    credential_lifecycle::<A, PublicKeys>(wire);
}

fn safelist_lifecycle<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    let client = A::for_sim(&sim);
    let number = SafelistNumber::spec_example();

    assert!(is_not_found(
        client.send(&FetchSafelist::new(number.clone()))
    ));
    let created = client.send(&CreateSafelist::new(number.clone())).unwrap();
    assert_eq!(created.status, 201);
    assert!(
        created
            .value
            .sid
            .as_ref()
            .is_some_and(|sid| sid.as_str().starts_with("GN"))
    );
    let fetched = client.send(&FetchSafelist::new(number.clone())).unwrap();
    assert_eq!(fetched.value.sid, created.value.sid);
    let deleted = client.send(&DeleteSafelist::new(number.clone())).unwrap();
    assert_eq!(deleted.status, 204);
    assert!(is_not_found(client.send(&FetchSafelist::new(number))));
}

fn geo_permissions_lifecycle<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    let client = A::for_sim(&sim);
    let country = || CountryCode::new("GB").unwrap();

    let update =
        UpdateMessagingGeopermissions::new(vec![GeoPermission::new(country(), false)]).unwrap();
    let updated = client.send(&update).unwrap();
    assert_eq!(updated.value.failures().count(), 0, "{:?}", updated.value);
    let fetched = client
        .send(&FetchMessagingGeopermissions::country(country()))
        .unwrap();
    let text = format!("{:?}", fetched.value);
    assert!(text.contains("GB"), "{text}");
    let enabled_again =
        UpdateMessagingGeopermissions::new(vec![GeoPermission::new(country(), true)]).unwrap();
    client.send(&enabled_again).unwrap();
}

fn bulk_lifecycle<A: Adapter>(wire: Wire) {
    let sim = simulator(wire);
    let client = A::for_sim(&sim);
    let consents = client.send(&CreateBulkConsents::example()).unwrap();
    assert_eq!(consents.status, 201);
    assert!(!format!("{:?}", consents.value).is_empty());
    let contacts = client.send(&CreateBulkContacts::example()).unwrap();
    assert_eq!(contacts.status, 201);
}

twilio_accounts_tests::scenarios!(
    aws_credential_lifecycle,
    public_key_lifecycle,
    safelist_lifecycle,
    geo_permissions_lifecycle,
    bulk_lifecycle,
);
