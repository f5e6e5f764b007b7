//! The 2010 Accounts resource (`/2010-04-01/Accounts.json` and `/2010-04-01/Accounts/{Sid}.json`): how a
//! main account finds its subaccounts and reads their current Auth Tokens.
//!
//! Written from Twilio's 2010 OpenAPI description (`spec/twilio_api_v2010_accounts.json`, the Accounts
//! subset). The main account's credentials reach itself and every subaccount; a subaccount's reach only
//! itself. Unlike Accounts v1, this API pages with relative `*_page_uri` links and writes RFC 2822 dates.

use http::StatusCode;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::account::AccountStatus;
use crate::fleet::Member;
use crate::operation::{Call, Reply};
use crate::paging::{PageQueryError, PageRequest};
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
    let start = request.page.saturating_mul(request.page_size);
    if let Some(token) = &page_token
        && !token_is_valid(token, &visible, start)
    {
        return Reply::error(TwilioError::BAD_PAGE_TOKEN, "Invalid page token");
    }
    let (page, has_next) = request.slice(&visible);
    let main_sid = &world.fleet.main().sid;
    let entries: Vec<Value> = page.iter().map(|m| entry(m, main_sid)).collect();

    let mut filters = form_urlencoded::Serializer::new(String::new());
    if let Some(name) = &friendly_name {
        filters.append_pair("FriendlyName", name);
    }
    if let Some(status) = status {
        filters.append_pair("Status", status.as_str());
    }
    let filters = filters.finish();
    let size = request.page_size;
    let uri = |page: u64, token: Option<&str>| {
        let mut uri = format!("{LIST_PATH}?");
        if !filters.is_empty() {
            uri.push_str(&filters);
            uri.push('&');
        }
        uri.push_str(&format!("PageSize={size}&Page={page}"));
        if let Some(token) = token {
            uri.push_str(&format!("&PageToken={token}"));
        }
        uri
    };
    let next = page.last().filter(|_| has_next).map(|last| {
        uri(
            request.page.saturating_add(1),
            Some(&format!("PA{}", last.sid)),
        )
    });
    let body = json!({
        "accounts": entries,
        "end": start.saturating_add((page.len() as u64).saturating_sub(1)),
        "first_page_uri": uri(0, None),
        "next_page_uri": next,
        "page": request.page,
        "page_size": size,
        "previous_page_uri": request.page.checked_sub(1).map(|p| uri(p, None)),
        "start": start,
        "uri": uri(request.page, page_token.as_deref()),
    });
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

/// A page token is `PA` and the SID of the last account of the page before (as Twilio's links carry).
fn token_is_valid(token: &str, visible: &[&Member], start: u64) -> bool {
    let Some(previous) = start
        .checked_sub(1)
        .and_then(|i| usize::try_from(i).ok())
        .and_then(|i| visible.get(i))
    else {
        return false;
    };
    token.strip_prefix("PA") == Some(previous.sid.as_str())
}

/// One `api.v2010.account`, with the account's current primary token.
fn entry(member: &Member, main_sid: &str) -> Value {
    let date = rfc2822(member.created);
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

/// RFC 2822, as the 2010 API writes dates: `Fri, 31 Jul 2015 04:00:00 +0000`.
fn rfc2822(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let weekday = at.weekday().to_string();
    let month = at.month().to_string();
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000",
        weekday.get(..3).unwrap_or(""),
        at.day(),
        month.get(..3).unwrap_or(""),
        at.year(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc2822_matches_twilio_example() {
        let at = OffsetDateTime::from_unix_timestamp(1_438_315_200)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(rfc2822(at), "Fri, 31 Jul 2015 04:00:00 +0000");
    }
}
