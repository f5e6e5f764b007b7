//! Webhook signatures: every vector produced by the official Node helper's
//! validator, Twilio's documented example, and cases of our own.

mod support;

use proptest::prelude::*;
use twilio_accounts_core::AuthToken;
use twilio_accounts_webhook::{
    Payload, SignatureAlgorithm, WebhookError, WebhookRequest, WebhookValidator, sign_request,
};

#[test]
fn every_official_vector_agrees_with_the_node_helper() {
    let vectors = support::vectors();
    let mut valid_seen = 0;
    for (i, v) in vectors.iter().enumerate() {
        let params = v.pairs();
        let payload = match v.kind.as_str() {
            "params" => Payload::Params(&params),
            "body" => Payload::Body(v.body.as_deref().unwrap().as_bytes()),
            other => panic!("unknown kind {other}"),
        };
        let request = WebhookRequest {
            url: &v.url,
            payload,
            signature: &v.signature,
            algorithm: v.algorithm(),
        };
        for (token, expected) in v.auth_tokens().into_iter().zip(&v.valid) {
            let validator = WebhookValidator::new([token]).unwrap();
            let result = validator.validate(&request);
            assert_eq!(
                result.is_ok(),
                *expected,
                "vector {i} ({}): {result:?}",
                v.url
            );
            valid_seen += usize::from(*expected);
        }
        // Both tokens at once: the index is the one the helper accepted.
        let validator = WebhookValidator::new(v.auth_tokens()).unwrap();
        assert_eq!(
            validator.validate(&request).ok(),
            v.expected(),
            "vector {i}"
        );
    }
    assert!(valid_seen > 0, "the vectors include accepted signatures");
}

#[test]
fn twilio_documented_example() {
    // https://www.twilio.com/docs/usage/security#validating-requests
    let validator = WebhookValidator::new([AuthToken::new("12345").unwrap()]).unwrap();
    let params = [
        ("CallSid", "CA1234567890ABCDE"),
        ("Caller", "+14158675309"),
        ("Digits", "1234"),
        ("From", "+14158675309"),
        ("To", "+18005551212"),
    ];
    let mut request = WebhookRequest {
        url: "https://mycompany.com/myapp.php?foo=1&bar=2",
        payload: Payload::Params(&params),
        signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
        algorithm: SignatureAlgorithm::HmacSha1,
    };
    assert_eq!(validator.validate(&request), Ok(0));
    // The port variants Twilio may sign with are accepted too.
    request.url = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
    assert_eq!(validator.validate(&request), Ok(0));
    // A raw form body gives the same result as decoded parameters.
    let body = b"CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212";
    request.payload = Payload::FormBody(body);
    request.url = "https://mycompany.com/myapp.php?foo=1&bar=2";
    assert_eq!(validator.validate(&request), Ok(0));
    // Tampering with anything fails.
    request.signature = "RSOYDt4T1cUTdK1PDd93/VVr8B8A";
    assert_eq!(
        validator.validate(&request),
        Err(WebhookError::SignatureMismatch(1))
    );
}

#[test]
fn a_non_default_port_is_signed_with_or_without_it() {
    let token = AuthToken::new("t0k3n").unwrap();
    let params = [("A", "1")];
    let signature = sign_request(
        &token,
        SignatureAlgorithm::HmacSha1,
        "https://h.example:8443/x",
        &params,
    )
    .unwrap();
    let validator = WebhookValidator::new([token]).unwrap();
    for url in ["https://h.example:8443/x", "https://h.example/x"] {
        let request = WebhookRequest {
            url,
            payload: Payload::Params(&params),
            signature: &signature,
            algorithm: SignatureAlgorithm::HmacSha1,
        };
        assert_eq!(validator.validate(&request), Ok(0), "{url}");
    }
}

#[test]
fn unicode_and_spaces_in_the_url_are_normalised_like_node() {
    let token = AuthToken::new("t0k3n").unwrap();
    let signature = sign_request(
        &token,
        SignatureAlgorithm::HmacSha256,
        "https://h.example/a%20b/%C3%BCn",
        &[],
    )
    .unwrap();
    let validator = WebhookValidator::new([token]).unwrap();
    let request = WebhookRequest {
        url: "https://h.example/a b/ün",
        payload: Payload::Params(&[]),
        signature: &signature,
        algorithm: SignatureAlgorithm::HmacSha256,
    };
    assert_eq!(validator.validate(&request), Ok(0));
}

#[test]
fn a_body_must_match_its_hash() {
    let body = br#"{"event":"x"}"#;
    // Computed independently: `printf %s '{"event":"x"}' | sha256sum`.
    let hash = "ebc2c4ea03938ee05e18c1a712d9fa02de923d6f2db34b68fe1f8dcf651e479d";
    let url = format!("https://h.example/hook?bodySHA256={hash}");
    let token = AuthToken::new("t0k3n").unwrap();
    let signature = sign_request(&token, SignatureAlgorithm::HmacSha1, &url, &[]).unwrap();
    let validator = WebhookValidator::new([token]).unwrap();
    let mut request = WebhookRequest {
        url: &url,
        payload: Payload::Body(body),
        signature: &signature,
        algorithm: SignatureAlgorithm::HmacSha1,
    };
    assert_eq!(validator.validate(&request), Ok(0));
    request.payload = Payload::Body(br#"{"event":"y"}"#);
    assert_eq!(
        validator.validate(&request),
        Err(WebhookError::BodyHashMismatch)
    );
    // A URL without bodySHA256 cannot vouch for a body.
    let bare = "https://h.example/hook";
    let signature = sign_request(
        &AuthToken::new("t0k3n").unwrap(),
        SignatureAlgorithm::HmacSha1,
        bare,
        &[],
    )
    .unwrap();
    let request = WebhookRequest {
        url: bare,
        payload: Payload::Body(body),
        signature: &signature,
        algorithm: SignatureAlgorithm::HmacSha1,
    };
    assert_eq!(
        validator.validate(&request),
        Err(WebhookError::BodyHashMismatch)
    );
}

#[test]
fn invalid_urls_are_errors_not_panics() {
    let validator = WebhookValidator::new([AuthToken::new("x").unwrap()]).unwrap();
    let request = WebhookRequest {
        url: "not a url",
        payload: Payload::Params(&[]),
        signature: "",
        algorithm: SignatureAlgorithm::HmacSha1,
    };
    assert_eq!(validator.validate(&request), Err(WebhookError::InvalidUrl));
}

fn token() -> impl Strategy<Value = String> {
    "[0-9a-f]{32}"
}

fn params() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::vec(("[A-Za-z]{1,8}", "\\PC{0,12}"), 0..6)
}

