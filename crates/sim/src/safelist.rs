//! The safe list (`/v1/SafeList/Numbers`): numbers and 1,000-number ranges the account protects, each with
//! a `GN` SID.

use serde_json::{Value, json};

/// Most entries one account keeps; adding more is refused so that memory stays bounded.
pub(crate) const MAX_SAFELIST: usize = 10_000;

/// One `accounts.v1.safelist` resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SafelistEntry {
    pub(crate) sid: String,
    pub(crate) phone_number: String,
}

impl SafelistEntry {
    pub(crate) fn to_json(&self) -> Value {
        json!({"phone_number": self.phone_number, "sid": self.sid})
    }
}

/// The account's safe list, in the order numbers were added.
#[derive(Debug, Default)]
pub(crate) struct Safelist(Vec<SafelistEntry>);

/// The safe list is full.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SafelistFull;

impl Safelist {
    /// Adds a number. A number already on the list keeps its entry and its SID (the notes do not say what
    /// Twilio answers to a duplicate; answering the existing entry makes a repeated add harmless), so
    /// `new_sid` is called only for a new number.
    pub(crate) fn add(
        &mut self,
        phone_number: &str,
        new_sid: impl FnOnce() -> String,
    ) -> Result<SafelistEntry, SafelistFull> {
        if let Some(existing) = self.get(phone_number) {
            return Ok(existing.clone());
        }
        if self.0.len() >= MAX_SAFELIST {
            return Err(SafelistFull);
        }
        let entry = SafelistEntry {
            sid: new_sid(),
            phone_number: phone_number.to_owned(),
        };
        self.0.push(entry.clone());
        Ok(entry)
    }

    pub(crate) fn get(&self, phone_number: &str) -> Option<&SafelistEntry> {
        self.0.iter().find(|e| e.phone_number == phone_number)
    }

    /// Removes a number; whether it was on the list.
    pub(crate) fn remove(&mut self, phone_number: &str) -> bool {
        let before = self.0.len();
        self.0.retain(|e| e.phone_number != phone_number);
        self.0.len() != before
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duplicate_keeps_the_first_entry_and_remove_forgets_it() {
        let mut list = Safelist::default();
        let first = list.add("+18001234567", || "GN1".to_owned());
        let again = list.add("+18001234567", || "GN2".to_owned());
        assert_eq!(first, again);
        assert_eq!(
            list.get("+18001234567").map(|e| e.sid.as_str()),
            Some("GN1")
        );
        assert!(list.remove("+18001234567"));
        assert!(!list.remove("+18001234567"));
        assert!(list.get("+18001234567").is_none());
    }
}
