//! Throughput of the Twilio Accounts simulator on loopback, so that it is never the bottleneck of a client
//! benchmark (goal: at least 20,000 promote calls per second on 2 cores).
//!
//! `create_and_promote`: each client task drives its own simulator (one account each, so that tasks do not
//! invalidate each other's tokens) over one keep-alive connection: `POST /v1/AuthTokens/Secondary`, then
//! `POST /v1/AuthTokens/Promote`, then the next pair with the new primary. One element = one promote call
//! (plus its create). `verify`: `GET /v1/Credentials/PublicKeys` requests, one element each. Servers and
//! clients share one two-worker tokio runtime.
//!
//! Run: `cargo bench -p twilio-accounts-benches --bench simulator -- --warm-up-time 1 --measurement-time 5`

use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use http_body_util::{BodyExt as _, Empty};
use hyper::Request;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::runtime::Runtime;
use twilio_accounts_sim::{SimConfig, Simulator};

/// Concurrent client tasks (and simulators).
const CLIENTS: u64 = 4;

struct Client {
    sender: SendRequest<Empty<Bytes>>,
    sid: String,
    authorization: String,
}

impl Client {
    async fn connect(sim: &Simulator) -> Client {
        let stream = TcpStream::connect(sim.local_addr()).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let (sender, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .expect("handshake");
        tokio::spawn(connection);
        let mut client = Client {
            sender,
            sid: sim.account_sid(),
            authorization: String::new(),
        };
        client.use_token(&sim.primary_token());
        client
    }

    fn use_token(&mut self, token: &str) {
        let credentials =
            base64::engine::general_purpose::STANDARD.encode(format!("{}:{token}", self.sid));
        self.authorization = format!("Basic {credentials}");
    }

    async fn call(&mut self, method: &str, path: &str, expected: u16) -> Bytes {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header(HOST, "127.0.0.1")
            .header(AUTHORIZATION, &self.authorization)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Empty::new())
            .expect("a request");
        self.sender.ready().await.expect("connection ready");
        let response = self.sender.send_request(request).await.expect("a response");
        assert_eq!(response.status().as_u16(), expected, "{method} {path}");
        response
            .into_body()
            .collect()
            .await
            .expect("a body")
            .to_bytes()
    }

    /// Creates a secondary and promotes it; the client then authenticates with the new primary.
    async fn rotate(&mut self) {
        let created = self.call("POST", "/v1/AuthTokens/Secondary", 201).await;
        let created: serde_json::Value = serde_json::from_slice(&created).expect("JSON");
        let secondary = created["secondary_auth_token"]
            .as_str()
            .expect("a secondary token")
            .to_owned();
        self.call("POST", "/v1/AuthTokens/Promote", 200).await;
        self.use_token(&secondary);
    }
}

/// Runs `iters` operations split over the clients and returns the wall time.
fn timed<F, Fut>(runtime: &Runtime, clients: &mut Vec<Client>, iters: u64, op: F) -> Duration
where
    F: Fn(Client, u64) -> Fut,
    Fut: Future<Output = Client> + Send + 'static,
{
    runtime.block_on(async {
        let started = Instant::now();
        let tasks: Vec<_> = clients
            .drain(..)
            .enumerate()
            .map(|(i, client)| {
                let share = iters / CLIENTS + u64::from((i as u64) < iters % CLIENTS);
                tokio::spawn(op(client, share))
            })
            .collect();
        for task in tasks {
            clients.push(task.await.expect("client task"));
        }
        started.elapsed()
    })
}

fn simulator(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let sims: Vec<Simulator> = (0..CLIENTS)
        .map(|_| {
            runtime
                .block_on(Simulator::start(SimConfig::default()))
                .expect("simulator")
        })
        .collect();
    let mut clients: Vec<Client> = sims
        .iter()
        .map(|sim| runtime.block_on(Client::connect(sim)))
        .collect();

    let mut group = c.benchmark_group("simulator");
    group.throughput(Throughput::Elements(1));
    group.bench_function("create_and_promote", |b| {
        b.iter_custom(|iters| {
            timed(&runtime, &mut clients, iters, |mut client, n| async move {
                for _ in 0..n {
                    client.rotate().await;
                }
                client
            })
        })
    });
    group.bench_function("verify", |b| {
        b.iter_custom(|iters| {
            timed(&runtime, &mut clients, iters, |mut client, n| async move {
                for _ in 0..n {
                    client.call("GET", "/v1/Credentials/PublicKeys", 200).await;
                }
                client
            })
        })
    });
    group.finish();

    let promotes: u64 = sims
        .iter()
        .map(|sim| sim.requests(twilio_accounts_sim::Route::Promote))
        .sum();
    let connections: u64 = sims.iter().map(Simulator::connections).sum();
    assert_eq!(
        connections, CLIENTS,
        "the clients must have reused their connections"
    );
    assert!(promotes > 0);
    drop(clients);
    for sim in sims {
        runtime.block_on(sim.shutdown_async());
    }
}

criterion_group!(benches, simulator);
criterion_main!(benches);
