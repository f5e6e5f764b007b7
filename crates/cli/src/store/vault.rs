//! Vault (or OpenBao) KV version 2, over HTTP with ureq and rustls.
//!
//! Settings are read as the Vault CLI reads them: `VAULT_ADDR` (default
//! `https://127.0.0.1:8200`), `VAULT_TOKEN` (else `~/.vault-token`, which
//! `vault login` writes), `VAULT_NAMESPACE`, `VAULT_CACERT` (a PEM file: then
//! only its certificates are trusted; else Mozilla's roots). Plain `http` is
//! refused but to a loopback address: the token would cross the network in
//! clear.
//!
//! `vault:MOUNT/PATH#FIELD`: MOUNT is the first segment (a mount whose own
//! path has a `/` cannot be named). The write is
//! `POST /v1/MOUNT/data/PATH` with `options.cas` set to the version read
//! when the rotation started ([`Vault::begin`]), and every other field of
//! that version kept. A write that lost a race fails and is reported; a
//! resumed delivery whose latest version already holds exactly the token
//! writes nothing.

use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::{Map, Value};
use twilio_accounts_core::{AccountSid, AuthToken};
use twilio_accounts_rotation::TokenFingerprint;
use ureq::tls::{Certificate, RootCerts, TlsConfig};
use zeroize::Zeroizing;

use super::{ACCOUNT_PLACEHOLDER, AUTH_TOKEN_FIELD, StoreError, StoreSpec};

/// Where the Vault CLI looks when `VAULT_ADDR` is not set.
const DEFAULT_ADDR: &str = "https://127.0.0.1:8200";

/// The largest answer read from Vault.
const BODY_LIMIT: u64 = 1 << 20;

/// A Vault token: never printed (`Debug` says `[redacted]`), wiped when
/// dropped.
#[derive(Clone)]
struct VaultToken(Zeroizing<String>);

impl fmt::Debug for VaultToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// One KV v2 secret's field in one Vault.
#[derive(Clone)]
pub struct Vault {
    addr: String,
    token: VaultToken,
    namespace: Option<String>,
    agent: ureq::Agent,
    mount: String,
    path: String,
    /// Where an Auth Token goes: `#FIELD`, else `auth_token`.
    field: String,
    /// `#FIELD`, when given.
    given: Option<String>,
    /// The fields of the credential this store holds ([`Vault::holding`]).
    names: &'static [&'static str],
    /// The version read by [`Vault::begin`]: what the write's check-and-set
    /// expects.
    base: OnceLock<u64>,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("addr", &self.addr)
            .field("token", &self.token)
            .field("namespace", &self.namespace)
            .field("mount", &self.mount)
            .field("path", &self.path)
            .field("field", &self.field)
            .finish()
    }
}

