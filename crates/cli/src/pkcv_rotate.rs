//! `pkcv rotate`: replace the key pair that signs requests for Public Key
//! Client Validation without an outage, journalled and resumable.
//!
//! ```text
//!  new ──▶ generated ──▶ registered ──▶ delivered ──▶ old deleted ──▶ done
//!   │  (key in the      (public key    (new pair checked;  (after the      (old pair
//!   │   journal)         registered,    key handed over,    go-ahead)       checked refused)
//!   │                    its CR… kept)  gone from journal)
//!   └ checks the current pair, makes or reads the new private key
//! ```
//!
//! Each phase is written (owner-only, atomically) before the change that
//! leaves it, so a run killed anywhere is finished by `--resume`: a register
//! whose answer was lost is found again by the friendly name the journal
//! recorded, a deleted old key answers 404 and counts as deleted. The new
//! private key is in the journal only until the sink has it.
//!
//! Into a secret store (`--sink`), the new pair goes as the fields
//! [`STORE_FIELDS`] (or the private key alone in `#FIELD`), delivered once
//! the new pair was checked, as the version `pkcv-<new CR…>` (a resumed
//! delivery finds it and writes nothing), and made current (AWS:
//! `AWSCURRENT`) when the rotation reaches `delivered`: before the go-ahead,
//! so that `--deploy-wait` and the applications' switch come after it, and
//! before the old public key is deleted.
//!
//! Whether Twilio accepts several registered public keys at once is
//! unconfirmed, and both answers are handled: where it does (the
//! simulator's default), both pairs sign between the register and the
//! delete, and the new pair is checked before anyone depends on it; where it
//! does not, the register is refused, and the rotation stops there having
//! changed nothing (its journal removed, the old pair still signing), and
//! says that such an account cannot replace its pair without an outage
//! (tested with the simulator's `--single-public-key`).

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use serde_json::{Value, json};
use twilio_accounts_core::{
    AccountSid, CreateCredentialPublicKey, CredentialSid, DeleteCredentialPublicKey, FriendlyName,
    ListCredentialPublicKeys,
};
use twilio_accounts_ureq::{Client, PkcvSigner};
use zeroize::Zeroizing;

use crate::args::{Global, PkcvRotateArgs};
use crate::client_setup::{client, client_options, credentials, pkcv_signer};
use crate::outcome::{Exit, Failure};
use crate::report::Report;
use crate::rotate::{duration_word, global_rerun_flags};
use crate::shell_word::Words;
use crate::sink::{Sink, connect_stores, store_failure};
use crate::state_dir::StateDir;
use crate::state_file::{Overwrite, write_secret_file};

const COMMAND: &str = "pkcv rotate";

/// The fields of a key pair in a secret store (`--sink`): the private key
/// (PEM) and the credential SID to sign with.
pub const STORE_FIELDS: &[&str] = &["private_key", "credential_sid"];

/// The store version of the pair whose public key is `new_credential`.
fn store_version(new_credential: &CredentialSid) -> String {
    format!("pkcv-{new_credential}")
}

/// How long the applications get to pick up the new key by default.
const DEFAULT_DEPLOY_WAIT: Duration = Duration::from_secs(60);

/// Where a key-pair rotation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Generated,
    Registered,
    Delivered,
    OldDeleted,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Generated => "generated",
            Phase::Registered => "registered",
            Phase::Delivered => "delivered",
            Phase::OldDeleted => "old_deleted",
        }
    }

    fn parse(name: &str) -> Option<Phase> {
        [
            Phase::Generated,
            Phase::Registered,
            Phase::Delivered,
            Phase::OldDeleted,
        ]
        .into_iter()
        .find(|p| p.name() == name)
    }
}

/// The journal: what was done, and the new private key until delivered.
struct Journal {
    account: AccountSid,
    old_credential: CredentialSid,
    phase: Phase,
    /// The friendly name the new public key is registered under, which
    /// finds it again after a lost answer.
    marker: String,
    new_credential: Option<CredentialSid>,
    new_private_key: Option<Zeroizing<String>>,
    generated: bool,
}

