//! No outage, measured (issue 28): an application that keeps the Auth Token
//! it reads from the `--token-file` for a cache time T keeps working through
//! `twilio-accounts rotate --yes` when `--deploy-wait` is at least T, and has
//! requests refused when the wait is shorter.
//!
//! The application is a few threads making real, authenticated, read-only
//! requests to the simulator on 127.0.0.1 through the whole run of the built
//! binary, and a cache time after it. Each thread takes the token from its
//! cache while the cached copy is younger than T and from the file otherwise
//! (a failed read keeps the cached token), and counts the requests it made
//! and those refused with 401. The threads' caches expire at evenly spread
//! moments, as a fleet's would, so that some thread always holds the old
//! token for most of T after the delivery: with a deploy wait shorter than
//! T, refusals are certain, not lucky.
//!
//! Each test prints one `no-outage:` line with its figures;
//! `scripts/bench-report` runs this file with `--nocapture` and puts them in
//! BENCH.md.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use twilio_accounts_sim::{SimConfig, Simulator};
use twilio_accounts_ureq::{
    AccountSid, AuthToken, Client, ClientOptions, Credentials, ListCredentialPublicKeys,
    RetryPolicy,
};

const BIN: &str = env!("CARGO_BIN_EXE_twilio-accounts");

/// How long the application keeps a token it read before reading the file
/// again.
const CACHE: Duration = Duration::from_secs(1);
/// Instances of the application, each with its own cache; their caches
/// expire `CACHE / INSTANCES` apart.
const INSTANCES: u32 = 4;
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
/// time, so every instance has moved to the new token, or been refused.
const AFTER: Duration = Duration::from_millis(1_250);

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "twilio-accounts-cli-no-outage-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The binary, pointed at `sim` through the environment, in `dir`.
fn cli(sim: &Simulator, token: &str, dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        // Journals and locks in the test's own directory, not the user's.
        .env("XDG_STATE_HOME", dir.join(".state"))
        .env("TWILIO_ACCOUNT_SID", sim.account_sid())
        .env("TWILIO_AUTH_TOKEN", token)
        .env("TWILIO_ACCOUNTS_BASE_URL", sim.base_url())
        .stdin(Stdio::null());
    cmd
}

/// The token in the file, or `None` when it cannot be read or holds no
/// token (a file replaced by rename may be read mid-way).
fn read_token(file: &Path) -> Option<AuthToken> {
    let text = std::fs::read_to_string(file).ok()?;
    AuthToken::new(text.trim_end()).ok()
}

