//! The `twilio-accounts-sim` binary as a script uses it: read the first stdout line, talk to the port,
//! send SIGTERM, expect exit status 0.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use twilio_accounts_sim::Route;

const BIN: &str = env!("CARGO_BIN_EXE_twilio-accounts-sim");
const WAIT: Duration = Duration::from_secs(10);

struct Running {
    child: Child,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
}

fn lines(stream: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn start(args: &[&str]) -> Running {
    start_with_env(args, &[])
}

fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Running {
    let mut child = Command::new(BIN)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = lines(child.stdout.take().expect("stdout"));
    let stderr = lines(child.stderr.take().expect("stderr"));
    Running {
        child,
        stdout,
        stderr,
    }
}

impl Running {
    fn stdout_line(&self) -> String {
        self.stdout
            .recv_timeout(WAIT)
            .expect("a stdout line in time")
    }

    fn stderr_line(&self) -> String {
        self.stderr
            .recv_timeout(WAIT)
            .expect("a stderr line in time")
    }

    /// Parses `listening on SCHEME://127.0.0.1:PORT`.
    fn listening(&self, scheme: &str) -> SocketAddr {
        let line = self.stdout_line();
        let prefix = format!("listening on {scheme}://127.0.0.1:");
        let port = line
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        let port: u16 = port
            .parse()
            .unwrap_or_else(|_| panic!("unexpected first line {line:?}"));
        assert_ne!(port, 0);
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    fn wait(mut self) -> ExitStatus {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        panic!("the simulator did not exit within {WAIT:?}");
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn credential(line: &str, key: &str) -> String {
    line.strip_prefix(&format!("{key}="))
        .unwrap_or_else(|| panic!("expected {key}=…, got {line:?}"))
        .to_owned()
}

#[test]
fn it_announces_its_port_serves_and_exits_0_on_sigterm() {
    let running = start(&["--port", "0"]);
    let addr = running.listening("http");
    let sid = credential(&running.stderr_line(), "account_sid");
    let token = credential(&running.stderr_line(), "auth_token");
    assert!(sid.starts_with("AC") && sid.len() == 34, "{sid}");
    assert_eq!(token.len(), 32);

    let mut conn = connect(addr);
    let created = conn
        .send(&Req::new("POST", SECONDARY).auth(&sid, &token))
        .expect("a response");
    assert_eq!(created.status, 201);
    assert_request_id(&created);

    running.signal("TERM");
    assert_eq!(running.wait().code(), Some(0));
}

#[test]
fn ctrl_c_also_exits_0() {
    let running = start(&["--port", "0"]);
    running.listening("http");
    running.signal("INT");
    assert_eq!(running.wait().code(), Some(0));
}

#[test]
fn print_credentials_puts_them_on_stdout_after_the_first_line() {
    let running = start(&[
        "--port",
        "0",
        "--print-credentials",
        "--account-sid",
        "AC0123456789abcdef0123456789abcdef",
        "--auth-token",
        "tok",
    ]);
    running.listening("http");
    assert_eq!(
        running.stdout_line(),
        "account_sid=AC0123456789abcdef0123456789abcdef"
    );
    assert_eq!(running.stdout_line(), "auth_token=tok");
    running.signal("TERM");
    assert_eq!(running.wait().code(), Some(0));
}

#[test]
fn the_twilio_variables_of_a_real_account_are_never_taken() {
    let real_sid = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let real_token = "0123456789abcdef0123456789abcdef";
    let running = start_with_env(
        &["--port", "0"],
        &[
            ("TWILIO_ACCOUNT_SID", real_sid),
            ("TWILIO_AUTH_TOKEN", real_token),
        ],
    );
    running.listening("http");
    assert_ne!(credential(&running.stderr_line(), "account_sid"), real_sid);
    assert_ne!(credential(&running.stderr_line(), "auth_token"), real_token);
}

#[test]
fn the_same_seed_prints_the_same_credentials() {
    let credentials = |running: &Running| (running.stderr_line(), running.stderr_line());
    let a = start(&["--seed", "9"]);
    let b = start(&["--seed", "9"]);
    a.listening("http");
    b.listening("http");
    assert_eq!(credentials(&a), credentials(&b));
}

#[test]
fn tls_announces_https_and_writes_the_ca() {
    let path = std::env::temp_dir().join(format!(
        "twilio-accounts-sim-bin-{}-ca.pem",
        std::process::id()
    ));
    let running = start(&[
        "--tls",
        "--ca-cert-out",
        path.to_str().expect("a UTF-8 temp path"),
    ]);
    running.listening("https");
    let pem = std::fs::read_to_string(&path).expect("the CA file");
    let _ = std::fs::remove_file(&path);
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    running.signal("TERM");
    assert_eq!(running.wait().code(), Some(0));
}

#[test]
fn fault_and_policy_flags_take_effect() {
    let sid = "AC0123456789abcdef0123456789abcdef";
    let running = start(&[
        "--account-sid",
        sid,
        "--auth-token",
        "t0",
        "--refuse-existing-secondary",
        "--fault",
        "create-secondary:rate-limited:7:1",
        "--fault",
        "update-auth-token-promotion:apply-then-close:1",
    ]);
    let addr = running.listening("http");
    let mut conn = connect(addr);
    let limited = conn
        .send(&Req::new("POST", SECONDARY).auth(sid, "t0"))
        .expect("a response");
    assert_twilio_error(&limited, 429, 20429);
    assert_eq!(limited.header("retry-after"), Some("7"));
    assert_eq!(
        conn.send(&Req::new("POST", SECONDARY).auth(sid, "t0"))
            .expect("a response")
            .status,
        201
    );
    assert_twilio_error(
        &conn
            .send(&Req::new("POST", SECONDARY).auth(sid, "t0"))
            .expect("a response"),
        409,
        20409,
    );
    assert!(matches!(
        conn.send(&Req::new("POST", PROMOTE).auth(sid, "t0")),
        Err(ClientError::ClosedWithoutResponse)
    ));
    // The promote was applied: the first token is gone.
    assert_twilio_error(
        &connect(addr)
            .send(&Req::new("GET", PUBLIC_KEYS).auth(sid, "t0"))
            .expect("a response"),
        401,
        20003,
    );
}

#[test]
fn the_fault_help_names_every_route_and_its_alias() {
    let output = Command::new(BIN)
        .arg("--help")
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for route in Route::ALL {
        assert!(help.contains(route.name()), "{}: {help}", route.name());
        for alias in route.aliases() {
            assert!(
                help.contains(&format!("{} ({alias})", route.name())),
                "{alias}: {help}"
            );
        }
    }
}

#[test]
fn a_malformed_fault_flag_is_a_usage_error() {
    let output = Command::new(BIN)
        .args(["--fault", "promote:teleport:1"])
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown fault kind"));
}

#[test]
fn an_invalid_account_sid_exits_1_with_a_message() {
    let output = Command::new(BIN)
        .args(["--account-sid", "AC123"])
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("account SID"));
}

#[test]
fn ca_cert_out_requires_tls() {
    let output = Command::new(BIN)
        .args(["--ca-cert-out", "/tmp/x.pem"])
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
}

#[test]
fn subaccount_credentials_follow_the_main_ones_and_a_bad_fleet_exits_1() {
    let running = start(&[
        "--port",
        "0",
        "--print-credentials",
        "--seed",
        "3",
        "--subaccounts",
        "2",
        "--max-concurrent",
        "4",
    ]);
    running.listening("http");
    assert!(running.stdout_line().starts_with("account_sid=AC"));
    assert!(running.stdout_line().starts_with("auth_token="));
    for _ in 0..2 {
        let sid = running.stdout_line();
        let token = running.stdout_line();
        assert!(
            sid.starts_with("subaccount_sid=AC") && sid.len() == 15 + 34,
            "{sid}"
        );
        assert!(
            token.starts_with("subaccount_auth_token=") && token.len() == 22 + 32,
            "{token}"
        );
    }
    running.signal("TERM");
    assert_eq!(running.wait().code(), Some(0));

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_twilio-accounts-sim"))
        .args(["--port", "0", "--subaccounts", "1", "--closed", "2"])
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("more suspended and closed subaccounts"),
        "{stderr}"
    );
}

#[test]
fn main_api_key_is_printed_with_the_credentials_and_authenticates() {
    let running = start(&[
        "--port",
        "0",
        "--print-credentials",
        "--main-api-key",
        "--subaccounts",
        "1",
    ]);
    let addr = running.listening("http");
    assert!(running.stdout_line().starts_with("account_sid=AC"));
    assert!(running.stdout_line().starts_with("auth_token="));
    let sid = credential(&running.stdout_line(), "api_key_sid");
    let secret = credential(&running.stdout_line(), "api_key_secret");
    assert!(
        sid.len() == 34 && sid.starts_with("SK") && sid[2..].bytes().all(|b| b.is_ascii_hexdigit()),
        "{sid}"
    );
    assert!(secret.len() >= 32, "{secret}");
    assert!(running.stdout_line().starts_with("subaccount_sid=AC"));

    // A Main key may do what only the Auth Token and Main keys may: manage Auth Tokens.
    let mut conn = connect(addr);
    let created = conn
        .send(&Req::new("POST", SECONDARY).auth(&sid, &secret))
        .expect("a response");
    assert_eq!(created.status, 201);
    running.signal("TERM");
    assert_eq!(running.wait().code(), Some(0));
}

#[test]
fn without_main_api_key_no_key_line_is_printed() {
    let running = start(&["--port", "0", "--print-credentials"]);
    running.listening("http");
    assert!(running.stdout_line().starts_with("account_sid=AC"));
    assert!(running.stdout_line().starts_with("auth_token="));
    running.signal("TERM");
    // Every line left, until the process closes stdout (bounded: the reader gives up after WAIT).
    let rest: Vec<String> = (0..100)
        .map_while(|_| running.stdout.recv_timeout(WAIT).ok())
        .collect();
    assert!(
        rest.iter().all(|line| !line.starts_with("api_key")),
        "{rest:?}"
    );
    assert_eq!(running.wait().code(), Some(0));
}

#[test]
fn key_flags_take_effect() {
    let running = start(&[
        "--port",
        "0",
        "--print-credentials",
        "--max-keys",
        "1",
        "--refuse-2010-key-create",
        "--fault",
        "iam-v1-create-new-key:server-error:502:1",
    ]);
    let addr = running.listening("http");
    let sid = credential(&running.stdout_line(), "account_sid");
    let token = credential(&running.stdout_line(), "auth_token");
    let mut conn = connect(addr);
    let mut send = |req: Req| conn.send(&req.auth(&sid, &token)).expect("a response");
    let legacy = send(Req::new(
        "POST",
        &format!("/2010-04-01/Accounts/{sid}/Keys.json"),
    ));
    assert_twilio_error(&legacy, 401, 20003);
    let iam = || Req::new("POST", "/v1/Keys").form(&format!("AccountSid={sid}"));
    assert_eq!(send(iam()).status, 502);
    assert_eq!(send(iam()).status, 201);
    assert_twilio_error(&send(iam()), 400, 70151);
    running.signal("TERM");
    assert_eq!(running.wait().code(), Some(0));
}

/// A file in the temp directory, removed when dropped.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn with(name: &str, contents: &str) -> TempFile {
        let path = std::env::temp_dir().join(format!(
            "twilio-accounts-sim-{}-{:?}-{name}",
            std::process::id(),
            thread::current().id()
        ));
        std::fs::write(&path, contents).expect("the temp file is written");
        TempFile(path)
    }

    fn arg(&self) -> &str {
        self.0.to_str().expect("a UTF-8 temp path")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Twilio's published example public key (`data/pkcv-vectors.json`).
fn docs_public_key_pem() -> String {
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("data/pkcv-vectors.json")).expect("JSON");
    vectors["docs_example"]["public_key_pem"]
        .as_str()
        .expect("a PEM")
        .to_owned()
}

#[test]
fn public_keys_are_printed_as_public_key_sid_lines_after_the_api_key() {
    let first = TempFile::with("first.pem", &docs_public_key_pem());
    let second = TempFile::with("second.pem", &docs_public_key_pem());
    let running = start(&[
        "--port",
        "0",
        "--print-credentials",
        "--main-api-key",
        "--public-key",
        first.arg(),
        "--public-key",
        second.arg(),
        "--require-pkcv",
    ]);
    let addr = running.listening("http");
    let account = credential(&running.stdout_line(), "account_sid");
    let token = credential(&running.stdout_line(), "auth_token");
    assert!(running.stdout_line().starts_with("api_key_sid=SK"));
    assert!(running.stdout_line().starts_with("api_key_secret="));
    let sids: Vec<String> = (0..2)
        .map(|_| credential(&running.stdout_line(), "public_key_sid"))
        .collect();
    for sid in &sids {
        assert!(
            sid.len() == 34
                && sid.starts_with("CR")
                && sid[2..].bytes().all(|b| b.is_ascii_hexdigit()),
            "{sid}"
        );
    }
    assert_ne!(sids[0], sids[1]);
    // PKCV is on: the Auth Token's unsigned request is refused for want of the header.
    let refused = connect(addr)
        .send(&Req::new("GET", PUBLIC_KEYS).auth(&account, &token))
        .expect("a response");
    assert_twilio_error(&refused, 401, 70052);
    running.signal("TERM");
    assert_eq!(running.wait().code(), Some(0));
}

#[test]
fn a_public_key_file_that_is_no_rsa_public_key_exits_1_naming_the_file() {
    let not_a_key = TempFile::with(
        "not-a-key.pem",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    );
    let missing = format!("{}.missing", not_a_key.arg());
    for (args, expected) in [
        (
            vec!["--public-key", not_a_key.arg()],
            not_a_key.arg().to_owned(),
        ),
        (vec!["--public-key", missing.as_str()], missing.clone()),
        (vec!["--require-pkcv"], "--main-api-key".to_owned()),
    ] {
        let output = Command::new(BIN)
            .args(["--port", "0"])
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(&expected), "{args:?}: {stderr}");
    }
}
