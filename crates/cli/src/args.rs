//! The command line, as clap derives it.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::duration::{parse_duration, parse_settle};
use crate::store::StoreSpec;

/// Manage Twilio Auth Tokens safely: rotate them with no outage, one call at a
/// time or as a crash-safe, resumable rotation; manage the rest of Accounts v1
/// (credentials, safe list, geo permissions, bulk consents and contacts, or any
/// operation with `call`); or run a local simulator of Twilio's Accounts API.
///
/// Credentials come from TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or
/// TWILIO_API_KEY and TWILIO_API_SECRET for a Main API key); flags override
/// them. Try it with no account at all: `twilio-accounts rotate --simulate`.
#[derive(Debug, Parser)]
#[command(name = "twilio-accounts", version, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,

    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes (listed under their own heading in `--help`).
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// Account SID (AC…).
    #[arg(long, env = "TWILIO_ACCOUNT_SID", global = true, value_name = "SID")]
    pub account_sid: Option<String>,

    /// Auth Token. Prefer the environment: the command line is visible to other users.
    #[arg(
        long,
        env = "TWILIO_AUTH_TOKEN",
        global = true,
        hide_env_values = true,
        value_name = "TOKEN",
        value_parser = SecretArg::parse
    )]
    pub auth_token: Option<SecretArg>,

    /// API key SID (SK…); only Main keys may manage Auth Tokens.
    #[arg(long, env = "TWILIO_API_KEY", global = true, value_name = "SID")]
    pub api_key: Option<String>,

    /// API key secret. Prefer the environment.
    #[arg(
        long,
        env = "TWILIO_API_SECRET",
        global = true,
        hide_env_values = true,
        value_name = "SECRET",
        value_parser = SecretArg::parse
    )]
    pub api_secret: Option<SecretArg>,

    /// Public Key Client Validation: sign every request with this RSA 2048 private key (PEM,
    /// PKCS#1 or PKCS#8, unencrypted); needs --pkcv-credential-sid and API key credentials.
    #[arg(
        long,
        env = "TWILIO_PKCV_PRIVATE_KEY",
        global = true,
        value_name = "PATH"
    )]
    pub pkcv_private_key: Option<PathBuf>,

    /// The credential SID (CR…) of the registered public key that pairs with
    /// --pkcv-private-key (the signature's `kid`).
    #[arg(
        long,
        env = "TWILIO_PKCV_CREDENTIAL_SID",
        global = true,
        value_name = "SID"
    )]
    pub pkcv_credential_sid: Option<String>,

    /// Twilio region (e.g. au1); needs --edge.
    #[arg(long, env = "TWILIO_REGION", global = true)]
    pub region: Option<String>,

    /// Twilio edge (e.g. sydney).
    #[arg(long, env = "TWILIO_EDGE", global = true)]
    pub edge: Option<String>,

    /// Base URL instead of Twilio's (a simulator, a gateway): scheme, host and port, e.g.
    /// http://127.0.0.1:8080; plain http only to loopback unless --allow-plain-http.
    #[arg(
        long,
        env = "TWILIO_ACCOUNTS_BASE_URL",
        global = true,
        value_name = "URL"
    )]
    pub base_url: Option<String>,

    /// Allow plain http to a host that is not loopback (the credentials cross the network
    /// unencrypted; a warning is printed).
    #[arg(long, global = true)]
    pub allow_plain_http: bool,

    /// Extra CA certificate (PEM) to trust, e.g. the simulator's.
    #[arg(long, global = true, value_name = "PATH")]
    pub ca_cert: Option<PathBuf>,

    /// Time limit for each request, e.g. 30s or 2m [default: 30s].
    #[arg(long, global = true, value_parser = parse_duration, value_name = "DURATION")]
    pub timeout: Option<Duration>,

    /// Output format: text for people, json for scripts (one document per command).
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    /// More detail on stderr (-v: this tool's requests, -vv: its traces, -vvv: the transport's
    /// too); never secrets.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

/// A secret given as an option or its variable (`--auth-token`,
/// `--api-secret`): `[redacted]` in `Debug` (the parsed command line derives
/// it), wiped from memory when dropped, both in [`Global`] and in clap's
/// matches (which hold this type). What cannot be wiped: clap's raw copy of
/// a value typed on the command line (also in `/proc/PID/cmdline` for as
/// long as the process runs, which is why the tool warns about it), the
/// process environment, and the `Authorization` header values the
/// transport builds from the credentials.
#[derive(Clone)]
pub struct SecretArg(zeroize::Zeroizing<String>);

