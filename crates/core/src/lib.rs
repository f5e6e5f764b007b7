//! # twilio-accounts-core
//!
//! The sans-IO core of a Twilio Accounts v1 client, above all for the Auth
//! Token lifecycle: create a secondary token, promote it, delete it; and of
//! the 2010 API's Accounts resource, through which a main account finds its
//! subaccounts and reads their tokens ([`ListAccount`], [`FetchAccount`]).
//!
//! It turns credentials and an operation into an `http::Request<Vec<u8>>`,
//! and an `http::Response<Vec<u8>>` into a typed result or a typed error. It
//! does no I/O, spawns nothing, and reads no clock, environment or file:
//! time, randomness and environment lookups come in as arguments. Any HTTP
//! client can carry its requests; `twilio-accounts-ureq` and
//! `twilio-accounts-hyper` are the ready-made ones.
//!
//! ## Guarantees
//! - **Secrets stay secret.** [`AuthToken`] and [`ApiKeySecret`] print as
//!   `[redacted]`, cannot be displayed or serialized, and are wiped on drop.
//!   The `Authorization` header is marked sensitive. No error carries a
//!   response body (success bodies carry tokens).
//! - **Nothing is done twice by accident.** The [`RetryPolicy`] never resends
//!   a promote or a create once it may have reached Twilio; that case is
//!   [`Error::OutcomeUnknown`].
//! - **Nothing is lost.** A success answer that carries a token is never
//!   discarded for an unrelated malformed field: the token is kept in the
//!   error ([`DecodeError::salvaged_token`]).
//! - **Same bytes everywhere.** Every request is built here, so every
//!   transport sends the same request.
//!
//! ## The loop: build → send → parse
//!
//! ```
//! use twilio_accounts_core::{
//!     AuthToken, Credentials, Endpoint, PromoteAuthToken, RequestContext, RetryPolicy,
//!     TransportError, send_blocking,
//! };
//!
//! let context = RequestContext::new(
//!     Credentials::auth_token(
//!         "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse()?,
//!         AuthToken::new("0123456789abcdef0123456789abcdef")?,
//!     ),
//!     Endpoint::default(),
//! );
//!
//! // Any function from request to response is a transport; this one answers
//! // like Twilio would.
//! let transport = |request: http::Request<Vec<u8>>| -> Result<_, TransportError> {
//!     assert_eq!(request.uri().path(), "/v1/AuthTokens/Promote");
//!     Ok(http::Response::builder()
//!         .status(200)
//!         .header("Twilio-Request-Id", "RQaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
//!         .body(br#"{"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","auth_token":"fedcba9876543210fedcba9876543210","date_created":"2015-07-31T04:00:00Z","date_updated":"2015-07-31T04:00:00Z","url":"https://accounts.twilio.com/v1/AuthTokens/Promote"}"#.to_vec())
//!         .unwrap())
//! };
//!
//! let reply = send_blocking(
//!     &context,
//!     &PromoteAuthToken::new(),
//!     &RetryPolicy::default(),
//!     0,              // jitter seed, from your own randomness
//!     &transport,
//!     |_delay| {},    // how to wait between retries (never called here)
//! )?;
//! assert_eq!(reply.value.auth_token.expose_secret(), "fedcba9876543210fedcba9876543210");
//! assert_eq!(reply.request_id(), Some("RQaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
//! # Ok::<(), twilio_accounts_core::Error>(())
//! ```
//!
//! ## Reading and writing
//! Every answer is read by `serde_json` (the models derive `Deserialize`);
//! every query string and form body is written by `form_urlencoded`, with
//! the JSON items of array parameters written by `serde_json` first (see
//! [`form`]).
//!
//! ## Modules
//! One concept each: [`sid`], [`secret`], [`credentials`], [`timestamp`],
//! [`endpoint`] (hosts, by [`Service`]), [`user_agent`], [`operation`] (what an operation declares),
//! [`operations`] (every operation, by spec resource, and their registry),
//! [`page`] (the one list mechanism), [`parameter_values`] (operations
//! from `Name=Value` text), [`json_output`] (answers as JSON, secrets
//! redacted), [`phone_number`] (E.164 numbers), [`pkcv`] (Public Key Client
//! Validation: the canonical request and the signed JWT), [`context`], [`form`] (request bodies), [`error`],
//! [`retry`],
//! [`transport`] (the seam, and the retry loop as the [`Exchange`] state
//! machine).
//!
//! ## Out of scope
//! The core is the protocol and will stay only that. It never:
//! - opens a connection, speaks TLS, resolves a name or reads a body from a
//!   socket: the transports `twilio-accounts-ureq` (blocking) and
//!   `twilio-accounts-hyper` (async) do, or your own [`BlockingTransport`] /
//!   [`AsyncTransport`];
//! - holds client settings (timeouts, body cap, proxies, extra root
//!   certificates), logs attempts or pages through
//!   lists: that is `twilio-accounts-client`, shared by both transports;
//! - runs a workflow: the journalled Auth Token rotation is
//!   `twilio-accounts-rotation`, the command line `twilio-accounts`;
//! - validates webhook signatures (requests to *your* server, not calls to
//!   Twilio): `twilio-accounts-webhook`;
//! - reads a clock, the environment or a file, sleeps, or draws randomness:
//!   time, lookups and jitter seeds come in as arguments.
//!
//! The [`http`] crate is re-exported: a transport needs exactly the version
//! the core speaks.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod context;
pub mod credentials;
pub mod endpoint;
pub mod error;
pub mod form;
pub mod json_output;
pub mod operation;
pub mod operations;
pub mod page;
pub mod parameter_values;
pub mod phone_number;
pub mod pkcv;
pub mod policy;
pub mod retry;
pub mod rsa_public_key;
pub mod secret;
pub mod sid;
pub mod timestamp;
pub mod transport;
pub mod user_agent;

