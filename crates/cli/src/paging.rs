//! Reading a paged list: the one place the CLI follows `next_page_url`.
//!
//! One generic function over [`ListOperation`], for every list, on the
//! client's paging iterator (which follows a link only to the same
//! endpoint and list, and stops at a link that repeats its page).

use twilio_accounts_core::{Error, ListOperation, Page, Reply};
use twilio_accounts_ureq::Client;

/// The most pages one command reads, whatever the limit: a server that
/// keeps sending next links cannot keep the command running forever.
pub const MAX_PAGES: usize = 10_000;

/// The items read, as a page: the last page's fields and every item read.
/// `next_page_url` is where reading would go on: `None` at the end of the
/// list, and also when the limit fell inside a page (its link would skip
/// the items left out of that page).
#[derive(Debug)]
pub struct Collected<T> {
    /// The last answer, its items replaced by all the items read.
    pub reply: Reply<Page<T>>,
    /// How many pages were read.
    pub pages: usize,
}

/// Reads `first` and the pages after it, through the client's paging
/// iterator, until the list ends or `limit` items are read.
pub fn collect<L: ListOperation + Clone>(
    client: &Client,
    first: &L,
    limit: Option<usize>,
) -> Result<Collected<L::Item>, Error> {
    let mut walk = client.pages(first.clone()).take(MAX_PAGES);
    let mut reply = match walk.next() {
        Some(page) => page?,
        None => client.send(first)?,
    };
    let mut items = std::mem::take(&mut reply.value.items);
    let mut pages = 1;
    while limit.is_none_or(|limit| items.len() < limit) {
        let Some(page) = walk.next() else {
            break;
        };
        reply = page?;
        items.append(&mut reply.value.items);
        pages += 1;
    }
    if let Some(limit) = limit
        && items.len() > limit
    {
        // Stopped inside a page: its next link would skip the items left
        // out of it, so there is none.
        items.truncate(limit);
        reply.value.next_page_url = None;
    }
    reply.value.items = items;
    Ok(Collected { reply, pages })
}
