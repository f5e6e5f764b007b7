//! `pkcv check`: whether the account accepts the requests this tool signs
//! for Public Key Client Validation (the global `--pkcv-private-key` and
//! `--pkcv-credential-sid`), and why not.

use std::process::ExitCode;

use serde_json::json;
use twilio_accounts_core::Credentials;

use crate::args::Global;
use crate::client_setup::{pkcv_requested, setup_client};
use crate::outcome::{Exit, Failure};
use crate::report::Report;

const COMMAND: &str = "pkcv check";

/// Sends one signed read-only request (the one `verify` sends): exit 0 when
/// the account accepts it; else the API error's exit code, with what to do
/// about Twilio's PKCV code.
pub fn check(global: &Global, report: Report, on_command_line: &dyn Fn(&str) -> bool) -> ExitCode {
    if !pkcv_requested(global) {
        return report.fail(
            COMMAND,
            &Failure::usage(
                "`pkcv check` sends a signed request, and no key to sign with is given",
            )
            .with_next(
                "give --pkcv-private-key PATH and --pkcv-credential-sid CR… (or TWILIO_PKCV_PRIVATE_KEY and TWILIO_PKCV_CREDENTIAL_SID), with API key credentials",
            ),
        );
    }
    let client = match setup_client(global, report, on_command_line) {
        Ok(client) => client,
        Err(failure) => return report.fail(COMMAND, &failure),
    };
    let credentials = client.context().credentials();
    let account = credentials.account_sid().to_string();
    let api_key = match credentials {
        Credentials::ApiKey { key_sid, .. } => Some(key_sid.to_string()),
        _ => None,
    };
    // Checked by `setup_client`: both options are given and the SID parses.
    let credential = global
        .pkcv_credential_sid
        .as_deref()
        .map(str::trim)
        .unwrap_or_default();
    match client.send(&twilio_accounts_rotation::verify_operation()) {
        Ok(reply) => {
            report.json(&json!({
                "command": COMMAND,
                "ok": true,
                "accepted": true,
                "account_sid": account,
                "api_key_sid": api_key,
                "credential_sid": credential,
                "request_id": reply.request_id(),
            }));
            report.result(format!(
                "The account accepts requests signed with the key of {} (account {account}, API key {}).",
                credential,
                api_key.as_deref().unwrap_or_default()
            ));
            Exit::Success.code()
        }
        Err(e) => {
            let failure = Failure::from_error(COMMAND, &e);
            let mut document = failure.to_json(COMMAND);
            document["accepted"] = json!(false);
            document["account_sid"] = json!(account);
            document["api_key_sid"] = json!(api_key);
            document["credential_sid"] = json!(credential);
            report.json(&document);
            if report.format == crate::args::OutputFormat::Text {
                report.fail(COMMAND, &failure)
            } else {
                failure.exit.code()
            }
        }
    }
}
