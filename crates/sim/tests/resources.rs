//! The resources beyond the Auth Tokens (credentials, safe list, bulk consents and contacts, geo
//! permissions), one rule per test, as a Twilio client sees them over HTTP.

mod common;

use common::*;
use serde_json::{Value, json};
use twilio_accounts_sim::{Fault, Route, SimConfig, Simulator};

fn simulator() -> Simulator {
    sim(SimConfig::default())
}

/// An AWS secret the simulator must never repeat.
const AWS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const AWS_SECRET: &str = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY";

fn form_of(name: &str, values: &[&str]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(values.iter().map(|v| (name, *v)))
        .finish()
}

fn body_text(response: &Response) -> String {
    String::from_utf8_lossy(&response.body).into_owned()
}

#[test]
fn the_aws_secret_is_never_echoed_in_an_answer() {
    let sim = simulator();
    let credentials = format!("Credentials={AWS_KEY_ID}:{AWS_SECRET}&FriendlyName=ci");
    let created = call(&sim, as_primary(&sim, "POST", AWS).form(&credentials));
    assert_eq!(created.status, 201, "{}", body_text(&created));
    let sid = created.json()["sid"].as_str().expect("a sid").to_owned();
    let answers = [
        created,
        call(&sim, as_primary(&sim, "GET", AWS)),
        call(&sim, as_primary(&sim, "GET", &format!("{AWS}/{sid}"))),
        // a malformed value and an unknown parameter are refused without repeating the value
        call(
            &sim,
            as_primary(&sim, "POST", AWS).form(&format!("Credentials={AWS_SECRET}")),
        ),
        call(
            &sim,
            as_primary(&sim, "POST", &format!("{AWS}/{sid}"))
                .form(&format!("Credentials={AWS_KEY_ID}:{AWS_SECRET}")),
        ),
    ];
    for answer in answers {
        let text = body_text(&answer);
        assert!(
            !text.contains(AWS_SECRET) && !text.contains(AWS_KEY_ID),
            "{text}"
        );
    }
}

#[test]
fn bad_credential_input_gets_400_with_code_20001_and_creates_nothing() {
    let sim = simulator();
    let long_name = "n".repeat(65);
    let other_account = "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    let cases = [
        (AWS, String::new()),
        (AWS, "FriendlyName=x".to_owned()),
        (AWS, "Credentials=".to_owned()),
        (AWS, "Credentials=nocolon".to_owned()),
        (AWS, "Credentials=:secret".to_owned()),
        (AWS, "Credentials=AKIA:".to_owned()),
        (AWS, format!("Credentials=AKIA:s&FriendlyName={long_name}")),
        (
            AWS,
            format!("Credentials=AKIA:s&AccountSid={other_account}"),
        ),
        (AWS, "Credentials=AKIA:s&AccountSid=AC1".to_owned()),
        (AWS, "Credentials=AKIA:s&PublicKey=k".to_owned()),
        (PUBLIC_KEYS, "FriendlyName=x".to_owned()),
        (PUBLIC_KEYS, "PublicKey=k&Credentials=AKIA:s".to_owned()),
    ];
    for (path, form) in &cases {
        let response = call(&sim, as_primary(&sim, "POST", path).form(form));
        assert_twilio_error(&response, 400, 20001);
    }
    for path in [AWS, PUBLIC_KEYS] {
        let list = call(&sim, as_primary(&sim, "GET", path));
        assert_eq!(list.json()["credentials"], json!([]), "{path}");
    }
}

#[test]
fn a_credential_can_be_renamed_and_deleted_and_then_is_gone() {
    let sim = simulator();
    for (path, form) in [
        (PUBLIC_KEYS, "PublicKey=key&FriendlyName=old"),
        (AWS, "Credentials=AKIA:secret&FriendlyName=old"),
    ] {
        let created = call(&sim, as_primary(&sim, "POST", path).form(form)).json();
        let instance = format!("{path}/{}", created["sid"].as_str().expect("a sid"));
        let renamed = call(
            &sim,
            as_primary(&sim, "POST", &instance).form("FriendlyName=new"),
        );
        assert_eq!(renamed.status, 200);
        assert_eq!(renamed.json()["friendly_name"], json!("new"));
        assert_eq!(renamed.json()["date_created"], created["date_created"]);
        let fetched = call(&sim, as_primary(&sim, "GET", &instance)).json();
        assert_eq!(fetched["friendly_name"], json!("new"));
        let unchanged = call(&sim, as_primary(&sim, "POST", &instance));
        assert_eq!(unchanged.json()["friendly_name"], json!("new"), "{path}");

        assert_eq!(
            call(&sim, as_primary(&sim, "DELETE", &instance)).status,
            204
        );
        for method in ["GET", "DELETE"] {
            let gone = call(&sim, as_primary(&sim, method, &instance));
            assert_twilio_error(&gone, 404, 20404);
        }
        let gone = call(
            &sim,
            as_primary(&sim, "POST", &instance).form("FriendlyName=again"),
        );
        assert_twilio_error(&gone, 404, 20404);
    }
}

