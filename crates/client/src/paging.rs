//! Paging through any list operation: a blocking iterator and an async
//! [`Stream`], over pages or over items, written once for every list.
//!
//! A walk starts with the list operation as you built it (its page size
//! included: `ListCredentialAws::new().page_size(100)?`) and then follows
//! each page's `next_page_url` through [`ListOperation::next_page`], which
//! refuses a link to another host, port, scheme or list (the credentials
//! would go there), and only to the list's own path with its own
//! parameters ([`ListOperation::own_path`]: a 2010 list of one account's
//! keys never continues into another account's). A link that repeats the page just fetched stops the walk
//! with [`LinkError::Repeated`] instead of looping. A failed page ends the
//! walk after yielding its error. [`Items::limit`] / [`ItemStream::limit`]
//! stop after that many items without fetching further pages.
//!
//! ```
//! use twilio_accounts_client::{BlockingTransport, Client, ClientOptions, ClientSetup, Credentials, ListCredentialAws, TransportError};
//!
//! // Three pages of one credential each, as Twilio would answer them.
//! let transport = |request: http::Request<Vec<u8>>| -> Result<http::Response<Vec<u8>>, TransportError> {
//!     let page: u32 = request.uri().query().and_then(|q| q.split("Page=").nth(1)).map_or(0, |p| p[..1].parse().unwrap());
//!     let next = if page < 2 {
//!         format!(r#""https://accounts.twilio.com/v1/Credentials/AWS?PageSize=1&Page={}&PageToken=PT{}""#, page + 1, page + 1)
//!     } else {
//!         "null".to_owned()
//!     };
//!     let body = format!(
//!         r#"{{"credentials":[{{"sid":"CR{page:0>32}","account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","friendly_name":"key {page}","date_created":"2015-07-31T04:00:00Z","date_updated":"2015-07-31T04:00:00Z","url":"https://accounts.twilio.com/v1/Credentials/AWS/CR{page:0>32}"}}],"meta":{{"page":{page},"page_size":1,"next_page_url":{next}}}}}"#
//!     );
//!     Ok(http::Response::builder().status(200).body(body.into_bytes()).unwrap())
//! };
//! let setup = ClientSetup::new(
//!     Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, "0123456789abcdef0123456789abcdef".parse()?),
//!     ClientOptions::new(),
//!     |_| None,
//! )?;
//! let client = Client::with_transport(setup, transport, Default::default());
//!
//! let names: Vec<String> = client
//!     .items(ListCredentialAws::new().page_size(1)?)
//!     .limit(2)
//!     .map(|item| item.map(|credential| credential.friendly_name.unwrap_or_default()))
//!     .collect::<Result<_, _>>()?;
//! assert_eq!(names, ["key 0", "key 1"]);
//! assert_eq!(client.pages(ListCredentialAws::new().page_size(1)?).count(), 3);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use twilio_accounts_core::{
    AsyncTransport, BlockingTransport, Endpoint, Error, LinkError, ListOperation, NextPage, Page,
    Reply,
};

use crate::client::Client;
use crate::transport::{AsyncSleep, ThreadSleep};

/// A page's answer: the page with its status, headers and request id.
pub type PageReply<L> = Reply<Page<<L as ListOperation>::Item>>;

/// The call that fetches the next page.
enum PageCall<L> {
    /// The list operation itself.
    First(L),
    /// The link the previous page gave.
    Next(NextPage<L>),
}

/// Where a walk stands: shared by the iterator and the stream.
enum State<L> {
    Ready(PageCall<L>),
    /// A page was fetched through this link (`None`: the first page); waiting
    /// for its answer.
    Fetching(Option<String>),
    /// The next thing to yield is this error, then the end.
    Failed(Error),
    Done,
}

/// A walk through one list: where it stands, and the list's own path.
struct Walk<L> {
    state: State<L>,
    /// The list's path with its parameters filled in
    /// ([`ListOperation::own_path`]): every page must stay on it, so that a
    /// 2010 list of one account's keys never continues into another
    /// account's (a path of the same shape, which the parent's credentials
    /// may reach).
    own_path: String,
}

impl<L: ListOperation> Walk<L> {
    fn new(list: L) -> Self {
        match list.own_path() {
            Ok(own_path) => Walk {
                state: State::Ready(PageCall::First(list)),
                own_path,
            },
            Err(error) => Walk {
                state: State::Failed(error),
                own_path: String::new(),
            },
        }
    }

