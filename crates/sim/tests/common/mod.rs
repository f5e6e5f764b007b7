//! A tiny blocking HTTP/1.1 client over `std::net::TcpStream` (and rustls), written for these tests only so
//! that they observe exactly the bytes the simulator sends: EOF without a response, a short body, chunked
//! padding, keep-alive reuse.

#![allow(dead_code)] // each test file uses a different part of this module

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;
use twilio_accounts_sim::{SimConfig, Simulator};

/// Every socket read in the tests gives up after this, so no test can hang on a misbehaving server.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Largest body this client reads.
pub const MAX_BODY: usize = 128 * 1024 * 1024;

#[derive(Debug)]
pub enum ClientError {
    /// The connection closed before a single byte of response arrived.
    ClosedWithoutResponse,
    /// The body ended before its announced length.
    Truncated {
        expected: usize,
        got: usize,
    },
    /// Anything that is not valid HTTP/1.1.
    Malformed(String),
    Io(io::Error),
}

impl From<io::Error> for ClientError {
    fn from(e: io::Error) -> Self {
        ClientError::Io(e)
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// True when the body came with `Transfer-Encoding: chunked`.
    pub chunked: bool,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// Credentials for the `Authorization` header.
pub fn basic(sid: &str, token: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{sid}:{token}"))
    )
}

/// One request. `body` is sent as a form (`application/x-www-form-urlencoded`).
#[derive(Debug, Clone)]
pub struct Req {
    pub method: &'static str,
    pub target: String,
    pub authorization: Option<String>,
    pub body: Option<String>,
    pub content_type: &'static str,
    pub close: bool,
    /// More headers, sent in this order after `Authorization` (a PKCV JWT, a signed header).
    pub headers: Vec<(String, String)>,
}

impl Req {
    pub fn new(method: &'static str, target: &str) -> Self {
        Req {
            method,
            target: target.to_owned(),
            authorization: None,
            body: None,
            content_type: "application/x-www-form-urlencoded",
            close: false,
            headers: Vec::new(),
        }
    }

    /// Adds a header (sent as given; several with one name are several lines).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn auth(mut self, sid: &str, token: &str) -> Self {
        self.authorization = Some(basic(sid, token));
        self
    }

    pub fn form(mut self, body: &str) -> Self {
        self.body = Some(body.to_owned());
        self
    }

    pub fn content_type(mut self, content_type: &'static str) -> Self {
        self.content_type = content_type;
        self
    }

    pub fn bytes(&self, host: &str) -> Vec<u8> {
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\nUser-Agent: sim-tests\r\n",
            self.method, self.target
        );
        if let Some(auth) = &self.authorization {
            head.push_str(&format!("Authorization: {auth}\r\n"));
        }
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if self.close {
            head.push_str("Connection: close\r\n");
        }
        let body = self.body.clone().unwrap_or_default();
        if self.method == "POST" || !body.is_empty() {
            head.push_str(&format!(
                "Content-Type: {}\r\nContent-Length: {}\r\n",
                self.content_type,
                body.len()
            ));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body.as_bytes());
        bytes
    }
}

/// A keep-alive connection.
pub struct Conn<S: Read + Write> {
    reader: BufReader<S>,
    host: String,
}

pub fn connect(addr: SocketAddr) -> Conn<TcpStream> {
    let stream = TcpStream::connect(addr).expect("connect to the simulator");
    stream
        .set_read_timeout(Some(READ_TIMEOUT))
        .expect("set read timeout");
    stream.set_nodelay(true).expect("set nodelay");
    Conn::new(stream, &addr.to_string())
}

impl<S: Read + Write> Conn<S> {
    pub fn new(stream: S, host: &str) -> Self {
        Conn {
            reader: BufReader::new(stream),
            host: host.to_owned(),
        }
    }

    pub fn send(&mut self, req: &Req) -> Result<Response, ClientError> {
        let bytes = req.bytes(&self.host);
        let stream = self.reader.get_mut();
        stream.write_all(&bytes)?;
        stream.flush()?;
        self.read_response(req.method == "HEAD")
    }

