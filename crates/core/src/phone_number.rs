//! Phone numbers in E.164 form, checked before they are sent.
//!
//! Accounts v1 takes phone numbers in the safe list (`PhoneNumber`) and in
//! bulk consent and contact items (`contact_id`). The spec marks them as
//! personal data, so a malformed number is refused here with an error that
//! says what is wrong and where, never the number itself: the error may end
//! up in a log.
//!
//! E.164 is a `+`, a country code that does not start with `0`, and at most
//! 15 digits in all. Nothing else is accepted (no spaces, dashes or
//! parentheses): Twilio refuses them too, and guessing how to clean a number
//! up could send the wrong one. The safe list also takes a range of 1,000
//! numbers, written with a trailing `xxx` (`+18001234xxx`):
//! [`SafelistNumber`] accepts both.
//!
//! ```
//! use twilio_accounts_core::{E164, PhoneNumberError, SafelistNumber};
//!
//! let number: E164 = "+18005550100".parse()?;
//! assert_eq!(number.as_str(), "+18005550100");
//! assert_eq!(
//!     "+1 800 555 0100".parse::<E164>().unwrap_err(),
//!     PhoneNumberError::NotADigit { position: 2 }
//! );
//! let range: SafelistNumber = "+18001234xxx".parse()?;
//! assert!(range.is_range());
//! # Ok::<(), PhoneNumberError>(())
//! ```

use std::fmt;
use std::str::FromStr;

/// The most digits an E.164 number has.
pub const E164_MAX_DIGITS: usize = 15;

/// Why a string is not an E.164 number. Never contains the number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PhoneNumberError {
    /// The number does not start with `+`.
    #[error("a phone number must be in E.164 form: `+` then the country code and number")]
    MissingPlus,
    /// Nothing follows the `+`.
    #[error("a phone number must have digits after the `+`")]
    NoDigits,
    /// A character is not a digit (a space, a dash, a letter…).
    #[error(
        "a phone number in E.164 form has only digits after the `+`, but character {position} is not a digit"
    )]
    NotADigit {
        /// Zero-based byte position of the first offending character.
        position: usize,
    },
    /// The country code starts with `0` (a national number with its trunk
    /// prefix, most likely).
    #[error("a phone number in E.164 form starts with its country code, which never starts with 0")]
    LeadingZero,
    /// More than 15 digits.
    #[error("a phone number in E.164 form has at most 15 digits, but this one has {digits}")]
    TooLong {
        /// How many digits were found.
        digits: usize,
    },
}

/// Checks `^\+[1-9][0-9]{0,14}$` on `digits_and_plus`.
fn check_e164(input: &str) -> Result<(), PhoneNumberError> {
    let Some(digits) = input.strip_prefix('+') else {
        return Err(PhoneNumberError::MissingPlus);
    };
    if digits.is_empty() {
        return Err(PhoneNumberError::NoDigits);
    }
    if let Some(offset) = digits.bytes().position(|b| !b.is_ascii_digit()) {
        return Err(PhoneNumberError::NotADigit {
            position: offset + 1,
        });
    }
    if digits.starts_with('0') {
        return Err(PhoneNumberError::LeadingZero);
    }
    if digits.len() > E164_MAX_DIGITS {
        return Err(PhoneNumberError::TooLong {
            digits: digits.len(),
        });
    }
    Ok(())
}

/// A phone number in E.164 form (`+18005550100`).
///
/// `Debug` shows only its country-code digit and length, because the spec
/// marks phone numbers as personal data; [`as_str`](Self::as_str) and
/// `Display` give the number itself.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E164(String);

impl E164 {
    /// Parses a number, refusing anything but `+` and up to 15 digits.
    pub fn parse(input: &str) -> Result<Self, PhoneNumberError> {
        check_e164(input)?;
        Ok(E164(input.to_owned()))
    }

    /// The spec's example number, `+18001234567`, for examples and tests.
    pub fn spec_example() -> Self {
        E164("+18001234567".to_owned())
    }

