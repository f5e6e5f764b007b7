//! `keys rotate --subaccounts`: replaces the selected API keys of every
//! subaccount of a parent, with the parent's Auth Token or Main key, through
//! the 2010 API that names the subaccount.
//!
//! It is the Auth Token fleet's machinery with a key rotation in each
//! account: the same listing and selection (`--status`, `--only`,
//! `--include-main`), worker pool, shared 429 backoff, progress line,
//! report (exit 9 when an account did not rotate) and fleet journal
//! ([`super::journal`]). Each key goes through the same [`KeyRotation`] and
//! action loop ([`crate::key_drive`]) as a single `keys rotate`, made for
//! the subaccount with [`KeyRotation::of_subaccount`].
//!
//! 1. The accounts are listed; each one's keys are listed (in the pool) and
//!    those `--friendly-name` or `--older-than` selects are kept.
//! 2. The plan (accounts and key SIDs) is written before anything changes.
//! 3. Each account's keys are rotated one after the other under the
//!    account's lock, each with its own key journal in the fleet journal;
//!    nobody is asked: each old key is deleted `--deploy-wait` (default 0)
//!    after its new key was delivered and checked. A key done is marked, so
//!    a resume never rotates it twice.
//!
//! A key's new friendly name is its old one with the rotation's marker
//! (`billing (rotation r-…)`); `--friendly-name billing` takes such a key
//! too, so the same command rotates the same keys next quarter.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;
use twilio_accounts_core::operations::keys_2010::Keys;
use twilio_accounts_core::{AccountSid, ApiKeySid, Credentials, ListAccountKeys, Timestamp};
use twilio_accounts_rotation::{
    KeyApi, KeyInput, KeyJournal, KeyRotation, KeyRotationConfig, KeyRotationFailure,
    KeyRotationStep,
};
use twilio_accounts_ureq::Client;
use zeroize::Zeroizing;

use crate::args::{KeysRotateArgs, SecretFormat};
use crate::client_setup::{client, client_options, credentials};
use crate::fleet::backoff::SharedBackoff;
use crate::fleet::journal::FleetJournal;
use crate::fleet::listing::{self, Member, Selection};
use crate::fleet::pool::{self, Stop};
use crate::fleet::progress::Progress;
use crate::fleet::report::{self, AccountResult, KeyEntry, KeyOutcome, Outcome, Step, Summary};
use crate::key_drive::{KeyCarrier, KeyConversation, drive_key, rotation_id};
use crate::keys_audit::{age, due};
use crate::outcome::{Exit, Failure};
use crate::report::Report;
use crate::resources::Context;
use crate::rotate::{duration_word, global_rerun_flags};
use crate::shell_word::shell_word;
use crate::sink::{DEFAULT_EXEC_TIMEOUT, Sink};
use crate::state_dir::StateDir;

const COMMAND: &str = "keys rotate";

/// The step an account stops at when its keys cannot be listed.
const LIST_KEYS: Step = Step::new(1, "list the account's keys");

/// `keys rotate --subaccounts`.
pub fn run(context: &Context<'_>, args: &KeysRotateArgs) -> ExitCode {
    match start(context, args) {
        Ok(exit) => exit.code(),
        Err(failure) => context.report.fail(COMMAND, &failure),
    }
}

/// Which keys of an account are rotated.
#[derive(Debug, Clone)]
struct KeySelection<'a> {
    friendly_name: Option<&'a str>,
    older_than: Option<Duration>,
    /// The key the command authenticates with (a Main key): never taken.
    in_use: Option<ApiKeySid>,
}

/// One key as the 2010 listing gives it.
#[derive(Debug, Clone)]
struct Listed {
    sid: ApiKeySid,
    friendly_name: Option<String>,
    date_created: Option<Timestamp>,
}

