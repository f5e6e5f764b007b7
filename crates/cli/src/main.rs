//! `twilio-accounts`: rotate Twilio Auth Tokens safely from the command line,
//! and manage the rest of Accounts v1 (resource commands, and `call` for any
//! registered operation).
//!
//! Output: people read stderr (steps, errors, advice); scripts read stdout
//! (with `--output json`, exactly one JSON document per command). A token is
//! printed only with `--reveal`. Exit codes are listed in [`outcome`].

#![forbid(unsafe_code)]
// A command-line tool talks on stdout and stderr by design.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod call;
mod completions;
mod drive;
mod duration;
mod fleet;
mod interrupt;
mod invocation;
mod outcome;
mod output;
mod paging;
mod resources;
mod rotate;
mod shell_word;
#[cfg(feature = "simulator")]
mod simulate;
mod sink;
mod state_dir;
mod state_file;
mod table;
mod webhook;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};
use serde_json::{Value, json};
use twilio_accounts_core::{
    AccountSid, ApiKeySecret, ApiKeySid, AuthToken, CreateSecondaryAuthToken, Credentials,
    CredentialsInput, DeleteSecondaryAuthToken, Endpoint, EndpointError, PlainHttp,
    PromoteAuthToken, Reply,
};
use twilio_accounts_ureq::{Client, ClientOptions};
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
    /// Progress for people, on stderr (suppressed by -q and in JSON mode).
    pub fn say(&self, line: impl AsRef<str>) {
        if !self.quiet && self.format == OutputFormat::Text {
            output::err(&output::printable(line.as_ref()));
        }
    }

    /// The result of the command in text mode, on stdout (in JSON mode the
    /// document carries it).
    pub fn result(&self, line: impl AsRef<str>) {
        if self.format == OutputFormat::Text {
            output::out(&output::printable(line.as_ref()));
        }
    }

    /// A warning, on stderr, unless -q.
    pub fn warn(&self, line: impl AsRef<str>) {
        if !self.quiet {
            output::err(&format!("warning: {}", output::printable(line.as_ref())));
        }
    }

    /// The command's JSON document, on stdout.
    pub fn json(&self, document: &Value) {
        if self.format == OutputFormat::Json {
            output::out(&document.to_string());
        }
    }

    /// Reports a failure in the chosen format and returns its exit code.
    pub fn fail(&self, command: &str, failure: &Failure) -> ExitCode {
        match self.format {
            OutputFormat::Json => self.json(&failure.to_json(command)),
            OutputFormat::Text => {
                output::err(&format!("error: {}", output::printable(&failure.message)));
                if let Some(next) = &failure.next {
                    output::err(&format!("  what to do: {}", output::printable(next)));
                }
            }
        }
        failure.exit.code()
    }
}

/// Whether the arguments ask for JSON output, read before clap parses them
/// so that even a usage error can be one JSON document.
fn wants_json(args: &[OsString]) -> bool {
    let mut previous_was_output = false;
    for arg in args.iter().skip(1).map(|a| a.to_string_lossy()) {
        if arg == "--" {
            break;
        }
        if (previous_was_output && arg == "json") || arg == "--output=json" {
            return true;
        }
        previous_was_output = arg == "--output";
    }
    false
}

/// The subcommand clap was parsing when it failed, for the error document:
/// its words down the command tree (`secondary create`,
/// `credentials aws fetch`).
fn attempted_command(args: &[OsString]) -> Option<String> {
    let words: Vec<String> = args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let root = Cli::command();
    let top: Vec<String> = root
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    let index = words.iter().position(|w| top.contains(w))?;
    let mut command = root.find_subcommand(&words[index])?;
    let mut path = vec![words[index].clone()];
    for word in &words[index + 1..] {
        match command.find_subcommand(word) {
            Some(sub) => {
                path.push(word.clone());
                command = sub;
            }
            None => break,
        }
    }
    Some(path.join(" "))
}

/// Reports a clap error: help and version stay text on stdout (exit 0);
/// real usage errors are one JSON document with `--output json`, else
/// clap's own text on stderr (exit 2).
fn usage_error(error: &clap::Error, args: &[OsString], command: Option<String>) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        let _ = error.print();
        return Exit::Success.code();
    }
    let rendered = without_environment_options(&error.render().to_string());
    if !wants_json(args) {
        output::err(rendered.trim_end());
        return Exit::Usage.code();
    }
    let message = rendered
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid arguments")
        .trim_start_matches("error: ")
        .to_owned();
    let failure = Failure::usage(message).with_next("see `twilio-accounts --help`");
    let mut document = failure.to_json("");
    document["command"] = json!(command);
    document["error"]["usage"] = json!(rendered.trim_end());
    Report {
        format: OutputFormat::Json,
        quiet: true,
    }
    .json(&document);
    Exit::Usage.code()
}

