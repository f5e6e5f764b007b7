//! Public Key Client Validation (PKCV): the `Twilio-Client-Validation`
//! header that an account on Twilio's Enterprise or Security Edition can
//! require on every API request.
//!
//! Why it exists: with PKCV enforced, a stolen API key secret is not enough
//! to call the API; each request must also carry a short-lived JWT signed by
//! a private key whose public key the account registered as a
//! `CredentialPublicKey` (`kid` names it). The JWT binds itself to the request
//! through `rqh`, the SHA-256 of a canonical form of that request (method,
//! path, query, some headers, body), so a token cannot be reused for another
//! request, and expires within 300 seconds.
//!
//! This module is the pure part, and all of it: the canonical request, `rqh`
//! and `hrh`, and the JWT (header, claims, base64url assembly). It reads no
//! clock (the time comes in as an argument) and does no cryptography of its
//! own beyond SHA-256: the RSA signature comes in through a [`Signer`],
//! because an RSA-PSS signature needs randomness. `twilio-accounts-client`
//! has a ready signer on `ring` (`PkcvSigner`) and signs every request the
//! ready-made clients send; a custom transport that embeds the core calls
//! [`sign_request`] with a signer of its own, as below.
//!
//! Twilio's documentation example, reproduced byte for byte with its
//! published example key pair (not a secret; RS256 is deterministic). The
//! signer here is `ring`, but any RSA implementation will do:
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use twilio_accounts_core::pkcv::{self, Algorithm, Issuer, SignatureError, TokenOptions};
//! use rustls_pki_types::{PrivatePkcs1KeyDer, pem::PemObject};
//!
//! # let vectors: serde_json::Value = serde_json::from_str(include_str!("../tests/data/pkcv-vectors.json")).unwrap();
//! # let example = &vectors["docs_example"];
//! # let private_key_pem = example["private_key_pem_pkcs1"].as_str().unwrap();
//! # let expected_jwt = example["jwt"].as_str().unwrap();
//! // Twilio's example private key (PKCS#1 PEM), read by rustls-pki-types.
//! let der = PrivatePkcs1KeyDer::from_pem_slice(private_key_pem.as_bytes()).unwrap();
//! let key = ring::signature::RsaKeyPair::from_der(der.secret_pkcs1_der()).unwrap();
//! let rng = ring::rand::SystemRandom::new();
//! let signer = pkcv::signer_fn(
//!     "CR00000000000000000000000000000000".parse()?,
//!     Algorithm::Rs256,
//!     |input: &[u8]| {
//!         let mut signature = vec![0; key.public().modulus_len()];
//!         key.sign(&ring::signature::RSA_PKCS1_SHA256, &rng, input, &mut signature)
//!             .map_err(|_| SignatureError::new("ring refused to sign"))?;
//!         Ok(signature)
//!     },
//! );
//!
//! // The request exactly as it goes on the wire.
//! let mut request = http::Request::post("https://api.twilio.com/2010-04-01/Accounts/AC00000000000000000000000000000000")
//!     .header("Authorization", "Basic QUMwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDpmb29iYXI=")
//!     .body(b"FriendlyName=my new friendly name".to_vec())
//!     .unwrap();
//! let issuer = Issuer::new("SK00000000000000000000000000000000".parse()?, "AC00000000000000000000000000000000".parse()?);
//! // `exp` is `now` plus the lifetime (300 s by default).
//! let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_471_827_354 - 300);
//! pkcv::sign_request(&mut request, &issuer, &signer, now, &TokenOptions::default())?;
//!
//! assert_eq!(request.headers()["host"], "api.twilio.com"); // as the transports send it
//! assert_eq!(request.headers()[pkcv::HEADER], expected_jwt);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## The canonical request
//! `METHOD\nPATH\nQUERY\nHEADERS\nSIGNED_HEADERS\nBODY_HASH`, where HEADERS
//! is one `name:value\n` line per signed header (so a blank line follows
//! them):
//! - PATH ([`canonical_path`]): `//` collapsed, dot segments removed, every
//!   segment percent-decoded and re-encoded by RFC 3986 (only `A–Z a–z 0–9
//!   - . _ ~` kept), empty → `/`;
//! - QUERY ([`canonical_query`]): each `key=value` pair decoded (`+` is a
//!   space) and re-encoded the same way, the pairs sorted as whole strings
//!   and joined with `&`;
//! - HEADERS ([`canonical_headers`]): names lower case, in order; values
//!   trimmed with inner runs of blanks collapsed, several values of one
//!   name sorted and joined with `,`, and `:443` / `:80` dropped from
//!   `host`;
//! - BODY_HASH ([`body_hash`]): hex SHA-256 of the body, empty for an empty
//!   body.
//!
//! The `Host` header is signed as the transport will send it: when the
//! request has none, [`sign_request`] adds the one `ureq` and `hyper` would
//! add ([`host_header`]), so what is signed is what is sent.

