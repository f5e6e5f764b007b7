//! Every operation, grouped by the spec's resource (one file per resource,
//! named after its path), and the registry that lists them: all of Accounts
//! v1, the 2010 API's Accounts resource (its list and fetch), which is
//! how a main account reaches its subaccounts, the 2010 API's Keys and
//! SigningKeys, and IAM v1's Keys.
//!
//! | resource | file | operations (type: operationId) |
//! |---|---|---|
//! | `/2010-04-01/Accounts…` (2010 API) | [`accounts_2010`] | `ListAccount`, `FetchAccount` (types named alike) |
//! | `/v1/AuthTokens/…` | [`auth_tokens`] | [`PromoteAuthToken`]: `UpdateAuthTokenPromotion`, [`CreateSecondaryAuthToken`]: `CreateSecondaryAuthToken`, [`DeleteSecondaryAuthToken`]: `DeleteSecondaryAuthToken` |
//! | `/v1/Credentials/AWS…` | [`credentials_aws`] | `ListCredentialAws`, `CreateCredentialAws`, `FetchCredentialAws`, `UpdateCredentialAws`, `DeleteCredentialAws` (types named alike) |
//! | `/v1/Consents/Bulk` | [`consents_bulk`] | `CreateBulkConsents` |
//! | `/v1/Contacts/Bulk` | [`contacts_bulk`] | `CreateBulkContacts` |
//! | `/v1/Messaging/GeoPermissions` | [`messaging_geopermissions`] | `FetchMessagingGeopermissions`, `UpdateMessagingGeopermissions` (types named alike) |
//! | `/v1/SafeList/Numbers` | [`safelist`] | `CreateSafelist`, `FetchSafelist`, `DeleteSafelist` (types named alike) |
//! | `/2010-04-01/Accounts/{AccountSid}/Keys…`, `…/SigningKeys…` (2010 API) | [`keys_2010`] | `ListKey`, `CreateNewKey`, `FetchKey`, `UpdateKey`, `DeleteKey` and the same five `…SigningKey` (types named alike, aliases of generic ones) |
//! | `/v1/Keys…` (IAM v1) | [`iam_keys`] | [`ListIamKeys`]: `ListGetKeys`, [`CreateIamKey`]: `CreateNewKey`, [`FetchIamKey`]: `FetchKey`, [`UpdateIamKey`]: `UpdateKey`, [`DeleteIamKey`]: `DeleteKey` |
//! | `/v1/Credentials/PublicKeys…` | [`credentials_public_keys`] | [`ListCredentialPublicKeys`]: `ListCredentialPublicKey`, `CreateCredentialPublicKey`, `FetchCredentialPublicKey`, `UpdateCredentialPublicKey`, `DeleteCredentialPublicKey` (types named alike) |
//!
//! The calls that take a list of items share their per-item results
//! ([`item_result`]).
//!
//! The credential resources share one model, [`credential::Credential`], and
//! their list, fetch, update and delete are declared once in [`credential`],
//! generic over a [`credential::CredentialKind`]; each resource names them
//! with type aliases (`FetchCredentialAws` is `FetchCredential<Aws>`).
//!
//! ## Names: an `operationId` and its API
//! An `operationId` is unique within one API's spec, not across APIs:
//! `CreateNewKey`, `FetchKey`, `UpdateKey` and `DeleteKey` are in both the
//! 2010 API and IAM v1. So the registry is keyed by the API and the id, and
//! [`lookup`] takes either a **qualified name**
//! ([`OperationInfo::qualified_name`]: the API's
//! [`qualifier`](Service::qualifier), a dot, the id, as in `iam.v1.FetchKey`
//! or `accounts.v1.FetchCredentialAws`), which always names one operation,
//! or a **bare id**, which is accepted only when one API has it and
//! otherwise refused with every qualified name it could mean
//! ([`LookupError::Ambiguous`]).
//!
//! ```
//! use twilio_accounts_core::operations::{LookupError, lookup};
//! use twilio_accounts_core::Service;
//!
//! assert_eq!(lookup("iam.v1.FetchKey")?.service, Service::Iam);
//! assert_eq!(lookup("api.v2010.FetchKey")?.path, "/2010-04-01/Accounts/{AccountSid}/Keys/{Sid}.json");
//! assert_eq!(lookup("ListGetKeys")?.qualified_name(), "iam.v1.ListGetKeys");
//! match lookup("FetchKey") {
//!     Err(LookupError::Ambiguous { candidates, .. }) => {
//!         assert_eq!(candidates, ["api.v2010.FetchKey", "iam.v1.FetchKey"]);
//!     }
//!     other => panic!("{other:?}"),
//! }
//! assert!(matches!(lookup("FetchKeys"), Err(LookupError::Unknown { .. })));
//! # Ok::<(), LookupError>(())
//! ```
//!
//! ## The examples
//! Each operation's type carries an example of its own that sends it with
//! [`send_blocking`](crate::send_blocking) through a closure transport: the
//! closure checks the request (method, path, the parameter that matters) and
//! answers with the spec's example body, and the example reads the typed
//! result. Their shared set-up is hidden: `context` is a
//! [`RequestContext`](crate::RequestContext) with an example account SID and
//! a fake Auth Token, and `respond(status, body)` builds the
//! `http::Response`. Each resource's module documentation shows that set-up
//! in full.
//!
//! ## Adding an operation
//! Declare it in its resource's file (a type implementing
//! [`Operation`], with its constants, its parser and an example as above;
//! a test fails for a registered type without one) and add one row to
//! the registry (`registry!` in this file). Clients send it with their generic `send`;
//! the fuzz checks, the cross-adapter tests and the spec tests find it here
//! (each operation is checked against its own service's spec, by
//! [`OperationInfo::service`]).
//!
//! ```
//! use twilio_accounts_core::operations::{OPERATIONS, find};
//! use twilio_accounts_core::Service;
//!
//! let promote = find("UpdateAuthTokenPromotion").expect("registered");
//! assert_eq!(promote.method, http::Method::POST);
//! assert_eq!(promote.path, "/v1/AuthTokens/Promote");
//! assert_eq!(promote.service, Service::Accounts);
//! assert!(OPERATIONS.iter().any(|o| o.path == "/v1/Credentials/PublicKeys/{Sid}"));
//! assert_eq!(find("ListAccount").expect("registered").service, Service::Api);
//! ```
//!
//! [`PromoteAuthToken`]: auth_tokens::PromoteAuthToken
//! [`CreateSecondaryAuthToken`]: auth_tokens::CreateSecondaryAuthToken
//! [`DeleteSecondaryAuthToken`]: auth_tokens::DeleteSecondaryAuthToken
//! [`ListCredentialPublicKeys`]: credentials_public_keys::ListCredentialPublicKeys
//! [`FetchCredentialPublicKey`]: credentials_public_keys::FetchCredentialPublicKey
//! [`ListIamKeys`]: iam_keys::ListIamKeys
//! [`CreateIamKey`]: iam_keys::CreateIamKey
//! [`FetchIamKey`]: iam_keys::FetchIamKey
//! [`UpdateIamKey`]: iam_keys::UpdateIamKey
//! [`DeleteIamKey`]: iam_keys::DeleteIamKey

