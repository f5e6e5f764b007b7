//! Token fingerprints: how a journal tells which token is which without
//! holding either.
//!
//! A fingerprint is the first 8 bytes (16 hex digits) of the SHA-256 of the
//! token. It cannot reveal the token: an Auth Token is 128 random bits
//! (32 hex digits), SHA-256 is not invertible, and 64 bits of digest cannot
//! even single a token out: about 2^64 tokens share each fingerprint, so
//! trying every token finds that many candidates, not the token. Two tokens
//! of one rotation share a fingerprint with probability 2^-64, which is all
//! a fingerprint is for: telling the old token from the new one when the
//! user gives one of them again at resume.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};
use twilio_accounts_core::AuthToken;

/// Bytes of SHA-256 kept.
const LEN: usize = 8;

/// The fingerprint of an Auth Token (see the [module docs](self)).
///
/// ```
/// use twilio_accounts_core::AuthToken;
/// use twilio_accounts_rotation::TokenFingerprint;
///
/// let token = AuthToken::new("0123456789abcdef0123456789abcdef")?;
/// let fingerprint = TokenFingerprint::of(&token);
/// assert!(fingerprint.matches(&token));
/// // The first 8 bytes of SHA-256("0123456789abcdef0123456789abcdef").
/// assert_eq!(fingerprint.to_string(), "3eb1bd439947eb76");
/// assert_eq!("3eb1bd439947eb76".parse(), Ok(fingerprint));
/// assert!(!fingerprint.to_string().contains("0123456789abcdef"));
/// # Ok::<(), twilio_accounts_core::SecretError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenFingerprint([u8; LEN]);

impl TokenFingerprint {
    /// The fingerprint of `token`.
    pub fn of(token: &AuthToken) -> Self {
        let digest = Sha256::digest(token.expose_secret().as_bytes());
        let mut bytes = [0; LEN];
        bytes.copy_from_slice(&digest[..LEN]);
        TokenFingerprint(bytes)
    }

    /// Whether `token` has this fingerprint.
    pub fn matches(&self, token: &AuthToken) -> bool {
        TokenFingerprint::of(token) == *self
    }
}

impl fmt::Display for TokenFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for TokenFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenFingerprint({self})")
    }
}

/// Why a text is not a fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a token fingerprint is {} lowercase hex digits", LEN * 2)]
#[non_exhaustive]
pub struct FingerprintError;

impl FromStr for TokenFingerprint {
    type Err = FingerprintError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.as_bytes();
        if digits.len() != LEN * 2 {
            return Err(FingerprintError);
        }
        let mut bytes = [0; LEN];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            let hex = |d: u8| match d {
                b'0'..=b'9' => Ok(d - b'0'),
                b'a'..=b'f' => Ok(d - b'a' + 10),
                _ => Err(FingerprintError),
            };
            *byte = hex(pair[0])? << 4 | hex(pair[1])?;
        }
        Ok(TokenFingerprint(bytes))
    }
}

impl serde::Serialize for TokenFingerprint {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for TokenFingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
