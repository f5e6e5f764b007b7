//! The running simulator: a loopback listener, one task per connection, and the handle tests hold.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use time::OffsetDateTime;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::account::{Account, Stamp};
use crate::api_key::{KeyKind, KeySet, TooManyKeys};
use crate::config::{MAX_KEYS_PER_SUBACCOUNT, SimConfig};
use crate::credential::CredentialKind;
use crate::fault::{Fault, FaultQueue, MAX_FAULT_DURATION};
use crate::fleet::{Fleet, Subaccounts};
use crate::route::Route;
use crate::rsa_public_key::RsaPublicKey;
use crate::service::{self, Shared};
use crate::world::{KeySettings, World};
use crate::{tls, wire};

/// Most connections served at once; further clients wait in the listen backlog.
pub const MAX_CONNECTIONS: usize = 1024;

/// A keep-alive connection that sends no request head for this long is closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// A TLS handshake must finish within this.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A running simulator of Twilio's Accounts v1 API on 127.0.0.1.
///
/// Start it with [`Simulator::start`] inside a tokio runtime, or with [`Simulator::spawn`] from blocking code
/// (it then runs on its own thread and runtime). Point a Twilio client at [`Simulator::base_url`] with the
/// credentials from [`Simulator::account_sid`] and [`Simulator::primary_token`]. Dropping the handle stops
/// the server.
///
/// ```
/// use twilio_accounts_sim::{Fault, Route, SimConfig, Simulator};
///
/// let sim = Simulator::spawn(SimConfig { seed: Some(1), ..SimConfig::default() })?;
/// assert!(sim.base_url().starts_with("http://127.0.0.1:"));
/// assert!(sim.account_sid().starts_with("AC"));
/// assert_eq!(sim.primary_token().len(), 32);
/// assert_eq!(sim.secondary_token(), None);
///
/// // The next two promotes are rate limited, with `Retry-After: 1`.
/// sim.set_fault(Route::Promote, Fault::RateLimited { retry_after: Some(1) }, 2);
/// assert_eq!(sim.requests(Route::Promote), 0);
/// sim.shutdown();
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Simulator {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
    ca_pem: Option<String>,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// The Main API key made at start (`SimConfig::main_api_key`): SID and secret.
    main_api_key: Option<(String, String)>,
    /// The public keys registered at start (`SimConfig::public_keys`): their `CR` SIDs, in order.
    public_key_sids: Vec<String>,
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator")
            .field("base_url", &self.shared.world.base_url)
            .field("account", &*self.shared.account())
            .field("tls", &self.ca_pem.is_some())
            .finish_non_exhaustive()
    }
}

/// What is ready before the accept loop runs: a bound listener, the shared state, TLS.
struct Prepared {
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    tls: Option<TlsAcceptor>,
    ca_pem: Option<String>,
    main_api_key: Option<(String, String)>,
    /// The public keys registered at start (`SimConfig::public_keys`): their `CR` SIDs, in order.
    public_key_sids: Vec<String>,
}

