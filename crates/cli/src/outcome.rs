//! Exit codes and the JSON error document, shared by every command, and the
//! advice each command gives for a failed API call.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | any other failure |
//! | 2 | usage: bad flags, missing or malformed credentials or settings |
//! | 3 | authentication failed (20003), or `webhook verify` found the signature invalid |
//! | 4 | nothing to promote / not found (20404) |
//! | 5 | rate limited (429) after retries |
//! | 6 | network failure or timeout |
//! | 7 | outcome unknown: a change may or may not have happened |
//! | 8 | a new token (or a new key's secret) could not be handed over nor withdrawn: it was saved to a rescue file |
//! | 9 | `rotate --subaccounts`: at least one account was not rotated (the report says which and why); `keys list --subaccounts`: at least one account's keys could not be read |
//! | 10 | Twilio failed to answer a create or promote again and again (backoff between attempts); what is at Twilio was found out and nothing was lost: run the advised command later |
//! | 11 | another `rotate` of the same account is running (its process id is named); nothing was changed |
//! | 12 | the result could not be written to stdout (a closed pipe, a full disk); what the command did is done |
//! | 14 | `keys audit`: a key is older than `--older-than` (or of unknown age), or a restricted key's policy differs from `--policy-file` |
//! | 13 | a promote made a token this rotation did not create the primary (someone created a secondary meanwhile): that token was saved owner-only to a rescue file, the only copy |
//! | 130 | interrupted (Ctrl-C) |

use std::process::ExitCode;

use serde_json::{Value, json};
use twilio_accounts_core::Error;

/// The exit codes, documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    Other = 1,
    Usage = 2,
    AuthenticationFailed = 3,
    NotFound = 4,
    RateLimited = 5,
    Network = 6,
    OutcomeUnknown = 7,
    TokenRescued = 8,
    Incomplete = 9,
    Unavailable = 10,
    Busy = 11,
    OutputFailed = 12,
    ForeignToken = 13,
    KeysDue = 14,
    Interrupted = 130,
}

impl Exit {
    pub fn code(self) -> ExitCode {
        ExitCode::from(self as u8)
    }

    pub fn kind(self) -> &'static str {
        match self {
            Exit::Success => "success",
            Exit::Other => "other",
            Exit::Usage => "usage",
            Exit::AuthenticationFailed => "authentication_failed",
            Exit::NotFound => "not_found",
            Exit::RateLimited => "rate_limited",
            Exit::Network => "network",
            Exit::OutcomeUnknown => "outcome_unknown",
            Exit::TokenRescued => "token_rescued",
            Exit::Incomplete => "incomplete",
            Exit::Unavailable => "twilio_unavailable",
            Exit::Busy => "busy",
            Exit::OutputFailed => "output_failed",
            Exit::ForeignToken => "foreign_token_rescued",
            Exit::KeysDue => "keys_due",
            Exit::Interrupted => "interrupted",
        }
    }

    /// The exit code for an API error.
    pub fn for_error(error: &Error) -> Exit {
        if error.is_outcome_unknown() {
            Exit::OutcomeUnknown
        } else if error.is_transport() {
            Exit::Network
        } else if error.is_authentication_failed() {
            Exit::AuthenticationFailed
        } else if error.is_rate_limited() {
            Exit::RateLimited
        } else if error.status().is_some_and(|s| s.as_u16() == 404) {
            Exit::NotFound
        } else if error.is_invalid_input() {
            Exit::Usage
        } else {
            Exit::Other
        }
    }
}

