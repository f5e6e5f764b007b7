//! Where a new token goes: stdout (`--reveal`), a file (`--token-file`) or a
//! command's stdin (`--token-exec`); and, with the same rules, where a new
//! API key's secret goes (`--secret-file`, `--secret-exec`, see
//! [`Sink::for_secret`]). A rotation goes on only once every
//! chosen sink has the token durably: the file written, fsynced and renamed
//! with its directory fsynced; the command exited 0 within its time limit.
//!
//! `rotate` takes no `--reveal` (see [`crate::rotate`]); the single-call
//! commands print the token last, on stdout.
//!
//! A `--token-exec` command runs under `sh -c` with this process's
//! environment **less every `TWILIO_*` variable** (the Auth Token and API
//! secret included: in a fleet they are the parent's), plus
//! `TWILIO_ACCOUNT_SID` set to the account whose token it receives. It is
//! killed after `--token-exec-timeout` (60 s by default).
//!
//! `--sink vault:…` and `--sink aws-sm:…` add secret stores (see
//! [`crate::store`]); with several sinks the token counts as delivered only
//! once every one of them has it.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use twilio_accounts_core::{AccountSid, AuthToken};
use twilio_accounts_rotation::TokenFingerprint;
use zeroize::Zeroizing;

use crate::args::{SecretDestination, SinkArgs};
use crate::outcome::{Exit, Failure};
use crate::state_file::{Overwrite, write_secret_file};
use crate::store::{Store, StoreError, StoreSpec};

/// The sinks chosen on the command line.
#[derive(Debug, Clone)]
pub struct Sink {
    reveal: bool,
    file: Option<(PathBuf, Overwrite)>,
    exec: Option<String>,
    /// How long a `--token-exec` command may take.
    exec_timeout: Duration,
    /// The account whose token this is, given to `--token-exec` as
    /// `TWILIO_ACCOUNT_SID`.
    account: Option<AccountSid>,
    /// A resumed rotation may replace a `--token-file` that holds its own
    /// earlier token (by the journal's fingerprint), and no other file
    /// without `--force`.
    replaceable: Option<TokenFingerprint>,
    /// A resumed key rotation may replace a `--secret-file` that already
    /// holds its own new key (this SID), and no other file without `--force`.
    replaceable_key: Option<String>,
    /// The options this sink came from, for messages.
    flags: Flags,
    /// Secret stores (`--sink`), delivered after the file and the command.
    stores: Vec<Store>,
}

/// The names of a sink's options, as the user typed them.
#[derive(Debug, Clone, Copy)]
struct Flags {
    file: &'static str,
    exec: &'static str,
    exec_timeout: &'static str,
}

/// An Auth Token's sink.
const TOKEN_FLAGS: Flags = Flags {
    file: "--token-file",
    exec: "--token-exec",
    exec_timeout: "--token-exec-timeout",
};

/// An API key secret's sink.
const SECRET_FLAGS: Flags = Flags {
    file: "--secret-file",
    exec: "--secret-exec",
    exec_timeout: "--secret-exec-timeout",
};

fn overwrite(force: bool) -> Overwrite {
    if force {
        Overwrite::Allow
    } else {
        Overwrite::Refuse
    }
}

/// The default time limit of a `--token-exec` command.
pub const DEFAULT_EXEC_TIMEOUT: Duration = Duration::from_secs(60);

impl Sink {
    pub fn from_args(args: &SinkArgs) -> Self {
        Sink {
            reveal: args.reveal,
            file: args.token_file.clone().map(|p| (p, overwrite(args.force))),
            exec: args.token_exec.clone(),
            exec_timeout: args.token_exec_timeout.unwrap_or(DEFAULT_EXEC_TIMEOUT),
            account: None,
            replaceable: None,
            replaceable_key: None,
            flags: TOKEN_FLAGS,
            stores: Vec::new(),
        }
    }

