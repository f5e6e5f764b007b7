//! AWS Secrets Manager, through the official SDK (feature `aws`, on by
//! default), following AWS's own rotation protocol.
//!
//! Credentials and region are found the way every AWS tool finds them
//! (environment, shared config and credentials files, profiles, SSO,
//! `credential_process`, container and instance metadata); `AWS_ENDPOINT_URL`
//! (or `AWS_ENDPOINT_URL_SECRETS_MANAGER`) points it elsewhere. TLS is rustls
//! with ring, as everywhere in this workspace. The SDK is async: each store
//! keeps a small current-thread tokio runtime and blocks on it.
//!
//! `aws-sm:SECRET_ID[#JSON_KEY]`; the secret must exist (applications read
//! it already). The protocol:
//! 1. [`SecretsManager::begin`]: which version is `AWSCURRENT` now.
//! 2. [`SecretsManager::deliver`]: `PutSecretValue` staged `AWSPENDING`, with
//!    `ClientRequestToken` `<ACCOUNT_SID>-<fingerprint of the new token>`
//!    (the version's id): a retried or resumed delivery of the same token
//!    finds that version and writes nothing. With `#JSON_KEY` the value is
//!    `AWSCURRENT`'s JSON object with that key set, the others kept; when
//!    `AWSCURRENT` moved since step 1 the delivery is refused (somebody else
//!    changed the secret).
//! 3. [`SecretsManager::commit`], once the new token was checked and before
//!    the go-ahead: `UpdateSecretVersionStage` moves `AWSCURRENT` to that
//!    version (AWS then labels the old one `AWSPREVIOUS`).
//! 4. [`SecretsManager::confirm`], right before the promote: `AWSCURRENT`
//!    holds the token.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput;
use serde_json::{Map, Value};
use twilio_accounts_core::{AccountSid, AuthToken};
use twilio_accounts_rotation::TokenFingerprint;
use zeroize::Zeroizing;

use super::{ACCOUNT_PLACEHOLDER, StoreError, StoreSpec};

const CURRENT: &str = "AWSCURRENT";
const PENDING: &str = "AWSPENDING";

/// One secret (or one key of a JSON secret) in Secrets Manager.
#[derive(Clone)]
pub struct SecretsManager {
    secret_id: String,
    key: Option<String>,
    /// The keys of a JSON secret a credential of several fields is written
    /// as ([`SecretsManager::holding`]); none for an Auth Token, written as
    /// the whole value (or `#JSON_KEY`).
    names: &'static [&'static str],
    account: Option<AccountSid>,
    client: Client,
    runtime: Arc<tokio::runtime::Runtime>,
    /// The `AWSCURRENT` version [`SecretsManager::begin`] found.
    base: Arc<std::sync::OnceLock<Option<String>>>,
}

impl fmt::Debug for SecretsManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretsManager")
            .field("secret_id", &self.secret_id)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// Checks a secret id (a name or an ARN): 1 to 2048 printable characters.
pub fn check_secret_id(id: &str) -> Result<(), String> {
    if id.is_empty() || id.len() > 2048 || id.chars().any(|c| c.is_control() || c == ' ') {
        return Err(format!(
            "`{id}`: an AWS Secrets Manager sink is aws-sm:SECRET_ID[#JSON_KEY], SECRET_ID a secret's name or ARN"
        ));
    }
    Ok(())
}

/// The SDK's error as a store error: its code and message (never a value).
fn sdk_error<E, R>(what: &str, secret: &str, error: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    match &error {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let code = e.code().unwrap_or("unknown error");
            let said = e
                .message()
                .map(|m| {
                    format!(
                        ": {}",
                        m.chars().filter(|c| !c.is_control()).collect::<String>()
                    )
                })
                .unwrap_or_default();
            let message = format!("AWS Secrets Manager refused to {what} {secret} ({code}{said})");
            match code {
                "InternalServiceError" | "ThrottlingException" | "ServiceUnavailable" => {
                    StoreError::Unavailable(message)
                }
                "ResourceNotFoundException" => StoreError::Refused(format!(
                    "{message}; the secret must exist (applications read it): create it with the current token first"
                )),
                _ => StoreError::Refused(message),
            }
        }
        _ => StoreError::Unavailable(format!(
            "AWS Secrets Manager could not be reached to {what} {secret}: {}",
            aws_sdk_secretsmanager::error::DisplayErrorContext(&error)
        )),
    }
}

