//! `rotate --subaccounts`: rotates the Auth Token of every subaccount of a
//! parent, each as itself, with K workers, a shared 429 backoff and a fleet
//! journal that makes the whole run resumable.
//!
//! The parent's credentials reach only the 2010 API of its subaccounts:
//! the listing (page by page) gives each subaccount's current token, and
//! every Accounts v1 call of its rotation is authenticated as that
//! subaccount, through the same rotation machine and action loop
//! ([`crate::drive`]) as a single `rotate`. Nobody is asked for a go-ahead:
//! each account waits `--deploy-wait` after its own delivery (default 0: a
//! fleet's sink is usually a store its applications read on every request),
//! then its sink and new token are checked again and it is promoted.
//! A resume reads each token again through the 2010 fetch (the journal never
//! keeps an old token); the machine's fingerprints tell an old token from the
//! new one, and so whether the promote happened.
//!
//! The parent itself (`--include-main`) is rotated last, alone, after every
//! subaccount: its rotation changes the credentials the listing and the
//! fetches use.

mod backoff;
mod journal;
pub mod keys;
pub mod listing;
mod pool;
mod progress;
mod report;

use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use twilio_accounts_core::{Credentials, DeleteSecondaryAuthToken, FetchAccount};
use twilio_accounts_rotation::{
    FailureKind, Input, Journal, JournalPhase, NextStep, Rotation, RotationConfig, RotationStep,
    TokenFingerprint,
};
use twilio_accounts_ureq::Client;

use crate::args::{Global, RotateArgs};
use crate::client_setup::{client, client_options, credentials};
use crate::drive::{Carrier, Conversation, drive};
use crate::outcome::{Exit, Failure};
use crate::report::Report;
use crate::shell_word::shell_word;
use crate::sink::{Sink, connect_stores, rescue, store_failure, writable_directory};
use crate::state_dir::StateDir;
use crate::state_file::Overwrite;
use crate::store::Store;

use backoff::SharedBackoff;
use journal::FleetJournal;
use listing::{Member, Selection};
use pool::Stop;
use progress::Progress;
use report::{AccountResult, Outcome, StepTimes, Summary};

/// The command name in documents and errors.
const COMMAND: &str = "rotate";

/// The default settle of each account's rotation.
const DEFAULT_SETTLE: Duration = Duration::from_secs(60);

pub fn run(
    global: &Global,
    args: &RotateArgs,
    report: Report,
    on_command_line: &dyn Fn(&str) -> bool,
) -> ExitCode {
    match start(global, args, report, on_command_line) {
        Ok(exit) => exit.code(),
        Err(failure) => report.fail(COMMAND, &failure),
    }
}

