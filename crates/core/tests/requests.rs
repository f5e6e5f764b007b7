//! Exact requests: method, URI, every header and the body, for each
//! operation and option. The expected values are written out by hand from the
//! spec and Twilio's notes, not produced by the code under test.

use http::{Method, Request};
use twilio_accounts_core::{
    ApiKeySecret, AuthToken, CreateSecondaryAuthToken, Credentials, DeleteSecondaryAuthToken,
    Endpoint, ListCredentialPublicKeys, PlainHttp, PromoteAuthToken, RequestContext, UserAgent,
};

const SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const TOKEN: &str = "0123456789abcdef0123456789abcdef";
/// base64("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:0123456789abcdef0123456789abcdef"),
/// computed independently with `printf %s 'AC…:0123…' | base64 -w0`.
const BASIC: &str = "Basic QUNhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYTowMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZg==";

fn context() -> RequestContext {
    RequestContext::new(
        Credentials::auth_token(SID.parse().unwrap(), AuthToken::new(TOKEN).unwrap()),
        Endpoint::default(),
    )
}

/// Every header of the request, as (name, value) pairs sorted by name.
fn headers(request: &Request<Vec<u8>>) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    all.sort();
    all
}

fn expected_headers(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let ua = UserAgent::default();
    let mut all: Vec<(String, String)> = [
        ("accept", "application/json"),
        ("accept-charset", "utf-8"),
        ("authorization", BASIC),
        ("user-agent", ua.as_str()),
    ]
    .iter()
    .chain(extra)
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    all.sort();
    all
}

const POST_EMPTY: &[(&str, &str)] = &[
    ("content-length", "0"),
    ("content-type", "application/x-www-form-urlencoded"),
];

#[test]
fn promote_is_an_empty_form_post() {
    let request = context().build_request(&PromoteAuthToken::new()).unwrap();
    assert_eq!(request.method(), Method::POST);
    assert_eq!(
        request.uri(),
        "https://accounts.twilio.com/v1/AuthTokens/Promote"
    );
    assert_eq!(headers(&request), expected_headers(POST_EMPTY));
    assert!(request.body().is_empty());
}

#[test]
fn promote_with_suppressed_email_sends_the_form_field() {
    let op = PromoteAuthToken::new().suppress_email_notification(true);
    let request = context().build_request(&op).unwrap();
    assert_eq!(request.body(), b"SuppressEmailNotification=true");
    assert_eq!(
        headers(&request),
        expected_headers(&[
            ("content-length", "30"),
            ("content-type", "application/x-www-form-urlencoded"),
        ])
    );
}

#[test]
fn create_secondary_is_an_empty_form_post() {
    let request = context()
        .build_request(&CreateSecondaryAuthToken::new())
        .unwrap();
    assert_eq!(request.method(), Method::POST);
    assert_eq!(
        request.uri(),
        "https://accounts.twilio.com/v1/AuthTokens/Secondary"
    );
    assert_eq!(headers(&request), expected_headers(POST_EMPTY));
    assert!(request.body().is_empty());
}

#[test]
fn create_secondary_can_say_false_explicitly() {
    let op = CreateSecondaryAuthToken::new().suppress_email_notification(false);
    let request = context().build_request(&op).unwrap();
    assert_eq!(request.body(), b"SuppressEmailNotification=false");
    assert_eq!(request.headers()["content-length"], "31");
}

#[test]
fn delete_secondary_has_no_body_and_no_content_headers() {
    let request = context()
        .build_request(&DeleteSecondaryAuthToken::new())
        .unwrap();
    assert_eq!(request.method(), Method::DELETE);
    assert_eq!(
        request.uri(),
        "https://accounts.twilio.com/v1/AuthTokens/Secondary"
    );
    assert_eq!(headers(&request), expected_headers(&[]));
    assert!(request.body().is_empty());
}

#[test]
fn delete_secondary_puts_suppression_in_the_query() {
    let op = DeleteSecondaryAuthToken::new().suppress_email_notification(true);
    let request = context().build_request(&op).unwrap();
    assert_eq!(
        request.uri(),
        "https://accounts.twilio.com/v1/AuthTokens/Secondary?SuppressEmailNotification=true"
    );
    assert_eq!(headers(&request), expected_headers(&[]));
    assert!(request.body().is_empty());
}

