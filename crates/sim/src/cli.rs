//! The command line of the `twilio-accounts-sim` binary, kept in the library so that another binary (the
//! project's CLI, as a `sim` subcommand) can offer exactly the same flags.

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use crate::account::ExistingSecondary;
use crate::config::{SimConfig, TlsConfig};
use crate::fault::FaultSpec;
use crate::route;
use crate::rsa_public_key::RsaPublicKey;
use crate::server::Simulator;

/// The simulator's flags. Flatten it into a clap command (`#[command(flatten)] sim: SimArgs`) and hand it to
/// [`run_blocking`].
///
/// ```
/// use clap::Parser;
/// use twilio_accounts_sim::SimArgs;
///
/// #[derive(Parser)]
/// struct Cli {
///     #[command(flatten)]
///     sim: SimArgs,
/// }
///
/// let cli = Cli::parse_from(["sim", "--seed", "7", "--fault", "promote:apply-then-close:1"]);
/// let config = cli.sim.to_config()?; // reads the --public-key files, if any
/// assert_eq!(config.seed, Some(7));
/// assert_eq!(config.faults.len(), 1);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Default, clap::Args)]
pub struct SimArgs {
    /// TCP port on 127.0.0.1 (0 picks a free port; the first stdout line tells which).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub port: u16,

    /// Account SID to accept (AC + 32 hex digits); generated when absent.
    #[arg(long, value_name = "SID")]
    pub account_sid: Option<String>,

    /// Initial primary Auth Token; 32 random hex digits when absent.
    #[arg(long, value_name = "TOKEN")]
    pub auth_token: Option<String>,

    /// Seed for every generated SID and token (reproducible runs).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Serve HTTPS with a certificate generated at start (for localhost and 127.0.0.1).
    #[arg(long)]
    pub tls: bool,

    /// Write the CA certificate that signed the server certificate to this file (PEM).
    #[arg(long, value_name = "PATH", requires = "tls")]
    pub ca_cert_out: Option<PathBuf>,

    /// Print the credentials on stdout (after the `listening on` line) instead of stderr.
    #[arg(long)]
    pub print_credentials: bool,

    /// Refuse to create a secondary token while one exists (409, code 20409) instead of replacing it.
    #[arg(long)]
    pub refuse_existing_secondary: bool,

    /// After each promote, refuse the new primary for this many milliseconds (at most 30000).
    #[arg(long, value_name = "MS")]
    pub auth_lag_ms: Option<u64>,

    /// Faults armed at start, one per `--fault` flag; the syntax is [`FaultSpec`]'s.
    #[arg(
        long = "fault",
        value_name = "ROUTE:KIND[:ARG]:TIMES",
        help = "Arm a fault for TIMES requests (repeatable), e.g. update-auth-token-promotion:rate-limited:2:3 or any:apply-then-close:1",
        long_help = fault_long_help()
    )]
    pub faults: Vec<FaultSpec>,

    /// Give the main account N subaccounts (at most 10000), each with its own SID and token (printed as
    /// `subaccount_sid=…` / `subaccount_auth_token=…` lines after the main credentials).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub subaccounts: usize,

    /// Make the first N subaccounts `suspended`: their credentials get 401 / 20005 (Twilio's answer is
    /// unconfirmed).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub suspended: usize,

    /// Make the N subaccounts after the suspended ones `closed`: their credentials get 401 / 20003.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub closed: usize,

    /// Answer 429 / 20429, without processing it, a request of an account that already has K in flight.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_concurrent: Option<u32>,

    /// Give the main account a Main API key at start (printed as `api_key_sid=SK…` and `api_key_secret=…`
    /// lines with the other credentials). Main keys may do everything the Auth Token may.
    #[arg(long)]
    pub main_api_key: bool,

    /// At most N API keys per account (Main included), and at most N signing keys; a create past it
    /// answers 400 / 70151 "Maximum number of API keys exceeded".
    #[arg(long, value_name = "N")]
    pub max_keys: Option<usize>,

    /// Give each subaccount N Standard API keys at start, named `Key 1`, `Key 2`, … (at most 100; their
    /// secrets are not printed): a fleet of keys to rotate, e.g. for `keys rotate --subaccounts`.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub keys_per_subaccount: usize,

    /// Make the 2010 create of Keys answer 401 / 20003 "Policy evaluation failed" (reported for some
    /// accounts, unconfirmed); the IAM v1 create keeps working.
    #[arg(long)]
    pub refuse_2010_key_create: bool,

    /// Register this RSA public key (PEM `-----BEGIN PUBLIC KEY-----`, RSA 2048, exponent 65537) at start as
    /// a public key credential of the main account (repeatable; printed as `public_key_sid=CR…` lines with
    /// the other credentials). A file that is not such a key stops the simulator from starting.
    #[arg(long = "public-key", value_name = "PATH")]
    pub public_keys: Vec<PathBuf>,

    /// Accept one registered public key per account at a time (whether Twilio accepts several is
    /// unconfirmed): registering another while one is registered answers 400 / 20001.
    #[arg(long)]
    pub single_public_key: bool,

    /// Require Public Key Client Validation of the main account: every request that authenticates as it
    /// needs a valid Twilio-Client-Validation JWT signed with a registered public key's private key, and
    /// the Auth Token is refused. Needs --main-api-key and at least one --public-key.
    #[arg(long)]
    pub require_pkcv: bool,

    /// With --require-pkcv, require it of every subaccount too (whether Twilio's enforcement reaches
    /// subaccounts is unconfirmed): their Auth Token requests get 401 / 70052.
    #[arg(long, requires = "require_pkcv")]
    pub pkcv_subaccounts: bool,
}