/// What to do next after `command` failed with `exit`, worded for that
/// command: the same status means different things to different calls (a
/// 404 from `verify` is a wrong address, from `promote` a missing secondary).
pub fn advice(command: &str, exit: Exit) -> Option<String> {
    let text = match (command, exit) {
        (c, Exit::AuthenticationFailed)
            if c.starts_with("keys ") || c.starts_with("signing-keys ") =>
        {
            "managing keys needs the account's Auth Token or a Main API key (a Standard or restricted key is refused with 20003); check the account SID and the credentials"
        }
        (_, Exit::AuthenticationFailed) => {
            "check the account SID and the Auth Token or API key (a replaced token, stray whitespace, another region's credentials, or a Standard API key)"
        }
        ("promote", Exit::NotFound) => {
            "there is no secondary Auth Token to promote: create one first (`twilio-accounts secondary create --token-file twilio-secondary-token.txt`, or another file of yours)"
        }
        ("secondary delete", Exit::NotFound) => {
            "there is no secondary Auth Token, so there is nothing to delete"
        }
        (_, Exit::NotFound) => {
            "nothing answered at that address: check --base-url / TWILIO_ACCOUNTS_BASE_URL (the scheme, host and port only, e.g. http://127.0.0.1:8080, without /v1)"
        }
        (_, Exit::RateLimited) => {
            "Twilio is limiting concurrent requests; nothing was changed, try again shortly"
        }
        (_, Exit::Network) => {
            "check the network, the base URL and --timeout, then run the same command again"
        }
        ("promote", Exit::OutcomeUnknown) => {
            "the promote may or may not have happened: run `twilio-accounts verify`; if the current credentials are refused, the promote happened and the secondary token is now the primary; if they authenticate, run `twilio-accounts promote` again"
        }
        ("secondary create", Exit::OutcomeUnknown) => {
            "a secondary token may have been created that nobody has: run `twilio-accounts secondary delete`, then `twilio-accounts secondary create` again"
        }
        ("secondary delete", Exit::OutcomeUnknown) => {
            "run `twilio-accounts secondary delete` again (deleting twice is harmless)"
        }
        (_, Exit::OutcomeUnknown) => "run the same command again",
        _ => return None,
    };
    Some(text.to_owned())
}

/// The advice after a create whose answer was lost or a server error: it may
/// have been created, so look before creating again; and the command that
/// looks, when there is one to run as it is.
fn may_have_been_created(command: &str) -> Option<(String, Option<String>)> {
    let list = match command {
        "credentials aws create" => "twilio-accounts credentials aws list",
        "credentials public-keys create" => "twilio-accounts credentials public-keys list",
        "safelist add" => {
            return Some((
                "the number may have been added although the answer was an error: look with `twilio-accounts safelist check NUMBER` before adding it again".to_owned(),
                None,
            ));
        }
        _ => return None,
    };
    Some((
        format!(
            "it may have been created although the answer was an error: look with `{list}` before creating it again (a second create would make a duplicate)"
        ),
        Some(list.to_owned()),
    ))
}

/// What to do when a resource command's SID or number does not exist
/// (the message already says what the 404 means for the operation).
fn missing_resource_advice(command: &str) -> Option<&'static str> {
    Some(match command {
        "call" => "check the parameter values: the message says what the operation could not find",
        c if c.starts_with("credentials aws ") => {
            "`twilio-accounts credentials aws list` shows the SIDs of the account's AWS credentials"
        }
        c if c.starts_with("credentials public-keys ") => {
            "`twilio-accounts credentials public-keys list` shows the SIDs of the account's public keys"
        }
        c if c.starts_with("keys ") => {
            "`twilio-accounts keys list` shows the SIDs of the account's API keys (with the same --api and --subaccount)"
        }
        c if c.starts_with("signing-keys ") => {
            "`twilio-accounts signing-keys list` shows the SIDs of the account's signing keys (with the same --subaccount)"
        }
        "safelist check" => "that is the answer (the message says it); nothing failed",
        "safelist remove" => "there is nothing to remove (the message says why)",
        _ => return None,
    })
}

/// What to do about a Twilio error code of Public Key Client Validation, in
/// this tool's options (the core's [`twilio_accounts_core::pkcv::advice`],
/// which the error's message carries, says what the code means).
fn pkcv_advice(code: u32) -> Option<&'static str> {
    twilio_accounts_core::pkcv::advice(code)?;
    Some(match code {
        70052 => {
            "sign the requests: give --pkcv-private-key PATH and --pkcv-credential-sid CR… (or TWILIO_PKCV_PRIVATE_KEY and TWILIO_PKCV_CREDENTIAL_SID) with API key credentials; `twilio-accounts pkcv check` tells whether the account accepts them"
        }
        70053 => {
            "the account does not enforce Public Key Client Validation: enable it for the account once its applications sign, or stop signing (drop --pkcv-private-key and --pkcv-credential-sid, unset TWILIO_PKCV_PRIVATE_KEY and TWILIO_PKCV_CREDENTIAL_SID)"
        }
        70154 | 20159 => {
            "check --pkcv-credential-sid (TWILIO_PKCV_CREDENTIAL_SID): it must be the SID (CR…) of a public key registered in this account whose private half is --pkcv-private-key; the Twilio Console lists the account's public keys"
        }
        20153 => {
            "sign with the API key of the account the request is for (--api-key and --account-sid of the same account)"
        }
        20155..=20157 => "set the system clock right (NTP), then run the command again",
        _ => {
            "a request this tool signed was refused: run `twilio-accounts pkcv check -vv` and report it as a bug, with its output"
        }
    })
}