    /// Where a new secret goes (an API key's, a key pair's private half):
    /// `--secret-file`, `--secret-exec`, and stdout when `reveal`; delivered
    /// with [`Sink::deliver_secret`].
    pub fn for_secret(to: &SecretDestination, reveal: bool) -> Self {
        Sink {
            reveal,
            file: to.secret_file.clone().map(|p| (p, overwrite(to.force))),
            exec: to.secret_exec.clone(),
            exec_timeout: to.secret_exec_timeout.unwrap_or(DEFAULT_EXEC_TIMEOUT),
            account: None,
            replaceable: None,
            replaceable_key: None,
            flags: SECRET_FLAGS,
            stores: Vec::new(),
        }
    }

    /// The account whose token goes to this sink (`TWILIO_ACCOUNT_SID` of a
    /// `--token-exec` command).
    pub fn for_account_sid(mut self, account: AccountSid) -> Self {
        self.account = Some(account);
        self
    }

    /// The sink of one account of a fleet rotation: `DIR/<AccountSid>` with
    /// `--token-dir DIR`, and `--token-exec` with `TWILIO_ACCOUNT_SID` set.
    pub fn for_account(
        token_dir: Option<&Path>,
        overwrite: Overwrite,
        exec: Option<&str>,
        exec_timeout: Duration,
        account: AccountSid,
    ) -> Self {
        Sink {
            reveal: false,
            file: token_dir.map(|dir| (dir.join(account.as_str()), overwrite)),
            exec: exec.map(str::to_owned),
            exec_timeout,
            account: Some(account),
            replaceable: None,
            replaceable_key: None,
            flags: TOKEN_FLAGS,
            stores: Vec::new(),
        }
    }

    /// Adds secret stores (`--sink`), each for this sink's account when it
    /// has one (`{account_sid}` replaced).
    pub fn with_stores(mut self, stores: &[Store]) -> Self {
        self.stores
            .extend(stores.iter().map(|store| match &self.account {
                Some(account) => store.for_account(account),
                None => store.clone(),
            }));
        self
    }

    /// Reads what each store holds now (what its check-and-set write will
    /// expect): before anything changes at Twilio, and when a rotation
    /// resumes. The error names the store.
    pub fn begin_stores(&self) -> Result<(), StoreError> {
        self.stores
            .iter()
            .try_for_each(|store| store.begin().map_err(|e| in_store(store, e)))
    }

    /// Once the new token was checked and before the go-ahead: makes it the
    /// version the applications read, in every store that stages versions
    /// (AWS Secrets Manager's `AWSCURRENT`). Idempotent.
    pub fn commit(&self, token: &AuthToken) -> Result<(), StoreError> {
        self.stores
            .iter()
            .try_for_each(|store| store.commit(token).map_err(|e| in_store(store, e)))
    }

    /// `rotate --abandon`: every store goes back to what it held before the
    /// token of fingerprint `own` was delivered. The stores that changed.
    pub fn withdraw(&self, own: TokenFingerprint) -> Result<Vec<String>, StoreError> {
        let mut changed = Vec::new();
        for store in &self.stores {
            if store.withdraw(own).map_err(|e| in_store(store, e))? {
                changed.push(store.describe());
            }
        }
        Ok(changed)
    }

    /// `--abandon` of a credential delivered with
    /// [`Sink::deliver_to_stores`] as `version`: every store put back (see
    /// [`Store::withdraw_fields`]); the stores that changed.
    pub fn withdraw_fields(
        &self,
        marker: (&str, &str),
        version: &str,
    ) -> Result<Vec<String>, StoreError> {
        let mut changed = Vec::new();
        for store in &self.stores {
            if store
                .withdraw_fields(marker, version)
                .map_err(|e| in_store(store, e))?
            {
                changed.push(store.describe());
            }
        }
        Ok(changed)
    }

