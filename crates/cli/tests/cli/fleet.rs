//! `rotate --subaccounts`: the real binary against a simulator with a fleet.

use super::*;

/// Five subaccounts, the first suspended (so four are active).
fn fleet_sim(config: SimConfig) -> Simulator {
    Simulator::spawn(SimConfig {
        seed: Some(7),
        subaccounts: 5,
        suspended: 1,
        ..config
    })
    .expect("simulator starts")
}

/// The active subaccounts and their tokens before anything ran.
fn active(sim: &Simulator) -> Vec<(String, String)> {
    sim.subaccount_sids()
        .into_iter()
        .skip(1)
        .map(|sid| {
            let token = sim.primary_token_of(&sid).unwrap();
            (sid, token)
        })
        .collect()
}

/// A fleet rotation into `tokens/` with no settle.
fn fleet_cmd(sim: &Simulator, dir: &Path, extra: &[&str]) -> Command {
    std::fs::create_dir_all(dir.join("tokens")).unwrap();
    // Kept for tests that rotate the parent too.
    std::fs::write(dir.join("parent-token"), sim.primary_token()).unwrap();
    let mut cmd = cli(sim, &sim.primary_token(), dir);
    cmd.args([
        "rotate",
        "--subaccounts",
        "--settle",
        "0",
        "--state-file",
        "fleet",
    ])
    .args(extra);
    cmd
}

/// Every account of `rotated` ends with its sink's token as primary, the
/// old one refused and no secondary.
fn assert_rotated(sim: &Simulator, dir: &Path, rotated: &[(String, String)]) {
    for (sid, old) in rotated {
        let primary = sim.primary_token_of(sid).unwrap();
        assert_ne!(&primary, old, "{sid} rotated");
        let file = dir.join("tokens").join(sid);
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            format!("{primary}\n"),
            "{sid}: the file holds its primary, one line"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{sid}: owner-only");
        }
        assert_eq!(
            sim.secondary_token_of(sid),
            None,
            "{sid}: no secondary left"
        );
        let refused = run(cli(sim, old, dir)
            .env("TWILIO_ACCOUNT_SID", sid)
            .arg("verify"));
        assert_eq!(code(&refused), 3, "{sid}: the old token is refused");
    }
}

