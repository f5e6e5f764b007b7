//! Conformance with Twilio's OpenAPI description (`spec/twilio_accounts_v1.json`): every success body the
//! simulator sends validates against the response schema of its operation, with no field the schema does not
//! name; every error body has Twilio's shape; every response carries a request id.

mod common;

use common::*;
use std::collections::BTreeSet;

use serde_json::{Map, Value, json};
use twilio_accounts_sim::{Route, SimConfig, Simulator};

const SPEC: &str = include_str!("../spec/twilio_accounts_v1.json");
const SPEC_2010: &str = include_str!("../spec/twilio_api_v2010_accounts.json");
const SPEC_2010_KEYS: &str = include_str!("../spec/twilio_api_v2010_keys.json");
const SPEC_IAM_KEYS: &str = include_str!("../spec/twilio_iam_v1_keys.json");
const KEYS_2010: &str = "/2010-04-01/Accounts/{AccountSid}/Keys.json";
const KEY_2010: &str = "/2010-04-01/Accounts/{AccountSid}/Keys/{Sid}.json";
const SIGNING_KEYS_2010: &str = "/2010-04-01/Accounts/{AccountSid}/SigningKeys.json";
const SIGNING_KEY_2010: &str = "/2010-04-01/Accounts/{AccountSid}/SigningKeys/{Sid}.json";
const IAM_KEYS: &str = "/v1/Keys";
const IAM_KEY: &str = "/v1/Keys/{Sid}";
const ACCOUNTS_2010: &str = "/2010-04-01/Accounts.json";
const ACCOUNT_2010: &str = "/2010-04-01/Accounts/{Sid}.json";

fn spec() -> Value {
    serde_json::from_str(SPEC).expect("the spec is JSON")
}

fn spec_2010() -> Value {
    serde_json::from_str(SPEC_2010).expect("the 2010 spec is JSON")
}

fn spec_2010_keys() -> Value {
    serde_json::from_str(SPEC_2010_KEYS).expect("the 2010 keys spec is JSON")
}

fn spec_iam_keys() -> Value {
    serde_json::from_str(SPEC_IAM_KEYS).expect("the IAM keys spec is JSON")
}

/// The spec that describes `path`: the 2010 Keys subset for `/2010-04-01/Accounts/{AccountSid}/…`, the 2010
/// Accounts subset for the rest of `/2010-04-01/…`, IAM v1 for `/v1/Keys…`, Accounts v1 otherwise.
fn spec_of(path: &str) -> Value {
    if path.starts_with("/2010-04-01/Accounts/{AccountSid}/") {
        spec_2010_keys()
    } else if path.starts_with("/2010-04-01/") {
        spec_2010()
    } else if is_iam(path) {
        spec_iam_keys()
    } else {
        spec()
    }
}

fn is_iam(path: &str) -> bool {
    path == IAM_KEYS || path.starts_with("/v1/Keys/")
}

/// Paths whose dates are RFC 2822 (the 2010 API and IAM v1), not ISO 8601.
fn writes_rfc2822(path: &str) -> bool {
    path.starts_with("/2010-04-01/") || is_iam(path)
}