    /// Adds secret stores (`--sink`) that hold a credential of the fields
    /// `names` (the first its secret), each for this sink's account when it
    /// has one (`{account_sid}` replaced), delivered with
    /// [`Sink::deliver_to_stores`].
    pub fn with_stores_holding(mut self, stores: &[Store], names: &'static [&'static str]) -> Self {
        let account = self.account;
        self.stores
            .extend(stores.iter().map(|store| match &account {
                Some(account) => store.for_account(account).holding(names),
                None => store.holding(names),
            }));
        self
    }

    /// Writes a credential, as (field, value) pairs named as
    /// [`Sink::with_stores_holding`] said, into every store; `version`
    /// names it for good (see [`Store::deliver_fields`]). A store that
    /// holds it already writes nothing. The error names the store, never a
    /// value.
    pub fn deliver_to_stores(&self, fields: &[(&str, &str)], version: &str) -> Result<(), String> {
        self.stores.iter().try_for_each(|store| {
            store
                .deliver_fields(fields, version)
                .map_err(|e| in_store(store, e).to_string())
        })
    }

    /// Once the credential delivered as `version` was checked and before
    /// the one it replaces is revoked: makes it current in every store that
    /// stages versions. Idempotent.
    pub fn commit_version(&self, version: &str) -> Result<(), StoreError> {
        self.stores.iter().try_for_each(|store| {
            store
                .commit_version(version)
                .map_err(|e| in_store(store, e))
        })
    }

    /// Right before the promote: every store still holds `token`.
    pub fn confirm_stores(&self, token: &AuthToken) -> Result<(), StoreError> {
        self.stores
            .iter()
            .try_for_each(|store| store.confirm(token).map_err(|e| in_store(store, e)))
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
                "{} exists; pass --force to replace it, or choose another {}",
                path.display(),
                self.flags.file
            ));
        }
        let directory = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        writable_directory(directory).map_err(|e| {
            format!(
                "{} {}: cannot write in {}: {e}",
                self.flags.file,
                path.display(),
                directory.display()
            )
        })
    }

    /// A resumed rotation may replace a file that holds its own earlier
    /// token (the journal's fingerprint of it), and no other file unless
    /// `--force` was given.
    pub fn replacing(mut self, own: Option<TokenFingerprint>) -> Self {
        self.replaceable = own;
        self
    }

    /// A resumed key rotation may replace a `--secret-file` that holds its
    /// own new key `sid` (written before a crash), and no other file unless
    /// `--force` was given.
    pub fn replacing_key(mut self, sid: &str) -> Self {
        self.replaceable_key = Some(sid.to_owned());
        self
    }

    /// The file, when there is one.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_ref().map(|(path, _)| path.as_path())
    }

    pub fn is_empty(&self) -> bool {
        !self.reveal && self.file.is_none() && self.exec.is_none() && self.stores.is_empty()
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
        // Only the program's name: its arguments may hold a secret (a
        // store's password), and this goes to progress lines and JSON.
        if let Some(cmd) = &self.exec {
            let program = cmd.split_whitespace().next().unwrap_or("");
            out.push(format!(
                "command `{program}` ({}; its arguments not shown)",
                self.flags.exec
            ));
        }
        out.extend(self.stores.iter().map(Store::describe));
        if self.reveal {
            out.push("stdout".into());
        }
        out
    }

    /// Hands the token to the file and the command (stdout is written by the
    /// caller's report). The error says what failed, never the token.
    pub fn deliver(&self, token: &AuthToken) -> Result<(), String> {
        if let Some((path, overwrite)) = &self.file {
            let overwrite = match held_token(path) {
                // Handed over already (a resumed rotation).
                Held::Token(held) if held == *token => None,
                Held::Token(held) if self.replaceable.is_some_and(|own| own.matches(&held)) => {
                    Some(Overwrite::Allow)
                }
                Held::Absent | Held::Token(_) | Held::Other => Some(*overwrite),
            };
            if let Some(overwrite) = overwrite {
                write_secret_file(path, token_line(token).as_bytes(), overwrite).map_err(|e| {
                    if e.kind() == io::ErrorKind::AlreadyExists {
                        format!(
                            "{} exists and holds no token of this rotation; it was left as it is (pass --force to replace it)",
                            path.display()
                        )
                    } else {
                        format!("could not write {}: {e}", path.display())
                    }
                })?;
            }
        }
        if let Some(cmd) = &self.exec {
            let line = token_line(token);
            let account = self.account.as_ref().map(AccountSid::as_str);
            let env: Vec<(&str, &str)> = account
                .map(|sid| ("TWILIO_ACCOUNT_SID", sid))
                .into_iter()
                .collect();
            self.run_exec(cmd, line.as_bytes(), &env)?;
        }
        for store in &self.stores {
            store
                .deliver(token, self.replaceable)
                .map_err(|e| in_store(store, e).to_string())?;
        }
        Ok(())
    }

    /// Hands a new key's secret (`payload`, as `--secret-format` wrote it)
    /// to the file and the command; `env` is what the command gets besides
    /// the environment without `TWILIO_*` (the account and the key's SID).
    /// A `--secret-file` that exists is replaced only with `--force`. The
    /// error says what failed, never the secret. The stores are written by
    /// [`Sink::deliver_to_stores`], with the credential's fields.
    pub fn deliver_secret(&self, payload: &[u8], env: &[(&str, &str)]) -> Result<(), String> {
        if let Some((path, overwrite)) = &self.file {
            let own = self.replaceable_key.as_deref().is_some_and(|sid| {
                std::fs::read(path)
                    .map(Zeroizing::new)
                    .is_ok_and(|held| held.windows(sid.len()).any(|w| w == sid.as_bytes()))
            });
            let overwrite = if own { Overwrite::Allow } else { *overwrite };
            write_secret_file(path, payload, overwrite).map_err(|e| {
                if e.kind() == io::ErrorKind::AlreadyExists {
                    format!(
                        "{} exists (pass --force to replace it, or choose another {})",
                        path.display(),
                        self.flags.file
                    )
                } else {
                    format!("could not write {}: {e}", path.display())
                }
            })?;
        }
        if let Some(cmd) = &self.exec {
            self.run_exec(cmd, payload, env)?;
        }
        Ok(())
    }

    /// Runs `cmd` with `input` on its stdin, without this process's Twilio
    /// variables but with `env`, killed after the sink's time limit.
    fn run_exec(&self, cmd: &str, input: &[u8], env: &[(&str, &str)]) -> Result<(), String> {
        run_exec(cmd, input, env, self.exec_timeout, self.flags)
    }

    /// Checks, right before a promote, that the sink still holds `token`:
    /// a `--token-file` is read back (a command cannot be asked again).
    pub fn confirm(&self, token: &AuthToken) -> Result<(), String> {
        let Some((path, _)) = &self.file else {
            return Ok(());
        };
        match held_token(path) {
            Held::Token(held) if held == *token => Ok(()),
            Held::Absent => Err(format!("{} is gone", path.display())),
            Held::Token(_) | Held::Other => {
                Err(format!("{} holds something else now", path.display()))
            }
        }
    }
}

