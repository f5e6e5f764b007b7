//! The tokens a running service accepts, changeable without a restart.
//!
//! A [`TokenSet`] is a handle: clones share one set, so the application keeps
//! one clone (to update after a rotation, for example from its secret store)
//! and gives another to the `WebhookLayer` (feature `tower`). A lookup
//! takes a read lock for as long as it takes to clone an `Arc`; an update
//! builds the new validators first and swaps them in, so a request is always
//! checked against one whole set, the old or the new.
//!
//! During a rotation, [`add`](TokenSet::add) the new token when it is
//! created and [`retire`](TokenSet::retire) the old one, by its
//! [`TokenFingerprint`], once it stops matching; the layer reports the
//! fingerprint of the token each request matched, which stays the same
//! whatever else is added or retired.
//!
//! A service that receives the webhooks of many subaccounts (each signs with
//! its own token) registers each account's tokens; a webhook whose
//! `AccountSid` has none registered, or that carries no `AccountSid`, is
//! checked against the fallback tokens.
//!
//! ```
//! use twilio_accounts_core::{AccountSid, AuthToken};
//! use twilio_accounts_webhook::{TokenFingerprint, TokenSet};
//!
//! let tokens = TokenSet::new([AuthToken::new("old-token")?])?;
//! let for_the_layer = tokens.clone();
//!
//! // A rotation is under way: accept both.
//! let new = tokens.add(AuthToken::new("new-token")?)?;
//! assert_eq!(for_the_layer.lookup(None).map(|l| l.validator.len()), Some(2));
//! // Twilio signs with the new token only: retire the old one.
//! tokens.retire(TokenFingerprint::of(&AuthToken::new("old-token")?))?;
//! let left = for_the_layer.lookup(None).map(|l| l.validator.fingerprints().collect());
//! assert_eq!(left, Some(vec![new]));
//!
//! // A subaccount that signs with its own token.
//! let sub: AccountSid = "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb".parse()?;
//! tokens.set_account(sub, [AuthToken::new("sub-token")?])?;
//! assert_eq!(for_the_layer.lookup(Some(&sub)).and_then(|l| l.account), Some(sub));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use twilio_accounts_core::{AccountSid, AuthToken};

use crate::fingerprint::TokenFingerprint;
use crate::signature::{WebhookError, WebhookValidator};

/// A shared, updatable set of tokens: fallback tokens, and tokens per account.
#[derive(Clone, Default)]
pub struct TokenSet {
    current: Arc<RwLock<Arc<Tokens>>>,
}

#[derive(Clone, Default)]
struct Tokens {
    fallback: Option<Arc<WebhookValidator>>,
    accounts: HashMap<AccountSid, Arc<WebhookValidator>>,
}

/// The validator a request is checked with, and whose it is.
#[derive(Debug, Clone)]
pub struct TokenLookup {
    /// The tokens, in the order they were given.
    pub validator: Arc<WebhookValidator>,
    /// The account whose own tokens these are; `None` for the fallback tokens.
    pub account: Option<AccountSid>,
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tokens = self.snapshot();
        f.debug_struct("TokenSet")
            .field("fallback", &tokens.fallback.as_ref().map(|v| v.len()))
            .field("accounts", &tokens.accounts.len())
            .finish_non_exhaustive()
    }
}

impl TokenSet {
    /// A set whose fallback tokens are `tokens`, in order (the index a
    /// request matched is a position in this order).
    pub fn new(tokens: impl IntoIterator<Item = AuthToken>) -> Result<Self, WebhookError> {
        let set = TokenSet::default();
        set.replace(tokens)?;
        Ok(set)
    }

    /// A set with no fallback tokens, for services that only register
    /// accounts with [`set_account`](Self::set_account).
    pub fn without_fallback() -> Self {
        TokenSet::default()
    }

    /// Replaces the fallback tokens. Every clone of this handle sees the new
    /// tokens from its next lookup on. On error nothing changes.
    pub fn replace(&self, tokens: impl IntoIterator<Item = AuthToken>) -> Result<(), WebhookError> {
        let validator = Arc::new(WebhookValidator::new(tokens)?);
        self.update(|tokens| {
            tokens.fallback = Some(validator);
            Ok(())
        })
    }

