//! The choices a caller makes about an API key rotation
//! ([`KeyRotation`](crate::KeyRotation)): which API the key lives on, how
//! the new key is checked, and the rotation's id.

use std::time::Duration;

/// Which of Twilio's two key APIs a key is managed through. The new key is
/// made on the same one as the old.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyApi {
    /// IAM v1 (`/v1/Keys/{Sid}`): standard and restricted keys, with policies.
    Iam,
    /// The 2010 API (`/2010-04-01/Accounts/{AccountSid}/Keys/{Sid}.json`):
    /// standard keys only.
    V2010,
}

impl KeyApi {
    /// The name a journal and a command line use (`iam`, `v2010`).
    ///
    /// ```
    /// use twilio_accounts_rotation::KeyApi;
    ///
    /// for api in [KeyApi::Iam, KeyApi::V2010] {
    ///     assert_eq!(KeyApi::parse(api.as_str()), Some(api));
    /// }
    /// assert_eq!(KeyApi::V2010.as_str(), "v2010");
    /// assert_eq!(KeyApi::parse("2010"), None);
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            KeyApi::Iam => "iam",
            KeyApi::V2010 => "v2010",
        }
    }

    /// The API named `text` (`iam`, `v2010`).
    pub fn parse(text: &str) -> Option<KeyApi> {
        [KeyApi::Iam, KeyApi::V2010]
            .into_iter()
            .find(|api| api.as_str() == text)
    }
}

/// How the new key is shown to authenticate before anything depends on it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyVerify {
    /// A read-only call the key's kind may make (see
    /// [`VerifyRead::for_key`](crate::VerifyRead::for_key)).
    Default,
    /// `GET` this path (and query) with the new key, as AWS's
    /// `validationUrl`: on the 2010 API's host when it starts with
    /// `/2010-04-01/`, else on Accounts v1's.
    Path(String),
    /// Do not check: the rotation says so in its notes. For a restricted
    /// key whose policy allows no read this crate knows, when no path is
    /// given.
    Skip,
}

/// A rotation's id, `r-` and 4 to 16 lowercase letters or digits: it goes
/// into the new key's friendly name (`… (rotation r-1a2b3c4d)`), so that a
/// key whose create answer was lost is recognised by listing and deleted.
/// The machine draws no randomness: the driver makes one.
///
/// ```
/// use twilio_accounts_rotation::RotationId;
///
/// let id = RotationId::new("r-1a2b3c4d").unwrap();
/// assert_eq!(id.marker(), "(rotation r-1a2b3c4d)");
/// assert!(RotationId::new("1a2b").is_none());
/// assert!(RotationId::new("r-UPPER").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RotationId(String);

impl RotationId {
    /// The id, when `text` is `r-` and 4 to 16 lowercase letters or digits.
    pub fn new(text: &str) -> Option<RotationId> {
        let rest = text.strip_prefix("r-")?;
        let fits = (4..=16).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        fits.then(|| RotationId(text.to_owned()))
    }

    /// The id `r-` and `number` as 8 hexadecimal digits: how a driver makes
    /// one from a random number.
    ///
    /// ```
    /// use twilio_accounts_rotation::RotationId;
    ///
    /// assert_eq!(RotationId::from_number(0xc0ffee).as_str(), "r-00c0ffee");
    /// ```
    pub fn from_number(number: u32) -> RotationId {
        RotationId(format!("r-{number:08x}"))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What a key made by this rotation carries at the end of its friendly
    /// name: `(rotation r-…)`.
    pub fn marker(&self) -> String {
        format!("(rotation {})", self.0)
    }

    /// Whether a key's friendly name says this rotation made it.
    pub fn made(&self, friendly_name: Option<&str>) -> bool {
        friendly_name.is_some_and(|name| name.ends_with(&self.marker()))
    }
}

/// Choices the caller makes about a key rotation.
///
/// ```
/// use twilio_accounts_rotation::{KeyApi, KeyRotationConfig, KeyVerify};
///
/// let config = KeyRotationConfig { wait_for_go_ahead: false, ..KeyRotationConfig::new(KeyApi::V2010) };
/// assert_eq!(config.verify, KeyVerify::Default);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRotationConfig {
    /// The API the old key is fetched, and the new one made, through.
    pub api: KeyApi,
    /// How the new key is checked.
    pub verify: KeyVerify,
    /// Stop after the new key is delivered and checked until the caller
    /// says go ([`KeyInput::GoAhead`](crate::KeyInput::GoAhead)).
    pub wait_for_go_ahead: bool,
    /// Attempts to see the new key accepted (a new key may take a moment),
    /// and the old one refused after its delete.
    pub verify_attempts: u32,
    /// The first wait between those attempts; it doubles each time.
    pub verify_delay: Duration,
    /// Attempts at a create Twilio fails to answer (a lost answer or a
    /// server error) before the rotation stops; each one's key, if made,
    /// is found by listing and deleted before the next.
    pub retry_attempts: u32,
    /// The first wait between those attempts; it doubles (at most 30 s).
    pub retry_delay: Duration,
}

impl KeyRotationConfig {
    /// The defaults for a key on `api`: the default check, a go-ahead, 6
    /// verification attempts from 500 ms, 4 create attempts from 1 s.
    pub fn new(api: KeyApi) -> Self {
        KeyRotationConfig {
            api,
            verify: KeyVerify::Default,
            wait_for_go_ahead: true,
            verify_attempts: 6,
            verify_delay: Duration::from_millis(500),
            retry_attempts: 4,
            retry_delay: Duration::from_secs(1),
        }
    }
}
