//! `keys rotate`: the real binary against the simulator's API keys, end to
//! end: the happy path per kind of key, SIGKILL before every action then
//! `--resume`, a lost create answer, the key limit, Standard-key
//! credentials, and advice run exactly as printed. After each: exactly one
//! new key, delivered and authenticating, the old key gone, and no key of
//! the rotation left over.

use super::*;

const READ_KEYS: &str = r#"{"allow":["/twilio/iam/api-keys/read"]}"#;

/// A kind of key to rotate: the `keys create` words that make it.
struct Kind {
    name: &'static str,
    create: &'static [&'static str],
    /// `--api v2010` for the rotation, when the key lives there.
    api: &'static [&'static str],
}

const KINDS: [Kind; 3] = [
    Kind {
        name: "2010 standard",
        create: &["keys", "create", "--api", "v2010"],
        api: &["--api", "v2010"],
    },
    Kind {
        name: "IAM standard",
        create: &["keys", "create"],
        api: &[],
    },
    Kind {
        name: "IAM restricted",
        create: &["keys", "create", "--restricted", "--policy", READ_KEYS],
        api: &[],
    },
];

/// Makes the key to rotate (named "billing"); returns its SID and secret.
fn old_key(sim: &Simulator, dir: &Path, kind: &Kind) -> (String, String) {
    let out = run(cli(sim, &sim.primary_token(), dir).args(kind.create).args([
        "--friendly-name",
        "billing",
        "--secret-file",
        "old.env",
    ]));
    assert_eq!(code(&out), 0, "{}: {}", kind.name, stderr(&out));
    let text = std::fs::read_to_string(dir.join("old.env")).unwrap();
    let mut lines = text.lines();
    let sid = lines
        .next()
        .unwrap()
        .strip_prefix("TWILIO_API_KEY=")
        .unwrap()
        .to_owned();
    let secret = lines
        .next()
        .unwrap()
        .strip_prefix("TWILIO_API_SECRET=")
        .unwrap()
        .to_owned();
    (sid, secret)
}