impl SecretArg {
    pub fn parse(value: &str) -> Result<Self, String> {
        Ok(SecretArg(zeroize::Zeroizing::new(value.to_owned())))
    }

    /// A copy to hand on, wiped when dropped.
    pub fn to_zeroizing(&self) -> zeroize::Zeroizing<String> {
        self.0.clone()
    }
}

impl std::fmt::Debug for SecretArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Promote the secondary Auth Token to primary (the old primary stops working at once).
    Promote {
        #[command(flatten)]
        email: EmailArgs,
        #[command(flatten)]
        sink: SinkArgs,
    },
    /// Create or delete the secondary Auth Token.
    Secondary {
        #[command(subcommand)]
        action: SecondaryCommand,
    },
    /// Tell whether the credentials authenticate, changing nothing.
    Verify,
    /// Rotate the Auth Token: create, hand over, verify, promote, verify, settle.
    Rotate(RotateArgs),
    /// Run the Accounts API simulator in the foreground (same flags as twilio-accounts-sim).
    #[cfg(feature = "simulator")]
    Sim(twilio_accounts_sim::SimArgs),
    /// Webhook signatures.
    Webhook {
        #[command(subcommand)]
        action: WebhookCommand,
    },
    /// Call any Accounts v1 operation by its operationId, with the spec's parameter names (for
    /// scripts): `call FetchCredentialAws --param Sid=CR…`.
    Call(CallArgs),
    /// AWS credentials and public keys stored in the account.
    Credentials {
        #[command(subcommand)]
        kind: CredentialsCommand,
    },
    /// The SMS-pumping safe list: numbers Verify Fraud Guard never blocks.
    Safelist {
        #[command(subcommand)]
        action: SafelistCommand,
    },
    /// To which countries the account may send messages.
    GeoPermissions {
        #[command(subcommand)]
        action: GeoPermissionsCommand,
    },
    /// API keys: list, create (its secret goes to --secret-file, --secret-exec or --reveal), fetch,
    /// update, delete. IAM v1 by default (it makes restricted keys); --api v2010 for the 2010
    /// Keys resource, which also reaches a subaccount's keys with the parent's credentials.
    Keys {
        #[command(subcommand)]
        action: KeysCommand,
    },
    /// Signing keys (2010 API), which sign Access Tokens: list, create, fetch, update, delete.
    SigningKeys {
        #[command(subcommand)]
        action: SigningKeysCommand,
    },
    /// Record contacts' messaging consents in bulk.
    Consents {
        #[command(subcommand)]
        action: BulkCommand,
    },
    /// Add or update contacts in bulk.
    Contacts {
        #[command(subcommand)]
        action: BulkCommand,
    },
    /// Public Key Client Validation: check that the account accepts the requests this tool signs
    /// (--pkcv-private-key, --pkcv-credential-sid).
    Pkcv {
        #[command(subcommand)]
        action: PkcvCommand,
    },
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum PkcvCommand {
    /// Send one signed read-only request and say whether the account accepts it, and why not.
    Check,
    /// Replace the signing key pair: make (or take) a new RSA 2048 key, register its public key,
    /// check the new pair, hand the private key over, wait for the go-ahead, delete the old
    /// public key and check that the old pair is refused. Journalled; resumable with --resume.
    Rotate(PkcvRotateArgs),
}

/// `pkcv rotate`: the new key, where its private half goes, the go-ahead.
#[derive(Debug, Args)]
pub struct PkcvRotateArgs {
    /// The new private key (RSA 2048 PEM, PKCS#1 or PKCS#8) instead of one made with
    /// `openssl genpkey`.
    #[arg(long, value_name = "PATH")]
    pub new_private_key: Option<PathBuf>,

    /// Where the new private key goes (`--secret-file`, `--secret-exec`).
    #[command(flatten)]
    pub to: SecretDestination,

    /// Deliver the new private key into a secret store too (repeatable; it counts as delivered
    /// once every sink has it): vault:MOUNT/PATH[#FIELD] (fields private_key and credential_sid,
    /// or the private key alone in FIELD) or aws-sm:SECRET_ID[#JSON_KEY] (a JSON secret with keys
    /// private_key and credential_sid, or the private key alone in JSON_KEY; staged AWSPENDING,
    /// made AWSCURRENT before the old public key is deleted).
    #[arg(long = "sink", value_name = "STORE:WHERE", value_parser = StoreSpec::parse)]
    pub sinks: Vec<StoreSpec>,