impl KeySelection<'_> {
    /// Whether `name` is `--friendly-name`'s, or that name with an earlier
    /// rotation's marker (`NAME (rotation r-…)`).
    fn name_matches(&self, name: Option<&str>) -> bool {
        let Some(wanted) = self.friendly_name else {
            return true;
        };
        let Some(name) = name else { return false };
        name == wanted
            || name
                .strip_prefix(wanted)
                .and_then(|rest| rest.strip_prefix(" (rotation r-"))
                .and_then(|rest| rest.strip_suffix(')'))
                .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric()))
    }

    /// The keys taken, in the listing's order: all of the conditions given
    /// hold (an age unknown counts as old, as in `keys audit`).
    fn select(&self, keys: &[Listed], now: i64) -> Vec<ApiKeySid> {
        keys.iter()
            .filter(|k| Some(k.sid) != self.in_use)
            .filter(|k| self.name_matches(k.friendly_name.as_deref()))
            .filter(|k| {
                self.older_than
                    .is_none_or(|older| due(age(k.date_created.as_ref(), now), older))
            })
            .map(|k| k.sid)
            .collect()
    }
}

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn start(context: &Context<'_>, args: &KeysRotateArgs) -> Result<Exit, Failure> {
    let report = context.report;
    let fleet = &args.fleet;
    if fleet.friendly_name.is_none() && fleet.older_than.is_none() {
        return Err(Failure::usage(
            "say which keys of each subaccount to rotate: --friendly-name NAME, --older-than 90d, or both",
        ));
    }
    if !fleet.select.dry_run && fleet.secret_dir.is_none() && args.sink.to.secret_exec.is_none() {
        return Err(Failure::usage(
            "every new key's secret is shown once and must go somewhere before its old key is deleted: choose --secret-dir DIR (a file per account and key) or --secret-exec CMD (run once per key, with TWILIO_ACCOUNT_SID, TWILIO_API_KEY and TWILIO_OLD_API_KEY set)",
        ));
    }
    if (context.on_command_line)("api") {
        return Err(Failure::usage(
            "--api does not apply to --subaccounts: a parent reaches its subaccounts' keys through the 2010 API only, which the fleet always uses",
        ));
    }
    let creds = credentials(context.global, report, context.on_command_line)?;
    let options = client_options(context.global, report, context.on_command_line)?;
    let parent_sid = *creds.account_sid();
    let in_use = match &creds {
        Credentials::ApiKey { key_sid, .. } => Some(*key_sid),
        _ => None,
    };
    let state_dir = StateDir::open()?;
    let journal = FleetJournal::of_keys(
        args.state_file
            .clone()
            .unwrap_or_else(|| state_dir.path().join(format!("key-fleet-{parent_sid}"))),
    );
    let commands = Commands::new(context, args, journal.dir());
    let backoff = SharedBackoff::new();
    let policy = backoff.policy(options.retry_policy().clone());
    let client = client(options.with_retry_policy(policy), creds.clone())?;
    let selection = KeySelection {
        friendly_name: fleet.friendly_name.as_deref(),
        older_than: fleet.older_than,
        in_use,
    };
    let (members, listing_requests) = if args.resume {
        let members = journal.resumed_members(&parent_sid, "key fleet rotation", report)?;
        (members, 0)
    } else {
        if journal.exists() {
            let mut failure = Failure::usage(format!(
                "a key fleet rotation is already recorded in {}",
                journal.dir().display()
            ))
            .with_next(format!("run `{}` to finish it", commands.resume));
            failure.next_command = Some(commands.resume.clone());
            return Err(failure);
        }
        let accounts = Selection::from_args(&fleet.select)?;
        listing::list(&client, &accounts, COMMAND)?
    };
    let mut members = listing::distinct(members);
    let workers = usize::from(fleet.select.concurrency);
    // The keys of each account not yet listed (every account of a new run;
    // on resume, those whose listing failed), in the pool.
    let stop = Stop::default();
    let now = now_unix();
    let unlisted: Vec<usize> = (0..members.len())
        .filter(|&i| members[i].keys.is_none())
        .collect();
    let listed = pool::run_all(
        unlisted.len(),
        workers,
        false,
        &stop,
        |i| {
            backoff.wait();
            account_keys(&client, members[unlisted[i]].sid).map(|keys| selection.select(&keys, now))
        },
        |_| false,
    );
    let mut listing_failures: Vec<Option<Failure>> = (0..members.len()).map(|_| None).collect();
    // Each account's listing counts as one of its calls.
    let mut listed_now = vec![false; members.len()];
    for (i, result) in unlisted.iter().zip(listed) {
        listed_now[*i] = true;
        match result {
            Some(Ok(keys)) => members[*i].keys = Some(keys),
            Some(Err(e)) => listing_failures[*i] = Some(e),
            None => {}
        }
    }
    if fleet.select.dry_run {
        return Ok(dry_run(report, &members, &listing_failures));
    }
    if let Some(dir) = &fleet.secret_dir {
        crate::sink::writable_directory(dir).map_err(|e| {
            Failure::usage(format!(
                "--secret-dir {}: cannot write in it: {e}; nothing was changed",
                dir.display()
            ))
            .with_next("create the directory, or choose another --secret-dir")
        })?;
    }
    // The plan, before anything changes (again on resume: keys listed now).
    if !args.resume || !unlisted.is_empty() {
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
            "the key fleet rotation is recorded in {}",
            journal.dir().display()
        ),
        Some(format!("run `{}` to finish it", commands.resume)),
        Some(commands.resume.clone()),
    );
    let run = KeyFleet {
        client: &client,
        creds: &creds,
        journal: &journal,
        state_dir: &state_dir,
        config: KeyRotationConfig::new(KeyApi::V2010),
        secret_dir: fleet.secret_dir.as_deref(),
        secret_exec: args.sink.to.secret_exec.as_deref(),
        secret_exec_timeout: args
            .sink
            .to
            .secret_exec_timeout
            .unwrap_or(DEFAULT_EXEC_TIMEOUT),
        secret_format: args.sink.secret_format,
        deploy_wait: args.deploy_wait.unwrap_or(Duration::ZERO),
        backoff: &backoff,
        progress: Progress::new(members.len()),
    };
    let started = Instant::now();
    let line = run.progress.show(report);
    // The listing puts the parent last: it runs alone, after the others.
    let subaccounts = members.iter().take_while(|m| !m.main).count();
    let listing_failures = std::sync::Mutex::new(listing_failures);
    let one = |index: usize| {
        let failure = listing_failures
            .lock()
            .ok()
            .and_then(|mut f| f.get_mut(index).and_then(Option::take));
        let mut result = run.account(index, &members[index], failure);
        if listed_now[index]
            && !matches!(result.outcome, Outcome::Failed { step, .. } if step == LIST_KEYS)
        {
            result.calls += 1;
        }
        result
    };
    let mut results = pool::run_accounts(subaccounts, workers, fleet.select.fail_fast, &stop, one);
    for index in subaccounts..members.len() {
        let result = if stop.stopped() || !results.iter().all(|r| r.outcome.succeeded()) {
            AccountResult::not_started(index)
        } else {
            one(index)
        };
        results.push(result);
    }
    drop(line);
    let all_ok = results.iter().all(|r| r.outcome.succeeded());
    if all_ok && let Err(e) = journal.remove(&members) {
        report.warn(format!(
            "every selected key rotated, but the fleet journal {} could not be removed: {e}; remove it by hand",
            journal.dir().display()
        ));
    }
    let next = (!all_ok).then(|| {
        (
            format!(
                "fix the causes shown above, then run `{}` (keys already rotated are skipped, the others continue from where they stopped)",
                commands.resume
            ),
            commands.resume.clone(),
        )
    });
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

