//! Where a new token goes: stdout (`--reveal`), a file (`--token-file`) or a
//! command's stdin (`--token-exec`). A rotation goes on only once every
//! chosen sink has the token durably.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use twilio_accounts_core::{AccountSid, AuthToken};
use zeroize::Zeroizing;

use crate::args::SinkArgs;
use crate::state_file::{Overwrite, write_secret_file};

/// The sinks chosen on the command line.
#[derive(Debug, Clone)]
pub struct Sink {
    reveal: bool,
    file: Option<(PathBuf, Overwrite)>,
    exec: Option<String>,
    /// The account whose token this is, given to `--token-exec` as
    /// `TWILIO_ACCOUNT_SID` (a fleet rotation's sinks).
    account: Option<AccountSid>,
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
            account: None,
        }
    }

    /// The sink of one account of a fleet rotation: `DIR/<AccountSid>` with
    /// `--token-dir DIR`, and `--token-exec` with `TWILIO_ACCOUNT_SID` set.
    pub fn for_account(
        token_dir: Option<&Path>,
        overwrite: Overwrite,
        exec: Option<&str>,
        account: AccountSid,
    ) -> Self {
        Sink {
            reveal: false,
            file: token_dir.map(|dir| (dir.join(account.as_str()), overwrite)),
            exec: exec.map(str::to_owned),
            account: Some(account),
        }
    }

    /// Checks, before anything changes at Twilio, that the token will have
    /// somewhere to go: a `--token-file` that exists is refused without
    /// `--force`, and one whose directory is missing or not writable is
    /// refused, now rather than after the token was created.
    pub fn preflight(&self) -> Result<(), String> {
        let Some((path, overwrite)) = &self.file else {
            return Ok(());
        };
        if *overwrite == Overwrite::Refuse && std::fs::symlink_metadata(path).is_ok() {
            return Err(format!(
                "{} exists; pass --force to replace it, or choose another --token-file",
                path.display()
            ));
        }
        let directory = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        writable_directory(directory).map_err(|e| {
            format!(
                "--token-file {}: cannot write in {}: {e}",
                path.display(),
                directory.display()
            )
        })
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
            run_exec(cmd, token, self.account.as_ref())?;
        }
        Ok(())
    }
}

/// Proves that files can be created in `directory` by creating (and
/// removing) an empty owner-only probe file, which is what writing the token
/// will do; permission bits alone do not tell (ACLs, read-only mounts).
pub fn writable_directory(directory: &Path) -> io::Result<()> {
    let meta = std::fs::metadata(directory)?;
    if !meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::NotADirectory,
            "not a directory",
        ));
    }
    let probe = directory.join(format!(".twilio-accounts-probe-{}", std::process::id()));
    write_secret_file(&probe, b"", Overwrite::Allow)?;
    std::fs::remove_file(&probe)
}

/// Saves a token that could not be handed over (nor withdrawn) in a new
/// owner-only file in `directory`, so that it is never lost nor printed.
/// Returns where.
pub fn rescue(
    directory: &Path,
    account: &AccountSid,
    token: &AuthToken,
) -> Result<PathBuf, String> {
    let mut line = Zeroizing::new(String::with_capacity(token.expose_secret().len() + 1));
    line.push_str(token.expose_secret());
    line.push('\n');
    // Bounded: a free name is found within a few tries unless the directory
    // is full of earlier rescues.
    let mut last_error = String::new();
    for attempt in 0..100 {
        let name = match attempt {
            0 => format!("twilio-accounts-rescued-token-{account}.txt"),
            n => format!("twilio-accounts-rescued-token-{account}-{n}.txt"),
        };
        let path = directory.join(name);
        match write_secret_file(&path, line.as_bytes(), Overwrite::Refuse) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => last_error = format!("could not write {}: {e}", path.display()),
        }
        break;
    }
    Err(if last_error.is_empty() {
        format!("no free rescue file name in {}", directory.display())
    } else {
        last_error
    })
}

fn run_exec(cmd: &str, token: &AuthToken, account: Option<&AccountSid>) -> Result<(), String> {
    let mut command = Command::new("sh");
    if let Some(account) = account {
        command.env("TWILIO_ACCOUNT_SID", account.as_str());
    }
    let mut child = command
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
