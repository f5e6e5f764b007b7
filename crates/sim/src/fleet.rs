//! The accounts one simulator serves: the main account and its subaccounts, each with its own credentials
//! and its own Accounts v1 state, a status, and a count of its requests in flight.
//!
//! Twilio authenticates every request as one account (the SID and token in Basic auth) and acts on that
//! account: a subaccount's Accounts v1 calls rotate the subaccount's tokens, never its parent's. Only the
//! 2010 Accounts resource lets a parent reach its subaccounts, so the fleet is what those routes read.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use time::OffsetDateTime;

use crate::account::{Account, AccountStatus, ExistingSecondary, Stamp};

/// Mixed into the seed before subaccount seeds are drawn, so that subaccount 0 is not the main account.
const SUBACCOUNT_SEED_SALT: u64 = 0x5ab_acc0_u64;

/// One account of the fleet.
#[derive(Debug)]
pub(crate) struct Member {
    account: Mutex<Account>,
    /// The SID, copied out of the account (it never changes) so that lookups need no lock.
    pub(crate) sid: String,
    pub(crate) friendly_name: String,
    pub(crate) status: AccountStatus,
    /// When the account was created, for the 2010 `date_created` / `date_updated`.
    pub(crate) created: OffsetDateTime,
    in_flight: AtomicU32,
}

impl Member {
    pub(crate) fn account(&self) -> MutexGuard<'_, Account> {
        // A panic while holding the lock cannot leave the account half-updated (every operation is a
        // single assignment), so a poisoned lock is still safe to use.
        self.account
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes one of `limit` in-flight slots; `None` when all are taken (the request must not be processed).
    pub(crate) fn enter(&self, limit: Option<u32>) -> Option<InFlight<'_>> {
        let entered = self.in_flight.fetch_add(1, Ordering::AcqRel);
        let slot = InFlight(&self.in_flight);
        match limit {
            Some(limit) if entered >= limit => None, // `slot` is dropped: the count goes back down
            _ => Some(slot),
        }
    }
}

/// A request of one account in flight; dropping it frees its slot.
#[derive(Debug)]
pub(crate) struct InFlight<'a>(&'a AtomicU32);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The main account (index 0) and its subaccounts, in creation order.
#[derive(Debug)]
pub(crate) struct Fleet {
    members: Vec<Member>,
    by_sid: HashMap<String, usize>,
    /// Which account owns each API key (`SK…` → index), so that a request authenticated with a key finds
    /// its account. A hint only: the owner's own key store decides whether the key still authenticates.
    key_owners: Mutex<HashMap<String, usize>>,
}

/// What a fleet is made of besides its main account: how many subaccounts, how many of them are not
/// active, and how their SIDs and tokens are drawn.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Subaccounts {
    /// How many subaccounts.
    pub(crate) count: usize,
    /// How many of them are suspended (the first ones).
    pub(crate) suspended: usize,
    /// How many of them are closed (those after the suspended ones).
    pub(crate) closed: usize,
    /// Makes every subaccount's SID and token reproducible (the main account's seed).
    pub(crate) seed: Option<u64>,
    /// The policy every subaccount follows.
    pub(crate) existing_secondary: ExistingSecondary,
}

impl Fleet {
    /// `main` and the subaccounts `subaccounts` describes. The first `suspended` subaccounts are suspended,
    /// the `closed` after them closed, the rest active. With a seed, every SID and token is reproducible.
    pub(crate) fn new(
        main: Account,
        subaccounts: Subaccounts,
        now: &Stamp,
        created: OffsetDateTime,
    ) -> Self {
        let mut seeds = subaccounts
            .seed
            .map(|seed| StdRng::seed_from_u64(seed ^ SUBACCOUNT_SEED_SALT));
        let mut members = vec![Member::new(
            main,
            "Main account".to_owned(),
            AccountStatus::Active,
            created,
        )];
        for i in 0..subaccounts.count {
            let seed = seeds.as_mut().map(|rng| rng.random::<u64>());
            let account = Account::new(None, None, seed, subaccounts.existing_secondary, now);
            let status = if i < subaccounts.suspended {
                AccountStatus::Suspended
            } else if i < subaccounts.suspended.saturating_add(subaccounts.closed) {
                AccountStatus::Closed
            } else {
                AccountStatus::Active
            };
            members.push(Member::new(
                account,
                format!("Subaccount {}", i + 1),
                status,
                created,
            ));
        }
        let by_sid = members
            .iter()
            .enumerate()
            .map(|(i, m)| (m.sid.clone(), i))
            .collect();
        Fleet {
            members,
            by_sid,
            key_owners: Mutex::new(HashMap::new()),
        }
    }

