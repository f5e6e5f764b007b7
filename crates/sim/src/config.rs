//! How a simulator is set up before it starts: port, credentials, TLS, policies and initial faults.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::account::ExistingSecondary;
use crate::fault::FaultSpec;

/// Everything [`Simulator::start`](crate::Simulator::start) needs. `SimConfig::default()` is a plain-HTTP
/// simulator on a free port of 127.0.0.1 with freshly generated credentials.
///
/// The simulator always binds the loopback address 127.0.0.1: it is a test double, never a service.
///
/// ```
/// use std::time::Duration;
/// use twilio_accounts_sim::{ExistingSecondary, SimConfig};
///
/// let config = SimConfig {
///     seed: Some(42),                                 // reproducible tokens
///     existing_secondary: ExistingSecondary::Refuse,  // second create gets 409
///     auth_lag: Some(Duration::from_millis(200)),     // new primary refused for 200 ms
///     ..SimConfig::default()
/// };
/// assert_eq!(config.port, 0);
/// ```
#[derive(Clone, Default)]
pub struct SimConfig {
    /// TCP port on 127.0.0.1; 0 (the default) lets the OS pick a free one, see
    /// [`Simulator::local_addr`](crate::Simulator::local_addr).
    pub port: u16,
    /// The account SID (`AC` + 32 hex digits). `None` generates one (from `seed` when given).
    pub account_sid: Option<String>,
    /// The initial primary Auth Token (1 to 256 visible ASCII characters). `None` generates 32 hex digits.
    pub auth_token: Option<String>,
    /// Makes every generated SID and token reproducible: the same seed and the same sequence of calls give
    /// the same values.
    pub seed: Option<u64>,
    /// Serve HTTPS with a certificate generated at start, instead of plain HTTP.
    pub tls: Option<TlsConfig>,
    /// What `POST /v1/AuthTokens/Secondary` does when a secondary exists (Twilio's behaviour is unconfirmed).
    pub existing_secondary: ExistingSecondary,
    /// After every promotion, the new primary is refused (401) for this long, as if the new token took time
    /// to propagate. Capped at [`MAX_FAULT_DURATION`](crate::MAX_FAULT_DURATION). `Fault::AuthLag` does the
    /// same for chosen promotions only.
    pub auth_lag: Option<Duration>,
    /// Faults armed before the first request is accepted (what the binary's `--fault` flags fill in).
    pub faults: Vec<FaultSpec>,
    /// How many subaccounts the main account has (at most [`MAX_SUBACCOUNTS`]), each with its own SID,
    /// primary token and Accounts v1 state; their SIDs and tokens come from `seed` when given. 0 (the
    /// default) is a single account.
    pub subaccounts: usize,
    /// How many of the subaccounts are `suspended` (the first ones).
    pub suspended: usize,
    /// How many of the subaccounts are `closed` (those after the suspended ones).
    pub closed: usize,
    /// Most requests of one account in flight at once; more get 429 / 20429 without being processed, as
    /// Twilio's concurrency limit answers. `None` (the default) has no limit.
    pub max_concurrent: Option<u32>,
    /// Give the main account a Main API key at start (Main keys cannot be created through the API);
    /// [`Simulator::main_api_key`](crate::Simulator::main_api_key) returns its SID and secret.
    pub main_api_key: bool,
    /// Most API keys one account holds (Main included; the 2010 `Keys` and IAM v1 `Keys` are one set), and
    /// separately most signing keys; a create past it answers 400 / 70151 "Maximum number of API keys
    /// exceeded". `None` (the default): no limit but the simulator's memory bound of 10,000 per set.
    pub max_keys: Option<usize>,
    /// API keys each subaccount has at start (Standard, named `Key 1`, `Key 2`, …; their secrets are not
    /// told): a fleet of keys to rotate without a create per key first. At most [`MAX_KEYS_PER_SUBACCOUNT`],
    /// and within `max_keys`. 0 (the default): none.
    pub keys_per_subaccount: usize,
    /// Make the 2010 create of `Keys` answer 401 / 20003 "Policy evaluation failed", as reported for some
    /// accounts (twilio-cli PR #704, unconfirmed), while the IAM v1 create works.
    pub refuse_2010_key_create: bool,
    /// RSA public keys registered at start as the main account's `CredentialPublicKey` resources, each the
    /// PEM text of an X.509 SubjectPublicKeyInfo (`-----BEGIN PUBLIC KEY-----`) of an RSA 2048 key with
    /// exponent 65537; anything else makes [`Simulator::start`](crate::Simulator::start) fail.
    /// [`Simulator::public_key_sids`](crate::Simulator::public_key_sids) returns their `CR` SIDs, in order.
    pub public_keys: Vec<String>,
    /// Accept one registered public key per account at a time: registering another while one is
    /// registered answers 400 / 20001 "This account accepts one public key at a time". Whether Twilio
    /// accepts several at once is unconfirmed (by default the simulator does); this is the other answer,
    /// so that a key-pair rotation can be tested against both. The error is the simulator's guess.
    pub single_public_key: bool,
    /// Public Key Client Validation for the main account: every request that authenticates as it must
    /// carry a valid `Twilio-Client-Validation` JWT signed with one of its registered public keys, and the
    /// Auth Token no longer works. Needs [`main_api_key`](Self::main_api_key) and at least one of
    /// [`public_keys`](Self::public_keys) (else nothing could ever be accepted). Subaccounts do not
    /// require it unless [`pkcv_subaccounts`](Self::pkcv_subaccounts). Without it, a request that carries the header gets 401 / 70053.
    pub require_pkcv: bool,
    /// With [`require_pkcv`](Self::require_pkcv), require it of every subaccount too: whether Twilio's
    /// enforcement on a parent reaches its subaccounts is unconfirmed (by default the simulator's does
    /// not), and this is the other answer. A subaccount has no public key registered at start, so its Auth
    /// Token requests get 401 / 70052.
    pub pkcv_subaccounts: bool,
}

