//! The send seam of a key rotation: a [`KeyCall`] made through any client
//! that implements [`KeySender`].
//!
//! Every call maps onto the core's key operations (IAM v1's
//! [`FetchIamKey`], [`ListIamKeys`], [`CreateIamKey`], [`DeleteIamKey`], or
//! the 2010 API's [`FetchAccountKey`], [`ListAccountKeys`],
//! [`CreateAccountKey`], [`DeleteAccountKey`] over [`Keys`]); only a
//! [`VerifyRead::Path`] is a request of its own ([`PathRead`]), a `GET` of
//! the path the caller named, whose answer is only checked to be a 2xx.

use twilio_accounts_client::{BlockingTransport, Client, ThreadSleep};
use twilio_accounts_core::http::{Method, StatusCode};
use twilio_accounts_core::operations::keys_2010::Keys;
use twilio_accounts_core::{
    AccountSid, ApiKeySid, CreateAccountKey, CreateIamKey, DecodeError, DeleteAccountKey,
    DeleteIamKey, Endpoint, Error, FetchAccountKey, FetchIamKey, FriendlyName, Idempotency,
    ListAccountKeys, ListIamKeys, ListOperation, Operation, Page, Service,
};

use crate::key_config::KeyApi;
use crate::key_failure::ListedKey;
use crate::key_journal::NewKeyKind;
use crate::key_rotation::{KeyCall, KeyCallKind, KeyCallResult, VerifyRead};
use crate::perform::{CallSender, verify_operation};

/// Most pages a key listing reads (at the largest page size, far more keys
/// than Twilio lets an account keep).
const MAX_PAGES: usize = 100;
/// The page size of a key listing.
const PAGE_SIZE: u32 = 1000;

/// A [`CallSender`] that also knows its endpoint, to follow a listing's
/// next-page links (checked to lead to the same list).
pub trait KeySender: CallSender {
    /// The endpoint the sender's requests go to.
    fn endpoint(&self) -> &Endpoint;
}

impl<T: BlockingTransport> KeySender for Client<T, ThreadSleep> {
    fn endpoint(&self) -> &Endpoint {
        Client::<T, ThreadSleep>::endpoint(self)
    }
}

/// A `GET` of a path the caller named ([`KeyVerify::Path`](crate::KeyVerify::Path)):
/// on the 2010 API's host when it starts with `/2010-04-01/`, else on
/// Accounts v1's. Any 2xx counts; the body is not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRead<const API_2010: bool> {
    path_and_query: String,
}

macro_rules! path_read {
    ($api_2010:literal, $service:expr) => {
        impl Operation for PathRead<$api_2010> {
            type Output = ();
            const ID: &'static str = "VerifyPath";
            const METHOD: Method = Method::GET;
            const SERVICE: Service = $service;
            const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
            const PATH: &'static str = "/";

            fn followed_link(&self) -> Option<&str> {
                Some(&self.path_and_query)
            }

            fn parse_success(&self, _: StatusCode, _: &[u8]) -> Result<(), DecodeError> {
                Ok(())
            }
        }
    };
}

path_read!(false, Service::Accounts);
path_read!(true, Service::Api);

/// Every item of a list, page by page.
fn all<L, S>(sender: &S, call: &KeyCall, first: L) -> Result<Vec<L::Item>, Error>
where
    L: ListOperation,
    S: KeySender,
{
    let credentials = &call.credentials;
    let mut page: Page<L::Item> = sender.send_as(credentials, &first)?;
    let mut items = std::mem::take(&mut page.items);
    for _ in 1..MAX_PAGES {
        let Some(next) = L::next_page(sender.endpoint(), &page)? else {
            break;
        };
        page = sender.send_as(credentials, &next)?;
        items.append(&mut page.items);
    }
    Ok(items)
}

fn listed(sid: Option<ApiKeySid>, friendly_name: Option<String>) -> Option<ListedKey> {
    sid.map(|sid| ListedKey { sid, friendly_name })
}