#[test]
fn unknown_or_malformed_credential_sids_get_404_on_every_instance_operation() {
    let sim = simulator();
    for path in [PUBLIC_KEYS, AWS] {
        for sid in [
            "CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "x",
            "GNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            let instance = format!("{path}/{sid}");
            for (method, form) in [("GET", ""), ("POST", "FriendlyName=n"), ("DELETE", "")] {
                let mut req = as_primary(&sim, method, &instance);
                if !form.is_empty() {
                    req = req.form(form);
                }
                let body = assert_twilio_error(&call(&sim, req), 404, 20404);
                assert_eq!(
                    body["message"],
                    json!(format!(
                        "The requested resource {} was not found",
                        instance.trim_start_matches("/v1")
                    ))
                );
            }
        }
    }
}

#[test]
fn a_public_key_and_an_aws_credential_do_not_share_their_sids() {
    let sim = simulator();
    let key = create_public_key(&sim, "PublicKey=k");
    let sid = key["sid"].as_str().expect("a sid");
    let as_aws = call(&sim, as_primary(&sim, "GET", &format!("{AWS}/{sid}")));
    assert_twilio_error(&as_aws, 404, 20404);
}

#[test]
fn the_safe_list_adds_checks_and_removes_numbers() {
    let sim = simulator();
    let number = "PhoneNumber=%2B18001234567";
    let query = format!("{SAFELIST}?{number}");
    assert_twilio_error(&call(&sim, as_primary(&sim, "GET", &query)), 404, 20404);
    let first = call(&sim, as_primary(&sim, "POST", SAFELIST).form(number));
    assert_eq!(first.status, 201);
    let again = call(&sim, as_primary(&sim, "POST", SAFELIST).form(number));
    assert_eq!(again.status, 201);
    assert_eq!(
        again.json(),
        first.json(),
        "a duplicate answers the same entry"
    );
    let range = call(
        &sim,
        as_primary(&sim, "POST", SAFELIST).form("PhoneNumber=%2B18001234xxx"),
    );
    assert_eq!(range.json()["phone_number"], json!("+18001234xxx"));
    assert_ne!(range.json()["sid"], first.json()["sid"]);

    assert_eq!(
        call(&sim, as_primary(&sim, "GET", &query)).json(),
        first.json()
    );
    assert_eq!(call(&sim, as_primary(&sim, "DELETE", &query)).status, 204);
    for method in ["GET", "DELETE"] {
        assert_twilio_error(&call(&sim, as_primary(&sim, method, &query)), 404, 20404);
    }
}

#[test]
fn a_bad_or_missing_safe_list_number_gets_400_with_code_20001() {
    let sim = simulator();
    let bad = [
        "",
        "PhoneNumber=",
        "PhoneNumber=18001234567",
        "PhoneNumber=+18001234567", // `+` unescaped in a form or query is a space
        "PhoneNumber=%2B1",
        "PhoneNumber=%2B1234567890123456",
        "PhoneNumber=%2B1800abc4567",
        "Number=%2B18001234567",
    ];
    for params in bad {
        let post = call(&sim, as_primary(&sim, "POST", SAFELIST).form(params));
        assert_twilio_error(&post, 400, 20001);
        for method in ["GET", "DELETE"] {
            let target = format!("{SAFELIST}?{params}");
            assert_twilio_error(&call(&sim, as_primary(&sim, method, &target)), 400, 20001);
        }
    }
}