fn start(
    global: &Global,
    args: &RotateArgs,
    report: Report,
    on_command_line: &dyn Fn(&str) -> bool,
) -> Result<Exit, Failure> {
    let fleet = &args.fleet;
    let creds = credentials(global, report, on_command_line)?;
    let options = client_options(global, report, on_command_line)?;
    let parent_sid = *creds.account_sid();
    let state_dir = StateDir::open()?;
    let journal = FleetJournal::at(args.state_file.clone().unwrap_or_else(|| {
        // An earlier version's journal in the working directory is still
        // resumed from there.
        let legacy = FleetJournal::legacy_dir(&parent_sid);
        let current = state_dir.path().join(format!("fleet-{parent_sid}"));
        if !current.exists() && legacy.exists() {
            legacy
        } else {
            current
        }
    }));
    let commands = Commands::new(args, journal.dir());
    let backoff = SharedBackoff::new();
    let policy = backoff.policy(options.retry_policy().clone());
    // Under Public Key Client Validation the parent's requests are signed;
    // a subaccount's, made with its Auth Token, cannot be (a signature
    // names an API key): they go through a client that does not sign.
    let signs = options.pkcv().is_some();
    let unsigned = client(
        options
            .clone()
            .without_pkcv()
            .with_retry_policy(policy.clone()),
        creds.clone(),
    )?;
    let parent = client(options.with_retry_policy(policy), creds.clone())?;
    let suppress_email = (!fleet.notify_email).then_some(true);
    if let Some(shared) = args.sinks.iter().find(|s| !s.is_template()) {
        return Err(Failure::usage(format!(
            "--sink {} names one secret for every account: put {{account_sid}} in it (e.g. vault:secret/twilio/{{account_sid}}), so that each account's token goes to its own secret",
            shared.to_arg()
        )));
    }
    let stores = connect_stores(&args.sinks)?;
    if args.abandon {
        return abandon(
            Clients {
                parent: &parent,
                unsigned: &unsigned,
            },
            &creds,
            &journal,
            &state_dir,
            report,
            &commands,
            &stores,
            suppress_email,
        );
    }
    if !fleet.select.dry_run
        && fleet.token_dir.is_none()
        && args.sink.token_exec.is_none()
        && args.sinks.is_empty()
    {
        return Err(Failure::usage(
            "a fleet rotation makes a new token for every account, and each must go somewhere before it is promoted: choose --token-dir DIR (a file per account), --token-exec CMD (run once per account, with TWILIO_ACCOUNT_SID set) or --sink STORE:WHERE with {account_sid} in it (vault:secret/twilio/{account_sid})",
        ));
    }
    let (members, listing_requests) = if args.resume {
        let members = journal.resumed_members(&parent_sid, "fleet rotation", report)?;
        (members, 0)
    } else {
        if journal.exists() {
            let mut failure = Failure::usage(format!(
                "a fleet rotation is already recorded in {}",
                journal.dir().display()
            ))
            .with_next(format!(
                "run `{}` to finish it, or `{}` to undo what it has not promoted",
                commands.resume, commands.abandon
            ));
            failure.next_command = Some(commands.resume.clone());
            return Err(failure);
        }
        let selection = Selection::from_args(&fleet.select)?;
        listing::list(&parent, &selection, COMMAND).map_err(|mut failure| {
            // The advice is this same fleet run, never a single rotation.
            if failure.next_command.is_some() {
                failure.next_command = Some(commands.start.clone());
                failure.next = Some(format!(
                    "{}; then run `{}` again",
                    failure.next.as_deref().unwrap_or("fix the cause above"),
                    commands.start
                ));
            }
            failure
        })?
    };
    let members = listing::distinct(members);
    if fleet.select.dry_run {
        return Ok(dry_run(report, &members));
    }
    preflight(args, &journal, &members)?;
    if !args.resume {
        journal
            .create(&parent_sid, &members, Some(&commands.resume))
            .map_err(|e| {
                Failure::usage(format!(
                    "the fleet journal cannot be written in {}: {e}; nothing was changed",
                    journal.dir().display()
                ))
                .with_next("choose a writable place with --state-file DIR")
            })?;
    }
    crate::interrupt::install(COMMAND, report.format);
    crate::interrupt::keep(
        format!(
            "the fleet rotation is recorded in {}",
            journal.dir().display()
        ),
        Some(format!("run `{}` to finish it", commands.resume)),
        Some(commands.resume.clone()),
    );
    let config = RotationConfig {
        replace_existing_secondary: args.replace_existing_secondary,
        // Asked of the worker, which waits --deploy-wait; the machine then
        // checks the sink and the new token again right before the promote.
        wait_for_go_ahead: true,
        settle: args.settle.unwrap_or(DEFAULT_SETTLE),
        suppress_email_notification: suppress_email,
        ..RotationConfig::default()
    };
    let fleet_run = FleetRun {
        clients: Clients {
            parent: &parent,
            unsigned: &unsigned,
        },
        signs,
        creds: &creds,
        journal: &journal,
        state_dir: &state_dir,
        config,
        token_dir: fleet.token_dir.as_deref(),
        token_exec: args.sink.token_exec.as_deref(),
        token_exec_timeout: args
            .sink
            .token_exec_timeout
            .unwrap_or(crate::sink::DEFAULT_EXEC_TIMEOUT),
        deploy_wait: args.deploy_wait.unwrap_or(Duration::ZERO),
        stores: &stores,
        force: args.sink.force,
        backoff: &backoff,
        fail_fast: fleet.select.fail_fast,
        stop: Stop::default(),
        progress: Progress::new(members.len()),
        settle_until: Mutex::new(None),
    };
    let started = Instant::now();
    let line = fleet_run.progress.show(report);
    // The listing and the plan put the parent last.
    let subaccounts = members.iter().take_while(|m| !m.main).count();
    let mut results = fleet_run.rotate_all(
        &members[..subaccounts],
        usize::from(fleet.select.concurrency),
    );
    for (index, member) in members.iter().enumerate().skip(subaccounts) {
        let result = if fleet_run.stopped() || !results.iter().all(|r| r.outcome.succeeded()) {
            // The parent goes last and only after every subaccount: a
            // failed subaccount may need the parent's current credentials.
            AccountResult::not_started(index)
        } else {
            fleet_run.rotate_one(index, member)
        };
        results.push(result);
    }
    drop(line);
    fleet_run.settle_once(report);
    let all_ok = results.iter().all(|r| r.outcome.succeeded());
    if all_ok && let Err(e) = journal.remove(&members) {
        report.warn(format!(
            "every account rotated, but the fleet journal {} could not be removed: {e}; remove it by hand",
            journal.dir().display()
        ));
    }
    let next = (!all_ok).then(|| commands.advice(&results));
    Ok(report::finish(
        report,
        &members,
        &results,
        &Summary {
            command: COMMAND,
            elapsed: started.elapsed(),
            rate_limited: backoff.rate_limited(),
            listing_requests,
            state_dir: Some(journal.dir().to_path_buf()),
            next,
        },
    ))
}