    /// Adds one token to the fallback tokens (the first one when there are
    /// none) and answers its fingerprint; adding a token held already
    /// changes nothing.
    pub fn add(&self, token: AuthToken) -> Result<TokenFingerprint, WebhookError> {
        self.update(|tokens| {
            tokens.fallback = Some(Arc::new(added(tokens.fallback.as_deref(), &token)?));
            Ok(TokenFingerprint::of(&token))
        })
    }

    /// Retires one fallback token. Refused, changing nothing, when no
    /// fallback token has this fingerprint or when it is the last one (use
    /// [`replace`](Self::replace) to change them all).
    pub fn retire(&self, fingerprint: TokenFingerprint) -> Result<(), WebhookError> {
        self.update(|tokens| {
            let current = tokens
                .fallback
                .as_deref()
                .ok_or(WebhookError::UnknownToken(fingerprint))?;
            tokens.fallback = Some(Arc::new(current.without_token(fingerprint)?));
            Ok(())
        })
    }

    /// Adds one token to an account's own tokens and answers its
    /// fingerprint. An account with no tokens of its own is registered with
    /// this one: from then on its webhooks are checked against its own
    /// tokens only, no longer the fallback.
    pub fn add_for_account(
        &self,
        account: AccountSid,
        token: AuthToken,
    ) -> Result<TokenFingerprint, WebhookError> {
        self.update(|tokens| {
            let next = added(tokens.accounts.get(&account).map(Arc::as_ref), &token)?;
            tokens.accounts.insert(account, Arc::new(next));
            Ok(TokenFingerprint::of(&token))
        })
    }

    /// Retires one of an account's own tokens; refused, changing nothing,
    /// as [`retire`](Self::retire) is. To let the account fall back to the
    /// fallback tokens, [`remove_account`](Self::remove_account).
    pub fn retire_for_account(
        &self,
        account: &AccountSid,
        fingerprint: TokenFingerprint,
    ) -> Result<(), WebhookError> {
        self.update(|tokens| {
            let current = tokens
                .accounts
                .get(account)
                .ok_or(WebhookError::UnknownToken(fingerprint))?;
            let next = current.without_token(fingerprint)?;
            tokens.accounts.insert(*account, Arc::new(next));
            Ok(())
        })
    }

    /// Sets the tokens of one account: its webhooks are checked against these
    /// only. On error nothing changes.
    pub fn set_account(
        &self,
        account: AccountSid,
        tokens: impl IntoIterator<Item = AuthToken>,
    ) -> Result<(), WebhookError> {
        let validator = Arc::new(WebhookValidator::new(tokens)?);
        self.update(|tokens| {
            tokens.accounts.insert(account, validator);
            Ok(())
        })
    }

    /// Forgets an account's own tokens: its webhooks fall back to the
    /// fallback tokens.
    pub fn remove_account(&self, account: &AccountSid) {
        // Cannot fail.
        let _ = self.update(|tokens| {
            tokens.accounts.remove(account);
            Ok(())
        });
    }

    /// The tokens for a webhook of `account` (or of no known account): the
    /// account's own if it has any, else the fallback; `None` when there are
    /// neither.
    pub fn lookup(&self, account: Option<&AccountSid>) -> Option<TokenLookup> {
        let tokens = self.snapshot();
        if let Some((sid, validator)) = account.and_then(|a| tokens.accounts.get_key_value(a)) {
            return Some(TokenLookup {
                validator: Arc::clone(validator),
                account: Some(*sid),
            });
        }
        tokens.fallback.as_ref().map(|validator| TokenLookup {
            validator: Arc::clone(validator),
            account: None,
        })
    }