fn invalid_input(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

fn prepare(config: SimConfig) -> io::Result<Prepared> {
    if let Some(sid) = &config.account_sid
        && !wire::is_account_sid(sid)
    {
        return Err(invalid_input(
            "account SID must be AC followed by 32 hex digits".to_owned(),
        ));
    }
    if let Some(token) = &config.auth_token {
        let visible = token.bytes().all(|b| b.is_ascii_graphic());
        if token.is_empty() || token.len() > 256 || !visible {
            return Err(invalid_input(
                "auth token must be 1 to 256 visible ASCII characters".to_owned(),
            ));
        }
    }
    if config.subaccounts > crate::config::MAX_SUBACCOUNTS {
        return Err(invalid_input(format!(
            "at most {} subaccounts",
            crate::config::MAX_SUBACCOUNTS
        )));
    }
    if config.suspended.saturating_add(config.closed) > config.subaccounts {
        return Err(invalid_input(
            "more suspended and closed subaccounts than subaccounts".to_owned(),
        ));
    }
    if config.max_concurrent == Some(0) {
        return Err(invalid_input(
            "the concurrency limit must be at least 1".to_owned(),
        ));
    }
    if config.max_keys == Some(0) && config.main_api_key {
        return Err(invalid_input(
            "--max-keys 0 leaves no room for the Main API key".to_owned(),
        ));
    }
    if config.keys_per_subaccount > MAX_KEYS_PER_SUBACCOUNT
        || config
            .max_keys
            .is_some_and(|max| config.keys_per_subaccount > max)
    {
        return Err(invalid_input(format!(
            "--keys-per-subaccount {} is more than {MAX_KEYS_PER_SUBACCOUNT} or more than --max-keys",
            config.keys_per_subaccount
        )));
    }
    if config.require_pkcv && (!config.main_api_key || config.public_keys.is_empty()) {
        return Err(invalid_input(
            "--require-pkcv needs --main-api-key and at least one --public-key: the Auth Token is refused \
             under PKCV, so without a Main key and a registered public key no request could be accepted"
                .to_owned(),
        ));
    }
    if config.pkcv_subaccounts && !config.require_pkcv {
        return Err(invalid_input(
            "--pkcv-subaccounts needs --require-pkcv: it extends the main account's requirement to its subaccounts"
                .to_owned(),
        ));
    }
    let public_keys = config
        .public_keys
        .iter()
        .enumerate()
        .map(|(i, pem)| {
            RsaPublicKey::from_pem(pem)
                .map_err(|e| invalid_input(format!("public key {}: {e}", i + 1)))
        })
        .collect::<io::Result<Vec<_>>>()?;
    let listener =
        std::net::TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, config.port))?;
    listener.set_nonblocking(true)?;
    let local_addr = listener.local_addr()?;

    let (tls, ca_pem) = match &config.tls {
        Some(tls_config) => {
            let material = tls::generate()?;
            if let Some(path) = &tls_config.ca_cert_path {
                std::fs::write(path, &material.ca_pem)?;
            }
            (Some(material.acceptor), Some(material.ca_pem))
        }
        None => (None, None),
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let now = Stamp {
        mono: Instant::now(),
        wall: wire::iso8601(OffsetDateTime::now_utc()),
    };
    let mut main = Account::new(
        config.account_sid,
        config.auth_token,
        config.seed,
        config.existing_secondary,
        &now,
    );
    let subaccounts = Subaccounts {
        count: config.subaccounts,
        suspended: config.suspended,
        closed: config.closed,
        seed: config.seed,
        existing_secondary: config.existing_secondary,
    };
    let main_api_key = if config.main_api_key {
        let created = main
            .create_key(
                KeySet::Api,
                KeyKind::Main,
                Some("Main key".to_owned()),
                None,
                &now,
            )
            .map_err(|TooManyKeys| invalid_input("no room for the Main API key".to_owned()))?;
        Some((created.key.sid, created.secret))
    } else {
        None
    };
    let mut public_key_sids = Vec::with_capacity(public_keys.len());
    for key in public_keys {
        let friendly_name = format!("Public key {}", public_key_sids.len() + 1);
        let credential = main
            .create_credential(
                CredentialKind::PublicKey,
                Some(friendly_name),
                Some(key),
                &now,
            )
            .ok_or_else(|| invalid_input("too many public keys".to_owned()))?;
        public_key_sids.push(credential.sid);
    }
    let fleet = Fleet::new(main, subaccounts, &now, OffsetDateTime::now_utc());
    if let Some((sid, _)) = &main_api_key {
        let main_sid = fleet.main().sid.clone();
        fleet.note_key(sid, &main_sid);
    }
    for member in fleet.members().iter().skip(1) {
        for n in 1..=config.keys_per_subaccount {
            let made = member.account().create_key(
                KeySet::Api,
                KeyKind::Standard,
                Some(format!("Key {n}")),
                config.max_keys,
                &now,
            );
            let made = made.map_err(|TooManyKeys| {
                invalid_input("no room for a subaccount's key".to_owned())
            })?;
            fleet.note_key(&made.key.sid, &member.sid);
        }
    }
    let mut faults = FaultQueue::default();
    for spec in config.faults {
        faults.push_spec(spec);
    }
    let shared = Arc::new(Shared {
        world: World::new(
            fleet,
            format!("{scheme}://{local_addr}"),
            KeySettings {
                max_keys: config.max_keys,
                refuse_2010_key_create: config.refuse_2010_key_create,
                single_public_key: config.single_public_key,
            },
        ),
        max_concurrent: config.max_concurrent,
        require_pkcv: config.require_pkcv,
        pkcv_subaccounts: config.pkcv_subaccounts,
        faults: Mutex::new(faults),
        requests: Default::default(),
        connections: AtomicU64::new(0),
        auth_lag: config.auth_lag.map(|lag| lag.min(MAX_FAULT_DURATION)),
    });
    Ok(Prepared {
        listener,
        shared,
        tls,
        ca_pem,
        main_api_key,
        public_key_sids,
    })
}

