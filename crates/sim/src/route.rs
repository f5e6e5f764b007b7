//! The route table: every operation the simulator serves, declared once, as one row.
//!
//! A row names the method, the path template (`{Name}` segments are path parameters), the spec's
//! `operationId`, the fault name (the operationId in kebab case) and its older short aliases, the answer the
//! simulator gives (for the docs), and the handler. Everything else is derived from the table: routing and
//! path parameters, the 405 answer and its `Allow` header, the [`Route`] enum with its request counters, the
//! `--fault ROUTE` names, the `--fault` help text and the route table of the README (a test keeps it equal).
//!
//! Adding an operation is one row here and one handler in `operation.rs` (plus, where the operation has new
//! state or a new body, the account method and the `wire` function it calls).
//!
//! ```
//! use twilio_accounts_sim::Route;
//!
//! let route = Route::of(&http::Method::GET, "/v1/Credentials/PublicKeys/CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
//! assert_eq!(route, Some(Route::FetchPublicKey));
//! assert_eq!(Route::FetchPublicKey.operation_id(), Some("FetchCredentialPublicKey"));
//! assert_eq!("fetch-credential-public-key".parse(), Ok(Route::FetchPublicKey));
//! assert_eq!("promote".parse(), Ok(Route::Promote)); // the short names stay as aliases
//! ```

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use http::Method;

use crate::accounts_2010;
use crate::api_key::KeySet;
use crate::bulk::BulkKind;
use crate::credential::CredentialKind;
use crate::keys;
use crate::operation::{self, Handler};

/// Declares the [`Route`] enum and the table [`ROUTES`] from the same rows, so that they cannot disagree.
macro_rules! route_table {
    ($(
        $variant:ident => $method:ident $path:literal $operation:ident {
            fault: $fault:literal,
            aliases: [$($alias:literal),* $(,)?],
            answer: $answer:literal,
            handler: $handler:expr $(,)?
        }
    ),+ $(,)?) => {
        /// The operations a fault or a request counter can be attached to: one per row of the simulator's
        /// route table, and [`Route::Any`].
        ///
        /// A route is a method and a path: `GET /v1/AuthTokens/Promote` is no route (it gets 405) and only
        /// counts under [`Route::Any`]. The variant names are short; [`Route::operation_id`] gives the spec's
        /// `operationId` and [`Route::name`] the `--fault` name.
        ///
        /// Non-exhaustive: every operation the simulator learns adds a variant.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Route {
            $(
                #[doc = concat!("`", stringify!($method), " ", $path, "` (`", stringify!($operation), "`): ", $answer, ".")]
                $variant,
            )+
            /// Every request, whatever its method and path, including unknown ones.
            Any,
        }

        /// The route table, in the order of [`Route`]'s variants.
        pub(crate) static ROUTES: [RouteRow; ROUTE_ROWS] = [$(
            RouteRow {
                route: Route::$variant,
                method: Method::$method,
                path: $path,
                operation_id: stringify!($operation),
                fault_name: $fault,
                aliases: &[$($alias),*],
                #[cfg(test)]
                answer: $answer,
                handler: $handler,
            },
        )+];

        const ROUTE_ROWS: usize = [$(stringify!($variant)),+].len();

        impl Route {
            /// Every route, in a fixed order (also the order of the request counters): the table's rows,
            /// then [`Route::Any`].
            pub const ALL: [Route; ROUTE_ROWS + 1] = [$(Route::$variant,)+ Route::Any];
        }
    };
}

