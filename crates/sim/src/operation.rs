//! The operations: one handler per row of the route table (`route.rs`), each turning an authenticated,
//! routed request into a [`Reply`] by checking its parameters and calling the account.
//!
//! Handlers share one signature ([`Handler`]) so that the table can hold them; what a handler may need of the
//! request is in [`Call`].

use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;

use crate::account::{CreateRefused, Stamp};
use crate::service::Shared;
use crate::wire::{self, TwilioError};

/// The only parameter the Auth Token calls accept.
const SUPPRESS: &str = "SuppressEmailNotification";

/// What every handler is: the simulator's state and the request in, the reply out.
pub(crate) type Handler = fn(&Shared, &Call<'_>) -> Reply;

/// An authenticated request that matched a route, its body read.
#[derive(Debug)]
pub(crate) struct Call<'a> {
    /// The request path, as sent.
    pub(crate) path: &'a str,
    /// The path parameters of the route's template, by name (`Sid`).
    pub(crate) path_params: &'a [(&'static str, &'a str)],
    /// The raw query string (empty when there is none).
    pub(crate) query: &'a str,
    /// The raw body (a form on POSTs).
    pub(crate) body: &'a [u8],
    /// When the request is served.
    pub(crate) now: &'a Stamp,
    /// How long a promotion's new primary is refused, if at all.
    pub(crate) auth_lag: Option<Duration>,
}

impl Call<'_> {
    /// The value of a path parameter (empty when the template has no such parameter).
    fn path_param(&self, name: &str) -> &str {
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

    fn no_content() -> Self {
        Reply {
            status: StatusCode::NO_CONTENT,
            json: None,
            allow: None,
        }
    }
}

/// `POST /v1/AuthTokens/Promote`.
pub(crate) fn promote(shared: &Shared, call: &Call<'_>) -> Reply {
    let suppress = match token_call_params(call.query, call.body, Placement::Body) {
        Ok(s) => s,
        Err(reply) => return reply,
    };
    let result = shared.account().promote(call.now, call.auth_lag);
    match result {
        Ok(v) => {
            note_email(shared, suppress);
            Reply::json(
                StatusCode::OK,
                wire::auth_token_promotion(
                    &shared.base_url,
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
pub(crate) fn create_secondary(shared: &Shared, call: &Call<'_>) -> Reply {
    let suppress = match token_call_params(call.query, call.body, Placement::Body) {
        Ok(s) => s,
        Err(reply) => return reply,
    };
    let result = shared.account().create_secondary(call.now);
    match result {
        Ok(v) => {
            note_email(shared, suppress);
            Reply::json(
                StatusCode::CREATED,
                wire::secondary_auth_token(
                    &shared.base_url,
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
pub(crate) fn delete_secondary(shared: &Shared, call: &Call<'_>) -> Reply {
    let suppress = match token_call_params(call.query, call.body, Placement::Query) {
        Ok(s) => s,
        Err(reply) => return reply,
    };
    let result = shared.account().delete_secondary();
    match result {
        Ok(()) => {
            note_email(shared, suppress);
            Reply::no_content()
        }
        Err(_) => Reply::not_found(call.path),
    }
}

fn note_email(shared: &Shared, suppressed: bool) {
    if !suppressed {
        shared.notification_emails.fetch_add(1, Ordering::Relaxed);
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
fn unknown_parameter(name: &str) -> Reply {
    let shown: String = name.chars().take(64).collect();
    Reply::error(
        TwilioError::INVALID_PARAMETER,
        &format!("Unknown parameter: {shown}"),
    )
}

/// `GET /v1/Credentials/PublicKeys?PageSize=&Page=&PageToken=`.
pub(crate) fn list_public_keys(shared: &Shared, call: &Call<'_>) -> Reply {
    let mut page_size: u64 = 50;
    let mut page: u64 = 0;
    for (name, value) in form_urlencoded::parse(call.query.as_bytes()) {
        match name.as_ref() {
            "PageSize" => match value.parse::<u64>() {
                Ok(n) if (1..=1000).contains(&n) => page_size = n,
                _ => {
                    return Reply::error(
                        TwilioError::INVALID_PARAMETER,
                        "PageSize must be an integer from 1 to 1000",
                    );
                }
            },
            "Page" => match value.parse::<u64>() {
                Ok(n) => page = n,
                Err(_) => {
                    return Reply::error(
                        TwilioError::INVALID_PARAMETER,
                        "Page must be a non-negative integer",
                    );
                }
            },
            "PageToken" => {}
            other => return unknown_parameter(other),
        }
    }
    let account = shared.account();
    let (keys, has_next) = account.public_keys_page(page, page_size);
    let body = wire::public_key_page(
        &shared.base_url,
        account.sid(),
        &keys,
        page,
        page_size,
        has_next,
    );
    Reply::json(StatusCode::OK, body)
}

/// `POST /v1/Credentials/PublicKeys` with `PublicKey` (required), `FriendlyName`, `AccountSid`.
pub(crate) fn create_public_key(shared: &Shared, call: &Call<'_>) -> Reply {
    if !call.query.is_empty() {
        return Reply::error(
            TwilioError::INVALID_PARAMETER,
            "Unexpected query string on this request",
        );
    }
    let mut public_key = None;
    let mut friendly_name = None;
    let mut account_sid = None;
    for (name, value) in form_urlencoded::parse(call.body) {
        match name.as_ref() {
            "PublicKey" => public_key = Some(value.into_owned()),
            "FriendlyName" => friendly_name = Some(value.into_owned()),
            "AccountSid" => account_sid = Some(value.into_owned()),
            other => return unknown_parameter(other),
        }
    }
    if public_key.is_none_or(|k| k.trim().is_empty()) {
        return Reply::error(
            TwilioError::INVALID_PARAMETER,
            "Required parameter PublicKey missing",
        );
    }
    if friendly_name
        .as_ref()
        .is_some_and(|n| n.chars().count() > 64)
    {
        return Reply::error(
            TwilioError::INVALID_PARAMETER,
            "FriendlyName must be at most 64 characters",
        );
    }
    let mut account = shared.account();
    if account_sid.is_some_and(|sid| !wire::is_account_sid(&sid) || sid != account.sid()) {
        return Reply::error(
            TwilioError::INVALID_PARAMETER,
            "AccountSid must be this account's SID",
        );
    }
    match account.create_public_key(friendly_name, call.now) {
        Some(key) => Reply::json(
            StatusCode::CREATED,
            wire::public_key(&shared.base_url, account.sid(), &key),
        ),
        None => Reply::error(
            TwilioError::INVALID_PARAMETER,
            "Too many public keys on this account",
        ),
    }
}

/// `GET /v1/Credentials/PublicKeys/{Sid}`: the key, or Twilio's 404 / 20404 for a SID this account has no
/// key for, malformed ones included (Twilio answers a path value that cannot be a SID as an unknown path).
pub(crate) fn fetch_public_key(shared: &Shared, call: &Call<'_>) -> Reply {
    if let Some((name, _)) = form_urlencoded::parse(call.query.as_bytes()).next() {
        return unknown_parameter(&name);
    }
    let account = shared.account();
    match account.public_key(call.path_param("Sid")) {
        Some(key) => Reply::json(
            StatusCode::OK,
            wire::public_key(&shared.base_url, account.sid(), key),
        ),
        None => Reply::not_found(call.path),
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
