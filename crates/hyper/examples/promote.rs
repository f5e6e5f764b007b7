//! Promotes the account's secondary Auth Token to primary.
//!
//! ```text
//! TWILIO_ACCOUNT_SID=AC… TWILIO_AUTH_TOKEN=… cargo run -p twilio-accounts-hyper --example hyper_promote [-- --reveal]
//! ```
//!
//! Reads the `TWILIO_*` environment (`TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN`
//! or `TWILIO_API_KEY` / `TWILIO_API_SECRET`, `TWILIO_REGION` /
//! `TWILIO_EDGE`, `TWILIO_ACCOUNTS_BASE_URL`). Prints the result without the
//! new token unless `--reveal` is given. `--suppress-email` asks Twilio not to
//! e-mail the account's owners. Exit codes: 0 promoted, 1 failed, 2 usage.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use twilio_accounts_hyper::{Client, PromoteAuthToken};

const USAGE: &str = "usage: promote [--reveal] [--suppress-email]
  reads TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN (or TWILIO_API_KEY / TWILIO_API_SECRET),
  TWILIO_REGION / TWILIO_EDGE or TWILIO_ACCOUNTS_BASE_URL";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut reveal = false;
    let mut suppress_email = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--reveal" => reveal = true,
            "--suppress-email" => suppress_email = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("unknown argument {other:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }

    let client = match Client::from_env() {
        Ok(client) => client,
        Err(err) => {
            eprintln!("configuration: {err}");
            return ExitCode::from(2);
        }
    };
    let mut operation = PromoteAuthToken::new();
    if suppress_email {
        operation = operation.suppress_email_notification(true);
    }
    match client.promote_auth_token(operation).await {
        Ok(reply) => {
            let promotion = &reply.value;
            println!("promoted the secondary Auth Token to primary");
            if let Some(sid) = &promotion.account_sid {
                println!("  account:      {sid}");
            }
            if let Some(updated) = &promotion.date_updated {
                println!("  date_updated: {updated}");
            }
            println!("  request id:   {}", reply.request_id().unwrap_or("-"));
            println!("  attempts:     {}", reply.attempts);
            if reveal {
                println!("  auth_token:   {}", promotion.auth_token.expose_secret());
            } else {
                println!("  auth_token:   [redacted] (pass --reveal to print it)");
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("promote failed: {err}");
            if err.is_outcome_unknown() {
                eprintln!(
                    "check with the secondary token whether the promotion happened before retrying"
                );
            }
            ExitCode::FAILURE
        }
    }
}