    /// Delete the old public key without asking, once --deploy-wait has passed after the new
    /// private key was delivered (without it, the rotation stops there; --resume --yes goes on).
    #[arg(short, long)]
    pub yes: bool,

    /// With --yes: how long the applications take to switch to the new pair [default: 60s].
    #[arg(long, value_parser = parse_settle, value_name = "DURATION")]
    pub deploy_wait: Option<Duration>,

    /// The journal (default: pkcv-rotation-<ACCOUNT_SID>.json in the state directory).
    #[arg(long, value_name = "PATH")]
    pub state_file: Option<PathBuf>,

    /// Continue the key-pair rotation recorded in the journal.
    #[arg(long)]
    pub resume: bool,
}

#[derive(Debug, Subcommand)]
pub enum SecondaryCommand {
    /// Create a secondary Auth Token (it authenticates like the primary until promoted).
    Create {
        #[command(flatten)]
        email: EmailArgs,
        #[command(flatten)]
        sink: SinkArgs,
    },
    /// Delete the secondary Auth Token (abandons a rotation before promotion).
    Delete {
        #[command(flatten)]
        email: EmailArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Check a webhook signature. Reads one JSON object on stdin:
    /// {"url": …, "params": {name: a value or a list of values} or "body": …, "signature": …, "algorithm": "HMAC_SHA1"|"HMAC_SHA256"}.
    /// Exits 0 when valid, 3 when not.
    Verify {
        /// Environment variable holding a token to accept (repeatable; default TWILIO_AUTH_TOKEN).
        #[arg(long = "token-env", value_name = "VAR")]
        token_env: Vec<String>,
    },
}

#[derive(Debug, Clone, Args)]
pub struct EmailArgs {
    /// Ask Twilio not to e-mail the account's owners about this change.
    #[arg(long)]
    pub suppress_email: bool,
}

impl EmailArgs {
    pub fn value(&self) -> Option<bool> {
        self.suppress_email.then_some(true)
    }
}

/// Where a new token goes. It is never printed unless --reveal is given.
#[derive(Debug, Clone, Default, Args)]
pub struct SinkArgs {
    /// Print the token on stdout.
    #[arg(long)]
    pub reveal: bool,

    /// Write the token to this file (created owner-only, atomically, fsynced).
    #[arg(long, value_name = "PATH", group = "token_destination")]
    pub token_file: Option<PathBuf>,

    /// Overwrite --token-file (or a file of --token-dir) if it exists.
    #[arg(long, requires = "token_destination")]
    pub force: bool,

    /// Run this command (with sh -c) with the token on its stdin; success only if it exits 0.
    /// It gets the environment without any TWILIO_* variable, plus TWILIO_ACCOUNT_SID.
    #[arg(long, value_name = "CMD")]
    pub token_exec: Option<String>,

    /// Stop --token-exec's command after this long (it then counts as failed) [default: 60s].
    #[arg(long, value_parser = parse_duration, value_name = "DURATION", requires = "token_exec")]
    pub token_exec_timeout: Option<Duration>,
}

impl SinkArgs {
    pub fn is_set(&self) -> bool {
        self.reveal || self.token_file.is_some() || self.token_exec.is_some()
    }
}

#[derive(Debug, Args)]
pub struct RotateArgs {
    #[command(flatten)]
    pub sink: SinkArgs,

    /// Deliver the new token into a secret store too (repeatable; the token counts as delivered
    /// once every sink has it): vault:MOUNT/PATH[#FIELD] (Vault/OpenBao KV v2, check-and-set;
    /// VAULT_ADDR, VAULT_TOKEN, VAULT_NAMESPACE, VAULT_CACERT; field auth_token by default) or
    /// aws-sm:SECRET_ID[#JSON_KEY] (AWS Secrets Manager: staged AWSPENDING, made AWSCURRENT once
    /// checked, before the promote). With --subaccounts, {account_sid} in it is each account's SID.
    #[arg(long = "sink", value_name = "STORE:WHERE", value_parser = StoreSpec::parse)]
    pub sinks: Vec<StoreSpec>,

    #[command(flatten)]
    pub email: EmailArgs,

    /// The journal that makes the rotation resumable (default: rotation-<ACCOUNT_SID>.json in
    /// $XDG_STATE_HOME/twilio-accounts or ~/.local/state/twilio-accounts; with --subaccounts a
    /// directory, default fleet-<PARENT_SID> there).
    #[arg(long, value_name = "PATH")]
    pub state_file: Option<PathBuf>,

