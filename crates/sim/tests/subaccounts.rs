//! Several accounts on one simulator: each authenticates with its own tokens and acts on its own state;
//! subaccounts that are not active are refused; a per-account concurrency limit refuses extra requests.

mod common;

use std::thread;
use std::time::Duration;

use common::*;
use twilio_accounts_sim::{Fault, Route, SimConfig};

fn fleet_config(subaccounts: usize) -> SimConfig {
    SimConfig {
        seed: Some(11),
        subaccounts,
        ..SimConfig::default()
    }
}

#[test]
fn a_subaccount_rotates_its_own_token_and_no_other() {
    let sim = sim(fleet_config(2));
    let subs = sim.subaccount_sids();
    assert_eq!(subs.len(), 2);
    let (sub, other) = (&subs[0], &subs[1]);
    let main_token = sim.primary_token();
    let sub_token = sim.primary_token_of(sub).expect("a subaccount");
    let other_token = sim.primary_token_of(other).expect("a subaccount");
    assert!(sub != &sim.account_sid() && sub_token != main_token && sub_token != other_token);

    let created = call(&sim, Req::new("POST", SECONDARY).auth(sub, &sub_token));
    assert_eq!(created.status, 201);
    let secondary = sim
        .secondary_token_of(sub)
        .expect("the subaccount's secondary");
    assert_eq!(sim.secondary_token(), None);
    assert_eq!(sim.secondary_token_of(other), None);

    let promoted = call(&sim, Req::new("POST", PROMOTE).auth(sub, &secondary));
    assert_eq!(promoted.status, 200);
    assert_eq!(sim.primary_token_of(sub), Some(secondary.clone()));
    assert_eq!(sim.primary_token(), main_token);
    assert_eq!(sim.primary_token_of(other), Some(other_token));
    // The old subaccount token is gone, and a token never works with another account's SID.
    let old = call(&sim, Req::new("GET", PUBLIC_KEYS).auth(sub, &sub_token));
    assert_twilio_error(&old, 401, 20003);
    let crossed = call(
        &sim,
        Req::new("GET", PUBLIC_KEYS).auth(&sim.account_sid(), &secondary),
    );
    assert_twilio_error(&crossed, 401, 20003);
}

#[test]
fn the_same_seed_gives_the_same_fleet() {
    let (a, b) = (sim(fleet_config(3)), sim(fleet_config(3)));
    assert_eq!(a.subaccount_sids(), b.subaccount_sids());
    for sid in a.subaccount_sids() {
        assert_eq!(a.primary_token_of(&sid), b.primary_token_of(&sid));
    }
    assert_eq!(a.primary_token_of("ACnot"), None);
}

#[test]
fn accounts_that_are_not_active_are_refused() {
    let sim = sim(SimConfig {
        suspended: 1,
        closed: 1,
        ..fleet_config(3)
    });
    let subs = sim.subaccount_sids();
    let cases = [(&subs[0], 401, 20005), (&subs[1], 401, 20003)];
    for (sid, status, code) in cases {
        let token = sim.primary_token_of(sid).expect("a subaccount");
        let response = call(&sim, Req::new("POST", SECONDARY).auth(sid, &token));
        assert_twilio_error(&response, status, code);
        assert_eq!(sim.secondary_token_of(sid), None, "{sid}");
    }
    let active = &subs[2];
    let token = sim.primary_token_of(active).expect("a subaccount");
    assert_eq!(
        call(&sim, Req::new("GET", PUBLIC_KEYS).auth(active, &token)).status,
        200
    );
}

#[test]
fn requests_beyond_the_limit_in_flight_get_20429_and_other_accounts_are_not_limited() {
    let sim = std::sync::Arc::new(sim(SimConfig {
        max_concurrent: Some(2),
        ..fleet_config(1)
    }));
    // The first two requests are held in flight by a delay (applied after the operation).
    sim.set_fault(Route::Any, Fault::Delay(Duration::from_secs(2)), 2);
    let held: Vec<_> = (0..2)
        .map(|_| {
            let sim = std::sync::Arc::clone(&sim);
            thread::spawn(move || call(&sim, as_primary(&sim, "GET", PUBLIC_KEYS)).status)
        })
        .collect();
    // A request takes its slot before it can wait on anything, so once both are counted both are in flight.
    for _ in 0..500 {
        if sim.requests(Route::Any) >= 2 {
            break;
        }
        thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(sim.requests(Route::Any), 2);

    let refused = call(&sim, as_primary(&sim, "POST", SECONDARY));
    assert_twilio_error(&refused, 429, 20429);
    assert_eq!(
        sim.secondary_token(),
        None,
        "a refused request is not processed"
    );
    let sub = &sim.subaccount_sids()[0];
    let token = sim.primary_token_of(sub).expect("a subaccount");
    assert_eq!(
        call(&sim, Req::new("GET", PUBLIC_KEYS).auth(sub, &token)).status,
        200
    );

    let statuses: Vec<u16> = held
        .into_iter()
        .map(|h| h.join().expect("a held request"))
        .collect();
    assert_eq!(statuses, [200, 200]);
    // The slots are free again.
    assert_eq!(call(&sim, as_primary(&sim, "POST", SECONDARY)).status, 201);
}
