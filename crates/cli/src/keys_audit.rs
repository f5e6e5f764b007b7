//! `keys audit`: every API key of the account (and with `--subaccounts`, of
//! each subaccount), how old it is, and which are due for rotation, so that
//! a scheduled job can alert.
//!
//! Twilio's guidance is to rotate API keys quarterly (monthly under HIPAA);
//! the default threshold is therefore 90 days. The credentials' own account
//! is read through IAM v1, which tells a restricted key by its policy (one
//! fetch per key); subaccounts are read through the 2010 API with the
//! parent's credentials (IAM v1 reaches the credentials' own account only),
//! which tells nothing about a key's kind. Neither API tells a Main key
//! from a Standard one: `kind` is `restricted` or unknown (`null`), and the
//! key the command authenticates with is marked `in_use`.
//!
//! A key whose creation date Twilio did not send counts as due: an alert
//! that cannot confirm a key's age must not stay quiet about it.
//!
//! Exit codes: 0 nothing due; 14 a key is older than `--older-than`, or a
//! restricted key's policy differs from `--policy-file`; 9 some account's
//! keys could not be read (the others are still reported).

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use twilio_accounts_core::operations::keys_2010::Keys;
use twilio_accounts_core::{
    AccountSid, ApiKeySid, FetchIamKey, ListAccountKeys, ListIamKeys, Policy, Timestamp,
};
use twilio_accounts_ureq::Client;

use crate::args::{OutputFormat, StatusFilter};
use crate::fleet::listing::{self, Selection};
use crate::outcome::{Exit, Failure};
use crate::paging;
use crate::resources::Context;

const COMMAND: &str = "keys audit";

/// Twilio's guidance: rotate API keys quarterly.
pub const DEFAULT_OLDER_THAN: Duration = Duration::from_secs(90 * 86_400);

/// What `keys audit` was asked.
#[derive(Debug)]
pub struct AuditArgs<'a> {
    pub subaccounts: bool,
    pub status: Option<StatusFilter>,
    pub older_than: Duration,
    pub policy_file: Option<&'a Path>,
}

/// One key, as the audit reports it.
#[derive(Debug)]
struct Row {
    account_sid: AccountSid,
    sid: Option<ApiKeySid>,
    friendly_name: Option<String>,
    api: &'static str,
    restricted: Option<bool>,
    in_use: bool,
    date_created: Option<Timestamp>,
    policy: Option<Policy>,
}

/// How old a key is, in whole seconds, at `now` (Unix seconds); `None`
/// when its creation date is unknown.
pub(crate) fn age(created: Option<&Timestamp>, now: i64) -> Option<u64> {
    created.map(|t| u64::try_from(now.saturating_sub(t.unix_timestamp())).unwrap_or(0))
}

/// Whether a key of this age is due: as old as the threshold or older
/// (`--older-than 0` makes every key due), or of unknown age.
pub(crate) fn due(age: Option<u64>, older_than: Duration) -> bool {
    age.is_none_or(|seconds| seconds >= older_than.as_secs())
}

/// Whether two policies grant the same: the same permissions allowed and
/// denied, in any order.
fn same_policy(a: &Policy, b: &Policy) -> bool {
    let sorted = |list: &[String]| {
        let mut list = list.to_vec();
        list.sort();
        list.dedup();
        list
    };
    sorted(&a.allow) == sorted(&b.allow) && sorted(&a.deny) == sorted(&b.deny)
}

impl Row {
    fn to_json(&self, now: i64, args: &AuditArgs<'_>, expected: Option<&Policy>) -> Value {
        let age = age(self.date_created.as_ref(), now);
        let policy_differs = match (expected, self.restricted, &self.policy) {
            (Some(expected), Some(true), Some(policy)) => Some(!same_policy(expected, policy)),
            _ => None,
        };
        json!({
            "account_sid": self.account_sid.as_str(),
            "sid": self.sid.as_ref().map(|s| s.as_str()),
            "friendly_name": self.friendly_name,
            "api": self.api,
            "kind": self.restricted.and_then(|r| r.then_some("restricted")),
            "in_use": self.in_use,
            "date_created": self.date_created.as_ref().map(Timestamp::to_rfc3339),
            "age_days": age.map(|s| s / 86_400),
            "due": due(age, args.older_than),
            "policy": self.policy.as_ref().map(|p| serde_json::to_value(p).unwrap_or(Value::Null)),
            "policy_differs": policy_differs,
        })
    }
}