    /// The next call to make, or the end of the walk (after a last error).
    fn take(&mut self) -> Option<Result<PageCall<L>, Error>> {
        match std::mem::replace(&mut self.state, State::Done) {
            State::Ready(call) => {
                self.state = State::Fetching(match &call {
                    PageCall::First(_) => None,
                    PageCall::Next(next) => Some(next.path_and_query().to_owned()),
                });
                Some(Ok(call))
            }
            State::Failed(error) => Some(Err(error)),
            State::Fetching(_) | State::Done => None,
        }
    }

    /// Takes a page's answer and decides what comes after it.
    fn record(
        &mut self,
        endpoint: &Endpoint,
        result: Result<PageReply<L>, Error>,
    ) -> Result<PageReply<L>, Error> {
        let followed = match std::mem::replace(&mut self.state, State::Done) {
            State::Fetching(link) => link,
            _ => None,
        };
        let reply = result?;
        self.state = match L::next_page(endpoint, &reply.value) {
            Ok(None) => State::Done,
            Ok(Some(next)) if followed.as_deref() == Some(next.path_and_query()) => {
                State::Failed(Error::InvalidLink(LinkError::Repeated {
                    found: next.path_and_query().to_owned(),
                }))
            }
            Ok(Some(next)) if next.path() != self.own_path => {
                State::Failed(Error::InvalidLink(LinkError::OtherList {
                    expected: self.own_path.clone(),
                    found: next.path().to_owned(),
                }))
            }
            Ok(Some(next)) => State::Ready(PageCall::Next(next)),
            Err(error) => State::Failed(error),
        };
        Ok(reply)
    }
}

/// The items of the pages not yet handed out, and how many more may be.
struct ItemBuffer<I> {
    items: std::vec::IntoIter<I>,
    remaining: Option<usize>,
}

/// What the buffer has for the next item.
enum Pop<I> {
    Item(I),
    /// The limit is reached: no more items, no more pages.
    Limited,
    /// Empty: fetch a page.
    Empty,
}

impl<I> ItemBuffer<I> {
    fn new() -> Self {
        ItemBuffer {
            items: Vec::new().into_iter(),
            remaining: None,
        }
    }

    fn pop(&mut self) -> Pop<I> {
        if self.remaining == Some(0) {
            return Pop::Limited;
        }
        match self.items.next() {
            Some(item) => {
                if let Some(n) = &mut self.remaining {
                    *n -= 1;
                }
                Pop::Item(item)
            }
            None => Pop::Empty,
        }
    }

    fn refill(&mut self, page: Page<I>) {
        self.items = page.items.into_iter();
    }
}

/// The pages of a list, fetched one per [`Iterator::next`]; made by
/// [`Client::pages`].
pub struct Pages<T, L: ListOperation> {
    client: Client<T, ThreadSleep>,
    walk: Walk<L>,
}

impl<T, L: ListOperation> fmt::Debug for Pages<T, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("list", &L::ID)
            .finish_non_exhaustive()
    }
}

impl<T: BlockingTransport, L: ListOperation> Iterator for Pages<T, L> {
    type Item = Result<PageReply<L>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let result = match self.walk.take()? {
            Ok(PageCall::First(list)) => self.client.send(&list),
            Ok(PageCall::Next(next)) => self.client.send(&next),
            Err(error) => return Some(Err(error)),
        };
        Some(self.walk.record(self.client.endpoint(), result))
    }
}

/// The items of a list, across its pages; made by [`Client::items`].
pub struct Items<T, L: ListOperation> {
    pages: Pages<T, L>,
    buffer: ItemBuffer<L::Item>,
}

impl<T, L: ListOperation> fmt::Debug for Items<T, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items")
            .field("list", &L::ID)
            .field("remaining", &self.buffer.remaining)
            .finish_non_exhaustive()
    }
}

impl<T, L: ListOperation> Items<T, L> {
    /// Stops after `limit` items, without fetching pages beyond them.
    pub fn limit(mut self, limit: usize) -> Self {
        self.buffer.remaining = Some(limit);
        self
    }
}

impl<T: BlockingTransport, L: ListOperation> Iterator for Items<T, L> {
    type Item = Result<L::Item, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        // Bounded: each turn hands out an item or fetches a page, and the
        // walk ends at the last page (or at a link that repeats).
        loop {
            match self.buffer.pop() {
                Pop::Item(item) => return Some(Ok(item)),
                Pop::Limited => return None,
                Pop::Empty => match self.pages.next()? {
                    Ok(reply) => self.buffer.refill(reply.value),
                    Err(error) => return Some(Err(error)),
                },
            }
        }
    }
}

