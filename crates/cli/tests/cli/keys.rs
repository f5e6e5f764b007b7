//! `keys` and `signing-keys`: the real binary against the simulator's API
//! keys (IAM v1, the 2010 `Keys` and `SigningKeys`), the secret's delivery,
//! and `verify` with a key.

use super::*;

/// The binary with an API key as its credentials (no Auth Token).
fn with_key(sim: &Simulator, dir: &Path, sid: &str, secret: &str) -> Command {
    let mut cmd = cli(sim, "unused", dir);
    cmd.env_remove("TWILIO_AUTH_TOKEN")
        .env("TWILIO_API_KEY", sid)
        .env("TWILIO_API_SECRET", secret);
    cmd
}

/// `TWILIO_API_KEY=SK…` and `TWILIO_API_SECRET=…`, as a dotenv file holds them.
fn env_pair(text: &str) -> (String, String) {
    let mut lines = text.lines();
    let key = lines
        .next()
        .and_then(|l| l.strip_prefix("TWILIO_API_KEY="))
        .unwrap_or_else(|| panic!("no TWILIO_API_KEY line: {text:?}"));
    let secret = lines
        .next()
        .and_then(|l| l.strip_prefix("TWILIO_API_SECRET="))
        .unwrap_or_else(|| panic!("no TWILIO_API_SECRET line: {text:?}"));
    assert_eq!(lines.next(), None, "two lines: {text:?}");
    assert!(
        key.len() == 34 && key.starts_with("SK") && key[2..].bytes().all(|b| b.is_ascii_hexdigit()),
        "{key}"
    );
    assert!(!secret.is_empty());
    (key.to_owned(), secret.to_owned())
}

