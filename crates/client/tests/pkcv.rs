//! Public Key Client Validation through the client: every request a client
//! hands its transport (each retry, each followed page) carries a token
//! whose `rqh` is the hash of that very request, signed by the key.
//! The wire itself (the `Host` the adapters send) is tested in each adapter.

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::{HeaderName, Request, Response};
use twilio_accounts_client::pkcv::{self, Algorithm, CanonicalRequest, PkcvError, SignedHeaders};
use twilio_accounts_client::{
    AsyncSleep, Client, ClientOptions, ClientSetup, ConfigError, Credentials, Error,
    ListCredentialAws, ListOperation, PkcvSigner, RetryPolicy, TransportError,
};

const ACCOUNT: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const KEY: &str = "SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const KID: &str = "CRcccccccccccccccccccccccccccccccc";

fn vectors() -> serde_json::Value {
    serde_json::from_str(include_str!("../../core/tests/data/pkcv-vectors.json")).unwrap()
}

/// Twilio's published example key pair (not a secret).
fn signer(algorithm: Algorithm) -> PkcvSigner {
    let vectors = vectors();
    let pem = vectors["docs_example"]["private_key_pem_pkcs1"]
        .as_str()
        .unwrap();
    PkcvSigner::from_pem(pem.as_bytes(), KID.parse().unwrap())
        .unwrap()
        .with_algorithm(algorithm)
}

/// The example public key, as `ring` verifies with it (PKCS#1 RSAPublicKey:
/// the SubjectPublicKeyInfo's last 270 bytes for an RSA 2048 key).
fn public_key_der() -> Vec<u8> {
    let vectors = vectors();
    let pem = vectors["docs_example"]["public_key_pem"].as_str().unwrap();
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let spki = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    spki[spki.len() - 270..].to_vec()
}

fn api_key() -> Credentials {
    Credentials::api_key(
        ACCOUNT.parse().unwrap(),
        KEY.parse().unwrap(),
        "0123456789abcdef0123456789abcdef".parse().unwrap(),
    )
}

fn auth_token() -> Credentials {
    Credentials::auth_token(
        ACCOUNT.parse().unwrap(),
        "0123456789abcdef0123456789abcdef".parse().unwrap(),
    )
}

fn fast() -> RetryPolicy {
    RetryPolicy {
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(2),
        ..RetryPolicy::default()
    }
}

/// Checks the token on `request` as Twilio would: the header and claims,
/// `exp` within 300 s, the signature with the public key, and `rqh`
/// recomputed from the request as the transport got it.
fn check_signed(request: &Request<Vec<u8>>, algorithm: Algorithm) {
    let token = request.headers()[pkcv::HEADER].to_str().unwrap();
    assert!(request.headers()[pkcv::HEADER].is_sensitive());
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "{token}");
    let json = |part: &str| -> serde_json::Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    };
    let header = json(parts[0]);
    assert_eq!(header["cty"], "twilio-pkrv;v=1");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(header["alg"], algorithm.as_str());
    assert_eq!(header["kid"], KID);
    let claims = json(parts[1]);
    assert_eq!(claims["iss"], KEY);
    assert_eq!(claims["sub"], ACCOUNT);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let exp = claims["exp"].as_u64().unwrap();
    assert!(exp > now && exp <= now + 300, "exp {exp}, now {now}");
    let hrh = claims["hrh"].as_str().unwrap();
    assert_eq!(hrh, "authorization;host");
    let signed = SignedHeaders::new(
        hrh.split(';')
            .map(|name| HeaderName::from_bytes(name.as_bytes()).unwrap()),
    );
    let canonical = CanonicalRequest::new(request, &signed).unwrap();
    assert_eq!(claims["rqh"], canonical.rqh(), "{}", canonical.as_str());
    let verify: &dyn ring::signature::VerificationAlgorithm = match algorithm {
        Algorithm::Ps256 => &ring::signature::RSA_PSS_2048_8192_SHA256,
        _ => &ring::signature::RSA_PKCS1_2048_8192_SHA256,
    };
    ring::signature::UnparsedPublicKey::new(verify, public_key_der())
        .verify(
            format!("{}.{}", parts[0], parts[1]).as_bytes(),
            &URL_SAFE_NO_PAD.decode(parts[2]).unwrap(),
        )
        .expect("the signature verifies with the registered public key");
}

