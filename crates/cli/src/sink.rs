//! Where a new token goes: stdout (`--reveal`), a file (`--token-file`) or a
//! command's stdin (`--token-exec`). A rotation goes on only once every
//! chosen sink has the token durably.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use twilio_accounts_core::AuthToken;
use zeroize::Zeroizing;

use crate::args::SinkArgs;
use crate::state_file::{Overwrite, write_secret_file};

/// The sinks chosen on the command line.
#[derive(Debug, Clone)]
pub struct Sink {
    reveal: bool,
    file: Option<(PathBuf, Overwrite)>,
    exec: Option<String>,
}

impl Sink {
    pub fn from_args(args: &SinkArgs) -> Self {
        Sink {
            reveal: args.reveal,
            file: args.token_file.clone().map(|p| {
                (
                    p,
                    if args.force {
                        Overwrite::Allow
                    } else {
                        Overwrite::Refuse
                    },
                )
            }),
            exec: args.token_exec.clone(),
        }
    }

    /// Checks, before anything changes at Twilio, that the token will have
    /// somewhere to go: a `--token-file` that exists is refused without
    /// `--force` now rather than after the token was created.
    pub fn preflight(&self) -> Result<(), String> {
        if let Some((path, Overwrite::Refuse)) = &self.file
            && std::fs::symlink_metadata(path).is_ok()
        {
            return Err(format!(
                "{} exists; pass --force to replace it, or choose another --token-file",
                path.display()
            ));
        }
        Ok(())
    }

    /// A resumed rotation may replace its own earlier, never-deployed token.
    pub fn allowing_overwrite(mut self) -> Self {
        if let Some((_, overwrite)) = &mut self.file {
            *overwrite = Overwrite::Allow;
        }
        self
    }

    pub fn is_empty(&self) -> bool {
        !self.reveal && self.file.is_none() && self.exec.is_none()
    }

    /// Whether the token is printed on stdout.
    pub fn reveals(&self) -> bool {
        self.reveal
    }

    /// A description for reports, without the token.
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some((path, _)) = &self.file {
            out.push(format!("file {}", path.display()));
        }
        if let Some(cmd) = &self.exec {
            out.push(format!("command `{cmd}`"));
        }
        if self.reveal {
            out.push("stdout".into());
        }
        out
    }

    /// Hands the token to the file and the command (stdout is written by the
    /// caller's report). The error says what failed, never the token.
    pub fn deliver(&self, token: &AuthToken, allow_existing_same: bool) -> Result<(), String> {
        if let Some((path, overwrite)) = &self.file {
            let mut line = Zeroizing::new(String::with_capacity(token.expose_secret().len() + 1));
            line.push_str(token.expose_secret());
            line.push('\n');
            // A resumed rotation may hand over the same token again.
            let same = allow_existing_same
                && std::fs::read(path)
                    .map(|existing| {
                        let existing = Zeroizing::new(existing);
                        existing.as_slice() == line.as_bytes()
                    })
                    .unwrap_or(false);
            if !same {
                write_secret_file(path, line.as_bytes(), *overwrite)
                    .map_err(|e| format!("could not write {}: {e}", path.display()))?;
            }
        }
        if let Some(cmd) = &self.exec {
            run_exec(cmd, token)?;
        }
        Ok(())
    }
}

fn run_exec(cmd: &str, token: &AuthToken) -> Result<(), String> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start `{cmd}`: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        let written = stdin
            .write_all(token.expose_secret().as_bytes())
            .and_then(|()| stdin.write_all(b"\n"));
        // A command that exits without reading its input closes the pipe;
        // its exit status decides.
        if let Err(e) = written
            && e.kind() != io::ErrorKind::BrokenPipe
        {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("could not write to `{cmd}`: {e}"));
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("`{cmd}` did not finish: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{cmd}` failed ({status})"))
    }
}
