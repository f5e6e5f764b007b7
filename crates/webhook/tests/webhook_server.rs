//! The `webhook_server` example, end to end: the built binary on a free
//! port, its first stdout line, and signed requests over real HTTP.

mod support;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use support::post;
use twilio_accounts_core::AuthToken;
use twilio_accounts_webhook::{SignatureAlgorithm, sign_request};

const OLD: &str = "0ld0ld0ld0ld0ld0ld0ld0ld0ld0ld00";
const NEW: &str = "4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e";

/// `cargo test` builds the examples next to the test binaries' `deps/`.
fn example() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let path = dir
        .join("examples")
        .join(format!("webhook_server{}", std::env::consts::EXE_SUFFIX));
    assert!(path.exists(), "{} (built by cargo test)", path.display());
    path
}

/// The running example; killed when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(extra: &[&str]) -> Server {
    let mut child = Command::new(example())
        .args([
            "--port",
            "0",
            "--token-env",
            "H3_OLD_TOKEN",
            "--token-env",
            "H3_NEW_TOKEN",
        ])
        .args(extra)
        .env("H3_OLD_TOKEN", OLD)
        .env("H3_NEW_TOKEN", NEW)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines, first) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = lines.send(line);
    });
    let mut server = Server { child, port: 0 };
    let line = first
        .recv_timeout(Duration::from_secs(30))
        .expect("the first line within 30 s");
    let port = line
        .trim_end()
        .strip_prefix("listening on http://127.0.0.1:")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    server.port = port.parse().unwrap();
    server
}

fn signature(token: &str, url: &str, fields: &[(&str, &str)]) -> String {
    sign_request(
        &AuthToken::new(token).unwrap(),
        SignatureAlgorithm::HmacSha1,
        url,
        fields,
    )
    .unwrap()
}

#[tokio::test]
async fn the_example_answers_with_the_matched_token_index() {
    let server = start(&[]);
    let addr = ([127, 0, 0, 1], server.port).into();
    let host = format!("127.0.0.1:{}", server.port);
    let url = format!("http://{host}/sms");
    let form = "Body=hi";
    let fields = [("Body", "hi")];
    let cases = [
        (Some(signature(OLD, &url, &fields)), 200, "{\"matched\": 0}"),
        (Some(signature(NEW, &url, &fields)), 200, "{\"matched\": 1}"),
        (
            Some(signature("other", &url, &fields)),
            403,
            "invalid signature",
        ),
        (None, 400, "missing X-Twilio-Signature"),
    ];
    for (signature, status, body) in cases {
        let mut headers = vec![
            ("Host", host.as_str()),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        headers.extend(signature.as_deref().map(|s| ("X-Twilio-Signature", s)));
        let got = post(addr, "/sms", &headers, form.as_bytes()).await;
        assert_eq!(
            (got.status, got.body.as_str()),
            (status, body),
            "{signature:?}"
        );
    }
}

#[tokio::test]
async fn the_example_trusts_forwarded_headers_only_when_told() {
    let public = "https://hooks.example.com/sms";
    let signed = signature(NEW, public, &[]);
    let cases = [
        (&["--trust-forwarded", "x-forwarded"][..], 200),
        (&["--trust-forwarded", "forwarded"][..], 403),
        (&[][..], 403),
    ];
    for (extra, status) in cases {
        let server = start(extra);
        let addr = ([127, 0, 0, 1], server.port).into();
        let host = format!("127.0.0.1:{}", server.port);
        let headers = [
            ("Host", host.as_str()),
            ("X-Forwarded-Proto", "https"),
            ("X-Forwarded-Host", "hooks.example.com"),
            ("X-Twilio-Signature", signed.as_str()),
        ];
        let got = post(addr, "/sms", &headers, b"").await;
        assert_eq!(got.status, status, "{extra:?}: {got:?}");
    }
}
