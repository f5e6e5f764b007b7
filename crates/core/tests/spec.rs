//! The registry against the specs, one to one and file by file: every
//! operation of each spec file the core carries (`crates/core/spec/`:
//! Accounts v1, the 2010 API's Accounts subset and its Keys subset, IAM v1's
//! Keys subset) is registered exactly once for that file's API, or listed
//! as deliberately left out, and every registered operation is in exactly
//! one spec file of its API with the same `operationId`, method, path
//! template and parameter names (operationIds repeat across APIs, so an
//! operation is matched by its API and its method and path). Parameters
//! that only the official libraries send are marked as such and are the
//! only ones allowed to be absent.

use std::collections::BTreeSet;

use serde_json::Value;
use twilio_accounts_core::operations::{OPERATIONS, OperationInfo};
use twilio_accounts_core::{ParameterLocation, ParameterSource, Service};

/// Each spec file (the core's own copies, compiled in: the core's lint bans
/// file reads), the API it describes, its host, and the operations of it the
/// core leaves out on purpose.
struct SpecFile {
    name: &'static str,
    service: Service,
    host: &'static str,
    text: &'static str,
    left_out: &'static [&'static str],
    operations: usize,
}

const SPECS: &[SpecFile] = &[
    SpecFile {
        name: "twilio_accounts_v1.json",
        service: Service::Accounts,
        host: "https://accounts.twilio.com",
        text: include_str!("../spec/twilio_accounts_v1.json"),
        left_out: &[],
        operations: 20,
    },
    // The core reads subaccounts (to manage their Auth Tokens), it does not
    // create, rename, suspend or close them.
    SpecFile {
        name: "twilio_api_v2010_accounts.json",
        service: Service::Api,
        host: "https://api.twilio.com",
        text: include_str!("../spec/twilio_api_v2010_accounts.json"),
        left_out: &["CreateAccount", "UpdateAccount"],
        operations: 4,
    },
    SpecFile {
        name: "twilio_api_v2010_keys.json",
        service: Service::Api,
        host: "https://api.twilio.com",
        text: include_str!("../spec/twilio_api_v2010_keys.json"),
        left_out: &[],
        operations: 10,
    },
    SpecFile {
        name: "twilio_iam_v1_keys.json",
        service: Service::Iam,
        host: "https://iam.twilio.com",
        text: include_str!("../spec/twilio_iam_v1_keys.json"),
        left_out: &[],
        operations: 5,
    },
];

impl SpecFile {
    fn spec(&self) -> Value {
        serde_json::from_str(self.text).unwrap()
    }
}

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

/// Every registered operation is in exactly one spec file of its service,
/// with the same `operationId`, method, path and parameters.
#[test]
fn every_registered_operation_is_in_one_spec_file_of_its_service_as_declared() {
    for info in OPERATIONS {
        let method = info.method.as_str().to_ascii_lowercase();
        let homes: Vec<&SpecFile> = SPECS
            .iter()
            .filter(|file| file.service == info.service)
            .filter(|file| file.spec()["paths"][info.path][method.as_str()].is_object())
            .collect();
        assert_eq!(
            homes.len(),
            1,
            "{}: {} {} in {} spec files of its service",
            info.qualified_name(),
            info.method,
            info.path,
            homes.len()
        );
        check_declarations(&homes[0].spec(), &[info]);
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

/// One to one, file by file: every operation of a spec file is registered
/// once for its API (or left out on purpose, and then in the file and not
/// registered), and nothing else of that API's paths is registered.
#[test]
fn every_spec_operation_is_registered_exactly_once_or_left_out_on_purpose() {
    for file in SPECS {
        let spec = file.spec();
        let in_spec = spec_ids(&spec);
        let mut unique = in_spec.clone();
        unique.dedup();
        assert_eq!(
            unique, in_spec,
            "{}: the spec repeats an operationId",
            file.name
        );
        assert_eq!(in_spec.len(), file.operations, "{}", file.name);
        // The registered operations whose path and method are in this file.
        let mut registered: Vec<String> = registered(file.service)
            .iter()
            .filter(|o| {
                let method = o.method.as_str().to_ascii_lowercase();
                spec["paths"][o.path][method.as_str()].is_object()
            })
            .map(|o| o.id.to_owned())
            .collect();
        registered.sort();
        let expected: Vec<String> = in_spec
            .iter()
            .filter(|id| !file.left_out.contains(&id.as_str()))
            .cloned()
            .collect();
        // Equal sorted lists: the same ids, each exactly once on both sides.
        assert_eq!(registered, expected, "{}", file.name);
        for id in file.left_out {
            assert!(
                in_spec.iter().any(|s| s == id),
                "{id} is not in {}",
                file.name
            );
            assert!(!registered.iter().any(|r| r == id), "{id} is registered");
        }
    }
    // Every registered operation came from one of the files.
    let total: usize = SPECS.iter().map(|f| f.operations - f.left_out.len()).sum();
    assert_eq!(OPERATIONS.len(), total);
}

/// Each spec file serves its operations from its API's Twilio host, the one
/// the endpoint maps the operations' service to by default.
#[test]
fn each_spec_serves_its_operations_from_its_services_host() {
    let endpoint = twilio_accounts_core::Endpoint::default();
    for file in SPECS {
        let spec = file.spec();
        assert_eq!(spec["servers"][0]["url"], file.host, "{}", file.name);
        assert_eq!(
            endpoint.base_url_for(file.service),
            file.host,
            "{}",
            file.name
        );
        for (path, item) in spec["paths"].as_object().unwrap() {
            let server = &item["servers"][0]["url"];
            assert!(
                server.is_null() || server == file.host,
                "{} {path}",
                file.name
            );
        }
        assert_eq!(
            spec["info"]["license"]["name"], "Apache 2.0",
            "{}",
            file.name
        );
        assert!(
            include_str!("../spec/NOTICE")
                .lines()
                .any(|line| line == file.name),
            "{} has no attribution in spec/NOTICE",
            file.name
        );
    }
}