impl Journal {
    fn to_json(&self) -> Zeroizing<Vec<u8>> {
        let value = json!({
            "version": 1,
            "account_sid": self.account.as_str(),
            "old_credential_sid": self.old_credential.as_str(),
            "phase": self.phase.name(),
            "marker": self.marker,
            "new_credential_sid": self.new_credential.as_ref().map(|s| s.as_str().to_owned()),
            "new_private_key": self.new_private_key.as_ref().map(|k| k.as_str()),
            "generated": self.generated,
        });
        Zeroizing::new(value.to_string().into_bytes())
    }

    fn from_json(bytes: &[u8]) -> Option<Journal> {
        let value: Value = serde_json::from_slice(bytes).ok()?;
        let text = |name: &str| value.get(name).and_then(Value::as_str);
        if value.get("version").and_then(Value::as_u64) != Some(1) {
            return None;
        }
        Some(Journal {
            account: AccountSid::parse(text("account_sid")?).ok()?,
            old_credential: CredentialSid::parse(text("old_credential_sid")?).ok()?,
            phase: Phase::parse(text("phase")?)?,
            marker: text("marker")?.to_owned(),
            new_credential: match text("new_credential_sid") {
                Some(sid) => Some(CredentialSid::parse(sid).ok()?),
                None => None,
            },
            new_private_key: text("new_private_key").map(|k| Zeroizing::new(k.to_owned())),
            generated: value.get("generated").and_then(Value::as_bool)?,
        })
    }
}

pub fn rotate(
    global: &Global,
    args: &PkcvRotateArgs,
    report: Report,
    on_command_line: &dyn Fn(&str) -> bool,
) -> ExitCode {
    match run(global, args, report, on_command_line) {
        Ok(()) => Exit::Success.code(),
        Err(failure) => report.fail(COMMAND, &failure),
    }
}

/// A test hook, as `rotate`'s: pause before the N-th step so that a test
/// can SIGKILL the process there. Only in debug builds.
#[cfg(debug_assertions)]
fn pause(index: &mut usize, what: &str) {
    let asked = std::env::var("TWILIO_ACCOUNTS_TEST_PAUSE_BEFORE_ACTION")
        .ok()
        .and_then(|v| v.parse::<usize>().ok());
    if asked == Some(*index) {
        crate::output::err(&format!("test hook: paused before action {index} ({what})"));
        std::thread::sleep(Duration::from_secs(120));
    }
    *index += 1;
}

#[cfg(not(debug_assertions))]
fn pause(_: &mut usize, _: &str) {}

/// The options a later run repeats (the sink, the go-ahead, the state file),
/// and the global ones typed on the command line that say where Twilio is
/// and which pair signs (`global`, from [`global_rerun_flags`]).
fn rerun(args: &PkcvRotateArgs, global: &str) -> String {
    let mut words = Words::default();
    let mut flag = |name: &str, value: Option<String>| words.option(name, value);
    if let Some(path) = &args.state_file {
        flag("--state-file", Some(path.display().to_string()));
    }
    if let Some(path) = &args.to.secret_file {
        flag("--secret-file", Some(path.display().to_string()));
    }
    if let Some(command) = &args.to.secret_exec {
        flag("--secret-exec", Some(command.clone()));
    }
    if let Some(timeout) = args.to.secret_exec_timeout {
        flag("--secret-exec-timeout", Some(duration_word(timeout)));
    }
    if args.to.force {
        flag("--force", None);
    }
    for store in &args.sinks {
        flag("--sink", Some(store.to_arg()));
    }
    if args.yes {
        flag("--yes", None);
    }
    if let Some(wait) = args.deploy_wait {
        flag("--deploy-wait", Some(duration_word(wait)));
    }
    let mut line = words.into_string();
    line.push_str(global);
    line
}

