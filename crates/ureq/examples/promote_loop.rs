//! A benchmark loop against any Twilio-compatible server on loopback.
//!
//! ```text
//! cargo run --release -p twilio-accounts-ureq --example ureq_promote_loop -- \
//!     --base-url http://127.0.0.1:8080 --account-sid AC… --auth-token … --calls 1000
//! ```
//!
//! After the last call it prints one line of JSON:
//! `{"client":"ureq","calls":N,"seconds":S,"p50_us":X,"p99_us":Y}`.
//!
//! What it measures (`--op`):
//! - `promote` (default): a promote needs a secondary token, so each of the
//!   N iterations creates a secondary (not timed), then promotes it (timed),
//!   then continues with the promoted token (the old primary stops working).
//!   The latencies are those of the N promote calls; `seconds` is the whole
//!   loop, creates included.
//! - `list`: N `GET /v1/Credentials/PublicKeys` calls, all timed; changes
//!   nothing on the account.
//!
//! Options: `--ca-cert PATH` trusts a PEM root (for a server with a private
//! CA); `--auth-token` may be left out when `TWILIO_AUTH_TOKEN` is set (a
//! token on the command line is visible to other local users). Every call
//! must succeed; the first failure stops the loop with exit code 1.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::time::{Duration, Instant};

use twilio_accounts_ureq::{
    AuthToken, Client, ClientOptions, CreateSecondaryAuthToken, Credentials,
    ListCredentialPublicKeys, PromoteAuthToken,
};

const USAGE: &str =
    "usage: promote_loop --base-url URL --account-sid SID [--auth-token TOKEN] --calls N
                    [--op promote|list] [--ca-cert PATH]";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Promote,
    List,
}

struct Args {
    base_url: String,
    account_sid: String,
    auth_token: String,
    calls: usize,
    op: Op,
    ca_cert: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut base_url = None;
    let mut account_sid = None;
    let mut auth_token = None;
    let mut calls = None;
    let mut op = Op::Promote;
    let mut ca_cert = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--base-url" => base_url = Some(value()?),
            "--account-sid" => account_sid = Some(value()?),
            "--auth-token" => auth_token = Some(value()?),
            "--calls" => {
                let n = value()?;
                calls = Some(
                    n.parse::<usize>()
                        .map_err(|_| format!("--calls {n:?} is not a number"))?,
                );
            }
            "--op" => {
                op = match value()?.as_str() {
                    "promote" => Op::Promote,
                    "list" => Op::List,
                    other => return Err(format!("--op {other:?}: use promote or list")),
                }
            }
            "--ca-cert" => ca_cert = Some(value()?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let auth_token = match auth_token {
        Some(token) => token,
        None => std::env::var("TWILIO_AUTH_TOKEN")
            .map_err(|_| "--auth-token (or TWILIO_AUTH_TOKEN) is required".to_owned())?,
    };
    Ok(Args {
        base_url: base_url.ok_or("--base-url is required")?,
        account_sid: account_sid.ok_or("--account-sid is required")?,
        auth_token,
        calls: calls.ok_or("--calls is required")?.max(1),
        op,
        ca_cert,
    })
}

/// The value at `percent` in sorted `values` (nearest rank).
fn percentile(sorted: &[Duration], percent: usize) -> u128 {
    let index = (sorted.len() * percent).div_ceil(100).saturating_sub(1);
    sorted.get(index).map_or(0, Duration::as_micros)
}

fn run(args: Args) -> Result<(), String> {
    let token = AuthToken::new(args.auth_token).map_err(|e| e.to_string())?;
    let sid = args.account_sid.parse().map_err(|e| format!("{e}"))?;
    let mut options = ClientOptions::new().with_base_url(args.base_url);
    if let Some(path) = &args.ca_cert {
        let pem = std::fs::read(path).map_err(|e| format!("--ca-cert {path}: {e}"))?;
        options = options.with_root_certificate_pem(pem);
    }
    let mut client =
        Client::new(Credentials::auth_token(sid, token), options).map_err(|e| e.to_string())?;

    let mut latencies = Vec::with_capacity(args.calls);
    let started = Instant::now();
    for call in 0..args.calls {
        match args.op {
            Op::List => {
                let t = Instant::now();
                client
                    .send(&ListCredentialPublicKeys::new())
                    .map_err(|e| format!("call {call}: {e}"))?;
                latencies.push(t.elapsed());
            }
            Op::Promote => {
                client
                    .create_secondary_auth_token(CreateSecondaryAuthToken::new())
                    .map_err(|e| format!("call {call}: create: {e}"))?;
                let t = Instant::now();
                let promoted = client
                    .promote_auth_token(PromoteAuthToken::new())
                    .map_err(|e| format!("call {call}: promote: {e}"))?;
                latencies.push(t.elapsed());
                // The old primary stops working: continue with the new one.
                client = client
                    .with_credentials(Credentials::auth_token(sid, promoted.value.auth_token));
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    println!(
        "{{\"client\":\"ureq\",\"calls\":{},\"seconds\":{seconds:.6},\"p50_us\":{},\"p99_us\":{}}}",
        latencies.len(),
        percentile(&latencies, 50),
        percentile(&latencies, 99)
    );
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("{message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("promote_loop: {message}");
            ExitCode::FAILURE
        }
    }
}
