//! API keys: the 2010 `Keys` and `SigningKeys` resources and IAM v1 `Keys`, keys as credentials, who may do
//! what (one table), subaccounts, `max_keys`, the key faults and paging.

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::{Value, json};
use twilio_accounts_sim::{FaultSpec, Route, SimConfig, Simulator};

const IAM_KEYS: &str = "/v1/Keys";
const UNKNOWN_SK: &str = "SK00000000000000000000000000000000";

fn keys_2010(account: &str) -> String {
    format!("/2010-04-01/Accounts/{account}/Keys.json")
}

fn signing_keys_2010(account: &str) -> String {
    format!("/2010-04-01/Accounts/{account}/SigningKeys.json")
}

/// `/2010-04-01/Accounts/AC…/Keys.json` → `/2010-04-01/Accounts/AC…/Keys/SK….json`.
fn instance_2010(list: &str, sid: &str) -> String {
    format!("{}/{sid}.json", list.trim_end_matches(".json"))
}

fn encode(pairs: &[(&str, &str)]) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        form.append_pair(name, value);
    }
    form.finish()
}

#[track_caller]
fn body_of(response: &Response, status: u16) -> Value {
    assert_eq!(
        response.status,
        status,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    response.json()
}

/// `SK` and 32 hex digits.
#[track_caller]
fn assert_key_sid(value: &Value) -> String {
    let sid = value.as_str().unwrap_or_else(|| panic!("no sid: {value}"));
    assert!(
        sid.len() == 34 && sid.starts_with("SK") && sid[2..].bytes().all(|b| b.is_ascii_hexdigit()),
        "{sid}"
    );
    sid.to_owned()
}

/// A key made with the main account's Auth Token: `(sid, secret)`.
fn iam_key(sim: &Simulator, extra: &[(&str, &str)]) -> (String, String) {
    let account = sim.account_sid();
    let mut pairs = vec![("AccountSid", account.as_str())];
    pairs.extend_from_slice(extra);
    let created = body_of(
        &call(sim, as_primary(sim, "POST", IAM_KEYS).form(&encode(&pairs))),
        201,
    );
    let sid = assert_key_sid(&created["sid"]);
    let secret = created["secret"].as_str().expect("a secret").to_owned();
    (sid, secret)
}

fn restricted(sim: &Simulator, policy: &Value) -> (String, String) {
    iam_key(
        sim,
        &[("KeyType", "restricted"), ("Policy", &policy.to_string())],
    )
}

/// One of the three key resources, as a client walks it.
struct Resource {
    name: &'static str,
    list: String,
    /// The list query (IAM needs `AccountSid`).
    query: String,
    instance: fn(&str, &str) -> String,
    create_form: String,
    list_key: &'static str,
}

fn resources(account: &str) -> [Resource; 3] {
    [
        Resource {
            name: "2010 Keys",
            list: keys_2010(account),
            query: String::new(),
            instance: instance_2010,
            create_form: "FriendlyName=first".to_owned(),
            list_key: "keys",
        },
        Resource {
            name: "2010 SigningKeys",
            list: signing_keys_2010(account),
            query: String::new(),
            instance: instance_2010,
            create_form: "FriendlyName=first".to_owned(),
            list_key: "signing_keys",
        },
        Resource {
            name: "IAM v1 Keys",
            list: IAM_KEYS.to_owned(),
            query: format!("?AccountSid={account}"),
            instance: |list, sid| format!("{list}/{sid}"),
            create_form: format!("AccountSid={account}&FriendlyName=first"),
            list_key: "keys",
        },
    ]
}

#[test]
fn each_key_resource_lives_through_create_list_fetch_update_delete() {
    let sim = sim(SimConfig::default());
    for r in resources(&sim.account_sid()) {
        let created = body_of(
            &call(&sim, as_primary(&sim, "POST", &r.list).form(&r.create_form)),
            201,
        );
        let sid = assert_key_sid(&created["sid"]);
        assert_eq!(created["friendly_name"], json!("first"), "{}", r.name);
        let one = (r.instance)(&r.list, &sid);

        let listed = body_of(
            &call(
                &sim,
                as_primary(&sim, "GET", &format!("{}{}", r.list, r.query)),
            ),
            200,
        );
        let entries = listed[r.list_key].as_array().expect("a list");
        assert_eq!(entries.len(), 1, "{}: {listed}", r.name);
        assert_eq!(entries[0]["sid"], json!(sid), "{}", r.name);

        let fetched = body_of(&call(&sim, as_primary(&sim, "GET", &one)), 200);
        assert_eq!(fetched["sid"], json!(sid), "{}", r.name);
        assert_eq!(fetched["date_created"], created["date_created"]);

        let renamed = body_of(
            &call(
                &sim,
                as_primary(&sim, "POST", &one).form("FriendlyName=second"),
            ),
            200,
        );
        assert_eq!(renamed["friendly_name"], json!("second"), "{}", r.name);
        let fetched = body_of(&call(&sim, as_primary(&sim, "GET", &one)), 200);
        assert_eq!(fetched["friendly_name"], json!("second"), "{}", r.name);

        assert_eq!(call(&sim, as_primary(&sim, "DELETE", &one)).status, 204);
        assert_twilio_error(&call(&sim, as_primary(&sim, "GET", &one)), 404, 20404);
        assert_twilio_error(&call(&sim, as_primary(&sim, "DELETE", &one)), 404, 20404);
        assert_twilio_error(
            &call(&sim, as_primary(&sim, "POST", &one).form("FriendlyName=x")),
            404,
            20404,
        );
    }
}

#[test]
fn the_secret_is_only_in_the_create_answer() {
    let sim = sim(SimConfig::default());
    for r in resources(&sim.account_sid()) {
        let created = body_of(
            &call(&sim, as_primary(&sim, "POST", &r.list).form(&r.create_form)),
            201,
        );
        let secret = created["secret"].as_str().expect("a secret").to_owned();
        assert!(secret.len() >= 32, "{}", r.name);
        let sid = assert_key_sid(&created["sid"]);
        let one = (r.instance)(&r.list, &sid);
        for response in [
            call(
                &sim,
                as_primary(&sim, "GET", &format!("{}{}", r.list, r.query)),
            ),
            call(&sim, as_primary(&sim, "GET", &one)),
            call(&sim, as_primary(&sim, "POST", &one).form("FriendlyName=x")),
        ] {
            let text = String::from_utf8_lossy(&response.body).into_owned();
            assert_eq!(response.status, 200, "{}: {text}", r.name);
            assert!(!text.contains(&secret), "{}: {text}", r.name);
            assert!(!text.contains("\"secret\""), "{}: {text}", r.name);
        }
    }
}

#[test]
fn a_key_authenticates_for_its_account_and_a_deleted_key_is_refused_at_once() {
    let sim = sim(SimConfig::default());
    let (sid, secret) = iam_key(&sim, &[]);
    let read = |s: &str, t: &str| call(&sim, Req::new("GET", PUBLIC_KEYS).auth(s, t));
    assert_eq!(read(&sid, &secret).status, 200);
    assert_twilio_error(&read(&sid, "not-the-secret"), 401, 20003);
    assert_twilio_error(&read(UNKNOWN_SK, &secret), 401, 20003);

    // A key answers for its owner: what it creates is the account's.
    let made = call(
        &sim,
        Req::new("POST", PUBLIC_KEYS)
            .auth(&sid, &secret)
            .form("PublicKey=k"),
    );
    assert_eq!(made.status, 201);
    assert_eq!(made.json()["account_sid"], json!(sim.account_sid()));

    let one = format!("{IAM_KEYS}/{sid}");
    assert_eq!(call(&sim, as_primary(&sim, "DELETE", &one)).status, 204);
    assert_twilio_error(&read(&sid, &secret), 401, 20003);
}

#[test]
fn signing_keys_authenticate_nothing() {
    let sim = sim(SimConfig::default());
    let list = signing_keys_2010(&sim.account_sid());
    let created = body_of(&call(&sim, as_primary(&sim, "POST", &list)), 201);
    let sid = assert_key_sid(&created["sid"]);
    let secret = created["secret"].as_str().expect("a secret");
    assert_twilio_error(
        &call(&sim, Req::new("GET", PUBLIC_KEYS).auth(&sid, secret)),
        401,
        20003,
    );
}

/// One row of the permission table: a request, and what each kind of credential gets.
struct Case<'a> {
    class: &'static str,
    method: &'static str,
    path: &'a str,
    form: &'static str,
    /// (status, Twilio code; 0 for a success) as Auth Token, Main, Standard, Restricted allowing, denying.
    expected: [(u16, u64); 5],
}