/// The `--fault` long help; its route names come from the route table.
fn fault_long_help() -> String {
    format!(
        "Arm a fault for the next TIMES requests of ROUTE; repeat the flag for several faults.\n\
         ROUTE (older short names in parentheses): {}.\n\
         KIND[:ARG]: rate-limited[:SECS], server-error[:STATUS], delay:MS, close-before-request, \
         apply-then-close, truncated-body, oversized-body[:BYTES], non-json-200, slow-drip:CHUNK,MS, \
         redirect:LOCATION, auth-lag:MS.\n\
         Example: update-auth-token-promotion:rate-limited:2:3 answers the next three promotes with 429 and \
         Retry-After: 2.",
        route::fault_route_names()
    )
}

impl fmt::Debug for SimArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimArgs")
            .field("port", &self.port)
            .field("account_sid", &self.account_sid)
            .field(
                "auth_token",
                &self.auth_token.as_ref().map(|_| "[redacted]"),
            )
            .field("seed", &self.seed)
            .field("tls", &self.tls)
            .field("ca_cert_out", &self.ca_cert_out)
            .field("print_credentials", &self.print_credentials)
            .field("refuse_existing_secondary", &self.refuse_existing_secondary)
            .field("auth_lag_ms", &self.auth_lag_ms)
            .field("faults", &self.faults)
            .field("subaccounts", &self.subaccounts)
            .field("suspended", &self.suspended)
            .field("closed", &self.closed)
            .field("max_concurrent", &self.max_concurrent)
            .field("main_api_key", &self.main_api_key)
            .field("max_keys", &self.max_keys)
            .field("keys_per_subaccount", &self.keys_per_subaccount)
            .field("refuse_2010_key_create", &self.refuse_2010_key_create)
            .field("public_keys", &self.public_keys)
            .field("single_public_key", &self.single_public_key)
            .field("require_pkcv", &self.require_pkcv)
            .field("pkcv_subaccounts", &self.pkcv_subaccounts)
            .finish()
    }
}

impl SimArgs {
    /// The [`SimConfig`] these flags describe. Reads the `--public-key` files: fails when one cannot be read
    /// or is not an RSA 2048 / 65537 public key PEM, the error naming the file.
    pub fn to_config(&self) -> io::Result<SimConfig> {
        let public_keys = self
            .public_keys
            .iter()
            .map(|path| read_public_key(path))
            .collect::<io::Result<Vec<_>>>()?;
        Ok(SimConfig {
            port: self.port,
            account_sid: self.account_sid.clone(),
            auth_token: self.auth_token.clone(),
            seed: self.seed,
            tls: self.tls.then(|| TlsConfig {
                ca_cert_path: self.ca_cert_out.clone(),
            }),
            existing_secondary: if self.refuse_existing_secondary {
                ExistingSecondary::Refuse
            } else {
                ExistingSecondary::Replace
            },
            auth_lag: self.auth_lag_ms.map(Duration::from_millis),
            faults: self.faults.clone(),
            subaccounts: self.subaccounts,
            suspended: self.suspended,
            closed: self.closed,
            max_concurrent: self.max_concurrent,
            main_api_key: self.main_api_key,
            max_keys: self.max_keys,
            keys_per_subaccount: self.keys_per_subaccount,
            refuse_2010_key_create: self.refuse_2010_key_create,
            public_keys,
            single_public_key: self.single_public_key,
            require_pkcv: self.require_pkcv,
            pkcv_subaccounts: self.pkcv_subaccounts,
        })
    }
}