/// The 2010 spec says `format: uri` for its page links, which Twilio sends relative (`/2010-04-01/…`), as the
/// spec's own examples show: check them as URI references.
fn relative_uris(node: &mut Value) {
    match node {
        Value::Object(object) => {
            if object.get("format") == Some(&json!("uri")) {
                object.insert("format".into(), json!("uri-reference"));
            }
            object.values_mut().for_each(relative_uris);
        }
        Value::Array(items) => items.iter_mut().for_each(relative_uris),
        _ => {}
    }
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
    let spec = spec_of(path);
    let operation = &spec["paths"][path][method];
    let schema =
        &operation["responses"][status.to_string()]["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "no JSON schema for {method} {path} {status}"
    );
    let mut schema = to_json_schema(schema, &spec, 0);
    if path.starts_with("/2010-04-01/") {
        relative_uris(&mut schema);
    }
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

/// 2010 timestamps in the form of the 2010 spec's examples: `Thu, 30 Jul 2015 20:00:00 +0000`.
#[track_caller]
fn assert_rfc2822(value: &Value) {
    let re =
        regex::Regex::new(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$")
            .expect("regex");
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"));
    assert!(re.is_match(text), "{text}");
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

/// The two credential lists: their path, and a create form for each.
const CREDENTIAL_LISTS: [(&str, &str); 2] = [
    (PUBLIC_KEYS, "PublicKey=key"),
    (
        AWS,
        "Credentials=AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY",
    ),
];

/// The spec's example `name` of the 200 answer of `GET path`, its URLs moved to the simulator's base URL.
fn list_example(sim: &Simulator, path: &str, name: &str) -> Value {
    let example = &spec()["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        ["examples"][name]["value"];
    let text = example
        .to_string()
        .replace("https://accounts.twilio.com", &sim.base_url());
    serde_json::from_str(&text).expect("the example is JSON")
}

#[test]
fn empty_credential_lists_are_the_spec_example_at_the_simulator_base_url() {
    let sim = simulator();
    for (path, _) in CREDENTIAL_LISTS {
        let response = call(&sim, as_primary(&sim, "GET", path));
        assert_eq!(response.status, 200, "{path}");
        assert_conforms(&response, path, "get");
        assert_eq!(
            response.json(),
            list_example(&sim, path, "readEmpty"),
            "{path}"
        );
    }
}

#[test]
fn paged_credential_lists_conform_and_link_their_pages() {
    let sim = simulator();
    let base = sim.base_url();
    for (path, form) in CREDENTIAL_LISTS {
        for i in 0..3 {
            let response = call(
                &sim,
                as_primary(&sim, "POST", path).form(&format!("{form}&FriendlyName=k{i}")),
            );
            assert_eq!(response.status, 201, "{path}");
            assert_conforms(&response, path, "post");
            assert_iso8601(&response.json()["date_created"]);
        }
        let page_url = |p: u64| json!(format!("{base}{path}?PageSize=2&Page={p}"));
        let page0 = call(
            &sim,
            as_primary(&sim, "GET", &format!("{path}?PageSize=2&Page=0")),
        );
        assert_conforms(&page0, path, "get");
        let body = page0.json();
        assert_eq!(
            body["credentials"].as_array().map(Vec::len),
            Some(2),
            "{path}"
        );
        assert_eq!(body["meta"]["page_size"], json!(2));
        assert_eq!(body["meta"]["next_page_url"], page_url(1), "{path}");
        assert_eq!(body["meta"]["previous_page_url"], Value::Null);

        let page1 = call(
            &sim,
            as_primary(&sim, "GET", &format!("{path}?PageSize=2&Page=1")),
        );
        assert_conforms(&page1, path, "get");
        let body = page1.json();
        assert_eq!(body["credentials"].as_array().map(Vec::len), Some(1));
        assert_eq!(body["credentials"][0]["friendly_name"], json!("k2"));
        assert_eq!(
            body["credentials"][0]["url"],
            json!(format!(
                "{base}{path}/{}",
                body["credentials"][0]["sid"].as_str().unwrap_or("")
            ))
        );
        assert_eq!(body["meta"]["next_page_url"], Value::Null);
        assert_eq!(body["meta"]["previous_page_url"], page_url(0), "{path}");
        assert_eq!(body["meta"]["url"], page_url(1), "{path}");
        assert_eq!(body["meta"]["first_page_url"], page_url(0), "{path}");

        let past_the_end = call(
            &sim,
            as_primary(&sim, "GET", &format!("{path}?PageSize=2&Page=7")),
        );
        assert_conforms(&past_the_end, path, "get");
        assert_eq!(past_the_end.json()["credentials"], json!([]));
    }
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

/// A form with `name` repeated once per value, as the official libraries send an array parameter.
fn repeated(name: &str, values: &[&str]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(values.iter().map(|v| (name, *v)))
        .finish()
}

/// The spec's example of `method path` for this part of the operation, at this JSON pointer.
fn example(path: &str, method: &str, pointer: &str) -> Value {
    spec()["paths"][path][method]
        .pointer(pointer)
        .unwrap_or_else(|| panic!("no example at {path} {method} {pointer}"))
        .clone()
}

/// The spec's request example of an array parameter, as the strings the form repeats.
fn example_array(path: &str, method: &str, name: &str) -> Vec<String> {
    let pointer = format!(
        "/requestBody/content/application~1x-www-form-urlencoded/examples/{}/value/{name}",
        if method == "patch" { "update" } else { "post" }
    );
    example(path, method, &pointer)
        .as_array()
        .expect("an array example")
        .iter()
        .map(|v| v.as_str().expect("a JSON string").to_owned())
        .collect()
}

#[test]
fn the_spec_request_examples_get_the_spec_response_examples() {
    let sim = simulator();
    let cases = [
        (
            CONSENTS,
            "post",
            "Items",
            201,
            "/responses/201/content/application~1json/examples/post/value",
        ),
        (
            CONTACTS,
            "post",
            "Items",
            201,
            "/responses/201/content/application~1json/examples/post/value",
        ),
        (
            GEO_PERMISSIONS,
            "patch",
            "Permissions",
            200,
            "/responses/200/content/application~1json/examples/update/value",
        ),
    ];
    for (path, method, name, status, answer) in cases {
        let values = example_array(path, method, name);
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        let verb = if method == "patch" { "PATCH" } else { "POST" };
        let response = call(
            &sim,
            as_primary(&sim, verb, path).form(&repeated(name, &values)),
        );
        assert_eq!(response.status, status, "{path}");
        assert_conforms(&response, path, method);
        assert_eq!(response.json(), example(path, method, answer), "{path}");
    }
    let response = call(
        &sim,
        as_primary(&sim, "GET", &format!("{GEO_PERMISSIONS}?CountryCode=IN,PK")),
    );
    assert_conforms(&response, GEO_PERMISSIONS, "get");
    assert_eq!(
        response.json(),
        example(
            GEO_PERMISSIONS,
            "get",
            "/responses/200/content/application~1json/examples/get/value"
        )
    );
}

#[test]
fn every_operation_answers_a_body_that_conforms_to_the_spec() {
    let sim = simulator();
    let base = sim.base_url();
    let mut seen = BTreeSet::new();
    let mut step = |method: &'static str, template: &str, target: &str, form: &str, status: u16| {
        let mut req = as_primary(&sim, method, target);
        if !form.is_empty() {
            req = req.form(form);
        }
        let response = call(&sim, req);
        assert_eq!(
            response.status,
            status,
            "{method} {target}: {}",
            String::from_utf8_lossy(&response.body)
        );
        assert_request_id(&response);
        seen.insert((method.to_owned(), template.to_owned()));
        if status == 204 {
            assert!(response.body.is_empty(), "{method} {target}");
            return Value::Null;
        }
        assert_conforms(&response, template, &method.to_ascii_lowercase());
        let body = response.json();
        for field in ["date_created", "date_updated"] {
            match body.get(field) {
                Some(date) if writes_rfc2822(template) => assert_rfc2822(date),
                Some(date) => assert_iso8601(date),
                None => {}
            }
        }
        body
    };

    let listed = step("GET", ACCOUNTS_2010, ACCOUNTS_2010, "", 200);
    assert_eq!(listed["accounts"][0]["sid"], json!(sim.account_sid()));
    let main = format!("/2010-04-01/Accounts/{}.json", sim.account_sid());
    assert_eq!(
        step("GET", ACCOUNT_2010, &main, "", 200),
        listed["accounts"][0]
    );

    step("POST", SECONDARY, SECONDARY, "", 201);
    step("DELETE", SECONDARY, SECONDARY, "", 204);
    step("POST", SECONDARY, SECONDARY, "", 201);
    step("POST", PROMOTE, PROMOTE, "", 200);

    for (path, form) in CREDENTIAL_LISTS {
        let instance = format!("{path}/{{Sid}}");
        let created = step(
            "POST",
            path,
            path,
            &format!("{form}&FriendlyName=first"),
            201,
        );
        let sid = created["sid"].as_str().expect("a sid").to_owned();
        let url = json!(format!("{base}{path}/{sid}"));
        assert_eq!(created["url"], url);
        step("GET", path, path, "", 200);
        assert_eq!(
            step("GET", &instance, &format!("{path}/{sid}"), "", 200),
            created
        );
        let renamed = step(
            "POST",
            &instance,
            &format!("{path}/{sid}"),
            "FriendlyName=second",
            200,
        );
        assert_eq!(renamed["friendly_name"], json!("second"));
        assert_eq!(renamed["sid"], json!(sid));
        assert_eq!(renamed["url"], url);
        step("DELETE", &instance, &format!("{path}/{sid}"), "", 204);
    }

    let created = step(
        "POST",
        SAFELIST,
        SAFELIST,
        "PhoneNumber=%2B18001234567",
        201,
    );
    assert_eq!(created["phone_number"], json!("+18001234567"));
    let query = format!("{SAFELIST}?PhoneNumber=%2B18001234567");
    assert_eq!(step("GET", SAFELIST, &query, "", 200), created);
    step("DELETE", SAFELIST, &query, "", 204);

    for (path, form) in [
        (
            CONSENTS,
            repeated(
                "Items",
                &[
                    r#"{"contact_id":"+15005550006","correlation_id":"ad388b5a46b33b874b0d41f7226db2ef","sender_id":"+15005550001","status":"opt-in","source":"offline"}"#,
                ],
            ),
        ),
        (
            CONTACTS,
            repeated(
                "Items",
                &[
                    r#"{"contact_id":"+15005550006","correlation_id":"ad388b5a46b33b874b0d41f7226db2ef","country_iso_code":"US","zip_code":"94105"}"#,
                ],
            ),
        ),
    ] {
        let body = step("POST", path, path, &form, 201);
        assert_eq!(
            body,
            json!({"items": [{"correlation_id": "ad388b5a46b33b874b0d41f7226db2ef", "error_code": 0, "error_messages": []}]})
        );
    }

    let all = step("GET", GEO_PERMISSIONS, GEO_PERMISSIONS, "", 200);
    assert!(all["permissions"].as_array().is_some_and(|p| p.len() > 2));
    let form = repeated(
        "Permissions",
        &[r#"{"country_code":"GB","type":"country","enabled":true}"#],
    );
    step("PATCH", GEO_PERMISSIONS, GEO_PERMISSIONS, &form, 200);
    let gb = step(
        "GET",
        GEO_PERMISSIONS,
        &format!("{GEO_PERMISSIONS}?CountryCode=GB"),
        "",
        200,
    );
    assert_eq!(gb["permissions"][0]["enabled"], json!(true));

    let account = sim.account_sid();
    for (list, instance, key) in [
        (KEYS_2010, KEY_2010, "keys"),
        (SIGNING_KEYS_2010, SIGNING_KEY_2010, "signing_keys"),
    ] {
        let path = list.replace("{AccountSid}", &account);
        let created = step("POST", list, &path, "FriendlyName=first", 201);
        let sid = created["sid"].as_str().expect("a sid").to_owned();
        assert!(created["secret"].as_str().is_some_and(|s| !s.is_empty()));
        let one = instance
            .replace("{AccountSid}", &account)
            .replace("{Sid}", &sid);
        let listed = step("GET", list, &path, "", 200);
        assert_eq!(listed[key][0]["sid"], json!(sid));
        let fetched = step("GET", instance, &one, "", 200);
        assert_eq!(fetched.get("secret"), None);
        let renamed = step("POST", instance, &one, "FriendlyName=second", 200);
        assert_eq!(renamed["friendly_name"], json!("second"));
        step("DELETE", instance, &one, "", 204);
    }
    let created = step(
        "POST",
        IAM_KEYS,
        IAM_KEYS,
        &format!(
            "AccountSid={account}&FriendlyName=foo&KeyType=restricted&Policy=%7B%22allow%22%3A%5B%22%2Ftwilio%2Fmessaging%2Fmessages%2Fread%22%5D%7D"
        ),
        201,
    );
    assert_eq!(
        created["policy"],
        json!({"allow": ["/twilio/messaging/messages/read"]})
    );
    let sid = created["sid"].as_str().expect("a sid").to_owned();
    let one = format!("{IAM_KEYS}/{sid}");
    let listed = step(
        "GET",
        IAM_KEYS,
        &format!("{IAM_KEYS}?AccountSid={account}"),
        "",
        200,
    );
    assert_eq!(listed["keys"][0]["sid"], json!(sid));
    let fetched = step("GET", IAM_KEY, &one, "", 200);
    assert_eq!(fetched.get("secret"), None);
    assert_eq!(fetched["policy"], created["policy"]);
    step("POST", IAM_KEY, &one, "FriendlyName=bar", 200);
    step("DELETE", IAM_KEY, &one, "", 204);

    let routed: BTreeSet<(String, String)> = Route::ALL
        .into_iter()
        .filter_map(Route::endpoint)
        .map(|(method, path)| (method.to_string(), path.to_owned()))
        .collect();
    assert_eq!(seen, routed, "every route is exercised");
}

#[test]
fn the_routes_are_the_spec_operations_one_to_one() {
    let spec = spec();
    let mut in_spec = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            if let Some(id) = operation.get("operationId").and_then(Value::as_str) {
                in_spec.insert((method.to_ascii_uppercase(), path.clone(), id.to_owned()));
            }
        }
    }
    let mut routed = routed_operations("/v1/");
    routed.retain(|(_, path, _)| !is_iam(path));
    assert_eq!(in_spec.len(), 20, "the spec has 20 operations");
    assert_eq!(routed, in_spec);
}

/// Every operation of `spec`, as `(METHOD, path, operationId)`.
fn spec_operations(spec: &Value) -> BTreeSet<(String, String, String)> {
    let mut operations = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            if let Some(id) = operation.get("operationId").and_then(Value::as_str) {
                operations.insert((method.to_ascii_uppercase(), path.clone(), id.to_owned()));
            }
        }
    }
    operations
}

#[test]
fn the_key_routes_are_the_two_key_specs_operations_one_to_one() {
    let in_2010 = spec_operations(&spec_2010_keys());
    let in_iam = spec_operations(&spec_iam_keys());
    assert_eq!((in_2010.len(), in_iam.len()), (10, 5));
    let mut routed_2010 = routed_operations("/2010-04-01/Accounts/{AccountSid}/");
    let mut routed_iam = routed_operations("/v1/");
    routed_iam.retain(|(_, path, _)| is_iam(path));
    assert_eq!(routed_2010, in_2010);
    assert_eq!(routed_iam, in_iam);
    routed_2010.append(&mut routed_iam);
    assert_eq!(routed_2010.len(), 15);
}

/// The route table's rows under `prefix`, as `(METHOD, path, operationId)`.
fn routed_operations(prefix: &str) -> BTreeSet<(String, String, String)> {
    let mut routed = BTreeSet::new();
    for route in Route::ALL {
        let (Some((method, path)), Some(operation_id)) = (route.endpoint(), route.operation_id())
        else {
            assert_eq!(route, Route::Any, "only Any has no endpoint");
            continue;
        };
        let row = (method.to_string(), path.to_owned(), operation_id.to_owned());
        if path.starts_with(prefix) {
            assert!(routed.insert(row), "{route:?} is routed twice");
        }
    }
    routed
}

#[test]
fn the_2010_routes_are_operations_of_the_2010_spec() {
    let spec = spec_2010();
    let mut routed = routed_operations("/2010-04-01/");
    routed.retain(|(_, path, _)| !path.starts_with("/2010-04-01/Accounts/{AccountSid}/"));
    let expected: BTreeSet<(String, String, String)> = [
        ("GET", ACCOUNTS_2010, "ListAccount"),
        ("GET", ACCOUNT_2010, "FetchAccount"),
    ]
    .into_iter()
    .map(|(m, p, id)| (m.to_owned(), p.to_owned(), id.to_owned()))
    .collect();
    assert_eq!(routed, expected);
    for (method, path, id) in &routed {
        let operation = &spec["paths"][path][method.to_ascii_lowercase()];
        assert_eq!(operation["operationId"], json!(id), "{method} {path}");
    }
}

#[test]
fn every_2010_page_of_a_fleet_conforms_and_the_pages_list_every_account_once() {
    let sim = sim(SimConfig {
        subaccounts: 4,
        ..SimConfig::default()
    });
    let mut target = format!("{ACCOUNTS_2010}?PageSize=2");
    let mut sids = Vec::new();
    for _ in 0..10 {
        let response = call(&sim, as_primary(&sim, "GET", &target));
        assert_eq!(response.status, 200, "{target}");
        assert_conforms(&response, ACCOUNTS_2010, "get");
        let page = response.json();
        for account in page["accounts"].as_array().expect("accounts") {
            sids.push(account["sid"].as_str().expect("a sid").to_owned());
            assert_rfc2822(&account["date_created"]);
            assert_eq!(account["owner_account_sid"], json!(sim.account_sid()));
        }
        match page["next_page_uri"].as_str() {
            Some(next) => target = next.to_owned(),
            None => break,
        }
    }
    let mut expected = vec![sim.account_sid()];
    expected.extend(sim.subaccount_sids());
    assert_eq!(sids, expected);
    let sub = &expected[1];
    let response = call(
        &sim,
        as_primary(&sim, "GET", &format!("/2010-04-01/Accounts/{sub}.json")),
    );
    assert_conforms(&response, ACCOUNT_2010, "get");
    assert_eq!(
        response.json()["auth_token"],
        json!(sim.primary_token_of(sub))
    );
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
