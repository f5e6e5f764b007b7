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
    for step in 1..=9 {
        assert!(
            err.contains(&format!("[{step}/9]")),
            "step {step} missing: {err}"
        );
    }
    assert!(err.contains("the old token is refused"), "{err}");
    assert!(err.contains("time per step: 1 "), "{err}");
    assert!(
        err.contains(
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
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
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

    // A failing command: the created token is not lost, it is printed as a last resort.
    let out = run(cli(&sim, &token, &dir).args(["secondary", "create", "--token-exec", "exit 3"]));
    assert_eq!(code(&out), 1);
    assert_eq!(stdout(&out).trim(), sim.secondary_token().unwrap());
    assert!(
        stderr(&out).contains("could not be handed over"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn promote_reveals_only_when_asked_and_reports_nothing_to_promote() {
    let sim = sim();
    let dir = scratch("promote");
    let token = sim.primary_token();
    let out = run(cli(&sim, &token, &dir).arg("promote"));
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("20404"), "{}", stderr(&out));

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
    assert!(
        doc["error"]["next"]
            .as_str()
            .unwrap()
            .contains("rotate --resume")
    );
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
    assert!(stderr(&out).contains("TWILIO_EDGE"), "{}", stderr(&out));
    let out = run(Command::new(BIN)
        .current_dir(&dir)
        .env_clear()
        .arg("verify"));
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("TWILIO_ACCOUNT_SID"),
        "{}",
        stderr(&out)
    );
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
    let out = run(cli(&sim, &token, &dir).args([
        "rotate",
        "--resume",
        "--yes",
        "--token-file",
        "t",
        "--settle",
        "0",
    ]));
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
    let out = run(cli(&sim, &token, &dir).args([
        "rotate",
        "--yes",
        "--settle",
        "0",
        "--token-file",
        "t",
    ]));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--replace-existing-secondary"),
        "{}",
        stderr(&out)
    );
    let _ = std::fs::remove_file(dir.join(format!(".twilio-rotation-{}.json", sim.account_sid())));
    let out = run(cli(&sim, &token, &dir).args([
        "rotate",
        "--yes",
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
        let out = run(cli(&sim, &old, &dir).args([
            "rotate",
            "--yes",
            "--settle",
            "0",
            "--token-file",
            "t",
        ]));
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
    let mut child = cli(sim, old, dir)
        .env(
            "TWILIO_ACCOUNTS_TEST_PAUSE_BEFORE_ACTION",
            index.to_string(),
        )
        .args([
            "rotate",
            "--yes",
            "--settle",
            "0",
            "--token-file",
            "token",
            "--state-file",
            "state.json",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut paused = false;
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap();
        if line.starts_with("test hook: paused") {
            paused = true;
            break;
        }
        assert!(Instant::now() < deadline, "no pause within 30 s");
    }
    // SIGKILL: no destructor, no flush, like a crash or `kill -9`.
    let _ = child.kill();
    let _ = child.wait();
    paused
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