use std::fmt::Debug;

use http::Method;

use crate::endpoint::Service;
use crate::json_output::ToJson;
use crate::operation::{Operation, Parameter};
use crate::page::ListOperation;
use crate::parameter_values::FromParameters;
use crate::phone_number::SafelistNumber;
use crate::retry::Idempotency;
use crate::secret::AwsCredentials;
use crate::sid::{AccountSid, ApiKeySid, CredentialSid};

pub mod accounts_2010;
pub mod auth_tokens;
pub mod consents_bulk;
pub mod contacts_bulk;
pub mod credential;
pub mod credentials_aws;
pub mod credentials_public_keys;
pub mod iam_keys;
pub mod item_result;
pub mod keys_2010;
pub mod messaging_geopermissions;
pub mod safelist;

/// What the registry knows about one operation: its declaration's constants.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OperationInfo {
    /// The spec's `operationId`: unique within its API, not across APIs
    /// (see [`qualified_name`](Self::qualified_name)).
    pub id: &'static str,
    /// Which Twilio API (and so which spec and host) it belongs to.
    pub service: Service,
    /// The HTTP method.
    pub method: Method,
    /// The spec's path template.
    pub path: &'static str,
    /// Whether it may be repeated.
    pub idempotency: Idempotency,
    /// Every parameter it can send.
    pub parameters: &'static [Parameter],
    /// The success field that carries a secret, if any.
    pub secret_field: Option<&'static str>,
    /// The parameters whose values are secrets.
    pub secret_parameters: &'static [&'static str],
    /// What a 404 means for it.
    pub not_found_hint: Option<&'static str>,
}

