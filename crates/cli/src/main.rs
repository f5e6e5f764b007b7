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
mod client_setup;
mod completions;
mod drive;
mod duration;
mod fleet;
mod interrupt;
mod invocation;
mod key_drive;
mod keys;
mod keys_audit;
mod keys_rotate;
mod outcome;
mod output;
mod paging;
mod pkcv;
mod pkcv_rotate;
mod report;
mod resources;
mod rotate;
mod secret_payload;
mod shell_word;
#[cfg(feature = "simulator")]
mod simulate;
mod single_call;
mod sink;
mod state_dir;
mod state_file;
mod store;
mod table;
mod webhook;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches};
use serde_json::json;
use twilio_accounts_core::{CreateSecondaryAuthToken, DeleteSecondaryAuthToken, PromoteAuthToken};

use args::{Cli, Command, Global, OutputFormat, PkcvCommand, SecondaryCommand, WebhookCommand};
use outcome::{Exit, Failure};
use sink::Sink;

use report::Report;
use single_call::{single_call, verify, with_reply_meta};

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
    const FROM_ENVIRONMENT: [&str; 10] = [
        " --account-sid <SID>",
        " --auth-token <TOKEN>",
        " --api-key <SID>",
        " --api-secret <SECRET>",
        " --pkcv-private-key <PATH>",
        " --pkcv-credential-sid <SID>",
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
        Command::Keys { action } => keys::keys(&resource_context(), action),
        Command::SigningKeys { action } => keys::signing_keys(&resource_context(), action),
        Command::Consents { action } => resources::consents(&resource_context(), action),
        Command::Contacts { action } => resources::contacts(&resource_context(), action),
        Command::Pkcv {
            action: PkcvCommand::Check,
        } => pkcv::check(&cli.global, report, &on_command_line),
        Command::Pkcv {
            action: PkcvCommand::Rotate(args),
        } => pkcv_rotate::rotate(&cli.global, args, report, &on_command_line),
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
