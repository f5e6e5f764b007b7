//! The operations: one handler per row of the route table (`route.rs`), each turning an authenticated,
//! routed request into a [`Reply`] by checking its parameters and calling the account.
//!
//! Handlers share one signature ([`Handler`]) so that the table can hold them; what a handler may need of the
//! request is in [`Call`].

use std::sync::MutexGuard;
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;

use serde_json::{Map, Value, json};

use crate::account::{Account, CreateRefused, Stamp};
use crate::api_key::Principal;
use crate::bulk::BulkKind;
use crate::credential::CredentialKind;
use crate::fleet::Member;
use crate::geo_permission::UnknownCountry;
use crate::paging::{PageQueryError, PageRequest};
use crate::phone_number::is_e164_or_range;
use crate::rsa_public_key::RsaPublicKey;
use crate::safelist::SafelistFull;
use crate::wire::{self, TwilioError};
use crate::world::World;

/// The only parameter the Auth Token calls accept.
const SUPPRESS: &str = "SuppressEmailNotification";

/// What every handler is: what it may see of the simulator ([`World`]) and the request in, the reply out.
pub(crate) type Handler = fn(&World, &Call<'_>) -> Reply;

/// An authenticated request that matched a route, its body read.
#[derive(Debug)]
pub(crate) struct Call<'a> {
    /// The request path, as sent.
    pub(crate) path: &'a str,
    /// The path parameters of the route's template, by name (`Sid`).
    pub(crate) path_params: &'a [(&'static str, &'a str)],
    /// The raw query string (empty when there is none).
    pub(crate) query: &'a str,
    /// The raw body (a form on POSTs and PATCHes).
    pub(crate) body: &'a [u8],
    /// When the request is served.
    pub(crate) now: &'a Stamp,
    /// How long a promotion's new primary is refused, if at all.
    pub(crate) auth_lag: Option<Duration>,
    /// The account the request authenticated as, which Accounts v1 calls act on.
    pub(crate) caller: &'a Member,
    /// What it authenticated with (Auth Token or which kind of API key).
    pub(crate) principal: &'a Principal,
}

impl Call<'_> {
    /// The caller's account.
    fn account(&self) -> MutexGuard<'_, Account> {
        self.caller.account()
    }

    /// The value of a path parameter (empty when the template has no such parameter).
    pub(crate) fn path_param(&self, name: &str) -> &str {
        self.path_params
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v)
    }
}

/// What the operation produced, before faults shape it into a response.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) json: Option<Bytes>,
    pub(crate) allow: Option<String>,
}

impl Reply {
    pub(crate) fn json(status: StatusCode, body: Vec<u8>) -> Self {
        Reply {
            status,
            json: Some(Bytes::from(body)),
            allow: None,
        }
    }

    pub(crate) fn error(error: TwilioError, message: &str) -> Self {
        let status =
            StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Reply::json(status, wire::error_body(error, message))
    }

    /// Twilio's 404 / 20404 for `path`, which it names without the `/v1` version prefix.
    pub(crate) fn not_found(path: &str) -> Self {
        let shown = path.strip_prefix("/v1").unwrap_or(path);
        Reply::error(
            TwilioError::NOT_FOUND,
            &format!("The requested resource {shown} was not found"),
        )
    }

    pub(crate) fn no_content() -> Self {
        Reply {
            status: StatusCode::NO_CONTENT,
            json: None,
            allow: None,
        }
    }
}

/// `POST /v1/AuthTokens/Promote`.
pub(crate) fn promote(world: &World, call: &Call<'_>) -> Reply {
    let suppress = match token_call_params(call.query, call.body, Placement::Body) {
        Ok(s) => s,
        Err(reply) => return reply,
    };
    let result = call.account().promote(call.now, call.auth_lag);
    match result {
        Ok(v) => {
            world.note_email(suppress);
            Reply::json(
                StatusCode::OK,
                wire::auth_token_promotion(
                    &world.base_url,
                    &v.account_sid,
                    &v.token,
                    &v.date_created,
                    &v.date_updated,
                ),
            )
        }
        Err(_) => Reply::not_found(call.path),
    }
}

