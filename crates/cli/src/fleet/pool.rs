//! The workers of a fleet command: K threads take accounts off a bounded
//! queue, one at a time, in the fleet's order; `--fail-fast` stops the
//! feeding after the first failure (accounts in flight finish). Both fleets
//! (`rotate --subaccounts`, `keys rotate --subaccounts`) run through it.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, sync_channel};

use crate::fleet::report::AccountResult;

/// Whether new accounts may still start: shared by the workers, set by the
/// first failure under `--fail-fast`.
#[derive(Debug, Default)]
pub struct Stop(AtomicBool);

impl Stop {
    pub fn stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Runs `one(index)` for each index below `count` on `workers` threads,
/// in order; with `fail_fast`, no index starts after a result `failed`
/// says is a failure. An index never started (the fleet stopped first) is
/// `None`.
pub fn run_all<T: Send>(
    count: usize,
    workers: usize,
    fail_fast: bool,
    stop: &Stop,
    one: impl Fn(usize) -> T + Sync,
    failed: impl Fn(&T) -> bool + Sync,
) -> Vec<Option<T>> {
    let mut slots: Vec<Option<T>> = (0..count).map(|_| None).collect();
    let (queue, work) = sync_channel::<usize>(workers.max(1));
    let work = Mutex::new(work);
    let (done, results) = channel::<(usize, T)>();
    let (one, failed) = (&one, &failed);
    std::thread::scope(|scope| {
        for _ in 0..workers.clamp(1, count.max(1)) {
            let (work, done) = (&work, done.clone());
            scope.spawn(move || {
                // Bounded: each turn takes one index off the queue, which
                // the feeder closes after the last.
                loop {
                    let next = work.lock().ok().and_then(|w| w.recv().ok());
                    let Some(index) = next else { break };
                    if stop.stopped() {
                        continue;
                    }
                    let result = one(index);
                    if fail_fast && failed(&result) {
                        stop.stop();
                    }
                    let _ = done.send((index, result));
                }
            });
        }
        drop(done);
        for index in 0..count {
            if stop.stopped() || queue.send(index).is_err() {
                break;
            }
        }
        drop(queue);
        for (index, result) in results {
            if let Some(slot) = slots.get_mut(index) {
                *slot = Some(result);
            }
        }
    });
    slots
}

/// [`run_all`] for accounts: a failure is an account that did not rotate,
/// and one never started is [`AccountResult::not_started`].
pub fn run_accounts(
    count: usize,
    workers: usize,
    fail_fast: bool,
    stop: &Stop,
    one: impl Fn(usize) -> AccountResult + Sync,
) -> Vec<AccountResult> {
    run_all(count, workers, fail_fast, stop, one, |r| {
        !r.outcome.succeeded()
    })
    .into_iter()
    .enumerate()
    .map(|(index, slot)| slot.unwrap_or_else(|| AccountResult::not_started(index)))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::report::Outcome;

    #[test]
    fn every_index_runs_once_and_fail_fast_stops_the_feeding() {
        // (count, workers, fail_fast, failing index, least and most run)
        let cases = [
            (10, 3, false, None, 10, 10),
            (10, 3, false, Some(2), 10, 10),
            (10, 1, true, Some(2), 3, 3),
            (0, 4, false, None, 0, 0),
        ];
        for (count, workers, fail_fast, failing, least, most) in cases {
            let ran = Mutex::new(Vec::new());
            let results = run_accounts(count, workers, fail_fast, &Stop::default(), |index| {
                ran.lock().unwrap().push(index);
                let mut result = AccountResult::not_started(index);
                result.outcome = if Some(index) == failing {
                    Outcome::Failed {
                        exit: crate::outcome::Exit::Other,
                        step: crate::fleet::report::Step::new(1, "x"),
                        message: String::new(),
                        next: twilio_accounts_rotation::NextStep::Resume,
                        rescue_file: None,
                    }
                } else {
                    Outcome::AlreadyRotated
                };
                result
            });
            let mut ran = ran.into_inner().unwrap();
            ran.sort_unstable();
            ran.dedup();
            assert!(
                (least..=most).contains(&ran.len()),
                "{count} {workers}: {ran:?}"
            );
            assert_eq!(results.len(), count);
            for (i, r) in results.iter().enumerate() {
                assert_eq!(r.index, i);
            }
        }
    }
}