/// Checks, before anything changes at Twilio, that every token will have
/// somewhere to go: the token directory is writable and holds no file of an
/// account about to start (unless `--force`).
fn preflight(args: &RotateArgs, journal: &FleetJournal, members: &[Member]) -> Result<(), Failure> {
    let Some(dir) = &args.fleet.token_dir else {
        return Ok(());
    };
    writable_directory(dir).map_err(|e| {
        Failure::usage(format!(
            "--token-dir {}: cannot write in it: {e}",
            dir.display()
        ))
        .with_next("create the directory, or choose another --token-dir")
    })?;
    if args.sink.force {
        return Ok(());
    }
    // A journalled account may replace its own, never-deployed token.
    let taken: Vec<String> = members
        .iter()
        .filter(|m| !journal.account_journal(&m.sid).exists())
        .map(|m| dir.join(m.sid.as_str()))
        .filter(|p| std::fs::symlink_metadata(p).is_ok())
        .map(|p| p.display().to_string())
        .collect();
    if taken.is_empty() {
        return Ok(());
    }
    Err(Failure::usage(format!(
        "{} token file(s) exist already: {}; nothing was changed",
        taken.len(),
        taken.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
    ))
    .with_next("pass --force to replace them, or choose another --token-dir"))
}

fn dry_run(report: Report, members: &[Member]) -> Exit {
    report.json(&json!({
        "command": COMMAND,
        "subaccounts": true,
        "dry_run": true,
        "ok": true,
        "accounts": members.iter().map(|m| json!({
            "account_sid": m.sid.as_str(),
            "friendly_name": m.friendly_name,
            "main": m.main,
        })).collect::<Vec<_>>(),
        "totals": { "accounts": members.len() },
    }));
    let mut lines = vec![vec![
        "SID".to_owned(),
        "FRIENDLY NAME".to_owned(),
        "PARENT".to_owned(),
    ]];
    lines.extend(members.iter().map(|m| {
        vec![
            m.sid.as_str().to_owned(),
            m.friendly_name.clone(),
            if m.main { "yes" } else { "no" }.to_owned(),
        ]
    }));
    report.result(crate::table::aligned(lines));
    report.say(format!(
        "Dry run: {} accounts would be rotated; nothing was changed.",
        members.len()
    ));
    Exit::Success
}

/// The clients of a fleet run: the parent's, and one for each subaccount's
/// own calls.
#[derive(Clone, Copy)]
struct Clients<'a> {
    /// As the parent, with its credentials (signed under PKCV): the
    /// listing, the 2010 fetches of the subaccounts' tokens, and the
    /// parent's own rotation.
    parent: &'a Client,
    /// For the calls a subaccount makes with its Auth Token, never signed:
    /// a PKCV signature names an API key. Where Twilio requires PKCV of a
    /// subaccount too (unconfirmed), its Auth Token is refused (70052) at
    /// the rotation's first check, before anything changes, and that
    /// account's report says so.
    unsigned: &'a Client,
}

impl<'a> Clients<'a> {
    /// The client for `member`'s own calls.
    fn of(self, member: &Member) -> &'a Client {
        if member.main {
            self.parent
        } else {
            self.unsigned
        }
    }
}

