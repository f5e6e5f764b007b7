//! The progress line of a fleet rotation: done / failed / in flight /
//! remaining, rate and ETA, redrawn in place on stderr with `\r`.
//!
//! Only on a terminal, in text mode, without `-q`: a script reading stderr
//! or the JSON document on stdout never sees it. The line is cleared before
//! the report is printed.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::args::OutputFormat;
use crate::report::Report;

/// How often the line is redrawn.
const TICK: Duration = Duration::from_millis(200);

/// The fleet's counters, shared by the workers and the line.
#[derive(Debug)]
pub struct Progress {
    total: usize,
    done: AtomicUsize,
    failed: AtomicUsize,
    in_flight: AtomicUsize,
    started: Instant,
}

impl Progress {
    pub fn new(total: usize) -> Arc<Self> {
        Arc::new(Progress {
            total,
            done: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            started: Instant::now(),
        })
    }

    /// An account's rotation began.
    pub fn started(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
    }

    /// An account's rotation ended.
    pub fn ended(&self, succeeded: bool) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
        let counter = if succeeded { &self.done } else { &self.failed };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The line as it reads now.
    pub fn line(&self) -> String {
        let done = self.done.load(Ordering::Relaxed);
        let failed = self.failed.load(Ordering::Relaxed);
        let in_flight = self.in_flight.load(Ordering::Relaxed);
        let finished = done + failed;
        let remaining = self.total.saturating_sub(finished + in_flight);
        let seconds = self.started.elapsed().as_secs_f64();
        let rate = if seconds > 0.0 {
            finished as f64 / seconds
        } else {
            0.0
        };
        let eta = if rate > 0.0 {
            let left = self.total.saturating_sub(finished) as f64 / rate;
            format!("{}s", left.ceil() as u64)
        } else {
            "-".to_owned()
        };
        format!(
            "rotating: {done} done, {failed} failed, {in_flight} in flight, {remaining} remaining of {}; {rate:.1}/s, ETA {eta}",
            self.total
        )
    }

    /// Redraws the line on stderr until the returned guard is dropped, when
    /// `report` is for people and stderr is a terminal; else does nothing.
    pub fn show(self: &Arc<Self>, report: Report) -> Line {
        let wanted =
            report.format == OutputFormat::Text && !report.quiet && std::io::stderr().is_terminal();
        if !wanted {
            return Line { drawer: None };
        }
        let stop = Arc::new(AtomicBool::new(false));
        let (progress, stopping) = (Arc::clone(self), Arc::clone(&stop));
        let handle = std::thread::Builder::new()
            .name("progress".into())
            .spawn(move || {
                // Bounded by the guard: it sets `stop` when the fleet ends.
                while !stopping.load(Ordering::Relaxed) {
                    draw(&progress.line());
                    std::thread::sleep(TICK);
                }
                draw(&progress.line());
                // Clear the line for the report.
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r\x1b[K");
                let _ = err.flush();
            })
            .ok();
        Line {
            drawer: handle.map(|h| (stop, h)),
        }
    }
}

fn draw(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\r\x1b[K{line}");
    let _ = err.flush();
}

/// The drawn line; dropping it stops the redraw and clears the line.
pub struct Line {
    drawer: Option<(Arc<AtomicBool>, JoinHandle<()>)>,
}

impl Drop for Line {
    fn drop(&mut self) {
        if let Some((stop, handle)) = self.drawer.take() {
            stop.store(true, Ordering::Relaxed);
            let _ = handle.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_counts_done_failed_in_flight_and_remaining() {
        let progress = Progress::new(10);
        assert!(
            progress
                .line()
                .contains("0 done, 0 failed, 0 in flight, 10 remaining of 10")
        );
        assert!(progress.line().ends_with("ETA -"), "no rate yet: no ETA");
        for _ in 0..4 {
            progress.started();
        }
        progress.ended(true);
        progress.ended(false);
        let line = progress.line();
        assert!(
            line.contains("1 done, 1 failed, 2 in flight, 6 remaining of 10"),
            "{line}"
        );
        assert!(!line.ends_with("ETA -"), "{line}");
    }
}
