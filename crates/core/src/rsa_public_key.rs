//! What `CreateCredentialPublicKey` may upload: an RSA 2048 public key, as
//! a PEM `PUBLIC KEY` block (X.509 SubjectPublicKeyInfo), which is what
//! Twilio's Public Key Client Validation takes.
//!
//! Checked before anything is sent, because the likeliest mistake is the
//! worst one: uploading the **private** key of the pair (both files sit
//! side by side, and Twilio's own guide makes both). Garbage is refused
//! too, with what to run instead. PEM is read by `rustls-pki-types`; the few
//! DER fields needed (the algorithm and the modulus's size) are read here.
//!
//! ```
//! use twilio_accounts_core::{RsaPublicKeyError, check_rsa_public_key_pem};
//!
//! let private = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n";
//! assert_eq!(check_rsa_public_key_pem(private), Err(RsaPublicKeyError::PrivateKey));
//! ```

use std::fmt;

use rustls_pki_types::pem::{PemObject, SectionKind};

/// The DER of the rsaEncryption algorithm identifier's OID (1.2.840.113549.1.1.1).
const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/// The key size Twilio takes.
pub const RSA_KEY_BITS: usize = 2048;

/// Why a text is not an RSA 2048 public key to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RsaPublicKeyError {
    /// A private key: it must never leave its owner.
    PrivateKey,
    /// An RSA public key in PKCS#1 form (`RSA PUBLIC KEY`), not the
    /// SubjectPublicKeyInfo (`PUBLIC KEY`) Twilio takes.
    Pkcs1,
    /// No PEM `PUBLIC KEY` block.
    NotPem,
    /// A public key of another algorithm (EC, Ed25519, …).
    NotRsa,
    /// A `PUBLIC KEY` block whose content is not a well-formed key.
    Malformed,
    /// An RSA key of another size.
    WrongSize {
        /// The size of the key given, in bits.
        bits: usize,
    },
}

impl fmt::Display for RsaPublicKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RsaPublicKeyError::PrivateKey => f.write_str(
                "this is a PRIVATE key: it must never be uploaded (nothing was sent). Upload its public key, made with `openssl pkey -in private_key.pem -pubout -out public_key.pem`",
            ),
            RsaPublicKeyError::Pkcs1 => f.write_str(
                "this is an RSA public key in PKCS#1 form (BEGIN RSA PUBLIC KEY); Twilio takes the X.509 form (BEGIN PUBLIC KEY): convert it with `openssl rsa -RSAPublicKey_in -in key.pem -pubout -out public_key.pem`",
            ),
            RsaPublicKeyError::NotPem => f.write_str(
                "not a PEM public key (a block from -----BEGIN PUBLIC KEY----- to -----END PUBLIC KEY-----); make one from the private key with `openssl pkey -in private_key.pem -pubout -out public_key.pem`",
            ),
            RsaPublicKeyError::NotRsa => f.write_str(
                "not an RSA key: Twilio takes RSA 2048 public keys (`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out private_key.pem`, then `openssl pkey -in private_key.pem -pubout -out public_key.pem`)",
            ),
            RsaPublicKeyError::Malformed => f.write_str(
                "the PUBLIC KEY block does not hold a well-formed key (damaged or cut short?)",
            ),
            RsaPublicKeyError::WrongSize { bits } => write!(
                f,
                "an RSA key of {bits} bits: Twilio takes {RSA_KEY_BITS}-bit keys (`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out private_key.pem`)"
            ),
        }
    }
}

impl std::error::Error for RsaPublicKeyError {}

/// Checks that `pem` is an RSA 2048 public key in a PEM `PUBLIC KEY` block.
pub fn check_rsa_public_key_pem(pem: &str) -> Result<(), RsaPublicKeyError> {
    // Whatever else the text holds, a private key in it is refused first.
    if pem.contains("PRIVATE KEY-----") {
        return Err(RsaPublicKeyError::PrivateKey);
    }
    if pem.contains("-----BEGIN RSA PUBLIC KEY-----") {
        return Err(RsaPublicKeyError::Pkcs1);
    }
    let der = <(SectionKind, Vec<u8>)>::pem_slice_iter(pem.as_bytes())
        .filter_map(Result::ok)
        .find(|(kind, _)| *kind == SectionKind::PublicKey)
        .map(|(_, der)| der)
        .ok_or(RsaPublicKeyError::NotPem)?;
    match modulus_bits(&der) {
        Some(Ok(RSA_KEY_BITS)) => Ok(()),
        Some(Ok(bits)) => Err(RsaPublicKeyError::WrongSize { bits }),
        Some(Err(())) => Err(RsaPublicKeyError::NotRsa),
        None => Err(RsaPublicKeyError::Malformed),
    }
}