/// Who may do what: each kind of credential against each class of operation, with the status and Twilio
/// code expected (0: a success). An allowed call on an unknown SID answers 404, which shows the call got
/// past the permission check without changing anything.
#[test]
fn the_permission_table() {
    let sim = sim(SimConfig {
        main_api_key: true,
        ..SimConfig::default()
    });
    let account = sim.account_sid();
    let (main_sid, main_secret) = sim.main_api_key().expect("a Main key");
    let (std_sid, std_secret) = iam_key(&sim, &[("FriendlyName", "standard")]);
    let allowed = json!({"allow": [
        "/twilio/iam/api-keys/read",
        "/twilio/accounts/credentials/public-keys/read",
        "/twilio/accounts/credentials/public-keys/update",
    ]});
    let (allow_sid, allow_secret) = restricted(&sim, &allowed);
    let denying = json!({
        "allow": [
            "/twilio/iam/api-keys/read",
            "/twilio/accounts/credentials/public-keys/read",
            "/twilio/accounts/credentials/public-keys/update",
        ],
        "deny": [
            "/twilio/iam/api-keys/read",
            "/twilio/accounts/credentials/public-keys/update",
        ],
    });
    let (deny_sid, deny_secret) = restricted(&sim, &denying);
    let token = sim.primary_token();
    let kinds: [(&str, &str, &str); 5] = [
        ("Auth Token", &account, &token),
        ("Main", &main_sid, &main_secret),
        ("Standard", &std_sid, &std_secret),
        ("Restricted allowing", &allow_sid, &allow_secret),
        ("Restricted denying", &deny_sid, &deny_secret),
    ];

    let unknown_2010_key = instance_2010(&keys_2010(&account), UNKNOWN_SK);
    let unknown_signing_key = instance_2010(&signing_keys_2010(&account), UNKNOWN_SK);
    let unknown_iam_key = format!("{IAM_KEYS}/{UNKNOWN_SK}");
    let unknown_public_key = format!("{PUBLIC_KEYS}/CR00000000000000000000000000000000");
    let unknown_aws = format!("{AWS}/CR00000000000000000000000000000000");
    let iam_list = format!("{IAM_KEYS}?AccountSid={account}");
    let list_2010 = keys_2010(&account);
    let account_2010 = format!("/2010-04-01/Accounts/{account}.json");

    const OK: (u16, u64) = (200, 0);
    const NOT_FOUND: (u16, u64) = (404, 20404);
    const AUTHENTICATE: (u16, u64) = (401, 20003);
    const MISSING: (u16, u64) = (401, 70051);
    let table = [
        Case {
            class: "Auth Token op",
            method: "DELETE",
            path: SECONDARY,
            form: "",
            expected: [
                NOT_FOUND,
                NOT_FOUND,
                AUTHENTICATE,
                AUTHENTICATE,
                AUTHENTICATE,
            ],
        },
        Case {
            class: "Auth Token op",
            method: "POST",
            path: PROMOTE,
            form: "",
            expected: [
                NOT_FOUND,
                NOT_FOUND,
                AUTHENTICATE,
                AUTHENTICATE,
                AUTHENTICATE,
            ],
        },
        Case {
            class: "2010 Accounts",
            method: "GET",
            path: "/2010-04-01/Accounts.json",
            form: "",
            expected: [OK, OK, AUTHENTICATE, AUTHENTICATE, AUTHENTICATE],
        },
        Case {
            class: "2010 Accounts",
            method: "GET",
            path: &account_2010,
            form: "",
            expected: [OK, OK, AUTHENTICATE, AUTHENTICATE, AUTHENTICATE],
        },
        Case {
            class: "keys read",
            method: "GET",
            path: &iam_list,
            form: "",
            expected: [OK, OK, AUTHENTICATE, OK, MISSING],
        },
        Case {
            class: "keys read",
            method: "GET",
            path: &list_2010,
            form: "",
            expected: [OK, OK, AUTHENTICATE, OK, MISSING],
        },
        Case {
            class: "keys write",
            method: "POST",
            path: &unknown_iam_key,
            form: "FriendlyName=x",
            expected: [NOT_FOUND, NOT_FOUND, AUTHENTICATE, MISSING, MISSING],
        },
        Case {
            class: "keys write",
            method: "DELETE",
            path: &unknown_2010_key,
            form: "",
            expected: [NOT_FOUND, NOT_FOUND, AUTHENTICATE, MISSING, MISSING],
        },
        Case {
            class: "signing keys write",
            method: "DELETE",
            path: &unknown_signing_key,
            form: "",
            expected: [NOT_FOUND, NOT_FOUND, AUTHENTICATE, MISSING, MISSING],
        },
        Case {
            class: "Accounts v1 read",
            method: "GET",
            path: PUBLIC_KEYS,
            form: "",
            expected: [OK, OK, OK, OK, OK],
        },
        Case {
            class: "Accounts v1 write",
            method: "POST",
            path: &unknown_public_key,
            form: "FriendlyName=x",
            expected: [NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, MISSING],
        },
        Case {
            class: "Accounts v1 write",
            method: "POST",
            path: &unknown_aws,
            form: "FriendlyName=x",
            expected: [NOT_FOUND, NOT_FOUND, NOT_FOUND, MISSING, MISSING],
        },
    ];
    for Case {
        class,
        method,
        path,
        form,
        expected,
    } in table
    {
        for ((kind, sid, secret), (status, code)) in kinds.iter().zip(expected) {
            let mut req = Req::new(method, path).auth(sid, secret);
            if !form.is_empty() {
                req = req.form(form);
            }
            let response = call(&sim, req);
            let case = format!("{class} {method} {path} as {kind}");
            if code == 0 {
                assert_eq!(
                    response.status,
                    status,
                    "{case}: {}",
                    String::from_utf8_lossy(&response.body)
                );
            } else {
                assert_eq!(response.status, status, "{case}");
                assert_eq!(response.json()["code"], json!(code), "{case}");
            }
        }
    }
}

