//! `rotate`: drives the core's rotation state machine with the blocking
//! client, a token sink and a journal file.
//!
//! What a user can count on, whatever stops a rotation:
//! - **One rotation of an account at a time.** Each run holds the account's
//!   lock ([`crate::state_dir`]) from start to end; a second run says which
//!   process holds it and changes nothing.
//! - **The token is delivered only when it is durably where it was asked**
//!   (a file fsynced with its directory; a command that exited 0). `rotate`
//!   takes no `--reveal`: stdout cannot confirm that anybody kept what was
//!   printed, and once the promote happens the old token is refused, so a
//!   token printed to a closed pipe, a full disk or a scrolled-away terminal
//!   would be lost with the account's only working credential.
//! - **Nothing irreversible before the sink has the token**, and right
//!   before the promote the sink's copy is read back and the token checked
//!   again; with `--yes` the promote also waits `--deploy-wait` after the
//!   delivery, the time the applications take to pick the token up.
//! - **Advice runs as printed**: every `next_command` repeats what the state
//!   needs (the sink, `--yes`, the waits, `--state-file`).

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use twilio_accounts_core::{AccountSid, Credentials, DeleteSecondaryAuthToken};
use twilio_accounts_rotation::{
    FailureKind, Input, Journal, JournalPhase, NextStep, Rotation, RotationConfig, RotationFailure,
    RotationReport, RotationStep,
};
use twilio_accounts_ureq::ClientOptions;

use crate::args::{Global, OutputFormat, RotateArgs};
use crate::client_setup::{client, client_options, credentials};
use crate::drive::{Carrier, Conversation, drive};
use crate::outcome::{Exit, Failure, advice, error_details};
use crate::report::Report;
use crate::shell_word::{Words, shell_word};
use crate::sink::{Sink, connect_stores, rescue, store_failure, writable_directory};
use crate::state_dir::StateDir;

/// The default deploy wait with `--yes`: as long as the settle, about what an
/// application that re-reads its credentials every minute needs.
const DEFAULT_DEPLOY_WAIT: Duration = Duration::from_secs(60);

/// Everything the driver needs besides the state machine: what carries
/// out the actions, and the terminal side of the conversation.
struct Driver<'a> {
    carrier: Carrier<'a>,
    talk: Terminal,
}

/// The single rotation's side of the conversation: progress on stderr, the
/// go-ahead asked on a terminal (or given with `--yes` after the deploy
/// wait).
struct Terminal {
    report: Report,
    yes: bool,
    deploy_wait: Duration,
    state_file: PathBuf,
    settle: Duration,
    /// The options a later run of this rotation repeats (see [`rerun_flags`]).
    rerun: String,
    /// ` --state-file X` when one was given.
    state_file_arg: String,
    /// Whether a token can authenticate (not under PKCV), so advice may
    /// say to check one with `verify`.
    token_checks: bool,
}

/// The journal of a rotation started by an earlier version, in the working
/// directory; still resumed and abandoned from there.
fn legacy_state_file(account: &AccountSid) -> PathBuf {
    PathBuf::from(format!(".twilio-rotation-{}.json", account.as_str()))
}

/// Where the journal of `account` is: `--state-file`, else an earlier
/// version's journal in the working directory if there is one and none in
/// the state directory, else the state directory's.
fn state_file_for(given: Option<&Path>, dir: &StateDir, account: &AccountSid) -> PathBuf {
    if let Some(path) = given {
        return path.to_path_buf();
    }
    let current = dir.journal(account);
    let legacy = legacy_state_file(account);
    if !current.exists() && legacy.exists() {
        legacy
    } else {
        current
    }
}

/// The advice when the credentials act on another account than the one
/// asked for. Twilio acts on the account that owns an API key, whatever
/// `--account-sid` says, so the only fix is other credentials.
fn wrong_account_advice(credentials_act_on: &AccountSid, asked: &AccountSid) -> String {
    format!(
        "the credentials given act on account {credentials_act_on}, not on {asked}: an API key acts on the account that owns it, whatever --account-sid / TWILIO_ACCOUNT_SID says (a parent account's key used with a subaccount's SID would rotate the parent). Nothing changed in either account. To rotate {asked}, use its own credentials: its Auth Token (--auth-token / TWILIO_AUTH_TOKEN), or an API key created in {asked} (--api-key / --api-secret)"
    )
}

