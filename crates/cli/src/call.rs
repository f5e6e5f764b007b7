//! `call <OperationId> [--param Name=Value]...`: any registered operation,
//! for scripts, with the spec's names. An operationId that several APIs
//! have (`FetchKey`) is given qualified by its API (`iam.v1.FetchKey`,
//! `api.v2010.FetchKey`); any operation may be.
//!
//! The operation is found by walking the core's registry
//! ([`visit_operations`]): nothing here names an operation, so a newly
//! registered one is callable at once. `--param-env Name=VAR` reads a value
//! from the environment, the way to pass a secret (`Credentials`) without
//! putting it on the command line.

use std::fmt::Debug;
use std::process::ExitCode;

use twilio_accounts_core::{
    FromParameters, ListOperation, LookupError, OPERATIONS, Operation, OperationVisitor,
    ParameterValues, Secrets, Service, ToJson, lookup, visit_operations,
};

use crate::args::{CallArgs, Global};
use crate::invocation::{Invocation, Listing, none_refused};
use crate::outcome::{Exit, Failure};
use crate::report::Report;

pub fn run(
    global: &Global,
    args: &CallArgs,
    report: Report,
    on_command_line: &dyn Fn(&str) -> bool,
) -> ExitCode {
    let invocation = Invocation {
        global,
        report,
        on_command_line,
        command: "call".to_owned(),
        secrets: if args.reveal {
            Secrets::Reveal
        } else {
            Secrets::Redact
        },
    };
    let info = match lookup(&args.operation) {
        Ok(info) => info,
        Err(LookupError::Unknown { .. }) => {
            let valid: Vec<String> = OPERATIONS.iter().map(|o| o.qualified_name()).collect();
            return report.fail(
                "call",
                &Failure::usage(format!(
                    "there is no operation `{}`; the operations are: {}",
                    args.operation,
                    valid.join(", ")
                ))
                .with_next("give one of them, spelled as the spec's operationId (the API before it is needed only when two APIs share the id)"),
            );
        }
        Err(ambiguous) => {
            return report.fail(
                "call",
                &Failure::usage(ambiguous.to_string())
                    .with_next("give the qualified name of the one you mean"),
            );
        }
    };
    let values = match parameter_values(args) {
        Ok(v) => v,
        Err(f) => return report.fail("call", &f),
    };
    for param in &args.params {
        if let Some((name, _)) = param.split_once('=')
            && info.secret_parameters.contains(&name)
        {
            report.warn(format!(
                "--param {name}=… on the command line is visible to other users and kept in shell history; prefer --param-env {name}=VARIABLE"
            ));
        }
    }
    let listing = if args.all || args.limit.is_some() {
        Listing::Pages { limit: args.limit }
    } else {
        Listing::OnePage
    };
    let mut dispatch = Dispatch {
        wanted: (info.service, info.id),
        invocation: &invocation,
        values: &values,
        listing,
        exit: None,
    };
    visit_operations(&mut dispatch);
    dispatch.exit.unwrap_or_else(|| {
        report.fail(
            "call",
            &Failure::other(format!(
                "{} is registered but was not visited; this is a bug in twilio-accounts",
                info.id
            )),
        )
    })
}

/// `--param Name=Value` and `--param-env Name=VAR`, in the order given
/// (each kind in its own order: params first).
fn parameter_values(args: &CallArgs) -> Result<ParameterValues, Failure> {
    let mut values = ParameterValues::new();
    for param in &args.params {
        // Never echo the text: it may be a secret typed without its name.
        let (name, value) = param
            .split_once('=')
            .filter(|(name, _)| !name.is_empty())
            .ok_or_else(|| {
                Failure::usage("--param takes NAME=VALUE, e.g. --param Sid=CR… (one of them has no name or no `=`)")
            })?;
        values.push(name, value);
    }
    for param in &args.param_env {
        let (name, variable) = param
            .split_once('=')
            .filter(|(name, variable)| !name.is_empty() && !variable.is_empty())
            .ok_or_else(|| {
                Failure::usage(format!(
                    "--param-env takes NAME=VARIABLE, e.g. --param-env Credentials=AWS_CREDENTIALS, not `{param}`"
                ))
            })?;
        let value = std::env::var(variable).map_err(|_| {
            Failure::usage(format!(
                "--param-env {name}={variable}: the environment variable {variable} is not set (or not UTF-8)"
            ))
        })?;
        values.push(name, value);
    }
    Ok(values)
}

/// Runs the operation whose API and id are `wanted` when the registry
/// reaches it.
struct Dispatch<'a> {
    wanted: (Service, &'static str),
    invocation: &'a Invocation<'a>,
    values: &'a ParameterValues,
    listing: Listing,
    exit: Option<ExitCode>,
}

impl OperationVisitor for Dispatch<'_> {
    fn visit<O>(&mut self, _example: O)
    where
        O: Operation + FromParameters + Clone + Debug + Send + Sync + 'static,
        O::Output: ToJson + Clone + Debug + Send + 'static,
    {
        if (O::SERVICE, O::ID) != self.wanted {
            return;
        }
        self.exit = Some(if self.listing == Listing::OnePage {
            self.invocation.single::<O>(self.values, none_refused)
        } else {
            self.invocation.report.fail(
                "call",
                &Failure::new(
                    Exit::Usage,
                    format!(
                        "{} is not a list: --all and --limit apply to lists only",
                        O::ID
                    ),
                ),
            )
        });
    }

    fn visit_list<L>(&mut self, _example: L)
    where
        L: ListOperation + FromParameters + Clone + Debug + Send + Sync + 'static,
        L::Item: ToJson + Clone + Debug + Send + 'static,
    {
        if (L::SERVICE, L::ID) == self.wanted {
            self.exit = Some(self.invocation.list::<L>(self.values, self.listing));
        }
    }
}
