//! Lists the account's AWS credentials and public keys, page by page, through
//! the client's paging iterator.
//!
//! ```text
//! TWILIO_ACCOUNT_SID=AC… TWILIO_AUTH_TOKEN=… cargo run -p twilio-accounts-ureq --example ureq_list [-- PAGE_SIZE [LIMIT]]
//! ```
//!
//! Against the simulator: `twilio-accounts sim` prints the variables to set
//! (`TWILIO_ACCOUNTS_BASE_URL` among them). Exit codes: 0 listed, 1 failed,
//! 2 usage or configuration.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use twilio_accounts_ureq::{Client, Error, ListCredentialAws, ListCredentialPublicKeys};

fn main() -> ExitCode {
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
    match list(&client, page_size, limit) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("list failed: {err}");
            ExitCode::FAILURE
        }
    }
}

fn list(client: &Client, page_size: u32, limit: usize) -> Result<(), Error> {
    println!("AWS credentials:");
    for credential in client
        .items(ListCredentialAws::new().page_size(page_size)?)
        .limit(limit)
    {
        let credential = credential?;
        println!(
            "  {}  {}",
            credential.sid.map_or("-".to_owned(), |sid| sid.to_string()),
            credential.friendly_name.as_deref().unwrap_or("")
        );
    }
    println!("public keys, a page at a time:");
    for (n, page) in client
        .pages(ListCredentialPublicKeys::new().page_size(page_size)?)
        .enumerate()
    {
        let page = page?;
        println!(
            "  page {n}: {} key(s) (request {})",
            page.value.items.len(),
            page.request_id().unwrap_or("-")
        );
    }
    Ok(())
}
