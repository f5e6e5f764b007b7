//! `twilio-accounts-sim`: a local simulator of Twilio's Accounts v1 API.
//!
//! The first stdout line is `listening on http://127.0.0.1:PORT` (`https://` with `--tls`); the credentials
//! follow on stderr (or stdout with `--print-credentials`). Ctrl-C or SIGTERM stop it with exit status 0.

use std::process::ExitCode;

use clap::Parser;
use twilio_accounts_sim::SimArgs;

/// A local, stateful, fault-injecting simulator of Twilio's Accounts v1 API.
#[derive(Debug, Parser)]
#[command(name = "twilio-accounts-sim", version, about)]
struct Cli {
    #[command(flatten)]
    sim: SimArgs,
}

fn main() -> ExitCode {
    twilio_accounts_sim::run_blocking(Cli::parse().sim)
}
