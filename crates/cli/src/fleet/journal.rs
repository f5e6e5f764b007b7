//! The fleet journal: a directory that makes `rotate --subaccounts` and
//! `keys rotate --subaccounts` resumable after a crash or a kill at any
//! moment.
//!
//! ```text
//! DIR/fleet.json          the plan: the command, the parent and every account
//!                         to rotate (SIDs and names, no token; for a key fleet
//!                         the SIDs of the keys to replace), written before
//!                         anything changes at Twilio
//! DIR/<AccountSid>.json   that account's rotation journal (the rotation
//!                         crate's format 3), written before each of its
//!                         changes; kept in phase `done` once it finished, so
//!                         a resume never rotates it twice
//! DIR/twilio-accounts-rescued-token-<AccountSid>.txt
//!                         a token no sink took and that could not be
//!                         withdrawn (owner-only), when that happens
//! DIR/<AccountSid>-<SK>.json
//!                         a key fleet: that key's rotation journal (the
//!                         rotation crate's `KeyJournal`), removed once done
//! DIR/<AccountSid>-<SK>.done
//!                         a key fleet: the key was replaced (it holds the new
//!                         key's SID), so a resume never rotates it twice
//! ```
//!
//! Every file is written owner-only and atomically (see `state_file`); the
//! directory is created owner-only. An account without a journal file was
//! not started, or stopped with nothing left at Twilio: a resume starts it
//! afresh. Once every account has rotated, the directory is removed.

use std::io;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use twilio_accounts_core::{AccountSid, ApiKeySid};
use twilio_accounts_rotation::Journal;
use zeroize::Zeroizing;

use crate::fleet::listing::Member;
use crate::outcome::Failure;
use crate::state_file::{Overwrite, is_stray_temporary, write_secret_file};

/// The plan's format version.
const FLEET_VERSION: u64 = 1;
const PLAN: &str = "fleet.json";

/// The fleet journal directory.
#[derive(Debug, Clone)]
pub struct FleetJournal {
    dir: PathBuf,
    /// The command whose plan this is (`rotate`, `keys rotate`): the other
    /// one's plan is refused.
    command: &'static str,
}

impl FleetJournal {
    /// The Auth Token fleet's journal in `dir`.
    pub fn at(dir: PathBuf) -> Self {
        FleetJournal {
            dir,
            command: "rotate",
        }
    }

    /// The key fleet's journal in `dir`.
    pub fn of_keys(dir: PathBuf) -> Self {
        FleetJournal {
            dir,
            command: "keys rotate",
        }
    }