impl OperationInfo {
    /// The name that is unique across APIs: the API's
    /// [`qualifier`](Service::qualifier), a dot and the `operationId`
    /// (`iam.v1.FetchKey`, `api.v2010.FetchKey`).
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.service.qualifier(), self.id)
    }

    /// Whether `name` names this operation: its qualified name, or its bare
    /// `operationId`.
    fn is_named(&self, name: &str) -> bool {
        match name.strip_suffix(self.id) {
            Some("") => true,
            Some(prefix) => prefix.strip_suffix('.') == Some(self.service.qualifier()),
            None => false,
        }
    }

    /// The constants of `O`.
    pub const fn of<O: Operation>() -> Self {
        OperationInfo {
            id: O::ID,
            service: O::SERVICE,
            method: O::METHOD,
            path: O::PATH,
            idempotency: O::IDEMPOTENCY,
            parameters: O::PARAMETERS,
            secret_field: O::SECRET_FIELD,
            secret_parameters: O::SECRET_PARAMETERS,
            not_found_hint: O::NOT_FOUND_HINT,
        }
    }
}

/// Code that runs once per registered operation, with a value of each
/// (see [`visit_operations`]): how tests, fuzz checks and a generic caller
/// (one that calls any operation by its id) cover every operation without a list of their
/// own. Every operation can be built from named values ([`FromParameters`])
/// and its answer written as JSON ([`ToJson`]), so such a caller needs no
/// code of its own per operation.
pub trait OperationVisitor {
    /// Called with an example of one operation (the spec's example values).
    fn visit<O>(&mut self, example: O)
    where
        O: Operation + FromParameters + Clone + Debug + Send + Sync + 'static,
        O::Output: ToJson + Clone + Debug + Send + 'static;

    /// Called instead of [`visit`](Self::visit) for a paged list, so that
    /// paging can be exercised too; by default, the same as `visit`.
    fn visit_list<L>(&mut self, example: L)
    where
        L: ListOperation + FromParameters + Clone + Debug + Send + Sync + 'static,
        L::Item: ToJson + Clone + Debug + Send + 'static,
    {
        self.visit(example);
    }
}

/// The one list of operations: each row says `call` (or `list`, for a
/// paged list), the type, and an example value.
macro_rules! registry {
    ($($kind:ident $operation:ty => $example:expr),* $(,)?) => {
        /// Every operation the core implements.
        pub const OPERATIONS: &[OperationInfo] = &[$(OperationInfo::of::<$operation>()),*];

        /// Calls `visitor` with an example of every operation, in
        /// [`OPERATIONS`] order.
        pub fn visit_operations(visitor: &mut impl OperationVisitor) {
            $(registry!(@visit $kind, visitor, $operation, $example);)*
        }
    };
    (@visit call, $visitor:ident, $operation:ty, $example:expr) => {
        $visitor.visit::<$operation>($example)
    };
    (@visit list, $visitor:ident, $operation:ty, $example:expr) => {
        $visitor.visit_list::<$operation>($example)
    };
}

