//! Which accounts a fleet rotation rotates: the parent's 2010 listing, page
//! by page, filtered by status, by `--only FILE`, with or without the parent.

use std::collections::BTreeSet;
use std::path::Path;

use twilio_accounts_core::{AccountSid, AccountStatus, ApiKeySid, AuthToken, ListAccount};
use twilio_accounts_ureq::Client;

use crate::args::StatusFilter;
use crate::outcome::Failure;

/// Most accounts one listing walks (Twilio's default limit is 1,000
/// subaccounts per parent; this bounds the walk, not the fleet).
const MAX_LISTED: usize = 100_000;

/// Accounts a listing page asks for. Fewer pages means fewer calls, but
/// Twilio's account entries carry a dozen subresource URIs (about 1.5 KB
/// each), so a full page of 1,000 could pass the client's 1 MiB response
/// limit; 200 stays well below it and costs 5 pages per 1,000 accounts.
const PAGE_SIZE: u32 = 200;

/// One account to rotate.
#[derive(Debug, Clone)]
pub struct Member {
    pub sid: AccountSid,
    pub friendly_name: String,
    /// Its current token, from the listing; `None` when read from a fleet
    /// journal (a resume reads it again through the 2010 fetch).
    pub token: Option<AuthToken>,
    /// The parent itself (`--include-main`).
    pub main: bool,
    /// The keys a key fleet rotates of this account, as its plan lists them
    /// (`None` for the Auth Token fleet, and until they are listed).
    pub keys: Option<Vec<ApiKeySid>>,
}

/// What to list.
#[derive(Debug)]
pub struct Selection {
    pub status: StatusFilter,
    pub include_main: bool,
    pub only: Option<BTreeSet<AccountSid>>,
}

impl Selection {
    /// The accounts `--status` (default active), `--include-main` and
    /// `--only FILE` (read here) choose, as both fleets take them.
    pub fn from_args(select: &crate::args::FleetSelection) -> Result<Selection, Failure> {
        Ok(Selection {
            status: select.status.unwrap_or(StatusFilter::Active),
            include_main: select.include_main,
            only: select.only.as_deref().map(read_only_file).transpose()?,
        })
    }
}

impl StatusFilter {
    pub fn status(self) -> AccountStatus {
        match self {
            StatusFilter::Active => AccountStatus::Active,
            StatusFilter::Suspended => AccountStatus::Suspended,
            StatusFilter::Closed => AccountStatus::Closed,
        }
    }
}

/// Reads `--only FILE`: one SID a line; blank lines and `#` comments are
/// ignored. The error names the line.
/// The members without repeats, in listing order: a listing that names an
/// account twice (pages that shifted while they were read) rotates it once,
/// since a second rotation of it would race the first.
pub fn distinct(members: Vec<Member>) -> Vec<Member> {
    let mut seen = std::collections::HashSet::new();
    members.into_iter().filter(|m| seen.insert(m.sid)).collect()
}

pub fn read_only_file(path: &Path) -> Result<BTreeSet<AccountSid>, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read --only {}: {e}", path.display())))?;
    let mut sids = BTreeSet::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let sid = AccountSid::parse(line).map_err(|e| {
            Failure::usage(format!(
                "--only {} line {}: {e}",
                path.display(),
                number + 1
            ))
            .with_next("list one account SID (AC followed by 32 hex digits) a line")
        })?;
        sids.insert(sid);
    }
    if sids.is_empty() {
        return Err(Failure::usage(format!(
            "--only {} lists no account SID",
            path.display()
        )));
    }
    Ok(sids)
}

/// The accounts to rotate, subaccounts first in the listing's order, the
/// parent last (rotating it changes the credentials every other step of the
/// fleet uses).
///
/// Also returns how many requests the listing took (for the report).
/// `command` is the one whose failure this would be (`rotate`, `keys list`).
pub fn list(
    parent: &Client,
    selection: &Selection,
    command: &str,
) -> Result<(Vec<Member>, u32), Failure> {
    let parent_sid = *parent.context().credentials().account_sid();
    let list = ListAccount::new()
        .status(selection.status.status())
        .page_size(PAGE_SIZE)
        .map_err(|e| Failure::from_error(command, &e))?;
    let mut members = Vec::new();
    let mut main = None;
    let mut requests = 0;
    let mut accounts = Vec::new();
    // Bounded: at most MAX_LISTED accounts, and the walk ends at the last
    // page (or at a link that repeats).
    for page in parent.pages(list) {
        let page = page.map_err(|e| {
            let mut failure = Failure::from_error(command, &e);
            failure.message = format!(
                "listing the subaccounts failed: {}; nothing was changed",
                failure.message
            );
            failure
        })?;
        requests += page.attempts;
        accounts.extend(page.value.items);
        if accounts.len() >= MAX_LISTED {
            accounts.truncate(MAX_LISTED);
            break;
        }
    }
    for account in accounts {
        let Some(sid) = account.sid else { continue };
        let is_main = sid == parent_sid;
        if is_main && !selection.include_main {
            continue;
        }
        if let Some(only) = &selection.only
            && !only.contains(&sid)
        {
            continue;
        }
        let member = Member {
            sid,
            friendly_name: account.friendly_name.unwrap_or_default(),
            token: account.auth_token,
            main: is_main,
            keys: None,
        };
        if is_main {
            main = Some(member);
        } else {
            members.push(member);
        }
    }
    if let Some(only) = &selection.only {
        let found: BTreeSet<AccountSid> = members.iter().chain(&main).map(|m| m.sid).collect();
        let missing: Vec<String> = only
            .difference(&found)
            .map(|s| s.as_str().to_owned())
            .collect();
        if !missing.is_empty() {
            return Err(Failure::usage(format!(
                "--only names accounts that are not among the {} subaccounts listed: {}; nothing was changed",
                selection.status.status().as_str(),
                missing.join(", ")
            ))
            .with_next("check the SIDs and --status (the parent itself needs --include-main)"));
        }
    }
    members.extend(main);
    Ok((members, requests))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_listed_twice_is_rotated_once() {
        let member = |sid: &str, name: &str| Member {
            sid: sid.parse().unwrap(),
            friendly_name: name.into(),
            token: None,
            main: false,
            keys: None,
        };
        let a = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        let b = "ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
        let listed = vec![member(a, "first"), member(b, "b"), member(a, "again")];
        let kept: Vec<(String, String)> = distinct(listed)
            .into_iter()
            .map(|m| (m.sid.to_string(), m.friendly_name))
            .collect();
        assert_eq!(
            kept,
            [
                (a.to_owned(), "first".to_owned()),
                (b.to_owned(), "b".to_owned())
            ]
        );
    }
}
