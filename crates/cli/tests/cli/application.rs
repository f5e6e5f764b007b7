//! The no-outage test application (issues 28 and 34), shared by the test
//! targets `no_outage` (the Auth Token read from a `--token-file`) and
//! `stores` (an Auth Token or an API key read from Vault's latest version,
//! or AWS Secrets Manager's `AWSCURRENT`).
//!
//! The application is a few threads making real, authenticated, read-only
//! requests to the simulator on 127.0.0.1 through the whole run of the built
//! binary, and a cache time after it. Each thread takes its credentials (the
//! account's Auth Token, or an API key's SID and secret: whatever the
//! rotation replaces) from its cache while the cached copy is younger than
//! [`CACHE`] and from its source otherwise (a failed read keeps the cached
//! credentials), and counts the requests it made and those refused with
//! 401. The threads' caches expire at evenly spread moments, as a fleet's
//! would, so that some thread always holds the old credentials for most of
//! the cache time after the delivery: with a deploy wait shorter than that,
//! refusals are certain, not lucky.

use std::process::{Command, ExitStatus};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use twilio_accounts_sim::Simulator;
use twilio_accounts_ureq::{
    AuthToken, Client, ClientOptions, Credentials, ListCredentialPublicKeys, RetryPolicy,
};

/// How long the application keeps the credentials it read before reading
/// its source again.
pub const CACHE: Duration = Duration::from_secs(1);
/// Instances of the application, each with its own cache; their caches
/// expire `CACHE / INSTANCES` apart.
pub const INSTANCES: u32 = 4;
/// The pause after each request of an instance: with `INSTANCES`, at most
/// about 330 requests a second.
const PACE: Duration = Duration::from_millis(12);
/// Bounds on each instance, whatever happens to the test.
const MAX_REQUESTS_PER_INSTANCE: u64 = 5_000;
const INSTANCE_DEADLINE: Duration = Duration::from_secs(14);
/// Bound on the `rotate` run; it is killed after this.
const ROTATION_DEADLINE: Duration = Duration::from_secs(10);
/// How long the application runs before the rotation starts.
const BEFORE: Duration = Duration::from_millis(100);
/// How long it runs after the rotation ends: every cache expires in that
/// time, so every instance has moved to the new credentials, or been
/// refused.
const AFTER: Duration = Duration::from_millis(1_250);

/// Where the application reads its credentials: `None` when they cannot be
/// read now (the cached ones are kept).
pub type Source = Arc<dyn Fn() -> Option<Credentials> + Send + Sync>;

/// The simulator's account with the Auth Token `token`.
pub fn with_token(sim: &Simulator, token: &str) -> Credentials {
    Credentials::auth_token(
        sim.account_sid().parse().unwrap(),
        AuthToken::new(token).unwrap(),
    )
}

/// What one instance of the application saw.
#[derive(Debug)]
struct Tally {
    made: u64,
    /// Answered 401.
    refused: u64,
    /// Failed otherwise: no answer, or another error (a broken test, not an
    /// outage).
    failed: u64,
    /// Stopped by its own bounds rather than by the test.
    cut_short: bool,
    first_refused: Option<Instant>,
    last_refused: Option<Instant>,
    /// The credentials it held when stopped.
    ended_on: Credentials,
}

/// The test application: `INSTANCES` threads calling the simulator until
/// stopped.
struct Application {
    stop: Arc<AtomicBool>,
    made: Arc<AtomicU64>,
    instances: Vec<JoinHandle<Tally>>,
}

impl Application {
    /// Starts the instances, each with `original` cached as if it had read
    /// it a little earlier than the one before, so that their caches expire
    /// `CACHE / INSTANCES` apart.
    fn start(client: &Client, source: &Source, original: &Credentials) -> Application {
        let stop = Arc::new(AtomicBool::new(false));
        let made = Arc::new(AtomicU64::new(0));
        let start = Instant::now();
        let instances = (1..=INSTANCES)
            .map(|k| {
                let (client, credentials) = (client.clone(), original.clone());
                let (source, stop, made) = (source.clone(), stop.clone(), made.clone());
                let fresh_until = start + CACHE * k / INSTANCES;
                std::thread::spawn(move || {
                    instance(&client, credentials, fresh_until, &source, &stop, &made)
                })
            })
            .collect();
        Application {
            stop,
            made,
            instances,
        }
    }

    /// Requests made so far by every instance.
    fn made(&self) -> u64 {
        self.made.load(Ordering::SeqCst)
    }

    fn stop(mut self) -> Vec<Tally> {
        self.stop.store(true, Ordering::SeqCst);
        std::mem::take(&mut self.instances)
            .into_iter()
            .map(|i| i.join().expect("an instance of the application panicked"))
            .collect()
    }
}

