//! Reading a paged list: the one place the CLI follows `next_page_url`.
//!
//! One generic function over [`ListOperation`], for every list; the core
//! checks each link ([`ListOperation::next_page`]: same endpoint, same
//! list) before it is followed. Kept small so that a generic pagination
//! iterator from a client crate can replace its body.

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

/// Reads `first` and the pages after it until the list ends or `limit`
/// items are read.
pub fn collect<L: ListOperation>(
    client: &Client,
    first: &L,
    limit: Option<usize>,
) -> Result<Collected<L::Item>, Error> {
    let mut reply = client.send(first)?;
    let mut items = std::mem::take(&mut reply.value.items);
    let mut pages = 1;
    loop {
        if let Some(limit) = limit
            && items.len() >= limit
        {
            // Stopped early. The page's next link is where reading goes on
            // only if nothing of this page was dropped; otherwise following
            // it would skip the dropped items, so there is none.
            if items.len() > limit {
                items.truncate(limit);
                reply.value.next_page_url = None;
            }
            break;
        }
        let Some(next) = L::next_page(client.endpoint(), &reply.value)? else {
            break;
        };
        if pages >= MAX_PAGES {
            break;
        }
        reply = client.send(&next)?;
        items.append(&mut reply.value.items);
        pages += 1;
    }
    reply.value.items = items;
    Ok(Collected { reply, pages })
}
