//! Public Key Client Validation on the wire, through hyper: every request
//! (a 429 and its retry, a followed page) arrives with the `Host` that was
//! signed and a token whose `rqh` is the hash of the bytes that arrived.

use std::time::Duration;

use twilio_accounts_hyper as adapter;

use adapter::{Client, ClientOptions, Credentials, ListCredentialAws, ListOperation, RetryPolicy};

#[path = "../../client/tests/support/wire_recorder.rs"]
mod wire_recorder;

use wire_recorder::{ACCOUNT, KEY, page, signer};

#[tokio::test]
async fn every_request_hyper_sends_is_signed_as_it_arrives() {
    let (port, seen, server) = wire_recorder::serve(3, |port, index| match index {
        0 => (429, String::new()),
        1 => (200, page(port, true)),
        _ => (200, page(port, false)),
    });
    let client = Client::new(
        Credentials::api_key(
            ACCOUNT.parse().unwrap(),
            KEY.parse().unwrap(),
            "0123456789abcdef0123456789abcdef".parse().unwrap(),
        ),
        ClientOptions::new()
            .with_base_url(format!("http://localhost:{port}"))
            .with_retry_policy(RetryPolicy {
                base_delay: Duration::from_millis(1),
                max_delay: Duration::from_millis(2),
                ..RetryPolicy::default()
            })
            .with_pkcv(signer()),
    )
    .unwrap();
    let list = ListCredentialAws::new().page_size(1).unwrap();
    let first = client.send(&list).await.unwrap();
    let next = ListCredentialAws::next_page(client.endpoint(), &first.value)
        .unwrap()
        .expect("a second page");
    client.send(&next).await.unwrap();
    tokio::task::spawn_blocking(move || server.join().unwrap())
        .await
        .unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    for request in seen.iter() {
        wire_recorder::check_signed(request, &format!("localhost:{port}"), KEY, ACCOUNT);
    }
}

/// The `Host` hyper adds itself, for URIs with and without a port (the
/// default ports through a proxy, which sees the header without a privileged
/// port), is the one `pkcv::host_header` derives, and so the one the client
/// sets and signs before handing the request over.
#[tokio::test]
async fn the_host_hyper_adds_is_the_one_pkcv_derives() {
    use adapter::{AsyncTransport, FromSetup, HyperTransport};

    for wire_recorder::HostCase {
        base_url,
        setup,
        request,
        expected,
        seen,
        server,
    } in wire_recorder::host_cases()
    {
        HyperTransport::from_setup(&setup)
            .unwrap()
            .send(request)
            .await
            .unwrap();
        tokio::task::spawn_blocking(move || server.join().unwrap())
            .await
            .unwrap();
        let seen = seen.lock().unwrap();
        assert_eq!(seen[0].headers()["host"], expected, "{base_url}");
    }
}