    fn read_line(&mut self) -> Result<Option<String>, ClientError> {
        let mut line = Vec::new();
        let n = (&mut self.reader)
            .take(64 * 1024)
            .read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(None);
        }
        let text = String::from_utf8(line)
            .map_err(|_| ClientError::Malformed("non-UTF-8 header line".into()))?;
        Ok(Some(text.trim_end_matches(['\r', '\n']).to_owned()))
    }

    fn read_response(&mut self, head_only: bool) -> Result<Response, ClientError> {
        let status_line = match self.read_line() {
            Ok(Some(line)) => line,
            Ok(None) => return Err(ClientError::ClosedWithoutResponse),
            Err(ClientError::Io(e)) if e.kind() == io::ErrorKind::ConnectionReset => {
                return Err(ClientError::ClosedWithoutResponse);
            }
            Err(e) => return Err(e),
        };
        let mut parts = status_line.splitn(3, ' ');
        let (version, status) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        if version != "HTTP/1.1" {
            return Err(ClientError::Malformed(format!(
                "status line {status_line:?}"
            )));
        }
        let status: u16 = status
            .parse()
            .map_err(|_| ClientError::Malformed(format!("status line {status_line:?}")))?;
        let mut headers = Vec::new();
        for _ in 0..200 {
            let line = self
                .read_line()?
                .ok_or_else(|| ClientError::Malformed("EOF in headers".into()))?;
            if line.is_empty() {
                break;
            }
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| ClientError::Malformed(format!("header {line:?}")))?;
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
        let mut response = Response {
            status,
            headers,
            body: Vec::new(),
            chunked: false,
        };
        if head_only || status == 204 || status == 304 || (100..200).contains(&status) {
            return Ok(response);
        }
        let chunked = response
            .header("transfer-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
        if chunked {
            response.chunked = true;
            for _ in 0..1_000_000 {
                let size_line = self.read_line()?.ok_or(ClientError::Truncated {
                    expected: usize::MAX,
                    got: response.body.len(),
                })?;
                let size =
                    usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
                        .map_err(|_| ClientError::Malformed(format!("chunk size {size_line:?}")))?;
                if size == 0 {
                    let _ = self.read_line()?;
                    return Ok(response);
                }
                if response.body.len() + size > MAX_BODY {
                    return Err(ClientError::Malformed("body too large".into()));
                }
                let start = response.body.len();
                response.body.resize(start + size, 0);
                self.reader.read_exact(&mut response.body[start..])?;
                let _ = self.read_line()?;
            }
            return Err(ClientError::Malformed("too many chunks".into()));
        }
        if let Some(length) = response.header("content-length") {
            let expected: usize = length
                .parse()
                .map_err(|_| ClientError::Malformed(format!("content-length {length:?}")))?;
            if expected > MAX_BODY {
                return Err(ClientError::Malformed("body too large".into()));
            }
            let mut body = Vec::with_capacity(expected);
            (&mut self.reader)
                .take(expected as u64)
                .read_to_end(&mut body)?;
            if body.len() < expected {
                return Err(ClientError::Truncated {
                    expected,
                    got: body.len(),
                });
            }
            response.body = body;
            return Ok(response);
        }
        (&mut self.reader)
            .take(MAX_BODY as u64)
            .read_to_end(&mut response.body)?;
        Ok(response)
    }

    /// Whether the server has closed the connection (a read returns EOF or an error).
    pub fn is_closed(&mut self) -> bool {
        let mut byte = [0u8; 1];
        !matches!(self.reader.read(&mut byte), Ok(n) if n > 0)
    }
}

/// A plain-HTTP simulator on its own thread.
pub fn sim(config: SimConfig) -> Simulator {
    Simulator::spawn(config).expect("simulator starts")
}

/// Sends one request on a fresh connection.
pub fn send(sim: &Simulator, req: Req) -> Result<Response, ClientError> {
    connect(sim.local_addr()).send(&req)
}

/// Sends one request that must get a response.
pub fn call(sim: &Simulator, req: Req) -> Response {
    send(sim, req).expect("a response")
}

/// A request authenticated with the simulator's current primary token.
pub fn as_primary(sim: &Simulator, method: &'static str, target: &str) -> Req {
    Req::new(method, target).auth(&sim.account_sid(), &sim.primary_token())
}

pub const PROMOTE: &str = "/v1/AuthTokens/Promote";
pub const SECONDARY: &str = "/v1/AuthTokens/Secondary";
pub const PUBLIC_KEYS: &str = "/v1/Credentials/PublicKeys";
pub const AWS: &str = "/v1/Credentials/AWS";
pub const SAFELIST: &str = "/v1/SafeList/Numbers";
pub const CONSENTS: &str = "/v1/Consents/Bulk";
pub const CONTACTS: &str = "/v1/Contacts/Bulk";
pub const GEO_PERMISSIONS: &str = "/v1/Messaging/GeoPermissions";

/// Creates a secondary and returns its token.
pub fn create_secondary(sim: &Simulator) -> String {
    let response = call(sim, as_primary(sim, "POST", SECONDARY));
    assert_eq!(
        response.status,
        201,
        "{:?}",
        String::from_utf8_lossy(&response.body)
    );
    response.json()["secondary_auth_token"]
        .as_str()
        .expect("a secondary_auth_token")
        .to_owned()
}

/// Creates a public key from this form (`PublicKey` required) and returns the 201 body.
pub fn create_public_key(sim: &Simulator, form: &str) -> Value {
    let response = call(sim, as_primary(sim, "POST", PUBLIC_KEYS).form(form));
    assert_eq!(
        response.status,
        201,
        "{:?}",
        String::from_utf8_lossy(&response.body)
    );
    response.json()
}

/// Asserts that `response` is a Twilio error with this status and code, and returns its body.
#[track_caller]
pub fn assert_twilio_error(response: &Response, status: u16, code: u64) -> Value {
    assert_eq!(
        response.status,
        status,
        "body: {}",
        String::from_utf8_lossy(&response.body)
    );
    assert_eq!(response.header("content-type"), Some("application/json"));
    let body = response.json();
    assert_twilio_error_shape(&body, status);
    assert_eq!(body["code"].as_u64(), Some(code), "{body}");
    body
}

/// Exactly `code` (integer), `message` (non-empty string), `more_info` (Twilio docs URL), `status` (the HTTP
/// status): Twilio's error shape.
#[track_caller]
pub fn assert_twilio_error_shape(body: &Value, status: u16) {
    let object = body
        .as_object()
        .unwrap_or_else(|| panic!("error body is not an object: {body}"));
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["code", "message", "more_info", "status"], "{body}");
    let code = body["code"]
        .as_u64()
        .unwrap_or_else(|| panic!("code is not an integer: {body}"));
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert_eq!(
        body["more_info"].as_str(),
        Some(format!("https://www.twilio.com/docs/errors/{code}").as_str()),
        "{body}"
    );
    assert_eq!(body["status"].as_u64(), Some(u64::from(status)), "{body}");
}

/// `RQ` and 32 hex digits.
#[track_caller]
pub fn assert_request_id(response: &Response) {
    let id = response
        .header("twilio-request-id")
        .unwrap_or_else(|| panic!("no Twilio-Request-Id: {:?}", response.headers));
    assert!(
        id.len() == 34 && id.starts_with("RQ") && id[2..].bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );
}
