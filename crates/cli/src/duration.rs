//! Durations on the command line: `0`, `60`, `90s`, `2m`, `1h`, `500ms`.

use std::time::Duration;

/// Parses a duration: plain seconds, or a number with `ms`, `s`, `m` or `h`.
pub fn parse_duration(input: &str) -> Result<Duration, String> {
    let text = input.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number.parse().map_err(|_| {
        format!("{input:?} is not a duration: use seconds (60) or 90s, 2m, 1h, 500ms")
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
        "ms" => Ok(Duration::from_millis(value)),
        _ => Err(format!(
            "{input:?} has an unknown unit {unit:?}: use ms, s, m or h"
        )),
    }
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
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        for bad in ["", "s", "-1", "1.5", "2d", "1 m", "99999999999999999999h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
