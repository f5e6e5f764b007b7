//! The rotation under every fault schedule: the real state machine, through
//! the real client (over a closure transport) and retry policy, against an in-memory Twilio
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

mod key_twilio;
mod key_world;
mod scripted;
mod twilio;
mod world;

use std::cell::Cell;
use std::time::Duration;

use http::Method;
use twilio_accounts_client::{BlockingTransport, Client, ClientOptions, ClientSetup};
use twilio_accounts_core::{AuthToken, Credentials, RetryPolicy};
use twilio_accounts_rotation::{FailureKind, JournalPhase, NextStep, Rotation, RotationConfig};

use key_world::{KeyScenario, run_keys};
use scripted::{Answer, NEW, answer_lost, config, credentials, drive, fine, refused, resumed};
use twilio::{OLD, SID, error, json};
use world::{Outcome, Scenario, run};

/// The client over the in-memory Twilio: `transport` answers every request,
/// `policy` retries, and no wait between retries is slept.
fn client<T: BlockingTransport>(transport: T, policy: RetryPolicy) -> Client<T> {
    let options = ClientOptions::new().with_retry_policy(policy);
    let credentials = Credentials::auth_token(SID.parse().unwrap(), AuthToken::new(OLD).unwrap());
    let setup = ClientSetup::new(credentials, options, |_| None).expect("a valid set-up");
    Client::with_blocking_wait(setup, transport, |_| {})
}

const VERIFY: &str = "/v1/Credentials/PublicKeys";
const SECONDARY: &str = "/v1/AuthTokens/Secondary";
const PROMOTE: &str = "/v1/AuthTokens/Promote";

/// Every schedule with at most this many faults is explored in a debug
/// `cargo test`, unless `ROTATION_SCHEDULE_FAULTS` says.
const EXHAUSTIVE_FAULTS: usize = 2;
/// Seeds in the random sample, unless `ROTATION_SCHEDULE_SAMPLES` says.
const SAMPLES: u64 = 300;
/// The first seed of the sample.
const FIRST_SEED: u64 = 0x5eed_0000;