registry! {
    call auth_tokens::PromoteAuthToken => auth_tokens::PromoteAuthToken::new(),
    call auth_tokens::CreateSecondaryAuthToken => auth_tokens::CreateSecondaryAuthToken::new(),
    call auth_tokens::DeleteSecondaryAuthToken => auth_tokens::DeleteSecondaryAuthToken::new(),
    list credentials_public_keys::ListCredentialPublicKeys =>
        credentials_public_keys::ListCredentialPublicKeys::new(),
    call credentials_public_keys::FetchCredentialPublicKey =>
        credentials_public_keys::FetchCredentialPublicKey::new(CredentialSid::EXAMPLE),
    call credentials_public_keys::CreateCredentialPublicKey =>
        credentials_public_keys::CreateCredentialPublicKey {
            public_key: EXAMPLE_PUBLIC_KEY.to_owned(),
            friendly_name: None,
            account_sid: None,
        },
    call credentials_public_keys::UpdateCredentialPublicKey =>
        credentials_public_keys::UpdateCredentialPublicKey::with_name(CredentialSid::EXAMPLE, None),
    call credentials_public_keys::DeleteCredentialPublicKey =>
        credentials_public_keys::DeleteCredentialPublicKey::new(CredentialSid::EXAMPLE),
    list credentials_aws::ListCredentialAws => credentials_aws::ListCredentialAws::new(),
    call credentials_aws::CreateCredentialAws =>
        credentials_aws::CreateCredentialAws::new(AwsCredentials::spec_example()),
    call credentials_aws::FetchCredentialAws =>
        credentials_aws::FetchCredentialAws::new(CredentialSid::EXAMPLE),
    call credentials_aws::UpdateCredentialAws =>
        credentials_aws::UpdateCredentialAws::with_name(CredentialSid::EXAMPLE, None),
    call credentials_aws::DeleteCredentialAws =>
        credentials_aws::DeleteCredentialAws::new(CredentialSid::EXAMPLE),
    call safelist::CreateSafelist => safelist::CreateSafelist::new(SafelistNumber::spec_example()),
    call safelist::FetchSafelist => safelist::FetchSafelist::new(SafelistNumber::spec_example()),
    call safelist::DeleteSafelist => safelist::DeleteSafelist::new(SafelistNumber::spec_example()),
    call messaging_geopermissions::FetchMessagingGeopermissions =>
        messaging_geopermissions::FetchMessagingGeopermissions::all(),
    call messaging_geopermissions::UpdateMessagingGeopermissions =>
        messaging_geopermissions::UpdateMessagingGeopermissions::example(),
    call consents_bulk::CreateBulkConsents => consents_bulk::CreateBulkConsents::example(),
    call contacts_bulk::CreateBulkContacts => contacts_bulk::CreateBulkContacts::example(),
    list accounts_2010::ListAccount => accounts_2010::ListAccount::new(),
    call accounts_2010::FetchAccount => accounts_2010::FetchAccount::new(AccountSid::EXAMPLE),
    list keys_2010::ListKey => keys_2010::ListKey::new(AccountSid::EXAMPLE),
    call keys_2010::CreateNewKey => keys_2010::CreateNewKey::new(AccountSid::EXAMPLE),
    call keys_2010::FetchKey => keys_2010::FetchKey::new(AccountSid::EXAMPLE, ApiKeySid::EXAMPLE),
    call keys_2010::UpdateKey =>
        keys_2010::UpdateKey::with_name(AccountSid::EXAMPLE, ApiKeySid::EXAMPLE, None),
    call keys_2010::DeleteKey => keys_2010::DeleteKey::new(AccountSid::EXAMPLE, ApiKeySid::EXAMPLE),
    list keys_2010::ListSigningKey => keys_2010::ListSigningKey::new(AccountSid::EXAMPLE),
    call keys_2010::CreateNewSigningKey => keys_2010::CreateNewSigningKey::new(AccountSid::EXAMPLE),
    call keys_2010::FetchSigningKey =>
        keys_2010::FetchSigningKey::new(AccountSid::EXAMPLE, ApiKeySid::EXAMPLE),
    call keys_2010::UpdateSigningKey =>
        keys_2010::UpdateSigningKey::with_name(AccountSid::EXAMPLE, ApiKeySid::EXAMPLE, None),
    call keys_2010::DeleteSigningKey =>
        keys_2010::DeleteSigningKey::new(AccountSid::EXAMPLE, ApiKeySid::EXAMPLE),
    list iam_keys::ListIamKeys => iam_keys::ListIamKeys::new(AccountSid::EXAMPLE),
    call iam_keys::CreateIamKey => iam_keys::CreateIamKey::standard(AccountSid::EXAMPLE),
    call iam_keys::FetchIamKey => iam_keys::FetchIamKey::new(ApiKeySid::EXAMPLE),
    call iam_keys::UpdateIamKey => iam_keys::UpdateIamKey::new(ApiKeySid::EXAMPLE),
    call iam_keys::DeleteIamKey => iam_keys::DeleteIamKey::new(ApiKeySid::EXAMPLE),
}

