//! TEMPORARY (until the rotation crate lands): the client as the rotation's send seam.

use twilio_accounts_core::rotation::{AsyncCallSender, CallSender};
use twilio_accounts_core::{
    AsyncTransport, BlockingTransport, Credentials, Error, Operation, Reply,
};

use crate::client::Client;
use crate::transport::{AsyncSleep, ThreadSleep};

impl<T: BlockingTransport> CallSender for Client<T, ThreadSleep> {
    fn send_as<O: Operation>(
        &mut self,
        credentials: &Credentials,
        operation: &O,
    ) -> Result<O::Output, Error> {
        Client::<T, ThreadSleep>::send_as(self, credentials, operation).map(Reply::into_value)
    }
}

impl<T: AsyncTransport + Send + Sync, S: AsyncSleep + Send + Sync> AsyncCallSender
    for Client<T, S>
{
    async fn send_as<O: Operation + Sync>(
        &mut self,
        credentials: &Credentials,
        operation: &O,
    ) -> Result<O::Output, Error> {
        Client::<T, S>::send_as(self, credentials, operation)
            .await
            .map(Reply::into_value)
    }
}
