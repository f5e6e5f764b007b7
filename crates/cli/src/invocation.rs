//! Sending one operation for a command and printing its answer: shared by
//! `call` and every resource command, so they all check, send, page, report
//! and fail the same way.
//!
//! The operation is built from named values by the core
//! ([`FromParameters`]), its answer written as JSON by the core
//! ([`ToJson`]); nothing here knows any operation. With `--output json` the
//! command prints one document:
//! `{"command", "ok", "operation", "status", "request_id", "value"}`; in text,
//! the value as an aligned table on stdout.

use std::process::ExitCode;

use serde_json::{Value, json};
use twilio_accounts_core::{
    FromParameters, Idempotency, ListOperation, Operation, ParameterError, ParameterValues,
    Secrets, ToJson,
};

use twilio_accounts_ureq::Client;

use crate::args::Global;
use crate::outcome::{Exit, Failure};
use crate::paging;
use crate::report::Report;

/// How much of a list to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// The first page only (`call` without `--all`).
    OnePage,
    /// Page after page, until the list ends or `limit` items.
    Pages { limit: Option<usize> },
}

/// One command's context: where it sends and how it reports.
pub struct Invocation<'a> {
    pub global: &'a Global,
    pub report: Report,
    pub on_command_line: &'a dyn Fn(&str) -> bool,
    /// The command's name in reports, e.g. `call` or `safelist add`.
    pub command: String,
    pub secrets: Secrets,
}

/// How many entries of an answer the server refused (bulk items, geo
/// permissions): such an answer is a 2xx, but the command did not fully work.
pub type Refused<T> = fn(&T) -> usize;

/// For answers that cannot refuse part of a request.
pub fn none_refused<T>(_: &T) -> usize {
    0
}