impl Simulator {
    /// Binds 127.0.0.1 and serves on the current tokio runtime (multi-thread or current-thread) until the
    /// handle is dropped or shut down. Errors: the port is taken, an invalid SID or token, TLS setup, or
    /// writing the CA file.
    pub async fn start(config: SimConfig) -> io::Result<Simulator> {
        let Prepared {
            listener,
            shared,
            tls,
            ca_pem,
            main_api_key,
            public_key_sids,
        } = prepare(config)?;
        let listener = TcpListener::from_std(listener)?;
        let local_addr = listener.local_addr()?;
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(serve(listener, Arc::clone(&shared), tls, stopped));
        Ok(Simulator {
            shared,
            local_addr,
            ca_pem,
            stop,
            task: Some(task),
            thread: None,
            main_api_key,
            public_key_sids,
        })
    }

    /// Binds 127.0.0.1 and serves from a new thread with its own two-worker tokio runtime: for blocking
    /// tests and programs. [`Simulator::shutdown`] (or drop) stops the server and joins the thread.
    pub fn spawn(config: SimConfig) -> io::Result<Simulator> {
        let Prepared {
            listener,
            shared,
            tls,
            ca_pem,
            main_api_key,
            public_key_sids,
        } = prepare(config)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("twilio-accounts-sim")
            .enable_all()
            .build()?;
        let listener = {
            let _entered = runtime.enter();
            TcpListener::from_std(listener)?
        };
        let local_addr = listener.local_addr()?;
        let (stop, stopped) = watch::channel(false);
        let server_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("twilio-accounts-sim".to_owned())
            .spawn(move || runtime.block_on(serve(listener, server_shared, tls, stopped)))?;
        Ok(Simulator {
            shared,
            local_addr,
            ca_pem,
            stop,
            task: None,
            thread: Some(thread),
            main_api_key,
            public_key_sids,
        })
    }

    /// The URL to give a Twilio client instead of `https://accounts.twilio.com`: `http://127.0.0.1:PORT`
    /// (or `https://…` with TLS), without a trailing slash.
    pub fn base_url(&self) -> String {
        self.shared.world.base_url.clone()
    }

    /// The address the simulator listens on (always 127.0.0.1).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The PEM of the CA that signed the server certificate, when serving HTTPS.
    pub fn ca_cert_pem(&self) -> Option<String> {
        self.ca_pem.clone()
    }

    /// The account SID the simulator accepts.
    pub fn account_sid(&self) -> String {
        self.shared.account().sid().to_owned()
    }

    /// The current primary Auth Token (it changes when a promote succeeds).
    pub fn primary_token(&self) -> String {
        self.shared.account().primary().to_owned()
    }

    /// The Main API key made at start with [`SimConfig::main_api_key`]: its SID (`SK…`) and secret, as made
    /// (it may have been deleted since). `None` without it.
    pub fn main_api_key(&self) -> Option<(String, String)> {
        self.main_api_key.clone()
    }

    /// The `CR` SIDs of the public keys registered at start ([`SimConfig::public_keys`]), in the order
    /// given, as registered (they may have been deleted since): the `kid` a PKCV signer puts in its JWTs.
    pub fn public_key_sids(&self) -> Vec<String> {
        self.public_key_sids.clone()
    }

    /// The current secondary Auth Token, if one exists.
    pub fn secondary_token(&self) -> Option<String> {
        self.shared.account().secondary().map(str::to_owned)
    }

    /// The SIDs of the subaccounts, in creation order (empty without [`SimConfig::subaccounts`]).
    pub fn subaccount_sids(&self) -> Vec<String> {
        let members = self.shared.world.fleet.members();
        members.iter().skip(1).map(|m| m.sid.clone()).collect()
    }