route_table! {
    Promote => POST "/v1/AuthTokens/Promote" UpdateAuthTokenPromotion {
        fault: "update-auth-token-promotion",
        aliases: ["promote"],
        answer: "200 with `auth_token`; the old primary is refused at once; 404 / 20404 with no secondary",
        handler: operation::promote,
    },
    CreateSecondary => POST "/v1/AuthTokens/Secondary" CreateSecondaryAuthToken {
        fault: "create-secondary-auth-token",
        aliases: ["create-secondary"],
        answer: "201 with `secondary_auth_token`; an existing secondary is replaced (or 409 / 20409 with \
                 `ExistingSecondary::Refuse`)",
        handler: operation::create_secondary,
    },
    DeleteSecondary => DELETE "/v1/AuthTokens/Secondary" DeleteSecondaryAuthToken {
        fault: "delete-secondary-auth-token",
        aliases: ["delete-secondary"],
        answer: "204, empty body; 404 / 20404 with no secondary",
        handler: operation::delete_secondary,
    },
    ListPublicKeys => GET "/v1/Credentials/PublicKeys" ListCredentialPublicKey {
        fault: "list-credential-public-key",
        aliases: ["list-public-keys"],
        answer: "200, Twilio's paged envelope (`PageSize` 1..=1000, `Page`, `PageToken`); the read-only call a \
                 client uses to check that a token works",
        handler: |s, c| operation::list_credentials(CredentialKind::PublicKey, s, c),
    },
    CreatePublicKey => POST "/v1/Credentials/PublicKeys" CreateCredentialPublicKey {
        fault: "create-credential-public-key",
        aliases: [],
        answer: "201 with a `CR` SID (`PublicKey` required, never echoed, kept to verify PKCV JWTs when it is \
                 an RSA 2048 key; `FriendlyName` ≤ 64 characters; `AccountSid` only this account's)",
        handler: |s, c| operation::create_credential(CredentialKind::PublicKey, s, c),
    },
    FetchPublicKey => GET "/v1/Credentials/PublicKeys/{Sid}" FetchCredentialPublicKey {
        fault: "fetch-credential-public-key",
        aliases: [],
        answer: "200 with the public key; 404 / 20404 for an unknown or malformed SID",
        handler: |s, c| operation::fetch_credential(CredentialKind::PublicKey, s, c),
    },
    UpdatePublicKey => POST "/v1/Credentials/PublicKeys/{Sid}" UpdateCredentialPublicKey {
        fault: "update-credential-public-key",
        aliases: [],
        answer: "200 with the key renamed (`FriendlyName`) and `date_updated` stamped; 404 / 20404 for an \
                 unknown SID",
        handler: |s, c| operation::update_credential(CredentialKind::PublicKey, s, c),
    },
    DeletePublicKey => DELETE "/v1/Credentials/PublicKeys/{Sid}" DeleteCredentialPublicKey {
        fault: "delete-credential-public-key",
        aliases: [],
        answer: "204, empty body; 404 / 20404 for an unknown SID",
        handler: |_, c| operation::delete_credential(CredentialKind::PublicKey, c),
    },
    ListAws => GET "/v1/Credentials/AWS" ListCredentialAws {
        fault: "list-credential-aws",
        aliases: [],
        answer: "200, Twilio's paged envelope, as for public keys",
        handler: |s, c| operation::list_credentials(CredentialKind::Aws, s, c),
    },
    CreateAws => POST "/v1/Credentials/AWS" CreateCredentialAws {
        fault: "create-credential-aws",
        aliases: [],
        answer: "201 with a `CR` SID (`Credentials` required, `ACCESS_KEY_ID:SECRET_ACCESS_KEY`, never \
                 echoed; `FriendlyName`; `AccountSid`)",
        handler: |s, c| operation::create_credential(CredentialKind::Aws, s, c),
    },
    FetchAws => GET "/v1/Credentials/AWS/{Sid}" FetchCredentialAws {
        fault: "fetch-credential-aws",
        aliases: [],
        answer: "200 with the credential (no secret); 404 / 20404 for an unknown or malformed SID",
        handler: |s, c| operation::fetch_credential(CredentialKind::Aws, s, c),
    },
    UpdateAws => POST "/v1/Credentials/AWS/{Sid}" UpdateCredentialAws {
        fault: "update-credential-aws",
        aliases: [],
        answer: "200 with the credential renamed (`FriendlyName`); 404 / 20404 for an unknown SID",
        handler: |s, c| operation::update_credential(CredentialKind::Aws, s, c),
    },
    DeleteAws => DELETE "/v1/Credentials/AWS/{Sid}" DeleteCredentialAws {
        fault: "delete-credential-aws",
        aliases: [],
        answer: "204, empty body; 404 / 20404 for an unknown SID",
        handler: |_, c| operation::delete_credential(CredentialKind::Aws, c),
    },
    CreateSafelist => POST "/v1/SafeList/Numbers" CreateSafelist {
        fault: "create-safelist",
        aliases: [],
        answer: "201 with a `GN` SID (form `PhoneNumber`, E.164 or a `+1800123xxx` range, else 400 / 20001); a \
                 number already listed answers its entry",
        handler: |_, c| operation::create_safelist(c),
    },
    FetchSafelist => GET "/v1/SafeList/Numbers" FetchSafelist {
        fault: "fetch-safelist",
        aliases: [],
        answer: "200 with the entry (query `PhoneNumber`, `+` as `%2B`); 404 / 20404 when not listed",
        handler: |_, c| operation::fetch_safelist(c),
    },
    DeleteSafelist => DELETE "/v1/SafeList/Numbers" DeleteSafelist {
        fault: "delete-safelist",
        aliases: [],
        answer: "204 (query `PhoneNumber`); 404 / 20404 when not listed",
        handler: |_, c| operation::delete_safelist(c),
    },
    CreateBulkConsents => POST "/v1/Consents/Bulk" CreateBulkConsents {
        fault: "create-bulk-consents",
        aliases: [],
        answer: "201 with one result per `Items` object; an invalid item gets 30646 and its reasons \
                 (`INVALID_CONTACT_ID`, …); an item that is not a JSON object is a 400 / 20001",
        handler: |_, c| operation::create_bulk(BulkKind::Consents, c),
    },
    CreateBulkContacts => POST "/v1/Contacts/Bulk" CreateBulkContacts {
        fault: "create-bulk-contacts",
        aliases: [],
        answer: "201 with one result per `Items` object; an invalid item gets 30647 and its reasons",
        handler: |_, c| operation::create_bulk(BulkKind::Contacts, c),
    },
    FetchGeoPermissions => GET "/v1/Messaging/GeoPermissions" FetchMessagingGeopermissions {
        fault: "fetch-messaging-geopermissions",
        aliases: [],
        answer: "200 with every known country, or those of `CountryCode` (`IN,PK`); an unknown country is a \
                 400 / 20001",
        handler: |_, c| operation::fetch_geo_permissions(c),
    },
    UpdateGeoPermissions => PATCH "/v1/Messaging/GeoPermissions" UpdateMessagingGeopermissions {
        fault: "update-messaging-geopermissions",
        aliases: [],
        answer: "200 with one result per `Permissions` object; high-risk, unsupported or invalid entries get \
                 30649 and are not applied",
        handler: |_, c| operation::update_geo_permissions(c),
    },
    ListAccounts => GET "/2010-04-01/Accounts.json" ListAccount {
        fault: "list-account",
        aliases: [],
        answer: "200, the 2010 page (`accounts`, relative `*_page_uri`; `FriendlyName`, `Status`, `PageSize` \
                 1..=1000, `Page`, `PageToken`; a bad token is 400 / 21481): with the main account's \
                 credentials itself and every subaccount, with a subaccount's only itself",
        handler: accounts_2010::list,
    },
    FetchAccount => GET "/2010-04-01/Accounts/{Sid}.json" FetchAccount {
        fault: "fetch-account",
        aliases: [],
        answer: "200 with the account and its current `auth_token` (RFC 2822 dates); the main account reaches \
                 any of its subaccounts, a subaccount only itself (others are 404 / 20404)",
        handler: accounts_2010::fetch,
    },
    ListKeys => GET "/2010-04-01/Accounts/{AccountSid}/Keys.json" ListKey {
        fault: "list-key",
        aliases: [],
        answer: "200, the 2010 page of the account's API keys (`keys`, relative `*_page_uri`; `PageSize`, `Page`, \
                 `PageToken`), never a secret",
        handler: |w, c| keys::list_2010(KeySet::Api, w, c),
    },
    CreateKey => POST "/2010-04-01/Accounts/{AccountSid}/Keys.json" CreateNewKey {
        fault: "api-v2010-create-new-key",
        aliases: [],
        answer: "201 with a Standard key and its `secret` (the only answer that carries it); `FriendlyName` ≤ 64 \
                 characters; `KeyType` and `Policy` silently ignored (reported, unconfirmed); 400 / 70151 past \
                 `--max-keys`; 401 / 20003 \"Policy evaluation failed\" with `--refuse-2010-key-create`",
        handler: |w, c| keys::create_2010(KeySet::Api, w, c),
    },
    FetchKey => GET "/2010-04-01/Accounts/{AccountSid}/Keys/{Sid}.json" FetchKey {
        fault: "api-v2010-fetch-key",
        aliases: [],
        answer: "200 with the key (no secret); 404 / 20404 for an unknown SID",
        handler: |w, c| keys::fetch_2010(KeySet::Api, w, c),
    },
    UpdateKey => POST "/2010-04-01/Accounts/{AccountSid}/Keys/{Sid}.json" UpdateKey {
        fault: "api-v2010-update-key",
        aliases: [],
        answer: "200 with the key renamed (`FriendlyName`); 404 / 20404 for an unknown SID",
        handler: |w, c| keys::update_2010(KeySet::Api, w, c),
    },
    DeleteKey => DELETE "/2010-04-01/Accounts/{AccountSid}/Keys/{Sid}.json" DeleteKey {
        fault: "api-v2010-delete-key",
        aliases: [],
        answer: "204; the key stops authenticating at once; 404 / 20404 for an unknown SID",
        handler: |w, c| keys::delete_2010(KeySet::Api, w, c),
    },
    ListSigningKeys => GET "/2010-04-01/Accounts/{AccountSid}/SigningKeys.json" ListSigningKey {
        fault: "list-signing-key",
        aliases: [],
        answer: "200, the 2010 page of the account's signing keys (`signing_keys`)",
        handler: |w, c| keys::list_2010(KeySet::Signing, w, c),
    },
    CreateSigningKey => POST "/2010-04-01/Accounts/{AccountSid}/SigningKeys.json" CreateNewSigningKey {
        fault: "create-new-signing-key",
        aliases: [],
        answer: "201 with a signing key and its `secret` (`FriendlyName` only); 400 / 70151 past `--max-keys` \
                 signing keys",
        handler: |w, c| keys::create_2010(KeySet::Signing, w, c),
    },
    FetchSigningKey => GET "/2010-04-01/Accounts/{AccountSid}/SigningKeys/{Sid}.json" FetchSigningKey {
        fault: "fetch-signing-key",
        aliases: [],
        answer: "200 with the signing key (no secret); 404 / 20404 for an unknown SID",
        handler: |w, c| keys::fetch_2010(KeySet::Signing, w, c),
    },
    UpdateSigningKey => POST "/2010-04-01/Accounts/{AccountSid}/SigningKeys/{Sid}.json" UpdateSigningKey {
        fault: "update-signing-key",
        aliases: [],
        answer: "200 with the signing key renamed (`FriendlyName`); 404 / 20404 for an unknown SID",
        handler: |w, c| keys::update_2010(KeySet::Signing, w, c),
    },
    DeleteSigningKey => DELETE "/2010-04-01/Accounts/{AccountSid}/SigningKeys/{Sid}.json" DeleteSigningKey {
        fault: "delete-signing-key",
        aliases: [],
        answer: "204; 404 / 20404 for an unknown SID",
        handler: |w, c| keys::delete_2010(KeySet::Signing, w, c),
    },
    IamListKeys => GET "/v1/Keys" ListGetKeys {
        fault: "list-get-keys",
        aliases: [],
        answer: "200, Twilio's `meta` page of the caller's API keys (`AccountSid` required, the caller's own, \
                 else 401 / 20003; absolute links at the simulator's base URL), never a secret",
        handler: keys::iam_list,
    },
    IamCreateKey => POST "/v1/Keys" CreateNewKey {
        fault: "iam-v1-create-new-key",
        aliases: [],
        answer: "201 with the key, its `secret` and `policy` (`AccountSid` required; `FriendlyName` ≤ 64; \
                 `KeyType=restricted` with a JSON `Policy` of at most 100 permissions, or neither for a \
                 Standard key); 400 / 70151 past `--max-keys`",
        handler: keys::iam_create,
    },
    IamFetchKey => GET "/v1/Keys/{Sid}" FetchKey {
        fault: "iam-v1-fetch-key",
        aliases: [],
        answer: "200 with the key and its `policy` (`null` unless restricted), no secret; 404 / 20404 for an \
                 unknown SID",
        handler: keys::iam_fetch,
    },
    IamUpdateKey => POST "/v1/Keys/{Sid}" UpdateKey {
        fault: "iam-v1-update-key",
        aliases: [],
        answer: "200 with the key (`FriendlyName`; `Policy` of a restricted key); 404 / 20404 for an unknown SID",
        handler: keys::iam_update,
    },
    IamDeleteKey => DELETE "/v1/Keys/{Sid}" DeleteKey {
        fault: "iam-v1-delete-key",
        aliases: [],
        answer: "204; the key stops authenticating at once; 404 / 20404 for an unknown SID",
        handler: keys::iam_delete,
    },
}

