//! The choices a caller makes about a rotation.

use std::time::Duration;

/// Choices the caller makes about a rotation.
///
/// ```
/// use std::time::Duration;
/// use twilio_accounts_rotation::RotationConfig;
///
/// // A script that deploys the token itself and cannot answer a prompt.
/// let config = RotationConfig {
///     wait_for_go_ahead: false,
///     settle: Duration::from_secs(90),
///     ..RotationConfig::default()
/// };
/// assert!(!config.replace_existing_secondary);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationConfig {
    /// Delete any existing secondary before creating ours.
    pub replace_existing_secondary: bool,
    /// Stop after step 4 until the caller says go ([`Input::GoAhead`](crate::Input::GoAhead)).
    pub wait_for_go_ahead: bool,
    /// How long to wait after promotion (step 8). Zero skips it.
    pub settle: Duration,
    /// Sent as `SuppressEmailNotification` on every call that changes tokens.
    pub suppress_email_notification: Option<bool>,
    /// Attempts to see the new token accepted and the old one refused after
    /// promotion.
    pub verify_attempts: u32,
    /// The first wait between those attempts; it doubles each time.
    pub verify_delay: Duration,
    /// Attempts at a create or a promote that Twilio fails to answer (a
    /// server error or a lost answer) before the rotation stops, saying
    /// what is at Twilio. Each ambiguous answer is first cleared up (a
    /// create's secondary deleted, a promote probed), never resent blind.
    pub retry_attempts: u32,
    /// The first wait between those attempts; it doubles each time (at most
    /// 30 s). A driver waits a random part of it (see
    /// [`Action::Wait`](crate::Action::Wait)).
    pub retry_delay: Duration,
    /// Whether an Auth Token can authenticate a request, so that the new
    /// token is checked before and after the promote (and the old one's
    /// refusal after, when it is known). `false` on an account that
    /// enforces Public Key Client Validation, which refuses every request
    /// made with an Auth Token (a signature names an API key): the rotation
    /// then runs with API key credentials, skips those checks and says so
    /// in its notes.
    pub token_checks: bool,
}

impl Default for RotationConfig {
    /// Waits for the go-ahead, settles 60 s, 6 verification attempts from
    /// 500 ms, 4 attempts at an unanswered create or promote from 1 s, and
    /// checks the tokens.
    fn default() -> Self {
        RotationConfig {
            replace_existing_secondary: false,
            wait_for_go_ahead: true,
            settle: Duration::from_secs(60),
            suppress_email_notification: None,
            verify_attempts: 6,
            verify_delay: Duration::from_millis(500),
            retry_attempts: 4,
            retry_delay: Duration::from_secs(1),
            token_checks: true,
        }
    }
}
