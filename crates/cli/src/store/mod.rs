//! Secret stores a new credential can be delivered into with `--sink`:
//! Vault / OpenBao KV version 2 (`vault:MOUNT/PATH[#FIELD]`, see [`vault`])
//! and, with the default-on `aws` feature, AWS Secrets Manager
//! (`aws-sm:SECRET_ID[#JSON_KEY]`, see `aws`).
//!
//! A store is written so that it cannot lose or double a credential:
//! - **Vault**: check-and-set against the version read when the rotation
//!   started (or resumed), keeping the secret's other fields; a concurrent
//!   change makes the delivery fail instead of overwriting. A resumed
//!   delivery whose latest version already holds exactly the token writes
//!   nothing (the journal keeps no Vault version: the store itself says
//!   whether the write happened).
//! - **AWS**: `PutSecretValue` staged `AWSPENDING` with a
//!   `ClientRequestToken` derived from the account and the new token's
//!   fingerprint (a retried or resumed delivery of the same token is a
//!   no-op), then, once the new token was checked and before the promote,
//!   `AWSCURRENT` is moved to it ([`Store::commit`]).
//!
//! `{account_sid}` in a location is replaced by the account's SID (the
//! fleet's template, `vault:secret/twilio/{account_sid}`). Nothing here
//! logs or returns a secret: errors carry the store's status and its error
//! messages, never a response body that could hold a value.

#[cfg(feature = "aws")]
pub mod aws;
pub mod vault;

use std::fmt;

use twilio_accounts_core::{AccountSid, AuthToken};
use twilio_accounts_rotation::TokenFingerprint;

/// The field an Auth Token is written to when `#FIELD` is not given.
pub const AUTH_TOKEN_FIELD: &str = "auth_token";

/// The (field, value) pairs a store writes for a credential of `fields`
/// (the first of them its secret): with `#FIELD` (`given`), the secret
/// alone under that name; else every field under its own name.
pub fn stored_fields<'a>(
    given: Option<&'a str>,
    fields: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    match (given, fields.first()) {
        (Some(name), Some((_, secret))) => vec![(name, *secret)],
        _ => fields.to_vec(),
    }
}

/// Which kind of store a `--sink` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    Vault,
    #[cfg(feature = "aws")]
    AwsSecretsManager,
}

/// A `--sink STORE:LOCATION[#FIELD]` as typed, before the store's settings
/// are read from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreSpec {
    pub kind: StoreKind,
    /// `MOUNT/PATH` for Vault, the secret id for AWS; may hold `{account_sid}`.
    pub location: String,
    /// `#FIELD` (Vault) or `#JSON_KEY` (AWS).
    pub field: Option<String>,
}

/// The placeholder a fleet's `--sink` replaces with each account's SID.
pub const ACCOUNT_PLACEHOLDER: &str = "{account_sid}";

impl StoreSpec {
    /// Reads `vault:MOUNT/PATH[#FIELD]` or `aws-sm:SECRET_ID[#JSON_KEY]`
    /// (clap's value parser for `--sink`).
    pub fn parse(text: &str) -> Result<StoreSpec, String> {
        let (scheme, rest) = text.split_once(':').ok_or_else(|| {
            format!("`{text}` names no store: use vault:MOUNT/PATH[#FIELD] or aws-sm:SECRET_ID[#JSON_KEY]")
        })?;
        let (location, field) = match rest.split_once('#') {
            Some((location, field)) => (location, Some(field)),
            None => (rest, None),
        };
        if let Some(field) = field
            && (field.is_empty() || field.chars().any(|c| c.is_control()))
        {
            return Err(format!(
                "`#{field}`: a field name must be non-empty and printable"
            ));
        }
        let kind = match scheme {
            "vault" => {
                vault::check_location(location)?;
                StoreKind::Vault
            }
            #[cfg(feature = "aws")]
            "aws-sm" => {
                aws::check_secret_id(location)?;
                StoreKind::AwsSecretsManager
            }
            #[cfg(not(feature = "aws"))]
            "aws-sm" => {
                return Err(
                    "this twilio-accounts was built without its `aws` feature: aws-sm sinks need it (cargo install twilio-accounts-cli with default features)".into(),
                );
            }
            other => {
                return Err(format!(
                    "unknown store `{other}`: use vault:MOUNT/PATH[#FIELD] or aws-sm:SECRET_ID[#JSON_KEY]"
                ));
            }
        };
        Ok(StoreSpec {
            kind,
            location: location.to_owned(),
            field: field.map(str::to_owned),
        })
    }

