//! The simulated account: one primary Auth Token, at most one secondary, and the public keys listed under
//! `/v1/Credentials/PublicKeys`.
//!
//! This is a plain state machine: time comes in as an argument ([`Stamp`]) and every operation returns its
//! outcome as a value, so the HTTP layer only moves bytes. The HTTP layer keeps it behind one mutex, which is
//! what makes racing operations consistent (two promotes: one wins, the other finds no secondary).

use std::fmt;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::config::ExistingSecondary;
use crate::wire::PublicKey;

/// Most public keys one account keeps; creating more is refused so that memory stays bounded.
pub(crate) const MAX_PUBLIC_KEYS: usize = 10_000;

/// A moment, as the two clocks the account needs see it.
#[derive(Debug, Clone)]
pub(crate) struct Stamp {
    /// For the auth lag window.
    pub(crate) mono: Instant,
    /// For the `date_created` / `date_updated` fields (ISO 8601, UTC).
    pub(crate) wall: String,
}

struct Token {
    value: String,
    created: String,
}

/// The state of the simulated account.
pub(crate) struct Account {
    sid: String,
    primary: Token,
    secondary: Option<Token>,
    /// After a promotion with an auth lag, the new primary is refused until this moment.
    primary_refused_until: Option<Instant>,
    public_keys: Vec<PublicKey>,
    existing_secondary: ExistingSecondary,
    rng: StdRng,
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("sid", &self.sid)
            .field("primary", &"[redacted]")
            .field("secondary", &self.secondary.as_ref().map(|_| "[redacted]"))
            .field("public_keys", &self.public_keys.len())
            .finish_non_exhaustive()
    }
}

/// A token as a response reports it.
#[derive(Debug)]
pub(crate) struct TokenView {
    pub(crate) account_sid: String,
    pub(crate) token: String,
    pub(crate) date_created: String,
    pub(crate) date_updated: String,
}

/// Why a secondary could not be created.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum CreateRefused {
    /// A secondary exists and the account is set to [`ExistingSecondary::Refuse`].
    SecondaryExists,
}

/// There is no secondary token to promote or delete.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct NoSecondary;

impl Account {
    /// A new account. Missing credentials are drawn from `seed` (reproducible) or from the OS.
    pub(crate) fn new(
        sid: Option<String>,
        token: Option<String>,
        seed: Option<u64>,
        existing_secondary: ExistingSecondary,
        now: &Stamp,
    ) -> Self {
        let mut rng = match seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_os_rng(),
        };
        let sid = sid.unwrap_or_else(|| format!("AC{:032x}", rng.random::<u128>()));
        let token = token.unwrap_or_else(|| hex32(&mut rng));
        Self {
            sid,
            primary: Token {
                value: token,
                created: now.wall.clone(),
            },
            secondary: None,
            primary_refused_until: None,
            public_keys: Vec::new(),
            existing_secondary,
            rng,
        }
    }

    pub(crate) fn sid(&self) -> &str {
        &self.sid
    }

    pub(crate) fn primary(&self) -> &str {
        &self.primary.value
    }

    pub(crate) fn secondary(&self) -> Option<&str> {
        self.secondary.as_ref().map(|t| t.value.as_str())
    }

    /// Whether `sid:token` is let in at `now`: the primary (unless inside its auth lag) or the secondary.
    pub(crate) fn authenticates(&self, sid: &str, token: &str, now: Instant) -> bool {
        if !eq_constant_time(sid.as_bytes(), self.sid.as_bytes()) {
            return false;
        }
        let primary_ok = eq_constant_time(token.as_bytes(), self.primary.value.as_bytes())
            && self.primary_refused_until.is_none_or(|until| now >= until);
        let secondary_ok = self
            .secondary
            .as_ref()
            .is_some_and(|s| eq_constant_time(token.as_bytes(), s.value.as_bytes()));
        primary_ok || secondary_ok
    }

    /// `POST /v1/AuthTokens/Secondary`: a new secondary, replacing or refusing an existing one.
    pub(crate) fn create_secondary(&mut self, now: &Stamp) -> Result<TokenView, CreateRefused> {
        if self.secondary.is_some() && self.existing_secondary == ExistingSecondary::Refuse {
            return Err(CreateRefused::SecondaryExists);
        }
        let value = hex32(&mut self.rng);
        self.secondary = Some(Token {
            value: value.clone(),
            created: now.wall.clone(),
        });
        Ok(TokenView {
            account_sid: self.sid.clone(),
            token: value,
            date_created: now.wall.clone(),
            date_updated: now.wall.clone(),
        })
    }

    /// `DELETE /v1/AuthTokens/Secondary`.
    pub(crate) fn delete_secondary(&mut self) -> Result<(), NoSecondary> {
        self.secondary.take().map(|_| ()).ok_or(NoSecondary)
    }

    /// `POST /v1/AuthTokens/Promote`: the secondary becomes the primary and the old primary is gone at once.
    /// With an `auth_lag`, the new primary is refused for that long (propagation delay).
    pub(crate) fn promote(
        &mut self,
        now: &Stamp,
        auth_lag: Option<Duration>,
    ) -> Result<TokenView, NoSecondary> {
        let new_primary = self.secondary.take().ok_or(NoSecondary)?;
        self.primary = new_primary;
        self.primary_refused_until = auth_lag
            .filter(|lag| !lag.is_zero())
            .and_then(|lag| now.mono.checked_add(lag));
        Ok(TokenView {
            account_sid: self.sid.clone(),
            token: self.primary.value.clone(),
            date_created: self.primary.created.clone(),
            date_updated: now.wall.clone(),
        })
    }

    /// `POST /v1/Credentials/PublicKeys`: remembers a key (only its name; the key material is not kept).
    pub(crate) fn create_public_key(
        &mut self,
        friendly_name: Option<String>,
        now: &Stamp,
    ) -> Option<PublicKey> {
        if self.public_keys.len() >= MAX_PUBLIC_KEYS {
            return None;
        }
        let key = PublicKey {
            sid: format!("CR{:032x}", self.rng.random::<u128>()),
            friendly_name,
            date_created: now.wall.clone(),
        };
        self.public_keys.push(key.clone());
        Some(key)
    }

    /// The public key with this SID, if the account has one.
    pub(crate) fn public_key(&self, sid: &str) -> Option<&PublicKey> {
        self.public_keys.iter().find(|k| k.sid == sid)
    }

    /// One page of public keys, and whether a further page exists.
    pub(crate) fn public_keys_page(&self, page: u64, page_size: u64) -> (Vec<PublicKey>, bool) {
        let len = self.public_keys.len() as u64;
        let start = page.saturating_mul(page_size).min(len);
        let end = start.saturating_add(page_size).min(len);
        let slice = self
            .public_keys
            .get(
                usize::try_from(start).unwrap_or(usize::MAX)
                    ..usize::try_from(end).unwrap_or(usize::MAX),
            )
            .unwrap_or_default();
        (slice.to_vec(), end < len)
    }
}

