//! `rotate --simulate`: the main job against an in-process simulator, with
//! no account and no network (the README's first command). Only in builds
//! with the `simulator` feature (the default).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use twilio_accounts_core::{AuthToken, Credentials, Error};
use twilio_accounts_rotation::RotationConfig;
use twilio_accounts_sim::{SimConfig, Simulator};
use twilio_accounts_ureq::ClientOptions;

use crate::args::{Global, RotateArgs};
use crate::outcome::{Exit, Failure};
use crate::report::Report;
use crate::rotate::{Setting, execute};
use crate::sink::Sink;

/// The default settle with `--simulate`: long enough to show, short enough to wait for.
const SIMULATED_SETTLE: Duration = Duration::from_secs(2);
/// The default deploy wait with `--simulate`.
const SIMULATED_DEPLOY_WAIT: Duration = Duration::from_secs(1);

/// `rotate --simulate`: the whole rotation against a fresh in-process
/// simulator, its token and journal in an owner-only scratch directory.
pub fn run(global: &Global, args: &RotateArgs, report: Report) -> ExitCode {
    if args.sink.is_set()
        || !args.sinks.is_empty()
        || args.state_file.is_some()
        || args.resume
        || args.abandon
    {
        return report.fail(
            "rotate",
            &Failure::usage(
                "--simulate keeps its token and journal in a scratch directory of its own and removes it at the end, so that a simulated token can never replace a real one: drop --token-file, --token-exec, --state-file, --resume and --abandon",
            )
            .with_next("run `twilio-accounts rotate --simulate`"),
        );
    }
    let sim = match Simulator::spawn(SimConfig::default()) {
        Ok(sim) => sim,
        Err(e) => {
            return report.fail(
                "rotate",
                &Failure::other(format!("cannot start the simulator: {e}")),
            );
        }
    };
    report.say(format!(
        "Simulation: a local Twilio Accounts API at {} with a fresh account {}; nothing leaves this machine.",
        sim.base_url(),
        sim.account_sid()
    ));
    let creds = match sim
        .account_sid()
        .parse()
        .map_err(Error::from)
        .and_then(|sid| {
            Ok(Credentials::auth_token(
                sid,
                AuthToken::new(sim.primary_token())?,
            ))
        }) {
        Ok(c) => c,
        Err(e) => return report.fail("rotate", &Failure::from_error("rotate", &e)),
    };
    let old_token = sim.primary_token();
    let mut options = ClientOptions::new().with_base_url(sim.base_url());
    if let Some(timeout) = global.timeout {
        options = options.with_request_timeout(timeout);
    }
    // Owner-only, and removed when this function returns (however it returns).
    let scratch = match Scratch::create(sim.local_addr().port()) {
        Ok(s) => s,
        Err(e) => {
            return report.fail(
                "rotate",
                &Failure::other(format!("cannot create a scratch directory: {e}")),
            );
        }
    };
    let state_file = scratch.0.join("rotation.json");
    let mut sink_args = args.sink.clone();
    sink_args.token_file = Some(scratch.0.join("new-token"));
    let sink = Sink::from_args(&sink_args);
    let config = RotationConfig {
        replace_existing_secondary: args.replace_existing_secondary,
        wait_for_go_ahead: true,
        settle: args.settle.unwrap_or(SIMULATED_SETTLE),
        suppress_email_notification: args.email.value(),
        verify_delay: Duration::from_millis(100),
        ..RotationConfig::default()
    };
    let result = execute(
        options,
        creds,
        config,
        sink,
        state_file,
        args,
        Setting {
            report,
            rerun: String::new(),
            deploy_wait: args.deploy_wait.unwrap_or(SIMULATED_DEPLOY_WAIT),
            simulated: true,
        },
    );
    // Check the outcome against the simulator's own state.
    if result.is_ok() {
        let primary = sim.primary_token();
        let consistent = primary != old_token && sim.secondary_token().is_none();
        report.result(format!(
            "Simulator check: the primary token changed: {}; no secondary token left: {}.",
            yes_no(primary != old_token),
            yes_no(sim.secondary_token().is_none())
        ));
        if !consistent {
            return report.fail(
                "rotate",
                &Failure::other("the simulator's state does not match a finished rotation"),
            );
        }
    }
    sim.shutdown();
    match result {
        Ok(()) => Exit::Success.code(),
        Err(code) => code,
    }
}

/// `--simulate`'s scratch directory: owner-only, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn create(port: u16) -> std::io::Result<Scratch> {
        let path = std::env::temp_dir().join(format!(
            "twilio-accounts-simulate-{}-{port}",
            std::process::id()
        ));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&path)?;
        Ok(Scratch(path))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "NO" }
}