/// clap's usage line names every option that had a value, the ones taken
/// from the environment too (`--auth-token <TOKEN>` when `TWILIO_AUTH_TOKEN`
/// is set), as if they had to be typed: a nudge to put a token on the
/// command line. None of them is ever required, so they are left out.
fn without_environment_options(rendered: &str) -> String {
    const FROM_ENVIRONMENT: [&str; 8] = [
        " --account-sid <SID>",
        " --auth-token <TOKEN>",
        " --api-key <SID>",
        " --api-secret <SECRET>",
        " --base-url <URL>",
        " --region <REGION>",
        " --edge <EDGE>",
        " --output <OUTPUT>",
    ];
    rendered
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("Usage:") {
                FROM_ENVIRONMENT
                    .iter()
                    .fold(line.to_owned(), |line, option| line.replace(option, ""))
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `twilio-accounts sim …`: the simulator's own command line, parsed alone.
///
/// The simulator never takes credentials from the environment, and none of
/// the global options (credentials, `--output`, …) apply to it, so `sim` is
/// parsed without them (`sim --help` lists only what it takes).
#[cfg(feature = "simulator")]
fn sim_main(args: &[OsString]) -> ExitCode {
    use clap::Parser;
    #[derive(Debug, Parser)]
    #[command(
        name = "twilio-accounts sim",
        bin_name = "twilio-accounts sim",
        about = "Run the Accounts API simulator in the foreground (the same flags as twilio-accounts-sim).",
        long_about = "Run the Accounts API simulator in the foreground (the same flags as twilio-accounts-sim).\n\nIt makes its own account SID and Auth Token unless given --account-sid / --auth-token; it never reads TWILIO_ACCOUNT_SID or TWILIO_AUTH_TOKEN."
    )]
    struct SimCli {
        #[command(flatten)]
        sim: twilio_accounts_sim::SimArgs,
    }
    match SimCli::try_parse_from(args) {
        Ok(cli) => twilio_accounts_sim::run_blocking(cli.sim),
        Err(e) => usage_error(&e, args, Some("sim".into())),
    }
}

/// A binary built without the simulator (`--no-default-features`).
#[cfg(not(feature = "simulator"))]
fn sim_main(args: &[OsString]) -> ExitCode {
    Report {
        format: if wants_json(args) {
            OutputFormat::Json
        } else {
            OutputFormat::Text
        },
        quiet: false,
    }
    .fail("sim", &Failure::usage(NO_SIMULATOR))
}

/// What a binary built without the simulator says when asked for it.
#[cfg(not(feature = "simulator"))]
pub const NO_SIMULATOR: &str = "this twilio-accounts was built without the simulator (cargo's --no-default-features): install it with the default features (`cargo install twilio-accounts-cli`) to use `sim` and `rotate --simulate`";

fn main() -> ExitCode {
    output::exit_code(run())
}