/// The size of the RSA modulus in a SubjectPublicKeyInfo: `None` when the
/// DER is malformed, `Some(Err)` when the key is not RSA.
fn modulus_bits(spki: &[u8]) -> Option<Result<usize, ()>> {
    let (info, rest) = element(spki, 0x30)?;
    if !rest.is_empty() {
        return None;
    }
    let (algorithm, info) = element(info, 0x30)?;
    let (oid, _) = element(algorithm, 0x06)?;
    if oid != RSA_ENCRYPTION {
        return Some(Err(()));
    }
    let (bits, _) = element(info, 0x03)?;
    // The BIT STRING's first byte counts unused bits: 0 for a key.
    let key = bits.strip_prefix(&[0])?;
    let (rsa, _) = element(key, 0x30)?;
    let (modulus, rsa) = element(rsa, 0x02)?;
    element(rsa, 0x02)?;
    // A positive INTEGER: a leading zero byte keeps its top bit clear.
    let modulus = match modulus {
        [0, rest @ ..] => rest,
        m => m,
    };
    let first = *modulus.first()?;
    Some(Ok(modulus.len() * 8 - first.leading_zeros() as usize))
}

/// One DER element of type `tag` at the start of `input`: its content and
/// what follows. Definite lengths only, as DER requires.
fn element(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&found, rest) = input.split_first()?;
    if found != tag {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = match first {
        short @ 0..=0x7f => (usize::from(short), rest),
        0x81..=0x84 => {
            let count = usize::from(first & 0x7f);
            if rest.len() < count {
                return None;
            }
            let (bytes, rest) = rest.split_at(count);
            (
                bytes.iter().fold(0usize, |n, b| (n << 8) | usize::from(*b)),
                rest,
            )
        }
        _ => return None,
    };
    if rest.len() < length {
        return None;
    }
    Some(rest.split_at(length))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Twilio's published example public key (2048 bits), from its Public
    /// Key Client Validation guide (the known answers in `shared/`).
    const PUBLIC_2048: &str = include_str!("operations/example_public_key_2048.pem");

    #[test]
    fn what_may_be_uploaded() {
        let cases: [(&str, Result<(), RsaPublicKeyError>); 6] = [
            (PUBLIC_2048, Ok(())),
            (
                "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
                Err(RsaPublicKeyError::PrivateKey),
            ),
            (
                "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n",
                Err(RsaPublicKeyError::PrivateKey),
            ),
            (
                "-----BEGIN RSA PUBLIC KEY-----\nMIIB\n-----END RSA PUBLIC KEY-----\n",
                Err(RsaPublicKeyError::Pkcs1),
            ),
            ("ssh-rsa AAAAB3Nza me@host", Err(RsaPublicKeyError::NotPem)),
            (
                "-----BEGIN PUBLIC KEY-----\nMAMCAQA=\n-----END PUBLIC KEY-----\n",
                Err(RsaPublicKeyError::Malformed),
            ),
        ];
        for (pem, expected) in cases {
            assert_eq!(check_rsa_public_key_pem(pem), expected, "{pem}");
        }
    }

    #[test]
    fn a_private_key_next_to_the_public_one_is_refused() {
        let both =
            format!("{PUBLIC_2048}-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
        assert_eq!(
            check_rsa_public_key_pem(&both),
            Err(RsaPublicKeyError::PrivateKey)
        );
    }

    #[test]
    fn other_algorithms_and_sizes_are_named() {
        // An EC P-256 public key (id-ecPublicKey).
        let ec = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEg4hMEQrNgC9vbwvaNySLYq1JV5yJ\n8XvNR1N8rK+Hqfsd0NLM3lmDseiy9ASKamYcNotLo4EgIA8bc0LZ/PrBxA==\n-----END PUBLIC KEY-----\n";
        assert_eq!(check_rsa_public_key_pem(ec), Err(RsaPublicKeyError::NotRsa));
        let small = include_str!("../tests/data/public_key_1024.pem");
        assert_eq!(
            check_rsa_public_key_pem(small),
            Err(RsaPublicKeyError::WrongSize { bits: 1024 })
        );
    }
}