#[test]
fn list_public_keys_is_a_get_with_page_size() {
    let op = ListCredentialPublicKeys::new().page_size(1).unwrap();
    let request = context().build_request(&op).unwrap();
    assert_eq!(request.method(), Method::GET);
    assert_eq!(
        request.uri(),
        "https://accounts.twilio.com/v1/Credentials/PublicKeys?PageSize=1"
    );
    assert_eq!(headers(&request), expected_headers(&[]));
    assert!(ListCredentialPublicKeys::new().page_size(0).is_err());
    assert!(ListCredentialPublicKeys::new().page_size(1001).is_err());
}

#[test]
fn the_authorization_header_is_hidden_from_debug() {
    let request = context().build_request(&PromoteAuthToken::new()).unwrap();
    let debug = format!("{request:?}");
    assert!(!debug.contains(&BASIC[6..]), "{debug}");
    assert!(!debug.contains(TOKEN));
    assert!(debug.contains("Sensitive"));
}

#[test]
fn api_key_credentials_authenticate_as_the_key() {
    let context = RequestContext::new(
        Credentials::api_key(
            SID.parse().unwrap(),
            "SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb".parse().unwrap(),
            ApiKeySecret::new("s3cr3t").unwrap(),
        ),
        Endpoint::default(),
    );
    let request = context.build_request(&PromoteAuthToken::new()).unwrap();
    // printf %s 'SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb:s3cr3t' | base64
    assert_eq!(
        request.headers()["authorization"],
        "Basic U0tiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYmJiYjpzM2NyM3Q="
    );
}

#[test]
fn user_agent_extensions_are_sent() {
    let ua = UserAgent::default().with_extension("rotator/9.9").unwrap();
    let request = context()
        .with_user_agent(ua)
        .build_request(&PromoteAuthToken::new())
        .unwrap();
    let sent = request.headers()["user-agent"].to_str().unwrap();
    assert!(sent.starts_with("twilio-accounts-rs/0.1.0 ("), "{sent}");
    assert!(sent.ends_with(" rotator/9.9"), "{sent}");
}

#[test]
fn custom_and_regional_endpoints_change_only_the_origin() {
    let local = Endpoint::custom("http://127.0.0.1:4010/", PlainHttp::LoopbackOnly).unwrap();
    let request = RequestContext::new(context().credentials().clone(), local)
        .build_request(&PromoteAuthToken::new())
        .unwrap();
    assert_eq!(request.uri(), "http://127.0.0.1:4010/v1/AuthTokens/Promote");

    let regional = Endpoint::for_location(Some("au1"), Some("sydney")).unwrap();
    let request = RequestContext::new(context().credentials().clone(), regional)
        .build_request(&PromoteAuthToken::new())
        .unwrap();
    assert_eq!(
        request.uri(),
        "https://accounts.sydney.au1.twilio.com/v1/AuthTokens/Promote"
    );
}

/// An operation with free-text query and form pairs, to test the context's
/// encoding on its own (no Accounts v1 operation sends free text in both).
struct FreeText {
    value: &'static str,
}

impl twilio_accounts_core::Operation for FreeText {
    type Output = ();
    const ID: &'static str = "FreeTextForTests";
    const METHOD: Method = Method::POST;
    const IDEMPOTENCY: twilio_accounts_core::Idempotency =
        twilio_accounts_core::Idempotency::NotIdempotent;
    const PATH: &'static str = "/v1/SafeList/Numbers";
    fn query(&self) -> Vec<(&'static str, String)> {
        vec![
            ("PhoneNumber", self.value.to_owned()),
            ("Other", "1".into()),
        ]
    }
    fn form(&self, form: &mut twilio_accounts_core::form::Form) {
        form.text("PhoneNumber", self.value).text("Other", "1");
    }
    fn parse_success(
        &self,
        _: http::StatusCode,
        _: &[u8],
    ) -> Result<(), twilio_accounts_core::DecodeError> {
        Ok(())
    }
}