    /// Where earlier versions kept it: `.twilio-fleet-rotation-<PARENT_SID>`
    /// in the current directory (now `fleet-<PARENT_SID>` in the state
    /// directory).
    pub fn legacy_dir(parent: &AccountSid) -> PathBuf {
        PathBuf::from(format!(".twilio-fleet-rotation-{parent}"))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn plan_path(&self) -> PathBuf {
        self.dir.join(PLAN)
    }

    /// Whether a fleet rotation is recorded here.
    pub fn exists(&self) -> bool {
        self.plan_path().exists()
    }

    /// Where one account's rotation journal lives.
    pub fn account_journal(&self, sid: &AccountSid) -> PathBuf {
        self.dir.join(format!("{sid}.json"))
    }

    /// Where one key's rotation journal lives (a key fleet).
    pub fn key_journal(&self, account: &AccountSid, key: &ApiKeySid) -> PathBuf {
        self.dir.join(format!("{account}-{key}.json"))
    }

    /// The mark of a key replaced (a key fleet).
    fn key_done_path(&self, account: &AccountSid, key: &ApiKeySid) -> PathBuf {
        self.dir.join(format!("{account}-{key}.done"))
    }

    /// Records that `key` was replaced by `new` (before its journal is
    /// removed: killed in between, the mark wins).
    pub fn mark_key_done(
        &self,
        account: &AccountSid,
        key: &ApiKeySid,
        new: Option<&ApiKeySid>,
    ) -> io::Result<()> {
        let text = new.map(ApiKeySid::as_str).unwrap_or("");
        write_secret_file(
            &self.key_done_path(account, key),
            format!("{text}\n").as_bytes(),
            Overwrite::Allow,
        )
    }

    /// Whether `key` was replaced by an earlier run, and by which key.
    pub fn key_done(&self, account: &AccountSid, key: &ApiKeySid) -> Option<Option<ApiKeySid>> {
        let text = std::fs::read_to_string(self.key_done_path(account, key)).ok()?;
        Some(ApiKeySid::parse(text.trim()).ok())
    }

    /// Creates the directory (owner-only) and writes the plan, before
    /// anything changes at Twilio; also rewrites it (`--abandon` drops the
    /// accounts it abandoned, so that a resume leaves them alone).
    /// `resume_command` is the command line that continues this fleet
    /// rotation with its sink and options, for advice given by a later run
    /// that was not told them (`--abandon`).
    pub fn create(
        &self,
        parent: &AccountSid,
        members: &[Member],
        resume_command: Option<&str>,
    ) -> io::Result<()> {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(&self.dir)?;
        let accounts: Vec<Value> = members
            .iter()
            .map(|m| {
                let mut account = json!({ "sid": m.sid.as_str(), "friendly_name": m.friendly_name, "main": m.main });
                if let Some(keys) = &m.keys {
                    account["keys"] = keys.iter().map(|k| k.as_str()).collect();
                }
                account
            })
            .collect();
        let plan = json!({
            "version": FLEET_VERSION,
            "command": self.command,
            "parent_account_sid": parent.as_str(),
            "accounts": accounts,
            "resume_command": resume_command,
        });
        let bytes = serde_json::to_vec_pretty(&plan).unwrap_or_default();
        write_secret_file(&self.plan_path(), &bytes, Overwrite::Allow)
    }

    /// The accounts of a run being resumed: its plan's, refused when the
    /// plan was made for another parent than `parent` (`what` names the run
    /// in messages: "fleet rotation", "key fleet rotation").
    pub fn resumed_members(
        &self,
        parent: &AccountSid,
        what: &str,
        report: crate::report::Report,
    ) -> Result<Vec<Member>, Failure> {
        let (plan_parent, members, _) = self.read_plan()?;
        if plan_parent != *parent {
            return Err(Failure::usage(format!(
                "{} records a {what} of the subaccounts of {plan_parent}, but the credentials are for {parent}",
                self.dir().display()
            ))
            .with_next(format!("give the credentials of {plan_parent}")));
        }
        report.say(format!(
            "Resuming the {what} recorded in {} ({} accounts).",
            self.dir().display(),
            members.len()
        ));
        Ok(members)
    }

    /// The plan: the parent and the accounts, without tokens, and the
    /// command that resumes it (absent from plans of earlier versions).
    pub fn read_plan(&self) -> Result<(AccountSid, Vec<Member>, Option<String>), Failure> {
        let path = self.plan_path();
        let bytes = std::fs::read(&path).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                Failure::usage(format!(
                    "there is no fleet rotation to resume: {} does not exist",
                    path.display()
                ))
            } else {
                Failure::other(format!("cannot read {}: {e}", path.display()))
            }
        })?;
        let damaged = |what: &str| {
            Failure::usage(format!(
                "{} is not a fleet rotation plan ({what}); it was not written by this tool or is damaged",
                path.display()
            ))
        };
        let plan: Value = serde_json::from_slice(&bytes).map_err(|_| damaged("not JSON"))?;
        match plan["version"].as_u64() {
            Some(FLEET_VERSION) => {}
            Some(v) if v > FLEET_VERSION => {
                return Err(Failure::usage(format!(
                    "{} has format version {v}, newer than this tool understands; upgrade twilio-accounts",
                    path.display()
                )));
            }
            _ => return Err(damaged("no known version")),
        }
        // Plans of earlier versions are the Auth Token fleet's.
        let command = plan["command"].as_str().unwrap_or("rotate");
        if command != self.command {
            return Err(Failure::usage(format!(
                "{} is the plan of `{command} --subaccounts`, not of `{} --subaccounts`",
                path.display(),
                self.command
            ))
            .with_next(format!(
                "run `twilio-accounts {command} --subaccounts --resume` with --state-file {0}, or choose another --state-file",
                self.dir.display()
            )));
        }
        let sid = |v: &Value| v.as_str().and_then(|s| AccountSid::parse(s).ok());
        let parent = sid(&plan["parent_account_sid"]).ok_or_else(|| damaged("no parent"))?;
        let accounts = plan["accounts"]
            .as_array()
            .ok_or_else(|| damaged("no accounts"))?;
        let mut members = Vec::with_capacity(accounts.len());
        for account in accounts {
            members.push(Member {
                sid: sid(&account["sid"]).ok_or_else(|| damaged("an account without a SID"))?,
                friendly_name: account["friendly_name"].as_str().unwrap_or("").to_owned(),
                token: None,
                main: account["main"].as_bool().unwrap_or(false),
                keys: match account["keys"].as_array() {
                    None => None,
                    Some(keys) => Some(
                        keys.iter()
                            .map(|k| k.as_str().and_then(|s| ApiKeySid::parse(s).ok()))
                            .collect::<Option<Vec<_>>>()
                            .ok_or_else(|| damaged("a key that is not a key SID"))?,
                    ),
                },
            });
        }
        let resume_command = plan["resume_command"].as_str().map(str::to_owned);
        Ok((parent, members, resume_command))
    }

    /// One account's rotation journal, when there is one.
    pub fn read_account(&self, sid: &AccountSid) -> Result<Option<Journal>, Failure> {
        let path = self.account_journal(sid);
        match std::fs::read(&path) {
            Ok(bytes) => {
                let bytes = Zeroizing::new(bytes);
                Journal::from_json(&bytes)
                    .map(Some)
                    .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Failure::other(format!(
                "cannot read the state file {}: {e}",
                path.display()
            ))),
        }
    }

    /// Removes one account's journal (nothing of its rotation is left).
    pub fn remove_account(&self, sid: &AccountSid) -> io::Result<()> {
        match std::fs::remove_file(self.account_journal(sid)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Removes the journals of `members`, the plan, the temporary files a
    /// killed run left half-written (`.NAME.tmp-PID`, see `state_file`), and
    /// the directory when nothing else is left in it (a rescue file, say).
    pub fn remove(&self, members: &[Member]) -> io::Result<()> {
        for member in members {
            self.remove_account(&member.sid)?;
            for key in member.keys.iter().flatten() {
                for path in [
                    self.key_journal(&member.sid, key),
                    self.key_done_path(&member.sid, key),
                ] {
                    match std::fs::remove_file(path) {
                        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                        _ => {}
                    }
                }
            }
        }
        std::fs::remove_file(self.plan_path())?;
        for entry in std::fs::read_dir(&self.dir)?.flatten() {
            if is_stray_temporary(&entry.file_name().to_string_lossy()) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        let _ = std::fs::remove_dir(&self.dir);
        Ok(())
    }
}