#[test]
fn main_keys_and_unknown_key_types_cannot_be_created_through_the_api() {
    let sim = sim(SimConfig::default());
    let form = format!("AccountSid={}&KeyType=main", sim.account_sid());
    assert_twilio_error(
        &call(&sim, as_primary(&sim, "POST", IAM_KEYS).form(&form)),
        400,
        20001,
    );
}

#[test]
fn the_2010_create_ignores_key_type_and_policy_and_makes_a_standard_key() {
    let sim = sim(SimConfig::default());
    let form = encode(&[
        ("FriendlyName", "legacy"),
        ("KeyType", "restricted"),
        ("Policy", r#"{"allow":["/twilio/iam/api-keys/read"]}"#),
    ]);
    let created = body_of(
        &call(
            &sim,
            as_primary(&sim, "POST", &keys_2010(&sim.account_sid())).form(&form),
        ),
        201,
    );
    let sid = assert_key_sid(&created["sid"]);
    let secret = created["secret"].as_str().expect("a secret");
    let fetched = body_of(
        &call(&sim, as_primary(&sim, "GET", &format!("{IAM_KEYS}/{sid}"))),
        200,
    );
    assert_eq!(fetched["policy"], Value::Null);
    // Standard: reads Accounts v1, and not the keys its ignored policy named.
    let as_key = |path: &str| call(&sim, Req::new("GET", path).auth(&sid, secret));
    assert_eq!(as_key(PUBLIC_KEYS).status, 200);
    let iam_list = format!("{IAM_KEYS}?AccountSid={}", sim.account_sid());
    assert_twilio_error(&as_key(&iam_list), 401, 20003);
}

#[test]
fn refuse_2010_key_create_answers_policy_evaluation_failed_while_iam_works() {
    let sim = sim(SimConfig {
        refuse_2010_key_create: true,
        ..SimConfig::default()
    });
    let refused = assert_twilio_error(
        &call(
            &sim,
            as_primary(&sim, "POST", &keys_2010(&sim.account_sid())),
        ),
        401,
        20003,
    );
    assert_eq!(refused["message"], json!("Policy evaluation failed"));
    iam_key(&sim, &[]);
    let listed = body_of(
        &call(
            &sim,
            as_primary(&sim, "GET", &keys_2010(&sim.account_sid())),
        ),
        200,
    );
    assert_eq!(listed["keys"].as_array().map(Vec::len), Some(1));
}

#[test]
fn a_parent_manages_a_subaccounts_keys_through_2010_and_not_the_other_way() {
    let sim = sim(SimConfig {
        subaccounts: 2,
        main_api_key: true,
        ..SimConfig::default()
    });
    let parent = sim.account_sid();
    let subs = sim.subaccount_sids();
    let (sub, sibling) = (&subs[0], &subs[1]);
    let sub_token = sim.primary_token_of(sub).expect("a token");
    let (main_sid, main_secret) = sim.main_api_key().expect("a Main key");

    // The parent's Auth Token and its Main key create keys in the subaccount.
    for (sid, secret) in [
        (parent.as_str(), sim.primary_token()),
        (&main_sid, main_secret),
    ] {
        let created = body_of(
            &call(
                &sim,
                Req::new("POST", &keys_2010(sub))
                    .auth(sid, &secret)
                    .form("FriendlyName=for-the-sub"),
            ),
            201,
        );
        let key = assert_key_sid(&created["sid"]);
        let key_secret = created["secret"].as_str().expect("a secret");
        // The key acts for the subaccount.
        let made = call(
            &sim,
            Req::new("POST", PUBLIC_KEYS)
                .auth(&key, key_secret)
                .form("PublicKey=k"),
        );
        assert_eq!(made.status, 201);
        assert_eq!(made.json()["account_sid"], json!(sub));
        // The subaccount sees it, the parent's own list does not have it.
        let sub_list = format!("{IAM_KEYS}?AccountSid={sub}");
        let listed = body_of(
            &call(&sim, Req::new("GET", &sub_list).auth(sub, &sub_token)),
            200,
        );
        assert!(
            listed["keys"]
                .as_array()
                .is_some_and(|k| k.iter().any(|e| e["sid"] == json!(key)))
        );
        let parents = body_of(
            &call(&sim, as_primary(&sim, "GET", &keys_2010(&parent))),
            200,
        );
        assert!(
            parents["keys"]
                .as_array()
                .is_some_and(|k| k.iter().all(|e| e["sid"] != json!(key)))
        );
    }

    // The subaccount reaches neither its parent's keys nor its sibling's.
    for path in [
        keys_2010(&parent),
        keys_2010(sibling),
        signing_keys_2010(&parent),
        format!("{IAM_KEYS}?AccountSid={parent}"),
    ] {
        assert_twilio_error(
            &call(&sim, Req::new("GET", &path).auth(sub, &sub_token)),
            401,
            20003,
        );
    }
    assert_twilio_error(
        &call(
            &sim,
            Req::new("POST", IAM_KEYS)
                .auth(sub, &sub_token)
                .form(&format!("AccountSid={parent}")),
        ),
        401,
        20003,
    );
    // A subaccount's restricted key allowed to read keys reads its own, never its parent's.
    let created = body_of(
        &call(
            &sim,
            Req::new("POST", IAM_KEYS)
                .auth(sub, &sub_token)
                .form(&encode(&[
                    ("AccountSid", sub),
                    ("KeyType", "restricted"),
                    ("Policy", r#"{"allow":["/twilio/iam/api-keys/read"]}"#),
                ])),
        ),
        201,
    );
    let key = assert_key_sid(&created["sid"]);
    let key_secret = created["secret"].as_str().expect("a secret");
    assert_eq!(
        call(
            &sim,
            Req::new("GET", &keys_2010(sub)).auth(&key, key_secret)
        )
        .status,
        200
    );
    assert_twilio_error(
        &call(
            &sim,
            Req::new("GET", &keys_2010(&parent)).auth(&key, key_secret),
        ),
        401,
        20003,
    );
}

#[test]
fn max_keys_refuses_a_create_past_the_limit_with_70151() {
    let sim = sim(SimConfig {
        max_keys: Some(2),
        main_api_key: true,
        ..SimConfig::default()
    });
    let account = sim.account_sid();
    // The Main key is the first of two API keys.
    let (sid, _) = iam_key(&sim, &[]);
    let refused = assert_twilio_error(
        &call(&sim, as_primary(&sim, "POST", &keys_2010(&account))),
        400,
        70151,
    );
    assert_eq!(
        refused["message"],
        json!("Maximum number of API keys exceeded")
    );
    assert_twilio_error(
        &call(
            &sim,
            as_primary(&sim, "POST", IAM_KEYS).form(&format!("AccountSid={account}")),
        ),
        400,
        70151,
    );
    // Signing keys are counted apart, to the same limit.
    let signing = signing_keys_2010(&account);
    for _ in 0..2 {
        assert_eq!(call(&sim, as_primary(&sim, "POST", &signing)).status, 201);
    }
    assert_twilio_error(&call(&sim, as_primary(&sim, "POST", &signing)), 400, 70151);
    // Deleting a key makes room.
    let one = format!("{IAM_KEYS}/{sid}");
    assert_eq!(call(&sim, as_primary(&sim, "DELETE", &one)).status, 204);
    assert_eq!(
        call(&sim, as_primary(&sim, "POST", &keys_2010(&account))).status,
        201
    );
}

#[test]
fn every_key_route_has_its_fault_name_and_the_shared_plain_names_select_both() {
    let cases: [(&str, &[Route]); 19] = [
        ("list-key", &[Route::ListKeys]),
        ("api-v2010-create-new-key", &[Route::CreateKey]),
        ("api-v2010-fetch-key", &[Route::FetchKey]),
        ("api-v2010-update-key", &[Route::UpdateKey]),
        ("api-v2010-delete-key", &[Route::DeleteKey]),
        ("list-signing-key", &[Route::ListSigningKeys]),
        ("create-new-signing-key", &[Route::CreateSigningKey]),
        ("fetch-signing-key", &[Route::FetchSigningKey]),
        ("update-signing-key", &[Route::UpdateSigningKey]),
        ("delete-signing-key", &[Route::DeleteSigningKey]),
        ("list-get-keys", &[Route::IamListKeys]),
        ("iam-v1-create-new-key", &[Route::IamCreateKey]),
        ("iam-v1-fetch-key", &[Route::IamFetchKey]),
        ("iam-v1-update-key", &[Route::IamUpdateKey]),
        ("iam-v1-delete-key", &[Route::IamDeleteKey]),
        ("create-new-key", &[Route::CreateKey, Route::IamCreateKey]),
        ("fetch-key", &[Route::FetchKey, Route::IamFetchKey]),
        ("update-key", &[Route::UpdateKey, Route::IamUpdateKey]),
        ("delete-key", &[Route::DeleteKey, Route::IamDeleteKey]),
    ];
    for (name, routes) in cases {
        let spec: FaultSpec = format!("{name}:server-error:503:1")
            .parse()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(spec.routes, routes, "{name}");
    }
}

/// The 2010 create and the IAM create, each answering with this status.
fn create_both(sim: &Simulator) -> [u16; 2] {
    let account = sim.account_sid();
    [
        call(sim, as_primary(sim, "POST", &keys_2010(&account))).status,
        call(
            sim,
            as_primary(sim, "POST", IAM_KEYS).form(&format!("AccountSid={account}")),
        )
        .status,
    ]
}

#[test]
fn a_plain_fault_name_arms_both_apis_and_a_qualified_one_arms_one() {
    let cases: [(&str, [u16; 2]); 3] = [
        ("create-new-key", [503, 503]),
        ("api-v2010-create-new-key", [503, 201]),
        ("iam-v1-create-new-key", [201, 503]),
    ];
    for (name, first) in cases {
        let spec: FaultSpec = format!("{name}:server-error:503:1")
            .parse()
            .expect("a fault spec");
        let sim = sim(SimConfig {
            faults: vec![spec],
            ..SimConfig::default()
        });
        assert_eq!(create_both(&sim), first, "{name}");
        assert_eq!(create_both(&sim), [201, 201], "{name}: used up");
    }
    assert!("create-new-key".parse::<Route>().is_err());
}

#[test]
fn a_fault_on_a_key_route_leaves_the_other_key_routes_alone() {
    let spec: FaultSpec = "list-get-keys:rate-limited:1"
        .parse()
        .expect("a fault spec");
    let sim = sim(SimConfig {
        faults: vec![spec],
        ..SimConfig::default()
    });
    let account = sim.account_sid();
    assert_eq!(
        call(&sim, as_primary(&sim, "GET", &keys_2010(&account))).status,
        200
    );
    let iam_list = format!("{IAM_KEYS}?AccountSid={account}");
    assert_twilio_error(&call(&sim, as_primary(&sim, "GET", &iam_list)), 429, 20429);
    assert_eq!(call(&sim, as_primary(&sim, "GET", &iam_list)).status, 200);
    assert_eq!(sim.requests(Route::IamListKeys), 2);
}

#[test]
fn both_list_styles_page_through_every_key_once() {
    let sim = sim(SimConfig::default());
    let account = sim.account_sid();
    let mut made = BTreeSet::new();
    for i in 0..5 {
        let (sid, _) = iam_key(&sim, &[("FriendlyName", &format!("key {i}"))]);
        made.insert(sid);
    }

    // 2010: relative `next_page_uri`, followed as given.
    let mut seen = Vec::new();
    let mut next = Some(format!("{}?PageSize=2", keys_2010(&account)));
    for _ in 0..10 {
        let Some(target) = next.take() else { break };
        let page = body_of(&call(&sim, as_primary(&sim, "GET", &target)), 200);
        assert_eq!(page["page_size"], json!(2));
        for key in page["keys"].as_array().expect("keys") {
            seen.push(key["sid"].as_str().expect("a sid").to_owned());
        }
        next = page["next_page_uri"].as_str().map(str::to_owned);
        if let Some(uri) = &next {
            assert!(uri.starts_with("/2010-04-01/Accounts/"), "{uri}");
        }
    }
    assert!(next.is_none(), "the 2010 pages end");
    assert_eq!(seen.len(), 5);
    assert_eq!(seen.iter().cloned().collect::<BTreeSet<_>>(), made);

    // IAM v1: absolute `meta.next_page_url` at the simulator's base URL, carrying `AccountSid`.
    let base = sim.base_url();
    let mut seen = Vec::new();
    let mut next = Some(format!("{IAM_KEYS}?AccountSid={account}&PageSize=2"));
    for _ in 0..10 {
        let Some(target) = next.take() else { break };
        let page = body_of(&call(&sim, as_primary(&sim, "GET", &target)), 200);
        assert_eq!(page["meta"]["key"], json!("keys"));
        for key in page["keys"].as_array().expect("keys") {
            assert!(key["flags"].is_array());
            seen.push(key["sid"].as_str().expect("a sid").to_owned());
        }
        next = page["meta"]["next_page_url"].as_str().map(|url| {
            assert!(url.contains(&format!("AccountSid={account}")), "{url}");
            url.strip_prefix(&base)
                .unwrap_or_else(|| panic!("{url} is not at {base}"))
                .to_owned()
        });
    }
    assert!(next.is_none(), "the IAM pages end");
    assert_eq!(seen.len(), 5);
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), made);

    // A 2010 page token that is not the one its link carried.
    let bad = format!(
        "{}?PageSize=2&Page=1&PageToken=PA{UNKNOWN_SK}",
        keys_2010(&account)
    );
    assert_twilio_error(&call(&sim, as_primary(&sim, "GET", &bad)), 400, 21481);
}