#[test]
fn query_and_form_pairs_are_both_form_urlencoded() {
    // Expected bytes by hand from the WHATWG application/x-www-form-urlencoded
    // serializer: `+` %2B, `&` %26, `=` %3D, space `+`, `é` %C3%A9.
    let cases = [
        ("+18005550100", "%2B18005550100"),
        ("a&b", "a%26b"),
        ("k=v", "k%3Dv"),
        ("two words", "two+words"),
        ("caf\u{e9}", "caf%C3%A9"),
        ("+1 800&x=y \u{e9}", "%2B1+800%26x%3Dy+%C3%A9"),
    ];
    for (value, encoded) in cases {
        let request = context().build_request(&FreeText { value }).unwrap();
        assert_eq!(
            request.uri(),
            format!(
                "https://accounts.twilio.com/v1/SafeList/Numbers?PhoneNumber={encoded}&Other=1"
            )
            .as_str(),
            "{value:?}"
        );
        assert_eq!(
            request.body().as_slice(),
            format!("PhoneNumber={encoded}&Other=1").as_bytes(),
            "{value:?}"
        );
    }
}

#[test]
fn each_attempt_carries_its_operation_id() {
    let context = context();
    let operation = PromoteAuthToken::new();
    let policy = twilio_accounts_core::RetryPolicy::default();
    let mut exchange = twilio_accounts_core::Exchange::new(&context, &operation, &policy, 0);
    let request = exchange.request().unwrap();
    assert_eq!(
        request
            .extensions()
            .get::<twilio_accounts_core::OperationId>(),
        Some(&twilio_accounts_core::OperationId(
            "UpdateAuthTokenPromotion"
        ))
    );
}

#[test]
fn a_page_token_is_encoded_in_the_query() {
    let paging = twilio_accounts_core::PageRequest::new()
        .page_size(2)
        .unwrap()
        .page(1, "PA+a/b=");
    let op = ListCredentialPublicKeys::with_paging(paging);
    let request = context().build_request(&op).unwrap();
    assert_eq!(
        request.uri(),
        "https://accounts.twilio.com/v1/Credentials/PublicKeys?PageSize=2&Page=1&PageToken=PA%2Ba%2Fb%3D"
    );
}

#[test]
fn fetch_public_key_is_a_get_of_the_credential_path() {
    let sid = "CRbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb".parse().unwrap();
    let request = context()
        .build_request(&twilio_accounts_core::FetchCredentialPublicKey::new(sid))
        .unwrap();
    assert_eq!(request.method(), Method::GET);
    assert_eq!(
        request.uri(),
        "https://accounts.twilio.com/v1/Credentials/PublicKeys/CRbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
    );
    assert_eq!(headers(&request), expected_headers(&[]));
    assert!(request.body().is_empty());
}

/// One row per operation: the request it builds, and what that must be,
/// written out by hand (lengths counted with `printf %s '…' | wc -c`).
struct Golden {
    operation: &'static str,
    request: Request<Vec<u8>>,
    method: Method,
    uri: &'static str,
    extra_headers: &'static [(&'static str, &'static str)],
    body: &'static [u8],
}

fn build(op: &impl twilio_accounts_core::Operation) -> Request<Vec<u8>> {
    context().build_request(op).unwrap()
}

const CR_B: &str = "CRbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

