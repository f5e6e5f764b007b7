//! Public Key Client Validation against known answers.
//!
//! `data/pkcv-vectors.json` is copied from the project's shared notes
//! (`shared/pkcv-vectors.json`): Twilio's PKCV documentation example (its
//! published example key pair, not a secret) and cases from the unit tests
//! of twilio-python, twilio-java and twilio-node; each case names its source.
//! One test per table; every row of the file is used.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, HeaderName, HeaderValue, Request};
use proptest::prelude::*;
use serde_json::Value;
use twilio_accounts_core::pkcv::{
    self, Algorithm, CanonicalError, CanonicalRequest, Claims, Issuer, PkcvError, SignatureError,
    SignedHeaders, TokenOptions,
};
use twilio_accounts_core::{ApiKeySecret, Credentials};

fn vectors() -> Value {
    serde_json::from_str(include_str!("data/pkcv-vectors.json")).unwrap()
}

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {value}"))
}

fn signed_headers(case: &Value, key: &str) -> SignedHeaders {
    SignedHeaders::new(
        case[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|name| HeaderName::from_bytes(name.as_str().unwrap().as_bytes()).unwrap()),
    )
}

/// A request of a vector: method, path, query, headers (an object), body.
fn request_of(case: &Value) -> Request<Vec<u8>> {
    let query = str_of(case, "query");
    let target = if query.is_empty() {
        str_of(case, "path").to_owned()
    } else {
        format!("{}?{query}", str_of(case, "path"))
    };
    let mut builder = Request::builder()
        .method(str_of(case, "method"))
        .uri(target);
    for (name, value) in case["headers"].as_object().unwrap() {
        builder = builder.header(name, value.as_str().unwrap());
    }
    builder
        .body(str_of(case, "body").as_bytes().to_vec())
        .unwrap()
}

#[test]
fn the_docs_example_and_the_libraries_rqh_cases_give_their_canonical_request_and_rqh() {
    let vectors = vectors();
    let docs = &vectors["docs_example"];
    let mut cases = vec![(
        "docs example",
        request_of(&docs["request"]),
        signed_headers(docs, "signed_headers"),
        str_of(docs, "canonical_request"),
        str_of(docs, "rqh"),
    )];
    for case in vectors["rqh_cases"].as_array().unwrap() {
        cases.push((
            str_of(case, "source"),
            request_of(case),
            signed_headers(case, "signed_headers"),
            str_of(case, "canonical_request"),
            str_of(case, "rqh"),
        ));
    }
    assert_eq!(cases.len(), 3);
    for (source, request, signed, canonical, rqh) in cases {
        let made = CanonicalRequest::new(&request, &signed).unwrap();
        assert_eq!(made.as_str(), canonical, "{source}");
        assert_eq!(made.rqh(), rqh, "{source}");
        assert_eq!(made.hrh(), "authorization;host", "{source}");
    }
    assert_eq!(
        pkcv::body_hash(str_of(&docs["request"], "body").as_bytes()),
        str_of(docs, "body_sha256")
    );
}

#[test]
fn query_cases_canonicalise_as_the_libraries_do() {
    let vectors = vectors();
    let cases = vectors["canonical_query_cases"].as_array().unwrap();
    assert_eq!(cases.len(), 10);
    for case in cases {
        assert_eq!(
            pkcv::canonical_query(str_of(case, "query")),
            str_of(case, "canonical"),
            "{}",
            str_of(case, "source")
        );
    }
}

#[test]
fn path_cases_canonicalise_as_the_libraries_do() {
    let vectors = vectors();
    let cases = vectors["canonical_path_cases"].as_array().unwrap();
    assert_eq!(cases.len(), 6);
    for case in cases {
        assert_eq!(
            pkcv::canonical_path(str_of(case, "path")),
            str_of(case, "canonical"),
            "{}",
            str_of(case, "source")
        );
    }
}

#[test]
fn header_cases_canonicalise_as_the_libraries_do() {
    let vectors = vectors();
    let cases = vectors["canonical_header_cases"].as_array().unwrap();
    assert_eq!(cases.len(), 3);
    for case in cases {
        let mut headers = HeaderMap::new();
        for pair in case["headers"].as_array().unwrap() {
            headers.append(
                HeaderName::from_bytes(pair[0].as_str().unwrap().as_bytes()).unwrap(),
                HeaderValue::from_str(pair[1].as_str().unwrap()).unwrap(),
            );
        }
        assert_eq!(
            pkcv::canonical_headers(&headers, &signed_headers(case, "signed")).unwrap(),
            str_of(case, "canonical"),
            "{}",
            str_of(case, "source")
        );
    }
}

#[test]
fn body_hash_cases_and_the_empty_body() {
    let vectors = vectors();
    let cases = vectors["body_hash_cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    for case in cases {
        assert_eq!(
            pkcv::body_hash(str_of(case, "body").as_bytes()),
            str_of(case, "sha256"),
            "{}",
            str_of(case, "source")
        );
    }
    assert_eq!(pkcv::body_hash(b""), "", "an empty body hashes to nothing");
}

