//! Public Key Client Validation as the simulator enforces it: the `Twilio-Client-Validation` JWT of a
//! request, checked against the account's registered public keys and the request as received.
//!
//! Pure: the request, the account's keys (a lookup by `kid`), the credentials the request authenticated
//! with and the time come in; a [`Refusal`] (a Twilio code and a message) or nothing comes out.
//!
//! The checks, in order, and what each failure answers (all 401):
//!
//! ```text
//!  token ──▶ three base64url parts, header a JSON object ─────────────── else 20152
//!        ──▶ cty = twilio-pkrv;v=1, typ = JWT (or absent), alg RS256|PS256, kid a string ── else 20152
//!        ──▶ claims a JSON object with iss, sub, hrh, rqh strings and exp ── else 20154
//!        ──▶ kid = a public key credential (CR…) of the account, with an RSA 2048 key ── else 70154
//!        ──▶ the signature is that key's, with alg ─────────────────── else 20159
//!        ──▶ iss = the API key SID of Basic auth, sub = its account ────── else 20153
//!        ──▶ exp (and nbf) a whole number of seconds, now < exp + skew, exp - (nbf or now)
//!            ≤ 300 (+ skew without nbf), nbf ≤ now + skew ────────── else 20156
//!        ──▶ hrh lower-case names, sorted, unique, with authorization and host ── else 20154
//!        ──▶ every header of hrh in the request ───────────────────── else 70155
//!        ──▶ rqh = SHA-256 of the canonical request as received ──────────── else 70156
//! ```
//!
//! Only claims behind a valid signature are judged (`iss`, `sub`, times, `hrh`, `rqh`); before that only
//! their presence is. The clock skew allowed is [`CLOCK_SKEW_SECS`] either way.

use http::HeaderValue;
use serde_json::{Map, Value};

use crate::canonical_request::{self, MissingHeader, ReceivedRequest};
use crate::jwt::Jwt;
use crate::rsa_public_key::{RsaPublicKey, SignatureAlgorithm};
use crate::wire::TwilioError;

/// The request header that carries the JWT.
pub(crate) const HEADER: &str = "twilio-client-validation";

/// The JWT header's `cty`.
const CONTENT_TYPE: &str = "twilio-pkrv;v=1";

/// Longest a token may live: `exp` at most this many seconds after `nbf` (or now).
pub(crate) const MAX_LIFETIME_SECS: i64 = 300;

/// How far the client's clock may be from the simulator's, either way, in seconds.
pub(crate) const CLOCK_SKEW_SECS: i64 = 60;

/// The headers every token must sign.
const REQUIRED_SIGNED_HEADERS: [&str; 2] = ["authorization", "host"];

/// A request PKCV refuses: the Twilio error and the message of its body (never a secret, never the token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) error: TwilioError,
    pub(crate) message: String,
}

impl Refusal {
    fn new(error: TwilioError, message: impl Into<String>) -> Self {
        Refusal {
            error,
            message: message.into(),
        }
    }

    /// No `Twilio-Client-Validation` header, and the account requires one.
    pub(crate) fn required() -> Self {
        Refusal::new(
            TwilioError::PKCV_REQUIRED,
            "Public Key Client Validation is required for this account: send a Twilio-Client-Validation header",
        )
    }

    /// A `Twilio-Client-Validation` header, and the account does not use PKCV.
    pub(crate) fn not_enabled() -> Self {
        Refusal::new(
            TwilioError::PKCV_NOT_ENABLED,
            "Public Key Client Validation is not enabled for this account: remove the Twilio-Client-Validation header",
        )
    }
}

/// What the account holds under a `kid`.
#[derive(Debug, Clone)]
pub(crate) enum RegisteredKey {
    /// No public key credential of the account has this SID (or it was deleted).
    Unknown,
    /// A public key credential whose material is not an RSA 2048 / 65537 SubjectPublicKeyInfo.
    Unusable,
    Key(RsaPublicKey),
}