fn golden_rows() -> Vec<Golden> {
    use twilio_accounts_core::*;
    let cr: CredentialSid = CR_B.parse().unwrap();
    let subaccount: AccountSid = "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb".parse().unwrap();
    let aws = AwsCredentials::new("AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        .unwrap();
    vec![
        Golden {
            operation: "ListAccount",
            request: build(
                &ListAccount::new()
                    .friendly_name(FriendlyName::new("Subaccount 1").unwrap())
                    .status(AccountStatus::Suspended)
                    .page_size(20)
                    .unwrap(),
            ),
            method: Method::GET,
            uri: "https://api.twilio.com/2010-04-01/Accounts.json?FriendlyName=Subaccount+1&Status=suspended&PageSize=20",
            extra_headers: &[],
            body: b"",
        },
        Golden {
            operation: "FetchAccount",
            request: build(&FetchAccount::new(subaccount)),
            method: Method::GET,
            uri: "https://api.twilio.com/2010-04-01/Accounts/ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.json",
            extra_headers: &[],
            body: b"",
        },
        Golden {
            operation: "ListCredentialAws",
            request: build(&ListCredentialAws::new().page_size(50).unwrap()),
            method: Method::GET,
            uri: "https://accounts.twilio.com/v1/Credentials/AWS?PageSize=50",
            extra_headers: &[],
            body: b"",
        },
        Golden {
            operation: "CreateCredentialAws",
            request: build(
                &CreateCredentialAws::new(aws)
                    .friendly_name(FriendlyName::new("my aws").unwrap())
                    .account_sid(subaccount),
            ),
            method: Method::POST,
            uri: "https://accounts.twilio.com/v1/Credentials/AWS",
            extra_headers: &[
                ("content-length", "145"),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            body: b"Credentials=AKIAIOSFODNN7EXAMPLE%3AwJalrXUtnFEMI%2FK7MDENG%2FbPxRfiCYEXAMPLEKEY&FriendlyName=my+aws&AccountSid=ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
        },
        Golden {
            operation: "FetchCredentialAws",
            request: build(&FetchCredentialAws::new(cr)),
            method: Method::GET,
            uri: "https://accounts.twilio.com/v1/Credentials/AWS/CRbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
            extra_headers: &[],
            body: b"",
        },
        Golden {
            operation: "UpdateCredentialAws",
            request: build(&UpdateCredentialAws::new(
                cr,
                FriendlyName::new("renamed").unwrap(),
            )),
            method: Method::POST,
            uri: "https://accounts.twilio.com/v1/Credentials/AWS/CRbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
            extra_headers: &[
                ("content-length", "20"),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            body: b"FriendlyName=renamed",
        },
        Golden {
            operation: "DeleteCredentialAws",
            request: build(&DeleteCredentialAws::new(cr)),
            method: Method::DELETE,
            uri: "https://accounts.twilio.com/v1/Credentials/AWS/CRbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
            extra_headers: &[],
            body: b"",
        },
        Golden {
            operation: "CreateCredentialPublicKey",
            request: build(
                &CreateCredentialPublicKey::new(include_str!("../src/operations/example_public_key_2048.pem"))
                .unwrap()
                .friendly_name(FriendlyName::new("k").unwrap()),
            ),
            method: Method::POST,
            uri: "https://accounts.twilio.com/v1/Credentials/PublicKeys",
            extra_headers: &[
                ("content-length", "526"),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            // Percent-encoded by Python's urllib.parse.quote_plus, independently.
            body: b"PublicKey=-----BEGIN+PUBLIC+KEY-----%0AMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAum6dAjx7jM1GTYOcIo1x%0Ab%2BKvO%2FFsKUMd4xLiDeKNd5DZ1sVKoJSH1oMGRtaVnN4Uzo1h5rUDGrB73hY9PRAK%0AuGEGZotiVR7Zmbq7l%2BNuR%2BpR3KhYJagzLQ%2BK91GkBsJM0f4geK1qwXfHYmA11O19%0A8eNAMS3sRwNnVlyPwtvIamwN8iDxEr%2BGvT7OIGZxHOCYRXmDAueDDLZqSF5j%2Fqdw%0AvwGSHlXh%2Fsr91o7fy%2FthWxwzM9Dp%2Bh95OiML3cH%2Fedt68NNLD5zxnHEZxx1K%2Fw%2FY%0A%2Fg6KGo7b0ehR241pV0cmqFm0ebF0m%2B950F7iCI%2Bqha97kHpBtBSAzyyHOhy2d4v7%0AIQIDAQAB%0A-----END+PUBLIC+KEY-----%0A&FriendlyName=k",
        },
        Golden {
            operation: "UpdateCredentialPublicKey",
            request: build(&UpdateCredentialPublicKey::new(
                cr,
                FriendlyName::new("renamed").unwrap(),
            )),
            method: Method::POST,
            uri: "https://accounts.twilio.com/v1/Credentials/PublicKeys/CRbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
            extra_headers: &[
                ("content-length", "20"),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            body: b"FriendlyName=renamed",
        },
        Golden {
            operation: "DeleteCredentialPublicKey",
            request: build(&DeleteCredentialPublicKey::new(cr)),
            method: Method::DELETE,
            uri: "https://accounts.twilio.com/v1/Credentials/PublicKeys/CRbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
            extra_headers: &[],
            body: b"",
        },
        Golden {
            operation: "CreateSafelist",
            request: build(&CreateSafelist::new("+18001234xxx".parse().unwrap())),
            method: Method::POST,
            uri: "https://accounts.twilio.com/v1/SafeList/Numbers",
            extra_headers: &[
                ("content-length", "26"),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            body: b"PhoneNumber=%2B18001234xxx",
        },
        Golden {
            operation: "FetchSafelist",
            request: build(&FetchSafelist::new("+18001234567".parse().unwrap())),
            method: Method::GET,
            uri: "https://accounts.twilio.com/v1/SafeList/Numbers?PhoneNumber=%2B18001234567",
            extra_headers: &[],
            body: b"",
        },
        Golden {
            operation: "DeleteSafelist",
            request: build(&DeleteSafelist::new("+442071838750".parse().unwrap())),
            method: Method::DELETE,
            uri: "https://accounts.twilio.com/v1/SafeList/Numbers?PhoneNumber=%2B442071838750",
            extra_headers: &[],
            body: b"",
        },
        Golden {
            operation: "FetchMessagingGeopermissions",
            request: build(&FetchMessagingGeopermissions::country(
                CountryCode::new("us").unwrap(),
            )),
            method: Method::GET,
            uri: "https://accounts.twilio.com/v1/Messaging/GeoPermissions?CountryCode=US",
            extra_headers: &[],
            body: b"",
        },
        Golden {
            operation: "UpdateMessagingGeopermissions",
            request: build(
                &UpdateMessagingGeopermissions::new(vec![
                    GeoPermission::new(CountryCode::new("IN").unwrap(), false),
                    GeoPermission::new(CountryCode::new("PK").unwrap(), true),
                ])
                .unwrap(),
            ),
            method: Method::PATCH,
            uri: "https://accounts.twilio.com/v1/Messaging/GeoPermissions",
            extra_headers: &[
                ("content-length", "200"),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            body: b"Permissions=%7B%22country_code%22%3A%22IN%22%2C%22type%22%3A%22country%22%2C%22enabled%22%3Afalse%7D&Permissions=%7B%22country_code%22%3A%22PK%22%2C%22type%22%3A%22country%22%2C%22enabled%22%3Atrue%7D",
        },
        Golden {
            operation: "CreateBulkConsents",
            request: build(
                &CreateBulkConsents::new(vec![
                    ConsentItem::new(
                        "+18005550100".parse().unwrap(),
                        "ad388b5a46b33b874b0d41f7226db2ef".parse().unwrap(),
                        "MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().unwrap(),
                        ConsentStatus::OptIn,
                        ConsentSource::OptInMessage,
                    )
                    .date_of_consent("2024-01-15T10:30:00Z".parse().unwrap()),
                    ConsentItem::new(
                        "+442071838750".parse().unwrap(),
                        "02520cfa6c432f0e3ec3a38c122d428d".parse().unwrap(),
                        "+18005550199".parse().unwrap(),
                        ConsentStatus::OptOut,
                        ConsentSource::Others,
                    ),
                ])
                .unwrap(),
            ),
            method: Method::POST,
            uri: "https://accounts.twilio.com/v1/Consents/Bulk",
            extra_headers: &[
                ("content-length", "520"),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            body: b"Items=%7B%22contact_id%22%3A%22%2B18005550100%22%2C%22correlation_id%22%3A%22ad388b5a46b33b874b0d41f7226db2ef%22%2C%22sender_id%22%3A%22MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa%22%2C%22status%22%3A%22opt-in%22%2C%22source%22%3A%22opt-in-message%22%2C%22date_of_consent%22%3A%222024-01-15T10%3A30%3A00Z%22%7D&Items=%7B%22contact_id%22%3A%22%2B442071838750%22%2C%22correlation_id%22%3A%2202520cfa6c432f0e3ec3a38c122d428d%22%2C%22sender_id%22%3A%22%2B18005550199%22%2C%22status%22%3A%22opt-out%22%2C%22source%22%3A%22others%22%7D",
        },
        Golden {
            operation: "CreateBulkContacts",
            request: build(
                &CreateBulkContacts::new(vec![
                    ContactItem::new(
                        "+18005550100".parse().unwrap(),
                        "02520cfa6c432f0e3ec3a38c122d428a".parse().unwrap(),
                        CountryCode::new("US").unwrap(),
                    )
                    .zip_code("94105"),
                    ContactItem::new(
                        "+442071838750".parse().unwrap(),
                        "ad388b5a46b33b874b0d41f7226db2eh".parse().unwrap(),
                        CountryCode::new("gb").unwrap(),
                    ),
                ])
                .unwrap(),
            ),
            method: Method::POST,
            uri: "https://accounts.twilio.com/v1/Contacts/Bulk",
            extra_headers: &[
                ("content-length", "335"),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            body: b"Items=%7B%22contact_id%22%3A%22%2B18005550100%22%2C%22correlation_id%22%3A%2202520cfa6c432f0e3ec3a38c122d428a%22%2C%22country_iso_code%22%3A%22US%22%2C%22zip_code%22%3A%2294105%22%7D&Items=%7B%22contact_id%22%3A%22%2B442071838750%22%2C%22correlation_id%22%3A%22ad388b5a46b33b874b0d41f7226db2eh%22%2C%22country_iso_code%22%3A%22GB%22%7D",
        },
    ]
}

#[test]
fn every_operation_builds_its_golden_request() {
    let rows = golden_rows();
    for row in &rows {
        let id = row.operation;
        assert_eq!(row.request.method(), row.method, "{id}");
        assert_eq!(row.request.uri(), row.uri, "{id}");
        assert_eq!(
            headers(&row.request),
            expected_headers(row.extra_headers),
            "{id}"
        );
        assert_eq!(
            String::from_utf8_lossy(row.request.body()),
            String::from_utf8_lossy(row.body),
            "{id}"
        );
    }
    // Each row is a distinct registered operation.
    for (i, row) in rows.iter().enumerate() {
        assert!(
            twilio_accounts_core::operations::find(row.operation).is_some(),
            "{}",
            row.operation
        );
        assert!(rows[i + 1..].iter().all(|r| r.operation != row.operation));
    }
}

#[test]
fn inputs_are_checked_before_sending_without_echoing_them() {
    use twilio_accounts_core::*;
    let long = "n".repeat(65);
    let err = FriendlyName::new(long.as_str()).unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidParameter {
            name: "FriendlyName",
            ..
        }
    ));
    assert!(!err.to_string().contains(&long));
    assert!(FriendlyName::new("é".repeat(64)).is_ok());
    assert!(matches!(
        CreateCredentialPublicKey::new(" "),
        Err(Error::InvalidPublicKey(RsaPublicKeyError::NotPem))
    ));
    let create = CreateCredentialAws::new(
        AwsCredentials::new("AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
            .unwrap(),
    );
    assert!(!format!("{create:?}").contains("wJalr"));
    // A malformed number is refused before anything is built, and the error
    // (personal data in the spec) does not repeat it.
    let err: Error = "+1 800 123 4567"
        .parse::<SafelistNumber>()
        .map_err(Error::from)
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidInput(InvalidInput::PhoneNumber(PhoneNumberError::NotADigit {
            position: 2
        }))
    ));
    assert!(!err.to_string().contains("123"), "{err}");
    for bad in ["USA", "U", "1A", "", "É"] {
        assert!(
            matches!(
                CountryCode::new(bad),
                Err(Error::InvalidParameter {
                    name: "CountryCode",
                    ..
                })
            ),
            "{bad:?}"
        );
    }
    for bad in [
        "ad388b5a46b33b874b0d41f7226db2e",
        "ad388b5a-6b33b874b0d41f7226db2ef",
    ] {
        assert!(matches!(
            bad.parse::<CorrelationId>(),
            Err(Error::InvalidParameter {
                name: "correlation_id",
                ..
            })
        ));
    }
    assert!(matches!(
        "MGnothex".parse::<SenderId>(),
        Err(Error::InvalidInput(InvalidInput::Sid(_)))
    ));
    assert!(matches!(
        "18005550100".parse::<SenderId>(),
        Err(Error::InvalidInput(InvalidInput::PhoneNumber(
            PhoneNumberError::MissingPlus
        )))
    ));
    assert!(matches!(
        CreateBulkContacts::new(Vec::new()),
        Err(Error::InvalidParameter { name: "Items", .. })
    ));
    assert!(matches!(
        UpdateMessagingGeopermissions::new(Vec::new()),
        Err(Error::InvalidParameter {
            name: "Permissions",
            ..
        })
    ));
    assert!(!format!("{err:?}").contains("123"), "{err:?}");
}

#[test]
fn each_service_goes_to_its_own_host_under_every_endpoint_rule() {
    use twilio_accounts_core::{AccountStatus, FetchAccount, ListAccount, PageRequest};
    let sub = "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb".parse().unwrap();
    let split = Endpoint::custom("http://127.0.0.1:4010", PlainHttp::LoopbackOnly)
        .unwrap()
        .with_api_base_url("http://127.0.0.1:4011/api", PlainHttp::LoopbackOnly)
        .unwrap();
    let cases = [
        (
            Endpoint::for_location(Some("au1"), Some("sydney")).unwrap(),
            "https://accounts.sydney.au1.twilio.com/v1/AuthTokens/Promote",
            "https://api.sydney.au1.twilio.com/2010-04-01/Accounts/ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.json",
        ),
        (
            Endpoint::custom("http://127.0.0.1:4010/", PlainHttp::LoopbackOnly).unwrap(),
            "http://127.0.0.1:4010/v1/AuthTokens/Promote",
            "http://127.0.0.1:4010/2010-04-01/Accounts/ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.json",
        ),
        (
            split,
            "http://127.0.0.1:4010/v1/AuthTokens/Promote",
            "http://127.0.0.1:4011/api/2010-04-01/Accounts/ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.json",
        ),
    ];
    for (endpoint, promote, fetch) in cases {
        let context = RequestContext::new(context().credentials().clone(), endpoint);
        let request = context.build_request(&PromoteAuthToken::new()).unwrap();
        assert_eq!(request.uri(), promote);
        let request = context.build_request(&FetchAccount::new(sub)).unwrap();
        assert_eq!(request.uri(), fetch);
        // The same credentials and headers go to both hosts.
        assert_eq!(headers(&request), expected_headers(&[]));
    }

    // Paging and a status the spec does not list (sent as written).
    let paging = PageRequest::new().page_size(2).unwrap().page(1, "PA+b/c=");
    let list = ListAccount::with_paging(paging).status(AccountStatus::Other("a&b".into()));
    assert_eq!(
        context().build_request(&list).unwrap().uri(),
        "https://api.twilio.com/2010-04-01/Accounts.json?Status=a%26b&PageSize=2&Page=1&PageToken=PA%2Bb%2Fc%3D"
    );
    assert!(ListAccount::new().page_size(0).is_err());
    assert!(ListAccount::new().page_size(1001).is_err());
    assert!(ListAccount::new().page_size(1000).is_ok());
}

/// A template with a placeholder its operation gives no value for.
struct MissingSid;

impl twilio_accounts_core::Operation for MissingSid {
    type Output = ();
    const ID: &'static str = "MissingSidForTests";
    const METHOD: Method = Method::GET;
    const IDEMPOTENCY: twilio_accounts_core::Idempotency =
        twilio_accounts_core::Idempotency::Idempotent;
    const PATH: &'static str = "/v1/Credentials/AWS/{Sid}";
    fn parse_success(
        &self,
        _: http::StatusCode,
        _: &[u8],
    ) -> Result<(), twilio_accounts_core::DecodeError> {
        Ok(())
    }
}

#[test]
fn a_placeholder_without_a_value_is_an_error_under_every_base_url() {
    // Under the default base URL a path without values is used as it is,
    // uncopied; a placeholder must still be refused there.
    let default = context();
    let prefixed = RequestContext::new(
        default.credentials().clone(),
        Endpoint::custom("http://127.0.0.1:8080/twilio", PlainHttp::LoopbackOnly).unwrap(),
    );
    for context in [default, prefixed] {
        assert!(
            matches!(
                context.build_request(&MissingSid),
                Err(twilio_accounts_core::Error::InvalidParameter { name: "path", .. })
            ),
            "{:?}",
            context.endpoint()
        );
    }
}