#[test]
fn bad_input_is_a_typed_error_never_a_crash() {
    let sim = sim(SimConfig::default());
    let account = sim.account_sid();
    let long_name = "n".repeat(65);
    let too_many: Vec<String> = (0..101).map(|i| format!("/twilio/p/{i}")).collect();
    let too_many = json!({ "allow": too_many }).to_string();
    let iam = |pairs: &[(&str, &str)]| encode(pairs);
    let cases: Vec<(&str, String, String, (u16, u64))> = vec![
        ("POST", IAM_KEYS.to_owned(), String::new(), (400, 20001)),
        (
            "POST",
            IAM_KEYS.to_owned(),
            iam(&[("AccountSid", "ACnope")]),
            (400, 20001),
        ),
        (
            "POST",
            IAM_KEYS.to_owned(),
            iam(&[("AccountSid", &account), ("KeyType", "restricted")]),
            (400, 20001),
        ),
        (
            "POST",
            IAM_KEYS.to_owned(),
            iam(&[
                ("AccountSid", &account),
                ("KeyType", "restricted"),
                ("Policy", "{not json"),
            ]),
            (400, 20001),
        ),
        (
            "POST",
            IAM_KEYS.to_owned(),
            iam(&[
                ("AccountSid", &account),
                ("KeyType", "restricted"),
                ("Policy", &too_many),
            ]),
            (400, 20001),
        ),
        (
            "POST",
            IAM_KEYS.to_owned(),
            iam(&[("AccountSid", &account), ("Policy", r#"{"allow":["/a"]}"#)]),
            (400, 20001),
        ),
        (
            "POST",
            IAM_KEYS.to_owned(),
            iam(&[("AccountSid", &account), ("FriendlyName", &long_name)]),
            (400, 20001),
        ),
        (
            "POST",
            IAM_KEYS.to_owned(),
            iam(&[("AccountSid", &account), ("Foo", "1")]),
            (400, 20001),
        ),
        (
            "POST",
            IAM_KEYS.to_owned(),
            iam(&[("AccountSid", "AC00000000000000000000000000000000")]),
            (401, 20003),
        ),
        ("GET", IAM_KEYS.to_owned(), String::new(), (400, 20001)),
        (
            "GET",
            format!("{IAM_KEYS}?AccountSid={account}&PageSize=0"),
            String::new(),
            (400, 20001),
        ),
        (
            "GET",
            format!("{IAM_KEYS}/not-a-sid"),
            String::new(),
            (404, 20404),
        ),
        (
            "POST",
            keys_2010(&account),
            "Foo=1".to_owned(),
            (400, 20001),
        ),
        (
            "POST",
            signing_keys_2010(&account),
            "KeyType=restricted".to_owned(),
            (400, 20001),
        ),
        (
            "POST",
            keys_2010(&account),
            format!("FriendlyName={long_name}"),
            (400, 20001),
        ),
        (
            "GET",
            format!("{}?Foo=1", keys_2010(&account)),
            String::new(),
            (400, 20001),
        ),
        (
            "GET",
            instance_2010(&keys_2010(&account), "%00"),
            String::new(),
            (404, 20404),
        ),
        ("GET", keys_2010("ACnope"), String::new(), (401, 20003)),
    ];
    for (method, path, form, (status, code)) in cases {
        let mut req = as_primary(&sim, if method == "GET" { "GET" } else { "POST" }, &path);
        if !form.is_empty() {
            req = req.form(&form);
        }
        let response = call(&sim, req);
        assert_eq!(
            response.status,
            status,
            "{method} {path} {form}: {}",
            String::from_utf8_lossy(&response.body)
        );
        assert_twilio_error(&response, status, code);
    }
    // A policy update on a standard key, and a bad policy on a restricted one.
    let (standard, _) = iam_key(&sim, &[]);
    let (limited, _) = restricted(&sim, &json!({"allow": ["/twilio/iam/api-keys/read"]}));
    for (sid, policy) in [
        (&standard, r#"{"allow":["/a"]}"#),
        (&limited, r#"{"allow":[]}"#),
        (&limited, "[]"),
    ] {
        let update = as_primary(&sim, "POST", &format!("{IAM_KEYS}/{sid}"))
            .form(&encode(&[("Policy", policy)]));
        assert_twilio_error(&call(&sim, update), 400, 20001);
    }
}

#[test]
fn a_restricted_keys_policy_can_be_updated_and_applies_at_once() {
    let sim = sim(SimConfig::default());
    let (sid, secret) = restricted(&sim, &json!({"allow": ["/twilio/iam/api-keys/read"]}));
    let read = || call(&sim, Req::new("GET", PUBLIC_KEYS).auth(&sid, &secret));
    assert_twilio_error(&read(), 401, 70051);
    let policy = json!({"allow": ["/twilio/accounts/credentials/public-keys/read"]});
    let updated = body_of(
        &call(
            &sim,
            as_primary(&sim, "POST", &format!("{IAM_KEYS}/{sid}"))
                .form(&encode(&[("Policy", &policy.to_string())])),
        ),
        200,
    );
    assert_eq!(updated["policy"], policy);
    assert_eq!(read().status, 200);
}

#[test]
fn a_main_key_with_no_room_for_it_is_a_start_error() {
    let started = Simulator::spawn(SimConfig {
        max_keys: Some(0),
        main_api_key: true,
        ..SimConfig::default()
    });
    let error = started.map(|_| ()).expect_err("refused");
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(error.to_string().contains("Main API key"), "{error}");
}
