//! The settings every ready-made client shares, and how a client is set up
//! from them: one place, so that every transport behaves the same.
//!
//! [`ClientOptions`] holds what a client is built with: where to send
//! (endpoint), how long to wait (connect 10 s, whole request 30 s), how much
//! to read (1 MiB), when to retry ([`RetryPolicy`]), who is calling
//! ([`UserAgent`]), whether plain HTTP may leave the machine ([`PlainHttp`]),
//! which proxy to use ([`ProxyMode`]) and which extra root certificates to
//! trust. [`CallOptions`] overrides the timeout and the retry policy for one
//! call.
//!
//! [`ClientSetup`] resolves options (and, for `from_env`, the `TWILIO_*`
//! variables) into what an adapter needs: a [`RequestContext`], the checked
//! options and the proxy to use. The environment comes in as a lookup
//! function: the core reads none itself.
//!
//! ```
//! use std::collections::HashMap;
//! use std::time::Duration;
//! use twilio_accounts_client::{CallOptions, ClientOptions, ClientSetup, RetryPolicy};
//!
//! let env = HashMap::from([
//!     ("TWILIO_ACCOUNT_SID", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
//!     ("TWILIO_AUTH_TOKEN", "0123456789abcdef0123456789abcdef"),
//!     ("TWILIO_REGION", "au1"),
//!     ("TWILIO_EDGE", "sydney"),
//! ]);
//! let options = ClientOptions::new()
//!     .with_request_timeout(Duration::from_secs(5))
//!     .with_retry_policy(RetryPolicy::never());
//! let setup = ClientSetup::from_env(options, |name| env.get(name).map(|v| v.to_string()))?;
//! assert_eq!(setup.context.endpoint().base_url(), "https://accounts.sydney.au1.twilio.com");
//! assert!(setup.proxy.is_none());
//!
//! // One call may wait longer than the client's default.
//! let slow = CallOptions::new().with_request_timeout(Duration::from_secs(60));
//! assert_eq!(setup.options.request_timeout_for(&slow), Duration::from_secs(60));
//! assert_eq!(setup.options.request_timeout_for(&CallOptions::new()), Duration::from_secs(5));
//! # Ok::<(), twilio_accounts_client::ConfigError>(())
//! ```

use std::sync::Arc;
use std::time::Duration;

use twilio_accounts_core::RequestContext;
use twilio_accounts_core::endpoint::{ENV_EDGE, ENV_REGION, Endpoint, EndpointError, PlainHttp};
use twilio_accounts_core::{Credentials, CredentialsError, CredentialsInput};

use crate::pkcv::{Issuer, PkcvError, PkcvSigner};
use crate::proxy::{ProxyConfig, ProxyError, ProxyUrl};
use twilio_accounts_core::RetryPolicy;
use twilio_accounts_core::UserAgent;

/// How long establishing a connection (TCP and TLS) may take by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one attempt (connect, send, answer, body) may take by default.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest response body read by default (1 MiB). Accounts v1 answers
/// are a few hundred bytes; a larger body is a proxy page or an attack.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// The environment variable for a base URL other than Twilio's (a
/// simulator, a gateway). Plain `http` is accepted for loopback only, unless
/// [`PlainHttp::Allow`] is set in the options.
pub const ENV_BASE_URL: &str = "TWILIO_ACCOUNTS_BASE_URL";

/// Whether and how requests go through an HTTP proxy.
///
/// The default is [`ProxyMode::Direct`]: a client never picks up
/// `HTTPS_PROXY` by surprise (credentials would cross a machine nobody
/// chose). [`ProxyMode::FromEnv`] honours `HTTPS_PROXY`, `http_proxy` (never `HTTP_PROXY`),
/// `ALL_PROXY` and `NO_PROXY` as [`crate::proxy`] describes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyMode {
    /// Connect directly.
    #[default]
    Direct,
    /// Use the proxy variables of the environment, read when the client is
    /// built.
    FromEnv,
    /// Use these proxies.
    Fixed(ProxyConfig),
}

