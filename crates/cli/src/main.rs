//! `twilio-accounts`: rotate Twilio Auth Tokens safely from the command line.
//!
//! Output: people read stderr (steps, errors, advice); scripts read stdout
//! (with `--output json`, exactly one JSON document per command). A token is
//! printed only with `--reveal`. Exit codes are listed in [`outcome`].

#![forbid(unsafe_code)]
// A command-line tool talks on stdout and stderr by design.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod duration;
mod outcome;
mod rotate;
mod sink;
mod state_file;
mod webhook;

use std::io::Write;
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};
use serde_json::{Value, json};
use twilio_accounts_core::{
    ClientOptions, CreateSecondaryAuthToken, Credentials, CredentialsInput,
    DeleteSecondaryAuthToken, Endpoint, PromoteAuthToken, Reply,
};
use twilio_accounts_ureq::Client;
use zeroize::Zeroizing;

use args::{Cli, Command, Global, OutputFormat, SecondaryCommand, WebhookCommand};
use outcome::{Exit, Failure};
use sink::Sink;

/// How a command reports: format, verbosity.
#[derive(Debug, Clone, Copy)]
pub struct Report {
    pub format: OutputFormat,
    pub quiet: bool,
}

impl Report {
    /// A line for people, on stderr (suppressed by -q and in JSON mode).
    pub fn say(&self, line: impl AsRef<str>) {
        if !self.quiet && self.format == OutputFormat::Text {
            eprintln!("{}", line.as_ref());
        }
    }

    /// A warning, on stderr, unless -q.
    pub fn warn(&self, line: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("warning: {}", line.as_ref());
        }
    }

    /// The command's JSON document, on stdout.
    pub fn json(&self, document: &Value) {
        if self.format == OutputFormat::Json {
            let mut out = std::io::stdout().lock();
            let _ = serde_json::to_writer(&mut out, document);
            let _ = writeln!(out);
        }
    }

    /// Reports a failure in the chosen format and returns its exit code.
    pub fn fail(&self, command: &str, failure: &Failure) -> ExitCode {
        match self.format {
            OutputFormat::Json => self.json(&failure.to_json(command)),
            OutputFormat::Text => {
                eprintln!("error: {}", failure.message);
                if let Some(next) = &failure.next {
                    eprintln!("  what to do: {next}");
                }
            }
        }
        failure.exit.code()
    }
}

fn main() -> ExitCode {
    let matches = match Cli::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Usage.code()
            } else {
                Exit::Success.code()
            };
        }
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return Exit::Usage.code();
        }
    };
    init_logging(&cli.global);
    let report = Report {
        format: cli.global.output,
        quiet: cli.global.quiet,
    };
    let on_command_line = |id: &str| from_command_line(&matches, id);
    match &cli.command {
        Command::Promote { email, sink } => single_call(
            &cli.global,
            report,
            &on_command_line,
            "promote",
            Sink::from_args(sink),
            |client| {
                client
                    .promote_auth_token(PromoteAuthToken {
                        suppress_email_notification: email.value(),
                    })
                    .map(|r| {
                        let date = r.value.date_updated.map(|d| d.to_string());
                        with_reply_meta(r, |p| (Some(p.auth_token), date))
                    })
            },
        ),
        Command::Secondary {
            action: SecondaryCommand::Create { email, sink },
        } => {
            let sink = Sink::from_args(sink);
            if sink.is_empty() {
                return report.fail(
                    "secondary create",
                    &Failure::usage(
                        "`secondary create` makes a token that exists nowhere else: choose where it goes with --token-file PATH, --token-exec CMD or --reveal",
                    ),
                );
            }
            single_call(
                &cli.global,
                report,
                &on_command_line,
                "secondary create",
                sink,
                |client| {
                    client
                        .create_secondary_auth_token(CreateSecondaryAuthToken {
                            suppress_email_notification: email.value(),
                        })
                        .map(|r| {
                            let date = r.value.date_created.map(|d| d.to_string());
                            with_reply_meta(r, |s| (Some(s.secondary_auth_token), date))
                        })
                },
            )
        }
        Command::Secondary {
            action: SecondaryCommand::Delete { email },
        } => single_call(
            &cli.global,
            report,
            &on_command_line,
            "secondary delete",
            Sink::from_args(&Default::default()),
            |client| {
                client
                    .delete_secondary_auth_token(DeleteSecondaryAuthToken {
                        suppress_email_notification: email.value(),
                    })
                    .map(|r| with_reply_meta(r, |()| (None, None)))
            },
        ),
        Command::Verify => verify(&cli.global, report, &on_command_line),
        Command::Rotate(args) => rotate::run(&cli.global, args, report, &on_command_line),
        Command::Sim(args) => twilio_accounts_sim::run_blocking(args.clone()),
        Command::Webhook {
            action: WebhookCommand::Verify { token_env },
        } => webhook::verify(token_env, report),
        Command::Completions { shell } => {
            clap_complete::generate(
                *shell,
                &mut Cli::command(),
                "twilio-accounts",
                &mut std::io::stdout(),
            );
            Exit::Success.code()
        }
    }
}

