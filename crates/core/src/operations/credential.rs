//! The credential model the `/v1/Credentials/…` resources share.
//!
//! The spec's `accounts.v1.credential.credential_public_key` and
//! `accounts.v1.credential.credential_aws` schemas have the same fields, so
//! both resources read into one [`Credential`]; the public-key name is an
//! alias of it.

use serde::Deserialize;

use crate::sid::{AccountSid, CredentialSid};
use crate::timestamp::Timestamp;

/// A credential (a public key, or AWS credentials) as Twilio describes it:
/// never the key material itself.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Credential {
    /// The credential's SID.
    #[serde(default)]
    pub sid: Option<CredentialSid>,
    /// The account that owns it.
    #[serde(default)]
    pub account_sid: Option<AccountSid>,
    /// Its name.
    #[serde(default)]
    pub friendly_name: Option<String>,
    /// When it was created.
    #[serde(default)]
    pub date_created: Option<Timestamp>,
    /// When it was last updated.
    #[serde(default)]
    pub date_updated: Option<Timestamp>,
    /// Its absolute URL.
    #[serde(default)]
    pub url: Option<String>,
}

/// A public-key credential (`accounts.v1.credential.credential_public_key`).
pub type CredentialPublicKey = Credential;