/// `POST /v1/AuthTokens/Secondary`.
pub(crate) fn create_secondary(world: &World, call: &Call<'_>) -> Reply {
    let suppress = match token_call_params(call.query, call.body, Placement::Body) {
        Ok(s) => s,
        Err(reply) => return reply,
    };
    let result = call.account().create_secondary(call.now);
    match result {
        Ok(v) => {
            world.note_email(suppress);
            Reply::json(
                StatusCode::CREATED,
                wire::secondary_auth_token(
                    &world.base_url,
                    &v.account_sid,
                    &v.token,
                    &v.date_created,
                    &v.date_updated,
                ),
            )
        }
        Err(CreateRefused::SecondaryExists) => Reply::error(
            TwilioError::SECONDARY_EXISTS,
            "A secondary Auth Token already exists; delete or promote it before creating another",
        ),
    }
}

/// `DELETE /v1/AuthTokens/Secondary?SuppressEmailNotification=`.
pub(crate) fn delete_secondary(world: &World, call: &Call<'_>) -> Reply {
    let suppress = match token_call_params(call.query, call.body, Placement::Query) {
        Ok(s) => s,
        Err(reply) => return reply,
    };
    let result = call.account().delete_secondary();
    match result {
        Ok(()) => {
            world.note_email(suppress);
            Reply::no_content()
        }
        Err(_) => Reply::not_found(call.path),
    }
}

/// Where `SuppressEmailNotification` belongs: the form body of the POSTs, the query of the DELETE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    Body,
    Query,
}

/// Checks the parameters of the three Auth Token calls; returns whether e-mail notification is suppressed.
/// Only `SuppressEmailNotification=true|false` is accepted, and only in its place; anything else is a 400.
fn token_call_params(query: &str, body: &[u8], placement: Placement) -> Result<bool, Reply> {
    let (params, stray, stray_place): (&[u8], &[u8], &str) = match placement {
        Placement::Body => (body, query.as_bytes(), "query string"),
        Placement::Query => (query.as_bytes(), body, "request body"),
    };
    if !stray.is_empty() {
        return Err(Reply::error(
            TwilioError::INVALID_PARAMETER,
            &format!("Unexpected {stray_place} on this request"),
        ));
    }
    let mut suppress = false;
    for (name, value) in form_urlencoded::parse(params) {
        if name != SUPPRESS {
            return Err(unknown_parameter(&name));
        }
        suppress = parse_bool(&value).ok_or_else(|| {
            Reply::error(
                TwilioError::INVALID_PARAMETER,
                &format!("Invalid value for {SUPPRESS}: expected true or false"),
            )
        })?;
    }
    Ok(suppress)
}

fn parse_bool(value: &str) -> Option<bool> {
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// 400 / 20001 naming the parameter (cut to 64 characters: it is the client's text, echoed).
pub(crate) fn unknown_parameter(name: &str) -> Reply {
    let shown: String = name.chars().take(64).collect();
    Reply::error(
        TwilioError::INVALID_PARAMETER,
        &format!("Unknown parameter: {shown}"),
    )
}

/// Rejects a query string on a request that takes none.
pub(crate) fn no_query(call: &Call<'_>) -> Result<(), Reply> {
    match form_urlencoded::parse(call.query.as_bytes()).next() {
        Some((name, _)) => Err(unknown_parameter(&name)),
        None => Ok(()),
    }
}

/// The form parameters of `source` (a query or a form body), each name one of `accepted`; any other name
/// is a 400 / 20001 naming it (never its value, which may be a secret).
pub(crate) fn params(source: &[u8], accepted: &[&str]) -> Result<Vec<(String, String)>, Reply> {
    form_urlencoded::parse(source)
        .map(|(name, value)| {
            if accepted.contains(&name.as_ref()) {
                Ok((name.into_owned(), value.into_owned()))
            } else {
                Err(unknown_parameter(&name))
            }
        })
        .collect()
}

/// The form body of a request that takes no query.
pub(crate) fn form(call: &Call<'_>, accepted: &[&str]) -> Result<Vec<(String, String)>, Reply> {
    if !call.query.is_empty() {
        return Err(Reply::error(
            TwilioError::INVALID_PARAMETER,
            "Unexpected query string on this request",
        ));
    }
    params(call.body, accepted)
}

/// The last value of `name` (Twilio takes the last of a repeated scalar).
pub(crate) fn last(params: &[(String, String)], name: &str) -> Option<String> {
    params
        .iter()
        .rev()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
}

pub(crate) fn missing(name: &str) -> Reply {
    Reply::error(
        TwilioError::INVALID_PARAMETER,
        &format!("Required parameter {name} missing"),
    )
}

/// Twilio's limit on `FriendlyName`.
const MAX_FRIENDLY_NAME: usize = 64;

pub(crate) fn friendly_name(params: &[(String, String)]) -> Result<Option<String>, Reply> {
    let name = last(params, "FriendlyName");
    if name
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_FRIENDLY_NAME)
    {
        return Err(Reply::error(
            TwilioError::INVALID_PARAMETER,
            "FriendlyName must be at most 64 characters",
        ));
    }
    Ok(name)
}

