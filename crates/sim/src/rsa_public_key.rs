//! The RSA public keys Public Key Client Validation accepts: RSA 2048 with exponent 65537, as an X.509
//! SubjectPublicKeyInfo in PEM (`-----BEGIN PUBLIC KEY-----`), and the signature check of a JWT with one.
//!
//! `rustls-pki-types` reads the PEM, `yasna` the DER, and `ring` checks the signature: no RSA here.
//! A public key is not a secret, so it is kept as is; the simulator never echoes it in an answer.

use std::fmt;

use ring::signature::{self, UnparsedPublicKey};
use rustls_pki_types::SubjectPublicKeyInfoDer;
use rustls_pki_types::pem::PemObject;
use yasna::models::ObjectIdentifier;

/// `rsaEncryption`, 1.2.840.113549.1.1.1.
const RSA_ENCRYPTION: [u64; 7] = [1, 2, 840, 113_549, 1, 1, 1];

/// The only modulus size Twilio takes.
const MODULUS_BITS: usize = 2048;

/// The only public exponent Twilio takes.
const EXPONENT: [u8; 3] = [0x01, 0x00, 0x01];

/// A JWT signature algorithm PKCV allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PSS with SHA-256 (MGF1 SHA-256, salt of 32 bytes).
    Ps256,
}

impl SignatureAlgorithm {
    /// The JWT `alg` name → the algorithm; `None` for any other.
    pub(crate) fn from_jwt_name(name: &str) -> Option<Self> {
        match name {
            "RS256" => Some(Self::Rs256),
            "PS256" => Some(Self::Ps256),
            _ => None,
        }
    }
}

/// Why a PEM is not a public key PKCV accepts (the message of a startup error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BadPublicKey {
    /// No `-----BEGIN PUBLIC KEY-----` block, or one whose base64 is broken.
    NotPem,
    /// The block is not an RSA SubjectPublicKeyInfo.
    NotRsa,
    /// An RSA key, but not of 2048 bits.
    NotRsa2048,
    /// An RSA key whose exponent is not 65537.
    ExponentNot65537,
}

impl fmt::Display for BadPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BadPublicKey::NotPem => {
                "no readable -----BEGIN PUBLIC KEY----- block (X.509 SubjectPublicKeyInfo PEM)"
            }
            BadPublicKey::NotRsa => "not an RSA SubjectPublicKeyInfo",
            BadPublicKey::NotRsa2048 => "the RSA modulus is not 2048 bits",
            BadPublicKey::ExponentNot65537 => "the RSA public exponent is not 65537",
        })
    }
}

/// An RSA 2048 / 65537 public key: the DER `RSAPublicKey` that `ring` verifies with.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct RsaPublicKey {
    rsa_public_key_der: Vec<u8>,
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RsaPublicKey(RSA 2048)")
    }
}

impl RsaPublicKey {
    /// Reads the first `PUBLIC KEY` block of `pem`.
    pub(crate) fn from_pem(pem: &str) -> Result<Self, BadPublicKey> {
        let spki = SubjectPublicKeyInfoDer::from_pem_slice(pem.as_bytes())
            .map_err(|_| BadPublicKey::NotPem)?;
        Self::from_spki_der(spki.as_ref())
    }

    /// Reads a DER SubjectPublicKeyInfo: `SEQUENCE { SEQUENCE { rsaEncryption, NULL }, BIT STRING }`, the
    /// bit string holding `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`.
    fn from_spki_der(der: &[u8]) -> Result<Self, BadPublicKey> {
        let rsa_encryption = ObjectIdentifier::from_slice(&RSA_ENCRYPTION);
        let (algorithm, key) = yasna::parse_der(der, |reader| {
            reader.read_sequence(|reader| {
                let algorithm = reader.next().read_sequence(|reader| {
                    let oid = reader.next().read_oid()?;
                    reader.next().read_null()?;
                    Ok(oid)
                })?;
                let (key, unused_bits) = reader.next().read_bitvec_bytes()?;
                if unused_bits % 8 != 0 {
                    return Err(yasna::ASN1Error::new(yasna::ASN1ErrorKind::Invalid));
                }
                Ok((algorithm, key))
            })
        })
        .map_err(|_| BadPublicKey::NotRsa)?;
        if algorithm != rsa_encryption {
            return Err(BadPublicKey::NotRsa);
        }
        let (modulus, exponent) = yasna::parse_der(&key, |reader| {
            reader.read_sequence(|reader| {
                let (modulus, modulus_positive) = reader.next().read_bigint_bytes()?;
                let (exponent, exponent_positive) = reader.next().read_bigint_bytes()?;
                if !modulus_positive || !exponent_positive {
                    return Err(yasna::ASN1Error::new(yasna::ASN1ErrorKind::Invalid));
                }
                Ok((modulus, exponent))
            })
        })
        .map_err(|_| BadPublicKey::NotRsa)?;
        let modulus = strip_leading_zeros(&modulus);
        if modulus.len() * 8 != MODULUS_BITS || modulus.first().is_none_or(|b| b & 0x80 == 0) {
            return Err(BadPublicKey::NotRsa2048);
        }
        if strip_leading_zeros(&exponent) != EXPONENT {
            return Err(BadPublicKey::ExponentNot65537);
        }
        Ok(RsaPublicKey {
            rsa_public_key_der: key,
        })
    }