    fn key_owners(&self) -> MutexGuard<'_, HashMap<String, usize>> {
        self.key_owners
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records that the account `owner_sid` owns the API key `key_sid`.
    pub(crate) fn note_key(&self, key_sid: &str, owner_sid: &str) {
        if let Some(&index) = self.by_sid.get(owner_sid) {
            self.key_owners().insert(key_sid.to_owned(), index);
        }
    }

    /// Forgets a deleted API key.
    pub(crate) fn forget_key(&self, key_sid: &str) {
        self.key_owners().remove(key_sid);
    }

    /// The account that owns the API key `key_sid`.
    pub(crate) fn key_owner(&self, key_sid: &str) -> Option<&Member> {
        let index = *self.key_owners().get(key_sid)?;
        self.members.get(index)
    }

    /// The main account.
    pub(crate) fn main(&self) -> &Member {
        // `new` always puts the main account first.
        &self.members[0]
    }

    /// Every account, the main one first.
    pub(crate) fn members(&self) -> &[Member] {
        &self.members
    }

    /// The account with this SID, and whether it is the main account.
    pub(crate) fn find(&self, sid: &str) -> Option<(&Member, bool)> {
        let index = *self.by_sid.get(sid)?;
        self.members.get(index).map(|m| (m, index == 0))
    }
}

impl Member {
    fn new(
        account: Account,
        friendly_name: String,
        status: AccountStatus,
        created: OffsetDateTime,
    ) -> Self {
        Member {
            sid: account.sid().to_owned(),
            account: Mutex::new(account),
            friendly_name,
            status,
            created,
            in_flight: AtomicU32::new(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn fleet(seed: Option<u64>) -> Fleet {
        let now = Stamp {
            mono: Instant::now(),
            wall: "2015-07-31T04:00:00Z".to_owned(),
        };
        let main = Account::new(None, None, seed, ExistingSecondary::Replace, &now);
        let subaccounts = Subaccounts {
            count: 3,
            suspended: 1,
            closed: 1,
            seed,
            existing_secondary: ExistingSecondary::Replace,
        };
        Fleet::new(main, subaccounts, &now, OffsetDateTime::UNIX_EPOCH)
    }

    #[test]
    fn a_seed_makes_every_account_reproducible_and_distinct() {
        let (a, b) = (fleet(Some(9)), fleet(Some(9)));
        let credentials = |f: &Fleet| {
            f.members()
                .iter()
                .map(|m| (m.sid.clone(), m.account().primary().to_owned()))
                .collect::<Vec<_>>()
        };
        assert_eq!(credentials(&a), credentials(&b));
        let mut sids: Vec<String> = credentials(&a).into_iter().map(|(s, _)| s).collect();
        sids.sort_unstable();
        sids.dedup();
        assert_eq!(sids.len(), 4);
        assert_ne!(credentials(&a), credentials(&fleet(Some(10))));
    }

    #[test]
    fn statuses_go_suspended_then_closed_then_active() {
        let f = fleet(None);
        let statuses: Vec<AccountStatus> = f.members().iter().map(|m| m.status).collect();
        assert_eq!(
            statuses,
            [
                AccountStatus::Active,
                AccountStatus::Suspended,
                AccountStatus::Closed,
                AccountStatus::Active
            ]
        );
        assert_eq!(f.find(&f.main().sid).map(|(_, main)| main), Some(true));
        assert_eq!(
            f.find(&f.members()[1].sid).map(|(_, main)| main),
            Some(false)
        );
        assert!(f.find("ACnope").is_none());
    }

    #[test]
    fn in_flight_slots_are_refused_beyond_the_limit_and_freed_on_drop() {
        let f = fleet(None);
        let main = f.main();
        let first = main.enter(Some(2));
        let second = main.enter(Some(2));
        assert!(first.is_some() && second.is_some());
        assert!(main.enter(Some(2)).is_none());
        drop(first);
        assert!(main.enter(Some(2)).is_some());
        assert!(main.enter(None).is_some());
    }
}