fn describe(scenario: impl std::fmt::Debug, outcome: &Outcome) -> String {
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
fn explore<S: Copy + std::fmt::Debug>(
    scenario: S,
    depth: usize,
    run: fn(S, &[(usize, usize)]) -> Outcome,
) -> (usize, Option<String>) {
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

/// Explores every schedule of up to `ROTATION_SCHEDULE_FAULTS` faults (else
/// [`EXHAUSTIVE_FAULTS`]) in each scenario, one thread per scenario; fails
/// on the first broken invariant, or when fewer schedules than `floors`
/// (by depth) were explored: a broken enumeration would stop at one.
// The count is the test's report (`-- --nocapture` shows it).
#[allow(clippy::print_stdout)]
fn explore_every<S: Copy + std::fmt::Debug + Send + Sync>(
    what: &str,
    scenarios: &[S],
    run: fn(S, &[(usize, usize)]) -> Outcome,
    floors: [usize; 4],
) {
    let depth = env_number("ROTATION_SCHEDULE_FAULTS").map_or(EXHAUSTIVE_FAULTS, |n| n as usize);
    let results: Vec<(usize, Option<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = scenarios
            .iter()
            .map(|&scenario| scope.spawn(move || explore(scenario, depth, run)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let explored: usize = results.iter().map(|(n, _)| n).sum();
    let failures: Vec<&String> = results.iter().filter_map(|(_, f)| f.as_ref()).collect();
    assert!(failures.is_empty(), "{failures:#?}");
    println!("explored {explored} {what} schedules of up to {depth} faults");
    let floor = floors.get(depth).copied().unwrap_or(floors[3]);
    assert!(explored >= floor, "only {explored} schedules explored");
}

#[test]
fn every_schedule_of_a_few_faults_keeps_the_invariants() {
    explore_every(
        "Auth Token rotation",
        &Scenario::all(),
        run,
        [8, 300, 10_000, 150_000],
    );
}

#[test]
fn every_schedule_of_a_few_faults_keeps_the_key_rotation_invariants() {
    explore_every(
        "key rotation",
        &KeyScenario::all(),
        run_keys,
        [6, 100, 5_000, 100_000],
    );
}

/// Runs each scenario under a seeded sample of longer schedules (or the one
/// `ROTATION_SCHEDULE_SEED` names); a failure names its seed, to replay.
fn sample_every<S: Copy + std::fmt::Debug>(
    scenarios: &[S],
    run: fn(S, &[(usize, usize)]) -> Outcome,
) {
    let seeds: Vec<u64> = match env_number("ROTATION_SCHEDULE_SEED") {
        Some(seed) => vec![seed],
        None => {
            let samples = env_number("ROTATION_SCHEDULE_SAMPLES").unwrap_or(SAMPLES);
            (FIRST_SEED..FIRST_SEED + samples).collect()
        }
    };
    for seed in seeds {
        let schedule = sampled(seed);
        for &scenario in scenarios {
            let outcome = run(scenario, &schedule);
            assert!(
                outcome.violation.is_none(),
                "seed {seed} (replay: ROTATION_SCHEDULE_SEED={seed} cargo test -p twilio-accounts-rotation --test rotation_schedules): {}",
                describe(scenario, &outcome)
            );
        }
    }
}

#[test]
fn a_seeded_sample_of_longer_schedules_keeps_the_key_rotation_invariants() {
    sample_every(&KeyScenario::all(), run_keys);
}

#[test]
fn a_seeded_sample_of_longer_schedules_keeps_the_invariants() {
    sample_every(&Scenario::all(), run);
}

// The decisions below change what the rotation reports or how long it
// tries, not whether the account ends up safe, so the schedules cannot see
// them; each test pins one.

#[test]
fn a_refused_new_primary_is_checked_verify_attempts_times_with_doubling_waits() {
    let trace = drive(resumed(JournalPhase::Promoted), |method, path, token, _| {
        if token == NEW {
            refused()
        } else {
            fine(method, path)
        }
    });
    assert!(trace.end.is_err());
    assert_eq!(trace.count(Method::GET, VERIFY, NEW), 3);
    assert_eq!(
        trace.waits,
        [Duration::from_millis(500), Duration::from_secs(1)]
    );
}

#[test]
fn an_old_token_that_keeps_working_is_checked_verify_attempts_times_and_reported() {
    let trace = drive(resumed(JournalPhase::Promoted), |method, path, _, _| {
        fine(method, path)
    });
    assert_eq!(trace.end.as_ref().unwrap().old_token_refused, Some(false));
    assert_eq!(trace.count(Method::GET, VERIFY, OLD), 3);
    assert_eq!(
        trace.waits,
        [Duration::from_millis(500), Duration::from_secs(1)]
    );
}

#[test]
fn a_rotation_settles_for_the_configured_time_and_not_at_all_when_it_is_zero() {
    let old_refused = |method: &Method, path: &str, token: &str, _| {
        if token == OLD {
            refused()
        } else {
            fine(method, path)
        }
    };
    let trace = drive(resumed(JournalPhase::Promoted), old_refused);
    assert_eq!(trace.end.as_ref().unwrap().old_token_refused, Some(true));
    assert_eq!(trace.settles, [Duration::from_secs(60)]);
    assert!(trace.waits.is_empty());

    let mut journal = resumed(JournalPhase::Promoted).journal(JournalPhase::Promoted);
    journal.new_token = Some(twilio_accounts_core::AuthToken::new(NEW).unwrap());
    let no_settle = twilio_accounts_rotation::RotationConfig {
        settle: Duration::ZERO,
        ..config()
    };
    let rotation = Rotation::resume(journal, credentials(), no_settle).unwrap();
    let trace = drive(rotation, old_refused);
    assert!(trace.end.is_ok());
    assert!(trace.settles.is_empty());
}

#[test]
fn the_new_primary_check_retries_refusals_rate_limits_and_network_failures_only() {
    // (what the first check of the new token meets, whether it is retried)
    type Case = (&'static str, fn() -> Answer, bool);
    let cases: [Case; 5] = [
        ("401", refused, true),
        ("429", || Ok(error(429, 20429)), true),
        ("connection reset", answer_lost, true),
        ("503", || Ok(error(503, 20503)), false),
        ("403", || Ok(error(403, 20403)), false),
    ];
    for (name, first, retried) in cases {
        let answered = Cell::new(false);
        let trace = drive(resumed(JournalPhase::Promoted), |method, path, token, _| {
            if token == NEW && !answered.replace(true) {
                first()
            } else if token == OLD {
                refused()
            } else {
                fine(method, path)
            }
        });
        assert_eq!(trace.end.is_ok(), retried, "{name}");
        let checks = if retried { 2 } else { 1 };
        assert_eq!(trace.count(Method::GET, VERIFY, NEW), checks, "{name}");
    }
}

#[test]
fn a_failed_check_of_the_old_token_is_not_taken_for_a_refusal() {
    let trace = drive(resumed(JournalPhase::Promoted), |method, path, token, _| {
        if token == OLD {
            Ok(error(503, 20503))
        } else {
            fine(method, path)
        }
    });
    let failure = trace.end.as_ref().unwrap_err();
    assert_eq!(failure.kind, FailureKind::Api);
}

#[test]
fn probing_a_lost_promote_tells_a_refused_new_token_from_a_failed_probe() {
    // The old token works (not promoted); then the new one is probed.
    // A refused new token may be a deleted secondary or Twilio lagging: the
    // advice must hold for both, so the journal goes back to `delivered`
    // (no promote happened), from where a resume checks the new token again
    // and an abandon is allowed (it deletes the secondary). Advising an
    // abandon of a `promoting` journal would be refused when run: the
    // schedules found that.
    let cases = [
        (
            401,
            20003,
            FailureKind::Inconsistent,
            NextStep::ResumeOrAbandon,
        ),
        (503, 20503, FailureKind::Api, NextStep::Resume),
    ];
    for (status, code, kind, next) in cases {
        let trace = drive(
            resumed(JournalPhase::Promoting),
            |method, path, token, _| {
                if token == NEW {
                    Ok(error(status, code))
                } else {
                    fine(method, path)
                }
            },
        );
        assert_eq!(trace.count(Method::POST, "/v1/AuthTokens/Promote", OLD), 0);
        let failure = trace.end.as_ref().unwrap_err();
        assert_eq!(failure.kind, kind, "{status}");
        assert_eq!(failure.next, next, "{status}");
    }
}

#[test]
fn a_create_that_keeps_losing_its_answer_is_sent_four_times_then_stops() {
    let trace = drive(
        Rotation::new(credentials(), config()),
        |method, path, _, _| {
            if *method == Method::POST && path == SECONDARY {
                answer_lost()
            } else {
                fine(method, path)
            }
        },
    );
    let failure = trace.end.as_ref().unwrap_err();
    assert_eq!(failure.kind, FailureKind::Unavailable);
    // Each one whose answer was lost was deleted: nothing is left to resume.
    assert_eq!(failure.next, NextStep::StartAgain);
    assert_eq!(trace.count(Method::POST, SECONDARY, OLD), 4);
    // Each lost one is deleted before the next.
    assert_eq!(trace.count(Method::DELETE, SECONDARY, OLD), 4);
    // With a doubling wait between the attempts, from `retry_delay`.
    assert_eq!(
        trace.waits,
        [
            Duration::from_secs(1),
            Duration::from_secs(2),
            Duration::from_secs(4)
        ]
    );
    // Told once, not once per attempt.
    assert_eq!(failure.message.matches("4 attempts").count(), 1);
}

#[test]
fn ambiguous_creates_and_promotes_back_off_and_stop_honestly() {
    // (what every create or promote meets, the call, how the run ends)
    type Case = (
        &'static str,
        fn() -> Answer,
        &'static str,
        FailureKind,
        NextStep,
    );
    let cases: [Case; 5] = [
        (
            "create 500",
            || Ok(error(500, 20500)),
            SECONDARY,
            FailureKind::Unavailable,
            NextStep::StartAgain,
        ),
        // A 2xx whose body cannot be read made a secondary nobody has: it
        // is deleted and made again, never taken for "nothing happened".
        (
            "create 201 unreadable",
            || {
                Ok(json(
                    201,
                    r#"{"secondary_auth_token":"x","date_created":7}"#.into(),
                ))
            },
            SECONDARY,
            FailureKind::Unavailable,
            NextStep::StartAgain,
        ),
        (
            "promote 500",
            || Ok(error(500, 20500)),
            PROMOTE,
            FailureKind::Unavailable,
            NextStep::Resume,
        ),
        (
            "promote lost",
            answer_lost,
            PROMOTE,
            FailureKind::Unavailable,
            NextStep::Resume,
        ),
        (
            "promote 502",
            || Ok(error(502, 20502)),
            PROMOTE,
            FailureKind::Unavailable,
            NextStep::Resume,
        ),
    ];
    for (name, failing, path, kind, next) in cases {
        let trace = drive(Rotation::new(credentials(), config()), |method, p, _, _| {
            if *method == Method::POST && p == path {
                failing()
            } else {
                fine(method, p)
            }
        });
        let failure = trace.end.as_ref().unwrap_err();
        assert_eq!(
            (failure.kind, failure.next),
            (kind, next),
            "{name}: {failure}"
        );
        assert_eq!(trace.count(Method::POST, path, OLD), 4, "{name}: bounded");
        // A wait before every attempt after the first, growing.
        assert_eq!(trace.waits.len(), 3, "{name}");
        assert!(trace.waits.windows(2).all(|w| w[0] < w[1]), "{name}");
        if path == PROMOTE {
            // Each unanswered promote was probed, never resent blind, and
            // the probes found it had not happened.
            assert!(trace.count(Method::GET, VERIFY, OLD) >= 4, "{name}");
            assert!(failure.message.contains("none took effect"), "{name}");
        } else {
            // Every secondary that may have been made was deleted again.
            assert_eq!(trace.count(Method::DELETE, SECONDARY, OLD), 4, "{name}");
        }
    }
}

#[test]
fn a_secondary_replaced_during_the_go_ahead_is_not_promoted() {
    // After the go-ahead the new token is checked again: someone created
    // another secondary meanwhile, so it is refused, and nothing is promoted.
    let go_ahead = RotationConfig {
        wait_for_go_ahead: true,
        ..config()
    };
    let checks = Cell::new(0);
    let trace = drive(
        Rotation::new(credentials(), go_ahead),
        |method, path, token, _| {
            if token == NEW && path == VERIFY && checks.replace(checks.get() + 1) >= 1 {
                refused()
            } else {
                fine(method, path)
            }
        },
    );
    let failure = trace.end.as_ref().unwrap_err();
    assert_eq!(failure.next, NextStep::ResumeOrAbandon);
    assert_eq!(
        failure.kind,
        FailureKind::Inconsistent,
        "a refusal says what happened"
    );
    assert_eq!(trace.count(Method::POST, PROMOTE, OLD), 0);
    assert_eq!(trace.count(Method::GET, VERIFY, NEW), 2);

    // A check that fails for another reason (Twilio down) is an API
    // failure, not a replaced secondary; still nothing is promoted.
    let checks = Cell::new(0);
    let trace = drive(
        Rotation::new(credentials(), go_ahead_config()),
        |method, path, token, _| {
            if token == NEW && path == VERIFY && checks.replace(checks.get() + 1) >= 1 {
                Ok(error(503, 20503))
            } else {
                fine(method, path)
            }
        },
    );
    let failure = trace.end.as_ref().unwrap_err();
    assert_eq!(
        (failure.kind, failure.next),
        (FailureKind::Api, NextStep::ResumeOrAbandon)
    );
    assert_eq!(trace.count(Method::POST, PROMOTE, OLD), 0);
}

fn go_ahead_config() -> RotationConfig {
    RotationConfig {
        wait_for_go_ahead: true,
        ..config()
    }
}

#[test]
fn a_promote_that_answers_with_a_token_not_ours_hands_it_over_to_keep() {
    let foreign = "cafecafecafecafecafecafecafecafe";
    let trace = drive(
        Rotation::new(credentials(), config()),
        |method, path, _, _| {
            if *method == Method::POST && path == PROMOTE {
                Ok(json(200, format!(r#"{{"auth_token":"{foreign}"}}"#)))
            } else {
                fine(method, path)
            }
        },
    );
    let failure = trace.end.as_ref().unwrap_err();
    assert_eq!(failure.kind, FailureKind::ForeignToken);
    assert_eq!(failure.next, NextStep::KeepTheRescuedToken);
    assert!(failure.next.journal_is_obsolete());
    assert_eq!(
        failure.rescued_token.as_ref().map(|t| t.expose_secret()),
        Some(foreign)
    );
    assert!(
        !format!("{failure:?} {failure}").contains(foreign),
        "never shown"
    );
}

#[test]
fn a_finished_journal_is_checked_not_trusted() {
    let done = |given: &str| {
        let mut journal = resumed(JournalPhase::Promoted).journal(JournalPhase::Done);
        journal.new_token = None;
        let creds = Credentials::auth_token(SID.parse().unwrap(), AuthToken::new(given).unwrap());
        Rotation::resume(journal, creds, config()).unwrap()
    };
    // Really finished: the old token is refused, the new one works.
    let finished = |method: &Method, path: &str, token: &str, _| {
        if token == OLD {
            refused()
        } else {
            fine(method, path)
        }
    };
    assert!(drive(done(OLD), finished).end.is_ok());
    assert!(drive(done(NEW), finished).end.is_ok());
    // Edited to say "done" before any promote: the old token still works.
    let trace = drive(done(OLD), |method, path, _, _| fine(method, path));
    let failure = trace.end.as_ref().unwrap_err();
    assert_eq!(failure.next, NextStep::CheckTokensByHand);
    assert_eq!(trace.requests.len(), 1, "one check, and nothing changed");
    // (the token given, what its check meets, the next step): a failed check
    // is never taken for a refusal, nor a refusal of the new token for a
    // passing check.
    let cases = [
        (NEW, 401, 20003, NextStep::CheckTokensByHand),
        (NEW, 503, 20503, NextStep::Resume),
        (OLD, 503, 20503, NextStep::Resume),
    ];
    for (given, status, code, next) in cases {
        let trace = drive(done(given), |_, _, _, _| Ok(error(status, code)));
        let failure = trace.end.as_ref().unwrap_err();
        assert_eq!(failure.next, next, "{given} {status}");
    }
}

#[test]
fn a_refused_create_means_a_secondary_exists_unless_it_is_401_or_429() {
    let cases = [
        (409, 20409, FailureKind::SecondaryExists),
        (400, 20001, FailureKind::SecondaryExists),
        (401, 20003, FailureKind::Api),
        (429, 20429, FailureKind::Api),
    ];
    for (status, code, kind) in cases {
        let trace = drive(
            Rotation::new(credentials(), config()),
            |method, path, _, _| {
                if *method == Method::POST && path == SECONDARY {
                    Ok(error(status, code))
                } else {
                    fine(method, path)
                }
            },
        );
        assert_eq!(trace.end.unwrap_err().kind, kind, "{status}");
    }
}

#[test]
fn a_promote_that_finds_no_secondary_while_the_new_token_works_counts_as_promoted() {
    // The promote's answer was lost, the old token still authenticates for a
    // while after promotion (the checks of step 7 allow for that), and every
    // promote since finds no secondary: the new token is the primary.
    let trace = drive(resumed(JournalPhase::Promoting), |method, path, _, _| {
        if path == "/v1/AuthTokens/Promote" {
            Ok(error(404, 20404))
        } else {
            fine(method, path)
        }
    });
    assert_eq!(trace.count(Method::POST, "/v1/AuthTokens/Promote", OLD), 1);
    let report = trace.end.unwrap();
    assert_eq!(report.old_token_refused, Some(false));
}

#[test]
fn a_delete_that_fails_is_not_taken_for_no_secondary() {
    // A lost create is deleted before the next one; only a 404 means gone.
    for (status, code, deleted) in [(404, 20404, true), (503, 20503, false), (403, 20403, false)] {
        let trace = drive(
            Rotation::new(credentials(), config()),
            |method, path, _, before| match (method.clone(), path) {
                (Method::POST, SECONDARY) if before == 1 => answer_lost(),
                (Method::DELETE, SECONDARY) => Ok(error(status, code)),
                _ => fine(method, path),
            },
        );
        assert_eq!(trace.end.is_ok(), deleted, "{status}");
        let creates = if deleted { 2 } else { 1 };
        assert_eq!(
            trace.count(Method::POST, SECONDARY, OLD),
            creates,
            "{status}"
        );
    }
}
