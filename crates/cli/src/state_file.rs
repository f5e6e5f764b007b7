//! Files that hold secrets: the rotation journal and `--token-file`.
//!
//! Written owner-only (0600), atomically (a temporary file in the same
//! directory, fsynced, renamed over the target, then the directory fsynced),
//! so a crash leaves either the old content or the new, never a torn file,
//! and no other user can read a token. Every fsync error is an error: a file
//! that may not be on disk is not delivered.
//!
//! The temporary file is `.NAME.tmp-PID-RANDOM`, created exclusively
//! (`O_EXCL`: a planted file or link of that name makes the write fail, it
//! is never followed or truncated) and removed on failure only when this
//! process created it. A process killed between the write and the rename
//! leaves one behind, holding a token: the next write of the same file
//! removes those whose process is gone.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

#[cfg(unix)]
use std::os::unix::fs::OpenOptionsExt;

/// Whether an existing file may be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    Allow,
    Refuse,
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into())
}

/// A name nobody can guess ahead of time: the process id, and 64 bits from
/// the standard library's per-process random hash keys.
fn temporary_path(path: &Path) -> PathBuf {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    path.with_file_name(format!(
        ".{}.tmp-{}-{:016x}",
        file_name(path),
        std::process::id(),
        hasher.finish()
    ))
}

/// Whether `name` is a temporary file of an atomic write
/// (`.NAME.tmp-PID-RANDOM`, or `.NAME.tmp-PID` from earlier versions) that a
/// killed process never renamed into place.
pub fn is_stray_temporary(name: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    name.starts_with('.')
        && name
            .rsplit_once(".tmp-")
            .is_some_and(|(_, rest)| match rest.split_once('-') {
                Some((pid, random)) => digits(pid) && hex(random),
                None => digits(rest),
            })
}

/// Removes the temporary files that earlier writes of `path` left behind
/// when their process was killed mid-write (on Linux, where `/proc` tells
/// whether a process is alive; elsewhere those older than an hour).
/// Best effort: what cannot be removed stays.
fn sweep(path: &Path) {
    let directory = parent_of(path);
    let prefix = format!(".{}.tmp-", file_name(path));
    let Ok(entries) = fs::read_dir(directory) else {
        return;
    };
    // Bounded by the directory's entries.
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid == std::process::id() || !process_is_gone(pid, &entry) {
            continue;
        }
        // Only plain files: never follow a link somebody planted.
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn process_is_gone(pid: u32, entry: &fs::DirEntry) -> bool {
    let proc_root = Path::new("/proc/self");
    if proc_root.exists() {
        return !Path::new(&format!("/proc/{pid}")).exists();
    }
    entry
        .metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age > std::time::Duration::from_secs(3600))
}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Writes `bytes` to `path` owner-only and atomically.
pub fn write_secret_file(path: &Path, bytes: &[u8], overwrite: Overwrite) -> io::Result<()> {
    if overwrite == Overwrite::Refuse && fs::symlink_metadata(path).is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} exists; pass --force to replace it", path.display()),
        ));
    }
    sweep(path);
    let temporary = temporary_path(path);
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    // Not created: nothing of ours to clean up (and whatever is there is
    // not ours to remove).
    let mut file = options.open(&temporary)?;
    let result = (|| {
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        if overwrite == Overwrite::Refuse {
            // Refuse atomically too: a hard link fails if the target appeared meanwhile.
            fs::hard_link(&temporary, path)?;
            fs::remove_file(&temporary)?;
        } else {
            fs::rename(&temporary, path)?;
        }
        sync_directory(path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result
}

/// Makes the rename durable. A file system that cannot sync a directory
/// at all says so with `EINVAL` (or "unsupported"); that is not a failure
/// of this write. Any other error is.
fn sync_directory(path: &Path) -> io::Result<()> {
    let directory = File::open(parent_of(path))?;
    match directory.sync_all() {
        Ok(()) => Ok(()),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::InvalidInput | io::ErrorKind::Unsupported
            ) =>
        {
            Ok(())
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("twilio-accounts-cli-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn writes_owner_only_and_refuses_to_overwrite() {
        let dir = scratch("owner-only");
        let path = dir.join("token");
        write_secret_file(&path, b"one", Overwrite::Refuse).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"one");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let err = write_secret_file(&path, b"two", Overwrite::Refuse).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&path).unwrap(), b"one");
        write_secret_file(&path, b"two", Overwrite::Allow).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        // No temporary files are left behind.
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn temporary_names_cannot_be_guessed() {
        let path = Path::new("/x/token");
        assert_ne!(temporary_path(path), temporary_path(path));
        let name = file_name(&temporary_path(path));
        assert!(
            name.starts_with(&format!(".token.tmp-{}-", std::process::id())),
            "{name}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_temporary_file_is_neither_followed_nor_removed() {
        let dir = scratch("planted");
        let path = dir.join("token");
        let target = dir.join("target");
        fs::write(&target, b"keep").unwrap();
        // Whatever name is planted, the write makes its own, exclusively:
        // the planted link stays, and what it points to is untouched.
        let planted = dir.join(format!(".token.tmp-{}", std::process::id()));
        std::os::unix::fs::symlink(&target, &planted).unwrap();
        write_secret_file(&path, b"secret", Overwrite::Refuse).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"keep");
        assert!(fs::symlink_metadata(&planted).is_ok(), "not ours to remove");
        assert_eq!(fs::read(&path).unwrap(), b"secret");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_temporary_file_left_by_a_killed_process_is_swept() {
        let dir = scratch("sweep");
        let path = dir.join("token");
        // A pid that is not running (beyond Linux's pid_max) and one that is.
        let stray = dir.join(".token.tmp-4294967294-0123456789abcdef");
        let live = dir.join(format!(".token.tmp-{}-0", std::process::id()));
        let other = dir.join(".other.tmp-4294967294-0");
        for p in [&stray, &live, &other] {
            fs::write(p, b"old token").unwrap();
        }
        write_secret_file(&path, b"new", Overwrite::Allow).unwrap();
        if Path::new("/proc/self").exists() {
            assert!(!stray.exists(), "the dead process's file is swept");
        }
        assert!(live.exists(), "a live process's file is left alone");
        assert!(other.exists(), "another file's temporaries are left alone");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn only_temporaries_of_atomic_writes_count_as_stray() {
        let cases = [
            (".ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json.tmp-4242", true),
            (".plan.json.tmp-1", true),
            (".fleet.json.tmp-4242-00ff12ab34cd56ef", true),
            (".fleet.json.tmp-4242-", false),
            (".fleet.json.tmp-4242-xyz", false),
            ("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json", false),
            (".plan.json.tmp-", false),
            (".plan.json.tmp-12x", false),
            ("twilio-accounts-rescued-token-AC.txt", false),
        ];
        for (name, stray) in cases {
            assert_eq!(is_stray_temporary(name), stray, "{name}");
        }
    }
}