/// The account's keys: (SID, friendly name, policy).
fn keys(sim: &Simulator, dir: &Path) -> Vec<(String, String, Value)> {
    let out = run(cli(sim, &sim.primary_token(), dir).args(["keys", "list", "--output", "json"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    json(&out)["value"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let sid = k["sid"].as_str().unwrap().to_owned();
            let fetched = run(cli(sim, &sim.primary_token(), dir)
                .args(["keys", "fetch", &sid, "--output", "json"]));
            (
                sid,
                k["friendly_name"].as_str().unwrap_or("").to_owned(),
                json(&fetched)["value"]["policy"].clone(),
            )
        })
        .collect()
}

/// Whether `sid:secret` authenticates (a `verify` with that key).
fn authenticates(sim: &Simulator, dir: &Path, sid: &str, secret: &str) -> bool {
    let mut cmd = cli(sim, "unused", dir);
    cmd.env_remove("TWILIO_AUTH_TOKEN")
        .env("TWILIO_API_KEY", sid)
        .env("TWILIO_API_SECRET", secret)
        .arg("verify");
    code(&run(&mut cmd)) == 0
}

/// Rotated: the only key left is the one in `new.env`, it authenticates,
/// has the old key's policy and a name carrying a rotation id; the old key
/// is gone.
fn assert_rotated(sim: &Simulator, dir: &Path, kind: &Kind, old: &str, policy: &Value) {
    let text = std::fs::read_to_string(dir.join("new.env")).unwrap_or_default();
    let mut lines = text.lines();
    let sid = lines
        .next()
        .and_then(|l| l.strip_prefix("TWILIO_API_KEY="))
        .unwrap_or("");
    let secret = lines
        .next()
        .and_then(|l| l.strip_prefix("TWILIO_API_SECRET="))
        .unwrap_or("");
    let left = keys(sim, dir);
    assert_eq!(
        left.len(),
        1,
        "{}: exactly one key left: {left:?}",
        kind.name
    );
    let (left_sid, name, left_policy) = &left[0];
    assert_eq!(
        left_sid, sid,
        "{}: the key left is the delivered one",
        kind.name
    );
    assert_ne!(left_sid, old, "{}", kind.name);
    assert!(
        name.starts_with("billing (rotation r-"),
        "{}: {name}",
        kind.name
    );
    assert_eq!(left_policy, policy, "{}: same policy", kind.name);
    assert!(
        authenticates(sim, dir, sid, secret),
        "{}: the new key works",
        kind.name
    );
}

fn rotate(sim: &Simulator, dir: &Path, old: &str, kind: &Kind, extra: &[&str]) -> Output {
    run(cli(sim, &sim.primary_token(), dir)
        .args([
            "-vvv",
            "keys",
            "rotate",
            old,
            "--yes",
            "--deploy-wait",
            "0",
            "--secret-file",
            "new.env",
        ])
        .args(kind.api)
        .args(extra))
}

#[test]
fn every_kind_of_key_is_rotated_with_the_same_kind_and_policy_and_no_secret_in_the_output() {
    for kind in &KINDS {
        let sim = sim();
        let dir = scratch(&format!("keys-rotate-{}", kind.name.replace(' ', "-")));
        let (old, old_secret) = old_key(&sim, &dir, kind);
        let policy = keys(&sim, &dir)[0].2.clone();
        let out = rotate(&sim, &dir, &old, kind, &[]);
        assert_eq!(code(&out), 0, "{}: {}", kind.name, stderr(&out));
        let new = std::fs::read_to_string(dir.join("new.env")).unwrap();
        let new_secret = new
            .lines()
            .nth(1)
            .unwrap()
            .strip_prefix("TWILIO_API_SECRET=")
            .unwrap();
        assert_no_secret(&out, &[new_secret, &old_secret]);
        assert_rotated(&sim, &dir, kind, &old, &policy);
        assert!(
            !authenticates(&sim, &dir, &old, &old_secret),
            "{}: the old key is refused",
            kind.name
        );
        assert!(
            !dir.join(".state/twilio-accounts")
                .join(format!("key-rotation-{old}.json"))
                .exists(),
            "{}: the journal is removed",
            kind.name
        );
    }
}

#[test]
fn reveal_prints_the_new_key_on_stdout_only_when_asked() {
    let sim = sim();
    let dir = scratch("keys-rotate-reveal");
    let kind = &KINDS[1];
    let (old, _) = old_key(&sim, &dir, kind);
    let out = run(cli(&sim, &sim.primary_token(), &dir).args([
        "keys",
        "rotate",
        &old,
        "--yes",
        "--deploy-wait",
        "0",
        "--reveal",
    ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let printed = stdout(&out);
    let secret = printed
        .lines()
        .find_map(|l| l.strip_prefix("TWILIO_API_SECRET="))
        .unwrap_or_else(|| panic!("no secret on stdout: {printed}"));
    assert!(!stderr(&out).contains(secret));
}

#[test]
fn killed_before_any_action_then_resumed_ends_with_one_delivered_working_key() {
    let mut killed = 0;
    for kind in &KINDS {
        for index in 0..24 {
            let sim = sim();
            let dir = scratch(&format!(
                "keys-rotate-kill-{}-{index}",
                kind.name.replace(' ', "-")
            ));
            let (old, _) = old_key(&sim, &dir, kind);
            let policy = keys(&sim, &dir)[0].2.clone();
            let mut cmd = cli(&sim, &sim.primary_token(), &dir);
            cmd.args([
                "keys",
                "rotate",
                &old,
                "--yes",
                "--deploy-wait",
                "0",
                "--secret-file",
                "new.env",
            ])
            .args(kind.api);
            let Some(_) = killed_at_pause(&mut cmd, index, Duration::ZERO) else {
                // Past the last action: the rotation finished on its own.
                assert_rotated(&sim, &dir, kind, &old, &policy);
                break;
            };
            killed += 1;
            let journal = dir
                .join(".state/twilio-accounts")
                .join(format!("key-rotation-{old}.json"));
            let out = if journal.exists() {
                rotate(&sim, &dir, &old, kind, &["--resume"])
            } else {
                // Killed before the first journal: nothing changed, start again.
                assert_eq!(keys(&sim, &dir).len(), 1, "{}: {index}", kind.name);
                rotate(&sim, &dir, &old, kind, &[])
            };
            assert_eq!(
                code(&out),
                0,
                "{} killed at {index}: {}",
                kind.name,
                stderr(&out)
            );
            assert_rotated(&sim, &dir, kind, &old, &policy);
        }
    }
    assert!(killed >= 30, "only {killed} kill points");
}

#[test]
fn a_lost_create_answer_leaves_an_orphan_that_the_resume_deletes() {
    let sim = sim();
    let dir = scratch("keys-rotate-lost-create");
    let kind = &KINDS[1];
    let (old, _) = old_key(&sim, &dir, kind);
    // Every create attempt of this run loses its answer: the rotation
    // deletes each orphan and gives up, changing nothing.
    sim.set_fault(Route::IamCreateKey, Fault::ApplyThenClose, 100);
    let out = run(cli(&sim, &sim.primary_token(), &dir).args([
        "keys",
        "rotate",
        &old,
        "--yes",
        "--deploy-wait",
        "0",
        "--secret-file",
        "new.env",
        "--output",
        "json",
    ]));
    assert_eq!(code(&out), 10, "{}", stderr(&out));
    assert_eq!(keys(&sim, &dir).len(), 1, "every orphan was deleted");
    // One lost answer, then the same command: an orphan deleted, one key made.
    sim.clear_faults();
    let doc = json(&out);
    let command = doc["error"]["next_command"].as_str();
    assert_eq!(
        command, None,
        "a failure that left nothing needs no resume: {doc}"
    );
    sim.set_fault(Route::IamCreateKey, Fault::ApplyThenClose, 1);
    let out = rotate(&sim, &dir, &old, kind, &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_contains(&stderr(&out), "was deleted");
    assert_rotated(&sim, &dir, kind, &old, &Value::Null);
}

#[test]
fn the_key_limit_names_the_keys_and_its_advice_runs_as_printed() {
    let sim = Simulator::spawn(SimConfig {
        max_keys: Some(2),
        ..SimConfig::default()
    })
    .unwrap();
    let dir = scratch("keys-rotate-limit");
    let kind = &KINDS[1];
    let (old, _) = old_key(&sim, &dir, kind);
    let out = run(cli(&sim, &sim.primary_token(), &dir).args([
        "keys",
        "create",
        "--friendly-name",
        "spare",
        "--secret-file",
        "spare.env",
    ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let spare = std::fs::read_to_string(dir.join("spare.env")).unwrap();
    let spare = spare
        .lines()
        .next()
        .unwrap()
        .strip_prefix("TWILIO_API_KEY=")
        .unwrap()
        .to_owned();
    let out = rotate(&sim, &dir, &old, kind, &["--output", "json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["error"]["details"]["code"], 70151, "{doc}");
    assert_eq!(
        doc["error"]["details"]["could_go"],
        serde_json::json!([spare]),
        "{doc}"
    );
    let next = doc["error"]["next"].as_str().unwrap();
    assert_contains(next, &spare);
    assert_contains(next, "spare");
    let command = doc["error"]["next_command"].as_str().unwrap();
    let listed = run_advice(&sim, &sim.primary_token(), &dir, command);
    assert_eq!(code(&listed), 0, "{command}: {}", stderr(&listed));
    assert_contains(&stdout(&listed), &spare);
    assert_eq!(keys(&sim, &dir).len(), 2, "nothing was created");
}

#[test]
fn standard_key_credentials_are_refused_saying_what_is_needed() {
    let sim = sim();
    let dir = scratch("keys-rotate-standard-credentials");
    let (old, _) = old_key(&sim, &dir, &KINDS[1]);
    let out = run(cli(&sim, &sim.primary_token(), &dir).args([
        "keys",
        "create",
        "--friendly-name",
        "ops",
        "--secret-file",
        "ops.env",
    ]));
    assert_eq!(code(&out), 0);
    let ops = std::fs::read_to_string(dir.join("ops.env")).unwrap();
    let mut lines = ops.lines();
    let sid = lines
        .next()
        .unwrap()
        .strip_prefix("TWILIO_API_KEY=")
        .unwrap()
        .to_owned();
    let secret = lines
        .next()
        .unwrap()
        .strip_prefix("TWILIO_API_SECRET=")
        .unwrap()
        .to_owned();
    let mut cmd = cli(&sim, "unused", &dir);
    cmd.env_remove("TWILIO_AUTH_TOKEN")
        .env("TWILIO_API_KEY", &sid)
        .env("TWILIO_API_SECRET", &secret)
        .args(["keys", "rotate", &old, "--yes", "--secret-file", "new.env"]);
    let out = run(&mut cmd);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_contains(&stderr(&out), "Auth Token");
    assert_contains(&stderr(&out), "Main");
    assert_eq!(keys(&sim, &dir).len(), 2, "nothing changed");
    // With no SID, the key in use is not taken for the one to replace.
    let mut cmd = cli(&sim, "unused", &dir);
    cmd.env_remove("TWILIO_AUTH_TOKEN")
        .env("TWILIO_API_KEY", &sid)
        .env("TWILIO_API_SECRET", &secret)
        .args(["keys", "rotate", "--yes", "--secret-file", "new.env"]);
    let out = run(&mut cmd);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

#[test]
fn without_a_sid_the_environments_key_is_rotated_and_its_old_secret_checked_refused() {
    let sim = sim();
    let dir = scratch("keys-rotate-default");
    let kind = &KINDS[1];
    let (old, old_secret) = old_key(&sim, &dir, kind);
    let out = run(cli(&sim, &sim.primary_token(), &dir)
        .env("TWILIO_API_KEY", &old)
        .env("TWILIO_API_SECRET", &old_secret)
        .args([
            "keys",
            "rotate",
            "--yes",
            "--deploy-wait",
            "0",
            "--secret-file",
            "new.env",
            "--output",
            "json",
        ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["old_key_sid"], old.as_str(), "{doc}");
    assert_eq!(doc["old_key_refused"], true, "{doc}");
    assert_rotated(&sim, &dir, kind, &old, &Value::Null);
}

/// A rotation stopped by a failure or a refusal; its advice, run exactly as
/// printed (and again while it says to), must finish it or undo it.
#[test]
fn every_stop_gives_advice_that_works_when_run_exactly_as_printed() {
    struct Case {
        name: &'static str,
        /// Extra words for the first run.
        extra: &'static [&'static str],
        /// A fault for the first run only.
        fault: Option<(Route, Fault)>,
        exit: i32,
        /// Whether following the advice ends rotated (else abandoned).
        rotated: bool,
    }
    let cases = [
        Case {
            name: "no go-ahead without a terminal",
            extra: &["--deploy-wait", "0"],
            fault: None,
            exit: 1,
            rotated: true,
        },
        Case {
            name: "the old key's delete fails",
            extra: &["--yes", "--deploy-wait", "0"],
            fault: Some((Route::IamDeleteKey, Fault::ServerError { status: 500 })),
            exit: 1,
            rotated: true,
        },
        Case {
            name: "the sink command fails",
            extra: &["--yes", "--deploy-wait", "0", "--secret-exec", "exit 3"],
            fault: None,
            exit: 1,
            rotated: false,
        },
    ];
    for case in cases {
        let sim = sim();
        let dir = scratch(&format!(
            "keys-rotate-advice-{}",
            case.name.replace(' ', "-")
        ));
        let (old, _) = old_key(&sim, &dir, &KINDS[1]);
        if let Some((route, fault)) = &case.fault {
            sim.set_fault(*route, fault.clone(), 100);
        }
        let sink: &[&str] = if case.extra.contains(&"--secret-exec") {
            &[]
        } else {
            &["--secret-file", "new.env"]
        };
        let out = run(cli(&sim, &sim.primary_token(), &dir)
            .args(["keys", "rotate", &old, "--output", "json"])
            .args(sink)
            .args(case.extra));
        assert_eq!(code(&out), case.exit, "{}: {}", case.name, stderr(&out));
        sim.clear_faults();
        let mut doc = json(&out);
        for _ in 0..3 {
            let Some(command) = doc["error"]["next_command"].as_str().map(str::to_owned) else {
                break;
            };
            let out = run_advice(
                &sim,
                &sim.primary_token(),
                &dir,
                &format!("{command} --output json"),
            );
            doc = json(&out);
            if code(&out) == 0 {
                break;
            }
        }
        if case.rotated {
            assert_eq!(doc["ok"], true, "{}: {doc}", case.name);
            assert_rotated(&sim, &dir, &KINDS[1], &old, &Value::Null);
        } else {
            let left = keys(&sim, &dir);
            assert_eq!(left.len(), 1, "{}: only the old key: {left:?}", case.name);
            assert_eq!(left[0].0, old, "{}", case.name);
        }
    }
}

#[test]
fn abandon_as_printed_deletes_the_new_key_and_keeps_the_old_one() {
    let sim = sim();
    let dir = scratch("keys-rotate-abandon");
    let (old, old_secret) = old_key(&sim, &dir, &KINDS[2]);
    // No go-ahead (no terminal, no --yes): both keys work, and the advice
    // names the abandon.
    let out = run(cli(&sim, &sim.primary_token(), &dir).args([
        "keys",
        "rotate",
        &old,
        "--secret-file",
        "new.env",
        "--output",
        "json",
    ]));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(keys(&sim, &dir).len(), 2);
    let doc = json(&out);
    let next = doc["error"]["next"].as_str().unwrap();
    let abandon = next
        .split('`')
        .find(|part| part.contains("--abandon"))
        .unwrap_or_else(|| panic!("no abandon in the advice: {next}"));
    let out = run_advice(&sim, &sim.primary_token(), &dir, abandon);
    assert_eq!(code(&out), 0, "{abandon}: {}", stderr(&out));
    let left = keys(&sim, &dir);
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0].0, old);
    assert!(authenticates(&sim, &dir, &old, &old_secret));
    // Nothing is left to resume or abandon.
    let out = run_advice(&sim, &sim.primary_token(), &dir, abandon);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

/// Ctrl-C once the journal is written: exit 130, where the rotation is
/// recorded, and a resume that, run as printed, finishes it.
#[test]
fn ctrl_c_says_where_the_rotation_is_recorded_and_its_resume_finishes_it() {
    let kind = &KINDS[1];
    let sim = sim();
    let dir = scratch("keys-rotate-sigint");
    let (old, old_secret) = old_key(&sim, &dir, kind);
    let policy = keys(&sim, &dir)[0].2.clone();
    // Action 4 comes after the first journal (check, fetch, persist, ...).
    let mut child = cli(&sim, &sim.primary_token(), &dir)
        .args(["keys", "rotate", &old, "--yes", "--deploy-wait", "0"])
        .args(["--secret-file", "new.env"])
        .env("TWILIO_ACCOUNTS_TEST_PAUSE_BEFORE_ACTION", "4")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (_, rest, exit) = interrupt_at(&mut child, "test hook: paused");
    assert_eq!(exit, Some(130), "{rest}");
    assert_contains(&rest, "interrupted: the key rotation is recorded in");
    assert!(!rest.contains(&old_secret), "{rest}");
    let start = rest.find("`twilio-accounts ").expect("a command") + 1;
    let command = &rest[start..start + rest[start..].find('`').unwrap()];
    assert_contains(command, "--resume");
    let words = sh_words(command);
    let out = run(cli(&sim, &sim.primary_token(), &dir).args(&words[1..]));
    assert_eq!(code(&out), 0, "{command}: {}", stderr(&out));
    assert_rotated(&sim, &dir, kind, &old, &policy);
}