/// What every account's rotation shares.
struct FleetRun<'a> {
    clients: Clients<'a>,
    /// Whether the parent's requests are signed (PKCV): its own rotation
    /// then cannot check tokens by authenticating with them.
    signs: bool,
    creds: &'a Credentials,
    journal: &'a FleetJournal,
    /// Where each account's lock is taken.
    state_dir: &'a StateDir,
    config: RotationConfig,
    token_dir: Option<&'a Path>,
    token_exec: Option<&'a str>,
    token_exec_timeout: Duration,
    /// How long each account waits between its delivery and its promote.
    deploy_wait: Duration,
    /// `--sink` stores, `{account_sid}` still in their locations.
    stores: &'a [Store],
    force: bool,
    backoff: &'a Arc<SharedBackoff>,
    fail_fast: bool,
    stop: Stop,
    progress: Arc<Progress>,
    /// When the fleet's one settle ends: the latest of every rotated
    /// account's promote plus the settle time.
    settle_until: Mutex<Option<Instant>>,
}

impl FleetRun<'_> {
    fn stopped(&self) -> bool {
        self.stop.stopped()
    }

    /// The settle, once for the whole fleet: until every promoted account has
    /// had its settle time since its promote. Accounts settle side by side,
    /// so a fleet waits one settle period, not one per account (60 s, not
    /// the hours a thousand accounts × 60 s would take). Before the journal
    /// is removed: interrupted here, `--resume` finds every account done.
    fn settle_once(&self, report: Report) {
        let until = self.settle_until.lock().ok().and_then(|until| *until);
        let Some(wait) = until.map(|until| until.saturating_duration_since(Instant::now())) else {
            return;
        };
        if wait.is_zero() {
            return;
        }
        report.say(format!(
            "Settling: waiting {} s, once for the whole fleet, for Twilio's services to catch up with the new tokens.",
            wait.as_secs_f64().ceil()
        ));
        std::thread::sleep(wait);
    }

    /// Rotates `members` with `workers` threads ([`pool::run_accounts`]); each
    /// result carries its account's index in `members`.
    fn rotate_all(&self, members: &[Member], workers: usize) -> Vec<AccountResult> {
        pool::run_accounts(
            members.len(),
            workers,
            self.fail_fast,
            &self.stop,
            |index| self.rotate_one(index, &members[index]),
        )
    }

    /// One account's rotation, counted on the progress line.
    fn rotate_one(&self, index: usize, member: &Member) -> AccountResult {
        self.progress.started();
        let result = self.rotate_account(index, member);
        self.progress.ended(result.outcome.succeeded());
        result
    }

    /// One account's rotation, from its journal when there is one.
    ///
    /// What the result keeps is allocated before the rotation or inline
    /// (the account by its index, the step times in an array): over a
    /// thousand accounts, small long-lived allocations made between each
    /// rotation's short-lived ones would pin heap pages and grow the peak
    /// RSS with every account.
    fn rotate_account(&self, index: usize, member: &Member) -> AccountResult {
        let calls = std::cell::Cell::new(0);
        let entry = |outcome, steps: &[(RotationStep, Duration)]| AccountResult {
            index,
            outcome,
            steps: StepTimes::of(steps),
            calls: calls.get(),
            keys: Vec::new(),
        };
        let failed = |exit, message: String, next| Outcome::Failed {
            exit,
            step: RotationStep::CheckCurrent.into(),
            message,
            next,
            rescue_file: None,
        };
        // Held until this account's rotation ends: a single `rotate` of
        // the same account, or another fleet run, waits its turn.
        let _lock = match self.state_dir.lock(&member.sid) {
            Ok(lock) => lock,
            Err(f) => return entry(failed(f.exit, f.message, NextStep::Resume), &[]),
        };
        let existing = match self.journal.read_account(&member.sid) {
            Ok(existing) => existing,
            Err(f) => return entry(failed(f.exit, f.message, NextStep::ReportBug), &[]),
        };
        if existing
            .as_ref()
            .is_some_and(|j| j.phase == JournalPhase::Done)
        {
            return entry(Outcome::AlreadyRotated, &[]);
        }
        if member.token.is_none() && !member.main {
            // The 2010 fetch of its current token.
            calls.set(1);
        }
        let creds = match self.account_credentials(member) {
            Ok(creds) => creds,
            Err(f) => return entry(failed(f.exit, f.message, NextStep::Resume), &[]),
        };
        // A resumed account may replace a token file holding its own
        // earlier token (by its journal's fingerprint), and no other.
        let own = existing.as_ref().and_then(|j| j.new_fingerprint);
        let config = RotationConfig {
            token_checks: !(member.main && self.signs),
            ..self.config.clone()
        };
        let rotation = match existing {
            Some(journal) => match Rotation::resume(promote_seen(journal, &creds), creds, config) {
                Ok(rotation) => rotation,
                Err(e) => {
                    return entry(
                        failed(Exit::Usage, e.to_string(), NextStep::CheckTokensByHand),
                        &[],
                    );
                }
            },
            None => Rotation::new(creds, config),
        };
        let overwrite = if self.force {
            Overwrite::Allow
        } else {
            Overwrite::Refuse
        };
        let sink = Sink::for_account(
            self.token_dir,
            overwrite,
            self.token_exec,
            self.token_exec_timeout,
            member.sid,
        )
        .with_stores(self.stores)
        .replacing(own);
        if let Err(e) = sink.begin_stores() {
            let failure = store_failure(&e);
            return entry(failed(failure.exit, failure.message, NextStep::Resume), &[]);
        }
        let state_file = self.journal.account_journal(&member.sid);
        let mut carrier = Carrier::new(self.clients.of(member), sink, state_file);
        let mut worker = Worker {
            backoff: self.backoff,
            settle_until: &self.settle_until,
            deploy_wait: self.deploy_wait,
        };
        let outcome = match drive(&mut carrier, rotation, &mut worker) {
            Ok(done) => Outcome::Rotated {
                old_token_refused: done.old_token_refused,
                resumed: done.resumed,
            },
            Err(failure) => self.stopped_account(member, *failure, &carrier),
        };
        calls.set(calls.get() + carrier.calls);
        entry(outcome, &carrier.steps)
    }

    /// The account's current credentials: from the listing, or read again
    /// through the 2010 fetch with the parent's credentials (a resume). The
    /// parent's own are the ones given.
    fn account_credentials(&self, member: &Member) -> Result<Credentials, Failure> {
        if member.main && self.signs {
            // Signed requests name an API key: the parent's Main key, not
            // the token the listing showed.
            return Ok(self.creds.clone());
        }
        if let Some(token) = &member.token {
            return Ok(Credentials::auth_token(member.sid, token.clone()));
        }
        if member.main {
            return Ok(self.creds.clone());
        }
        self.backoff.wait();
        let account = self
            .clients
            .parent
            .send(&FetchAccount::new(member.sid))
            .map_err(|e| {
                let mut failure = Failure::from_error(COMMAND, &e);
                failure.message = format!(
                    "reading its current token through the 2010 API failed: {}",
                    failure.message
                );
                failure
            })?
            .into_value();
        let token = account.auth_token.ok_or_else(|| {
            Failure::other("the 2010 API answered without the account's auth_token")
        })?;
        Ok(Credentials::auth_token(member.sid, token))
    }

    /// What a stopped rotation leaves: its journal when it describes
    /// something at Twilio, a rescue file for a token nobody has.
    fn stopped_account(
        &self,
        member: &Member,
        failure: twilio_accounts_rotation::RotationFailure,
        carrier: &Carrier<'_>,
    ) -> Outcome {
        let mut exit = match (&failure.error, failure.kind) {
            (Some(e), FailureKind::Api) => Exit::for_error(e),
            _ => Exit::Other,
        };
        if failure.step == RotationStep::Promote && exit == Exit::Network {
            exit = Exit::OutcomeUnknown;
        }
        let mut message = failure.to_string();
        if !member.main && failure.error.as_ref().and_then(|e| e.code()) == Some(70052) {
            // Whether PKCV enforced on a parent reaches its subaccounts is
            // unconfirmed: where it does, this is where it shows.
            message.push_str(
                "; this subaccount requires Public Key Client Validation too, so its Auth Token is refused and the fleet cannot rotate it (nothing was changed): rotate it on its own with twilio-accounts rotate, a Main key of that subaccount and a key pair registered on it",
            );
        }
        if failure.next.journal_is_obsolete()
            && let Err(e) = self.journal.remove_account(&member.sid)
        {
            message.push_str(&format!(" (its journal could not be removed: {e})"));
        }
        let mut rescue_file = None;
        if failure.next == NextStep::AbandonThenStartAgain
            && let Some(token) = &carrier.undelivered
        {
            exit = Exit::TokenRescued;
            match rescue(self.journal.dir(), &member.sid, token) {
                Ok(path) => rescue_file = Some(path),
                Err(e) => message.push_str(&format!(
                    "; saving the undelivered token to a rescue file failed too ({e})"
                )),
            }
        }
        Outcome::Failed {
            exit,
            step: failure.step.into(),
            message,
            next: failure.next,
            rescue_file,
        }
    }
}