/// An account's keys, through the 2010 API with the parent's credentials.
fn account_keys(client: &Client, account: AccountSid) -> Result<Vec<Listed>, Failure> {
    let listed = crate::paging::collect(client, &ListAccountKeys::<Keys>::new(account), None)
        .map_err(|e| Failure::from_error(COMMAND, &e))?;
    Ok(listed
        .reply
        .value
        .items
        .into_iter()
        .filter_map(|k| {
            k.sid.map(|sid| Listed {
                sid,
                friendly_name: k.friendly_name,
                date_created: k.date_created,
            })
        })
        .collect())
}

fn dry_run(report: Report, members: &[Member], failures: &[Option<Failure>]) -> Exit {
    fn keys(m: &Member) -> Vec<&str> {
        m.keys.iter().flatten().map(ApiKeySid::as_str).collect()
    }
    report.json(&json!({
        "command": COMMAND,
        "subaccounts": true,
        "dry_run": true,
        "ok": failures.iter().all(Option::is_none),
        "accounts": members.iter().zip(failures).map(|(m, f)| json!({
            "account_sid": m.sid.as_str(),
            "friendly_name": m.friendly_name,
            "main": m.main,
            "keys": keys(m),
            "error": f.as_ref().map(|f| f.message.clone()),
        })).collect::<Vec<_>>(),
        "totals": {
            "accounts": members.len(),
            "keys": members.iter().map(|m| keys(m).len()).sum::<usize>(),
        },
    }));
    let mut lines = vec![vec![
        "SID".to_owned(),
        "FRIENDLY NAME".to_owned(),
        "KEYS".to_owned(),
    ]];
    lines.extend(members.iter().zip(failures).map(|(m, f)| {
        let keys = match f {
            Some(f) => format!("(not listed: {})", f.message),
            None if keys(m).is_empty() => "-".to_owned(),
            None => keys(m).join(" "),
        };
        vec![m.sid.as_str().to_owned(), m.friendly_name.clone(), keys]
    }));
    report.result(crate::table::aligned(lines));
    report.say(format!(
        "Dry run: {} keys in {} accounts would be rotated; nothing was changed.",
        members.iter().map(|m| keys(m).len()).sum::<usize>(),
        members.len()
    ));
    if failures.iter().all(Option::is_none) {
        Exit::Success
    } else {
        Exit::Incomplete
    }
}

