//! Lists the account's AWS credentials and public keys, page by page, through
//! the async client's paging streams.
//!
//! ```text
//! TWILIO_ACCOUNT_SID=AC… TWILIO_AUTH_TOKEN=… cargo run -p twilio-accounts-hyper --example hyper_list [-- PAGE_SIZE [LIMIT]]
//! ```
//!
//! Against the simulator: `twilio-accounts sim` prints the variables to set
//! (`TWILIO_ACCOUNTS_BASE_URL` among them). Exit codes: 0 listed, 1 failed,
//! 2 usage or configuration.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use twilio_accounts_hyper::{Client, Error, ListCredentialAws, ListCredentialPublicKeys};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let page_size = args.next().map_or(Ok(50), |n| n.parse::<u32>());
    let limit = args.next().map_or(Ok(usize::MAX), |n| n.parse::<usize>());
    let (Ok(page_size), Ok(limit)) = (page_size, limit) else {
        eprintln!("usage: list [PAGE_SIZE [LIMIT]] (numbers)");
        return ExitCode::from(2);
    };
    let client = match Client::from_env() {
        Ok(client) => client,
        Err(err) => {
            eprintln!("configuration: {err}");
            return ExitCode::from(2);
        }
    };
    match list(&client, page_size, limit).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("list failed: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn list(client: &Client, page_size: u32, limit: usize) -> Result<(), Error> {
    println!("AWS credentials:");
    let mut credentials = client
        .items(ListCredentialAws::new().page_size(page_size)?)
        .limit(limit);
    while let Some(credential) = credentials.next().await {
        let credential = credential?;
        println!(
            "  {}  {}",
            credential.sid.map_or("-".to_owned(), |sid| sid.to_string()),
            credential.friendly_name.as_deref().unwrap_or("")
        );
    }
    println!("public keys, a page at a time:");
    let mut pages = client.pages(ListCredentialPublicKeys::new().page_size(page_size)?);
    let mut n = 0;
    while let Some(page) = pages.next().await {
        let page = page?;
        println!(
            "  page {n}: {} key(s) (request {})",
            page.value.items.len(),
            page.request_id().unwrap_or("-")
        );
        n += 1;
    }
    Ok(())
}