/// Who the request says it is: the Basic user name (an `SK…` API key SID, or an `AC…` account SID for
/// Auth Token credentials) and the account it authenticated as.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Authenticated<'a> {
    pub(crate) basic_user: &'a str,
    pub(crate) account_sid: &'a str,
}

/// Checks the `Twilio-Client-Validation` values of `request` (all of them; more than one is a bad header)
/// at `now` (Unix seconds).
pub(crate) fn verify<'h>(
    tokens: impl IntoIterator<Item = &'h HeaderValue>,
    request: &ReceivedRequest<'_>,
    who: Authenticated<'_>,
    registered: impl FnOnce(&str) -> RegisteredKey,
    now: i64,
) -> Result<(), Refusal> {
    let mut tokens = tokens.into_iter();
    let token = match (tokens.next(), tokens.next()) {
        (None, _) => return Err(Refusal::required()),
        (Some(token), None) => token,
        (Some(_), Some(_)) => {
            return Err(bad_header(
                "send exactly one Twilio-Client-Validation header",
            ));
        }
    };
    let token = token
        .to_str()
        .map_err(|_| bad_header("the Twilio-Client-Validation header is not a JWT"))?;
    let jwt = Jwt::parse(token.trim()).map_err(|_| {
        bad_header("the Twilio-Client-Validation header is not a JWT of three base64url parts")
    })?;
    let (algorithm, kid) = read_header(&jwt.header)?;
    let claims = jwt
        .claims
        .as_ref()
        .ok_or_else(|| bad_claims("the JWT claims are not a JSON object"))?;
    let claims = Claims::read(claims)?;

    let key = match registered(kid) {
        RegisteredKey::Key(key) => key,
        RegisteredKey::Unknown => {
            return Err(Refusal::new(
                TwilioError::PUBLIC_KEY_INVALID,
                format!("kid {kid} is not a public key credential of this account"),
            ));
        }
        RegisteredKey::Unusable => {
            return Err(Refusal::new(
                TwilioError::PUBLIC_KEY_INVALID,
                format!(
                    "the public key of credential {kid} is not an RSA 2048 key with exponent 65537"
                ),
            ));
        }
    };
    if !key.verifies(algorithm, jwt.signing_input.as_bytes(), &jwt.signature) {
        return Err(Refusal::new(
            TwilioError::JWT_SIGNATURE_INVALID,
            format!("the JWT signature is not that of public key {kid}"),
        ));
    }

    if !claims.iss.starts_with("SK") || claims.iss != who.basic_user {
        return Err(Refusal::new(
            TwilioError::JWT_ISSUER_OR_SUBJECT_INVALID,
            "iss must be the SID of the API key the request authenticates with (an Auth Token cannot be used)",
        ));
    }
    if claims.sub != who.account_sid {
        return Err(Refusal::new(
            TwilioError::JWT_ISSUER_OR_SUBJECT_INVALID,
            "sub must be the SID of the account the API key belongs to",
        ));
    }
    check_times(&claims, now)?;

    let signed = signed_header_names(claims.hrh)?;
    let expected =
        canonical_request::request_hash(request, &signed).map_err(|MissingHeader(name)| {
            Refusal::new(
                TwilioError::SIGNED_HEADER_MISSING,
                format!("hrh names the header {name}, which the request does not carry"),
            )
        })?;
    if !expected.eq_ignore_ascii_case(claims.rqh) {
        return Err(Refusal::new(
            TwilioError::REQUEST_HASH_INVALID,
            "rqh is not the hash of the request as received (method, path, query, signed headers, body)",
        ));
    }
    Ok(())
}

fn bad_header(message: &str) -> Refusal {
    Refusal::new(TwilioError::JWT_HEADER_INVALID, message)
}

fn bad_claims(message: &str) -> Refusal {
    Refusal::new(TwilioError::JWT_CLAIMS_INVALID, message)
}

