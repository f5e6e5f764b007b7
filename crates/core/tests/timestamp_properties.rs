//! Timestamps against an independent parser (`chrono`), on generated valid
//! and near-valid inputs, plus round trips.

use chrono::DateTime;
use proptest::prelude::*;
use twilio_accounts_core::{
    AuthToken, Credentials, Endpoint, FetchAccount, RequestContext, Timestamp,
};

/// A 2010 account answer carrying `date` as both of its dates, read through
/// `FetchAccount` as a client would.
fn account_dates(
    date: &str,
) -> Result<(Option<Timestamp>, Option<Timestamp>), twilio_accounts_core::Error> {
    let context = RequestContext::new(
        Credentials::auth_token(
            "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap(),
            AuthToken::new("0123456789abcdef0123456789abcdef").unwrap(),
        ),
        Endpoint::default(),
    );
    let body = serde_json::json!({
        "sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "date_created": date,
        "date_updated": date,
    });
    let response = http::Response::builder()
        .status(200)
        .body(serde_json::to_vec(&body).unwrap())
        .unwrap();
    let fetch = FetchAccount::new("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap());
    let account = context.parse_response(&fetch, response)?.value;
    Ok((account.date_created, account.date_updated))
}

/// RFC 3339 date-times: every field in range, optional fraction, Z or offset.
fn rfc3339() -> impl Strategy<Value = String> {
    (
        1970i32..=2999,
        1u32..=12,
        1u32..=28,
        0u32..=23,
        0u32..=59,
        0u32..=59,
        proptest::option::of("[0-9]{1,9}"),
        prop_oneof![
            Just("Z".to_owned()),
            (prop_oneof![Just('+'), Just('-')], 0u32..=23, 0u32..=59)
                .prop_map(|(s, h, m)| format!("{s}{h:02}:{m:02}")),
        ],
    )
        .prop_map(|(y, mo, d, h, mi, s, frac, off)| {
            let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}{off}")
        })
}

/// Valid inputs with one character replaced, removed or duplicated.
fn near_rfc3339() -> impl Strategy<Value = String> {
    (
        rfc3339(),
        any::<prop::sample::Index>(),
        0u8..3,
        "[0-9A-Za-z:+.T -]",
    )
        .prop_map(|(s, idx, op, ch)| {
            let mut chars: Vec<char> = s.chars().collect();
            let i = idx.index(chars.len());
            match op {
                0 => chars[i] = ch.chars().next().unwrap(),
                1 => {
                    chars.remove(i);
                }
                _ => chars.insert(i, chars[i]),
            }
            chars.into_iter().collect()
        })
}

fn rfc2822() -> impl Strategy<Value = String> {
    (
        1970i32..=2999,
        1u32..=12,
        1u32..=28,
        0u32..=23,
        0u32..=59,
        0u32..=59,
        -1439i32..=1439,
    )
        .prop_map(|(y, mo, d, h, mi, s, off)| {
            let date = chrono::NaiveDate::from_ymd_opt(y, mo, d).unwrap();
            let sign = if off < 0 { '-' } else { '+' };
            let off = off.abs();
            format!(
                "{}, {:02} {} {y} {h:02}:{mi:02}:{s:02} {sign}{:02}{:02}",
                date.format("%a"),
                d,
                date.format("%b"),
                off / 60,
                off % 60
            )
        })
}

/// RFC 2822 dates with one character replaced, removed or duplicated.
fn near_rfc2822() -> impl Strategy<Value = String> {
    (
        rfc2822(),
        any::<prop::sample::Index>(),
        0u8..3,
        "[0-9A-Za-z:+, -]",
    )
        .prop_map(|(s, idx, op, ch)| {
            let mut chars: Vec<char> = s.chars().collect();
            let i = idx.index(chars.len());
            match op {
                0 => chars[i] = ch.chars().next().unwrap(),
                1 => {
                    chars.remove(i);
                }
                _ => chars.insert(i, chars[i]),
            }
            chars.into_iter().collect()
        })
}