/// One row of the route table.
pub(crate) struct RouteRow {
    pub(crate) route: Route,
    pub(crate) method: Method,
    /// The spec's path template; a `{Name}` segment matches any one non-empty segment.
    pub(crate) path: &'static str,
    pub(crate) operation_id: &'static str,
    /// The `--fault` name: the operationId in kebab case.
    pub(crate) fault_name: &'static str,
    /// Older `--fault` names that keep working.
    pub(crate) aliases: &'static [&'static str],
    /// What the simulator answers, in Markdown: the README's table is checked against it (and the
    /// variant's doc says it too).
    #[cfg(test)]
    pub(crate) answer: &'static str,
    pub(crate) handler: Handler,
}

/// The `--fault` name of [`Route::Any`].
const ANY_NAME: &str = "any";

impl Route {
    /// The route a request with this method and path takes, if any.
    pub fn of(method: &Method, path: &str) -> Option<Route> {
        match Target::resolve(method, path) {
            Target::Row(row, _) => Some(row.route),
            Target::WrongMethod(_) | Target::Unknown => None,
        }
    }

    /// Whether a fault armed on `self` applies to a request that took `route`.
    pub fn matches(self, route: Option<Route>) -> bool {
        self == Route::Any || Some(self) == route
    }

    /// The spec's `operationId` (`UpdateAuthTokenPromotion`, …); `None` for [`Route::Any`].
    pub fn operation_id(self) -> Option<&'static str> {
        self.row().map(|row| row.operation_id)
    }

    /// The method and path template (`GET`, `/v1/Credentials/PublicKeys/{Sid}`); `None` for [`Route::Any`].
    pub fn endpoint(self) -> Option<(&'static Method, &'static str)> {
        self.row().map(|row| (&row.method, row.path))
    }

    /// The name used on the command line (`--fault update-auth-token-promotion:…`): the operationId in kebab
    /// case, or `any`.
    pub fn name(self) -> &'static str {
        self.row().map_or(ANY_NAME, |row| row.fault_name)
    }

    /// The spec's operationId in kebab case (`create-new-key`): for an operationId two APIs share, the
    /// name that selects the rows of both, while [`Route::name`] qualifies it with its API
    /// (`api-v2010-create-new-key`, `iam-v1-create-new-key`).
    pub fn plain_name(self) -> Option<String> {
        self.operation_id().map(kebab)
    }

    /// Every route a `--fault` route name selects: the one it names ([`Route::name`] or an alias), or all
    /// those whose [`Route::plain_name`] it is. Empty for an unknown name.
    pub fn select(name: &str) -> Vec<Route> {
        let named: Vec<Route> = Route::ALL
            .into_iter()
            .filter(|r| r.name() == name || r.aliases().contains(&name))
            .collect();
        if !named.is_empty() {
            return named;
        }
        Route::ALL
            .into_iter()
            .filter(|r| r.plain_name().as_deref() == Some(name))
            .collect()
    }

    /// Older command-line names that still select this route (`promote`, …).
    pub fn aliases(self) -> &'static [&'static str] {
        self.row().map_or(&[], |row| row.aliases)
    }

    pub(crate) fn row(self) -> Option<&'static RouteRow> {
        ROUTES.get(self.index())
    }

    fn index(self) -> usize {
        self as usize
    }
}

