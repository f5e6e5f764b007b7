//! `webhook verify`: checks one webhook signature read as JSON on stdin,
//! against one or more tokens from environment variables.

use std::io::Read;
use std::process::ExitCode;

use serde_json::{Value, json};
use twilio_accounts_core::AuthToken;
use twilio_accounts_webhook::{Payload, SignatureAlgorithm, WebhookRequest, WebhookValidator};

use crate::args::OutputFormat;
use crate::outcome::{Exit, Failure};
use crate::report::Report;

/// Reads `{"url", "params" | "body", "signature", "algorithm"?}` on stdin.
pub fn verify(token_env: &[String], report: Report) -> ExitCode {
    match check(token_env) {
        Ok(matched) => {
            let valid = matched.is_some();
            match report.format {
                OutputFormat::Json => report.json(&json!({ "valid": valid, "matched": matched })),
                OutputFormat::Text => match matched {
                    Some(i) => report.result(format!(
                        "valid: signed with token {i} ({})",
                        variable_name(token_env, i)
                    )),
                    None => report.result("invalid: no token matches the signature"),
                },
            }
            if valid {
                Exit::Success.code()
            } else {
                Exit::AuthenticationFailed.code()
            }
        }
        Err(failure) => report.fail("webhook verify", &failure),
    }
}

fn variable_name(token_env: &[String], index: usize) -> String {
    token_env
        .get(index)
        .cloned()
        .unwrap_or_else(|| "TWILIO_AUTH_TOKEN".into())
}

fn check(token_env: &[String]) -> Result<Option<usize>, Failure> {
    let variables: Vec<String> = if token_env.is_empty() {
        vec!["TWILIO_AUTH_TOKEN".into()]
    } else {
        token_env.to_vec()
    };
    let mut tokens = Vec::new();
    for variable in &variables {
        let value = std::env::var(variable).map_err(|_| {
            Failure::usage(format!(
                "{variable} is not set (it should hold an Auth Token)"
            ))
        })?;
        tokens.push(AuthToken::new(value).map_err(|e| Failure::usage(format!("{variable}: {e}")))?);
    }
    let validator = WebhookValidator::new(tokens).map_err(|e| Failure::usage(e.to_string()))?;

    let mut input = String::new();
    std::io::stdin()
        .take(16 * 1024 * 1024)
        .read_to_string(&mut input)
        .map_err(|e| Failure::usage(format!("cannot read stdin: {e}")))?;
    let request: Value = serde_json::from_str(&input).map_err(|e| {
        Failure::usage(format!(
            "stdin is not a JSON object (line {}, column {}): expected {{\"url\": …, \"params\": {{…}} or \"body\": …, \"signature\": …}}",
            e.line(),
            e.column()
        ))
    })?;
    let field = |name: &str| request.get(name).and_then(Value::as_str);
    let url = field("url").ok_or_else(|| Failure::usage("the JSON needs a \"url\" string"))?;
    let signature = field("signature")
        .ok_or_else(|| Failure::usage("the JSON needs a \"signature\" string"))?;
    let algorithm = match field("algorithm") {
        None | Some("HMAC_SHA1") => SignatureAlgorithm::HmacSha1,
        Some("HMAC_SHA256") => SignatureAlgorithm::HmacSha256,
        Some(other) => {
            return Err(Failure::usage(format!(
                "unknown algorithm {other:?}: use HMAC_SHA1 or HMAC_SHA256"
            )));
        }
    };
    let mut pairs: Vec<(String, String)> = Vec::new();
    let body;
    let payload = match (request.get("params"), request.get("body")) {
        (Some(Value::Object(params)), None) => {
            for (name, value) in params {
                match value {
                    Value::String(v) => pairs.push((name.clone(), v.clone())),
                    Value::Array(values) => {
                        for v in values {
                            let v = v.as_str().ok_or_else(|| {
                                Failure::usage(format!("params.{name}: values must be strings"))
                            })?;
                            pairs.push((name.clone(), v.to_owned()));
                        }
                    }
                    _ => {
                        return Err(Failure::usage(format!(
                            "params.{name}: a value must be a string or an array of strings"
                        )));
                    }
                }
            }
            None
        }
        (None, Some(Value::String(text))) => {
            body = text.clone();
            Some(body.as_bytes())
        }
        (None, None) => None,
        _ => {
            return Err(Failure::usage(
                "give either \"params\" (an object) or \"body\" (a string), not both",
            ));
        }
    };
    let borrowed: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let request = WebhookRequest {
        url,
        payload: match payload {
            Some(bytes) => Payload::Body(bytes),
            None => Payload::Params(&borrowed),
        },
        signature,
        algorithm,
    };
    match validator.validate(&request) {
        Ok(index) => Ok(Some(index)),
        Err(twilio_accounts_webhook::WebhookError::InvalidUrl) => {
            Err(Failure::usage("the \"url\" is not a valid absolute URL"))
        }
        Err(_) => Ok(None),
    }
}
