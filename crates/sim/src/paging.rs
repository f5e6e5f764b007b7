//! Twilio's paging, shared by every list route: the `PageSize` / `Page` / `PageToken` query and the `meta`
//! envelope whose links an official Twilio library follows.
//!
//! Links are absolute and carry the simulator's own base URL (scheme, host, port), so a client pointed at
//! the simulator keeps paging against it rather than against `accounts.twilio.com`.

use serde_json::{Value, json};

/// The page size when the query names none (Twilio's default).
pub(crate) const DEFAULT_PAGE_SIZE: u64 = 50;
/// The largest `PageSize` Twilio accepts.
pub(crate) const MAX_PAGE_SIZE: u64 = 1000;

/// Which page a list request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageRequest {
    pub(crate) page: u64,
    pub(crate) page_size: u64,
}

/// A query parameter a list does not accept, or one with a bad value.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PageQueryError {
    /// `PageSize` is not an integer in `1..=1000`, or `Page` not a non-negative integer.
    BadValue(&'static str),
    /// A parameter lists do not take (its name).
    Unknown(String),
}

impl PageRequest {
    /// Reads `PageSize`, `Page` and `PageToken` from a raw query. The token is accepted and not needed: the
    /// simulator's pages are addressed by number, and its links carry the number.
    pub(crate) fn from_query(query: &str) -> Result<Self, PageQueryError> {
        let mut request = PageRequest {
            page: 0,
            page_size: DEFAULT_PAGE_SIZE,
        };
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            match name.as_ref() {
                "PageSize" => match value.parse::<u64>() {
                    Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => request.page_size = n,
                    _ => {
                        return Err(PageQueryError::BadValue(
                            "PageSize must be an integer from 1 to 1000",
                        ));
                    }
                },
                "Page" => {
                    request.page = value.parse::<u64>().map_err(|_| {
                        PageQueryError::BadValue("Page must be a non-negative integer")
                    })?;
                }
                "PageToken" => {}
                other => return Err(PageQueryError::Unknown(other.to_owned())),
            }
        }
        Ok(request)
    }

    /// This page of `items`, and whether a further page exists.
    pub(crate) fn slice<'a, T>(&self, items: &'a [T]) -> (&'a [T], bool) {
        let len = items.len();
        let start = usize::try_from(self.page.saturating_mul(self.page_size))
            .unwrap_or(usize::MAX)
            .min(len);
        let end = start
            .saturating_add(usize::try_from(self.page_size).unwrap_or(usize::MAX))
            .min(len);
        (items.get(start..end).unwrap_or_default(), end < len)
    }

    /// The whole page: `{key: items, meta: {…}}` with links to the first, previous, this and next pages of
    /// `{base_url}{path}`, each carrying `filters` (an encoded query such as `AccountSid=AC…`, or empty)
    /// before the paging parameters.
    pub(crate) fn envelope(
        &self,
        base_url: &str,
        path: &str,
        filters: &str,
        key: &str,
        items: Vec<Value>,
        has_next: bool,
    ) -> Value {
        let size = self.page_size;
        let filters = if filters.is_empty() {
            String::new()
        } else {
            format!("{filters}&")
        };
        let link = |p: u64| format!("{base_url}{path}?{filters}PageSize={size}&Page={p}");
        let mut envelope = serde_json::Map::new();
        envelope.insert(key.to_owned(), Value::Array(items));
        envelope.insert(
            "meta".to_owned(),
            json!({
                "first_page_url": link(0),
                "key": key,
                "next_page_url": has_next.then(|| link(self.page.saturating_add(1))),
                "page": self.page,
                "page_size": size,
                "previous_page_url": self.page.checked_sub(1).map(link),
                "url": link(self.page),
            }),
        );
        Value::Object(envelope)
    }
}

/// The 2010 API's list envelope: the page's items under `key`, relative `*_page_uri` links to `path`
/// (filters first), `start`, `end`, `page`, `page_size`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct List2010<'a> {
    /// `/2010-04-01/Accounts/AC…/Keys.json`.
    pub(crate) path: &'a str,
    /// The encoded filters the links carry before the paging parameters (empty for none).
    pub(crate) filters: &'a str,
    /// `accounts`, `keys`, `signing_keys`.
    pub(crate) key: &'a str,
}

