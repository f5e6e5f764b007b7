//! Public Key Client Validation (`--require-pkcv`): signed requests are accepted, over HTTP and HTTPS; every
//! way of getting the `Twilio-Client-Validation` JWT wrong answers its Twilio code; a header without PKCV
//! gets 70053; public keys registered at start or through the API verify until they are deleted.
//!
//! The JWTs come from a signer written for these tests only (ring's `RsaKeyPair` and Twilio's published
//! example key pair from `data/pkcv-vectors.json`): it builds the canonical request of the simple requests
//! below by plain formatting (their paths, queries and header values are canonical already), so that it
//! shares nothing with the simulator's canonicaliser. That it signs exactly as Twilio's docs do is its own
//! first test.

mod common;

use std::net::TcpStream;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RSA_PSS_SHA256, RsaKeyPair};
use rustls::pki_types::ServerName;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivatePkcs1KeyDer};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use twilio_accounts_sim::{SimConfig, Simulator, TlsConfig};

fn vectors() -> Value {
    serde_json::from_str(include_str!("data/pkcv-vectors.json")).expect("the vectors file is JSON")
}

fn docs(field: &str) -> String {
    vectors()["docs_example"][field]
        .as_str()
        .unwrap_or_else(|| panic!("docs_example.{field}"))
        .to_owned()
}

fn now() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    i64::try_from(secs).expect("a 64-bit time")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Alg {
    Rs256,
    Ps256,
}

/// Signs JWTs with the private key of Twilio's published example key pair.
struct TestSigner {
    key: RsaKeyPair,
    rng: SystemRandom,
}

impl TestSigner {
    fn docs() -> Self {
        let pem = docs("private_key_pem_pkcs1");
        let der = PrivatePkcs1KeyDer::from_pem_slice(pem.as_bytes()).expect("a PKCS#1 PEM");
        let key = RsaKeyPair::from_der(der.secret_pkcs1_der()).expect("an RSA private key");
        TestSigner {
            key,
            rng: SystemRandom::new(),
        }
    }

    /// `base64url(header).base64url(claims).base64url(signature)`, the JSON texts signed as given.
    fn jwt(&self, header_json: &str, claims_json: &str, alg: Alg) -> String {
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header_json),
            URL_SAFE_NO_PAD.encode(claims_json)
        );
        let padding: &'static dyn ring::signature::RsaEncoding = match alg {
            Alg::Rs256 => &RSA_PKCS1_SHA256,
            Alg::Ps256 => &RSA_PSS_SHA256,
        };
        let mut signature = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(padding, &self.rng, signing_input.as_bytes(), &mut signature)
            .expect("signing works");
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

#[test]
fn the_test_signer_reproduces_the_docs_example_jwt_byte_for_byte() {
    let signer = TestSigner::docs();
    let jwt = signer.jwt(
        &docs("jwt_header_json"),
        &docs("jwt_payload_json"),
        Alg::Rs256,
    );
    assert_eq!(jwt, docs("jwt"));
}

/// How a plan's JWT travels.
#[derive(Debug, Clone)]
enum Token {
    /// Signed from the plan, one header.
    Signed,
    /// No `Twilio-Client-Validation` header.
    Absent,
    /// This text instead of a JWT.
    Raw(String),
    /// The signed JWT, in two headers.
    Twice,
    /// The signed JWT with one signature character changed.
    TamperedSignature,
}

/// What a test request signs and what it sends: the same, unless a case makes them differ.
#[derive(Debug, Clone)]
struct Plan {
    method: &'static str,
    signed_target: String,
    sent_target: String,
    signed_body: String,
    sent_body: String,
    /// Headers besides `authorization` and `host`, as signed (names lower case) and as sent.
    signed_headers: Vec<(String, String)>,
    sent_headers: Vec<(String, String)>,
    /// Basic auth.
    user: String,
    secret: String,
    alg: Alg,
    header: Map<String, Value>,
    /// The claims; `rqh` is computed from the signed parts unless a case sets it.
    claims: Map<String, Value>,
    /// Claims removed after `rqh` is computed.
    without_claims: Vec<&'static str>,
    token: Token,
}

