//! `keys rotate [SK…]`: replace one API key with no outage, driving the
//! rotation crate's [`KeyRotation`] (its steps, journal and guarantees are
//! documented there).
//!
//! This module does the driver's part: the credentials and the key to
//! replace (`TWILIO_API_KEY` by default, when it is not the credential in
//! use), the account's lock and the journal (`key-rotation-<SK>.json` in
//! the state directory, owner-only), the sink (`--secret-file`,
//! `--secret-exec`, `--reveal`, as `keys create` writes them), the
//! go-ahead (`--yes` with `--deploy-wait`, or typing `delete`), and advice
//! that runs as printed.

use std::io::{BufRead, IsTerminal};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use serde_json::json;
use twilio_accounts_core::{ApiKeySecret, ApiKeySid, Credentials};
use twilio_accounts_rotation::{
    KeyApi, KeyFailureKind, KeyInput, KeyJournal, KeyRotation, KeyRotationConfig,
    KeyRotationFailure, KeyRotationReport, KeyRotationStep, KeyVerify, NextStep,
};

use crate::args::{KeysApi, KeysRotateArgs, OutputFormat};
use crate::client_setup::{client, client_options, credentials};
use crate::key_drive::{
    KeyCarrier, KeyConversation, STORE_FIELDS, drive_key, rotation_id, store_version,
};
use crate::outcome::{Exit, Failure};
use crate::resources::Context;
use crate::rotate::{duration_word, global_rerun_flags};
use crate::shell_word::{Words, shell_word};
use crate::sink::{Sink, connect_stores, store_failure};
use crate::state_dir::StateDir;

const COMMAND: &str = "keys rotate";

/// How long the applications get to pick up the new key by default.
const DEFAULT_DEPLOY_WAIT: Duration = Duration::from_secs(60);

/// `keys rotate`.
pub fn rotate(context: &Context<'_>, args: &KeysRotateArgs) -> ExitCode {
    if args.fleet.subaccounts {
        return crate::fleet::keys::run(context, args);
    }
    match run(context, args) {
        Ok(()) => Exit::Success.code(),
        Err(failure) => context.report.fail(COMMAND, &failure),
    }
}

/// The key to replace, and its secret when it came from the environment
/// with `TWILIO_API_SECRET` (never journalled: the last step then checks it
/// is refused).
fn old_key(
    context: &Context<'_>,
    args: &KeysRotateArgs,
    credentials: &Credentials,
) -> Result<(ApiKeySid, Option<ApiKeySecret>), Failure> {
    let in_use = match credentials {
        Credentials::ApiKey { key_sid, .. } => Some(*key_sid),
        _ => None,
    };
    let (sid, secret) = match &args.sid {
        Some(text) => {
            let sid = ApiKeySid::parse(text).map_err(|e| Failure::usage(format!("SK…: {e}")))?;
            let secret = (context.global.api_key.as_deref() == Some(text.as_str())
                && in_use.is_none())
            .then_some(context.global.api_secret.as_ref())
            .flatten()
            .and_then(|s| ApiKeySecret::new(s.to_zeroizing().as_str()).ok());
            (sid, secret)
        }
        None => {
            let Some(text) = context
                .global
                .api_key
                .as_deref()
                .filter(|_| in_use.is_none())
            else {
                return Err(Failure::usage(
                    "name the key to replace (`twilio-accounts keys rotate SK…`); TWILIO_API_KEY is its default only when the credentials in use are the Auth Token",
                ));
            };
            let sid = ApiKeySid::parse(text)
                .map_err(|e| Failure::usage(format!("TWILIO_API_KEY: {e}")))?;
            let secret = context
                .global
                .api_secret
                .as_ref()
                .and_then(|s| ApiKeySecret::new(s.to_zeroizing().as_str()).ok());
            (sid, secret)
        }
    };
    if in_use == Some(sid) {
        return Err(Failure::usage(format!(
            "{sid} is the key these credentials authenticate with: deleting it would cut the rotation off; rotate it with the Auth Token (TWILIO_AUTH_TOKEN) or another Main key"
        )));
    }
    Ok((sid, secret))
}

