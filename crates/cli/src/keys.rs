//! `keys` and `signing-keys`: an account's API keys (IAM v1, or the 2010
//! `Keys` resource with `--api v2010`) and its signing keys (2010).
//!
//! Everything but a create goes through [`Invocation`] like the other
//! resource commands. A create is different: Twilio shows the new key's
//! secret once, in the create's answer, so the command refuses to start
//! until it knows where the secret goes (`--secret-file`, `--secret-exec`,
//! `--reveal`; see [`crate::sink`]), and when the secret cannot be handed
//! over it deletes the key again (a key whose secret is lost can only be
//! deleted). If that delete fails too, the secret is saved owner-only in a
//! rescue file rather than lost.
//!
//! The secret is written as `--secret-format` says:
//!
//! ```text
//! TWILIO_API_KEY=SKxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
//! TWILIO_API_SECRET=…
//! ```
//!
//! or `{"TWILIO_API_KEY":"SK…","TWILIO_API_SECRET":"…"}` (one line), the
//! names applications read them from.
//!
//! IAM v1 acts on the credentials' own account only; the 2010 API reaches a
//! subaccount with the parent's credentials (`--subaccount AC…`), which is
//! also how `keys list --subaccounts` reads every subaccount's keys.

use std::process::ExitCode;

use serde_json::{Value, json};
use twilio_accounts_core::operations::keys_2010::{Keys, SigningKeys};
use twilio_accounts_core::{
    AccountSid, ApiKeySecret, ApiKeySid, CreateAccountKey, CreateIamKey, DeleteAccountKey,
    DeleteIamKey, Error, FetchAccountKey, FetchIamKey, FromParameters, ListAccountKeys,
    ListIamKeys, NewAccountKey, NewIamKey, Operation, ParameterValues, Policy, Secrets, ToJson,
    UpdateAccountKey, UpdateIamKey,
};
use twilio_accounts_ureq::Client;

use crate::args::{
    KeysApi, KeysCommand, KeysWhere, ListArgs, OutputFormat, SecretFormat, SecretSinkArgs,
    SigningKeysCommand, SigningKeysWhere, StatusFilter,
};
use crate::fleet::listing::{self, Selection};
use crate::invocation::{Invocation, Listing, none_refused};
use crate::outcome::{Exit, Failure};
use crate::resources::Context;
use crate::secret_payload::secret_payload;
use crate::shell_word::shell_word;
use crate::sink::Sink;
use crate::{output, paging};

/// `keys …`.
pub fn keys(context: &Context<'_>, action: &KeysCommand) -> ExitCode {
    match action {
        KeysCommand::List {
            list,
            at,
            subaccounts: true,
            status,
        } => every_subaccount(context, list, *status, at),
        KeysCommand::List { list, at, .. } => {
            let command = "keys list";
            with_account(context, command, at, |invocation, client, account| {
                let (mut values, listing) = list_values(list);
                values.push("AccountSid", account.as_str().to_owned());
                match at.api {
                    KeysApi::Iam => read_list::<ListIamKeys>(invocation, client, &values, listing),
                    KeysApi::V2010 => {
                        read_list::<ListAccountKeys<Keys>>(invocation, client, &values, listing)
                    }
                }
            })
        }
        KeysCommand::Create {
            at,
            friendly_name,
            restricted: _,
            policy,
            sink,
        } => {
            let command = "keys create";
            let policy = match policy_option(at, policy.as_deref()) {
                Ok(p) => p,
                Err(f) => return context.report.fail(command, &f),
            };
            with_account(context, command, at, |invocation, client, account| {
                let mut values = ParameterValues::new();
                values.push("AccountSid", account.as_str().to_owned());
                if let Some(name) = friendly_name {
                    values.push("FriendlyName", name.clone());
                }
                if let Some(policy) = &policy {
                    values.push("KeyType", "restricted");
                    values.push("Policy", policy.to_json_string());
                }
                let retry = list_command("keys", &where_flags(at));
                match at.api {
                    KeysApi::Iam => create::<CreateIamKey>(
                        invocation,
                        client,
                        &values,
                        sink,
                        account,
                        &retry,
                        |client, sid| client.send(&DeleteIamKey::new(sid)).map(drop),
                    ),
                    KeysApi::V2010 => create::<CreateAccountKey<Keys>>(
                        invocation,
                        client,
                        &values,
                        sink,
                        account,
                        &retry,
                        |client, sid| {
                            client
                                .send(&DeleteAccountKey::<Keys>::new(account, sid))
                                .map(drop)
                        },
                    ),
                }
            })
        }
        KeysCommand::Fetch { sid, at } => {
            with_account(context, "keys fetch", at, |invocation, client, account| {
                on_api::<FetchIamKey, FetchAccountKey<Keys>>(
                    at,
                    invocation,
                    client,
                    sid_values(sid),
                    account,
                )
            })
        }
        KeysCommand::Update {
            sid,
            at,
            friendly_name,
            policy,
        } => {
            let command = "keys update";
            let policy = match policy_option(at, policy.as_deref()) {
                Ok(p) => p,
                Err(f) => return context.report.fail(command, &f),
            };
            with_account(context, command, at, |invocation, client, account| {
                let mut values = sid_values(sid);
                if let Some(name) = friendly_name {
                    values.push("FriendlyName", name.clone());
                }
                if let Some(policy) = &policy {
                    values.push("Policy", policy.to_json_string());
                }
                on_api::<UpdateIamKey, UpdateAccountKey<Keys>>(
                    at, invocation, client, values, account,
                )
            })
        }
        KeysCommand::Audit {
            subaccounts,
            status,
            older_than,
            policy_file,
        } => crate::keys_audit::audit(
            context,
            &crate::keys_audit::AuditArgs {
                subaccounts: *subaccounts,
                status: *status,
                older_than: older_than.unwrap_or(crate::keys_audit::DEFAULT_OLDER_THAN),
                policy_file: policy_file.as_deref(),
            },
        ),
        KeysCommand::Rotate(args) => crate::keys_rotate::rotate(context, args),
        KeysCommand::Delete { sid, at } => {
            with_account(context, "keys delete", at, |invocation, client, account| {
                on_api::<DeleteIamKey, DeleteAccountKey<Keys>>(
                    at,
                    invocation,
                    client,
                    sid_values(sid),
                    account,
                )
            })
        }
    }
}