fn run(
    global: &Global,
    args: &PkcvRotateArgs,
    report: Report,
    on_command_line: &dyn Fn(&str) -> bool,
) -> Result<(), Failure> {
    let Some(old_signer) = pkcv_signer(global, report, on_command_line)? else {
        return Err(Failure::usage(
            "`pkcv rotate` replaces the key pair that signs now, and none is given",
        )
        .with_next(
            "give the current pair with --pkcv-private-key PATH and --pkcv-credential-sid CR… (or TWILIO_PKCV_PRIVATE_KEY and TWILIO_PKCV_CREDENTIAL_SID)",
        ));
    };
    let old_credential = *old_signer_sid(&old_signer);
    drop(old_signer);
    let creds = credentials(global, report, on_command_line)?;
    let account = *creds.account_sid();
    // Signs with the current (old) pair.
    let old_client = client(
        client_options(global, report, on_command_line)?,
        creds.clone(),
    )?;
    let stores = connect_stores(&args.sinks)?;
    let sink = Sink::for_secret(&args.to, false)
        .for_account_sid(account)
        .with_stores_holding(&stores, STORE_FIELDS);
    if sink.is_empty() {
        return Err(Failure::usage(
            "the new private key must go somewhere before anything depends on it: choose --secret-file PATH (owner-only), --secret-exec CMD (the key on its stdin) or --sink STORE:WHERE (vault:MOUNT/PATH or aws-sm:SECRET_ID)",
        ));
    }
    let dir = StateDir::open()?;
    let _lock = dir.lock(&account)?;
    let journal_path = args
        .state_file
        .clone()
        .unwrap_or_else(|| dir.path().join(format!("pkcv-rotation-{account}.json")));
    let resume = format!(
        "twilio-accounts pkcv rotate --resume{}",
        rerun(args, &global_rerun_flags(global, on_command_line))
    );
    let existing = match std::fs::read(&journal_path) {
        Ok(bytes) => Some(Journal::from_json(&bytes).ok_or_else(|| {
            Failure::other(format!(
                "{} is not a key-pair rotation journal this version can read",
                journal_path.display()
            ))
        })?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(Failure::other(format!(
                "cannot read {}: {e}",
                journal_path.display()
            )));
        }
    };
    let mut journal = match (args.resume, existing) {
        (true, None) => {
            return Err(Failure::usage(format!(
                "there is no key-pair rotation to resume: {} does not exist",
                journal_path.display()
            )));
        }
        (false, Some(_)) => {
            let mut failure = Failure::usage(format!(
                "a key-pair rotation is already recorded in {}",
                journal_path.display()
            ))
            .with_next(format!("run `{resume}` to finish it"));
            failure.next_command = Some(resume);
            return Err(failure);
        }
        (true, Some(journal)) => {
            if journal.account != account || journal.old_credential != old_credential {
                return Err(Failure::usage(format!(
                    "{} records the rotation of key {} of {}; give that account's credentials and that pair (--pkcv-private-key, --pkcv-credential-sid {})",
                    journal_path.display(),
                    journal.old_credential,
                    journal.account,
                    journal.old_credential
                )));
            }
            report.say(format!(
                "Resuming the key-pair rotation recorded in {}.",
                journal_path.display()
            ));
            sink.begin_stores().map_err(|e| {
                let mut failure =
                    store_failure(&e).with_next(format!("run `{resume}` once it is back"));
                failure.next_command = Some(resume.clone());
                failure
            })?;
            journal
        }
        (false, None) => {
            sink.preflight().map_err(Failure::usage)?;
            // A store that cannot be read stops the rotation before anything
            // changes at Twilio.
            sink.begin_stores().map_err(|e| store_failure(&e))?;
            accepted(&old_client).map_err(|e| {
                Failure::from_error(COMMAND, &e).with_next(
                    "the current pair must be accepted before it is replaced: `twilio-accounts pkcv check` says why not",
                )
            })?;
            let (pem, generated) = new_private_key(args, report)?;
            PkcvSigner::from_pem(pem.as_bytes(), old_credential)
                .map_err(|e| Failure::usage(format!("the new private key: {e}")))?;
            let journal = Journal {
                account,
                old_credential,
                phase: Phase::Generated,
                marker: format!("twilio-accounts pkcv rotate {}", nonce()),
                new_credential: None,
                new_private_key: Some(pem),
                generated,
            };
            keep(&journal_path, &journal)?;
            journal
        }
    };
    let resume_failure = |failure: Failure| {
        let mut failure = failure.with_next(format!("run `{resume}` to continue"));
        failure.next_command = Some(resume.clone());
        failure
    };
    let mut step = 0;
    loop {
        match journal.phase {
            Phase::Generated => {
                pause(&mut step, "register");
                let pem = journal.new_private_key.clone().ok_or_else(lost_key)?;
                let signer = PkcvSigner::from_pem(pem.as_bytes(), old_credential)
                    .map_err(|e| Failure::usage(format!("the new private key: {e}")))?;
                let sid = match registered_as(&old_client, &journal.marker)
                    .map_err(|e| resume_failure(Failure::from_error(COMMAND, &e)))?
                {
                    Some(sid) => sid,
                    None => {
                        let name = FriendlyName::new(journal.marker.clone())
                            .map_err(|e| Failure::other(e.to_string()))?;
                        let create = CreateCredentialPublicKey::new(signer.public_key_pem())
                            .map_err(|e| Failure::other(e.to_string()))?
                            .friendly_name(name);
                        let reply = match old_client.send(&create) {
                            Ok(reply) => reply,
                            Err(e) if register_refused(&e) => {
                                return Err(refused_register(&e, &journal_path, &journal));
                            }
                            Err(e) => return Err(resume_failure(Failure::from_error(COMMAND, &e))),
                        };
                        reply.value.sid.ok_or_else(|| {
                            resume_failure(Failure::other(
                                "Twilio's answer to the register named no credential SID",
                            ))
                        })?
                    }
                };
                report.say(format!("Registered the new public key as {sid}."));
                journal.new_credential = Some(sid);
                journal.phase = Phase::Registered;
                pause(&mut step, "persist registered");
                keep(&journal_path, &journal)?;
            }
            Phase::Registered => {
                let new_credential = journal.new_credential.ok_or_else(lost_key)?;
                let pem = journal.new_private_key.clone().ok_or_else(lost_key)?;
                // The new pair, checked before anything depends on it.
                pause(&mut step, "check the new pair");
                let new_signer = PkcvSigner::from_pem(pem.as_bytes(), new_credential)
                    .map_err(|e| Failure::usage(format!("the new private key: {e}")))?;
                let new_client = client(
                    client_options(global, report, on_command_line)?.with_pkcv(new_signer),
                    creds.clone(),
                )?;
                accepted(&new_client)
                    .map_err(|e| resume_failure(Failure::from_error(COMMAND, &e)))?;
                report.say("A request signed with the new pair is accepted.");
                pause(&mut step, "deliver");
                let held = args
                    .to
                    .secret_file
                    .as_ref()
                    .and_then(|path| std::fs::read(path).ok())
                    .is_some_and(|bytes| bytes == pem.as_bytes());
                let undelivered = |reason: String| {
                    resume_failure(Failure::other(format!(
                        "the new private key could not be handed over: {reason}; it stays in the owner-only journal {} until it is, and its public key stays registered",
                        journal_path.display()
                    )))
                };
                if !held {
                    sink.deliver_secret(
                        pem.as_bytes(),
                        &[
                            ("TWILIO_ACCOUNT_SID", account.as_str()),
                            ("TWILIO_PKCV_CREDENTIAL_SID", new_credential.as_str()),
                        ],
                    )
                    .map_err(undelivered)?;
                }
                // A store that holds this pair already (a resumed delivery)
                // is not written again.
                sink.deliver_to_stores(
                    &[
                        (STORE_FIELDS[0], pem.as_str()),
                        (STORE_FIELDS[1], new_credential.as_str()),
                    ],
                    &store_version(&new_credential),
                )
                .map_err(undelivered)?;
                report.say(format!(
                    "The new private key went to: {}",
                    sink.describe().join(", ")
                ));
                journal.new_private_key = None;
                journal.phase = Phase::Delivered;
                pause(&mut step, "persist delivered");
                keep(&journal_path, &journal)?;
            }
            Phase::Delivered => {
                let new_credential = journal.new_credential.ok_or_else(lost_key)?;
                // The new pair was checked: it becomes what the applications
                // read from a staging store, before the go-ahead.
                pause(&mut step, "make the new pair current in the stores");
                sink.commit_version(&store_version(&new_credential))
                    .map_err(|e| {
                        resume_failure(Failure::other(format!(
                            "the old public key was not deleted: the new pair could not be made the current version in its store ({e}); both pairs still sign"
                        )))
                    })?;
                if !args.yes {
                    let mut failure = Failure::other(format!(
                        "not switched: the applications sign with the old pair until they get the new private key and {new_credential}; nothing was deleted"
                    ))
                    .with_next(format!(
                        "deploy the new private key with --pkcv-credential-sid {new_credential}, then run `{resume} --yes` to delete the old public key"
                    ));
                    failure.next_command = (!resume.contains(" --yes"))
                        .then(|| format!("{resume} --yes"))
                        .or(Some(resume.clone()));
                    return Err(failure);
                }
                let wait = args.deploy_wait.unwrap_or(DEFAULT_DEPLOY_WAIT);
                if !wait.is_zero() {
                    report.say(format!(
                        "Waiting {}s for the applications to switch to the new pair (--deploy-wait).",
                        wait.as_secs()
                    ));
                    std::thread::sleep(wait);
                }
                pause(&mut step, "delete the old public key");
                match old_client.send(&DeleteCredentialPublicKey::new(old_credential)) {
                    Ok(_) => {}
                    // Deleted by an earlier run whose answer was lost, or
                    // refused because it is gone: either way not registered.
                    Err(e) if e.is_not_found() || e.code() == Some(70154) => {}
                    Err(e) => return Err(resume_failure(Failure::from_error(COMMAND, &e))),
                }
                report.say(format!("Deleted the old public key {old_credential}."));
                journal.phase = Phase::OldDeleted;
                pause(&mut step, "persist old deleted");
                keep(&journal_path, &journal)?;
            }
            Phase::OldDeleted => {
                pause(&mut step, "check the old pair");
                let refused = match accepted(&old_client) {
                    Ok(()) => false,
                    Err(e) if e.is_authentication_failed() => true,
                    Err(e) => return Err(resume_failure(Failure::from_error(COMMAND, &e))),
                };
                if !refused {
                    report.warn(
                        "a request signed with the old pair is still accepted (Twilio may take a moment): check again later with `twilio-accounts pkcv check` and the old pair",
                    );
                }
                let new_credential = journal.new_credential.ok_or_else(lost_key)?;
                let _ = std::fs::remove_file(&journal_path);
                report.json(&json!({
                    "command": COMMAND,
                    "ok": true,
                    "account_sid": account.as_str(),
                    "old_credential_sid": old_credential.as_str(),
                    "new_credential_sid": new_credential.as_str(),
                    "generated": journal.generated,
                    "private_key_delivered_to": sink.describe(),
                    "old_pair_refused": refused,
                }));
                report.result(format!(
                    "The key pair is rotated: sign with the new private key and --pkcv-credential-sid {new_credential}; the old public key {old_credential} is deleted{}.",
                    if refused { " and refused" } else { "" }
                ));
                return Ok(());
            }
        }
    }
}

