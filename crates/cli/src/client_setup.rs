//! From the command line and the environment to credentials and a client:
//! which values were typed (and win, and draw a warning when secret), which
//! came from `TWILIO_*`, where Twilio is (`--base-url`, `--region`/`--edge`),
//! the client options (timeouts, a CA, proxies), and the Public Key Client
//! Validation signer every client then signs with.

use twilio_accounts_core::{
    AccountSid, ApiKeySecret, ApiKeySid, AuthToken, CredentialSid, Credentials, CredentialsInput,
    Endpoint, EndpointError, PlainHttp,
};
use twilio_accounts_ureq::pkcv::{PkcvError, PrivateKeyError};
use twilio_accounts_ureq::{Client, ClientOptions, ConfigError, PkcvSigner};
use zeroize::Zeroizing;

use crate::args::{self, Global};
use crate::outcome::Failure;
use crate::output;
use crate::report::Report;

/// Checks a value typed on the command line, so that an error names the
/// flag it came from rather than the environment variable it overrides.
fn check_explicit(
    flag: &str,
    value: Option<&str>,
    check: impl Fn(&str) -> Result<(), String>,
) -> Result<(), Failure> {
    match value {
        Some(v) => check(v).map_err(|e| Failure::usage(format!("{flag}: {e}"))),
        None => Ok(()),
    }
}

/// Credentials from flags and environment: values typed on the command line
/// are explicit and win; values clap found in the environment go through the
/// core's rules (an Auth Token beats an API key when both are set).
pub fn credentials(
    global: &Global,
    report: Report,
    on_command_line: &dyn Fn(&str) -> bool,
) -> Result<Credentials, Failure> {
    let pick = |id: &str, value: &Option<String>, explicit: bool| -> Option<String> {
        (on_command_line(id) == explicit)
            .then(|| value.clone())
            .flatten()
    };
    let pick_secret = |id: &str, value: &Option<args::SecretArg>, explicit: bool| {
        (on_command_line(id) == explicit)
            .then(|| value.as_ref().map(args::SecretArg::to_zeroizing))
            .flatten()
    };
    for (id, flag, variable) in [
        ("auth_token", "--auth-token", "TWILIO_AUTH_TOKEN"),
        ("api_secret", "--api-secret", "TWILIO_API_SECRET"),
    ] {
        if on_command_line(id) {
            report.warn(format!(
                "{flag} on the command line is visible to other users and kept in shell history; prefer {variable}"
            ));
        }
    }
    let explicit = CredentialsInput {
        account_sid: pick("account_sid", &global.account_sid, true),
        auth_token: pick_secret("auth_token", &global.auth_token, true),
        api_key: pick("api_key", &global.api_key, true),
        api_secret: pick_secret("api_secret", &global.api_secret, true),
    };
    check_explicit("--account-sid", explicit.account_sid.as_deref(), |v| {
        AccountSid::parse(v).map(drop).map_err(|e| e.to_string())
    })?;
    check_explicit(
        "--auth-token",
        explicit.auth_token.as_deref().map(String::as_str),
        |v| AuthToken::new(v).map(drop).map_err(|e| e.to_string()),
    )?;
    check_explicit("--api-key", explicit.api_key.as_deref(), |v| {
        ApiKeySid::parse(v).map(drop).map_err(|e| e.to_string())
    })?;
    check_explicit(
        "--api-secret",
        explicit.api_secret.as_deref().map(String::as_str),
        |v| ApiKeySecret::new(v).map(drop).map_err(|e| e.to_string()),
    )?;
    let from_env = [
        (
            "TWILIO_ACCOUNT_SID",
            pick("account_sid", &global.account_sid, false).map(Zeroizing::new),
        ),
        (
            "TWILIO_AUTH_TOKEN",
            pick_secret("auth_token", &global.auth_token, false),
        ),
        (
            "TWILIO_API_KEY",
            pick("api_key", &global.api_key, false).map(Zeroizing::new),
        ),
        (
            "TWILIO_API_SECRET",
            pick_secret("api_secret", &global.api_secret, false),
        ),
    ];
    // Every copy here is wiped when dropped; the one handed to the core is
    // wrapped by it in turn.
    let lookup = |name: &str| {
        from_env
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.as_ref())
            .filter(|v| !v.is_empty())
            .map(|v| String::clone(v))
    };
    let has = |name: &str| {
        from_env
            .iter()
            .any(|(n, v)| *n == name && v.as_ref().is_some_and(|v| !v.is_empty()))
    };
    let nothing_explicit = explicit.auth_token.is_none()
        && explicit.api_key.is_none()
        && explicit.api_secret.is_none();
    let both = has("TWILIO_AUTH_TOKEN") && has("TWILIO_API_KEY");
    let credentials =
        Credentials::from_env(explicit, lookup).map_err(|e| Failure::usage(e.to_string()))?;
    // The core's rule, said out loud: with both in the environment, the
    // Auth Token is used (it can always manage Auth Tokens; a Standard API
    // key never can).
    if nothing_explicit && both {
        report.warn(
            "TWILIO_AUTH_TOKEN and TWILIO_API_KEY are both set: using the Auth Token (it can manage Auth Tokens, a Standard API key cannot); unset TWILIO_AUTH_TOKEN, or give --api-key and --api-secret, to use the API key",
        );
    }
    Ok(credentials)
}