/// `GET /v1/Credentials/PublicKeys` and `GET /v1/Credentials/AWS` (`PageSize`, `Page`, `PageToken`).
pub(crate) fn list_credentials(kind: CredentialKind, world: &World, call: &Call<'_>) -> Reply {
    let request = match PageRequest::from_query(call.query) {
        Ok(request) => request,
        Err(PageQueryError::BadValue(message)) => {
            return Reply::error(TwilioError::INVALID_PARAMETER, message);
        }
        Err(PageQueryError::Unknown(name)) => return unknown_parameter(&name),
    };
    let account = call.account();
    let (page, has_next) = request.slice(account.credentials(kind).all());
    let items = page
        .iter()
        .map(|c| c.to_json(&world.base_url, account.sid(), kind))
        .collect();
    let envelope = request.envelope(
        &world.base_url,
        kind.path(),
        "",
        "credentials",
        items,
        has_next,
    );
    Reply::json(StatusCode::OK, wire::to_bytes(&envelope))
}

/// `POST /v1/Credentials/PublicKeys` (`PublicKey` required) and `POST /v1/Credentials/AWS` (`Credentials`
/// required, `ACCESS_KEY_ID:SECRET_ACCESS_KEY`), both with `FriendlyName` and `AccountSid`. The secret is
/// checked and dropped: no answer, log or error repeats it. A public key is kept when it is an RSA 2048 /
/// 65537 SubjectPublicKeyInfo PEM, so that PKCV verifies with it; other material is accepted as before
/// (the simulator does not know what Twilio answers it) and verifies nothing (70154 when a JWT names it).
pub(crate) fn create_credential(kind: CredentialKind, world: &World, call: &Call<'_>) -> Reply {
    let material = match kind {
        CredentialKind::PublicKey => "PublicKey",
        CredentialKind::Aws => "Credentials",
    };
    let params = match form(call, &[material, "FriendlyName", "AccountSid"]) {
        Ok(params) => params,
        Err(reply) => return reply,
    };
    let Some(value) = last(&params, material).filter(|v| !v.trim().is_empty()) else {
        return missing(material);
    };
    if kind == CredentialKind::Aws && !is_aws_credentials(&value) {
        return Reply::error(
            TwilioError::INVALID_PARAMETER,
            "Credentials must be ACCESS_KEY_ID:SECRET_ACCESS_KEY",
        );
    }
    let friendly_name = match friendly_name(&params) {
        Ok(name) => name,
        Err(reply) => return reply,
    };
    let mut account = call.account();
    if last(&params, "AccountSid")
        .is_some_and(|sid| !wire::is_account_sid(&sid) || sid != account.sid())
    {
        return Reply::error(
            TwilioError::INVALID_PARAMETER,
            "AccountSid must be this account's SID",
        );
    }
    if kind == CredentialKind::PublicKey
        && world.keys.single_public_key
        && account.credentials(kind).len() > 0
    {
        return Reply::error(
            TwilioError::INVALID_PARAMETER,
            "This account accepts one public key at a time",
        );
    }
    let public_key = match kind {
        CredentialKind::PublicKey => RsaPublicKey::from_pem(&value).ok(),
        CredentialKind::Aws => None,
    };
    match account.create_credential(kind, friendly_name, public_key, call.now) {
        Some(credential) => Reply::json(
            StatusCode::CREATED,
            wire::to_bytes(&credential.to_json(&world.base_url, account.sid(), kind)),
        ),
        None => Reply::error(
            TwilioError::INVALID_PARAMETER,
            "Too many credentials of this kind on this account",
        ),
    }
}

