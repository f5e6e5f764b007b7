//! Async paging: two lists read at the same time through one client (its
//! calls take `&self`), each a `Stream` that follows `next_page_url`.
//! `items` yields one item at a time, `pages` a page with its request id.
//!
//! ```text
//! TWILIO_ACCOUNT_SID=AC… TWILIO_AUTH_TOKEN=… cargo run -p twilio-accounts-hyper --example hyper_list
//! ```
//!
//! The blocking iterator over the same lists, with a page size and a limit
//! from the command line, is `twilio-accounts-ureq`'s `ureq_list` example.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use twilio_accounts_hyper::{Client, Error, ListCredentialAws, ListCredentialPublicKeys};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    // Both lists advance together; the first error ends both.
    let (names, pages) = tokio::try_join!(aws_names(&client), key_pages(&client))?;
    println!("AWS credentials (first 100): {}", names.join(", "));
    println!("public keys: {pages} page(s)");
    Ok(())
}

async fn aws_names(client: &Client) -> Result<Vec<String>, Error> {
    let mut names = Vec::new();
    let mut items = client.items(ListCredentialAws::new()).limit(100);
    while let Some(credential) = items.next().await {
        names.push(credential?.friendly_name.unwrap_or_default());
    }
    Ok(names)
}

async fn key_pages(client: &Client) -> Result<usize, Error> {
    let mut count = 0;
    let mut pages = client.pages(ListCredentialPublicKeys::new().page_size(20)?);
    while let Some(page) = pages.next().await {
        let page = page?;
        println!(
            "public keys page {count}: {} key(s), request {}",
            page.value.items.len(),
            page.request_id().unwrap_or("-")
        );
        count += 1;
    }
    Ok(count)
}