    /// Whether `signature` is this key's signature of `message` with `algorithm`.
    pub(crate) fn verifies(
        &self,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> bool {
        let parameters = match algorithm {
            SignatureAlgorithm::Rs256 => &signature::RSA_PKCS1_2048_8192_SHA256,
            SignatureAlgorithm::Ps256 => &signature::RSA_PSS_2048_8192_SHA256,
        };
        UnparsedPublicKey::new(parameters, &self.rsa_public_key_der)
            .verify(message, signature)
            .is_ok()
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    use super::*;

    fn docs_public_key_pem() -> String {
        let vectors: serde_json::Value =
            serde_json::from_str(include_str!("../tests/data/pkcv-vectors.json"))
                .unwrap_or_default();
        vectors["docs_example"]["public_key_pem"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    fn pem(der: &[u8]) -> String {
        format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            STANDARD.encode(der)
        )
    }

    /// An SPKI made of these parts: the algorithm's OID and the key's modulus and exponent.
    fn spki(algorithm: &[u64], modulus: &[u8], exponent: &[u8]) -> Vec<u8> {
        let key = yasna::construct_der(|writer| {
            writer.write_sequence(|writer| {
                writer.next().write_bigint_bytes(modulus, true);
                writer.next().write_bigint_bytes(exponent, true);
            });
        });
        yasna::construct_der(|writer| {
            writer.write_sequence(|writer| {
                writer.next().write_sequence(|writer| {
                    writer
                        .next()
                        .write_oid(&ObjectIdentifier::from_slice(algorithm));
                    writer.next().write_null();
                });
                writer.next().write_bitvec_bytes(&key, key.len() * 8);
            });
        })
    }

    #[test]
    fn the_docs_example_public_key_is_accepted() {
        assert!(RsaPublicKey::from_pem(&docs_public_key_pem()).is_ok());
        let modulus = [0x80u8; 256];
        assert!(RsaPublicKey::from_pem(&pem(&spki(&RSA_ENCRYPTION, &modulus, &EXPONENT))).is_ok());
    }

    #[test]
    fn keys_twilio_refuses_are_refused_with_the_reason() {
        let (m2048, m1024, m4096) = ([0xc5u8; 256], [0xc5u8; 128], [0xc5u8; 512]);
        let short_top = {
            let mut m = m2048;
            m[0] = 0x7f; // 2047 bits
            m
        };
        let good = spki(&RSA_ENCRYPTION, &m2048, &EXPONENT);
        let ec_public_key = [1, 2, 840, 10_045, 2, 1];
        for (pem_text, expected) in [
            (String::new(), BadPublicKey::NotPem),
            (
                "-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----\n".to_owned(),
                BadPublicKey::NotPem,
            ),
            (
                docs_public_key_pem().replace("PUBLIC KEY", "RSA PUBLIC KEY"),
                BadPublicKey::NotPem,
            ),
            (pem(b"\x30\x03\x02\x01\x01"), BadPublicKey::NotRsa),
            (pem(&good[..good.len() - 1]), BadPublicKey::NotRsa),
            (
                pem(&spki(&ec_public_key, &m2048, &EXPONENT)),
                BadPublicKey::NotRsa,
            ),
            (
                pem(&spki(&RSA_ENCRYPTION, &m1024, &EXPONENT)),
                BadPublicKey::NotRsa2048,
            ),
            (
                pem(&spki(&RSA_ENCRYPTION, &m4096, &EXPONENT)),
                BadPublicKey::NotRsa2048,
            ),
            (
                pem(&spki(&RSA_ENCRYPTION, &short_top, &EXPONENT)),
                BadPublicKey::NotRsa2048,
            ),
            (
                pem(&spki(&RSA_ENCRYPTION, &m2048, &[3])),
                BadPublicKey::ExponentNot65537,
            ),
        ] {
            assert_eq!(
                RsaPublicKey::from_pem(&pem_text),
                Err(expected),
                "{pem_text}"
            );
        }
    }

    #[test]
    fn a_signature_that_is_not_the_keys_does_not_verify() {
        let Ok(key) = RsaPublicKey::from_pem(&docs_public_key_pem()) else {
            panic!("the docs key reads")
        };
        for algorithm in [SignatureAlgorithm::Rs256, SignatureAlgorithm::Ps256] {
            assert!(!key.verifies(algorithm, b"message", &[0u8; 256]));
            assert!(!key.verifies(algorithm, b"message", b""));
        }
    }
}
