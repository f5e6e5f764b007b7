//! Timestamps as Twilio sends them.
//!
//! Accounts v1 sends RFC 3339 (ISO 8601) date-times such as
//! `2015-07-31T04:00:00Z`; offsets (`+02:00`) and fractional seconds are
//! accepted too. Older Twilio APIs (2010-04-01) send RFC 2822 dates such as
//! `Fri, 31 Jul 2015 04:00:00 +0000`. Both keep the offset they were given:
//! the official libraries drop or misread it, which silently shifts times.
//!
//! Serde: `Timestamp` (de)serializes as RFC 3339, and `Option<Timestamp>`
//! reads JSON `null` as `None`, which is how the spec's nullable fields are
//! modelled. For RFC 2822 fields use [`rfc2822`] and [`rfc2822::option`] with
//! `#[serde(with = "…")]`.
//!
//! ```
//! use twilio_accounts_core::Timestamp;
//!
//! let t = Timestamp::parse_rfc3339("2015-07-31T04:00:00Z")?;
//! let u = Timestamp::parse_rfc2822("Fri, 31 Jul 2015 06:00:00 +0200")?;
//! assert_eq!(t, u); // the same instant…
//! assert_eq!(u.to_rfc2822(), "Fri, 31 Jul 2015 06:00:00 +0200"); // …and the offset is kept
//! # Ok::<(), twilio_accounts_core::TimestampError>(())
//! ```

use std::fmt;
use std::str::FromStr;

use time::OffsetDateTime;
use time::format_description::well_known::{Rfc2822, Rfc3339};

/// An instant with the UTC offset it was written with.
///
/// Equality and ordering compare instants: `04:00Z` equals `06:00+02:00`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

/// Why a string is not a timestamp. Never repeats the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an {format} timestamp: {reason}")]
pub struct TimestampError {
    /// The format that was expected ("RFC 3339" or "RFC 2822").
    pub format: &'static str,
    /// What was wrong, from the parser (names the component, not the text).
    pub reason: String,
}

impl Timestamp {
    /// Parses an RFC 3339 date-time: `2015-07-31T04:00:00Z`,
    /// `2015-07-31T04:00:00.123+02:00`.
    pub fn parse_rfc3339(input: &str) -> Result<Self, TimestampError> {
        // `time` accepts any character between the date and the time
        // (`2015-07-31a04:00:00Z`); RFC 3339 allows only `T` (or `t`).
        if input.len() > 10 && !matches!(input.as_bytes()[10], b'T' | b't') {
            return Err(TimestampError {
                format: "RFC 3339",
                reason: "the date and the time must be separated by 'T'".to_owned(),
            });
        }
        OffsetDateTime::parse(input, &Rfc3339)
            .map(Timestamp)
            .map_err(|err| TimestampError {
                format: "RFC 3339",
                reason: err.to_string(),
            })
    }

    /// Parses an RFC 2822 date: `Fri, 31 Jul 2015 04:00:00 +0000`.
    ///
    /// RFC 2822 has whole seconds only, so a leap second (`23:59:60`) reads
    /// as `23:59:59`, which writes back as it was read.
    pub fn parse_rfc2822(input: &str) -> Result<Self, TimestampError> {
        let parsed = OffsetDateTime::parse(input, &Rfc2822).map_err(|err| TimestampError {
            format: "RFC 2822",
            reason: err.to_string(),
        })?;
        // `time` reads a leap second as 23:59:59.999999999, a fraction that
        // `to_rfc2822` cannot write: the round trip would move the instant.
        let parsed = parsed.replace_nanosecond(0).unwrap_or(parsed);
        // `time` drops the sign of a numeric offset whose hours are zero
        // (`-0030` becomes `+0030`), which moves the instant by up to two
        // hours. Re-read a numeric zone here and re-anchor the local time.
        let value = match numeric_zone(input) {
            Some(offset) if offset != parsed.offset() => {
                time::PrimitiveDateTime::new(parsed.date(), parsed.time()).assume_offset(offset)
            }
            _ => parsed,
        };
        // `time` reads zones up to ±25:59; RFC 3339, which `to_rfc3339` and
        // serde write, stops at ±23:59.
        if value.offset().whole_hours().unsigned_abs() > 23 {
            return Err(TimestampError {
                format: "RFC 2822",
                reason: "the zone is more than 23:59 hours from UTC".to_owned(),
            });
        }
        Ok(Timestamp(value))
    }

