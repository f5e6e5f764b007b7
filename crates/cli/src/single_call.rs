//! The commands that are one API call about the Auth Token: `promote`,
//! `secondary create`, `secondary delete` and `verify`. A token an answer
//! carries goes to the sink (never printed unless `--reveal`); one whose
//! sink fails is withdrawn or rescued.

use std::process::ExitCode;

use serde_json::json;
use twilio_accounts_core::{AuthToken, Credentials, DeleteSecondaryAuthToken, FetchAccount, Reply};
use twilio_accounts_ureq::Client;

use crate::args::{Global, OutputFormat};
use crate::client_setup::setup_client;
use crate::outcome::{Exit, Failure};
use crate::report::Report;
use crate::sink::Sink;
use crate::{output, rotate};

/// A reply reduced to what the single-call commands print.
pub struct CallSummary {
    token: Option<twilio_accounts_core::AuthToken>,
    date: Option<String>,
    request_id: Option<String>,
    status: u16,
    attempts: u32,
}

pub fn with_reply_meta<T>(
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
    match crate::sink::rescue(std::path::Path::new("."), &account, token) {
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

pub fn single_call(
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

/// Twilio's code for a restricted API key whose policy does not allow the
/// call: the key authenticated, its policy said no.
const NOT_PERMITTED: u32 = 70051;

/// What kind an API key appears to be, found without changing anything: a
/// read of the account's own 2010 Accounts resource, which a Main key may
/// make, a Standard key may not (401 / 20003) and a restricted key may not
/// (401 / 70051). `None` when the answer tells nothing (a network error, a
/// 5xx).
fn key_kind(client: &Client) -> Option<&'static str> {
    let account = *client.context().credentials().account_sid();
    match client.send(&FetchAccount::new(account)) {
        Ok(_) => Some("main"),
        Err(e) if e.code() == Some(NOT_PERMITTED) => Some("restricted"),
        Err(e) if e.is_authentication_failed() => Some("standard"),
        Err(_) => None,
    }
}

/// What each kind may do, for people.
fn key_kind_text(kind: Option<&str>) -> &'static str {
    match kind {
        Some("main") => {
            "it appears to be a Main key (it may manage Auth Tokens and keys, like the Auth Token)"
        }
        Some("standard") => {
            "it appears to be a Standard key (it cannot manage Auth Tokens, the Accounts resource or keys)"
        }
        Some("restricted") => "it appears to be a restricted key (only what its policy allows)",
        _ => "its kind could not be told",
    }
}

/// `verify`: exit 0 when the credentials authenticate, whatever they may
/// do; for an API key, which kind it appears to be.
pub fn verify(global: &Global, report: Report, on_command_line: &dyn Fn(&str) -> bool) -> ExitCode {
    let client = match setup_client(global, report, on_command_line) {
        Ok(c) => c,
        Err(f) => return report.fail("verify", &f),
    };
    let credentials = client.context().credentials();
    let account = credentials.account_sid().to_string();
    let key = match credentials {
        Credentials::ApiKey { key_sid, .. } => Some(key_sid.to_string()),
        _ => None,
    };
    let answer = match client.send(&twilio_accounts_rotation::verify_operation()) {
        Ok(reply) => Ok((reply.request_id().map(str::to_owned), None)),
        // A restricted key whose policy does not allow the read: it
        // authenticated.
        Err(e) if key.is_some() && e.code() == Some(NOT_PERMITTED) => {
            Ok((e.request_id().map(str::to_owned), Some("restricted")))
        }
        Err(e) => Err(e),
    };
    match answer {
        Ok((request_id, known_kind)) => {
            let kind = match &key {
                Some(_) => known_kind.or_else(|| key_kind(&client)),
                None => None,
            };
            report.json(&json!({
                "command": "verify",
                "ok": true,
                "authenticated": true,
                "account_sid": account,
                "api_key_sid": key,
                "key_kind": kind,
                "request_id": request_id,
            }));
            match &key {
                Some(key) => report.result(format!(
                    "The credentials authenticate (account {account}, API key {key}); {}.",
                    key_kind_text(kind)
                )),
                None => report.result(format!("The credentials authenticate (account {account}).")),
            }
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
