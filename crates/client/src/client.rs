//! The client: one type for blocking and async transports.
//!
//! `Client<T>` (with the default [`ThreadSleep`]) sends through a
//! [`BlockingTransport`] and waits between retries on the calling thread;
//! `Client<T, S>` with an [`AsyncSleep`] sends through an [`AsyncTransport`]
//! and returns futures. Everything else is the same code for both: set-up
//! from options or the environment, the credentials swap, the retry loop with
//! a fresh jitter seed per call, the attempt log, and paging
//! ([`crate::paging`]).
//!
//! A transport crate names its own instance, e.g. `pub type Client =
//! twilio_accounts_client::Client<ItsTransport>` (blocking) or
//! `Client<ItsTransport, ItsSleep>` (async).

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{Request, Response};
use twilio_accounts_core::{
    AsyncTransport, AuthTokenPromotion, BlockingTransport, CreateSecondaryAuthToken, Credentials,
    DeleteSecondaryAuthToken, Endpoint, Error, Operation, PromoteAuthToken, Reply, RequestContext,
    SecondaryAuthToken, TransportError, TransportErrorKind, send_async, send_blocking,
};

use crate::attempt_log::AttemptLog;
use crate::options::{CallOptions, ClientOptions, ClientSetup, ConfigError};
use crate::pkcv::{Issuer, PkcvError, PkcvSigner};
use crate::transport::{AsyncSleep, FromSetup, RequestTimeout, ThreadSleep};

/// A Twilio Accounts client over the transport `T`; blocking with the default
/// `S` ([`ThreadSleep`]), async with an [`AsyncSleep`].
///
/// Cheap to clone (clones share the transport and its connection pool);
/// `Send + Sync` when the transport is, so one client can serve many threads
/// or tasks. `Debug` shows the account, endpoint and options, never a secret.
pub struct Client<T, S = ThreadSleep> {
    shared: Arc<Shared<T, S>>,
    context: Arc<RequestContext>,
}

struct Shared<T, S> {
    transport: T,
    sleep: S,
    /// A blocking client's wait between retries, when not the thread's
    /// sleep ([`Client::with_blocking_wait`]).
    wait: Option<Wait>,
    options: ClientOptions,
    proxied: bool,
}

/// How a blocking client built by [`Client::with_blocking_wait`] waits.
type Wait = Box<dyn Fn(Duration) + Send + Sync>;

impl<T, S> Clone for Client<T, S> {
    fn clone(&self) -> Self {
        Client {
            shared: Arc::clone(&self.shared),
            context: Arc::clone(&self.context),
        }
    }
}

impl<T, S> fmt::Debug for Client<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("account_sid", self.context.credentials().account_sid())
            .field("endpoint", self.context.endpoint())
            .field("options", &self.shared.options)
            .field("proxied", &self.shared.proxied)
            .finish_non_exhaustive()
    }
}

/// A seed for the retry jitter, from the standard library's per-process
/// random keys (no extra dependency), different for every call.
pub(crate) fn jitter_seed() -> u64 {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(CALLS.fetch_add(1, Ordering::Relaxed));
    hasher.finish()
}

impl<T: FromSetup, S: Default> Client<T, S> {
    /// A client for `credentials`, configured by `options`. The endpoint is
    /// the one in the options, or Twilio's default host; the `TWILIO_*`
    /// variables are not read (see [`Client::from_env`]). Proxy variables are
    /// read only for [`ProxyMode::FromEnv`](crate::ProxyMode::FromEnv).
    pub fn new(credentials: Credentials, options: ClientOptions) -> Result<Self, ConfigError> {
        Self::from_setup(ClientSetup::new(credentials, options, |name| {
            std::env::var(name).ok()
        })?)
    }

    /// A client from the environment: `TWILIO_ACCOUNT_SID` with
    /// `TWILIO_AUTH_TOKEN` (or `TWILIO_API_KEY` / `TWILIO_API_SECRET`), and
    /// `TWILIO_ACCOUNTS_BASE_URL` or `TWILIO_REGION` / `TWILIO_EDGE`, with
    /// the default options.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_env_with(ClientOptions::new())
    }

    /// Like [`Client::from_env`], with options (an endpoint set in the
    /// options beats the environment).
    pub fn from_env_with(options: ClientOptions) -> Result<Self, ConfigError> {
        Self::from_setup(ClientSetup::from_env(options, |name| {
            std::env::var(name).ok()
        })?)
    }

    /// A client from a checked set-up, with the transport built for it.
    pub fn from_setup(setup: ClientSetup) -> Result<Self, ConfigError> {
        let transport = T::from_setup(&setup)?;
        Ok(Self::with_transport(setup, transport, S::default()))
    }
}

