//! How a command reports: text for people on stderr (progress, warnings,
//! errors) and the result on stdout, or exactly one JSON document on stdout.
//! Every line goes through [`crate::output`], so nothing panics on a closed
//! pipe and server text cannot drive the terminal.

use std::process::ExitCode;

use serde_json::Value;

use crate::args::OutputFormat;
use crate::outcome::Failure;
use crate::output;

/// How a command reports: format, verbosity.
#[derive(Debug, Clone, Copy)]
pub struct Report {
    pub format: OutputFormat,
    pub quiet: bool,
}

impl Report {
    /// Progress for people, on stderr (suppressed by -q and in JSON mode).
    pub fn say(&self, line: impl AsRef<str>) {
        if !self.quiet && self.format == OutputFormat::Text {
            output::err(&output::printable(line.as_ref()));
        }
    }

    /// The result of the command in text mode, on stdout (in JSON mode the
    /// document carries it).
    pub fn result(&self, line: impl AsRef<str>) {
        if self.format == OutputFormat::Text {
            output::out(&output::printable(line.as_ref()));
        }
    }

    /// A warning, on stderr, unless -q.
    pub fn warn(&self, line: impl AsRef<str>) {
        if !self.quiet {
            output::err(&format!("warning: {}", output::printable(line.as_ref())));
        }
    }

    /// The command's JSON document, on stdout.
    pub fn json(&self, document: &Value) {
        if self.format == OutputFormat::Json {
            output::out(&document.to_string());
        }
    }

    /// Reports a failure in the chosen format and returns its exit code.
    pub fn fail(&self, command: &str, failure: &Failure) -> ExitCode {
        match self.format {
            OutputFormat::Json => self.json(&failure.to_json(command)),
            OutputFormat::Text => {
                output::err(&format!("error: {}", output::printable(&failure.message)));
                if let Some(next) = &failure.next {
                    output::err(&format!("  what to do: {}", output::printable(next)));
                }
            }
        }
        failure.exit.code()
    }
}
