//! What the operations see of a running simulator: its accounts, the base URL its answers link to, and the
//! count of notification e-mails they would have sent.
//!
//! The handlers of the route table get this and nothing else of the server's state (faults, counters and
//! connection limits belong to the service around them), so the operations never depend on the service.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::fleet::Fleet;

/// The state every operation handler receives.
#[derive(Debug)]
pub(crate) struct World {
    /// The main account and its subaccounts.
    pub(crate) fleet: Fleet,
    /// `http://127.0.0.1:PORT` (or `https://…`), for the absolute `url` fields of Accounts v1 answers.
    pub(crate) base_url: String,
    /// Token changes that would have e-mailed the account's owners.
    pub(crate) notification_emails: AtomicU64,
    /// How the Keys resources behave.
    pub(crate) keys: KeySettings,
}

/// The Keys resources' settings (`SimConfig::max_keys`, `SimConfig::refuse_2010_key_create`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct KeySettings {
    /// Most API keys (Main included) per account, and separately most signing keys.
    pub(crate) max_keys: Option<usize>,
    /// The 2010 create of `Keys` answers 401 / 20003 "Policy evaluation failed".
    pub(crate) refuse_2010_key_create: bool,
    /// A public key credential is refused while the account has one (`SimConfig::single_public_key`).
    pub(crate) single_public_key: bool,
}

impl World {
    pub(crate) fn new(fleet: Fleet, base_url: String, keys: KeySettings) -> Self {
        World {
            fleet,
            base_url,
            notification_emails: AtomicU64::new(0),
            keys,
        }
    }

    /// Counts a token change's notification e-mail, unless the request suppressed it.
    pub(crate) fn note_email(&self, suppressed: bool) {
        if !suppressed {
            self.notification_emails.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// How many notification e-mails token changes would have sent so far.
    pub(crate) fn notification_emails(&self) -> u64 {
        self.notification_emails.load(Ordering::Relaxed)
    }
}