// `impl FromStr for Route` (a `--fault` route name back into a route) is in `fault.rs`: reading a name is
// part of reading a `--fault` spec and fails with its error, and the route table needs nothing of the faults.

/// `UpdateAuthTokenPromotion` → `update-auth-token-promotion`.
fn kebab(operation_id: &str) -> String {
    let mut out = String::new();
    for c in operation_id.chars() {
        if c.is_ascii_uppercase() && !out.is_empty() {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The `--fault` route names, each with its aliases: `update-auth-token-promotion (promote), …, any`; then
/// the plain names that select the rows of two APIs.
pub(crate) fn fault_route_names() -> String {
    let mut names = String::new();
    let mut shared: Vec<String> = Vec::new();
    for route in Route::ALL {
        if !names.is_empty() {
            names.push_str(", ");
        }
        names.push_str(route.name());
        if !route.aliases().is_empty() {
            let _ = write!(names, " ({})", route.aliases().join(", "));
        }
        if let Some(plain) = route.plain_name()
            && plain != route.name()
            && !shared.contains(&plain)
        {
            shared.push(plain);
        }
    }
    if !shared.is_empty() {
        let _ = write!(names, "; for both APIs: {}", shared.join(", "));
    }
    names
}

/// The path parameters of a matched request, by name, in template order: `[("Sid", "CR…")]`.
pub(crate) type PathParams<'p> = Vec<(&'static str, &'p str)>;

/// Where a request goes.
pub(crate) enum Target<'p> {
    /// A row's method and path matched, with these path parameters.
    Row(&'static RouteRow, PathParams<'p>),
    /// The path is known but not with this method: 405, with these methods in `Allow`.
    WrongMethod(String),
    /// No row has this path.
    Unknown,
}

impl<'p> Target<'p> {
    pub(crate) fn resolve(method: &Method, path: &'p str) -> Target<'p> {
        let mut known_path = false;
        for row in &ROUTES {
            if let Some(params) = path_params(row.path, path) {
                if row.method == method {
                    return Target::Row(row, params);
                }
                known_path = true;
            }
        }
        if !known_path {
            return Target::Unknown;
        }
        let allow: Vec<&str> = ROUTES
            .iter()
            .filter(|row| path_params(row.path, path).is_some())
            .map(|row| row.method.as_str())
            .collect();
        Target::WrongMethod(allow.join(", "))
    }

    /// The route counters and faults go by.
    pub(crate) fn route(&self) -> Option<Route> {
        match self {
            Target::Row(row, _) => Some(row.route),
            Target::WrongMethod(_) | Target::Unknown => None,
        }
    }
}

/// The parameters of `path` if it matches `template` segment by segment, `None` otherwise.
fn path_params<'p>(template: &'static str, path: &'p str) -> Option<Vec<(&'static str, &'p str)>> {
    let mut params = Vec::new();
    let mut expected = template.split('/');
    let mut given = path.split('/');
    loop {
        match (expected.next(), given.next()) {
            (None, None) => return Some(params),
            (Some(want), Some(got)) => {
                // `{Name}` or `{Name}.json`: the parameter is what comes before the literal suffix.
                match want.strip_prefix('{').and_then(|w| w.split_once('}')) {
                    Some((name, suffix)) => match got.strip_suffix(suffix) {
                        Some(value) if !value.is_empty() => params.push((name, value)),
                        _ => return None,
                    },
                    None if want == got => {}
                    None => return None,
                }
            }
            _ => return None,
        }
    }
}

/// One request counter per [`Route`], sized by the table.
#[derive(Debug)]
pub(crate) struct RequestCounters([AtomicU64; ROUTE_ROWS + 1]);

impl Default for RequestCounters {
    fn default() -> Self {
        RequestCounters(std::array::from_fn(|_| AtomicU64::new(0)))
    }
}

impl RequestCounters {
    /// Counts a request under [`Route::Any`] and under the route it took.
    pub(crate) fn count(&self, route: Option<Route>) {
        for r in [Some(Route::Any), route].into_iter().flatten() {
            if let Some(counter) = self.0.get(r.index()) {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    pub(crate) fn get(&self, route: Route) -> u64 {
        self.0
            .get(route.index())
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_and_the_enum_are_in_the_same_order() {
        for (i, row) in ROUTES.iter().enumerate() {
            assert_eq!(row.route.index(), i, "{}", row.operation_id);
            assert_eq!(Route::ALL.get(i), Some(&row.route));
        }
        assert_eq!(Route::ALL.last(), Some(&Route::Any));
        assert_eq!(Route::Any.row().map(|r| r.operation_id), None);
    }

    #[test]
    fn fault_names_are_the_kebab_case_operation_ids_qualified_by_api_when_shared() {
        // `kebab` on names written here; then the table's own literal names
        // against it.
        for (id, name) in [
            ("UpdateAuthTokenPromotion", "update-auth-token-promotion"),
            ("CreateNewKey", "create-new-key"),
            ("ListGetKeys", "list-get-keys"),
        ] {
            assert_eq!(kebab(id), name);
        }
        for row in &ROUTES {
            let plain = kebab(row.operation_id);
            let shared = ROUTES
                .iter()
                .filter(|r| r.operation_id == row.operation_id)
                .count()
                > 1;
            let api = if row.path.starts_with("/2010-04-01/") {
                "api-v2010"
            } else if row.path.starts_with("/v1/Keys") {
                "iam-v1"
            } else {
                "accounts-v1"
            };
            let expected = if shared {
                format!("{api}-{plain}")
            } else {
                plain.clone()
            };
            assert_eq!(row.fault_name, expected, "{}", row.operation_id);
            assert_eq!(row.route.plain_name(), Some(plain));
        }
    }

    #[test]
    fn a_plain_shared_name_selects_both_apis_and_a_qualified_one_selects_one() {
        assert_eq!(
            Route::select("create-new-key"),
            [Route::CreateKey, Route::IamCreateKey]
        );
        assert_eq!(
            Route::select("delete-key"),
            [Route::DeleteKey, Route::IamDeleteKey]
        );
        assert_eq!(Route::select("iam-v1-fetch-key"), [Route::IamFetchKey]);
        assert_eq!(Route::select("api-v2010-update-key"), [Route::UpdateKey]);
        assert_eq!(Route::select("list-key"), [Route::ListKeys]);
        assert_eq!(Route::select("promote"), [Route::Promote]);
        assert_eq!(Route::select("nope"), []);
    }

    #[test]
    fn every_name_selects_exactly_one_route() {
        let mut names: Vec<&str> = Route::ALL
            .iter()
            .flat_map(|r| std::iter::once(r.name()).chain(r.aliases().iter().copied()))
            .collect();
        let all = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all, "a name is used twice: {names:?}");
    }

    #[test]
    fn every_path_template_is_routed_to_its_row() {
        for row in &ROUTES {
            let path = row
                .path
                .replace("{Sid}", "CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
                .replace("{AccountSid}", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
            assert_eq!(Route::of(&row.method, &path), Some(row.route), "{path}");
        }
    }

    #[test]
    fn path_parameters_match_one_non_empty_segment() {
        let template = "/v1/Credentials/PublicKeys/{Sid}";
        let cases: [(&str, Option<PathParams<'_>>); 6] = [
            ("/v1/Credentials/PublicKeys/CR1", Some(vec![("Sid", "CR1")])),
            (
                "/v1/Credentials/PublicKeys/x%2Fy",
                Some(vec![("Sid", "x%2Fy")]),
            ),
            ("/v1/Credentials/PublicKeys/", None),
            ("/v1/Credentials/PublicKeys", None),
            ("/v1/Credentials/PublicKeys/CR1/x", None),
            ("/v1/Credentials/AWS/CR1", None),
        ];
        for (path, expected) in cases {
            assert_eq!(path_params(template, path), expected, "{path}");
        }
        let template = "/2010-04-01/Accounts/{Sid}.json";
        let cases: [(&str, Option<PathParams<'_>>); 4] = [
            ("/2010-04-01/Accounts/AC1.json", Some(vec![("Sid", "AC1")])),
            ("/2010-04-01/Accounts/.json", None),
            ("/2010-04-01/Accounts/AC1", None),
            ("/2010-04-01/Accounts/AC1.xml", None),
        ];
        for (path, expected) in cases {
            assert_eq!(path_params(template, path), expected, "{path}");
        }
    }

    #[test]
    fn a_known_path_with_another_method_lists_the_table_methods() {
        let cases = [
            (Method::GET, "/v1/AuthTokens/Promote", Some("POST")),
            (
                Method::PUT,
                "/v1/AuthTokens/Secondary",
                Some("POST, DELETE"),
            ),
            (
                Method::DELETE,
                "/v1/Credentials/PublicKeys",
                Some("GET, POST"),
            ),
            (
                Method::PUT,
                "/v1/Credentials/PublicKeys/CR1",
                Some("GET, POST, DELETE"),
            ),
            (
                Method::POST,
                "/v1/Messaging/GeoPermissions",
                Some("GET, PATCH"),
            ),
            (
                Method::PATCH,
                "/v1/SafeList/Numbers",
                Some("POST, GET, DELETE"),
            ),
            (Method::GET, "/v1/Nope", None),
        ];
        for (method, path, expected) in cases {
            let allow = match Target::resolve(&method, path) {
                Target::WrongMethod(allow) => Some(allow),
                Target::Row(..) | Target::Unknown => None,
            };
            assert_eq!(allow.as_deref(), expected, "{method} {path}");
        }
    }

    #[test]
    fn counters_count_the_route_and_any() {
        let counters = RequestCounters::default();
        counters.count(Some(Route::FetchPublicKey));
        counters.count(None);
        assert_eq!(counters.get(Route::FetchPublicKey), 1);
        assert_eq!(counters.get(Route::Promote), 0);
        assert_eq!(counters.get(Route::Any), 2);
    }

    /// The README's table of routes, generated from the route table (a test keeps the README equal to it).
    fn readme_table() -> String {
        let mut table = String::from(
            "| request | operationId | `--fault` route | answer |\n|---|---|---|---|\n",
        );
        for row in &ROUTES {
            let plain = row.route.plain_name().filter(|p| p != row.fault_name);
            let mut names = std::iter::once(row.fault_name)
                .chain(row.aliases.iter().copied())
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ");
            if let Some(plain) = plain {
                let _ = write!(names, " (`{plain}`: both APIs)");
            }
            let _ = writeln!(
                table,
                "| `{} {}` | `{}` | {names} | {} |",
                row.method,
                row.path,
                row.operation_id,
                row.answer.replace('|', "\\|")
            );
        }
        let _ = writeln!(
            table,
            "| any request | | `{ANY_NAME}` | (a fault target and a counter only) |"
        );
        table
    }

    #[test]
    fn the_readme_route_table_is_the_generated_one() {
        let readme = include_str!("../README.md");
        let generated = readme_table();
        assert!(
            readme.contains(&generated),
            "README.md must contain the route table generated from src/route.rs:\n\n{generated}"
        );
    }
}