/// The stores of `--sink`, their settings read from the environment
/// (nothing is sent yet).
pub fn connect_stores(specs: &[StoreSpec]) -> Result<Vec<Store>, Failure> {
    specs
        .iter()
        .map(|spec| {
            Store::connect(spec)
                .map_err(|e| Failure::usage(format!("--sink {}: {e}", spec.to_arg())))
        })
        .collect()
}

/// A store that could not be read before the rotation went on: nothing
/// further was changed. `next` says what to run once it is back.
pub fn store_failure(error: &StoreError) -> Failure {
    let exit = match error {
        StoreError::Unavailable(_) => Exit::Network,
        StoreError::Settings(_) => Exit::Usage,
        StoreError::Refused(_) => Exit::Other,
    };
    Failure::new(exit, format!("a --sink store could not be read: {error}"))
}

/// `error`, saying which store it came from.
fn in_store(store: &Store, error: StoreError) -> StoreError {
    let named = |m: String| format!("{}: {m}", store.describe());
    match error {
        StoreError::Unavailable(m) => StoreError::Unavailable(named(m)),
        StoreError::Refused(m) => StoreError::Refused(named(m)),
        StoreError::Settings(m) => StoreError::Settings(named(m)),
    }
}

/// What a token file holds.
enum Held {
    Absent,
    Token(AuthToken),
    /// Not a token, or unreadable.
    Other,
}