use std::fmt;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Request, Uri};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, utf8_percent_encode};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::credentials::Credentials;
use crate::sid::{AccountSid, ApiKeySid, CredentialSid};

/// The request header that carries the JWT.
pub const HEADER: HeaderName = HeaderName::from_static("twilio-client-validation");

/// The JWT header's `cty`: the content type Twilio reads as a PKCV token.
pub const CONTENT_TYPE: &str = "twilio-pkrv;v=1";

/// The longest a token may live: `exp` is at most 300 s after `nbf` (or now).
pub const MAX_LIFETIME: Duration = Duration::from_secs(300);

/// RFC 3986's unreserved characters are the only ones left as they are.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The signature algorithms Twilio accepts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256: deterministic, the default.
    #[default]
    Rs256,
    /// RSASSA-PSS with SHA-256: randomised.
    Ps256,
}

impl Algorithm {
    /// The JWT `alg` value: `RS256` or `PS256`.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Rs256 => "RS256",
            Algorithm::Ps256 => "PS256",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What makes the RSA signature of a token: the private key stays behind
/// this seam, outside the core.
pub trait Signer {
    /// `RS256` or `PS256`.
    fn algorithm(&self) -> Algorithm;
    /// The `CredentialPublicKey` (`CR…`) holding the public half: the `kid`.
    fn credential_sid(&self) -> &CredentialSid;
    /// The signature of `signing_input` (the JWT's `header.payload`, as
    /// ASCII) with the algorithm above.
    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>, SignatureError>;
}

impl<S: Signer + ?Sized> Signer for &S {
    fn algorithm(&self) -> Algorithm {
        (**self).algorithm()
    }
    fn credential_sid(&self) -> &CredentialSid {
        (**self).credential_sid()
    }
    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>, SignatureError> {
        (**self).sign(signing_input)
    }
}

/// A [`Signer`] made of a credential SID, an algorithm and a closure.
pub fn signer_fn<F>(credential_sid: CredentialSid, algorithm: Algorithm, sign: F) -> FnSigner<F>
where
    F: Fn(&[u8]) -> Result<Vec<u8>, SignatureError>,
{
    FnSigner {
        credential_sid,
        algorithm,
        sign,
    }
}

/// The [`Signer`] [`signer_fn`] makes.
pub struct FnSigner<F> {
    credential_sid: CredentialSid,
    algorithm: Algorithm,
    sign: F,
}

impl<F> fmt::Debug for FnSigner<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnSigner")
            .field("credential_sid", &self.credential_sid)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl<F> Signer for FnSigner<F>
where
    F: Fn(&[u8]) -> Result<Vec<u8>, SignatureError>,
{
    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
    fn credential_sid(&self) -> &CredentialSid {
        &self.credential_sid
    }
    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>, SignatureError> {
        (self.sign)(signing_input)
    }
}

/// Who a token speaks for: `iss` (the API key the request authenticates
/// with) and `sub` (the account).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Issuer {
    /// `iss`: the API key SID (`SK…`).
    pub api_key_sid: ApiKeySid,
    /// `sub`: the account SID (`AC…`).
    pub account_sid: AccountSid,
}

impl Issuer {
    /// An issuer from its two SIDs.
    pub fn new(api_key_sid: ApiKeySid, account_sid: AccountSid) -> Self {
        Issuer {
            api_key_sid,
            account_sid,
        }
    }

    /// The issuer of requests made with `credentials`: API key credentials
    /// only, since `iss` is an API key SID.
    pub fn from_credentials(credentials: &Credentials) -> Result<Self, PkcvError> {
        match credentials {
            Credentials::ApiKey {
                account_sid,
                key_sid,
                ..
            } => Ok(Issuer::new(*key_sid, *account_sid)),
            _ => Err(PkcvError::NeedsApiKey),
        }
    }
}

