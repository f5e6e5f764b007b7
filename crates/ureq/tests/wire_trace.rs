//! No secret reaches the `log` crate, whatever features the crate is built
//! with: ureq's protocol layer logs the raw bytes of every request and
//! response at TRACE, and this crate compiles those records out in every
//! configuration. Run it with and without default features:
//!
//! ```text
//! cargo test -p twilio-accounts-ureq --test wire_trace
//! cargo test -p twilio-accounts-ureq --test wire_trace --no-default-features
//! ```

use base64::Engine as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::Mutex;
use std::time::Duration;

use twilio_accounts_ureq::{
    AuthToken, Client, ClientOptions, CreateSecondaryAuthToken, Credentials,
};

const ACCOUNT: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const TOKEN: &str = "70k3n70k3n70k3n70k3n70k3n70k3n70";
const NEW_TOKEN: &str = "n3wn3wn3wn3wn3wn3wn3wn3wn3wn3wn3";

/// Every record any crate logs, formatted with its target.
struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let line = format!("{} {}: {}", record.level(), record.target(), record.args());
        self.0.lock().unwrap().push(line);
    }

    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));

/// Answers one request with a new secondary token, after reading its head
/// and body; gives up after a few seconds.
fn serve_once(listener: TcpListener) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut reader = BufReader::new(stream);
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap();
            }
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        reader.read_exact(&mut vec![0; length]).unwrap();
        let body = format!(
            r#"{{"account_sid":"{ACCOUNT}","secondary_auth_token":"{NEW_TOKEN}","date_created":"2015-07-31T04:00:00Z","date_updated":"2015-07-31T04:00:00Z","url":"https://accounts.twilio.com/v1/AuthTokens/Secondary"}}"#
        );
        let answer = format!(
            "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        reader.get_mut().write_all(answer.as_bytes()).unwrap();
    })
}

/// Every 8-byte window of `secret`: ureq-proto logs bytes in rows of 16,
/// so a secret is cut across records, but a 32-byte one always leaves a
/// whole window in one record.
fn windows(secret: &str) -> Vec<&str> {
    (0..=secret.len() - 8).map(|i| &secret[i..i + 8]).collect()
}

#[test]
fn no_secret_reaches_the_log_crate_at_trace_level() {
    log::set_logger(&CAPTURE).unwrap();
    log::set_max_level(log::LevelFilter::Trace);

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = serve_once(listener);
    let client = Client::new(
        Credentials::auth_token(ACCOUNT.parse().unwrap(), AuthToken::new(TOKEN).unwrap()),
        ClientOptions::new()
            .with_base_url(base)
            .with_request_timeout(Duration::from_secs(10)),
    )
    .unwrap();
    let created = client
        .create_secondary_auth_token(CreateSecondaryAuthToken::new())
        .unwrap();
    server.join().unwrap();
    assert_eq!(
        created.value.secondary_auth_token.expose_secret(),
        NEW_TOKEN,
        "the exchange happened"
    );

    let records = CAPTURE.0.lock().unwrap();
    // ureq logs at DEBUG (connections, the pool), so the capture works.
    assert!(
        records.iter().any(|r| r.contains("ureq")),
        "no record from ureq at all: {records:?}"
    );
    // The Authorization header is `Basic base64(ACCOUNT:TOKEN)`.
    let authorization =
        base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT}:{TOKEN}"));
    for secret in [TOKEN, NEW_TOKEN, authorization.as_str()] {
        for window in windows(secret) {
            for record in records.iter() {
                assert!(
                    !record.contains(window),
                    "a log record holds part of a secret: {record}"
                );
            }
        }
    }
}
