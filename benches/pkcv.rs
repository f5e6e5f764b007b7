//! Public Key Client Validation: the cost of signing one request
//! (canonicalise it, hash it, build the JWT, RS256) next to `ring`'s RS256
//! signature alone over the same signing input. The goal is signing within
//! 1.10× of the bare signature: everything PKCV adds to the RSA operation
//! (which a client cannot avoid) should be small. Both are information
//! next to a loopback round trip (`benches/adapters.rs`).

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use twilio_accounts_benches::{SID, context};
use twilio_accounts_client::pkcv::{Issuer, Signer};
use twilio_accounts_client::{ListCredentialAws, PkcvSigner};

/// Twilio's published example private key (not a secret), from the core's
/// known answers.
fn signer() -> PkcvSigner {
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("../crates/core/tests/data/pkcv-vectors.json"))
            .expect("the vectors are JSON");
    let pem = vectors["docs_example"]["private_key_pem_pkcs1"]
        .as_str()
        .expect("the example key");
    PkcvSigner::from_pem(
        pem.as_bytes(),
        "CRaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().expect("a SID"),
    )
    .expect("the example key signs")
}

fn signing(c: &mut Criterion) {
    let signer = signer();
    let issuer = Issuer::new(
        "SKaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".parse().expect("a SID"),
        SID.parse().expect("a SID"),
    );
    // A list request as the client sends it (query, Authorization).
    let request = context()
        .build_request(&ListCredentialAws::new().page_size(50).expect("a size"))
        .expect("a request");
    let mut signed = request.clone();
    signer
        .sign_request(&mut signed, &issuer)
        .expect("the request signs");
    // The same signing input (`header.payload`) the token was made from.
    let token = signed.headers()["twilio-client-validation"]
        .to_str()
        .expect("ASCII");
    let input = token[..token.rfind('.').expect("three parts")].to_owned();

    let mut group = c.benchmark_group("pkcv");
    group.bench_function("sign_request_rs256", |b| {
        b.iter_batched(
            || request.clone(),
            |mut request| {
                signer
                    .sign_request(&mut request, black_box(&issuer))
                    .expect("signed");
                request
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("ring_rs256_alone", |b| {
        b.iter(|| signer.sign(black_box(input.as_bytes())).expect("signed"))
    });
    group.finish();
}

criterion_group!(benches, signing);
criterion_main!(benches);