/// The sorted, lower-case names of the headers a token signs (its `hrh`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders(Vec<HeaderName>);

impl Default for SignedHeaders {
    /// `authorization;host`, the least Twilio accepts.
    fn default() -> Self {
        SignedHeaders(vec![header::AUTHORIZATION, header::HOST])
    }
}

impl SignedHeaders {
    /// Exactly these headers, sorted and without repeats. [`sign_request`]
    /// refuses a set without `authorization` and `host`.
    pub fn new(names: impl IntoIterator<Item = HeaderName>) -> Self {
        let mut names: Vec<HeaderName> = names.into_iter().collect();
        names.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        names.dedup();
        SignedHeaders(names)
    }

    /// These headers and `name`.
    #[must_use]
    pub fn and(self, name: HeaderName) -> Self {
        SignedHeaders::new(self.0.into_iter().chain([name]))
    }

    /// The names, in order.
    pub fn names(&self) -> &[HeaderName] {
        &self.0
    }

    /// The `hrh` claim: the names joined with `;`.
    pub fn hrh(&self) -> String {
        let mut hrh = String::new();
        for (index, name) in self.0.iter().enumerate() {
            if index > 0 {
                hrh.push(';');
            }
            hrh.push_str(name.as_str());
        }
        hrh
    }
}

/// How tokens are made: their lifetime, whether they carry `nbf`, and the
/// headers they sign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenOptions {
    lifetime: Duration,
    not_before: bool,
    signed_headers: SignedHeaders,
}

impl Default for TokenOptions {
    /// 300 s, no `nbf`, `authorization;host`.
    fn default() -> Self {
        TokenOptions {
            lifetime: MAX_LIFETIME,
            not_before: false,
            signed_headers: SignedHeaders::default(),
        }
    }
}

impl TokenOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// `exp` is `now` plus `lifetime`, at most [`MAX_LIFETIME`] (Twilio
    /// refuses more). A shorter one leaves room for a clock that runs ahead.
    pub fn with_lifetime(mut self, lifetime: Duration) -> Result<Self, PkcvError> {
        if lifetime > MAX_LIFETIME || lifetime.is_zero() {
            return Err(PkcvError::Lifetime {
                seconds: lifetime.as_secs(),
            });
        }
        self.lifetime = lifetime;
        Ok(self)
    }

    /// Adds `nbf` = now to every token.
    pub fn with_not_before(mut self, not_before: bool) -> Self {
        self.not_before = not_before;
        self
    }

    /// Signs these headers (they must include `authorization` and `host`).
    pub fn with_signed_headers(mut self, signed_headers: SignedHeaders) -> Self {
        self.signed_headers = signed_headers;
        self
    }

    /// The lifetime.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// The signed headers.
    pub fn signed_headers(&self) -> &SignedHeaders {
        &self.signed_headers
    }
}

/// A signer's failure. Its message says what failed, never with key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SignatureError(&'static str);

impl SignatureError {
    /// A failure described by `message` (no key material in it).
    pub fn new(message: &'static str) -> Self {
        SignatureError(message)
    }
}

/// Why a request cannot be put in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CanonicalError {
    /// A header to sign is not on the request (Twilio would answer 70155).
    #[error(
        "the header `{name}` is to be signed but the request has none: add it or do not sign it"
    )]
    SignedHeaderMissing {
        /// The header's name.
        name: String,
    },
    /// A header to sign has a value that is not visible ASCII text.
    #[error(
        "the header `{name}` has a value that is not visible ASCII text, so it cannot be signed"
    )]
    HeaderNotText {
        /// The header's name.
        name: String,
    },
    /// The signed headers leave out `authorization` or `host`.
    #[error("Twilio requires `{name}` among the signed headers (hrh)")]
    RequiredHeaderNotSigned {
        /// `authorization` or `host`.
        name: &'static str,
    },
    /// The request's URI has no host, so no `Host` header can be derived.
    #[error("the request's URI has no host: use an absolute URI or set the Host header")]
    NoHost,
}

