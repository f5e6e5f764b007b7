//! Typed Twilio SIDs: `AC…` accounts, `CR…` credentials, `SK…` API keys,
//! `GN…` safe-list entries, `MG…` Messaging Services.
//!
//! A SID is two uppercase prefix letters followed by 32 hexadecimal digits, 34
//! characters in all, as the spec's `pattern` fields say (`^AC[0-9a-fA-F]{32}$`).
//! Hex digits may be either case; the SID keeps the case it was given, so
//! `Display` writes back exactly what was parsed.
//!
//! Each prefix has its own type so that an API-key SID can never be passed
//! where an account SID is expected.
//!
//! ```
//! use twilio_accounts_core::{AccountSid, SidError};
//!
//! let sid: AccountSid = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?;
//! assert_eq!(sid.to_string(), "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
//!
//! let err = "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse::<AccountSid>().unwrap_err();
//! assert!(matches!(err, SidError::WrongPrefix { expected: "AC", .. }));
//! # Ok::<(), SidError>(())
//! ```

use std::fmt;
use std::str::FromStr;

/// Length of every SID: two prefix letters and 32 hex digits.
pub const SID_LEN: usize = 34;

/// Why a string is not a SID of the expected kind.
///
/// Each variant says exactly what was wrong and where; none of them repeats
/// the input (a mistyped secret pasted into a SID field must not be echoed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SidError {
    /// The input does not have 34 bytes.
    #[error(
        "{kind} must be 34 characters ({expected} followed by 32 hex digits), but this one has {found}"
    )]
    WrongLength {
        /// What was being parsed, e.g. "account SID".
        kind: &'static str,
        /// The prefix that was expected.
        expected: &'static str,
        /// The length that was found, in bytes.
        found: usize,
    },
    /// The first two characters are not the expected prefix.
    #[error("{kind} must start with {expected}; check that you used the right identifier")]
    WrongPrefix {
        /// What was being parsed, e.g. "account SID".
        kind: &'static str,
        /// The prefix that was expected.
        expected: &'static str,
    },
    /// A character after the prefix is not a hexadecimal digit.
    #[error(
        "{kind} must be {expected} followed by 32 hex digits, but character {position} is not a hex digit"
    )]
    NotHex {
        /// What was being parsed, e.g. "account SID".
        kind: &'static str,
        /// The prefix that was expected.
        expected: &'static str,
        /// Zero-based byte position of the first offending character.
        position: usize,
    },
}

/// Checks `input` against `^{prefix}[0-9a-fA-F]{32}$` and returns its bytes.
///
/// Checks run in the order a person would fix them: length, prefix, digits.
fn parse_sid(
    input: &str,
    kind: &'static str,
    prefix: &'static str,
) -> Result<[u8; SID_LEN], SidError> {
    let bytes = input.as_bytes();
    if bytes.len() != SID_LEN {
        return Err(SidError::WrongLength {
            kind,
            expected: prefix,
            found: bytes.len(),
        });
    }
    if &bytes[..2] != prefix.as_bytes() {
        return Err(SidError::WrongPrefix {
            kind,
            expected: prefix,
        });
    }
    if let Some(offset) = bytes[2..].iter().position(|b| !b.is_ascii_hexdigit()) {
        return Err(SidError::NotHex {
            kind,
            expected: prefix,
            position: offset + 2,
        });
    }
    let mut array = [0u8; SID_LEN];
    array.copy_from_slice(bytes);
    Ok(array)
}

/// The prefix followed by 32 `a`: the spec's example SIDs.
const fn example_sid(prefix: &str) -> [u8; SID_LEN] {
    let mut bytes = [b'a'; SID_LEN];
    let prefix = prefix.as_bytes();
    bytes[0] = prefix[0];
    bytes[1] = prefix[1];
    bytes
}

macro_rules! sid_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name([u8; SID_LEN]);

        impl $name {
            /// The two letters every SID of this kind starts with.
            pub const PREFIX: &'static str = $prefix;

            /// The spec's example SID of this kind (the prefix and 32 `a`),
            /// for examples and tests.
            pub const EXAMPLE: Self = Self(example_sid($prefix));

            /// Parses a SID, accepting hex digits of either case.
            pub fn parse(input: &str) -> Result<Self, SidError> {
                parse_sid(input, $kind, $prefix).map(Self)
            }

            /// The SID as it was given (case preserved).
            pub fn as_str(&self) -> &str {
                // Every byte was checked to be ASCII when the SID was parsed,
                // so this conversion cannot fail; the fallback is unreachable.
                std::str::from_utf8(&self.0).unwrap_or_default()
            }
        }

        impl FromStr for $name {
            type Err = SidError;
            fn from_str(input: &str) -> Result<Self, SidError> {
                Self::parse(input)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = SidError;
            fn try_from(input: &str) -> Result<Self, SidError> {
                Self::parse(input)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl serde::de::Visitor<'_> for Visitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(concat!("a ", $kind, " (", $prefix, " followed by 32 hex digits)"))
                    }
                    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<$name, E> {
                        // The error text never repeats the input.
                        $name::parse(value).map_err(E::custom)
                    }
                }
                deserializer.deserialize_str(Visitor)
            }
        }
    };
}

