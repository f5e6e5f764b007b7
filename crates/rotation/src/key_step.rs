//! The steps of an API key rotation, as people see them.

/// The nine steps of a [`KeyRotation`](crate::KeyRotation), for progress output.
///
/// ```
/// use twilio_accounts_rotation::KeyRotationStep;
///
/// assert_eq!(KeyRotationStep::DeleteOld.number(), 7);
/// assert_eq!(KeyRotationStep::DeleteOld.describe(), "delete the old key");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum KeyRotationStep {
    /// 1. Check the credentials that manage the keys.
    CheckCurrent = 1,
    /// 2. Fetch the old key (its name, its policy).
    FetchOld = 2,
    /// 3. Create the new key.
    Create = 3,
    /// 4. Check the new key authenticates.
    CheckNew = 4,
    /// 5. Hand the new key to the sink.
    Deliver = 5,
    /// 6. Wait for the go-ahead.
    GoAhead = 6,
    /// 7. Delete the old key.
    DeleteOld = 7,
    /// 8. Check the old key is refused.
    CheckOld = 8,
    /// 9. Done.
    Done = 9,
}

impl KeyRotationStep {
    /// The step's number, 1 to 9.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// What the step does, for people.
    pub fn describe(self) -> &'static str {
        match self {
            KeyRotationStep::CheckCurrent => "check the credentials",
            KeyRotationStep::FetchOld => "fetch the old key",
            KeyRotationStep::Create => "create the new key",
            KeyRotationStep::CheckNew => "check the new key authenticates",
            KeyRotationStep::Deliver => "hand the new key to its destination",
            KeyRotationStep::GoAhead => "wait for the go-ahead to delete the old key",
            KeyRotationStep::DeleteOld => "delete the old key",
            KeyRotationStep::CheckOld => "check the old key is refused",
            KeyRotationStep::Done => "done",
        }
    }
}
