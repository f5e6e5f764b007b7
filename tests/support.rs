//! Shared support for the workspace-level integration tests in this folder.

/// The two HTTP adapters behind one blocking interface, so that every
/// scenario is written once and run against both, over plain HTTP and TLS.
pub mod adapters {
    use std::time::Duration;

    use twilio_accounts_client::{CallOptions, ClientOptions, ConfigError};
    use twilio_accounts_core::{
        AuthToken, Credentials, Error, ListOperation, Operation, Reply, RetryPolicy,
    };
    use twilio_accounts_rotation::{Call, CallResult};
    use twilio_accounts_sim::{SimConfig, Simulator, TlsConfig};

    /// Plain HTTP or HTTPS with the simulator's generated CA.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Wire {
        /// `http://127.0.0.1:PORT`.
        Plain,
        /// `https://127.0.0.1:PORT`, trusting the simulator's CA.
        Tls,
    }

    /// A simulator on 127.0.0.1 (its own thread and runtime).
    pub fn simulator(wire: Wire) -> Simulator {
        let tls = match wire {
            Wire::Plain => None,
            Wire::Tls => Some(TlsConfig::default()),
        };
        Simulator::spawn(SimConfig {
            tls,
            ..SimConfig::default()
        })
        .expect("the simulator starts on 127.0.0.1")
    }

    /// A retry policy with short backoff, so that retried scenarios stay fast
    /// (`Retry-After` is still honoured as sent).
    pub fn fast_retries() -> RetryPolicy {
        RetryPolicy {
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            ..RetryPolicy::default()
        }
    }

    /// Options pointing at `sim`, trusting its CA when it serves TLS.
    pub fn options_for(sim: &Simulator) -> ClientOptions {
        let options = ClientOptions::new()
            .with_base_url(sim.base_url())
            .with_connect_timeout(Duration::from_secs(5))
            .with_request_timeout(Duration::from_secs(10))
            .with_retry_policy(fast_retries());
        match sim.ca_cert_pem() {
            Some(pem) => options.with_root_certificate_pem(pem),
            None => options,
        }
    }

    /// The simulator's account with `token`.
    pub fn credentials_with(sim: &Simulator, token: &str) -> Credentials {
        Credentials::auth_token(
            sim.account_sid()
                .parse()
                .expect("the simulator's SID is valid"),
            AuthToken::new(token).expect("the simulator's token is valid"),
        )
    }

    /// The simulator's account with its current primary token.
    pub fn credentials_for(sim: &Simulator) -> Credentials {
        credentials_with(sim, &sim.primary_token())
    }

    /// One client, blocking. Implemented for both adapters.
    pub trait Adapter: Sized + std::fmt::Debug {
        /// `ureq` or `hyper`.
        const NAME: &'static str;
        /// Builds the client.
        fn build(credentials: Credentials, options: ClientOptions) -> Result<Self, ConfigError>;
        /// The same client with other credentials.
        fn with_credentials(&self, credentials: Credentials) -> Self;
        /// `send_with`.
        fn send_with<O: Operation + Sync>(
            &self,
            op: &O,
            call: &CallOptions,
        ) -> Result<Reply<O::Output>, Error>
        where
            O::Output: Send;

        /// Sends any operation with the client's own options: how every
        /// registered operation reaches both adapters with no code here.
        fn send<O: Operation + Sync>(&self, op: &O) -> Result<Reply<O::Output>, Error>
        where
            O::Output: Send,
        {
            self.send_with(op, &CallOptions::new())
        }

        /// Every item of `list`, at most `limit`, through the client's paging
        /// (the iterator of the blocking client, the stream of the async one).
        fn items<L>(&self, list: L, limit: usize) -> Result<Vec<L::Item>, Error>
        where
            L: ListOperation + Send + Sync + 'static,
            L::Item: Send;

        /// Makes a rotation's call through the rotation crate's seam
        /// (`CallSender` / `AsyncCallSender`).
        fn perform(&mut self, call: &Call) -> Result<CallResult, Error>;

        /// A client for `sim` with its primary token and [`options_for`].
        fn for_sim(sim: &Simulator) -> Self {
            Self::build(credentials_for(sim), options_for(sim)).expect("the client builds")
        }
    }

    /// The blocking adapter.
    #[derive(Debug, Clone)]
    pub struct Ureq(pub twilio_accounts_ureq::Client);

    impl Adapter for Ureq {
        const NAME: &'static str = "ureq";
        fn build(credentials: Credentials, options: ClientOptions) -> Result<Self, ConfigError> {
            twilio_accounts_ureq::Client::new(credentials, options).map(Ureq)
        }
        fn with_credentials(&self, credentials: Credentials) -> Self {
            Ureq(self.0.with_credentials(credentials))
        }
        fn send_with<O: Operation + Sync>(
            &self,
            op: &O,
            call: &CallOptions,
        ) -> Result<Reply<O::Output>, Error>
        where
            O::Output: Send,
        {
            self.0.send_with(op, call)
        }
        fn items<L>(&self, list: L, limit: usize) -> Result<Vec<L::Item>, Error>
        where
            L: ListOperation + Send + Sync + 'static,
            L::Item: Send,
        {
            self.0.items(list).limit(limit).collect()
        }
        fn perform(&mut self, call: &Call) -> Result<CallResult, Error> {
            twilio_accounts_rotation::perform(call, &self.0)
        }
    }

    /// The async adapter, driven by its own current-thread runtime.
    #[derive(Debug)]
    pub struct Hyper {
        /// The client.
        pub client: twilio_accounts_hyper::Client,
        /// The runtime its calls run on (shared by clones of this wrapper).
        pub runtime: std::sync::Arc<tokio::runtime::Runtime>,
    }

    impl Adapter for Hyper {
        const NAME: &'static str = "hyper";
        fn build(credentials: Credentials, options: ClientOptions) -> Result<Self, ConfigError> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime");
            Ok(Hyper {
                client: twilio_accounts_hyper::Client::new(credentials, options)?,
                runtime: std::sync::Arc::new(runtime),
            })
        }
        fn with_credentials(&self, credentials: Credentials) -> Self {
            Hyper {
                client: self.client.with_credentials(credentials),
                runtime: self.runtime.clone(),
            }
        }
        fn send_with<O: Operation + Sync>(
            &self,
            op: &O,
            call: &CallOptions,
        ) -> Result<Reply<O::Output>, Error>
        where
            O::Output: Send,
        {
            self.runtime.block_on(self.client.send_with(op, call))
        }
        fn items<L>(&self, list: L, limit: usize) -> Result<Vec<L::Item>, Error>
        where
            L: ListOperation + Send + Sync + 'static,
            L::Item: Send,
        {
            self.runtime.block_on(async {
                let mut items = Vec::new();
                let mut stream = self.client.items(list).limit(limit);
                while let Some(item) = stream.next().await {
                    items.push(item?);
                }
                Ok(items)
            })
        }
        fn perform(&mut self, call: &Call) -> Result<CallResult, Error> {
            self.runtime
                .block_on(twilio_accounts_rotation::perform_async(call, &self.client))
        }
    }
}

