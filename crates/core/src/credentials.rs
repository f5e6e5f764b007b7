//! Who is asking: an account SID with its Auth Token, or an API key.
//!
//! Accounts v1 authenticates with HTTP Basic only. The user name is the
//! account SID (or the API key SID) and the password the Auth Token (or the
//! key's secret). Only the account's own Auth Token or a *Main* API key may
//! manage Auth Tokens; a Standard key gets error 20003.
//!
//! The core reads no environment. [`Credentials::from_env`] takes the lookup
//! as an argument, so an application passes `|name| std::env::var(name).ok()`
//! and a test passes a map.
//!
//! ```
//! use std::collections::HashMap;
//! use twilio_accounts_core::{Credentials, CredentialsInput};
//!
//! let env = HashMap::from([
//!     ("TWILIO_ACCOUNT_SID", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
//!     ("TWILIO_AUTH_TOKEN", "0123456789abcdef0123456789abcdef"),
//! ]);
//! let credentials = Credentials::from_env(CredentialsInput::default(), |name| {
//!     env.get(name).map(|value| value.to_string())
//! })?;
//! assert_eq!(credentials.account_sid().as_str(), "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
//! assert!(!format!("{credentials:?}").contains("0123456789abcdef"));
//! # Ok::<(), twilio_accounts_core::CredentialsError>(())
//! ```

use base64::Engine as _;
use http::HeaderValue;
use zeroize::Zeroizing;

use crate::secret::{ApiKeySecret, AuthToken, SecretError};
use crate::sid::{AccountSid, ApiKeySid, SidError};

/// The environment variable for the account SID.
pub const ENV_ACCOUNT_SID: &str = "TWILIO_ACCOUNT_SID";
/// The environment variable for the Auth Token.
pub const ENV_AUTH_TOKEN: &str = "TWILIO_AUTH_TOKEN";
/// The environment variable for an API key SID (`SK…`).
pub const ENV_API_KEY: &str = "TWILIO_API_KEY";
/// The environment variable for an API key's secret.
pub const ENV_API_SECRET: &str = "TWILIO_API_SECRET";

/// The credentials a request is authenticated with.
///
/// `Debug` shows the SIDs and redacts the secrets.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// The account SID and one of its Auth Tokens (primary or secondary).
    AuthToken {
        /// The account, and the Basic-auth user name.
        account_sid: AccountSid,
        /// The Basic-auth password.
        auth_token: AuthToken,
    },
    /// An API key acting for an account. Only Main keys may manage Auth Tokens.
    ApiKey {
        /// The account the key belongs to.
        account_sid: AccountSid,
        /// The Basic-auth user name.
        key_sid: ApiKeySid,
        /// The Basic-auth password.
        secret: ApiKeySecret,
    },
}

/// Values given explicitly (flags, configuration); each wins over its
/// environment variable. Strings are checked by [`Credentials::from_env`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CredentialsInput {
    /// Overrides `TWILIO_ACCOUNT_SID`.
    pub account_sid: Option<String>,
    /// Overrides `TWILIO_AUTH_TOKEN`.
    pub auth_token: Option<Zeroizing<String>>,
    /// Overrides `TWILIO_API_KEY`.
    pub api_key: Option<String>,
    /// Overrides `TWILIO_API_SECRET`.
    pub api_secret: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for CredentialsInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redact = |set: bool| {
            if set {
                Some(crate::secret::REDACTED)
            } else {
                None
            }
        };
        f.debug_struct("CredentialsInput")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &redact(self.auth_token.is_some()))
            .field("api_key", &self.api_key)
            .field("api_secret", &redact(self.api_secret.is_some()))
            .finish()
    }
}

/// Why credentials could not be assembled. Names the variable or setting to
/// fix; never contains a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// A required value was given neither explicitly nor in the environment.
    #[error("{variable} is not set: set it, or pass the {what} explicitly")]
    Missing {
        /// The environment variable that would have supplied it.
        variable: &'static str,
        /// What the value is, e.g. "Auth Token".
        what: &'static str,
    },
    /// A SID was present but malformed.
    #[error("{variable}: {source}")]
    InvalidSid {
        /// Where the value came from (the variable name, also for explicit values).
        variable: &'static str,
        /// What was wrong.
        source: SidError,
    },
    /// A secret was present but malformed.
    #[error("{variable}: {source}")]
    InvalidSecret {
        /// Where the value came from (the variable name, also for explicit values).
        variable: &'static str,
        /// What was wrong.
        source: SecretError,
    },
}

impl Credentials {
    /// Credentials from an account SID and an Auth Token.
    pub fn auth_token(account_sid: AccountSid, auth_token: AuthToken) -> Self {
        Credentials::AuthToken {
            account_sid,
            auth_token,
        }
    }