    /// The number as it is sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Personal data stays out of `Debug`: only the first digit and the length.
fn debug_number(name: &str, number: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let first = number.get(1..2).unwrap_or("");
    write!(f, "{name}(+{first}…, {} chars)", number.len())
}

impl fmt::Debug for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_number("E164", &self.0, f)
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for E164 {
    type Err = PhoneNumberError;
    fn from_str(input: &str) -> Result<Self, PhoneNumberError> {
        Self::parse(input)
    }
}

impl serde::Serialize for E164 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// A safe-list entry: one E.164 number, or a range of 1,000 numbers written
/// as an E.164 prefix followed by `xxx` (`+18001234xxx`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SafelistNumber(String);

impl SafelistNumber {
    /// Parses a number or a 1,000-number range.
    pub fn parse(input: &str) -> Result<Self, PhoneNumberError> {
        match input.strip_suffix("xxx") {
            Some(prefix) => check_e164(prefix).and_then(|()| {
                // The `xxx` stands for three digits, which count too.
                let digits = prefix.len() - 1 + 3;
                if digits > E164_MAX_DIGITS {
                    Err(PhoneNumberError::TooLong { digits })
                } else {
                    Ok(())
                }
            })?,
            None => check_e164(input)?,
        }
        Ok(SafelistNumber(input.to_owned()))
    }

    /// The spec's example number, `+18001234567`, for examples and tests.
    pub fn spec_example() -> Self {
        SafelistNumber("+18001234567".to_owned())
    }

    /// Whether it is a range of 1,000 numbers (`…xxx`).
    pub fn is_range(&self) -> bool {
        self.0.ends_with("xxx")
    }

    /// The entry as it is sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<E164> for SafelistNumber {
    fn from(number: E164) -> Self {
        SafelistNumber(number.0)
    }
}

impl fmt::Debug for SafelistNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_number("SafelistNumber", &self.0, f)
    }
}

impl fmt::Display for SafelistNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for SafelistNumber {
    type Err = PhoneNumberError;
    fn from_str(input: &str) -> Result<Self, PhoneNumberError> {
        Self::parse(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164_accepts_plus_and_up_to_fifteen_digits() {
        for ok in ["+1", "+18005550100", "+442071838750", "+123456789012345"] {
            assert_eq!(E164::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn e164_refusals_say_what_and_where_but_not_the_number() {
        let cases = [
            ("18005550100", PhoneNumberError::MissingPlus),
            ("+", PhoneNumberError::NoDigits),
            ("+1 800", PhoneNumberError::NotADigit { position: 2 }),
            ("+1-800", PhoneNumberError::NotADigit { position: 2 }),
            ("+0800555", PhoneNumberError::LeadingZero),
            (
                "+1234567890123456",
                PhoneNumberError::TooLong { digits: 16 },
            ),
            ("", PhoneNumberError::MissingPlus),
        ];
        for (input, expected) in cases {
            let err = E164::parse(input).unwrap_err();
            assert_eq!(err, expected, "{input:?}");
            if input.len() > 3 {
                assert!(!err.to_string().contains(&input[1..]), "{err}");
            }
        }
    }

    #[test]
    fn debug_hides_the_number() {
        let number = E164::parse("+18005550100").unwrap();
        assert_eq!(format!("{number:?}"), "E164(+1…, 12 chars)");
        assert_eq!(number.to_string(), "+18005550100");
    }

    #[test]
    fn the_safe_list_also_takes_ranges_of_a_thousand() {
        let range = SafelistNumber::parse("+18001234xxx").unwrap();
        assert!(range.is_range());
        assert!(!SafelistNumber::parse("+18001234567").unwrap().is_range());
        assert_eq!(
            SafelistNumber::parse("+1234567890123xxx").unwrap_err(),
            PhoneNumberError::TooLong { digits: 16 }
        );
        assert_eq!(
            SafelistNumber::parse("+1800xx").unwrap_err(),
            PhoneNumberError::NotADigit { position: 5 }
        );
        assert_eq!(format!("{range:?}"), "SafelistNumber(+1…, 12 chars)");
    }
}