/// Client options from the global flags. An address given on the command
/// line beats one from the environment; two given the same way conflict.
pub fn client_options(
    global: &Global,
    report: Report,
    on_command_line: &dyn Fn(&str) -> bool,
) -> Result<ClientOptions, Failure> {
    let mut options = ClientOptions::new();
    let location_given = global.region.is_some() || global.edge.is_some();
    let location_typed = on_command_line("region") || on_command_line("edge");
    let base_typed = on_command_line("base_url");
    let use_base_url = match (&global.base_url, location_given) {
        (None, _) => None,
        (Some(url), false) => Some(url),
        (Some(url), true) => match (base_typed, location_typed) {
            (true, false) => Some(url),
            (false, true) => None,
            (true, true) => {
                return Err(Failure::usage(
                    "--base-url and --region/--edge both choose where requests go: give one of them",
                ));
            }
            (false, false) => {
                return Err(Failure::usage(
                    "TWILIO_ACCOUNTS_BASE_URL and TWILIO_REGION / TWILIO_EDGE are both set: unset one of them, or choose on the command line with --base-url or --region and --edge",
                ));
            }
        },
    };
    let plain_http = if global.allow_plain_http {
        PlainHttp::Allow
    } else {
        PlainHttp::LoopbackOnly
    };
    let endpoint = match use_base_url {
        Some(url) => Endpoint::custom(url, plain_http).map_err(|e| {
            let failure = Failure::usage(format!(
                "base URL {}: {e}",
                output::without_userinfo(url)
            ));
            if matches!(e, EndpointError::PlainHttpNotAllowed { .. }) {
                failure.with_next(
                    "use https, or pass --allow-plain-http if the credentials may cross that network unencrypted",
                )
            } else {
                failure
            }
        })?,
        None => Endpoint::for_location(global.region.as_deref(), global.edge.as_deref()).map_err(
            |e| {
                let failure = Failure::usage(e.to_string());
                if matches!(e, EndpointError::RegionWithoutEdge { .. }) {
                    failure.with_next("pass --edge with --region (or set TWILIO_EDGE)")
                } else {
                    failure
                }
            },
        )?,
    };
    if global.allow_plain_http && use_base_url.is_some_and(|u| u.starts_with("http:")) {
        report.warn(
            "--allow-plain-http: the credentials are sent unencrypted; anyone on the network path can read them",
        );
    }
    options = options.with_endpoint(endpoint);
    if let Some(path) = &global.ca_cert {
        let pem = std::fs::read(path).map_err(|e| {
            Failure::usage(format!("cannot read --ca-cert {}: {e}", path.display()))
        })?;
        options = options.with_root_certificate_pem(pem);
    }
    if let Some(timeout) = global.timeout {
        options = options.with_request_timeout(timeout);
    }
    if let Some(signer) = pkcv_signer(global, report, on_command_line)? {
        options = options.with_pkcv(signer);
    }
    Ok(options)
}

/// Whether the global options ask for Public Key Client Validation (either
/// option, from the command line or the environment).
pub fn pkcv_requested(global: &Global) -> bool {
    pkcv_options(global) != (None, None)
}

/// The PKCV options given, an empty one (`TWILIO_PKCV_PRIVATE_KEY=`) taken
/// as not given, as for the credentials.
fn pkcv_options(global: &Global) -> (Option<&std::path::Path>, Option<&str>) {
    (
        global
            .pkcv_private_key
            .as_deref()
            .filter(|p| !p.as_os_str().is_empty()),
        global
            .pkcv_credential_sid
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty()),
    )
}

/// How to make a key pair PKCV takes and register it, for the errors about
/// a key that cannot sign.
const NEW_KEY_PAIR: &str = "make an RSA 2048 key pair (`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out private_key.pem`, then `openssl pkey -in private_key.pem -pubout -out public_key.pem`), register its public key with `twilio-accounts credentials public-keys create --public-key-file public_key.pem`, and sign with that private key and the CR… SID the create prints";

