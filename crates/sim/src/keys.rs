//! The Keys resources: 2010 `Keys` and `SigningKeys` under `/2010-04-01/Accounts/{AccountSid}/`, and IAM v1
//! `/v1/Keys`.
//!
//! Written from `spec/twilio_api_v2010_keys.json` and `spec/twilio_iam_v1_keys.json`. The 2010 `Keys` and
//! the IAM `Keys` are two views of one set of API keys per account; `SigningKeys` are a second set. Both
//! APIs write RFC 2822 dates. The secret is in the create answer (201) and nowhere else.
//!
//! Which account a call acts on: a 2010 call acts on its path's `AccountSid`, which must be the caller's own
//! account, or one of its subaccounts when the caller is the main account's Auth Token or Main key; any
//! other is 401 / 20003, as Twilio answers credentials that do not belong to the path's account. An IAM v1
//! call acts on the caller's own account only; an `AccountSid` naming another account is 401 / 20003 too
//! (the simulator's choice: Twilio's answer is not documented).
//!
//! Two reported behaviours of the 2010 create of `Keys` (twilio-cli PR #704, unconfirmed), followed here:
//! `KeyType` and `Policy` are silently ignored (the key made is a Standard key); and, for some accounts, the
//! create answers 401 / 20003 "Policy evaluation failed" (`SimConfig::refuse_2010_key_create`).

use http::StatusCode;
use serde_json::{Value, json};

use crate::api_key::{ApiKey, BadPolicy, KeyKind, KeySet, NewKey, Policy, TooManyKeys};
use crate::fleet::Member;
use crate::operation::{
    Call, Reply, form, friendly_name, last, missing, no_query, unknown_parameter,
};
use crate::paging::{BadPageToken, List2010, PageQueryError, PageRequest};
use crate::wire::{self, TwilioError};
use crate::world::World;

/// The IAM v1 list path.
const IAM_KEYS: &str = "/v1/Keys";

impl KeySet {
    /// The 2010 resource name in the path (`Keys`, `SigningKeys`).
    fn resource(self) -> &'static str {
        match self {
            KeySet::Api => "Keys",
            KeySet::Signing => "SigningKeys",
        }
    }

    /// The 2010 list envelope's key.
    fn list_key(self) -> &'static str {
        match self {
            KeySet::Api => "keys",
            KeySet::Signing => "signing_keys",
        }
    }
}

fn refused() -> Reply {
    Reply::error(TwilioError::AUTHENTICATE, "Authenticate")
}

/// The account a 2010 key call acts on: its path's `AccountSid`, if the caller reaches it.
fn account_2010<'w>(world: &'w World, call: &Call<'_>) -> Result<&'w Member, Reply> {
    let sid = call.path_param("AccountSid");
    let (member, _) = world.fleet.find(sid).ok_or_else(refused)?;
    let own = member.sid == call.caller.sid;
    let parent = call.caller.sid == world.fleet.main().sid && call.principal.is_owner();
    if own || parent {
        Ok(member)
    } else {
        Err(refused())
    }
}

/// One `api.v2010.account.key` / `signing_key`.
fn entry_2010(key: &ApiKey) -> Value {
    json!({
        "date_created": wire::rfc2822_of_iso8601(&key.date_created),
        "date_updated": wire::rfc2822_of_iso8601(&key.date_updated),
        "friendly_name": key.friendly_name,
        "sid": key.sid,
    })
}

/// `GET /2010-04-01/Accounts/{AccountSid}/{Keys,SigningKeys}.json` (`PageSize`, `Page`, `PageToken`).
pub(crate) fn list_2010(set: KeySet, world: &World, call: &Call<'_>) -> Reply {
    let member = match account_2010(world, call) {
        Ok(member) => member,
        Err(reply) => return reply,
    };
    let ListQuery { request, token, .. } = match page_query(call.query, &[]) {
        Ok(query) => query,
        Err(reply) => return reply,
    };
    let path = format!(
        "/2010-04-01/Accounts/{}/{}.json",
        member.sid,
        set.resource()
    );
    let list = List2010 {
        path: &path,
        filters: "",
        key: set.list_key(),
    };
    let account = member.account();
    match request.page_2010(
        list,
        token.as_deref(),
        account.keys().list(set),
        |k| k.sid.as_str(),
        entry_2010,
    ) {
        Ok(body) => Reply::json(StatusCode::OK, wire::to_bytes(&body)),
        Err(BadPageToken) => Reply::error(TwilioError::BAD_PAGE_TOKEN, "Invalid page token"),
    }
}