/// A journal written just before a promote, brought up to date with the
/// account's current token as the 2010 API gave it
/// ([`Journal::with_current_primary`]); API-key credentials carry no token
/// to compare.
fn promote_seen(journal: Journal, current: &Credentials) -> Journal {
    match current {
        Credentials::AuthToken { auth_token, .. } => journal.with_current_primary(auth_token),
        _ => journal,
    }
}

/// A worker's side of the conversation: nobody to ask, nothing to show per
/// step; every call waits out the shared backoff first, and the settle is
/// recorded for the fleet's one settle instead of waited here.
struct Worker<'a> {
    backoff: &'a SharedBackoff,
    settle_until: &'a Mutex<Option<Instant>>,
    deploy_wait: Duration,
}

impl Conversation for Worker<'_> {
    fn before_call(&mut self) {
        self.backoff.wait();
    }

    fn go_ahead(&mut self) -> Input {
        // Never asked: the applications get --deploy-wait to pick the token up.
        std::thread::sleep(self.deploy_wait);
        Input::GoAhead
    }

    fn settle(&mut self, duration: Duration) {
        let ends = Instant::now() + duration;
        if let Ok(mut until) = self.settle_until.lock() {
            *until = Some(until.map_or(ends, |u| u.max(ends)));
        }
    }
}

