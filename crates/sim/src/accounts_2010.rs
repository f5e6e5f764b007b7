//! The 2010 Accounts resource (`/2010-04-01/Accounts.json` and `/2010-04-01/Accounts/{Sid}.json`): how a
//! main account finds its subaccounts and reads their current Auth Tokens.
//!
//! Written from Twilio's 2010 OpenAPI description (`spec/twilio_api_v2010_accounts.json`, the Accounts
//! subset). The main account's credentials reach itself and every subaccount; a subaccount's reach only
//! itself. Unlike Accounts v1, this API pages with relative `*_page_uri` links and writes RFC 2822 dates.

use http::StatusCode;
use serde_json::{Value, json};

use crate::account::AccountStatus;
use crate::fleet::Member;
use crate::operation::{Call, Reply};
use crate::paging::{BadPageToken, List2010, PageQueryError, PageRequest};
use crate::wire::{self, TwilioError};
use crate::world::World;

const LIST_PATH: &str = "/2010-04-01/Accounts.json";

/// `GET /2010-04-01/Accounts.json`.
pub(crate) fn list(world: &World, call: &Call<'_>) -> Reply {
    let mut friendly_name = None;
    let mut status = None;
    let mut page_token = None;
    let mut paging = form_urlencoded::Serializer::new(String::new());
    for (name, value) in form_urlencoded::parse(call.query.as_bytes()) {
        match name.as_ref() {
            "FriendlyName" => friendly_name = Some(value.into_owned()),
            "Status" => match [
                AccountStatus::Active,
                AccountStatus::Suspended,
                AccountStatus::Closed,
            ]
            .into_iter()
            .find(|s| s.as_str() == value)
            {
                Some(s) => status = Some(s),
                None => {
                    return Reply::error(
                        TwilioError::INVALID_PARAMETER,
                        "Status must be active, suspended or closed",
                    );
                }
            },
            "PageToken" => page_token = Some(value.into_owned()),
            _ => {
                paging.append_pair(&name, &value);
            }
        }
    }
    let request = match PageRequest::from_query(&paging.finish()) {
        Ok(request) => request,
        Err(PageQueryError::BadValue(message)) => {
            return Reply::error(TwilioError::INVALID_PARAMETER, message);
        }
        Err(PageQueryError::Unknown(name)) => {
            return Reply::error(
                TwilioError::INVALID_PARAMETER,
                &format!("Unknown parameter {name}"),
            );
        }
    };

    let visible: Vec<&Member> = visible(world, call)
        .filter(|m| {
            friendly_name
                .as_deref()
                .is_none_or(|n| n == m.friendly_name)
        })
        .filter(|m| status.is_none_or(|s| s == m.status))
        .collect();
    let mut filters = form_urlencoded::Serializer::new(String::new());
    if let Some(name) = &friendly_name {
        filters.append_pair("FriendlyName", name);
    }
    if let Some(status) = status {
        filters.append_pair("Status", status.as_str());
    }
    let filters = filters.finish();
    let list = List2010 {
        path: LIST_PATH,
        filters: &filters,
        key: "accounts",
    };
    let main_sid = &world.fleet.main().sid;
    let body = match request.page_2010(
        list,
        page_token.as_deref(),
        &visible,
        |m| m.sid.as_str(),
        |m| entry(m, main_sid),
    ) {
        Ok(body) => body,
        Err(BadPageToken) => {
            return Reply::error(TwilioError::BAD_PAGE_TOKEN, "Invalid page token");
        }
    };
    Reply::json(StatusCode::OK, wire::to_bytes(&body))
}

/// `GET /2010-04-01/Accounts/{Sid}.json`: 404 / 20404 for an account the caller does not reach.
pub(crate) fn fetch(world: &World, call: &Call<'_>) -> Reply {
    if !call.query.is_empty() {
        return Reply::error(
            TwilioError::INVALID_PARAMETER,
            "No query parameters allowed",
        );
    }
    let sid = call
        .path_params
        .iter()
        .find(|(name, _)| *name == "Sid")
        .map_or("", |(_, value)| value);
    match visible(world, call).find(|m| m.sid == sid) {
        Some(member) => Reply::json(
            StatusCode::OK,
            wire::to_bytes(&entry(member, &world.fleet.main().sid)),
        ),
        None => Reply::not_found(call.path),
    }
}

/// The accounts the caller reaches: all of them for the main account, itself for a subaccount.
fn visible<'s>(world: &'s World, call: &Call<'s>) -> impl Iterator<Item = &'s Member> {
    let members = world.fleet.members();
    let caller_sid = call.caller.sid.clone();
    let is_main = caller_sid == world.fleet.main().sid;
    members
        .iter()
        .filter(move |m| is_main || m.sid == caller_sid)
}

/// One `api.v2010.account`, with the account's current primary token.
fn entry(member: &Member, main_sid: &str) -> Value {
    let date = wire::rfc2822(member.created);
    json!({
        "auth_token": member.account().primary(),
        "date_created": date,
        "date_updated": date,
        "friendly_name": member.friendly_name,
        "owner_account_sid": main_sid,
        "sid": member.sid,
        "status": member.status.as_str(),
        "type": "Full",
        "uri": format!("/2010-04-01/Accounts/{}.json", member.sid),
    })
}