/// A test that fails half-way stops the application too, rather than
/// leaving it calling until its deadline.
impl Drop for Application {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// One instance: before each request, the cached credentials while they are
/// fresh, else the source's (keeping the cached ones when it cannot be read).
fn instance(
    client: &Client,
    mut credentials: Credentials,
    mut fresh_until: Instant,
    source: &Source,
    stop: &AtomicBool,
    made: &AtomicU64,
) -> Tally {
    let started = Instant::now();
    let mut tally = Tally {
        made: 0,
        refused: 0,
        failed: 0,
        cut_short: false,
        first_refused: None,
        last_refused: None,
        ended_on: credentials.clone(),
    };
    while !stop.load(Ordering::SeqCst) {
        if tally.made >= MAX_REQUESTS_PER_INSTANCE || started.elapsed() >= INSTANCE_DEADLINE {
            tally.cut_short = true;
            break;
        }
        let now = Instant::now();
        if now >= fresh_until
            && let Some(read) = source()
        {
            credentials = read;
            fresh_until = now + CACHE;
        }
        made.fetch_add(1, Ordering::SeqCst);
        tally.made += 1;
        match refused(client, &credentials) {
            Ok(false) => {}
            Ok(true) => {
                let at = Instant::now();
                tally.refused += 1;
                tally.first_refused.get_or_insert(at);
                tally.last_refused = Some(at);
            }
            Err(_) => tally.failed += 1,
        }
        std::thread::sleep(PACE);
    }
    tally.ended_on = credentials;
    tally
}

/// Whether one read-only request with `credentials` is answered 401; `Err`
/// when it fails otherwise.
fn refused(client: &Client, credentials: &Credentials) -> Result<bool, String> {
    let list = ListCredentialPublicKeys::new().page_size(1).unwrap();
    match client.send_as(credentials, &list) {
        Ok(_) => Ok(false),
        Err(e) if e.status().map(|s| s.as_u16()) == Some(401) => Ok(true),
        Err(e) => Err(e.to_string()),
    }
}

/// The figures of one rotation under load.
#[derive(Debug)]
pub struct Measured {
    /// Requests made from the start of the application to its end.
    pub made: u64,
    /// Requests made while `rotate` ran.
    pub during_rotation: u64,
    pub refused: u64,
    /// From the first refusal to the last, across instances.
    pub refused_for: Duration,
    /// How many instances ended holding the new credentials.
    pub ended_on_new: usize,
}

/// The figures as `scripts/bench-report` reads them: `name=value` fields.
impl std::fmt::Display for Measured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cache={}ms instances={INSTANCES} requests={} during_rotation={} refused={} refused_for={}ms",
            CACHE.as_millis(),
            self.made,
            self.during_rotation,
            self.refused,
            self.refused_for.as_millis(),
        )
    }
}

/// Waits for `child`, killing it after `ROTATION_DEADLINE`.
fn wait_bounded(child: &mut std::process::Child) -> ExitStatus {
    let deadline = Instant::now() + ROTATION_DEADLINE;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("rotate did not finish within {ROTATION_DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs `rotate` (a whole rotation that replaces the credentials
/// `original`) while the application reads its credentials from `source`
/// and calls the simulator, and checks that the rotation succeeded, that
/// the application did nothing but succeed or be refused, and that, once
/// the rotation is over, `new()` (the credentials that replaced
/// `original`: the primary token, or the key the store holds) is let in
/// and `original` is refused. `rotate`'s stderr is read from `stderr_file`
/// for the failure message.
pub fn rotate_under_load(
    sim: &Simulator,
    source: Source,
    original: Credentials,
    new: impl FnOnce() -> Credentials,
    rotate: &mut Command,
    stderr_file: &std::path::Path,
) -> Measured {
    let options = ClientOptions::new()
        .with_base_url(sim.base_url())
        .with_retry_policy(RetryPolicy::never())
        .with_request_timeout(Duration::from_secs(5));
    let client = Client::new(original.clone(), options).unwrap();
    let application = Application::start(&client, &source, &original);
    std::thread::sleep(BEFORE);
    let before = application.made();
    let mut child = rotate.spawn().expect("the binary runs");
    let status = wait_bounded(&mut child);
    let during_rotation = application.made() - before;
    std::thread::sleep(AFTER);
    let tallies = application.stop();

    let stderr = std::fs::read_to_string(stderr_file).unwrap_or_default();
    assert!(status.success(), "rotate failed ({status}): {stderr}");
    let new = new();
    assert_ne!(new, original, "the credentials did not change");
    assert_eq!(refused(&client, &new), Ok(false), "the new credentials");
    assert_eq!(
        refused(&client, &original),
        Ok(true),
        "the old credentials after the rotation"
    );
    for tally in &tallies {
        assert!(!tally.cut_short, "an instance hit its bounds: {tally:?}");
        assert_eq!(
            tally.failed, 0,
            "requests failed other than by 401: {tally:?}"
        );
    }
    let first = tallies.iter().filter_map(|t| t.first_refused).min();
    let last = tallies.iter().filter_map(|t| t.last_refused).max();
    Measured {
        made: tallies.iter().map(|t| t.made).sum(),
        during_rotation,
        refused: tallies.iter().map(|t| t.refused).sum(),
        refused_for: match (first, last) {
            (Some(first), Some(last)) => last - first,
            _ => Duration::ZERO,
        },
        ended_on_new: tallies.iter().filter(|t| t.ended_on == new).count(),
    }
}
