//! From the command line and the environment to credentials and a client:
//! which values were typed (and win, and draw a warning when secret), which
//! came from `TWILIO_*`, where Twilio is (`--base-url`, `--region`/`--edge`),
//! and the client options (timeouts, a CA, proxies).

use twilio_accounts_core::{
    AccountSid, ApiKeySecret, ApiKeySid, AuthToken, Credentials, CredentialsInput, Endpoint,
    EndpointError, PlainHttp,
};
use twilio_accounts_ureq::{Client, ClientOptions};
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
    Ok(options)
}

pub fn client(options: ClientOptions, credentials: Credentials) -> Result<Client, Failure> {
    Client::new(credentials, options).map_err(|e| Failure::usage(e.to_string()))
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
