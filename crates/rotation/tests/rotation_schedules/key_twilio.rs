//! An in-memory Twilio with an account's API keys, both views of them (IAM
//! v1 and the 2010 API), and the permission rules of the simulator: the
//! account's Auth Token manages keys, a Standard key may read
//! `/v1/Credentials/PublicKeys`, a Restricted key only what its policy
//! allows. Requests meet faults through the shared [`meet`].

use std::collections::BTreeMap;

use http::{Method, Request, Response};
use twilio_accounts_core::TransportError;

use crate::twilio::{LAG_REQUESTS, OLD, RequestFault, SID, basic_auth, error, json, meet};

/// The key being rotated.
pub const OLD_KEY: &str = "SK00000000000000000000000000000001";
/// Its secret.
pub const OLD_SECRET: &str = "oldsecretoldsecretoldsecretold01";
/// Its friendly name.
pub const OLD_NAME: &str = "billing service";

const PUBLIC_KEYS_READ: &str = "/twilio/accounts/credentials/public-keys/read";
const API_KEYS_READ: &str = "/twilio/iam/api-keys/read";

/// One key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub sid: String,
    pub secret: String,
    pub friendly_name: String,
    /// A restricted key's allowed permissions.
    pub policy: Option<Vec<String>>,
}

/// The account's keys, and a record of what was done to them.
#[derive(Debug)]
pub struct KeyTwilio {
    pub keys: Vec<Key>,
    /// Keys made so far (for fresh SIDs).
    pub created: u32,
    /// Every key that authenticated a read, in order.
    pub authenticated: Vec<String>,
    /// Requests left during which fresh keys are refused.
    lag: u32,
}

impl KeyTwilio {
    pub fn new(old_policy: Option<Vec<String>>) -> Self {
        KeyTwilio {
            keys: vec![Key {
                sid: OLD_KEY.into(),
                secret: OLD_SECRET.into(),
                friendly_name: OLD_NAME.into(),
                policy: old_policy,
            }],
            created: 0,
            authenticated: Vec::new(),
            lag: 0,
        }
    }

    pub fn key(&self, sid: &str) -> Option<&Key> {
        self.keys.iter().find(|k| k.sid == sid)
    }

    /// Answers `request`, meeting `fault` on the way.
    pub fn handle(
        &mut self,
        request: &Request<Vec<u8>>,
        fault: Option<RequestFault>,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        meet(
            fault,
            self,
            |twilio| twilio.lag = LAG_REQUESTS,
            |twilio| twilio.apply(request),
        )
    }

    /// Who the request authenticates as: `Ok(None)` the Auth Token,
    /// `Ok(Some(key))` a key; `Err(())` refused.
    fn caller(&mut self, request: &Request<Vec<u8>>) -> Result<Option<Key>, ()> {
        let (user, password) = basic_auth(request);
        if user == SID && password == OLD {
            return Ok(None);
        }
        let key = self
            .keys
            .iter()
            .find(|k| k.sid == user && k.secret == password)
            .cloned()
            .ok_or(())?;
        if key.sid != OLD_KEY && self.lag > 0 {
            self.lag -= 1;
            return Err(());
        }
        Ok(Some(key))
    }

    fn apply(&mut self, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
        let caller = match self.caller(request) {
            Ok(caller) => caller,
            Err(()) => return error(401, 20003),
        };
        let may = |permission: &str| match &caller {
            None => true,
            Some(Key { policy: None, .. }) => permission == PUBLIC_KEYS_READ,
            Some(Key {
                policy: Some(allow),
                ..
            }) => allow.iter().any(|p| p == permission),
        };
        let path = request.uri().path().to_owned();
        let v2010 = format!("/2010-04-01/Accounts/{SID}/Keys");
        let (list, one) = if let Some(rest) = path.strip_prefix(&v2010) {
            (
                rest == ".json",
                rest.strip_prefix('/').and_then(|r| r.strip_suffix(".json")),
            )
        } else if let Some(rest) = path.strip_prefix("/v1/Keys") {
            (rest.is_empty(), rest.strip_prefix('/'))
        } else {
            (false, None)
        };
        let is_2010 = path.starts_with("/2010-04-01/");
        let read = request.method() == Method::GET;
        if path == "/v1/Credentials/PublicKeys" && read {
            if !may(PUBLIC_KEYS_READ) {
                return error(401, 70051);
            }
            self.record(&caller);
            return json(
                200,
                r#"{"credentials":[],"meta":{"key":"credentials","next_page_url":null}}"#.into(),
            );
        }
        if !(list || one.is_some()) {
            return error(404, 20404);
        }
        if read && !may(API_KEYS_READ) {
            return error(401, 20003);
        }
        if !read && caller.is_some() {
            return error(401, 20003);
        }
        match (request.method().clone(), list, one) {
            (Method::GET, true, _) => {
                self.record(&caller);
                let items: Vec<String> = self.keys.iter().map(|k| entry(k, false)).collect();
                let body = if is_2010 {
                    format!(r#"{{"keys":[{}],"next_page_uri":null}}"#, items.join(","))
                } else {
                    format!(
                        r#"{{"keys":[{}],"meta":{{"key":"keys","next_page_url":null}}}}"#,
                        items.join(",")
                    )
                };
                json(200, body)
            }
            (Method::GET, _, Some(sid)) => {
                self.record(&caller);
                match self.key(sid) {
                    Some(key) => json(200, entry(key, !is_2010)),
                    None => error(404, 20404),
                }
            }
            (Method::POST, true, _) => {
                let form: BTreeMap<String, String> = form_urlencoded::parse(request.body())
                    .into_owned()
                    .collect();
                let policy = form.get("Policy").map(|text| {
                    let value: serde_json::Value = serde_json::from_str(text).unwrap();
                    value["allow"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|p| p.as_str().unwrap().to_owned())
                        .collect::<Vec<_>>()
                });
                self.created += 1;
                let key = Key {
                    sid: format!("SK{:032x}", 0xbeef_0000u64 + u64::from(self.created)),
                    secret: format!("newsecret{:023}", self.created),
                    friendly_name: form.get("FriendlyName").cloned().unwrap_or_default(),
                    policy: policy.filter(|_| !is_2010),
                };
                let mut body = entry(&key, !is_2010);
                body.insert_str(1, &format!(r#""secret":"{}","#, key.secret));
                self.keys.push(key);
                json(201, body)
            }
            (Method::DELETE, _, Some(sid)) => {
                let before = self.keys.len();
                self.keys.retain(|k| k.sid != sid);
                if self.keys.len() < before {
                    Response::builder().status(204).body(Vec::new()).unwrap()
                } else {
                    error(404, 20404)
                }
            }
            _ => error(405, 20004),
        }
    }

    fn record(&mut self, caller: &Option<Key>) {
        if let Some(key) = caller {
            self.authenticated.push(key.sid.clone());
        }
    }
}

/// A key as an answer shows it (never its secret); `policy` on IAM v1.
fn entry(key: &Key, with_policy: bool) -> String {
    let policy = match (&key.policy, with_policy) {
        (Some(allow), true) => format!(r#","policy":{{"allow":{}}}"#, serde_json::json!(allow)),
        (None, true) => r#","policy":null"#.to_owned(),
        _ => String::new(),
    };
    format!(
        r#"{{"sid":"{}","friendly_name":{}{policy}}}"#,
        key.sid,
        serde_json::json!(key.friendly_name)
    )
}
