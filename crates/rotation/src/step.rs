//! The nine steps of a rotation, as people see them.

/// The nine steps, for progress output.
///
/// ```
/// use twilio_accounts_rotation::RotationStep;
///
/// assert_eq!(RotationStep::Promote.number(), 6);
/// assert_eq!(RotationStep::Promote.describe(), "promote the new token to primary");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum RotationStep {
    /// 1. Check the current credentials.
    CheckCurrent = 1,
    /// 2. Create the secondary token.
    CreateSecondary = 2,
    /// 3. Hand the token to the sink.
    Deliver = 3,
    /// 4. Check the new token.
    CheckNew = 4,
    /// 5. Wait for the go-ahead.
    GoAhead = 5,
    /// 6. Promote.
    Promote = 6,
    /// 7. Check the new token and that the old one is refused.
    CheckPromoted = 7,
    /// 8. Let Twilio's services catch up.
    Settle = 8,
    /// 9. Done.
    Done = 9,
}

impl RotationStep {
    /// The step's number, 1 to 9.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// What the step does, for people.
    pub fn describe(self) -> &'static str {
        match self {
            RotationStep::CheckCurrent => "check the current credentials",
            RotationStep::CreateSecondary => "create a secondary Auth Token",
            RotationStep::Deliver => "hand the new token to its destination",
            RotationStep::CheckNew => "check the new token authenticates",
            RotationStep::GoAhead => "wait for the go-ahead to promote",
            RotationStep::Promote => "promote the new token to primary",
            RotationStep::CheckPromoted => "check the new token works and the old one is refused",
            RotationStep::Settle => "let Twilio's services catch up",
            RotationStep::Done => "done",
        }
    }
}