sid_type!(
    /// The SID of a Twilio account: `AC` followed by 32 hex digits.
    ///
    /// This is the user name of HTTP Basic authentication, and the account
    /// whose Auth Tokens the Accounts API manages.
    AccountSid,
    "AC",
    "account SID"
);

sid_type!(
    /// The SID of an Accounts v1 credential (public keys, AWS credentials):
    /// `CR` followed by 32 hex digits.
    CredentialSid,
    "CR",
    "credential SID"
);

sid_type!(
    /// The SID of an API key: `SK` followed by 32 hex digits.
    ///
    /// Only Main API keys may manage Auth Tokens; Standard keys get 20003.
    ApiKeySid,
    "SK",
    "API key SID"
);

sid_type!(
    /// The SID of a safe-list entry: `GN` followed by 32 hex digits.
    SafelistSid,
    "GN",
    "safe-list SID"
);

sid_type!(
    /// The SID of a Messaging Service: `MG` followed by 32 hex digits (a
    /// bulk consent's `sender_id` may be one).
    MessagingServiceSid,
    "MG",
    "Messaging Service SID"
);

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    #[test]
    fn accepts_lowercase_uppercase_and_mixed_hex() {
        for input in [
            VALID,
            "AC0123456789ABCDEF0123456789ABCDEF",
            "AC0123456789abcdefABCDEF0123456789",
        ] {
            let sid = AccountSid::parse(input).unwrap();
            assert_eq!(sid.as_str(), input, "case is kept");
        }
    }

    /// Every byte at every digit position, one at a time among valid
    /// digits: a SID is accepted exactly when each is a hex digit, and the
    /// error names that position.
    #[test]
    fn every_byte_at_every_position_is_judged_as_a_hex_digit() {
        for position in 2..SID_LEN {
            for byte in 0..=u8::MAX {
                let mut bytes = *b"AC0123456789abcdefABCDEF0123456789";
                bytes[position] = byte;
                // Only ASCII makes a `&str` here; the rest is no `&str`.
                if let Ok(input) = std::str::from_utf8(&bytes) {
                    let parsed = AccountSid::parse(input);
                    if byte.is_ascii_hexdigit() {
                        assert_eq!(
                            parsed.map(|sid| sid.as_str().to_owned()),
                            Ok(input.to_owned())
                        );
                    } else {
                        assert_eq!(
                            parsed.unwrap_err(),
                            SidError::NotHex {
                                kind: "account SID",
                                expected: "AC",
                                position
                            },
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn case_differences_make_different_sids() {
        let lower = AccountSid::parse(VALID).unwrap();
        let upper = AccountSid::parse("ACAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").unwrap();
        assert_ne!(lower, upper);
    }

    #[test]
    fn reports_the_length_it_found() {
        assert_eq!(
            AccountSid::parse("AC123").unwrap_err(),
            SidError::WrongLength {
                kind: "account SID",
                expected: "AC",
                found: 5
            }
        );
        assert!(matches!(
            AccountSid::parse(""),
            Err(SidError::WrongLength { found: 0, .. })
        ));
    }

    #[test]
    fn reports_the_expected_prefix() {
        let err = AccountSid::parse("SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").unwrap_err();
        assert_eq!(
            err,
            SidError::WrongPrefix {
                kind: "account SID",
                expected: "AC"
            }
        );
        assert!(err.to_string().contains("must start with AC"));
        // The prefix is case-sensitive, as in the spec's pattern.
        assert!(matches!(
            AccountSid::parse("acaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            Err(SidError::WrongPrefix { .. })
        ));
    }

    #[test]
    fn reports_the_position_of_the_first_non_hex_character() {
        let err = AccountSid::parse("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaag").unwrap_err();
        assert_eq!(
            err,
            SidError::NotHex {
                kind: "account SID",
                expected: "AC",
                position: 33
            }
        );
        assert!(err.to_string().contains("character 33"));
    }

    #[test]
    fn multibyte_input_of_the_right_byte_length_is_rejected_without_panicking() {
        // 'é' is two bytes; 32 of them after "AC" would be 66 bytes, so build 34 bytes.
        let input = format!("AC{}", "é".repeat(16));
        assert_eq!(input.len(), 34);
        assert!(matches!(
            AccountSid::parse(&input),
            Err(SidError::NotHex { position: 2, .. })
        ));
    }

    #[test]
    fn each_kind_checks_its_own_prefix() {
        assert!(CredentialSid::parse("CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").is_ok());
        assert!(ApiKeySid::parse("SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").is_ok());
        assert!(matches!(
            ApiKeySid::parse(VALID),
            Err(SidError::WrongPrefix { expected: "SK", .. })
        ));
    }

    #[test]
    fn serde_round_trips_and_rejects_bad_sids_without_echoing_them() {
        let sid = AccountSid::parse(VALID).unwrap();
        let json = serde_json::to_string(&sid).unwrap();
        assert_eq!(json, format!("\"{VALID}\""));
        assert_eq!(serde_json::from_str::<AccountSid>(&json).unwrap(), sid);
        let err = serde_json::from_str::<AccountSid>("\"ACsecretsecretsecret\"").unwrap_err();
        assert!(!err.to_string().contains("secretsecret"), "{err}");
    }

    #[test]
    fn debug_names_the_type() {
        let sid = AccountSid::parse(VALID).unwrap();
        assert_eq!(format!("{sid:?}"), format!("AccountSid({VALID})"));
    }
}