/// What `secondary delete` should say about a rotation journal it finds:
/// deleting the secondary under a rotation changes what that rotation can
/// do.
pub fn journal_notice(account: &AccountSid) -> Option<String> {
    let dir = StateDir::open().ok()?;
    let path = state_file_for(None, &dir, account);
    let journal = read_journal(&path).ok().flatten()?;
    Some(match journal.phase {
        JournalPhase::Done => return None,
        phase if phase.promote_may_have_happened() => format!(
            "{} records a rotation that may have promoted its token: run `twilio-accounts rotate --resume` with the --token-file or --token-exec it was started with, to finish it",
            path.display()
        ),
        _ => format!(
            "{} records a rotation of this secondary token that was not promoted: run `twilio-accounts rotate --abandon` to remove it too (it deletes the secondary if it is still there)",
            path.display()
        ),
    })
}

/// Why `rotate` takes no `--reveal`.
const NO_REVEAL: &str = "`rotate` does not print the new token: stdout cannot confirm that anybody kept it (a closed pipe, a full disk, a terminal that scrolled), and after the promote the old token is refused, so a printed token that was lost would lose the account's only working credential";

pub fn run(
    global: &Global,
    args: &RotateArgs,
    report: Report,
    on_command_line: &dyn Fn(&str) -> bool,
) -> ExitCode {
    if args.sink.reveal {
        return report.fail(
            "rotate",
            &Failure::usage(NO_REVEAL).with_next(
                "give --token-file PATH (owner-only, fsynced; read it with `cat PATH`) or --token-exec CMD (the token on the command's stdin) instead of --reveal",
            ),
        );
    }
    let pkcv = crate::client_setup::pkcv_requested(global);
    if args.fleet.subaccounts {
        return crate::fleet::run(global, args, report, on_command_line);
    }
    if args.simulate {
        #[cfg(feature = "simulator")]
        return crate::simulate::run(global, args, report);
        #[cfg(not(feature = "simulator"))]
        return report.fail("rotate", &Failure::usage(crate::NO_SIMULATOR));
    }
    let setup = credentials(global, report, on_command_line)
        .and_then(|c| Ok((client_options(global, report, on_command_line)?, c)))
        .and_then(|(options, creds)| Ok((options, creds, StateDir::open()?)));
    let (options, creds, dir) = match setup {
        Ok(s) => s,
        Err(f) => return report.fail("rotate", &f),
    };
    let _lock = match dir.lock(creds.account_sid()) {
        Ok(lock) => lock,
        Err(f) => return report.fail("rotate", &f),
    };
    let state_file = state_file_for(args.state_file.as_deref(), &dir, creds.account_sid());
    let stores = match connect_stores(&args.sinks) {
        Ok(stores) => stores,
        Err(f) => return report.fail("rotate", &f),
    };
    let sink = Sink::from_args(&args.sink)
        .for_account_sid(*creds.account_sid())
        .with_stores(&stores);
    if args.abandon {
        let rerun = rerun_flags(global, args, on_command_line);
        return abandon(
            options,
            creds,
            &state_file,
            &rerun,
            &sink,
            args.sink.is_set() || !args.sinks.is_empty(),
            report,
        );
    }
    if sink.is_empty() {
        return report.fail(
            "rotate",
            &Failure::usage(
                "a rotation makes a new token that must go somewhere before it is promoted: choose --token-file PATH, --token-exec CMD or --sink STORE:WHERE",
            ),
        );
    }
    let config = RotationConfig {
        replace_existing_secondary: args.replace_existing_secondary,
        wait_for_go_ahead: true,
        settle: args.settle.unwrap_or(Duration::from_secs(60)),
        suppress_email_notification: args.email.value(),
        // Where requests are signed, the account refuses Auth Token
        // requests: the tokens cannot be checked by authenticating.
        token_checks: !pkcv,
        ..RotationConfig::default()
    };
    let rerun = rerun_flags(global, args, on_command_line);
    let deploy_wait = args.deploy_wait.unwrap_or(DEFAULT_DEPLOY_WAIT);
    match execute(
        options,
        creds,
        config,
        sink,
        state_file,
        args,
        Setting {
            report,
            rerun,
            deploy_wait,
            simulated: false,
        },
    ) {
        Ok(()) => Exit::Success.code(),
        Err(code) => code,
    }
}

/// How a rotation is run, besides what the state machine is told.
pub(crate) struct Setting {
    pub report: Report,
    /// The options a later run repeats (see [`rerun_flags`]).
    pub rerun: String,
    pub deploy_wait: Duration,
    pub simulated: bool,
}

