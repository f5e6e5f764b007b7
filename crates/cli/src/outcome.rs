//! Exit codes and the error document, shared by every command.
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
//! | 7 | outcome unknown: a change may or may not have happened (run `rotate --resume`) |

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

/// What to do next, for people, by exit code.
pub fn advice(exit: Exit) -> Option<&'static str> {
    match exit {
        Exit::AuthenticationFailed => Some(
            "check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (a replaced token, stray whitespace, another region's credentials, or a Standard API key)",
        ),
        Exit::NotFound => {
            Some("there is no secondary Auth Token: create one first (`secondary create`)")
        }
        Exit::RateLimited => {
            Some("Twilio is limiting concurrent requests; nothing was changed, try again shortly")
        }
        Exit::Network => Some("check the network, the base URL and --timeout, then try again"),
        Exit::OutcomeUnknown => Some(
            "the change may or may not have happened: run `twilio-accounts rotate --resume`, or `verify` with each token to see which one works",
        ),
        _ => None,
    }
}

/// A failure: its exit code, message, and the API error's details.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
    pub next: Option<String>,
    pub details: Value,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            exit: Exit::Usage,
            message: message.into(),
            next: None,
            details: Value::Null,
        }
    }

    pub fn other(message: impl Into<String>) -> Self {
        Failure {
            exit: Exit::Other,
            message: message.into(),
            next: None,
            details: Value::Null,
        }
    }

    pub fn from_error(error: &Error) -> Self {
        let exit = Exit::for_error(error);
        let hint = match error {
            Error::Api(api) => api.hint(),
            _ => None,
        };
        Failure {
            exit,
            message: error.to_string(),
            next: advice(exit).map(str::to_owned),
            details: json!({
                "operation": error.operation(),
                "status": error.status().map(|s| s.as_u16()),
                "code": error.code(),
                "request_id": error.request_id(),
                "hint": hint,
            }),
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
                "details": self.details,
            }
        })
    }
}
