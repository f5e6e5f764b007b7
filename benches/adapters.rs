//! Each adapter's promote call on loopback against the in-process simulator,
//! next to a bare client of the same HTTP stack sending byte-identical
//! requests to the same server in the same run. The ratio adapter / bare is
//! the number that matters (goal ≤ 1.10): it is what the library adds on top
//! of the HTTP client — building the request, the retry loop, parsing, and
//! wiping the body.
//!
//! Every iteration needs a secondary token to promote: it is created
//! untimed, through a bare ureq agent, before the timed promote.

use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use http::Request;
use http_body_util::{BodyExt, Full};
use twilio_accounts_core::{
    AuthToken, Credentials, Endpoint, PlainHttp, PromoteAuthToken, RequestContext,
};
use twilio_accounts_sim::{SimConfig, Simulator};
use twilio_accounts_ureq::ClientOptions;

struct Account {
    sim: Simulator,
    sid: String,
    token: String,
    bare_ureq: ureq::Agent,
}

impl Account {
    fn new() -> Self {
        let sim = Simulator::spawn(SimConfig::default()).expect("simulator");
        let bare_ureq: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Account {
            sid: sim.account_sid(),
            token: sim.primary_token(),
            sim,
            bare_ureq,
        }
    }

    fn credentials(&self) -> Credentials {
        Credentials::auth_token(
            self.sid.parse().unwrap(),
            AuthToken::new(self.token.as_str()).unwrap(),
        )
    }

    fn context(&self) -> RequestContext {
        let endpoint = Endpoint::custom(&self.sim.base_url(), PlainHttp::LoopbackOnly).unwrap();
        RequestContext::new(self.credentials(), endpoint)
    }

    /// The exact promote request the core builds: what both the adapter and
    /// the bare clients send.
    fn promote_request(&self) -> Request<Vec<u8>> {
        self.context()
            .build_request(&PromoteAuthToken::new())
            .unwrap()
    }

    /// Creates a secondary (untimed) and returns its token.
    fn create_secondary(&self) -> String {
        let mut request = self.promote_request();
        *request.uri_mut() = format!("{}/v1/AuthTokens/Secondary", self.sim.base_url())
            .parse()
            .unwrap();
        let mut response = self.bare_ureq.run(request).expect("create");
        let body = response.body_mut().read_to_vec().unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        json["secondary_auth_token"].as_str().unwrap().to_owned()
    }
}

fn ureq_promote(c: &mut Criterion) {
    let mut account = Account::new();
    let options = || ClientOptions::new().with_base_url(account_base(&account));
    let mut client = twilio_accounts_ureq::Client::new(account.credentials(), options()).unwrap();
    let mut group = c.benchmark_group("adapters");
    group.bench_function("ureq_promote", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let next = account.create_secondary();
                let start = Instant::now();
                let reply = client.promote_auth_token(PromoteAuthToken::new()).unwrap();
                total += start.elapsed();
                assert_eq!(reply.value.auth_token.expose_secret(), next);
                account.token = next;
                client = client.with_credentials(account.credentials());
            }
            total
        })
    });
    group.bench_function("bare_ureq_promote", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let next = account.create_secondary();
                let request = account.promote_request();
                let start = Instant::now();
                let mut response = account.bare_ureq.run(request).unwrap();
                let body = response.body_mut().read_to_vec().unwrap();
                total += start.elapsed();
                assert_eq!(response.status(), 200, "{}", String::from_utf8_lossy(&body));
                account.token = next;
            }
            total
        })
    });
    group.finish();
}

fn account_base(account: &Account) -> String {
    account.sim.base_url()
}

fn hyper_promote(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut account = Account::new();
    let mut client = {
        let _guard = runtime.enter();
        twilio_accounts_hyper::Client::new(
            account.credentials(),
            ClientOptions::new().with_base_url(account.sim.base_url()),
        )
        .unwrap()
    };
    let bare = {
        let _guard = runtime.enter();
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build_http::<Full<Bytes>>()
    };
    let mut group = c.benchmark_group("adapters");
    group.bench_function("hyper_promote", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let next = account.create_secondary();
                let start = Instant::now();
                let reply = runtime
                    .block_on(client.promote_auth_token(PromoteAuthToken::new()))
                    .unwrap();
                total += start.elapsed();
                assert_eq!(reply.value.auth_token.expose_secret(), next);
                account.token = next;
                client = client.with_credentials(account.credentials());
            }
            total
        })
    });
    group.bench_function("bare_hyper_promote", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let next = account.create_secondary();
                let request = account
                    .promote_request()
                    .map(|body| Full::new(Bytes::from(body)));
                let start = Instant::now();
                let (status, body) = runtime.block_on(async {
                    let response = bare.request(request).await.unwrap();
                    let status = response.status();
                    let body = response.into_body().collect().await.unwrap().to_bytes();
                    (status, body)
                });
                total += start.elapsed();
                assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
                account.token = next;
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, ureq_promote, hyper_promote);
criterion_main!(benches);