    /// Continue the rotation recorded in the state file.
    #[arg(long, conflicts_with = "abandon")]
    pub resume: bool,

    /// Stop the rotation recorded in the state file before promotion: delete its secondary
    /// token and the state file (refused once a promote may have happened).
    #[arg(long)]
    pub abandon: bool,

    /// Promote without asking, once --deploy-wait has passed after the token was delivered.
    #[arg(short, long)]
    pub yes: bool,

    /// With --yes: how long the applications take to pick up a new token (re-read a file,
    /// restart); the old token is kept working that long after delivery: seconds, or 90s, 2m;
    /// 0 promotes at once; at most 15m [default: 60s; 1s with --simulate; with --subaccounts,
    /// each account after its own delivery, default 0].
    #[arg(long, value_parser = parse_settle, value_name = "DURATION")]
    pub deploy_wait: Option<Duration>,

    /// Wait after promotion for Twilio's services to catch up: seconds, or 90s, 2m; 0 skips;
    /// at most 15m [default: 60s; 2s with --simulate].
    #[arg(long, value_parser = parse_settle, value_name = "DURATION")]
    pub settle: Option<Duration>,

    /// Delete an existing secondary token first instead of stopping.
    #[arg(long)]
    pub replace_existing_secondary: bool,

    /// Run the whole rotation against a fresh in-process simulator (no account, no network).
    #[arg(long, conflicts_with = "subaccounts")]
    pub simulate: bool,

    /// Last: its help heading would otherwise cover the options after it.
    #[command(flatten)]
    pub fleet: FleetArgs,
}

/// `rotate --subaccounts`: every subaccount of the parent whose credentials
/// are given, each rotated as itself.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Every subaccount (--subaccounts)")]
pub struct FleetArgs {
    /// Rotate the Auth Token of every subaccount of the account whose credentials are given (the
    /// parent), each as itself, its token read through the 2010 API; resumable from the state
    /// directory (--state-file DIR, default fleet-<PARENT_SID> in the state directory, see
    /// --state-file). Asks Twilio not
    /// to e-mail the owners (SuppressEmailNotification=true) unless --notify-email. Exit codes: 0
    /// every account rotated; 9 some were not (see the report; --resume retries them); 2 usage,
    /// before anything changed; 3, 5, 6 the listing failed (nothing changed); 130 interrupted.
    #[arg(long, conflicts_with_all = ["reveal", "token_file"])]
    pub subaccounts: bool,

    #[command(flatten)]
    pub select: FleetSelection,

    /// Write each account's new token to a file of DIR named for its SID (owner-only, atomically,
    /// fsynced, one line; an existing file is kept unless --force).
    #[arg(
        long,
        value_name = "DIR",
        requires = "subaccounts",
        group = "token_destination"
    )]
    pub token_dir: Option<PathBuf>,

    /// Let Twilio e-mail the account owners about each change (a fleet rotation suppresses them
    /// by default).
    #[arg(long, requires = "subaccounts", conflicts_with = "suppress_email")]
    pub notify_email: bool,
}

/// Which accounts a fleet command takes, and how it runs through them:
/// shared by `rotate --subaccounts` and `keys rotate --subaccounts` (each
/// defines `--subaccounts` itself).
#[derive(Debug, Clone, Default, Args)]
pub struct FleetSelection {
    /// Which subaccounts, by status [default: active].
    #[arg(long, value_enum, requires = "subaccounts")]
    pub status: Option<StatusFilter>,

    /// Take the parent account too (last, after every subaccount).
    #[arg(long, requires = "subaccounts")]
    pub include_main: bool,

    /// Only the subaccounts whose SIDs this file lists (one a line; blank lines and # comments
    /// are ignored).
    #[arg(long, value_name = "FILE", requires = "subaccounts")]
    pub only: Option<PathBuf>,

    /// How many accounts are rotated at once (1 to 64).
    #[arg(long, value_name = "K", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,

    /// Stop starting new accounts after the first failure (those in flight finish).
    #[arg(long, requires = "subaccounts")]
    pub fail_fast: bool,

    /// List the accounts (and keys) that would be rotated, and change nothing.
    #[arg(long, requires = "subaccounts", conflicts_with_all = ["resume", "abandon"])]
    pub dry_run: bool,
}