impl<T, S> Client<T, S> {
    /// A client over a transport you built yourself (see
    /// [`crate::transport`]), waiting between retries with `sleep`.
    pub fn with_transport(setup: ClientSetup, transport: T, sleep: S) -> Self {
        Self::build(setup, transport, sleep, None)
    }

    fn build(setup: ClientSetup, transport: T, sleep: S, wait: Option<Wait>) -> Self {
        let proxied = setup.proxy.is_some();
        Client {
            shared: Arc::new(Shared {
                transport,
                sleep,
                wait,
                options: setup.options,
                proxied,
            }),
            context: Arc::new(setup.context),
        }
    }

    /// The same client (same transport and connection pool, endpoint and
    /// options) with other credentials: how a rotation checks that a new
    /// token works.
    pub fn with_credentials(&self, credentials: Credentials) -> Self {
        Client {
            shared: Arc::clone(&self.shared),
            context: Arc::new(self.context.with_credentials(credentials)),
        }
    }

    /// Where requests go.
    pub fn endpoint(&self) -> &Endpoint {
        self.context.endpoint()
    }

    /// Credentials, endpoint and user agent.
    pub fn context(&self) -> &RequestContext {
        &self.context
    }

    /// The options the client was built with.
    pub fn options(&self) -> &ClientOptions {
        &self.shared.options
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.shared.transport
    }

    /// Whether requests go through a proxy.
    pub fn is_proxied(&self) -> bool {
        self.shared.proxied
    }

    /// The request with the call's timeout override, if any, in its
    /// extensions.
    fn timed(request: Request<Vec<u8>>, timeout: Option<Duration>) -> Request<Vec<u8>> {
        let mut request = request;
        if let Some(timeout) = timeout {
            request.extensions_mut().insert(RequestTimeout(timeout));
        }
        request
    }
}

/// Logs the wait before a retry.
fn log_wait(operation: &'static str, delay: Duration) {
    tracing::debug!(
        operation,
        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        "waiting before retrying"
    );
}

/// One call's Public Key Client Validation: who signs, for whom, and the
/// first failure, which ends the call as [`Error::Pkcv`] (nothing is sent).
struct Signing<'a> {
    signer: &'a PkcvSigner,
    issuer: Issuer,
    failure: Mutex<Option<PkcvError>>,
}

impl<'a> Signing<'a> {
    /// The signing of a call in `context`, when the client signs; refused
    /// before anything is sent when the credentials are not an API key.
    fn start(options: &'a ClientOptions, context: &RequestContext) -> Result<Option<Self>, Error> {
        let Some(signer) = options.pkcv() else {
            return Ok(None);
        };
        // A clock before 1970 would fail every attempt, each after a wait.
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|_| PkcvError::ClockBeforeEpoch)?;
        Ok(Some(Signing {
            signer,
            issuer: Issuer::from_credentials(context.credentials())?,
            failure: Mutex::new(None),
        }))
    }

    /// Signs one attempt's request, as it is handed to the transport (the
    /// transport adds nothing that is signed: the `Host` it would add is
    /// set here first).
    fn sign(&self, mut request: Request<Vec<u8>>) -> Result<Request<Vec<u8>>, TransportError> {
        match self.signer.sign_request(&mut request, &self.issuer) {
            Ok(()) => Ok(request),
            Err(err) => {
                let message = err.to_string();
                if let Ok(mut failure) = self.failure.lock() {
                    failure.get_or_insert(err);
                }
                Err(TransportError::new(
                    TransportErrorKind::Other,
                    twilio_accounts_core::Delivery::NotSent,
                    message,
                ))
            }
        }
    }

    /// The call's result, or the signing failure that stopped it.
    fn finish<R>(signing: Option<&Self>, result: Result<R, Error>) -> Result<R, Error> {
        let failure = signing.and_then(|signing| signing.failure.lock().ok()?.take());
        match failure {
            Some(failure) => Err(Error::Pkcv(failure)),
            None => result,
        }
    }
}

/// Signs `request` when the call signs.
fn signed(
    signing: Option<&Signing<'_>>,
    request: Request<Vec<u8>>,
) -> Result<Request<Vec<u8>>, TransportError> {
    match signing {
        Some(signing) => signing.sign(request),
        None => Ok(request),
    }
}