proptest! {
    #[test]
    fn a_signature_made_with_a_validates_with_a_and_b_in_either_order(
        a in token(), b in token(), params in params(),
        path in "[a-z]{0,8}", algo in prop_oneof![Just(SignatureAlgorithm::HmacSha1), Just(SignatureAlgorithm::HmacSha256)],
    ) {
        prop_assume!(a != b);
        let url = format!("https://hooks.example.com/{path}?x=1");
        let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let ta = AuthToken::new(a.as_str()).unwrap();
        let tb = AuthToken::new(b.as_str()).unwrap();
        let signature = sign_request(&ta, algo, &url, &pairs).unwrap();
        let request = WebhookRequest { url: &url, payload: Payload::Params(&pairs), signature: &signature, algorithm: algo };
        prop_assert_eq!(WebhookValidator::new([ta.clone(), tb.clone()]).unwrap().validate(&request), Ok(0));
        prop_assert_eq!(WebhookValidator::new([tb.clone(), ta.clone()]).unwrap().validate(&request), Ok(1));
        prop_assert!(WebhookValidator::new([tb.clone()]).unwrap().validate(&request).is_err());

        // Any change to the URL, a parameter or the signature makes it fail.
        let both = WebhookValidator::new([ta, tb]).unwrap();
        let other_url = format!("https://hooks.example.com/{path}?x=2");
        let changed_request = WebhookRequest { url: &other_url, ..request };
        prop_assert!(both.validate(&changed_request).is_err());
        let mut changed = pairs.clone();
        changed.push(("Extra", "1"));
        let changed_request = WebhookRequest { payload: Payload::Params(&changed), ..request };
        prop_assert!(both.validate(&changed_request).is_err());
        if let Some(first) = params.first() {
            let altered = format!("{}!", first.1);
            let mut changed = pairs.clone();
            changed[0] = (first.0.as_str(), altered.as_str());
            let changed_request = WebhookRequest { payload: Payload::Params(&changed), ..request };
        prop_assert!(both.validate(&changed_request).is_err());
        }
        let mut bad = signature.clone().into_bytes();
        bad[0] = if bad[0] == b'A' { b'B' } else { b'A' };
        let bad = String::from_utf8(bad).unwrap();
        let changed_request = WebhookRequest { signature: &bad, ..request };
        prop_assert!(both.validate(&changed_request).is_err());
    }
}

#[test]
fn repeated_keys_are_deduplicated_and_sorted_like_the_node_helper() {
    // Expected signature computed independently with Python's hmac over
    // "https://hooks.example.com/sms?x=1" + "Bodyhi" + "To+1415" + "To+1555".
    let validator =
        WebhookValidator::new([AuthToken::new("f00dfacef00dfacef00dfacef00dface").unwrap()])
            .unwrap();
    let params = [
        ("To", "+1555"),
        ("Body", "hi"),
        ("To", "+1415"),
        ("To", "+1555"),
    ];
    let request = WebhookRequest {
        url: "https://hooks.example.com/sms?x=1",
        payload: Payload::Params(&params),
        signature: "og6NqpIzedWyao5yahhliRF3Rq4=",
        algorithm: SignatureAlgorithm::HmacSha1,
    };
    assert_eq!(validator.validate(&request), Ok(0));
    // Dropping one of the repeated values changes what was signed.
    let fewer = [("To", "+1555"), ("Body", "hi")];
    let request = WebhookRequest {
        payload: Payload::Params(&fewer),
        ..request
    };
    assert!(validator.validate(&request).is_err());
}

#[test]
fn unicode_port_and_sha256_together() {
    // Twilio signed the normalised URL with its port; the request arrives
    // with the raw unicode URL. Expected value from Python's hmac (SHA-256)
    // over "https://hooks.example.com:8443/caf%C3%A9?q=%C3%BC" + "NameZoë".
    let validator =
        WebhookValidator::new([AuthToken::new("f00dfacef00dfacef00dfacef00dface").unwrap()])
            .unwrap();
    let params = [("Name", "Zoë")];
    let request = WebhookRequest {
        url: "https://hooks.example.com:8443/café?q=ü",
        payload: Payload::Params(&params),
        signature: "amnbPRbf39lAZcU4aoQivj0P+RPfiHrX3267mHNuzz8=",
        algorithm: SignatureAlgorithm::HmacSha256,
    };
    assert_eq!(validator.validate(&request), Ok(0));
    let sha1 = WebhookRequest {
        algorithm: SignatureAlgorithm::HmacSha1,
        ..request
    };
    assert!(
        validator.validate(&sha1).is_err(),
        "the algorithm is part of the signature"
    );
}
