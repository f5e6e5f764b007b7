//! Racing requests keep the account consistent.

mod common;

use std::sync::{Arc, Barrier};
use std::thread;

use common::*;
use twilio_accounts_sim::{Route, SimConfig};

const RACERS: usize = 16;

#[test]
fn racing_promotes_have_exactly_one_winner_and_the_rest_get_20404() {
    for _round in 0..5 {
        let sim = Arc::new(sim(SimConfig::default()));
        let secondary = create_secondary(&sim);
        let sid = sim.account_sid();
        let barrier = Arc::new(Barrier::new(RACERS));
        let racers: Vec<_> = (0..RACERS)
            .map(|_| {
                // Each racer authenticates with the secondary: it stays valid for the winner (it becomes the
                // primary), so every loser is let in and finds no secondary left to promote.
                let (sim, barrier, sid, secondary) = (
                    Arc::clone(&sim),
                    Arc::clone(&barrier),
                    sid.clone(),
                    secondary.clone(),
                );
                thread::spawn(move || {
                    let mut conn = connect(sim.local_addr());
                    barrier.wait();
                    conn.send(&Req::new("POST", PROMOTE).auth(&sid, &secondary))
                        .expect("a response")
                })
            })
            .collect();
        let responses: Vec<Response> = racers
            .into_iter()
            .map(|r| r.join().expect("racer thread"))
            .collect();
        let winners = responses.iter().filter(|r| r.status == 200).count();
        assert_eq!(
            winners,
            1,
            "{:?}",
            responses.iter().map(|r| r.status).collect::<Vec<_>>()
        );
        for loser in responses.iter().filter(|r| r.status != 200) {
            assert_twilio_error(loser, 404, 20404);
        }
        assert_eq!(sim.primary_token(), secondary);
        assert_eq!(sim.requests(Route::Promote), RACERS as u64);
    }
}

#[test]
fn racing_creates_and_deletes_leave_one_valid_state() {
    let sim = Arc::new(sim(SimConfig::default()));
    let barrier = Arc::new(Barrier::new(8));
    let workers: Vec<_> = (0..8)
        .map(|i| {
            let (sim, barrier) = (Arc::clone(&sim), Arc::clone(&barrier));
            thread::spawn(move || {
                let mut conn = connect(sim.local_addr());
                let token = sim.primary_token();
                barrier.wait();
                let mut statuses = Vec::new();
                for _ in 0..20 {
                    let method = if i % 2 == 0 { "POST" } else { "DELETE" };
                    let response = conn
                        .send(&Req::new(method, SECONDARY).auth(&sim.account_sid(), &token))
                        .expect("a response");
                    statuses.push(response.status);
                }
                statuses
            })
        })
        .collect();
    let statuses: Vec<u16> = workers
        .into_iter()
        .flat_map(|w| w.join().expect("worker thread"))
        .collect();
    assert!(
        statuses.iter().all(|s| [201, 204, 404].contains(s)),
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 80);
    // Whatever the interleaving, the state is one of the two valid ones and the API agrees with it.
    let had_secondary = sim.secondary_token().is_some();
    let deleted = call(&sim, as_primary(&sim, "DELETE", SECONDARY)).status;
    assert_eq!(deleted, if had_secondary { 204 } else { 404 });
    assert_eq!(sim.secondary_token(), None);
}
