//! Where rotations keep their journals and locks, whatever the working
//! directory: `$XDG_STATE_HOME/twilio-accounts`, else
//! `$HOME/.local/state/twilio-accounts`.
//!
//! The directory holds tokens (a journal keeps the new one while it is
//! promoted), so it is created owner-only (0700) and refused when another
//! user owns it or when others may write in it: whoever can write there can
//! swap a journal or a lock. `--state-file` still chooses where a journal
//! goes; the lock of an account is always here, so that two runs started
//! from different directories still exclude each other.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};

use twilio_accounts_core::AccountSid;

use crate::outcome::{Exit, Failure};
use crate::shell_word::shell_word;

/// The state directory, checked.
#[derive(Debug, Clone)]
pub struct StateDir {
    path: PathBuf,
}

/// Where the state directory is, from the environment (`XDG_STATE_HOME`
/// when it is an absolute path, as the XDG base-directory rules say, else
/// `HOME`).
pub fn locate(env: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let absolute = |name: &str| env(name).map(PathBuf::from).filter(|p| p.is_absolute());
    absolute("XDG_STATE_HOME")
        .map(|base| base.join("twilio-accounts"))
        .or_else(|| absolute("HOME").map(|home| home.join(".local/state/twilio-accounts")))
}

impl StateDir {
    /// The state directory of this user, created owner-only if missing.
    pub fn open() -> Result<StateDir, Failure> {
        let path = locate(|name| std::env::var_os(name)).ok_or_else(|| {
            Failure::usage(
                "rotations keep their state in $XDG_STATE_HOME/twilio-accounts or $HOME/.local/state/twilio-accounts, and neither XDG_STATE_HOME nor HOME is set to an absolute path",
            )
            .with_next("set HOME (or XDG_STATE_HOME) to your home directory, then run the same command again")
        })?;
        StateDir::at(path)
    }

    /// The state directory at `path`, created owner-only if missing, and
    /// refused when it is not safe to keep tokens in.
    pub fn at(path: PathBuf) -> Result<StateDir, Failure> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| cannot_create(&path, &e))?;
        }
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        builder.mode(0o700);
        match builder.create(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(cannot_create(&path, &e)),
        }
        check_private(&path)?;
        Ok(StateDir { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The journal of a single rotation of `account`.
    pub fn journal(&self, account: &AccountSid) -> PathBuf {
        self.path.join(format!("rotation-{account}.json"))
    }

    /// Takes the lock of `account` for as long as the returned value lives,
    /// or says which process holds it.
    pub fn lock(&self, account: &AccountSid) -> Result<AccountLock, Failure> {
        let path = self.path.join(format!("rotation-{account}.lock"));
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        options.mode(0o600);
        let mut file = options.open(&path).map_err(|e| {
            Failure::other(format!("cannot open the lock file {}: {e}", path.display()))
        })?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                let who = if holder.is_empty() || !holder.bytes().all(|b| b.is_ascii_digit()) {
                    "another process".to_owned()
                } else {
                    format!("process {holder}")
                };
                return Err(Failure::new(
                    Exit::Busy,
                    format!(
                        "another rotation of {account} is running ({who} holds {}); nothing was changed",
                        path.display()
                    ),
                )
                .with_next(
                    "wait for that rotation to finish (or stop it: it can be resumed), then run the same command again",
                ));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(Failure::other(format!(
                    "cannot lock {}: {e}",
                    path.display()
                )));
            }
        }
        // Who holds it, for the message a second run gives.
        let _ = file.set_len(0);
        let _ = file.rewind();
        let _ = writeln!(file, "{}", std::process::id());
        Ok(AccountLock { _file: file })
    }
}

/// The lock of one account's rotation; released when dropped (and by the
/// system when the process ends, however it ends).
#[derive(Debug)]
pub struct AccountLock {
    _file: File,
}