/// Creates a key into `file` and returns its SID and secret.
fn create_into(sim: &Simulator, dir: &Path, resource: &[&str], file: &str) -> (String, String) {
    let out = run(cli(sim, &sim.primary_token(), dir).args(resource).args([
        "create",
        "--friendly-name",
        "e2e",
        "--secret-file",
        file,
    ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let (sid, secret) = env_pair(&std::fs::read_to_string(dir.join(file)).unwrap());
    assert_no_secret(&out, &[&secret]);
    (sid, secret)
}

#[test]
fn every_key_resource_lives_and_dies_through_its_commands() {
    let sim = sim();
    let dir = scratch("keys-lifecycle");
    // (the command words, whether a key made there authenticates)
    let table: &[(&[&str], bool)] = &[
        (&["keys"], true),
        (&["keys", "--api", "v2010"], true),
        (&["signing-keys"], false),
    ];
    for (n, (resource, authenticates)) in table.iter().enumerate() {
        // `--api` belongs to the subcommand: the words after the first go last.
        let (words, flags) = resource.split_at(1);
        let file = format!("key-{n}.env");
        // At the highest log level: the secret is still nowhere but the file.
        let out = run(cli(&sim, &sim.primary_token(), &dir)
            .args(words)
            .args([
                "-vvv",
                "create",
                "--friendly-name",
                "e2e",
                "--secret-file",
                &file,
            ])
            .args(flags));
        assert_eq!(code(&out), 0, "{resource:?}: {}", stderr(&out));
        let path = dir.join(&file);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{resource:?}: owner-only");
        }
        let (sid, secret) = env_pair(&std::fs::read_to_string(&path).unwrap());
        assert_no_secret(&out, &[&secret]);
        assert_contains(&stdout(&out), &sid);

        let json_of = |args: &[&str]| {
            let out = run(cli(&sim, &sim.primary_token(), &dir)
                .args(words)
                .args(args)
                .args(flags)
                .args(["--output", "json"]));
            (code(&out), json(&out), out)
        };
        let (exit, doc, out) = json_of(&["list"]);
        assert_eq!(exit, 0, "{resource:?}: {doc}");
        let sids: Vec<&str> = doc["value"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|k| k["sid"].as_str())
            .collect();
        assert!(sids.contains(&sid.as_str()), "{resource:?}: {doc}");
        assert_no_secret(&out, &[&secret]);
        let (exit, doc, _) = json_of(&["fetch", &sid]);
        assert_eq!(
            (exit, doc["value"]["friendly_name"].as_str()),
            (0, Some("e2e")),
            "{doc}"
        );
        assert_eq!(
            doc["value"].get("secret"),
            None,
            "a fetch never has the secret: {doc}"
        );
        let (exit, doc, _) = json_of(&["update", &sid, "--friendly-name", "renamed"]);
        assert_eq!(
            (exit, doc["value"]["friendly_name"].as_str()),
            (0, Some("renamed")),
            "{doc}"
        );

        let verify = run(with_key(&sim, &dir, &sid, &secret).args(["verify", "--output", "json"]));
        assert_eq!(
            code(&verify) == 0,
            *authenticates,
            "{resource:?}: {}",
            stdout(&verify)
        );
        assert_no_secret(&verify, &[&secret]);

        let (exit, doc, _) = json_of(&["delete", &sid]);
        assert_eq!(exit, 0, "{doc}");
        let (exit, doc, _) = json_of(&["fetch", &sid]);
        assert_eq!(exit, 4, "a deleted key is gone: {doc}");
        let refused = run(with_key(&sim, &dir, &sid, &secret).arg("verify"));
        assert_eq!(
            code(&refused),
            3,
            "a deleted key stops authenticating at once"
        );
    }
}

#[test]
fn a_create_refuses_to_start_without_somewhere_safe_for_the_secret() {
    let sim = sim();
    let dir = scratch("keys-no-sink");
    std::fs::write(dir.join("taken.env"), "keep me\n").unwrap();
    let table: &[(&[&str], &str)] = &[
        (
            &["keys", "create"],
            "--secret-file PATH, --secret-exec CMD or --reveal",
        ),
        (
            &["signing-keys", "create"],
            "--secret-file PATH, --secret-exec CMD or --reveal",
        ),
        (
            &["keys", "create", "--secret-file", "taken.env"],
            "pass --force",
        ),
        (
            &["keys", "create", "--secret-file", "no/such/dir/k.env"],
            "cannot write in",
        ),
        (
            &[
                "keys",
                "create",
                "--restricted",
                "--policy",
                "{\"allow\": 3}",
                "--reveal",
            ],
            "--policy",
        ),
        (
            &[
                "keys",
                "create",
                "--api",
                "v2010",
                "--restricted",
                "--policy",
                "{\"allow\":[\"/a\"]}",
                "--reveal",
            ],
            "IAM v1",
        ),
        (
            &[
                "keys",
                "list",
                "--subaccount",
                "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            ],
            "--api v2010",
        ),
    ];
    for (args, says) in table {
        let out = run(cli(&sim, &sim.primary_token(), &dir).args(*args));
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert_contains(&stderr(&out), says);
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("taken.env")).unwrap(),
        "keep me\n"
    );
    assert_eq!(sim.requests(Route::Any), 0, "nothing was sent");

    // A policy of more than 100 permissions, from a file.
    let permissions: Vec<String> = (0..101).map(|i| format!("/twilio/p{i}/read")).collect();
    std::fs::write(
        dir.join("policy.json"),
        serde_json::json!({ "allow": permissions }).to_string(),
    )
    .unwrap();
    let out = run(cli(&sim, &sim.primary_token(), &dir).args([
        "keys",
        "create",
        "--restricted",
        "--policy",
        "policy.json",
        "--reveal",
    ]));
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_contains(&stderr(&out), "policy.json");
    assert_eq!(sim.requests(Route::Any), 0, "nothing was sent");
}

#[test]
fn the_secret_goes_only_where_asked_in_the_format_asked() {
    let sim = sim();
    let dir = scratch("keys-sinks");
    // --reveal: the pair alone on stdout, in either format.
    let out = run(cli(&sim, &sim.primary_token(), &dir).args(["keys", "create", "--reveal"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let (sid, _) = env_pair(&stdout(&out));
    assert_contains(&stderr(&out), &sid);
    let out = run(cli(&sim, &sim.primary_token(), &dir).args([
        "keys",
        "create",
        "--reveal",
        "--secret-format",
        "json",
    ]));
    let pair: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let keys: Vec<&String> = pair.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["TWILIO_API_KEY", "TWILIO_API_SECRET"], "{pair}");
    // JSON output: the secret only with --reveal.
    let (exit, doc, out) = json_run(&sim, &dir, &["keys", "create", "--secret-file", "j.env"]);
    assert_eq!(exit, 0, "{doc}");
    assert_eq!(doc["value"]["secret"], "[redacted]", "{doc}");
    let (_, secret) = env_pair(&std::fs::read_to_string(dir.join("j.env")).unwrap());
    assert_no_secret(&out, &[&secret]);
    let (_, doc, _) = json_run(&sim, &dir, &["keys", "create", "--reveal"]);
    assert!(
        doc["value"]["secret"]
            .as_str()
            .is_some_and(|s| s != "[redacted]"),
        "{doc}"
    );

    // --secret-exec: the pair on stdin; the key's SID and the account in its
    // environment, and no other Twilio variable.
    let out = run(cli(&sim, &sim.primary_token(), &dir)
        .env("TWILIO_EXTRA", "not for the command")
        .args([
            "keys",
            "create",
            "--secret-exec",
            "cat > exec.env; env | grep ^TWILIO_ | sort > exec.vars",
        ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let (sid, secret) = env_pair(&std::fs::read_to_string(dir.join("exec.env")).unwrap());
    assert_no_secret(&out, &[&secret]);
    assert_eq!(
        std::fs::read_to_string(dir.join("exec.vars")).unwrap(),
        format!(
            "TWILIO_ACCOUNT_SID={}\nTWILIO_API_KEY={sid}\n",
            sim.account_sid()
        )
    );
}

#[test]
fn a_secret_that_cannot_be_handed_over_takes_its_key_with_it() {
    let sim = sim();
    let dir = scratch("keys-undeliverable");
    let table: &[(&[&str], Route)] = &[
        (
            &["keys", "create", "--secret-exec", "exit 3"],
            Route::IamDeleteKey,
        ),
        (
            &[
                "keys",
                "create",
                "--api",
                "v2010",
                "--secret-exec",
                "cat >/dev/null; exit 1",
            ],
            Route::DeleteKey,
        ),
        (
            &["signing-keys", "create", "--secret-exec", "exit 1"],
            Route::DeleteSigningKey,
        ),
    ];
    for (args, delete) in table {
        let (exit, doc, _) = json_run(&sim, &dir, args);
        assert_eq!(exit, 1, "{args:?}: {doc}");
        assert_eq!(doc["error"]["details"]["key_deleted"], true, "{doc}");
        assert_contains(doc["error"]["message"].as_str().unwrap(), "deleted again");
        assert_eq!(sim.requests(*delete), 1, "{args:?}");
    }
    for list in [
        &["keys", "list"][..],
        &["keys", "list", "--api", "v2010"],
        &["signing-keys", "list"],
    ] {
        let (_, doc, _) = json_run(&sim, &dir, list);
        assert_eq!(
            doc["value"]["items"],
            serde_json::json!([]),
            "{list:?}: {doc}"
        );
    }

    // The delete fails too: the secret is saved owner-only, never printed.
    sim.set_fault(Route::IamDeleteKey, Fault::ServerError { status: 500 }, 4);
    let out = run(cli(&sim, &sim.primary_token(), &dir).args([
        "keys",
        "create",
        "--secret-exec",
        "exit 3",
        "--output",
        "json",
    ]));
    assert_eq!(code(&out), 8, "{}", stdout(&out));
    let doc = json(&out);
    let rescued = dir.join(doc["error"]["details"]["rescue_file"].as_str().unwrap());
    let (sid, secret) = env_pair(&std::fs::read_to_string(&rescued).unwrap());
    assert_no_secret(&out, &[&secret]);
    assert_contains(
        doc["error"]["next"].as_str().unwrap(),
        &format!("keys delete {sid}"),
    );
}

#[test]
fn advice_after_an_unclear_create_or_the_key_limit_runs_as_printed() {
    let sim = Simulator::spawn(SimConfig {
        max_keys: Some(2),
        ..SimConfig::default()
    })
    .expect("simulator starts");
    let dir = scratch("keys-advice");
    // The create is applied, its answer lost: a key nobody holds.
    sim.set_fault(Route::IamCreateKey, Fault::ApplyThenClose, 1);
    let (exit, doc, _) = json_run(&sim, &dir, &["keys", "create", "--secret-file", "a.env"]);
    assert_eq!(exit, 7, "{doc}");
    assert!(!dir.join("a.env").exists());
    let next = doc["error"]["next_command"].as_str().unwrap().to_owned();
    assert_eq!(next, "twilio-accounts keys list");
    let out = run_advice(&sim, &sim.primary_token(), &dir, &next);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_contains(&stdout(&out), "SK");

    // One more fills the account; the third is refused with 70151, and the
    // advice lists the keys to delete.
    create_into(&sim, &dir, &["keys"], "b.env");
    let (exit, doc, _) = json_run(
        &sim,
        &dir,
        &["keys", "create", "--api", "v2010", "--secret-file", "c.env"],
    );
    assert_eq!(exit, 1, "{doc}");
    assert_eq!(doc["error"]["details"]["code"], 70151, "{doc}");
    let next = doc["error"]["next_command"].as_str().unwrap().to_owned();
    assert_eq!(next, "twilio-accounts keys list --api v2010");
    let out = run_advice(&sim, &sim.primary_token(), &dir, &next);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!dir.join("c.env").exists());
}

#[test]
fn restricted_keys_carry_their_policy_and_verify_tells_each_kind() {
    let sim = Simulator::spawn(SimConfig {
        main_api_key: true,
        ..SimConfig::default()
    })
    .expect("simulator starts");
    let dir = scratch("keys-kinds");
    let policy = r#"{"allow":["/twilio/messaging/messages/read"]}"#;
    let out = run(cli(&sim, &sim.primary_token(), &dir).args([
        "keys",
        "create",
        "--restricted",
        "--policy",
        policy,
        "--secret-file",
        "r.env",
    ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let (restricted, restricted_secret) =
        env_pair(&std::fs::read_to_string(dir.join("r.env")).unwrap());
    let (exit, doc, _) = json_run(&sim, &dir, &["keys", "fetch", &restricted]);
    assert_eq!(exit, 0, "{doc}");
    assert_eq!(
        doc["value"]["policy"]["allow"],
        serde_json::json!(["/twilio/messaging/messages/read"]),
        "{doc}"
    );
    let (standard, standard_secret) = create_into(&sim, &dir, &["keys"], "s.env");
    let (main, main_secret) = sim.main_api_key().expect("a Main key");

    // (key, secret, the kind verify tells)
    let table = [
        (main.as_str(), main_secret.as_str(), "main"),
        (&standard, &standard_secret, "standard"),
        (&restricted, &restricted_secret, "restricted"),
    ];
    for (sid, secret, kind) in table {
        let out =
            run(with_key(&sim, &dir, sid, secret).args(["-vvv", "verify", "--output", "json"]));
        assert_eq!(code(&out), 0, "{kind}: {}", stdout(&out));
        let doc = json(&out);
        assert_eq!(doc["key_kind"], kind, "{doc}");
        assert_eq!(doc["api_key_sid"], sid, "{doc}");
        assert_no_secret(&out, &[secret]);
        let text = run(with_key(&sim, &dir, sid, secret).arg("verify"));
        let said = match kind {
            "main" => "appears to be a Main key",
            "standard" => "appears to be a Standard key",
            _ => "appears to be a restricted key",
        };
        assert_contains(&stdout(&text), said);
    }
    // A Main key manages keys; a Standard key is told what it needs.
    let out = run(with_key(&sim, &dir, &main, &main_secret).args(["keys", "list"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(with_key(&sim, &dir, &standard, &standard_secret).args(["keys", "list"]));
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert_contains(&stderr(&out), "Auth Token or a Main API key");
}

#[test]
fn a_parent_lists_and_manages_every_subaccounts_keys_through_the_2010_api() {
    let sim = Simulator::spawn(SimConfig {
        seed: Some(3),
        subaccounts: 3,
        ..SimConfig::default()
    })
    .expect("simulator starts");
    let dir = scratch("keys-subaccounts");
    let subs = sim.subaccount_sids();
    let out = run(cli(&sim, &sim.primary_token(), &dir).args([
        "keys",
        "create",
        "--api",
        "v2010",
        "--subaccount",
        &subs[1],
        "--secret-file",
        "sub.env",
    ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let (sid, secret) = env_pair(&std::fs::read_to_string(dir.join("sub.env")).unwrap());
    // The key acts for the subaccount it belongs to.
    let verify = run(with_key(&sim, &dir, &sid, &secret)
        .env("TWILIO_ACCOUNT_SID", &subs[1])
        .args(["verify"]));
    assert_eq!(code(&verify), 0, "{}", stderr(&verify));

    let (exit, doc, _) = json_run(&sim, &dir, &["keys", "list", "--subaccounts"]);
    assert_eq!(exit, 0, "{doc}");
    let accounts = doc["value"]["accounts"].as_array().unwrap();
    let mut listed: Vec<&str> = accounts
        .iter()
        .map(|a| a["account_sid"].as_str().unwrap())
        .collect();
    listed.sort_unstable();
    let mut expected: Vec<&str> = subs.iter().map(String::as_str).collect();
    expected.sort_unstable();
    assert_eq!(listed, expected, "every subaccount, not the parent: {doc}");
    for account in accounts {
        let keys: Vec<&str> = account["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["sid"].as_str().unwrap())
            .collect();
        let expected: &[&str] = if account["account_sid"] == subs[1].as_str() {
            &[&sid]
        } else {
            &[]
        };
        assert_eq!(keys, expected, "{doc}");
    }
    let out = run(cli(&sim, &sim.primary_token(), &dir).args(["keys", "list", "--subaccounts"]));
    assert_contains(&stdout(&out), &sid);
    assert_contains(&stdout(&out), &subs[1]);

    // One subaccount's list fails: the others are listed, exit 9, and the
    // advice runs as printed.
    sim.set_fault(Route::ListKeys, Fault::ServerError { status: 500 }, 4);
    let (exit, doc, _) = json_run(&sim, &dir, &["keys", "list", "--subaccounts"]);
    assert_eq!(exit, 9, "{doc}");
    let errors = doc["value"]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| !a["error"].is_null())
        .count();
    assert_eq!(errors, 1, "{doc}");
    let next = doc["next_command"].as_str().unwrap().to_owned();
    assert_eq!(next, "twilio-accounts keys list --subaccounts");
    let out = run_advice(&sim, &sim.primary_token(), &dir, &next);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}
