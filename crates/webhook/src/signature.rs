//! Webhook signatures (`X-Twilio-Signature`) that survive a token rotation.
//!
//! Twilio signs every webhook with the account's **primary** Auth Token. The
//! moment a rotation promotes a new token, the signing key changes; a service
//! that knows only one token rejects every webhook until it is redeployed. A
//! [`WebhookValidator`] holds several tokens (the current and the next) and
//! answers which one matched, so a service can accept both during a rotation
//! and notice when the old one is no longer used.
//!
//! The algorithm is Twilio's, exactly as the official Node helper
//! (`validateRequest` / `validateRequestWithBody`) implements it:
//! 1. the URL is tried as received, then normalised as a WHATWG URL (what
//!    `new URL(url).toString()` gives: percent-encoding, lowercase scheme and
//!    host, default port dropped) without its port and with it;
//! 2. the form parameters are appended, sorted by name (UTF-16 order, as
//!    JavaScript sorts), each name followed by its value; a repeated name's
//!    values are de-duplicated and sorted, each preceded by the name;
//! 3. HMAC-SHA1 by default (HMAC-SHA256 when the
//!    `X-Twilio-Webhooks-Signature-Settings` header names it) keyed with the
//!    Auth Token, base64-encoded, compared in constant time with the header;
//! 4. for JSON bodies, the URL is signed with no parameters and the URL's
//!    `bodySHA256` query parameter must equal the hex SHA-256 of the body.
//!
//! ```
//! use twilio_accounts_webhook::{Payload, SignatureAlgorithm, WebhookRequest, WebhookValidator};
//! use twilio_accounts_core::AuthToken;
//!
//! // The example from Twilio's security documentation.
//! let validator = WebhookValidator::new([AuthToken::new("12345")?])?;
//! let params = [
//!     ("CallSid", "CA1234567890ABCDE"),
//!     ("Caller", "+14158675309"),
//!     ("Digits", "1234"),
//!     ("From", "+14158675309"),
//!     ("To", "+18005551212"),
//! ];
//! let request = WebhookRequest {
//!     url: "https://mycompany.com/myapp.php?foo=1&bar=2",
//!     payload: Payload::Params(&params),
//!     signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
//!     algorithm: SignatureAlgorithm::HmacSha1,
//! };
//! assert_eq!(validator.validate(&request), Ok(0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use twilio_accounts_core::AuthToken;

use crate::fingerprint::TokenFingerprint;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "X-Twilio-Signature";
/// The header that names the signing algorithm.
pub const SIGNATURE_SETTINGS_HEADER: &str = "X-Twilio-Webhooks-Signature-Settings";

/// The HMAC a signature was made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureAlgorithm {
    /// HMAC-SHA1, Twilio's default.
    #[default]
    HmacSha1,
    /// HMAC-SHA256.
    HmacSha256,
}

impl SignatureAlgorithm {
    /// The algorithm named by an `X-Twilio-Webhooks-Signature-Settings`
    /// header value. Twilio documents no grammar for it, so any value that
    /// mentions SHA256 (`HMAC_SHA256`, `hmac-sha256`, …) selects HMAC-SHA256;
    /// anything else, or no header, keeps the default HMAC-SHA1. An attacker
    /// cannot gain from choosing: both need the token.
    pub fn from_settings_header(value: Option<&str>) -> Self {
        match value {
            Some(v)
                if v.to_ascii_lowercase()
                    .replace(['-', '_'], "")
                    .contains("sha256") =>
            {
                SignatureAlgorithm::HmacSha256
            }
            _ => SignatureAlgorithm::HmacSha1,
        }
    }
}

