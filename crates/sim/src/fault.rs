//! Faults: ways the simulator misbehaves on purpose, for a bounded number of requests on a chosen route.

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::route::{Route, fault_route_names};

/// The longest any time-based fault lasts: a [`Fault::Delay`], the whole of a [`Fault::SlowDrip`], an
/// [`Fault::AuthLag`] (and `SimConfig::auth_lag`). Longer values are cut to this, so a forgotten fault can
/// never hang a test suite.
pub const MAX_FAULT_DURATION: Duration = Duration::from_secs(30);

/// The largest body [`Fault::OversizedBody`] sends; larger requests are cut to this.
pub const MAX_OVERSIZED_BODY: usize = 64 * 1024 * 1024;

/// Most armed fault entries at once; [`Simulator::set_fault`](crate::Simulator::set_fault) ignores more.
pub const MAX_FAULT_ENTRIES: usize = 1024;

/// One way to misbehave. Armed with [`Simulator::set_fault`](crate::Simulator::set_fault) for the next `times`
/// requests of a route.
///
/// Which faults apply the operation (change the account) and which do not:
///
/// | fault | state changed? | what the client sees |
/// |---|---|---|
/// | `RateLimited` | no | 429, Twilio body code 20429, `Retry-After` when given |
/// | `ServerError` | no | that 5xx status with an HTML body |
/// | `CloseBeforeRequest` | no | the connection closes with no response (body never read) |
/// | `NonJson200` | no | 200 with an HTML body, as from a captive portal or proxy |
/// | `Redirect` | no | 302 with `Location`, which a Twilio client must not follow |
/// | `Delay` | yes | the normal response, after the delay |
/// | `ApplyThenClose` | yes | the connection closes with no response |
/// | `TruncatedBody` | yes | `Content-Length` of the full body, half of it, then the connection closes |
/// | `OversizedBody` | yes | the normal JSON padded with spaces to `bytes`, chunked (no `Content-Length`) |
/// | `SlowDrip` | yes | the normal body, `chunk` bytes every `interval` |
/// | `AuthLag` | yes | a normal 200; then the new primary gets 401 for that long |
///
/// Body faults (`TruncatedBody`, `OversizedBody`, `SlowDrip`) leave a response that has no body (204)
/// unchanged. `AuthLag` only ever matches promotions, even when armed on [`Route::Any`].
///
/// ```
/// use std::time::Duration;
/// use twilio_accounts_sim::{Fault, FaultSpec, Route};
///
/// let spec: FaultSpec = "promote:rate-limited:2:3".parse().unwrap();
/// assert_eq!(spec.routes, [Route::Promote]);
/// assert!(matches!(spec.fault, Fault::RateLimited { retry_after: Some(2) }));
/// assert_eq!(spec.times, 3);
/// assert!(matches!(Fault::Delay(Duration::from_secs(3600)).bounded(), Fault::Delay(d) if d.as_secs() == 30));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// 429 with a Twilio error body (code 20429), and `Retry-After: <seconds>` when `retry_after` is given.
    /// Twilio says such a request was never processed, so the state is unchanged.
    RateLimited {
        /// Seconds for the `Retry-After` header; `None` sends no header.
        retry_after: Option<u64>,
    },
    /// A 5xx status (500, 502, 503, …) with an HTML body, as a load balancer sends; anything outside 500..=599
    /// is sent as 500. The state is unchanged.
    ServerError {
        /// The HTTP status.
        status: u16,
    },
    /// Apply the operation, wait this long (at most [`MAX_FAULT_DURATION`]), then answer normally.
    Delay(Duration),
    /// Close the connection without answering and without applying anything. The request head is parsed
    /// (that is how the route is known), its body is never read.
    CloseBeforeRequest,
    /// Apply the operation, then close the connection without answering: the ambiguous case a rotation client
    /// must survive (did the promote happen?).
    ApplyThenClose,
    /// Apply the operation and announce the full body length, send half of the body, then close.
    TruncatedBody,
    /// Apply the operation and send its JSON padded with trailing spaces to `bytes` (at most
    /// [`MAX_OVERSIZED_BODY`]), with chunked encoding so that only a client that limits while reading notices.
    OversizedBody {
        /// Total body size.
        bytes: usize,
    },
    /// 200 with `Content-Type: text/html` and an HTML page, without applying anything.
    NonJson200,
    /// Apply the operation and send its body `chunk` bytes at a time, one chunk per `interval`. The whole drip
    /// is kept within [`MAX_FAULT_DURATION`] (the interval shrinks if needed).
    SlowDrip {
        /// Bytes per write (at least 1).
        chunk: usize,
        /// Pause between writes.
        interval: Duration,
    },
    /// 302 Found with this `Location`, without applying anything. Twilio clients must not follow redirects
    /// (a redirect could carry the credentials elsewhere).
    Redirect {
        /// The `Location` header value.
        location: String,
    },
    /// The next promotion succeeds, but the new primary is refused (401, code 20003) for this long (at most
    /// [`MAX_FAULT_DURATION`]): exercises verify-with-backoff after a promote.
    AuthLag(Duration),
}