/// A minimal HTTP `CONNECT` proxy on 127.0.0.1 for the proxy scenarios: it
/// tunnels every `CONNECT` to one fixed loopback address, whatever host the
/// client named, and records the request heads it saw.
pub mod connect_proxy {
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpListener, TcpStream};
    use std::sync::{Arc, Mutex};
    use std::thread::JoinHandle;
    use std::time::Duration;

    /// A running proxy that serves at most `max_connections` tunnels.
    #[derive(Debug)]
    pub struct ConnectProxy {
        /// Where it listens.
        pub addr: SocketAddr,
        /// The `CONNECT` heads it received, one string per tunnel.
        pub heads: Arc<Mutex<Vec<String>>>,
        thread: Option<JoinHandle<()>>,
    }

    fn read_head(stream: &mut TcpStream) -> Option<String> {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        // Bounded: stops at the blank line or after 16 KiB.
        while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
            match stream.read(&mut byte) {
                Ok(1) => head.push(byte[0]),
                _ => return None,
            }
        }
        String::from_utf8(head).ok()
    }

    fn pipe(mut from: TcpStream, mut to: TcpStream) {
        // Ends at EOF or error (the read timeout bounds an idle tunnel).
        let _ = std::io::copy(&mut from, &mut to);
        let _ = to.shutdown(std::net::Shutdown::Write);
    }

    impl ConnectProxy {
        /// Starts a proxy that tunnels to `target`.
        pub fn start(target: SocketAddr, max_connections: usize) -> ConnectProxy {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
            let addr = listener.local_addr().expect("local address");
            let heads = Arc::new(Mutex::new(Vec::new()));
            let seen = Arc::clone(&heads);
            let thread = std::thread::spawn(move || {
                for stream in listener.incoming().take(max_connections) {
                    let Ok(mut client) = stream else { continue };
                    let _ = client.set_read_timeout(Some(Duration::from_secs(10)));
                    let Some(head) = read_head(&mut client) else {
                        continue;
                    };
                    seen.lock().expect("heads lock").push(head.clone());
                    if !head.starts_with("CONNECT ") {
                        let _ = client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n");
                        continue;
                    }
                    let Ok(upstream) = TcpStream::connect(target) else {
                        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
                        continue;
                    };
                    let _ = upstream.set_read_timeout(Some(Duration::from_secs(10)));
                    if client
                        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                        .is_err()
                    {
                        continue;
                    }
                    let (Ok(client_read), Ok(upstream_read)) =
                        (client.try_clone(), upstream.try_clone())
                    else {
                        continue;
                    };
                    std::thread::spawn(move || pipe(client_read, upstream));
                    std::thread::spawn(move || pipe(upstream_read, client));
                }
            });
            ConnectProxy {
                addr,
                heads,
                thread: Some(thread),
            }
        }

        /// The heads received so far.
        pub fn heads(&self) -> Vec<String> {
            self.heads.lock().expect("heads lock").clone()
        }
    }

    impl Drop for ConnectProxy {
        fn drop(&mut self) {
            // The accept loop ends after `max_connections`; do not wait for
            // it (a test that used fewer would hang), just detach.
            drop(self.thread.take());
        }
    }
}

/// Runs each scenario `fn name<A: Adapter>(wire: Wire)` as four tests: both
/// adapters over plain HTTP and over TLS (`name::ureq_plain`, …).
#[macro_export]
macro_rules! scenarios {
    ($($scenario:ident),+ $(,)?) => {$(
        mod $scenario {
            use $crate::adapters::{Hyper, Ureq, Wire};
            #[test]
            fn ureq_plain() { super::$scenario::<Ureq>(Wire::Plain) }
            #[test]
            fn ureq_tls() { super::$scenario::<Ureq>(Wire::Tls) }
            #[test]
            fn hyper_plain() { super::$scenario::<Hyper>(Wire::Plain) }
            #[test]
            fn hyper_tls() { super::$scenario::<Hyper>(Wire::Tls) }
        }
    )+};
}
