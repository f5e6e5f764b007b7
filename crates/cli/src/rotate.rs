//! `rotate`: drives the core's rotation state machine with the blocking
//! client, a token sink and a journal file.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use twilio_accounts_core::{AccountSid, AuthToken, Credentials, DeleteSecondaryAuthToken, Error};
use twilio_accounts_rotation::{
    FailureKind, Input, Journal, JournalPhase, NextStep, Rotation, RotationConfig, RotationFailure,
    RotationReport, RotationStep,
};
use twilio_accounts_sim::{SimConfig, Simulator};
use twilio_accounts_ureq::ClientOptions;

use crate::args::{Global, OutputFormat, RotateArgs};
use crate::drive::{Carrier, Conversation, drive};
use crate::outcome::{Exit, Failure, advice, error_details};
use crate::shell_word::shell_word;
use crate::sink::{Sink, rescue, writable_directory};
use crate::{Report, client, client_options, credentials};

/// The default settle with `--simulate`: long enough to show, short enough to wait for.
const SIMULATED_SETTLE: Duration = Duration::from_secs(2);

/// Everything the driver needs besides the state machine: what carries
/// out the actions, and the terminal side of the conversation.
struct Driver<'a> {
    carrier: Carrier<'a>,
    talk: Terminal,
}

/// The single rotation's side of the conversation: progress on stderr, the
/// go-ahead asked on a terminal (or given with `--yes`).
struct Terminal {
    report: Report,
    yes: bool,
    state_file: PathBuf,
    settle: Duration,
    /// How to name this rotation's state file in advice (`--state-file X`
    /// when one was given).
    state_file_arg: String,
    /// Where the token goes, as given, for advice that runs a rotation again.
    sink_args: String,
}

/// The default journal for an account, in the current directory.
pub fn default_state_file(account: &AccountSid) -> PathBuf {
    PathBuf::from(format!(".twilio-rotation-{}.json", account.as_str()))
}

/// The advice when the credentials act on another account than the one
/// asked for. Twilio acts on the account that owns an API key, whatever
/// `--account-sid` says, so the only fix is other credentials.
fn wrong_account_advice(credentials_act_on: &AccountSid, asked: &AccountSid) -> String {
    format!(
        "the credentials given act on account {credentials_act_on}, not on {asked}: an API key acts on the account that owns it, whatever --account-sid / TWILIO_ACCOUNT_SID says (a parent account's key used with a subaccount's SID would rotate the parent). Nothing changed in either account. To rotate {asked}, use its own credentials: its Auth Token (--auth-token / TWILIO_AUTH_TOKEN), or an API key created in {asked} (--api-key / --api-secret)"
    )
}

/// What `secondary delete` should say about a rotation journal it finds in
/// the current directory: deleting the secondary under a rotation changes
/// what that rotation can do.
pub fn journal_notice(account: &AccountSid) -> Option<String> {
    let path = default_state_file(account);
    let journal = read_journal(&path).ok().flatten()?;
    Some(match journal.phase {
        JournalPhase::Done => return None,
        phase if phase.promote_may_have_happened() => format!(
            "{} records a rotation that may have promoted its token: run `twilio-accounts rotate --resume` with the --token-file, --token-exec or --reveal it was started with, to finish it",
            path.display()
        ),
        _ => format!(
            "{} records a rotation of this secondary token that was not promoted: run `twilio-accounts rotate --abandon` to remove it too (it deletes the secondary if it is still there)",
            path.display()
        ),
    })
}

pub fn run(
    global: &Global,
    args: &RotateArgs,
    report: Report,
    on_command_line: &dyn Fn(&str) -> bool,
) -> ExitCode {
    if args.fleet.subaccounts {
        return crate::fleet::run(global, args, report, on_command_line);
    }
    if args.simulate {
        return simulate(global, args, report);
    }
    let setup = credentials(global, report, on_command_line)
        .and_then(|c| Ok((client_options(global, report, on_command_line)?, c)));
    let (options, creds) = match setup {
        Ok(s) => s,
        Err(f) => return report.fail("rotate", &f),
    };
    let state_file = args
        .state_file
        .clone()
        .unwrap_or_else(|| default_state_file(creds.account_sid()));
    if args.abandon {
        return abandon(options, creds, &state_file, report);
    }
    let sink = Sink::from_args(&args.sink);
    if sink.is_empty() {
        return report.fail(
            "rotate",
            &Failure::usage(
                "a rotation makes a new token that must go somewhere before it is promoted: choose --token-file PATH, --token-exec CMD or --reveal",
            ),
        );
    }
    let config = RotationConfig {
        replace_existing_secondary: args.replace_existing_secondary,
        wait_for_go_ahead: true,
        settle: args.settle.unwrap_or(Duration::from_secs(60)),
        suppress_email_notification: args.email.value(),
        ..RotationConfig::default()
    };
    match execute(
        options, creds, config, sink, state_file, args, report, false,
    ) {
        Ok(()) => Exit::Success.code(),
        Err(code) => code,
    }
}

