//! Build + parse of one operation, `COUNT` times, for an instruction
//! counter: `scripts/bench-report` runs it under callgrind and divides.
//!
//! Wall time on a shared virtual machine moves with the host (the same
//! binary gave 1.2 to 2.3 µs for one promote from run to run); the number of
//! instructions does not. The counts are information, next to criterion's
//! times, with no goal.
//!
//! ```text
//! valgrind --tool=callgrind --toggle-collect='instructions::measured*' \
//!     target/release/deps/instructions-… FetchCredentialAws 1000
//! ```
//!
//! Under `cargo bench` (which passes `--bench`) every registered operation
//! runs once, so that the binary is checked to work.

// A benchmark binary reports on stdout.
#![allow(clippy::print_stdout)]

use std::hint::black_box;

use http::{Request, Response};
use twilio_accounts_benches::{context, response, spec_success_example};
use twilio_accounts_core::operations::{OperationVisitor, visit_operations};
use twilio_accounts_core::{Error, FromParameters, Operation, Reply, RequestContext, ToJson};

/// What one round leaves, dropped after the measured part (as criterion's
/// `iter_batched` does).
type Outcome<T> = (Result<Request<Vec<u8>>, Error>, Result<Reply<T>, Error>);

/// The measured part: build and parse, once per response.
#[inline(never)]
fn measured<O: Operation>(
    context: &RequestContext,
    operation: &O,
    responses: Vec<Response<Vec<u8>>>,
) -> Vec<Outcome<O::Output>> {
    let mut outcomes = Vec::with_capacity(responses.len());
    for answer in responses {
        let request = context.build_request(black_box(operation));
        outcomes.push((request, context.parse_response(operation, answer)));
    }
    outcomes
}

struct Run {
    /// The operationId to run; `None` runs every one.
    only: Option<String>,
    count: usize,
    ran: usize,
}

impl OperationVisitor for Run {
    fn visit<O>(&mut self, example: O)
    where
        O: Operation + FromParameters + Clone + std::fmt::Debug + Send + Sync + 'static,
        O::Output: ToJson + Clone + std::fmt::Debug + Send + 'static,
    {
        if self.only.as_deref().is_some_and(|id| id != O::ID) {
            return;
        }
        let Some((status, body)) = spec_success_example(O::SERVICE, O::ID) else {
            panic!("{}: no success example in the spec", O::ID);
        };
        let context = context();
        let responses = (0..self.count).map(|_| response(status, &body)).collect();
        let outcomes = measured(&context, &example, responses);
        for (request, reply) in &outcomes {
            assert!(request.is_ok(), "{}: the request did not build", O::ID);
            assert!(reply.is_ok(), "{}: the spec example did not parse", O::ID);
        }
        self.ran += 1;
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut run = match args.as_slice() {
        [id, count] if !id.starts_with('-') => Run {
            only: Some(id.clone()),
            count: count.parse().expect("COUNT is a number"),
            ran: 0,
        },
        _ => Run {
            only: None,
            count: 1,
            ran: 0,
        },
    };
    visit_operations(&mut run);
    assert!(
        run.ran > 0,
        "no registered operation is called {:?}",
        run.only
    );
    if run.only.is_none() {
        println!(
            "instructions: {} operations build and parse; counts come from scripts/bench-report",
            run.ran
        );
    }
}
