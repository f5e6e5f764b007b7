//! Credentials from explicit values and the `TWILIO_*` variables
//! (`crates/core/src/credentials.rs`).
use base64::Engine as _;
use std::collections::HashMap;
use twilio_accounts_core::credentials::*;
use twilio_accounts_core::*;
use zeroize::Zeroizing;

const SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const KEY: &str = "SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const TOKEN: &str = "5ec7e75ec7e75ec7e75ec7e75ec7e7aa";
const SECRET: &str = "k3ys3cr3tk3ys3cr3tk3ys3cr3tk3ys3";

fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    let map: HashMap<&str, &str> = pairs.iter().copied().collect();
    move |name| map.get(name).map(|value| value.to_string())
}

#[test]
fn reads_auth_token_credentials_from_the_environment() {
    let creds = Credentials::from_env(
        CredentialsInput::default(),
        env(&[(ENV_ACCOUNT_SID, SID), (ENV_AUTH_TOKEN, TOKEN)]),
    )
    .unwrap();
    assert_eq!(
        creds,
        Credentials::auth_token(SID.parse().unwrap(), AuthToken::new(TOKEN).unwrap())
    );
}

#[test]
fn explicit_values_win_over_the_environment() {
    let other_sid = "ACcccccccccccccccccccccccccccccccc";
    let explicit = CredentialsInput {
        account_sid: Some(other_sid.into()),
        auth_token: Some(Zeroizing::new("explicit-token".into())),
        ..Default::default()
    };
    let creds = Credentials::from_env(
        explicit,
        env(&[(ENV_ACCOUNT_SID, SID), (ENV_AUTH_TOKEN, TOKEN)]),
    )
    .unwrap();
    assert_eq!(creds.account_sid().as_str(), other_sid);
    match creds {
        Credentials::AuthToken { auth_token, .. } => {
            assert_eq!(auth_token.expose_secret(), "explicit-token")
        }
        other => panic!("expected Auth Token credentials, got {other:?}"),
    }
}

#[test]
fn reads_api_key_credentials_when_no_auth_token_is_set() {
    let creds = Credentials::from_env(
        CredentialsInput::default(),
        env(&[
            (ENV_ACCOUNT_SID, SID),
            (ENV_API_KEY, KEY),
            (ENV_API_SECRET, SECRET),
        ]),
    )
    .unwrap();
    assert!(creds.is_api_key());
    let expected = Credentials::api_key(
        SID.parse().unwrap(),
        KEY.parse().unwrap(),
        ApiKeySecret::new(SECRET).unwrap(),
    );
    assert_eq!(creds, expected);
}

#[test]
fn prefers_the_auth_token_when_the_environment_has_both() {
    let creds = Credentials::from_env(
        CredentialsInput::default(),
        env(&[
            (ENV_ACCOUNT_SID, SID),
            (ENV_AUTH_TOKEN, TOKEN),
            (ENV_API_KEY, KEY),
            (ENV_API_SECRET, SECRET),
        ]),
    )
    .unwrap();
    assert!(!creds.is_api_key());
}

#[test]
fn an_explicit_api_key_wins_over_an_auth_token_in_the_environment() {
    let explicit = CredentialsInput {
        api_key: Some(KEY.into()),
        api_secret: Some(Zeroizing::new(SECRET.into())),
        ..Default::default()
    };
    let creds = Credentials::from_env(
        explicit,
        env(&[(ENV_ACCOUNT_SID, SID), (ENV_AUTH_TOKEN, TOKEN)]),
    )
    .unwrap();
    assert!(creds.is_api_key());
}

#[test]
fn names_the_missing_variable() {
    let none = |_: &str| None;
    assert_eq!(
        Credentials::from_env(CredentialsInput::default(), none).unwrap_err(),
        CredentialsError::Missing {
            variable: ENV_ACCOUNT_SID,
            what: "account SID"
        }
    );
    let err = Credentials::from_env(CredentialsInput::default(), env(&[(ENV_ACCOUNT_SID, SID)]))
        .unwrap_err();
    assert_eq!(
        err,
        CredentialsError::Missing {
            variable: ENV_AUTH_TOKEN,
            what: "Auth Token"
        }
    );
    assert!(err.to_string().contains("TWILIO_AUTH_TOKEN is not set"));
    let err = Credentials::from_env(
        CredentialsInput::default(),
        env(&[(ENV_ACCOUNT_SID, SID), (ENV_API_KEY, KEY)]),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        CredentialsError::Missing {
            variable: ENV_API_SECRET,
            ..
        }
    ));
}

#[test]
fn empty_variables_count_as_unset() {
    let err = Credentials::from_env(
        CredentialsInput::default(),
        env(&[(ENV_ACCOUNT_SID, SID), (ENV_AUTH_TOKEN, "")]),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        CredentialsError::Missing {
            variable: ENV_AUTH_TOKEN,
            ..
        }
    ));
}

#[test]
fn malformed_values_name_the_variable_and_hide_the_secret() {
    let err = Credentials::from_env(
        CredentialsInput::default(),
        env(&[(ENV_ACCOUNT_SID, KEY), (ENV_AUTH_TOKEN, TOKEN)]),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        CredentialsError::InvalidSid {
            variable: ENV_ACCOUNT_SID,
            ..
        }
    ));
    let padded = format!("{TOKEN}\n");
    let err = Credentials::from_env(
        CredentialsInput::default(),
        env(&[(ENV_ACCOUNT_SID, SID), (ENV_AUTH_TOKEN, &padded)]),
    )
    .unwrap_err();
    assert!(err.to_string().starts_with("TWILIO_AUTH_TOKEN: "));
    assert!(!err.to_string().contains(TOKEN));
    assert!(!format!("{err:?}").contains(TOKEN));
}

#[test]
fn authorization_is_basic_base64_and_sensitive() {
    let creds = Credentials::auth_token(SID.parse().unwrap(), AuthToken::new(TOKEN).unwrap());
    let header = creds.authorization();
    assert!(header.is_sensitive());
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{TOKEN}"))
    );
    assert_eq!(header.to_str().unwrap(), expected);
    assert_eq!(format!("{header:?}"), "Sensitive");

    let key = Credentials::api_key(
        SID.parse().unwrap(),
        KEY.parse().unwrap(),
        ApiKeySecret::new(SECRET).unwrap(),
    );
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{KEY}:{SECRET}"))
    );
    assert_eq!(key.authorization().to_str().unwrap(), expected);
}

#[test]
fn debug_redacts_secrets() {
    let creds = Credentials::auth_token(SID.parse().unwrap(), AuthToken::new(TOKEN).unwrap());
    let text = format!("{creds:?}");
    assert!(text.contains(SID));
    assert!(!text.contains(TOKEN));
    let input = CredentialsInput {
        auth_token: Some(Zeroizing::new(TOKEN.into())),
        api_secret: Some(Zeroizing::new(SECRET.into())),
        ..Default::default()
    };
    let text = format!("{input:?}");
    assert!(!text.contains(TOKEN) && !text.contains(SECRET), "{text}");
}
