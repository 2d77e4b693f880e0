//! Fuzzing throughput: cases per second on the customer-support scenario (each case runs
//! twice, for the determinism check, and is checked).
//!
//! - `fuzz/customer_support/1_job`: one block of 1,000 cases on one thread;
//! - `fuzz/customer_support/2_jobs`: a campaign of 10,000 cases on two threads, as
//!   `handoff fuzz --jobs 2` runs it.
//!
//! `cargo bench --bench fuzz`; figures in BENCHMARKS.md.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use handoff_harness::fuzz::{Campaign, Shard};
use handoff_harness::{Fuzzer, Scenario};

fn fuzz(c: &mut Criterion) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/customer_support.json");
    let fuzzer = Fuzzer::new(&Scenario::load(path).unwrap()).unwrap();
    let mut group = c.benchmark_group("fuzz/customer_support");
    group.sample_size(10);
    group.throughput(Throughput::Elements(1_000));
    let mut seed = 0;
    group.bench_function("1_job", |b| {
        b.iter(|| {
            seed += 1;
            let report = fuzzer.search_block(1_000, seed);
            assert!(report.failure.is_none());
            black_box(report)
        })
    });
    group.throughput(Throughput::Elements(10_000));
    group.bench_function("2_jobs", |b| {
        b.iter(|| {
            seed += 1;
            let campaign = Campaign {
                cases: 10_000,
                seed,
                jobs: 2,
                shard: Shard::ALL,
            };
            let report = fuzzer.campaign(campaign, &|_| {});
            assert!(report.failure.is_none());
            black_box(report)
        })
    });
    group.finish();
}

criterion_group!(benches, fuzz);
criterion_main!(benches);