/// One simulator requiring PKCV, with a subaccount, and the SIDs the cases need.
struct Ctx {
    sim: Simulator,
    host: String,
    signer: TestSigner,
    account: String,
    key_sid: String,
    key_secret: String,
    /// The public key registered at start.
    kid: String,
    subaccount: String,
}

impl Ctx {
    fn new(config: SimConfig) -> Ctx {
        let sim = sim(SimConfig {
            main_api_key: true,
            public_keys: vec![docs("public_key_pem")],
            require_pkcv: true,
            ..config
        });
        Ctx::of(sim)
    }

    fn of(sim: Simulator) -> Ctx {
        let (key_sid, key_secret) = sim.main_api_key().expect("a Main key");
        let kid = sim
            .public_key_sids()
            .first()
            .cloned()
            .expect("a public key");
        Ctx {
            host: sim.local_addr().to_string(),
            signer: TestSigner::docs(),
            account: sim.account_sid(),
            subaccount: sim.subaccount_sids().first().cloned().unwrap_or_default(),
            key_sid,
            key_secret,
            kid,
            sim,
        }
    }

    /// `GET /v1/Credentials/PublicKeys?PageSize=5` with the Main key, signed with RS256 by the start key.
    fn plan(&self) -> Plan {
        let target = format!("{PUBLIC_KEYS}?PageSize=5");
        Plan {
            method: "GET",
            signed_target: target.clone(),
            sent_target: target,
            signed_body: String::new(),
            sent_body: String::new(),
            signed_headers: Vec::new(),
            sent_headers: Vec::new(),
            user: self.key_sid.clone(),
            secret: self.key_secret.clone(),
            alg: Alg::Rs256,
            header: object(json!({
                "cty": "twilio-pkrv;v=1",
                "typ": "JWT",
                "alg": "RS256",
                "kid": self.kid,
            })),
            claims: object(json!({
                "iss": self.key_sid,
                "sub": self.account,
                "exp": now() + 120,
                "hrh": "authorization;host",
            })),
            without_claims: Vec::new(),
            token: Token::Signed,
        }
    }

    /// A plan of `method target` with a form body, otherwise the default.
    fn plan_of(&self, method: &'static str, target: &str, body: &str) -> Plan {
        Plan {
            method,
            signed_target: target.to_owned(),
            sent_target: target.to_owned(),
            signed_body: body.to_owned(),
            sent_body: body.to_owned(),
            ..self.plan()
        }
    }

    /// The plan's canonical request hash, built by formatting (the test requests are canonical already).
    fn rqh(&self, plan: &Plan) -> String {
        let (path, query) = plan
            .signed_target
            .split_once('?')
            .unwrap_or((&plan.signed_target, ""));
        let hrh = plan.claims["hrh"].as_str().unwrap_or_default();
        let mut canonical = format!("{}\n{path}\n{query}\n", plan.method);
        for name in hrh.split(';') {
            let value = match name {
                "authorization" => basic(&plan.user, &plan.secret),
                "host" => self.host.clone(),
                other => plan
                    .signed_headers
                    .iter()
                    .find(|(n, _)| n == other)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
            };
            canonical.push_str(&format!("{name}:{value}\n"));
        }
        canonical.push_str(&format!("\n{hrh}\n"));
        if !plan.signed_body.is_empty() {
            canonical.push_str(&sha256_hex(plan.signed_body.as_bytes()));
        }
        sha256_hex(canonical.as_bytes())
    }

    fn jwt(&self, plan: &Plan) -> String {
        let mut claims = plan.claims.clone();
        if !claims.contains_key("rqh") {
            claims.insert("rqh".to_owned(), Value::from(self.rqh(plan)));
        }
        for name in &plan.without_claims {
            claims.remove(*name);
        }
        let header = Value::Object(plan.header.clone()).to_string();
        self.signer
            .jwt(&header, &Value::Object(claims).to_string(), plan.alg)
    }

