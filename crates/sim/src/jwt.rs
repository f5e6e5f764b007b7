//! A JSON Web Token in its compact form, `base64url(header).base64url(claims).base64url(signature)`, split
//! and decoded: the simulator reads the `Twilio-Client-Validation` header with it.
//!
//! Only the form is checked here; what the header and the claims must say is `client_validation.rs`'s.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

/// Longest token read; a longer one is malformed (a PKCV token is well under 2 KiB).
pub(crate) const MAX_JWT_LEN: usize = 16 * 1024;

/// A decoded compact JWT, its signature not checked yet.
#[derive(Debug, Clone)]
pub(crate) struct Jwt<'a> {
    /// The JOSE header, a JSON object.
    pub(crate) header: Map<String, Value>,
    /// The claims, or `None` when the second part is not a base64url JSON object.
    pub(crate) claims: Option<Map<String, Value>>,
    /// `header.claims` as received: what the signature signs.
    pub(crate) signing_input: &'a str,
    pub(crate) signature: Vec<u8>,
}

/// The token is not three base64url parts with a JSON object as header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MalformedJwt;

impl<'a> Jwt<'a> {
    /// Splits and decodes `token`. Base64url without padding, as JWS writes it.
    pub(crate) fn parse(token: &'a str) -> Result<Self, MalformedJwt> {
        if token.len() > MAX_JWT_LEN {
            return Err(MalformedJwt);
        }
        let (signing_input, signature) = token.rsplit_once('.').ok_or(MalformedJwt)?;
        let (header, claims) = signing_input.split_once('.').ok_or(MalformedJwt)?;
        if claims.contains('.') {
            return Err(MalformedJwt);
        }
        let header = json_object(header).ok_or(MalformedJwt)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| MalformedJwt)?;
        Ok(Jwt {
            header,
            claims: json_object(claims),
            signing_input,
            signature,
        })
    }
}

fn json_object(part: &str) -> Option<Map<String, Value>> {
    let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(object) => Some(object),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(text: &str) -> String {
        URL_SAFE_NO_PAD.encode(text)
    }

    #[test]
    fn a_compact_token_splits_into_its_three_parts() {
        let token = format!(
            "{}.{}.{}",
            b64(r#"{"alg":"RS256"}"#),
            b64(r#"{"iss":"SK1"}"#),
            b64("sig")
        );
        let jwt = Jwt::parse(&token);
        let Ok(jwt) = jwt else { panic!("{jwt:?}") };
        assert_eq!(jwt.header.get("alg"), Some(&Value::from("RS256")));
        assert_eq!(
            jwt.claims.and_then(|c| c.get("iss").cloned()),
            Some(Value::from("SK1"))
        );
        assert_eq!(jwt.signature, b"sig");
        assert_eq!(
            jwt.signing_input,
            token.rsplit_once('.').map_or("", |(s, _)| s)
        );
    }

    #[test]
    fn claims_that_are_not_a_json_object_are_none() {
        for claims in [b64("[]"), b64("not json"), "!!".to_owned(), String::new()] {
            let token = format!("{}.{claims}.{}", b64("{}"), b64("s"));
            assert!(
                Jwt::parse(&token).is_ok_and(|jwt| jwt.claims.is_none()),
                "{claims}"
            );
        }
    }

    #[test]
    fn anything_but_three_base64url_parts_and_a_json_header_is_malformed() {
        let header = b64(r#"{"alg":"RS256"}"#);
        let claims = b64("{}");
        for token in [
            String::new(),
            "..".to_owned(),
            format!("{header}.{claims}"),
            format!("{header}.{claims}.c2ln.extra"),
            format!("{header}.{claims}.!!"),
            format!("{header}.{claims}.c2lnbg=="),
            format!("{}.{claims}.c2ln", b64("[1]")),
            format!("{}.{claims}.c2ln", b64("{")),
            format!("{header}=.{claims}.c2ln"),
            format!("{header}.{claims}.{}", "A".repeat(MAX_JWT_LEN)),
            "\u{e9}.\u{e9}.\u{e9}".to_owned(),
        ] {
            assert_eq!(Jwt::parse(&token).map(|_| ()), Err(MalformedJwt), "{token}");
        }
    }
}
