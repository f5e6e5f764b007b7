//! Each adapter's promote call on loopback against the in-process simulator,
//! next to two bare clients of the same HTTP stack, all against the same
//! server in the same run:
//!
//! - `bare_ureq`, `bare_hyper` send the request the core built beforehand
//!   (byte for byte what the adapter sends) and read the whole answer,
//!   unparsed. The ratio adapter / bare (goal ≤ 1.10 in time) is what the
//!   library adds on top of the HTTP client: building the request, the retry
//!   loop, parsing, and wiping.
//! - `bare_ureq_job`, `bare_hyper_job` do the job a user of the bare client
//!   must do for the same call: build the request from the SID and token
//!   each call (Basic auth with the `base64` crate, the form with
//!   `form_urlencoded`, the adapter's headers; checked equal to the core's at
//!   start) and decode the JSON answer with serde_json into a small struct.
//!   The ratio adapter / bare-doing-the-job is what the library costs over
//!   writing that call by hand.
//!
//! Every iteration needs a secondary token to promote: it is created
//! untimed, through a bare ureq agent, before the timed promote.
//!
//! The same promotes are counted in instructions (CPU per call, which the
//! host's load does not move; goal adapter / bare ≤ 1.15):
//!
//! ```text
//! cargo bench -p twilio-accounts-benches --bench adapters --no-run
//! valgrind --tool=callgrind --toggle-collect='adapters::measured*' \
//!     target/release/deps/adapters-… --instructions CLIENT CALLS
//! ```
//!
//! with CLIENT one of `ureq`, `bare_ureq`, `bare_ureq_job`, `hyper`,
//! `bare_hyper`, `bare_hyper_job`; per promote = (count at 220 − count at
//! 20) / 200, which leaves connecting and first-use set-up out
//! (`scripts/bench-report` does this). Only the `measured_*` functions are
//! counted, on the thread that calls them: one promote through each client,
//! with the current-thread runtime's work for the hyper clients (hyper's
//! connection task runs there too), and not the simulator's threads. A
//! `measured_*` function must hold no closure or async block: its name
//! (`measured_….::{{closure}}`) matches the pattern too, and entering it
//! toggles collection off.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use criterion::{Criterion, criterion_group};
use http::{Request, StatusCode, header};
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

/// The six clients side by side, on one account of one simulator: each
/// adapter, its bare client sending the prebuilt request, and its bare client
/// doing the whole job (`_job`).
#[derive(Debug, Clone, Copy)]
enum Via {
    Ureq,
    BareUreq,
    BareUreqJob,
    Hyper,
    BareHyper,
    BareHyperJob,
}

impl Via {
    const ALL: [(Via, &'static str); 6] = [
        (Via::Ureq, "ureq"),
        (Via::BareUreq, "bare_ureq"),
        (Via::BareUreqJob, "bare_ureq_job"),
        (Via::Hyper, "hyper"),
        (Via::BareHyper, "bare_hyper"),
        (Via::BareHyperJob, "bare_hyper_job"),
    ];
}

/// What a user of a bare client writes for a promote: the request built
/// from the SID and token at every call (Basic auth by the `base64` crate,
/// the form by `form_urlencoded`, the headers the adapters send), and the
/// answer decoded by serde_json into a small struct. Only the URL and the
/// user agent are kept between calls.
struct ByHand {
    url: String,
    user_agent: String,
}

/// The promote answer as a bare-client user would decode it.
#[derive(serde::Deserialize)]
struct Promotion {
    #[allow(dead_code)]
    account_sid: String,
    auth_token: String,
    #[allow(dead_code)]
    date_created: String,
    #[allow(dead_code)]
    date_updated: String,
    #[allow(dead_code)]
    url: String,
}

impl ByHand {
    fn new(account: &Account) -> Self {
        ByHand {
            url: format!("{}/v1/AuthTokens/Promote", account.sim.base_url()),
            user_agent: account.context().user_agent().as_str().to_owned(),
        }
    }

    fn request(&self, sid: &str, token: &str) -> Request<Vec<u8>> {
        let credentials = STANDARD.encode(format!("{sid}:{token}"));
        let body = form_urlencoded::Serializer::new(String::new())
            .finish()
            .into_bytes();
        Request::post(self.url.as_str())
            .header(header::AUTHORIZATION, format!("Basic {credentials}"))
            .header(header::ACCEPT, "application/json")
            .header(header::ACCEPT_CHARSET, "utf-8")
            .header(header::USER_AGENT, self.user_agent.as_str())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::CONTENT_LENGTH, body.len())
            .body(body)
            .unwrap()
    }
}

/// The promote answer, checked and decoded.
fn decode_promotion(status: StatusCode, body: &[u8]) -> Promotion {
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(body));
    serde_json::from_slice(body).unwrap()
}

struct Clients {
    account: Account,
    runtime: Runtime,
    ureq: twilio_accounts_ureq::Client,
    hyper: twilio_accounts_hyper::Client,
    bare_hyper: BareHyper,
    by_hand: ByHand,
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
        let by_hand = ByHand::new(&account);
        // The request by hand is the one the core builds.
        let (core, core_body) = account.promote_request().into_parts();
        let (hand, hand_body) = by_hand.request(&account.sid, &account.token).into_parts();
        assert_eq!(
            (&core.method, &core.uri, &core.headers, &core_body),
            (&hand.method, &hand.uri, &hand.headers, &hand_body)
        );
        Clients {
            account,
            runtime,
            ureq,
            hyper,
            bare_hyper,
            by_hand,
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
            Via::BareUreqJob => {
                let account = &self.account;
                let promotion = measured_bare_ureq_job(
                    &account.bare_ureq,
                    &self.by_hand,
                    &account.sid,
                    &account.token,
                );
                (
                    start.elapsed(),
                    AuthToken::new(promotion.auth_token.as_str()).unwrap(),
                )
            }
            Via::BareHyperJob => {
                let account = &self.account;
                let promotion = measured_bare_hyper_job(
                    &self.runtime,
                    &self.bare_hyper,
                    &self.by_hand,
                    &account.sid,
                    &account.token,
                );
                (
                    start.elapsed(),
                    AuthToken::new(promotion.auth_token.as_str()).unwrap(),
                )
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

#[inline(never)]
fn measured_bare_ureq_job(
    agent: &ureq::Agent,
    by_hand: &ByHand,
    sid: &str,
    token: &str,
) -> Promotion {
    let mut response = agent.run(by_hand.request(sid, token)).unwrap();
    let body = response.body_mut().read_to_vec().unwrap();
    decode_promotion(response.status(), &body)
}

#[inline(never)]
fn measured_bare_hyper_job(
    runtime: &Runtime,
    bare: &BareHyper,
    by_hand: &ByHand,
    sid: &str,
    token: &str,
) -> Promotion {
    let request = by_hand.request(sid, token);
    let (status, body) = runtime.block_on(bare_hyper_exchange(bare, request));
    decode_promotion(status, &body)
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