impl<T> Client<T, ThreadSleep> {
    /// A blocking client over a transport you built yourself that waits
    /// between retries by calling `wait` instead of sleeping: a test over a
    /// closure transport that must not wait (`|_| {}`), or a simulated clock.
    ///
    /// ```
    /// use twilio_accounts_client::{Client, ClientOptions, ClientSetup, Credentials, DeleteSecondaryAuthToken, TransportError};
    ///
    /// let busy_once = std::sync::atomic::AtomicBool::new(true);
    /// let transport = |_: http::Request<Vec<u8>>| -> Result<_, TransportError> {
    ///     let status = if busy_once.swap(false, std::sync::atomic::Ordering::SeqCst) { 429 } else { 204 };
    ///     Ok(http::Response::builder().status(status).header("retry-after", "30").body(Vec::new()).unwrap())
    /// };
    /// let setup = ClientSetup::new(
    ///     Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, "0123456789abcdef0123456789abcdef".parse()?),
    ///     ClientOptions::new(),
    ///     |_| None,
    /// )?;
    /// let waited = std::sync::Mutex::new(Vec::new());
    /// let client = Client::with_blocking_wait(setup, &transport, move |delay| waited.lock().unwrap().push(delay));
    /// assert_eq!(client.send(&DeleteSecondaryAuthToken::new())?.attempts, 2); // at once, not after 30 s
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_blocking_wait(
        setup: ClientSetup,
        transport: T,
        wait: impl Fn(Duration) + Send + Sync + 'static,
    ) -> Self {
        Self::build(setup, transport, ThreadSleep, Some(Box::new(wait)))
    }
}

impl<T: BlockingTransport> Client<T, ThreadSleep> {
    /// Sends any operation, retrying as the client's policy says.
    ///
    /// ```no_run
    /// # fn demo(client: &twilio_accounts_client::Client<impl twilio_accounts_client::BlockingTransport>) -> Result<(), twilio_accounts_client::Error> {
    /// use twilio_accounts_client::FetchCredentialAws;
    ///
    /// let credential = client.send(&FetchCredentialAws::new("CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?))?;
    /// println!("{:?}", credential.value.friendly_name);
    /// # Ok(())
    /// # }
    /// ```
    pub fn send<O: Operation + ?Sized>(&self, operation: &O) -> Result<Reply<O::Output>, Error> {
        self.send_in(&self.context, operation, &CallOptions::new())
    }

    /// Sends any operation with per-call overrides (timeout, retry policy).
    pub fn send_with<O: Operation + ?Sized>(
        &self,
        operation: &O,
        call: &CallOptions,
    ) -> Result<Reply<O::Output>, Error> {
        self.send_in(&self.context, operation, call)
    }

    /// Sends `operation` authenticated with `credentials` instead of the
    /// client's (same pool, endpoint and options): a rotation's calls with
    /// the old and the new token.
    pub fn send_as<O: Operation + ?Sized>(
        &self,
        credentials: &Credentials,
        operation: &O,
    ) -> Result<Reply<O::Output>, Error> {
        // The client's own credentials reuse its context, whose
        // `Authorization` value was built once: every build is another copy
        // of the secret that cannot be wiped.
        if credentials == self.context.credentials() {
            return self.send_in(&self.context, operation, &CallOptions::new());
        }
        let context = self.context.with_credentials(credentials.clone());
        self.send_in(&context, operation, &CallOptions::new())
    }

    fn send_in<O: Operation + ?Sized>(
        &self,
        context: &RequestContext,
        operation: &O,
        call: &CallOptions,
    ) -> Result<Reply<O::Output>, Error> {
        let options = &self.shared.options;
        let timeout = call.request_timeout();
        let signing = Signing::start(options, context)?;
        let transport = |request: Request<Vec<u8>>| -> Result<Response<Vec<u8>>, TransportError> {
            let request = signed(signing.as_ref(), request)?;
            let log = AttemptLog::start(&request);
            let result = self.shared.transport.send(Self::timed(request, timeout));
            if let Some(log) = log {
                log.finish(&result);
            }
            result
        };
        let result = send_blocking(
            context,
            operation,
            options.retry_policy_for(call),
            jitter_seed(),
            &transport,
            |delay| {
                log_wait(O::ID, delay);
                match &self.shared.wait {
                    Some(wait) => wait(delay),
                    None => std::thread::sleep(delay),
                }
            },
        );
        Signing::finish(signing.as_ref(), result)
    }

    /// `POST /v1/AuthTokens/Promote`: the secondary token becomes the
    /// primary. Never retried once it may have reached Twilio.
    pub fn promote_auth_token(
        &self,
        operation: PromoteAuthToken,
    ) -> Result<Reply<AuthTokenPromotion>, Error> {
        self.send(&operation)
    }