/// `ACCESS_KEY_ID:SECRET_ACCESS_KEY`: a key id of letters and digits, a colon, a non-empty secret without
/// whitespace. Only the shape is checked, and the value is never repeated.
fn is_aws_credentials(value: &str) -> bool {
    value.split_once(':').is_some_and(|(id, secret)| {
        !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_alphanumeric())
            && !secret.is_empty()
            && !secret.bytes().any(|b| b.is_ascii_whitespace())
    })
}

/// `GET /v1/Credentials/{PublicKeys,AWS}/{Sid}`: the credential, or Twilio's 404 / 20404 for a SID this
/// account has none for, malformed ones included (Twilio answers a path value that cannot be a SID as an
/// unknown path).
pub(crate) fn fetch_credential(kind: CredentialKind, world: &World, call: &Call<'_>) -> Reply {
    if let Err(reply) = no_query(call) {
        return reply;
    }
    let account = call.account();
    match account.credentials(kind).get(call.path_param("Sid")) {
        Some(credential) => Reply::json(
            StatusCode::OK,
            wire::to_bytes(&credential.to_json(&world.base_url, account.sid(), kind)),
        ),
        None => Reply::not_found(call.path),
    }
}

/// `POST /v1/Credentials/{PublicKeys,AWS}/{Sid}` with `FriendlyName`: 200 with the renamed credential.
pub(crate) fn update_credential(kind: CredentialKind, world: &World, call: &Call<'_>) -> Reply {
    let name = match form(call, &["FriendlyName"]).and_then(|params| friendly_name(&params)) {
        Ok(name) => name,
        Err(reply) => return reply,
    };
    let mut account = call.account();
    let account_sid = account.sid().to_owned();
    match account
        .credentials_mut(kind)
        .update(call.path_param("Sid"), name, &call.now.wall)
    {
        Some(credential) => Reply::json(
            StatusCode::OK,
            wire::to_bytes(&credential.to_json(&world.base_url, &account_sid, kind)),
        ),
        None => Reply::not_found(call.path),
    }
}

/// `DELETE /v1/Credentials/{PublicKeys,AWS}/{Sid}`: 204, or 404 / 20404.
pub(crate) fn delete_credential(kind: CredentialKind, call: &Call<'_>) -> Reply {
    if let Err(reply) = no_query(call) {
        return reply;
    }
    if call
        .account()
        .credentials_mut(kind)
        .remove(call.path_param("Sid"))
    {
        Reply::no_content()
    } else {
        Reply::not_found(call.path)
    }
}

/// The `PhoneNumber` of a safe-list call (form on the POST, query on GET and DELETE): required, E.164 or
/// a 1,000-number range. A `+` sent unescaped in a query arrives as a space, and is refused like Twilio
/// refuses it.
fn safelist_number(source: &[u8]) -> Result<String, Reply> {
    let params = params(source, &["PhoneNumber"])?;
    let number = last(&params, "PhoneNumber").ok_or_else(|| missing("PhoneNumber"))?;
    if !is_e164_or_range(&number) {
        return Err(Reply::error(
            TwilioError::INVALID_PARAMETER,
            "PhoneNumber must be in E.164 format (+ and up to 15 digits)",
        ));
    }
    Ok(number)
}

/// `POST /v1/SafeList/Numbers` with `PhoneNumber`: 201 with the entry (a number already on the list
/// answers its existing entry).
pub(crate) fn create_safelist(call: &Call<'_>) -> Reply {
    let number = match no_query(call).and_then(|()| safelist_number(call.body)) {
        Ok(number) => number,
        Err(reply) => return reply,
    };
    match call.account().add_to_safelist(&number) {
        Ok(entry) => Reply::json(StatusCode::CREATED, wire::to_bytes(&entry.to_json())),
        Err(SafelistFull) => Reply::error(
            TwilioError::INVALID_PARAMETER,
            "Too many numbers on this account's safe list",
        ),
    }
}

