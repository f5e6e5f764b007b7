//! A local simulator of Twilio's Accounts v1 API (Auth Tokens and every other Accounts v1 operation), of the
//! 2010 Accounts resource, and of API keys (2010 `Keys` and `SigningKeys`, IAM v1 `Keys`, keys as
//! credentials): stateful, fault-injecting, over real HTTP(S) on 127.0.0.1.
//!
//! Nobody can test Auth Token rotation against real Twilio without risking an outage, so tests, benches and
//! the CLI's demo run against this instead. It behaves like `https://accounts.twilio.com` for:
//!
//! - `POST /v1/AuthTokens/Secondary` → 201 with a new secondary token (an existing one is replaced, or the
//!   call is refused with 409 / 20409 under [`ExistingSecondary::Refuse`]);
//! - `DELETE /v1/AuthTokens/Secondary` → 204, empty body; 404 / 20404 when there is none;
//! - `POST /v1/AuthTokens/Promote` → 200; the secondary becomes the primary and the old primary is refused at
//!   once; 404 / 20404 when there is no secondary;
//! - `/v1/Credentials/PublicKeys` and `/v1/Credentials/AWS`: list (Twilio's paging, links at the simulator's
//!   own base URL), create (201, a `CR` SID; the AWS secret is never kept, a public key is kept to verify
//!   PKCV JWTs when it is an RSA 2048 / 65537 key, and neither is ever echoed), and per `{Sid}` fetch,
//!   update (`FriendlyName`) and delete, 404 / 20404 for an unknown or malformed SID; the public-key list is
//!   also the read-only call a client uses to check that a token authenticates;
//! - `/v1/SafeList/Numbers`: add (form `PhoneNumber`), check and remove (query `PhoneNumber`), `GN` SIDs,
//!   E.164 numbers or `xxx` ranges, 404 / 20404 for a number not on the list;
//! - `POST /v1/Consents/Bulk` and `POST /v1/Contacts/Bulk`: `Items` repeated, each one JSON object; 201 with
//!   one result per item, invalid items reported in their result (30646 / 30647 and the reasons);
//! - `/v1/Messaging/GeoPermissions`: fetch all countries or those of `CountryCode`, PATCH a set of
//!   `Permissions`; refused entries (high-risk, unsupported, invalid) get 30649 in their result;
//! - `GET /2010-04-01/Accounts.json` and `GET /2010-04-01/Accounts/{Sid}.json` (the 2010 Accounts resource):
//!   the main account lists and fetches itself and its subaccounts ([`SimConfig::subaccounts`]), current
//!   `auth_token` included; a subaccount reaches only itself;
//! - `/2010-04-01/Accounts/{AccountSid}/Keys.json` and `…/SigningKeys.json` (list, create; per `{Sid}.json`
//!   fetch, update, delete) and IAM v1 `/v1/Keys` (`?AccountSid=` list, create with `KeyType=restricted` and
//!   a JSON `Policy`; per `{Sid}` fetch with `policy`, update, delete): `SK` SIDs, the `secret` only in the
//!   201 of a create, RFC 2822 dates, 2010 paging (relative `next_page_uri`) and IAM paging (`meta`,
//!   absolute links). The 2010 path's account is the caller's own, or a subaccount when the caller is the
//!   main account's Auth Token or Main key; IAM v1 acts on the caller's own account only (another
//!   `AccountSid` is 401 / 20003). A 2010 create ignores `KeyType` and `Policy` (reported, unconfirmed);
//!   [`SimConfig::refuse_2010_key_create`] makes it answer 401 / 20003 "Policy evaluation failed";
//!   [`SimConfig::max_keys`] refuses keys past a limit with 400 / 70151. Signing keys authenticate nothing;
//! - Basic auth with an account's SID and its primary or secondary token, or with an API key's `SK…` SID
//!   and secret, and Accounts v1 acts on that account (a key's owner). The Auth Token and a Main key
//!   ([`SimConfig::main_api_key`], [`Simulator::main_api_key`]) may call every route; a Standard key all
//!   but the Auth Token calls, the 2010 Accounts resource and the Keys resources (401 / 20003 there); a
//!   Restricted key what its policy allows and does not deny (401 / 70051 otherwise), by one table from
//!   route to permission (`/twilio/iam/api-keys/read`, …; the crate README lists it, and which names are
//!   the simulator's assumption). A deleted key is refused at once. Anything else is 401 / 20003 (a suspended account: 20005, unconfirmed). With
//!   [`SimConfig::max_concurrent`], an account's requests beyond that many in flight get 429 / 20429.
//!   Unknown paths are 404 / 20404, wrong methods 405 / 20004, unexpected, missing or malformed parameters
//!   400 / 20001 (the Auth Token calls take only `SuppressEmailNotification=true|false`: form field on the
//!   POSTs, query on the DELETE).
//!
//! Public Key Client Validation ([`SimConfig::require_pkcv`], `--require-pkcv`): every request that
//! authenticates as the main account must carry a `Twilio-Client-Validation` JWT that verifies against one of
//! its registered public keys ([`SimConfig::public_keys`] at start, [`Simulator::public_key_sids`]; or created
//! through the API; a deleted one stops at once). Checked right after Basic auth, by the simulator's own
//! canonicaliser and verifier (never the clients'), in this order: a header at all (401 / 70052), the JWT's
//! form and header, `cty` `twilio-pkrv;v=1`, `typ` `JWT` or absent, `alg` RS256 or PS256, `kid` (20152); the
//! claims `iss`, `sub`, `exp`, `hrh`, `rqh` (20154); `kid` a registered key of the account (70154); the
//! signature (20159, a code the notes lack); `iss` = the Basic auth `SK…` key SID and `sub` = its account
//! (20153, so the Auth Token fails); `exp` at most 300 s ahead with 60 s of clock skew (20156); `hrh` sorted
//! lower-case names with `authorization` and `host` (20154); those headers present (70155); `rqh` = the hash
//! of the canonical request as received (70156). Subaccounts do not require it (unless
//! [`SimConfig::pkcv_subaccounts`]); a request that carries the
//! header without PKCV gets 401 / 70053. The crate README lists the rules and the assumptions.
//!
//! Every response carries `Twilio-Request-Id: RQ…`; JSON responses carry `Content-Type: application/json`;
//! error bodies are Twilio's `{"code", "message", "more_info", "status"}`.
//!
//! It is an independent oracle: it writes the wire format from Twilio's OpenAPI description (shipped in
//! `spec/`) and never uses the client crates' models, so a bug in a client model is not mirrored here.
//!
//! Every operation is one row of a route table (method, path template, the spec's `operationId`, fault name,
//! handler); [`Route`] has a variant per row. Routing, 405 answers with `Allow`, request counters and the
//! `--fault` route names all come from that table.
//!
//! Faults ([`Fault`]) make it misbehave for a bounded number of requests on a [`Route`]: rate limits, 5xx,
//! delays, dropped connections (before or after applying the operation), truncated, oversized, non-JSON or
//! slowly dripped bodies, redirects, and an auth lag after promotion. A `--fault` name is the operationId in
//! kebab case; where two APIs share an operationId (`CreateNewKey`, …) it is qualified by API
//! (`iam-v1-create-new-key`) and the plain name arms both ([`Route::select`]).
//!
//! The read-only call a Standard key may make, to check that a new key works, is
//! `GET /v1/Credentials/PublicKeys` (the one that checks an Auth Token, too).
//!
//! ```
//! use twilio_accounts_sim::{Fault, Route, SimConfig, Simulator};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let sim = Simulator::start(SimConfig::default()).await?;
//! // Give a Twilio client `sim.base_url()` instead of https://accounts.twilio.com, and these credentials:
//! let (sid, token) = (sim.account_sid(), sim.primary_token());
//! assert!(sid.starts_with("AC") && token.len() == 32);
//! // The next promote is applied, but its connection is closed before any response.
//! sim.set_fault(Route::Promote, Fault::ApplyThenClose, 1);
//! assert_eq!(sim.main_api_key(), None); // SimConfig::main_api_key makes one, `SK…` and its secret
//! assert_eq!(Route::select("create-new-key"), [Route::CreateKey, Route::IamCreateKey]);
//! sim.shutdown_async().await;
//! # Ok(())
//! # }
//! ```

mod account;
mod accounts_2010;
mod api_key;
mod body;
mod bulk;
mod canonical_request;
mod cli;
mod client_validation;
mod config;
mod credential;
mod fault;
mod fleet;
mod geo_permission;
mod jwt;
mod keys;
mod operation;
mod paging;
mod permission;
mod phone_number;
mod route;
mod rsa_public_key;
mod safelist;
mod server;
mod service;
mod tls;
mod wire;
mod world;

pub use account::{AccountStatus, ExistingSecondary};
pub use cli::{SimArgs, run_blocking};
pub use config::{MAX_KEYS_PER_SUBACCOUNT, MAX_SUBACCOUNTS, SimConfig, TlsConfig};
pub use fault::{
    Fault, FaultSpec, FaultSpecError, MAX_FAULT_DURATION, MAX_FAULT_ENTRIES, MAX_OVERSIZED_BODY,
};
pub use route::Route;
pub use server::{MAX_CONNECTIONS, Simulator};