    /// `POST /v1/AuthTokens/Secondary`: creates a secondary token. Never
    /// retried once it may have reached Twilio.
    pub fn create_secondary_auth_token(
        &self,
        operation: CreateSecondaryAuthToken,
    ) -> Result<Reply<SecondaryAuthToken>, Error> {
        self.send(&operation)
    }

    /// `DELETE /v1/AuthTokens/Secondary`: deletes the secondary token.
    /// Idempotent, so retried after resets and 5xx too.
    pub fn delete_secondary_auth_token(
        &self,
        operation: DeleteSecondaryAuthToken,
    ) -> Result<Reply<()>, Error> {
        self.send(&operation)
    }
}

impl<T: AsyncTransport + Send + Sync, S: AsyncSleep + Send + Sync> Client<T, S> {
    /// Sends any operation, retrying as the client's policy says.
    pub async fn send<O: Operation + Sync + ?Sized>(
        &self,
        operation: &O,
    ) -> Result<Reply<O::Output>, Error> {
        self.send_in(&self.context, operation, &CallOptions::new())
            .await
    }

    /// Sends any operation with per-call overrides (timeout, retry policy).
    pub async fn send_with<O: Operation + Sync + ?Sized>(
        &self,
        operation: &O,
        call: &CallOptions,
    ) -> Result<Reply<O::Output>, Error> {
        self.send_in(&self.context, operation, call).await
    }

    /// Sends `operation` authenticated with `credentials` instead of the
    /// client's (same pool, endpoint and options).
    pub async fn send_as<O: Operation + Sync + ?Sized>(
        &self,
        credentials: &Credentials,
        operation: &O,
    ) -> Result<Reply<O::Output>, Error> {
        // As in the blocking client: the client's own credentials reuse its
        // context and its `Authorization` value.
        if credentials == self.context.credentials() {
            return self
                .send_in(&self.context, operation, &CallOptions::new())
                .await;
        }
        let context = self.context.with_credentials(credentials.clone());
        self.send_in(&context, operation, &CallOptions::new()).await
    }

    async fn send_in<O: Operation + Sync + ?Sized>(
        &self,
        context: &RequestContext,
        operation: &O,
        call: &CallOptions,
    ) -> Result<Reply<O::Output>, Error> {
        let options = &self.shared.options;
        let timeout = call.request_timeout();
        let signing = Signing::start(options, context)?;
        let signing = signing.as_ref();
        let transport = |request: Request<Vec<u8>>| async move {
            let request = signed(signing, request)?;
            let log = AttemptLog::start(&request);
            let result = self
                .shared
                .transport
                .send(Self::timed(request, timeout))
                .await;
            if let Some(log) = log {
                log.finish(&result);
            }
            result
        };
        let result = send_async(
            context,
            operation,
            options.retry_policy_for(call),
            jitter_seed(),
            &transport,
            |delay| {
                log_wait(O::ID, delay);
                self.shared.sleep.sleep(delay)
            },
        )
        .await;
        Signing::finish(signing, result)
    }

    /// `POST /v1/AuthTokens/Promote`: the secondary token becomes the
    /// primary. Never retried once it may have reached Twilio.
    pub async fn promote_auth_token(
        &self,
        operation: PromoteAuthToken,
    ) -> Result<Reply<AuthTokenPromotion>, Error> {
        self.send(&operation).await
    }

    /// `POST /v1/AuthTokens/Secondary`: creates a secondary token. Never
    /// retried once it may have reached Twilio.
    pub async fn create_secondary_auth_token(
        &self,
        operation: CreateSecondaryAuthToken,
    ) -> Result<Reply<SecondaryAuthToken>, Error> {
        self.send(&operation).await
    }