impl ProxyMode {
    /// The proxy for `endpoint`, reading the environment through `lookup`
    /// for [`ProxyMode::FromEnv`].
    pub fn resolve(
        &self,
        endpoint: &Endpoint,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<ProxyUrl>, ProxyError> {
        match self {
            ProxyMode::Direct => Ok(None),
            ProxyMode::FromEnv => Ok(ProxyConfig::from_env(lookup)?
                .for_endpoint(endpoint)
                .cloned()),
            ProxyMode::Fixed(config) => Ok(config.for_endpoint(endpoint).cloned()),
        }
    }
}

/// Where requests go, as the options say it (resolved by [`ClientSetup`]).
#[derive(Debug, Clone, PartialEq, Eq)]
enum EndpointChoice {
    Endpoint(Endpoint),
    BaseUrl(String),
}

/// What a client is built with. Cheap to clone; every setter returns the
/// changed options.
///
/// ```
/// use std::time::Duration;
/// use twilio_accounts_client::{ClientOptions, PlainHttp, ProxyMode};
///
/// let options = ClientOptions::new()
///     .with_base_url("http://127.0.0.1:8080")
///     .with_connect_timeout(Duration::from_secs(2))
///     .with_max_response_bytes(64 * 1024)
///     .with_proxy(ProxyMode::FromEnv);
/// assert_eq!(options.connect_timeout(), Duration::from_secs(2));
/// assert_eq!(options.plain_http(), PlainHttp::LoopbackOnly);
/// ```
#[derive(Debug, Clone)]
pub struct ClientOptions {
    endpoint: Option<EndpointChoice>,
    plain_http: PlainHttp,
    connect_timeout: Duration,
    request_timeout: Duration,
    max_response_bytes: usize,
    retry_policy: RetryPolicy,
    user_agent: UserAgent,
    proxy: ProxyMode,
    root_certificates_pem: Vec<Vec<u8>>,
    pkcv: Option<Arc<PkcvSigner>>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            endpoint: None,
            plain_http: PlainHttp::LoopbackOnly,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            retry_policy: RetryPolicy::default(),
            user_agent: UserAgent::default(),
            proxy: ProxyMode::Direct,
            root_certificates_pem: Vec::new(),
            pkcv: None,
        }
    }
}

