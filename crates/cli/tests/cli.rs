//! End-to-end tests of the built `twilio-accounts` binary against the
//! simulator on 127.0.0.1: every command, text and JSON, every exit code, the
//! sinks, and the crash matrix (SIGKILL at every action of a rotation, then
//! `rotate --resume`).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use twilio_accounts_sim::{ExistingSecondary, Fault, Route, SimConfig, Simulator};

const BIN: &str = env!("CARGO_BIN_EXE_twilio-accounts");

/// A rotation that promotes without asking and does not settle, into file `t`.
const ROTATE_YES: &[&str] = &[
    "rotate",
    "--yes",
    "--deploy-wait",
    "0",
    "--settle",
    "0",
    "--token-file",
    "t",
];
/// Its resumption.
const RESUME: &[&str] = &[
    "rotate",
    "--resume",
    "--yes",
    "--deploy-wait",
    "0",
    "--token-file",
    "t",
    "--settle",
    "0",
];

fn sim() -> Simulator {
    Simulator::spawn(SimConfig::default()).expect("simulator starts")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "twilio-accounts-cli-e2e-{}-{name}",
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

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("the binary runs")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> Value {
    let text = stdout(output);
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let doc: Value = serde_json::from_str(lines.next().expect("a JSON document"))
        .unwrap_or_else(|e| panic!("{e}: {text}"));
    assert!(lines.next().is_none(), "exactly one document: {text}");
    doc
}

/// Asserts that `text` contains `needle`, showing `text` when it does not.
fn assert_contains(text: &str, needle: &str) {
    assert!(text.contains(needle), "{needle:?} not in: {text}");
}

fn assert_no_secret(output: &Output, secrets: &[&str]) {
    for secret in secrets {
        assert!(!stdout(output).contains(secret), "stdout leaked a token");
        assert!(!stderr(output).contains(secret), "stderr leaked a token");
    }
}

#[test]
fn rotate_simulate_runs_the_whole_rotation() {
    let dir = scratch("simulate");
    let out = run(Command::new(BIN)
        .current_dir(&dir)
        .env_remove("TWILIO_ACCOUNT_SID")
        .env_remove("TWILIO_AUTH_TOKEN")
        .args(["rotate", "--simulate", "--settle", "0"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    for step in 1..=8 {
        assert!(
            err.contains(&format!("[{step}/9]")),
            "step {step} missing: {err}"
        );
    }
    assert!(err.contains("time per step: 1 "), "{err}");
    // The result is on stdout, the progress on stderr.
    let result = stdout(&out);
    assert!(result.contains("[9/9] done"), "{result}");
    assert!(result.contains("the old token is refused"), "{result}");
    assert!(
        result.contains(
            "Simulator check: the primary token changed: yes; no secondary token left: yes"
        )
    );
}

#[test]
fn rotate_simulate_json_is_one_document_without_the_token() {
    let dir = scratch("simulate-json");
    let out = run(Command::new(BIN).current_dir(&dir).args([
        "rotate",
        "--simulate",
        "--settle",
        "0",
        "--output",
        "json",
    ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["command"], "rotate");
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["simulated"], true);
    assert_eq!(doc["old_token_refused"], true);
    assert_eq!(doc["token"], Value::Null);
    let steps: Vec<u64> = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_u64().unwrap())
        .collect();
    assert_eq!(steps, [1, 2, 3, 4, 5, 6, 7, 9]);
}

#[test]
fn verify_tells_whether_credentials_authenticate() {
    let sim = sim();
    let dir = scratch("verify");
    let ok = run(cli(&sim, &sim.primary_token(), &dir).arg("verify"));
    assert_eq!(code(&ok), 0, "{}", stderr(&ok));
    let bad = run(cli(&sim, "0000000000000000000000000000dead", &dir).arg("verify"));
    assert_eq!(code(&bad), 3);
    assert!(stderr(&bad).contains("20003"), "{}", stderr(&bad));
    let bad =
        run(cli(&sim, "0000000000000000000000000000dead", &dir)
            .args(["verify", "--output", "json"]));
    let doc = json(&bad);
    assert_eq!(doc["authenticated"], false);
    assert_eq!(doc["exit_code"], 3);
    assert_eq!(doc["error"]["kind"], "authentication_failed");
    assert_eq!(doc["error"]["details"]["code"], 20003);
    assert_eq!(
        doc["error"]["details"]["operation"],
        "ListCredentialPublicKey"
    );
}

#[test]
fn secondary_create_needs_a_sink_and_writes_an_owner_only_file() {
    let sim = sim();
    let dir = scratch("create");
    let token = sim.primary_token();
    let out = run(cli(&sim, &token, &dir).args(["secondary", "create"]));
    assert_eq!(code(&out), 2);
    assert_eq!(sim.secondary_token(), None, "nothing was created");

    let out =
        run(cli(&sim, &token, &dir).args(["secondary", "create", "--token-file", "new.token"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let secondary = sim.secondary_token().expect("created");
    let written = std::fs::read_to_string(dir.join("new.token")).unwrap();
    assert_eq!(written.trim_end(), secondary);
    assert_no_secret(&out, &[&secondary, &token]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("new.token"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // An existing file is refused before Twilio is asked for anything.
    let before = sim.requests(Route::CreateSecondary);
    let out =
        run(cli(&sim, &token, &dir).args(["secondary", "create", "--token-file", "new.token"]));
    assert_eq!(code(&out), 2);
    assert_contains(&stderr(&out), "--force");
    assert_eq!(sim.requests(Route::CreateSecondary), before);
    assert_eq!(sim.secondary_token().as_deref(), Some(secondary.as_str()));

    let out = run(cli(&sim, &token, &dir).args([
        "secondary",
        "create",
        "--token-file",
        "new.token",
        "--force",
    ]));
    assert_eq!(code(&out), 0);
    let replaced = std::fs::read_to_string(dir.join("new.token")).unwrap();
    assert_eq!(replaced.trim_end(), sim.secondary_token().unwrap());
}

#[test]
fn token_exec_gets_the_token_on_stdin_and_must_succeed() {
    let sim = sim();
    let dir = scratch("exec");
    let token = sim.primary_token();
    let out = run(cli(&sim, &token, &dir).args([
        "secondary",
        "create",
        "--token-exec",
        "cat > piped.token",
    ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let piped = std::fs::read_to_string(dir.join("piped.token")).unwrap();
    assert_eq!(piped.trim_end(), sim.secondary_token().unwrap());

    // A failing command: nobody has the token, so the secondary is withdrawn.
    let out = run(cli(&sim, &token, &dir).args(["secondary", "create", "--token-exec", "exit 3"]));
    assert_eq!(code(&out), 1);
    assert_eq!(stdout(&out), "");
    assert_eq!(sim.secondary_token(), None);
    assert_contains(&stderr(&out), "could not be handed over");
}

#[test]
fn promote_reveals_only_when_asked_and_reports_nothing_to_promote() {
    let sim = sim();
    let dir = scratch("promote");
    let token = sim.primary_token();
    let out = run(cli(&sim, &token, &dir).arg("promote"));
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert_contains(&stderr(&out), "20404");

    let out = run(cli(&sim, &token, &dir).args(["secondary", "create", "--token-file", "t"]));
    assert_eq!(code(&out), 0);
    let secondary = sim.secondary_token().unwrap();
    let out = run(cli(&sim, &token, &dir).args(["promote", "--output", "json"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["token"], Value::Null);
    assert_no_secret(&out, &[&secondary, &token]);
    assert_eq!(sim.primary_token(), secondary);

    let out = run(cli(&sim, &secondary, &dir).args(["secondary", "create", "--token-file", "u"]));
    assert_eq!(code(&out), 0);
    let next = sim.secondary_token().unwrap();
    let out = run(cli(&sim, &secondary, &dir).args(["promote", "--reveal"]));
    assert_eq!(code(&out), 0);
    assert_eq!(stdout(&out).trim(), next);
}

#[test]
fn secondary_delete_and_its_not_found() {
    let sim = sim();
    let dir = scratch("delete");
    let token = sim.primary_token();
    let out = run(cli(&sim, &token, &dir).args(["secondary", "delete"]));
    assert_eq!(code(&out), 4);
    run(cli(&sim, &token, &dir).args(["secondary", "create", "--token-file", "t"]));
    let out = run(cli(&sim, &token, &dir).args([
        "secondary",
        "delete",
        "--suppress-email",
        "--output",
        "json",
    ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["status"], 204);
    assert_eq!(sim.secondary_token(), None);
}

#[test]
fn rate_limited_after_retries_exits_5() {
    let sim = sim();
    let dir = scratch("ratelimit");
    sim.set_fault(Route::Promote, Fault::RateLimited { retry_after: None }, 10);
    let out = run(cli(&sim, &sim.primary_token(), &dir).arg("promote"));
    assert_eq!(code(&out), 5, "{}", stderr(&out));
    assert!(sim.requests(Route::Promote) > 1, "it was retried");
}

#[test]
fn network_failure_exits_6() {
    let sim = sim();
    let dir = scratch("network");
    let out = run(cli(&sim, &sim.primary_token(), &dir)
        .env("TWILIO_ACCOUNTS_BASE_URL", "http://127.0.0.1:9")
        .args(["verify", "--timeout", "2s"]));
    assert_eq!(code(&out), 6, "{}", stderr(&out));
}

#[test]
fn a_lost_promote_answer_exits_7_and_is_not_repeated() {
    let sim = sim();
    let dir = scratch("unknown");
    let token = sim.primary_token();
    run(cli(&sim, &token, &dir).args(["secondary", "create", "--token-file", "t"]));
    sim.set_fault(Route::Promote, Fault::ApplyThenClose, 1);
    let out = run(cli(&sim, &token, &dir).args(["promote", "--output", "json"]));
    assert_eq!(code(&out), 7, "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["error"]["kind"], "outcome_unknown");
    // A standalone promote has no rotation to resume: the advice is to look.
    let next = doc["error"]["next"].as_str().unwrap();
    assert!(!next.contains("--resume"), "{next}");
    assert_eq!(doc["error"]["next_command"], "twilio-accounts verify");
    assert_eq!(sim.requests(Route::Promote), 1);
}

#[test]
fn usage_errors_exit_2() {
    let dir = scratch("usage");
    let out = run(Command::new(BIN).current_dir(&dir).arg("--no-such-flag"));
    assert_eq!(code(&out), 2);
    let out = run(Command::new(BIN)
        .current_dir(&dir)
        .env_clear()
        .args(["verify", "--region", "au1"]));
    assert_eq!(code(&out), 2);
    let out = run(Command::new(BIN)
        .current_dir(&dir)
        .env_clear()
        .env("TWILIO_ACCOUNT_SID", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        .env("TWILIO_AUTH_TOKEN", "x")
        .env("TWILIO_REGION", "au1")
        .arg("verify"));
    assert_eq!(code(&out), 2);
    assert_contains(&stderr(&out), "TWILIO_EDGE");
    let out = run(Command::new(BIN)
        .current_dir(&dir)
        .env_clear()
        .arg("verify"));
    assert_eq!(code(&out), 2);
    assert_contains(&stderr(&out), "TWILIO_ACCOUNT_SID");
}

#[test]
fn a_secret_on_the_command_line_draws_a_warning_without_echoing_it() {
    let sim = sim();
    let dir = scratch("warn");
    let token = sim.primary_token();
    let out = run(cli(&sim, "unused-env-token", &dir).args(["verify", "--auth-token", &token]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("warning: --auth-token on the command line"));
    assert_no_secret(&out, &[&token]);
}

#[test]
fn a_failing_sink_during_rotation_deletes_the_secondary() {
    let sim = sim();
    let dir = scratch("rotate-sink-fails");
    let token = sim.primary_token();
    let out = run(cli(&sim, &token, &dir).args([
        "rotate",
        "--yes",
        "--deploy-wait",
        "0",
        "--settle",
        "0",
        "--token-exec",
        "exit 1",
    ]));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(sim.secondary_token(), None);
    assert_eq!(sim.primary_token(), token);
}

#[test]
fn rotate_refuses_without_a_sink_and_without_a_terminal_to_confirm() {
    let sim = sim();
    let dir = scratch("rotate-guard");
    let token = sim.primary_token();
    let out = run(cli(&sim, &token, &dir).arg("rotate"));
    assert_eq!(code(&out), 2);
    assert_eq!(sim.requests(Route::Any), 0);
    // No --yes and stdin is not a terminal: stops before promoting, resumable.
    let out = run(cli(&sim, &token, &dir).args(["rotate", "--token-file", "t", "--settle", "0"]));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(sim.primary_token(), token);
    assert!(sim.secondary_token().is_some());
    let out = run(cli(&sim, &token, &dir).args(["rotate", "--token-file", "t", "--settle", "0"]));
    assert_eq!(code(&out), 2, "a rotation in progress is not restarted");
    assert!(stderr(&out).contains("--resume"));
    let out = run(cli(&sim, &token, &dir).args(RESUME));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let file = std::fs::read_to_string(dir.join("t")).unwrap();
    assert_eq!(file.trim_end(), sim.primary_token());
    assert_eq!(sim.secondary_token(), None);
}

#[test]
fn an_existing_secondary_stops_rotation_unless_replacing() {
    let sim = Simulator::spawn(SimConfig {
        existing_secondary: ExistingSecondary::Refuse,
        ..SimConfig::default()
    })
    .unwrap();
    let dir = scratch("existing");
    let token = sim.primary_token();
    run(cli(&sim, &token, &dir).args(["secondary", "create", "--token-file", "other"]));
    let out = run(cli(&sim, &token, &dir).args(ROTATE_YES));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_contains(&stderr(&out), "--replace-existing-secondary");
    // Nothing of that rotation is left, so its journal does not block the advice.
    let out = run(cli(&sim, &token, &dir).args([
        "rotate",
        "--yes",
        "--deploy-wait",
        "0",
        "--settle",
        "0",
        "--token-file",
        "t2",
        "--replace-existing-secondary",
    ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(dir.join("t2")).unwrap().trim_end(),
        sim.primary_token()
    );
}

#[test]
fn lost_answers_during_rotation_are_recovered_in_the_same_run() {
    for route in [Route::CreateSecondary, Route::Promote] {
        let sim = sim();
        let dir = scratch(&format!("lost-{}", route.name()));
        let old = sim.primary_token();
        sim.set_fault(route, Fault::ApplyThenClose, 1);
        let out = run(cli(&sim, &old, &dir).args(ROTATE_YES));
        assert_eq!(code(&out), 0, "{route:?}: {}", stderr(&out));
        let file = std::fs::read_to_string(dir.join("t")).unwrap();
        assert_eq!(file.trim_end(), sim.primary_token(), "{route:?}");
        assert_ne!(sim.primary_token(), old);
        assert_eq!(sim.secondary_token(), None);
        if route == Route::Promote {
            assert_eq!(
                sim.requests(Route::Promote),
                1,
                "the promote was probed, not resent"
            );
        }
    }
}

#[test]
fn the_sim_subcommand_serves_until_terminated() {
    let mut child = Command::new(BIN)
        .args(["sim", "--port", "0", "--seed", "7", "--print-credentials"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(
        first.starts_with("listening on http://127.0.0.1:"),
        "{first}"
    );
    let sid = lines.next().unwrap().unwrap();
    let token = lines.next().unwrap().unwrap();
    let sid = sid.strip_prefix("account_sid=").unwrap().to_owned();
    let token = token.strip_prefix("auth_token=").unwrap().to_owned();
    let url = first.trim_start_matches("listening on ").to_owned();
    let dir = scratch("sim-subcommand");
    let out = run(Command::new(BIN)
        .current_dir(&dir)
        .env_clear()
        .env("TWILIO_ACCOUNT_SID", &sid)
        .env("TWILIO_AUTH_TOKEN", &token)
        .env("TWILIO_ACCOUNTS_BASE_URL", &url)
        .arg("verify"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "SIGTERM stops it cleanly");
}

#[test]
fn completions_print_a_script() {
    let out = run(Command::new(BIN).args(["completions", "bash"]));
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).contains("twilio-accounts"));
}

#[test]
fn webhook_verify_reads_stdin_and_exits_by_validity() {
    // Vector 6 of the shared set: valid with the second token only.
    let input = r#"{"url":"https://api.mycompany.com/sms","params":{"AccountSid":"a&b=c","SmsStatus":"Hello, world!"},"algorithm":"HMAC_SHA256","signature":"fj0vVaPbf8Y0frJcUruih18Q6JbWuT3tflaJIzXmsDY="}"#;
    let verify = |tokens: &[(&str, &str)]| {
        let mut cmd = Command::new(BIN);
        cmd.env_clear()
            .args(["webhook", "verify", "--output", "json"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in tokens {
            cmd.env(name, value).args(["--token-env", name]);
        }
        let mut child = cmd.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = verify(&[
        ("OLD", "69a0c64842056621725666b63bfc386d"),
        ("NEW", "ac03117acc68790302c7ca830c45376a"),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out), serde_json::json!({"valid": true, "matched": 1}));
    let out = verify(&[("OLD", "69a0c64842056621725666b63bfc386d")]);
    assert_eq!(code(&out), 3);
    assert_eq!(
        json(&out),
        serde_json::json!({"valid": false, "matched": null})
    );
}

/// Runs `rotate` with a pause before action `index`, SIGKILLs it there, and
/// returns false when the rotation finished before reaching that action.
fn kill_at(sim: &Simulator, old: &str, dir: &Path, index: usize) -> bool {
    killed_at_pause(
        cli(sim, old, dir).args([
            "rotate",
            "--yes",
            "--deploy-wait",
            "0",
            "--settle",
            "0",
            "--token-file",
            "token",
            "--state-file",
            "state.json",
        ]),
        index,
        Duration::ZERO,
    )
    .is_some()
}

/// Twilio may replace or refuse a second secondary (unconfirmed): the crash
/// matrix runs against both.
fn crash_matrix(existing_secondary: ExistingSecondary) {
    let mut killed_points = 0;
    for index in 0..64 {
        let sim = Simulator::spawn(SimConfig {
            existing_secondary,
            ..SimConfig::default()
        })
        .unwrap();
        let dir = scratch(&format!("crash-{existing_secondary:?}-{index}"));
        let old = sim.primary_token();
        if !kill_at(&sim, &old, &dir, index) {
            break;
        }
        killed_points += 1;
        // The operator runs the same command with --resume (with the old
        // token still in the environment), or starts over when no journal
        // was written yet.
        let resume = dir.join("state.json").exists();
        let mut cmd = cli(&sim, &old, &dir);
        cmd.args([
            "rotate",
            "--yes",
            "--deploy-wait",
            "0",
            "--settle",
            "0",
            "--token-file",
            "token",
            "--state-file",
            "state.json",
        ]);
        if resume {
            cmd.arg("--resume");
        }
        let out = run(&mut cmd);
        assert_eq!(
            code(&out),
            0,
            "killed before action {index}: {}",
            stderr(&out)
        );
        let file = std::fs::read_to_string(dir.join("token")).unwrap();
        assert_eq!(
            file.trim_end(),
            sim.primary_token(),
            "the primary is the sink's token ({index})"
        );
        assert_ne!(sim.primary_token(), old, "{index}");
        assert_eq!(sim.secondary_token(), None, "no secondary left ({index})");
        let refused = run(cli(&sim, &old, &dir).arg("verify"));
        assert_eq!(code(&refused), 3, "the old token is refused ({index})");
        assert!(
            !dir.join("state.json").exists(),
            "the journal is removed when done"
        );
    }
    assert!(killed_points >= 12, "only {killed_points} kill points");
}

#[test]
fn the_crash_matrix_every_action_killed_then_resumed_when_twilio_replaces() {
    crash_matrix(ExistingSecondary::Replace);
}

#[test]
fn the_crash_matrix_every_action_killed_then_resumed_when_twilio_refuses() {
    crash_matrix(ExistingSecondary::Refuse);
}

/// Reads `listening on URL` and the credentials a `sim` process prints
/// (credentials on stderr by default), then stops it.
fn sim_credentials(mut cmd: Command) -> (String, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = out.next().expect("a first line").unwrap();
    assert!(first.starts_with("listening on "), "{first}");
    let mut err = BufReader::new(child.stderr.take().unwrap()).lines();
    let sid = err.next().unwrap().unwrap();
    let token = err.next().unwrap().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    (sid, token)
}

#[test]
fn the_sim_subcommand_never_takes_credentials_from_the_environment() {
    let real_sid = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let real_token = "0123456789abcdef0123456789abcdef";
    let mut cmd = Command::new(BIN);
    cmd.env("TWILIO_ACCOUNT_SID", real_sid)
        .env("TWILIO_AUTH_TOKEN", real_token)
        .args(["sim", "--port", "0"]);
    let (sid, token) = sim_credentials(cmd);
    assert!(sid.starts_with("account_sid=AC"), "{sid}");
    assert_ne!(sid, format!("account_sid={real_sid}"));
    assert!(token.starts_with("auth_token="), "{token}");
    assert!(!token.contains(real_token), "the real token was printed");
    // Its own flags still set them.
    let mut cmd = Command::new(BIN);
    cmd.env("TWILIO_AUTH_TOKEN", real_token).args([
        "sim",
        "--port",
        "0",
        "--auth-token",
        "fedcba9876543210fedcba9876543210",
    ]);
    let (_, token) = sim_credentials(cmd);
    assert_eq!(token, "auth_token=fedcba9876543210fedcba9876543210");
}

#[test]
fn sim_help_lists_only_the_simulator_and_refuses_the_tools_options() {
    for asking in [&["sim", "--help"][..], &["help", "sim"][..]] {
        let out = run(Command::new(BIN).args(asking));
        assert_eq!(code(&out), 0);
        let help = stdout(&out);
        assert!(help.contains("--fault"), "{help}");
        assert!(
            help.contains("Usage: twilio-accounts sim [OPTIONS]"),
            "{help}"
        );
        for global in ["--output", "--base-url", "--api-key", "TWILIO_AUTH_TOKEN]"] {
            assert!(!help.contains(global), "{global} in {asking:?}: {help}");
        }
    }
    let out = run(Command::new(BIN).args(["sim", "--output", "json"]));
    assert_eq!(code(&out), 2);
    assert_eq!(json(&out)["command"], "sim");
    let out = run(Command::new(BIN).args(["--output", "json", "sim"]));
    assert_eq!(code(&out), 2);
    assert_eq!(json(&out)["error"]["kind"], "usage");
}

#[test]
fn help_separates_global_options_and_shows_defaults() {
    let out = run(Command::new(BIN).args(["rotate", "--help"]));
    assert_eq!(code(&out), 0);
    let help = stdout(&out);
    let global = help.find("Global options:").expect("a global heading");
    let own = help.find("--abandon").expect("rotate's own options");
    assert!(own < global, "the command's options come first: {help}");
    assert!(help[global..].contains("--account-sid"), "{help}");
    assert!(!help[..global].contains("--account-sid"), "{help}");
    assert!(help.contains("[default: 60s"), "{help}");
    assert!(help.contains("[default: 30s]"), "{help}");
}

/// The secrets of a simulator, to check that none is printed.
fn secrets(sim: &Simulator) -> Vec<String> {
    let mut all = vec![sim.primary_token()];
    all.extend(sim.secondary_token());
    all
}

#[test]
fn a_failed_sink_never_prints_the_token_and_withdraws_or_rescues_it() {
    let sim = sim();
    let dir = scratch("sink-rescue");
    let token = sim.primary_token();
    let create = |dir: &Path| {
        run(cli(&sim, &token, dir).args([
            "secondary",
            "create",
            "--token-exec",
            "exit 3",
            "--output",
            "json",
            "-vvv",
        ]))
    };
    // Withdrawn: the secondary nobody has is deleted again.
    let out = create(&dir);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["error"]["details"]["secondary_deleted"], true);
    assert_eq!(sim.secondary_token(), None);
    assert_eq!(doc["token"], Value::Null);
    assert_no_secret(&out, &[&token]);

    // The delete fails too: the token goes to an owner-only rescue file.
    sim.set_fault(
        Route::DeleteSecondary,
        Fault::ServerError { status: 503 },
        100,
    );
    let out = create(&dir);
    assert_eq!(code(&out), 8, "{}", stderr(&out));
    let secondary = sim.secondary_token().expect("still there");
    let owned: Vec<String> = secrets(&sim);
    assert_no_secret(&out, &owned.iter().map(String::as_str).collect::<Vec<_>>());
    let doc = json(&out);
    assert_eq!(doc["error"]["kind"], "token_rescued");
    let rescue = dir.join(doc["error"]["details"]["rescue_file"].as_str().unwrap());
    assert_eq!(
        std::fs::read_to_string(&rescue).unwrap().trim_end(),
        secondary
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&rescue).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // A promote cannot be withdrawn: the new primary is rescued.
    let out = run(cli(&sim, &token, &dir).args(["promote", "--token-exec", "exit 1", "-vvv"]));
    assert_eq!(code(&out), 8, "{}", stderr(&out));
    assert_eq!(sim.primary_token(), secondary);
    assert_no_secret(&out, &[&secondary, &token]);
    assert_contains(&stderr(&out), "rescued-token");
}

#[test]
fn a_failed_sink_during_rotation_rescues_the_token_when_the_delete_fails_too() {
    let sim = sim();
    let dir = scratch("rotate-rescue");
    let token = sim.primary_token();
    sim.set_fault(
        Route::DeleteSecondary,
        Fault::ServerError { status: 500 },
        100,
    );
    let out = run(cli(&sim, &token, &dir).args([
        "rotate",
        "--yes",
        "--deploy-wait",
        "0",
        "--settle",
        "0",
        "--token-exec",
        "exit 1",
        "--output",
        "json",
        "-vvv",
    ]));
    assert_eq!(code(&out), 8, "{}", stderr(&out));
    let secondary = sim.secondary_token().expect("the delete failed");
    assert_no_secret(&out, &[&secondary, &token]);
    let doc = json(&out);
    let rescue = dir.join(doc["error"]["details"]["rescue_file"].as_str().unwrap());
    assert_eq!(
        std::fs::read_to_string(rescue).unwrap().trim_end(),
        secondary
    );
    assert_eq!(
        doc["error"]["next_command"],
        "twilio-accounts rotate --abandon"
    );
}

#[test]
fn rotate_abandon_deletes_an_unpromoted_secondary_and_refuses_after_a_promote() {
    let sim = sim();
    let dir = scratch("abandon");
    let token = sim.primary_token();
    let journal = dir.join(format!(".twilio-rotation-{}.json", sim.account_sid()));
    // Declined (no terminal): the new token is a secondary.
    let out = run(cli(&sim, &token, &dir).args(["rotate", "--token-file", "t", "--settle", "0"]));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_contains(&stderr(&out), "rotate --abandon");
    let secondary = sim.secondary_token().unwrap();
    let out = run(cli(&sim, &token, &dir).args(["rotate", "--abandon", "-vvv"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_no_secret(&out, &[&secondary, &token]);
    assert_contains(&stdout(&out), "Abandoned");
    assert_eq!(sim.secondary_token(), None);
    assert_eq!(sim.primary_token(), token);
    assert!(!journal.exists());
    // Nothing blocks a new rotation.
    let out = run(cli(&sim, &token, &dir).args([
        "rotate",
        "--yes",
        "--deploy-wait",
        "0",
        "--settle",
        "0",
        "--token-file",
        "t",
        "--force",
    ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    // Once a promote may have happened, abandoning is refused with the reason.
    let current = sim.primary_token();
    std::fs::write(
        &journal,
        format!(
            r#"{{"version":1,"account_sid":"{}","phase":"promoting","old_token":"{token}","new_token":"{current}"}}"#,
            sim.account_sid()
        ),
    )
    .unwrap();
    let before = sim.requests(Route::Any);
    let out = run(cli(&sim, &current, &dir).args(["rotate", "--abandon", "--output", "json"]));
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let doc = json(&out);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("promote may have happened"),
        "{doc}"
    );
    assert_eq!(sim.requests(Route::Any), before, "nothing was sent");
    assert!(journal.exists());
    assert_no_secret(&out, &[&token, &current]);

    // `secondary delete` tells about the journal it finds.
    run(cli(&sim, &current, &dir).args(["secondary", "create", "--token-file", "u"]));
    let out = run(cli(&sim, &current, &dir).args(["secondary", "delete"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_contains(&stderr(&out), "rotate --resume");
}

#[test]
fn sink_and_state_file_are_checked_before_twilio_is_asked() {
    let sim = sim();
    let dir = scratch("preflight");
    let token = sim.primary_token();
    for args in [
        &["--token-file", "/nonexistent-dir/tok.txt"][..],
        &[
            "--token-file",
            "t",
            "--state-file",
            "/nonexistent-dir/state.json",
        ][..],
    ] {
        let out = run(cli(&sim, &token, &dir)
            .args(["rotate", "--yes", "--deploy-wait", "0", "--settle", "0"])
            .args(args));
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert_contains(&stderr(&out), "/nonexistent-dir");
        assert_eq!(sim.requests(Route::Any), 0, "{args:?}");
    }
    let out = run(cli(&sim, &token, &dir).args([
        "secondary",
        "create",
        "--token-file",
        "/nonexistent-dir/tok.txt",
    ]));
    assert_eq!(code(&out), 2);
    assert_eq!(sim.requests(Route::Any), 0);
}

/// The words `sh` makes of `line`, for the quoting the CLI's advice uses:
/// spaces split, `'…'` quotes (with `'\''` for a quote inside), `\` escapes.
fn sh_words(line: &str) -> Vec<String> {
    let (mut words, mut word, mut started) = (Vec::new(), String::new(), false);
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' if started => {
                words.push(std::mem::take(&mut word));
                started = false;
            }
            ' ' => {}
            '\'' => {
                started = true;
                word.extend(chars.by_ref().take_while(|&c| c != '\''));
            }
            '\\' => {
                started = true;
                word.extend(chars.next());
            }
            c => {
                started = true;
                word.push(c);
            }
        }
    }
    if started {
        words.push(word);
    }
    words
}

#[test]
fn advice_is_split_into_words_as_sh_would() {
    let cases: [(&str, &[&str]); 4] = [
        ("a b  c", &["a", "b", "c"]),
        (
            "x --token-exec 'cat > t'",
            &["x", "--token-exec", "cat > t"],
        ),
        (r"'it'\''s' ''", &["it's", ""]),
        (r"a\ b", &["a b"]),
    ];
    for (line, expected) in cases {
        assert_eq!(sh_words(line), expected, "{line}");
    }
}

/// A failure whose JSON `next_command` is run exactly as printed, and what
/// must hold after.
struct AdviceCase {
    name: &'static str,
    config: SimConfig,
    /// Set up the simulator (faults, a secondary) before the failing command.
    prepare: fn(&Simulator, &str, &Path),
    failing: &'static [&'static str],
    exit: i32,
    /// What the advice must not send people to.
    not_in_next: &'static [&'static str],
    /// What the advised command exits with.
    then_exit: i32,
    check: fn(&Simulator, &str, &Path),
}

fn nothing(_: &Simulator, _: &str, _: &Path) {}

/// Rotated, and the token file `t` holds the new primary.
fn rotated(sim: &Simulator, old: &str, dir: &Path) {
    assert_ne!(sim.primary_token(), old, "rotated");
    assert_eq!(sim.secondary_token(), None);
    let file = std::fs::read_to_string(dir.join("t")).unwrap_or_default();
    assert_eq!(
        file.trim_end(),
        sim.primary_token(),
        "the sink holds the primary"
    );
}

/// Runs `command` (a line of advice) as `sh` would, in `dir`, with the
/// environment the failing command had.
fn run_advice(sim: &Simulator, token: &str, dir: &Path, command: &str) -> Output {
    let words = sh_words(command);
    match words[0].as_str() {
        "twilio-accounts" => run(cli(sim, token, dir).args(&words[1..])),
        // Moving a damaged state file aside.
        "mv" => run(Command::new("mv").current_dir(dir).args(&words[1..])),
        other => panic!("advice runs {other:?}: {command}"),
    }
}

/// A rotation that promotes after the go-ahead given in advance, with no
/// waits, into file `t`.
const ROTATE: &[&str] = &[
    "rotate",
    "--yes",
    "--deploy-wait",
    "0",
    "--settle",
    "0",
    "--token-file",
    "t",
];

#[test]
fn every_failure_gives_advice_that_works_when_run_exactly_as_printed() {
    let cases = [
        AdviceCase {
            name: "declined at the go-ahead without a terminal",
            config: SimConfig::default(),
            prepare: nothing,
            failing: &[
                "rotate",
                "--settle",
                "0",
                "--deploy-wait",
                "0",
                "--token-file",
                "t",
            ],
            exit: 1,
            not_in_next: &["secondary delete"],
            then_exit: 0,
            check: rotated,
        },
        AdviceCase {
            name: "the secondary of a declined rotation was deleted by hand",
            config: SimConfig::default(),
            prepare: |sim, token, dir| {
                run(cli(sim, token, dir).args(["rotate", "--settle", "0", "--token-file", "t"]));
                run(cli(sim, token, dir).args(["secondary", "delete"]));
            },
            failing: RESUME,
            exit: 3,
            not_in_next: &["--resume"],
            then_exit: 0,
            check: |sim, old, _| {
                assert_eq!(sim.primary_token(), old);
                assert_eq!(sim.secondary_token(), None);
            },
        },
        AdviceCase {
            name: "a secondary exists",
            config: SimConfig {
                existing_secondary: ExistingSecondary::Refuse,
                ..SimConfig::default()
            },
            prepare: |sim, token, dir| {
                run(cli(sim, token, dir).args(["secondary", "create", "--token-file", "other"]));
            },
            failing: ROTATE,
            exit: 1,
            not_in_next: &["--resume"],
            then_exit: 0,
            check: rotated,
        },
        AdviceCase {
            name: "the sink failed",
            config: SimConfig::default(),
            prepare: nothing,
            // Fails once, as a store that was briefly down: the advice repeats
            // this sink, and works once the cause is gone.
            failing: &[
                "rotate",
                "--yes",
                "--deploy-wait",
                "0",
                "--settle",
                "0",
                "--token-exec",
                "if [ -e up ]; then cat > t; else touch up; exit 1; fi",
            ],
            exit: 1,
            not_in_next: &["--resume"],
            then_exit: 0,
            check: rotated,
        },
        AdviceCase {
            name: "the sink and the delete failed",
            config: SimConfig::default(),
            prepare: |sim, _, _| {
                // Every attempt of the one delete (the default policy makes 4).
                sim.set_fault(
                    Route::DeleteSecondary,
                    Fault::ServerError { status: 500 },
                    4,
                )
            },
            failing: &[
                "rotate",
                "--yes",
                "--deploy-wait",
                "0",
                "--settle",
                "0",
                "--token-exec",
                "exit 1",
            ],
            exit: 8,
            not_in_next: &["--resume"],
            then_exit: 0,
            check: |sim, old, _| {
                assert_eq!(sim.secondary_token(), None, "abandoned");
                assert_eq!(sim.primary_token(), old);
            },
        },
        AdviceCase {
            name: "promote rate limited",
            config: SimConfig::default(),
            prepare: |sim, _, _| {
                sim.set_fault(Route::Promote, Fault::RateLimited { retry_after: None }, 4)
            },
            failing: ROTATE,
            exit: 5,
            not_in_next: &["secondary delete"],
            then_exit: 0,
            check: rotated,
        },
        AdviceCase {
            name: "promote answered 500 again and again",
            config: SimConfig::default(),
            prepare: |sim, _, _| {
                sim.set_fault(Route::Promote, Fault::ServerError { status: 500 }, 4)
            },
            failing: ROTATE,
            exit: 10,
            not_in_next: &["bug", "secondary delete"],
            then_exit: 0,
            check: rotated,
        },
        AdviceCase {
            name: "create answered 503 again and again",
            config: SimConfig::default(),
            prepare: |sim, _, _| {
                sim.set_fault(
                    Route::CreateSecondary,
                    Fault::ServerError { status: 503 },
                    4,
                )
            },
            failing: ROTATE,
            exit: 10,
            not_in_next: &["bug", "--resume"],
            then_exit: 0,
            check: rotated,
        },
        AdviceCase {
            name: "a damaged state file",
            config: SimConfig::default(),
            prepare: |_, _, dir| {
                std::fs::write(dir.join("s.json"), b"{\"version\": 3, \"phase\": ").unwrap();
            },
            failing: &[
                "rotate",
                "--yes",
                "--deploy-wait",
                "0",
                "--settle",
                "0",
                "--token-file",
                "t",
                "--state-file",
                "s.json",
            ],
            exit: 2,
            not_in_next: &["rm "],
            // Moved aside, kept.
            then_exit: 0,
            check: |_, _, dir| {
                assert!(dir.join("s.json.damaged").exists(), "kept");
                assert!(!dir.join("s.json").exists());
            },
        },
        AdviceCase {
            name: "promote with nothing to promote",
            config: SimConfig::default(),
            prepare: nothing,
            failing: &["promote"],
            exit: 4,
            not_in_next: &["--resume"],
            then_exit: 0,
            check: |sim, old, dir| {
                let created =
                    std::fs::read_to_string(dir.join("twilio-secondary-token.txt")).unwrap();
                assert_eq!(sim.secondary_token().as_deref(), Some(created.trim_end()));
                assert_eq!(sim.primary_token(), old);
            },
        },
        AdviceCase {
            name: "a standalone promote whose answer was lost",
            config: SimConfig::default(),
            prepare: |sim, token, dir| {
                run(cli(sim, token, dir).args(["secondary", "create", "--token-file", "s"]));
                sim.set_fault(Route::Promote, Fault::ApplyThenClose, 1);
            },
            failing: &["promote"],
            exit: 7,
            not_in_next: &["--resume"],
            // The old credentials are refused: the promote happened, as the advice says.
            then_exit: 3,
            check: |sim, old, _| assert_ne!(sim.primary_token(), old),
        },
    ];
    for case in cases {
        let sim = Simulator::spawn(case.config).unwrap();
        let dir = scratch(&format!("advice-{}", case.name.replace(' ', "-")));
        let token = sim.primary_token();
        (case.prepare)(&sim, &token, &dir);
        let out = run(cli(&sim, &token, &dir)
            .args(case.failing)
            .args(["--output", "json"]));
        assert_eq!(code(&out), case.exit, "{}: {}", case.name, stdout(&out));
        assert_no_secret(&out, &[&token]);
        let doc = json(&out);
        let next = doc["error"]["next"].as_str().unwrap_or_default();
        for wrong in case.not_in_next {
            assert!(!next.contains(wrong), "{}: {next}", case.name);
        }
        let command = doc["error"]["next_command"]
            .as_str()
            .unwrap_or_else(|| panic!("{}: no next command in {doc}", case.name));
        assert!(next.contains(command), "{}: {next} / {command}", case.name);
        let out = run_advice(&sim, &token, &dir, command);
        let mut exit = code(&out);
        if sh_words(command)[0] == "mv" {
            assert_eq!(exit, 0, "{}: {}", case.name, stderr(&out));
            // Then the same command again, as the advice says.
            exit = code(&run(cli(&sim, &token, &dir).args(case.failing)));
        }
        assert_eq!(
            exit,
            case.then_exit,
            "{}: {command}: {}",
            case.name,
            stderr(&out)
        );
        (case.check)(&sim, &token, &dir);
    }
}

#[test]
fn single_call_advice_fits_the_command() {
    let sim = sim();
    let dir = scratch("single-advice");
    let token = sim.primary_token();
    let next = |args: &[&str]| {
        let out = run(cli(&sim, &token, &dir)
            .args(args)
            .args(["--output", "json"]));
        assert_eq!(code(&out), 4, "{args:?}: {}", stdout(&out));
        json(&out)["error"]["next"].as_str().unwrap().to_owned()
    };
    let wrong_path = format!("{}/v1", sim.base_url());
    let verify = next(&["verify", "--base-url", &wrong_path]);
    assert!(!verify.contains("create"), "{verify}");
    assert!(verify.contains("--base-url"), "{verify}");
    let delete = next(&["secondary", "delete"]);
    assert!(!delete.contains("create"), "{delete}");
    assert!(delete.contains("nothing to delete"), "{delete}");
}

#[test]
fn json_output_is_one_document_even_for_usage_errors() {
    let dir = scratch("json-usage");
    let secret = "0123456789abcdef0123456789abcdef";
    for args in [
        &["verify", "--frobnicate", "--output", "json"][..],
        &["rotate", "--settle", "abc", "--output", "json"][..],
        &["rotate", "--settle", "16m", "--output=json"][..],
        &["secondary", "--output", "json"][..],
        &[
            "--output",
            "json",
            "-vvv",
            "verify",
            "--auth-token",
            secret,
            "extra",
        ][..],
    ] {
        let out = run(Command::new(BIN)
            .current_dir(&dir)
            .env_clear()
            .env("TWILIO_AUTH_TOKEN", secret)
            .args(args));
        assert_eq!(code(&out), 2, "{args:?}");
        let doc = json(&out);
        assert_eq!(doc["ok"], false, "{args:?}");
        assert_eq!(doc["exit_code"], 2);
        assert_eq!(doc["error"]["kind"], "usage");
        assert_no_secret(&out, &[secret]);
    }
    // Help stays text.
    let out = run(Command::new(BIN).args(["verify", "--help", "--output", "json"]));
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).starts_with("Tell whether"), "{}", stdout(&out));
}

#[test]
fn text_results_go_to_stdout_and_progress_to_stderr() {
    let sim = sim();
    let dir = scratch("streams");
    let token = sim.primary_token();
    let out = run(cli(&sim, &token, &dir).arg("verify"));
    assert!(
        stdout(&out).starts_with("The credentials authenticate"),
        "{}",
        stdout(&out)
    );
    assert_eq!(stderr(&out), "");
    let out = run(cli(&sim, &token, &dir).args(["secondary", "create", "--token-file", "t"]));
    assert!(
        stdout(&out).starts_with("Created a secondary"),
        "{}",
        stdout(&out)
    );
    assert_contains(&stderr(&out), "The token went to");
}

#[test]
fn the_settle_step_is_reported_with_its_real_reason() {
    let sim = sim();
    let dir = scratch("settle-reason");
    let token = sim.primary_token();
    let out = run(cli(&sim, &token, &dir).args(["rotate", "--token-file", "t", "--settle", "60"]));
    assert_eq!(code(&out), 1, "declined: {}", stderr(&out));
    assert!(!stderr(&out).contains("[8/9]"), "{}", stderr(&out));
    let out = run(cli(&sim, &token, &dir).args(RESUME));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_contains(&stderr(&out), "skipped (settle period 0)");
}

#[test]
// The note says why a sub-check was skipped on a machine without that shell.
#[allow(clippy::print_stderr)]
fn bash_completes_options_after_a_subcommand() {
    let out = run(Command::new(BIN).args(["completions", "bash"]));
    assert_eq!(code(&out), 0);
    let dir = scratch("completions");
    let script = dir.join("twilio-accounts.bash");
    std::fs::write(&script, stdout(&out)).unwrap();
    let complete = |words: &str, cword: usize| {
        let program = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD={cword}; _twilio__accounts twilio-accounts \"${{COMP_WORDS[$COMP_CWORD]}}\" \"${{COMP_WORDS[$COMP_CWORD-1]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        );
        stdout(&run(Command::new("bash").args(["--norc", "-c", &program])))
    };
    let reply = complete("twilio-accounts rotate --se", 2);
    assert!(reply.lines().any(|l| l == "--settle"), "{reply}");
    let reply = complete("twilio-accounts secondary c", 2);
    assert!(reply.lines().any(|l| l == "create"), "{reply}");
    for (shell, checker) in [("zsh", "zsh"), ("fish", "fish")] {
        let out = run(Command::new(BIN).args(["completions", shell]));
        assert_eq!(code(&out), 0);
        assert!(stdout(&out).contains("twilio-accounts"), "{shell}");
        let path = dir.join(format!("script.{shell}"));
        std::fs::write(&path, stdout(&out)).unwrap();
        match Command::new(checker).arg("-n").arg(&path).output() {
            Ok(check) => assert!(check.status.success(), "{shell}: {}", stderr(&check)),
            Err(_) => eprintln!("note: {checker} is not installed; its script was only generated"),
        }
    }
    // fish can also complete for real, where it is installed.
    let fish = format!(
        "source {}; complete -C 'twilio-accounts rotate --se'",
        dir.join("script.fish").display()
    );
    if let Ok(out) = Command::new("fish").args(["-c", &fish]).output() {
        assert_contains(&stdout(&out), "--settle");
    }
}

#[test]
fn errors_name_the_real_source_of_a_setting() {
    let sim = sim();
    let dir = scratch("sources");
    let token = sim.primary_token();
    // A bad --account-sid is named as such, not as the variable it overrides.
    let out = run(cli(&sim, &token, &dir).args(["verify", "--account-sid", "ACnope"]));
    assert_eq!(code(&out), 2);
    assert_contains(&stderr(&out), "--account-sid");
    assert!(
        !stderr(&out).contains("TWILIO_ACCOUNT_SID"),
        "{}",
        stderr(&out)
    );
    // Plain http off loopback: the advice names an option that exists.
    let out = run(cli(&sim, &token, &dir).args(["verify", "--base-url", "http://192.0.2.1:9"]));
    assert_eq!(code(&out), 2);
    assert_contains(&stderr(&out), "--allow-plain-http");
    let out = run(cli(&sim, &token, &dir).args([
        "verify",
        "--base-url",
        "http://192.0.2.1:9",
        "--allow-plain-http",
        "--timeout",
        "1s",
    ]));
    assert_ne!(code(&out), 2, "{}", stderr(&out));
    assert_contains(&stderr(&out), "warning: --allow-plain-http");
    // An explicit region beats TWILIO_ACCOUNTS_BASE_URL; two explicit choices conflict.
    let before = sim.requests(Route::Any);
    let out = run(cli(&sim, &token, &dir).args([
        "verify",
        "--region",
        "au1",
        "--edge",
        "sydney",
        "--timeout",
        "1s",
    ]));
    assert_ne!(code(&out), 0);
    assert_eq!(
        sim.requests(Route::Any),
        before,
        "the simulator was not asked"
    );
    let out = run(cli(&sim, &token, &dir).args([
        "verify",
        "--region",
        "au1",
        "--edge",
        "sydney",
        "--base-url",
        &sim.base_url(),
    ]));
    assert_eq!(code(&out), 2);
    assert_contains(&stderr(&out), "give one");
}

#[test]
fn one_v_shows_this_tools_events_and_three_the_transports() {
    let sim = sim();
    let dir = scratch("verbosity");
    let token = sim.primary_token();
    let out = run(cli(&sim, &token, &dir).args(["verify", "-v"]));
    assert_eq!(code(&out), 0);
    assert_contains(&stderr(&out), "response");
    // Only the tool's own request events (ureq's own records have no method= field).
    for line in stderr(&out).lines() {
        assert!(line.contains("method="), "not this tool's event: {line}");
    }
    let out = run(cli(&sim, &token, &dir).args(["verify", "-vvv"]));
    assert_eq!(code(&out), 0);
    assert_contains(&stderr(&out), "ureq");
    assert_no_secret(&out, &[&token]);
}

#[test]
fn ctrl_c_during_the_settle_wait_says_what_was_kept_and_exits_130() {
    let sim = sim();
    let dir = scratch("sigint");
    let token = sim.primary_token();
    let mut child = cli(&sim, &token, &dir)
        .args([
            "rotate",
            "--yes",
            "--deploy-wait",
            "0",
            "--token-file",
            "t",
            "--settle",
            "60",
            "-vvv",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (seen, rest, exit) = interrupt_at(&mut child, "settling:");
    assert_eq!(exit, Some(130), "{seen}{rest}");
    assert!(rest.contains("interrupted"), "{rest}");
    assert!(rest.contains("rotate --resume"), "{rest}");
    let new = sim.primary_token();
    assert!(!rest.contains(&new) && !rest.contains(&token) && !seen.contains(&new));
    // The advice works: resuming finishes the rotation.
    let out = run(cli(&sim, &token, &dir).args(RESUME));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

/// Ctrl-C typed at the promote prompt, on a real terminal: `script` gives the
/// binary a pseudo-terminal, and the ^C byte written to it becomes SIGINT
/// through the terminal's line discipline, as when a person presses it.
#[test]
fn ctrl_c_at_the_promote_prompt_says_what_was_kept_and_exits_130() {
    let sim = sim();
    let dir = scratch("sigint-prompt");
    let token = sim.primary_token();
    let (mut child, mut out, seen) =
        at_the_prompt(&sim, &token, &dir, "rotate --token-file t --settle 0 -vvv");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"\x03").unwrap();
    stdin.flush().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{seen}{rest}");
    assert!(rest.contains("interrupted"), "{rest}");
    assert!(rest.contains("rotate --resume"), "{rest}");
    let new = std::fs::read_to_string(dir.join("t")).unwrap();
    assert!(!seen.contains(new.trim()) && !rest.contains(new.trim()) && !rest.contains(&token));
    // The advice works: resuming (now with --yes) finishes the rotation.
    let out = run(cli(&sim, &token, &dir).args(RESUME));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(sim.primary_token(), new.trim());
}

#[test]
fn rotate_refuses_reveal_and_changes_nothing() {
    let sim = sim();
    let dir = scratch("no-reveal");
    let token = sim.primary_token();
    for args in [
        &["rotate", "--yes", "--reveal"][..],
        &["rotate", "--resume", "--reveal"],
        &["rotate", "--simulate", "--reveal"],
    ] {
        let out = run(cli(&sim, &token, &dir).args(args));
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert_contains(&stderr(&out), "does not print the new token");
        assert_contains(&stderr(&out), "--token-file PATH");
        assert!(stdout(&out).is_empty());
    }
    assert_eq!(sim.primary_token(), token);
    assert_eq!(sim.secondary_token(), None, "nothing was created");
}

#[test]
fn a_second_rotation_of_the_same_account_is_refused_from_any_directory() {
    let sim = sim();
    let first = scratch("lock-first");
    let second = scratch("lock-second");
    let token = sim.primary_token();
    let state_home = first.join(".state");
    // The first run holds the lock, paused before its first action.
    let mut child = cli(&sim, &token, &first)
        .env("TWILIO_ACCOUNTS_TEST_PAUSE_BEFORE_ACTION", "0")
        .args(ROTATE)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let seen = read_until(&mut err, "test hook: paused");
    assert!(seen.contains("test hook: paused"), "{seen}");
    // The second, from another directory with another journal, same user.
    let out = run(cli(&sim, &token, &second)
        .env("XDG_STATE_HOME", &state_home)
        .args(ROTATE)
        .args(["--state-file", "elsewhere.json", "--output", "json"]));
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(code(&out), 11, "{}", stdout(&out));
    let doc = json(&out);
    assert_eq!(doc["error"]["kind"], "busy");
    let message = doc["error"]["message"].as_str().unwrap();
    assert_contains(message, &format!("process {}", child.id()));
    assert_eq!(
        sim.secondary_token(),
        None,
        "the second run changed nothing"
    );
    assert!(!second.join("t").exists() && !second.join("elsewhere.json").exists());
    // Once the first is gone, the lock is free again.
    let out = run(cli(&sim, &token, &second)
        .env("XDG_STATE_HOME", &state_home)
        .args(ROTATE)
        .args(["--state-file", "elsewhere.json"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn the_state_directory_is_owner_only_and_refused_when_others_may_write() {
    use std::os::unix::fs::PermissionsExt;
    let sim = sim();
    let dir = scratch("state-dir");
    let token = sim.primary_token();
    let out = run(cli(&sim, &token, &dir).args(ROTATE));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let state = dir.join(".state/twilio-accounts");
    let mode = std::fs::metadata(&state).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    assert!(
        !state
            .join(format!("rotation-{}.json", sim.account_sid()))
            .exists(),
        "removed when done"
    );
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o777)).unwrap();
    let token = sim.primary_token();
    let out = run(cli(&sim, &token, &dir)
        .args(ROTATE)
        .arg("--force")
        .args(["--output", "json"]));
    assert_eq!(code(&out), 2);
    let doc = json(&out);
    assert_contains(
        doc["error"]["message"].as_str().unwrap(),
        "may be written by other users",
    );
    // The advice runs as printed, and then the rotation does.
    let command = doc["error"]["next"].as_str().unwrap();
    assert_contains(command, "chmod 700");
    std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o700)).unwrap();
    let out = run(cli(&sim, &token, &dir).args(ROTATE).arg("--force"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn a_token_file_changed_before_the_promote_stops_it() {
    let sim = sim();
    let dir = scratch("file-changed");
    let token = sim.primary_token();
    // Declined (no terminal): the new token is in `t`, a secondary.
    let out = run(cli(&sim, &token, &dir).args(["rotate", "--settle", "0", "--token-file", "t"]));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    // Someone puts another token in the file meanwhile.
    let other = "0123456789abcdef0123456789abcdef";
    std::fs::write(dir.join("t"), format!("{other}\n")).unwrap();
    let out = run(cli(&sim, &token, &dir).args(RESUME));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_contains(&stderr(&out), "no longer holds the new token");
    assert_eq!(sim.primary_token(), token, "not promoted");
    assert_eq!(
        std::fs::read_to_string(dir.join("t")).unwrap(),
        format!("{other}\n"),
        "the file was left alone"
    );
}

#[test]
fn a_secondary_created_during_the_go_ahead_is_not_promoted() {
    let sim = sim();
    let dir = scratch("outside-secondary");
    let token = sim.primary_token();
    let (mut child, mut out, seen) =
        at_the_prompt(&sim, &token, &dir, "rotate --token-file t --settle 0");
    // A colleague (or the Console) creates a secondary: it replaces ours.
    let made = run(cli(&sim, &token, &dir).args(["secondary", "create", "--token-file", "theirs"]));
    assert_eq!(code(&made), 0, "{}", stderr(&made));
    let theirs = std::fs::read_to_string(dir.join("theirs")).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"promote\n").unwrap();
    stdin.flush().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(3), "{seen}{rest}");
    assert!(rest.contains("not promoted"), "{rest}");
    assert_eq!(
        sim.primary_token(),
        token,
        "the old token is still the primary"
    );
    assert_eq!(
        sim.secondary_token().as_deref(),
        Some(theirs.trim()),
        "theirs is untouched"
    );
}

#[test]
fn token_exec_gets_no_twilio_secret_and_a_time_limit() {
    let sim = sim();
    let dir = scratch("exec-env");
    let token = sim.primary_token();
    let out = run(cli(&sim, &token, &dir)
        .env("TWILIO_API_SECRET", "not-for-the-child")
        .args(["rotate", "--yes", "--deploy-wait", "0", "--settle", "0"])
        .args(["--token-exec", "env > env.txt; cat > t"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let env = std::fs::read_to_string(dir.join("env.txt")).unwrap();
    assert!(!env.contains(&token), "the old token reached the child");
    assert!(!env.contains("not-for-the-child"));
    assert!(!env.contains("TWILIO_AUTH_TOKEN") && !env.contains("TWILIO_ACCOUNTS_BASE_URL"));
    assert_contains(&env, &format!("TWILIO_ACCOUNT_SID={}", sim.account_sid()));
    // A command that hangs is stopped, and the secondary withdrawn.
    let token = sim.primary_token();
    let started = Instant::now();
    let out = run(cli(&sim, &token, &dir)
        .args(["rotate", "--yes", "--deploy-wait", "0", "--settle", "0"])
        .args(["--token-exec", "sleep 30", "--token-exec-timeout", "500ms"]));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_contains(&stderr(&out), "did not finish within 0.5s");
    assert_eq!(sim.secondary_token(), None, "withdrawn");
    assert_eq!(sim.primary_token(), token);
}

#[test]
fn simulate_keeps_to_its_own_scratch_directory() {
    let sim = sim();
    let dir = scratch("simulate-sinks");
    std::fs::write(dir.join("real-token"), "real\n").unwrap();
    for extra in [
        &["--token-file", "real-token", "--force"][..],
        &["--token-exec", "cat > real-token"],
        &["--state-file", "real.json"],
    ] {
        let out = run(cli(&sim, "unused", &dir)
            .args(["rotate", "--simulate"])
            .args(extra));
        assert_eq!(code(&out), 2, "{extra:?}");
        assert_contains(&stderr(&out), "scratch directory of its own");
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("real-token")).unwrap(),
        "real\n"
    );
}

#[test]
fn a_closed_pipe_or_a_full_disk_on_stdout_is_an_exit_code_not_a_panic() {
    let dir = scratch("closed-stdout");
    // A full disk (every write fails with ENOSPC), and a pipe whose reader is
    // gone before anything is written (EPIPE).
    let (reader, closed_pipe) = std::io::pipe().unwrap();
    drop(reader);
    let full_disk = std::fs::File::create("/dev/full").unwrap();
    for stdout_to in [Stdio::from(full_disk), Stdio::from(closed_pipe)] {
        let out = run(Command::new(BIN)
            .current_dir(&dir)
            .env("XDG_STATE_HOME", dir.join(".state"))
            .args([
                "rotate",
                "--simulate",
                "--settle",
                "0",
                "--deploy-wait",
                "0",
            ])
            .stdout(stdout_to));
        assert_eq!(code(&out), 12, "{}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
        assert_contains(&stderr(&out), "could not be written to standard output");
    }
}

/// `args` started on a pseudo-terminal, read up to its promote prompt: the
/// child, its terminal output from there on, and what it printed before.
fn at_the_prompt(
    sim: &Simulator,
    token: &str,
    dir: &Path,
    args: &str,
) -> (
    std::process::Child,
    BufReader<std::process::ChildStdout>,
    String,
) {
    let mut child = cli_on_a_terminal(sim, token, dir, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("util-linux `script` runs");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let seen = read_until(&mut out, "Type `promote`");
    assert!(seen.contains("Type `promote`"), "no prompt: {seen}");
    (child, out, seen)
}

/// The lines of `from` up to the first that contains `needle` (or the end),
/// bounded: what a test waits for comes within the first few dozen lines.
/// Waits (bounded) for `marker` on the child's stderr, sends it SIGINT as
/// Ctrl-C would, and returns what it printed before and after, and its exit
/// code.
fn interrupt_at(child: &mut std::process::Child, marker: &str) -> (String, String, Option<i32>) {
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let seen = read_until(&mut err, marker);
    assert!(seen.contains(marker), "{seen}");
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    (seen, rest, child.wait().unwrap().code())
}

fn read_until(from: &mut impl BufRead, needle: &str) -> String {
    let mut seen = String::new();
    for _ in 0..200 {
        let mut line = String::new();
        if from.read_line(&mut line).unwrap_or(0) == 0 || line.contains(needle) {
            seen.push_str(&line);
            break;
        }
        seen.push_str(&line);
    }
    seen
}

/// The binary with `args`, pointed at `sim` as [`cli`] does, run through
/// util-linux `script` (-q quiet, -e its exit code, -f flush at once), which
/// gives it a pseudo-terminal for stdin, stdout and stderr.
fn cli_on_a_terminal(sim: &Simulator, token: &str, dir: &Path, args: &str) -> Command {
    let mut cmd = Command::new("script");
    cmd.args(["-qefc", &format!("'{BIN}' {args}"), "/dev/null"])
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("XDG_STATE_HOME", dir.join(".state"))
        .env("TWILIO_ACCOUNT_SID", sim.account_sid())
        .env("TWILIO_AUTH_TOKEN", token)
        .env("TWILIO_ACCOUNTS_BASE_URL", sim.base_url());
    cmd
}

// ---------------------------------------------------------------------------
// The rest of Accounts v1: `call` and the resource commands.
// ---------------------------------------------------------------------------

/// AWS's documented example key: the secret that must never be printed.
const AWS_CREDENTIALS: &str = "AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const AWS_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
/// An RSA 2048 public key (Twilio's published example, from its Public Key
/// Client Validation guide): what `credentials public-keys create` takes.
const PUBLIC_KEY: &str = include_str!("data/public_key_2048.pem");
const CONSENT: &str = r#"{"contact_id":"+18005550100","correlation_id":"ad388b5a46b33b874b0d41f7226db2ef","sender_id":"MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","status":"opt-in","source":"website"}"#;
const CONTACT: &str = r#"{"contact_id":"+18005550100","correlation_id":"ad388b5a46b33b874b0d41f7226db2ef","country_iso_code":"US","zip_code":"94105"}"#;

/// `args` with `--output json`, run against `sim` with its current primary token.
fn json_run(sim: &Simulator, dir: &Path, args: &[&str]) -> (i32, Value, Output) {
    let out = run(cli(sim, &sim.primary_token(), dir)
        .env("AWS_CREDENTIALS", AWS_CREDENTIALS)
        .args(args)
        .args(["--output", "json"]));
    let doc = json(&out);
    (code(&out), doc, out)
}

/// The success document of `call` and every resource command has exactly
/// these keys.
fn assert_success_shape(doc: &Value, command: &str, operation: &str, status: u64) {
    let mut keys: Vec<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "command",
            "ok",
            "operation",
            "request_id",
            "status",
            "value"
        ],
        "{doc}"
    );
    assert_eq!(doc["command"], command, "{doc}");
    assert_eq!(doc["ok"], true, "{doc}");
    assert_eq!(doc["operation"], operation, "{doc}");
    assert_eq!(doc["status"], status, "{doc}");
    assert!(
        doc["request_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("RQ")),
        "{doc}"
    );
}

#[test]
fn call_reaches_every_registered_operation_with_the_specified_document() {
    let sim = sim();
    let dir = scratch("call-every");
    // In order; `{pk}` / `{aws}` become the SID the row marked `Some(slot)` created.
    #[rustfmt::skip]
    let table: &[(&str, &[&str], u64, Option<&str>)] = &[
        ("CreateCredentialPublicKey", &["--param", &format!("PublicKey={PUBLIC_KEY}"), "--param", "FriendlyName=k"], 201, Some("{pk}")),
        ("ListCredentialPublicKey", &["--param", "PageSize=5"], 200, None),
        ("FetchCredentialPublicKey", &["--param", "Sid={pk}"], 200, None),
        ("UpdateCredentialPublicKey", &["--param", "Sid={pk}", "--param", "FriendlyName=k2"], 200, None),
        ("DeleteCredentialPublicKey", &["--param", "Sid={pk}"], 204, None),
        ("CreateCredentialAws", &["--param-env", "Credentials=AWS_CREDENTIALS"], 201, Some("{aws}")),
        ("ListCredentialAws", &[], 200, None),
        ("FetchCredentialAws", &["--param", "Sid={aws}"], 200, None),
        ("UpdateCredentialAws", &["--param", "Sid={aws}", "--param", "FriendlyName=a"], 200, None),
        ("DeleteCredentialAws", &["--param", "Sid={aws}"], 204, None),
        ("CreateSafelist", &["--param", "PhoneNumber=+18001234567"], 201, None),
        ("FetchSafelist", &["--param", "PhoneNumber=+18001234567"], 200, None),
        ("DeleteSafelist", &["--param", "PhoneNumber=+18001234567"], 204, None),
        ("FetchMessagingGeopermissions", &["--param", "CountryCode=GB"], 200, None),
        ("UpdateMessagingGeopermissions", &["--param", r#"Permissions={"country_code":"GB","enabled":true}"#], 200, None),
        ("CreateBulkConsents", &["--param", &format!("Items={CONSENT}")], 201, None),
        ("CreateBulkContacts", &["--param", &format!("Items={CONTACT}")], 201, None),
        ("CreateSecondaryAuthToken", &["--reveal"], 201, None),
        ("DeleteSecondaryAuthToken", &[], 204, None),
        ("CreateSecondaryAuthToken", &["--reveal", "--param", "SuppressEmailNotification=true"], 201, None),
        ("UpdateAuthTokenPromotion", &["--reveal"], 200, None),
        ("ListAccount", &["--param", "PageSize=1"], 200, None),
        ("FetchAccount", &["--reveal", "--param", "Sid={account}"], 200, None),
        // Names two APIs share are given qualified; a key's create needs --reveal.
        ("iam.v1.CreateNewKey", &["--reveal", "--param", "AccountSid={account}"], 201, Some("{iam}")),
        ("ListGetKeys", &["--param", "AccountSid={account}"], 200, None),
        ("iam.v1.FetchKey", &["--param", "Sid={iam}"], 200, None),
        ("iam.v1.UpdateKey", &["--param", "Sid={iam}", "--param", "FriendlyName=i"], 200, None),
        ("iam.v1.DeleteKey", &["--param", "Sid={iam}"], 204, None),
        ("api.v2010.CreateNewKey", &["--reveal", "--param", "AccountSid={account}"], 201, Some("{sk}")),
        ("ListKey", &["--param", "AccountSid={account}"], 200, None),
        ("api.v2010.FetchKey", &["--param", "AccountSid={account}", "--param", "Sid={sk}"], 200, None),
        ("api.v2010.UpdateKey", &["--param", "AccountSid={account}", "--param", "Sid={sk}", "--param", "FriendlyName=k"], 200, None),
        ("api.v2010.DeleteKey", &["--param", "AccountSid={account}", "--param", "Sid={sk}"], 204, None),
        ("CreateNewSigningKey", &["--reveal", "--param", "AccountSid={account}"], 201, Some("{sg}")),
        ("ListSigningKey", &["--param", "AccountSid={account}"], 200, None),
        ("FetchSigningKey", &["--param", "AccountSid={account}", "--param", "Sid={sg}"], 200, None),
        ("UpdateSigningKey", &["--param", "AccountSid={account}", "--param", "Sid={sg}", "--param", "FriendlyName=s"], 200, None),
        ("DeleteSigningKey", &["--param", "AccountSid={account}", "--param", "Sid={sg}"], 204, None),
    ];
    let info = |name: &str| twilio_accounts_core::operations::lookup(name).unwrap();
    let mut covered: Vec<String> = table
        .iter()
        .map(|row| info(row.0).qualified_name())
        .collect();
    covered.sort_unstable();
    covered.dedup();
    let mut registered: Vec<String> = twilio_accounts_core::OPERATIONS
        .iter()
        .map(|o| o.qualified_name())
        .collect();
    registered.sort_unstable();
    assert_eq!(covered, registered, "every registered operation has a row");

    let mut slots: Vec<(&str, String)> = vec![("{account}", sim.account_sid())];
    for (operation, params, status, slot) in table {
        let args: Vec<String> = params
            .iter()
            .map(|p| {
                slots
                    .iter()
                    .fold(p.to_string(), |p, (name, sid)| p.replace(name, sid))
            })
            .collect();
        let mut all = vec!["call", operation];
        all.extend(args.iter().map(String::as_str));
        let (exit, doc, out) = json_run(&sim, &dir, &all);
        assert_eq!(exit, 0, "{operation}: {doc} {}", stderr(&out));
        assert_success_shape(&doc, "call", info(operation).id, *status);
        if let Some(slot) = slot {
            slots.push((slot, doc["value"]["sid"].as_str().unwrap().to_owned()));
        }
        assert_no_secret(&out, &[AWS_SECRET]);
    }
    // The revealed values are the simulator's: the promoted token is now the primary.
    assert_eq!(sim.secondary_token(), None);
}

#[test]
fn call_refuses_unknown_operations_and_parameters_listing_the_valid_ones() {
    let sim = sim();
    let dir = scratch("call-unknown");
    let out = run(cli(&sim, &sim.primary_token(), &dir).args(["call", "FetchCredentialAWS"]));
    assert_eq!(code(&out), 2);
    for info in twilio_accounts_core::OPERATIONS {
        assert_contains(&stderr(&out), info.id);
    }
    let (exit, doc, _) = json_run(
        &sim,
        &dir,
        &["call", "FetchSafelist", "--param", "Number=+18001234567"],
    );
    assert_eq!(exit, 2);
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["error"]["kind"], "usage");
    assert_eq!(
        doc["error"]["message"],
        "FetchSafelist takes no parameter `Number`; it takes: PhoneNumber"
    );
    // A parameter without `=` is refused without being echoed (it may be a secret).
    let out = run(cli(&sim, &sim.primary_token(), &dir).args([
        "call",
        "CreateCredentialAws",
        "--param",
        AWS_CREDENTIALS,
    ]));
    assert_eq!(code(&out), 2);
    assert_no_secret(&out, &[AWS_SECRET]);
    assert_eq!(sim.requests(Route::Any), 0, "nothing was sent");
}

#[test]
fn call_reads_one_page_unless_all_and_stops_at_the_limit() {
    let sim = sim();
    let dir = scratch("call-all");
    for _ in 0..3 {
        let (exit, _, out) = json_run(
            &sim,
            &dir,
            &[
                "credentials",
                "aws",
                "create",
                "--credentials-env",
                "AWS_CREDENTIALS",
            ],
        );
        assert_eq!(exit, 0, "{}", stderr(&out));
    }
    let items = |doc: &Value| doc["value"]["items"].as_array().unwrap().len();
    let one = ["call", "ListCredentialAws", "--param", "PageSize=1"];
    let (_, doc, _) = json_run(&sim, &dir, &one);
    assert_success_shape(&doc, "call", "ListCredentialAws", 200);
    assert_eq!(items(&doc), 1);
    assert!(doc["value"]["next_page_url"].is_string(), "{doc}");

    let before = sim.requests(Route::ListAws);
    let (_, doc, _) = json_run(&sim, &dir, &[&one[..], &["--all"]].concat());
    assert_eq!(items(&doc), 3);
    assert_eq!(doc["value"]["next_page_url"], Value::Null);
    assert_eq!(
        sim.requests(Route::ListAws) - before,
        3,
        "one request per page"
    );

    let (_, doc, _) = json_run(&sim, &dir, &[&one[..], &["--limit", "2"]].concat());
    assert_eq!(items(&doc), 2);
    assert!(
        doc["value"]["next_page_url"].is_string(),
        "the limit fell on a page boundary"
    );
    // A limit inside a page drops the rest of it, so no link is given that
    // would skip them.
    let (_, doc, _) = json_run(
        &sim,
        &dir,
        &[
            "call",
            "ListCredentialAws",
            "--param",
            "PageSize=2",
            "--limit",
            "1",
        ],
    );
    assert_eq!(items(&doc), 1);
    assert_eq!(doc["value"]["next_page_url"], Value::Null);

    let (exit, doc, _) = json_run(
        &sim,
        &dir,
        &[
            "call",
            "FetchSafelist",
            "--all",
            "--param",
            "PhoneNumber=+18001234567",
        ],
    );
    assert_eq!(exit, 2, "{doc}");
}

#[test]
fn a_private_key_or_garbage_is_never_uploaded_as_a_public_key() {
    let sim = sim();
    let dir = scratch("public-key-refused");
    let private = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n";
    // (the file, what the error must say)
    let cases = [
        (private, "PRIVATE key"),
        ("ssh-rsa AAAAB3NzaC1yc2E me@host\n", "not a PEM public key"),
    ];
    for (content, says) in cases {
        std::fs::write(dir.join("key.pem"), content).unwrap();
        let (exit, doc, out) = json_run(
            &sim,
            &dir,
            &[
                "credentials",
                "public-keys",
                "create",
                "--public-key-file",
                "key.pem",
            ],
        );
        assert_eq!(exit, 2, "{doc}");
        let message = doc["error"]["message"].as_str().unwrap();
        assert_contains(message, says);
        assert_contains(message, "openssl pkey");
        assert!(!stdout(&out).contains("MIIEvQ"), "the key is not echoed");
    }
    assert_eq!(sim.requests(Route::CreatePublicKey), 0, "nothing was sent");
}

#[test]
fn a_read_that_answers_with_the_token_is_redacted_not_refused() {
    let sim = sim();
    let dir = scratch("read-redacted");
    let token = sim.primary_token();
    let sid = sim.account_sid();
    let (exit, doc, out) = json_run(
        &sim,
        &dir,
        &["call", "FetchAccount", "--param", &format!("Sid={sid}")],
    );
    assert_eq!(exit, 0, "{}", stderr(&out));
    assert_eq!(doc["value"]["sid"], sid.as_str());
    assert_no_secret(&out, &[&token]);
    let (exit, doc, _) = json_run(
        &sim,
        &dir,
        &[
            "call",
            "FetchAccount",
            "--param",
            &format!("Sid={sid}"),
            "--reveal",
        ],
    );
    assert_eq!(exit, 0);
    assert_eq!(doc["value"]["auth_token"], token.as_str());
}

#[test]
fn server_text_cannot_drive_the_terminal() {
    let sim = sim();
    let dir = scratch("terminal-escapes");
    let name = "evil\x1b]0;pwned\x07\x1b[2Jname";
    let (exit, _, out) = json_run(
        &sim,
        &dir,
        &[
            "credentials",
            "aws",
            "create",
            "--credentials-env",
            "AWS_CREDENTIALS",
            "--friendly-name",
            name,
        ],
    );
    assert_eq!(exit, 0, "{}", stderr(&out));
    let out = run(cli(&sim, &sim.primary_token(), &dir).args(["credentials", "aws", "list"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let shown = stdout(&out);
    assert!(
        !shown.contains('\x1b') && !shown.contains('\x07'),
        "{shown:?}"
    );
    assert_contains(&shown, r"evil\u{1b}]0;pwned\u{7}\u{1b}[2Jname");
}

#[test]
fn secrets_in_a_base_url_or_an_exec_command_are_not_echoed() {
    let sim = sim();
    let dir = scratch("secrets-in-messages");
    let token = sim.primary_token();
    let out = run(cli(&sim, &token, &dir).args([
        "verify",
        "--base-url",
        "https://user:hunter2@example.com",
    ]));
    assert_eq!(code(&out), 2);
    assert!(!stderr(&out).contains("hunter2"), "{}", stderr(&out));
    assert_contains(&stderr(&out), "https://***@example.com");
    let out = run(cli(&sim, &token, &dir)
        .args([
            "rotate",
            "--yes",
            "--deploy-wait",
            "0",
            "--settle",
            "0",
            "-vv",
        ])
        .args([
            "--token-exec",
            "cat > t; : --password=hunter2",
            "--output",
            "json",
        ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stdout(&out).contains("hunter2") && !stderr(&out).contains("hunter2"));
    assert_eq!(
        json(&out)["token_delivered_to"][0],
        "command `cat` (--token-exec; its arguments not shown)"
    );
}

#[test]
fn usage_errors_do_not_list_options_taken_from_the_environment() {
    let sim = sim();
    let dir = scratch("usage-env");
    let out = run(cli(&sim, &sim.primary_token(), &dir)
        .env("TWILIO_PKCV_PRIVATE_KEY", "key.pem")
        .env(
            "TWILIO_PKCV_CREDENTIAL_SID",
            "CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        )
        .args(["rotate", "--resume", "--abandon"]));
    assert_eq!(code(&out), 2);
    let usage = stderr(&out);
    assert_contains(&usage, "Usage: twilio-accounts rotate");
    for option in [
        "--auth-token",
        "--account-sid",
        "--base-url",
        "--pkcv-private-key",
        "--pkcv-credential-sid",
    ] {
        assert!(!usage.contains(option), "{option} in {usage}");
    }
}

#[test]
fn with_both_credentials_in_the_environment_it_says_which_it_uses() {
    let sim = sim();
    let dir = scratch("both-credentials");
    let out = run(cli(&sim, &sim.primary_token(), &dir)
        .env("TWILIO_API_KEY", "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        .env("TWILIO_API_SECRET", "a-secret-of-the-key")
        .arg("verify"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_contains(&stderr(&out), "using the Auth Token");
    assert!(!stderr(&out).contains("a-secret-of-the-key"));
}

#[test]
fn a_create_answered_with_a_server_error_says_to_look_before_creating_again() {
    let sim = sim();
    let dir = scratch("ambiguous-create");
    sim.set_fault(Route::CreateAws, Fault::ServerError { status: 500 }, 1);
    let (exit, doc, _) = json_run(
        &sim,
        &dir,
        &[
            "credentials",
            "aws",
            "create",
            "--credentials-env",
            "AWS_CREDENTIALS",
            "--friendly-name",
            "x",
        ],
    );
    assert_ne!(exit, 0);
    let next = doc["error"]["next"].as_str().unwrap();
    assert_contains(next, "may have been created");
    let command = doc["error"]["next_command"].as_str().unwrap();
    assert_eq!(command, "twilio-accounts credentials aws list");
    // It runs as printed.
    let out = run(cli(&sim, &sim.primary_token(), &dir).args(&sh_words(command)[1..]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn call_prints_a_new_token_only_with_reveal() {
    let sim = sim();
    let dir = scratch("call-reveal");
    let (exit, doc, _) = json_run(&sim, &dir, &["call", "CreateSecondaryAuthToken"]);
    assert_eq!(exit, 2, "{doc}");
    assert_contains(doc["error"]["next"].as_str().unwrap(), "--reveal");
    assert_eq!(
        sim.secondary_token(),
        None,
        "nothing was created that nobody has"
    );

    let (exit, doc, out) = json_run(
        &sim,
        &dir,
        &["call", "CreateSecondaryAuthToken", "--reveal"],
    );
    assert_eq!(exit, 0, "{}", stderr(&out));
    let secondary = sim.secondary_token().expect("created");
    assert_eq!(doc["value"]["secondary_auth_token"], secondary.as_str());
}

#[test]
fn secrets_never_reach_stdout_or_stderr_even_at_the_highest_verbosity() {
    let sim = sim();
    let dir = scratch("aws-secret");
    let token = sim.primary_token();
    let mut stdin_run = cli(&sim, &token, &dir)
        .args([
            "-vvv",
            "credentials",
            "aws",
            "create",
            "--credentials-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(stdin_run.stdin.take().unwrap(), "{AWS_CREDENTIALS}").unwrap();
    let piped = stdin_run.wait_with_output().unwrap();
    let cases: [(&str, Output); 3] = [
        ("stdin", piped),
        (
            "env",
            run(cli(&sim, &token, &dir)
                .env("AWS_CREDENTIALS", AWS_CREDENTIALS)
                .args([
                    "-vvv",
                    "credentials",
                    "aws",
                    "create",
                    "--credentials-env",
                    "AWS_CREDENTIALS",
                ])),
        ),
        (
            "command line",
            run(cli(&sim, &token, &dir).args([
                "-vvv",
                "call",
                "CreateCredentialAws",
                "--param",
                &format!("Credentials={AWS_CREDENTIALS}"),
            ])),
        ),
    ];
    for (how, out) in &cases {
        assert_eq!(code(out), 0, "{how}: {}", stderr(out));
        assert_no_secret(out, &[AWS_SECRET, &token]);
        assert_contains(&stderr(out), "twilio_accounts_client");
        let warned = stderr(out).contains("visible to other users");
        assert_eq!(warned, *how == "command line", "{how}: {}", stderr(out));
    }
    assert_eq!(sim.requests(Route::CreateAws), 3);
}

/// One lifecycle per credential resource: create three, fetch, rename, list
/// them one per page, delete, and the deleted one is not found.
#[test]
fn credential_resources_live_through_create_fetch_update_list_delete() {
    let sim = sim();
    let dir = scratch("credential-lifecycle");
    let key_file = dir.join("key.pem");
    std::fs::write(&key_file, PUBLIC_KEY).unwrap();
    let key_file = key_file.display().to_string();
    #[rustfmt::skip]
    let table: [(&str, [&str; 2], Route, &str); 2] = [
        ("aws", ["--credentials-env", "AWS_CREDENTIALS"], Route::ListAws, "Aws"),
        ("public-keys", ["--public-key-file", &key_file], Route::ListPublicKeys, "PublicKey"),
    ];
    for (kind, material, list_route, id) in table {
        let command = |action: &str| format!("credentials {kind} {action}");
        let mut sids = Vec::new();
        for name in ["first", "second", "third"] {
            let (exit, doc, out) = json_run(
                &sim,
                &dir,
                &[
                    &["credentials", kind, "create"],
                    &material[..],
                    &["--friendly-name", name],
                ]
                .concat(),
            );
            assert_eq!(exit, 0, "{kind}: {}", stderr(&out));
            assert_success_shape(
                &doc,
                &command("create"),
                &format!("CreateCredential{id}"),
                201,
            );
            assert_eq!(doc["value"]["friendly_name"], name);
            sids.push(doc["value"]["sid"].as_str().unwrap().to_owned());
        }
        let sid = sids[0].as_str();
        let (_, doc, _) = json_run(&sim, &dir, &["credentials", kind, "fetch", sid]);
        assert_success_shape(
            &doc,
            &command("fetch"),
            &format!("FetchCredential{id}"),
            200,
        );
        assert_eq!(doc["value"]["sid"], sid);

        let (_, doc, _) = json_run(
            &sim,
            &dir,
            &[
                "credentials",
                kind,
                "update",
                sid,
                "--friendly-name",
                "renamed",
            ],
        );
        assert_success_shape(
            &doc,
            &command("update"),
            &format!("UpdateCredential{id}"),
            200,
        );
        assert_eq!(doc["value"]["friendly_name"], "renamed");

        let before = sim.requests(list_route);
        let (_, doc, _) = json_run(
            &sim,
            &dir,
            &["credentials", kind, "list", "--page-size", "1"],
        );
        let listed: Vec<&str> = doc["value"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["sid"].as_str().unwrap())
            .collect();
        assert_eq!(
            listed,
            sids.iter().map(String::as_str).collect::<Vec<_>>(),
            "{kind}"
        );
        assert!(
            sim.requests(list_route) - before >= 3,
            "{kind}: paged one by one"
        );
        let (_, doc, _) = json_run(
            &sim,
            &dir,
            &[
                "credentials",
                kind,
                "list",
                "--page-size",
                "1",
                "--limit",
                "2",
            ],
        );
        assert_eq!(doc["value"]["items"].as_array().unwrap().len(), 2);

        let (exit, doc, _) = json_run(&sim, &dir, &["credentials", kind, "delete", sid]);
        assert_eq!(exit, 0, "{doc}");
        assert_success_shape(
            &doc,
            &command("delete"),
            &format!("DeleteCredential{id}"),
            204,
        );
        assert_eq!(doc["value"], Value::Null);

        let (exit, doc, _) = json_run(&sim, &dir, &["credentials", kind, "fetch", sid]);
        assert_eq!(exit, 4, "{doc}");
        assert_eq!(doc["error"]["kind"], "not_found");
        assert_eq!(doc["error"]["details"]["code"], 20404);
        let next = doc["error"]["next"].as_str().unwrap();
        assert_contains(next, &format!("`twilio-accounts credentials {kind} list`"));
        // That advice works from here: the list answers, without the deleted one.
        let (exit, doc, _) = json_run(&sim, &dir, &["credentials", kind, "list"]);
        assert_eq!(exit, 0);
        assert_eq!(doc["value"]["items"].as_array().unwrap().len(), 2);
    }
}

#[test]
fn lists_print_as_aligned_tables() {
    let sim = sim();
    let dir = scratch("table");
    for name in ["a", "a much longer name"] {
        let (exit, _, _) = json_run(
            &sim,
            &dir,
            &[
                "credentials",
                "aws",
                "create",
                "--credentials-env",
                "AWS_CREDENTIALS",
                "--friendly-name",
                name,
            ],
        );
        assert_eq!(exit, 0);
    }
    let out = run(cli(&sim, &sim.primary_token(), &dir).args(["credentials", "aws", "list"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "a header and a row per credential: {text}");
    let column = lines[0].find("  SID ").expect("a SID column") + 2;
    for row in &lines[1..] {
        assert_eq!(row.get(column..column + 2), Some("CR"), "aligned: {text}");
    }
    assert_contains(lines[0], "FRIENDLY_NAME");
}

#[test]
fn safelist_adds_checks_and_removes_a_number() {
    let sim = sim();
    let dir = scratch("safelist");
    #[rustfmt::skip]
    let steps: [(&str, i32, &str); 5] = [
        ("add", 0, "CreateSafelist"),
        ("check", 0, "FetchSafelist"),
        ("remove", 0, "DeleteSafelist"),
        ("check", 4, "FetchSafelist"),
        ("remove", 4, "DeleteSafelist"),
    ];
    for (action, exit, operation) in steps {
        let (got, doc, out) = json_run(&sim, &dir, &["safelist", action, "+18001234567"]);
        assert_eq!(got, exit, "{action}: {doc}");
        if exit == 0 {
            assert_eq!(doc["operation"], operation);
        } else if action == "check" {
            // "Not in the list" is the answer, not an error.
            assert_eq!(doc["operation"], operation);
            assert_eq!(doc["found"], false);
            assert!(doc["error"].is_null(), "{doc}");
            assert!(!stderr(&out).contains("error"));
        } else {
            assert_eq!(doc["error"]["details"]["operation"], operation);
        }
    }
    let (_, doc, _) = json_run(&sim, &dir, &["safelist", "add", "+18001234xxx"]);
    assert_eq!(
        doc["value"]["phone_number"], "+18001234xxx",
        "a range of 1,000"
    );
}

#[test]
fn bad_input_is_refused_naming_the_parameter_before_anything_is_sent() {
    let sim = sim();
    let dir = scratch("bad-input");
    let items = dir.join("items.json");
    std::fs::write(&items, format!("[{CONSENT}, [1]]")).unwrap();
    let not_json = dir.join("broken.json");
    std::fs::write(&not_json, "[{").unwrap();
    let items = items.display().to_string();
    let not_json = not_json.display().to_string();
    #[rustfmt::skip]
    let cases: [(&[&str], &str); 7] = [
        (&["safelist", "add", "18001234567"], "CreateSafelist: parameter `PhoneNumber`: a phone number must be in E.164 form"),
        (&["credentials", "aws", "fetch", "CRx"], "FetchCredentialAws: parameter `Sid`: credential SID must be 34 characters"),
        (&["credentials", "aws", "update", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "--friendly-name", "x"], "parameter `Sid`: credential SID must start with CR"),
        (&["consents", "bulk", "--file", &items], "CreateBulkConsents: parameter `Items` element 2: must be a JSON object"),
        (&["contacts", "bulk", "--file", &not_json], "is not JSON (line 1, column 2)"),
        (&["geo-permissions", "set", "US=yes"], "each permission is COUNTRY=on or COUNTRY=off"),
        (&["geo-permissions", "show", "USA"], "parameter `CountryCode`: must be two ASCII letters"),
    ];
    for (args, message) in cases {
        let (exit, doc, _) = json_run(&sim, &dir, args);
        assert_eq!(exit, 2, "{args:?}: {doc}");
        assert_contains(doc["error"]["message"].as_str().unwrap(), message);
    }
    assert_eq!(sim.requests(Route::Any), 0, "nothing was sent");
}

#[test]
fn geo_permissions_show_and_set_and_report_refused_countries() {
    let sim = sim();
    let dir = scratch("geo");
    let enabled = |doc: &Value| doc["value"]["permissions"][0]["enabled"].clone();
    let (_, doc, _) = json_run(&sim, &dir, &["geo-permissions", "show", "gb"]);
    assert_success_shape(
        &doc,
        "geo-permissions show",
        "FetchMessagingGeopermissions",
        200,
    );
    assert_eq!(enabled(&doc), false);
    let (exit, doc, _) = json_run(&sim, &dir, &["geo-permissions", "set", "GB=on"]);
    assert_eq!(exit, 0, "{doc}");
    let (_, doc, _) = json_run(&sim, &dir, &["geo-permissions", "show", "GB"]);
    assert_eq!(enabled(&doc), true);
    let (_, doc, _) = json_run(&sim, &dir, &["geo-permissions", "show"]);
    assert!(doc["value"]["permissions"].as_array().unwrap().len() > 1);

    // PK is high-risk: only the Console may change it; GB is applied.
    let (exit, doc, _) = json_run(&sim, &dir, &["geo-permissions", "set", "GB=off", "PK=off"]);
    assert_eq!(exit, 1, "{doc}");
    assert_eq!(doc["ok"], false);
    let refused: Vec<&str> = doc["value"]["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| !p["error_code"].is_null())
        .map(|p| p["country_code"].as_str().unwrap())
        .collect();
    assert_eq!(refused, ["PK"]);
    let (_, doc, _) = json_run(&sim, &dir, &["geo-permissions", "show", "GB"]);
    assert_eq!(enabled(&doc), false);
}

#[test]
fn bulk_consents_and_contacts_send_a_file_and_report_refused_items() {
    let sim = sim();
    let dir = scratch("bulk");
    // A contact without a postal code passes the core's checks, the
    // server refuses it; a consent with an unknown source never leaves.
    let refused_by_server = CONTACT.replace(r#","zip_code":"94105""#, "");
    let refused_by_core = CONSENT.replace("website", "carrier-pigeon");
    #[rustfmt::skip]
    let table = [
        ("consents", CONSENT, refused_by_core, "CreateBulkConsents", None),
        ("contacts", CONTACT, refused_by_server, "CreateBulkContacts", Some(30647)),
    ];
    for (resource, good, bad, operation, server_error) in table {
        let file = dir.join(format!("{resource}.json"));
        std::fs::write(&file, format!("[{good}]")).unwrap();
        let file = file.display().to_string();
        let (exit, doc, _) = json_run(&sim, &dir, &[resource, "bulk", "--file", &file]);
        assert_eq!(exit, 0, "{doc}");
        assert_success_shape(&doc, &format!("{resource} bulk"), operation, 201);
        assert_eq!(doc["value"]["items"][0]["error_code"], Value::Null);

        let second = good.replace(
            "ad388b5a46b33b874b0d41f7226db2ef",
            "02520cfa6c432f0e3ec3a38c122d428d",
        );
        let mixed_file = dir.join(format!("{resource}-mixed.json"));
        std::fs::write(&mixed_file, format!("[{bad}, {second}]")).unwrap();
        let before = sim.requests(Route::Any);
        let (exit, doc, out) = json_run(
            &sim,
            &dir,
            &[
                resource,
                "bulk",
                "--file",
                &mixed_file.display().to_string(),
            ],
        );
        match server_error {
            None => {
                assert_eq!(exit, 2, "{doc}");
                assert_contains(
                    doc["error"]["message"].as_str().unwrap(),
                    "`Items` element 1: has a bad `source`",
                );
                assert_eq!(sim.requests(Route::Any), before, "nothing was sent");
            }
            Some(code) => {
                assert_eq!(exit, 1, "{doc} {}", stderr(&out));
                assert_eq!(doc["ok"], false);
                assert_eq!(doc["value"]["items"][0]["error_code"], code);
                assert_eq!(doc["value"]["items"][1]["error_code"], Value::Null);
            }
        }
    }
}

/// Phone numbers and friendly names are personal data: the answer on
/// stdout carries them, the log on stderr never does, at any verbosity.
#[test]
fn personal_data_stays_out_of_the_log_at_every_verbosity() {
    let sim = sim();
    let dir = scratch("pii");
    for verbosity in ["-v", "-vv", "-vvv"] {
        let number = "+18005550199";
        let out =
            run(cli(&sim, &sim.primary_token(), &dir).args([verbosity, "safelist", "add", number]));
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_contains(&stdout(&out), number);
        assert_contains(&stderr(&out), r#"operation="CreateSafelist""#);
        assert!(
            !stderr(&out).contains("8005550199"),
            "{verbosity}: {}",
            stderr(&out)
        );
        let out = run(cli(&sim, &sim.primary_token(), &dir)
            .env("AWS_CREDENTIALS", AWS_CREDENTIALS)
            .args([
                verbosity,
                "credentials",
                "aws",
                "create",
                "--credentials-env",
                "AWS_CREDENTIALS",
                "--friendly-name",
                "Jane Doe",
            ]));
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_contains(&stdout(&out), "Jane Doe");
        assert!(
            !stderr(&out).contains("Jane"),
            "{verbosity}: {}",
            stderr(&out)
        );
        let _ = run(cli(&sim, &sim.primary_token(), &dir).args(["safelist", "remove", number]));
    }
}

/// `rotate --subaccounts`.
#[path = "cli/fleet.rs"]
mod fleet;
#[path = "cli/pause.rs"]
mod pause;
use pause::killed_at_pause;
#[path = "cli/keys.rs"]
mod keys;
#[path = "cli/keys_audit.rs"]
mod keys_audit;
#[path = "cli/keys_fleet.rs"]
mod keys_fleet;
#[path = "cli/keys_rotate.rs"]
mod keys_rotate;
#[path = "cli/pkcv.rs"]
mod pkcv;
