//! The 2010 Accounts resource end to end: the core's `ListAccount` and
//! `FetchAccount`, sent with each adapter's generic `send`, against the
//! simulator's independent implementation of the same routes
//! (`/2010-04-01/Accounts.json`, `/2010-04-01/Accounts/{Sid}.json`), over
//! real sockets on 127.0.0.1, plain and TLS.
//!
//! The simulator's fleet (a main account with subaccounts, some suspended or
//! closed) is the reference: what the core reads must be what the simulator
//! holds, page after page.

use twilio_accounts_core::{
    Account, AccountStatus, AuthToken, Credentials, Endpoint, Error, FetchAccount, FriendlyName,
    ListAccount, ListOperation, PageRequest, PlainHttp,
};
use twilio_accounts_sim::{SimConfig, Simulator, TlsConfig};
use twilio_accounts_tests::adapters::{Adapter, Wire, options_for};

/// Subaccounts of the fleet: 1 suspended, 1 closed, 5 active.
const SUBACCOUNTS: usize = 7;
/// Accounts per page: the main account and 7 subaccounts make 4 pages.
const PAGE_SIZE: u32 = 2;
/// More pages than the fleet can fill: bounds every paging loop.
const MAX_PAGES: usize = 16;

fn fleet(wire: Wire) -> Simulator {
    Simulator::spawn(SimConfig {
        tls: (wire == Wire::Tls).then(TlsConfig::default),
        seed: Some(2010),
        subaccounts: SUBACCOUNTS,
        suspended: 1,
        closed: 1,
        ..SimConfig::default()
    })
    .expect("the simulator starts on 127.0.0.1")
}

/// A client that authenticates as the account `sid` of `sim`.
fn client_as<A: Adapter>(sim: &Simulator, sid: &str) -> A {
    let token = sim.primary_token_of(sid).expect("an account of the fleet");
    let credentials = Credentials::auth_token(
        sid.parse().expect("a valid SID"),
        AuthToken::new(token).expect("a valid token"),
    );
    A::build(credentials, options_for(sim)).expect("the client builds")
}

/// The endpoint the clients of `sim` use (one base URL for both services).
fn endpoint(sim: &Simulator) -> Endpoint {
    Endpoint::custom(&sim.base_url(), PlainHttp::LoopbackOnly).expect("the simulator's URL")
}

/// Every page of `list`, following the server's links, at most `MAX_PAGES`.
fn all_pages<A: Adapter>(client: &A, sim: &Simulator, list: ListAccount) -> Vec<Vec<Account>> {
    let endpoint = endpoint(sim);
    let mut pages = Vec::new();
    let mut page = client.send(&list).expect("the first page").value;
    for _ in 0..MAX_PAGES {
        let next = ListAccount::next_page(&endpoint, &page).expect("a link to the same list");
        pages.push(std::mem::take(&mut page.items));
        let Some(next) = next else {
            return pages;
        };
        page = client.send(&next).expect("the next page").value;
    }
    panic!("more than {MAX_PAGES} pages");
}

fn sid_of(account: &Account) -> String {
    account.sid.expect("every account has a SID").to_string()
}

fn the_parent_lists_itself_and_every_subaccount_across_pages<A: Adapter>(wire: Wire) {
    let sim = fleet(wire);
    let main = sim.account_sid();
    let client: A = client_as(&sim, &main);
    let pages = all_pages(
        &client,
        &sim,
        ListAccount::new().page_size(PAGE_SIZE).unwrap(),
    );
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        [2, 2, 2, 2],
        "{}",
        A::NAME
    );
    let accounts: Vec<&Account> = pages.iter().flatten().collect();
    let mut expected = vec![main.clone()];
    expected.extend(sim.subaccount_sids());
    assert_eq!(
        accounts.iter().map(|a| sid_of(a)).collect::<Vec<_>>(),
        expected
    );
    for account in &accounts {
        let sid = sid_of(account);
        let token = account
            .auth_token
            .as_ref()
            .expect("a token for each account");
        assert_eq!(
            Some(token.expose_secret().to_owned()),
            sim.primary_token_of(&sid),
            "{sid}"
        );
        assert_eq!(account.owner_account_sid.unwrap().as_str(), main);
        assert!(account.date_created.is_some() && account.date_updated.is_some());
        assert_eq!(
            account.uri.as_deref(),
            Some(format!("/2010-04-01/Accounts/{sid}.json").as_str())
        );
    }
    let statuses: Vec<&AccountStatus> = accounts.iter().filter_map(|a| a.status.as_ref()).collect();
    let count = |s: AccountStatus| statuses.iter().filter(|x| ***x == s).count();
    assert_eq!(count(AccountStatus::Active), 6);
    assert_eq!(count(AccountStatus::Suspended), 1);
    assert_eq!(count(AccountStatus::Closed), 1);
}