    /// The spec as typed, for advice that repeats it.
    pub fn to_arg(&self) -> String {
        let scheme = match self.kind {
            StoreKind::Vault => "vault",
            #[cfg(feature = "aws")]
            StoreKind::AwsSecretsManager => "aws-sm",
        };
        match &self.field {
            Some(field) => format!("{scheme}:{}#{field}", self.location),
            None => format!("{scheme}:{}", self.location),
        }
    }

    /// Whether the location has `{account_sid}` (a fleet needs one per
    /// account, or every account would write the same secret).
    pub fn is_template(&self) -> bool {
        self.location.contains(ACCOUNT_PLACEHOLDER)
    }
}

/// Why a store did not take (or confirm) a credential. The message never
/// holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreError {
    /// The store could not be reached, timed out or answered with a server
    /// error: try again once it is back.
    Unavailable(String),
    /// The store answered and refused: a concurrent change (check-and-set),
    /// no permission, no such mount.
    Refused(String),
    /// Its settings are missing or wrong (no `VAULT_TOKEN`, an unreadable
    /// `VAULT_CACERT`): nothing was sent.
    Settings(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Unavailable(m) | StoreError::Refused(m) | StoreError::Settings(m) => {
                f.write_str(m)
            }
        }
    }
}

/// A store, its settings read from the environment.
#[derive(Debug, Clone)]
pub enum Store {
    Vault(vault::Vault),
    #[cfg(feature = "aws")]
    Aws(aws::SecretsManager),
}

impl Store {
    /// Reads the store's settings (`VAULT_*`; AWS's own discovery) for
    /// `spec`. Sends nothing.
    pub fn connect(spec: &StoreSpec) -> Result<Store, StoreError> {
        match spec.kind {
            StoreKind::Vault => Ok(Store::Vault(vault::Vault::from_env(spec)?)),
            #[cfg(feature = "aws")]
            StoreKind::AwsSecretsManager => Ok(Store::Aws(aws::SecretsManager::from_env(spec)?)),
        }
    }

    /// This store for `account`: `{account_sid}` replaced.
    pub fn for_account(&self, account: &AccountSid) -> Store {
        match self {
            Store::Vault(v) => Store::Vault(v.for_account(account)),
            #[cfg(feature = "aws")]
            Store::Aws(a) => Store::Aws(a.for_account(account)),
        }
    }