/// Whether a global option was given on the command line (not from the
/// environment), looking into the subcommand where it was written.
fn from_command_line(matches: &ArgMatches, id: &str) -> bool {
    let mut current = Some(matches);
    while let Some(m) = current {
        if m.try_contains_id(id).unwrap_or(false)
            && m.value_source(id) == Some(ValueSource::CommandLine)
        {
            return true;
        }
        current = m.subcommand().map(|(_, sub)| sub);
    }
    false
}

fn init_logging(global: &Global) {
    let level = match (global.quiet, global.verbose) {
        (true, _) | (false, 0) => return,
        (false, 1) => tracing_subscriber::filter::LevelFilter::DEBUG,
        (false, _) => tracing_subscriber::filter::LevelFilter::TRACE,
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

/// Credentials from flags and environment: values typed on the command line
/// are explicit and win; values clap found in the environment go through the
/// core's rules (an Auth Token beats an API key when both are set).
pub fn credentials(
    global: &Global,
    report: Report,
    on_command_line: &dyn Fn(&str) -> bool,
) -> Result<Credentials, Failure> {
    let pick = |id: &str, value: &Option<String>, explicit: bool| -> Option<String> {
        (on_command_line(id) == explicit)
            .then(|| value.clone())
            .flatten()
    };
    for (id, flag, variable) in [
        ("auth_token", "--auth-token", "TWILIO_AUTH_TOKEN"),
        ("api_secret", "--api-secret", "TWILIO_API_SECRET"),
    ] {
        if on_command_line(id) {
            report.warn(format!(
                "{flag} on the command line is visible to other users and kept in shell history; prefer {variable}"
            ));
        }
    }
    let explicit = CredentialsInput {
        account_sid: pick("account_sid", &global.account_sid, true),
        auth_token: pick("auth_token", &global.auth_token, true).map(Zeroizing::new),
        api_key: pick("api_key", &global.api_key, true),
        api_secret: pick("api_secret", &global.api_secret, true).map(Zeroizing::new),
    };
    let from_env = [
        (
            "TWILIO_ACCOUNT_SID",
            pick("account_sid", &global.account_sid, false),
        ),
        (
            "TWILIO_AUTH_TOKEN",
            pick("auth_token", &global.auth_token, false),
        ),
        ("TWILIO_API_KEY", pick("api_key", &global.api_key, false)),
        (
            "TWILIO_API_SECRET",
            pick("api_secret", &global.api_secret, false),
        ),
    ];
    Credentials::from_env(explicit, |name| {
        from_env
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.clone())
    })
    .map_err(|e| Failure::usage(e.to_string()))
}

/// Client options from the global flags.
pub fn client_options(global: &Global) -> Result<ClientOptions, Failure> {
    let mut options = ClientOptions::new();
    if let Some(url) = &global.base_url {
        options = options.with_base_url(url.clone());
    } else {
        let endpoint = Endpoint::for_location(global.region.as_deref(), global.edge.as_deref())
            .map_err(|e| Failure::usage(e.to_string()))?;
        options = options.with_endpoint(endpoint);
    }
    if let Some(path) = &global.ca_cert {
        let pem = std::fs::read(path).map_err(|e| {
            Failure::usage(format!("cannot read --ca-cert {}: {e}", path.display()))
        })?;
        options = options.with_root_certificate_pem(pem);
    }
    if let Some(timeout) = global.timeout {
        options = options.with_request_timeout(timeout);
    }
    Ok(options)
}

pub fn client(options: ClientOptions, credentials: Credentials) -> Result<Client, Failure> {
    Client::new(credentials, options).map_err(|e| Failure::usage(e.to_string()))
}

/// A reply reduced to what the single-call commands print.
struct CallSummary {
    token: Option<twilio_accounts_core::AuthToken>,
    date: Option<String>,
    request_id: Option<String>,
    status: u16,
    attempts: u32,
}

fn with_reply_meta<T>(
    reply: Reply<T>,
    take: impl FnOnce(T) -> (Option<twilio_accounts_core::AuthToken>, Option<String>),
) -> CallSummary {
    let request_id = reply.request_id.clone();
    let status = reply.status.as_u16();
    let attempts = reply.attempts;
    let (token, date) = take(reply.value);
    CallSummary {
        token,
        date,
        request_id,
        status,
        attempts,
    }
}

fn single_call(
    global: &Global,
    report: Report,
    on_command_line: &dyn Fn(&str) -> bool,
    command: &str,
    sink: Sink,
    call: impl FnOnce(&Client) -> Result<CallSummary, twilio_accounts_core::Error>,
) -> ExitCode {
    let setup = credentials(global, report, on_command_line)
        .and_then(|c| Ok((client_options(global)?, c)))
        .and_then(|(o, c)| client(o, c));
    let client = match setup {
        Ok(c) => c,
        Err(f) => return report.fail(command, &f),
    };
    if let Err(reason) = sink.preflight() {
        return report.fail(command, &Failure::usage(reason));
    }
    let summary = match call(&client) {
        Ok(s) => s,
        Err(e) => return report.fail(command, &Failure::from_error(&e)),
    };
    let account = client.context().credentials().account_sid().to_string();
    let mut delivered_to = Vec::new();
    if let Some(token) = &summary.token {
        if let Err(reason) = sink.deliver(token, false) {
            // The call succeeded; the token must not be lost. Say so loudly,
            // and give it on stdout as the last resort.
            report.warn(&reason);
            let failure = Failure {
                exit: Exit::Other,
                message: format!(
                    "{command} succeeded but the token could not be handed over: {reason}"
                ),
                next: Some(
                    "the token is printed on stdout below so that it is not lost; store it now"
                        .into(),
                ),
                details: json!({ "request_id": summary.request_id }),
            };
            let code = report.fail(command, &failure);
            println!("{}", token.expose_secret());
            return code;
        }
        delivered_to = sink.describe();
    }
    let reveal = summary.token.as_ref().filter(|_| sink.reveals());
    match report.format {
        OutputFormat::Json => report.json(&json!({
            "command": command,
            "ok": true,
            "account_sid": account,
            "status": summary.status,
            "request_id": summary.request_id,
            "attempts": summary.attempts,
            "date": summary.date,
            "token_delivered_to": delivered_to,
            "token": reveal.map(|t| t.expose_secret()),
        })),
        OutputFormat::Text => {
            let done = match command {
                "promote" => {
                    "Promoted the secondary Auth Token to primary; the old primary no longer works."
                }
                "secondary create" => {
                    "Created a secondary Auth Token; both tokens authenticate until you promote it."
                }
                _ => "Deleted the secondary Auth Token.",
            };
            report.say(format!("{done} (account {account})"));
            if !delivered_to.is_empty() {
                report.say(format!("The token went to: {}", delivered_to.join(", ")));
            }
            if let Some(id) = &summary.request_id {
                report.say(format!("request id: {id}"));
            }
            if let Some(token) = reveal {
                println!("{}", token.expose_secret());
            }
        }
    }
    Exit::Success.code()
}

fn verify(global: &Global, report: Report, on_command_line: &dyn Fn(&str) -> bool) -> ExitCode {
    let setup = credentials(global, report, on_command_line)
        .and_then(|c| Ok((client_options(global)?, c)))
        .and_then(|(o, c)| client(o, c));
    let client = match setup {
        Ok(c) => c,
        Err(f) => return report.fail("verify", &f),
    };
    let account = client.context().credentials().account_sid().to_string();
    match client.send(&twilio_accounts_core::rotation::verify_operation()) {
        Ok(reply) => {
            report.json(&json!({
                "command": "verify",
                "ok": true,
                "authenticated": true,
                "account_sid": account,
                "request_id": reply.request_id,
            }));
            report.say(format!("The credentials authenticate (account {account})."));
            Exit::Success.code()
        }
        Err(e) if e.is_authentication_failed() => {
            let failure = Failure::from_error(&e);
            if report.format == OutputFormat::Json {
                let mut doc = failure.to_json("verify");
                doc["authenticated"] = json!(false);
                doc["account_sid"] = json!(account);
                report.json(&doc);
                failure.exit.code()
            } else {
                report.fail("verify", &failure)
            }
        }
        Err(e) => report.fail("verify", &Failure::from_error(&e)),
    }
}