/// The version labelled `stage`, if any.
fn version_with(described: &DescribeSecretOutput, stage: &str) -> Option<String> {
    described
        .version_ids_to_stages()?
        .iter()
        .find(|(_, stages)| stages.iter().any(|s| s == stage))
        .map(|(id, _)| id.clone())
}

impl SecretsManager {
    /// The SDK's configuration, found its own way. Sends nothing.
    pub fn from_env(spec: &StoreSpec) -> Result<SecretsManager, StoreError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                StoreError::Settings(format!("cannot start the AWS SDK's runtime: {e}"))
            })?;
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let config = runtime.block_on(
            aws_config::defaults(BehaviorVersion::latest())
                .http_client(http)
                .timeout_config(
                    TimeoutConfig::builder()
                        .connect_timeout(Duration::from_secs(10))
                        .operation_attempt_timeout(Duration::from_secs(30))
                        .operation_timeout(Duration::from_secs(90))
                        .build(),
                )
                .load(),
        );
        if config.region().is_none() {
            return Err(StoreError::Settings(
                "no AWS region: set AWS_REGION (or a region in the profile of ~/.aws/config)"
                    .into(),
            ));
        }
        Ok(SecretsManager {
            secret_id: spec.location.clone(),
            key: spec.field.clone(),
            names: &[],
            account: None,
            client: Client::new(&config),
            runtime: Arc::new(runtime),
            base: Arc::default(),
        })
    }

    pub fn for_account(&self, account: &AccountSid) -> SecretsManager {
        SecretsManager {
            secret_id: self
                .secret_id
                .replace(ACCOUNT_PLACEHOLDER, account.as_str()),
            account: Some(*account),
            base: Arc::default(),
            ..self.clone()
        }
    }

    /// This secret holding a credential of the fields `names` (the first
    /// the secret), for [`SecretsManager::deliver_fields`].
    pub fn holding(&self, names: &'static [&'static str]) -> SecretsManager {
        SecretsManager {
            names,
            ..self.clone()
        }
    }

    pub fn describe(&self) -> String {
        match (&self.key, self.names) {
            (Some(key), _) => format!("AWS Secrets Manager {} key {key}", self.secret_id),
            (None, []) => format!("AWS Secrets Manager {}", self.secret_id),
            (None, names) => format!(
                "AWS Secrets Manager {} (JSON keys {})",
                self.secret_id,
                names.join(", ")
            ),
        }
    }

    /// The version id of `token`'s delivery: the same token always makes the
    /// same id, so a repeated `PutSecretValue` is a no-op.
    fn request_token(&self, token: &AuthToken) -> String {
        self.version_of(TokenFingerprint::of(token))
    }

    /// The version id of the token whose fingerprint is `fingerprint`.
    fn version_of(&self, fingerprint: TokenFingerprint) -> String {
        match &self.account {
            Some(account) => format!("{account}-{fingerprint}"),
            None => format!("twilio-accounts-auth-token-{fingerprint}"),
        }
    }

    fn describe_secret(&self) -> Result<DescribeSecretOutput, StoreError> {
        self.runtime
            .block_on(
                self.client
                    .describe_secret()
                    .secret_id(&self.secret_id)
                    .send(),
            )
            .map_err(|e| sdk_error("describe", &self.secret_id, e))
    }

    /// The value `stage` holds (wiped when dropped).
    fn value(&self, stage: &str) -> Result<Zeroizing<String>, StoreError> {
        let output = self
            .runtime
            .block_on(
                self.client
                    .get_secret_value()
                    .secret_id(&self.secret_id)
                    .version_stage(stage)
                    .send(),
            )
            .map_err(|e| sdk_error("read", &self.secret_id, e))?;
        Ok(Zeroizing::new(output.secret_string.unwrap_or_default()))
    }

    /// Which version is `AWSCURRENT` now.
    pub fn begin(&self) -> Result<(), StoreError> {
        let current = version_with(&self.describe_secret()?, CURRENT);
        let _ = self.base.set(current);
        Ok(())
    }

    /// Stages the token `AWSPENDING` (once per token).
    pub fn deliver(&self, token: &AuthToken) -> Result<(), StoreError> {
        let version = self.request_token(token);
        self.stage(&version, |held| match &self.key {
            None => Ok(Zeroizing::new(token.expose_secret().to_owned())),
            Some(key) => {
                let mut object = self.json_object(held, Some(key))?;
                object.insert(key.clone(), Value::String(token.expose_secret().to_owned()));
                Ok(Zeroizing::new(Value::Object(object).to_string()))
            }
        })
    }

    /// Stages a credential's fields (see [`super::stored_fields`])
    /// `AWSPENDING` as version `version`, once: the keys of a JSON object,
    /// the other keys of `AWSCURRENT`'s object kept (a value that is no
    /// object is replaced, but with `#JSON_KEY`).
    pub fn deliver_fields(&self, fields: &[(&str, &str)], version: &str) -> Result<(), StoreError> {
        let wanted = super::stored_fields(self.key.as_deref(), fields);
        self.stage(version, |held| {
            let mut object = self.json_object(held, self.key.as_deref())?;
            for (name, value) in &wanted {
                object.insert((*name).to_owned(), Value::String((*value).to_owned()));
            }
            Ok(Zeroizing::new(Value::Object(object).to_string()))
        })
    }

    /// `AWSCURRENT`'s value as a JSON object (an empty one when it is
    /// blank; also when it is not an object and no `#JSON_KEY` was given).
    fn json_object(&self, held: &str, key: Option<&str>) -> Result<Map<String, Value>, StoreError> {
        match serde_json::from_str::<Value>(held) {
            Ok(Value::Object(object)) => Ok(object),
            _ if held.trim().is_empty() || key.is_none() => Ok(Map::new()),
            _ => Err(StoreError::Refused(format!(
                "AWS Secrets Manager {}: its AWSCURRENT value is not a JSON object, so key {} cannot be set in it",
                self.secret_id,
                key.unwrap_or_default()
            ))),
        }
    }

    /// Puts the value `value` makes of `AWSCURRENT`'s as version `version`,
    /// staged `AWSPENDING`, unless that version exists already; refused
    /// when `AWSCURRENT` moved since [`SecretsManager::begin`].
    fn stage(
        &self,
        version: &str,
        value: impl FnOnce(&str) -> Result<Zeroizing<String>, StoreError>,
    ) -> Result<(), StoreError> {
        let described = self.describe_secret()?;
        let delivered = described
            .version_ids_to_stages()
            .is_some_and(|versions| versions.contains_key(version));
        if delivered {
            return Ok(());
        }
        let current = version_with(&described, CURRENT);
        if let Some(base) = self.base.get()
            && *base != current
        {
            return Err(StoreError::Refused(format!(
                "AWS Secrets Manager {} changed since the rotation started (its AWSCURRENT version is another one): somebody else wrote it meanwhile, and it was not overwritten",
                self.secret_id
            )));
        }
        let held = match (&self.key, self.names) {
            (None, []) => Zeroizing::new(String::new()),
            _ if current.is_none() => Zeroizing::new(String::new()),
            _ => self.value(CURRENT)?,
        };
        let value = value(&held)?;
        self.runtime
            .block_on(
                self.client
                    .put_secret_value()
                    .secret_id(&self.secret_id)
                    .client_request_token(version)
                    .secret_string(value.as_str())
                    .version_stages(PENDING)
                    .send(),
            )
            .map_err(|e| sdk_error("stage a new version of", &self.secret_id, e))?;
        Ok(())
    }

    /// Moves `AWSCURRENT` to the token's version (a no-op when it is
    /// there), then takes `AWSPENDING` off it, as AWS's own rotation does
    /// (best effort: a label left behind is moved by the next staging).
    pub fn commit(&self, token: &AuthToken) -> Result<(), StoreError> {
        self.commit_version(&self.request_token(token))
    }

    /// Moves `AWSCURRENT` to version `version` (a no-op when it is there),
    /// then takes `AWSPENDING` off it.
    pub fn commit_version(&self, version: &str) -> Result<(), StoreError> {
        let version = version.to_owned();
        let described = self.describe_secret()?;
        let current = version_with(&described, CURRENT);
        if current.as_deref() == Some(version.as_str()) {
            if version_with(&described, PENDING).as_deref() == Some(version.as_str()) {
                self.unstage(&version);
            }
            return Ok(());
        }
        if !described
            .version_ids_to_stages()
            .is_some_and(|versions| versions.contains_key(&version))
        {
            return Err(StoreError::Refused(format!(
                "AWS Secrets Manager {} no longer has the version that holds the new credential",
                self.secret_id
            )));
        }
        let mut update = self
            .client
            .update_secret_version_stage()
            .secret_id(&self.secret_id)
            .version_stage(CURRENT)
            .move_to_version_id(&version);
        if let Some(current) = current {
            update = update.remove_from_version_id(current);
        }
        self.runtime
            .block_on(update.send())
            .map_err(|e| sdk_error("make the new version AWSCURRENT in", &self.secret_id, e))?;
        self.unstage(&version);
        Ok(())
    }

    /// `rotate --abandon`: when `AWSCURRENT` is this rotation's version
    /// (the token of fingerprint `own`), moves it back to `AWSPREVIOUS`;
    /// and takes `AWSPENDING` off that version. Whether it changed anything.
    pub fn withdraw(&self, own: TokenFingerprint) -> Result<bool, StoreError> {
        self.withdraw_version(&self.version_of(own))
    }

    /// `--abandon`: when `AWSCURRENT` is version `version`, moves it back
    /// to `AWSPREVIOUS`; and takes `AWSPENDING` off that version. Whether it
    /// changed anything.
    pub fn withdraw_version(&self, version: &str) -> Result<bool, StoreError> {
        let version = version.to_owned();
        let described = self.describe_secret()?;
        let pending = version_with(&described, PENDING).as_deref() == Some(version.as_str());
        if version_with(&described, CURRENT).as_deref() == Some(version.as_str()) {
            let previous = version_with(&described, "AWSPREVIOUS").ok_or_else(|| {
                StoreError::Refused(format!(
                    "AWS Secrets Manager {}: AWSCURRENT holds the abandoned token and there is no AWSPREVIOUS version to go back to",
                    self.secret_id
                ))
            })?;
            self.runtime
                .block_on(
                    self.client
                        .update_secret_version_stage()
                        .secret_id(&self.secret_id)
                        .version_stage(CURRENT)
                        .move_to_version_id(previous)
                        .remove_from_version_id(&version)
                        .send(),
                )
                .map_err(|e| sdk_error("move AWSCURRENT back in", &self.secret_id, e))?;
            self.unstage(&version);
            return Ok(true);
        }
        if pending {
            self.unstage(&version);
        }
        Ok(pending)
    }

    /// Takes `AWSPENDING` off `version`, best effort.
    fn unstage(&self, version: &str) {
        let _ = self.runtime.block_on(
            self.client
                .update_secret_version_stage()
                .secret_id(&self.secret_id)
                .version_stage(PENDING)
                .remove_from_version_id(version)
                .send(),
        );
    }

    /// `AWSCURRENT` holds the token.
    pub fn confirm(&self, token: &AuthToken) -> Result<(), StoreError> {
        let held = self.value(CURRENT)?;
        let holds = match &self.key {
            None => held.as_str() == token.expose_secret(),
            Some(key) => serde_json::from_str::<Value>(&held)
                .ok()
                .and_then(|v| {
                    v.get(key)
                        .and_then(Value::as_str)
                        .map(|v| v == token.expose_secret())
                })
                .unwrap_or(false),
        };
        if holds {
            Ok(())
        } else {
            Err(StoreError::Refused(format!(
                "AWS Secrets Manager {}: AWSCURRENT no longer holds the new token",
                self.secret_id
            )))
        }
    }
}