    fn request(&self, plan: &Plan) -> Req {
        let mut req = Req::new(plan.method, &plan.sent_target).auth(&plan.user, &plan.secret);
        for (name, value) in &plan.sent_headers {
            req = req.header(name, value);
        }
        const HEADER: &str = "Twilio-Client-Validation";
        req = match &plan.token {
            Token::Signed => req.header(HEADER, &self.jwt(plan)),
            Token::Absent => req,
            Token::Raw(text) => req.header(HEADER, text),
            Token::Twice => {
                let jwt = self.jwt(plan);
                req.header(HEADER, &jwt).header(HEADER, &jwt)
            }
            Token::TamperedSignature => {
                let jwt = self.jwt(plan);
                let at = jwt.len() - 5;
                let flipped = if &jwt[at..=at] == "A" { "B" } else { "A" };
                req.header(
                    HEADER,
                    &format!("{}{flipped}{}", &jwt[..at], &jwt[at + 1..]),
                )
            }
        };
        if !plan.sent_body.is_empty() {
            req = req.form(&plan.sent_body);
        }
        req
    }

    fn send(&self, plan: &Plan) -> Response {
        call(&self.sim, self.request(plan))
    }

    /// A public key credential made through the API (signed with the start key); its SID.
    fn create_public_key(&self, material: &str) -> String {
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("PublicKey", material)
            .append_pair("FriendlyName", "made through the API")
            .finish();
        let created = self.send(&self.plan_of("POST", PUBLIC_KEYS, &body));
        assert_eq!(
            created.status,
            201,
            "{}",
            String::from_utf8_lossy(&created.body)
        );
        created.json()["sid"].as_str().expect("a SID").to_owned()
    }

    /// Deletes a public key credential, with a request signed by `kid`.
    fn delete_public_key(&self, sid: &str, kid: &str) {
        let mut plan = self.plan_of("DELETE", &format!("{PUBLIC_KEYS}/{sid}"), "");
        plan.header.insert("kid".to_owned(), Value::from(kid));
        assert_eq!(self.send(&plan).status, 204);
    }