/// `signing-keys …`: the 2010 API only.
pub fn signing_keys(context: &Context<'_>, action: &SigningKeysCommand) -> ExitCode {
    let at = |at: &SigningKeysWhere| KeysWhere {
        api: KeysApi::V2010,
        subaccount: at.subaccount.clone(),
    };
    match action {
        SigningKeysCommand::List { list, at: place } => with_account(
            context,
            "signing-keys list",
            &at(place),
            |invocation, client, account| {
                let (values, listing) = list_values(list);
                read_list::<ListAccountKeys<SigningKeys>>(
                    invocation,
                    client,
                    &values.with("AccountSid", account),
                    listing,
                )
            },
        ),
        SigningKeysCommand::Create {
            at: place,
            friendly_name,
            sink,
        } => {
            let at = at(place);
            with_account(
                context,
                "signing-keys create",
                &at,
                |invocation, client, account| {
                    let mut values = ParameterValues::new();
                    values.push("AccountSid", account.as_str().to_owned());
                    if let Some(name) = friendly_name {
                        values.push("FriendlyName", name.clone());
                    }
                    let retry = list_command("signing-keys", &subaccount_flag(&at));
                    create::<CreateAccountKey<SigningKeys>>(
                        invocation,
                        client,
                        &values,
                        sink,
                        account,
                        &retry,
                        |client, sid| {
                            client
                                .send(&DeleteAccountKey::<SigningKeys>::new(account, sid))
                                .map(drop)
                        },
                    )
                },
            )
        }
        SigningKeysCommand::Fetch { sid, at: place } => on_account::<FetchAccountKey<SigningKeys>>(
            context,
            "signing-keys fetch",
            &at(place),
            sid_values(sid),
        ),
        SigningKeysCommand::Update {
            sid,
            at: place,
            friendly_name,
        } => on_account::<UpdateAccountKey<SigningKeys>>(
            context,
            "signing-keys update",
            &at(place),
            sid_values(sid).with_text("FriendlyName", friendly_name),
        ),
        SigningKeysCommand::Delete { sid, at: place } => {
            on_account::<DeleteAccountKey<SigningKeys>>(
                context,
                "signing-keys delete",
                &at(place),
                sid_values(sid),
            )
        }
    }
}

/// One 2010 call: `values` and the account whose path it names.
fn on_account<O>(
    context: &Context<'_>,
    command: &str,
    at: &KeysWhere,
    values: ParameterValues,
) -> ExitCode
where
    O: FromParameters,
    O::Output: ToJson,
{
    with_account(context, command, at, |invocation, client, account| {
        one::<O>(invocation, client, &values.with("AccountSid", account))
    })
}

