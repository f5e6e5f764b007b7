//! A token's stable, public name: the first 8 bytes of its SHA-256, in hex.
//!
//! A position in a list of tokens changes whenever the list does (the new
//! token is second during a rotation and first after it); a fingerprint
//! stays the token's own. It names a token in logs, metrics and
//! configuration (`retire 3f2a…`) without revealing it: 64 bits of a hash
//! say nothing useful about a 128-bit random Auth Token.
//!
//! ```
//! use twilio_accounts_core::AuthToken;
//! use twilio_accounts_webhook::TokenFingerprint;
//!
//! let fingerprint = TokenFingerprint::of(&AuthToken::new("12345")?);
//! // `printf %s 12345 | sha256sum | cut -c1-16`
//! assert_eq!(fingerprint.to_string(), "5994471abb01112a");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use sha2::{Digest, Sha256};
use twilio_accounts_core::AuthToken;

/// The first 8 bytes of a token's SHA-256: `Display` writes them as 16
/// lowercase hex digits. Not a secret.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenFingerprint([u8; 8]);

impl TokenFingerprint {
    /// The fingerprint of `token`.
    pub fn of(token: &AuthToken) -> Self {
        let digest = Sha256::digest(token.expose_secret().as_bytes());
        let mut first = [0; 8];
        first.copy_from_slice(&digest[..8]);
        TokenFingerprint(first)
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