fn simulate(global: &Global, args: &RotateArgs, report: Report) -> ExitCode {
    let sim = match Simulator::spawn(SimConfig::default()) {
        Ok(sim) => sim,
        Err(e) => {
            return report.fail(
                "rotate",
                &Failure::other(format!("cannot start the simulator: {e}")),
            );
        }
    };
    report.say(format!(
        "Simulation: a local Twilio Accounts API at {} with a fresh account {}; nothing leaves this machine.",
        sim.base_url(),
        sim.account_sid()
    ));
    let creds = match sim
        .account_sid()
        .parse()
        .map_err(Error::from)
        .and_then(|sid| {
            Ok(Credentials::auth_token(
                sid,
                AuthToken::new(sim.primary_token())?,
            ))
        }) {
        Ok(c) => c,
        Err(e) => return report.fail("rotate", &Failure::from_error("rotate", &e)),
    };
    let old_token = sim.primary_token();
    let mut options = ClientOptions::new().with_base_url(sim.base_url());
    if let Some(timeout) = global.timeout {
        options = options.with_request_timeout(timeout);
    }
    let scratch = std::env::temp_dir().join(format!(
        "twilio-accounts-simulate-{}-{}",
        std::process::id(),
        sim.local_addr().port()
    ));
    if let Err(e) = std::fs::create_dir_all(&scratch) {
        return report.fail(
            "rotate",
            &Failure::other(format!("cannot create {}: {e}", scratch.display())),
        );
    }
    let state_file = args
        .state_file
        .clone()
        .unwrap_or_else(|| scratch.join("rotation.json"));
    let sink = if args.sink.is_set() {
        Sink::from_args(&args.sink)
    } else {
        // Nothing real is at stake: keep the simulated token in a scratch file.
        let mut sink_args = args.sink.clone();
        sink_args.token_file = Some(scratch.join("new-token"));
        sink_args.force = true;
        Sink::from_args(&sink_args)
    };
    let config = RotationConfig {
        replace_existing_secondary: args.replace_existing_secondary,
        wait_for_go_ahead: true,
        settle: args.settle.unwrap_or(SIMULATED_SETTLE),
        suppress_email_notification: args.email.value(),
        verify_delay: Duration::from_millis(100),
        ..RotationConfig::default()
    };
    let result = execute(options, creds, config, sink, state_file, args, report, true);
    // Check the outcome against the simulator's own state.
    if result.is_ok() {
        let primary = sim.primary_token();
        let consistent = primary != old_token && sim.secondary_token().is_none();
        report.result(format!(
            "Simulator check: the primary token changed: {}; no secondary token left: {}.",
            yes_no(primary != old_token),
            yes_no(sim.secondary_token().is_none())
        ));
        if !consistent {
            let _ = std::fs::remove_dir_all(&scratch);
            return report.fail(
                "rotate",
                &Failure::other("the simulator's state does not match a finished rotation"),
            );
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    sim.shutdown();
    match result {
        Ok(()) => Exit::Success.code(),
        Err(code) => code,
    }
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "NO" }
}

#[allow(clippy::too_many_arguments)]
fn execute(
    options: ClientOptions,
    creds: Credentials,
    config: RotationConfig,
    sink: Sink,
    state_file: PathBuf,
    args: &RotateArgs,
    report: Report,
    simulated: bool,
) -> Result<(), ExitCode> {
    let config_settle = config.settle;
    let client = client(options, creds.clone()).map_err(|f| report.fail("rotate", &f))?;
    let existing = read_journal(&state_file).map_err(|f| report.fail("rotate", &f))?;
    let rotation = match (args.resume, existing) {
        (true, None) => {
            return Err(report.fail(
                "rotate",
                &Failure::usage(format!(
                    "there is no rotation to resume: {} does not exist",
                    state_file.display()
                )),
            ));
        }
        (true, Some(journal)) => {
            report.say(format!(
                "Resuming the rotation recorded in {}.",
                state_file.display()
            ));
            Rotation::resume(journal, creds, config)
                .map_err(|e| report.fail("rotate", &Failure::usage(e.to_string())))?
        }
        (false, Some(journal)) if journal.phase != JournalPhase::Done => {
            let resume = format!(
                "twilio-accounts rotate --resume{}{}",
                state_file_arg(args),
                sink_args(args)
            );
            let next = if journal.phase.promote_may_have_happened() {
                format!("run `{resume}` to finish it")
            } else {
                format!(
                    "run `{resume}` to finish it, or `twilio-accounts rotate --abandon{}` to drop it (its secondary token is deleted)",
                    state_file_arg(args)
                )
            };
            let mut failure = Failure::usage(format!(
                "a rotation is already in progress ({})",
                state_file.display()
            ))
            .with_next(next);
            failure.next_command = Some(resume);
            return Err(report.fail("rotate", &failure));
        }
        (false, _) => Rotation::new(creds, config),
    };
    let sink = if args.resume {
        // The file can only hold a token of this rotation that was never
        // deployed (deployment starts after the journal records delivery).
        sink.allowing_overwrite()
    } else {
        sink.preflight()
            .map_err(|reason| report.fail("rotate", &Failure::usage(reason)))?;
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
        sink
    };
    crate::interrupt::install("rotate", report.format);
    let mut driver = Driver {
        carrier: Carrier::new(&client, sink, state_file.clone(), args.resume),
        talk: Terminal {
            report,
            yes: args.yes || simulated,
            state_file: state_file.clone(),
            settle: config_settle,
            state_file_arg: state_file_arg(args),
            sink_args: sink_args(args),
        },
    };
    match drive(&mut driver.carrier, rotation, &mut driver.talk) {
        Ok(result) => {
            let _ = std::fs::remove_file(&state_file);
            driver.finished(&result, simulated);
            Ok(())
        }
        Err(failure) => Err(driver.failed(*failure)),
    }
}

/// ` --state-file PATH` when one was given, for advice to repeat it.
fn state_file_arg(args: &RotateArgs) -> String {
    match &args.state_file {
        Some(path) => format!(" --state-file {}", shell_word(&path.display().to_string())),
        None => String::new(),
    }
}

/// Where the token goes, as given (` --token-file PATH`, ` --token-exec CMD`,
/// ` --reveal`, ` --force`), for advice that runs a rotation again
/// (`--resume`, or a new start) to repeat: such a run may have to deliver a
/// token and refuses to start without a sink. Each word quoted for `sh`.
fn sink_args(args: &RotateArgs) -> String {
    let sink = &args.sink;
    let mut flags = String::new();
    if let Some(path) = &sink.token_file {
        flags.push_str(&format!(
            " --token-file {}",
            shell_word(&path.display().to_string())
        ));
    }
    if let Some(command) = &sink.token_exec {
        flags.push_str(&format!(" --token-exec {}", shell_word(command)));
    }
    if sink.reveal {
        flags.push_str(" --reveal");
    }
    if sink.force {
        flags.push_str(" --force");
    }
    flags
}

/// `rotate --abandon`: deletes the secondary token of a rotation that was
/// not promoted, then its journal. Refused once a promote may have happened:
/// the new token may be the primary, and deleting is no way back.
fn abandon(
    options: ClientOptions,
    creds: Credentials,
    state_file: &Path,
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
            .with_next(format!(
                "run `twilio-accounts rotate --resume --state-file {}` with the --token-file, --token-exec or --reveal the rotation was started with, to finish it",
                shell_word(&state_file.display().to_string())
            )),
        );
    }
    let client = match client(options, creds) {
        Ok(c) => c,
        Err(f) => return report.fail(command, &f),
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
                failure.next = Some("run `twilio-accounts rotate --abandon` again (with the same --state-file, if any)".into());
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
    if journal.new_fingerprint.is_some() {
        report.say("      the new token that was handed over no longer works: remove it from where it went");
    }
    Exit::Success.code()
}

