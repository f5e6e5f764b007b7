//! The seam between the core and whatever moves bytes.
//!
//! A transport sends one `http::Request<Vec<u8>>` and returns the
//! `http::Response<Vec<u8>>` or a [`TransportError`] that says whether the
//! request may have reached the server. Closures are transports, so a test
//! transport is one line.
//!
//! [`Exchange`] is the retry loop as a state machine: it hands out the next
//! request, takes the outcome, and answers "wait this long and go again" or
//! "done". [`send_blocking`] and [`send_async`] drive it; they are the only
//! loops, shared by every adapter. The caller supplies the sleeping (the core
//! never sleeps) and a seed for jitter (the core draws no randomness).
//!
//! ```
//! use std::time::Duration;
//! use twilio_accounts_core::{
//!     AuthToken, Credentials, DeleteSecondaryAuthToken, Endpoint, RequestContext, RetryPolicy,
//!     send_blocking,
//! };
//!
//! let context = RequestContext::new(
//!     Credentials::auth_token(
//!         "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?,
//!         AuthToken::new("0123456789abcdef0123456789abcdef")?,
//!     ),
//!     Endpoint::default(),
//! );
//! // A transport that is rate limited once, then succeeds.
//! let calls = std::cell::Cell::new(0);
//! let transport = |request: http::Request<Vec<u8>>| {
//!     calls.set(calls.get() + 1);
//!     let status = if calls.get() == 1 { 429 } else { 204 };
//!     Ok(http::Response::builder().status(status).body(Vec::new()).unwrap())
//! };
//! let mut slept = Vec::new();
//! let reply = send_blocking(
//!     &context,
//!     &DeleteSecondaryAuthToken::new(),
//!     &RetryPolicy::default(),
//!     7, // jitter seed
//!     &transport,
//!     |delay| slept.push(delay),
//! )?;
//! assert_eq!(reply.attempts, 2);
//! assert_eq!(slept.len(), 1);
//! # Ok::<(), twilio_accounts_core::Error>(())
//! ```

use std::future::Future;
use std::time::Duration;

use http::{Request, Response};

use crate::context::RequestContext;
use crate::error::{Delivery, Error, TransportError};
use crate::operation::{Operation, OperationId, Reply};
use crate::retry::{
    Attempt, AttemptOutcome, Idempotency, Jitter, RetryDecision, RetryPolicy, retry_after,
    twilio_code,
};

/// A blocking transport. Implemented for every
/// `Fn(Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError>`.
pub trait BlockingTransport {
    /// Sends the request and reads the whole response.
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError>;
}

impl<F> BlockingTransport for F
where
    F: Fn(Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError>,
{
    fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        self(request)
    }
}

/// An async transport. Implemented for every closure returning a future of
/// `Result<Response<Vec<u8>>, TransportError>`.
pub trait AsyncTransport {
    /// Sends the request and reads the whole response.
    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send;
}

impl<F, Fut> AsyncTransport for F
where
    F: Fn(Request<Vec<u8>>) -> Fut,
    Fut: Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send,
{
    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> impl Future<Output = Result<Response<Vec<u8>>, TransportError>> + Send {
        self(request)
    }
}

/// Which attempt a request is (1 for the first), in the request's
/// extensions, so a transport can log it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptNumber(pub u32);

/// What the caller does next.
#[derive(Debug)]
pub enum Step<T> {
    /// Wait this long, then ask [`Exchange::request`] for the next attempt.
    Wait(Duration),
    /// Finished.
    Done(Result<Reply<T>, Error>),
}

/// One call of one operation, with its retries, as a state machine.
#[derive(Debug)]
pub struct Exchange<'a, O: ?Sized> {
    context: &'a RequestContext,
    operation: &'a O,
    policy: &'a RetryPolicy,
    jitter: Jitter,
    attempts: u32,
    delayed: Duration,
}

impl<'a, O: Operation + ?Sized> Exchange<'a, O> {
    /// Starts a call. `jitter_seed` should come from the caller's randomness.
    pub fn new(
        context: &'a RequestContext,
        operation: &'a O,
        policy: &'a RetryPolicy,
        jitter_seed: u64,
    ) -> Self {
        Exchange {
            context,
            operation,
            policy,
            jitter: Jitter::new(jitter_seed),
            attempts: 0,
            delayed: Duration::ZERO,
        }
    }

