//! API keys and signing keys as an account keeps them: `SK` SIDs, their secrets, their kind and, for a
//! restricted key, its policy.
//!
//! Plain data with no clock and no I/O: the handlers in `keys.rs` read and write it under the account's lock.
//! API keys (Main, Standard, Restricted; the 2010 `Keys` and the IAM v1 `Keys` resources are two views of
//! this one set) authenticate as HTTP Basic `SK…:secret`; signing keys are a separate set that authenticates
//! nothing in the simulator.

use std::fmt;
use subtle::ConstantTimeEq as _;

use rand::Rng;
use rand::distr::Alphanumeric;
use rand::rngs::StdRng;
use serde_json::Value;

/// Most entries a restricted key's policy holds, `allow` and `deny` together (Twilio's published limit).
pub(crate) const MAX_POLICY_PERMISSIONS: usize = 100;

/// Most keys of one set an account keeps when no `--max-keys` is given, so that memory stays bounded.
pub(crate) const MAX_KEYS_BOUND: usize = 10_000;

/// What a key may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// Everything the Auth Token may do; made only at start (`--main-api-key`), never through the API.
    Main,
    /// Everything but the Auth Token calls, the 2010 Accounts resource and the Keys resources.
    Standard,
    /// Only what its policy allows.
    Restricted(Policy),
}

/// A restricted key's policy: permission names (`/twilio/iam/api-keys/read`, …) allowed and denied; a denial
/// beats an allowance.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Policy {
    allow: Vec<String>,
    deny: Vec<String>,
}

/// Why a `Policy` parameter was refused (the message of a 400 / 20001).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadPolicy(pub(crate) &'static str);

impl Policy {
    /// Reads the form value `{"allow":["/twilio/…"],"deny":["/twilio/…"]}`: an object with only these two
    /// members, each an array of permission names (a `/` followed by 1 to 255 visible ASCII characters);
    /// `allow` present and not empty; at most [`MAX_POLICY_PERMISSIONS`] names in all.
    pub(crate) fn parse(text: &str) -> Result<Policy, BadPolicy> {
        let value: Value =
            serde_json::from_str(text).map_err(|_| BadPolicy("Policy must be a JSON object"))?;
        let Value::Object(object) = value else {
            return Err(BadPolicy("Policy must be a JSON object"));
        };
        let mut policy = Policy::default();
        for (name, list) in object {
            let target = match name.as_str() {
                "allow" => &mut policy.allow,
                "deny" => &mut policy.deny,
                _ => return Err(BadPolicy("Policy may only have allow and deny")),
            };
            let Value::Array(items) = list else {
                return Err(BadPolicy("Policy allow and deny must be arrays"));
            };
            for item in items {
                match item {
                    Value::String(p) if is_permission_name(&p) => target.push(p),
                    _ => {
                        return Err(BadPolicy(
                            "Policy permissions must be names such as /twilio/iam/api-keys/read",
                        ));
                    }
                }
            }
        }
        if policy.allow.is_empty() {
            return Err(BadPolicy("Policy must allow at least one permission"));
        }
        if policy.allow.len().saturating_add(policy.deny.len()) > MAX_POLICY_PERMISSIONS {
            return Err(BadPolicy("Policy may hold at most 100 permissions"));
        }
        Ok(policy)
    }

    /// Whether `permission` is allowed and not denied.
    pub(crate) fn permits(&self, permission: &str) -> bool {
        self.allow.iter().any(|p| p == permission) && !self.deny.iter().any(|p| p == permission)
    }

    /// The policy as the IAM v1 answers show it (the spec's example): `{"allow": […]}`, and `"deny": […]`
    /// when it denies anything.
    pub(crate) fn to_json(&self) -> Value {
        let mut policy = serde_json::json!({ "allow": self.allow });
        if !self.deny.is_empty() {
            policy["deny"] = serde_json::json!(self.deny);
        }
        policy
    }
}

fn is_permission_name(name: &str) -> bool {
    name.starts_with('/')
        && (2..=256).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_graphic())
}

/// One API key or signing key.
#[derive(Clone)]
pub(crate) struct ApiKey {
    pub(crate) sid: String,
    secret: String,
    pub(crate) friendly_name: Option<String>,
    pub(crate) kind: KeyKind,
    /// ISO 8601 (the `Stamp` form); the answers write RFC 2822.
    pub(crate) date_created: String,
    pub(crate) date_updated: String,
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKey")
            .field("sid", &self.sid)
            .field("secret", &"[redacted]")
            .field("friendly_name", &self.friendly_name)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// A key as its create answer shows it: the only time its secret leaves the simulator.
pub(crate) struct NewKey {
    pub(crate) key: ApiKey,
    pub(crate) secret: String,
}

impl fmt::Debug for NewKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewKey")
            .field("key", &self.key)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// Which of an account's two sets of keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeySet {
    /// API keys: the 2010 `Keys` and the IAM v1 `Keys` resources.
    Api,
    /// The 2010 `SigningKeys` resource.
    Signing,
}

/// A create refused because the set already holds the limit (70151).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct TooManyKeys;

/// An account's keys, each set in creation order (the order lists page through).
#[derive(Debug, Default)]
pub(crate) struct KeyStore {
    api: Vec<ApiKey>,
    signing: Vec<ApiKey>,
}