/// The PEM text of a `--public-key` file, checked to be a key PKCV takes.
fn read_public_key(path: &Path) -> io::Result<String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot read --public-key {}: {e}", path.display()),
        )
    })?;
    RsaPublicKey::from_pem(&text).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("--public-key {}: {e}", path.display()),
        )
    })?;
    Ok(text)
}

/// Runs the simulator until Ctrl-C or SIGTERM, printing `listening on URL` as the first stdout line (flushed)
/// and then the credentials (`account_sid=…`, `auth_token=…`, with `--main-api-key` also `api_key_sid=…`,
/// `api_key_secret=…`, one `public_key_sid=CR…` per `--public-key`) on stderr, or on stdout with
/// `--print-credentials`. Returns success after a clean shutdown, failure (1) when the simulator cannot
/// start (port taken, invalid SID, unwritable CA path…).
pub fn run_blocking(args: SimArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    runtime.block_on(run(args))
}

async fn run(args: SimArgs) -> ExitCode {
    // Listen for the signals before announcing the port, so that a script that reads the first line and
    // sends SIGTERM at once gets a clean shutdown.
    let signals = match ShutdownSignals::install() {
        Ok(signals) => signals,
        Err(e) => return fail(&format!("cannot install signal handlers: {e}")),
    };
    let config = match args.to_config() {
        Ok(config) => config,
        Err(e) => return fail(&format!("cannot start the simulator: {e}")),
    };
    let sim = match Simulator::start(config).await {
        Ok(sim) => sim,
        Err(e) => return fail(&format!("cannot start the simulator: {e}")),
    };
    if let Err(e) = announce(&sim, args.print_credentials) {
        return fail(&format!("cannot write to stdout: {e}"));
    }
    let result = signals.wait().await;
    sim.shutdown_async().await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&format!("waiting for a signal failed: {e}")),
    }
}

fn announce(sim: &Simulator, credentials_on_stdout: bool) -> io::Result<()> {
    let mut credentials = format!(
        "account_sid={}\nauth_token={}\n",
        sim.account_sid(),
        sim.primary_token()
    );
    if let Some((sid, secret)) = sim.main_api_key() {
        credentials.push_str(&format!("api_key_sid={sid}\napi_key_secret={secret}\n"));
    }
    for sid in sim.public_key_sids() {
        credentials.push_str(&format!("public_key_sid={sid}\n"));
    }
    for sid in sim.subaccount_sids() {
        let token = sim.primary_token_of(&sid).unwrap_or_default();
        credentials.push_str(&format!(
            "subaccount_sid={sid}\nsubaccount_auth_token={token}\n"
        ));
    }
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "listening on {}", sim.base_url())?;
    if credentials_on_stdout {
        stdout.write_all(credentials.as_bytes())?;
    }
    stdout.flush()?;
    drop(stdout);
    if !credentials_on_stdout {
        let mut stderr = io::stderr().lock();
        // Losing the credentials on a closed stderr is not worth stopping the simulator for.
        let _ = stderr
            .write_all(credentials.as_bytes())
            .and_then(|()| stderr.flush());
    }
    Ok(())
}

fn fail(message: &str) -> ExitCode {
    let _ = writeln!(io::stderr().lock(), "twilio-accounts-sim: {message}");
    ExitCode::FAILURE
}

/// Ctrl-C, and SIGTERM on Unix. Both handlers are installed up front (not on first poll), so a signal that
/// arrives right after start-up is not fatal.
struct ShutdownSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl ShutdownSignals {
    #[cfg(unix)]
    fn install() -> io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(ShutdownSignals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    #[cfg(not(unix))]
    fn install() -> io::Result<Self> {
        Ok(ShutdownSignals {})
    }

    #[cfg(unix)]
    async fn wait(mut self) -> io::Result<()> {
        tokio::select! {
            _ = self.interrupt.recv() => Ok(()),
            _ = self.terminate.recv() => Ok(()),
        }
    }

    #[cfg(not(unix))]
    async fn wait(self) -> io::Result<()> {
        tokio::signal::ctrl_c().await
    }
}
