//! A full, crash-safe Auth Token rotation: the `twilio-accounts-rotation`
//! state machine driven through this crate's blocking client.
//!
//! ```text
//! TWILIO_ACCOUNT_SID=AC… TWILIO_AUTH_TOKEN=… cargo run -p twilio-accounts-ureq --example ureq_rotate -- TOKEN_FILE
//! ```
//!
//! The new token is written to `TOKEN_FILE` (owner-only) before anything is
//! promoted; the journal goes to `TOKEN_FILE.journal` before every change, so
//! a crashed run can be resumed with `Rotation::resume`. It does not wait for
//! a go-ahead and does not settle: a real deployment would do both (the
//! `twilio-accounts rotate` command does). Prints no token.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use twilio_accounts_rotation::{Action, Input, Rotation, RotationConfig, perform};
use twilio_accounts_ureq::Client;

fn main() -> ExitCode {
    let Some(token_file) = std::env::args().nth(1) else {
        eprintln!("usage: rotate TOKEN_FILE (reads TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN)");
        return ExitCode::from(2);
    };
    let journal_file = format!("{token_file}.journal");
    let client = match Client::from_env() {
        Ok(client) => client,
        Err(err) => {
            eprintln!("configuration: {err}");
            return ExitCode::from(2);
        }
    };
    let config = RotationConfig {
        wait_for_go_ahead: false,
        settle: Duration::ZERO,
        ..RotationConfig::default()
    };
    let mut rotation = Rotation::new(client.context().credentials().clone(), config);
    let mut input = Input::Start;
    // Bounded: the machine finishes or fails after a bounded number of
    // actions (its verification attempts and create retries are capped).
    loop {
        input = match rotation.next(input) {
            Action::Persist(journal) => match write_private(&journal_file, &journal.to_json()) {
                Ok(()) => Input::Persisted,
                Err(err) => {
                    eprintln!("could not write the journal {journal_file}: {err}");
                    return ExitCode::FAILURE;
                }
            },
            Action::Call(call) => {
                println!("{} ...", rotation.step().describe());
                Input::Called(perform(&call, &client))
            }
            Action::Deliver(token) => {
                match write_private(
                    &token_file,
                    format!("{}\n", token.expose_secret()).as_bytes(),
                ) {
                    Ok(()) => Input::Delivered,
                    Err(err) => Input::DeliveryFailed(format!("{token_file}: {err}")),
                }
            }
            Action::AwaitGoAhead => Input::GoAhead,
            Action::Wait(delay) | Action::Settle(delay) => {
                std::thread::sleep(delay);
                Input::Waited
            }
            Action::Finished(report) => {
                println!(
                    "rotated {}: the token in {token_file} is now the primary (old token refused: {:?})",
                    report.account_sid, report.old_token_refused
                );
                return ExitCode::SUCCESS;
            }
            Action::Failed(failure) => {
                eprintln!("rotation stopped: {failure} (next: {:?})", failure.next);
                return ExitCode::FAILURE;
            }
            other => {
                eprintln!("this example does not handle {other:?}");
                return ExitCode::FAILURE;
            }
        };
    }
}

/// Replaces `path` with `bytes` atomically (a synced temporary file renamed
/// over it), readable by the owner only: a crash leaves the old file or the
/// new one, never half of one. The temporary file has a random name and is
/// created new (`create_new`), so a file or symlink planted at a guessable
/// name is never opened, let alone followed.
fn write_private(path: &str, bytes: &[u8]) -> std::io::Result<()> {
    use std::hash::{BuildHasher, Hasher};
    let suffix = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let temporary = format!("{path}.{suffix:016x}.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temporary)?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}
