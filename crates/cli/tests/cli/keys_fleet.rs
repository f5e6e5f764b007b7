//! `keys rotate --subaccounts`: the real binary against a simulator with
//! three subaccounts, each with a key named "billing" and one named
//! "other". After each run, through the simulator: exactly the selected
//! keys replaced (old one gone, one new key carrying the rotation's id,
//! whose secret file authenticates as that subaccount), the others
//! untouched, and no key of a rotation left over.

use super::*;

const SUBACCOUNTS: usize = 3;

/// One subaccount as set up: its SID and its two keys' SIDs and secrets.
struct Account {
    sid: String,
    billing: (String, String),
    other: (String, String),
}

fn key_fleet(max_keys: Option<usize>) -> Simulator {
    Simulator::spawn(SimConfig {
        seed: Some(32),
        subaccounts: SUBACCOUNTS,
        max_keys,
        ..SimConfig::default()
    })
    .expect("simulator starts")
}

/// Makes a 2010 key of `sub` with the parent's token; its SID and secret.
fn make_key(sim: &Simulator, dir: &Path, sub: &str, name: &str) -> (String, String) {
    let out = run(cli(sim, &sim.primary_token(), dir).args([
        "keys",
        "create",
        "--api",
        "v2010",
        "--subaccount",
        sub,
        "--friendly-name",
        name,
        "--reveal",
        "--secret-format",
        "json",
    ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = json(&out);
    (
        doc["TWILIO_API_KEY"].as_str().unwrap().to_owned(),
        doc["TWILIO_API_SECRET"].as_str().unwrap().to_owned(),
    )
}

fn accounts(sim: &Simulator, dir: &Path) -> Vec<Account> {
    sim.subaccount_sids()
        .into_iter()
        .map(|sid| Account {
            billing: make_key(sim, dir, &sid, "billing"),
            other: make_key(sim, dir, &sid, "other"),
            sid,
        })
        .collect()
}

/// A subaccount's keys now: (SID, friendly name).
fn keys_of(sim: &Simulator, dir: &Path, sub: &str) -> Vec<(String, String)> {
    let out = run(cli(sim, &sim.primary_token(), dir).args([
        "keys",
        "list",
        "--api",
        "v2010",
        "--subaccount",
        sub,
        "--output",
        "json",
    ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    json(&out)["value"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["sid"].as_str().unwrap().to_owned(),
                k["friendly_name"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// The key fleet command, its journal in `fleet` and its secrets in
/// `secrets/`.
fn fleet_cmd(sim: &Simulator, dir: &Path, extra: &[&str]) -> Command {
    std::fs::create_dir_all(dir.join("secrets")).unwrap();
    let mut cmd = cli(sim, &sim.primary_token(), dir);
    cmd.args([
        "keys",
        "rotate",
        "--subaccounts",
        "--state-file",
        "fleet",
        "--secret-dir",
        "secrets",
    ])
    .args(extra);
    cmd
}

/// Whether `key`/`secret` authenticate as `sub` (`verify` exits 0).
fn authenticates(sim: &Simulator, dir: &Path, sub: &str, key: &str, secret: &str) -> bool {
    let out = run(Command::new(BIN)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("TWILIO_ACCOUNTS_BASE_URL", sim.base_url())
        .env("TWILIO_ACCOUNT_SID", sub)
        .env("TWILIO_API_KEY", key)
        .env("TWILIO_API_SECRET", secret)
        .arg("verify"));
    code(&out) == 0
}

/// The key and secret a secret file holds (env format).
fn secret_file(path: &Path) -> (String, String) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap_or_else(|| panic!("{name} in {}", path.display()))
            .to_owned()
    };
    (field("TWILIO_API_KEY="), field("TWILIO_API_SECRET="))
}

/// Each account ends with `rotated` keys replaced exactly once and the
/// others as they were; returns the new secrets.
fn assert_fleet(
    sim: &Simulator,
    dir: &Path,
    accounts: &[Account],
    rotated: impl Fn(&str) -> bool,
    at: &str,
) -> Vec<String> {
    let mut secrets = Vec::new();
    for account in accounts {
        let now = keys_of(sim, dir, &account.sid);
        let mut expected_count = 0;
        for (name, (old, old_secret)) in [("billing", &account.billing), ("other", &account.other)]
        {
            let file = dir
                .join("secrets")
                .join(format!("{}-{old}.env", account.sid));
            if !rotated(name) {
                assert!(now.iter().any(|(s, _)| s == old), "{at}: {name} untouched");
                assert!(!file.exists(), "{at}: no secret for {name}");
                expected_count += 1;
                continue;
            }
            assert!(!now.iter().any(|(s, _)| s == old), "{at}: old {name} gone");
            assert!(
                !authenticates(sim, dir, &account.sid, old, old_secret),
                "{at}: old {name} refused"
            );
            let made: Vec<_> = now
                .iter()
                .filter(|(_, n)| n.starts_with(&format!("{name} (rotation r-")))
                .collect();
            assert_eq!(made.len(), 1, "{at}: exactly one new {name} key: {now:?}");
            let (key, secret) = secret_file(&file);
            assert_eq!(key, made[0].0, "{at}: the file holds the new key");
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o600, "{at}: owner-only");
            }
            assert!(
                authenticates(sim, dir, &account.sid, &key, &secret),
                "{at}: the new {name} key authenticates as {}",
                account.sid
            );
            secrets.push(secret);
            expected_count += 1;
        }
        assert_eq!(now.len(), expected_count, "{at}: no other key: {now:?}");
    }
    secrets
}

/// (case, options, which keys rotate)
type Case = (&'static str, &'static [&'static str], fn(&str) -> bool);

#[test]
fn exactly_the_selected_keys_are_replaced_and_a_dry_run_changes_nothing() {
    let cases: [Case; 4] = [
        ("by name", &["--friendly-name", "billing"], |n| {
            n == "billing"
        }),
        ("older than 0s", &["--older-than", "0s"], |_| true),
        (
            "name and age",
            &["--friendly-name", "other", "--older-than", "90d"],
            |_| false,
        ),
        (
            "dry run",
            &["--friendly-name", "billing", "--dry-run"],
            |_| false,
        ),
    ];
    for (case, options, rotated) in cases {
        let sim = key_fleet(None);
        let dir = scratch(&format!("keys-fleet-{}", case.replace(' ', "-")));
        let before = accounts(&sim, &dir);
        let out = run(fleet_cmd(&sim, &dir, options).args(["--output", "json", "-vvv"]));
        assert_eq!(code(&out), 0, "{case}: {}", stderr(&out));
        let doc = json(&out);
        assert_eq!(doc["command"], "keys rotate", "{case}");
        let new_secrets = assert_fleet(&sim, &dir, &before, rotated, case);
        let selected = ["billing", "other"].iter().filter(|n| rotated(n)).count();
        if options.contains(&"--dry-run") {
            assert_eq!(doc["dry_run"], true, "{case}");
            assert_eq!(doc["totals"]["keys"], SUBACCOUNTS, "{case}: {doc}");
        } else {
            assert_eq!(
                doc["totals"]["keys_rotated"],
                SUBACCOUNTS * selected,
                "{case}"
            );
            let outcome = if selected == 0 {
                "nothing_selected"
            } else {
                "rotated"
            };
            for entry in doc["accounts"].as_array().unwrap() {
                assert_eq!(entry["outcome"], outcome, "{case}: {entry}");
            }
        }
        assert!(!dir.join("fleet").exists(), "{case}: no journal left");
        let mut secrets = new_secrets;
        secrets.extend(
            before
                .iter()
                .flat_map(|a| [a.billing.1.clone(), a.other.1.clone()]),
        );
        secrets.push(sim.primary_token());
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        assert_no_secret(&out, &secrets);
    }
}

#[test]
fn refusals_before_anything_changes_exit_2() {
    let sim = key_fleet(None);
    let dir = scratch("keys-fleet-usage");
    let before = accounts(&sim, &dir);
    // (options, what the message says)
    let cases: [(&[&str], &str); 4] = [
        (
            &[
                "--friendly-name",
                "billing",
                "--api",
                "iam",
                "--secret-dir",
                "secrets",
            ],
            "--api does not apply",
        ),
        (
            &["--secret-dir", "secrets"],
            "--friendly-name NAME, --older-than 90d",
        ),
        (
            &["--friendly-name", "billing", "--secret-dir", "missing"],
            "--secret-dir missing",
        ),
        (
            &[
                "--friendly-name",
                "billing",
                "--resume",
                "--secret-dir",
                "secrets",
            ],
            "no fleet rotation to resume",
        ),
    ];
    for (options, says) in cases {
        let out = run(cli(&sim, &sim.primary_token(), &dir)
            .args(["keys", "rotate", "--subaccounts", "--state-file", "fleet"])
            .args(options));
        assert_eq!(code(&out), 2, "{options:?}: {}", stderr(&out));
        assert_contains(&stderr(&out), says);
    }
    let out = run(cli(&sim, &sim.primary_token(), &dir).args([
        "keys",
        "rotate",
        "--subaccounts",
        "--friendly-name",
        "billing",
    ]));
    assert_eq!(code(&out), 2, "a sink is required: {}", stderr(&out));
    assert_fleet(&sim, &dir, &before, |_| false, "refused");
}

#[test]
fn a_failing_account_is_reported_with_exit_9_and_the_advice_finishes_it() {
    // Three keys an account: the first subaccount gets a third, so its
    // create is refused (70151) while the others rotate.
    let sim = key_fleet(Some(3));
    let dir = scratch("keys-fleet-failing");
    let before = accounts(&sim, &dir);
    let extra = make_key(&sim, &dir, &before[0].sid, "extra");
    let out = run(&mut fleet_cmd(
        &sim,
        &dir,
        &["--friendly-name", "billing", "--output", "json"],
    ));
    assert_eq!(code(&out), 9, "{}", stderr(&out));
    let doc = json(&out);
    let outcomes: Vec<&str> = doc["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["failed", "rotated", "rotated"], "{doc}");
    assert_eq!(doc["accounts"][0]["error"]["step"], 3, "{doc}");
    assert_fleet(&sim, &dir, &before[1..], |n| n == "billing", "others");
    assert!(
        keys_of(&sim, &dir, &before[0].sid)
            .iter()
            .any(|(s, _)| *s == before[0].billing.0),
        "the failing account keeps its key"
    );
    // The cause removed, the advice runs as printed and finishes the fleet.
    let out = run(cli(&sim, &sim.primary_token(), &dir).args([
        "keys",
        "delete",
        &extra.0,
        "--api",
        "v2010",
        "--subaccount",
        &before[0].sid,
    ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let next = doc["next_command"].as_str().unwrap();
    assert_contains(doc["next"].as_str().unwrap(), next);
    let out = run_advice(&sim, &sim.primary_token(), &dir, next);
    assert_eq!(code(&out), 0, "{next}: {}", stderr(&out));
    assert_fleet(&sim, &dir, &before, |n| n == "billing", "advice");
    assert!(!dir.join("fleet").exists());
}

#[test]
fn killed_at_any_point_then_resumed_every_selected_key_rotates_exactly_once() {
    let mut kill_points = 0;
    // One worker, so the action count walks through each account in turn;
    // and three workers in flight at once.
    let points = (0..48)
        .step_by(5)
        .map(|i| (i, "1"))
        .chain([(7, "3"), (20, "3")]);
    for (index, concurrency) in points {
        let sim = key_fleet(None);
        let dir = scratch(&format!("keys-fleet-kill-{index}-{concurrency}"));
        let before = accounts(&sim, &dir);
        let options = ["--friendly-name", "billing", "--concurrency", concurrency];
        let linger = Duration::from_millis(if concurrency == "1" { 0 } else { 30 });
        let Some(paused) = killed_at_pause(&mut fleet_cmd(&sim, &dir, &options), index, linger)
        else {
            break;
        };
        kill_points += 1;
        assert!(dir.join("fleet").join("fleet.json").exists(), "{paused}");
        let plan = std::fs::read_to_string(dir.join("fleet").join("fleet.json")).unwrap();
        for account in &before {
            assert_contains(&plan, &account.billing.0);
            assert!(
                !plan.contains(&account.billing.1),
                "{paused}: no secret in the plan"
            );
        }
        // Starting over is refused while the fleet is recorded; the advice
        // (the resume, with the same selection and sink) runs as printed.
        let again = run(fleet_cmd(&sim, &dir, &options).args(["--output", "json"]));
        assert_eq!(code(&again), 2, "{paused}");
        let next = json(&again)["error"]["next_command"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_contains(&next, "--resume --state-file fleet");
        let out = run_advice(&sim, &sim.primary_token(), &dir, &next);
        assert_eq!(
            code(&out),
            0,
            "{paused}: {next}: {} {}",
            stdout(&out),
            stderr(&out)
        );
        assert_fleet(&sim, &dir, &before, |n| n == "billing", &paused);
        assert!(!dir.join("fleet").exists(), "{paused}: journal removed");
    }
    assert!(kill_points >= 8, "only {kill_points} kill points");
}

#[test]
fn keys_the_simulator_gives_each_subaccount_at_start_are_rotated() {
    let sim = Simulator::spawn(SimConfig {
        seed: Some(33),
        subaccounts: SUBACCOUNTS,
        keys_per_subaccount: 2,
        ..SimConfig::default()
    })
    .expect("simulator starts");
    let dir = scratch("keys-fleet-sim-keys");
    let before: Vec<(String, Vec<(String, String)>)> = sim
        .subaccount_sids()
        .into_iter()
        .map(|sid| {
            let keys = keys_of(&sim, &dir, &sid);
            (sid, keys)
        })
        .collect();
    for (sid, keys) in &before {
        let names: Vec<&str> = keys.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(names, ["Key 1", "Key 2"], "{sid}");
    }
    let out = run(&mut fleet_cmd(
        &sim,
        &dir,
        &[
            "--friendly-name",
            "Key 1",
            "--concurrency",
            "16",
            "--output",
            "json",
        ],
    ));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json(&out)["totals"]["keys_rotated"], SUBACCOUNTS);
    for (sid, keys) in &before {
        let now = keys_of(&sim, &dir, sid);
        assert_eq!(now.len(), 2, "{sid}: {now:?}");
        assert!(now.contains(&keys[1]), "{sid}: Key 2 untouched");
        assert!(!now.contains(&keys[0]), "{sid}: Key 1 replaced");
        let file = dir.join("secrets").join(format!("{sid}-{}.env", keys[0].0));
        let (key, secret) = secret_file(&file);
        assert!(authenticates(&sim, &dir, sid, &key, &secret), "{sid}");
    }
}