    /// The current primary Auth Token of the account `sid` (the main account or a subaccount); `None` for
    /// an unknown SID.
    pub fn primary_token_of(&self, sid: &str) -> Option<String> {
        let (member, _) = self.shared.world.fleet.find(sid)?;
        Some(member.account().primary().to_owned())
    }

    /// The current secondary Auth Token of the account `sid`; `None` when it has none or `sid` is unknown.
    pub fn secondary_token_of(&self, sid: &str) -> Option<String> {
        let (member, _) = self.shared.world.fleet.find(sid)?;
        member.account().secondary().map(str::to_owned)
    }

    /// Arms `fault` for the next `times` requests that take `route`. Faults armed earlier are used first
    /// (so `set_fault(r, A, 2); set_fault(r, B, 1)` gives A, A, B); a request uses at most one fault.
    /// Durations and sizes are bounded, see [`Fault::bounded`]. `times == 0` arms nothing.
    pub fn set_fault(&self, route: Route, fault: Fault, times: u32) {
        self.shared.faults().push(route, fault, times);
    }

    /// Disarms every fault not used yet.
    pub fn clear_faults(&self) {
        self.shared.faults().clear();
    }

    /// How many requests took `route` so far, answered, faulted or refused alike ([`Route::Any`]: all
    /// requests, unknown paths included).
    pub fn requests(&self, route: Route) -> u64 {
        self.shared.count(route)
    }

    /// How many TCP connections were accepted so far (a client that reuses its connections keeps this low).
    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::Relaxed)
    }

    /// How many token changes (create, delete, promote) would have e-mailed the account's owners, that is,
    /// succeeded without `SuppressEmailNotification=true`.
    pub fn notification_emails(&self) -> u64 {
        self.shared.world.notification_emails()
    }

    /// Stops the server: no new connections, open ones are closed. For a [`Simulator::spawn`]ed simulator this
    /// returns once the server thread has ended; for a [`Simulator::start`]ed one it only signals the server
    /// task (use [`Simulator::shutdown_async`] to wait for it).
    pub fn shutdown(mut self) {
        self.stop.send_replace(true);
        if let Some(thread) = self.thread.take() {
            // The server thread only ends by returning; a join error would mean it panicked, which is
            // already reported on stderr by the panic hook.
            let _ = thread.join();
        }
    }

    /// Stops the server and waits until its listener is closed and every connection is dropped.
    pub async fn shutdown_async(mut self) {
        self.stop.send_replace(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        if let Some(thread) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.stop.send_replace(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The accept loop: ends when `stopped` turns true or its sender is dropped, then drops every connection.
async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    tls: Option<TlsAcceptor>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut builder = http1::Builder::new();
    builder
        .keep_alive(true)
        .timer(TokioTimer::new())
        .header_read_timeout(IDLE_TIMEOUT);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            biased;
            changed = stopped.changed() => {
                if changed.is_err() || *stopped.borrow() {
                    break;
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept(), if connections.len() < MAX_CONNECTIONS => match accepted {
                Ok((stream, _peer)) => {
                    shared.connections.fetch_add(1, Ordering::Relaxed);
                    connections.spawn(connection(stream, Arc::clone(&shared), tls.clone(), builder.clone()));
                }
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
        }
    }
    drop(listener);
    connections.shutdown().await;
}

async fn connection(
    stream: TcpStream,
    shared: Arc<Shared>,
    tls: Option<TlsAcceptor>,
    builder: http1::Builder,
) {
    // Small responses on a keep-alive connection must not wait for Nagle.
    let _ = stream.set_nodelay(true);
    match tls {
        None => serve_http(stream, shared, &builder).await,
        Some(acceptor) => {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls_stream)) => serve_http(tls_stream, shared, &builder).await,
                Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!("TLS handshake timed out"),
            }
        }
    }
}

async fn serve_http<S>(stream: S, shared: Arc<Shared>, builder: &http1::Builder)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |request| service::handle(Arc::clone(&shared), request));
    if let Err(e) = builder
        .serve_connection(TokioIo::new(stream), service)
        .await
    {
        tracing::debug!(error = %e, "connection ended with an error");
    }
}