impl Fault {
    /// The same fault within the simulator's bounds: durations capped at [`MAX_FAULT_DURATION`], body sizes
    /// at [`MAX_OVERSIZED_BODY`], a drip chunk of at least one byte, a 5xx status.
    pub fn bounded(self) -> Fault {
        match self {
            Fault::ServerError { status } if !(500..=599).contains(&status) => {
                Fault::ServerError { status: 500 }
            }
            Fault::Delay(d) => Fault::Delay(d.min(MAX_FAULT_DURATION)),
            Fault::AuthLag(d) => Fault::AuthLag(d.min(MAX_FAULT_DURATION)),
            Fault::OversizedBody { bytes } => Fault::OversizedBody {
                bytes: bytes.min(MAX_OVERSIZED_BODY),
            },
            Fault::SlowDrip { chunk, interval } => Fault::SlowDrip {
                chunk: chunk.max(1),
                interval: interval.min(MAX_FAULT_DURATION),
            },
            other => other,
        }
    }
}

/// A fault armed on a route for a number of requests: what one `--fault ROUTE:KIND[:ARG]:TIMES` flag says.
///
/// ROUTE is a route's name ([`Route::name`], or an alias), or the plain kebab-case operationId that two
/// APIs share (`create-new-key`, `fetch-key`, `update-key`, `delete-key`), which arms the fault on both
/// routes, `TIMES` requests each; the qualified names (`api-v2010-create-new-key`,
/// `iam-v1-create-new-key`) arm one.
///
/// Kinds and their argument: `rate-limited[:SECS]`, `server-error[:STATUS]` (500), `delay:MS`,
/// `close-before-request`, `apply-then-close`, `truncated-body`, `oversized-body[:BYTES]` (1 MiB),
/// `non-json-200`, `slow-drip:CHUNK,MS`, `redirect:LOCATION` (may contain `:`), `auth-lag:MS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultSpec {
    /// Where it applies: one route, or the two routes of a shared operationId.
    pub routes: Vec<Route>,
    /// What happens.
    pub fault: Fault,
    /// For how many matching requests.
    pub times: u32,
}

/// Why a `--fault` argument could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultSpecError(String);

impl fmt::Display for FaultSpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FaultSpecError {}

/// A `--fault` route name (the operationId in kebab case, an older alias, or `any`).
impl FromStr for Route {
    type Err = FaultSpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match Route::select(s)[..] {
            [route] => Ok(route),
            [] => Err(unknown_route(s)),
            _ => Err(FaultSpecError(format!(
                "{s:?} names the routes of two APIs; qualify it (api-v2010-{s}, iam-v1-{s})"
            ))),
        }
    }
}

fn unknown_route(name: &str) -> FaultSpecError {
    FaultSpecError(format!(
        "unknown route {name:?} (expected one of: {})",
        fault_route_names()
    ))
}