/// Whether Twilio refused the register outright (a 4xx that is not about
/// the credentials or the rate): such a register changed nothing, and
/// trying it again would be refused again.
fn register_refused(error: &twilio_accounts_core::Error) -> bool {
    error.status().is_some_and(|s| s.is_client_error())
        && !error.is_authentication_failed()
        && !error.is_rate_limited()
}

/// A register Twilio refused: nothing of this rotation is registered (the
/// journal's marker was looked for first), so the journal goes, and with it
/// the new private key, which nothing depends on.
///
/// Whether Twilio accepts several registered public keys at once is
/// unconfirmed. If it accepts one only, this is where that shows: the old
/// pair cannot stay valid while the new one is rolled out, so there is no
/// rotation without an outage, and this one stops before changing anything.
fn refused_register(
    error: &twilio_accounts_core::Error,
    journal_path: &Path,
    journal: &Journal,
) -> Failure {
    let removed = std::fs::remove_file(journal_path).is_ok();
    let mut failure = Failure::from_error(COMMAND, error);
    failure.message = format!(
        "Twilio refused to register the new public key ({error}); nothing was changed: the current pair still signs{}",
        if removed {
            format!(", and the journal {} was removed", journal_path.display())
        } else {
            String::new()
        }
    );
    failure.next = Some(format!(
        "if this account accepts only one registered public key at a time (Twilio does not say whether it accepts several), the pair cannot be replaced without an outage: the old key would have to be deleted before the new one is registered, refusing every application that still signs with it; otherwise, fix what the error says and start the rotation again{}",
        if journal.generated {
            ""
        } else {
            " (the --new-private-key file is unchanged)"
        }
    ));
    failure.next_command = None;
    failure
}