/// A 2010 `PageToken` that does not belong to the page asked for (400 / 21481).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct BadPageToken;

impl PageRequest {
    /// This page of `items` in the 2010 envelope. A `token` must be `PA` and the SID of the last item of the
    /// page before, as the simulator's `next_page_uri` carries it.
    pub(crate) fn page_2010<T>(
        &self,
        list: List2010<'_>,
        token: Option<&str>,
        items: &[T],
        sid: impl Fn(&T) -> &str,
        entry: impl Fn(&T) -> Value,
    ) -> Result<Value, BadPageToken> {
        let start = self.page.saturating_mul(self.page_size);
        if let Some(token) = token {
            let previous = start
                .checked_sub(1)
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| items.get(i));
            if previous.is_none_or(|p| token.strip_prefix("PA") != Some(sid(p))) {
                return Err(BadPageToken);
            }
        }
        let (page, has_next) = self.slice(items);
        let size = self.page_size;
        let uri = |page: u64, token: Option<&str>| {
            let mut uri = format!("{}?", list.path);
            if !list.filters.is_empty() {
                uri.push_str(list.filters);
                uri.push('&');
            }
            uri.push_str(&format!("PageSize={size}&Page={page}"));
            if let Some(token) = token {
                uri.push_str(&format!("&PageToken={token}"));
            }
            uri
        };
        let next = page.last().filter(|_| has_next).map(|last| {
            uri(
                self.page.saturating_add(1),
                Some(&format!("PA{}", sid(last))),
            )
        });
        let mut envelope = serde_json::Map::new();
        envelope.insert(
            list.key.to_owned(),
            Value::Array(page.iter().map(entry).collect()),
        );
        let rest = json!({
            "end": start.saturating_add((page.len() as u64).saturating_sub(1)),
            "first_page_uri": uri(0, None),
            "next_page_uri": next,
            "page": self.page,
            "page_size": size,
            "previous_page_uri": self.page.checked_sub(1).map(|p| uri(p, None)),
            "start": start,
            "uri": uri(self.page, token),
        });
        if let Value::Object(rest) = rest {
            envelope.extend(rest);
        }
        Ok(Value::Object(envelope))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_gives_the_page_and_its_size() {
        let cases: [(&str, Result<PageRequest, PageQueryError>); 7] = [
            (
                "",
                Ok(PageRequest {
                    page: 0,
                    page_size: 50,
                }),
            ),
            (
                "PageSize=2&Page=3&PageToken=PT",
                Ok(PageRequest {
                    page: 3,
                    page_size: 2,
                }),
            ),
            (
                "PageSize=1000",
                Ok(PageRequest {
                    page: 0,
                    page_size: 1000,
                }),
            ),
            (
                "PageSize=0",
                Err(PageQueryError::BadValue(
                    "PageSize must be an integer from 1 to 1000",
                )),
            ),
            (
                "PageSize=1001",
                Err(PageQueryError::BadValue(
                    "PageSize must be an integer from 1 to 1000",
                )),
            ),
            (
                "Page=-1",
                Err(PageQueryError::BadValue(
                    "Page must be a non-negative integer",
                )),
            ),
            ("Foo=1", Err(PageQueryError::Unknown("Foo".to_owned()))),
        ];
        for (query, expected) in cases {
            assert_eq!(PageRequest::from_query(query), expected, "{query}");
        }
    }

    #[test]
    fn a_slice_reports_a_next_page_only_when_one_exists() {
        let items = [1, 2, 3];
        let page = |page, page_size| PageRequest { page, page_size };
        assert_eq!(page(0, 2).slice(&items), (&items[..2], true));
        assert_eq!(page(1, 2).slice(&items), (&items[2..], false));
        assert_eq!(page(0, 3).slice(&items), (&items[..], false));
        assert_eq!(page(u64::MAX, u64::MAX).slice(&items), (&items[..0], false));
    }
}