    /// This store holding a credential of the fields `names` (the first
    /// its secret; an Auth Token's is [`AUTH_TOKEN_FIELD`] alone), written
    /// with [`Store::deliver_fields`].
    pub fn holding(&self, names: &'static [&'static str]) -> Store {
        match self {
            Store::Vault(v) => Store::Vault(v.holding(names)),
            #[cfg(feature = "aws")]
            Store::Aws(a) => Store::Aws(a.holding(names)),
        }
    }

    /// Writes a credential given as (field, value) pairs, the first its
    /// secret, named as [`Store::holding`] said (Vault: each a field, or
    /// the secret alone in `#FIELD`; AWS: each a key of a JSON secret, or
    /// the secret alone in `#JSON_KEY`), keeping the secret's other fields.
    /// `version` names this credential for good (32 to 64 characters, no
    /// secret; `pkcv-CR…`): AWS's `ClientRequestToken`, so that a resumed
    /// delivery writes nothing; Vault instead finds the fields written.
    pub fn deliver_fields(&self, fields: &[(&str, &str)], version: &str) -> Result<(), StoreError> {
        match self {
            Store::Vault(v) => {
                let _ = version;
                v.deliver_fields(fields)
            }
            #[cfg(feature = "aws")]
            Store::Aws(a) => a.deliver_fields(fields, version),
        }
    }

    /// Once the credential delivered as `version` was checked to work and
    /// before the one it replaces is revoked: makes it the one applications
    /// read (AWS: `AWSCURRENT`; Vault: nothing to do). Idempotent.
    pub fn commit_version(&self, version: &str) -> Result<(), StoreError> {
        match self {
            Store::Vault(_) => {
                let _ = version;
                Ok(())
            }
            #[cfg(feature = "aws")]
            Store::Aws(a) => a.commit_version(version),
        }
    }

    /// Where the token goes, for reports (no secret).
    pub fn describe(&self) -> String {
        match self {
            Store::Vault(v) => v.describe(),
            #[cfg(feature = "aws")]
            Store::Aws(a) => a.describe(),
        }
    }

    /// Before anything changes at Twilio (and when a rotation resumes):
    /// reads what the store holds now, the version a check-and-set write is
    /// made against. A store that cannot be read stops the rotation here.
    pub fn begin(&self) -> Result<(), StoreError> {
        match self {
            Store::Vault(v) => v.begin(),
            #[cfg(feature = "aws")]
            Store::Aws(a) => a.begin(),
        }
    }

    /// Writes `token`. `own` is the fingerprint of this rotation's earlier
    /// token (a resumed rotation that made a new one): a store holding it
    /// may be written over although it changed since [`Store::begin`].
    pub fn deliver(
        &self,
        token: &AuthToken,
        own: Option<TokenFingerprint>,
    ) -> Result<(), StoreError> {
        match self {
            Store::Vault(v) => v.deliver(token, own),
            #[cfg(feature = "aws")]
            Store::Aws(a) => a.deliver(token),
        }
    }

    /// Right before the promote: the store still holds `token` where the
    /// applications read it.
    pub fn confirm(&self, token: &AuthToken) -> Result<(), StoreError> {
        match self {
            Store::Vault(v) => v.confirm(token),
            #[cfg(feature = "aws")]
            Store::Aws(a) => a.confirm(token),
        }
    }

    /// `rotate --abandon`, before the secondary is deleted: puts back what
    /// the store held before this rotation (fingerprint `own`) delivered
    /// into it, so that applications go back to the token that stays.
    /// Whether it changed anything.
    pub fn withdraw(&self, own: TokenFingerprint) -> Result<bool, StoreError> {
        match self {
            Store::Vault(v) => v.withdraw(own),
            #[cfg(feature = "aws")]
            Store::Aws(a) => a.withdraw(own),
        }
    }

    /// `--abandon` of a credential delivered with [`Store::deliver_fields`]
    /// as `version`, before it is revoked: puts back what the store held
    /// before (Vault: when the latest version's field `marker.0` is
    /// `marker.1`, the credential's SID; AWS: `AWSCURRENT` back from
    /// `version`). Whether it changed anything.
    pub fn withdraw_fields(&self, marker: (&str, &str), version: &str) -> Result<bool, StoreError> {
        match self {
            Store::Vault(v) => {
                let _ = version;
                v.withdraw_fields(marker.0, marker.1)
            }
            #[cfg(feature = "aws")]
            Store::Aws(a) => {
                let _ = marker;
                a.withdraw_version(version)
            }
        }
    }

    /// Once the new token was checked, before the go-ahead: makes it the
    /// one applications read (AWS: `AWSCURRENT`). Vault's latest version is
    /// read already: nothing to do. Idempotent.
    pub fn commit(&self, token: &AuthToken) -> Result<(), StoreError> {
        match self {
            Store::Vault(_) => {
                let _ = token;
                Ok(())
            }
            #[cfg(feature = "aws")]
            Store::Aws(a) => a.commit(token),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sink_spec_names_its_store_location_and_field() {
        let spec = StoreSpec::parse("vault:secret/twilio/{account_sid}#token").unwrap();
        assert_eq!(spec.kind, StoreKind::Vault);
        assert_eq!(spec.location, "secret/twilio/{account_sid}");
        assert_eq!(spec.field.as_deref(), Some("token"));
        assert!(spec.is_template());
        assert_eq!(spec.to_arg(), "vault:secret/twilio/{account_sid}#token");
        for bad in [
            "secret/twilio",
            "vault:",
            "vault:secret",
            "vault:secret/",
            "vault:secret/../x",
            "vault:secret/a#",
            "s3:bucket/x",
        ] {
            assert!(StoreSpec::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_field_given_takes_the_secret_alone_else_every_field_keeps_its_name() {
        let fields = [("private_key", "PEM"), ("credential_sid", "CR1")];
        assert_eq!(stored_fields(None, &fields), fields);
        assert_eq!(stored_fields(Some("key"), &fields), [("key", "PEM")]);
    }
}