/// The `--status` filter of `rotate --subaccounts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFilter {
    Active,
    Suspended,
    Closed,
}

#[derive(Debug, Args)]
pub struct CallArgs {
    /// The spec's operationId, e.g. ListCredentialAws (an unknown one lists them all).
    #[arg(value_name = "OPERATION_ID")]
    pub operation: String,

    /// A parameter as the spec names it, e.g. Sid=CR…, PhoneNumber=+1…, PageSize=20; an array
    /// parameter (Items, Permissions) once per element, each a JSON object.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,

    /// A parameter read from an environment variable, e.g. Credentials=AWS_CREDENTIALS: how to
    /// pass a secret without putting it on the command line.
    #[arg(long = "param-env", value_name = "NAME=VARIABLE")]
    pub param_env: Vec<String>,

    /// For a list: follow every next page, not only the first (stops at --limit items).
    #[arg(long)]
    pub all: bool,

    /// For a list: at most this many items in all, following next pages (implies --all).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,

    /// Print secrets in the answer (an Auth Token), which are redacted otherwise.
    #[arg(long)]
    pub reveal: bool,
}

/// How a list is read: how many in all, and per request.
#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// At most this many items in all (default: every page).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,

    /// Items per request, 1 to 1000 [default: the server's, 50].
    #[arg(long, value_name = "N")]
    pub page_size: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub enum CredentialsCommand {
    /// AWS credentials (ACCESS_KEY_ID:SECRET_ACCESS_KEY), for services that write to S3.
    Aws {
        #[command(subcommand)]
        action: AwsCommand,
    },
    /// Public keys, for Public Key Client Validation.
    PublicKeys {
        #[command(subcommand)]
        action: PublicKeyCommand,
    },
}

/// Which subaccount a new credential belongs to, and its name.
#[derive(Debug, Clone, Args)]
pub struct NewCredentialArgs {
    /// Its name (up to 64 characters).
    #[arg(long, value_name = "NAME")]
    pub friendly_name: Option<String>,

    /// Attach it to this subaccount (AC…) instead of the account itself.
    #[arg(long, value_name = "SID")]
    pub subaccount: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum AwsCommand {
    /// List the AWS credentials (never their secrets: Twilio does not send them back).
    List(ListArgs),
    /// Store AWS credentials, read from an environment variable or stdin (never the command line).
    Create {
        /// Read ACCESS_KEY_ID:SECRET_ACCESS_KEY from this environment variable.
        #[arg(
            long,
            value_name = "VAR",
            required_unless_present = "credentials_stdin"
        )]
        credentials_env: Option<String>,
        /// Read ACCESS_KEY_ID:SECRET_ACCESS_KEY from the first line of stdin.
        #[arg(long, conflicts_with = "credentials_env")]
        credentials_stdin: bool,
        #[command(flatten)]
        new: NewCredentialArgs,
    },
    /// Show one AWS credential.
    Fetch {
        /// Its SID (CR…).
        sid: String,
    },
    /// Rename an AWS credential (Twilio lets only the name change).
    Update {
        /// Its SID (CR…).
        sid: String,
        /// Its new name (up to 64 characters).
        #[arg(long, value_name = "NAME")]
        friendly_name: String,
    },
    /// Delete an AWS credential.
    Delete {
        /// Its SID (CR…).
        sid: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum PublicKeyCommand {
    /// List the public keys.
    List(ListArgs),
    /// Store a public key (PEM) read from a file, or stdin with `-`.
    Create {
        /// The PEM file (`-----BEGIN PUBLIC KEY-----…`), or `-` for stdin.
        #[arg(long, value_name = "PATH")]
        public_key_file: PathBuf,
        #[command(flatten)]
        new: NewCredentialArgs,
    },
    /// Show one public key.
    Fetch {
        /// Its SID (CR…).
        sid: String,
    },
    /// Rename a public key.
    Update {
        /// Its SID (CR…).
        sid: String,
        /// Its new name (up to 64 characters).
        #[arg(long, value_name = "NAME")]
        friendly_name: String,
    },
    /// Delete a public key.
    Delete {
        /// Its SID (CR…).
        sid: String,
    },
}

/// Which API manages the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum KeysApi {
    /// IAM v1 (iam.twilio.com): standard and restricted keys, the credentials' own account only.
    #[default]
    Iam,
    /// The 2010 API (api.twilio.com): standard keys; reaches a subaccount with the parent's
    /// credentials (--subaccount).
    V2010,
}