/// What was signed besides the URL.
#[derive(Debug, Clone, Copy)]
pub enum Payload<'a> {
    /// Decoded form parameters; a name may repeat.
    Params(&'a [(&'a str, &'a str)]),
    /// A raw `application/x-www-form-urlencoded` body, decoded here.
    FormBody(&'a [u8]),
    /// A raw (JSON) body, checked against the URL's `bodySHA256`.
    Body(&'a [u8]),
}

/// A webhook request as received.
#[derive(Debug, Clone, Copy)]
pub struct WebhookRequest<'a> {
    /// The full URL Twilio requested, with its query string.
    pub url: &'a str,
    /// The form parameters or the body.
    pub payload: Payload<'a>,
    /// The `X-Twilio-Signature` header value.
    pub signature: &'a str,
    /// The algorithm (see [`SignatureAlgorithm::from_settings_header`]).
    pub algorithm: SignatureAlgorithm,
}

/// Why a webhook was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// No token matched the signature.
    #[error("the signature does not match any of the {0} token(s)")]
    SignatureMismatch(usize),
    /// The signature matched but the body's SHA-256 is not the URL's `bodySHA256`.
    #[error("the body does not match the bodySHA256 parameter of the URL")]
    BodyHashMismatch,
    /// The URL could not be parsed.
    #[error("the webhook URL is not a valid absolute URL")]
    InvalidUrl,
    /// The validator was built without tokens, or the change would leave
    /// it without any.
    #[error("a webhook validator needs at least one Auth Token")]
    NoTokens,
    /// No token held has this fingerprint (nothing was retired).
    #[error("no token with fingerprint {0} is held")]
    UnknownToken(TokenFingerprint),
}

/// The HMACs of one token, keyed once, and its fingerprint.
#[derive(Clone)]
struct Keys {
    fingerprint: TokenFingerprint,
    sha1: Hmac<Sha1>,
    sha256: Hmac<Sha256>,
}

impl Keys {
    fn new(token: &AuthToken) -> Option<Self> {
        let secret = token.expose_secret().as_bytes();
        Some(Keys {
            fingerprint: TokenFingerprint::of(token),
            sha1: Hmac::<Sha1>::new_from_slice(secret).ok()?,
            sha256: Hmac::<Sha256>::new_from_slice(secret).ok()?,
        })
    }
}

/// Checks webhook signatures against one or more Auth Tokens.
///
/// Keys are prepared once, so a validation costs two HMACs per token. Each
/// token is known by its [`TokenFingerprint`], which, unlike its position,
/// does not change when tokens are added or retired.
#[derive(Clone)]
pub struct WebhookValidator {
    keys: Vec<Keys>,
}

impl fmt::Debug for WebhookValidator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "WebhookValidator({} token(s), [redacted])",
            self.keys.len()
        )
    }
}

impl WebhookValidator {
    /// A validator for `tokens`, in order: [`validate`](Self::validate)
    /// answers the index of the token that matched.
    pub fn new(tokens: impl IntoIterator<Item = AuthToken>) -> Result<Self, WebhookError> {
        let keys: Vec<Keys> = tokens.into_iter().filter_map(|t| Keys::new(&t)).collect();
        if keys.is_empty() {
            return Err(WebhookError::NoTokens);
        }
        Ok(WebhookValidator { keys })
    }