/// The JWT header: `cty`, `typ` (optional), `alg`, `kid`.
fn read_header(header: &Map<String, Value>) -> Result<(SignatureAlgorithm, &str), Refusal> {
    if header.get("cty").and_then(Value::as_str) != Some(CONTENT_TYPE) {
        return Err(bad_header("the JWT header's cty must be twilio-pkrv;v=1"));
    }
    if header
        .get("typ")
        .is_some_and(|typ| typ.as_str() != Some("JWT"))
    {
        return Err(bad_header("the JWT header's typ must be JWT"));
    }
    let algorithm = header
        .get("alg")
        .and_then(Value::as_str)
        .and_then(SignatureAlgorithm::from_jwt_name)
        .ok_or_else(|| bad_header("the JWT header's alg must be RS256 or PS256"))?;
    let kid = header
        .get("kid")
        .and_then(Value::as_str)
        .ok_or_else(|| bad_header("the JWT header's kid must be a public key credential SID"))?;
    Ok((algorithm, kid))
}

/// The claims PKCV reads, present and of their types (the times are judged later).
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    exp: &'a Value,
    nbf: Option<&'a Value>,
    hrh: &'a str,
    rqh: &'a str,
}

impl<'a> Claims<'a> {
    fn read(claims: &'a Map<String, Value>) -> Result<Self, Refusal> {
        let text = |name: &str| {
            claims.get(name).and_then(Value::as_str).ok_or_else(|| {
                bad_claims(&format!("the JWT claim {name} is missing or not a string"))
            })
        };
        Ok(Claims {
            iss: text("iss")?,
            sub: text("sub")?,
            exp: claims
                .get("exp")
                .ok_or_else(|| bad_claims("the JWT claim exp is missing"))?,
            nbf: claims.get("nbf"),
            hrh: text("hrh")?,
            rqh: text("rqh")?,
        })
    }
}

/// `exp` and `nbf` against `now`, with [`CLOCK_SKEW_SECS`] either way.
fn check_times(claims: &Claims<'_>, now: i64) -> Result<(), Refusal> {
    let bad_time = |message: &str| Refusal::new(TwilioError::JWT_EXPIRATION_INVALID, message);
    let exp = claims
        .exp
        .as_i64()
        .ok_or_else(|| bad_time("exp must be a whole number of seconds since the Unix epoch"))?;
    let nbf = match claims.nbf {
        None => None,
        Some(nbf) => Some(nbf.as_i64().ok_or_else(|| {
            bad_time("nbf must be a whole number of seconds since the Unix epoch")
        })?),
    };
    if now >= exp.saturating_add(CLOCK_SKEW_SECS) {
        return Err(bad_time("the JWT has expired (exp is past)"));
    }
    let too_long = match nbf {
        Some(nbf) => {
            if nbf > now.saturating_add(CLOCK_SKEW_SECS) {
                return Err(bad_time("the JWT is not valid yet (nbf is ahead)"));
            }
            exp.saturating_sub(nbf) > MAX_LIFETIME_SECS
        }
        None => exp.saturating_sub(now) > MAX_LIFETIME_SECS.saturating_add(CLOCK_SKEW_SECS),
    };
    if too_long {
        return Err(bad_time(
            "exp must be at most 300 seconds after nbf (or now)",
        ));
    }
    Ok(())
}