/// Runs a single rotation, new or resumed, to its end.
pub(crate) fn execute(
    options: ClientOptions,
    creds: Credentials,
    config: RotationConfig,
    sink: Sink,
    state_file: PathBuf,
    args: &RotateArgs,
    setting: Setting,
) -> Result<(), ExitCode> {
    let Setting {
        report,
        rerun,
        deploy_wait,
        simulated,
    } = setting;
    let config_settle = config.settle;
    let token_checks = config.token_checks;
    let client = client(options, creds.clone()).map_err(|f| report.fail("rotate", &f))?;
    let existing = read_journal(&state_file).map_err(|f| report.fail("rotate", &f))?;
    let resume_command = format!("twilio-accounts rotate --resume{rerun}");
    let (rotation, sink) = match (args.resume, existing) {
        (true, None) => {
            return Err(report.fail(
                "rotate",
                &Failure::usage(format!(
                    "there is no rotation to resume: {} does not exist",
                    state_file.display()
                ))
                .with_next(format!("start one with `twilio-accounts rotate{rerun}`")),
            ));
        }
        (true, Some(journal)) => {
            report.say(format!(
                "Resuming the rotation recorded in {}.",
                state_file.display()
            ));
            let own = journal.new_fingerprint;
            let rotation = Rotation::resume(journal, creds, config)
                .map_err(|e| report.fail("rotate", &Failure::usage(e.to_string())))?;
            sink.begin_stores().map_err(|e| {
                let mut failure = store_failure(&e).with_next(format!(
                    "nothing further was changed; run `{resume_command}` once the store can be read"
                ));
                failure.next_command = Some(resume_command.clone());
                report.fail("rotate", &failure)
            })?;
            // A resumed rotation may replace a file holding its own earlier
            // token (a crash after writing it), and no other file.
            (rotation, sink.replacing(own))
        }
        (false, Some(journal)) if journal.phase != JournalPhase::Done => {
            let abandon = format!("twilio-accounts rotate --abandon{}", state_file_arg(args));
            let next = if journal.phase.promote_may_have_happened() {
                format!("run `{resume_command}` to finish it")
            } else {
                format!(
                    "run `{resume_command}` to finish it, or `{abandon}` to drop it (its secondary token is deleted)"
                )
            };
            let mut failure = Failure::usage(format!(
                "a rotation is already in progress ({})",
                state_file.display()
            ))
            .with_next(next);
            failure.next_command = Some(resume_command);
            return Err(report.fail("rotate", &failure));
        }
        (false, _) => {
            sink.preflight()
                .map_err(|reason| report.fail("rotate", &Failure::usage(reason)))?;
            sink.begin_stores().map_err(|e| {
                let start = format!("twilio-accounts rotate{rerun}");
                let mut failure = store_failure(&e).with_next(format!(
                    "nothing was changed at Twilio; run `{start}` once the store can be read"
                ));
                failure.next_command = Some(start);
                report.fail("rotate", &failure)
            })?;
            let directory = match state_file.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            writable_directory(directory).map_err(|e| {
                report.fail(
                    "rotate",
                    &Failure::usage(format!(
                        "the state file {} cannot be written in {}: {e}",
                        state_file.display(),
                        directory.display()
                    ))
                    .with_next("choose a writable place with --state-file PATH"),
                )
            })?;
            (Rotation::new(creds, config), sink)
        }
    };
    crate::interrupt::install("rotate", report.format);
    let mut driver = Driver {
        carrier: Carrier::new(&client, sink, state_file.clone()),
        talk: Terminal {
            report,
            yes: args.yes || simulated,
            deploy_wait,
            state_file: state_file.clone(),
            settle: config_settle,
            rerun,
            state_file_arg: state_file_arg(args),
            token_checks,
        },
    };
    match drive(&mut driver.carrier, rotation, &mut driver.talk) {
        Ok(result) => {
            driver.finished(&result, simulated);
            // The journal goes only once the report was written: a report
            // lost to a closed pipe is given again by `--resume`.
            if !crate::output::stdout_failed() {
                let _ = std::fs::remove_file(&state_file);
            }
            Ok(())
        }
        Err(failure) => Err(driver.failed(*failure)),
    }
}

/// What `--abandon` repeats: ` --state-file PATH` when one was given, and
/// every `--sink` (their stores are put back before the secondary goes).
fn state_file_arg(args: &RotateArgs) -> String {
    let mut words = match &args.state_file {
        Some(path) => format!(" --state-file {}", shell_word(&path.display().to_string())),
        None => String::new(),
    };
    for store in &args.sinks {
        words.push_str(&format!(" --sink {}", shell_word(&store.to_arg())));
    }
    words
}

/// A duration as `rotate` reads it back: whole seconds, else milliseconds.
pub(crate) fn duration_word(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{}s", duration.as_secs())
    } else {
        format!("{}ms", duration.as_millis())
    }
}