impl FromStr for FaultSpec {
    type Err = FaultSpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |m: String| FaultSpecError(m);
        let (route, rest) = s
            .split_once(':')
            .ok_or_else(|| err(format!("{s:?} is not ROUTE:KIND[:ARG]:TIMES")))?;
        let (middle, times) = rest
            .rsplit_once(':')
            .ok_or_else(|| err(format!("{s:?} is not ROUTE:KIND[:ARG]:TIMES")))?;
        let (kind, arg) = match middle.split_once(':') {
            Some((kind, arg)) => (kind, Some(arg)),
            None => (middle, None),
        };
        let routes = Route::select(route);
        if routes.is_empty() {
            return Err(unknown_route(route));
        }
        let times: u32 = times.parse().map_err(|_| {
            err(format!(
                "TIMES must be a non-negative integer, got {times:?}"
            ))
        })?;
        let number = |what: &str| -> Result<u64, FaultSpecError> {
            let a = arg.ok_or_else(|| err(format!("{kind} needs :{what}")))?;
            a.parse().map_err(|_| {
                err(format!(
                    "{kind}: {what} must be a non-negative integer, got {a:?}"
                ))
            })
        };
        let no_arg = |f: Fault| match arg {
            None => Ok(f),
            Some(a) => Err(err(format!("{kind} takes no argument, got {a:?}"))),
        };
        let fault = match kind {
            "rate-limited" => Fault::RateLimited {
                retry_after: if arg.is_some() {
                    Some(number("SECS")?)
                } else {
                    None
                },
            },
            "server-error" => {
                let status = if arg.is_some() {
                    number("STATUS")?
                } else {
                    500
                };
                let status = u16::try_from(status)
                    .ok()
                    .filter(|s| (500..=599).contains(s));
                Fault::ServerError {
                    status: status.ok_or_else(|| {
                        err("server-error: STATUS must be within 500..=599".to_owned())
                    })?,
                }
            }
            "delay" => Fault::Delay(Duration::from_millis(number("MS")?)),
            "close-before-request" => no_arg(Fault::CloseBeforeRequest)?,
            "apply-then-close" => no_arg(Fault::ApplyThenClose)?,
            "truncated-body" => no_arg(Fault::TruncatedBody)?,
            "non-json-200" => no_arg(Fault::NonJson200)?,
            "oversized-body" => {
                let bytes = if arg.is_some() {
                    number("BYTES")?
                } else {
                    1024 * 1024
                };
                Fault::OversizedBody {
                    bytes: usize::try_from(bytes).unwrap_or(usize::MAX),
                }
            }
            "slow-drip" => {
                let a = arg.ok_or_else(|| err("slow-drip needs :CHUNK,MS".to_owned()))?;
                let (chunk, ms) = a
                    .split_once(',')
                    .ok_or_else(|| err(format!("slow-drip needs :CHUNK,MS, got {a:?}")))?;
                let chunk: usize = chunk.parse().map_err(|_| {
                    err(format!(
                        "slow-drip: CHUNK must be an integer, got {chunk:?}"
                    ))
                })?;
                let ms: u64 = ms
                    .parse()
                    .map_err(|_| err(format!("slow-drip: MS must be an integer, got {ms:?}")))?;
                Fault::SlowDrip {
                    chunk,
                    interval: Duration::from_millis(ms),
                }
            }
            "redirect" => Fault::Redirect {
                location: arg
                    .filter(|a| !a.is_empty())
                    .ok_or_else(|| err("redirect needs :LOCATION".to_owned()))?
                    .to_owned(),
            },
            "auth-lag" => Fault::AuthLag(Duration::from_millis(number("MS")?)),
            other => return Err(err(format!("unknown fault kind {other:?}"))),
        };
        Ok(FaultSpec {
            routes,
            fault,
            times,
        })
    }
}

/// The armed faults, in the order they were set. The first entry that matches a request is used and its count
/// goes down by one; an entry whose count reaches zero is removed.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    entries: VecDeque<Armed>,
}

/// One armed fault on one route.
#[derive(Debug)]
struct Armed {
    route: Route,
    fault: Fault,
    times: u32,
}

impl FaultQueue {
    /// Arms what a [`FaultSpec`] says: its fault on each of its routes.
    pub(crate) fn push_spec(&mut self, spec: FaultSpec) {
        for route in spec.routes {
            self.push(route, spec.fault.clone(), spec.times);
        }
    }