proptest! {
    #[test]
    fn rfc3339_agrees_with_chrono_on_valid_input(input in rfc3339()) {
        let ours = Timestamp::parse_rfc3339(&input).unwrap();
        let theirs = DateTime::parse_from_rfc3339(&input).unwrap();
        prop_assert_eq!(ours.unix_timestamp(), theirs.timestamp());
        prop_assert_eq!(ours.as_offset_date_time().nanosecond(), theirs.timestamp_subsec_nanos());
        prop_assert_eq!(ours.as_offset_date_time().offset().whole_seconds(), theirs.offset().local_minus_utc());
    }

    #[test]
    fn rfc3339_accepts_what_chrono_accepts_on_near_valid_input(input in near_rfc3339()) {
        let ours = Timestamp::parse_rfc3339(&input);
        let theirs = DateTime::parse_from_rfc3339(&input);
        // Two deliberate differences: chrono also accepts a space as the
        // date-time separator (RFC 3339 mentions it only "for readability";
        // Twilio never sends it), and a leap second `:60`, which we refuse.
        let space_separator = input.len() > 10 && input.as_bytes()[10] == b' ';
        let leap_second = input.get(17..19) == Some("60");
        if !space_separator && !leap_second {
            prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{}", input);
        }
        if let (Ok(ours), Ok(theirs)) = (ours, theirs) {
            prop_assert_eq!(ours.unix_timestamp(), theirs.timestamp());
        }
    }

    #[test]
    fn rfc3339_round_trips(input in rfc3339()) {
        let t = Timestamp::parse_rfc3339(&input).unwrap();
        let again = Timestamp::parse_rfc3339(&t.to_rfc3339()).unwrap();
        prop_assert_eq!(t, again);
        prop_assert_eq!(t.as_offset_date_time().offset(), again.as_offset_date_time().offset());
    }

    #[test]
    fn rfc2822_agrees_with_chrono_and_keeps_the_offset(input in rfc2822()) {
        let ours = Timestamp::parse_rfc2822(&input).unwrap();
        let theirs = DateTime::parse_from_rfc2822(&input).unwrap();
        prop_assert_eq!(ours.unix_timestamp(), theirs.timestamp());
        prop_assert_eq!(ours.as_offset_date_time().offset().whole_seconds(), theirs.offset().local_minus_utc());
        prop_assert_eq!(ours.to_rfc2822(), input);
    }

    #[test]
    fn a_2010_accounts_rfc2822_dates_keep_their_offset_and_write_back_as_sent(input in rfc2822()) {
        let (created, updated) = account_dates(&input).unwrap();
        let (created, updated) = (created.unwrap(), updated.unwrap());
        let theirs = DateTime::parse_from_rfc2822(&input).unwrap();
        prop_assert_eq!(created.unix_timestamp(), theirs.timestamp());
        prop_assert_eq!(created.as_offset_date_time().offset().whole_seconds(), theirs.offset().local_minus_utc());
        prop_assert_eq!(created.to_rfc2822(), input.clone());
        prop_assert_eq!(updated, created);
        // Through RFC 3339 and back: the same instant and offset.
        let again = Timestamp::parse_rfc3339(&created.to_rfc3339()).unwrap();
        prop_assert_eq!(again, created);
        prop_assert_eq!(again.as_offset_date_time().offset(), created.as_offset_date_time().offset());
    }

    #[test]
    fn a_2010_account_date_the_core_refuses_is_a_decode_error_at_that_field(input in near_rfc2822()) {
        match (account_dates(&input), Timestamp::parse_rfc2822(&input)) {
            (Ok((Some(ours), _)), Ok(direct)) => prop_assert_eq!(ours, direct),
            (Err(twilio_accounts_core::Error::Decode(d)), Err(_)) => {
                prop_assert_eq!(d.path.as_str(), "date_created");
            }
            (model, direct) => prop_assert!(false, "{input:?}: {model:?} but {direct:?}"),
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(input in any::<String>()) {
        let _ = Timestamp::parse_rfc3339(&input);
        let _ = Timestamp::parse_rfc2822(&input);
    }
}
