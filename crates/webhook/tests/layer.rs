//! The tower layer and the axum extractors: the shared vectors over real HTTP
//! on 127.0.0.1 and in-process, a rotation while the service runs,
//! per-account tokens, and requests that must be refused without a panic.

mod support;

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::routing::post;
use bytes::Bytes;
use http::uri::Scheme;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde::Deserialize;
use support::{Answer, post as send, send_raw};
use tower::ServiceExt;
use twilio_accounts_core::{AccountSid, AuthToken};
use twilio_accounts_webhook::{
    ForwardedHeaders, MatchedToken, PublicUrl, SignatureAlgorithm, TokenFingerprint, TokenSet,
    TwilioForm, TwilioJson, WebhookLayer, sign_request,
};

const OLD: &str = "0ld0ld0ld0ld0ld0ld0ld0ld0ld0ld00";
const NEW: &str = "4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e";
const HOST: &str = "hooks.example.com";
const FORM: &str = "application/x-www-form-urlencoded";

fn token(value: &str) -> AuthToken {
    AuthToken::new(value).unwrap()
}

/// Answers `INDEX BODY`: which token matched and the body it was handed.
async fn echo(matched: MatchedToken, body: Bytes) -> String {
    format!("{} {}", matched.index, String::from_utf8_lossy(&body))
}

fn app(layer: WebhookLayer) -> Router {
    Router::new().fallback(post(echo)).layer(layer)
}

/// A form webhook to `https://hooks.example.com/sms`, signed with `with`.
fn signed_form(with: &str, fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let signature = sign_request(
        &token(with),
        SignatureAlgorithm::HmacSha1,
        &format!("https://{HOST}/sms"),
        fields,
    )
    .unwrap();
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (name, value) in fields {
        form.append_pair(name, value);
    }
    (signature, form.finish().into_bytes())
}

/// A signed form webhook to `/sms` over HTTP, as Twilio sends it.
async fn post_form(addr: std::net::SocketAddr, signature: &str, body: &[u8]) -> Answer {
    let headers = [
        ("Host", HOST),
        ("X-Twilio-Signature", signature),
        ("Content-Type", FORM),
    ];
    send(addr, "/sms", &headers, body).await
}

/// An in-process request to `/sms` with `Host: hooks.example.com`.
fn request(headers: &[(&str, &str)], body: impl Into<Body>) -> Request<Body> {
    let mut request = Request::post("/sms").header("Host", HOST);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(body.into()).unwrap()
}

