//! The resource commands a person can guess: `credentials aws list`,
//! `safelist add NUMBER`, `geo-permissions set US=on GB=off`,
//! `consents bulk --file items.json`, …
//!
//! Each turns its arguments into the spec's named values and hands them,
//! with its operation's type, to [`Invocation`]: the core checks them (an
//! error names the parameter), and sending, paging and printing are the
//! same as `call`'s. Secrets come only from the environment or stdin.

use std::io::{IsTerminal, Read};
use std::path::Path;
use std::process::ExitCode;

use serde_json::Value;
use twilio_accounts_core::{
    BulkResults, CreateBulkConsents, CreateBulkContacts, CreateCredentialAws,
    CreateCredentialPublicKey, CreateSafelist, DeleteCredentialAws, DeleteCredentialPublicKey,
    DeleteSafelist, FetchCredentialAws, FetchCredentialPublicKey, FetchMessagingGeopermissions,
    FetchSafelist, ListCredentialAws, ListCredentialPublicKeys, MessagingGeopermissions,
    ParameterValues, Secrets, UpdateCredentialAws, UpdateCredentialPublicKey,
    UpdateMessagingGeopermissions,
};

use crate::args::{
    AwsCommand, BulkCommand, CredentialsCommand, GeoPermissionsCommand, Global, ListArgs,
    NewCredentialArgs, PublicKeyCommand, SafelistCommand,
};
use crate::invocation::{Invocation, Listing, none_refused};
use crate::outcome::Failure;
use crate::report::Report;

/// What every resource command shares.
pub struct Context<'a> {
    pub global: &'a Global,
    pub report: Report,
    pub on_command_line: &'a dyn Fn(&str) -> bool,
}

impl Context<'_> {
    pub fn invocation(&self, command: &str) -> Invocation<'_> {
        Invocation {
            global: self.global,
            report: self.report,
            on_command_line: self.on_command_line,
            command: command.to_owned(),
            // No resource command answers with a secret.
            secrets: Secrets::Redact,
        }
    }
}

fn values<const N: usize>(pairs: [(&str, &str); N]) -> ParameterValues {
    ParameterValues::from_pairs(pairs)
}

/// `PageSize` when given, and how far to read.
fn list_values(args: &ListArgs) -> (ParameterValues, Listing) {
    let mut values = ParameterValues::new();
    if let Some(size) = args.page_size {
        values.push("PageSize", size.to_string());
    }
    (values, Listing::Pages { limit: args.limit })
}

/// `FriendlyName` and `AccountSid` of a create.
fn push_new(values: &mut ParameterValues, new: &NewCredentialArgs) {
    if let Some(name) = &new.friendly_name {
        values.push("FriendlyName", name.clone());
    }
    if let Some(sid) = &new.subaccount {
        values.push("AccountSid", sid.clone());
    }
}

pub fn credentials(context: &Context<'_>, kind: &CredentialsCommand) -> ExitCode {
    match kind {
        CredentialsCommand::Aws { action } => aws(context, action),
        CredentialsCommand::PublicKeys { action } => public_keys(context, action),
    }
}

fn aws(context: &Context<'_>, action: &AwsCommand) -> ExitCode {
    match action {
        AwsCommand::List(args) => {
            let (values, listing) = list_values(args);
            context
                .invocation("credentials aws list")
                .list::<ListCredentialAws>(&values, listing)
        }
        AwsCommand::Create {
            credentials_env,
            credentials_stdin,
            new,
        } => {
            let command = "credentials aws create";
            let secret = match (credentials_env, credentials_stdin) {
                (Some(variable), _) => std::env::var(variable).map_err(|_| {
                    Failure::usage(format!(
                        "--credentials-env {variable}: the environment variable {variable} is not set (or not UTF-8)"
                    ))
                    .with_next(format!(
                        "set {variable} to ACCESS_KEY_ID:SECRET_ACCESS_KEY, or pass --credentials-stdin"
                    ))
                }),
                (None, _) => first_line_of_stdin(),
            };
            let secret = match secret {
                Ok(s) => s,
                Err(f) => return context.report.fail(command, &f),
            };
            let mut values = ParameterValues::new();
            values.push("Credentials", secret);
            push_new(&mut values, new);
            context
                .invocation(command)
                .single::<CreateCredentialAws>(&values, none_refused)
        }
        AwsCommand::Fetch { sid } => context
            .invocation("credentials aws fetch")
            .single::<FetchCredentialAws>(&values([("Sid", sid)]), none_refused),
        AwsCommand::Update { sid, friendly_name } => context
            .invocation("credentials aws update")
            .single::<UpdateCredentialAws>(
            &values([("Sid", sid), ("FriendlyName", friendly_name)]),
            none_refused,
        ),
        AwsCommand::Delete { sid } => {
            context
                .invocation("credentials aws delete")
                .single::<DeleteCredentialAws>(&values([("Sid", sid)]), none_refused)
        }
    }
}