/// Why a private key cannot sign PKCV tokens. Never holds key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PrivateKeyError {
    /// No `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY` (PKCS#1) PEM block.
    #[error(
        "no PEM private key found (a block from -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----); an encrypted key must be decrypted first (`openssl pkey -in key.pem -out plain.pem`)"
    )]
    NotPem,
    /// A PKCS#8 key that could not be read.
    #[error(
        "the PKCS#8 private key could not be read ({reason}): is it an RSA key, complete and not encrypted?"
    )]
    Pkcs8 {
        /// What the parser said (no key material).
        reason: String,
    },
    /// A PKCS#1 key that could not be read.
    #[error("the PKCS#1 (RSA PRIVATE KEY) key could not be read ({reason}): is it complete?")]
    Pkcs1 {
        /// What the parser said (no key material).
        reason: String,
    },
    /// A private key of another algorithm (EC, Ed25519, …).
    #[error(
        "not an RSA private key: PKCV takes RSA 2048 keys (`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out private_key.pem`)"
    )]
    NotRsa,
    /// An RSA key smaller than 2048 bits.
    #[error(
        "the RSA key is smaller than 2048 bits: PKCV takes 2048-bit keys (`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out private_key.pem`)"
    )]
    TooSmall,
    /// An RSA key of another size.
    #[error(
        "an RSA key of {bits} bits: PKCV takes {bits_wanted}-bit keys (`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out private_key.pem`)",
        bits_wanted = crate::rsa_public_key::RSA_KEY_BITS
    )]
    WrongSize {
        /// The key's size.
        bits: usize,
    },
    /// An RSA key whose public exponent is not 65537.
    #[error(
        "the key's public exponent is not 65537, which PKCV requires: make a new key with openssl's default exponent"
    )]
    WrongExponent,
}

/// Everything that stops a request from being signed. Each says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PkcvError {
    /// PKCV with Auth Token credentials: `iss` must be an API key.
    #[error(
        "Public Key Client Validation needs API key credentials (an account SID with an API key SID SK… and its secret): a token's `iss` is the API key the request authenticates with, and Auth Token requests are refused once PKCV is enforced. To manage Auth Tokens and keys, use a Main API key"
    )]
    NeedsApiKey,
    /// The request cannot be put in canonical form.
    #[error("the request cannot be signed: {0}")]
    Canonical(#[from] CanonicalError),
    /// A lifetime of zero or more than 300 s.
    #[error(
        "a token lifetime of {seconds} s: it must be between 1 and 300 s (Twilio refuses longer)"
    )]
    Lifetime {
        /// The lifetime asked for.
        seconds: u64,
    },
    /// The time given is before 1970 (a clock that is not set).
    #[error(
        "the clock reads a time before 1970: set the system clock (a token's `exp` is checked by Twilio)"
    )]
    ClockBeforeEpoch,
    /// The private key cannot be used.
    #[error("PKCV private key: {0}")]
    PrivateKey(#[from] PrivateKeyError),
    /// The signer failed.
    #[error("the PKCV signature failed: {0}")]
    Signature(#[from] SignatureError),
}

/// What to do about a Twilio error code that PKCV causes, or `None` for
/// another code. Read by [`ApiError::hint`](crate::ApiError::hint).
pub fn advice(code: u32) -> Option<&'static str> {
    Some(match code {
        70052 => {
            "the account requires Public Key Client Validation: sign every request (a Twilio-Client-Validation header) with a private key whose public key is registered as a CredentialPublicKey, and authenticate with an API key"
        }
        70053 => {
            "the request carries a Twilio-Client-Validation header but the account does not have Public Key Client Validation enabled: stop signing requests, or enable it for the account"
        }
        70154 => {
            "the public key named by `kid` is not valid for this account: check the credential SID (CR…) and that its public key is the RSA 2048 half of the private key that signs"
        }
        70155 => {
            "a header named in the token's `hrh` is missing from the request: sign only headers the request carries, and make sure no proxy removes them"
        }
        70156 => {
            "the request does not match its signature (`rqh`): something between signing and sending changed the method, path, query, a signed header or the body (a proxy, or a Host header other than the one signed)"
        }
        20152 => {
            "the token's JWT header was refused: it needs `cty` twilio-pkrv;v=1, `typ` JWT, `alg` RS256 or PS256 and `kid` the public key's credential SID (CR…)"
        }
        20153 => {
            "the token's `iss` or `sub` was refused: `iss` must be the API key SID (SK…) the request authenticates with, `sub` its account SID, and neither may be suspended"
        }
        20154 => "the token lacks a required claim: it needs `iss`, `sub`, `exp`, `hrh` and `rqh`",
        20155 => {
            "the token's time claims were refused: `nbf` must not be in the future and `exp` must be after it; check the system clock"
        }
        20156 => {
            "the token has expired or its `exp` is invalid: `exp` must be at most 300 s after now; check that the system clock is right (clock skew)"
        }
        20157 => {
            "the token's lifetime is too long: `exp` must be at most 300 s after `nbf` (or now); check the system clock"
        }
        20159 => {
            "the token's signature does not verify: sign with the private key whose public key is registered under `kid`, with the `alg` the header names"
        }
        _ => return None,
    })
}