/// What one instance of the application saw.
#[derive(Debug, Default)]
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
    fn start(sim: &Simulator, file: &Path, original: &str) -> Application {
        let account: AccountSid = sim.account_sid().parse().unwrap();
        let original = AuthToken::new(original).unwrap();
        let options = ClientOptions::new()
            .with_base_url(sim.base_url())
            .with_retry_policy(RetryPolicy::never())
            .with_request_timeout(Duration::from_secs(5));
        let client =
            Client::new(Credentials::auth_token(account, original.clone()), options).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let made = Arc::new(AtomicU64::new(0));
        let start = Instant::now();
        let instances = (1..=INSTANCES)
            .map(|k| {
                let (client, account, token) = (client.clone(), account, original.clone());
                let (file, stop, made) = (file.to_path_buf(), stop.clone(), made.clone());
                let fresh_until = start + CACHE * k / INSTANCES;
                std::thread::spawn(move || {
                    instance(&client, account, token, fresh_until, &file, &stop, &made)
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

/// One instance: before each request, the cached token while it is fresh,
/// else the file's (keeping the cached one when the file cannot be read).
fn instance(
    client: &Client,
    account: AccountSid,
    mut token: AuthToken,
    mut fresh_until: Instant,
    file: &Path,
    stop: &AtomicBool,
    made: &AtomicU64,
) -> Tally {
    let started = Instant::now();
    let list = ListCredentialPublicKeys::new().page_size(1).unwrap();
    let mut tally = Tally::default();
    while !stop.load(Ordering::SeqCst) {
        if tally.made >= MAX_REQUESTS_PER_INSTANCE || started.elapsed() >= INSTANCE_DEADLINE {
            tally.cut_short = true;
            break;
        }
        let now = Instant::now();
        if now >= fresh_until
            && let Some(read) = read_token(file)
        {
            token = read;
            fresh_until = now + CACHE;
        }
        let credentials = Credentials::auth_token(account, token.clone());
        made.fetch_add(1, Ordering::SeqCst);
        tally.made += 1;
        match client.send_as(&credentials, &list) {
            Ok(_) => {}
            Err(e) if e.status().map(|s| s.as_u16()) == Some(401) => {
                let at = Instant::now();
                tally.refused += 1;
                tally.first_refused.get_or_insert(at);
                tally.last_refused = Some(at);
            }
            Err(_) => tally.failed += 1,
        }
        std::thread::sleep(PACE);
    }
    tally
}

/// The figures of one rotation under load.
#[derive(Debug)]
struct Measured {
    /// Requests made from the start of the application to its end.
    made: u64,
    /// Requests made while `rotate` ran.
    during_rotation: u64,
    refused: u64,
    /// From the first refusal to the last, across instances.
    refused_for: Duration,
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

/// Runs `rotate --yes --force --token-file token --deploy-wait <deploy_wait>
/// --settle 0` while the application calls the simulator, and checks that the
/// rotation happened and that the application did nothing but succeed or be
/// refused. Prints the figures on one `no-outage:` line, which
/// `scripts/bench-report` reads (the harness shows it with `--nocapture`).
#[allow(clippy::print_stdout)]
fn rotate_under_load(name: &str, deploy_wait: &str) -> Measured {
    let sim = Simulator::spawn(SimConfig::default()).expect("simulator starts");
    let dir = scratch(name);
    let file = dir.join("token");
    let old = sim.primary_token();
    std::fs::write(&file, format!("{old}\n")).unwrap();

    let application = Application::start(&sim, &file, &old);
    std::thread::sleep(BEFORE);
    let before = application.made();
    let mut child = cli(&sim, &old, &dir)
        .args(["rotate", "--yes", "--force", "--token-file", "token"])
        .args(["--deploy-wait", deploy_wait, "--settle", "0"])
        .stdout(File::create(dir.join("rotate.stdout")).unwrap())
        .stderr(File::create(dir.join("rotate.stderr")).unwrap())
        .spawn()
        .expect("the binary runs");
    let status = wait_bounded(&mut child);
    let during_rotation = application.made() - before;
    std::thread::sleep(AFTER);
    let tallies = application.stop();

    let stderr = std::fs::read_to_string(dir.join("rotate.stderr")).unwrap_or_default();
    assert!(status.success(), "rotate failed ({status}): {stderr}");
    let new = sim.primary_token();
    assert_ne!(new, old, "the primary token did not change");
    assert_eq!(std::fs::read_to_string(&file).unwrap().trim_end(), new);
    for tally in &tallies {
        assert!(!tally.cut_short, "an instance hit its bounds: {tally:?}");
        assert_eq!(
            tally.failed, 0,
            "requests failed other than by 401: {tally:?}"
        );
    }
    let first = tallies.iter().filter_map(|t| t.first_refused).min();
    let last = tallies.iter().filter_map(|t| t.last_refused).max();
    let measured = Measured {
        made: tallies.iter().map(|t| t.made).sum(),
        during_rotation,
        refused: tallies.iter().map(|t| t.refused).sum(),
        refused_for: match (first, last) {
            (Some(first), Some(last)) => last - first,
            _ => Duration::ZERO,
        },
    };
    println!(
        "no-outage: cache={}ms deploy_wait={deploy_wait} instances={INSTANCES} requests={} during_rotation={} refused={} refused_for={}ms",
        CACHE.as_millis(),
        measured.made,
        measured.during_rotation,
        measured.refused,
        measured.refused_for.as_millis(),
    );
    let _ = std::fs::remove_dir_all(&dir);
    measured
}

#[test]
fn an_application_caching_its_token_for_less_than_the_deploy_wait_is_never_refused() {
    let measured = rotate_under_load("wait-2s", "2s");
    assert!(
        measured.during_rotation >= 100,
        "too few requests during the rotation to show anything: {measured:?}"
    );
    assert_eq!(measured.refused, 0, "{measured:?}");
}

#[test]
fn an_application_caching_its_token_for_longer_than_the_deploy_wait_is_refused() {
    let measured = rotate_under_load("wait-0", "0");
    assert!(measured.refused >= 1, "{measured:?}");
}