fn filters_narrow_the_list_and_keep_paging<A: Adapter>(wire: Wire) {
    let sim = fleet(wire);
    let client: A = client_as(&sim, &sim.account_sid());
    let active = all_pages(
        &client,
        &sim,
        ListAccount::new()
            .status(AccountStatus::Active)
            .page_size(PAGE_SIZE)
            .unwrap(),
    );
    let active: Vec<&Account> = active.iter().flatten().collect();
    assert_eq!(active.len(), 6);
    assert!(
        active
            .iter()
            .all(|a| a.status == Some(AccountStatus::Active))
    );

    let named = client
        .send(&ListAccount::new().friendly_name(FriendlyName::new("Subaccount 3").unwrap()))
        .unwrap()
        .value;
    assert_eq!(named.items.len(), 1);
    assert_eq!(sid_of(&named.items[0]), sim.subaccount_sids()[2]);
    assert_eq!(named.next_page_url, None);
}

fn the_parent_fetches_a_subaccount_with_its_current_token<A: Adapter>(wire: Wire) {
    let sim = fleet(wire);
    let client: A = client_as(&sim, &sim.account_sid());
    let sub = sim.subaccount_sids()[4].clone();
    let reply = client
        .send(&FetchAccount::new(sub.parse().unwrap()))
        .unwrap();
    assert_eq!(reply.status, 200);
    let account = reply.value;
    assert_eq!(sid_of(&account), sub);
    assert_eq!(
        account.auth_token.map(|t| t.expose_secret().to_owned()),
        sim.primary_token_of(&sub)
    );
    assert_eq!(account.status, Some(AccountStatus::Active));
    assert_eq!(account.friendly_name.as_deref(), Some("Subaccount 5"));
}

fn a_subaccount_reaches_only_itself<A: Adapter>(wire: Wire) {
    let sim = fleet(wire);
    let sub = sim.subaccount_sids()[3].clone();
    let client: A = client_as(&sim, &sub);
    let page = client.send(&ListAccount::new()).unwrap().value;
    let listed: Vec<String> = page.items.iter().map(sid_of).collect();
    assert_eq!(listed, [sub.as_str()]);
    let err = client
        .send(&FetchAccount::new(sim.account_sid().parse().unwrap()))
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert!(
        api.hint()
            .is_some_and(|h| h.contains("a subaccount only itself"))
    );
}

fn a_page_token_the_server_did_not_send_is_21481<A: Adapter>(wire: Wire) {
    let sim = fleet(wire);
    let client: A = client_as(&sim, &sim.account_sid());
    let paging = PageRequest::new()
        .page_size(PAGE_SIZE)
        .unwrap()
        .page(1, "PAnot-a-token");
    let err = client.send(&ListAccount::with_paging(paging)).unwrap_err();
    assert_eq!(err.code(), Some(21481), "{err:?}");
    assert_eq!(err.operation(), Some("ListAccount"));
}

twilio_accounts_tests::scenarios!(
    the_parent_lists_itself_and_every_subaccount_across_pages,
    filters_narrow_the_list_and_keep_paging,
    the_parent_fetches_a_subaccount_with_its_current_token,
    a_subaccount_reaches_only_itself,
    a_page_token_the_server_did_not_send_is_21481,
);
