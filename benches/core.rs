//! The core's costs: parsing SIDs and timestamps, building every registered
//! operation's request, parsing each Auth Token response and an error.
//! (Webhook validation, now in its own crate, is measured in
//! `benches/webhook.rs`.) The times are information: a call to Twilio is a
//! network round trip of tens to hundreds of milliseconds, and the core's
//! share of it is what they show.
//!
//! Benchmarks of an operation are keyed by its operationId
//! (`build/UpdateAuthTokenPromotion`, `parse/…`). `build_and_parse/<id>`
//! runs for every registered operation with the spec's first success example
//! as the answer, and `parse_page_50` parses a list page of 50 credentials
//! (goal ≤ 50 µs).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use twilio_accounts_benches::{SID, context, response, spec_success_example};
use twilio_accounts_core::operations::{OperationVisitor, visit_operations};
use twilio_accounts_core::{
    AccountSid, CreateSecondaryAuthToken, DeleteSecondaryAuthToken, Error, FromParameters,
    ListCredentialAws, Operation, PromoteAuthToken, RequestContext, Timestamp, ToJson,
};

const PROMOTE_BODY: &[u8] = br#"{"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","auth_token":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","date_created":"2015-07-31T04:00:00Z","date_updated":"2015-07-31T04:00:00Z","url":"https://accounts.twilio.com/v1/AuthTokens/Promote"}"#;
const SECONDARY_BODY: &[u8] = br#"{"account_sid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","date_created":"2015-07-31T04:00:00Z","date_updated":"2015-07-31T04:00:00Z","secondary_auth_token":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","url":"https://accounts.twilio.com/v1/AuthTokens/Secondary"}"#;
const ERROR_BODY: &[u8] = br#"{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}"#;

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

/// A benchmark's name: the operationId, or its qualified name when two
/// APIs share it (`iam.v1.FetchKey`), since criterion's ids must be unique.
fn bench_name<O: Operation>() -> String {
    match twilio_accounts_core::operations::lookup(O::ID) {
        Ok(_) => O::ID.to_owned(),
        Err(_) => format!("{}.{}", O::SERVICE.qualifier(), O::ID),
    }
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
        self.group.bench_function(bench_name::<O>(), |b| {
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

/// Builds every registered operation's request and parses its spec example.
struct BuildAndParseEach<'a, 'b> {
    group: &'a mut criterion::BenchmarkGroup<'b, criterion::measurement::WallTime>,
    context: RequestContext,
}

impl OperationVisitor for BuildAndParseEach<'_, '_> {
    fn visit<O>(&mut self, example: O)
    where
        O: Operation + FromParameters + Clone + std::fmt::Debug + Send + Sync + 'static,
        O::Output: ToJson + Clone + std::fmt::Debug + Send + 'static,
    {
        let Some((status, body)) = spec_success_example(O::SERVICE, O::ID) else {
            panic!("{}: no success example in the spec", O::ID);
        };
        let context = &self.context;
        // The answer must parse, or the bench would time the error path.
        context
            .parse_response(&example, response(status, &body))
            .unwrap_or_else(|e| panic!("{}: the spec example does not parse: {e}", O::ID));
        self.group.bench_function(bench_name::<O>(), |b| {
            b.iter_batched(
                || response(status, &body),
                |r| {
                    let request = context.build_request(black_box(&example));
                    let reply = context.parse_response(&example, r);
                    (request, reply)
                },
                criterion::BatchSize::SmallInput,
            )
        });
    }
}

fn build_and_parse_every_operation(c: &mut Criterion) {
    let mut group = c.benchmark_group("build_and_parse_spec");
    visit_operations(&mut BuildAndParseEach {
        group: &mut group,
        context: context(),
    });
    group.finish();
}

/// A page of 50 AWS credentials, as Twilio writes one.
fn page_of_50() -> Vec<u8> {
    let items: Vec<String> = (0..50)
        .map(|n| {
            format!(
                r#"{{"sid":"CR{n:032x}","account_sid":"{SID}","friendly_name":"deploy key {n}","date_created":"2015-07-31T04:00:00Z","date_updated":"2015-07-31T04:00:00Z","url":"https://accounts.twilio.com/v1/Credentials/AWS/CR{n:032x}"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"credentials":[{}],"meta":{{"page":0,"page_size":50,"first_page_url":"https://accounts.twilio.com/v1/Credentials/AWS?PageSize=50&Page=0","previous_page_url":null,"url":"https://accounts.twilio.com/v1/Credentials/AWS?PageSize=50&Page=0","next_page_url":"https://accounts.twilio.com/v1/Credentials/AWS?PageSize=50&Page=1&PageToken=PAaa","key":"credentials"}}}}"#,
        items.join(",")
    )
    .into_bytes()
}

fn pages(c: &mut Criterion) {
    let ctx = context();
    let body = page_of_50();
    let list = ListCredentialAws::new().page_size(50).unwrap();
    let parsed = ctx.parse_response(&list, response(200, &body)).unwrap();
    assert_eq!(parsed.value.items.len(), 50);
    c.benchmark_group("parse_page_50")
        .bench_function(ListCredentialAws::ID, |b| {
            b.iter_batched(
                || response(200, &body),
                |r| ctx.parse_response(&list, r),
                criterion::BatchSize::SmallInput,
            )
        });
}

criterion_group!(
    benches,
    parsing,
    requests,
    responses,
    build_and_parse_every_operation,
    pages
);
criterion_main!(benches);