/// A list query, read: the page asked for, its `PageToken`, and the other parameters the list takes.
struct ListQuery {
    request: PageRequest,
    token: Option<String>,
    extras: Vec<(String, String)>,
}

/// The paging parameters of a list query, its `PageToken`, and the values of the `extra` parameters it
/// takes (by name); anything else is a 400 / 20001.
fn page_query(query: &str, extra: &[&str]) -> Result<ListQuery, Reply> {
    let mut token = None;
    let mut extras = Vec::new();
    let mut paging = form_urlencoded::Serializer::new(String::new());
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if name == "PageToken" {
            token = Some(value.into_owned());
        } else if extra.contains(&name.as_ref()) {
            extras.push((name.into_owned(), value.into_owned()));
        } else {
            paging.append_pair(&name, &value);
        }
    }
    match PageRequest::from_query(&paging.finish()) {
        Ok(request) => Ok(ListQuery {
            request,
            token,
            extras,
        }),
        Err(PageQueryError::BadValue(message)) => {
            Err(Reply::error(TwilioError::INVALID_PARAMETER, message))
        }
        Err(PageQueryError::Unknown(name)) => Err(unknown_parameter(&name)),
    }
}

/// `POST /2010-04-01/Accounts/{AccountSid}/{Keys,SigningKeys}.json` (`FriendlyName`): 201 with the secret.
pub(crate) fn create_2010(set: KeySet, world: &World, call: &Call<'_>) -> Reply {
    let member = match account_2010(world, call) {
        Ok(member) => member,
        Err(reply) => return reply,
    };
    if set == KeySet::Api && world.keys.refuse_2010_key_create {
        return Reply::error(TwilioError::AUTHENTICATE, "Policy evaluation failed");
    }
    // Reportedly ignored by the 2010 create of Keys (never of SigningKeys): accepted, and unused.
    let accepted: &[&str] = match set {
        KeySet::Api => &["FriendlyName", "KeyType", "Policy"],
        KeySet::Signing => &["FriendlyName"],
    };
    let name = match form(call, accepted).and_then(|params| friendly_name(&params)) {
        Ok(name) => name,
        Err(reply) => return reply,
    };
    let created =
        member
            .account()
            .create_key(set, KeyKind::Standard, name, world.keys.max_keys, call.now);
    match created {
        Ok(NewKey { key, secret }) => {
            if set == KeySet::Api {
                world.fleet.note_key(&key.sid, &member.sid);
            }
            let mut body = entry_2010(&key);
            body["secret"] = Value::String(secret);
            Reply::json(StatusCode::CREATED, wire::to_bytes(&body))
        }
        Err(TooManyKeys) => too_many_keys(),
    }
}

fn too_many_keys() -> Reply {
    Reply::error(
        TwilioError::TOO_MANY_KEYS,
        "Maximum number of API keys exceeded",
    )
}

/// `GET /2010-04-01/Accounts/{AccountSid}/{Keys,SigningKeys}/{Sid}.json`: 200, or 404 / 20404.
pub(crate) fn fetch_2010(set: KeySet, world: &World, call: &Call<'_>) -> Reply {
    let member = match account_2010(world, call) {
        Ok(member) => member,
        Err(reply) => return reply,
    };
    if let Err(reply) = no_query(call) {
        return reply;
    }
    let account = member.account();
    match account.keys().get(set, call.path_param("Sid")) {
        Some(key) => Reply::json(StatusCode::OK, wire::to_bytes(&entry_2010(key))),
        None => Reply::not_found(call.path),
    }
}

