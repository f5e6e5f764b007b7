//! The command line, as clap derives it.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::duration::{parse_duration, parse_settle};

/// Manage Twilio Auth Tokens safely: rotate them with no outage, one call at a
/// time or as a crash-safe, resumable rotation; or run a local simulator of
/// Twilio's Accounts API.
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
        value_name = "TOKEN"
    )]
    pub auth_token: Option<String>,

    /// API key SID (SK…); only Main keys may manage Auth Tokens.
    #[arg(long, env = "TWILIO_API_KEY", global = true, value_name = "SID")]
    pub api_key: Option<String>,

    /// API key secret. Prefer the environment.
    #[arg(
        long,
        env = "TWILIO_API_SECRET",
        global = true,
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub api_secret: Option<String>,

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
    Sim(twilio_accounts_sim::SimArgs),
    /// Webhook signatures.
    Webhook {
        #[command(subcommand)]
        action: WebhookCommand,
    },
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
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
    /// {"url": …, "params": {name: value or [values]} or "body": …, "signature": …, "algorithm": "HMAC_SHA1"|"HMAC_SHA256"}.
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
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,

    /// Overwrite --token-file if it exists.
    #[arg(long, requires = "token_file")]
    pub force: bool,

    /// Run this command (with sh -c) with the token on its stdin; success only if it exits 0.
    #[arg(long, value_name = "CMD")]
    pub token_exec: Option<String>,
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

    #[command(flatten)]
    pub email: EmailArgs,

    /// The journal that makes the rotation resumable (default: .twilio-rotation-<ACCOUNT_SID>.json).
    #[arg(long, value_name = "PATH")]
    pub state_file: Option<PathBuf>,

    /// Continue the rotation recorded in the state file.
    #[arg(long, conflicts_with = "abandon")]
    pub resume: bool,

    /// Stop the rotation recorded in the state file before promotion: delete its secondary
    /// token and the state file (refused once a promote may have happened).
    #[arg(long)]
    pub abandon: bool,

    /// Promote without asking (the new token is deployed, or nothing uses the old one).
    #[arg(short, long)]
    pub yes: bool,

    /// Wait after promotion for Twilio's services to catch up: seconds, or 90s, 2m; 0 skips;
    /// at most 15m [default: 60s; 2s with --simulate].
    #[arg(long, value_parser = parse_settle, value_name = "DURATION")]
    pub settle: Option<Duration>,

    /// Delete an existing secondary token first instead of stopping.
    #[arg(long)]
    pub replace_existing_secondary: bool,

    /// Run the whole rotation against a fresh in-process simulator (no account, no network).
    #[arg(long)]
    pub simulate: bool,
}
