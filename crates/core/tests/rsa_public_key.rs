//! What `CreateCredentialPublicKey` may upload (`crates/core/src/rsa_public_key.rs`).
use twilio_accounts_core::{RsaPublicKeyError, check_rsa_public_key_pem};

/// Twilio's published example public key (2048 bits), from its Public
/// Key Client Validation guide (the known answers in `shared/`).
const PUBLIC_2048: &str = include_str!("../src/operations/example_public_key_2048.pem");

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
    let small = include_str!("data/public_key_1024.pem");
    assert_eq!(
        check_rsa_public_key_pem(small),
        Err(RsaPublicKeyError::WrongSize { bits: 1024 })
    );
}