fn run() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "sim") {
        return sim_main(&args[1..]);
    }
    if args.get(1).is_some_and(|a| a == "help") && args.get(2).is_some_and(|a| a == "sim") {
        return sim_main(&["sim".into(), "--help".into()]);
    }
    let matches = match Cli::command().try_get_matches_from(&args) {
        Ok(m) => m,
        Err(e) => return usage_error(&e, &args, attempted_command(&args)),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e, &args, attempted_command(&args)),
    };
    init_logging(&cli.global);
    let report = Report {
        format: cli.global.output,
        quiet: cli.global.quiet,
    };
    let on_command_line = |id: &str| from_command_line(&matches, id);
    let resource_context = || resources::Context {
        global: &cli.global,
        report,
        on_command_line: &on_command_line,
    };
    match &cli.command {
        Command::Promote { email, sink } => single_call(
            &cli.global,
            report,
            &on_command_line,
            "promote",
            Sink::from_args(sink),
            email.value(),
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
                email.value(),
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
            email.value(),
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
        // Reached only when options came before `sim` (`sim` first is
        // dispatched above): those are the tool's, not the simulator's.
        #[cfg(feature = "simulator")]
        Command::Sim(_) => report.fail(
            "sim",
            &Failure::usage(
                "the simulator takes none of the global options: write `twilio-accounts sim [OPTIONS]`, with `sim` first",
            ),
        ),
        Command::Webhook {
            action: WebhookCommand::Verify { token_env },
        } => webhook::verify(token_env, report),
        Command::Call(args) => call::run(&cli.global, args, report, &on_command_line),
        Command::Credentials { kind } => resources::credentials(&resource_context(), kind),
        Command::Safelist { action } => resources::safelist(&resource_context(), action),
        Command::GeoPermissions { action } => {
            resources::geo_permissions(&resource_context(), action)
        }
        Command::Consents { action } => resources::consents(&resource_context(), action),
        Command::Contacts { action } => resources::contacts(&resource_context(), action),
        Command::Completions { shell } => {
            let script = completions::script(*shell);
            output::out_raw(script.as_bytes());
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

/// `-v` and `-vv` show this tool's own events (requests, retries, timing);
/// `-vvv` adds the transport's internals (ureq, rustls), which never include
/// the wire bytes (they are compiled out).
fn init_logging(global: &Global) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    let filter = match (global.quiet, global.verbose) {
        (true, _) | (false, 0) => return,
        (false, 1) => Targets::new().with_target("twilio_accounts", LevelFilter::DEBUG),
        (false, 2) => Targets::new().with_target("twilio_accounts", LevelFilter::TRACE),
        (false, _) => Targets::new().with_default(LevelFilter::TRACE),
    };
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_target(global.verbose >= 3),
        )
        .with(filter)
        .try_init();
}

/// Checks a value typed on the command line, so that an error names the
/// flag it came from rather than the environment variable it overrides.
fn check_explicit(
    flag: &str,
    value: Option<&str>,
    check: impl Fn(&str) -> Result<(), String>,
) -> Result<(), Failure> {
    match value {
        Some(v) => check(v).map_err(|e| Failure::usage(format!("{flag}: {e}"))),
        None => Ok(()),
    }
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
    let pick_secret = |id: &str, value: &Option<args::SecretArg>, explicit: bool| {
        (on_command_line(id) == explicit)
            .then(|| value.as_ref().map(args::SecretArg::to_zeroizing))
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
        auth_token: pick_secret("auth_token", &global.auth_token, true),
        api_key: pick("api_key", &global.api_key, true),
        api_secret: pick_secret("api_secret", &global.api_secret, true),
    };
    check_explicit("--account-sid", explicit.account_sid.as_deref(), |v| {
        AccountSid::parse(v).map(drop).map_err(|e| e.to_string())
    })?;
    check_explicit(
        "--auth-token",
        explicit.auth_token.as_deref().map(String::as_str),
        |v| AuthToken::new(v).map(drop).map_err(|e| e.to_string()),
    )?;
    check_explicit("--api-key", explicit.api_key.as_deref(), |v| {
        ApiKeySid::parse(v).map(drop).map_err(|e| e.to_string())
    })?;
    check_explicit(
        "--api-secret",
        explicit.api_secret.as_deref().map(String::as_str),
        |v| ApiKeySecret::new(v).map(drop).map_err(|e| e.to_string()),
    )?;
    let from_env = [
        (
            "TWILIO_ACCOUNT_SID",
            pick("account_sid", &global.account_sid, false).map(Zeroizing::new),
        ),
        (
            "TWILIO_AUTH_TOKEN",
            pick_secret("auth_token", &global.auth_token, false),
        ),
        (
            "TWILIO_API_KEY",
            pick("api_key", &global.api_key, false).map(Zeroizing::new),
        ),
        (
            "TWILIO_API_SECRET",
            pick_secret("api_secret", &global.api_secret, false),
        ),
    ];
    // Every copy here is wiped when dropped; the one handed to the core is
    // wrapped by it in turn.
    let lookup = |name: &str| {
        from_env
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.as_ref())
            .filter(|v| !v.is_empty())
            .map(|v| String::clone(v))
    };
    let has = |name: &str| {
        from_env
            .iter()
            .any(|(n, v)| *n == name && v.as_ref().is_some_and(|v| !v.is_empty()))
    };
    let nothing_explicit = explicit.auth_token.is_none()
        && explicit.api_key.is_none()
        && explicit.api_secret.is_none();
    let both = has("TWILIO_AUTH_TOKEN") && has("TWILIO_API_KEY");
    let credentials =
        Credentials::from_env(explicit, lookup).map_err(|e| Failure::usage(e.to_string()))?;
    // The core's rule, said out loud: with both in the environment, the
    // Auth Token is used (it can always manage Auth Tokens; a Standard API
    // key never can).
    if nothing_explicit && both {
        report.warn(
            "TWILIO_AUTH_TOKEN and TWILIO_API_KEY are both set: using the Auth Token (it can manage Auth Tokens, a Standard API key cannot); unset TWILIO_AUTH_TOKEN, or give --api-key and --api-secret, to use the API key",
        );
    }
    Ok(credentials)
}

