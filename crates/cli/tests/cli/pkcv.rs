//! Public Key Client Validation from the command line: the global
//! `--pkcv-private-key` / `--pkcv-credential-sid` (here from their
//! variables), `pkcv check`, and what each refusal says, against the
//! simulator under `require_pkcv`, which verifies with its own code.
//!
//! The key pair is Twilio's published example (`pkcv-vectors.json`, and its
//! PKCS#8 conversion in `tests/data/pkcv_example_pkcs8.pem`), not a secret.

use super::*;

const VECTORS: &str = include_str!("../../../core/tests/data/pkcv-vectors.json");
const EXAMPLE_PKCS8: &str = include_str!("../data/pkcv_example_pkcs8.pem");
/// An RSA 1024 key, which PKCV does not take.
const RSA_1024: &str = include_str!("../../../client/tests/data/rsa_1024.pem");
/// The private key file each test writes in its scratch directory.
const KEY_FILE: &str = "pkcv.pem";

/// The docs example's PEM of `field` (`public_key_pem`, `private_key_pem_pkcs1`).
fn example(field: &str) -> String {
    let vectors: Value = serde_json::from_str(VECTORS).unwrap();
    vectors["docs_example"][field].as_str().unwrap().to_owned()
}

/// An account that requires PKCV, with a Main key and the example public key.
fn pkcv_sim() -> Simulator {
    Simulator::spawn(SimConfig {
        seed: Some(33),
        main_api_key: true,
        public_keys: vec![example("public_key_pem")],
        require_pkcv: true,
        ..SimConfig::default()
    })
    .expect("the simulator starts")
}

/// A scratch directory holding the example private key as `KEY_FILE`.
fn key_dir(name: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::write(dir.join(KEY_FILE), example("private_key_pem_pkcs1")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let owner_only = std::fs::Permissions::from_mode(0o600);
        std::fs::set_permissions(dir.join(KEY_FILE), owner_only).unwrap();
    }
    dir
}

/// The binary with the Main key and signing with the example key: every
/// setting from the environment, as a deployment would give them.
fn signed(sim: &Simulator, dir: &Path) -> Command {
    let (sid, secret) = sim.main_api_key().expect("a Main key");
    let mut cmd = cli(sim, "unused", dir);
    cmd.env_remove("TWILIO_AUTH_TOKEN")
        .env("TWILIO_API_KEY", sid)
        .env("TWILIO_API_SECRET", secret)
        .env("TWILIO_PKCV_PRIVATE_KEY", KEY_FILE)
        .env("TWILIO_PKCV_CREDENTIAL_SID", &sim.public_key_sids()[0]);
    cmd
}