impl<T: BlockingTransport> Client<T, ThreadSleep> {
    /// The pages of `list`, starting with the page it asks for.
    pub fn pages<L: ListOperation>(&self, list: L) -> Pages<T, L> {
        Pages {
            client: self.clone(),
            walk: Walk::new(list),
        }
    }

    /// The items of `list`, page after page.
    pub fn items<L: ListOperation>(&self, list: L) -> Items<T, L> {
        Items {
            pages: self.pages(list),
            buffer: ItemBuffer::new(),
        }
    }
}

type PageFuture<L> = Pin<Box<dyn Future<Output = Result<PageReply<L>, Error>> + Send>>;

/// The pages of a list as a [`Stream`]; made by the async client's `pages`.
///
/// [`PageStream::next`] awaits the next page without any extra crate.
pub struct PageStream<T, S, L: ListOperation> {
    client: Client<T, S>,
    walk: Walk<L>,
    in_flight: Option<PageFuture<L>>,
}

// Nothing in it is pinned in place: the in-flight future is boxed.
impl<T, S, L: ListOperation> Unpin for PageStream<T, S, L> {}

impl<T, S, L: ListOperation> fmt::Debug for PageStream<T, S, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageStream")
            .field("list", &L::ID)
            .field("in_flight", &self.in_flight.is_some())
            .finish_non_exhaustive()
    }
}

impl<T, S, L> Stream for PageStream<T, S, L>
where
    T: AsyncTransport + Send + Sync + 'static,
    S: AsyncSleep + Send + Sync + 'static,
    L: ListOperation + Send + Sync + 'static,
    L::Item: Send,
{
    type Item = Result<PageReply<L>, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let in_flight = match &mut this.in_flight {
            Some(future) => future,
            None => {
                let call = match this.walk.take() {
                    None => return Poll::Ready(None),
                    Some(Err(error)) => return Poll::Ready(Some(Err(error))),
                    Some(Ok(call)) => call,
                };
                let client = this.client.clone();
                this.in_flight.insert(Box::pin(async move {
                    match call {
                        PageCall::First(list) => client.send(&list).await,
                        PageCall::Next(next) => client.send(&next).await,
                    }
                }))
            }
        };
        let Poll::Ready(result) = in_flight.as_mut().poll(cx) else {
            return Poll::Pending;
        };
        this.in_flight = None;
        Poll::Ready(Some(this.walk.record(this.client.endpoint(), result)))
    }
}

impl<T, S, L> PageStream<T, S, L>
where
    Self: Stream,
    L: ListOperation,
{
    /// The next page, or `None` after the last one.
    pub async fn next(&mut self) -> Option<<Self as Stream>::Item> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

/// The items of a list as a [`Stream`], across its pages; made by the async
/// client's `items`.
pub struct ItemStream<T, S, L: ListOperation> {
    pages: PageStream<T, S, L>,
    buffer: ItemBuffer<L::Item>,
}

impl<T, S, L: ListOperation> Unpin for ItemStream<T, S, L> {}

impl<T, S, L: ListOperation> fmt::Debug for ItemStream<T, S, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemStream")
            .field("list", &L::ID)
            .field("remaining", &self.buffer.remaining)
            .finish_non_exhaustive()
    }
}

impl<T, S, L: ListOperation> ItemStream<T, S, L> {
    /// Stops after `limit` items, without fetching pages beyond them.
    pub fn limit(mut self, limit: usize) -> Self {
        self.buffer.remaining = Some(limit);
        self
    }
}

impl<T, S, L> Stream for ItemStream<T, S, L>
where
    PageStream<T, S, L>: Stream<Item = Result<PageReply<L>, Error>>,
    L: ListOperation,
{
    type Item = Result<L::Item, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        // Bounded as the iterator's loop is.
        loop {
            match this.buffer.pop() {
                Pop::Item(item) => return Poll::Ready(Some(Ok(item))),
                Pop::Limited => return Poll::Ready(None),
                Pop::Empty => match Pin::new(&mut this.pages).poll_next(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(None) => return Poll::Ready(None),
                    Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
                    Poll::Ready(Some(Ok(reply))) => this.buffer.refill(reply.value),
                },
            }
        }
    }
}