/// The `Host` header the transports send for `uri`: the host, with the port
/// only when it is not the scheme's default (ureq and hyper both add exactly
/// this when the request has no `Host`). `None` when the URI has no host.
pub fn host_header(uri: &Uri) -> Option<HeaderValue> {
    let host = uri.host()?;
    let default_port = match uri.scheme_str() {
        Some("https") => 443,
        _ => 80,
    };
    let value = match uri.port_u16() {
        Some(port) if port != default_port => HeaderValue::from_str(&format!("{host}:{port}")),
        _ => HeaderValue::from_str(host),
    };
    value.ok()
}

/// Encodes `bytes` by RFC 3986 (unreserved characters kept).
fn encode_into(out: &mut String, bytes: &[u8]) {
    // `utf8_percent_encode` needs text; bytes that are not UTF-8 are
    // escaped one by one, as any RFC 3986 encoder does.
    match std::str::from_utf8(bytes) {
        Ok(text) => out.extend(utf8_percent_encode(text, UNRESERVED)),
        Err(_) => out.extend(percent_encoding::percent_encode(bytes, UNRESERVED)),
    }
}

/// The canonical PATH: `//` collapsed, dot segments removed, each segment
/// decoded and re-encoded by RFC 3986; empty → `/`. A trailing `/` is kept.
pub fn canonical_path(path: &str) -> String {
    let mut segments: Vec<String> = Vec::new();
    let mut trailing_slash = false;
    for raw in path.split('/') {
        let decoded: Vec<u8> = percent_decode(raw.as_bytes()).collect();
        trailing_slash = true;
        match decoded.as_slice() {
            b"" | b"." => {}
            b".." => {
                segments.pop();
            }
            bytes => {
                let mut segment = String::new();
                encode_into(&mut segment, bytes);
                segments.push(segment);
                trailing_slash = false;
            }
        }
    }
    let mut out = String::with_capacity(path.len() + 1);
    for segment in &segments {
        out.push('/');
        out.push_str(segment);
    }
    if out.is_empty() || trailing_slash {
        out.push('/');
    }
    out
}

/// One query key or value, decoded (`+` is a space) and re-encoded.
fn canonical_query_part(out: &mut String, part: &str) {
    let spaced: Vec<u8> = part
        .bytes()
        .map(|b| if b == b'+' { b' ' } else { b })
        .collect();
    let decoded: Vec<u8> = percent_decode(&spaced).collect();
    encode_into(out, &decoded);
}

/// The canonical QUERY: each `key=value` decoded and re-encoded, the pairs
/// sorted as whole strings and joined with `&`; empty stays empty.
pub fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<String> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let mut out = String::with_capacity(pair.len() + 1);
            canonical_query_part(&mut out, key);
            out.push('=');
            canonical_query_part(&mut out, value);
            out
        })
        .collect();
    pairs.sort_unstable();
    pairs.join("&")
}