/// The docs example's JWT, byte for byte: the header and payload JSON in
/// the documented key order, and the RS256 signature with the example key.
#[test]
fn the_docs_example_jwt_is_reproduced_byte_for_byte() {
    use rustls_pki_types::{PrivatePkcs1KeyDer, pem::PemObject};
    let vectors = vectors();
    let docs = &vectors["docs_example"];
    let kid = "CR00000000000000000000000000000000".parse().unwrap();
    let issuer = Issuer::new(
        "SK00000000000000000000000000000000".parse().unwrap(),
        "AC00000000000000000000000000000000".parse().unwrap(),
    );
    assert_eq!(
        pkcv::jwt_header_json(Algorithm::Rs256, &kid),
        str_of(docs, "jwt_header_json")
    );
    let claims = Claims {
        iss: issuer.api_key_sid,
        sub: issuer.account_sid,
        exp: 1_471_827_354,
        nbf: None,
        hrh: "authorization;host".to_owned(),
        rqh: str_of(docs, "rqh").to_owned(),
    };
    assert_eq!(
        pkcv::jwt_payload_json(&claims),
        str_of(docs, "jwt_payload_json")
    );

    let der = PrivatePkcs1KeyDer::from_pem_slice(str_of(docs, "private_key_pem_pkcs1").as_bytes())
        .unwrap();
    let key = ring::signature::RsaKeyPair::from_der(der.secret_pkcs1_der()).unwrap();
    let rng = ring::rand::SystemRandom::new();
    let signer = pkcv::signer_fn(kid, Algorithm::Rs256, |input: &[u8]| {
        let mut signature = vec![0; key.public().modulus_len()];
        key.sign(
            &ring::signature::RSA_PKCS1_SHA256,
            &rng,
            input,
            &mut signature,
        )
        .map_err(|_| SignatureError::new("ring refused"))?;
        Ok(signature)
    });
    let request = request_of(&docs["request"]);
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_471_827_354 - 300);
    let token =
        pkcv::validation_token(&request, &issuer, &signer, now, &TokenOptions::default()).unwrap();
    assert_eq!(token, str_of(docs, "jwt"));
}