    /// How many tokens the validator holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Always false: a validator has at least one token.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The fingerprint of each token, in order: `fingerprints()[i]` names
    /// the token [`validate`](Self::validate) answers as `Ok(i)`.
    pub fn fingerprints(&self) -> impl ExactSizeIterator<Item = TokenFingerprint> + '_ {
        self.keys.iter().map(|k| k.fingerprint)
    }

    /// The fingerprint of the token at `index`.
    pub fn fingerprint(&self, index: usize) -> Option<TokenFingerprint> {
        self.keys.get(index).map(|k| k.fingerprint)
    }

    /// This validator with `token` added last; unchanged when it already
    /// holds it.
    pub fn with_token(&self, token: &AuthToken) -> Result<Self, WebhookError> {
        let mut next = self.clone();
        let fingerprint = TokenFingerprint::of(token);
        if next.keys.iter().all(|k| k.fingerprint != fingerprint) {
            next.keys
                .push(Keys::new(token).ok_or(WebhookError::NoTokens)?);
        }
        Ok(next)
    }

    /// This validator without the token of `fingerprint`. Refused when no
    /// token has it ([`WebhookError::UnknownToken`]) or when it is the last
    /// one ([`WebhookError::NoTokens`]).
    pub fn without_token(&self, fingerprint: TokenFingerprint) -> Result<Self, WebhookError> {
        let mut next = self.clone();
        next.keys.retain(|k| k.fingerprint != fingerprint);
        match next.keys.len() {
            n if n == self.keys.len() => Err(WebhookError::UnknownToken(fingerprint)),
            0 => Err(WebhookError::NoTokens),
            _ => Ok(next),
        }
    }

    /// Checks a request; `Ok(index)` names the first token that matched.
    pub fn validate(&self, request: &WebhookRequest<'_>) -> Result<usize, WebhookError> {
        let mut url = url::Url::parse(request.url).map_err(|_| WebhookError::InvalidUrl)?;
        let decoded_form;
        let (params, body): (Vec<(&str, &str)>, Option<&[u8]>) = match request.payload {
            Payload::Params(p) => (p.to_vec(), None),
            Payload::FormBody(raw) => {
                decoded_form = form_urlencoded::parse(raw).collect::<Vec<_>>();
                (
                    decoded_form
                        .iter()
                        .map(|(k, v)| (k.as_ref(), v.as_ref()))
                        .collect(),
                    None,
                )
            }
            Payload::Body(raw) => (Vec::new(), Some(raw)),
        };
        let suffix = signed_parameters(&params);

        let with_port = with_port(&url);
        url.set_port(None).map_err(|_| WebhookError::InvalidUrl)?;
        let without_port = url.as_str().to_owned();

        let mut candidates = vec![format!("{}{suffix}", request.url)];
        for url in [without_port, with_port] {
            let data = format!("{url}{suffix}");
            if !candidates.contains(&data) {
                candidates.push(data);
            }
        }
        let header = request.signature.as_bytes();
        let mut matched = None;
        for (index, keys) in self.keys.iter().enumerate() {
            let mut ok = subtle::Choice::from(0);
            for data in &candidates {
                let expected = sign(keys, request.algorithm, data.as_bytes());
                ok |= expected.as_bytes().ct_eq(header);
            }
            if bool::from(ok) && matched.is_none() {
                matched = Some(index);
            }
        }
        let index = matched.ok_or(WebhookError::SignatureMismatch(self.keys.len()))?;
        if let Some(body) = body {
            let parsed = url::Url::parse(request.url).map_err(|_| WebhookError::InvalidUrl)?;
            let claimed = parsed
                .query_pairs()
                .find(|(k, _)| k == "bodySHA256")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            let actual = format!("{:x}", Sha256::digest(body));
            if !bool::from(claimed.as_bytes().ct_eq(actual.as_bytes())) {
                return Err(WebhookError::BodyHashMismatch);
            }
        }
        Ok(index)
    }
}

/// The URL with its port written out, as Node's helper builds it, then
/// normalised again (which drops a default port, as Node's does).
fn with_port(url: &url::Url) -> String {
    if url.port().is_some() {
        return url.as_str().to_owned();
    }
    let mut explicit = url.clone();
    let port = if url.scheme() == "https" { 443 } else { 80 };
    if explicit.set_port(Some(port)).is_err() {
        return url.as_str().to_owned();
    }
    // Re-parsing normalises a default port away, exactly like
    // `new URL(url).toString()` in the reference implementation.
    url::Url::parse(explicit.as_str())
        .map(|u| u.as_str().to_owned())
        .unwrap_or_else(|_| url.as_str().to_owned())
}

/// Names sorted (UTF-16 order), values of a repeated name de-duplicated and
/// sorted, each written as name followed by value.
fn signed_parameters(params: &[(&str, &str)]) -> String {
    let mut sorted: Vec<(&str, &str)> = params.to_vec();
    sorted.sort_by(|a, b| {
        a.0.encode_utf16()
            .cmp(b.0.encode_utf16())
            .then_with(|| a.1.encode_utf16().cmp(b.1.encode_utf16()))
    });
    sorted.dedup();
    let mut out = String::with_capacity(sorted.iter().map(|(k, v)| k.len() + v.len()).sum());
    for (name, value) in sorted {
        out.push_str(name);
        out.push_str(value);
    }
    out
}