/// `GET /v1/SafeList/Numbers?PhoneNumber=`: 200 with the entry, or 404 / 20404.
pub(crate) fn fetch_safelist(call: &Call<'_>) -> Reply {
    let number = match safelist_number(call.query.as_bytes()) {
        Ok(number) => number,
        Err(reply) => return reply,
    };
    match call.account().safelist().get(&number) {
        Some(entry) => Reply::json(StatusCode::OK, wire::to_bytes(&entry.to_json())),
        None => Reply::not_found(call.path),
    }
}

/// `DELETE /v1/SafeList/Numbers?PhoneNumber=`: 204, or 404 / 20404.
pub(crate) fn delete_safelist(call: &Call<'_>) -> Reply {
    let number = match safelist_number(call.query.as_bytes()) {
        Ok(number) => number,
        Err(reply) => return reply,
    };
    if call.account().safelist_mut().remove(&number) {
        Reply::no_content()
    } else {
        Reply::not_found(call.path)
    }
}

/// The values of a repeated form field whose every value is one JSON object (`Items`, `Permissions`):
/// none is a missing required parameter, a value that is not a JSON object a 400 for the whole request.
fn json_objects(call: &Call<'_>, name: &str) -> Result<Vec<Map<String, Value>>, Reply> {
    let params = form(call, &[name])?;
    if params.is_empty() {
        return Err(missing(name));
    }
    params
        .iter()
        .enumerate()
        .map(|(i, (_, value))| match serde_json::from_str(value) {
            Ok(Value::Object(object)) => Ok(object),
            _ => Err(Reply::error(
                TwilioError::INVALID_PARAMETER,
                &format!("{name}[{i}] is not a JSON object"),
            )),
        })
        .collect()
}

/// `POST /v1/Consents/Bulk` and `POST /v1/Contacts/Bulk` with `Items`: 201 with one result per item.
///
/// Nothing is kept: no Accounts v1 call reads consents or contacts back, so there is no state to show.
pub(crate) fn create_bulk(kind: BulkKind, call: &Call<'_>) -> Reply {
    match json_objects(call, "Items") {
        Ok(items) => Reply::json(
            StatusCode::CREATED,
            wire::to_bytes(&json!({ "items": kind.results(&items) })),
        ),
        Err(reply) => reply,
    }
}

/// `GET /v1/Messaging/GeoPermissions?CountryCode=`: every country, or the comma-separated ones asked for.
pub(crate) fn fetch_geo_permissions(call: &Call<'_>) -> Reply {
    let filter = match params(call.query.as_bytes(), &["CountryCode"]) {
        Ok(params) => last(&params, "CountryCode"),
        Err(reply) => return reply,
    };
    match call.account().geo_permissions().fetch(filter.as_deref()) {
        Ok(permissions) => Reply::json(
            StatusCode::OK,
            wire::to_bytes(&json!({ "permissions": permissions })),
        ),
        Err(UnknownCountry(code)) => Reply::error(
            TwilioError::INVALID_PARAMETER,
            &format!("Invalid CountryCode: {code}"),
        ),
    }
}

/// `PATCH /v1/Messaging/GeoPermissions` with `Permissions`: 200 with one result per entry.
pub(crate) fn update_geo_permissions(call: &Call<'_>) -> Reply {
    match json_objects(call, "Permissions") {
        Ok(entries) => {
            let permissions = call.account().geo_permissions_mut().update(&entries);
            Reply::json(
                StatusCode::OK,
                wire::to_bytes(&json!({ "permissions": permissions })),
            )
        }
        Err(reply) => reply,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_suppress_email_notification_is_accepted_in_its_place() {
        assert!(matches!(
            token_call_params("", b"", Placement::Body),
            Ok(false)
        ));
        assert!(matches!(
            token_call_params("", b"SuppressEmailNotification=true", Placement::Body),
            Ok(true)
        ));
        assert!(matches!(
            token_call_params("SuppressEmailNotification=false", b"", Placement::Query),
            Ok(false)
        ));
        assert!(token_call_params("", b"SuppressEmailNotification=yes", Placement::Body).is_err());
        assert!(token_call_params("", b"Foo=bar", Placement::Body).is_err());
        assert!(token_call_params("SuppressEmailNotification=true", b"", Placement::Body).is_err());
        assert!(
            token_call_params("", b"SuppressEmailNotification=true", Placement::Query).is_err()
        );
    }
}
