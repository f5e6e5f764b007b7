//! Secrets: the account's Auth Tokens, API-key secrets and the AWS
//! credentials an Accounts v1 credential stores.
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

/// Wipes `bytes` that may hold a secret (a response body), spare capacity
/// included, and empties it, keeping the allocation.
///
/// ```
/// let mut body = br#"{"auth_token":"0123456789abcdef0123456789abcdef"}"#.to_vec();
/// let capacity = body.capacity();
/// twilio_accounts_core::secret::wipe(&mut body);
/// assert!(body.is_empty());
/// assert_eq!(body.capacity(), capacity);
/// ```
pub fn wipe(bytes: &mut Vec<u8>) {
    bytes.zeroize();
}

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
    /// The secret does not have the shape its kind requires (for AWS
    /// credentials, `ACCESS_KEY_ID:SECRET_ACCESS_KEY`).
    #[error("the {kind} {reason}")]
    Malformed {
        /// What was being checked, e.g. "AWS credentials".
        kind: &'static str,
        /// What is wrong, said without the value.
        reason: &'static str,
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

/// The shape of AWS credentials, `ACCESS_KEY_ID:SECRET_ACCESS_KEY`: one
/// colon, an access key id of ASCII letters and digits, a non-empty secret
/// without whitespace. Nothing stricter (AWS documents key ids of 16 to 128
/// characters and does not fix the secret's alphabet), so that a real key is
/// never refused here; Twilio checks the rest.
fn check_aws(value: &str, kind: &'static str) -> Result<(), SecretError> {
    check(value, kind)?;
    let malformed = |reason| Err(SecretError::Malformed { kind, reason });
    let Some((key_id, secret)) = value.split_once(':') else {
        return malformed("must be ACCESS_KEY_ID:SECRET_ACCESS_KEY (no colon found)");
    };
    if key_id.is_empty() {
        return malformed("has an empty access key id before the colon");
    }
    if !key_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return malformed("has an access key id that is not only ASCII letters and digits");
    }
    if secret.is_empty() {
        return malformed("has an empty secret access key after the colon");
    }
    if secret.contains(':') {
        return malformed("has more than one colon");
    }
    if secret.chars().any(char::is_whitespace) {
        return malformed("has whitespace inside the secret access key");
    }
    Ok(())
}

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        secret_type!($(#[$doc])* $name, $kind, check);
    };
    ($(#[$doc:meta])* $name:ident, $kind:literal, $check:ident) => {
        $(#[$doc])*
        #[derive(Clone, Zeroize, ZeroizeOnDrop)]
        pub struct $name {
            value: String,
        }

        impl $name {
            /// Takes ownership of `value` (no copy is left behind by this call)
            /// after checking that it is non-empty, has no surrounding
            /// whitespace and has its kind's shape.
            ///
            /// On error the rejected value is wiped before it is dropped.
            pub fn new(value: impl Into<String>) -> Result<Self, SecretError> {
                let mut value = value.into();
                match $check(&value, $kind) {
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

secret_type!(
    /// The AWS credentials an Accounts v1 credential stores
    /// (`CreateCredentialAws`'s `Credentials`):
    /// `ACCESS_KEY_ID:SECRET_ACCESS_KEY`. Twilio never sends them back.
    ///
    /// ```
    /// use twilio_accounts_core::{AwsCredentials, SecretError};
    ///
    /// let aws = AwsCredentials::new("AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")?;
    /// assert_eq!(format!("{aws:?}"), "AwsCredentials([redacted])");
    /// assert!(matches!(
    ///     AwsCredentials::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ///     Err(SecretError::Malformed { .. })
    /// ));
    /// # Ok::<(), SecretError>(())
    /// ```
    AwsCredentials,
    "AWS credentials",
    check_aws
);

impl AwsCredentials {
    /// The spec's example credentials (AWS's documented example key), for
    /// examples and tests: `AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`.
    pub fn spec_example() -> Self {
        AwsCredentials {
            value: "AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_owned(),
        }
    }
}

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
    fn aws_credentials_need_their_shape_and_errors_do_not_echo() {
        const SECRET_PART: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        assert!(AwsCredentials::new(format!("AKIAIOSFODNN7EXAMPLE:{SECRET_PART}")).is_ok());
        let cases: [(String, &str); 7] = [
            (SECRET_PART.to_owned(), "no colon"),
            (format!(":{SECRET_PART}"), "empty access key id"),
            (format!("AKIA-X:{SECRET_PART}"), "letters and digits"),
            ("AKIAIOSFODNN7EXAMPLE:".to_owned(), "empty secret"),
            (format!("AKIA:{SECRET_PART}:x"), "more than one colon"),
            (format!("AKIA:wJalr {SECRET_PART}"), "whitespace inside"),
            (format!("AKIA:{SECRET_PART}\n"), "whitespace; remove"),
        ];
        for (input, said) in cases {
            let err = AwsCredentials::new(input.as_str()).unwrap_err();
            let text = err.to_string();
            assert!(text.contains(said), "{text}");
            assert!(!text.contains("wJalr") && !text.contains("AKIA"), "{text}");
            assert!(!format!("{err:?}").contains("wJalr"));
        }
        let aws = AwsCredentials::new(format!("AKIA:{SECRET_PART}")).unwrap();
        assert_eq!(format!("{aws:?}"), "AwsCredentials([redacted])");
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
