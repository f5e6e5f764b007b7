//! A loopback HTTP/1.1 server (and proxy: it answers a `CONNECT` and reads
//! the request through the tunnel) that keeps every request as it
//! arrived, and a check that a request read off the wire carries a PKCV
//! token whose `rqh` is that request's hash. Shared by the ureq and hyper
//! adapters' tests (`#[path]`), so the two are checked by the same code.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use base64::Engine as _;
use http::{HeaderName, Request};
// The including test names its adapter crate `adapter`.
use crate::adapter::pkcv::{self, CanonicalRequest, SignedHeaders};

pub const ACCOUNT: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
pub const KEY: &str = "SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/// Twilio's published example key (not a secret).
pub fn signer() -> crate::adapter::PkcvSigner {
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("../../../core/tests/data/pkcv-vectors.json")).unwrap();
    let pem = vectors["docs_example"]["private_key_pem_pkcs1"]
        .as_str()
        .unwrap();
    crate::adapter::PkcvSigner::from_pem(
        pem.as_bytes(),
        "CRcccccccccccccccccccccccccccccccc".parse().unwrap(),
    )
    .unwrap()
}

/// One page of one AWS credential, linking to a second when `next`.
pub fn page(port: u16, next: bool) -> String {
    let next = if next {
        format!(r#""http://localhost:{port}/v1/Credentials/AWS?PageSize=1&Page=1&PageToken=PT1""#)
    } else {
        "null".to_owned()
    };
    format!(
        r#"{{"credentials":[{{"sid":"CRdddddddddddddddddddddddddddddddd","account_sid":"{ACCOUNT}","friendly_name":"x","date_created":null,"date_updated":null,"url":null}}],"meta":{{"page":0,"page_size":1,"next_page_url":{next}}}}}"#
    )
}

/// A request as read off the socket.
pub type WireRequest = Request<Vec<u8>>;

/// One case of the check that the `Host` an adapter adds itself is the one
/// `pkcv::host_header` derives (and so the one the client signs): a
/// recorder, reached directly or as the proxy of a base URL on another host
/// and port; a setup; a request built without `Host`; the value expected.
pub struct HostCase {
    pub base_url: String,
    pub setup: crate::adapter::ClientSetup,
    pub request: WireRequest,
    pub expected: http::HeaderValue,
    pub seen: Arc<Mutex<Vec<WireRequest>>>,
    pub server: JoinHandle<()>,
}

/// The cases: no port, the scheme's default port, another port (through a
/// recording `CONNECT` proxy, so that port 80 need not be bound), and the
/// recorder itself on `localhost`. Each case's recorder answers one request.
pub fn host_cases() -> impl Iterator<Item = HostCase> {
    use crate::adapter::{
        ClientOptions, ClientSetup, Credentials, DeleteSecondaryAuthToken, PlainHttp, ProxyConfig,
        ProxyMode, ProxyUrl,
    };
    [
        (None, false),
        (Some("http://example.test"), true),
        (Some("http://example.test:80"), true),
        (Some("http://example.test:8080"), true),
    ]
    .into_iter()
    .map(|(base_url, proxied): (Option<&str>, bool)| {
        let (port, seen, server) = serve(1, |_, _| (204, String::new()));
        let base_url = base_url.map_or(format!("http://localhost:{port}"), str::to_owned);
        let mut options = ClientOptions::new()
            .with_base_url(&base_url)
            .with_plain_http(PlainHttp::Allow);
        if proxied {
            let proxy = ProxyUrl::parse(&format!("http://127.0.0.1:{port}"), "test").unwrap();
            options = options.with_proxy(ProxyMode::Fixed(ProxyConfig::all(proxy)));
        }
        let credentials = Credentials::api_key(
            "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap(),
            "SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb".parse().unwrap(),
            "0123456789abcdef0123456789abcdef".parse().unwrap(),
        );
        let setup = ClientSetup::new(credentials, options, |_| None).unwrap();
        let request = setup
            .context
            .build_request(&DeleteSecondaryAuthToken::new())
            .unwrap();
        assert!(!request.headers().contains_key("host"));
        let expected = pkcv::host_header(request.uri()).unwrap();
        HostCase {
            base_url,
            setup,
            request,
            expected,
            seen,
            server,
        }
    })
}

/// Serves one connection per answer (each answer closes its connection),
/// in order, on 127.0.0.1; `answer` gets the port and the request's index.
pub fn serve(
    answers: usize,
    answer: impl Fn(u16, usize) -> (u16, String) + Send + 'static,
) -> (u16, Arc<Mutex<Vec<WireRequest>>>, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&seen);
    let server = std::thread::spawn(move || {
        for index in 0..answers {
            let (stream, _) = listener.accept().unwrap();
            let mut writer = stream.try_clone().unwrap();
            let mut reader = BufReader::new(stream);
            let mut request = read_request(&mut reader);
            if request.method() == http::Method::CONNECT {
                // A proxy's tunnel: the request comes through it in plain HTTP.
                writer
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .unwrap();
                request = read_request(&mut reader);
            }
            kept.lock().unwrap().push(request);
            let (status, body) = answer(port, index);
            write!(
                writer,
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
        }
    });
    (port, seen, server)
}

/// Reads one request: the request line, the headers, a `Content-Length` body.
fn read_request(reader: &mut impl BufRead) -> WireRequest {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let mut words = line.split_whitespace();
    let mut request = Request::builder()
        .method(words.next().unwrap())
        .uri(words.next().unwrap());
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap();
        if name.eq_ignore_ascii_case("content-length") {
            length = value.trim().parse().unwrap();
        }
        request = request.header(name, value.trim_start());
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    request.body(body).unwrap()
}

/// The request carries exactly one `Host` (`host`) and a token for it: its
/// `rqh` recomputed from the request as it arrived, its claims for `key`.
pub fn check_signed(request: &WireRequest, host: &str, key: &str, account: &str) {
    let hosts: Vec<_> = request.headers().get_all("host").iter().collect();
    assert_eq!(hosts, [host], "the Host sent");
    let token = request.headers()[pkcv::HEADER].to_str().unwrap();
    let payload = token.split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        (claims["iss"].as_str(), claims["sub"].as_str()),
        (Some(key), Some(account))
    );
    let hrh = claims["hrh"].as_str().unwrap();
    let signed = SignedHeaders::new(
        hrh.split(';')
            .map(|name| HeaderName::from_bytes(name.as_bytes()).unwrap()),
    );
    let canonical = CanonicalRequest::new(request, &signed).unwrap();
    assert_eq!(claims["rqh"], canonical.rqh(), "{}", canonical.as_str());
}
