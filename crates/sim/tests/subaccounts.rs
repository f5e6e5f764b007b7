//! Several accounts on one simulator: each authenticates with its own tokens and acts on its own state;
//! subaccounts that are not active are refused; a per-account concurrency limit refuses extra requests;
//! what one account makes (credentials, safe-list numbers, geo permissions) another cannot see or change.

mod common;

use std::thread;
use std::time::Duration;

use common::*;
use serde_json::json;
use twilio_accounts_sim::{Fault, Route, SimConfig, Simulator};

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

/// What one account makes (credentials, safe-list numbers, geo permissions) is its own: another
/// account neither sees it nor changes it, even when it names the same SID or number.
#[test]
fn every_resource_belongs_to_the_account_that_made_it() {
    let sim = sim(fleet_config(1));
    let sub = sim.subaccount_sids().remove(0);
    let sub_token = sim.primary_token_of(&sub).expect("a subaccount");
    let as_main = |method, target: &str| as_primary(&sim, method, target);
    let as_sub = |method, target: &str| Req::new(method, target).auth(&sub, &sub_token);

    let number = "PhoneNumber=%2B18001234567";
    let safelisted = format!("{SAFELIST}?{number}");
    assert_eq!(
        call(&sim, as_main("POST", SAFELIST).form(number)).status,
        201
    );
    let germany = format!("{GEO_PERMISSIONS}?CountryCode=DE");
    let enabled = |req: Req| call(&sim, req).json()["permissions"][0]["enabled"].clone();
    let before = enabled(as_sub("GET", &germany));
    let flipped = format!(
        "Permissions={}",
        form_urlencoded::byte_serialize(
            format!(
                r#"{{"country_code":"DE","type":"country","enabled":{}}}"#,
                before != json!(true)
            )
            .as_bytes()
        )
        .collect::<String>()
    );
    assert_eq!(
        call(&sim, as_main("PATCH", GEO_PERMISSIONS).form(&flipped)).status,
        200
    );
    assert_ne!(
        enabled(as_main("GET", &germany)),
        before,
        "the main account's change took"
    );

    for path in [PUBLIC_KEYS, AWS] {
        let form = if path == AWS {
            "Credentials=AKIA:secret"
        } else {
            "PublicKey=key"
        };
        let created = call(&sim, as_main("POST", path).form(form));
        assert_eq!(created.status, 201, "{path}");
        let instance = format!("{path}/{}", created.json()["sid"].as_str().expect("a sid"));
        for (method, form) in [("GET", ""), ("POST", "FriendlyName=taken"), ("DELETE", "")] {
            let mut req = as_sub(method, &instance);
            if !form.is_empty() {
                req = req.form(form);
            }
            assert_twilio_error(&call(&sim, req), 404, 20404);
        }
        let listed = call(&sim, as_sub("GET", path)).json();
        assert_eq!(listed["credentials"], json!([]), "{path}: {listed}");
        let kept = call(&sim, as_main("GET", &instance));
        assert_eq!(kept.status, 200, "{path}: the owner still has it");
        assert_ne!(kept.json()["friendly_name"], json!("taken"), "{path}");
    }

    for method in ["GET", "DELETE"] {
        assert_twilio_error(&call(&sim, as_sub(method, &safelisted)), 404, 20404);
    }
    assert_eq!(
        call(&sim, as_main("GET", &safelisted)).status,
        200,
        "the owner still has it"
    );
    assert_eq!(
        enabled(as_sub("GET", &germany)),
        before,
        "the subaccount's permission is its own"
    );
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

const ACCOUNTS_2010: &str = "/2010-04-01/Accounts.json";

fn account_2010(sid: &str) -> String {
    format!("/2010-04-01/Accounts/{sid}.json")
}

#[test]
fn the_main_account_reaches_every_subaccount_and_a_subaccount_only_itself() {
    let sim = sim(fleet_config(2));
    let subs = sim.subaccount_sids();
    let (sub, other) = (&subs[0], &subs[1]);
    let sub_token = sim.primary_token_of(sub).expect("a subaccount");
    let as_sub = |target: &str| call(&sim, Req::new("GET", target).auth(sub, &sub_token));

    let listed = call(&sim, as_primary(&sim, "GET", ACCOUNTS_2010)).json();
    let sids: Vec<&str> = listed["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .filter_map(|a| a["sid"].as_str())
        .collect();
    assert_eq!(sids, [sim.account_sid().as_str(), sub, other]);
    let fetched = call(&sim, as_primary(&sim, "GET", &account_2010(other)));
    assert_eq!(fetched.status, 200);
    assert_eq!(
        fetched.json()["auth_token"].as_str(),
        sim.primary_token_of(other).as_deref()
    );

    let own = as_sub(ACCOUNTS_2010).json();
    assert_eq!(own["accounts"].as_array().map(Vec::len), Some(1));
    assert_eq!(own["accounts"][0]["sid"].as_str(), Some(sub.as_str()));
    assert_eq!(as_sub(&account_2010(sub)).status, 200);
    for target in [account_2010(other), account_2010(&sim.account_sid())] {
        assert_twilio_error(&as_sub(&target), 404, 20404);
    }
}

#[test]
fn the_2010_list_filters_pages_and_refuses_a_bad_page_token() {
    let sim = sim(SimConfig {
        suspended: 1,
        ..fleet_config(3)
    });
    let subs = sim.subaccount_sids();
    let get = |target: &str| call(&sim, as_primary(&sim, "GET", target));
    let count = |target: &str| get(target).json()["accounts"].as_array().map(Vec::len);
    let cases = [
        (format!("{ACCOUNTS_2010}?Status=active"), Some(3)),
        (format!("{ACCOUNTS_2010}?Status=suspended"), Some(1)),
        (
            format!("{ACCOUNTS_2010}?FriendlyName=Subaccount%202"),
            Some(1),
        ),
        (format!("{ACCOUNTS_2010}?PageSize=3&Page=1"), Some(1)),
        (
            format!("{ACCOUNTS_2010}?PageSize=3&Page=1&PageToken=PA{}", subs[1]),
            Some(1),
        ),
    ];
    for (target, expected) in cases {
        assert_eq!(count(&target), expected, "{target}");
    }
    let first = get(&format!("{ACCOUNTS_2010}?PageSize=3")).json();
    assert_eq!(
        first["next_page_uri"].as_str(),
        Some(format!("{ACCOUNTS_2010}?PageSize=3&Page=1&PageToken=PA{}", subs[1]).as_str())
    );
    assert_eq!(
        (first["start"].as_u64(), first["end"].as_u64()),
        (Some(0), Some(2))
    );
    for bad in ["PAnope", &format!("PA{}", subs[0])] {
        let target = format!("{ACCOUNTS_2010}?PageSize=3&Page=1&PageToken={bad}");
        assert_twilio_error(&get(&target), 400, 21481);
    }
    for bad in ["Status=gone", "PageSize=0", "Foo=1"] {
        assert_twilio_error(&get(&format!("{ACCOUNTS_2010}?{bad}")), 400, 20001);
    }
}

#[test]
fn a_fault_armed_on_a_route_hits_whichever_account_calls_it_next() {
    let sim = sim(fleet_config(1));
    let sub = &sim.subaccount_sids()[0];
    let token = sim.primary_token_of(sub).expect("a subaccount");
    sim.set_fault(
        Route::CreateSecondary,
        Fault::RateLimited { retry_after: None },
        1,
    );
    let refused = call(&sim, Req::new("POST", SECONDARY).auth(sub, &token));
    assert_twilio_error(&refused, 429, 20429);
    assert_eq!(sim.secondary_token_of(sub), None);
    // The fault is used up: the main account's next create goes through.
    assert_eq!(call(&sim, as_primary(&sim, "POST", SECONDARY)).status, 201);
}

#[test]
fn keys_per_subaccount_are_made_at_start_and_refused_past_the_limits() {
    // (keys per subaccount, --max-keys, starts)
    let cases = [
        (2, None, true),
        (2, Some(2), true),
        (3, Some(2), false),
        (
            twilio_accounts_sim::MAX_KEYS_PER_SUBACCOUNT + 1,
            None,
            false,
        ),
    ];
    for (keys, max_keys, starts) in cases {
        let spawned = Simulator::spawn(SimConfig {
            keys_per_subaccount: keys,
            max_keys,
            ..fleet_config(2)
        });
        assert_eq!(spawned.is_ok(), starts, "{keys} keys, max {max_keys:?}");
        let Ok(sim) = spawned else { continue };
        for sub in sim.subaccount_sids() {
            let path = format!("/2010-04-01/Accounts/{sub}/Keys.json");
            let listed = call(
                &sim,
                Req::new("GET", &path).auth(&sim.account_sid(), &sim.primary_token()),
            );
            assert_eq!(listed.status, 200);
            let names: Vec<String> = listed.json()["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["friendly_name"].as_str().unwrap().to_owned())
                .collect();
            let expected: Vec<String> = (1..=keys).map(|n| format!("Key {n}")).collect();
            assert_eq!(names, expected, "{sub}");
        }
        let main = format!("/2010-04-01/Accounts/{}/Keys.json", sim.account_sid());
        let listed = call(
            &sim,
            Req::new("GET", &main).auth(&sim.account_sid(), &sim.primary_token()),
        );
        assert_eq!(listed.json()["keys"], json!([]), "the parent gets none");
    }
}