impl KeyStore {
    pub(crate) fn list(&self, set: KeySet) -> &[ApiKey] {
        match set {
            KeySet::Api => &self.api,
            KeySet::Signing => &self.signing,
        }
    }

    fn list_mut(&mut self, set: KeySet) -> &mut Vec<ApiKey> {
        match set {
            KeySet::Api => &mut self.api,
            KeySet::Signing => &mut self.signing,
        }
    }

    /// A new key with a fresh `SK` SID and secret; refused when the set already holds `max` keys.
    pub(crate) fn create(
        &mut self,
        set: KeySet,
        kind: KeyKind,
        friendly_name: Option<String>,
        max: Option<usize>,
        now: &str,
        rng: &mut StdRng,
    ) -> Result<NewKey, TooManyKeys> {
        let limit = max.unwrap_or(MAX_KEYS_BOUND).min(MAX_KEYS_BOUND);
        if self.list(set).len() >= limit {
            return Err(TooManyKeys);
        }
        let secret: String = (0..32)
            .map(|_| char::from(rng.sample(Alphanumeric)))
            .collect();
        let key = ApiKey {
            sid: format!("SK{:032x}", rng.random::<u128>()),
            secret: secret.clone(),
            friendly_name,
            kind,
            date_created: now.to_owned(),
            date_updated: now.to_owned(),
        };
        self.list_mut(set).push(key.clone());
        Ok(NewKey { key, secret })
    }

    pub(crate) fn get(&self, set: KeySet, sid: &str) -> Option<&ApiKey> {
        self.list(set).iter().find(|k| k.sid == sid)
    }

    pub(crate) fn get_mut(&mut self, set: KeySet, sid: &str) -> Option<&mut ApiKey> {
        self.list_mut(set).iter_mut().find(|k| k.sid == sid)
    }

    /// Removes a key; it stops authenticating at once. `false` when there was none.
    pub(crate) fn delete(&mut self, set: KeySet, sid: &str) -> bool {
        let keys = self.list_mut(set);
        let before = keys.len();
        keys.retain(|k| k.sid != sid);
        keys.len() != before
    }

    /// The kind of the API key `sid` when `secret` is its secret (signing keys authenticate nothing).
    pub(crate) fn authenticate(&self, sid: &str, secret: &str) -> Option<KeyKind> {
        let key = self.get(KeySet::Api, sid)?;
        bool::from(secret.as_bytes().ct_eq(key.secret.as_bytes())).then(|| key.kind.clone())
    }
}

/// What a request authenticated with. What each may call is the permission table's
/// (`permission.rs`) to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Principal {
    /// The account's primary or secondary Auth Token.
    AuthToken,
    /// One of the account's API keys.
    Key(KeyKind),
}

impl Principal {
    /// Whether the caller stands for its whole account (Auth Token or Main key): what a parent needs to
    /// reach a subaccount's keys through the 2010 API.
    pub(crate) fn is_owner(&self) -> bool {
        matches!(self, Principal::AuthToken | Principal::Key(KeyKind::Main))
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn policies_are_read_strictly_and_deny_beats_allow() {
        let policy = Policy::parse(r#"{"allow":["/a/read","/a/write"],"deny":["/a/write"]}"#);
        assert!(policy.as_ref().is_ok_and(|p| p.permits("/a/read")));
        assert!(policy.as_ref().is_ok_and(|p| !p.permits("/a/write")));
        assert!(policy.as_ref().is_ok_and(|p| !p.permits("/b/read")));
        let too_many: Vec<String> = (0..101).map(|i| format!("\"/p/{i}\"")).collect();
        for bad in [
            "",
            "[]",
            "{}",
            r#"{"allow":[]}"#,
            r#"{"allow":"/a"}"#,
            r#"{"allow":[1]}"#,
            r#"{"allow":["a/read"]}"#,
            r#"{"allow":["/a"],"other":[]}"#,
            &format!(r#"{{"allow":[{}]}}"#, too_many.join(",")),
        ] {
            assert!(Policy::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_key_authenticates_with_its_secret_until_deleted_and_the_limit_holds() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut store = KeyStore::default();
        let new = store.create(KeySet::Api, KeyKind::Standard, None, Some(1), "t", &mut rng);
        let Ok(NewKey { key, secret }) = new else {
            panic!("created")
        };
        assert!(key.sid.len() == 34 && key.sid.starts_with("SK"));
        assert_eq!(secret.len(), 32);
        let shown = format!("{key:?}");
        assert!(
            !shown.contains(&secret) && shown.contains("[redacted]"),
            "{shown}"
        );
        assert_eq!(
            store.authenticate(&key.sid, &secret),
            Some(KeyKind::Standard)
        );
        assert_eq!(store.authenticate(&key.sid, "wrong"), None);
        let again = store.create(KeySet::Api, KeyKind::Standard, None, Some(1), "t", &mut rng);
        assert_eq!(again.map(|_| ()), Err(TooManyKeys));
        let signing = store.create(
            KeySet::Signing,
            KeyKind::Standard,
            None,
            Some(1),
            "t",
            &mut rng,
        );
        assert!(signing.is_ok(), "signing keys are counted apart");
        assert!(store.delete(KeySet::Api, &key.sid));
        assert_eq!(store.authenticate(&key.sid, &secret), None);
        assert!(!store.delete(KeySet::Api, &key.sid));
    }
}