    /// Credentials from an API key acting for `account_sid`.
    pub fn api_key(account_sid: AccountSid, key_sid: ApiKeySid, secret: ApiKeySecret) -> Self {
        Credentials::ApiKey {
            account_sid,
            key_sid,
            secret,
        }
    }

    /// Assembles credentials from explicit values, falling back to the
    /// `TWILIO_*` variables read through `lookup`.
    ///
    /// Which kind is built:
    /// 1. an explicit API key or secret → API-key credentials;
    /// 2. an explicit Auth Token → Auth-Token credentials;
    /// 3. otherwise `TWILIO_AUTH_TOKEN` if set, else `TWILIO_API_KEY` if set.
    ///
    /// When the environment holds both an Auth Token and an API key, the Auth
    /// Token wins: it can always manage Auth Tokens, while a Standard API key
    /// never can. A variable set to the empty string counts as unset.
    pub fn from_env(
        explicit: CredentialsInput,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, CredentialsError> {
        let env = |name: &str| lookup(name).filter(|value| !value.is_empty());
        let env_secret = |name: &str| env(name).map(Zeroizing::new);

        let account_sid = explicit
            .account_sid
            .or_else(|| env(ENV_ACCOUNT_SID))
            .ok_or(CredentialsError::Missing {
                variable: ENV_ACCOUNT_SID,
                what: "account SID",
            })?;
        let account_sid =
            AccountSid::parse(&account_sid).map_err(|source| CredentialsError::InvalidSid {
                variable: ENV_ACCOUNT_SID,
                source,
            })?;

        let explicit_key = explicit.api_key.is_some() || explicit.api_secret.is_some();
        let use_key = explicit_key
            || (explicit.auth_token.is_none()
                && env(ENV_AUTH_TOKEN).is_none()
                && env(ENV_API_KEY).is_some());

        if use_key {
            let key =
                explicit
                    .api_key
                    .or_else(|| env(ENV_API_KEY))
                    .ok_or(CredentialsError::Missing {
                        variable: ENV_API_KEY,
                        what: "API key SID",
                    })?;
            let key_sid =
                ApiKeySid::parse(&key).map_err(|source| CredentialsError::InvalidSid {
                    variable: ENV_API_KEY,
                    source,
                })?;
            let secret = explicit
                .api_secret
                .or_else(|| env_secret(ENV_API_SECRET))
                .ok_or(CredentialsError::Missing {
                    variable: ENV_API_SECRET,
                    what: "API key secret",
                })?;
            let secret = ApiKeySecret::new(secret.as_str()).map_err(|source| {
                CredentialsError::InvalidSecret {
                    variable: ENV_API_SECRET,
                    source,
                }
            })?;
            return Ok(Credentials::api_key(account_sid, key_sid, secret));
        }

        let token = explicit
            .auth_token
            .or_else(|| env_secret(ENV_AUTH_TOKEN))
            .ok_or(CredentialsError::Missing {
                variable: ENV_AUTH_TOKEN,
                what: "Auth Token",
            })?;
        let auth_token =
            AuthToken::new(token.as_str()).map_err(|source| CredentialsError::InvalidSecret {
                variable: ENV_AUTH_TOKEN,
                source,
            })?;
        Ok(Credentials::auth_token(account_sid, auth_token))
    }

    /// The account the requests act on.
    pub fn account_sid(&self) -> &AccountSid {
        match self {
            Credentials::AuthToken { account_sid, .. }
            | Credentials::ApiKey { account_sid, .. } => account_sid,
        }
    }

    /// Whether these are API-key credentials (used to explain a 20003).
    pub fn is_api_key(&self) -> bool {
        matches!(self, Credentials::ApiKey { .. })
    }

    /// The `Authorization: Basic …` header value, marked sensitive so that
    /// `http`'s `Debug` of the request prints `Sensitive` instead of it.
    ///
    /// Intermediate copies of the secret are wiped before this returns.
    pub fn authorization(&self) -> HeaderValue {
        let (user, password) = match self {
            Credentials::AuthToken {
                account_sid,
                auth_token,
            } => (account_sid.as_str(), auth_token.expose_secret()),
            Credentials::ApiKey {
                key_sid, secret, ..
            } => (key_sid.as_str(), secret.expose_secret()),
        };
        let mut plain = Zeroizing::new(String::with_capacity(user.len() + 1 + password.len()));
        plain.push_str(user);
        plain.push(':');
        plain.push_str(password);
        let mut header = Zeroizing::new(String::with_capacity(6 + plain.len().div_ceil(3) * 4));
        header.push_str("Basic ");
        base64::engine::general_purpose::STANDARD.encode_string(plain.as_bytes(), &mut header);
        // Base64 output is always a valid header value; the fallback is unreachable.
        let mut value = HeaderValue::from_str(&header)
            .unwrap_or_else(|_| HeaderValue::from_static("Basic invalid"));
        value.set_sensitive(true);
        value
    }
}