/// Everything a later run of this rotation must repeat, each word quoted for
/// `sh`: the journal (`--state-file`), the sink (`--token-file`,
/// `--token-exec` and its time limit, `--force`), how the go-ahead is given
/// (`--yes`, `--deploy-wait`), `--settle`, the e-mail choice, and the global
/// options that were typed on the command line and say where Twilio is
/// (never a secret: credentials come from where they came the first time).
fn rerun_flags(
    global: &Global,
    args: &RotateArgs,
    on_command_line: &dyn Fn(&str) -> bool,
) -> String {
    let mut words = Words::default();
    let mut flag = |name: &str, value: Option<String>| words.option(name, value);
    if let Some(path) = &args.state_file {
        flag("--state-file", Some(path.display().to_string()));
    }
    let sink = &args.sink;
    if let Some(path) = &sink.token_file {
        flag("--token-file", Some(path.display().to_string()));
    }
    if let Some(command) = &sink.token_exec {
        flag("--token-exec", Some(command.clone()));
    }
    if let Some(timeout) = sink.token_exec_timeout {
        flag("--token-exec-timeout", Some(duration_word(timeout)));
    }
    if sink.force {
        flag("--force", None);
    }
    for store in &args.sinks {
        flag("--sink", Some(store.to_arg()));
    }
    if args.yes {
        flag("--yes", None);
    }
    if let Some(wait) = args.deploy_wait {
        flag("--deploy-wait", Some(duration_word(wait)));
    }
    if let Some(settle) = args.settle {
        flag("--settle", Some(duration_word(settle)));
    }
    if args.email.suppress_email {
        flag("--suppress-email", None);
    }
    let mut line = words.into_string();
    line.push_str(&global_rerun_flags(global, on_command_line));
    line
}

/// The global options a later run must repeat: those typed on the command
/// line that say where Twilio is and which account (never a secret:
/// credentials come from where they came the first time), each quoted for
/// `sh`, each with a leading space. Shared by every command whose advice
/// runs it again (`rotate`, `keys rotate`).
pub(crate) fn global_rerun_flags(
    global: &Global,
    on_command_line: &dyn Fn(&str) -> bool,
) -> String {
    let mut words = Words::default();
    let mut flag = |name: &str, value: Option<String>| words.option(name, value);
    if on_command_line("account_sid")
        && let Some(sid) = &global.account_sid
    {
        flag("--account-sid", Some(sid.clone()));
    }
    if on_command_line("api_key")
        && let Some(key) = &global.api_key
    {
        flag("--api-key", Some(key.clone()));
    }
    for (id, name, value) in [
        (
            "pkcv_private_key",
            "--pkcv-private-key",
            &global
                .pkcv_private_key
                .as_ref()
                .map(|p| p.display().to_string()),
        ),
        (
            "pkcv_credential_sid",
            "--pkcv-credential-sid",
            &global.pkcv_credential_sid,
        ),
        ("base_url", "--base-url", &global.base_url),
        ("region", "--region", &global.region),
        ("edge", "--edge", &global.edge),
    ] {
        if on_command_line(id)
            && let Some(value) = value
        {
            flag(name, Some(value.clone()));
        }
    }
    if let Some(path) = &global.ca_cert {
        flag("--ca-cert", Some(path.display().to_string()));
    }
    if global.allow_plain_http {
        flag("--allow-plain-http", None);
    }
    if let Some(timeout) = global.timeout {
        flag("--timeout", Some(duration_word(timeout)));
    }
    words.into_string()
}

