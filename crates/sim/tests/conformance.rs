//! Conformance with Twilio's OpenAPI description (`spec/twilio_accounts_v1.json`): every success body the
//! simulator sends validates against the response schema of its operation, with no field the schema does not
//! name; every error body has Twilio's shape; every response carries a request id.

mod common;

use common::*;
use serde_json::{Map, Value, json};
use twilio_accounts_sim::{Route, SimConfig, Simulator};

const SPEC: &str = include_str!("../spec/twilio_accounts_v1.json");

fn spec() -> Value {
    serde_json::from_str(SPEC).expect("the spec is JSON")
}

/// OpenAPI 3.0 → JSON Schema: inline `$ref`s, turn `nullable: true` into a type array, and forbid properties
/// the spec does not list (so the simulator cannot invent fields).
fn to_json_schema(node: &Value, spec: &Value, depth: usize) -> Value {
    assert!(depth < 32, "$ref nesting too deep");
    match node {
        Value::Object(object) => {
            if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
                let pointer = reference.strip_prefix('#').expect("a local $ref");
                let target = spec
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("dangling $ref {reference}"));
                return to_json_schema(target, spec, depth + 1);
            }
            let mut out = Map::new();
            for (key, value) in object {
                match key.as_str() {
                    "nullable" | "x-twilio" | "description" | "title" | "example" => {}
                    _ => {
                        out.insert(key.clone(), to_json_schema(value, spec, depth + 1));
                    }
                }
            }
            if object.get("nullable") == Some(&Value::Bool(true))
                && let Some(Value::String(ty)) = out.get("type").cloned()
            {
                out.insert("type".into(), json!([ty, "null"]));
            }
            if out.contains_key("properties") {
                out.insert("additionalProperties".into(), Value::Bool(false));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| to_json_schema(v, spec, depth + 1))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn validator(path: &str, method: &str, status: u16) -> jsonschema::Validator {
    let spec = spec();
    let operation = &spec["paths"][path][method];
    let schema =
        &operation["responses"][status.to_string()]["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "no JSON schema for {method} {path} {status}"
    );
    let schema = to_json_schema(schema, &spec, 0);
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the response schema compiles")
}

#[track_caller]
fn assert_conforms(response: &Response, path: &str, method: &str) {
    assert_request_id(response);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let body = response.json();
    let validator = validator(path, method, response.status);
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {}: {errors:?}\n{body}",
        response.status
    );
}

/// Timestamps in the exact form of the spec's examples: `2015-07-31T04:00:00Z`.
#[track_caller]
fn assert_iso8601(value: &Value) {
    let re = regex::Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$").expect("regex");
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"));
    assert!(re.is_match(text), "{text}");
}

fn simulator() -> Simulator {
    sim(SimConfig::default())
}

#[test]
fn create_secondary_body_conforms_to_the_spec() {
    let sim = simulator();
    let response = call(&sim, as_primary(&sim, "POST", SECONDARY));
    assert_eq!(response.status, 201);
    assert_conforms(&response, SECONDARY, "post");
    let body = response.json();
    assert_eq!(body["account_sid"], json!(sim.account_sid()));
    assert_eq!(
        body["url"],
        json!(format!("{}/v1/AuthTokens/Secondary", sim.base_url()))
    );
    assert_iso8601(&body["date_created"]);
    assert_iso8601(&body["date_updated"]);
    assert_eq!(
        body["secondary_auth_token"],
        json!(sim.secondary_token().expect("a secondary"))
    );
}

#[test]
fn promote_body_conforms_to_the_spec() {
    let sim = simulator();
    let secondary = create_secondary(&sim);
    let response = call(&sim, as_primary(&sim, "POST", PROMOTE));
    assert_eq!(response.status, 200);
    assert_conforms(&response, PROMOTE, "post");
    let body = response.json();
    assert_eq!(body["auth_token"], json!(secondary));
    assert_eq!(body["account_sid"], json!(sim.account_sid()));
    assert_eq!(
        body["url"],
        json!(format!("{}/v1/AuthTokens/Promote", sim.base_url()))
    );
    assert_iso8601(&body["date_created"]);
    assert_iso8601(&body["date_updated"]);
}

#[test]
fn empty_public_key_list_conforms_to_the_spec() {
    let sim = simulator();
    let response = call(&sim, as_primary(&sim, "GET", PUBLIC_KEYS));
    assert_eq!(response.status, 200);
    assert_conforms(&response, PUBLIC_KEYS, "get");
    let body = response.json();
    let first = format!(
        "{}/v1/Credentials/PublicKeys?PageSize=50&Page=0",
        sim.base_url()
    );
    assert_eq!(
        body,
        json!({
            "credentials": [],
            "meta": {
                "first_page_url": first, "key": "credentials", "next_page_url": null, "page": 0,
                "page_size": 50, "previous_page_url": null, "url": first,
            }
        })
    );
}