/// 32 random lowercase hex digits: the shape of a real Auth Token.
fn hex32(rng: &mut StdRng) -> String {
    format!("{:032x}", rng.random::<u128>())
}

/// Compares without an early exit on the first differing byte (good manners for a credential check).
fn eq_constant_time(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp() -> Stamp {
        Stamp {
            mono: Instant::now(),
            wall: "2015-07-31T04:00:00Z".to_owned(),
        }
    }

    fn account(policy: ExistingSecondary) -> Account {
        Account::new(None, None, Some(7), policy, &stamp())
    }

    #[test]
    fn the_same_seed_gives_the_same_credentials() {
        let a = account(ExistingSecondary::Replace);
        let b = account(ExistingSecondary::Replace);
        assert_eq!(a.sid(), b.sid());
        assert_eq!(a.primary(), b.primary());
        assert_eq!(a.primary().len(), 32);
    }

    #[test]
    fn a_secondary_authenticates_until_promotion_makes_it_the_only_token() {
        let mut a = account(ExistingSecondary::Replace);
        let sid = a.sid().to_owned();
        let old = a.primary().to_owned();
        let new = a
            .create_secondary(&stamp())
            .map(|v| v.token)
            .unwrap_or_default();
        let now = Instant::now();
        assert!(a.authenticates(&sid, &old, now));
        assert!(a.authenticates(&sid, &new, now));
        assert!(a.promote(&stamp(), None).is_ok());
        assert!(!a.authenticates(&sid, &old, now));
        assert!(a.authenticates(&sid, &new, now));
        assert_eq!(a.promote(&stamp(), None).map(|_| ()), Err(NoSecondary));
    }

    #[test]
    fn refuse_policy_keeps_the_existing_secondary() {
        let mut a = account(ExistingSecondary::Refuse);
        let first = a
            .create_secondary(&stamp())
            .map(|v| v.token)
            .unwrap_or_default();
        assert_eq!(
            a.create_secondary(&stamp()).map(|_| ()),
            Err(CreateRefused::SecondaryExists)
        );
        assert_eq!(a.secondary(), Some(first.as_str()));
    }

    #[test]
    fn auth_lag_refuses_the_new_primary_for_its_duration() {
        let mut a = account(ExistingSecondary::Replace);
        let sid = a.sid().to_owned();
        let new = a
            .create_secondary(&stamp())
            .map(|v| v.token)
            .unwrap_or_default();
        let at = stamp();
        assert!(a.promote(&at, Some(Duration::from_secs(5))).is_ok());
        assert!(!a.authenticates(&sid, &new, at.mono));
        assert!(a.authenticates(&sid, &new, at.mono + Duration::from_secs(5)));
    }

    #[test]
    fn paging_reports_a_next_page_only_when_one_exists() {
        let mut a = account(ExistingSecondary::Replace);
        for i in 0..3 {
            assert!(
                a.create_public_key(Some(format!("k{i}")), &stamp())
                    .is_some()
            );
        }
        assert_eq!(a.public_keys_page(0, 2).0.len(), 2);
        assert!(a.public_keys_page(0, 2).1);
        assert_eq!(a.public_keys_page(1, 2).0.len(), 1);
        assert!(!a.public_keys_page(1, 2).1);
        assert!(a.public_keys_page(u64::MAX, u64::MAX).0.is_empty());
    }
}