/// A header value trimmed, with inner runs of blanks collapsed to a space.
fn normalise_value(value: &str) -> String {
    value
        .split([' ', '\t'])
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The canonical HEADERS: one `name:value\n` line per signed header, in
/// order of name.
pub fn canonical_headers(
    headers: &HeaderMap,
    signed: &SignedHeaders,
) -> Result<String, CanonicalError> {
    let mut out = String::new();
    for name in signed.names() {
        let mut values = Vec::new();
        for value in headers.get_all(name) {
            let text = value.to_str().map_err(|_| CanonicalError::HeaderNotText {
                name: name.as_str().to_owned(),
            })?;
            let mut text = normalise_value(text);
            if name == header::HOST {
                for default_port in [":443", ":80"] {
                    if text.ends_with(default_port) {
                        text.truncate(text.len() - default_port.len());
                        break;
                    }
                }
            }
            values.push(text);
        }
        if values.is_empty() {
            return Err(CanonicalError::SignedHeaderMissing {
                name: name.as_str().to_owned(),
            });
        }
        values.sort_unstable();
        out.push_str(name.as_str());
        out.push(':');
        out.push_str(&values.join(","));
        out.push('\n');
    }
    Ok(out)
}

/// Lower-case hex.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// The BODY_HASH: hex SHA-256 of the body, or empty for an empty body.
pub fn body_hash(body: &[u8]) -> String {
    if body.is_empty() {
        String::new()
    } else {
        hex(&Sha256::digest(body))
    }
}

/// A request in canonical form, with the `hrh` it was made with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalRequest {
    text: String,
    hrh: String,
}

impl CanonicalRequest {
    /// The canonical form of `request`, signing `signed`. The request must
    /// carry every signed header (add `Host` first: see [`host_header`]).
    pub fn new<B: AsRef<[u8]>>(
        request: &Request<B>,
        signed: &SignedHeaders,
    ) -> Result<Self, CanonicalError> {
        let uri = request.uri();
        let hrh = signed.hrh();
        let headers = canonical_headers(request.headers(), signed)?;
        let mut text = String::new();
        text.push_str(request.method().as_str());
        text.push('\n');
        text.push_str(&canonical_path(uri.path()));
        text.push('\n');
        text.push_str(&canonical_query(uri.query().unwrap_or("")));
        text.push('\n');
        text.push_str(&headers);
        text.push('\n');
        text.push_str(&hrh);
        text.push('\n');
        text.push_str(&body_hash(request.body().as_ref()));
        Ok(CanonicalRequest { text, hrh })
    }

    /// The canonical request itself.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The `hrh` claim.
    pub fn hrh(&self) -> &str {
        &self.hrh
    }

    /// The `rqh` claim: hex SHA-256 of the canonical request.
    pub fn rqh(&self) -> String {
        hex(&Sha256::digest(self.text.as_bytes()))
    }
}

#[derive(Serialize)]
struct JwtHeader<'a> {
    cty: &'a str,
    typ: &'a str,
    alg: &'a str,
    kid: &'a CredentialSid,
}

/// A token's claims, in the order Twilio's documentation writes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Claims {
    /// The API key SID.
    pub iss: ApiKeySid,
    /// The account SID.
    pub sub: AccountSid,
    /// Expiry, in seconds since 1970.
    pub exp: u64,
    /// Not before, in seconds since 1970, when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    /// The signed header names.
    pub hrh: String,
    /// The canonical request's hash.
    pub rqh: String,
}

/// The JWT header as compact JSON:
/// `{"cty":"twilio-pkrv;v=1","typ":"JWT","alg":…,"kid":…}`.
pub fn jwt_header_json(algorithm: Algorithm, credential_sid: &CredentialSid) -> String {
    let header = JwtHeader {
        cty: CONTENT_TYPE,
        typ: "JWT",
        alg: algorithm.as_str(),
        kid: credential_sid,
    };
    // Serializing strings and SIDs cannot fail.
    serde_json::to_string(&header).unwrap_or_default()
}

/// The claims as compact JSON: `{"iss":…,"sub":…,"exp":…,"hrh":…,"rqh":…}`.
pub fn jwt_payload_json(claims: &Claims) -> String {
    serde_json::to_string(claims).unwrap_or_default()
}

/// `base64url(header).base64url(payload)`: what is signed.
pub fn signing_input(header_json: &str, payload_json: &str) -> String {
    let mut input = URL_SAFE_NO_PAD.encode(header_json);
    input.push('.');
    URL_SAFE_NO_PAD.encode_string(payload_json, &mut input);
    input
}