/// `rotate --abandon`: deletes the secondary token of a rotation that was
/// not promoted, then its journal. Refused once a promote may have happened:
/// the new token may be the primary, and deleting is no way back.
fn abandon(
    options: ClientOptions,
    creds: Credentials,
    state_file: &Path,
    rerun: &str,
    sink: &Sink,
    sink_given: bool,
    report: Report,
) -> ExitCode {
    let command = "rotate";
    let journal = match read_journal(state_file) {
        Ok(Some(journal)) => journal,
        Ok(None) => {
            return report.fail(
                command,
                &Failure::usage(format!(
                    "there is no rotation to abandon: {} does not exist",
                    state_file.display()
                )),
            );
        }
        Err(f) => return report.fail(command, &f),
    };
    if journal.account_sid != *creds.account_sid() {
        return report.fail(
            command,
            &Failure::usage(format!(
                "{} is a rotation of account {}, but the credentials are for {}",
                state_file.display(),
                journal.account_sid,
                creds.account_sid()
            )),
        );
    }
    if journal.phase.promote_may_have_happened() {
        return report.fail(
            command,
            &Failure::usage(format!(
                "refusing to abandon the rotation in {}: a promote may have happened, so its new token may be the primary Auth Token now",
                state_file.display()
            ))
            .with_resume_advice(rerun, sink_given),
        );
    }
    let client = match client(options, creds) {
        Ok(c) => c,
        Err(f) => return report.fail(command, &f),
    };
    // The stores first, while the new token still works: applications
    // that read them go back to the token that stays.
    let restored = match journal.new_fingerprint.map(|own| sink.withdraw(own)) {
        None => Vec::new(),
        Some(Ok(restored)) => restored,
        Some(Err(e)) => {
            let again = format!("twilio-accounts rotate --abandon{rerun}");
            let mut failure = store_failure(&e).with_next(format!(
                "nothing was deleted; run `{again}` once the store can be written"
            ));
            failure.message = format!(
                "could not put back what a --sink store held before the rotation: {e}; the secondary token and the state file {} were kept",
                state_file.display()
            );
            failure.next_command = Some(again);
            return report.fail(command, &failure);
        }
    };
    let deleted = match client.delete_secondary_auth_token(DeleteSecondaryAuthToken::default()) {
        Ok(_) => true,
        Err(e) if e.status().is_some_and(|s| s.as_u16() == 404) => false,
        Err(e) => {
            let mut failure = Failure::from_error("secondary delete", &e);
            failure.message = format!(
                "could not delete the rotation's secondary token: {}; the state file {} was kept",
                failure.message,
                state_file.display()
            );
            if failure.exit != Exit::AuthenticationFailed {
                let again = format!("twilio-accounts rotate --abandon{rerun}");
                failure.next = Some(format!("run `{again}` again"));
                failure.next_command = Some(again);
            }
            return report.fail(command, &failure);
        }
    };
    if let Err(e) = std::fs::remove_file(state_file) {
        return report.fail(
            command,
            &Failure::other(format!(
                "the secondary token is gone, but the state file {} could not be removed: {e}",
                state_file.display()
            ))
            .with_next(format!("remove {} by hand", state_file.display())),
        );
    }
    report.json(&json!({
        "command": command,
        "ok": true,
        "abandoned": true,
        "account_sid": journal.account_sid.as_str(),
        "secondary_deleted": deleted,
        "state_file_removed": state_file,
        "stores_restored": restored,
    }));
    report.result(format!(
        "Abandoned the rotation in {}: {}, and removed the state file. The primary Auth Token of {} is unchanged.",
        state_file.display(),
        if deleted {
            "deleted its secondary token"
        } else {
            "there was no secondary token left to delete"
        },
        journal.account_sid
    ));
    for store in &restored {
        report.say(format!(
            "      {store} holds what it held before the rotation again"
        ));
    }
    if journal.new_fingerprint.is_some() {
        report.say("      the new token that was handed over no longer works: remove it from where it went (a --sink store given to --abandon is put back)");
    }
    Exit::Success.code()
}

fn read_journal(path: &Path) -> Result<Option<Journal>, Failure> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let bytes = zeroize::Zeroizing::new(bytes);
            Journal::from_json(&bytes).map(Some).map_err(|e| {
                // Kept, not removed: it may hold a token. Moved aside, it
                // no longer blocks a new rotation.
                let aside = format!("{}.damaged", path.display());
                let mv = format!(
                    "mv {} {}",
                    shell_word(&path.display().to_string()),
                    shell_word(&aside)
                );
                let mut failure = Failure::usage(format!("{}: {e}", path.display())).with_next(
                    format!(
                        "move it aside with `{mv}` (it may hold a token: keep it until the account's tokens are known to work), then run the same command again; if a rotation was in progress, its secondary token may still exist, and the next rotation says so"
                    ),
                );
                failure.next_command = Some(mv);
                failure
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Failure::other(format!(
            "cannot read the state file {}: {e}",
            path.display()
        ))),
    }
}

impl Terminal {
    /// `rotate --resume` with everything this rotation was started with.
    fn resume(&self) -> String {
        format!("twilio-accounts rotate --resume{}", self.rerun)
    }

    /// `rotate --abandon` for this rotation's journal.
    fn abandon(&self) -> String {
        format!("twilio-accounts rotate --abandon{}", self.state_file_arg)
    }

    /// Tells the Ctrl-C handler what the journal now says.
    fn kept(&self, phase: JournalPhase) {
        let resume = self.resume();
        let (next, command) = match phase {
            JournalPhase::Done => (None, None),
            phase if phase.promote_may_have_happened() => (
                Some(format!("run `{resume}` to finish the rotation")),
                Some(resume),
            ),
            _ => (
                Some(format!(
                    "run `{resume}` to continue, or `{}` to delete the new secondary token and stop",
                    self.abandon()
                )),
                Some(resume),
            ),
        };
        let state = if phase == JournalPhase::Done {
            "the rotation had finished".to_owned()
        } else {
            format!("the rotation is recorded in {}", self.state_file.display())
        };
        crate::interrupt::keep(state, next, command);
    }