/// Which API, and which account's keys.
#[derive(Debug, Clone, Args)]
pub struct KeysWhere {
    /// The API [default: iam].
    #[arg(long, value_enum, default_value_t = KeysApi::Iam)]
    pub api: KeysApi,

    /// A subaccount's keys (AC…), with the parent's credentials (needs --api v2010: IAM v1 acts
    /// on the credentials' own account only).
    #[arg(long, value_name = "SID")]
    pub subaccount: Option<String>,
}

/// The account a signing key belongs to (the 2010 API reaches subaccounts).
#[derive(Debug, Clone, Args)]
pub struct SigningKeysWhere {
    /// A subaccount's signing keys (AC…), with the parent's credentials.
    #[arg(long, value_name = "SID")]
    pub subaccount: Option<String>,
}

/// Where a new key's secret goes. Twilio shows it once, in the create's
/// answer; it is never printed unless --reveal is given.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Where the secret goes")]
pub struct SecretSinkArgs {
    /// Print the key and its secret on stdout (in --secret-format).
    #[arg(long)]
    pub reveal: bool,

    #[command(flatten)]
    pub to: SecretDestination,

    /// How the key and secret are written: env (TWILIO_API_KEY=SK… and TWILIO_API_SECRET=…
    /// lines) or json ({"TWILIO_API_KEY": …, "TWILIO_API_SECRET": …}).
    #[arg(long, value_enum, default_value_t = SecretFormat::Env)]
    pub secret_format: SecretFormat,
}

/// Where a new secret (a key's, a key pair's private half) is handed over:
/// a file or a command; shared by every command that makes one.
#[derive(Debug, Clone, Default, Args)]
pub struct SecretDestination {
    /// Write the secret to this file (created owner-only, atomically, fsynced).
    #[arg(long, value_name = "PATH")]
    pub secret_file: Option<PathBuf>,

    /// Overwrite --secret-file if it exists.
    #[arg(long, requires = "secret_file")]
    pub force: bool,

    /// Run this command (with sh -c) with the secret on its stdin; success only if it exits 0.
    /// It gets the environment without any TWILIO_* variable, plus TWILIO_ACCOUNT_SID and the new
    /// credential's SID (TWILIO_API_KEY for a key, TWILIO_PKCV_CREDENTIAL_SID for a key pair).
    #[arg(long, value_name = "CMD")]
    pub secret_exec: Option<String>,

    /// Stop --secret-exec's command after this long (it then counts as failed) [default: 60s].
    #[arg(long, value_parser = parse_duration, value_name = "DURATION", requires = "secret_exec")]
    pub secret_exec_timeout: Option<Duration>,
}