/// An example public key: Twilio's published RSA 2048 example, from its
/// Public Key Client Validation guide (the spec's own example is cut short,
/// and `CreateCredentialPublicKey` takes only a whole RSA 2048 key).
pub(crate) const EXAMPLE_PUBLIC_KEY: &str = include_str!("example_public_key_2048.pem");

/// The registered operation named `name` (a qualified name or a bare
/// `operationId`, see [`lookup`]), or `None` when there is none or the bare
/// id is in several APIs.
pub fn find(name: &str) -> Option<&'static OperationInfo> {
    lookup(name).ok()
}

/// The registered operation `id` of `service`'s API.
pub fn find_in(service: Service, id: &str) -> Option<&'static OperationInfo> {
    OPERATIONS
        .iter()
        .find(|info| info.service == service && info.id == id)
}

/// Why [`lookup`] found no single operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LookupError {
    /// No registered operation has this name.
    #[error("there is no operation `{name}`")]
    Unknown {
        /// The name asked for.
        name: String,
    },
    /// A bare `operationId` that several APIs have.
    #[error("`{name}` is an operation of several APIs; say which: {}", candidates.join(", "))]
    Ambiguous {
        /// The name asked for.
        name: String,
        /// The qualified name of each operation it could mean, in registry
        /// order.
        candidates: Vec<String>,
    },
}