#[test]
fn paged_public_key_lists_conform_and_link_their_pages() {
    let sim = simulator();
    for i in 0..3 {
        let response = call(
            &sim,
            as_primary(&sim, "POST", PUBLIC_KEYS)
                .form(&format!("PublicKey=key{i}&FriendlyName=k{i}")),
        );
        assert_eq!(response.status, 201);
        assert_conforms(&response, PUBLIC_KEYS, "post");
        assert_iso8601(&response.json()["date_created"]);
    }
    let base = sim.base_url();
    let page0 = call(
        &sim,
        as_primary(&sim, "GET", &format!("{PUBLIC_KEYS}?PageSize=2&Page=0")),
    );
    assert_conforms(&page0, PUBLIC_KEYS, "get");
    let meta = &page0.json()["meta"];
    assert_eq!(
        page0.json()["credentials"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(meta["page_size"], json!(2));
    assert_eq!(
        meta["next_page_url"],
        json!(format!(
            "{base}/v1/Credentials/PublicKeys?PageSize=2&Page=1"
        ))
    );
    assert_eq!(meta["previous_page_url"], Value::Null);

    let page1 = call(
        &sim,
        as_primary(&sim, "GET", &format!("{PUBLIC_KEYS}?PageSize=2&Page=1")),
    );
    assert_conforms(&page1, PUBLIC_KEYS, "get");
    let body = page1.json();
    assert_eq!(body["credentials"].as_array().map(Vec::len), Some(1));
    assert_eq!(body["credentials"][0]["friendly_name"], json!("k2"));
    assert_eq!(body["meta"]["next_page_url"], Value::Null);
    assert_eq!(
        body["meta"]["previous_page_url"],
        json!(format!(
            "{base}/v1/Credentials/PublicKeys?PageSize=2&Page=0"
        ))
    );
    assert_eq!(
        body["meta"]["url"],
        json!(format!(
            "{base}/v1/Credentials/PublicKeys?PageSize=2&Page=1"
        ))
    );
}

/// The template of the public-key instance path, as the spec spells it.
const PUBLIC_KEY: &str = "/v1/Credentials/PublicKeys/{Sid}";

#[test]
fn fetched_public_key_conforms_to_the_spec_and_equals_the_created_one() {
    let sim = simulator();
    let created = create_public_key(&sim, "PublicKey=key&FriendlyName=laptop");
    let sid = created["sid"].as_str().expect("a sid");
    let response = call(
        &sim,
        as_primary(&sim, "GET", &format!("{PUBLIC_KEYS}/{sid}")),
    );
    assert_eq!(response.status, 200);
    assert_conforms(&response, PUBLIC_KEY, "get");
    let body = response.json();
    assert_eq!(body, created);
    assert_eq!(body["friendly_name"], json!("laptop"));
    assert_eq!(body["account_sid"], json!(sim.account_sid()));
    assert_eq!(
        body["url"],
        json!(format!(
            "{}/v1/Credentials/PublicKeys/{sid}",
            sim.base_url()
        ))
    );
    assert_iso8601(&body["date_created"]);
}

#[test]
fn every_route_is_a_spec_operation_with_the_same_method_path_and_operation_id() {
    let spec = spec();
    let mut checked = 0;
    for route in Route::ALL {
        let (Some((method, path)), Some(operation_id)) = (route.endpoint(), route.operation_id())
        else {
            assert_eq!(route, Route::Any, "only Any has no endpoint");
            continue;
        };
        let operation = &spec["paths"][path][method.as_str().to_ascii_lowercase()];
        assert!(
            operation.is_object(),
            "{route:?}: the spec has no {method} {path}"
        );
        assert_eq!(
            operation["operationId"],
            json!(operation_id),
            "{route:?}: {method} {path}"
        );
        checked += 1;
    }
    assert_eq!(checked, Route::ALL.len() - 1);
}

#[test]
fn the_schema_check_rejects_an_invented_field_and_a_wrong_type() {
    // The check above must be able to fail: a body with an extra field or a non-string token is refused.
    let validator = validator(PROMOTE, "post", 200);
    assert!(validator.is_valid(
        &json!({"account_sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "auth_token": null})
    ));
    assert!(!validator.is_valid(&json!({"auth_token": "x", "extra": 1})));
    assert!(!validator.is_valid(&json!({"auth_token": 5})));
    assert!(!validator.is_valid(&json!({"account_sid": "CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})));
}

#[test]
fn every_error_body_has_the_twilio_shape_and_a_request_id() {
    let sim = simulator();
    let sid = sim.account_sid();
    let cases: Vec<(Req, u16)> = vec![
        (Req::new("POST", PROMOTE), 401),
        (Req::new("POST", PROMOTE).auth(&sid, "wrong"), 401),
        (as_primary(&sim, "POST", PROMOTE), 404),
        (as_primary(&sim, "DELETE", SECONDARY), 404),
        (as_primary(&sim, "GET", "/v1/Nope"), 404),
        (as_primary(&sim, "GET", PROMOTE), 405),
        (as_primary(&sim, "PUT", SECONDARY), 405),
        (as_primary(&sim, "POST", SECONDARY).form("Foo=bar"), 400),
        (
            as_primary(&sim, "GET", &format!("{PUBLIC_KEYS}?PageSize=0")),
            400,
        ),
        (as_primary(&sim, "POST", PUBLIC_KEYS), 400),
        (
            as_primary(
                &sim,
                "GET",
                &format!("{PUBLIC_KEYS}/CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            ),
            404,
        ),
        (as_primary(&sim, "GET", &format!("{PUBLIC_KEYS}/x")), 404),
        (as_primary(&sim, "PUT", &format!("{PUBLIC_KEYS}/x")), 405),
    ];
    for (req, status) in cases {
        let response = call(&sim, req.clone());
        assert_request_id(&response);
        assert_eq!(response.status, status, "{req:?}");
        assert_eq!(
            response.header("content-type"),
            Some("application/json"),
            "{req:?}"
        );
        assert_twilio_error_shape(&response.json(), status);
    }
}

#[test]
fn the_spec_copy_carries_its_apache_license() {
    let spec = spec();
    assert_eq!(spec["info"]["license"]["name"], json!("Apache 2.0"));
    let notice = include_str!("../spec/NOTICE");
    assert!(notice.contains("Apache License, Version 2.0") && notice.contains("unmodified"));
}