    fn go_ahead(&self) -> Input {
        if self.yes {
            self.report.say(format!(
                "      go-ahead given in advance (--yes): promoting once the applications had {}s to pick up the new token (--deploy-wait)",
                self.deploy_wait.as_secs_f64()
            ));
            self.wait("deploying", self.deploy_wait);
            return Input::GoAhead;
        }
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            self.report.warn(
                "not promoting: standard input is not a terminal to confirm on; pass --yes to promote once --deploy-wait has passed",
            );
            return Input::Declined;
        }
        crate::output::err(
            "Deploy the new token everywhere that uses the current one, and give the applications time to pick it up (re-read a file, restart). Both tokens work until you promote; after that the old one is refused at once.\nType `promote` and press Enter to promote now (anything else stops here; `rotate --resume` continues later): ",
        );
        let mut line = String::new();
        match stdin.lock().read_line(&mut line) {
            Ok(_) if line.trim() == "promote" => Input::GoAhead,
            _ => Input::Declined,
        }
    }

    /// Waits `duration`, saying how long is left every 10 s.
    fn wait(&self, what: &str, duration: Duration) {
        let start = Instant::now();
        let tick = Duration::from_secs(10).min(duration);
        // Bounded by the duration.
        while start.elapsed() < duration {
            let left = duration.saturating_sub(start.elapsed());
            self.report.say(format!(
                "      {what}: {}s left",
                left.as_secs_f64().ceil() as u64
            ));
            std::thread::sleep(tick.min(left));
        }
    }
}

impl Conversation for Terminal {
    fn step(&mut self, step: RotationStep) {
        if step != RotationStep::Done {
            self.report
                .say(format!("[{}/9] {}", step.number(), step.describe()));
        }
    }

    fn kept(&mut self, phase: JournalPhase) {
        Terminal::kept(self, phase);
    }

    fn delivered(&mut self, sink: &Sink) {
        for place in sink.describe() {
            self.report
                .say(format!("      the new token went to {place}"));
        }
    }

    fn go_ahead(&mut self) -> Input {
        Terminal::go_ahead(self)
    }

    fn settle(&mut self, duration: Duration) {
        self.wait("settling", duration);
    }

    fn finished(&mut self, steps: &[(RotationStep, Duration)]) {
        if !steps.iter().any(|(p, _)| *p == RotationStep::Settle) {
            let reason = if self.settle.is_zero() {
                "skipped (settle period 0)"
            } else {
                "skipped (the resumed rotation had already finished)"
            };
            self.report.say(format!(
                "[8/9] {}: {reason}",
                RotationStep::Settle.describe()
            ));
        }
    }
}

