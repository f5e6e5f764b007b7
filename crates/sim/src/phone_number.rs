//! E.164 phone numbers, as the safe list and the bulk consent and contact items take them.

/// Fewest digits the simulator accepts after the `+`: shorter strings (`+19`, the invalid contact of the
/// spec's bulk examples) cannot be a country code and a subscriber number.
const MIN_DIGITS: usize = 7;
/// E.164 allows at most 15 digits.
const MAX_DIGITS: usize = 15;

/// `+`, a non-zero digit, then digits, 7 to 15 in all.
pub(crate) fn is_e164(s: &str) -> bool {
    s.strip_prefix('+').is_some_and(|digits| {
        (MIN_DIGITS..=MAX_DIGITS).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0')
    })
}

/// A number, or a range of 1,000 numbers written with its last three digits as `xxx` (`+18001234xxx`), as
/// the safe list takes them.
pub(crate) fn is_e164_or_range(s: &str) -> bool {
    is_e164(s)
        || s.strip_suffix("xxx")
            .is_some_and(|prefix| is_e164(&format!("{prefix}000")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_ranges_are_told_from_other_strings() {
        let cases = [
            ("+18001234567", true, true),
            ("+4930123456", true, true),
            ("+1234567", true, true),
            ("+123456789012345", true, true),
            ("+1234567890123456", false, false),
            ("+19", false, false),
            ("18001234567", false, false),
            ("+08001234567", false, false),
            (" 18001234567", false, false),
            ("+1800123456a", false, false),
            ("+18001234xxx", false, true),
            ("+18xxx", false, false),
            ("+18001234XXX", false, false),
            ("", false, false),
        ];
        for (s, number, number_or_range) in cases {
            assert_eq!(is_e164(s), number, "{s}");
            assert_eq!(is_e164_or_range(s), number_or_range, "{s}");
        }
    }
}