/// What every account's key rotations share.
struct KeyFleet<'a> {
    client: &'a Client,
    creds: &'a Credentials,
    journal: &'a FleetJournal,
    state_dir: &'a StateDir,
    config: KeyRotationConfig,
    secret_dir: Option<&'a Path>,
    secret_exec: Option<&'a str>,
    secret_exec_timeout: Duration,
    secret_format: SecretFormat,
    deploy_wait: Duration,
    backoff: &'a SharedBackoff,
    progress: std::sync::Arc<Progress>,
}

impl KeyFleet<'_> {
    /// One account, counted on the progress line: its listing's failure,
    /// or its keys rotated.
    fn account(&self, index: usize, member: &Member, listing: Option<Failure>) -> AccountResult {
        self.progress.started();
        let result = match listing {
            Some(f) => AccountResult {
                outcome: Outcome::Failed {
                    exit: f.exit,
                    step: LIST_KEYS,
                    message: format!("its keys could not be listed: {}", f.message),
                    next: twilio_accounts_rotation::NextStep::Resume,
                    rescue_file: None,
                },
                calls: 1,
                ..AccountResult::not_started(index)
            },
            None => self.rotate_account(index, member),
        };
        self.progress.ended(result.outcome.succeeded());
        result
    }

    /// Where a key's secret goes: `DIR/<ACCOUNT_SID>-<OLD_KEY_SID>.env`
    /// (`.json`), and the command.
    fn sink(&self, account: AccountSid, old: &ApiKeySid) -> Sink {
        let extension = match self.secret_format {
            SecretFormat::Env => "env",
            SecretFormat::Json => "json",
        };
        let to = crate::args::SecretDestination {
            secret_file: self
                .secret_dir
                .map(|dir| dir.join(format!("{account}-{old}.{extension}"))),
            force: false,
            secret_exec: self.secret_exec.map(str::to_owned),
            secret_exec_timeout: Some(self.secret_exec_timeout),
        };
        Sink::for_secret(&to, false).for_account_sid(account)
    }

    /// Rotates the account's planned keys one after the other, under its
    /// lock; stops at its first key that does not rotate.
    fn rotate_account(&self, index: usize, member: &Member) -> AccountResult {
        let mut result = AccountResult::not_started(index);
        let keys = member.keys.as_deref().unwrap_or_default();
        if keys.is_empty() {
            result.outcome = Outcome::NothingSelected;
            return result;
        }
        let _lock = match self.state_dir.lock(&member.sid) {
            Ok(lock) => lock,
            Err(f) => {
                result.outcome =
                    failed(f.exit, Step::from(KeyRotationStep::CheckCurrent), f.message);
                return result;
            }
        };
        let mut resumed = false;
        let mut outcome = None;
        for old in keys {
            let entry = if outcome.is_some() {
                KeyEntry {
                    old_sid: *old,
                    new_sid: None,
                    outcome: KeyOutcome::NotStarted,
                }
            } else if let Some(new) = self.journal.key_done(&member.sid, old) {
                KeyEntry {
                    old_sid: *old,
                    new_sid: new,
                    outcome: KeyOutcome::AlreadyRotated,
                }
            } else {
                match self.rotate_key(member.sid, old, &mut result) {
                    KeyEnd::Rotated {
                        new_sid,
                        resumed: was_resumed,
                    } => {
                        resumed |= was_resumed;
                        KeyEntry {
                            old_sid: *old,
                            new_sid,
                            outcome: KeyOutcome::Rotated,
                        }
                    }
                    KeyEnd::Stopped {
                        new_sid,
                        outcome: failure,
                    } => {
                        outcome = Some(failure);
                        KeyEntry {
                            old_sid: *old,
                            new_sid,
                            outcome: KeyOutcome::Failed,
                        }
                    }
                }
            };
            result.keys.push(entry);
        }
        result.outcome = match outcome {
            Some(failure) => failure,
            None if result
                .keys
                .iter()
                .all(|k| k.outcome == KeyOutcome::AlreadyRotated) =>
            {
                Outcome::AlreadyRotated
            }
            None => Outcome::Rotated {
                old_token_refused: None,
                resumed,
            },
        };
        result
    }

    /// One key's rotation, from its journal when there is one: the new key
    /// and whether it resumed, or what stopped it.
    fn rotate_key(
        &self,
        account: AccountSid,
        old: &ApiKeySid,
        result: &mut AccountResult,
    ) -> KeyEnd {
        let path = self.journal.key_journal(&account, old);
        let existing = match read_key_journal(&path) {
            Ok(existing) => existing,
            Err(message) => {
                return KeyEnd::stopped(
                    None,
                    failed(Exit::Other, KeyRotationStep::CheckCurrent.into(), message),
                );
            }
        };
        let mut sink = self.sink(account, old);
        if let Some(sid) = existing.as_ref().and_then(|j| j.new_sid) {
            sink = sink.replacing_key(sid.as_str());
        }
        let rotation = match existing {
            Some(journal) => {
                match KeyRotation::resume_subaccount(
                    journal,
                    self.creds.clone(),
                    self.config.clone(),
                ) {
                    Ok(rotation) => rotation,
                    Err(e) => {
                        return KeyEnd::stopped(
                            None,
                            failed(
                                Exit::Usage,
                                KeyRotationStep::CheckCurrent.into(),
                                e.to_string(),
                            ),
                        );
                    }
                }
            }
            None => KeyRotation::new(self.creds.clone(), *old, rotation_id(), self.config.clone())
                .of_subaccount(account),
        };
        let mut carrier =
            KeyCarrier::new(self.client, &sink, self.secret_format, &path, account, *old);
        let mut worker = KeyWorker {
            backoff: self.backoff,
            deploy_wait: self.deploy_wait,
        };
        let outcome = drive_key(&mut carrier, rotation, &mut worker);
        result.calls += carrier.calls;
        result.steps.add(&carrier.steps);
        match outcome {
            Ok(done) => {
                // The mark first: killed before the journal is gone, the
                // key still counts as done.
                if let Err(e) = self
                    .journal
                    .mark_key_done(&account, old, done.new_sid.as_ref())
                {
                    return KeyEnd::stopped(
                        done.new_sid,
                        failed(
                            Exit::Other,
                            KeyRotationStep::Done.into(),
                            format!(
                                "{old} was replaced by {}, but that could not be recorded in the fleet journal: {e}",
                                done.new_sid.map(|s| s.to_string()).unwrap_or_default()
                            ),
                        ),
                    );
                }
                let _ = std::fs::remove_file(&path);
                KeyEnd::Rotated {
                    new_sid: done.new_sid,
                    resumed: done.resumed,
                }
            }
            Err(failure) => {
                if failure.next.journal_is_obsolete() {
                    let _ = std::fs::remove_file(&path);
                }
                KeyEnd::stopped(None, stopped(old, &failure))
            }
        }
    }
}