pub use http;

pub use context::RequestContext;
pub use credentials::{Credentials, CredentialsError, CredentialsInput};
pub use endpoint::{Endpoint, EndpointError, LinkError, PlainHttp, Service};
pub use error::{
    ApiError, BodyKind, DecodeError, DecodeErrorKind, Delivery, Error, InvalidInput,
    ProblemDetails, TransportError, TransportErrorKind, UnexpectedResponse,
};
pub use json_output::{Secrets, ToJson};
pub use operation::{
    Operation, OperationId, Parameter, ParameterLocation, ParameterSource, PathValue, Reply,
};
pub use operations::accounts_2010::{
    Account, AccountStatus, AccountType, FetchAccount, ListAccount,
};
pub use operations::auth_tokens::{
    AuthTokenPromotion, CreateSecondaryAuthToken, DeleteSecondaryAuthToken, PromoteAuthToken,
    SecondaryAuthToken,
};
pub use operations::consents_bulk::{
    ConsentItem, ConsentSource, ConsentStatus, CreateBulkConsents, SenderId,
};
pub use operations::contacts_bulk::{ContactItem, CreateBulkContacts};
pub use operations::credential::{
    Credential, CredentialAws, CredentialKind, CredentialPublicKey, DeleteCredential,
    FetchCredential, FriendlyName, ListCredentials, UpdateCredential,
};
pub use operations::credentials_aws::{
    CreateCredentialAws, DeleteCredentialAws, FetchCredentialAws, ListCredentialAws,
    UpdateCredentialAws,
};
pub use operations::credentials_public_keys::{
    CreateCredentialPublicKey, DeleteCredentialPublicKey, FetchCredentialPublicKey,
    ListCredentialPublicKeys, UpdateCredentialPublicKey,
};
pub use operations::iam_keys::{
    CreateIamKey, DeleteIamKey, FetchIamKey, IamKey, KeyType, ListIamKeys, NewIamKey, UpdateIamKey,
};
pub use operations::item_result::{
    BulkItemResult, BulkResults, CorrelationId, ItemError, ItemErrorReason,
};
pub use operations::keys_2010::{
    AccountKey, CreateAccountKey, CreateNewKey, CreateNewSigningKey, DeleteAccountKey, DeleteKey,
    DeleteSigningKey, FetchAccountKey, FetchKey, FetchSigningKey, KeyResource, ListAccountKeys,
    ListKey, ListSigningKey, NewAccountKey, UpdateAccountKey, UpdateKey, UpdateSigningKey,
};
pub use operations::messaging_geopermissions::{
    CountryCode, FetchMessagingGeopermissions, GeoPermission, GeoPermissionResult,
    GeoPermissionType, MessagingGeopermissions, UpdateMessagingGeopermissions,
};
pub use operations::safelist::{CreateSafelist, DeleteSafelist, FetchSafelist, SafelistEntry};
pub use operations::{
    LookupError, OPERATIONS, OperationInfo, OperationVisitor, lookup, visit_operations,
};
pub use page::{ListOperation, NextPage, Page, PageRequest};
pub use parameter_values::{FromParameters, JsonObject, ParameterError, ParameterValues};
pub use phone_number::{E164, PhoneNumberError, SafelistNumber};
pub use policy::{MAX_POLICY_PERMISSIONS, Policy, PolicyError};
pub use retry::{
    Attempt, AttemptOutcome, Idempotency, Jitter, PlannedRetry, RetryDecision, RetryHook,
    RetryPolicy, RetryVerdict, StopReason, twilio_code,
};
pub use rsa_public_key::{RSA_KEY_BITS, RsaPublicKeyError, check_rsa_public_key_pem};
pub use secret::{ApiKeySecret, AuthToken, AwsCredentials, REDACTED, SecretError};
pub use sid::{AccountSid, ApiKeySid, CredentialSid, MessagingServiceSid, SafelistSid, SidError};
pub use timestamp::{Timestamp, TimestampError};
pub use transport::{
    AsyncTransport, AttemptNumber, BlockingTransport, Exchange, Step, send_async, send_blocking,
};
pub use user_agent::{UserAgent, UserAgentError};

/// The README's examples, compiled and run as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
