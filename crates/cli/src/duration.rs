//! Durations on the command line: `0`, `60`, `90s`, `2m`, `1h`, `90d`, `500ms`.

use std::time::Duration;

/// Parses a duration: plain seconds, or a number with `ms`, `s`, `m`, `h` or `d`.
pub fn parse_duration(input: &str) -> Result<Duration, String> {
    let text = input.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number.parse().map_err(|_| {
        format!("{input:?} is not a duration: use seconds (60) or 90s, 2m, 1h, 90d, 500ms")
    })?;
    let seconds = |factor: u64| {
        value
            .checked_mul(factor)
            .map(Duration::from_secs)
            .ok_or_else(|| format!("{input:?} is too long"))
    };
    match unit {
        "" | "s" => seconds(1),
        "m" => seconds(60),
        "h" => seconds(3600),
        "d" => seconds(86_400),
        "ms" => Ok(Duration::from_millis(value)),
        _ => Err(format!(
            "{input:?} has an unknown unit {unit:?}: use ms, s, m, h or d"
        )),
    }
}

/// The longest settle period `--settle` takes: Twilio documents about a
/// minute; anything near an hour is a typo, not a plan.
pub const MAX_SETTLE: Duration = Duration::from_secs(15 * 60);

/// Parses a `--settle` period: a duration of at most [`MAX_SETTLE`].
pub fn parse_settle(input: &str) -> Result<Duration, String> {
    let value = parse_duration(input)?;
    if value > MAX_SETTLE {
        return Err(format!(
            "{input:?} is longer than the 15m a settle period may last (Twilio's services need about a minute)"
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_plain_seconds_and_units() {
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("60"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("90d"), Ok(Duration::from_secs(90 * 86_400)));
    }

    #[test]
    fn settle_periods_stop_at_fifteen_minutes() {
        assert_eq!(parse_settle("15m"), Ok(Duration::from_secs(900)));
        assert!(parse_settle("901").is_err());
        assert!(parse_settle("1h").is_err());
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        for bad in [
            "",
            "s",
            "-1",
            "1.5",
            "2y",
            "1 m",
            "99999999999999999999h",
            "999999999999999d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