    /// The request for the next attempt, with its [`AttemptNumber`] and
    /// [`OperationId`] in its extensions (for the transport's logs).
    pub fn request(&mut self) -> Result<Request<Vec<u8>>, Error> {
        self.attempts += 1;
        let mut request = self.context.build_request(self.operation)?;
        let extensions = request.extensions_mut();
        extensions.insert(AttemptNumber(self.attempts));
        extensions.insert(OperationId(O::ID));
        Ok(request)
    }

    /// Attempts made so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Takes what the transport returned for the last request.
    pub fn handle(&mut self, result: Result<Response<Vec<u8>>, TransportError>) -> Step<O::Output> {
        let (outcome, result) = match result {
            Ok(response) if response.status().is_success() => {
                return self.finish(self.context.parse_response(self.operation, response));
            }
            Ok(response) => {
                let outcome = AttemptOutcome::Response {
                    status: response.status(),
                    retry_after: retry_after(response.headers()),
                    code: twilio_code(response.body()),
                };
                (outcome, Ok(response))
            }
            Err(err) => (
                AttemptOutcome::TransportFailure {
                    delivery: err.delivery,
                },
                Err(err),
            ),
        };
        let attempt = Attempt {
            operation: O::ID,
            idempotency: O::IDEMPOTENCY,
            number: self.attempts,
            delayed_so_far: self.delayed,
            outcome,
        };
        match self.policy.decide(&attempt, self.jitter.next_unit()) {
            RetryDecision::RetryAfter(delay) => {
                self.delayed = self.delayed.saturating_add(delay);
                Step::Wait(delay)
            }
            RetryDecision::Stop(_) => self.finish(match result {
                Ok(response) => self.context.parse_response(self.operation, response),
                Err(err)
                    if err.delivery == Delivery::MaybeSent
                        && attempt.idempotency == Idempotency::NotIdempotent =>
                {
                    Err(Error::OutcomeUnknown {
                        operation: attempt.operation,
                        source: err,
                    })
                }
                Err(err) => Err(Error::Transport(err)),
            }),
        }
    }

    fn finish(&self, result: Result<Reply<O::Output>, Error>) -> Step<O::Output> {
        Step::Done(result.map(|mut reply| {
            reply.attempts = self.attempts;
            reply
        }))
    }
}

/// Sends `operation` through a blocking transport, retrying as `policy`
/// says; `sleep` waits between attempts.
pub fn send_blocking<O: Operation + ?Sized>(
    context: &RequestContext,
    operation: &O,
    policy: &RetryPolicy,
    jitter_seed: u64,
    transport: &impl BlockingTransport,
    mut sleep: impl FnMut(Duration),
) -> Result<Reply<O::Output>, Error> {
    let mut exchange = Exchange::new(context, operation, policy, jitter_seed);
    // Bounded: the policy stops after `max_attempts`.
    loop {
        let request = exchange.request()?;
        match exchange.handle(transport.send(request)) {
            Step::Wait(delay) => sleep(delay),
            Step::Done(result) => return result,
        }
    }
}

/// Sends `operation` through an async transport, retrying as `policy` says;
/// `sleep` returns a future that waits between attempts.
///
/// Cancel-safe in the sense that matters: dropping the future drops the
/// in-flight request; nothing is left half-updated in the core.
pub async fn send_async<O, S, F>(
    context: &RequestContext,
    operation: &O,
    policy: &RetryPolicy,
    jitter_seed: u64,
    transport: &impl AsyncTransport,
    mut sleep: S,
) -> Result<Reply<O::Output>, Error>
where
    O: Operation + ?Sized,
    S: FnMut(Duration) -> F,
    F: Future<Output = ()>,
{
    let mut exchange = Exchange::new(context, operation, policy, jitter_seed);
    loop {
        let request = exchange.request()?;
        let result = transport.send(request).await;
        match exchange.handle(result) {
            Step::Wait(delay) => sleep(delay).await,
            Step::Done(result) => return result,
        }
    }
}