fn verify(call: &KeyCall, read: &VerifyRead, sender: &impl KeySender) -> Result<(), Error> {
    let credentials = &call.credentials;
    match read {
        VerifyRead::PublicKeys => sender.send_as(credentials, &verify_operation()).map(drop),
        VerifyRead::OwnKey { api, sid } => {
            fetch(call.account_sid, *api, *sid, call, sender).map(drop)
        }
        VerifyRead::Path(path) if path.starts_with("/2010-04-01/") => sender.send_as(
            credentials,
            &PathRead::<true> {
                path_and_query: path.clone(),
            },
        ),
        VerifyRead::Path(path) => sender.send_as(
            credentials,
            &PathRead::<false> {
                path_and_query: path.clone(),
            },
        ),
    }
}

fn fetch(
    account: AccountSid,
    api: KeyApi,
    sid: ApiKeySid,
    call: &KeyCall,
    sender: &impl KeySender,
) -> Result<KeyCallResult, Error> {
    let credentials = &call.credentials;
    match api {
        KeyApi::Iam => sender
            .send_as(credentials, &FetchIamKey::new(sid))
            .map(|key| KeyCallResult::Fetched {
                friendly_name: key.friendly_name,
                policy: key.policy,
            }),
        KeyApi::V2010 => sender
            .send_as(credentials, &FetchAccountKey::<Keys>::new(account, sid))
            .map(|key| KeyCallResult::Fetched {
                friendly_name: key.friendly_name,
                policy: None,
            }),
    }
}

/// Makes a key rotation's call through any [`KeySender`]. A delete's 404
/// counts as deleted; a fetch's 404 is returned as the error it is.
pub fn perform_key(call: &KeyCall, sender: &impl KeySender) -> Result<KeyCallResult, Error> {
    let account = call.account_sid;
    let credentials = &call.credentials;
    match &call.kind {
        KeyCallKind::Verify(read) => verify(call, read, sender).map(|()| KeyCallResult::Verified),
        KeyCallKind::Fetch { api, sid } => fetch(account, *api, *sid, call, sender),
        KeyCallKind::List { api: KeyApi::Iam } => {
            let first = ListIamKeys::new(account).page_size(PAGE_SIZE)?;
            all(sender, call, first).map(|keys| {
                KeyCallResult::Listed(
                    keys.into_iter()
                        .filter_map(|k| listed(k.sid, k.friendly_name))
                        .collect(),
                )
            })
        }
        KeyCallKind::List { api: KeyApi::V2010 } => {
            let first = ListAccountKeys::<Keys>::new(account).page_size(PAGE_SIZE)?;
            all(sender, call, first).map(|keys| {
                KeyCallResult::Listed(
                    keys.into_iter()
                        .filter_map(|k| listed(k.sid, k.friendly_name))
                        .collect(),
                )
            })
        }
        KeyCallKind::Create {
            api,
            kind,
            friendly_name,
        } => {
            let name = FriendlyName::new(friendly_name.clone())?;
            match (api, kind) {
                (KeyApi::Iam, NewKeyKind::Standard) => sender
                    .send_as(
                        credentials,
                        &CreateIamKey::standard(account).friendly_name(name),
                    )
                    .map(|k| KeyCallResult::Created {
                        sid: k.sid,
                        secret: k.secret.clone(),
                    }),
                (KeyApi::Iam, NewKeyKind::Restricted(policy)) => sender
                    .send_as(
                        credentials,
                        &CreateIamKey::restricted(account, policy.clone())?.friendly_name(name),
                    )
                    .map(|k| KeyCallResult::Created {
                        sid: k.sid,
                        secret: k.secret.clone(),
                    }),
                (KeyApi::V2010, _) => sender
                    .send_as(
                        credentials,
                        &CreateAccountKey::<Keys>::new(account).friendly_name(name),
                    )
                    .map(|k| KeyCallResult::Created {
                        sid: k.sid,
                        secret: k.secret.clone(),
                    }),
            }
        }
        KeyCallKind::Delete { api, sid } => {
            let result = match api {
                KeyApi::Iam => sender
                    .send_as(credentials, &DeleteIamKey::new(*sid))
                    .map(drop),
                KeyApi::V2010 => sender
                    .send_as(credentials, &DeleteAccountKey::<Keys>::new(account, *sid))
                    .map(drop),
            };
            match result {
                Ok(()) => Ok(KeyCallResult::Deleted),
                Err(e) if e.is_not_found() => Ok(KeyCallResult::Deleted),
                Err(e) => Err(e),
            }
        }
    }
}