/// The command line that follows [`advice`], when one does: what a script
/// runs next (it adds its own sink and credentials).
pub fn next_command(command: &str, exit: Exit) -> Option<String> {
    let next = match (command, exit) {
        ("promote", Exit::NotFound) => "secondary create --token-file twilio-secondary-token.txt",
        ("promote", Exit::OutcomeUnknown) => "verify",
        ("secondary create", Exit::OutcomeUnknown) => "secondary delete",
        (_, Exit::NotFound | Exit::AuthenticationFailed) => return None,
        ("secondary delete", Exit::OutcomeUnknown) | (_, Exit::RateLimited | Exit::Network) => {
            command
        }
        _ => return None,
    };
    Some(format!("twilio-accounts {next}"))
}

/// A failure: its exit code, message, and the API error's details.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
    /// What to do next, for people.
    pub next: Option<String>,
    /// The command line that does it, when one does (for scripts).
    pub next_command: Option<String>,
    pub details: Value,
}

impl Failure {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Failure {
            exit,
            message: message.into(),
            next: None,
            next_command: None,
            details: Value::Null,
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Failure::new(Exit::Usage, message)
    }

    pub fn other(message: impl Into<String>) -> Self {
        Failure::new(Exit::Other, message)
    }

    pub fn with_next(mut self, next: impl Into<String>) -> Self {
        self.next = Some(next.into());
        self
    }

    /// Advice to finish a rotation with `rotate --resume` and the options
    /// `rerun` (see `rotate::rerun_flags`). A resume needs the sink the
    /// rotation was started with: when `rerun` has one, the command runs as
    /// printed; when it has none, the advice says which option to add and
    /// gives no command line to run blindly.
    pub fn with_resume_advice(mut self, rerun: &str, sink_given: bool) -> Self {
        let resume = format!("twilio-accounts rotate --resume{rerun}");
        if sink_given {
            self.next = Some(format!("run `{resume}` to finish it"));
            self.next_command = Some(resume);
        } else {
            self.next = Some(format!(
                "run `{resume}` with the --token-file or --token-exec the rotation was started with, to finish it"
            ));
        }
        self
    }

    /// An API error of `command`, with that command's advice.
    pub fn from_error(command: &str, error: &Error) -> Self {
        let exit = Exit::for_error(error);
        // A create whose answer was a server error or lost may have
        // created the resource: "try again" could make a duplicate.
        let ambiguous =
            error.is_outcome_unknown() || error.status().is_some_and(|s| s.is_server_error());
        if ambiguous && let Some((next, command_line)) = may_have_been_created(command) {
            return Failure {
                exit,
                message: error.to_string(),
                next: Some(next),
                next_command: command_line,
                details: error_details(error),
            };
        }
        // Twilio's own "not found" (20404) from a resource command is about
        // the thing asked for, not the address.
        let next = match missing_resource_advice(command) {
            Some(text) if exit == Exit::NotFound && error.code() == Some(20404) => {
                Some(text.to_owned())
            }
            // Twilio refused the request's PKCV signature, or its lack.
            _ if let Some(text) = error.code().and_then(pkcv_advice) => Some(text.to_owned()),
            // A restricted API key authenticated, and its policy said no.
            _ if error.code() == Some(70051) => Some(
                "the API key is restricted and its policy does not allow this call: use a key whose policy allows it, a Standard or Main key, or the Auth Token".to_owned(),
            ),
            _ => advice(command, exit),
        };
        Failure {
            exit,
            message: error.to_string(),
            next,
            next_command: next_command(command, exit),
            details: error_details(error),
        }
    }

    pub fn to_json(&self, command: &str) -> Value {
        json!({
            "command": command,
            "ok": false,
            "exit_code": self.exit as u8,
            "error": {
                "kind": self.exit.kind(),
                "message": self.message,
                "next": self.next,
                "next_command": self.next_command,
                "details": self.details,
            }
        })
    }
}

/// The parts of an API error a script may act on; never a body or a secret.
pub fn error_details(error: &Error) -> Value {
    let hint = match error {
        Error::Api(api) => api.hint(),
        _ => None,
    };
    json!({
        "operation": error.operation(),
        "status": error.status().map(|s| s.as_u16()),
        "code": error.code(),
        "request_id": error.request_id(),
        "hint": hint,
    })
}