    /// `DELETE /v1/AuthTokens/Secondary`: deletes the secondary token.
    /// Idempotent, so retried after resets and 5xx too.
    pub async fn delete_secondary_auth_token(
        &self,
        operation: DeleteSecondaryAuthToken,
    ) -> Result<Reply<()>, Error> {
        self.send(&operation).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::options::ClientSetup;

    const SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const TOKEN: &str = "feedfacefeedface5ec12e7feedface2";

    fn setup() -> ClientSetup {
        ClientSetup::new(
            Credentials::auth_token(SID.parse().unwrap(), TOKEN.parse().unwrap()),
            ClientOptions::new().with_base_url("http://127.0.0.1:9"),
            |_| None,
        )
        .unwrap()
    }

    type Answer = fn(Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError>;

    fn rate_limited_once() -> impl Fn(Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError>
    {
        let calls = Mutex::new(0);
        move |_request| {
            let mut calls = calls.lock().unwrap();
            *calls += 1;
            let status = if *calls == 1 { 429 } else { 204 };
            Ok(Response::builder().status(status).body(Vec::new()).unwrap())
        }
    }

    #[test]
    fn debug_shows_the_account_but_not_the_token() {
        let answer: Answer = |_| unreachable!("not sent");
        let client = Client::with_transport(setup(), answer, ThreadSleep);
        let text = format!("{client:?} {client:#?}");
        assert!(text.contains(SID), "{text}");
        assert!(!text.contains(TOKEN), "{text}");
    }

    #[test]
    fn with_credentials_keeps_the_transport_endpoint_and_options() {
        let answer: Answer = |_| unreachable!("not sent");
        let client = Client::with_transport(setup(), answer, ThreadSleep);
        let other = client.with_credentials(Credentials::auth_token(
            SID.parse().unwrap(),
            "0000000000000000000000000000000a".parse().unwrap(),
        ));
        assert_eq!(other.endpoint(), client.endpoint());
        assert!(std::ptr::eq(other.transport(), client.transport()));
        assert_ne!(
            other.context().credentials().authorization(),
            client.context().credentials().authorization()
        );
    }

    #[test]
    fn a_call_that_overrides_the_timeout_hands_it_to_the_transport() {
        let seen = Mutex::new(Vec::new());
        let transport = |request: Request<Vec<u8>>| {
            seen.lock()
                .unwrap()
                .push(request.extensions().get::<RequestTimeout>().copied());
            Ok(Response::builder().status(204).body(Vec::new()).unwrap())
        };
        let client = Client::with_transport(setup(), &transport, ThreadSleep);
        client.send(&DeleteSecondaryAuthToken::new()).unwrap();
        let quick = CallOptions::new().with_request_timeout(Duration::from_millis(7));
        client
            .send_with(&DeleteSecondaryAuthToken::new(), &quick)
            .unwrap();
        assert_eq!(
            *seen.lock().unwrap(),
            [None, Some(RequestTimeout(Duration::from_millis(7)))]
        );
    }

    #[test]
    fn send_as_uses_the_given_credentials_once() {
        let seen = Mutex::new(Vec::new());
        let transport = |request: Request<Vec<u8>>| {
            seen.lock()
                .unwrap()
                .push(request.headers()[http::header::AUTHORIZATION].clone());
            Ok(Response::builder().status(204).body(Vec::new()).unwrap())
        };
        let client = Client::with_transport(setup(), &transport, ThreadSleep);
        let other = Credentials::auth_token(
            SID.parse().unwrap(),
            "0000000000000000000000000000000a".parse().unwrap(),
        );
        client
            .send_as(&other, &DeleteSecondaryAuthToken::new())
            .unwrap();
        client.send(&DeleteSecondaryAuthToken::new()).unwrap();
        let seen = seen.lock().unwrap();
        assert_eq!(seen[0], other.authorization());
        assert_eq!(seen[1], client.context().credentials().authorization());
    }

    /// An async sleeper that records the waits and does not wait.
    #[derive(Default)]
    struct RecordedSleep(Mutex<Vec<Duration>>);

    impl AsyncSleep for RecordedSleep {
        fn sleep(&self, duration: Duration) -> impl std::future::Future<Output = ()> + Send {
            self.0.lock().unwrap().push(duration);
            std::future::ready(())
        }
    }

    /// Polls a future that never waits on anything to completion.
    fn run<F: std::future::Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        // Bounded: these futures are ready at the first or second poll.
        for _ in 0..100 {
            if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
        }
        panic!("the future did not complete");
    }

    #[test]
    fn the_async_client_retries_with_its_sleeper() {
        let answer = rate_limited_once();
        let transport = move |request| std::future::ready(answer(request));
        let client = Client::with_transport(setup(), transport, RecordedSleep::default());
        let reply =
            run(client.delete_secondary_auth_token(DeleteSecondaryAuthToken::new())).unwrap();
        assert_eq!(reply.attempts, 2);
        assert_eq!(client.shared.sleep.0.lock().unwrap().len(), 1);
    }

    #[test]
    fn the_blocking_client_retries_on_the_calling_thread() {
        let client = Client::with_transport(setup(), rate_limited_once(), ThreadSleep);
        let reply = client
            .send_with(
                &DeleteSecondaryAuthToken::new(),
                &CallOptions::new().with_retry_policy(twilio_accounts_core::RetryPolicy {
                    base_delay: Duration::from_millis(1),
                    max_delay: Duration::from_millis(2),
                    ..Default::default()
                }),
            )
            .unwrap();
        assert_eq!(reply.attempts, 2);
    }

    #[test]
    fn jitter_seeds_differ() {
        assert_ne!(jitter_seed(), jitter_seed());
    }
}