impl<T, S, L> ItemStream<T, S, L>
where
    Self: Stream,
    L: ListOperation,
{
    /// The next item, or `None` after the last one (or the limit).
    pub async fn next(&mut self) -> Option<<Self as Stream>::Item> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl<T, S> Client<T, S>
where
    T: AsyncTransport + Send + Sync + 'static,
    S: AsyncSleep + Send + Sync + 'static,
{
    /// The pages of `list` as a stream, starting with the page it asks for.
    pub fn pages<L>(&self, list: L) -> PageStream<T, S, L>
    where
        L: ListOperation + Send + Sync + 'static,
        L::Item: Send,
    {
        PageStream {
            client: self.clone(),
            walk: Walk::new(list),
            in_flight: None,
        }
    }

    /// The items of `list` as a stream, page after page.
    pub fn items<L>(&self, list: L) -> ItemStream<T, S, L>
    where
        L: ListOperation + Send + Sync + 'static,
        L::Item: Send,
    {
        ItemStream {
            pages: self.pages(list),
            buffer: ItemBuffer::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use http::{Request, Response};
    use twilio_accounts_core::{Credentials, ListCredentialAws, TransportError};

    use crate::options::{ClientOptions, ClientSetup};
    use crate::{Client, ThreadSleep};

    const BASE: &str = "http://127.0.0.1:8080";

    /// A page of `items` credential names whose `meta.next_page_url` is `next`.
    fn page(items: &[&str], next: Option<&str>) -> Vec<u8> {
        let items: Vec<String> = items
            .iter()
            .map(|name| format!(r#"{{"friendly_name":"{name}"}}"#))
            .collect();
        let next = next.map_or("null".to_owned(), |link| format!("\"{link}\""));
        format!(
            r#"{{"credentials":[{}],"meta":{{"next_page_url":{next}}}}}"#,
            items.join(",")
        )
        .into_bytes()
    }

    /// Walks with a transport that answers the scripted bodies in order
    /// (a 500 once they run out) and records the paths and queries asked for.
    fn walk(
        bodies: Vec<Vec<u8>>,
        limit: Option<usize>,
    ) -> (Vec<Result<String, String>>, Vec<String>) {
        let asked = RefCell::new(Vec::new());
        let bodies = RefCell::new(bodies.into_iter());
        let transport = |request: Request<Vec<u8>>| -> Result<Response<Vec<u8>>, TransportError> {
            asked.borrow_mut().push(
                request
                    .uri()
                    .path_and_query()
                    .map_or(String::new(), |p| p.to_string()),
            );
            let (status, body) = match bodies.borrow_mut().next() {
                Some(body) => (200, body),
                None => (500, Vec::new()),
            };
            Ok(Response::builder().status(status).body(body).unwrap())
        };
        let setup = ClientSetup::new(
            Credentials::auth_token(
                "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap(),
                "0123456789abcdef0123456789abcdef".parse().unwrap(),
            ),
            ClientOptions::new()
                .with_base_url(BASE)
                .with_retry_policy(twilio_accounts_core::RetryPolicy::never()),
            |_| None,
        )
        .unwrap();
        let client = Client::with_transport(setup, &transport, ThreadSleep);
        let items = client.items(ListCredentialAws::new().page_size(2).unwrap());
        let items = match limit {
            Some(n) => items.limit(n),
            None => items,
        };
        // Bounded: a walk that did not end would be cut at 20.
        let seen = items
            .take(20)
            .map(|item| {
                item.map(|c| c.friendly_name.unwrap_or_default())
                    .map_err(|e| e.to_string())
            })
            .collect();
        (seen, asked.into_inner())
    }

    fn link(page: u32) -> String {
        format!("{BASE}/v1/Credentials/AWS?PageSize=2&Page={page}&PageToken=PT{page}")
    }

    #[test]
    fn items_come_from_every_page_in_order() {
        let (seen, asked) = walk(
            vec![
                page(&["a", "b"], Some(&link(1))),
                page(&["c", "d"], Some(&link(2))),
                page(&["e"], None),
            ],
            None,
        );
        assert_eq!(seen, ["a", "b", "c", "d", "e"].map(|s| Ok(s.to_owned())));
        assert_eq!(
            asked,
            [
                "/v1/Credentials/AWS?PageSize=2",
                "/v1/Credentials/AWS?PageSize=2&Page=1&PageToken=PT1",
                "/v1/Credentials/AWS?PageSize=2&Page=2&PageToken=PT2",
            ]
        );
    }

    #[test]
    fn a_limit_stops_without_fetching_further_pages() {
        let (seen, asked) = walk(
            vec![
                page(&["a", "b"], Some(&link(1))),
                page(&["c", "d"], Some(&link(2))),
            ],
            Some(3),
        );
        assert_eq!(seen, ["a", "b", "c"].map(|s| Ok(s.to_owned())));
        assert_eq!(asked.len(), 2);
        let (seen, asked) = walk(vec![page(&["a"], Some(&link(1)))], Some(0));
        assert!(seen.is_empty());
        assert!(asked.is_empty());
    }

    #[test]
    fn a_failed_page_is_yielded_once_and_ends_the_walk() {
        let (seen, asked) = walk(vec![page(&["a"], Some(&link(1)))], None);
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert_eq!(seen[0], Ok("a".to_owned()));
        assert!(
            seen[1].as_ref().is_err_and(|e| e.contains("500")),
            "{seen:?}"
        );
        assert_eq!(asked.len(), 2);
    }

    #[test]
    fn a_link_that_repeats_the_page_stops_the_walk() {
        let (seen, asked) = walk(
            vec![
                page(&["a"], Some(&link(1))),
                page(&["b"], Some(&link(1))),
                page(&["never"], None),
            ],
            None,
        );
        assert_eq!(seen.len(), 3, "{seen:?}");
        assert_eq!(seen[..2], [Ok("a".to_owned()), Ok("b".to_owned())]);
        assert!(
            seen[2]
                .as_ref()
                .is_err_and(|e| e.contains("stopping instead of looping")),
            "{seen:?}"
        );
        assert_eq!(asked.len(), 2);
    }

    #[test]
    fn a_link_to_another_host_is_not_followed() {
        let (seen, asked) = walk(
            vec![page(
                &["a"],
                Some("http://evil.example/v1/Credentials/AWS?Page=1"),
            )],
            None,
        );
        assert_eq!(seen[0], Ok("a".to_owned()));
        assert!(
            seen[1].as_ref().is_err_and(|e| e.contains("another host")),
            "{seen:?}"
        );
        assert_eq!(seen.len(), 2);
        assert_eq!(asked.len(), 1);
    }

    /// A 2010 list names its account in the path: a next link of the same
    /// shape for another account is refused (the parent's credentials would
    /// reach it, and its keys would pass for this account's), while the
    /// list's own next page is followed.
    #[test]
    fn a_link_to_another_accounts_list_of_the_same_shape_is_not_followed() {
        const OWN: &str = "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Keys.json";
        const OTHER: &str = "/2010-04-01/Accounts/ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/Keys.json";
        let key_page = |sid: char, next: &str| {
            format!(
                r#"{{"keys":[{{"sid":"SK{}"}}],"next_page_uri":{next}}}"#,
                sid.to_string().repeat(32)
            )
            .into_bytes()
        };
        // (the second page's link, how many pages are asked for, whether the walk ends in an error)
        let table = [
            (
                format!(r#""{OWN}?PageSize=50&Page=2&PageToken=PT2""#),
                3,
                false,
            ),
            (
                format!(r#""{OTHER}?PageSize=50&Page=2&PageToken=PT2""#),
                2,
                true,
            ),
        ];
        for (link, pages, refused) in table {
            let asked = RefCell::new(Vec::new());
            let bodies = RefCell::new(
                vec![
                    key_page('1', &format!(r#""{OWN}?PageSize=50&Page=1&PageToken=PT1""#)),
                    key_page('2', &link),
                    key_page('3', "null"),
                ]
                .into_iter(),
            );
            let transport =
                |request: Request<Vec<u8>>| -> Result<Response<Vec<u8>>, TransportError> {
                    asked.borrow_mut().push(request.uri().path().to_owned());
                    let body = bodies.borrow_mut().next().unwrap_or_default();
                    Ok(Response::builder().status(200).body(body).unwrap())
                };
            let setup = ClientSetup::new(
                Credentials::auth_token(
                    "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap(),
                    "0123456789abcdef0123456789abcdef".parse().unwrap(),
                ),
                ClientOptions::new().with_base_url(BASE),
                |_| None,
            )
            .unwrap();
            let client = Client::with_transport(setup, &transport, ThreadSleep);
            let list = twilio_accounts_core::ListKey::new(
                "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap(),
            );
            let seen: Vec<_> = client.pages(list).take(10).collect();
            let asked = asked.into_inner();
            assert_eq!(asked.len(), pages, "{asked:?}");
            assert!(asked.iter().all(|p| p == OWN), "{asked:?}");
            let last = seen.last().unwrap();
            assert_eq!(last.is_err(), refused, "{seen:?}");
            if refused {
                let text = last.as_ref().unwrap_err().to_string();
                assert!(
                    text.contains("another list") && text.contains(OTHER),
                    "{text}"
                );
            }
        }
    }
}