    fn snapshot(&self) -> Arc<Tokens> {
        // A panic while holding the lock cannot leave a half-built set: the
        // value behind it is only ever swapped whole.
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Applies `change` to a copy and swaps it in, unless it fails: a
    /// failed change leaves the set as it was.
    fn update<T>(
        &self,
        change: impl FnOnce(&mut Tokens) -> Result<T, WebhookError>,
    ) -> Result<T, WebhookError> {
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        let mut next = Tokens::clone(&current);
        let answer = change(&mut next)?;
        *current = Arc::new(next);
        Ok(answer)
    }
}

/// `current` with `token` added, or a validator of `token` alone.
fn added(
    current: Option<&WebhookValidator>,
    token: &AuthToken,
) -> Result<WebhookValidator, WebhookError> {
    match current {
        Some(validator) => validator.with_token(token),
        None => WebhookValidator::new([token.clone()]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(value: &str) -> AuthToken {
        AuthToken::new(value).unwrap()
    }

    fn sid(letter: char) -> AccountSid {
        format!("AC{}", letter.to_string().repeat(32))
            .parse()
            .unwrap()
    }

    #[test]
    fn clones_see_every_update() {
        let set = TokenSet::new([token("a")]).unwrap();
        let clone = set.clone();
        set.replace([token("a"), token("b"), token("c")]).unwrap();
        assert_eq!(clone.lookup(None).unwrap().validator.len(), 3);
    }

    #[test]
    fn a_failed_update_changes_nothing() {
        let set = TokenSet::new([token("a")]).unwrap();
        assert_eq!(set.replace(Vec::new()), Err(WebhookError::NoTokens));
        assert_eq!(set.lookup(None).unwrap().validator.len(), 1);
    }

    #[test]
    fn accounts_use_their_own_tokens_and_others_the_fallback() {
        let set = TokenSet::new([token("main")]).unwrap();
        set.set_account(sid('b'), [token("b1"), token("b2")])
            .unwrap();
        let own = set.lookup(Some(&sid('b'))).unwrap();
        assert_eq!((own.account, own.validator.len()), (Some(sid('b')), 2));
        let other = set.lookup(Some(&sid('c'))).unwrap();
        assert_eq!((other.account, other.validator.len()), (None, 1));
        set.remove_account(&sid('b'));
        assert_eq!(set.lookup(Some(&sid('b'))).unwrap().account, None);
    }

    #[test]
    fn without_fallback_only_registered_accounts_have_tokens() {
        let set = TokenSet::without_fallback();
        assert!(set.lookup(None).is_none());
        set.set_account(sid('b'), [token("b1")]).unwrap();
        assert!(set.lookup(Some(&sid('b'))).is_some());
        assert!(set.lookup(Some(&sid('c'))).is_none());
    }

    #[test]
    fn one_token_is_added_and_retired_by_fingerprint() {
        let set = TokenSet::without_fallback();
        let a = set.add(token("a")).unwrap();
        let b = set.add(token("b")).unwrap();
        let held = || {
            set.lookup(None)
                .unwrap()
                .validator
                .fingerprints()
                .collect::<Vec<_>>()
        };
        assert_eq!(held(), [a, b]);
        set.retire(a).unwrap();
        assert_eq!(held(), [b]);
        // Refused, changing nothing: unknown, or the last one.
        assert_eq!(set.retire(a), Err(WebhookError::UnknownToken(a)));
        assert_eq!(set.retire(b), Err(WebhookError::NoTokens));
        assert_eq!(held(), [b]);
    }

    #[test]
    fn one_token_of_an_account_is_added_and_retired_by_fingerprint() {
        let set = TokenSet::new([token("main")]).unwrap();
        let b1 = set.add_for_account(sid('b'), token("b1")).unwrap();
        let b2 = set.add_for_account(sid('b'), token("b2")).unwrap();
        let held = |account| {
            let lookup = set.lookup(Some(&account)).unwrap();
            (
                lookup.account,
                lookup.validator.fingerprints().collect::<Vec<_>>(),
            )
        };
        assert_eq!(held(sid('b')), (Some(sid('b')), vec![b1, b2]));
        set.retire_for_account(&sid('b'), b1).unwrap();
        assert_eq!(held(sid('b')), (Some(sid('b')), vec![b2]));
        assert_eq!(
            set.retire_for_account(&sid('c'), b2),
            Err(WebhookError::UnknownToken(b2))
        );
        assert_eq!(
            set.retire_for_account(&sid('b'), b2),
            Err(WebhookError::NoTokens)
        );
        // The fallback is untouched.
        assert_eq!(held(sid('c')).1, [TokenFingerprint::of(&token("main"))]);
    }

    #[test]
    fn debug_shows_counts_not_tokens() {
        let set = TokenSet::new([token("s3cr3t-value")]).unwrap();
        let shown = format!("{set:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("fallback: Some(1)"), "{shown}");
    }
}
