//! A rotation driven from async code: the `twilio-accounts-rotation` state
//! machine, its calls made with `perform_async` through this crate's client,
//! the new token handed to a command's stdin with `tokio::process`, every
//! wait a `tokio::time::sleep`. Nothing blocks the runtime.
//!
//! ```text
//! TWILIO_ACCOUNT_SID=AC… TWILIO_AUTH_TOKEN=… cargo run -p twilio-accounts-hyper --example hyper_rotate -- \
//!     'umask 077 && cat > new-token.txt'
//! ```
//!
//! The command counts as having the token once it exits 0 within 60 s; it is
//! killed after that. It gets this environment without the Twilio secrets.
//!
//! What this example leaves out: it stores no journal, so a crashed run
//! cannot be resumed (the token is never lost all the same: nothing is
//! promoted that the command has not taken). The blocking `ureq_rotate`
//! example of `twilio-accounts-ureq` stores it in a file, owner-only and
//! atomically, the way an async program would too (or in its database).
//! No go-ahead and no settle period either: `twilio-accounts rotate` has both.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use twilio_accounts_hyper::{AuthToken, Client};
use twilio_accounts_rotation::{
    Action, Input, Rotation, RotationConfig, RotationFailure, RotationReport, perform_async,
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(command), None) = (args.next(), args.next()) else {
        return Err("usage: hyper_rotate COMMAND (the new token arrives on its stdin)".into());
    };
    let client = Client::from_env()?;
    // Straight on to the promote once the command has the token and it
    // works, and done right after it.
    let config = RotationConfig {
        wait_for_go_ahead: false,
        settle: Duration::ZERO,
        ..RotationConfig::default()
    };
    match rotate(&client, config, &command).await {
        Ok(report) => println!(
            "{} rotated; {command:?} has the new primary",
            report.account_sid
        ),
        Err(failure) => {
            eprintln!("rotation stopped: {failure}\nnext: {:?}", failure.next);
            std::process::exit(1);
        }
    }
    Ok(())
}

/// Runs the machine to its end. Bounded: it finishes or fails after a
/// bounded number of actions (its checks and retries are capped).
async fn rotate(
    client: &Client,
    config: RotationConfig,
    command: &str,
) -> Result<RotationReport, RotationFailure> {
    let credentials = client.context().credentials().clone();
    let mut rotation = Rotation::new(credentials, config);
    let mut input = Input::Start;
    loop {
        input = match rotation.next(input) {
            Action::Call(call) => Input::Called(perform_async(&call, client).await),
            // Where a resumable driver stores `journal.to_json()` durably.
            Action::Persist(journal) => {
                println!("journal at {:?} (not stored)", journal.phase);
                Input::Persisted
            }
            Action::Deliver(token) => match deliver(command, &token).await {
                Ok(()) => Input::Delivered,
                Err(reason) => Input::DeliveryFailed(reason),
            },
            Action::Wait(delay) => {
                tokio::time::sleep(delay).await;
                Input::Waited
            }
            Action::Finished(report) => return Ok(report),
            Action::Failed(failure) => return Err(failure),
            other => unreachable!("not asked for by this configuration: {other:?}"),
        };
    }
}

/// Writes the token to `sh -c COMMAND`'s stdin and waits for it to exit 0.
async fn deliver(command: &str, token: &AuthToken) -> Result<(), String> {
    let mut child = tokio::process::Command::new("sh")
        .args(["-c", command])
        .env_remove("TWILIO_AUTH_TOKEN")
        .env_remove("TWILIO_API_SECRET")
        .stdin(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|err| format!("{command:?}: {err}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let written = stdin.write_all(token.expose_secret().as_bytes()).await;
    drop(stdin);
    written.map_err(|err| format!("{command:?} did not read the token: {err}"))?;
    // On a timeout the child is dropped, and so killed.
    match tokio::time::timeout(Duration::from_secs(60), child.wait()).await {
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => Err(format!("{command:?} {status}")),
        Ok(Err(err)) => Err(format!("{command:?}: {err}")),
        Err(_) => Err(format!("{command:?} took more than 60 s")),
    }
}