async fn answer(router: &Router, request: Request<Body>) -> Answer {
    let response = tokio::time::timeout(support::STEP, router.clone().oneshot(request))
        .await
        .expect("an answer in time")
        .unwrap();
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

fn https_layer(tokens: TokenSet) -> WebhookLayer {
    WebhookLayer::new(tokens).public_url(PublicUrl::from_request().scheme(Scheme::HTTPS))
}

/// What every vector must get: 200 with the matched index and the body it
/// was sent, or 403.
fn check_vector(i: usize, v: &support::Vector, how: &str, got: &Answer) {
    let (body, _) = v.body();
    match v.expected() {
        Some(index) => {
            assert_eq!(got.status, 200, "vector {i} {how}: {got:?}");
            assert_eq!(
                got.body,
                format!("{index} {}", String::from_utf8_lossy(&body)),
                "vector {i} {how}: the inner service gets the unchanged body"
            );
        }
        None => {
            assert_eq!(got.status, 403, "vector {i} {how}: {got:?}");
            assert_eq!(got.body, "invalid signature");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_vector_over_http_with_the_request_host() {
    let vectors = support::vectors();
    // Each vector has its own two tokens: the servers' token set is updated
    // before each, as an application would after a rotation.
    let tokens = TokenSet::without_fallback();
    let mut servers = Vec::new();
    for scheme in [Scheme::HTTP, Scheme::HTTPS] {
        let layer = WebhookLayer::new(tokens.clone())
            .public_url(PublicUrl::from_request().scheme(scheme.clone()));
        servers.push((scheme, support::serve(app(layer)).await));
    }
    for (i, v) in vectors.iter().enumerate() {
        tokens.replace(v.auth_tokens()).unwrap();
        let (scheme, authority, target) = v.target();
        let (_, addr) = servers.iter().find(|(s, _)| s.as_str() == scheme).unwrap();
        let (body, content_type) = v.body();
        let headers = [
            ("Host", authority),
            ("X-Twilio-Signature", v.signature.as_str()),
            ("X-Twilio-Webhooks-Signature-Settings", v.algorithm.as_str()),
            ("Content-Type", content_type),
        ];
        let got = send(*addr, &target, &headers, &body).await;
        check_vector(i, v, &format!("over HTTP as {scheme}"), &got);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_vector_over_http_behind_a_proxy() {
    let vectors = support::vectors();
    let tokens = TokenSet::without_fallback();
    let mut servers = Vec::new();
    for family in [ForwardedHeaders::Rfc7239, ForwardedHeaders::XForwarded] {
        let layer =
            WebhookLayer::new(tokens.clone()).public_url(PublicUrl::trust_forwarded(family));
        servers.push(support::serve(app(layer)).await);
    }
    for (i, v) in vectors.iter().enumerate() {
        tokens.replace(v.auth_tokens()).unwrap();
        let (scheme, authority, target) = v.target();
        let (body, content_type) = v.body();
        let forwarded = format!("for=192.0.2.1;proto={scheme};host=\"{authority}\"");
        // Half of them through RFC 7239, half through X-Forwarded-*, each
        // to the server that trusts that family.
        let addr = servers[i % 2];
        let own_host = addr.to_string();
        let mut headers = vec![
            ("Host", own_host.as_str()),
            ("X-Twilio-Signature", v.signature.as_str()),
            ("X-Twilio-Webhooks-Signature-Settings", v.algorithm.as_str()),
            ("Content-Type", content_type),
        ];
        if i % 2 == 0 {
            headers.push(("Forwarded", forwarded.as_str()));
        } else {
            headers.push(("X-Forwarded-Proto", scheme));
            headers.push(("X-Forwarded-Host", authority));
        }
        let got = send(addr, &target, &headers, &body).await;
        check_vector(i, v, "behind a proxy", &got);
    }
}

#[tokio::test]
async fn every_vector_in_process() {
    let vectors = support::vectors();
    for (i, v) in vectors.iter().enumerate() {
        let (scheme, authority, target) = v.target();
        let layer = WebhookLayer::new(TokenSet::new(v.auth_tokens()).unwrap()).public_url(
            PublicUrl::from_request().scheme(if scheme == "https" {
                Scheme::HTTPS
            } else {
                Scheme::HTTP
            }),
        );
        let (body, content_type) = v.body();
        let request = Request::post(target.as_str())
            .header("Host", authority)
            .header("X-Twilio-Signature", &v.signature)
            .header("X-Twilio-Webhooks-Signature-Settings", &v.algorithm)
            .header("Content-Type", content_type)
            .body(Body::from(body))
            .unwrap();
        let got = answer(&app(layer), request).await;
        check_vector(i, v, "in process", &got);
    }
}

#[tokio::test]
async fn forwarded_headers_are_not_trusted_by_default() {
    let router = app(https_layer(TokenSet::new([token(OLD)]).unwrap()));
    // Signed for the public URL, but the request's own host is another one.
    let (signature, body) = signed_form(OLD, &[("Body", "hi")]);
    let mut request = request(
        &[
            ("X-Twilio-Signature", &signature),
            ("Content-Type", FORM),
            ("X-Forwarded-Host", HOST),
            ("Forwarded", "host=hooks.example.com;proto=https"),
        ],
        body,
    );
    request
        .headers_mut()
        .insert("Host", "10.0.0.7:8080".parse().unwrap());
    assert_eq!(answer(&router, request).await.status, 403);
}

/// The proxy in front overwrites one family of forwarded headers with the
/// public address and passes the other through as the client sent it.
/// Signed for another endpoint of the same account (`other.example.com`),
/// a webhook whose spoofed header of the untrusted family names that
/// endpoint must still be checked against the public address, and refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_supplied_header_of_the_untrusted_family_does_not_choose_the_url() {
    let tokens = TokenSet::new([token(OLD)]).unwrap();
    let (genuine, body) = signed_form(OLD, &[("Body", "hi")]);
    let spoofed = sign_request(
        &token(OLD),
        SignatureAlgorithm::HmacSha1,
        "https://other.example.com/sms",
        &[("Body", "hi")],
    )
    .unwrap();
    let proxy_forwarded = format!("for=192.0.2.1;proto=https;host={HOST}");
    type Headers<'a> = Vec<(&'a str, &'a str)>;
    // (trusted family, what the proxy set, what the client slipped in)
    let cases: [(ForwardedHeaders, Headers<'_>, Headers<'_>); 2] = [
        (
            ForwardedHeaders::XForwarded,
            vec![("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", HOST)],
            vec![("Forwarded", "proto=https;host=other.example.com")],
        ),
        (
            ForwardedHeaders::Rfc7239,
            vec![("Forwarded", proxy_forwarded.as_str())],
            vec![
                ("X-Forwarded-Proto", "https"),
                ("X-Forwarded-Host", "other.example.com"),
            ],
        ),
    ];
    for (family, proxy, client) in cases {
        let layer =
            WebhookLayer::new(tokens.clone()).public_url(PublicUrl::trust_forwarded(family));
        let addr = support::serve(app(layer)).await;
        let own_host = addr.to_string();
        for (signature, status) in [(&genuine, 200), (&spoofed, 403)] {
            let mut headers = vec![
                ("Host", own_host.as_str()),
                ("X-Twilio-Signature", signature.as_str()),
                ("Content-Type", FORM),
            ];
            // The client's header first, as a proxy passing it through
            // would leave it, and also after the proxy's.
            headers.extend(client.iter().copied());
            headers.extend(proxy.iter().copied());
            headers.extend(client.iter().copied());
            let got = send(addr, "/sms", &headers, &body).await;
            assert_eq!(
                got.status, status,
                "{family:?}, signed {signature}: {got:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_while_the_service_runs_rejects_nothing_signed_with_a_current_token() {
    let tokens = TokenSet::new([token(OLD)]).unwrap();
    let counts: Arc<[AtomicUsize; 2]> = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
    let hook_counts = Arc::clone(&counts);
    let layer = https_layer(tokens.clone())
        .on_match(move |m| _ = hook_counts[m.index].fetch_add(1, Ordering::Relaxed));
    let addr = support::serve(app(layer)).await;

    // (tokens the service holds, token Twilio signs with, expected index)
    let phases: [(&[&str], &str, Option<usize>); 5] = [
        (&[OLD], OLD, Some(0)),
        (&[OLD, NEW], OLD, Some(0)), // the secondary is deployed
        (&[OLD, NEW], NEW, Some(1)), // promoted: Twilio signs with the new one
        (&[NEW], NEW, Some(0)),      // the old one is retired
        (&[NEW], OLD, None),         // and no longer accepted
    ];
    let mut seen = Vec::new();
    for (held, signer, expected) in phases {
        tokens.replace(held.iter().map(|t| token(t))).unwrap();
        for n in 0..10 {
            let value = format!("message {n}");
            let (signature, body) = signed_form(signer, &[("Body", &value)]);
            let got = post_form(addr, &signature, &body).await;
            match expected {
                Some(index) => {
                    assert_eq!(got.status, 200, "{held:?} signed by {signer}: {got:?}");
                    assert!(got.body.starts_with(&format!("{index} ")), "{got:?}");
                }
                None => assert_eq!(got.status, 403, "{got:?}"),
            }
        }
        seen.push(expected);
    }
    assert_eq!(seen, [Some(0), Some(0), Some(1), Some(0), None]);
    // The hook counted every accepted request once, per index.
    assert_eq!(counts[0].load(Ordering::Relaxed), 30);
    assert_eq!(counts[1].load(Ordering::Relaxed), 10);
}

/// The rotation done one token at a time: the new token is added, Twilio
/// switches to it, the old one is retired. Each request reports the
/// fingerprint of the token it matched, which stays the token's own while
/// its index moves from 1 to 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_and_retiring_one_token_keeps_each_matched_tokens_fingerprint() {
    let tokens = TokenSet::new([token(OLD)]).unwrap();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let layer = https_layer(tokens.clone()).on_match(move |m| record.lock().unwrap().push(*m));
    let addr = support::serve(app(layer)).await;
    let (old, new) = (
        TokenFingerprint::of(&token(OLD)),
        TokenFingerprint::of(&token(NEW)),
    );
    let post_signed = |signer: &'static str| async move {
        let (signature, body) = signed_form(signer, &[("Body", "hi")]);
        post_form(addr, &signature, &body).await.status
    };

    assert_eq!(post_signed(OLD).await, 200);
    assert_eq!(tokens.add(token(NEW)).unwrap(), new);
    assert_eq!(post_signed(OLD).await, 200);
    assert_eq!(post_signed(NEW).await, 200); // promoted: Twilio signs with the new one
    tokens.retire(old).unwrap();
    assert_eq!(post_signed(NEW).await, 200);
    assert_eq!(post_signed(OLD).await, 403); // retired

    let seen: Vec<(TokenFingerprint, usize)> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|m| (m.fingerprint, m.index))
        .collect();
    assert_eq!(seen, [(old, 0), (old, 0), (new, 1), (new, 0)]);
}

#[tokio::test]
async fn each_account_is_checked_with_its_own_tokens_and_the_rest_with_the_fallback() {
    let sub: AccountSid = "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb".parse().unwrap();
    let tokens = TokenSet::new([token(OLD)]).unwrap();
    tokens.set_account(sub, [token(NEW)]).unwrap();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let router = app(https_layer(tokens).on_match(move |m| record.lock().unwrap().push(*m)));
    let cases = [
        // (AccountSid field, signed with, status)
        (Some(sub.as_str()), NEW, 200),
        (Some(sub.as_str()), OLD, 403), // the main token does not sign for the subaccount
        (None, OLD, 200),
        (Some("ACcccccccccccccccccccccccccccccccc"), OLD, 200), // unregistered: fallback
        (Some("not-a-sid"), OLD, 200),
    ];
    for (account, signer, status) in cases {
        let mut fields = vec![("Body", "hi")];
        fields.extend(account.map(|a| ("AccountSid", a)));
        let (signature, body) = signed_form(signer, &fields);
        let got = answer(
            &router,
            request(
                &[("X-Twilio-Signature", &signature), ("Content-Type", FORM)],
                body,
            ),
        )
        .await;
        assert_eq!(
            got.status, status,
            "{account:?} signed by {signer}: {got:?}"
        );
    }
    let seen = seen.lock().unwrap();
    let accounts: Vec<Option<AccountSid>> = seen.iter().map(|m| m.account).collect();
    assert_eq!(accounts, [Some(sub), None, None, None]);
    assert!(seen.iter().all(|m| m.index == 0));
}

/// A router behind a layer that de-duplicates (window 60 s, at most 2
/// tokens), and how many requests its inner service saw.
fn deduplicating() -> (Router, Arc<AtomicUsize>) {
    let reached = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&reached);
    let layer =
        https_layer(TokenSet::new([token(OLD)]).unwrap()).deduplicate(Duration::from_secs(60), 2);
    let router = Router::new()
        .fallback(post(move |matched: MatchedToken, body: Bytes| {
            count.fetch_add(1, Ordering::Relaxed);
            echo(matched, body)
        }))
        .layer(layer);
    (router, reached)
}

/// A signed form webhook carrying `idempotency` (or no such header).
fn delivery(idempotency: Option<&str>) -> Request<Body> {
    let (signature, body) = signed_form(OLD, &[("Body", "hi")]);
    let mut headers = vec![
        ("X-Twilio-Signature", signature.as_str()),
        ("Content-Type", FORM),
    ];
    headers.extend(idempotency.map(|t| ("I-Twilio-Idempotency-Token", t)));
    request(&headers, body)
}

#[tokio::test(start_paused = true)]
async fn a_replayed_webhook_is_refused_with_409_before_the_service() {
    let (router, reached) = deduplicating();
    let statuses = |tokens: &'static [Option<&'static str>]| {
        let router = router.clone();
        async move {
            let mut got = Vec::new();
            for t in tokens {
                got.push(answer(&router, delivery(*t)).await.status);
            }
            got
        }
    };
    assert_eq!(
        statuses(&[Some("event-1"), Some("event-1")]).await,
        [200, 409]
    );
    let refused = answer(&router, delivery(Some("event-1"))).await;
    assert_eq!(
        (refused.status, refused.body.as_str()),
        (409, "webhook already received")
    );
    assert_eq!(
        reached.load(Ordering::Relaxed),
        1,
        "replays never reach the service"
    );
    // Another event, and requests without the header, pass.
    assert_eq!(
        statuses(&[Some("event-2"), None, None]).await,
        [200, 200, 200]
    );
    // A request whose signature is invalid is not remembered.
    let mut forged = delivery(Some("event-3"));
    forged
        .headers_mut()
        .insert("X-Twilio-Signature", "AAAA".parse().unwrap());
    assert_eq!(answer(&router, forged).await.status, 403);
    assert_eq!(statuses(&[Some("event-3")]).await, [200]);
}

#[tokio::test(start_paused = true)]
async fn after_the_window_a_token_is_accepted_again() {
    let (router, _) = deduplicating();
    assert_eq!(answer(&router, delivery(Some("event-1"))).await.status, 200);
    tokio::time::advance(Duration::from_secs(59)).await;
    assert_eq!(answer(&router, delivery(Some("event-1"))).await.status, 409);
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(answer(&router, delivery(Some("event-1"))).await.status, 200);
}

#[tokio::test(start_paused = true)]
async fn beyond_capacity_the_oldest_token_is_forgotten_first() {
    let (router, _) = deduplicating(); // remembers 2
    for t in ["event-1", "event-2", "event-3"] {
        assert_eq!(answer(&router, delivery(Some(t))).await.status, 200, "{t}");
    }
    // event-1 was evicted by event-3: its replay passes; event-3 is refused.
    assert_eq!(answer(&router, delivery(Some("event-1"))).await.status, 200);
    assert_eq!(answer(&router, delivery(Some("event-3"))).await.status, 409);
}

#[tokio::test]
async fn without_deduplicate_a_repeated_token_passes() {
    let router = app(https_layer(TokenSet::new([token(OLD)]).unwrap()));
    for _ in 0..2 {
        assert_eq!(answer(&router, delivery(Some("event-1"))).await.status, 200);
    }
}

/// A body that comes in pieces, with no announced length, and can fail.
struct Pieces(VecDeque<Result<Bytes, &'static str>>);

impl http_body::Body for Pieces {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        Poll::Ready(
            self.0
                .pop_front()
                .map(|piece| piece.map(http_body::Frame::data).map_err(Into::into)),
        )
    }
}

#[tokio::test]
async fn refusals_have_clear_status_codes_and_name_no_token() {
    let router = app(https_layer(TokenSet::new([token(OLD)]).unwrap()).body_limit(64));
    let (signature, body) = signed_form(OLD, &[("Body", "hi")]);
    let big = vec![b'a'; 65];
    let no_host = Request::post("/sms")
        .header("X-Twilio-Signature", &signature)
        .body(Body::from(body.clone()))
        .unwrap();
    let pieces = |list: Vec<Result<Bytes, &'static str>>| Body::new(Pieces(list.into()));
    let cases: Vec<(&str, Request<Body>, u16, &str)> = vec![
        (
            "no signature",
            request(&[], body.clone()),
            400,
            "missing X-Twilio-Signature",
        ),
        (
            "two signatures",
            request(
                &[
                    ("X-Twilio-Signature", &signature),
                    ("X-Twilio-Signature", &signature),
                ],
                body.clone(),
            ),
            400,
            "malformed X-Twilio-Signature",
        ),
        ("no Host", no_host, 400, "missing Host"),
        (
            "wrong signature",
            request(&[("X-Twilio-Signature", "AAAA")], body.clone()),
            403,
            "invalid signature",
        ),
        (
            "announced too large",
            request(&[("X-Twilio-Signature", &signature)], big.clone()),
            413,
            "body too large",
        ),
        (
            "streamed too large",
            request(
                &[("X-Twilio-Signature", &signature)],
                pieces(vec![
                    Ok(Bytes::from(big[..40].to_vec())),
                    Ok(Bytes::from(big[40..].to_vec())),
                ]),
            ),
            413,
            "body too large",
        ),
        (
            "cut short",
            request(
                &[("X-Twilio-Signature", &signature)],
                pieces(vec![
                    Ok(Bytes::from_static(b"Body=")),
                    Err("connection reset"),
                ]),
            ),
            400,
            "body unreadable",
        ),
        (
            "in pieces",
            request(
                &[("X-Twilio-Signature", &signature)],
                pieces(vec![
                    Ok(Bytes::from_static(b"Bo")),
                    Ok(Bytes::from_static(b"dy=hi")),
                ]),
            ),
            200,
            "0 Body=hi",
        ),
    ];
    for (what, request, status, message) in cases {
        let got = answer(&router, request).await;
        assert_eq!((got.status, got.body.as_str()), (status, message), "{what}");
        assert!(!got.body.contains(OLD), "{what}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_cut_short_and_hostless_bodies_over_http() {
    let addr = support::serve(app(https_layer(TokenSet::new([token(OLD)]).unwrap()))).await;
    let (signature, body) = signed_form(OLD, &[("Body", "a slow one")]);
    let head = format!(
        "POST /sms HTTP/1.1\r\nHost: {HOST}\r\nX-Twilio-Signature: {signature}\r\nContent-Type: {FORM}\r\n"
    );
    let (first, rest) = body.split_at(4);
    let slow = send_raw(addr, &head, &[first, rest], Duration::from_millis(300)).await;
    assert_eq!(slow.status, 200, "{slow:?}");
    assert_eq!(slow.body, "0 Body=a+slow+one");

    // Cut short: the client stops sending and goes away before the announced
    // length. Whoever notices first (hyper or the layer) ends the request
    // with 400 or closes the connection; nothing panics and the server goes on.
    let announced = format!("{head}Content-Length: {}\r\n", body.len() + 10);
    let cut = support::send_cut_short(addr, &announced, &body).await;
    assert!(matches!(cut.status, 0 | 400), "{cut:?}");

    let hostless = format!("POST /sms HTTP/1.0\r\nX-Twilio-Signature: {signature}\r\n");
    let got = send_raw(addr, &hostless, &[&body], Duration::ZERO).await;
    assert_eq!((got.status, got.body.as_str()), (400, "missing Host"));

    let twice = format!("{head}X-Twilio-Signature: {signature}\r\n");
    let got = send_raw(addr, &twice, &[&body], Duration::ZERO).await;
    assert_eq!(got.status, 400, "{got:?}");

    // The server is still fine.
    let got = send(
        addr,
        "/sms",
        &[("Host", HOST), ("X-Twilio-Signature", &signature)],
        &body,
    )
    .await;
    assert_eq!(got.status, 200, "{got:?}");
}

/// A client that trickles its body (one byte every 200 ms, 50 bytes: 10 s
/// in all) gets 408 once the layer's 1 s deadline has passed, not when it
/// is done sending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_trickles_in_gets_408_at_the_deadline() {
    let layer =
        https_layer(TokenSet::new([token(OLD)]).unwrap()).body_timeout(Duration::from_secs(1));
    let addr = support::serve(app(layer)).await;
    let body = format!("Body={}", "a".repeat(45));
    let (signature, _) = signed_form(OLD, &[("Body", &body[5..])]);
    let head = format!(
        "POST /sms HTTP/1.1\r\nHost: {HOST}\r\nX-Twilio-Signature: {signature}\r\nContent-Type: {FORM}\r\nContent-Length: {}\r\n",
        body.len()
    );
    let (got, took) =
        support::send_trickle(addr, &head, body.as_bytes(), Duration::from_millis(200)).await;
    assert_eq!(
        (got.status, got.body.as_str()),
        (408, "body too slow"),
        "after {took:?}"
    );
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(4),
        "answered after {took:?}, the deadline is 1 s"
    );

    // The same body at full speed is accepted: the deadline is not too early.
    let got = post_form(addr, &signature, body.as_bytes()).await;
    assert_eq!(got.status, 200, "{got:?}");
}

#[tokio::test]
async fn the_default_body_limit_is_64_kib() {
    assert_eq!(
        twilio_accounts_webhook::layer::DEFAULT_BODY_LIMIT,
        64 * 1024
    );
    let router = app(https_layer(TokenSet::new([token(OLD)]).unwrap()));
    // At the limit the body is read (and its signature refused); one byte
    // more is not read at all.
    for (size, status) in [(64 * 1024, 403), (64 * 1024 + 1, 413)] {
        let got = answer(
            &router,
            request(&[("X-Twilio-Signature", "AAAA")], vec![b'a'; size]),
        )
        .await;
        assert_eq!(got.status, status, "{size} bytes: {got:?}");
    }
}

#[derive(Deserialize)]
struct Sms {
    #[serde(rename = "From")]
    from: String,
    #[serde(rename = "Body")]
    body: String,
}

#[derive(Deserialize)]
struct Event {
    event: String,
}

#[tokio::test]
async fn the_extractors_give_the_validated_fields_and_refuse_unvalidated_requests() {
    let sms = |matched: MatchedToken, TwilioForm(sms): TwilioForm<Sms>| async move {
        format!("{} {} {}", matched.index, sms.from, sms.body)
    };
    let event = |TwilioJson(event): TwilioJson<Event>| async move { event.event };
    let routes = Router::new()
        .route("/sms", post(sms))
        .route("/event", post(event));
    let guarded = routes.clone().layer(https_layer(
        TokenSet::new([token(OLD), token(NEW)]).unwrap(),
    ));

    let (signature, body) = signed_form(NEW, &[("From", "+15550100"), ("Body", "hi")]);
    let got = answer(
        &guarded,
        request(
            &[("X-Twilio-Signature", &signature), ("Content-Type", FORM)],
            body.clone(),
        ),
    )
    .await;
    assert_eq!((got.status, got.body.as_str()), (200, "1 +15550100 hi"));

    // Fields the handler's type lacks.
    let (signature, other) = signed_form(OLD, &[("Body", "hi")]);
    let got = answer(
        &guarded,
        request(&[("X-Twilio-Signature", &signature)], other),
    )
    .await;
    assert_eq!(got.status, 400, "{got:?}");

    // A JSON webhook, signed with bodySHA256 (hex SHA-256 of the body,
    // computed independently: `printf %s '{"event":"x"}' | sha256sum`).
    let json = br#"{"event":"x"}"#;
    let url = format!(
        "https://{HOST}/event?bodySHA256=ebc2c4ea03938ee05e18c1a712d9fa02de923d6f2db34b68fe1f8dcf651e479d"
    );
    let signature = sign_request(&token(OLD), SignatureAlgorithm::HmacSha1, &url, &[]).unwrap();
    let path_and_query = &url[url.find("/event").unwrap()..];
    let json_request = |body: &'static [u8]| {
        Request::post(path_and_query)
            .header("Host", HOST)
            .header("X-Twilio-Signature", &signature)
            .header("Content-Type", "application/json")
            .body(Body::from(body))
            .unwrap()
    };
    let got = answer(&guarded, json_request(json)).await;
    assert_eq!((got.status, got.body.as_str()), (200, "x"));
    let got = answer(&guarded, json_request(br#"{"event":"y"}"#)).await;
    assert_eq!(got.status, 403, "a body that is not the signed one");

    // Without the layer, the extractors refuse instead of trusting.
    let (signature, body) = signed_form(NEW, &[("From", "+15550100"), ("Body", "hi")]);
    let got = answer(
        &routes,
        request(&[("X-Twilio-Signature", &signature)], body),
    )
    .await;
    assert_eq!(got.status, StatusCode::INTERNAL_SERVER_ERROR.as_u16());
}
