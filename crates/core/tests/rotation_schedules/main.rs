//! The rotation under every fault schedule: the real state machine, through
//! the real `perform_blocking` and retry policy, against an in-memory Twilio
//! ([`twilio`]), with a driver ([`world`]) that injects request faults, sink
//! failures and crashes, resumes from the state file until the rotation
//! finishes, and checks the invariants after every step.
//!
//! Every schedule of up to [`EXHAUSTIVE_FAULTS`] faults is explored in every
//! [`Scenario`] (`ROTATION_SCHEDULE_FAULTS=3` explores every schedule of up
//! to three: `.ci/run` does, in release mode, as it takes about twenty times
//! longer); then a seeded sample of longer ones. A failing sample names its
//! seed; `ROTATION_SCHEDULE_SEED=<seed>` replays just that one, and
//! `ROTATION_SCHEDULE_SAMPLES=<n>` changes the sample size.

mod twilio;
mod world;

use world::{Outcome, Scenario, run};

/// Every schedule with at most this many faults is explored in a debug
/// `cargo test`, unless `ROTATION_SCHEDULE_FAULTS` says.
const EXHAUSTIVE_FAULTS: usize = 2;
/// Seeds in the random sample, unless `ROTATION_SCHEDULE_SAMPLES` says.
const SAMPLES: u64 = 300;
/// The first seed of the sample.
const FIRST_SEED: u64 = 0x5eed_0000;

fn describe(scenario: Scenario, outcome: &Outcome) -> String {
    format!(
        "{scenario:?}, faults {:?}: {} (after {} runs, {} actions)",
        outcome.faults,
        outcome.violation.as_deref().unwrap_or("no violation"),
        outcome.runs,
        outcome.actions,
    )
}

/// Explores every schedule of up to `depth` faults in `scenario`; returns
/// how many ran and the first that broke an invariant.
fn explore(scenario: Scenario, depth: usize) -> (usize, Option<String>) {
    let mut explored = 0;
    let mut pending: Vec<Vec<(usize, usize)>> = vec![Vec::new()];
    // Bounded: each schedule extends its parent by one fault at a later
    // point of a run that is itself bounded, up to `depth` faults.
    while let Some(schedule) = pending.pop() {
        let outcome = run(scenario, &schedule);
        explored += 1;
        if outcome.violation.is_some() {
            return (explored, Some(describe(scenario, &outcome)));
        }
        if schedule.len() == depth {
            continue;
        }
        let after = schedule.last().map_or(0, |(point, _)| point + 1);
        for (point, kind) in outcome.points.iter().enumerate().skip(after) {
            for choice in 0..kind.faults().len() {
                let mut longer = schedule.clone();
                longer.push((point, choice));
                pending.push(longer);
            }
        }
    }
    (explored, None)
}

/// SplitMix64, so a seed names one schedule on every machine.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> usize {
        (self.next() % n) as usize
    }
}

/// The schedule a seed stands for: 4 to 9 faults within the first 80 points.
fn sampled(seed: u64) -> Vec<(usize, usize)> {
    let mut random = Seeded(seed);
    let faults = 4 + random.below(6);
    let mut schedule: Vec<(usize, usize)> = (0..faults)
        .map(|_| (random.below(80), random.below(64)))
        .collect();
    schedule.sort_unstable();
    schedule.dedup_by_key(|(point, _)| *point);
    schedule
}

// The harness, not the core, reads its replay settings from the environment.
#[allow(clippy::disallowed_methods)]
fn env_number(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    Some(
        value
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a number, not {value:?}")),
    )
}

#[test]
fn every_schedule_of_a_few_faults_keeps_the_invariants() {
    let depth = env_number("ROTATION_SCHEDULE_FAULTS").map_or(EXHAUSTIVE_FAULTS, |n| n as usize);
    let scenarios = Scenario::all();
    let results: Vec<(usize, Option<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = scenarios
            .iter()
            .map(|&scenario| scope.spawn(move || explore(scenario, depth)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let explored: usize = results.iter().map(|(n, _)| n).sum();
    let failures: Vec<&String> = results.iter().filter_map(|(_, f)| f.as_ref()).collect();
    assert!(failures.is_empty(), "{failures:#?}");
    // The exploration really branches (a broken enumeration would stop at one).
    let floor = [8, 300, 10_000, 150_000]
        .get(depth)
        .copied()
        .unwrap_or(150_000);
    assert!(explored >= floor, "only {explored} schedules explored");
}

#[test]
fn a_seeded_sample_of_longer_schedules_keeps_the_invariants() {
    let seeds: Vec<u64> = match env_number("ROTATION_SCHEDULE_SEED") {
        Some(seed) => vec![seed],
        None => {
            let samples = env_number("ROTATION_SCHEDULE_SAMPLES").unwrap_or(SAMPLES);
            (FIRST_SEED..FIRST_SEED + samples).collect()
        }
    };
    for seed in seeds {
        let schedule = sampled(seed);
        for scenario in Scenario::all() {
            let outcome = run(scenario, &schedule);
            assert!(
                outcome.violation.is_none(),
                "seed {seed} (replay: ROTATION_SCHEDULE_SEED={seed} cargo test -p twilio-accounts-core --test rotation_schedules): {}",
                describe(scenario, &outcome)
            );
        }
    }
}
