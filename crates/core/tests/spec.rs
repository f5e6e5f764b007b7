//! The registry against the spec, one to one: every operation of Twilio's
//! OpenAPI description (the repository's own copy, `crates/core/spec/`) is
//! registered exactly once, and every registered operation is in it with
//! the same `operationId`, method, path template
//! and parameter names. Parameters that only the official libraries send
//! are marked as such and are the only ones allowed to be absent.

use std::collections::BTreeSet;

use serde_json::Value;
use twilio_accounts_core::operations::OPERATIONS;
use twilio_accounts_core::{ParameterLocation, ParameterSource};

/// The spec, compiled in (the core's lint bans file reads).
fn spec() -> Value {
    serde_json::from_str(include_str!("../spec/twilio_accounts_v1.json")).unwrap()
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
fn every_registered_operation_is_in_the_spec_as_declared() {
    let spec = spec();
    assert!(!OPERATIONS.is_empty());
    for info in OPERATIONS {
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
    let spec = spec();
    let mut in_spec = Vec::new();
    for methods in spec["paths"].as_object().unwrap().values() {
        for operation in methods.as_object().unwrap().values() {
            if let Some(id) = operation["operationId"].as_str() {
                in_spec.push(id.to_owned());
            }
        }
    }
    in_spec.sort();
    let mut registered: Vec<String> = OPERATIONS.iter().map(|o| o.id.to_owned()).collect();
    registered.sort();
    // Equal sorted lists: the same ids, each exactly once on both sides.
    assert_eq!(registered, in_spec);
    let mut unique = in_spec.clone();
    unique.dedup();
    assert_eq!(unique, in_spec, "the spec repeats an operationId");
    assert_eq!(in_spec.len(), 20);
}