fn sign(keys: &Keys, algorithm: SignatureAlgorithm, data: &[u8]) -> String {
    let engine = &base64::engine::general_purpose::STANDARD;
    match algorithm {
        SignatureAlgorithm::HmacSha1 => {
            let mut mac = keys.sha1.clone();
            mac.update(data);
            engine.encode(mac.finalize().into_bytes())
        }
        SignatureAlgorithm::HmacSha256 => {
            let mut mac = keys.sha256.clone();
            mac.update(data);
            engine.encode(mac.finalize().into_bytes())
        }
    }
}

/// Signs a request the way Twilio does (HMAC over the normalised URL without
/// its port, then the parameters). For tests and for services that forward
/// webhooks; Twilio's own signature is what [`WebhookValidator`] checks.
pub fn sign_request(
    token: &AuthToken,
    algorithm: SignatureAlgorithm,
    url: &str,
    params: &[(&str, &str)],
) -> Result<String, WebhookError> {
    let mut parsed = url::Url::parse(url).map_err(|_| WebhookError::InvalidUrl)?;
    parsed
        .set_port(None)
        .map_err(|_| WebhookError::InvalidUrl)?;
    let validator = WebhookValidator::new([token.clone()])?;
    let data = format!("{}{}", parsed.as_str(), signed_parameters(params));
    Ok(sign(&validator.keys[0], algorithm, data.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_settings_header_selects_sha256() {
        use SignatureAlgorithm::*;
        assert_eq!(SignatureAlgorithm::from_settings_header(None), HmacSha1);
        assert_eq!(
            SignatureAlgorithm::from_settings_header(Some("HMAC_SHA256")),
            HmacSha256
        );
        assert_eq!(
            SignatureAlgorithm::from_settings_header(Some("hmac-sha256")),
            HmacSha256
        );
        assert_eq!(
            SignatureAlgorithm::from_settings_header(Some("HMAC_SHA1")),
            HmacSha1
        );
        assert_eq!(SignatureAlgorithm::from_settings_header(Some("")), HmacSha1);
    }

    #[test]
    fn parameters_sort_by_name_and_repeated_values_dedupe_and_sort() {
        assert_eq!(
            signed_parameters(&[("b", "2"), ("a", "z"), ("a", "y"), ("a", "z")]),
            "ayazb2"
        );
        // UTF-16 order, as JavaScript sorts: 'Z' (0x5A) before 'a' (0x61),
        // and U+1F600 (surrogates 0xD83D 0xDE00) before U+FF5E, although
        // by code point it comes after.
        assert_eq!(signed_parameters(&[("a", ""), ("Z", "")]), "Za");
        assert_eq!(
            signed_parameters(&[("\u{1F600}", "1"), ("\u{FF5E}", "2")]),
            "\u{1F600}1\u{FF5E}2"
        );
    }

    #[test]
    fn no_tokens_is_an_error() {
        assert_eq!(
            WebhookValidator::new(Vec::new()).unwrap_err(),
            WebhookError::NoTokens
        );
    }

    #[test]
    fn tokens_keep_their_fingerprint_when_others_come_and_go() {
        let (old, new) = (
            AuthToken::new("old").unwrap(),
            AuthToken::new("new").unwrap(),
        );
        let one = WebhookValidator::new([old.clone()]).unwrap();
        let both = one.with_token(&new).unwrap();
        assert_eq!(both.with_token(&new).unwrap().len(), 2, "added once");
        let after = both.without_token(TokenFingerprint::of(&old)).unwrap();
        let of = |v: &WebhookValidator| v.fingerprints().collect::<Vec<_>>();
        assert_eq!(
            of(&both),
            [TokenFingerprint::of(&old), TokenFingerprint::of(&new)]
        );
        assert_eq!(of(&after), [TokenFingerprint::of(&new)]);
        assert_eq!(
            after.without_token(TokenFingerprint::of(&old)).unwrap_err(),
            WebhookError::UnknownToken(TokenFingerprint::of(&old))
        );
        assert_eq!(
            after.without_token(TokenFingerprint::of(&new)).unwrap_err(),
            WebhookError::NoTokens
        );
    }

    #[test]
    fn debug_hides_the_tokens() {
        let v = WebhookValidator::new([AuthToken::new("s3cr3t-token-value").unwrap()]).unwrap();
        assert!(!format!("{v:?}").contains("s3cr3t"));
    }
}