/// `hrh`: `;`-joined lower-case header names, sorted, each once, `authorization` and `host` among them.
fn signed_header_names(hrh: &str) -> Result<Vec<&str>, Refusal> {
    let names: Vec<&str> = hrh.split(';').collect();
    let well_formed = names.iter().all(|name| {
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    });
    let sorted = names.windows(2).all(|pair| pair[0] < pair[1]);
    let complete = REQUIRED_SIGNED_HEADERS
        .iter()
        .all(|required| names.contains(required));
    if well_formed && sorted && complete {
        Ok(names)
    } else {
        Err(bad_claims(
            "hrh must be the signed header names, lower case, sorted, ;-joined, with authorization and host",
        ))
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderMap;

    use super::*;

    struct Docs {
        jwt: String,
        key: RsaPublicKey,
        exp: i64,
        headers: HeaderMap,
        method: String,
        path: String,
        body: String,
    }

    fn docs() -> Docs {
        let vectors: Value = serde_json::from_str(include_str!("../tests/data/pkcv-vectors.json"))
            .unwrap_or_default();
        let docs = &vectors["docs_example"];
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let key = RsaPublicKey::from_pem(&text(&docs["public_key_pem"]));
        let Ok(key) = key else { panic!("{key:?}") };
        let mut headers = HeaderMap::new();
        for (name, value) in docs["request"]["headers"].as_object().into_iter().flatten() {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value.as_str().unwrap_or_default()),
            ) {
                headers.append(name, value);
            }
        }
        let payload: Value =
            serde_json::from_str(&text(&docs["jwt_payload_json"])).unwrap_or_default();
        Docs {
            jwt: text(&docs["jwt"]),
            key,
            exp: payload["exp"].as_i64().unwrap_or_default(),
            headers,
            method: text(&docs["request"]["method"]),
            path: text(&docs["request"]["path"]),
            body: text(&docs["request"]["body"]),
        }
    }

    const KEY_SID: &str = "SK00000000000000000000000000000000";
    const ACCOUNT_SID: &str = "AC00000000000000000000000000000000";
    const CREDENTIAL_SID: &str = "CR00000000000000000000000000000000";

    fn check(docs: &Docs, token: &str, body: &str, now: i64) -> Result<(), Refusal> {
        let request = ReceivedRequest {
            method: &docs.method,
            path: &docs.path,
            query: "",
            headers: &docs.headers,
            body: body.as_bytes(),
        };
        let value = HeaderValue::from_str(token).unwrap_or(HeaderValue::from_static("x"));
        verify(
            [&value],
            &request,
            Authenticated {
                basic_user: KEY_SID,
                account_sid: ACCOUNT_SID,
            },
            |kid| {
                if kid == CREDENTIAL_SID {
                    RegisteredKey::Key(docs.key.clone())
                } else {
                    RegisteredKey::Unknown
                }
            },
            now,
        )
    }

    fn code(result: Result<(), Refusal>) -> u32 {
        result.map_or_else(|refusal| refusal.error.code, |()| 0)
    }

    #[test]
    fn the_docs_example_jwt_verifies_against_the_docs_public_key() {
        let docs = docs();
        assert_eq!(check(&docs, &docs.jwt, &docs.body, docs.exp - 300), Ok(()));
        assert_eq!(check(&docs, &docs.jwt, &docs.body, docs.exp - 1), Ok(()));
    }

    #[test]
    fn the_docs_example_jwt_is_refused_when_anything_changes() {
        let docs = docs();
        let now = docs.exp - 300;
        // A changed body changes the hash.
        assert_eq!(
            code(check(&docs, &docs.jwt, "FriendlyName=other", now)),
            70156
        );
        // One flipped signature bit.
        let at = docs.jwt.len() - 5;
        let flipped = if &docs.jwt[at..=at] == "A" { "B" } else { "A" };
        let tampered = format!("{}{flipped}{}", &docs.jwt[..at], &docs.jwt[at + 1..]);
        assert_eq!(code(check(&docs, &tampered, &docs.body, now)), 20159);
        // Too late, or a lifetime longer than 300 s plus the skew.
        assert_eq!(
            code(check(
                &docs,
                &docs.jwt,
                &docs.body,
                docs.exp + CLOCK_SKEW_SECS
            )),
            20156
        );
        assert_eq!(
            code(check(&docs, &docs.jwt, &docs.body, docs.exp - 361)),
            20156
        );
        assert_eq!(code(check(&docs, &docs.jwt, &docs.body, docs.exp + 59)), 0);
        assert_eq!(code(check(&docs, "", &docs.body, now)), 20152);
    }

    #[test]
    fn a_header_that_is_not_text_or_sent_twice_is_a_bad_header() {
        let docs = docs();
        let request = ReceivedRequest {
            method: "GET",
            path: "/",
            query: "",
            headers: &docs.headers,
            body: b"",
        };
        let who = Authenticated {
            basic_user: KEY_SID,
            account_sid: ACCOUNT_SID,
        };
        let binary =
            HeaderValue::from_bytes(b"\xff.\xfe.\xfd").unwrap_or(HeaderValue::from_static("x"));
        let jwt = HeaderValue::from_str(&docs.jwt).unwrap_or(HeaderValue::from_static("x"));
        for values in [vec![&binary], vec![&jwt, &jwt]] {
            let result = verify(values, &request, who, |_| RegisteredKey::Unknown, docs.exp);
            assert_eq!(code(result), 20152);
        }
        let none: [&HeaderValue; 0] = [];
        assert_eq!(
            code(verify(none, &request, who, |_| RegisteredKey::Unknown, 0)),
            70052
        );
    }

    proptest::proptest! {
        /// Whatever arrives in the header, the answer is one of PKCV's refusals, never a panic.
        #[test]
        fn any_token_is_refused_with_a_pkcv_code(token in "[A-Za-z0-9_.=+/-]{0,600}") {
            let docs = docs();
            let value = HeaderValue::from_str(&token).unwrap_or(HeaderValue::from_static("x"));
            let registered = |_: &str| RegisteredKey::Key(docs.key.clone());
            let request = ReceivedRequest {
                method: "GET",
                path: "/",
                query: "",
                headers: &docs.headers,
                body: b"",
            };
            let who = Authenticated { basic_user: KEY_SID, account_sid: ACCOUNT_SID };
            let result = verify([&value], &request, who, registered, docs.exp);
            proptest::prop_assert!([20152, 20154].contains(&code(result)));
        }
    }

    #[test]
    fn times_are_judged_with_the_skew_and_the_300_second_limit() {
        let claims = |exp: Value, nbf: Option<Value>| (exp, nbf);
        for ((exp, nbf), now, ok) in [
            (claims(1300.into(), Some(1000.into())), 1000, true),
            (claims(1301.into(), Some(1000.into())), 1000, false),
            (claims(1100.into(), Some(1061.into())), 1000, false),
            (claims(1100.into(), Some(1060.into())), 1000, true),
            (claims(1360.into(), None), 1000, true),
            (claims(1361.into(), None), 1000, false),
            (claims(1000.into(), None), 1059, true),
            (claims(1000.into(), None), 1060, false),
            (claims("1100".into(), None), 1000, false),
            (claims(1100.5.into(), None), 1000, false),
            (claims(1100.into(), Some("x".into())), 1000, false),
            (claims(i64::MAX.into(), Some(i64::MIN.into())), 1000, false),
        ] {
            let c = Claims {
                iss: "",
                sub: "",
                exp: &exp,
                nbf: nbf.as_ref(),
                hrh: "",
                rqh: "",
            };
            assert_eq!(check_times(&c, now).is_ok(), ok, "{exp} {nbf:?} {now}");
        }
    }

    #[test]
    fn hrh_must_be_sorted_lower_case_names_with_authorization_and_host() {
        assert_eq!(
            signed_header_names("authorization;host;x-a").ok(),
            Some(vec!["authorization", "host", "x-a"])
        );
        for bad in [
            "",
            "host",
            "authorization",
            "host;authorization",
            "authorization;Host",
            "authorization;host;",
            "authorization;;host",
            "authorization;host;host",
            "authorization; host",
        ] {
            assert_eq!(code(signed_header_names(bad).map(|_| ())), 20154, "{bad}");
        }
    }
}
