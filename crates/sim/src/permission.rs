//! Who may call what: the one table from each route to the access it needs, and the check of a caller
//! against it.
//!
//! A request authenticates with an Auth Token or an API key (`SK…:secret`), and acts for the account that
//! owns it. Then:
//!
//! - the **Auth Token** and a **Main** key may call every route;
//! - a **Standard** key may call every route but those marked [`Access::Owner`] or [`Access::Privileged`]
//!   (the Auth Token calls, the 2010 Accounts resource, the Keys and SigningKeys resources): 401 / 20003;
//! - a **Restricted** key may call a route only when its policy allows the route's permission and does not
//!   deny it (401 / 70051 otherwise); an [`Access::Owner`] route has no permission a policy can grant, so
//!   it is refused with 401 / 20003 as for a Standard key.
//!
//! Permission names: `/twilio/iam/api-keys/{read,create,update,delete}` are Twilio's. The others are the
//! simulator's assumption, written in the same style (`/twilio/<product>/<resource>/<action>`), and are
//! listed in the README's permission table.

use crate::api_key::{KeyKind, Principal};
use crate::route::Route;
use crate::wire::TwilioError;

/// What a route needs of the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// The Auth Token or a Main key only: no key policy grants it (the Auth Token calls, and the 2010
    /// Accounts resource, whose answers carry Auth Tokens).
    Owner,
    /// The Auth Token, a Main key, or a Restricted key allowed this permission; never a Standard key (the
    /// Keys resources).
    Privileged(&'static str),
    /// Any credential of the account; a Restricted key needs this permission.
    Open(&'static str),
}

const API_KEYS_READ: &str = "/twilio/iam/api-keys/read";
const API_KEYS_CREATE: &str = "/twilio/iam/api-keys/create";
const API_KEYS_UPDATE: &str = "/twilio/iam/api-keys/update";
const API_KEYS_DELETE: &str = "/twilio/iam/api-keys/delete";

/// THE table: the access each route needs.
pub(crate) fn access(route: Route) -> Access {
    use Access::{Open, Owner, Privileged};
    match route {
        Route::Promote | Route::CreateSecondary | Route::DeleteSecondary => Owner,
        Route::ListAccounts | Route::FetchAccount => Owner,
        Route::ListPublicKeys | Route::FetchPublicKey => {
            Open("/twilio/accounts/credentials/public-keys/read")
        }
        Route::CreatePublicKey => Open("/twilio/accounts/credentials/public-keys/create"),
        Route::UpdatePublicKey => Open("/twilio/accounts/credentials/public-keys/update"),
        Route::DeletePublicKey => Open("/twilio/accounts/credentials/public-keys/delete"),
        Route::ListAws | Route::FetchAws => Open("/twilio/accounts/credentials/aws/read"),
        Route::CreateAws => Open("/twilio/accounts/credentials/aws/create"),
        Route::UpdateAws => Open("/twilio/accounts/credentials/aws/update"),
        Route::DeleteAws => Open("/twilio/accounts/credentials/aws/delete"),
        Route::CreateSafelist => Open("/twilio/accounts/safelist/create"),
        Route::FetchSafelist => Open("/twilio/accounts/safelist/read"),
        Route::DeleteSafelist => Open("/twilio/accounts/safelist/delete"),
        Route::CreateBulkConsents => Open("/twilio/accounts/consents/create"),
        Route::CreateBulkContacts => Open("/twilio/accounts/contacts/create"),
        Route::FetchGeoPermissions => Open("/twilio/messaging/geo-permissions/read"),
        Route::UpdateGeoPermissions => Open("/twilio/messaging/geo-permissions/update"),
        Route::ListKeys | Route::FetchKey | Route::IamListKeys | Route::IamFetchKey => {
            Privileged(API_KEYS_READ)
        }
        Route::CreateKey | Route::IamCreateKey => Privileged(API_KEYS_CREATE),
        Route::UpdateKey | Route::IamUpdateKey => Privileged(API_KEYS_UPDATE),
        Route::DeleteKey | Route::IamDeleteKey => Privileged(API_KEYS_DELETE),
        Route::ListSigningKeys | Route::FetchSigningKey => {
            Privileged("/twilio/iam/signing-keys/read")
        }
        Route::CreateSigningKey => Privileged("/twilio/iam/signing-keys/create"),
        Route::UpdateSigningKey => Privileged("/twilio/iam/signing-keys/update"),
        Route::DeleteSigningKey => Privileged("/twilio/iam/signing-keys/delete"),
        Route::Any => Owner,
    }
}

impl Principal {
    /// `Ok` when this caller may take `route`; otherwise the error and its message.
    pub(crate) fn may_call(&self, route: Route) -> Result<(), (TwilioError, String)> {
        let refused = || (TwilioError::AUTHENTICATE, "Authenticate".to_owned());
        match (self, access(route)) {
            (Principal::AuthToken | Principal::Key(KeyKind::Main), _) => Ok(()),
            (Principal::Key(KeyKind::Standard), Access::Open(_)) => Ok(()),
            (Principal::Key(KeyKind::Standard), Access::Owner | Access::Privileged(_)) => {
                Err(refused())
            }
            (Principal::Key(KeyKind::Restricted(_)), Access::Owner) => Err(refused()),
            (
                Principal::Key(KeyKind::Restricted(policy)),
                Access::Open(permission) | Access::Privileged(permission),
            ) => {
                if policy.permits(permission) {
                    Ok(())
                } else {
                    Err((
                        TwilioError::MISSING_PERMISSION,
                        format!("The API key does not have the permission {permission}"),
                    ))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    /// The README's permission table, generated from [`access`] (a test keeps the README equal to it).
    fn readme_table() -> String {
        let mut table = String::from(
            "| request | operationId | Standard key | Restricted key needs |\n|---|---|---|---|\n",
        );
        for route in Route::ALL {
            let (Some((method, path)), Some(operation_id)) =
                (route.endpoint(), route.operation_id())
            else {
                continue;
            };
            let (standard, restricted) = match access(route) {
                Access::Owner => ("401 / 20003".to_owned(), "never (401 / 20003)".to_owned()),
                Access::Privileged(p) => ("401 / 20003".to_owned(), format!("`{p}`")),
                Access::Open(p) => ("yes".to_owned(), format!("`{p}`")),
            };
            let _ = writeln!(
                table,
                "| `{method} {path}` | `{operation_id}` | {standard} | {restricted} |"
            );
        }
        table
    }

    #[test]
    fn the_readme_permission_table_is_the_generated_one() {
        let readme = include_str!("../README.md");
        let generated = readme_table();
        assert!(
            readme.contains(&generated),
            "README.md must contain the permission table generated from src/permission.rs:\n\n{generated}"
        );
    }

    #[test]
    fn the_auth_token_and_main_keys_may_call_every_route_and_deny_beats_allow() {
        let policy = |text: &str| match crate::api_key::Policy::parse(text) {
            Ok(policy) => Principal::Key(KeyKind::Restricted(policy)),
            Err(_) => Principal::AuthToken,
        };
        for route in Route::ALL {
            assert!(Principal::AuthToken.may_call(route).is_ok());
            assert!(Principal::Key(KeyKind::Main).may_call(route).is_ok());
        }
        let allowed = policy(r#"{"allow":["/twilio/iam/api-keys/read"]}"#);
        let denied = policy(
            r#"{"allow":["/twilio/iam/api-keys/read"],"deny":["/twilio/iam/api-keys/read"]}"#,
        );
        assert!(allowed.may_call(Route::IamListKeys).is_ok());
        assert_eq!(
            denied.may_call(Route::IamListKeys).map_err(|(e, _)| e),
            Err(TwilioError::MISSING_PERMISSION)
        );
        assert_eq!(
            allowed.may_call(Route::Promote).map_err(|(e, _)| e),
            Err(TwilioError::AUTHENTICATE)
        );
    }
}