fn old_signer_sid(signer: &PkcvSigner) -> &CredentialSid {
    use twilio_accounts_ureq::pkcv::Signer as _;
    signer.credential_sid()
}

fn lost_key() -> Failure {
    Failure::other("the journal lacks what this phase needs (was it edited?)")
}

/// Whether the account accepts the request `verify` sends, signed by `client`.
fn accepted(client: &Client) -> Result<(), twilio_accounts_core::Error> {
    client
        .send(&twilio_accounts_rotation::verify_operation())
        .map(drop)
}

/// The credential SID of a public key registered under `marker`, if any.
fn registered_as(
    client: &Client,
    marker: &str,
) -> Result<Option<CredentialSid>, twilio_accounts_core::Error> {
    for item in client.items(ListCredentialPublicKeys::new()) {
        let item = item?;
        if item.friendly_name.as_deref() == Some(marker) {
            return Ok(item.sid);
        }
    }
    Ok(None)
}

/// Writes the journal owner-only, atomically.
fn keep(path: &Path, journal: &Journal) -> Result<(), Failure> {
    write_secret_file(path, &journal.to_json(), Overwrite::Allow).map_err(|e| {
        Failure::other(format!(
            "cannot write the journal {}: {e}; nothing further was changed",
            path.display()
        ))
    })
}