impl ClientOptions {
    /// The defaults: Twilio's default host, connect 10 s, request 30 s,
    /// 1 MiB bodies, the default retry policy, no proxy, plain HTTP only to
    /// loopback.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends to this endpoint (beats the environment).
    pub fn with_endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoint = Some(EndpointChoice::Endpoint(endpoint));
        self
    }

    /// Sends to this base URL, such as `http://127.0.0.1:8080` (beats the
    /// environment). Checked when the client is built, against
    /// [`ClientOptions::with_plain_http`].
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(EndpointChoice::BaseUrl(url.into()));
        self
    }

    /// Whether a base URL may use plain `http` to a host that is not
    /// loopback (applies to [`ClientOptions::with_base_url`] and to
    /// `TWILIO_ACCOUNTS_BASE_URL`).
    pub fn with_plain_http(mut self, plain_http: PlainHttp) -> Self {
        self.plain_http = plain_http;
        self
    }

    /// How long establishing a connection (TCP and TLS) may take.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one attempt may take, from connecting to the last byte of
    /// the body. Retries are bounded separately by the retry policy.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// The largest response body read; a larger one fails the attempt with
    /// [`TransportErrorKind::BodyTooLarge`](twilio_accounts_core::TransportErrorKind::BodyTooLarge) after at most this many bytes
    /// plus one were buffered.
    pub fn with_max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// When to retry.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// The `User-Agent` header.
    pub fn with_user_agent(mut self, user_agent: UserAgent) -> Self {
        self.user_agent = user_agent;
        self
    }

    /// Whether and which proxy to use.
    pub fn with_proxy(mut self, proxy: ProxyMode) -> Self {
        self.proxy = proxy;
        self
    }

    /// Trusts this root certificate (PEM, one or more `CERTIFICATE` blocks)
    /// in addition to the default roots: for a private CA, or a simulator's
    /// test certificate. Parsed when the client is built.
    pub fn with_root_certificate_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.root_certificates_pem.push(pem.as_ref().to_vec());
        self
    }

    /// Signs every request for Public Key Client Validation with `signer`
    /// (see [`crate::pkcv`]): a `Twilio-Client-Validation` header on each
    /// attempt and each page, made from the request as sent. The client
    /// then needs API key credentials, checked when it is built.
    pub fn with_pkcv(mut self, signer: PkcvSigner) -> Self {
        self.pkcv = Some(Arc::new(signer));
        self
    }

    /// The same options without a PKCV signer: for the requests of a
    /// client that must not be signed, such as a subaccount's own calls
    /// with its Auth Token while its parent's are signed (a signature names
    /// an API key, and an account that does not enforce PKCV refuses a
    /// signed request with 70053).
    ///
    /// ```
    /// use twilio_accounts_client::ClientOptions;
    ///
    /// let unsigned = ClientOptions::new().without_pkcv();
    /// assert!(unsigned.pkcv().is_none());
    /// ```
    pub fn without_pkcv(mut self) -> Self {
        self.pkcv = None;
        self
    }

    /// The PKCV signer, when requests are signed.
    pub fn pkcv(&self) -> Option<&PkcvSigner> {
        self.pkcv.as_deref()
    }

    /// The plain-HTTP rule.
    pub fn plain_http(&self) -> PlainHttp {
        self.plain_http
    }

    /// The connect timeout.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The per-attempt timeout.
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// The response body cap.
    pub fn max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry_policy
    }

    /// The user agent.
    pub fn user_agent(&self) -> &UserAgent {
        &self.user_agent
    }

    /// The proxy mode.
    pub fn proxy(&self) -> &ProxyMode {
        &self.proxy
    }

    /// The extra root certificates, as given (PEM).
    pub fn root_certificates_pem(&self) -> &[Vec<u8>] {
        &self.root_certificates_pem
    }

    /// The per-attempt timeout for a call with `call`'s overrides.
    pub fn request_timeout_for(&self, call: &CallOptions) -> Duration {
        call.request_timeout.unwrap_or(self.request_timeout)
    }

    /// The retry policy for a call with `call`'s overrides.
    pub fn retry_policy_for<'a>(&'a self, call: &'a CallOptions) -> &'a RetryPolicy {
        call.retry_policy.as_ref().unwrap_or(&self.retry_policy)
    }

    /// Checks the numbers: timeouts and the body cap must be positive.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.connect_timeout.is_zero() {
            return Err(ConfigError::InvalidOption {
                name: "connect_timeout",
                reason: "must be longer than zero",
            });
        }
        if self.request_timeout.is_zero() {
            return Err(ConfigError::InvalidOption {
                name: "request_timeout",
                reason: "must be longer than zero",
            });
        }
        if self.max_response_bytes == 0 {
            return Err(ConfigError::InvalidOption {
                name: "max_response_bytes",
                reason: "must be at least one byte",
            });
        }
        Ok(())
    }

    /// The endpoint: the one in the options, else `TWILIO_ACCOUNTS_BASE_URL`,
    /// else `TWILIO_REGION` / `TWILIO_EDGE`, else Twilio's default host.
    ///
    /// Setting both a base URL and a region or edge in the environment is an
    /// error: which one was meant cannot be told, and credentials are valid
    /// in one region only.
    pub fn resolve_endpoint(
        &self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Endpoint, ConfigError> {
        match &self.endpoint {
            Some(EndpointChoice::Endpoint(endpoint)) => return Ok(endpoint.clone()),
            Some(EndpointChoice::BaseUrl(url)) => {
                return Endpoint::custom(url, self.plain_http).map_err(|source| {
                    ConfigError::Endpoint {
                        setting: "base_url",
                        source,
                    }
                });
            }
            None => {}
        }
        let env = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let base_url = env(ENV_BASE_URL);
        let region = env(ENV_REGION);
        let edge = env(ENV_EDGE);
        match base_url {
            Some(_) if region.is_some() || edge.is_some() => Err(ConfigError::ConflictingEndpoint),
            Some(url) => {
                Endpoint::custom(&url, self.plain_http).map_err(|source| ConfigError::Endpoint {
                    setting: ENV_BASE_URL,
                    source,
                })
            }
            None => Endpoint::for_location(region.as_deref(), edge.as_deref()).map_err(|source| {
                ConfigError::Endpoint {
                    setting: "TWILIO_REGION / TWILIO_EDGE",
                    source,
                }
            }),
        }
    }
}

/// Overrides for one call.
///
/// ```
/// use std::time::Duration;
/// use twilio_accounts_client::{CallOptions, RetryPolicy};
///
/// let quick = CallOptions::new()
///     .with_request_timeout(Duration::from_millis(500))
///     .with_retry_policy(RetryPolicy::never());
/// assert_eq!(quick.request_timeout(), Some(Duration::from_millis(500)));
/// ```
#[derive(Debug, Clone, Default)]
pub struct CallOptions {
    request_timeout: Option<Duration>,
    retry_policy: Option<RetryPolicy>,
}

