//! The `User-Agent` header: who is calling, so Twilio support can tell.
//!
//! Shaped like the official libraries' (`twilio-<lang>/<version> (<os>
//! <arch>) <lang>/<runtime version>`):
//! `twilio-accounts-rs/0.1.0 (linux x86_64) rust/1.95.0`, followed by any
//! extensions the application adds (`my-app/2.3`).
//!
//! ```
//! use twilio_accounts_core::UserAgent;
//!
//! let ua = UserAgent::default().with_extension("rotator/1.0")?;
//! assert!(ua.as_str().starts_with("twilio-accounts-rs/"));
//! assert!(ua.as_str().ends_with(" rotator/1.0"));
//! # Ok::<(), twilio_accounts_core::UserAgentError>(())
//! ```

use std::fmt;

/// The library's own part of the header.
const BASE: &str = concat!(
    "twilio-accounts-rs/",
    env!("CARGO_PKG_VERSION"),
    " (",
    // `consts`, not an environment lookup: fixed at compile time.
    "{os} {arch}",
    ") rust/",
    env!("TWILIO_ACCOUNTS_RUSTC_VERSION")
);

/// A `User-Agent` header value.
#[derive(Clone, PartialEq, Eq)]
pub struct UserAgent(String);

/// Why an extension was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a User-Agent extension must be non-empty visible ASCII without spaces (such as my-app/1.2)"
)]
pub struct UserAgentError;

impl Default for UserAgent {
    fn default() -> Self {
        UserAgent(
            BASE.replace("{os}", std::env::consts::OS)
                .replace("{arch}", std::env::consts::ARCH),
        )
    }
}

impl UserAgent {
    /// Appends an extension such as `my-app/1.2`, separated by a space.
    pub fn with_extension(mut self, extension: &str) -> Result<Self, UserAgentError> {
        let valid = !extension.is_empty() && extension.bytes().all(|b| b.is_ascii_graphic());
        if !valid {
            return Err(UserAgentError);
        }
        self.0.push(' ');
        self.0.push_str(extension);
        Ok(self)
    }

    /// The header value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for UserAgent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserAgent({:?})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_the_documented_shape() {
        let ua = UserAgent::default();
        let re = regex::Regex::new(
            r"^twilio-accounts-rs/\d+\.\d+\.\d+\S* \([a-z0-9_]+ [a-z0-9_]+\) rust/\S+$",
        )
        .unwrap();
        assert!(re.is_match(ua.as_str()), "{}", ua.as_str());
        assert!(ua.as_str().contains(std::env::consts::ARCH));
    }

    #[test]
    fn extensions_are_appended_in_order() {
        let ua = UserAgent::default()
            .with_extension("a/1")
            .unwrap()
            .with_extension("b/2")
            .unwrap();
        assert!(ua.as_str().ends_with(" a/1 b/2"), "{}", ua.as_str());
    }

    #[test]
    fn refuses_extensions_that_would_break_the_header() {
        for bad in ["", "a b", "a\r\nX-Evil: 1", "caf\u{e9}"] {
            assert_eq!(
                UserAgent::default().with_extension(bad),
                Err(UserAgentError)
            );
        }
    }
}
