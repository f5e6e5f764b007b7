//! Public Key Client Validation for the ready-made clients: [`PkcvSigner`],
//! the RSA signer on `ring`, and the clock.
//!
//! The canonical request and the JWT are the core's pure functions
//! ([`twilio_accounts_core::pkcv`]); what they leave out lives here, in the
//! layer that may read a clock and draw randomness: the private key, the RSA
//! signature (RS256 by default, PS256, which `ring` randomises, as an option)
//! and the time each token is made. A client built with
//! [`ClientOptions::with_pkcv`](crate::ClientOptions::with_pkcv) signs every
//! request it sends (each retry gets a fresh `exp`, each followed page its
//! own token) from the request as it goes on the wire.
//!
//! ```
//! use twilio_accounts_client::pkcv::{Algorithm, PkcvSigner};
//! use twilio_accounts_client::{ClientOptions, ClientSetup, ConfigError, Credentials};
//! # let vectors: serde_json::Value = serde_json::from_str(include_str!("../../core/tests/data/pkcv-vectors.json")).unwrap();
//! # let private_key_pem = vectors["docs_example"]["private_key_pem_pkcs1"].as_str().unwrap().as_bytes();
//!
//! // PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`) PEM.
//! let signer = PkcvSigner::from_pem(private_key_pem, "CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?)?
//!     .with_algorithm(Algorithm::Ps256);
//! println!("{signer:?}"); // the key prints as [redacted]
//!
//! let api_key = Credentials::api_key(
//!     "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?,
//!     "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?,
//!     "0123456789abcdef0123456789abcdef".parse()?,
//! );
//! let options = ClientOptions::new().with_pkcv(signer);
//! ClientSetup::new(api_key, options.clone(), |_| None)?; // every request will be signed
//!
//! // An Auth Token cannot be the `iss` of a token: refused before anything is sent.
//! let auth_token = Credentials::auth_token("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?, "0123456789abcdef0123456789abcdef".parse()?);
//! assert!(matches!(ClientSetup::new(auth_token, options, |_| None), Err(ConfigError::Pkcv(_))));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::time::SystemTime;

use http::Request;
use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair, RsaPublicKeyComponents};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer};
use zeroize::Zeroize;

pub use twilio_accounts_core::pkcv::*;
use twilio_accounts_core::{CredentialSid, REDACTED, RSA_KEY_BITS};

/// An RSA 2048 private key (exponent 65537) with the credential SID of its
/// registered public key and the algorithm to sign with: what a client needs
/// to sign every request.
///
/// `Debug` shows the credential SID and the algorithm, never the key. The
/// DER copies made while reading the key are wiped; the key itself is held
/// by `ring`, which does not offer to wipe it, for as long as the signer
/// lives.
pub struct PkcvSigner {
    key: RsaKeyPair,
    rng: SystemRandom,
    credential_sid: CredentialSid,
    algorithm: Algorithm,
    token_options: TokenOptions,
}

impl fmt::Debug for PkcvSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PkcvSigner")
            .field("credential_sid", &self.credential_sid)
            .field("algorithm", &self.algorithm)
            .field("private_key", &REDACTED)
            .field("token_options", &self.token_options)
            .finish()
    }
}

/// What `ring` said about a key it refused, as the core's typed error.
fn rejected(rejection: ring::error::KeyRejected, pkcs8: bool) -> PrivateKeyError {
    let reason = rejection.to_string();
    match reason.as_str() {
        "WrongAlgorithm" => PrivateKeyError::NotRsa,
        "TooSmall" => PrivateKeyError::TooSmall,
        _ if pkcs8 => PrivateKeyError::Pkcs8 { reason },
        _ => PrivateKeyError::Pkcs1 { reason },
    }
}

impl PkcvSigner {
    /// A signer from a PEM private key: `PRIVATE KEY` (PKCS#8) or `RSA
    /// PRIVATE KEY` (PKCS#1), read by `rustls-pki-types`. Anything else, an
    /// RSA key that is not 2048 bits, or an exponent other than 65537 is
    /// refused with a [`PrivateKeyError`] that says what to do.
    pub fn from_pem(pem: &[u8], credential_sid: CredentialSid) -> Result<Self, PrivateKeyError> {
        let mut der = PrivateKeyDer::from_pem_slice(pem).map_err(|_| PrivateKeyError::NotPem)?;
        let signer = match &der {
            PrivateKeyDer::Pkcs8(key) => Self::from_pkcs8_der(key, credential_sid),
            PrivateKeyDer::Pkcs1(key) => Self::from_pkcs1_der(key, credential_sid),
            _ => Err(PrivateKeyError::NotRsa),
        };
        der.zeroize();
        signer
    }

    /// A signer from a PKCS#8 DER private key.
    pub fn from_pkcs8_der(
        der: &PrivatePkcs8KeyDer<'_>,
        credential_sid: CredentialSid,
    ) -> Result<Self, PrivateKeyError> {
        let key = RsaKeyPair::from_pkcs8(der.secret_pkcs8_der())
            .map_err(|rejection| rejected(rejection, true))?;
        Self::checked(key, credential_sid)
    }