fn entries(doc: &Value) -> Vec<(String, String)> {
    doc["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["account_sid"].as_str().unwrap().to_owned(),
                e["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn every_active_subaccount_is_rotated_as_itself_into_owner_only_files() {
    let sim = fleet_sim(SimConfig::default());
    let dir = scratch("fleet-all");
    let before = active(&sim);
    let suspended = sim.subaccount_sids()[0].clone();
    let suspended_token = sim.primary_token_of(&suspended).unwrap();
    let main_token = sim.primary_token();
    let out = run(&mut fleet_cmd(
        &sim,
        &dir,
        &["--token-dir", "tokens", "--output", "json"],
    ));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["totals"]["accounts"], 4);
    assert_eq!(doc["totals"]["rotated"], 4);
    let listed: Vec<String> = entries(&doc).into_iter().map(|(s, _)| s).collect();
    let expected: Vec<String> = before.iter().map(|(s, _)| s.clone()).collect();
    assert_eq!(listed, expected, "the active subaccounts, in listing order");
    // The single rotation's seven calls each (check, create, check new,
    // check it again right before the promote, promote, check new and
    // old), and one listing page for the fleet.
    for entry in doc["accounts"].as_array().unwrap() {
        assert_eq!(entry["calls"], 7, "{entry}");
    }
    assert_eq!(doc["totals"]["listing_requests"], 1);
    assert_eq!(doc["totals"]["calls"], 29);
    assert_eq!(sim.requests(Route::Promote), 4);
    assert_rotated(&sim, &dir, &before);
    assert_eq!(sim.primary_token_of(&suspended), Some(suspended_token));
    assert!(!dir.join("tokens").join(&suspended).exists());
    assert_eq!(sim.primary_token(), main_token, "the parent is not rotated");
    assert_eq!(
        sim.notification_emails(),
        0,
        "e-mails suppressed by default"
    );
    assert!(
        !dir.join("fleet").exists(),
        "the fleet journal is removed when done"
    );
    let secrets: Vec<String> = before
        .iter()
        .map(|(s, _)| sim.primary_token_of(s).unwrap())
        .chain(before.iter().map(|(_, t)| t.clone()))
        .collect();
    assert_no_secret(
        &out,
        &secrets.iter().map(String::as_str).collect::<Vec<_>>(),
    );
}

#[test]
fn the_text_report_is_a_table_per_account_and_never_shows_a_token() {
    let sim = fleet_sim(SimConfig::default());
    let dir = scratch("fleet-text");
    let before = active(&sim);
    let out = run(&mut fleet_cmd(
        &sim,
        &dir,
        &["--token-dir", "tokens", "-vvv"],
    ));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let header = text.lines().next().unwrap();
    for column in ["SID", "FRIENDLY NAME", "OUTCOME", "STEPS", "ERROR KIND"] {
        assert_contains(header, column);
    }
    for (sid, _) in &before {
        let row = text.lines().find(|l| l.starts_with(sid.as_str())).unwrap();
        assert_contains(row, "rotated");
    }
    assert_contains(&text, "4 accounts: 4 rotated");
    let mut secrets: Vec<String> = before.iter().map(|(_, t)| t.clone()).collect();
    secrets.extend(before.iter().map(|(s, _)| sim.primary_token_of(s).unwrap()));
    secrets.push(sim.primary_token());
    assert_no_secret(
        &out,
        &secrets.iter().map(String::as_str).collect::<Vec<_>>(),
    );
}

#[test]
fn dry_run_lists_what_would_be_rotated_and_changes_nothing() {
    let sim = fleet_sim(SimConfig::default());
    let dir = scratch("fleet-dry");
    let before = active(&sim);
    let main = sim.account_sid();
    let cases: [(&[&str], Vec<String>); 3] = [
        (&[], before.iter().map(|(s, _)| s.clone()).collect()),
        (
            &["--include-main"],
            before
                .iter()
                .map(|(s, _)| s.clone())
                .chain([main.clone()])
                .collect(),
        ),
        (
            &["--status", "suspended"],
            vec![sim.subaccount_sids()[0].clone()],
        ),
    ];
    for (extra, expected) in cases {
        let out = run(fleet_cmd(&sim, &dir, &["--dry-run", "--output", "json"]).args(extra));
        assert_eq!(code(&out), 0, "{extra:?}: {}", stderr(&out));
        let doc = json(&out);
        let listed: Vec<String> = doc["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["account_sid"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(listed, expected, "{extra:?}");
    }
    for (sid, token) in &before {
        assert_eq!(sim.primary_token_of(sid).as_ref(), Some(token));
        assert_eq!(sim.secondary_token_of(sid), None);
    }
    assert!(!dir.join("fleet").exists(), "a dry run writes no journal");
    assert_eq!(std::fs::read_dir(dir.join("tokens")).unwrap().count(), 0);
    assert_eq!(
        sim.primary_token(),
        std::fs::read_to_string(dir.join("parent-token")).unwrap()
    );
}

#[test]
fn only_rotates_the_listed_sids_and_refuses_unknown_ones_before_any_change() {
    let sim = fleet_sim(SimConfig::default());
    let dir = scratch("fleet-only");
    let before = active(&sim);
    std::fs::write(
        dir.join("only.txt"),
        format!(
            "# two of them\n{}\n\n{}  # the last\n",
            before[0].0, before[3].0
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("unknown.txt"),
        "ACffffffffffffffffffffffffffffffff\n",
    )
    .unwrap();
    std::fs::write(dir.join("bad.txt"), "not-a-sid\n").unwrap();
    for (file, needle) in [
        ("unknown.txt", "ACffffffffffffffffffffffffffffffff"),
        ("bad.txt", "line 1"),
    ] {
        let out = run(&mut fleet_cmd(
            &sim,
            &dir,
            &["--token-dir", "tokens", "--only", file],
        ));
        assert_eq!(code(&out), 2, "{file}");
        assert_contains(&stderr(&out), needle);
        assert!(!dir.join("fleet").exists(), "{file}: nothing recorded");
    }
    let out = run(&mut fleet_cmd(
        &sim,
        &dir,
        &["--token-dir", "tokens", "--only", "only.txt"],
    ));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_rotated(&sim, &dir, &[before[0].clone(), before[3].clone()]);
    for (sid, token) in &before[1..3] {
        assert_eq!(
            sim.primary_token_of(sid).as_ref(),
            Some(token),
            "{sid} untouched"
        );
    }
}

#[test]
fn rate_limits_are_waited_out_together_and_every_account_still_rotates() {
    let sim = fleet_sim(SimConfig {
        max_concurrent: Some(2),
        ..SimConfig::default()
    });
    // The limit counts one account's requests; armed 429s hit whichever
    // accounts come first.
    sim.set_fault(
        Route::CreateSecondary,
        Fault::RateLimited { retry_after: None },
        3,
    );
    sim.set_fault(Route::Promote, Fault::RateLimited { retry_after: None }, 2);
    let dir = scratch("fleet-429");
    let before = active(&sim);
    let out = run(&mut fleet_cmd(
        &sim,
        &dir,
        &[
            "--token-dir",
            "tokens",
            "--concurrency",
            "4",
            "--output",
            "json",
        ],
    ));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = json(&out);
    assert!(
        doc["totals"]["rate_limited_responses"].as_u64().unwrap() >= 5,
        "{doc}"
    );
    assert_rotated(&sim, &dir, &before);
}

/// A `--token-exec` that writes `tokens/<sid>` and fails for the SIDs that
/// have a `fail-<sid>` marker.
const EXEC: &str =
    r#"umask 077; test ! -e "fail-$TWILIO_ACCOUNT_SID" && cat > "tokens/$TWILIO_ACCOUNT_SID""#;

#[test]
fn a_failing_account_is_reported_and_the_others_rotate_unless_fail_fast() {
    let sim = fleet_sim(SimConfig::default());
    let dir = scratch("fleet-fail");
    let before = active(&sim);
    let (bad, bad_token) = before[0].clone();
    std::fs::write(dir.join(format!("fail-{bad}")), "").unwrap();
    // --fail-fast with one worker: the first failure stops the rest.
    let out = run(&mut fleet_cmd(
        &sim,
        &dir,
        &[
            "--token-exec",
            EXEC,
            "--concurrency",
            "1",
            "--fail-fast",
            "--output",
            "json",
        ],
    ));
    assert_eq!(code(&out), 9, "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["totals"]["failed"], 1);
    assert_eq!(doc["totals"]["not_started"], 3);
    let failed = &doc["accounts"][0];
    assert_eq!(failed["account_sid"], bad.as_str());
    assert_eq!(failed["error"]["step"], 3, "{failed}");
    for (sid, token) in &before {
        assert_eq!(
            sim.primary_token_of(sid).as_ref(),
            Some(token),
            "{sid} untouched"
        );
        assert_eq!(
            sim.secondary_token_of(sid),
            None,
            "{sid}: secondary withdrawn"
        );
    }
    // The printed command resumes: without --fail-fast the others rotate
    // and the failing one is reported again.
    let next = doc["next_command"].as_str().unwrap().to_owned();
    assert_contains(&next, "--resume --state-file fleet");
    let resume = |next: &str| {
        let bin_dir = Path::new(BIN).parent().unwrap().display().to_string();
        let mut sh = Command::new("sh");
        sh.current_dir(&dir)
            .env_clear()
            .env(
                "PATH",
                format!("{bin_dir}:{}", std::env::var("PATH").unwrap_or_default()),
            )
            .env("XDG_STATE_HOME", dir.join(".state"))
            .env("TWILIO_ACCOUNT_SID", sim.account_sid())
            .env("TWILIO_AUTH_TOKEN", sim.primary_token())
            .env("TWILIO_ACCOUNTS_BASE_URL", sim.base_url())
            .arg("-c")
            .arg(format!("{next} --output json"))
            .stdin(Stdio::null());
        run(&mut sh)
    };
    let out = resume(&next.replace(" --fail-fast", ""));
    assert_eq!(code(&out), 9, "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["totals"]["rotated"], 3, "{doc}");
    assert_eq!(doc["totals"]["failed"], 1);
    assert_eq!(doc["accounts"][0]["error"]["kind"], "other");
    assert_rotated(&sim, &dir, &before[1..]);
    assert_eq!(sim.primary_token_of(&bad), Some(bad_token.clone()));
    // Fixed, the same advice finishes the last one and skips the rest.
    std::fs::remove_file(dir.join(format!("fail-{bad}"))).unwrap();
    let next = doc["next_command"].as_str().unwrap().to_owned();
    let out = resume(&next);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["totals"]["rotated"], 1);
    assert_eq!(doc["totals"]["already_rotated"], 3);
    assert_rotated(&sim, &dir, &before);
    assert!(!dir.join("fleet").exists());
}

#[test]
fn notify_email_turns_the_owners_emails_back_on() {
    let sim = fleet_sim(SimConfig::default());
    let dir = scratch("fleet-email");
    let before = active(&sim);
    let out = run(&mut fleet_cmd(
        &sim,
        &dir,
        &["--token-dir", "tokens", "--notify-email"],
    ));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        sim.notification_emails() >= 4,
        "create and promote e-mail each owner"
    );
    assert_rotated(&sim, &dir, &before);
}

#[test]
fn a_fleet_needs_a_per_account_sink_and_refuses_existing_token_files() {
    let sim = fleet_sim(SimConfig::default());
    let dir = scratch("fleet-sink");
    let before = active(&sim);
    let out = run(&mut fleet_cmd(&sim, &dir, &[]));
    assert_eq!(code(&out), 2);
    assert_contains(&stderr(&out), "--token-dir DIR");
    let out = run(&mut fleet_cmd(&sim, &dir, &["--token-file", "t"]));
    assert_eq!(code(&out), 2, "one file cannot hold every account's token");
    std::fs::write(dir.join("tokens").join(&before[2].0), "earlier\n").unwrap();
    let out = run(&mut fleet_cmd(&sim, &dir, &["--token-dir", "tokens"]));
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_contains(&stderr(&out), "--force");
    for (sid, token) in &before {
        assert_eq!(
            sim.primary_token_of(sid).as_ref(),
            Some(token),
            "nothing changed"
        );
    }
    let out = run(&mut fleet_cmd(
        &sim,
        &dir,
        &["--token-dir", "tokens", "--force"],
    ));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_rotated(&sim, &dir, &before);
}

#[test]
fn include_main_rotates_the_parent_too_after_every_subaccount() {
    let sim = fleet_sim(SimConfig::default());
    let dir = scratch("fleet-main");
    let mut before = active(&sim);
    let out = run(&mut fleet_cmd(
        &sim,
        &dir,
        &[
            "--token-dir",
            "tokens",
            "--include-main",
            "--output",
            "json",
        ],
    ));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = json(&out);
    let last = doc["accounts"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        last["account_sid"],
        sim.account_sid().as_str(),
        "the parent goes last"
    );
    assert_eq!(last["main"], true);
    before.push((sim.account_sid(), cli_token_before_main(&dir)));
    assert_rotated(&sim, &dir, &before);
}

/// The parent's token the fleet command ran with (what `fleet_cmd` passes).
fn cli_token_before_main(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("parent-token")).unwrap()
}

/// Starts a fleet rotation that pauses before its `index`-th action (counted
/// across every account), SIGKILLs it there, and returns the pause line;
/// `None` when the rotation ended before reaching that action.
fn fleet_killed_at(sim: &Simulator, dir: &Path, index: usize, concurrency: &str) -> Option<String> {
    // Past the pause, the other workers run on to wherever they are when killed.
    let linger = if concurrency == "1" {
        Duration::ZERO
    } else {
        Duration::from_millis(30)
    };
    killed_at_pause(
        &mut fleet_cmd(
            sim,
            dir,
            &["--token-dir", "tokens", "--concurrency", concurrency],
        ),
        index,
        linger,
    )
}

/// A fleet with a lost promote answer (applied, then the connection closed)
/// and 429s armed.
fn faulty_fleet() -> Simulator {
    let sim = fleet_sim(SimConfig::default());
    sim.set_fault(Route::Promote, Fault::ApplyThenClose, 1);
    sim.set_fault(
        Route::CreateSecondary,
        Fault::RateLimited { retry_after: None },
        2,
    );
    sim
}

/// What the fleet journal may hold at rest: never an old token; a new token
/// only in an account journal of phase `delivered` or `promoting`.
fn assert_secrets_at_rest(sim: &Simulator, dir: &Path, accounts: &[(String, String)], at: &str) {
    let plan = std::fs::read_to_string(dir.join("fleet").join("fleet.json")).unwrap();
    for (sid, old) in accounts {
        assert!(
            !plan.contains(old.as_str()),
            "{at}: the plan holds no token"
        );
        let Ok(journal) = std::fs::read_to_string(dir.join("fleet").join(format!("{sid}.json")))
        else {
            continue;
        };
        assert!(
            !journal.contains(old.as_str()),
            "{at}: {sid}'s journal holds its old token"
        );
        let phase: Value = serde_json::from_str(&journal).unwrap();
        let phase = phase["phase"].as_str().unwrap().to_owned();
        let new_tokens = [sim.primary_token_of(sid), sim.secondary_token_of(sid)];
        for token in new_tokens.into_iter().flatten().filter(|t| t != old) {
            if journal.contains(token.as_str()) {
                assert!(
                    phase == "delivered" || phase == "promoting",
                    "{at}: {sid}'s journal holds its new token in phase {phase}"
                );
            }
        }
    }
}

fn resume_fleet(sim: &Simulator, dir: &Path) -> Output {
    run(&mut fleet_cmd(
        sim,
        dir,
        &["--token-dir", "tokens", "--resume", "--output", "json"],
    ))
}

#[test]
fn killed_at_any_action_then_resumed_every_account_rotates_exactly_once() {
    let mut kill_points = 0;
    for index in (0..80).step_by(3) {
        let sim = faulty_fleet();
        let dir = scratch(&format!("fleet-kill-{index}"));
        let before = active(&sim);
        let Some(paused) = fleet_killed_at(&sim, &dir, index, "1") else {
            break;
        };
        kill_points += 1;
        assert!(dir.join("fleet").join("fleet.json").exists(), "{paused}");
        assert_secrets_at_rest(&sim, &dir, &before, &paused);
        if index == 0 {
            // Starting over is refused while a fleet rotation is recorded.
            let again = run(&mut fleet_cmd(&sim, &dir, &["--token-dir", "tokens"]));
            assert_eq!(code(&again), 2);
            assert_contains(&stderr(&again), "--resume --state-file fleet");
        }
        let out = resume_fleet(&sim, &dir);
        assert_eq!(code(&out), 0, "{paused}: {}", stdout(&out));
        let doc = json(&out);
        let finished = doc["totals"]["rotated"].as_u64().unwrap()
            + doc["totals"]["already_rotated"].as_u64().unwrap();
        assert_eq!(finished, 4, "{paused}: {doc}");
        assert_rotated(&sim, &dir, &before);
        // One worker, killed between actions: each account's promote was
        // sent once (the lost answer is probed, never sent again).
        assert_eq!(
            sim.requests(Route::Promote),
            4,
            "{paused}: none promoted twice"
        );
        assert!(!dir.join("fleet").exists(), "{paused}: journal removed");
    }
    assert!(kill_points >= 15, "only {kill_points} kill points");
}

#[test]
fn killed_with_workers_in_flight_then_resumed_every_account_rotates() {
    for index in [2, 9, 17, 26] {
        let sim = faulty_fleet();
        let dir = scratch(&format!("fleet-kill-concurrent-{index}"));
        let before = active(&sim);
        let paused = fleet_killed_at(&sim, &dir, index, "3").expect("paused");
        let out = resume_fleet(&sim, &dir);
        assert_eq!(code(&out), 0, "{paused}: {}", stdout(&out));
        assert_rotated(&sim, &dir, &before);
        let left: Vec<_> = std::fs::read_dir(dir.join("fleet"))
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert!(!dir.join("fleet").exists(), "{paused}: left {left:?}");
    }
}

/// Kills a one-worker fleet rotation at the first pause whose line
/// contains `at`, and returns that pause line.
fn kill_where(sim: &Simulator, dir: &Path, at: &str, from: usize) -> String {
    for index in from..from + 40 {
        let paused = fleet_killed_at(sim, dir, index, "1").expect("paused");
        if paused.contains(at) {
            return paused;
        }
        // Not there yet: undo and try one action further.
        let undo = run(&mut fleet_cmd(sim, dir, &["--abandon"]));
        assert_eq!(code(&undo), 0, "{}", stderr(&undo));
        let _ = std::fs::remove_dir_all(dir.join("tokens"));
    }
    panic!("never paused at {at}");
}

#[test]
fn abandon_deletes_unpromoted_secondaries_and_leaves_promoted_ones_to_resume() {
    let sim = fleet_sim(SimConfig::default());
    let dir = scratch("fleet-abandon");
    let before = active(&sim);
    // The second account has its token delivered, not yet promoted.
    // (From an action after the first account's rotation ended.)
    let paused = kill_where(&sim, &dir, "persist Promoting", 18);
    let second = &before[1].0;
    assert!(sim.secondary_token_of(second).is_some(), "{paused}");
    let out = run(&mut fleet_cmd(
        &sim,
        &dir,
        &["--abandon", "--output", "json"],
    ));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["accounts"][0]["outcome"], "kept_rotated");
    assert_eq!(doc["accounts"][1]["outcome"], "secondary_deleted");
    assert_rotated(&sim, &dir, &before[..1]);
    for (sid, token) in &before[1..] {
        assert_eq!(
            sim.primary_token_of(sid).as_ref(),
            Some(token),
            "{sid} unchanged"
        );
        assert_eq!(
            sim.secondary_token_of(sid),
            None,
            "{sid}: no secondary left"
        );
    }
    assert!(!dir.join("fleet").exists());

    // Where a promote may have happened, abandon refuses and says to resume.
    let sim = fleet_sim(SimConfig::default());
    let dir = scratch("fleet-abandon-promoting");
    let before = active(&sim);
    let paused = kill_where(&sim, &dir, "call Promote", 0);
    let out = run(&mut fleet_cmd(
        &sim,
        &dir,
        &["--abandon", "--output", "json"],
    ));
    assert_eq!(code(&out), 9, "{paused}: {}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["accounts"][0]["outcome"], "needs_resume");
    // The advice runs as printed: it carries the sink the fleet was started
    // with (the abandon was not given it), and finishes only the account
    // that may have been promoted; the abandoned ones stay as they are.
    let next = doc["next_command"].as_str().unwrap();
    assert_contains(next, "--resume --state-file fleet --token-dir tokens");
    assert_contains(doc["next"].as_str().unwrap(), next);
    let words = sh_words(next);
    assert_eq!(words[0], "twilio-accounts");
    let out = run(cli(&sim, &sim.primary_token(), &dir).args(&words[1..]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_rotated(&sim, &dir, &before[..1]);
    for (sid, token) in &before[1..] {
        assert_eq!(
            sim.primary_token_of(sid).as_ref(),
            Some(token),
            "{sid} abandoned, not rotated"
        );
        assert_eq!(sim.secondary_token_of(sid), None, "{sid}");
    }
}

#[test]
fn the_progress_line_is_drawn_on_a_terminal_only_and_never_with_json() {
    const LINE: &str = "in flight";
    let args = "rotate --subaccounts --settle 0 --state-file fleet --token-dir tokens";
    // On a terminal: the line is drawn (and cleared before the report).
    let sim = fleet_sim(SimConfig::default());
    let dir = scratch("fleet-progress-tty");
    std::fs::create_dir_all(dir.join("tokens")).unwrap();
    let out = run(&mut cli_on_a_terminal(
        &sim,
        &sim.primary_token(),
        &dir,
        args,
    ));
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let screen = stdout(&out);
    assert_contains(&screen, LINE);
    assert_contains(&screen, "\r\x1b[K");
    assert_contains(&screen, "4 accounts: 4 rotated");
    // JSON on a terminal, and text on a pipe: no line.
    let sim = fleet_sim(SimConfig::default());
    let dir = scratch("fleet-progress-json");
    std::fs::create_dir_all(dir.join("tokens")).unwrap();
    let json_args = format!("{args} --output json");
    let out = run(&mut cli_on_a_terminal(
        &sim,
        &sim.primary_token(),
        &dir,
        &json_args,
    ));
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(!stdout(&out).contains(LINE), "{}", stdout(&out));
    // (A terminal ends lines with \r\n: the redraw is told by its erase.)
    assert!(!stdout(&out).contains("\x1b[K"), "no redraw in JSON mode");
    let sim = fleet_sim(SimConfig::default());
    let dir = scratch("fleet-progress-pipe");
    let out = run(&mut fleet_cmd(&sim, &dir, &["--token-dir", "tokens"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stderr(&out).contains(LINE), "{}", stderr(&out));
    assert!(!stderr(&out).contains('\r'));
}

#[test]
fn help_says_emails_are_suppressed_and_lists_the_fleet_exit_codes() {
    let out = run(Command::new(BIN).args(["rotate", "--help"]));
    assert_eq!(code(&out), 0);
    let help = stdout(&out);
    for needle in [
        "Every subaccount (--subaccounts):",
        "SuppressEmailNotification=true",
        "--notify-email",
        "0 every account rotated; 9 some were not",
        "default fleet-<PARENT_SID> in the state directory",
    ] {
        assert_contains(&help, needle);
    }
    // The fleet's heading does not swallow the single rotation's options.
    let heading = help.find("Every subaccount").unwrap();
    assert!(help.find("--simulate").unwrap() < heading);
}

#[test]
fn ctrl_c_exits_130_with_advice_that_resumes_the_fleet() {
    let sim = fleet_sim(SimConfig::default());
    let dir = scratch("fleet-sigint");
    let before = active(&sim);
    let mut child = fleet_cmd(&sim, &dir, &["--token-dir", "tokens", "--concurrency", "1"])
        .env("TWILIO_ACCOUNTS_TEST_PAUSE_BEFORE_ACTION", "20")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (_, rest, exit) = interrupt_at(&mut child, "test hook: paused");
    assert_eq!(exit, Some(130), "{rest}");
    assert_contains(
        &rest,
        "interrupted: the fleet rotation is recorded in fleet",
    );
    let start = rest.find("`twilio-accounts ").expect("a command") + 1;
    let command = &rest[start..start + rest[start..].find('`').unwrap()];
    assert_contains(command, "--resume --state-file fleet --token-dir tokens");
    let secrets: Vec<&str> = before.iter().map(|(_, t)| t.as_str()).collect();
    assert!(secrets.iter().all(|t| !rest.contains(t)));
    // The advice, run as printed, finishes every account.
    let words: Vec<&str> = command.split_whitespace().skip(1).collect();
    let out = run(cli(&sim, &sim.primary_token(), &dir).args(words));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_rotated(&sim, &dir, &before);
}

#[test]
fn the_fleet_settles_once_after_the_last_promote_not_once_per_account() {
    let sim = fleet_sim(SimConfig::default());
    let dir = scratch("fleet-settle");
    std::fs::create_dir_all(dir.join("tokens")).unwrap();
    let before = active(&sim);
    let out = run(cli(&sim, &sim.primary_token(), &dir).args([
        "rotate",
        "--subaccounts",
        "--settle",
        "1s",
        "--concurrency",
        "1",
        "--state-file",
        "fleet",
        "--token-dir",
        "tokens",
    ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(
        err.matches("once for the whole fleet").count(),
        1,
        "one settle for {} accounts: {err}",
        before.len()
    );
    assert_rotated(&sim, &dir, &before);
    // The journal outlived the settle and is gone once it ended.
    assert!(!dir.join("fleet").exists());
}

#[test]
fn a_failed_listing_advises_this_fleet_run_again_and_it_works_as_printed() {
    let sim = fleet_sim(SimConfig::default());
    let dir = scratch("fleet-listing-failed");
    let before = active(&sim);
    // Every attempt of the first listing page is rate limited.
    sim.set_fault(
        Route::ListAccounts,
        Fault::RateLimited { retry_after: None },
        4,
    );
    let out = run(&mut fleet_cmd(
        &sim,
        &dir,
        &["--token-dir", "tokens", "--output", "json"],
    ));
    assert_eq!(code(&out), 5, "{}", stdout(&out));
    let doc = json(&out);
    let command = doc["error"]["next_command"].as_str().unwrap();
    assert_contains(command, "rotate --subaccounts");
    assert_contains(command, "--token-dir tokens");
    assert!(
        !command.contains("--resume"),
        "nothing to resume: {command}"
    );
    assert_contains(doc["error"]["next"].as_str().unwrap(), command);
    let words = sh_words(command);
    let out = run(cli(&sim, &sim.primary_token(), &dir).args(&words[1..]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_rotated(&sim, &dir, &before);
}