/// The commands a fleet rotation's advice names, worded for the command
/// line it was started with, so that they work as printed.
struct Commands {
    /// This fleet run again from the start, with its options.
    start: String,
    resume: String,
    abandon: String,
}

impl Commands {
    fn new(args: &RotateArgs, state_dir: &Path) -> Self {
        let dir = shell_word(&state_dir.display().to_string());
        let mut resume =
            format!("twilio-accounts rotate --subaccounts --resume --state-file {dir}");
        if let Some(token_dir) = &args.fleet.token_dir {
            resume.push_str(&format!(
                " --token-dir {}",
                shell_word(&token_dir.display().to_string())
            ));
        }
        if let Some(exec) = &args.sink.token_exec {
            resume.push_str(&format!(" --token-exec {}", shell_word(exec)));
        }
        if args.sink.force {
            resume.push_str(" --force");
        }
        for store in &args.sinks {
            resume.push_str(&format!(" --sink {}", shell_word(&store.to_arg())));
        }
        if args.fleet.select.concurrency != 4 {
            resume.push_str(&format!(" --concurrency {}", args.fleet.select.concurrency));
        }
        if let Some(settle) = args.settle {
            resume.push_str(&format!(" --settle {}s", settle.as_secs()));
        }
        if let Some(wait) = args.deploy_wait {
            resume.push_str(&format!(" --deploy-wait {}ms", wait.as_millis()));
        }
        if let Some(timeout) = args.sink.token_exec_timeout {
            resume.push_str(&format!(" --token-exec-timeout {}ms", timeout.as_millis()));
        }
        if args.fleet.notify_email {
            resume.push_str(" --notify-email");
        }
        if args.replace_existing_secondary {
            resume.push_str(" --replace-existing-secondary");
        }
        let mut abandon =
            format!("twilio-accounts rotate --subaccounts --abandon --state-file {dir}");
        if args.fleet.notify_email {
            abandon.push_str(" --notify-email");
        }
        // The stores go back to what they held before the rotation.
        for store in &args.sinks {
            abandon.push_str(&format!(" --sink {}", shell_word(&store.to_arg())));
        }
        let start = resume.replacen(" --resume", "", 1);
        Commands {
            start,
            resume,
            abandon,
        }
    }

