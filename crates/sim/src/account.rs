//! The simulated account: one primary Auth Token, at most one secondary, its credentials (public keys and
//! AWS credentials), its safe list and its messaging geo permissions; and what describes an account from
//! outside, its policy for an existing secondary ([`ExistingSecondary`]) and its status ([`AccountStatus`]).
//!
//! This is a plain state machine: time comes in as an argument ([`Stamp`]) and every operation returns its
//! outcome as a value, so the HTTP layer only moves bytes. The HTTP layer keeps it behind one mutex, which is
//! what makes racing operations consistent (two promotes: one wins, the other finds no secondary).

use std::fmt;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq as _;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::api_key::{KeyKind, KeySet, KeyStore, NewKey, TooManyKeys};
use crate::credential::{Credential, CredentialKind, CredentialStore};
use crate::geo_permission::GeoPermissions;
use crate::rsa_public_key::RsaPublicKey;
use crate::safelist::{Safelist, SafelistEntry, SafelistFull};

/// What creating a secondary token does when one already exists. Twilio's real behaviour is unconfirmed,
/// so a client must be tested against both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ExistingSecondary {
    /// The existing secondary is discarded (it stops authenticating) and a new one is returned with 201.
    #[default]
    Replace,
    /// The request is refused with HTTP 409 and a Twilio error body with code 20409; the existing secondary
    /// stays valid.
    Refuse,
}

/// The status of an account, as the 2010 Accounts resource reports it.
///
/// Twilio refuses a closed account's credentials with 401 / 20003. What it answers a suspended account is
/// unconfirmed; the simulator answers 401 / 20005 ("Account not active").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AccountStatus {
    /// The account works.
    #[default]
    Active,
    /// The account is suspended: its credentials are refused (401 / 20005, unconfirmed).
    Suspended,
    /// The account is closed: its credentials are refused (401 / 20003).
    Closed,
}

impl AccountStatus {
    /// The value of the 2010 `status` field and `Status` filter.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Suspended => "suspended",
            AccountStatus::Closed => "closed",
        }
    }
}

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
    public_keys: CredentialStore,
    aws_credentials: CredentialStore,
    safelist: Safelist,
    geo_permissions: GeoPermissions,
    keys: KeyStore,
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
            .field("aws_credentials", &self.aws_credentials.len())
            .field("keys", &self.keys.list(KeySet::Api).len())
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
            public_keys: CredentialStore::default(),
            aws_credentials: CredentialStore::default(),
            safelist: Safelist::default(),
            geo_permissions: GeoPermissions::default(),
            keys: KeyStore::default(),
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
        if !bool::from(sid.as_bytes().ct_eq(self.sid.as_bytes())) {
            return false;
        }
        let primary_ok = bool::from(token.as_bytes().ct_eq(self.primary.value.as_bytes()))
            && self.primary_refused_until.is_none_or(|until| now >= until);
        let secondary_ok = self
            .secondary
            .as_ref()
            .is_some_and(|s| bool::from(token.as_bytes().ct_eq(s.value.as_bytes())));
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

    /// `POST /v1/Credentials/PublicKeys` and `POST /v1/Credentials/AWS`: a new `CR` credential (its name,
    /// and a public key's key when it is one PKCV can verify with); `None` when the account has as many as
    /// it keeps.
    pub(crate) fn create_credential(
        &mut self,
        kind: CredentialKind,
        friendly_name: Option<String>,
        public_key: Option<RsaPublicKey>,
        now: &Stamp,
    ) -> Option<Credential> {
        let credential = Credential {
            sid: sid("CR", &mut self.rng),
            friendly_name,
            date_created: now.wall.clone(),
            date_updated: now.wall.clone(),
            public_key,
        };
        self.credentials_mut(kind).insert(credential)
    }

    /// The credentials of one kind.
    pub(crate) fn credentials(&self, kind: CredentialKind) -> &CredentialStore {
        match kind {
            CredentialKind::PublicKey => &self.public_keys,
            CredentialKind::Aws => &self.aws_credentials,
        }
    }

    pub(crate) fn credentials_mut(&mut self, kind: CredentialKind) -> &mut CredentialStore {
        match kind {
            CredentialKind::PublicKey => &mut self.public_keys,
            CredentialKind::Aws => &mut self.aws_credentials,
        }
    }

    /// `POST /v1/SafeList/Numbers`: the number's entry, new (with a fresh `GN` SID) or existing.
    pub(crate) fn add_to_safelist(
        &mut self,
        phone_number: &str,
    ) -> Result<SafelistEntry, SafelistFull> {
        let rng = &mut self.rng;
        self.safelist.add(phone_number, || sid("GN", rng))
    }

    pub(crate) fn safelist(&self) -> &Safelist {
        &self.safelist
    }

    pub(crate) fn safelist_mut(&mut self) -> &mut Safelist {
        &mut self.safelist
    }

    pub(crate) fn geo_permissions(&self) -> &GeoPermissions {
        &self.geo_permissions
    }

    pub(crate) fn geo_permissions_mut(&mut self) -> &mut GeoPermissions {
        &mut self.geo_permissions
    }

    /// A new API key or signing key (`SK` SID, fresh secret); refused past `max` keys in that set.
    pub(crate) fn create_key(
        &mut self,
        set: KeySet,
        kind: KeyKind,
        friendly_name: Option<String>,
        max: Option<usize>,
        now: &Stamp,
    ) -> Result<NewKey, TooManyKeys> {
        self.keys
            .create(set, kind, friendly_name, max, &now.wall, &mut self.rng)
    }

    pub(crate) fn keys(&self) -> &KeyStore {
        &self.keys
    }

    pub(crate) fn keys_mut(&mut self) -> &mut KeyStore {
        &mut self.keys
    }
}

/// A SID: the two-letter prefix of its resource and 32 random lowercase hex digits.
fn sid(prefix: &str, rng: &mut StdRng) -> String {
    format!("{prefix}{}", hex32(rng))
}

/// 32 random lowercase hex digits: the shape of a real Auth Token.
fn hex32(rng: &mut StdRng) -> String {
    format!("{:032x}", rng.random::<u128>())
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
    fn credentials_and_safelist_entries_get_sids_of_their_resource() {
        let mut a = account(ExistingSecondary::Replace);
        let sid_of = |s: &str, prefix: &str| {
            s.len() == 34 && s.starts_with(prefix) && s[2..].bytes().all(|b| b.is_ascii_hexdigit())
        };
        for kind in [CredentialKind::PublicKey, CredentialKind::Aws] {
            let created = a
                .create_credential(kind, None, None, &stamp())
                .map(|c| c.sid);
            assert!(
                created.as_deref().is_some_and(|s| sid_of(s, "CR")),
                "{created:?}"
            );
            assert_eq!(a.credentials(kind).len(), 1);
        }
        let entry = a.add_to_safelist("+18001234567").map(|e| e.sid);
        assert!(entry.as_deref().is_ok_and(|s| sid_of(s, "GN")), "{entry:?}");
    }
}