/// How a new key and its secret are written (`--secret-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum SecretFormat {
    /// `TWILIO_API_KEY=SK…` and `TWILIO_API_SECRET=…` lines.
    #[default]
    Env,
    /// One JSON object with the same two names.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List the API keys (never their secrets: Twilio does not send them back).
    List {
        #[command(flatten)]
        list: ListArgs,
        #[command(flatten)]
        at: KeysWhere,
        /// Every subaccount's keys, with the parent's credentials (the 2010 API; --status chooses
        /// which subaccounts).
        #[arg(long, conflicts_with = "subaccount")]
        subaccounts: bool,
        /// With --subaccounts: which subaccounts, by status [default: active].
        #[arg(long, value_enum, requires = "subaccounts")]
        status: Option<StatusFilter>,
    },
    /// Make a key: standard, or restricted to a policy (IAM v1). Its secret is shown once, and
    /// goes where --secret-file, --secret-exec or --reveal say; if it cannot be handed over, the
    /// key is deleted again.
    Create {
        #[command(flatten)]
        at: KeysWhere,
        /// Its name (up to 64 characters).
        #[arg(long, value_name = "NAME")]
        friendly_name: Option<String>,
        /// A restricted key, allowed only what --policy says (IAM v1 only).
        #[arg(long, requires = "policy")]
        restricted: bool,
        /// The restricted key's policy: a JSON document {"allow": […], "deny": […]} of
        /// permission strings (at most 100), or a file holding one.
        #[arg(long, value_name = "FILE_OR_JSON", requires = "restricted")]
        policy: Option<String>,
        #[command(flatten)]
        sink: SecretSinkArgs,
    },
    /// Show one key (a restricted key's policy too; never its secret).
    Fetch {
        /// Its SID (SK…).
        sid: String,
        #[command(flatten)]
        at: KeysWhere,
    },
    /// Rename a key, or change a restricted key's policy (IAM v1).
    Update {
        /// Its SID (SK…).
        sid: String,
        #[command(flatten)]
        at: KeysWhere,
        /// Its new name (up to 64 characters).
        #[arg(long, value_name = "NAME", required_unless_present = "policy")]
        friendly_name: Option<String>,
        /// A restricted key's new policy: JSON or a file holding it (IAM v1 only).
        #[arg(long, value_name = "FILE_OR_JSON")]
        policy: Option<String>,
    },
    /// Delete a key: it stops authenticating at once.
    Delete {
        /// Its SID (SK…).
        sid: String,
        #[command(flatten)]
        at: KeysWhere,
    },
    /// List every key with its age and say which are due for rotation: exit 14 when a key is
    /// older than --older-than (or of unknown age), or a restricted key's policy differs from
    /// --policy-file; 9 when some account's keys could not be read.
    Audit {
        /// Every subaccount's keys too, with the parent's credentials (the 2010 API).
        #[arg(long)]
        subaccounts: bool,
        /// With --subaccounts: which subaccounts, by status [default: active].
        #[arg(long, value_enum, requires = "subaccounts")]
        status: Option<StatusFilter>,
        /// A key older than this is due (Twilio advises quarterly rotation) [default: 90d].
        #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
        older_than: Option<Duration>,
        /// Flag restricted keys whose policy differs from this one (a JSON file such as
        /// {"allow": ["/twilio/messaging/messages/read"]}).
        #[arg(long, value_name = "FILE")]
        policy_file: Option<PathBuf>,
    },
    /// Replace a key with a new one of the same kind and policy, with no outage: create it,
    /// hand it over, check it, wait for the go-ahead, delete the old one. Journalled and
    /// resumable (--resume); --abandon deletes the new key while the old one is there.
    Rotate(KeysRotateArgs),
}

/// `keys rotate`.
#[derive(Debug, Args)]
pub struct KeysRotateArgs {
    /// The key to replace (SK…) [default: TWILIO_API_KEY, when that key is not the credential in
    /// use].
    pub sid: Option<String>,

    /// The API the key is managed through (the new key is made on the same one) [default: iam].
    #[arg(long, value_enum, default_value_t = KeysApi::Iam)]
    pub api: KeysApi,

    #[command(flatten)]
    pub sink: SecretSinkArgs,

    /// Deliver the new key into a secret store too (repeatable; delivered once every sink has
    /// it): vault:MOUNT/PATH[#FIELD] (fields api_key_secret and api_key_sid, or the secret alone
    /// in #FIELD; check-and-set) or aws-sm:SECRET_ID[#JSON_KEY] (a JSON secret with those keys,
    /// or the secret alone in #JSON_KEY; staged AWSPENDING, made AWSCURRENT at the go-ahead,
    /// before the old key is deleted).
    #[arg(long = "sink", value_name = "STORE:WHERE", value_parser = StoreSpec::parse)]
    pub sinks: Vec<StoreSpec>,

    /// Delete the old key without asking, once --deploy-wait has passed after the new key was
    /// delivered and checked.
    #[arg(short, long)]
    pub yes: bool,

    /// With --yes: how long the applications take to pick up the new key [default: 60s].
    #[arg(long, value_parser = parse_settle, value_name = "DURATION")]
    pub deploy_wait: Option<Duration>,

    /// Continue the rotation recorded in the journal.
    #[arg(long, conflicts_with = "abandon")]
    pub resume: bool,

    /// Delete the new key (and any key of this rotation) and the journal, while the old key is
    /// still there.
    #[arg(long)]
    pub abandon: bool,

    /// The journal (default: key-rotation-SK….json in the state directory, named after the key).
    #[arg(long, value_name = "PATH")]
    pub state_file: Option<PathBuf>,

    /// Check the new key with a GET of this path (and query) instead of the read chosen for its
    /// kind: on the 2010 API's host when it starts with /2010-04-01/, else on Accounts v1's.
    #[arg(long, value_name = "PATH", conflicts_with = "skip_verify")]
    pub verify_url: Option<String>,

    /// Do not check that the new key authenticates (for a restricted key whose policy allows no
    /// read the tool knows, when no --verify-url fits).
    #[arg(long)]
    pub skip_verify: bool,

    #[command(flatten)]
    pub fleet: KeysFleetArgs,
}

