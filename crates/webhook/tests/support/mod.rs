//! Shared by the webhook crate's tests: the official vectors, a raw HTTP/1.1
//! client (so a test controls every header byte), and a local server.

#![allow(dead_code)] // each test file uses a part

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use twilio_accounts_core::AuthToken;
use twilio_accounts_webhook::SignatureAlgorithm;

/// Every network step of a test gives up after this long.
pub const STEP: Duration = Duration::from_secs(10);

#[derive(Deserialize)]
#[serde(untagged)]
pub enum Value {
    One(String),
    Many(Vec<String>),
}

/// One vector of `shared/webhook-vectors.json`, produced by the official
/// Node helper: `valid[i]` says whether `tokens[i]` validates it.
#[derive(Deserialize)]
pub struct Vector {
    pub kind: String,
    pub url: String,
    #[serde(default)]
    pub params: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    pub body: Option<String>,
    pub algorithm: String,
    pub signature: String,
    pub tokens: Vec<String>,
    pub valid: Vec<bool>,
}

pub fn vectors() -> Vec<Vector> {
    let vectors: Vec<Vector> =
        serde_json::from_str(include_str!("../data/webhook-vectors.json")).unwrap();
    assert_eq!(vectors.len(), 24, "the shared vectors");
    vectors
}

impl Vector {
    pub fn algorithm(&self) -> SignatureAlgorithm {
        match self.algorithm.as_str() {
            "HMAC_SHA1" => SignatureAlgorithm::HmacSha1,
            "HMAC_SHA256" => SignatureAlgorithm::HmacSha256,
            other => panic!("unknown algorithm {other}"),
        }
    }

    /// The decoded parameters, a repeated name once per value.
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        let mut out = Vec::new();
        for (name, value) in self.params.iter().flatten() {
            match value {
                Value::One(v) => out.push((name.as_str(), v.as_str())),
                Value::Many(vs) => out.extend(vs.iter().map(|v| (name.as_str(), v.as_str()))),
            }
        }
        out
    }

    pub fn auth_tokens(&self) -> Vec<AuthToken> {
        self.tokens
            .iter()
            .map(|t| AuthToken::new(t.as_str()).unwrap())
            .collect()
    }

    /// The index of the token the Node helper accepted, if any.
    pub fn expected(&self) -> Option<usize> {
        self.valid.iter().position(|ok| *ok)
    }

    /// `(scheme, authority, path and query)` of the URL exactly as written,
    /// with a space or non-ASCII byte of the path percent-encoded, as an
    /// HTTP client must send it.
    pub fn target(&self) -> (&str, &str, String) {
        let (scheme, rest) = self.url.split_once("://").unwrap();
        let slash = rest.find('/').unwrap_or(rest.len());
        let (authority, path) = rest.split_at(slash);
        let mut encoded = String::new();
        for b in path.bytes() {
            if b == b' ' || !b.is_ascii() {
                encoded.push_str(&format!("%{b:02X}"));
            } else {
                encoded.push(b as char);
            }
        }
        (scheme, authority, encoded)
    }

    /// The request body and its content type.
    pub fn body(&self) -> (Vec<u8>, &'static str) {
        match self.kind.as_str() {
            "body" => (self.body.clone().unwrap().into_bytes(), "application/json"),
            "params" => {
                let mut form = form_urlencoded::Serializer::new(String::new());
                for (name, value) in self.pairs() {
                    form.append_pair(name, value);
                }
                (
                    form.finish().into_bytes(),
                    "application/x-www-form-urlencoded",
                )
            }
            other => panic!("unknown kind {other}"),
        }
    }
}

/// What came back from a raw request.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// Sends `head` (request line and headers, without the final blank line),
/// a `Content-Length` for `body` unless `head` has one, then `body` in the
/// given pieces with `pause` between them, and reads the answer (the
/// connection is closed after one request). `status` 0: the server closed
/// the connection without one.
pub async fn send_raw(addr: SocketAddr, head: &str, pieces: &[&[u8]], pause: Duration) -> Answer {
    let mut stream = tokio::time::timeout(STEP, TcpStream::connect(addr))
        .await
        .expect("connect in time")
        .expect("connect");
    let total: usize = pieces.iter().map(|p| p.len()).sum();
    let mut request = head.to_owned();
    if !head.to_ascii_lowercase().contains("content-length:") {
        request.push_str(&format!("Content-Length: {total}\r\n"));
    }
    request.push_str("Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            tokio::time::sleep(pause).await;
        }
        stream.write_all(piece).await.unwrap();
    }
    let mut raw = Vec::new();
    tokio::time::timeout(STEP, stream.read_to_end(&mut raw))
        .await
        .expect("an answer in time")
        .expect("read the answer");
    parse_answer(&raw)
}

/// Sends `head` and the start of a body, then half-closes: the request
/// ends before its announced length.
pub async fn send_cut_short(addr: SocketAddr, head: &str, body: &[u8]) -> Answer {
    let mut stream = tokio::time::timeout(STEP, TcpStream::connect(addr))
        .await
        .expect("connect in time")
        .expect("connect");
    stream
        .write_all(format!("{head}\r\n").as_bytes())
        .await
        .unwrap();
    stream.write_all(body).await.unwrap();
    stream.shutdown().await.unwrap();
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(STEP, stream.read_to_end(&mut raw))
        .await
        .expect("an answer or a close in time");
    parse_answer(&raw)
}

/// A whole request in one piece.
pub async fn post(addr: SocketAddr, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let mut head = format!("POST {target} HTTP/1.1\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    send_raw(addr, &head, &[body], Duration::ZERO).await
}

pub fn parse_answer(raw: &[u8]) -> Answer {
    if raw.is_empty() {
        return Answer {
            status: 0,
            body: String::new(),
        };
    }
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status: {head:?}"));
    Answer {
        status,
        body: body.to_owned(),
    }
}

/// Serves `router` on 127.0.0.1 (a free port) until the test's runtime ends.
pub async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

/// Sends `head` (request line and headers, with the `Content-Length` of the
/// whole body) and then `body` one byte every `pause`, while reading the
/// answer: returns it as soon as it is complete (or the server closes), and
/// how long that took from the end of the head. The sending stops then.
pub async fn send_trickle(
    addr: SocketAddr,
    head: &str,
    body: &[u8],
    pause: Duration,
) -> (Answer, Duration) {
    let stream = tokio::time::timeout(STEP, TcpStream::connect(addr))
        .await
        .expect("connect in time")
        .expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    writer
        .write_all(format!("{head}\r\n").as_bytes())
        .await
        .unwrap();
    let started = tokio::time::Instant::now();
    let body = body.to_vec();
    let trickle = tokio::spawn(async move {
        for byte in body {
            tokio::time::sleep(pause).await;
            // The server may have answered and closed: stop quietly.
            if writer.write_all(&[byte]).await.is_err() {
                return;
            }
        }
    });
    let mut raw = Vec::new();
    let read = async {
        let mut chunk = [0; 1024];
        loop {
            match reader.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => raw.extend_from_slice(&chunk[..n]),
            }
            if answer_complete(&raw) {
                break;
            }
        }
    };
    tokio::time::timeout(STEP, read)
        .await
        .expect("an answer or a close in time");
    let took = started.elapsed();
    trickle.abort();
    (parse_answer(&raw), took)
}

/// Whether `raw` holds a whole answer: a head and the body its
/// `Content-Length` announces.
fn answer_complete(raw: &[u8]) -> bool {
    let text = String::from_utf8_lossy(raw);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok());
    length.is_some_and(|n| body.len() >= n)
}
