//! `keys audit`: every key, its age, which are due, against the simulator.

use std::collections::BTreeMap;

use super::*;

/// An account with a Main key and three subaccounts.
fn audit_sim() -> Simulator {
    Simulator::spawn(SimConfig {
        seed: Some(32),
        main_api_key: true,
        subaccounts: 3,
        ..SimConfig::default()
    })
    .expect("simulator starts")
}

/// Makes a key with the parent's token (the words after `keys create`) and
/// returns its SID.
fn make_key(sim: &Simulator, dir: &Path, words: &[&str]) -> String {
    let out = run(cli(sim, &sim.primary_token(), dir)
        .args(["keys", "create", "--reveal", "--secret-format", "json"])
        .args(words));
    assert_eq!(code(&out), 0, "{words:?}: {}", stderr(&out));
    json(&out)["TWILIO_API_KEY"].as_str().unwrap().to_owned()
}

/// The audit's rows, by key SID.
fn rows(doc: &Value) -> BTreeMap<String, Value> {
    doc["value"]["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["sid"].as_str().unwrap().to_owned(), k.clone()))
        .collect()
}

#[test]
fn audit_lists_every_key_with_its_kind_and_age_and_exits_14_when_one_is_due() {
    let sim = audit_sim();
    let dir = scratch("keys-audit");
    let allow = r#"{"allow":["/twilio/messaging/messages/read"]}"#;
    std::fs::write(dir.join("expected.json"), allow).unwrap();
    std::fs::write(
        dir.join("other.json"),
        r#"{"allow":["/twilio/voice/calls/read"]}"#,
    )
    .unwrap();
    let standard = make_key(&sim, &dir, &["--friendly-name", "standard"]);
    let restricted = make_key(
        &sim,
        &dir,
        &[
            "--friendly-name",
            "restricted",
            "--restricted",
            "--policy",
            allow,
        ],
    );
    let subs = sim.subaccount_sids();
    let sub_key = make_key(&sim, &dir, &["--api", "v2010", "--subaccount", &subs[0]]);
    let (main_sid, main_secret) = sim.main_api_key().unwrap();

    // (arguments, exit, which keys are due, which restricted keys differ)
    type Case<'a> = (&'a [&'a str], i32, &'a [&'a str], &'a [&'a str]);
    let cases: &[Case<'_>] = &[
        (&["keys", "audit"], 0, &[], &[]),
        (
            &["keys", "audit", "--older-than", "0s"],
            14,
            &[&main_sid, &standard, &restricted],
            &[],
        ),
        (
            &[
                "keys",
                "audit",
                "--older-than",
                "90d",
                "--policy-file",
                "expected.json",
            ],
            0,
            &[],
            &[],
        ),
        (
            &["keys", "audit", "--policy-file", "other.json"],
            14,
            &[],
            &[&restricted],
        ),
        (
            &["keys", "audit", "--subaccounts", "--older-than", "0"],
            14,
            &[&main_sid, &standard, &restricted, &sub_key],
            &[],
        ),
    ];
    for (args, exit, due, differs) in cases {
        let (code, doc, out) = json_run(&sim, &dir, args);
        assert_eq!(code, *exit, "{args:?}: {doc}");
        assert_eq!(doc["exit_code"], *exit, "{args:?}");
        let rows = rows(&doc);
        let mut listed: Vec<&str> = rows.keys().map(String::as_str).collect();
        listed.sort_unstable();
        let mut expected = vec![main_sid.as_str(), standard.as_str(), restricted.as_str()];
        if args.contains(&"--subaccounts") {
            expected.push(&sub_key);
        }
        expected.sort_unstable();
        assert_eq!(listed, expected, "{args:?}");
        for (sid, row) in &rows {
            assert_eq!(row["due"], due.contains(&sid.as_str()), "{args:?} {sid}");
            let restricted_row = sid == &restricted;
            assert_eq!(
                row["kind"],
                if restricted_row {
                    Value::from("restricted")
                } else {
                    Value::Null
                },
                "{args:?} {sid}"
            );
            let expect_differs = if args.contains(&"--policy-file") && restricted_row {
                Value::from(differs.contains(&sid.as_str()))
            } else {
                Value::Null
            };
            assert_eq!(row["policy_differs"], expect_differs, "{args:?} {sid}");
            assert_eq!(row["age_days"], 0, "{args:?} {sid}");
            assert_eq!(row["in_use"], false, "{args:?} {sid}: a token is in use");
        }
        assert_eq!(rows[&standard]["api"], "iam");
        assert_eq!(
            rows[&restricted]["policy"]["allow"][0],
            "/twilio/messaging/messages/read"
        );
        if args.contains(&"--subaccounts") {
            assert_eq!(rows[&sub_key]["account_sid"], subs[0].as_str());
            assert_eq!(rows[&sub_key]["api"], "v2010");
        }
        assert_no_secret(&out, &[&main_secret]);
    }

    // As text, for people: a table, and the count of due keys on stderr.
    let out =
        run(cli(&sim, &sim.primary_token(), &dir).args(["keys", "audit", "--older-than", "0"]));
    assert_eq!(code(&out), 14);
    assert_contains(&stdout(&out), &restricted);
    assert_contains(&stderr(&out), "3 older than 0 days");

    // The Main key the command authenticates with is marked.
    let out = run(cli(&sim, "unused", &dir)
        .env_remove("TWILIO_AUTH_TOKEN")
        .env("TWILIO_API_KEY", &main_sid)
        .env("TWILIO_API_SECRET", &main_secret)
        .args(["keys", "audit", "--output", "json"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let rows = rows(&json(&out));
    assert_eq!(rows[&main_sid]["in_use"], true);
    assert_eq!(rows[&standard]["in_use"], false);
    assert_no_secret(&out, &[&main_secret]);
}

#[test]
fn audit_reports_an_unreadable_subaccount_and_refuses_what_cannot_audit() {
    let sim = audit_sim();
    let dir = scratch("keys-audit-refusals");
    // One subaccount's list fails: the others are reported, exit 9.
    sim.set_fault(Route::ListKeys, Fault::ServerError { status: 500 }, 4);
    let (exit, doc, _) = json_run(&sim, &dir, &["keys", "audit", "--subaccounts"]);
    assert_eq!(exit, 9, "{doc}");
    assert_eq!(doc["totals"]["accounts_failed"], 1, "{doc}");
    assert_eq!(
        doc["value"]["failed_accounts"].as_array().unwrap().len(),
        1,
        "{doc}"
    );

    // (what is wrong, arguments, exit, what the message says)
    std::fs::write(dir.join("bad.json"), "{\"allow\": [").unwrap();
    let cases: &[(&str, &[&str], i32, &str)] = &[
        (
            "a missing policy file",
            &["keys", "audit", "--policy-file", "nope.json"],
            2,
            "cannot read --policy-file nope.json",
        ),
        (
            "a malformed policy file",
            &["keys", "audit", "--policy-file", "bad.json"],
            2,
            "--policy-file bad.json",
        ),
        (
            "an unknown unit",
            &["keys", "audit", "--older-than", "3y"],
            2,
            "unknown unit",
        ),
    ];
    for (what, args, exit, message) in cases {
        let out = run(cli(&sim, &sim.primary_token(), &dir).args(*args));
        assert_eq!(code(&out), *exit, "{what}: {}", stderr(&out));
        assert_contains(&stderr(&out), message);
    }

    // A Standard key may not read the Keys resources: exit 3, with advice.
    let out = run(cli(&sim, &sim.primary_token(), &dir).args([
        "keys",
        "create",
        "--reveal",
        "--secret-format",
        "json",
    ]));
    let doc = json(&out);
    let (sid, secret) = (
        doc["TWILIO_API_KEY"].as_str().unwrap(),
        doc["TWILIO_API_SECRET"].as_str().unwrap(),
    );
    let out = run(cli(&sim, "unused", &dir)
        .env_remove("TWILIO_AUTH_TOKEN")
        .env("TWILIO_API_KEY", sid)
        .env("TWILIO_API_SECRET", secret)
        .args(["keys", "audit"]));
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert_contains(&stderr(&out), "Main key");
    assert_no_secret(&out, &[secret]);
}
