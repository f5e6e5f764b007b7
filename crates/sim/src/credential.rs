//! The account's credentials: public keys (`/v1/Credentials/PublicKeys`) and AWS credentials
//! (`/v1/Credentials/AWS`). Both are `CR` resources with the same fields, so one store serves both kinds.
//!
//! What a response shows is kept: the SID, the friendly name and the dates. The AWS secret is checked for its
//! shape and then dropped, so the simulator has nothing secret to echo. A public key is not a secret: it is
//! kept (when it is an RSA 2048 / 65537 key) so that Public Key Client Validation can verify requests signed
//! with its private key, but no answer ever shows it.

use serde_json::{Value, json};

use crate::rsa_public_key::RsaPublicKey;

/// Most credentials of one kind an account keeps; creating more is refused so that memory stays bounded.
pub(crate) const MAX_CREDENTIALS: usize = 10_000;

/// Which of the two credential resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CredentialKind {
    PublicKey,
    Aws,
}

impl CredentialKind {
    /// The list path; an instance is this path, `/`, its SID.
    pub(crate) fn path(self) -> &'static str {
        match self {
            CredentialKind::PublicKey => "/v1/Credentials/PublicKeys",
            CredentialKind::Aws => "/v1/Credentials/AWS",
        }
    }
}

/// One `accounts.v1.credential.credential_public_key` or `…credential_aws` resource.
#[derive(Debug, Clone)]
pub(crate) struct Credential {
    pub(crate) sid: String,
    pub(crate) friendly_name: Option<String>,
    pub(crate) date_created: String,
    pub(crate) date_updated: String,
    /// A public key credential's key, when its `PublicKey` was an RSA 2048 / 65537 SubjectPublicKeyInfo
    /// PEM; `None` for any other material (kept as before, but it verifies nothing) and for AWS credentials.
    pub(crate) public_key: Option<RsaPublicKey>,
}

impl Credential {
    /// The resource as JSON, its `url` under `base_url`.
    pub(crate) fn to_json(&self, base_url: &str, account_sid: &str, kind: CredentialKind) -> Value {
        json!({
            "account_sid": account_sid,
            "date_created": self.date_created,
            "date_updated": self.date_updated,
            "friendly_name": self.friendly_name,
            "sid": self.sid,
            "url": format!("{base_url}{}/{}", kind.path(), self.sid),
        })
    }
}

/// The credentials of one kind, in creation order (the order lists page through).
#[derive(Debug, Default)]
pub(crate) struct CredentialStore(Vec<Credential>);

impl CredentialStore {
    /// Adds a credential; `None` when the store is full.
    pub(crate) fn insert(&mut self, credential: Credential) -> Option<Credential> {
        if self.0.len() >= MAX_CREDENTIALS {
            return None;
        }
        self.0.push(credential.clone());
        Some(credential)
    }

    pub(crate) fn get(&self, sid: &str) -> Option<&Credential> {
        self.0.iter().find(|c| c.sid == sid)
    }

    /// Renames a credential (a missing name keeps the old one) and stamps `date_updated`.
    pub(crate) fn update(
        &mut self,
        sid: &str,
        friendly_name: Option<String>,
        now: &str,
    ) -> Option<&Credential> {
        let credential = self.0.iter_mut().find(|c| c.sid == sid)?;
        if friendly_name.is_some() {
            credential.friendly_name = friendly_name;
        }
        now.clone_into(&mut credential.date_updated);
        Some(credential)
    }

    /// Removes a credential; whether it existed.
    pub(crate) fn remove(&mut self, sid: &str) -> bool {
        let before = self.0.len();
        self.0.retain(|c| c.sid != sid);
        self.0.len() != before
    }

    pub(crate) fn all(&self) -> &[Credential] {
        &self.0
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credential(sid: &str) -> Credential {
        Credential {
            sid: sid.to_owned(),
            friendly_name: Some("old".to_owned()),
            date_created: "2015-07-31T04:00:00Z".to_owned(),
            date_updated: "2015-07-31T04:00:00Z".to_owned(),
            public_key: None,
        }
    }

    #[test]
    fn update_renames_and_stamps_and_remove_forgets() {
        let mut store = CredentialStore::default();
        assert!(store.insert(credential("CR1")).is_some());
        let updated = store
            .update("CR1", Some("new".to_owned()), "2016-01-01T00:00:00Z")
            .cloned();
        assert_eq!(
            updated.map(|c| (c.friendly_name, c.date_created, c.date_updated)),
            Some((
                Some("new".to_owned()),
                "2015-07-31T04:00:00Z".to_owned(),
                "2016-01-01T00:00:00Z".to_owned()
            ))
        );
        assert!(store.update("CR2", None, "x").is_none());
        assert!(store.remove("CR1"));
        assert!(!store.remove("CR1"));
        assert!(store.get("CR1").is_none());
    }
}
