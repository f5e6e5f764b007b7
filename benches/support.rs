//! Shared support for the benchmarks in this folder: the context every
//! request is built in, a canned response, and the spec's own examples.

use http::Response;
use twilio_accounts_core::{AuthToken, Credentials, Endpoint, RequestContext, Service};

/// The account of every benchmark.
pub const SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/// Auth Token credentials of [`SID`] at the default endpoint.
pub fn context() -> RequestContext {
    RequestContext::new(
        Credentials::auth_token(
            SID.parse().expect("a valid SID"),
            AuthToken::new("0123456789abcdef0123456789abcdef").expect("a valid token"),
        ),
        Endpoint::default(),
    )
}

/// A JSON response as Twilio sends one, with a request id.
pub fn response(status: u16, body: &[u8]) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("twilio-request-id", "RQ0123456789abcdef0123456789abcdef")
        .body(body.to_vec())
        .expect("a valid response")
}

/// The first success example of `id` in its service's spec, as (status, body).
pub fn spec_success_example(service: Service, id: &str) -> Option<(u16, Vec<u8>)> {
    let texts: &[&str] = match service {
        Service::Api => &[
            include_str!("../crates/core/spec/twilio_api_v2010_accounts.json"),
            include_str!("../crates/core/spec/twilio_api_v2010_keys.json"),
        ],
        Service::Iam => &[include_str!("../crates/core/spec/twilio_iam_v1_keys.json")],
        _ => &[include_str!("../crates/core/spec/twilio_accounts_v1.json")],
    };
    texts.iter().find_map(|text| success_example_in(text, id))
}

/// The first 2xx example of operation `id` in one spec file's text.
fn success_example_in(text: &str, id: &str) -> Option<(u16, Vec<u8>)> {
    let spec: serde_json::Value = serde_json::from_str(text).ok()?;
    for methods in spec["paths"].as_object()?.values() {
        for operation in methods.as_object()?.values() {
            if operation["operationId"] != id {
                continue;
            }
            for (status, answer) in operation["responses"].as_object()? {
                let status: u16 = status.parse().ok()?;
                if !(200..300).contains(&status) {
                    continue;
                }
                if status == 204 {
                    return Some((204, Vec::new()));
                }
                let examples = answer["content"]["application/json"]["examples"].as_object()?;
                let example = examples.values().next()?;
                return Some((status, serde_json::to_vec(&example["value"]).ok()?));
            }
        }
    }
    None
}
