//! The core's costs: parsing SIDs and timestamps, building every registered
//! operation's request, parsing each Auth Token response and an error.
//! (Webhook validation, now in its own crate, is measured in
//! `benches/webhook.rs`.) Goals (see BENCH.md): promote build + parse ≤ 1 µs,
//! SID parse ≤ 20 ns.
//!
//! Benchmarks of an operation are keyed by its operationId
//! (`build/UpdateAuthTokenPromotion`, `parse/…`).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use http::Response;
use twilio_accounts_core::operations::{OperationVisitor, visit_operations};
use twilio_accounts_core::{
    AccountSid, AuthToken, CreateSecondaryAuthToken, Credentials, DeleteSecondaryAuthToken,
    Endpoint, Error, Operation, PromoteAuthToken, RequestContext, Timestamp,
};

const SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const PROMOTE_BODY: &[u8] = br#"{"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","auth_token":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","date_created":"2015-07-31T04:00:00Z","date_updated":"2015-07-31T04:00:00Z","url":"https://accounts.twilio.com/v1/AuthTokens/Promote"}"#;
const SECONDARY_BODY: &[u8] = br#"{"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","date_created":"2015-07-31T04:00:00Z","date_updated":"2015-07-31T04:00:00Z","secondary_auth_token":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","url":"https://accounts.twilio.com/v1/AuthTokens/Secondary"}"#;
const ERROR_BODY: &[u8] = br#"{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}"#;

fn context() -> RequestContext {
    RequestContext::new(
        Credentials::auth_token(
            SID.parse().unwrap(),
            AuthToken::new("0123456789abcdef0123456789abcdef").unwrap(),
        ),
        Endpoint::default(),
    )
}

fn response(status: u16, body: &[u8]) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("twilio-request-id", "RQ0123456789abcdef0123456789abcdef")
        .body(body.to_vec())
        .unwrap()
}

fn parsing(c: &mut Criterion) {
    c.bench_function("sid_parse", |b| {
        b.iter(|| AccountSid::parse(black_box(SID)))
    });
    c.bench_function("timestamp_parse_rfc3339", |b| {
        b.iter(|| Timestamp::parse_rfc3339(black_box("2015-07-31T04:00:00Z")))
    });
    c.bench_function("timestamp_parse_rfc2822", |b| {
        b.iter(|| Timestamp::parse_rfc2822(black_box("Fri, 31 Jul 2015 04:00:00 +0000")))
    });
}

/// Builds every registered operation's example request.
struct BuildEach<'a, 'b> {
    group: &'a mut criterion::BenchmarkGroup<'b, criterion::measurement::WallTime>,
    context: RequestContext,
}

impl OperationVisitor for BuildEach<'_, '_> {
    fn visit<O>(&mut self, example: O)
    where
        O: Operation + Clone + std::fmt::Debug + Send + Sync + 'static,
        O::Output: Clone + std::fmt::Debug + Send + 'static,
    {
        let context = &self.context;
        self.group.bench_function(O::ID, |b| {
            b.iter(|| context.build_request(black_box(&example)))
        });
    }
}

fn requests(c: &mut Criterion) {
    let mut group = c.benchmark_group("build");
    visit_operations(&mut BuildEach {
        group: &mut group,
        context: context(),
    });
    group.finish();
}

fn responses(c: &mut Criterion) {
    let ctx = context();
    let mut parse = c.benchmark_group("parse");
    // The response is built outside the measured closure (its allocation is
    // the transport's), then moved in: parse_response consumes it.
    parse.bench_function("UpdateAuthTokenPromotion", |b| {
        b.iter_batched(
            || response(200, PROMOTE_BODY),
            |r| ctx.parse_response(&PromoteAuthToken::new(), r),
            criterion::BatchSize::SmallInput,
        )
    });
    parse.bench_function("CreateSecondaryAuthToken", |b| {
        b.iter_batched(
            || response(201, SECONDARY_BODY),
            |r| ctx.parse_response(&CreateSecondaryAuthToken::new(), r),
            criterion::BatchSize::SmallInput,
        )
    });
    parse.bench_function("DeleteSecondaryAuthToken", |b| {
        b.iter_batched(
            || response(204, b""),
            |r| ctx.parse_response(&DeleteSecondaryAuthToken::new(), r),
            criterion::BatchSize::SmallInput,
        )
    });
    parse.finish();
    c.benchmark_group("parse_error_401")
        .bench_function(PromoteAuthToken::ID, |b| {
            b.iter_batched(
                || response(401, ERROR_BODY),
                |r| Error::from_error_response(PromoteAuthToken::ID, &r, false),
                criterion::BatchSize::SmallInput,
            )
        });
    c.benchmark_group("build_and_parse")
        .bench_function(PromoteAuthToken::ID, |b| {
            b.iter_batched(
                || response(200, PROMOTE_BODY),
                |r| {
                    let request = ctx.build_request(&PromoteAuthToken::new());
                    let reply = ctx.parse_response(&PromoteAuthToken::new(), r);
                    (request, reply)
                },
                criterion::BatchSize::SmallInput,
            )
        });
}

criterion_group!(benches, parsing, requests, responses);
criterion_main!(benches);