impl CallOptions {
    /// No overrides: the client's settings apply.
    pub fn new() -> Self {
        Self::default()
    }

    /// The per-attempt timeout for this call. A zero duration is raised to
    /// one millisecond.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout.max(Duration::from_millis(1)));
        self
    }

    /// The retry policy for this call.
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = Some(policy);
        self
    }

    /// The timeout override.
    pub fn request_timeout(&self) -> Option<Duration> {
        self.request_timeout
    }

    /// The retry policy override.
    pub fn retry_policy(&self) -> Option<&RetryPolicy> {
        self.retry_policy.as_ref()
    }
}

/// Why a client could not be built. Names the setting to fix; never
/// contains a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The credentials are missing or malformed.
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    /// The endpoint was refused.
    #[error("{setting}: {source}")]
    Endpoint {
        /// Where it came from: `base_url`, `TWILIO_ACCOUNTS_BASE_URL`, or
        /// `TWILIO_REGION / TWILIO_EDGE`.
        setting: &'static str,
        /// What was wrong.
        source: EndpointError,
    },
    /// Both `TWILIO_ACCOUNTS_BASE_URL` and a region or edge are set.
    #[error(
        "TWILIO_ACCOUNTS_BASE_URL and TWILIO_REGION / TWILIO_EDGE are both set: unset one of them (credentials are valid in one region only)"
    )]
    ConflictingEndpoint,
    /// A proxy setting was refused.
    #[error(transparent)]
    Proxy(#[from] ProxyError),
    /// A number in the options is out of range.
    #[error("{name} {reason}")]
    InvalidOption {
        /// The option, e.g. `request_timeout`.
        name: &'static str,
        /// What is allowed.
        reason: &'static str,
    },
    /// An extra root certificate could not be used.
    #[error("root certificate #{index}: {reason}")]
    RootCertificate {
        /// Its position among the certificates given (0-based).
        index: usize,
        /// What was wrong.
        reason: String,
    },
    /// The TLS configuration could not be built (for example, no root
    /// certificates at all).
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// Public Key Client Validation cannot work as configured (Auth Token
    /// credentials: it needs an API key).
    #[error(transparent)]
    Pkcv(#[from] PkcvError),
}

/// Everything an adapter needs to build its client, checked.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientSetup {
    /// Credentials, endpoint and user agent.
    pub context: RequestContext,
    /// The checked options.
    pub options: ClientOptions,
    /// The proxy for the endpoint, when one applies.
    pub proxy: Option<ProxyUrl>,
}

impl ClientSetup {
    /// Sets up a client for `credentials`. The endpoint comes from the
    /// options alone (the `TWILIO_*` variables are not read);
    /// `proxy_lookup` is consulted only for [`ProxyMode::FromEnv`].
    pub fn new(
        credentials: Credentials,
        options: ClientOptions,
        proxy_lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        options.validate()?;
        let endpoint = options.resolve_endpoint(|_| None)?;
        Self::assemble(credentials, endpoint, options, proxy_lookup)
    }

    /// Sets up a client from the `TWILIO_*` variables read through `lookup`:
    /// credentials as [`Credentials::from_env`] reads them, the endpoint as
    /// [`ClientOptions::resolve_endpoint`] says, and the proxy variables when
    /// the options ask for them.
    pub fn from_env(
        options: ClientOptions,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        options.validate()?;
        let credentials = Credentials::from_env(CredentialsInput::default(), &lookup)?;
        let endpoint = options.resolve_endpoint(&lookup)?;
        Self::assemble(credentials, endpoint, options, lookup)
    }

    fn assemble(
        credentials: Credentials,
        endpoint: Endpoint,
        options: ClientOptions,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        if options.pkcv.is_some() {
            Issuer::from_credentials(&credentials)?;
        }
        let proxy = options.proxy.resolve(&endpoint, lookup)?;
        let context =
            RequestContext::new(credentials, endpoint).with_user_agent(options.user_agent.clone());
        Ok(ClientSetup {
            context,
            options,
            proxy,
        })
    }
}