/// Checks `MOUNT/PATH`: at least two segments, each of letters, digits and
/// `-_.@+=` (and `{account_sid}`), none `.` or `..`.
pub fn check_location(location: &str) -> Result<(), String> {
    let segments: Vec<&str> = location.split('/').collect();
    let valid = |s: &&str| {
        !s.is_empty()
            && *s != "."
            && *s != ".."
            && s.replace(ACCOUNT_PLACEHOLDER, "")
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.@+=".contains(c))
    };
    if segments.len() < 2 || !segments.iter().all(valid) {
        return Err(format!(
            "`{location}`: a Vault sink is vault:MOUNT/PATH[#FIELD] (e.g. vault:secret/twilio/prod), each segment made of letters, digits and -_.@+="
        ));
    }
    Ok(())
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn setting(message: impl Into<String>) -> StoreError {
    StoreError::Settings(message.into())
}

impl Vault {
    /// The Vault of the environment, for `spec`. Sends nothing.
    pub fn from_env(spec: &StoreSpec) -> Result<Vault, StoreError> {
        let addr = std::env::var("VAULT_ADDR").unwrap_or_else(|_| DEFAULT_ADDR.to_owned());
        let addr = addr.trim_end_matches('/').to_owned();
        let uri: http::Uri = addr
            .parse()
            .map_err(|_| setting(format!("VAULT_ADDR `{addr}` is not a URL")))?;
        match (uri.scheme_str(), uri.host()) {
            (Some("https"), Some(_)) => {}
            (Some("http"), Some(host)) if is_loopback(host) => {}
            (Some("http"), Some(_)) => {
                return Err(setting(format!(
                    "VAULT_ADDR `{addr}` is plain http to another machine: the Vault token would cross the network in clear; use https"
                )));
            }
            _ => {
                return Err(setting(format!(
                    "VAULT_ADDR `{addr}` must be an http(s) URL such as https://vault.example.com:8200"
                )));
            }
        }
        let token = match std::env::var("VAULT_TOKEN") {
            Ok(token) if !token.trim().is_empty() => Zeroizing::new(token.trim().to_owned()),
            _ => {
                let file = std::env::var_os("HOME")
                    .map(|home| std::path::Path::new(&home).join(".vault-token"));
                match file.and_then(|f| std::fs::read_to_string(f).ok()) {
                    Some(token) if !token.trim().is_empty() => {
                        Zeroizing::new(Zeroizing::new(token).trim().to_owned())
                    }
                    _ => {
                        return Err(setting(
                            "no Vault token: set VAULT_TOKEN (or log in with `vault login` / `bao login`, which writes ~/.vault-token)",
                        ));
                    }
                }
            }
        };
        if token.chars().any(|c| !c.is_ascii_graphic()) {
            return Err(setting("VAULT_TOKEN holds characters a token cannot have"));
        }
        let namespace = std::env::var("VAULT_NAMESPACE")
            .ok()
            .filter(|n| !n.is_empty());
        let roots = match std::env::var_os("VAULT_CACERT") {
            Some(path) if !path.is_empty() => {
                let pem = std::fs::read(&path).map_err(|e| {
                    setting(format!(
                        "VAULT_CACERT {}: {e}",
                        std::path::Path::new(&path).display()
                    ))
                })?;
                let certs = twilio_accounts_ureq::pem_roots(&[pem]).map_err(|e| {
                    setting(format!(
                        "VAULT_CACERT {}: {e}",
                        std::path::Path::new(&path).display()
                    ))
                })?;
                let certs: Vec<Certificate<'static>> = certs
                    .iter()
                    .map(|der| Certificate::from_der(der.as_ref()).to_owned())
                    .collect();
                RootCerts::new_with_certs(&certs)
            }
            _ => RootCerts::WebPki,
        };
        let tls = TlsConfig::builder().root_certs(roots).build();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_global(Some(Duration::from_secs(30)))
            .user_agent(concat!("twilio-accounts/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls)
            .build()
            .new_agent();
        let (mount, path) = spec
            .location
            .split_once('/')
            .ok_or_else(|| setting(format!("`{}` has no PATH", spec.location)))?;
        Ok(Vault {
            addr,
            token: VaultToken(token),
            namespace,
            agent,
            mount: mount.to_owned(),
            path: path.to_owned(),
            field: spec
                .field
                .clone()
                .unwrap_or_else(|| AUTH_TOKEN_FIELD.to_owned()),
            given: spec.field.clone(),
            names: &[AUTH_TOKEN_FIELD],
            base: OnceLock::new(),
        })
    }

    pub fn for_account(&self, account: &AccountSid) -> Vault {
        Vault {
            path: self.path.replace(ACCOUNT_PLACEHOLDER, account.as_str()),
            base: OnceLock::new(),
            ..self.clone()
        }
    }

    /// This store holding a credential of the fields `names` (the first
    /// the secret), for [`Vault::deliver_fields`].
    pub fn holding(&self, names: &'static [&'static str]) -> Vault {
        Vault {
            names,
            ..self.clone()
        }
    }

    pub fn describe(&self) -> String {
        let fields = match (&self.given, self.names) {
            (Some(field), _) => format!("field {field}"),
            (None, [one]) => format!("field {one}"),
            (None, names) => format!("fields {}", names.join(", ")),
        };
        format!(
            "Vault {}/{} {fields} (KV v2 at {})",
            self.mount, self.path, self.addr
        )
    }

    /// Writes a credential's fields (see [`super::stored_fields`]), keeping
    /// the secret's other fields, with check-and-set against the version
    /// [`Vault::begin`] read. A latest version that holds every one of them
    /// already (a resumed delivery) is left as it is.
    pub fn deliver_fields(&self, fields: &[(&str, &str)]) -> Result<(), StoreError> {
        let wanted = super::stored_fields(self.given.as_deref(), fields);
        let (version, held) = self.read()?;
        if wanted
            .iter()
            .all(|(name, value)| held.get(*name).and_then(Value::as_str) == Some(*value))
        {
            return Ok(());
        }
        let base = *self.base.get_or_init(|| version);
        if version != base {
            return Err(self.changed(base, version));
        }
        let mut data = held;
        for (name, value) in wanted {
            data.insert(name.to_owned(), Value::String(value.to_owned()));
        }
        self.write(version, data, base)
    }

    fn url(&self, kind: &str) -> String {
        format!("{}/v1/{}/{kind}/{}", self.addr, self.mount, self.path)
    }

    /// Sends one request; the status and the body (wiped when dropped).
    fn send(
        &self,
        url: &str,
        body: Option<&[u8]>,
    ) -> Result<(u16, Zeroizing<Vec<u8>>), StoreError> {
        let unreachable = |e: ureq::Error| {
            StoreError::Unavailable(format!("Vault at {} could not be reached: {e}", self.addr))
        };
        let mut response = match body {
            None => {
                let mut request = self
                    .agent
                    .get(url)
                    .header("X-Vault-Token", self.token.0.as_str());
                if let Some(ns) = &self.namespace {
                    request = request.header("X-Vault-Namespace", ns);
                }
                request.call().map_err(unreachable)?
            }
            Some(body) => {
                let mut request = self
                    .agent
                    .post(url)
                    .header("X-Vault-Token", self.token.0.as_str())
                    .header("Content-Type", "application/json");
                if let Some(ns) = &self.namespace {
                    request = request.header("X-Vault-Namespace", ns);
                }
                request.send(body).map_err(unreachable)?
            }
        };
        let status = response.status().as_u16();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(BODY_LIMIT)
            .read_to_vec()
            .map_err(unreachable)?;
        Ok((status, Zeroizing::new(bytes)))
    }

    /// A non-2xx answer as an error: Vault's own messages (never a value),
    /// unavailable for a 5xx (503: sealed or in standby) or 429.
    fn refusal(&self, what: &str, status: u16, body: &[u8]) -> StoreError {
        let errors: Vec<String> = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| v.get("errors").and_then(Value::as_array).cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(Value::as_str)
            .map(|e| e.chars().filter(|c| !c.is_control()).take(300).collect())
            .collect();
        let said = if errors.is_empty() {
            String::new()
        } else {
            format!(": {}", errors.join("; "))
        };
        let message = format!(
            "Vault refused to {what} {}/{} (HTTP {status}{said})",
            self.mount, self.path
        );
        match status {
            403 => StoreError::Refused(format!(
                "{message}; the Vault token needs read and create/update on {}/data/{} (and read on {}/metadata/{})",
                self.mount, self.path, self.mount, self.path
            )),
            429 | 500.. => StoreError::Unavailable(message),
            _ => StoreError::Refused(message),
        }
    }

    /// The latest version's number and fields (0 and none when the secret
    /// does not exist; a deleted latest version has no fields). The fields
    /// are not wiped from memory when dropped (serde_json's map cannot be);
    /// the raw answer is.
    fn read(&self) -> Result<(u64, Map<String, Value>), StoreError> {
        let (status, body) = self.send(&self.url("data"), None)?;
        match status {
            200 => {
                let value: Value = serde_json::from_slice(&body).map_err(|_| {
                    StoreError::Unavailable(format!(
                        "Vault's answer for {}/{} could not be read (is {} a KV version 2 mount?)",
                        self.mount, self.path, self.mount
                    ))
                })?;
                let version = value
                    .pointer("/data/metadata/version")
                    .and_then(Value::as_u64)
                    .ok_or_else(|| {
                        StoreError::Refused(format!(
                            "Vault's answer for {}/{} has no version: is {} a KV version 2 mount?",
                            self.mount, self.path, self.mount
                        ))
                    })?;
                let fields = match value.pointer("/data/data") {
                    Some(Value::Object(fields)) => fields.clone(),
                    _ => Map::new(),
                };
                Ok((version, fields))
            }
            // Absent, or its latest version deleted: the metadata says
            // which version a write must name.
            404 => {
                let (status, body) = self.send(&self.url("metadata"), None)?;
                match status {
                    200 => {
                        let version = serde_json::from_slice::<Value>(&body)
                            .ok()
                            .and_then(|v| {
                                v.pointer("/data/current_version").and_then(Value::as_u64)
                            })
                            .unwrap_or(0);
                        Ok((version, Map::new()))
                    }
                    404 => Ok((0, Map::new())),
                    status => Err(self.refusal("read the metadata of", status, &body)),
                }
            }
            status => Err(self.refusal("read", status, &body)),
        }
    }

    /// The fields of version `version` (none when it was deleted or never
    /// existed).
    fn read_version(&self, version: u64) -> Result<Map<String, Value>, StoreError> {
        let (status, body) = self.send(&format!("{}?version={version}", self.url("data")), None)?;
        match status {
            200 => Ok(serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| match v.pointer("/data/data") {
                    Some(Value::Object(fields)) => Some(fields.clone()),
                    _ => None,
                })
                .unwrap_or_default()),
            404 => Ok(Map::new()),
            status => Err(self.refusal("read", status, &body)),
        }
    }

    /// `rotate --abandon`: when the latest version holds this rotation's
    /// token (fingerprint `own`), writes the version before it again (as
    /// `vault kv rollback` does), with check-and-set. Whether it did.
    pub fn withdraw(&self, own: TokenFingerprint) -> Result<bool, StoreError> {
        let (version, fields) = self.read()?;
        let ours = self
            .held(&fields)
            .and_then(|h| AuthToken::new(h).ok())
            .is_some_and(|h| own.matches(&h));
        if !ours {
            return Ok(false);
        }
        let previous = self.read_version(version.saturating_sub(1))?;
        self.write(version, previous, version)?;
        Ok(true)
    }

    /// `--abandon` of a credential written with [`Vault::deliver_fields`]:
    /// when the latest version's field `name` is `value` (the credential's
    /// SID, which no other rotation writes), writes the version before it
    /// again, with check-and-set. Whether it did. With `#FIELD` only the
    /// secret is written, so whether the latest version is this rotation's
    /// cannot be told: refused, rather than rolled back blindly.
    pub fn withdraw_fields(&self, name: &str, value: &str) -> Result<bool, StoreError> {
        if self.given.is_some() {
            return Err(StoreError::Refused(format!(
                "{}: with #FIELD only the secret is written there, so whether its latest version is this rotation's cannot be told; put the version before it back by hand (vault kv rollback), then abandon again",
                self.describe()
            )));
        }
        let (version, fields) = self.read()?;
        if fields.get(name).and_then(Value::as_str) != Some(value) {
            return Ok(false);
        }
        let previous = self.read_version(version.saturating_sub(1))?;
        self.write(version, previous, version)?;
        Ok(true)
    }

    /// Writes `data` as the version after `version` (check-and-set).
    fn write(&self, version: u64, data: Map<String, Value>, base: u64) -> Result<(), StoreError> {
        let body = Value::Object(Map::from_iter([
            ("options".to_owned(), serde_json::json!({ "cas": version })),
            ("data".to_owned(), Value::Object(data)),
        ]));
        let body = Zeroizing::new(serde_json::to_vec(&body).unwrap_or_default());
        let (status, answer) = self.send(&self.url("data"), Some(&body))?;
        match status {
            200 | 204 => Ok(()),
            400 if String::from_utf8_lossy(&answer).contains("check-and-set") => {
                Err(self.changed(base, version + 1))
            }
            status => Err(self.refusal("write", status, &answer)),
        }
    }

    fn held<'a>(&self, fields: &'a Map<String, Value>) -> Option<&'a str> {
        fields.get(&self.field).and_then(Value::as_str)
    }

    /// Reads the version a write will be checked against.
    pub fn begin(&self) -> Result<(), StoreError> {
        let (version, _) = self.read()?;
        let _ = self.base.set(version);
        Ok(())
    }

    /// Writes the token into the field, keeping the others, with
    /// check-and-set against the version [`Vault::begin`] read (or the
    /// latest, when it holds this rotation's earlier token `own`).
    pub fn deliver(
        &self,
        token: &AuthToken,
        own: Option<TokenFingerprint>,
    ) -> Result<(), StoreError> {
        let (version, fields) = self.read()?;
        let held = self.held(&fields);
        if held == Some(token.expose_secret()) {
            // Written already (a resumed rotation): nothing more.
            return Ok(());
        }
        let base = *self.base.get_or_init(|| version);
        let ours = held
            .and_then(|h| AuthToken::new(h).ok())
            .is_some_and(|h| own.is_some_and(|own| own.matches(&h)));
        if version != base && !ours {
            return Err(self.changed(base, version));
        }
        let mut data = fields.clone();
        data.insert(
            self.field.clone(),
            Value::String(token.expose_secret().to_owned()),
        );
        self.write(version, data, base)
    }

    fn changed(&self, base: u64, now: u64) -> StoreError {
        StoreError::Refused(format!(
            "Vault {}/{} changed since the rotation started (version {base} then, {now} now): somebody else wrote it meanwhile, and it was not overwritten (check-and-set)",
            self.mount, self.path
        ))
    }

    /// The latest version still holds the token.
    pub fn confirm(&self, token: &AuthToken) -> Result<(), StoreError> {
        let (version, fields) = self.read()?;
        if self.held(&fields) == Some(token.expose_secret()) {
            Ok(())
        } else {
            Err(StoreError::Refused(format!(
                "Vault {}/{} (version {version}) no longer holds the new token in field {}",
                self.mount, self.path, self.field
            )))
        }
    }
}