/// What a later run must repeat: the key, the journal, the sink, the
/// go-ahead and the check, and the global options that say where Twilio is.
fn rerun_flags(context: &Context<'_>, args: &KeysRotateArgs, sid: &ApiKeySid) -> String {
    let mut words = Words::default();
    words.word(sid.as_str());
    let mut flag = |name: &str, value: Option<String>| words.option(name, value);
    if args.api == KeysApi::V2010 {
        flag("--api", Some("v2010".into()));
    }
    if let Some(path) = &args.state_file {
        flag("--state-file", Some(path.display().to_string()));
    }
    let to = &args.sink.to;
    if let Some(path) = &to.secret_file {
        flag("--secret-file", Some(path.display().to_string()));
    }
    if let Some(command) = &to.secret_exec {
        flag("--secret-exec", Some(command.clone()));
    }
    if let Some(timeout) = to.secret_exec_timeout {
        flag("--secret-exec-timeout", Some(duration_word(timeout)));
    }
    if to.force {
        flag("--force", None);
    }
    for store in &args.sinks {
        flag("--sink", Some(store.to_arg()));
    }
    if args.sink.reveal {
        flag("--reveal", None);
    }
    if args.sink.secret_format == crate::args::SecretFormat::Json {
        flag("--secret-format", Some("json".into()));
    }
    if args.yes {
        flag("--yes", None);
    }
    if let Some(wait) = args.deploy_wait {
        flag("--deploy-wait", Some(duration_word(wait)));
    }
    if let Some(path) = &args.verify_url {
        flag("--verify-url", Some(path.clone()));
    }
    if args.skip_verify {
        flag("--skip-verify", None);
    }
    let mut line = words.into_string();
    line.push_str(&global_rerun_flags(context.global, context.on_command_line));
    line
}

/// The parts of the command line an advice names.
struct Advice {
    /// `keys rotate SK… …` with what the run was started with.
    rerun: String,
    /// `--state-file`, when given.
    state_file: String,
    /// The global options typed.
    global: String,
    api: KeyApi,
}

impl Advice {
    fn start(&self) -> String {
        format!("twilio-accounts keys rotate{}", self.rerun)
    }
    fn resume(&self) -> String {
        format!("twilio-accounts keys rotate --resume{}", self.rerun)
    }
    fn abandon(&self, sid: &ApiKeySid) -> String {
        format!(
            "twilio-accounts keys rotate --abandon {sid}{}{}",
            self.state_file, self.global
        )
    }
    fn list(&self) -> String {
        let api = match self.api {
            KeyApi::V2010 => " --api v2010",
            KeyApi::Iam => "",
        };
        format!("twilio-accounts keys list{api}{}", self.global)
    }
}

