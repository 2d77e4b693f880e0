//! The repository's scenarios as criterion benchmarks, the way a user benchmarks theirs:
//! `cargo bench --features criterion --bench scenarios` (see `handoff_harness::bench::criterion`).

fn scenarios(c: &mut criterion::Criterion) {
    handoff_harness::bench::criterion(c, ["scenarios/customer_support.json", "scenarios/refund.json"]).unwrap()
}
criterion::criterion_group!(benches, scenarios);
criterion::criterion_main!(benches);
