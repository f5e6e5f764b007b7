//! Secrets: the account's Auth Tokens and API-key secrets.
//!
//! These types exist so that a secret cannot leak by accident:
//! - `Debug` prints `[redacted]`; there is no `Display` and no `Serialize`,
//!   so a secret cannot end up in a log line, an error message or a JSON
//!   document without someone writing `expose_secret()`.
//! - The bytes are overwritten with zeros when the value is dropped
//!   ([`zeroize`]), so a token does not linger in freed memory.
//! - Equality is computed without an early exit, so comparing a candidate
//!   token does not reveal how many leading characters matched.
//!
//! Construction rejects an empty secret and one with leading or trailing
//! whitespace: a stray space or newline copied along with a token is a common
//! cause of Twilio error 20003 and is far easier to understand here. Anything
//! else is accepted: real tokens are 32 hex characters, the spec's examples
//! are 33, and the spec sets no constraint.
//!
//! ```
//! use twilio_accounts_core::{AuthToken, SecretError};
//!
//! let token = AuthToken::new("0123456789abcdef0123456789abcdef")?;
//! assert_eq!(format!("{token:?}"), "AuthToken([redacted])");
//! assert_eq!(token.expose_secret().len(), 32);
//!
//! assert!(matches!(AuthToken::new("abc\n"), Err(SecretError::SurroundingWhitespace { .. })));
//! # Ok::<(), SecretError>(())
//! ```

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

/// The marker every secret's `Debug` prints instead of its value.
pub const REDACTED: &str = "[redacted]";

/// Why a string was refused as a secret. Never contains the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// The secret is the empty string.
    #[error("the {kind} is empty; copy it again from the Twilio Console")]
    Empty {
        /// What was being checked, e.g. "Auth Token".
        kind: &'static str,
    },
    /// The secret starts or ends with whitespace (a space, tab or newline).
    #[error(
        "the {kind} starts or ends with whitespace; remove the stray spaces or newline (a common cause of error 20003)"
    )]
    SurroundingWhitespace {
        /// What was being checked, e.g. "Auth Token".
        kind: &'static str,
    },
}

fn check(value: &str, kind: &'static str) -> Result<(), SecretError> {
    if value.is_empty() {
        return Err(SecretError::Empty { kind });
    }
    if value.trim() != value {
        return Err(SecretError::SurroundingWhitespace { kind });
    }
    Ok(())
}

/// Compares two byte strings in time that depends only on their lengths.
fn equal_without_early_exit(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, Zeroize, ZeroizeOnDrop)]
        pub struct $name {
            value: String,
        }

        impl $name {
            /// Takes ownership of `value` (no copy is left behind by this call)
            /// after checking that it is non-empty and has no surrounding
            /// whitespace.
            ///
            /// On error the rejected value is wiped before it is dropped.
            pub fn new(value: impl Into<String>) -> Result<Self, SecretError> {
                let mut value = value.into();
                match check(&value, $kind) {
                    Ok(()) => Ok(Self { value }),
                    Err(err) => {
                        value.zeroize();
                        Err(err)
                    }
                }
            }

            /// The secret itself. Every use is a deliberate, greppable act.
            pub fn expose_secret(&self) -> &str {
                &self.value
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), REDACTED)
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                equal_without_early_exit(self.value.as_bytes(), other.value.as_bytes())
            }
        }

        impl Eq for $name {}

        impl std::str::FromStr for $name {
            type Err = SecretError;
            fn from_str(value: &str) -> Result<Self, SecretError> {
                Self::new(value)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = String::deserialize(deserializer)?;
                // The error text never contains the value.
                Self::new(value).map_err(serde::de::Error::custom)
            }
        }
    };
}

secret_type!(
    /// An account's Auth Token: the password of HTTP Basic authentication
    /// with the account SID, and the key that signs webhooks.
    AuthToken,
    "Auth Token"
);

secret_type!(
    /// The secret of an API key (`SK…`), shown once when the key is created.
    ApiKeySecret,
    "API key secret"
);

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "f00dfacef00dfacef00dfacef00dface";

    #[test]
    fn debug_is_redacted() {
        let token = AuthToken::new(SECRET).unwrap();
        let secret = ApiKeySecret::new(SECRET).unwrap();
        assert_eq!(format!("{token:?}"), "AuthToken([redacted])");
        assert_eq!(format!("{token:#?}"), "AuthToken([redacted])");
        assert_eq!(format!("{secret:?}"), "ApiKeySecret([redacted])");
    }

    #[test]
    fn accepts_real_and_spec_example_lengths() {
        assert!(AuthToken::new(SECRET).is_ok());
        assert!(AuthToken::new("b".repeat(33)).is_ok());
        assert!(AuthToken::new("x").is_ok());
    }

    #[test]
    fn rejects_empty() {
        assert_eq!(
            AuthToken::new("").unwrap_err(),
            SecretError::Empty { kind: "Auth Token" }
        );
        assert_eq!(
            ApiKeySecret::new("").unwrap_err(),
            SecretError::Empty {
                kind: "API key secret"
            }
        );
    }

    #[test]
    fn rejects_surrounding_whitespace_and_says_so() {
        for input in [" abc", "abc ", "abc\n", "\tabc", "abc\r\n", " "] {
            let err = AuthToken::new(input).unwrap_err();
            assert_eq!(
                err,
                SecretError::SurroundingWhitespace { kind: "Auth Token" },
                "{input:?}"
            );
            assert!(err.to_string().contains("whitespace"));
        }
        // Inner whitespace is not the concern of this check.
        assert!(AuthToken::new("a b").is_ok());
    }

    #[test]
    fn equality_compares_the_whole_value() {
        let a = AuthToken::new(SECRET).unwrap();
        assert_eq!(a, AuthToken::new(SECRET).unwrap());
        assert_ne!(a, AuthToken::new(&SECRET[..31]).unwrap());
        assert_ne!(a, AuthToken::new(SECRET.replace('f', "e")).unwrap());
    }

    #[test]
    fn zeroize_wipes_the_value() {
        fn wiped_on_drop<T: ZeroizeOnDrop>(_: &T) {}
        let mut token = AuthToken::new(SECRET).unwrap();
        wiped_on_drop(&token);
        token.zeroize();
        assert_eq!(token.expose_secret(), "");
    }

    #[test]
    fn deserialize_validates_and_does_not_echo() {
        let token: AuthToken = serde_json::from_str(&format!("\"{SECRET}\"")).unwrap();
        assert_eq!(token.expose_secret(), SECRET);
        let err = serde_json::from_str::<AuthToken>(&format!("\" {SECRET}\"")).unwrap_err();
        assert!(!err.to_string().contains(SECRET));
    }
}