    /// The advice after some accounts did not rotate, and the command.
    fn advice(&self, results: &[AccountResult]) -> (String, String) {
        let secondary_exists = results.iter().any(|r| {
            matches!(
                r.outcome,
                Outcome::Failed {
                    next: NextStep::StartAgainReplacingSecondary,
                    ..
                }
            )
        });
        let mut resume = self.resume.clone();
        let mut words = String::from("fix the causes shown above, then run `");
        if secondary_exists && !resume.contains("--replace-existing-secondary") {
            resume.push_str(" --replace-existing-secondary");
            words = String::from(
                "some accounts have a secondary token this rotation did not create; if nobody else is rotating them, run `",
            );
        }
        words.push_str(&format!(
            "{resume}` (accounts already rotated are skipped, the others continue from where they stopped); or `{}` to delete the secondary tokens not yet promoted",
            self.abandon
        ));
        (words, resume)
    }
}

/// `rotate --subaccounts --abandon`: deletes the secondary token of every
/// account whose rotation was not promoted, and removes its journal, each
/// `--sink` store of the account put back first (as the single `rotate
/// --abandon` does). Accounts whose promote may have happened are left for
/// `--resume`.
#[allow(clippy::too_many_arguments)]
fn abandon(
    clients: Clients<'_>,
    creds: &Credentials,
    journal: &FleetJournal,
    state_dir: &StateDir,
    report: Report,
    commands: &Commands,
    stores: &[Store],
    suppress_email: Option<bool>,
) -> Result<Exit, Failure> {
    let (plan_parent, members, resume_command) = journal.read_plan().map_err(|mut f| {
        f.message = f.message.replace("to resume", "to abandon");
        f
    })?;
    if plan_parent != *creds.account_sid() {
        return Err(Failure::usage(format!(
            "{} records a fleet rotation of the subaccounts of {plan_parent}, but the credentials are for {}",
            journal.dir().display(),
            creds.account_sid()
        )));
    }
    let runner = FleetRun {
        clients,
        signs: false,
        creds,
        journal,
        state_dir,
        config: RotationConfig::default(),
        token_dir: None,
        token_exec: None,
        token_exec_timeout: crate::sink::DEFAULT_EXEC_TIMEOUT,
        deploy_wait: Duration::ZERO,
        stores,
        force: false,
        backoff: &SharedBackoff::new(),
        fail_fast: false,
        stop: Stop::default(),
        progress: Progress::new(0),
        settle_until: Mutex::new(None),
    };
    let mut entries = Vec::new();
    let mut unfinished = 0;
    let mut failed = 0;
    // The accounts a resume may still have to finish: those that may have
    // been promoted (and the rotated ones, which it skips). Abandoned ones
    // leave the plan, so that the advised resume never rotates them.
    let mut kept = Vec::new();
    for member in &members {
        let mut restored = Vec::new();
        let (outcome, message) = match journal.read_account(&member.sid) {
            Err(f) => ("failed", f.message),
            Ok(None) => ("nothing_to_undo", String::new()),
            Ok(Some(j)) if j.phase == JournalPhase::Done => ("kept_rotated", String::new()),
            Ok(Some(j)) if j.phase.promote_may_have_happened() => (
                "needs_resume",
                "a promote may have happened: its new token may be the primary".to_owned(),
            ),
            Ok(Some(j)) => match abandon_one(&runner, member, j.new_fingerprint, suppress_email) {
                Ok(stores) => {
                    restored = stores;
                    ("secondary_deleted", String::new())
                }
                Err(message) => ("failed", message),
            },
        };
        if matches!(outcome, "failed" | "needs_resume") {
            unfinished += 1;
            report.say(format!("{}: {outcome}: {message}", member.sid));
        }
        if outcome == "failed" {
            failed += 1;
        }
        for store in &restored {
            report.say(format!(
                "{}: {store} holds what it held before the rotation again",
                member.sid
            ));
        }
        if matches!(outcome, "failed" | "needs_resume" | "kept_rotated") {
            kept.push(member.clone());
        }
        entries.push(json!({
            "account_sid": member.sid.as_str(),
            "friendly_name": member.friendly_name,
            "outcome": outcome,
            "message": (!message.is_empty()).then_some(message),
            "stores_restored": restored,
        }));
    }
    let ok = unfinished == 0;
    if ok && let Err(e) = journal.remove(&members) {
        return Err(Failure::other(format!(
            "the secondary tokens are gone, but the fleet journal {} could not be removed: {e}",
            journal.dir().display()
        ))
        .with_next(format!("remove {} by hand", journal.dir().display())));
    }
    if !ok && let Err(e) = journal.create(&plan_parent, &kept, resume_command.as_deref()) {
        return Err(Failure::other(format!(
            "could not record in {} which accounts were abandoned: {e}; run the same command again",
            journal.dir().display()
        )));
    }
    // The resume needs the sink the fleet was started with: the plan keeps
    // the command line that has it.
    let resume = resume_command.unwrap_or_else(|| commands.resume.clone());
    let (next, next_command) = if ok {
        (None, None)
    } else if failed > 0 {
        (
            Some(format!(
                "fix the causes shown above, then run `{}` again (the accounts already abandoned are not touched again)",
                commands.abandon
            )),
            Some(commands.abandon.clone()),
        )
    } else {
        (
            Some(format!(
                "run `{resume}` to finish the accounts that may have been promoted (the abandoned ones are out of the fleet rotation and stay as they are)"
            )),
            Some(resume),
        )
    };
    report.json(&json!({
        "command": COMMAND,
        "subaccounts": true,
        "abandoned": ok,
        "ok": ok,
        "exit_code": if ok { 0 } else { Exit::Incomplete as u8 },
        "accounts": entries,
        "next": next,
        "next_command": next_command,
    }));
    match &next {
        None => report.result(format!(
            "Abandoned the fleet rotation in {}: the secondary tokens it had not promoted are deleted; the accounts it had rotated keep their new token.",
            journal.dir().display()
        )),
        Some(next) => report.say(format!("  what to do: {next}")),
    }
    Ok(if ok { Exit::Success } else { Exit::Incomplete })
}

