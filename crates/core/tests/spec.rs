//! The registry against the specs, one to one and per service: every
//! operation of Twilio's Accounts v1 OpenAPI description (the repository's
//! own copy, `crates/core/spec/`) is registered exactly once as an Accounts
//! v1 operation, every 2010 Accounts operation of the 2010 subset is
//! registered as a 2010 API operation or listed as deliberately left out,
//! and every registered operation is in its service's spec with the same
//! `operationId`, method, path template and parameter names. Parameters
//! that only the official libraries send are marked as such and are the
//! only ones allowed to be absent.

use std::collections::BTreeSet;

use serde_json::Value;
use twilio_accounts_core::operations::{OPERATIONS, OperationInfo};
use twilio_accounts_core::{ParameterLocation, ParameterSource, Service};

/// The Accounts v1 spec, compiled in (the core's lint bans file reads).
fn spec() -> Value {
    serde_json::from_str(include_str!("../spec/twilio_accounts_v1.json")).unwrap()
}

/// The 2010 API's Accounts subset.
fn spec_2010() -> Value {
    serde_json::from_str(include_str!("../spec/twilio_api_v2010_accounts.json")).unwrap()
}

/// The 2010 subset's operations the core does not implement, and why: it
/// reads subaccounts (to manage their Auth Tokens), it does not create, rename,
/// suspend or close them.
const LEFT_OUT_2010: &[&str] = &["CreateAccount", "UpdateAccount"];

/// The registered operations of one service.
fn registered(service: Service) -> Vec<&'static OperationInfo> {
    OPERATIONS.iter().filter(|o| o.service == service).collect()
}

/// Every `operationId` of a spec, sorted.
fn spec_ids(spec: &Value) -> Vec<String> {
    let mut in_spec = Vec::new();
    for methods in spec["paths"].as_object().unwrap().values() {
        for operation in methods.as_object().unwrap().values() {
            if let Some(id) = operation["operationId"].as_str() {
                in_spec.push(id.to_owned());
            }
        }
    }
    in_spec.sort();
    in_spec
}

/// The spec's parameters of one operation: path and query from
/// `parameters`, form fields from the form request body's schema.
fn spec_parameters(operation: &Value) -> BTreeSet<(String, &'static str)> {
    let mut names = BTreeSet::new();
    for parameter in operation["parameters"].as_array().into_iter().flatten() {
        let location = match parameter["in"].as_str() {
            Some("path") => "path",
            Some("query") => "query",
            other => panic!("a parameter in {other:?}"),
        };
        names.insert((parameter["name"].as_str().unwrap().to_owned(), location));
    }
    let form = &operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
        ["properties"];
    for name in form.as_object().into_iter().flatten().map(|(k, _)| k) {
        names.insert((name.clone(), "form"));
    }
    names
}

fn location(location: ParameterLocation) -> &'static str {
    match location {
        ParameterLocation::Path => "path",
        ParameterLocation::Query => "query",
        ParameterLocation::Form => "form",
    }
}

#[test]
fn every_registered_operation_is_in_its_services_spec_as_declared() {
    let specs = [(Service::Accounts, spec()), (Service::Api, spec_2010())];
    assert_eq!(
        OPERATIONS.len(),
        specs
            .iter()
            .map(|(s, _)| registered(*s).len())
            .sum::<usize>(),
        "an operation of another service"
    );
    for (service, spec) in &specs {
        let operations = registered(*service);
        assert!(!operations.is_empty(), "{service:?}");
        check_declarations(spec, &operations);
    }
}

fn check_declarations(spec: &Value, operations: &[&OperationInfo]) {
    for info in operations {
        let method = info.method.as_str().to_ascii_lowercase();
        let operation = &spec["paths"][info.path][method.as_str()];
        assert!(
            operation.is_object(),
            "{}: the spec has no {} {}",
            info.id,
            info.method,
            info.path
        );
        assert_eq!(
            operation["operationId"], info.id,
            "{} {}",
            info.method, info.path
        );
        let registered: BTreeSet<(String, &str)> = info
            .parameters
            .iter()
            .filter(|p| p.source == ParameterSource::Spec)
            .map(|p| (p.name.to_owned(), location(p.location)))
            .collect();
        assert_eq!(registered, spec_parameters(operation), "{}", info.id);
        for extra in info
            .parameters
            .iter()
            .filter(|p| p.source == ParameterSource::OfficialLibraries)
        {
            assert!(
                !spec_parameters(operation)
                    .iter()
                    .any(|(name, _)| name == extra.name),
                "{}: {} is in the spec; mark it as such",
                info.id,
                extra.name
            );
        }
    }
}

#[test]
fn every_spec_operation_is_registered_exactly_once() {
    let in_spec = spec_ids(&spec());
    let mut registered: Vec<String> = registered(Service::Accounts)
        .iter()
        .map(|o| o.id.to_owned())
        .collect();
    registered.sort();
    // Equal sorted lists: the same ids, each exactly once on both sides.
    assert_eq!(registered, in_spec);
    let mut unique = in_spec.clone();
    unique.dedup();
    assert_eq!(unique, in_spec, "the spec repeats an operationId");
    assert_eq!(in_spec.len(), 20);
}

#[test]
fn every_2010_accounts_operation_is_registered_once_or_left_out_on_purpose() {
    let in_spec = spec_ids(&spec_2010());
    let mut registered: Vec<String> = registered(Service::Api)
        .iter()
        .map(|o| o.id.to_owned())
        .collect();
    registered.sort();
    let mut expected: Vec<String> = in_spec
        .iter()
        .filter(|id| !LEFT_OUT_2010.contains(&id.as_str()))
        .cloned()
        .collect();
    expected.dedup();
    assert_eq!(registered, expected);
    assert_eq!(registered, ["FetchAccount", "ListAccount"]);
    // What is left out is in the spec (no stale entry) and not registered.
    for id in LEFT_OUT_2010 {
        assert!(in_spec.iter().any(|s| s == id), "{id} is not in the spec");
        assert!(!registered.iter().any(|r| r == id), "{id} is registered");
    }
    assert_eq!(in_spec.len(), 4);
}

#[test]
fn the_2010_spec_serves_its_operations_from_the_api_host() {
    let api = spec_2010();
    assert_eq!(api["servers"][0]["url"], "https://api.twilio.com");
    for info in registered(Service::Api) {
        assert_eq!(
            api["paths"][info.path]["servers"][0]["url"], "https://api.twilio.com",
            "{}",
            info.id
        );
    }
    assert_eq!(spec()["servers"][0]["url"], "https://accounts.twilio.com");
}