    /// A signer from a PKCS#1 (`RSAPrivateKey`) DER private key.
    pub fn from_pkcs1_der(
        der: &PrivatePkcs1KeyDer<'_>,
        credential_sid: CredentialSid,
    ) -> Result<Self, PrivateKeyError> {
        let key = RsaKeyPair::from_der(der.secret_pkcs1_der())
            .map_err(|rejection| rejected(rejection, false))?;
        Self::checked(key, credential_sid)
    }

    /// Twilio takes RSA 2048 keys with exponent 65537 only; `ring` takes
    /// more, so the two are checked here.
    fn checked(key: RsaKeyPair, credential_sid: CredentialSid) -> Result<Self, PrivateKeyError> {
        let public = RsaPublicKeyComponents::<Vec<u8>>::from(key.public());
        let bits = public.n.len() * 8
            - public
                .n
                .first()
                .map_or(0, |top| top.leading_zeros() as usize);
        if bits != RSA_KEY_BITS {
            return Err(PrivateKeyError::WrongSize { bits });
        }
        if public.e != [0x01, 0x00, 0x01] {
            return Err(PrivateKeyError::WrongExponent);
        }
        Ok(PkcvSigner {
            key,
            rng: SystemRandom::new(),
            credential_sid,
            algorithm: Algorithm::default(),
            token_options: TokenOptions::default(),
        })
    }

    /// The public half as Twilio registers it: an X.509
    /// SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`), what
    /// `CreateCredentialPublicKey` takes, so that a new key pair can be
    /// registered without another tool.
    pub fn public_key_pem(&self) -> String {
        use base64::Engine as _;
        // `ring` gives the PKCS#1 RSAPublicKey; the SubjectPublicKeyInfo
        // wraps it with the rsaEncryption algorithm in a BIT STRING.
        let rsa_public_key = self.key.public().as_ref();
        let bit_string_len = rsa_public_key.len() + 1;
        let algorithm: [u8; 15] = [
            0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05,
            0x00,
        ];
        let mut body = algorithm.to_vec();
        body.push(0x03);
        push_der_len(&mut body, bit_string_len);
        body.push(0x00);
        body.extend_from_slice(rsa_public_key);
        let mut der = vec![0x30];
        push_der_len(&mut der, body.len());
        der.extend(body);
        let base64 = base64::engine::general_purpose::STANDARD.encode(der);
        let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
        for line in base64.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(line).unwrap_or_default());
            pem.push('\n');
        }
        pem.push_str("-----END PUBLIC KEY-----\n");
        pem
    }

    /// Signs with `algorithm` (RS256 by default).
    #[must_use]
    pub fn with_algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// Makes tokens with these options (lifetime, `nbf`, signed headers).
    #[must_use]
    pub fn with_token_options(mut self, options: TokenOptions) -> Self {
        self.token_options = options;
        self
    }

    /// The token options.
    pub fn token_options(&self) -> &TokenOptions {
        &self.token_options
    }

    /// Signs `request` as it will be sent, now: adds `Host` if it has none
    /// (the value ureq and hyper would send) and `Twilio-Client-Validation`.
    pub fn sign_request<B: AsRef<[u8]>>(
        &self,
        request: &mut Request<B>,
        issuer: &Issuer,
    ) -> Result<(), PkcvError> {
        sign_request(
            request,
            issuer,
            self,
            SystemTime::now(),
            &self.token_options,
        )
    }
}

/// A DER length (short form below 128, else long form).
fn push_der_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

impl Signer for PkcvSigner {
    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    fn credential_sid(&self) -> &CredentialSid {
        &self.credential_sid
    }

    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>, SignatureError> {
        let padding: &'static dyn signature::RsaEncoding = match self.algorithm {
            Algorithm::Ps256 => &signature::RSA_PSS_SHA256,
            _ => &signature::RSA_PKCS1_SHA256,
        };
        let mut out = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(padding, &self.rng, signing_input, &mut out)
            .map_err(|_| SignatureError::new("ring could not sign (no system randomness?)"))?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn vectors() -> serde_json::Value {
        serde_json::from_str(include_str!("../../core/tests/data/pkcv-vectors.json")).unwrap()
    }