/// Adds a value to a set of named values (a builder for the calls above).
trait With {
    fn with(self, name: &'static str, account: AccountSid) -> Self;
    fn with_text(self, name: &'static str, text: &str) -> Self;
}

impl With for ParameterValues {
    fn with(mut self, name: &'static str, account: AccountSid) -> Self {
        self.push(name, account.as_str().to_owned());
        self
    }
    fn with_text(mut self, name: &'static str, text: &str) -> Self {
        self.push(name, text.to_owned());
        self
    }
}

fn sid_values(sid: &str) -> ParameterValues {
    ParameterValues::from_pairs([("Sid", sid)])
}

/// `PageSize` when given, and how far to read.
fn list_values(args: &ListArgs) -> (ParameterValues, Listing) {
    let mut values = ParameterValues::new();
    if let Some(size) = args.page_size {
        values.push("PageSize", size.to_string());
    }
    (values, Listing::Pages { limit: args.limit })
}

/// Runs `body` with the command's invocation, its client and the account
/// whose keys it acts on: `--subaccount`, else the credentials' own.
fn with_account(
    context: &Context<'_>,
    command: &str,
    at: &KeysWhere,
    body: impl FnOnce(&Invocation<'_>, &Client, AccountSid) -> ExitCode,
) -> ExitCode {
    let invocation = context.invocation(command);
    if at.api == KeysApi::Iam
        && let Some(sub) = &at.subaccount
    {
        return invocation.fail(
            &Failure::usage(format!(
                "--subaccount {sub}: IAM v1 acts on the credentials' own account only"
            ))
            .with_next(
                "add --api v2010 to reach a subaccount's keys with the parent's credentials, or use the subaccount's own credentials without --subaccount",
            ),
        );
    }
    let client = match invocation.client() {
        Ok(c) => c,
        Err(f) => return invocation.fail(&f),
    };
    let account = match &at.subaccount {
        Some(sid) => match AccountSid::parse(sid) {
            Ok(a) => a,
            Err(e) => return invocation.fail(&Failure::usage(format!("--subaccount: {e}"))),
        },
        None => *client.context().credentials().account_sid(),
    };
    body(&invocation, &client, account)
}

fn read_list<L>(
    invocation: &Invocation<'_>,
    client: &Client,
    values: &ParameterValues,
    listing: Listing,
) -> ExitCode
where
    L: twilio_accounts_core::ListOperation + FromParameters + Clone,
    L::Item: ToJson,
{
    match invocation.operation::<L>(values) {
        Ok(list) => invocation.read_list(client, &list, listing),
        Err(f) => invocation.fail(&f),
    }
}

/// Sends the IAM v1 operation `I`, or with `--api v2010` the 2010 one `V`
/// (whose path also names the account), built from `values`.
fn on_api<I, V>(
    at: &KeysWhere,
    invocation: &Invocation<'_>,
    client: &Client,
    values: ParameterValues,
    account: AccountSid,
) -> ExitCode
where
    I: FromParameters,
    I::Output: ToJson,
    V: FromParameters,
    V::Output: ToJson,
{
    match at.api {
        KeysApi::Iam => one::<I>(invocation, client, &values),
        KeysApi::V2010 => one::<V>(invocation, client, &values.with("AccountSid", account)),
    }
}

fn one<O>(invocation: &Invocation<'_>, client: &Client, values: &ParameterValues) -> ExitCode
where
    O: FromParameters,
    O::Output: ToJson,
{
    match invocation.operation::<O>(values) {
        Ok(operation) => invocation.send(client, &operation, none_refused, None),
        Err(f) => invocation.fail(&f),
    }
}

/// `--policy`, read and checked; refused with the 2010 API, which has no
/// policies (a restricted key is made and changed through IAM v1).
fn policy_option(at: &KeysWhere, given: Option<&str>) -> Result<Option<Policy>, Failure> {
    let policy = given.map(read_policy).transpose()?;
    if at.api == KeysApi::V2010 && policy.is_some() {
        return Err(Failure::usage(
            "the 2010 API makes standard keys only and has no policies (it ignores a key type and a policy): a restricted key and its policy need IAM v1, without --api v2010",
        ));
    }
    Ok(policy)
}

/// A policy from `--policy`: JSON text (it starts with `{`), or a file
/// holding it. Checked here (at most 100 permissions, the shape) so that
/// the error names the option before anything is sent.
fn read_policy(given: &str) -> Result<Policy, Failure> {
    let (text, shown) = if given.trim_start().starts_with('{') {
        (given.to_owned(), "the JSON given".to_owned())
    } else {
        let text = std::fs::read_to_string(given)
            .map_err(|e| Failure::usage(format!("cannot read --policy {given}: {e}")))?;
        (text, given.to_owned())
    };
    Policy::from_json_str(&text).map_err(|e| {
        Failure::usage(format!("--policy ({shown}): {e}")).with_next(
            r#"a policy is one JSON object such as {"allow": ["/twilio/messaging/messages/read"]}, with at most 100 permissions in allow and deny together"#,
        )
    })
}

/// The flags that chose the API and the account, as typed, for advice.
fn where_flags(at: &KeysWhere) -> String {
    let mut flags = String::new();
    if at.api == KeysApi::V2010 {
        flags.push_str(" --api v2010");
    }
    flags.push_str(&subaccount_flag(at));
    flags
}

fn subaccount_flag(at: &KeysWhere) -> String {
    at.subaccount
        .as_deref()
        .map(|sid| format!(" --subaccount {}", shell_word(sid)))
        .unwrap_or_default()
}

/// `twilio-accounts RESOURCE list FLAGS`.
fn list_command(resource: &str, flags: &str) -> String {
    format!("twilio-accounts {resource} list{flags}")
}

/// A create's answer: the new key's SID and its one-time secret.
trait NewKey {
    fn sid(&self) -> Option<&ApiKeySid>;
    fn secret(&self) -> Option<&ApiKeySecret>;
}

impl NewKey for NewIamKey {
    fn sid(&self) -> Option<&ApiKeySid> {
        self.sid.as_ref()
    }
    fn secret(&self) -> Option<&ApiKeySecret> {
        self.secret.as_ref()
    }
}

impl NewKey for NewAccountKey {
    fn sid(&self) -> Option<&ApiKeySid> {
        self.sid.as_ref()
    }
    fn secret(&self) -> Option<&ApiKeySecret> {
        self.secret.as_ref()
    }
}

/// Makes a key and hands its secret over, or deletes the key again
/// (`withdraw`) when the secret cannot be handed over. `list` is the command
/// that shows the account's keys, for advice after an unclear answer.
fn create<O>(
    invocation: &Invocation<'_>,
    client: &Client,
    values: &ParameterValues,
    sink_args: &SecretSinkArgs,
    account: AccountSid,
    list: &str,
    withdraw: impl Fn(&Client, ApiKeySid) -> Result<(), Error>,
) -> ExitCode
where
    O: FromParameters,
    O::Output: ToJson + NewKey,
{
    let command = invocation.command.as_str();
    let sink = Sink::for_secret(&sink_args.to, sink_args.reveal);
    if sink.is_empty() {
        return invocation.fail(&Failure::usage(format!(
            "`{command}` makes a secret Twilio shows only once: choose where it goes with --secret-file PATH, --secret-exec CMD or --reveal"
        )));
    }
    if let Err(reason) = sink.preflight() {
        return invocation.fail(&Failure::usage(reason));
    }
    let operation = match invocation.operation::<O>(values) {
        Ok(o) => o,
        Err(f) => return invocation.fail(&f),
    };
    let reply = match client.send(&operation) {
        Ok(reply) => reply,
        Err(e) => return invocation.fail(&create_failed(command, &e, list)),
    };
    let (Some(sid), Some(secret)) = (reply.value.sid().copied(), reply.value.secret()) else {
        // A 2xx without the key or its secret: whatever was made is useless.
        let withdrawn = reply.value.sid().map(|sid| withdraw(client, *sid));
        let message = match withdrawn {
            Some(Ok(())) => "Twilio's answer to the create had no secret; the key it made was deleted again, so nothing changed".to_owned(),
            _ => format!(
                "Twilio's answer to the create had no {}; a key may exist whose secret nobody holds",
                if reply.value.sid().is_none() { "key SID" } else { "secret" }
            ),
        };
        return invocation.fail(&Failure::other(message).with_next(format!(
            "look with `{list}` and delete a key you do not recognise, then create one again"
        )));
    };
    let payload = match secret_payload(sink_args.secret_format, &sid, secret) {
        Ok(p) => p,
        Err(reason) => {
            return invocation.fail(&undeliverable(
                client, command, sid, secret, &reason, &withdraw,
            ));
        }
    };
    let key = sid.to_string();
    let env = [
        ("TWILIO_ACCOUNT_SID", account.as_str()),
        ("TWILIO_API_KEY", key.as_str()),
    ];
    if let Err(reason) = sink.deliver_secret(&payload, &env) {
        return invocation.fail(&undeliverable(
            client, command, sid, secret, &reason, &withdraw,
        ));
    }
    let report = invocation.report;
    let secrets = if sink.reveals() {
        Secrets::Reveal
    } else {
        Secrets::Redact
    };
    let value = reply.value.to_json(secrets);
    let delivered_to = sink.describe();
    match report.format {
        OutputFormat::Json => report.json(&json!({
            "command": command,
            "ok": true,
            "operation": O::ID,
            "status": reply.status.as_u16(),
            "request_id": reply.request_id(),
            "account_sid": account.as_str(),
            "secret_delivered_to": delivered_to,
            "value": value,
        })),
        OutputFormat::Text => {
            let line = format!("Created {key} (account {account}).");
            let table = crate::table::render(&reply.value.to_json(Secrets::Redact));
            if sink.reveals() {
                // The key and its secret are the result: alone on stdout.
                report.say(line);
                report.say(table);
            } else {
                report.result(line);
                report.result(table);
            }
            report.say(format!("The secret went to: {}", delivered_to.join(", ")));
            if let Some(id) = reply.request_id() {
                report.say(format!("request id: {id}"));
            }
            if sink.reveals() {
                output::out_raw(&payload);
            }
        }
    }
    Exit::Success.code()
}

/// The advice after a create failed: when its answer was lost or a server
/// error, a key may exist whose secret nobody holds.
fn create_failed(command: &str, error: &Error, list: &str) -> Failure {
    let mut failure = Failure::from_error(command, error);
    let unclear = error.is_outcome_unknown()
        || error.status().is_some_and(|s| s.is_server_error())
        || matches!(error, Error::Decode(_));
    if unclear {
        failure.next = Some(format!(
            "a key may have been made whose secret nobody holds: look with `{list}`, delete a key you do not recognise, then create one again"
        ));
        failure.next_command = Some(list.to_owned());
    } else if error.code() == Some(70151) {
        failure.next = Some(format!(
            "the account has as many API keys as Twilio allows: look with `{list}` and delete keys no longer used"
        ));
        failure.next_command = Some(list.to_owned());
    }
    failure
}

/// A key whose secret could not be handed over: deleted again, or, when
/// that fails too, its secret saved owner-only in a rescue file (never
/// printed).
fn undeliverable(
    client: &Client,
    command: &str,
    sid: ApiKeySid,
    secret: &ApiKeySecret,
    reason: &str,
    withdraw: &dyn Fn(&Client, ApiKeySid) -> Result<(), Error>,
) -> Failure {
    match withdraw(client, sid) {
        Ok(()) => Failure {
            details: json!({ "key_sid": sid.as_str(), "key_deleted": true }),
            ..Failure::other(format!(
                "the new key's secret could not be handed over: {reason}; the key {sid} was deleted again, so nothing changed"
            ))
            .with_next(format!("fix the destination, then run `twilio-accounts {command}` again"))
        },
        Err(e) => {
            let mut failure = Failure::new(
                Exit::TokenRescued,
                format!(
                    "the new key's secret could not be handed over ({reason}), and deleting the key {sid} failed too ({e})"
                ),
            );
            let payload = secret_payload(SecretFormat::Env, &sid, secret)
                .or_else(|_| secret_payload(SecretFormat::Json, &sid, secret));
            let rescued = payload.and_then(|p| {
                crate::sink::rescue_bytes(
                    std::path::Path::new("."),
                    &format!("twilio-accounts-rescued-key-{sid}"),
                    &p,
                )
            });
            match rescued {
                Ok(path) => {
                    failure.message.push_str(&format!(
                        "; the key and its secret were saved owner-only in {}",
                        path.display()
                    ));
                    failure.next = Some(format!(
                        "move the secret from {} to where it belongs and delete that file, or delete the key (`twilio-accounts keys delete {sid}`)",
                        path.display()
                    ));
                    failure.details =
                        json!({ "key_sid": sid.as_str(), "key_deleted": false, "rescue_file": path });
                }
                Err(e) => {
                    failure
                        .message
                        .push_str(&format!("; saving it to a rescue file failed too ({e})"));
                    failure.next = Some(format!(
                        "the secret is lost: delete the key (`twilio-accounts keys delete {sid}`) and create another"
                    ));
                    failure.details =
                        json!({ "key_sid": sid.as_str(), "key_deleted": false, "rescue_file": null });
                }
            }
            failure
        }
    }
}

/// `keys list --subaccounts`: every subaccount's keys, through the 2010
/// API with the parent's credentials. An account whose keys could not be
/// read is reported and the others still listed (exit 9).
fn every_subaccount(
    context: &Context<'_>,
    list: &ListArgs,
    status: Option<StatusFilter>,
    at: &KeysWhere,
) -> ExitCode {
    let command = "keys list";
    let invocation = context.invocation(command);
    let rerun = format!(
        "twilio-accounts keys list --subaccounts{}",
        status
            .map(|s| format!(" --status {}", status_name(s)))
            .unwrap_or_default()
    );
    if at.api == KeysApi::Iam && (context.on_command_line)("api") {
        return invocation.fail(
            &Failure::usage(
                "--subaccounts reads each subaccount's keys through the 2010 API (IAM v1 reaches only the credentials' own account)",
            )
            .with_next(format!("run `{rerun}`")),
        );
    }
    let parent = match invocation.client() {
        Ok(c) => c,
        Err(f) => return invocation.fail(&f),
    };
    let selection = Selection {
        status: status.unwrap_or(StatusFilter::Active),
        include_main: false,
        only: None,
    };
    let members = match listing::list(&parent, &selection, command) {
        Ok((members, _)) => listing::distinct(members),
        Err(mut failure) => {
            failure.message = failure.message.replace("; nothing was changed", "");
            if failure.next_command.is_some() {
                failure.next_command = Some(rerun.clone());
                failure.next = Some(format!("run `{rerun}` again"));
            }
            return invocation.fail(&failure);
        }
    };
    let (values, _) = list_values(list);
    let mut accounts = Vec::new();
    let mut rows = Vec::new();
    let mut failed = 0;
    for member in &members {
        let listed = invocation
            .operation::<ListAccountKeys<Keys>>(&values.clone().with("AccountSid", member.sid))
            .and_then(|first| {
                paging::collect(&parent, &first, list.limit)
                    .map_err(|e| Failure::from_error(command, &e))
            });
        match listed {
            Ok(collected) => {
                let keys: Vec<Value> = collected
                    .reply
                    .value
                    .items
                    .iter()
                    .map(|k| k.to_json(Secrets::Redact))
                    .collect();
                for key in &keys {
                    let mut row = json!({ "account_sid": member.sid.as_str() });
                    if let (Some(row), Some(fields)) = (row.as_object_mut(), key.as_object()) {
                        row.extend(fields.clone());
                    }
                    rows.push(row);
                }
                accounts.push(json!({
                    "account_sid": member.sid.as_str(),
                    "friendly_name": member.friendly_name,
                    "keys": keys,
                    "error": null,
                }));
            }
            Err(failure) => {
                failed += 1;
                invocation
                    .report
                    .warn(format!("{}: {}", member.sid, failure.message));
                accounts.push(json!({
                    "account_sid": member.sid.as_str(),
                    "friendly_name": member.friendly_name,
                    "keys": [],
                    "error": failure.to_json(command)["error"],
                }));
            }
        }
    }
    let report = invocation.report;
    report.json(&json!({
        "command": command,
        "ok": failed == 0,
        "operation": <ListAccountKeys<Keys> as Operation>::ID,
        "value": { "accounts": accounts },
        "next_command": (failed > 0).then_some(&rerun),
    }));
    report.result(crate::table::render(&json!({ "keys": rows })));
    report.say(format!(
        "{} subaccount{} listed",
        members.len(),
        if members.len() == 1 { "" } else { "s" }
    ));
    if failed > 0 {
        if report.format == OutputFormat::Text {
            output::err(&format!(
                "error: the keys of {failed} subaccount{} could not be read (see the warnings above)",
                if failed == 1 { "" } else { "s" }
            ));
            output::err(&format!("  what to do: run `{rerun}` again"));
        }
        return Exit::Incomplete.code();
    }
    Exit::Success.code()
}

fn status_name(status: StatusFilter) -> &'static str {
    match status {
        StatusFilter::Active => "active",
        StatusFilter::Suspended => "suspended",
        StatusFilter::Closed => "closed",
    }
}
