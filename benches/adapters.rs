//! Each adapter's promote call on loopback against the in-process simulator,
//! next to a bare client of the same HTTP stack sending byte-identical
//! requests to the same server in the same run. The ratio adapter / bare is
//! the number that matters (goal ≤ 1.10): it is what the library adds on top
//! of the HTTP client — building the request, the retry loop, parsing, and
//! wiping the body.
//!
//! Every iteration needs a secondary token to promote: it is created
//! untimed, through a bare ureq agent, before the timed promote.
//!
//! The same promotes are counted in instructions (CPU per call, which the
//! host's load does not move; goal adapter / bare ≤ 1.15):
//!
//! ```text
//! valgrind --tool=callgrind --toggle-collect='adapters::measured*' \
//!     target/release/deps/adapters-… --instructions ureq|bare_ureq|hyper|bare_hyper CALLS
//! ```
//!
//! Only the `measured_*` functions are counted, on the thread that calls
//! them: one promote through each client, with the current-thread runtime's
//! work for the hyper clients, and not the simulator's threads.

use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, criterion_group};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use tokio::runtime::Runtime;
use twilio_accounts_core::{
    AuthToken, Credentials, Endpoint, PlainHttp, PromoteAuthToken, RequestContext,
};
use twilio_accounts_sim::{SimConfig, Simulator};
use twilio_accounts_ureq::ClientOptions;

type BareHyper = hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector,
    Full<Bytes>,
>;

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

/// The four clients side by side, on one account of one simulator.
#[derive(Debug, Clone, Copy)]
enum Via {
    Ureq,
    BareUreq,
    Hyper,
    BareHyper,
}

impl Via {
    const ALL: [(Via, &'static str); 4] = [
        (Via::Ureq, "ureq"),
        (Via::BareUreq, "bare_ureq"),
        (Via::Hyper, "hyper"),
        (Via::BareHyper, "bare_hyper"),
    ];
}

struct Clients {
    account: Account,
    runtime: Runtime,
    ureq: twilio_accounts_ureq::Client,
    hyper: twilio_accounts_hyper::Client,
    bare_hyper: BareHyper,
}

impl Clients {
    fn new() -> Self {
        let account = Account::new();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let options = || ClientOptions::new().with_base_url(account.sim.base_url());
        let ureq = twilio_accounts_ureq::Client::new(account.credentials(), options()).unwrap();
        let hyper = twilio_accounts_hyper::Client::new(account.credentials(), options()).unwrap();
        let bare_hyper =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http();
        Clients {
            account,
            runtime,
            ureq,
            hyper,
            bare_hyper,
        }
    }

    /// Creates a secondary (untimed), promotes it through `via` and returns
    /// the time of the promote alone; the account continues with the new token.
    fn promote(&mut self, via: Via) -> Duration {
        let next = self.account.create_secondary();
        let request = self.account.promote_request();
        let start = Instant::now();
        let (elapsed, promoted) = match via {
            Via::Ureq => {
                let reply = measured_ureq(&self.ureq);
                (start.elapsed(), reply.value.auth_token)
            }
            Via::Hyper => {
                let reply = measured_hyper(&self.runtime, &self.hyper);
                (start.elapsed(), reply.value.auth_token)
            }
            Via::BareUreq => {
                let answer = measured_bare_ureq(&self.account.bare_ureq, request);
                (start.elapsed(), new_token(answer))
            }
            Via::BareHyper => {
                let answer = measured_bare_hyper(&self.runtime, &self.bare_hyper, request);
                (start.elapsed(), new_token(answer))
            }
        };
        assert_eq!(promoted.expose_secret(), next);
        self.account.token = next;
        self.ureq = self.ureq.with_credentials(self.account.credentials());
        self.hyper = self.hyper.with_credentials(self.account.credentials());
        elapsed
    }
}

// One promote through each client: what criterion times and callgrind
// counts. The bare clients send the request the core built beforehand and
// read the whole answer, unparsed.

type Promoted = twilio_accounts_core::Reply<twilio_accounts_core::AuthTokenPromotion>;

#[inline(never)]
fn measured_ureq(client: &twilio_accounts_ureq::Client) -> Promoted {
    client.promote_auth_token(PromoteAuthToken::new()).unwrap()
}

#[inline(never)]
fn measured_hyper(runtime: &Runtime, client: &twilio_accounts_hyper::Client) -> Promoted {
    let promote = client.promote_auth_token(PromoteAuthToken::new());
    runtime.block_on(promote).unwrap()
}

#[inline(never)]
fn measured_bare_ureq(agent: &ureq::Agent, request: Request<Vec<u8>>) -> (StatusCode, Bytes) {
    let mut response = agent.run(request).unwrap();
    let body = response.body_mut().read_to_vec().unwrap();
    (response.status(), body.into())
}

#[inline(never)]
fn measured_bare_hyper(
    runtime: &Runtime,
    bare: &BareHyper,
    request: Request<Vec<u8>>,
) -> (StatusCode, Bytes) {
    runtime.block_on(bare_hyper_exchange(bare, request))
}

// Not named `measured_*`, and no closure or async block inside a
// `measured_*` function: callgrind's `--toggle-collect` toggles collection on
// every entry to and exit from a matching function, and an async block is a
// function named `measured_….::{{closure}}`, so collection would be switched
// *off* while it runs (the bare hyper client's request and body were once
// left out that way, halving its count).

/// Sends the prebuilt request and reads the whole answer, unparsed.
async fn bare_hyper_exchange(bare: &BareHyper, request: Request<Vec<u8>>) -> (StatusCode, Bytes) {
    let (parts, body) = request.into_parts();
    let request = Request::from_parts(parts, Full::new(Bytes::from(body)));
    let response = bare.request(request).await.unwrap();
    let status = response.status();
    (
        status,
        response.into_body().collect().await.unwrap().to_bytes(),
    )
}

/// The new token of a bare client's promote answer.
fn new_token((status, body): (StatusCode, Bytes)) -> AuthToken {
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    AuthToken::new(json["auth_token"].as_str().unwrap()).unwrap()
}

fn adapters(c: &mut Criterion) {
    let mut clients = Clients::new();
    let mut group = c.benchmark_group("adapters");
    for (via, name) in Via::ALL {
        group.bench_function(format!("{name}_promote"), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| clients.promote(via)).sum())
        });
    }
    group.finish();
}

criterion_group!(benches, adapters);

/// `--instructions CLIENT CALLS`: CALLS promotes through one client, for
/// callgrind (`scripts/bench-report` runs it); otherwise the criterion suite.
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, name, calls] = args.as_slice()
        && flag == "--instructions"
    {
        let (via, _) = Via::ALL
            .into_iter()
            .find(|(_, n)| n == name)
            .expect("a client");
        let mut clients = Clients::new();
        for _ in 0..calls.parse::<u32>().expect("CALLS is a number") {
            clients.promote(via);
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