#[test]
fn bulk_calls_answer_each_item_and_refuse_malformed_items_whole() {
    let sim = simulator();
    let valid = r#"{"contact_id":"+15005550006","correlation_id":"ad388b5a46b33b874b0d41f7226db2ef","sender_id":"MG00000000000000000000000000000001","status":"opt-out","source":"website","date_of_consent":"2025-02-28T10:05:27Z"}"#;
    let invalid = r#"{"contact_id":"5005550006","correlation_id":"02520cfa6c432f0e3ec3a38c122d428d","sender_id":"MG1","status":"maybe","source":"tv"}"#;
    let response = call(
        &sim,
        as_primary(&sim, "POST", CONSENTS).form(&form_of("Items", &[valid, invalid])),
    );
    assert_eq!(response.status, 201, "{}", body_text(&response));
    assert_eq!(
        response.json()["items"],
        json!([
            {"correlation_id": "ad388b5a46b33b874b0d41f7226db2ef", "error_code": 0, "error_messages": []},
            {"correlation_id": "02520cfa6c432f0e3ec3a38c122d428d", "error_code": 30646,
             "error_messages": ["INVALID_CONTACT_ID", "INVALID_SENDER_ID", "INVALID_STATUS", "INVALID_SOURCE"]},
        ])
    );

    for path in [CONSENTS, CONTACTS] {
        for form in [
            String::new(),
            form_of("Items", &[valid, "{not json"]),
            form_of("Items", &["[1, 2]"]),
            form_of("Items", &["7"]),
            form_of("Item", &[valid]),
        ] {
            let response = call(&sim, as_primary(&sim, "POST", path).form(&form));
            assert_twilio_error(&response, 400, 20001);
        }
    }
}

#[test]
fn geo_permissions_are_kept_per_country_and_refused_per_entry() {
    let sim = simulator();
    let entries = [
        r#"{"country_code":"DE","type":"country","enabled":true}"#,
        r#"{"country_code":"SY","type":"country","enabled":true}"#,
    ];
    let response = call(
        &sim,
        as_primary(&sim, "PATCH", GEO_PERMISSIONS).form(&form_of("Permissions", &entries)),
    );
    assert_eq!(response.status, 200, "{}", body_text(&response));
    let results = response.json()["permissions"].clone();
    assert_eq!(results[0]["error_code"], json!(0));
    assert_eq!(results[1]["error_code"], json!(30649));
    assert_eq!(results[1]["country_code"], json!("SY"));

    let now = call(
        &sim,
        as_primary(&sim, "GET", &format!("{GEO_PERMISSIONS}?CountryCode=DE,SY")),
    );
    let enabled: Vec<Value> = now.json()["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .map(|p| json!([p["country_code"], p["enabled"]]))
        .collect();
    assert_eq!(enabled, [json!(["DE", true]), json!(["SY", false])]);
}

#[test]
fn bad_geo_permission_requests_get_400_with_code_20001() {
    let sim = simulator();
    for query in ["CountryCode=XX", "CountryCode=US,", "Country=US"] {
        let target = format!("{GEO_PERMISSIONS}?{query}");
        assert_twilio_error(&call(&sim, as_primary(&sim, "GET", &target)), 400, 20001);
    }
    for form in [
        String::new(),
        form_of("Permissions", &["{\"country_code\":"]),
        form_of("Permissions", &["\"US\""]),
    ] {
        let response = call(&sim, as_primary(&sim, "PATCH", GEO_PERMISSIONS).form(&form));
        assert_twilio_error(&response, 400, 20001);
    }
}

#[test]
fn every_route_takes_a_fault_by_its_route_name() {
    let sim = simulator();
    for route in Route::ALL {
        let Some((method, template)) = route.endpoint() else {
            continue;
        };
        let target = template.replace("{Sid}", "CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        let parsed: Route = route.name().parse().expect("the route's name parses");
        sim.set_fault(parsed, Fault::RateLimited { retry_after: None }, 1);
        let method: &'static str = match method.as_str() {
            "GET" => "GET",
            "POST" => "POST",
            "DELETE" => "DELETE",
            "PATCH" => "PATCH",
            other => panic!("unexpected method {other}"),
        };
        let response = call(&sim, as_primary(&sim, method, &target));
        assert_twilio_error(&response, 429, 20429);
        assert_eq!(sim.requests(route), 1, "{route:?}");
    }
}