    /// Wraps a `time` value (for callers that have a clock; the core has none).
    pub fn from_offset_date_time(value: OffsetDateTime) -> Self {
        Timestamp(value)
    }

    /// The underlying `time` value, offset included.
    pub fn as_offset_date_time(&self) -> OffsetDateTime {
        self.0
    }

    /// Seconds since the Unix epoch.
    pub fn unix_timestamp(&self) -> i64 {
        self.0.unix_timestamp()
    }

    /// RFC 3339 with the original offset (`Z` for UTC).
    pub fn to_rfc3339(&self) -> String {
        // Formatting fails only for years outside 0..=9999, which RFC 3339
        // parsing cannot produce; such a value is written with `Debug`.
        self.0
            .format(&Rfc3339)
            .unwrap_or_else(|_| format!("{:?}", self.0))
    }

    /// RFC 2822 with the original offset.
    pub fn to_rfc2822(&self) -> String {
        self.0
            .format(&Rfc2822)
            .unwrap_or_else(|_| format!("{:?}", self.0))
    }
}

/// The `+HHMM` / `-HHMM` zone of an RFC 2822 date that `time` accepted, if
/// numeric.
///
/// Outside comments, the zone's sign is the only `+` or `-` such a date can
/// hold; the zone may be followed by a comment and preceded by any folding
/// whitespace (tabs, line breaks) or comment, and comments nest and escape.
fn numeric_zone(input: &str) -> Option<time::UtcOffset> {
    let bytes = input.as_bytes();
    let (mut depth, mut zone, mut i) = (0usize, None, 0);
    while i < bytes.len() {
        match (bytes[i], depth) {
            (b'\\', 1..) => i += 1,
            (b'(', _) => depth += 1,
            (b')', 1..) => depth -= 1,
            (b'+' | b'-', 0) => zone = bytes.get(i..i + 5),
            _ => {}
        }
        i += 1;
    }
    let Some([sign @ (b'+' | b'-'), digits @ ..]) = zone else {
        return None;
    };
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let number = |i: usize| i8::try_from((digits[i] - b'0') * 10 + (digits[i + 1] - b'0')).ok();
    let (hours, minutes) = (number(0)?, number(2)?);
    let sign = if *sign == b'-' { -1 } else { 1 };
    time::UtcOffset::from_hms(sign * hours, sign * minutes, 0).ok()
}