/// Lines of the private keys' base64 that must never be printed.
fn key_lines() -> Vec<String> {
    [example("private_key_pem_pkcs1"), EXAMPLE_PKCS8.to_owned()]
        .iter()
        .flat_map(|pem| {
            pem.lines()
                .filter(|l| !l.starts_with("-----"))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn pkcv_check_is_accepted_with_the_key_in_either_format() {
    let sim = pkcv_sim();
    let dir = key_dir("pkcv-check");
    std::fs::write(dir.join("pkcs8.pem"), EXAMPLE_PKCS8).unwrap();
    let credential = sim.public_key_sids()[0].clone();
    for key in [KEY_FILE, "pkcs8.pem"] {
        let out = run(signed(&sim, &dir)
            .env("TWILIO_PKCV_PRIVATE_KEY", key)
            .args(["pkcv", "check", "--output", "json"]));
        assert_eq!(code(&out), 0, "{key}: {}", stdout(&out));
        let doc = json(&out);
        assert_eq!(doc["command"], "pkcv check", "{doc}");
        assert_eq!(doc["ok"], true, "{doc}");
        assert_eq!(doc["accepted"], true, "{doc}");
        assert_eq!(doc["credential_sid"], credential.as_str(), "{doc}");
        assert_eq!(doc["account_sid"], sim.account_sid(), "{doc}");
    }
    // A key file others can read draws a warning (the example key is public).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let readable = std::fs::Permissions::from_mode(0o644);
        std::fs::set_permissions(dir.join("pkcs8.pem"), readable).unwrap();
        let out = run(signed(&sim, &dir)
            .env("TWILIO_PKCV_PRIVATE_KEY", "pkcs8.pem")
            .args(["pkcv", "check"]));
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_contains(
            &stderr(&out),
            "can be read by other users (mode 644): `chmod 600 pkcs8.pem`",
        );
        let quiet = run(signed(&sim, &dir).args(["pkcv", "check"]));
        assert!(
            !stderr(&quiet).contains("other users"),
            "{}",
            stderr(&quiet)
        );
    }
    // Text: the result on stdout; the options on the command line do the same.
    let out = run(signed(&sim, &dir)
        .env_remove("TWILIO_PKCV_PRIVATE_KEY")
        .env_remove("TWILIO_PKCV_CREDENTIAL_SID")
        .args(["pkcv", "check", "--pkcv-private-key", "pkcs8.pem"])
        .args(["--pkcv-credential-sid", &credential]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_contains(&stdout(&out), "The account accepts requests signed");
}

#[test]
fn pkcv_check_says_when_the_account_does_not_enforce_pkcv() {
    let sim = Simulator::spawn(SimConfig {
        main_api_key: true,
        public_keys: vec![example("public_key_pem")],
        ..SimConfig::default()
    })
    .expect("the simulator starts");
    let dir = key_dir("pkcv-not-enforced");
    let out = run(signed(&sim, &dir).args(["pkcv", "check", "--output", "json"]));
    assert_eq!(code(&out), 3, "{}", stdout(&out));
    let doc = json(&out);
    assert_eq!(doc["command"], "pkcv check", "{doc}");
    assert_eq!(doc["accepted"], false, "{doc}");
    assert_eq!(doc["error"]["details"]["code"], 70053, "{doc}");
    assert_contains(
        doc["error"]["next"].as_str().unwrap_or_default(),
        "does not enforce Public Key Client Validation",
    );
}

/// The rotation's notes, from its JSON document.
fn notes(doc: &Value) -> String {
    doc["notes"].to_string()
}

#[test]
fn rotate_with_a_main_key_rotates_signed_and_resumes_as_advised() {
    let sim = pkcv_sim();
    let dir = key_dir("pkcv-rotate");
    let old = sim.primary_token();
    let out = run(signed(&sim, &dir)
        .args(ROTATE_YES)
        .args(["--output", "json"]));
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let doc = json(&out);
    assert_contains(&notes(&doc), "Public Key Client Validation");
    rotated(&sim, &old, &dir);

    // Declined at the go-ahead (no terminal, no --yes): the advised resume,
    // run as printed with the same environment, finishes it signed.
    let old = sim.primary_token();
    let out = run(signed(&sim, &dir).args([
        "rotate",
        "--settle",
        "0",
        "--deploy-wait",
        "0",
        "--token-file",
        "t",
        "--force",
        "--output",
        "json",
    ]));
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let doc = json(&out);
    let next = doc["error"]["next_command"]
        .as_str()
        .unwrap_or_else(|| panic!("a resume to run: {doc}"));
    assert!(sim.secondary_token().is_some(), "created, not promoted");
    let words = sh_words(next);
    assert_eq!(words[0], "twilio-accounts", "{next}");
    let then = run(signed(&sim, &dir).args(&words[1..]));
    assert_eq!(code(&then), 0, "{next}: {}", stderr(&then));
    rotated(&sim, &old, &dir);
}

#[test]
fn every_command_class_is_signed_and_the_key_is_never_printed() {
    let sim = pkcv_sim();
    let dir = key_dir("pkcv-commands");
    // (command, what it reaches)
    let table: &[(&[&str], Route)] = &[
        (&["verify"], Route::ListPublicKeys),
        (
            &["credentials", "public-keys", "list"],
            Route::ListPublicKeys,
        ),
        (&["call", "ListCredentialPublicKey"], Route::ListPublicKeys),
        (&["keys", "list"], Route::Any),
        (&["safelist", "check", "+18001234567"], Route::Any),
        (
            &["secondary", "create", "--token-file", "s"],
            Route::CreateSecondary,
        ),
        (&["promote"], Route::Promote),
    ];
    let secrets = key_lines();
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    for (command, route) in table {
        let before = sim.requests(*route);
        let out = run(signed(&sim, &dir).args(*command).arg("-vvv"));
        // `safelist check` of a number not in the list exits 4: it was answered.
        let expected = if command[0] == "safelist" { 4 } else { 0 };
        assert_eq!(code(&out), expected, "{command:?}: {}", stderr(&out));
        assert!(sim.requests(*route) > before, "{command:?} reached Twilio");
        assert_no_secret(&out, &secrets);
    }
    assert!(sim.secondary_token().is_none(), "promoted");
    assert_eq!(
        std::fs::read_to_string(dir.join("s")).unwrap().trim_end(),
        sim.primary_token(),
        "the token file holds the promoted token"
    );
}

/// A failing signed (or unsigned) command, and what it must say.
struct PkcvFailure {
    name: &'static str,
    /// Changes to the signed command's environment: `(variable, Some(value))`
    /// sets, `(variable, None)` removes.
    env: &'static [(&'static str, Option<&'static str>)],
    args: &'static [&'static str],
    exit: i32,
    /// Twilio's error code, when the request was sent.
    code: Option<u32>,
    /// In the error's message.
    message: &'static str,
    /// In its advice.
    next: &'static str,
}

#[test]
fn every_refusal_says_what_to_do() {
    let no_key: &[(&str, Option<&str>)] = &[
        ("TWILIO_PKCV_PRIVATE_KEY", None),
        ("TWILIO_PKCV_CREDENTIAL_SID", None),
    ];
    let cases = [
        PkcvFailure {
            name: "unsigned, on an account that requires PKCV",
            env: no_key,
            args: &["verify"],
            exit: 3,
            code: Some(70052),
            message: "requires Public Key Client Validation",
            next: "--pkcv-private-key PATH and --pkcv-credential-sid",
        },
        PkcvFailure {
            name: "a credential SID that is not registered",
            env: &[(
                "TWILIO_PKCV_CREDENTIAL_SID",
                Some("CR00000000000000000000000000000000"),
            )],
            args: &["credentials", "public-keys", "list"],
            exit: 3,
            code: Some(70154),
            message: "not valid for this account",
            next: "check --pkcv-credential-sid (TWILIO_PKCV_CREDENTIAL_SID)",
        },
        PkcvFailure {
            name: "Auth Token credentials",
            env: &[("TWILIO_API_KEY", None), ("TWILIO_API_SECRET", None)],
            args: &["verify"],
            exit: 2,
            code: None,
            message: "needs API key credentials",
            next: "--api-key SK…",
        },
        PkcvFailure {
            name: "Auth Token credentials, for a rotation",
            env: &[("TWILIO_API_KEY", None), ("TWILIO_API_SECRET", None)],
            args: ROTATE_YES,
            exit: 2,
            code: None,
            message: "needs API key credentials",
            next: "--api-key SK…",
        },
        PkcvFailure {
            name: "a key without its credential SID",
            env: &[("TWILIO_PKCV_CREDENTIAL_SID", None)],
            args: &["keys", "list"],
            exit: 2,
            code: None,
            message: "TWILIO_PKCV_PRIVATE_KEY is given without --pkcv-credential-sid",
            next: "add --pkcv-credential-sid CR…",
        },
        PkcvFailure {
            name: "a credential SID without its key",
            env: &[("TWILIO_PKCV_PRIVATE_KEY", None)],
            args: &["verify"],
            exit: 2,
            code: None,
            message: "TWILIO_PKCV_CREDENTIAL_SID is given without --pkcv-private-key",
            next: "add --pkcv-private-key PATH",
        },
        PkcvFailure {
            name: "an empty variable, as if not set",
            env: &[("TWILIO_PKCV_CREDENTIAL_SID", Some(""))],
            args: &["verify"],
            exit: 2,
            code: None,
            message: "TWILIO_PKCV_PRIVATE_KEY is given without --pkcv-credential-sid",
            next: "add --pkcv-credential-sid CR…",
        },
        PkcvFailure {
            name: "a private key that is not PEM",
            env: &[("TWILIO_PKCV_PRIVATE_KEY", Some("garbage.pem"))],
            args: &["verify"],
            exit: 2,
            code: None,
            message: "no PEM private key found",
            next: "openssl pkey -in garbage.pem -out private_key.pem",
        },
        PkcvFailure {
            name: "a credential SID that is no SID",
            env: &[("TWILIO_PKCV_CREDENTIAL_SID", Some("CRnot-a-sid"))],
            args: &["verify"],
            exit: 2,
            code: None,
            message: "TWILIO_PKCV_CREDENTIAL_SID:",
            next: "",
        },
        PkcvFailure {
            name: "a key file that does not exist",
            env: &[("TWILIO_PKCV_PRIVATE_KEY", Some("missing.pem"))],
            args: &["verify"],
            exit: 2,
            code: None,
            message: "cannot read the PKCV private key missing.pem (TWILIO_PKCV_PRIVATE_KEY)",
            next: "",
        },
        PkcvFailure {
            name: "a public key instead of the private key",
            env: &[("TWILIO_PKCV_PRIVATE_KEY", Some("public.pem"))],
            args: &["verify"],
            exit: 2,
            code: None,
            message: "no PEM private key found",
            next: "public.pem is a public key: give the private key it pairs with",
        },
        PkcvFailure {
            name: "an RSA 1024 key",
            env: &[("TWILIO_PKCV_PRIVATE_KEY", Some("rsa_1024.pem"))],
            args: &["verify"],
            exit: 2,
            code: None,
            message: "smaller than 2048 bits",
            next: "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048",
        },
        PkcvFailure {
            name: "pkcv check with nothing to sign with",
            env: no_key,
            args: &["pkcv", "check"],
            exit: 2,
            code: None,
            message: "no key to sign with",
            next: "--pkcv-private-key PATH",
        },
        PkcvFailure {
            name: "pkcv rotate without the pair it replaces",
            env: no_key,
            args: &["pkcv", "rotate", "--secret-file", "new.pem"],
            exit: 2,
            code: None,
            message: "replaces the key pair that signs now, and none is given",
            next: "give the current pair with --pkcv-private-key PATH",
        },
        PkcvFailure {
            name: "pkcv rotate with nowhere to put the new private key",
            env: &[],
            args: &["pkcv", "rotate"],
            exit: 2,
            code: None,
            message: "choose --secret-file PATH (owner-only), --secret-exec CMD (the key on its stdin) or --sink",
            next: "",
        },
    ];
    let sim = pkcv_sim();
    let dir = key_dir("pkcv-refusals");
    std::fs::write(dir.join("public.pem"), example("public_key_pem")).unwrap();
    std::fs::write(dir.join("rsa_1024.pem"), RSA_1024).unwrap();
    std::fs::write(dir.join("garbage.pem"), "not a key\n").unwrap();
    let token = sim.primary_token();
    for case in &cases {
        let mut command = signed(&sim, &dir);
        command.env("TWILIO_AUTH_TOKEN", &token);
        if case
            .env
            .iter()
            .all(|(name, _)| !name.starts_with("TWILIO_API_"))
        {
            command.env_remove("TWILIO_AUTH_TOKEN");
        }
        for (name, value) in case.env {
            match value {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
        }
        let before = sim.requests(Route::Any);
        // Text: the message and the advice on stderr, nothing on stdout.
        let out = run(command.args(case.args));
        assert_eq!(code(&out), case.exit, "{}: {}", case.name, stderr(&out));
        let err = stderr(&out);
        assert_contains(&err, case.message);
        if !case.next.is_empty() {
            assert_contains(&err, "what to do: ");
            assert_contains(&err, case.next);
        }
        assert_eq!(stdout(&out), "", "{}", case.name);
        // JSON: the same, and the code; any command it advises runs as printed.
        let out = run(command.args(["--output", "json"]));
        let doc = json(&out);
        assert_eq!(code(&out), case.exit, "{}: {doc}", case.name);
        assert_eq!(doc["ok"], false, "{}: {doc}", case.name);
        assert_eq!(
            doc["error"]["details"]["code"].as_u64(),
            case.code.map(u64::from),
            "{}: {doc}",
            case.name
        );
        assert_contains(doc["error"]["next"].as_str().unwrap_or_default(), case.next);
        let sent = sim.requests(Route::Any) - before;
        match case.code {
            Some(_) => assert!(sent > 0, "{}: it was sent", case.name),
            None => assert_eq!(sent, 0, "{}: nothing was sent", case.name),
        }
        if let Some(next) = doc["error"]["next_command"].as_str() {
            let words = sh_words(next);
            assert_eq!(words[0], "twilio-accounts", "{}: {next}", case.name);
            let then = run(signed(&sim, &dir).args(&words[1..]));
            assert_eq!(code(&then), 0, "{}: {next}: {}", case.name, stderr(&then));
        }
    }
}

/// `rotate`, signed, with the journal in `state.json` and the token in `t`.
fn signed_rotate(sim: &Simulator, dir: &Path) -> Command {
    let mut cmd = signed(sim, dir);
    cmd.args(ROTATE_YES).args(["--state-file", "state.json"]);
    cmd
}

#[test]
fn a_signed_rotation_killed_at_any_action_is_finished_by_resume() {
    let mut killed = 0;
    for index in 0..64 {
        let sim = pkcv_sim();
        let dir = key_dir(&format!("pkcv-crash-{index}"));
        let old = sim.primary_token();
        let paused =
            killed_at_pause(&mut signed_rotate(&sim, &dir), index, Duration::ZERO).is_some();
        if !paused {
            break;
        }
        killed += 1;
        let mut again = signed_rotate(&sim, &dir);
        if dir.join("state.json").exists() {
            again.arg("--resume");
        }
        let out = run(&mut again);
        // Killed with the promote under way, no token can tell whether it
        // happened (the account refuses tokens, and a Main key never knew
        // the old one): the resume reads the primary from the account.
        assert_eq!(
            code(&out),
            0,
            "killed before action {index}: {}",
            stderr(&out)
        );
        rotated(&sim, &old, &dir);
    }
    assert!(killed >= 8, "only {killed} kill points");
}

/// `rotate --subaccounts` under PKCV: the parent's requests (the listing,
/// the 2010 reads of each subaccount's token, and its own rotation with
/// `--include-main`) are signed; each subaccount's own, with its Auth Token,
/// are not. Whether Twilio's enforcement reaches the subaccounts is
/// unconfirmed: where it does not, every account rotates; where it does,
/// each subaccount's first check is refused (70052) before anything
/// changes, the report says so, and the parent is not started.
#[test]
fn a_signed_fleet_rotates_each_subaccount_as_itself_where_it_does_not_enforce_pkcv() {
    // (whether subaccounts enforce PKCV too, exit, each subaccount rotated)
    for (pkcv_subaccounts, exit, rotated) in [(false, 0, true), (true, 9, false)] {
        let sim = Simulator::spawn(SimConfig {
            seed: Some(35),
            main_api_key: true,
            public_keys: vec![example("public_key_pem")],
            require_pkcv: true,
            pkcv_subaccounts,
            subaccounts: 3,
            ..SimConfig::default()
        })
        .expect("the simulator starts");
        let dir = key_dir(&format!("pkcv-fleet-{pkcv_subaccounts}"));
        std::fs::create_dir_all(dir.join("tokens")).unwrap();
        let subaccounts = sim.subaccount_sids();
        let before: Vec<String> = subaccounts
            .iter()
            .map(|sid| sim.primary_token_of(sid).unwrap())
            .collect();
        let parent_before = sim.primary_token();
        let out = run(signed(&sim, &dir).args([
            "rotate",
            "--subaccounts",
            "--include-main",
            "--token-dir",
            "tokens",
            "--settle",
            "0",
            "--state-file",
            "fleet",
            "--output",
            "json",
        ]));
        let label = format!("subaccounts enforce PKCV: {pkcv_subaccounts}");
        assert_eq!(code(&out), exit, "{label}: {}", stdout(&out));
        let doc = json(&out);
        let entries = doc["accounts"].as_array().unwrap();
        for (sid, old) in subaccounts.iter().zip(&before) {
            let primary = sim.primary_token_of(sid).unwrap();
            assert_eq!(sim.secondary_token_of(sid), None, "{label}: {sid}");
            let entry = entries
                .iter()
                .find(|e| e["account_sid"] == sid.as_str())
                .unwrap();
            if rotated {
                assert_ne!(&primary, old, "{label}: {sid} rotated");
                let file = std::fs::read_to_string(dir.join("tokens").join(sid)).unwrap();
                assert_eq!(file.trim_end(), primary, "{label}: {sid}");
            } else {
                assert_eq!(&primary, old, "{label}: {sid} unchanged");
                assert!(!dir.join("tokens").join(sid).exists(), "{label}: {sid}");
                let message = entry["error"]["message"].as_str().unwrap();
                assert_contains(message, "requires Public Key Client Validation too");
                assert_contains(message, "nothing was changed");
            }
        }
        let parent = entries.last().unwrap();
        assert_eq!(parent["main"], true, "{label}");
        if rotated {
            assert_eq!(parent["outcome"], "rotated", "{label}");
            let file = std::fs::read_to_string(dir.join("tokens").join(sim.account_sid())).unwrap();
            assert_eq!(file.trim_end(), sim.primary_token(), "{label}");
            assert_ne!(sim.primary_token(), parent_before, "{label}");
        } else {
            assert_eq!(parent["outcome"], "not_started", "{label}");
            assert_eq!(sim.primary_token(), parent_before, "{label}");
        }
        let lines = key_lines();
        assert_no_secret(&out, &lines.iter().map(String::as_str).collect::<Vec<_>>());
    }
}

/// The SIDs of the account's public keys, read signed with `key` and `sid`.
fn registered(sim: &Simulator, dir: &Path, key: &str, sid: &str) -> Vec<String> {
    let out = run(signed(sim, dir)
        .env("TWILIO_PKCV_PRIVATE_KEY", key)
        .env("TWILIO_PKCV_CREDENTIAL_SID", sid)
        .args(["credentials", "public-keys", "list", "--output", "json"]));
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    json(&out)["value"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["sid"].as_str().unwrap().to_owned())
        .collect()
}

/// `pkcv check` with `key` and `sid`: its exit code and Twilio's error code.
fn check_with(sim: &Simulator, dir: &Path, key: &str, sid: &str) -> (i32, Value) {
    let out = run(signed(sim, dir)
        .env("TWILIO_PKCV_PRIVATE_KEY", key)
        .env("TWILIO_PKCV_CREDENTIAL_SID", sid)
        .args(["pkcv", "check", "--output", "json"]));
    (code(&out), json(&out)["error"]["details"]["code"].clone())
}

/// `pkcv rotate` into `new.pem`, its journal in `pk.json`.
const PKCV_ROTATE: &[&str] = &[
    "pkcv",
    "rotate",
    "--secret-file",
    "new.pem",
    "--yes",
    "--deploy-wait",
    "0",
    "--state-file",
    "pk.json",
];

/// The key pair was rotated into `new.pem` as `new_sid`: exactly that
/// public key is registered, it pairs with the key in the sink (owner-only),
/// the old pair is refused, the journal is gone.
fn key_pair_rotated(sim: &Simulator, dir: &Path, old_sid: &str, new_sid: &str) {
    assert_eq!(registered(sim, dir, "new.pem", new_sid), [new_sid]);
    assert_ne!(new_sid, old_sid);
    assert_eq!(check_with(sim, dir, "new.pem", new_sid).0, 0);
    assert_eq!(
        check_with(sim, dir, KEY_FILE, old_sid),
        (3, Value::from(70154)),
        "the old pair is refused"
    );
    assert!(!dir.join("pk.json").exists(), "the journal is removed");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("new.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn pkcv_rotate_replaces_the_key_pair_made_or_given() {
    let sim = pkcv_sim();
    let dir = key_dir("pkcv-rotate-pair");
    let old_sid = sim.public_key_sids()[0].clone();
    let out = run(signed(&sim, &dir)
        .args(PKCV_ROTATE)
        .args(["--output", "json"]));
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let doc = json(&out);
    assert_eq!(doc["command"], "pkcv rotate", "{doc}");
    assert_eq!(doc["generated"], true, "{doc}");
    assert_eq!(doc["old_pair_refused"], true, "{doc}");
    assert_eq!(doc["old_credential_sid"], old_sid.as_str(), "{doc}");
    let new_sid = doc["new_credential_sid"].as_str().unwrap().to_owned();
    key_pair_rotated(&sim, &dir, &old_sid, &new_sid);
    assert_no_secret(
        &out,
        &[&std::fs::read_to_string(dir.join("new.pem")).unwrap()[40..120]],
    );

    // Back to the published example key, given (PKCS#8), without --yes:
    // it stops before deleting, and the advised resume finishes it.
    std::fs::write(dir.join("example.pem"), EXAMPLE_PKCS8).unwrap();
    std::fs::rename(dir.join("new.pem"), dir.join("current.pem")).unwrap();
    let current = |cmd: &mut Command| {
        cmd.env("TWILIO_PKCV_PRIVATE_KEY", "current.pem")
            .env("TWILIO_PKCV_CREDENTIAL_SID", &new_sid);
    };
    let mut first = signed(&sim, &dir);
    current(&mut first);
    let out = run(first.args([
        "pkcv",
        "rotate",
        "--new-private-key",
        "example.pem",
        "--secret-file",
        "new.pem",
        "--state-file",
        "pk.json",
        "--deploy-wait",
        "0",
        "--output",
        "json",
    ]));
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let next = json(&out)["error"]["next_command"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        registered(&sim, &dir, "current.pem", &new_sid).len(),
        2,
        "both until the go-ahead"
    );
    let words = sh_words(&next);
    assert_eq!(words[0], "twilio-accounts", "{next}");
    let mut then = signed(&sim, &dir);
    current(&mut then);
    let out = run(then.args(&words[1..]).args(["--output", "json"]));
    assert_eq!(code(&out), 0, "{next}: {}", stdout(&out));
    let doc = json(&out);
    assert_eq!(doc["generated"], false, "{doc}");
    assert_eq!(doc["private_key_delivered_to"][0], "file new.pem", "{doc}");
    let back = doc["new_credential_sid"].as_str().unwrap().to_owned();
    assert_eq!(
        std::fs::read_to_string(dir.join("new.pem")).unwrap(),
        EXAMPLE_PKCS8
    );
    std::fs::copy(dir.join("current.pem"), dir.join(KEY_FILE)).unwrap();
    key_pair_rotated(&sim, &dir, &new_sid, &back);
}

/// The pair and the base URL typed as flags (not in the environment): the
/// advice of a `pkcv rotate` stopped before the go-ahead repeats them, and
/// runs as printed.
#[test]
fn pkcv_rotate_advice_repeats_the_options_typed_on_the_command_line() {
    let sim = pkcv_sim();
    let dir = key_dir("pkcv-rotate-flags");
    let kid = sim.public_key_sids()[0].clone();
    let base = sim.base_url();
    let flags = |cmd: &mut Command| {
        cmd.env_remove("TWILIO_PKCV_PRIVATE_KEY")
            .env_remove("TWILIO_PKCV_CREDENTIAL_SID")
            .env_remove("TWILIO_ACCOUNTS_BASE_URL");
    };
    let mut first = signed(&sim, &dir);
    flags(&mut first);
    let out = run(first.args([
        "--pkcv-private-key",
        KEY_FILE,
        "--pkcv-credential-sid",
        &kid,
        "--base-url",
        &base,
        "pkcv",
        "rotate",
        "--secret-file",
        "new.pem",
        "--state-file",
        "pk.json",
        "--deploy-wait",
        "0",
        "--output",
        "json",
    ]));
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let next = json(&out)["error"]["next_command"]
        .as_str()
        .unwrap()
        .to_owned();
    for typed in ["--pkcv-private-key", "--pkcv-credential-sid", "--base-url"] {
        assert_contains(&next, typed);
    }
    let words = sh_words(&next);
    let mut then = signed(&sim, &dir);
    flags(&mut then);
    let out = run(then.args(&words[1..]).args(["--output", "json"]));
    assert_eq!(code(&out), 0, "{next}: {}", stdout(&out));
    let new_sid = json(&out)["new_credential_sid"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(check_with(&sim, &dir, "new.pem", &new_sid).0, 0);
}

/// Whether Twilio accepts several registered public keys at once is
/// unconfirmed. Where it accepts one only (the simulator's
/// `single_public_key`), the register is refused: the rotation stops before
/// changing anything, removes its journal, says why, and the old pair still
/// signs. (Where several are accepted, the tests above rotate.)
#[test]
fn pkcv_rotate_where_one_key_at_a_time_is_accepted_changes_nothing() {
    let sim = Simulator::spawn(SimConfig {
        seed: Some(34),
        main_api_key: true,
        public_keys: vec![example("public_key_pem")],
        require_pkcv: true,
        single_public_key: true,
        ..SimConfig::default()
    })
    .expect("the simulator starts");
    let dir = key_dir("pkcv-rotate-single");
    let old_sid = sim.public_key_sids()[0].clone();
    let out = run(signed(&sim, &dir)
        .args(PKCV_ROTATE)
        .args(["--output", "json"]));
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let error = &json(&out)["error"];
    let message = error["message"].as_str().unwrap();
    assert_contains(message, "refused to register the new public key");
    assert_contains(message, "nothing was changed");
    assert_contains(
        error["next"].as_str().unwrap(),
        "only one registered public key",
    );
    assert_eq!(error["next_command"], Value::Null, "{error}");
    assert!(!dir.join("pk.json").exists(), "the journal is removed");
    assert!(!dir.join("new.pem").exists(), "nothing was delivered");
    assert_eq!(
        registered(&sim, &dir, KEY_FILE, &old_sid),
        std::slice::from_ref(&old_sid)
    );
    assert_eq!(
        check_with(&sim, &dir, KEY_FILE, &old_sid).0,
        0,
        "the old pair signs"
    );
    let lines = key_lines();
    assert_no_secret(&out, &lines.iter().map(String::as_str).collect::<Vec<_>>());
}

#[test]
fn pkcv_rotate_hands_the_new_private_key_to_a_command() {
    let sim = pkcv_sim();
    let dir = key_dir("pkcv-rotate-exec");
    let out = run(signed(&sim, &dir).args([
        "pkcv",
        "rotate",
        "--secret-exec",
        "cat > piped.pem && echo \"$TWILIO_ACCOUNT_SID $TWILIO_PKCV_CREDENTIAL_SID\" > env.txt",
        "--yes",
        "--deploy-wait",
        "0",
        "--output",
        "json",
    ]));
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let new_sid = json(&out)["new_credential_sid"]
        .as_str()
        .unwrap()
        .to_owned();
    let env = std::fs::read_to_string(dir.join("env.txt")).unwrap();
    assert_eq!(env.trim_end(), format!("{} {new_sid}", sim.account_sid()));
    assert_eq!(check_with(&sim, &dir, "piped.pem", &new_sid).0, 0);
}

#[test]
fn pkcv_rotate_killed_at_any_step_is_finished_by_resume() {
    let mut killed = 0;
    for index in 0..32 {
        let sim = pkcv_sim();
        let dir = key_dir(&format!("pkcv-rotate-kill-{index}"));
        let old_sid = sim.public_key_sids()[0].clone();
        let paused =
            killed_at_pause(signed(&sim, &dir).args(PKCV_ROTATE), index, Duration::ZERO).is_some();
        if !paused {
            break;
        }
        killed += 1;
        let out = run(signed(&sim, &dir)
            .args(PKCV_ROTATE)
            .args(["--resume", "--output", "json"]));
        assert_eq!(
            code(&out),
            0,
            "killed before step {index}: {}",
            stdout(&out)
        );
        let new_sid = json(&out)["new_credential_sid"]
            .as_str()
            .unwrap()
            .to_owned();
        key_pair_rotated(&sim, &dir, &old_sid, &new_sid);
    }
    assert!(killed >= 7, "only {killed} kill points");
}
