//! No outage, measured (issue 28): an application that keeps the Auth Token
//! it reads from the `--token-file` for a cache time T keeps working through
//! `twilio-accounts rotate --yes` when `--deploy-wait` is at least T, and has
//! requests refused when the wait is shorter. The application is in
//! `cli/application.rs`; the `stores` target runs it reading from Vault and
//! from AWS Secrets Manager.
//!
//! Each test prints one `no-outage:` line with its figures;
//! `scripts/bench-report` runs this file with `--nocapture` and puts them in
//! BENCH.md.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use twilio_accounts_sim::{SimConfig, Simulator};
use twilio_accounts_ureq::{AccountSid, AuthToken, Credentials};

#[path = "cli/application.rs"]
mod application;
use application::{INSTANCES, Measured, Source, rotate_under_load, with_token};

const BIN: &str = env!("CARGO_BIN_EXE_twilio-accounts");

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "twilio-accounts-cli-no-outage-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The binary, pointed at `sim` through the environment, in `dir`.
fn cli(sim: &Simulator, token: &str, dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        // Journals and locks in the test's own directory, not the user's.
        .env("XDG_STATE_HOME", dir.join(".state"))
        .env("TWILIO_ACCOUNT_SID", sim.account_sid())
        .env("TWILIO_AUTH_TOKEN", token)
        .env("TWILIO_ACCOUNTS_BASE_URL", sim.base_url())
        .stdin(Stdio::null());
    cmd
}

/// `account` with the token in the file, or `None` when it cannot be read
/// or holds no token (a file replaced by rename may be read mid-way).
fn read_token(account: AccountSid, file: &Path) -> Option<Credentials> {
    let text = std::fs::read_to_string(file).ok()?;
    let token = AuthToken::new(text.trim_end()).ok()?;
    Some(Credentials::auth_token(account, token))
}

/// Runs `rotate --yes --force --token-file token --deploy-wait <deploy_wait>
/// --settle 0` while the application reads the file and calls the
/// simulator. Prints the figures on one `no-outage:` line, which
/// `scripts/bench-report` reads (the harness shows it with `--nocapture`).
#[allow(clippy::print_stdout)]
fn rotate_under_load_from_a_file(name: &str, deploy_wait: &str) -> Measured {
    let sim = Simulator::spawn(SimConfig::default()).expect("simulator starts");
    let dir = scratch(name);
    let file = dir.join("token");
    let old = sim.primary_token();
    std::fs::write(&file, format!("{old}\n")).unwrap();
    let source: Source = {
        let file = file.clone();
        let account: AccountSid = sim.account_sid().parse().unwrap();
        Arc::new(move || read_token(account, &file))
    };
    let measured = rotate_under_load(
        &sim,
        source,
        with_token(&sim, &old),
        || with_token(&sim, &sim.primary_token()),
        cli(&sim, &old, &dir)
            .args(["rotate", "--yes", "--force", "--token-file", "token"])
            .args(["--deploy-wait", deploy_wait, "--settle", "0"])
            .stdout(File::create(dir.join("rotate.stdout")).unwrap())
            .stderr(File::create(dir.join("rotate.stderr")).unwrap()),
        &dir.join("rotate.stderr"),
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap().trim_end(),
        sim.primary_token()
    );
    println!("no-outage: deploy_wait={deploy_wait} {measured}");
    let _ = std::fs::remove_dir_all(&dir);
    measured
}

#[test]
fn an_application_caching_its_token_for_less_than_the_deploy_wait_is_never_refused() {
    let measured = rotate_under_load_from_a_file("wait-2s", "2s");
    assert!(
        measured.during_rotation >= 100,
        "too few requests during the rotation to show anything: {measured:?}"
    );
    assert_eq!(measured.refused, 0, "{measured:?}");
    assert_eq!(measured.ended_on_new, INSTANCES as usize, "{measured:?}");
}

#[test]
fn an_application_caching_its_token_for_longer_than_the_deploy_wait_is_refused() {
    let measured = rotate_under_load_from_a_file("wait-0", "0");
    assert!(measured.refused >= 1, "{measured:?}");
}