fn cannot_create(path: &Path, e: &std::io::Error) -> Failure {
    Failure::other(format!(
        "cannot create the state directory {}: {e}",
        path.display()
    ))
    .with_next("make it writable, or set XDG_STATE_HOME to a directory of yours, then run the same command again")
}

/// Refuses a directory that another user owns or that others may write in.
fn check_private(path: &Path) -> Result<(), Failure> {
    let meta = std::fs::metadata(path).map_err(|e| cannot_create(path, &e))?;
    if !meta.is_dir() {
        return Err(Failure::usage(format!(
            "the state directory {} is not a directory",
            path.display()
        )));
    }
    #[cfg(unix)]
    {
        let mode = meta.mode() & 0o777;
        // Who this process is, without unsafe code: the owner of a file it creates.
        let probe = path.join(format!(".owner-probe-{}", std::process::id()));
        let mine = File::create(&probe)
            .and_then(|f| f.metadata())
            .map(|m| m.uid())
            .map_err(|e| cannot_create(path, &e));
        let _ = std::fs::remove_file(&probe);
        let mine = mine?;
        if meta.uid() != mine {
            return Err(Failure::usage(format!(
                "the state directory {} belongs to another user (uid {}), so a journal or lock there cannot be trusted",
                path.display(),
                meta.uid()
            ))
            .with_next("set XDG_STATE_HOME to a directory of your own, then run the same command again"));
        }
        if mode & 0o022 != 0 {
            return Err(Failure::usage(format!(
                "the state directory {} may be written by other users (mode {mode:o}), so a journal or lock there cannot be trusted",
                path.display()
            ))
            .with_next(format!(
                "run `chmod 700 {}`, then the same command again",
                shell_word(&path.display().to_string())
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "twilio-accounts-state-dir-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_directory_follows_xdg_then_home() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        // (the environment, the directory)
        type Case = (
            &'static [(&'static str, &'static str)],
            Option<&'static str>,
        );
        let cases: &[Case] = &[
            (
                &[("XDG_STATE_HOME", "/s"), ("HOME", "/h")],
                Some("/s/twilio-accounts"),
            ),
            (&[("HOME", "/h")], Some("/h/.local/state/twilio-accounts")),
            // A relative XDG_STATE_HOME is ignored, as the XDG rules say.
            (
                &[("XDG_STATE_HOME", "rel"), ("HOME", "/h")],
                Some("/h/.local/state/twilio-accounts"),
            ),
            (&[("HOME", "relative")], None),
            (&[], None),
        ];
        for (pairs, expected) in cases {
            assert_eq!(locate(env(pairs)), expected.map(PathBuf::from), "{pairs:?}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn it_is_created_owner_only_and_refused_when_others_may_write() {
        use std::os::unix::fs::PermissionsExt;
        let base = scratch("mode");
        let dir = StateDir::at(base.join("a/b")).unwrap();
        let mode = std::fs::metadata(dir.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        for loose in [0o770, 0o702, 0o777] {
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(loose)).unwrap();
            let failure = StateDir::at(dir.path().to_path_buf()).unwrap_err();
            assert!(
                failure.message.contains("may be written by other users"),
                "{loose:o}"
            );
            assert!(failure.next.unwrap().contains("chmod 700"));
        }
        std::fs::remove_dir_all(base).unwrap();
    }

    #[test]
    fn a_second_lock_of_the_same_account_names_the_holder() {
        let base = scratch("lock");
        let dir = StateDir::at(base.join("state")).unwrap();
        let a: AccountSid = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap();
        let b: AccountSid = "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb".parse().unwrap();
        let held = dir.lock(&a).unwrap();
        let failure = dir.lock(&a).unwrap_err();
        assert_eq!(failure.exit, Exit::Busy);
        assert!(
            failure
                .message
                .contains(&format!("process {}", std::process::id())),
            "{}",
            failure.message
        );
        // Another account is not held up.
        let _other = dir.lock(&b).unwrap();
        drop(held);
        let _again = dir.lock(&a).unwrap();
        std::fs::remove_dir_all(base).unwrap();
    }
}