/// `POST /2010-04-01/Accounts/{AccountSid}/{Keys,SigningKeys}/{Sid}.json` (`FriendlyName`): 200 renamed.
pub(crate) fn update_2010(set: KeySet, world: &World, call: &Call<'_>) -> Reply {
    let member = match account_2010(world, call) {
        Ok(member) => member,
        Err(reply) => return reply,
    };
    let name = match form(call, &["FriendlyName"]).and_then(|params| friendly_name(&params)) {
        Ok(name) => name,
        Err(reply) => return reply,
    };
    let mut account = member.account();
    match account.keys_mut().get_mut(set, call.path_param("Sid")) {
        Some(key) => {
            if name.is_some() {
                key.friendly_name = name;
            }
            key.date_updated = call.now.wall.clone();
            Reply::json(StatusCode::OK, wire::to_bytes(&entry_2010(key)))
        }
        None => Reply::not_found(call.path),
    }
}

/// `DELETE /2010-04-01/Accounts/{AccountSid}/{Keys,SigningKeys}/{Sid}.json`: 204 (the key is revoked at
/// once), or 404 / 20404.
pub(crate) fn delete_2010(set: KeySet, world: &World, call: &Call<'_>) -> Reply {
    let member = match account_2010(world, call) {
        Ok(member) => member,
        Err(reply) => return reply,
    };
    delete(set, world, member, call)
}

fn delete(set: KeySet, world: &World, member: &Member, call: &Call<'_>) -> Reply {
    if let Err(reply) = no_query(call) {
        return reply;
    }
    let sid = call.path_param("Sid");
    if member.account().keys_mut().delete(set, sid) {
        if set == KeySet::Api {
            world.fleet.forget_key(sid);
        }
        Reply::no_content()
    } else {
        Reply::not_found(call.path)
    }
}

/// The IAM `AccountSid`: required, well formed (else 400 / 20001), and the caller's own (else 401 / 20003).
fn iam_account_sid(value: Option<String>, call: &Call<'_>) -> Result<(), Reply> {
    let sid = value.ok_or_else(|| missing("AccountSid"))?;
    if !wire::is_account_sid(&sid) {
        return Err(Reply::error(
            TwilioError::INVALID_PARAMETER,
            "AccountSid must be AC followed by 32 hexadecimal digits",
        ));
    }
    if sid != call.caller.sid {
        return Err(refused());
    }
    Ok(())
}

/// One `iam.v1.get_keys` (a list item).
fn entry_iam_list(key: &ApiKey) -> Value {
    let mut entry = entry_2010(key);
    entry["flags"] = json!(["rest_api", "signing"]);
    entry
}

/// One `iam.v1.key`: `policy` is the restricted key's policy, `null` for the other kinds.
fn entry_iam(key: &ApiKey) -> Value {
    let mut entry = entry_2010(key);
    entry["policy"] = match &key.kind {
        KeyKind::Restricted(policy) => policy.to_json(),
        KeyKind::Main | KeyKind::Standard => Value::Null,
    };
    entry
}

/// `GET /v1/Keys?AccountSid=AC…` (`PageSize`, `Page`, `PageToken`): Twilio's `meta` envelope with absolute
/// links at the simulator's base URL.
pub(crate) fn iam_list(world: &World, call: &Call<'_>) -> Reply {
    let ListQuery {
        request, extras, ..
    } = match page_query(call.query, &["AccountSid"]) {
        Ok(query) => query,
        Err(reply) => return reply,
    };
    if let Err(reply) = iam_account_sid(last(&extras, "AccountSid"), call) {
        return reply;
    }
    let account = call.caller.account();
    let (page, has_next) = request.slice(account.keys().list(KeySet::Api));
    let items = page.iter().map(entry_iam_list).collect();
    let filters = format!("AccountSid={}", call.caller.sid);
    let envelope = request.envelope(&world.base_url, IAM_KEYS, &filters, "keys", items, has_next);
    Reply::json(StatusCode::OK, wire::to_bytes(&envelope))
}

/// A `Policy` form value, read; a bad one is a 400 / 20001 saying why.
fn policy(text: &str) -> Result<Policy, Reply> {
    Policy::parse(text).map_err(|BadPolicy(why)| Reply::error(TwilioError::INVALID_PARAMETER, why))
}