fn held_token(path: &Path) -> Held {
    match std::fs::read(path) {
        Ok(bytes) => {
            let bytes = Zeroizing::new(bytes);
            match std::str::from_utf8(&bytes)
                .ok()
                .and_then(|text| AuthToken::new(text.trim_end_matches(['\n', '\r'])).ok())
            {
                Some(token) => Held::Token(token),
                None => Held::Other,
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Held::Absent,
        Err(_) => Held::Other,
    }
}

fn token_line(token: &AuthToken) -> Zeroizing<String> {
    let mut line = Zeroizing::new(String::with_capacity(token.expose_secret().len() + 1));
    line.push_str(token.expose_secret());
    line.push('\n');
    line
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
    rescue_bytes(
        directory,
        &format!("twilio-accounts-rescued-token-{account}"),
        token_line(token).as_bytes(),
    )
}

/// Saves `secret` in a new owner-only file of `directory` named
/// `STEM.txt` (or `STEM-N.txt` when taken), never overwriting one.
/// Returns where.
pub fn rescue_bytes(directory: &Path, stem: &str, secret: &[u8]) -> Result<PathBuf, String> {
    // Bounded: a free name is found within a few tries unless the directory
    // is full of earlier rescues.
    let mut last_error = String::new();
    for attempt in 0..100 {
        let name = match attempt {
            0 => format!("{stem}.txt"),
            n => format!("{stem}-{n}.txt"),
        };
        let path = directory.join(name);
        match write_secret_file(&path, secret, Overwrite::Refuse) {
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

/// Kills `child` and its process group (with the system's `kill`: this
/// crate uses no unsafe code to call the system directly).
fn stop_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let _ = child.kill();
    let _ = child.wait();
}

/// Runs `cmd` with `input` (a secret) on its stdin, without this process's
/// Twilio variables but with `env`, killed after `timeout`.
fn run_exec(
    cmd: &str,
    input: &[u8],
    env: &[(&str, &str)],
    timeout: Duration,
    flags: Flags,
) -> Result<(), String> {
    // Messages name the program only: its arguments may hold a secret.
    let shown = format!(
        "the {} command `{}`",
        flags.exec,
        cmd.split_whitespace().next().unwrap_or("")
    );
    let mut command = Command::new("sh");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("TWILIO_") {
            command.env_remove(&name);
        }
    }
    for (name, value) in env {
        command.env(name, value);
    }
    // Its own process group, so that the time limit stops whatever it
    // started too (a `sleep` holding our stderr open, say).
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start {shown}: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        let written = stdin.write_all(input);
        // A command that exits without reading its input closes the pipe;
        // its exit status decides.
        if let Err(e) = written
            && e.kind() != io::ErrorKind::BrokenPipe
        {
            stop_group(&mut child);
            return Err(format!("could not write to {shown}: {e}"));
        }
    }
    let started = Instant::now();
    // Bounded by the time limit.
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= timeout => {
                stop_group(&mut child);
                return Err(format!(
                    "{shown} did not finish within {}s ({}) and was stopped",
                    timeout.as_secs_f64(),
                    flags.exec_timeout
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("{shown} did not finish: {e}")),
        }
    };
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}