#[test]
fn claims_carry_exp_after_the_lifetime_and_nbf_only_when_asked() {
    let request = Request::get("https://api.twilio.com/x")
        .header("authorization", "Basic x")
        .header("host", "api.twilio.com")
        .body(Vec::new())
        .unwrap();
    let canonical = CanonicalRequest::new(&request, &SignedHeaders::default()).unwrap();
    let issuer = Issuer::new(
        "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap(),
        "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap(),
    );
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
    let plain = pkcv::claims(&canonical, &issuer, now, &TokenOptions::default()).unwrap();
    assert_eq!((plain.exp, plain.nbf), (1_300, None));
    let short = TokenOptions::new()
        .with_lifetime(Duration::from_secs(60))
        .unwrap()
        .with_not_before(true);
    let with_nbf = pkcv::claims(&canonical, &issuer, now, &short).unwrap();
    assert_eq!((with_nbf.exp, with_nbf.nbf), (1_060, Some(1_000)));
    assert!(pkcv::jwt_payload_json(&with_nbf).contains(r#""exp":1060,"nbf":1000,"hrh""#));
    assert_eq!(
        pkcv::claims(
            &canonical,
            &issuer,
            SystemTime::UNIX_EPOCH - Duration::from_secs(1),
            &short
        ),
        Err(PkcvError::ClockBeforeEpoch)
    );
}

/// What cannot be signed is a typed error, matched here row by row.
#[test]
fn requests_that_cannot_be_signed_are_refused_with_a_typed_error() {
    let signer = pkcv::signer_fn(
        "CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap(),
        Algorithm::Ps256,
        |_: &[u8]| Ok(vec![1, 2, 3]),
    );
    let issuer = Issuer::new(
        "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap(),
        "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap(),
    );
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
    let with_auth = |uri: &str| {
        Request::get(uri)
            .header("authorization", "Basic x")
            .body(Vec::<u8>::new())
            .unwrap()
    };
    let mut not_text = with_auth("https://api.twilio.com/x");
    not_text.headers_mut().insert(
        "authorization",
        HeaderValue::from_bytes(b"Basic \xff").unwrap(),
    );
    let rows: Vec<(&str, Request<Vec<u8>>, TokenOptions, PkcvError)> = vec![
        (
            "no Authorization",
            Request::get("https://api.twilio.com/x")
                .body(Vec::new())
                .unwrap(),
            TokenOptions::default(),
            CanonicalError::SignedHeaderMissing {
                name: "authorization".into(),
            }
            .into(),
        ),
        (
            "a relative URI and no Host",
            with_auth("/x"),
            TokenOptions::default(),
            CanonicalError::NoHost.into(),
        ),
        (
            "a header value that is not text",
            not_text,
            TokenOptions::default(),
            CanonicalError::HeaderNotText {
                name: "authorization".into(),
            }
            .into(),
        ),
        (
            "host left out of hrh",
            with_auth("https://api.twilio.com/x"),
            TokenOptions::new()
                .with_signed_headers(SignedHeaders::new([http::header::AUTHORIZATION])),
            CanonicalError::RequiredHeaderNotSigned { name: "host" }.into(),
        ),
    ];
    for (what, mut request, options, expected) in rows {
        assert_eq!(
            pkcv::sign_request(&mut request, &issuer, &signer, now, &options),
            Err(expected),
            "{what}"
        );
    }
    let auth_token = Credentials::auth_token(
        "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap(),
        "0123456789abcdef0123456789abcdef".parse().unwrap(),
    );
    let err = Issuer::from_credentials(&auth_token).unwrap_err();
    assert_eq!(err, PkcvError::NeedsApiKey);
    assert!(err.to_string().contains("Main API key"), "{err}");
    let api_key = Credentials::api_key(
        "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap(),
        "SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb".parse().unwrap(),
        ApiKeySecret::new("0123456789abcdef0123456789abcdef").unwrap(),
    );
    assert_eq!(
        Issuer::from_credentials(&api_key)
            .unwrap()
            .api_key_sid
            .as_str(),
        "SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
    );
}

#[test]
fn a_signed_request_carries_host_hrh_and_a_sensitive_three_part_token() {
    let signer = pkcv::signer_fn(
        "CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap(),
        Algorithm::Ps256,
        |_: &[u8]| Ok(vec![0xfb, 0xff]),
    );
    let issuer = Issuer::new(
        "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap(),
        "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap(),
    );
    let mut request = Request::get("http://127.0.0.1:8080/v1/Keys?PageSize=5")
        .header("authorization", "Basic x")
        .body(Vec::<u8>::new())
        .unwrap();
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
    pkcv::sign_request(
        &mut request,
        &issuer,
        &signer,
        now,
        &TokenOptions::default(),
    )
    .unwrap();
    assert_eq!(request.headers()["host"], "127.0.0.1:8080");
    let token = &request.headers()[pkcv::HEADER];
    assert!(token.is_sensitive());
    let parts: Vec<&str> = token.to_str().unwrap().split('.').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[2], "-_8", "base64url without padding");
    assert_eq!(
        parts[0],
        pkcv::signing_input(
            &pkcv::jwt_header_json(
                Algorithm::Ps256,
                &"CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap()
            ),
            ""
        )
        .trim_end_matches('.')
    );
}

#[test]
fn pkcv_error_codes_are_explained_in_api_errors() {
    for (code, status, words) in [
        (70052, 401, "sign every request"),
        (70156, 401, "changed"),
        (20156, 401, "clock"),
    ] {
        let response = http::Response::builder()
            .status(status)
            .body(format!(r#"{{"code":{code},"message":"m"}}"#).into_bytes())
            .unwrap();
        let err = twilio_accounts_core::Error::from_error_response("FetchKey", &response, true);
        assert!(err.to_string().contains(words), "{code}: {err}");
    }
}

proptest! {
    #[test]
    fn the_query_order_does_not_matter(pairs in proptest::collection::vec(("[a-zA-Z0-9 %+*~._-]{0,8}", "[a-zA-Z0-9 %+*~=._-]{0,8}"), 0..6)) {
        let texts: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut reversed = texts.clone();
        reversed.reverse();
        prop_assert_eq!(pkcv::canonical_query(&texts.join("&")), pkcv::canonical_query(&reversed.join("&")));
    }

    #[test]
    fn canonical_forms_are_fixed_points(input in "\\PC{0,40}") {
        let path = pkcv::canonical_path(&input);
        prop_assert!(path.starts_with('/'));
        prop_assert_eq!(pkcv::canonical_path(&path), path.clone());
        let query = pkcv::canonical_query(&input);
        prop_assert_eq!(pkcv::canonical_query(&query), query);
    }

    #[test]
    fn canonical_forms_hold_only_unreserved_characters_and_escapes(input in proptest::collection::vec(any::<u8>(), 0..40)) {
        let input = String::from_utf8_lossy(&input);
        let path = pkcv::canonical_path(&input);
        let query = pkcv::canonical_query(&input);
        for text in [path.as_str(), query.as_str()] {
            prop_assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%/=&".contains(&b)), "{}", text);
        }
    }

    #[test]
    fn any_request_is_canonicalised_or_refused_without_panicking(
        path in "/[\\PC]{0,20}",
        value in proptest::collection::vec(any::<u8>(), 0..20),
        body in proptest::collection::vec(any::<u8>(), 0..20),
    ) {
        let uri = format!("https://api.twilio.com{}", path.replace(|c: char| !c.is_ascii_graphic(), "%20"));
        if let (Ok(uri), Ok(value)) = (uri.parse::<http::Uri>(), HeaderValue::from_bytes(&value)) {
            let mut request = Request::new(body);
            *request.uri_mut() = uri;
            request.headers_mut().insert("authorization", value);
            request.headers_mut().insert("host", HeaderValue::from_static("api.twilio.com:443"));
            if let Ok(canonical) = CanonicalRequest::new(&request, &SignedHeaders::default()) {
                prop_assert!(canonical.as_str().contains("\nhost:api.twilio.com\n\nauthorization;host\n"));
                prop_assert_eq!(canonical.rqh().len(), 64);
            }
        }
    }
}
