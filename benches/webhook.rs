//! Webhook validation: the bare validator, and the same webhook through the
//! tower layer on an in-process service. Goal (see BENCH.md): the layer adds
//! at most 5 µs per request over the bare validation of the same form body
//! (`layer_two_tokens` − `validate_two_tokens_form_body`).

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use http::uri::Scheme;
use http::{Request, Response};
use http_body_util::Full;
use tower::{Layer, Service, service_fn};
use twilio_accounts_core::AuthToken;
use twilio_accounts_webhook::{
    MatchedToken, Payload, PublicUrl, SignatureAlgorithm, TokenSet, WebhookLayer, WebhookRequest,
    WebhookValidator,
};

// Twilio's documented example; the second token matches, so both are tried.
const TOKENS: [&str; 2] = ["0123456789abcdef0123456789abcdef", "12345"];
const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
const SIGNATURE: &str = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
const PARAMS: [(&str, &str); 5] = [
    ("CallSid", "CA1234567890ABCDE"),
    ("Caller", "+14158675309"),
    ("Digits", "1234"),
    ("From", "+14158675309"),
    ("To", "+18005551212"),
];
const FORM: &str = "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212";

fn tokens() -> impl Iterator<Item = AuthToken> {
    TOKENS.iter().map(|t| AuthToken::new(*t).unwrap())
}

/// Runs a future that never waits (the in-process service answers at once).
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the in-process service never waits"),
    }
}

fn bare(c: &mut Criterion) {
    let validator = WebhookValidator::new(tokens()).unwrap();
    let mut request = WebhookRequest {
        url: URL,
        payload: Payload::Params(&PARAMS),
        signature: SIGNATURE,
        algorithm: SignatureAlgorithm::HmacSha1,
    };
    assert_eq!(validator.validate(&request), Ok(1));
    let mut group = c.benchmark_group("webhook");
    group.throughput(Throughput::Elements(1));
    group.bench_function("validate_two_tokens", |b| {
        b.iter(|| validator.validate(black_box(&request)))
    });
    request.payload = Payload::FormBody(FORM.as_bytes());
    assert_eq!(validator.validate(&request), Ok(1));
    group.bench_function("validate_two_tokens_form_body", |b| {
        b.iter(|| validator.validate(black_box(&request)))
    });
    group.finish();
}

fn layer(c: &mut Criterion) {
    // The layer's body deadline is a tokio timer: it needs a runtime's
    // context, though the in-process service never waits.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let _context = runtime.enter();
    let mut service = WebhookLayer::new(TokenSet::new(tokens()).unwrap())
        .public_url(PublicUrl::from_request().scheme(Scheme::HTTPS))
        .layer(service_fn(|request: Request<Full<Bytes>>| async move {
            let index = request.extensions().get::<MatchedToken>().map(|m| m.index);
            Ok::<_, std::convert::Infallible>(Response::new(Full::<Bytes>::from(
                if index == Some(1) { "1" } else { "?" },
            )))
        }));
    let request = || {
        Request::post("/myapp.php?foo=1&bar=2")
            .header("Host", "mycompany.com")
            .header("X-Twilio-Signature", SIGNATURE)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(Full::from(FORM))
            .unwrap()
    };
    let response = ready(service.call(request())).unwrap();
    assert_eq!(response.status(), 200);

    let mut group = c.benchmark_group("webhook");
    group.throughput(Throughput::Elements(1));
    group.bench_function("layer_two_tokens", |b| {
        b.iter_batched(request, |r| ready(service.call(r)), BatchSize::SmallInput)
    });
    group.finish();
}

criterion_group!(benches, bare, layer);
criterion_main!(benches);