fn public_keys(context: &Context<'_>, action: &PublicKeyCommand) -> ExitCode {
    match action {
        PublicKeyCommand::List(args) => {
            let (values, listing) = list_values(args);
            context
                .invocation("credentials public-keys list")
                .list::<ListCredentialPublicKeys>(&values, listing)
        }
        PublicKeyCommand::Create {
            public_key_file,
            new,
        } => {
            let command = "credentials public-keys create";
            let key = match read_file_or_stdin(public_key_file, "--public-key-file") {
                Ok(k) => k,
                Err(f) => return context.report.fail(command, &f),
            };
            // A private key (or garbage) is refused before anything is sent.
            if let Err(e) = twilio_accounts_core::check_rsa_public_key_pem(&key) {
                return context.report.fail(
                    command,
                    &Failure::usage(format!("{}: {e}", public_key_file.display())),
                );
            }
            let mut values = ParameterValues::new();
            values.push("PublicKey", key.trim().to_owned());
            push_new(&mut values, new);
            context
                .invocation(command)
                .single::<CreateCredentialPublicKey>(&values, none_refused)
        }
        PublicKeyCommand::Fetch { sid } => {
            context
                .invocation("credentials public-keys fetch")
                .single::<FetchCredentialPublicKey>(&values([("Sid", sid)]), none_refused)
        }
        PublicKeyCommand::Update { sid, friendly_name } => context
            .invocation("credentials public-keys update")
            .single::<UpdateCredentialPublicKey>(
                &values([("Sid", sid), ("FriendlyName", friendly_name)]),
                none_refused,
            ),
        PublicKeyCommand::Delete { sid } => {
            context
                .invocation("credentials public-keys delete")
                .single::<DeleteCredentialPublicKey>(&values([("Sid", sid)]), none_refused)
        }
    }
}

pub fn safelist(context: &Context<'_>, action: &SafelistCommand) -> ExitCode {
    match action {
        SafelistCommand::Add { number } => context
            .invocation("safelist add")
            .single::<CreateSafelist>(&values([("PhoneNumber", number)]), none_refused),
        SafelistCommand::Check { number } => context
            .invocation("safelist check")
            .lookup::<FetchSafelist>(
                &values([("PhoneNumber", number)]),
                &format!("{number} is not in the safe list."),
            ),
        SafelistCommand::Remove { number } => context
            .invocation("safelist remove")
            .single::<DeleteSafelist>(&values([("PhoneNumber", number)]), none_refused),
    }
}

pub fn geo_permissions(context: &Context<'_>, action: &GeoPermissionsCommand) -> ExitCode {
    match action {
        GeoPermissionsCommand::Show { country } => {
            let mut values = ParameterValues::new();
            if let Some(country) = country {
                values.push("CountryCode", country.clone());
            }
            context
                .invocation("geo-permissions show")
                .single::<FetchMessagingGeopermissions>(&values, none_refused)
        }
        GeoPermissionsCommand::Set { permissions } => {
            let command = "geo-permissions set";
            let mut values = ParameterValues::new();
            for entry in permissions {
                let enabled = match entry.split_once('=') {
                    Some((country, "on")) => Some((country, true)),
                    Some((country, "off")) => Some((country, false)),
                    _ => None,
                };
                let Some((country, enabled)) = enabled else {
                    return context.report.fail(
                        command,
                        &Failure::usage(format!(
                            "`{entry}`: each permission is COUNTRY=on or COUNTRY=off, e.g. US=on GB=off"
                        )),
                    );
                };
                values.push(
                    "Permissions",
                    serde_json::json!({"country_code": country, "type": "country", "enabled": enabled})
                        .to_string(),
                );
            }
            context
                .invocation(command)
                .single::<UpdateMessagingGeopermissions>(&values, refused_permissions)
        }
    }
}

fn refused_permissions(answer: &MessagingGeopermissions) -> usize {
    answer.failures().count()
}

fn refused_items(answer: &BulkResults) -> usize {
    answer.failures().count()
}

pub fn consents(context: &Context<'_>, action: &BulkCommand) -> ExitCode {
    let BulkCommand::Bulk { file } = action;
    let command = "consents bulk";
    match items_file(file) {
        Ok(values) => context
            .invocation(command)
            .single::<CreateBulkConsents>(&values, refused_items),
        Err(f) => context.report.fail(command, &f),
    }
}

pub fn contacts(context: &Context<'_>, action: &BulkCommand) -> ExitCode {
    let BulkCommand::Bulk { file } = action;
    let command = "contacts bulk";
    match items_file(file) {
        Ok(values) => context
            .invocation(command)
            .single::<CreateBulkContacts>(&values, refused_items),
        Err(f) => context.report.fail(command, &f),
    }
}

/// A JSON file holding an array of items: `Items`, once per element.
fn items_file(path: &Path) -> Result<ParameterValues, Failure> {
    let text = read_file_or_stdin(path, "--file")?;
    let shown = if path == Path::new("-") {
        "stdin".to_owned()
    } else {
        path.display().to_string()
    };
    let document: Value = serde_json::from_str(&text).map_err(|e| {
        Failure::usage(format!(
            "{shown} is not JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
        .with_next("the file holds one JSON array of item objects, e.g. [{\"contact_id\": \"+18005550100\", …}]")
    })?;
    let Value::Array(items) = document else {
        return Err(Failure::usage(format!(
            "{shown} must hold a JSON array of item objects (it holds another JSON value)"
        )));
    };
    let mut values = ParameterValues::new();
    for item in items {
        values.push("Items", item.to_string());
    }
    Ok(values)
}

/// The whole of `path`, or of stdin for `-`.
fn read_file_or_stdin(path: &Path, flag: &str) -> Result<String, Failure> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::usage(format!("{flag} -: cannot read stdin: {e}")))?;
        return Ok(text);
    }
    std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read {flag} {}: {e}", path.display())))
}

/// AWS credentials from the first line of stdin, without its line end.
/// Refused from a terminal, which would show the secret as it is typed.
fn first_line_of_stdin() -> Result<String, Failure> {
    if std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "--credentials-stdin reads a pipe, not a terminal (a terminal shows the secret as it is typed)",
        )
        .with_next(
            "pipe it in from where it is kept (`… | twilio-accounts credentials aws create --credentials-stdin`), or put it in an environment variable and pass --credentials-env VARIABLE",
        ));
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| Failure::usage(format!("--credentials-stdin: cannot read stdin: {e}")))?;
    let end = line.trim_end_matches(['\r', '\n']).len();
    line.truncate(end);
    Ok(line)
}