/// Every certificate of every PEM root given in the options, read by
/// `rustls-pki-types` (blocks other than `CERTIFICATE` are skipped). A root
/// with a malformed block, or with no certificate at all, is refused by its
/// position; the error never repeats the file's content.
pub fn pem_roots(
    pems: &[Vec<u8>],
) -> Result<Vec<rustls_pki_types::CertificateDer<'static>>, ConfigError> {
    use rustls_pki_types::pem::PemObject;
    let mut roots = Vec::new();
    for (index, pem) in pems.iter().enumerate() {
        let refuse = |reason: String| ConfigError::RootCertificate { index, reason };
        let before = roots.len();
        for certificate in rustls_pki_types::CertificateDer::pem_slice_iter(pem) {
            roots.push(certificate.map_err(|e| refuse(format!("not valid PEM: {e}")))?);
        }
        if roots.len() == before {
            return Err(refuse("no CERTIFICATE block found".to_owned()));
        }
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const TOKEN: &str = "5ec7e75ec7e75ec7e75ec7e75ec7e7aa";

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        move |name| map.get(name).map(|value| value.to_string())
    }

    fn credentials() -> Credentials {
        Credentials::auth_token(SID.parse().unwrap(), TOKEN.parse().unwrap())
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let o = ClientOptions::default();
        assert_eq!(o.connect_timeout(), Duration::from_secs(10));
        assert_eq!(o.request_timeout(), Duration::from_secs(30));
        assert_eq!(o.max_response_bytes(), 1024 * 1024);
        assert_eq!(o.proxy(), &ProxyMode::Direct);
        assert_eq!(o.plain_http(), PlainHttp::LoopbackOnly);
        assert!(o.root_certificates_pem().is_empty());
        assert_eq!(o.resolve_endpoint(|_| None).unwrap(), Endpoint::default());
    }

    #[test]
    fn call_options_override_the_client_for_one_call() {
        let o = ClientOptions::new().with_request_timeout(Duration::from_secs(3));
        let call = CallOptions::new()
            .with_request_timeout(Duration::ZERO)
            .with_retry_policy(RetryPolicy::never());
        assert_eq!(o.request_timeout_for(&call), Duration::from_millis(1));
        assert_eq!(o.retry_policy_for(&call).max_attempts, 1);
        assert_eq!(
            o.retry_policy_for(&CallOptions::new()).max_attempts,
            RetryPolicy::default().max_attempts
        );
    }

    #[test]
    fn zero_timeouts_and_caps_are_refused() {
        for (options, name) in [
            (
                ClientOptions::new().with_connect_timeout(Duration::ZERO),
                "connect_timeout",
            ),
            (
                ClientOptions::new().with_request_timeout(Duration::ZERO),
                "request_timeout",
            ),
            (
                ClientOptions::new().with_max_response_bytes(0),
                "max_response_bytes",
            ),
        ] {
            assert!(
                matches!(options.validate(), Err(ConfigError::InvalidOption { name: n, .. }) if n == name)
            );
        }
    }

    #[test]
    fn the_endpoint_in_the_options_beats_the_environment() {
        let o = ClientOptions::new().with_base_url("http://127.0.0.1:9");
        let e = o
            .resolve_endpoint(env(&[(ENV_BASE_URL, "https://other.example")]))
            .unwrap();
        assert_eq!(e.base_url(), "http://127.0.0.1:9");
    }

    #[test]
    fn the_base_url_variable_beats_the_default_and_obeys_plain_http() {
        let lookup = env(&[(ENV_BASE_URL, "http://gateway.internal:8080/twilio")]);
        assert!(matches!(
            ClientOptions::new().resolve_endpoint(&lookup),
            Err(ConfigError::Endpoint {
                setting: ENV_BASE_URL,
                source: EndpointError::PlainHttpNotAllowed { .. }
            })
        ));
        let e = ClientOptions::new()
            .with_plain_http(PlainHttp::Allow)
            .resolve_endpoint(&lookup)
            .unwrap();
        assert_eq!(e.base_url(), "http://gateway.internal:8080/twilio");
    }

    #[test]
    fn region_and_edge_come_from_the_environment() {
        let e = ClientOptions::new()
            .resolve_endpoint(env(&[(ENV_REGION, "ie1"), (ENV_EDGE, "dublin")]))
            .unwrap();
        assert_eq!(e.base_url(), "https://accounts.dublin.ie1.twilio.com");
        assert!(matches!(
            ClientOptions::new().resolve_endpoint(env(&[(ENV_REGION, "au1")])),
            Err(ConfigError::Endpoint {
                source: EndpointError::RegionWithoutEdge { .. },
                ..
            })
        ));
    }

    #[test]
    fn a_base_url_and_a_region_together_are_refused() {
        let lookup = env(&[(ENV_BASE_URL, "https://x.example"), (ENV_EDGE, "sydney")]);
        assert_eq!(
            ClientOptions::new().resolve_endpoint(lookup),
            Err(ConfigError::ConflictingEndpoint)
        );
    }

    #[test]
    fn setup_from_env_reads_credentials_endpoint_and_proxy() {
        let lookup = env(&[
            ("TWILIO_ACCOUNT_SID", SID),
            ("TWILIO_AUTH_TOKEN", TOKEN),
            ("HTTPS_PROXY", "http://proxy.internal:3128"),
        ]);
        let direct = ClientSetup::from_env(ClientOptions::new(), &lookup).unwrap();
        assert_eq!(direct.context.credentials().account_sid().as_str(), SID);
        assert!(direct.proxy.is_none(), "proxies only when asked");
        let proxied =
            ClientSetup::from_env(ClientOptions::new().with_proxy(ProxyMode::FromEnv), &lookup)
                .unwrap();
        assert_eq!(proxied.proxy.unwrap().authority(), "proxy.internal:3128");
    }

    #[test]
    fn setup_from_env_names_the_missing_variable() {
        let err = ClientSetup::from_env(ClientOptions::new(), env(&[("TWILIO_ACCOUNT_SID", SID)]))
            .unwrap_err();
        assert!(err.to_string().contains("TWILIO_AUTH_TOKEN"), "{err}");
    }

    #[test]
    fn setup_new_ignores_twilio_variables_but_honours_proxy_mode() {
        let lookup = env(&[
            (ENV_BASE_URL, "https://ignored.example"),
            ("NO_PROXY", "accounts.twilio.com"),
            ("HTTPS_PROXY", "proxy:1"),
        ]);
        let setup = ClientSetup::new(
            credentials(),
            ClientOptions::new().with_proxy(ProxyMode::FromEnv),
            &lookup,
        )
        .unwrap();
        assert_eq!(setup.context.endpoint(), &Endpoint::default());
        assert!(setup.proxy.is_none(), "NO_PROXY matched");
    }

    #[test]
    fn setup_carries_the_user_agent_into_the_context() {
        let ua = UserAgent::default().with_extension("rotator/1").unwrap();
        let setup = ClientSetup::new(
            credentials(),
            ClientOptions::new().with_user_agent(ua.clone()),
            |_| None,
        )
        .unwrap();
        assert_eq!(setup.context.user_agent(), &ua);
    }

    #[test]
    fn config_errors_never_contain_the_token() {
        let err = ClientSetup::from_env(
            ClientOptions::new(),
            env(&[("TWILIO_ACCOUNT_SID", "bad"), ("TWILIO_AUTH_TOKEN", TOKEN)]),
        )
        .unwrap_err();
        assert!(!format!("{err} {err:?}").contains(TOKEN));
    }

    /// What both adapters trust: every certificate, in order; a text without
    /// one, or with a damaged one, refused by its position.
    #[test]
    fn pem_roots_are_read_in_order_and_refused_by_position() {
        let one = b"-----BEGIN CERTIFICATE-----\nAQ\nID\n-----END CERTIFICATE-----\n".to_vec();
        let two = b"junk\n-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nBAU=\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nBg==\n-----END CERTIFICATE-----".to_vec();
        let read: Vec<Vec<u8>> = pem_roots(&[one.clone(), two])
            .unwrap()
            .iter()
            .map(|der| der.to_vec())
            .collect();
        assert_eq!(read, vec![vec![1, 2, 3], vec![4, 5], vec![6]]);
        assert!(pem_roots(&[]).unwrap().is_empty());
        for bad in [
            b"hello".to_vec(),
            b"-----BEGIN CERTIFICATE-----\nMIIB\n".to_vec(),
            b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----".to_vec(),
            vec![0xff, 0xfe],
        ] {
            let err = pem_roots(&[one.clone(), bad]).unwrap_err();
            assert!(
                matches!(err, ConfigError::RootCertificate { index: 1, .. }),
                "{err}"
            );
        }
    }
}