fn run(context: &Context<'_>, args: &KeysRotateArgs) -> Result<(), Failure> {
    let report = context.report;
    let creds = credentials(context.global, report, context.on_command_line)?;
    let account = *creds.account_sid();
    let (old_sid, old_secret) = old_key(context, args, &creds)?;
    if let Some(path) = &args.verify_url
        && !path.starts_with('/')
    {
        return Err(Failure::usage(format!(
            "--verify-url {path}: give a path such as /v1/Credentials/PublicKeys?PageSize=1 (it goes to Twilio's host with the new key)"
        )));
    }
    let api = match args.api {
        KeysApi::Iam => KeyApi::Iam,
        KeysApi::V2010 => KeyApi::V2010,
    };
    let client = client(
        client_options(context.global, report, context.on_command_line)?,
        creds.clone(),
    )?;
    let stores = connect_stores(&args.sinks)?;
    let mut sink = Sink::for_secret(&args.sink.to, args.sink.reveal)
        .for_account_sid(account)
        .with_stores_holding(&stores, STORE_FIELDS);
    if sink.is_empty() && !args.abandon {
        return Err(Failure::usage(
            "the new key's secret is shown once and must go somewhere before anything depends on it: choose --secret-file PATH, --secret-exec CMD, --sink STORE:WHERE (vault:MOUNT/PATH or aws-sm:SECRET_ID) or --reveal",
        ));
    }
    let dir = StateDir::open()?;
    let _lock = dir.lock(&account)?;
    let journal_path = args
        .state_file
        .clone()
        .unwrap_or_else(|| dir.path().join(format!("key-rotation-{old_sid}.json")));
    let global = global_rerun_flags(context.global, context.on_command_line);
    let advice = Advice {
        rerun: rerun_flags(context, args, &old_sid),
        state_file: args
            .state_file
            .as_ref()
            .map(|p| format!(" --state-file {}", shell_word(&p.display().to_string())))
            .unwrap_or_default(),
        global,
        api,
    };
    let config = KeyRotationConfig {
        verify: match (&args.verify_url, args.skip_verify) {
            (Some(path), _) => KeyVerify::Path(path.clone()),
            (None, true) => KeyVerify::Skip,
            (None, false) => KeyVerify::Default,
        },
        ..KeyRotationConfig::new(api)
    };
    let existing = read_journal(&journal_path)?;
    let rotation = match (existing, args.resume, args.abandon) {
        (None, true, _) | (None, _, true) => {
            return Err(Failure::usage(format!(
                "there is no rotation of {old_sid} to {}: {} does not exist",
                if args.resume { "resume" } else { "abandon" },
                journal_path.display()
            )));
        }
        (Some(journal), false, false) => {
            let resume = advice.resume();
            let mut failure = Failure::usage(format!(
                "a rotation of {} is already recorded in {} (phase {:?})",
                journal.old_sid,
                journal_path.display(),
                journal.phase
            ))
            .with_next(format!(
                "run `{resume}` to finish it, or `{}` to drop it",
                advice.abandon(&old_sid)
            ));
            failure.next_command = Some(resume);
            return Err(failure);
        }
        (Some(journal), _, _) if journal.old_sid != old_sid || journal.account_sid != account => {
            return Err(Failure::usage(format!(
                "{} records the rotation of key {} of {}; name that key, with that account's credentials",
                journal_path.display(),
                journal.old_sid,
                journal.account_sid
            )));
        }
        (Some(journal), _, true) => {
            report.say(format!(
                "Abandoning the rotation of {old_sid} recorded in {}.",
                journal_path.display()
            ));
            // The stores first: a store whose applications read the new key
            // goes back to the old one before the new key is deleted.
            if let Some(new) = journal.new_sid {
                let restored = sink
                    .withdraw_fields((STORE_FIELDS[1], new.as_str()), &store_version(&new))
                    .map_err(|e| {
                        store_failure(&e).with_next(format!(
                            "nothing was deleted; once the store is back, run `{}` again",
                            advice.abandon(&old_sid)
                        ))
                    })?;
                for store in restored {
                    report.say(format!("      {store}: put back to what it held before"));
                }
            }
            KeyRotation::abandon(journal, creds.clone(), config)
                .map_err(|e| Failure::usage(e.to_string()))?
        }
        (Some(journal), true, false) => {
            report.say(format!(
                "Resuming the rotation of {old_sid} recorded in {}.",
                journal_path.display()
            ));
            sink.begin_stores().map_err(|e| {
                let resume = advice.resume();
                let mut failure =
                    store_failure(&e).with_next(format!("run `{resume}` once it is back"));
                failure.next_command = Some(resume);
                failure
            })?;
            if let Some(sid) = journal.new_sid {
                sink = sink.replacing_key(sid.as_str());
            }
            KeyRotation::resume(journal, creds.clone(), config)
                .map_err(|e| Failure::usage(e.to_string()))?
        }
        (None, false, false) => {
            sink.preflight().map_err(Failure::usage)?;
            // A store that cannot be read stops the rotation before anything
            // changes at Twilio.
            sink.begin_stores().map_err(|e| store_failure(&e))?;
            KeyRotation::new(creds.clone(), old_sid, rotation_id(), config)
        }
    };
    let rotation = match old_secret {
        Some(secret) => rotation.with_old_secret(secret),
        None => rotation,
    };
    // Ctrl-C: once a journal is written, say where it is and how to go on.
    crate::interrupt::install(COMMAND, context.report.format);
    let kept = (
        format!("the key rotation is recorded in {}", journal_path.display()),
        Some(format!(
            "run `{}` to finish it, or `{}` to delete the new key and keep the old one",
            advice.resume(),
            advice.abandon(&old_sid)
        )),
        Some(advice.resume()),
    );
    let mut driver = Driver {
        context,
        args,
        sink: &sink,
        kept,
    };
    let mut carrier = KeyCarrier::new(
        &client,
        &sink,
        args.sink.secret_format,
        &journal_path,
        account,
        old_sid,
    );
    match drive_key(&mut carrier, rotation, &mut driver) {
        Ok(done) => {
            let _ = std::fs::remove_file(&journal_path);
            driver.finished(&done);
            Ok(())
        }
        Err(failure) => {
            if failure.next.journal_is_obsolete() {
                let _ = std::fs::remove_file(&journal_path);
            }
            Err(driver.failure(*failure, &advice, old_sid))
        }
    }
}