    fn example_pem() -> String {
        vectors()["docs_example"]["private_key_pem_pkcs1"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn kid() -> CredentialSid {
        "CR00000000000000000000000000000000".parse().unwrap()
    }

    /// The example key, re-wrapped as PKCS#8 (the PKCS#1 DER inside the
    /// fixed PrivateKeyInfo header of an RSA 2048 key).
    fn example_pkcs8_pem() -> String {
        use base64::Engine as _;
        let pkcs1 = PrivatePkcs1KeyDer::from_pem_slice(example_pem().as_bytes()).unwrap();
        let pkcs1 = pkcs1.secret_pkcs1_der();
        let octets = pkcs1.len();
        let total = octets + 22;
        let mut der = vec![0x30, 0x82, (total >> 8) as u8, total as u8];
        der.extend([0x02, 0x01, 0x00]);
        der.extend([
            0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05,
            0x00,
        ]);
        der.extend([0x04, 0x82, (octets >> 8) as u8, octets as u8]);
        der.extend(pkcs1);
        format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            base64::engine::general_purpose::STANDARD.encode(der)
        )
    }

    #[test]
    fn the_docs_example_jwt_comes_out_of_both_key_formats() {
        let vectors = vectors();
        let docs = &vectors["docs_example"];
        let issuer = Issuer::new(
            "SK00000000000000000000000000000000".parse().unwrap(),
            "AC00000000000000000000000000000000".parse().unwrap(),
        );
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_471_827_354 - 300);
        for pem in [example_pem(), example_pkcs8_pem()] {
            let signer = PkcvSigner::from_pem(pem.as_bytes(), kid()).unwrap();
            let mut request = Request::post(
                "https://api.twilio.com/2010-04-01/Accounts/AC00000000000000000000000000000000",
            )
            .header(
                "authorization",
                docs["request"]["headers"]["Authorization"]
                    .as_str()
                    .unwrap(),
            )
            .body(b"FriendlyName=my new friendly name".to_vec())
            .unwrap();
            sign_request(
                &mut request,
                &issuer,
                &signer,
                now,
                &TokenOptions::default(),
            )
            .unwrap();
            assert_eq!(request.headers()[HEADER], docs["jwt"].as_str().unwrap());
        }
    }

    #[test]
    fn ps256_signatures_verify_with_the_public_key_and_differ_each_time() {
        let signer = PkcvSigner::from_pem(example_pem().as_bytes(), kid())
            .unwrap()
            .with_algorithm(Algorithm::Ps256);
        let first = signer.sign(b"header.payload").unwrap();
        let second = signer.sign(b"header.payload").unwrap();
        assert_ne!(first, second, "PSS is randomised");
        let public = signature::UnparsedPublicKey::new(
            &signature::RSA_PSS_2048_8192_SHA256,
            signer.key.public().as_ref(),
        );
        for signature in [first, second] {
            public.verify(b"header.payload", &signature).unwrap();
        }
    }

    #[test]
    fn keys_that_cannot_sign_are_refused_with_what_to_do() {
        let public_only = vectors()["docs_example"]["public_key_pem"]
            .as_str()
            .unwrap()
            .to_owned();
        let damaged = example_pem().replace("MIIEpAIBAAKCAQEAum6d", "MIIEpAIBAAKCAQEAum6e");
        let rows: [(&str, String, PrivateKeyError); 6] = [
            ("not PEM", "hello".to_owned(), PrivateKeyError::NotPem),
            ("a public key", public_only, PrivateKeyError::NotPem),
            (
                "an EC key",
                include_str!("../tests/data/ec_p256.pem").to_owned(),
                PrivateKeyError::NotRsa,
            ),
            (
                "RSA 1024",
                include_str!("../tests/data/rsa_1024.pem").to_owned(),
                PrivateKeyError::TooSmall,
            ),
            (
                "RSA 3072",
                include_str!("../tests/data/rsa_3072.pem").to_owned(),
                PrivateKeyError::WrongSize { bits: 3072 },
            ),
            (
                "exponent 65539",
                include_str!("../tests/data/rsa_2048_e65539.pem").to_owned(),
                PrivateKeyError::WrongExponent,
            ),
        ];
        for (what, pem, expected) in rows {
            let err = PkcvSigner::from_pem(pem.as_bytes(), kid()).unwrap_err();
            assert_eq!(err, expected, "{what}");
            assert!(!err.to_string().contains("MII"), "{what}: {err}");
        }
        let err = PkcvSigner::from_pem(damaged.as_bytes(), kid()).unwrap_err();
        assert!(matches!(err, PrivateKeyError::Pkcs1 { .. }), "{err:?}");
    }

    #[test]
    fn the_public_key_pem_is_the_one_twilio_published_for_the_example_key() {
        let signer = PkcvSigner::from_pem(example_pem().as_bytes(), kid()).unwrap();
        let published = vectors()["docs_example"]["public_key_pem"]
            .as_str()
            .unwrap()
            .to_owned();
        let squash = |pem: &str| pem.split_whitespace().collect::<String>();
        assert_eq!(squash(&signer.public_key_pem()), squash(&published));
    }

    #[test]
    fn debug_never_shows_the_key() {
        let pem = example_pem();
        let signer = PkcvSigner::from_pem(pem.as_bytes(), kid()).unwrap();
        let text = format!("{signer:?} {signer:#?}");
        assert!(text.contains("CR00000000000000000000000000000000"));
        assert!(text.contains("[redacted]"));
        assert!(!text.contains("MII"), "{text}");
    }
}