    fn signed_by(&self, kid: &str) -> Plan {
        let mut plan = self.plan();
        plan.header.insert("kid".to_owned(), Value::from(kid));
        plan
    }
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// A case of the table: what it changes in the default plan, and the answer written by hand.
struct Case {
    name: &'static str,
    change: fn(&mut Plan, &Extra),
    status: u16,
    /// The Twilio code of a refusal; `None` for an accepted request.
    code: Option<u64>,
}

/// SIDs a few cases need besides the context's.
struct Extra {
    now: i64,
    account: String,
    auth_token: String,
    subaccount: String,
    deleted_kid: String,
    unusable_kid: String,
}

fn set(plan: &mut Plan, claim: &str, value: Value) {
    plan.claims.insert(claim.to_owned(), value);
}

fn set_header(plan: &mut Plan, field: &str, value: Value) {
    plan.header.insert(field.to_owned(), value);
}

const CASES: &[Case] = &[
    // Accepted.
    Case {
        name: "RS256 signing authorization and host",
        change: |_, _| {},
        status: 200,
        code: None,
    },
    Case {
        name: "PS256",
        change: |p, _| {
            p.alg = Alg::Ps256;
            set_header(p, "alg", "PS256".into());
        },
        status: 200,
        code: None,
    },
    Case {
        name: "typ left out (Twilio: it defaults to JWT)",
        change: |p, _| {
            p.header.remove("typ");
        },
        status: 200,
        code: None,
    },
    Case {
        name: "one more signed header",
        change: |p, _| {
            p.signed_headers = vec![("x-request-tag".into(), "blue".into())];
            p.sent_headers = vec![("X-Request-Tag".into(), "blue".into())];
            set(p, "hrh", "authorization;host;x-request-tag".into());
        },
        status: 200,
        code: None,
    },
    Case {
        name: "nbf now and exp 300 s after it",
        change: |p, x| {
            set(p, "nbf", x.now.into());
            set(p, "exp", (x.now + 300).into());
        },
        status: 200,
        code: None,
    },
    Case {
        name: "a POST with a body",
        change: |p, _| {
            p.method = "POST";
            p.signed_target = SAFELIST.into();
            p.sent_target = SAFELIST.into();
            p.signed_body = "PhoneNumber=%2B15005550006".into();
            p.sent_body = "PhoneNumber=%2B15005550006".into();
        },
        status: 201,
        code: None,
    },
    // No header, or credentials PKCV does not take.
    Case {
        name: "no Twilio-Client-Validation header",
        change: |p, _| p.token = Token::Absent,
        status: 401,
        code: Some(70052),
    },
    Case {
        name: "Auth Token credentials without a header",
        change: |p, x| {
            p.user = x.account.clone();
            p.secret = x.auth_token.clone();
            p.token = Token::Absent;
        },
        status: 401,
        code: Some(70052),
    },
    Case {
        name: "Auth Token credentials with a JWT of the Main key",
        change: |p, x| {
            p.user = x.account.clone();
            p.secret = x.auth_token.clone();
        },
        status: 401,
        code: Some(20153),
    },
    Case {
        name: "a wrong key secret (Basic auth comes first)",
        change: |p, _| p.secret = "wrong".into(),
        status: 401,
        code: Some(20003),
    },
    // The request differs from what was signed.
    Case {
        name: "tampered body",
        change: |p, _| {
            p.method = "POST";
            p.signed_target = SAFELIST.into();
            p.sent_target = SAFELIST.into();
            p.signed_body = "PhoneNumber=%2B15005550006".into();
            p.sent_body = "PhoneNumber=%2B15005550007".into();
        },
        status: 401,
        code: Some(70156),
    },
    Case {
        name: "tampered value of a signed header",
        change: |p, _| {
            p.signed_headers = vec![("x-request-tag".into(), "blue".into())];
            p.sent_headers = vec![("X-Request-Tag".into(), "red".into())];
            set(p, "hrh", "authorization;host;x-request-tag".into());
        },
        status: 401,
        code: Some(70156),
    },
    Case {
        name: "tampered query",
        change: |p, _| p.sent_target = format!("{PUBLIC_KEYS}?PageSize=6"),
        status: 401,
        code: Some(70156),
    },
    Case {
        name: "another path",
        change: |p, _| p.sent_target = format!("{AWS}?PageSize=5"),
        status: 401,
        code: Some(70156),
    },
    Case {
        name: "hrh names a header the request does not carry",
        change: |p, _| {
            p.signed_headers = vec![("x-request-tag".into(), "blue".into())];
            set(p, "hrh", "authorization;host;x-request-tag".into());
        },
        status: 401,
        code: Some(70155),
    },
    // Times.
    Case {
        name: "expired exp",
        change: |p, x| set(p, "exp", (x.now - 3600).into()),
        status: 401,
        code: Some(20156),
    },
    Case {
        name: "exp an hour ahead",
        change: |p, x| set(p, "exp", (x.now + 3600).into()),
        status: 401,
        code: Some(20156),
    },
    Case {
        name: "exp 301 s after nbf",
        change: |p, x| {
            set(p, "nbf", x.now.into());
            set(p, "exp", (x.now + 301).into());
        },
        status: 401,
        code: Some(20156),
    },
    Case {
        name: "nbf an hour ahead",
        change: |p, x| {
            set(p, "nbf", (x.now + 3600).into());
            set(p, "exp", (x.now + 3700).into());
        },
        status: 401,
        code: Some(20156),
    },
    Case {
        name: "exp not a number",
        change: |p, _| set(p, "exp", "soon".into()),
        status: 401,
        code: Some(20156),
    },
    // The key.
    Case {
        name: "kid of no credential",
        change: |p, _| set_header(p, "kid", "CR00000000000000000000000000000000".into()),
        status: 401,
        code: Some(70154),
    },
    Case {
        name: "kid of a deleted public key",
        change: |p, x| set_header(p, "kid", x.deleted_kid.clone().into()),
        status: 401,
        code: Some(70154),
    },
    Case {
        name: "kid of a credential whose material is no RSA key",
        change: |p, x| set_header(p, "kid", x.unusable_kid.clone().into()),
        status: 401,
        code: Some(70154),
    },
    Case {
        name: "a changed signature",
        change: |p, _| p.token = Token::TamperedSignature,
        status: 401,
        code: Some(20159),
    },
    // Issuer and subject.
    Case {
        name: "iss not the key used",
        change: |p, _| set(p, "iss", "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".into()),
        status: 401,
        code: Some(20153),
    },
    Case {
        name: "iss the account SID",
        change: |p, x| set(p, "iss", x.account.clone().into()),
        status: 401,
        code: Some(20153),
    },
    Case {
        name: "sub another account",
        change: |p, x| set(p, "sub", x.subaccount.clone().into()),
        status: 401,
        code: Some(20153),
    },
    // Claims.
    Case {
        name: "no iss",
        change: |p, _| p.without_claims = vec!["iss"],
        status: 401,
        code: Some(20154),
    },
    Case {
        name: "no sub",
        change: |p, _| p.without_claims = vec!["sub"],
        status: 401,
        code: Some(20154),
    },
    Case {
        name: "no exp",
        change: |p, _| p.without_claims = vec!["exp"],
        status: 401,
        code: Some(20154),
    },
    Case {
        name: "no hrh",
        change: |p, _| p.without_claims = vec!["hrh"],
        status: 401,
        code: Some(20154),
    },
    Case {
        name: "no rqh",
        change: |p, _| p.without_claims = vec!["rqh"],
        status: 401,
        code: Some(20154),
    },
    Case {
        name: "hrh without host",
        change: |p, _| set(p, "hrh", "authorization".into()),
        status: 401,
        code: Some(20154),
    },
    Case {
        name: "hrh not sorted",
        change: |p, _| set(p, "hrh", "host;authorization".into()),
        status: 401,
        code: Some(20154),
    },
    // The JWT header and form.
    Case {
        name: "cty not twilio-pkrv;v=1",
        change: |p, _| set_header(p, "cty", "twilio-fpa;v=1".into()),
        status: 401,
        code: Some(20152),
    },
    Case {
        name: "alg HS256",
        change: |p, _| set_header(p, "alg", "HS256".into()),
        status: 401,
        code: Some(20152),
    },
    Case {
        name: "typ not JWT",
        change: |p, _| set_header(p, "typ", "JWS".into()),
        status: 401,
        code: Some(20152),
    },
    Case {
        name: "no kid",
        change: |p, _| {
            p.header.remove("kid");
        },
        status: 401,
        code: Some(20152),
    },
    Case {
        name: "not a JWT",
        change: |p, _| p.token = Token::Raw("not-a-jwt".into()),
        status: 401,
        code: Some(20152),
    },
    Case {
        name: "bad base64 in every part",
        change: |p, _| p.token = Token::Raw("e30!.e30!.c2ln!".into()),
        status: 401,
        code: Some(20152),
    },
    Case {
        name: "a 20 KiB header",
        change: |p, _| p.token = Token::Raw(format!("e30.e30.{}", "A".repeat(20 * 1024))),
        status: 401,
        code: Some(20152),
    },
    Case {
        name: "the header twice",
        change: |p, _| p.token = Token::Twice,
        status: 401,
        code: Some(20152),
    },
];

#[test]
fn each_way_of_getting_pkcv_wrong_answers_its_code_and_right_ones_are_accepted() {
    let ctx = Ctx::new(SimConfig {
        subaccounts: 1,
        ..SimConfig::default()
    });
    let deleted_kid = ctx.create_public_key(&docs("public_key_pem"));
    ctx.delete_public_key(&deleted_kid, &ctx.kid);
    let extra = Extra {
        now: now(),
        account: ctx.account.clone(),
        auth_token: ctx.sim.primary_token(),
        subaccount: ctx.subaccount.clone(),
        deleted_kid,
        unusable_kid: ctx.create_public_key("not a PEM"),
    };
    let mut wrong = Vec::new();
    for case in CASES {
        let mut plan = ctx.plan();
        (case.change)(&mut plan, &extra);
        let response = ctx.send(&plan);
        let code = match &case.code {
            Some(_) => serde_json::from_slice::<Value>(&response.body)
                .ok()
                .and_then(|body| body["code"].as_u64()),
            None => None,
        };
        if response.status != case.status || code != case.code {
            wrong.push(format!(
                "{}: expected {} {:?}, got {} {}",
                case.name,
                case.status,
                case.code,
                response.status,
                String::from_utf8_lossy(&response.body)
            ));
        } else if case.code.is_some() {
            assert_twilio_error(&response, case.status, case.code.unwrap_or_default());
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_subaccount_does_not_require_pkcv_and_a_header_it_sends_gets_70053() {
    let ctx = Ctx::new(SimConfig {
        subaccounts: 1,
        ..SimConfig::default()
    });
    let token = ctx.sim.primary_token_of(&ctx.subaccount).expect("a token");
    let plain = Req::new("GET", PUBLIC_KEYS).auth(&ctx.subaccount, &token);
    assert_eq!(call(&ctx.sim, plain.clone()).status, 200);
    let with_header = plain.header("Twilio-Client-Validation", &ctx.jwt(&ctx.plan()));
    assert_twilio_error(&call(&ctx.sim, with_header), 401, 70053);
}

/// Whether Twilio's PKCV reaches subaccounts is unconfirmed; `pkcv_subaccounts` is the "it does" answer:
/// a subaccount's Auth Token request is refused as unsigned, as the main account's is.
#[test]
fn with_pkcv_subaccounts_a_subaccount_auth_token_request_gets_70052() {
    let ctx = Ctx::new(SimConfig {
        subaccounts: 1,
        pkcv_subaccounts: true,
        ..SimConfig::default()
    });
    let token = ctx.sim.primary_token_of(&ctx.subaccount).expect("a token");
    let plain = Req::new("GET", PUBLIC_KEYS).auth(&ctx.subaccount, &token);
    assert_twilio_error(&call(&ctx.sim, plain), 401, 70052);
    // The main account's signed requests are served as before.
    assert_eq!(ctx.send(&ctx.plan()).status, 200);
    let refused = Simulator::spawn(SimConfig {
        pkcv_subaccounts: true,
        ..SimConfig::default()
    });
    assert!(refused.is_err(), "--pkcv-subaccounts needs --require-pkcv");
}

/// Whether Twilio accepts several registered public keys at once is unconfirmed; `single_public_key` is
/// the "it does not" answer: a second register is refused (400 / 20001), and once the first is deleted a
/// register works again.
#[test]
fn with_single_public_key_a_second_register_is_refused_until_the_first_is_gone() {
    let pem = docs("public_key_pem");
    let sim = sim(SimConfig {
        public_keys: vec![pem.clone()],
        single_public_key: true,
        ..SimConfig::default()
    });
    let form = form_urlencoded::Serializer::new(String::new())
        .append_pair("PublicKey", &pem)
        .finish();
    let second = call(&sim, as_primary(&sim, "POST", PUBLIC_KEYS).form(&form));
    assert_twilio_error(&second, 400, 20001);
    let first = &sim.public_key_sids()[0];
    let deleted = call(
        &sim,
        as_primary(&sim, "DELETE", &format!("{PUBLIC_KEYS}/{first}")),
    );
    assert_eq!(deleted.status, 204);
    assert!(create_public_key(&sim, &form)["sid"].is_string());
}

#[test]
fn without_require_pkcv_a_signed_request_gets_70053_and_an_unsigned_one_is_served() {
    let sim = sim(SimConfig {
        main_api_key: true,
        public_keys: vec![docs("public_key_pem")],
        ..SimConfig::default()
    });
    let ctx = Ctx::of(sim);
    let mut plan = ctx.plan();
    assert_twilio_error(&ctx.send(&plan), 401, 70053);
    plan.token = Token::Absent;
    assert_eq!(ctx.send(&plan).status, 200);
    assert_eq!(
        call(&ctx.sim, as_primary(&ctx.sim, "GET", PUBLIC_KEYS)).status,
        200
    );
}

#[test]
fn a_public_key_created_through_the_api_verifies_and_a_deleted_one_stops_at_once() {
    let ctx = Ctx::new(SimConfig::default());
    let old = ctx.kid.clone();
    // Register a second credential for the pair (the rotation's new key), and sign with it.
    let new = ctx.create_public_key(&docs("public_key_pem"));
    assert_ne!(new, old);
    assert_eq!(ctx.send(&ctx.signed_by(&new)).status, 200);
    assert_eq!(
        ctx.send(&ctx.signed_by(&old)).status,
        200,
        "both are registered"
    );
    // Delete the old one with a request signed by the new one: the old one is refused at once.
    ctx.delete_public_key(&old, &new);
    assert_twilio_error(&ctx.send(&ctx.signed_by(&old)), 401, 70154);
    let listed = ctx.send(&ctx.signed_by(&new));
    assert_eq!(listed.status, 200);
    let sids: Vec<String> = listed.json()["credentials"]
        .as_array()
        .expect("credentials")
        .iter()
        .filter_map(|c| c["sid"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(sids, std::slice::from_ref(&new));
    // Delete the last one: nothing verifies any more.
    ctx.delete_public_key(&new, &new);
    assert_twilio_error(&ctx.send(&ctx.signed_by(&new)), 401, 70154);
}

#[test]
fn registered_public_keys_are_listed_without_their_material() {
    let pem = docs("public_key_pem");
    let sim = sim(SimConfig {
        public_keys: vec![pem.clone(), pem],
        ..SimConfig::default()
    });
    let sids = sim.public_key_sids();
    assert_eq!(sids.len(), 2);
    assert!(
        sids.iter().all(|s| s.len() == 34 && s.starts_with("CR")),
        "{sids:?}"
    );
    assert_ne!(sids[0], sids[1]);
    let listed = call(&sim, as_primary(&sim, "GET", PUBLIC_KEYS));
    let body = String::from_utf8_lossy(&listed.body).into_owned();
    let json = listed.json();
    let listed_sids: Vec<&str> = json["credentials"]
        .as_array()
        .expect("credentials")
        .iter()
        .filter_map(|c| c["sid"].as_str())
        .collect();
    assert_eq!(listed_sids, sids, "{body}");
    assert!(
        !body.contains("MIIB") && !body.contains("PUBLIC KEY"),
        "{body}"
    );
}

#[test]
fn a_malformed_public_key_or_pkcv_without_a_key_refuses_to_start() {
    let pem = docs("public_key_pem");
    for (config, message) in [
        (
            SimConfig {
                public_keys: vec![
                    pem.clone(),
                    "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n".into(),
                ],
                ..SimConfig::default()
            },
            "public key 2",
        ),
        (
            SimConfig {
                public_keys: vec![pem.replace("PUBLIC KEY", "CERTIFICATE")],
                ..SimConfig::default()
            },
            "public key 1",
        ),
        (
            SimConfig {
                require_pkcv: true,
                public_keys: vec![pem.clone()],
                ..SimConfig::default()
            },
            "--main-api-key",
        ),
        (
            SimConfig {
                require_pkcv: true,
                main_api_key: true,
                ..SimConfig::default()
            },
            "--public-key",
        ),
    ] {
        let error = Simulator::spawn(config).expect_err("refused");
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
        assert!(error.to_string().contains(message), "{error}");
    }
}

fn tls_client(ca_pem: &str) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.expect("a PEM certificate")).expect("a CA");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

#[test]
fn signed_requests_are_verified_over_https_too() {
    let mut ctx = Ctx::new(SimConfig {
        tls: Some(TlsConfig::default()),
        ..SimConfig::default()
    });
    // The test client sends its server name as the Host header.
    ctx.host = "localhost".to_owned();
    let config = tls_client(&ctx.sim.ca_cert_pem().expect("a CA"));
    let name = ServerName::try_from("localhost").expect("a server name");
    let stream = TcpStream::connect(ctx.sim.local_addr()).expect("connect");
    stream
        .set_read_timeout(Some(READ_TIMEOUT))
        .expect("timeout");
    let connection = ClientConnection::new(config, name).expect("a TLS client");
    let mut conn = Conn::new(StreamOwned::new(connection, stream), "localhost");

    let accepted = conn.send(&ctx.request(&ctx.plan())).expect("a response");
    assert_eq!(
        accepted.status,
        200,
        "{}",
        String::from_utf8_lossy(&accepted.body)
    );
    let mut tampered = ctx.plan();
    tampered.sent_target = format!("{PUBLIC_KEYS}?PageSize=7");
    let refused = conn.send(&ctx.request(&tampered)).expect("a response");
    assert_twilio_error(&refused, 401, 70156);
}
