//! Lists the account's AWS credentials and public keys, page by page, through
//! the client's paging iterators: `items` yields one item at a time and stops
//! after a limit, `pages` a page with its request id, following
//! `next_page_url` either way.
//!
//! ```text
//! TWILIO_ACCOUNT_SID=AC… TWILIO_AUTH_TOKEN=… cargo run -p twilio-accounts-ureq --example ureq_list [-- PAGE_SIZE [LIMIT]]
//! ```
//!
//! Against the simulator: `twilio-accounts sim` prints the variables to set
//! (`TWILIO_ACCOUNTS_BASE_URL` among them). The async form, two `Stream`s
//! read at once, is `twilio-accounts-hyper`'s `hyper_list` example.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use twilio_accounts_ureq::{Client, ListCredentialAws, ListCredentialPublicKeys};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let page_size: u32 = args.next().map_or(Ok(50), |n| n.parse())?;
    let limit: usize = args.next().map_or(Ok(usize::MAX), |n| n.parse())?;
    let client = Client::from_env()?;

    println!("AWS credentials:");
    let credentials = client.items(ListCredentialAws::new().page_size(page_size)?);
    for credential in credentials.limit(limit) {
        let credential = credential?;
        println!(
            "  {}  {}",
            credential.sid.map_or("-".to_owned(), |sid| sid.to_string()),
            credential.friendly_name.as_deref().unwrap_or("")
        );
    }
    println!("public keys, a page at a time:");
    let pages = client.pages(ListCredentialPublicKeys::new().page_size(page_size)?);
    for (n, page) in pages.enumerate() {
        let page = page?;
        println!(
            "  page {n}: {} key(s) (request {})",
            page.value.items.len(),
            page.request_id().unwrap_or("-")
        );
    }
    Ok(())
}
