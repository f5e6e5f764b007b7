//! SIDs against an independent oracle: the spec's own pattern, compiled by
//! the `regex` crate.

use proptest::prelude::*;
use regex::Regex;
use twilio_accounts_core::{AccountSid, ApiKeySid, CredentialSid, SidError};

fn pattern(prefix: &str) -> Regex {
    // The spec's pattern, e.g. ^AC[0-9a-fA-F]{32}$ (twilio_accounts_v1.json).
    Regex::new(&format!("^{prefix}[0-9a-fA-F]{{32}}$")).unwrap()
}

/// Strings near the pattern: right prefix or not, hex or not, about the right length.
fn near_sid() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            Just("AC"),
            Just("CR"),
            Just("SK"),
            Just("ac"),
            Just("A"),
            Just("")
        ],
        proptest::collection::vec(
            prop_oneof![
                8 => proptest::char::ranges(vec!['0'..='9', 'a'..='f', 'A'..='F'].into()),
                1 => any::<char>(),
            ],
            30..=34,
        ),
    )
        .prop_map(|(prefix, body)| format!("{prefix}{}", body.into_iter().collect::<String>()))
}

proptest! {
    #[test]
    fn valid_account_sids_round_trip(hex in "[0-9a-fA-F]{32}") {
        let input = format!("AC{hex}");
        let sid: AccountSid = input.parse().unwrap();
        prop_assert_eq!(sid.to_string(), input.clone());
        prop_assert_eq!(sid.to_string().parse::<AccountSid>().unwrap(), sid);
        let json = serde_json::to_string(&sid).unwrap();
        prop_assert_eq!(serde_json::from_str::<AccountSid>(&json).unwrap(), sid);
    }

    #[test]
    fn arbitrary_strings_never_panic(input in any::<String>()) {
        let _ = AccountSid::parse(&input);
        let _ = CredentialSid::parse(&input);
        let _ = ApiKeySid::parse(&input);
    }

    #[test]
    fn accepted_iff_the_spec_pattern_matches(input in prop_oneof![near_sid(), any::<String>()]) {
        prop_assert_eq!(AccountSid::parse(&input).is_ok(), pattern("AC").is_match(&input));
        prop_assert_eq!(CredentialSid::parse(&input).is_ok(), pattern("CR").is_match(&input));
        prop_assert_eq!(ApiKeySid::parse(&input).is_ok(), pattern("SK").is_match(&input));
    }

    #[test]
    fn errors_describe_the_input_exactly(input in near_sid()) {
        match AccountSid::parse(&input) {
            Ok(_) => prop_assert!(pattern("AC").is_match(&input)),
            Err(SidError::WrongLength { found, .. }) => {
                prop_assert_eq!(found, input.len());
                prop_assert_ne!(input.len(), 34);
            }
            Err(SidError::WrongPrefix { expected, .. }) => {
                prop_assert_eq!(expected, "AC");
                prop_assert!(!input.as_bytes().starts_with(b"AC"));
            }
            Err(SidError::NotHex { position, .. }) => {
                prop_assert!(!input.as_bytes()[position].is_ascii_hexdigit());
                prop_assert!(input.as_bytes()[2..position].iter().all(u8::is_ascii_hexdigit));
            }
            Err(other) => prop_assert!(false, "unexpected {:?}", other),
        }
    }
}