/// `keys audit`.
pub fn audit(context: &Context<'_>, args: &AuditArgs<'_>) -> ExitCode {
    let invocation = context.invocation(COMMAND);
    let expected = match args.policy_file.map(read_expected).transpose() {
        Ok(p) => p,
        Err(f) => return invocation.fail(&f),
    };
    let client = match invocation.client() {
        Ok(c) => c,
        Err(f) => return invocation.fail(&f),
    };
    let credentials = client.context().credentials();
    let own = *credentials.account_sid();
    let in_use = match credentials {
        twilio_accounts_core::Credentials::ApiKey { key_sid, .. } => Some(*key_sid),
        _ => None,
    };
    let mark = |mut rows: Vec<Row>| {
        for row in &mut rows {
            row.in_use = row.sid.is_some() && row.sid == in_use;
        }
        rows
    };
    let mut rows = match own_keys(&client, own) {
        Ok(rows) => mark(rows),
        // The account's own keys are what the audit is for: without them it
        // says nothing, so it fails as a whole.
        Err(e) => return invocation.fail(&Failure::from_error(COMMAND, &e)),
    };
    let mut failed: Vec<(AccountSid, Failure)> = Vec::new();
    let mut accounts = 1;
    if args.subaccounts {
        let selection = Selection {
            status: args.status.unwrap_or(StatusFilter::Active),
            include_main: false,
            only: None,
        };
        let members = match listing::list(&client, &selection, COMMAND) {
            Ok((members, _)) => listing::distinct(members),
            Err(mut failure) => {
                failure.message = failure.message.replace("; nothing was changed", "");
                return invocation.fail(&failure);
            }
        };
        for member in members.iter().filter(|m| m.sid != own) {
            accounts += 1;
            match subaccount_keys(&client, member.sid) {
                Ok(more) => rows.extend(mark(more)),
                Err(e) => failed.push((member.sid, Failure::from_error(COMMAND, &e))),
            }
        }
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let keys: Vec<Value> = rows
        .iter()
        .map(|row| row.to_json(now, args, expected.as_ref()))
        .collect();
    let count = |field: &str| keys.iter().filter(|k| k[field] == true).count();
    let (due_count, differs) = (count("due"), count("policy_differs"));
    let exit = if !failed.is_empty() {
        Exit::Incomplete
    } else if due_count > 0 || differs > 0 {
        Exit::KeysDue
    } else {
        Exit::Success
    };
    let report = invocation.report;
    report.json(&json!({
        "command": COMMAND,
        "ok": exit == Exit::Success,
        "exit_code": exit as u8,
        "older_than_days": args.older_than.as_secs() / 86_400,
        "older_than_seconds": args.older_than.as_secs(),
        "totals": {
            "accounts": accounts,
            "keys": keys.len(),
            "due": due_count,
            "policy_differs": differs,
            "accounts_failed": failed.len(),
        },
        "value": {
            "keys": keys,
            "failed_accounts": failed
                .iter()
                .map(|(sid, f)| json!({ "account_sid": sid.as_str(), "error": f.to_json(COMMAND)["error"] }))
                .collect::<Vec<_>>(),
        },
    }));
    if report.format == OutputFormat::Text {
        report.result(crate::table::render(&json!({ "keys": keys })));
        for (sid, failure) in &failed {
            report.warn(format!(
                "{sid}: its keys could not be read: {}",
                failure.message
            ));
        }
        report.say(format!(
            "{} key{} in {accounts} account{}; {due_count} older than {} days (or of unknown age){}.",
            keys.len(),
            if keys.len() == 1 { "" } else { "s" },
            if accounts == 1 { "" } else { "s" },
            args.older_than.as_secs() / 86_400,
            if expected.is_some() {
                format!("; {differs} restricted with a policy other than --policy-file's")
            } else {
                String::new()
            }
        ));
    }
    exit.code()
}

/// The credentials' own keys, through IAM v1: each fetched for its policy.
fn own_keys(client: &Client, account: AccountSid) -> Result<Vec<Row>, twilio_accounts_core::Error> {
    let listed = paging::collect(client, &ListIamKeys::new(account), None)?;
    let mut rows = Vec::new();
    for key in listed.reply.value.items {
        let policy = match key.sid {
            Some(sid) => client.send(&FetchIamKey::new(sid))?.value.policy,
            None => key.policy,
        };
        rows.push(Row {
            account_sid: account,
            sid: key.sid,
            friendly_name: key.friendly_name,
            api: "iam",
            restricted: Some(policy.is_some()),
            in_use: false,
            date_created: key.date_created,
            policy,
        });
    }
    Ok(rows)
}

/// A subaccount's keys, through the 2010 API with the parent's credentials.
fn subaccount_keys(
    client: &Client,
    account: AccountSid,
) -> Result<Vec<Row>, twilio_accounts_core::Error> {
    let listed = paging::collect(client, &ListAccountKeys::<Keys>::new(account), None)?;
    Ok(listed
        .reply
        .value
        .items
        .into_iter()
        .map(|key| Row {
            account_sid: account,
            sid: key.sid,
            friendly_name: key.friendly_name,
            api: "v2010",
            restricted: None,
            in_use: false,
            date_created: key.date_created,
            policy: None,
        })
        .collect())
}

/// The policy `--policy-file` names.
fn read_expected(path: &Path) -> Result<Policy, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::usage(format!("cannot read --policy-file {}: {e}", path.display()))
    })?;
    Policy::from_json_str(&text).map_err(|e| {
        Failure::usage(format!("--policy-file {}: {e}", path.display())).with_next(
            r#"a policy is one JSON object such as {"allow": ["/twilio/messaging/messages/read"]}"#,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (age in seconds or unknown, threshold in seconds, due)
    const DUE: &[(Option<u64>, u64, bool)] = &[
        (Some(0), 0, true),
        (Some(0), 1, false),
        (Some(90 * 86_400 - 1), 90 * 86_400, false),
        (Some(90 * 86_400), 90 * 86_400, true),
        (None, 90 * 86_400, true),
    ];

    #[test]
    fn a_key_is_due_when_older_than_the_threshold_or_of_unknown_age() {
        for &(age, threshold, expected) in DUE {
            assert_eq!(
                due(age, Duration::from_secs(threshold)),
                expected,
                "{age:?} against {threshold}"
            );
        }
    }

    #[test]
    fn policies_are_compared_as_sets() {
        let policy =
            |allow: &[&str], deny: &[&str]| Policy::new(allow.to_vec(), deny.to_vec()).unwrap();
        let a = policy(&["/a", "/b"], &["/c"]);
        // (other, same)
        let cases = [
            (policy(&["/b", "/a"], &["/c"]), true),
            (policy(&["/a", "/b", "/a"], &["/c"]), true),
            (policy(&["/a"], &["/c"]), false),
            (policy(&["/a", "/b"], &[]), false),
            (policy(&["/a", "/b", "/c"], &[]), false),
        ];
        for (other, same) in cases {
            assert_eq!(same_policy(&a, &other), same, "{other:?}");
        }
    }

    #[test]
    fn age_is_measured_from_the_creation_date() {
        let created = Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap();
        let then = created.unix_timestamp();
        assert_eq!(age(Some(&created), then + 86_400), Some(86_400));
        assert_eq!(age(Some(&created), then - 5), Some(0), "a clock behind");
        assert_eq!(age(None, then), None);
    }
}