/// Most API keys [`SimConfig::keys_per_subaccount`] gives each subaccount.
pub const MAX_KEYS_PER_SUBACCOUNT: usize = 100;

/// Most subaccounts a simulator creates (Twilio's default limit is 1,000 per main account).
pub const MAX_SUBACCOUNTS: usize = 10_000;

impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field("port", &self.port)
            .field("account_sid", &self.account_sid)
            .field(
                "auth_token",
                &self.auth_token.as_ref().map(|_| "[redacted]"),
            )
            .field("seed", &self.seed)
            .field("tls", &self.tls)
            .field("existing_secondary", &self.existing_secondary)
            .field("auth_lag", &self.auth_lag)
            .field("faults", &self.faults)
            .field("subaccounts", &self.subaccounts)
            .field("suspended", &self.suspended)
            .field("closed", &self.closed)
            .field("max_concurrent", &self.max_concurrent)
            .field("main_api_key", &self.main_api_key)
            .field("max_keys", &self.max_keys)
            .field("keys_per_subaccount", &self.keys_per_subaccount)
            .field("refuse_2010_key_create", &self.refuse_2010_key_create)
            .field("public_keys", &self.public_keys.len())
            .field("single_public_key", &self.single_public_key)
            .field("require_pkcv", &self.require_pkcv)
            .field("pkcv_subaccounts", &self.pkcv_subaccounts)
            .finish()
    }
}

/// HTTPS settings. The simulator generates a throw-away CA and a certificate for `localhost` and `127.0.0.1`
/// signed by it; clients trust the CA (its PEM is written to `ca_cert_path` and returned by
/// [`Simulator::ca_cert_pem`](crate::Simulator::ca_cert_pem)).
#[derive(Debug, Clone, Default)]
pub struct TlsConfig {
    /// Where to write the CA certificate as PEM, so that other processes (curl, a Twilio helper library) can
    /// trust it. `None` writes nothing.
    pub ca_cert_path: Option<PathBuf>,
}