/// `POST /v1/Keys` (`AccountSid` required, `FriendlyName`, `KeyType=restricted` with `Policy`): 201 with the
/// secret (and the policy).
pub(crate) fn iam_create(world: &World, call: &Call<'_>) -> Reply {
    let params = match form(call, &["AccountSid", "FriendlyName", "KeyType", "Policy"]) {
        Ok(params) => params,
        Err(reply) => return reply,
    };
    if let Err(reply) = iam_account_sid(last(&params, "AccountSid"), call) {
        return reply;
    }
    let name = match friendly_name(&params) {
        Ok(name) => name,
        Err(reply) => return reply,
    };
    let kind = match (last(&params, "KeyType").as_deref(), last(&params, "Policy")) {
        (None, None) => KeyKind::Standard,
        (None, Some(_)) => {
            return Reply::error(
                TwilioError::INVALID_PARAMETER,
                "Policy is only for KeyType=restricted",
            );
        }
        (Some("restricted"), Some(text)) => match policy(&text) {
            Ok(policy) => KeyKind::Restricted(policy),
            Err(reply) => return reply,
        },
        (Some("restricted"), None) => return missing("Policy"),
        (Some(_), _) => {
            return Reply::error(
                TwilioError::INVALID_PARAMETER,
                "KeyType must be restricted, or absent for a standard key",
            );
        }
    };
    let created =
        call.caller
            .account()
            .create_key(KeySet::Api, kind, name, world.keys.max_keys, call.now);
    match created {
        Ok(NewKey { key, secret }) => {
            world.fleet.note_key(&key.sid, &call.caller.sid);
            let mut body = entry_iam(&key);
            body["secret"] = Value::String(secret);
            Reply::json(StatusCode::CREATED, wire::to_bytes(&body))
        }
        Err(TooManyKeys) => too_many_keys(),
    }
}

/// `GET /v1/Keys/{Sid}`: 200 with `policy`, or 404 / 20404.
pub(crate) fn iam_fetch(_: &World, call: &Call<'_>) -> Reply {
    if let Err(reply) = no_query(call) {
        return reply;
    }
    let account = call.caller.account();
    match account.keys().get(KeySet::Api, call.path_param("Sid")) {
        Some(key) => Reply::json(StatusCode::OK, wire::to_bytes(&entry_iam(key))),
        None => Reply::not_found(call.path),
    }
}

/// `POST /v1/Keys/{Sid}` (`FriendlyName`, `Policy` for a restricted key): 200, or 404 / 20404.
pub(crate) fn iam_update(_: &World, call: &Call<'_>) -> Reply {
    let params = match form(call, &["FriendlyName", "Policy"]) {
        Ok(params) => params,
        Err(reply) => return reply,
    };
    let name = match friendly_name(&params) {
        Ok(name) => name,
        Err(reply) => return reply,
    };
    let new_policy = match last(&params, "Policy")
        .map(|text| policy(&text))
        .transpose()
    {
        Ok(policy) => policy,
        Err(reply) => return reply,
    };
    let mut account = call.caller.account();
    let Some(key) = account
        .keys_mut()
        .get_mut(KeySet::Api, call.path_param("Sid"))
    else {
        return Reply::not_found(call.path);
    };
    if let Some(new_policy) = new_policy {
        match &mut key.kind {
            KeyKind::Restricted(policy) => *policy = new_policy,
            KeyKind::Main | KeyKind::Standard => {
                return Reply::error(
                    TwilioError::INVALID_PARAMETER,
                    "Policy is only for restricted keys",
                );
            }
        }
    }
    if name.is_some() {
        key.friendly_name = name;
    }
    key.date_updated = call.now.wall.clone();
    Reply::json(StatusCode::OK, wire::to_bytes(&entry_iam(key)))
}

/// `DELETE /v1/Keys/{Sid}`: 204 (revoked at once), or 404 / 20404.
pub(crate) fn iam_delete(world: &World, call: &Call<'_>) -> Reply {
    delete(KeySet::Api, world, call.caller, call)
}