/// The claims for `canonical` made at `now`.
pub fn claims(
    canonical: &CanonicalRequest,
    issuer: &Issuer,
    now: SystemTime,
    options: &TokenOptions,
) -> Result<Claims, PkcvError> {
    let now = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_err(|_| PkcvError::ClockBeforeEpoch)?
        .as_secs();
    Ok(Claims {
        iss: issuer.api_key_sid,
        sub: issuer.account_sid,
        exp: now.saturating_add(options.lifetime.as_secs()),
        nbf: options.not_before.then_some(now),
        hrh: canonical.hrh().to_owned(),
        rqh: canonical.rqh(),
    })
}

/// The token for `request` as sent (it must already carry every signed
/// header, `Host` included), signed by `signer`, made at `now`.
pub fn validation_token<B: AsRef<[u8]>, S: Signer + ?Sized>(
    request: &Request<B>,
    issuer: &Issuer,
    signer: &S,
    now: SystemTime,
    options: &TokenOptions,
) -> Result<String, PkcvError> {
    for required in [header::AUTHORIZATION, header::HOST] {
        if !options.signed_headers.names().contains(&required) {
            return Err(CanonicalError::RequiredHeaderNotSigned {
                name: if required == header::HOST {
                    "host"
                } else {
                    "authorization"
                },
            }
            .into());
        }
    }
    let canonical = CanonicalRequest::new(request, &options.signed_headers)?;
    let claims = claims(&canonical, issuer, now, options)?;
    let mut token = signing_input(
        &jwt_header_json(signer.algorithm(), signer.credential_sid()),
        &jwt_payload_json(&claims),
    );
    let signature = signer.sign(token.as_bytes())?;
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(signature, &mut token);
    Ok(token)
}

/// Signs `request` in place: adds the `Host` header the transport would
/// send when there is none ([`host_header`]), then `Twilio-Client-Validation`
/// (marked sensitive) with a token made at `now`. Call it for every attempt:
/// each needs a fresh `exp`.
pub fn sign_request<B: AsRef<[u8]>, S: Signer + ?Sized>(
    request: &mut Request<B>,
    issuer: &Issuer,
    signer: &S,
    now: SystemTime,
    options: &TokenOptions,
) -> Result<(), PkcvError> {
    if !request.headers().contains_key(header::HOST) {
        let host = host_header(request.uri()).ok_or(CanonicalError::NoHost)?;
        request.headers_mut().insert(header::HOST, host);
    }
    let token = validation_token(request, issuer, signer, now, options)?;
    // A token is base64url and dots: always a valid header value.
    let mut value = HeaderValue::from_str(&token).map_err(|_| {
        PkcvError::Signature(SignatureError::new("the token is not a valid header value"))
    })?;
    value.set_sensitive(true);
    request.headers_mut().insert(HEADER, value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_header_keeps_only_ports_other_than_the_schemes_default() {
        for (uri, host) in [
            ("https://api.twilio.com/x", "api.twilio.com"),
            ("https://api.twilio.com:443/x", "api.twilio.com"),
            ("https://api.twilio.com:8443/x", "api.twilio.com:8443"),
            ("http://127.0.0.1/x", "127.0.0.1"),
            ("http://127.0.0.1:80/x", "127.0.0.1"),
            ("http://127.0.0.1:443/x", "127.0.0.1:443"),
            ("http://127.0.0.1:8080/x", "127.0.0.1:8080"),
            ("http://[::1]:8080/x", "[::1]:8080"),
        ] {
            let uri: Uri = uri.parse().unwrap();
            assert_eq!(host_header(&uri).unwrap(), host, "{uri}");
        }
        assert_eq!(host_header(&"/relative".parse().unwrap()), None);
    }

    #[test]
    fn every_pkcv_code_has_advice_and_others_none() {
        for code in [
            70052, 70053, 70154, 70155, 70156, 20152, 20153, 20154, 20155, 20156, 20157, 20159,
        ] {
            assert!(advice(code).is_some_and(|a| a.len() > 40), "{code}");
        }
        for code in [20003, 20151, 20158, 70051, 0] {
            assert_eq!(advice(code), None, "{code}");
        }
    }

    #[test]
    fn lifetimes_beyond_300_seconds_or_zero_are_refused() {
        assert!(
            TokenOptions::new()
                .with_lifetime(Duration::from_secs(60))
                .is_ok()
        );
        for seconds in [0, 301, 3600] {
            assert_eq!(
                TokenOptions::new().with_lifetime(Duration::from_secs(seconds)),
                Err(PkcvError::Lifetime { seconds })
            );
        }
    }
}