/// The signer `--pkcv-private-key` and `--pkcv-credential-sid` (or their
/// variables) ask for: both or neither. The key file is read here and never
/// shown: the signer's `Debug` redacts it, and every error names the file,
/// not its content.
pub fn pkcv_signer(
    global: &Global,
    report: Report,
    on_command_line: &dyn Fn(&str) -> bool,
) -> Result<Option<PkcvSigner>, Failure> {
    let name = |id: &str, flag: &'static str, variable: &'static str| {
        if on_command_line(id) { flag } else { variable }
    };
    let key_name = name(
        "pkcv_private_key",
        "--pkcv-private-key",
        "TWILIO_PKCV_PRIVATE_KEY",
    );
    let sid_name = name(
        "pkcv_credential_sid",
        "--pkcv-credential-sid",
        "TWILIO_PKCV_CREDENTIAL_SID",
    );
    let (path, sid) = match pkcv_options(global) {
        (None, None) => return Ok(None),
        (Some(path), Some(sid)) => (path, sid),
        (Some(_), None) => {
            return Err(Failure::usage(format!(
                "{key_name} is given without --pkcv-credential-sid (or TWILIO_PKCV_CREDENTIAL_SID): Public Key Client Validation needs both, the private key that signs and the credential SID (CR…) of its registered public key"
            ))
            .with_next(
                "add --pkcv-credential-sid CR…: `twilio-accounts credentials public-keys create` printed it when the public key was registered, and the Twilio Console lists the account's public keys",
            ));
        }
        (None, Some(_)) => {
            return Err(Failure::usage(format!(
                "{sid_name} is given without --pkcv-private-key (or TWILIO_PKCV_PRIVATE_KEY): Public Key Client Validation needs both, the private key that signs and the credential SID (CR…) of its registered public key"
            ))
            .with_next("add --pkcv-private-key PATH, the PEM file of the private key whose public key is registered under that SID"));
        }
    };
    let sid = CredentialSid::parse(sid).map_err(|e| Failure::usage(format!("{sid_name}: {e}")))?;
    let pem = std::fs::read(path)
        .map(zeroize::Zeroizing::new)
        .map_err(|e| {
            Failure::usage(format!(
                "cannot read the PKCV private key {} ({key_name}): {e}",
                path.display()
            ))
        })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(metadata) = std::fs::metadata(path)
            && metadata.permissions().mode() & 0o077 != 0
        {
            report.warn(format!(
                "the PKCV private key {0} can be read by other users (mode {1:o}): `chmod 600 {0}`",
                path.display(),
                metadata.permissions().mode() & 0o777
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = report;
    PkcvSigner::from_pem(&pem, sid).map(Some).map_err(|e| {
        let next = match e {
            PrivateKeyError::NotPem if pem.windows(26).any(|w| w == b"-----BEGIN PUBLIC KEY-----") => format!(
                "{} is a public key: give the private key it pairs with (the public key is the half registered with Twilio)",
                path.display()
            ),
            PrivateKeyError::NotPem => format!(
                "give an unencrypted PEM private key: `openssl pkey -in {0} -out private_key.pem` decrypts it or converts it from DER (add `-inform DER`)",
                path.display()
            ),
            PrivateKeyError::Pkcs8 { .. } | PrivateKeyError::Pkcs1 { .. } => format!(
                "`openssl pkey -in {0} -check -noout` says what is wrong with it; `openssl pkcs8 -topk8 -nocrypt -in {0} -out private_key.pem` rewrites a readable RSA key as PKCS#8",
                path.display()
            ),
            _ => NEW_KEY_PAIR.to_owned(),
        };
        Failure::usage(format!("{} ({key_name}): {e}", path.display())).with_next(next)
    })
}

pub fn client(options: ClientOptions, credentials: Credentials) -> Result<Client, Failure> {
    Client::new(credentials, options).map_err(|e| {
        let failure = Failure::usage(e.to_string());
        match e {
            ConfigError::Pkcv(PkcvError::NeedsApiKey) => failure.with_next(
                "give API key credentials: --api-key SK… and TWILIO_API_SECRET (a Main key to manage Auth Tokens and keys), and unset TWILIO_AUTH_TOKEN, which wins when both are set",
            ),
            _ => failure,
        }
    })
}

/// The client for a single call, from flags and environment.
pub fn setup_client(
    global: &Global,
    report: Report,
    on_command_line: &dyn Fn(&str) -> bool,
) -> Result<Client, Failure> {
    let creds = credentials(global, report, on_command_line)?;
    client(client_options(global, report, on_command_line)?, creds)
}