impl Invocation<'_> {
    /// Builds `O` from `values`, sends it once, prints its answer.
    pub fn single<O>(&self, values: &ParameterValues, refused: Refused<O::Output>) -> ExitCode
    where
        O: FromParameters,
        O::Output: ToJson,
    {
        self.single_or_absent::<O>(values, refused, None)
    }

    /// A look-up whose "not found" is an answer, not a failure (`safelist
    /// check`): a 404 prints `absent` as the result (stdout, no `error:`;
    /// JSON `"found": false`) and exits 4, as documented.
    pub fn lookup<O>(&self, values: &ParameterValues, absent: &str) -> ExitCode
    where
        O: FromParameters,
        O::Output: ToJson,
    {
        self.single_or_absent::<O>(values, |_| 0, Some(absent))
    }

    fn single_or_absent<O>(
        &self,
        values: &ParameterValues,
        refused: Refused<O::Output>,
        absent: Option<&str>,
    ) -> ExitCode
    where
        O: FromParameters,
        O::Output: ToJson,
    {
        let operation = match self.build::<O>(values) {
            Ok(o) => o,
            Err(f) => return self.fail(&f),
        };
        match self.client() {
            Ok(client) => self.send(&client, &operation, refused, absent),
            Err(f) => self.fail(&f),
        }
    }

    /// The client, from the global options and the environment.
    pub fn client(&self) -> Result<Client, Failure> {
        crate::client_setup::setup_client(self.global, self.report, self.on_command_line)
    }

    /// Sends `operation` once through `client` and prints its answer; with
    /// `absent`, a 404 is that answer (see [`Invocation::lookup`]).
    pub fn send<O>(
        &self,
        client: &Client,
        operation: &O,
        refused: Refused<O::Output>,
        absent: Option<&str>,
    ) -> ExitCode
    where
        O: Operation,
        O::Output: ToJson,
    {
        match client.send(operation) {
            Ok(reply) => self.answer(
                O::ID,
                reply.status.as_u16(),
                reply.request_id(),
                &reply.value.to_json(self.secrets),
                refused(&reply.value),
            ),
            Err(e) if absent.is_some() && e.status().is_some_and(|s| s.as_u16() == 404) => {
                let text = absent.unwrap_or_default();
                self.report.json(&json!({
                    "command": self.command,
                    "ok": true,
                    "operation": O::ID,
                    "status": 404,
                    "request_id": e.request_id(),
                    "found": false,
                }));
                self.report.result(text);
                Exit::NotFound.code()
            }
            Err(e) => self.fail(&Failure::from_error(&self.command, &e)),
        }
    }

    /// Builds the list `L` from `values` and reads it as `listing` says.
    pub fn list<L>(&self, values: &ParameterValues, listing: Listing) -> ExitCode
    where
        L: ListOperation + FromParameters + Clone,
        L::Item: ToJson,
    {
        let list = match self.build::<L>(values) {
            Ok(o) => o,
            Err(f) => return self.fail(&f),
        };
        match self.client() {
            Ok(client) => self.read_list(&client, &list, listing),
            Err(f) => self.fail(&f),
        }
    }

    /// Reads `list` through `client` as `listing` says and prints it.
    pub fn read_list<L>(&self, client: &Client, list: &L, listing: Listing) -> ExitCode
    where
        L: ListOperation + Clone,
        L::Item: ToJson,
    {
        let read = match listing {
            Listing::OnePage => client.send(list),
            Listing::Pages { limit } => paging::collect(client, list, limit).map(|c| {
                self.report.say(format!(
                    "read {} page{}",
                    c.pages,
                    if c.pages == 1 { "" } else { "s" }
                ));
                c.reply
            }),
        };
        match read {
            Ok(reply) => self.answer(
                L::ID,
                reply.status.as_u16(),
                reply.request_id(),
                &reply.value.to_json(self.secrets),
                0,
            ),
            Err(e) => self.fail(&Failure::from_error(&self.command, &e)),
        }
    }

    /// The operation named by `values`, or a usage failure that names the
    /// parameter (for `call`, with the operation's parameters).
    pub fn operation<O: FromParameters>(&self, values: &ParameterValues) -> Result<O, Failure> {
        O::from_parameter_values(values).map_err(|e| {
            let failure = Failure::usage(e.to_string());
            // An unknown name is answered with the valid ones already; a
            // bad value with what is allowed.
            match e {
                ParameterError::Missing { .. } if self.command == "call" => {
                    failure.with_next(format!(
                        "give it with --param NAME=VALUE; {} takes: {}",
                        O::ID,
                        parameter_names::<O>()
                    ))
                }
                _ => failure,
            }
        })
    }

    /// The operation, or a usage failure that names the parameter. Warns
    /// about secrets typed on the command line, and refuses to print an
    /// answer's secret redacted when it exists nowhere else.
    fn build<O: FromParameters>(&self, values: &ParameterValues) -> Result<O, Failure> {
        let operation = self.operation::<O>(values)?;
        // A call that makes a new secret (an Auth Token's create or
        // promote, a key's create) is refused without --reveal: redacted,
        // the secret would exist nowhere. A read (FetchAccount, ListAccount)
        // is never refused: its token is the current one, shown redacted
        // unless --reveal.
        if let Some(field) = O::SECRET_FIELD
            && self.secrets == Secrets::Redact
            && O::IDEMPOTENCY == Idempotency::NotIdempotent
        {
            return Err(Failure::usage(format!(
                "{} answers with a new secret (`{field}`), which is printed only with --reveal: redacted, it would be lost",
                O::ID
            ))
            .with_next(
                "pass --reveal to print it, or use a command that hands it over safely: `twilio-accounts secondary create --token-file PATH` or `twilio-accounts promote` for an Auth Token, `twilio-accounts keys create --secret-file PATH` for an API key",
            ));
        }
        Ok(operation)
    }

    /// Prints an answer: the JSON document, or the value as a table.
    pub fn answer(
        &self,
        operation: &'static str,
        status: u16,
        request_id: Option<&str>,
        value: &Value,
        refused: usize,
    ) -> ExitCode {
        let report = self.report;
        report.json(&json!({
            "command": self.command,
            "ok": refused == 0,
            "operation": operation,
            "status": status,
            "request_id": request_id,
            "value": value,
        }));
        let table = crate::table::render(value);
        if table.is_empty() {
            report.result(format!("{operation}: done (HTTP {status})."));
        } else {
            report.result(table);
        }
        if let Some(id) = request_id {
            report.say(format!("request id: {id}"));
        }
        if refused > 0 {
            if report.format == crate::args::OutputFormat::Text {
                crate::output::err(&format!(
                    "error: Twilio refused {refused} of the entries (see their error_code and error_messages); the others were applied"
                ));
            }
            return Exit::Other.code();
        }
        Exit::Success.code()
    }

    pub fn fail(&self, failure: &Failure) -> ExitCode {
        self.report.fail(&self.command, failure)
    }
}

/// `O`'s parameter names, comma-separated, or `none`.
pub fn parameter_names<O: Operation>() -> String {
    let names: Vec<&str> = O::PARAMETERS.iter().map(|p| p.name).collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}
