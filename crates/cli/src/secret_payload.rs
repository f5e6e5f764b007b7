//! A new API key and its secret as they are handed to a sink
//! (`--secret-format`): `TWILIO_API_KEY=SK…` and `TWILIO_API_SECRET=…`
//! lines, or one JSON object with the same names. Shared by `keys create`,
//! `signing-keys create` and `keys rotate`.

use twilio_accounts_core::{ApiKeySecret, ApiKeySid};
use zeroize::Zeroizing;

use crate::args::SecretFormat;

/// The key and its secret as `format` writes them, in memory that is wiped
/// when dropped (reserved up front, so no copy is left by growing).
pub fn secret_payload(
    format: SecretFormat,
    sid: &ApiKeySid,
    secret: &ApiKeySecret,
) -> Result<Zeroizing<Vec<u8>>, String> {
    let secret = secret.expose_secret();
    let sid = sid.as_str();
    // JSON escapes a byte to at most 6.
    let mut payload = Zeroizing::new(Vec::with_capacity(64 + 6 * (sid.len() + secret.len())));
    match format {
        SecretFormat::Env => {
            if !secret.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(
                    "the secret holds characters an env line cannot carry; use --secret-format json"
                        .to_owned(),
                );
            }
            payload.extend_from_slice(b"TWILIO_API_KEY=");
            payload.extend_from_slice(sid.as_bytes());
            payload.extend_from_slice(b"\nTWILIO_API_SECRET=");
            payload.extend_from_slice(secret.as_bytes());
            payload.push(b'\n');
        }
        SecretFormat::Json => {
            // Borrowed, so the only copy of the secret is the payload's.
            let pair = std::collections::BTreeMap::from([
                ("TWILIO_API_KEY", sid),
                ("TWILIO_API_SECRET", secret),
            ]);
            serde_json::to_writer(&mut *payload, &pair)
                .map_err(|e| format!("could not write the secret as JSON: {e}"))?;
            payload.push(b'\n');
        }
    }
    Ok(payload)
}