fn read_journal(path: &Path) -> Result<Option<KeyJournal>, Failure> {
    match std::fs::read(path) {
        Ok(bytes) => KeyJournal::from_json(&bytes).map(Some).map_err(|e| {
            Failure::other(format!("{}: {e}", path.display())).with_next(format!(
                "it is never removed for you (it may hold a secret): move it aside (`mv {0} {0}.damaged`) and run the same command again",
                shell_word(&path.display().to_string())
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Failure::other(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

struct Driver<'a> {
    context: &'a Context<'a>,
    args: &'a KeysRotateArgs,
    sink: &'a Sink,
    /// What an interruption leaves once the journal is written (see
    /// [`crate::interrupt`]).
    kept: (String, Option<String>, Option<String>),
}

impl KeyConversation for Driver<'_> {
    fn step(&mut self, step: KeyRotationStep) {
        self.context
            .report
            .say(format!("[{}/9] {}", step.number(), step.describe()));
    }

    fn delivered(&mut self, sid: &ApiKeySid, sink: &Sink) {
        self.context.report.say(format!(
            "      {sid} went to: {}",
            sink.describe().join(", ")
        ));
    }

    fn persisted(&mut self) {
        let (state, next, command) = self.kept.clone();
        crate::interrupt::keep(state, next, command);
    }

    fn go_ahead(&mut self) -> KeyInput {
        Driver::go_ahead(self)
    }
}

impl Driver<'_> {
    fn go_ahead(&self) -> KeyInput {
        let report = self.context.report;
        if self.args.yes {
            let wait = self.args.deploy_wait.unwrap_or(DEFAULT_DEPLOY_WAIT);
            report.say(format!(
                "      go-ahead given in advance (--yes): deleting the old key once the applications had {}s to pick up the new one (--deploy-wait)",
                wait.as_secs_f64()
            ));
            std::thread::sleep(wait);
            return KeyInput::GoAhead;
        }
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            report.warn(
                "not deleting the old key: standard input is not a terminal to confirm on; pass --yes to delete it once --deploy-wait has passed",
            );
            return KeyInput::Declined;
        }
        crate::output::err(
            "Deploy the new key everywhere that uses the old one, and give the applications time to pick it up. Both keys work until the old one is deleted; after that it is refused at once.\nType `delete` and press Enter to delete the old key now (anything else stops here; `--resume` continues later): ",
        );
        let mut line = String::new();
        match stdin.lock().read_line(&mut line) {
            Ok(_) if line.trim() == "delete" => KeyInput::GoAhead,
            _ => KeyInput::Declined,
        }
    }

    fn finished(&self, done: &KeyRotationReport) {
        let report = self.context.report;
        let new = done.new_sid.map(|s| s.to_string());
        for note in &done.notes {
            report.say(format!("note: {note}"));
        }
        report.json(&json!({
            "command": COMMAND,
            "ok": true,
            "account_sid": done.account_sid.as_str(),
            "old_key_sid": done.old_sid.as_str(),
            "new_key_sid": new,
            "abandoned": done.abandoned,
            "resumed": done.resumed,
            "old_key_refused": done.old_key_refused,
            "secret_delivered_to": if done.abandoned { Vec::new() } else { self.sink.describe() },
            "notes": done.notes,
        }));
        if done.abandoned {
            report.result(format!(
                "Abandoned: the old key {} is kept, and every key this rotation made was deleted.",
                done.old_sid
            ));
        } else {
            report.result(format!(
                "Rotated: {} replaces {}, which is deleted{}.",
                new.as_deref().unwrap_or("the new key"),
                done.old_sid,
                match done.old_key_refused {
                    Some(true) => " and refused",
                    _ => "",
                }
            ));
        }
    }

    fn failure(&self, failure: KeyRotationFailure, advice: &Advice, old_sid: ApiKeySid) -> Failure {
        let exit = match (&failure.error, failure.kind) {
            (
                _,
                KeyFailureKind::CannotManageKeys
                | KeyFailureKind::NotReplaceable
                | KeyFailureKind::NoVerifyRead,
            ) => Exit::Usage,
            (_, KeyFailureKind::NoSuchKey) => Exit::NotFound,
            (_, KeyFailureKind::Unavailable) => Exit::Unavailable,
            (Some(e), KeyFailureKind::Api | KeyFailureKind::NewKeyRefused) => Exit::for_error(e),
            _ => Exit::Other,
        };
        let mut out = Failure::new(exit, failure.message.clone());
        if let Some(e) = &failure.error {
            out.details = crate::outcome::error_details(e);
        }
        let declined_without_terminal = failure.kind == KeyFailureKind::Declined && !self.args.yes;
        let (next, command) = match (failure.kind, failure.next) {
            (KeyFailureKind::CannotManageKeys, _) => (
                "managing keys needs the account's Auth Token (TWILIO_AUTH_TOKEN) or a Main API key: run the same command with one of those".to_owned(),
                None,
            ),
            (KeyFailureKind::NoVerifyRead, NextStep::StartAgain) => (
                format!(
                    "name a read the key's policy allows with --verify-url PATH (for example `{} --verify-url /v1/…`), or skip the check with `{} --skip-verify`",
                    advice.start(),
                    advice.start()
                ),
                Some(format!("{} --skip-verify", advice.start())).filter(|_| !self.args.skip_verify),
            ),
            (KeyFailureKind::KeyLimit, _) => {
                let could_go: Vec<String> = failure
                    .keys
                    .iter()
                    .filter(|k| k.sid != old_sid)
                    .map(|k| match &k.friendly_name {
                        Some(name) => format!("{} ({})", k.sid, crate::output::printable(name)),
                        None => k.sid.to_string(),
                    })
                    .collect();
                out.details = json!({
                    "code": 70151,
                    "keys": failure.keys.iter().map(|k| json!({"sid": k.sid.as_str(), "friendly_name": k.friendly_name})).collect::<Vec<_>>(),
                    "could_go": failure.keys.iter().filter(|k| k.sid != old_sid).map(|k| k.sid.as_str()).collect::<Vec<_>>(),
                });
                (
                    format!(
                        "the account's keys are: {} (the one being replaced) and {}; delete one no longer used (`twilio-accounts keys delete SK…{}`), then run `{}` again",
                        old_sid,
                        if could_go.is_empty() { "none other".to_owned() } else { could_go.join(", ") },
                        if advice.api == KeyApi::V2010 { " --api v2010" } else { "" },
                        advice.start()
                    ),
                    Some(advice.list()),
                )
            }
            (_, NextStep::StartAgain) => (
                format!("fix the cause, then run `{}` again", advice.start()),
                None,
            ),
            (_, NextStep::Resume | NextStep::CheckOldTokenLater | NextStep::WaitThenResume) => {
                (format!("run `{}` to finish it", advice.resume()), Some(advice.resume()))
            }
            (_, NextStep::ResumeOrAbandon) if declined_without_terminal => {
                let resume = format!("{} --yes", advice.resume());
                (
                    format!(
                        "deploy the new key, then run `{resume}` to delete the old one; or `{}` to delete the new key instead",
                        advice.abandon(&old_sid)
                    ),
                    Some(resume),
                )
            }
            (_, NextStep::ResumeOrAbandon) => (
                format!(
                    "run `{}` to continue, or `{}` to delete the new key and keep the old one",
                    advice.resume(),
                    advice.abandon(&old_sid)
                ),
                Some(advice.resume()),
            ),
            (_, NextStep::AbandonThenStartAgain) => (
                format!(
                    "run `{}` to delete what this rotation made, then start again",
                    advice.abandon(&old_sid)
                ),
                Some(advice.abandon(&old_sid)),
            ),
            _ => (
                "this is a bug: report it with the output of this command run with -vv".to_owned(),
                None,
            ),
        };
        out.next = Some(next);
        out.next_command = command;
        if self.context.report.format == OutputFormat::Text {
            self.context.report.say(format!(
                "stopped at step {} ({})",
                failure.step.number(),
                failure.step.describe()
            ));
        }
        out
    }
}