/// How one key's rotation ended.
enum KeyEnd {
    Rotated {
        new_sid: Option<ApiKeySid>,
        resumed: bool,
    },
    Stopped {
        new_sid: Option<ApiKeySid>,
        outcome: Outcome,
    },
}

impl KeyEnd {
    fn stopped(new_sid: Option<ApiKeySid>, outcome: Outcome) -> Self {
        KeyEnd::Stopped { new_sid, outcome }
    }
}

/// A key journal in the fleet journal, when there is one.
fn read_key_journal(path: &Path) -> Result<Option<KeyJournal>, String> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let bytes = Zeroizing::new(bytes);
            KeyJournal::from_json(&bytes)
                .map(Some)
                .map_err(|e| format!("{}: {e}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

fn failed(exit: Exit, step: Step, message: String) -> Outcome {
    Outcome::Failed {
        exit,
        step,
        message,
        next: twilio_accounts_rotation::NextStep::Resume,
        rescue_file: None,
    }
}

/// What a stopped key rotation reports for its account.
fn stopped(old: &ApiKeySid, failure: &KeyRotationFailure) -> Outcome {
    let exit = match &failure.error {
        Some(e) => Exit::for_error(e),
        None => Exit::Other,
    };
    Outcome::Failed {
        exit,
        step: failure.step.into(),
        message: format!("key {old}: {}", failure.message),
        next: failure.next,
        rescue_file: None,
    }
}

/// A worker's side of a key rotation: nobody to ask; every call waits out
/// the shared backoff first.
struct KeyWorker<'a> {
    backoff: &'a SharedBackoff,
    deploy_wait: Duration,
}

impl KeyConversation for KeyWorker<'_> {
    fn before_call(&mut self) {
        self.backoff.wait();
    }

    fn go_ahead(&mut self) -> KeyInput {
        // Never asked: the applications get --deploy-wait to pick the key up.
        std::thread::sleep(self.deploy_wait);
        KeyInput::GoAhead
    }
}