/// A value that differs between runs, for the friendly name.
fn nonce() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    format!("{:016x}", hasher.finish())
}

/// The new private key: `--new-private-key`, or one made by `openssl`.
fn new_private_key(
    args: &PkcvRotateArgs,
    report: Report,
) -> Result<(Zeroizing<String>, bool), Failure> {
    if let Some(path) = &args.new_private_key {
        let bytes = std::fs::read(path).map(Zeroizing::new).map_err(|e| {
            Failure::usage(format!(
                "cannot read --new-private-key {}: {e}",
                path.display()
            ))
        })?;
        let text = String::from_utf8(bytes.to_vec())
            .map(Zeroizing::new)
            .map_err(|_| Failure::usage(format!("{} is not a PEM file", path.display())))?;
        return Ok((text, false));
    }
    report.say(
        "Making a new RSA 2048 key pair with `openssl genpkey` (--new-private-key PATH takes one of yours instead).",
    );
    let output = std::process::Command::new("openssl")
        .args(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .map_err(|e| {
            Failure::usage(format!("cannot run openssl to make the new key: {e}")).with_next(
                "install openssl, or make an RSA 2048 private key elsewhere and pass it with --new-private-key PATH",
            )
        })?;
    let pem = Zeroizing::new(output.stdout);
    if !output.status.success() {
        return Err(
            Failure::other("`openssl genpkey` failed to make the new key").with_next(
                "make an RSA 2048 private key elsewhere and pass it with --new-private-key PATH",
            ),
        );
    }
    let text = String::from_utf8(pem.to_vec())
        .map(Zeroizing::new)
        .map_err(|_| Failure::other("`openssl genpkey` wrote something that is not PEM"))?;
    Ok((text, true))
}