    pub(crate) fn push(&mut self, route: Route, fault: Fault, times: u32) {
        if times == 0 || self.entries.len() >= MAX_FAULT_ENTRIES {
            return;
        }
        self.entries.push_back(Armed {
            route,
            fault: fault.bounded(),
            times,
        });
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The fault for a request that took `route`, if one is armed; counts it as used.
    pub(crate) fn take(&mut self, route: Option<Route>) -> Option<Fault> {
        let index = self.entries.iter().position(|e| {
            e.route.matches(route)
                && (!matches!(e.fault, Fault::AuthLag(_)) || route == Some(Route::Promote))
        })?;
        let entry = self.entries.get_mut(index)?;
        entry.times = entry.times.saturating_sub(1);
        let fault = entry.fault.clone();
        if entry.times == 0 {
            self.entries.remove(index);
        }
        Some(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<FaultSpec, FaultSpecError> {
        s.parse()
    }

    #[test]
    fn routes_are_named_by_kebab_case_operation_id_or_by_their_old_short_name() {
        let names = [
            ("update-auth-token-promotion", Route::Promote),
            ("promote", Route::Promote),
            ("create-secondary-auth-token", Route::CreateSecondary),
            ("create-secondary", Route::CreateSecondary),
            ("delete-secondary-auth-token", Route::DeleteSecondary),
            ("delete-secondary", Route::DeleteSecondary),
            ("list-credential-public-key", Route::ListPublicKeys),
            ("list-public-keys", Route::ListPublicKeys),
            ("create-credential-public-key", Route::CreatePublicKey),
            ("fetch-credential-public-key", Route::FetchPublicKey),
            ("any", Route::Any),
        ];
        for (name, route) in names {
            let spec = parse(&format!("{name}:non-json-200:2"));
            assert_eq!(
                spec.map(|s| (s.routes, s.times)),
                Ok((vec![route], 2)),
                "{name}"
            );
        }
        for unknown in [
            "Promote",
            "UpdateAuthTokenPromotion",
            "update-auth-token",
            "",
        ] {
            let error = parse(&format!("{unknown}:non-json-200:1")).map(|s| s.routes);
            let message = error.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(
                message.contains("update-auth-token-promotion (promote)"),
                "{unknown}: {message}"
            );
        }
    }

    #[test]
    fn every_kind_parses() {
        let ok = [
            (
                "any:rate-limited:1",
                Fault::RateLimited { retry_after: None },
            ),
            (
                "promote:rate-limited:5:1",
                Fault::RateLimited {
                    retry_after: Some(5),
                },
            ),
            (
                "promote:server-error:503:1",
                Fault::ServerError { status: 503 },
            ),
            ("promote:server-error:1", Fault::ServerError { status: 500 }),
            (
                "promote:delay:250:1",
                Fault::Delay(Duration::from_millis(250)),
            ),
            ("promote:close-before-request:1", Fault::CloseBeforeRequest),
            ("promote:apply-then-close:1", Fault::ApplyThenClose),
            ("promote:truncated-body:1", Fault::TruncatedBody),
            (
                "promote:oversized-body:100:1",
                Fault::OversizedBody { bytes: 100 },
            ),
            ("promote:non-json-200:1", Fault::NonJson200),
            (
                "promote:slow-drip:4,10:1",
                Fault::SlowDrip {
                    chunk: 4,
                    interval: Duration::from_millis(10),
                },
            ),
            (
                "promote:redirect:http://127.0.0.1:9/x:1",
                Fault::Redirect {
                    location: "http://127.0.0.1:9/x".to_owned(),
                },
            ),
            (
                "promote:auth-lag:300:1",
                Fault::AuthLag(Duration::from_millis(300)),
            ),
        ];
        for (text, fault) in ok {
            assert_eq!(parse(text).map(|s| s.fault), Ok(fault), "{text}");
        }
    }

    #[test]
    fn malformed_specs_are_errors_not_panics() {
        for bad in [
            "",
            "promote",
            "promote:delay",
            "promote:delay:x:1",
            "nowhere:delay:1:1",
            "promote:teleport:1",
            "promote:server-error:404:1",
            "promote:apply-then-close:3:1",
            "promote:slow-drip:4:1",
            "promote:delay:1:-1",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn faults_are_used_in_order_and_counted_down() {
        let mut q = FaultQueue::default();
        q.push(Route::Promote, Fault::NonJson200, 2);
        q.push(Route::Any, Fault::TruncatedBody, 1);
        assert_eq!(
            q.take(Some(Route::ListPublicKeys)),
            Some(Fault::TruncatedBody)
        );
        assert_eq!(q.take(Some(Route::Promote)), Some(Fault::NonJson200));
        assert_eq!(q.take(Some(Route::Promote)), Some(Fault::NonJson200));
        assert_eq!(q.take(Some(Route::Promote)), None);
        assert!(q.is_empty());
    }

    #[test]
    fn auth_lag_only_matches_promotions() {
        let mut q = FaultQueue::default();
        q.push(Route::Any, Fault::AuthLag(Duration::from_millis(5)), 1);
        assert_eq!(q.take(Some(Route::ListPublicKeys)), None);
        assert_eq!(q.take(None), None);
        assert_eq!(
            q.take(Some(Route::Promote)),
            Some(Fault::AuthLag(Duration::from_millis(5)))
        );
    }

    #[test]
    fn time_and_size_are_bounded() {
        let mut q = FaultQueue::default();
        q.push(Route::Any, Fault::Delay(Duration::from_secs(86_400)), 1);
        assert_eq!(q.take(None), Some(Fault::Delay(MAX_FAULT_DURATION)));
        assert_eq!(
            Fault::OversizedBody { bytes: usize::MAX }.bounded(),
            Fault::OversizedBody {
                bytes: MAX_OVERSIZED_BODY
            }
        );
        assert_eq!(
            Fault::ServerError { status: 200 }.bounded(),
            Fault::ServerError { status: 500 }
        );
        q.push(Route::Any, Fault::NonJson200, 0);
        assert!(q.is_empty());
    }
}