/// The command a key fleet's advice names, worded for the command line it
/// was started with, so that it works as printed.
struct Commands {
    resume: String,
}

impl Commands {
    fn new(context: &Context<'_>, args: &KeysRotateArgs, dir: &Path) -> Self {
        let mut words: Vec<String> = vec![
            "twilio-accounts".into(),
            "keys".into(),
            "rotate".into(),
            "--subaccounts".into(),
            "--resume".into(),
        ];
        let mut flag = |name: &str, value: Option<String>| {
            words.push(name.to_owned());
            if let Some(value) = value {
                words.push(shell_word(&value));
            }
        };
        flag("--state-file", Some(dir.display().to_string()));
        let fleet = &args.fleet;
        if let Some(name) = &fleet.friendly_name {
            flag("--friendly-name", Some(name.clone()));
        }
        if let Some(older) = fleet.older_than {
            flag("--older-than", Some(duration_word(older)));
        }
        if let Some(dir) = &fleet.secret_dir {
            flag("--secret-dir", Some(dir.display().to_string()));
        }
        if let Some(exec) = &args.sink.to.secret_exec {
            flag("--secret-exec", Some(exec.clone()));
        }
        if let Some(timeout) = args.sink.to.secret_exec_timeout {
            flag("--secret-exec-timeout", Some(duration_word(timeout)));
        }
        if args.sink.secret_format == SecretFormat::Json {
            flag("--secret-format", Some("json".into()));
        }
        if fleet.select.concurrency != 4 {
            flag("--concurrency", Some(fleet.select.concurrency.to_string()));
        }
        if let Some(wait) = args.deploy_wait {
            flag("--deploy-wait", Some(duration_word(wait)));
        }
        let mut resume = words.join(" ");
        resume.push_str(&global_rerun_flags(context.global, context.on_command_line));
        Commands { resume }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(sid: &str, name: Option<&str>, created: Option<&str>) -> Listed {
        Listed {
            sid: sid.parse().unwrap(),
            friendly_name: name.map(str::to_owned),
            date_created: created.map(|t| Timestamp::parse_rfc3339(t).unwrap()),
        }
    }

    /// (name, older than, in use, taken)
    type Case<'a> = (
        Option<&'a str>,
        Option<Duration>,
        Option<&'a str>,
        &'a [&'a str],
    );

    #[test]
    fn keys_are_taken_by_name_with_or_without_a_marker_and_by_age() {
        let a = "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        let b = "SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
        let c = "SKcccccccccccccccccccccccccccccccc";
        let d = "SKdddddddddddddddddddddddddddddddd";
        let keys = [
            key(a, Some("billing"), Some("2026-01-01T00:00:00Z")),
            key(
                b,
                Some("billing (rotation r-1a2b3c4d)"),
                Some("2026-06-01T00:00:00Z"),
            ),
            key(c, Some("billing-2"), None),
            key(d, Some("other"), Some("2026-06-01T00:00:00Z")),
        ];
        let now = Timestamp::parse_rfc3339("2026-06-02T00:00:00Z")
            .unwrap()
            .unix_timestamp();
        let day = Duration::from_secs(86_400);
        let cases: [Case<'_>; 6] = [
            (Some("billing"), None, None, &[a, b]),
            (Some("billing"), Some(30 * day), None, &[a]),
            (None, Some(Duration::ZERO), None, &[a, b, c, d]),
            (None, Some(30 * day), None, &[a, c]),
            (None, Some(Duration::ZERO), Some(d), &[a, b, c]),
            (Some("nobody"), None, None, &[]),
        ];
        for (name, older_than, in_use, taken) in cases {
            let selection = KeySelection {
                friendly_name: name,
                older_than,
                in_use: in_use.map(|s| s.parse().unwrap()),
            };
            let got: Vec<String> = selection
                .select(&keys, now)
                .iter()
                .map(|s| s.to_string())
                .collect();
            assert_eq!(got, taken, "{name:?} {older_than:?} {in_use:?}");
        }
    }
}