/// Client options from the global flags. An address given on the command
/// line beats one from the environment; two given the same way conflict.
pub fn client_options(
    global: &Global,
    report: Report,
    on_command_line: &dyn Fn(&str) -> bool,
) -> Result<ClientOptions, Failure> {
    let mut options = ClientOptions::new();
    let location_given = global.region.is_some() || global.edge.is_some();
    let location_typed = on_command_line("region") || on_command_line("edge");
    let base_typed = on_command_line("base_url");
    let use_base_url = match (&global.base_url, location_given) {
        (None, _) => None,
        (Some(url), false) => Some(url),
        (Some(url), true) => match (base_typed, location_typed) {
            (true, false) => Some(url),
            (false, true) => None,
            (true, true) => {
                return Err(Failure::usage(
                    "--base-url and --region/--edge both choose where requests go: give one of them",
                ));
            }
            (false, false) => {
                return Err(Failure::usage(
                    "TWILIO_ACCOUNTS_BASE_URL and TWILIO_REGION / TWILIO_EDGE are both set: unset one of them, or choose on the command line with --base-url or --region and --edge",
                ));
            }
        },
    };
    let plain_http = if global.allow_plain_http {
        PlainHttp::Allow
    } else {
        PlainHttp::LoopbackOnly
    };
    let endpoint = match use_base_url {
        Some(url) => Endpoint::custom(url, plain_http).map_err(|e| {
            let failure = Failure::usage(format!(
                "base URL {}: {e}",
                output::without_userinfo(url)
            ));
            if matches!(e, EndpointError::PlainHttpNotAllowed { .. }) {
                failure.with_next(
                    "use https, or pass --allow-plain-http if the credentials may cross that network unencrypted",
                )
            } else {
                failure
            }
        })?,
        None => Endpoint::for_location(global.region.as_deref(), global.edge.as_deref()).map_err(
            |e| {
                let failure = Failure::usage(e.to_string());
                if matches!(e, EndpointError::RegionWithoutEdge { .. }) {
                    failure.with_next("pass --edge with --region (or set TWILIO_EDGE)")
                } else {
                    failure
                }
            },
        )?,
    };
    if global.allow_plain_http && use_base_url.is_some_and(|u| u.starts_with("http:")) {
        report.warn(
            "--allow-plain-http: the credentials are sent unencrypted; anyone on the network path can read them",
        );
    }
    options = options.with_endpoint(endpoint);
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

/// The client for a single call, from flags and environment.
pub fn setup_client(
    global: &Global,
    report: Report,
    on_command_line: &dyn Fn(&str) -> bool,
) -> Result<Client, Failure> {
    let creds = credentials(global, report, on_command_line)?;
    client(client_options(global, report, on_command_line)?, creds)
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
    let request_id = reply.request_id().map(str::to_owned);
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

/// A created or promoted token that its sink refused: withdraw it where that
/// is possible (a secondary nobody has can be deleted), else keep it in an
/// owner-only rescue file. It is never printed.
fn undeliverable(
    client: &Client,
    command: &str,
    suppress_email_notification: Option<bool>,
    token: &AuthToken,
    reason: &str,
    request_id: Option<&str>,
) -> Failure {
    let account = *client.context().credentials().account_sid();
    let withdrawn = match command {
        "secondary create" => Some(
            client
                .delete_secondary_auth_token(DeleteSecondaryAuthToken {
                    suppress_email_notification,
                })
                .map(drop),
        ),
        _ => None,
    };
    let mut failure = match withdrawn {
        Some(Ok(())) => {
            return Failure {
                details: json!({ "request_id": request_id, "secondary_deleted": true }),
                ..Failure::other(format!(
                    "the new token could not be handed over: {reason}; the secondary token was deleted again, so nothing changed"
                ))
                .with_next(format!("fix the destination, then run `twilio-accounts {command}` again"))
            };
        }
        Some(Err(e)) => Failure::new(
            Exit::TokenRescued,
            format!(
                "the new token could not be handed over ({reason}), and deleting the secondary token failed too ({e})"
            ),
        ),
        None => Failure::new(
            Exit::TokenRescued,
            format!(
                "{command} succeeded, so the new token is the primary Auth Token now, but it could not be handed over: {reason}"
            ),
        ),
    };
    match sink::rescue(std::path::Path::new("."), &account, token) {
        Ok(path) => {
            failure.message.push_str(&format!(
                "; the token was saved owner-only in {}",
                path.display()
            ));
            failure.next = Some(format!(
                "move the token from {} to where it belongs, then delete that file{}",
                path.display(),
                if command == "secondary create" {
                    " (or run `twilio-accounts secondary delete` to withdraw it)"
                } else {
                    ""
                }
            ));
            failure.details = json!({ "request_id": request_id, "rescue_file": path });
        }
        Err(e) => {
            failure
                .message
                .push_str(&format!("; saving it to a rescue file failed too ({e})"));
            failure.next =
                Some("the token is lost: get the current tokens from the Twilio Console".into());
            failure.details = json!({ "request_id": request_id, "rescue_file": null });
        }
    }
    failure
}

fn single_call(
    global: &Global,
    report: Report,
    on_command_line: &dyn Fn(&str) -> bool,
    command: &str,
    sink: Sink,
    suppress_email_notification: Option<bool>,
    call: impl FnOnce(&Client) -> Result<CallSummary, twilio_accounts_core::Error>,
) -> ExitCode {
    let client = match setup_client(global, report, on_command_line) {
        Ok(c) => c,
        Err(f) => return report.fail(command, &f),
    };
    if let Err(reason) = sink.preflight() {
        return report.fail(command, &Failure::usage(reason));
    }
    let account = *client.context().credentials().account_sid();
    let journal_notice = (command == "secondary delete")
        .then(|| rotate::journal_notice(&account))
        .flatten();
    let summary = match call(&client) {
        Ok(s) => s,
        // A 2xx whose body had a malformed field still made (or promoted) a
        // token, and the one in the answer is its only copy: deliver it.
        Err(twilio_accounts_core::Error::Decode(e)) if e.salvaged_token().is_some() => {
            report.warn(format!(
                "Twilio's answer could not be read in full ({e}); the token in it is handed over as usual"
            ));
            let token = e.salvaged_token().cloned();
            let salvaged = twilio_accounts_core::Error::Decode(e);
            CallSummary {
                token,
                date: None,
                request_id: salvaged.request_id().map(str::to_owned),
                status: salvaged.status().map_or(200, |s| s.as_u16()),
                attempts: 1,
            }
        }
        Err(e) => {
            let mut failure = Failure::from_error(command, &e);
            if let Some(notice) = &journal_notice {
                failure.message.push_str(&format!("; {notice}"));
            }
            return report.fail(command, &failure);
        }
    };
    let mut delivered_to = Vec::new();
    if let Some(token) = &summary.token {
        if let Err(reason) = sink.deliver(token) {
            let failure = undeliverable(
                &client,
                command,
                suppress_email_notification,
                token,
                &reason,
                summary.request_id.as_deref(),
            );
            return report.fail(command, &failure);
        }
        delivered_to = sink.describe();
    }
    let reveal = summary.token.as_ref().filter(|_| sink.reveals());
    match report.format {
        OutputFormat::Json => report.json(&json!({
            "command": command,
            "ok": true,
            "account_sid": account.as_str(),
            "status": summary.status,
            "request_id": summary.request_id,
            "attempts": summary.attempts,
            "date": summary.date,
            "token_delivered_to": delivered_to,
            "token": reveal.map(|t| t.expose_secret()),
            "journal_notice": journal_notice,
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
            // With --reveal the token is the result: alone on stdout, for `$(…)`.
            let line = format!("{done} (account {account})");
            if reveal.is_some() {
                report.say(line);
            } else {
                report.result(line);
            }
            if !delivered_to.is_empty() {
                report.say(format!("The token went to: {}", delivered_to.join(", ")));
            }
            if let Some(id) = &summary.request_id {
                report.say(format!("request id: {id}"));
            }
            if let Some(notice) = &journal_notice {
                report.warn(notice);
            }
            if let Some(token) = reveal {
                output::out(token.expose_secret());
            }
        }
    }
    Exit::Success.code()
}

fn verify(global: &Global, report: Report, on_command_line: &dyn Fn(&str) -> bool) -> ExitCode {
    let client = match setup_client(global, report, on_command_line) {
        Ok(c) => c,
        Err(f) => return report.fail("verify", &f),
    };
    let account = client.context().credentials().account_sid().to_string();
    match client.send(&twilio_accounts_rotation::verify_operation()) {
        Ok(reply) => {
            report.json(&json!({
                "command": "verify",
                "ok": true,
                "authenticated": true,
                "account_sid": account,
                "request_id": reply.request_id(),
            }));
            report.result(format!("The credentials authenticate (account {account})."));
            Exit::Success.code()
        }
        Err(e) if e.is_authentication_failed() => {
            let failure = Failure::from_error("verify", &e);
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
        Err(e) => report.fail("verify", &Failure::from_error("verify", &e)),
    }
}