impl Driver<'_> {
    fn webhook_advice(&self, settle: Duration) -> String {
        format!(
            "Webhooks: Twilio now signs with the new token. Keep accepting signatures made with the old and the new token until the settle period ({}s) has passed, e.g. `WebhookValidator::new([old, new])` in code or `twilio-accounts webhook verify --token-env OLD_TOKEN --token-env NEW_TOKEN`; after that, only the new token is needed.",
            settle.as_secs()
        )
    }

    fn finished(&self, result: &RotationReport, simulated: bool) {
        let steps: Vec<Value> = self
            .carrier
            .steps
            .iter()
            .map(|(s, d)| {
                json!({
                    "step": s.number(),
                    "name": s.describe(),
                    "seconds": (d.as_secs_f64() * 1000.0).round() / 1000.0,
                })
            })
            .collect();
        let webhooks = self.webhook_advice(result.settled);
        match self.talk.report.format {
            OutputFormat::Json => self.talk.report.json(&json!({
                "command": "rotate",
                "ok": true,
                "simulated": simulated,
                "account_sid": result.account_sid.as_str(),
                "resumed": result.resumed,
                "steps": steps,
                "old_token_refused": result.old_token_refused,
                "settled_seconds": result.settled.as_secs_f64(),
                "token_delivered_to": self.carrier.sink.describe(),
                "notes": result.notes,
                "webhooks": webhooks,
            })),
            OutputFormat::Text => {
                let total: Duration = self.carrier.steps.iter().map(|(_, d)| *d).sum();
                self.talk.report.result(format!(
                    "[9/9] done in {:.1}s: the new token is the primary Auth Token of {}{}.",
                    total.as_secs_f64(),
                    result.account_sid,
                    match result.old_token_refused {
                        Some(true) => ", and the old token is refused",
                        Some(false) => ", but the old token still authenticated (see notes)",
                        None => "",
                    }
                ));
                let times: Vec<String> = self
                    .carrier
                    .steps
                    .iter()
                    .filter(|(step, _)| *step != RotationStep::Done)
                    .map(|(step, took)| format!("{} {:.3}s", step.number(), took.as_secs_f64()))
                    .collect();
                self.talk
                    .report
                    .say(format!("      time per step: {}", times.join(", ")));
                for note in &result.notes {
                    self.talk.report.say(format!("      note: {note}"));
                }
                self.talk.report.say(format!("      {webhooks}"));
            }
        }
    }

    /// `rotate` again from scratch, with this rotation's options; `--force`
    /// added when its own (dead) token is in the token file it would
    /// otherwise refuse to replace.
    fn start_again(&self, extra: &str) -> String {
        let force = self
            .carrier
            .sink
            .file()
            .is_some_and(|path| path.exists() && !self.talk.rerun.contains(" --force"));
        format!(
            "twilio-accounts rotate{extra}{}{}",
            self.talk.rerun,
            if force { " --force" } else { "" }
        )
    }

    /// The advice for a stopped rotation, worded for this command line, and
    /// the command that follows it when there is one.
    fn advise(
        &self,
        next: NextStep,
        exit: Exit,
        declined_without_terminal: bool,
    ) -> (Option<String>, Option<String>) {
        let resume = self.talk.resume();
        let abandon = self.talk.abandon();
        let (text, command) = match next {
            NextStep::StartAgain => {
                let again = self.start_again("");
                (
                    format!(
                        "nothing of this rotation is left at Twilio: {}, then run `{again}` again",
                        match exit {
                            Exit::Network => "check the network, the base URL and --timeout",
                            Exit::Unavailable => "wait until Twilio answers again (its status page tells)",
                            _ => "fix the cause above",
                        }
                    ),
                    Some(again),
                )
            }
            NextStep::StartAgainReplacingSecondary => {
                let again = self.start_again(" --replace-existing-secondary");
                (
                    format!(
                        "a secondary token exists that this rotation did not create; if nobody else is rotating this account, run `{again}` (it deletes that token first)"
                    ),
                    Some(again),
                )
            }
            NextStep::Resume => (
                format!(
                    "{}run `{resume}` to continue",
                    match exit {
                        Exit::Network => "check the network, then ",
                        Exit::Unavailable => "wait until Twilio answers again (its status page tells), then ",
                        _ => "",
                    }
                ),
                Some(resume),
            ),
            // Refused, the new secondary is most likely gone (deleted or
            // replaced): resuming would be refused again.
            NextStep::ResumeOrAbandon if exit == Exit::AuthenticationFailed => (
                format!(
                    "the new token is refused, so its secondary was deleted or replaced: run `{abandon}` to drop this rotation (the current token stays; it deletes whatever secondary is there now), then `{}` again",
                    self.start_again("")
                ),
                Some(abandon),
            ),
            NextStep::ResumeOrAbandon => {
                // Without a terminal to confirm on, the resume must carry
                // the go-ahead itself.
                let resume = if declined_without_terminal && !self.talk.rerun.contains(" --yes") {
                    format!("{resume} --yes")
                } else {
                    resume
                };
                (
                    format!(
                        "deploy the new token where the current one is used, then run `{resume}` to promote it; or run `{abandon}` to delete it and keep the current token"
                    ),
                    Some(resume),
                )
            }
            NextStep::AbandonThenStartAgain => (
                format!(
                    "run `{abandon}` to delete the unused secondary token, then `{}` again",
                    self.start_again("")
                ),
                Some(abandon),
            ),
            NextStep::WaitThenResume => (
                format!(
                    "wait a minute (Twilio can lag after a promote), then run `{resume}` to check again"
                ),
                Some(resume),
            ),
            // Under PKCV no token authenticates, and a resume would stop
            // here again: the 2010 Account resource, which the Main key may
            // read, shows the primary.
            NextStep::CheckNewToken if !self.talk.token_checks => (
                format!(
                    "the account refuses Auth Token requests (Public Key Client Validation), so whether the promote happened cannot be checked with a token: `twilio-accounts call FetchAccount --param Sid=$TWILIO_ACCOUNT_SID --reveal` shows the primary Auth Token; if it is the new one (from where it went), the rotation is complete and {0} can be removed; if it is still the old one, run `twilio-accounts promote` (the secondary is the new token), then remove {0}",
                    self.carrier.state_file.display(),
                ),
                None,
            ),
            NextStep::CheckNewToken => (
                format!(
                    "check the new token (from where it went): `TWILIO_AUTH_TOKEN=<new token> twilio-accounts verify`; if it authenticates, the rotation is complete and {} can be removed; if not, run `{resume}`",
                    self.carrier.state_file.display(),
                ),
                Some(resume),
            ),
            NextStep::CheckOldTokenLater => (
                "the new token is the primary and works; later, check that the old one is refused: `TWILIO_AUTH_TOKEN=<old token> twilio-accounts verify` should exit 3".to_owned(),
                None,
            ),
            NextStep::CheckTokensByHand => (
                "check the token from where it went: `TWILIO_AUTH_TOKEN=<that token> twilio-accounts verify`; if it is refused, get the current token from the Twilio Console".to_owned(),
                None,
            ),
            NextStep::KeepTheRescuedToken => (
                "deploy the rescued token wherever the Auth Token is used (it is the primary now, and that file is its only copy); then rotate again from it if you want a token of your own".to_owned(),
                None,
            ),
            NextStep::UseTheAccountsOwnCredentials { credentials_act_on } => (
                wrong_account_advice(&credentials_act_on, &self.rotation_account()),
                None,
            ),
            NextStep::ReportBug => (
                format!(
                    "this is a bug in twilio-accounts (please report it); `{resume}` continues from the state file"
                ),
                Some(resume),
            ),
            _ => return (advice("rotate", exit), None),
        };
        (Some(text), command)
    }

    fn failed(&self, failure: RotationFailure) -> ExitCode {
        let mut exit = match (&failure.error, failure.kind) {
            (_, FailureKind::Unavailable) => Exit::Unavailable,
            (_, FailureKind::ForeignToken) => Exit::ForeignToken,
            (Some(e), FailureKind::Api) => Exit::for_error(e),
            (Some(e), FailureKind::Inconsistent) if e.is_authentication_failed() => {
                Exit::AuthenticationFailed
            }
            _ => Exit::Other,
        };
        // A network failure while probing a promote leaves its outcome unknown.
        if failure.step == RotationStep::Promote && exit == Exit::Network {
            exit = Exit::OutcomeUnknown;
        }
        let declined_without_terminal = failure.kind == FailureKind::Declined
            && !self.talk.yes
            && !std::io::stdin().is_terminal();
        let (next, next_command) = self.advise(failure.next, exit, declined_without_terminal);
        let details = match &failure.error {
            Some(e) => error_details(e),
            None => Value::Null,
        };
        let mut out = Failure {
            exit,
            message: failure.to_string(),
            next,
            next_command,
            details,
        };
        if failure.next.journal_is_obsolete() && self.carrier.state_file.exists() {
            match std::fs::remove_file(&self.carrier.state_file) {
                Ok(()) => out.message.push_str(&format!(
                    " (the state file {} was removed: there is nothing to resume)",
                    self.carrier.state_file.display()
                )),
                Err(e) => out.message.push_str(&format!(
                    " (the state file {} could not be removed: {e}; remove it by hand)",
                    self.carrier.state_file.display()
                )),
            }
        } else if self.carrier.state_file.exists() {
            out.message.push_str(&format!(
                " (state kept in {})",
                self.carrier.state_file.display()
            ));
        }
        // A token nobody else has: the sink's refusal left one behind
        // whose secondary may exist, or a promote made a foreign one the
        // primary. Keep it owner-only, never printed.
        let keep = match (&failure.rescued_token, failure.next) {
            (Some(token), _) => Some(token),
            (None, NextStep::AbandonThenStartAgain) => self.carrier.undelivered.as_ref(),
            _ => None,
        };
        if let Some(token) = keep {
            let directory = match self.carrier.state_file.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            if failure.rescued_token.is_none() {
                out.exit = Exit::TokenRescued;
            }
            match rescue(directory, &self.rotation_account(), token) {
                Ok(path) => {
                    out.message.push_str(&format!(
                        "; {} token was saved owner-only in {}",
                        if failure.rescued_token.is_some() {
                            "the new primary"
                        } else {
                            "the undelivered"
                        },
                        path.display()
                    ));
                    if let Value::Object(map) = &mut out.details {
                        map.insert("rescue_file".into(), json!(path));
                    } else {
                        out.details = json!({ "rescue_file": path });
                    }
                }
                Err(e) => out.message.push_str(&format!(
                    "; saving that token to a rescue file failed too ({e})"
                )),
            }
        }
        self.talk.report.fail("rotate", &out)
    }

    fn rotation_account(&self) -> AccountSid {
        *self.carrier.client.context().credentials().account_sid()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wrong_account_advice_names_both_accounts_and_the_fix() {
        let acts_on: AccountSid = "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb".parse().unwrap();
        let asked: AccountSid = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap();
        let text = wrong_account_advice(&acts_on, &asked);
        for expected in [
            "act on account ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb, not on ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "an API key acts on the account that owns it",
            "Nothing changed in either account",
            "To rotate ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, use its own credentials",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} missing from {text:?}"
            );
        }
    }
}