/// A transport that answers the first request 429, then two pages of a list;
/// it keeps every request it was handed.
fn busy_then_two_pages(
    seen: &Mutex<Vec<Request<Vec<u8>>>>,
    request: Request<Vec<u8>>,
) -> Result<Response<Vec<u8>>, TransportError> {
    let mut seen = seen.lock().unwrap();
    let (parts, body) = request.into_parts();
    let copy = Request::from_parts(parts, body);
    let second_page = copy.uri().query().is_some_and(|q| q.contains("Page=1"));
    seen.push(copy);
    if seen.len() == 1 {
        return Ok(Response::builder().status(429).body(Vec::new()).unwrap());
    }
    let next = if second_page {
        "null".to_owned()
    } else {
        r#""http://127.0.0.1:8080/v1/Credentials/AWS?PageSize=1&Page=1&PageToken=PT1""#.to_owned()
    };
    let body = format!(
        r#"{{"credentials":[{{"sid":"CRdddddddddddddddddddddddddddddddd","account_sid":"{ACCOUNT}","friendly_name":"x","date_created":null,"date_updated":null,"url":null}}],"meta":{{"page":0,"page_size":1,"next_page_url":{next}}}}}"#
    );
    Ok(Response::builder()
        .status(200)
        .body(body.into_bytes())
        .unwrap())
}

fn setup(algorithm: Algorithm) -> ClientSetup {
    ClientSetup::new(
        api_key(),
        ClientOptions::new()
            .with_base_url("http://127.0.0.1:8080")
            .with_retry_policy(fast())
            .with_pkcv(signer(algorithm)),
        |_| None,
    )
    .unwrap()
}

#[test]
fn the_blocking_client_signs_every_attempt_and_every_page() {
    for algorithm in [Algorithm::Rs256, Algorithm::Ps256] {
        let seen = Mutex::new(Vec::new());
        let transport = |request| busy_then_two_pages(&seen, request);
        let client = Client::with_blocking_wait(setup(algorithm), &transport, |_| {});
        let pages = client
            .pages(ListCredentialAws::new().page_size(1).unwrap())
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        assert_eq!(pages.len(), 2);
        let seen = seen.into_inner().unwrap();
        assert_eq!(seen.len(), 3, "a 429, its retry, and the second page");
        for request in &seen {
            assert_eq!(request.headers()["host"], "127.0.0.1:8080");
            check_signed(request, algorithm);
        }
    }
}

/// An async sleeper that does not wait.
#[derive(Default)]
struct NoWait;

impl AsyncSleep for NoWait {
    fn sleep(&self, _: Duration) -> impl std::future::Future<Output = ()> + Send {
        std::future::ready(())
    }
}

/// Polls a future that never waits on anything to completion.
fn run<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    for _ in 0..1000 {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
    panic!("the future did not complete");
}

#[test]
fn the_async_client_signs_every_attempt_and_every_page() {
    let seen = Mutex::new(Vec::new());
    let transport = |request| std::future::ready(busy_then_two_pages(&seen, request));
    let client = Client::with_transport(setup(Algorithm::Rs256), transport, NoWait);
    let list = ListCredentialAws::new().page_size(1).unwrap();
    let first = run(client.send(&list)).unwrap();
    let next = ListCredentialAws::next_page(client.endpoint(), &first.value)
        .unwrap()
        .expect("a second page");
    run(client.send(&next)).unwrap();
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.len(), 3, "a 429, its retry, and the second page");
    for request in &seen {
        check_signed(request, Algorithm::Rs256);
    }
}

#[test]
fn auth_token_credentials_are_refused_before_anything_is_sent() {
    let options = ClientOptions::new()
        .with_base_url("http://127.0.0.1:8080")
        .with_pkcv(signer(Algorithm::Rs256));
    assert!(matches!(
        ClientSetup::new(auth_token(), options, |_| None),
        Err(ConfigError::Pkcv(PkcvError::NeedsApiKey))
    ));

    // A call made as other credentials is checked too.
    let sent = Mutex::new(0);
    let transport = |_: Request<Vec<u8>>| -> Result<Response<Vec<u8>>, TransportError> {
        *sent.lock().unwrap() += 1;
        Ok(Response::builder().status(204).body(Vec::new()).unwrap())
    };
    let client = Client::with_blocking_wait(setup(Algorithm::Rs256), &transport, |_| {});
    let err = client
        .send_as(
            &auth_token(),
            &twilio_accounts_client::DeleteSecondaryAuthToken::new(),
        )
        .unwrap_err();
    assert!(
        matches!(err, Error::Pkcv(PkcvError::NeedsApiKey)),
        "{err:?}"
    );
    assert!(err.to_string().contains("Main API key"), "{err}");
    assert_eq!(*sent.lock().unwrap(), 0);
}

#[test]
fn a_client_without_pkcv_adds_no_header() {
    let seen = Mutex::new(Vec::new());
    let transport = |request| busy_then_two_pages(&seen, request);
    let setup = ClientSetup::new(
        auth_token(),
        ClientOptions::new()
            .with_base_url("http://127.0.0.1:8080")
            .with_retry_policy(fast()),
        |_| None,
    )
    .unwrap();
    let client = Client::with_blocking_wait(setup, &transport, |_| {});
    client
        .send(&ListCredentialAws::new().page_size(1).unwrap())
        .unwrap();
    for request in seen.into_inner().unwrap() {
        assert!(!request.headers().contains_key(pkcv::HEADER));
        assert!(!request.headers().contains_key("host"));
    }
}