/// The registered operation named `name`: a qualified name
/// (`iam.v1.FetchKey`, always one operation at most) or a bare
/// `operationId` (`ListGetKeys`), accepted when exactly one API has it.
pub fn lookup(name: &str) -> Result<&'static OperationInfo, LookupError> {
    let mut matches = OPERATIONS.iter().filter(|info| info.is_named(name));
    match (matches.next(), matches.next()) {
        (Some(one), None) => Ok(one),
        (None, _) => Err(LookupError::Unknown {
            name: name.to_owned(),
        }),
        (Some(first), Some(second)) => Err(LookupError::Ambiguous {
            name: name.to_owned(),
            candidates: [first, second]
                .into_iter()
                .chain(matches)
                .map(OperationInfo::qualified_name)
                .collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::ParameterLocation;

    #[test]
    fn ids_are_unique_within_an_api_and_qualified_names_across_apis() {
        for (i, a) in OPERATIONS.iter().enumerate() {
            for b in &OPERATIONS[i + 1..] {
                assert!(a.service != b.service || a.id != b.id, "{}", a.id);
                assert_ne!(a.qualified_name(), b.qualified_name());
                assert!(
                    a.method != b.method || a.path != b.path,
                    "{} {}",
                    a.id,
                    b.id
                );
            }
        }
    }

    #[test]
    fn every_path_placeholder_is_a_path_parameter_and_back() {
        for info in OPERATIONS {
            // `{Sid}` may share its segment with a suffix (`{Sid}.json`).
            let placeholders: Vec<&str> = info
                .path
                .split('{')
                .skip(1)
                .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
                .collect();
            let path_parameters: Vec<&str> = info
                .parameters
                .iter()
                .filter(|p| p.location == ParameterLocation::Path)
                .map(|p| p.name)
                .collect();
            assert_eq!(placeholders, path_parameters, "{}", info.id);
        }
    }

    #[test]
    fn every_qualified_name_resolves_to_its_operation() {
        for info in OPERATIONS {
            assert_eq!(lookup(&info.qualified_name()), Ok(info));
            assert_eq!(find_in(info.service, info.id), Some(info));
        }
    }

    #[test]
    fn a_bare_id_resolves_only_when_one_api_has_it() {
        for info in OPERATIONS {
            let apis = OPERATIONS.iter().filter(|o| o.id == info.id).count();
            match lookup(info.id) {
                Ok(found) => assert_eq!((found, apis), (info, 1)),
                Err(LookupError::Ambiguous { name, candidates }) => {
                    assert_eq!(name, info.id);
                    assert_eq!(candidates.len(), apis);
                    assert!(candidates.contains(&info.qualified_name()));
                }
                Err(other) => panic!("{other}"),
            }
        }
        // The four ids both key APIs have, and nothing else.
        let ambiguous: Vec<&str> = OPERATIONS
            .iter()
            .filter(|o| o.service == Service::Iam && lookup(o.id).is_err())
            .map(|o| o.id)
            .collect();
        assert_eq!(
            ambiguous,
            ["CreateNewKey", "FetchKey", "UpdateKey", "DeleteKey"]
        );
        assert_eq!(
            lookup("CreateNewKey").unwrap_err().to_string(),
            "`CreateNewKey` is an operation of several APIs; say which: api.v2010.CreateNewKey, iam.v1.CreateNewKey"
        );
    }

    #[test]
    fn names_that_are_not_exactly_a_qualified_name_are_unknown() {
        for name in [
            "",
            "FetchKeys",
            "fetchkey",
            "v1.FetchKey",
            "iam.FetchKey",
            "iam.v1FetchKey",
            "iam.v1.",
            "accounts.v1.FetchKey",
            "iam.v1.iam.v1.FetchKey",
            ".FetchKey",
        ] {
            assert_eq!(
                lookup(name),
                Err(LookupError::Unknown {
                    name: name.to_owned()
                }),
                "{name}"
            );
        }
    }

    #[test]
    fn the_visitor_sees_every_operation_in_order() {
        struct Ids(Vec<&'static str>);
        impl OperationVisitor for Ids {
            fn visit<O>(&mut self, _: O)
            where
                O: Operation + Clone + Debug + Send + Sync + 'static,
                O::Output: Clone + Debug + Send + 'static,
            {
                self.0.push(O::ID);
            }
        }
        let mut ids = Ids(Vec::new());
        visit_operations(&mut ids);
        let expected: Vec<&str> = OPERATIONS.iter().map(|o| o.id).collect();
        assert_eq!(ids.0, expected);
    }

    /// Every example, written as `Name=Value` pairs the way it goes on the
    /// wire, reads back into an operation that sends the same parameters:
    /// each operation's `FromParameters` agrees with its own request.
    #[test]
    fn every_operation_reads_back_from_its_own_parameters() {
        struct RoundTrip(Vec<&'static str>);
        impl OperationVisitor for RoundTrip {
            fn visit<O>(&mut self, example: O)
            where
                O: Operation + FromParameters + Clone + Debug + Send + Sync + 'static,
                O::Output: ToJson + Clone + Debug + Send + 'static,
            {
                let wire = |o: &O| {
                    let path: Vec<(String, String)> = o
                        .path_values()
                        .iter()
                        .map(|v| (v.name().to_owned(), v.value().to_owned()))
                        .collect();
                    let mut form = crate::form::Form::new();
                    o.form(&mut form);
                    let form: Vec<(String, String)> = form_urlencoded::parse(form.as_bytes())
                        .into_owned()
                        .collect();
                    (path, o.query(), form)
                };
                let (path, query, form) = wire(&example);
                let mut values = crate::ParameterValues::new();
                for (name, value) in path.iter().cloned() {
                    values.push(name, value);
                }
                for (name, value) in &query {
                    values.push(*name, value.clone());
                }
                for (name, value) in &form {
                    values.push(name.clone(), value.clone());
                }
                let read =
                    O::from_parameter_values(&values).unwrap_or_else(|e| panic!("{}: {e}", O::ID));
                assert_eq!(wire(&read), (path, query, form), "{}", O::ID);
                self.0.push(O::ID);
            }
        }
        let mut seen = RoundTrip(Vec::new());
        visit_operations(&mut seen);
        assert_eq!(seen.0.len(), OPERATIONS.len());
    }

    #[test]
    fn unknown_names_are_refused_with_the_valid_ones() {
        let values = crate::ParameterValues::from_pairs([
            ("Sid", "CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            ("Name", "x"),
        ]);
        let err = credentials_aws::UpdateCredentialAws::from_parameter_values(&values).unwrap_err();
        assert_eq!(
            err.to_string(),
            "UpdateCredentialAws takes no parameter `Name`; it takes: Sid, FriendlyName"
        );
    }
}
