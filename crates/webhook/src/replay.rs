//! Refusing a webhook delivered twice: de-duplication on Twilio's
//! `I-Twilio-Idempotency-Token` header (off by default; see
//! [`WebhookLayer::deduplicate`](crate::WebhookLayer::deduplicate)).
//!
//! Twilio's signature has no timestamp or nonce: a signed webhook stays
//! valid for ever, and the signature alone cannot tell a replay from the
//! original. Twilio puts the same idempotency token on every delivery of
//! one event (its retries included), so remembering the tokens seen
//! recently refuses a second delivery of an event within a window.
//!
//! What it cannot do: the header is **not signed**. It stops Twilio's own
//! retries and re-deliveries and a replay of captured requests sent
//! unchanged; someone who can replay a captured webhook can also drop or
//! change the header, and then the request passes as a new one. Keep
//! webhooks on HTTPS (so none is captured), and make handlers idempotent on
//! the event's own identifiers (`MessageSid`, `CallSid` with `CallStatus`).
//!
//! Memory is bounded: at most `capacity` tokens are remembered, each as a
//! 32-byte hash however long the header was, for at most `window`; when
//! full, the oldest is forgotten first (and a replay of it would pass).

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// The header Twilio puts the same value in on every delivery of one event.
pub const IDEMPOTENCY_HEADER: &str = "I-Twilio-Idempotency-Token";

type Key = [u8; 32];

/// The idempotency tokens seen within the window, oldest first. Pure: the
/// caller says what time it is.
#[derive(Debug)]
pub(crate) struct SeenTokens {
    window: Duration,
    capacity: usize,
    seen: HashMap<Key, Instant>,
    order: VecDeque<(Key, Instant)>,
}

impl SeenTokens {
    /// Remembers up to `capacity` (at least 1) tokens for `window` each.
    pub(crate) fn new(window: Duration, capacity: usize) -> Self {
        SeenTokens {
            window,
            capacity: capacity.max(1),
            seen: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Whether `token` is new at `now` (not seen within the window before
    /// it); a new token is remembered from `now` on, evicting the oldest
    /// when full. A token seen again keeps its first sighting's time, so
    /// repeated replays do not keep it remembered for longer.
    pub(crate) fn first_sighting(&mut self, token: &[u8], now: Instant) -> bool {
        while let Some((key, at)) = self.order.front() {
            if now.saturating_duration_since(*at) < self.window {
                break;
            }
            self.seen.remove(key);
            self.order.pop_front();
        }
        let key: Key = Sha256::digest(token).into();
        if self.seen.contains_key(&key) {
            return false;
        }
        if self.order.len() >= self.capacity
            && let Some((oldest, _)) = self.order.pop_front()
        {
            self.seen.remove(&oldest);
        }
        self.seen.insert(key, now);
        self.order.push_back((key, now));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_secs(60);

    #[test]
    fn a_token_is_refused_within_the_window_and_new_again_after_it() {
        let start = Instant::now();
        let mut seen = SeenTokens::new(WINDOW, 10);
        assert!(seen.first_sighting(b"a", start));
        assert!(!seen.first_sighting(b"a", start + WINDOW - Duration::from_millis(1)));
        assert!(seen.first_sighting(b"b", start + Duration::from_secs(1)));
        // The window counts from the first sighting, not from the replays.
        assert!(seen.first_sighting(b"a", start + WINDOW));
        assert!(!seen.first_sighting(b"b", start + WINDOW));
    }

    #[test]
    fn when_full_the_oldest_is_forgotten_first() {
        let now = Instant::now();
        let mut seen = SeenTokens::new(WINDOW, 2);
        assert!(seen.first_sighting(b"a", now));
        assert!(seen.first_sighting(b"b", now));
        assert!(seen.first_sighting(b"c", now)); // evicts a
        assert!(seen.first_sighting(b"a", now)); // evicts b
        assert!(!seen.first_sighting(b"c", now));
        assert!(seen.first_sighting(b"b", now));
    }

    #[test]
    fn memory_stays_within_the_capacity_whatever_arrives() {
        let now = Instant::now();
        let mut seen = SeenTokens::new(WINDOW, 100);
        for i in 0..10_000u32 {
            // Long tokens are remembered as fixed-size hashes.
            let token = format!("{i:0>512}");
            assert!(seen.first_sighting(token.as_bytes(), now));
            assert!(seen.order.len() <= 100);
            assert_eq!(seen.seen.len(), seen.order.len());
        }
        assert_eq!(SeenTokens::new(WINDOW, 0).capacity, 1);
    }
}