impl FromStr for Timestamp {
    type Err = TimestampError;
    /// Parses RFC 3339, the format of Accounts v1.
    fn from_str(input: &str) -> Result<Self, TimestampError> {
        Timestamp::parse_rfc3339(input)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({})", self.to_rfc3339())
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(value: OffsetDateTime) -> Self {
        Timestamp(value)
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 timestamp such as 2015-07-31T04:00:00Z")
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Timestamp, E> {
                Timestamp::parse_rfc3339(value).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// Serde for RFC 2822 fields of the older Twilio APIs:
/// `#[serde(with = "twilio_accounts_core::timestamp::rfc2822")]`.
pub mod rfc2822 {
    use super::Timestamp;

    /// Writes the timestamp as RFC 2822.
    pub fn serialize<S: serde::Serializer>(
        value: &Timestamp,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&value.to_rfc2822())
    }

    /// Reads an RFC 2822 timestamp.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Timestamp, D::Error> {
        let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
        Timestamp::parse_rfc2822(&text).map_err(serde::de::Error::custom)
    }

    /// The same for nullable fields: `null` is `None`.
    /// Combine with `#[serde(default)]` when the field may be absent.
    pub mod option {
        use super::Timestamp;

        /// Writes `None` as `null`.
        pub fn serialize<S: serde::Serializer>(
            value: &Option<Timestamp>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(value) => serializer.serialize_str(&value.to_rfc2822()),
                None => serializer.serialize_none(),
            }
        }

        /// Reads `null` as `None`.
        pub fn deserialize<'de, D: serde::Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<Timestamp>, D::Error> {
            let text: Option<std::borrow::Cow<'de, str>> =
                serde::Deserialize::deserialize(deserializer)?;
            text.map(|text| Timestamp::parse_rfc2822(&text).map_err(serde::de::Error::custom))
                .transpose()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_dates_and_times_are_refused() {
        for input in [
            "2015-07-31 04:00:00Z",
            "2015/07/31T04:00:00Z",
            "2015-07-31T04-00:00Z",
            "2015-07-31T04:00-00Z",
            "2015-02-29T04:00:00Z",
            "2015-13-01T04:00:00Z",
            "2015-07-31T24:00:00Z",
            "2015-07-31T04:60:00Z",
            "2015-07-3aT04:00:00Z",
            "+015-07-31T04:00:00Z",
        ] {
            assert!(Timestamp::parse_rfc3339(input).is_err(), "{input}");
        }
    }

    #[test]
    fn parses_the_spec_example() {
        let t = Timestamp::parse_rfc3339("2015-07-31T04:00:00Z").unwrap();
        assert_eq!(t.unix_timestamp(), 1_438_315_200);
        assert_eq!(t.to_string(), "2015-07-31T04:00:00Z");
    }

    #[test]
    fn keeps_offsets_and_fractions() {
        let t = Timestamp::parse_rfc3339("2015-07-31T06:00:00.25+02:00").unwrap();
        assert_eq!(t.unix_timestamp(), 1_438_315_200);
        assert_eq!(t.as_offset_date_time().offset().whole_hours(), 2);
        assert_eq!(t.as_offset_date_time().millisecond(), 250);
        assert_eq!(t.to_rfc3339(), "2015-07-31T06:00:00.25+02:00");
    }

    #[test]
    fn parses_rfc2822_and_keeps_its_offset() {
        let t = Timestamp::parse_rfc2822("Fri, 31 Jul 2015 04:00:00 -0700").unwrap();
        assert_eq!(t.unix_timestamp(), 1_438_315_200 + 7 * 3600);
        assert_eq!(t.to_rfc2822(), "Fri, 31 Jul 2015 04:00:00 -0700");
    }

    #[test]
    fn negative_offsets_under_an_hour_keep_their_sign() {
        // Found by the property tests against chrono: `time` alone reads
        // these as +00:30 / +00:01.
        let t = Timestamp::parse_rfc2822("Thu, 01 Jan 1970 00:00:00 -0030").unwrap();
        assert_eq!(t.unix_timestamp(), 1800);
        assert_eq!(t.as_offset_date_time().offset().whole_seconds(), -1800);
        assert_eq!(t.to_rfc2822(), "Thu, 01 Jan 1970 00:00:00 -0030");
        let t = Timestamp::parse_rfc2822("Thu, 01 Jan 1970 00:00:00 -0001").unwrap();
        assert_eq!(t.unix_timestamp(), 60);
    }

    #[test]
    fn an_rfc2822_leap_second_reads_as_the_second_before_and_writes_back_unchanged() {
        // Found by the fuzz checks: `time` reads 23:59:60 as 23:59:59.999999999,
        // which RFC 2822 cannot write, so a round trip moved the instant.
        let t = Timestamp::parse_rfc2822("Sat, 31 Dec 2016 23:59:60 +0000").unwrap();
        assert_eq!(t.as_offset_date_time().nanosecond(), 0);
        assert_eq!(t.to_rfc2822(), "Sat, 31 Dec 2016 23:59:59 +0000");
        assert_eq!(Timestamp::parse_rfc2822(&t.to_rfc2822()).unwrap(), t);
    }

    #[test]
    fn a_negative_zone_keeps_its_sign_after_any_folding_whitespace_or_around_comments() {
        // Found by the fuzz checks: the sign was re-read only from the last
        // space-separated word, so a tab, a line break or a trailing comment
        // let `time`'s lost sign through (-00:30 read as +00:30).
        for input in [
            "Thu, 01 Jan 1970 00:00:00\t-0030",
            "Thu, 01 Jan 1970 00:00:00\r\n -0030",
            "Thu, 01 Jan 1970 00:00:00 -0030 (comment)",
            "Thu, 01 Jan 1970 00:00:00 (a +0100 comment) -0030 (\\) (nested (+0200)))",
        ] {
            let t = Timestamp::parse_rfc2822(input).unwrap();
            assert_eq!(
                t.as_offset_date_time().offset().whole_seconds(),
                -1800,
                "{input:?}"
            );
            assert_eq!(t.unix_timestamp(), 1800, "{input:?}");
        }
    }

    #[test]
    fn rfc2822_zones_beyond_23_59_are_refused() {
        // Found by fuzzing: `time` reads zones up to ±25:59, which
        // `to_rfc3339` (and so serde) cannot write.
        for input in [
            "Tue, 01 Jan 2019 00:00:00 -2459",
            "Tue, 01 Jan 2019 00:00:00 +2400",
            "Mon,01 Jan 19 00:00:00 \r-2459",
        ] {
            let err = Timestamp::parse_rfc2822(input).unwrap_err();
            assert_eq!(err.format, "RFC 2822", "{input:?}");
        }
        let t = Timestamp::parse_rfc2822("Tue, 01 Jan 2019 00:00:00 -2359").unwrap();
        assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()).unwrap(), t);
    }

