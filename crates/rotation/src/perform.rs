//! The send seam: a rotation's [`Call`] made through any client.
//!
//! The machine names a call ([`CallKind`]) and the credentials for it; this
//! module turns that into one of the core's operations, and the operation's
//! output into a [`CallResult`]. That mapping is written once, in
//! `map_call!`; [`perform`] (blocking) and [`perform_async`] only say how to
//! send.

use twilio_accounts_client::{AsyncSleep, Client, ThreadSleep};
use twilio_accounts_core::{
    Account, AsyncTransport, AuthTokenPromotion, BlockingTransport, CreateSecondaryAuthToken,
    Credentials, DeleteSecondaryAuthToken, Error, FetchAccount, ListCredentialPublicKeys,
    Operation, PromoteAuthToken, Reply, SecondaryAuthToken,
};

use crate::machine::{Call, CallKind, CallResult};

/// Anything that can send an operation with given credentials: the client
/// (of an adapter crate, or over a transport of your own, a closure in a
/// test). [`perform`] maps a rotation's [`Call`] onto it. It takes `&self`:
/// a client is shared, not cloned, for each call.
pub trait CallSender {
    /// Sends `operation` authenticated with `credentials`.
    fn send_as<O: Operation>(
        &self,
        credentials: &Credentials,
        operation: &O,
    ) -> Result<O::Output, Error>;
}

/// The async form of [`CallSender`].
pub trait AsyncCallSender {
    /// Sends `operation` authenticated with `credentials`.
    fn send_as<O: Operation + Sync>(
        &self,
        credentials: &Credentials,
        operation: &O,
    ) -> impl std::future::Future<Output = Result<O::Output, Error>>;
}

/// The read-only call that proves credentials authenticate.
pub fn verify_operation() -> ListCredentialPublicKeys {
    ListCredentialPublicKeys::new()
        .page_size(1)
        .unwrap_or_default()
}

/// The one mapping from a [`Call`] to its operation and from the operation's
/// output to a [`CallResult`].
///
/// A macro rather than a function: the four operations have four output
/// types, and [`perform`] sends synchronously while [`perform_async`]
/// awaits. Each expands it with its own send expression (`$send`, in which
/// `$op` is the operation), so the match exists once, nothing is boxed, and
/// an async caller's future keeps its `Send`-ness.
macro_rules! map_call {
    ($call:expr, |$op:ident| $send:expr) => {{
        let call: &Call = $call;
        let suppress_email_notification = call.suppress_email_notification;
        match call.kind {
            CallKind::Verify => {
                let $op = &verify_operation();
                verified($send)
            }
            CallKind::CreateSecondary => {
                let $op = &CreateSecondaryAuthToken {
                    suppress_email_notification,
                };
                created($send)
            }
            CallKind::DeleteSecondary => {
                let $op = &DeleteSecondaryAuthToken {
                    suppress_email_notification,
                };
                deleted($send)
            }
            CallKind::Promote => {
                let $op = &PromoteAuthToken {
                    suppress_email_notification,
                };
                promoted($send)
            }
            CallKind::ReadPrimary => {
                let $op = &FetchAccount::new(*call.credentials.account_sid());
                primary($send)
            }
        }
    }};
}

fn verified<T>(result: Result<T, Error>) -> Result<CallResult, Error> {
    result.map(|_| CallResult::Verified)
}

fn created(result: Result<SecondaryAuthToken, Error>) -> Result<CallResult, Error> {
    result.map(|r| CallResult::Created {
        token: r.secondary_auth_token,
        account_sid: r.account_sid,
    })
}

/// A 404 on delete means there is no secondary: the goal of the delete.
fn deleted(result: Result<(), Error>) -> Result<CallResult, Error> {
    match result {
        Ok(()) => Ok(CallResult::Deleted),
        Err(e) if e.is_nothing_to_promote() => Ok(CallResult::Deleted),
        Err(e) => Err(e),
    }
}

fn primary(result: Result<Account, Error>) -> Result<CallResult, Error> {
    result.map(|account| CallResult::Primary(account.auth_token))
}

fn promoted(result: Result<AuthTokenPromotion, Error>) -> Result<CallResult, Error> {
    result.map(|r| CallResult::Promoted(r.auth_token))
}

/// Makes a rotation's call through any [`CallSender`].
pub fn perform(call: &Call, sender: &impl CallSender) -> Result<CallResult, Error> {
    let credentials = &call.credentials;
    map_call!(call, |op| sender.send_as(credentials, op))
}

/// Makes a rotation's call through any [`AsyncCallSender`].
pub async fn perform_async(
    call: &Call,
    sender: &impl AsyncCallSender,
) -> Result<CallResult, Error> {
    let credentials = &call.credentials;
    map_call!(call, |op| sender.send_as(credentials, op).await)
}

/// The blocking client as the seam: each call with the credentials the
/// rotation names, on the client's pool, options and retry policy.
///
/// ```
/// use twilio_accounts_client::{BlockingTransport, Client};
/// use twilio_accounts_rotation::CallSender;
///
/// fn takes_a_sender(_: &impl CallSender) {}
/// fn any_blocking_client<T: BlockingTransport>(client: &Client<T>) {
///     takes_a_sender(client);
/// }
/// ```
impl<T: BlockingTransport> CallSender for Client<T, ThreadSleep> {
    fn send_as<O: Operation>(
        &self,
        credentials: &Credentials,
        operation: &O,
    ) -> Result<O::Output, Error> {
        Client::<T, ThreadSleep>::send_as(self, credentials, operation).map(Reply::into_value)
    }
}

/// The async client as the seam.
impl<T, S> AsyncCallSender for Client<T, S>
where
    T: AsyncTransport + Send + Sync,
    S: AsyncSleep + Send + Sync,
{
    async fn send_as<O: Operation + Sync>(
        &self,
        credentials: &Credentials,
        operation: &O,
    ) -> Result<O::Output, Error> {
        Client::<T, S>::send_as(self, credentials, operation)
            .await
            .map(Reply::into_value)
    }
}