/// Puts back what the account's `--sink` stores held before its new token
/// (fingerprint `own`) was delivered, while that token still works; then
/// deletes the account's secondary token as that account, then its journal.
/// The stores put back.
fn abandon_one(
    runner: &FleetRun<'_>,
    member: &Member,
    own: Option<TokenFingerprint>,
    suppress_email: Option<bool>,
) -> Result<Vec<String>, String> {
    let _lock = runner.state_dir.lock(&member.sid).map_err(|f| f.message)?;
    let restored = match own {
        Some(own) => Sink::for_account(
            None,
            Overwrite::Refuse,
            None,
            runner.token_exec_timeout,
            member.sid,
        )
        .with_stores(runner.stores)
        .withdraw(own)
        .map_err(|e| {
            format!(
                "could not put back what a --sink store held before the rotation: {e}; its secondary token and journal were kept"
            )
        })?,
        None => Vec::new(),
    };
    let creds = runner.account_credentials(member).map_err(|f| f.message)?;
    let delete = DeleteSecondaryAuthToken {
        suppress_email_notification: suppress_email,
    };
    match runner.clients.of(member).send_as(&creds, &delete) {
        Ok(_) => {}
        Err(e) if e.is_nothing_to_promote() => {}
        Err(e) => return Err(format!("could not delete its secondary token: {e}")),
    }
    runner
        .journal
        .remove_account(&member.sid)
        .map_err(|e| format!("its secondary is gone, but its journal could not be removed: {e}"))?;
    Ok(restored)
}

#[cfg(test)]
mod tests {
    use twilio_accounts_core::{AccountSid, AuthToken};
    use twilio_accounts_rotation::TokenFingerprint;

    use super::*;

    #[test]
    fn a_promoting_journal_advances_only_when_the_current_token_is_the_new_one() {
        let sid: AccountSid = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap();
        let old = AuthToken::new("0ld70ken0ld70ken0ld70ken0ld70ken").unwrap();
        let new = AuthToken::new("new70kennew70kennew70kennew70ken").unwrap();
        let journal = |phase| Journal {
            account_sid: sid,
            phase,
            old_fingerprint: Some(TokenFingerprint::of(&old)),
            new_fingerprint: Some(TokenFingerprint::of(&new)),
            new_token: Some(new.clone()),
            credentials_act_on: None,
        };
        let current = |token: &AuthToken| Credentials::auth_token(sid, token.clone());
        let cases = [
            (JournalPhase::Promoting, &new, JournalPhase::Promoted, false),
            (JournalPhase::Promoting, &old, JournalPhase::Promoting, true),
            (JournalPhase::Delivered, &old, JournalPhase::Delivered, true),
        ];
        for (phase, token, expected, keeps_token) in cases {
            let seen = promote_seen(journal(phase), &current(token));
            assert_eq!(seen.phase, expected, "{phase:?}");
            assert_eq!(seen.new_token.is_some(), keeps_token, "{phase:?}");
        }
    }
}