    #[test]
    fn only_t_separates_date_and_time() {
        // Found by the property tests against chrono: `time` alone accepts
        // any character here.
        assert!(Timestamp::parse_rfc3339("1970-01-01a00:00:00Z").is_err());
        assert!(Timestamp::parse_rfc3339("1970-01-01 00:00:00Z").is_err());
        assert!(Timestamp::parse_rfc3339("1970-01-01t00:00:00Z").is_ok());
    }

    #[test]
    fn rejects_garbage_without_echoing_it() {
        for input in ["", "2015-07-31", "2015-13-01T00:00:00Z", "secret-ish-text"] {
            let err = Timestamp::parse_rfc3339(input).unwrap_err();
            assert_eq!(err.format, "RFC 3339");
            if !input.is_empty() {
                assert!(!err.to_string().contains(input), "{err}");
            }
        }
        assert!(Timestamp::parse_rfc2822("2015-07-31T04:00:00Z").is_err());
    }

    #[test]
    fn serde_reads_null_as_none_and_strings_as_rfc3339() {
        #[derive(serde::Deserialize)]
        struct Fields {
            a: Option<Timestamp>,
            b: Option<Timestamp>,
            #[serde(default, with = "rfc2822::option")]
            c: Option<Timestamp>,
            #[serde(default, with = "rfc2822::option")]
            d: Option<Timestamp>,
        }
        let fields: Fields = serde_json::from_str(
            r#"{"a": null, "b": "2015-07-31T04:00:00Z", "c": "Fri, 31 Jul 2015 04:00:00 +0000"}"#,
        )
        .unwrap();
        assert_eq!(fields.a, None);
        assert_eq!(fields.b.unwrap().unix_timestamp(), 1_438_315_200);
        assert_eq!(fields.c.unwrap().unix_timestamp(), 1_438_315_200);
        assert_eq!(fields.d, None);
        assert!(serde_json::from_str::<Fields>(r#"{"a": "nope", "b": null}"#).is_err());
    }
}
