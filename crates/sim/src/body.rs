//! Response bodies, including the misbehaving ones (truncated, oversized, dripped).

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use tokio::time::Sleep;

use crate::fault::MAX_FAULT_DURATION;

/// Size of each frame of an oversized body.
const PAD_CHUNK: usize = 16 * 1024;
static SPACES: [u8; PAD_CHUNK] = [b' '; PAD_CHUNK];

/// How long a truncated body waits after its last bytes before it fails: hyper flushes what it has
/// meanwhile, so the client really receives the partial body before the connection closes.
const FLUSH_PAUSE: Duration = Duration::from_millis(10);

/// The body error that makes hyper drop the connection mid-body (a truncated response).
#[derive(Debug)]
pub(crate) struct BodyCut;

impl fmt::Display for BodyCut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("response body cut short by fault injection")
    }
}

impl std::error::Error for BodyCut {}

/// A response body.
pub(crate) struct SimBody(Kind);

enum Kind {
    /// A complete body, sent with `Content-Length`.
    Full(Option<Bytes>),
    /// `head`, then `padding` spaces, in frames, without a length (chunked encoding).
    Padded { head: Option<Bytes>, padding: usize },
    /// `data` in `chunk`-sized frames one `interval` apart, with `Content-Length`.
    Drip {
        data: Bytes,
        chunk: usize,
        interval: Duration,
        sleep: Option<Pin<Box<Sleep>>>,
        total: u64,
    },
    /// `Content-Length: declared`, then `data` (shorter), a pause (so that hyper flushes what it has), then an
    /// error that closes the connection.
    Truncated {
        data: Option<Bytes>,
        declared: u64,
        pause: Option<Pin<Box<Sleep>>>,
    },
}

impl fmt::Debug for SimBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.0 {
            Kind::Full(_) => "full",
            Kind::Padded { .. } => "padded",
            Kind::Drip { .. } => "drip",
            Kind::Truncated { .. } => "truncated",
        };
        f.debug_tuple("SimBody").field(&kind).finish()
    }
}

impl SimBody {
    pub(crate) fn empty() -> Self {
        SimBody(Kind::Full(None))
    }

    pub(crate) fn full(data: impl Into<Bytes>) -> Self {
        let data: Bytes = data.into();
        SimBody(Kind::Full(if data.is_empty() { None } else { Some(data) }))
    }

    /// `data` padded with trailing spaces up to `total` bytes (still valid JSON), sent chunked.
    pub(crate) fn padded(data: Bytes, total: usize) -> Self {
        let padding = total.saturating_sub(data.len());
        SimBody(Kind::Padded {
            head: Some(data),
            padding,
        })
    }

    /// `data` dripped `chunk` bytes per `interval`; the interval shrinks so that the drip ends within
    /// [`MAX_FAULT_DURATION`].
    pub(crate) fn drip(data: Bytes, chunk: usize, interval: Duration) -> Self {
        let chunk = chunk.max(1);
        let pauses = u32::try_from(data.len().div_ceil(chunk).saturating_sub(1))
            .unwrap_or(u32::MAX)
            .max(1);
        let interval = interval.min(MAX_FAULT_DURATION / pauses);
        let total = data.len() as u64;
        SimBody(Kind::Drip {
            data,
            chunk,
            interval,
            sleep: None,
            total,
        })
    }

    /// Announces `data.len()` bytes, sends the first half, then fails.
    pub(crate) fn truncated(data: Bytes) -> Self {
        let declared = data.len() as u64;
        let half = data.slice(..data.len() / 2);
        SimBody(Kind::Truncated {
            data: Some(half),
            declared,
            pause: None,
        })
    }
}

impl Body for SimBody {
    type Data = Bytes;
    type Error = BodyCut;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyCut>>> {
        match &mut self.0 {
            Kind::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            Kind::Padded { head, padding } => {
                if let Some(head) = head.take() {
                    return Poll::Ready(Some(Ok(Frame::data(head))));
                }
                if *padding == 0 {
                    return Poll::Ready(None);
                }
                let n = (*padding).min(PAD_CHUNK);
                *padding -= n;
                Poll::Ready(Some(Ok(Frame::data(
                    Bytes::from_static(&SPACES).slice(..n),
                ))))
            }
            Kind::Drip {
                data,
                chunk,
                interval,
                sleep,
                ..
            } => {
                if data.is_empty() {
                    return Poll::Ready(None);
                }
                if let Some(timer) = sleep.as_mut()
                    && timer.as_mut().poll(cx).is_pending()
                {
                    return Poll::Pending;
                }
                let n = (*chunk).min(data.len());
                let frame = data.split_to(n);
                *sleep = Some(Box::pin(tokio::time::sleep(*interval)));
                Poll::Ready(Some(Ok(Frame::data(frame))))
            }
            Kind::Truncated { data, pause, .. } => {
                if let Some(d) = data.take().filter(|d| !d.is_empty()) {
                    *pause = Some(Box::pin(tokio::time::sleep(FLUSH_PAUSE)));
                    return Poll::Ready(Some(Ok(Frame::data(d))));
                }
                if let Some(timer) = pause.as_mut()
                    && timer.as_mut().poll(cx).is_pending()
                {
                    return Poll::Pending;
                }
                Poll::Ready(Some(Err(BodyCut)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(&self.0, Kind::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match &self.0 {
            Kind::Full(data) => SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64)),
            Kind::Padded { .. } => SizeHint::default(),
            Kind::Drip { total, .. } => SizeHint::with_exact(*total),
            Kind::Truncated { declared, .. } => SizeHint::with_exact(*declared),
        }
    }
}