/// `keys rotate --subaccounts`: the selected keys of every subaccount.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Every subaccount (--subaccounts)")]
pub struct KeysFleetArgs {
    /// Rotate the keys --friendly-name or --older-than select of every subaccount of the account
    /// whose credentials (Auth Token or Main key) are given, through the 2010 API; nobody is
    /// asked: each old key is deleted --deploy-wait (default 0) after its new key was delivered
    /// and checked. Resumable from the state directory (--state-file DIR, default
    /// key-fleet-<PARENT_SID> there). Exit codes: 0 every selected key rotated; 9 some account
    /// did not (see the report; --resume continues); 2 usage, before anything changed; 3, 5, 6
    /// the listing failed (nothing changed).
    #[arg(long, conflicts_with_all = ["sid", "reveal", "secret_file", "abandon", "verify_url", "skip_verify"])]
    pub subaccounts: bool,

    #[command(flatten)]
    pub select: FleetSelection,

    /// Rotate the keys with exactly this friendly name.
    #[arg(long, value_name = "NAME", requires = "subaccounts")]
    pub friendly_name: Option<String>,

    /// Rotate the keys at least this old (90d; 0s takes every key); a key of unknown age is taken.
    #[arg(long, value_parser = parse_duration, value_name = "DURATION", requires = "subaccounts")]
    pub older_than: Option<Duration>,

    /// Write each new key to DIR/<ACCOUNT_SID>-<OLD_KEY_SID>.env (.json with --secret-format
    /// json), owner-only, atomically, fsynced; an existing file is kept.
    #[arg(long, value_name = "DIR", requires = "subaccounts")]
    pub secret_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum SigningKeysCommand {
    /// List the signing keys (never their secrets).
    List {
        #[command(flatten)]
        list: ListArgs,
        #[command(flatten)]
        at: SigningKeysWhere,
    },
    /// Make a signing key. Its secret is shown once, and goes where --secret-file,
    /// --secret-exec or --reveal say; if it cannot be handed over, the key is deleted again.
    Create {
        #[command(flatten)]
        at: SigningKeysWhere,
        /// Its name (up to 64 characters).
        #[arg(long, value_name = "NAME")]
        friendly_name: Option<String>,
        #[command(flatten)]
        sink: SecretSinkArgs,
    },
    /// Show one signing key.
    Fetch {
        /// Its SID (SK…).
        sid: String,
        #[command(flatten)]
        at: SigningKeysWhere,
    },
    /// Rename a signing key.
    Update {
        /// Its SID (SK…).
        sid: String,
        #[command(flatten)]
        at: SigningKeysWhere,
        /// Its new name (up to 64 characters).
        #[arg(long, value_name = "NAME")]
        friendly_name: String,
    },
    /// Delete a signing key.
    Delete {
        /// Its SID (SK…).
        sid: String,
        #[command(flatten)]
        at: SigningKeysWhere,
    },
}

#[derive(Debug, Subcommand)]
pub enum SafelistCommand {
    /// Add a number (E.164, e.g. +18001234567) or a range of 1,000 (+18001234xxx).
    Add { number: String },
    /// Tell whether a number is in the safe list (exit 4 when it is not).
    Check { number: String },
    /// Remove a number or range from the safe list.
    Remove { number: String },
}

#[derive(Debug, Subcommand)]
pub enum GeoPermissionsCommand {
    /// Show every country's permission, or one country's (e.g. `show GB`).
    Show {
        /// An ISO 3166-1 alpha-2 country code.
        country: Option<String>,
    },
    /// Enable or disable countries: `set US=on GB=off` (answers per country).
    Set {
        /// COUNTRY=on|off, once per country.
        #[arg(required = true, value_name = "COUNTRY=on|off")]
        permissions: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BulkCommand {
    /// Send the items of a JSON file: an array of objects with the spec's field names
    /// (answers per item; exit 1 if any item was refused).
    Bulk {
        /// The JSON file, or `-` for stdin.
        #[arg(long, value_name = "PATH")]
        file: PathBuf,
    },
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::Cli;

    #[test]
    fn secrets_given_as_options_are_redacted_in_debug() {
        let token = "0123456789abcdef0123456789abcdef";
        let secret = "a-secret-of-the-api-key";
        let cli = Cli::try_parse_from([
            "twilio-accounts",
            "--auth-token",
            token,
            "--api-secret",
            secret,
            "verify",
        ])
        .unwrap();
        let shown = format!("{cli:?}");
        assert!(!shown.contains(token) && !shown.contains(secret), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }
}