fn read_journal(path: &Path) -> Result<Option<Journal>, Failure> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let bytes = zeroize::Zeroizing::new(bytes);
            Journal::from_json(&bytes)
                .map(Some)
                .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Failure::other(format!(
            "cannot read the state file {}: {e}",
            path.display()
        ))),
    }
}

impl Terminal {
    /// Tells the Ctrl-C handler what the journal now says.
    fn kept(&self, phase: JournalPhase) {
        let resume = format!(
            "twilio-accounts rotate --resume{}{}",
            self.state_file_arg, self.sink_args
        );
        let next = match phase {
            JournalPhase::Done => None,
            phase if phase.promote_may_have_happened() => {
                Some(format!("run `{resume}` to finish the rotation"))
            }
            _ => Some(format!(
                "run `{resume}` to continue, or `twilio-accounts rotate --abandon{}` to delete the new secondary token and stop",
                self.state_file_arg
            )),
        };
        let state = if phase == JournalPhase::Done {
            "the rotation had finished".to_owned()
        } else {
            format!("the rotation is recorded in {}", self.state_file.display())
        };
        crate::interrupt::keep(state, next);
    }

    fn go_ahead(&self) -> Input {
        if self.yes {
            self.report
                .say("      go-ahead given in advance (--yes, or a simulation)");
            return Input::GoAhead;
        }
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            self.report.warn(
                "not promoting: standard input is not a terminal to confirm on; pass --yes once the new token is deployed",
            );
            return Input::Declined;
        }
        eprintln!(
            "Deploy the new token everywhere that uses the current one. Both work until you promote.\nType `promote` and press Enter to promote now (anything else stops here; `rotate --resume` continues later): "
        );
        let mut line = String::new();
        match stdin.lock().read_line(&mut line) {
            Ok(_) if line.trim() == "promote" => Input::GoAhead,
            _ => Input::Declined,
        }
    }

    fn settle(&self, duration: Duration) {
        let start = Instant::now();
        let tick = Duration::from_secs(10).min(duration);
        // Bounded by the duration.
        while start.elapsed() < duration {
            let left = duration.saturating_sub(start.elapsed());
            self.report.say(format!(
                "      settling: {}s left",
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
        Terminal::settle(self, duration);
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
                "token": self.carrier.revealed.as_ref().map(|t| t.expose_secret()),
                "notes": result.notes,
                "webhooks": webhooks,
            })),
            OutputFormat::Text => {
                let total: Duration = self.carrier.steps.iter().map(|(_, d)| *d).sum();
                let done = format!(
                    "[9/9] done in {:.1}s: the new token is the primary Auth Token of {}{}.",
                    total.as_secs_f64(),
                    result.account_sid,
                    match result.old_token_refused {
                        Some(true) => ", and the old token is refused",
                        Some(false) => ", but the old token still authenticated (see notes)",
                        None => "",
                    }
                );
                // With --reveal the token is the result: alone on stdout, for `$(…)`.
                if self.carrier.revealed.is_some() {
                    self.talk.report.say(done);
                } else {
                    self.talk.report.result(done);
                }
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
                if let Some(token) = &self.carrier.revealed {
                    println!("{}", token.expose_secret());
                }
            }
        }
    }

    /// The advice for a stopped rotation, worded for this command line, and
    /// the command that follows it when there is one.
    fn advise(&self, next: NextStep, exit: Exit) -> (Option<String>, Option<String>) {
        let state = &self.talk.state_file_arg;
        // A run that may deliver a token repeats the sink; `--abandon` needs none.
        let rotate = |extra: &str| {
            let sink = if extra == " --abandon" {
                ""
            } else {
                self.talk.sink_args.as_str()
            };
            format!("twilio-accounts rotate{extra}{state}{sink}")
        };
        let network = exit == Exit::Network;
        let (text, command) = match next {
            NextStep::StartAgain => (
                format!(
                    "nothing of this rotation is left at Twilio: {}, then run `{}` again",
                    if network {
                        "check the network, the base URL and --timeout"
                    } else {
                        "fix the cause above"
                    },
                    rotate("")
                ),
                Some(rotate("")),
            ),
            NextStep::StartAgainReplacingSecondary => (
                format!(
                    "a secondary token exists that this rotation did not create; if nobody else is rotating this account, run `{}` (it deletes that token first)",
                    rotate(" --replace-existing-secondary")
                ),
                Some(rotate(" --replace-existing-secondary")),
            ),
            NextStep::Resume => (
                format!(
                    "{}run `{}` to continue",
                    if network { "check the network, then " } else { "" },
                    rotate(" --resume")
                ),
                Some(rotate(" --resume")),
            ),
            // Refused, the new secondary is most likely gone (deleted by
            // hand): resuming would be refused again.
            NextStep::ResumeOrAbandon if exit == Exit::AuthenticationFailed => (
                format!(
                    "the new token is refused, so its secondary was probably deleted: run `{}` to drop this rotation (the current token stays), then `{}` again",
                    rotate(" --abandon"),
                    rotate("")
                ),
                Some(rotate(" --abandon")),
            ),
            NextStep::ResumeOrAbandon => (
                format!(
                    "deploy the new token where the current one is used, then run `{}` to promote it; or run `{}` to delete it and keep the current token",
                    rotate(" --resume"),
                    rotate(" --abandon")
                ),
                Some(rotate(" --resume")),
            ),
            NextStep::AbandonThenStartAgain => (
                format!(
                    "run `{}` to delete the unused secondary token, then `{}` again",
                    rotate(" --abandon"),
                    rotate("")
                ),
                Some(rotate(" --abandon")),
            ),
            NextStep::WaitThenResume => (
                format!(
                    "wait a minute (Twilio can lag after a promote), then run `{}` to check again",
                    rotate(" --resume")
                ),
                Some(rotate(" --resume")),
            ),
            NextStep::CheckNewToken => (
                format!(
                    "run `twilio-accounts verify` with the new token (from where it went) as the Auth Token: if it authenticates, the rotation is complete and {} can be removed; if not, run `{}`",
                    self.carrier.state_file.display(),
                    rotate(" --resume")
                ),
                None,
            ),
            NextStep::CheckOldTokenLater => (
                "the new token is the primary and works; later, run `twilio-accounts verify` with the old token as the Auth Token: it should be refused (exit 3)".to_owned(),
                None,
            ),
            NextStep::CheckTokensByHand => (
                "run `twilio-accounts verify` with the token from where it went; if it is refused, get the current token from the Twilio Console".to_owned(),
                None,
            ),
            NextStep::UseTheAccountsOwnCredentials { credentials_act_on } => (
                wrong_account_advice(&credentials_act_on, &self.rotation_account()),
                None,
            ),
            NextStep::ReportBug => (
                format!(
                    "this is a bug in twilio-accounts (please report it); `{}` continues from the state file",
                    rotate(" --resume")
                ),
                Some(rotate(" --resume")),
            ),
            _ => return (advice("rotate", exit), None),
        };
        (Some(text), command)
    }

    fn failed(&self, failure: RotationFailure) -> ExitCode {
        let mut exit = match (&failure.error, failure.kind) {
            (Some(e), FailureKind::Api) => Exit::for_error(e),
            _ => Exit::Other,
        };
        // A network failure while probing a promote leaves its outcome unknown.
        if failure.step == RotationStep::Promote && exit == Exit::Network {
            exit = Exit::OutcomeUnknown;
        }
        let (next, next_command) = self.advise(failure.next, exit);
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
        if failure.next == NextStep::AbandonThenStartAgain
            && let Some(token) = &self.carrier.undelivered
        {
            // Nobody has the token and its secondary may still exist: keep it.
            let directory = match self.carrier.state_file.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            out.exit = Exit::TokenRescued;
            match rescue(directory, &self.rotation_account(), token) {
                Ok(path) => {
                    out.message.push_str(&format!(
                        "; the undelivered token was saved owner-only in {}",
                        path.display()
                    ));
                    if let Value::Object(map) = &mut out.details {
                        map.insert("rescue_file".into(), json!(path));
                    } else {
                        out.details = json!({ "rescue_file": path });
                    }
                }
                Err(e) => out.message.push_str(&format!(
                    "; saving the undelivered token to a rescue file failed too ({e})"
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
